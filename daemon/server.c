/*
 * server.c - xptyd's listening socket, connections, and control requests.
 *
 * Theory of operation.  The daemon listens on an AF_UNIX SOCK_STREAM
 * socket in a private directory (common/sockpath.h).  Every accepted
 * connection's peer is checked (host_peer_uid, lib/host.h); a uid other
 * than the daemon's own is logged and dropped at once.  An accepted connection is
 * a control connection: it sends framed requests (common/proto.h), with
 * the descriptors each type wants, and gets one fixed-size reply per
 * request (none for XP_ADOPT).  The library keeps one open per process,
 * so an idle control connection does not keep the daemon running.
 * XP_ADOPT and XP_ATTACH bring the daemon's end of a socketpair, which
 * becomes a data connection owned by a pty (pty.c): from then on its
 * bytes are the manager's stream.  Such an end must be an AF_UNIX stream
 * socket made by a process of the control connection's uid.
 *
 * Ordering.  XP_ADOPT is not answered, so another process (a child after
 * fork) may ask about the new pty before the daemon has read the XP_ADOPT
 * on the parent's connection.  A request naming a pty or a socket the
 * daemon does not know therefore first takes every XP_ADOPT at the head of
 * any control connection's queue (ctl_take_adopts), and looks again: what
 * was sent before the request was sent is in those queues by now.  Only
 * connections with something queued are looked at: every control
 * connection is also in a private epoll set (ctl_epfd, level-triggered)
 * that says which are readable, so the cost of a request about an unknown
 * pty grows with the connections that have sent something, not with the
 * idle ones every client process keeps.
 *
 * A client that goes away.  A control connection is read even while its
 * injection waits: its end of file then closes it (and drops the
 * injection, pty_cancel), and anything else it sends out of turn closes
 * it too.  A reply that cannot be sent (the client is gone, or does not
 * read its replies) marks the connection dead; it is closed from the loop
 * (conn_doom), never under the caller's feet.  A data connection watches
 * EV_CLOSED, so that its client's going is seen even while its unsent
 * bytes wait (pty.c, pty_conn_gone).
 *
 * Out of descriptors.  The daemon raises its RLIMIT_NOFILE to the hard
 * limit at start (xptyd.c).  When accept() still fails with EMFILE or
 * ENFILE, a reserve descriptor kept for the purpose is closed, the
 * connection accepted and closed at once, and the reserve taken again:
 * the client sees its connection end at once instead of waiting in the
 * accept queue, and the daemon never spins on a readable listening
 * socket.  A request whose descriptors the kernel could not install
 * (MSG_CTRUNC) closes its connection; the dropped descriptors are closed
 * by the kernel, so the application's manager socket of an XP_ADOPT that
 * was lost that way has no peer any more.
 *
 * Exiting when idle (server_close_idle): each control connection is shut
 * down for reading, which fails the client's later sends with EPIPE (the
 * library then reconnects, starting a new daemon), and whatever it had
 * queued before is still read and served.
 *
 * Anything malformed, truncated, oversized, carrying unexpected
 * descriptors, or sent out of turn closes that connection only.
 *
 * State: the list of all connections, a tree of data connections keyed by
 * the inode of their client end (which identifies an application's
 * manager socket in XP_ATTACH, XP_IDENTIFY and XP_PCKT), the listening
 * event and its EMFILE back-off timer.  Single-threaded, no locking.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xptyd.h"
#include "sockpath.h"
#include "cmsg.h"
#include "host.h"

#define CONN_INCAP	(XP_HDRLEN + XP_MAXPAYLOAD)

static TAILQ_HEAD(, conn)	conns = TAILQ_HEAD_INITIALIZER(conns);
int				nconns;

static int
conn_cmp(struct conn *a, struct conn *b)
{
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return 0;
}
RB_HEAD(conn_tree, conn);
RB_PROTOTYPE_STATIC(conn_tree, conn, ientry, conn_cmp);
RB_GENERATE_STATIC(conn_tree, conn, ientry, conn_cmp);
static struct conn_tree		conn_tree = RB_INITIALIZER(&conn_tree);

static int		 listen_fd = -1;
static struct event	*listen_ev;
static struct event	*listen_backoff;
static int		 reserve_fd = -1;	/* for accept at EMFILE */
static int		 ctl_epfd = -1;		/* readable control conns */
static unsigned		 ctl_pass;		/* ctl_take_adopts generation */

static void	conn_read_cb(evutil_socket_t, short, void *);
static void	conn_write_cb(evutil_socket_t, short, void *);
static void	conn_closed_cb(evutil_socket_t, short, void *);
static void	ctl_drop_held(struct conn *);
static int	ctl_recv(struct conn *);
static int	ctl_process(struct conn *);

int
server_listen(const char *path)
{
	struct sockaddr_un	sun;
	mode_t			mask;
	int			fd, e;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	mask = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		e = errno;
		umask(mask);
		close(fd);
		errno = e;
		return -1;
	}
	umask(mask);
	if (listen(fd, SOMAXCONN) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* ---- connections ---- */

void
conn_set_read(struct conn *c, int on)
{
	if (on && !c->rd_on)
		event_add(c->ev_read, NULL);
	else if (!on && c->rd_on)
		event_del(c->ev_read);
	c->rd_on = on;
}

void
conn_set_write(struct conn *c, int on)
{
	if (on && !c->wr_on)
		event_add(c->ev_write, NULL);
	else if (!on && c->wr_on)
		event_del(c->ev_write);
	c->wr_on = on;
}

struct conn *
conn_by_ino(uint64_t ino)
{
	struct conn	key;

	key.ino = ino;
	return RB_FIND(conn_tree, &conn_tree, &key);
}

/* Index a data connection by inode; a duplicate (a lying client) is not. */
void
conn_index(struct conn *c)
{
	c->indexed = RB_INSERT(conn_tree, &conn_tree, c) == NULL;
}

static void
conn_free_events(struct conn *c)
{
	if (c->ev_read != NULL)
		event_free(c->ev_read);
	if (c->ev_write != NULL)
		event_free(c->ev_write);
	if (c->ev_closed != NULL)
		event_free(c->ev_closed);
}

/* Control connections are in ctl_epfd too (see Ordering above). */
static int
conn_ctl_watch(struct conn *c)
{
	struct epoll_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	return epoll_ctl(ctl_epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

/* A new connection; a data connection gets its pty later (pty_attach). */
static struct conn *
conn_new(int fd, uid_t uid, enum conn_state state)
{
	struct conn	*c;
	int		 i;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	if (state == CONN_CTL && (c->in = malloc(CONN_INCAP)) == NULL) {
		free(c);
		return NULL;
	}
	c->fd = fd;
	c->uid = uid;
	for (i = 0; i < XP_MAXFDS; i++)
		c->held[i] = -1;
	c->clientfd = -1;
	c->state = state;
	c->ev_read = event_new(xbase, fd, EV_READ | EV_PERSIST, conn_read_cb,
	    c);
	c->ev_write = event_new(xbase, fd, EV_WRITE | EV_PERSIST,
	    conn_write_cb, c);
	if (state == CONN_DATA)
		c->ev_closed = event_new(xbase, fd, EV_CLOSED | EV_PERSIST,
		    conn_closed_cb, c);
	if (c->ev_read == NULL || c->ev_write == NULL ||
	    (state == CONN_DATA && c->ev_closed == NULL) ||
	    (state == CONN_CTL && conn_ctl_watch(c) == -1)) {
		conn_free_events(c);
		free(c->in);
		free(c);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&conns, c, entry);
	nconns++;
	conn_set_read(c, 1);
	if (c->ev_closed != NULL)
		event_add(c->ev_closed, NULL);
	return c;
}

/*
 * A data connection leaves its chain (it is closed everywhere).  Its
 * neighbours are joined, so a holder of an older connection still finds
 * what follows.  A successor's client end is kept only while an older
 * connection lives to fetch it from: with none left, it goes, and with
 * it, if no process took the successor, the successor (its end of file
 * follows).
 */
static void
conn_unchain(struct conn *c)
{
	struct conn	*pred = c->pred, *succ = c->succ;

	if (pred != NULL)
		pred->succ = succ;
	if (succ != NULL) {
		succ->pred = pred;
		if (pred == NULL)
			conn_consumed(succ);
	}
	c->pred = c->succ = NULL;
	conn_consumed(c);
}

/*
 * c's zero-length message has been read (its successor fetched), or
 * nothing older can fetch it any more: nobody needs the daemon's copy of
 * c's client end.
 */
void
conn_consumed(struct conn *c)
{
	if (c->clientfd != -1)
		close(c->clientfd);
	c->clientfd = -1;
}

/*
 * Every client end of data connection c is closed: nothing can name it
 * any more (XP_ATTACH, XP_IDENTIFY, XP_PCKT show one), though the bytes
 * it sent may still be read.
 */
void
conn_forget(struct conn *c)
{
	c->gone = 1;
	if (c->ev_closed != NULL)
		event_del(c->ev_closed);
	if (c->indexed)
		RB_REMOVE(conn_tree, &conn_tree, c);
	c->indexed = 0;
	conn_unchain(c);
}

void
conn_close(struct conn *c)
{
	log_debug("connection %d closed", c->fd);
	conn_free_events(c);
	if (c->state == CONN_DATA) {
		if (c->indexed)
			RB_REMOVE(conn_tree, &conn_tree, c);
		conn_unchain(c);
		if (c->pty != NULL)
			pty_detach(c->pty, c);
	} else
		(void)epoll_ctl(ctl_epfd, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->waiting)
		pty_cancel(c);
	ctl_drop_held(c);
	close(c->fd);
	free(c->in);
	TAILQ_REMOVE(&conns, c, entry);
	free(c);
	nconns--;
	xptyd_activity();
}

/*
 * c is to be closed, but its caller may still be using it: close it from
 * the loop, in its read callback.
 */
static void
conn_doom(struct conn *c)
{
	c->dead = 1;
	conn_set_read(c, 1);
	event_active(c->ev_read, EV_READ, 1);
}

/*
 * Send one reply, with fd attached if fd != -1.  A reply always fits in
 * an empty socket buffer; if it cannot be sent the client is gone or
 * hostile, and the connection is closed (from the loop).  -1 then.
 */
int
server_reply(struct conn *c, int err, int ptyno, uint32_t aux, uint32_t aux2,
    int fd)
{
	struct xp_reply	 r = { err, ptyno, aux, aux2 };
	uint8_t		 buf[XP_REPLYLEN];
	struct iovec	 iov = { buf, sizeof buf };
	struct msghdr	 msg;
	union {
		struct cmsghdr	h;
		char		b[XP_CMSG_SPACE(1)];
	}		 cm;
	ssize_t		 n;

	xp_put_reply(buf, &r);
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd != -1)
		xp_cmsg_put(&msg, cm.b, &fd, 1);
	c->waiting = 0;
	do
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)sizeof buf)
		return 0;
	log_debug("connection %d: reply not sent, closing", c->fd);
	conn_doom(c);
	return -1;
}

/* ---- control requests ---- */

static void
ctl_drop_held(struct conn *c)
{
	int	i;

	for (i = 0; i < XP_MAXFDS; i++) {
		if (c->held[i] != -1)
			close(c->held[i]);
		c->held[i] = -1;
	}
	c->nheld = 0;
}

/* Take the request's descriptor i: the caller closes it. */
static int
ctl_take_held(struct conn *c, int i)
{
	int	fd = c->held[i];

	c->held[i] = -1;
	return fd;
}

/* Take the XP_ADOPTs at the head of c's queue; -1 if c was closed. */
static int
ctl_take_from(struct conn *c)
{
	uint8_t	hdr[XP_HDRLEN];
	ssize_t	n;

	while (!c->dead && !c->waiting && c->inlen == 0 && c->nheld == 0) {
		n = recv(c->fd, hdr, sizeof hdr, MSG_PEEK | MSG_DONTWAIT);
		if (n != (ssize_t)sizeof hdr || (xp_get16(hdr) != XP_ADOPT &&
		    xp_get16(hdr) != XP_ADOPT_PAGE))
			break;
		if (ctl_recv(c) == -1 || ctl_process(c) == -1) {
			conn_close(c);
			return -1;
		}
	}
	return 0;
}

/*
 * Take every XP_ADOPT queued at the head of a control connection other
 * than self (see Ordering above), looking only at the readable ones.  The
 * set is level-triggered, so what epoll_wait returned comes back after
 * the rest; a batch of connections already seen in this pass ends it.  A
 * read that brings descriptors ends with them, so each read takes one
 * XP_ADOPT, whole.
 */
static void
ctl_take_adopts(struct conn *self)
{
	struct epoll_event	 evs[64];
	struct conn		*c;
	int			 n, i, fresh;

	ctl_pass++;
	do {
		if ((n = epoll_wait(ctl_epfd, evs, 64, 0)) <= 0)
			return;
		fresh = 0;
		for (i = 0; i < n; i++) {
			c = evs[i].data.ptr;
			if (c->scan == ctl_pass)
				continue;
			c->scan = ctl_pass;
			fresh = 1;
			if (c != self)
				(void)ctl_take_from(c);
		}
	} while (fresh);
}

/* The data connection whose client end is the socket fd, or NULL. */
static struct conn *
ctl_lookup(int fd)
{
	struct stat	 st;
	struct conn	*d;

	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode))
		return NULL;
	if ((d = conn_by_ino((uint64_t)st.st_ino)) == NULL ||
	    d->state != CONN_DATA || d->pty == NULL || pty_closing(d->pty))
		return NULL;
	return d;
}

/* As ctl_lookup, after the XP_ADOPTs sent before this request if needed. */
static struct conn *
ctl_conn_of(struct conn *c, int fd)
{
	struct conn	*d;

	if ((d = ctl_lookup(fd)) == NULL && fd != -1) {
		ctl_take_adopts(c);
		d = ctl_lookup(fd);
	}
	return d;
}

/* Is fd the daemon's end of a stream socketpair made by uid? */
static int
ctl_sock_ok(int fd, uid_t uid)
{
	socklen_t	len;
	uid_t		peer;
	int		v;

	len = sizeof v;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == -1 ||
	    v != AF_UNIX)
		return 0;
	len = sizeof v;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == -1 ||
	    v != SOCK_STREAM)
		return 0;
	if (host_peer_uid(fd, &peer) == -1 || peer != uid)
		return 0;
	return fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK) != -1;
}

/* A data connection of p on sfd (which it owns from now on), or NULL. */
static struct conn *
ctl_new_data(struct conn *c, struct pty *p, int sfd, uint64_t ino)
{
	struct conn	*d;

	if ((d = conn_new(sfd, c->uid, CONN_DATA)) == NULL) {
		log_warn("connection");
		close(sfd);
		return NULL;
	}
	d->ino = ino;
	conn_index(d);
	log_debug("connection %d: data connection %d", c->fd, d->fd);
	pty_attach(p, d);
	return d;
}

/*
 * The successor of data connection old, whose stream has ended: a
 * socketpair made here, the daemon's end marked as the library's are
 * (relay_identify), the client end kept for XP_ATTACH until its own
 * zero-length message has been read or nothing older is left to fetch it
 * from (conn_consumed).  pty.c links it to the pty.  NULL if out of
 * resources: the next XP_ATTACH tries again.
 */
struct conn *
conn_successor(struct conn *old)
{
	struct stat	 st;
	struct conn	*d;
	int		 sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair");
		return NULL;
	}
	if (fstat(sv[0], &st) == -1 ||
	    fcntl(sv[1], F_SETFL, O_RDWR | O_NONBLOCK) == -1 ||
	    (d = conn_new(sv[1], old->uid, CONN_DATA)) == NULL) {
		log_warn("successor connection");
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	(void)host_mark_bind(sv[1], (uint64_t)st.st_ino);
	d->ino = (uint64_t)st.st_ino;
	d->clientfd = sv[0];
	d->pred = old;
	old->succ = d;
	conn_index(d);
	log_debug("connection %d: successor %d", old->fd, d->fd);
	return d;
}

/*
 * XP_ADOPT: a new pty.  There is no reply: if it cannot be adopted, its
 * socket is closed and the application reads end of file.
 */
static int
ctl_adopt(struct conn *c, const struct xp_msg *m)
{
	struct pty	*p;
	int		 sfd = ctl_take_held(c, 0), mfd = ctl_take_held(c, 1);
	int		 pagefd = m->type == XP_ADOPT_PAGE ? ctl_take_held(c, 2) : -1;
	int		 err;

	c->nheld = 0;
	if (!ctl_sock_ok(sfd, c->uid)) {
		log_warnx("connection %d: XP_ADOPT without a socketpair",
		    c->fd);
		close(sfd);
		close(mfd);
		if (pagefd != -1)
			close(pagefd);
		return -1;
	}
	if ((p = pty_adopt(mfd, &err)) == NULL) {
		close(sfd);
		close(mfd);
		if (pagefd != -1)
			close(pagefd);
		return 0;
	}
	/* the pty works without its page; processes that ask get ENOENT */
	if (pagefd != -1 && pty_set_page(p, pagefd) == -1)
		close(pagefd);
	if (ctl_new_data(c, p, sfd, xp_get64(m->pay)) == NULL)
		pty_orphan(p);
	return 0;
}

/*
 * XP_ATTACH: what follows an ended data connection, for a process that
 * read its end of file: its successor, or, if that one's message was read
 * too, the first whose message was not (pty_fetch).  The first to ask
 * consumed the zero-length message; later ones (other holders of the same
 * socket) are told so.  The successor is made now if nothing has needed
 * it yet.
 */
static void
ctl_attach(struct conn *c)
{
	struct conn	*old = ctl_conn_of(c, c->held[0]), *next;
	struct pty	*p;
	uint32_t	 seen;

	ctl_drop_held(c);	/* our copy must not keep the old one alive */
	if (old == NULL) {
		server_reply(c, ENOENT, -1, 0, 0, -1);
		return;
	}
	p = old->pty;
	if (!old->shut) {
		server_reply(c, EINVAL, pty_number(p), 0, 0, -1);
		return;
	}
	if ((next = pty_fetch(p, old)) == NULL && pty_released(p)) {
		/* nothing follows: the application takes the host manager */
		server_reply(c, 0, pty_number(p), 0, XP_RELEASED,
		    pty_hostfd(p));
		return;
	}
	if (next == NULL || next->clientfd == -1) {
		server_reply(c, EAGAIN, pty_number(p), 0, 0, -1);
		return;
	}
	seen = (uint32_t)old->claimed;
	if (server_reply(c, 0, pty_number(p), (uint32_t)pty_pckt(p), seen,
	    next->clientfd) == -1)
		return;		/* nobody read the message */
	old->claimed = 1;
	conn_consumed(old);
}

static void
ctl_identify(struct conn *c)
{
	struct conn	*d = ctl_conn_of(c, c->held[0]);

	ctl_drop_held(c);
	if (d == NULL)
		server_reply(c, ENOENT, -1, 0, 0, -1);
	else
		server_reply(c, 0, pty_number(d->pty),
		    (uint32_t)pty_pckt(d->pty), 0, pty_hostfd(d->pty));
}

static void
ctl_pckt(struct conn *c, const struct xp_msg *m)
{
	struct conn	*d = ctl_conn_of(c, c->held[0]);
	int		 err;

	ctl_drop_held(c);
	if (d == NULL) {
		server_reply(c, ENOENT, -1, 0, 0, -1);
		return;
	}
	err = pty_set_pckt(d->pty, xp_get32(m->pay) != 0);
	server_reply(c, err, pty_number(d->pty), 0, 0, -1);
}

/* XP_RELEASE: the application takes the host manager (pty.c). */
static void
ctl_release(struct conn *c)
{
	struct conn	*d = ctl_conn_of(c, c->held[0]);
	int		 last;

	ctl_drop_held(c);
	if (d == NULL) {
		server_reply(c, ENOENT, -1, 0, 0, -1);
		return;
	}
	last = pty_release(d->pty, d);
	server_reply(c, 0, pty_number(d->pty), (uint32_t)last, 0, -1);
}

static void
ctl_inject(struct conn *c, const struct xp_msg *m)
{
	struct pty	*p;
	int		 ptyno = (int)xp_get32(m->pay);
	uint8_t		 mtype = XP_M_DATA;
	int		 ok, err;

	if ((p = pty_find(ptyno)) == NULL && !pty_known(ptyno)) {
		ctl_take_adopts(c);
		p = pty_find(ptyno);
	}
	ok = p != NULL && pty_check_subsid(p, c->held[0]);
	ctl_drop_held(c);
	if (!ok) {
		server_reply(c, p == NULL ? ENOENT : EPERM, ptyno, 0, 0, -1);
		return;
	}
	if (m->type == XP_EVENT) {
		mtype = m->pay[4];
		if (!xp_frame_type_ok(mtype)) {
			server_reply(c, EINVAL, ptyno, 0, 0, -1);
			return;
		}
	}
	c->waiting = 1;		/* still read: its end of file cancels it */
	if (m->type == XP_EVENT)
		err = pty_inject(p, c, mtype, m->pay + 8, m->len - 8);
	else
		err = pty_inject(p, c, XP_M_DATA, NULL, 0);
	if (err != 0)
		server_reply(c, err, ptyno, 0, 0, -1);
}

/*
 * XP_PAGE: the state page of a pty, for a process that holds one of its
 * descriptors (the proof) but has no page.  A subsidiary, a host manager
 * of that number or a data connection of the pty will do.
 */
static void
ctl_page(struct conn *c, const struct xp_msg *m)
{
	struct pty	*p;
	struct conn	*d;
	int		 ptyno = (int)xp_get32(m->pay), n, ok;

	if ((p = pty_find(ptyno)) == NULL && !pty_known(ptyno)) {
		ctl_take_adopts(c);
		p = pty_find(ptyno);
	}
	ok = p != NULL && (pty_check_subsid(p, c->held[0]) ||
	    (host_classify(c->held[0], &n) == HOST_MANAGER && n == ptyno) ||
	    ((d = ctl_lookup(c->held[0])) != NULL && d->pty == p));
	ctl_drop_held(c);
	if (!ok)
		server_reply(c, p == NULL ? ENOENT : EPERM, ptyno, 0, 0, -1);
	else if (pty_page(p) == -1)
		server_reply(c, ENOENT, ptyno, 0, 0, -1);
	else
		server_reply(c, 0, ptyno, 0, 0, pty_page(p));
}

static void
ctl_sync(struct conn *c, const struct xp_msg *m)
{
	int	ptyno = (int)xp_get32(m->pay);

	if (!pty_known(ptyno))
		ctl_take_adopts(c);
	server_reply(c, 0, ptyno, (uint32_t)pty_sync(ptyno), 0, -1);
}

/*
 * Handle one decoded request.  Descriptor count was checked.  -1 if the
 * connection must go.
 */
static int
ctl_dispatch(struct conn *c, const struct xp_msg *m)
{
	log_debug("connection %d: request %u", c->fd, m->type);
	switch (m->type) {
	case XP_ADOPT:
	case XP_ADOPT_PAGE:
		return ctl_adopt(c, m);
	case XP_PAGE:
		ctl_page(c, m);
		break;
	case XP_ATTACH:
		ctl_attach(c);
		break;
	case XP_IDENTIFY:
		ctl_identify(c);
		break;
	case XP_ZERO:
	case XP_EVENT:
		ctl_inject(c, m);
		break;
	case XP_PCKT:
		ctl_pckt(c, m);
		break;
	case XP_STATUS:
		server_reply(c, 0, (int)getpid(), (uint32_t)npty,
		    (uint32_t)nconns, -1);
		break;
	case XP_SYNC:
		ctl_sync(c, m);
		break;
	case XP_RELEASE:
		ctl_release(c);
		break;
	}
	return 0;
}

/* Receive bytes and descriptors; -1 if the connection must go. */
static int
ctl_recv(struct conn *c)
{
	struct iovec	 iov = { c->in + c->inlen, CONN_INCAP - c->inlen };
	struct msghdr	 msg;
	union {
		struct cmsghdr	h;
		char		b[XP_CMSG_SPACE(8)];
	}		 cm;
	ssize_t		 n;
	int		 got, all, bad;

	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.b;
	msg.msg_controllen = sizeof cm.b;
	n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	/* more than one request may carry: any extra one is closed */
	got = xp_cmsg_get(&msg, c->held + c->nheld, XP_MAXFDS - c->nheld,
	    close, &all);
	c->nheld += got;
	bad = all > got;
	if (bad || (msg.msg_flags & MSG_CTRUNC)) {
		log_warnx("connection %d: unexpected descriptors", c->fd);
		return -1;
	}
	if (n == 0)
		return -1;
	c->inlen += (size_t)n;
	return 0;
}

/* Decode and dispatch what has arrived; -1 if the connection must go. */
static int
ctl_process(struct conn *c)
{
	struct xp_msg	m;
	ssize_t		r;

	while (c->state == CONN_CTL && !c->waiting && !c->dead) {
		if ((r = xp_decode(c->in, c->inlen, &m)) == 0)
			return 0;
		if (r < 0 || (size_t)r != c->inlen || !xp_is_request(m.type) ||
		    xp_wants_fds(m.type) != c->nheld) {
			/* bad, pipelined, or descriptors out of place */
			log_warnx("connection %d: malformed request", c->fd);
			return -1;
		}
		c->inlen = 0;
		if (ctl_dispatch(c, &m) == -1)
			return -1;
	}
	return 0;
}

/*
 * A control connection whose injection waits is readable: its client is
 * gone, or sent something out of turn.  Either way it is closed.
 */
static void
ctl_waiting_readable(struct conn *c)
{
	uint8_t	b;
	ssize_t	n;

	n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		log_warnx("connection %d: request out of turn", c->fd);
	else
		log_debug("connection %d: client gone while waiting", c->fd);
	conn_close(c);
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	if (c->dead)
		conn_close(c);
	else if (c->state == CONN_DATA)
		pty_conn_readable(c);
	else if (c->waiting)
		ctl_waiting_readable(c);
	else if (ctl_recv(c) == -1 || ctl_process(c) == -1)
		conn_close(c);
}

/* EV_CLOSED on a data connection: every client end is closed. */
static void
conn_closed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	if (c->pty != NULL)
		pty_conn_gone(c);
	else
		conn_close(c);
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	if (c->state == CONN_DATA)
		pty_conn_writable(c);
	else
		conn_set_write(c, 0);
}

/* ---- accepting ---- */

static int
peer_ok(int fd, uid_t *uid)
{
	if (host_peer_uid(fd, uid) == -1) {
		log_warn("peer credentials");
		return 0;
	}
	if (*uid != getuid()) {
		log_warnx("refused connection from uid %ld", (long)*uid);
		return 0;
	}
	return 1;
}

static void
listen_resume(evutil_socket_t fd, short what, void *arg)
{
	event_add(listen_ev, NULL);
}

static void
reserve_take(void)
{
	if (reserve_fd == -1)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/*
 * accept() failed with EMFILE or ENFILE: refuse one queued connection
 * with the reserve descriptor (closed at once: the client sees its end);
 * 0 if that was done, -1 if there is no reserve.
 */
static int
listen_refuse(int lfd)
{
	int	fd;

	if (reserve_fd == -1)
		return -1;
	close(reserve_fd);
	reserve_fd = -1;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd != -1) {
		log_warnx("out of descriptors: connection refused");
		close(fd);
	}
	reserve_take();
	return fd != -1 || errno == EMFILE || errno == ENFILE ? 0 : -1;
}

static void
listen_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct timeval	tv = { 1, 0 };
	uid_t		uid;
	int		fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd == -1) {
			if ((errno == EMFILE || errno == ENFILE) &&
			    listen_refuse(lfd) == 0)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("accept");
				event_del(listen_ev);
				evtimer_add(listen_backoff, &tv);
			}
			return;		/* EAGAIN, EINTR, ECONNABORTED... */
		}
		if (!peer_ok(fd, &uid)) {
			close(fd);
			continue;
		}
		if (conn_new(fd, uid, CONN_CTL) == NULL) {
			log_warn("connection");
			close(fd);
			continue;
		}
		log_debug("connection %d accepted", fd);
		xptyd_activity();
	}
}

void
server_start(int lfd)
{
	if (ctl_epfd == -1 &&
	    (ctl_epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	reserve_take();
	listen_fd = lfd;
	listen_ev = event_new(xbase, lfd, EV_READ | EV_PERSIST, listen_cb,
	    NULL);
	listen_backoff = evtimer_new(xbase, listen_resume, NULL);
	if (listen_ev == NULL || listen_backoff == NULL)
		fatal("event_new");
	event_add(listen_ev, NULL);
}

/*
 * Stop accepting (the socket path is already gone).  Connections that
 * were still queued are accepted first and served; returns how many.
 */
int
server_stop_listening(void)
{
	int	before = nconns;

	if (listen_fd == -1)
		return 0;
	listen_cb(listen_fd, EV_READ, NULL);
	event_free(listen_ev);
	event_free(listen_backoff);
	close(listen_fd);
	listen_fd = -1;
	return nconns - before;
}

/*
 * Connections that keep the daemon from exiting when no pty is left: data
 * connections and control connections with a request under way.  An idle
 * control connection does not (every process keeps one).
 */
int
server_busy(void)
{
	struct conn	*c;
	int		 n = 0;

	TAILQ_FOREACH(c, &conns, entry) {
		if (c->state == CONN_DATA || c->waiting || c->inlen > 0 ||
		    c->nheld > 0)
			n++;
	}
	return n;
}

/*
 * Exiting (not listening any more): shut every control connection down
 * for reading, so that the client's next send fails, serve what it had
 * already queued, and close it.
 */
void
server_close_idle(void)
{
	struct conn	*c, *next;

	TAILQ_FOREACH_SAFE(c, &conns, entry, next) {
		if (c->state != CONN_CTL || c->waiting)
			continue;
		shutdown(c->fd, SHUT_RD);
		for (;;) {
			if (ctl_recv(c) == -1 || ctl_process(c) == -1) {
				conn_close(c);
				break;
			}
			if (c->state != CONN_CTL || c->waiting)
				break;
		}
	}
}
