/*
 * A miss here only costs a question, and a hit only lets the kernel go on
 * with Landlock still deciding, so the table can be simple: one length
 * check and memcmp per grant, no allocation, no syscall.
 */
#include "grant-table.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "landlock-compat.h"

static const uint64_t reading =
	LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct grant *)a)->path, ((const struct grant *)b)->path);
}

void grant_table_build(const struct spec *spec, struct grant_table *table)
{
	table->grants = calloc(spec->fs_count ? spec->fs_count : 1, sizeof(*table->grants));
	table->count = 0;
	if (!table->grants)
		die("cannot build the grant table for file approvals: out of memory");
	for (size_t i = 0; i < spec->fs_count; i++) {
		if (spec->fs[i].implicit)
			continue;
		table->grants[table->count++] = (struct grant){
			.path = spec->fs[i].path,
			.len = strlen(spec->fs[i].path),
			.access = spec->fs[i].access,
		};
	}
	qsort(table->grants, table->count, sizeof(*table->grants), by_path);
}

static bool contains(const struct grant *grant, const char *path)
{
	if (grant->len == 1)
		return grant->path[0] == '/';
	return strncmp(grant->path, path, grant->len) == 0 &&
	       (path[grant->len] == '\0' || path[grant->len] == '/');
}

static uint64_t granted(const struct grant_table *table, const char *path)
{
	uint64_t access = 0;

	for (size_t i = 0; i < table->count; i++) {
		/* Sorted: once the grants pass path's first byte, none further can hold it. */
		if (table->grants[i].path[1] != '\0' && table->grants[i].path[1] > path[1] &&
		    path[1] != '\0')
			break;
		if (contains(&table->grants[i], path))
			access |= table->grants[i].access;
	}
	return access;
}

bool grant_table_allows(const struct grant_table *table, const char *path, bool write)
{
	uint64_t access = granted(table, path);

	return write ? (access & LANDLOCK_ACCESS_FS_WRITE_FILE) != 0 : (access & reading) != 0;
}

/*
 * Every right Landlock would check for this open, and truncate for any
 * writer: Landlock would also have checked a later ftruncate on the fd,
 * which an fd the supervisor opened escapes.
 */
static uint64_t rights_for_open(int flags, bool directory, bool creates)
{
	int mode = flags & O_ACCMODE;
	uint64_t needed = 0;

	if (directory)
		return LANDLOCK_ACCESS_FS_READ_DIR;
	if (mode != O_WRONLY)
		needed |= LANDLOCK_ACCESS_FS_READ_FILE;
	if (mode != O_RDONLY || (flags & O_TRUNC))
		needed |= LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE;
	if (creates)
		needed |= LANDLOCK_ACCESS_FS_MAKE_REG;
	return needed;
}

bool grant_table_allows_open(const struct grant_table *table, const char *path, int flags,
			     bool directory, bool creates)
{
	uint64_t needed = rights_for_open(flags, directory, creates);

	return (granted(table, path) & needed) == needed;
}
