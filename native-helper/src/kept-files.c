/*
 * Threat: the sandbox can rename directories in its writable grants while a
 * question is open, so what the view keeps is checked on the very
 * directories the supervisor's open walks through, not on a path string.
 */
#include "kept-files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "open-request.h"

static void remember(struct kept_files *kept, const char *path, bool write_only)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return;
	kept->files[kept->count++] = (struct kept_file){ st.st_dev, st.st_ino, write_only };
}

void kept_files_remember(const struct spec *spec, struct kept_files *kept)
{
	size_t most = spec->mask_count + spec->stub_count + spec->readonly_count;

	kept->count = 0;
	kept->files = calloc(most ? most : 1, sizeof(*kept->files));
	if (!kept->files)
		die("cannot list what the view keeps for file approvals: out of memory");
	for (size_t i = 0; i < spec->mask_count; i++)
		remember(kept, spec->masks[i], false);
	for (size_t i = 0; i < spec->stub_count; i++)
		remember(kept, spec->stubs[i].path, false);
	for (size_t i = 0; i < spec->readonly_count; i++)
		remember(kept, spec->readonly[i], true);
}

static bool holds(const struct kept_files *kept, const struct stat *st, bool write)
{
	for (size_t i = 0; i < kept->count; i++) {
		const struct kept_file *k = &kept->files[i];

		if (k->dev == st->st_dev && k->ino == st->st_ino && (write || !k->write_only))
			return true;
	}
	return false;
}

bool kept_files_on_path(const struct kept_files *kept, const char *path, bool write)
{
	char prefix[PATH_MAX];
	size_t len = strlen(path);
	struct stat st;

	if (len >= sizeof(prefix))
		return true;
	memcpy(prefix, path, len + 1);
	/* The path, then each directory above it; "/" itself is never kept. */
	for (;;) {
		if (stat(prefix, &st) == 0 && holds(kept, &st, write))
			return true;
		char *slash = strrchr(prefix, '/');
		if (!slash || slash == prefix)
			return false;
		*slash = '\0';
	}
}

/* fd, or -1 with errno (EACCES when what it names is kept, and then fd is closed). */
static int unless_kept(const struct kept_files *kept, int fd, bool write)
{
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		die("cannot check a file on the way to an approved open: %s", strerror(errno));
	if (!holds(kept, &st, write))
		return fd;
	if (close(fd) < 0)
		die("cannot close a file kept from the sandbox: %s", strerror(errno));
	errno = EACCES;
	return -1;
}

/* fd, emptied if it is a regular file (O_TRUNC leaves others alone); -1 with errno, closed, if that fails. */
static int truncated(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		die("cannot check an approved file before truncating it: %s", strerror(errno));
	if (!S_ISREG(st.st_mode) || ftruncate(fd, 0) == 0)
		return fd;
	int error = errno;
	if (close(fd) < 0)
		die("cannot close an approved file that could not be truncated: %s", strerror(errno));
	errno = error;
	return -1;
}

int kept_files_open(const struct kept_files *kept, const char *path, int flags, mode_t mode)
{
	char copy[PATH_MAX];
	bool write = open_flags_write(flags);
	size_t len = strlen(path);

	if (path[0] != '/' || len >= sizeof(copy)) {
		errno = EACCES;
		return -1;
	}
	memcpy(copy, path, len + 1);
	int dir = unless_kept(kept, open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), write);
	char *name = copy + 1;
	for (char *slash; dir >= 0 && (slash = strchr(name, '/')); name = slash + 1) {
		*slash = '\0';
		int next = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int error = errno;
		if (close(dir) < 0)
			die("cannot close a directory on the way to %s: %s", path, strerror(errno));
		errno = error;
		dir = unless_kept(kept, next, write);
	}
	if (dir < 0)
		return -1;
	/* O_TMPFILE names the directory itself, which must then pass as one on the way did. */
	bool tmpfile = (flags & O_TMPFILE) == O_TMPFILE;
	/*
	 * O_TRUNC would empty a kept file before its inode could be checked:
	 * the file is truncated below, once it is known not to be one. A
	 * read-only fd cannot be, so O_RDONLY|O_TRUNC (undefined) is refused.
	 */
	bool truncate = (flags & O_TRUNC) && !tmpfile;
	if (truncate && (flags & O_ACCMODE) == O_RDONLY) {
		if (close(dir) < 0)
			die("cannot close the directory of %s: %s", path, strerror(errno));
		errno = EACCES;
		return -1;
	}
	int fd = tmpfile ? unless_kept(kept, openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
						     O_CLOEXEC), write)
			 : openat(dir, name, (flags & ~O_TRUNC) | O_NOFOLLOW, mode);
	int error = errno;
	if (close(dir) < 0)
		die("cannot close the directory of %s: %s", path, strerror(errno));
	if (tmpfile && fd >= 0) {
		int file = openat(fd, ".", flags, mode);
		error = errno;
		if (close(fd) < 0)
			die("cannot close %s: %s", path, strerror(errno));
		fd = file;
	}
	errno = error;
	if (tmpfile)
		return fd;
	fd = unless_kept(kept, fd, write);
	return truncate && fd >= 0 ? truncated(fd) : fd;
}
