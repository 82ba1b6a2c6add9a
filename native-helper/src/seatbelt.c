/*
 * The macOS helper. The daemon generates a Seatbelt profile (SBPL) from the
 * sandbox plan and sends it in the spec; the helper applies it to itself with
 * sandbox_init, then execs the command, which keeps the sandbox, as do all its
 * children. Seatbelt denies inside a grant natively, so macOS needs no view.
 *
 * Threat: the profile is the sandbox. It arrives like the Linux spec (an
 * inherited fd or the vetted one-time file, never argv or the environment); a
 * spec without a profile, or with a record this helper does not know (a Linux
 * spec sent by mistake), is refused, and a profile Seatbelt rejects is fatal
 * before exec.
 */
#include "seatbelt.h"

#include <errno.h>
#include <sandbox.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "close-fds.h"
#include "die.h"
#include "exec-command.h"
#include "resource-limits.h"
#include "spec-source.h"
#include "spec.h"

#define BAD_SPEC_HINT "the daemon and nono-helper may be out of step; reinstall nono"

struct seatbelt_spec {
	const char *cwd;     /* NULL: stay where the helper was started */
	const char *profile; /* SBPL text; required */
	struct spec limits;  /* only rlimit_as and rlimit_nproc are used */
};

__attribute__((noreturn))
static void bad_record(size_t number, const char *record, const char *reason)
{
	die("bad spec: record %zu \"%.200s\": %s (%s)", number, record, reason, BAD_SPEC_HINT);
}

/* Strict decimal from 1 to RLIMIT_VALUE_MAX, as in the Linux spec; 0 if it is not one. */
static uint64_t parse_limit(const char *s)
{
	uint64_t value = 0;

	if (*s == '\0')
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		unsigned digit = (unsigned)(*s - '0');
		if (value > (RLIMIT_VALUE_MAX - digit) / 10)
			return 0;
		value = value * 10 + digit;
	}
	return value;
}

static void set_limit_once(uint64_t *slot, size_t number, const char *record, const char *value)
{
	if (*slot != 0)
		bad_record(number, record, "repeated; each limit may appear once");
	*slot = parse_limit(value);
	if (*slot == 0)
		bad_record(number, record, "expected a decimal number from 1 to 2^62");
}

static void set_text_once(const char **slot, size_t number, const char *record, const char *value)
{
	if (*slot)
		bad_record(number, record, "repeated; it may appear once");
	*slot = value;
}

static void parse_record(struct seatbelt_spec *spec, size_t number, const char *record)
{
	if (strncmp(record, "cwd ", 4) == 0) {
		if (record[4] != '/')
			bad_record(number, record, "the path must be absolute");
		set_text_once(&spec->cwd, number, record, record + 4);
	} else if (strncmp(record, "sbpl ", 5) == 0) {
		set_text_once(&spec->profile, number, record, record + 5);
	} else if (strncmp(record, "rlimit-as ", 10) == 0) {
		set_limit_once(&spec->limits.rlimit_as, number, record, record + 10);
	} else if (strncmp(record, "rlimit-nproc ", 13) == 0) {
		set_limit_once(&spec->limits.rlimit_nproc, number, record, record + 13);
	} else {
		bad_record(number, record, "not a macOS record (cwd, sbpl, rlimit-as, rlimit-nproc, end); "
			   "a Linux spec is never applied here");
	}
}

/* The Linux spec's framing: NUL-terminated records, "nono-spec 1" first, "end" last. */
static void parse_spec(const char *data, size_t len, struct seatbelt_spec *spec)
{
	size_t pos = 0;
	size_t number = 0;
	bool ended = false;

	*spec = (struct seatbelt_spec){ .limits = { .abi_cap = -1 } };
	while (pos < len) {
		const char *nul = memchr(data + pos, '\0', len - pos);
		const char *record = data + pos;

		if (ended)
			die("bad spec: %zu bytes after the end record (%s)", len - pos, BAD_SPEC_HINT);
		if (!nul)
			break;
		number++;
		pos = (size_t)(nul - data) + 1;
		if (number == 1 && strcmp(record, "nono-spec 1") != 0)
			bad_record(number, record, "the first record must be \"nono-spec 1\"");
		else if (number > 1 && strcmp(record, "end") == 0)
			ended = true;
		else if (number > 1)
			parse_record(spec, number, record);
	}
	if (!ended)
		die("bad spec: no end record, the spec is truncated; nothing was run (%s)", BAD_SPEC_HINT);
	if (!spec->profile)
		die("bad spec: no sbpl record, so there is no Seatbelt profile to apply; nothing "
		    "was run (%s)", BAD_SPEC_HINT);
}

/* Before the sandbox, so the working directory need not be granted to reach it. */
static void enter_cwd(const char *cwd)
{
	if (cwd && chdir(cwd) < 0)
		die("cannot change directory to %s: %s (does it exist?)", cwd, strerror(errno));
}

/*
 * sandbox_init is marked deprecated since macOS 10.8 but is the only public
 * call that confines the caller with a profile (sandbox-exec makes the same
 * call). flags 0: profile is SBPL text, not the name of a built-in profile.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void apply_profile(const char *profile)
{
	char *error = NULL;
	char reason[1024];

	if (sandbox_init(profile, 0, &error) == 0)
		return;
	snprintf(reason, sizeof(reason), "%s", error ? error : "no reason given");
	if (error)
		sandbox_free_error(error);
	die("Seatbelt refused the profile: %s; nothing was run (nono policy show --sbpl "
	    "prints the profile)", reason);
}
#pragma GCC diagnostic pop

static int print_probe(void)
{
	if (fputs("{\"seatbelt\":true}\n", stdout) == EOF || fflush(stdout) == EOF)
		die("cannot write to stdout: %s", strerror(errno));
	return 0;
}

int seatbelt_main(int argc, char **argv)
{
	struct cli cli = cli_parse(argc, argv);
	if (cli.mode == CLI_PROBE)
		return print_probe();

	struct spec_text text =
		cli.spec_file ? spec_read_file(cli.spec_file) : spec_read_fd(cli.spec_fd);
	struct seatbelt_spec spec;
	parse_spec(text.data, text.len, &spec);

	enter_cwd(spec.cwd);
	close_stray_fds();
	apply_profile(spec.profile);
	apply_resource_limits(&spec.limits);
	exec_command(cli.command);
}
