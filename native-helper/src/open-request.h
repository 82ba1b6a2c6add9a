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
	char path[PATH_MAX];   /* absolute, every symlink resolved */
};

enum open_reading {
	OPEN_RESOLVED,
	/* Nothing to decide: the kernel gives its own answer (ENOENT, EFAULT, ...), Landlock still applies. */
	OPEN_FOR_KERNEL,
	/* The thread left the syscall (killed, or its notification cancelled): nothing to answer. */
	OPEN_GONE,
	/* View only: the host file is one the view masks or stubs; refused without asking. */
	OPEN_REFUSED,
};

struct view_lookup;

/*
 * Reads the path from the thread's memory, checks with the listener that the
 * thread is still in that syscall (so the memory read was its own), and
 * resolves the path the way the kernel would for that thread: against its
 * cwd or dirfd, its /proc/self, and through every symlink. With view (not
 * NULL) the thread is in a view, and view_lookup_resolve decides instead.
 */
enum open_reading open_request_read(int listener, const struct seccomp_notif *notif,
				    const struct view_lookup *view, struct open_request *request);

/*
 * The canonical host path lookup leads to, every symlink followed; for
 * O_CREAT of a missing file, its directory's and its own name. False when
 * there is nothing to ask about (missing, a final symlink under O_NOFOLLOW).
 */
bool resolve_host_path(const char *lookup, int flags, char *out);

/* Whether the kernel still holds this notification. */
bool notification_pending(int listener, uint64_t id);

#endif
