/*
 * xptyd.h - declarations shared by the files of xptyd, the per-user relay
 * daemon of libxpty.
 *
 * Shape of the daemon (one concern per file):
 *   xptyd.c   main: options, socket directory, daemonizing, signals, idle exit
 *   server.c  the listening socket, accept, peer authentication, control
 *             requests (decoding, dispatch, replies, descriptor passing),
 *             adoption of the library's sockets as data connections
 *   pty.c     one relayed pty: the state machine between the host manager
 *             and the application's data connections
 *   outq.c    what waits behind a pty's out buffer: bytes drained from the
 *             host manager ahead of a message, counts of zero-length ones
 *   buf.c     fixed-size transfer buffers and their free list
 *   log.c     logging to stderr (foreground) or syslog
 * Everything runs on one thread in one libevent loop, so nothing is locked.
 */
#ifndef XPTYD_H
#define XPTYD_H

#include <sys/types.h>
#include <stdint.h>
#include <event2/event.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include "proto.h"

/* libbsd's tree.h wants it; some Linux headers keep it undefined. */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif

#define XBUF_SIZE	65536		/* one read or write at most */
#define XBUF_SLACK	(XP_FRAMEHDR + 8 + XP_MAXEVENT + 16)

/* A transfer buffer: bytes [off, off+len) are pending. */
struct xbuf {
	uint8_t		*data;		/* XBUF_SIZE + XBUF_SLACK bytes, or NULL */
	size_t		 off;
	size_t		 len;
};

/*
 * The queue behind a pty's out buffer (outq.c): chunks of OQ_CHUNK bytes,
 * each followed by a count of zero-length messages.
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

struct pty;
struct inj;

enum conn_state {
	CONN_CTL = 0,		/* framed requests */
	CONN_DATA = 1		/* relays a pty's byte stream */
};

struct conn {
	int			 fd;
	enum conn_state		 state;
	uid_t			 uid;
	uint64_t		 ino;		/* client end (data) */
	int			 indexed;	/* in the inode tree */
	struct event		*ev_read;
	struct event		*ev_write;
	struct event		*ev_closed;	/* data: every client end closed */
	int			 rd_on;		/* ev_read added */
	int			 wr_on;		/* ev_write added */
	int			 shut;		/* data: SHUT_WR done */
	int			 gone;		/* data: no client end is left */
	int			 dead;		/* to be closed (reply not sent) */
	int			 waiting;	/* ctl: injection in flight */
	unsigned		 scan;		/* ctl: ctl_take_adopts pass */
	int			 held[XP_MAXFDS];	/* descriptors of this request */
	int			 nheld;
	uint8_t			*in;		/* ctl: request bytes */
	size_t			 inlen;
	struct pty		*pty;		/* data connections */
	struct conn		*succ;		/* data: made at its end of file */
	struct conn		*pred;		/* data: whose end of file made it */
	int			 clientfd;	/* data: client end, until fetched past */
	int			 claimed;	/* data: its 0 was read (succ fetched) */
	LIST_ENTRY(conn)	 pentry;	/* pty's connections */
	TAILQ_ENTRY(conn)	 entry;		/* all connections */
	RB_ENTRY(conn)		 ientry;	/* by ino (data) */
};

/* ---- xptyd.c ---- */
extern struct event_base	*xbase;
extern int			 xdebug;
extern unsigned long		 xwork;		/* bytes-moved events, for spinning */
void	xptyd_activity(void);		/* counts changed: idle check */

/* ---- log.c ---- */
void	log_open(int foreground, int debug);
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

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

/* ---- server.c ---- */
int	 server_listen(const char *path);
void	 server_start(int lfd);
int	 server_stop_listening(void);
int	 server_busy(void);		/* connections that keep us running */
void	 server_close_idle(void);	/* exiting: drain, close control conns */
int	 server_reply(struct conn *, int err, int ptyno, uint32_t aux,
	    uint32_t aux2, int fd);
void	 conn_close(struct conn *);
void	 conn_forget(struct conn *);	/* data: its client ends are gone */
void	 conn_set_read(struct conn *, int);
void	 conn_set_write(struct conn *, int);
struct conn *conn_by_ino(uint64_t);
struct conn *conn_successor(struct conn *);	/* pty.c links it */
void	 conn_consumed(struct conn *);	/* its client end is not needed */
void	 conn_index(struct conn *);
extern int	nconns;

/* ---- pty.c ---- */
struct pty *pty_adopt(int mfd, int *err);	/* XP_ADOPT */
int	 pty_known(int ptyno);			/* even if closing */
int	 pty_number(struct pty *);
int	 pty_hostfd(struct pty *);
int	 pty_set_page(struct pty *, int pagefd);	/* XP_ADOPT_PAGE */
int	 pty_page(struct pty *);			/* XP_PAGE */
int	 pty_pckt(struct pty *);
int	 pty_closing(struct pty *);
int	 pty_released(struct pty *);
int	 pty_release(struct pty *, struct conn *);	/* XP_RELEASE */
struct pty *pty_find(int ptyno);
void	 pty_attach(struct pty *, struct conn *);	/* XP_ADOPT's conn */
struct conn *pty_fetch(struct pty *, struct conn *old);	/* XP_ATTACH */
void	 pty_detach(struct pty *, struct conn *);	/* conn closing */
void	 pty_orphan(struct pty *);		/* adopted, no connection */
int	 pty_set_pckt(struct pty *, int on);
int	 pty_check_subsid(struct pty *, int fd);	/* fd is its subsidiary? */
int	 pty_inject(struct pty *, struct conn *, uint8_t mtype,
	    const uint8_t *, size_t);			/* reply later */
void	 pty_cancel(struct conn *);		/* waiting ctl conn closing */
int	 pty_sync(int ptyno);			/* 1: hung up or gone */
void	 pty_conn_readable(struct conn *);	/* data conn callback */
void	 pty_conn_gone(struct conn *);		/* EV_CLOSED */
void	 pty_conn_writable(struct conn *);
void	 pty_watch_init(void);
extern int	npty;

#endif /* XPTYD_H */
