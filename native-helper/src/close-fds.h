/*
 * Closing what the helper inherited beyond stdio, so the command cannot use
 * descriptors opened outside the sandbox (Landlock checks at open, not use).
 */
#ifndef NONO_CLOSE_FDS_H
#define NONO_CLOSE_FDS_H

#include <stddef.h>

/* Closes every fd >= 3. */
void close_stray_fds(void);

/* Closes every fd >= 3 but the count in keep (each >= 3, in ascending order). */
void close_stray_fds_except(const int *keep, size_t count);

#endif
