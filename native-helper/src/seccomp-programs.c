/*
 * Loading a compiled filter is one syscall; the kernel still checks the
 * program and refuses it whole (EINVAL) if anything is wrong with it.
 */
#include "seccomp-programs.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

int seccomp_program_load(const struct seccomp_program *program, unsigned int flags)
{
	struct sock_fprog prog = {
		.len = program->len,
		.filter = (struct sock_filter *)program->code,
	};
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);

	return rc < 0 ? -errno : (int)rc;
}
