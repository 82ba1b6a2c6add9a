/*
 * openat2 under file approvals: its flags, mode and RESOLVE_* flags are in
 * the sandbox's memory, read again by the kernel if the call went on, so the
 * supervisor never lets one go on: it decides on its own copy and opens.
 */
#ifndef NONO_OPENAT2_REQUEST_H
#define NONO_OPENAT2_REQUEST_H

#include <linux/seccomp.h>

#include "open-request.h"

/*
 * Reads the held openat2's path and open_how, and resolves them the way the
 * kernel would for that thread, under its RESOLVE_* flags, from its dirfd
 * or cwd. 0 with request filled, or the errno to answer with: the kernel's
 * own for a bad call or a failed resolution, EPERM for a set-id mode, and
 * ENOSYS for what only an openat can do (O_PATH, O_TMPFILE, anything on
 * procfs), so the caller falls back to openat as it did before. Check
 * notification_pending before trusting request.
 */
int openat2_request_read(const struct seccomp_notif *notif, struct open_request *request);

struct view_lookup;

/*
 * The same for a thread in a view, which the supervisor may neither let go
 * on nor open for inside the view (Landlock would not check its open): 0
 * with request filled where an openat would be asked about (a name only the
 * host has, as view_lookup_resolve decides), EACCES where it would be
 * refused, the kernel's errno for a bad call, and ENOSYS for everything else
 * (the view holds the name, RESOLVE_* flags, O_PATH, O_TMPFILE), so the
 * caller falls back to openat, which the view and Landlock decide. Check
 * notification_pending before trusting request.
 */
int openat2_request_read_in_view(const struct seccomp_notif *notif,
				 const struct view_lookup *view, struct open_request *request);

#endif
