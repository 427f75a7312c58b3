/*
 * streams_emul.c - the STREAMS module stack of a pty, emulated.
 *
 * SVR4 makes a subsidiary a terminal by pushing modules on it: ptem
 * (termios storage, window size, hangup), ldterm (the line discipline)
 * and ttcompat (V7/4BSD ioctls).  On Linux the line discipline is always
 * there; libxpty reproduces the module's effects on it:
 *   no modules     raw byte pipe, and not a terminal for code that goes
 *                  through libxpty (termios calls fail with EINVAL);
 *   ptem           termios calls and window size work;
 *   ldterm         illumos's default line discipline modes are set;
 *                  popping it returns the line to raw;
 *   ttcompat       the V7/4BSD ioctls are answered.
 * ptem, ldterm and ttcompat are single-instance (a second push succeeds
 * and changes nothing).  On the manager only pckt can be pushed; it is not
 * single-instance.
 *
 * State: the subsidiary's stack lives in the stream-state store
 * (common/store.h: the pty's termios, or its page), shared by every
 * process; the manager's stack is in its struct xstream (one manager open
 * per pty, as on illumos).  No locks: a push or pop is a read-modify-write
 * of the store (xstate_get, then xstate_put), so two processes changing
 * one stack at the same instant can lose one of the changes.
 * Descriptors: none of its own; it uses the caller's.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "xpty.h"
#include "internal.h"
#include "engine.h"

static const struct {
	const char		*name;
	enum xpty_module	 id;
} modtab[] = {
	{ "ptem", XM_PTEM },
	{ "ldterm", XM_LDTERM },
	{ "ttcompat", XM_TTCOMPAT },
	{ "pckt", XM_PCKT },
};

static const char *
module_name(enum xpty_module m)
{
	size_t	i;

	for (i = 0; i < sizeof(modtab) / sizeof(modtab[0]); i++)
		if (modtab[i].id == m)
			return (modtab[i].name);
	return ("?");
}

/* Copy in and look up a module name: EFAULT, EINVAL (too long, unknown). */
static int
module_lookup(const char *uname, enum xpty_module *m)
{
	char	name[FMNAMESZ + 1];
	size_t	i;

	if (xpty_user_strcopy(name, uname, sizeof(name)) == -1)
		return (-1);
	for (i = 0; i < sizeof(modtab) / sizeof(modtab[0]); i++) {
		if (strcmp(name, modtab[i].name) == 0) {
			*m = modtab[i].id;
			return (0);
		}
	}
	errno = EINVAL;
	return (-1);
}

/* The descriptor whose termios is the stream's state. */
int
stream_ctlfd(int fd, const struct xstream *xs)
{
	int	hfd = XS_LOAD(xs->hostfd);	/* defer.c sets it under us */

	return (hfd >= 0 ? hfd : fd);
}

/* ENXIO once the manager is gone (the host says EIO). */
static int
subsid_gone(void)
{
	if (errno == EIO)
		errno = ENXIO;
	return (-1);
}

/* Read the subsidiary's state. */
static int
subsid_state(int fd, struct xstate *xst, struct kterm *t)
{
	if (xstate_read(fd, xst, t) == -1)
		return (subsid_gone());
	return (0);
}

/*
 * A push or pop: its read and its store go through termcache.c, which
 * spares the read when this thread has just read or stored the pty.
 */
static int
subsid_edit_begin(int fd, const struct xstream *xs, struct xstate *xst,
    struct kterm *t)
{
	if (termcache_read(fd, XS_LOAD(xs->ptyno), xst, t) == -1)
		return (subsid_gone());
	return (0);
}

static int
subsid_edit_end(int fd, const struct xstream *xs, const struct xstate *xst,
    const struct kterm *t)
{
	if (termcache_write(fd, XS_LOAD(xs->ptyno), xst, t) == -1)
		return (subsid_gone());
	return (0);
}

static int
subsid_push(int fd, const struct xstream *xs, enum xpty_module m)
{
	struct xstate	xst;
	struct kterm	t;

	if (subsid_edit_begin(fd, xs, &xst, &t) == -1)
		return (-1);
	if (m == XM_PCKT) {
		errno = EINVAL;
		return (-1);
	}
	if (xstate_has(&xst, m))
		return (0);		/* single-instance: already there */
	if (xst.depth >= XSTACK_MAX) {
		errno = EINVAL;
		return (-1);
	}
	xst.mods[xst.depth++] = m;
	if (m == XM_LDTERM)
		ldterm_defaults(&t);
	return (subsid_edit_end(fd, xs, &xst, &t));
}

static int
subsid_pop(int fd, const struct xstream *xs)
{
	struct xstate	xst;
	struct kterm	t;

	if (subsid_edit_begin(fd, xs, &xst, &t) == -1)
		return (-1);
	if (xst.depth == 0) {
		errno = EINVAL;
		return (-1);
	}
	if (xst.mods[--xst.depth] == XM_LDTERM)
		ldterm_raw(&t);
	xst.mods[xst.depth] = XM_NONE;
	return (subsid_edit_end(fd, xs, &xst, &t));
}

/* Fill names[] top down, driver last; returns the count. */
static int
stack_names(int fd, struct xstream *xs, const char **names)
{
	struct xstate	xst;
	struct kterm	t;
	int		n = 0, i;

	if (xs->kind == XK_MANAGER) {
		for (i = xs->nmods - 1; i >= 0; i--)
			names[n++] = xs->mods[i];
		names[n++] = "ptm";
		return (n);
	}
	if (subsid_state(fd, &xst, &t) == -1)
		return (-1);
	for (i = xst.depth - 1; i >= 0; i--)
		names[n++] = module_name(xst.mods[i]);
	names[n++] = "pts";
	return (n);
}

int
stream_push(int fd, struct xstream *xs, const char *uname)
{
	enum xpty_module	m;

	if (module_lookup(uname, &m) == -1)
		return (-1);
	if (xs->kind == XK_SUBSID)
		return (subsid_push(fd, xs, m));
	/* nstrpush: at most XPTY_MAXMODS modules above the driver */
	if (m != XM_PCKT || xs->nmods >= XPTY_MAXMODS) {
		errno = EINVAL;
		return (-1);
	}
	if (stream_set_pckt(fd, xs, 1) == -1)
		return (-1);
	xpty_strlcpy(xs->mods[xs->nmods++], "pckt", sizeof(xs->mods[0]));
	return (0);
}

int
stream_pop(int fd, struct xstream *xs)
{
	if (xs->kind == XK_SUBSID)
		return (subsid_pop(fd, xs));
	if (xs->nmods == 0) {
		errno = EINVAL;
		return (-1);
	}
	xs->nmods--;
	if (xs->nmods == 0)
		return (stream_set_pckt(fd, xs, 0));
	return (0);
}

int
stream_look(int fd, struct xstream *xs, char *ubuf)
{
	const char	*names[XPTY_MAXMODS + 1];
	char		 out[FMNAMESZ + 1];
	int		 n;

	if ((n = stack_names(fd, xs, names)) == -1)
		return (-1);
	if (n < 2) {
		errno = EINVAL;
		return (-1);
	}
	memset(out, 0, sizeof(out));
	xpty_strlcpy(out, names[0], sizeof(out));
	return (xpty_user_copyout(ubuf, out, strlen(out) + 1));
}

int
stream_find(int fd, struct xstream *xs, const char *uname)
{
	const char		*names[XPTY_MAXMODS + 1];
	enum xpty_module	 m;
	int			 n, i;

	if (module_lookup(uname, &m) == -1)
		return (-1);
	if ((n = stack_names(fd, xs, names)) == -1)
		return (-1);
	for (i = 0; i < n - 1; i++)
		if (strcmp(names[i], module_name(m)) == 0)
			return (1);
	return (0);
}

int
stream_list(int fd, struct xstream *xs, void *uarg)
{
	const char		*names[XPTY_MAXMODS + 1];
	struct str_list		 sl;
	struct str_mlist	 ml;
	int			 n, i;

	if ((n = stack_names(fd, xs, names)) == -1)
		return (-1);
	if (uarg == NULL)
		return (n);
	if (xpty_user_copyin(&sl, uarg, sizeof(sl)) == -1)
		return (-1);
	if (sl.sl_nmods <= 0) {
		errno = EINVAL;
		return (-1);
	}
	if (sl.sl_nmods < n)
		n = sl.sl_nmods;
	for (i = 0; i < n; i++) {
		/*
		 * The caller's address as an integer: &sl_modlist[i] on a
		 * NULL or wrapping pointer is undefined behaviour, not EFAULT.
		 */
		uintptr_t	at = (uintptr_t)sl.sl_modlist +
		    (uintptr_t)i * sizeof(ml);

		memset(&ml, 0, sizeof(ml));
		xpty_strlcpy(ml.l_name, names[i], sizeof(ml.l_name));
		if (xpty_user_copyout((void *)at, &ml, sizeof(ml)) == -1)
			return (-1);
	}
	sl.sl_nmods = n;
	if (xpty_user_copyout(uarg, &sl, sizeof(sl)) == -1)
		return (-1);
	return (0);
}

/*
 * May termios-class requests go ahead on this subsidiary?  1 yes, 0 no
 * (not a terminal: EINVAL), -1 with errno (ENXIO after hangup).  A pty
 * libxpty did not set up is native: always yes.
 */
int
stream_tty_ok(int fd, struct xstream *xs)
{
	struct xstate	xst;
	struct kterm	t;

	if (subsid_state(stream_ctlfd(fd, xs), &xst, &t) == -1)
		return (-1);
	if (!xst.managed)
		return (1);
	return (xstate_has(&xst, XM_PTEM));
}

int
stream_has_module(int fd, struct xstream *xs, enum xpty_module m)
{
	struct xstate	xst;
	struct kterm	t;

	if (subsid_state(stream_ctlfd(fd, xs), &xst, &t) == -1)
		return (-1);
	return (xst.managed ? xstate_has(&xst, m) : 0);
}

/*
 * Unlock the subsidiary (unlockpt, UNLKPT) of manager xs: the host's
 * lock, or, on a host without one, the emulated lock in the stream state
 * (XSTATE_LOCKED, checked at each subsidiary open).
 */
int
stream_unlock(int fd, struct xstream *xs)
{
	struct xstate	xst;
	int		cfd = stream_ctlfd(fd, xs);

	if (host_set_lock(cfd, 0) == 0)
		return (0);
	if (errno != ENOSYS || xstate_get(cfd, &xst) == -1)
		return (-1);
	if (!(xst.flags & XSTATE_LOCKED))
		return (0);
	xst.flags &= ~XSTATE_LOCKED;
	return (xstate_put(cfd, &xst, NULL));
}

/*
 * pckt pushed or popped on a manager.  The XSTATE_PCKT mark tells
 * subsidiary-side processes to report their termios changes (M_IOCTL).
 */
int
stream_set_pckt(int fd, struct xstream *xs, int on)
{
	struct xstate	xst;
	int		cfd;

	if (XENGINE(xs)->set_pckt(fd, xs, on) == -1)
		return (-1);
	cfd = stream_ctlfd(fd, xs);
	pckt_reset(xs);		/* no partly read message survives */
	if (xstate_get(cfd, &xst) == 0 && xst.managed) {
		if (on)
			xst.flags |= XSTATE_PCKT;
		else
			xst.flags &= ~XSTATE_PCKT;
		(void)xstate_put(cfd, &xst, NULL);
	}
	return (0);
}

/*
 * After a successful termios, window-size or break request on a
 * subsidiary: what ptem sends down for pckt (an M_IOCTL copy: struct
 * iocblk, then the request's data), and the hangup toward the manager when
 * the speed is set to B0.  Request numbers and termios layout are the
 * host's, as the program reading the messages was compiled with them.
 */
void
stream_after_set(int fd, struct xstream *xs, unsigned long req,
    const void *arg, size_t len, const struct kterm *old)
{
	unsigned char	msg[sizeof(struct iocblk) + sizeof(struct termios)];
	struct iocblk	ioc;
	struct xstate	xst;
	struct kterm	t;
	int		saved = errno;

	if (xs->kind != XK_SUBSID || xstate_read(fd, &xst, &t) == -1 ||
	    !xst.managed)
		goto out;
	if ((req == TCSETS || req == TCSETSW || req == TCSETSF) &&
	    KTERM_OSPEED(&t) == B0 && xstate_has(&xst, XM_PTEM)) {
		defer_promote_pty(xs->ptyno);
		(void)relay_zero_write(xs->ptyno, fd);	/* ptem: hangup */
	}
	if (!(xst.flags & XSTATE_PCKT) || len > sizeof(struct termios))
		goto out;
	/* a change the host's packet mode reports itself: not twice */
	if (old != NULL && host_pkt_reports(old, &t))
		goto out;
	memset(&ioc, 0, sizeof(ioc));
	ioc.ioc_cmd = (int)req;
	ioc.ioc_count = len;
	memcpy(msg, &ioc, sizeof(ioc));
	if (len > 0 && xpty_user_copyin(msg + sizeof(ioc), arg, len) == -1)
		goto out;
	defer_promote_pty(xs->ptyno);
	(void)relay_event(xs->ptyno, fd, M_IOCTL, msg, sizeof(ioc) + len);
out:
	errno = saved;
}
