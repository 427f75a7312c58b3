/*
 * engine.c - the engine table (engine.h) and what every engine shares:
 * the head message's reset states, the checks a read makes after it
 * blocked, the status-flag look of a descriptor, and the swap of the file
 * under a descriptor number when a stream changes engines (fallback.c,
 * defer.c).
 *
 * No state of its own beyond the constant table; no descriptors.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>

#include "xpty.h"
#include "internal.h"
#include "engine.h"

#define DISCARD_CHUNK	512	/* discard_bytes(): 8 entries of one buffer */
#define DISCARD_IOV	8

/* Indexed by enum xpty_engine (internal.h). */
const struct xengine *const xengines[] = {
	[XE_DIRECT] = &xengine_direct,
	[XE_RELAY] = &xengine_relay,
	[XE_LEASE] = &xengine_lease,
};

/*
 * Put nfd's file under number n, close-on-exec as n was; epoll
 * registrations of n follow (host_evreg_*).  A function of its own
 * (noinline), so that the registration table is not on the caller's
 * stack during its requests.
 */
__attribute__((noinline)) int
engine_swap_under(int nfd, int n)
{
	struct host_evregs	ep;
	int			fdfl, rv, saved;

	if ((fdfl = xsys_fcntl(n, F_GETFD, 0)) == -1)
		return (-1);
	host_evreg_detach(n, &ep);
	rv = xsys_dup3(nfd, n, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
	saved = errno;
	host_evreg_attach(n, &ep);
	errno = saved;
	return (rv);
}

/* Forget the head message and any pending status (pckt.c's model). */
void
engine_head_reset(struct xstream *xs)
{
	xs->msg_ctl = xs->msg_data = xs->msg_kern = 0;
	xs->frame_left = 0;
	xs->pend_off = xs->pend_len = 0;
	xs->pktstatus = 0;
}

/* The head message is a zero-length M_DATA (the last subsidiary close). */
void
engine_head_zero(struct xstream *xs)
{
	xs->msg_ctl = 1 + M_DATA;
	xs->msg_data = 1;
	xs->msg_kern = 0;
	xs->frame_left = 0;
	xs->pend_off = xs->pend_len = 0;
}

/*
 * Is fd still a descriptor of stream xs, of the generation gen that a
 * read began on?  Another thread may have closed fd while the read was
 * blocked (the read goes on with the file it had), and the number, even
 * the xstream's memory, may serve another pty now: what the read saw
 * then says nothing about them, and nothing may be done to them.
 */
int
engine_still_ours(int fd, struct xstream *xs, uint32_t gen)
{
	return (xfd_lookup(fd) == xs &&
	    atomic_load_explicit(&xs->gen, memory_order_relaxed) == gen);
}

int
engine_iov_empty(const struct iovec *iov, int iovcnt)
{
	int	i;

	for (i = 0; i < iovcnt; i++)
		if (iov[i].iov_len > 0)
			return (0);
	return (1);
}

/*
 * Every fcntl F_SETFL and every FIONBIO on a stream this process makes
 * (libxpty.c) counts here, so that an O_NONBLOCK test taken earlier
 * (engine_lease.c's answer to a write) knows it may be stale.
 */
static _Atomic(uint32_t) engine_flags;

void
engine_flags_touch(void)
{
	atomic_fetch_add_explicit(&engine_flags, 1, memory_order_relaxed);
}

uint32_t
engine_flags_epoch(void)
{
	return (atomic_load_explicit(&engine_flags, memory_order_relaxed));
}

/* Is O_NONBLOCK set on fd's open file description? */
int
engine_nonblocking(int fd)
{
	int	fl = xsys_fcntl(fd, F_GETFL, 0);

	return (fl != -1 && (fl & O_NONBLOCK));
}

/* A manager's queue, whole where the stream head looks (engine.h). */
void
engine_gather(int fd, struct xstream *xs)
{
	const struct xengine	*e;

	if (xs->kind == XK_MANAGER && (e = XENGINE(xs))->gather != NULL)
		e->gather(fd, xs);
}

/* After the last descriptor: let xptyd finish the close (relay.c). */
void
engine_closed(int ptyno)
{
	int	saved = errno;

	(void)relay_sync_close(ptyno);
	errno = saved;
}

/*
 * Throw away up to n bytes queued on fd, a socket (without waiting) or
 * a tty, through one small buffer that every iovec entry shares.
 */
void
discard_bytes(int fd, int sock, size_t n)
{
	unsigned char	sink[DISCARD_CHUNK];
	struct iovec	iov[DISCARD_IOV];
	struct msghdr	msg;
	size_t		want;
	ssize_t		r;
	int		i;

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
