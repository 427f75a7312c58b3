/*
 * sys.h - the raw system calls libxpty makes for itself: the bottom
 * layer (tests/layers.txt), one implementation per host (sys_linux.c),
 * picked by configure with the host file (lib/host.h).
 *
 * Contract of every xsys_ call: it goes straight to the kernel, never
 * through a libc name that libxpty or another preloaded library
 * interposes (so it cannot re-enter a wrapper, and works before symbol
 * resolution has finished); it allocates nothing, takes no lock and is
 * async-signal-safe; it returns what the kernel returns, -1 with errno
 * as the kernel set it, and does not retry on EINTR (callers that want
 * to, loop).  Blocking is the system call's own.  A call the host lacks
 * fails with ENOSYS (xsys_vm_copy, xsys_close_range: callers have a
 * portable path).  Descriptors made here belong to the caller.
 *
 * Stability: as lib/host.h, only additions.
 *
 * struct kterm is the kernel's termios as xsys_tcget and xsys_tcset move
 * it; its layout is the host's (lib/sys_linux.h for Linux, chosen by
 * configure as XPTY_SYS_HOST_H).  Generic code uses only its named
 * fields, c_cc[] up to XPTY_KNCCS and the host's termios.h constants.
 */
#ifndef XPTY_SYS_H
#define XPTY_SYS_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <poll.h>
#include <stddef.h>
#include <termios.h>

#include "config.h"		/* XPTY_SYS_HOST_H */
#include XPTY_SYS_HOST_H	/* struct kterm, XPTY_KNCCS, KTERM_SET* */

/*
 * libxpty's private descriptors, one rule for all of lib/: a descriptor
 * the library keeps beyond the call that made it (the relay's control
 * connection, a relayed manager's host manager copy) lives at
 * XPTY_PRIVATE_FDMIN or above (xsys_fd_private: lower only when
 * RLIMIT_NOFILE leaves no room there, then the lowest free number above
 * 2), is close-on-exec, and is recorded with the descriptor table
 * (xfd_set_private) by its owner, the variable that holds its number,
 * which is the only one that closes it.  One made and closed within a
 * single call may take the lowest free number, but only after any
 * descriptor that call gives the application, so that the application
 * still gets the number open() would have given it.
 */
#define XPTY_PRIVATE_FDMIN	200

/*
 * Move fd into the private range (close-on-exec; the old number is
 * closed); returns the new number, or fd itself if it cannot move.
 */
int	xsys_fd_private(int fd);

/* files and descriptors */
int	xsys_openat(int dirfd, const char *path, int flags, mode_t mode);
int	xsys_close(int fd);
/* fd's first len bytes mapped shared, read-write; MAP_FAILED/errno. */
void	*xsys_map_shared(int fd, size_t len);
int	xsys_ioctl(int fd, unsigned long req, void *arg);
ssize_t	xsys_read(int fd, void *buf, size_t len);
ssize_t	xsys_readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t	xsys_write(int fd, const void *buf, size_t len);
int	xsys_fcntl(int fd, int cmd, long arg);
int	xsys_dup3(int oldfd, int newfd, int flags);
int	xsys_fstat(int fd, struct stat *st);
int	xsys_lstat(const char *path, struct stat *st);
int	xsys_chown(const char *path, uid_t uid, gid_t gid);	/* no symlinks */
int	xsys_chmod(const char *path, mode_t mode);
int	xsys_pipe2(int fds[2], int flags);
int	xsys_ftruncate(int fd, off_t len);
int	xsys_poll(struct pollfd *pfd, nfds_t n, int timeout_ms);
int	xsys_flock(int fd, int op);
int	xsys_close_range(unsigned int first, unsigned int last, int flags);
pid_t	xsys_getpid(void);
/*
 * This process's pid without a system call once known, right after any
 * fork (a child, however made, never sees its parent's: Linux keeps it
 * in a MADV_WIPEONFORK page); a vfork child, which shares its parent's
 * memory, sees the parent's.  Hosts without such a page call getpid.
 */
pid_t	xsys_self(void);
long	xsys_getcwd(char *buf, size_t len);	/* length with the NUL, or -1 */

/* sockets */
int	xsys_socket(int domain, int type, int proto);
int	xsys_socketpair(int domain, int type, int proto, int sv[2]);
int	xsys_connect(int fd, const struct sockaddr *sa, socklen_t len);
int	xsys_bind(int fd, const struct sockaddr *sa, socklen_t len);
int	xsys_getpeername(int fd, struct sockaddr *sa, socklen_t *len);
int	xsys_getsockopt(int fd, int level, int name, void *val,
	    socklen_t *len);
ssize_t	xsys_recv(int fd, void *buf, size_t len, int flags);
ssize_t	xsys_sendto(int fd, const void *buf, size_t len, int flags,
	    const struct sockaddr *sa, socklen_t salen);
ssize_t	xsys_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t	xsys_recvmsg(int fd, struct msghdr *msg, int flags);

/*
 * Can the (aligned) word holding byte p be read, without faulting?  1
 * yes, 0 no; -1/ENOSYS or EPERM where the host or a policy (seccomp)
 * allows no such probe: callers then copy one byte with xsys_vm_copy or
 * a pipe (lib/usercopy.c).  Changes nothing.
 */
int	xsys_readable(const void *p);

/*
 * Copy len bytes between this process's addresses, failing with EFAULT
 * (never faulting) when either range is bad: towrite 0 reads src into
 * dst (dst is ours), 1 writes src (ours) to dst.  -1/ENOSYS where the
 * host has no such call (lib/usercopy.c then uses a pipe).
 */
int	xsys_vm_copy(void *dst, const void *src, size_t len, int towrite);

/* the kernel termios: get, and set with KTERM_SET, _SETW or _SETF */
int	xsys_tcget(int fd, struct kterm *t);
int	xsys_tcset(int fd, unsigned long how, const struct kterm *t);
/* the same termios in libc's struct termios (speeds filled in); pure */
void	xsys_kterm_to_termios(const struct kterm *k, struct termios *t);
/* discard a tty's queued bytes: TCIFLUSH, TCOFLUSH or TCIOFLUSH */
int	xsys_tcflush(int fd, int queue);
/* wait until a tty's output has been sent (blocks) */
int	xsys_tcdrain(int fd);
/* suspend or restart output, send STOP or START: TCOOFF ... TCION */
int	xsys_tcflow(int fd, int action);

#endif /* XPTY_SYS_H */
