/* How both Node-API modules report a failed system call. */
#ifndef NONO_THROW_ERRNO_H
#define NONO_THROW_ERRNO_H

#include <node_api.h>
#include <string.h>

/* The error's code is the errno's name (EAGAIN, EPIPE, ...), as Node's own errors have it. */
static inline napi_value throw_errno(napi_env env, int err)
{
	const char *name = strerrorname_np(err);

	napi_throw_error(env, name ? name : "EIO", strerror(err));
	return NULL;
}

#endif
