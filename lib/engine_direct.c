/*
 * engine_direct.c - the direct engine: the manager's descriptor is the
 * host manager itself (no xptyd: XPTY_ENGINE=direct, a manager made by
 * openpty, one released to the host's semantics, or a relayed one whose
 * daemon is gone, fallback.c).
 *
 * Reads.  STREAMS delivers a zero-length message when the last
 * subsidiary closes, so the manager reads 0 once and then blocks (or gets
 * EAGAIN) until a subsidiary is opened again and writes; the host gives
 * its own hangup indication instead (Linux's EIO, the BSDs' 0:
 * host_mgr_read_hup).  The first one becomes 0 and dismantles the stream
 * (modules gone, XPG4v2 mark cleared, as ptsclose does); after that a
 * blocking read waits for the next open of the subsidiary (host_watch_*)
 * instead of spinning.  The first-close rule (lib/host.h
 * HOST_CAP_OPEN_CLOSES): a pty whose subsidiary was never opened
 * (XSTATE_FRESH) shows the hangup of the allocator's own close, which is
 * none: a read gets EAGAIN, or waits for the first open (wait_first_open),
 * and the hangup is no end of file (direct_eof_pending, the head).  Only
 * libxpty's opens clear the mark, and the watch of a waiting reader: a
 * non-blocking reader does not see a first open made without libxpty in
 * another process.  A manager with the host's semantics
 * (xs->hostdata: made by openpty, or after TIOCPKT) reads as the host's
 * does: its EIO stays, nothing is dismantled.  The host manager cannot
 * be peeked (I_PEEK of data fails EBADMSG) and carries no zero-length
 * message a subsidiary writes: those need xptyd.
 *
 * pckt.  The host manager runs in packet mode (host_set_pktmode).  Each
 * read returns a status byte: 0 is data, otherwise flush/stop/start bits,
 * which become M_FLUSH (FLUSHR/FLUSHW in the subsidiary's own view),
 * M_STOP and M_START, and a termios change the host reports
 * (HOST_PKT_TERMIOS: Linux reports only IXON's), an M_IOCTL carrying the
 * termios now in force (common/termmsg.h); when one status carries
 * several events the rest is kept (xs->pktstatus) for the next call.  A
 * data message is what one read of the host manager returns.  The
 * subsidiary's last close becomes a zero-length M_DATA; the termios
 * change of its dismantling is no message (illumos's ptsclose sends
 * none), so the status it raised is taken and its termios bit dropped.
 *
 * State: xs->eofstate (relaxed atomics: one thread may read while
 * another asks I_NREAD), the head message and pending status in the
 * xstream (unguarded: pckt readers of one manager serialise themselves).
 * Descriptors: fd only, and a watch set that lives for one wait.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"
#include "engine.h"
#include "termmsg.h"
#include "pktstat.h"

#define REOPEN_POLL_MS	20	/* hosts without a watch look this often */
#define TAKE_IOV	8	/* caller's iovec entries one read fills */
#define TAKE_CHUNK	512	/* head_discard's sink, TAKE_IOV times */

_Static_assert(XP_TERMIOS_MSGLEN <= XPTY_PENDMAX,
    "an M_IOCTL message fits the pending buffer");

/*
 * Block until a subsidiary of pty ptyno (manager fd) is opened again, or
 * a signal interrupts (-1/EINTR).  The watch set (host.h) is this call's
 * own descriptor.
 */
static int
wait_reopen(int fd, int ptyno)
{
	struct pollfd	pfd = { .events = POLLIN };
	int		wfd, id, r;

	if ((wfd = host_watch_open()) != -1 &&
	    host_watch_add(wfd, ptyno) == -1) {
		xsys_close(wfd);
		return (-1);
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
	return (r == 0 ? 0 : -1);
}

/*
 * The first-close rule: block until the fresh pty ptyno (manager fd) is
 * opened, or a signal interrupts (-1/EINTR).  The host manager is not
 * polled (its hangup is there for ever): the watch set is, and the mark
 * is looked at every REOPEN_POLL_MS, because libxpty's opener clears it
 * after its open, which a watch added meanwhile does not report.
 */
static int
wait_first_open(int fd, int ptyno)
{
	struct pollfd	pfd = { .events = POLLIN };
	int		wfd, id, r = 0;

	if ((wfd = host_watch_open()) != -1 &&
	    host_watch_add(wfd, ptyno) == -1) {
		xsys_close(wfd);
		wfd = -1;
	}
	pfd.fd = wfd;
	while (xstate_fresh(fd) && host_mgr_hup(fd) == 1) {
		if ((r = xsys_poll(&pfd, 1, REOPEN_POLL_MS)) == -1)
			break;
		if (wfd != -1 && host_watch_take(wfd, &id, 1) > 0)
			break;	/* opened: by anyone */
	}
	if (r != -1)
		(void)xstate_fresh_end(fd);
	if (wfd != -1)
		xsys_close(wfd);
	return (r == -1 ? -1 : 0);
}

/* Is the hangup of fd the allocator's close, not a last close yet? */
static int
fresh_hup(int fd)
{
	return (xstate_fresh(fd));
}

/*
 * The last close dismantled the stream; in packet mode that termios
 * change raised a status of its own, which is no message (ptsclose
 * sends none): take it.  Nothing else can be pending then: a status
 * comes before the hangup in every read.
 */
static void
drop_dismantle_status(int fd, struct xstream *xs)
{
	if (xs->nmods > 0)
		(void)host_pkt_status_take(fd);
}

/* Did this read of a packet-mode manager give a status alone? */
static int
status_only(const struct xstream *xs, const struct iovec *iov, ssize_t r)
{
	unsigned char	c;

	if (xs->nmods == 0 || r != 1 || iov[0].iov_len == 0)
		return (0);
	memcpy(&c, iov[0].iov_base, 1);	/* pckt's own buffer */
	return (c != HOST_PKT_DATA);
}

ssize_t
direct_readv(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt)
{
	uint32_t	gen = atomic_load_explicit(&xs->gen,
	    memory_order_relaxed);
	ssize_t		r;

	if (xs->hostdata)
		return (xsys_readv(fd, iov, iovcnt));	/* the host's EIO */
	for (;;) {
		r = host_mgr_readv(fd, iov, iovcnt);
		if (r > 0) {
			if (!status_only(xs, iov, r))
				atomic_store_explicit(&xs->eofstate, XEOF_NONE,
				    memory_order_relaxed);
			return (r);
		}
		if (r == 0 && engine_iov_empty(iov, iovcnt))
			return (0);	/* asked for nothing: no hangup */
		if (!host_mgr_read_hup(r, errno))
			return (r);
		/* the pty read from, not one that has the number since */
		if (!engine_still_ours(fd, xs, gen) ||
		    host_ptyno(fd) != XS_LOAD(xs->ptyno))
			return (0);
		if (fresh_hup(fd)) {
			/* no subsidiary yet: as illumos before the first open */
			if (engine_nonblocking(fd)) {
				errno = EAGAIN;
				return (-1);
			}
			if (wait_first_open(fd, XS_LOAD(xs->ptyno)) == -1)
				return (-1);
			continue;
		}
		/* one reader, whichever thread, gets the zero-length message */
		if (atomic_exchange_explicit(&xs->eofstate, XEOF_DONE,
		    memory_order_relaxed) != XEOF_DONE) {
			xstate_dismantle(fd);	/* as ptsclose() does */
			drop_dismantle_status(fd, xs);
			XTRACE(fd, "read: zero-length message (last subsidiary "
			    "close)", -1, 0, "host said EIO");
			return (0);
		}
		if (engine_nonblocking(fd)) {
			errno = EAGAIN;
			return (-1);
		}
		if (wait_reopen(fd, xs->ptyno) == -1)
			return (-1);
		/* a new open: its last close is a new zero-length message */
		atomic_store_explicit(&xs->eofstate, XEOF_NONE,
		    memory_order_relaxed);
	}
}

static ssize_t
direct_read1(int fd, struct xstream *xs, unsigned char *c)
{
	struct iovec	iov = { .iov_base = c, .iov_len = 1 };

	return (direct_readv(fd, xs, &iov, 1));
}

static ssize_t
direct_write(int fd, struct xstream *xs, const void *buf, size_t len)
{
	(void)xs;
	if (xpty_next.write != NULL)
		return (xpty_next.write(fd, buf, len));
	return (xsys_write(fd, buf, len));
}

static void
direct_discard(int fd, struct xstream *xs, size_t n)
{
	(void)xs;
	discard_bytes(fd, 0, n);
}

static void
direct_flush_read(int fd, struct xstream *xs)
{
	(void)fd;
	(void)xs;		/* the host's TCFLSH is all there is */
}

static ssize_t
direct_peek(int fd, struct xstream *xs, void *ubuf, size_t len)
{
	(void)fd;
	(void)xs;
	(void)ubuf;
	if (len == 0)
		return (0);
	errno = EBADMSG;	/* a tty cannot be peeked */
	return (-1);
}

static int
direct_eof_pending(int fd, const struct xstream *xs)
{
	(void)xs;
	return (host_mgr_hup(fd) == 1 && !fresh_hup(fd));
}

static int
direct_count(int fd, struct xstream *xs, unsigned long req, int *n)
{
	(void)xs;
	return (xsys_ioctl(fd, req, n));
}

static int
direct_set_pckt(int fd, struct xstream *xs, int on)
{
	(void)xs;
	return (host_set_pktmode(fd, on));
}

/* Make the next pending status event the head message, if any. */
static int
open_event(int fd, struct xstream *xs)
{
	unsigned char	flush = 0;
	int		type, n;

	while (xs->pktstatus != 0) {
		type = xp_status_next(&xs->pktstatus, &flush);
		if (type < 0)
			break;
		n = 0;
		if (type == M_FLUSH)
			xs->pend[n++] = flush;
		else if (type == M_IOCTL &&
		    (n = xp_termios_msg(fd, xs->pend)) <= 0)
			continue;
		xs->msg_ctl = 1 + type;
		xs->msg_data = 1;
		xs->msg_kern = 0;
		xs->pend_off = 0;
		xs->pend_len = (uint16_t)n;
		return (1);
	}
	return (0);
}

/* Data waits in the host manager: the head is a data message there. */
static int
open_kern(struct xstream *xs)
{
	xs->msg_ctl = 1 + M_DATA;
	xs->msg_data = 1;
	xs->msg_kern = 1;
	xs->pend_off = xs->pend_len = 0;
	return (PCKT_HEAD_OPEN);
}

/* Poll for a status or data; 1, 0 (none in time), -1. */
static int
poll_head(int fd, int block, short *revents)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN | POLLPRI };
	int		r;

	/* a signal interrupts this as it would a read (xwait.c) */
	r = xwait_poll(&pfd, 1, block && !engine_nonblocking(fd) ?
	    XWAIT_FOREVER : xwait_now());
	*revents = pfd.revents;
	return (r);
}

/*
 * Open the head message.  A status byte pending in the host is taken
 * with a 1-byte read (which, with no status pending, returns the
 * HOST_PKT_DATA byte alone and takes no data).
 */
static int
direct_head_open(int fd, struct xstream *xs, int block)
{
	unsigned char	c;
	short		rev;
	ssize_t		r;
	int		n;

	if (xs->msg_ctl != 0 || xs->msg_data)
		return (PCKT_HEAD_OPEN);
	for (;;) {
		if (open_event(fd, xs))
			return (PCKT_HEAD_OPEN);
		if ((r = poll_head(fd, block, &rev)) == -1)
			return (-1);
		if (r == 0) {
			if (block) {
				errno = EAGAIN;
				return (-1);
			}
			return (PCKT_HEAD_NONE);
		}
		if (rev & POLLPRI) {
			/* a status only: read returns it alone */
			if ((r = direct_read1(fd, xs, &c)) == -1)
				return (-1);
			if (r == 1)
				xs->pktstatus |= (int)host_pkt_status(c);
			continue;
		}
		n = 0;
		if ((rev & POLLIN) && xsys_ioctl(fd, FIONREAD, &n) == 0 && n > 0)
			return (open_kern(xs));
		if (!host_mgr_revents_hup(rev)) {
			if (!block)
				return (PCKT_HEAD_NONE);
			/* wait for a status or data without taking data */
			if ((r = direct_read1(fd, xs, &c)) == -1)
				return (-1);
			if (r == 1 && c != HOST_PKT_DATA)
				xs->pktstatus |= (int)host_pkt_status(c);
			continue;
		}
		/* the subsidiary's last close, or a wait for its reopen */
		if (!block && (atomic_load_explicit(&xs->eofstate,
		    memory_order_relaxed) == XEOF_DONE || fresh_hup(fd)))
			return (PCKT_HEAD_NONE);
		if ((r = direct_read1(fd, xs, &c)) == -1)
			return (-1);
		if (r == 0) {
			engine_head_zero(xs);
			return (PCKT_HEAD_OPEN);
		}
		if (c != HOST_PKT_DATA)
			xs->pktstatus |= (int)host_pkt_status(c);
	}
}

/*
 * Bytes of the head's data part not yet delivered.  Data in the host
 * manager: the message is what was queued when its first read came
 * (frame_left counts its rest), unknown (0) before that.
 */
static size_t
direct_head_left(const struct xstream *xs)
{
	if (!xs->msg_data)
		return (0);
	if (xs->msg_kern)
		return (xs->frame_left);
	return ((size_t)(xs->pend_len - xs->pend_off));
}

/*
 * Data in the host manager: one packet-mode read, its status byte apart
 * and the data straight into the caller's iov (at off, at most n).
 */
static ssize_t
take_kern(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt,
    size_t off, size_t n)
{
	struct iovec	v[TAKE_IOV + 1];
	unsigned char	c;
	size_t		got;
	ssize_t		r;
	int		nv;

	v[0].iov_base = &c;
	v[0].iov_len = 1;
	nv = iov_sub(iov, iovcnt, off, n, v + 1, TAKE_IOV, &got);
	for (;;) {
		r = direct_readv(fd, xs, v, nv + 1);
		if (r == -1)
			return (-1);
		if (r == 0 || c == HOST_PKT_DATA)
			break;
		/* an event came first */
		xs->pktstatus |= (int)host_pkt_status(c);
	}
	return (r > 1 ? r - 1 : 0);
}

static ssize_t
take_kern_msg(int fd, struct xstream *xs, const struct iovec *iov,
    int iovcnt, size_t off, size_t len)
{
	int	queued = 0;
	size_t	n;
	ssize_t	r;

	if (len == 0)
		return (0);
	if (xs->frame_left == 0 &&
	    xsys_ioctl(fd, FIONREAD, &queued) == 0 && queued > 0)
		xs->frame_left = (uint32_t)queued;	/* the message */
	n = len;
	if (xs->frame_left > 0 && n > xs->frame_left)
		n = xs->frame_left;
	if ((r = take_kern(fd, xs, iov, iovcnt, off, n)) == -1)
		return (-1);
	xs->frame_left = xs->frame_left > (uint32_t)r ?
	    xs->frame_left - (uint32_t)r : 0;
	if (xs->frame_left == 0)
		xs->msg_data = xs->msg_kern = 0;
	return (r);
}

/* Deliver up to len bytes of the head's data part into iov at off. */
static ssize_t
direct_head_take(int fd, struct xstream *xs, const struct iovec *iov,
    int iovcnt, size_t off, size_t len)
{
	size_t	n = direct_head_left(xs);

	if (xs->msg_kern)
		return (take_kern_msg(fd, xs, iov, iovcnt, off, len));
	if (n > len)
		n = len;
	if (n > 0 && iov_put(iov, iovcnt, off, xs->pend + xs->pend_off,
	    n) == -1)
		return (-1);
	xs->pend_off += (uint16_t)n;
	if (direct_head_left(xs) == 0)
		xs->msg_data = 0;
	return ((ssize_t)n);
}

/* Throw away the rest of the head message (RMSGD). */
static void
direct_head_discard(int fd, struct xstream *xs)
{
	unsigned char	sink[TAKE_CHUNK];
	struct iovec	v[TAKE_IOV + 1];
	unsigned char	c;
	size_t		n;
	ssize_t		r;
	int		i;

	while (xs->frame_left > 0 && xs->msg_kern) {
		n = 0;
		v[0].iov_base = &c;
		v[0].iov_len = 1;
		for (i = 1; i <= TAKE_IOV && n < xs->frame_left; i++) {
			v[i].iov_base = sink;
			v[i].iov_len = xs->frame_left - n < sizeof(sink) ?
			    xs->frame_left - n : sizeof(sink);
			n += v[i].iov_len;
		}
		/* one packet-mode read: its status byte, then data */
		r = direct_readv(fd, xs, v, i);
		if (r <= 0)
			break;
		if (c != HOST_PKT_DATA) {
			xs->pktstatus |= (int)host_pkt_status(c);
			continue;
		}
		n = (size_t)r - 1;
		xs->frame_left = xs->frame_left > n ?
		    xs->frame_left - (uint32_t)n : 0;
	}
	xs->frame_left = 0;
	xs->msg_ctl = xs->msg_data = xs->msg_kern = 0;
	xs->pend_off = xs->pend_len = 0;
}

/* The length of the data part of a status event's message. */
static int
event_length(int type)
{
	if (type == M_FLUSH)
		return (1);
	if (type == M_IOCTL)
		return ((int)XP_TERMIOS_MSGLEN);
	return (0);
}

/*
 * The messages behind the head: the pending status events (without
 * taking them), then whatever data the host holds.  *first, if still
 * negative, gets the length of the first one's data part.
 */
static int
direct_head_count(int fd, struct xstream *xs, int *first)
{
	unsigned char	flush;
	int		status = xs->pktstatus, type, msgs = 0, n = 0;

	if (xs->msg_kern)
		return (0);	/* the head is the host's data */
	while (status != 0) {
		type = xp_status_next(&status, &flush);
		if (type < 0)
			break;
		if (*first < 0)
			*first = event_length(type);
		msgs++;
	}
	if (xsys_ioctl(fd, FIONREAD, &n) == 0 && n > 0) {
		if (*first < 0)
			*first = n;
		msgs++;
	}
	return (msgs);
}

/*
 * I_PEEK: the pending status events and the zero-length message are
 * peeked normally; data still in the host manager cannot be looked at
 * without taking it (EBADMSG when there is a buffer to fill).
 */
static int
direct_head_peek(int fd, struct xstream *xs, void *ubuf, int want,
    struct xpeek *pk)
{
	int	r = direct_head_open(fd, xs, 0);

	(void)ubuf;
	if (r != PCKT_HEAD_OPEN)
		return (r);
	if (xs->msg_kern && want > 0) {
		errno = EBADMSG;
		return (-1);
	}
	pk->type = xs->msg_ctl - 1;
	pk->data = xs->pend + xs->pend_off;
	pk->dlen = xs->pend_len - xs->pend_off;
	pk->dpresent = xs->msg_data;
	return (1);
}

static void
direct_sync(struct xstream *xs)
{
	(void)xs;		/* nobody else frames this stream */
}

/* No daemon keeps the page: the creator's last close ends it. */
static int
direct_last_close(struct xstream *xs)
{
	xstate_page_kill(xs->ptyno, 1);
	return (-1);
}

static int
direct_take_host(int fd, struct xstream *xs)
{
	(void)fd;
	(void)xs;		/* it is the host's already */
	return (0);
}

static void
direct_took_host(int fd, struct xstream *xs)
{
	(void)fd;
	(void)xs;
}

const struct xengine xengine_direct = {
	.name = "direct",
	.is_host = 1,
	.readv = direct_readv,
	.write = direct_write,
	.discard = direct_discard,
	.flush_read = direct_flush_read,
	.peek = direct_peek,
	.eof_pending = direct_eof_pending,
	.count = direct_count,
	.set_pckt = direct_set_pckt,
	.head_open = direct_head_open,
	.head_left = direct_head_left,
	.head_take = direct_head_take,
	.head_discard = direct_head_discard,
	.head_count = direct_head_count,
	.head_peek = direct_head_peek,
	.sync = direct_sync,
	.last_close = direct_last_close,
	.take_host = direct_take_host,
	.took_host = direct_took_host,
};
