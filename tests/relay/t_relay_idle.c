/*
 * t_relay_idle.c - idle control connections cost the daemon nothing per
 * request (issue 11, D14).
 *
 * Every client process keeps a control connection open.  A request about
 * a pty or a socket the daemon does not know (XP_SYNC of an unknown pty,
 * XP_IDENTIFY of a socket it never saw) makes the daemon look for
 * XP_ADOPTs queued on other connections; with C idle connections its
 * rate must stay at least half of the rate with none.  And the ordering
 * that look serves still holds with them there: a pty posted with
 * XP_ADOPT on one connection is known to a request on another sent after.
 */
#include "rtest.h"
#include <sys/resource.h>

#define ROUND_S		0.3

/* Requests of this kind answered per second on one connection. */
static double
rate(int kind)
{
	struct xp_reply	r;
	uint8_t		pay[4];
	double		t0 = rt_now();
	int		fd = rt_raw_connect(), n = 0, sv[2], rc;

	if (fd == -1 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return (-1);
	xp_put32(pay, 999999);
	while (rt_now() - t0 < ROUND_S) {
		rc = kind == XP_SYNC ? rt_send(fd, XP_SYNC, pay, 4, NULL, 0) :
		    kind == XP_IDENTIFY ? rt_send(fd, XP_IDENTIFY, NULL, 0, sv,
		    1) : rt_send(fd, XP_STATUS, NULL, 0, NULL, 0);
		if (rc == -1 || rt_reply(fd, &r, 2000) == -1)
			break;
		n++;
	}
	close(sv[0]);
	close(sv[1]);
	close(fd);
	return (n / (rt_now() - t0));
}

static void
compare(int kind, const char *what, int *idle, int nidle)
{
	double	r0 = 0, rc = 0, x;
	int	round, i, n;

	for (round = 0; round < 3; round++) {
		if ((x = rate(kind)) > r0)
			r0 = x;
		for (n = 0; n < nidle && (idle[n] = rt_raw_connect()) != -1;
		    n++)
			;
		usleep(100000);
		if ((x = rate(kind)) > rc)
			rc = x;
		for (i = 0; i < n; i++)
			close(idle[i]);
		usleep(100000);
	}
	ok(r0 > 0 && rc >= 0.5 * r0, "%s: %.0f/s with %d idle connections, "
	    "%.0f/s with none (%.0f%%)", what, rc, nidle, r0,
	    r0 > 0 ? rc / r0 * 100 : 0);
}

/*
 * With the idle connections open: post XP_ADOPT on one connection and at
 * once ask XP_IDENTIFY about its socket on another, n times.
 */
static void
ordering(int *idle, int nidle, int n)
{
	struct xp_reply	r;
	struct stat	st;
	uint8_t		pay[8];
	int		a, b, i, k, sv[2], two[2], hfd, good = 0;

	for (k = 0; k < nidle && (idle[k] = rt_raw_connect()) != -1; k++)
		;
	a = rt_raw_connect();
	b = rt_raw_connect();
	for (i = 0; i < n; i++) {
		if ((hfd = open("/dev/ptmx", O_RDWR | O_NOCTTY |
		    O_NONBLOCK)) == -1 ||
		    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
			break;
		fstat(sv[0], &st);
		xp_put64(pay, (uint64_t)st.st_ino);
		two[0] = sv[1];
		two[1] = hfd;
		if (rt_send(a, XP_ADOPT, pay, 8, two, 2) == 0 &&
		    rt_send(b, XP_IDENTIFY, NULL, 0, sv, 1) == 0 &&
		    rt_reply(b, &r, 2000) == 0 && r.err == 0)
			good++;
		close(sv[1]);
		close(hfd);
		close(sv[0]);		/* the pty hangs up */
	}
	is_int(good, n, "with %d idle connections, a pty posted on one "
	    "connection is known at once on another (%d times)", k, n);
	close(a);
	close(b);
	for (i = 0; i < k; i++)
		close(idle[i]);
}

int
main(void)
{
	struct rlimit	rl;
	struct rpty	p;
	int		nidle = 2000, *idle;

	rt_env();
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max != RLIM_INFINITY && (long)rl.rlim_max - 100 < nidle)
		nidle = (int)rl.rlim_max - 100;
	if (nidle < 500)
		skip_all("RLIMIT_NOFILE below 600");
	if (rt_open(&p, 0) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return (done_testing());
	}
	idle = calloc((size_t)nidle, sizeof(*idle));
	compare(XP_STATUS, "XP_STATUS (looks at no connection)", idle, nidle);
	compare(XP_SYNC, "XP_SYNC of an unknown pty", idle, nidle);
	compare(XP_IDENTIFY, "XP_IDENTIFY of an unknown socket", idle, nidle);
	ordering(idle, nidle, 200);
	free(idle);
	rt_close(&p);
	rt_cleanup();
	return (done_testing());
}
