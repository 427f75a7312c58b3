/*
 * sigrestart.c - would the process's signal handlers have an interrupted
 * read restart (SA_RESTART) or fail with EINTR?
 *
 * A wait that sleeps in poll(2) with the caller's own signal mask (the
 * lease engine's wait for the answer to a write, engine_lease.c) fails
 * with EINTR after any handler runs, whatever the handler's SA_RESTART
 * says, and cannot learn which signal it was.  The read it stands for
 * must restart after a handler installed with SA_RESTART and fail with
 * EINTR after one without.  So the wait is used only while the installed
 * handlers agree (sigrestart_policy: SIGRESTART_ALL, every one restarts,
 * or none is installed; SIGRESTART_NONE, none restarts), and an EINTR is
 * decided by what is installed then (sigrestart_policy_now, which looks
 * again: a handler installed behind the interposers' back, by a raw
 * rt_sigaction, is seen there); where they disagree (SIGRESTART_MIXED)
 * the caller waits with every signal blocked instead (lib/xwait.c's
 * signal descriptor tells it which signal came).
 *
 * The policy is computed from sigaction(sig, NULL, &sa) for every signal
 * and kept until a disposition changes: the interposed sigaction,
 * signal, sigset, siginterrupt and their aliases (lib/interpose_signal.c,
 * built where libxpty interposes by name, SIGRESTART_TRACKED) count each
 * change with sigrestart_changed().  Hosts without those interposers
 * always answer SIGRESTART_MIXED: their waits keep signals blocked.
 *
 * State: one atomic word, the policy and the change count it was computed
 * at; lock-free, async-signal-safe (sigaction's next definition is looked
 * up during resolve.c's resolution, sigrestart_resolve).  No descriptors.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

#include "internal.h"

static _Atomic(uint32_t)	sigrestart_changes;
static int	(*sigrestart_next)(int, const struct sigaction *,
		    struct sigaction *);
/* (changes << 2) | policy; changes + 1 so that 0 means "never computed" */
static _Atomic(uint64_t)	sigrestart_cached;

/* The next definition of sigaction (libc's), past the interposer. */
int
xpty_sigaction_next(int sig, const struct sigaction *sa, struct sigaction *old)
{
	return (NEXT_CACHED(sigrestart_next, "sigaction")(sig, sa, old));
}

/* From resolve.c's resolution: no handler makes the first lookup. */
void
sigrestart_resolve(void)
{
	(void)NEXT_CACHED(sigrestart_next, "sigaction");
}

void
sigrestart_changed(void)
{
	atomic_fetch_add_explicit(&sigrestart_changes, 1, memory_order_release);
}

/* What the handlers installed now say. */
static int
sigrestart_compute(void)
{
	struct sigaction	sa;
	int			sig, with = 0, without = 0, saved = errno;

	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP ||
		    xpty_sigaction_next(sig, NULL, &sa) == -1)
			continue;
		if (!(sa.sa_flags & SA_SIGINFO) &&
		    (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN))
			continue;
		if (sa.sa_flags & SA_RESTART)
			with++;
		else
			without++;
	}
	errno = saved;
	if (with > 0 && without > 0)
		return (SIGRESTART_MIXED);
	return (without > 0 ? SIGRESTART_NONE : SIGRESTART_ALL);
}

int
sigrestart_policy_now(void)
{
	uint32_t	changes;
	int		policy;

	if (!SIGRESTART_TRACKED)
		return (SIGRESTART_MIXED);
	changes = atomic_load_explicit(&sigrestart_changes,
	    memory_order_acquire);
	policy = sigrestart_compute();
	atomic_store_explicit(&sigrestart_cached,
	    ((uint64_t)changes + 1) << 2 | (uint64_t)policy,
	    memory_order_relaxed);
	return (policy);
}

int
sigrestart_policy(void)
{
	uint64_t	c = atomic_load_explicit(&sigrestart_cached,
	    memory_order_relaxed);
	uint32_t	changes = atomic_load_explicit(&sigrestart_changes,
	    memory_order_acquire);

	if (c != 0 && (c >> 2) == (uint64_t)changes + 1)
		return ((int)(c & 3));
	return (sigrestart_policy_now());
}
