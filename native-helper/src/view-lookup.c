/*
 * Threat: the supervisor runs outside the view, in the host's namespaces,
 * and a name from the sandbox means a view path. A file the view shows is
 * left to the kernel (the view's mounts and Landlock decide); only a name
 * the view cannot find is looked up on the host and asked about, and never
 * when the host file is one the view keeps from the sandbox on purpose (a
 * mask, a stub, a write-protected path for a write) or the view's own (/dev,
 * /proc, the session's /tmp), which the host's of that name are not.
 */
#include "view-lookup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "die.h"

/*
 * Resolved inside the view's root as the sandbox would resolve it: ".." and
 * absolute symlinks stay in the view, and /proc's magic links (which would
 * name the supervisor's files, not the sandbox's) are not followed.
 */
static int open_in_view(const struct view_lookup *view, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(unsigned)(O_PATH | O_CLOEXEC | flags),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, view->root, path, &how, sizeof(how));
}

static void close_view_fd(int fd, const char *view_path)
{
	if (close(fd) < 0)
		die("cannot close the view's %s: %s", view_path, strerror(errno));
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Whether view_path in the view is the file (or directory) host_stat describes. */
static bool view_shows(const struct view_lookup *view, const char *view_path,
		       const struct stat *host_stat)
{
	struct stat st;
	int fd = open_in_view(view, view_path, 0);

	if (fd < 0)
		return false;
	bool same = fstat(fd, &st) == 0 && same_file(&st, host_stat);
	close_view_fd(fd, view_path);
	return same;
}

/*
 * The thread's cwd or dirfd as a view path. readlink of /proc/TID/cwd from
 * outside the view gives the path from the view's root (the kernel walks up
 * to the root of the thread's mount namespace, never reaching ours); that is
 * checked by resolving it in the view and comparing it with the directory
 * itself, so a path that did not translate is never used.
 */
static bool view_directory(const struct view_lookup *view, pid_t pid, int dirfd, char *out,
			   size_t size)
{
	char link[64];
	struct stat real;

	if (dirfd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
	else if (dirfd >= 0)
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, dirfd);
	else
		return false;
	ssize_t n = readlink(link, out, size - 1);
	if (n <= 0 || (size_t)n >= size - 1 || out[0] != '/')
		return false;
	out[n] = '\0';
	return stat(link, &real) == 0 && S_ISDIR(real.st_mode) && view_shows(view, out, &real);
}

static bool view_path_of(const struct view_lookup *view, pid_t pid, int dirfd, const char *path,
			 char *out)
{
	char directory[PATH_MAX];

	if (path[0] == '/')
		return snprintf(out, PATH_MAX, "%s", path) < PATH_MAX;
	if (!view_directory(view, pid, dirfd, directory, sizeof(directory)))
		return false;
	int n = snprintf(out, PATH_MAX, "%s/%s", strcmp(directory, "/") == 0 ? "" : directory,
			 path);
	return n > 0 && n < PATH_MAX;
}

static bool under_any(const char *path, const char *const *roots, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (roots[i] && path_contains(roots[i], path))
			return true;
	}
	return false;
}

/* The view's own trees: what the sandbox finds there is never the host's file of that name. */
static bool views_own(const struct spec *spec, const char *path)
{
	const char *const own[] = {
		"/dev",
		"/proc",
		spec->tmp ? "/tmp" : NULL,
		spec->net == NET_PROXIED ? PROXY_SOCKET_IN_VIEW : NULL,
	};

	return under_any(path, own, sizeof(own) / sizeof(own[0]));
}

/*
 * Masked, stubbed, or (for a write) write-protected: the plan chose so, no
 * answer may undo it. By name, and by inode for what was moved since.
 */
static bool kept_by_view(const struct view_lookup *view, const char *host_path, int flags)
{
	const struct spec *spec = view->spec;

	if (kept_files_on_path(view->kept, host_path, open_flags_write(flags)) ||
	    under_any(host_path, spec->masks, spec->mask_count) ||
	    (open_flags_write(flags) && under_any(host_path, spec->readonly, spec->readonly_count)))
		return true;
	for (size_t i = 0; i < spec->stub_count; i++) {
		if (strcmp(spec->stubs[i].path, host_path) == 0)
			return true;
	}
	return false;
}

/*
 * A create the kernel can do in the view is its to allow or refuse, not
 * ours: the name is missing (not a dangling symlink) in a directory the view
 * shows, the same one the host has under that name.
 */
static bool view_creates(const struct view_lookup *view, const char *view_path)
{
	char directory[PATH_MAX];
	struct stat host;
	const char *slash = strrchr(view_path, '/');
	size_t len = slash == view_path ? 1 : (size_t)(slash - view_path);

	memcpy(directory, view_path, len);
	directory[len] = '\0';
	if (stat(directory, &host) < 0 || !view_shows(view, directory, &host))
		return false;
	int link = open_in_view(view, view_path, O_NOFOLLOW);
	if (link < 0)
		return true;
	close_view_fd(link, view_path);
	return false;
}

enum open_reading view_lookup_resolve(const struct view_lookup *view, pid_t pid, int dirfd,
				      const char *path, int flags, char *host_path)
{
	char view_path[PATH_MAX];

	if (!view_path_of(view, pid, dirfd, path, view_path) || views_own(view->spec, view_path))
		return OPEN_FOR_KERNEL;
	int fd = open_in_view(view, view_path, flags & O_NOFOLLOW);
	if (fd >= 0) {
		close_view_fd(fd, view_path);
		return OPEN_FOR_KERNEL;
	}
	/* Anything but a missing file (ELOOP, ENOTDIR, EACCES, ...) is the kernel's to report. */
	if (errno != ENOENT)
		return OPEN_FOR_KERNEL;
	if ((flags & O_CREAT) && view_creates(view, view_path))
		return OPEN_FOR_KERNEL;
	if (!resolve_host_path(view_path, flags, host_path) || views_own(view->spec, host_path))
		return OPEN_FOR_KERNEL;
	return kept_by_view(view, host_path, flags) ? OPEN_REFUSED : OPEN_RESOLVED;
}
