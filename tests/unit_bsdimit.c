/*
 * unit_bsdimit.c - the BSD behaviours lib/host_bsdimit.c imitates on a
 * Linux pty, checked on a real pty opened natively (without libxpty):
 * a termios set through the manager discards the output queued for it
 * (as NetBSD, OpenBSD and macOS do; a set through the subsidiary keeps
 * it), the manager reads 0 after the subsidiary's last close, and a
 * FreeBSD-style fstat of the manager still classifies as a manager.  The
 * whole suite runs over that host in CI (--with-host=bsdimit); this
 * checks the imitation itself, so that a suite which passes there is
 * known to have met it.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <sys/ioctl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "host.h"
#include "kterm.h"
#include "sys.h"
#include "tap.h"

static int
queued(int fd)
{
	int	n = -1;

	return (ioctl(fd, FIONREAD, &n) == -1 ? -1 : n);
}

/* A native pty pair: the manager from host_open_manager, unlocked. */
static int
pair(int *m, int *s)
{
	int	n;

	if ((*m = host_open_manager(O_CLOEXEC)) == -1)
		return (-1);
	if ((n = host_ptyno(*m)) == -1 ||
	    (*s = host_open_peer(*m, n, O_RDWR | O_NOCTTY)) == -1) {
		close(*m);
		return (-1);
	}
	return (0);
}

static void
check_tcset(void)
{
	struct kterm	t;
	int		m, s, n;

	if (pair(&m, &s) == -1) {
		ok(0, "a native pty: %s", strerror(errno));
		return;
	}
	ok(host_classify(m, &n) == HOST_MANAGER, "the manager classifies as one");
	ok(write(s, "abc", 3) == 3, "the subsidiary writes 3 bytes");
	usleep(20000);
	ok(queued(m) == 3, "3 bytes queued for the manager (%d)", queued(m));
	ok(xsys_tcget(s, &t) == 0 && xsys_tcset(s, KTERM_SET, &t) == 0,
	    "a termios set through the subsidiary");
	ok(queued(m) == 3, "keeps them (%d)", queued(m));
	ok(xsys_tcget(m, &t) == 0 && host_mgr_tcset(m, &t) == 0,
	    "host_mgr_tcset through the manager");
	ok(queued(m) == 0, "discards them, as NetBSD, OpenBSD and macOS "
	    "do (%d left)", queued(m));
	close(s);
	close(m);
}

static void
check_hangup(void)
{
	struct iovec	iov;
	char		c;
	int		m, s;
	ssize_t		r;

	if (pair(&m, &s) == -1) {
		ok(0, "a native pty: %s", strerror(errno));
		return;
	}
	close(s);
	iov.iov_base = &c;
	iov.iov_len = 1;
	r = host_mgr_readv(m, &iov, 1);
	ok(r == 0, "after the last close the manager reads 0 (%zd)", r);
	r = host_mgr_readv(m, &iov, 1);
	ok(r == 0 && host_mgr_read_hup(r, 0),
	    "again, and that is the hangup (%zd)", r);
	close(m);
}

int
main(void)
{
	check_tcset();
	check_hangup();
	done_testing();
}
