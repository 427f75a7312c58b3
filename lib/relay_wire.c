/*
 * relay_wire.c - the wire between libxpty and xptyd: the run directory,
 * dialling (and starting) the daemon, one request and its reply, the
 * per-process control connection, and how long the library waits.
 * lib/relay.c builds the requests on top of this (relay.h).
 *
 * Theory of operation.
 *
 * The run directory ($XPTY_RUNDIR, $XDG_RUNTIME_DIR/xpty or
 * /tmp/xpty-UID) is checked before anything is done with it
 * (common/sockpath.h, xp_checkdir: every directory above it owned by
 * root or the user and not writable by others unless sticky, links
 * followed only when root or the user owns them, the directory itself
 * the user's with mode 0700).  One that fails is refused: nothing is
 * connected to, created or started there; the caller falls back to the
 * direct engine with one diagnostic (relay_last_error()).  The socket
 * and the lock file are named in the resolved directory.
 *
 * Waits.  No call waits for the daemon without a bound.  Every system
 * call on a connection to it is non-blocking (connect too: a full accept
 * queue gives EAGAIN, tried again every few milliseconds), and the waits
 * between them (lib/xwait.c) end at a deadline XPTY_DAEMON_TIMEOUT
 * milliseconds (RELAY_BOUND_MS by default) after the request began.  A
 * signal interrupts them as it would a kernel sleep: EINTR after a
 * handler installed without SA_RESTART, the wait goes on after one with
 * SA_RESTART.  A request cut short leaves its connection out of step (a
 * reply may still come), so that connection is closed; errno tells the
 * caller how far it got: EINTR (interrupted before it was sent: nothing
 * happened), EINPROGRESS (interrupted after: the daemon may still act on
 * it), ETIMEDOUT (no answer within the bound, whether sent or not).
 *
 * The daemon's health.  A daemon that leaves a wait unfinished (timed
 * out or interrupted) is stalled from the moment that wait began, until
 * it answers something.  Every wait ends no later than the bound after
 * the stall began, so a stopped daemon costs a process one bound in all,
 * not one bound per call; past it the daemon counts as dead
 * (relay_usable() says 0): requests fail at once with ETIMEDOUT and new
 * ptys use the direct engine, until RELAY_RETRY_MS later, when it is
 * given another chance.  relay.c's callers decide what a failure means
 * for a pty (fall back to the direct engine, or fail with an errno).
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
 * when idle) or a connection that ends before the reply drops the
 * connection, and the request is tried once more on a new one: no
 * request is lost, since a request the daemon has accepted is always
 * served (xptyd's server_close_idle).  XP_ADOPT has no reply; the daemon
 * never lets a later request overtake it (proto.h).
 *
 * Starting the daemon is race-free in the way tmux does it: connect; on
 * ENOENT or ECONNREFUSED take <socket>.lock with flock(); if it was busy,
 * wait for it (within the bound) and start over; holding it, try to
 * connect once more; only then remove a stale socket and spawn xptyd,
 * which releases the lock after it has bound the socket.  It is spawned
 * detached (host_spawn_detached, lib/host.h): the application gets no
 * SIGCHLD and its wait() calls never see it.  The daemon is checked to
 * run under our own uid (host_peer_uid) before anything is sent to it.
 * The descriptor holding the lock is recorded, inside the fork gate
 * (forkgate.c), so that a child forked meanwhile closes its copy
 * (relay_forked()) rather than keep the lock held.
 *
 * Constraints of a preloaded library: no malloc, no stdio; raw calls
 * (lib/sys.h) and the host's (lib/host.h) only.  Private descriptors are
 * close-on-exec and live at high numbers, never 0-2.  State: the text of
 * the last error, the control connection (descriptor, owner pid, inode)
 * and its lock word, the start lock's descriptor, the bound and the time
 * the daemon stalled (atomics).
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
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys.h"
#include "host.h"
#include "relay.h"
#include "proto.h"
#include "sockpath.h"
#include "scmrights.h"

#ifndef XPTY_LIBEXECDIR
#define XPTY_LIBEXECDIR	"/usr/local/libexec"
#endif

#define RELAY_BOUND_MS	2000	/* default XPTY_DAEMON_TIMEOUT */
#define RELAY_RETRY_MS	10000	/* a dead daemon is tried again after */
#define RELAY_POLL_MS	5	/* retrying a full accept queue, a lock */
#define XP_MAXPARTS	2	/* payload parts of one request */

extern char	**environ;

static char	relay_err[256];

/* The control connection (see the top of the file). */
static int		ctl_fd = -1;
static pid_t		ctl_pid;
static uint64_t		ctl_ino;
static _Atomic(pid_t)	ctl_lock;

static int		start_lockfd = -1;	/* holds the start lock */
static _Atomic(int)	bound_ms;		/* 0: not read yet */
static _Atomic(int64_t)	stall_since;		/* 0: the daemon answers */

const char *
relay_last_error(void)
{
	return (relay_err[0] != '\0' ? relay_err : "no error");
}

/* Record why; errno is preserved. */
void
relay_why(const char *a, const char *b)
{
	int	e = errno;

	relay_err[0] = '\0';
	xp_append(relay_err, sizeof(relay_err), a);
	if (b != NULL) {
		xp_append(relay_err, sizeof(relay_err), ": ");
		xp_append(relay_err, sizeof(relay_err), b);
	}
	errno = e;
}

void
relay_why_errno(const char *a)
{
	relay_why(a, errno == ETIMEDOUT ? "xptyd does not answer" :
	    strerror(errno));
}

/* ---- descriptors ---- */

void
relay_close(int fd)
{
	int	e = errno;

	if (fd >= 0)
		xsys_close(fd);
	errno = e;
}

uint64_t
relay_ino(int fd)
{
	struct stat	st;

	if (xsys_fstat(fd, &st) == -1)
		return (0);
	return ((uint64_t)st.st_ino);
}

/* ---- how long to wait ---- */

/* XPTY_DAEMON_TIMEOUT, read once (a benign race: all read the same). */
int
relay_bound(void)
{
	const char	*e;
	int		 ms = atomic_load_explicit(&bound_ms,
	    memory_order_relaxed);
	long		 v;
	char		*end;

	if (ms > 0)
		return (ms);
	ms = RELAY_BOUND_MS;
	if ((e = getenv("XPTY_DAEMON_TIMEOUT")) != NULL && *e != '\0') {
		v = strtol(e, &end, 10);
		if (*end == '\0' && v >= 1 && v <= 600000)
			ms = (int)v;
	}
	atomic_store_explicit(&bound_ms, ms, memory_order_relaxed);
	return (ms);
}

/* The deadline of a request beginning now; in the past if it is dead. */
static int64_t
relay_deadline(void)
{
	int64_t	now = xwait_now(), s;

	s = atomic_load_explicit(&stall_since, memory_order_relaxed);
	if (s != 0 && now - s >= relay_bound() + RELAY_RETRY_MS) {
		/* long enough: give it another chance */
		atomic_compare_exchange_strong(&stall_since, &s, 0);
		s = 0;
	}
	return ((s != 0 ? s : now) + relay_bound());
}

int
relay_usable(void)
{
	return (relay_deadline() > xwait_now());
}

/* A wait that began at t0 did not finish: the daemon stalls. */
static void
relay_stalled(int64_t t0)
{
	int64_t	zero = 0;

	if (t0 == 0)
		t0 = 1;
	atomic_compare_exchange_strong(&stall_since, &zero, t0);
}

static void
relay_answered(void)
{
	if (atomic_load_explicit(&stall_since, memory_order_relaxed) != 0)
		atomic_store(&stall_since, 0);
}

/*
 * Wait until fd polls events, or the deadline: 0 ready; -1 with errno
 * ETIMEDOUT or EINTR (the daemon counts as stalled then, unless this is
 * a wait it may impose: flow).
 */
static int
relay_wait(int fd, short events, int64_t deadline, int flow)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	int64_t		t0 = xwait_now();
	int		r;

	r = xwait_poll(&pfd, 1, deadline);
	if (r == 1)
		return (0);
	if (r == 0 || errno == EINTR) {
		if (!flow)
			relay_stalled(t0);
		if (r == 0)
			errno = ETIMEDOUT;
	}
	return (-1);
}

/* ---- the run directory ---- */

/*
 * The socket and lock paths, in the checked and resolved run directory;
 * -1 with relay_err set if it is not safe (nothing is done with it).
 */
static int
relay_paths(char *sock, char *lock)
{
	char	dir[XP_PATHMAX], canon[XP_PATHMAX], why[256];

	if (xp_rundir(dir, sizeof(dir)) == -1) {
		relay_why("the run directory's path is too long", NULL);
		return (-1);
	}
	if (xp_checkdir(dir, canon, sizeof(canon), 1, why, sizeof(why)) == -1) {
		relay_why(why, NULL);
		return (-1);
	}
	if (xp_sockpath(sock, XP_PATHMAX, canon, NULL) == -1 ||
	    xp_sockpath(lock, XP_PATHMAX + 8, canon, ".lock") == -1) {
		relay_why("socket path too long", NULL);
		return (-1);
	}
	return (0);
}

/* ---- connecting ---- */

static int
relay_socket(int cloexec)
{
	return (xsys_socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    (cloexec ? SOCK_CLOEXEC : 0), 0));
}

/*
 * Connect (fd is non-blocking): a full accept queue (EAGAIN) is tried
 * again until the deadline.  -1 with errno (ETIMEDOUT, EINTR...).
 */
static int
relay_connect_once(int fd, const char *path, int64_t deadline)
{
	struct sockaddr_un	sun;
	int64_t			t0 = xwait_now();

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	for (;;) {
		if (xsys_connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return (0);
		if (errno == EINPROGRESS)	/* hosts that connect later */
			return (relay_wait(fd, POLLOUT, deadline, 0));
		if (errno != EAGAIN && errno != EINTR)
			return (-1);
		if (xwait_now() >= deadline) {
			relay_stalled(t0);
			errno = ETIMEDOUT;
			return (-1);
		}
		if (xwait_sleep(xwait_deadline(RELAY_POLL_MS)) == -1) {
			relay_stalled(t0);
			return (-1);
		}
	}
}

/* The daemon must be our own uid. */
static int
relay_check_peer(int fd)
{
	uid_t	uid;
	char	n[24];

	if (host_peer_uid(fd, &uid) == -1) {
		relay_why_errno("the daemon's uid");
		return (-1);
	}
	if (uid != getuid()) {
		n[0] = '\0';
		xp_append_uint(n, sizeof(n), (unsigned long)uid);
		relay_why("the daemon socket is served by another uid", n);
		errno = EACCES;
		return (-1);
	}
	return (0);
}

/* ---- starting the daemon ---- */

/* Take the lock on fd without waiting: 0, or -1 if someone has it. */
static int
relay_lock(int fd)
{
	int	r;

	xfd_gate_enter();
	if ((r = xsys_flock(fd, LOCK_EX | LOCK_NB)) == 0)
		start_lockfd = fd;
	xfd_gate_leave();
	return (r);
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

/* Wait (until the deadline) until the lock file can be locked: 0. */
static int
relay_wait_lock(const char *lock, int64_t deadline)
{
	int	fd, e;

	fd = xsys_openat(AT_FDCWD, lock, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		return (-1);
	for (;;) {
		if (relay_lock(fd) == 0) {
			relay_unlock(fd);
			return (0);
		}
		if (xwait_now() >= deadline) {
			errno = ETIMEDOUT;
			break;
		}
		if (xwait_sleep(xwait_deadline(RELAY_POLL_MS)) == -1)
			break;
	}
	e = errno;
	xsys_close(fd);
	errno = e;
	return (-1);
}

static const char *
relay_daemon_path(void)
{
	const char	*e = getenv("XPTY_DAEMON");

#ifdef XPTY_BUILDDIR
	if (e == NULL || *e == '\0') {
		if (access(XPTY_BUILDDIR "/daemon/xptyd", X_OK) == 0)
			return (XPTY_BUILDDIR "/daemon/xptyd");
	}
#endif
	if (e == NULL || *e == '\0')
		e = XPTY_LIBEXECDIR "/xptyd";
	return (e);
}

/*
 * Spawn the daemon with the locked descriptor as its fd 3.  It must not
 * be preloaded with libxpty itself, so LD_PRELOAD and XPTY_MODE are
 * dropped from its environment.  A daemon that cannot be executed is seen
 * here (access) or as a lock released with nobody listening.
 */
static int
relay_spawn(const char *sock, int lockfd)
{
	const char	*path = relay_daemon_path();
	char		*argv[] = { "xptyd", "-S", (char *)sock, "-L", "3",
	    NULL };
	char		**envp;
	size_t		 n = 0, i, k = 0, len;
	int		 r, e;

	if (access(path, X_OK) == -1) {
		relay_why_errno(path);
		return (-1);
	}
	while (environ != NULL && environ[n] != NULL)
		n++;
	/* mapped, not on the stack: environ has no bound (internal.h) */
	len = (n + 2) * sizeof(char *);
	envp = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (envp == MAP_FAILED) {
		relay_why_errno("mmap");
		return (-1);
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
		return (-1);
	}
	return (0);
}

/*
 * Holding the lock: connect once more, else remove a stale socket and
 * start the daemon.  0 when fd is connected, 1 started, -1 failed.
 */
static int
relay_start_locked(int fd, const char *sock, int lockfd, int64_t deadline)
{
	if (relay_connect_once(fd, sock, deadline) == 0)
		return (0);
	if (errno != ENOENT && errno != ECONNREFUSED)
		return (-1);
	unlink(sock);
	if (relay_spawn(sock, lockfd) == -1)
		return (-1);
	return (1);	/* started: wait for the lock, then connect */
}

/* Take the start lock and start the daemon: 0 connected, 1 try again. */
static int
relay_start(int fd, const char *sock, const char *lock, int64_t deadline)
{
	int	lockfd, r;

	lockfd = xsys_openat(AT_FDCWD, lock, O_WRONLY | O_CREAT | O_CLOEXEC,
	    0600);
	if (lockfd == -1) {
		relay_why_errno(lock);
		return (-1);
	}
	lockfd = xsys_fd_private(lockfd);
	if (relay_lock(lockfd) == -1) {
		/* someone else is starting it */
		xsys_close(lockfd);
		if (relay_wait_lock(lock, deadline) == -1) {
			relay_why_errno("waiting for xptyd to start");
			return (-1);
		}
		return (1);
	}
	r = relay_start_locked(fd, sock, lockfd, deadline);
	relay_unlock(lockfd);	/* the daemon holds it until bound */
	if (r == -1)
		relay_why_errno(sock);
	if (r != 1)
		return (r);
	if (relay_wait_lock(lock, deadline) == -1) {
		relay_why_errno("waiting for xptyd to start");
		return (-1);
	}
	return (1);
}

/*
 * Connect fd to the daemon, starting it if may_start, by the deadline.
 * On failure -1 with errno and relay_err set.
 */
static int
relay_connect(int fd, int may_start, int64_t deadline)
{
	char	sock[XP_PATHMAX], lock[XP_PATHMAX + 8];
	int	tries, r;

	if (relay_paths(sock, lock) == -1)
		return (-1);
	for (tries = 0; tries < 3; tries++) {
		if (relay_connect_once(fd, sock, deadline) == 0)
			return (relay_check_peer(fd));
		if ((errno != ENOENT && errno != ECONNREFUSED) || !may_start) {
			relay_why_errno(sock);
			return (-1);
		}
		if ((r = relay_start(fd, sock, lock, deadline)) != 1)
			return (r == 0 ? relay_check_peer(fd) : -1);
	}
	relay_why_errno(sock);
	return (-1);
}

/* A new connected socket (at the lowest free number, like open()). */
static int
relay_dial(int cloexec, int may_start, int64_t deadline)
{
	int	fd;

	if ((fd = relay_socket(cloexec)) == -1) {
		relay_why_errno("socket");
		return (-1);
	}
	if (relay_connect(fd, may_start, deadline) == -1) {
		relay_close(fd);
		return (-1);
	}
	return (fd);
}

/* ---- one request ---- */

/*
 * Send one request (one sendmsg: header, then the payload's parts) with
 * nfd descriptors attached, waiting for room until the deadline.  0; or
 * -1 with errno (EPIPE, ECONNRESET: the connection is gone; ETIMEDOUT,
 * EINTR: nothing was sent).
 */
static int
relay_send(int fd, const uint8_t *hdr, const struct iovec *pay, int npay,
    const int *fds, int nfd, int64_t deadline)
{
	struct iovec	 iov[1 + XP_MAXPARTS];
	struct msghdr	 msg;
	size_t		 len = XP_HDRLEN;
	int		 i, waited = 0;
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
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)(1 + npay);
	xp_cmsg_put(&msg, cm.b, fds, nfd);
	for (;;) {
		n = xsys_sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == (ssize_t)len) {
			if (waited)
				relay_answered();	/* it made room */
			return (0);
		}
		if (n >= 0) {
			errno = EPIPE;	/* cut: the daemon drops the rest */
			return (-1);
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return (-1);
		if (relay_wait(fd, POLLOUT, deadline, 0) == -1)
			return (-1);
		waited = 1;
	}
}

/*
 * Receive exactly one reply, and the descriptor it may carry, by the
 * deadline.  -1 with errno: ECONNRESET (the connection ended), ETIMEDOUT,
 * EINTR, EPROTO; -3 (flow set, ETIMEDOUT) if nothing of the reply came,
 * the connection still in step, so that the caller may wait on.
 */
static int
relay_recv(int fd, struct xp_reply *r, int *gotfd, int64_t deadline,
    int flow)
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
	while (have < sizeof(buf)) {
		iov.iov_base = buf + have;
		iov.iov_len = sizeof(buf) - have;
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cm.b;
		msg.msg_controllen = sizeof(cm.b);
		n = xsys_recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (relay_wait(fd, POLLIN, deadline, flow) == 0)
				continue;
			if (flow && have == 0 && errno == ETIMEDOUT)
				return (-3);
			goto fail;
		}
		if (n <= 0) {
			if (n == 0)
				errno = ECONNRESET;
			goto fail;
		}
		/* the first descriptor is kept, any other closed */
		(void)xp_cmsg_take(&msg, gotfd, &ngot, 1);
		have += (size_t)n;
	}
	relay_answered();
	if (xp_get_reply(buf, r) == -1) {
		errno = EPROTO;
		goto fail;
	}
	return (0);

fail:
	relay_close(*gotfd);
	*gotfd = -1;
	return (-1);
}

/* Was errno a connection that broke (worth one more try on a new one)? */
static int
relay_broken(int e)
{
	return (e == EPIPE || e == ECONNRESET || e == ENOTCONN);
}

/*
 * May the daemon hold this request's reply back (flow control: a message
 * it places only once the reader has made room)?  Then silence past the
 * bound is no sign of death by itself: relay_alive() asks.
 */
static int
relay_flow(enum xp_type type)
{
	return (type == XP_ZERO || type == XP_EVENT);
}

/* The reply to the request sent on fd; as relay_call() (and -3). */
static int
relay_reply(int fd, enum xp_type type, struct xp_reply *r, int *wantfd,
    int64_t deadline)
{
	int	got, rv;

	if ((rv = relay_recv(fd, r, &got, deadline, relay_flow(type))) == -3)
		return (-3);
	if (rv == -1) {
		if (errno == EINTR)
			errno = EINPROGRESS;	/* it was sent */
		relay_why_errno("talking to xptyd");
		return (-2);
	}
	if (r->err != 0) {
		relay_close(got);
		errno = r->err;
		relay_why_errno("xptyd refused the request");
		return (-1);
	}
	if (wantfd != NULL)
		*wantfd = got;
	else
		relay_close(got);
	return (0);
}

/*
 * One request on fd, and its reply unless the type has none.  With wantfd
 * NULL a descriptor in the reply is closed.  Returns 0; -1 with errno the
 * daemon's error; -2 if the connection must be dropped (errno: broken,
 * try again on a new one; or ETIMEDOUT, EINTR, EINPROGRESS as above); -3
 * if a reply the daemon may hold back has not come by the deadline.
 */
static int
relay_call(int fd, enum xp_type type, const struct iovec *pay, int npay,
    const int *fds, int nfd, struct xp_reply *r, int *wantfd,
    int64_t deadline)
{
	uint8_t	hdr[XP_HDRLEN];
	size_t	len = 0;
	int	i;

	for (i = 0; i < npay; i++)
		len += pay[i].iov_len;
	xp_put_hdr(hdr, type, (uint32_t)len);
	if (relay_send(fd, hdr, pay, npay, fds, nfd, deadline) == -1) {
		relay_why_errno("talking to xptyd");
		return (-2);
	}
	if (!xp_has_reply(type))
		return (0);
	return (relay_reply(fd, type, r, wantfd, deadline));
}

/*
 * Does the daemon answer (XP_STATUS on a connection of its own, within
 * the bound)?  A reply it holds back for flow control is waited for as
 * long as it does: the writer waits, as on a full stream.
 */
static int
relay_alive(void)
{
	struct xp_reply	r;
	int64_t		t0 = xwait_now(), d = t0 + relay_bound();
	int		fd, ok;

	if ((fd = relay_dial(1, 0, d)) == -1)
		return (0);
	ok = relay_call(fd, XP_STATUS, NULL, 0, NULL, 0, &r, NULL, d) == 0;
	relay_close(fd);
	if (!ok)
		relay_stalled(t0);
	return (ok);
}

/*
 * relay_call(), and for a reply the daemon holds back, the rest of the
 * wait: a bound at a time, for as long as the daemon answers otherwise.
 */
static int
relay_call_wait(int fd, enum xp_type type, const struct iovec *pay,
    int npay, const int *fds, int nfd, struct xp_reply *r, int *wantfd,
    int64_t deadline)
{
	int	rv;

	rv = relay_call(fd, type, pay, npay, fds, nfd, r, wantfd, deadline);
	while (rv == -3) {
		if (!relay_alive()) {
			errno = ETIMEDOUT;
			relay_why_errno("talking to xptyd");
			return (-2);
		}
		rv = relay_reply(fd, type, r, wantfd,
		    xwait_deadline(relay_bound()));
	}
	return (rv);
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
		return (0);
	if (cur != me && atomic_compare_exchange_strong(&ctl_lock, &cur, me))
		return (0);
	return (-1);
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
		if (ctl_pid == xsys_self() || relay_ino(ctl_fd) == ctl_ino) {
			xfd_set_private(ctl_fd, NULL);
			relay_close(ctl_fd);
		}
		ctl_fd = -1;
	}
}

/* This process's control connection (lock held), dialled if need be. */
static int
ctl_get(pid_t me, int may_start, int64_t deadline)
{
	int	fd;

	if (ctl_fd != -1 && ctl_pid != me)
		ctl_drop();		/* the parent's, inherited at fork */
	if (ctl_fd != -1)
		return (ctl_fd);
	if ((fd = relay_dial(1, may_start, deadline)) == -1)
		return (-1);
	fd = xsys_fd_private(fd);
	ctl_ino = relay_ino(fd);
	ctl_pid = me;
	ctl_fd = fd;
	xfd_set_private(fd, &ctl_fd);
	return (fd);
}

/*
 * A request on the control connection (or, if it is busy, on a one-shot
 * connection), tried once more on a new connection if the old one broke.
 * may_start: start the daemon if it is not running.  0, or -1 with errno
 * and relay_err set (errno as the top of the file says).
 */
int
relay_req(enum xp_type type, const struct iovec *pay, int npay,
    const int *fds, int nfd, struct xp_reply *r, int *wantfd, int may_start)
{
	int64_t	deadline = relay_deadline();
	pid_t	me = xsys_self();
	int	fd, rv = -2, tries, e = 0;

	if (deadline <= xwait_now()) {
		errno = ETIMEDOUT;	/* dead for now: no waiting at all */
		relay_why_errno("xptyd");
		return (-1);
	}
	for (tries = 0; tries < 2 && rv == -2; tries++) {
		if (tries > 0 && !relay_broken(e))
			break;
		if (ctl_acquire(me) == 0) {
			if ((fd = ctl_get(me, may_start, deadline)) == -1) {
				ctl_release();
				return (-1);
			}
			rv = relay_call_wait(fd, type, pay, npay, fds, nfd, r,
			    wantfd, deadline);
			e = errno;
			if (rv == -2)
				ctl_drop();
			ctl_release();
		} else {
			if ((fd = relay_dial(1, may_start, deadline)) == -1)
				return (-1);
			rv = relay_call_wait(fd, type, pay, npay, fds, nfd, r,
			    wantfd, deadline);
			e = errno;
			relay_close(fd);
		}
	}
	if (rv == 0)
		return (0);
	errno = e;
	return (-1);
}
