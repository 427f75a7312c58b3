/*
 * lease.c - the lease engine (XPTY_ENGINE=lease, docs/lease.md) as a user
 * sees it, against the relay engine in the same run.
 *
 * Each scenario runs in a child re-executed with XPTY_ENGINE set and a
 * daemon of its own (XPTY_RUNDIR per child) whose expiry tick is long
 * (XPTY_LEASE_MS=300), so what xptyd has relayed into the manager's
 * socket can be looked at from outside the library: a raw FIONREAD on
 * the manager descriptor (syscall(2): libxpty's ioctl would add the host
 * manager's count) says how many bytes xptyd moved.  Under the lease a
 * library read takes the path, so bytes the subsidiary writes stay in
 * the host manager (the socket holds 0) until the tick has seen no
 * library read for a while; then xptyd relays them (the socket holds
 * them, so a reader that bypasses the library sees them).  Under the
 * relay engine xptyd always relays; with XPTY_ENGINE unset the path
 * scenario runs once more, as the default engine must take the path
 * too.  The other scenarios check what must
 * not change: order across a zero-length message and a last close and
 * reopen, writes through both paths, a child after fork reading, a read
 * that a signal interrupts, a manager in an epoll instance, and the
 * stream head's looks at what waits (I_NREAD, FIONREAD, I_PEEK, getmsg),
 * a non-blocking writer whose subsidiary does not read (poll and write
 * agree), and the read that answers the process's own write, which waits
 * with the caller's signal mask (signals and O_NONBLOCK as a host read).
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <poll.h>
#include <pthread.h>
#include <termios.h>

#include "xtest.h"

#define TICK_MS		300

static pid_t	write_later(int, int);
static int	s_of_answer = -1;	/* sc_answer's subsidiary */

/* Bytes in the manager's socket, as the kernel counts them. */
static int
sock_bytes(int m)
{
	int	n = -1;

	if (syscall(SYS_ioctl, m, FIONREAD, &n) == -1)
		return (-1);
	return (n);
}

static void
bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
msleep(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* The lease engine: named, or the default (XPTY_ENGINE unset). */
static int
is_lease(void)
{
	const char	*e = getenv("XPTY_ENGINE");

	return (e == NULL || strcmp(e, "lease") == 0);
}

/*
 * The path: a read takes it, xptyd leaves the bytes in the host manager
 * while it is held, and takes it back after the tick.
 */
static void
sc_path(void)
{
	char	buf[16];
	int	m, s, n;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1)
		bail("pty");
	errno = 0;
	ok(xt_read_nb(m, buf, sizeof(buf)) == -1 && errno == EAGAIN,
	    "a non-blocking read with nothing written: EAGAIN");
	write(s, "ab", 2);
	msleep(50);
	n = sock_bytes(m);
	if (is_lease())
		ok(n == 0, "lease: 50 ms after a write, xptyd has relayed "
		    "nothing (%d)", n);
	else
		ok(n == 2, "relay: 50 ms after a write, xptyd has relayed "
		    "it (%d)", n);
	ok(read(m, buf, sizeof(buf)) == 2 && memcmp(buf, "ab", 2) == 0,
	    "read: the bytes");
	write(s, "cde", 3);
	msleep(4 * TICK_MS);
	n = sock_bytes(m);
	ok(n == 3, "no library read for four ticks: xptyd relayed the "
	    "bytes into the socket (%d)", n);
	ok(read(m, buf, sizeof(buf)) == 3 && memcmp(buf, "cde", 3) == 0,
	    "read: them, from the socket");
	close(s);
	close(m);
}

/* Bytes, a zero-length message, bytes: in order, whoever reads. */
static void
sc_zero(void)
{
	char	buf[16];
	int	m, s;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1)
		bail("pty");
	(void)xt_read_nb(m, buf, sizeof(buf));	/* takes the lease */
	write(s, "12", 2);
	write(s, "", 0);
	write(s, "34", 2);
	ok(read(m, buf, sizeof(buf)) == 2 && memcmp(buf, "12", 2) == 0,
	    "bytes before the zero-length message");
	ok(read(m, buf, sizeof(buf)) == 0, "the zero-length message");
	ok(read(m, buf, sizeof(buf)) == 2 && memcmp(buf, "34", 2) == 0,
	    "bytes after it");
	close(s);
	close(m);
}

/* The last close while a read holds the lease, then a reopen. */
static void
sc_close(void)
{
	char	buf[16], name[64];
	int	m, s;

	if (xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == -1)
		bail("pty");
	(void)xt_read_nb(m, buf, sizeof(buf));
	write(s, "xy", 2);
	close(s);
	ok(read(m, buf, sizeof(buf)) == 2 && memcmp(buf, "xy", 2) == 0,
	    "what was written before the last close");
	ok(read(m, buf, sizeof(buf)) == 0, "the last close: 0");
	s = open(name, O_RDWR | O_NOCTTY);
	ok(s >= 0, "the subsidiary opens again");
	write(s, "zz", 2);
	ok(xt_read_for(m, buf, 2, 2000) == 2 && memcmp(buf, "zz", 2) == 0,
	    "bytes after the reopen");
	close(s);
	close(m);
}

/* Both ways at once, 1 MiB each, checked byte for byte. */
struct pump {
	int	fd;
	size_t	len;
	int	seed;
	int	bad;
};

static void *
writer(void *arg)
{
	struct pump	*p = arg;
	char		 buf[4096];
	size_t		 off = 0, i, n;
	ssize_t		 w;

	while (off < p->len) {
		n = p->len - off < sizeof(buf) ? p->len - off : sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = (char)((off + i) * 7 + (size_t)p->seed);
		for (i = 0; i < n; i += (size_t)w)
			if ((w = write(p->fd, buf + i, n - i)) <= 0) {
				p->bad = 1;
				return (NULL);
			}
		off += n;
	}
	return (NULL);
}

static int
check_stream(int fd, size_t len, int seed)
{
	char	buf[3000];
	size_t	off = 0, i;
	ssize_t	r;

	while (off < len) {
		if ((r = read(fd, buf, sizeof(buf))) <= 0)
			return (-1);
		for (i = 0; i < (size_t)r; i++)
			if (buf[i] != (char)((off + i) * 7 + (size_t)seed))
				return (-1);
		off += (size_t)r;
	}
	return (0);
}

static void
sc_bulk(void)
{
	struct termios	t;
	struct pump	up, down;
	pthread_t	tu, td;
	int		m, s, ru, rd;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1)
		bail("pty");
	tcgetattr(s, &t);
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	up = (struct pump){ m, 1 << 20, 3, 0 };
	down = (struct pump){ s, 1 << 20, 5, 0 };
	pthread_create(&tu, NULL, writer, &up);
	pthread_create(&td, NULL, writer, &down);
	ru = check_stream(s, up.len, up.seed);
	rd = check_stream(m, down.len, down.seed);
	pthread_join(tu, NULL);
	pthread_join(td, NULL);
	ok(ru == 0 && !up.bad, "1 MiB manager -> subsidiary, in order");
	ok(rd == 0 && !down.bad, "1 MiB subsidiary -> manager, in order");
	close(s);
	close(m);
}

/*
 * Count the 'k's that arrive within ms of each other, reading a
 * non-blocking manager (the other process may take what poll announced).
 */
static int
count_ks(int m, int ms)
{
	struct pollfd	pfd = { m, POLLIN, 0 };
	char		buf[64];
	ssize_t		r, i;
	int		n = 0;

	while (poll(&pfd, 1, ms) == 1) {
		if ((r = read(m, buf, sizeof(buf))) > 0) {
			for (i = 0; i < r; i++)
				n += buf[i] == 'k';
		} else if (r == 0 || errno != EAGAIN)
			break;
	}
	return (n);
}

/* A parent and a child after fork reading one manager: nothing lost. */
static void
sc_fork(void)
{
	char	buf[8];
	int	m, s, p[2], i, st, n, cn = -1;
	pid_t	pid;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1 || pipe(p) == -1)
		bail("pty");
	(void)xt_read_nb(m, buf, sizeof(buf));
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	if ((pid = fork()) == 0) {
		close(p[0]);
		n = count_ks(m, 1500);
		write(p[1], &n, sizeof(n));
		_exit(0);
	}
	close(p[1]);
	for (i = 0; i < 200; i++) {
		write(s, "k", 1);
		if (i % 20 == 0)
			msleep(5);
	}
	n = count_ks(m, 1500);
	(void)read(p[0], &cn, sizeof(cn));
	waitpid(pid, &st, 0);
	ok(n + cn == 200, "parent and child read 200 bytes between them "
	    "(%d + %d)", n, cn);
	close(p[0]);
	close(s);
	close(m);
}

static volatile sig_atomic_t	alarms;

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* SIGALRM after ms, with or without SA_RESTART. */
static void
alarm_in(int ms, int flags)
{
	struct sigaction	sa;
	struct itimerval	it;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	sigaction(SIGALRM, &sa, NULL);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * Close, with the raw system call (behind libxpty's back), every signal
 * descriptor of this process at or above XPTY_PRIVATE_FDMIN: the lease
 * engine's kept one (lib/engine_lease.c).  Returns how many.
 */
static int
close_kept_sigfds(void)
{
	char	path[64], link[64];
	int	fd, n = 0;
	ssize_t	len;

	for (fd = 200; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if ((len = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[len] = '\0';
		if (strstr(link, "signalfd") != NULL) {
			syscall(SYS_close, fd);
			n++;
		}
	}
	return (n);
}

/* This process's CPU time so far, in seconds. */
static double
cpu_now(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
}

/*
 * One read that SIGALRM interrupts after 100 ms: EINTR, at once, having
 * slept meanwhile (less than 30 ms of CPU time).
 */
static void
intr_once(int m, const char *what)
{
	char	buf[8];
	ssize_t	r;
	double	t0 = xt_now(), c0 = cpu_now(), cpu;

	alarms = 0;
	alarm_in(100, 0);
	errno = 0;
	r = read(m, buf, sizeof(buf));
	cpu = cpu_now() - c0;
	ok(r == -1 && errno == EINTR && alarms == 1 && xt_now() - t0 < 2.0 &&
	    cpu < 0.03, "%s: a signal without SA_RESTART ends the waiting "
	    "read with EINTR (%zd, %s, %d handler runs, %.2f s, %.3f s CPU)",
	    what, r, strerror(errno), (int)alarms, xt_now() - t0, cpu);
}

/*
 * A read waiting under the lease ends with EINTR for a plain handler and
 * goes on after an SA_RESTART one, as the kernel's read; again with the
 * signal descriptor the engine keeps, and after that descriptor was
 * closed behind its back.
 */
static void
sc_intr(void)
{
	char			buf[8];
	int			m, s, st, n;
	ssize_t			r;
	pid_t			pid;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1)
		bail("pty");
	(void)xt_read_nb(m, buf, sizeof(buf));
	intr_once(m, "a read waiting for data");
	write(s, "q", 1);
	ok(xt_read_for(m, buf, 1, 2000) == 1 && buf[0] == 'q',
	    "the next read gets the byte");
	intr_once(m, "a second waiting read");
	alarms = 0;
	alarm_in(100, SA_RESTART);
	pid = write_later(s, 400);
	r = read(m, buf, sizeof(buf));
	waitpid(pid, &st, 0);
	ok(r == 1 && buf[0] == 'w' && alarms == 1, "a signal with SA_RESTART:"
	    " the read goes on and returns the byte written after it (%zd, "
	    "%d handler runs)", r, (int)alarms);
	n = close_kept_sigfds();
	if (is_lease())
		ok(n == 1, "the lease engine keeps one signal descriptor "
		    "(%d found)", n);
	intr_once(m, "with the kept descriptor closed behind its back");
	intr_once(m, "and again");
	write(s, "z", 1);
	ok(xt_read_for(m, buf, 1, 2000) == 1 && buf[0] == 'z',
	    "then a read gets the byte");
	close(s);
	close(m);
}

/* Write "w" on s after ms, from a child. */
static pid_t
write_later(int s, int ms)
{
	pid_t	pid;

	if ((pid = fork()) == 0) {
		msleep(ms);
		write(s, "w", 1);
		_exit(0);
	}
	return (pid);
}

/* Install fn for sig with sa_flags flags (SIG_DFL: the default). */
static void
set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

/* From a child: sig to this process after ms; "w" on s at wms if > 0. */
static pid_t
signal_later(int sig, int ms, int s, int wms)
{
	pid_t	pid, parent = getpid();

	if ((pid = fork()) == 0) {
		msleep(ms);
		kill(parent, sig);
		if (wms > ms) {
			msleep(wms - ms);
			write(s, "w", 1);
		}
		_exit(0);
	}
	return (pid);
}

/*
 * A request and the read of its answer, which sig (handled by on_alarm)
 * interrupts at 100 ms; the answer comes at 400 ms where the read is to
 * go on (restarts), not at all where it is to end with EINTR.
 */
static void
answer_case(int m, int s, int sig, int restarts, const char *what)
{
	char	buf[8];
	ssize_t	r;
	pid_t	pid;
	int	st, e;

	pid = signal_later(sig, 100, s, restarts ? 400 : 0);
	alarms = 0;
	write(m, "q", 1);
	errno = 0;
	r = read(m, buf, sizeof(buf));
	e = errno;
	waitpid(pid, &st, 0);
	if (restarts)
		ok(r == 1 && buf[0] == 'w' && alarms == 1, "%s: the read of "
		    "the answer goes on and returns it (%zd, %d handler "
		    "runs)", what, r, (int)alarms);
	else
		ok(r == -1 && e == EINTR && alarms == 1, "%s: the read of the "
		    "answer ends with EINTR (%zd, %s, %d handler runs)", what,
		    r, strerror(e), (int)alarms);
	(void)xt_read_nb(s, buf, sizeof(buf));	/* the request */
}

/*
 * O_NONBLOCK set (by fcntl, or FIONBIO) between a write and the read of
 * its answer: EAGAIN at once (a SIGALRM at 2 s would end a wait).
 */
static void
answer_nonblocking(int m, int by_ioctl)
{
	char	buf[8];
	ssize_t	r;
	double	t0;
	int	fl = fcntl(m, F_GETFL), on = 1, off = 0, e;

	write(m, "q", 1);
	if (by_ioctl)
		ioctl(m, FIONBIO, &on);
	else
		fcntl(m, F_SETFL, fl | O_NONBLOCK);
	alarm_in(2000, 0);
	t0 = xt_now();
	errno = 0;
	r = read(m, buf, sizeof(buf));
	e = errno;
	alarm_in(0, 0);
	ok(r == -1 && e == EAGAIN && xt_now() - t0 < 1.0, "O_NONBLOCK set by "
	    "%s between a write and the read of its answer: EAGAIN at once "
	    "(%zd, %s, %.2f s)", by_ioctl ? "FIONBIO" : "fcntl", r,
	    strerror(e), xt_now() - t0);
	if (by_ioctl)
		ioctl(m, FIONBIO, &off);
	else
		fcntl(m, F_SETFL, fl);
	(void)xt_read_nb(s_of_answer, buf, sizeof(buf));
}

/*
 * The read that answers this process's write (lib/engine_lease.c, the
 * answer's wait with the caller's signal mask): EINTR or not as the
 * handlers say, where they agree and where they disagree, also for
 * handlers that signal() and siginterrupt() installed after the answer
 * to the last question was cached; O_NONBLOCK as a host read.  The
 * subsidiary is raw (no echo): only the child's "w" answers.
 */
static void
sc_answer(void)
{
	struct termios	t;
	char		buf[8];
	int		m, s;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1)
		bail("pty");
	tcgetattr(s, &t);
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	s_of_answer = s;
	(void)xt_read_nb(m, buf, sizeof(buf));
	set_handler(SIGALRM, on_alarm, 0);
	answer_case(m, s, SIGALRM, 0, "the only handler plain");
	set_handler(SIGALRM, on_alarm, SA_RESTART);
	answer_case(m, s, SIGALRM, 1, "the only handler SA_RESTART");
	set_handler(SIGALRM, on_alarm, 0);
	set_handler(SIGUSR1, on_alarm, SA_RESTART);
	answer_case(m, s, SIGUSR1, 1, "SA_RESTART beside a plain handler");
	answer_case(m, s, SIGALRM, 0, "plain beside an SA_RESTART handler");
	set_handler(SIGUSR1, SIG_DFL, 0);
	answer_case(m, s, SIGALRM, 0, "the plain handler alone again");
	signal(SIGUSR1, on_alarm);	/* glibc's signal(): SA_RESTART */
	answer_case(m, s, SIGUSR1, 1, "signal()'s handler beside a plain one");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	siginterrupt(SIGUSR1, 1);	/* deprecated, still what SVR4 code calls */
#pragma GCC diagnostic pop
	answer_case(m, s, SIGUSR1, 0, "after siginterrupt(SIGUSR1, 1)");
	set_handler(SIGUSR1, SIG_DFL, 0);
	answer_nonblocking(m, 0);
	answer_nonblocking(m, 1);
	write(m, "q", 1);
	write(s, "a", 1);
	ok(xt_read_for(m, buf, 1, 2000) == 1 && buf[0] == 'a',
	    "an answer already there: the read returns it");
	close(s);
	close(m);
}

/*
 * xptyd killed while two processes share a leased manager: the parent
 * notices first, in a blocking read, and goes on with the host manager
 * directly, which makes the host manager's open file description
 * blocking (lib/fallback.c); the child, still under the lease, then
 * reads with nothing written.  Its read must stay interruptible: a
 * handler without SA_RESTART ends it with EINTR (or the child notices the
 * daemon's going and reads on directly), never a sleep in the host
 * manager with every signal blocked, nor a wait that spins (less than
 * 0.3 s of CPU time for its second).  Bounded: the child is killed after
 * 5 s.
 */
static void
sc_fallen(void)
{
	double	t0;
	char	buf[8], c = 0;
	int	m, s, st, go[2], ready[2], i;
	pid_t	pid, d;
	ssize_t	r;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1 || pipe(go) == -1 ||
	    pipe(ready) == -1)
		bail("pty, pipes");
	(void)xt_read_nb(m, buf, sizeof(buf));
	if ((pid = fork()) == 0) {
		(void)xt_read_nb(m, buf, sizeof(buf));	/* its own slot */
		write(ready[1], "r", 1);
		(void)read(go[0], &c, 1);
		set_handler(SIGALRM, on_alarm, 0);
		alarm(1);
		t0 = cpu_now();
		errno = 0;
		r = read(m, buf, sizeof(buf));
		if (cpu_now() - t0 > 0.3)
			_exit(4);	/* it spun */
		_exit(r == -1 && errno == EINTR ? 0 : r >= 0 ? 2 : 3);
	}
	(void)read(ready[0], &c, 1);
	if ((d = xt_daemon_pid()) > 0)
		kill(d, SIGKILL);
	msleep(100);
	alarm_in(300, 0);
	(void)read(m, buf, sizeof(buf));	/* falls back, blocking */
	alarm_in(0, 0);
	write(go[1], "g", 1);
	for (i = 0; i < 50 && waitpid(pid, &st, WNOHANG) == 0; i++)
		msleep(100);
	if (i == 50) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	ok(d > 0 && i < 50 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "xptyd killed, the other holder fallen back: a read with nothing "
	    "written ends with EINTR at a signal, without spinning (daemon "
	    "%d, %s, status %d)",
	    (int)d, i < 50 ? "returned" : "still asleep after 5 s, killed",
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	close(s);
	close(m);
}

/*
 * poll and select on a manager whose lease is held wake when the bytes
 * reach the host manager, not at xptyd's expiry tick (300 ms here: the
 * wake would come at least that long after the write).
 */
static void
sc_ready(void)
{
	struct pollfd	pfd;
	struct timeval	tv;
	fd_set		rf;
	char		buf[8];
	double		t0, dt;
	int		m, s, r, st;
	pid_t		pid;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1)
		bail("pty");
	(void)xt_read_nb(m, buf, sizeof(buf));
	pid = write_later(s, 100);
	pfd = (struct pollfd){ m, POLLIN, 0 };
	t0 = xt_now();
	r = poll(&pfd, 1, 5000);
	dt = (xt_now() - t0) * 1000;
	waitpid(pid, &st, 0);
	ok(r == 1 && (pfd.revents & POLLIN), "poll: the manager readable "
	    "(%d, revents %#x)", r, pfd.revents);
	ok(dt < 100 + 200, "poll woke %.0f ms after the start, the write at "
	    "100 ms: before the expiry tick (300 ms)", dt);
	ok(read(m, buf, sizeof(buf)) == 1 && buf[0] == 'w', "read: the byte");
	(void)xt_read_nb(m, buf, sizeof(buf));
	pid = write_later(s, 100);
	FD_ZERO(&rf);
	FD_SET(m, &rf);
	tv.tv_sec = 5;
	tv.tv_usec = 0;
	t0 = xt_now();
	r = select(m + 1, &rf, NULL, NULL, &tv);
	dt = (xt_now() - t0) * 1000;
	waitpid(pid, &st, 0);
	ok(r == 1 && FD_ISSET(m, &rf), "select: the manager readable (%d)",
	    r);
	ok(dt < 100 + 200, "select woke %.0f ms after the start, the write "
	    "at 100 ms: before the expiry tick", dt);
	ok(read(m, buf, sizeof(buf)) == 1 && buf[0] == 'w', "read: the byte");
	pfd = (struct pollfd){ m, POLLIN, 0 };
	r = poll(&pfd, 1, 50);
	ok(r == 0, "poll with nothing written: times out (%d)", r);
	close(s);
	close(m);
}

/*
 * A manager added to an epoll instance: what the subsidiary writes
 * reaches the socket, where epoll looks, at once, also after a read that
 * waited (which takes the lease where the manager is not in one), so an
 * event loop's epoll_wait wakes for it.
 */
static void
sc_epoll(void)
{
	struct epoll_event	ev, out;
	char			buf[8];
	int			m, s, ep, n;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1 ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		bail("pty, epoll");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = m;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, m, &ev) == -1)
		bail("epoll_ctl");
	(void)xt_read_nb(m, buf, sizeof(buf));
	intr_once(m, "a manager in an epoll instance");
	write(s, "ep", 2);
	msleep(50);
	n = sock_bytes(m);
	ok(n == 2, "then 50 ms after a write, xptyd has relayed it into the "
	    "socket (%d; under a lease it would wait %d ms)", n, 2 * TICK_MS);
	ok(epoll_wait(ep, &out, 1, 0) == 1 && out.data.fd == m,
	    "epoll_wait says it is readable");
	ok(read(m, buf, sizeof(buf)) == 2 && memcmp(buf, "ep", 2) == 0,
	    "read: the bytes");
	close(ep);
	close(s);
	close(m);
}

/* Bytes written while a non-blocking read holds the lease stay in H. */
static void
leave_in_host(int m, int s, const char *bytes)
{
	char	buf[8];
	int	n;

	errno = 0;
	ok(xt_read_nb(m, buf, sizeof(buf)) == -1 && errno == EAGAIN,
	    "a non-blocking read of the empty manager: EAGAIN");
	write(s, bytes, strlen(bytes));
	msleep(50);
	if (is_lease()) {
		n = sock_bytes(m);
		ok(n == 0, "lease: \"%s\" waits in the host manager (%d in "
		    "the socket)", bytes, n);
	}
}

/*
 * The stream head's looks at the queue (I_NREAD, I_PEEK, getmsg) see
 * what waits in the host manager under a held lease (no library read for
 * less than a tick), as FIONREAD does: before lease_gather I_NREAD said
 * no message and I_PEEK nothing.
 */
static void
sc_nread(void)
{
	struct strpeek	pk;
	struct strbuf	db;
	char		buf[8];
	int		m, s, n = -1, f = -1, msgs, r, flags = 0;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1)
		bail("pty");
	leave_in_host(m, s, "bcd");
	msgs = ioctl(m, I_NREAD, &n);
	ok(msgs == 1 && n == 3, "I_NREAD: 1 message of 3 bytes waiting (%d, "
	    "%d; %d of them in the socket)", msgs, n, sock_bytes(m));
	r = ioctl(m, FIONREAD, &f);
	ok(r == 0 && f == 3, "FIONREAD: 3 (%d)", f);
	ok(read(m, buf, sizeof(buf)) == 3 && memcmp(buf, "bcd", 3) == 0,
	    "read: them");
	n = -1;
	msgs = ioctl(m, I_NREAD, &n);
	ok(msgs == 0 && n == 0, "I_NREAD: none left (%d, %d)", msgs, n);

	leave_in_host(m, s, "ef");
	memset(&pk, 0, sizeof(pk));
	pk.ctlbuf.maxlen = -1;
	pk.databuf.maxlen = sizeof(buf);
	pk.databuf.buf = buf;
	r = ioctl(m, I_PEEK, &pk);
	ok(r == 1 && pk.databuf.len == 2 && memcmp(buf, "ef", 2) == 0,
	    "I_PEEK: the 2 bytes (%d, %d)", r, pk.databuf.len);
	ok(read(m, buf, sizeof(buf)) == 2 && memcmp(buf, "ef", 2) == 0,
	    "read: them");

	leave_in_host(m, s, "gh");
	memset(&db, 0, sizeof(db));
	db.maxlen = 1;
	db.buf = buf;
	r = getmsg(m, NULL, &db, &flags);
	ok(r == MOREDATA && db.len == 1 && buf[0] == 'g',
	    "getmsg of 1 byte: 'g', more data (%d, %d)", r, db.len);
	db.maxlen = sizeof(buf);
	r = getmsg(m, NULL, &db, &flags);
	ok(r == 0 && db.len == 1 && buf[0] == 'h',
	    "getmsg: 'h', the rest (%d, %d)", r, db.len);
	close(s);
	close(m);
}

/*
 * A subsidiary that does not read: a non-blocking manager's writes stop
 * with EAGAIN at some point, and poll must agree with write: POLLOUT
 * means the next write takes bytes.  Before, the lease engine's writes
 * said EAGAIN once the host manager was full while poll (the socket's
 * room) said writable: a poll-and-write loop spun.  The subsidiary then
 * reads everything, in order.
 */
static void
sc_wfull(void)
{
	static char	chunk[4096], in[65536];
	struct pollfd	pfd;
	long		sent = 0, got = 0, bad = -1;
	int		m, s, r, i, agree = 1, eagain = 0, fl;
	ssize_t		w, n;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1)
		bail("pty");
	fl = fcntl(m, F_GETFL);
	fcntl(m, F_SETFL, fl | O_NONBLOCK);
	for (i = 0; i < 4096 && agree; i++) {
		for (r = 0; r < (int)sizeof(chunk); r++)
			chunk[r] = (char)('a' + (sent + r) % 26);
		w = write(m, chunk, sizeof(chunk));
		if (w > 0) {
			sent += w;
			continue;
		}
		if (w == -1 && errno != EAGAIN)
			break;
		eagain++;
		pfd = (struct pollfd){ m, POLLOUT, 0 };
		r = poll(&pfd, 1, 50);
		if (r == 1 && (pfd.revents & POLLOUT)) {
			w = write(m, chunk, sizeof(chunk));
			if (w > 0)
				sent += w;
			else
				agree = 0;	/* writable, yet EAGAIN */
		} else
			break;			/* full, and poll says so */
	}
	ok(eagain > 0, "the writes stopped with EAGAIN (%ld bytes taken, "
	    "%d EAGAIN)", sent, eagain);
	ok(agree, "poll and write agree: POLLOUT was followed by a write "
	    "that took bytes");
	fcntl(m, F_SETFL, fl);
	while (got < sent) {
		pfd = (struct pollfd){ s, POLLIN, 0 };
		if (poll(&pfd, 1, 2000) != 1 || (n = read(s, in,
		    sizeof(in))) <= 0)
			break;
		for (r = 0; r < n && bad < 0; r++)
			if (in[r] != (char)('a' + (got + r) % 26))
				bad = got + r;
		got += n;
	}
	ok(got == sent && bad < 0, "the subsidiary reads all %ld bytes in "
	    "order (%ld, first wrong at %ld)", sent, got, bad);
	close(s);
	close(m);
}

static void (*const scenarios[])(void) = {
	sc_path, sc_zero, sc_close, sc_bulk, sc_fork, sc_intr, sc_ready,
	sc_epoll, sc_nread, sc_wfull, sc_answer, sc_fallen
};
#define NSC	(int)(sizeof(scenarios) / sizeof(scenarios[0]))

/*
 * Run scenario i in a child of engine, in a run directory of its own (its
 * own xptyd, with a long tick); the child numbers its results on from
 * ours and hands back its count and failures on descriptor 3.
 */
static void
run_in(const char *engine, int i)
{
	char	arg[16], num[16], dir[] = "/tmp/xpty-lease.XXXXXX";
	int	st, p[2], res[2] = { -1, 0 };
	pid_t	pid;

	snprintf(arg, sizeof(arg), "%d", i);
	snprintf(num, sizeof(num), "%d", tap_n);
	if (mkdtemp(dir) == NULL || pipe(p) == -1)
		bail("mkdtemp, pipe");
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if (p[1] != 3) {
			dup2(p[1], 3);
			close(p[1]);
		}
		if (engine != NULL)
			setenv("XPTY_ENGINE", engine, 1);
		else
			unsetenv("XPTY_ENGINE");
		setenv("XPTY_RUNDIR", dir, 1);
		setenv("XPTY_LEASE_MS", "300", 1);
		execl("/proc/self/exe", xt_argv[0], "--child", arg, num,
		    (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (read(p[0], res, sizeof(res)) != (ssize_t)sizeof(res))
		res[0] = -1;
	close(p[0]);
	waitpid(pid, &st, 0);
	if (res[0] < tap_n) {
		ok(0, "%s engine, scenario %d: the child reported",
		    engine != NULL ? engine : "default", i);
		return;
	}
	tap_n = res[0];
	tap_failed += res[1];
}

int
main(int argc, char **argv)
{
	static const char	*engines[] = { "lease", "relay" };
	int			 i, e, res[2];

	xt_init(argc, argv);
	if (argc == 4 && strcmp(argv[1], "--child") == 0) {
		tap_n = atoi(argv[3]);
		diag("%s engine", getenv("XPTY_ENGINE") != NULL ?
		    getenv("XPTY_ENGINE") : "default (XPTY_ENGINE unset)");
		scenarios[atoi(argv[2])]();
		res[0] = tap_n;
		res[1] = tap_failed;
		write(3, res, sizeof(res));
		return (0);
	}
	for (i = 0; i < NSC; i++)
		for (e = 0; e < 2; e++)
			run_in(engines[e], i);
	run_in(NULL, 0);	/* the default engine takes the path: the lease */
	return (done_testing());
}
