/*
 * File approvals, supervisor side: the unconfined process that answers the
 * sandbox's opens, from the grants itself or by asking nonod.
 */
#ifndef NONO_FILE_SUPERVISOR_H
#define NONO_FILE_SUPERVISOR_H

#include "kept-files.h"
#include "spec.h"

/*
 * Forks. The child returns (in its own foreground process group if stdin is
 * our terminal, else in ours) with the socket on which it must send the
 * listener (approvals_filter_hand_over). The parent never returns: it
 * forwards signals to the child's own group (in ours, it ignores them),
 * answers opens with the grants of spec and over channel (nonod's end of
 * --approvals-fd), and ends as the command ended.
 */
int fork_file_supervisor(const struct spec *spec, int channel);

/* The socketpair the sandbox sends its listener on (SOCK_SEQPACKET, close-on-exec). */
void listener_socketpair(int pair[2]);

/*
 * With a view: called in the helper outside, once the sandbox's init is
 * cloned (it holds pair[1], and sends the listener and its view's root);
 * kept was remembered before the clone. Forwards signals to init, answers
 * opens, and ends as wait_for_sandbox does.
 */
__attribute__((noreturn))
void supervise_view(const struct spec *spec, const struct kept_files *kept, int channel,
		    const int pair[2], pid_t init, int status_fd, pid_t terminal);

#endif
