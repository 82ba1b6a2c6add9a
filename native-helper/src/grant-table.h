/*
 * The supervisor's fast path: whether an open the kernel is holding falls
 * inside the spec's fs grants, so it can go on without asking nonod.
 */
#ifndef NONO_GRANT_TABLE_H
#define NONO_GRANT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec.h"

struct grant {
	const char *path;
	size_t len;
	uint64_t access;
};

struct grant_table {
	struct grant *grants; /* sorted by path, so a parent comes before what is under it */
	size_t count;
};

/* Copies the daemon's fs rules (not the view's implicit ones) out of spec. */
void grant_table_build(const struct spec *spec, struct grant_table *table);

/*
 * Whether the grants that contain the canonical path, taken together as
 * Landlock takes them, give reading (or writing, with write) it.
 */
bool grant_table_allows(const struct grant_table *table, const char *path, bool write);

/*
 * Stricter, for an open the supervisor makes itself, where Landlock does
 * not check: whether the grants give every right Landlock would have
 * checked for it (a directory, or a file that may be created).
 */
bool grant_table_allows_open(const struct grant_table *table, const char *path, int flags,
			     bool directory, bool creates);

#endif
