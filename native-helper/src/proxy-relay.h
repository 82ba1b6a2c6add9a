/*
 * net proxied: the relay R, the sandbox's only way out. It listens on the
 * proxy port on loopback inside the sandbox's network namespace and joins
 * every connection to nonod's proxy socket, bound into the view.
 */
#ifndef NONO_PROXY_RELAY_H
#define NONO_PROXY_RELAY_H

#include <sys/types.h>

#include "spec.h"

/*
 * Called by init once Landlock and seccomp apply, so R is as confined as the
 * command. Listens on 127.0.0.1 and, if IPv6 is there, [::1] at the proxy
 * port, and on each forwarded address and port, before forking R, so the
 * command (forked later) can never find a port closed. Returns R's pid; R itself never returns, never execs, and dies
 * with init. Any failure before the fork is fatal (exit 125).
 */
pid_t start_proxy_relay(const struct spec *spec);

#endif
