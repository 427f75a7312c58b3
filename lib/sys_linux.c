/*
 * sys_linux.c - lib/sys.h on Linux: raw system calls through syscall(2).
 *
 * The library's internal operations (bookkeeping ioctls, private
 * descriptors, termios state, its sockets) go straight to the kernel so
 * that they can never re-enter an interposed wrapper (libxpty's own, or
 * another preloaded library's: sanitizers, fakeroot), never allocate,
 * work before symbol resolution has finished, and are async-signal-safe.
 * openat, never open (aarch64 has no open system call); the same for the
 * *at forms of stat, chown and chmod.  errno is whatever the kernel
 * says; descriptors made here belong to the caller.
 *
 * State: one page, mapped at the first xsys_self() and never unmapped,
 * holding this process's pid.  It is MADV_WIPEONFORK: every child (fork,
 * _Fork, clone without CLONE_VM, whatever made it) gets it zeroed and
 * asks the kernel once; threads and vfork children, which share the
 * memory, share the pid's process too.  Written and read with relaxed
 * atomics (every thread stores the same value).
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sys.h"

int
xsys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return ((int)syscall(SYS_openat, dirfd, path, flags, mode));
}

int
xsys_close(int fd)
{
	return ((int)syscall(SYS_close, fd));
}

void *
xsys_map_shared(int fd, size_t len)
{
	return ((void *)syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, (off_t)0));
}

int
xsys_ioctl(int fd, unsigned long req, void *arg)
{
	return ((int)syscall(SYS_ioctl, fd, req, arg));
}

ssize_t
xsys_read(int fd, void *buf, size_t len)
{
	return (syscall(SYS_read, fd, buf, len));
}

ssize_t
xsys_readv(int fd, const struct iovec *iov, int iovcnt)
{
	return (syscall(SYS_readv, fd, iov, iovcnt));
}

ssize_t
xsys_write(int fd, const void *buf, size_t len)
{
	return (syscall(SYS_write, fd, buf, len));
}

int
xsys_fcntl(int fd, int cmd, long arg)
{
	return ((int)syscall(SYS_fcntl, fd, cmd, arg));
}

int
xsys_dup3(int oldfd, int newfd, int flags)
{
	return ((int)syscall(SYS_dup3, oldfd, newfd, flags));
}

int
xsys_fstat(int fd, struct stat *st)
{
	return ((int)syscall(SYS_fstat, fd, st));
}

int
xsys_lstat(const char *path, struct stat *st)
{
	return ((int)syscall(SYS_newfstatat, AT_FDCWD, path, st,
	    AT_SYMLINK_NOFOLLOW));
}

int
xsys_chown(const char *path, uid_t uid, gid_t gid)
{
	return ((int)syscall(SYS_fchownat, AT_FDCWD, path, uid, gid,
	    AT_SYMLINK_NOFOLLOW));
}

int
xsys_chmod(const char *path, mode_t mode)
{
	return ((int)syscall(SYS_fchmodat, AT_FDCWD, path, mode));
}

int
xsys_pipe2(int fds[2], int flags)
{
	return ((int)syscall(SYS_pipe2, fds, flags));
}

int
xsys_ftruncate(int fd, off_t len)
{
	return ((int)syscall(SYS_ftruncate, fd, len));
}

int
xsys_poll(struct pollfd *pfd, nfds_t n, int timeout_ms)
{
	return ((int)syscall(SYS_poll, pfd, n, timeout_ms));
}

int
xsys_flock(int fd, int op)
{
	return ((int)syscall(SYS_flock, fd, op));
}

int
xsys_close_range(unsigned int first, unsigned int last, int flags)
{
	return ((int)syscall(SYS_close_range, first, last, flags));
}

pid_t
xsys_getpid(void)
{
	return ((pid_t)syscall(SYS_getpid));
}

#define SELF_NOPAGE	((_Atomic(pid_t) *)1)	/* no MADV_WIPEONFORK here */

static _Atomic(_Atomic(pid_t) *) self_page;

/* The pid page, mapped once (a thread that loses the race unmaps its own). */
static _Atomic(pid_t) *
self_page_get(void)
{
	_Atomic(pid_t)	*p = atomic_load_explicit(&self_page,
			    memory_order_acquire), *none = NULL;
	void		*m;

	if (p != NULL)
		return (p);
	m = (void *)syscall(SYS_mmap, NULL, 4096UL, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
	if (m == MAP_FAILED)
		return (SELF_NOPAGE);
	if (syscall(SYS_madvise, m, 4096UL, MADV_WIPEONFORK) == -1) {
		(void)syscall(SYS_munmap, m, 4096UL);
		p = SELF_NOPAGE;	/* the kernel predates 4.14 */
	} else
		p = m;
	if (!atomic_compare_exchange_strong(&self_page, &none, p)) {
		if (p != SELF_NOPAGE)
			(void)syscall(SYS_munmap, m, 4096UL);
		p = none;
	}
	return (p);
}

pid_t
xsys_self(void)
{
	_Atomic(pid_t)	*p = self_page_get();
	pid_t		 me;

	if (p == SELF_NOPAGE)
		return (xsys_getpid());
	if ((me = atomic_load_explicit(p, memory_order_relaxed)) == 0) {
		me = xsys_getpid();
		atomic_store_explicit(p, me, memory_order_relaxed);
	}
	return (me);
}

long
xsys_getcwd(char *buf, size_t len)
{
	return (syscall(SYS_getcwd, buf, len));
}

int
xsys_socket(int domain, int type, int proto)
{
	return ((int)syscall(SYS_socket, domain, type, proto));
}

int
xsys_socketpair(int domain, int type, int proto, int sv[2])
{
	return ((int)syscall(SYS_socketpair, domain, type, proto, sv));
}

int
xsys_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return ((int)syscall(SYS_connect, fd, sa, len));
}

int
xsys_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	return ((int)syscall(SYS_bind, fd, sa, len));
}

int
xsys_getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	return ((int)syscall(SYS_getpeername, fd, sa, len));
}

int
xsys_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	return ((int)syscall(SYS_getsockopt, fd, level, name, val, len));
}

ssize_t
xsys_recv(int fd, void *buf, size_t len, int flags)
{
	return (syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL));
}

ssize_t
xsys_sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *sa, socklen_t salen)
{
	return (syscall(SYS_sendto, fd, buf, len, flags, sa, salen));
}

ssize_t
xsys_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return (syscall(SYS_sendmsg, fd, msg, flags));
}

ssize_t
xsys_recvmsg(int fd, struct msghdr *msg, int flags)
{
	return (syscall(SYS_recvmsg, fd, msg, flags));
}

/*
 * sched_setparam(2) naming a process that cannot exist (a pid above
 * PID_MAX_LIMIT): the kernel copies the 4-byte struct sched_param in
 * before it looks the process up, so the call fails with EFAULT for an
 * unreadable address and with ESRCH otherwise, changes nothing and needs
 * no descriptor.  The word probed is the aligned one holding the byte, so
 * it never reaches into the next page.
 */
int
xsys_readable(const void *p)
{
	int	saved = errno;

	if (syscall(SYS_sched_setparam, INT_MAX,
	    (const void *)((uintptr_t)p & ~(uintptr_t)3)) == 0 ||
	    errno == ESRCH) {
		errno = saved;
		return (1);
	}
	if (errno == EFAULT) {
		errno = saved;
		return (0);
	}
	return (-1);
}

/* process_vm_readv/writev on ourselves: EFAULT instead of a fault. */
int
xsys_vm_copy(void *dst, const void *src, size_t len, int towrite)
{
	struct iovec	local, remote;
	ssize_t		n;
	pid_t		me = xsys_self();

	local.iov_base = towrite ? (void *)src : dst;
	local.iov_len = len;
	remote.iov_base = towrite ? dst : (void *)src;
	remote.iov_len = len;
	n = syscall(towrite ? SYS_process_vm_writev : SYS_process_vm_readv,
	    me, &local, 1UL, &remote, 1UL, 0UL);
	if (n == (ssize_t)len)
		return (0);
	if (n >= 0)
		errno = EFAULT;		/* a partial copy: the rest is bad */
	return (-1);
}

int
xsys_tcget(int fd, struct kterm *t)
{
	return (xsys_ioctl(fd, TCGETS, t));
}

int
xsys_tcset(int fd, unsigned long how, const struct kterm *t)
{
	return (xsys_ioctl(fd, how, (void *)t));
}

int
xsys_tcflush(int fd, int queue)
{
	return (xsys_ioctl(fd, TCFLSH, (void *)(long)queue));
}

/* TCSBRK with a nonzero argument sends no break: it drains */
int
xsys_tcdrain(int fd)
{
	return (xsys_ioctl(fd, TCSBRK, (void *)1L));
}

int
xsys_tcflow(int fd, int action)
{
	return (xsys_ioctl(fd, TCXONC, (void *)(long)action));
}

/* glibc's struct termios begins with the kernel's; speeds are in c_cflag. */
void
xsys_kterm_to_termios(const struct kterm *k, struct termios *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t, k, sizeof(*k));
	t->c_ispeed = t->c_ospeed = k->c_cflag & CBAUD;
}
