/*
 * open-threads: opens every path given at once, one thread each, released
 * together by a barrier, so the file-approval supervisor holds many opens of
 * one process at the same time. Prints per path, in argument order,
 * "PATH: CONTENT" (the file's first line) or "PATH: error ERRNO".
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct job {
	const char *path;
	char line[256];
	int error;
};

static pthread_barrier_t start;

static void *open_one(void *arg)
{
	struct job *job = arg;

	pthread_barrier_wait(&start);
	int fd = open(job->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		job->error = errno;
		return NULL;
	}
	ssize_t n = read(fd, job->line, sizeof(job->line) - 1);
	if (n < 0)
		job->error = errno;
	else
		job->line[strcspn(job->line, "\n")] = '\0';
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	int count = argc - 1;
	struct job *jobs = calloc((size_t)(count > 0 ? count : 1), sizeof(*jobs));
	pthread_t *threads = calloc((size_t)(count > 0 ? count : 1), sizeof(*threads));

	if (count < 1 || !jobs || !threads) {
		fprintf(stderr, "usage: open-threads PATH...\n");
		return 2;
	}
	if (pthread_barrier_init(&start, NULL, (unsigned)count) != 0)
		return 2;
	for (int i = 0; i < count; i++) {
		jobs[i].path = argv[i + 1];
		if (pthread_create(&threads[i], NULL, open_one, &jobs[i]) != 0)
			return 2;
	}
	for (int i = 0; i < count; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < count; i++) {
		if (jobs[i].error)
			printf("%s: error %d\n", jobs[i].path, jobs[i].error);
		else
			printf("%s: %s\n", jobs[i].path, jobs[i].line);
	}
	return 0;
}
