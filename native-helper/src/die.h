/*
 * Every way the helper can fail ends here, so each failure is one line on
 * stderr prefixed "nono-helper: " and one of the exit codes nono documents.
 */
#ifndef NONO_DIE_H
#define NONO_DIE_H

enum {
	EXIT_SETUP_FAILED = 125,
	EXIT_NOT_EXECUTABLE = 126,
	EXIT_NOT_FOUND = 127,
};

/* Prints "nono-helper: <message>" as one line and exits with status. */
__attribute__((noreturn, format(printf, 2, 3)))
void die_with(int status, const char *fmt, ...);

/* die_with(EXIT_SETUP_FAILED, ...): the sandbox could not be set up as asked. */
__attribute__((noreturn, format(printf, 1, 2)))
void die(const char *fmt, ...);

/* One line on stderr for something the user must know but that is not fatal. */
__attribute__((format(printf, 1, 2)))
void warn(const char *fmt, ...);

#endif
