/*
 * Threat: the resolution runs in the unconfined supervisor, so it is the
 * kernel's own openat2 with the caller's RESOLVE_* flags, from the caller's
 * dirfd or cwd reached through /proc. Whatever lands on procfs (or another
 * kernel interface) is not resolved here at all: /proc/self would be the
 * supervisor.
 */
#include "openat2-request.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "view-lookup.h"

/* The kernel refuses an open_how larger than a page (E2BIG), or smaller than its first version. */
#define HOW_MAX 4096
#define HOW_MIN 24

/* Flags open_decided passes on; anything else the kernel would refuse (EINVAL). */
static const uint64_t known_flags = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC |
	O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECTORY | O_NOFOLLOW | O_NOATIME |
	O_TMPFILE | O_LARGEFILE | O_DIRECT | O_ASYNC | O_PATH | O_CLOEXEC;

/* struct open_how and the size the caller gave, checked as the kernel checks them. */
static int read_how(pid_t pid, uint64_t address, uint64_t size, struct open_how *how)
{
	unsigned char bytes[HOW_MAX];

	if (size < HOW_MIN)
		return EINVAL;
	if (size > HOW_MAX)
		return E2BIG;
	struct iovec local = { bytes, (size_t)size };
	struct iovec remote = { (void *)(uintptr_t)address, (size_t)size };
	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)size)
		return EFAULT;
	for (size_t i = sizeof(*how); i < size; i++) {
		if (bytes[i] != 0)
			return E2BIG;
	}
	memset(how, 0, sizeof(*how));
	memcpy(how, bytes, size < sizeof(*how) ? (size_t)size : sizeof(*how));
	return 0;
}

static int check_how(const struct open_how *how)
{
	bool creates = (how->flags & O_CREAT) || (how->flags & O_TMPFILE) == O_TMPFILE;

	if ((how->flags & ~known_flags) || (how->mode & ~(uint64_t)07777) ||
	    (!creates && how->mode != 0))
		return EINVAL;
	/* What the main filter refuses for open and openat (see seccomp-rules.c). */
	if (creates && (how->mode & (S_ISUID | S_ISGID)))
		return EPERM;
	if ((how->flags & O_PATH) || (how->flags & O_TMPFILE) == O_TMPFILE)
		return ENOSYS;
	return 0;
}

/* The caller's dirfd (or cwd) as an fd here; AT_FDCWD when an absolute path needs none. */
static int open_base(pid_t pid, int dirfd, const char *path, uint64_t resolve, int *base)
{
	char link[64];

	*base = AT_FDCWD;
	if (path[0] == '/' && !(resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)))
		return 0;
	if (dirfd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
	else if (dirfd >= 0)
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, dirfd);
	else
		return EBADF;
	*base = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*base < 0)
		return errno == ENOENT ? EBADF : errno;
	return 0;
}

static int resolve_in(int base, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (flags & (O_NOFOLLOW | O_DIRECTORY)),
		.resolve = resolve,
	};

	return (int)syscall(SYS_openat2, base, path, &how, sizeof(how));
}

/* The canonical path of what fd names, or ENOSYS where it has none or is on a kernel interface. */
static int canonical_path(int fd, char *out, size_t size)
{
	int error = not_kernel_interface(fd);

	return error ? error : fd_path(fd, out, size);
}

/* Something exists at the path: what it is decides what the open may do. */
static int take_existing(int fd, uint64_t flags, struct open_request *request)
{
	struct stat st;

	if ((flags & O_CREAT) && (flags & O_EXCL))
		return EEXIST;
	if (fstat(fd, &st) < 0)
		return errno;
	if (S_ISLNK(st.st_mode))
		return ELOOP; /* O_NOFOLLOW on a symlink */
	if (S_ISDIR(st.st_mode) && request->write)
		return EISDIR;
	request->plain = S_ISDIR(st.st_mode) || S_ISREG(st.st_mode);
	request->directory = S_ISDIR(st.st_mode);
	return canonical_path(fd, request->path, sizeof(request->path));
}

/* Nothing there and O_CREAT: the directory resolved, the new name kept. */
static int take_new(int base, const char *path, uint64_t resolve, struct open_request *request)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	size_t parent_len = slash ? (size_t)(slash - path) : 0;

	if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return EISDIR;
	if (parent_len == 0) {
		strcpy(parent, slash ? "/" : ".");
	} else {
		memcpy(parent, path, parent_len);
		parent[parent_len] = '\0';
	}
	int dir = resolve_in(base, parent, O_DIRECTORY, resolve);
	if (dir < 0)
		return errno;
	int error = canonical_path(dir, request->path, sizeof(request->path));
	if (close(dir) < 0 && error == 0)
		error = errno;
	size_t len = strlen(request->path);
	if (error == 0 && snprintf(request->path + len, sizeof(request->path) - len, "%s%s",
				   len == 1 ? "" : "/", name) >= (int)(sizeof(request->path) - len))
		error = ENAMETOOLONG;
	request->plain = true;
	request->creates = true;
	return error;
}

static int resolve(pid_t pid, int dirfd, const char *path, const struct open_how *how,
		   struct open_request *request)
{
	int base;
	int error = open_base(pid, dirfd, path, how->resolve, &base);

	if (error)
		return error;
	int fd = resolve_in(base, path, how->flags, how->resolve);
	if (fd >= 0) {
		error = take_existing(fd, how->flags, request);
		if (close(fd) < 0 && error == 0)
			error = errno;
	} else if (errno == ENOENT && (how->flags & O_CREAT)) {
		error = take_new(base, path, how->resolve, request);
	} else {
		error = errno;
	}
	if (base >= 0 && close(base) < 0 && error == 0)
		error = errno;
	return error;
}

/* The call's open_how checked and its path read, request filled but for path; 0 or the errno. */
static int read_call(const struct seccomp_notif *notif, char *path, uint64_t *resolve,
		     struct open_request *request)
{
	const __u64 *a = notif->data.args;
	pid_t pid = (pid_t)notif->pid;
	struct open_how how;
	int error = read_how(pid, a[2], a[3], &how);

	if (error == 0)
		error = check_how(&how);
	if (error)
		return error;
	if (!read_target_string(pid, a[1], path, PATH_MAX))
		return EFAULT;
	if (path[0] == '\0')
		return ENOENT;
	*request = (struct open_request){
		.notification = notif->id,
		.pid = pid,
		.flags = (int)how.flags,
		.mode = (mode_t)how.mode,
		.write = open_flags_write((int)how.flags),
		.by_openat2 = true,
	};
	*resolve = how.resolve;
	return 0;
}

int openat2_request_read(const struct seccomp_notif *notif, struct open_request *request)
{
	char path[PATH_MAX];
	uint64_t resolve_flags;
	int error = read_call(notif, path, &resolve_flags, request);

	if (error)
		return error;
	struct open_how how = {
		.flags = (uint64_t)(unsigned)request->flags,
		.resolve = resolve_flags,
	};
	return resolve(request->pid, (int)notif->data.args[0], path, &how, request);
}

int openat2_request_read_in_view(const struct seccomp_notif *notif,
				 const struct view_lookup *view, struct open_request *request)
{
	char path[PATH_MAX];
	uint64_t resolve_flags;
	int error = read_call(notif, path, &resolve_flags, request);

	if (error)
		return error;
	/* Under RESOLVE_* the view's answer and the host's could differ: openat alone is asked about. */
	if (resolve_flags != 0)
		return ENOSYS;
	switch (view_lookup_resolve(view, request->pid, (int)notif->data.args[0], path,
				    request->flags, request->path)) {
	case OPEN_RESOLVED:
		return 0;
	case OPEN_REFUSED:
		return EACCES;
	case OPEN_FOR_KERNEL:
		break;
	}
	return ENOSYS;
}
