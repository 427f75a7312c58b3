/*
 * pty.c - one relayed pty: the host manager and the application's data
 * connections, moved through one libevent loop.
 *
 * Theory of operation.  The library opens the host manager (/dev/ptmx,
 * non-blocking), dismantles its stream and hands it to the daemon with
 * XP_ADOPT, together with the daemon's end of the socketpair whose other
 * end the application holds as its manager: the first data connection.
 * The daemon keeps the host manager for the pty's whole life; the library
 * keeps a private copy for control ioctls.  Adoption touches no termios:
 * the application may already be pushing modules.
 * Bytes move in two directions, each with at most one transfer buffer
 * (buf.c), taken only while bytes are in flight:
 *
 *   out: host manager -> the current data connection (p->cur)
 *   in:  any data connection of the pty -> host manager
 *
 * The in direction peeks at the socket and consumes only what the host
 * manager took, so unsent bytes stay in the socket (where the library's
 * direct-write fast path can see them, relay_write()).
 * A callback reads into the direction's buffer and writes it on at once;
 * only what the destination does not take stays pending, and while it is
 * pending the source is not read (flow control: nothing grows without
 * bound, a slow reader blocks the writer).  Reads are as large as the
 * buffer; a short read ends the loop, so a 1-byte round trip costs one
 * wakeup, one read and one write per hop.
 *
 * Markers.  SVR4's zero-length message is the end of file of the data
 * connection: when the subsidiary's last close is seen (the host manager
 * reads EIO), or a subsidiary-side process asks for a zero-length message
 * (XP_ZERO), the daemon sends what precedes it and then shuts down the
 * writing half of the current connection.  What comes after goes to the
 * connection's successor (server.c, conn_successor), made when something
 * has to go into it (bytes, or the next zero-length message) or when the
 * library fetches it with XP_ATTACH after reading the 0; until the
 * library fetches it, bytes wait in the successor's socket.  Zero-length
 * messages that follow one another are only counted (p->eofq, and the
 * counts in the queue below): the successor that carries the next one is
 * made when the library fetches it, so a run of them costs one number.
 * A writer never waits for the reader, and a pty whose manager closes
 * after the subsidiary's last close never makes a successor.  The daemon
 * keeps a successor's client end only until someone has read its own
 * zero-length message (fetching past it), so a process that holds an old
 * connection and never reads (a forked child) pins nothing else: when it
 * does read, it skips to the first connection whose message is unread.
 * Successors holding unread bytes are bounded (PTY_MAXCHAIN): past it the
 * host manager is not read until the reader catches up, which is the
 * stream's flow control.  In pckt mode the marker is a frame (M_DATA,
 * length 0) and the connection stays.
 *
 * Injections (XP_ZERO, XP_EVENT) are queued in p->injq and placed once
 * the host manager has been read until EAGAIN (a non-blocking read that
 * fails with EAGAIN has flushed the tty flip buffers, so every write the
 * subsidiary completed before asking is ahead of the marker), or until
 * more than a tty holds (PTY_DRAINMAX) was read.  The requester gets its
 * reply then, whether or not the application reads: the stream order is
 * fixed.  If the out buffer is still pending (the application is not
 * reading), what the drain reads goes into the pty's queue (outq.c,
 * bounded by OQ_MAXCHUNKS chunks of OQ_CHUNK bytes) and the marker after
 * it; only when that queue is full, or zero-length messages are unread
 * PTY_MAXMARKS times over, does the requester wait for the reader.
 * Stream order, out of the daemon: p->out, then p->eofq zero-length
 * messages, then the queue's chunks, each with its count.
 *
 * Nothing is ever armed that cannot make progress: the host manager is
 * written only while a subsidiary is open (with none, Linux reports
 * EPOLLHUP for ever and write() says EAGAIN: p->whup waits for the next
 * open), read only while the out side can take what it reads, and when
 * memory or descriptors run out (p->nores) the pty stops for
 * PTY_RETRY_MS instead of retrying in the loop.  Each data connection
 * also watches EV_CLOSED (EPOLLRDHUP): a client that goes away is seen
 * even while its unsent bytes wait in the socket because the subsidiary
 * does not read.
 *
 * After the last subsidiary close the host manager reports its hangup
 * until a subsidiary is opened again (p->hup, host_mgr_hup); the daemon
 * does not poll it then but watches for the next open (host_watch_*,
 * lib/host.h: inotify IN_OPEN on Linux), or looks again on a timer where
 * the host cannot watch.  At that last close the stream is dismantled
 * (xstate_dismantle, common/store.h, shared with the library's direct
 * engine): no modules, no XPG4v2 marks, raw termios.
 *
 * The stream's state lives in the store: the termios slots, or the page
 * store's page, which the daemon keeps (p->pagefd, from XP_ADOPT_PAGE:
 * the pty owns it and closes it when destroyed) and hands to processes
 * that ask (XP_PAGE), and marks dead before the host manager closes.
 *
 * When every client end of the pty's data connections is closed (the
 * application's last manager descriptor anywhere), the pty hangs up: what
 * the application wrote is still written, the daemon waits until the
 * subsidiary has read what is queued for it (TIOCINQ on a peer descriptor
 * from host_open_peer), for at most XPTY_HANGUP_MS and for at most half of
 * that without the subsidiary reading anything, then closes the host
 * manager, which hangs the subsidiary up.  A connection whose client is
 * gone but whose socket still holds bytes stays (c->gone) until they are
 * read or the pty is destroyed.
 *
 * Release (XP_RELEASE).  A program that asks for a Linux data-path ioctl
 * on its manager (TIOCPKT) takes the host manager itself: the library
 * dup3()s it over the manager socket.  From then on (p->released) the
 * daemon never reads or writes the host manager (its status flags become
 * the application's), drops what connections still send, places no
 * marker and dismantles nothing; it delivers what it already holds, in
 * stream order, ends the last connection, and answers its XP_ATTACH with
 * the host manager (XP_RELEASED).  When the connections are gone the
 * pty is destroyed at once (the application holds the manager: no
 * hangup).
 *
 * State: the tree of ptys by number, the list of watched ptys and the
 * watch set's descriptor (owned here, closed only at exit).
 * Single-threaded, no locking.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "xptyd.h"
#include "host.h"
#include "store.h"
#include "termmsg.h"

#define PTY_HANGUP_MS		2000	/* default bound on the hangup wait */
#define PTY_MAXCHAIN		32	/* unfetched successors */
#define PTY_MAXMARKS		65536	/* unread zero-length messages */
#define PTY_DRAINMAX		(128 * 1024)	/* more than a tty holds */
#define PTY_RETRY_MS		100	/* out of memory or descriptors */
#define PTY_STATUSMAX		256	/* frames made of one pckt status byte */

/* What one read of the host manager did (pty_read_fast, pty_read_queued). */
#define RD_STUCK		(-1)	/* could not read: wait */
#define RD_DRAINED		0	/* EAGAIN, or the last close */

struct inj {
	TAILQ_ENTRY(inj)	 entry;
	struct conn		*waiter;
	uint8_t			 mtype;
	size_t			 len;
	uint8_t			 data[];
};

struct pty {
	int			 ptyno;
	int			 mfd;		/* host manager */
	int			 peerfd;	/* subsidiary, while hanging up */
	int			 pagefd;	/* the page store's page, or -1 */
	struct event		*ev_mread;
	struct event		*ev_mwrite;
	struct event		*ev_timer;
	struct event		*ev_retry;	/* p->nores ends */
	int			 mr_on, mw_on;
	LIST_HEAD(, conn)	 conns;
	int			 nconns;
	struct conn		*cur;		/* receives the out direction */
	struct conn		*ended;		/* ended by a marker, no successor yet */
	struct conn		*in_conn;	/* in bytes are peeked from it */
	struct xbuf		 out;
	struct xbuf		 in;
	int			 pckt;		/* framed (packet mode on) */
	int			 hup;		/* no subsidiary open */
	int			 whup;		/* input waits for one to open */
	int			 nores;		/* out of memory or descriptors */
	unsigned		 eofq;		/* zero-length messages after out */
	struct outq		 oq;		/* what follows them (outq.c) */
	int			 closing;
	int			 released;	/* XP_RELEASE: mfd is not ours */
	int			 wd;		/* watch id or -1 */
	long			 close_t0;	/* hanging up since (ms) */
	long			 prog_ms;	/* the subsidiary last read then */
	long			 left;		/* bytes it had still to read */
	int			 close_step;
	int			 zeros;		/* consecutive checks finding 0 */
	long			 last_in_ms;	/* last write to the host manager */
	TAILQ_HEAD(, inj)	 injq;
	RB_ENTRY(pty)		 entry;
	LIST_ENTRY(pty)		 wentry;
};

int	npty;

static int
pty_cmp(struct pty *a, struct pty *b)
{
	return a->ptyno < b->ptyno ? -1 : a->ptyno > b->ptyno;
}
RB_HEAD(pty_tree, pty);
RB_PROTOTYPE_STATIC(pty_tree, pty, entry, pty_cmp);
RB_GENERATE_STATIC(pty_tree, pty, entry, pty_cmp);
static struct pty_tree	ptys = RB_INITIALIZER(&ptys);

static LIST_HEAD(, pty)	watched = LIST_HEAD_INITIALIZER(watched);
static int		watch_fd = -1;		/* host_watch_open's set */
static struct event	*watch_ev;
static int		hangup_limit = -1;

static void	pty_link(struct pty *, struct conn *);
static void	pty_pump_out(struct pty *);
static void	pty_update(struct pty *);
static void	pty_hangup(struct pty *);
static void	pty_destroy(struct pty *);
static void	pty_timer_cb(evutil_socket_t, short, void *);
static void	pty_retry_cb(evutil_socket_t, short, void *);
static void	pty_release_end(struct pty *);
static void	pty_released_input(struct conn *);

_Static_assert(PTY_STATUSMAX >= XP_FRAMEHDR * 4 + 1 +
    sizeof(struct iocblk) + sizeof(struct termios), "PTY_STATUSMAX");
_Static_assert(OQ_CHUNK <= XBUF_SIZE + XBUF_SLACK, "OQ_CHUNK");

static long
pty_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ---- accessors ---- */

int
pty_number(struct pty *p)
{
	return p->ptyno;
}

int
pty_hostfd(struct pty *p)
{
	return p->mfd;
}

int
pty_pckt(struct pty *p)
{
	return p->pckt;
}

int
pty_closing(struct pty *p)
{
	return p->closing;
}

int
pty_released(struct pty *p)
{
	return p->released;
}

/* The pty numbered ptyno, even one hanging up, or NULL. */
static struct pty *
pty_lookup(int ptyno)
{
	struct pty	key;

	key.ptyno = ptyno;
	return RB_FIND(pty_tree, &ptys, &key);
}

struct pty *
pty_find(int ptyno)
{
	struct pty	*p = pty_lookup(ptyno);

	return (p != NULL && !p->closing) ? p : NULL;
}

/* Is there a pty numbered ptyno, even one hanging up? */
int
pty_known(int ptyno)
{
	return pty_lookup(ptyno) != NULL;
}

/* ---- the stream state (common/store.h) ---- */

/* The store asks what pty a descriptor is: the host answers for us. */
int
store_fd_ptyno(int fd)
{
	return -1;
}

/*
 * The page store: keep pagefd, the pty's state page (XP_ADOPT_PAGE), for
 * the pty's life, mapped here too (the dismantling writes it).  On
 * failure the caller still owns pagefd.
 */
int
pty_set_page(struct pty *p, int pagefd)
{
	if (xstate_page_install(p->ptyno, pagefd) == -1) {
		log_warn("pty %d: state page", p->ptyno);
		return -1;
	}
	p->pagefd = pagefd;
	return 0;
}

/* The page store's page of p (XP_PAGE), or -1. */
int
pty_page(struct pty *p)
{
	return p->pagefd;
}

/* No subsidiary is open (the host manager reports POLLHUP)? */
static int
pty_host_hup(struct pty *p)
{
	return host_mgr_hup(p->mfd) == 1;
}

/* ---- creation ---- */

static void
pty_mread_cb(evutil_socket_t fd, short what, void *arg)
{
	xwork++;
	pty_pump_out(arg);
}

static void pty_mwrite_cb(evutil_socket_t, short, void *);

static void
pty_free_events(struct pty *p)
{
	if (p->ev_mread != NULL)
		event_free(p->ev_mread);
	if (p->ev_mwrite != NULL)
		event_free(p->ev_mwrite);
	if (p->ev_timer != NULL)
		event_free(p->ev_timer);
	if (p->ev_retry != NULL)
		event_free(p->ev_retry);
}

/*
 * Adopt mfd, a host manager the library opened (XP_ADOPT).  On success the
 * pty owns mfd; on failure the caller still does.
 */
struct pty *
pty_adopt(int mfd, int *err)
{
	struct pty	*p;
	int		 fl;

	if ((p = calloc(1, sizeof *p)) == NULL) {
		*err = ENOMEM;
		return NULL;
	}
	p->peerfd = p->wd = p->pagefd = -1;
	p->mfd = -1;
	LIST_INIT(&p->conns);
	TAILQ_INIT(&p->injq);
	oq_init(&p->oq);
	errno = 0;
	if ((p->ptyno = host_ptyno(mfd)) == -1 ||
	    (fl = fcntl(mfd, F_GETFL)) == -1 ||
	    ((fl & O_NONBLOCK) == 0 &&
	    fcntl(mfd, F_SETFL, fl | O_NONBLOCK) == -1))
		goto fail;
	p->ev_mread = event_new(xbase, mfd, EV_READ | EV_PERSIST,
	    pty_mread_cb, p);
	p->ev_mwrite = event_new(xbase, mfd, EV_WRITE | EV_PERSIST,
	    pty_mwrite_cb, p);
	p->ev_timer = evtimer_new(xbase, pty_timer_cb, p);
	p->ev_retry = evtimer_new(xbase, pty_retry_cb, p);
	if (p->ev_mread == NULL || p->ev_mwrite == NULL ||
	    p->ev_timer == NULL || p->ev_retry == NULL)
		goto fail;
	if (RB_INSERT(pty_tree, &ptys, p) != NULL) {
		errno = EEXIST;
		goto fail;
	}
	p->mfd = mfd;
	npty++;
	log_debug("pty %d adopted", p->ptyno);
	return p;

fail:
	*err = errno != 0 ? errno : EIO;
	log_warn("cannot adopt a pty");
	pty_free_events(p);
	free(p);
	return NULL;
}

/* ---- event bookkeeping ---- */

static int	pty_chain_len(struct conn *);

/* Where the out direction goes now, or could once a successor is made. */
static int
pty_has_reader(struct pty *p)
{
	if (p->nores)
		return 0;
	if (p->cur != NULL)
		return 1;
	return p->ended != NULL && p->eofq == 0 &&
	    pty_chain_len(p->ended) < PTY_MAXCHAIN;
}

/* Nothing of the out direction is pending in the daemon. */
static int
pty_out_idle(struct pty *p)
{
	return p->out.len == 0 && p->eofq == 0 && oq_empty(&p->oq);
}

static int
pty_can_read_master(struct pty *p)
{
	return !p->closing && !p->released && !p->hup && pty_out_idle(p) &&
	    pty_has_reader(p);
}

static void
pty_set_ev(struct event *ev, int *on, int want)
{
	if (want && !*on)
		event_add(ev, NULL);
	else if (!want && *on)
		event_del(ev);
	*on = want;
}

static void
pty_update(struct pty *p)
{
	struct conn	*c;

	pty_set_ev(p->ev_mread, &p->mr_on, pty_can_read_master(p));
	pty_set_ev(p->ev_mwrite, &p->mw_on,
	    p->in.len > 0 && !p->hup && !p->whup && !p->released);
	LIST_FOREACH(c, &p->conns, pentry) {
		conn_set_read(c, p->in.len == 0 && !p->nores);
		conn_set_write(c, c == p->cur && p->out.len > 0);
	}
}

/*
 * Out of memory or descriptors: stop this pty's transfers for a while
 * rather than retry them in the loop.
 */
static void
pty_nores(struct pty *p)
{
	struct timeval	tv = { 0, PTY_RETRY_MS * 1000 };

	if (p->nores)
		return;
	log_warnx("pty %d: out of resources, retrying in %d ms", p->ptyno,
	    PTY_RETRY_MS);
	p->nores = 1;
	evtimer_add(p->ev_retry, &tv);
}

static void
pty_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pty	*p = arg;

	p->nores = 0;
	pty_pump_out(p);
}

/* ---- when does a subsidiary open again? ---- */

static void
pty_watch_stop(struct pty *p)
{
	if (p->wd != -1) {
		host_watch_rm(watch_fd, p->wd);
		LIST_REMOVE(p, wentry);
		p->wd = -1;
	}
}

/*
 * Has a subsidiary been opened since the last close (p->hup), or since
 * input was found with nobody to take it (p->whup)?  Forced by IN_OPEN:
 * then even one that is already closed again counts (its close gives
 * another zero-length message).  1 if so: the caller moves what waited.
 */
static int
pty_reopened(struct pty *p, int force)
{
	if (!p->hup && !p->whup)
		return 0;
	if (!force && pty_host_hup(p))
		return 0;
	log_debug("pty %d: subsidiary open again", p->ptyno);
	p->hup = p->whup = 0;
	pty_watch_stop(p);
	return 1;
}

static void
pty_check_reopen(struct pty *p, int force)
{
	if (pty_reopened(p, force))
		pty_pump_out(p);
}

static void
pty_watch_start(struct pty *p)
{
	struct timeval	tv = { 0, 20000 };

	if (watch_fd != -1 && p->wd == -1) {
		p->wd = host_watch_add(watch_fd, p->ptyno);
		if (p->wd != -1)
			LIST_INSERT_HEAD(&watched, p, wentry);
	}
	if (p->wd == -1 && !evtimer_pending(p->ev_timer, NULL))
		evtimer_add(p->ev_timer, &tv);	/* look every 20 ms */
	(void)pty_reopened(p, 0);	/* it may have happened already */
}

#define PTY_WATCH_IDS	64

static void
pty_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	int		 ids[PTY_WATCH_IDS], n, i;
	struct pty	*p, *next;

	while ((n = host_watch_take(fd, ids, PTY_WATCH_IDS)) > 0) {
		LIST_FOREACH_SAFE(p, &watched, wentry, next) {
			for (i = 0; i < n; i++) {
				if (p->wd == ids[i]) {
					pty_check_reopen(p, 1);
					break;
				}
			}
			/* some may have been dropped: look at the rest */
			if (i == n && n == PTY_WATCH_IDS)
				pty_check_reopen(p, 0);
		}
		if (n < PTY_WATCH_IDS)
			break;
	}
}

void
pty_watch_init(void)
{
	watch_fd = host_watch_open();
	if (watch_fd == -1) {
		log_warn("no reopen watch (falling back to timers)");
		return;
	}
	watch_ev = event_new(xbase, watch_fd, EV_READ | EV_PERSIST,
	    pty_watch_cb, NULL);
	if (watch_ev == NULL)
		fatal("event_new");
	event_add(watch_ev, NULL);
}

/* ---- the out direction: host manager -> application ---- */

/* Successors made and not yet fetched, up to and including c. */
static int
pty_chain_len(struct conn *c)
{
	int	n = 0;

	for (; c != NULL && c->clientfd != -1; c = c->pred)
		n++;
	return n;
}

/* The current connection shuts down its writing half: the manager's 0. */
static void
pty_do_eof(struct pty *p)
{
	struct conn	*c = p->cur;

	if (c == NULL || p->eofq == 0)
		return;
	p->eofq--;
	log_debug("pty %d: end of file on connection %d", p->ptyno, c->fd);
	shutdown(c->fd, SHUT_WR);
	c->shut = 1;
	conn_set_write(c, 0);
	p->cur = NULL;
	p->ended = c;
}

/*
 * Make the successor of the connection a marker ended, and make it
 * current; 0 if the chain is at its bound or there are no resources
 * (then the out direction waits, and XP_ATTACH tries again).
 */
static int
pty_succ_make(struct pty *p)
{
	struct conn	*d;

	if (p->cur != NULL)
		return 1;
	if (p->ended == NULL || pty_chain_len(p->ended) >= PTY_MAXCHAIN)
		return 0;
	if (p->released && pty_out_idle(p))
		return 0;	/* nothing left to carry */
	if ((d = conn_successor(p->ended)) == NULL) {
		pty_nores(p);
		return 0;
	}
	pty_link(p, d);
	p->cur = d;
	p->ended = NULL;
	return 1;
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
				return 0;
			n = send(p->cur->fd, p->out.data + p->out.off,
			    p->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0) {
				p->out.off += (size_t)n;
				p->out.len -= (size_t)n;
			} else if (n == -1 && errno == EAGAIN)
				return 0;
			else if (n == -1 && errno != EINTR)
				p->out.len = 0;	/* the reader is gone */
		}
		xbuf_put(&p->out);
		if (p->eofq > 0) {
			if (p->cur == NULL)
				return 0;	/* made when fetched */
			pty_do_eof(p);
			continue;
		}
		if (oq_empty(&p->oq)) {
			if (p->released)
				pty_release_end(p);
			return 1;
		}
		if (xbuf_get(&p->out) == -1) {
			pty_nores(p);
			return 0;
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
			return -1;
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
			return 0;
		}
	}
	return oq_append(&p->oq, data, len);
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
	return p->eofq + p->oq.zeros;
}

/* Write a frame at w; returns its length. */
static size_t
pty_put_frame(uint8_t *w, uint8_t mtype, const uint8_t *data, size_t len)
{
	xp_put_frame(w, mtype, (uint32_t)len);
	if (len > 0)
		memcpy(w + XP_FRAMEHDR, data, len);
	return XP_FRAMEHDR + len;
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
		return 0;
	return pty_put_frame(w, XP_M_IOCTL, msg, (size_t)n);
}

/* Where a read of the host manager goes in its buffer (see below). */
static size_t
pty_read_off(struct pty *p)
{
	return p->pckt ? XP_FRAMEHDR - 1 : 0;
}

/*
 * buf holds a read of n bytes at buf + pty_read_off(): as they are, or in
 * pckt mode a status byte first.  Make it what the application reads, in
 * place at buf (a data frame's header overwrites the status byte; a
 * status byte becomes at most PTY_STATUSMAX bytes of frames, the
 * subsidiary's view of flushes); returns its length.
 */
static size_t
pty_frame_read(struct pty *p, uint8_t *buf, size_t n)
{
	uint8_t		st, fl = 0;
	unsigned	ev;
	size_t		len = 0;

	if (!p->pckt)
		return n;
	if ((st = buf[XP_FRAMEHDR - 1]) == HOST_PKT_DATA) {
		xp_put_frame(buf, XP_M_DATA, (uint32_t)(n - 1));
		return XP_FRAMEHDR + n - 1;
	}
	ev = host_pkt_status(st);
	if (ev & HOST_PKT_FLUSHR)
		fl |= XP_FLUSHR;
	if (ev & HOST_PKT_FLUSHW)
		fl |= XP_FLUSHW;
	if (fl != 0)
		len += pty_put_frame(buf + len, XP_M_FLUSH, &fl, 1);
	if (ev & HOST_PKT_STOP)
		len += pty_put_frame(buf + len, XP_M_STOP, NULL, 0);
	if (ev & HOST_PKT_START)
		len += pty_put_frame(buf + len, XP_M_START, NULL, 0);
	if (ev & HOST_PKT_TERMIOS)
		len += pty_put_termios(p, buf + len);
	return len;
}

/* The subsidiary's last close: marker, dismantle, wait for a reopen. */
static void
pty_subsid_closed(struct pty *p)
{
	static const uint8_t	eof[XP_FRAMEHDR] = { XP_M_DATA, 0, 0, 0, 0 };

	log_debug("pty %d: last close of the subsidiary", p->ptyno);
	xstate_dismantle(p->mfd);	/* as ptsclose() does */
	p->hup = 1;
	if (!p->pckt)
		pty_tail_zero(p);
	else if (pty_tail_append(p, eof, sizeof eof) == -1)
		log_warn("pty %d: end of file not framed", p->ptyno);
	pty_out_flush(p);
	pty_watch_start(p);
}

/*
 * Read the host manager into buf: the bytes read, or RD_DRAINED (EAGAIN,
 * or the last close, whose marker is placed here), or RD_STUCK (another
 * error: the pty pauses rather than read again at once).
 */
static ssize_t
pty_read_host(struct pty *p, uint8_t *buf, size_t len)
{
	struct iovec	iov = { buf, len };
	ssize_t		n;

	do
		n = host_mgr_readv(p->mfd, &iov, 1);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		return n;
	if (n == -1 && errno == EAGAIN)
		return RD_DRAINED;
	if (host_mgr_read_hup(n, errno)) {
		pty_subsid_closed(p);	/* the last close */
		return RD_DRAINED;
	}
	log_warn("pty %d: read", p->ptyno);
	pty_nores(p);
	return RD_STUCK;
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
		return RD_STUCK;
	}
	/* a successor is made only for bytes (pty_out_flush) */
	n = pty_read_host(p, p->out.data + pty_read_off(p), XBUF_SIZE);
	if (n > 0) {
		p->out.off = 0;
		p->out.len = pty_frame_read(p, p->out.data, (size_t)n);
		pty_out_flush(p);
		return n;
	}
	xbuf_put(&p->out);
	return n;
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
		return RD_STUCK;
	}
	if ((n = pty_read_host(p, w + off, room - off)) > 0) {
		oq_commit(&p->oq, pty_frame_read(p, w, (size_t)n));
		return n;
	}
	oq_release(&p->oq);	/* after the last close's marker used it */
	return n;
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

	if (p->released)
		return 1;	/* the host manager is the application's */
	while (!p->hup && got < PTY_DRAINMAX) {
		n = pty_can_read_master(p) ? pty_read_fast(p) :
		    pty_read_queued(p);
		if (n == RD_DRAINED)
			return 1;
		if (n == RD_STUCK)
			return 0;
		got += (size_t)n;
	}
	return 1;
}

static void
pty_inj_done(struct pty *p, struct inj *ij, int err)
{
	struct conn	*c = ij->waiter;

	TAILQ_REMOVE(&p->injq, ij, entry);
	free(ij);
	if (c != NULL) {
		c->pty = NULL;
		server_reply(c, err, p->ptyno, 0, 0, -1);
	}
}

/* Does the application see this injection (else it only needs a reply)? */
static int
pty_inj_shown(struct pty *p, struct inj *ij)
{
	return p->pckt || (ij->mtype == XP_M_DATA && ij->len == 0);
}

/* Put an injection at the end of the stream: 0, EAGAIN (full), ENOMEM. */
static int
pty_inj_mark(struct pty *p, struct inj *ij)
{
	uint8_t	f[XP_FRAMEHDR + XP_MAXEVENT];

	if (!p->pckt) {
		if (pty_marks(p) >= PTY_MAXMARKS)
			return EAGAIN;
		pty_tail_zero(p);
		return 0;
	}
	if (pty_tail_append(p, f, pty_put_frame(f, ij->mtype, ij->data,
	    ij->len)) == 0)
		return 0;
	return errno == ENOBUFS ? EAGAIN : ENOMEM;
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
}

/* Move what can be moved out, read the host manager, place injections. */
static void
pty_pump_out(struct pty *p)
{
	ssize_t	n;
	int	i;

	if (!p->closing) {
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
 * (relay_write), without overtaking anything.
 */
static void
pty_in_consume(struct pty *p, size_t n)
{
	uint8_t	*done = p->in.data + p->in.off;	/* written: reusable */
	ssize_t	 r;

	while (p->in_conn != NULL && n > 0) {
		r = recv(p->in_conn->fd, done, n, MSG_DONTWAIT);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n -= (size_t)r;
	}
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
			return 0;
		else {
			log_debug("pty %d: write: %s", p->ptyno,
			    strerror(errno));
			pty_in_consume(p, p->in.len);
			p->in.len = 0;
		}
	}
	p->in_conn = NULL;
	xbuf_put(&p->in);
	return 1;
}

/*
 * The host manager is writable, or reports EPOLLHUP: with no subsidiary
 * open it does both for ever while write() says EAGAIN.  Then the input
 * waits for a subsidiary to open (p->whup; the last close itself is read
 * from the host manager as usual), or, hanging up, is dropped with the
 * pty: nobody can read it any more.
 */
static void
pty_mwrite_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pty	*p = arg;

	if (!pty_in_flush(p) && pty_host_hup(p)) {
		if (p->closing) {
			pty_destroy(p);
			return;
		}
		log_debug("pty %d: input waits for a subsidiary", p->ptyno);
		p->whup = 1;
		pty_watch_start(p);
		pty_pump_out(p);
		return;
	}
	pty_update(p);
}

void
pty_conn_readable(struct conn *c)
{
	struct pty	*p = c->pty;
	ssize_t		 n;

	if (p->released) {
		pty_released_input(c);
		return;
	}
	if (p->in.len > 0) {
		conn_set_read(c, 0);
		return;
	}
	if (xbuf_get(&p->in) == -1) {
		pty_nores(p);
		pty_update(p);
		return;
	}
	xwork++;
	n = recv(c->fd, p->in.data, XBUF_SIZE, MSG_PEEK | MSG_DONTWAIT);
	if (n <= 0) {
		xbuf_put(&p->in);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		conn_close(c);		/* may destroy nothing yet: hangup */
		return;
	}
	p->in.off = 0;
	p->in.len = (size_t)n;
	p->in_conn = c;
	if (!pty_in_flush(p))
		pty_update(p);
}

void
pty_conn_writable(struct conn *c)
{
	struct pty	*p = c->pty;

	if (c != p->cur) {
		conn_set_write(c, 0);
		return;
	}
	pty_pump_out(p);
}

/* ---- connections ---- */

static void
pty_link(struct pty *p, struct conn *c)
{
	c->pty = p;
	LIST_INSERT_HEAD(&p->conns, c, pentry);
	p->nconns++;
}

/* XP_ADOPT: the first connection of a new pty. */
void
pty_attach(struct pty *p, struct conn *c)
{
	pty_link(p, c);
	p->cur = c;
	log_debug("pty %d: connection %d attached", p->ptyno, c->fd);
	pty_pump_out(p);
}

/* Connections some client still holds. */
static int
pty_live(struct pty *p)
{
	struct conn	*c;
	int		 n = 0;

	LIST_FOREACH(c, &p->conns, pentry)
		n += !c->gone;
	return n;
}

/* c will not take the out direction any more. */
static void
pty_unhook(struct pty *p, struct conn *c)
{
	if (p->cur == c) {
		p->cur = NULL;
		p->out.len = 0;		/* nobody will read it */
		xbuf_put(&p->out);
	}
	if (p->ended == c)
		p->ended = NULL;
}

/* After a connection went: hang up if no client holds any. */
static void
pty_after_conn(struct pty *p)
{
	if (!p->closing && pty_live(p) == 0)
		pty_hangup(p);
	else
		pty_update(p);
}

/*
 * Every client end of c is closed (EV_CLOSED), though bytes it sent may
 * still wait in its socket: keep it, reading, until they have gone to the
 * subsidiary (or the pty is destroyed); close it now if there are none.
 */
void
pty_conn_gone(struct conn *c)
{
	struct pty	*p = c->pty;
	int		 q = 0;

	log_debug("pty %d: connection %d: client gone", p->ptyno, c->fd);
	conn_forget(c);
	pty_unhook(p, c);
	if (ioctl(c->fd, FIONREAD, &q) == -1 || q == 0) {
		conn_close(c);		/* pty_detach */
		return;
	}
	pty_after_conn(p);
}

/* A pty adopted without a connection (out of memory): hang it up. */
void
pty_orphan(struct pty *p)
{
	if (p->nconns == 0 && !p->closing)
		pty_hangup(p);
}

void
pty_detach(struct pty *p, struct conn *c)
{
	LIST_REMOVE(c, pentry);
	p->nconns--;
	if (p->in_conn == c)
		p->in_conn = NULL;	/* what was peeked is all there is */
	pty_unhook(p, c);
	pty_after_conn(p);
}

/* ---- hanging up ---- */

/* Nobody can read the subsidiary side any more. */
static int
pty_nobody(struct pty *p)
{
	return p->hup || pty_host_hup(p);
}

/*
 * Bytes still to reach the subsidiary's reader: in the sockets (which
 * include what was peeked into the in buffer), the in buffer if its
 * socket is gone, and the subsidiary's input queue (TIOCINQ on a peer
 * descriptor from TIOCGPTPEER).
 */
static long
pty_left(struct pty *p)
{
	struct conn	*c;
	long		 n = p->in_conn == NULL ? (long)p->in.len : 0;
	int		 q;

	LIST_FOREACH(c, &p->conns, pentry) {
		if (ioctl(c->fd, FIONREAD, &q) == 0)
			n += q;
	}
	if (p->peerfd == -1)
		p->peerfd = host_open_peer(p->mfd, p->ptyno,
		    O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (p->peerfd != -1 && ioctl(p->peerfd, TIOCINQ, &q) == 0)
		n += q;
	return n;
}

static void
pty_hangup(struct pty *p)
{
	struct timeval	 tv = { 0, 1000 };
	struct inj	*ij;
	long		 now = pty_now_ms();

	if (p->released) {
		pty_destroy(p);		/* the application holds the manager */
		return;
	}
	log_debug("pty %d: manager closed, hanging up", p->ptyno);
	p->closing = 1;
	pty_watch_stop(p);
	while ((ij = TAILQ_FIRST(&p->injq)) != NULL)
		pty_inj_done(p, ij, EIO);
	p->out.len = 0;
	xbuf_put(&p->out);
	p->eofq = 0;
	oq_clear(&p->oq);
	if (hangup_limit == -1) {
		const char	*e = getenv("XPTY_HANGUP_MS");

		hangup_limit = e != NULL ? atoi(e) : PTY_HANGUP_MS;
	}
	if (pty_nobody(p) || ((p->left = pty_left(p)) == 0 &&
	    now - p->last_in_ms > 10)) {
		pty_destroy(p);		/* nothing queued: hang up now */
		return;
	}
	p->close_t0 = p->prog_ms = now;
	p->close_step = 1;
	p->zeros = 0;
	pty_update(p);
	evtimer_add(p->ev_timer, &tv);
}

/*
 * Hanging up: destroy the pty once the subsidiary has read everything
 * (found twice, a little apart: the flip buffer may lag), has nobody to
 * read it, has read nothing for half of XPTY_HANGUP_MS, or XPTY_HANGUP_MS
 * has passed.  Not hanging up: look for a reopen (no watch).
 */
static void
pty_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pty	*p = arg;
	struct timeval	 tv = { 0, 20000 };
	long		 now, left;

	if (!p->closing) {
		pty_check_reopen(p, 0);
		if (p->hup || p->whup)
			evtimer_add(p->ev_timer, &tv);
		return;
	}
	if (pty_nobody(p)) {
		pty_destroy(p);
		return;
	}
	now = pty_now_ms();
	left = pty_left(p);
	if (left < p->left || p->last_in_ms > p->prog_ms)
		p->prog_ms = now;
	p->left = left;
	p->zeros = left == 0 ? p->zeros + 1 : 0;
	if (p->zeros >= 2 || now - p->close_t0 >= hangup_limit ||
	    now - p->prog_ms >= hangup_limit / 2) {
		pty_destroy(p);
		return;
	}
	if (p->close_step < 64)
		p->close_step *= 2;
	tv.tv_usec = p->close_step * 1000;
	evtimer_add(p->ev_timer, &tv);
}

/* Close the host manager (which hangs the subsidiary up), free the pty. */
static void
pty_destroy(struct pty *p)
{
	struct conn	*c;
	struct inj	*ij;

	log_debug("pty %d: closed", p->ptyno);
	RB_REMOVE(pty_tree, &ptys, p);
	while ((c = LIST_FIRST(&p->conns)) != NULL) {
		LIST_REMOVE(c, pentry);		/* gone, still draining */
		c->pty = NULL;
		conn_close(c);
	}
	while ((ij = TAILQ_FIRST(&p->injq)) != NULL)
		pty_inj_done(p, ij, EIO);
	pty_watch_stop(p);
	pty_free_events(p);
	/* before its number can be reused; a released pty lives on */
	if (!p->released)
		xstate_page_kill(p->ptyno, 0);
	close(p->mfd);
	if (p->peerfd != -1)
		close(p->peerfd);
	if (p->pagefd != -1)
		close(p->pagefd);
	p->in.len = p->out.len = 0;
	xbuf_put(&p->in);
	xbuf_put(&p->out);
	oq_clear(&p->oq);
	free(p);
	npty--;
	xptyd_activity();
}

/* ---- release: the application takes the host manager ---- */

/*
 * Everything held has been delivered: end the current connection, with
 * no successor (its XP_ATTACH gets the host manager).
 */
static void
pty_release_end(struct pty *p)
{
	struct conn	*c = p->cur;

	if (c == NULL || !pty_out_idle(p))
		return;
	log_debug("pty %d: released, connection %d ended", p->ptyno, c->fd);
	shutdown(c->fd, SHUT_WR);
	c->shut = 1;
	conn_set_write(c, 0);
	p->cur = NULL;
	p->ended = c;
}

/*
 * After the release a connection's input has nowhere to go (the host
 * manager is not written any more): it is read and dropped, so that its
 * end of file is seen.
 */
static void
pty_released_input(struct conn *c)
{
	static uint8_t	discard[XBUF_SIZE];
	ssize_t		n;

	n = recv(c->fd, discard, sizeof discard, MSG_DONTWAIT);
	if (n > 0)
		log_debug("pty %d: released: %zd bytes of input dropped",
		    c->pty->ptyno, n);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		conn_close(c);
}

/*
 * XP_RELEASE on data connection d of p.  Returns 1 if d is ended already
 * and nothing follows it (the library may switch once d is read), else 0.
 */
int
pty_release(struct pty *p, struct conn *d)
{
	struct inj	*ij;

	if (!p->released) {
		log_debug("pty %d: released to the application", p->ptyno);
		if (p->in.len > 0 && !pty_in_flush(p))
			log_warnx("pty %d: released with %zu bytes of input "
			    "not taken by the host", p->ptyno, p->in.len);
		p->in.len = 0;
		p->in_conn = NULL;
		xbuf_put(&p->in);
		p->released = 1;
		p->hup = p->whup = 0;
		pty_watch_stop(p);
		if (evtimer_pending(p->ev_timer, NULL))
			evtimer_del(p->ev_timer);
		while ((ij = TAILQ_FIRST(&p->injq)) != NULL)
			pty_inj_done(p, ij, EPIPE);
		pty_out_flush(p);
		pty_update(p);
	}
	return p->cur == NULL && p->ended == d && d->succ == NULL;
}

/* ---- control requests on a pty ---- */

int
pty_set_pckt(struct pty *p, int on)
{
	if (p->released)
		return EINVAL;
	if (host_set_pktmode(p->mfd, on) == -1)
		return errno;
	p->pckt = on;
	log_debug("pty %d: pckt %s", p->ptyno, on ? "on" : "off");
	return 0;
}

/*
 * XP_ATTACH: what follows old, an ended connection of p: its successor
 * (made now if nothing has needed it yet; if the next thing in the stream
 * is another zero-length message, it ends at once), or the first after it
 * whose zero-length message nobody has read; NULL if there is none (the
 * chain is at its bound, or no resources).
 */
struct conn *
pty_fetch(struct pty *p, struct conn *old)
{
	struct conn	*x;

	if (old->succ == NULL && p->ended == old && pty_succ_make(p))
		pty_pump_out(p);
	for (x = old->succ; x != NULL && x->claimed; x = x->succ)
		;	/* its message was read elsewhere: skip it */
	return x;
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

	return fd != -1 && host_classify(fd, &n) == HOST_SUBSID &&
	    n == p->ptyno;
}

int
pty_inject(struct pty *p, struct conn *c, uint8_t mtype, const uint8_t *data,
    size_t len)
{
	struct inj	*ij;

	if (p->released)
		return EPIPE;	/* no stream of ours to put it in */
	if ((ij = malloc(sizeof *ij + len)) == NULL)
		return ENOMEM;
	ij->waiter = c;
	ij->mtype = mtype;
	ij->len = len;
	if (len > 0)
		memcpy(ij->data, data, len);
	c->pty = p;
	TAILQ_INSERT_TAIL(&p->injq, ij, entry);
	(void)pty_reopened(p, 0);	/* the requester holds one open */
	pty_pump_out(p);
	return 0;
}

/*
 * A control connection is closing while its injection waits: the client
 * is gone (killed in tcsetattr, say).  What it asked for is dropped, as
 * if it had never asked.
 */
void
pty_cancel(struct conn *c)
{
	struct pty	*p = c->pty;
	struct inj	*ij, *next;

	if (p == NULL)
		return;
	TAILQ_FOREACH_SAFE(ij, &p->injq, entry, next) {
		if (ij->waiter == c) {
			TAILQ_REMOVE(&p->injq, ij, entry);
			free(ij);
		}
	}
	c->pty = NULL;
}

/* A connection of p whose clients are all gone but not yet seen so. */
static struct conn *
pty_dead_conn(struct pty *p)
{
	struct conn	*c;

	LIST_FOREACH(c, &p->conns, pentry) {
		if (!c->gone && host_sock_rdhup(c->fd) != 0)
			return c;
	}
	return NULL;
}

/*
 * A process closed its last descriptor of this pty's manager: look for
 * closed connections now rather than when the loop gets to them, so that
 * the hangup is seen as soon as close() has returned.
 * Before that, take in what the subsidiary side did before the request
 * was sent (a reopen the watch saw, a last close that the manager reads
 * as its hangup, which dismantles the stream), so that a library that asks with
 * the manager still open (before it marks the stream, say) knows that no
 * dismantling of an earlier close is still to come.
 * Returns 1 if the pty is hung up (or gone), 0 if a manager is still open.
 */
int
pty_sync(int ptyno)
{
	struct pty	*p = pty_lookup(ptyno);
	struct conn	*c;

	if (p == NULL || p->closing)
		return 1;
	if (watch_fd != -1 && p->wd != -1)
		pty_watch_cb(watch_fd, EV_READ, NULL);
	if (pty_can_read_master(p))
		pty_pump_out(p);
	/* each may free p; closing one may end its unfetched successor */
	while ((p = pty_lookup(ptyno)) != NULL && !p->closing &&
	    (c = pty_dead_conn(p)) != NULL)
		pty_conn_gone(c);
	return p == NULL || p->closing;
}
