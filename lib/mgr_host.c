/*
 * mgr_host.c - the host's own manager ioctls on a manager libxpty
 * serves, and the switch of a manager to the host's semantics.
 *
 * A program built for Linux that opens /dev/ptmx (a terminal multiplexer,
 * say) asks its manager what it asks of Linux's: TIOCPKT, TIOCGPTN,
 * TIOCSPTLCK, TIOCGPTPEER, FIONREAD, TIOCOUTQ, TIOCSIG, TCFLSH, TCXONC,
 * TIOCSWINSZ...  These are answered as the host manager answers them,
 * whichever engine serves the descriptor (xpty(7) lists, request by
 * request, where illumos's answer wins instead):
 *   - an SVR4 manager keeps illumos's answers to what illumos defines on
 *     ptm and Linux defines differently: the termios requests (EINVAL: a
 *     manager is no terminal), TIOCGWINSZ before a size is set (EINVAL),
 *     TIOCSWINSZ and TCSBRK (the same in both), and anything inside
 *     I_STR; everything else of the host's tty requests is the host's,
 *     on the host manager (the private copy, for a relayed one);
 *   - a manager with the host's semantics (xs->hostdata: made by openpty,
 *     or switched by TIOCPKT) is the host's for every request that is not
 *     an SVR4 one.
 * TIOCPKT changes what a read returns (a status byte first), which a
 * relay socket cannot carry read for read.  So on an SVR4 manager it
 * switches the manager to the host's semantics: direct, by marking it;
 * relayed, by taking the host manager from xptyd (relay_release): once
 * the bytes the application wrote have reached it (the socket's send
 * queue is empty, bounded wait), the daemon stops using the host manager
 * and ends the stream after what it holds, and the next read of the
 * socket's end of file puts the host manager under the descriptor number
 * (dataio.c, relay_reattach: epoll registrations follow, status flags
 * are the socket's).  Until then what the socket holds is read first,
 * each read with the TIOCPKT_DATA byte the host would have put before
 * it.  The mark (XSTATE_HOSTDATA) is in the stream state, so every holder
 * of the manager, after fork or exec, switches as it reads on.
 *
 * Stateless: the mark is in the stream state and the descriptor's struct
 * xstream; no locks (a second TIOCPKT is a no-op for the daemon).
 */
#include "config.h"

#include <sys/ioctl.h>
#include <errno.h>
#include <fcntl.h>
#include <time.h>

#include "xpty.h"
#include "internal.h"
#include "engine.h"

static int
fail(int err)
{
	errno = err;
	return (-1);
}

/* Requests on the descriptor itself (its status or descriptor flags). */
static int
is_fd_request(unsigned long req)
{
	switch (req) {
	case FIONBIO: case FIOASYNC: case FIOCLEX: case FIONCLEX:
#ifdef FIOQSIZE
	case FIOQSIZE:
#endif
		return (1);
	}
	return (0);
}

/*
 * A tty request in the host's numbering (its group, KTERM_IOC_GROUP: 'T'
 * on Linux), not a descriptor one.
 */
static int
is_host_tty_request(unsigned long req)
{
	return (((req >> 8) & 0xff) == KTERM_IOC_GROUP && !is_fd_request(req));
}

/* What illumos answers itself on an SVR4 manager (ioctl_map.c). */
static int
illumos_wins(unsigned long req)
{
	switch (req) {
	case TCGETS: case TCSETS: case TCSETSW: case TCSETSF:
	case TCGETA: case TCSETA: case TCSETAW: case TCSETAF:
	case TIOCGWINSZ: case TIOCSWINSZ: case JWINSIZE: case TCSBRK:
		return (1);
	}
	return (ttcompat_is_request(req));
}

int
mgr_host_request(const struct xstream *xs, unsigned long req)
{
	if (xs->kind != XK_MANAGER || is_fd_request(req))
		return (0);
	if (xs->hostdata)
		return (XENGINE(xs)->is_host || is_host_tty_request(req));
	return (is_host_tty_request(req) && !illumos_wins(req));
}

/* Mark the stream: its manager has the host's semantics from now on. */
static void
mark_hostdata(int cfd, struct xstream *xs)
{
	struct xstate	xst;
	int		saved = errno;

	if (xstate_get(cfd, &xst) == 0 && xst.managed &&
	    !(xst.flags & XSTATE_HOSTDATA)) {
		xst.flags |= XSTATE_HOSTDATA;
		(void)xstate_put(cfd, &xst, NULL);
	}
	xs->hostdata = 1;
	errno = saved;
}

/* TIOCPKT: packet mode on the host manager, the switch (see the top). */
static int
mgr_pktmode(int fd, struct xstream *xs, void *uarg)
{
	const struct xengine	*eng = XENGINE(xs);
	int			 on, now, cfd = stream_ctlfd(fd, xs);

	if (xpty_user_copyin(&on, uarg, sizeof(on)) == -1)
		return (-1);
	if (xs->nmods > 0)
		return (fail(EINVAL));	/* pckt's own packet mode */
	if (!on)
		return (host_set_pktmode(cfd, 0));
	if ((now = eng->take_host(fd, xs)) == -1)
		return (-1);
	if (host_set_pktmode(cfd, 1) == -1)
		return (-1);
	mark_hostdata(cfd, xs);
	if (now)
		eng->took_host(fd, xs);
	return (0);
}

/* FIONREAD and TIOCOUTQ: the engine's (a relayed manager's socket too). */
static int
mgr_count(int fd, struct xstream *xs, unsigned long req, void *uarg)
{
	int	n = 0;

	if (XENGINE(xs)->count(fd, xs, req, &n) == -1)
		return (-1);
	return (xpty_user_copyout(uarg, &n, sizeof(n)));
}

/*
 * Does the host's flush with this argument flush the input?  Linux: the
 * queue by value; the BSDs: a pointer to FREAD and FWRITE bits, 0 both.
 */
static int
flushes_input(const void *arg)
{
	int	what;

	if (!KTERM_FLUSH_BYREF)
		return ((long)arg == TCIFLUSH || (long)arg == TCIOFLUSH);
	if (xpty_user_copyin(&what, arg, sizeof(what)) == -1)
		return (0);
	return (what == 0 || (what & KTERM_FLUSH_IN) != 0);
}

/*
 * The host's flush (KTERM_FLUSH: TCFLSH on Linux): the input flush also
 * drops what the engine has read already, after the host's (what an
 * engine read from the host comes after it).
 */
static int
mgr_flush(int fd, struct xstream *xs, void *arg)
{
	int	r, saved;

	r = xsys_ioctl(stream_ctlfd(fd, xs), KTERM_FLUSH, arg);
	if (r == 0 && flushes_input(arg)) {
		saved = errno;
		XENGINE(xs)->flush_read(fd, xs);
		errno = saved;
	}
	return (r);
}

int
mgr_host_ioctl(int fd, struct xstream *xs, unsigned long req, void *arg)
{
	int	cfd = stream_ctlfd(fd, xs);

	switch (req) {
	case TIOCPKT:
		return (mgr_pktmode(fd, xs, arg));
	case FIONREAD:
	case TIOCOUTQ:
		return (mgr_count(fd, xs, req, arg));
	case KTERM_FLUSH:
		return (mgr_flush(fd, xs, arg));
#ifdef TIOCGPTPEER
	case TIOCGPTPEER: {
		/* a subsidiary open: libxpty manages it as one */
		int	r = xsys_ioctl(cfd, req, arg);

		if (r >= 0)
			rediscover_fd(r);
		return (r);
	}
#endif
	default:
		return (xsys_ioctl(cfd, req, arg));
	}
}
