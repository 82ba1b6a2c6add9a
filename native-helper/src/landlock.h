/*
 * Landlock: probing which ABI the kernel speaks and turning the spec into a
 * ruleset that denies every right the ABI knows unless the spec grants it.
 */
#ifndef NONO_LANDLOCK_H
#define NONO_LANDLOCK_H

#include "spec.h"

/* The kernel's Landlock ABI version, 0 when Landlock is missing or disabled. */
int landlock_abi(void);

/*
 * Restricts this process as the spec asks. What the (capped) ABI cannot give
 * is fatal, or with best-effort dropped with one stderr line per drop.
 * Returns the ruleset's fd, still open, or -1 when Landlock is missing.
 */
int landlock_restrict(const struct spec *spec);

/*
 * Puts this process in a child domain of the one landlock_restrict made, with
 * the same rules, so it can neither ptrace nor signal the processes left in
 * the parent domain. Nothing happens for -1.
 */
void landlock_nest(int ruleset_fd);

/* Closes the fd landlock_restrict returned; nothing happens for -1. */
void landlock_release(int ruleset_fd);

#endif
