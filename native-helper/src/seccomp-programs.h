/*
 * The helper's seccomp filters as finished BPF, compiled at build time
 * from seccomp-rules.c (build/gen/seccomp-bpf.c), and the one call that
 * loads them.
 */
#ifndef NONO_SECCOMP_PROGRAMS_H
#define NONO_SECCOMP_PROGRAMS_H

#include <linux/filter.h>

#include "spec.h"

struct seccomp_program {
	const struct sock_filter *code;
	unsigned short len;
};

/* Indexed by enum net_mode, then by whether the spec asks for file approvals. */
extern const struct seccomp_program seccomp_main_programs[][2];
extern const struct seccomp_program seccomp_approvals_program;

/* seccomp(SECCOMP_SET_MODE_FILTER, flags): what it returns (a listener with NEW_LISTENER), or -errno. */
int seccomp_program_load(const struct seccomp_program *program, unsigned int flags);

#endif
