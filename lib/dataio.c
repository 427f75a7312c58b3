/*
 * dataio.c - the data path of the descriptors libxpty manages.
 *
 * Reads on a manager: STREAMS delivers a zero-length message when the
 * last subsidiary closes, so the manager reads 0 once and then blocks (or
 * gets EAGAIN) until a subsidiary is opened again and writes; the host
 * gives its own hangup indication instead.  How each engine makes the
 * message is its own (engine.h: engine_relay.c, engine_direct.c); this
 * file is the same for all of them.
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
 * Writes on a manager are its engine's.
 *
 * Zero-length writes on a subsidiary reach the manager as a zero-length
 * message when the stream is bare or XPG4v2 (ptem drops them otherwise);
 * only the relay can carry that (relay_zero_write()).
 *
 * State: none of its own (the engines keep theirs in struct xstream).
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
#include "engine.h"

static int
has_pckt(const struct xstream *xs)
{
	return (xs->kind == XK_MANAGER && xs->nmods > 0);
}

static ssize_t	subsid_read_failed(int);

/* Throw away n bytes known to be queued on fd (RMSGD). */
static void
discard_queued(int fd, struct xstream *xs, size_t n)
{
	XENGINE(xs)->discard(fd, xs, n);
}

ssize_t
xpty_readv(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt)
{
	int	queued = 0, saved;
	ssize_t	r;

	if (xs->kind != XK_MANAGER) {
		r = xsys_readv(fd, iov, iovcnt);
		return (r == -1 ? subsid_read_failed(fd) : r);
	}
	if (has_pckt(xs))
		return (pckt_read(fd, xs, iov, iovcnt));
	/*
	 * Without pckt a message is the data queued when the read starts
	 * (as for getmsg, I_NREAD, I_PEEK); RMSGD discards what of it the
	 * read did not take.
	 */
	if ((xs->rdopt & RMODEMASK) == RMSGD &&
	    (engine_gather(fd, xs), xsys_ioctl(fd, FIONREAD, &queued) == -1))
		queued = 0;
	r = XENGINE(xs)->readv(fd, xs, iov, iovcnt);
	if (r > 0 && queued > r) {
		saved = errno;
		discard_queued(fd, xs, (size_t)(queued - r));
		errno = saved;
	}
	return (r);
}

/* A manager read that ignores pckt (pckt.c reads the packets itself). */
ssize_t
xpty_raw_readv(int fd, struct xstream *xs, const struct iovec *iov,
    int iovcnt)
{
	return (XENGINE(xs)->readv(fd, xs, iov, iovcnt));
}

ssize_t
xpty_raw_read(int fd, struct xstream *xs, void *buf, size_t len)
{
	struct iovec	iov = { .iov_base = buf, .iov_len = len };

	return (xpty_raw_readv(fd, xs, &iov, 1));
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
	int	saved = errno;

	if (host_subsid_read_hup(fd, saved) != 1) {
		errno = saved;
		return (-1);
	}
	errno = saved;
	XTRACE(fd, "read: hung up", -1, 0, "host said EIO");
	return (0);
}

ssize_t
xpty_read(int fd, struct xstream *xs, void *buf, size_t len)
{
	struct iovec	iov = { .iov_base = buf, .iov_len = len };
	ssize_t		r;

	if (xs->kind != XK_MANAGER) {
		r = xpty_next.read != NULL ? xpty_next.read(fd, buf, len) :
		    xsys_read(fd, buf, len);
		return (r == -1 ? subsid_read_failed(fd) : r);
	}
	return (xpty_readv(fd, xs, &iov, 1));
}

/*
 * A write of len > 0 bytes on a managed descriptor (write(), putmsg()):
 * a manager's is its engine's (a relayed one goes straight to the host
 * manager when nothing is queued in its socket, and never raises
 * SIGPIPE), a subsidiary's the host's.
 */
ssize_t
xpty_write(int fd, struct xstream *xs, const void *buf, size_t len)
{
	if (xs->kind == XK_MANAGER)
		return (XENGINE(xs)->write(fd, xs, buf, len));
	if (xpty_next.write != NULL)
		return (xpty_next.write(fd, buf, len));
	return (xsys_write(fd, buf, len));
}

/*
 * write(fd, p, 0).  On a subsidiary that is bare or XPG4v2 it becomes a
 * zero-length message for the manager; with ptem in normal mode it is
 * discarded.  Either way the caller sees 0.
 */
ssize_t
xpty_write_zero(int fd, struct xstream *xs)
{
	struct xstate	xst;
	int		saved = errno;

	if (xs->kind != XK_SUBSID)
		return (0);
	if (xstate_get(fd, &xst) == -1) {
		if (errno == EIO)
			return (-1);		/* hung up */
		errno = saved;
		return (0);
	}
	if (xst.managed && !(xst.flags & XSTATE_HOSTDATA) &&
	    (!xstate_has(&xst, XM_PTEM) || (xst.flags & XSTATE_PTEM_XPG4))) {
		int	r;

		defer_promote_pty(xs->ptyno);	/* only xptyd places it */
		r = relay_zero_write(xs->ptyno, fd);

		XTRACE(fd, "zero-length write: message to the manager", -1, 0,
		    r == -1 ? "not propagated: no relay for this pty" : NULL);
		/*
		 * The daemon may hold the reply back until the manager reads
		 * (flow control): the writer waits, as on a full stream, and
		 * a signal interrupts it (EINTR: its connection is closed, and
		 * with it a message not placed yet).  No daemon, or a daemon
		 * that does not answer: the message is not propagated.
		 */
		if (r == -1 && (errno == EINTR || errno == EINPROGRESS)) {
			errno = EINTR;
			return (-1);
		}
	} else
		XTRACE(fd, "zero-length write: discarded by ptem", -1, 0, NULL);
	errno = saved;
	return (0);
}

/* Wait until xptyd has handled what already happened on pty ptyno. */
void
relay_barrier(int ptyno)
{
	int	saved = errno;

	(void)relay_sync_close(ptyno);
	errno = saved;
}
