/*
 * dataio.c - the data path of the descriptors libxpty manages.
 *
 * Reads on a manager go to the engine (mgrread.c), which turns the
 * host's or the daemon's end of file into SVR4's zero-length message.
 * With pckt pushed, reads go to strhead.c, over pckt.c's messages: read()
 * fails with EBADMSG in the default RPROTNORM mode (the data comes as
 * messages, through getmsg(), strmsg.c), and delivers them under
 * RPROTDAT / RPROTDIS and the RMSGD / RMSGN read modes.  Without pckt a
 * message is the data queued when a read starts; RMSGD discards what of
 * it the read did not take (RMSGN and RNORM leave it queued).
 *
 * Reads on a subsidiary: once the manager has closed, STREAMS delivers
 * what is queued and then 0, every time; Linux gives EIO from the
 * manager's last close until the hangup is complete, then 0.  That EIO
 * becomes 0 (subsid_read_failed(), host_subsid_read_hup).
 *
 * Zero-length writes on a subsidiary reach the manager as a zero-length
 * message when the stream is bare or XPG4v2 (ptem drops them otherwise);
 * only the relay can carry that (relay_zero_write()).
 *
 * No state of its own (the manager's eofstate is mgrread.c's).
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"

static int
has_pckt(const struct xstream *xs)
{
	return xs->kind == XK_MANAGER && xs->nmods > 0;
}

static ssize_t	subsid_read_failed(int);

/* Throw away n bytes known to be queued on fd (RMSGD). */
static void
discard_queued(int fd, struct xstream *xs, size_t n)
{
	char sink[4096];
	ssize_t r;

	while (n > 0) {
		size_t k = n < sizeof(sink) ? n : sizeof(sink);

		r = xs->engine == XE_RELAY ? xsys_recv(fd, sink, k,
		    MSG_DONTWAIT) : xsys_read(fd, sink, k);
		if (r <= 0)
			break;
		n -= (size_t)r;
	}
}

ssize_t
xpty_readv(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt)
{
	int queued = 0, saved;
	ssize_t r;

	if (xs->kind != XK_MANAGER) {
		r = xsys_readv(fd, iov, iovcnt);
		return r == -1 ? subsid_read_failed(fd) : r;
	}
	if (has_pckt(xs))
		return pckt_read(fd, xs, iov, iovcnt);
	/*
	 * Without pckt a message is the data queued when the read starts
	 * (as for getmsg, I_NREAD, I_PEEK); RMSGD discards what of it the
	 * read did not take.
	 */
	if ((xs->rdopt & RMODEMASK) == RMSGD &&
	    xsys_ioctl(fd, FIONREAD, &queued) == -1)
		queued = 0;
	r = engine_readv(fd, xs, iov, iovcnt);
	if (r > 0 && queued > r) {
		saved = errno;
		discard_queued(fd, xs, (size_t)(queued - r));
		errno = saved;
	}
	return r;
}

/*
 * A read of a subsidiary failed: when the manager has closed, STREAMS
 * delivers the queued data, then 0; a host may fail instead (Linux: EIO
 * until the hangup is complete).  Such a failure becomes 0
 * (host_subsid_read_hup, lib/host.h).
 */
static ssize_t
subsid_read_failed(int fd)
{
	int saved = errno;

	if (host_subsid_read_hup(fd, saved) != 1) {
		errno = saved;
		return -1;
	}
	errno = saved;
	XTRACE(fd, "read: hung up", -1, 0, "host said EIO");
	return 0;
}

ssize_t
xpty_read(int fd, struct xstream *xs, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	ssize_t r;

	if (xs->kind != XK_MANAGER) {
		r = xpty_next.read != NULL ? xpty_next.read(fd, buf, len) :
		    xsys_read(fd, buf, len);
		return r == -1 ? subsid_read_failed(fd) : r;
	}
	return xpty_readv(fd, xs, &iov, 1);
}

/*
 * write(fd, p, 0).  On a subsidiary that is bare or XPG4v2 it becomes a
 * zero-length message for the manager; with ptem in normal mode it is
 * discarded.  Either way the caller sees 0.
 */
ssize_t
xpty_write_zero(int fd, struct xstream *xs)
{
	struct xstate xst;
	int saved = errno;

	if (xs->kind != XK_SUBSID)
		return 0;
	if (xstate_get(fd, &xst) == -1) {
		if (errno == EIO)
			return -1;		/* hung up */
		errno = saved;
		return 0;
	}
	if (xst.managed && (!xstate_has(&xst, XM_PTEM) ||
	    (xst.flags & XSTATE_PTEM_XPG4))) {
		int r = relay_zero_write(xs->ptyno, fd);

		XTRACE(fd, "zero-length write: message to the manager", -1, 0,
		    r == -1 ? "not propagated: no relay for this pty" : NULL);
	} else
		XTRACE(fd, "zero-length write: discarded by ptem", -1, 0, NULL);
	errno = saved;
	return 0;
}
