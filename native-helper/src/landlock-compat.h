/*
 * Debian 12's <linux/landlock.h> stops at ABI 2, but the kernels nono runs on
 * go up to ABI 7; this fills in the newer UAPI (copied from the kernel's
 * include/uapi/linux/landlock.h) and wraps the syscalls glibc does not.
 */
#ifndef NONO_LANDLOCK_COMPAT_H
#define NONO_LANDLOCK_COMPAT_H

#include <linux/landlock.h>
#include <linux/types.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

/* ABI 4: TCP port rules. The enum value exists only in newer headers. */
#define NONO_LANDLOCK_RULE_NET_PORT 2
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif

/* ABI 6: scoping of abstract unix sockets and signals to the domain. */
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/*
 * ABI 7: audit log controls for landlock_restrict_self(). nono keeps the
 * kernel's default logging and passes flags 0; they are here so an opt-in
 * later does not depend on the build machine's header.
 */
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2)
#endif

/*
 * Our own copy of the ruleset attribute at its ABI 6 size. The kernel reads
 * only the prefix we declare, so nono passes the size of the fields the
 * probed ABI knows (see nono_landlock_attr_size()).
 */
struct nono_landlock_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net;
	__u64 scoped;
};

struct nono_landlock_net_port_attr {
	__u64 allowed_access;
	__u64 port;
};

static inline long nono_landlock_create_ruleset(const struct nono_landlock_ruleset_attr *attr,
						size_t size, __u32 flags)
{
	return syscall(__NR_landlock_create_ruleset, attr, size, flags);
}

static inline long nono_landlock_add_rule(int ruleset_fd, int rule_type,
					  const void *rule_attr, __u32 flags)
{
	return syscall(__NR_landlock_add_rule, ruleset_fd, rule_type, rule_attr, flags);
}

static inline long nono_landlock_restrict_self(int ruleset_fd, __u32 flags)
{
	return syscall(__NR_landlock_restrict_self, ruleset_fd, flags);
}

#endif
