/*
 * pckt.c - the pckt module on a manager: subsidiary events as messages,
 * and the stream head's read side over them (getmsg, read modes, I_PEEK,
 * I_NREAD).
 *
 * With pckt pushed, each message on the manager has a control part of a
 * single byte, the STREAMS type of what the subsidiary side produced
 * (M_DATA, M_FLUSH, M_STOP, M_START, M_IOCTL), and a data part holding
 * its payload (SPEC.md 4.6).  pckt sends every one of them up as M_PROTO,
 * a normal-priority message, so the stream head never holds a
 * high-priority message here: getmsg(RS_HIPRI) finds none and I_PEEK
 * with RS_HIPRI returns 0, as on illumos.
 *
 * direct engine: the host manager runs in Linux packet mode (TIOCPKT).
 *   Each read returns a status byte: 0 is data, otherwise flush/stop/start
 *   bits, which become M_FLUSH (FLUSHR/FLUSHW in the subsidiary's own
 *   view), M_STOP and M_START, and a change of IXON (DOSTOP/NOSTOP), the
 *   only termios change Linux reports, an M_IOCTL carrying the termios
 *   now in force; when one status carries several events the rest is kept
 *   for the next call.  A data message is what one read of the host
 *   manager returns.  The subsidiary's last close becomes a zero-length
 *   M_DATA.  Data still in the host manager cannot be looked at without
 *   taking it, so I_PEEK fails with EBADMSG when a data message with a
 *   non-empty buffer is at the head (events and the zero-length message
 *   are peeked normally).
 * relay engine: xptyd frames messages as a type byte, a 32-bit length in
 *   little-endian order and the payload (common/proto.h).  I_PEEK and
 *   I_NREAD look at the frames with MSG_PEEK.
 *
 * The head message.  getmsg() and read() first open the head message
 * (relay: read its frame header; direct: take one status event, or note
 * that data waits in the host manager), then deliver its parts.  A part
 * that does not fit stays with the head for the next call, as STREAMS
 * puts back the rest of a message: MORECTL / MOREDATA from getmsg(),
 * RMSGN and RNORM for read(); RMSGD discards it.  read() honours the
 * protocol options: RPROTNORM fails with EBADMSG while a control part is
 * at the head, RPROTDAT delivers the type byte as data followed by the
 * data part, RPROTDIS drops the control part (a message with an empty
 * data part then reads as 0, as a zero-length message does).  One read()
 * returns data of at most one message in every read mode.
 *
 * State: the opened head message and the pending status bits, in the
 * manager's struct xstream (internal.h).
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"

#define FRAME_HDR	5
#define CHUNK		4096

#define HEAD_NONE	0	/* no message (non-blocking look) */
#define HEAD_OPEN	1	/* xs->msg_* describe the head message */

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

void
pckt_reset(struct xstream *xs)
{
	xs->msg_ctl = xs->msg_data = xs->msg_kern = 0;
	xs->frame_left = 0;
	xs->pend_off = xs->pend_len = 0;
	xs->pktstatus = 0;
}

/*
 * Linux reports a subsidiary's change of IXON (DOSTOP/NOSTOP) but no
 * other termios change; on illumos ptem sends every TCSETS down, and pckt
 * shows it as M_IOCTL.  Build that message from the termios now in force:
 * struct iocblk (ioc_cmd TCSETS, host numbering), then struct termios.
 */
static int
termios_message(int fd, unsigned char *msg)
{
	struct iocblk ioc;
	struct termios t;
	struct kterm k;

	if (xsys_tcget(fd, &k) == -1)
		return -1;
	memset(&t, 0, sizeof(t));
	memcpy(&t, &k, sizeof(k));
	t.c_ispeed = t.c_ospeed = k.c_cflag & CBAUD;
	memset(&ioc, 0, sizeof(ioc));
	ioc.ioc_cmd = TCSETS;
	ioc.ioc_count = sizeof(t);
	memcpy(msg, &ioc, sizeof(ioc));
	memcpy(msg + sizeof(ioc), &t, sizeof(t));
	return (int)(sizeof(ioc) + sizeof(t));
}

_Static_assert(sizeof(struct iocblk) + sizeof(struct termios) <= XPTY_PENDMAX,
    "an M_IOCTL message fits the pending buffer");

/* The next event in a TIOCPKT status byte, consumed from *status. */
static int
status_event(int *status, unsigned char *flush)
{
	if (*status & (TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE)) {
		*flush = ((*status & TIOCPKT_FLUSHREAD) ? FLUSHR : 0) |
		    ((*status & TIOCPKT_FLUSHWRITE) ? FLUSHW : 0);
		*status &= ~(TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE);
		return M_FLUSH;
	}
	if (*status & TIOCPKT_STOP) {
		*status &= ~TIOCPKT_STOP;
		return M_STOP;
	}
	if (*status & TIOCPKT_START) {
		*status &= ~TIOCPKT_START;
		return M_START;
	}
	if (*status & (TIOCPKT_DOSTOP | TIOCPKT_NOSTOP)) {
		*status &= ~(TIOCPKT_DOSTOP | TIOCPKT_NOSTOP);
		return M_IOCTL;
	}
	*status = 0;
	return -1;
}

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
		type = status_event(&xs->pktstatus, &flush);
		if (type < 0)
			break;
		n = 0;
		if (type == M_FLUSH)
			xs->pend[n++] = flush;
		else if (type == M_IOCTL &&
		    (n = termios_message(stream_ctlfd(fd, xs), xs->pend)) <= 0)
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
 * TIOCPKT_DATA byte alone and takes no data).
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
			return HEAD_OPEN;
		pfd.fd = fd;
		pfd.events = POLLIN | POLLPRI;
		pfd.revents = 0;
		r = syscall(SYS_poll, &pfd, 1, block && !would_block(fd) ? -1 : 0);
		if (r == -1)
			return -1;
		if (r == 0) {
			if (block) {
				errno = EAGAIN;
				return -1;
			}
			return HEAD_NONE;
		}
		if (pfd.revents & POLLPRI) {
			/* a status only: read returns it alone */
			if ((r = xpty_raw_read(fd, xs, &c, 1)) == -1)
				return -1;
			if (r == 1)
				xs->pktstatus |= c;
			continue;
		}
		n = 0;
		if ((pfd.revents & POLLIN) && xsys_ioctl(fd, FIONREAD, &n) == 0 &&
		    n > 0) {
			xs->msg_ctl = 1 + M_DATA;
			xs->msg_data = 1;
			xs->msg_kern = 1;
			xs->pend_off = xs->pend_len = 0;
			return HEAD_OPEN;
		}
		if (!(pfd.revents & (POLLHUP | POLLERR))) {
			if (!block)
				return HEAD_NONE;
			/* wait for a status or data without taking data */
			if ((r = xpty_raw_read(fd, xs, &c, 1)) == -1)
				return -1;
			if (r == 1 && c != TIOCPKT_DATA)
				xs->pktstatus |= c;
			continue;
		}
		/* the subsidiary's last close, or a wait for its reopen */
		if (!block && atomic_load_explicit(&xs->eofstate,
		    memory_order_relaxed) == XEOF_DONE)
			return HEAD_NONE;
		if ((r = xpty_raw_read(fd, xs, &c, 1)) == -1)
			return -1;
		if (r == 0) {
			open_zero(xs);
			return HEAD_OPEN;
		}
		if (c != TIOCPKT_DATA)
			xs->pktstatus |= c;
	}
}

static ssize_t
recv_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = syscall(SYS_recvfrom, fd, (char *)buf + got, len - got,
		    MSG_WAITALL, NULL, NULL);
		if (r <= 0)
			return got > 0 ? (ssize_t)got : r;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static uint32_t
get32le(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* Relay: open the head message by reading its frame header. */
static int
relay_head(int fd, struct xstream *xs, int block)
{
	unsigned char hdr[FRAME_HDR];
	ssize_t r;

	if (!block) {
		r = syscall(SYS_recvfrom, fd, hdr, sizeof(hdr),
		    MSG_PEEK | MSG_DONTWAIT, NULL, NULL);
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return HEAD_NONE;
		if (r > 0 && r < (ssize_t)sizeof(hdr))
			return HEAD_NONE;
		if (r == -1)
			return -1;
	}
	r = recv_all(fd, hdr, sizeof(hdr));
	if (r == 0) {
		/* end of file: the daemon is gone; a zero-length message */
		open_zero(xs);
		return HEAD_OPEN;
	}
	if (r != (ssize_t)sizeof(hdr)) {
		if (r >= 0)
			errno = EPROTO;
		return -1;
	}
	xs->msg_ctl = 1 + hdr[0];
	xs->msg_data = 1;
	xs->msg_kern = 0;
	xs->frame_left = get32le(hdr + 1);
	return HEAD_OPEN;
}

static int
head_open(int fd, struct xstream *xs, int block)
{
	if (xs->msg_ctl != 0 || xs->msg_data)
		return HEAD_OPEN;
	if (xs->engine == XE_RELAY)
		return relay_head(fd, xs, block);
	return direct_head(fd, xs, block);
}

/*
 * Bytes of the head's data part not yet delivered.  Direct data in the
 * host manager: the message is what was queued when its first read came
 * (frame_left counts its rest), unknown (0) before that.
 */
static size_t
head_left(const struct xstream *xs)
{
	if (!xs->msg_data)
		return 0;
	if (xs->engine == XE_RELAY || xs->msg_kern)
		return xs->frame_left;
	return (size_t)(xs->pend_len - xs->pend_off);
}

/*
 * Deliver up to len bytes of the head's data part into iov at off.
 * Returns the count; the data part is finished (msg_data cleared) when
 * nothing of it is left.
 */
static ssize_t
head_take(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt,
    size_t off, size_t len)
{
	unsigned char buf[CHUNK + 1];
	size_t done = 0, n;
	ssize_t r;

	if (xs->msg_kern) {
		int queued = 0;

		if (len == 0)
			return 0;
		if (xs->frame_left == 0 &&
		    xsys_ioctl(fd, FIONREAD, &queued) == 0 && queued > 0)
			xs->frame_left = (uint32_t)queued;	/* the message */
		n = len < CHUNK ? len : CHUNK;
		if (xs->frame_left > 0 && n > xs->frame_left)
			n = xs->frame_left;
		for (;;) {
			r = xpty_raw_read(fd, xs, buf, n + 1);
			if (r == -1)
				return -1;
			if (r == 0 || buf[0] == TIOCPKT_DATA)
				break;
			xs->pktstatus |= buf[0];	/* an event came first */
		}
		r = r > 1 ? r - 1 : 0;
		xs->frame_left = xs->frame_left > (uint32_t)r ?
		    xs->frame_left - (uint32_t)r : 0;
		if (xs->frame_left == 0)
			xs->msg_data = xs->msg_kern = 0;
		if (r > 0 && iov_put(iov, iovcnt, off, buf + 1, (size_t)r) == -1)
			return -1;
		return r;
	}
	while (done < len && head_left(xs) > 0) {
		n = len - done;
		if (n > head_left(xs))
			n = head_left(xs);
		if (n > CHUNK)
			n = CHUNK;
		if (xs->engine == XE_RELAY) {
			r = recv_all(fd, buf, n);
			if (r != (ssize_t)n) {
				if (r >= 0)
					errno = EPROTO;
				return done > 0 ? (ssize_t)done : -1;
			}
			xs->frame_left -= (uint32_t)n;
		} else {
			memcpy(buf, xs->pend + xs->pend_off, n);
			xs->pend_off += (uint16_t)n;
		}
		if (iov_put(iov, iovcnt, off + done, buf, n) == -1)
			return -1;
		done += n;
	}
	if (head_left(xs) == 0)
		xs->msg_data = 0;
	return (ssize_t)done;
}

/* Throw away the rest of the head message (RMSGD). */
static void
head_discard(int fd, struct xstream *xs)
{
	unsigned char sink[CHUNK];
	size_t n;

	while (xs->frame_left > 0 && (xs->engine == XE_RELAY || xs->msg_kern)) {
		n = xs->frame_left < sizeof(sink) - 1 ? xs->frame_left :
		    sizeof(sink) - 1;
		if (xs->engine == XE_RELAY) {
			if (recv_all(fd, sink, n) != (ssize_t)n)
				break;
		} else {
			/* one TIOCPKT read: its status byte, then data */
			ssize_t r = xpty_raw_read(fd, xs, sink, n + 1);

			if (r <= 0)
				break;
			if (sink[0] != TIOCPKT_DATA) {
				xs->pktstatus |= sink[0];
				continue;
			}
			n = (size_t)r - 1;
		}
		xs->frame_left -= (uint32_t)n;
	}
	xs->frame_left = 0;
	xs->msg_ctl = xs->msg_data = xs->msg_kern = 0;
	xs->pend_off = xs->pend_len = 0;
}

/* A strbuf from the caller (maxlen -1 if absent); -1 EFAULT. */
static int
sb_in(struct strbuf *usb, struct strbuf *k)
{
	if (usb == NULL) {
		memset(k, 0, sizeof(*k));
		k->maxlen = -1;
		return 0;
	}
	return xpty_user_copyin(k, usb, sizeof(*k));
}

static int
sb_len_out(struct strbuf *usb, int len)
{
	if (usb == NULL)
		return 0;
	return xpty_user_copyout(&usb->len, &len, sizeof(len));
}

/*
 * getmsg() on a pckt manager: one message, or what is left of it.  A
 * control part that does not fit (maxlen 0, or -1/NULL: not wanted) stays
 * with the message and MORECTL is returned; so does the rest of a data
 * part, with MOREDATA.
 */
int
pckt_getmsg(int fd, struct xstream *xs, struct strbuf *uctl,
    struct strbuf *udata)
{
	struct strbuf c, d;
	struct iovec iov;
	unsigned char t;
	int clen = -1, dlen = -1, more = 0;
	ssize_t n;

	if (sb_in(uctl, &c) == -1 || sb_in(udata, &d) == -1)
		return -1;
	if (head_open(fd, xs, 1) == -1)
		return -1;
	if (xs->msg_ctl != 0) {
		if (c.maxlen >= 1) {
			t = (unsigned char)(xs->msg_ctl - 1);
			if (xpty_user_copyout(c.buf, &t, 1) == -1)
				return -1;
			clen = 1;
			xs->msg_ctl = 0;
		} else {
			clen = c.maxlen < 0 ? -1 : 0;
			more |= MORECTL;
		}
	}
	if (xs->msg_data) {
		if (d.maxlen < 0)
			more |= MOREDATA;
		else {
			iov.iov_base = d.buf;
			iov.iov_len = (size_t)d.maxlen;
			n = head_take(fd, xs, &iov, 1, 0, (size_t)d.maxlen);
			if (n == -1)
				return -1;
			dlen = (int)n;
			if (xs->msg_data)
				more |= MOREDATA;
		}
	}
	if (sb_len_out(uctl, clen) == -1 || sb_len_out(udata, dlen) == -1)
		return -1;
	return more;
}

/*
 * read() on a pckt manager in the RPROTDAT or RPROTDIS protocol mode, or
 * RPROTNORM with a data part (the rest of a message whose control part
 * getmsg() took) at the head.
 */
ssize_t
pckt_read(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt)
{
	int prot = xs->rdopt & RPROTMASK, mode = xs->rdopt & RMODEMASK, i;
	size_t want = 0, out = 0;
	unsigned char t;
	ssize_t n;

	for (i = 0; i < iovcnt; i++)
		want += iov[i].iov_len;
	if (prot == RPROTNORM && (xs->msg_ctl != 0 || !xs->msg_data)) {
		errno = EBADMSG;	/* an M_PROTO at the head */
		return -1;
	}
	if (want == 0)
		return 0;
	if (head_open(fd, xs, 1) == -1)
		return -1;
	if (xs->msg_ctl != 0) {
		if (prot == RPROTDAT) {
			t = (unsigned char)(xs->msg_ctl - 1);
			if (iov_put(iov, iovcnt, 0, &t, 1) == -1)
				return -1;
			out = 1;
		}
		xs->msg_ctl = 0;
	}
	if (xs->msg_data && out < want) {
		n = head_take(fd, xs, iov, iovcnt, out, want - out);
		if (n == -1)
			return out > 0 ? (ssize_t)out : -1;
		out += (size_t)n;
	}
	if (xs->msg_data && mode == RMSGD)
		head_discard(fd, xs);
	return (ssize_t)out;
}

/* ---- I_PEEK, I_NREAD ---- */

/* Copy a peeked part out; maxlen < 0 gives len -1, 0 gives 0. */
static int
peek_part(struct strbuf *k, const void *src, int len, int present)
{
	int n;

	if (k->maxlen < 0) {
		k->len = -1;
		return 0;
	}
	if (k->maxlen == 0) {
		k->len = 0;
		return 0;
	}
	if (!present) {
		k->len = -1;
		return 0;
	}
	n = len < k->maxlen ? len : k->maxlen;
	if (n > 0 && xpty_user_copyout(k->buf, src, (size_t)n) == -1)
		return -1;
	k->len = n;
	return 0;
}

static int
peek_out(void *uarg, struct strpeek *k, int type, const void *data, int dlen,
    int dpresent)
{
	unsigned char t = (unsigned char)type;

	if (peek_part(&k->ctlbuf, &t, 1, type >= 0) == -1 ||
	    peek_part(&k->databuf, data, dlen, dpresent) == -1)
		return -1;
	k->flags = 0;		/* M_PROTO: normal priority */
	if (xpty_user_copyout(uarg, k, sizeof(*k)) == -1)
		return -1;
	return 1;
}

static int
relay_peek(int fd, struct xstream *xs, void *uarg, struct strpeek *k)
{
	unsigned char buf[FRAME_HDR + 65536];
	int want = k->databuf.maxlen > 0 ? k->databuf.maxlen : 0, type;
	uint32_t len;
	ssize_t r;

	if (want > 65536)
		want = 65536;
	if (xs->msg_ctl != 0 || xs->msg_data) {
		type = xs->msg_ctl - 1;
		if (xs->msg_data && xs->frame_left > 0 && want > 0) {
			if ((uint32_t)want > xs->frame_left)
				want = (int)xs->frame_left;
			r = syscall(SYS_recvfrom, fd, buf, (size_t)want,
			    MSG_PEEK | MSG_DONTWAIT, NULL, NULL);
			if (r < 0)
				r = 0;
		} else
			r = 0;
		return peek_out(uarg, k, type, buf, (int)r, xs->msg_data);
	}
	r = syscall(SYS_recvfrom, fd, buf, FRAME_HDR + (size_t)want,
	    MSG_PEEK | MSG_DONTWAIT, NULL, NULL);
	if (r == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	if (r == 0)		/* the daemon is gone: a zero-length message */
		return peek_out(uarg, k, M_DATA, buf, 0, 1);
	if (r < FRAME_HDR)
		return 0;
	len = get32le(buf + 1);
	if ((uint32_t)(r - FRAME_HDR) > len)
		r = FRAME_HDR + (ssize_t)len;
	return peek_out(uarg, k, buf[0], buf + FRAME_HDR, (int)r - FRAME_HDR, 1);
}

static int
direct_peek(int fd, struct xstream *xs, void *uarg, struct strpeek *k)
{
	int r = head_open(fd, xs, 0);

	if (r != HEAD_OPEN)
		return r;
	if (xs->msg_kern && k->databuf.maxlen > 0) {
		errno = EBADMSG;	/* data cannot be looked at in place */
		return -1;
	}
	return peek_out(uarg, k, xs->msg_ctl - 1, xs->pend + xs->pend_off,
	    xs->pend_len - xs->pend_off, xs->msg_data);
}

/* I_PEEK on a pckt manager; k is the caller's struct strpeek, copied in. */
int
pckt_peek(int fd, struct xstream *xs, void *uarg)
{
	struct strpeek k;

	if (xpty_user_copyin(&k, uarg, sizeof(k)) == -1)
		return -1;
	if (k.flags & RS_HIPRI)
		return 0;	/* every pckt message is M_PROTO */
	if (xs->engine == XE_RELAY)
		return relay_peek(fd, xs, uarg, &k);
	return direct_peek(fd, xs, uarg, &k);
}

/*
 * I_NREAD on a pckt manager: the number of messages queued, and in
 * *first the length of the first one's data part.  Relay: the frames in
 * the socket, looked at with MSG_PEEK (those that start in the first
 * 16 KiB); direct:
 * pending events, then whatever the host holds.
 */
int
pckt_nread(int fd, struct xstream *xs, int *first)
{
	unsigned char buf[16384];
	int msgs = 0, n = 0, st;
	size_t off = 0;
	uint32_t len;
	ssize_t r;

	*first = -1;
	if (xs->msg_ctl != 0 || xs->msg_data) {
		msgs = 1;
		*first = (int)head_left(xs);
		if (xs->msg_kern && xsys_ioctl(fd, FIONREAD, &n) == 0)
			*first = n;
	}
	if (xs->engine == XE_RELAY) {
		r = syscall(SYS_recvfrom, fd, buf, sizeof(buf) - 1,
		    MSG_PEEK | MSG_DONTWAIT, NULL, NULL);
		if (msgs > 0 && xs->frame_left > 0)
			off = xs->frame_left;	/* the rest of the head */
		while (r > 0 && off + FRAME_HDR <= (size_t)r) {
			len = get32le(buf + off + 1);
			if (*first < 0)
				*first = (int)len;
			msgs++;
			off += FRAME_HDR + len;
		}
	} else if (!xs->msg_kern) {
		st = xs->pktstatus;
		while (st != 0) {
			unsigned char fl;
			int type = status_event(&st, &fl);

			if (type < 0)
				break;
			if (*first < 0)
				*first = type == M_FLUSH ? 1 : type == M_IOCTL ?
				    (int)(sizeof(struct iocblk) +
				    sizeof(struct termios)) : 0;
			msgs++;
		}
		if (xsys_ioctl(fd, FIONREAD, &n) == 0 && n > 0) {
			if (*first < 0)
				*first = n;
			msgs++;
		}
	}
	if (*first < 0)
		*first = 0;
	return msgs;
}

/*
 * I_PEEK on a manager without pckt: the data available now is one
 * message with no control part (strmsg.c); the zero-length message of a
 * subsidiary close has an empty data part.  Relay: MSG_PEEK.  Direct:
 * the host manager cannot be peeked, so with data waiting (and a buffer
 * to fill) I_PEEK fails with EBADMSG, as for a message I_PEEK cannot show.
 */
int
plain_peek(int fd, struct xstream *xs, void *uarg)
{
	unsigned char buf[65536];
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };
	struct strpeek k;
	int want, n = 0;
	ssize_t r = 0;

	if (xpty_user_copyin(&k, uarg, sizeof(k)) == -1)
		return -1;
	if (k.flags & RS_HIPRI)
		return 0;	/* M_DATA: normal priority */
	if (xsys_ioctl(fd, FIONREAD, &n) == -1)
		return -1;
	if (n <= 0) {
		/* the zero-length message of a subsidiary close? */
		if (xs->kind != XK_MANAGER ||
		    atomic_load_explicit(&xs->eofstate, memory_order_relaxed) ==
		    XEOF_DONE || syscall(SYS_poll, &pfd, 1, 0) != 1 ||
		    !(pfd.revents & (xs->engine == XE_RELAY ? POLLRDHUP : POLLHUP)))
			return 0;
		return peek_out(uarg, &k, -1, buf, 0, 1);
	}
	want = k.databuf.maxlen;
	if (want > n)
		want = n;
	if (want > (int)sizeof(buf))
		want = (int)sizeof(buf);
	if (want > 0) {
		if (xs->kind != XK_MANAGER || xs->engine != XE_RELAY) {
			errno = EBADMSG;	/* a tty cannot be peeked */
			return -1;
		}
		r = syscall(SYS_recvfrom, fd, buf, (size_t)want,
		    MSG_PEEK | MSG_DONTWAIT, NULL, NULL);
		if (r < 0)
			r = 0;
	}
	return peek_out(uarg, &k, -1, buf, (int)r, 1);
}
