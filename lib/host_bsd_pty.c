/*
 * host_bsd_pty.c - lib/host.h operations on ptys that FreeBSD, NetBSD and
 * macOS do alike, shared by host_freebsd.c, host_netbsd.c and
 * host_darwin.c (each has what differs), and their naming helpers
 * (lib/host_bsd.h).
 *
 * Theory of operation.  On all three a manager read after the last
 * subsidiary close returns 0, and again on every read until a subsidiary
 * is opened (FreeBSD's ptsdev_read, NetBSD's and xnu's ptcread: "no
 * carrier" is end of file); a poll, where it works on ttys, shows
 * POLLHUP.  The kernel resets the termios itself at the first subsidiary
 * open (HOST_CAP_OPEN_RESETS), so nothing is done after an open.  The
 * subsidiary is always opened by its path (no TIOCGPTPEER).  Packet mode
 * is TIOCPKT with the historic TIOCPKT_* bits; a termios change is
 * reported as DOSTOP/NOSTOP (FreeBSD on every TIOCSETA) or TIOCPKT_IOCTL
 * (only with EXTPROC on NetBSD and macOS).
 *
 * Raw system calls (lib/sys.h), async-signal-safe, no state; descriptors
 * made here belong to the caller.  Cross-built for FreeBSD 14, NetBSD 10
 * and macOS; not yet run there.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <termios.h>

#include "host.h"
#include "host_bsd.h"
#include "sys.h"

int
bsd_pty_name(const char *prefix, int width, int ptyno, char *buf,
    size_t len)
{
	char	digits[12], *p = digits + sizeof(digits);
	size_t	n, plen = strlen(prefix);

	if (ptyno < 0) {
		errno = EINVAL;
		return (-1);
	}
	do {
		*--p = (char)('0' + ptyno % 10);
		ptyno /= 10;
	} while (ptyno != 0 || digits + sizeof(digits) - p < width);
	n = (size_t)(digits + sizeof(digits) - p);
	if (plen + n + 1 > len) {
		errno = ERANGE;
		return (-1);
	}
	memcpy(buf, prefix, plen);
	memcpy(buf + plen, p, n);
	buf[plen + n] = '\0';
	return ((int)(plen + n));
}

int
bsd_pty_number(const char *path, const char *prefix)
{
	size_t	plen = strlen(prefix);
	long	n = 0;

	if (strncmp(path, prefix, plen) != 0 || path[plen] == '\0')
		return (-1);
	for (path += plen; *path >= '0' && *path <= '9'; path++)
		if ((n = n * 10 + (*path - '0')) > 0x7fffffff)
			return (-1);
	return (*path == '\0' ? (int)n : -1);
}

ssize_t
host_mgr_readv(int mfd, const struct iovec *iov, int iovcnt)
{
	return (xsys_readv(mfd, iov, iovcnt));
}

int
host_mgr_read_hup(ssize_t r, int e)
{
	(void)e;
	return (r == 0);
}

int
host_mgr_revents_hup(int revents)
{
	return ((revents & POLLHUP) != 0);
}

void
host_subsid_opened(int fd, int ptyno, int first)
{
	(void)fd;
	(void)ptyno;
	(void)first;
}

int
host_open_peer(int mfd, int ptyno, int oflag)
{
	char	path[HOST_PATHMAX];

	(void)mfd;
	if (host_pts_path(ptyno, path, sizeof(path)) == -1)
		return (-1);
	return (xsys_openat(AT_FDCWD, path, oflag | O_NOCTTY, 0));
}

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

/* No BSD has a request that reads the packet mode back. */
int
host_get_pktmode(int mfd)
{
	(void)mfd;
	errno = ENOSYS;
	return (-1);
}

unsigned
host_pkt_status(unsigned char c)
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
	if (c & (TIOCPKT_DOSTOP | TIOCPKT_NOSTOP | TIOCPKT_IOCTL))
		st |= HOST_PKT_TERMIOS;
	return (st);
}

unsigned
host_pkt_status_take(int mfd)
{
	struct pollfd	pfd = { .fd = mfd, .events = POLLPRI };
	unsigned char	c;

	if (xsys_poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLPRI) ||
	    xsys_read(mfd, &c, 1) != 1)
		return (0);
	return (host_pkt_status(c));
}

static int
host_pkt_flow(const struct kterm *t)
{
	return ((t->c_iflag & IXON) && t->c_cc[VSTOP] == 023 &&
	    t->c_cc[VSTART] == 021);
}

int
host_pkt_reports(const struct kterm *old, const struct kterm *new)
{
	return (host_pkt_flow(old) != host_pkt_flow(new));
}

_Static_assert(TIOCPKT_DATA == HOST_PKT_DATA,
    "the status byte before data is 0");
