/*
 * What the helper's seccomp filters say, written with libseccomp. Nothing
 * here runs in the helper: tools/compile-seccomp.c compiles these rules
 * into BPF at build time, so no filter is built while a command waits.
 * The default action is allow (the command needs a normal system);
 * libseccomp's default bad-arch action (kill) stays, so 32-bit and x32
 * syscall numbers cannot be used to step around the x86_64 rules.
 */
#include "seccomp-rules.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "die.h"

struct denied_syscall {
	const char *name;
	int nr;
};

#define DENY(name) { #name, SCMP_SYS(name) }
#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/*
 * Each of these either reaches kernel code with a history of sandbox escapes
 * (io_uring, bpf, perf, userfaultfd), acts outside the filesystem view
 * Landlock guards (open_by_handle_at, keyrings), or changes the machine.
 */
static const struct denied_syscall denied_syscalls[] = {
	DENY(io_uring_setup), DENY(io_uring_enter), DENY(io_uring_register),
	DENY(keyctl), DENY(add_key), DENY(request_key),
	DENY(bpf), DENY(perf_event_open), DENY(userfaultfd),
	DENY(kexec_load), DENY(kexec_file_load),
	DENY(init_module), DENY(finit_module), DENY(delete_module),
	DENY(open_by_handle_at), DENY(acct), DENY(swapon), DENY(swapoff),
	DENY(reboot), DENY(syslog), DENY(quotactl),
	/*
	 * A view is only as private as its mounts: no remounting, no new
	 * namespaces (a fresh user namespace would give mount rights again),
	 * no joining others.
	 */
	DENY(mount), DENY(umount2), DENY(pivot_root), DENY(chroot),
	DENY(setns), DENY(unshare), DENY(open_tree), DENY(move_mount),
	DENY(fsopen), DENY(fsconfig), DENY(fsmount), DENY(fspick), DENY(mount_setattr),
};

/* clone(2) flags that make new namespaces; CLONE_NEWTIME exists only for unshare/clone3. */
static const unsigned long namespace_flags[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

/* The last socket type value the kernel's SOCK_TYPE_MASK (0xf) can hold. */
#define SOCK_TYPE_MAX 15

static void add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const char *what,
		     unsigned count, const struct scmp_arg_cmp *cmp)
{
	int rc = seccomp_rule_add_array(ctx, action, nr, count, cmp);

	if (rc < 0)
		die("cannot add seccomp rule for %s: %s", what, strerror(-rc));
}

static void deny_dangerous_syscalls(scmp_filter_ctx ctx)
{
	for (size_t i = 0; i < sizeof(denied_syscalls) / sizeof(denied_syscalls[0]); i++)
		add_rule(ctx, SCMP_ACT_ERRNO(EPERM), denied_syscalls[i].nr,
			 denied_syscalls[i].name, 0, NULL);
}

/*
 * fork, vfork and threads stay allowed. clone3 passes its flags in memory,
 * which seccomp cannot read, so it fails with ENOSYS and libc falls back to
 * clone, whose flags are checked here.
 */
static void deny_namespace_clones(scmp_filter_ctx ctx)
{
	for (size_t i = 0; i < sizeof(namespace_flags) / sizeof(namespace_flags[0]); i++) {
		struct scmp_arg_cmp cmp =
			SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i]);

		add_rule(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), "clone with CLONE_NEW*",
			 1, &cmp);
	}
	add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), "clone3", 0, NULL);
}

/*
 * TIOCSTI pushes bytes into the terminal's input, so a sandboxed command could
 * type commands into the user's shell after it exits; TIOCLINUX can do the
 * same on a virtual console. The kernel reads the request as 32 bits.
 */
static void deny_terminal_injection(scmp_filter_ctx ctx)
{
	const unsigned long requests[] = { TIOCSTI, TIOCLINUX };

	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		struct scmp_arg_cmp cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffff, requests[i]);

		add_rule(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), "ioctl TIOCSTI/TIOCLINUX",
			 1, &cmp);
	}
}

/*
 * fchmodat2 is Linux 6.6; Debian 12's 6.1 headers lack its number, which
 * SCMP_SYS(fchmodat2) needs. Syscalls that new share one number on every arch.
 */
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

/* Where each syscall that sets a mode takes it, and where its open flags are (-1: none). */
struct mode_syscall {
	const char *name;
	int nr;
	int mode_arg;
	int flags_arg;
};

static const struct mode_syscall mode_syscalls[] = {
	{ "chmod", SCMP_SYS(chmod), 1, -1 },
	{ "fchmod", SCMP_SYS(fchmod), 1, -1 },
	{ "fchmodat", SCMP_SYS(fchmodat), 2, -1 },
	{ "fchmodat2", __NR_fchmodat2, 2, -1 },
	{ "mkdir", SCMP_SYS(mkdir), 1, -1 },
	{ "mkdirat", SCMP_SYS(mkdirat), 2, -1 },
	{ "mknod", SCMP_SYS(mknod), 1, -1 },
	{ "mknodat", SCMP_SYS(mknodat), 2, -1 },
	{ "creat", SCMP_SYS(creat), 1, -1 },
	{ "open", SCMP_SYS(open), 2, 1 },
	{ "openat", SCMP_SYS(openat), 3, 2 },
};

/* O_TMPFILE carries O_DIRECTORY, which alone creates nothing. */
static const unsigned long creating_open_flags[] = { O_CREAT, O_TMPFILE & ~O_DIRECTORY };

static const unsigned long setid_bits[] = { S_ISUID, S_ISGID };

static struct scmp_arg_cmp arg_has_bit(int arg, unsigned long bit)
{
	return SCMP_CMP((unsigned)arg, SCMP_CMP_MASKED_EQ, bit, bit);
}

/*
 * A set-id file made in a granted directory outlives the sandbox: the
 * session's own no_new_privs does not follow it, so anyone who runs it on the
 * host later runs as its owner, root when root ran nono. Every syscall that
 * can put S_ISUID or S_ISGID on a file or directory is refused when its mode
 * carries either bit; open-like calls only when they create. Each rule tests
 * one bit with a mask, so junk in the unused upper bits changes nothing.
 * openat2 passes its mode in memory, which seccomp cannot read: it fails with
 * ENOSYS and libc falls back to openat, as with clone3. With file approvals
 * the approvals filter takes openat2 instead, and the supervisor, which
 * reads the mode from its copy, refuses set-id modes there.
 */
static void deny_setid_modes(scmp_filter_ctx ctx, bool approvals_file)
{
	for (size_t s = 0; s < COUNT(mode_syscalls); s++) {
		const struct mode_syscall *sys = &mode_syscalls[s];

		for (size_t b = 0; b < COUNT(setid_bits); b++) {
			struct scmp_arg_cmp mode = arg_has_bit(sys->mode_arg, setid_bits[b]);

			if (sys->flags_arg < 0) {
				add_rule(ctx, SCMP_ACT_ERRNO(EPERM), sys->nr, sys->name, 1, &mode);
				continue;
			}
			for (size_t f = 0; f < COUNT(creating_open_flags); f++) {
				struct scmp_arg_cmp cmp[] = {
					arg_has_bit(sys->flags_arg, creating_open_flags[f]), mode,
				};
				add_rule(ctx, SCMP_ACT_ERRNO(EPERM), sys->nr, sys->name, 2, cmp);
			}
		}
	}
	if (!approvals_file)
		add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), "openat2", 0, NULL);
}

static void deny_socket_when(scmp_filter_ctx ctx, unsigned count, const struct scmp_arg_cmp *cmp)
{
	add_rule(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), "socket", count, cmp);
}

/* socketpair() only ever makes local sockets worth having for AF_UNIX. */
static void deny_socketpair_except_unix(scmp_filter_ctx ctx)
{
	struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_NE, AF_UNIX);

	add_rule(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socketpair), "socketpair", 1, &cmp);
}

/*
 * net block: only unix sockets. This holds even where Landlock has no TCP
 * rules (ABI < 4), and also stops UDP, raw, netlink and every other family.
 */
static void deny_network_sockets(scmp_filter_ctx ctx)
{
	struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_NE, AF_UNIX);

	deny_socket_when(ctx, 1, &cmp);
	deny_socketpair_except_unix(ctx);
}

/*
 * net filtered, and net proxied (where only loopback exists anyway): Landlock
 * filters TCP by port but sees nothing else, so every
 * non-TCP way out is closed: families other than unix/inet/inet6, non-stream
 * types (UDP, raw, SCTP seqpacket, ...), and stream protocols other than TCP
 * (MPTCP, SCTP and SMC are not TCP to Landlock). Comparisons are on the full
 * 64-bit argument, so junk in the upper half only makes a call look denied.
 */
static void deny_non_tcp_sockets(scmp_filter_ctx ctx)
{
	const int inet_families[] = { AF_INET, AF_INET6 };
	struct scmp_arg_cmp below_unix = SCMP_A0(SCMP_CMP_LT, AF_UNIX);
	struct scmp_arg_cmp above_inet6 = SCMP_A0(SCMP_CMP_GT, AF_INET6);

	deny_socket_when(ctx, 1, &below_unix);
	deny_socket_when(ctx, 1, &above_inet6);
	for (int family = AF_INET + 1; family < AF_INET6; family++) {
		struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)family);

		deny_socket_when(ctx, 1, &cmp);
	}
	for (size_t f = 0; f < sizeof(inet_families) / sizeof(inet_families[0]); f++) {
		scmp_datum_t family = (scmp_datum_t)inet_families[f];

		for (int type = 0; type <= SOCK_TYPE_MAX; type++) {
			if (type == SOCK_STREAM)
				continue;
			struct scmp_arg_cmp cmp[] = {
				SCMP_A0(SCMP_CMP_EQ, family),
				SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MAX, (scmp_datum_t)type),
			};
			deny_socket_when(ctx, 2, cmp);
		}
		/* Protocol 0 and IPPROTO_TCP both mean TCP on a stream socket. */
		for (int protocol = 1; protocol < IPPROTO_TCP; protocol++) {
			struct scmp_arg_cmp cmp[] = {
				SCMP_A0(SCMP_CMP_EQ, family),
				SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t)protocol),
			};
			deny_socket_when(ctx, 2, cmp);
		}
		struct scmp_arg_cmp above_tcp[] = {
			SCMP_A0(SCMP_CMP_EQ, family),
			SCMP_A2(SCMP_CMP_GT, IPPROTO_TCP),
		};
		deny_socket_when(ctx, 2, above_tcp);
	}
	deny_socketpair_except_unix(ctx);
}

void seccomp_rules_main(scmp_filter_ctx ctx, enum net_mode net, bool approvals_file)
{
	deny_dangerous_syscalls(ctx);
	deny_namespace_clones(ctx);
	deny_terminal_injection(ctx);
	deny_setid_modes(ctx, approvals_file);
	if (net == NET_BLOCK)
		deny_network_sockets(ctx);
	else if (net == NET_FILTERED || net == NET_PROXIED)
		deny_non_tcp_sockets(ctx);
}

/*
 * Where each call takes its open flags (-1: none, or not in a register). An
 * O_PATH open is never notified: Landlock does not check it and the
 * supervisor would only let the kernel go on, so the filter says so itself
 * and spares the round trip. openat2 keeps its flags in memory, so every
 * call is notified (the main filter of an approvals sandbox lets it
 * through, since its ENOSYS would outrank the notification). execve is not
 * covered: Landlock's execute right alone decides it.
 */
static const struct notified_syscall {
	int nr;
	int flags_arg;
} notified_syscalls[] = {
#ifdef __NR_open
	{ SCMP_SYS(open), 1 },
#endif
#ifdef __NR_creat
	{ SCMP_SYS(creat), -1 },
#endif
	{ SCMP_SYS(openat), 2 },
	{ SCMP_SYS(openat2), -1 },
};

static void notify_on(scmp_filter_ctx ctx, const struct notified_syscall *call)
{
	struct scmp_arg_cmp without_o_path =
		SCMP_CMP((unsigned)call->flags_arg, SCMP_CMP_MASKED_EQ, O_PATH, 0);

	if (call->flags_arg < 0)
		add_rule(ctx, SCMP_ACT_NOTIFY, call->nr, "an open notified for file approvals", 0, NULL);
	else
		add_rule(ctx, SCMP_ACT_NOTIFY, call->nr, "an open notified for file approvals", 1, &without_o_path);
}

void seccomp_rules_approvals(scmp_filter_ctx ctx)
{
	for (size_t i = 0; i < COUNT(notified_syscalls); i++)
		notify_on(ctx, &notified_syscalls[i]);
}
