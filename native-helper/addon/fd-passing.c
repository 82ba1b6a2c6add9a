/*
 * What the daemon does with the process at the other end of a unix socket that
 * Node has no call for. Handing an upstream TCP socket to the proxy relay inside
 * a sandbox, over the relay's own connection to the session's proxy socket
 * (Node has no sendmsg with ancillary data, and its IPC channel only reaches
 * children it spawned); telling that relay from anyone else (SO_PEERPIDFD); and
 * opening a client's terminal to write its session's output to, as tmux's server
 * does. Node-API is ABI-stable: one build serves every Node 20+.
 */
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include "throw-errno.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

/*
 * The relay is the first process the sandbox's init forks (native-helper/src/proxy-relay.c), so
 * its pid in the sandbox's pid namespace is 2, and a pid namespace never hands out a pid below
 * 300 again once its pids have wrapped: no other process of the sandbox can ever hold it.
 */
#define RELAY_PID_IN_SANDBOX 2

/*
 * sendFd(socketFd, fd, message): one sendmsg of the whole message with fd
 * attached; a short send is an error (EIO), so the message never arrives
 * split from its fd. The socket is non-blocking: EAGAIN is the caller's.
 */
static napi_value send_fd(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3];
	int32_t socket_fd, fd;
	void *data;
	size_t len;
	bool is_buffer;

	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 ||
	    napi_get_value_int32(env, argv[0], &socket_fd) != napi_ok ||
	    napi_get_value_int32(env, argv[1], &fd) != napi_ok ||
	    napi_is_buffer(env, argv[2], &is_buffer) != napi_ok || !is_buffer ||
	    napi_get_buffer_info(env, argv[2], &data, &len) != napi_ok || len == 0) {
		napi_throw_type_error(env, NULL, "sendFd(socketFd, fd, message: non-empty Buffer)");
		return NULL;
	}
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct iovec iov = { .iov_base = data, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

	ssize_t sent;
	do
		sent = sendmsg(socket_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (sent < 0 && errno == EINTR);
	if (sent < 0)
		return throw_errno(env, errno);
	if ((size_t)sent != len)
		return throw_errno(env, EIO);
	return NULL;
}

/* A /proc file's text, NUL-terminated, as much as fits in size. */
static bool read_text(const char *path, char *text, size_t size)
{
	ssize_t n;
	int info;

	info = open(path, O_RDONLY | O_CLOEXEC);
	if (info < 0)
		return false;
	n = read(info, text, size - 1);
	if (close(info) < 0 || n <= 0)
		return false;
	text[n] = '\0';
	return true;
}

/* The fdinfo of our fd: for a pidfd, its process's Pid and NSpid lines. */
static bool read_fdinfo(int fd, char *text, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	return read_text(path, text, size);
}

/*
 * Whether the pidfd's process is, in the innermost pid namespace it lives in, the relay's pid
 * (and that namespace is not ours). The pidfd's fdinfo names the very process, alive or not
 * (Pid: -1 once it has ended), so no pid can be reused between the question and the answer.
 */
static bool pidfd_is_relay(int pidfd)
{
	char text[4096];

	if (!read_fdinfo(pidfd, text, sizeof(text)))
		return false;
	const char *line = strstr(text, "\nNSpid:");
	if (!line)
		return false;
	char *next = (char *)line + strlen("\nNSpid:");
	long pid = -1;
	int levels = 0;
	for (;;) {
		char *end;
		long value = strtol(next, &end, 10);
		if (end == next)
			break;
		pid = value;
		levels++;
		next = end;
	}
	return levels >= 2 && pid == RELAY_PID_IN_SANDBOX;
}

/*
 * isRelay(socketFd): whether the process that connected this unix socket is the sandbox's relay.
 * Threat: the proxy's socket is bound into the view, so the command can connect to it as the
 * relay does; a TCP socket of the host's network namespace handed to the command could be
 * disconnected (connect AF_UNSPEC) and connected anywhere, or listened on, past the proxy.
 * SO_PEERPIDFD (Linux 6.5) is the connecting process itself; without it, nothing is offered.
 */
static napi_value is_relay(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], result;
	int32_t socket_fd;
	int pidfd = -1;
	socklen_t len = sizeof(pidfd);
	bool relay = false;

	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
	    napi_get_value_int32(env, argv[0], &socket_fd) != napi_ok) {
		napi_throw_type_error(env, NULL, "isRelay(socketFd)");
		return NULL;
	}
	if (getsockopt(socket_fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0 && pidfd >= 0) {
		relay = pidfd_is_relay(pidfd);
		/* A pidfd that will not close is not worth an answer: nothing offered. */
		if (close(pidfd) < 0)
			relay = false;
	}
	if (napi_get_boolean(env, relay, &result) != napi_ok)
		return NULL;
	return result;
}

/* The pid, in our namespace, of the process a pidfd names; -1 once it has ended. */
static long pidfd_pid(int pidfd)
{
	char text[4096];

	if (!read_fdinfo(pidfd, text, sizeof(text)))
		return -1;
	const char *line = strstr(text, "\nPid:");
	return line ? strtol(line + strlen("\nPid:"), NULL, 10) : -1;
}

/* Unix98 pty slaves (/dev/pts/N): the only terminals libuv can reopen non-blocking. */
#define PTY_SLAVE_MAJOR_FIRST 136
#define PTY_SLAVE_MAJOR_LAST 143

static bool is_pty_slave(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) >= PTY_SLAVE_MAJOR_FIRST && major(st->st_rdev) <= PTY_SLAVE_MAJOR_LAST;
}

/*
 * Whether the peer's fd stdio_fd is, now, a description of the file ino that it may read (0) or
 * write (1): the daemon acts on the client's terminal with no more than the client has there.
 */
static bool peer_fd_allows(long pid, int stdio_fd, ino_t ino)
{
	char path[64], text[4096];
	const char *line;

	snprintf(path, sizeof(path), "/proc/%ld/fdinfo/%d", pid, stdio_fd);
	if (!read_text(path, text, sizeof(text)))
		return false;
	line = strstr(text, "flags:");
	if (!line)
		return false;
	long flags = strtol(line + strlen("flags:"), NULL, 8);
	line = strstr(text, "\nino:");
	if (!line || strtoull(line + strlen("\nino:"), NULL, 10) != (unsigned long long)ino || (flags & O_PATH) != 0)
		return false;
	int mode = (int)(flags & O_ACCMODE);
	return mode == O_RDWR || mode == (stdio_fd == 0 ? O_RDONLY : O_WRONLY);
}

/*
 * openPeerTerminal(socketFd, stdioFd): a new non-blocking open of the terminal the connecting
 * process has as its stdin (0, opened for reading) or stdout (1, for writing), for the daemon to
 * read that client's keys and write its session's output, as tmux's server does; returns
 * { fd, pid, device }. The process is the connection's own (SO_PEERPIDFD), checked alive after
 * the open so its pid cannot have been reused; only a pty slave is taken, because the daemon
 * must never block on a terminal, and only for what the peer's own fd may do with it; O_NOCTTY
 * keeps a daemon without a controlling terminal from acquiring this one.
 */
static napi_value open_peer_terminal(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], result, value;
	int32_t socket_fd, stdio_fd;
	int pidfd = -1, pinned = -1, fd = -1, err = 0;
	socklen_t len = sizeof(pidfd);
	char path[64];
	struct stat st;

	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 ||
	    napi_get_value_int32(env, argv[0], &socket_fd) != napi_ok ||
	    napi_get_value_int32(env, argv[1], &stdio_fd) != napi_ok || (stdio_fd != 0 && stdio_fd != 1)) {
		napi_throw_type_error(env, NULL, "openPeerTerminal(socketFd, stdioFd: 0 | 1)");
		return NULL;
	}
	if (getsockopt(socket_fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0)
		return throw_errno(env, errno);
	long pid = pidfd_pid(pidfd);
	if (pid <= 0) {
		err = ESRCH;
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/%ld/fd/%d", pid, stdio_fd);
	/*
	 * Pinned with O_PATH and looked at before it is opened: opening some devices does something
	 * (a serial line's DTR), and the client may swap its fd meanwhile; the open below goes
	 * through the pinned file, not the client's fd table again.
	 */
	pinned = open(path, O_PATH | O_CLOEXEC);
	if (pinned < 0 || fstat(pinned, &st) < 0) {
		err = errno;
		goto out;
	}
	if (!is_pty_slave(&st)) {
		err = ENOTTY;
		goto out;
	}
	if (!peer_fd_allows(pid, stdio_fd, st.st_ino)) {
		err = EACCES;
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pinned);
	fd = open(path, (stdio_fd == 0 ? O_RDONLY : O_WRONLY) | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		goto out;
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		err = errno;
out:
	if (close(pidfd) < 0 && err == 0)
		err = errno;
	if (pinned >= 0 && close(pinned) < 0 && err == 0)
		err = errno;
	if (err != 0) {
		if (fd >= 0)
			close(fd);
		return throw_errno(env, err);
	}
	if (napi_create_object(env, &result) != napi_ok ||
	    napi_create_int32(env, fd, &value) != napi_ok || napi_set_named_property(env, result, "fd", value) != napi_ok ||
	    napi_create_int64(env, pid, &value) != napi_ok || napi_set_named_property(env, result, "pid", value) != napi_ok ||
	    napi_create_int64(env, (int64_t)st.st_rdev, &value) != napi_ok ||
	    napi_set_named_property(env, result, "device", value) != napi_ok) {
		close(fd);
		return NULL;
	}
	return result;
}

/*
 * rawOutput(fd, raw): the terminal passes output on as it is written (OPOST off), as tmux has its
 * clients' terminals, or processes it again (OPOST on). A session's output was already translated
 * by its own pty (\n to \r\n), and the client's raw mode (libuv's) keeps OPOST, so the kernel
 * would look at every byte once more and add a \r to every line end. Returns whether it changed.
 */
static napi_value raw_output(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], result;
	int32_t fd;
	bool raw;
	struct termios mode;

	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 ||
	    napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_bool(env, argv[1], &raw) != napi_ok) {
		napi_throw_type_error(env, NULL, "rawOutput(fd, raw: boolean)");
		return NULL;
	}
	if (tcgetattr(fd, &mode) < 0)
		return throw_errno(env, errno);
	bool changes = raw == ((mode.c_oflag & OPOST) != 0);
	if (changes) {
		if (raw)
			mode.c_oflag &= ~OPOST;
		else
			mode.c_oflag |= OPOST;
		if (tcsetattr(fd, TCSANOW, &mode) < 0)
			return throw_errno(env, errno);
	}
	if (napi_get_boolean(env, changes, &result) != napi_ok)
		return NULL;
	return result;
}

NAPI_MODULE_INIT()
{
	napi_value fn;

	if (napi_create_function(env, "sendFd", NAPI_AUTO_LENGTH, send_fd, NULL, &fn) != napi_ok ||
	    napi_set_named_property(env, exports, "sendFd", fn) != napi_ok ||
	    napi_create_function(env, "isRelay", NAPI_AUTO_LENGTH, is_relay, NULL, &fn) != napi_ok ||
	    napi_set_named_property(env, exports, "isRelay", fn) != napi_ok ||
	    napi_create_function(env, "openPeerTerminal", NAPI_AUTO_LENGTH, open_peer_terminal, NULL, &fn) != napi_ok ||
	    napi_set_named_property(env, exports, "openPeerTerminal", fn) != napi_ok ||
	    napi_create_function(env, "rawOutput", NAPI_AUTO_LENGTH, raw_output, NULL, &fn) != napi_ok ||
	    napi_set_named_property(env, exports, "rawOutput", fn) != napi_ok)
		return NULL;
	return exports;
}
