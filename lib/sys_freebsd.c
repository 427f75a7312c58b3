/*
 * sys_freebsd.c - lib/sys.h on FreeBSD: raw system calls through
 * syscall(2) and __syscall(2).
 *
 * Theory of operation.  FreeBSD's libc routes its own calls of the
 * system calls that libthr wraps through __libc_interposing[], and
 * exports the bare kernel entries as __sys_<name>; but those are in the
 * FBSDprivate_1.0 namespace, which toolchains other than the base system's
 * (the cross build's zig cc among them) do not offer to link against.
 * syscall(2) is the public raw entry: it is itself a kernel trap, never a
 * libc wrapper, is not interposed by libc's interposing table, libthr,
 * or libxpty (which interposes none of these names through it), and is
 * async-signal-safe.  __syscall(2) is the same with a 64-bit result, used
 * where the result is a size.  The constants are the target's own
 * <sys/syscall.h>: SYS_fstat and SYS_fstatat are the 64-bit-inode calls
 * of FreeBSD 12 and later.
 *
 * The termios calls and ftruncate are sys_bsd.c's, alike on the BSDs.
 * No state; errno is whatever the kernel says; descriptors made here
 * belong to the caller.  Cross-built for FreeBSD 14; not yet run there.
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

#define SYSI(...)	((int)syscall(__VA_ARGS__))
#define SYSZ(...)	((ssize_t)__syscall(__VA_ARGS__))

int
xsys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return (SYSI(SYS_openat, dirfd, path, flags, (int)mode));
}

int
xsys_close(int fd)
{
	return (SYSI(SYS_close, fd));
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
	return (SYSZ(SYS_read, fd, buf, len));
}

ssize_t
xsys_readv(int fd, const struct iovec *iov, int iovcnt)
{
	return (SYSZ(SYS_readv, fd, iov, iovcnt));
}

ssize_t
xsys_write(int fd, const void *buf, size_t len)
{
	return (SYSZ(SYS_write, fd, buf, len));
}

int
xsys_fcntl(int fd, int cmd, long arg)
{
	return (SYSI(SYS_fcntl, fd, cmd, arg));
}

/* dup3 is F_DUP2FD (or its close-on-exec form) with dup3's checks. */
int
xsys_dup3(int oldfd, int newfd, int flags)
{
	if (oldfd == newfd || (flags & ~O_CLOEXEC) != 0) {
		errno = EINVAL;
		return (-1);
	}
	return (SYSI(SYS_fcntl, oldfd,
	    (flags & O_CLOEXEC) ? F_DUP2FD_CLOEXEC : F_DUP2FD, newfd));
}

int
xsys_fstat(int fd, struct stat *st)
{
	return (SYSI(SYS_fstat, fd, st));
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
	return (SYSI(SYS_poll, pfd, n, timeout_ms));
}

int
xsys_flock(int fd, int op)
{
	return (SYSI(SYS_flock, fd, op));
}

int
xsys_close_range(unsigned int first, unsigned int last, int flags)
{
	return (SYSI(SYS_close_range, first, last, flags));
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

/* __getcwd fills buf and returns 0; the contract wants the length. */
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
	return (SYSI(SYS_socket, domain, type, proto));
}

int
xsys_socketpair(int domain, int type, int proto, int sv[2])
{
	return (SYSI(SYS_socketpair, domain, type, proto, sv));
}

int
xsys_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return (SYSI(SYS_connect, fd, sa, len));
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
	return (SYSZ(SYS_recvfrom, fd, buf, len, flags, NULL, NULL));
}

ssize_t
xsys_sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *sa, socklen_t salen)
{
	return (SYSZ(SYS_sendto, fd, buf, len, flags, sa, salen));
}

ssize_t
xsys_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return (SYSZ(SYS_sendmsg, fd, msg, flags));
}

ssize_t
xsys_recvmsg(int fd, struct msghdr *msg, int flags)
{
	return (SYSZ(SYS_recvmsg, fd, msg, flags));
}

/*
 * sigprocmask(2) with an invalid how: sys_sigprocmask copies the new set
 * in before kern_sigprocmask looks at how, so the call fails with EFAULT
 * for an unreadable address and with EINVAL otherwise, and changes
 * nothing.  The 16 bytes read are the aligned ones holding the byte, so
 * they never reach into the next page.
 */
int
xsys_readable(const void *p)
{
	int	saved = errno;

	if (SYSI(SYS_sigprocmask, -1,
	    (const void *)((uintptr_t)p & ~(uintptr_t)(sizeof(sigset_t) - 1)),
	    NULL) == 0 || errno == EINVAL) {
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
