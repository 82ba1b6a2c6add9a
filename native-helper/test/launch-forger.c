/*
 * The attacker's side of launch.sock, for test/attacks/launcher.test.ts:
 *   launch-forger send SOCKET SECRET ARG...  hands a warm client a request as the launcher
 *       would, with our stdio and cwd attached and the secret given; prints "refused: ERRNO"
 *       when it cannot connect, else "exit N" or "no-exit" for what came back.
 *   launch-forger listen SOCKET OUT  squats SOCKET (mode 0777), says ready as a warm client
 *       would, and writes to OUT how many bytes a launcher then sent it.
 *   launch-forger trickle SOCKET SECONDS  announces a 4 MiB request and sends it a byte every
 *       0.2 s; prints "cut off" when the warm client hangs up first, else "held".
 *   launch-forger run SOCKET SECRET ARG...  hands run.sock (daemon-run.h) a `nono ARG...` as the
 *       launcher would; prints "refused: ERRNO" when it cannot connect, else the daemon's
 *       first frame type ("answer N", "answer a", ...) or "closed" when it hung up.
 *   launch-forger run-eager SOCKET SECRET ARG...  the same, with stdin and a signal sent in
 *       the same write as the request, before any answer.
 *   launch-forger run-huge SOCKET  announces a 64 MiB request; prints "closed" when the daemon
 *       hangs up without reading it, else "held".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../launcher/launch-wire.h"

static int fail(const char *what)
{
	printf("%s: %s\n", what, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	return 1;
}

static int send_request(const char *path, const char *secret, int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char buf[4096];
	size_t len = 0;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	int sock = socket(AF_UNIX, SOCK_STREAM, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return fail("refused");
	ssize_t n = recv(sock, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return fail("no-ready");
	len += (size_t)snprintf(buf, sizeof(buf), "%s", secret) + 1;
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "22") + 1;
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%d", argc) + 1;
	for (int i = 0; i < argc && len < sizeof(buf) - 256; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", argv[i]) + 1;
	if (!launch_send_header(sock, open(".", O_PATH | O_DIRECTORY), (uint32_t)len) || send(sock, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		return fail("send");
	char reply[256];
	size_t got = 0;
	while (got < sizeof(reply) - 1 && (n = recv(sock, reply + got, sizeof(reply) - 1 - got, 0)) > 0)
		got += (size_t)n;
	reply[got] = '\0';
	int code;
	if (sscanf(reply, "exit %d", &code) == 1)
		printf("exit %d\n", code);
	else
		printf("no-exit\n");
	return 0;
}

static int squat(const char *path, const char *out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	long total = 0;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	int sock = socket(AF_UNIX, SOCK_STREAM, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, 0777) < 0 || listen(sock, 4) < 0)
		return fail("listen");
	printf("listening\n");
	fflush(stdout);
	struct pollfd p = { .fd = sock, .events = POLLIN };
	if (poll(&p, 1, 20000) == 1) {
		int conn = accept(sock, NULL, NULL);
		char ready[32];
		int n = snprintf(ready, sizeof(ready), "ready %ld\n", (long)getpid());
		if (conn >= 0 && send(conn, ready, (size_t)n, MSG_NOSIGNAL) == n) {
			char buf[4096];
			struct pollfd c = { .fd = conn, .events = POLLIN };
			ssize_t n;
			while (poll(&c, 1, 3000) == 1 && (n = recv(conn, buf, sizeof(buf), 0)) > 0)
				total += n;
		}
	}
	FILE *f = fopen(out, "w");
	if (!f || fprintf(f, "%ld\n", total) < 0 || fclose(f) != 0)
		return fail("write");
	return 0;
}

static int trickle(const char *path, int seconds)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char ready[64];

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	int sock = socket(AF_UNIX, SOCK_STREAM, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return fail("refused");
	if (recv(sock, ready, sizeof(ready), 0) <= 0)
		return fail("no-ready");
	if (!launch_send_header(sock, open(".", O_PATH | O_DIRECTORY), LAUNCH_MAX_PAYLOAD))
		return fail("send");
	for (int i = 0; i < seconds * 5; i++) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		if (poll(&p, 1, 200) == 1 || send(sock, "x", 1, MSG_NOSIGNAL) != 1) {
			printf("cut off\n");
			return 0;
		}
	}
	printf("held\n");
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	int sock = socket(AF_UNIX, SOCK_STREAM, 0);
	if (sock >= 0 && connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(sock);
		return -1;
	}
	return sock;
}

static size_t frame_header(unsigned char *h, char type, size_t length)
{
	h[0] = (unsigned char)type;
	for (int i = 0; i < 4; i++)
		h[1 + i] = (unsigned char)(length >> (8 * i));
	return 5;
}

static int run_request(const char *path, const char *secret, int argc, char **argv, bool eager)
{
	unsigned char buf[8192];
	size_t len = 5;

	int sock = connect_to(path);
	if (sock < 0)
		return fail("refused");
	buf[len++] = 1;
	buf[len++] = 0;
	len += (size_t)snprintf((char *)buf + len, sizeof(buf) - len, "%s", secret) + 1;
	len += (size_t)snprintf((char *)buf + len, sizeof(buf) - len, "/") + 1;
	len += (size_t)snprintf((char *)buf + len, sizeof(buf) - len, "%d", argc) + 1;
	for (int i = 0; i < argc && len < sizeof(buf) - 512; i++)
		len += (size_t)snprintf((char *)buf + len, sizeof(buf) - len, "%s", argv[i]) + 1;
	frame_header(buf, 'q', len - 5);
	if (eager) {
		len += frame_header(buf + len, 'i', 6);
		memcpy(buf + len, "input\n", 6);
		len += 6;
		len += frame_header(buf + len, 's', 2);
		memcpy(buf + len, "15", 2);
		len += 2;
	}
	if (send(sock, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		return fail("send");
	unsigned char answer;
	ssize_t n = recv(sock, &answer, 1, 0);
	if (n == 1)
		printf("answer %c\n", answer);
	else
		printf("closed\n");
	return 0;
}

static int run_huge(const char *path)
{
	unsigned char h[5];

	int sock = connect_to(path);
	if (sock < 0)
		return fail("refused");
	frame_header(h, 'q', 64u << 20);
	if (send(sock, h, sizeof(h), MSG_NOSIGNAL) != (ssize_t)sizeof(h))
		return fail("send");
	struct pollfd p = { .fd = sock, .events = POLLIN };
	char byte;
	printf(poll(&p, 1, 3000) == 1 && recv(sock, &byte, 1, 0) <= 0 ? "closed\n" : "held\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "run-eager") == 0))
		return run_request(argv[2], argv[3], argc - 4, argv + 4, strcmp(argv[1], "run-eager") == 0);
	if (argc == 3 && strcmp(argv[1], "run-huge") == 0)
		return run_huge(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "send") == 0)
		return send_request(argv[2], argv[3], argc - 4, argv + 4);
	if (argc == 4 && strcmp(argv[1], "listen") == 0)
		return squat(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "trickle") == 0)
		return trickle(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: launch-forger send SOCKET SECRET ARG... | listen SOCKET OUT | trickle SOCKET SECONDS | run[-eager] SOCKET SECRET ARG... | run-huge SOCKET\n");
	return 2;
}
