/*
 * relay.c - libxpty's client of xptyd, the relay daemon: the requests.
 *
 * Theory of operation.  In the relay engine an application's manager
 * descriptor is one end of an AF_UNIX stream socketpair whose other end
 * xptyd relays to a host manager (man/man8/xptyd.8).  This file makes
 * such sockets and speaks the request protocol of common/proto.h, over
 * lib/relay_wire.c (the run directory, the control connection, bounded
 * and interruptible waits, the daemon's health):
 *
 *   relay_adopt     the second half of relay_open, for a host manager
 *                   the library already holds (lib/defer.c: a manager
 *                   whose relay was deferred until its first use)
 *   relay_open      open a new pty here (a private copy of the host
 *                   manager stays for the control ioctls), make a
 *                   socketpair, set the stream up (xstate_new: raw, no
 *                   modules; the page store makes its page), and post
 *                   XP_ADOPT (XP_ADOPT_PAGE, with the page) with the
 *                   daemon's end and the host manager; no round trip:
 *                   bytes the application writes before the daemon has
 *                   adopted them wait in the socket.  Descriptors: the
 *                   application's end (lowest free number, as open()) and
 *                   the private host manager copy (*hostfd, whose owner
 *                   becomes the caller's xstream) are the caller's; the
 *                   daemon's end and the page are closed once sent
 *   relay_fetch_page  XP_PAGE: the page store's page of a pty this
 *                   process holds a descriptor of but has no page for
 *   relay_reattach  after the manager read 0 (the daemon shut its writing
 *                   half down: a zero-length message), XP_ATTACH fetches
 *                   the connection the daemon made to follow it, and
 *                   dup3() puts it under the same number (event
 *                   registrations of the number follow, host_evreg_*);
 *                   every holder of the ended socket fetches the same one,
 *                   and all but the first are told the message was already
 *                   read
 *   relay_identify  XP_IDENTIFY: which pty is this inherited socket?
 *                   Only sockets whose peer carries the daemon's mark are
 *                   asked
 *   relay_zero_write, relay_event
 *                   from a process holding the subsidiary (passed along as
 *                   proof): place a zero-length message or a pckt message
 *                   at the current point of the stream; returns when the
 *                   daemon has placed it
 *   relay_set_pckt  XP_PCKT: frame the stream for getmsg()
 *   relay_write     a write on a relayed manager, straight to the host
 *                   manager when nothing waits in the socket; never
 *                   SIGPIPE (MSG_NOSIGNAL: EPIPE, and the caller falls back)
 *   relay_release   XP_RELEASE: the application takes the host manager
 *                   (a Linux data-path ioctl, TIOCPKT); the daemon ends
 *                   the stream, and relay_reattach then puts the host
 *                   manager under the descriptor number
 *   relay_sync_close  XP_SYNC after the last close in this process
 *
 * Failures are errno values (relay_wire.c): EINTR, EINPROGRESS and
 * ETIMEDOUT for waits cut short, the daemon's own for refused requests;
 * what a failure means for the pty is the caller's to decide (dataio.c,
 * fallback.c).
 *
 * Constraints of a preloaded library: no malloc, no stdio; interposed
 * names (open, close, fcntl, dup3, fstat, recvmsg...) are reached through
 * lib/sys.h's raw calls, the host's ptys and sockets through lib/host.h.
 * No state of its own.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sys.h"
#include "host.h"
#include "internal.h"		/* host_open_manager_gated */
#include "store.h"
#include "relay.h"
#include "proto.h"

/* ---- making data connections ---- */

/*
 * A socketpair for a data connection: sv[0] for the application (at the
 * lowest free number, like open()), sv[1], close-on-exec, for the daemon,
 * marked (host_mark_bind) so that relay_identify recognises it.
 */
static int
relay_pair(int sv[2], uint64_t *ino)
{
	if (xsys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		relay_why_errno("socketpair");
		return (-1);
	}
	/* the name only has to be unique: the client end's inode will do */
	*ino = relay_ino(sv[0]);
	(void)host_mark_bind(sv[1], *ino);
	return (0);
}

/* The application's end takes the descriptor flags asked for. */
static int
relay_app_flags(int fd, int cloexec, int nonblock)
{
	if ((!cloexec && xsys_fcntl(fd, F_SETFD, 0) == -1) ||
	    (nonblock && xsys_fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK) == -1)) {
		relay_why_errno("fcntl");
		return (-1);
	}
	return (0);
}

/*
 * A host manager, high and close-on-exec.  Its stream is set up (raw, no
 * modules) by the caller, before any subsidiary can be opened.
 */
static int
relay_ptmx(int *ptyno)
{
	int	fd;

	fd = host_open_manager_gated(O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		relay_why_errno("a new pty");
		return (-1);
	}
	if ((*ptyno = host_ptyno(fd)) == -1) {
		relay_why_errno("the new pty's number");
		relay_close(fd);
		return (-1);
	}
	return (xsys_fd_private(fd));
}

/* ---- the interface ---- */

/*
 * Hand the host manager hfd (private, non-blocking), whose stream is set
 * up, to the daemon with XP_ADOPT (XP_ADOPT_PAGE with pagefd, which is
 * closed), beside the daemon's end of a new socketpair.  The
 * application's end (the lowest free number, flags from oflag) is
 * returned; -1 with errno, hfd left open, on failure.
 */
int
relay_adopt(int hfd, int oflag, int pagefd)
{
	struct xp_reply	r;
	struct iovec	iov;
	uint8_t		pay[8];
	uint64_t	ino;
	int		sv[2], fds[3], rv;

	if (pagefd >= 0)
		pagefd = xsys_fd_private(pagefd);	/* not below sv[0] */
	if (relay_pair(sv, &ino) == -1) {
		relay_close(pagefd);
		return (-1);
	}
	xp_put64(pay, ino);
	iov.iov_base = pay;
	iov.iov_len = sizeof(pay);
	fds[0] = sv[1];
	fds[1] = hfd;
	fds[2] = pagefd;
	rv = relay_req(pagefd >= 0 ? XP_ADOPT_PAGE : XP_ADOPT, &iov, 1, fds,
	    pagefd >= 0 ? 3 : 2, &r, NULL, 1);
	relay_close(pagefd);	/* the daemon has it now; ours is mapped */
	relay_close(sv[1]);	/* the daemon has it now */
	if (rv == -1 || relay_app_flags(sv[0], (oflag & O_CLOEXEC) != 0,
	    (oflag & O_NONBLOCK) != 0) == -1) {
		relay_close(sv[0]);
		return (-1);
	}
	return (sv[0]);
}

int
relay_open(int oflag, int *hostfd, int *ptyno)
{
	int	hfd, fd, n, pagefd = -1;

	if ((hfd = relay_ptmx(&n)) == -1)
		return (-1);
	/* the stream is set up before any subsidiary can be opened */
	if (xstate_new(hfd, n, &pagefd) == -1) {
		relay_why_errno("the new pty's stream");
		relay_close(hfd);
		return (-1);
	}
	if ((fd = relay_adopt(hfd, oflag, pagefd)) == -1) {
		relay_close(hfd);
		return (-1);
	}
	*hostfd = hfd;
	*ptyno = n;
	return (fd);
}

/*
 * The page store (common/store.h): fetch the state page of pty ptyno from
 * the daemon, proof a descriptor of it (subsidiary, host manager, data
 * socket), and map it here.  -1 with errno (ENOENT: the daemon has none).
 */
int
relay_fetch_page(int ptyno, int proof)
{
	struct xp_reply	r;
	struct iovec	iov;
	uint8_t		pay[4];
	int		pagefd = -1, rv;

	xp_put32(pay, (uint32_t)ptyno);
	iov.iov_base = pay;
	iov.iov_len = sizeof(pay);
	if (relay_req(XP_PAGE, &iov, 1, &proof, 1, &r, &pagefd, 0) == -1)
		return (-1);
	if (pagefd == -1) {
		errno = EPROTO;
		return (-1);
	}
	rv = xstate_page_install(ptyno, pagefd);
	relay_close(pagefd);
	return (rv);
}

/*
 * XP_LEASE: a slot in the lease block of the pty whose data socket is fd
 * (common/lease.h), and the page the block is in (*pagefd, the caller's
 * to close).  The slot, or -1 with errno (the daemon's refusal; EINVAL
 * from one that predates leases).
 */
int
relay_lease(int fd, int *pagefd)
{
	struct xp_reply	r;

	*pagefd = -1;
	if (relay_req(XP_LEASE, NULL, 0, &fd, 1, &r, pagefd, 0) == -1)
		return (-1);
	if (*pagefd == -1) {
		errno = EPROTO;
		return (-1);
	}
	return ((int)r.aux);
}

/*
 * Put nfd under fd's number (close-on-exec as fd was); epoll
 * registrations of fd follow (host_evreg_*).  A function of its own,
 * so that its registration table is not on the stack during requests.
 */
static __attribute__((noinline)) int
relay_swap_in(int nfd, int fd, int fdfl)
{
	struct host_evregs	ep;
	int			rv, saved;

	host_evreg_detach(fd, &ep);	/* event registrations follow */
	rv = xsys_dup3(nfd, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
	saved = errno;
	host_evreg_attach(fd, &ep);
	errno = saved;
	return (rv);
}

/*
 * fd read end of file: fetch the connection that follows (XP_ATTACH) and
 * put it under the same number.  Returns 0 if this was the first fetch,
 * so the 0 read was the zero-length message; 1 if another holder of the
 * same socket (a process sharing it after fork, another descriptor of it)
 * fetched it first and consumed that message, so the caller reads on;
 * 2 if the pty was released (XP_RELEASE) and this was the end of its
 * stream: the host manager itself is now under the number, with the
 * socket's status flags (the daemon no longer uses it); -1 with errno on
 * failure (EAGAIN: the daemon is short of resources and keeps the stream
 * ended for now; the others as relay_req()).
 */
int
relay_reattach(int fd, struct xstream *xs)
{
	struct xp_reply	r;
	int		nfd = -1, fl, fdfl, rv;

	(void)xs;
	if ((fl = xsys_fcntl(fd, F_GETFL, 0)) == -1 ||
	    (fdfl = xsys_fcntl(fd, F_GETFD, 0)) == -1)
		return (-1);
	if (relay_req(XP_ATTACH, NULL, 0, &fd, 1, &r, &nfd, 0) == -1)
		return (-1);
	if (nfd == -1) {
		errno = EPROTO;
		return (-1);
	}
	/* status flags belong to the shared connection: set them alike */
	if (xsys_fcntl(nfd, F_SETFL, fl) == -1) {
		relay_close(nfd);
		return (-1);
	}
	rv = relay_swap_in(nfd, fd, fdfl);
	relay_close(nfd);
	if (rv == -1)
		return (-1);
	if (r.aux2 == XP_RELEASED)
		return (2);
	return (r.aux2 != 0);
}

/*
 * Cheap for ordinary descriptors: one fstat; sockets also getpeername;
 * only a socket whose peer carries the mark (host_mark_peer) costs a
 * request.
 */
int
relay_identify(int fd, int *hostfd, int *ptyno)
{
	struct stat	st;
	struct xp_reply	r;
	int		hfd;

	if (xsys_fstat(fd, &st) == -1)
		return (-1);
	if (!S_ISSOCK(st.st_mode) || host_mark_peer(fd) != 1)
		goto notours;
	if (relay_req(XP_IDENTIFY, NULL, 0, &fd, 1, &r, &hfd, 0) == -1)
		return (-1);
	if (hfd == -1) {
		errno = EPROTO;
		return (-1);
	}
	*hostfd = xsys_fd_private(hfd);
	*ptyno = r.ptyno;
	return (0);

notours:
	errno = ENOENT;
	return (-1);
}

/* A request whose payload is one 32-bit value. */
static int
relay_req32(enum xp_type type, uint32_t v, int *fd, struct xp_reply *r)
{
	struct iovec	iov;
	uint8_t		pay[4];

	xp_put32(pay, v);
	iov.iov_base = pay;
	iov.iov_len = sizeof(pay);
	return (relay_req(type, &iov, 1, fd, fd != NULL, r, NULL, 0));
}

int
relay_zero_write(int ptyno, int subsidfd)
{
	struct xp_reply	r;

	return (relay_req32(XP_ZERO, (uint32_t)ptyno, &subsidfd, &r));
}

int
relay_event(int ptyno, int subsidfd, int mtype, const void *payload,
    size_t len)
{
	struct xp_reply	r;
	struct iovec	iov[2];
	uint8_t		pay[8];

	if (len > XP_MAXEVENT || mtype < 0 || mtype > 0xff ||
	    !xp_frame_type_ok((uint8_t)mtype)) {
		errno = EINVAL;
		return (-1);
	}
	memset(pay, 0, 8);
	xp_put32(pay, (uint32_t)ptyno);
	pay[4] = (uint8_t)mtype;
	iov[0].iov_base = pay;
	iov[0].iov_len = sizeof(pay);
	iov[1].iov_base = (void *)payload;
	iov[1].iov_len = len;
	return (relay_req(XP_EVENT, iov, len > 0 ? 2 : 1, &subsidfd, 1, &r,
	    NULL, 0));
}

/*
 * XP_RELEASE on manager socket fd.  Returns 1 if fd is ended already and
 * nothing follows (once what it holds is read, relay_reattach gives the
 * host manager), 0 if more is still to come through the daemon, -1.
 */
int
relay_release(int fd)
{
	struct xp_reply	r;

	if (relay_req(XP_RELEASE, NULL, 0, &fd, 1, &r, NULL, 0) == -1)
		return (-1);
	return (r.aux != 0);
}

int
relay_set_pckt(int fd, int on)
{
	struct xp_reply	r;

	return (relay_req32(XP_PCKT, on ? 1 : 0, &fd, &r));
}

/*
 * Write on a relayed manager.  When the socket's send queue is empty the
 * daemon has put everything sent through it into the host manager (it
 * consumes only what the manager took), so the bytes may go straight to
 * the host manager: one wakeup less per write.  Whatever the host manager
 * does not take at once goes through the socket, after it, with the
 * socket's own blocking behaviour and flow control.
 */
ssize_t
relay_write(int fd, int hostfd, const void *buf, size_t n)
{
	ssize_t	w = 0, r;
	int	q;

	if (n > 0 && hostfd >= 0 && host_sock_outq(fd, &q) == 0 && q == 0) {
		w = xsys_write(hostfd, buf, n);
		if (w == (ssize_t)n)
			return (w);
		if (w < 0)
			w = 0;
	}
	/* a socket: EPIPE rather than SIGPIPE if the daemon is gone */
	r = xsys_sendto(fd, (const char *)buf + w, n - (size_t)w, MSG_NOSIGNAL,
	    NULL, 0);
	if (r < 0)
		return (w > 0 ? w : -1);
	return (w + r);
}

/*
 * Call after this process closed its last descriptor of a relayed manager
 * (and its private host manager copy): if that was the last anywhere, the
 * daemon hangs the subsidiary up before this returns.  Returns 1 if the
 * pty is hung up or gone, 0 if a manager is still open somewhere, -1 if
 * the daemon cannot be reached.
 */
int
relay_sync_close(int ptyno)
{
	struct xp_reply	r;

	if (relay_req32(XP_SYNC, (uint32_t)ptyno, NULL, &r) == -1)
		return (-1);
	return (r.aux != 0);
}

int
relay_status(int *pid, int *nptys, int *nconns)
{
	struct xp_reply	r;

	if (relay_req(XP_STATUS, NULL, 0, NULL, 0, &r, NULL, 0) == -1)
		return (-1);
	*pid = r.ptyno;
	*nptys = (int)r.aux;
	*nconns = (int)r.aux2 - 1;	/* not counting our control connection */
	return (0);
}
