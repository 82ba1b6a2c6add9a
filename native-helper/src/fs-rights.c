/*
 * Names follow the kernel's LANDLOCK_ACCESS_FS_* constants in lower case so a
 * spec reads like the Landlock documentation.
 */
#include "fs-rights.h"

#include <string.h>

#include "landlock-compat.h"

const struct fs_right fs_rights[] = {
	{ "execute", LANDLOCK_ACCESS_FS_EXECUTE, 1 },
	{ "write_file", LANDLOCK_ACCESS_FS_WRITE_FILE, 1 },
	{ "read_file", LANDLOCK_ACCESS_FS_READ_FILE, 1 },
	{ "read_dir", LANDLOCK_ACCESS_FS_READ_DIR, 1 },
	{ "remove_dir", LANDLOCK_ACCESS_FS_REMOVE_DIR, 1 },
	{ "remove_file", LANDLOCK_ACCESS_FS_REMOVE_FILE, 1 },
	{ "make_char", LANDLOCK_ACCESS_FS_MAKE_CHAR, 1 },
	{ "make_dir", LANDLOCK_ACCESS_FS_MAKE_DIR, 1 },
	{ "make_reg", LANDLOCK_ACCESS_FS_MAKE_REG, 1 },
	{ "make_sock", LANDLOCK_ACCESS_FS_MAKE_SOCK, 1 },
	{ "make_fifo", LANDLOCK_ACCESS_FS_MAKE_FIFO, 1 },
	{ "make_block", LANDLOCK_ACCESS_FS_MAKE_BLOCK, 1 },
	{ "make_sym", LANDLOCK_ACCESS_FS_MAKE_SYM, 1 },
	{ "refer", LANDLOCK_ACCESS_FS_REFER, 2 },
	{ "truncate", LANDLOCK_ACCESS_FS_TRUNCATE, 3 },
	{ "ioctl_dev", LANDLOCK_ACCESS_FS_IOCTL_DEV, 5 },
};

const size_t fs_rights_count = sizeof(fs_rights) / sizeof(fs_rights[0]);

const uint64_t fs_rights_for_files =
	LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
	LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
	LANDLOCK_ACCESS_FS_IOCTL_DEV;

const uint64_t fs_rights_that_write =
	LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
	LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
	LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
	LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
	LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM |
	LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE;

const struct fs_right *fs_right_by_name(const char *name, size_t len)
{
	for (size_t i = 0; i < fs_rights_count; i++) {
		if (strlen(fs_rights[i].name) == len &&
		    memcmp(fs_rights[i].name, name, len) == 0)
			return &fs_rights[i];
	}
	return NULL;
}

uint64_t fs_rights_handled_by_abi(int abi)
{
	uint64_t handled = 0;

	for (size_t i = 0; i < fs_rights_count; i++) {
		if (fs_rights[i].abi <= abi)
			handled |= fs_rights[i].access;
	}
	return handled;
}
