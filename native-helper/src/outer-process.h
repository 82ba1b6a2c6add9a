/*
 * The helper as the caller sees it, when the spec asks for a view or for
 * file approvals: it stays
 * outside the sandbox, forwards signals to the sandbox's init, and ends the
 * way the command ended, so the caller cannot tell it from the command.
 */
#ifndef NONO_OUTER_PROCESS_H
#define NONO_OUTER_PROCESS_H

#include <sys/types.h>

/*
 * The process group that has the terminal on stdin if it is ours, else -1.
 * Taken before init is cloned: the command takes the terminal, and
 * wait_for_sandbox gives it back to this group.
 */
pid_t terminal_owner(void);

/*
 * Waits for init, then exits with the command's status read from status_fd,
 * or is killed by the signal that killed the command. If init ended before
 * reporting (it failed while setting up), exits with init's own status.
 */
__attribute__((noreturn))
void wait_for_sandbox(pid_t init, int status_fd, pid_t owner);

/*
 * With file approvals but no view: waits for the command (the supervisor's
 * child), gives the terminal back, and ends as the command ended.
 */
__attribute__((noreturn))
void end_like_command(pid_t command, pid_t owner);

#endif
