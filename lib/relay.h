/*
 * relay.h - the library's side of xptyd (lib/relay.c, lib/relay_wire.c):
 * prototypes.
 *
 * Include this from internal.h (or in place of its relay block).
 * relay.c needs only lib/sys.h, lib/host.h and fdtable.c's
 * xfd_set_private(), repeated here with the same prototype, so that it
 * compiles on its own (tests/relay build it with the host files and a
 * stub of that one).
 */
#ifndef XPTY_RELAY_H
#define XPTY_RELAY_H

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct xstream;

/* Open a relayed manager: the application's socket, or -1/errno. */
int	relay_open(int oflag, int *hostfd, int *ptyno);
int	relay_adopt(int hfd, int oflag, int pagefd);
/* After read() of the manager socket gave 0: swap a fresh connection in. */
int	relay_reattach(int fd, struct xstream *xs);
/* The page store: fetch pty ptyno's state page, proof a descriptor of it. */
int	relay_fetch_page(int ptyno, int proof);
int	relay_lease(int fd, int *pagefd);	/* XP_LEASE: the slot */
/* Rediscover an inherited manager socket; -1/ENOENT if not ours. */
int	relay_identify(int fd, int *hostfd, int *ptyno);
/* Subsidiary side: a zero-length message at this point of the stream. */
int	relay_zero_write(int ptyno, int subsidfd);
/* Subsidiary side: inject a pckt message (M_IOCTL...) at this point. */
int	relay_event(int ptyno, int subsidfd, int mtype, const void *payload,
	    size_t len);
/* The application takes the host manager (XP_RELEASE): 1 ended, 0, -1. */
int	relay_release(int fd);
/* Switch the pty's data connection to pckt framing (common/proto.h). */
int	relay_set_pckt(int fd, int on);
/* Write on a relayed manager (straight to hostfd when nothing is queued). */
ssize_t	relay_write(int fd, int hostfd, const void *buf, size_t n);
/* After the last close of a relayed manager in this process: 1 hung up. */
int	relay_sync_close(int ptyno);
/* Wait until xptyd has seen what already happened on pty ptyno. */
void	relay_barrier(int ptyno);
/* Cause of the last failure, for the one-per-process diagnostic. */
const char *relay_last_error(void);
/* Daemon status: pid, ptys, connections (tests, xpty wrapper). */
int	relay_status(int *pid, int *nptys, int *nconns);

/* In a child after fork(): drop what it inherited of the parent's start. */
void	relay_forked(void);
/* Is the daemon worth asking now (it has not been silent past the bound)? */
int	relay_usable(void);
/* XPTY_DAEMON_TIMEOUT: how long (ms) the library waits for the daemon. */
int	relay_bound(void);

/*
 * From relay_wire.c, for relay.c: one request (and its reply, the
 * descriptor it carries in *wantfd); 0, or -1 with errno (the daemon's,
 * or EINTR: interrupted before it was sent, EINPROGRESS: after,
 * ETIMEDOUT: no answer within the bound) and relay_last_error() set.
 */
int	relay_req(enum xp_type, const struct iovec *pay, int npay,
	    const int *fds, int nfd, struct xp_reply *, int *wantfd,
	    int may_start);
void	relay_why(const char *, const char *);
void	relay_why_errno(const char *);
void	relay_close(int fd);		/* errno preserved */
uint64_t relay_ino(int fd);

/* From xwait.c (same prototypes as internal.h). */
struct pollfd;
int64_t	xwait_now(void);
int64_t	xwait_deadline(int ms);
int	xwait_poll(struct pollfd *, int, int64_t deadline);
int	xwait_sleep(int64_t deadline);

/* From fdtable.c and forkgate.c (same prototypes as internal.h). */
void	xfd_set_private(int fd, int *owner);
void	xfd_gate_enter(void);
void	xfd_gate_leave(void);

#endif /* XPTY_RELAY_H */
