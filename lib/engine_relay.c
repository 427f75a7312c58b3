/*
 * engine_relay.c - the relay engine: the manager's descriptor is a
 * socket to xptyd (relay.c, relay_wire.c), which reads the host manager
 * and writes what STREAMS would deliver; the process also holds a private
 * copy of the host manager (xs->hostfd) for the host's requests and for
 * writing.
 *
 * Reads.  xptyd ends the byte stream with shutdown() where the last
 * subsidiary closed (a zero-length message); once read() has seen that
 * 0, relay_reattach() swaps the connection that follows in under the
 * same descriptor number, so the stream goes on.  If another holder of
 * the socket (after fork, or another descriptor) fetched it first, that
 * holder had the message: this read goes on with the next connection
 * instead of returning 0.  A fetch interrupted by a signal still returns
 * the message's 0, and the next read fetches (xs->zero_owed).  End of
 * file with POLLHUP, or ECONNRESET, is no message: the daemon's end is
 * gone, and so is a daemon that cannot serve the fetch; the manager goes
 * on in the direct engine (fallback.c).  A read that ends after another
 * thread closed its descriptor touches nothing that reuses the number.
 * A pty released to the host's semantics (XP_RELEASE, after TIOCPKT)
 * reads what its socket still holds as the host manager in packet mode
 * would give it, then the host manager itself (relay_became_host).
 *
 * Writes go straight to the host manager when the socket holds nothing
 * (relay_write) and never raise SIGPIPE; a daemon gone makes the manager
 * go direct, and the write with it.
 *
 * pckt.  xptyd frames messages as a type byte, a 32-bit length in
 * little-endian order and the payload (common/proto.h).  The head
 * message's frame header is read (head_open) and its data part is read
 * from the socket as the caller takes it (xs->frame_left counts what is
 * left); I_PEEK and I_NREAD look at the frames with MSG_PEEK, the data
 * straight into the caller's buffer (nothing large on the stack).
 *
 * State: xs->zero_owed, the head message's xs->msg_*, xs->frame_left
 * (unguarded: pckt readers of one manager serialise themselves).
 * Descriptors: the socket fd and xs->hostfd, both the stream's; no
 * descriptor of its own outlives a call.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"
#include "engine.h"
#include "proto.h"

#define RELAY_CHAIN_MAX	64	/* successors followed by one read */
#define PEND_IOV	8	/* iovecs a released socket's read uses */
#define TAKE_IOV	8	/* caller's iovec entries one read fills */
#define TAKE_CHUNK	512	/* head_discard's sink, TAKE_IOV times */
#define PEEK_MAX	65536	/* the most I_PEEK shows of a message */
#define NREAD_SPAN	16383	/* I_NREAD counts frames starting here */
#define NREAD_CHUNK	512
#define OUTQ_WAIT_MS	200	/* TIOCPKT: for what the application wrote */

static const char gone_cause[] = "its socket's daemon end is closed";

/* The host manager: for the host's requests and for writing. */
static int
relay_hostfd(int fd, const struct xstream *xs)
{
	int	hfd = XS_LOAD(xs->hostfd);

	return (hfd >= 0 ? hfd : fd);
}

/*
 * Is the daemon's end of this socket closed (the daemon died, or dropped
 * the socket before adopting it)?  Its zero-length message only shuts
 * its writing half down: that polls POLLRDHUP, not POLLHUP.
 */
static int
peer_gone(int fd)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	return (xsys_poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLHUP | POLLERR)) != 0);
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
	int	owed = xs->zero_owed, i, e;

	xs->zero_owed = 0;
	if ((i = relay_reattach(fd, xs)) != -1)
		return (i == 2 ? 2 : i == 1 || owed);
	e = errno;
	if (e == EINTR || e == EINPROGRESS) {
		xs->zero_owed = 1;
		if (owed) {
			errno = EINTR;
			return (-1);
		}
		return (0);
	}
	if (e != EAGAIN && engine_still_ours(fd, xs, gen) &&
	    relay_fallback(fd, xs, relay_last_error()) == 0 && owed)
		return (1);
	return (0);	/* EAGAIN: the daemon keeps the stream ended for now */
}

/*
 * The pty was released (XP_RELEASE, after TIOCPKT) and the stream has
 * ended: fd is the host manager itself now (relay_reattach put it there);
 * the private copy is not needed.
 */
void
relay_became_host(struct xstream *xs)
{
	int	hfd = XS_LOAD(xs->hostfd);

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
	int	hfd = XS_LOAD(xs->hostfd), saved = errno, on;

	on = hfd >= 0 ? host_get_pktmode(hfd) : 0;
	errno = saved;
	return (on == 1);
}

/*
 * A read of what a released pty's socket still holds (it was read from
 * the host manager before the release), as the host manager in packet
 * mode gives data: a HOST_PKT_DATA status byte first.  0 at its end.
 */
static ssize_t
relay_read_pkt(int fd, const struct iovec *iov, int iovcnt)
{
	struct iovec	v[PEND_IOV];
	unsigned char	st = HOST_PKT_DATA;
	char		c;
	ssize_t		r;
	int		i, n = 0;

	if (iovcnt < 1 || iov[0].iov_len == 0)
		return (xsys_readv(fd, iov, iovcnt));
	if (xpty_user_copyout(iov[0].iov_base, &st, 1) == -1)
		return (-1);		/* EFAULT */
	if (iov[0].iov_len > 1) {
		v[n].iov_base = (char *)iov[0].iov_base + 1;
		v[n++].iov_len = iov[0].iov_len - 1;
	}
	for (i = 1; i < iovcnt && n < PEND_IOV; i++)
		v[n++] = iov[i];
	if (n == 0) {	/* room for the status byte only: is data there? */
		r = xsys_recv(fd, &c, 1, MSG_PEEK);
		return (r == 1 ? 1 : r);	/* status byte; end; -1 */
	}
	r = xsys_readv(fd, v, n);
	return (r > 0 ? r + 1 : r);
}

/* The daemon's end is gone: go on in the direct engine, if there is one. */
static ssize_t
read_lost(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt,
    ssize_t r)
{
	int	saved = errno;

	if (relay_fallback(fd, xs, gone_cause) == -1)
		return (-1);
	errno = saved;
	if (XS_LOAD(xs->engine) != XE_DIRECT)
		return (r);
	return (direct_readv(fd, xs, iov, iovcnt));
}

ssize_t
relay_readv(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt)
{
	uint32_t	gen = atomic_load_explicit(&xs->gen,
	    memory_order_relaxed);
	int		empty = engine_iov_empty(iov, iovcnt), i, n, saved;
	ssize_t		r;

	for (n = 0; n < RELAY_CHAIN_MAX; n++) {
		if (xs->hostdata && !empty && relay_pktmode(xs))
			r = relay_read_pkt(fd, iov, iovcnt);
		else
			r = xsys_readv(fd, iov, iovcnt);
		if (r > 0 || (r == 0 && empty) ||
		    (r == -1 && errno != ECONNRESET))
			return (r);
		/*
		 * The end of the socket read from.  Is fd still that socket,
		 * of this stream?  If not, it was closed during the read, and
		 * its end is all there is.
		 */
		if (!engine_still_ours(fd, xs, gen))
			return (r);
		if (r == -1 || peer_gone(fd))
			return (read_lost(fd, xs, iov, iovcnt, r));
		if (host_sock_rdhup(fd) != 1)
			break;
		saved = errno;
		if ((i = relay_next(fd, xs, gen)) == -1)
			return (-1);
		errno = saved;
		if (i == 2) {
			/* released: the host manager from here on */
			relay_became_host(xs);
			return (xsys_readv(fd, iov, iovcnt));
		}
		if (XS_LOAD(xs->engine) == XE_DIRECT)
			return (i == 1 ? direct_readv(fd, xs, iov, iovcnt) : 0);
		if (i == 0)
			break;
		/* another reader had this message: go on to what follows */
	}
	XTRACE(fd, "read: zero-length message", -1, 0, NULL);
	return (0);
}

/*
 * A write: straight to the host manager when nothing waits in the socket
 * (relay_write), never SIGPIPE; the daemon's end gone, the manager goes
 * direct and the write with it, or fails EIO as a hung-up pty.
 */
ssize_t
relay_writeb(int fd, struct xstream *xs, const void *buf, size_t len)
{
	ssize_t	r;

	r = relay_write(fd, XS_LOAD(xs->hostfd), buf, len);
	if (r != -1 || (errno != EPIPE && errno != ECONNRESET))
		return (r);
	if (relay_fallback(fd, xs, gone_cause) == -1)
		return (-1);
	return (XENGINE(xs)->write(fd, xs, buf, len));
}

void
relay_discard(int fd, struct xstream *xs, size_t n)
{
	(void)xs;
	discard_bytes(fd, 1, n);
}

/*
 * What the daemon has read from the host and not delivered: drop it.
 * The caller has flushed the host manager already; the barrier first
 * (relay_sync) lets xptyd send what it read from it before that flush
 * (a read of the host and its send are one turn of xptyd's loop), which
 * would otherwise arrive in the socket after it was emptied here.
 */
void
relay_flush_read(int fd, struct xstream *xs)
{
	int	n = 0;

	relay_sync(xs);
	if (xsys_ioctl(fd, FIONREAD, &n) == 0 && n > 0)
		discard_bytes(fd, 1, (size_t)n);
}

/* Peek len bytes of the socket (after hlen into hdr) into ubuf. */
static ssize_t
peek_into(int fd, unsigned char *hdr, size_t hlen, void *ubuf, size_t len)
{
	struct iovec	iov[2];
	struct msghdr	msg;
	int		n = 0;

	if (hlen > 0) {
		iov[n].iov_base = hdr;
		iov[n++].iov_len = hlen;
	}
	if (len > 0) {
		iov[n].iov_base = ubuf;
		iov[n++].iov_len = len;
	}
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)n;
	return (xsys_recvmsg(fd, &msg, MSG_PEEK | MSG_DONTWAIT));
}

ssize_t
relay_peek(int fd, struct xstream *xs, void *ubuf, size_t len)
{
	ssize_t	r;

	(void)xs;
	if (len > PEEK_MAX)
		len = PEEK_MAX;
	if (len == 0)
		return (0);
	r = peek_into(fd, NULL, 0, ubuf, len);
	if (r < 0 && errno == EFAULT)
		return (-1);
	return (r < 0 ? 0 : r);
}

/* The daemon ended the byte stream: a zero-length message waits. */
int
relay_eof_pending(int fd, const struct xstream *xs)
{
	(void)xs;
	return (host_sock_rdhup(fd) == 1);
}

/* FIONREAD and TIOCOUTQ: the socket's and the host manager's. */
int
relay_count(int fd, struct xstream *xs, unsigned long req, int *n)
{
	int	h = 0, s = 0;

	if (xsys_ioctl(relay_hostfd(fd, xs), req, &h) == -1)
		return (-1);
	if (req == FIONREAD)
		(void)xsys_ioctl(fd, FIONREAD, &s);	/* relayed already */
	else
		(void)host_sock_outq(fd, &s);	/* not relayed yet */
	*n = h + s;
	return (0);
}

/*
 * pckt on or off: the daemon's framing.  Interrupted before the request
 * went out, nothing happened (EINTR); any other failure leaves the
 * daemon's framing unknown, so the manager goes direct (fallback.c) and
 * pckt is set there.
 */
int
relay_set_pcktb(int fd, struct xstream *xs, int on)
{
	if (relay_set_pckt(fd, on) == 0)
		return (0);
	if (errno == EINTR || relay_fallback(fd, xs, relay_last_error()) == -1)
		return (-1);
	return (XENGINE(xs)->set_pckt(fd, xs, on));
}

/*
 * Receive exactly the bytes iov (cnt entries, len in all) holds, unless
 * end of file or an error comes first; iov is used up on the way.
 */
static ssize_t
recv_iov(int fd, struct iovec *iov, int cnt, size_t len)
{
	struct msghdr	msg;
	size_t		got = 0, r;
	ssize_t		n;

	while (got < len) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)cnt;
		n = xsys_recvmsg(fd, &msg, MSG_WAITALL);
		if (n <= 0)
			return (got > 0 ? (ssize_t)got : n);
		got += (size_t)n;
		for (r = (size_t)n; cnt > 0 && r >= iov->iov_len; cnt--, iov++)
			r -= iov->iov_len;
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + r;
			iov->iov_len -= r;
		}
	}
	return ((ssize_t)got);
}

/* Is a whole frame header there to read (a look that does not wait)? */
static int
header_ready(int fd)
{
	unsigned char	hdr[XP_FRAMEHDR];
	ssize_t		r;

	r = xsys_recv(fd, hdr, sizeof(hdr), MSG_PEEK | MSG_DONTWAIT);
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return (0);
	if (r > 0 && r < (ssize_t)sizeof(hdr))
		return (0);
	return (r == -1 ? -1 : 1);
}

/* Open the head message by reading its frame header. */
int
relay_head_open(int fd, struct xstream *xs, int block)
{
	unsigned char	hdr[XP_FRAMEHDR];
	struct iovec	iov = { .iov_base = hdr, .iov_len = sizeof(hdr) };
	ssize_t		r;

	if (xs->msg_ctl != 0 || xs->msg_data)
		return (PCKT_HEAD_OPEN);
	if (!block && (r = header_ready(fd)) != 1)
		return (r == 0 ? PCKT_HEAD_NONE : -1);
	r = recv_iov(fd, &iov, 1, sizeof(hdr));
	if (r == 0 || (r == -1 && errno == ECONNRESET)) {
		/*
		 * End of file: in pckt mode the daemon never ends the stream
		 * (its messages are frames), so it is gone.  Go on in the
		 * direct engine (fallback.c); without a host manager to go on
		 * with, a zero-length message, as a hangup.
		 */
		if (relay_fallback(fd, xs, gone_cause) == 0 &&
		    XENGINE(xs)->is_host)
			return (XENGINE(xs)->head_open(fd, xs, block));
		engine_head_zero(xs);
		return (PCKT_HEAD_OPEN);
	}
	if (r != (ssize_t)sizeof(hdr)) {
		if (r >= 0)
			errno = EPROTO;
		return (-1);
	}
	xs->msg_ctl = 1 + hdr[0];
	xs->msg_data = 1;
	xs->msg_kern = 0;
	xs->frame_left = xp_get32(hdr + 1);
	return (PCKT_HEAD_OPEN);
}

size_t
relay_head_left(const struct xstream *xs)
{
	return (xs->msg_data ? xs->frame_left : 0);
}

/* Deliver up to len bytes of the head's data part into iov at off. */
ssize_t
relay_head_take(int fd, struct xstream *xs, const struct iovec *iov,
    int iovcnt, size_t off, size_t len)
{
	struct iovec	v[TAKE_IOV];
	size_t		done = 0, n, got;
	ssize_t		r;
	int		nv;

	while (done < len && relay_head_left(xs) > 0) {
		n = len - done;
		if (n > relay_head_left(xs))
			n = relay_head_left(xs);
		nv = iov_sub(iov, iovcnt, off + done, n, v, TAKE_IOV, &got);
		r = recv_iov(fd, v, nv, got);
		if (r != (ssize_t)got) {
			if (r >= 0)
				errno = EPROTO;
			return (done > 0 ? (ssize_t)done : -1);
		}
		xs->frame_left -= (uint32_t)got;
		done += got;
	}
	if (relay_head_left(xs) == 0)
		xs->msg_data = 0;
	return ((ssize_t)done);
}

/* Throw away the rest of the head message (RMSGD). */
void
relay_head_discard(int fd, struct xstream *xs)
{
	unsigned char	sink[TAKE_CHUNK];
	struct iovec	v[TAKE_IOV];
	size_t		n;
	int		i;

	while (xs->frame_left > 0) {
		n = 0;
		for (i = 0; i < TAKE_IOV && n < xs->frame_left; i++) {
			v[i].iov_base = sink;
			v[i].iov_len = xs->frame_left - n < sizeof(sink) ?
			    xs->frame_left - n : sizeof(sink);
			n += v[i].iov_len;
		}
		if (recv_iov(fd, v, i, n) != (ssize_t)n)
			break;
		xs->frame_left -= (uint32_t)n;
	}
	engine_head_reset(xs);
}

/*
 * Count the frames whose header starts in the first NREAD_SPAN bytes of
 * the socket from off, peeking NREAD_CHUNK bytes at a time into one
 * small buffer (the bytes before each chunk are peeked into it too, and
 * overwritten: iovec entries may share a buffer).
 */
static int
count_frames(int fd, size_t off, int *first)
{
	unsigned char	chunk[NREAD_CHUNK];
	struct iovec	iov[NREAD_SPAN / NREAD_CHUNK + 2];
	struct msghdr	msg;
	size_t		left, pos, got;
	uint32_t	len;
	ssize_t		r;
	int		msgs = 0, n;

	while (off + XP_FRAMEHDR <= NREAD_SPAN) {
		for (n = 0, left = off; left > 0; n++) {
			iov[n].iov_base = chunk;
			iov[n].iov_len = left < sizeof(chunk) ? left :
			    sizeof(chunk);
			left -= iov[n].iov_len;
		}
		iov[n].iov_base = chunk;
		iov[n++].iov_len = sizeof(chunk);
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)n;
		r = xsys_recvmsg(fd, &msg, MSG_PEEK | MSG_DONTWAIT);
		if (r <= 0 || (size_t)r <= off)
			break;
		got = (size_t)r - off;
		for (pos = 0; pos + XP_FRAMEHDR <= got &&
		    off + pos + XP_FRAMEHDR <= NREAD_SPAN; msgs++) {
			len = xp_get32(chunk + pos + 1);
			if (*first < 0)
				*first = (int)len;
			pos += XP_FRAMEHDR + len;
		}
		if (pos == 0)
			break;	/* a header cut short: the rest is not there */
		off += pos;
	}
	return (msgs);
}

int
relay_head_count(int fd, struct xstream *xs, int *first)
{
	int	open = xs->msg_ctl != 0 || xs->msg_data;

	return (count_frames(fd, open ? xs->frame_left : 0, first));
}

/*
 * I_PEEK: the header first, then the header and exactly what the caller
 * takes of the frame's data, so nothing past the frame is written there.
 */
int
relay_head_peek(int fd, struct xstream *xs, void *ubuf, int want,
    struct xpeek *pk)
{
	unsigned char	hdr[XP_FRAMEHDR];
	uint32_t	len;
	ssize_t		r = 0;

	if (want > PEEK_MAX)
		want = PEEK_MAX;
	pk->data = NULL;
	pk->dpresent = 1;
	if (xs->msg_ctl != 0 || xs->msg_data) {
		pk->type = xs->msg_ctl - 1;
		pk->dpresent = xs->msg_data;
		if (xs->msg_data && xs->frame_left > 0 && want > 0) {
			if ((uint32_t)want > xs->frame_left)
				want = (int)xs->frame_left;
			r = peek_into(fd, NULL, 0, ubuf, (size_t)want);
			if (r < 0 && errno == EFAULT)
				return (-1);
			if (r < 0)
				r = 0;
		}
		pk->dlen = (int)r;
		return (1);
	}
	r = peek_into(fd, hdr, sizeof(hdr), NULL, 0);
	if (r == -1)
		return ((errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1);
	if (r == 0) {		/* the daemon is gone: a zero-length message */
		pk->type = M_DATA;
		pk->dlen = 0;
		return (1);
	}
	if (r < XP_FRAMEHDR)
		return (0);
	len = xp_get32(hdr + 1);
	if (want > 0 && (uint32_t)want > len)
		want = (int)len;
	if (want > 0) {
		r = peek_into(fd, hdr, sizeof(hdr), ubuf, (size_t)want);
		if (r == -1)
			return (errno == EFAULT ? -1 : 0);
		if (r < XP_FRAMEHDR)
			return (0);	/* another reader took it meanwhile */
	}
	pk->type = hdr[0];
	pk->dlen = (int)r - XP_FRAMEHDR;
	return (1);
}

/* xptyd dismantles at the last close it sees: let it see one before. */
void
relay_sync(struct xstream *xs)
{
	(void)relay_sync_close(xs->ptyno);
}

/*
 * The last descriptor of a relayed manager in this process: once it and
 * the private host copy are closed, ask the daemon to finish the hangup
 * (if no other process holds the manager), so that the subsidiary is hung
 * up when close() returns, as with a kernel driver.  With no subsidiary
 * open anywhere (the host manager shows POLLHUP) nobody can see the
 * hangup come a little later: the daemon notices by itself, and a
 * libxpty process that opens /dev/pts/N meanwhile waits for it
 * (open_hook's barrier).  Then close() does not wait.
 */
int
relay_last_close(struct xstream *xs)
{
	int	hfd = XS_LOAD(xs->hostfd);

	if (hfd < 0 || host_mgr_hup(hfd) != 1)
		return (xs->ptyno);
	return (-1);
}

/* Until the daemon has written what fd's socket holds (bounded). */
static void
wait_outq(int fd)
{
	struct timespec	ts = { 0, 2000000 };
	int		q, i;

	for (i = 0; i < OUTQ_WAIT_MS / 2; i++) {
		if (host_sock_outq(fd, &q) == -1 || q == 0)
			return;
		(void)nanosleep(&ts, NULL);
	}
}

/*
 * TIOCPKT: the relayed manager fd takes the host manager from xptyd
 * (relay_release); 1 if the daemon ended the stream at once.
 */
int
relay_take_host(int fd, struct xstream *xs)
{
	if (xs->hostdata)
		return (0);
	wait_outq(fd);
	return (relay_release(fd));
}

/* Nothing to read first: put the host manager under fd at once. */
void
relay_took_host(int fd, struct xstream *xs)
{
	int	q = 1;

	if (xsys_ioctl(fd, FIONREAD, &q) == 0 && q == 0 &&
	    relay_reattach(fd, xs) == 2)
		relay_became_host(xs);
}

const struct xengine xengine_relay = {
	.name = "relay",
	.is_host = 0,
	.readv = relay_readv,
	.write = relay_writeb,
	.discard = relay_discard,
	.flush_read = relay_flush_read,
	.peek = relay_peek,
	.eof_pending = relay_eof_pending,
	.count = relay_count,
	.set_pckt = relay_set_pcktb,
	.head_open = relay_head_open,
	.head_left = relay_head_left,
	.head_take = relay_head_take,
	.head_discard = relay_head_discard,
	.head_count = relay_head_count,
	.head_peek = relay_head_peek,
	.sync = relay_sync,
	.last_close = relay_last_close,
	.take_host = relay_take_host,
	.took_host = relay_took_host,
};
