/*
 * adopt.c - how libxpty takes a descriptor under management: a
 * subsidiary just opened (adopt_subsid, from the open family), and a
 * descriptor that came another way, inherited across exec or received
 * over SCM_RIGHTS (rediscover_fd, rediscover_all from the constructor).
 *
 * Theory of operation.  A pty is libxpty's when its stream state says so
 * (common/store.h): the termios store reads it from the pty itself; the
 * page store may have to fetch the pty's page from xptyd first, with the
 * descriptor as proof (relay_fetch_page), since a process that neither
 * made the pty nor inherited its mapping has none.  A relayed manager
 * socket is recognised by its peer's mark and identified by xptyd
 * (relay_identify), which hands back a private host manager copy: its
 * owner is the new xstream (hostfd), which closes it at its last
 * release (fdtable.c).  At a subsidiary's open: the emulated lock
 * (XSTATE_LOCKED, hosts without a kernel lock) refuses it with EAGAIN, a
 * bare stream on a host that resets the termios at the first open
 * (HOST_CAP_OPEN_RESETS) gets its raw modes back, an XPG4v2-marked
 * pty gets ptem, ldterm and ttcompat pushed, and a fresh pty
 * (HOST_CAP_OPEN_CLOSES: XSTATE_FRESH, common/store.h) loses the mark:
 * this is its first open, so its hangup means a last close from now on.
 * xptyd is told at once (XP_SYNC), since the watch it added may have
 * come after this open.
 *
 * No state; descriptors: see above.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"

static int
autopush_xpg4(int fd, int ptyno)
{
	static const char	*mods[] = { "ptem", "ldterm", "ttcompat" };
	struct xstream		*xs = xfd_lookup(fd);
	struct xstate		 xst;
	struct kterm		 t;
	size_t			 i;

	for (i = 0; i < 3; i++)
		if (stream_push(fd, xs, mods[i]) == -1)
			return (-1);
	if (termcache_read(fd, ptyno, &xst, &t) == -1)
		return (-1);
	xst.flags |= XSTATE_PTEM_XPG4;
	return (termcache_write(fd, ptyno, &xst, &t));
}

/*
 * The state of a pty this process has a descriptor of (fd, the proof),
 * libxpty's or not.  The page store may have no page of it here yet (a
 * process that neither made the pty nor inherited its page): xptyd has
 * it.  0 with *xst set, -1 if the pty is not libxpty's (errno kept).
 */
static int
adopt_state(int fd, int ptyno, struct xstate *xst)
{
	struct kterm	t;
	int		saved = errno, r = -1;

	/* (kept by termcache.c for the pushes that usually follow) */
	if (termcache_load(fd, ptyno, xst, &t) == 0 && xst->managed)
		r = 0;
	else if (xstate_paged && relay_wanted() &&
	    relay_fetch_page(ptyno, fd) == 0 && xstate_get(fd, xst) == 0 &&
	    xst->managed)
		r = 0;
	errno = saved;
	return (r);
}

/*
 * A subsidiary the host resets at its first open (HOST_CAP_OPEN_RESETS):
 * a bare stream gets its raw modes back.
 */
static void
subsid_reraw(int fd, const struct xstate *xst)
{
	struct xstate	cur;
	struct kterm	t;
	int		saved = errno;

	if ((host_caps & HOST_CAP_OPEN_RESETS) && xst->depth == 0 &&
	    xstate_read(fd, &cur, &t) == 0) {
		ldterm_raw(&t);
		(void)xstate_put(fd, &cur, &t);
	}
	errno = saved;
}

/*
 * The first-close rule: the first open of a fresh pty (lib/host.h
 * HOST_CAP_OPEN_CLOSES) ends the time its hangup was ignored.  The mark
 * goes after the open, so that nobody who sees it gone can find the
 * hangup of the allocator's close still there.
 */
static void
subsid_first_open(int fd, int ptyno)
{
	int	saved = errno;

	if (xstate_fresh_end(fd) && relay_wanted())
		relay_barrier(ptyno);
	errno = saved;
}

/* A /dev/pts/N open succeeded: manage it if libxpty made that pty. */
int
adopt_subsid(int fd, int ptyno)
{
	struct xstream	*xs;
	struct xstate	 xst;
	int		 saved = errno;

	if (adopt_state(fd, ptyno, &xst) == -1)
		return (fd);
	if (xst.flags & XSTATE_LOCKED) {
		xsys_close(fd);		/* the emulated lock: not unlocked yet */
		errno = EAGAIN;
		XTRACE(-1, "open /dev/pts/", ptyno, -1, "locked (emulated)");
		return (-1);
	}
	subsid_first_open(fd, ptyno);
	subsid_reraw(fd, &xst);
	if ((xs = xstream_new(XK_SUBSID, ptyno)) == NULL) {
		errno = saved;
		return (fd);
	}
	xfd_attach(fd, xs);
	if ((xst.flags & XSTATE_PTSTTY) && !xstate_has(&xst, XM_LDTERM) &&
	    autopush_xpg4(fd, ptyno) == -1) {
		saved = errno;
		xfd_detach(fd);
		xsys_close(fd);
		errno = saved;
		return (-1);
	}
	errno = saved;
	return (fd);
}

void
rediscover_fd(int fd)
{
	struct xstream	*xs;
	struct xstate	 xst;
	int		 kind, ptyno, hostfd = -1, cfd;

	if (xfd_lookup(fd) != NULL || xfd_private_owner(fd) != NULL)
		return;
	kind = host_classify(fd, &ptyno);
	if (kind == 0) {
		if (relay_identify(fd, &hostfd, &ptyno) == -1)
			return;
		kind = XK_MANAGER;
	}
	cfd = hostfd >= 0 ? hostfd : fd;
	if (adopt_state(cfd, ptyno, &xst) == -1 ||
	    (xs = xstream_new(kind, ptyno)) == NULL) {
		if (hostfd >= 0)
			xsys_close(hostfd);
		return;
	}
	if (hostfd >= 0) {
		xs->engine = relay_engine();
		XS_STORE(xs->hostfd, hostfd);
		xfd_set_private(hostfd, &xs->hostfd);
	}
	if (kind == XK_MANAGER && (xst.flags & XSTATE_HOSTDATA))
		xs->hostdata = 1;
	xfd_attach(fd, xs);
}

static int
rediscover_one(int fd, void *arg)
{
	(void)arg;
	rediscover_fd(fd);
	return (0);
}

void
rediscover_all(void)
{
	int	saved = errno;

	(void)host_fd_walk(rediscover_one, NULL);
	errno = saved;
}
