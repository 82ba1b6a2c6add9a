/*
 * Starting a child of the daemon without fork(). Node's spawn forks the whole daemon (libuv
 * forks on Linux) and waits for the exec: copying the page tables of its ~70 MB, and the
 * copy-on-write faults the daemon takes on every page it touches afterwards, cost its one
 * thread about 3 ms per session start (bench/README.md, "nono run start"). posix_spawn shares
 * the memory until the exec (clone with CLONE_VM|CLONE_VFORK): nothing is copied. The exit is
 * read from a pidfd watched on Node's own loop; libuv reaps only the pids it spawned itself.
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

/* stdio entries: an fd of ours to place there, or a new socketpair (libuv's "pipe", the same kind). */
#define STDIO_PIPE (-1)
#define MAX_STDIO 8

struct exit_watch {
	uv_poll_t poll;
	int pidfd;
	napi_env env;
	napi_ref callback;
	napi_async_context context;
};

static void free_watch(uv_handle_t *handle)
{
	struct exit_watch *watch = handle->data;

	close(watch->pidfd);
	free(watch);
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

static void on_readable(uv_poll_t *poll, int status, int events)
{
	struct exit_watch *watch = poll->data;
	siginfo_t info;
	int result;

	(void)status;
	(void)events;
	memset(&info, 0, sizeof(info));
	do
		result = (int)syscall(SYS_waitid, P_PIDFD, watch->pidfd, &info, WEXITED | WNOHANG, NULL);
	while (result < 0 && errno == EINTR);
	/* Not ended yet (a wake-up without an exit): keep watching. */
	if (result == 0 && info.si_pid == 0)
		return;
	if (result < 0) {
		/* Reaped by someone else: the status is lost, which the callback hears as two nulls. */
		info.si_code = 0;
	}
	uv_poll_stop(poll);
	report_exit(watch, &info);
	uv_close((uv_handle_t *)poll, free_watch);
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

/*
 * spawn(file, argv, env, cwd, stdio, keepAlive, onExit): starts file in a new session with every
 * signal at its default and none blocked, as Node's detached spawn does. stdio[i] is an fd of
 * ours to give the child as fd i, or -1 for a new socketpair whose other end is returned.
 * Returns { pid, fds } (fds[i] our end of the pair, or -1); onExit(code, signal) is called once,
 * and until then the child keeps Node's loop alive if keepAlive.
 */
static napi_value spawn_process(napi_env env, napi_callback_info info)
{
	size_t argc = 7;
	napi_value argv[7], result, value, fds_value;
	napi_valuetype type;
	char *file = NULL, *cwd = NULL, **args = NULL, **envp = NULL;
	uint32_t stdio_count = 0;
	int ours[MAX_STDIO], theirs[MAX_STDIO], given[MAX_STDIO];
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t none, all;
	pid_t pid = -1;
	int err = 0, pidfd = -1;
	bool is_array, keep_alive, actions_ready = false, attr_ready = false;
	struct exit_watch *watch = NULL;
	uv_loop_t *loop;

	for (size_t i = 0; i < MAX_STDIO; i++)
		ours[i] = theirs[i] = -1;
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 7 ||
	    !(file = string_of(env, argv[0])) || !(args = strings_of(env, argv[1])) || !args[0] ||
	    !(envp = strings_of(env, argv[2])) || !(cwd = string_of(env, argv[3])) ||
	    napi_is_array(env, argv[4], &is_array) != napi_ok || !is_array ||
	    napi_get_array_length(env, argv[4], &stdio_count) != napi_ok || stdio_count > MAX_STDIO ||
	    napi_get_value_bool(env, argv[5], &keep_alive) != napi_ok ||
	    napi_typeof(env, argv[6], &type) != napi_ok || type != napi_function)
		goto usage;
	for (uint32_t i = 0; i < stdio_count; i++) {
		if (napi_get_element(env, argv[4], i, &value) != napi_ok || napi_get_value_int32(env, value, &given[i]) != napi_ok ||
		    given[i] < STDIO_PIPE)
			goto usage;
	}

	for (uint32_t i = 0; i < stdio_count; i++) {
		int pair[2];

		if (given[i] != STDIO_PIPE)
			continue;
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
			err = errno;
			goto fail;
		}
		ours[i] = pair[0];
		/* Above every target, so that no dup2 below overwrites a source still to be placed. */
		theirs[i] = fcntl(pair[1], F_DUPFD_CLOEXEC, MAX_STDIO);
		err = errno;
		close(pair[1]);
		if (theirs[i] < 0)
			goto fail;
	}
	if ((err = posix_spawn_file_actions_init(&actions)) != 0)
		goto fail;
	actions_ready = true;
	for (uint32_t i = 0; i < stdio_count; i++) {
		/*
		 * A given fd is copied above the targets too; and dup2 onto another fd is what clears
		 * close-on-exec (onto itself it would leave it set, and the child without it).
		 */
		if (given[i] != STDIO_PIPE && (theirs[i] = fcntl(given[i], F_DUPFD_CLOEXEC, MAX_STDIO)) < 0) {
			err = errno;
			goto fail;
		}
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

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	watch = calloc(1, sizeof(*watch));
	if (pidfd < 0 || !watch || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &watch->poll, pidfd) != 0) {
		/* Unwatched, it could never be reported: it does not run at all. */
		err = pidfd < 0 ? errno : ENOMEM;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		free(watch);
		if (pidfd >= 0)
			close(pidfd);
		goto fail;
	}
	watch->pidfd = pidfd;
	watch->env = env;
	watch->poll.data = watch;
	if (napi_create_reference(env, argv[6], 1, &watch->callback) != napi_ok ||
	    napi_create_string_utf8(env, "nono:process-spawn", NAPI_AUTO_LENGTH, &value) != napi_ok ||
	    napi_async_init(env, NULL, value, &watch->context) != napi_ok) {
		err = ENOMEM;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		uv_close((uv_handle_t *)&watch->poll, free_watch);
		goto fail;
	}
	uv_poll_start(&watch->poll, UV_READABLE, on_readable);
	if (!keep_alive)
		uv_unref((uv_handle_t *)&watch->poll);

	close_all(theirs, stdio_count);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	free(file);
	free(cwd);
	free_strings(args);
	free_strings(envp);
	if (napi_create_object(env, &result) != napi_ok || napi_create_int32(env, pid, &value) != napi_ok ||
	    napi_set_named_property(env, result, "pid", value) != napi_ok ||
	    napi_create_array_with_length(env, stdio_count, &fds_value) != napi_ok)
		return NULL;
	for (uint32_t i = 0; i < stdio_count; i++) {
		if (napi_create_int32(env, ours[i], &value) != napi_ok || napi_set_element(env, fds_value, i, value) != napi_ok)
			return NULL;
	}
	if (napi_set_named_property(env, result, "fds", fds_value) != napi_ok)
		return NULL;
	return result;

usage:
	napi_throw_type_error(env, NULL, "spawn(file, argv: string[], env: string[], cwd, stdio: (fd | -1)[], keepAlive, onExit)");
	err = 0;
fail:
	close_all(ours, stdio_count);
	close_all(theirs, stdio_count);
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

	if (napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, spawn_process, NULL, &fn) != napi_ok ||
	    napi_set_named_property(env, exports, "spawn", fn) != napi_ok)
		return NULL;
	return exports;
}
