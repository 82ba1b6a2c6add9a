/*
 * The one table of Landlock filesystem rights: the spec parser turns names
 * into bits with it, and the Landlock code uses it to know which ABI brought
 * each right and to name it in errors.
 */
#ifndef NONO_FS_RIGHTS_H
#define NONO_FS_RIGHTS_H

#include <stddef.h>
#include <stdint.h>

struct fs_right {
	const char *name;
	uint64_t access;
	int abi; /* first Landlock ABI that knows this right */
};

extern const struct fs_right fs_rights[];
extern const size_t fs_rights_count;

/* Rights that mean something on a non-directory; the rest only on directories. */
extern const uint64_t fs_rights_for_files;

/* Rights that change what is on disk: a grant without any is bound read-only in a view. */
extern const uint64_t fs_rights_that_write;

/* The right called name (length len), or NULL. */
const struct fs_right *fs_right_by_name(const char *name, size_t len);

/* Every right the given ABI can handle, so anything not granted is denied. */
uint64_t fs_rights_handled_by_abi(int abi);

#endif
