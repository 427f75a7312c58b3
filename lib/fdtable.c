/*
 * fdtable.c - which descriptors libxpty manages, and what they are.
 *
 * A table indexed directly by descriptor number maps each managed
 * descriptor to the struct xstream of its open file description; dup()ed
 * descriptors point to the same xstream, which counts them.  The table has
 * two levels: a directory of 2^21 page pointers (reserved with mmap but
 * only touched where used) and pages of 1024 slots, so any int descriptor
 * fits and nothing is allocated until the first pty is opened.
 *
 * Reads are lock-free: a relaxed check of the directory pointer, then two
 * acquire loads.  A process that manages nothing pays one load per
 * interposed call.  Writers never lock either: the directory and the
 * pages are installed with compare-and-swap (block_get()), slots are
 * swapped atomically, reference counts are atomic.  That keeps close(), dup2() and friends async-signal-safe on
 * managed descriptors too.  Freed xstreams go to a free list and their
 * memory is never unmapped, so a lookup racing with a close in another
 * thread reads stale but valid memory (an application race in any case).
 * The free list is a lock-free stack of slab indexes whose top carries a
 * generation count (no ABA), so allocation needs neither a lock nor
 * blocked signals.
 *
 * A slot whose low bit is set holds one of libxpty's own private
 * descriptors (the relay's host manager dups); the rest of the pointer
 * addresses the int that records that descriptor, so it can be moved when
 * the application dup2()s over it.
 *
 * Memory comes from mmap, never malloc: these run inside wrappers that
 * may be called from signal handlers or from an allocator.
 *
 * Every change here happens inside forkgate.c's gate, so that fork()
 * never copies a change half made (a slot, a private record, the free
 * list); a slot is filled only after its descriptor exists and emptied
 * before it is closed (the callers' order).
 */
#include "config.h"

#include <sys/mman.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "xpty.h"
#include "internal.h"

#define PAGE_SHIFT	10
#define PAGE_SLOTS	(1U << PAGE_SHIFT)
#define DIR_SLOTS	(1U << 21)
#define SLAB_BYTES	(64 * 1024)
#define SLAB_ITEMS	(SLAB_BYTES / sizeof(struct xstream))
#define SLAB_MAX	4096		/* xstreams: SLAB_MAX * SLAB_ITEMS */

typedef _Atomic(uintptr_t) slot_t;
typedef _Atomic(void *) block_ref;	/* a block mapped on first use */

void *_Atomic xfd_dir;	/* DIR_SLOTS block_refs, each to a page */
/* free list: generation << 32 | (index + 1) of the top, 0 if empty */
static _Atomic(uint64_t) free_top;
static struct xstream *_Atomic slabs[SLAB_MAX];
static _Atomic(uint32_t) nslabs;
static _Atomic(int) fd_max = -1;
_Atomic(int) xfd_count;

/* where the host cannot map without reserving swap, it reserves it */
#ifndef MAP_NORESERVE
#define MAP_NORESERVE	0
#endif

static void *
map_zeroed(size_t len)
{
	void	*p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return (p == MAP_FAILED ? NULL : p);
}

/*
 * The block *ref points to, mapping a zeroed one of len bytes and
 * installing it with compare-and-swap if there is none yet; the loser of
 * a race unmaps its own and takes the winner's.  NULL: out of memory.
 */
static void *
block_get(block_ref *ref, size_t len)
{
	void	*cur, *fresh;

	cur = atomic_load_explicit(ref, memory_order_acquire);
	if (cur != NULL)
		return (cur);
	fresh = map_zeroed(len);
	if (fresh == NULL)
		return (NULL);
	if (!atomic_compare_exchange_strong(ref, &cur, fresh)) {
		munmap(fresh, len);
		return (cur);
	}
	return (fresh);
}

static slot_t *
slot_for(int fd, int create)
{
	block_ref *dir;
	slot_t		*page;
	unsigned int	 hi;

	if (fd < 0)
		return (NULL);
	dir = create ? block_get(&xfd_dir, DIR_SLOTS * sizeof(block_ref)) :
	    atomic_load_explicit(&xfd_dir, memory_order_acquire);
	if (dir == NULL)
		return (NULL);
	hi = (unsigned int)fd >> PAGE_SHIFT;
	page = create ? block_get(&dir[hi], PAGE_SLOTS * sizeof(slot_t)) :
	    atomic_load_explicit(&dir[hi], memory_order_acquire);
	if (page == NULL)
		return (NULL);
	return (&page[(unsigned int)fd & (PAGE_SLOTS - 1)]);
}

/* What fd's slot holds (0: nothing, or no slot); lock-free. */
static uintptr_t
slot_value(int fd)
{
	slot_t	*slot;

	if (atomic_load_explicit(&xfd_dir, memory_order_relaxed) == NULL)
		return (0);
	if ((slot = slot_for(fd, 0)) == NULL)
		return (0);
	return (atomic_load_explicit(slot, memory_order_acquire));
}

struct xstream *
xfd_lookup_slow(int fd)
{
	uintptr_t	v = slot_value(fd);

	if (v & 1)
		return (NULL);
	return ((struct xstream *)v);
}

static void
note_max(int fd)
{
	int	cur = atomic_load(&fd_max);

	while (fd > cur && !atomic_compare_exchange_weak(&fd_max, &cur, fd))
		;
}

int
xfd_highest(void)
{
	return (atomic_load(&fd_max));
}

static void
slot_drop(uintptr_t old)
{
	if (old == 0 || (old & 1))
		return;
	atomic_fetch_sub(&xfd_count, 1);
	xstream_release((struct xstream *)old);
}

void
xfd_attach(int fd, struct xstream *xs)
{
	slot_t		*slot;
	uintptr_t	 old;

	if ((slot = slot_for(fd, 1)) == NULL)
		return;		/* out of memory: the fd stays native */
	xfd_gate_enter();
	atomic_fetch_add(&xs->refs, 1);
	atomic_fetch_add(&xfd_count, 1);
	note_max(fd);
	old = atomic_exchange(slot, (uintptr_t)xs);
	slot_drop(old);
	xfd_gate_leave();
}

void
xfd_detach(int fd)
{
	slot_t	*slot;

	if ((slot = slot_for(fd, 0)) == NULL)
		return;
	xfd_gate_enter();
	slot_drop(atomic_exchange(slot, 0));
	xfd_gate_leave();
}

void
xfd_detach_range(unsigned int first, unsigned int last)
{
	int		hi = xfd_highest();
	unsigned int	fd;

	if (hi < 0 || first > (unsigned int)hi)
		return;
	if (last > (unsigned int)hi)
		last = (unsigned int)hi;
	xfd_gate_enter();
	for (fd = first; fd <= last; fd++) {
		slot_t	*slot = slot_for((int)fd, 0);

		if (slot != NULL && (atomic_load(slot) & 1) == 0)
			slot_drop(atomic_exchange(slot, 0));
	}
	xfd_gate_leave();
}

int *
xfd_private_owner(int fd)
{
	uintptr_t	v = slot_value(fd);

	return ((v & 1) ? (int *)(v & ~(uintptr_t)1) : NULL);
}

void
xfd_set_private(int fd, int *owner)
{
	slot_t	*slot;

	if ((slot = slot_for(fd, owner != NULL)) == NULL)
		return;
	xfd_gate_enter();
	if (owner != NULL)
		note_max(fd);
	atomic_store(slot, owner != NULL ? ((uintptr_t)owner | 1) : 0);
	xfd_gate_leave();
}

/*
 * Move a private descriptor out of the way of the application (before a
 * dup2() onto its number, for instance).  Returns 0, or -1 if it could
 * not be moved; the owner's record follows the move.
 */
int
xfd_private_evict(int fd)
{
	int	*owner;
	int	 nfd;

	xfd_gate_enter();
	if ((owner = xfd_private_owner(fd)) == NULL) {
		xfd_gate_leave();
		return (0);
	}
	nfd = xsys_fcntl(fd, F_DUPFD_CLOEXEC, XPTY_PRIVATE_FDMIN);
	if (nfd != -1) {
		xfd_set_private(fd, NULL);
		xfd_set_private(nfd, owner);
		XS_STORE(*owner, nfd);	/* owner may be an xstream's hostfd */
		xsys_close(fd);
	}
	xfd_gate_leave();
	return (nfd == -1 ? -1 : 0);
}

/*
 * ---- xstream allocation: a free list over mmap'd slabs ----
 * Only pty open and last close come here, possibly from signal handlers:
 * every step is a compare-and-swap loop, never a lock.
 */

static struct xstream *
slot_xstream(uint32_t slot)
{
	uint32_t	i = slot - 1;

	return (atomic_load_explicit(&slabs[i / SLAB_ITEMS],
	    memory_order_acquire) + i % SLAB_ITEMS);
}

/* Push the chain first..last (linked through next_free) on the list. */
static void
free_push(struct xstream *first, struct xstream *last)
{
	uint64_t	top = atomic_load_explicit(&free_top,
	    memory_order_relaxed);
	uint64_t	gen;

	do {
		gen = (top >> 32) + 1;
		atomic_store_explicit(&last->next_free, (uint32_t)top,
		    memory_order_relaxed);
	} while (!atomic_compare_exchange_weak_explicit(&free_top, &top,
	    gen << 32 | first->slot, memory_order_release,
	    memory_order_relaxed));
}

static struct xstream *
free_pop(void)
{
	uint64_t	 top = atomic_load_explicit(&free_top,
	    memory_order_acquire);
	struct xstream	*xs;
	uint32_t	 next;

	do {
		if ((uint32_t)top == 0)
			return (NULL);
		xs = slot_xstream((uint32_t)top);
		next = atomic_load_explicit(&xs->next_free,
		    memory_order_relaxed);
	} while (!atomic_compare_exchange_weak_explicit(&free_top, &top,
	    ((top >> 32) + 1) << 32 | next, memory_order_acquire,
	    memory_order_acquire));
	return (xs);
}

/* A new slab, its items chained and pushed; -1 if none can be had. */
static int
slab_refill(void)
{
	struct xstream	*slab;
	uint32_t	 n, i;

	if ((n = atomic_fetch_add(&nslabs, 1)) >= SLAB_MAX) {
		atomic_fetch_sub(&nslabs, 1);
		return (-1);
	}
	if ((slab = map_zeroed(SLAB_BYTES)) == NULL)
		return (-1);	/* slab n stays unused */
	for (i = 0; i < SLAB_ITEMS; i++) {
		slab[i].slot = n * SLAB_ITEMS + i + 1;
		if (i + 1 < SLAB_ITEMS)
			atomic_store_explicit(&slab[i].next_free,
			    slab[i].slot + 1, memory_order_relaxed);
	}
	atomic_store_explicit(&slabs[n], slab, memory_order_release);
	free_push(&slab[0], &slab[SLAB_ITEMS - 1]);
	return (0);
}

struct xstream *
xstream_new(enum xpty_kind kind, int ptyno)
{
	struct xstream	*xs;

	xfd_gate_enter();
	while ((xs = free_pop()) == NULL) {
		if (slab_refill() == -1) {
			xfd_gate_leave();
			errno = ENOMEM;
			return (NULL);
		}
	}
	xfd_gate_leave();
	atomic_store_explicit(&xs->refs, 0, memory_order_relaxed);
	atomic_fetch_add_explicit(&xs->gen, 1, memory_order_relaxed);
	XS_STORE(xs->kind, kind);
	XS_STORE(xs->ptyno, ptyno);
	XS_STORE(xs->hostfd, -1);
	memset(&xs->engine, 0, sizeof(*xs) - offsetof(struct xstream, engine));
	xs->rdopt = RNORM | RPROTNORM;
	return (xs);
}

void
xstream_release(struct xstream *xs)
{
	int	hfd;

	if (atomic_fetch_sub(&xs->refs, 1) != 1)
		return;
	xstate_touch();		/* lib/termcache.c: its pty may be freed */
	defer_released(xs);
	xfd_gate_enter();
	if (xs->lease_map != NULL) {
		lease_unmap(xs->lease_map);	/* engine_lease.c */
		xs->lease_map = NULL;
		__atomic_store_n(&xs->lease, NULL, __ATOMIC_RELEASE);
	}
	if ((hfd = XS_LOAD(xs->hostfd)) >= 0) {
		xfd_set_private(hfd, NULL);
		xsys_close(hfd);
		XS_STORE(xs->hostfd, -1);
	}
	free_push(xs, xs);
	xfd_gate_leave();
}

/*
 * The pty number of a managed descriptor, from its xstream (one load),
 * for the page store (common/store.h); -1 for any other.
 */
int
store_fd_ptyno(int fd)
{
	struct xstream	*xs = xfd_lookup(fd);

	return (xs != NULL ? XS_LOAD(xs->ptyno) : -1);
}
