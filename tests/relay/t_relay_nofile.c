/*
 * t_relay_nofile.c - a daemon out of descriptors neither spins nor keeps
 * a dead pty looking alive (issue 11, D6, the daemon's side).
 *
 * The daemon is started by hand with RLIMIT_NOFILE 32 soft, 64 hard: it
 * raises the soft limit to the hard one.  Then ptys are opened until it
 * is full.  Every pty that opened either passes data both ways, or its
 * manager socket has no peer (the daemon never got it: the kernel drops
 * descriptors it cannot install, MSG_CTRUNC, and the daemon closes that
 * control connection), so the library can tell at once.  Connections
 * beyond the limit are closed at once, not left in the accept queue; the
 * daemon uses no CPU meanwhile; once ptys close it serves again.
 */
#include "rtest.h"
#include <sys/resource.h>

#define MAXPTY	60

static pid_t
start_daemon(void)
{
	struct rlimit	rl = { 32, 64 };
	const char	*d = getenv("XPTY_DAEMON");
	pid_t		 pid;
	int		 i, p, np, nc, fd;

	if ((pid = fork()) == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1)
			dup2(fd, 2);
		setrlimit(RLIMIT_NOFILE, &rl);
		execl(d, "xptyd", "-f", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		if (relay_status(&p, &np, &nc) == 0)
			return (p == pid ? pid : -1);
		usleep(10000);
	}
	return (-1);
}

static long
soft_nofile(pid_t pid)
{
	char	 path[64], line[256];
	long	 v = -1;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "Max open files", 14) == 0)
			v = atol(line + 26);
	fclose(f);
	return (v);
}

/* Does the manager socket fd have no peer (end of file at once)? */
static int
no_peer(int fd)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };

	return (poll(&pfd, 1, 200) == 1 && (pfd.revents & (POLLHUP | POLLIN)) &&
	    recv(fd, &pfd, 1, MSG_PEEK | MSG_DONTWAIT) == 0);
}

/* Data both ways through p within 1 s each. */
static int
works(struct rpty *p, int s)
{
	char	c;

	return (write(p->fd, "k", 1) == 1 && rt_readn(s, &c, 1, 1000) == 1 &&
	    c == 'k' && write(s, "j", 1) == 1 &&
	    rt_readn(p->fd, &c, 1, 1000) == 1 && c == 'j');
}

int
main(void)
{
	struct rpty	p[MAXPTY];
	int		s[MAXPTY], n, i, good = 0, peerless = 0, dead = 0;
	int		refused = 0, served = 0, raw[10], pid2, np, nc;
	struct xp_reply	r;
	double		cpu;
	char		c;
	pid_t		pid;

	rt_env();
	setenv("XPTY_IDLE", "30", 1);
	if ((pid = start_daemon()) == -1) {
		ok(0, "the daemon started");
		return (done_testing());
	}
	is_int((int)soft_nofile(pid), 64, "started with RLIMIT_NOFILE 32:64, "
	    "the daemon raised its soft limit to the hard one");
	for (n = 0; n < MAXPTY; n++) {
		if (rt_open(&p[n], 0) == -1)
			break;
		s[n] = rt_subsid(&p[n], O_NONBLOCK);
		if (no_peer(p[n].fd))
			peerless++;
		else if (works(&p[n], s[n]))
			good++;
		else
			dead++;
	}
	ok(good > 0 && n - good > 0, "at the limit: %d of %d opens work, %d "
	    "have no peer, %d failed", good, n, peerless, MAXPTY - n);
	is_int(dead, 0, "no pty that opened is dead with a live peer");
	for (i = 0; i < 10; i++) {
		raw[i] = rt_raw_connect();
		if (raw[i] == -1)
			continue;
		/* bounds for a loaded machine: a connection left in the
		 * accept queue would wait for ever */
		if (rt_send(raw[i], XP_STATUS, NULL, 0, NULL, 0) == 0 &&
		    rt_reply(raw[i], &r, 2000) == 0)
			served++;
		else if (rt_readable(raw[i], 2000) && read(raw[i], &c, 1) <= 0)
			refused++;
	}
	ok(refused > 0 && served + refused == 10, "connections beyond the "
	    "limit are closed at once: %d served, %d closed, %d left waiting",
	    served, refused, 10 - served - refused);
	cpu = rt_cpu_over(pid, 500);
	ok(cpu >= 0 && cpu < 5, "the daemon is idle at its limit (%.0f%% CPU)",
	    cpu);
	for (i = 0; i < 10; i++)
		if (raw[i] != -1)
			close(raw[i]);
	for (i = 0; i < n; i++) {
		close(s[i]);
		rt_close(&p[i]);
		(void)relay_sync_close(p[i].ptyno);
	}
	for (i = 0; i < 1000; i++) {	/* 10 s: a loaded machine */
		if (relay_status(&pid2, &np, &nc) == 0 && np == 0)
			break;
		usleep(10000);
	}
	ok(np == 0 && pid2 == pid, "the ptys close, the same daemon is left");
	ok(rt_open(&p[0], 0) == 0 && (s[0] = rt_subsid(&p[0], O_NONBLOCK)) >= 0
	    && works(&p[0], s[0]), "and it serves a new pty both ways");
	close(s[0]);
	rt_close(&p[0]);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	rt_cleanup();
	return (done_testing());
}
