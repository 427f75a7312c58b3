/*
 * host_bsd_os.c - lib/host.h beyond the ptys, where FreeBSD, NetBSD and
 * macOS do alike: sockets (peer credentials, half close, send queue, the
 * bound mark, the wrapper's datagram), event registrations, the signal
 * descriptor, and the kqueue and spawned-process helpers of
 * lib/host_bsd.h.  Shared by host_freebsd.c, host_netbsd.c and
 * host_darwin.c.
 *
 * Theory of operation.
 *   credentials  getsockopt at level 0 (SOL_LOCAL): LOCAL_PEERCRED's
 *                struct xucred on FreeBSD and macOS (cr_version checked),
 *                LOCAL_PEEREID's struct unpcbid on NetBSD, which records
 *                none for socketpair(2) ends: the call fails there, and
 *                the caller refuses the peer (fail closed); the pid from
 *                xucred's cr_pid (FreeBSD), unpcbid (NetBSD),
 *                LOCAL_PEERPID (macOS)
 *   futexes      FreeBSD's _umtx_op, NetBSD's __futex (Linux's interface),
 *                on the shared word; macOS has no public shared wait in
 *                the headers CI builds with: a 1 ms sleep, looked again
 *   half close   poll's POLLRDHUP where the host has it (FreeBSD 14),
 *                else a kqueue EVFILT_READ registration polled once:
 *                EV_EOF is set once the peer has shut down its writing
 *   send queue   no host says how much of what we wrote to a local
 *                stream socket its peer has not read (the bytes sit in
 *                the peer's receive buffer): ENOSYS
 *   the mark     no abstract names: the daemon's end binds
 *                RUNDIR/XP_MARK-with-dashes and the inode in hexadecimal
 *                in the 0700 socket directory (common/sockpath.h), and
 *                unlinks it at once; getpeername() on the other end still
 *                shows the name (the kernel keeps the bound address with
 *                the socket), which host_mark_peer recognises by its last
 *                component
 *   datagram     the wrapper's socket is RUNDIR/name on these hosts
 *   registrations  kqueue forgets a descriptor's knotes when it is closed
 *                or dup2()ed over, and no host lets another process's
 *                registrations be moved: nothing is moved (no
 *                HOST_CAP_EVREG)
 *   descriptors  bsd_fd_probe: fcntl(F_GETFD) upward, for hosts whose
 *                lists cannot be read without allocating
 *   page         bsd_shm_anon: shm_open of a fresh name, shm_unlink at
 *                once (the counter is the file's one piece of state)
 *   signals      a kqueue with an EVFILT_SIGNAL registration per signal,
 *                which records delivery attempts without taking the
 *                signal, whether blocked or not; a signal already pending
 *                when the set is made fires an EVFILT_USER event, so the
 *                descriptor polls readable at once
 *
 * kqueue(2) and kevent(2) are libc's (libxpty interposes neither).  No
 * state; descriptors made here belong to the caller.  Cross-built for
 * FreeBSD 14, NetBSD 10 and macOS; not yet run there.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/event.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/ucred.h>
#include <sys/un.h>
#ifdef HAVE_SYS_UMTX_H
#include <sys/umtx.h>
#endif
#ifdef HAVE_SYS_FUTEX_H
#include <sys/futex.h>
#include <sys/syscall.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "host_bsd.h"
#include "sys.h"
#include "sockpath.h"		/* xp_rundir, XP_MARK */

#ifndef SOL_LOCAL
#define SOL_LOCAL	0	/* NetBSD names no level for local options */
#endif
#define USER_IDENT	0	/* the EVFILT_USER event of a signal set */

/* ---- kqueue ---- */

int
bsd_kevent_add(int kq, int ident, int filter, unsigned fflags, long id)
{
	struct kevent	kev;
	struct timespec	zero = { 0, 0 };

	memset(&kev, 0, sizeof(kev));
	kev.ident = (uintptr_t)ident;
	kev.filter = (short)filter;
	kev.flags = EV_ADD | EV_CLEAR;
	kev.fflags = fflags;
	kev.udata = (void *)id;
	return (kevent(kq, &kev, 1, NULL, 0, &zero) == -1 ? -1 : 0);
}

int
bsd_kqueue(void)
{
	int	kq, saved;

	if ((kq = kqueue()) == -1)
		return (-1);
	if (xsys_fcntl(kq, F_SETFD, FD_CLOEXEC) == -1) {
		saved = errno;
		xsys_close(kq);
		errno = saved;
		return (-1);
	}
	return (kq);
}

/* ---- sockets ---- */

int
host_peer_uid(int sock, uid_t *uid)
{
#ifdef LOCAL_PEEREID
	struct unpcbid	id;
	socklen_t	len = sizeof(id);

	if (xsys_getsockopt(sock, SOL_LOCAL, LOCAL_PEEREID, &id, &len) == -1)
		return (-1);
	*uid = id.unp_euid;
	return (0);
#else
	struct xucred	xu;
	socklen_t	len = sizeof(xu);

	if (xsys_getsockopt(sock, SOL_LOCAL, LOCAL_PEERCRED, &xu, &len) == -1)
		return (-1);
	if (xu.cr_version != XUCRED_VERSION) {
		errno = EPROTO;
		return (-1);
	}
	*uid = xu.cr_uid;
	return (0);
#endif
}

/*
 * macOS: LOCAL_PEERPID.  NetBSD: LOCAL_PEEREID's unp_pid (none for
 * socketpair(2) ends: the call fails).  FreeBSD: LOCAL_PEERCRED's
 * xucred, whose cr_pid the kernel fills since FreeBSD 13.
 */
int
host_peer_pid(int sock, pid_t *pid)
{
#if defined(LOCAL_PEERPID)
	socklen_t	len = sizeof(*pid);

	return (xsys_getsockopt(sock, SOL_LOCAL, LOCAL_PEERPID, pid, &len));
#elif defined(LOCAL_PEEREID)
	struct unpcbid	id;
	socklen_t	len = sizeof(id);

	if (xsys_getsockopt(sock, SOL_LOCAL, LOCAL_PEEREID, &id, &len) == -1)
		return (-1);
	*pid = id.unp_pid;
	return (0);
#else
	struct xucred	xu;
	socklen_t	len = sizeof(xu);

	if (xsys_getsockopt(sock, SOL_LOCAL, LOCAL_PEERCRED, &xu, &len) == -1)
		return (-1);
	if (xu.cr_version != XUCRED_VERSION || xu.cr_pid <= 0) {
		errno = xu.cr_version != XUCRED_VERSION ? EPROTO : ENOSYS;
		return (-1);
	}
	*pid = xu.cr_pid;
	return (0);
#endif
}

int
host_sock_rdhup(int sock)
{
#if HAVE_DECL_POLLRDHUP
	struct pollfd	pfd = { .fd = sock, .events = POLLIN | POLLRDHUP };

	if (xsys_poll(&pfd, 1, 0) == -1)
		return (-1);
	return ((pfd.revents & (POLLRDHUP | POLLHUP)) != 0);
#else
	struct kevent	kev;
	struct timespec	zero = { 0, 0 };
	int		kq, n, saved;

	if ((kq = bsd_kqueue()) == -1)
		return (-1);
	if (bsd_kevent_add(kq, sock, EVFILT_READ, 0, 0) == -1)
		n = -1;
	else
		n = kevent(kq, NULL, 0, &kev, 1, &zero);
	saved = errno;
	xsys_close(kq);
	errno = saved;
	if (n == -1)
		return (-1);
	return (n == 1 && (kev.flags & EV_EOF) != 0);
#endif
}

int
host_sock_outq(int sock, int *n)
{
	(void)sock;
	(void)n;
	errno = ENOSYS;
	return (-1);
}

/* XP_MARK as a file name: its slashes are dashes. */
static size_t
mark_stem(char *buf)
{
	size_t	i, n = sizeof(XP_MARK) - 1;

	memcpy(buf, XP_MARK, n);
	for (i = 0; i < n; i++)
		if (buf[i] == '/')
			buf[i] = '-';
	return (n);
}

/* RUNDIR/stem-INODE (and -N when taken); -1/ENAMETOOLONG. */
static int
mark_addr(struct sockaddr_un *sun, uint64_t ino, unsigned n)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 name[64], *p;
	int			 i;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	p = name + mark_stem(name);
	for (i = 60; i >= 0; i -= 4)
		*p++ = hex[(ino >> i) & 0xf];
	if (n != 0) {
		*p++ = '-';
		*p++ = hex[n & 0xf];
	}
	*p = '\0';
	if (xp_rundir(sun->sun_path, sizeof(sun->sun_path)) == -1 ||
	    xp_append(sun->sun_path, sizeof(sun->sun_path), "/") == -1 ||
	    xp_append(sun->sun_path, sizeof(sun->sun_path), name) == -1) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

int
host_mark_bind(int sock, uint64_t ino)
{
	struct sockaddr_un	sun;
	unsigned		n;
	int			saved;

	for (n = 0; n < 4; n++) {
		if (mark_addr(&sun, ino, n) == -1)
			return (-1);
		if (xsys_bind(sock, (struct sockaddr *)&sun,
		    (socklen_t)SUN_LEN(&sun)) == 0) {
			saved = errno;
			(void)unlink(sun.sun_path);
			errno = saved;
			return (0);
		}
		if (errno != EADDRINUSE)
			break;
	}
	return (-1);
}

int
host_mark_peer(int sock)
{
	struct sockaddr_un	 sun;
	socklen_t		 len = sizeof(sun);
	char			 stem[sizeof(XP_MARK)];
	const char		*last;
	size_t			 n;

	memset(&sun, 0, sizeof(sun));
	if (xsys_getpeername(sock, (struct sockaddr *)&sun, &len) == -1)
		return (errno == EBADF ? -1 : 0);
	if (sun.sun_family != AF_UNIX ||
	    len <= offsetof(struct sockaddr_un, sun_path))
		return (0);
	sun.sun_path[sizeof(sun.sun_path) - 1] = '\0';
	if ((last = strrchr(sun.sun_path, '/')) == NULL)
		return (0);
	n = mark_stem(stem);
	return (strncmp(last + 1, stem, n) == 0);
}

int
host_local_dgram(const char *name, size_t namelen, const void *msg,
    size_t len)
{
	struct sockaddr_un	sun;
	char			base[sizeof(sun.sun_path)];
	int			fd, r, saved;

	if (namelen == 0 || namelen >= sizeof(base)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(base, name, namelen);
	base[namelen] = '\0';
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (xp_rundir(sun.sun_path, sizeof(sun.sun_path)) == -1 ||
	    xp_append(sun.sun_path, sizeof(sun.sun_path), "/") == -1 ||
	    xp_append(sun.sun_path, sizeof(sun.sun_path), base) == -1) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((fd = xsys_socket(AF_UNIX, SOCK_DGRAM, 0)) == -1)
		return (-1);
	r = (int)xsys_sendto(fd, msg, len, MSG_DONTWAIT,
	    (struct sockaddr *)&sun, (socklen_t)SUN_LEN(&sun));
	saved = errno;
	xsys_close(fd);
	errno = saved;
	return (r == -1 ? -1 : 0);
}

/* ---- descriptors and memory ---- */

void
bsd_fd_probe(int top, int want, int (*fn)(int, void *), void *arg)
{
	int	fd, seen = 0;

	for (fd = 0; fd < top && (want < 0 || seen < want); fd++) {
		if (xsys_fcntl(fd, F_GETFD, 0) == -1)
			continue;
		seen++;
		if (fn(fd, arg) != 0)
			break;
	}
}

int
bsd_shm_anon(void)
{
	static unsigned	 count;
	char		 name[32] = "/xpty.";
	unsigned	 i, n;
	int		 fd, saved;

	for (i = 0; i < 8; i++) {
		name[6] = '\0';
		n = __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED);
		if (xp_append_uint(name, sizeof(name),
		    (unsigned long)xsys_getpid()) == -1 ||
		    xp_append(name, sizeof(name), ".") == -1 ||
		    xp_append_uint(name, sizeof(name), n) == -1) {
			errno = ENAMETOOLONG;
			return (-1);
		}
		fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd == -1 && errno == EEXIST)
			continue;
		if (fd == -1)
			return (-1);
		saved = errno;
		(void)shm_unlink(name);
		if (xsys_fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			saved = errno;
			xsys_close(fd);
			errno = saved;
			return (-1);
		}
		errno = saved;
		return (fd);
	}
	errno = EEXIST;
	return (-1);
}

/* ---- event registrations: none move ---- */

void
host_evreg_note(void)
{
}

void
host_evreg_detach(int fd, struct host_evregs *r)
{
	(void)fd;
	r->n = 0;
}

void
host_evreg_attach(int fd, const struct host_evregs *r)
{
	(void)fd;
	(void)r;
}

void
host_evreg_watch(void (*fn)(int))
{
	(void)fn;	/* kevent(2) is not interposed */
}

/* ---- the detached spawn's real process ---- */

void
bsd_spawn_exec(const char *path, char *const argv[], char *const envp[],
    int fd3)
{
	int	null;

	if (fd3 != 3 && xsys_dup3(fd3, 3, 0) == -1)
		_exit(127);
	if ((null = xsys_openat(AT_FDCWD, "/dev/null", O_RDWR, 0)) == -1)
		_exit(127);
	if ((null != 0 && xsys_dup3(null, 0, 0) == -1) ||
	    xsys_dup3(0, 1, 0) == -1 || xsys_dup3(0, 2, 0) == -1)
		_exit(127);
	if (null > 3)
		xsys_close(null);
	execve(path, argv, envp);
	_exit(127);
}

/* ---- signals ---- */

/* Fire the set's EVFILT_USER event if a signal of set is pending now. */
static int
signal_fd_pending(int kq, const sigset_t *set)
{
	struct kevent	kev;
	struct timespec	zero = { 0, 0 };
	sigset_t	pend;
	int		sig;

	if (sigpending(&pend) == -1)
		return (-1);
	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(set, sig) == 1 && sigismember(&pend, sig) == 1)
			break;
	if (sig == NSIG)
		return (0);
	memset(&kev, 0, sizeof(kev));
	kev.ident = USER_IDENT;
	kev.filter = EVFILT_USER;
	kev.fflags = NOTE_TRIGGER;
	return (kevent(kq, &kev, 1, NULL, 0, &zero) == -1 ? -1 : 0);
}

int
host_signal_fd(const sigset_t *set)
{
	int	kq, sig, saved;

	if ((kq = bsd_kqueue()) == -1)
		return (-1);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP ||
		    sigismember(set, sig) != 1)
			continue;
		if (bsd_kevent_add(kq, sig, EVFILT_SIGNAL, 0, sig) == -1)
			goto fail;
	}
	if (bsd_kevent_add(kq, USER_IDENT, EVFILT_USER, 0, 0) == -1 ||
	    signal_fd_pending(kq, set) == -1)
		goto fail;
	return (kq);
fail:
	saved = errno;
	xsys_close(kq);
	errno = saved;
	return (-1);
}

#ifdef UMTX_OP_WAIT_UINT
/*
 * FreeBSD: _umtx_op(2) on the word.  UMTX_OP_WAIT_UINT and UMTX_OP_WAKE
 * (not their _PRIVATE forms) key a MAP_SHARED word by its object and
 * offset, so they work between the processes that map the page.  The
 * timeout is relative: uaddr is the size of the struct timespec that
 * uaddr2 points to.  A timeout is no error here (the caller looks again).
 */
int
host_futex_wait(uint32_t *word, uint32_t val, int ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	if (_umtx_op(word, UMTX_OP_WAIT_UINT, val,
	    (void *)(uintptr_t)sizeof(ts), &ts) == -1 && errno != ETIMEDOUT)
		return (-1);
	return (0);
}

void
host_futex_wake(uint32_t *word)
{
	int	saved = errno;

	(void)_umtx_op(word, UMTX_OP_WAKE, INT_MAX, NULL, NULL);
	errno = saved;
}
#elif defined(HAVE_SYS_FUTEX_H) && defined(SYS___futex)
/*
 * NetBSD: __futex(2), Linux's interface: FUTEX_WAIT and FUTEX_WAKE without
 * FUTEX_PRIVATE_FLAG are the shared forms.  The timeout is relative; a
 * timeout is no error here.
 */
int
host_futex_wait(uint32_t *word, uint32_t val, int ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	if (syscall(SYS___futex, (int *)word, FUTEX_WAIT, (int)val, &ts,
	    (int *)NULL, 0, 0) == -1 && errno != ETIMEDOUT)
		return (-1);
	return (0);
}

void
host_futex_wake(uint32_t *word)
{
	int	saved = errno;

	(void)syscall(SYS___futex, (int *)word, FUTEX_WAKE, INT_MAX,
	    (const struct timespec *)NULL, (int *)NULL, 0, 0);
	errno = saved;
}
#else
/* No shared futex here: a bounded sleep, the caller looks again. */
int
host_futex_wait(uint32_t *word, uint32_t val, int ms)
{
	struct timespec	ts = { 0, 1000000 };

	(void)ms;
	if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != val)
		return (0);
	return (nanosleep(&ts, NULL));
}

void
host_futex_wake(uint32_t *word)
{
	(void)word;
}
#endif
