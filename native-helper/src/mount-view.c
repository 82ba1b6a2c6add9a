/*
 * Modelled on bubblewrap: a staging tmpfs becomes the root, the host's root
 * moves to /oldroot and the view is assembled on a tmpfs at /newroot from
 * binds of /oldroot paths; then /oldroot is detached and /newroot becomes /.
 *
 * Order matters: fs grants are bound parents first (a child grant mounts on
 * top of its parent's), symlinks after them (some belong inside a skeleton),
 * then skeletons turn read-only, pins, readonly records and command stubs apply,
 * and masks come last,
 * so a mask inside a readonly path still hides it. The skeleton is made
 * read-only before the pivot, so a write outside the grants fails with
 * EROFS instead of landing in a throwaway tmpfs.
 *
 * Read-only is applied with mount_setattr(2), recursively: unlike
 * MS_REMOUNT it covers submounts of a grant, and it leaves alone the flags
 * the kernel locks on mounts from a more privileged namespace (nosuid,
 * nodev, ...) instead of failing with EPERM unless they are restated.
 */
#include "mount-view.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "applied.h"
#include "die.h"
#include "fs-rights.h"
#include "landlock-compat.h"

#define STAGING "/tmp"
#define NEWROOT "/newroot"
#define OLDROOT "/oldroot"
#define MASK_FILE "/mask-file"

/* glibc has mount_setattr only from 2.36; the kernel has it from 5.12. */
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define VIEW_MOUNT_ATTR_RDONLY 0x1

struct view_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

#define VIEW_HINT "nono-helper --probe shows whether user namespaces work here"

/* prefix + path, e.g. /newroot/usr/bin; "/" maps to prefix itself. */
static void join(char out[PATH_MAX], const char *prefix, const char *path)
{
	int n = snprintf(out, PATH_MAX, "%s%s", prefix, strcmp(path, "/") == 0 ? "" : path);

	if (n < 0 || n >= PATH_MAX)
		die("cannot build the view: path %s is too long", path);
}

static void mount_or_die(const char *source, const char *target, const char *type,
			 unsigned long flags, const char *data, const char *what)
{
	if (mount(source, target, type, flags, data) < 0)
		die("cannot build the view: %s (mount on %s): %s (%s)", what, target,
		    strerror(errno), VIEW_HINT);
}

/* The view's path of a place under prefix (prefix itself is "/"), or NULL. */
static const char *under(const char *place, const char *prefix)
{
	size_t len = strlen(prefix);

	if (strncmp(place, prefix, len) != 0)
		return NULL;
	if (place[len] == '\0')
		return "/";
	return place[len] == '/' ? place + len : NULL;
}

/*
 * A mount that is part of the view (target under NEWROOT); role says why it
 * is there, for --print-applied, which names a bind's source by its host
 * path (or its view path for a bind onto itself).
 */
static void mount_in_view(const char *source, const char *target, const char *type,
			  unsigned long flags, const char *data, const char *what,
			  const char *role)
{
	const char *from = NULL;

	mount_or_die(source, target, type, flags, data, what);
	if (flags & MS_BIND) {
		from = under(source, OLDROOT);
		if (!from)
			from = under(source, NEWROOT);
	}
	applied_mount(under(target, NEWROOT), flags & MS_BIND ? "bind" : type, role, from,
		      flags & MS_RDONLY);
}

static void make_read_only(const char *target, const char *path, bool recursive)
{
	struct view_mount_attr attr = { .attr_set = VIEW_MOUNT_ATTR_RDONLY };

	if (syscall(SYS_mount_setattr, AT_FDCWD, target, recursive ? AT_RECURSIVE : 0, &attr,
		    sizeof(attr)) < 0)
		die("cannot make %s read-only in the view: mount_setattr: %s (the kernel "
		    "needs 5.12 or later for a view)", path, strerror(errno));
	applied_read_only(path, recursive);
}

/* mkdir -p for a path in the view; components that exist are left as they are. */
static void make_dirs(const char *target)
{
	char partial[PATH_MAX];
	size_t len = strlen(target);

	memcpy(partial, target, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (partial[i] != '/' && partial[i] != '\0')
			continue;
		partial[i] = '\0';
		if (mkdir(partial, 0755) < 0 && errno != EEXIST)
			die("cannot build the view: mkdir %s: %s", partial, strerror(errno));
		partial[i] = target[i];
	}
}

static void make_parent_dirs(const char *target)
{
	char parent[PATH_MAX];
	char *slash;

	memcpy(parent, target, strlen(target) + 1);
	slash = strrchr(parent, '/');
	*slash = '\0';
	make_dirs(parent);
}

/*
 * Only missing mount points are made: the source exists, so a mount point
 * inside an already bound host directory exists too, and nothing is ever
 * created on the host's disk.
 */
static void make_mount_point(const char *target, bool directory)
{
	struct stat st;

	if (lstat(target, &st) == 0)
		return;
	if (errno != ENOENT)
		die("cannot build the view: %s: %s", target, strerror(errno));
	if (directory) {
		make_dirs(target);
		return;
	}
	make_parent_dirs(target);
	int fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || close(fd) < 0)
		die("cannot build the view: cannot create mount point %s: %s", target,
		    strerror(errno));
}

/* Swaps the root for a staging tmpfs, keeping the host's root at /oldroot. */
static void enter_staging_root(void)
{
	/* Nothing mounted here may propagate back to the host. */
	mount_or_die(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, "make / private");
	mount_or_die("tmpfs", STAGING, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700",
		     "staging tmpfs");
	if (mkdir(STAGING NEWROOT, 0755) < 0 || mkdir(STAGING OLDROOT, 0755) < 0)
		die("cannot build the view: mkdir in the staging tmpfs: %s", strerror(errno));
	if (syscall(SYS_pivot_root, STAGING, STAGING OLDROOT) < 0)
		die("cannot build the view: pivot_root to the staging tmpfs: %s (%s)",
		    strerror(errno), VIEW_HINT);
	if (chdir("/") < 0)
		die("cannot build the view: chdir /: %s", strerror(errno));
	mount_in_view("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755",
		      "root tmpfs", "root");
}

/*
 * Paths the view has its own of: a host bind there would cover the private
 * one (for /, the whole view). Their fs rules still apply, through Landlock,
 * to the view's own.
 */
static bool provided_by_view(const char *path)
{
	static const char *const own[] = { "/", "/dev", "/dev/pts", "/dev/ptmx", "/dev/shm" };

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		if (strcmp(path, own[i]) == 0)
			return true;
	}
	return false;
}

/* Mounted by init, inside the new pid namespace, so it lists only the sandbox. */
static void mount_proc(void)
{
	make_mount_point(NEWROOT "/proc", true);
	mount_in_view("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
		      "private /proc", "proc");
}

/*
 * Several rules may name one path; Landlock grants their union, so the
 * mount is writable if any of them writes.
 */
static bool writable(const struct spec *spec, const char *path)
{
	for (size_t i = 0; i < spec->fs_count; i++) {
		if (strcmp(spec->fs[i].path, path) == 0 &&
		    (spec->fs[i].access & fs_rights_that_write))
			return true;
	}
	return false;
}

/*
 * Returns whether the grant is now a mount of its own. A source that cannot
 * be reached is skipped here: Landlock then reports the same rule with the
 * same message as without a view (fatal, or a best-effort warning).
 */
static bool bind_grant(const struct spec *spec, const struct fs_rule *rule)
{
	const char *path = rule->path;
	char source[PATH_MAX];
	char target[PATH_MAX];
	struct stat st;

	if (strcmp(path, "/proc") == 0) {
		mount_proc();
		return true;
	}
	join(source, OLDROOT, path);
	join(target, NEWROOT, path);
	if (stat(source, &st) < 0)
		return false;
	make_mount_point(target, S_ISDIR(st.st_mode));
	if (rule->skeleton) {
		/* Left writable until the grants inside it have their mount points. */
		mount_in_view("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", path,
			      "skeleton");
		return true;
	}
	mount_in_view(source, target, NULL, MS_BIND | MS_REC, NULL, path, "grant");
	if (!writable(spec, path))
		make_read_only(target, path, true);
	return true;
}

static size_t depth(const char *path)
{
	size_t slashes = 0;

	for (; *path; path++)
		slashes += *path == '/';
	return slashes;
}

static int by_depth(const void *a, const void *b)
{
	const struct fs_rule *x = *(const struct fs_rule *const *)a;
	const struct fs_rule *y = *(const struct fs_rule *const *)b;
	size_t dx = depth(x->path);
	size_t dy = depth(y->path);

	if (dx != dy)
		return dx < dy ? -1 : 1;
	/* Same depth: keep the spec's order, so the result does not depend on qsort. */
	return x < y ? -1 : x > y;
}

/*
 * Whether the nearest grant mounted so far that holds path (grants are
 * mounted parents first, so it is the last one found) already shows it as
 * it should be: then a mount of its own would change nothing but the cost,
 * as in the common /usr plus /usr/share/... profiles.
 */
static bool shown_by_parent(const struct spec *spec, const struct fs_rule **order,
			    const bool *mounted, size_t count, const char *path)
{
	for (size_t j = count; j-- > 0;) {
		if (mounted[j] && path_contains(order[j]->path, path))
			return !order[j]->skeleton &&
			       writable(spec, order[j]->path) == writable(spec, path);
	}
	return false;
}

static void bind_grants(const struct spec *spec)
{
	if (spec->fs_count == 0)
		return;
	const struct fs_rule **order = calloc(spec->fs_count, sizeof(*order));
	bool *mounted = calloc(spec->fs_count, sizeof(*mounted));

	if (!order || !mounted)
		die("cannot build the view: out of memory");
	for (size_t i = 0; i < spec->fs_count; i++)
		order[i] = &spec->fs[i];
	qsort(order, spec->fs_count, sizeof(*order), by_depth);
	for (size_t i = 0; i < spec->fs_count; i++) {
		const char *path = order[i]->path;

		if (!provided_by_view(path) && !shown_by_parent(spec, order, mounted, i, path))
			mounted[i] = bind_grant(spec, order[i]);
	}
	free(mounted);
	free(order);
}

static void make_symlink(const char *target, const char *link)
{
	if (symlink(target, link) < 0)
		die("cannot build the view: symlink %s -> %s: %s", link, target, strerror(errno));
	applied_symlink(under(link, NEWROOT), target);
}

/*
 * Device nodes cannot be made in a user namespace; the ones granted are bound
 * from the host on top of this. The pty and shared-memory instances are the
 * sandbox's own, so nothing in them belongs to the host.
 */
static void mount_private_dev(void)
{
	make_mount_point(NEWROOT "/dev", true);
	mount_in_view("tmpfs", NEWROOT "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755",
		      "private /dev", "dev");
	make_symlink("/proc/self/fd", NEWROOT "/dev/fd");
	make_symlink("/proc/self/fd/0", NEWROOT "/dev/stdin");
	make_symlink("/proc/self/fd/1", NEWROOT "/dev/stdout");
	make_symlink("/proc/self/fd/2", NEWROOT "/dev/stderr");
	make_symlink("pts/ptmx", NEWROOT "/dev/ptmx");
	make_mount_point(NEWROOT "/dev/pts", true);
	mount_in_view("devpts", NEWROOT "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		      "newinstance,ptmxmode=0666,mode=0620", "private /dev/pts", "dev-pts");
	make_mount_point(NEWROOT "/dev/shm", true);
	mount_in_view("tmpfs", NEWROOT "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777",
		      "private /dev/shm", "dev-shm");
}

static bool inside_bound_grant(const struct spec *spec, const char *path)
{
	for (size_t i = 0; i < spec->fs_count; i++) {
		if (!provided_by_view(spec->fs[i].path) && !spec->fs[i].skeleton &&
		    path_contains(spec->fs[i].path, path))
			return true;
	}
	return false;
}

static void make_skeletons_read_only(const struct spec *spec)
{
	for (size_t i = 0; i < spec->fs_count; i++) {
		char target[PATH_MAX];

		if (!spec->fs[i].skeleton)
			continue;
		join(target, NEWROOT, spec->fs[i].path);
		make_read_only(target, spec->fs[i].path, false);
	}
}

/*
 * The session's own scratch space, a directory the daemon made on the host
 * and removes afterwards: the host's /tmp is shared with every process of
 * the machine (tmux and ssh-agent sockets, other programs' files).
 */
static void mount_private_tmp(const struct spec *spec)
{
	char source[PATH_MAX];

	if (!spec->tmp)
		return;
	join(source, OLDROOT, spec->tmp);
	make_mount_point(NEWROOT "/tmp", true);
	mount_in_view(source, NEWROOT "/tmp", NULL, MS_BIND, NULL, "private /tmp", "tmp");
}

/* A symlink inside a grant is the host's own, bound with it; only the rest is made. */
static void create_symlinks(const struct spec *spec)
{
	for (size_t i = 0; i < spec->symlink_count; i++) {
		const struct symlink_rule *rule = &spec->symlinks[i];
		char link[PATH_MAX];
		struct stat st;

		if (inside_bound_grant(spec, rule->path)) {
			applied_skipped("symlink", rule->path, "inside a bound grant");
			continue;
		}
		join(link, NEWROOT, rule->path);
		if (lstat(link, &st) == 0) {
			applied_skipped("symlink", rule->path, "already in the view");
			continue;
		}
		make_parent_dirs(link);
		make_symlink(rule->target, link);
	}
}

/*
 * net proxied: the relay's only way out is nonod's proxy socket, bound from
 * the host at a fixed place. Under a bound host grant the mount point must
 * already exist (nothing is made on the host's disk); elsewhere it is made
 * in the skeleton. Read-only: connecting needs no write to the mount.
 */
static void bind_proxy_socket(const struct spec *spec)
{
	char source[PATH_MAX];
	char target[PATH_MAX];
	struct stat st;

	if (spec->net != NET_PROXIED)
		return;
	join(source, OLDROOT, spec->proxy_socket);
	join(target, NEWROOT, PROXY_SOCKET_IN_VIEW);
	if (stat(source, &st) < 0)
		die("cannot build the view: proxy socket %s: %s (is nonod's proxy for this "
		    "session running?)", spec->proxy_socket, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		die("cannot build the view: proxy socket %s is not a socket (check the "
		    "proxy-socket record)", spec->proxy_socket);
	if (inside_bound_grant(spec, PROXY_SOCKET_IN_VIEW) && lstat(target, &st) < 0)
		die("cannot build the view: a grant binds the host's directory where the "
		    "proxy socket goes (%s): %s (grant a narrower path than /run)",
		    PROXY_SOCKET_IN_VIEW, strerror(errno));
	make_mount_point(target, false);
	mount_in_view(source, target, NULL, MS_BIND, NULL, "proxy socket", "proxy-socket");
	make_read_only(target, PROXY_SOCKET_IN_VIEW, false);
}

/*
 * A mount point cannot be renamed or removed (EBUSY), so a pinned directory
 * stays where the read-only paths inside it were bound: moving `.git` aside
 * and putting a fresh one with a planted config in its place fails. Bound
 * read-write onto itself, so everything else in it stays writable. Missing
 * pins are refused like missing readonly paths: the plan was made on a tree
 * that has since changed.
 */
static void apply_pins(const struct spec *spec)
{
	for (size_t i = 0; i < spec->pin_count; i++) {
		const char *path = spec->pins[i];
		char target[PATH_MAX];
		struct stat st;

		join(target, NEWROOT, path);
		if (lstat(target, &st) < 0)
			die("cannot pin %s in the view: %s (did it change since the plan was "
			    "made? run again)", path, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			die("cannot pin %s in the view: not a directory (did it change since "
			    "the plan was made? run again)", path);
		mount_in_view(target, target, NULL, MS_BIND | MS_REC, NULL, path, "pin");
	}
}

/* A readonly path that is missing could be created, then written: that is refused. */
static void apply_readonly(const struct spec *spec)
{
	for (size_t i = 0; i < spec->readonly_count; i++) {
		const char *path = spec->readonly[i];
		char target[PATH_MAX];
		struct stat st;

		join(target, NEWROOT, path);
		if (lstat(target, &st) < 0) {
			if (!spec->best_effort)
				die("cannot make %s read-only in the view: %s (remove it from the "
				    "profile, or allow best-effort)", path, strerror(errno));
			int error = errno;

			warn("best-effort: skipped readonly %s: %s", path, strerror(error));
			applied_skipped("readonly", path, strerror(error));
			continue;
		}
		if (S_ISLNK(st.st_mode))
			die("cannot make %s read-only in the view: it is a symlink (the daemon "
			    "must send canonical paths; reinstall nono)", path);
		mount_in_view(target, target, NULL, MS_BIND | MS_REC, NULL, path, "readonly");
		make_read_only(target, path, true);
	}
}

/*
 * The stub script lives in the staging tmpfs, which is not noexec, so it can
 * run. It uses only shell builtins: a stub calling cat would run cat's stub
 * when cat is blocked too. The message is single-quoted, each ' as '\''.
 */
static void write_stub_file(const char *file, const struct stub_rule *stub)
{
	FILE *out;
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0555);

	if (fd < 0 || !(out = fdopen(fd, "w")))
		die("cannot build the view: cannot create the stub for %s: %s", stub->path,
		    strerror(errno));
	fputs("#!/bin/sh\nprintf '%s\\n' '", out);
	for (const char *c = stub->message; *c; c++) {
		if (*c == '\'')
			fputs("'\\''", out);
		else
			fputc(*c, out);
	}
	fputs("' >&2\nexit 126\n", out);
	if (ferror(out) || fclose(out) != 0)
		die("cannot build the view: cannot write the stub for %s: %s", stub->path,
		    strerror(errno));
}

/*
 * A blocked command's file is covered, read-only, by a script that says why
 * and exits 126, so every path to it (PATH lookup, /usr/bin/rm, env rm,
 * xargs rm) runs the script; a copy of the file copies the script too.
 */
static void apply_stubs(const struct spec *spec)
{
	for (size_t i = 0; i < spec->stub_count; i++) {
		const struct stub_rule *stub = &spec->stubs[i];
		char target[PATH_MAX];
		char file[64];
		struct stat st;

		join(target, NEWROOT, stub->path);
		if (lstat(target, &st) < 0) {
			if (errno == ENOENT) {
				applied_skipped("stub", stub->path, strerror(errno));
				continue;
			}
			die("cannot block %s in the view: %s", stub->path, strerror(errno));
		}
		if (!S_ISREG(st.st_mode))
			die("cannot block %s in the view: it is not a regular file (the daemon must "
			    "send canonical paths; reinstall nono)", stub->path);
		snprintf(file, sizeof(file), "/stub-%zu", i);
		write_stub_file(file, stub);
		mount_in_view(file, target, NULL, MS_BIND, NULL, stub->path, "stub");
		make_read_only(target, stub->path, false);
	}
}

static void create_mask_file(void)
{
	int fd = open(MASK_FILE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);

	if (fd < 0 || close(fd) < 0)
		die("cannot build the view: cannot create %s in the staging tmpfs: %s", MASK_FILE,
		    strerror(errno));
}

/*
 * A directory gets an empty read-only tmpfs; anything else (file, socket,
 * fifo, device) an empty mode-0000 file, read-only. A missing path has
 * nothing to hide.
 */
static void apply_mask(const char *path)
{
	char target[PATH_MAX];
	struct stat st;

	join(target, NEWROOT, path);
	if (lstat(target, &st) < 0) {
		if (errno == ENOENT) {
			applied_skipped("mask", path, strerror(errno));
			return;
		}
		die("cannot mask %s in the view: %s", path, strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		die("cannot mask %s in the view: it is a symlink (the daemon must send canonical "
		    "paths; reinstall nono)", path);
	if (S_ISDIR(st.st_mode)) {
		mount_in_view("tmpfs", target, "tmpfs",
			      MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0000,size=4k",
			      path, "mask");
		return;
	}
	mount_in_view(MASK_FILE, target, NULL, MS_BIND, NULL, path, "mask");
	make_read_only(target, path, false);
}

static void apply_masks(const struct spec *spec)
{
	if (spec->mask_count > 0)
		create_mask_file();
	for (size_t i = 0; i < spec->mask_count; i++)
		apply_mask(spec->masks[i]);
}

/* Whether path (in the view) lies on the mount mounted at view_path. */
static bool on_mount_at(const struct stat *st, const char *view_path)
{
	struct stat mount_root;

	if (stat(view_path, &mount_root) < 0)
		die("cannot build the view: stat %s: %s", view_path, strerror(errno));
	return st->st_dev == mount_root.st_dev;
}

static void make_cwd(const struct spec *spec)
{
	char target[PATH_MAX];
	char existing[PATH_MAX];
	struct stat st;

	join(target, NEWROOT, spec->cwd);
	if (stat(target, &st) == 0)
		return;
	if (errno != ENOENT)
		die("cannot change directory to %s in the view: %s", spec->cwd, strerror(errno));
	memcpy(existing, target, strlen(target) + 1);
	while (stat(existing, &st) < 0)
		*strrchr(existing, '/') = '\0';
	if (!on_mount_at(&st, NEWROOT) && !(spec->tmp && on_mount_at(&st, NEWROOT "/tmp")))
		die("cannot change directory to %s: %s (does it exist?)", spec->cwd,
		    strerror(ENOENT));
	make_dirs(target);
}

/* Without a cwd record the command starts where the helper was started. */
static void default_cwd(struct spec *spec)
{
	if (spec->cwd)
		return;
	spec->cwd = getcwd(NULL, 0);
	if (!spec->cwd)
		die("cannot find the current directory: %s (pass a cwd in the spec)",
		    strerror(errno));
}

/* runc's way: pivot onto the same directory, then detach what lies on top. */
static void enter_view_root(void)
{
	make_read_only(NEWROOT, "/", false);
	if (umount2(OLDROOT, MNT_DETACH) < 0)
		die("cannot build the view: detach the host's root: %s", strerror(errno));
	if (chdir(NEWROOT) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		die("cannot build the view: pivot_root into it: %s", strerror(errno));
	applied_view_root();
}

/*
 * The sandbox's own ptys, shared memory and /tmp. /dev/ptmx is a symlink to
 * pts/ptmx, so the /dev/pts rule covers it. Landlock drops, quietly, the
 * rights an older kernel lacks. Added after the binds, which must not take
 * these paths from the host.
 */
static void add_private_rules(struct spec *spec)
{
	if (spec->tmp)
		spec_add_fs_rule(spec, (struct fs_rule){
			/* No device nodes: a root agent could mknod the disk's and read around every rule. */
			.access = (fs_rights_that_write & ~(LANDLOCK_ACCESS_FS_MAKE_CHAR |
							    LANDLOCK_ACCESS_FS_MAKE_BLOCK)) |
				  LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
				  LANDLOCK_ACCESS_FS_EXECUTE,
			.path = "/tmp",
			.implicit = true,
		});
	spec_add_fs_rule(spec, (struct fs_rule){
		.access = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
			  LANDLOCK_ACCESS_FS_IOCTL_DEV,
		.path = "/dev/pts",
		.implicit = true,
	});
	spec_add_fs_rule(spec, (struct fs_rule){
		.access = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
			  LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
			  LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
			  LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_TRUNCATE,
		.path = "/dev/shm",
		.implicit = true,
	});
}

void mount_view(struct spec *spec)
{
	default_cwd(spec);
	enter_staging_root();
	mount_private_dev();
	mount_private_tmp(spec);
	bind_grants(spec);
	create_symlinks(spec);
	bind_proxy_socket(spec);
	make_skeletons_read_only(spec);
	apply_pins(spec);
	apply_readonly(spec);
	apply_stubs(spec);
	apply_masks(spec);
	make_cwd(spec);
	enter_view_root();
	add_private_rules(spec);
}
