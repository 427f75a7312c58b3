/*
 * privfd.c - the rule for libxpty's private descriptors (lib/sys.h):
 * moving one into the private range, XPTY_PRIVATE_FDMIN and up,
 * close-on-exec.  Host-independent: the host's raw fcntl and close only.
 * No state; the descriptor stays its caller's (under its new number).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>

#include "sys.h"

int
xsys_fd_private(int fd)
{
	int	nfd, saved = errno;

	/* EINVAL: RLIMIT_NOFILE is at most XPTY_PRIVATE_FDMIN */
	if ((nfd = xsys_fcntl(fd, F_DUPFD_CLOEXEC, XPTY_PRIVATE_FDMIN)) == -1 &&
	    (nfd = xsys_fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1) {
		errno = saved;
		return (fd);
	}
	xsys_close(fd);
	errno = saved;
	return (nfd);
}
