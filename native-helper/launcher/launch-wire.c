/* The launcher's half of launch-wire.h, shared with the forged launcher the attack tests use. */
#include "launch-wire.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

bool launch_send_header(int sock, int cwd, uint32_t length)
{
	int fds[LAUNCH_FDS] = { 0, 1, 2, cwd };
	struct launch_header header = { .magic = LAUNCH_MAGIC, .length = length };
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct iovec iov = { .iov_base = &header, .iov_len = sizeof(header) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(header);
}
