/*
 * xptyd.h - the interfaces between the files of xptyd, the per-user relay
 * daemon of libxpty.
 *
 * Shape of the daemon, one concern per file, bottom up (a file calls only
 * its own layer and those below it: tests/layers.txt, checked by make
 * check):
 *   base     log.c    logging to stderr (foreground) or syslog
 *            loop.c   the libevent base, the loop with adaptive busy
 *                     polling, and the idle accounting (holds)
 *            buf.c    fixed-size transfer buffers and their free list
 *            outq.c   what waits behind a pty's out buffer
 *   host     lib/host.h, lib/sys.h and their host files, the stream-state
 *            helpers of common/
 *   conn     data.c   data connections: a socket carrying one pty's byte
 *                     stream, its events, its chain of successors, the
 *                     registry by the inode of the client end
 *            watch.c  the set that says when a subsidiary opens again
 *   pty      pty.c    one relayed pty: its life and state, its data
 *                     connections, the out and in directions of its data
 *                     path, injected messages
 *   ctl      ctl.c    control connections: framed requests and replies,
 *                     descriptors, the requests themselves
 *   server   server.c the listening socket and accepting
 *   main     xptyd.c  options, socket directory, daemonizing, signals,
 *                     what to do when idle
 *
 * Ownership.  The object that owns a descriptor binds its events and
 * closes it: the listening socket is server.c's, a control connection's
 * socket ctl.c's, a data connection's socket data.c's (the pty that owns
 * the data connection decides when it closes), the host manager and the
 * peer descriptor pty.c's, the watch set watch.c's.  A lower file reports
 * to a higher one only through callbacks the higher one gave it
 * (struct dconn_ops, the injection's completion, loop_set_idle).
 *
 * Everything runs on one thread in one libevent loop: nothing is locked,
 * and every field below is read and written only on that thread.
 */
#ifndef XPTYD_H
#define XPTYD_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <event2/event.h>
#include <stdint.h>

#include "proto.h"

/*
 * Flags some hosts lack (macOS): xptyd never executes a program and
 * ignores SIGPIPE (xptyd.c), so without them it behaves the same.
 */
#ifndef SOCK_CLOEXEC
#define SOCK_CLOEXEC		0
#endif
#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC	0
#endif
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL		0
#endif

#define XBUF_SIZE	65536		/* one read or write at most */
#define XBUF_SLACK	(XP_FRAMEHDR + 8 + XP_MAXEVENT + 16)

/* A transfer buffer: bytes [off, off + len) are pending. */
struct xbuf {
	uint8_t		*data;		/* XBUF_SIZE + XBUF_SLACK, or NULL */
	size_t		 off;
	size_t		 len;
};

/*
 * The queue behind a pty's out buffer (outq.c): chunks of OQ_CHUNK bytes,
 * each followed by a count of zero-length messages.  Owned by one pty.
 */
#define OQ_CHUNK	16384
#define OQ_MAXCHUNKS	16		/* 256 KiB per pty */

struct oq_chunk {
	TAILQ_ENTRY(oq_chunk)	 entry;
	size_t			 len;
	unsigned		 zeros;		/* zero-length messages after */
	uint8_t			 data[OQ_CHUNK];
};
TAILQ_HEAD(oq_list, oq_chunk);

struct outq {
	struct oq_list		 list;
	struct oq_chunk		*spare;		/* allocated, not linked yet */
	struct oq_chunk		*at;		/* where oq_space pointed */
	size_t			 nchunks;
	unsigned		 zeros;		/* in all chunks */
};

/* An event and whether it is added (ev_want keeps them in step). */
struct xev {
	struct event	*ev;
	int		 on;
};

/* ---- log.c ---- */
void	log_open(int foreground, int debug);
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* ---- loop.c ---- */
void	loop_init(void);		/* the base; fatal if none */
struct event_base *loop_base(void);
struct event_base *loop_base_new(void);	/* another, configured alike */
void	loop_work(void);		/* bytes moved: spin a little */
void	loop_run(void);
void	loop_hold(int delta);		/* +1, -1: something keeps us up */
int	loop_holds(void);
void	loop_touch(void);		/* restart a running countdown */
void	loop_idle_retry(int ms);	/* idle: look again sooner */
void	loop_set_idle(int secs, void (*)(void));	/* nothing held */
int	ev_init(struct xev *, struct event *);	/* -1 if ev is NULL */
void	ev_want(struct xev *, int on);
void	ev_free(struct xev *);

/* ---- buf.c ---- */
int	xbuf_get(struct xbuf *);	/* give b storage; -1 on ENOMEM */
void	xbuf_put(struct xbuf *);	/* return storage if b is empty */
void	xbuf_trim(void);		/* free the cached buffers */
size_t	xbuf_cached(void);

/* ---- outq.c ---- */
void	 oq_init(struct outq *);
int	 oq_empty(const struct outq *);
size_t	 oq_bytes(const struct outq *);
uint8_t	*oq_space(struct outq *, size_t want, size_t *room);
void	 oq_commit(struct outq *, size_t);
int	 oq_append(struct outq *, const void *, size_t);
int	 oq_zero(struct outq *);
size_t	 oq_take(struct outq *, uint8_t *dst, unsigned *zeros);
void	 oq_clear(struct outq *);
void	 oq_release(struct outq *);

/* ---- data.c ---- */
struct dconn;

/* What a data connection reports to its owner (the pty). */
struct dconn_ops {
	void	(*readable)(struct dconn *, void *);
	void	(*writable)(struct dconn *, void *);
	void	(*gone)(struct dconn *, void *);	/* EV_CLOSED */
};

#define DC_SHUT		0x01	/* its writing half is shut: it ended */
#define DC_GONE		0x02	/* every client end is closed */
#define DC_CLAIMED	0x04	/* its zero-length message was read */

/*
 * A data connection.  Every field but owner_entry is data.c's to write;
 * its owner reads flags, succ and pred.  owner_entry is the owner's.
 */
struct dconn {
	int			 fd;		/* daemon's end: data.c closes */
	uint64_t		 ino;		/* the client end's inode */
	int			 indexed;	/* in the registry by ino */
	int			 flags;		/* DC_* */
	int			 clientfd;	/* successor's client end, kept
						   until fetched past, or -1 */
	struct xev		 rd, wr;
	struct event		*ev_closed;	/* all client ends closed */
	struct dconn		*succ;		/* made at its end of file */
	struct dconn		*pred;		/* whose end of file made it */
	const struct dconn_ops	*ops;
	void			*arg;		/* the owner */
	LIST_ENTRY(dconn)	 owner_entry;
	LIST_ENTRY(dconn)	 hentry;	/* data.c's registry */
};

struct dconn *dconn_new(int fd, uint64_t ino, const struct dconn_ops *,
	    void *);
struct dconn *dconn_successor(struct dconn *);
void	 dconn_close(struct dconn *);
struct dconn *dconn_find(int clientfd);	/* by a client end a process holds */
int	 dconn_count(void);
void	 dconn_set_read(struct dconn *, int);
void	 dconn_set_write(struct dconn *, int);
ssize_t	 dconn_send(struct dconn *, const void *, size_t);
ssize_t	 dconn_peek(struct dconn *, void *, size_t);
ssize_t	 dconn_recv(struct dconn *, void *, size_t);
void	 dconn_consume(struct dconn *, void *scratch, size_t);
void	 dconn_shut(struct dconn *);
int	 dconn_queued(struct dconn *);	/* bytes its socket still holds */
int	 dconn_rdhup(struct dconn *);	/* client gone, not yet seen so */
void	 dconn_forget(struct dconn *);	/* every client end is closed */
int	 dconn_chain_len(struct dconn *);
struct dconn *dconn_next_unread(struct dconn *);
void	 dconn_claim(struct dconn *);	/* its 0 was read: fetched past */

/* ---- watch.c ---- */
struct watch;
void	 watch_init(void);
struct watch *watch_add(int ptyno, void (*)(void *, int sure), void *);
void	 watch_rm(struct watch *);
void	 watch_poll(void);		/* take what fired, now */

/* ---- pty.c ---- */
struct pty;
typedef void	 pty_done_fn(void *arg, int ptyno, int err);

/* XP_ADOPT, XP_ADOPT_PAGE (pagefd, else -1) */
struct pty *pty_adopt(int mfd, int sfd, uint64_t ino, int pagefd);
int	 pty_known(int ptyno);			/* even if hanging up */
struct pty *pty_find(int ptyno);		/* not hanging up */
int	 pty_count(void);
int	 pty_number(struct pty *);
int	 pty_hostfd(struct pty *);
int	 pty_page(struct pty *);			/* XP_PAGE */
int	 pty_pckt(struct pty *);
int	 pty_released(struct pty *);
int	 pty_release(struct pty *, struct dconn *);	/* XP_RELEASE */
struct dconn *pty_sock_conn(int clientfd);	/* of a live pty, or NULL */
struct pty *pty_of(struct dconn *);
int	 pty_set_pckt(struct pty *, int on);
int	 pty_check_subsid(struct pty *, int fd);	/* fd is its subsidiary? */
struct dconn *pty_fetch(struct pty *, struct dconn *old);	/* XP_ATTACH */
int	 pty_inject(struct pty *, uint8_t mtype, const uint8_t *, size_t,
	    pty_done_fn *, void *);		/* done called later */
void	 pty_cancel(struct pty *, void *arg);	/* its requester left */
int	 pty_sync(int ptyno);			/* 1: hung up or gone */
int	 pty_lease_grant(struct pty *, uint32_t pid, int *slot,
	    uint32_t *serial, int *pagefd);	/* XP_LEASE: 0 or an errno */
void	 pty_lease_back(struct pty *, int eio);	/* lease.c: RELAY again */

/* ---- lease.c (common/lease.h, docs/lease.md 5) ---- */
struct lease;
int	 lease_grant(struct lease **, struct pty *, uint32_t holds, int busy,
	    uint32_t pid, int *slot, uint32_t *serial, int *pagefd);
void	 lease_pty_free(struct lease *);
int	 lease_pty_relaying(struct lease *);	/* 0: parked */
int	 lease_pty_begin_read(struct lease *);	/* 0: parked */
void	 lease_pty_read_done(struct lease *);	/* nothing read is unsent */
void	 lease_pty_sent(struct lease *, int done);	/* after each send */
void	 lease_park(struct lease *);
int	 lease_pty_hold(struct lease *, uint32_t holds);	/* 1: RELAY now */
void	 lease_pty_unhold(struct lease *, uint32_t holds);
void	 lease_pty_sync(struct lease *);		/* XP_SYNC */

/* ---- ctl.c ---- */
void	 ctl_init(void);
int	 ctl_new(int fd, uid_t uid);		/* an accepted connection */
int	 ctl_count(void);
void	 ctl_close_idle(void);			/* exiting */

/* ---- server.c ---- */
int	 server_listen(const char *path);
void	 server_start(int lfd);
int	 server_stop_listening(void);

#endif /* XPTYD_H */
