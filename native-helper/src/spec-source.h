/*
 * Where the spec comes from: an inherited fd, or a one-time 0600 file for
 * callers (node-pty) that cannot pass extra fds.
 */
#ifndef NONO_SPEC_SOURCE_H
#define NONO_SPEC_SOURCE_H

#include <stddef.h>

#define SPEC_MAX_BYTES (1024 * 1024)

struct spec_text {
	char *data;
	size_t len;
};

/* Reads fd to EOF, then closes it. */
struct spec_text spec_read_fd(int fd);

/* Vets, unlinks, then reads the one-time spec file at path. */
struct spec_text spec_read_file(const char *path);

#endif
