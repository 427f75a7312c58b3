/*
 * forkgate.c - keep fork() from copying the descriptor table half-made.
 *
 * fork() does not copy a process at one instant: the kernel copies the
 * descriptor table first, then the memory, page by page, while the other
 * threads go on running.  A thread that opens a pty and records it in
 * fdtable.c meanwhile can leave the child a slot naming a descriptor the
 * child never got (and whose number the child then reuses), or a free
 * list whose top was copied before, and its links after, a change.
 * Such a child failed one time in a hundred with EBADF from unlockpt() on
 * a fresh manager: attaching over the stale slot released a stale stream
 * and closed its "host manager", which was the child's new one.
 *
 * The cure is a gate around every change of libxpty's descriptor state
 * (fdtable.c's slots, private records and free list; libxpty.c's dup
 * family, whose system call and slot change go together): each such
 * change happens inside the gate, and fork()'s prepare handler
 * (pthread_atfork) closes the gate and waits until the threads inside
 * have left; the parent and child handlers open it again.  While fork
 * runs, nothing changes.  The order of the steps does the rest: a slot is
 * filled only after its descriptor exists and emptied before it is
 * closed, so a child copied between the two sees a descriptor it does not
 * manage (as if it had been opened after the fork), never a slot without
 * its descriptor.  Daemon requests and other waits are never made inside
 * the gate: sections are a few system calls long and never block.
 *
 * The gate is a counter of the threads inside, with a count of the forks
 * under way in its upper half: several threads may fork at once, and the
 * gate stays closed until the last of them is through (a "closed" bit
 * that the first fork to finish cleared let a thread in while another
 * fork was still copying the table).  A thread entering a closed gate
 * yields until it opens, unless it is already inside (a signal handler
 * calling close() over a section it interrupted), which the per-thread
 * depth tells; the prepare handler does not wait for the forking
 * thread's own sections either.  A section held longer than FG_WAIT_MS
 * (a handler that blocks inside it) is given up on: the fork goes ahead,
 * as it did before there was a gate.
 * Entering and leaving are two atomic operations and async-signal-safe.
 *
 * State: the gate word; each thread's depth (4 bytes of initial-exec
 * TLS).  The handlers are registered once, by the constructor
 * (libxpty.c).
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "internal.h"

#define FG_INSIDE	0x0000ffffu	/* threads inside */
#define FG_FORK		0x00010000u	/* one fork under way (upper half) */
#define FG_WAIT_MS	1000

static _Atomic(unsigned)	gate;
static __thread unsigned	depth __attribute__((tls_model("initial-exec")));

void
xfd_gate_enter(void)
{
	unsigned	v;

	if (depth++ > 0) {
		atomic_fetch_add(&gate, 1);	/* nested: never wait */
		return;
	}
	v = atomic_load(&gate);
	for (;;) {
		if (v & ~FG_INSIDE) {		/* closed: a fork is under way */
			sched_yield();
			v = atomic_load(&gate);
			continue;
		}
		if (atomic_compare_exchange_weak(&gate, &v, v + 1))
			return;
	}
}

void
xfd_gate_leave(void)
{
	depth--;
	atomic_fetch_sub(&gate, 1);
}

/* Wait about 1 ms. */
static void
fg_pause(void)
{
	struct timespec	ts = { 0, 1000000 };

	nanosleep(&ts, NULL);
}

static void
fg_prepare(void)
{
	int	n;

	defer_promote_all();	/* defer.c: a child shares the manager */
	atomic_fetch_add(&gate, FG_FORK);
	for (n = 0; (atomic_load(&gate) & FG_INSIDE) > depth; n++) {
		if (n < 1000)
			sched_yield();
		else if (n < 1000 + FG_WAIT_MS)
			fg_pause();
		else
			break;
	}
}

static void
fg_parent(void)
{
	atomic_fetch_sub(&gate, FG_FORK);
}

/*
 * The other threads, and their sections, are not in the child; nor is
 * the start of the daemon one of them may have been making (relay.c).
 */
static void
fg_child(void)
{
	atomic_store(&gate, depth);
	relay_forked();
	lease_forked();		/* the child joins with slots of its own */
}

void
xfd_gate_init(void)
{
	static _Atomic(int)	done;

	if (atomic_exchange(&done, 1) == 0)
		(void)pthread_atfork(fg_prepare, fg_parent, fg_child);
}
