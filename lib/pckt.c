/*
 * pckt.c - the pckt module on a manager: subsidiary events as messages,
 * and the head of the manager's message queue.  The stream head's read
 * side that hands the messages out (getmsg, read modes, I_PEEK, I_NREAD)
 * is in strhead.c.
 *
 * With pckt pushed, each message on the manager has a control part of a
 * single byte, the STREAMS type of what the subsidiary side produced
 * (M_DATA, M_FLUSH, M_STOP, M_START, M_IOCTL), and a data part holding
 * its payload (SPEC.md 4.6).
 *
 * direct engine: the host manager runs in packet mode (host_set_pktmode).
 *   Each read returns a status byte: 0 is data, otherwise flush/stop/start
 *   bits, which become M_FLUSH (FLUSHR/FLUSHW in the subsidiary's own
 *   view), M_STOP and M_START, and a change of IXON (DOSTOP/NOSTOP), the
 *   only termios change Linux reports, an M_IOCTL carrying the termios
 *   now in force; when one status carries several events the rest is kept
 *   for the next call.  A data message is what one read of the host
 *   manager returns.  The subsidiary's last close becomes a zero-length
 *   M_DATA.
 * relay engine: xptyd frames messages as a type byte, a 32-bit length in
 *   little-endian order and the payload (common/proto.h).
 *
 * The head message.  pckt_head_open() opens the head message (relay: read
 * its frame header; direct: take one status event, or note that data
 * waits in the host manager), waiting for one or only looking.  The
 * caller delivers the control part itself (and clears msg_ctl);
 * pckt_head_take() delivers the data part, as much as the caller has room
 * for, pckt_head_left() tells how much of it is left and
 * pckt_head_discard() throws the rest of the message away.  What is not
 * delivered stays with the head for the next call, as STREAMS puts back
 * the rest of a message.  pckt_pending_events() counts the direct
 * engine's status events without taking them.
 *
 * State: the opened head message and the pending status bits, in the
 * manager's struct xstream (internal.h); pckt_reset() forgets them.
 * Locking: none.  The fields are plain and unguarded: threads reading one
 * pckt manager at the same time must serialise those reads themselves.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <termios.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"
#include "termmsg.h"
#include "proto.h"
#include "pktstat.h"

#define TAKE_IOV	8	/* caller's iovec entries one read fills */
#define TAKE_CHUNK	512	/* pckt_head_discard's sink, TAKE_IOV times */
#define IOCTL_MSGLEN	XP_TERMIOS_MSGLEN	/* common/termmsg.h */

/* Scatter n bytes into iov from offset off; -1 (EFAULT) on a bad pointer. */
int
iov_put(const struct iovec *iov, int iovcnt, size_t off, const void *src,
    size_t n)
{
	const char *p = src;
	size_t k;
	int i;

	for (i = 0; i < iovcnt && n > 0; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		k = iov[i].iov_len - off;
		if (k > n)
			k = n;
		if (xpty_user_copyout((char *)iov[i].iov_base + off, p, k) == -1)
			return -1;
		p += k;
		n -= k;
		off = 0;
	}
	return 0;
}

/*
 * The bytes [off, off + len) of iov as at most max entries of out:
 * returns the entries used and sets *got to the bytes they hold (less
 * than len when max entries do not reach that far).
 */
int
iov_sub(const struct iovec *iov, int iovcnt, size_t off, size_t len,
    struct iovec *out, int max, size_t *got)
{
	size_t k;
	int i, n = 0;

	*got = 0;
	for (i = 0; i < iovcnt && n < max && *got < len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		k = iov[i].iov_len - off;
		if (k > len - *got)
			k = len - *got;
		out[n].iov_base = (char *)iov[i].iov_base + off;
		out[n++].iov_len = k;
		*got += k;
		off = 0;
	}
	return n;
}

void
pckt_reset(struct xstream *xs)
{
	xs->msg_ctl = xs->msg_data = xs->msg_kern = 0;
	xs->frame_left = 0;
	xs->pend_off = xs->pend_len = 0;
	xs->pktstatus = 0;
}

_Static_assert(IOCTL_MSGLEN <= XPTY_PENDMAX,
    "an M_IOCTL message fits the pending buffer");

static void
open_zero(struct xstream *xs)
{
	xs->msg_ctl = 1 + M_DATA;
	xs->msg_data = 1;
	xs->msg_kern = 0;
	xs->frame_left = 0;
	xs->pend_off = xs->pend_len = 0;
}

/* Direct: make the next pending status event the head message, if any. */
static int
direct_open_event(int fd, struct xstream *xs)
{
	unsigned char flush = 0;
	int type, n;

	while (xs->pktstatus != 0) {
		type = xp_status_next(&xs->pktstatus, &flush);
		if (type < 0)
			break;
		n = 0;
		if (type == M_FLUSH)
			xs->pend[n++] = flush;
		else if (type == M_IOCTL &&
		    (n = xp_termios_msg(stream_ctlfd(fd, xs), xs->pend)) <= 0)
			continue;
		xs->msg_ctl = 1 + type;
		xs->msg_data = 1;
		xs->msg_kern = 0;
		xs->pend_off = 0;
		xs->pend_len = (uint16_t)n;
		return 1;
	}
	return 0;
}

static int
would_block(int fd)
{
	int fl = xsys_fcntl(fd, F_GETFL, 0);

	return fl != -1 && (fl & O_NONBLOCK);
}

/*
 * Direct: open the head message.  A status byte pending in the host is
 * taken with a 1-byte read (which, with no status pending, returns the
 * HOST_PKT_DATA byte alone and takes no data).
 */
static int
direct_head(int fd, struct xstream *xs, int block)
{
	struct pollfd pfd;
	unsigned char c;
	ssize_t r;
	int n;

	for (;;) {
		if (direct_open_event(fd, xs))
			return PCKT_HEAD_OPEN;
		pfd.fd = fd;
		pfd.events = POLLIN | POLLPRI;
		pfd.revents = 0;
		/* a signal interrupts this as it would a read (xwait.c) */
		r = xwait_poll(&pfd, 1, block && !would_block(fd) ?
		    XWAIT_FOREVER : xwait_now());
		if (r == -1)
			return -1;
		if (r == 0) {
			if (block) {
				errno = EAGAIN;
				return -1;
			}
			return PCKT_HEAD_NONE;
		}
		if (pfd.revents & POLLPRI) {
			/* a status only: read returns it alone */
			if ((r = xpty_raw_read(fd, xs, &c, 1)) == -1)
				return -1;
			if (r == 1)
				xs->pktstatus |= host_pkt_status(c);
			continue;
		}
		n = 0;
		if ((pfd.revents & POLLIN) && xsys_ioctl(fd, FIONREAD, &n) == 0 &&
		    n > 0) {
			xs->msg_ctl = 1 + M_DATA;
			xs->msg_data = 1;
			xs->msg_kern = 1;
			xs->pend_off = xs->pend_len = 0;
			return PCKT_HEAD_OPEN;
		}
		if (!host_mgr_revents_hup(pfd.revents)) {
			if (!block)
				return PCKT_HEAD_NONE;
			/* wait for a status or data without taking data */
			if ((r = xpty_raw_read(fd, xs, &c, 1)) == -1)
				return -1;
			if (r == 1 && c != HOST_PKT_DATA)
				xs->pktstatus |= host_pkt_status(c);
			continue;
		}
		/* the subsidiary's last close, or a wait for its reopen */
		if (!block && atomic_load_explicit(&xs->eofstate,
		    memory_order_relaxed) == XEOF_DONE)
			return PCKT_HEAD_NONE;
		if ((r = xpty_raw_read(fd, xs, &c, 1)) == -1)
			return -1;
		if (r == 0) {
			open_zero(xs);
			return PCKT_HEAD_OPEN;
		}
		if (c != HOST_PKT_DATA)
			xs->pktstatus |= host_pkt_status(c);
	}
}

/*
 * Receive exactly the bytes iov (cnt entries, len in all) holds, unless
 * end of file or an error comes first; iov is used up on the way.
 */
static ssize_t
recv_iov(int fd, struct iovec *iov, int cnt, size_t len)
{
	struct msghdr msg;
	size_t got = 0, r;
	ssize_t n;

	while (got < len) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)cnt;
		n = xsys_recvmsg(fd, &msg, MSG_WAITALL);
		if (n <= 0)
			return got > 0 ? (ssize_t)got : n;
		got += (size_t)n;
		for (r = (size_t)n; cnt > 0 && r >= iov->iov_len; cnt--, iov++)
			r -= iov->iov_len;
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + r;
			iov->iov_len -= r;
		}
	}
	return (ssize_t)got;
}

static ssize_t
recv_all(int fd, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return recv_iov(fd, &iov, 1, len);
}

/* Relay: open the head message by reading its frame header. */
static int
relay_head(int fd, struct xstream *xs, int block)
{
	unsigned char hdr[XP_FRAMEHDR];
	ssize_t r;

	if (!block) {
		r = xsys_recv(fd, hdr, sizeof(hdr),
		    MSG_PEEK | MSG_DONTWAIT);
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return PCKT_HEAD_NONE;
		if (r > 0 && r < (ssize_t)sizeof(hdr))
			return PCKT_HEAD_NONE;
		if (r == -1)
			return -1;
	}
	r = recv_all(fd, hdr, sizeof(hdr));
	if (r == 0 || (r == -1 && errno == ECONNRESET)) {
		/*
		 * End of file: in pckt mode the daemon never ends the stream
		 * (its messages are frames), so it is gone.  Go on in the
		 * direct engine (fallback.c); without a host manager to go on
		 * with, a zero-length message, as a hangup.
		 */
		if (relay_fallback(fd, xs, "its socket's daemon end is "
		    "closed") == 0 && XS_LOAD(xs->engine) ==
		    XE_DIRECT)
			return direct_head(fd, xs, block);
		open_zero(xs);
		return PCKT_HEAD_OPEN;
	}
	if (r != (ssize_t)sizeof(hdr)) {
		if (r >= 0)
			errno = EPROTO;
		return -1;
	}
	xs->msg_ctl = 1 + hdr[0];
	xs->msg_data = 1;
	xs->msg_kern = 0;
	xs->frame_left = xp_get32(hdr + 1);
	return PCKT_HEAD_OPEN;
}

int
pckt_head_open(int fd, struct xstream *xs, int block)
{
	if (xs->msg_ctl != 0 || xs->msg_data)
		return PCKT_HEAD_OPEN;
	if (xs->engine == XE_RELAY)
		return relay_head(fd, xs, block);
	return direct_head(fd, xs, block);
}

/*
 * Bytes of the head's data part not yet delivered.  Direct data in the
 * host manager: the message is what was queued when its first read came
 * (frame_left counts its rest), unknown (0) before that.
 */
size_t
pckt_head_left(const struct xstream *xs)
{
	if (!xs->msg_data)
		return 0;
	if (xs->engine == XE_RELAY || xs->msg_kern)
		return xs->frame_left;
	return (size_t)(xs->pend_len - xs->pend_off);
}

/*
 * Direct, data in the host manager: one packet-mode read, its status byte
 * apart and the data straight into the caller's iov (at off, at most n).
 */
static ssize_t
take_kern(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt,
    size_t off, size_t n)
{
	struct iovec v[TAKE_IOV + 1];
	unsigned char c;
	size_t got;
	ssize_t r;
	int nv;

	v[0].iov_base = &c;
	v[0].iov_len = 1;
	nv = iov_sub(iov, iovcnt, off, n, v + 1, TAKE_IOV, &got);
	for (;;) {
		r = xpty_raw_readv(fd, xs, v, nv + 1);
		if (r == -1)
			return -1;
		if (r == 0 || c == HOST_PKT_DATA)
			break;
		xs->pktstatus |= host_pkt_status(c);	/* an event came first */
	}
	return r > 1 ? r - 1 : 0;
}

/*
 * Deliver up to len bytes of the head's data part into iov at off.
 * Returns the count; the data part is finished (msg_data cleared) when
 * nothing of it is left.  Data comes straight into the caller's buffers
 * (the kernel checks them), never through a large buffer on the stack.
 */
ssize_t
pckt_head_take(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt,
    size_t off, size_t len)
{
	struct iovec v[TAKE_IOV];
	size_t done = 0, n, got;
	ssize_t r;
	int nv;

	if (xs->msg_kern) {
		int queued = 0;

		if (len == 0)
			return 0;
		if (xs->frame_left == 0 &&
		    xsys_ioctl(fd, FIONREAD, &queued) == 0 && queued > 0)
			xs->frame_left = (uint32_t)queued;	/* the message */
		n = len;
		if (xs->frame_left > 0 && n > xs->frame_left)
			n = xs->frame_left;
		if ((r = take_kern(fd, xs, iov, iovcnt, off, n)) == -1)
			return -1;
		xs->frame_left = xs->frame_left > (uint32_t)r ?
		    xs->frame_left - (uint32_t)r : 0;
		if (xs->frame_left == 0)
			xs->msg_data = xs->msg_kern = 0;
		return r;
	}
	while (done < len && pckt_head_left(xs) > 0) {
		n = len - done;
		if (n > pckt_head_left(xs))
			n = pckt_head_left(xs);
		if (xs->engine == XE_RELAY) {
			nv = iov_sub(iov, iovcnt, off + done, n, v, TAKE_IOV,
			    &got);
			r = recv_iov(fd, v, nv, got);
			if (r != (ssize_t)got) {
				if (r >= 0)
					errno = EPROTO;
				return done > 0 ? (ssize_t)done : -1;
			}
			xs->frame_left -= (uint32_t)got;
			n = got;
		} else {
			if (iov_put(iov, iovcnt, off + done,
			    xs->pend + xs->pend_off, n) == -1)
				return -1;
			xs->pend_off += (uint16_t)n;
		}
		done += n;
	}
	if (pckt_head_left(xs) == 0)
		xs->msg_data = 0;
	return (ssize_t)done;
}

/* Throw away the rest of the head message (RMSGD). */
void
pckt_head_discard(int fd, struct xstream *xs)
{
	unsigned char sink[TAKE_CHUNK];
	struct iovec v[TAKE_IOV + 1];
	unsigned char c;
	size_t n;
	ssize_t r;
	int i;

	while (xs->frame_left > 0 && (xs->engine == XE_RELAY || xs->msg_kern)) {
		n = 0;
		v[0].iov_base = &c;
		v[0].iov_len = 1;
		for (i = 1; i <= TAKE_IOV && n < xs->frame_left; i++) {
			v[i].iov_base = sink;
			v[i].iov_len = xs->frame_left - n < sizeof(sink) ?
			    xs->frame_left - n : sizeof(sink);
			n += v[i].iov_len;
		}
		if (xs->engine == XE_RELAY) {
			if (recv_iov(fd, v + 1, i - 1, n) != (ssize_t)n)
				break;
		} else {
			/* one packet-mode read: its status byte, then data */
			r = xpty_raw_readv(fd, xs, v, i);
			if (r <= 0)
				break;
			if (c != HOST_PKT_DATA) {
				xs->pktstatus |= host_pkt_status(c);
				continue;
			}
			n = (size_t)r - 1;
		}
		xs->frame_left = xs->frame_left > n ? xs->frame_left - (uint32_t)n : 0;
	}
	xs->frame_left = 0;
	xs->msg_ctl = xs->msg_data = xs->msg_kern = 0;
	xs->pend_off = xs->pend_len = 0;
}

/* A strbuf from the caller (maxlen -1 if absent); -1 EFAULT. */

/* The length of the data part of a status event's message. */
static int
event_length(int type)
{
	if (type == M_FLUSH)
		return 1;
	if (type == M_IOCTL)
		return (int)IOCTL_MSGLEN;
	return 0;
}

/*
 * Direct: the status events pending in xs, as messages, without taking
 * them.  Returns their number and sets *first, if still negative, to the
 * length of the first one's data part.
 */
int
pckt_pending_events(const struct xstream *xs, int *first)
{
	unsigned char flush;
	int status = xs->pktstatus, type, msgs = 0;

	while (status != 0) {
		type = xp_status_next(&status, &flush);
		if (type < 0)
			break;
		if (*first < 0)
			*first = event_length(type);
		msgs++;
	}
	return msgs;
}
