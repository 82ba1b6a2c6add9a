/*
 * The seccomp filter: closes kernel interfaces Landlock does not cover
 * (io_uring, keyrings, bpf, terminal injection, ...) and enforces the socket
 * side of the network mode.
 */
#ifndef NONO_SECCOMP_FILTER_H
#define NONO_SECCOMP_FILTER_H

#include <stdbool.h>

#include "spec.h"

/*
 * Installs the filter on this process; it is inherited across exec. With
 * approvals_file, openat2 is left for the file-approval filter to hold.
 */
void seccomp_restrict(enum net_mode net, bool approvals_file);

#endif
