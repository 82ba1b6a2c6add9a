/*
 * The last step: run the command in place of the helper, inside the sandbox
 * that is now in force.
 */
#ifndef NONO_EXEC_COMMAND_H
#define NONO_EXEC_COMMAND_H

/* execvp(argv[0], argv); on failure exits 127 (not found) or 126. */
__attribute__((noreturn))
void exec_command(char *const argv[]);

#endif
