/*
 * File approvals in a view: the sandbox names files by view paths, which
 * mirror host paths only for what the view holds, so the supervisor (outside
 * the view) must tell apart a file the view shows from one only the host has.
 */
#ifndef NONO_VIEW_LOOKUP_H
#define NONO_VIEW_LOOKUP_H

#include <sys/types.h>

#include "kept-files.h"
#include "open-request.h"
#include "spec.h"

struct view_lookup {
	int root; /* O_PATH fd of the view's "/", sent by the sandbox's init */
	const struct spec *spec;
	const struct kept_files *kept; /* by inode, remembered before the sandbox ran */
};

/*
 * Decides what a held open in the view is: OPEN_FOR_KERNEL when the view
 * holds the file (or its directory, for a create), or the name cannot be
 * translated, or it is the view's own (/dev, /proc, the session's /tmp);
 * OPEN_REFUSED when the host file is one the view masks or stubs (or, for a
 * write, makes read-only); otherwise
 * OPEN_RESOLVED with host_path (PATH_MAX bytes) the canonical host file the
 * name leads to, to be asked about.
 */
enum open_reading view_lookup_resolve(const struct view_lookup *view, pid_t pid, int dirfd,
				      const char *path, int flags, char *host_path);

#endif
