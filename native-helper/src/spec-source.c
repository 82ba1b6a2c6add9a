/*
 * Reads the spec bytes the daemon handed over, refusing anything that could
 * have been planted or cut short.
 *
 * Threat: the spec decides how much the command may do, so whoever can write
 * it owns the sandbox. It therefore never travels in argv or the environment
 * (readable by the sandboxed command and other users); a spec file must be a
 * regular file we own, mode 0600, with one link, opened without following a
 * symlink, and it is unlinked before it is read so it cannot be replayed or
 * read later. Size is capped so a hostile sender cannot exhaust memory.
 */
#include "spec-source.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"

/* Waits for a non-blocking fd (shared with a parent) instead of spinning. */
static void wait_readable(int fd, const char *what)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (poll(&pfd, 1, -1) < 0) {
		if (errno != EINTR)
			die("cannot read spec from %s: poll: %s", what, strerror(errno));
	}
}

static struct spec_text read_all(int fd, const char *what)
{
	/* One byte more than allowed so an oversized spec is seen, not cut. */
	struct spec_text text = { .data = malloc(SPEC_MAX_BYTES + 1) };

	if (!text.data)
		die("cannot read spec from %s: out of memory", what);
	for (;;) {
		ssize_t n = read(fd, text.data + text.len, SPEC_MAX_BYTES + 1 - text.len);

		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			wait_readable(fd, what);
			continue;
		}
		if (n < 0)
			die("cannot read spec from %s: %s", what, strerror(errno));
		text.len += (size_t)n;
		if (text.len > SPEC_MAX_BYTES)
			die("spec from %s is larger than 1 MiB (refusing it)", what);
	}
	if (close(fd) < 0)
		die("cannot close spec %s: %s", what, strerror(errno));
	return text;
}

struct spec_text spec_read_fd(int fd)
{
	char what[32];

	snprintf(what, sizeof(what), "fd %d", fd);
	return read_all(fd, what);
}

/* Refuses a spec file anyone but us could have written or still holds. */
static void check_spec_file(int fd, const char *path)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		die("cannot stat spec file %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("spec file %s is not a regular file (refusing it: it may be planted)", path);
	if (st.st_uid != geteuid())
		die("spec file %s is owned by uid %u, not %u (refusing it: it may be planted)",
		    path, (unsigned)st.st_uid, (unsigned)geteuid());
	if ((st.st_mode & 07777) != 0600)
		die("spec file %s has mode %04o, not 0600 (refusing it: it may be planted "
		    "or read by others)", path, (unsigned)(st.st_mode & 07777));
	if (st.st_nlink != 1)
		die("spec file %s has %lu links, not 1 (refusing it: it may be planted)", path,
		    (unsigned long)st.st_nlink);
	if (st.st_size > SPEC_MAX_BYTES)
		die("spec file %s is larger than 1 MiB (refusing it)", path);
}

struct spec_text spec_read_file(const char *path)
{
	/* O_NONBLOCK: a planted FIFO must not hang us before fstat rejects it. */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		die("cannot open spec file %s: %s (it must be a 0600 file, not a symlink)",
		    path, strerror(errno));
	check_spec_file(fd, path);
	if (unlink(path) < 0)
		die("cannot unlink spec file %s: %s (a one-time spec must not outlive the "
		    "helper)", path, strerror(errno));
	return read_all(fd, path);
}
