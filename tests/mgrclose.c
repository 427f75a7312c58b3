/*
 * mgrclose.c - what a subsidiary reader sees once the manager has
 * closed (issue 11, H1): on illumos, the data still queued, then 0, and
 * 0 again; never the EIO that Linux gives between the manager's last
 * close and the end of the hangup.  (The direct engine cannot keep the
 * queued data: Linux flushes it when the application's close of the host
 * manager hangs the subsidiary up.)  A reader blocked in read() when the
 * manager closes gets 0 too.  An EIO that has another cause (a read from
 * a background process group while SIGTTIN is ignored) stays EIO.
 */
#include <poll.h>

#include "xtest.h"

static void
on_alarm(int sig)
{
	(void)sig;
}

/* A blocking read, bounded by a 3 s SIGALRM without SA_RESTART. */
static ssize_t
rd(int fd, char *b, size_t n, int *err)
{
	struct sigaction	sa;
	ssize_t			r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(3);
	errno = 0;
	r = read(fd, b, n);
	*err = r < 0 ? errno : 0;
	alarm(0);
	return (r);
}

/* Queued data, then the manager closes. */
static void
queued(int round)
{
	char	b[16];
	ssize_t	r1, r2, r3;
	int	m, s, e1, e2, e3;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1 || xt_push3(s) == -1) {
		ok(0, "pty for the queued case");
		return;
	}
	write(m, "xy\n", 3);
	usleep(50000);
	close(m);
	r1 = rd(s, b, sizeof(b), &e1);
	if (xt_engine_direct())	/* Linux flushes the input at the hangup */
		ok(r1 == 0 || (r1 == 3 && memcmp(b, "xy\n", 3) == 0),
		    "round %d: the queued line or 0, direct engine (read %zd, %s)",
		    round, r1, strerror(e1));
	else
		ok(r1 == 3 && memcmp(b, "xy\n", 3) == 0,
		    "round %d: the queued line first (read %zd, %s)", round,
		    r1, strerror(e1));
	r2 = rd(s, b, sizeof(b), &e2);
	r3 = rd(s, b, sizeof(b), &e3);
	ok(r2 == 0 && r3 == 0, "round %d: then 0 and 0 (read %zd %s, %zd %s)",
	    round, r2, strerror(e2), r3, strerror(e3));
	close(s);
}

/* A reader blocked in read() when the manager closes. */
static void
blocked(int round)
{
	ssize_t		v[4] = { -3, -3, 0, 0 };
	struct pollfd	p;
	char		b[16];
	int		m, s, pfd[2], st, ea, eb;
	pid_t		pid;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1 || xt_push3(s) == -1 ||
	    pipe(pfd) == -1) {
		ok(0, "pty for the blocked case");
		return;
	}
	if ((pid = fork()) == 0) {
		close(m);
		close(pfd[0]);
		v[0] = rd(s, b, sizeof(b), &ea);
		v[1] = rd(s, b, sizeof(b), &eb);
		v[2] = ea;
		v[3] = eb;
		write(pfd[1], v, sizeof(v));
		_exit(0);
	}
	close(pfd[1]);
	usleep(200000);
	close(m);
	p.fd = pfd[0];
	p.events = POLLIN;
	if (poll(&p, 1, 7000) != 1 || read(pfd[0], v, sizeof(v)) != sizeof(v))
		v[0] = -3;
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(pfd[0]);
	close(s);
	ok(v[0] == 0 && v[1] == 0,
	    "round %d: a blocked reader reads 0, then 0 (read %zd %s, %zd %s)",
	    round, v[0], strerror((int)v[2]), v[1], strerror((int)v[3]));
}

/*
 * A read from a background process group of the session whose
 * controlling terminal the subsidiary is, with SIGTTIN ignored: EIO.
 */
static void
background(void)
{
	int	m, s, st, pfd[2], res[2] = { -3, 0 };
	char	name[64], b[4];
	pid_t	pid;

	if (xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == -1 ||
	    xt_push3(s) == -1 || pipe(pfd) == -1) {
		ok(0, "pty for the background case");
		return;
	}
	close(s);
	if ((pid = fork()) == 0) {
		int	t;

		close(pfd[0]);
		setsid();
		if ((t = open(name, O_RDWR)) == -1 ||
		    ioctl(t, TIOCSCTTY, 0) == -1)
			_exit(1);
		if (fork() == 0) {
			setpgid(0, 0);
			signal(SIGTTIN, SIG_IGN);
			errno = 0;
			res[0] = (int)read(t, b, sizeof(b));
			res[1] = errno;
			write(pfd[1], res, sizeof(res));
			_exit(0);
		}
		wait(&st);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], res, sizeof(res)) != sizeof(res))
		res[0] = -3;
	waitpid(pid, &st, 0);
	close(pfd[0]);
	close(m);
	ok(res[0] == -1 && res[1] == EIO,
	    "a background read with SIGTTIN ignored still fails EIO (%d, %s)",
	    res[0], strerror(res[1]));
}

int
main(int argc, char **argv)
{
	int	i;

	xt_init(argc, argv);
	for (i = 1; i <= 3; i++) {
		queued(i);
		blocked(i);
	}
	background();
	return (done_testing());
}
