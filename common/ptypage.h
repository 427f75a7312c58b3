/*
 * ptypage.h - the per-pty shared page: the stream state of a pty kept
 * outside its termios (the page store, lib/store_page.c), shared by every
 * process that opens or inherits the subsidiary or the manager, and by
 * xptyd, which keeps it for the pty's whole life.
 *
 * Theory of operation.  The page is one shared-memory object of
 * XP_PAGE_SIZE bytes (host_page_create, lib/host.h: a memfd on Linux)
 * that each process maps MAP_SHARED.  The process that opens the manager
 * makes it and fills the header before anyone else can see it; in the
 * relay engine it hands it to xptyd with the host manager (XP_ADOPT_PAGE,
 * common/proto.h), so no round trip is added to the open; any other
 * process fetches it (XP_PAGE) with a descriptor of the pty as proof.
 * The stream state is one 32-bit word, read on the hot path as one load
 * and changed by compare-and-swap (never a lost update, unlike the
 * termios store's read-modify-write); 32-bit lock-free atomics are
 * address-free, so processes mapping the page at different addresses
 * share them.  The pty's death (xptyd's hangup; in the direct engine, the
 * creator's last close of the manager) sets dead, never cleared: a page
 * that says dead belongs to an earlier pty of the same number, and the
 * process fetches or makes the current one.
 *
 * Layout (little or big endian: the page never leaves the machine):
 *   0..255     struct xp_page: the versioned header and the state word
 *   256..4095  reserved for the lease block (common/lease.h); this
 *              header does not define it, it only keeps it free
 * A reader checks magic and version and treats anything else as no page.
 *
 * The state word (XP_PS_*): bit 7 says the stream is libxpty's (the
 * termios store's magic), bits 0..6 the flags (lib/internal.h's
 * XSTATE_*), bits 8..15 the module stack, two bits a module, bottom
 * first (the termios store's c_cc[18]).
 *
 * Static inline, no state, no allocation: the preloaded library, the
 * daemon and tests include it.
 */
#ifndef XPTY_PTYPAGE_H
#define XPTY_PTYPAGE_H

#include <stddef.h>
#include <stdint.h>

#define XP_PAGE_SIZE		4096
#define XP_PAGE_MAGIC		0x70747078u	/* "xptp" */
#define XP_PAGE_VERSION		1
#define XP_PAGE_HDRLEN		256
#define XP_PAGE_LEASE_OFF	XP_PAGE_HDRLEN	/* common/lease.h */
#define XP_PAGE_LEASE_LEN	(XP_PAGE_SIZE - XP_PAGE_LEASE_OFF)

#define XP_PS_MANAGED		0x80u		/* the stream is libxpty's */
#define XP_PS_FLAGS		0x7fu		/* XSTATE_* */
#define XP_PS_STACK_SHIFT	8
#define XP_PS_STACK		0xff00u

struct xp_page {
	uint32_t	magic;		/* XP_PAGE_MAGIC */
	uint16_t	version;	/* XP_PAGE_VERSION */
	uint16_t	hdrlen;		/* XP_PAGE_HDRLEN */
	int32_t		ptyno;		/* the pty it belongs to */
	int32_t		creator;	/* pid of the process that made it */
	uint32_t	state;		/* XP_PS_* word: atomic access only */
	uint32_t	dead;		/* 1 once the pty is gone: atomic */
	uint8_t		spare[XP_PAGE_HDRLEN - 24];	/* zero */
};

_Static_assert(sizeof(struct xp_page) == XP_PAGE_HDRLEN,
    "the header is the first 256 bytes of the page");

/* Fill a new page's header (not yet shared with anyone). */
static inline void
xp_page_init(struct xp_page *pg, int ptyno, int creator, uint32_t state)
{
	pg->magic = XP_PAGE_MAGIC;
	pg->version = XP_PAGE_VERSION;
	pg->hdrlen = XP_PAGE_HDRLEN;
	pg->ptyno = ptyno;
	pg->creator = creator;
	__atomic_store_n(&pg->state, state, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->dead, 0, __ATOMIC_RELAXED);
}

/* Is this a page of pty ptyno that this code understands? */
static inline int
xp_page_valid(const struct xp_page *pg, int ptyno)
{
	return (pg->magic == XP_PAGE_MAGIC && pg->version == XP_PAGE_VERSION &&
	    pg->hdrlen == XP_PAGE_HDRLEN && pg->ptyno == ptyno);
}

static inline int
xp_page_dead(const struct xp_page *pg)
{
	return (__atomic_load_n(&pg->dead, __ATOMIC_ACQUIRE) != 0);
}

static inline void
xp_page_kill(struct xp_page *pg)
{
	__atomic_store_n(&pg->dead, 1, __ATOMIC_RELEASE);
}

static inline uint32_t
xp_page_state(const struct xp_page *pg)
{
	return (__atomic_load_n(&pg->state, __ATOMIC_ACQUIRE));
}

/* Replace the word if it still is *old; else *old is what it is now. */
static inline int
xp_page_cas(struct xp_page *pg, uint32_t *old, uint32_t new)
{
	return (__atomic_compare_exchange_n(&pg->state, old, new, 0,
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
}

#endif /* XPTY_PTYPAGE_H */
