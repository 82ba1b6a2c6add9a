/*
 * The sandbox's own network namespace (net proxied): nothing in it but a
 * loopback interface, so no packet can leave and no host service answers.
 */
#ifndef NONO_NETWORK_NAMESPACE_H
#define NONO_NETWORK_NAMESPACE_H

/*
 * Brings "lo" up (a new namespace has it down), so 127.0.0.1 and ::1 work
 * for the proxy relay. Run by init, which holds CAP_NET_ADMIN over the
 * namespace. Any failure is fatal (exit 125).
 */
void bring_up_loopback(void);

#endif
