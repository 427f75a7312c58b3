/*
 * fallback.c - a relayed manager whose daemon is gone goes on in the
 * direct engine.
 *
 * A relayed manager is a socket to xptyd; the process also holds a
 * private copy of the host manager (xs->hostfd).  When the daemon can no
 * longer serve the socket - it died (the socket's peer is gone: POLLHUP,
 * EPIPE, ECONNRESET), it dropped the socket before adopting it (out of
 * descriptors), or it left a request unanswered past the bound
 * (relay_wire.c) - the host manager is put under every descriptor
 * number of that stream in this process (dup3, event registrations
 * following as for a reattach), with the socket's status flags, and the
 * stream is direct from then on: the application's descriptors keep
 * their numbers and go on working, without the relay's extras (message
 * boundaries, zero-length messages written by the subsidiary side).
 * Bytes the daemon held and had not delivered are lost with it; a daemon
 * that was only stopped finds its connections closed when it runs again.
 * Without a host manager copy (a socket inherited by a process that
 * could not identify it) there is nothing to go on with: the caller
 * fails with EIO, as a hung-up pty does.
 *
 * One thread converts a stream; another that finds the conversion under
 * way waits (briefly: a few system calls per descriptor) for it to end.
 * Other processes sharing the socket convert their own descriptors when
 * they notice.  The first conversion in a process says so once on
 * standard error.  State: the flag of that one diagnostic.
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "xpty.h"
#include "internal.h"
#include "host.h"
#include "engine.h"

static void
say_once(int ptyno, const char *why)
{
	static _Atomic(int)	said;

	if (atomic_exchange(&said, 1) == 0)
		dprintf(2, "libxpty: xptyd cannot serve /dev/pts/%d any more "
		    "(%s); it goes on with the host manager directly\n", ptyno,
		    why);
}

/* Every descriptor of xs in this process gets the host manager hfd. */
static int
convert(int fd, struct xstream *xs, int hfd)
{
	int	fl, n, hi = xfd_highest(), swapped = 0;

	/* the socket's status flags (O_NONBLOCK...) become the host's */
	if ((fl = xsys_fcntl(fd, F_GETFL, 0)) != -1)
		(void)xsys_fcntl(hfd, F_SETFL, fl & (O_NONBLOCK | O_APPEND));
	/* a fork meanwhile copies the stream before or after (forkgate.c) */
	xfd_gate_enter();
	for (n = 0; n <= hi; n++)
		if (xfd_lookup(n) == xs && engine_swap_under(hfd, n) != -1)
			swapped++;
	if (swapped == 0) {
		xfd_gate_leave();
		return (-1);
	}
	engine_head_reset(xs);	/* relay frames are no more */
	atomic_store_explicit(&xs->eofstate, XEOF_NONE, memory_order_relaxed);
	XS_STORE(xs->engine, XE_DIRECT);
	/* the private copy is not needed: each descriptor is the host's */
	xfd_set_private(hfd, NULL);
	xsys_close(hfd);
	XS_STORE(xs->hostfd, -1);
	xfd_gate_leave();
	return (0);
}

/*
 * fd, a descriptor of the relayed manager xs, goes direct; cause is for
 * the diagnostic.  0 (also if another thread did it); -1 with errno EIO
 * if there is no host manager to go on with.  errno is otherwise
 * preserved.
 */
int
relay_fallback(int fd, struct xstream *xs, const char *cause)
{
	int	saved = errno, hfd, i;

	if (XENGINE(xs)->is_host)
		return (0);
	if (atomic_exchange(&xs->falling, 1) != 0) {
		/* another thread is at it */
		for (i = 0; i < 100000 && !XENGINE(xs)->is_host; i++)
			sched_yield();
		errno = saved;
		return (0);
	}
	if ((hfd = XS_LOAD(xs->hostfd)) < 0 || convert(fd, xs, hfd) == -1) {
		atomic_store(&xs->falling, 0);
		XTRACE(fd, "relay lost: no host manager to go on with", -1, -1,
		    NULL);
		errno = EIO;
		return (-1);
	}
	atomic_store(&xs->falling, 0);
	say_once(xs->ptyno, cause);
	XTRACE(fd, "relay lost: direct engine from now on", -1, 0, NULL);
	errno = saved;
	return (0);
}
