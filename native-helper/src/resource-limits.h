/*
 * Per-session resource limits: set as both soft and hard limit in the process
 * that execs the command, so the command and everything it starts inherit
 * them and, lacking CAP_SYS_RESOURCE, cannot raise them again.
 */
#ifndef NONO_RESOURCE_LIMITS_H
#define NONO_RESOURCE_LIMITS_H

#include "spec.h"

/* setrlimit for each limit the spec sets; any failure is fatal (exit 125). */
void apply_resource_limits(const struct spec *spec);

#endif
