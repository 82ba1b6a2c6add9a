/*
 * The handlers only call kill(2), which is async-signal-safe, and keep errno
 * so an interrupted waitpid or read in the main flow sees its own error.
 */
#include "signals.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "die.h"

static const int forwarded[] = {
	SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT, SIGWINCH,
};

/* A waiting process must not be stopped or killed by the terminal or a closed pipe. */
static const int ignored[] = { SIGTTOU, SIGTTIN, SIGTSTP, SIGPIPE };

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static sigset_t original_mask;
static pid_t forward_target;

static void forward(int sig)
{
	int saved = errno;

	kill(forward_target, sig);
	errno = saved;
}

static sigset_t handled_set(void)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < COUNT(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	for (size_t i = 0; i < COUNT(ignored); i++)
		sigaddset(&set, ignored[i]);
	return set;
}

static void set_mask(int how, const sigset_t *set, sigset_t *old)
{
	if (sigprocmask(how, set, old) < 0)
		die("cannot change the signal mask: %s", strerror(errno));
}

static void set_action(int sig, void (*handler)(int))
{
	struct sigaction action = { .sa_handler = handler, .sa_flags = SA_RESTART };

	sigemptyset(&action.sa_mask);
	if (sigaction(sig, &action, NULL) < 0)
		die("cannot set the action for signal %d (%s): %s", sig, strsignal(sig),
		    strerror(errno));
}

void block_forwarded_signals(void)
{
	sigset_t set = handled_set();

	set_mask(SIG_BLOCK, &set, &original_mask);
}

void forward_signals_to(pid_t target)
{
	sigset_t set = handled_set();

	forward_target = target;
	for (size_t i = 0; i < COUNT(forwarded); i++)
		set_action(forwarded[i], forward);
	for (size_t i = 0; i < COUNT(ignored); i++)
		set_action(ignored[i], SIG_IGN);
	set_mask(SIG_UNBLOCK, &set, NULL);
}

void ignore_group_signals(void)
{
	sigset_t set = handled_set();

	for (size_t i = 0; i < COUNT(forwarded); i++)
		set_action(forwarded[i], SIG_IGN);
	for (size_t i = 0; i < COUNT(ignored); i++)
		set_action(ignored[i], SIG_IGN);
	set_mask(SIG_UNBLOCK, &set, NULL);
}

void restore_signal_mask(void)
{
	set_mask(SIG_SETMASK, &original_mask, NULL);
}

/* The kernel's struct sigaction, for rt_sigaction(2) called directly. */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

void reset_inherited_signals(void)
{
	struct kernel_sigaction action = { .handler = SIG_DFL };

	/*
	 * The system call rather than sigaction(3): glibc refuses to touch its own two signals (32
	 * and 33), which its posix_spawn leaves ignored in the child.
	 */
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, &action, NULL, sizeof(action.mask)) < 0)
			die("cannot reset the action for signal %d: %s", sig, strerror(errno));
	}
}
