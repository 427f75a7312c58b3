/*
 * sys_netbsd.c - lib/sys.h on NetBSD: raw system calls through libc's
 * _sys_<name> stubs and syscall(2).
 *
 * Theory of operation.  NetBSD's libc builds each system call that is a
 * thread cancellation point as a bare kernel stub named _sys_<name>,
 * with <name> a weak alias that libpthread replaces by its cancellable
 * wrapper; nobody interposes the _sys_ names, and they are not
 * cancellation points, so they are what this file calls where they
 * exist (read, write, readv, close, openat, fcntl, poll, connect, the
 * socket sends and receives, __sigprocmask14).  The other calls are made
 * through syscall(2), because their libc names are the ones programs
 * call (some renamed for old ABIs, as __fstat50 and __socket30, which
 * an interposer of the stat family would take over) and may be
 * interposed.  The constants are the target's own <sys/syscall.h>.
 *
 * The termios calls and ftruncate are sys_bsd.c's, alike on the BSDs.
 * No state; errno is whatever the kernel says; descriptors made here
 * belong to the caller.  Cross-built for NetBSD 10; not yet run there.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sys.h"

/* libc's bare stubs (lib/libc/sys: the cancellation points' _sys_ names) */
ssize_t	_sys_read(int, void *, size_t);
ssize_t	_sys_readv(int, const struct iovec *, int);
ssize_t	_sys_write(int, const void *, size_t);
int	_sys_close(int);
int	_sys_openat(int, const char *, int, ...);
int	_sys_fcntl(int, int, ...);
int	_sys_poll(struct pollfd *, nfds_t, int);
int	_sys_connect(int, const struct sockaddr *, socklen_t);
ssize_t	_sys_recvfrom(int, void *, size_t, int, struct sockaddr *,
	    socklen_t *);
ssize_t	_sys_sendto(int, const void *, size_t, int, const struct sockaddr *,
	    socklen_t);
ssize_t	_sys_sendmsg(int, const struct msghdr *, int);
ssize_t	_sys_recvmsg(int, struct msghdr *, int);
int	_sys___sigprocmask14(int, const sigset_t *, sigset_t *);

#define SYSI(...)	((int)syscall(__VA_ARGS__))

int
xsys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return (_sys_openat(dirfd, path, flags, (int)mode));
}

int
xsys_close(int fd)
{
	return (_sys_close(fd));
}

/* libc's mmap: nothing interposes it here, and its raw form differs. */
void *
xsys_map_shared(int fd, size_t len)
{
	return (mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
}

int
xsys_ioctl(int fd, unsigned long req, void *arg)
{
	return (SYSI(SYS_ioctl, fd, req, arg));
}

ssize_t
xsys_read(int fd, void *buf, size_t len)
{
	return (_sys_read(fd, buf, len));
}

ssize_t
xsys_readv(int fd, const struct iovec *iov, int iovcnt)
{
	return (_sys_readv(fd, iov, iovcnt));
}

ssize_t
xsys_write(int fd, const void *buf, size_t len)
{
	return (_sys_write(fd, buf, len));
}

int
xsys_fcntl(int fd, int cmd, long arg)
{
	return (_sys_fcntl(fd, cmd, arg));
}

int
xsys_dup3(int oldfd, int newfd, int flags)
{
	return (SYSI(SYS_dup3, oldfd, newfd, flags));
}

int
xsys_fstat(int fd, struct stat *st)
{
	return (SYSI(SYS___fstat50, fd, st));
}

int
xsys_lstat(const char *path, struct stat *st)
{
	return (SYSI(SYS_fstatat, AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW));
}

int
xsys_chown(const char *path, uid_t uid, gid_t gid)
{
	return (SYSI(SYS_fchownat, AT_FDCWD, path, uid, gid,
	    AT_SYMLINK_NOFOLLOW));
}

int
xsys_chmod(const char *path, mode_t mode)
{
	return (SYSI(SYS_fchmodat, AT_FDCWD, path, (int)mode, 0));
}

int
xsys_pipe2(int fds[2], int flags)
{
	return (SYSI(SYS_pipe2, fds, flags));
}

int
xsys_poll(struct pollfd *pfd, nfds_t n, int timeout_ms)
{
	return (_sys_poll(pfd, n, timeout_ms));
}

int
xsys_flock(int fd, int op)
{
	return (SYSI(SYS_flock, fd, op));
}

/* NetBSD has closefrom and F_CLOSEM, no close_range: callers loop. */
int
xsys_close_range(unsigned int first, unsigned int last, int flags)
{
	(void)first;
	(void)last;
	(void)flags;
	errno = ENOSYS;
	return (-1);
}

pid_t
xsys_getpid(void)
{
	return ((pid_t)syscall(SYS_getpid));
}

/* No page that a child gets zeroed here: the system call each time. */
pid_t
xsys_self(void)
{
	return (xsys_getpid());
}

/* The contract wants the length with the NUL, whatever __getcwd says. */
long
xsys_getcwd(char *buf, size_t len)
{
	if (SYSI(SYS___getcwd, buf, len) == -1)
		return (-1);
	return ((long)strlen(buf) + 1);
}

int
xsys_socket(int domain, int type, int proto)
{
	return (SYSI(SYS___socket30, domain, type, proto));
}

int
xsys_socketpair(int domain, int type, int proto, int sv[2])
{
	return (SYSI(SYS_socketpair, domain, type, proto, sv));
}

int
xsys_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return (_sys_connect(fd, sa, len));
}

int
xsys_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	return (SYSI(SYS_bind, fd, sa, len));
}

int
xsys_getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	return (SYSI(SYS_getpeername, fd, sa, len));
}

int
xsys_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	return (SYSI(SYS_getsockopt, fd, level, name, val, len));
}

ssize_t
xsys_recv(int fd, void *buf, size_t len, int flags)
{
	return (_sys_recvfrom(fd, buf, len, flags, NULL, NULL));
}

ssize_t
xsys_sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *sa, socklen_t salen)
{
	return (_sys_sendto(fd, buf, len, flags, sa, salen));
}

ssize_t
xsys_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return (_sys_sendmsg(fd, msg, flags));
}

ssize_t
xsys_recvmsg(int fd, struct msghdr *msg, int flags)
{
	return (_sys_recvmsg(fd, msg, flags));
}

/*
 * sigprocmask(2) with an invalid how: sys___sigprocmask14 copies the new
 * set in before sigprocmask1 looks at how, so the call fails with EFAULT
 * for an unreadable address and with EINVAL otherwise, and changes
 * nothing.  The 16 bytes read are the aligned ones holding the byte, so
 * they never reach into the next page.
 */
int
xsys_readable(const void *p)
{
	int	saved = errno;

	if (_sys___sigprocmask14(-1, (const sigset_t *)((uintptr_t)p &
	    ~(uintptr_t)(sizeof(sigset_t) - 1)), NULL) == 0 ||
	    errno == EINVAL) {
		errno = saved;
		return (1);
	}
	if (errno == EFAULT) {
		errno = saved;
		return (0);
	}
	return (-1);
}

_Static_assert(sizeof(sigset_t) == 16, "xsys_readable's aligned read");

/* No copy between our own addresses that fails instead of faulting. */
int
xsys_vm_copy(void *dst, const void *src, size_t len, int towrite)
{
	(void)dst;
	(void)src;
	(void)len;
	(void)towrite;
	errno = ENOSYS;
	return (-1);
}
