/*
 * Landlock covers paths, TCP ports and scopes; this filter denies what it
 * cannot see. Its rules are in seccomp-rules.c, compiled to BPF at build
 * time; here the program for the spec's net mode is loaded as it is.
 */
#include "seccomp-filter.h"

#include <string.h>

#include "applied.h"
#include "die.h"
#include "seccomp-programs.h"

void seccomp_restrict(enum net_mode net, bool approvals_file)
{
	int rc = seccomp_program_load(&seccomp_main_programs[net][approvals_file], 0);

	if (rc < 0)
		die("cannot load seccomp filter: %s (is seccomp enabled? check nono-helper "
		    "--probe)", strerror(-rc));
	applied_seccomp(net);
}
