/*
 * The daemon's one use of SCM_RIGHTS: handing an upstream TCP socket to the
 * proxy relay inside a sandbox, over the relay's own connection to the
 * session's proxy socket. Node has no sendmsg with ancillary data, and its
 * IPC channel only reaches children it spawned, so this Node-API module does
 * the one sendmsg(2). Node-API is ABI-stable: one build serves every Node 20+.
 */
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* The error's code is the errno's name (EAGAIN, EPIPE, ...), as Node's own errors have it. */
static napi_value throw_errno(napi_env env, int err)
{
	const char *name = strerrorname_np(err);

	napi_throw_error(env, name ? name : "EIO", strerror(err));
	return NULL;
}

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

NAPI_MODULE_INIT()
{
	napi_value fn;

	if (napi_create_function(env, "sendFd", NAPI_AUTO_LENGTH, send_fd, NULL, &fn) != napi_ok ||
	    napi_set_named_property(env, exports, "sendFd", fn) != napi_ok)
		return NULL;
	return exports;
}
