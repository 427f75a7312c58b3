/*
 * sys_darwin.c - lib/sys.h on macOS: raw system calls through
 * libsystem_kernel's own entry points, and Mach for the copies that must
 * not fault (vm_read_overwrite).
 *
 * Theory of operation.  syscall(2) is deprecated on macOS, and the
 * public names (read, open...) are the ones the interposers take over:
 * on macOS libxpty interposes through dyld's interposing tuples, which
 * dyld applies to every image but the one that declares them, and
 * another inserted library may interpose the same names for us too.  So
 * this file calls the kernel stubs that libsystem_kernel exports beside
 * the public names and that no interposer targets: the __<name>_nocancel
 * forms (which are also no cancellation points), __ioctl, __bind,
 * __getpeername, __socketpair, __getpid.  Where macOS has no such stub
 * (socket, getsockopt, fstat, fstatat, fchownat, fchmodat, flock, dup2,
 * pipe, getcwd) the public name is called: libxpty's own interposers
 * never see it (dyld does not apply an image's tuples to itself); another
 * inserted library's interposer of these names would.
 *
 * poll(2) does not work on ttys on macOS (tmux selects there), so
 * xsys_poll is written over select: POLLIN/POLLRDNORM and POLLOUT/
 * POLLWRNORM as readable and writable, POLLPRI as an exceptional
 * condition, POLLNVAL for a descriptor that is not open; POLLHUP is never
 * reported (host_darwin.c decides a manager's hangup otherwise).  It
 * uses a stack bitmap (descriptors below POLL_MAXFD) and the raw select,
 * which has no FD_SETSIZE limit.
 *
 * The termios calls and ftruncate are sys_bsd.c's, alike on the BSDs.
 * No state; errno is whatever the kernel says; descriptors made here
 * belong to the caller.  Cross-built for macOS; not yet run there.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/file.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <mach/mach.h>
#include <mach/vm_map.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sys.h"

#define POLL_MAXFD	8192	/* 3 bitmaps of 1 KiB on the stack */
#define POLL_WORDS	(POLL_MAXFD / 32)

/* libsystem_kernel's stubs (not in the SDK's headers) */
int	__openat_nocancel(int, const char *, int, int);
int	__close_nocancel(int);
int	__ioctl(int, unsigned long, void *);
ssize_t	__read_nocancel(int, void *, size_t);
ssize_t	__readv_nocancel(int, const struct iovec *, int);
ssize_t	__write_nocancel(int, const void *, size_t);
int	__fcntl_nocancel(int, int, long);
int	__select_nocancel(int, void *, void *, void *, struct timeval *);
int	__getpid(void);
int	__socketpair(int, int, int, int *);
int	__connect_nocancel(int, const struct sockaddr *, socklen_t);
int	__bind(int, const struct sockaddr *, socklen_t);
int	__getpeername(int, struct sockaddr *, socklen_t *);
ssize_t	__recvfrom_nocancel(int, void *, size_t, int, struct sockaddr *,
	    socklen_t *);
ssize_t	__sendto_nocancel(int, const void *, size_t, int,
	    const struct sockaddr *, socklen_t);
ssize_t	__sendmsg_nocancel(int, const struct msghdr *, int);
ssize_t	__recvmsg_nocancel(int, struct msghdr *, int);

int
xsys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return (__openat_nocancel(dirfd, path, flags, (int)mode));
}

int
xsys_close(int fd)
{
	return (__close_nocancel(fd));
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
	return (__ioctl(fd, req, arg));
}

ssize_t
xsys_read(int fd, void *buf, size_t len)
{
	return (__read_nocancel(fd, buf, len));
}

ssize_t
xsys_readv(int fd, const struct iovec *iov, int iovcnt)
{
	return (__readv_nocancel(fd, iov, iovcnt));
}

ssize_t
xsys_write(int fd, const void *buf, size_t len)
{
	return (__write_nocancel(fd, buf, len));
}

int
xsys_fcntl(int fd, int cmd, long arg)
{
	return (__fcntl_nocancel(fd, cmd, arg));
}

/* No dup3: dup2, then the flag (not atomic; nothing here forks). */
int
xsys_dup3(int oldfd, int newfd, int flags)
{
	if (oldfd == newfd || (flags & ~O_CLOEXEC) != 0) {
		errno = EINVAL;
		return (-1);
	}
	if (dup2(oldfd, newfd) == -1)
		return (-1);
	if ((flags & O_CLOEXEC) &&
	    __fcntl_nocancel(newfd, F_SETFD, FD_CLOEXEC) == -1)
		return (-1);
	return (newfd);
}

int
xsys_fstat(int fd, struct stat *st)
{
	return (fstat(fd, st));
}

int
xsys_lstat(const char *path, struct stat *st)
{
	return (fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW));
}

int
xsys_chown(const char *path, uid_t uid, gid_t gid)
{
	return (fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW));
}

int
xsys_chmod(const char *path, mode_t mode)
{
	return (fchmodat(AT_FDCWD, path, mode, 0));
}

/* No pipe2: pipe, then the flags (not atomic). */
int
xsys_pipe2(int fds[2], int flags)
{
	int	i, saved;

	if ((flags & ~(O_CLOEXEC | O_NONBLOCK)) != 0) {
		errno = EINVAL;
		return (-1);
	}
	if (pipe(fds) == -1)
		return (-1);
	for (i = 0; i < 2; i++) {
		if (((flags & O_CLOEXEC) &&
		    __fcntl_nocancel(fds[i], F_SETFD, FD_CLOEXEC) == -1) ||
		    ((flags & O_NONBLOCK) &&
		    __fcntl_nocancel(fds[i], F_SETFL, O_NONBLOCK) == -1)) {
			saved = errno;
			__close_nocancel(fds[0]);
			__close_nocancel(fds[1]);
			errno = saved;
			return (-1);
		}
	}
	return (0);
}

#define BIT_SET(m, fd)	((m)[(fd) / 32] |= (uint32_t)1 << ((fd) % 32))
#define BIT_ISSET(m, fd) (((m)[(fd) / 32] >> ((fd) % 32)) & 1)

/* Fill the bitmaps from pfd; returns nfds for select, -1 if one is bad. */
static int
poll_to_sets(struct pollfd *pfd, nfds_t n, uint32_t *r, uint32_t *w,
    uint32_t *x, int *nbad)
{
	nfds_t	i;
	int	fd, top = 0;

	*nbad = 0;
	for (i = 0; i < n; i++) {
		pfd[i].revents = 0;
		if ((fd = pfd[i].fd) < 0)
			continue;
		if (fd >= POLL_MAXFD)
			return (-1);
		if (__fcntl_nocancel(fd, F_GETFD, 0) == -1) {
			pfd[i].revents = POLLNVAL;
			(*nbad)++;
			continue;
		}
		if (pfd[i].events & (POLLIN | POLLRDNORM))
			BIT_SET(r, fd);
		if (pfd[i].events & (POLLOUT | POLLWRNORM))
			BIT_SET(w, fd);
		if (pfd[i].events & (POLLPRI | POLLRDBAND))
			BIT_SET(x, fd);
		if (fd + 1 > top)
			top = fd + 1;
	}
	return (top);
}

static int
sets_to_poll(struct pollfd *pfd, nfds_t n, const uint32_t *r,
    const uint32_t *w, const uint32_t *x)
{
	nfds_t	i;
	int	fd, ready = 0;

	for (i = 0; i < n; i++) {
		if ((fd = pfd[i].fd) < 0 || pfd[i].revents == POLLNVAL) {
			ready += pfd[i].revents != 0;
			continue;
		}
		if (BIT_ISSET(r, fd))
			pfd[i].revents |= pfd[i].events & (POLLIN | POLLRDNORM);
		if (BIT_ISSET(w, fd))
			pfd[i].revents |= pfd[i].events &
			    (POLLOUT | POLLWRNORM);
		if (BIT_ISSET(x, fd))
			pfd[i].revents |= pfd[i].events &
			    (POLLPRI | POLLRDBAND);
		ready += pfd[i].revents != 0;
	}
	return (ready);
}

int
xsys_poll(struct pollfd *pfd, nfds_t n, int timeout_ms)
{
	uint32_t	r[POLL_WORDS], w[POLL_WORDS], x[POLL_WORDS];
	struct timeval	tv, *tvp = NULL;
	int		top, nbad, rc;

	memset(r, 0, sizeof(r));
	memset(w, 0, sizeof(w));
	memset(x, 0, sizeof(x));
	if ((top = poll_to_sets(pfd, n, r, w, x, &nbad)) == -1) {
		errno = EINVAL;
		return (-1);
	}
	if (nbad > 0 || timeout_ms >= 0) {
		if (nbad > 0)
			timeout_ms = 0;
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		tvp = &tv;
	}
	rc = __select_nocancel(top, r, w, x, tvp);
	if (rc == -1)
		return (-1);
	if (rc == 0) {
		memset(r, 0, sizeof(r));
		memset(w, 0, sizeof(w));
		memset(x, 0, sizeof(x));
	}
	return (sets_to_poll(pfd, n, r, w, x));
}

int
xsys_flock(int fd, int op)
{
	return (flock(fd, op));
}

/* No close_range on macOS: callers loop. */
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
	return ((pid_t)__getpid());
}

/* No page that a child gets zeroed here: the system call each time. */
pid_t
xsys_self(void)
{
	return (xsys_getpid());
}

long
xsys_getcwd(char *buf, size_t len)
{
	if (getcwd(buf, len) == NULL)
		return (-1);
	return ((long)strlen(buf) + 1);
}

/*
 * SOCK_CLOEXEC and SOCK_NONBLOCK, which macOS's socket calls do not know
 * (lib/sys_bsd.h gives them values), applied after the fact.
 */
_Static_assert(((SOCK_STREAM | SOCK_DGRAM | SOCK_RAW | SOCK_SEQPACKET) &
    (SOCK_CLOEXEC | SOCK_NONBLOCK)) == 0,
    "lib/sys_bsd.h's SOCK_CLOEXEC and SOCK_NONBLOCK are no socket type bits");

static int
sock_flags(int fd, int type)
{
	if ((type & SOCK_CLOEXEC) &&
	    __fcntl_nocancel(fd, F_SETFD, FD_CLOEXEC) == -1)
		return (-1);
	if ((type & SOCK_NONBLOCK) &&
	    __fcntl_nocancel(fd, F_SETFL, O_NONBLOCK) == -1)
		return (-1);
	return (0);
}

static int
sock_fail(int fd1, int fd2)
{
	int	saved = errno;

	(void)xsys_close(fd1);
	if (fd2 >= 0)
		(void)xsys_close(fd2);
	errno = saved;
	return (-1);
}

int
xsys_socket(int domain, int type, int proto)
{
	int	fd;

	fd = socket(domain, type & ~(SOCK_CLOEXEC | SOCK_NONBLOCK), proto);
	if (fd >= 0 && sock_flags(fd, type) == -1)
		return (sock_fail(fd, -1));
	return (fd);
}

int
xsys_socketpair(int domain, int type, int proto, int sv[2])
{
	if (__socketpair(domain, type & ~(SOCK_CLOEXEC | SOCK_NONBLOCK),
	    proto, sv) == -1)
		return (-1);
	if (sock_flags(sv[0], type) == -1 || sock_flags(sv[1], type) == -1)
		return (sock_fail(sv[0], sv[1]));
	return (0);
}

int
xsys_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return (__connect_nocancel(fd, sa, len));
}

int
xsys_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	return (__bind(fd, sa, len));
}

int
xsys_getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	return (__getpeername(fd, sa, len));
}

int
xsys_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	return (getsockopt(fd, level, name, val, len));
}

ssize_t
xsys_recv(int fd, void *buf, size_t len, int flags)
{
	return (__recvfrom_nocancel(fd, buf, len, flags, NULL, NULL));
}

ssize_t
xsys_sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *sa, socklen_t salen)
{
	return (__sendto_nocancel(fd, buf, len, flags, sa, salen));
}

ssize_t
xsys_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return (__sendmsg_nocancel(fd, msg, flags));
}

ssize_t
xsys_recvmsg(int fd, struct msghdr *msg, int flags)
{
	return (__recvmsg_nocancel(fd, msg, flags));
}

/*
 * Copy through the Mach VM layer, which reports a bad address as an
 * error (KERN_INVALID_ADDRESS, KERN_PROTECTION_FAILURE) instead of
 * faulting: vm_read_overwrite (mach_vm_read_overwrite with this task's
 * own address size) copies from an address of a task (this one) into
 * our buffer, checking both ranges.
 */
static int
vm_copy_self(void *dst, const void *src, size_t len)
{
	vm_size_t	got = 0;
	kern_return_t	kr;

	kr = vm_read_overwrite(mach_task_self(), (vm_address_t)src,
	    (vm_size_t)len, (vm_address_t)dst, &got);
	if (kr == KERN_SUCCESS && got == len)
		return (0);
	errno = EFAULT;
	return (-1);
}

int
xsys_readable(const void *p)
{
	unsigned char	c;
	int		saved = errno;

	if (vm_copy_self(&c, p, 1) == 0) {
		errno = saved;
		return (1);
	}
	errno = saved;
	return (0);
}

int
xsys_vm_copy(void *dst, const void *src, size_t len, int towrite)
{
	(void)towrite;		/* both ranges are checked either way */
	if (len == 0)
		return (0);
	return (vm_copy_self(dst, src, len));
}
