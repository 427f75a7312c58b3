/*
 * pckt.c - the pckt module on a manager: subsidiary events as messages,
 * and the head of the manager's message queue.  The stream head's read
 * side that hands the messages out (getmsg, read modes, I_PEEK, I_NREAD)
 * is in strhead.c.
 *
 * With pckt pushed, each message on the manager has a control part of a
 * single byte, the STREAMS type of what the subsidiary side produced
 * (M_DATA, M_FLUSH, M_STOP, M_START, M_IOCTL), and a data part holding
 * its payload (xpty(7)).  Where the messages come from is the engine's
 * (engine.h): xptyd's frames in the relay engine, the host's packet mode
 * in the direct engine.
 *
 * The head message.  pckt_head_open() opens the head message, waiting
 * for one or only looking.  The caller delivers the control part itself
 * (and clears msg_ctl); pckt_head_take() delivers the data part, as much
 * as the caller has room for, pckt_head_left() tells how much of it is
 * left and pckt_head_discard() throws the rest of the message away.  What
 * is not delivered stays with the head for the next call, as STREAMS puts
 * back the rest of a message.
 *
 * State: the opened head message, in the manager's struct xstream
 * (internal.h); pckt_reset() forgets it.  Locking: none.  The fields are
 * plain and unguarded: threads reading one pckt manager at the same time
 * must serialise those reads themselves.  Descriptors: none of its own;
 * it reads the caller's manager (or its host manager, the engine's).
 */
#include "config.h"

#include <sys/uio.h>
#include <stddef.h>

#include "xpty.h"
#include "internal.h"
#include "engine.h"

void
pckt_reset(struct xstream *xs)
{
	engine_head_reset(xs);
}

int
pckt_head_open(int fd, struct xstream *xs, int block)
{
	if (xs->msg_ctl != 0 || xs->msg_data)
		return (PCKT_HEAD_OPEN);
	return (XENGINE(xs)->head_open(fd, xs, block));
}

size_t
pckt_head_left(const struct xstream *xs)
{
	return (XENGINE(xs)->head_left(xs));
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
	return (XENGINE(xs)->head_take(fd, xs, iov, iovcnt, off, len));
}

/* Throw away the rest of the head message (RMSGD). */
void
pckt_head_discard(int fd, struct xstream *xs)
{
	XENGINE(xs)->head_discard(fd, xs);
}
