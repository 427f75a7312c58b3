/*
 * data.c - data connections: the daemon's end of a socketpair whose other
 * end (the client end) an application holds as its pty manager.
 *
 * Theory of operation.  A data connection carries one pty's byte stream
 * (or its pckt frames, common/proto.h).  It comes from the library
 * (XP_ADOPT: the first connection of a pty) or is made here as the
 * successor of one whose stream ended (dconn_successor).  It belongs to
 * one owner, a pty (pty.c), which gave it its callbacks (struct
 * dconn_ops): this file binds the socket's events and calls the owner
 * when the socket is readable, writable, or when every client end is
 * closed (EV_CLOSED, EPOLLRDHUP on Linux: seen even while bytes the
 * client sent still wait).  The owner decides when the connection closes
 * (dconn_close), and reads and writes it only through the calls here.
 *
 * Successors.  SVR4's zero-length message is the end of file of the
 * connection: the owner shuts the writing half down (dconn_shut) and what
 * follows goes into a successor, a socketpair made here whose daemon end
 * is bound with the mark the library's ends carry (host_mark_bind,
 * lib/host.h) and whose client end is kept (clientfd) for XP_ATTACH until
 * its own zero-length message has been read by someone (dconn_claim) or
 * nothing older is left to fetch it from.  Connections are chained
 * (pred, succ); one that closes leaves the chain with its neighbours
 * joined, so a holder of an older connection still finds what follows.
 *
 * The registry.  Every data connection is found by the inode of its
 * client end (which XP_ATTACH, XP_IDENTIFY and XP_PCKT show), in a hash
 * of DC_BUCKETS lists; a second connection claiming an inode already
 * known (a lying client) is not registered.  Once every client end is
 * closed (dconn_forget), nothing can name the connection any more and it
 * leaves the registry.
 *
 * Descriptors: fd, the daemon's end, is this file's from dconn_new on and
 * closed by dconn_close (on failure, by dconn_new itself); clientfd, a
 * successor's client end, is this file's until it is passed in a reply
 * (the copy sent is the receiver's) and closed when no longer needed.
 * State: the registry and the count of connections.  Single-threaded.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xptyd.h"
#include "host.h"
#include "sys.h"

#define DC_BUCKETS	1024

static LIST_HEAD(, dconn)	 dc_hash[DC_BUCKETS];
static int			 dc_count;

static void	dconn_read_cb(evutil_socket_t, short, void *);
static void	dconn_write_cb(evutil_socket_t, short, void *);
static void	dconn_closed_cb(evutil_socket_t, short, void *);

static unsigned
dconn_bucket(uint64_t ino)
{
	return ((unsigned)((ino * 0x9e3779b97f4a7c15ULL) >> 54) % DC_BUCKETS);
}

/* Register d by inode; a duplicate (a lying client) is not. */
static void
dconn_index(struct dconn *d)
{
	struct dconn	*x;
	unsigned	 b = dconn_bucket(d->ino);

	LIST_FOREACH(x, &dc_hash[b], hentry) {
		if (x->ino == d->ino)
			return;
	}
	LIST_INSERT_HEAD(&dc_hash[b], d, hentry);
	d->indexed = 1;
}

static void
dconn_unindex(struct dconn *d)
{
	if (d->indexed)
		LIST_REMOVE(d, hentry);
	d->indexed = 0;
}

/* The data connection whose client end is the socket clientfd, or NULL. */
struct dconn *
dconn_find(int clientfd)
{
	struct stat	 st;
	struct dconn	*d;

	if (clientfd == -1 || fstat(clientfd, &st) == -1 ||
	    !S_ISSOCK(st.st_mode))
		return (NULL);
	LIST_FOREACH(d, &dc_hash[dconn_bucket((uint64_t)st.st_ino)], hentry) {
		if (d->ino == (uint64_t)st.st_ino)
			return (d);
	}
	return (NULL);
}

int
dconn_count(void)
{
	return (dc_count);
}

static void
dconn_free(struct dconn *d)
{
	ev_free(&d->rd);
	ev_free(&d->wr);
	if (d->ev_closed != NULL)
		event_free(d->ev_closed);
	free(d);
}

/*
 * A data connection on fd, the daemon's end, owned by arg from now on.
 * On failure fd is closed and NULL returned.
 */
struct dconn *
dconn_new(int fd, uint64_t ino, const struct dconn_ops *ops, void *arg)
{
	struct event_base	*base = loop_base();
	struct dconn		*d;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		close(fd);
		return (NULL);
	}
	d->fd = fd;
	d->ino = ino;
	d->clientfd = -1;
	d->ops = ops;
	d->arg = arg;
	d->ev_closed = event_new(base, fd, EV_CLOSED | EV_PERSIST,
	    dconn_closed_cb, d);
	if (ev_init(&d->rd, event_new(base, fd, EV_READ | EV_PERSIST,
	    dconn_read_cb, d)) == -1 ||
	    ev_init(&d->wr, event_new(base, fd, EV_WRITE | EV_PERSIST,
	    dconn_write_cb, d)) == -1 || d->ev_closed == NULL) {
		dconn_free(d);
		close(fd);
		return (NULL);
	}
	dconn_index(d);
	dc_count++;
	loop_hold(1);
	ev_want(&d->rd, 1);
	event_add(d->ev_closed, NULL);
	return (d);
}

/*
 * c's zero-length message has been read (its successor fetched), or
 * nothing older can fetch it any more: nobody needs the daemon's copy of
 * c's client end.
 */
static void
dconn_consumed(struct dconn *d)
{
	if (d->clientfd != -1)
		close(d->clientfd);
	d->clientfd = -1;
}

/*
 * d leaves its chain.  Its neighbours are joined; a successor's client
 * end is kept only while an older connection lives to fetch it from: with
 * none left, it goes, and with it, if no process took the successor, the
 * successor (its end of file follows).
 */
static void
dconn_unchain(struct dconn *d)
{
	struct dconn	*pred = d->pred, *succ = d->succ;

	if (pred != NULL)
		pred->succ = succ;
	if (succ != NULL) {
		succ->pred = pred;
		if (pred == NULL)
			dconn_consumed(succ);
	}
	d->pred = d->succ = NULL;
	dconn_consumed(d);
}

/* Close d (its owner has let it go: d is no longer on its lists). */
void
dconn_close(struct dconn *d)
{
	int	fd = d->fd;

	log_debug("connection %d closed", fd);
	dconn_unindex(d);
	dconn_unchain(d);
	dconn_free(d);			/* its events, before fd closes */
	close(fd);
	dc_count--;
	loop_hold(-1);
}

/*
 * The successor of old, whose stream has ended, with old's owner: a
 * socketpair made here, the daemon's end marked as the library's are,
 * the client end kept for XP_ATTACH.  NULL if out of resources.
 */
struct dconn *
dconn_successor(struct dconn *old)
{
	struct stat	 st;
	struct dconn	*d;
	int		 sv[2];

	if (xsys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv) == -1) {
		log_warn("socketpair");
		return (NULL);
	}
	if (fstat(sv[0], &st) == -1 ||
	    fcntl(sv[1], F_SETFL, O_RDWR | O_NONBLOCK) == -1) {
		log_warn("successor connection");
		close(sv[0]);
		close(sv[1]);
		return (NULL);
	}
	(void)host_mark_bind(sv[1], (uint64_t)st.st_ino);
	if ((d = dconn_new(sv[1], (uint64_t)st.st_ino, old->ops,
	    old->arg)) == NULL) {
		log_warn("successor connection");
		close(sv[0]);
		return (NULL);
	}
	d->clientfd = sv[0];
	d->pred = old;
	old->succ = d;
	log_debug("connection %d: successor %d", old->fd, d->fd);
	return (d);
}

void
dconn_set_read(struct dconn *d, int on)
{
	ev_want(&d->rd, on);
}

void
dconn_set_write(struct dconn *d, int on)
{
	ev_want(&d->wr, on);
}

/* Send without blocking: as send(2). */
ssize_t
dconn_send(struct dconn *d, const void *buf, size_t len)
{
	return (send(d->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT));
}

/* Look at what the client sent without taking it: as recv(2). */
ssize_t
dconn_peek(struct dconn *d, void *buf, size_t len)
{
	return (recv(d->fd, buf, len, MSG_PEEK | MSG_DONTWAIT));
}

/* Take what the client sent: as recv(2). */
ssize_t
dconn_recv(struct dconn *d, void *buf, size_t len)
{
	return (recv(d->fd, buf, len, MSG_DONTWAIT));
}

/*
 * Take n bytes already peeked off the socket, into scratch (their own
 * copy: the same bytes).
 */
void
dconn_consume(struct dconn *d, void *scratch, size_t n)
{
	ssize_t	r;

	while (n > 0) {
		r = dconn_recv(d, scratch, n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n -= (size_t)r;
	}
}

/* The end of d's stream: shut its writing half down. */
void
dconn_shut(struct dconn *d)
{
	shutdown(d->fd, SHUT_WR);
	d->flags |= DC_SHUT;
	ev_want(&d->wr, 0);
}

/* Bytes the client sent that are still in d's socket. */
int
dconn_queued(struct dconn *d)
{
	int	q = 0;

	if (ioctl(d->fd, FIONREAD, &q) == -1)
		return (0);
	return (q);
}

/* Has every client end closed, though EV_CLOSED was not seen yet? */
int
dconn_rdhup(struct dconn *d)
{
	return ((d->flags & DC_GONE) == 0 && host_sock_rdhup(d->fd) != 0);
}

/*
 * Every client end of d is closed: nothing can name it any more, though
 * the bytes it sent may still be read.
 */
void
dconn_forget(struct dconn *d)
{
	d->flags |= DC_GONE;
	event_del(d->ev_closed);
	dconn_unindex(d);
	dconn_unchain(d);
}

/* Successors made and not yet fetched, up to and including d. */
int
dconn_chain_len(struct dconn *d)
{
	int	n = 0;

	for (; d != NULL && d->clientfd != -1; d = d->pred)
		n++;
	return (n);
}

/* What follows old whose zero-length message nobody has read, or NULL. */
struct dconn *
dconn_next_unread(struct dconn *old)
{
	struct dconn	*x;

	for (x = old->succ; x != NULL && (x->flags & DC_CLAIMED); x = x->succ)
		;	/* its message was read elsewhere: skip it */
	return (x);
}

/* d's zero-length message was read: its successor was fetched past it. */
void
dconn_claim(struct dconn *d)
{
	d->flags |= DC_CLAIMED;
	dconn_consumed(d);
}

static void
dconn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dconn	*d = arg;

	d->ops->readable(d, d->arg);
}

static void
dconn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dconn	*d = arg;

	d->ops->writable(d, d->arg);
}

static void
dconn_closed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dconn	*d = arg;

	d->ops->gone(d, d->arg);
}
