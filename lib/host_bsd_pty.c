/*
 * host_bsd_pty.c - lib/host.h operations on ptys that FreeBSD, NetBSD and
 * macOS do alike, shared by host_freebsd.c, host_netbsd.c and
 * host_darwin.c (each has what differs), and their helpers
 * (lib/host_bsd.h): naming, the grant by path, classifying by the node.
 * What Linux does alike too is in host_unix.c.
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
#ifdef HAVE_SYS_SYSMACROS_H
#include <sys/sysmacros.h>	/* minor(): unit_hostbsd on Linux */
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "host.h"
#include "host_bsd.h"
#include "host_unix.h"
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

int
bsd_grant_path(int ptyno, int setmode)
{
	char		path[HOST_PATHMAX];
	struct stat	st;
	int		saved = errno;

	if (host_pts_path(ptyno, path, sizeof(path)) == -1 ||
	    xsys_lstat(path, &st) == -1 || st.st_uid != getuid())
		goto refused;
	if (setmode && (st.st_mode & 07777) != 0620 &&
	    xsys_chmod(path, 0620) == -1)
		goto refused;
	errno = saved;
	return (0);
refused:
	errno = EACCES;
	return (-1);
}

int
bsd_classify_node(int fd, int *ptyno)
{
	char		path[HOST_PATHMAX];
	struct stat	st, node;
	int		n;

	if (xsys_fstat(fd, &st) == -1)
		return (HOST_NONE);
	errno = 0;
	if (!S_ISCHR(st.st_mode))
		return (HOST_NONE);
	if ((n = host_ptyno(fd)) != -1) {
		errno = 0;
		if (ptyno != NULL)
			*ptyno = n;
		return (HOST_MANAGER);
	}
	n = (int)minor(st.st_rdev);
	if (host_pts_path(n, path, sizeof(path)) == -1 ||
	    xsys_lstat(path, &node) == -1 || !S_ISCHR(node.st_mode) ||
	    node.st_rdev != st.st_rdev) {
		errno = 0;
		return (HOST_NONE);
	}
	if (ptyno != NULL)
		*ptyno = n;
	return (HOST_SUBSID);
}

int
host_mgr_tcset(int mfd, const struct kterm *t)
{
	return (xsys_tcset(mfd, KTERM_SET, t));	/* the kernel may flush */
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
	(void)mfd;
	return (unix_open_path(ptyno, oflag));
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
	return (unix_pkt_status(c,
	    TIOCPKT_DOSTOP | TIOCPKT_NOSTOP | TIOCPKT_IOCTL));
}

_Static_assert(TIOCPKT_DATA == HOST_PKT_DATA,
    "the status byte before data is 0");
