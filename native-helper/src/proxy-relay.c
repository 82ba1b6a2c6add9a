/*
 * The listening sockets are made by init, before the fork: connections that
 * arrive before R reaches its event loop wait in the backlog, so nothing has
 * to tell init when R is ready. R then keeps only those sockets, gets its own
 * process group (the command's group gets the forwarded signals, R must not)
 * and runs the event loop until init dies.
 */
#include "proxy-relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "close-fds.h"
#include "applied.h"
#include "die.h"
#include "relay-loop.h"
#include "spec.h"

/* An fd per socket and per pipe end: a spliced tunnel holds three sockets and two pipes. */
#define FDS_PER_TUNNEL 7
/* stdio, the epoll fd, listeners, and fds made while a tunnel is set up. */
#define FDS_RESERVED 16
#define TUNNELS_WANTED 1024

static int listen_on(const struct sockaddr *addr, socklen_t len, const char *name)
{
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int on = 1;

	if (fd < 0)
		return -1;
	/* [::1] must not also take IPv4: the 127.0.0.1 socket has that. */
	if (addr->sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0)
		die("cannot set up the proxy relay: IPV6_V6ONLY on %s: %s", name, strerror(errno));
	if (bind(fd, addr, len) < 0 || listen(fd, SOMAXCONN) < 0) {
		int err = errno;

		if (close(fd) < 0)
			die("cannot set up the proxy relay: close: %s", strerror(errno));
		errno = err;
		return -1;
	}
	return fd;
}

static int listen_ipv4(uint16_t port)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = listen_on((struct sockaddr *)&addr, sizeof(addr), "127.0.0.1");

	if (fd < 0)
		die("cannot set up the proxy relay: listen on 127.0.0.1:%u: %s (is the port "
		    "allowed by Landlock?)", (unsigned)port, strerror(errno));
	return fd;
}

/* A kernel or namespace without IPv6 (no family, no ::1 on lo) is fine: IPv4 only. */
static int listen_ipv6(uint16_t port)
{
	struct sockaddr_in6 addr = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
		.sin6_addr = IN6ADDR_LOOPBACK_INIT,
	};
	int fd = listen_on((struct sockaddr *)&addr, sizeof(addr), "[::1]");

	if (fd < 0 && errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL)
		die("cannot set up the proxy relay: listen on [::1]:%u: %s", (unsigned)port,
		    strerror(errno));
	return fd;
}

/*
 * A forwarded port: the parser let only 127.0.0.0/8 and ::1 through. Like
 * the relay's own [::1], a forward to ::1 in a namespace without IPv6 is
 * left out; anything else that stops the bind is fatal.
 */
static int listen_forward(const struct forward_rule *forward)
{
	struct sockaddr_in v4 = { .sin_family = AF_INET, .sin_port = htons(forward->port) };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = htons(forward->port) };
	int fd;

	if (inet_pton(AF_INET, forward->address, &v4.sin_addr) == 1) {
		fd = listen_on((struct sockaddr *)&v4, sizeof(v4), forward->address);
	} else {
		if (inet_pton(AF_INET6, forward->address, &v6.sin6_addr) != 1)
			die("cannot set up the proxy relay: %s is not an address", forward->address);
		fd = listen_on((struct sockaddr *)&v6, sizeof(v6), forward->address);
		if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL))
			return -1;
	}
	if (fd < 0)
		die("cannot set up the proxy relay: listen on %s port %u for a forwarded host "
		    "port: %s", forward->address, (unsigned)forward->port, strerror(errno));
	return fd;
}

/* The request that makes the session's proxy decide, log and open a forwarded connection. */
static struct relay_listener forward_listener(int fd, const struct forward_rule *forward,
					      const char *auth)
{
	bool v6 = strchr(forward->address, ':') != NULL;
	char target[INET6_ADDRSTRLEN + 8];
	char *preamble;

	snprintf(target, sizeof(target), "%s%s%s:%u", v6 ? "[" : "", forward->address,
		 v6 ? "]" : "", (unsigned)forward->port);
	int len = asprintf(&preamble,
			   "CONNECT %s HTTP/1.1\r\nHost: %s\r\nProxy-Authorization: Basic %s\r\n"
			   "X-Nono-Forward: 1\r\n\r\n",
			   target, target, auth);
	if (len < 0)
		die("cannot set up the proxy relay: out of memory");
	return (struct relay_listener){ .fd = fd, .preamble = preamble, .preamble_len = (size_t)len };
}

/*
 * Init is pid 1 of the sandbox: if it dies, the kernel kills R anyway; the
 * signal also covers a parent that died before the request took hold.
 */
static void die_with_init(pid_t init)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		die("cannot set up the proxy relay: PR_SET_PDEATHSIG: %s", strerror(errno));
	if (getppid() != init)
		_exit(EXIT_SETUP_FAILED);
}

/* The soft fd limit is often 1024, far below what 1024 tunnels need; the hard one is ours. */
static size_t raise_fd_limit(void)
{
	struct rlimit limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) < 0)
		die("cannot set up the proxy relay: getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
	limit.rlim_cur = limit.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &limit) < 0)
		die("cannot set up the proxy relay: setrlimit(RLIMIT_NOFILE): %s", strerror(errno));
	size_t tunnels = limit.rlim_cur > FDS_RESERVED
		? (size_t)(limit.rlim_cur - FDS_RESERVED) / FDS_PER_TUNNEL : 1;
	if (tunnels < TUNNELS_WANTED)
		warn("the proxy relay can hold only %zu connections at once (the hard fd limit "
		     "is %llu; raise LimitNOFILE for nonod)", tunnels,
		     (unsigned long long)limit.rlim_max);
	return tunnels;
}

__attribute__((noreturn))
static void become_relay(pid_t init, const struct relay_listener *listeners, size_t count)
{
	die_with_init(init);
	/* Out of the caller's group too, so a kill of that group leaves R to init. */
	if (setpgid(0, 0) < 0)
		die("cannot set up the proxy relay: setpgid: %s", strerror(errno));
	/* A tunnel whose peer has gone fails with EPIPE, and only that tunnel closes. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die("cannot set up the proxy relay: ignore SIGPIPE: %s", strerror(errno));
	int fds[2 + FORWARDS_MAX];
	for (size_t i = 0; i < count; i++)
		fds[i] = listeners[i].fd;
	close_stray_fds_except(fds, count);
	relay_run(listeners, count, raise_fd_limit(), PROXY_SOCKET_IN_VIEW);
}

pid_t start_proxy_relay(const struct spec *spec)
{
	struct relay_listener listeners[2 + FORWARDS_MAX];
	size_t count = 0;
	pid_t init = getpid();

	listeners[count++] = (struct relay_listener){ .fd = listen_ipv4(spec->proxy_port) };
	applied_relay_listen("127.0.0.1", spec->proxy_port, false);
	int ipv6 = listen_ipv6(spec->proxy_port);
	if (ipv6 >= 0) {
		listeners[count++] = (struct relay_listener){ .fd = ipv6 };
		applied_relay_listen("::1", spec->proxy_port, false);
	}
	for (size_t i = 0; i < spec->forward_count; i++) {
		int fd = listen_forward(&spec->forwards[i]);
		if (fd >= 0) {
			listeners[count++] = forward_listener(fd, &spec->forwards[i], spec->proxy_auth);
			applied_relay_listen(spec->forwards[i].address, spec->forwards[i].port, true);
		}
	}

	/*
	 * The sandbox's first fork, so R is pid 2 in its pid namespace: nonod hands a socket only to
	 * a connection made by that pid (addon/fd-passing.c). Fork anything earlier and tunnels are
	 * never spliced again (piped instead), which spliced-tunnels.test.ts would catch.
	 */
	pid_t relay = fork();
	if (relay < 0)
		die("cannot start the proxy relay: fork: %s", strerror(errno));
	if (relay == 0)
		become_relay(init, listeners, count);
	applied_relay_started();
	for (size_t i = 0; i < count; i++) {
		if (close(listeners[i].fd) < 0)
			die("cannot close the proxy relay's listening socket: %s", strerror(errno));
		free((char *)listeners[i].preamble);
	}
	return relay;
}
