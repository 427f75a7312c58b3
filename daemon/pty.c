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
 * writing half of the current connection (p->eofq).  What comes after
 * goes to the connection's successor (server.c, conn_successor), made
 * when something comes (the host manager is readable, or another marker
 * is asked for) or when the library fetches it with XP_ATTACH after
 * reading the 0, whichever is first; until the library fetches it, bytes
 * wait in the successor's socket.  So markers queue up like messages on
 * a stream, a writer never waits for the reader, and a pty whose manager
 * closes after the subsidiary's last close never makes one.  The
 * daemon keeps a successor's client end only until someone has read its
 * own zero-length message (fetching past it), so a process that holds an
 * old connection and never reads (a forked child) pins nothing else: when it
 * does read, it skips to the first connection whose message is unread.
 * The number of unread zero-length messages is bounded (PTY_MAXCHAIN):
 * past it the host manager is not read until the reader catches up,
 * which is the stream's flow control.  In pckt mode
 * the marker is a frame (M_DATA, length 0) and the connection stays.
 *
 * Injections (XP_ZERO, XP_EVENT) are queued in p->injq and placed at a
 * point where the host manager has been read until EAGAIN: a non-blocking
 * read that fails with EAGAIN has flushed the tty flip buffers, so every
 * write the subsidiary completed before asking is ahead of the marker.
 * The requester gets its reply only then.
 *
 * The stream's state lives in the store (common/store.h): the termios
 * slots, or the page store's page, which the daemon keeps (p->pagefd,
 * from XP_ADOPT_PAGE) and hands to processes that ask (XP_PAGE), and
 * marks dead before the host manager closes.
 *
 * After the last subsidiary close the host manager reports its hangup
 * until a subsidiary is opened again (p->hup, host_mgr_hup); the daemon
 * does not poll it then but watches for the next open (host_watch_*,
 * lib/host.h: inotify IN_OPEN on Linux), or looks again on a timer where
 * the host cannot watch.  At that last close the
 * stream is dismantled (xstate_dismantle, shared with the library's
 * direct engine): no modules, no XPG4v2 marks, raw termios.
 *
 * When the last data connection closes (the application's last manager
 * descriptor anywhere), the pty hangs up: pending input is written, the
 * daemon waits (bounded) until the subsidiary has read what is queued for
 * it (TIOCINQ on a peer descriptor from host_open_peer), then closes the
 * host manager, which hangs the subsidiary up.
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
#include <poll.h>
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
#define PTY_MAXCHAIN		32	/* unfetched zero-length messages */

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
	int			 eofq;		/* shut cur down when out drains */
	int			 closing;
	int			 wd;		/* watch id or -1 */
	int			 close_ms;	/* time spent hanging up */
	int			 close_step;
	int			 zeros;		/* consecutive TIOCINQ == 0 */
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
static void	pty_destroy(struct pty *);
static void	pty_timer_cb(evutil_socket_t, short, void *);

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

struct pty *
pty_find(int ptyno)
{
	struct pty	key, *p;

	key.ptyno = ptyno;
	p = RB_FIND(pty_tree, &ptys, &key);
	return (p != NULL && !p->closing) ? p : NULL;
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

/* ---- creation ---- */

static void
pty_mread_cb(evutil_socket_t fd, short what, void *arg)
{
	xwork++;
	pty_pump_out(arg);
}

static void pty_mwrite_cb(evutil_socket_t, short, void *);

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
	if (p->ev_mread == NULL || p->ev_mwrite == NULL || p->ev_timer == NULL)
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
	if (p->ev_mread != NULL)
		event_free(p->ev_mread);
	if (p->ev_mwrite != NULL)
		event_free(p->ev_mwrite);
	if (p->ev_timer != NULL)
		event_free(p->ev_timer);
	free(p);
	return NULL;
}

/* Is there a pty numbered ptyno, even one hanging up? */
int
pty_known(int ptyno)
{
	struct pty	key;

	key.ptyno = ptyno;
	return RB_FIND(pty_tree, &ptys, &key) != NULL;
}

/* ---- event bookkeeping ---- */

static int	pty_chain_len(struct conn *);

/* Where the out direction goes now, or could once a successor is made. */
static int
pty_has_reader(struct pty *p)
{
	if (p->cur != NULL)
		return !p->cur->shut;
	return p->ended != NULL && pty_chain_len(p->ended) < PTY_MAXCHAIN;
}

static int
pty_can_read_master(struct pty *p)
{
	return !p->closing && !p->hup && !p->eofq && p->out.len == 0 &&
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
	pty_set_ev(p->ev_mwrite, &p->mw_on, p->in.len > 0);
	LIST_FOREACH(c, &p->conns, pentry) {
		conn_set_read(c, p->in.len == 0);
		conn_set_write(c, c == p->cur && p->out.len > 0);
	}
}

/* Injections wait for a read of the master; start one if possible. */
static void
pty_kick(struct pty *p)
{
	if (!TAILQ_EMPTY(&p->injq) && pty_can_read_master(p))
		pty_pump_out(p);
	else
		pty_update(p);
}

/* ---- when does a subsidiary open again? ---- */

/*
 * Has a subsidiary been opened since the last close?  Forced by IN_OPEN:
 * then even one that is already closed again counts (its close gives
 * another zero-length message).
 */
static void
pty_watch_stop(struct pty *p)
{
	if (p->wd != -1) {
		host_watch_rm(watch_fd, p->wd);
		LIST_REMOVE(p, wentry);
		p->wd = -1;
	}
}

static void
pty_check_reopen(struct pty *p, int force)
{
	if (!p->hup)
		return;
	if (!force && host_mgr_hup(p->mfd) != 0)
		return;
	log_debug("pty %d: subsidiary open again", p->ptyno);
	p->hup = 0;
	pty_watch_stop(p);
	pty_kick(p);
}

static void
pty_watch_start(struct pty *p)
{
	struct timeval	tv = { 0, 20000 };

	if (watch_fd != -1 && p->wd == -1)
		p->wd = host_watch_add(watch_fd, p->ptyno);
	if (p->wd != -1)
		LIST_INSERT_HEAD(&watched, p, wentry);
	else			/* no watch: look again every 20 ms */
		evtimer_add(p->ev_timer, &tv);
	pty_check_reopen(p, 0);	/* it may have happened already */
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

	p->eofq = 0;
	if (c == NULL)
		return;
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
 * (then the host manager waits, and XP_ATTACH tries again).
 */
static int
pty_succ_make(struct pty *p)
{
	struct conn	*d;

	if (p->cur != NULL)
		return 1;
	if (p->ended == NULL || pty_chain_len(p->ended) >= PTY_MAXCHAIN ||
	    (d = conn_successor(p->ended)) == NULL)
		return 0;
	pty_link(p, d);
	p->cur = d;
	p->ended = NULL;
	return 1;
}

/* Send pending out bytes; 1 if all are gone. */
static int
pty_out_flush(struct pty *p)
{
	ssize_t	n;

	while (p->out.len > 0) {
		if (p->cur == NULL)
			return 0;
		n = send(p->cur->fd, p->out.data + p->out.off, p->out.len,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			p->out.off += (size_t)n;
			p->out.len -= (size_t)n;
		} else if (n == -1 && errno == EINTR)
			continue;
		else if (n == -1 && errno == EAGAIN)
			return 0;
		else {
			/* The reader is gone; its end of file follows. */
			p->out.len = 0;
		}
	}
	xbuf_put(&p->out);
	if (p->eofq)
		pty_do_eof(p);
	return 1;
}

/* Append a frame (or, raw, just the payload) to out. */
static void
pty_out_frame(struct pty *p, uint8_t mtype, const uint8_t *data, size_t len)
{
	uint8_t	*w;

	if (xbuf_get(&p->out) == -1)
		return;
	if (p->out.len == 0)
		p->out.off = 0;
	else if (p->out.off + p->out.len + XP_FRAMEHDR + len >
	    XBUF_SIZE + XBUF_SLACK) {
		memmove(p->out.data, p->out.data + p->out.off, p->out.len);
		p->out.off = 0;
	}
	w = p->out.data + p->out.off + p->out.len;
	xp_put_frame(w, mtype, (uint32_t)len);
	if (len > 0)
		memcpy(w + XP_FRAMEHDR, data, len);
	p->out.len += XP_FRAMEHDR + len;
}

/*
 * The host reported a termios change (HOST_PKT_TERMIOS): illumos's pckt
 * shows the subsidiary's TCSETS as M_IOCTL, built from the termios now in
 * force as for the direct engine (common/termmsg.h).
 */
static void
pty_out_termios(struct pty *p)
{
	uint8_t	msg[XP_TERMIOS_MSGLEN];
	int	n;

	if ((n = xp_termios_msg(p->mfd, msg)) > 0)
		pty_out_frame(p, XP_M_IOCTL, msg, (size_t)n);
}

/*
 * n bytes were read at out.data + hdr: make them frames (pckt) or send
 * them as they are.
 */
static void
pty_out_deliver(struct pty *p, size_t hdr, size_t n)
{
	uint8_t		st, fl = 0;
	unsigned	ev;

	if (!p->pckt) {
		p->out.off = 0;
		p->out.len = n;
	} else if ((st = p->out.data[hdr]) == HOST_PKT_DATA) {
		p->out.off = 1;
		xp_put_frame(p->out.data + 1, XP_M_DATA, (uint32_t)(n - 1));
		p->out.len = XP_FRAMEHDR + n - 1;
	} else {
		/* A status byte: the subsidiary's view of flushes. */
		p->out.len = 0;
		ev = host_pkt_status(st);
		if (ev & HOST_PKT_FLUSHR)
			fl |= XP_FLUSHR;
		if (ev & HOST_PKT_FLUSHW)
			fl |= XP_FLUSHW;
		if (fl != 0)
			pty_out_frame(p, XP_M_FLUSH, &fl, 1);
		if (ev & HOST_PKT_STOP)
			pty_out_frame(p, XP_M_STOP, NULL, 0);
		if (ev & HOST_PKT_START)
			pty_out_frame(p, XP_M_START, NULL, 0);
		if (ev & HOST_PKT_TERMIOS)
			pty_out_termios(p);
	}
	pty_out_flush(p);
}

/* The subsidiary's last close: marker, dismantle, wait for a reopen. */
static void
pty_subsid_closed(struct pty *p)
{
	log_debug("pty %d: last close of the subsidiary", p->ptyno);
	xstate_dismantle(p->mfd);	/* as ptsclose() does */
	p->hup = 1;
	if (p->pckt) {
		pty_out_frame(p, XP_M_DATA, NULL, 0);
		pty_out_flush(p);
	} else {
		p->eofq = 1;
		if (p->out.len == 0)
			pty_do_eof(p);
	}
	pty_watch_start(p);
}

static void
pty_inj_done(struct pty *p, struct inj *ij, int err)
{
	TAILQ_REMOVE(&p->injq, ij, entry);
	if (ij->waiter != NULL)
		server_reply(ij->waiter, err, p->ptyno, 0, 0, -1);
	free(ij);
}

/*
 * The host manager was read until EAGAIN: place the first injection
 * here.  Returns 1 if reading should go on (for the next injection).
 */
static int
pty_drained(struct pty *p)
{
	struct inj	*ij = TAILQ_FIRST(&p->injq);

	if (ij == NULL)
		return 0;
	if (p->pckt) {
		pty_out_frame(p, ij->mtype, ij->data, ij->len);
		pty_inj_done(p, ij, 0);
		pty_out_flush(p);
		return 1;
	}
	if (ij->mtype == XP_M_DATA && ij->len == 0) {
		p->eofq = 1;
		pty_inj_done(p, ij, 0);
		if (p->out.len == 0)
			pty_do_eof(p);
		return pty_has_reader(p);	/* the next one, if any */
	}
	pty_inj_done(p, ij, 0);		/* not framed: nothing to show */
	return 1;
}

static void
pty_pump_out(struct pty *p)
{
	struct iovec	iov;
	size_t		hdr;
	ssize_t		n;
	int		i;

	for (i = 0; i < 16 && pty_can_read_master(p); i++) {
		if (!pty_succ_make(p) || xbuf_get(&p->out) == -1)
			break;
		hdr = p->pckt ? XP_FRAMEHDR : 0;
		iov.iov_base = p->out.data + hdr;
		iov.iov_len = XBUF_SIZE;
		n = host_mgr_readv(p->mfd, &iov, 1);
		if (n > 0) {
			pty_out_deliver(p, hdr, (size_t)n);
			if ((size_t)n < XBUF_SIZE && TAILQ_EMPTY(&p->injq))
				break;	/* drained for now */
			continue;
		}
		xbuf_put(&p->out);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			if (!pty_drained(p))
				break;
			continue;
		}
		if (host_mgr_read_hup(n, errno))
			pty_subsid_closed(p);	/* the last close */
		else
			log_warn("pty %d: read", p->ptyno);
		break;
	}
	pty_update(p);
}

/* ---- the in direction: application -> host manager ---- */

/*
 * The in bytes were only peeked: take n of them off the socket now that
 * they are in the host manager.  So the socket holds exactly what has not
 * reached the manager yet, and the library may write straight to its host
 * manager descriptor whenever its socket's send queue is empty
 * (relay_write), without overtaking anything.
 */
static void
pty_in_consume(struct pty *p, size_t n)
{
	static uint8_t	discard[XBUF_SIZE];
	ssize_t		r;

	while (p->in_conn != NULL && n > 0) {
		r = recv(p->in_conn->fd, discard, n, MSG_DONTWAIT);
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

static void
pty_mwrite_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pty	*p = arg;

	pty_in_flush(p);
	pty_update(p);
}

void
pty_conn_readable(struct conn *c)
{
	struct pty	*p = c->pty;
	ssize_t		 n;

	if (p->in.len > 0 || xbuf_get(&p->in) == -1) {
		conn_set_read(c, 0);
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
	if (pty_out_flush(p))
		pty_pump_out(p);
	else
		pty_update(p);
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
	pty_kick(p);
}

static int	pty_inq_empty(struct pty *);

static void
pty_hangup(struct pty *p)
{
	struct timeval	 tv = { 0, 1000 };
	struct inj	*ij;

	log_debug("pty %d: manager closed, hanging up", p->ptyno);
	p->closing = 1;
	pty_watch_stop(p);
	while ((ij = TAILQ_FIRST(&p->injq)) != NULL)
		pty_inj_done(p, ij, EIO);
	p->out.len = 0;
	xbuf_put(&p->out);
	if (hangup_limit == -1) {
		const char	*e = getenv("XPTY_HANGUP_MS");

		hangup_limit = e != NULL ? atoi(e) : PTY_HANGUP_MS;
	}
	p->close_step = 1;
	if (p->in.len == 0 && pty_now_ms() - p->last_in_ms > 10 &&
	    (p->hup || pty_inq_empty(p))) {
		pty_destroy(p);		/* nothing queued: hang up now */
		return;
	}
	p->zeros = 0;
	pty_update(p);
	evtimer_add(p->ev_timer, &tv);
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
	if (p->cur == c) {
		p->cur = NULL;
		p->out.len = 0;		/* nobody will read it */
		xbuf_put(&p->out);
	}
	if (p->ended == c)
		p->ended = NULL;
	if (p->nconns == 0)
		pty_hangup(p);
	else
		pty_update(p);
}

/* ---- hanging up ---- */

/*
 * Nothing queued in the subsidiary right now (or no subsidiary)?  With no
 * subsidiary open (POLLHUP on the manager) nobody can read what is queued
 * any more: the manager's close makes opening one fail.
 */
static int
pty_inq_empty(struct pty *p)
{
	int	q = 0;

	if (host_mgr_hup(p->mfd) == 1)
		return 1;
	if (p->peerfd == -1)
		p->peerfd = host_open_peer(p->mfd, p->ptyno,
		    O_RDWR | O_NONBLOCK | O_CLOEXEC);
	return p->peerfd == -1 || (ioctl(p->peerfd, TIOCINQ, &q) == 0 &&
	    q == 0);
}

/* Is anything queued toward the subsidiary still unread there? */
static int
pty_subsid_busy(struct pty *p)
{
	int	q = 0;

	if (p->in.len > 0)
		return 1;
	if (p->peerfd == -1) {
		p->peerfd = host_open_peer(p->mfd, p->ptyno,
		    O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (p->peerfd == -1)
			return 0;	/* locked, or never usable */
	}
	if (ioctl(p->peerfd, TIOCINQ, &q) == -1 || q == 0) {
		/* twice, a little apart: the flip buffer may lag */
		return ++p->zeros < 2;
	}
	p->zeros = 0;
	return 1;
}

static void
pty_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pty	*p = arg;
	struct timeval	 tv;

	if (!p->closing) {		/* no watch: look for a reopen */
		pty_check_reopen(p, 0);
		if (p->hup) {
			tv.tv_sec = 0;
			tv.tv_usec = 20000;
			evtimer_add(p->ev_timer, &tv);
		}
		return;
	}
	p->close_ms += p->close_step;
	if (p->hup && p->in.len == 0)
		p->close_ms = hangup_limit;	/* nobody is there to read */
	if (p->close_ms >= hangup_limit || !pty_subsid_busy(p)) {
		pty_destroy(p);
		return;
	}
	if (p->close_step < 64)
		p->close_step *= 2;
	tv.tv_sec = 0;
	tv.tv_usec = p->close_step * 1000;
	evtimer_add(p->ev_timer, &tv);
}

static void
pty_destroy(struct pty *p)
{
	log_debug("pty %d: closed", p->ptyno);
	pty_watch_stop(p);
	event_free(p->ev_mread);
	event_free(p->ev_mwrite);
	event_free(p->ev_timer);
	xstate_page_kill(p->ptyno, 0);	/* before its number can be reused */
	close(p->mfd);			/* hangs the subsidiary up */
	if (p->peerfd != -1)
		close(p->peerfd);
	if (p->pagefd != -1)
		close(p->pagefd);
	p->in.len = p->out.len = 0;
	xbuf_put(&p->in);
	xbuf_put(&p->out);
	RB_REMOVE(pty_tree, &ptys, p);
	free(p);
	npty--;
	xptyd_activity();
}

/* ---- control requests on a pty ---- */

int
pty_set_pckt(struct pty *p, int on)
{
	if (host_set_pktmode(p->mfd, on) == -1)
		return errno;
	p->pckt = on;
	log_debug("pty %d: pckt %s", p->ptyno, on ? "on" : "off");
	return 0;
}

/*
 * XP_ATTACH: what follows old, an ended connection of p: its successor
 * (made now if nothing has needed it yet), or the first after it whose
 * zero-length message nobody has read; NULL if there is none (the chain
 * is at its bound, or no resources).
 */
struct conn *
pty_fetch(struct pty *p, struct conn *old)
{
	struct conn	*x;

	if (old->succ == NULL && p->ended == old && pty_succ_make(p))
		pty_kick(p);
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

	if ((ij = malloc(sizeof *ij + len)) == NULL)
		return ENOMEM;
	ij->waiter = c;
	ij->mtype = mtype;
	ij->len = len;
	if (len > 0)
		memcpy(ij->data, data, len);
	c->pty = p;
	TAILQ_INSERT_TAIL(&p->injq, ij, entry);
	if (p->hup)
		pty_check_reopen(p, 0);
	pty_kick(p);
	return 0;
}

void
pty_cancel(struct conn *c)
{
	struct pty	*p = c->pty;
	struct inj	*ij, *next;

	if (p == NULL)
		return;
	TAILQ_FOREACH_SAFE(ij, &p->injq, entry, next) {
		if (ij->waiter == c)
			ij->waiter = NULL;
	}
}

/*
 * A process closed its last descriptor of this pty's manager: look for
 * end of file on the connections now rather than when the loop gets to
 * them, so that the hangup is seen as soon as close() has returned.
 * Before that, take in what the subsidiary side did before the request
 * was sent (a reopen the watch saw, a last close that the manager
 * reads as its hangup, which dismantles the stream), so that a library that asks with
 * the manager still open (before it marks the stream, say) knows that no
 * dismantling of an earlier close is still to come.
 * Returns 1 if the pty is hung up (or gone), 0 if a manager is still open.
 */
int
pty_sync(int ptyno)
{
	struct pty	 key, *p;
	struct conn	*c, *dead[64];
	int		 n = 0, i, gone;
	ssize_t		 r;
	char		 b;

	key.ptyno = ptyno;
	p = RB_FIND(pty_tree, &ptys, &key);
	if (p == NULL || p->closing)
		return 1;
	if (watch_fd != -1 && p->wd != -1)
		pty_watch_cb(watch_fd, EV_READ, NULL);
	if (pty_can_read_master(p))
		pty_pump_out(p);
	/* closing an ended connection may end its unfetched successor */
	do {
		n = 0;
		LIST_FOREACH(c, &p->conns, pentry) {
			if (n == (int)(sizeof dead / sizeof dead[0]))
				break;
			r = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
			if (r == 0 || (r == -1 && errno != EAGAIN &&
			    errno != EINTR))
				dead[n++] = c;
		}
		gone = n > 0 && n == p->nconns;
		for (i = 0; i < n; i++)
			conn_close(dead[i]);	/* the last may free p */
	} while (n > 0 && !gone);
	return gone;
}
