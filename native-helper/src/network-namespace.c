/*
 * An interface ioctl rather than rtnetlink: one flag on one interface needs
 * no message building, and the socket is only the handle the ioctl goes
 * through (any family works; AF_INET is always there).
 */
#include "network-namespace.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "applied.h"
#include "die.h"

#define LOOPBACK "lo"

void bring_up_loopback(void)
{
	struct ifreq request = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("cannot set up the sandbox's network: socket: %s", strerror(errno));
	memcpy(request.ifr_name, LOOPBACK, sizeof(LOOPBACK));
	if (ioctl(fd, SIOCGIFFLAGS, &request) < 0)
		die("cannot set up the sandbox's network: read the flags of %s: %s (is the "
		    "loopback driver built into the kernel?)", LOOPBACK, strerror(errno));
	request.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &request) < 0)
		die("cannot set up the sandbox's network: bring %s up: %s (init needs "
		    "CAP_NET_ADMIN in its own network namespace)", LOOPBACK, strerror(errno));
	applied_loopback_up();
	if (close(fd) < 0)
		die("cannot set up the sandbox's network: close: %s", strerror(errno));
}
