/*
 * t_relay_exit.c - when xptyd leaves on its own (xptyd(8), XPTY_IDLE):
 * what holds it is a pty, a data connection, or a request under way; an
 * idle control connection, which every client process keeps, does not.
 * When it leaves, its socket path goes and its clients read end of file.
 */
#include "rtest.h"

#define IDLE_S		1
#define GONE_MS		5000	/* leaving: IDLE_S and time to spare */
#define STAY_MS		2500	/* 2.5 times IDLE_S: it had to stay */

/* The daemon's pid, or -1 if none runs. */
static int
daemon_pid(void)
{
	int	pid, np, nc;

	if (relay_status(&pid, &np, &nc) == -1)
		return (-1);
	return (pid);
}

/* Start a daemon (a pty opened and closed): its pid, or -1. */
static int
start_daemon(void)
{
	struct rpty	p;
	int		pid;

	if (rt_open(&p, 0) == -1) {
		diag("relay_open: %s", relay_last_error());
		return (-1);
	}
	pid = daemon_pid();
	rt_close(&p);
	return (pid);
}

/* Is process pid gone within ms? */
static int
gone_within(int pid, int ms)
{
	double	t0 = rt_now();

	while (kill(pid, 0) == 0) {
		if ((rt_now() - t0) * 1000 > ms)
			return (0);
		usleep(20000);
	}
	return (1);
}

static int
sock_exists(void)
{
	char		dir[108], path[108];
	struct stat	st;

	if (xp_rundir(dir, sizeof(dir)) == -1 ||
	    xp_sockpath(path, sizeof(path), dir, NULL) == -1)
		return (-1);
	return (stat(path, &st) == 0);
}

/* An idle control connection does not keep the daemon. */
static void
idle_connection(void)
{
	char	b;
	int	pid = start_daemon(), c = rt_raw_connect();

	ok(pid > 0 && c != -1, "a daemon runs and a client connects");
	ok(pid > 0 && gone_within(pid, GONE_MS), "with only idle control "
	    "connections open, it leaves after XPTY_IDLE (%d s)", IDLE_S);
	is_int(sock_exists(), 0, "its socket path is gone");
	ok(c != -1 && rt_readable(c, 1000) && read(c, &b, 1) == 0,
	    "the idle client reads end of file");
	if (c != -1)
		close(c);
}

/* A pty keeps it; once the pty is gone, it leaves. */
static void
pty_holds(void)
{
	struct rpty	p;
	int		pid;

	if (rt_open(&p, 0) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return;
	}
	pid = daemon_pid();
	usleep(STAY_MS * 1000);
	ok(pid > 0 && kill(pid, 0) == 0 && sock_exists() == 1, "a pty keeps "
	    "the daemon, listening, past XPTY_IDLE");
	rt_close(&p);
	ok(pid > 0 && gone_within(pid, GONE_MS), "it leaves once the pty is "
	    "gone");
}

/* Half a request keeps it; answered, the connection idles again. */
static void
request_holds(void)
{
	struct xp_reply	r;
	uint8_t		hdr[XP_HDRLEN];
	int		pid = start_daemon(), c = rt_raw_connect();

	xp_put_hdr(hdr, XP_STATUS, 0);
	ok(c != -1 && write(c, hdr, 4) == 4, "a client sends half a request");
	usleep(STAY_MS * 1000);
	ok(pid > 0 && kill(pid, 0) == 0 && sock_exists() == 1, "the request "
	    "under way keeps the daemon, listening, past XPTY_IDLE");
	ok(c != -1 && write(c, hdr + 4, XP_HDRLEN - 4) == XP_HDRLEN - 4 &&
	    rt_reply(c, &r, 2000) == 0 && r.err == 0 && r.ptyno == pid,
	    "the rest of it is answered");
	ok(pid > 0 && gone_within(pid, GONE_MS), "then it leaves, the "
	    "connection open");
	if (c != -1)
		close(c);
}

int
main(void)
{
	rt_env();
	setenv("XPTY_IDLE", "1", 1);
	idle_connection();
	pty_holds();
	request_holds();
	rt_cleanup();
	return (done_testing());
}
