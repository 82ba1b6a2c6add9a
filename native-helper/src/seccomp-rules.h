/*
 * The rules of the helper's two seccomp filters, for the build-time
 * compiler (tools/compile-seccomp.c); the helper itself loads the BPF it
 * made (seccomp-programs.h) and never links libseccomp.
 */
#ifndef NONO_SECCOMP_RULES_H
#define NONO_SECCOMP_RULES_H

#include <seccomp.h>
#include <stdbool.h>

#include "spec.h"

/*
 * The main filter: what Landlock cannot see, and the socket side of net.
 * With approvals_file, openat2 is left to the approvals filter.
 */
void seccomp_rules_main(scmp_filter_ctx ctx, enum net_mode net, bool approvals_file);

/* File approvals: the open family, handed to the supervisor. */
void seccomp_rules_approvals(scmp_filter_ctx ctx);

#endif
