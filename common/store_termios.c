/*
 * store_termios.c - the stream-state store (common/store.h) in the pty's
 * kernel termios, for hosts with HOST_CAP_TERMIOS_STATE (Linux).
 *
 * Theory of operation.  A STREAMS subsidiary's module stack and XPG4v2
 * mark belong to the stream: every process that opens or inherits it sees
 * the same stack, it survives exec, and it dies with the pty.  Linux's
 * kernel termios of the pty has exactly those properties, and Linux
 * stores but never interprets c_cc[17] and c_cc[18] (VEOL2 is 16; the
 * kernel keeps 19 slots).  So:
 *   c_cc[17]  high nibble XSTATE_MAGIC (a pty libxpty set up), low nibble
 *             the XSTATE_* flags 0x01 to 0x08;
 *   c_cc[18]  the module stack, two bits a module (XM_PTEM, XM_LDTERM,
 *             XM_TTCOMPAT), bottom module in the low bits; its two high
 *             bits hold the XSTATE_* flags 0x10 and 0x20.
 * A pty without the magic was not made by libxpty and is left native.  A
 * new pty starts with a fresh termios, so a reused number starts bare.
 * Termios ioctls on a Linux manager act on the subsidiary's termios, so
 * either side's descriptor reads and writes the same state; so do the
 * library's and xptyd's.
 *
 * Concurrency: updates are read-modify-write of the termios (TCGETS then
 * TCSETS); two processes pushing on the same stream at the same instant
 * could lose one update, as documented in xpty(7) (CAVEATS), where the
 * library's pushes spare the read for 100 us (lib/termcache.c).  Every
 * xstate_put moves xstate_epoch first (common/store.h).
 *
 * A new pty's termios is always the same: Linux's pty driver resets it
 * to the driver's own at every allocation (TTY_DRIVER_RESET_TERMIOS),
 * and nobody else can touch a pty that is still locked and whose manager
 * only its maker holds.  So xstate_new reads it once per process and
 * sets every later new pty from that template, without reading it.
 * State: the template, written once by the first thread to claim it
 * and published with a release store (the others read the kernel until
 * then); never changed after.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "host.h"
#include "store.h"
#include "kterm.h"

#define SLOT_FLAGS	17
#define SLOT_STACK	18
#define STATE_MAGIC	0xa0	/* high nibble of slot 17 */
#define STATE_MAGICMASK	0xf0

const int xstate_paged = 0;
_Atomic(unsigned long) xstate_epoch;

static void
state_decode(const struct kterm *t, struct xstate *xst)
{
	unsigned int	stack = t->c_cc[SLOT_STACK];
	int		i;

	memset(xst, 0, sizeof(*xst));
	xst->managed = (t->c_cc[SLOT_FLAGS] & STATE_MAGICMASK) == STATE_MAGIC;
	if (!xst->managed)
		return;
	xst->flags = (t->c_cc[SLOT_FLAGS] & ~STATE_MAGICMASK) |
	    ((stack >> (2 * XSTACK_MAX)) & 3) << 4;
	for (i = 0; i < XSTACK_MAX; i++) {
		enum xpty_module	m = (stack >> (2 * i)) & 3;

		if (m == XM_NONE)
			break;
		xst->mods[xst->depth++] = m;
	}
}

static void
state_encode(const struct xstate *xst, struct kterm *t)
{
	unsigned int	stack = 0;
	int		i;

	for (i = 0; i < xst->depth && i < XSTACK_MAX; i++)
		stack |= ((unsigned int)xst->mods[i] & 3) << (2 * i);
	stack |= ((xst->flags >> 4) & 3) << (2 * XSTACK_MAX);
	t->c_cc[SLOT_FLAGS] = STATE_MAGIC | (xst->flags & 0x0f);
	t->c_cc[SLOT_STACK] = (cc_t)stack;
}

int
xstate_get(int fd, struct xstate *xst)
{
	struct kterm	t;

	if (xsys_tcget(fd, &t) == -1)
		return (-1);
	state_decode(&t, xst);
	return (0);
}

int
xstate_read(int fd, struct xstate *xst, struct kterm *t)
{
	if (xsys_tcget(fd, t) == -1)
		return (-1);
	state_decode(t, xst);
	return (0);
}

int
xstate_put(int fd, const struct xstate *xst, const struct kterm *base)
{
	struct kterm	t;

	xstate_touch();
	if (base != NULL)
		t = *base;
	else if (xsys_tcget(fd, &t) == -1)
		return (-1);
	state_encode(xst, &t);
	return (xsys_tcset(fd, KTERM_SET, &t));
}

void
xstate_preserve(const struct kterm *cur, struct kterm *next)
{
	xstate_preserve_cc(cur, next->c_cc);
}

void
xstate_preserve_cc(const struct kterm *cur, cc_t *next_cc)
{
	next_cc[SLOT_FLAGS] = cur->c_cc[SLOT_FLAGS];
	next_cc[SLOT_STACK] = cur->c_cc[SLOT_STACK];
}

#define TMPL_NONE	0
#define TMPL_CLAIMED	1
#define TMPL_READY	2

static struct kterm	tmpl;		/* a new pty's, made bare */
static _Atomic(int)	tmpl_state;

/* A new pty's termios, bare (raw, managed, no modules); -1 from the host. */
static int
state_new_termios(int mfd, struct kterm *t)
{
	struct xstate	xst;
	int		none = TMPL_NONE, fresh;

	if (atomic_load_explicit(&tmpl_state, memory_order_acquire) ==
	    TMPL_READY) {
		*t = tmpl;
		return (0);
	}
	if (xsys_tcget(mfd, t) == -1)
		return (-1);
	/* a termios some libxpty set up already is no template */
	state_decode(t, &xst);
	fresh = !xst.managed;
	xp_kterm_raw(t);
	memset(&xst, 0, sizeof(xst));
	xst.managed = 1;
	state_encode(&xst, t);
	if (fresh &&
	    atomic_compare_exchange_strong(&tmpl_state, &none, TMPL_CLAIMED)) {
		tmpl = *t;
		atomic_store_explicit(&tmpl_state, TMPL_READY,
		    memory_order_release);
	}
	return (0);
}

int
xstate_new(int mfd, int ptyno, int *pagefd)
{
	struct kterm	t;

	(void)ptyno;
	*pagefd = -1;
	if (state_new_termios(mfd, &t) == -1)
		return (-1);
	return (host_mgr_tcset(mfd, &t));
}

/* No room for XSTATE_FRESH: no host with HOST_CAP_OPEN_CLOSES uses this. */
int
xstate_fresh(int fd)
{
	(void)fd;
	return (0);
}

int
xstate_fresh_end(int fd)
{
	(void)fd;
	return (0);
}

void
xstate_dismantle(int fd)
{
	struct xstate	xst;
	struct kterm	t;
	int		saved = errno;

	if (xstate_read(fd, &xst, &t) == 0 && xst.managed) {
		/* the manager side's */
		unsigned	keep = xst.flags & XSTATE_PCKT;

		memset(&xst, 0, sizeof(xst));
		xst.managed = 1;
		xst.flags = keep;
		xp_kterm_raw(&t);
		(void)xstate_put(fd, &xst, &t);
	}
	errno = saved;
}

int
xstate_page_install(int ptyno, int pagefd)
{
	(void)ptyno;
	(void)pagefd;
	errno = ENOSYS;
	return (-1);
}

void
xstate_page_forget(int ptyno)
{
	(void)ptyno;
}

void
xstate_page_kill(int ptyno, int creator_only)
{
	(void)ptyno;
	(void)creator_only;
}
