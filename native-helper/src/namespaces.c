/*
 * Raw clone(2) rather than unshare(2): the helper itself must stay in the
 * caller's pid namespace to wait for init, and only a new child can be pid 1
 * of a new one (bubblewrap does the same). The parent writes the id maps
 * because only a process outside the new user namespace may map more than
 * its own id; a pipe holds the child until they are written.
 */
#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"

#define DISABLED_BY_SWITCH "disabled by --no-userns"

/* Writes text to /proc/PID/name; on failure fills error and returns false. */
static bool write_proc_file(pid_t pid, const char *name, const char *text, char *error,
			    size_t error_size)
{
	char path[64];
	size_t len = strlen(text);

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(error, error_size, "cannot open %s: %s", path, strerror(errno));
		return false;
	}
	ssize_t n = write(fd, text, len);
	int write_errno = errno;
	if (close(fd) < 0 || n != (ssize_t)len) {
		snprintf(error, error_size, "cannot write %s: %s", path,
			 strerror(n < 0 ? write_errno : errno));
		return false;
	}
	return true;
}

static bool write_id_maps(pid_t child, char *error, size_t error_size)
{
	char uid_map[64];
	char gid_map[64];

	if (geteuid() == 0) {
		snprintf(uid_map, sizeof(uid_map), "0 0 4294967295\n");
		snprintf(gid_map, sizeof(gid_map), "0 0 4294967295\n");
	} else {
		snprintf(uid_map, sizeof(uid_map), "%u %u 1\n", geteuid(), geteuid());
		snprintf(gid_map, sizeof(gid_map), "%u %u 1\n", getegid(), getegid());
	}
	/* An unprivileged gid_map is only accepted once setgroups is denied. */
	return write_proc_file(child, "setgroups", "deny", error, error_size) &&
	       write_proc_file(child, "uid_map", uid_map, error, error_size) &&
	       write_proc_file(child, "gid_map", gid_map, error, error_size);
}

/*
 * getppid() is 0 across the pid namespace boundary, so it cannot show
 * whether the parent died before PR_SET_PDEATHSIG took hold; end of file on
 * the sync pipe (the parent's end closed by its death) does.
 */
static void wait_for_release(int sync_fd)
{
	char byte;
	ssize_t n;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		die("cannot set the parent-death signal: %s", strerror(errno));
	do
		n = read(sync_fd, &byte, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(EXIT_SETUP_FAILED);
	if (close(sync_fd) < 0)
		die("cannot close the sync pipe: %s", strerror(errno));
}

static void release(pid_t child, int sync_fd)
{
	if (write(sync_fd, "", 1) != 1)
		die("cannot release the sandbox's init (pid %d): %s", (int)child,
		    strerror(errno));
	if (close(sync_fd) < 0)
		die("cannot close the sync pipe: %s", strerror(errno));
}

static void reap_failed_child(pid_t child, int sync_fd)
{
	/* It reads end of file and exits without touching anything. */
	if (close(sync_fd) < 0)
		die("cannot close the sync pipe: %s", strerror(errno));
	while (waitpid(child, NULL, 0) < 0) {
		if (errno == EINTR)
			continue;
		die("cannot reap the sandbox's init (pid %d): %s", (int)child, strerror(errno));
	}
}

pid_t clone_sandbox_init(bool no_userns, bool new_net, char *error, size_t error_size)
{
	int sync_pipe[2];
	/* A network namespace made with the user namespace belongs to it: init may configure it. */
	unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
			      (new_net ? CLONE_NEWNET : 0);

	if (no_userns) {
		snprintf(error, error_size, "%s", DISABLED_BY_SWITCH);
		return -1;
	}
	if (pipe2(sync_pipe, O_CLOEXEC) < 0)
		die("cannot create the sync pipe: %s", strerror(errno));
	pid_t child = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	if (child < 0) {
		snprintf(error, error_size, "%s", strerror(errno));
		if (close(sync_pipe[0]) < 0 || close(sync_pipe[1]) < 0)
			die("cannot close the sync pipe: %s", strerror(errno));
		return -1;
	}
	if (child == 0) {
		if (close(sync_pipe[1]) < 0)
			die("cannot close the sync pipe: %s", strerror(errno));
		wait_for_release(sync_pipe[0]);
		return 0;
	}
	if (close(sync_pipe[0]) < 0)
		die("cannot close the sync pipe: %s", strerror(errno));
	if (!write_id_maps(child, error, error_size)) {
		reap_failed_child(child, sync_pipe[1]);
		return -1;
	}
	release(child, sync_pipe[1]);
	return child;
}
