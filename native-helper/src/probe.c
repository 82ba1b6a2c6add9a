/*
 * Reports features by asking the kernel, never by guessing from its version:
 * distributions backport Landlock and seccomp and can disable them at boot.
 */
#include "probe.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "approvals-filter.h"
#include "die.h"
#include "landlock.h"
#include "namespaces.h"

static bool seccomp_filter_available(void)
{
	__u32 action = SECCOMP_RET_ERRNO;

	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

static bool no_new_privs_available(void)
{
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) >= 0;
}

/*
 * The same clone and id maps a view needs, with a child that exits at once:
 * sysctls, LSMs and container runtimes can each refuse either step.
 */
static bool userns_available(bool no_userns, char *error, size_t error_size)
{
	pid_t child = clone_sandbox_init(no_userns, false, error, error_size);

	if (child == 0)
		_exit(0);
	if (child < 0)
		return false;
	while (waitpid(child, NULL, 0) < 0) {
		if (errno != EINTR)
			die("cannot probe: waitpid: %s", strerror(errno));
	}
	return true;
}

/* uname strings and errno texts are plain ASCII in practice; escape anything else. */
static void print_json_string(const char *s)
{
	putchar('"');
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			printf("\\u%04x", *c);
		else
			putchar(*c);
	}
	putchar('"');
}

static const char *json_bool(bool value)
{
	return value ? "true" : "false";
}

int probe_print(bool no_userns)
{
	int abi = landlock_abi();
	struct utsname uts;
	char userns_error[256];
	bool userns = userns_available(no_userns, userns_error, sizeof(userns_error));

	if (uname(&uts) < 0)
		die("cannot probe: uname: %s", strerror(errno));
	printf("{\"landlock\":{\"abi\":%d,\"fs\":%s,\"refer\":%s,\"truncate\":%s,"
	       "\"net_tcp\":%s,\"ioctl_dev\":%s,\"scope_signal\":%s,"
	       "\"scope_abstract_unix\":%s,\"log_flags\":%s},",
	       abi, json_bool(abi >= 1), json_bool(abi >= 2), json_bool(abi >= 3),
	       json_bool(abi >= 4), json_bool(abi >= 5), json_bool(abi >= 6),
	       json_bool(abi >= 6), json_bool(abi >= 7));
	printf("\"seccomp\":%s,\"no_new_privs\":%s,\"arch\":",
	       json_bool(seccomp_filter_available()), json_bool(no_new_privs_available()));
	print_json_string(uts.machine);
	printf(",\"kernel\":");
	print_json_string(uts.release);
	printf(",\"file_approvals\":%s", json_bool(file_approvals_available()));
	printf(",\"userns\":%s", json_bool(userns));
	if (!userns) {
		printf(",\"userns_error\":");
		print_json_string(userns_error);
	}
	printf("}\n");
	if (fflush(stdout) == EOF || ferror(stdout))
		die("cannot write probe result: %s", strerror(errno));
	return 0;
}
