/*
 * escape-probe: one attempted escape per run, for the attack tests to start
 * inside the sandbox. Prints "ok" (exit 0) when the attempt worked, or
 * "denied: <error> (errno N)" (exit 1) when the kernel refused it; 2 is usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
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

static long number_in_base(const char *s, int base, long min, long max)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(s, &end, base);
	if (errno != 0 || end == s || *end != '\0' || value < min || value > max)
		usage_error("bad number");
	return value;
}

static long number(const char *s, long min, long max)
{
	return number_in_base(s, 10, min, max);
}

/* A file mode in octal, as chmod takes it: 4755. */
static mode_t file_mode(const char *s)
{
	return (mode_t)number_in_base(s, 8, 0, 07777);
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

/* Connects to HOST:PORT; exits with "denied" on failure. */
static int tcp_connected(const char *host, const char *port)
{
	struct sockaddr_in addr = inet_address(host, port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		exit(denied());
	return fd;
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)((i * 7 + i / 251) % 256);
}

/* Reads exactly len bytes (fewer only at end of file); returns how many. */
static size_t read_full(int fd, char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return done;
}

/*
 * For the relay tests' stand-in proxy, which answers "proxy-ok\n" and echoes:
 * sends BYTES of a pattern (from a child, so neither side waits on a full
 * socket), half-closes, and checks the greeting and every echoed byte.
 */
static int tcp_roundtrip(char **args)
{
	size_t total = (size_t)number(args[2], 0, 1L << 40);
	int fd = tcp_connected(args[0], args[1]);
	static char buf[1 << 16];
	char greeting[9];
	pid_t writer = fork();

	if (writer < 0)
		return denied();
	if (writer == 0) {
		for (size_t sent = 0; sent < total;) {
			size_t len = total - sent < sizeof(buf) ? total - sent : sizeof(buf);

			for (size_t i = 0; i < len; i++)
				buf[i] = (char)pattern(sent + i);
			ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
			if (n < 0)
				_exit(1);
			sent += (size_t)n;
		}
		_exit(shutdown(fd, SHUT_WR) < 0);
	}
	if (read_full(fd, greeting, sizeof(greeting)) != sizeof(greeting) ||
	    memcmp(greeting, "proxy-ok\n", sizeof(greeting)) != 0) {
		puts("bad greeting");
		return 1;
	}
	size_t got = 0;
	for (size_t n; (n = read_full(fd, buf, sizeof(buf))) > 0; got += n) {
		for (size_t i = 0; i < n; i++) {
			if ((unsigned char)buf[i] != pattern(got + i)) {
				printf("mismatch at byte %zu\n", got + i);
				return 1;
			}
		}
	}
	int status;
	if (waitpid(writer, &status, 0) < 0 || status != 0 || got != total) {
		printf("echoed %zu of %zu bytes\n", got, total);
		return 1;
	}
	return ok();
}

/* Opens N connections at once, then sends a line on each and checks each answer. */
static int tcp_many(char **args)
{
	int count = (int)number(args[2], 1, 100000);
	const char expected[] = "proxy-ok\nhello\n";
	int *fds = calloc((size_t)count, sizeof(*fds));

	if (!fds)
		return denied();
	for (int i = 0; i < count; i++)
		fds[i] = tcp_connected(args[0], args[1]);
	for (int i = 0; i < count; i++) {
		if (send(fds[i], "hello\n", 6, MSG_NOSIGNAL) != 6)
			return denied();
	}
	for (int i = 0; i < count; i++) {
		char buf[sizeof(expected) - 1];

		if (read_full(fds[i], buf, sizeof(buf)) != sizeof(buf) ||
		    memcmp(buf, expected, sizeof(buf)) != 0) {
			printf("connection %d: wrong answer\n", i);
			return 1;
		}
		close(fds[i]);
	}
	return ok();
}

/* Reads until end of file and prints the byte count: a throughput sink. */
static int drain(int fd)
{
	static char buf[1 << 18];
	size_t total = 0;

	for (ssize_t n; (n = read(fd, buf, sizeof(buf))) != 0; total += (size_t)(n > 0 ? n : 0)) {
		if (n < 0 && errno != EINTR)
			return denied();
	}
	printf("%zu\n", total);
	return 0;
}

static int tcp_download(char **args)
{
	return drain(tcp_connected(args[0], args[1]));
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

static int unix_download(char **args)
{
	struct sockaddr_un addr = unix_address(args[0], 0);
	int fd = unix_connect_to(&addr, sizeof(addr));

	if (fd < 0)
		return denied();
	return drain(fd);
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

/*
 * Attaches and keeps PID stopped until this probe is killed: what an agent
 * would do to freeze the sandbox's init so that nothing it forwards arrives.
 */
static int ptrace_hold(char **args)
{
	pid_t pid = (pid_t)number(args[0], 1, 1 << 30);
	int status;

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0 || waitpid(pid, &status, __WALL) < 0)
		return denied();
	ok();
	fflush(stdout);
	for (;;)
		pause();
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

/* fchmodat2 (Linux 6.6) by number: libc may not wrap it, and the sandbox must not miss it. */
static int fchmodat2_path(char **args)
{
	if (syscall(452, AT_FDCWD, args[0], file_mode(args[1]), 0) < 0)
		return denied();
	return ok();
}

static int openat2_create(char **args)
{
	struct open_how how = {
		.flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		.mode = file_mode(args[1]),
	};

	if (syscall(SYS_openat2, AT_FDCWD, args[0], &how, sizeof(how)) < 0)
		return denied();
	return ok();
}

static int mknod_file(char **args)
{
	if (mknod(args[0], S_IFREG | file_mode(args[1]), 0) < 0)
		return denied();
	return ok();
}

/* What `setcap cap_setuid+ep PATH` writes: a file capability the host honours at exec. */
static int set_file_caps(char **args)
{
	struct vfs_cap_data caps = {
		.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE,
		.data = { { .permitted = 1U << CAP_SETUID } },
	};

	if (setxattr(args[0], "security.capability", &caps, XATTR_CAPS_SZ_2, 0) < 0)
		return denied();
	return ok();
}

static const struct op ops[] = {
	{ "tcp-connect", 2, "HOST PORT", tcp_connect },
	{ "tcp-bind", 1, "PORT", tcp_bind },
	{ "tcp-roundtrip", 3, "HOST PORT BYTES", tcp_roundtrip },
	{ "tcp-many", 3, "HOST PORT COUNT", tcp_many },
	{ "tcp-download", 2, "HOST PORT", tcp_download },
	{ "unix-download", 1, "PATH", unix_download },
	{ "udp-send", 2, "HOST PORT", udp_send },
	{ "abstract-connect", 1, "NAME", abstract_connect },
	{ "unix-connect", 1, "PATH", unix_connect },
	{ "ptrace-attach", 1, "PID", ptrace_attach },
	{ "ptrace-hold", 1, "PID", ptrace_hold },
	{ "kill", 2, "PID SIG", send_signal },
	{ "io-uring", 0, "", io_uring },
	{ "keyctl", 0, "", add_key },
	{ "tiocsti", 0, "", tiocsti },
	{ "read-file", 1, "PATH", read_file },
	{ "write-file", 1, "PATH", write_file },
	{ "truncate", 1, "PATH", truncate_file },
	{ "unlink", 1, "PATH", unlink_file },
	{ "fchmodat2", 2, "PATH MODE", fchmodat2_path },
	{ "openat2-create", 2, "PATH MODE", openat2_create },
	{ "mknod-file", 2, "PATH MODE", mknod_file },
	{ "set-file-caps", 1, "PATH", set_file_caps },
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
