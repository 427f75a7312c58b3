/*
 * host_pty.c - the per-stream state that SVR4 keeps in the stream
 * itself, kept in the pty's kernel termios.  (What differs between host
 * kernels is lib/host.h; this is the termios state store, for hosts
 * with HOST_CAP_TERMIOS_STATE.)
 *
 * Per-stream state.  A STREAMS subsidiary's module stack and XPG4v2 mark
 * belong to the stream: every process that opens or inherits it sees the
 * same stack, it survives exec, and it dies with the pty.  The kernel's
 * termios of the pty has exactly those properties, and Linux stores but
 * never interprets c_cc[17] and c_cc[18] (VEOL2 is 16; the kernel keeps 19
 * slots).  So:
 *   c_cc[17]  high nibble XSTATE_MAGIC (a pty libxpty set up), low nibble
 *             XSTATE_* flags;
 *   c_cc[18]  the module stack, two bits a module (XM_PTEM, XM_LDTERM,
 *             XM_TTCOMPAT), bottom module in the low bits; its two high
 *             bits hold the XSTATE_* flags 0x10 and 0x20.
 * A pty without the magic was not made by libxpty and is left native.  A
 * new pty starts with a fresh termios, so a reused number starts bare.
 * Termios ioctls on a Linux manager act on the subsidiary's termios, so
 * either side's descriptor reads and writes the same state.
 *
 * Concurrency: updates are read-modify-write of the termios (TCGETS then
 * TCSETS); two processes pushing on the same stream at the same instant
 * could lose one update, as documented in xpty(7).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "xpty.h"
#include "internal.h"

#define SLOT_FLAGS	17
#define SLOT_STACK	18

/* ---- per-stream state in the termios ---- */

static void
state_decode(const struct kterm *t, struct xstate *xst)
{
	unsigned int stack = t->c_cc[SLOT_STACK];
	int i;

	memset(xst, 0, sizeof(*xst));
	xst->managed = (t->c_cc[SLOT_FLAGS] & XSTATE_MAGICMASK) == XSTATE_MAGIC;
	if (!xst->managed)
		return;
	xst->flags = (t->c_cc[SLOT_FLAGS] & ~XSTATE_MAGICMASK) |
	    ((stack >> (2 * XSTACK_MAX)) & 3) << 4;
	for (i = 0; i < XSTACK_MAX; i++) {
		enum xpty_module m = (stack >> (2 * i)) & 3;

		if (m == XM_NONE)
			break;
		xst->mods[xst->depth++] = m;
	}
}

static void
state_encode(const struct xstate *xst, struct kterm *t)
{
	unsigned int stack = 0;
	int i;

	for (i = 0; i < xst->depth && i < XSTACK_MAX; i++)
		stack |= ((unsigned int)xst->mods[i] & 3) << (2 * i);
	stack |= ((xst->flags >> 4) & 3) << (2 * XSTACK_MAX);
	t->c_cc[SLOT_FLAGS] = XSTATE_MAGIC | (xst->flags & ~XSTATE_MAGICMASK);
	t->c_cc[SLOT_STACK] = (cc_t)stack;
}

int
xstate_get(int fd, struct xstate *xst)
{
	struct kterm t;

	if (xsys_tcget(fd, &t) == -1)
		return -1;
	state_decode(&t, xst);
	return 0;
}

int
xstate_read(int fd, struct xstate *xst, struct kterm *t)
{
	if (xsys_tcget(fd, t) == -1)
		return -1;
	state_decode(t, xst);
	return 0;
}

/*
 * Store xst; with base non-NULL the rest of the termios is replaced by
 * base (a module push or pop changing the line discipline) as well.
 */
int
xstate_put(int fd, const struct xstate *xst, const struct kterm *base)
{
	struct kterm t;

	if (base != NULL)
		t = *base;
	else if (xsys_tcget(fd, &t) == -1)
		return -1;
	state_encode(xst, &t);
	return xsys_tcset(fd, KTERM_SET, &t);
}

/* Copy libxpty's slots from the kernel into a termios about to be set. */
void
xstate_preserve(const struct kterm *cur, struct kterm *next)
{
	xstate_preserve_cc(cur, next->c_cc);
}

/* The same into the c_cc of a libc struct termios (or a kterm). */
void
xstate_preserve_cc(const struct kterm *cur, cc_t *next_cc)
{
	next_cc[SLOT_FLAGS] = cur->c_cc[SLOT_FLAGS];
	next_cc[SLOT_STACK] = cur->c_cc[SLOT_STACK];
}

int
xstate_has(const struct xstate *xst, enum xpty_module m)
{
	int i;

	for (i = 0; i < xst->depth; i++)
		if (xst->mods[i] == m)
			return 1;
	return 0;
}

/* A new pty as a bare STREAMS subsidiary: raw, no modules, marked ours. */
int
xstate_init_bare(int fd)
{
	struct xstate xst;
	struct kterm t;

	if (xsys_tcget(fd, &t) == -1)
		return -1;
	ldterm_raw(&t);
	memset(&xst, 0, sizeof(xst));
	xst.managed = 1;
	return xstate_put(fd, &xst, &t);
}
