/*
 * unit_hostbsd.c - what lib/host_bsd_pty.c (shared by the FreeBSD, NetBSD
 * and macOS host files, which only cross-build here) does that can run on
 * Linux: the naming helpers (/dev/pts/N, macOS's /dev/ttys%03d), the BSD
 * reading of a manager's hangup (a read of 0), the packet-mode status
 * decoding, and, on a real Linux pty (opened natively, without
 * libxpty), the subsidiary's open by path, packet mode, classifying by
 * the node (Linux's /dev/pts/N has minor N below 256) and the grant by
 * path.  host_pts_path and host_ptyno are this file's, Linux's, as a host
 * file defines them.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "host.h"
#include "host_bsd.h"
#include "tap.h"

int
host_pts_path(int ptyno, char *buf, size_t len)
{
	return (bsd_pty_name("/dev/pts/", 0, ptyno, buf, len));
}

int
host_ptyno(int mfd)
{
	int	n;

	if (ioctl(mfd, TIOCGPTN, &n) == -1)
		return (-1);
	return (n);
}

static void
naming(void)
{
	char	buf[HOST_PATHMAX];
	int	r;

	r = bsd_pty_name("/dev/pts/", 0, 7, buf, sizeof(buf));
	ok(r == 10 && strcmp(buf, "/dev/pts/7") == 0,
	    "/dev/pts/ and 7: \"%s\" (%d)", buf, r);
	r = bsd_pty_name("/dev/ttys", 3, 5, buf, sizeof(buf));
	ok(r == 12 && strcmp(buf, "/dev/ttys005") == 0,
	    "macOS's three digits: \"%s\"", buf);
	r = bsd_pty_name("/dev/ttys", 3, 1234, buf, sizeof(buf));
	ok(r == 13 && strcmp(buf, "/dev/ttys1234") == 0,
	    "more digits than the width: \"%s\"", buf);
	r = bsd_pty_name("/dev/ttys", 3, 0, buf, sizeof(buf));
	ok(r == 12 && strcmp(buf, "/dev/ttys000") == 0, "0 is ttys000");
	r = bsd_pty_name("/dev/pts/", 0, 42, buf, 12);
	ok(r == 11 && strcmp(buf, "/dev/pts/42") == 0,
	    "a buffer of exactly the length and the NUL is enough");
	errno = 0;
	r = bsd_pty_name("/dev/pts/", 0, 42, buf, 11);
	ok(r == -1 && errno == ERANGE, "one byte less: ERANGE (%d, %s)", r,
	    strerror(errno));
	errno = 0;
	r = bsd_pty_name("/dev/pts/", 0, -1, buf, sizeof(buf));
	ok(r == -1 && errno == EINVAL, "a negative number: EINVAL");
}

static void
numbers(void)
{
	ok(bsd_pty_number("/dev/ttys005", "/dev/ttys") == 5,
	    "/dev/ttys005 is 5");
	ok(bsd_pty_number("/dev/pts/0", "/dev/pts/") == 0, "/dev/pts/0 is 0");
	ok(bsd_pty_number("/dev/pts/", "/dev/pts/") == -1,
	    "the prefix alone is no pty");
	ok(bsd_pty_number("/dev/pts/12x", "/dev/pts/") == -1,
	    "trailing bytes: no pty");
	ok(bsd_pty_number("/dev/pts/99999999999", "/dev/pts/") == -1,
	    "a number past INT_MAX: no pty");
	ok(bsd_pty_number("/dev/tty12", "/dev/pts/") == -1,
	    "another prefix: no pty");
}

static void
hangup_and_status(void)
{
	ok(host_mgr_read_hup(0, 0) == 1, "a manager read of 0 is the hangup");
	ok(host_mgr_read_hup(-1, EIO) == 0, "EIO is not (that is Linux's)");
	ok(host_mgr_revents_hup(POLLIN | POLLHUP) == 1 &&
	    host_mgr_revents_hup(POLLIN) == 0, "POLLHUP is, POLLIN alone not");
	ok(host_pkt_status(TIOCPKT_FLUSHREAD | TIOCPKT_STOP) ==
	    (HOST_PKT_FLUSHR | HOST_PKT_STOP), "FLUSHREAD|STOP decoded");
	ok(host_pkt_status(TIOCPKT_FLUSHWRITE | TIOCPKT_START) ==
	    (HOST_PKT_FLUSHW | HOST_PKT_START), "FLUSHWRITE|START decoded");
	ok(host_pkt_status(TIOCPKT_DOSTOP) == HOST_PKT_TERMIOS &&
	    host_pkt_status(TIOCPKT_NOSTOP) == HOST_PKT_TERMIOS &&
	    host_pkt_status(TIOCPKT_IOCTL) == HOST_PKT_TERMIOS,
	    "DOSTOP, NOSTOP and IOCTL are termios changes");
	ok(host_pkt_status(TIOCPKT_DATA) == 0, "the data byte is no status");
}

/* bsd_classify_node and bsd_grant_path on pty n, manager m, subsidiary s. */
static void
classify_and_grant(int m, int s, int n)
{
	struct stat	st;
	char		path[32];
	int		k = -1, r, null;

	r = bsd_classify_node(m, &k);
	ok(r == HOST_MANAGER && k == n,
	    "the manager classifies as pty %d's manager (%d, %d)", n, r, k);
	k = -1;
	if (n < 256) {
		r = bsd_classify_node(s, &k);
		ok(r == HOST_SUBSID && k == n,
		    "the subsidiary as pty %d's subsidiary, by its node (%d, %d)",
		    n, r, k);
	} else
		skip("pty %d: its minor number is not its number", n);
	null = open("/dev/null", O_RDWR);
	ok(bsd_classify_node(null, &k) == HOST_NONE && errno == 0,
	    "/dev/null is no pty, errno 0");
	close(null);
	snprintf(path, sizeof(path), "/dev/pts/%d", n);
	ok(bsd_grant_path(n, 1) == 0, "grant by path of our own node");
	st.st_mode = 0;
	r = stat(path, &st);
	ok(r == 0 && (st.st_mode & 07777) == 0620,
	    "and it is mode 0620 (0%o)", (unsigned)(st.st_mode & 07777));
	errno = 0;
	ok(bsd_grant_path(1 << 30, 0) == -1 && errno == EACCES,
	    "no such node: EACCES");
}

/* host_open_peer and host_set_pktmode on a real Linux pty. */
static void
on_a_pty(void)
{
	struct termios	t;
	unsigned char	buf[16];
	int		m, s, n, fl, ptyno;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1 || grantpt(m) == -1 ||
	    unlockpt(m) == -1 || ioctl(m, TIOCGPTN, &n) == -1) {
		ok(0, "a Linux pty: %s", strerror(errno));
		return;
	}
	ptyno = n;
	s = host_open_peer(m, n, O_RDWR | O_NONBLOCK);
	ok(s >= 0 && isatty(s), "host_open_peer opens /dev/pts/%d by path", n);
	fl = s >= 0 ? fcntl(s, F_GETFL) : 0;
	ok(s >= 0 && (fl & O_NONBLOCK), "with the flags asked for");
	ok(host_set_pktmode(m, 1) == 0, "packet mode on");
	if (s >= 0 && tcgetattr(s, &t) == 0) {
		t.c_iflag ^= IXON;
		(void)tcsetattr(s, TCSANOW, &t);
	}
	n = (int)read(m, buf, sizeof(buf));
	ok(n == 1 && (host_pkt_status(buf[0]) & HOST_PKT_TERMIOS),
	    "an IXON change reads as a termios status (%d byte, 0x%02x)", n,
	    n > 0 ? buf[0] : 0);
	ok(host_set_pktmode(m, 0) == 0, "packet mode off");
	if (s >= 0)
		classify_and_grant(m, s, ptyno);
	if (s >= 0)
		close(s);
	close(m);
}

int
main(void)
{
	naming();
	numbers();
	hangup_and_status();
	on_a_pty();
	return (done_testing());
}
