/*
 * File approvals, sandbox side: a second seccomp filter that hands every
 * open of the command (and its children) to the supervising process, which
 * lets the kernel go on, or asks nonod and opens the file itself.
 */
#ifndef NONO_APPROVALS_FILTER_H
#define NONO_APPROVALS_FILTER_H

#include <stdbool.h>

/*
 * Installs the user-notification filter on open, openat and creat and sends
 * its listener over sock to the supervisor (with view, the view's root as
 * well: the supervisor outside resolves the sandbox's names in it), then
 * closes them. Called last
 * before the command, after no_new_privs, Landlock and the main filter.
 * Refuses (exit 125) on a kernel that cannot inject an fd atomically.
 */
void approvals_filter_hand_over(int sock, bool view);

/*
 * Whether this kernel can do file approvals (user notification, and ADDFD
 * with SEND), tried in a throwaway child. For --probe.
 */
bool file_approvals_available(void);

#endif
