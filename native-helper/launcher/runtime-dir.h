/*
 * The runtime dir as @nono/shared's resolveNonoPaths finds it, and the daemon's secret in it:
 * what both of the launcher's ways to reach the daemon (a warm client, run.sock) need.
 */
#ifndef NONO_RUNTIME_DIR_H
#define NONO_RUNTIME_DIR_H

#include <stdbool.h>
#include <stddef.h>

bool runtime_dir(char *out, size_t size);
/* out = the runtime dir's entry `name`; false when it does not fit. */
bool runtime_path(char *out, size_t size, const char *name);
/* The daemon's secret, trailing newline cut; false unless the dir and file are ours alone. */
bool read_secret(char *out, size_t size);
/* A blocking connection to the runtime dir's socket `name`, if a process of our own user listens there; else -1. */
int connect_own_socket(const char *name);

#endif
