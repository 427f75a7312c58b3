/*
 * unit_lease.c - common/lease.h on its own: the layout at its place in
 * the page, every transition of the lease word and who may make it, and
 * the mutual exclusion between "xptyd reads the host manager" and "a
 * library reader reads it", stressed by two processes sharing a page
 * (the helpers' seq_cst accesses on real hardware; the protocol itself
 * is checked by tests/model/lease.pml).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <sys/mman.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lease.h"
#include "tap.h"

#define PAGE_LEASE_OFF	256	/* common/ptypage.h: XP_PAGE_LEASE_OFF */
#define STRESS_ROUNDS	200000
#define STRESS_SECS	20
#define STRESS_TAIL_SECS	5	/* each wait for the reader; < STRESS_SECS / 2 */

static void
check_layout(void)
{
	is_int(sizeof(struct lease_block), LEASE_BLOCK_SIZE,
	    "the block is LEASE_BLOCK_SIZE bytes");
	ok(PAGE_LEASE_OFF + LEASE_BLOCK_SIZE <= 4096,
	    "it fits the page after the 256-byte header");
	is_int(offsetof(struct lease_block, word) % 64, 0,
	    "word starts a cache line");
	is_int(offsetof(struct lease_block, dword) / 64,
	    offsetof(struct lease_block, word) / 64 + 1,
	    "dword is on the next line, xptyd's own");
}

static void
check_transitions(struct lease_block *b)
{
	uint32_t	w, seen;

	memset(b, 0, sizeof(*b));
	ok(!lease_valid(b), "a zeroed block is not valid (no lease)");
	lease_init(b, LEASE_IDLE_MS, 0);
	ok(lease_valid(b), "valid once xptyd has initialised it");
	b->version = LEASE_VERSION + 1;
	ok(!lease_valid(b), "another version is not used");
	b->version = LEASE_VERSION;

	is_int(lease_state(lease_word(b)), LEASE_RELAY, "starts in RELAY");
	ok(lease_cs_enter(b, 3), "cs free: entered");
	ok(!lease_cs_enter(b, 4), "cs held: a second reader waits");
	is_int(lease_take(b), LEASE_LEASED, "take: RELAY -> LEASED");
	is_int(lease_take(b), LEASE_LEASED, "take again: stays LEASED");
	ok(lease_may_take_bytes(lease_word(b), lease_dword(b), 0),
	    "leased, nothing in flight, out_seq unchanged: may read");
	ok(!lease_may_take_bytes(lease_word(b), lease_dword(b) + LEASE_OUT_ONE,
	    0), "out_seq moved: back to the socket");
	ok(!lease_may_take_bytes(lease_word(b), LEASE_DREADING, 0),
	    "xptyd's read in flight: wait");
	ok(!lease_cs_leave(b), "leave: nobody waiting");

	ok(!lease_may_read(b), "xptyd may not read while LEASED");
	is_int(lease_dword(b) & LEASE_DREADING, 0, "... and dreading is clear");
	w = lease_revoke(b, LEASE_HOLD_INJ);
	is_int(lease_state(w), LEASE_LEASED, "revoke saw LEASED");
	is_int(lease_state(lease_word(b)), LEASE_REVOKING, "now REVOKING");
	ok(lease_cs_enter(b, 3), "a reader enters cs while REVOKING");
	ok(!lease_may_take_bytes(lease_word(b), lease_dword(b), 0),
	    "... and may not read");
	is_int(lease_settle(b), -1, "settle waits while cs is held");
	seen = lease_cs(b);
	ok(lease_cs_mark_waiting(b, &seen), "a second reader marks cs waited");
	ok(lease_cs_reap(b, 3), "the holder's death frees cs");
	ok(!lease_cs_reap(b, 3), "reaping twice does nothing");
	is_int(lease_settle(b), 0, "settle: REVOKING -> RELAY, no close");
	is_int(lease_word(b), LEASE_RELAY | LEASE_HOLD_INJ,
	    "RELAY, the hold kept");
	is_int(lease_take(b), LEASE_RELAY | LEASE_HOLD_INJ,
	    "no take while a hold is set");
	ok(lease_may_read(b), "xptyd may read in RELAY");
	ok(!lease_sent(b, 1), "sent: nobody waits on dword");
	is_int(lease_dword(b), LEASE_OUT_ONE, "out_seq 1, dreading clear");
	lease_unhold(b, LEASE_HOLD_INJ);
	is_int(lease_take(b), LEASE_LEASED, "hold gone: take");

	ok(lease_cs_enter(b, 5), "a reader enters to read");
	lease_note_eio(b);
	w = lease_word(b);
	ok(lease_state(w) == LEASE_REVOKING && (w & LEASE_F_EIO),
	    "EIO noted: REVOKING | F_EIO");
	is_int(lease_take(b), w, "no take after a noted close");
	ok(!lease_cs_leave(b), "leave");
	is_int(lease_settle(b), 1, "settle reports the noted close");
	is_int(lease_word(b), LEASE_RELAY | LEASE_HOLD_HUP,
	    "RELAY, F_EIO cleared, HOLD_HUP set");
	w = lease_revoke(b, 0);
	is_int(w, LEASE_RELAY | LEASE_HOLD_HUP, "an expiry in RELAY changes nothing");
}

/*
 * Two processes: a "reader" that enters cs, takes the lease and, when
 * lease_may_take_bytes says so, marks in_h for the length of a "read";
 * an "xptyd" that revokes, settles and, when lease_may_read says so,
 * marks in_d for the length of its read and send.  in_h and in_d must
 * never be set at once.
 */
/* The length of a "read": long enough for the two to overlap if allowed. */
static void
dwell(void)
{
	volatile int	k;

	for (k = 0; k < 200; k++)
		;
}

struct arena {
	struct lease_block	b;
	uint32_t		in_h, in_d, bad, reads, dreads, stop, started;
};

static void
stress_reader(struct arena *a)
{
	uint32_t	w, d, seen;

	__atomic_store_n(&a->started, 1, LEASE_SC);
	while (!__atomic_load_n(&a->stop, __ATOMIC_RELAXED)) {
		seen = lease_dword(&a->b);
		if (!lease_cs_enter(&a->b, 1))
			continue;
		w = lease_take(&a->b);
		d = lease_dword(&a->b);
		if (lease_may_take_bytes(w, d, seen)) {
			__atomic_store_n(&a->in_h, 1, LEASE_SC);
			if (__atomic_load_n(&a->in_d, LEASE_SC))
				__atomic_store_n(&a->bad, 1, LEASE_SC);
			dwell();
			__atomic_add_fetch(&a->reads, 1, LEASE_SC);
			__atomic_store_n(&a->in_h, 0, LEASE_SC);
		}
		(void)lease_cs_leave(&a->b);
	}
}

/* One round of the "xptyd": a revocation or an expiry, then its read. */
static void
stress_round(struct arena *a, unsigned i)
{
	unsigned	k;

	/* every third round with a hold (a marker), else an expiry */
	if (i % 3 == 0) {
		/* the timer's retries until the reader has left cs */
		(void)lease_revoke(&a->b, LEASE_HOLD_DRAIN);
		for (k = 0; k < 1000000 && lease_settle(&a->b) == -1 &&
		    lease_state(lease_word(&a->b)) == LEASE_REVOKING; k++)
			;
	} else {
		if (i % 3 == 1)
			(void)lease_revoke(&a->b, 0);
		(void)lease_settle(&a->b);
	}
	if (lease_may_read(&a->b)) {
		__atomic_store_n(&a->in_d, 1, LEASE_SC);
		if (__atomic_load_n(&a->in_h, LEASE_SC))
			__atomic_store_n(&a->bad, 1, LEASE_SC);
		dwell();
		a->dreads++;
		__atomic_store_n(&a->in_d, 0, LEASE_SC);
		(void)lease_sent(&a->b, 1);
	}
	lease_unhold(&a->b, LEASE_HOLD_DRAIN);
}

/*
 * STRESS_ROUNDS rounds once the reader runs.  On a loaded machine the
 * reader may get no CPU during them (seen under ASan with the machine's
 * two cores busy: 0 library reads in 200000 rounds), so the rounds go on
 * until it has read once, for at most STRESS_TAIL_SECS more.
 */
static void
stress_daemon(struct arena *a)
{
	struct timespec	ms = { 0, 1000000 };
	time_t		until = time(NULL) + STRESS_TAIL_SECS;
	unsigned	i;

	while (!__atomic_load_n(&a->started, LEASE_SC) && time(NULL) < until)
		(void)nanosleep(&ms, NULL);
	for (i = 0; i < STRESS_ROUNDS; i++)
		stress_round(a, i);
	until = time(NULL) + STRESS_TAIL_SECS;
	while (__atomic_load_n(&a->reads, LEASE_SC) == 0 &&
	    time(NULL) < until)
		stress_round(a, i++);
}

static void
check_stress(void)
{
	struct arena	*a;
	pid_t		 pid;
	int		 st;

	a = mmap(NULL, sizeof(*a), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!ok(a != MAP_FAILED, "a shared arena"))
		return;
	memset(a, 0, sizeof(*a));
	lease_init(&a->b, LEASE_IDLE_MS, 0);
	if ((pid = fork()) == 0) {
		alarm(STRESS_SECS);
		stress_reader(a);
		_exit(0);
	}
	alarm(STRESS_SECS);
	stress_daemon(a);
	__atomic_store_n(&a->stop, 1, LEASE_SC);
	waitpid(pid, &st, 0);
	alarm(0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the reader process ended");
	is_int(a->bad, 0, "never both reading the host manager "
	    "(%u library reads, %u xptyd reads)", a->reads, a->dreads);
	ok(a->reads > 0 && a->dreads > 0, "both sides read at some point");
	munmap(a, sizeof(*a));
}

int
main(void)
{
	static struct lease_block	b;

	check_layout();
	check_transitions(&b);
	check_stress();
	return (done_testing());
}
