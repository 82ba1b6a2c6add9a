/*
 * nono-helper: applies a nono sandbox spec to itself, then execs the command.
 * main() is the whole procedure in order; any failure before exec is fatal,
 * so the command never runs less confined than the spec asks.
 *
 * With "view 1" the procedure forks on the way: the helper stays outside and
 * waits; the sandbox's init (in new namespaces) builds the view and applies
 * the rest, then runs the command as its child. With "approvals-file 1" the
 * helper outside is also the supervisor that answers the command's opens;
 * without a view it forks for that, and the child becomes the command.
 */
#ifdef __APPLE__
/* None of the Linux steps below exist on macOS: Seatbelt confines there. */
#include "seatbelt.h"

int main(int argc, char **argv)
{
	return seatbelt_main(argc, argv);
}
#else
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "applied.h"
#include "approvals-channel.h"
#include "approvals-filter.h"
#include "capabilities.h"
#include "cli.h"
#include "close-fds.h"
#include "die.h"
#include "exec-command.h"
#include "file-supervisor.h"
#include "init-process.h"
#include "landlock.h"
#include "mount-view.h"
#include "namespaces.h"
#include "network-namespace.h"
#include "outer-process.h"
#include "probe.h"
#include "proxy-relay.h"
#include "resource-limits.h"
#include "seccomp-filter.h"
#include "signals.h"
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
	applied_no_new_privs();
}

/*
 * A sandbox must not outlive its supervisor: nobody could attach to it, stop it
 * or see it any more. If nonod is killed, the kernel kills the helper, and with
 * a view the helper's death takes the whole pid namespace with it.
 */
static void die_with_parent(void)
{
	pid_t parent = getppid();

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		die("cannot ask to die with nonod: prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
	/* The parent may have died before the request; then nobody would send the signal. */
	if (getppid() != parent)
		die("nonod exited while the sandbox was starting; nothing was run");
}

/*
 * Done before Landlock, so the working directory need not be granted to
 * reach it. In a view, mount_view has made sure it exists.
 */
static void enter_cwd(const struct spec *spec)
{
	if (!spec->cwd)
		return;
	if (chdir(spec->cwd) < 0)
		die("cannot change directory to %s: %s (does it exist?)", spec->cwd,
		    strerror(errno));
	applied_cwd(spec->cwd);
}

static void close_or_die(int fd, const char *what)
{
	if (close(fd) < 0)
		die("cannot close the %s: %s", what, strerror(errno));
}

/*
 * Second line behind the command's nested Landlock domain, for init and the
 * proxy relay it forks: a process that is not dumpable may be ptraced only
 * with CAP_SYS_PTRACE in the user namespace its memory was made in, and init
 * never execs, so that is the host's, where nothing in the sandbox has any.
 * The command's exec makes it dumpable again.
 */
static void refuse_ptrace(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		die("cannot make the sandbox's init undumpable: prctl(PR_SET_DUMPABLE): %s",
		    strerror(errno));
}

/*
 * Only the sandbox's init returns, in the view, with the write end of the
 * pipe on which it reports the command's status; the helper waits outside
 * (with file approvals, answering opens: channel >= 0, and init gets in
 * listener_socket the socket to send its listener on) and ends as the
 * command did. Never falls back to running without the view.
 */
static int enter_view(struct spec *spec, bool no_userns, int channel, int *listener_socket)
{
	pid_t terminal = terminal_owner();
	int status_pipe[2];
	int listener_pair[2] = { -1, -1 };
	char error[256];

	if (pipe2(status_pipe, O_CLOEXEC) < 0)
		die("cannot create the status pipe: %s", strerror(errno));
	/* Remembered before the sandbox exists: nothing can have been moved yet. */
	static struct kept_files kept;
	if (channel >= 0) {
		listener_socketpair(listener_pair);
		kept_files_remember(spec, &kept);
	}
	block_forwarded_signals();
	pid_t init = clone_sandbox_init(no_userns, spec->net == NET_PROXIED, error, sizeof(error));
	if (init < 0)
		die("cannot build the private filesystem view the spec asks for: user "
		    "namespaces are unavailable (%s); nothing was run (allow unprivileged user "
		    "namespaces, or drop the view from the profile)", error);
	if (init > 0) {
		close_or_die(status_pipe[1], "status pipe");
		if (channel >= 0)
			supervise_view(spec, &kept, channel, listener_pair, init, status_pipe[0], terminal);
		wait_for_sandbox(init, status_pipe[0], terminal);
	}
	close_or_die(status_pipe[0], "status pipe");
	if (channel >= 0) {
		close_or_die(listener_pair[0], "supervisor's end of the listener socket");
		close_or_die(channel, "approvals channel");
		*listener_socket = listener_pair[1];
	}
	applied_namespaces(spec->net == NET_PROXIED);
	if (spec->net == NET_PROXIED)
		bring_up_loopback();
	mount_view(spec);
	refuse_ptrace();
	return status_pipe[1];
}

/* File approvals need both halves: the spec's approvals-file record and the channel to ask on. */
static void check_approvals(const struct cli *cli, const struct spec *spec)
{
	bool channel = cli->approvals_fd >= 0 || cli->approvals_socket;

	if (spec->approvals_file && !channel)
		die("the spec asks for file approvals (approvals-file 1) but no --approvals-fd "
		    "or --approvals-socket was given; nothing was run");
	if (!spec->approvals_file && channel)
		die("--approvals-fd or --approvals-socket was given but the spec does not ask "
		    "for file approvals (approvals-file 1); nothing was run");
}

int main(int argc, char **argv)
{
	reset_inherited_signals();
	struct cli cli = cli_parse(argc, argv);
	if (cli.mode == CLI_PROBE)
		return probe_print(cli.no_userns);
	if (cli.print_applied)
		applied_start(cli.command);

	struct spec_text text =
		cli.spec_file ? spec_read_file(cli.spec_file) : spec_read_fd(cli.spec_fd);
	struct spec spec;
	spec_parse(text.data, text.len, &spec);

	check_approvals(&cli, &spec);
	die_with_parent();
	int channel = !spec.approvals_file ? -1
		      : cli.approvals_socket ? approvals_channel_connect(cli.approvals_socket)
					     : cli.approvals_fd;
	int listener_socket = -1;
	int status_fd = spec.view ? enter_view(&spec, cli.no_userns, channel, &listener_socket) : -1;
	if (spec.approvals_file && !spec.view)
		listener_socket = fork_file_supervisor(&spec, channel);
	set_no_new_privs();
	drop_file_privilege_capabilities();
	enter_cwd(&spec);
	int ruleset = landlock_restrict(&spec);
	seccomp_restrict(spec.net, spec.approvals_file);
	if (spec.approvals_file)
		approvals_filter_hand_over(listener_socket, spec.view);
	if (spec.view) {
		run_as_init(status_fd, spec.net == NET_PROXIED ? start_proxy_relay(&spec) : 0);
		/* Only the command gets here: init stays out of its reach. */
		landlock_nest(ruleset);
	}
	landlock_release(ruleset);
	close_stray_fds();
	applied_fds_closed();
	apply_resource_limits(&spec);
	/* Recorded here: resource-limits.c is shared with the macOS helper, which records nothing. */
	if (spec.rlimit_as)
		applied_rlimit("as", spec.rlimit_as);
	if (spec.rlimit_nproc)
		applied_rlimit("nproc", spec.rlimit_nproc);
	if (cli.print_applied)
		applied_print_and_exit();
	exec_command(cli.command);
}
#endif
