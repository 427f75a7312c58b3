/*
 * daemonfail.c - a relayed manager whose daemon is gone goes on in the
 * direct engine, and never raises SIGPIPE (issue 11, D6).
 *
 *   killed: after SIGKILL of xptyd, write() on a manager (SIGPIPE at its
 *     default disposition) returns as a pty's would and the bytes reach
 *     the subsidiary; the subsidiary's reply reaches the manager, through
 *     a dup() of it too, and an epoll instance watching it sees it; a
 *     pckt manager's getmsg() gets the subsidiary's data; the next open
 *     starts a new daemon.
 *   out of descriptors: a daemon started with RLIMIT_NOFILE 40 (its
 *     hard limit too) and 40 opens: each either fails or gives a pty
 *     that passes data both ways.
 * The direct engine has no daemon: it is skipped.
 */
#include <sys/epoll.h>
#include <sys/resource.h>

#include "xtest.h"

#define NOFILE	40

/* Both ways within 2 s: manager -> subsidiary, subsidiary -> manager. */
static int
both_ways(int m, int s)
{
	char	c = 0;

	if (write(m, "k", 1) != 1) {
		diag("write(manager): %s", strerror(errno));
		return (0);
	}
	if (xt_read_for(s, &c, 1, 2000) != 1 || c != 'k') {
		diag("nothing manager -> subsidiary: %s", strerror(errno));
		return (0);
	}
	c = 0;
	if (write(s, "j", 1) != 1) {
		diag("write(subsidiary): %s", strerror(errno));
		return (0);
	}
	if (xt_read_for(m, &c, 1, 2000) != 1 || c != 'j') {
		diag("nothing subsidiary -> manager: %s", strerror(errno));
		return (0);
	}
	return (1);
}

static void
killed(void)
{
	struct epoll_event	ev = { .events = EPOLLIN }, got;
	struct strbuf		cb, db;
	char			ctl[4], data[16], c = 0;
	int			m, s, m2, s2, d, ep, st, flags = 0;
	pid_t			dp, pid;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1 ||
	    xt_pair(&m2, &s2, NULL, 0, O_NOCTTY) == -1 ||
	    ioctl(m2, I_PUSH, "pckt") == -1) {
		ok(0, "ptys: %s", strerror(errno));
		return;
	}
	d = dup(m);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = m;
	epoll_ctl(ep, EPOLL_CTL_ADD, m, &ev);
	if ((dp = xt_daemon_pid()) <= 0) {
		ok(0, "the daemon's pid");
		return;
	}
	kill(dp, SIGKILL);
	usleep(300000);
	if ((pid = fork()) == 0) {
		signal(SIGPIPE, SIG_DFL);
		_exit(write(m, "y", 1) == 1 ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st), "daemon killed: write(manager) raises no SIGPIPE%s",
	    WIFSIGNALED(st) ? " (it did)" : "");
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "... and writes, as on a pty");
	signal(SIGPIPE, SIG_DFL);
	ok(write(m, "y", 1) == 1, "write(manager) in this process too");
	ok(xt_read_for(s, data, 2, 2000) == 2, "the bytes reach the subsidiary");
	write(s, "r", 1);
	ok(epoll_wait(ep, &got, 1, 2000) == 1 && got.data.fd == m,
	    "the epoll instance watching the manager sees the reply");
	ok(xt_read_for(m, &c, 1, 2000) == 1 && c == 'r',
	    "the subsidiary's reply reaches the manager");
	write(s, "q", 1);
	c = 0;
	ok(xt_read_for(d, &c, 1, 2000) == 1 && c == 'q', "and a dup() of it");
	write(s2, "p", 1);
	usleep(100000);
	cb.maxlen = sizeof(ctl);
	cb.buf = ctl;
	db.maxlen = sizeof(data);
	db.buf = data;
	st = getmsg(m2, &cb, &db, &flags);
	ok(st >= 0 && cb.len == 1 && ctl[0] == M_DATA && db.len == 1 &&
	    data[0] == 'p', "pckt: getmsg gets the subsidiary's data (%d: "
	    "ctl %d, data %d)", st, cb.len, db.len);
	close(m);
	close(d);
	close(s);
	close(m2);
	close(s2);
	close(ep);
	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1) {
		ok(0, "a new pty: %s", strerror(errno));
		return;
	}
	/* a new manager's first use starts it (lib/defer.c) */
	ok(both_ways(m, s), "the next pty works");
	dp = xt_daemon_pid();
	ok(xt_engine_direct() || dp > 0, "its use started a new daemon");
	close(m);
	close(s);
}

/* In a child: start the daemon of dir with RLIMIT_NOFILE NOFILE. */
static void
start_limited(const char *dir)
{
	struct rlimit	rl = { NOFILE, NOFILE };
	int		m, s, st;

	if (fork() == 0) {
		setenv("XPTY_RUNDIR", dir, 1);
		setenv("XPTY_IDLE", "30", 1);
		setrlimit(RLIMIT_NOFILE, &rl);
		_exit(xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1);
	}
	wait(&st);
}

static void
out_of_fds(void)
{
	const char	*run = getenv("XPTY_RUNDIR");
	char		 dir[512];
	int		 ms[NOFILE], ss[NOFILE], i, n = 0, good = 0, first = -1;
	pid_t		 dp;

	if (run == NULL)
		return;
	snprintf(dir, sizeof(dir), "%s/nofile", run);
	mkdir(dir, 0700);
	start_limited(dir);
	setenv("XPTY_RUNDIR", dir, 1);
	for (i = 0; i < NOFILE; i++) {
		if (xt_pair(&ms[n], &ss[n], NULL, 0, O_NOCTTY) == -1)
			continue;	/* failing is allowed */
		n++;
	}
	for (i = 0; i < n; i++) {
		if (both_ways(ms[i], ss[i]))
			good++;
		else if (first == -1)
			first = i;
	}
	ok(n > 0 && good == n, "a daemon limited to %d descriptors: every one "
	    "of %d opens that succeeded passes data both ways (%d do; first "
	    "that does not: %d)", NOFILE, n, good, first);
	for (i = 0; i < n; i++) {
		close(ms[i]);
		close(ss[i]);
	}
	if ((dp = xt_daemon_pid()) > 0)
		kill(dp, SIGTERM);
	setenv("XPTY_RUNDIR", run, 1);
}

int
main(int argc, char **argv)
{
	xt_init(argc, argv);
	if (xt_engine_direct())
		skip_all("the direct engine has no daemon");
	killed();
	out_of_fds();
	return (done_testing());
}
