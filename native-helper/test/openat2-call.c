/*
 * openat2-call: one openat2(2), for the file-approval tests, since no
 * interpreter in the grants calls it. Usage: openat2-call DIR PATH FLAGS
 * RESOLVE MODE, DIR "-" for the cwd, FLAGS and RESOLVE as numbers, MODE in
 * octal. Reads and prints the file's first line, or for a writer writes
 * "written by openat2"; prints "error ERRNO" when the call fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: openat2-call DIR PATH FLAGS RESOLVE MODE\n");
		return 2;
	}
	int dir = strcmp(argv[1], "-") == 0 ? AT_FDCWD : open(argv[1], O_RDONLY | O_DIRECTORY);
	if (dir == -1) {
		printf("error %d (dir)\n", errno);
		return 1;
	}
	struct open_how how = {
		.flags = strtoull(argv[3], NULL, 0),
		.resolve = strtoull(argv[4], NULL, 0),
		.mode = strtoull(argv[5], NULL, 8),
	};
	int fd = (int)syscall(SYS_openat2, dir, argv[2], &how, sizeof(how));
	if (fd < 0) {
		printf("error %d\n", errno);
		return 1;
	}
	if ((how.flags & O_ACCMODE) != O_RDONLY) {
		const char text[] = "written by openat2\n";
		if (write(fd, text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1)) {
			printf("error %d (write)\n", errno);
			return 1;
		}
		printf("written\n");
		return 0;
	}
	char line[256];
	ssize_t n = read(fd, line, sizeof(line) - 1);
	if (n < 0) {
		printf("error %d (read)\n", errno);
		return 1;
	}
	line[n] = '\0';
	printf("%s", line);
	return 0;
}
