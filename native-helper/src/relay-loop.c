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
 */
#include "relay-loop.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "die.h"

#define MAX_EVENTS 256
#define PIPE_SIZE (1 << 18)
/* How often, and how many times, a connect refused by a full proxy backlog is retried. */
#define RETRY_MS 10
#define RETRY_LIMIT 500

enum endpoint_kind { LISTENER, CLIENT, UPSTREAM };

/* The first member of everything the epoll set points at. */
struct endpoint {
	enum endpoint_kind kind;
	int fd;
};

/* One direction: bytes read from one socket, queued in a pipe, written to the other. */
struct flow {
	int pipe[2];
	size_t queued;
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
	struct endpoint upstream; /* the proxy's unix socket */
	struct flow out;          /* client to upstream */
	struct flow in;           /* upstream to client */
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
			if (n > 0)
				flow->queued -= (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != EINTR)
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

static void pump_tunnel(struct relay *relay, struct tunnel *tunnel)
{
	if (!pump(&tunnel->out, tunnel->client.fd, tunnel->upstream.fd) ||
	    !pump(&tunnel->in, tunnel->upstream.fd, tunnel->client.fd) ||
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
