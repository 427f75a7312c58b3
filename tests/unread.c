/*
 * unread.c - a side that does not read (issue 11, D1 and D4b), through
 * the API, in every engine.
 *
 * Input the subsidiary never reads: when the manager closes, the
 * subsidiary is hung up within XPTY_HANGUP_MS (2000); in the relay engine
 * the daemon uses no CPU afterwards, in either close order.  With pckt on
 * the manager, ptem and ldterm on the subsidiary and the manager not read
 * while the subsidiary's output fills it, tcsetattr() on the subsidiary
 * returns at once (illumos: ptem acknowledges TCSETS at once) and the
 * reader later gets the data and then the M_IOCTL; 100 zero-length writes
 * on a bare subsidiary with the manager not read all return 0 at once
 * (xpty(7): a writer never waits), and the reader then reads 100 zeros.
 * What the reader sees of those messages depends on the relay engine
 * (xpty(7)): in the direct engine only the writers' side is checked.
 */
#include "xtest.h"
#include <poll.h>

/* CPU seconds (user + system) of pid, -1 if unknown. */
static double
cpu_s(pid_t pid)
{
	char		 path[64], buf[1024], *q;
	unsigned long	 ut, st;
	FILE		*f;
	size_t		 n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((q = strrchr(buf, ')')) == NULL || sscanf(q + 2,
	    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return (-1);
	return ((double)(ut + st) / (double)sysconf(_SC_CLK_TCK));
}

/* The daemon's CPU over 1 s, in percent (0 with no daemon). */
static double
daemon_cpu(pid_t dp)
{
	double	c0, c1, t0 = xt_now();

	if (dp <= 0)
		return (0);
	c0 = cpu_s(dp);
	usleep(1000000);
	c1 = cpu_s(dp);
	if (c0 < 0 || c1 < 0)
		return (0);	/* it exited */
	return ((c1 - c0) / (xt_now() - t0) * 100);
}

/* Write c-bytes on fd (non-blocking) until it takes nothing for 100 ms. */
static long
fill(int fd, char c)
{
	char	buf[4096];
	long	tot = 0;
	ssize_t	n;
	int	idle = 0, fl = fcntl(fd, F_GETFL);

	memset(buf, c, sizeof(buf));
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while (idle < 5) {
		if ((n = write(fd, buf, sizeof(buf))) > 0) {
			tot += n;
			idle = 0;
		} else {
			idle++;
			usleep(20000);
		}
	}
	fcntl(fd, F_SETFL, fl);
	return (tot);
}

/* Wait at most ms for child; its exit status, or -1 (killed). */
static int
bounded_wait(pid_t pid, int ms, double *took)
{
	double	t0 = xt_now();
	int	st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (xt_ms_since(t0) > ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			*took = xt_now() - t0;
			return (-1);
		}
		usleep(2000);
	}
	*took = xt_now() - t0;
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static void
test_hangup(int mgrfirst)
{
	const char	*how = mgrfirst ? "manager closed first" :
	    "subsidiary closed first";
	struct pollfd	 pfd;
	double		 t0, hup = -1, cpu;
	long		 queued;
	pid_t		 dp;
	int		 m, s;

	if (xt_pair(&m, &s, NULL, 0, O_NONBLOCK) == -1) {
		ok(0, "%s: open a pty: %s", how, strerror(errno));
		return;
	}
	queued = fill(m, 'q');	/* the first use: the daemon has it now */
	dp = xt_engine_direct() ? 0 : xt_daemon_pid();
	if (mgrfirst) {
		close(m);
		t0 = xt_now();
		while (xt_ms_since(t0) < 2000) {
			pfd.fd = s;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, 20) == 1 && (pfd.revents & POLLHUP)) {
				hup = xt_now() - t0;
				break;
			}
		}
		ok(hup >= 0, "%s with %ld bytes unread: the subsidiary is hung "
		    "up %.2f s after", how, queued, hup);
		close(s);
	} else {
		close(s);
		usleep(100000);
		close(m);
	}
	cpu = daemon_cpu(dp);
	ok(cpu < 5, "%s: then no CPU in the daemon (%.0f%% over 1 s%s)", how,
	    cpu, dp > 0 ? "" : ", there is none");
}

/* getmsg within ms: 0, or -1 (nothing came). */
static int
getmsg_for(int m, struct strbuf *c, struct strbuf *d, int ms)
{
	struct pollfd	pfd = { m, POLLIN, 0 };
	int		flags = 0;

	if (poll(&pfd, 1, ms) != 1)
		return (-1);
	return (getmsg(m, c, d, &flags) < 0 ? -1 : 0);
}

static void
test_tcset_pckt(void)
{
	struct termios	t;
	struct strbuf	c, d;
	char		cbuf[64], dbuf[8192];
	double		took;
	long		queued, got = 0;
	int		m, s, rc, ioctl_seen = 0, fl;
	pid_t		pid;

	if (xt_pair(&m, &s, NULL, 0, 0) == -1 || ioctl(m, I_PUSH, "pckt") == -1 ||
	    xt_push3(s) == -1 || tcgetattr(s, &t) == -1) {
		ok(0, "pckt pty: %s", strerror(errno));
		return;
	}
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	usleep(100000);
	c.maxlen = sizeof(cbuf);
	c.buf = cbuf;
	d.maxlen = sizeof(dbuf);
	d.buf = dbuf;
	while (getmsg_for(m, &c, &d, 100) == 0)
		;			/* what the set-up caused */
	queued = fill(s, 'p');
	if ((pid = fork()) == 0) {
		t.c_lflag ^= ECHO;
		_exit(tcsetattr(s, TCSANOW, &t) == 0 ? 0 : 1);
	}
	rc = bounded_wait(pid, 2000, &took);
	ok(rc == 0 && took < 1.0, "pckt, manager unread and full (%ld bytes): "
	    "tcsetattr on the subsidiary returns in %.2f s", queued, took);
	fl = fcntl(m, F_GETFL);
	while (getmsg_for(m, &c, &d, 1000) == 0) {
		if (c.len > 0 && (unsigned char)cbuf[0] == M_IOCTL) {
			ioctl_seen = 1;
			break;
		}
		if (d.len > 0)
			got += d.len;
	}
	fcntl(m, F_SETFL, fl);
	if (xt_engine_direct())
		diag("direct engine: pckt messages are the relay's");
	else
		ok(got == queued && ioctl_seen, "the reader gets the %ld bytes, "
		    "then the M_IOCTL (%ld bytes before it)", queued, got);
	close(s);
	close(m);
}

static void
test_zero(void)
{
	char	buf[8];
	double	took;
	int	m, s, rc, i;
	pid_t	pid;

	if (xt_pair(&m, &s, NULL, 0, 0) == -1) {
		ok(0, "open a pty: %s", strerror(errno));
		return;
	}
	if ((pid = fork()) == 0) {
		for (i = 0; i < 100; i++)
			if (write(s, "", 0) != 0)
				_exit(1);
		_exit(0);
	}
	rc = bounded_wait(pid, 2000, &took);
	ok(rc == 0 && took < 2.0, "100 zero-length writes, manager unread, "
	    "return 0 in %.2f s", took);
	if (xt_engine_direct()) {
		diag("direct engine: zero-length messages are the relay's");
		close(s);
		close(m);
		return;
	}
	write(s, "end", 3);
	for (i = 0; i < 100; i++)
		if (xt_read_for(m, buf, sizeof(buf), 2000) != 0)
			break;
	is_int(i, 100, "the reader reads 100 zeros");
	ok(xt_read_for(m, buf, 3, 2000) == 3 && memcmp(buf, "end", 3) == 0,
	    "then what was written after them");
	close(s);
	close(m);
}

int
main(int argc, char **argv)
{
	xt_init(argc, argv);
	setenv("XPTY_HANGUP_MS", "2000", 1);
	signal(SIGPIPE, SIG_IGN);
	test_hangup(1);
	test_hangup(0);
	test_tcset_pckt();
	test_zero();
	return (done_testing());
}
