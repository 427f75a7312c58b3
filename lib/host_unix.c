/*
 * host_unix.c - the lib/host.h operations on ptys that Linux and the BSDs
 * write the same way, linked into every host backend: the ownership of
 * the subsidiary node and packet mode on, off (TIOCPKT), which every
 * kernel here does alike; and the helpers of lib/host_unix.h, which the
 * host files whose kernel does that operation that way use (opening
 * /dev/ptmx, opening the subsidiary by its path, the packet-mode status
 * bits, the hangup as POLLHUP).
 *
 * Theory of operation.  Each operation here is the kernel's call and
 * nothing more: what differs between the kernels (naming, the packet-mode
 * status bits, how the hangup shows) stays in the host's own files, which
 * name the path through host_pts_path.
 *
 * Raw system calls only (lib/sys.h), async-signal-safe, no state.
 * Descriptors made here belong to the caller, who closes them.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>

#include "host.h"
#include "host_unix.h"
#include "sys.h"

int
host_chown(int ptyno, uid_t uid, gid_t gid)
{
	char	path[HOST_PATHMAX];

	if (host_pts_path(ptyno, path, sizeof(path)) == -1)
		return (-1);
	return (xsys_chown(path, uid, gid));
}

int
host_set_pktmode(int mfd, int on)
{
	int	v = on;

	return (xsys_ioctl(mfd, TIOCPKT, &v));
}

int
unix_open_ptmx(int oflag)
{
	int	keep = oflag & (O_NONBLOCK | O_CLOEXEC);

	return (xsys_openat(AT_FDCWD, "/dev/ptmx", O_RDWR | O_NOCTTY | keep,
	    0));
}

int
unix_open_path(int ptyno, int oflag)
{
	char	path[HOST_PATHMAX];

	if (host_pts_path(ptyno, path, sizeof(path)) == -1)
		return (-1);
	return (xsys_openat(AT_FDCWD, path, oflag | O_NOCTTY, 0));
}

unsigned
unix_pkt_status(unsigned char c, unsigned termios)
{
	unsigned	st = 0;

	if (c & TIOCPKT_FLUSHREAD)
		st |= HOST_PKT_FLUSHR;
	if (c & TIOCPKT_FLUSHWRITE)
		st |= HOST_PKT_FLUSHW;
	if (c & TIOCPKT_STOP)
		st |= HOST_PKT_STOP;
	if (c & TIOCPKT_START)
		st |= HOST_PKT_START;
	if (c & termios)
		st |= HOST_PKT_TERMIOS;
	return (st);
}

int
unix_poll_hup(int mfd)
{
	struct pollfd	pfd = { .fd = mfd, .events = POLLIN };

	if (xsys_poll(&pfd, 1, 0) == -1)
		return (-1);
	return ((pfd.revents & POLLHUP) != 0);
}
