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
 *
 * A slot whose low bit is set holds one of libxpty's own private
 * descriptors (the relay's host manager dups); the rest of the pointer
 * addresses the int that records that descriptor, so it can be moved when
 * the application dup2()s over it.
 *
 * Memory comes from mmap, never malloc: these run inside wrappers that
 * may be called from signal handlers or from an allocator.
 */
#include "config.h"

#include <sys/mman.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "xpty.h"
#include "internal.h"

#define PAGE_SHIFT	10
#define PAGE_SLOTS	(1U << PAGE_SHIFT)
#define DIR_SLOTS	(1U << 21)
#define SLAB_BYTES	(64 * 1024)

typedef _Atomic(uintptr_t) slot_t;
typedef _Atomic(void *) block_ref;	/* a block mapped on first use */

static block_ref fd_dir;	/* DIR_SLOTS block_refs, each to a page */
static struct xstream *free_list;
static atomic_flag free_lock = ATOMIC_FLAG_INIT;
static _Atomic(int) fd_max = -1;
_Atomic(int) xfd_count;

static void *
map_zeroed(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * The block *ref points to, mapping a zeroed one of len bytes and
 * installing it with compare-and-swap if there is none yet; the loser of
 * a race unmaps its own and takes the winner's.  NULL: out of memory.
 */
static void *
block_get(block_ref *ref, size_t len)
{
	void *cur, *fresh;

	cur = atomic_load_explicit(ref, memory_order_acquire);
	if (cur != NULL)
		return cur;
	fresh = map_zeroed(len);
	if (fresh == NULL)
		return NULL;
	if (!atomic_compare_exchange_strong(ref, &cur, fresh)) {
		munmap(fresh, len);
		return cur;
	}
	return fresh;
}

static slot_t *
slot_for(int fd, int create)
{
	block_ref *dir;
	slot_t *page;
	unsigned int hi;

	if (fd < 0)
		return NULL;
	dir = create ? block_get(&fd_dir, DIR_SLOTS * sizeof(block_ref)) :
	    atomic_load_explicit(&fd_dir, memory_order_acquire);
	if (dir == NULL)
		return NULL;
	hi = (unsigned int)fd >> PAGE_SHIFT;
	page = create ? block_get(&dir[hi], PAGE_SLOTS * sizeof(slot_t)) :
	    atomic_load_explicit(&dir[hi], memory_order_acquire);
	if (page == NULL)
		return NULL;
	return &page[(unsigned int)fd & (PAGE_SLOTS - 1)];
}

/* What fd's slot holds (0: nothing, or no slot); lock-free. */
static uintptr_t
slot_value(int fd)
{
	slot_t *slot;

	if (atomic_load_explicit(&fd_dir, memory_order_relaxed) == NULL)
		return 0;
	if ((slot = slot_for(fd, 0)) == NULL)
		return 0;
	return atomic_load_explicit(slot, memory_order_acquire);
}

struct xstream *
xfd_lookup(int fd)
{
	uintptr_t v = slot_value(fd);

	if (v & 1)
		return NULL;
	return (struct xstream *)v;
}

static void
note_max(int fd)
{
	int cur = atomic_load(&fd_max);

	while (fd > cur && !atomic_compare_exchange_weak(&fd_max, &cur, fd))
		;
}

int
xfd_highest(void)
{
	return atomic_load(&fd_max);
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
	slot_t *slot;
	uintptr_t old;

	if ((slot = slot_for(fd, 1)) == NULL)
		return;		/* out of memory: the fd stays native */
	atomic_fetch_add(&xs->refs, 1);
	atomic_fetch_add(&xfd_count, 1);
	note_max(fd);
	old = atomic_exchange(slot, (uintptr_t)xs);
	slot_drop(old);
}

void
xfd_detach(int fd)
{
	slot_t *slot;

	if ((slot = slot_for(fd, 0)) == NULL)
		return;
	slot_drop(atomic_exchange(slot, 0));
}

void
xfd_detach_range(unsigned int first, unsigned int last)
{
	int hi = xfd_highest();
	unsigned int fd;

	if (hi < 0 || first > (unsigned int)hi)
		return;
	if (last > (unsigned int)hi)
		last = (unsigned int)hi;
	for (fd = first; fd <= last; fd++) {
		slot_t *slot = slot_for((int)fd, 0);

		if (slot != NULL && (atomic_load(slot) & 1) == 0)
			slot_drop(atomic_exchange(slot, 0));
	}
}

int *
xfd_private_owner(int fd)
{
	uintptr_t v = slot_value(fd);

	return (v & 1) ? (int *)(v & ~(uintptr_t)1) : NULL;
}

void
xfd_set_private(int fd, int *owner)
{
	slot_t *slot;

	if ((slot = slot_for(fd, owner != NULL)) == NULL)
		return;
	if (owner != NULL)
		note_max(fd);
	atomic_store(slot, owner != NULL ? ((uintptr_t)owner | 1) : 0);
}

/*
 * Move a private descriptor out of the way of the application (before a
 * dup2() onto its number, for instance).  Returns 0, or -1 if it could
 * not be moved; the owner's record follows the move.
 */
int
xfd_private_evict(int fd)
{
	int *owner = xfd_private_owner(fd);
	int nfd;

	if (owner == NULL)
		return 0;
	nfd = xsys_fcntl(fd, F_DUPFD_CLOEXEC, XPTY_PRIVATE_FDMIN);
	if (nfd == -1)
		return -1;
	xfd_set_private(fd, NULL);
	xfd_set_private(nfd, owner);
	XS_STORE(*owner, nfd);	/* owner may be an xstream's hostfd */
	xsys_close(fd);
	return 0;
}

/*
 * ---- xstream allocation: a free list over mmap'd slabs ----
 * The list is guarded by a spin flag taken with all signals blocked, so a
 * handler that closes a managed descriptor cannot deadlock against the
 * thread it interrupted.  Only pty open and last close come here.
 */

static void
free_list_lock(sigset_t *saved)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, saved);
	while (atomic_flag_test_and_set_explicit(&free_lock, memory_order_acquire))
		;
}

static void
free_list_unlock(const sigset_t *saved)
{
	atomic_flag_clear_explicit(&free_lock, memory_order_release);
	pthread_sigmask(SIG_SETMASK, saved, NULL);
}

static int
slab_refill(void)
{
	struct xstream *slab;
	size_t i, n = SLAB_BYTES / sizeof(struct xstream);

	if ((slab = map_zeroed(SLAB_BYTES)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		slab[i].next_free = free_list;
		free_list = &slab[i];
	}
	return 0;
}

struct xstream *
xstream_new(enum xpty_kind kind, int ptyno)
{
	struct xstream *xs = NULL;
	sigset_t saved;

	free_list_lock(&saved);
	if (free_list != NULL || slab_refill() == 0) {
		xs = free_list;
		free_list = xs->next_free;
	}
	free_list_unlock(&saved);
	if (xs == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	atomic_store_explicit(&xs->refs, 0, memory_order_relaxed);
	XS_STORE(xs->kind, kind);
	XS_STORE(xs->ptyno, ptyno);
	XS_STORE(xs->hostfd, -1);
	memset(&xs->engine, 0, sizeof(*xs) - offsetof(struct xstream, engine));
	xs->rdopt = RNORM | RPROTNORM;
	return xs;
}

void
xstream_release(struct xstream *xs)
{
	sigset_t saved;

	if (atomic_fetch_sub(&xs->refs, 1) != 1)
		return;
	if (xs->hostfd >= 0) {
		xfd_set_private(xs->hostfd, NULL);
		xsys_close(xs->hostfd);
		XS_STORE(xs->hostfd, -1);
	}
	free_list_lock(&saved);
	xs->next_free = free_list;
	free_list = xs;
	free_list_unlock(&saved);
}
