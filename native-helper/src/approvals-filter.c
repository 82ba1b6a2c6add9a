/*
 * Threat: the listener is the sandbox's way into an unconfined process. It
 * leaves over a socketpair made before the fork, never through the file
 * system, and the sandbox keeps no copy of it.
 */
#include "approvals-filter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "seccomp-programs.h"

#define ADDFD_HINT "file approvals need SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND " \
	"(Linux 5.14); run without approvals for files"

/* The listener, or -errno; prints nothing, since --probe uses it too. */
static int try_load_filter(void)
{
	return seccomp_program_load(&seccomp_approvals_program, SECCOMP_FILTER_FLAG_NEW_LISTENER);
}

static int load_filter(void)
{
	int listener = try_load_filter();

	if (listener < 0)
		die("cannot load the file-approval filter: %s (seccomp user notification needs "
		    "Linux 5.0; %s)", strerror(-listener), ADDFD_HINT);
	return listener;
}

/*
 * The kernel checks the flags before looking the notification up, so an id
 * that cannot exist gives ENOENT where SEND is known and EINVAL (or ENOTTY
 * before ADDFD) where it is not.
 */
static bool addfd_send_works(int listener)
{
	struct seccomp_notif_addfd probe = {
		.id = 0,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (__u32)listener,
	};

	return ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &probe) < 0 && errno == ENOENT;
}

static void require_addfd_send(int listener)
{
	if (!addfd_send_works(listener))
		die("this kernel cannot inject an approved file: SECCOMP_IOCTL_NOTIF_ADDFD: %s "
		    "(%s)", strerror(errno), ADDFD_HINT);
}

bool file_approvals_available(void)
{
	pid_t child = fork();
	int status;

	if (child < 0)
		return false;
	if (child == 0) {
		int listener = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -1 : try_load_filter();

		_exit(listener >= 0 && addfd_send_works(listener) ? 0 : 1);
	}
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR)
			return false;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Linux 6.6; the headers of older distributions lack it. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1UL
#endif

/*
 * The sandbox's thread sleeps while the supervisor answers, so the kernel
 * may run the supervisor on the thread's own CPU at once instead of waking
 * it elsewhere and switching twice: most of what the fast path costs on a
 * busy machine. Older kernels (EINVAL) only answer more slowly.
 */
static void prefer_sync_wake_up(int listener)
{
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0 &&
	    errno != EINVAL && errno != ENOTTY)
		die("cannot set up the file-approval listener: SECCOMP_IOCTL_NOTIF_SET_FLAGS: %s",
		    strerror(errno));
}

static void send_fds(int sock, const int *fds, size_t count)
{
	char data = 'L';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = CMSG_SPACE(count * sizeof(int)),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	if (!cmsg)
		die("cannot hand the file-approval listener to the supervisor: no room for it");
	memset(control.buf, 0, sizeof(control.buf));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(count * sizeof(int));
	memcpy(CMSG_DATA(cmsg), fds, count * sizeof(int));
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			die("cannot hand the file-approval listener to the supervisor: %s",
			    strerror(errno));
	}
}

/*
 * Opened before the filter is loaded: an open after it would wait for a
 * supervisor that has no listener yet. O_PATH, so Landlock has no say.
 */
static int open_view_root(void)
{
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (root < 0)
		die("cannot open the view's root for the file-approval supervisor: %s",
		    strerror(errno));
	return root;
}

void approvals_filter_hand_over(int sock, bool view)
{
	int fds[2] = { -1, view ? open_view_root() : -1 };

	fds[0] = load_filter();
	require_addfd_send(fds[0]);
	prefer_sync_wake_up(fds[0]);
	send_fds(sock, fds, view ? 2 : 1);
	for (size_t i = 0; i < 2; i++) {
		if (fds[i] >= 0 && close(fds[i]) < 0)
			die("cannot close the file-approval listener: %s", strerror(errno));
	}
	if (close(sock) < 0)
		die("cannot close the file-approval socket: %s", strerror(errno));
}
