/*
 * An fd opened before the sandbox keeps the access it was opened with, so any
 * one left open is a hole in Landlock. close_range() does it in one call;
 * kernels before 5.9 (possible only without Landlock, under best-effort) get
 * a walk of /proc/self/fd instead.
 */
#include "close-fds.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

static void close_listed_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");

	if (!dir)
		die("cannot close inherited fds: close_range is missing and /proc/self/fd: "
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

		if (*end != '\0' || end == entry->d_name || fd < 3 || fd == skip)
			continue;
		if (close((int)fd) < 0 && errno != EBADF)
			die("cannot close inherited fd %ld: %s", fd, strerror(errno));
	}
	if (errno != 0)
		die("cannot list /proc/self/fd: %s", strerror(errno));
	if (closedir(dir) < 0)
		die("cannot close /proc/self/fd: %s", strerror(errno));
}

void close_stray_fds(void)
{
	if (close_range(3, ~0U, 0) == 0)
		return;
	if (errno != ENOSYS)
		die("cannot close inherited fds: close_range: %s", strerror(errno));
	close_listed_fds();
}
