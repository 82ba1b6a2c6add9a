/*
 * An fd opened before the sandbox keeps the access it was opened with, so any
 * one left open is a hole in Landlock (or Seatbelt). close_range() does it in
 * one call; kernels before 5.9 (possible only without Landlock, under
 * best-effort) get a walk of /proc/self/fd instead, and macOS, which has
 * neither, a walk of /dev/fd.
 */
#include "close-fds.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

#ifdef __APPLE__
#define FD_DIR "/dev/fd"
#else
#define FD_DIR "/proc/self/fd"
#endif

static bool kept(int fd, const int *keep, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (keep[i] == fd)
			return true;
	}
	return false;
}

static void close_listed_fds(const int *keep, size_t count)
{
	DIR *dir = opendir(FD_DIR);

	if (!dir)
		die("cannot close inherited fds: close_range is missing and " FD_DIR ": "
		    "%s (mount /proc, or grant read_dir on /proc)", strerror(errno));
	int skip = dirfd(dir);

	/* Closing entries while reading is safe: the listing is of what was open. */
	for (;;) {
		errno = 0;
		struct dirent *entry = readdir(dir);
		if (!entry)
			break;
		char *end;
		long fd = strtol(entry->d_name, &end, 10);

		if (*end != '\0' || end == entry->d_name || fd < 3 || fd == skip ||
		    kept((int)fd, keep, count))
			continue;
		if (close((int)fd) < 0 && errno != EBADF)
			die("cannot close inherited fd %ld: %s", fd, strerror(errno));
	}
	if (errno != 0)
		die("cannot list " FD_DIR ": %s", strerror(errno));
	if (closedir(dir) < 0)
		die("cannot close " FD_DIR ": %s", strerror(errno));
}

/* Closes every fd from first up to (and with) last; false if close_range is missing. */
static bool close_fd_range(unsigned first, unsigned last)
{
#ifdef __linux__
	if (first > last || close_range(first, last, 0) == 0)
		return true;
	if (errno != ENOSYS)
		die("cannot close inherited fds: close_range: %s", strerror(errno));
#else
	(void)first;
	(void)last;
#endif
	return false;
}

void close_stray_fds_except(const int *keep, size_t count)
{
	unsigned first = 3;

	/* keep is ascending, so the gaps between its fds are the ranges to close. */
	for (size_t i = 0; i < count; i++) {
		if (!close_fd_range(first, (unsigned)keep[i] - 1)) {
			close_listed_fds(keep, count);
			return;
		}
		first = (unsigned)keep[i] + 1;
	}
	if (!close_fd_range(first, ~0U))
		close_listed_fds(keep, count);
}

void close_stray_fds(void)
{
	close_stray_fds_except(NULL, 0);
}
