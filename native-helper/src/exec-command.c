/*
 * The PATH lookup happens after the sandbox is applied, so a command the
 * sandbox hides is "not found" and one it may not execute fails here with the
 * exit codes a shell would use.
 */
#include "exec-command.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

void exec_command(char *const argv[])
{
	execvp(argv[0], argv);
	switch (errno) {
	case ENOENT:
	case ENOTDIR:
		die_with(EXIT_NOT_FOUND, "command not found: %s", argv[0]);
	case EACCES:
		die_with(EXIT_NOT_EXECUTABLE, "cannot execute %s: %s (is its path granted "
			 "execute?)", argv[0], strerror(EACCES));
	default:
		die_with(EXIT_NOT_EXECUTABLE, "cannot execute %s: %s (check the file is a "
			 "program for this machine)", argv[0], strerror(errno));
	}
}
