/*
 * escape-probe: one attempted escape per run, for the attack tests to start
 * inside the sandbox. Prints "ok" (exit 0) when the attempt worked, or
 * "denied: <error> (errno N)" (exit 1) when the kernel refused it; 2 is usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

struct op {
	const char *name;
	int argc;
	const char *usage;
	int (*run)(char **args);
};

static int ok(void)
{
	puts("ok");
	return 0;
}

static int denied(void)
{
	int err = errno;

	printf("denied: %s (errno %d)\n", strerror(err), err);
	return 1;
}

static void usage_error(const char *message)
{
	fprintf(stderr, "escape-probe: %s\n", message);
	exit(2);
}

static long number(const char *s, long min, long max)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || value < min || value > max)
		usage_error("bad number");
	return value;
}

static struct sockaddr_in inet_address(const char *host, const char *port)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)number(port, 0, 65535)),
	};

	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
		usage_error("HOST must be an IPv4 address");
	return addr;
}

static int tcp_connect(char **args)
{
	struct sockaddr_in addr = inet_address(args[0], args[1]);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return denied();
	if (send(fd, "hello", 5, MSG_NOSIGNAL) != 5)
		return denied();
	return ok();
}

static int tcp_bind(char **args)
{
	struct sockaddr_in addr = inet_address("127.0.0.1", args[0]);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return denied();
	return ok();
}

static int udp_send(char **args)
{
	struct sockaddr_in addr = inet_address(args[0], args[1]);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || sendto(fd, "hello", 5, 0, (struct sockaddr *)&addr, sizeof(addr)) != 5)
		return denied();
	return ok();
}

/* Connects to addr (len bytes); returns the socket or -1 with errno set. */
static int unix_connect_to(const struct sockaddr_un *addr, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)addr, len) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static struct sockaddr_un unix_address(const char *path, size_t offset)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (offset + strlen(path) >= sizeof(addr.sun_path))
		usage_error("socket name too long");
	memcpy(addr.sun_path + offset, path, strlen(path));
	return addr;
}

/*
 * Abstract names are compared with their length, and Node (libuv) binds
 * "\0NAME" padded with NULs to the whole sun_path. So try the exact name,
 * then, if nobody listens there, Node's padded form.
 */
static int abstract_connect(char **args)
{
	struct sockaddr_un addr = unix_address(args[0], 1);
	socklen_t exact = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(args[0]));

	if (unix_connect_to(&addr, exact) >= 0)
		return ok();
	if (errno == ECONNREFUSED && unix_connect_to(&addr, sizeof(addr)) >= 0)
		return ok();
	return denied();
}

static int unix_connect(char **args)
{
	struct sockaddr_un addr = unix_address(args[0], 0);

	if (unix_connect_to(&addr, sizeof(addr)) < 0)
		return denied();
	return ok();
}

static int ptrace_attach(char **args)
{
	pid_t pid = (pid_t)number(args[0], 1, 1 << 30);
	int status;

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
		return denied();
	if (waitpid(pid, &status, __WALL) < 0 || ptrace(PTRACE_DETACH, pid, NULL, NULL) < 0)
		return denied();
	return ok();
}

static int send_signal(char **args)
{
	if (kill((pid_t)number(args[0], 1, 1 << 30), (int)number(args[1], 0, 64)) < 0)
		return denied();
	return ok();
}

static int io_uring(char **args)
{
	struct io_uring_params params = { 0 };

	(void)args;
	long fd = syscall(SYS_io_uring_setup, 1, &params);
	if (fd < 0)
		return denied();
	return ok();
}

static int add_key(char **args)
{
	(void)args;
	if (syscall(SYS_add_key, "user", "nono-escape-probe", "x", 1,
		    KEY_SPEC_SESSION_KEYRING) < 0)
		return denied();
	return ok();
}

static int tiocsti(char **args)
{
	(void)args;
	if (ioctl(0, TIOCSTI, "x") < 0)
		return denied();
	return ok();
}

static int read_file(char **args)
{
	char buf[4096];
	ssize_t n;
	int fd = open(args[0], O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return denied();
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		return denied();
	return ok();
}

static int write_file(char **args)
{
	int fd = open(args[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, "escaped\n", 8) != 8)
		return denied();
	return ok();
}

static int truncate_file(char **args)
{
	if (truncate(args[0], 0) < 0)
		return denied();
	return ok();
}

static int unlink_file(char **args)
{
	if (unlink(args[0]) < 0)
		return denied();
	return ok();
}

static const struct op ops[] = {
	{ "tcp-connect", 2, "HOST PORT", tcp_connect },
	{ "tcp-bind", 1, "PORT", tcp_bind },
	{ "udp-send", 2, "HOST PORT", udp_send },
	{ "abstract-connect", 1, "NAME", abstract_connect },
	{ "unix-connect", 1, "PATH", unix_connect },
	{ "ptrace-attach", 1, "PID", ptrace_attach },
	{ "kill", 2, "PID SIG", send_signal },
	{ "io-uring", 0, "", io_uring },
	{ "keyctl", 0, "", add_key },
	{ "tiocsti", 0, "", tiocsti },
	{ "read-file", 1, "PATH", read_file },
	{ "write-file", 1, "PATH", write_file },
	{ "truncate", 1, "PATH", truncate_file },
	{ "unlink", 1, "PATH", unlink_file },
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc >= 2 && i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(argv[1], ops[i].name) != 0)
			continue;
		if (argc - 2 != ops[i].argc) {
			fprintf(stderr, "usage: escape-probe %s %s\n", ops[i].name, ops[i].usage);
			return 2;
		}
		return ops[i].run(argv + 2);
	}
	fputs("usage: escape-probe OP ARGS...\nops:", stderr);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		fprintf(stderr, " %s", ops[i].name);
	fputs("\n", stderr);
	return 2;
}
