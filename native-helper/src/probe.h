/*
 * nono-helper --probe: what this kernel can confine, as JSON, so the daemon
 * can explain a profile before it runs anything.
 */
#ifndef NONO_PROBE_H
#define NONO_PROBE_H

/* Prints the JSON object on stdout; returns the exit status. */
int probe_print(void);

#endif
