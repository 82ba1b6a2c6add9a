/*
 * File approvals, supervisor side: the unconfined process that answers the
 * sandbox's opens, from the grants itself or by asking nonod.
 */
#ifndef NONO_FILE_SUPERVISOR_H
#define NONO_FILE_SUPERVISOR_H

#include "spec.h"

/*
 * Forks. The child returns, in its own foreground process group, with the
 * socket on which it must send the listener (approvals_filter_hand_over).
 * The parent never returns: it forwards signals to the child's group,
 * answers opens with the grants of spec and over channel (nonod's end of
 * --approvals-fd), and ends as the command ended.
 */
int fork_file_supervisor(const struct spec *spec, int channel);

#endif
