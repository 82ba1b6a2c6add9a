/*
 * One thread, one epoll set, edge-triggered: an event on either socket of a
 * tunnel pumps both directions until the kernel says EAGAIN, so no wake-up
 * is lost and no interest mask needs updating.
 *
 * Bytes move with splice(2) through a pipe per direction: socket to pipe,
 * pipe to socket, never through user space. The pipe is the direction's
 * fixed-size buffer (64 KiB by default); a write that takes only part of it
 * leaves the rest queued, and the loop waits for the socket to drain.
 *
 * Tunnels are freed only after a batch of events is handled, so an event
 * later in the batch never points at freed memory; closing their fds at
 * once already takes them out of the epoll set.
 *
 * Splicing: the proxy's first answer on a connection may instead be an
 * offer, a message carrying (SCM_RIGHTS) the upstream TCP socket it has
 * connected for a plain CONNECT it allowed. The relay takes it only if the
 * proxy has read every byte the relay sent it (else those bytes are on their
 * way to the proxy, which then carries on as before); from then on the
 * tunnel joins the client to that socket directly, and the proxy's
 * connection stays open as the control: the proxy closing it (nono stop)
 * closes the tunnel, and the tunnel closing closes it.
 */
#include "relay-loop.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "die.h"

#define MAX_EVENTS 256
#define PIPE_SIZE (1 << 18)
/* How often, and how many times, a connect refused by a full proxy backlog is retried. */
#define RETRY_MS 10
#define RETRY_LIMIT 500

/*
 * An offer: this header, then reply_len bytes for the client (the proxy's
 * "200 Connection Established", or nothing for a forwarded port), in one
 * message with one fd. Little-endian, as the daemon writes it.
 */
#define OFFER_MAGIC "NONO-FD1"
#define OFFER_HEADER 20 /* magic[8], consumed u64, reply_len u32 */
#define OFFER_MAX 512

enum endpoint_kind { LISTENER, CLIENT, UPSTREAM, CONTROL };

/* The first member of everything the epoll set points at. */
struct endpoint {
	enum endpoint_kind kind;
	int fd;
};

/* One direction: bytes read from one socket, queued in a pipe, written to the other. */
struct flow {
	int pipe[2];
	size_t queued;
	uint64_t sent; /* written to the destination, the preamble included */
	bool ended; /* the source reached end of file */
	bool shut;  /* and that was passed on with shutdown(SHUT_WR) */
};

struct listener {
	struct endpoint endpoint; /* first: the epoll set points at it */
	const char *preamble;
	size_t preamble_len;
};

struct tunnel {
	const struct listener *from;
	struct endpoint client;   /* the command's TCP connection */
	struct endpoint upstream; /* the proxy's unix socket, or once spliced the proxy's TCP socket */
	struct endpoint control;  /* once spliced: the proxy's unix socket; -1 before */
	struct flow out;          /* client to upstream */
	struct flow in;           /* upstream to client */
	bool answered;            /* the proxy's first bytes (or offer) have arrived */
	bool closed;
	unsigned connect_attempts;
	struct tunnel *next; /* in the waiting or the closed list */
};

struct relay {
	int epoll_fd;
	struct listener *listeners;
	size_t listener_count;
	bool paused; /* listeners out of the epoll set: no fds, or max_tunnels reached */
	size_t tunnels;
	size_t max_tunnels;
	struct sockaddr_un upstream;
	struct tunnel *waiting; /* accepted, upstream connect refused for a full backlog */
	struct tunnel *closed;  /* to be freed after the current batch */
	bool warned;
};

static struct tunnel *tunnel_of(struct endpoint *endpoint)
{
	if (endpoint->kind == CLIENT)
		return (struct tunnel *)((char *)endpoint - offsetof(struct tunnel, client));
	if (endpoint->kind == CONTROL)
		return (struct tunnel *)((char *)endpoint - offsetof(struct tunnel, control));
	return (struct tunnel *)((char *)endpoint - offsetof(struct tunnel, upstream));
}

static void close_fd(int fd)
{
	/* EINTR still closes on Linux; anything else is a bug worth stopping for. */
	if (fd >= 0 && close(fd) < 0 && errno != EINTR)
		die("proxy relay: close: %s", strerror(errno));
}

static void watch(struct relay *relay, struct endpoint *endpoint, uint32_t events)
{
	struct epoll_event event = { .events = events, .data.ptr = endpoint };

	if (epoll_ctl(relay->epoll_fd, EPOLL_CTL_ADD, endpoint->fd, &event) < 0)
		die("proxy relay: epoll_ctl: %s", strerror(errno));
}

static void unwatch(struct relay *relay, struct endpoint *endpoint)
{
	if (epoll_ctl(relay->epoll_fd, EPOLL_CTL_DEL, endpoint->fd, NULL) < 0)
		die("proxy relay: epoll_ctl: %s", strerror(errno));
}

/*
 * Listeners are level-triggered: one watched again reports its backlog at
 * once. They resume when a tunnel has closed or a retry interval has passed,
 * so running out of fds cannot become a busy loop of failing accepts.
 */
static void pause_listeners(struct relay *relay)
{
	if (relay->paused)
		return;
	for (size_t i = 0; i < relay->listener_count; i++)
		unwatch(relay, &relay->listeners[i].endpoint);
	relay->paused = true;
}

static void resume_listeners(struct relay *relay)
{
	if (!relay->paused || relay->tunnels >= relay->max_tunnels)
		return;
	for (size_t i = 0; i < relay->listener_count; i++)
		watch(relay, &relay->listeners[i].endpoint, EPOLLIN);
	relay->paused = false;
}

/* Once per relay: a proxy that is gone would otherwise print a line per connection. */
static void warn_once(struct relay *relay, const char *what, int err)
{
	if (relay->warned)
		return;
	relay->warned = true;
	warn("proxy relay: %s %s: %s (is nonod's proxy for this session running?)", what,
	     relay->upstream.sun_path, strerror(err));
}

static void close_tunnel(struct relay *relay, struct tunnel *tunnel)
{
	if (tunnel->closed)
		return;
	tunnel->closed = true;
	/* The proxy keeps its copy of a spliced socket until it sees the control close: end it now. */
	if (tunnel->control.fd >= 0 && shutdown(tunnel->upstream.fd, SHUT_RDWR) < 0 &&
	    errno != ENOTCONN)
		die("proxy relay: shutdown: %s", strerror(errno));
	close_fd(tunnel->control.fd);
	close_fd(tunnel->client.fd);
	close_fd(tunnel->upstream.fd);
	for (int i = 0; i < 2; i++) {
		close_fd(tunnel->out.pipe[i]);
		close_fd(tunnel->in.pipe[i]);
	}
	tunnel->next = relay->closed;
	relay->closed = tunnel;
	relay->tunnels--;
}

/*
 * Moves what the kernel lets it in one direction; false when the tunnel
 * must close (a reset, or a peer gone while bytes were still queued for it).
 */
static bool pump(struct flow *flow, int from, int to)
{
	for (;;) {
		bool moved = false;

		if (!flow->ended) {
			ssize_t n = splice(from, NULL, flow->pipe[1], NULL, 1 << 20,
					   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0)
				flow->queued += (size_t)n;
			else if (n == 0)
				flow->ended = true;
			else if (errno != EAGAIN && errno != EINTR)
				return false;
			moved |= n >= 0;
		}
		if (flow->queued > 0) {
			ssize_t n = splice(flow->pipe[0], NULL, to, NULL, flow->queued,
					   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				flow->queued -= (size_t)n;
				flow->sent += (size_t)n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR)
				return false;
			moved |= n > 0;
		}
		if (flow->ended && flow->queued == 0 && !flow->shut) {
			if (shutdown(to, SHUT_WR) < 0 && errno != ENOTCONN)
				return false;
			flow->shut = true;
		}
		if (!moved || flow->shut)
			return true;
	}
}

/*
 * The fd of the one SCM_RIGHTS message, -1 if none; -2 if anything else
 * came (more fds than room, which the kernel has already dropped, or other
 * control messages): then the fd that did arrive is closed, and so is the
 * tunnel.
 */
static int received_fd(struct msghdr *msg)
{
	int fd = -1;
	bool other = (msg->msg_flags & MSG_CTRUNC) != 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)) && fd == -1)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
		else
			other = true;
	}
	if (!other)
		return fd;
	close_fd(fd);
	return -2;
}

/*
 * Threat: an fd is a capability; only nonod may hand one over. Only the
 * proxy's own connection is ever read with recvmsg, and its peer must be
 * outside the sandbox's pid namespace (SO_PEERCRED says pid 0 there): every
 * process of the sandbox has a pid in it, nonod has none.
 */
static bool from_proxy(int unix_fd)
{
	struct ucred peer;
	socklen_t len = sizeof(peer);

	return getsockopt(unix_fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) == 0 && peer.pid == 0;
}

/* A connected TCP socket, nothing else (no pipe, file or unix socket posing as one). */
static bool is_tcp(int fd)
{
	struct stat st;
	int domain, type;
	socklen_t len = sizeof(int), len2 = sizeof(int);

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
	       getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
	       getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len2) == 0 &&
	       (domain == AF_INET || domain == AF_INET6) && type == SOCK_STREAM;
}

/*
 * Joins the client to the offered socket, if the proxy has read all that
 * was sent to it (consumed); else declines by closing the fd, and the proxy,
 * finding those bytes after its offer, carries the tunnel itself. False when
 * the tunnel must close: a malformed offer, or one not from the proxy.
 */
static bool take_offer(struct relay *relay, struct tunnel *tunnel, const char *msg, size_t len,
		       int fd)
{
	uint64_t consumed = 0;
	uint32_t reply_len = 0;
	int one = 1;
	bool valid = len >= OFFER_HEADER && memcmp(msg, OFFER_MAGIC, 8) == 0 &&
		     from_proxy(tunnel->upstream.fd) && is_tcp(fd);

	if (valid) {
		memcpy(&consumed, msg + 8, sizeof(consumed));
		memcpy(&reply_len, msg + 16, sizeof(reply_len));
		consumed = le64toh(consumed);
		reply_len = le32toh(reply_len);
		valid = reply_len == len - OFFER_HEADER;
	}
	if (!valid || tunnel->out.sent != consumed) {
		close_fd(fd);
		return valid;
	}
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
	    (reply_len > 0 &&
	     write(tunnel->in.pipe[1], msg + OFFER_HEADER, reply_len) != (ssize_t)reply_len)) {
		close_fd(fd);
		return false;
	}
	tunnel->in.queued = reply_len;
	unwatch(relay, &tunnel->upstream);
	tunnel->control.fd = tunnel->upstream.fd;
	tunnel->upstream.fd = fd;
	/* A client end already passed on to the proxy is passed on again, to the new peer. */
	tunnel->out.shut = false;
	watch(relay, &tunnel->control, EPOLLIN | EPOLLRDHUP | EPOLLET);
	watch(relay, &tunnel->upstream, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
	return true;
}

/*
 * The proxy's first answer: ordinary bytes go to the client through the
 * pipe (empty still, and larger than one read), an offer is taken. After it,
 * bytes are spliced, and an fd the proxy might send is never received.
 */
static bool take_answer(struct relay *relay, struct tunnel *tunnel)
{
	char buf[OFFER_MAX];
	union {
		char space[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.space,
		.msg_controllen = sizeof(control.space),
	};
	ssize_t n = recvmsg(tunnel->upstream.fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	int fd = received_fd(&msg);
	if (fd == -2)
		return false;
	tunnel->answered = true;
	if (fd >= 0)
		return take_offer(relay, tunnel, buf, (size_t)n, fd);
	if (n == 0) {
		tunnel->in.ended = true;
		return true;
	}
	if (write(tunnel->in.pipe[1], buf, (size_t)n) != n)
		return false;
	tunnel->in.queued = (size_t)n;
	return true;
}

/* Once spliced, the proxy sends nothing more: bytes or an end on the control both close. */
static bool control_quiet(struct tunnel *tunnel)
{
	char byte;
	ssize_t n = recv(tunnel->control.fd, &byte, 1, MSG_DONTWAIT);

	return n < 0 && (errno == EAGAIN || errno == EINTR);
}

static void pump_tunnel(struct relay *relay, struct tunnel *tunnel)
{
	if ((tunnel->control.fd >= 0 && !control_quiet(tunnel)) ||
	    !pump(&tunnel->out, tunnel->client.fd, tunnel->upstream.fd) ||
	    (!tunnel->answered && !take_answer(relay, tunnel)) ||
	    (tunnel->answered && !pump(&tunnel->in, tunnel->upstream.fd, tunnel->client.fd)) ||
	    (tunnel->out.shut && tunnel->in.shut))
		close_tunnel(relay, tunnel);
}

/*
 * Returns 0 once connected, else the errno; EAGAIN means the proxy's backlog
 * is full. The preamble goes first, before any event can pump client bytes;
 * a few hundred bytes into a new connection's empty buffer are never cut short.
 */
static int connect_upstream(struct relay *relay, struct tunnel *tunnel)
{
	if (connect(tunnel->upstream.fd, (struct sockaddr *)&relay->upstream,
		    sizeof(relay->upstream)) < 0)
		return errno;
	if (tunnel->from->preamble) {
		ssize_t n = send(tunnel->upstream.fd, tunnel->from->preamble,
				 tunnel->from->preamble_len, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN ? EIO : errno;
		if ((size_t)n != tunnel->from->preamble_len)
			return EIO;
		tunnel->out.sent = (size_t)n;
	}
	/* Edge-triggered, with both directions: any change on either side pumps the tunnel. */
	watch(relay, &tunnel->client, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
	watch(relay, &tunnel->upstream, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
	return 0;
}

static bool make_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return false;
	fcntl(fds[1], F_SETPIPE_SZ, PIPE_SIZE);
	return true;
}

/*
 * NULL when the fds (or the kernel's memory) ran out: the client is closed,
 * and accepting pauses until a tunnel closes or a retry interval passes.
 */
static struct tunnel *new_tunnel(struct relay *relay, const struct listener *from, int client_fd)
{
	struct tunnel *tunnel = calloc(1, sizeof(*tunnel));

	if (!tunnel)
		die("proxy relay: out of memory");
	*tunnel = (struct tunnel){
		.from = from,
		.client = { CLIENT, client_fd },
		.upstream = { UPSTREAM, -1 },
		.control = { CONTROL, -1 },
		.out.pipe = { -1, -1 },
		.in.pipe = { -1, -1 },
	};
	relay->tunnels++;
	tunnel->upstream.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (tunnel->upstream.fd >= 0 && make_pipe(tunnel->out.pipe) && make_pipe(tunnel->in.pipe))
		return tunnel;
	close_tunnel(relay, tunnel);
	pause_listeners(relay);
	return NULL;
}

static void start_tunnel(struct relay *relay, const struct listener *from, int client_fd)
{
	struct tunnel *tunnel = new_tunnel(relay, from, client_fd);
	int one = 1;

	if (!tunnel)
		return;
	/* Small writes (a TLS handshake, an HTTP request) must not wait for an ACK. */
	if (setsockopt(client_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		die("proxy relay: TCP_NODELAY: %s", strerror(errno));
	int err = connect_upstream(relay, tunnel);
	if (err == EAGAIN) {
		tunnel->next = relay->waiting;
		relay->waiting = tunnel;
	} else if (err != 0) {
		warn_once(relay, "cannot connect to", err);
		close_tunnel(relay, tunnel);
	}
}

static void accept_all(struct relay *relay, const struct listener *listener)
{
	while (!relay->paused) {
		int fd = accept4(listener->endpoint.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			       errno == ENOMEM)) {
			pause_listeners(relay);
			return;
		}
		/* The client gave up before it was accepted (ECONNABORTED, ...): next one. */
		if (fd < 0)
			continue;
		start_tunnel(relay, listener, fd);
		if (relay->tunnels >= relay->max_tunnels)
			pause_listeners(relay);
	}
}

static void retry_waiting(struct relay *relay)
{
	struct tunnel *list = relay->waiting;

	relay->waiting = NULL;
	while (list) {
		struct tunnel *tunnel = list;
		int err = connect_upstream(relay, tunnel);

		list = tunnel->next;
		if (err == EAGAIN && ++tunnel->connect_attempts < RETRY_LIMIT) {
			tunnel->next = relay->waiting;
			relay->waiting = tunnel;
		} else if (err != 0) {
			warn_once(relay, "gave up connecting to", err);
			close_tunnel(relay, tunnel);
		}
	}
}

static void free_closed(struct relay *relay)
{
	while (relay->closed) {
		struct tunnel *tunnel = relay->closed;

		relay->closed = tunnel->next;
		free(tunnel);
	}
}

static void handle(struct relay *relay, struct endpoint *endpoint)
{
	if (endpoint->kind == LISTENER) {
		accept_all(relay, (const struct listener *)endpoint);
		return;
	}
	struct tunnel *tunnel = tunnel_of(endpoint);
	if (!tunnel->closed)
		pump_tunnel(relay, tunnel);
}

void relay_run(const struct relay_listener *listeners, size_t count, size_t max_tunnels,
	       const char *upstream)
{
	struct relay relay = { .max_tunnels = max_tunnels };
	struct epoll_event events[MAX_EVENTS];

	relay.upstream.sun_family = AF_UNIX;
	if (strlen(upstream) >= sizeof(relay.upstream.sun_path))
		die("proxy relay: socket path %s is too long", upstream);
	strcpy(relay.upstream.sun_path, upstream);
	relay.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (relay.epoll_fd < 0)
		die("proxy relay: epoll_create1: %s", strerror(errno));
	relay.listeners = calloc(count, sizeof(*relay.listeners));
	if (!relay.listeners)
		die("proxy relay: out of memory");
	for (size_t i = 0; i < count; i++)
		relay.listeners[relay.listener_count++] = (struct listener){
			.endpoint = { LISTENER, listeners[i].fd },
			.preamble = listeners[i].preamble,
			.preamble_len = listeners[i].preamble_len,
		};
	relay.paused = true;
	resume_listeners(&relay);
	for (;;) {
		int timeout = relay.waiting || relay.paused ? RETRY_MS : -1;
		int n = epoll_wait(relay.epoll_fd, events, MAX_EVENTS, timeout);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("proxy relay: epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++)
			handle(&relay, events[i].data.ptr);
		retry_waiting(&relay);
		if (relay.closed || n == 0)
			resume_listeners(&relay);
		free_closed(&relay);
	}
}
