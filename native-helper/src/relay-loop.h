/*
 * The proxy relay's event loop: every connection accepted on a listening
 * socket becomes a tunnel to a unix socket, copying bytes both ways.
 */
#ifndef NONO_RELAY_LOOP_H
#define NONO_RELAY_LOOP_H

#include <stddef.h>

/*
 * Accepts on the count non-blocking listeners and joins each connection to
 * a new connection to upstream (a unix socket path), at most max_tunnels at
 * once (more wait in the backlog). A side that ends is passed on as a
 * half-close (shutdown SHUT_WR); a tunnel closes when both directions have
 * ended, or at once when either side fails. Never returns.
 */
__attribute__((noreturn))
void relay_run(const int *listeners, size_t count, size_t max_tunnels, const char *upstream);

#endif
