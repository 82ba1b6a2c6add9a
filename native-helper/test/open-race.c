/*
 * open-race: opens one path buffer again and again while a second thread
 * keeps swapping its bytes between two paths of the same length, to check
 * that what the file-approval supervisor decided on is what gets opened.
 * Prints "opened FIRST A, opened SECOND B, refused C" (first lines read).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[4096];
static const char *paths[2];
static atomic_bool done;

static void *swap_paths(void *arg)
{
	(void)arg;
	for (unsigned i = 0; !atomic_load(&done); i++)
		memcpy(path, paths[i % 2], strlen(paths[0]) + 1);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t swapper;
	int opened[2] = { 0, 0 };
	int refused = 0;

	if (argc != 4 || strlen(argv[1]) != strlen(argv[2]) || strlen(argv[1]) >= sizeof(path)) {
		fprintf(stderr, "usage: open-race PATH OTHER-PATH-OF-THE-SAME-LENGTH COUNT\n");
		return 2;
	}
	paths[0] = argv[1];
	paths[1] = argv[2];
	memcpy(path, paths[0], strlen(paths[0]) + 1);
	if (pthread_create(&swapper, NULL, swap_paths, NULL) != 0)
		return 2;
	for (int i = 0; i < atoi(argv[3]); i++) {
		char line[64] = { 0 };
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			refused++;
			continue;
		}
		if (read(fd, line, sizeof(line) - 1) < 0)
			return 2;
		opened[strncmp(line, "first", 5) == 0 ? 0 : 1]++;
		close(fd);
	}
	atomic_store(&done, true);
	pthread_join(swapper, NULL);
	printf("opened first %d, opened second %d, refused %d\n", opened[0], opened[1], refused);
	return 0;
}
