/*
 * dataio.c - the data path of the descriptors libxpty manages.
 *
 * Reads on a manager: STREAMS delivers a zero-length message when the
 * last subsidiary closes, so the manager reads 0 once and then blocks (or
 * gets EAGAIN) until a subsidiary is opened again and writes; Linux gives
 * EIO instead, over and over.
 *   relay engine: the descriptor is a socket whose far end (xptyd) ends
 *     the byte stream with shutdown() at that point; once read() has
 *     seen that 0, relay_reattach() swaps the connection that follows in
 *     under the same descriptor number, so the stream goes on.  If another
 *     holder of the socket (after fork, or another descriptor) fetched it
 *     first, that holder had the message: this read goes on with the
 *     next connection instead of returning 0.
 *   direct engine: the descriptor is the host manager; the first hangup
 *     indication of the host (Linux's EIO, the BSDs' 0: host_mgr_read_hup)
 *     becomes 0 and dismantles the stream (modules gone, XPG4v2 mark
 *     cleared, as ptsclose does); after that a blocking read waits for the
 *     next open of the subsidiary (host_watch_*) instead of spinning.
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
 * State: eofstate in the manager's struct xstream, atomic (relaxed): one
 * thread may read the manager while another asks I_NREAD of it.
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

#define REOPEN_POLL_MS	20	/* hosts without a watch look this often */

/*
 * Block until a subsidiary of pty ptyno (manager fd) is opened again, or
 * a signal interrupts (-1/EINTR).  The watch set (host.h) is this call's
 * own descriptor.
 */
static int
wait_reopen(int fd, int ptyno)
{
	struct pollfd pfd = { .events = POLLIN };
	int wfd, id, r;

	if ((wfd = host_watch_open()) != -1 &&
	    host_watch_add(wfd, ptyno) == -1) {
		xsys_close(wfd);
		return -1;
	}
	pfd.fd = wfd;
	/* opened between the hangup and the watch?  then it is gone */
	while ((r = host_mgr_hup(fd)) == 1) {
		if (xsys_poll(&pfd, 1, wfd == -1 ? REOPEN_POLL_MS : -1) == -1)
			break;
		if (wfd != -1 && host_watch_take(wfd, &id, 1) > 0) {
			r = 0;
			break;
		}
	}
	if (wfd != -1)
		xsys_close(wfd);
	return r == 0 ? 0 : -1;
}

static int
iov_empty(const struct iovec *iov, int iovcnt)
{
	int i;

	for (i = 0; i < iovcnt; i++)
		if (iov[i].iov_len > 0)
			return 0;
	return 1;
}

static ssize_t
direct_read(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt)
{
	ssize_t r;
	int fl;

	for (;;) {
		r = host_mgr_readv(fd, iov, iovcnt);
		if (r > 0) {
			if (atomic_load_explicit(&xs->eofstate,
			    memory_order_relaxed) != XEOF_NONE)
				atomic_store_explicit(&xs->eofstate, XEOF_NONE,
				    memory_order_relaxed);
			return r;
		}
		if (r == 0 && iov_empty(iov, iovcnt))
			return 0;	/* asked for nothing: no hangup */
		if (!host_mgr_read_hup(r, errno))
			return r;
		/* one reader, whichever thread, gets the zero-length message */
		if (atomic_exchange_explicit(&xs->eofstate, XEOF_DONE,
		    memory_order_relaxed) != XEOF_DONE) {
			xstate_dismantle(fd);	/* as ptsclose() does */
			XTRACE(fd, "read: zero-length message (last subsidiary close)",
			    -1, 0, "host said EIO");
			return 0;
		}
		fl = xsys_fcntl(fd, F_GETFL, 0);
		if (fl != -1 && (fl & O_NONBLOCK)) {
			errno = EAGAIN;
			return -1;
		}
		if (wait_reopen(fd, xs->ptyno) == -1)
			return -1;
		/* a new open: its last close is a new zero-length message */
		atomic_store_explicit(&xs->eofstate, XEOF_NONE,
		    memory_order_relaxed);
	}
}

/*
 * The daemon is gone: its end of file stays.  Drop the private host copy
 * too, or it would keep the pty from hanging up.
 */
static void
relay_lost(struct xstream *xs)
{
	if (xs->hostfd < 0)
		return;
	xfd_set_private(xs->hostfd, NULL);
	xsys_close(xs->hostfd);
	XS_STORE(xs->hostfd, -1);
}

#define RELAY_CHAIN_MAX	64	/* successors followed by one read */

static ssize_t
relay_read(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt)
{
	size_t want = 0;
	ssize_t r;
	int i, n, saved;

	for (i = 0; i < iovcnt; i++)
		want += iov[i].iov_len;
	for (n = 0; n < RELAY_CHAIN_MAX; n++) {
		r = xsys_readv(fd, iov, iovcnt);
		if (r != 0 || want == 0)
			return r;
		saved = errno;
		i = relay_reattach(fd, xs);
		if (i == -1 && errno != EAGAIN)
			relay_lost(xs);
		errno = saved;
		if (i != 1)
			break;
		/* another reader had this message: go on to what follows */
	}
	XTRACE(fd, "read: zero-length message", -1, 0, NULL);
	return 0;
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
	if (xs->engine == XE_RELAY)
		r = relay_read(fd, xs, iov, iovcnt);
	else
		r = direct_read(fd, xs, iov, iovcnt);
	if (r > 0 && queued > r) {
		saved = errno;
		discard_queued(fd, xs, (size_t)(queued - r));
		errno = saved;
	}
	return r;
}

/* A manager read that ignores pckt (pckt.c reads the packets itself). */
ssize_t
xpty_raw_read(int fd, struct xstream *xs, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	if (xs->engine == XE_RELAY)
		return relay_read(fd, xs, &iov, 1);
	return direct_read(fd, xs, &iov, 1);
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

/*
 * pckt pushed or popped on a manager.  The XSTATE_PCKT mark tells
 * subsidiary-side processes to report their termios changes (M_IOCTL).
 */
int
stream_set_pckt(int fd, struct xstream *xs, int on)
{
	struct xstate xst;
	int cfd = stream_ctlfd(fd, xs);

	if (xs->engine == XE_RELAY ? relay_set_pckt(fd, on) :
	    host_set_pktmode(fd, on))
		return -1;
	pckt_reset(xs);		/* no partly read message survives */
	if (xstate_get(cfd, &xst) == 0 && xst.managed) {
		if (on)
			xst.flags |= XSTATE_PCKT;
		else
			xst.flags &= ~XSTATE_PCKT;
		(void)xstate_put(cfd, &xst, NULL);
	}
	return 0;
}

/*
 * After a successful termios, window-size or break request on a
 * subsidiary: what ptem sends down for pckt (an M_IOCTL copy: struct
 * iocblk, then the request's data), and the hangup toward the manager when
 * the speed is set to B0.  Request numbers and termios layout are the
 * host's, as the program reading the messages was compiled with them.
 */
void
stream_after_set(int fd, struct xstream *xs, unsigned long req,
    const void *arg, size_t len)
{
	unsigned char msg[sizeof(struct iocblk) + sizeof(struct termios)];
	struct iocblk ioc;
	struct xstate xst;
	struct kterm t;
	int saved = errno;

	if (xs->kind != XK_SUBSID || xstate_read(fd, &xst, &t) == -1 ||
	    !xst.managed)
		goto out;
	if ((req == TCSETS || req == TCSETSW || req == TCSETSF) &&
	    (t.c_cflag & CBAUD) == B0 && xstate_has(&xst, XM_PTEM))
		(void)relay_zero_write(xs->ptyno, fd);	/* ptem: hangup */
	if (!(xst.flags & XSTATE_PCKT) || len > sizeof(struct termios))
		goto out;
	memset(&ioc, 0, sizeof(ioc));
	ioc.ioc_cmd = (int)req;
	ioc.ioc_count = len;
	memcpy(msg, &ioc, sizeof(ioc));
	if (len > 0 && xpty_user_copyin(msg + sizeof(ioc), arg, len) == -1)
		goto out;
	(void)relay_event(xs->ptyno, fd, M_IOCTL, msg, sizeof(ioc) + len);
out:
	errno = saved;
}

/* Wait until xptyd has handled what already happened on pty ptyno. */
void
relay_barrier(int ptyno)
{
	int saved = errno;

	(void)relay_sync_close(ptyno);
	errno = saved;
}
