/*
 * nono-helper --probe: what this kernel can confine, as JSON, so the daemon
 * can explain a profile before it runs anything.
 */
#ifndef NONO_PROBE_H
#define NONO_PROBE_H

#include <stdbool.h>

/*
 * Prints the JSON object on stdout; returns the exit status. no_userns (a
 * test switch) reports user namespaces as refused.
 */
int probe_print(bool no_userns);

#endif
