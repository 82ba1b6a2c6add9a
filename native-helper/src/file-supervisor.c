/*
 * One thread, one poll loop: a held question to nonod never holds up the
 * fast path, and many threads of the sandbox asking at once each get the
 * answer for their own path. Threat: this process runs without Landlock and
 * opens files for the sandbox, so it opens only the resolved path that was
 * decided, never following a symlink, and never with more than was asked
 * and allowed.
 */
#include "file-supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "approval-wire.h"
#include "die.h"
#include "grant-table.h"
#include "init-process.h"
#include "open-request.h"
#include "openat2-request.h"
#include "outer-process.h"
#include "signals.h"
#include "view-lookup.h"

/* Questions nonod has not answered yet; one more is denied at once. */
#define PENDING_MAX 256
#define ANSWER_LINE_MAX 4096

struct pending {
	bool used;
	uint64_t id;
	struct open_request request;
};

struct supervisor {
	pid_t command; /* with a view, the sandbox's init */
	int status_fd; /* with a view, where init reports the command's status; else -1 */
	pid_t terminal;
	int listener; /* -1 once no sandboxed process is left to notify */
	int command_fd; /* pidfd: readable when the command ends */
	int channel;  /* -1 once nonod's end is closed or out of step */
	struct grant_table grants;
	struct view_lookup view; /* view.root is -1 without a view */
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *notif;
	struct open_request scratch;
	struct pending *pending;
	uint64_t next_id;
	char answers[ANSWER_LINE_MAX];
	size_t answers_len;
};

static void respond(struct supervisor *s, uint64_t id, int error, bool go_on)
{
	/* Room for a kernel whose answer struct has grown: it reads sizes.seccomp_notif_resp bytes. */
	union {
		struct seccomp_notif_resp resp;
		char bytes[sizeof(struct seccomp_notif_resp) + 64];
	} answer;
	struct seccomp_notif_resp *resp = &answer.resp;

	memset(&answer, 0, sizeof(answer));

	if (s->listener < 0)
		return;
	if (s->sizes.seccomp_notif_resp > sizeof(answer))
		die("cannot answer an open: the kernel's seccomp_notif_resp is %u bytes",
		    s->sizes.seccomp_notif_resp);
	resp->id = id;
	resp->error = go_on ? 0 : -error;
	resp->flags = go_on ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
	/* ENOENT: the thread left the syscall meanwhile (killed); nobody waits. */
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
		die("cannot answer a held open: SECCOMP_IOCTL_NOTIF_SEND: %s", strerror(errno));
}

static void let_kernel_decide(struct supervisor *s, uint64_t id)
{
	respond(s, id, 0, true);
}

static void refuse(struct supervisor *s, uint64_t id, int error)
{
	respond(s, id, error, false);
}

/* With nonod gone or out of step, everything waiting is refused, as is anything later. */
static void close_channel(struct supervisor *s, const char *why)
{
	warn("file approvals: %s; opens outside the grants are refused from now on", why);
	if (close(s->channel) < 0)
		die("cannot close the approvals channel: %s", strerror(errno));
	s->channel = -1;
	for (size_t i = 0; i < PENDING_MAX; i++) {
		if (s->pending[i].used)
			refuse(s, s->pending[i].request.notification, EACCES);
		s->pending[i].used = false;
	}
}

static bool write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		data += n;
		len -= (size_t)n;
	}
	return true;
}

static struct pending *free_slot(struct supervisor *s)
{
	for (size_t i = 0; i < PENDING_MAX; i++) {
		if (!s->pending[i].used)
			return &s->pending[i];
	}
	return NULL;
}

static void ask(struct supervisor *s, const struct open_request *request)
{
	char line[PATH_MAX * 6 + 256];
	struct pending *slot = s->channel >= 0 ? free_slot(s) : NULL;
	size_t len = approval_format_request(line, sizeof(line), s->next_id, request);

	if (!slot || len == 0) {
		refuse(s, request->notification, EACCES);
		return;
	}
	*slot = (struct pending){ .used = true, .id = s->next_id++, .request = *request };
	if (!write_all(s->channel, line, len))
		close_channel(s, "cannot write to nonod");
}

static void inject_granted(struct supervisor *s, const struct open_request *request);

/*
 * An openat2 is never let through, so one inside the grants is opened here,
 * but only where the grants give every right Landlock would have checked.
 * Any other inside the grants gets ENOSYS, so the caller falls back to
 * openat and Landlock decides, as before openat2 was held at all.
 */
static void take_openat2(struct supervisor *s)
{
	int error = openat2_request_read(s->notif, &s->scratch);
	const struct open_request *r = &s->scratch;

	if (error)
		refuse(s, s->notif->id, error);
	else if (!notification_pending(s->listener, s->notif->id))
		return;
	else if (r->plain && grant_table_allows_open(&s->grants, r->path, r->flags, r->directory,
						      r->creates))
		inject_granted(s, r);
	else if (grant_table_allows(&s->grants, r->path, r->write))
		refuse(s, s->notif->id, ENOSYS);
	else
		ask(s, r);
}

/*
 * In a view the grant table is not used (view paths are not host paths),
 * so an openat2 is asked about where an openat would be, refused where it
 * would be, and otherwise sent back to openat with ENOSYS.
 */
static void take_view_openat2(struct supervisor *s)
{
	int error = openat2_request_read_in_view(s->notif, &s->view, &s->scratch);

	if (error)
		refuse(s, s->notif->id, error);
	else if (notification_pending(s->listener, s->notif->id))
		ask(s, &s->scratch);
}

static void take_notification(struct supervisor *s)
{
	memset(s->notif, 0, s->sizes.seccomp_notif);
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, s->notif) < 0) {
		/* ENOENT: the thread was killed between poll and here. */
		if (errno == EINTR || errno == ENOENT)
			return;
		die("cannot receive a held open: SECCOMP_IOCTL_NOTIF_RECV: %s", strerror(errno));
	}
	if (s->notif->data.nr == __NR_openat2) {
		if (s->view.root >= 0)
			take_view_openat2(s);
		else
			take_openat2(s);
		return;
	}
	switch (open_request_read(s->notif, s->view.root >= 0 ? &s->view : NULL, &s->scratch)) {
	case OPEN_FOR_KERNEL:
		let_kernel_decide(s, s->notif->id);
		return;
	case OPEN_REFUSED:
		refuse(s, s->notif->id, EACCES);
		return;
	case OPEN_RESOLVED:
		break;
	}
	/* In a view a resolved file is one the view does not hold: the kernel would say ENOENT. */
	if (s->view.root < 0 && grant_table_allows(&s->grants, s->scratch.path, s->scratch.write))
		let_kernel_decide(s, s->notif->id);
	/* Still held, so the path read and resolved was that thread's own. */
	else if (notification_pending(s->listener, s->notif->id))
		ask(s, &s->scratch);
}

/* The thread's umask, which the kernel would have applied to a file it created. */
static mode_t target_umask(pid_t pid)
{
	char path[64];
	char line[256];
	unsigned mask = 022;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *status = fopen(path, "re");
	if (!status)
		return 077;
	while (fgets(line, sizeof(line), status)) {
		if (sscanf(line, "Umask: %o", &mask) == 1)
			break;
	}
	if (fclose(status) != 0)
		return 077;
	return (mode_t)(mask & 0777);
}

/* Flags the kernel's openat2 knows; an open(2) ignores unknown bits, openat2 refuses them. */
static const int known_open_flags = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC |
	O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECTORY | O_NOFOLLOW | O_NOATIME |
	O_TMPFILE | O_LARGEFILE | O_DIRECT | O_ASYNC | O_PATH;

/*
 * Opens exactly the decided path: a symlink put there since is refused
 * (ELOOP); in a view, so is anything the view keeps, by inode, wherever a
 * rename has put it since. Never a set-id file: the main filter and
 * openat2's check refuse such modes before this, and should one ever slip
 * past them, this process (root when root ran nono, with CAP_FSETID) must
 * not make one.
 */
static int open_decided(const struct supervisor *s, const struct open_request *request)
{
	int flags = (request->flags & known_open_flags) | O_CLOEXEC | O_NOCTTY;
	bool creates = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
	mode_t mode = creates ? (request->mode & 01777 & ~target_umask(request->pid)) : 0;
	struct open_how how = {
		.flags = (uint64_t)(unsigned)flags,
		.mode = mode,
		.resolve = RESOLVE_NO_SYMLINKS,
	};

	if (s->view.root >= 0)
		return kept_files_open(s->view.kept, request->path, flags, mode);
	return (int)syscall(SYS_openat2, AT_FDCWD, request->path, &how, sizeof(how));
}

/*
 * A host directory's fd in a view would be a way out of it: openat(fd, "..",
 * O_PATH), which Landlock does not check, names any host path. So a view
 * gets approved files, never directories. Closes fd when refusing.
 */
static bool view_may_receive(int fd, const char *path)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		die("cannot check the approved file %s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return true;
	if (close(fd) < 0)
		die("cannot close the approved directory %s: %s", path, strerror(errno));
	return false;
}

/* Hands fd to the thread as its open's result, and closes it here. */
static void hand_over(struct supervisor *s, const struct open_request *request, int fd)
{
	struct seccomp_notif_addfd addfd = {
		.id = request->notification,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (__u32)fd,
		.newfd_flags = (__u32)(request->flags & O_CLOEXEC),
	};
	/* SEND answers the syscall with the new fd number in the same step. */
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) < 0) {
		int error = errno;

		if (error != ENOENT && error != EINPROGRESS)
			refuse(s, request->notification, error == EMFILE ? EMFILE : EACCES);
	}
	if (close(fd) < 0)
		die("cannot close the approved file %s: %s", request->path, strerror(errno));
}

/*
 * Opens as decided without waiting: a FIFO (or a device waiting for a peer)
 * at the path would otherwise block this loop, and every open in the sandbox
 * with it. The fd is then as the thread asked; a FIFO nobody reads gives the
 * writer ENXIO instead of a wait.
 */
static int open_without_waiting(const struct supervisor *s, const struct open_request *request)
{
	struct open_request without_waiting = *request;

	without_waiting.flags |= O_NONBLOCK;
	int fd = open_decided(s, &without_waiting);
	if (fd < 0 || (request->flags & O_NONBLOCK))
		return fd;
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		die("cannot set the flags of %s: %s", request->path, strerror(errno));
	return fd;
}

static void inject(struct supervisor *s, const struct open_request *request)
{
	int fd = open_without_waiting(s, request);

	if (fd < 0)
		refuse(s, request->notification, errno);
	else if (s->view.root >= 0 && !view_may_receive(fd, request->path))
		refuse(s, request->notification, EACCES);
	else
		hand_over(s, request, fd);
}

/*
 * Only what the grants were checked for: a regular file or directory (the
 * sandbox may have put a FIFO or a device there since).
 */
static void inject_granted(struct supervisor *s, const struct open_request *request)
{
	struct stat st;
	int fd = open_without_waiting(s, request);

	if (fd < 0) {
		refuse(s, request->notification, errno);
		return;
	}
	if (fstat(fd, &st) < 0)
		die("cannot stat the granted file %s: %s", request->path, strerror(errno));
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		if (close(fd) < 0)
			die("cannot close %s: %s", request->path, strerror(errno));
		refuse(s, request->notification, ENOSYS);
		return;
	}
	hand_over(s, request, fd);
}

static void apply_answer(struct supervisor *s, const struct approval_answer *answer)
{
	struct pending *slot = NULL;

	for (size_t i = 0; i < PENDING_MAX && !slot; i++) {
		if (s->pending[i].used && s->pending[i].id == answer->id)
			slot = &s->pending[i];
	}
	/* An answer for a request already refused (nonod's timeout crossed ours): nothing waits. */
	if (!slot)
		return;
	slot->used = false;
	if (!notification_pending(s->listener, slot->request.notification))
		return;
	if (!answer->allow || (slot->request.write && answer->read_only))
		refuse(s, slot->request.notification, EACCES);
	else
		inject(s, &slot->request);
}

static void read_answers(struct supervisor *s)
{
	ssize_t n = read(s->channel, s->answers + s->answers_len,
			 sizeof(s->answers) - 1 - s->answers_len);

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		close_channel(s, n < 0 ? strerror(errno) : "nonod closed the approvals channel");
		return;
	}
	s->answers_len += (size_t)n;
	s->answers[s->answers_len] = '\0';
	char *line = s->answers;
	char *newline;
	while ((newline = strchr(line, '\n'))) {
		struct approval_answer answer;

		*newline = '\0';
		if (!approval_parse_answer(line, &answer)) {
			close_channel(s, "nonod sent a line that is not an answer (out of step?)");
			return;
		}
		apply_answer(s, &answer);
		line = newline + 1;
	}
	s->answers_len -= (size_t)(line - s->answers);
	memmove(s->answers, line, s->answers_len);
	if (s->answers_len == sizeof(s->answers) - 1)
		close_channel(s, "nonod sent an answer line too long to be one");
}

__attribute__((noreturn))
static void supervise(struct supervisor *s)
{
	for (;;) {
		struct pollfd fds[] = {
			{ .fd = s->command_fd, .events = POLLIN },
			{ .fd = s->listener, .events = POLLIN },
			{ .fd = s->channel, .events = POLLIN },
		};

		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("cannot wait for the sandbox's opens: poll: %s", strerror(errno));
		}
		if (fds[0].revents && s->status_fd >= 0)
			wait_for_sandbox(s->command, s->status_fd, s->terminal);
		if (fds[0].revents)
			end_like_command(s->command, s->terminal);
		if (fds[1].revents & POLLIN)
			take_notification(s);
		else if (fds[1].revents)
			s->listener = -1;
		if (s->channel >= 0 && fds[2].revents)
			read_answers(s);
	}
}

/*
 * The listener, and with a view the view's root after it; -1 if the sandbox
 * failed before its filter was in place.
 */
static int receive_listener(int sock, int *view_root)
{
	char data;
	int fds[2];
	size_t want = view_root ? 2 : 1;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;

	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0) {
		if (errno != EINTR)
			die("cannot receive the file-approval listener: %s", strerror(errno));
	}
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	if (n == 0 || !cmsg)
		return -1;
	if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(want * sizeof(int)))
		die("cannot receive the file-approval listener: unexpected control message");
	memcpy(fds, CMSG_DATA(cmsg), want * sizeof(int));
	if (view_root)
		*view_root = fds[1];
	return fds[0];
}

static void prepare(struct supervisor *s, const struct spec *spec, int channel)
{
	*s = (struct supervisor){ .channel = channel, .status_fd = -1, .next_id = 1,
				  .view = { .root = -1, .spec = spec } };
	grant_table_build(spec, &s->grants);
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &s->sizes) < 0)
		die("cannot size seccomp notifications: %s", strerror(errno));
	s->notif = calloc(1, s->sizes.seccomp_notif > sizeof(*s->notif) ?
				     s->sizes.seccomp_notif : sizeof(*s->notif));
	s->pending = calloc(PENDING_MAX, sizeof(*s->pending));
	if (!s->notif || !s->pending)
		die("cannot start the file-approval supervisor: out of memory");
}

/* The supervisor ends as the command (on Landlock alone) or the view's init ends. */
static void watch_command(struct supervisor *s, pid_t command)
{
	s->command = command;
	s->command_fd = (int)syscall(SYS_pidfd_open, command, 0);
	if (s->command_fd < 0)
		die("cannot watch the sandbox: pidfd_open: %s (file approvals need Linux 5.3)",
		    strerror(errno));
}

static void die_with_supervisor(pid_t supervisor)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		die("cannot ask to die with the file-approval supervisor: %s", strerror(errno));
	if (getppid() != supervisor)
		die("the file-approval supervisor exited while the sandbox was starting");
}

void listener_socketpair(int pair[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		die("cannot create the socket for the file-approval listener: %s",
		    strerror(errno));
}

/*
 * With a terminal the command needs its own group, to be the terminal's
 * foreground (Ctrl-C reaches only it); it dies with us (PR_SET_PDEATHSIG)
 * and the terminal hangs up on its group when we are gone.
 */
static void command_group(pid_t command)
{
	/* Also done here, so no forwarded signal can find the group not made yet. */
	if (setpgid(command, command) < 0 && errno != EACCES)
		die("cannot put the command in its own process group: %s", strerror(errno));
	forward_signals_to(-command);
}

int fork_file_supervisor(const struct spec *spec, int channel)
{
	static struct supervisor s;
	pid_t terminal = terminal_owner();
	pid_t self = getpid();
	int pair[2];

	prepare(&s, spec, channel);
	listener_socketpair(pair);
	block_forwarded_signals();
	pid_t command = fork();
	if (command < 0)
		die("cannot fork the sandbox from its file-approval supervisor: %s",
		    strerror(errno));
	if (command == 0) {
		if (close(pair[0]) < 0 || close(channel) < 0)
			die("cannot close the supervisor's fds in the sandbox: %s", strerror(errno));
		die_with_supervisor(self);
		if (terminal >= 0)
			take_foreground();
		else
			restore_signal_mask();
		return pair[1];
	}
	if (close(pair[1]) < 0)
		die("cannot close the sandbox's end of the listener socket: %s", strerror(errno));
	/*
	 * Without a terminal the command stays in our process group, so a
	 * SIGKILL to the group (how nonod ends a session on pipes) reaches it
	 * and all it started, as it does without approvals.
	 */
	if (terminal >= 0)
		command_group(command);
	else
		ignore_group_signals();
	watch_command(&s, command);
	s.terminal = terminal;
	s.listener = receive_listener(pair[0], NULL);
	if (close(pair[0]) < 0)
		die("cannot close the listener socket: %s", strerror(errno));
	if (s.listener < 0)
		end_like_command(command, terminal);
	supervise(&s);
}

/*
 * The helper outside the view supervises: it keeps the host's root (an
 * approved file is the host's), sees the sandbox's threads with host pids
 * (which the notifications carry, since it receives them), and is in no
 * namespace of the sandbox's, which cannot name it to signal or ptrace it.
 */
void supervise_view(const struct spec *spec, const struct kept_files *kept, int channel,
		    const int pair[2], pid_t init, int status_fd, pid_t terminal)
{
	static struct supervisor s;

	prepare(&s, spec, channel);
	s.view.kept = kept;
	if (close(pair[1]) < 0)
		die("cannot close the sandbox's end of the listener socket: %s", strerror(errno));
	watch_command(&s, init);
	s.status_fd = status_fd;
	s.terminal = terminal;
	forward_signals_to(init);
	s.listener = receive_listener(pair[0], &s.view.root);
	if (close(pair[0]) < 0)
		die("cannot close the listener socket: %s", strerror(errno));
	if (s.listener < 0)
		wait_for_sandbox(init, status_fd, terminal);
	supervise(&s);
}
