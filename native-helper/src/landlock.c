/*
 * Applies the spec's filesystem, TCP and scope rules with Landlock, using
 * every right the kernel's ABI has so that anything not granted is denied.
 * Nothing here weakens the sandbox silently: a missing feature either stops
 * the helper or, with best-effort, is named on stderr.
 */
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "applied.h"
#include "die.h"
#include "fs-rights.h"
#include "landlock-compat.h"

#define ABI_FS 1
#define ABI_NET_TCP 4
#define ABI_SCOPE 6

struct compat {
	int abi;
	bool best_effort;
};

int landlock_abi(void)
{
	long abi = nono_landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	/* ENOSYS: not built in; EOPNOTSUPP: disabled at boot. Either way, none. */
	return abi < 0 ? 0 : (int)abi;
}

/* ABI 1-3 know handled_access_fs, 4-5 add handled_access_net, 6+ add scoped. */
static size_t attr_size(int abi)
{
	if (abi >= ABI_SCOPE)
		return 3 * sizeof(__u64);
	if (abi >= ABI_NET_TCP)
		return 2 * sizeof(__u64);
	return sizeof(__u64);
}

/*
 * Whether the ABI has what the spec asks (needed). If not: fatal, or under
 * best-effort one "dropped" line (plus what still holds, if given).
 */
__attribute__((format(printf, 4, 5)))
static bool supported(const struct compat *c, int needed, const char *still_holds,
		      const char *what_fmt, ...)
{
	char what[600];
	va_list ap;

	if (c->abi >= needed)
		return true;
	va_start(ap, what_fmt);
	vsnprintf(what, sizeof(what), what_fmt, ap);
	va_end(ap);
	if (!c->best_effort)
		die("cannot apply sandbox: %s needs Landlock ABI %d, kernel has %d (upgrade "
		    "the kernel, or allow best-effort in the profile)", what, needed, c->abi);
	warn("best-effort: dropped %s (needs Landlock ABI %d, kernel has %d)%s%s", what,
	     needed, c->abi, still_holds ? "; " : "", still_holds ? still_holds : "");
	applied_dropped(what, needed, c->abi);
	return false;
}

static const char *net_still_holds(enum net_mode net)
{
	return net == NET_BLOCK
		? "the seccomp filter still denies every non-unix socket, so TCP stays blocked"
		: "TCP connect and bind are unrestricted; UDP, raw and other sockets stay denied";
}

/*
 * In net proxied the network namespace is the boundary: it has nothing but
 * loopback, where the relay is the one way out. TCP port rules there would
 * only stop the sandbox's own servers (a dev server, a test database) from
 * binding and reaching their ports, so Landlock leaves TCP alone.
 */
static bool net_supported(const struct compat *c, const struct spec *spec)
{
	if (spec->net == NET_PROXIED)
		return false;
	return spec->net == NET_ALLOW ||
	       supported(c, ABI_NET_TCP, net_still_holds(spec->net), "net %s",
			 net_mode_name(spec->net));
}

/* Decides what the ruleset handles; every check that can drop or refuse runs here. */
static struct nono_landlock_ruleset_attr plan_ruleset(const struct compat *c,
						      const struct spec *spec)
{
	struct nono_landlock_ruleset_attr attr = {
		.handled_access_fs = fs_rights_handled_by_abi(c->abi),
	};

	if (net_supported(c, spec) && spec->net != NET_ALLOW)
		attr.handled_access_net =
			LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
	if (spec->scope_signal && supported(c, ABI_SCOPE, NULL, "scope signal"))
		attr.scoped |= LANDLOCK_SCOPE_SIGNAL;
	if (spec->scope_abstract_unix && supported(c, ABI_SCOPE, NULL, "scope abstract-unix"))
		attr.scoped |= LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
	return attr;
}

static int create_ruleset(const struct nono_landlock_ruleset_attr *attr, int abi)
{
	long fd = nono_landlock_create_ruleset(attr, attr_size(abi), 0);

	if (fd < 0)
		die("cannot create Landlock ruleset: %s (is Landlock enabled? check "
		    "nono-helper --probe)", strerror(errno));
	return (int)fd;
}

/* Drops (or refuses) each granted right this ABI does not know. */
static uint64_t rights_within_abi(const struct compat *c, const struct fs_rule *rule,
				  uint64_t access)
{
	for (size_t i = 0; i < fs_rights_count; i++) {
		const struct fs_right *right = &fs_rights[i];

		if ((access & right->access) &&
		    !supported(c, right->abi, NULL, "%s on %s", right->name, rule->path))
			access &= ~right->access;
	}
	return access;
}

/*
 * Rule fds opened one after the other, closed together: the kernel numbers
 * them upwards from the lowest free one, so they come in runs broken only
 * by fds the helper inherited, and one close_range per run saves a syscall
 * per rule. Bounded so a long spec stays under RLIMIT_NOFILE.
 */
#define RULE_FDS_MAX 64

struct rule_fds {
	size_t count;
	int fds[RULE_FDS_MAX];
};

static void close_rule_fds(struct rule_fds *held)
{
	size_t start = 0;

	for (size_t i = 1; i <= held->count; i++) {
		if (i < held->count && held->fds[i] == held->fds[i - 1] + 1)
			continue;
		if (close_range((unsigned)held->fds[start], (unsigned)held->fds[i - 1], 0) < 0)
			die("cannot close the fs rules' paths: close_range: %s", strerror(errno));
		start = i;
	}
	held->count = 0;
}

static void hold_rule_fd(struct rule_fds *held, int fd)
{
	if (held->count == RULE_FDS_MAX)
		close_rule_fds(held);
	held->fds[held->count++] = fd;
}

/*
 * Most rules are directories: O_DIRECTORY tells so in the open itself, and
 * only a file costs a second open. The daemon canonicalised the path, so
 * following a final symlink is intended.
 */
static int open_rule_path(const char *path, bool *is_dir)
{
	int fd = open(path, O_PATH | O_CLOEXEC | O_DIRECTORY);

	*is_dir = fd >= 0;
	if (fd < 0 && errno == ENOTDIR)
		fd = open(path, O_PATH | O_CLOEXEC);
	return fd;
}

static void add_fs_rule(int ruleset_fd, const struct compat *c, const struct fs_rule *rule,
			struct rule_fds *held)
{
	struct landlock_path_beneath_attr attr = { .allowed_access = rule->access };
	bool is_dir;

	attr.parent_fd = open_rule_path(rule->path, &is_dir);
	if (attr.parent_fd < 0) {
		if (!c->best_effort)
			die("cannot open %s for an fs rule: %s (does it exist? remove it from "
			    "the profile, or allow best-effort)", rule->path, strerror(errno));
		int error = errno;

		warn("best-effort: skipped fs rule for %s: %s", rule->path, strerror(error));
		applied_skipped("fs", rule->path, strerror(error));
		return;
	}
	hold_rule_fd(held, attr.parent_fd);
	/* Directory-only rights on a file are meaningless, not a loss: drop them quietly. */
	if (!is_dir)
		attr.allowed_access &= fs_rights_for_files;
	if (rule->implicit)
		attr.allowed_access &= fs_rights_handled_by_abi(c->abi);
	attr.allowed_access = rights_within_abi(c, rule, attr.allowed_access);
	/* Nothing left to grant: the path stays denied, which is what was asked. */
	if (attr.allowed_access != 0) {
		if (nono_landlock_add_rule(ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) < 0)
			die("cannot add Landlock rule for %s: %s (check the rights in the "
			    "profile)", rule->path, strerror(errno));
		applied_landlock_fs(rule->path, attr.allowed_access);
	}
}

static void add_port_rule(int ruleset_fd, struct port_rule rule)
{
	struct nono_landlock_net_port_attr attr = {
		.allowed_access = rule.kind == PORT_BIND ? LANDLOCK_ACCESS_NET_BIND_TCP
							 : LANDLOCK_ACCESS_NET_CONNECT_TCP,
		.port = rule.port,
	};

	if (nono_landlock_add_rule(ruleset_fd, NONO_LANDLOCK_RULE_NET_PORT, &attr, 0) < 0)
		die("cannot add Landlock rule net-%s %u: %s",
		    rule.kind == PORT_BIND ? "bind" : "connect", (unsigned)rule.port,
		    strerror(errno));
	applied_landlock_port(rule.kind, rule.port);
}

int landlock_restrict(const struct spec *spec)
{
	int abi = landlock_abi();
	struct compat c = {
		.abi = spec->abi_cap >= 0 && spec->abi_cap < abi ? spec->abi_cap : abi,
		.best_effort = spec->best_effort,
	};
	bool has_landlock = supported(&c, ABI_FS, "only the seccomp filter applies",
				      "filesystem confinement");
	struct nono_landlock_ruleset_attr attr = plan_ruleset(&c, spec);

	if (!has_landlock)
		return -1;
	int ruleset_fd = create_ruleset(&attr, c.abi);
	struct rule_fds held = { .count = 0 };
	for (size_t i = 0; i < spec->fs_count; i++)
		add_fs_rule(ruleset_fd, &c, &spec->fs[i], &held);
	close_rule_fds(&held);
	/* Port rules exist only under "net filtered" (the parser enforces it). */
	if (attr.handled_access_net != 0) {
		for (size_t i = 0; i < spec->port_count; i++)
			add_port_rule(ruleset_fd, spec->ports[i]);
	}
	if (nono_landlock_restrict_self(ruleset_fd, 0) < 0)
		die("cannot enforce Landlock ruleset: %s (no_new_privs must be set first)",
		    strerror(errno));
	applied_landlock(c.abi, abi, attr.handled_access_fs, attr.handled_access_net, attr.scoped);
	return ruleset_fd;
}

/*
 * The same rules again give the same rights, but a domain of its own: Landlock
 * refuses ptrace from a domain to any process of its parent domain, and
 * signal scoping (ABI 6) refuses signals to them.
 */
void landlock_nest(int ruleset_fd)
{
	if (ruleset_fd < 0)
		return;
	if (nono_landlock_restrict_self(ruleset_fd, 0) < 0)
		die("cannot enter the command's nested Landlock domain: %s", strerror(errno));
	applied_landlock_nested();
}

void landlock_release(int ruleset_fd)
{
	if (ruleset_fd >= 0 && close(ruleset_fd) < 0)
		die("cannot close Landlock ruleset: %s", strerror(errno));
}
