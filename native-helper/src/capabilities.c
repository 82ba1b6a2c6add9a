/*
 * The seccomp filter refuses set-id modes; these capabilities are the other
 * ways a root command could leave privilege in a file. CAP_SETFCAP writes
 * security.capability (what setcap does), which the host honours like a
 * setuid bit. CAP_FSETID keeps the bit of a set-id file through a write (on
 * Landlock alone, where root's capabilities are the host's). CAP_MKNOD makes
 * device nodes anyone may open; Landlock never grants that, but best-effort
 * may run without Landlock. Dropped the way bubblewrap drops what it does not
 * keep: from the bounding set, so exec cannot give them back, and from the
 * current sets. Raw syscalls: the helper does not link libcap for three bits.
 */
#include "capabilities.h"

#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "applied.h"
#include "die.h"

static const int dropped[] = { CAP_SETFCAP, CAP_FSETID, CAP_MKNOD };

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/*
 * EPERM: no CAP_SETPCAP to change the bounding set with (an unprivileged
 * caller without a view). Clearing the permitted set below then holds alone:
 * no_new_privs keeps exec from permitting more than was permitted before.
 */
static void drop_from_bounding_set(int cap)
{
	if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EPERM)
		die("cannot drop capability %d from the bounding set: %s", cap, strerror(errno));
}

void drop_file_privilege_capabilities(void)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	for (size_t i = 0; i < COUNT(dropped); i++)
		drop_from_bounding_set(dropped[i]);
	if (syscall(SYS_capget, &header, data) < 0)
		die("cannot read this process's capabilities: capget: %s", strerror(errno));
	for (size_t i = 0; i < COUNT(dropped); i++) {
		__u32 bit = (__u32)1 << (dropped[i] % 32);
		struct __user_cap_data_struct *word = &data[dropped[i] / 32];

		word->effective &= ~bit;
		word->permitted &= ~bit;
		word->inheritable &= ~bit;
	}
	/* Lowering is always allowed, so a failure here is never expected: fail closed. */
	if (syscall(SYS_capset, &header, data) < 0)
		die("cannot drop CAP_SETFCAP, CAP_FSETID and CAP_MKNOD: capset: %s",
		    strerror(errno));
	applied_capabilities_dropped();
}
