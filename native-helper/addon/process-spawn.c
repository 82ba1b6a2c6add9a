/*
 * Starting the sandbox helper without fork(). Node's spawn forks the whole daemon (libuv forks
 * on Linux) and waits for the exec: copying the page tables of its ~70 MB, and the
 * copy-on-write faults the daemon takes on every page it touches afterwards, cost its one
 * thread about 3 ms per session start (bench/README.md, "nono run start"). posix_spawn shares
 * the memory until the exec (clone with CLONE_VM|CLONE_VFORK): nothing is copied. The exit is
 * read from a pidfd watched on Node's own loop; libuv reaps only the pids it spawned itself.
 * glibc's posix_spawn leaves its two internal signals ignored in the child: only for a program
 * that resets them, as the helper does first thing.
 */
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "throw-errno.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* The child's fds 0 to pipes-1 are each a new socketpair (libuv's "pipe" is the same kind). */
#define MAX_PIPES 8
/* Back-off while an exited child cannot be collected yet, up to a second between looks. */
#define FIRST_RETRY_MS 10
#define LAST_RETRY_MS 1000

struct exit_watch {
	uv_poll_t poll;
	uv_timer_t retry;
	uint64_t retry_ms;
	int open_handles;
	int pidfd;
	napi_env env;
	napi_ref callback;
	napi_async_context context;
};

static void free_watch(uv_handle_t *handle)
{
	struct exit_watch *watch = handle->data;

	if (--watch->open_handles > 0)
		return;
	close(watch->pidfd);
	free(watch);
}

static void close_watch(struct exit_watch *watch)
{
	uv_close((uv_handle_t *)&watch->poll, free_watch);
	uv_close((uv_handle_t *)&watch->retry, free_watch);
}

static void report_exit(struct exit_watch *watch, const siginfo_t *info)
{
	napi_env env = watch->env;
	napi_handle_scope scope;
	napi_value callback, recv, args[2], exception;
	napi_status status;

	if (napi_open_handle_scope(env, &scope) != napi_ok)
		return;
	if (info->si_code == CLD_EXITED)
		napi_create_int32(env, info->si_status, &args[0]);
	else
		napi_get_null(env, &args[0]);
	if (info->si_code == CLD_KILLED || info->si_code == CLD_DUMPED)
		napi_create_int32(env, info->si_status, &args[1]);
	else
		napi_get_null(env, &args[1]);
	if (napi_get_reference_value(env, watch->callback, &callback) != napi_ok || napi_get_global(env, &recv) != napi_ok)
		napi_fatal_error("process-spawn", NAPI_AUTO_LENGTH, "the exit callback is gone", NAPI_AUTO_LENGTH);
	status = napi_make_callback(env, watch->context, recv, callback, 2, args, NULL);
	/* What it threw is the daemon's to hear, as from any other callback. */
	if (status == napi_pending_exception && napi_get_and_clear_last_exception(env, &exception) == napi_ok)
		napi_fatal_exception(env, exception);
	else if (status != napi_ok)
		napi_fatal_error("process-spawn", NAPI_AUTO_LENGTH, "could not report a child's exit", NAPI_AUTO_LENGTH);
	napi_delete_reference(env, watch->callback);
	napi_async_destroy(env, watch->context);
	napi_close_handle_scope(env, scope);
}

/* Collects the exit if there is one; false while the child cannot be collected yet. */
static bool collect(struct exit_watch *watch)
{
	siginfo_t info;
	int result;

	memset(&info, 0, sizeof(info));
	do
		result = (int)syscall(SYS_waitid, P_PIDFD, watch->pidfd, &info, WEXITED | WNOHANG, NULL);
	while (result < 0 && errno == EINTR);
	if (result == 0 && info.si_pid == 0)
		return false;
	/* Reaped by someone else: the status is lost, which the callback hears as two nulls. */
	if (result < 0)
		info.si_code = 0;
	uv_poll_stop(&watch->poll);
	uv_timer_stop(&watch->retry);
	report_exit(watch, &info);
	close_watch(watch);
	return true;
}

static void retry(uv_timer_t *timer)
{
	struct exit_watch *watch = timer->data;

	if (collect(watch))
		return;
	watch->retry_ms = watch->retry_ms * 2 > LAST_RETRY_MS ? LAST_RETRY_MS : watch->retry_ms * 2;
	uv_timer_start(&watch->retry, retry, watch->retry_ms, 0);
}

/*
 * The pidfd turns readable when the child exits, and stays so while a tracer (the command may
 * have a process of its own ptrace it) holds the exit back from waitid: polling it then would
 * spin the daemon's thread, so the looks move to a timer that backs off.
 */
static void on_readable(uv_poll_t *poll, int status, int events)
{
	struct exit_watch *watch = poll->data;

	(void)status;
	(void)events;
	if (collect(watch))
		return;
	uv_poll_stop(poll);
	watch->retry_ms = FIRST_RETRY_MS;
	uv_timer_start(&watch->retry, retry, watch->retry_ms, 0);
}

static char *string_of(napi_env env, napi_value value)
{
	size_t length;
	char *text;

	if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok)
		return NULL;
	text = malloc(length + 1);
	if (text && napi_get_value_string_utf8(env, value, text, length + 1, &length) != napi_ok) {
		free(text);
		return NULL;
	}
	/* A NUL inside would cut an argument short without anyone seeing it. */
	if (text && strlen(text) != length) {
		free(text);
		return NULL;
	}
	return text;
}

static void free_strings(char **list)
{
	if (!list)
		return;
	for (char **at = list; *at; at++)
		free(*at);
	free(list);
}

/* A NULL-terminated copy of an array of strings, or NULL when it is not one. */
static char **strings_of(napi_env env, napi_value array)
{
	uint32_t count;
	bool is_array;
	char **list;

	if (napi_is_array(env, array, &is_array) != napi_ok || !is_array || napi_get_array_length(env, array, &count) != napi_ok)
		return NULL;
	list = calloc((size_t)count + 1, sizeof(char *));
	if (!list)
		return NULL;
	for (uint32_t i = 0; i < count; i++) {
		napi_value element;

		if (napi_get_element(env, array, i, &element) != napi_ok || !(list[i] = string_of(env, element))) {
			free_strings(list);
			return NULL;
		}
	}
	return list;
}

static void close_all(const int *fds, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Kills a child nobody will hear of, and collects it. */
static void abandon(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * spawn(file, argv, env, cwd, pipes, onExit): starts file in a new session with every signal
 * blocked by none and set to its default (glibc's own two excepted), as Node's detached spawn
 * does; the child's fds 0 to pipes-1 are new socketpairs, and nothing else of ours reaches it.
 * Returns { pid, fds }, fds[i] our end of the child's fd i; onExit(code, signal) is called once.
 */
static napi_value spawn_process(napi_env env, napi_callback_info info)
{
	size_t argc = 6;
	napi_value argv[6], result, value, fds_value;
	napi_valuetype type;
	char *file = NULL, *cwd = NULL, **args = NULL, **envp = NULL;
	uint32_t pipes = 0;
	int ours[MAX_PIPES], theirs[MAX_PIPES];
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t none, all;
	pid_t pid = -1;
	int err = 0, pidfd = -1;
	bool actions_ready = false, attr_ready = false;
	struct exit_watch *watch = NULL;
	uv_loop_t *loop;

	for (size_t i = 0; i < MAX_PIPES; i++)
		ours[i] = theirs[i] = -1;
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6 ||
	    !(file = string_of(env, argv[0])) || !(args = strings_of(env, argv[1])) || !args[0] ||
	    !(envp = strings_of(env, argv[2])) || !(cwd = string_of(env, argv[3])) ||
	    napi_get_value_uint32(env, argv[4], &pipes) != napi_ok || pipes > MAX_PIPES ||
	    napi_typeof(env, argv[5], &type) != napi_ok || type != napi_function) {
		napi_throw_type_error(env, NULL, "spawn(file, argv: string[], env: string[], cwd, pipes <= 8, onExit), strings without NUL");
		pipes = 0;
		goto fail;
	}

	for (uint32_t i = 0; i < pipes; i++) {
		int pair[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
			err = errno;
			goto fail;
		}
		ours[i] = pair[0];
		/*
		 * Above every target, so that no dup2 below overwrites a source still to be placed; and
		 * dup2 onto another fd is what clears close-on-exec.
		 */
		theirs[i] = fcntl(pair[1], F_DUPFD_CLOEXEC, MAX_PIPES);
		err = errno;
		close(pair[1]);
		if (theirs[i] < 0)
			goto fail;
	}
	if ((err = posix_spawn_file_actions_init(&actions)) != 0)
		goto fail;
	actions_ready = true;
	for (uint32_t i = 0; i < pipes; i++) {
		if ((err = posix_spawn_file_actions_adddup2(&actions, theirs[i], (int)i)) != 0)
			goto fail;
	}
	if ((err = posix_spawn_file_actions_addchdir_np(&actions, cwd)) != 0 || (err = posix_spawnattr_init(&attr)) != 0)
		goto fail;
	attr_ready = true;
	sigemptyset(&none);
	sigfillset(&all);
	if ((err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0 ||
	    (err = posix_spawnattr_setsigmask(&attr, &none)) != 0 || (err = posix_spawnattr_setsigdefault(&attr, &all)) != 0)
		goto fail;
	if ((err = posix_spawn(&pid, file, &actions, &attr, args, envp)) != 0)
		goto fail;

	/* Unwatched, the child could never be reported: it does not run at all. */
	if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
		err = errno;
		abandon(pid);
		goto fail;
	}
	if (!(watch = calloc(1, sizeof(*watch))) || napi_get_uv_event_loop(env, &loop) != napi_ok ||
	    uv_poll_init(loop, &watch->poll, pidfd) != 0) {
		err = ENOMEM;
		abandon(pid);
		free(watch);
		close(pidfd);
		goto fail;
	}
	watch->pidfd = pidfd;
	watch->env = env;
	watch->poll.data = watch;
	watch->retry.data = watch;
	watch->open_handles = 2;
	uv_timer_init(loop, &watch->retry);
	if (napi_create_reference(env, argv[5], 1, &watch->callback) != napi_ok ||
	    napi_create_string_utf8(env, "nono:process-spawn", NAPI_AUTO_LENGTH, &value) != napi_ok ||
	    napi_async_init(env, NULL, value, &watch->context) != napi_ok) {
		err = ENOMEM;
		abandon(pid);
		if (watch->callback)
			napi_delete_reference(env, watch->callback);
		close_watch(watch);
		goto fail;
	}
	uv_poll_start(&watch->poll, UV_READABLE, on_readable);

	close_all(theirs, pipes);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	free(file);
	free(cwd);
	free_strings(args);
	free_strings(envp);
	if (napi_create_object(env, &result) != napi_ok || napi_create_int32(env, pid, &value) != napi_ok ||
	    napi_set_named_property(env, result, "pid", value) != napi_ok ||
	    napi_create_array_with_length(env, pipes, &fds_value) != napi_ok)
		return NULL;
	for (uint32_t i = 0; i < pipes; i++) {
		if (napi_create_int32(env, ours[i], &value) != napi_ok || napi_set_element(env, fds_value, i, value) != napi_ok)
			return NULL;
	}
	if (napi_set_named_property(env, result, "fds", fds_value) != napi_ok)
		return NULL;
	return result;

fail:
	close_all(ours, pipes);
	close_all(theirs, pipes);
	if (actions_ready)
		posix_spawn_file_actions_destroy(&actions);
	if (attr_ready)
		posix_spawnattr_destroy(&attr);
	free(file);
	free(cwd);
	free_strings(args);
	free_strings(envp);
	return err ? throw_errno(env, err) : NULL;
}

NAPI_MODULE_INIT()
{
	napi_value fn;
	int probe = (int)syscall(SYS_pidfd_open, getpid(), 0);

	/* Without pidfds (a kernel before 5.3, a seccomp profile that refuses them) there is no spawn: Node's does it. */
	if (probe < 0)
		return exports;
	close(probe);
	if (napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, spawn_process, NULL, &fn) != napi_ok ||
	    napi_set_named_property(env, exports, "spawn", fn) != napi_ok)
		return NULL;
	return exports;
}
