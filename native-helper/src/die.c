/*
 * Error lines are built in memory and written with one write(2), and control
 * bytes from paths or spec records are escaped, so the daemon reading stderr
 * always gets exactly one intact line per message.
 */
#include "die.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define PREFIX "nono-helper: "

static void write_line(const char *fmt, va_list ap)
{
	char message[2048];
	char line[sizeof(PREFIX) + 4 * sizeof(message) + 1];
	size_t len = sizeof(PREFIX) - 1;

	vsnprintf(message, sizeof(message), fmt, ap);
	for (size_t i = 0; i < len; i++)
		line[i] = PREFIX[i];
	for (const unsigned char *c = (const unsigned char *)message; *c; c++) {
		if (*c < 0x20 || *c == 0x7f)
			len += (size_t)snprintf(line + len, 5, "\\x%02x", *c);
		else
			line[len++] = (char)*c;
	}
	line[len++] = '\n';

	/* Nothing useful can be done if stderr itself is gone. */
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(STDERR_FILENO, line + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		done += (size_t)n;
	}
}

void die_with(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	write_line(fmt, ap);
	va_end(ap);
	exit(status);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	write_line(fmt, ap);
	va_end(ap);
	exit(EXIT_SETUP_FAILED);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	write_line(fmt, ap);
	va_end(ap);
}
