/*
 * defer.c - a new manager's relay waits for the manager's first use.
 *
 * Theory of operation.  In the lease engine (the default) a manager is a
 * socket that xptyd relays to the host manager (engine_lease.c).  Making
 * that socket and handing the pty to xptyd is most of what an open costs
 * (a socketpair, its mark, the adoption, xptyd's work, its hangup at the
 * close), and a program that opens a pty and closes it again, or opens
 * it long before it uses it, pays that for nothing.  So where the host
 * allows it (HOST_CAP_DEFER, lib/host.h: the calls that let a descriptor
 * leave the library's sight are interposed there) posix_openpt gives the
 * application the host manager itself, served by the direct engine, and
 * marks its stream deferred.  The first use makes it what it would have
 * been from the start (defer_promote): the host manager's open file
 * description gets a private, close-on-exec, non-blocking copy, which is
 * handed to xptyd with a new socketpair (relay_adopt, lib/relay.c); the
 * application's end is put under every descriptor number of the stream
 * (dup3; close-on-exec as each number was, the status flags the host
 * manager had, event registrations following as in fallback.c), and the
 * stream's engine becomes the lease engine.
 *
 * Uses.  Every interposed call that moves data or asks the stream model
 * anything on a deferred manager promotes it first (defer_use: read,
 * readv, write, writev, ioctl, getmsg, putmsg, poll, select, epoll,
 * dup*, fdopen), and so does everything by which the descriptor could
 * reach another process or a program without libxpty (defer_escape:
 * fork, vfork, the exec family, posix_spawn, system, popen, sendmsg with
 * SCM_RIGHTS; lib/interpose_spawn.c, forkgate.c).  What is left to a
 * deferred manager: grantpt, unlockpt, ptsname, isatty, tcgetattr,
 * fcntl's flag requests and close, which the direct engine answers as
 * the lease engine would.
 *
 * Why nothing is lost.  Until its first use nothing was written to the
 * manager through libxpty, so nothing is queued toward the subsidiary:
 * a process killed while it holds a deferred manager gives the
 * subsidiary the host's hangup, which is STREAMS' hangup with nothing
 * queued.  What differs before the first use (xpty(7) says it): a
 * subsidiary closed and opened again before it gets no zero-length
 * message for that close (as in the direct engine), and a zero-length
 * message written by a process that opened the subsidiary by its name
 * finds no daemon to place it (the direct engine's answer).
 *
 * A promotion that fails (no daemon: relay_wire.c's bound) leaves the
 * stream in the direct engine for good, as an open without a daemon
 * does.  One thread promotes a stream; another that meets the promotion
 * waits for it (a few system calls).  State: the count of deferred
 * streams of this process (defer_live: the escape hooks cost one load
 * while it is 0); per stream xs->deferred (internal.h).
 * Descriptors: the private host manager copy becomes xs->hostfd's (the
 * stream's); the socketpair's ends are relay_adopt's and this file's for
 * the length of a call.
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xpty.h"
#include "internal.h"
#include "host.h"
#include "engine.h"
#include "relay.h"

_Atomic(int)	defer_live;	/* streams deferred in this process */
static _Atomic(pid_t) defer_pid;	/* the process that deferred them */
static _Thread_local int defer_busy;	/* this thread is promoting */

/* Is deferral on (the host's interposers, XPTY_DEFER not 0)? */
int
defer_wanted(void)
{
	static int	 on = -1;
	const char	*e;

	if (!(host_caps & HOST_CAP_DEFER) || relay_engine() != XE_LEASE)
		return (0);
	if (on == -1) {
		e = getenv("XPTY_DEFER");
		on = e == NULL || strcmp(e, "0") != 0;
	}
	return (on);
}

/* A new manager stream, not yet attached: deferred. */
void
defer_mark(struct xstream *xs)
{
	atomic_store(&xs->deferred, DEFER_WAITING);
	atomic_store(&defer_pid, xsys_self());
	atomic_fetch_add(&defer_live, 1);
}

/* xs is released (fdtable.c) */
void
defer_released(struct xstream *xs)
{
	int	was = DEFER_WAITING;

	if (atomic_compare_exchange_strong(&xs->deferred, &was, DEFER_NONE))
		atomic_fetch_sub(&defer_live, 1);
}

/* A number of xs in this process, or -1. */
static int
defer_number(struct xstream *xs)
{
	int	n, hi = xfd_highest();

	for (n = 0; n <= hi; n++)
		if (xfd_lookup(n) == xs)
			return (n);
	return (-1);
}

/* A private copy of fd's open file description, close-on-exec. */
static int
defer_private_copy(int fd)
{
	int	nfd;

	if ((nfd = xsys_fcntl(fd, F_DUPFD_CLOEXEC, XPTY_PRIVATE_FDMIN)) == -1)
		nfd = xsys_fcntl(fd, F_DUPFD_CLOEXEC, 3);
	return (nfd);
}

/*
 * The relay could not be made: the stream stays direct (unless it was
 * closed meanwhile: gen moved), said once.
 */
static void
defer_give_up(struct xstream *xs, uint32_t gen, int hfd, int fl)
{
	static _Atomic(int)	said;
	const char		*why;

	(void)xsys_fcntl(hfd, F_SETFL, fl);
	xsys_close(hfd);
	if (atomic_exchange(&said, 1) == 0) {
		why = relay_last_error();
		dprintf(2, "libxpty: relay daemon unavailable (%s); using the "
		    "host manager directly\n", why != NULL ? why : "no reason");
	}
	xfd_gate_enter();
	if (atomic_load(&xs->gen) == gen)
		atomic_store(&xs->deferred, DEFER_NONE);
	xfd_gate_leave();
	atomic_fetch_sub(&defer_live, 1);
}

/*
 * Every number of xs gets sock; the stream becomes the lease engine's.
 * -1 if the stream was closed while the relay was being made (its memory
 * may be another stream's now: gen moved, or no number has it): then xs
 * is not touched, and the relay's end of file tells xptyd.
 */
static int
defer_convert(struct xstream *xs, uint32_t gen, int sock, int hfd)
{
	int	n, hi = xfd_highest(), swapped = 0;

	xfd_gate_enter();	/* a fork copies it before or after */
	if (atomic_load(&xs->gen) != gen) {
		xfd_gate_leave();
		atomic_fetch_sub(&defer_live, 1);
		return (-1);
	}
	/*
	 * The host manager copy first: a control call of another thread
	 * (unlockpt, stream_ctlfd) that looks now finds it, not the socket.
	 */
	XS_STORE(xs->hostfd, hfd);
	xfd_set_private(hfd, &xs->hostfd);
	for (n = 0; n <= hi; n++)
		if (xfd_lookup(n) == xs && engine_swap_under(sock, n) != -1)
			swapped++;
	if (swapped > 0) {
		XS_STORE(xs->engine, relay_engine());
		atomic_store(&xs->deferred, DEFER_NONE);
	} else {
		xfd_set_private(hfd, NULL);
		XS_STORE(xs->hostfd, -1);
	}
	xfd_gate_leave();
	atomic_fetch_sub(&defer_live, 1);
	return (swapped > 0 ? 0 : -1);
}

/* 0 (errno saved) if xs is still the stream of generation gen, else -1. */
static int
defer_closed(struct xstream *xs, uint32_t gen, int saved)
{
	if (atomic_load(&xs->gen) != gen) {
		errno = EBADF;
		return (-1);
	}
	errno = saved;
	return (0);
}

/*
 * What the subsidiary side did before the first use (bytes written, its
 * last close) waits in the host manager; xptyd frames it once it reads
 * there.  Let it, before the call that promoted goes on (XP_SYNC comes
 * after XP_ADOPT on the control connection, relay_wire.c): I_NREAD or
 * getmsg then see the data and the zero-length message, as if xptyd had
 * had the pty from the open.
 */
static void
defer_settle(int hfd, int ptyno)
{
	struct pollfd	p = { .fd = hfd, .events = POLLIN };

	if (xsys_poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP)))
		(void)relay_sync_close(ptyno);
}

/* Wait (briefly) for another thread's promotion of xs. */
static void
defer_wait_other(struct xstream *xs)
{
	int	i;

	for (i = 0; i < 100000 &&
	    atomic_load(&xs->deferred) == DEFER_MOVING; i++)
		sched_yield();
}

/*
 * xs, deferred, gets its relay now.  0 (also when another thread did it,
 * or it stays direct), errno preserved; -1 with EBADF if the stream was
 * closed meanwhile (its memory may be another stream's: the caller's
 * call on it ends, as one on a closed descriptor).
 */
int
defer_promote(struct xstream *xs)
{
	uint32_t	gen = atomic_load(&xs->gen);
	int		expect = DEFER_WAITING, saved = errno, n, fl, fdfl;
	int		hfd, sock;

	if (!atomic_compare_exchange_strong(&xs->deferred, &expect,
	    DEFER_MOVING)) {
		/* another thread's; this one's own (starting xptyd) goes on */
		if (expect == DEFER_MOVING && !defer_busy)
			defer_wait_other(xs);
		return (defer_closed(xs, gen, saved));
	}
	defer_busy = 1;
	if ((n = defer_number(xs)) == -1 ||
	    (fl = xsys_fcntl(n, F_GETFL, 0)) == -1 ||
	    (fdfl = xsys_fcntl(n, F_GETFD, 0)) == -1 ||
	    (hfd = defer_private_copy(n)) == -1) {
		xfd_gate_enter();
		if (atomic_load(&xs->gen) == gen)
			atomic_store(&xs->deferred, DEFER_WAITING);
		else
			atomic_fetch_sub(&defer_live, 1);	/* closed */
		xfd_gate_leave();
		defer_busy = 0;
		return (defer_closed(xs, gen, saved));	/* tried again later */
	}
	/* the daemon's copy is non-blocking; n is about to be the socket */
	(void)xsys_fcntl(hfd, F_SETFL, O_RDWR | O_NONBLOCK);
	sock = relay_adopt(hfd, ((fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0) |
	    (fl & O_NONBLOCK), -1);
	if (sock == -1) {
		defer_give_up(xs, gen, hfd, fl);
		defer_busy = 0;
		XTRACE(n, "deferred relay: none, direct engine", -1, -1, NULL);
		return (defer_closed(xs, gen, saved));
	}
	if (defer_convert(xs, gen, sock, hfd) == -1) {
		xsys_close(hfd);	/* closed meanwhile */
		xsys_close(sock);
		defer_busy = 0;
		errno = EBADF;
		return (-1);
	}
	defer_busy = 0;
	xsys_close(sock);
	defer_settle(hfd, XS_LOAD(xs->ptyno));
	XTRACE(n, "deferred relay made: /dev/pts/", XS_LOAD(xs->ptyno), n,
	    NULL);
	errno = saved;
	return (0);
}

/*
 * A manager-side change of the stream state (the XPG4v2 mark) on fd, a
 * deferred manager whose host manager shows a last close's hangup: the
 * relay first, so that xptyd dismantles the stream for that close before
 * the change, not after it.  0, or -1 (EBADF: closed meanwhile).
 */
int
defer_promote_if_closed(int fd, struct xstream *xs)
{
	if (atomic_load(&xs->deferred) == DEFER_NONE ||
	    host_mgr_hup(fd) != 1)
		return (0);
	return (defer_promote(xs));
}

/* Everything deferred in this process gets its relay (an escape). */
void
defer_promote_all(void)
{
	struct xstream	*xs;
	int		 n, hi;

	xstate_touch();		/* lib/termcache.c: a child can set termios */
	if (atomic_load_explicit(&defer_live, memory_order_relaxed) == 0 ||
	    defer_busy)
		return;		/* (this thread's promotion starting xptyd) */
	/*
	 * A child sharing our memory (vfork, clone) must not convert the
	 * parent's streams: the parent's own entry (vfork's) did it before.
	 */
	if (xsys_getpid() != atomic_load(&defer_pid))
		return;
	hi = xfd_highest();
	for (n = 0; n <= hi; n++)
		if ((xs = xfd_lookup(n)) != NULL &&
		    atomic_load(&xs->deferred) != DEFER_NONE)
			(void)defer_promote(xs);
}

/*
 * The subsidiary side of pty ptyno asks xptyd to place a message (a
 * zero-length one, a pckt M_IOCTL): a manager of it deferred here first.
 */
void
defer_promote_pty(int ptyno)
{
	struct xstream	*xs;
	int		 n, hi;

	if (atomic_load_explicit(&defer_live, memory_order_relaxed) == 0)
		return;
	hi = xfd_highest();
	for (n = 0; n <= hi; n++)
		if ((xs = xfd_lookup(n)) != NULL &&
		    XS_LOAD(xs->kind) == XK_MANAGER &&
		    XS_LOAD(xs->ptyno) == ptyno &&
		    atomic_load(&xs->deferred) != DEFER_NONE)
			(void)defer_promote(xs);
}

/* fd is about to leave the library's sight (SCM_RIGHTS): promote it. */
void
defer_promote_fd(int fd)
{
	struct xstream	*xs;

	if ((xs = xfd_lookup(fd)) != NULL &&
	    atomic_load(&xs->deferred) != DEFER_NONE)
		(void)defer_promote(xs);
}
