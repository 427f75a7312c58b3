/*
 * relay.c - libxpty's client of xptyd, the relay daemon.
 *
 * Theory of operation.  In the relay engine an application's manager
 * descriptor is one end of an AF_UNIX stream socketpair whose other end
 * xptyd relays to a host manager (man/man8/xptyd.8).  This file makes
 * such sockets and speaks the request protocol of common/proto.h:
 *
 *   relay_open      open a new pty here (a private copy of the host
 *                   manager stays for the control ioctls), set its stream
 *                   up (xstate_new: raw, no modules; the page store makes
 *                   its page), make a socketpair, and post XP_ADOPT (or
 *                   XP_ADOPT_PAGE, with the page) with the daemon's end
 *                   and the host manager; no round trip: bytes the
 *                   application writes before the daemon has adopted them
 *                   wait in the socket
 *   relay_fetch_page  XP_PAGE: the page store's page of a pty this
 *                   process holds a descriptor of but has no page for
 *   relay_reattach  after the manager read 0 (the daemon shut its writing
 *                   half down: a zero-length message), XP_ATTACH fetches
 *                   the connection the daemon made to follow it, and
 *                   dup3() puts it under the same number (epoll
 *                   registrations of the number follow, epoll_follow.c);
 *                   every holder of the ended socket fetches the same one,
 *                   and all but the first are told the message was already
 *                   read
 *   relay_identify  XP_IDENTIFY: which pty is this inherited socket?
 *                   Only sockets whose peer has an XP_MARK name are asked
 *   relay_zero_write, relay_event
 *                   from a process holding the subsidiary (passed along as
 *                   proof): place a zero-length message or a pckt message
 *                   at the current point of the stream; returns when the
 *                   daemon has placed it
 *   relay_set_pckt  XP_PCKT: frame the stream for getmsg()
 *   relay_release   XP_RELEASE: the application takes the host manager
 *                   (a Linux data-path ioctl, TIOCPKT); the daemon ends
 *                   the stream, and relay_reattach then puts the host
 *                   manager under the descriptor number
 *   relay_sync_close  XP_SYNC after the last close in this process
 *
 * The control connection.  Requests go over one connection per process,
 * kept open (private, high, close-on-exec, registered with the fdtable so
 * the application cannot close it).  It belongs to the process that made
 * it: a child after fork sees another pid, closes its inherited copy and
 * dials its own, so parent and child never share one.  A lock word
 * (holding the pid of its user) keeps two threads, or a signal handler
 * and the code it interrupted, off it at the same time; whoever finds it
 * busy uses a one-shot connection instead, so nothing ever waits for it.
 * A send that fails (EPIPE: the daemon exited or shut the connection down
 * when idle) or a reply that never comes drops the connection, and the
 * request is tried once more on a new one: no request is lost, since a
 * request the daemon has accepted is always served (xptyd's
 * server_close_idle).  XP_ADOPT has no reply; the daemon never lets a
 * later request overtake it (proto.h).
 *
 * Starting the daemon is race-free in the way tmux does it: connect; on
 * ENOENT or ECONNREFUSED take <socket>.lock with flock(); if it was busy,
 * wait for it and start over; holding it, try to connect once more; only
 * then remove a stale socket and spawn xptyd, which releases the lock
 * after it has bound the socket.  It is spawned detached
 * (host_spawn_detached, lib/host.h): the application gets no SIGCHLD and
 * its wait() calls never see it.  The daemon is checked to run under our
 * own uid (host_peer_uid) before anything is sent to it.
 *
 * Constraints of a preloaded library: no malloc, no stdio; interposed
 * names (open, close, fcntl, dup3, fstat, recvmsg...) are reached through
 * lib/sys.h's raw calls, the host's ptys and sockets through lib/host.h.
 *
 * Descriptors (the rule of lib/sys.h: private ones are close-on-exec at
 * XPTY_PRIVATE_FDMIN and up).  The control connection is ctl_fd's, which
 * ctl_drop closes (and only in the process that dialled it, or the same
 * socket inherited).  relay_open gives the caller the application's end
 * of the socketpair (at the lowest free number, as open() would) and the
 * private host manager copy (*hostfd: the daemon got its own copy), whose
 * owner becomes the caller's xstream; the daemon's end of the pair and
 * the state page are closed here once sent.  relay_identify returns a private host
 * manager copy the same way.  One-shot connections and the lock file are
 * closed before the call returns.
 *
 * State: the text of the last error, the control connection (descriptor,
 * owner pid, inode) and its lock word.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"
#include "host.h"
#include "store.h"
#include "relay.h"
#include "proto.h"
#include "sockpath.h"
#include "scmrights.h"

#ifndef XPTY_LIBEXECDIR
#define XPTY_LIBEXECDIR	"/usr/local/libexec"
#endif

#define RELAY_WAIT_MS	10000	/* for the start lock and the daemon */
#define XP_MAXPARTS	2	/* payload parts of one request */

extern char	**environ;

static char	relay_err[512];

/* The control connection (see the top of the file). */
static int		ctl_fd = -1;
static pid_t		ctl_pid;
static uint64_t		ctl_ino;
static _Atomic(pid_t)	ctl_lock;

const char *
relay_last_error(void)
{
	return relay_err[0] != '\0' ? relay_err : "no error";
}

/* Record why; errno is preserved. */
static void
relay_why(const char *a, const char *b)
{
	int	e = errno;

	relay_err[0] = '\0';
	xp_append(relay_err, sizeof relay_err, a);
	if (b != NULL) {
		xp_append(relay_err, sizeof relay_err, ": ");
		xp_append(relay_err, sizeof relay_err, b);
	}
	errno = e;
}

static void
relay_why_errno(const char *a)
{
	relay_why(a, strerror(errno));
}

/* ---- descriptors ---- */

static void
relay_close(int fd)
{
	int	e = errno;

	if (fd >= 0)
		xsys_close(fd);
	errno = e;
}

static void
relay_sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- paths ---- */

static int
relay_paths(char *dir, char *sock, char *lock)
{
	if (xp_rundir(dir, XP_PATHMAX) == -1 ||
	    xp_sockpath(sock, XP_PATHMAX, dir, NULL) == -1 ||
	    (lock != NULL && xp_sockpath(lock, XP_PATHMAX + 8, dir,
	    ".lock") == -1)) {
		relay_why("socket path too long", NULL);
		return -1;
	}
	return 0;
}

/* ---- connecting ---- */

static int
relay_socket(int cloexec)
{
	return xsys_socket(AF_UNIX, SOCK_STREAM | (cloexec ? SOCK_CLOEXEC : 0),
	    0);
}

static int
relay_connect_once(int fd, const char *path)
{
	struct sockaddr_un	sun;
	int			r;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	do
		r = xsys_connect(fd, (struct sockaddr *)&sun, sizeof sun);
	while (r == -1 && errno == EINTR);
	return r;
}

/* The daemon must be our own uid. */
static int
relay_check_peer(int fd)
{
	uid_t	uid;
	char	n[24];

	if (host_peer_uid(fd, &uid) == -1) {
		relay_why_errno("the daemon's uid");
		return -1;
	}
	if (uid != getuid()) {
		n[0] = '\0';
		xp_append_uint(n, sizeof n, (unsigned long)uid);
		relay_why("the daemon socket is served by another uid", n);
		errno = EACCES;
		return -1;
	}
	return 0;
}

/*
 * The start lock, while this process holds it.  flock() locks belong to
 * the open file description, which a child forked by another thread
 * meanwhile shares: a child that kept it would keep the lock from being
 * released, and wait for it in vain.  So the descriptor holding it is
 * recorded (inside the fork gate, forkgate.c) and relay_forked() closes
 * the child's copy.
 */
static int	start_lockfd = -1;

/* Take the lock on fd without waiting: 0, or -1 if someone has it. */
static int
relay_lock(int fd)
{
	int	r;

	xfd_gate_enter();
	if ((r = xsys_flock(fd, LOCK_EX | LOCK_NB)) == 0)
		start_lockfd = fd;
	xfd_gate_leave();
	return r;
}

/* Close fd, the lock file's, releasing the lock if fd held it. */
static void
relay_unlock(int fd)
{
	xfd_gate_enter();
	if (start_lockfd == fd)
		start_lockfd = -1;
	xsys_close(fd);
	xfd_gate_leave();
}

void
relay_forked(void)
{
	if (start_lockfd != -1) {
		xsys_close(start_lockfd);
		start_lockfd = -1;
	}
}

/* Wait (bounded) until the lock file can be locked; 0 when it could. */
static int
relay_wait_lock(const char *lock)
{
	int	fd, ms;

	fd = xsys_openat(AT_FDCWD, lock, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	for (ms = 0; ms < RELAY_WAIT_MS; ms += 5) {
		if (relay_lock(fd) == 0) {
			relay_unlock(fd);
			return 0;
		}
		relay_sleep_ms(5);
	}
	xsys_close(fd);
	errno = ETIMEDOUT;
	return -1;
}

static const char *
relay_daemon_path(void)
{
	const char	*e = getenv("XPTY_DAEMON");

#ifdef XPTY_BUILDDIR
	if (e == NULL || *e == '\0') {
		if (access(XPTY_BUILDDIR "/daemon/xptyd", X_OK) == 0)
			return XPTY_BUILDDIR "/daemon/xptyd";
	}
#endif
	if (e == NULL || *e == '\0')
		e = XPTY_LIBEXECDIR "/xptyd";
	return e;
}

/*
 * Spawn the daemon with the locked descriptor as its fd 3.  It must not
 * be preloaded with libxpty itself, so LD_PRELOAD and XPTY_MODE are
 * dropped from its environment.  It is no child of the application
 * (host_spawn_detached).  A daemon that cannot be executed is seen here
 * (access) or as a lock released with nobody listening.
 */
static int
relay_spawn(const char *sock, int lockfd)
{
	const char	*path = relay_daemon_path();
	char		*argv[] = { "xptyd", "-S", (char *)sock, "-L", "3", NULL };
	char		**envp;
	size_t		 n = 0, i, k = 0, len;
	int		 r, e;

	if (access(path, X_OK) == -1) {
		relay_why_errno(path);
		return -1;
	}
	while (environ != NULL && environ[n] != NULL)
		n++;
	/* mapped, not on the stack: environ has no bound (internal.h) */
	len = (n + 2) * sizeof(char *);
	envp = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (envp == MAP_FAILED) {
		relay_why_errno("mmap");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], "LD_PRELOAD=", 11) == 0 ||
		    strncmp(environ[i], "XPTY_MODE=", 10) == 0)
			continue;
		envp[k++] = environ[i];
	}
	envp[k++] = "XPTY_MODE=native";
	envp[k] = NULL;
	r = host_spawn_detached(path, argv, envp, lockfd);
	e = errno;
	munmap(envp, len);
	errno = e;
	if (r == -1) {
		relay_why_errno(path);
		return -1;
	}
	return 0;
}

/*
 * Holding the lock: connect once more, else remove a stale socket and
 * start the daemon.  Returns 0 when fd is connected.
 */
static int
relay_start_locked(int fd, const char *sock, const char *lock, int lockfd)
{
	if (relay_connect_once(fd, sock) == 0)
		return 0;
	unlink(sock);
	if (relay_spawn(sock, lockfd) == -1)
		return -1;
	return 1;	/* started: wait for the lock, then connect */
}

/*
 * Connect fd to the daemon, starting it if may_start.  On failure -1 with
 * errno and relay_err set.
 */
static int
relay_connect(int fd, int may_start)
{
	char	dir[XP_PATHMAX], sock[XP_PATHMAX], lock[XP_PATHMAX + 8];
	char	why[512];
	int	lockfd, r, tries;

	if (relay_paths(dir, sock, lock) == -1)
		return -1;
	for (tries = 0; tries < 3; tries++) {
		if (relay_connect_once(fd, sock) == 0)
			return relay_check_peer(fd);
		if ((errno != ENOENT && errno != ECONNREFUSED) || !may_start) {
			relay_why_errno(sock);
			return -1;
		}
		if (xp_checkdir(dir, why, sizeof why) == -1) {
			relay_why(why, NULL);
			return -1;
		}
		lockfd = xsys_openat(AT_FDCWD, lock,
		    O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (lockfd == -1) {
			relay_why_errno(lock);
			return -1;
		}
		lockfd = xsys_fd_private(lockfd);
		if (relay_lock(lockfd) == -1) {
			/* someone else is starting it */
			xsys_close(lockfd);
			if (relay_wait_lock(lock) == -1) {
				relay_why_errno(lock);
				return -1;
			}
			continue;
		}
		r = relay_start_locked(fd, sock, lock, lockfd);
		relay_unlock(lockfd);	/* the daemon holds it until bound */
		if (r == 0)
			return relay_check_peer(fd);
		if (r == -1)
			return -1;
		if (relay_wait_lock(lock) == -1) {
			relay_why_errno("waiting for xptyd to start");
			return -1;
		}
		if (relay_connect_once(fd, sock) == 0)
			return relay_check_peer(fd);
		relay_why_errno("xptyd did not start");
		return -1;
	}
	relay_why_errno(sock);
	return -1;
}

/* A new connected socket (at the lowest free number, like open()). */
static int
relay_dial(int cloexec, int may_start)
{
	int	fd;

	if ((fd = relay_socket(cloexec)) == -1) {
		relay_why_errno("socket");
		return -1;
	}
	if (relay_connect(fd, may_start) == -1) {
		relay_close(fd);
		return -1;
	}
	return fd;
}

/* ---- requests ---- */

/*
 * Send one request (one sendmsg: header, then the payload's parts) with
 * nfd descriptors attached.
 */
static int
relay_send(int fd, const uint8_t *hdr, const struct iovec *pay, int npay,
    const int *fds, int nfd)
{
	struct iovec	 iov[1 + XP_MAXPARTS];
	struct msghdr	 msg;
	size_t		 len = XP_HDRLEN;
	int		 i;
	union {
		struct cmsghdr	h;
		char		b[XP_CMSG_SPACE(XP_MAXFDS)];
	}		 cm;
	ssize_t		 n;

	iov[0].iov_base = (void *)hdr;
	iov[0].iov_len = XP_HDRLEN;
	for (i = 0; i < npay; i++) {
		iov[1 + i] = pay[i];
		len += pay[i].iov_len;
	}
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)(1 + npay);
	xp_cmsg_put(&msg, cm.b, fds, nfd);
	do
		n = xsys_sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		errno = EPIPE;
	return -1;
}

/* Receive exactly one reply, and the descriptor it may carry. */
static int
relay_recv(int fd, struct xp_reply *r, int *gotfd)
{
	uint8_t		 buf[XP_REPLYLEN];
	size_t		 have = 0;
	struct iovec	 iov;
	struct msghdr	 msg;
	union {
		struct cmsghdr	h;
		char		b[XP_CMSG_SPACE(4)];
	}		 cm;
	ssize_t		 n;
	int		 ngot = 0;

	*gotfd = -1;
	while (have < sizeof buf) {
		iov.iov_base = buf + have;
		iov.iov_len = sizeof buf - have;
		memset(&msg, 0, sizeof msg);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cm.b;
		msg.msg_controllen = sizeof cm.b;
		n = xsys_recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ECONNRESET;
			goto fail;
		}
		/* the first descriptor is kept, any other closed */
		(void)xp_cmsg_take(&msg, gotfd, &ngot, 1);
		have += (size_t)n;
	}
	if (xp_get_reply(buf, r) == -1) {
		errno = EPROTO;
		goto fail;
	}
	return 0;

fail:
	relay_close(*gotfd);
	*gotfd = -1;
	return -1;
}

/*
 * One request on fd, and its reply unless the type has none.  With wantfd
 * NULL a descriptor in the reply is closed.  Returns 0; -1 with errno the
 * daemon's error; -2 if the connection failed (errno EPIPE, ECONNRESET...).
 */
static int
relay_call(int fd, enum xp_type type, const struct iovec *pay, int npay,
    const int *fds, int nfd, struct xp_reply *r, int *wantfd)
{
	uint8_t	hdr[XP_HDRLEN];
	size_t	len = 0;
	int	got, i;

	for (i = 0; i < npay; i++)
		len += pay[i].iov_len;
	xp_put_hdr(hdr, type, (uint32_t)len);
	if (relay_send(fd, hdr, pay, npay, fds, nfd) == -1) {
		relay_why_errno("talking to xptyd");
		return -2;
	}
	if (!xp_has_reply(type))
		return 0;
	if (relay_recv(fd, r, &got) == -1) {
		relay_why_errno("talking to xptyd");
		return -2;
	}
	if (r->err != 0) {
		relay_close(got);
		errno = r->err;
		relay_why_errno("xptyd refused the request");
		return -1;
	}
	if (wantfd != NULL)
		*wantfd = got;
	else
		relay_close(got);
	return 0;
}

static uint64_t
relay_ino(int fd)
{
	struct stat	st;

	if (xsys_fstat(fd, &st) == -1)
		return 0;
	return (uint64_t)st.st_ino;
}

/* ---- the control connection ---- */

/*
 * Take the control connection for this thread; -1 if another thread (or
 * the code a signal handler interrupted) has it.  A lock word holding
 * another pid was inherited from the parent at fork: nobody holds it here.
 */
static int
ctl_acquire(pid_t me)
{
	pid_t	cur = 0;

	if (atomic_compare_exchange_strong(&ctl_lock, &cur, me))
		return 0;
	if (cur != me && atomic_compare_exchange_strong(&ctl_lock, &cur, me))
		return 0;
	return -1;
}

static void
ctl_release(void)
{
	atomic_store(&ctl_lock, 0);
}

/* Forget the control connection; close it if it is still ours. */
static void
ctl_drop(void)
{
	if (ctl_fd != -1) {
		if (ctl_pid == getpid() || relay_ino(ctl_fd) == ctl_ino) {
			xfd_set_private(ctl_fd, NULL);
			relay_close(ctl_fd);
		}
		ctl_fd = -1;
	}
}

/* This process's control connection (lock held), dialled if need be. */
static int
ctl_get(pid_t me, int may_start)
{
	int	fd;

	if (ctl_fd != -1 && ctl_pid != me)
		ctl_drop();		/* the parent's, inherited at fork */
	if (ctl_fd != -1)
		return ctl_fd;
	if ((fd = relay_dial(1, may_start)) == -1)
		return -1;
	fd = xsys_fd_private(fd);
	ctl_ino = relay_ino(fd);
	ctl_pid = me;
	ctl_fd = fd;
	xfd_set_private(fd, &ctl_fd);
	return fd;
}

/*
 * A request on the control connection (or, if it is busy, on a one-shot
 * connection), tried once more on a new connection if the old one failed.
 * may_start: start the daemon if it is not running.  -1 with errno and
 * relay_err set on failure.
 */
static int
relay_req(enum xp_type type, const struct iovec *pay, int npay,
    const int *fds, int nfd, struct xp_reply *r, int *wantfd, int may_start)
{
	pid_t	me = getpid();
	int	fd, rv = -2, tries;

	for (tries = 0; tries < 2 && rv == -2; tries++) {
		if (ctl_acquire(me) == 0) {
			if ((fd = ctl_get(me, may_start)) == -1) {
				ctl_release();
				return -1;
			}
			if ((rv = relay_call(fd, type, pay, npay, fds, nfd, r,
			    wantfd)) == -2)
				ctl_drop();
			ctl_release();
		} else {
			if ((fd = relay_dial(1, may_start)) == -1)
				return -1;
			rv = relay_call(fd, type, pay, npay, fds, nfd, r,
			    wantfd);
			relay_close(fd);
		}
	}
	return rv == 0 ? 0 : -1;
}

/* ---- making data connections ---- */

/*
 * A socketpair for a data connection: sv[0] for the application (at the
 * lowest free number, like open()), sv[1], close-on-exec, for the daemon,
 * marked (host_mark_bind) so that relay_identify recognises it.
 */
static int
relay_pair(int sv[2], uint64_t *ino)
{
	if (xsys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		relay_why_errno("socketpair");
		return -1;
	}
	/* the name only has to be unique: the client end's inode will do */
	*ino = relay_ino(sv[0]);
	(void)host_mark_bind(sv[1], *ino);
	return 0;
}

/* The application's end takes the descriptor flags asked for. */
static int
relay_app_flags(int fd, int cloexec, int nonblock)
{
	if ((!cloexec && xsys_fcntl(fd, F_SETFD, 0) == -1) ||
	    (nonblock && xsys_fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK) == -1)) {
		relay_why_errno("fcntl");
		return -1;
	}
	return 0;
}

/*
 * A host manager, high and close-on-exec.  Its stream is set up (raw, no
 * modules) by the caller, before any subsidiary can be opened.
 */
static int
relay_ptmx(int *ptyno)
{
	int	fd;

	fd = host_open_manager(O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		relay_why_errno("a new pty");
		return -1;
	}
	if ((*ptyno = host_ptyno(fd)) == -1) {
		relay_why_errno("the new pty's number");
		relay_close(fd);
		return -1;
	}
	return xsys_fd_private(fd);
}

/* ---- the interface ---- */

int
relay_open(int oflag, int *hostfd, int *ptyno)
{
	struct xp_reply	r;
	struct iovec	iov;
	uint8_t		pay[8];
	uint64_t	ino;
	int		hfd, sv[2], fds[3], n, pagefd = -1, rv;

	if ((hfd = relay_ptmx(&n)) == -1)
		return -1;
	/* the application's end first: it takes the lowest free number */
	if (relay_pair(sv, &ino) == -1) {
		relay_close(hfd);
		return -1;
	}
	/* the stream is set up before any subsidiary can be opened */
	if (xstate_new(hfd, n, &pagefd) == -1) {
		relay_why_errno("the new pty's stream");
		relay_close(sv[0]);
		relay_close(sv[1]);
		relay_close(hfd);
		return -1;
	}
	xp_put64(pay, ino);
	iov.iov_base = pay;
	iov.iov_len = sizeof pay;
	fds[0] = sv[1];
	fds[1] = hfd;
	fds[2] = pagefd;
	rv = relay_req(pagefd >= 0 ? XP_ADOPT_PAGE : XP_ADOPT, &iov, 1, fds,
	    pagefd >= 0 ? 3 : 2, &r, NULL, 1);
	relay_close(pagefd);	/* the daemon has it now; ours is mapped */
	if (rv == -1 || relay_app_flags(sv[0], (oflag & O_CLOEXEC) != 0,
	    (oflag & O_NONBLOCK) != 0) == -1) {
		relay_close(sv[0]);
		relay_close(sv[1]);
		relay_close(hfd);
		return -1;
	}
	relay_close(sv[1]);	/* the daemon has it now */
	*hostfd = hfd;
	*ptyno = n;
	return sv[0];
}

/*
 * The page store (common/store.h): fetch the state page of pty ptyno from
 * the daemon, proof a descriptor of it (subsidiary, host manager, data
 * socket), and map it here.  -1 with errno (ENOENT: the daemon has none).
 */
int
relay_fetch_page(int ptyno, int proof)
{
	struct xp_reply	r;
	struct iovec	iov;
	uint8_t		pay[4];
	int		pagefd = -1, rv;

	xp_put32(pay, (uint32_t)ptyno);
	iov.iov_base = pay;
	iov.iov_len = sizeof pay;
	if (relay_req(XP_PAGE, &iov, 1, &proof, 1, &r, &pagefd, 0) == -1)
		return -1;
	if (pagefd == -1) {
		errno = EPROTO;
		return -1;
	}
	rv = xstate_page_install(ptyno, pagefd);
	relay_close(pagefd);
	return rv;
}

/*
 * fd read end of file: fetch the connection that follows (XP_ATTACH) and
 * put it under the same number.  Returns 0 if this was the first fetch,
 * so the 0 read was the zero-length message; 1 if another holder of the
 * same socket (a process sharing it after fork, another descriptor of it)
 * fetched it first and consumed that message, so the caller reads on;
 * 2 if the pty was released (XP_RELEASE) and this was the end of its
 * stream: the host manager itself is now under the number, with the
 * socket's status flags (the daemon no longer uses it); -1 with errno on
 * failure (EAGAIN: the daemon is short of resources and keeps the stream
 * ended for now).
 */
/*
 * Put nfd under fd's number (close-on-exec as fd was); epoll
 * registrations of fd follow (host_evreg_*).  A function of its own,
 * so that its registration table is not on the stack during requests.
 */
static __attribute__((noinline)) int
relay_swap_in(int nfd, int fd, int fdfl)
{
	struct host_evregs ep;
	int		rv, saved;

	host_evreg_detach(fd, &ep);	/* event registrations follow */
	rv = xsys_dup3(nfd, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
	saved = errno;
	host_evreg_attach(fd, &ep);
	errno = saved;
	return rv;
}

int
relay_reattach(int fd, struct xstream *xs)
{
	struct xp_reply	r;
	int		nfd = -1, fl, fdfl, rv;

	(void)xs;
	if ((fl = xsys_fcntl(fd, F_GETFL, 0)) == -1 ||
	    (fdfl = xsys_fcntl(fd, F_GETFD, 0)) == -1)
		return -1;
	if (relay_req(XP_ATTACH, NULL, 0, &fd, 1, &r, &nfd, 0) == -1)
		return -1;
	if (nfd == -1) {
		errno = EPROTO;
		return -1;
	}
	/* status flags belong to the shared connection: set them alike */
	if (xsys_fcntl(nfd, F_SETFL, fl) == -1) {
		relay_close(nfd);
		return -1;
	}
	rv = relay_swap_in(nfd, fd, fdfl);
	relay_close(nfd);
	if (rv == -1)
		return -1;
	if (r.aux2 == XP_RELEASED)
		return 2;
	return r.aux2 != 0;
}

/*
 * Cheap for ordinary descriptors: one fstat; sockets also getpeername;
 * only a socket whose peer carries the mark (host_mark_peer) costs a
 * request.
 */
int
relay_identify(int fd, int *hostfd, int *ptyno)
{
	struct stat	st;
	struct xp_reply	r;
	int		hfd;

	if (xsys_fstat(fd, &st) == -1)
		return -1;
	if (!S_ISSOCK(st.st_mode) || host_mark_peer(fd) != 1)
		goto notours;
	if (relay_req(XP_IDENTIFY, NULL, 0, &fd, 1, &r, &hfd, 0) == -1)
		return -1;
	if (hfd == -1) {
		errno = EPROTO;
		return -1;
	}
	*hostfd = xsys_fd_private(hfd);
	*ptyno = r.ptyno;
	return 0;

notours:
	errno = ENOENT;
	return -1;
}

/* A request whose payload is one 32-bit value. */
static int
relay_req32(enum xp_type type, uint32_t v, int *fd, struct xp_reply *r)
{
	struct iovec	iov;
	uint8_t		pay[4];

	xp_put32(pay, v);
	iov.iov_base = pay;
	iov.iov_len = sizeof pay;
	return relay_req(type, &iov, 1, fd, fd != NULL, r, NULL, 0);
}

int
relay_zero_write(int ptyno, int subsidfd)
{
	struct xp_reply	r;

	return relay_req32(XP_ZERO, (uint32_t)ptyno, &subsidfd, &r);
}

int
relay_event(int ptyno, int subsidfd, int mtype, const void *payload,
    size_t len)
{
	struct xp_reply	r;
	struct iovec	iov[2];
	uint8_t		pay[8];

	if (len > XP_MAXEVENT || mtype < 0 || mtype > 0xff ||
	    !xp_frame_type_ok((uint8_t)mtype)) {
		errno = EINVAL;
		return -1;
	}
	memset(pay, 0, 8);
	xp_put32(pay, (uint32_t)ptyno);
	pay[4] = (uint8_t)mtype;
	iov[0].iov_base = pay;
	iov[0].iov_len = sizeof pay;
	iov[1].iov_base = (void *)payload;
	iov[1].iov_len = len;
	return relay_req(XP_EVENT, iov, len > 0 ? 2 : 1, &subsidfd, 1, &r,
	    NULL, 0);
}

/*
 * XP_RELEASE on manager socket fd.  Returns 1 if fd is ended already and
 * nothing follows (once what it holds is read, relay_reattach gives the
 * host manager), 0 if more is still to come through the daemon, -1.
 */
int
relay_release(int fd)
{
	struct xp_reply	r;

	if (relay_req(XP_RELEASE, NULL, 0, &fd, 1, &r, NULL, 0) == -1)
		return -1;
	return r.aux != 0;
}

int
relay_set_pckt(int fd, int on)
{
	struct xp_reply	r;

	return relay_req32(XP_PCKT, on ? 1 : 0, &fd, &r);
}

/*
 * Write on a relayed manager.  When the socket's send queue is empty the
 * daemon has put everything sent through it into the host manager (it
 * consumes only what the manager took), so the bytes may go straight to
 * the host manager: one wakeup less per write.  Whatever the host manager
 * does not take at once goes through the socket, after it, with the
 * socket's own blocking behaviour and flow control.
 */
ssize_t
relay_write(int fd, int hostfd, const void *buf, size_t n)
{
	ssize_t	w = 0, r;
	int	q;

	if (n > 0 && hostfd >= 0 && host_sock_outq(fd, &q) == 0 && q == 0) {
		w = xsys_write(hostfd, buf, n);
		if (w == (ssize_t)n)
			return w;
		if (w < 0)
			w = 0;
	}
	r = xsys_write(fd, (const char *)buf + w, n - (size_t)w);
	if (r < 0)
		return w > 0 ? w : -1;
	return w + r;
}

/*
 * Call after this process closed its last descriptor of a relayed manager
 * (and its private host manager copy): if that was the last anywhere, the
 * daemon hangs the subsidiary up before this returns.  Returns 1 if the
 * pty is hung up or gone, 0 if a manager is still open somewhere, -1 if
 * the daemon cannot be reached.
 */
int
relay_sync_close(int ptyno)
{
	struct xp_reply	r;

	if (relay_req32(XP_SYNC, (uint32_t)ptyno, NULL, &r) == -1)
		return -1;
	return r.aux != 0;
}

int
relay_status(int *pid, int *nptys, int *nconns)
{
	struct xp_reply	r;

	if (relay_req(XP_STATUS, NULL, 0, NULL, 0, &r, NULL, 0) == -1)
		return -1;
	*pid = r.ptyno;
	*nptys = (int)r.aux;
	*nconns = (int)r.aux2 - 1;	/* not counting our control connection */
	return 0;
}

/* Wait until xptyd has handled what already happened on pty ptyno. */
void
relay_barrier(int ptyno)
{
	int	saved = errno;

	(void)relay_sync_close(ptyno);
	errno = saved;
}
