/*
 * relay.h - the library's side of xptyd (lib/relay.c): prototypes.
 *
 * Include this from internal.h (or in place of its relay block).  The
 * raw system calls relay.c needs from sys.c are repeated here with the
 * same prototypes, so relay.c compiles on its own (tests/relay build it
 * with a stub of them), and so is fdtable.c's xfd_set_private().
 */
#ifndef XPTY_RELAY_H
#define XPTY_RELAY_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stddef.h>
#include <stdint.h>

struct xstream;

/* Open a relayed manager: the application's socket, or -1/errno. */
int	relay_open(int oflag, int *hostfd, int *ptyno);
/* After read() of the manager socket gave 0: swap a fresh connection in. */
int	relay_reattach(int fd, struct xstream *xs);
/* Rediscover an inherited manager socket; -1/ENOENT if not ours. */
int	relay_identify(int fd, int *hostfd, int *ptyno);
/* Subsidiary side: a zero-length message at this point of the stream. */
int	relay_zero_write(int ptyno, int subsidfd);
/* Subsidiary side: inject a pckt message (M_IOCTL...) at this point. */
int	relay_event(int ptyno, int subsidfd, int mtype, const void *payload,
	    size_t len);
/* Switch the pty's data connection to pckt framing (common/proto.h). */
int	relay_set_pckt(int fd, int on);
/* Write on a relayed manager (straight to hostfd when nothing is queued). */
ssize_t	relay_write(int fd, int hostfd, const void *buf, size_t n);
/* After the last close of a relayed manager in this process: 1 hung up. */
int	relay_sync_close(int ptyno);
/* Cause of the last failure, for the one-per-process diagnostic. */
const char *relay_last_error(void);
/* Daemon status: pid, ptys, connections (tests, xpty wrapper). */
int	relay_status(int *pid, int *nptys, int *nconns);

/*
 * From epoll_follow.c: epoll registrations of (fd, its socket) moved
 * aside before relay_reattach()'s dup3 and added back after it.
 */
#define EPF_MAX	64	/* epoll instances followed */
struct epf_reg {
	int		epfd;
	uint32_t	events;
	uint64_t	data;
};
struct epf {
	int		n;
	struct epf_reg	reg[EPF_MAX];
};
void	epf_detach(int fd, struct epf *);
void	epf_attach(int fd, const struct epf *);

/* From sys.c (same prototypes as internal.h). */
int	xsys_openat(int, const char *, int, mode_t);
int	xsys_close(int);
int	xsys_fcntl(int, int, long);
int	xsys_dup3(int, int, int);
int	xsys_fstat(int, struct stat *);
int	xsys_ioctl(int, unsigned long, void *);
ssize_t	xsys_write(int, const void *, size_t);

/* From fdtable.c (same prototype as internal.h). */
void	xfd_set_private(int fd, int *owner);

#endif /* XPTY_RELAY_H */
