/*
 * ctl.c - control connections: the framed requests of common/proto.h,
 * their descriptors and replies, and what each request does.
 *
 * Theory of operation.  Every connection accepted on the daemon's socket
 * (server.c) is a control connection.  It sends framed requests, with the
 * descriptors each type wants, and gets one fixed-size reply per request
 * (none for XP_ADOPT).  The library keeps one open per process, so an
 * idle control connection does not hold the loop (loop.c); one with a
 * request under way (bytes or descriptors of a request received, or an
 * injection waiting) does, and ctl_account is where that changes.
 * XP_ADOPT and XP_ATTACH bring the daemon's end of a socketpair, which
 * becomes a data connection of a pty (pty.c, data.c): from then on its
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
 * connection also has a read event in a second libevent base (ctl_scan,
 * loop_base_new), which is only ever looped without blocking, to say which
 * are readable now; so the cost of a request about an unknown pty grows
 * with the connections that have sent something, not with the idle ones
 * every client process keeps.
 *
 * Injections (XP_ZERO, XP_EVENT) are answered when the pty has placed
 * them (pty_inject's completion, ctl_inject_done).  A control connection
 * is read even while its injection waits: its end of file then closes it
 * (and drops the injection, pty_cancel), and anything else it sends out
 * of turn closes it too.  A reply that cannot be sent (the client is gone,
 * or does not read its replies) marks the connection dead; it is closed
 * from the loop (ctl_doom), never under the caller's feet.
 *
 * A request whose descriptors the kernel could not install (MSG_CTRUNC)
 * closes its connection; the dropped descriptors are closed by the
 * kernel, so the application's manager socket of an XP_ADOPT lost that
 * way has no peer any more.  Anything malformed, truncated, oversized,
 * carrying unexpected descriptors, or sent out of turn closes that
 * connection only.
 *
 * Exiting when idle (ctl_close_idle): each control connection is shut
 * down for reading, which fails the client's later sends with EPIPE (the
 * library then reconnects, starting a new daemon), and whatever it had
 * queued before is still read and served.
 *
 * Descriptors: a connection's socket is this file's from ctl_new on,
 * closed by ctl_close; the descriptors a request brought (held[]) are the
 * connection's until the request takes them (ctl_take_held: the taker
 * closes or passes them on) or drops them.  State: the list of
 * connections and its count, the scan base and the scan generation.
 * Every field of struct ctl is this file's, on the loop's thread.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xptyd.h"
#include "host.h"
#include "scmrights.h"

#define CTL_INCAP	(XP_HDRLEN + XP_MAXPAYLOAD)
#define CTL_RECVFDS	8	/* room for more than a request may carry */

struct ctl {
	int			 fd;
	uid_t			 uid;		/* of the peer (server.c) */
	struct xev		 rd;
	struct event		*ev_scan;	/* in ctl_scan */
	int			 dead;		/* to be closed: reply not sent */
	int			 holding;	/* holds the loop (ctl_account) */
	struct pty		*waiting;	/* whose injection is in flight */
	unsigned		 scan;		/* ctl_take_adopts pass */
	int			 held[XP_MAXFDS];	/* this request's */
	int			 nheld;
	uint8_t			*in;		/* request bytes */
	size_t			 inlen;
	TAILQ_ENTRY(ctl)	 entry;
};

static TAILQ_HEAD(, ctl)	 ctls = TAILQ_HEAD_INITIALIZER(ctls);
static int			 nctls;
static struct event_base	*ctl_scan;	/* which are readable now */
static unsigned			 ctl_pass;	/* ctl_take_adopts generation */
static int			 ctl_fresh;	/* this scan found a new one */
static struct ctl		*ctl_self;	/* the scan's requester */

static void	ctl_read_cb(evutil_socket_t, short, void *);
static void	ctl_scan_cb(evutil_socket_t, short, void *);
static int	ctl_recv(struct ctl *);
static int	ctl_process(struct ctl *);

void
ctl_init(void)
{
	if ((ctl_scan = loop_base_new()) == NULL)
		fatal("event_base_new");
}

int
ctl_count(void)
{
	return (nctls);
}

/* Does c hold the loop?  Changes here and only here. */
static void
ctl_account(struct ctl *c)
{
	int	busy = !c->dead && (c->waiting != NULL || c->inlen > 0 ||
	    c->nheld > 0);

	if (busy != c->holding)
		loop_hold(busy ? 1 : -1);
	c->holding = busy;
}

/* A control connection on fd (an accepted socket of uid); -1 on failure. */
int
ctl_new(int fd, uid_t uid)
{
	struct ctl	*c;
	int		 i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (-1);
	if ((c->in = malloc(CTL_INCAP)) == NULL) {
		free(c);
		return (-1);
	}
	c->fd = fd;
	c->uid = uid;
	for (i = 0; i < XP_MAXFDS; i++)
		c->held[i] = -1;
	c->ev_scan = event_new(ctl_scan, fd, EV_READ | EV_PERSIST,
	    ctl_scan_cb, c);
	if (ev_init(&c->rd, event_new(loop_base(), fd, EV_READ | EV_PERSIST,
	    ctl_read_cb, c)) == -1 || c->ev_scan == NULL ||
	    event_add(c->ev_scan, NULL) == -1) {
		ev_free(&c->rd);
		if (c->ev_scan != NULL)
			event_free(c->ev_scan);
		free(c->in);
		free(c);
		return (-1);
	}
	TAILQ_INSERT_TAIL(&ctls, c, entry);
	nctls++;
	ev_want(&c->rd, 1);
	loop_touch();
	return (0);
}

static void
ctl_drop_held(struct ctl *c)
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
ctl_take_held(struct ctl *c, int i)
{
	int	fd = c->held[i];

	c->held[i] = -1;
	return (fd);
}

static void
ctl_close(struct ctl *c)
{
	log_debug("connection %d closed", c->fd);
	if (c->waiting != NULL)
		pty_cancel(c->waiting, c);
	c->waiting = NULL;
	c->dead = 1;
	ctl_account(c);
	ctl_drop_held(c);
	ev_free(&c->rd);
	event_free(c->ev_scan);
	close(c->fd);
	free(c->in);
	TAILQ_REMOVE(&ctls, c, entry);
	free(c);
	nctls--;
	loop_touch();
}

/*
 * c is to be closed, but its caller may still be using it: close it from
 * the loop, in its read callback.
 */
static void
ctl_doom(struct ctl *c)
{
	c->dead = 1;
	ctl_account(c);
	ev_want(&c->rd, 1);
	event_active(c->rd.ev, EV_READ, 1);
}

/*
 * Send one reply, with fd attached if fd != -1 (it stays the caller's).
 * A reply always fits in an empty socket buffer; if it cannot be sent the
 * client is gone or hostile, and the connection is closed (from the
 * loop).  -1 then.
 */
static int
ctl_reply(struct ctl *c, int err, int ptyno, uint32_t aux, uint32_t aux2,
    int fd)
{
	struct xp_reply	 r = { err, ptyno, aux, aux2 };
	uint8_t		 buf[XP_REPLYLEN];
	struct iovec	 iov = { buf, sizeof(buf) };
	struct msghdr	 msg;
	union {
		struct cmsghdr	h;
		char		b[XP_CMSG_SPACE(1)];
	}		 cm;
	ssize_t		 n;

	xp_put_reply(buf, &r);
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd != -1)
		xp_cmsg_put(&msg, cm.b, &fd, 1);
	c->waiting = NULL;
	do
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)sizeof(buf)) {
		ctl_account(c);
		return (0);
	}
	log_debug("connection %d: reply not sent, closing", c->fd);
	ctl_doom(c);
	return (-1);
}

/* ---- what was sent before: the XP_ADOPTs queued elsewhere ---- */

/* Take the XP_ADOPTs at the head of c's queue; c may be closed. */
static void
ctl_take_from(struct ctl *c)
{
	uint8_t	hdr[XP_HDRLEN];
	ssize_t	n;

	while (!c->dead && c->waiting == NULL && c->inlen == 0 &&
	    c->nheld == 0) {
		n = recv(c->fd, hdr, sizeof(hdr), MSG_PEEK | MSG_DONTWAIT);
		if (n != (ssize_t)sizeof(hdr) || (xp_get16(hdr) != XP_ADOPT &&
		    xp_get16(hdr) != XP_ADOPT_PAGE))
			break;
		if (ctl_recv(c) == -1 || ctl_process(c) == -1) {
			ctl_close(c);
			return;
		}
	}
	ctl_account(c);
}

static void
ctl_scan_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl	*c = arg;

	if (c->scan == ctl_pass)
		return;
	c->scan = ctl_pass;
	ctl_fresh = 1;
	if (c != ctl_self)
		ctl_take_from(c);
}

/*
 * Take every XP_ADOPT queued at the head of a control connection other
 * than self (see Ordering above), looking only at the readable ones.  The
 * scan base is level-triggered, so what it ran comes back after the rest;
 * a pass that finds only connections seen already ends it.  A read that
 * brings descriptors ends with them, so each read takes one XP_ADOPT,
 * whole.
 */
static void
ctl_take_adopts(struct ctl *self)
{
	ctl_pass++;
	ctl_self = self;
	do {
		ctl_fresh = 0;
		if (event_base_loop(ctl_scan, EVLOOP_ONCE |
		    EVLOOP_NONBLOCK) == -1)
			break;
	} while (ctl_fresh);
	ctl_self = NULL;
}

/* The data connection whose client end is fd, after the XP_ADOPTs sent
 * before this request if need be. */
static struct dconn *
ctl_conn_of(struct ctl *c, int fd)
{
	struct dconn	*d;

	if ((d = pty_sock_conn(fd)) == NULL && fd != -1) {
		ctl_take_adopts(c);
		d = pty_sock_conn(fd);
	}
	return (d);
}

/* The pty numbered ptyno, after the XP_ADOPTs sent before if need be. */
static struct pty *
ctl_pty_of(struct ctl *c, int ptyno)
{
	struct pty	*p;

	if ((p = pty_find(ptyno)) == NULL && !pty_known(ptyno)) {
		ctl_take_adopts(c);
		p = pty_find(ptyno);
	}
	return (p);
}

/* ---- the requests ---- */

/* Is fd the daemon's end of a stream socketpair made by uid? */
static int
ctl_sock_ok(int fd, uid_t uid)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	uid_t			peer;
	int			v;

	len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    ss.ss_family != AF_UNIX)
		return (0);
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == -1 ||
	    v != SOCK_STREAM)
		return (0);
	if (host_peer_uid(fd, &peer) == -1 || peer != uid)
		return (0);
	return (fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK) != -1);
}

/*
 * XP_ADOPT: a new pty.  There is no reply: if it cannot be adopted, its
 * socket is closed and the application reads end of file.
 */
static int
ctl_adopt(struct ctl *c, const struct xp_msg *m)
{
	int		 sfd = ctl_take_held(c, 0), mfd = ctl_take_held(c, 1);
	int		 pagefd = m->type == XP_ADOPT_PAGE ? ctl_take_held(c, 2) :
			    -1;

	c->nheld = 0;
	if (!ctl_sock_ok(sfd, c->uid)) {
		log_warnx("connection %d: XP_ADOPT without a socketpair",
		    c->fd);
		close(sfd);
		close(mfd);
		if (pagefd != -1)
			close(pagefd);
		return (-1);
	}
	log_debug("connection %d: data connection %d", c->fd, sfd);
	/* XP_ADOPT_PAGE: the page store's page, installed before any read */
	(void)pty_adopt(mfd, sfd, xp_get64(m->pay), pagefd);
	return (0);
}

/*
 * The data connection named by the request's socket, its descriptor
 * dropped; NULL (ENOENT answered) if there is none.
 */
static struct dconn *
ctl_data_of(struct ctl *c)
{
	struct dconn	*d = ctl_conn_of(c, c->held[0]);

	ctl_drop_held(c);
	if (d == NULL)
		ctl_reply(c, ENOENT, -1, 0, 0, -1);
	return (d);
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
ctl_attach(struct ctl *c)
{
	struct dconn	*old, *next;
	struct pty	*p;
	uint32_t	 seen;

	/* our copy of the socket must not keep the old one alive */
	if ((old = ctl_data_of(c)) == NULL)
		return;
	p = pty_of(old);
	if ((old->flags & DC_SHUT) == 0) {
		ctl_reply(c, EINVAL, pty_number(p), 0, 0, -1);
		return;
	}
	if ((next = pty_fetch(p, old)) == NULL && pty_released(p)) {
		/* nothing follows: the application takes the host manager */
		ctl_reply(c, 0, pty_number(p), 0, XP_RELEASED, pty_hostfd(p));
		return;
	}
	if (next == NULL || next->clientfd == -1) {
		ctl_reply(c, EAGAIN, pty_number(p), 0, 0, -1);
		return;
	}
	seen = (old->flags & DC_CLAIMED) != 0;
	if (ctl_reply(c, 0, pty_number(p), (uint32_t)pty_pckt(p), seen,
	    next->clientfd) == -1)
		return;		/* nobody read the message */
	dconn_claim(old);
}

static void
ctl_identify(struct ctl *c)
{
	struct dconn	*d;
	struct pty	*p;

	if ((d = ctl_data_of(c)) == NULL)
		return;
	p = pty_of(d);
	ctl_reply(c, 0, pty_number(p), (uint32_t)pty_pckt(p), 0,
	    pty_hostfd(p));
}

static void
ctl_pckt(struct ctl *c, const struct xp_msg *m)
{
	struct dconn	*d;
	struct pty	*p;

	if ((d = ctl_data_of(c)) == NULL)
		return;
	p = pty_of(d);
	ctl_reply(c, pty_set_pckt(p, xp_get32(m->pay) != 0), pty_number(p),
	    0, 0, -1);
}

/* XP_RELEASE: the application takes the host manager (pty.c). */
static void
ctl_release(struct ctl *c)
{
	struct dconn	*d;
	struct pty	*p;
	int		 last;

	if ((d = ctl_data_of(c)) == NULL)
		return;
	p = pty_of(d);
	last = pty_release(p, d);
	ctl_reply(c, 0, pty_number(p), (uint32_t)last, 0, -1);
}

/* pty_inject's completion: the injection is placed (or the pty gone). */
static void
ctl_inject_done(void *arg, int ptyno, int err)
{
	struct ctl	*c = arg;

	c->waiting = NULL;
	ctl_reply(c, err, ptyno, 0, 0, -1);
}

static void
ctl_inject(struct ctl *c, const struct xp_msg *m)
{
	struct pty	*p;
	int		 ptyno = (int)xp_get32(m->pay), ok, err;
	uint8_t		 mtype = XP_M_DATA;

	p = ctl_pty_of(c, ptyno);
	ok = p != NULL && pty_check_subsid(p, c->held[0]);
	ctl_drop_held(c);
	if (!ok) {
		ctl_reply(c, p == NULL ? ENOENT : EPERM, ptyno, 0, 0, -1);
		return;
	}
	if (m->type == XP_EVENT) {
		mtype = m->pay[4];
		if (!xp_frame_type_ok(mtype)) {
			ctl_reply(c, EINVAL, ptyno, 0, 0, -1);
			return;
		}
	}
	c->waiting = p;		/* still read: its end of file cancels it */
	ctl_account(c);
	if (m->type == XP_EVENT)
		err = pty_inject(p, mtype, m->pay + 8, m->len - 8,
		    ctl_inject_done, c);
	else
		err = pty_inject(p, XP_M_DATA, NULL, 0, ctl_inject_done, c);
	if (err != 0)
		ctl_reply(c, err, ptyno, 0, 0, -1);
}

/*
 * XP_PAGE: the state page of a pty, for a process that holds one of its
 * descriptors (the proof) but has no page.  A subsidiary, a host manager
 * of that number or a data connection of the pty will do.
 */
static void
ctl_page(struct ctl *c, const struct xp_msg *m)
{
	struct pty	*p;
	struct dconn	*d;
	int		 ptyno = (int)xp_get32(m->pay), n, ok;

	p = ctl_pty_of(c, ptyno);
	ok = p != NULL && (pty_check_subsid(p, c->held[0]) ||
	    (host_classify(c->held[0], &n) == HOST_MANAGER && n == ptyno) ||
	    ((d = ctl_conn_of(c, c->held[0])) != NULL && pty_of(d) == p));
	ctl_drop_held(c);
	if (!ok)
		ctl_reply(c, p == NULL ? ENOENT : EPERM, ptyno, 0, 0, -1);
	else if (pty_page(p) == -1)
		ctl_reply(c, ENOENT, ptyno, 0, 0, -1);
	else
		ctl_reply(c, 0, ptyno, 0, 0, pty_page(p));
}

/*
 * XP_LEASE: a slot in the lease of the pty whose data socket came with
 * the request, for the process at the other end (pty_lease_grant,
 * lease.c), and the page its block is in.
 */
static void
ctl_lease(struct ctl *c)
{
	struct dconn	*d;
	struct pty	*p;
	pid_t		 pid;
	uint32_t	 serial;
	int		 slot, pagefd, err;

	if ((d = ctl_data_of(c)) == NULL)
		return;
	p = pty_of(d);
	if (host_peer_pid(c->fd, &pid) == -1 || pid <= 0)
		pid = 0;
	err = pty_lease_grant(p, (uint32_t)pid, &slot, &serial, &pagefd);
	if (err != 0)
		ctl_reply(c, err, pty_number(p), 0, 0, -1);
	else
		ctl_reply(c, 0, pty_number(p), (uint32_t)slot, serial, pagefd);
}

static void
ctl_sync(struct ctl *c, const struct xp_msg *m)
{
	int	ptyno = (int)xp_get32(m->pay);

	if (!pty_known(ptyno))
		ctl_take_adopts(c);
	ctl_reply(c, 0, ptyno, (uint32_t)pty_sync(ptyno), 0, -1);
}

/*
 * Handle one decoded request.  Descriptor count was checked.  -1 if the
 * connection must go.
 */
static int
ctl_dispatch(struct ctl *c, const struct xp_msg *m)
{
	log_debug("connection %d: request %u", c->fd, m->type);
	switch (m->type) {
	case XP_ADOPT:
	case XP_ADOPT_PAGE:
		return (ctl_adopt(c, m));
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
		ctl_reply(c, 0, (int)getpid(), (uint32_t)pty_count(),
		    (uint32_t)(ctl_count() + dconn_count()), -1);
		break;
	case XP_SYNC:
		ctl_sync(c, m);
		break;
	case XP_RELEASE:
		ctl_release(c);
		break;
	case XP_LEASE:
		ctl_lease(c);
		break;
	}
	return (0);
}

/* ---- reading requests ---- */

/* Receive bytes and descriptors; -1 if the connection must go. */
static int
ctl_recv(struct ctl *c)
{
	struct iovec	 iov = { c->in + c->inlen, CTL_INCAP - c->inlen };
	struct msghdr	 msg;
	union {
		struct cmsghdr	h;
		char		b[XP_CMSG_SPACE(CTL_RECVFDS)];
	}		 cm;
	ssize_t		 n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.b;
	msg.msg_controllen = sizeof(cm.b);
	n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n == -1)
		return ((errno == EAGAIN || errno == EINTR) ? 0 : -1);
	if (xp_cmsg_take(&msg, c->held, &c->nheld, XP_MAXFDS) != 0 ||
	    (msg.msg_flags & MSG_CTRUNC)) {
		log_warnx("connection %d: unexpected descriptors", c->fd);
		return (-1);
	}
	if (n == 0)
		return (-1);
	c->inlen += (size_t)n;
	return (0);
}

/* Decode and dispatch what has arrived; -1 if the connection must go. */
static int
ctl_process(struct ctl *c)
{
	struct xp_msg	m;
	ssize_t		r;

	while (c->waiting == NULL && !c->dead) {
		if ((r = xp_decode(c->in, c->inlen, &m)) == 0)
			return (0);
		if (r < 0 || (size_t)r != c->inlen || !xp_is_request(m.type) ||
		    xp_wants_fds(m.type) != c->nheld) {
			/* bad, pipelined, or descriptors out of place */
			log_warnx("connection %d: malformed request", c->fd);
			return (-1);
		}
		c->inlen = 0;
		if (ctl_dispatch(c, &m) == -1)
			return (-1);
	}
	return (0);
}

/*
 * A control connection whose injection waits is readable: its client is
 * gone, or sent something out of turn.  Either way it is closed.
 */
static void
ctl_waiting_readable(struct ctl *c)
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
	ctl_close(c);
}

static void
ctl_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl	*c = arg;

	if (c->dead)
		ctl_close(c);
	else if (c->waiting != NULL)
		ctl_waiting_readable(c);
	else if (ctl_recv(c) == -1 || ctl_process(c) == -1)
		ctl_close(c);
	else
		ctl_account(c);
}

/*
 * Exiting (not listening any more): shut every control connection down
 * for reading, so that the client's next send fails, serve what it had
 * already queued, and close it.  One whose injection waits stays.
 */
void
ctl_close_idle(void)
{
	struct ctl	*c, *next;

	TAILQ_FOREACH_SAFE(c, &ctls, entry, next) {
		if (c->waiting != NULL)
			continue;
		shutdown(c->fd, SHUT_RD);
		for (;;) {
			if (ctl_recv(c) == -1 || ctl_process(c) == -1) {
				ctl_close(c);
				break;
			}
			if (c->waiting != NULL) {
				ctl_account(c);
				break;
			}
		}
	}
}
