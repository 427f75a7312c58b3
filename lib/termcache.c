/*
 * termcache.c - the termios a thread just read or stored on a subsidiary,
 * kept for its next push or pop on that pty.
 *
 * Theory of operation.  With the termios store (common/store_termios.c)
 * every I_PUSH and I_POP is a read-modify-write of the pty's termios: a
 * TCGETS, then a TCSETS.  SVR4 code pushes its modules one after another
 * right after opening the subsidiary (ptem, ldterm, ttcompat), and the
 * open itself has just read the termios (adopt.c).  So a thread keeps
 * the last termios it read or stored through here, with the pty's
 * number, the store's epoch (common/store.h) and the time, and a push or
 * pop uses it instead of reading the kernel's again (an open always
 * reads the kernel's) when all of these hold:
 *   - same pty number, and the thread's own entry (thread-local);
 *   - the epoch has not moved: no xstate_put in this process since (any
 *     thread, any pty), no termios request through libxpty's ioctl or
 *     tcsetattr other than a push or pop (libxpty.c), no last release of
 *     a stream (fdtable.c: a freed pty's number can come back), no
 *     child made (defer.c's defer_promote_all runs before each);
 *   - at most TC_FRESH_NS old: another process (one without libxpty, or
 *     xptyd) may change the termios at any time, and the entry is
 *     trusted only as long as the read-modify-write window it replaces
 *     is already open in practice.
 * A process without libxpty that changes this pty's termios within that
 * window can have its change overwritten by the push, as two pushes at
 * the same instant can lose one another's (xpty(7), CONCURRENCY).  The
 * page store (xstate_paged) keeps its state elsewhere: no entry is used.
 *
 * What the entry holds is the termios as it was read, or as the store
 * was given it (its two state slots are rewritten by every xstate_put
 * from the state beside it); Linux's pty driver forces CS8 and CREAD into
 * what is set, which every termios libxpty builds has already.
 *
 * State: one entry per thread (initial-exec TLS), never shared; a busy
 * flag keeps a signal handler that pushes over an interrupted push off
 * the half-written entry.  No descriptors, no locks; async-signal-safe
 * (clock_gettime is).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "internal.h"

#define TC_FRESH_NS	100000ULL	/* 100 us */

struct termcache {
	int		busy;
	int		ptyno;		/* -1: empty */
	unsigned long	epoch;
	uint64_t	stamp;
	struct xstate	xst;
	struct kterm	t;
};

static __thread struct termcache tc
    __attribute__((tls_model("initial-exec"))) = { .ptyno = -1 };

static uint64_t
tc_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (0);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static void
tc_note(int ptyno, unsigned long epoch, const struct xstate *xst,
    const struct kterm *t)
{
	tc.ptyno = ptyno;
	tc.epoch = epoch;
	tc.stamp = tc_now();
	tc.xst = *xst;
	tc.t = *t;
}

static int
tc_usable(int ptyno)
{
	uint64_t	now;

	if (tc.ptyno != ptyno || ptyno < 0 ||
	    tc.epoch != atomic_load(&xstate_epoch))
		return (0);
	now = tc_now();
	/* (0: no clock, no trust) */
	return (tc.stamp != 0 && now >= tc.stamp &&
	    now - tc.stamp <= TC_FRESH_NS);
}

/*
 * Claim the entry: 0 when it may not be used (page store, or a signal
 * handler running over an interrupted use of it), else 1, busy set.
 */
static int
tc_enter(void)
{
	if (xstate_paged || tc.busy)
		return (0);
	tc.busy = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return (1);
}

static void
tc_leave(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	tc.busy = 0;
}

/*
 * The state and termios of the pty of fd (number ptyno): with trust, the
 * entry when it may be trusted, else (and always without trust) the
 * kernel's, then kept.  0, or -1 with errno from the host.
 */
static int
tc_read(int fd, int ptyno, struct xstate *xst, struct kterm *t, int trust)
{
	unsigned long	epoch;
	int		hit;

	if (!tc_enter())
		return (xstate_read(fd, xst, t));
	if ((hit = trust && tc_usable(ptyno))) {
		*xst = tc.xst;
		*t = tc.t;
	} else {
		epoch = atomic_load(&xstate_epoch);
		if (xstate_read(fd, xst, t) == -1) {
			tc.ptyno = -1;
			hit = -1;
		} else
			tc_note(ptyno, epoch, xst, t);
	}
	tc_leave();
	return (hit == -1 ? -1 : 0);
}

/* For a push or pop: the entry if it may be trusted, else the kernel's. */
int
termcache_read(int fd, int ptyno, struct xstate *xst, struct kterm *t)
{
	return (tc_read(fd, ptyno, xst, t, 1));
}

/* At a subsidiary's open: always the kernel's, kept for the pushes. */
int
termcache_load(int fd, int ptyno, struct xstate *xst, struct kterm *t)
{
	return (tc_read(fd, ptyno, xst, t, 0));
}

/*
 * Store xst with termios t on the pty of fd (xstate_put), and keep both
 * if nobody else moved the epoch meanwhile.  0, or -1 with errno.
 */
int
termcache_write(int fd, int ptyno, const struct xstate *xst,
    const struct kterm *t)
{
	unsigned long	before;
	int		rv;

	if (!tc_enter())
		return (xstate_put(fd, xst, t));
	before = atomic_load(&xstate_epoch);
	tc.ptyno = -1;
	if ((rv = xstate_put(fd, xst, t)) == 0 &&
	    atomic_load(&xstate_epoch) == before + 1)
		tc_note(ptyno, before + 1, xst, t);
	tc_leave();
	return (rv);
}
