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
#include <termios.h>
#include <unistd.h>

#include "daemon-run.h"
#include "launch-wire.h"
#include "runtime-dir.h"
#include "wire-buffer.h"

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
	char line[64];
	long pid;

	int sock = connect_own_socket(LAUNCH_SOCKET_NAME);
	if (sock < 0)
		return -1;
	if (!read_line(sock, line, sizeof(line), READY_TIMEOUT_MS) || sscanf(line, LAUNCH_READY " %ld", &pid) != 1 || pid <= 1) {
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

struct request {
	struct wire_buffer payload;
	int cwd;
};

/* Everything the warm client is sent, gathered before anything is: a failure here leaves the slow way open. */
static bool build_request(struct request *req, int argc, char **argv, const char *secret)
{
	char number[32];
	mode_t mask = umask(0);

	umask(mask);
	*req = (struct request){ .cwd = -1 };
	bool built = wire_add_string(&req->payload, secret, LAUNCH_MAX_PAYLOAD);
	snprintf(number, sizeof(number), "%o", (unsigned)mask);
	built = built && wire_add_string(&req->payload, number, LAUNCH_MAX_PAYLOAD);
	snprintf(number, sizeof(number), "%d", argc - 1);
	built = built && wire_add_string(&req->payload, number, LAUNCH_MAX_PAYLOAD);
	for (int i = 1; built && i < argc; i++)
		built = wire_add_string(&req->payload, argv[i], LAUNCH_MAX_PAYLOAD);
	for (char **e = environ; built && *e; e++)
		built = wire_add_string(&req->payload, *e, LAUNCH_MAX_PAYLOAD);
	req->cwd = built ? open(".", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	if (req->cwd < 0) {
		wire_free(&req->payload);
		return false;
	}
	return true;
}

static bool send_request(int sock, const struct request *req)
{
	return launch_send_header(sock, req->cwd, (uint32_t)req->payload.length) && send_all(sock, req->payload.data, req->payload.length);
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

/* Room for the daemon's secret (read_secret); wiped in full once sent. */
#define SECRET_SIZE 256

/* The command through a warm client, or the Node client when none answers. */
static int through_client(int argc, char **argv, char *secret)
{
	struct request req;
	struct termios saved;

	bool built = build_request(&req, argc, argv, secret);
	explicit_bzero(secret, SECRET_SIZE);
	if (!built)
		become_node_client(argv);
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
	wire_free(&req.payload);
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

int main(int argc, char **argv)
{
	char secret[SECRET_SIZE];
	char *report;

	open_missing_stdio();
	/*
	 * A background job reading or setting our terminal is stopped by the kernel (SIGTTIN/SIGTTOU),
	 * but the warm client has no controlling terminal and would not be: such a job takes the slow way.
	 */
	if (isatty(0) && tcgetpgrp(0) != getpgrp())
		become_node_client(argv);
	if (!read_secret(secret, sizeof(secret)))
		become_node_client(argv);
	/* The daemon first: a `nono run` it serves itself starts no Node process (daemon-run.h). */
	int code = daemon_run(argc, argv, secret, &report);
	if (code == DAEMON_NOT_RUN)
		return through_client(argc, argv, secret);
	if (report == NULL) {
		explicit_bzero(secret, sizeof(secret));
		return code;
	}
	/* What the Node client prints after such a run, by its own code; it exits with the run's status. */
	char *report_argv[] = { argv[0], "run-report", report, NULL };
	return through_client(3, report_argv, secret);
}
