/*
 * nono-helper: applies a nono sandbox spec to itself, then execs the command.
 * main() is the whole procedure in order; any failure before exec is fatal,
 * so the command never runs less confined than the spec asks.
 */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cli.h"
#include "close-fds.h"
#include "die.h"
#include "exec-command.h"
#include "landlock.h"
#include "probe.h"
#include "seccomp-filter.h"
#include "spec-source.h"
#include "spec.h"

/*
 * Required by Landlock and seccomp for an unprivileged caller, and it stops
 * setuid programs inside the sandbox from regaining privileges.
 */
static void set_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("cannot set no_new_privs: %s (the kernel is too old for nono)",
		    strerror(errno));
}

/* Done before Landlock, so the working directory need not be granted to reach it. */
static void enter_cwd(const struct spec *spec)
{
	if (spec->cwd && chdir(spec->cwd) < 0)
		die("cannot change directory to %s: %s (does it exist?)", spec->cwd,
		    strerror(errno));
}

int main(int argc, char **argv)
{
	struct cli cli = cli_parse(argc, argv);
	if (cli.mode == CLI_PROBE)
		return probe_print();

	struct spec_text text =
		cli.spec_file ? spec_read_file(cli.spec_file) : spec_read_fd(cli.spec_fd);
	struct spec spec;
	spec_parse(text.data, text.len, &spec);

	set_no_new_privs();
	enter_cwd(&spec);
	landlock_restrict(&spec);
	seccomp_restrict(spec.net);
	close_stray_fds();
	exec_command(cli.command);
}
