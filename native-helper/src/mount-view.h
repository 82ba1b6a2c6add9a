/*
 * The private filesystem view (spec "view 1"): a read-only tmpfs root that
 * holds only the granted paths, bound from the host, plus a private /dev and
 * /proc. Whatever is not granted does not exist, rather than existing and
 * being refused, so it cannot be listed, probed or connected to.
 */
#ifndef NONO_MOUNT_VIEW_H
#define NONO_MOUNT_VIEW_H

#include "spec.h"

/*
 * Builds the view and makes it this process's root; then chdir("/"). Run by
 * the sandbox's init, with full capabilities in its own user and mount
 * namespaces. Adds Landlock rules for the view's own /dev/pts and /dev/shm
 * to spec, and sets spec->cwd (creating it in the skeleton when the grants
 * do not hold it). Any failure is fatal (exit 125).
 */
void mount_view(struct spec *spec);

#endif
