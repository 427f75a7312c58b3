/*
 * strhead.c - the stream head's read side on a manager: getmsg() and
 * read() over pckt messages, the read modes, I_PEEK and I_NREAD.
 *
 * The messages come from pckt.c, which opens the head message of a pckt
 * manager and delivers its data part; this file decides what of it a call
 * takes.  getmsg() delivers both parts; a part that does not fit stays
 * with the head, as STREAMS puts back the rest of a message: MORECTL /
 * MOREDATA.  read() honours the read modes (RMSGN and RNORM leave the
 * rest of a message at the head, RMSGD discards it) and the protocol
 * options: RPROTNORM fails with EBADMSG while a control part is at the
 * head, RPROTDAT delivers the type byte as data followed by the data
 * part, RPROTDIS drops the control part (a message with an empty data
 * part then reads as 0, as a zero-length message does).  One read()
 * returns data of at most one message in every read mode.
 *
 * pckt sends every message up as M_PROTO, a normal-priority message, so
 * the stream head never holds a high-priority message here:
 * getmsg(RS_HIPRI) finds none and I_PEEK with RS_HIPRI returns 0, as on
 * illumos.  I_PEEK and I_NREAD look without taking.  Relay engine: at the
 * frames in the socket, with MSG_PEEK (I_PEEK straight into the caller's
 * buffer, so that nothing large goes on the stack: internal.h).  Direct engine: at the pending
 * status events; data still in the host manager cannot be looked at
 * without taking it, so I_PEEK fails with EBADMSG when a data message
 * with a non-empty buffer is at the head (events and the zero-length
 * message are peeked normally).  I_PEEK on a manager without pckt
 * (plain_peek()) shows the data queued as one message.
 *
 * State: none of its own; the head message is pckt.c's, in struct
 * xstream.  Locking: none (see pckt.c).  Descriptors: none of its own.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"
#include "engine.h"


static int
sb_in(struct strbuf *usb, struct strbuf *k)
{
	if (usb == NULL) {
		memset(k, 0, sizeof(*k));
		k->maxlen = -1;
		return (0);
	}
	return (xpty_user_copyin(k, usb, sizeof(*k)));
}

static int
sb_len_out(struct strbuf *usb, int len)
{
	if (usb == NULL)
		return (0);
	return (xpty_user_copyout(&usb->len, &len, sizeof(len)));
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
	struct strbuf	c, d;
	struct iovec	iov;
	unsigned char	t;
	int		clen = -1, dlen = -1, more = 0;
	ssize_t		n;

	if (sb_in(uctl, &c) == -1 || sb_in(udata, &d) == -1)
		return (-1);
	if (pckt_head_open(fd, xs, 1) == -1)
		return (-1);
	if (xs->msg_ctl != 0) {
		if (c.maxlen >= 1) {
			t = (unsigned char)(xs->msg_ctl - 1);
			if (xpty_user_copyout(c.buf, &t, 1) == -1)
				return (-1);
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
			n = pckt_head_take(fd, xs, &iov, 1, 0, (size_t)d.maxlen);
			if (n == -1)
				return (-1);
			dlen = (int)n;
			if (xs->msg_data)
				more |= MOREDATA;
		}
	}
	if (sb_len_out(uctl, clen) == -1 || sb_len_out(udata, dlen) == -1)
		return (-1);
	return (more);
}

/*
 * read() on a pckt manager in the RPROTDAT or RPROTDIS protocol mode, or
 * RPROTNORM with a data part (the rest of a message whose control part
 * getmsg() took) at the head.
 */
ssize_t
pckt_read(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt)
{
	int		prot = xs->rdopt & RPROTMASK;
	int		mode = xs->rdopt & RMODEMASK, i;
	size_t		want = 0, out = 0;
	unsigned char	t;
	ssize_t		n;

	for (i = 0; i < iovcnt; i++)
		want += iov[i].iov_len;
	if (prot == RPROTNORM && (xs->msg_ctl != 0 || !xs->msg_data)) {
		errno = EBADMSG;	/* an M_PROTO at the head */
		return (-1);
	}
	if (want == 0)
		return (0);
	if (pckt_head_open(fd, xs, 1) == -1)
		return (-1);
	if (xs->msg_ctl != 0) {
		if (prot == RPROTDAT) {
			t = (unsigned char)(xs->msg_ctl - 1);
			if (iov_put(iov, iovcnt, 0, &t, 1) == -1)
				return (-1);
			out = 1;
		}
		xs->msg_ctl = 0;
	}
	if (xs->msg_data && out < want) {
		n = pckt_head_take(fd, xs, iov, iovcnt, out, want - out);
		if (n == -1)
			return (out > 0 ? (ssize_t)out : -1);
		out += (size_t)n;
	}
	if (xs->msg_data && mode == RMSGD)
		pckt_head_discard(fd, xs);
	return ((ssize_t)out);
}

/* ---- I_PEEK, I_NREAD ---- */

/*
 * Copy a peeked part out; maxlen < 0 gives len -1, 0 gives 0.  src NULL:
 * the kernel has put the len bytes in the caller's buffer already.
 */
static int
peek_part(struct strbuf *k, const void *src, int len, int present)
{
	int	n;

	if (k->maxlen < 0) {
		k->len = -1;
		return (0);
	}
	if (k->maxlen == 0) {
		k->len = 0;
		return (0);
	}
	if (!present) {
		k->len = -1;
		return (0);
	}
	n = len < k->maxlen ? len : k->maxlen;
	if (n > 0 && src != NULL &&
	    xpty_user_copyout(k->buf, src, (size_t)n) == -1)
		return (-1);
	k->len = n;
	return (0);
}

static int
peek_out(void *uarg, struct strpeek *k, int type, const void *data, int dlen,
    int dpresent)
{
	unsigned char	t = (unsigned char)type;

	if (peek_part(&k->ctlbuf, &t, 1, type >= 0) == -1 ||
	    peek_part(&k->databuf, data, dlen, dpresent) == -1)
		return (-1);
	k->flags = 0;		/* M_PROTO: normal priority */
	if (xpty_user_copyout(uarg, k, sizeof(*k)) == -1)
		return (-1);
	return (1);
}

/* I_PEEK on a pckt manager; k is the caller's struct strpeek, copied in. */
int
pckt_peek(int fd, struct xstream *xs, void *uarg)
{
	struct strpeek	k;
	struct xpeek	pk;
	int		r;

	if (xpty_user_copyin(&k, uarg, sizeof(k)) == -1)
		return (-1);
	if (k.flags & RS_HIPRI)
		return (0);	/* every pckt message is M_PROTO */
	r = XENGINE(xs)->head_peek(fd, xs, k.databuf.buf,
	    k.databuf.maxlen > 0 ? k.databuf.maxlen : 0, &pk);
	if (r != 1)
		return (r);
	return (peek_out(uarg, &k, pk.type, pk.data, pk.dlen, pk.dpresent));
}

/*
 * I_NREAD on a pckt manager: the number of messages queued, and in
 * *first the length of the first one's data part: the head message, if
 * one is open, then what the engine counts behind it.
 */
int
pckt_nread(int fd, struct xstream *xs, int *first)
{
	int	msgs = 0, n = 0;

	*first = -1;
	if (xs->msg_ctl != 0 || xs->msg_data) {
		msgs = 1;
		*first = (int)pckt_head_left(xs);
		if (xs->msg_kern && xsys_ioctl(fd, FIONREAD, &n) == 0)
			*first = n;
	}
	msgs += XENGINE(xs)->head_count(fd, xs, first);
	if (*first < 0)
		*first = 0;
	return (msgs);
}

/*
 * I_PEEK on a manager without pckt: the data available now is one
 * message with no control part (strmsg.c); the zero-length message of a
 * subsidiary close has an empty data part.  Relay: MSG_PEEK.  Direct:
 * the host manager cannot be peeked, so with data waiting (and a buffer
 * to fill) I_PEEK fails with EBADMSG, as for a message I_PEEK cannot show.
 */
int
strhead_eof_pending(int fd, const struct xstream *xs)
{
	if (xs->kind != XK_MANAGER ||
	    atomic_load_explicit(&xs->eofstate, memory_order_relaxed) ==
	    XEOF_DONE)
		return (0);
	/* relay: the daemon ended the byte stream; direct: the host hangup */
	return (XENGINE(xs)->eof_pending(fd, xs));
}

int
plain_peek(int fd, struct xstream *xs, void *uarg)
{
	struct strpeek	k;
	int		want, n = 0;
	ssize_t		r = 0;

	if (xpty_user_copyin(&k, uarg, sizeof(k)) == -1)
		return (-1);
	if (k.flags & RS_HIPRI)
		return (0);	/* M_DATA: normal priority */
	engine_gather(fd, xs);
	if (xsys_ioctl(fd, FIONREAD, &n) == -1)
		return (-1);
	if (n <= 0) {
		/* the zero-length message of a subsidiary close? */
		if (!strhead_eof_pending(fd, xs))
			return (0);
		return (peek_out(uarg, &k, -1, NULL, 0, 1));
	}
	want = k.databuf.maxlen;
	if (want > n)
		want = n;
	if (want > 0) {
		if (xs->kind != XK_MANAGER) {
			errno = EBADMSG;	/* a tty cannot be peeked */
			return (-1);
		}
		if ((r = XENGINE(xs)->peek(fd, xs, k.databuf.buf,
		    (size_t)want)) == -1)
			return (-1);
	}
	return (peek_out(uarg, &k, -1, NULL, (int)r, 1));
}
