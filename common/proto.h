/*
 * proto.h - the wire protocol between libxpty (lib/relay.c) and xptyd.
 *
 * Theory of operation.  A connection to the daemon's socket is a control
 * connection: it carries framed requests, an 8-byte header (u16 type,
 * u16 version, u32 payload length, all little-endian) followed by the
 * payload.  A request may carry descriptors with SCM_RIGHTS (exactly as
 * many as its type wants, attached to its bytes, which are sent with one
 * sendmsg).  The daemon answers every request but XP_ADOPT with one
 * fixed-size XP_REPLY (24 bytes, possibly carrying one descriptor); a
 * client sends the next request only after the reply (XP_ADOPT, which
 * has none, may be followed at once).  The library keeps one such
 * connection per process for as long as the process lives.
 *
 * The application's manager descriptor is one end of a socketpair the
 * library makes; XP_ADOPT (a new pty) hands the other end to the daemon,
 * which relays it: a data connection.  It carries the manager's byte
 * stream (or, when the pty is in pckt mode, the frames described below)
 * and never frames.  A zero-length message ends a data connection's
 * stream (shutdown of the daemon's writing half); the daemon then makes
 * the next connection of the pty itself, its successor, and keeps a copy
 * of the successor's client end for as long as the ended connection is
 * open anywhere, so every process holding the ended one can fetch the
 * successor (XP_ATTACH) and all of them go on sharing one stream.  Data
 * connections are known by the inode of the application's end (the
 * payload of XP_ADOPT; fstat of the client end for successors), which is
 * how a socket passed along as proof is recognised.  The daemon's end is
 * bound to an abstract name starting with XP_MARK, so that the library
 * can tell a relayed manager from other sockets (getpeername) before it
 * asks.  A request about a pty the daemon does not know first makes the
 * daemon take every XP_ADOPT already queued on any control connection:
 * an XP_ADOPT sent before the request was sent is never overtaken.
 *
 * Requests (payload layout, descriptors):
 *   XP_ADOPT     u64 ino of the client's end        daemon's end, host manager
 *                no reply; the host manager is a /dev/ptmx the library
 *                opened (and dismantled: raw, no modules)
 *   XP_ATTACH    (empty)                            an ended data socket
 *                reply: ptyno, aux = pckt mode, aux2 = 1 if another
 *                XP_ATTACH bearing the same socket came first (its
 *                zero-length message was read there: read on instead),
 *                descriptor = the client end of its successor; or, the
 *                pty released (XP_RELEASE) and nothing after this one,
 *                aux2 = XP_RELEASED and descriptor = the host manager
 *   XP_IDENTIFY  (empty)                            data socket
 *                reply: ptyno, aux = pckt mode, descriptor = host manager
 *   XP_ZERO      i32 ptyno                          subsidiary
 *   XP_EVENT     i32 ptyno, u8 mtype, 3 pad, payload    subsidiary
 *   XP_PCKT      u32 on                             data socket
 *   XP_STATUS    (empty)                            -
 *                reply: ptyno = daemon pid, aux = ptys, aux2 = connections
 *   XP_SYNC      i32 ptyno                          -
 *                sent after the last manager descriptor of a process was
 *                closed: the daemon looks for end of file on the pty's
 *                connections now, and hangs up at once if that was the
 *                last; reply: aux = 1 if the pty is hung up (or gone).
 *                Before, it takes in what the subsidiary side did (reopen,
 *                last close and its dismantling), so it also serves as a
 *                barrier with the manager open (aux = 0)
 *   XP_RELEASE   (empty)                            data socket
 *                the application takes the host manager itself (it asked
 *                for a Linux data-path ioctl: TIOCPKT): the daemon never
 *                reads or writes the host manager again (what the
 *                application wrote must have reached it: the library
 *                waits until its socket's send queue is empty), delivers
 *                what it holds, then ends the data connection; the last
 *                one's XP_ATTACH says XP_RELEASED.  No marker, no
 *                dismantling, no hangup wait after this: the application
 *                holds the manager.  reply: aux = 1 if this socket is
 *                already ended and last (switch at once once it is read)
 *   XP_ADOPT_PAGE  as XP_ADOPT, with the pty's state page (the page
 *                store, common/ptypage.h) as a third descriptor, which the
 *                daemon keeps for the pty's life
 *   XP_PAGE      i32 ptyno                          subsidiary, host manager
 *                                                   or data socket of it
 *                reply: ptyno, descriptor = the pty's state page (ENOENT:
 *                none; EPERM: the descriptor is no proof)
 *   XP_LEASE     (empty)                            data socket
 *                reply: ptyno, aux = the slot (common/lease.h), aux2 =
 *                its serial, descriptor = the pty's page with the lease
 *                block initialised (EPERM: no proof; EAGAIN: no slot
 *                free; EOPNOTSUPP: leases off for this pty)
 *
 * pckt framing (data connections in pckt mode): 1 byte message type,
 * u32 little-endian payload length, payload.
 *
 * Version 2 (socket xptyd.v2) replaced version 1's XP_OPEN (the daemon
 * opened the pty, the connection became the manager) with XP_ADOPT.
 * Version 3 (xptyd.v3): the daemon makes the connection that follows a
 * zero-length message (XP_ATTACH fetches it instead of bringing one), so
 * zero-length messages queue up without waiting for the reader and a
 * manager shared across fork goes on in every process.
 *
 * Everything here is static inline and allocation-free, so that both the
 * preloaded library and the daemon use it and the fuzz target can drive
 * the decoder directly.  No state, no locking.
 */
#ifndef XPTY_PROTO_H
#define XPTY_PROTO_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define XP_VERSION	3
#define XP_SOCKNAME	"xptyd.v3"	/* the version is part of the name */
#define XP_MARK		"xptyd.v3/"	/* abstract names of daemon ends */
#define XP_MAXFDS	3		/* descriptors on one request */

#define XP_HDRLEN	8
#define XP_MAXPAYLOAD	2048		/* larger claims close the client */
#define XP_MAXEVENT	1024		/* XP_EVENT payload after its 8 bytes */

enum xp_type {
	XP_ADOPT = 1,
	XP_ATTACH = 2,
	XP_IDENTIFY = 3,
	XP_ZERO = 4,
	XP_EVENT = 5,
	XP_PCKT = 6,
	XP_STATUS = 7,
	XP_SYNC = 8,
	XP_RELEASE = 9,
	XP_ADOPT_PAGE = 10,
	XP_PAGE = 11,
	XP_LEASE = 12,
	XP_REPLY = 0x80
};

#define XP_RELEASED	2	/* XP_ATTACH aux2: take the host manager */
#define XP_REPLYPAY	16
#define XP_REPLYLEN	(XP_HDRLEN + XP_REPLYPAY)

/* pckt message types (illumos values, include/xpty.h) and the frame header. */
#define XP_M_DATA	0x00
#define XP_M_IOCTL	0x0e
#define XP_M_FLUSH	0x86
#define XP_M_STOP	0x87
#define XP_M_START	0x88
#define XP_FLUSHR	0x01
#define XP_FLUSHW	0x02
#define XP_FRAMEHDR	5

/* A decoded message: header fields and a pointer into the caller's buffer. */
struct xp_msg {
	uint16_t	 type;
	uint16_t	 version;
	uint32_t	 len;
	const uint8_t	*pay;
};

/* A decoded reply. */
struct xp_reply {
	int32_t		err;	/* 0 or an errno value */
	int32_t		ptyno;
	uint32_t	aux;
	uint32_t	aux2;
};

static inline void
xp_put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static inline void
xp_put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

static inline void
xp_put64(uint8_t *p, uint64_t v)
{
	xp_put32(p, (uint32_t)v);
	xp_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t
xp_get16(const uint8_t *p)
{
	return ((uint16_t)(p[0] | p[1] << 8));
}

static inline uint32_t
xp_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static inline uint64_t
xp_get64(const uint8_t *p)
{
	return ((uint64_t)xp_get32(p) | (uint64_t)xp_get32(p + 4) << 32);
}

/* Write a header into p; returns XP_HDRLEN. */
static inline size_t
xp_put_hdr(uint8_t *p, enum xp_type type, uint32_t len)
{
	xp_put16(p, (uint16_t)type);
	xp_put16(p + 2, XP_VERSION);
	xp_put32(p + 4, len);
	return (XP_HDRLEN);
}

/*
 * Payload length rules of each request type: the exact length, or for
 * XP_EVENT the fixed part and a bound.  Returns 1 if acceptable.
 */
static inline int
xp_len_ok(uint16_t type, uint32_t len)
{
	switch (type) {
	case XP_ADOPT:
	case XP_ADOPT_PAGE:
		return (len == 8);
	case XP_PAGE:
		return (len == 4);
	case XP_ATTACH:
	case XP_IDENTIFY:
	case XP_STATUS:
	case XP_RELEASE:
	case XP_LEASE:
		return (len == 0);
	case XP_ZERO:
	case XP_PCKT:
	case XP_SYNC:
		return (len == 4);
	case XP_EVENT:
		return (len >= 8 && len <= 8 + XP_MAXEVENT);
	case XP_REPLY:
		return (len == XP_REPLYPAY);
	default:
		return (0);
	}
}

/* Is this a type a client may send? */
static inline int
xp_is_request(uint16_t type)
{
	return (type >= XP_ADOPT && type <= XP_LEASE);
}

/* Does the daemon answer this request? */
static inline int
xp_has_reply(uint16_t type)
{
	return (type != XP_ADOPT && type != XP_ADOPT_PAGE);
}

/* How many descriptors does this request type carry (require)? */
static inline int
xp_wants_fds(uint16_t type)
{
	switch (type) {
	case XP_ADOPT:
		return (2);
	case XP_ADOPT_PAGE:
		return (3);
	case XP_ATTACH:
	case XP_PAGE:
	case XP_IDENTIFY:
	case XP_ZERO:
	case XP_EVENT:
	case XP_PCKT:
	case XP_RELEASE:
	case XP_LEASE:
		return (1);
	default:
		return (0);
	}
}

/*
 * Decode one message from buf[0..avail).  Returns the number of bytes it
 * occupies, 0 if more bytes are needed, -1 if the bytes can never form a
 * valid message (wrong version, unknown type, bad or oversized length).
 */
static inline ssize_t
xp_decode(const uint8_t *buf, size_t avail, struct xp_msg *m)
{
	if (avail < XP_HDRLEN)
		return (0);
	m->type = xp_get16(buf);
	m->version = xp_get16(buf + 2);
	m->len = xp_get32(buf + 4);
	if (m->version != XP_VERSION)
		return (-1);
	if (m->len > XP_MAXPAYLOAD || !xp_len_ok(m->type, m->len))
		return (-1);
	if (avail - XP_HDRLEN < m->len)
		return (0);
	m->pay = buf + XP_HDRLEN;
	return ((ssize_t)(XP_HDRLEN + m->len));
}

/* Encode a reply into p (XP_REPLYLEN bytes). */
static inline size_t
xp_put_reply(uint8_t *p, const struct xp_reply *r)
{
	xp_put_hdr(p, XP_REPLY, XP_REPLYPAY);
	xp_put32(p + 8, (uint32_t)r->err);
	xp_put32(p + 12, (uint32_t)r->ptyno);
	xp_put32(p + 16, r->aux);
	xp_put32(p + 20, r->aux2);
	return (XP_REPLYLEN);
}

/* Decode a reply of exactly XP_REPLYLEN bytes; -1 if it is not one. */
static inline int
xp_get_reply(const uint8_t *p, struct xp_reply *r)
{
	struct xp_msg	m;

	if (xp_decode(p, XP_REPLYLEN, &m) != XP_REPLYLEN ||
	    m.type != XP_REPLY)
		return (-1);
	r->err = (int32_t)xp_get32(m.pay);
	r->ptyno = (int32_t)xp_get32(m.pay + 4);
	r->aux = xp_get32(m.pay + 8);
	r->aux2 = xp_get32(m.pay + 12);
	return (0);
}

/* pckt frames. */
static inline size_t
xp_put_frame(uint8_t *p, uint8_t mtype, uint32_t len)
{
	p[0] = mtype;
	xp_put32(p + 1, len);
	return (XP_FRAMEHDR);
}

/*
 * Parse a frame header from buf[0..avail).  Returns XP_FRAMEHDR and fills
 * *mtype and *len, or 0 if fewer than XP_FRAMEHDR bytes are available.
 * The caller bounds *len against its own buffer (MORECTL/MOREDATA).
 */
static inline size_t
xp_frame_parse(const uint8_t *buf, size_t avail, uint8_t *mtype,
    uint32_t *len)
{
	if (avail < XP_FRAMEHDR)
		return (0);
	*mtype = buf[0];
	*len = xp_get32(buf + 1);
	return (XP_FRAMEHDR);
}

/* Is mtype one the daemon ever frames? */
static inline int
xp_frame_type_ok(uint8_t mtype)
{
	return (mtype == XP_M_DATA || mtype == XP_M_IOCTL ||
	    mtype == XP_M_FLUSH || mtype == XP_M_STOP || mtype == XP_M_START);
}

#endif /* XPTY_PROTO_H */
