/*
 * engine.h - the engine table: how the data of a manager libxpty serves
 * moves, one file per engine.
 *
 * An engine is the means by which a manager's bytes and messages travel
 * between the application's descriptor and the host manager:
 *   engine_direct.c  the descriptor is the host manager itself
 *   engine_relay.c   the descriptor is a socket to xptyd, which reads the
 *                    host manager and frames what STREAMS would deliver
 *   engine_lease.c   that socket, but the library's own reads take the
 *                    bytes from the host manager under xptyd's lease
 *                    (docs/lease.md); everything else is the relay's
 * Everything above this table (the stream model: modules, pckt, the stream
 * head's read modes; the ioctl decoding; getmsg and putmsg) is written
 * once and asks the engine of the stream (XENGINE(xs)) for what differs.
 * No other file tests xs->engine: a stream changes engines (a relayed
 * manager whose daemon is gone goes direct, fallback.c; one released to
 * the host's semantics, relay_became_host) by storing another index.
 *
 * The pckt head message.  With pckt pushed a manager's reads are messages
 * (pckt.c's model, strhead.c's reads of it).  The engine opens the head
 * message (head_open: the relay reads a frame header, the direct engine
 * takes one of the host's packet-mode status events, or notes that data
 * waits in the host manager), delivers its data part (head_take: as much
 * as the caller has room for), tells what is left of it (head_left),
 * throws the rest away (head_discard), counts the messages behind it
 * (head_count) and looks at the head without taking it (head_peek).  The
 * head is described by xs->msg_* (internal.h) whatever the engine.
 *
 * Descriptors: an engine's entries use the descriptor they are given
 * and the stream's private host manager (xs->hostfd), whose owner is the
 * stream (fdtable.c closes it); none opens a descriptor that outlives
 * the call.  Locking: none here; see struct xstream's fields.
 */
#ifndef XPTY_ENGINE_H
#define XPTY_ENGINE_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

struct xstream;
struct iovec;

/* What head_peek found: the head message's control type and data part. */
struct xpeek {
	int		 type;		/* STREAMS type, or -1: no control part */
	const void	*data;		/* NULL: in the caller's buffer already */
	int		 dlen;
	int		 dpresent;	/* a data part (maybe empty) is there */
};

struct xengine {
	const char	*name;
	/* the descriptor is the host manager: every host request is it */
	int		 is_host;

	/* ---- the byte stream ---- */
	/* A read ignoring pckt: bytes, 0 for a zero-length message, -1. */
	ssize_t	(*readv)(int fd, struct xstream *, const struct iovec *, int);
	/* A write of len > 0 bytes (write, putmsg's data part). */
	ssize_t	(*write)(int fd, struct xstream *, const void *, size_t);
	/* Throw away n bytes known to be queued for reading (RMSGD). */
	void	(*discard)(int fd, struct xstream *, size_t n);
	/* Drop what the engine has read from the host and not delivered. */
	void	(*flush_read)(int fd, struct xstream *);
	/* Peek up to len queued bytes into ubuf: the count, -1 EBADMSG. */
	ssize_t	(*peek)(int fd, struct xstream *, void *ubuf, size_t len);
	/* Is a zero-length message (the last subsidiary close) waiting? */
	int	(*eof_pending)(int fd, const struct xstream *);
	/* FIONREAD (queued to read) or TIOCOUTQ (written, not yet read). */
	int	(*count)(int fd, struct xstream *, unsigned long req, int *n);
	/*
	 * Before the stream head looks at what is queued on fd itself (the
	 * message boundaries of I_NREAD, I_PEEK, getmsg, RMSGD): bring there
	 * what the engine holds elsewhere.  NULL: it holds nothing elsewhere.
	 */
	void	(*gather)(int fd, struct xstream *);

	/* ---- pckt ---- */
	int	(*set_pckt)(int fd, struct xstream *, int on);
	int	(*head_open)(int fd, struct xstream *, int block);
	size_t	(*head_left)(const struct xstream *);
	ssize_t	(*head_take)(int fd, struct xstream *, const struct iovec *,
		    int, size_t off, size_t len);
	void	(*head_discard)(int fd, struct xstream *);
	int	(*head_count)(int fd, struct xstream *, int *first);
	int	(*head_peek)(int fd, struct xstream *, void *ubuf, int want,
		    struct xpeek *);

	/* ---- the stream's life ---- */
	/* What already happened on the pty has reached whoever frames it. */
	void	(*sync)(struct xstream *);
	/*
	 * This process's last descriptor of the manager is about to close:
	 * the pty to finish the close of (after the descriptor is closed,
	 * engine_closed), or -1.
	 */
	int	(*last_close)(struct xstream *);
	/* TIOCPKT: take the host manager (1 to finish after the switch). */
	int	(*take_host)(int fd, struct xstream *);
	void	(*took_host)(int fd, struct xstream *);
};

extern const struct xengine xengine_direct;
extern const struct xengine xengine_relay;
extern const struct xengine xengine_lease;
extern const struct xengine *const xengines[];

#define XENGINE(xs)	(xengines[XS_LOAD((xs)->engine)])

/* engine.c: what every engine shares */
void	engine_head_reset(struct xstream *);	/* no head message */
void	engine_head_zero(struct xstream *);	/* a zero-length M_DATA */
int	engine_still_ours(int fd, struct xstream *, uint32_t gen);
int	engine_iov_empty(const struct iovec *, int);
int	engine_nonblocking(int fd);
/* Changes of status flags in this process (F_SETFL, FIONBIO), counted. */
void	engine_flags_touch(void);
uint32_t engine_flags_epoch(void);
void	engine_closed(int ptyno);	/* after last_close's descriptor */
/* nfd's file under number n (flags and registrations of n kept) */
int	engine_swap_under(int nfd, int n);
void	engine_gather(int fd, struct xstream *);	/* the engine's gather */
/* Throw away up to n bytes queued on fd (a socket: sock 1), no waits. */
void	discard_bytes(int fd, int sock, size_t n);

/* engine_direct.c, for the relay engine going direct */
ssize_t	direct_readv(int fd, struct xstream *, const struct iovec *, int);

/* engine_relay.c's entries, which the lease engine shares */
struct xpeek;
ssize_t	relay_readv(int, struct xstream *, const struct iovec *, int);
ssize_t	relay_writeb(int, struct xstream *, const void *, size_t);
void	relay_discard(int, struct xstream *, size_t);
void	relay_flush_read(int, struct xstream *);
ssize_t	relay_peek(int, struct xstream *, void *, size_t);
int	relay_eof_pending(int, const struct xstream *);
int	relay_count(int, struct xstream *, unsigned long, int *);
int	relay_set_pcktb(int, struct xstream *, int);
int	relay_head_open(int, struct xstream *, int);
size_t	relay_head_left(const struct xstream *);
ssize_t	relay_head_take(int, struct xstream *, const struct iovec *, int,
	    size_t, size_t);
void	relay_head_discard(int, struct xstream *);
int	relay_head_count(int, struct xstream *, int *);
int	relay_head_peek(int, struct xstream *, void *, int, struct xpeek *);
void	relay_sync(struct xstream *);
int	relay_last_close(struct xstream *);
int	relay_take_host(int, struct xstream *);
void	relay_took_host(int, struct xstream *);

#endif /* XPTY_ENGINE_H */
