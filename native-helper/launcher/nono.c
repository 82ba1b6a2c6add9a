/*
 * `nono`, the command users type. Node takes about 25 ms to reach a script's first line, more
 * than the whole sandboxed run of a short command, so the daemon keeps a Node client started
 * ahead of time (daemon/src/launch/warm-clients.ts runs client/bin/warm-client.cjs). This
 * program parses no option: it hands that client its arguments, environment, umask, working
 * directory and standard fds, forwards signals to it, and exits as it exits. Without a warm
 * client (no daemon yet, a daemon of another user, a stalled one) it becomes the Node client
 * itself, nono.cjs beside it: the same command either way, parsed by the same code.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "launch-wire.h"

extern char **environ;

static int worker_pidfd = -1;
static volatile sig_atomic_t last_signal;
/* Set once a signal that ends the job arrived: the client must run to act on it, stopped or not. */
static volatile sig_atomic_t ending;

/* Node's own start (before its first line) opens /dev/null for a closed 0, 1 or 2; so do we. */
static void open_missing_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (null != fd)
			_exit(125);
	}
}

static void become_node_client(char **argv)
{
	char self[PATH_MAX], script[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(script, sizeof(script), "%s/nono.cjs", self);
			execv(script, argv);
		}
	}
	fprintf(stderr, "nono: cannot run the Node client beside %s (%s); reinstall nono\n", n > 0 ? self : "this program",
		strerror(errno));
	exit(125);
}

/* The runtime dir as @nono/shared's resolveNonoPaths finds it: where the daemon keeps launch.sock and its secret. */
static bool runtime_dir(char *out, size_t size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n = xdg && xdg[0] == '/' ? snprintf(out, size, "%s/nono", xdg) : snprintf(out, size, "/tmp/nono-%u", (unsigned)getuid());
	return n > 0 && (size_t)n < size;
}

static bool runtime_path(char *out, size_t size, const char *name)
{
	char dir[PATH_MAX];

	if (!runtime_dir(dir, sizeof(dir)))
		return false;
	int n = snprintf(out, size, "%s/%s", dir, name);
	return n > 0 && (size_t)n < size;
}

/* The secret proves to the warm client what auth.hello proves to the daemon: we may read it, a sandbox may not. */
static bool read_secret(char *out, size_t size)
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

/*
 * How long a warm client may take to say it is ready: one still starting usually needs less than
 * 100 ms; past this, starting the Node client here is as quick, and a warm client held up by
 * someone who can reach launch.sock (a sandbox on Landlock alone) delays a command this much.
 */
#define READY_TIMEOUT_MS 500

/* Reads one line of at most size-1 bytes, waiting at most timeout_ms for each byte. */
static bool read_line(int sock, char *out, size_t size, int timeout_ms)
{
	size_t used = 0;
	while (used < size - 1) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		int ready = poll(&p, 1, timeout_ms);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			return false;
		ssize_t n = recv(sock, out + used, 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		if (out[used] == '\n') {
			out[used] = '\0';
			return true;
		}
		used++;
	}
	return false;
}

/*
 * Connects to a warm client of our own daemon and waits for it to say it is ready. Returns the
 * connection, or -1 when there is none to use (then nothing was sent: the caller may still run
 * the command the slow way, and it runs once).
 */
static int reach_warm_client(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);
	char line[64];
	long pid;

	if (!runtime_path(addr.sun_path, sizeof(addr.sun_path), LAUNCH_SOCKET_NAME))
		return -1;
	/*
	 * Non-blocking: a full backlog (warm clients held up by whoever can reach the socket) is
	 * EAGAIN, not a wait. Threat: under /tmp another user may have made our runtime dir's name
	 * first; they get no secret.
	 */
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return -1;
	int flags;
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) < 0 || cred.uid != geteuid() ||
	    (flags = fcntl(sock, F_GETFL)) < 0 || fcntl(sock, F_SETFL, flags & ~O_NONBLOCK) < 0 ||
	    !read_line(sock, line, sizeof(line), READY_TIMEOUT_MS) || sscanf(line, LAUNCH_READY " %ld", &pid) != 1 ||
	    pid <= 1) {
		close(sock);
		return -1;
	}
	worker_pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (worker_pidfd < 0) {
		close(sock);
		return -1;
	}
	return sock;
}

static bool append(char **buf, size_t *len, size_t *cap, const char *text)
{
	size_t n = strlen(text) + 1;
	if (*len + n > LAUNCH_MAX_PAYLOAD)
		return false;
	if (*len + n > *cap) {
		size_t next = *cap ? *cap * 2 : 65536;
		while (next < *len + n)
			next *= 2;
		char *grown = realloc(*buf, next);
		if (!grown)
			return false;
		*buf = grown;
		*cap = next;
	}
	memcpy(*buf + *len, text, n);
	*len += n;
	return true;
}

static bool send_all(int sock, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(sock, data, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		data += n;
		len -= (size_t)n;
	}
	return true;
}

struct request {
	char *payload;
	size_t length;
	int cwd;
};

/* Everything the warm client is sent, gathered before anything is: a failure here leaves the slow way open. */
static bool build_request(struct request *req, int argc, char **argv, const char *secret)
{
	char number[32];
	size_t cap = 0;
	mode_t mask = umask(0);

	umask(mask);
	*req = (struct request){ .cwd = -1 };
	bool built = append(&req->payload, &req->length, &cap, secret);
	snprintf(number, sizeof(number), "%o", (unsigned)mask);
	built = built && append(&req->payload, &req->length, &cap, number);
	snprintf(number, sizeof(number), "%d", argc - 1);
	built = built && append(&req->payload, &req->length, &cap, number);
	for (int i = 1; built && i < argc; i++)
		built = append(&req->payload, &req->length, &cap, argv[i]);
	for (char **e = environ; built && *e; e++)
		built = append(&req->payload, &req->length, &cap, *e);
	req->cwd = built ? open(".", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	if (req->cwd < 0) {
		free(req->payload);
		return false;
	}
	return true;
}

static bool send_request(int sock, const struct request *req)
{
	return launch_send_header(sock, req->cwd, (uint32_t)req->length) && send_all(sock, req->payload, req->length);
}

/* The terminal's signals reach us (the foreground job), not the warm client: pass them on. */
static void forward(int sig)
{
	last_signal = sig;
	if (worker_pidfd < 0)
		return;
	syscall(SYS_pidfd_send_signal, worker_pidfd, sig, NULL, 0);
	/*
	 * A stopped client would keep these pending, and its job would never end: `kill %1` or a
	 * shell that exits with the job stopped (SIGHUP) continue it, as the kernel does a stopped job.
	 */
	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT) {
		ending = 1;
		syscall(SYS_pidfd_send_signal, worker_pidfd, SIGCONT, NULL, 0);
	}
}

/*
 * Job control. The warm client has no controlling terminal, so the kernel never stops it: a
 * client left running while its job is stopped or in the background would read what the user
 * types next at the shell. It is stopped with us (Ctrl-Z, or a background read or write), and
 * continued only while our job is in the foreground of a terminal on stdin, if stdin is one.
 */
static void stop_with_client(int sig)
{
	(void)sig;
	if (ending)
		return;
	if (worker_pidfd >= 0)
		syscall(SYS_pidfd_send_signal, worker_pidfd, SIGSTOP, NULL, 0);
	kill(getpid(), SIGSTOP);
}

static void continue_client(int sig)
{
	(void)sig;
	if (!ending && isatty(0) && tcgetpgrp(0) != getpgrp())
		stop_with_client(SIGTTIN);
	else if (worker_pidfd >= 0)
		syscall(SYS_pidfd_send_signal, worker_pidfd, SIGCONT, NULL, 0);
}

static void handle(int sig, void (*handler)(int))
{
	struct sigaction action = { .sa_handler = handler, .sa_flags = SA_RESTART };

	/* Stopping and continuing never interleave: each waits for the other's handler to return. */
	sigemptyset(&action.sa_mask);
	if (handler == stop_with_client || handler == continue_client) {
		sigaddset(&action.sa_mask, SIGTSTP);
		sigaddset(&action.sa_mask, SIGTTIN);
		sigaddset(&action.sa_mask, SIGTTOU);
		sigaddset(&action.sa_mask, SIGCONT);
	}
	if (sigaction(sig, &action, NULL) < 0) {
		perror("nono: sigaction");
		exit(125);
	}
}

static void forward_signals(void)
{
	static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGUSR1, SIGUSR2 };

	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		handle(forwarded[i], forward);
	handle(SIGTSTP, stop_with_client);
	handle(SIGTTIN, stop_with_client);
	handle(SIGTTOU, stop_with_client);
	handle(SIGCONT, continue_client);
}

#define NOT_RUN (-2)

/*
 * Waits for "exit CODE" and then, with a terminal among stdin, stdout and stderr, for the
 * connection to close, which it does when the warm client has exited: the terminal is the
 * shell's again only once the client has restored it. Without one, nothing of the client's
 * comes after that line (its output is written synchronously before it), and its teardown (5 ms
 * or so) is not waited for. NOT_RUN when the warm client turned the request down; -1 when it
 * ended without a word.
 */
static int wait_for_exit(int sock, bool until_closed)
{
	char buf[256];
	size_t used = 0;
	int code = -1;

	for (;;) {
		ssize_t n = recv(sock, buf + used, sizeof(buf) - 1 - used, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
		char *end = strchr(buf, '\n');
		if (end && code == -1 && strncmp(buf, LAUNCH_NOT_RUN "\n", strlen(LAUNCH_NOT_RUN) + 1) == 0)
			code = NOT_RUN;
		else if (end && code == -1 && sscanf(buf, "exit %d", &code) != 1)
			code = 125;
		if (end && code >= 0 && !until_closed)
			break;
		if (end || used == sizeof(buf) - 1)
			used = 0;
	}
	return code;
}

int main(int argc, char **argv)
{
	char secret[256];
	struct request req;
	struct termios saved;

	open_missing_stdio();
	/*
	 * A background job reading or setting our terminal is stopped by the kernel (SIGTTIN/SIGTTOU),
	 * but the warm client has no controlling terminal and would not be: such a job takes the slow way.
	 */
	if (isatty(0) && tcgetpgrp(0) != getpgrp())
		become_node_client(argv);
	if (!read_secret(secret, sizeof(secret)) || !build_request(&req, argc, argv, secret))
		become_node_client(argv);
	explicit_bzero(secret, sizeof(secret));
	int sock = reach_warm_client();
	if (sock < 0)
		become_node_client(argv);
	bool terminal = tcgetattr(0, &saved) == 0;
	forward_signals();
	if (!send_request(sock, &req)) {
		/* Perhaps sent in part, so perhaps started: never run a second time the slow way. */
		fprintf(stderr, "nono: could not hand the command to the warm client (%s); run it again\n", strerror(errno));
		return 125;
	}
	explicit_bzero(req.payload, req.length);
	free(req.payload);
	(void)close(req.cwd);
	int code = wait_for_exit(sock, terminal || isatty(1) || isatty(2));
	if (code == NOT_RUN)
		become_node_client(argv);
	/* A client that died without restoring the terminal (killed, out of memory) leaves it as it found it. */
	if (terminal && code < 0)
		tcsetattr(0, TCSADRAIN, &saved);
	if (code >= 0)
		return code & 0xff;
	if (last_signal != 0 && last_signal != SIGWINCH) {
		signal(last_signal, SIG_DFL);
		raise(last_signal);
	}
	fprintf(stderr, "nono: the client ended without an exit status (killed?); see `nono daemon status`\n");
	return 125;
}
