/*
 * The warm client's side of `nono`'s launcher (native-helper/launcher/nono.c): the daemon
 * keeps a Node client started ahead of time, listening on the runtime dir's launch.sock, and
 * the launcher hands it a command line with the terminal's fds attached (SCM_RIGHTS). Node
 * has no recvmsg with ancillary data and no dup2 or fchdir, so this Node-API module does them.
 * An idle warm client has nothing else to do, so takeLaunch blocks its only thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "throw-errno.h"

#include "../launcher/launch-wire.h"

/*
 * listenUnix(path): a listening socket at path, readable and writable by this user only.
 * A socket left there by a daemon that died is replaced; anything else is never removed.
 * The fd is close-on-exec: the daemon passes it to each warm client as fd 3 explicitly.
 * Connections accepted from it are blocking; each request has one deadline (receive_request).
 */
static napi_value listen_unix(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], result;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t len;
	struct stat st;

	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
	    napi_get_value_string_utf8(env, argv[0], addr.sun_path, sizeof(addr.sun_path), &len) != napi_ok ||
	    len == 0 || len >= sizeof(addr.sun_path) - 1) {
		napi_throw_type_error(env, NULL, "listenUnix(path: string shorter than 107 bytes)");
		return NULL;
	}
	if (lstat(addr.sun_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return throw_errno(env, EEXIST);
		if (unlink(addr.sun_path) < 0)
			return throw_errno(env, errno);
	} else if (errno != ENOENT) {
		return throw_errno(env, errno);
	}
	/* Non-blocking: every warm client polls it, and all but one lose the race to accept. */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return throw_errno(env, errno);
	/* Created 0600 from the start: umask 0177 around bind, restored at once. */
	mode_t old = umask(0177);
	int bound = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	int err = errno;
	umask(old);
	if (bound < 0 || listen(fd, 64) < 0) {
		if (bound == 0)
			err = errno;
		close(fd);
		return throw_errno(env, err);
	}
	if (napi_create_int32(env, fd, &result) != napi_ok)
		return NULL;
	return result;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is readable or the deadline has passed: one deadline for the whole request, so a peer that trickles a byte at a time gains nothing. */
static bool readable_before(int fd, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return false;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ready = poll(&p, 1, (int)left);
		if (ready < 0 && errno == EINTR)
			continue;
		return ready == 1;
	}
}

static bool read_all(int fd, char *buf, size_t len, long long deadline)
{
	while (len > 0) {
		if (!readable_before(fd, deadline))
			return false;
		ssize_t n = read(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static void close_all(const int *fds, int count)
{
	for (int i = 0; i < count; i++)
		close(fds[i]);
}

/*
 * One connection's request: the header with exactly LAUNCH_FDS fds, then the payload, all within
 * LAUNCH_TIMEOUT_MS of the accept. Any deviation, a peer of another user, or a peer that is not
 * done by then, and nothing is returned: what was received is closed and the caller waits for
 * the next connection.
 */
static bool receive_request(int conn, int fds[LAUNCH_FDS], char **payload, uint32_t *payload_len, pid_t *peer)
{
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);
	struct timeval timeout = { .tv_sec = LAUNCH_TIMEOUT_MS / 1000, .tv_usec = 0 };
	long long deadline = now_ms() + LAUNCH_TIMEOUT_MS;
	char ready[48];

	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) < 0 || cred.uid != geteuid())
		return false;
	*peer = cred.pid;
	if (setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout)) < 0)
		return false;
	int n = snprintf(ready, sizeof(ready), "%s %ld\n", LAUNCH_READY, (long)getpid());
	if (send(conn, ready, (size_t)n, MSG_NOSIGNAL) != n)
		return false;

	struct launch_header header;
	union {
		char buf[CMSG_SPACE(sizeof(int) * LAUNCH_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = &header, .iov_len = sizeof(header) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t got = -1;
	if (readable_before(conn, deadline)) {
		do
			got = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		while (got < 0 && errno == EINTR);
	}
	int received = 0;
	for (struct cmsghdr *c = got > 0 ? CMSG_FIRSTHDR(&msg) : NULL; c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < count; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (received < LAUNCH_FDS)
				fds[received++] = fd;
			else
				close(fd);
		}
	}
	/* The fds came with the header's first bytes; the rest of it may follow. */
	bool whole = got > 0 && (got == (ssize_t)sizeof(header) ||
				 read_all(conn, (char *)&header + got, sizeof(header) - (size_t)got, deadline));
	if (!whole || (msg.msg_flags & MSG_CTRUNC) || received != LAUNCH_FDS || header.magic != LAUNCH_MAGIC ||
	    header.length == 0 || header.length > LAUNCH_MAX_PAYLOAD) {
		close_all(fds, received);
		return false;
	}
	char *data = malloc(header.length);
	if (!data || !read_all(conn, data, header.length, deadline)) {
		free(data);
		close_all(fds, received);
		return false;
	}
	*payload = data;
	*payload_len = header.length;
	return true;
}

static void free_payload(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	free(data);
}

/*
 * takeLaunch(listenFd, controlFd, idleMs): waits for a launcher's request and returns
 * { conn, fds: [stdin, stdout, stderr, cwd], payload, launcherPid }, or the string "gone" when the daemon
 * closed controlFd, or "idle" after idleMs without a request.
 */
static napi_value take_launch(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3], result, value, array;
	int32_t listen_fd, control_fd, idle_ms;

	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 ||
	    napi_get_value_int32(env, argv[0], &listen_fd) != napi_ok ||
	    napi_get_value_int32(env, argv[1], &control_fd) != napi_ok ||
	    napi_get_value_int32(env, argv[2], &idle_ms) != napi_ok) {
		napi_throw_type_error(env, NULL, "takeLaunch(listenFd, controlFd, idleMs)");
		return NULL;
	}
	for (;;) {
		struct pollfd polls[2] = {
			{ .fd = listen_fd, .events = POLLIN },
			{ .fd = control_fd, .events = POLLIN },
		};
		int ready = poll(polls, 2, idle_ms);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			return throw_errno(env, errno);
		const char *why = ready == 0 ? "idle" : polls[1].revents ? "gone" : NULL;
		if (why) {
			if (napi_create_string_utf8(env, why, NAPI_AUTO_LENGTH, &result) != napi_ok)
				return NULL;
			return result;
		}
		int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0) {
			/* Another warm client took it, or the launcher gave up first. */
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				continue;
			return throw_errno(env, errno);
		}
		int fds[LAUNCH_FDS];
		char *payload = NULL;
		uint32_t length = 0;
		pid_t peer = 0;
		if (!receive_request(conn, fds, &payload, &length, &peer)) {
			close(conn);
			continue;
		}
		if (napi_create_object(env, &result) != napi_ok || napi_create_int32(env, conn, &value) != napi_ok ||
		    napi_set_named_property(env, result, "conn", value) != napi_ok ||
		    napi_create_array_with_length(env, LAUNCH_FDS, &array) != napi_ok)
			return NULL;
		for (uint32_t i = 0; i < LAUNCH_FDS; i++) {
			if (napi_create_int32(env, fds[i], &value) != napi_ok || napi_set_element(env, array, i, value) != napi_ok)
				return NULL;
		}
		if (napi_set_named_property(env, result, "fds", array) != napi_ok ||
		    napi_create_int32(env, peer, &value) != napi_ok ||
		    napi_set_named_property(env, result, "launcherPid", value) != napi_ok ||
		    napi_create_external_buffer(env, length, payload, free_payload, NULL, &value) != napi_ok ||
		    napi_set_named_property(env, result, "payload", value) != napi_ok)
			return NULL;
		return result;
	}
}

/*
 * adoptStdio(fds): the launcher's stdin, stdout and stderr become fds 0, 1 and 2, and its
 * working directory ours; the received fds are closed. Called before anything in this
 * process has looked at process.stdin/stdout/stderr, which Node creates on first use.
 */
static napi_value adopt_stdio(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], value;
	int fds[LAUNCH_FDS];
	bool is_array;

	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
	    napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array) {
		napi_throw_type_error(env, NULL, "adoptStdio(fds: number[4])");
		return NULL;
	}
	for (uint32_t i = 0; i < LAUNCH_FDS; i++) {
		if (napi_get_element(env, argv[0], i, &value) != napi_ok || napi_get_value_int32(env, value, &fds[i]) != napi_ok) {
			napi_throw_type_error(env, NULL, "adoptStdio(fds: number[4])");
			return NULL;
		}
	}
	for (int i = 0; i < 3; i++) {
		if (dup2(fds[i], i) < 0)
			return throw_errno(env, errno);
	}
	if (fchdir(fds[3]) < 0)
		return throw_errno(env, errno);
	for (int i = 0; i < LAUNCH_FDS; i++) {
		if (fds[i] > 2 && close(fds[i]) < 0)
			return throw_errno(env, errno);
	}
	return NULL;
}

NAPI_MODULE_INIT()
{
	napi_value fn;

	if (napi_create_function(env, "listenUnix", NAPI_AUTO_LENGTH, listen_unix, NULL, &fn) != napi_ok ||
	    napi_set_named_property(env, exports, "listenUnix", fn) != napi_ok ||
	    napi_create_function(env, "takeLaunch", NAPI_AUTO_LENGTH, take_launch, NULL, &fn) != napi_ok ||
	    napi_set_named_property(env, exports, "takeLaunch", fn) != napi_ok ||
	    napi_create_function(env, "adoptStdio", NAPI_AUTO_LENGTH, adopt_stdio, NULL, &fn) != napi_ok ||
	    napi_set_named_property(env, exports, "adoptStdio", fn) != napi_ok)
		return NULL;
	return exports;
}
