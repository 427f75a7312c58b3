/*
 * pty.c - one relayed pty: the host manager and the application's data
 * connections, moved through one libevent loop.
 *
 * Theory of operation.  The library opens the host manager (/dev/ptmx,
 * non-blocking), dismantles its stream and hands it to the daemon with
 * XP_ADOPT, together with the daemon's end of the socketpair whose other
 * end the application holds as its manager: the first data connection
 * (data.c).  The daemon keeps the host manager for the pty's whole life;
 * the library keeps a private copy for control ioctls.  Adoption touches
 * no termios: the application may already be pushing modules.
 * Bytes move in two directions, each with at most one transfer buffer
 * (buf.c), taken only while bytes are in flight:
 *
 *   out: host manager -> the current data connection (p->cur)
 *   in:  any data connection of the pty -> host manager
 *
 * The in direction peeks at the socket and consumes only what the host
 * manager took, so unsent bytes stay in the socket (where the library's
 * direct-write fast path can see them, lib/relay.c's relay_write).
 * A callback reads into the direction's buffer and writes it on at once;
 * only what the destination does not take stays pending, and while it is
 * pending the source is not read (flow control: nothing grows without
 * bound, a slow reader blocks the writer).  Reads are as large as the
 * buffer; a short read ends the loop, so a 1-byte round trip costs one
 * wakeup, one read and one write per hop.  The two gates of the data
 * path are pty_can_read_master and pty_can_write_master: whatever must
 * stop the relay touching the host manager (the lease engine's parking,
 * say) belongs there.
 *
 * Markers.  SVR4's zero-length message is the end of file of the data
 * connection: when the subsidiary's last close is seen (the host manager
 * reads its hangup), or a subsidiary-side process asks for a zero-length
 * message (XP_ZERO), the daemon sends what precedes it and then shuts
 * down the writing half of the current connection.  What comes after
 * goes to the connection's successor (data.c), made when something has to
 * go into it (bytes, or the next zero-length message) or when the library
 * fetches it with XP_ATTACH after reading the 0; until the library
 * fetches it, bytes wait in the successor's socket.  Zero-length messages
 * that follow one another are only counted (p->eofq, and the counts in
 * the queue below): the successor that carries the next one is made when
 * the library fetches it, so a run of them costs one number.  A writer
 * never waits for the reader, and a pty whose manager closes after the
 * subsidiary's last close never makes a successor.  Successors holding
 * unread bytes are bounded (PTY_MAXCHAIN): past it the host manager is
 * not read until the reader catches up, which is the stream's flow
 * control.  In pckt mode the marker is a frame (M_DATA, length 0) and
 * the connection stays.
 *
 * Injections (XP_ZERO, XP_EVENT) are queued in p->injq and placed once
 * the host manager has been read until EAGAIN (a non-blocking read that
 * fails with EAGAIN has flushed the tty flip buffers, so every write the
 * subsidiary completed before asking is ahead of the marker), or until
 * more than a tty holds (PTY_DRAINMAX) was read.  The requester's
 * completion (pty_done_fn, ctl.c's reply) is called then, whether or not
 * the application reads: the stream order is fixed.  If the out buffer is
 * still pending (the application is not reading), what the drain reads
 * goes into the pty's queue (outq.c, bounded by OQ_MAXCHUNKS chunks of
 * OQ_CHUNK bytes) and the marker after it; only when that queue is full,
 * or zero-length messages are unread PTY_MAXMARKS times over, does the
 * requester wait for the reader.  Stream order, out of the daemon:
 * p->out, then p->eofq zero-length messages, then the queue's chunks,
 * each with its count.
 *
 * State.  p->state is one of
 *   PTY_LIVE      a subsidiary may be open: the relay runs;
 *   PTY_NOSUBSID  the last close was read from the host manager (its
 *                 marker placed, the stream dismantled); until a
 *                 subsidiary opens again the host manager is neither read
 *                 nor written, and a watch (watch.c) or a 20 ms timer
 *                 looks for the open; also a pty never opened yet whose
 *                 host manager shows the hangup of the allocator's own
 *                 close (PTYF_FRESH, below);
 *   PTY_HANGUP    every client end of the data connections is closed
 *                 (the application's last manager descriptor anywhere):
 *                 what the application wrote is still written, then the
 *                 host manager closes, which hangs the subsidiary up;
 *   PTY_RELEASED  the application took the host manager (below);
 * entered only by pty_enter, which does what each entry means.  Beside
 * it, flags: PTYF_PCKT (frames: packet mode on, pty_set_pckt),
 * PTYF_INWAIT (input found no subsidiary to take it: it waits for an
 * open, like PTY_NOSUBSID, but the last close is still to be read; set
 * in pty_mwrite_cb, cleared with PTY_NOSUBSID in pty_reopened), and
 * PTYF_NORES (out of memory or descriptors: the pty's transfers stop for
 * PTY_RETRY_MS instead of retrying in the loop; pty_nores, pty_retry_cb),
 * and PTYF_FRESH (the first-close rule).
 *
 * The first-close rule.  Where the host's allocator opens the new
 * subsidiary and closes it again (lib/host.h HOST_CAP_OPEN_CLOSES:
 * OpenBSD's posix_openpt), a new host manager reads its hangup before
 * anybody opened the subsidiary; that close is none.  A pty the library
 * marked fresh (common/store.h XSTATE_FRESH, in the page) is adopted
 * into PTY_NOSUBSID with PTYF_FRESH: no marker, no dismantling, the host
 * manager left out of the loop (its EPOLLHUP is for ever), the lease
 * held, a watch (or the timer) looking for the first open, which then
 * enters PTY_LIVE as a reopen does.  The watch misses an open made
 * before it was added; libxpty's opener clears the mark after its open
 * and asks XP_SYNC, which looks at the mark again (pty_sync).
 *
 * Nothing is ever armed that cannot make progress: the host manager is
 * written only while a subsidiary is open (with none, Linux reports
 * EPOLLHUP for ever and write() says EAGAIN), read only while the out
 * side can take what it reads.  Each data connection also watches
 * EV_CLOSED: a client that goes away is seen even while its unsent bytes
 * wait in the socket because the subsidiary does not read.
 *
 * Hanging up: the daemon waits until the subsidiary has read what is
 * queued for it (FIONREAD on a peer descriptor from host_open_peer,
 * lib/host.h), for at most XPTY_HANGUP_MS and for at most half of that
 * without the subsidiary reading anything.  A connection whose client is
 * gone but whose socket still holds bytes stays (DC_GONE) until they are
 * read or the pty is destroyed.
 *
 * Release (XP_RELEASE).  A program that asks for a Linux data-path ioctl
 * on its manager (TIOCPKT) takes the host manager itself: the library
 * dup3()s it over the manager socket.  In PTY_RELEASED the daemon never
 * reads or writes the host manager (its status flags become the
 * application's), drops what connections still send, places no marker
 * and dismantles nothing; it delivers what it already holds, in stream
 * order, ends the last connection, and answers its XP_ATTACH with the
 * host manager (XP_RELEASED).  When the connections are gone the pty is
 * destroyed at once (the application holds the manager: no hangup).
 *
 * Descriptors: the host manager (p->mfd) and the peer (p->peerfd) are the
 * pty's from adoption on, and the state page (p->pagefd) from
 * pty_set_page on; pty_destroy closes all three.  The data connections
 * are the pty's (on p->conns) and closed by it through dconn_close.
 * State of the file: the ptys by number (a hash), their count.  Every
 * field of struct pty is this file's, on the loop's one thread.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "xpty.h"		/* struct iocblk */
#include "xptyd.h"
#include "store.h"
#include "termmsg.h"
#include "pktstat.h"
#include "host.h"
#include "lease.h"

#define PTY_HANGUP_MS		2000	/* default bound on the hangup wait */
#define PTY_MAXCHAIN		32	/* unfetched successors */
#define PTY_MAXMARKS		65536	/* unread zero-length messages */
#define PTY_DRAINMAX		(128 * 1024)	/* more than a tty holds */
#define PTY_RETRY_MS		100	/* out of memory or descriptors */
#define PTY_STATUSMAX		256	/* frames made of one pckt status byte */
#define PTY_LOOK_US		20000	/* reopen timer without a watch */
#define PTY_BUCKETS		256

/* What one read of the host manager did (pty_read_fast, pty_read_queued). */
#define RD_STUCK		(-1)	/* could not read: wait */
#define RD_DRAINED		0	/* EAGAIN, or the last close */
#define RD_PARKED		(-2)	/* a library process holds the lease */

enum pty_state {
	PTY_LIVE,
	PTY_NOSUBSID,
	PTY_HANGUP,
	PTY_RELEASED
};

#define PTYF_PCKT		0x01	/* framed (packet mode on) */
#define PTYF_INWAIT		0x02	/* input waits for a subsidiary */
#define PTYF_NORES		0x04	/* out of memory or descriptors */
#define PTYF_GIVEN		0x08	/* was released: the pty outlives us */
#define PTYF_FRESH		0x10	/* never opened: the hangup is none */

struct inj {
	TAILQ_ENTRY(inj)	 entry;
	pty_done_fn		*done;		/* the requester's completion */
	void			*arg;
	uint8_t			 mtype;
	size_t			 len;
	uint8_t			 data[];
};

/* Waiting for the subsidiary to read what is queued (PTY_HANGUP). */
struct pty_drain {
	long			 t0;		/* hanging up since (ms) */
	long			 prog_ms;	/* the subsidiary last read then */
	long			 left;		/* bytes it had still to read */
	int			 step;		/* next look, in ms */
	int			 zeros;		/* consecutive looks finding 0 */
};

struct pty {
	int			 ptyno;
	enum pty_state		 state;		/* pty_enter */
	int			 flags;		/* PTYF_* */
	int			 mfd;		/* host manager */
	int			 peerfd;	/* subsidiary, while hanging up */
	int			 pagefd;	/* the page store's page, or -1 */
	struct xev		 mread;
	struct xev		 mwrite;
	struct event		*ev_timer;	/* reopen look, or the hangup */
	struct event		*ev_retry;	/* PTYF_NORES ends */
	LIST_HEAD(, dconn)	 conns;
	struct dconn		*cur;		/* receives the out direction */
	struct dconn		*ended;		/* ended by a marker, no successor */
	struct dconn		*in_conn;	/* in bytes are peeked from it */
	struct xbuf		 out;
	struct xbuf		 in;
	unsigned		 eofq;		/* zero-length messages after out */
	struct outq		 oq;		/* what follows them (outq.c) */
	struct watch		*watch;		/* for a reopen, or NULL */
	struct pty_drain	 drain;
	long			 last_in_ms;	/* last write to the host manager */
	TAILQ_HEAD(, inj)	 injq;
	struct lease		*lease;		/* lease.c's, from XP_LEASE */
	LIST_ENTRY(pty)		 hentry;	/* by number */
};

static LIST_HEAD(, pty)	 pty_hash[PTY_BUCKETS];
static int		 npty;
static int		 hangup_limit = -1;

static void	pty_pump_out(struct pty *);
static void	pty_update(struct pty *);
static void	pty_enter(struct pty *, enum pty_state);
static void	pty_destroy(struct pty *);
static void	pty_release_begin(struct pty *);
static void	pty_release_end(struct pty *);
static void	pty_lease_hold_now(struct pty *, uint32_t);
static void	pty_conn_readable(struct dconn *, void *);
static void	pty_conn_writable(struct dconn *, void *);
static void	pty_conn_gone(struct dconn *, void *);

static const struct dconn_ops	pty_dconn_ops = {
	pty_conn_readable,
	pty_conn_writable,
	pty_conn_gone
};

_Static_assert(PTY_STATUSMAX >= XP_FRAMEHDR * 4 + 1 +
    sizeof(struct iocblk) + sizeof(struct termios), "PTY_STATUSMAX");
_Static_assert(OQ_CHUNK <= XBUF_SIZE + XBUF_SLACK, "OQ_CHUNK");

static long
pty_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L);
}

static void
pty_timer_add(struct event *ev, long us)
{
	struct timeval	tv = { us / 1000000, us % 1000000 };

	evtimer_add(ev, &tv);
}

/* ---- accessors ---- */

int
pty_number(struct pty *p)
{
	return (p->ptyno);
}

int
pty_hostfd(struct pty *p)
{
	return (p->mfd);
}

int
pty_pckt(struct pty *p)
{
	return ((p->flags & PTYF_PCKT) != 0);
}

int
pty_released(struct pty *p)
{
	return (p->state == PTY_RELEASED);
}

int
pty_count(void)
{
	return (npty);
}

/* The pty numbered ptyno, even one hanging up, or NULL. */
static struct pty *
pty_lookup(int ptyno)
{
	struct pty	*p;

	LIST_FOREACH(p, &pty_hash[(unsigned)ptyno % PTY_BUCKETS], hentry) {
		if (p->ptyno == ptyno)
			return (p);
	}
	return (NULL);
}

struct pty *
pty_find(int ptyno)
{
	struct pty	*p = pty_lookup(ptyno);

	return ((p != NULL && p->state != PTY_HANGUP) ? p : NULL);
}

int
pty_known(int ptyno)
{
	return (pty_lookup(ptyno) != NULL);
}

/* The pty a data connection belongs to (its owner is always one). */
struct pty *
pty_of(struct dconn *d)
{
	return (d->arg);
}

/* The data connection whose client end is clientfd, of a live pty. */
struct dconn *
pty_sock_conn(int clientfd)
{
	struct dconn	*d;

	if ((d = dconn_find(clientfd)) == NULL ||
	    pty_of(d)->state == PTY_HANGUP)
		return (NULL);
	return (d);
}

/* ---- the stream state (common/store.h) ---- */

/*
 * The page store: keep pagefd, the pty's state page (XP_ADOPT_PAGE), for
 * the pty's life, mapped here too (the dismantling writes it).  On
 * failure the caller still owns pagefd.
 */
static int
pty_set_page(struct pty *p, int pagefd)
{
	if (xstate_page_install(p->ptyno, pagefd) == -1) {
		log_warn("pty %d: state page", p->ptyno);
		return (-1);
	}
	p->pagefd = pagefd;
	return (0);
}

/* The page store's page of p (XP_PAGE), or -1. */
int
pty_page(struct pty *p)
{
	return (p->pagefd);
}

/* No subsidiary is open (the host manager reports its hangup)? */
static int
pty_host_hup(struct pty *p)
{
	return (host_mgr_hup(p->mfd) == 1);
}

/* ---- creation ---- */

static void
pty_mread_cb(evutil_socket_t fd, short what, void *arg)
{
	loop_work();
	pty_pump_out(arg);
}

static void	pty_mwrite_cb(evutil_socket_t, short, void *);
static void	pty_timer_cb(evutil_socket_t, short, void *);
static void	pty_retry_cb(evutil_socket_t, short, void *);

static void
pty_free(struct pty *p)
{
	ev_free(&p->mread);
	ev_free(&p->mwrite);
	if (p->ev_timer != NULL)
		event_free(p->ev_timer);
	if (p->ev_retry != NULL)
		event_free(p->ev_retry);
	free(p);
}

/* A pty for host manager mfd (not yet registered), or NULL. */
static struct pty *
pty_new(int mfd)
{
	struct event_base	*base = loop_base();
	struct pty		*p;
	int			 fl;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	p->mfd = mfd;
	p->peerfd = p->pagefd = -1;
	LIST_INIT(&p->conns);
	TAILQ_INIT(&p->injq);
	oq_init(&p->oq);
	p->ev_timer = evtimer_new(base, pty_timer_cb, p);
	p->ev_retry = evtimer_new(base, pty_retry_cb, p);
	if ((p->ptyno = host_ptyno(mfd)) == -1 ||
	    (fl = fcntl(mfd, F_GETFL)) == -1 ||
	    ((fl & O_NONBLOCK) == 0 &&
	    fcntl(mfd, F_SETFL, fl | O_NONBLOCK) == -1) ||
	    ev_init(&p->mread, event_new(base, mfd, EV_READ | EV_PERSIST,
	    pty_mread_cb, p)) == -1 ||
	    ev_init(&p->mwrite, event_new(base, mfd, EV_WRITE | EV_PERSIST,
	    pty_mwrite_cb, p)) == -1 ||
	    p->ev_timer == NULL || p->ev_retry == NULL) {
		pty_free(p);
		return (NULL);
	}
	return (p);
}

/*
 * XP_ADOPT: a new pty on mfd, a host manager the library opened, whose
 * first data connection is sfd (its client end's inode ino).  Both
 * descriptors are the pty's from now on; if it cannot be adopted they are
 * closed, and the application reads end of file.  A pty whose connection
 * could not be made is hung up at once.  pagefd (XP_ADOPT_PAGE, else -1)
 * is the page store's page: it is installed before the first read of the
 * host manager, because that read can already find the subsidiary's last
 * close (the library opened, pushed and closed the subsidiary before this
 * request was handled), and the dismantling then writes the page.  It is
 * the pty's once installed; otherwise it is closed (the pty works without
 * one).
 */
struct pty *
pty_adopt(int mfd, int sfd, uint64_t ino, int pagefd)
{
	struct pty	*p;
	struct dconn	*d;

	errno = 0;
	if ((p = pty_new(mfd)) != NULL && pty_known(p->ptyno)) {
		pty_free(p);
		p = NULL;
		errno = EEXIST;
	}
	if (p == NULL) {
		log_warn("cannot adopt a pty");
		close(mfd);
		close(sfd);
		if (pagefd != -1)
			close(pagefd);
		return (NULL);
	}
	if (pagefd != -1 && pty_set_page(p, pagefd) == -1)
		close(pagefd);
	LIST_INSERT_HEAD(&pty_hash[(unsigned)p->ptyno % PTY_BUCKETS], p,
	    hentry);
	npty++;
	loop_hold(1);
	log_debug("pty %d adopted", p->ptyno);
	if ((d = dconn_new(sfd, ino, &pty_dconn_ops, p)) == NULL) {
		log_warn("connection");
		pty_enter(p, PTY_HANGUP);
		return (NULL);
	}
	LIST_INSERT_HEAD(&p->conns, d, owner_entry);
	p->cur = d;
	log_debug("pty %d: connection %d attached", p->ptyno, d->fd);
	if (xstate_fresh(p->mfd)) {
		log_debug("pty %d: never opened yet", p->ptyno);
		p->flags |= PTYF_FRESH;
		pty_enter(p, PTY_NOSUBSID);
	}
	pty_pump_out(p);
	return (p);
}

/* ---- event bookkeeping ---- */

/* Where the out direction goes now, or could once a successor is made. */
static int
pty_has_reader(struct pty *p)
{
	if (p->flags & PTYF_NORES)
		return (0);
	if (p->cur != NULL)
		return (1);
	return (p->ended != NULL && p->eofq == 0 &&
	    dconn_chain_len(p->ended) < PTY_MAXCHAIN);
}

/* Nothing of the out direction is pending in the daemon. */
static int
pty_out_idle(struct pty *p)
{
	return (p->out.len == 0 && p->eofq == 0 && oq_empty(&p->oq));
}

/* The out direction's gate: may the host manager be read now? */
static int
pty_can_read_master(struct pty *p)
{
	return (p->state == PTY_LIVE && pty_out_idle(p) && pty_has_reader(p) &&
	    lease_pty_relaying(p->lease));
}

/* The in direction's gate: may the host manager be written now? */
static int
pty_can_write_master(struct pty *p)
{
	return (p->in.len > 0 && (p->state == PTY_LIVE ||
	    p->state == PTY_HANGUP) && (p->flags & PTYF_INWAIT) == 0);
}

static void
pty_update(struct pty *p)
{
	struct dconn	*d;

	ev_want(&p->mread, pty_can_read_master(p));
	ev_want(&p->mwrite, pty_can_write_master(p));
	LIST_FOREACH(d, &p->conns, owner_entry) {
		dconn_set_read(d, p->in.len == 0 &&
		    (p->flags & PTYF_NORES) == 0);
		dconn_set_write(d, d == p->cur && p->out.len > 0);
	}
}

/*
 * Out of memory or descriptors: stop this pty's transfers for a while
 * rather than retry them in the loop.
 */
static void
pty_nores(struct pty *p)
{
	if (p->flags & PTYF_NORES)
		return;
	log_warnx("pty %d: out of resources, retrying in %d ms", p->ptyno,
	    PTY_RETRY_MS);
	p->flags |= PTYF_NORES;
	pty_timer_add(p->ev_retry, PTY_RETRY_MS * 1000L);
}

static void
pty_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pty	*p = arg;

	p->flags &= ~PTYF_NORES;
	pty_pump_out(p);
}

/* ---- when does a subsidiary open again? ---- */

static void
pty_watch_stop(struct pty *p)
{
	if (p->watch != NULL)
		watch_rm(p->watch);
	p->watch = NULL;
}

/* Waiting for a subsidiary to open (PTY_NOSUBSID or PTYF_INWAIT)? */
static int
pty_waits_open(struct pty *p)
{
	return (p->state == PTY_NOSUBSID || (p->flags & PTYF_INWAIT));
}

/* A fresh pty whose first open libxpty has seen (the mark is gone)? */
static int
pty_fresh_opened(struct pty *p)
{
	return ((p->flags & PTYF_FRESH) && !xstate_fresh(p->mfd));
}

/*
 * Has a subsidiary been opened since the last close (or, PTYF_FRESH,
 * at all), or since input was found with nobody to take it?  Forced when
 * the watch saw an open: then even one that is already closed again
 * counts (its close gives another zero-length message).  1 if so: the
 * caller moves what waited.
 */
static int
pty_reopened(struct pty *p, int force)
{
	if (!pty_waits_open(p) || p->state == PTY_HANGUP)
		return (0);
	if (!force && pty_host_hup(p) && !pty_fresh_opened(p))
		return (0);
	log_debug("pty %d: subsidiary open %s", p->ptyno,
	    (p->flags & PTYF_FRESH) ? "for the first time" : "again");
	if (p->flags & PTYF_FRESH)
		(void)xstate_fresh_end(p->mfd);	/* for every process */
	p->flags &= ~(PTYF_INWAIT | PTYF_FRESH);
	pty_enter(p, PTY_LIVE);
	return (1);
}

static void
pty_check_reopen(struct pty *p, int force)
{
	if (pty_reopened(p, force))
		pty_pump_out(p);
}

static void
pty_watch_fired(void *arg, int sure)
{
	pty_check_reopen(arg, sure);
}

static void
pty_watch_start(struct pty *p)
{
	if (p->watch == NULL)
		p->watch = watch_add(p->ptyno, pty_watch_fired, p);
	if (p->watch == NULL && !evtimer_pending(p->ev_timer, NULL))
		pty_timer_add(p->ev_timer, PTY_LOOK_US);
	(void)pty_reopened(p, 0);	/* it may have happened already */
}

/* ---- the out direction: host manager -> application ---- */

/* The current connection ends: its successor carries what follows. */
static void
pty_end_cur(struct pty *p)
{
	dconn_shut(p->cur);
	p->ended = p->cur;
	p->cur = NULL;
}

/* The current connection shuts down its writing half: the manager's 0. */
static void
pty_do_eof(struct pty *p)
{
	if (p->cur == NULL || p->eofq == 0)
		return;
	p->eofq--;
	log_debug("pty %d: end of file on connection %d", p->ptyno,
	    p->cur->fd);
	pty_end_cur(p);
}

/*
 * Make the successor of the connection a marker ended, and make it
 * current; 0 if the chain is at its bound or there are no resources
 * (then the out direction waits, and XP_ATTACH tries again).
 */
static int
pty_succ_make(struct pty *p)
{
	struct dconn	*d;

	if (p->cur != NULL)
		return (1);
	if (p->ended == NULL || dconn_chain_len(p->ended) >= PTY_MAXCHAIN)
		return (0);
	if (p->state == PTY_RELEASED && pty_out_idle(p))
		return (0);	/* nothing left to carry */
	if ((d = dconn_successor(p->ended)) == NULL) {
		pty_nores(p);
		return (0);
	}
	LIST_INSERT_HEAD(&p->conns, d, owner_entry);
	p->cur = d;
	p->ended = NULL;
	return (1);
}

/*
 * Send what is pending, in stream order: the out buffer, the zero-length
 * messages after it, then the queue's chunks.  1 if all is gone.
 */
static int
pty_out_flush(struct pty *p)
{
	ssize_t	n;

	for (;;) {
		while (p->out.len > 0) {
			if (p->cur == NULL && !pty_succ_make(p))
				return (0);
			n = dconn_send(p->cur, p->out.data + p->out.off,
			    p->out.len);
			if (n > 0) {
				p->out.off += (size_t)n;
				p->out.len -= (size_t)n;
				lease_pty_sent(p->lease, 0);
			} else if (n == -1 && errno == EAGAIN)
				return (0);
			else if (n == -1 && errno != EINTR)
				p->out.len = 0;	/* the reader is gone */
		}
		xbuf_put(&p->out);
		if (p->eofq > 0) {
			if (p->cur == NULL)
				return (0);	/* made when fetched */
			pty_do_eof(p);
			lease_pty_sent(p->lease, 0);
			continue;
		}
		if (oq_empty(&p->oq)) {
			if (p->state == PTY_RELEASED)
				pty_release_end(p);
			lease_pty_read_done(p->lease);	/* nothing left unsent */
			return (1);
		}
		if (xbuf_get(&p->out) == -1) {
			pty_nores(p);
			return (0);
		}
		p->out.off = 0;
		p->out.len = oq_take(&p->oq, p->out.data, &p->eofq);
	}
}

/*
 * Put len bytes at the end of the stream: into the out buffer if nothing
 * follows it and it has room, else into the queue.  -1 with errno
 * ENOBUFS (the queue is full) or ENOMEM.
 */
static int
pty_tail_append(struct pty *p, const uint8_t *data, size_t len)
{
	size_t	cap = XBUF_SIZE + XBUF_SLACK;

	if (p->eofq == 0 && oq_empty(&p->oq)) {
		if (xbuf_get(&p->out) == -1)
			return (-1);
		if (p->out.len == 0)
			p->out.off = 0;
		else if (p->out.off + p->out.len + len > cap) {
			memmove(p->out.data, p->out.data + p->out.off,
			    p->out.len);
			p->out.off = 0;
		}
		if (p->out.len + len <= cap) {
			memcpy(p->out.data + p->out.off + p->out.len, data, len);
			p->out.len += len;
			return (0);
		}
	}
	return (oq_append(&p->oq, data, len));
}

/* A zero-length message at the end of the stream (not in pckt mode). */
static void
pty_tail_zero(struct pty *p)
{
	if (oq_zero(&p->oq) == -1)
		p->eofq++;
}

static unsigned
pty_marks(struct pty *p)
{
	return (p->eofq + p->oq.zeros);
}

/* Write a frame at w; returns its length. */
static size_t
pty_put_frame(uint8_t *w, uint8_t mtype, const uint8_t *data, size_t len)
{
	xp_put_frame(w, mtype, (uint32_t)len);
	if (len > 0)
		memcpy(w + XP_FRAMEHDR, data, len);
	return (XP_FRAMEHDR + len);
}

/*
 * The host reported a termios change (HOST_PKT_TERMIOS): illumos's pckt
 * shows the subsidiary's TCSETS as M_IOCTL.  Write that at w, built from
 * the termios now in force as for the direct engine (common/termmsg.h).
 */
static size_t
pty_put_termios(struct pty *p, uint8_t *w)
{
	uint8_t	msg[XP_TERMIOS_MSGLEN];
	int	n;

	if ((n = xp_termios_msg(p->mfd, msg)) <= 0)
		return (0);
	return (pty_put_frame(w, XP_M_IOCTL, msg, (size_t)n));
}

/* Where a read of the host manager goes in its buffer (see below). */
static size_t
pty_read_off(struct pty *p)
{
	return ((p->flags & PTYF_PCKT) ? XP_FRAMEHDR - 1 : 0);
}

/*
 * buf holds a read of n bytes at buf + pty_read_off(): as they are, or in
 * pckt mode a status byte first.  Make it what the application reads, in
 * place at buf (a data frame's header overwrites the status byte; a
 * status byte becomes at most PTY_STATUSMAX bytes of frames, one a
 * message of common/pktstat.h); returns its length.
 */
static size_t
pty_frame_read(struct pty *p, uint8_t *buf, size_t n)
{
	uint8_t	st, fl = 0;
	int	ev, type;
	size_t	len = 0;

	if ((p->flags & PTYF_PCKT) == 0)
		return (n);
	if ((st = buf[XP_FRAMEHDR - 1]) == HOST_PKT_DATA) {
		xp_put_frame(buf, XP_M_DATA, (uint32_t)(n - 1));
		return (XP_FRAMEHDR + n - 1);
	}
	ev = (int)host_pkt_status(st);
	while ((type = xp_status_next(&ev, &fl)) != -1) {
		if (type == XP_M_IOCTL)
			len += pty_put_termios(p, buf + len);
		else
			len += pty_put_frame(buf + len, (uint8_t)type, &fl,
			    type == XP_M_FLUSH ? 1 : 0);
	}
	return (len);
}

/*
 * Read the host manager into buf: the bytes read, or RD_DRAINED (EAGAIN,
 * or the last close: the pty enters PTY_NOSUBSID), or RD_STUCK (another
 * error: the pty pauses rather than read again at once).
 */
static ssize_t
pty_read_host(struct pty *p, uint8_t *buf, size_t len)
{
	struct iovec	iov = { buf, len };
	ssize_t		n, rv = RD_DRAINED;

	if (!lease_pty_begin_read(p->lease))
		return (RD_PARKED);
	do
		n = host_mgr_readv(p->mfd, &iov, 1);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		return (n);	/* dreading stays set until they are sent */
	if (n == -1 && errno == EAGAIN)
		;
	else if (host_mgr_read_hup(n, errno))
		pty_enter(p, PTY_NOSUBSID);	/* the last close */
	else {
		log_warn("pty %d: read", p->ptyno);
		pty_nores(p);
		rv = RD_STUCK;
	}
	if (pty_out_idle(p))
		lease_pty_read_done(p->lease);
	return (rv);
}

/*
 * One read of the host manager straight into the out buffer (nothing is
 * pending), sent on at once.  Returns the bytes read, RD_DRAINED or
 * RD_STUCK.
 */
static ssize_t
pty_read_fast(struct pty *p)
{
	ssize_t	n;

	if (xbuf_get(&p->out) == -1) {
		pty_nores(p);
		return (RD_STUCK);
	}
	/* a successor is made only for bytes (pty_out_flush) */
	n = pty_read_host(p, p->out.data + pty_read_off(p), XBUF_SIZE);
	if (n > 0) {
		p->out.off = 0;
		p->out.len = pty_frame_read(p, p->out.data, (size_t)n);
		pty_out_flush(p);
		return (n);
	}
	xbuf_put(&p->out);
	return (n);
}

/*
 * One read of the host manager into the queue, behind what is pending
 * (room reserved first, so nothing read is ever dropped).  As
 * pty_read_fast; RD_STUCK when the queue is full.
 */
static ssize_t
pty_read_queued(struct pty *p)
{
	size_t	 off = pty_read_off(p), room;
	uint8_t	*w;
	ssize_t	 n;

	if ((w = oq_space(&p->oq, PTY_STATUSMAX, &room)) == NULL) {
		if (errno == ENOMEM)
			pty_nores(p);
		return (RD_STUCK);
	}
	if ((n = pty_read_host(p, w + off, room - off)) > 0) {
		oq_commit(&p->oq, pty_frame_read(p, w, (size_t)n));
		return (n);
	}
	oq_release(&p->oq);	/* after the last close's marker used it */
	return (n);
}

/*
 * Read the host manager until EAGAIN (or the last close, or more than a
 * tty holds): every write the subsidiary completed is then in the
 * stream, ahead of whatever is put at its end next.  1 when done, 0 if it
 * must wait (the queue is full, or no resources).
 */
static int
pty_drain(struct pty *p)
{
	size_t	got = 0;
	ssize_t	n;

	if (p->state == PTY_RELEASED)
		return (1);	/* the host manager is the application's */
	while (p->state != PTY_NOSUBSID && got < PTY_DRAINMAX) {
		n = pty_can_read_master(p) ? pty_read_fast(p) :
		    pty_read_queued(p);
		if (n == RD_DRAINED)
			return (1);
		if (n < 0)
			return (0);	/* stuck, or parked: lease.c settles */
		got += (size_t)n;
	}
	return (1);
}

/* Take an injection off the queue and tell its requester err. */
static void
pty_inj_done(struct pty *p, struct inj *ij, int err)
{
	pty_done_fn	*done = ij->done;
	void		*arg = ij->arg;

	TAILQ_REMOVE(&p->injq, ij, entry);
	free(ij);
	done(arg, p->ptyno, err);
}

/* Does the application see this injection (else it only needs a reply)? */
static int
pty_inj_shown(struct pty *p, struct inj *ij)
{
	return ((p->flags & PTYF_PCKT) ||
	    (ij->mtype == XP_M_DATA && ij->len == 0));
}

/* Put an injection at the end of the stream: 0, EAGAIN (full), ENOMEM. */
static int
pty_inj_mark(struct pty *p, struct inj *ij)
{
	uint8_t	f[XP_FRAMEHDR + XP_MAXEVENT];

	if ((p->flags & PTYF_PCKT) == 0) {
		if (pty_marks(p) >= PTY_MAXMARKS)
			return (EAGAIN);
		pty_tail_zero(p);
		return (0);
	}
	if (pty_tail_append(p, f, pty_put_frame(f, ij->mtype, ij->data,
	    ij->len)) == 0)
		return (0);
	return (errno == ENOBUFS ? EAGAIN : ENOMEM);
}

/*
 * Place the injections, in order, each after a drain of the host manager,
 * and answer their requesters.  One that does not fit waits, and the
 * others behind it, until the reader has read some.
 */
static void
pty_place(struct pty *p)
{
	struct inj	*ij;
	int		 err;

	while ((ij = TAILQ_FIRST(&p->injq)) != NULL) {
		err = 0;
		if (pty_inj_shown(p, ij)) {
			if (!pty_drain(p) ||
			    (err = pty_inj_mark(p, ij)) == EAGAIN)
				break;
		}
		pty_inj_done(p, ij, err);
		pty_out_flush(p);
	}
	oq_release(&p->oq);
	if (TAILQ_EMPTY(&p->injq))
		lease_pty_unhold(p->lease, LEASE_HOLD_INJ);
}

/* Move what can be moved out, read the host manager, place injections. */
static void
pty_pump_out(struct pty *p)
{
	ssize_t	n;
	int	i;

	if (p->state != PTY_HANGUP) {
		pty_out_flush(p);
		for (i = 0; i < 16 && pty_can_read_master(p); i++) {
			n = pty_read_fast(p);
			if (n < XBUF_SIZE)
				break;	/* drained for now */
		}
		pty_place(p);
	}
	pty_update(p);
}

/* ---- the in direction: application -> host manager ---- */

/*
 * The in bytes were only peeked: take n of them off the socket now that
 * they are in the host manager (into the part of the buffer they were
 * written from: the same bytes).  So the socket holds exactly what has not
 * reached the manager yet, and the library may write straight to its host
 * manager descriptor whenever its socket's send queue is empty
 * (lib/relay.c's relay_write), without overtaking anything.
 */
static void
pty_in_consume(struct pty *p, size_t n)
{
	if (p->in_conn != NULL)
		dconn_consume(p->in_conn, p->in.data + p->in.off, n);
}

/* Write pending in bytes to the manager; 1 if all are gone. */
static int
pty_in_flush(struct pty *p)
{
	ssize_t	n;

	while (p->in.len > 0) {
		n = write(p->mfd, p->in.data + p->in.off, p->in.len);
		if (n > 0) {
			p->last_in_ms = pty_now_ms();
			pty_in_consume(p, (size_t)n);
			p->in.off += (size_t)n;
			p->in.len -= (size_t)n;
		} else if (n == -1 && errno == EINTR)
			continue;
		else if (n == -1 && errno == EAGAIN)
			return (0);
		else {
			log_debug("pty %d: write: %s", p->ptyno,
			    strerror(errno));
			pty_in_consume(p, p->in.len);
			p->in.len = 0;
		}
	}
	p->in_conn = NULL;
	xbuf_put(&p->in);
	return (1);
}

/*
 * The host manager is writable, or reports EPOLLHUP: with no subsidiary
 * open it does both for ever while write() says EAGAIN.  Then the input
 * waits for a subsidiary to open (PTYF_INWAIT; the last close itself is
 * read from the host manager as usual), or, hanging up, is dropped with
 * the pty: nobody can read it any more.
 */
static void
pty_mwrite_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pty	*p = arg;

	if (!pty_in_flush(p) && pty_host_hup(p)) {
		if (p->state == PTY_HANGUP) {
			pty_destroy(p);
			return;
		}
		log_debug("pty %d: input waits for a subsidiary", p->ptyno);
		p->flags |= PTYF_INWAIT;
		pty_watch_start(p);
		pty_pump_out(p);
		return;
	}
	pty_update(p);
}

/* ---- its data connections ---- */

/* Connections some client still holds. */
static int
pty_live(struct pty *p)
{
	struct dconn	*d;
	int		 n = 0;

	LIST_FOREACH(d, &p->conns, owner_entry)
		n += (d->flags & DC_GONE) == 0;
	return (n);
}

/* d will not take the out direction any more. */
static void
pty_unhook(struct pty *p, struct dconn *d)
{
	if (p->cur == d) {
		p->cur = NULL;
		p->out.len = 0;		/* nobody will read it */
		xbuf_put(&p->out);
	}
	if (p->ended == d)
		p->ended = NULL;
}

/* After a connection went: hang up if no client holds any. */
static void
pty_after_conn(struct pty *p)
{
	if (p->state != PTY_HANGUP && pty_live(p) == 0)
		pty_enter(p, PTY_HANGUP);
	else
		pty_update(p);
}

/* Close d, one of p's connections. */
static void
pty_close_conn(struct pty *p, struct dconn *d)
{
	LIST_REMOVE(d, owner_entry);
	if (p->in_conn == d)
		p->in_conn = NULL;	/* what was peeked is all there is */
	pty_unhook(p, d);
	dconn_close(d);
	pty_after_conn(p);
}

/*
 * After the release a connection's input has nowhere to go (the host
 * manager is not written any more): it is read and dropped, so that its
 * end of file is seen.
 */
static void
pty_released_input(struct pty *p, struct dconn *d)
{
	uint8_t	discard[4096];
	ssize_t	n;

	if ((n = dconn_recv(d, discard, sizeof(discard))) > 0)
		log_debug("pty %d: released: %zd bytes of input dropped",
		    p->ptyno, n);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		pty_close_conn(p, d);
}

static void
pty_conn_readable(struct dconn *d, void *arg)
{
	struct pty	*p = arg;
	ssize_t		 n;

	if (p->state == PTY_RELEASED) {
		pty_released_input(p, d);
		return;
	}
	if (p->in.len > 0) {
		dconn_set_read(d, 0);
		return;
	}
	if (xbuf_get(&p->in) == -1) {
		pty_nores(p);
		pty_update(p);
		return;
	}
	loop_work();
	n = dconn_peek(d, p->in.data, XBUF_SIZE);
	if (n <= 0) {
		xbuf_put(&p->in);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		pty_close_conn(p, d);	/* may destroy nothing yet: hangup */
		return;
	}
	p->in.off = 0;
	p->in.len = (size_t)n;
	p->in_conn = d;
	if (!pty_in_flush(p))
		pty_update(p);
}

static void
pty_conn_writable(struct dconn *d, void *arg)
{
	struct pty	*p = arg;

	if (d != p->cur) {
		dconn_set_write(d, 0);
		return;
	}
	pty_pump_out(p);
}

/*
 * Every client end of d is closed (EV_CLOSED), though bytes it sent may
 * still wait in its socket: keep it, reading, until they have gone to the
 * subsidiary (or the pty is destroyed); close it now if there are none.
 */
static void
pty_conn_gone(struct dconn *d, void *arg)
{
	struct pty	*p = arg;

	log_debug("pty %d: connection %d: client gone", p->ptyno, d->fd);
	dconn_forget(d);
	pty_unhook(p, d);
	if (dconn_queued(d) == 0) {
		pty_close_conn(p, d);
		return;
	}
	pty_after_conn(p);
}

/* ---- hanging up ---- */

/*
 * Bytes still to reach the subsidiary's reader: in the sockets (which
 * include what was peeked into the in buffer), the in buffer if its
 * socket is gone, and the subsidiary's input queue (FIONREAD on a peer
 * descriptor, host_open_peer).
 */
static long
pty_left(struct pty *p)
{
	struct dconn	*d;
	long		 n = p->in_conn == NULL ? (long)p->in.len : 0;
	int		 q;

	LIST_FOREACH(d, &p->conns, owner_entry)
		n += dconn_queued(d);
	if (p->peerfd == -1)
		p->peerfd = host_open_peer(p->mfd, p->ptyno,
		    O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (p->peerfd != -1 && ioctl(p->peerfd, FIONREAD, &q) == 0)
		n += q;
	return (n);
}

/*
 * PTY_HANGUP begins (nosubsid: from PTY_NOSUBSID): drop what nobody will
 * read, wait for the rest.
 */
static void
pty_hangup(struct pty *p, int nosubsid)
{
	struct inj	*ij;
	long		 now = pty_now_ms();
	const char	*e;

	log_debug("pty %d: manager closed, hanging up", p->ptyno);
	while ((ij = TAILQ_FIRST(&p->injq)) != NULL)
		pty_inj_done(p, ij, EIO);
	p->out.len = 0;
	xbuf_put(&p->out);
	p->eofq = 0;
	oq_clear(&p->oq);
	if (hangup_limit == -1) {
		e = getenv("XPTY_HANGUP_MS");
		hangup_limit = e != NULL ? atoi(e) : PTY_HANGUP_MS;
	}
	if (nosubsid || pty_host_hup(p) || ((p->drain.left = pty_left(p)) == 0 &&
	    now - p->last_in_ms > 10)) {
		pty_destroy(p);		/* nothing queued: hang up now */
		return;
	}
	p->drain.t0 = p->drain.prog_ms = now;
	p->drain.step = 1;
	p->drain.zeros = 0;
	pty_update(p);
	pty_timer_add(p->ev_timer, 1000);
}

/*
 * Hanging up: destroy the pty once the subsidiary has read everything
 * (found twice, a little apart: the flip buffer may lag), has nobody to
 * read it, has read nothing for half of XPTY_HANGUP_MS, or XPTY_HANGUP_MS
 * has passed.
 */
static void
pty_hangup_look(struct pty *p)
{
	struct pty_drain	*dr = &p->drain;
	long			 now, left;

	if (pty_host_hup(p)) {
		pty_destroy(p);		/* nobody can read any more */
		return;
	}
	now = pty_now_ms();
	left = pty_left(p);
	if (left < dr->left || p->last_in_ms > dr->prog_ms)
		dr->prog_ms = now;
	dr->left = left;
	dr->zeros = left == 0 ? dr->zeros + 1 : 0;
	if (dr->zeros >= 2 || now - dr->t0 >= hangup_limit ||
	    now - dr->prog_ms >= hangup_limit / 2) {
		pty_destroy(p);
		return;
	}
	if (dr->step < 64)
		dr->step *= 2;
	pty_timer_add(p->ev_timer, dr->step * 1000L);
}

/* The hangup's next look, or (no watch) a look for a reopen. */
static void
pty_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pty	*p = arg;

	if (p->state == PTY_HANGUP) {
		pty_hangup_look(p);
		return;
	}
	pty_check_reopen(p, 0);
	if (pty_waits_open(p))
		pty_timer_add(p->ev_timer, PTY_LOOK_US);
}

/* Close the host manager (which hangs the subsidiary up), free the pty. */
static void
pty_destroy(struct pty *p)
{
	struct dconn	*d;
	struct inj	*ij;

	log_debug("pty %d: closed", p->ptyno);
	LIST_REMOVE(p, hentry);
	while ((d = LIST_FIRST(&p->conns)) != NULL) {
		LIST_REMOVE(d, owner_entry);	/* gone, still draining */
		dconn_close(d);
	}
	while ((ij = TAILQ_FIRST(&p->injq)) != NULL)
		pty_inj_done(p, ij, EIO);
	pty_watch_stop(p);
	ev_free(&p->mread);		/* before its descriptor closes */
	ev_free(&p->mwrite);
	/* before its number can be reused; a released pty lives on */
	if (!(p->flags & PTYF_GIVEN))
		xstate_page_kill(p->ptyno, 0);
	xstate_page_forget(p->ptyno);	/* single-threaded: nobody reads it */
	lease_pty_free(p->lease);	/* library holders keep their H */
	p->lease = NULL;
	close(p->mfd);
	if (p->peerfd != -1)
		close(p->peerfd);
	if (p->pagefd != -1)
		close(p->pagefd);
	p->in.len = p->out.len = 0;
	xbuf_put(&p->in);
	xbuf_put(&p->out);
	oq_clear(&p->oq);
	pty_free(p);
	npty--;
	loop_hold(-1);
}

/* ---- the state: every transition here ---- */

/* The subsidiary's last close: marker, dismantle, wait for a reopen. */
static void
pty_subsid_closed(struct pty *p)
{
	static const uint8_t	eof[XP_FRAMEHDR] = { XP_M_DATA, 0, 0, 0, 0 };

	log_debug("pty %d: last close of the subsidiary", p->ptyno);
	xstate_dismantle(p->mfd);	/* as ptsclose() does */
	/* the dismantling's own termios change is no message (ptsclose) */
	if (p->flags & PTYF_PCKT)
		(void)host_pkt_status_take(p->mfd);
	if ((p->flags & PTYF_PCKT) == 0)
		pty_tail_zero(p);
	else if (pty_tail_append(p, eof, sizeof(eof)) == -1)
		log_warn("pty %d: end of file not framed", p->ptyno);
	pty_out_flush(p);
	pty_watch_start(p);
}

/*
 * Enter state s: PTY_NOSUBSID from PTY_LIVE (the last close was read;
 * at adoption, with PTYF_FRESH: none yet, only the watch starts),
 * PTY_LIVE from PTY_NOSUBSID (a subsidiary opened again; also to clear a
 * PTYF_INWAIT), PTY_RELEASED from either (XP_RELEASE), PTY_HANGUP from
 * any other (no client holds a connection; this may destroy p at once,
 * and does from PTY_RELEASED: the application holds the manager).
 */
static void
pty_enter(struct pty *p, enum pty_state s)
{
	enum pty_state	was = p->state;

	p->state = s;
	switch (s) {
	case PTY_NOSUBSID:
		(void)lease_pty_hold(p->lease, LEASE_HOLD_HUP);
		if (p->flags & PTYF_FRESH)
			pty_watch_start(p);	/* no close yet: no marker */
		else
			pty_subsid_closed(p);
		break;
	case PTY_LIVE:
		pty_watch_stop(p);
		lease_pty_unhold(p->lease, LEASE_HOLD_HUP);
		break;
	case PTY_HANGUP:
		(void)lease_pty_hold(p->lease, LEASE_HOLD_CLOSING);
		pty_watch_stop(p);
		if (was == PTY_RELEASED)
			pty_destroy(p);
		else
			pty_hangup(p, was == PTY_NOSUBSID);
		break;
	case PTY_RELEASED:
		pty_lease_hold_now(p, LEASE_HOLD_OFF);
		pty_release_begin(p);
		break;
	}
}

/* ---- release: the application takes the host manager ---- */

/*
 * Everything held has been delivered: end the current connection, with
 * no successor (its XP_ATTACH gets the host manager).
 */
static void
pty_release_end(struct pty *p)
{
	if (p->cur == NULL || !pty_out_idle(p))
		return;
	log_debug("pty %d: released, connection %d ended", p->ptyno,
	    p->cur->fd);
	pty_end_cur(p);
}

/* PTY_RELEASED begins: what was peeked is written, the rest dropped. */
static void
pty_release_begin(struct pty *p)
{
	struct inj	*ij;

	log_debug("pty %d: released to the application", p->ptyno);
	p->flags |= PTYF_GIVEN;
	if (p->in.len > 0 && !pty_in_flush(p))
		log_warnx("pty %d: released with %zu bytes of input "
		    "not taken by the host", p->ptyno, p->in.len);
	p->in.len = 0;
	p->in_conn = NULL;
	xbuf_put(&p->in);
	p->flags &= ~PTYF_INWAIT;
	pty_watch_stop(p);
	if (evtimer_pending(p->ev_timer, NULL))
		evtimer_del(p->ev_timer);
	while ((ij = TAILQ_FIRST(&p->injq)) != NULL)
		pty_inj_done(p, ij, EPIPE);
	pty_out_flush(p);
	pty_update(p);
}

/*
 * XP_RELEASE on data connection d of p.  Returns 1 if d is ended already
 * and nothing follows it (the library may switch once d is read), else 0.
 */
int
pty_release(struct pty *p, struct dconn *d)
{
	if (p->state != PTY_RELEASED)
		pty_enter(p, PTY_RELEASED);
	return (p->cur == NULL && p->ended == d && d->succ == NULL);
}

/* ---- control requests on a pty ---- */

int
pty_set_pckt(struct pty *p, int on)
{
	if (p->state == PTY_RELEASED)
		return (EINVAL);
	if (on)
		pty_lease_hold_now(p, LEASE_HOLD_PCKT);
	if (host_set_pktmode(p->mfd, on) == -1) {
		if (on && (p->flags & PTYF_PCKT) == 0)
			lease_pty_unhold(p->lease, LEASE_HOLD_PCKT);
		return (errno);
	}
	if (on)
		p->flags |= PTYF_PCKT;
	else {
		p->flags &= ~PTYF_PCKT;
		lease_pty_unhold(p->lease, LEASE_HOLD_PCKT);
	}
	log_debug("pty %d: pckt %s", p->ptyno, on ? "on" : "off");
	return (0);
}

/*
 * XP_ATTACH: what follows old, an ended connection of p: its successor
 * (made now if nothing has needed it yet; if the next thing in the stream
 * is another zero-length message, it ends at once), or the first after it
 * whose zero-length message nobody has read; NULL if there is none (the
 * chain is at its bound, or no resources).
 */
struct dconn *
pty_fetch(struct pty *p, struct dconn *old)
{
	if (old->succ == NULL && p->ended == old && pty_succ_make(p))
		pty_pump_out(p);
	return (dconn_next_unread(old));
}

/*
 * Is fd this pty's subsidiary?  The host tells the sides apart (its
 * manager may report the subsidiary's device number: the manager is no
 * proof of holding the subsidiary).
 */
int
pty_check_subsid(struct pty *p, int fd)
{
	int	n;

	return (fd != -1 && host_classify(fd, &n) == HOST_SUBSID &&
	    n == p->ptyno);
}

/*
 * XP_ZERO, XP_EVENT: put a message in the stream once its place is fixed;
 * done(arg, ptyno, err) is called then (or with EIO if the pty goes
 * first), which may be before this call returns.  0, or ENOMEM (done is
 * not called then).
 */
int
pty_inject(struct pty *p, uint8_t mtype, const uint8_t *data, size_t len,
    pty_done_fn *done, void *arg)
{
	struct inj	*ij;

	if (p->state == PTY_RELEASED)
		return (EPIPE);	/* no stream of ours to put it in */
	if ((ij = malloc(sizeof(*ij) + len)) == NULL)
		return (ENOMEM);
	ij->done = done;
	ij->arg = arg;
	ij->mtype = mtype;
	ij->len = len;
	if (len > 0)
		memcpy(ij->data, data, len);
	TAILQ_INSERT_TAIL(&p->injq, ij, entry);
	/* the marker goes after every byte H holds: take the path back */
	(void)lease_pty_hold(p->lease, LEASE_HOLD_INJ);
	(void)pty_reopened(p, 0);	/* the requester holds one open */
	pty_pump_out(p);
	return (0);
}

/*
 * The requester arg is gone (killed in tcsetattr, say): what it asked for
 * is dropped, as if it had never asked.
 */
void
pty_cancel(struct pty *p, void *arg)
{
	struct inj	*ij, *next;

	TAILQ_FOREACH_SAFE(ij, &p->injq, entry, next) {
		if (ij->arg == arg) {
			TAILQ_REMOVE(&p->injq, ij, entry);
			free(ij);
		}
	}
}

/* A connection of p whose clients are all gone but not yet seen so. */
static struct dconn *
pty_dead_conn(struct pty *p)
{
	struct dconn	*d;

	LIST_FOREACH(d, &p->conns, owner_entry) {
		if (dconn_rdhup(d))
			return (d);
	}
	return (NULL);
}

/*
 * XP_SYNC.  A process closed its last descriptor of this pty's manager:
 * look for closed connections now rather than when the loop gets to them,
 * so that the hangup is seen as soon as close() has returned.  Before
 * that, take in what the subsidiary side did before the request was sent
 * (a reopen the watch saw, a last close that the manager reads as its
 * hangup, which dismantles the stream, the first open of a fresh pty
 * whose mark libxpty's opener cleared), so that a library that asks with
 * the manager still open (before it marks the stream, say) knows that no
 * dismantling of an earlier close is still to come.  Returns 1 if the pty
 * is hung up (or gone), 0 if a manager is still open.
 */
int
pty_sync(int ptyno)
{
	struct pty	*p = pty_lookup(ptyno);
	struct dconn	*d;

	if (p == NULL || p->state == PTY_HANGUP)
		return (1);
	if (p->watch != NULL)
		watch_poll();
	lease_pty_sync(p->lease);	/* a reader may have read the close */
	if ((p = pty_lookup(ptyno)) == NULL || p->state == PTY_HANGUP)
		return (1);
	if (p->flags & PTYF_FRESH)
		pty_check_reopen(p, 0);	/* libxpty's first open clears the mark */
	if (pty_can_read_master(p))
		pty_pump_out(p);
	/* each may free p; closing one may end its unfetched successor */
	while ((p = pty_lookup(ptyno)) != NULL && p->state != PTY_HANGUP &&
	    (d = pty_dead_conn(p)) != NULL)
		pty_conn_gone(d, p);
	return (p == NULL || p->state == PTY_HANGUP);
}

/* ---- the lease (lease.c): xptyd's side of the pty ---- */

/* xptyd's reasons to keep the data path, as the pty is now. */
static uint32_t
pty_lease_holds(struct pty *p)
{
	uint32_t	h = 0;

	if (!TAILQ_EMPTY(&p->injq))
		h |= LEASE_HOLD_INJ;
	if (p->state == PTY_NOSUBSID)
		h |= LEASE_HOLD_HUP;
	if (p->state == PTY_HANGUP)
		h |= LEASE_HOLD_CLOSING;
	if (p->state == PTY_RELEASED)
		h |= LEASE_HOLD_OFF;
	if (p->flags & PTYF_PCKT)
		h |= LEASE_HOLD_PCKT;
	return (h);
}

/*
 * Hold the path and wait for a reader inside the critical section to
 * leave it (one non-blocking read long), for changes that alter what a
 * read of the host manager returns (packet mode) or who owns it.
 */
static void
pty_lease_hold_now(struct pty *p, uint32_t hold)
{
	int	i;

	for (i = 0; i < 10000 && !lease_pty_hold(p->lease, hold); i++)
		sched_yield();
}

/*
 * XP_LEASE from process pid (0: unknown): a slot in p's lease, the block
 * made now if this is the first (with the holds p has, and dreading set
 * if bytes read from the host manager are still unsent).
 */
int
pty_lease_grant(struct pty *p, uint32_t pid, int *slot, uint32_t *serial,
    int *pagefd)
{
	if (p->state == PTY_RELEASED || p->state == PTY_HANGUP)
		return (EOPNOTSUPP);
	return (lease_grant(&p->lease, p, pty_lease_holds(p),
	    !pty_out_idle(p), pid, slot, serial, pagefd));
}

/*
 * The word is RELAY again (lease.c settled): read the host manager, the
 * last close first if a library reader read it (eio).
 */
void
pty_lease_back(struct pty *p, int eio)
{
	if (eio && p->state == PTY_LIVE)
		pty_enter(p, PTY_NOSUBSID);
	pty_pump_out(p);
}
