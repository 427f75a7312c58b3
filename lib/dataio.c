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
 *     next connection instead of returning 0.  A fetch interrupted by a
 *     signal still returns the message's 0, and the next read fetches
 *     (xs->zero_owed).  End of file with POLLHUP, or ECONNRESET, is no
 *     message: the daemon's end is gone, and so is a daemon that cannot
 *     serve the fetch; the manager goes on in the direct engine
 *     (fallback.c).  A read that ends after another thread closed its
 *     descriptor touches nothing that reuses the number (still_ours()).
 *   direct engine: the descriptor is the host manager; the first hangup
 *     indication of the host (Linux's EIO, the BSDs' 0: host_mgr_read_hup)
 *     becomes 0 and dismantles the stream (modules gone, XPG4v2 mark
 *     cleared, as ptsclose does); after that a blocking read waits for the
 *     next open of the subsidiary (host_watch_*) instead of spinning.
 *     A manager with the host's semantics (xs->hostdata: made by openpty,
 *     or after TIOCPKT) reads as the host's does: its EIO stays, nothing
 *     is dismantled, and a zero-length write on its subsidiary is nothing.
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
 * Writes on a relayed manager go straight to the host manager when the
 * socket holds nothing (relay_write()) and never raise SIGPIPE; a daemon
 * gone makes the manager go direct, and the write with it.
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

#define DISCARD_CHUNK	512	/* discard_bytes(): 8 entries of one buffer */
#define DISCARD_IOV	8

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

/*
 * Is fd still a descriptor of stream xs, of the generation gen that a
 * read began on?  Another thread may have closed fd while the read was
 * blocked (the read goes on with the file it had), and the number, even
 * the xstream's memory, may serve another pty now: what the read saw
 * then says nothing about them, and nothing may be done to them.
 */
static int
still_ours(int fd, struct xstream *xs, uint32_t gen)
{
	return xfd_lookup(fd) == xs &&
	    atomic_load_explicit(&xs->gen, memory_order_relaxed) == gen;
}

static ssize_t
direct_read(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt)
{
	uint32_t gen = atomic_load_explicit(&xs->gen, memory_order_relaxed);
	ssize_t r;
	int fl;

	if (xs->hostdata)	/* the kernel's own answer, as stdio gets it */
		return xsys_readv(fd, iov, iovcnt);
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
		/* the pty read from, not one that has the number since */
		if (!still_ours(fd, xs, gen) || host_ptyno(fd) != XS_LOAD(xs->ptyno))
			return 0;
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

#define RELAY_CHAIN_MAX	64	/* successors followed by one read */

/*
 * Is the daemon's end of this socket closed (the daemon died, or dropped
 * the socket before adopting it)?  Its zero-length message only shuts
 * its writing half down: that polls POLLRDHUP, not POLLHUP.
 */
static int
peer_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return xsys_poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLHUP | POLLERR)) != 0;
}

/*
 * The end of the socket: a zero-length message, so fetch what follows.
 * Returns 1 to read on (another reader, or an earlier call, returned
 * this message's 0), 0 to return the message's 0, 2 if the pty was
 * released (the host manager is under fd now), -1 with errno.  A
 * fetch cut short by a signal leaves the message read (0 now) and the
 * fetch owed; a daemon that cannot serve the stream any more is left for
 * the direct engine (fallback.c), after this 0.
 */
static int
relay_next(int fd, struct xstream *xs, uint32_t gen)
{
	int owed = xs->zero_owed, i, e;

	xs->zero_owed = 0;
	if ((i = relay_reattach(fd, xs)) != -1)
		return i == 2 ? 2 : i == 1 || owed;
	e = errno;
	if (e == EINTR || e == EINPROGRESS) {
		xs->zero_owed = 1;
		if (owed) {
			errno = EINTR;
			return -1;
		}
		return 0;
	}
	if (e != EAGAIN && still_ours(fd, xs, gen) &&
	    relay_fallback(fd, xs, relay_last_error()) == 0 && owed)
		return 1;
	return 0;	/* EAGAIN: the daemon keeps the stream ended for now */
}

#define PEND_IOV	8	/* iovecs a released socket's read uses */

/*
 * The pty was released (XP_RELEASE, after TIOCPKT) and the stream has
 * ended: fd is the host manager itself now (relay_reattach put it there);
 * the private copy is not needed.
 */
void
relay_became_host(struct xstream *xs)
{
	int hfd = XS_LOAD(xs->hostfd);

	if (hfd >= 0) {
		xfd_gate_enter();
		xfd_set_private(hfd, NULL);
		xsys_close(hfd);
		XS_STORE(xs->hostfd, -1);
		xfd_gate_leave();
	}
	XS_STORE(xs->engine, XE_DIRECT);
	xs->hostdata = 1;
}

/* Is packet mode (TIOCPKT) on for this relayed pty's host manager? */
static int
relay_pktmode(const struct xstream *xs)
{
	int on = 0, saved = errno;

	if (xs->hostfd < 0 || xsys_ioctl(xs->hostfd, TIOCGPKT, &on) == -1)
		on = 0;
	errno = saved;
	return on != 0;
}

/*
 * A read of what a released pty's socket still holds (it was read from
 * the host manager before the release), as the host manager in packet
 * mode gives data: a TIOCPKT_DATA status byte first.  0 at its end.
 */
static ssize_t
relay_read_pkt(int fd, const struct iovec *iov, int iovcnt)
{
	struct iovec v[PEND_IOV];
	char c;
	ssize_t r;
	int i, n = 0;

	if (iovcnt < 1 || iov[0].iov_len == 0)
		return xsys_readv(fd, iov, iovcnt);
	if (xpty_user_copyout(iov[0].iov_base, "", 1) == -1)
		return -1;		/* EFAULT */
	if (iov[0].iov_len > 1) {
		v[n].iov_base = (char *)iov[0].iov_base + 1;
		v[n++].iov_len = iov[0].iov_len - 1;
	}
	for (i = 1; i < iovcnt && n < PEND_IOV; i++)
		v[n++] = iov[i];
	if (n == 0) {	/* room for the status byte only: is data there? */
		r = xsys_recv(fd, &c, 1, MSG_PEEK);
		return r == 1 ? 1 : r;	/* the status byte; the end; -1 */
	}
	r = xsys_readv(fd, v, n);
	return r > 0 ? r + 1 : r;
}

static ssize_t
relay_read(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt)
{
	uint32_t gen = atomic_load_explicit(&xs->gen, memory_order_relaxed);
	size_t want = 0;
	ssize_t r;
	int i, n, saved;

	for (i = 0; i < iovcnt; i++)
		want += iov[i].iov_len;
	for (n = 0; n < RELAY_CHAIN_MAX; n++) {
		if (xs->hostdata && want > 0 && relay_pktmode(xs))
			r = relay_read_pkt(fd, iov, iovcnt);
		else
			r = xsys_readv(fd, iov, iovcnt);
		if (r > 0 || (r == 0 && want == 0) ||
		    (r == -1 && errno != ECONNRESET))
			return r;
		/*
		 * The end of the socket read from.  Is fd still that socket,
		 * of this stream?  If not, it was closed during the read, and
		 * its end is all there is.
		 */
		if (!still_ours(fd, xs, gen))
			return r;
		saved = errno;
		if (r == -1 || peer_gone(fd)) {
			/* not a message: the daemon's end is gone */
			if (relay_fallback(fd, xs, "its socket's daemon end is "
			    "closed") == -1)
				return -1;
			errno = saved;
			if (XS_LOAD(xs->engine) != XE_DIRECT)
				return r;
			return direct_read(fd, xs, iov, iovcnt);
		}
		if (host_sock_rdhup(fd) != 1)
			break;
		if ((i = relay_next(fd, xs, gen)) == -1)
			return -1;
		errno = saved;
		if (i == 2) {
			/* released: the host manager from here on */
			relay_became_host(xs);
			return xsys_readv(fd, iov, iovcnt);	/* the kernel's */
		}
		if (XS_LOAD(xs->engine) == XE_DIRECT)
			return i == 1 ? direct_read(fd, xs, iov, iovcnt) : 0;
		if (i == 0)
			break;
		/* another reader had this message: go on to what follows */
	}
	XTRACE(fd, "read: zero-length message", -1, 0, NULL);
	return 0;
}

static ssize_t	subsid_read_failed(int);

/*
 * Throw away up to n bytes queued on fd, a socket (without waiting) or
 * a tty, through one small buffer that every iovec entry shares.
 */
void
discard_bytes(int fd, int sock, size_t n)
{
	unsigned char sink[DISCARD_CHUNK];
	struct iovec iov[DISCARD_IOV];
	struct msghdr msg;
	size_t want;
	ssize_t r;
	int i;

	while (n > 0) {
		for (i = 0, want = 0; i < DISCARD_IOV && want < n; i++) {
			iov[i].iov_base = sink;
			iov[i].iov_len = n - want < sizeof(sink) ? n - want :
			    sizeof(sink);
			want += iov[i].iov_len;
		}
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)i;
		r = sock ? xsys_recvmsg(fd, &msg, MSG_DONTWAIT) :
		    xsys_readv(fd, iov, i);
		if (r <= 0)
			break;
		n -= (size_t)r;
	}
}

/* Throw away n bytes known to be queued on fd (RMSGD). */
static void
discard_queued(int fd, struct xstream *xs, size_t n)
{
	discard_bytes(fd, xs->engine == XE_RELAY, n);
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
xpty_raw_readv(int fd, struct xstream *xs, const struct iovec *iov,
    int iovcnt)
{
	if (xs->engine == XE_RELAY)
		return relay_read(fd, xs, iov, iovcnt);
	return direct_read(fd, xs, iov, iovcnt);
}

ssize_t
xpty_raw_read(int fd, struct xstream *xs, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return xpty_raw_readv(fd, xs, &iov, 1);
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
 * A write of len > 0 bytes on a managed descriptor (write(), putmsg()).
 * A relayed manager's goes straight to the host manager when nothing is
 * queued in the socket (relay_write), and never raises SIGPIPE: when the
 * daemon's end is gone, the manager goes on in the direct engine
 * (fallback.c) and the write with it, or fails with EIO as a hung-up pty.
 */
ssize_t
xpty_write(int fd, struct xstream *xs, const void *buf, size_t len)
{
	ssize_t r;

	if (xs->kind == XK_MANAGER && XS_LOAD(xs->engine) == XE_RELAY) {
		r = relay_write(fd, XS_LOAD(xs->hostfd), buf, len);
		if (r != -1 || (errno != EPIPE && errno != ECONNRESET))
			return r;
		if (relay_fallback(fd, xs, "its socket's daemon end is "
		    "closed") == -1)
			return -1;
	}
	if (xpty_next.write != NULL)
		return xpty_next.write(fd, buf, len);
	return xsys_write(fd, buf, len);
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
	if (xst.managed && !(xst.flags & XSTATE_HOSTDATA) &&
	    (!xstate_has(&xst, XM_PTEM) || (xst.flags & XSTATE_PTEM_XPG4))) {
		int r = relay_zero_write(xs->ptyno, fd);

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
			return -1;
		}
	} else
		XTRACE(fd, "zero-length write: discarded by ptem", -1, 0, NULL);
	errno = saved;
	return 0;
}

/* Wait until xptyd has handled what already happened on pty ptyno. */
void
relay_barrier(int ptyno)
{
	int saved = errno;

	(void)relay_sync_close(ptyno);
	errno = saved;
}
