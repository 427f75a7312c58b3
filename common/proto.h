/*
 * proto.h - the wire protocol between libxpty (lib/relay.c) and xptyd.
 *
 * Theory of operation.  Every connection to the daemon's socket begins
 * with framed requests: an 8-byte header (u16 type, u16 version, u32
 * payload length, all little-endian) followed by the payload.  A request
 * may carry one descriptor with SCM_RIGHTS, attached to its first byte.
 * The daemon answers every request with one fixed-size XP_REPLY (24 bytes,
 * possibly carrying one descriptor).
 *
 * XP_OPEN and XP_ATTACH turn the connection into a data connection: after
 * the reply, the connection carries the manager's byte stream (or, when
 * the pty is in pckt mode, the frames described below) and never frames
 * again.  Every other request leaves the connection a control connection.
 *
 * Requests (payload layout, descriptor):
 *   XP_OPEN      u32 oflag, u64 ino of the client's end        -
 *                reply: ptyno, descriptor = dup of the host manager
 *   XP_ATTACH    u64 ino of the new connection's client end    old data socket
 *                reply: ptyno
 *   XP_IDENTIFY  (empty)                                       data socket
 *                reply: ptyno, aux = pckt mode, descriptor = host manager
 *   XP_ZERO      i32 ptyno                                     subsidiary
 *   XP_EVENT     i32 ptyno, u8 mtype, 3 pad, payload           subsidiary
 *   XP_PCKT      u32 on                                        data socket
 *   XP_STATUS    (empty)                                       -
 *                reply: ptyno = daemon pid, aux = ptys, aux2 = connections
 *   XP_SYNC      i32 ptyno                                     -
 *                sent after the last manager descriptor of a process was
 *                closed: the daemon looks for end of file on the pty's
 *                connections now, and hangs up at once if that was the
 *                last; reply: aux = 1 if the pty is hung up (or gone)
 *
 * pckt framing (data connections in pckt mode): 1 byte message type,
 * u32 little-endian payload length, payload.
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

#define XP_VERSION	1
#define XP_SOCKNAME	"xptyd.v1"	/* the version is part of the name */

#define XP_HDRLEN	8
#define XP_MAXPAYLOAD	2048		/* larger claims close the client */
#define XP_MAXEVENT	1024		/* XP_EVENT payload after its 8 bytes */

enum xp_type {
	XP_OPEN = 1,
	XP_ATTACH = 2,
	XP_IDENTIFY = 3,
	XP_ZERO = 4,
	XP_EVENT = 5,
	XP_PCKT = 6,
	XP_STATUS = 7,
	XP_SYNC = 8,
	XP_REPLY = 0x80
};

#define XP_REPLYPAY	16
#define XP_REPLYLEN	(XP_HDRLEN + XP_REPLYPAY)

/* pckt message types (SPEC 1.5) and the frame header. */
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
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t
xp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline uint64_t
xp_get64(const uint8_t *p)
{
	return (uint64_t)xp_get32(p) | (uint64_t)xp_get32(p + 4) << 32;
}

/* Write a header into p; returns XP_HDRLEN. */
static inline size_t
xp_put_hdr(uint8_t *p, enum xp_type type, uint32_t len)
{
	xp_put16(p, (uint16_t)type);
	xp_put16(p + 2, XP_VERSION);
	xp_put32(p + 4, len);
	return XP_HDRLEN;
}

/*
 * Payload length rules of each request type: the exact length, or for
 * XP_EVENT the fixed part and a bound.  Returns 1 if acceptable.
 */
static inline int
xp_len_ok(uint16_t type, uint32_t len)
{
	switch (type) {
	case XP_OPEN:
		return len == 12;
	case XP_ATTACH:
		return len == 8;
	case XP_IDENTIFY:
	case XP_STATUS:
		return len == 0;
	case XP_ZERO:
	case XP_PCKT:
	case XP_SYNC:
		return len == 4;
	case XP_EVENT:
		return len >= 8 && len <= 8 + XP_MAXEVENT;
	case XP_REPLY:
		return len == XP_REPLYPAY;
	default:
		return 0;
	}
}

/* Is this a type a client may send? */
static inline int
xp_is_request(uint16_t type)
{
	return type >= XP_OPEN && type <= XP_SYNC;
}

/* Does this request type carry (require) a descriptor? */
static inline int
xp_wants_fd(uint16_t type)
{
	switch (type) {
	case XP_ATTACH:
	case XP_IDENTIFY:
	case XP_ZERO:
	case XP_EVENT:
	case XP_PCKT:
		return 1;
	default:
		return 0;
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
		return 0;
	m->type = xp_get16(buf);
	m->version = xp_get16(buf + 2);
	m->len = xp_get32(buf + 4);
	if (m->version != XP_VERSION)
		return -1;
	if (m->len > XP_MAXPAYLOAD || !xp_len_ok(m->type, m->len))
		return -1;
	if (avail - XP_HDRLEN < m->len)
		return 0;
	m->pay = buf + XP_HDRLEN;
	return (ssize_t)(XP_HDRLEN + m->len);
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
	return XP_REPLYLEN;
}

/* Decode a reply of exactly XP_REPLYLEN bytes; -1 if it is not one. */
static inline int
xp_get_reply(const uint8_t *p, struct xp_reply *r)
{
	struct xp_msg	m;

	if (xp_decode(p, XP_REPLYLEN, &m) != XP_REPLYLEN ||
	    m.type != XP_REPLY)
		return -1;
	r->err = (int32_t)xp_get32(m.pay);
	r->ptyno = (int32_t)xp_get32(m.pay + 4);
	r->aux = xp_get32(m.pay + 8);
	r->aux2 = xp_get32(m.pay + 12);
	return 0;
}

/* pckt frames. */
static inline size_t
xp_put_frame(uint8_t *p, uint8_t mtype, uint32_t len)
{
	p[0] = mtype;
	xp_put32(p + 1, len);
	return XP_FRAMEHDR;
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
		return 0;
	*mtype = buf[0];
	*len = xp_get32(buf + 1);
	return XP_FRAMEHDR;
}

/* Is mtype one the daemon ever frames? */
static inline int
xp_frame_type_ok(uint8_t mtype)
{
	return mtype == XP_M_DATA || mtype == XP_M_IOCTL ||
	    mtype == XP_M_FLUSH || mtype == XP_M_STOP || mtype == XP_M_START;
}

#endif /* XPTY_PROTO_H */
