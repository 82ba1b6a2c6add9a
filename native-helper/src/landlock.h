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
 */
void landlock_restrict(const struct spec *spec);

#endif
