/*
 * One open the kernel holds for the supervisor, read out of the target and
 * resolved to the canonical host path it would reach.
 */
#ifndef NONO_OPEN_REQUEST_H
#define NONO_OPEN_REQUEST_H

#include <limits.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct open_request {
	uint64_t notification; /* the kernel's id for the held syscall */
	pid_t pid;             /* the calling thread, in the helper's pid namespace */
	int flags;             /* open(2) flags; creat's are O_CREAT|O_WRONLY|O_TRUNC */
	mode_t mode;
	bool write;            /* it writes, truncates or creates */
	bool by_openat2;       /* never let through: its open_how would be read again */
	bool plain;            /* openat2: a directory or regular file (maybe new), not on a kernel interface */
	bool creates;          /* openat2: nothing is at path yet */
	bool directory;        /* openat2: a directory is at path */
	char path[PATH_MAX];   /* absolute, every symlink resolved */
};

enum open_reading {
	OPEN_RESOLVED,
	/* Nothing to decide: the kernel gives its own answer (ENOENT, EFAULT, ...), Landlock still applies. */
	OPEN_FOR_KERNEL,
	/* View only: the host file is one the view masks, stubs or (for a write) makes read-only; refused without asking. */
	OPEN_REFUSED,
};

struct view_lookup;

/*
 * Reads the path from the thread's memory and resolves it the way the
 * kernel would for that thread: against its cwd or dirfd, its /proc/self,
 * and through every symlink. With view (not NULL) the thread is in a view,
 * and view_lookup_resolve decides instead. The thread may have left the
 * syscall and its pid been reused meanwhile: check notification_pending
 * after this before trusting the path for anything but letting the kernel
 * go on, or refusing.
 */
enum open_reading open_request_read(const struct seccomp_notif *notif, const struct view_lookup *view,
				    struct open_request *request);

/*
 * The canonical host path lookup leads to, every symlink followed; for
 * O_CREAT of a missing file, its directory's and its own name. False when
 * there is nothing to ask about (missing, a final symlink under O_NOFOLLOW).
 */
bool resolve_host_path(const char *lookup, int flags, char *out);

/* Copies a NUL-terminated string of at most size bytes out of the thread's memory. */
bool read_target_string(pid_t pid, uint64_t address, char *out, size_t size);

/*
 * The path an fd was opened at, read back from /proc/self/fd: 0, the errno
 * of the read, or ENOSYS where it has none (deleted, not a path).
 */
int fd_path(int fd, char *out, size_t size);

/*
 * 0, or ENOSYS when fd is on a kernel interface (procfs, sysfs, cgroupfs,
 * ...), whose files the supervisor must never open for the sandbox; else
 * the errno of fstatfs.
 */
int not_kernel_interface(int fd);

/* Whether an open with these flags writes, truncates or creates. */
bool open_flags_write(int flags);

/* Whether the kernel still holds this notification. */
bool notification_pending(int listener, uint64_t id);

#endif
