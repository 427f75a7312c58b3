/*
 * lease.c - xptyd's side of the lease (docs/lease.md 5, common/lease.h):
 * a relayed pty's lease block, its slots, the expiry tick, and the
 * revokes and settles that give the data path back to the relay.
 *
 * Theory of operation.  A pty gets a block at its first XP_LEASE (a
 * library process about to read it under the lease engine): the block
 * lives in the pty's page (the page store's, or a page of its own here,
 * host_page_create) at XP_PAGE_LEASE_OFF, mapped MAP_SHARED by xptyd and
 * every library holder.  From then on pty.c asks before each read of the
 * host manager (lease_pty_begin_read: dreading set, the word RELAY) and
 * tells after each send into a data connection (lease_pty_sent: out_seq
 * moved, dreading cleared once nothing read is unsent), so a library
 * reader that finds the word LEASED reads the host manager itself without
 * overtaking anything xptyd holds.  While the word is not RELAY the host
 * manager's read event is off (pty_can_read_master): xptyd is parked and
 * costs nothing but its tick.
 *
 * The tick (every idle_ms, XPTY_LEASE_MS, default 5, only while the word
 * is LEASED or REVOKING): LEASED with no library read since the last tick
 * is revoked (an expiry: stdio readers and processes without libxpty get
 * the bytes through the socket within two ticks); REVOKING settles as
 * soon as no reader is inside the critical section (cs), reaping the cs
 * of a holder whose process is gone.  Back in RELAY the tick stops and
 * pty.c takes over (pty_lease_back).  Holds (a marker queued, no
 * subsidiary, the hangup, pckt, released) are xptyd's reasons to keep the
 * path: setting one revokes in the same CAS, and no lease is granted
 * while one is set (lease_pty_hold, lease_pty_unhold).  A reader that read
 * the last close (EIO) notes it in the word; the settle then has pty.c
 * enter PTY_NOSUBSID before the host manager is read again.
 *
 * Slots: one per library process (the control connection's peer pid),
 * freed when that process is gone (looked at when a slot is wanted and
 * when a REVOKING pty's cs is held), or taken over by a new XP_LEASE of
 * the same pid (a new image after exec).  Without peer pids (hosts that
 * cannot say) every grant takes a free slot and cs is never reaped.
 *
 * XPTY_LEASE=0 for xptyd refuses every XP_LEASE (the relay engine for
 * everyone).  Descriptors: a page made here (l->pagefd), closed by
 * lease_pty_free; the page store's is the pty's.  State: per pty, struct
 * lease below, on the loop's one thread.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xptyd.h"
#include "host.h"
#include "lease.h"
#include "ptypage.h"

struct lease {
	struct pty		*p;
	struct lease_block	*b;
	void			*map;
	int			 pagefd;	/* made here, or -1 */
	struct event		*tick;
	uint32_t		 reads;		/* lease_reads at the last tick */
};

static int	lease_ms = -1;		/* XPTY_LEASE_MS; 0: leases off */

static int
lease_idle_ms(void)
{
	const char	*e;
	long		 v;

	if (lease_ms != -1)
		return (lease_ms);
	lease_ms = LEASE_IDLE_MS;
	if ((e = getenv("XPTY_LEASE")) != NULL && strcmp(e, "0") == 0)
		lease_ms = 0;
	else if ((e = getenv("XPTY_LEASE_MS")) != NULL && *e != '\0') {
		v = strtol(e, NULL, 10);
		if (v >= 1 && v <= 1000)
			lease_ms = (int)v;
	}
	return (lease_ms);
}

static void	lease_tick_cb(evutil_socket_t, short, void *);

/* Map a page for the block: the pty's page store page, or a new one. */
static int
lease_map(struct lease *l, int storefd)
{
	int	fd = storefd;

	if (fd == -1) {
		if ((fd = host_page_create()) == -1)
			return (-1);
		if (ftruncate(fd, XP_PAGE_SIZE) == -1) {
			close(fd);
			return (-1);
		}
		l->pagefd = fd;
	}
	l->map = mmap(NULL, XP_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (l->map == MAP_FAILED) {
		l->map = NULL;
		return (-1);
	}
	l->b = (struct lease_block *)((char *)l->map + XP_PAGE_LEASE_OFF);
	return (0);
}

void
lease_pty_free(struct lease *l)
{
	if (l == NULL)
		return;
	if (l->tick != NULL)
		event_free(l->tick);
	if (l->map != NULL)
		munmap(l->map, XP_PAGE_SIZE);
	if (l->pagefd != -1)
		close(l->pagefd);
	free(l);
}

/* The block of pty p, made at its first grant: holds as p is now. */
static struct lease *
lease_make(struct pty *p, uint32_t holds, int busy)
{
	struct lease	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (NULL);
	l->p = p;
	l->pagefd = -1;
	if ((l->tick = event_new(loop_base(), -1, EV_PERSIST, lease_tick_cb,
	    l)) == NULL || lease_map(l, pty_page(p)) == -1) {
		lease_pty_free(l);
		return (NULL);
	}
	memset(l->b, 0, sizeof(*l->b));
	lease_init(l->b, (uint32_t)lease_idle_ms(), holds);
	/* bytes read before the block existed and not yet sent */
	if (busy)
		__atomic_fetch_or(&l->b->dword, LEASE_DREADING, LEASE_SC);
	return (l);
}

/* Is pid gone (so its slot, and a cs it held, are free)? */
static int
lease_pid_gone(uint32_t pid)
{
	return (pid == 0 || (kill((pid_t)pid, 0) == -1 && errno == ESRCH));
}

/* Free slot i (its process is gone or replaced); 1 if cs was reaped. */
static int
lease_slot_free(struct lease *l, unsigned i)
{
	int	reaped = lease_cs_reap(l->b, i);

	if (reaped)
		host_futex_wake(&l->b->cs);
	l->b->slot[i].owner = 0;
	return (reaped);
}

/* A slot for pid: its own (a new image), else a free one; -1: none. */
static int
lease_slot_for(struct lease *l, uint32_t pid)
{
	unsigned	i;
	int		freeslot = -1;

	for (i = 0; i < LEASE_NSLOTS; i++) {
		if (pid != 0 && l->b->slot[i].owner == pid) {
			(void)lease_slot_free(l, i);
			return ((int)i);
		}
		if (freeslot == -1 && lease_pid_gone(l->b->slot[i].owner))
			freeslot = (int)i;
	}
	if (freeslot != -1)
		(void)lease_slot_free(l, (unsigned)freeslot);
	return (freeslot);
}

/*
 * XP_LEASE from process pid (0: unknown) on pty p, whose block may not
 * exist yet (*lp).  0 with the slot, its serial and the page's
 * descriptor (still p's or ours: the caller sends a copy), or an errno.
 */
int
lease_grant(struct lease **lp, struct pty *p, uint32_t holds, int busy,
    uint32_t pid, int *slot, uint32_t *serial, int *pagefd)
{
	struct lease	*l = *lp;
	int		 i;

	if (lease_idle_ms() == 0)
		return (EOPNOTSUPP);
	if (l == NULL && (l = *lp = lease_make(p, holds, busy)) == NULL)
		return (ENOMEM);
	if ((i = lease_slot_for(l, pid)) == -1)
		return (EAGAIN);
	l->b->slot[i].owner = pid;
	l->b->slot[i].serial++;
	*slot = i;
	*serial = l->b->slot[i].serial;
	*pagefd = l->pagefd != -1 ? l->pagefd : pty_page(p);
	return (0);
}

/* ---- the gates, for pty.c ---- */

/* May xptyd read the host manager (no block, or the word is RELAY)? */
int
lease_pty_relaying(struct lease *l)
{
	if (l == NULL)
		return (1);
	if (lease_state(lease_word(l->b)) == LEASE_RELAY)
		return (1);
	lease_park(l);
	return (0);
}

/*
 * Before a read of the host manager: 1 to read (dreading is set until
 * lease_pty_sent says done or lease_pty_read_done clears it), 0 parked.
 */
int
lease_pty_begin_read(struct lease *l)
{
	if (l == NULL)
		return (1);
	if (lease_may_read(l->b))
		return (1);
	lease_park(l);
	return (0);
}

/* A read found nothing, and nothing read earlier is unsent. */
void
lease_pty_read_done(struct lease *l)
{
	if (l != NULL && (lease_dword(l->b) & LEASE_DREADING) &&
	    lease_read_done(l->b))
		host_futex_wake(&l->b->dword);
}

/* A send or shutdown into a data connection returned; done: all sent. */
void
lease_pty_sent(struct lease *l, int done)
{
	if (l != NULL && lease_sent(l->b, done))
		host_futex_wake(&l->b->dword);
}

/* ---- parking, the tick, revoking, settling ---- */

/* The word is not RELAY: xptyd keeps off the host manager; tick on. */
void
lease_park(struct lease *l)
{
	struct timeval	tv;

	if (evtimer_pending(l->tick, NULL))
		return;
	l->reads = lease_reads(l->b);
	tv.tv_sec = 0;
	tv.tv_usec = (long)l->b->idle_ms * 1000;
	evtimer_add(l->tick, &tv);
}

/* REVOKING: settle if cs is free (reaping a dead holder's). */
static int
lease_try_settle(struct lease *l)
{
	uint32_t	cs;
	int		r;

	if ((r = lease_settle(l->b)) == -1 &&
	    (cs = lease_cs(l->b) & LEASE_CS_SLOT) != 0 &&
	    cs <= LEASE_NSLOTS &&
	    lease_pid_gone(l->b->slot[cs - 1].owner) &&
	    lease_slot_free(l, cs - 1))
		r = lease_settle(l->b);
	return (r);
}

/* The word is RELAY again: the tick stops, pty.c takes the path back. */
static void
lease_back(struct lease *l, int eio)
{
	if (evtimer_pending(l->tick, NULL))
		evtimer_del(l->tick);
	pty_lease_back(l->p, eio);
}

static void
lease_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lease	*l = arg;
	uint32_t	 w = lease_word(l->b), r;
	int		 eio;

	(void)fd;
	(void)what;
	if (lease_state(w) == LEASE_LEASED) {
		if ((r = lease_reads(l->b)) != l->reads) {
			l->reads = r;	/* a library reader is at it */
			return;
		}
		(void)lease_revoke(l->b, 0);	/* expired */
	}
	if ((eio = lease_try_settle(l)) == -1 &&
	    lease_state(lease_word(l->b)) != LEASE_RELAY)
		return;		/* a reader inside cs: next tick */
	lease_back(l, eio == 1);
}

/*
 * Keep the path for holds (revoking a lease); 1 if xptyd may read the
 * host manager now (RELAY), 0 if a reader must leave cs first (the tick
 * settles then).
 */
int
lease_pty_hold(struct lease *l, uint32_t holds)
{
	int	eio;

	if (l == NULL)
		return (1);
	(void)lease_revoke(l->b, holds);
	if (lease_state(lease_word(l->b)) == LEASE_RELAY)
		return (1);
	if ((eio = lease_try_settle(l)) == -1) {
		lease_park(l);
		return (0);
	}
	if (evtimer_pending(l->tick, NULL))
		evtimer_del(l->tick);
	if (eio == 1)
		pty_lease_back(l->p, 1);
	return (1);
}

void
lease_pty_unhold(struct lease *l, uint32_t holds)
{
	if (l != NULL)
		lease_unhold(l->b, holds);
}

/* XP_SYNC: a reader may have noted the last close; settle now. */
void
lease_pty_sync(struct lease *l)
{
	int	eio;

	if (l == NULL || lease_state(lease_word(l->b)) != LEASE_REVOKING)
		return;
	if ((eio = lease_try_settle(l)) != -1)
		lease_back(l, eio == 1);
}
