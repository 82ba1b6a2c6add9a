/*
 * The command gets its own process group and the terminal's foreground, so
 * Ctrl-C and Ctrl-Z from the terminal reach only the command, never init or
 * the helper waiting outside, which must stay alive to report how it ended.
 */
#include "init-process.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "die.h"
#include "signals.h"

/*
 * SIGTTOU is still blocked (inherited from init), so a process not yet in
 * the foreground may take the terminal. ENOTTY: stdin is a terminal but not
 * this session's controlling one, so there is no foreground to take.
 */
static void take_terminal(void)
{
	if (isatty(STDIN_FILENO) && tcsetpgrp(STDIN_FILENO, getpgrp()) < 0 && errno != ENOTTY)
		die("cannot give the terminal to the command: %s", strerror(errno));
}

void take_foreground(void)
{
	if (setpgid(0, 0) < 0)
		die("cannot put the command in its own process group: %s", strerror(errno));
	take_terminal();
	restore_signal_mask();
}

static void become_command(int status_fd)
{
	if (close(status_fd) < 0)
		die("cannot close the status pipe: %s", strerror(errno));
	take_foreground();
}

static void report(int status_fd, int status)
{
	ssize_t n;

	do
		n = write(status_fd, &status, sizeof(status));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(status))
		die("cannot report the command's status: %s",
		    n < 0 ? strerror(errno) : "short write");
}

/*
 * Orphans reparent to init, so every child is reaped, not only the command.
 * The proxy relay (if any) ending is not the command ending: the command
 * keeps running, without a way out.
 */
__attribute__((noreturn))
static void reap_until_command_ends(pid_t command, pid_t relay, int status_fd)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			die("cannot wait for the command (pid %d): %s", (int)command,
			    strerror(errno));
		if (pid == command) {
			report(status_fd, status);
			exit(0);
		}
		if (pid == relay)
			warn("the proxy relay (pid %d) ended (%s %d); the command keeps running "
			     "without network", (int)relay,
			     WIFSIGNALED(status) ? "killed by signal" : "exit status",
			     WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
}

void run_as_init(int status_fd, pid_t relay)
{
	pid_t command = fork();

	if (command < 0)
		die("cannot fork the command: %s", strerror(errno));
	if (command == 0) {
		become_command(status_fd);
		return;
	}
	/* Also done here, so no forwarded signal can find the group not made yet. */
	if (setpgid(command, command) < 0 && errno != EACCES)
		die("cannot put the command in its own process group: %s", strerror(errno));
	forward_signals_to(-command);
	reap_until_command_ends(command, relay, status_fd);
}
