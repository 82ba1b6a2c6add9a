/*
 * Where the approvals channel comes from: an inherited socket (--approvals-fd),
 * or a unix socket nonod listens on (--approvals-socket) for callers (node-pty)
 * that cannot pass extra fds.
 */
#ifndef NONO_APPROVALS_CHANNEL_H
#define NONO_APPROVALS_CHANNEL_H

/* Connects to the unix stream socket at path; any failure is fatal (exit 125). */
int approvals_channel_connect(const char *path);

#endif
