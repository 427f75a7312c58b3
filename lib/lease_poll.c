/*
 * lease_poll.c - readiness of lease-engine managers: poll, ppoll, select
 * and pselect (docs/lease.md 4.4).
 *
 * Theory of operation.  While a library process holds a pty's lease,
 * xptyd is parked: bytes the subsidiary writes stay in the host manager
 * H and the application's manager socket A stays empty until the expiry
 * tick (daemon/lease.c) takes the path back.  A program that sleeps in
 * poll(2) on A would wake only then.  So these interposers add, for each
 * lease manager in the set whose block allows a lease (no hold:
 * engine_lease.c, lease_ready_host), an entry for this process's H asking
 * POLLIN, and report the manager readable when either is (never an H
 * whose pty was never opened, the first-close rule: its POLLHUP is there
 * for ever, lib/host.h HOST_CAP_OPEN_CLOSES).  H's POLLHUP,
 * POLLERR and POLLNVAL are never shown (the zero-length message and the
 * hangup come through A); a wake by them alone is polled again without
 * that H, for the rest of the timeout.  Writability is A's: a write
 * through libxpty goes to H when it can, else into A (engine_lease.c).
 *
 * Fast path: one relaxed load (lease_joined: has this process ever read
 * under a lease?); 0, the next definition is called at once, errno
 * untouched.  After that, poll and ppoll first ask the kernel about the
 * caller's set with a zero timeout (which also checks the array is
 * readable: EFAULT stays the kernel's), and look further only if nothing
 * is ready; select and pselect copy the sets through usercopy.c.  Sets
 * of more than LP_MAX descriptors are left to the next definition (the
 * expiry tick serves them).  epoll is not interposed here: an epoll
 * waiter is served by the expiry tick (within two ticks of the last
 * library read).
 *
 * State: none of its own (lease_joined is engine_lease.c's).  Stack use:
 * two pollfd arrays of 2 * LP_MAX entries (1 KiB each).  Descriptors:
 * none of its own; H is the stream's private host manager.
 */
#include "config.h"

#include <sys/select.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "xpty.h"
#include "internal.h"

#define LP_MAX		64	/* descriptors augmented per call */

typedef int	ppoll_fn(struct pollfd *, nfds_t, const struct timespec *,
		    const sigset_t *);

#ifdef HAVE_PPOLL
static ppoll_fn	*next_ppoll;
#endif

#ifndef HAVE_PPOLL
/*
 * A host without ppoll (macOS): poll, the timeout rounded up to whole
 * milliseconds; only poll calls this there, without a mask.
 */
static int
lp_ppoll_emul(struct pollfd *fds, nfds_t n, const struct timespec *ts,
    const sigset_t *mask)
{
	long	ms;

	(void)mask;
	if (ts == NULL)
		return (xsys_poll(fds, n, -1));
	ms = (long)ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
	return (xsys_poll(fds, n, ms > 0x7fffffff ? 0x7fffffff : (int)ms));
}
#endif

static ppoll_fn *
lp_next(void)
{
#ifdef HAVE_PPOLL
	return (NEXT_CACHED(next_ppoll, "ppoll"));
#else
	return (lp_ppoll_emul);
#endif
}

static int64_t
lp_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

/* What is left of a timeout that began at t0 (NULL: none). */
static const struct timespec *
lp_left(const struct timespec *ts, int64_t t0, struct timespec *buf)
{
	int64_t	left;

	if (ts == NULL)
		return (NULL);
	left = (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec -
	    (lp_now_ns() - t0);
	if (left < 0)
		left = 0;
	buf->tv_sec = left / 1000000000;
	buf->tv_nsec = left % 1000000000;
	return (buf);
}

/*
 * The set fds[0..n) with an H entry after it for each lease manager that
 * asks POLLIN (from[k]: whose H entry n + k is), skipping those in
 * skip[]; the number of H entries.
 */
static nfds_t
lp_build(const struct pollfd *fds, nfds_t n, struct pollfd *p,
    nfds_t *from, const char *skip)
{
	nfds_t	i, k = 0;
	int	h;

	memcpy(p, fds, n * sizeof(*p));
	for (i = 0; i < n; i++) {
		p[i].revents = 0;
		if (skip[i] || fds[i].fd < 0 || (fds[i].events & POLLIN) == 0 ||
		    (h = lease_ready_host(fds[i].fd)) < 0)
			continue;
		p[n + k].fd = h;
		p[n + k].events = POLLIN;
		p[n + k].revents = 0;
		from[k++] = i;
	}
	return (k);
}

/*
 * Fold the H entries into their managers; mark in skip[] those whose H
 * reported its hangup alone.  Returns the count of ready entries.
 */
static int
lp_fold(struct pollfd *fds, nfds_t n, const struct pollfd *p,
    const nfds_t *from, nfds_t k, char *skip)
{
	nfds_t	i;
	int	r = 0;

	for (i = 0; i < n; i++)
		fds[i].revents = p[i].revents;
	for (i = 0; i < k; i++) {
		if (p[n + i].revents & POLLIN)
			fds[from[i]].revents |= POLLIN;
		else if (p[n + i].revents != 0)
			skip[from[i]] = 1;	/* no subsidiary: A tells */
	}
	for (i = 0; i < n; i++)
		r += fds[i].revents != 0;
	return (r);
}

/* ppoll with the H entries (n <= LP_MAX, fds known to be readable). */
static int
lp_wait(struct pollfd *fds, nfds_t n, const struct timespec *ts,
    const sigset_t *mask)
{
	struct pollfd	p[2 * LP_MAX];
	struct timespec	buf;
	nfds_t		from[LP_MAX], k;
	char		skip[LP_MAX];
	int64_t		t0 = lp_now_ns();
	int		r;

	memset(skip, 0, sizeof(skip));
	for (;;) {
		if ((k = lp_build(fds, n, p, from, skip)) == 0)
			return (lp_next()(fds, n, lp_left(ts, t0, &buf), mask));
		if ((r = lp_next()(p, n + k, lp_left(ts, t0, &buf), mask)) <= 0)
			return (r);
		if ((r = lp_fold(fds, n, p, from, k, skip)) > 0)
			return (r);
	}
}

/* poll and ppoll once a lease was joined. */
static int
lp_poll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
    const sigset_t *mask)
{
	static const struct timespec	zero = { 0, 0 };
	int				r;

	if (n == 0 || n > LP_MAX)
		return (lp_next()(fds, n, ts, mask));
	if ((r = lp_next()(fds, n, &zero, NULL)) != 0)
		return (r);	/* ready, or the kernel's error (EFAULT) */
	return (lp_wait(fds, n, ts, mask));
}

XPTY_EXPORT int
poll(struct pollfd *fds, nfds_t n, int timeout)
{
	static int	(*next)(struct pollfd *, nfds_t, int);
	struct timespec	ts;

	defer_promote_all();	/* a deferred manager is waited on as A */
	if (!atomic_load_explicit(&lease_joined, memory_order_relaxed))
		return (NEXT_CACHED(next, "poll")(fds, n, timeout));
	if (timeout < 0)
		return (lp_poll(fds, n, NULL, NULL));
	ts.tv_sec = timeout / 1000;
	ts.tv_nsec = (long)(timeout % 1000) * 1000000;
	return (lp_poll(fds, n, &ts, NULL));
}

#ifdef HAVE_PPOLL
XPTY_EXPORT int
ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
    const sigset_t *mask)
{
	defer_promote_all();
	if (!atomic_load_explicit(&lease_joined, memory_order_relaxed))
		return (lp_next()(fds, n, ts, mask));
	return (lp_poll(fds, n, ts, mask));
}
#endif

/* ---- select, pselect ---- */

typedef int	pselect_fn(int, fd_set *, fd_set *, fd_set *,
		    const struct timespec *, const sigset_t *);

static pselect_fn	*next_pselect;

static pselect_fn *
lp_next_select(void)
{
	return (NEXT_CACHED(next_pselect, "pselect"));
}

/* Copy a caller's set (NULL: empty); -1 EFAULT. */
static int
lp_copy_set(fd_set *dst, const fd_set *src, int nfds)
{
	FD_ZERO(dst);
	if (src == NULL)
		return (0);
	return (xpty_user_copyin(dst, src, ((size_t)nfds + 7) / 8));
}

/*
 * The sets as a pollfd array (at most LP_MAX), or -1 if there are more
 * or none of them is a lease manager (the next definition serves it).
 */
static int
lp_sets_to_poll(int nfds, const fd_set *r, const fd_set *w, const fd_set *e,
    struct pollfd *p)
{
	int	fd, n = 0, lease = 0;
	short	ev;

	for (fd = 0; fd < nfds; fd++) {
		ev = (FD_ISSET(fd, r) ? POLLIN : 0) |
		    (FD_ISSET(fd, w) ? POLLOUT : 0) |
		    (FD_ISSET(fd, e) ? POLLPRI : 0);
		if (ev == 0)
			continue;
		if (n == LP_MAX)
			return (-1);
		if ((ev & POLLIN) && lease_ready_host(fd) >= 0)
			lease = 1;
		p[n].fd = fd;
		p[n].events = ev;
		p[n++].revents = 0;
	}
	return (lease ? n : -1);
}

/* Write the poll result back into the caller's sets; the count. */
static int
lp_poll_to_sets(const struct pollfd *p, int n, fd_set *r, fd_set *w,
    fd_set *e)
{
	int	i, cnt = 0;

	if (r != NULL)
		FD_ZERO(r);
	if (w != NULL)
		FD_ZERO(w);
	if (e != NULL)
		FD_ZERO(e);
	for (i = 0; i < n; i++) {
		if (p[i].revents & POLLNVAL) {
			errno = EBADF;
			return (-1);
		}
		if (r != NULL && (p[i].events & POLLIN) &&
		    (p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
			FD_SET(p[i].fd, r);
			cnt++;
		}
		if (w != NULL && (p[i].events & POLLOUT) &&
		    (p[i].revents & (POLLOUT | POLLERR))) {
			FD_SET(p[i].fd, w);
			cnt++;
		}
		if (e != NULL && (p[i].events & POLLPRI) &&
		    (p[i].revents & POLLPRI)) {
			FD_SET(p[i].fd, e);
			cnt++;
		}
	}
	return (cnt);
}

/* pselect once a lease was joined. */
static int
lp_select(int nfds, fd_set *r, fd_set *w, fd_set *e,
    const struct timespec *ts, const sigset_t *mask)
{
	struct pollfd	p[LP_MAX];
	fd_set		cr, cw, ce;
	int		n, rv;

	if (nfds <= 0 || nfds > FD_SETSIZE)
		return (lp_next_select()(nfds, r, w, e, ts, mask));
	if (lp_copy_set(&cr, r, nfds) == -1 || lp_copy_set(&cw, w, nfds) == -1 ||
	    lp_copy_set(&ce, e, nfds) == -1) {
		errno = EFAULT;
		return (-1);
	}
	if ((n = lp_sets_to_poll(nfds, &cr, &cw, &ce, p)) == -1)
		return (lp_next_select()(nfds, r, w, e, ts, mask));
	if ((rv = lp_wait(p, (nfds_t)n, ts, mask)) <= 0) {
		if (rv == 0)
			(void)lp_poll_to_sets(p, 0, r, w, e);
		return (rv);
	}
	return (lp_poll_to_sets(p, n, r, w, e));
}

XPTY_EXPORT int
select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	static int	(*next)(int, fd_set *, fd_set *, fd_set *,
			    struct timeval *);
	struct timespec	ts;
	int64_t		t0;
	int		rv;

	defer_promote_all();
	if (!atomic_load_explicit(&lease_joined, memory_order_relaxed) ||
	    (tv != NULL && (tv->tv_sec < 0 || tv->tv_usec < 0 ||
	    tv->tv_usec >= 1000000))) {
		return (NEXT_CACHED(next, "select")(nfds, r, w, e, tv));
	}
	if (tv == NULL)
		return (lp_select(nfds, r, w, e, NULL, NULL));
	ts.tv_sec = tv->tv_sec;
	ts.tv_nsec = tv->tv_usec * 1000;
	t0 = lp_now_ns();
	rv = lp_select(nfds, r, w, e, &ts, NULL);
	/* Linux's select says what is left of the timeout */
	(void)lp_left(&ts, t0, &ts);
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return (rv);
}

XPTY_EXPORT int
pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
    const sigset_t *mask)
{
	defer_promote_all();
	if (!atomic_load_explicit(&lease_joined, memory_order_relaxed))
		return (lp_next_select()(nfds, r, w, e, ts, mask));
	return (lp_select(nfds, r, w, e, ts, mask));
}
