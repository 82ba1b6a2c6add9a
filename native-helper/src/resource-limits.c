/*
 * Applied last, right before exec: a small address-space limit set earlier
 * could starve the helper's own set-up (libseccomp, the view's mounts), and a
 * process limit set in init would count init's own bookkeeping against the
 * command.
 */
#include "resource-limits.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/resource.h>

#include "die.h"

/*
 * Raising a hard limit needs CAP_SYS_RESOURCE, so EPERM means the caller
 * already runs under a lower one; the message says how low, since that is
 * what the user can act on.
 */
static void set_limit(int resource, const char *record, uint64_t value)
{
	struct rlimit limit = { .rlim_cur = value, .rlim_max = value };
	struct rlimit current;

	if (setrlimit(resource, &limit) == 0)
		return;
	int error = errno;
	if (error == EPERM && getrlimit(resource, &current) == 0)
		die("cannot set %s %" PRIu64 ": %s (nonod's own hard limit is %" PRIu64
		    "; ask for at most that, or raise nonod's hard limit)", record, value,
		    strerror(error), (uint64_t)current.rlim_max);
	die("cannot set %s %" PRIu64 ": %s (the kernel refused the limit; ask for a "
	    "different value)", record, value, strerror(error));
}

void apply_resource_limits(const struct spec *spec)
{
	if (spec->rlimit_as)
		set_limit(RLIMIT_AS, "rlimit-as", spec->rlimit_as);
	if (spec->rlimit_nproc)
		set_limit(RLIMIT_NPROC, "rlimit-nproc", spec->rlimit_nproc);
}
