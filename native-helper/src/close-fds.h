/*
 * Closing what the helper inherited beyond stdio, so the command cannot use
 * descriptors opened outside the sandbox (Landlock checks at open, not use).
 */
#ifndef NONO_CLOSE_FDS_H
#define NONO_CLOSE_FDS_H

/* Closes every fd >= 3. */
void close_stray_fds(void);

#endif
