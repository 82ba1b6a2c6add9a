/*
 * The seccomp filter: closes kernel interfaces Landlock does not cover
 * (io_uring, keyrings, bpf, terminal injection, ...) and enforces the socket
 * side of the network mode.
 */
#ifndef NONO_SECCOMP_FILTER_H
#define NONO_SECCOMP_FILTER_H

#include "spec.h"

/* Installs the filter on this process; it is inherited across exec. */
void seccomp_restrict(enum net_mode net);

#endif
