/* Where the daemon keeps its sockets and secret, as the launcher finds them (runtime-dir.h). */
#include "runtime-dir.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* The runtime dir as @nono/shared's resolveNonoPaths finds it: where the daemon keeps launch.sock and its secret. */
bool runtime_dir(char *out, size_t size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n = xdg && xdg[0] == '/' ? snprintf(out, size, "%s/nono", xdg) : snprintf(out, size, "/tmp/nono-%u", (unsigned)getuid());
	return n > 0 && (size_t)n < size;
}

bool runtime_path(char *out, size_t size, const char *name)
{
	char dir[PATH_MAX];

	if (!runtime_dir(dir, sizeof(dir)))
		return false;
	int n = snprintf(out, size, "%s/%s", dir, name);
	return n > 0 && (size_t)n < size;
}

/* The secret proves to the warm client what auth.hello proves to the daemon: we may read it, a sandbox may not. */
bool read_secret(char *out, size_t size)
{
	char path[PATH_MAX];
	struct stat st;

	if (!runtime_dir(path, sizeof(path)))
		return false;
	/* The daemon only ever uses one that is ours alone (0700, runtime-files.ts): anything else is not its. */
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0)
		return false;
	if (!runtime_path(path, sizeof(path), "secret"))
		return false;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid())
		n = read(fd, out, size - 1);
	if (close(fd) < 0 || n <= 0)
		return false;
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		n--;
	out[n] = '\0';
	return n > 0;
}

int connect_own_socket(const char *name)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);

	if (!runtime_path(addr.sun_path, sizeof(addr.sun_path), name))
		return -1;
	/*
	 * Non-blocking: a full backlog (the listener held up by whoever can reach the socket) is
	 * EAGAIN, not a wait. Threat: under /tmp another user may have made our runtime dir's name
	 * first; they get no secret.
	 */
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return -1;
	int flags;
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) < 0 || cred.uid != geteuid() ||
	    (flags = fcntl(sock, F_GETFL)) < 0 || fcntl(sock, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		close(sock);
		return -1;
	}
	return sock;
}
