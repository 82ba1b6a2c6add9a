/*
 * The host files and directories a view keeps from the sandbox (masks,
 * stubs, and for writes the read-only records), known by inode: a rename of
 * a directory above one inside a writable grant moves it in the view and on
 * the host alike, after which no path the spec spells names it any more.
 */
#ifndef NONO_KEPT_FILES_H
#define NONO_KEPT_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "spec.h"

struct kept_file {
	dev_t dev;
	ino_t ino;
	bool write_only; /* a read-only record: kept from writes only */
};

struct kept_files {
	struct kept_file *files;
	size_t count;
};

/* Before the sandbox exists, so it cannot have moved anything yet; a missing path is skipped. */
void kept_files_remember(const struct spec *spec, struct kept_files *kept);

/*
 * Whether the canonical host path, or a directory above it, is kept (for a
 * write, read-only records too), as the host has it now. For deciding
 * whether to ask at all: kept_files_open is what holds at the open.
 */
bool kept_files_on_path(const struct kept_files *kept, const char *path, bool write);

/*
 * Opens the canonical host path one component at a time from the host's
 * root, never through a symlink, checking every directory passed and the
 * file reached by inode: -1 with EACCES when one is kept, so a rename made
 * after the question cannot put a kept file at the asked-about path.
 * flags as open(2) takes them (O_NOFOLLOW is added; O_TRUNC is done after
 * the check, and refused with O_RDONLY), mode for a create.
 */
int kept_files_open(const struct kept_files *kept, const char *path, int flags, mode_t mode);

#endif
