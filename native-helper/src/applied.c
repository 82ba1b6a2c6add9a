/*
 * The records are JSON lines kept in one growing buffer and written with
 * write(2) where exec would have been: a failure halfway through set-up then
 * prints nothing but its error line. One buffer for the whole process, like
 * die(): the helper is a single procedure, and threading a recorder through
 * every function that applies something would only add noise.
 */
#include "applied.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "fs-rights.h"
#include "landlock-compat.h"

/*
 * Room kept free after every record made before the resource limits, so the
 * few made after them need no new memory: a small rlimit-as may refuse any.
 */
#define HEADROOM 4096

static struct {
	bool on;
	bool limited; /* the resource limits are set: use the headroom */
	char *text;
	size_t len;
	size_t cap;
} out;

struct named_bit {
	const char *name;
	uint64_t bit;
};

static const struct named_bit net_rights[] = {
	{ "bind_tcp", LANDLOCK_ACCESS_NET_BIND_TCP },
	{ "connect_tcp", LANDLOCK_ACCESS_NET_CONNECT_TCP },
};

/* Named as the spec's scope records name them. */
static const struct named_bit scopes[] = {
	{ "abstract-unix", LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET },
	{ "signal", LANDLOCK_SCOPE_SIGNAL },
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static void append(const char *data, size_t n)
{
	size_t headroom = out.limited ? 0 : HEADROOM;

	if (out.cap - out.len < n + headroom) {
		size_t cap = out.cap * 2 > out.len + n + HEADROOM ? out.cap * 2
								  : out.len + n + HEADROOM;
		char *grown = realloc(out.text, cap);

		if (!grown)
			die("cannot record what was applied (--print-applied): out of memory");
		out.text = grown;
		out.cap = cap;
	}
	memcpy(out.text + out.len, data, n);
	out.len += n;
}

static void append_text(const char *text)
{
	append(text, strlen(text));
}

/* The length of the valid UTF-8 sequence at s (at least one byte), or 0. */
static size_t utf8_sequence_length(const unsigned char *s)
{
	size_t length;
	uint32_t min;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		length = 2;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		length = 3;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		length = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	uint32_t code = s[0] & (0xffu >> (length + 1));
	/* A NUL ends the string, and fails the continuation test before any read past it. */
	for (size_t k = 1; k < length; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		code = (code << 6) | (s[k] & 0x3f);
	}
	if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
		return 0;
	return length;
}

/*
 * Paths are bytes. Valid UTF-8 is written as it is; each other byte N as the
 * lone surrogate \udcNN, the "surrogateescape" shared/src/path-names.ts
 * uses, so JSON.parse gives the string nameFromBytes would.
 */
static void append_string(const char *s)
{
	const unsigned char *c = (const unsigned char *)s;
	char escape[8];

	append_text("\"");
	while (*c) {
		size_t length = *c < 0x80 ? 1 : utf8_sequence_length(c);

		if (length > 1) {
			append((const char *)c, length);
			c += length;
			continue;
		}
		if (*c == '"' || *c == '\\') {
			snprintf(escape, sizeof(escape), "\\%c", *c);
		} else if (*c < 0x20 || *c == 0x7f) {
			snprintf(escape, sizeof(escape), "\\u%04x", *c);
		} else if (*c >= 0x80) {
			snprintf(escape, sizeof(escape), "\\udc%02x", *c);
		} else {
			escape[0] = (char)*c;
			escape[1] = '\0';
		}
		append_text(escape);
		c++;
	}
	append_text("\"");
}

static void append_key(const char *key)
{
	append_text(",\"");
	append_text(key);
	append_text("\":");
}

static void field_string(const char *key, const char *value)
{
	append_key(key);
	append_string(value);
}

static void field_number(const char *key, uint64_t value)
{
	char digits[24];

	snprintf(digits, sizeof(digits), "%" PRIu64, value);
	append_key(key);
	append_text(digits);
}

static void field_bool(const char *key, bool value)
{
	append_key(key);
	append_text(value ? "true" : "false");
}

/* A JSON array of names, one list_item at a time; empty starts true. */
static void list_item(bool *empty, const char *name)
{
	append_text(*empty ? "[" : ",");
	append_string(name);
	*empty = false;
}

static void list_end(bool empty)
{
	append_text(empty ? "[]" : "]");
}

static void field_rights(const char *key, uint64_t access)
{
	bool empty = true;

	append_key(key);
	for (size_t i = 0; i < fs_rights_count; i++) {
		if (access & fs_rights[i].access)
			list_item(&empty, fs_rights[i].name);
	}
	list_end(empty);
}

static void field_bits(const char *key, uint64_t bits, const struct named_bit *names,
		       size_t count)
{
	bool empty = true;

	append_key(key);
	for (size_t i = 0; i < count; i++) {
		if (bits & names[i].bit)
			list_item(&empty, names[i].name);
	}
	list_end(empty);
}

/* False when not recording: the caller then adds no fields. */
static bool begin(const char *kind)
{
	if (!out.on)
		return false;
	append_text("{\"kind\":");
	append_string(kind);
	return true;
}

static void end(void)
{
	append_text("}\n");
}

static void record(const char *kind)
{
	if (begin(kind))
		end();
}

void applied_start(char *const command[])
{
	bool empty = true;

	out.on = true;
	begin("command");
	append_key("argv");
	for (size_t i = 0; command[i]; i++)
		list_item(&empty, command[i]);
	list_end(empty);
	end();
}

void applied_namespaces(bool net)
{
	if (!begin("namespaces"))
		return;
	field_bool("user", true);
	field_bool("mount", true);
	field_bool("pid", true);
	field_bool("net", net);
	end();
}

void applied_loopback_up(void)
{
	record("loopback-up");
}

void applied_mount(const char *path, const char *type, const char *role, const char *source,
		   bool read_only)
{
	if (!begin("mount"))
		return;
	field_string("path", path);
	field_string("type", type);
	field_string("role", role);
	if (source)
		field_string("source", source);
	field_bool("read_only", read_only);
	end();
}

void applied_read_only(const char *path, bool recursive)
{
	if (!begin("read-only"))
		return;
	field_string("path", path);
	field_bool("recursive", recursive);
	end();
}

void applied_symlink(const char *path, const char *target)
{
	if (!begin("symlink"))
		return;
	field_string("path", path);
	field_string("target", target);
	end();
}

void applied_view_root(void)
{
	record("view-root");
}

void applied_skipped(const char *spec_record, const char *path, const char *error)
{
	if (!begin("skipped"))
		return;
	field_string("record", spec_record);
	field_string("path", path);
	field_string("error", error);
	end();
}

void applied_dropped(const char *what, int needs_abi, int abi)
{
	if (!begin("dropped"))
		return;
	field_string("what", what);
	field_number("needs_abi", (uint64_t)needs_abi);
	field_number("abi", (uint64_t)abi);
	end();
}

void applied_landlock_fs(const char *path, uint64_t access)
{
	if (!begin("landlock-fs"))
		return;
	field_string("path", path);
	field_rights("rights", access);
	end();
}

void applied_landlock_port(enum port_kind kind, uint16_t port)
{
	if (!begin("landlock-port"))
		return;
	field_string("access", kind == PORT_BIND ? "bind" : "connect");
	field_number("port", port);
	end();
}

void applied_landlock(int abi, int kernel_abi, uint64_t handled_fs, uint64_t handled_net,
		      uint64_t scoped)
{
	if (!begin("landlock"))
		return;
	field_number("abi", (uint64_t)abi);
	field_number("kernel_abi", (uint64_t)kernel_abi);
	field_rights("handled_fs", handled_fs);
	field_bits("handled_net", handled_net, net_rights, COUNT(net_rights));
	field_bits("scoped", scoped, scopes, COUNT(scopes));
	end();
}

void applied_landlock_nested(void)
{
	record("landlock-nested");
}

void applied_no_new_privs(void)
{
	record("no-new-privs");
}

void applied_capabilities_dropped(void)
{
	record("capabilities-dropped");
}

void applied_cwd(const char *path)
{
	if (!begin("cwd"))
		return;
	field_string("path", path);
	end();
}

void applied_seccomp(enum net_mode net)
{
	if (!begin("seccomp"))
		return;
	field_string("net", net_mode_name(net));
	end();
}

void applied_relay_listen(const char *address, uint16_t port, bool forward)
{
	if (!begin("relay-listen"))
		return;
	field_string("address", address);
	field_number("port", port);
	field_bool("forward", forward);
	end();
}

void applied_relay_started(void)
{
	record("relay-started");
}

void applied_fds_closed(void)
{
	record("fds-closed");
}

void applied_rlimit(const char *resource, uint64_t value)
{
	out.limited = true;
	if (!begin("rlimit"))
		return;
	field_string("resource", resource);
	field_number("value", value);
	end();
}

void applied_print_and_exit(void)
{
	size_t done = 0;

	out.limited = true;
	record("end");
	while (done < out.len) {
		ssize_t n = write(STDOUT_FILENO, out.text + done, out.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("cannot write what was applied to stdout: %s",
			    n < 0 ? strerror(errno) : "nothing written");
		done += (size_t)n;
	}
	exit(0);
}
