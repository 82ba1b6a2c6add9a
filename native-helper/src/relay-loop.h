/*
 * The proxy relay's event loop: every connection accepted on a listening
 * socket becomes a tunnel to a unix socket, copying bytes both ways, or,
 * when the proxy answers with an offer, to the TCP socket it hands over.
 */
#ifndef NONO_RELAY_LOOP_H
#define NONO_RELAY_LOOP_H

#include <stddef.h>

/* A non-blocking listening socket, and what each of its tunnels first sends upstream. */
struct relay_listener {
	int fd;
	const char *preamble; /* NULL: nothing */
	size_t preamble_len;
};

/*
 * Accepts on the count listeners and joins each connection to a new
 * connection to upstream (a unix socket path), which first gets the
 * listener's preamble, at most max_tunnels at once (more wait in the backlog). A side that ends is passed on as a
 * half-close (shutdown SHUT_WR); a tunnel closes when both directions have
 * ended, or at once when either side fails. The upstream's first answer may
 * be an offer (see relay-loop.c): then the client is joined to the offered
 * socket, and the upstream connection closing closes the tunnel. Never returns.
 */
__attribute__((noreturn))
void relay_run(const struct relay_listener *listeners, size_t count, size_t max_tunnels,
	       const char *upstream);

#endif
