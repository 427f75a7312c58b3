/*
 * lease.h - the lease block of the per-pty page: who may read a relayed
 * pty's host manager, and the atomic operations xptyd and the library use
 * on it (docs/lease.md has the protocol; tests/model/lease.pml checks it).
 *
 * Theory of operation.  A relayed manager's bytes normally go host manager
 * -> xptyd -> the application's socket.  Under the lease, the library's
 * own interposed reads take them from the host manager directly (its
 * private duplicate), and xptyd stays parked.  One word says which side
 * reads (struct lease_block.word): RELAY (xptyd), LEASED (library
 * readers, one at a time inside a short critical section, cs), REVOKING
 * (xptyd wants the path back and waits for cs to be free).  xptyd keeps
 * the path while it has a reason to (the holds: a marker to place, no
 * subsidiary, a hangup heard while parked, the pty closing, pckt
 * framing, the lease off).  A second word, written by xptyd alone
 * (dword), says whether xptyd is between a read of the host manager and
 * the send of what it read (dreading), and counts its sends into the
 * socket (out_seq), so a reader knows when the socket may have gained
 * bytes.  Library processes hold slots (struct lease_slot), given by
 * xptyd (XP_LEASE), so that xptyd can free cs when its holder dies.
 *
 * Placement: the block lives at XP_PAGE_LEASE_OFF (256) of the per-pty
 * page (common/ptypage.h, which reserves bytes 256..4095 for it) and
 * takes LEASE_BLOCK_SIZE of them.  Everything is 32-bit words accessed
 * with the __atomic builtins, which are lock-free and address-free for
 * that size, so processes mapping the page at different addresses share
 * them; futexes on word, cs and dword are shared (not private) ones.
 *
 * Versioning: magic, version and size are written by xptyd before the
 * first XP_LEASE reply, and never change for the page's life.  A reader
 * that finds anything else (an older or newer xptyd, no lease yet) does
 * not lease: it reads the socket, as the relay engine always did.  A new
 * field may only be added in the reserved tail with a version bump.
 *
 * Who writes what:
 *   magic, version, size, nslots, idle_ms   xptyd, once, before any reply
 *   word   state and holds: CAS by both sides, under the rules below;
 *          LEASE_F_EIO: set by a library reader inside cs, cleared by
 *          xptyd when it settles
 *   cs     CAS 0 -> slot + 1 by a library reader (lease_cs_enter), back
 *          to 0 by the same reader (lease_cs_leave) or by xptyd when the
 *          holder's process is gone (lease_cs_reap); LEASE_CS_WAITERS by
 *          a reader about to futex-wait for it
 *   reads  library readers, relaxed increment per delivering read
 *   dword  xptyd only (lease_may_read, lease_sent, lease_read_done)
 *   dwaiters  library readers around a futex wait on dword
 *   slot[i].owner, .serial  xptyd only (XP_LEASE, reaping)
 * Memory orders: every access that takes part in the mutual exclusion
 * between xptyd's reads and the library's (word, cs, dword) is seq_cst,
 * as the model assumes; reads is relaxed (it only times the expiry);
 * the constants are read with acquire after the magic.
 *
 * Invariants (docs/lease.md proves them, the model checks them):
 *   LEASED implies no holds and no LEASE_F_EIO;
 *   the host manager is read by xptyd only while word is RELAY and
 *   dreading is set, by a library reader only inside cs with word LEASED,
 *   dreading clear and out_seq unchanged since its socket was found empty.
 *
 * Static inline, no state, no allocation, async-signal-safe: both the
 * preloaded library and the daemon include it (like common/proto.h).
 */
#ifndef XPTY_LEASE_H
#define XPTY_LEASE_H

#include <stddef.h>
#include <stdint.h>

#define LEASE_MAGIC		0x6573616cu	/* "lase" */
#define LEASE_VERSION		1
#define LEASE_NSLOTS		64	/* library processes per pty */
#define LEASE_IDLE_MS		5	/* xptyd's expiry tick, default */

/* word: bits 0..1 the state */
#define LEASE_STATE_MASK	0x00000003u
#define LEASE_RELAY		0x00000000u	/* xptyd reads the host manager */
#define LEASE_LEASED		0x00000001u	/* library readers do */
#define LEASE_REVOKING		0x00000002u	/* xptyd waits for cs */
/* word: bit 2, set by the library inside cs */
#define LEASE_F_EIO		0x00000004u	/* a reader read EIO: last close */
/* word: bits 8..15, xptyd's holds (no lease while any is set) */
#define LEASE_HOLD_INJ		0x00000100u	/* a marker is queued (injq) */
#define LEASE_HOLD_HUP		0x00000200u	/* no subsidiary (p->hup) */
#define LEASE_HOLD_DRAIN	0x00000400u	/* read to EAGAIN/EIO first */
#define LEASE_HOLD_CLOSING	0x00000800u	/* hanging up */
#define LEASE_HOLD_PCKT		0x00001000u	/* framed: xptyd frames */
#define LEASE_HOLD_OFF		0x00002000u	/* leases disabled */
#define LEASE_HOLDS		0x0000ff00u
/* bits 3..7 and 16..31 are zero in version 1 */

/* cs: 0, or the holder's slot + 1 in bits 0..15 */
#define LEASE_CS_SLOT		0x0000ffffu
#define LEASE_CS_WAITERS	0x80000000u	/* a reader futex-waits on cs */

/* dword: bit 0 dreading, bits 1..31 out_seq (wraps; compared for ==) */
#define LEASE_DREADING		0x00000001u
#define LEASE_OUT_ONE		0x00000002u

struct lease_slot {
	uint32_t	owner;		/* pid (xptyd's view), 0 if free */
	uint32_t	serial;		/* bumped at each XP_LEASE grant */
	uint32_t	spare[2];	/* zero */
};

struct lease_block {
	/* constants, written once by xptyd (line 0) */
	uint32_t	magic;		/* LEASE_MAGIC */
	uint16_t	version;	/* LEASE_VERSION */
	uint16_t	size;		/* sizeof(struct lease_block) */
	uint32_t	nslots;		/* LEASE_NSLOTS */
	uint32_t	idle_ms;	/* the expiry tick xptyd uses */
	uint32_t	spare0[12];
	/* the readers' line: word, cs, reads (line 1) */
	uint32_t	word;
	uint32_t	cs;
	uint32_t	reads;
	uint32_t	spare1[13];
	/* xptyd's line (line 2) */
	uint32_t		dword;
	uint32_t		dwaiters;
	uint32_t		spare2[14];
	uint32_t		spare3[16];	/* line 3, reserved */
	struct lease_slot	slot[LEASE_NSLOTS];
};

#define LEASE_BLOCK_SIZE	(256 + LEASE_NSLOTS * 16)

_Static_assert(sizeof(struct lease_slot) == 16, "a slot is 16 bytes");
_Static_assert(offsetof(struct lease_block, word) == 64,
    "word and cs share the readers' cache line");
_Static_assert(offsetof(struct lease_block, dword) == 128,
    "dword has xptyd's own line");
_Static_assert(sizeof(struct lease_block) == LEASE_BLOCK_SIZE,
    "the block's size is fixed by its version");
_Static_assert(LEASE_BLOCK_SIZE <= 4096 - 256,
    "the block fits the page's reserved region (common/ptypage.h)");

#define LEASE_SC	__ATOMIC_SEQ_CST

static inline uint32_t
lease_state(uint32_t w)
{
	return (w & LEASE_STATE_MASK);
}

/* ---- both sides ---- */

/* Is this a version-1 block that xptyd has initialised? */
static inline int
lease_valid(const struct lease_block *b)
{
	return (__atomic_load_n(&b->magic, __ATOMIC_ACQUIRE) == LEASE_MAGIC &&
	    b->version == LEASE_VERSION && b->size == LEASE_BLOCK_SIZE &&
	    b->nslots == LEASE_NSLOTS);
}

static inline uint32_t
lease_word(const struct lease_block *b)
{
	return (__atomic_load_n(&b->word, LEASE_SC));
}

static inline uint32_t
lease_dword(const struct lease_block *b)
{
	return (__atomic_load_n(&b->dword, LEASE_SC));
}

static inline uint32_t
lease_cs(const struct lease_block *b)
{
	return (__atomic_load_n(&b->cs, LEASE_SC));
}

/* ---- the library (lib/lease.c) ---- */

/*
 * lease_take: inside cs, CAS RELAY with no holds and no F_EIO -> LEASED.
 * Returns the word as it is now (LEASED if this or an earlier take won).
 */
static inline uint32_t
lease_take(struct lease_block *b)
{
	uint32_t	w = lease_word(b);

	while (w == LEASE_RELAY) {
		if (__atomic_compare_exchange_n(&b->word, &w, LEASE_LEASED, 0,
		    LEASE_SC, LEASE_SC))
			return (LEASE_LEASED);
	}
	return (w);
}

/*
 * lease_cs_enter: CAS cs 0 -> slot + 1.  1 on success; 0 if busy (the
 * caller futex-waits on cs with LEASE_CS_WAITERS set, or gives up).
 */
static inline int
lease_cs_enter(struct lease_block *b, unsigned slot)
{
	uint32_t	zero = 0;

	return (__atomic_compare_exchange_n(&b->cs, &zero,
	    (uint32_t)(slot + 1) & LEASE_CS_SLOT, 0, LEASE_SC, LEASE_SC));
}

/*
 * Mark cs as waited for, if it is still held as seen in *seen; returns
 * 1 if the caller may futex-wait on cs for the value in *seen.
 */
static inline int
lease_cs_mark_waiting(struct lease_block *b, uint32_t *seen)
{
	uint32_t	want;

	if (*seen == 0)
		return (0);
	want = *seen | LEASE_CS_WAITERS;
	if (*seen == want)
		return (1);
	if (__atomic_compare_exchange_n(&b->cs, seen, want, 0, LEASE_SC,
	    LEASE_SC)) {
		*seen = want;
		return (1);
	}
	return (*seen != 0);	/* *seen is the new value */
}

/*
 * lease_cs_leave: cs back to 0.  Returns 1 if someone waits on it (the
 * caller futex-wakes cs).
 */
static inline int
lease_cs_leave(struct lease_block *b)
{
	return ((__atomic_exchange_n(&b->cs, 0, LEASE_SC) &
	    LEASE_CS_WAITERS) != 0);
}

/*
 * lease_note_eio: inside cs, after read() of the host manager gave EIO:
 * the last close is recorded (F_EIO) and no reader reads the host
 * manager until xptyd has placed its zero-length message.  The word is
 * LEASED or REVOKING here (xptyd cannot settle while cs is held).
 */
static inline void
lease_note_eio(struct lease_block *b)
{
	uint32_t	w = lease_word(b), n;

	do
		n = (w & ~LEASE_STATE_MASK) | LEASE_REVOKING | LEASE_F_EIO;
	while (!__atomic_compare_exchange_n(&b->word, &w, n, 0, LEASE_SC,
	    LEASE_SC));
}

/* A read delivered bytes: what xptyd's expiry tick looks at. */
static inline void
lease_count_read(struct lease_block *b)
{
	__atomic_fetch_add(&b->reads, 1, __ATOMIC_RELAXED);
}

/*
 * May a reader inside cs read the host manager, having found the socket
 * empty when out_seq was seen_out?  w, d: the word and dword it loaded
 * (in that order, after lease_cs_enter).
 */
static inline int
lease_may_take_bytes(uint32_t w, uint32_t d, uint32_t seen_out)
{
	return (lease_state(w) == LEASE_LEASED && (d & LEASE_DREADING) == 0 &&
	    (d & ~LEASE_DREADING) == (seen_out & ~LEASE_DREADING));
}

/* ---- xptyd (daemon/lease.c) ---- */

/* Initialise a zeroed block (before the first XP_LEASE reply). */
static inline void
lease_init(struct lease_block *b, uint32_t idle_ms, uint32_t holds)
{
	b->version = LEASE_VERSION;
	b->size = LEASE_BLOCK_SIZE;
	b->nslots = LEASE_NSLOTS;
	b->idle_ms = idle_ms;
	__atomic_store_n(&b->word, holds & LEASE_HOLDS, LEASE_SC);
	__atomic_store_n(&b->cs, 0, LEASE_SC);
	__atomic_store_n(&b->dword, 0, LEASE_SC);
	__atomic_store_n(&b->magic, LEASE_MAGIC, __ATOMIC_RELEASE);
}

/*
 * lease_revoke: add holds (0 for an expiry) and, if LEASED, go to
 * REVOKING, in one CAS.  Returns the word before.  The library gives a
 * lease back with it too (no holds: lib/engine_lease.c's lease_gather).
 */
static inline uint32_t
lease_revoke(struct lease_block *b, uint32_t holds)
{
	uint32_t	w = lease_word(b), n;

	do {
		n = w | (holds & LEASE_HOLDS);
		if (lease_state(w) == LEASE_LEASED)
			n = (n & ~LEASE_STATE_MASK) | LEASE_REVOKING;
	} while (n != w && !__atomic_compare_exchange_n(&b->word, &w, n, 0,
	    LEASE_SC, LEASE_SC));
	return (w);
}

/* Drop holds (the reasons are gone); the state does not change. */
static inline void
lease_unhold(struct lease_block *b, uint32_t holds)
{
	__atomic_fetch_and(&b->word, ~(holds & LEASE_HOLDS), LEASE_SC);
}

/*
 * lease_settle: REVOKING and cs free -> RELAY.  Returns -1 if not now
 * (not REVOKING, or cs held: retry on the timer), 1 if a reader had
 * noted a last close (F_EIO, cleared here, and LEASE_HOLD_HUP set: place
 * the zero-length message before reading the host manager), else 0.
 */
static inline int
lease_settle(struct lease_block *b)
{
	uint32_t	w = lease_word(b), n;

	do {
		if (lease_state(w) != LEASE_REVOKING ||
		    (lease_cs(b) & LEASE_CS_SLOT) != 0)
			return (-1);
		n = w & LEASE_HOLDS;
		if (w & LEASE_F_EIO)
			n |= LEASE_HOLD_HUP;
	} while (!__atomic_compare_exchange_n(&b->word, &w, n, 0, LEASE_SC,
	    LEASE_SC));
	return ((w & LEASE_F_EIO) != 0);
}

/*
 * lease_may_read: before each read of the host manager: set dreading,
 * then load the word.  1 if xptyd may read (RELAY); else dreading is
 * cleared again and the caller parks.
 */
static inline int
lease_may_read(struct lease_block *b)
{
	__atomic_fetch_or(&b->dword, LEASE_DREADING, LEASE_SC);
	if (lease_state(lease_word(b)) == LEASE_RELAY)
		return (1);
	__atomic_fetch_and(&b->dword, ~LEASE_DREADING, LEASE_SC);
	return (0);
}

/*
 * lease_sent: after a send (or a shutdown) into a data connection has
 * returned: out_seq + 1; with done, dreading is cleared in the same
 * store (nothing read is left unsent).  Returns 1 if readers futex-wait
 * on dword (the caller wakes them).
 */
static inline int
lease_sent(struct lease_block *b, int done)
{
	uint32_t	d = __atomic_load_n(&b->dword, LEASE_SC) +
	    LEASE_OUT_ONE;

	if (done)
		d &= ~LEASE_DREADING;
	__atomic_store_n(&b->dword, d, LEASE_SC);	/* xptyd: sole writer */
	return (__atomic_load_n(&b->dwaiters, LEASE_SC) != 0);
}

/* A read that found nothing (EAGAIN): dreading cleared. */
static inline int
lease_read_done(struct lease_block *b)
{
	__atomic_fetch_and(&b->dword, ~LEASE_DREADING, LEASE_SC);
	return (__atomic_load_n(&b->dwaiters, LEASE_SC) != 0);
}

/*
 * lease_cs_reap: the process of slot is gone: free cs if it holds it.
 * Returns 1 if it did (the caller futex-wakes cs and retries settling).
 */
static inline int
lease_cs_reap(struct lease_block *b, unsigned slot)
{
	uint32_t	cur = lease_cs(b);

	while ((cur & LEASE_CS_SLOT) == ((slot + 1) & LEASE_CS_SLOT)) {
		if (__atomic_compare_exchange_n(&b->cs, &cur, 0, 0, LEASE_SC,
		    LEASE_SC))
			return (1);
	}
	return (0);
}

/* Library reads so far (xptyd's tick compares two of them). */
static inline uint32_t
lease_reads(const struct lease_block *b)
{
	return (__atomic_load_n(&b->reads, __ATOMIC_RELAXED));
}

#endif /* XPTY_LEASE_H */
