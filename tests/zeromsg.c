/*
 * zeromsg.c - zero-length messages as a queue on the stream (issue 4):
 * a subsidiary may send several before the manager reads any, without
 * blocking; the manager reads each one where it was sent; a
 * manager shared across fork reads each one once, in whichever process
 * reads it, and the other goes on with what follows; stdio sees the data
 * and then end of file; epoll registrations of the manager follow it
 * past a zero-length message (level- and edge-triggered, one-shot, and
 * with the ended socket still open in a child).
 *
 * Needs xptyd: the direct engine cannot carry a zero-length message.
 */
#include <sys/epoll.h>
#include <poll.h>
#include "xtest.h"

#define HANG_LIMIT	20	/* seconds: a hang kills the test */

/* One read, waiting up to ms for something to read. */
static ssize_t
read_one(int fd, char *buf, size_t len, int ms)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return (-2);
	return (read(fd, buf, len));
}

/* Read what is written up to the next zero-length message into buf. */
static ssize_t
read_until_zero(int fd, char *buf, size_t len)
{
	size_t	got = 0;
	ssize_t	r;

	while (got < len) {
		r = read_one(fd, buf + got, len - got, 5000);
		if (r == 0)
			return ((ssize_t)got);
		if (r < 0)
			return (-1);
		got += (size_t)r;
	}
	return (-1);
}

static void
check_queue(void)
{
	static const char	*want[] = { "a", "b", "", "c" };
	char			 name[64], buf[64];
	int			 m, s, i;
	ssize_t			 r;

	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	alarm(HANG_LIMIT);
	ok(write(s, "a", 1) == 1 && write(s, "", 0) == 0 &&
	    write(s, "b", 1) == 1 && write(s, "", 0) == 0 &&
	    write(s, "", 0) == 0 && write(s, "c", 1) == 1 &&
	    write(s, "", 0) == 0,
	    "a, 0, b, 0, 0, c, 0 written with no reader: no write blocks");
	alarm(0);
	for (i = 0; i < 4; i++) {
		r = read_until_zero(m, buf, sizeof(buf));
		ok(r == (ssize_t)strlen(want[i]) &&
		    memcmp(buf, want[i], (size_t)r) == 0,
		    "message %d: \"%s\" then a read of 0 (got %zd)", i,
		    want[i], r);
	}
	is_int(write(s, "d", 1), 1, "the stream goes on");
	r = read_one(m, buf, sizeof(buf), 5000);
	ok(r == 1 && buf[0] == 'd', "manager reads d after the queue");
	close(s);
	close(m);
}

/* More zero-length messages than the daemon keeps unread at once. */
static void
check_many(void)
{
	char		name[64], buf[64];
	int		m, s, i, zeros = 0, st, dfd0, dfd1;
	ssize_t		r;
	pid_t		pid, daemon;
	const int	n = 100;

	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	(void)ioctl(m, FIONREAD, &i);	/* its first use: xptyd has it */
	daemon = xt_daemon_pid();
	dfd0 = daemon > 0 ? xt_count_fds(daemon) : -1;
	/*
	 * The writer also holds the first manager socket and never reads
	 * it; the daemon must not keep a connection per message for it
	 * (2 descriptors each: 200 here).  It does hold the writer's control
	 * connection and the current connections meanwhile.
	 */
	if ((pid = fork()) == 0) {
		alarm(HANG_LIMIT);
		for (i = 0; i < n; i++)
			if (write(s, "", 0) != 0)
				_exit(1);
		_exit(write(s, "end", 3) == 3 ? 0 : 2);
	}
	for (;;) {
		r = read_one(m, buf, sizeof(buf), 10000);
		if (r == 0)
			zeros++;
		else
			break;
	}
	ok(r == 3 && memcmp(buf, "end", 3) == 0, "then the data (got %zd)", r);
	is_int(zeros, n, "%d zero-length writes in a row: %d reads of 0", n, n);
	if (dfd0 < 0)
		ok(0, "the daemon serving $XPTY_RUNDIR is found");
	else {
		dfd1 = xt_count_fds(daemon);
		ok(dfd1 <= dfd0 + 16, "xptyd holds %d descriptors after %d "
		    "messages read (%d before): an unread old socket pins "
		    "nothing", dfd1, n, dfd0);
	}
	ok(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "the writer never failed or hung");
	close(s);
	close(m);
}

/* B0 twice with ptem: two hangups, neither blocks the caller. */
static void
check_b0_twice(void)
{
	struct termios	t;
	char		buf[16];
	int		m, s, ok1, ok2;

	ok(xt_pair(&m, &s, NULL, 0, O_NOCTTY) == 0, "pty pair");
	ok(ioctl(s, I_PUSH, "ptem") == 0 && ioctl(s, I_PUSH, "ldterm") == 0,
	    "push ptem, ldterm");
	tcgetattr(s, &t);
	cfsetospeed(&t, B0);
	alarm(HANG_LIMIT);
	ok1 = tcsetattr(s, TCSANOW, &t) == 0;
	ok2 = tcsetattr(s, TCSANOW, &t) == 0;
	alarm(0);
	ok(ok1 && ok2, "tcsetattr(B0) twice with no reader: neither blocks");
	is_int(read_one(m, buf, sizeof(buf), 5000), 0,
	    "the manager reads the hangup as 0");
	close(s);
	close(m);
}

/*
 * A manager shared across fork: the process that reads the zero-length
 * message has it; the other reads on with what follows.
 */
static void
check_fork_shared(void)
{
	char	buf[64];
	int	m, s, st;
	ssize_t	r;
	pid_t	pid;

	ok(xt_pair(&m, &s, NULL, 0, O_NOCTTY) == 0, "pty pair");
	ok(write(s, "x", 1) == 1 && write(s, "", 0) == 0 &&
	    write(s, "y", 1) == 1, "x, 0, y written");
	if ((pid = fork()) == 0) {
		alarm(HANG_LIMIT);
		r = read_one(m, buf, sizeof(buf), 5000);
		if (r != 1 || buf[0] != 'x')
			_exit(1);
		_exit(read_one(m, buf, sizeof(buf), 5000) == 0 ? 0 : 2);
	}
	ok(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "child reads x and the zero-length message");
	r = read_one(m, buf, sizeof(buf), 5000);
	ok(r == 1 && buf[0] == 'y',
	    "parent reads y next, not the child's 0 again (got %zd)", r);

	/* the child reads the next one while the parent is not reading */
	if ((pid = fork()) == 0) {
		int	zeros = 0;

		alarm(HANG_LIMIT);
		while ((r = read_one(m, buf, sizeof(buf), 10000)) == 0)
			zeros++;
		_exit(r == 1 && buf[0] == 'w' ? zeros : 100);
	}
	ok(write(s, "", 0) == 0, "zero-length write while the child reads");
	usleep(100000);
	is_int(write(s, "w", 1), 1, "then w");
	st = -1;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		st = -1;
	else
		st = WEXITSTATUS(st);
	is_int(st, 1, "the child reads one 0, then w");
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	errno = 0;
	r = read(m, buf, sizeof(buf));
	ok(r == -1 && errno == EAGAIN,
	    "the parent's next read: EAGAIN, not the child's 0 (got %zd)", r);
	is_int(write(s, "v", 1), 1, "the stream goes on in the parent");
	r = read_one(m, buf, sizeof(buf), 5000);
	ok(r == 1 && buf[0] == 'v', "parent reads v");
	close(s);
	close(m);
}

#define EP_DATA	0x5eed0000cafeULL	/* the registration's user data */

/*
 * epoll_wait up to ms: 1 if it reports just the manager's registration
 * (its data intact) readable, 0 if nothing, -1 otherwise.
 */
static int
ep_wait(int ep, int ms)
{
	struct epoll_event	ev[4];
	int			n;

	memset(ev, 0, sizeof(ev));
	n = epoll_wait(ep, ev, 4, ms);
	if (n == 0)
		return (0);
	return (n == 1 && ev[0].data.u64 == EP_DATA &&
	    (ev[0].events & EPOLLIN) ? 1 : -1);
}

/* Register m with ep (op) for EPOLLIN|EPOLLRDHUP and extra flags. */
static int
ep_add(int ep, int m, uint32_t flags, int op)
{
	struct epoll_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP | flags;
	ev.data.u64 = EP_DATA;
	return (epoll_ctl(ep, op, m, &ev));
}

/*
 * An event loop on the manager: a, a zero-length message, then b.  After
 * the read of 0 the registration names the connection that follows: no
 * report with nothing to read (not the ended socket), one when b comes.
 * A one-shot registration is rearmed with EPOLL_CTL_MOD after each
 * report, which must keep working after the swap.
 */
static void
check_epoll(uint32_t flags, const char *how)
{
	int	oneshot = (flags & EPOLLONESHOT) != 0;
	char	buf[64];
	int	m, s, ep;
	ssize_t	r;

	ok(xt_pair(&m, &s, NULL, 0, O_NOCTTY) == 0, "%s: pty pair", how);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ok(ep >= 0 && ep_add(ep, m, flags, EPOLL_CTL_ADD) == 0,
	    "%s: manager registered with epoll", how);
	alarm(HANG_LIMIT);
	ok(write(s, "a", 1) == 1 && write(s, "", 0) == 0, "%s: a, 0 written",
	    how);
	is_int(ep_wait(ep, 5000), 1, "%s: epoll reports a", how);
	r = read(m, buf, sizeof(buf));
	ok(r == 1 && buf[0] == 'a', "%s: manager reads a (got %zd)", how, r);
	if (oneshot)
		ok(ep_add(ep, m, flags, EPOLL_CTL_MOD) == 0, "%s: rearmed", how);
	if (!(flags & EPOLLET))
		is_int(ep_wait(ep, 5000), 1,
		    "%s: epoll reports the zero-length message", how);
	is_int(read(m, buf, sizeof(buf)), 0, "%s: manager reads 0", how);
	if (oneshot)
		ok(ep_add(ep, m, flags, EPOLL_CTL_MOD) == 0,
		    "%s: rearmed after the read of 0", how);
	is_int(ep_wait(ep, 300), 0,
	    "%s: nothing to read, nothing reported (not the ended socket)",
	    how);
	is_int(write(s, "b", 1), 1, "%s: b written", how);
	is_int(ep_wait(ep, 5000), 1,
	    "%s: epoll reports b: the registration followed", how);
	r = read(m, buf, sizeof(buf));
	ok(r == 1 && buf[0] == 'b', "%s: manager reads b (got %zd)", how, r);
	if (oneshot)
		ok(ep_add(ep, m, flags, EPOLL_CTL_MOD) == 0, "%s: rearmed", how);
	is_int(ep_wait(ep, 100), 0, "%s: then nothing again", how);
	alarm(0);
	close(ep);
	close(s);
	close(m);
}

/*
 * The ended socket stays open in a child: the parent's registration must
 * not stay on it (it would report end of file forever).
 */
static void
check_epoll_fork(void)
{
	char	buf[64];
	int	m, s, ep, p[2], st;
	ssize_t	r;
	pid_t	pid;

	ok(xt_pair(&m, &s, NULL, 0, O_NOCTTY) == 0 && pipe(p) == 0,
	    "fork: pty pair");
	ep = epoll_create1(EPOLL_CLOEXEC);
	ok(ep >= 0 && ep_add(ep, m, 0, EPOLL_CTL_ADD) == 0,
	    "fork: manager registered with epoll");
	if ((pid = fork()) == 0) {
		/* hold the manager's socket until the parent is done */
		close(p[1]);
		alarm(HANG_LIMIT);
		_exit(read(p[0], buf, 1) == 0 ? 0 : 1);
	}
	close(p[0]);
	alarm(HANG_LIMIT);
	ok(write(s, "a", 1) == 1 && write(s, "", 0) == 0, "fork: a, 0 written");
	is_int(ep_wait(ep, 5000), 1, "fork: epoll reports a");
	r = read(m, buf, sizeof(buf));
	ok(r == 1 && buf[0] == 'a', "fork: parent reads a (got %zd)", r);
	is_int(ep_wait(ep, 5000), 1,
	    "fork: epoll reports the zero-length message");
	is_int(read(m, buf, sizeof(buf)), 0, "fork: parent reads 0");
	is_int(ep_wait(ep, 300), 0,
	    "fork: the ended socket, open in the child, is not reported");
	is_int(write(s, "b", 1), 1, "fork: b written");
	is_int(ep_wait(ep, 5000), 1, "fork: epoll reports b");
	r = read(m, buf, sizeof(buf));
	ok(r == 1 && buf[0] == 'b', "fork: parent reads b (got %zd)", r);
	alarm(0);
	close(p[1]);
	ok(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "fork: the child held on and exited");
	close(ep);
	close(s);
	close(m);
}

/* stdio reads the manager without the library: data, then end of file. */
static void
check_stdio(void)
{
	char	 name[64], line[64];
	FILE	*fp;
	int	 m, s;

	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	ok((fp = fdopen(m, "r")) != NULL, "fdopen the manager");
	if (fp == NULL)
		return;
	is_int(write(s, "hello\n", 6), 6, "subsidiary writes hello");
	close(s);
	alarm(HANG_LIMIT);
	ok(fgets(line, sizeof(line), fp) != NULL && strcmp(line, "hello\n") == 0,
	    "fgets gets the line");
	ok(fgets(line, sizeof(line), fp) == NULL && feof(fp),
	    "then end of file (the last close)");
	alarm(0);
	fclose(fp);
}

int
main(int argc, char **argv)
{
	xt_init(argc, argv);
	if (xt_engine_direct())
		skip_all("direct engine: zero-length messages need xptyd");
	check_queue();
	check_many();
	check_b0_twice();
	check_fork_shared();
	check_stdio();
	check_epoll(0, "epoll");
	check_epoll(EPOLLET, "epoll EPOLLET");
	check_epoll(EPOLLONESHOT, "epoll EPOLLONESHOT");
	check_epoll_fork();
	done_testing();
	return (0);
}
