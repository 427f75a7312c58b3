/*
 * libxpty.c - the interposed entry points.
 *
 * Every libc name libxpty stands in front of is defined here, exported
 * unversioned (see xpty.sym), and follows one pattern: look the
 * descriptor up in the fd table (fdtable.c); if libxpty does not manage
 * it, tail-call the next definition with errno untouched; otherwise hand
 * it to the emulation (ioctl_map.c, streams_emul.c, relay.c).  Path-based
 * calls (the open family) test the path for /dev/ptmx and /dev/pts/N with
 * a few byte compares first.
 *
 * glibc calls its own internals directly (posix_openpt -> __open, tcgetattr
 * -> __ioctl, openpty -> __posix_openpt...), so interposition happens at
 * the API: posix_openpt, grantpt, ptsname, tcgetattr, isatty, openpty and
 * so on are each replaced whole.
 *
 * Descriptor lifetime is followed through close, dup, dup2, dup3,
 * fcntl(F_DUPFD*), close_range, closefrom and fclose; fork inherits the
 * table with the descriptors (forkgate.c keeps the two copies in step
 * when other threads change them during the fork); after exec the
 * constructor rediscovers inherited ptys from the descriptors themselves
 * (their stream state carries libxpty's mark, common/store.h).
 *
 * Interposers of names only one host has live in that host's files
 * (epoll_create and epoll_create1 in lib/host_linux_epoll.c; glibc's
 * 64-bit, fortified and getpt names in lib/interpose_glibc.c, which
 * calls xpty_open_hook and xpty_fcntl_common here).
 *
 * State: the fd table and the mode (the per-thread ptsname() buffer is
 * ptypath.c's, which knows a path in it readable).
 */
#include "config.h"
#include "interpose_darwin.h"	/* macOS: the entry points' names */

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "xpty.h"
#include "compat.h"
#include "internal.h"
#include "engine.h"

#define NEXT(name) \
	(xpty_next.name != NULL ? xpty_next.name : (xpty_resolve(), xpty_next.name))

static int
svr4_active(void)
{
	return (xpty_mode_current() != XPTY_NATIVE);
}

/* ---- managers ---- */

static void
relay_diag_once(void)
{
	static int	 said;
	const char	*why;

	if (said++)
		return;
	why = relay_last_error();
	dprintf(2, "libxpty: relay daemon unavailable (%s); using the host "
	    "manager directly\n", why != NULL ? why : strerror(errno));
}

/*
 * A new manager.  hostdata: the caller is a BSD-API one (openpty), whose
 * program expects the host's manager: the direct engine, marked
 * XSTATE_HOSTDATA (the host's data semantics, ioctl_map.c).
 */
static int
manager_open(int flags, int hostdata)
{
	struct xstream	*xs;
	struct xstate	 xst;
	int		 fd, hostfd = -1, ptyno = -1, pagefd = -1, saved;
	int		 relayed = relay_wanted() && !hostdata;
	int		 deferred = relayed && defer_wanted();

	/* relay_open sets the new stream up itself, before xptyd adopts it */
	fd = relayed && !deferred ? relay_open(flags, &hostfd, &ptyno) : -1;
	if (fd == -1) {
		if (relayed && !deferred)
			relay_diag_once();
		if ((fd = host_open_manager_gated(flags)) == -1)
			return (-1);
		if ((ptyno = host_ptyno(fd)) == -1 ||
		    xstate_new(fd, ptyno, &pagefd) == -1)
			goto fail;
		if (pagefd >= 0) {
			xsys_close(pagefd);	/* mapped; no daemon keeps it */
			deferred = 0;	/* a later relay would lack it */
		}
	}
	if ((xs = xstream_new(XK_MANAGER, ptyno)) == NULL)
		goto fail;
	xs->engine = hostfd >= 0 ? relay_engine() : XE_DIRECT;
	if (deferred)
		defer_mark(xs);	/* defer.c: the relay at the first use */
	if (hostfd >= 0) {
		XS_STORE(xs->hostfd, hostfd);
		xfd_set_private(hostfd, &xs->hostfd);
	}
	if (hostdata && xstate_get(fd, &xst) == 0) {
		xst.flags |= XSTATE_HOSTDATA;
		(void)xstate_put(fd, &xst, NULL);
		xs->hostdata = 1;
	}
	xfd_attach(fd, xs);
	XTRACE(fd, "manager open: /dev/pts/", ptyno, fd, hostdata ?
	    "openpty: the host's manager" : xs->engine != XE_DIRECT ? NULL :
	    deferred ? "relay deferred until the first use" :
	    relay_wanted() ? "relay unavailable, direct engine" : NULL);
	return (fd);
fail:
	saved = errno;
	xstate_page_kill(ptyno, 1);
	xsys_close(fd);
	if (hostfd >= 0)
		xsys_close(hostfd);
	errno = saved;
	return (-1);
}

XPTY_EXPORT int
posix_openpt(int flags)
{
	static int (*next)(int);

	if (!svr4_active())
		return (NEXT_CACHED(next, "posix_openpt")(flags));
	if ((flags & O_ACCMODE) != O_RDWR) {
		errno = EINVAL;
		return (-1);
	}
	return (manager_open(flags, 0));
}

/* The manager behind fd, or NULL with errno as illumos's ISPTM check. */
static struct xstream *
manager_of(int fd)
{
	struct xstream	*xs = xfd_lookup(fd);
	struct stat	 st;

	if (xs != NULL && xs->kind == XK_MANAGER)
		return (xs);
	if (xsys_fstat(fd, &st) == -1)
		return (NULL);			/* EBADF */
	errno = EINVAL;
	return (NULL);
}

/* A native host manager (opened before libxpty or in native mode)? */
static int
is_native_manager(int fd)
{
	int	saved = errno, r;

	r = xfd_lookup(fd) == NULL && host_classify(fd, NULL) == XK_MANAGER;
	errno = saved;
	return (r);
}

/*
 * grantpt and unlockpt: libc's (*next, looked up by name) for what
 * libxpty leaves alone, else op on the manager behind fd; traced.
 */
static int
pt_call(int fd, int (**next)(int), const char *name,
    int (*op)(int, struct xstream *))
{
	struct xstream	*xs;
	int		 rv, was;

	if (!svr4_active() || is_native_manager(fd))
		return (NEXT_CACHED(*next, name)(fd));
	if ((xs = manager_of(fd)) == NULL)
		rv = -1;
	else {
		was = atomic_load(&xs->deferred);
		rv = op(fd, xs);
		/* another thread gave it its relay meanwhile (defer.c) */
		if (rv == -1 && errno == ENOTTY && was != DEFER_NONE)
			rv = op(fd, xs);
	}
	XTRACE(fd, name, -1, rv, NULL);
	return (rv);
}

static int
pt_grant(int fd, struct xstream *xs)
{
	(void)fd;
	return (host_grant(xs->ptyno));
}

static int
pt_unlock(int fd, struct xstream *xs)
{
	int	rv;

	if ((rv = stream_unlock(fd, xs)) == 0 &&
	    xpty_mode_current() == XPTY_XPG4V2)
		rv = pt_mark_xpg4(fd, xs);
	return (rv);
}

XPTY_EXPORT int
grantpt(int fd)
{
	static int (*next)(int);

	return (pt_call(fd, &next, "grantpt", pt_grant));
}

XPTY_EXPORT int
unlockpt(int fd)
{
	static int (*next)(int);

	return (pt_call(fd, &next, "unlockpt", pt_unlock));
}

XPTY_EXPORT int
xpty_unlockpt_xpg4(int fd)
{
	struct xstream	*xs;

	if (unlockpt(fd) == -1)
		return (-1);
	if ((xs = manager_of(fd)) == NULL)
		return (-1);
	return (pt_mark_xpg4(fd, xs));
}

static int
is_null(const void *p)
{
	const void *volatile v = p;

	return (v == NULL);
}

XPTY_EXPORT int
ptsname_r(int fd, char *buf, size_t len)
{
	static int (*next)(int, char *, size_t);
	struct xstream	*xs;
	char		 name[HOST_PATHMAX];
	int		 n;

	if (!svr4_active() || is_native_manager(fd))
		return (NEXT_CACHED(next, "ptsname_r")(fd, buf, len));
	if (is_null(buf))	/* declared nonnull; illumos checks anyway */
		return (errno = EINVAL);
	if ((xs = manager_of(fd)) == NULL)
		return (errno);
	if ((n = host_pts_path(xs->ptyno, name, sizeof(name))) == -1 ||
	    (size_t)n >= len)
		return (errno = ERANGE);
	memcpy(buf, name, (size_t)n + 1);
	return (0);
}

XPTY_EXPORT char *
ptsname(int fd)
{
	char	*buf = ptypath_namebuf();	/* per thread */
	int	 saved = errno, err;

	if ((err = ptsname_r(fd, buf, HOST_PATHMAX)) != 0) {
		errno = err;
		XTRACE(fd, "ptsname", -1, -1, NULL);
		return (NULL);
	}
	if (xpty_tracing)
		trace_name(fd, buf);
	errno = saved;
	return (buf);
}

/* ---- the open family ---- */

/*
 * The host manager of pty ptyno that this process holds (a relayed
 * manager's private copy, or a deferred manager itself: *deferred 1,
 * no daemon knows the pty yet), or -1.
 */
static int
held_host_manager(int ptyno, int *deferred)
{
	struct xstream	*xs;
	int		 fd, hfd, hi = xfd_highest();

	*deferred = 0;
	for (fd = 0; fd <= hi && fd < 1024; fd++) {
		/* other threads' xstreams: see struct xstream */
		xs = xfd_lookup(fd);
		if (xs == NULL || XS_LOAD(xs->kind) != XK_MANAGER ||
		    XS_LOAD(xs->ptyno) != ptyno)
			continue;
		if (atomic_load(&xs->deferred) == DEFER_WAITING) {
			*deferred = 1;
			return (fd);
		}
		if ((hfd = XS_LOAD(xs->hostfd)) < 0)
			continue;
		return (hfd);
	}
	return (-1);
}

static int
next_open(enum open_kind k, int dirfd, const char *path, int flags, mode_t mode)
{
	switch (k) {
	case OK_OPEN:
		if (xpty_next.open != NULL)
			return (xpty_next.open(path, flags, mode));
		break;
	case OK_OPEN64:
		if (xpty_next.open64 != NULL)
			return (xpty_next.open64(path, flags, mode));
		break;
	case OK_OPENAT:
		if (xpty_next.openat != NULL)
			return (xpty_next.openat(dirfd, path, flags, mode));
		break;
	case OK_OPENAT64:
		if (xpty_next.openat64 != NULL)
			return (xpty_next.openat64(dirfd, path, flags, mode));
		break;
	}
	/* not resolved yet (we are inside dlsym or a constructor) */
	return (xsys_openat(dirfd, path, flags, mode));
}

/* open(/dev/pts/N): managed if libxpty made that pty. */
static int
subsid_open(enum open_kind k, int dirfd, const char *path, int flags,
    mode_t mode, int ptyno)
{
	int	fd, mfd, hup, deferred;

	/*
	 * STREAMS dismantles the stream inside the last close; xptyd does
	 * it when it notices.  Let it notice a close that came before this
	 * open, or it could undo what the new opener pushes.  (Without a
	 * daemon: fails at once.)  The host manager's hangup also says
	 * whether this is the first open since a last close, as far as this
	 * process sees; it is looked at again only if the barrier ran (a
	 * subsidiary may have been opened meanwhile).
	 */
	mfd = held_host_manager(ptyno, &deferred);
	hup = mfd >= 0 ? host_mgr_hup(mfd) : -1;
	if (deferred && hup == 1) {
		/*
		 * A last close since the manager was made (a fresh pty shows
		 * no hangup): xptyd is to dismantle the stream and place its
		 * zero-length message before this open, as for a relayed
		 * manager.  A promotion that finds no daemon leaves the
		 * direct engine's answer.
		 */
		defer_promote_pty(ptyno);
		mfd = held_host_manager(ptyno, &deferred);
	}
	if (relay_wanted() && hup != 0 && !deferred) {
		relay_barrier(ptyno);
		hup = mfd >= 0 ? host_mgr_hup(mfd) : -1;
	}
	fd = next_open(k, dirfd, path, flags, mode);
	if (fd == -1 && host_open_locked_errno(errno)) {
		errno = EAGAIN;		/* locked: illumos's errno */
		XTRACE(-1, "open /dev/pts/", ptyno, -1, "host said EIO");
		return (-1);
	}
	if (fd != -1) {
		host_subsid_opened(fd, ptyno, hup == 1);
		fd = adopt_subsid(fd, ptyno);
	}
	XTRACE(fd, "open /dev/pts/", ptyno, fd, NULL);
	return (fd);
}

int
xpty_open_hook(enum open_kind k, int dirfd, const char *path, int flags, mode_t mode)
{
	int	fd, ptyno = -1;

	/* the path is read only in svr4 mode, and only as far as it exists */
	if (svr4_active()) {
		switch (ptypath_classify(path, &ptyno)) {
		case PTYPATH_PTMX:
			return (manager_open(flags, 0));
		case PTYPATH_PTS:
			return (subsid_open(k, dirfd, path, flags, mode,
			    ptyno));
		}
	}
	fd = next_open(k, dirfd, path, flags, mode);
	if (fd >= 0 && xfd_lookup(fd) != NULL)
		xfd_detach(fd);		/* stale: closed behind our back */
	return (fd);
}

#define OPEN_MODE(flags, ap) \
	((((flags) & O_CREAT) || OPEN_TMPFILE(flags)) ? \
	    (mode_t)va_arg(ap, int) : 0)

/* The variadic open family: fetch mode only when the flags need it. */
#define DEFINE_OPEN(name, kind)						\
XPTY_EXPORT int								\
name(const char *path, int flags, ...)					\
{									\
	va_list	ap;							\
	mode_t mode;							\
									\
	va_start(ap, flags);						\
	mode = OPEN_MODE(flags, ap);					\
	va_end(ap);							\
	return (xpty_open_hook(kind, AT_FDCWD, path, flags, mode));		\
}

#define DEFINE_OPENAT(name, kind)					\
XPTY_EXPORT int								\
name(int dirfd, const char *path, int flags, ...)			\
{									\
	va_list ap;							\
	mode_t mode;							\
									\
	va_start(ap, flags);						\
	mode = OPEN_MODE(flags, ap);					\
	va_end(ap);							\
	return (xpty_open_hook(kind, dirfd, path, flags, mode));		\
}

DEFINE_OPEN(open, OK_OPEN)
DEFINE_OPENAT(openat, OK_OPENAT)

/* ---- ioctl ---- */

/* The slow half of an entry point (see "read and write" below). */
#define NOINLINE	__attribute__((noinline))

/* Is req one of the STREAMS or pty requests (ioctl_map.c's own)? */
static inline int
is_streams_request(unsigned long req)
{
	return ((req & ~0xffUL) == STR || (req >= ISPTM && req <= OWNERPT));
}

/* The requests whose termios read lib/termcache.c may spare. */
static inline int
is_push_or_pop(unsigned long req)
{
	return (req == I_PUSH || req == __I_PUSH_NOCTTY || req == I_POP);
}

static NOINLINE int
ioctl_watched(int fd, unsigned long req, void *arg)
{
	struct xstream	*xs;
	int		 rv;

	if ((xs = xfd_lookup(fd)) != NULL) {
		if (req == FIONBIO)
			engine_flags_touch();
		if (!is_push_or_pop(req))
			xstate_touch();		/* termcache.c: it may set */
		rv = defer_use(xs) == -1 ? -1 : xpty_ioctl(fd, xs, req, arg);
		if (xpty_tracing)
			trace_ioctl(fd, req, arg, rv, errno, NULL);
		return (rv);
	}
	if (is_streams_request(req) && svr4_active()) {
		/* a pty that came another way (SCM_RIGHTS, a missed exec)? */
		rediscover_fd(fd);
		if ((xs = xfd_lookup(fd)) != NULL)
			rv = xpty_ioctl(fd, xs, req, arg);
		else
			rv = xpty_ioctl_unmanaged(fd, req, arg);
		if (xpty_tracing)
			trace_ioctl(fd, req, arg, rv, errno, "not a stream");
		return (rv);
	}
	if (KTERM_IS_SET(req))
		xstate_touch();		/* a managed pty's, unrecorded? */
	if (xpty_next.ioctl == NULL)
		return (xsys_ioctl(fd, req, arg));
	return (xpty_next.ioctl(fd, req, arg));
}

/*
 * A request on a descriptor no stream has and that is not a STREAMS one
 * goes straight on (the argument taken off the list first: one word).
 */
XPTY_EXPORT int
ioctl(int fd, unsigned long req, ...)
{
	va_list	 ap;
	void	*arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (xfd_any() || is_streams_request(req))
		return (ioctl_watched(fd, req, arg));
	if (xpty_next.ioctl == NULL)
		return (xsys_ioctl(fd, req, arg));
	return (xpty_next.ioctl(fd, req, arg));
}

/* ---- read and write ---- */

/*
 * The data and lifetime calls in two parts: the entry point tests
 * whether this process has recorded any descriptor at all (xfd_any, one
 * load) and tail-calls either the next definition or the part that
 * looks fd up (NOINLINE, so that the entry point itself keeps no frame
 * and saves no register: the test, then a jump).
 */

static ssize_t
next_read(int fd, void *buf, size_t len)
{
	if (xpty_next.read == NULL)
		return (xsys_read(fd, buf, len));
	return (xpty_next.read(fd, buf, len));
}

static NOINLINE ssize_t
read_recorded(int fd, void *buf, size_t len)
{
	struct xstream	*xs = xfd_lookup(fd);

	if (xs == NULL)
		return (next_read(fd, buf, len));
	if (defer_use(xs) == -1)
		return (0);	/* closed while it began: as at the hangup */
	return (xpty_read(fd, xs, buf, len));
}

XPTY_EXPORT ssize_t
read(int fd, void *buf, size_t len)
{
	if (xfd_any())
		return (read_recorded(fd, buf, len));
	return (next_read(fd, buf, len));
}

static ssize_t (*next_readv_fn)(int, const struct iovec *, int);

static NOINLINE ssize_t
readv_recorded(int fd, const struct iovec *iov, int iovcnt)
{
	struct xstream	*xs = xfd_lookup(fd);

	if (xs == NULL)
		return (NEXT_CACHED(next_readv_fn, "readv")(fd, iov, iovcnt));
	if (defer_use(xs) == -1)
		return (0);	/* closed while it began: as at the hangup */
	return (xpty_readv(fd, xs, iov, iovcnt));
}

static NOINLINE ssize_t
readv_unresolved(int fd, const struct iovec *iov, int iovcnt)
{
	return (NEXT_CACHED(next_readv_fn, "readv")(fd, iov, iovcnt));
}

XPTY_EXPORT ssize_t
readv(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t	(*fn)(int, const struct iovec *, int);

	if (xfd_any())
		return (readv_recorded(fd, iov, iovcnt));
	if ((fn = __atomic_load_n(&next_readv_fn, __ATOMIC_RELAXED)) == NULL)
		return (readv_unresolved(fd, iov, iovcnt));
	return (fn(fd, iov, iovcnt));
}

static ssize_t
next_write(int fd, const void *buf, size_t len)
{
	if (xpty_next.write == NULL)
		return (xsys_write(fd, buf, len));
	return (xpty_next.write(fd, buf, len));
}

static NOINLINE ssize_t
write_recorded(int fd, const void *buf, size_t len)
{
	struct xstream	*xs;

	if ((xs = xfd_lookup(fd)) != NULL) {
		if (defer_use(xs) == -1)
			return (-1);
		return (len == 0 ? xpty_write_zero(fd, xs) :
		    xpty_write(fd, xs, buf, len));
	}
	return (next_write(fd, buf, len));
}

XPTY_EXPORT ssize_t
write(int fd, const void *buf, size_t len)
{
	if (xfd_any())
		return (write_recorded(fd, buf, len));
	return (next_write(fd, buf, len));
}

/* ---- descriptor lifetime ---- */

static int
next_close(int fd)
{
	return (xpty_next.close != NULL ? xpty_next.close(fd) : xsys_close(fd));
}

static NOINLINE int
close_recorded(int fd)
{
	struct xstream	*xs;
	int		 r, ptyno = -1;

	if (xfd_private_owner(fd) != NULL)
		return (0);	/* libxpty's own: pretend, as fakeroot does */
	if ((xs = xfd_lookup(fd)) != NULL) {
		/* this process's last descriptor of a manager: its engine's */
		if (xs->kind == XK_MANAGER && atomic_load(&xs->refs) == 1)
			ptyno = XENGINE(xs)->last_close(xs);
		xfd_detach(fd);
	}
	r = next_close(fd);
	if (ptyno >= 0)
		engine_closed(ptyno);
	return (r);
}

XPTY_EXPORT int
close(int fd)
{
	if (xfd_any())
		return (close_recorded(fd));
	return (next_close(fd));
}

static int
dup_follow(int oldfd, int newfd)
{
	struct xstream	*xs;

	if (newfd >= 0 && (xs = xfd_lookup(oldfd)) != NULL)
		xfd_attach(newfd, xs);
	else if (newfd >= 0 && xfd_lookup(newfd) != NULL)
		xfd_detach(newfd);
	return (newfd);
}

static NOINLINE int
dup_recorded(int fd)
{
	defer_use_fd(fd);	/* one number per deferred stream */
	return (dup_follow(fd, NEXT(dup)(fd)));
}

static NOINLINE int
dup_unresolved(int fd)
{
	return (NEXT(dup)(fd));
}

XPTY_EXPORT int
dup(int fd)
{
	if (xfd_any())
		return (dup_recorded(fd));
	if (xpty_next.dup == NULL)
		return (dup_unresolved(fd));
	return (xpty_next.dup(fd));	/* nothing recorded: none to follow */
}

/*
 * dup2 and dup3 change the file under a number that may have a slot: the
 * change and the slot's follow one another inside the fork gate
 * (forkgate.c), so that a child never gets one without the other.
 */
XPTY_EXPORT int
dup2(int oldfd, int newfd)
{
	int	r;

	if (oldfd == newfd)
		return (NEXT(dup2)(oldfd, newfd));
	defer_use_fd(oldfd);
	xfd_gate_enter();
	if ((r = xfd_private_evict(newfd)) != -1)
		r = dup_follow(oldfd, NEXT(dup2)(oldfd, newfd));
	xfd_gate_leave();
	return (r);
}

XPTY_EXPORT int
dup3(int oldfd, int newfd, int flags)
{
	int	r;

	if (oldfd != newfd)
		defer_use_fd(oldfd);
	xfd_gate_enter();
	if (oldfd == newfd || (r = xfd_private_evict(newfd)) != -1)
		r = dup_follow(oldfd, NEXT(dup3)(oldfd, newfd, flags));
	xfd_gate_leave();
	return (r);
}

int
xpty_fcntl_common(int fd, int cmd, long arg)
{
	int	r;

	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		defer_use_fd(fd);
	r = NEXT(fcntl)(fd, cmd, arg);
	if (cmd == F_SETFL)
		engine_flags_touch();
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		return (dup_follow(fd, r));
	return (r);
}

XPTY_EXPORT int
fcntl(int fd, int cmd, ...)
{
	va_list	ap;
	long	arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (!xfd_any() && xpty_next.fcntl != NULL)
		return (xpty_next.fcntl(fd, cmd, arg));	/* none to follow */
	return (xpty_fcntl_common(fd, cmd, arg));
}

static int
next_close_range(unsigned int first, unsigned int last, int flags)
{
	if (xpty_next.close_range != NULL)
		return (xpty_next.close_range(first, last, flags));
	return (xsys_close_range(first, last, flags));
}

/* close_range(2), stepping around libxpty's private descriptors. */
XPTY_EXPORT int
close_range(unsigned int first, unsigned int last, int flags)
{
	int		hi = xfd_highest();
	unsigned int	fd, start = first;

	if (first > last) {
		errno = EINVAL;
		return (-1);
	}
	if (hi < 0 || first > (unsigned int)hi || (flags & CLOSE_RANGE_CLOEXEC))
		return (next_close_range(first, last, flags));
	for (fd = first; fd <= last && fd <= (unsigned int)hi; fd++) {
		if (xfd_private_owner((int)fd) == NULL)
			continue;
		if (fd > start && next_close_range(start, fd - 1, flags) == -1)
			return (-1);
		start = fd + 1;
	}
	xfd_detach_range(first, last);
	if (start > last || start < first)
		return (0);
	return (next_close_range(start, last, flags));
}

/* closefrom returns nothing, or 0 (NetBSD: XPTY_CLOSEFROM_INT) */
#ifdef XPTY_CLOSEFROM_INT
XPTY_EXPORT int
closefrom(int lowfd)
{
	if (lowfd < 0)
		lowfd = 0;
	return (close_range((unsigned int)lowfd, ~0U, 0));
}
#else
XPTY_EXPORT void
closefrom(int lowfd)
{
	if (lowfd < 0)
		lowfd = 0;
	(void)close_range((unsigned int)lowfd, ~0U, 0);
}
#endif

XPTY_EXPORT int
fclose(FILE *fp)
{
	static int (*next)(FILE *);
	int	fd = fp != NULL ? fileno_unlocked(fp) : -1;
	int	r;

	r = NEXT_CACHED(next, "fclose")(fp);
	if (fd >= 0 && xfd_lookup(fd) != NULL)
		xfd_detach(fd);
	return (r);
}

/* ---- termios ---- */

static NOINLINE int
isatty_recorded(int fd)
{
	struct xstream	*xs = xfd_lookup(fd);
	int		 r;

	if (xs == NULL)
		return (NEXT(isatty)(fd));
	if (xs->kind == XK_MANAGER && xs->hostdata)	/* the host's manager */
		return (NEXT(isatty)(stream_ctlfd(fd, xs)));
	if (xs->kind == XK_MANAGER) {
		errno = ENOTTY;		/* ptm: "manager PTY is not a TTY" */
		return (0);
	}
	if ((r = stream_tty_ok(fd, xs)) == 1)
		return (1);
	errno = ENOTTY;
	return (0);
}

static NOINLINE int
isatty_unresolved(int fd)
{
	return (NEXT(isatty)(fd));
}

XPTY_EXPORT int
isatty(int fd)
{
	if (xfd_any())
		return (isatty_recorded(fd));
	if (xpty_next.isatty == NULL)
		return (isatty_unresolved(fd));
	return (xpty_next.isatty(fd));
}

static int
termios_gate(int fd, struct xstream *xs)
{
	int	r;

	if (xs->kind == XK_MANAGER && xs->hostdata)
		return (0);		/* the host's manager: a terminal */
	if (xs->kind == XK_MANAGER) {
		errno = EINVAL;
		return (-1);
	}
	if ((r = stream_tty_ok(fd, xs)) == 1)
		return (0);
	if (r == 0)
		errno = EINVAL;
	return (-1);
}

static NOINLINE int
tcgetattr_recorded(int fd, struct termios *t)
{
	struct xstream	*xs = xfd_lookup(fd);

	if (xs != NULL && termios_gate(fd, xs) == -1)
		return (-1);
	if (xs != NULL && xs->kind == XK_MANAGER)	/* the host's manager */
		return (NEXT(tcgetattr)(stream_ctlfd(fd, xs), t));
	return (NEXT(tcgetattr)(fd, t));
}

static NOINLINE int
tcgetattr_unresolved(int fd, struct termios *t)
{
	return (NEXT(tcgetattr)(fd, t));
}

XPTY_EXPORT int
tcgetattr(int fd, struct termios *t)
{
	if (xfd_any())
		return (tcgetattr_recorded(fd, t));
	if (xpty_next.tcgetattr == NULL)
		return (tcgetattr_unresolved(fd, t));
	return (xpty_next.tcgetattr(fd, t));
}

static NOINLINE int
tcsetattr_unresolved(int fd, int act, const struct termios *t)
{
	return (NEXT(tcsetattr)(fd, act, t));
}

static NOINLINE int tcsetattr_recorded(int, int, const struct termios *);

XPTY_EXPORT int
tcsetattr(int fd, int act, const struct termios *t)
{
	if (xfd_any())
		return (tcsetattr_recorded(fd, act, t));
	if (xpty_next.tcsetattr == NULL)
		return (tcsetattr_unresolved(fd, act, t));
	return (xpty_next.tcsetattr(fd, act, t));
}

static int
tcsetattr_recorded(int fd, int act, const struct termios *t)
{
	struct xstream	*xs = xfd_lookup(fd);
	struct termios	 copy;
	struct kterm	 cur;
	int		 tfd, had;

	xstate_touch();		/* termcache.c: a termios is set */
	if (xs == NULL)
		return (NEXT(tcsetattr)(fd, act, t));
	if (termios_gate(fd, xs) == -1)
		return (-1);
	if (t == NULL || xpty_user_copyin(&copy, t, sizeof(copy)) == -1) {
		errno = EFAULT;
		return (-1);
	}
	/* a manager that passed the gate is the host's: its termios */
	tfd = xs->kind == XK_MANAGER ? stream_ctlfd(fd, xs) : fd;
	if ((had = xsys_tcget(tfd, &cur) == 0))
		xstate_preserve_cc(&cur, copy.c_cc);
	if (NEXT(tcsetattr)(tfd, act, &copy) == -1)
		return (-1);
	stream_after_set(fd, xs, act == TCSANOW ? TCSETS : act == TCSADRAIN ?
	    TCSETSW : TCSETSF, &copy, sizeof(copy), had ? &cur : NULL);
	return (0);
}

/* ---- BSD pty API: SVR4 ptys that are terminals at once ---- */

XPTY_EXPORT int
openpty(int *amaster, int *aslave, char *name,
    XPTY_OPENPTY_CONST struct termios *termp,
    XPTY_OPENPTY_CONST struct winsize *winp)
{
	static int (*next)(int *, int *, char *,
	    XPTY_OPENPTY_CONST struct termios *,
	    XPTY_OPENPTY_CONST struct winsize *);
	static const char	*mods[] = { "ptem", "ldterm", "ttcompat" };
	char			 path[HOST_PATHMAX];
	int			 m, s, saved;
	size_t			 i;

	if (!svr4_active())
		return (NEXT_CACHED(next, "openpty")(amaster, aslave, name,
		    termp, winp));
	/* a BSD-API pty: the host's manager, SVR4 calls on top */
	if ((m = manager_open(O_RDWR | O_NOCTTY, 1)) == -1)
		return (-1);
	if (grantpt(m) == -1 || unlockpt(m) == -1 ||
	    ptsname_r(m, path, sizeof(path)) != 0 ||
	    (s = open(path, O_RDWR | O_NOCTTY)) == -1)
		goto fail;
	/* openpty never gives the caller a controlling terminal */
	for (i = 0; i < 3; i++)
		if (ioctl(s, __I_PUSH_NOCTTY, mods[i]) == -1)
			goto fail_s;
	if (termp != NULL && tcsetattr(s, TCSAFLUSH, termp) == -1)
		goto fail_s;
	if (winp != NULL && ioctl(s, TIOCSWINSZ, winp) == -1)
		goto fail_s;
	if (name != NULL)
		strcpy(name, path);
	*amaster = m;
	*aslave = s;
	return (0);
fail_s:
	saved = errno;
	close(s);
	errno = saved;
fail:
	saved = errno;
	close(m);
	errno = saved;
	return (-1);
}

/* A new session: I_PUSH asks again whether this process leads one. */
XPTY_EXPORT pid_t
setsid(void)
{
	static pid_t	(*next)(void);
	pid_t		 r;
	int		 saved;

	r = NEXT_CACHED(next, "setsid")();
	saved = errno;
	ioctl_session_changed();	/* ioctl_map.c */
	errno = saved;
	return (r);
}

XPTY_EXPORT int
login_tty(int fd)
{
	(void)setsid();
	if (ioctl(fd, TIOCSCTTY, 0) == -1)
		return (-1);
	if (dup2(fd, 0) == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
		return (-1);
	if (fd > 2)
		close(fd);
	return (0);
}

XPTY_EXPORT pid_t
forkpty(int *amaster, char *name, XPTY_OPENPTY_CONST struct termios *termp,
    XPTY_OPENPTY_CONST struct winsize *winp)
{
	int	m, s;
	pid_t	pid;

	if (openpty(&m, &s, name, termp, winp) == -1)
		return (-1);
	switch (pid = fork()) {
	case -1:
		close(m);
		close(s);
		return (-1);
	case 0:
		close(m);
		if (login_tty(s) == -1)
			_exit(1);
		return (0);
	default:
		close(s);
		*amaster = m;
		return (pid);
	}
}

__attribute__((constructor)) static void
xpty_init(void)
{
	xfd_gate_init();
	xpty_resolve();
	xpty_mode_init();
	trace_init();
	xpty_mode_scope_done();
	if (svr4_active())
		rediscover_all();
}
