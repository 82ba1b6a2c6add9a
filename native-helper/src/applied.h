/*
 * --print-applied: a record of what the helper really applied, made by the
 * code that applies each item right after its syscall succeeded, so a test
 * can compare it with what the daemon's plan promised. Without
 * --print-applied every call here does nothing. The output format is in
 * README.md ("--print-applied").
 */
#ifndef NONO_APPLIED_H
#define NONO_APPLIED_H

#include <stdbool.h>
#include <stdint.h>

#include "spec.h"

/* Starts recording; the first record is the command that will not be run. */
void applied_start(char *const command[]);

/* The sandbox's init runs in new user, mount and pid (and with net, network) namespaces. */
void applied_namespaces(bool net);

/* lo is up in the sandbox's network namespace. */
void applied_loopback_up(void);

/*
 * A mount at path in the view: type "bind", "tmpfs", "proc" or "devpts";
 * role says why it is there; source is the host path of a bind, or NULL.
 */
void applied_mount(const char *path, const char *type, const char *role, const char *source,
		   bool read_only);

/* The mount at path in the view was made read-only (recursive: with its submounts). */
void applied_read_only(const char *path, bool recursive);

/* A symlink made in the view's skeleton. */
void applied_symlink(const char *path, const char *target);

/* The view became the root and the host's was detached. */
void applied_view_root(void);

/* A spec record the helper left out under best-effort, and why. */
void applied_skipped(const char *record, const char *path, const char *error);

/* Something the kernel's Landlock ABI lacks, dropped under best-effort. */
void applied_dropped(const char *what, int needs_abi, int abi);

void applied_landlock_fs(const char *path, uint64_t access);
void applied_landlock_port(enum port_kind kind, uint16_t port);

/* landlock_restrict_self succeeded with a ruleset handling these rights and scopes. */
void applied_landlock(int abi, int kernel_abi, uint64_t handled_fs, uint64_t handled_net,
		      uint64_t scoped);

/* The command's nested Landlock domain was entered. */
void applied_landlock_nested(void);

void applied_no_new_privs(void);
void applied_capabilities_dropped(void);
void applied_cwd(const char *path);
void applied_seccomp(enum net_mode net);

/* The proxy relay listens on address:port (forward: a forwarded host port). */
void applied_relay_listen(const char *address, uint16_t port, bool forward);
void applied_relay_started(void);

void applied_fds_closed(void);
void applied_rlimit(const char *resource, uint64_t value);

/*
 * Where exec would replace the helper: writes every record to stdout and
 * exits 0. A failed write exits 125, like any other failure.
 */
__attribute__((noreturn))
void applied_print_and_exit(void);

#endif
