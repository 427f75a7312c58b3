/*
 * store_page.c - the stream-state store (common/store.h) in a shared page
 * per pty (common/ptypage.h), which xptyd keeps for the pty's whole life.
 * For hosts whose kernel resets the termios at the first subsidiary open
 * (HOST_CAP_OPEN_RESETS: the BSDs, host_bsdimit.c), and on Linux when
 * configure is given --with-store=page.
 *
 * Theory of operation.  Each process has a registry, pty number -> the
 * address where that pty's page is mapped.  A slot's address never
 * changes once it is set: a newer page for the same number (the number
 * was reused) is mapped over it with MAP_FIXED, so a thread that loaded
 * the address a moment ago reads valid memory (the newer page), never an
 * unmapped one.  The registry is two levels of mmap'd blocks, installed
 * with compare-and-swap, never freed: lock-free and async-signal-safe.
 * A page comes into a process three ways: xstate_new() makes it when the
 * process opens a manager (the relay engine hands it to xptyd with
 * XP_ADOPT_PAGE); xstate_page_install() maps one fetched from xptyd
 * (XP_PAGE, lib/relay.c) or, in xptyd, one adopted; fork inherits the
 * mappings.  A page that says dead is an earlier pty's: reads of it fail
 * with EIO (that pty is hung up), and the adoption points fetch or make
 * the current one.  In the direct engine no daemon keeps the page: the
 * state is this process's and its children's (exec loses it), and the
 * creator marks it dead at its last close of the manager.
 *
 * The state word is read with one load and written with one atomic store
 * (xstate_put stores what its caller computed, as the termios store
 * does) or a compare-and-swap loop (xstate_dismantle, and
 * xstate_fresh_end, which clears the first-close rule's XSTATE_FRESH
 * that xstate_new sets on HOST_CAP_OPEN_CLOSES hosts).  The termios is
 * the kernel's as ever: the modes the modules set live there; this store
 * never touches its c_cc slots.
 *
 * Descriptors: the page's descriptor belongs to whoever made or received
 * it (xstate_new hands it to its caller); this file keeps only mappings.
 * State: the registry.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "store.h"
#include "kterm.h"
#include "ptypage.h"

#define REG_SHIFT	10
#define REG_SLOTS	(1U << REG_SHIFT)	/* slots per block */
#define REG_BLOCKS	1024U			/* ptys 0 .. 2^20 - 1 */

typedef struct xp_page *_Atomic page_ref;
typedef page_ref *_Atomic block_ref;

static block_ref	registry[REG_BLOCKS];

const int xstate_paged = 1;
_Atomic(unsigned long) xstate_epoch;

/* The registry slot of ptyno, made if create; NULL if out of range/memory. */
static page_ref *
reg_slot(int ptyno, int create)
{
	block_ref	*bref;
	page_ref	*blk, *fresh;

	if (ptyno < 0 || (unsigned)ptyno >= REG_SLOTS * REG_BLOCKS)
		return (NULL);
	bref = &registry[(unsigned)ptyno >> REG_SHIFT];
	blk = atomic_load_explicit(bref, memory_order_acquire);
	if (blk == NULL && create) {
		fresh = mmap(NULL, REG_SLOTS * sizeof(page_ref),
		    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (fresh == MAP_FAILED)
			return (NULL);
		if (atomic_compare_exchange_strong(bref, &blk, fresh))
			blk = fresh;
		else
			munmap(fresh, REG_SLOTS * sizeof(page_ref));
	}
	if (blk == NULL)
		return (NULL);
	return (&blk[(unsigned)ptyno & (REG_SLOTS - 1)]);
}

/* The page mapped for ptyno in this process, valid or not, or NULL. */
static struct xp_page *
reg_page(int ptyno)
{
	page_ref	*slot = reg_slot(ptyno, 0);

	return (slot == NULL ? NULL :
	    atomic_load_explicit(slot, memory_order_acquire));
}

/*
 * Map pagefd as ptyno's page: over the slot's address if it has one,
 * else at a new address that the slot then keeps.
 */
static struct xp_page *
reg_map(int ptyno, int pagefd)
{
	page_ref	*slot;
	struct xp_page	*cur, *pg;

	if ((slot = reg_slot(ptyno, 1)) == NULL) {
		errno = ENOMEM;
		return (NULL);
	}
	cur = atomic_load_explicit(slot, memory_order_acquire);
	pg = mmap(cur, XP_PAGE_SIZE, PROT_READ | PROT_WRITE,
	    MAP_SHARED | (cur != NULL ? MAP_FIXED : 0), pagefd, 0);
	if (pg == MAP_FAILED)
		return (NULL);
	if (cur == NULL && !atomic_compare_exchange_strong(slot, &cur, pg)) {
		/* another thread mapped one first: take its address */
		munmap(pg, XP_PAGE_SIZE);
		pg = mmap(cur, XP_PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_FIXED, pagefd, 0);
		if (pg == MAP_FAILED)
			return (NULL);
	}
	return (pg);
}

/* The live page of the pty fd belongs to; NULL, errno EIO if it is dead. */
static struct xp_page *
live_page(int fd, int *ptyno)
{
	struct xp_page	*pg;

	if ((*ptyno = store_fd_ptyno(fd)) < 0 &&
	    host_classify(fd, ptyno) == HOST_NONE)
		*ptyno = -1;
	errno = 0;
	if (*ptyno < 0 || (pg = reg_page(*ptyno)) == NULL ||
	    !xp_page_valid(pg, *ptyno))
		return (NULL);
	if (xp_page_dead(pg)) {
		errno = EIO;
		return (NULL);
	}
	return (pg);
}

static void
word_decode(uint32_t w, struct xstate *xst)
{
	unsigned int	stack = (w & XP_PS_STACK) >> XP_PS_STACK_SHIFT;
	int		i;

	memset(xst, 0, sizeof(*xst));
	if (!(w & XP_PS_MANAGED))
		return;
	xst->managed = 1;
	xst->flags = w & XP_PS_FLAGS;
	for (i = 0; i < XSTACK_MAX; i++) {
		enum xpty_module	m = (stack >> (2 * i)) & 3;

		if (m == XM_NONE)
			break;
		xst->mods[xst->depth++] = m;
	}
}

static uint32_t
word_encode(const struct xstate *xst)
{
	uint32_t	stack = 0;
	int		i;

	for (i = 0; i < xst->depth && i < XSTACK_MAX; i++)
		stack |= ((uint32_t)xst->mods[i] & 3) << (2 * i);
	return (XP_PS_MANAGED | (xst->flags & XP_PS_FLAGS) |
	    (stack << XP_PS_STACK_SHIFT));
}

int
xstate_get(int fd, struct xstate *xst)
{
	struct xp_page	*pg;
	int		 ptyno;

	if ((pg = live_page(fd, &ptyno)) == NULL) {
		if (errno == EIO)
			return (-1);
		memset(xst, 0, sizeof(*xst));	/* not ours, or not known here */
		return (0);
	}
	word_decode(xp_page_state(pg), xst);
	return (0);
}

int
xstate_read(int fd, struct xstate *xst, struct kterm *t)
{
	if (xsys_tcget(fd, t) == -1)
		return (-1);
	return (xstate_get(fd, xst));
}

int
xstate_put(int fd, const struct xstate *xst, const struct kterm *base)
{
	struct xp_page	*pg;
	int		 ptyno;

	xstate_touch();
	if ((pg = live_page(fd, &ptyno)) == NULL) {
		if (errno == 0)
			errno = ENOENT;
		return (-1);
	}
	if (base != NULL && xsys_tcset(fd, KTERM_SET, base) == -1)
		return (-1);
	__atomic_store_n(&pg->state, word_encode(xst), __ATOMIC_RELEASE);
	return (0);
}

void
xstate_preserve(const struct kterm *cur, struct kterm *next)
{
	(void)cur;
	(void)next;
}

void
xstate_preserve_cc(const struct kterm *cur, cc_t *next_cc)
{
	(void)cur;
	(void)next_cc;
}

int
xstate_new(int mfd, int ptyno, int *pagefd)
{
	struct xp_page	*tmp;
	struct kterm	 t;
	uint32_t	 w = XP_PS_MANAGED;
	int		 fd, saved;

	*pagefd = -1;
	if (!(host_caps & HOST_CAP_LOCK))
		w |= XSTATE_LOCKED;
	if (host_caps & HOST_CAP_OPEN_CLOSES)
		w |= XSTATE_FRESH;	/* the allocator's close is no close */
	if (xsys_tcget(mfd, &t) == -1)
		return (-1);
	xp_kterm_raw(&t);
	if (host_mgr_tcset(mfd, &t) == -1)	/* no subsidiary open yet */
		return (-1);
	if ((fd = host_page_create()) == -1)
		return (-1);
	if (xsys_ftruncate(fd, XP_PAGE_SIZE) == -1)
		goto fail;
	/* filled before anyone can see it, then mapped into the registry */
	tmp = mmap(NULL, XP_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (tmp == MAP_FAILED)
		goto fail;
	xp_page_init(tmp, ptyno, (int)xsys_getpid(), w);
	munmap(tmp, XP_PAGE_SIZE);
	if (reg_map(ptyno, fd) == NULL)
		goto fail;
	*pagefd = fd;
	return (0);
fail:
	saved = errno;
	xsys_close(fd);
	errno = saved;
	return (-1);
}

int
xstate_fresh(int fd)
{
	struct xp_page	*pg;
	int		 ptyno, saved = errno, r = 0;

	if ((host_caps & HOST_CAP_OPEN_CLOSES) &&
	    (pg = live_page(fd, &ptyno)) != NULL)
		r = (xp_page_state(pg) & (XP_PS_MANAGED | XSTATE_FRESH)) ==
		    (XP_PS_MANAGED | XSTATE_FRESH);
	errno = saved;
	return (r);
}

int
xstate_fresh_end(int fd)
{
	struct xp_page	*pg;
	uint32_t	 w;
	int		 ptyno, saved = errno, r = 0;

	if ((host_caps & HOST_CAP_OPEN_CLOSES) &&
	    (pg = live_page(fd, &ptyno)) != NULL) {
		w = xp_page_state(pg);
		while ((w & XSTATE_FRESH) && !(r = xp_page_cas(pg, &w,
		    w & ~XSTATE_FRESH)))
			;
	}
	errno = saved;
	return (r);
}

void
xstate_dismantle(int fd)
{
	struct xp_page	*pg;
	struct kterm	 t;
	uint32_t	 w;
	int		 ptyno, saved = errno;

	if ((pg = live_page(fd, &ptyno)) != NULL &&
	    ((w = xp_page_state(pg)) & XP_PS_MANAGED)) {
		/* the manager's marks stay: pckt, and the lock until unlockpt */
		while (!xp_page_cas(pg, &w,
		    XP_PS_MANAGED | (w & (XSTATE_PCKT | XSTATE_LOCKED))))
			;
		/*
		 * The raw modes a bare stream has.  Not where the kernel
		 * resets the termios at the next first open anyway (the
		 * library's adoption sets them raw then, lib/adopt.c): on
		 * NetBSD, OpenBSD and macOS a termios set on the manager
		 * discards the output queued for it, which a subsidiary
		 * opened again since the last close may have written.
		 */
		if (!(host_caps & HOST_CAP_OPEN_RESETS) &&
		    xsys_tcget(fd, &t) == 0) {
			xp_kterm_raw(&t);
			(void)host_mgr_tcset(fd, &t);
		}
	}
	errno = saved;
}

int
xstate_page_install(int ptyno, int pagefd)
{
	struct stat	 st;
	struct xp_page	*pg;

	if (xsys_fstat(pagefd, &st) == -1)
		return (-1);
	if (st.st_size < XP_PAGE_SIZE) {
		errno = EINVAL;
		return (-1);
	}
	if ((pg = reg_map(ptyno, pagefd)) == NULL)
		return (-1);
	if (!xp_page_valid(pg, ptyno)) {
		errno = EINVAL;
		return (-1);
	}
	return (0);
}

void
xstate_page_forget(int ptyno)
{
	page_ref	*slot = reg_slot(ptyno, 0);
	struct xp_page	*pg;

	if (slot != NULL &&
	    (pg = atomic_exchange(slot, (struct xp_page *)NULL)) != NULL)
		munmap(pg, XP_PAGE_SIZE);
}

/* Used where the program does not say (lib/fdtable.c does). */
__attribute__((weak)) int
store_fd_ptyno(int fd)
{
	(void)fd;
	return (-1);
}

void
xstate_page_kill(int ptyno, int creator_only)
{
	struct xp_page	*pg = reg_page(ptyno);

	if (pg != NULL && xp_page_valid(pg, ptyno) &&
	    (!creator_only || pg->creator == (int32_t)xsys_getpid()))
		xp_page_kill(pg);
}
