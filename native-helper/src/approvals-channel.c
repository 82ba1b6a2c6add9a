/*
 * Threat: whoever answers on this socket decides what the sandbox may open.
 * The helper connects before anything runs in the sandbox, and nonod must
 * check the peer (SO_PEERCRED) is the helper it started; the path sits in
 * nonod's 0700 runtime directory.
 */
#include "approvals-channel.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "die.h"

int approvals_channel_connect(const char *path)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };

	if (path[0] != '/' || strlen(path) >= sizeof(address.sun_path))
		die("--approvals-socket needs an absolute path shorter than %zu bytes, got \"%s\"",
		    sizeof(address.sun_path), path);
	memcpy(address.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("cannot create the approvals socket: %s", strerror(errno));
	while (connect(fd, (const struct sockaddr *)&address, sizeof(address)) < 0) {
		if (errno != EINTR)
			die("cannot connect to nonod's approvals socket %s: %s (is nonod running?); "
			    "nothing was run", path, strerror(errno));
	}
	return fd;
}
