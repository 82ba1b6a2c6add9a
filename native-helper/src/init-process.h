/*
 * Pid 1 of the sandbox's pid namespace. It runs the command as its child,
 * forwards signals to the command's process group, reaps orphans, and when
 * the command ends reports its wait status and exits, which makes the kernel
 * kill whatever the command left running in the sandbox.
 */
#ifndef NONO_INIT_PROCESS_H
#define NONO_INIT_PROCESS_H

#include <sys/types.h>

/*
 * Forks the command's process and returns in it, in its own process group
 * that owns the terminal (if stdin is one), with the signal mask the helper
 * was started with. Init never returns: it writes the command's raw wait
 * status (an int) to status_fd and exits 0. relay is the proxy relay's pid
 * (0: none), which init reaps like an orphan, with one line if it ends.
 */
void run_as_init(int status_fd, pid_t relay);

/*
 * Puts the calling process in its own process group, gives it the terminal
 * (if stdin is one) and the signal mask the helper was started with. The
 * command does this under init, and under the file-approval supervisor.
 */
void take_foreground(void);

#endif
