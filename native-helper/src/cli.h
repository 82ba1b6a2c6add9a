/*
 * The helper's command line: where the spec comes from and what to run.
 * Only the daemon calls it, so it is small and strict.
 */
#ifndef NONO_CLI_H
#define NONO_CLI_H

#include <stdbool.h>

enum cli_mode {
	CLI_RUN,
	CLI_PROBE,
};

struct cli {
	enum cli_mode mode;
	int spec_fd;           /* -1 when the spec comes from a file */
	const char *spec_file; /* NULL when it comes from an fd */
	int approvals_fd;      /* -1 unless the daemon asks about file opens on it */
	const char *approvals_socket; /* or NULL: the unix socket to connect to for that */
	char **command;        /* everything after "--" */
	bool no_userns;        /* test switch: act as if user namespaces were refused */
	bool print_applied;    /* test switch: print what was applied instead of exec */
};

/* Parses argv; --help and --version print and exit 0, bad usage exits 125. */
struct cli cli_parse(int argc, char **argv);

#endif
