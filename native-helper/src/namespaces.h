/*
 * The sandbox's init: a child in new user, mount and pid namespaces, so it
 * can build a private filesystem view without privileges on the host, and so
 * the kernel kills everything in the sandbox when init dies.
 */
#ifndef NONO_NAMESPACES_H
#define NONO_NAMESPACES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Clones the child and writes its id maps from outside: root maps every id
 * (it keeps file access to all of them, while its capabilities now only
 * reach the child's namespaces); anyone else maps just their own uid and gid.
 * Returns the child's pid in the parent and 0 in the child, which by then
 * has its maps and dies with SIGKILL if the parent dies. On failure returns
 * -1 with a reason in error (no child is left behind). no_userns (a test
 * switch) fails as if the kernel had refused with EPERM. new_net also gives
 * the child a new network namespace (net proxied), empty but for a loopback
 * interface that is still down.
 */
pid_t clone_sandbox_init(bool no_userns, bool new_net, char *error, size_t error_size);

#endif
