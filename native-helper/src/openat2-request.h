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

#endif
