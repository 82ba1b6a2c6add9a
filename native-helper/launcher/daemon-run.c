/*
 * The launcher's end of run.sock (daemon-run.h): hand the daemon a `nono run` and relay it, as
 * the Node client does on pipes: stdout and stderr apart, stdin as it comes, SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT passed on, the command's exit status ours. A `nono run` that starts no
 * Node process takes about half the time of one that does (bench/README.md).
 */
#include "daemon-run.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime-dir.h"
#include "wire-buffer.h"

extern char **environ;

/* A command line and environment are at most ARG_MAX (2 MiB here) for exec too. */
#define MAX_REQUEST (4u << 20)
/* The daemon sends output in the chunks it read; this bounds what the launcher accepts. */
#define MAX_FRAME (16u << 20)
#define HEADER 5

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))
static volatile sig_atomic_t pending[FORWARDED];
/* What each forwarded signal did before the run: put back for what runs after (`nohup nono run` keeps SIGHUP ignored). */
static struct sigaction before_run[FORWARDED];

static void note_signal(int sig)
{
	for (size_t i = 0; i < FORWARDED; i++)
		if (forwarded[i] == sig)
			pending[i] = 1;
}

static void put_header(unsigned char *header, char type, size_t length)
{
	header[0] = (unsigned char)type;
	for (int i = 0; i < 4; i++)
		header[1 + i] = (unsigned char)(length >> (8 * i));
}

static bool send_frame(int sock, char type, const void *data, size_t n)
{
	unsigned char header[HEADER];
	put_header(header, type, n);
	return send_all(sock, header, sizeof(header)) && send_all(sock, data, n);
}

/* The request frame, whole, before anything is sent: a failure here leaves every other way open. */
static bool build_request(struct wire_buffer *b, int argc, char **argv, const char *secret)
{
	char cwd[PATH_MAX], number[32];
	unsigned char head[2] = { RUN_WIRE_VERSION, (unsigned char)((isatty(0) ? 1 : 0) | (isatty(1) ? 2 : 0) | (isatty(2) ? 4 : 0)) };

	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		return false;
	snprintf(number, sizeof(number), "%d", argc - 1);
	const size_t limit = HEADER + MAX_REQUEST;
	bool built = wire_reserve(b, HEADER) && (b->length = HEADER) && wire_add(b, head, sizeof(head), limit) &&
		     wire_add_string(b, secret, limit) && wire_add_string(b, cwd, limit) && wire_add_string(b, number, limit);
	for (int i = 1; built && i < argc; i++)
		built = wire_add_string(b, argv[i], limit);
	for (char **e = environ; built && *e; e++)
		built = wire_add_string(b, *e, limit);
	if (built)
		put_header((unsigned char *)b->data, 'q', b->length - HEADER);
	return built;
}

/* What the daemon sent and is not handled yet. */
struct inbox {
	struct wire_buffer in;
	size_t taken;
};

/* One read from the daemon into the inbox; false at its end or on an error. */
static bool receive(int sock, struct inbox *box)
{
	if (box->taken > 0) {
		memmove(box->in.data, box->in.data + box->taken, box->in.length - box->taken);
		box->in.length -= box->taken;
		box->taken = 0;
	}
	if (!wire_reserve(&box->in, 65536))
		return false;
	ssize_t got;
	do
		got = recv(sock, box->in.data + box->in.length, box->in.capacity - box->in.length, 0);
	while (got < 0 && errno == EINTR);
	if (got <= 0)
		return false;
	box->in.length += (size_t)got;
	return true;
}

/* The next whole frame in the inbox: its type (0 when none is whole yet, or one is over MAX_FRAME: *bad). */
static char take_frame(struct inbox *box, const char **data, size_t *length, bool *bad)
{
	size_t left = box->in.length - box->taken;
	const unsigned char *h = (const unsigned char *)box->in.data + box->taken;
	if (left < HEADER)
		return 0;
	size_t n = (size_t)h[1] | (size_t)h[2] << 8 | (size_t)h[3] << 16 | (size_t)h[4] << 24;
	if (n > MAX_FRAME || h[0] == 0) {
		*bad = true;
		return 0;
	}
	if (left < HEADER + n)
		return 0;
	*data = (const char *)h + HEADER;
	*length = n;
	box->taken += HEADER + n;
	return (char)h[0];
}

/* 0, or the exit status a failed write gives: a reader that went away ends us as SIGPIPE ends a C program, 128+13. */
static int write_all(int fd, const char *data, size_t n)
{
	while (n > 0) {
		ssize_t written = write(fd, data, n);
		if (written < 0 && errno == EINTR)
			continue;
		if (written < 0 && errno == EAGAIN) {
			/* Someone made the description non-blocking: wait as a blocking write would. */
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			if (poll(&p, 1, -1) < 0 && errno != EINTR)
				return 125;
			continue;
		}
		if (written <= 0)
			return errno == EPIPE ? 141 : 125;
		data += written;
		n -= (size_t)written;
	}
	return 0;
}

static int parse_status(const char *data, size_t n)
{
	int code = 0;
	if (n == 0 || n > 3)
		return 125;
	for (size_t i = 0; i < n; i++) {
		if (data[i] < '0' || data[i] > '9')
			return 125;
		code = code * 10 + (data[i] - '0');
	}
	return code > 255 ? 125 : code;
}

static void forward_signals(sigset_t *before)
{
	sigset_t blocked;
	struct sigaction action = { .sa_handler = note_signal };

	sigemptyset(&blocked);
	sigemptyset(&action.sa_mask);
	for (size_t i = 0; i < FORWARDED; i++) {
		if (sigaction(forwarded[i], NULL, &before_run[i]) < 0) {
			perror("nono: sigaction");
			exit(125);
		}
		/* Ignored when we started (`nohup nono run`): not ours to pass on, as it would not end us. */
		if (before_run[i].sa_handler == SIG_IGN)
			continue;
		sigaddset(&blocked, forwarded[i]);
		if (sigaction(forwarded[i], &action, NULL) < 0) {
			perror("nono: sigaction");
			exit(125);
		}
	}
	/* Blocked but while waiting (ppoll), so none arrives between a check and the wait. */
	if (sigprocmask(SIG_BLOCK, &blocked, before) < 0) {
		perror("nono: sigprocmask");
		exit(125);
	}
}

/* As they were, for what runs after (`nono run-report`); a signal that came meanwhile acts now. */
static void restore_signals(const sigset_t *before)
{
	for (size_t i = 0; i < FORWARDED; i++)
		if (sigaction(forwarded[i], &before_run[i], NULL) < 0)
			exit(125);
	if (sigprocmask(SIG_SETMASK, before, NULL) < 0)
		exit(125);
}

static bool send_pending_signals(int sock)
{
	for (size_t i = 0; i < FORWARDED; i++) {
		if (!pending[i])
			continue;
		pending[i] = 0;
		char number[8];
		int n = snprintf(number, sizeof(number), "%d", forwarded[i]);
		if (!send_frame(sock, 's', number, (size_t)n))
			return false;
	}
	return true;
}

/*
 * From the session's start to its exit: output written, stdin and signals sent. Returns the
 * exit status, with *report set when the daemon asks for `nono run-report`.
 */
static int relay(int sock, struct inbox *box, char **report, const sigset_t *before)
{
	bool stdin_open = true;
	char input[65536];

	for (;;) {
		const char *data;
		size_t n;
		bool bad = false;
		char type;
		while ((type = take_frame(box, &data, &n, &bad)) != 0) {
			int failed = 0;
			if (type == 'o' || type == 'e')
				failed = write_all(type == 'o' ? 1 : 2, data, n);
			else if (type == 'r' && !*report && (*report = strndup(data, n)) == NULL)
				failed = 125;
			else if (type == 'x')
				return parse_status(data, n);
			if (failed)
				return failed;
		}
		if (bad)
			break;
		if (!send_pending_signals(sock))
			break;
		struct pollfd fds[2] = { { .fd = sock, .events = POLLIN }, { .fd = stdin_open ? 0 : -1, .events = POLLIN } };
		if (ppoll(fds, 2, NULL, before) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents != 0) {
			ssize_t got = read(0, input, sizeof(input));
			if (got < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (got > 0 ? !send_frame(sock, 'i', input, (size_t)got) : !send_frame(sock, 'd', NULL, 0))
				break;
			stdin_open = got > 0;
		}
		if (fds[0].revents != 0 && !receive(sock, box))
			break;
	}
	/* The Node client says the same (run.ts). */
	fprintf(stderr, "nono: the daemon went away before the command finished; see `nono daemon status`\n");
	return 125;
}

int daemon_run(int argc, char **argv, const char *secret, char **report)
{
	struct wire_buffer request = { 0 };
	struct inbox box = { 0 };
	int code = DAEMON_NOT_RUN;

	*report = NULL;
	int sock = build_request(&request, argc, argv, secret) ? connect_own_socket(RUN_SOCKET_NAME) : -1;
	/* A request sent in part starts nothing: the daemon acts on a whole one only. */
	bool sent = sock >= 0 && send_all(sock, request.data, request.length);
	wire_free(&request);
	/*
	 * Until the session starts, a signal ends us as it would end the Node client, and the daemon
	 * hangs up a session whose launcher left. Only 'N' means nothing ran: once the whole request
	 * is sent, any other end is the command's or a failure, never a reason to run it again.
	 */
	while (sent) {
		const char *data;
		size_t n;
		bool bad = false;
		char type = take_frame(&box, &data, &n, &bad);
		if (type == 'N')
			break;
		if (type == 0 && !bad && receive(sock, &box))
			continue;
		code = 125;
		if (type == 0) {
			fprintf(stderr, "nono: the daemon went away before the command started; see `nono daemon status`\n");
			break;
		}
		if (type == 'e' && (code = write_all(2, data, n)) != 0)
			break;
		if (type == 'r' && !*report)
			*report = strndup(data, n);
		if (type == 'x') {
			code = parse_status(data, n);
			break;
		}
		if (type == 'a') {
			sigset_t before;
			forward_signals(&before);
			code = relay(sock, &box, report, &before);
			restore_signals(&before);
			break;
		}
	}
	wire_free(&box.in);
	if (sock >= 0)
		close(sock);
	return code;
}
