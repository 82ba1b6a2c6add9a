/*
 * The sandbox spec as the helper understands it after parsing: what the
 * daemon asked for, before any decision about what this kernel can give.
 */
#ifndef NONO_SPEC_H
#define NONO_SPEC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum net_mode {
	NET_ALLOW,
	NET_BLOCK,
	NET_FILTERED,
	NET_PROXIED, /* view only: a private netns whose only way out is the proxy relay */
};

enum port_kind {
	PORT_CONNECT,
	PORT_BIND,
};

struct fs_rule {
	uint64_t access;
	const char *path;
	/*
	 * Added by the helper for the view's own devices, not sent by the daemon:
	 * rights the kernel lacks are dropped without a word.
	 */
	bool implicit;
	/*
	 * View only: the directory is rebuilt as an empty read-only tmpfs holding
	 * just the grants inside it, instead of being bound from the host.
	 */
	bool skeleton;
};

/* A symlink the view recreates, e.g. /bin -> usr/bin on merged-/usr systems. */
struct symlink_rule {
	const char *path;
	const char *target;
};

/* A blocked command: its file in the view is covered by a script printing message. */
struct stub_rule {
	const char *path;
	const char *message;
};

struct port_rule {
	enum port_kind kind;
	uint16_t port;
};

/*
 * net proxied: a host loopback port the profile allows, reached from the view
 * at the same address: the relay listens on address:port in the sandbox and
 * sends each connection to the proxy as a CONNECT to that address and port.
 */
struct forward_rule {
	char address[INET6_ADDRSTRLEN]; /* an IPv4 loopback (127.0.0.0/8) or ::1, as text */
	uint16_t port;
};

/* The largest rlimit-as / rlimit-nproc value a spec may carry: 2^62. */
#define RLIMIT_VALUE_MAX (UINT64_C(1) << 62)

struct spec {
	bool best_effort;
	int abi_cap; /* -1 when the spec sets no cap */
	enum net_mode net;
	bool scope_signal;
	bool scope_abstract_unix;
	const char *cwd; /* NULL: stay where the helper was started */
	bool view;       /* build a private filesystem view before Landlock */
	/* Opens outside the fs grants are asked about over --approvals-fd. */
	bool approvals_file;
	struct fs_rule *fs;
	size_t fs_count;
	struct port_rule *ports;
	size_t port_count;
	const char **masks;    /* view only: hidden under an empty read-only mount */
	size_t mask_count;
	const char **readonly; /* view only: write-protected inside a rw grant */
	size_t readonly_count;
	const char **pins; /* view only: directories that must not be renamed or removed */
	size_t pin_count;
	struct symlink_rule *symlinks; /* view only */
	size_t symlink_count;
	struct stub_rule *stubs; /* view only */
	size_t stub_count;
	const char *tmp; /* view only: a host directory mounted read-write at /tmp */
	const char *proxy_socket; /* net proxied: the host path of nonod's proxy socket */
	uint16_t proxy_port;      /* net proxied: the relay's TCP port on loopback */
	const char *proxy_auth;   /* net proxied: Proxy-Authorization value for forwards */
	struct forward_rule *forwards; /* net proxied */
	size_t forward_count;
	/* Soft and hard limits for the command; 0 when the spec sets none. */
	uint64_t rlimit_as;
	uint64_t rlimit_nproc;
};

/* At most this many forward records: each is a listening socket in the relay. */
#define FORWARDS_MAX 64

/* Where net proxied puts the proxy socket in the view, and the relay connects. */
#define PROXY_SOCKET_IN_VIEW "/run/nono/proxy.sock"

/* Appends a rule to spec->fs (the view adds its own for /dev/pts and /dev/shm). */
void spec_add_fs_rule(struct spec *spec, struct fs_rule rule);

/* Whether path is ancestor, or the same as, descendant (both canonical). */
bool path_contains(const char *ancestor, const char *descendant);

/*
 * Parses len bytes of NUL-terminated records. Paths in the result point into
 * data, which must outlive the spec. Any error is fatal (exit 125).
 */
void spec_parse(const char *data, size_t len, struct spec *spec);

const char *net_mode_name(enum net_mode net);

#endif
