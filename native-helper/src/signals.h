/*
 * Signal handling shared by the two processes that wait for the command when
 * the spec asks for a view: the outer helper forwards to the sandbox's init,
 * and init forwards to the command's process group. Neither may be stopped
 * by the terminal or killed by a broken pipe, since both must outlive the
 * command to report how it ended.
 */
#ifndef NONO_SIGNALS_H
#define NONO_SIGNALS_H

#include <sys/types.h>

/*
 * Every signal back to its default action, as a freshly started program expects them: the
 * daemon starts the helper with posix_spawn, which leaves glibc's internal signals ignored, and
 * an ignored signal would stay ignored through every exec down to the command.
 */
void reset_inherited_signals(void);

/*
 * Blocks every forwarded and job-control signal, remembering the mask the
 * helper was started with. Called before the sandbox's init is cloned, so a
 * signal that arrives while processes are being set up waits, and is
 * forwarded once there is somewhere to forward it.
 */
void block_forwarded_signals(void);

/*
 * Forwards SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT and
 * SIGWINCH to target (a pid, or minus a process group), ignores SIGTTOU,
 * SIGTTIN, SIGTSTP and SIGPIPE, then unblocks.
 */
void forward_signals_to(pid_t target);

/*
 * For a process that shares its process group with the command, which gets
 * every signal sent to the group itself (forwarding would deliver it twice):
 * ignores what forward_signals_to would forward or ignore, then unblocks.
 */
void ignore_group_signals(void);

/* The command's process: the signal mask the helper was started with. */
void restore_signal_mask(void);

#endif
