/*
 * ioctl_map.c - decode SVR4 ioctls onto the stream model and the host pty.
 *
 * xpty_ioctl() is called by the ioctl() wrapper for every descriptor
 * libxpty manages.  It recognises, with illumos's numbers and errno values:
 *   - the pty driver ioctls ISPTM, UNLKPT, PTSSTTY, ZONEPT, OWNERPT, both
 *     direct and carried by I_STR (as libc sends them on illumos);
 *   - the stream-head ioctls I_PUSH, I_POP, I_LOOK, I_FIND, I_LIST,
 *     I_NREAD, I_PEEK, I_FLUSH, I_SRDOPT, I_GRDOPT, I_CANPUT, I_SETSIG,
 *     I_GETSIG, I_SWROPT, I_GWROPT, I_STR (I_NREAD and I_PEEK on a pckt
 *     manager count and show messages, strhead.c);
 *   - terminal ioctls, which on a subsidiary need ptem on the stream and
 *     on the manager are limited to what ptm/ptem answer there;
 *   - the V7/4BSD ioctls, which need ttcompat (ttcompat.c).
 * Anything else goes to the host unchanged.  Pointers supplied by the
 * caller are copied with usercopy.c, so bad ones give EFAULT, never a
 * crash.  Stream state is in the stream-state store (common/store.h,
 * through streams_emul.c) and the descriptor's struct xstream; the only
 * state here is whether this process is a session leader (relaxed
 * atomics, see session_leader()).
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"
#include "engine.h"

static int
fail(int err)
{
	errno = err;
	return (-1);
}

/* ---- pty driver ioctls ---- */

static int
pt_unlock(int fd, struct xstream *xs)
{
	if (xs->kind != XK_MANAGER)
		return (fail(EINVAL));
	return (stream_unlock(fd, xs) == -1 ? -1 : 0);
}

/* PTSSTTY: on the manager, mark the pty for XPG4v2 autopush (ptm.c). */
int
pt_mark_xpg4(int fd, struct xstream *xs)
{
	struct xstate	xst;
	int		cfd;

	/*
	 * Whoever dismantles the stream at the subsidiary's last close
	 * (xptyd, in the relay engine) must see one that came before this
	 * mark: a deferred manager showing that close's hangup gets its
	 * relay first (defer.c), or xptyd would take the mark away with
	 * the close it sees later.
	 */
	if (xs->kind == XK_MANAGER) {
		if (defer_promote_if_closed(fd, xs) == -1)
			return (-1);
		XENGINE(xs)->sync(xs);
	}
	cfd = stream_ctlfd(fd, xs);
	if (xstate_get(cfd, &xst) == -1)
		return (-1);
	if (xs->kind == XK_MANAGER) {
		xst.flags |= XSTATE_PTSTTY;
		return (xstate_put(cfd, &xst, NULL));
	}
	/* on the subsidiary, ptem (or bare pts) takes it once: EEXIST after */
	if (xst.flags & XSTATE_PTEM_XPG4)
		return (fail(EEXIST));
	xst.flags |= XSTATE_PTEM_XPG4;
	return (xstate_put(cfd, &xst, NULL));
}

static int
pt_owner(int fd, struct xstream *xs, const void *uarg, int len)
{
	pt_own_t	own;

	if (xs->kind != XK_MANAGER)
		return (fail(EINVAL));
	if (len < (int)sizeof(own))
		return (fail(EINVAL));
	if (xpty_user_copyin(&own, uarg, sizeof(own)) == -1)
		return (-1);
	if (own.pto_ruid == (uid_t)-1 || own.pto_rgid == (gid_t)-1)
		return (fail(EINVAL));
	if (host_chown(xs->ptyno, own.pto_ruid, own.pto_rgid) == -1)
		return (-1);
	return (0);
}

static int
pt_zone(struct xstream *xs, const void *uarg, int len)
{
	int	zone;

	if (xs->kind != XK_MANAGER || len < (int)sizeof(zone))
		return (fail(EINVAL));
	if (geteuid() != 0)
		return (fail(EPERM));
	if (xpty_user_copyin(&zone, uarg, sizeof(zone)) == -1)
		return (-1);
	return (zone == 0 ? 0 : fail(EINVAL));	/* only the global zone */
}

/* ---- stream-head ioctls ---- */

/* I_NREAD: bytes of the first message, the number of messages returned. */
static int
sh_nread(int fd, struct xstream *xs, void *uarg)
{
	int	n = 0, msgs;

	if (xs->kind == XK_MANAGER && xs->nmods > 0)
		msgs = pckt_nread(fd, xs, &n);	/* count the messages */
	else if (engine_gather(fd, xs), xsys_ioctl(fd, FIONREAD, &n) == -1)
		return (-1);
	else
		msgs = (n > 0) + strhead_eof_pending(fd, xs);
	if (xpty_user_copyout(uarg, &n, sizeof(n)) == -1)
		return (-1);
	return (msgs);
}

static int
sh_flush_manager(int fd, struct xstream *xs, int how)
{
	int	cfd = stream_ctlfd(fd, xs), peer;

	if (how & FLUSHR) {
		/* the host manager first: what an engine read from it next */
		(void)xsys_tcflush(cfd, TCIFLUSH);
		XENGINE(xs)->flush_read(fd, xs);
	}
	if (how & FLUSHW) {
		/* M_FLUSH(FLUSHW) reaches the subsidiary as FLUSHR */
		peer = host_open_peer(cfd, xs->ptyno,
		    O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (peer >= 0) {
			(void)xsys_tcflush(peer, TCIFLUSH);
			xsys_close(peer);
		}
	}
	return (0);
}

static int
sh_flush(int fd, struct xstream *xs, long how)
{
	if (how & ~(long)FLUSHRW)
		return (fail(EINVAL));
	if (xs->kind == XK_MANAGER)
		return (sh_flush_manager(fd, xs, (int)how));
	if (stream_tty_ok(fd, xs) == -1)
		return (-1);
	if (how & FLUSHR)
		(void)xsys_tcflush(fd, TCIFLUSH);
	if (how & FLUSHW)
		(void)xsys_tcflush(fd, TCOFLUSH);
	return (0);
}

static int
sh_srdopt(struct xstream *xs, long opt)
{
	if (opt & ~(long)(RMODEMASK | RPROTMASK))
		return (fail(EINVAL));
	if ((opt & RMODEMASK) == RMODEMASK)
		return (fail(EINVAL));
	switch (opt & RPROTMASK) {
	case 0:
		opt |= xs->rdopt & RPROTMASK;
		break;
	case RPROTNORM: case RPROTDAT: case RPROTDIS:
		break;
	default:
		return (fail(EINVAL));
	}
	xs->rdopt = (int)opt;
	return (0);
}

static int
sh_canput(int fd, long band)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLOUT };

	if (band < 0 || band > 255)
		return (fail(EINVAL));
	if (xsys_poll(&pfd, 1, 0) == -1)
		return (-1);
	return ((pfd.revents & POLLOUT) ? 1 : 0);
}

#define SIG_KNOWN	(S_INPUT | S_HIPRI | S_OUTPUT | S_MSG | S_ERROR | \
			 S_HANGUP | S_RDNORM | S_RDBAND | S_WRBAND | S_BANDURG)

/*
 * The signal O_ASYNC sends: SIGPOLL, by F_SETSIG where the host can pick
 * one (Linux); elsewhere O_ASYNC's own, SIGIO (SVR4's SIGPOLL is the
 * same signal).
 */
static int
set_sigpoll(int fd)
{
#ifdef F_SETSIG
	return (xsys_fcntl(fd, F_SETSIG, SIGPOLL));
#else
	(void)fd;
	return (0);
#endif
}

/* I_SETSIG: SIGPOLL on the events; Linux's O_ASYNC/F_SETSIG delivers it. */
static int
sh_setsig(int fd, struct xstream *xs, long events)
{
	long	fl;

	if (events & ~(long)SIG_KNOWN)
		return (fail(EINVAL));
	if ((events & S_BANDURG) && !(events & S_RDBAND))
		return (fail(EINVAL));
	if (events == 0 && xs->sigevents == 0)
		return (fail(EINVAL));
	fl = xsys_fcntl(fd, F_GETFL, 0);
	if (fl == -1)
		return (-1);
	if (events != 0) {
		if (xsys_fcntl(fd, F_SETOWN, getpid()) == -1 ||
		    set_sigpoll(fd) == -1 ||
		    xsys_fcntl(fd, F_SETFL, fl | O_ASYNC) == -1)
			return (-1);
	} else if (xsys_fcntl(fd, F_SETFL, fl & ~O_ASYNC) == -1)
		return (-1);
	xs->sigevents = (int)events;
	return (0);
}

static int
sh_getsig(struct xstream *xs, void *uarg)
{
	if (xs->sigevents == 0)
		return (fail(EINVAL));
	return (xpty_user_copyout(uarg, &xs->sigevents, sizeof(int)));
}

/* ---- terminal ioctls ---- */

/* Requests that a STREAMS tty answers in ptem/ldterm, not the stream head. */
static int
is_tty_request(unsigned long req)
{
	switch (req) {
	case TCGETS: case TCSETS: case TCSETSW: case TCSETSF:
	case TCGETA: case TCSETA: case TCSETAW: case TCSETAF:
	case TCSBRK: case TCXONC: case TCFLSH:
#ifdef TCSBRKP
	case TCSBRKP:
#endif
	case TIOCGWINSZ: case TIOCSWINSZ: case JWINSIZE:
	case TIOCSTI: case TIOCOUTQ:
		return (1);
	}
	return (ttcompat_is_request(req));
}

static int
winsize_get(int cfd, void *uarg)
{
	struct winsize	ws;

	if (xsys_ioctl(cfd, TIOCGWINSZ, &ws) == -1)
		return (-1);
	if (ws.ws_row == 0 && ws.ws_col == 0 && ws.ws_xpixel == 0 &&
	    ws.ws_ypixel == 0)
		return (fail(EINVAL));	/* ptem: never set */
	return (xpty_user_copyout(uarg, &ws, sizeof(ws)));
}

static int
termios_set(int fd, unsigned long req, void *uarg, struct kterm *cur)
{
	struct kterm	next;

	if (xpty_user_copyin(&next, uarg, sizeof(next)) == -1)
		return (-1);
	if (xsys_tcget(fd, cur) == -1)
		return (-1);
	xstate_preserve(cur, &next);
	return (xsys_tcset(fd, svr4tty_how(req), &next));
}

static int
subsid_tty_ioctl(int fd, struct xstream *xs, unsigned long req, void *arg)
{
	struct kterm	old;
	int		okay;

	if ((okay = stream_tty_ok(fd, xs)) == -1)
		return (-1);
	if (ttcompat_is_request(req)) {
		if (stream_has_module(fd, xs, XM_TTCOMPAT) != 1)
			return (fail(EINVAL));
		return (ttcompat_ioctl(fd, req, arg));
	}
	if (!okay)
		return (fail(EINVAL));
	switch (req) {
	case TIOCGWINSZ:
		return (winsize_get(fd, arg));
	case TCSETS: case TCSETSW: case TCSETSF:
		if (termios_set(fd, req, arg, &old) == -1)
			return (-1);
		stream_after_set(fd, xs, req, arg, sizeof(struct kterm), &old);
		return (0);
	case TCSETA: case TCSETAW: case TCSETAF:
		if (xsys_tcget(fd, &old) == -1 ||
		    svr4tty_ioctl(fd, req, arg) == -1)
			return (-1);
		stream_after_set(fd, xs, req, arg, sizeof(struct termio), &old);
		return (0);
	case TIOCSWINSZ:
		if (xsys_ioctl(fd, req, arg) == -1)
			return (-1);
		stream_after_set(fd, xs, req, arg, sizeof(struct winsize),
		    NULL);
		return (0);
	default:
		return (svr4tty_ioctl(fd, req, arg));
	}
}

/* On the manager, ptm and ptem answer only these (as on illumos). */
static int
manager_tty_ioctl(int fd, struct xstream *xs, unsigned long req, void *arg)
{
	int	cfd = stream_ctlfd(fd, xs);

	switch (req) {
	case TIOCGWINSZ:
		return (winsize_get(cfd, arg));
	case TIOCSWINSZ:
	case TCSBRK:
		return (svr4tty_ioctl(cfd, req, arg));
	default:
		return (fail(EINVAL));
	}
}

/*
 * Is this process a session leader?  Asked once per process (the pid is
 * part of the answer: a child asks again); a leader stays one until it
 * exits, and setsid(2) is the only way to become one, so the interposed
 * setsid (libxpty.c) makes the answer stale (leader_gen moves after it
 * returns: a look begun before then stores an answer no one takes).
 */
static _Atomic(uint64_t)	leader_seen;	/* pid, gen, leader bit */
static _Atomic(uint32_t)	leader_gen;

void
ioctl_session_changed(void)
{
	atomic_fetch_add(&leader_gen, 1);
}

static int
session_leader(void)
{
	uint64_t	v = atomic_load_explicit(&leader_seen,
			    memory_order_relaxed), key;
	uint32_t	gen = atomic_load(&leader_gen) & 0x7fffffff;
	pid_t		me = xsys_self();
	int		lead;

	key = ((uint64_t)(uint32_t)me << 32) | ((uint64_t)gen << 1);
	if ((v & ~(uint64_t)1) == key)
		return ((int)(v & 1));
	lead = getsid(0) == me;
	atomic_store_explicit(&leader_seen, key | (uint64_t)lead,
	    memory_order_relaxed);
	return (lead);
}

/*
 * A successful I_PUSH on a terminal stream makes it the controlling
 * terminal of a session leader that has none (illumos streamio.c,
 * strctty); __I_PUSH_NOCTTY does not.  A subsidiary is a terminal stream
 * even when bare (pts sets SO_ISTTY).  The host's TIOCSCTTY with 0 has
 * the same conditions (session leader, no controlling terminal, the tty
 * not another session's) and is simply refused otherwise; that refusal
 * is no error of the push.  Only a session leader asks it
 * (session_leader: no system call once known).  A manager is never made
 * one here (a relayed manager is a socket).
 */
static void
push_ctty(int fd, const struct xstream *xs)
{
	int	saved = errno;

	if (xs->kind == XK_SUBSID && session_leader())
		(void)xsys_ioctl(fd, TIOCSCTTY, (void *)0);
	errno = saved;
}

/* ---- I_STR ---- */

/*
 * Does a module or driver of a pty stream answer this M_IOCTL?  The pty
 * drivers' own requests and the terminal requests (ptem, ldterm,
 * ttcompat; xpty_dispatch() then applies each side's rules, so one a
 * module that is not pushed would answer still fails EINVAL).
 */
static int
str_known(unsigned long req)
{
	switch (req) {
	case ISPTM: case UNLKPT: case PTSSTTY: case ZONEPT: case OWNERPT:
		return (1);
	}
	return (is_tty_request(req));
}

static int xpty_dispatch(int, struct xstream *, unsigned long, void *, int);

static int
sh_str(int fd, struct xstream *xs, void *uarg)
{
	struct strioctl	sio;

	if (xpty_user_copyin(&sio, uarg, sizeof(sio)) == -1)
		return (-1);
	if (sio.ic_len < 0 || sio.ic_timout < -1)
		return (fail(EINVAL));
	if (xs->kind == XK_SUBSID && stream_tty_ok(fd, xs) == -1)
		return (-1);
	/* stream-head commands are not module ioctls: NAKed downstream */
	if (((unsigned long)sio.ic_cmd & ~0xffUL) == STR)
		return (fail(EINVAL));
	/*
	 * An M_IOCTL that no module and neither driver knows is NAKed:
	 * EINVAL.  It never reaches the host (I_STR FIONBIO must not set
	 * O_NONBLOCK on the descriptor).
	 */
	if (!str_known((unsigned long)(unsigned int)sio.ic_cmd))
		return (fail(EINVAL));
	return (xpty_dispatch(fd, xs, (unsigned long)(unsigned int)sio.ic_cmd,
	    sio.ic_dp, sio.ic_len));
}

/*
 * len is the data length for requests that came through I_STR, -1 for
 * direct ioctls (whose argument is the pointer or value itself).
 */
static int
xpty_dispatch(int fd, struct xstream *xs, unsigned long req, void *arg, int len)
{
	switch (req) {
	case ISPTM:
		return (xs->kind == XK_MANAGER ? 0 : fail(EINVAL));
	case UNLKPT:
		return (pt_unlock(fd, xs));
	case PTSSTTY:
		return (pt_mark_xpg4(fd, xs));
	case OWNERPT:
		return (pt_owner(fd, xs, arg,
		    len < 0 ? (int)sizeof(pt_own_t) : len));
	case ZONEPT:
		return (pt_zone(xs, arg, len < 0 ? (int)sizeof(int) : len));
	}
	/* the host's own manager requests (not inside I_STR): mgr_host.c */
	if (len < 0 && mgr_host_request(xs, req))
		return (mgr_host_ioctl(fd, xs, req, arg));
	if (!is_tty_request(req))
		return (xsys_ioctl(fd, req, arg));
	if (xs->kind == XK_MANAGER)
		return (manager_tty_ioctl(fd, xs,
		    req == JWINSIZE ? TIOCGWINSZ : req, arg));
	return (subsid_tty_ioctl(fd, xs, req, arg));
}

int
xpty_ioctl(int fd, struct xstream *xs, unsigned long req, void *arg)
{
	switch (req) {
	case I_STR:
		return (sh_str(fd, xs, arg));
	case I_PUSH:
		if (stream_push(fd, xs, arg) == -1)
			return (-1);
		push_ctty(fd, xs);
		return (0);
	case __I_PUSH_NOCTTY:
		return (stream_push(fd, xs, arg));
	case I_POP:
		return (stream_pop(fd, xs));
	case I_LOOK:
		return (stream_look(fd, xs, arg));
	case I_FIND:
		return (stream_find(fd, xs, arg));
	case I_LIST:
		return (stream_list(fd, xs, arg));
	case I_NREAD:
		return (sh_nread(fd, xs, arg));
	case I_PEEK:
		if (arg == NULL)
			return (fail(EFAULT));
		if (xs->kind == XK_MANAGER && xs->nmods > 0)
			return (pckt_peek(fd, xs, arg));
		return (plain_peek(fd, xs, arg));
	case I_FLUSH:
		return (sh_flush(fd, xs, (long)arg));
	case I_SRDOPT:
		return (sh_srdopt(xs, (long)arg));
	case I_GRDOPT:
		return (xpty_user_copyout(arg, &xs->rdopt, sizeof(int)));
	case I_CANPUT:
		return (sh_canput(fd, (long)arg));
	case I_SETSIG:
		return (sh_setsig(fd, xs, (long)arg));
	case I_GETSIG:
		return (sh_getsig(xs, arg));
	case I_SWROPT:
		if ((long)arg & ~(long)(SNDZERO | SNDPIPE))
			return (fail(EINVAL));
		xs->wropt = (int)(long)arg;
		return (0);
	case I_GWROPT:
		return (xpty_user_copyout(arg, &xs->wropt, sizeof(int)));
	}
	if ((req & ~0xffUL) == STR)
		return (fail(EINVAL));	/* linking, fd passing: not emulated */
	return (xpty_dispatch(fd, xs, req, arg, -1));
}

/*
 * An SVR4 request on a descriptor libxpty does not manage.  Host managers
 * opened natively still answer the pty driver ioctls; everything else is
 * not a stream: EINVAL (EBADF if fd is not open).
 */
int
xpty_ioctl_unmanaged(int fd, unsigned long req, void *arg)
{
	struct stat	st;
	struct xstream	tmp;
	int		ptyno;

	if (xsys_fstat(fd, &st) == -1)
		return (-1);
	if (host_classify(fd, &ptyno) == XK_MANAGER &&
	    (req == ISPTM || req == UNLKPT || req == I_STR)) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.kind = XK_MANAGER;
		tmp.ptyno = ptyno;
		tmp.hostfd = -1;
		return (xpty_ioctl(fd, &tmp, req, arg));
	}
	return (fail(EINVAL));
}
