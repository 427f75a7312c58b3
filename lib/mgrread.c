/*
 * mgrread.c - a manager's reads as the engines make them: the STREAMS
 * end of file of a last subsidiary close, and what follows it.  Below
 * the stream model (pckt.c and strhead.c read packets through it) and the
 * data path (dataio.c adds the read modes); it is the engines' layer.
 *
 * Theory of operation.  STREAMS delivers a zero-length message when the
 * last subsidiary closes, so the manager reads 0 once and then blocks (or
 * gets EAGAIN) until a subsidiary is opened again; the host gives its
 * hangup indication instead, over and over.
 *   relay engine: the descriptor is a socket whose far end (xptyd) ends
 *     the byte stream with shutdown() at that point; once read() has
 *     seen that 0, relay_reattach() (relay.c) swaps the connection that
 *     follows in under the same descriptor number, so the stream goes on.
 *     If another holder of the socket (after fork, or another descriptor)
 *     fetched it first, that holder had the message: this read goes on
 *     with the next connection instead of returning 0.  If the daemon is
 *     gone its end of file stays, and the private host manager copy is
 *     closed (the descriptor's owner is the xstream: relay_lost).
 *   direct engine: the descriptor is the host manager; the first hangup
 *     indication of the host (Linux's EIO, the BSDs' 0: host_mgr_read_hup)
 *     becomes 0 and dismantles the stream (xstate_dismantle, as ptsclose
 *     does); after that a blocking read waits for the next open of the
 *     subsidiary (host_watch_*: a watch set of its own, closed before it
 *     returns) instead of spinning.  A manager with the host's semantics
 *     (xs->hostdata: made by openpty, or after TIOCPKT) reads as the
 *     host's does: its hangup indication stays, nothing is dismantled.
 * The engine table (one file per engine) will take this file's two
 * halves apart; until then xs->engine picks one.
 *
 * State: eofstate in the manager's struct xstream, atomic (relaxed): one
 * thread may read the manager while another asks I_NREAD of it.
 */
#include "config.h"

#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>

#include "xpty.h"
#include "internal.h"

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
#define PEND_IOV	8	/* iovecs a released socket's read uses */

/*
 * The pty was released (XP_RELEASE, after TIOCPKT) and the stream has
 * ended: fd is the host manager itself now (relay_reattach put it there).
 */
void
relay_became_host(struct xstream *xs)
{
	relay_lost(xs);		/* the private copy: fd is it now */
	xs->engine = XE_DIRECT;
	xs->hostdata = 1;
}

/* Is packet mode (TIOCPKT) on for this relayed pty's host manager? */
static int
relay_pktmode(const struct xstream *xs)
{
	int saved = errno, on;

	on = xs->hostfd >= 0 && host_get_pktmode(xs->hostfd) == 1;
	errno = saved;
	return on;
}

/*
 * A read of what a released pty's socket still holds (it was read from
 * the host manager before the release), as the host manager in packet
 * mode gives data: a HOST_PKT_DATA status byte first.  0 at its end.
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
		if (r != 0 || want == 0)
			return r;
		/*
		 * The end of the socket read from: the zero-length message.
		 * Is fd still that socket, of this stream?  If not, it was
		 * closed during the read, and its end is all there is.
		 */
		if (!still_ours(fd, xs, gen) || host_sock_rdhup(fd) != 1)
			break;
		saved = errno;
		i = relay_reattach(fd, xs);
		if (i == -1 && errno != EAGAIN && still_ours(fd, xs, gen))
			relay_lost(xs);
		errno = saved;
		if (i == 2) {
			/* released: the host manager from here on */
			relay_became_host(xs);
			return host_mgr_readv(fd, iov, iovcnt);
		}
		if (i != 1)
			break;
		/* another reader had this message: go on to what follows */
	}
	XTRACE(fd, "read: zero-length message", -1, 0, NULL);
	return 0;
}

/* A manager read of either engine, without pckt or read modes. */
ssize_t
xpty_raw_readv(int fd, struct xstream *xs, const struct iovec *iov,
    int iovcnt)
{
	if (xs->engine == XE_RELAY)
		return relay_read(fd, xs, iov, iovcnt);
	return direct_read(fd, xs, iov, iovcnt);
}

/* The same into one buffer (pckt.c reads the packets itself). */
ssize_t
xpty_raw_read(int fd, struct xstream *xs, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return xpty_raw_readv(fd, xs, &iov, 1);
}
