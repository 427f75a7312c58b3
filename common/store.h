/*
 * store.h - the stream-state store: where a pty's STREAMS state (module
 * stack, XPG4v2 marks, pckt on the manager, the emulated lock) lives so
 * that every process that opens or inherits the subsidiary or the manager
 * sees the same, and it dies with the pty.  Two implementations, one
 * picked by configure (--with-store): the kernel termios slots
 * (common/store_termios.c, hosts with HOST_CAP_TERMIOS_STATE: Linux) and
 * a shared page per pty that xptyd keeps (common/store_page.c,
 * common/ptypage.h: the only one on hosts whose kernel resets the
 * termios at the first subsidiary open, the BSDs).  Linked into the
 * library and into xptyd, which dismantles a stream at the subsidiary's
 * last close with the same xstate_dismantle.
 *
 * Layer: the host layer (tests/layers.txt), above lib/sys.h and the
 * descriptor table, whose store_fd_ptyno() the page store calls.
 *
 * Contract of every call: fd is a descriptor of the pty (either side, or
 * the host manager); async-signal-safe, no allocation, no lock (the page
 * store maps its page with mmap, once per pty and process); -1 with errno
 * from the host (EIO: the subsidiary is hung up) on failure.  A pty whose
 * state libxpty did not set up (or, with the page store, whose page this
 * process cannot find) reads as managed = 0: native.
 */
#ifndef XPTY_STORE_H
#define XPTY_STORE_H

#include <stdatomic.h>
#include <stdint.h>
#include <termios.h>

#include "sys.h"		/* struct kterm */

#define XSTATE_PTSTTY		0x01	/* XPG4v2 mark (PTSSTTY on the manager) */
#define XSTATE_PTEM_XPG4	0x02	/* ptem passes zero-length writes */
#define XSTATE_HUNGUP		0x04	/* manager gone */
#define XSTATE_PCKT		0x08	/* pckt on the manager: report ioctls */
#define XSTATE_HOSTDATA		0x10	/* the manager has the host's semantics
					   (openpty, TIOCPKT; lib/ioctl_map.c) */
#define XSTATE_LOCKED		0x20	/* the emulated lock (no HOST_CAP_LOCK) */
#define XSTATE_FRESH		0x40	/* no subsidiary opened since the pty
					   was made, as far as libxpty can
					   tell (HOST_CAP_OPEN_CLOSES: its
					   hangup is no last close yet) */

enum xpty_module {
	XM_NONE = 0, XM_PTEM = 1, XM_LDTERM = 2, XM_TTCOMPAT = 3, XM_PCKT = 4
};
#define XSTACK_MAX	3	/* ptem, ldterm, ttcompat: single-instance */

struct xstate {
	int			managed;	/* libxpty set this pty up */
	unsigned		flags;		/* XSTATE_* */
	int			depth;
	enum xpty_module	mods[XSTACK_MAX];	/* [0] is the bottom */
};

/* 1 if this is the page store (pages must be made, passed, fetched). */
extern const int xstate_paged;

/* 1 if module m is on xst's stack (either store: pure). */
static inline int
xstate_has(const struct xstate *xst, enum xpty_module m)
{
	int	i;

	for (i = 0; i < xst->depth; i++)
		if (xst->mods[i] == m)
			return (1);
	return (0);
}

/*
 * The store's epoch: moved by every xstate_put in this process before
 * its change, and by xstate_touch, which code that changes a pty's
 * termios some other way calls first (lib/termcache.c trusts a termios
 * it holds only while the epoch stands still).
 */
extern _Atomic(unsigned long)	xstate_epoch;

static inline void
xstate_touch(void)
{
	atomic_fetch_add(&xstate_epoch, 1);
}

int	xstate_get(int fd, struct xstate *);
/* The state and the kernel termios together. */
int	xstate_read(int fd, struct xstate *, struct kterm *);
/* Store xst; with base non-NULL, set the termios to base as well. */
int	xstate_put(int fd, const struct xstate *, const struct kterm *base);
/* Keep the store's termios slots in a termios about to be set. */
void	xstate_preserve(const struct kterm *cur, struct kterm *next);
void	xstate_preserve_cc(const struct kterm *cur, cc_t *next_cc);

/*
 * A new pty (manager mfd, number ptyno) as a bare STREAMS subsidiary:
 * raw termios, managed, no modules (and XSTATE_LOCKED where the host has
 * no lock: no HOST_CAP_LOCK).  The page store makes a fresh page and puts
 * its descriptor in *pagefd (for xptyd; the caller closes it), the
 * termios store puts -1 there.
 */
int	xstate_new(int mfd, int ptyno, int *pagefd);

/*
 * The first-close rule (lib/host.h HOST_CAP_OPEN_CLOSES).  xstate_new
 * marks a new pty XSTATE_FRESH on such a host; xstate_fresh says whether
 * the pty of fd still carries the mark (1, else 0, and 0 on every other
 * host: one load of host_caps); xstate_fresh_end clears it (a subsidiary
 * was opened) and returns 1 if it was set.  The dismantling of a last
 * close clears it too.  Only the page store keeps the mark: such hosts
 * have no HOST_CAP_TERMIOS_STATE (the termios store has no room for it
 * and answers 0).  errno preserved.
 */
int	xstate_fresh(int fd);
int	xstate_fresh_end(int fd);

/*
 * The subsidiary's last close: what ptsclose() does to the stream.  No
 * modules, no XPG4v2 marks, raw termios; the manager's pckt mark and
 * the emulated lock stay (they are the manager's).  errno preserved.
 */
void	xstate_dismantle(int fd);

/*
 * Page store: map pagefd (from XP_PAGE or XP_ADOPT_PAGE) as the page of
 * pty ptyno in this process, replacing a dead one (pagefd stays the
 * caller's).  -1/EINVAL if it is no valid page of ptyno; the termios
 * store: -1/ENOSYS.  xstate_page_dead: the page of ptyno is gone (xptyd's
 * hangup; pty_destroy calls it), or, with creator_only, only if this
 * process made it (the direct engine's last close of its manager).
 */
int	xstate_page_install(int ptyno, int pagefd);
void	xstate_page_kill(int ptyno, int creator_only);
/*
 * Unmap and forget the page of ptyno: only where no other thread may be
 * reading it (xptyd, single-threaded, after xstate_page_kill).
 */
void	xstate_page_forget(int ptyno);

/*
 * The pty number of fd if the program's own table knows it cheaply, else
 * -1 (the page store then asks the host, host_classify).  The page store
 * defines it weakly as -1; lib/fdtable.c defines the library's.  Called
 * by the page store only.
 */
int	store_fd_ptyno(int fd);

#endif /* XPTY_STORE_H */
