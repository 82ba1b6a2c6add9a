/*
 * Threat: the path comes from memory the sandbox controls and may change
 * after it is read. What is decided is the copy read here, and only that
 * copy is ever opened by the supervisor; the kernel re-reads the target's
 * memory only on the fast path, where Landlock still decides.
 */
#include "open-request.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "view-lookup.h"

struct open_call {
	int dirfd;
	uint64_t path_address;
	int flags;
	mode_t mode;
};

static bool decode_call(const struct seccomp_data *data, struct open_call *call)
{
	const __u64 *a = data->args;

	switch (data->nr) {
#ifdef __NR_open
	case __NR_open:
		*call = (struct open_call){ AT_FDCWD, a[0], (int)a[1], (mode_t)a[2] };
		return true;
#endif
#ifdef __NR_creat
	case __NR_creat:
		*call = (struct open_call){ AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC,
					    (mode_t)a[1] };
		return true;
#endif
	case __NR_openat:
		*call = (struct open_call){ (int)a[0], a[1], (int)a[2], (mode_t)a[3] };
		return true;
	default:
		return false;
	}
}

/* Page by page, since the string may end just before an unmapped page. */
bool read_target_string(pid_t pid, uint64_t address, char *out, size_t size)
{
	size_t done = 0;
	long page = sysconf(_SC_PAGESIZE);

	while (done < size) {
		uint64_t at = address + done;
		size_t chunk = (size_t)page - (size_t)(at % (uint64_t)page);

		if (chunk > size - done)
			chunk = size - done;
		struct iovec local = { out + done, chunk };
		struct iovec remote = { (void *)(uintptr_t)at, chunk };
		ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

		if (n <= 0)
			return false;
		if (memchr(out + done, '\0', (size_t)n))
			return true;
		done += (size_t)n;
	}
	return false;
}

bool notification_pending(int listener, uint64_t id)
{
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static bool starts_with_component(const char *path, const char *prefix, const char **rest)
{
	size_t len = strlen(prefix);

	if (strncmp(path, prefix, len) != 0 || (path[len] != '\0' && path[len] != '/'))
		return false;
	*rest = path + len;
	return true;
}

/*
 * The path as the supervisor can follow it for that thread: /proc/self and
 * /proc/thread-self would name the supervisor, and a relative path is taken
 * from the thread's cwd or dirfd through their /proc links.
 */
static bool lookup_path(pid_t pid, int dirfd, const char *path, char *out, size_t size)
{
	const char *rest;
	int n;

	if (starts_with_component(path, "/proc/self", &rest))
		n = snprintf(out, size, "/proc/%d%s", (int)pid, rest);
	else if (starts_with_component(path, "/proc/thread-self", &rest))
		n = snprintf(out, size, "/proc/%d/task/%d%s", (int)pid, (int)pid, rest);
	else if (path[0] == '/')
		n = snprintf(out, size, "%s", path);
	else if (dirfd == AT_FDCWD)
		n = snprintf(out, size, "/proc/%d/cwd/%s", (int)pid, path);
	else if (dirfd >= 0)
		n = snprintf(out, size, "/proc/%d/fd/%d/%s", (int)pid, dirfd, path);
	else
		return false;
	return n > 0 && (size_t)n < size;
}

int fd_path(int fd, char *out, size_t size)
{
	char link[64];

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, out, size);
	if (n < 0)
		return errno;
	if ((size_t)n >= size || out[0] != '/')
		return ENOSYS;
	out[n] = '\0';
	if (n > 10 && strcmp(out + n - 10, " (deleted)") == 0)
		return ENOSYS;
	return 0;
}

/*
 * 0, or ENOSYS for a file on a kernel interface: what the kernel allows on
 * such an fd depends on who opened it (the supervisor's /proc/PID/mem
 * written to is code run without Landlock; cgroup.procs and many sysfs and
 * debugfs files are judged by the opener's credentials). So these are
 * Landlock's alone, whatever name they were reached by.
 */
int not_kernel_interface(int fd)
{
	static const unsigned long kernel_interfaces[] = {
		PROC_SUPER_MAGIC, SYSFS_MAGIC,	  CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC,
		DEBUGFS_MAGIC,	  TRACEFS_MAGIC, SECURITYFS_MAGIC,   BPF_FS_MAGIC,
	};
	struct statfs fs;

	if (fstatfs(fd, &fs) < 0)
		return errno;
	for (size_t i = 0; i < sizeof(kernel_interfaces) / sizeof(kernel_interfaces[0]); i++) {
		if ((unsigned long)fs.f_type == kernel_interfaces[i])
			return ENOSYS;
	}
	return 0;
}

/*
 * Every symlink followed in one walk by the kernel, the result read back
 * from the fd; realpath would walk from / again for every component. False
 * with errno set (ENOENT: nothing there).
 */
static bool resolve_through_fd(const char *lookup, char *out)
{
	int fd = open(lookup, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return false;
	int error = not_kernel_interface(fd);
	if (error == 0)
		error = fd_path(fd, out, PATH_MAX);
	if (close(fd) < 0 && error == 0)
		error = errno;
	errno = error;
	return error == 0;
}

/* A file about to be created: its directory resolved, its own name kept. */
static bool resolve_new_file(const char *lookup, char *out)
{
	char dir[PATH_MAX];
	char resolved_dir[PATH_MAX];
	const char *slash = strrchr(lookup, '/');
	const char *name = slash + 1;

	if (!slash || *name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	size_t dir_len = slash == lookup ? 1 : (size_t)(slash - lookup);
	memcpy(dir, lookup, dir_len);
	dir[dir_len] = '\0';
	if (!resolve_through_fd(dir, resolved_dir))
		return false;
	int n = snprintf(out, PATH_MAX, "%s/%s", strcmp(resolved_dir, "/") == 0 ? "" : resolved_dir,
			 name);
	return n > 0 && n < PATH_MAX;
}

/* Absolute, with no empty, "." or ".." component: what realpath gives when no symlink is on the way. */
static bool canonical_form(const char *path)
{
	if (path[0] != '/')
		return false;
	for (const char *c = path; *c; c++) {
		if (c[0] != '/')
			continue;
		if (c[1] == '/' || (c[1] == '\0' && c != path))
			return false;
		if (c[1] == '.' && (c[2] == '/' || c[2] == '\0' ||
				    (c[2] == '.' && (c[3] == '/' || c[3] == '\0'))))
			return false;
	}
	return true;
}

/*
 * The common case in one walk: a path already in canonical form that
 * reaches something with no symlink on the way is its own resolution.
 * realpath would read every prefix as a link, one walk from / each.
 */
static bool already_resolved(const char *lookup, char *out)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS,
	};
	size_t len = strlen(lookup);

	if (len >= PATH_MAX || !canonical_form(lookup))
		return false;
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, lookup, &how, sizeof(how));
	if (fd < 0)
		return false;
	int error = not_kernel_interface(fd);
	if (close(fd) < 0 || error != 0)
		return false;
	memcpy(out, lookup, len + 1);
	return true;
}

bool resolve_host_path(const char *lookup, int flags, char *out)
{
	struct stat st;

	if (already_resolved(lookup, out))
		return true;
	/* The kernel refuses a final symlink with O_NOFOLLOW (ELOOP): nothing to ask. */
	if ((flags & O_NOFOLLOW) && lstat(lookup, &st) == 0 && S_ISLNK(st.st_mode))
		return false;
	if (resolve_through_fd(lookup, out))
		return true;
	return errno == ENOENT && (flags & O_CREAT) && resolve_new_file(lookup, out);
}

bool open_flags_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) != 0;
}

/*
 * No notification_pending check here: letting the kernel go on is right
 * even when the read came from another process, since Landlock decides.
 * Whoever acts on the path itself (asks, opens) checks first.
 */
enum open_reading open_request_read(const struct seccomp_notif *notif, const struct view_lookup *view,
				    struct open_request *request)
{
	struct open_call call;
	char path[PATH_MAX];
	char lookup[PATH_MAX + 64];

	/* Landlock does not check O_PATH opens: nothing to grant, nothing to ask. */
	if (!decode_call(&notif->data, &call) || (call.flags & O_PATH))
		return OPEN_FOR_KERNEL;
	if (!read_target_string(notif->pid, call.path_address, path, sizeof(path)) ||
	    path[0] == '\0')
		return OPEN_FOR_KERNEL;
	if (view) {
		enum open_reading reading = view_lookup_resolve(view, (pid_t)notif->pid, call.dirfd,
								path, call.flags, request->path);
		if (reading != OPEN_RESOLVED)
			return reading;
	} else if (!lookup_path((pid_t)notif->pid, call.dirfd, path, lookup, sizeof(lookup)) ||
		   !resolve_host_path(lookup, call.flags, request->path)) {
		return OPEN_FOR_KERNEL;
	}
	request->notification = notif->id;
	request->pid = (pid_t)notif->pid;
	request->flags = call.flags;
	request->mode = call.mode;
	request->write = open_flags_write(call.flags);
	request->by_openat2 = false;
	return OPEN_RESOLVED;
}
