/*
 * Argument parsing by hand rather than getopt: getopt permutes argv and reads
 * POSIXLY_CORRECT from the environment, and the command after "--" must reach
 * execvp untouched.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"

#define VERSION "0.1.0"

static const char usage[] =
	"usage: nono-helper [--no-userns] [--print-applied] --spec-fd N\n"
	"                   [--approvals-fd M | --approvals-socket PATH] -- COMMAND [ARG...]\n"
	"       nono-helper [--no-userns] [--print-applied] --spec-file PATH\n"
	"                   [--approvals-fd M | --approvals-socket PATH] -- COMMAND [ARG...]\n"
	"       nono-helper [--no-userns] --probe\n"
	"       nono-helper --help | --version\n"
	"\n"
	"Applies the sandbox spec read from fd N (or from a one-time 0600 file,\n"
	"unlinked on reading), then runs COMMAND inside it. --probe prints the\n"
	"kernel's sandbox features as JSON. --no-userns (for tests) acts as if\n"
	"the kernel refused user namespaces: a spec with a view is then refused.\n"
	"--print-applied (for tests) does everything but run COMMAND, and prints\n"
	"as JSON lines what it applied instead. --approvals-fd M (with the spec\n"
	"record approvals-file 1) is a socket on which opens outside the grants\n"
	"are asked about, one JSON line each way; --approvals-socket PATH is a\n"
	"unix socket to connect to for the same.\n"
	"Exit status: the command's own (or death by its signal), or 125 sandbox\n"
	"set-up failed, 126 not executable, 127 not found.\n";

#define USAGE_HINT "see nono-helper --help"

static void print_and_exit(const char *text)
{
	if (fputs(text, stdout) == EOF || fflush(stdout) == EOF)
		die("cannot write to stdout: %s", strerror(errno));
	exit(0);
}

static int parse_fd(const char *option, const char *arg)
{
	char *end;
	long fd;

	errno = 0;
	fd = strtol(arg, &end, 10);
	/* 0-2 are the command's stdio; the spec is closed after reading. */
	if (errno != 0 || end == arg || *end != '\0' || fd < 3 || fd > 1 << 30)
		die("%s needs a descriptor number of 3 or more, got \"%s\" (%s)", option, arg,
		    USAGE_HINT);
	return (int)fd;
}

struct cli cli_parse(int argc, char **argv)
{
	struct cli cli = { .mode = CLI_RUN, .spec_fd = -1, .approvals_fd = -1 };
	int i = 1;

	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		print_and_exit(usage);
	if (argc == 2 && strcmp(argv[1], "--version") == 0)
		print_and_exit("nono-helper " VERSION "\n");
	if (i < argc && strcmp(argv[i], "--no-userns") == 0) {
		cli.no_userns = true;
		i++;
	}
	if (i < argc && strcmp(argv[i], "--print-applied") == 0) {
#ifdef __APPLE__
		die("--print-applied is not available on macOS: Seatbelt reports nothing of "
		    "what it applied (%s)", USAGE_HINT);
#endif
		cli.print_applied = true;
		i++;
	}
	if (!cli.print_applied && argc == i + 1 && strcmp(argv[i], "--probe") == 0) {
		cli.mode = CLI_PROBE;
		return cli;
	}
	for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
		if (i + 1 >= argc)
			die("%s needs a value (%s)", argv[i], USAGE_HINT);
		if (strcmp(argv[i], "--spec-fd") == 0 && cli.spec_fd < 0 && !cli.spec_file)
			cli.spec_fd = parse_fd(argv[i], argv[i + 1]);
		else if (strcmp(argv[i], "--spec-file") == 0 && cli.spec_fd < 0 && !cli.spec_file)
			cli.spec_file = argv[i + 1];
		else if (strcmp(argv[i], "--approvals-fd") == 0 && cli.approvals_fd < 0 &&
			 !cli.approvals_socket)
			cli.approvals_fd = parse_fd(argv[i], argv[i + 1]);
		else if (strcmp(argv[i], "--approvals-socket") == 0 && cli.approvals_fd < 0 &&
			 !cli.approvals_socket)
			cli.approvals_socket = argv[i + 1];
		else
			die("unexpected argument \"%s\": give exactly one of --spec-fd or "
			    "--spec-file, at most one of --approvals-fd or --approvals-socket, then "
			    "-- and the command (%s)", argv[i], USAGE_HINT);
	}
	if (cli.spec_fd < 0 && !cli.spec_file)
		die("no spec given: use --spec-fd N or --spec-file PATH (%s)", USAGE_HINT);
	if (cli.approvals_fd >= 0 && cli.approvals_fd == cli.spec_fd)
		die("--approvals-fd and --spec-fd must differ (%s)", USAGE_HINT);
	if (i + 1 >= argc)
		die("no command given after -- (%s)", USAGE_HINT);
	cli.command = argv + i + 1;
	return cli;
}
