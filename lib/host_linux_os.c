/*
 * host_linux_os.c - lib/host.h on Linux, beyond the ptys: descriptor
 * enumeration, the state page's memory, sockets (peer credentials, half
 * close, send queue, the bound mark) and the detached daemon spawn.
 * Shared by every Linux host file (host_linux.c, host_bsdimit.c).
 *
 * Theory of operation.
 *   descriptors  /proc/self/fd, read with getdents64 into a stack buffer
 *   page         memfd_create(2), close-on-exec
 *   sockets      SO_PEERCRED; poll's POLLRDHUP for the peer's shutdown;
 *                SIOCOUTQ for what the peer has not read; the mark is the
 *                abstract name "\0" XP_MARK and the hexadecimal inode
 *                (and a counter if the name is taken), which
 *                getpeername() on the other end shows
 *   spawn        a clone(2) sharing our memory (CLONE_VM) while we wait
 *                for it (CLONE_VFORK), with no exit signal, so the
 *                application never sees SIGCHLD and only a wait with
 *                __WALL (ours) reaps it; it forks the real process, which
 *                execs, and leaves at once: the grandchild, reparented to
 *                init, is no child of the application
 *
 * Raw system calls only (the spawn's stack aside: one mmap), no state.
 * Descriptors made here belong to the caller; the spawn closes its own.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <linux/sockios.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "host_unix.h"
#include "sys.h"
#include "proto.h"		/* XP_MARK */

#define SPAWN_STACK	65536	/* for the spawning clone */

/* ---- descriptors ---- */

int
host_fd_walk(int (*fn)(int, void *), void *arg)
{
	char	buf[512];	/* the stack budget: lib/internal.h */
	long	n, off;
	int	dfd, fd, stop = 0;

	dfd = xsys_openat(AT_FDCWD, "/proc/self/fd",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (dfd == -1)
		return (-1);
	while (!stop && (n = syscall(SYS_getdents64, dfd, buf,
	    sizeof(buf))) > 0) {
		for (off = 0; off < n && !stop;) {
			struct dirent64	*d = (struct dirent64 *)(buf + off);
			const char	*p = d->d_name;

			off += d->d_reclen;
			if (*p < '0' || *p > '9')
				continue;
			for (fd = 0; *p >= '0' && *p <= '9'; p++)
				fd = fd * 10 + (*p - '0');
			if (fd != dfd)
				stop = fn(fd, arg);
		}
	}
	xsys_close(dfd);
	return (0);
}

int
host_page_create(void)
{
	return ((int)syscall(SYS_memfd_create, "xpty-page", MFD_CLOEXEC));
}

int
host_futex_wait(uint32_t *word, uint32_t val, int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	if (syscall(SYS_futex, word, FUTEX_WAIT, val, &ts, NULL, 0) == -1 &&
	    errno != ETIMEDOUT)
		return (-1);
	return (0);
}

void
host_futex_wake(uint32_t *word)
{
	(void)syscall(SYS_futex, word, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

/* ---- sockets ---- */

int
host_peer_uid(int sock, uid_t *uid)
{
	struct ucred	uc;
	socklen_t	len = sizeof(uc);

	if (xsys_getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		return (-1);
	*uid = uc.uid;
	return (0);
}

int
host_peer_pid(int sock, pid_t *pid)
{
	struct ucred	uc;
	socklen_t	len = sizeof(uc);

	if (xsys_getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		return (-1);
	*pid = uc.pid;
	return (0);
}

int
host_sock_rdhup(int sock)
{
	struct pollfd	pfd = { .fd = sock, .events = POLLIN | POLLRDHUP };

	if (xsys_poll(&pfd, 1, 0) == -1)
		return (-1);
	return ((pfd.revents & POLLRDHUP) != 0);
}

int
host_sock_outq(int sock, int *n)
{
	return (xsys_ioctl(sock, SIOCOUTQ, n));
}

/* The abstract address marking a daemon end of inode ino (try n). */
static socklen_t
mark_addr(struct sockaddr_un *sun, uint64_t ino, unsigned n)
{
	static const char	 hex[] = "0123456789abcdef";
	char			*p;
	int			 i;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	p = sun->sun_path + 1;
	memcpy(p, XP_MARK, sizeof(XP_MARK) - 1);
	p += sizeof(XP_MARK) - 1;
	for (i = 60; i >= 0; i -= 4)
		*p++ = hex[(ino >> i) & 0xf];
	if (n != 0) {
		*p++ = '-';
		*p++ = hex[n & 0xf];
	}
	return ((socklen_t)(p - (char *)sun));
}

int
host_mark_bind(int sock, uint64_t ino)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	unsigned		n;

	for (n = 0; n < 4; n++) {
		len = mark_addr(&sun, ino, n);
		if (xsys_bind(sock, (struct sockaddr *)&sun, len) == 0)
			return (0);
		if (errno != EADDRINUSE)
			break;
	}
	return (-1);
}

int
host_mark_peer(int sock)
{
	struct sockaddr_un	sun;
	socklen_t		len = sizeof(sun);
	size_t			off = offsetof(struct sockaddr_un, sun_path);

	memset(&sun, 0, sizeof(sun));
	if (xsys_getpeername(sock, (struct sockaddr *)&sun, &len) == -1)
		return (errno == EBADF ? -1 : 0);
	return (sun.sun_family == AF_UNIX &&
	    len >= off + 1 + sizeof(XP_MARK) - 1 && sun.sun_path[0] == '\0' &&
	    memcmp(sun.sun_path + 1, XP_MARK, sizeof(XP_MARK) - 1) == 0);
}

/* ---- processes ---- */

int
host_signal_fd(const sigset_t *set)
{
	/* the kernel's sigset is the first 8 bytes of glibc's */
	return ((int)syscall(SYS_signalfd4, -1, set, (size_t)8,
	    SFD_NONBLOCK | SFD_CLOEXEC));
}

int
host_self_exe(struct stat *st)
{
	return ((int)syscall(SYS_newfstatat, AT_FDCWD, "/proc/self/exe", st,
	    0));
}

int
host_local_dgram(const char *name, size_t namelen, const void *msg,
    size_t len)
{
	struct sockaddr_un	sun;
	int			fd, r, saved;

	if (namelen == 0 || namelen >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, name, namelen);	/* abstract: NUL first */
	if ((fd = xsys_socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	r = (int)xsys_sendto(fd, msg, len, MSG_DONTWAIT,
	    (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + namelen));
	saved = errno;
	xsys_close(fd);
	errno = saved;
	return (r == -1 ? -1 : 0);
}

/*
 * glibc's own name for clone(2): libxpty interposes clone
 * (lib/interpose_spawn.c), and the spawn must not reach that.
 */
extern int	__clone(int (*)(void *), void *, int, void *, ...);

/*
 * The spawned process, sharing our memory while we wait for it: raw
 * system calls only, and every signal stays blocked (no handler of the
 * application may run here).  execve would give it an exit signal again
 * (SIGCHLD), so it does not exec: it forks the process that does and
 * leaves at once.
 */
static int
spawn_child(void *arg)
{
	struct unix_spawn_arg	*a = arg;
	long			 pid;

	if ((pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0)) != 0)
		syscall(SYS_exit, pid == -1 ? 127 : 0);
	/* The grandchild: a copy of our memory, no longer shared. */
	if (syscall(SYS_dup3, a->fd3, 3, 0) == -1 ||
	    syscall(SYS_dup3, (int)syscall(SYS_openat, AT_FDCWD, "/dev/null",
	    O_RDWR, 0), 0, 0) == -1)
		syscall(SYS_exit, 127);
	syscall(SYS_dup3, 0, 1, 0);
	syscall(SYS_execve, a->path, a->argv, a->envp);
	syscall(SYS_exit, 127);
	return (127);
}

int
host_spawn_detached(const char *path, char *const argv[], char *const envp[],
    int fd3)
{
	struct unix_spawn_arg	 a = { path, argv, envp, fd3 };
	sigset_t		 all, saved;
	char			*stack;
	pid_t			 pid;
	int			 st, e;

	stack = mmap(NULL, SPAWN_STACK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return (-1);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	pid = __clone(spawn_child, stack + SPAWN_STACK, CLONE_VM | CLONE_VFORK,
	    &a);
	e = errno;
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	munmap(stack, SPAWN_STACK);
	if (pid == -1) {
		errno = e;
		return (-1);
	}
	/* It exits as soon as the real process is on its own. */
	while (waitpid(pid, &st, __WALL) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		errno = EAGAIN;
		return (-1);
	}
	return (0);
}
