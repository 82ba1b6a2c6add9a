/*
 * Parses the NUL-separated spec records strictly: an unknown word, a bad
 * field, a missing "end" or bytes after it all refuse the whole spec, because
 * a misread or truncated spec must never be applied as a weaker sandbox.
 */
#include "spec.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "fs-rights.h"

struct parser {
	struct spec *spec;
	const char *record;
	size_t number;
	unsigned seen; /* bit per directive that may appear once */
	const char *pending_symlink; /* a "symlink" record waiting for its target */
	const char *pending_stub;    /* a "stub" record waiting for its message */
	bool ended;
};

struct directive {
	const char *word;
	bool once;
	bool has_fields;
	void (*parse)(struct parser *p, const char *fields);
};

#define BAD_SPEC_HINT "the daemon and nono-helper may be out of step; reinstall nono"

__attribute__((noreturn, format(printf, 2, 3)))
static void bad_record(const struct parser *p, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	die("bad spec: record %zu \"%.200s\": %s (%s)", p->number, p->record, reason,
	    BAD_SPEC_HINT);
}

/* Strict decimal: digits only, no sign, no spaces, at most max. */
static bool parse_number(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t value = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned digit = (unsigned)(*s - '0');
		/* Checked before multiplying, so a long run of digits cannot wrap around. */
		if (value > (max - digit) / 10)
			return false;
		value = value * 10 + digit;
	}
	*out = value;
	return true;
}

/* Room for one more element at the end of *array (which holds count of size bytes). */
static void *grow(void *array, size_t count, size_t size)
{
	void *grown = reallocarray(array, count + 1, size);

	if (!grown)
		die("cannot parse spec: out of memory");
	return grown;
}

static bool parse_flag(const struct parser *p, const char *fields)
{
	if (strcmp(fields, "0") != 0 && strcmp(fields, "1") != 0)
		bad_record(p, "expected 0 or 1");
	return fields[0] == '1';
}

static void parse_best_effort(struct parser *p, const char *fields)
{
	p->spec->best_effort = parse_flag(p, fields);
}

static void parse_view(struct parser *p, const char *fields)
{
	p->spec->view = parse_flag(p, fields);
}

static void parse_approvals_file(struct parser *p, const char *fields)
{
	p->spec->approvals_file = parse_flag(p, fields);
}

static void parse_abi_cap(struct parser *p, const char *fields)
{
	uint64_t cap;

	if (!parse_number(fields, 1000, &cap))
		bad_record(p, "expected an ABI number from 0 to 1000");
	p->spec->abi_cap = (int)cap;
}

static uint64_t parse_rights(const struct parser *p, const char *list, size_t len)
{
	uint64_t access = 0;
	size_t start = 0;

	while (start <= len) {
		const char *comma = memchr(list + start, ',', len - start);
		size_t end = comma ? (size_t)(comma - list) : len;
		const struct fs_right *right = fs_right_by_name(list + start, end - start);

		if (!right)
			bad_record(p, "unknown right \"%.*s\" (known: execute, write_file, "
				   "read_file, read_dir, remove_dir, remove_file, make_char, "
				   "make_dir, make_reg, make_sock, make_fifo, make_block, "
				   "make_sym, refer, truncate, ioctl_dev)",
				   (int)(end - start), list + start);
		access |= right->access;
		start = end + 1;
	}
	return access;
}

static const char *parse_path(const struct parser *p, const char *path)
{
	if (path[0] != '/')
		bad_record(p, "the path must be absolute");
	return path;
}

static struct fs_rule parse_rule(const struct parser *p, const char *fields, const char *form)
{
	const char *space = strchr(fields, ' ');

	if (!space)
		bad_record(p, "expected \"%s RIGHTS PATH\"", form);
	return (struct fs_rule){
		.access = parse_rights(p, fields, (size_t)(space - fields)),
		.path = parse_path(p, space + 1),
	};
}

static void parse_fs(struct parser *p, const char *fields)
{
	spec_add_fs_rule(p->spec, parse_rule(p, fields, "fs"));
}

static void parse_skeleton(struct parser *p, const char *fields)
{
	struct fs_rule rule = parse_rule(p, fields, "skeleton");

	rule.skeleton = true;
	spec_add_fs_rule(p->spec, rule);
}

static void parse_tmp(struct parser *p, const char *fields)
{
	p->spec->tmp = parse_path(p, fields);
}

/* Not via grow(): through it gcc 12's -fanalyzer reports a leak that is not there. */
void spec_add_fs_rule(struct spec *spec, struct fs_rule rule)
{
	struct fs_rule *grown = reallocarray(spec->fs, spec->fs_count + 1, sizeof(*grown));

	if (!grown)
		die("cannot parse spec: out of memory");
	spec->fs = grown;
	spec->fs[spec->fs_count++] = rule;
}

static void parse_net(struct parser *p, const char *fields)
{
	if (strcmp(fields, "allow") == 0)
		p->spec->net = NET_ALLOW;
	else if (strcmp(fields, "block") == 0)
		p->spec->net = NET_BLOCK;
	else if (strcmp(fields, "filtered") == 0)
		p->spec->net = NET_FILTERED;
	else if (strcmp(fields, "proxied") == 0)
		p->spec->net = NET_PROXIED;
	else
		bad_record(p, "expected allow, block, filtered or proxied");
}

static void parse_proxy_socket(struct parser *p, const char *fields)
{
	p->spec->proxy_socket = parse_path(p, fields);
}

/* Port 0 would make the kernel pick one, which the command could not know. */
static void parse_proxy_port(struct parser *p, const char *fields)
{
	uint64_t port;

	if (!parse_number(fields, 65535, &port) || port == 0)
		bad_record(p, "expected a TCP port from 1 to 65535");
	p->spec->proxy_port = (uint16_t)port;
}

/* The value goes into a request line the relay writes: base64 only, so it cannot add a header. */
static void parse_proxy_auth(struct parser *p, const char *fields)
{
	size_t len = strlen(fields);

	if (len == 0 || len > 256 ||
	    strspn(fields, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != len)
		bad_record(p, "expected base64 credentials of at most 256 characters");
	p->spec->proxy_auth = fields;
}

/* Only loopback: the relay listens there, in the sandbox's own network namespace. */
static bool loopback_address(const char *text)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (inet_pton(AF_INET, text, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, text, &v6) == 1 && memcmp(&v6, &in6addr_loopback, sizeof(v6)) == 0;
}

static void parse_forward(struct parser *p, const char *fields)
{
	struct spec *spec = p->spec;
	const char *space = strchr(fields, ' ');
	struct forward_rule rule = { .port = 0 };
	uint64_t port;

	if (!space || (size_t)(space - fields) >= sizeof(rule.address))
		bad_record(p, "expected \"forward ADDRESS PORT\"");
	memcpy(rule.address, fields, (size_t)(space - fields));
	if (!loopback_address(rule.address))
		bad_record(p, "the address must be 127.0.0.0/8 or ::1, written as an address");
	if (!parse_number(space + 1, 65535, &port) || port == 0)
		bad_record(p, "expected a TCP port from 1 to 65535");
	if (spec->forward_count >= FORWARDS_MAX)
		bad_record(p, "at most %d forward records", FORWARDS_MAX);
	rule.port = (uint16_t)port;
	/* Not via grow(), for the same -fanalyzer false leak as spec_add_fs_rule. */
	struct forward_rule *grown =
		reallocarray(spec->forwards, spec->forward_count + 1, sizeof(*grown));
	if (!grown)
		die("cannot parse spec: out of memory");
	spec->forwards = grown;
	spec->forwards[spec->forward_count++] = rule;
}

static void add_port(struct parser *p, const char *fields, enum port_kind kind)
{
	struct spec *spec = p->spec;
	uint64_t port;

	if (!parse_number(fields, 65535, &port))
		bad_record(p, "expected a TCP port from 0 to 65535");
	spec->ports = grow(spec->ports, spec->port_count, sizeof(*spec->ports));
	spec->ports[spec->port_count++] = (struct port_rule){ .kind = kind, .port = (uint16_t)port };
}

static void parse_net_connect(struct parser *p, const char *fields)
{
	add_port(p, fields, PORT_CONNECT);
}

static void parse_net_bind(struct parser *p, const char *fields)
{
	add_port(p, fields, PORT_BIND);
}

static void parse_scope(struct parser *p, const char *fields)
{
	if (strcmp(fields, "signal") == 0)
		p->spec->scope_signal = true;
	else if (strcmp(fields, "abstract-unix") == 0)
		p->spec->scope_abstract_unix = true;
	else
		bad_record(p, "expected signal or abstract-unix");
}

static void parse_cwd(struct parser *p, const char *fields)
{
	p->spec->cwd = parse_path(p, fields);
}

static void parse_mask(struct parser *p, const char *fields)
{
	struct spec *spec = p->spec;

	spec->masks = grow(spec->masks, spec->mask_count, sizeof(*spec->masks));
	spec->masks[spec->mask_count++] = parse_path(p, fields);
}

static void parse_readonly(struct parser *p, const char *fields)
{
	struct spec *spec = p->spec;

	spec->readonly = grow(spec->readonly, spec->readonly_count, sizeof(*spec->readonly));
	spec->readonly[spec->readonly_count++] = parse_path(p, fields);
}

static void parse_pin(struct parser *p, const char *fields)
{
	struct spec *spec = p->spec;

	spec->pins = grow(spec->pins, spec->pin_count, sizeof(*spec->pins));
	spec->pins[spec->pin_count++] = parse_path(p, fields);
}

static void parse_symlink(struct parser *p, const char *fields)
{
	p->pending_symlink = parse_path(p, fields);
}

/* The target is stored as given: relative targets (usr/bin) are the usual case. */
static void parse_symlink_target(struct parser *p, const char *fields)
{
	struct spec *spec = p->spec;

	if (!p->pending_symlink)
		bad_record(p, "\"symlink-target\" must follow a \"symlink\" record");
	spec->symlinks = grow(spec->symlinks, spec->symlink_count, sizeof(*spec->symlinks));
	spec->symlinks[spec->symlink_count++] =
		(struct symlink_rule){ .path = p->pending_symlink, .target = fields };
	p->pending_symlink = NULL;
}

static void parse_stub(struct parser *p, const char *fields)
{
	p->pending_stub = parse_path(p, fields);
}

/* The message becomes one line of a here-document: no newline may end it early. */
static void parse_stub_message(struct parser *p, const char *fields)
{
	struct spec *spec = p->spec;

	if (!p->pending_stub)
		bad_record(p, "\"stub-message\" must follow a \"stub\" record");
	if (strchr(fields, '\n'))
		bad_record(p, "a stub message must be one line");
	spec->stubs = grow(spec->stubs, spec->stub_count, sizeof(*spec->stubs));
	spec->stubs[spec->stub_count++] = (struct stub_rule){ .path = p->pending_stub, .message = fields };
	p->pending_stub = NULL;
}

/*
 * Zero would stop the command from starting at all, and 2^62 is far past any
 * real machine while staying clear of RLIM_INFINITY, which would mean no limit.
 */
static uint64_t parse_limit(const struct parser *p, const char *fields, const char *unit)
{
	uint64_t value;

	if (!parse_number(fields, RLIMIT_VALUE_MAX, &value) || value == 0)
		bad_record(p, "expected %s as a decimal number from 1 to 2^62", unit);
	return value;
}

static void parse_rlimit_as(struct parser *p, const char *fields)
{
	p->spec->rlimit_as = parse_limit(p, fields, "bytes of address space");
}

static void parse_rlimit_nproc(struct parser *p, const char *fields)
{
	p->spec->rlimit_nproc = parse_limit(p, fields, "a number of processes");
}

static void parse_end(struct parser *p, const char *fields)
{
	(void)fields;
	p->ended = true;
}

static const struct directive directives[] = {
	{ "best-effort", true, true, parse_best_effort },
	{ "abi-cap", true, true, parse_abi_cap },
	{ "fs", false, true, parse_fs },
	{ "net", true, true, parse_net },
	{ "net-connect", false, true, parse_net_connect },
	{ "net-bind", false, true, parse_net_bind },
	{ "scope", false, true, parse_scope },
	{ "cwd", true, true, parse_cwd },
	{ "view", true, true, parse_view },
	{ "approvals-file", true, true, parse_approvals_file },
	{ "mask", false, true, parse_mask },
	{ "readonly", false, true, parse_readonly },
	{ "pin", false, true, parse_pin },
	{ "symlink", false, true, parse_symlink },
	{ "symlink-target", false, true, parse_symlink_target },
	{ "stub", false, true, parse_stub },
	{ "stub-message", false, true, parse_stub_message },
	{ "skeleton", false, true, parse_skeleton },
	{ "tmp", true, true, parse_tmp },
	{ "rlimit-as", true, true, parse_rlimit_as },
	{ "rlimit-nproc", true, true, parse_rlimit_nproc },
	{ "proxy-socket", true, true, parse_proxy_socket },
	{ "proxy-port", true, true, parse_proxy_port },
	{ "proxy-auth", true, true, parse_proxy_auth },
	{ "forward", false, true, parse_forward },
	{ "end", true, false, parse_end },
};

static void parse_record(struct parser *p)
{
	const char *space = strchr(p->record, ' ');
	size_t word_len = space ? (size_t)(space - p->record) : strlen(p->record);

	for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
		const struct directive *d = &directives[i];

		if (strlen(d->word) != word_len || memcmp(d->word, p->record, word_len) != 0)
			continue;
		if (d->has_fields != (space != NULL))
			bad_record(p, d->has_fields ? "missing fields" : "unexpected fields");
		if (p->pending_symlink && d->parse != parse_symlink_target)
			bad_record(p, "a \"symlink\" record must be followed by its "
				   "\"symlink-target\"");
		if (p->pending_stub && d->parse != parse_stub_message)
			bad_record(p, "a \"stub\" record must be followed by its \"stub-message\"");
		if (d->once && (p->seen & (1U << i)))
			bad_record(p, "\"%s\" may appear only once", d->word);
		p->seen |= 1U << i;
		d->parse(p, space ? space + 1 : NULL);
		return;
	}
	bad_record(p, "unknown directive \"%.*s\"", (int)word_len, p->record);
}

/*
 * The view joins each path onto /newroot and /oldroot, so a "." or ".."
 * component could place a mount outside the view or bind the wrong source.
 */
static void check_canonical(const char *path)
{
	if (strcmp(path, "/") == 0)
		return;
	for (const char *c = path; *c == '/';) {
		const char *name = c + 1;
		size_t len = strcspn(name, "/");

		if (len == 0 || strncmp(name, ".", len) == 0 || strncmp(name, "..", len) == 0)
			die("bad spec: %s is not a canonical path (with view 1, paths must have no "
			    "empty, \".\" or \"..\" component and no trailing slash) (%s)", path,
			    BAD_SPEC_HINT);
		c = name + len;
	}
}

static void check_view(const struct spec *spec)
{
	if (!spec->view) {
		bool skeletons = false;

		for (size_t i = 0; i < spec->fs_count; i++)
			skeletons |= spec->fs[i].skeleton;
		if (spec->mask_count || spec->readonly_count || spec->pin_count ||
		    spec->symlink_count || skeletons || spec->tmp || spec->stub_count)
			die("bad spec: mask, readonly, pin, symlink, skeleton, stub and tmp records need "
			    "\"view 1\" (%s)", BAD_SPEC_HINT);
		return;
	}
	if (spec->tmp)
		check_canonical(spec->tmp);
	if (spec->proxy_socket)
		check_canonical(spec->proxy_socket);
	for (size_t i = 0; i < spec->fs_count; i++)
		check_canonical(spec->fs[i].path);
	for (size_t i = 0; i < spec->mask_count; i++)
		check_canonical(spec->masks[i]);
	for (size_t i = 0; i < spec->readonly_count; i++)
		check_canonical(spec->readonly[i]);
	for (size_t i = 0; i < spec->pin_count; i++)
		check_canonical(spec->pins[i]);
	for (size_t i = 0; i < spec->symlink_count; i++)
		check_canonical(spec->symlinks[i].path);
	for (size_t i = 0; i < spec->stub_count; i++)
		check_canonical(spec->stubs[i].path);
	if (spec->cwd)
		check_canonical(spec->cwd);
}

/*
 * The relay needs the view: its netns comes with the view's namespaces, and
 * the proxy socket reaches the sandbox only as a mount in the view.
 */
static void check_proxy(const struct spec *spec)
{
	bool proxied = spec->net == NET_PROXIED;

	if (proxied && !spec->view)
		die("bad spec: \"net proxied\" needs \"view 1\" (%s)", BAD_SPEC_HINT);
	if (proxied && (!spec->proxy_socket || spec->proxy_port == 0))
		die("bad spec: \"net proxied\" needs both a proxy-socket and a proxy-port "
		    "record (%s)", BAD_SPEC_HINT);
	if (!proxied && (spec->proxy_socket || spec->proxy_port != 0 || spec->proxy_auth ||
			 spec->forward_count))
		die("bad spec: proxy-socket, proxy-port, proxy-auth and forward records need "
		    "\"net proxied\", the spec says \"net %s\" (%s)", net_mode_name(spec->net),
		    BAD_SPEC_HINT);
	if (spec->forward_count && !spec->proxy_auth)
		die("bad spec: forward records need a proxy-auth record (%s)", BAD_SPEC_HINT);
	for (size_t i = 0; i < spec->forward_count; i++) {
		if (spec->forwards[i].port == spec->proxy_port)
			die("bad spec: forward %s %u takes the relay's own port (%s)",
			    spec->forwards[i].address, (unsigned)spec->forwards[i].port,
			    BAD_SPEC_HINT);
	}
}

/* Rules that cannot mean anything together are refused rather than guessed at. */
static void check_consistency(const struct spec *spec)
{
	if (spec->port_count > 0 && spec->net != NET_FILTERED)
		die("bad spec: net-connect/net-bind rules need \"net filtered\", the spec "
		    "says \"net %s\" (%s)", net_mode_name(spec->net), BAD_SPEC_HINT);
	check_proxy(spec);
	check_view(spec);
}

void spec_parse(const char *data, size_t len, struct spec *spec)
{
	struct parser p = { .spec = spec };
	size_t pos = 0;

	*spec = (struct spec){ .abi_cap = -1, .net = NET_ALLOW };
	while (pos < len) {
		const char *nul = memchr(data + pos, '\0', len - pos);

		if (p.ended)
			die("bad spec: %zu bytes after the end record (%s)", len - pos,
			    BAD_SPEC_HINT);
		if (!nul)
			break;
		p.record = data + pos;
		p.number++;
		pos = (size_t)(nul - data) + 1;
		if (p.number == 1) {
			if (strcmp(p.record, "nono-spec 1") != 0)
				bad_record(&p, "the first record must be \"nono-spec 1\"");
			continue;
		}
		parse_record(&p);
	}
	if (p.number == 0)
		die("bad spec: it is empty (%s)", BAD_SPEC_HINT);
	if (!p.ended)
		die("bad spec: no end record, the spec is truncated; nothing was run (%s)",
		    BAD_SPEC_HINT);
	check_consistency(spec);
}

bool path_contains(const char *ancestor, const char *descendant)
{
	size_t len = strlen(ancestor);

	if (strcmp(ancestor, "/") == 0)
		return true;
	return strncmp(ancestor, descendant, len) == 0 &&
	       (descendant[len] == '\0' || descendant[len] == '/');
}

const char *net_mode_name(enum net_mode net)
{
	static const char *const names[] = {
		[NET_ALLOW] = "allow",
		[NET_BLOCK] = "block",
		[NET_FILTERED] = "filtered",
		[NET_PROXIED] = "proxied",
	};

	return names[net];
}
