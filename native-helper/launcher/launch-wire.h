/*
 * What `nono` (launcher/nono.c) and a warm client (addon/launch-handoff.c, client/bin/
 * warm-client.cjs) say over the runtime dir's launch.sock:
 *   warm client: "ready PID\n"
 *   launcher:    struct launch_header with LAUNCH_FDS fds attached (SCM_RIGHTS: stdin, stdout,
 *                stderr, an O_PATH fd of the working directory), then `length` bytes of
 *                NUL-terminated strings: the daemon's secret, the umask in octal, the argument
 *                count, the arguments (without argv[0]), then the environment, one per string.
 *   warm client: "exit CODE\n" as it exits, then the connection closes when it has exited;
 *                or "not-run\n" and a close when it turned the request down (a wrong secret, or
 *                nono was reinstalled since it started), so the launcher may run it itself.
 */
#ifndef NONO_LAUNCH_WIRE_H
#define NONO_LAUNCH_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#define LAUNCH_SOCKET_NAME "launch.sock"
#define LAUNCH_READY "ready"
#define LAUNCH_NOT_RUN "not-run"
#define LAUNCH_MAGIC 0x6e6f6e6fu /* "nono" */
#define LAUNCH_FDS 4
/* A command line and environment together are at most ARG_MAX (2 MiB here) for exec too. */
#define LAUNCH_MAX_PAYLOAD (4u << 20)
/* Either side waits this long for the other mid-request before giving up on the connection. */
#define LAUNCH_TIMEOUT_MS 2000

struct launch_header {
	uint32_t magic;
	uint32_t length;
};

/* Sends the header for a payload of `length` bytes, with stdin, stdout, stderr and cwd attached. */
bool launch_send_header(int sock, int cwd, uint32_t length);

#endif
