/*
 * A command killed by a signal must look killed by that signal to the
 * caller (a shell prints "Terminated", node reports signal SIGTERM), so the
 * helper re-raises it on itself rather than exiting 128+N.
 */
#include "outer-process.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "die.h"
#include "signals.h"

pid_t terminal_owner(void)
{
	pid_t owner = isatty(STDIN_FILENO) ? tcgetpgrp(STDIN_FILENO) : -1;

	return owner == getpgrp() ? owner : -1;
}

/*
 * SIGTTOU is ignored by now, so a background process may take the terminal
 * back. Failing to is not worth losing the command's status over.
 */
static void give_back_terminal(pid_t owner)
{
	if (owner >= 0 && tcsetpgrp(STDIN_FILENO, owner) < 0)
		warn("cannot give the terminal back to process group %d: %s", (int)owner,
		     strerror(errno));
}

static int wait_exited(pid_t init)
{
	int status;

	while (waitpid(init, &status, 0) < 0) {
		if (errno != EINTR)
			die("cannot wait for the sandbox (pid %d): %s", (int)init,
			    strerror(errno));
	}
	return status;
}

/* Returns false when init wrote nothing: it ended before the command ran. */
static bool read_command_status(int status_fd, int *status)
{
	size_t done = 0;

	while (done < sizeof(*status)) {
		ssize_t n = read(status_fd, (char *)status + done, sizeof(*status) - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("cannot read the command's status: %s", strerror(errno));
		if (n == 0)
			break;
		done += (size_t)n;
	}
	if (done != 0 && done != sizeof(*status))
		die("cannot read the command's status: %zu of %zu bytes", done, sizeof(*status));
	return done == sizeof(*status);
}

__attribute__((noreturn))
static void die_like(int sig)
{
	struct rlimit no_core = { 0, 0 };
	sigset_t set;

	/* The command may have dumped core already; a second dump of the helper is noise. */
	if (setrlimit(RLIMIT_CORE, &no_core) < 0)
		die("cannot set RLIMIT_CORE to 0 before re-raising signal %d: %s", sig,
		    strerror(errno));
	/* SIGKILL and SIGSTOP cannot be caught, so they need (and allow) no reset. */
	if (sig != SIGKILL && sig != SIGSTOP && signal(sig, SIG_DFL) == SIG_ERR)
		die("cannot reset signal %d: %s", sig, strerror(errno));
	sigemptyset(&set);
	sigaddset(&set, sig);
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0 || raise(sig) != 0)
		die("cannot re-raise signal %d: %s", sig, strerror(errno));
	/* Only a signal whose default is not to terminate gets here. */
	exit(128 + sig);
}

__attribute__((noreturn))
static void end_as(int status)
{
	if (WIFSIGNALED(status))
		die_like(WTERMSIG(status));
	exit(WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_SETUP_FAILED);
}

void end_like_command(pid_t command, pid_t owner)
{
	int status = wait_exited(command);

	give_back_terminal(owner);
	end_as(status);
}

void wait_for_sandbox(pid_t init, int status_fd, pid_t owner)
{
	int status;

	forward_signals_to(init);
	int init_status = wait_exited(init);
	give_back_terminal(owner);
	end_as(read_command_status(status_fd, &status) ? status : init_status);
}
