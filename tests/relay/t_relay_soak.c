/*
 * t_relay_soak.c - the daemon under a bounded storm (issue 11, "what done
 * looks like").
 *
 * SOAK_WORKERS client processes hold SOAK_PER ptys each (200 in all) and
 * move random amounts of data both ways, checking every byte.  For
 * SOAK_SECONDS the test kills random clients (SIGKILL, mid-transfer) and
 * starts others in their place, opens hostile connections (garbage,
 * requests cut short and held, floods of connections and of requests
 * whose replies are never read, requests whose client leaves at once),
 * and in the middle stops the daemon (SIGSTOP) for a second and lets it
 * go on (SIGCONT).  Afterwards every pty of every surviving client must
 * pass data both ways, the daemon's descriptors and resident memory must
 * be within 10% of what they were before the storm (the same number of
 * ptys and clients being open), and it must use no CPU while idle.
 *
 * Nothing here may hang the suite: every wait has a deadline, a client
 * that does not report in time is named as stuck and killed, and an
 * alarm ends the whole test.  Bounded by count (SOAK_EVENTS storm events)
 * and by time (SOAK_SECONDS, the alarm at SOAK_ALARM).
 */
#include "rtest.h"
#include <sys/resource.h>

#define SOAK_WORKERS	20
#define SOAK_PER	10		/* ptys per client: 200 in all */
#define SOAK_SECONDS	16
#define SOAK_EVENTS	64
#define SOAK_ALARM	100
#define XFER_MAX	8192
#define XFER_WAIT	10.0		/* seconds, longer than the stop */

struct worker {
	pid_t	pid;
	int	cmd;			/* parent -> worker */
	int	res;			/* worker -> parent */
	int	alive;
};

struct result {
	int	ok;			/* ptys passing both ways */
	int	total;
	long	xfers;			/* transfers during the storm */
	int	bad;			/* transfers that failed */
	char	why[80];
};

static struct worker	workers[SOAK_WORKERS];
static pid_t		daemon_pid;

static void	worker_kill(int);

/* ---- one client ---- */

static unsigned
rnd(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245u + 12345u;
	return ((*seed >> 8) % n);
}

/* Write all of buf to fd before the deadline. */
static int
put_all(int fd, const char *buf, size_t n, double deadline)
{
	struct pollfd	pfd = { fd, POLLOUT, 0 };
	size_t		done = 0;
	ssize_t		w;

	while (done < n) {
		if ((w = write(fd, buf + done, n - done)) > 0) {
			done += (size_t)w;
			continue;
		}
		if (w == -1 && errno != EAGAIN && errno != EINTR)
			return (-1);
		if (rt_now() > deadline)
			return (-1);
		poll(&pfd, 1, 100);
	}
	return (0);
}

/* Read exactly n bytes from fd before the deadline. */
static int
get_all(int fd, char *buf, size_t n, double deadline)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	size_t		done = 0;
	ssize_t		r;

	while (done < n) {
		if ((r = read(fd, buf + done, n - done)) > 0) {
			done += (size_t)r;
			continue;
		}
		if (r == 0 || (r == -1 && errno != EAGAIN && errno != EINTR))
			return (-1);
		if (rt_now() > deadline)
			return (-1);
		poll(&pfd, 1, 100);
	}
	return (0);
}

/* n patterned bytes from one side to the other, checked. */
static int
xfer(int from, int to, size_t n, unsigned seq)
{
	static char	out[XFER_MAX], in[XFER_MAX];
	double		deadline = rt_now() + XFER_WAIT;
	size_t		i;

	for (i = 0; i < n; i++)
		out[i] = (char)(seq + i * 7);
	if (put_all(from, out, n, deadline) == -1 ||
	    get_all(to, in, n, deadline) == -1)
		return (-1);
	return (memcmp(out, in, n) == 0 ? 0 : -1);
}

static void
worker_main(int cmd, int res, unsigned seed)
{
	struct rpty	p[SOAK_PER];
	struct result	r;
	struct pollfd	pfd = { cmd, POLLIN, 0 };
	int		s[SOAK_PER], i, k;
	char		c = 0;

	memset(&r, 0, sizeof(r));
	r.total = SOAK_PER;
	for (i = 0; i < SOAK_PER; i++) {
		if (rt_open(&p[i], O_NONBLOCK) == -1 ||
		    (s[i] = rt_subsid(&p[i], O_NONBLOCK)) == -1) {
			snprintf(r.why, sizeof(r.why), "%copen %d: %s (%s)",
			    errno == ENOSPC ? 'N' : 'F', i, relay_last_error(),
			    strerror(errno));
			write(res, r.why, strlen(r.why) + 1);
			_exit(1);
		}
	}
	write(res, "R", 1);
	for (;;) {
		if (poll(&pfd, 1, 0) == 1) {
			if (read(cmd, &c, 1) != 1 || c != 'c')
				_exit(0);
			break;
		}
		k = (int)rnd(&seed, SOAK_PER);
		if (rnd(&seed, 2) ? xfer(p[k].fd, s[k], 1 + rnd(&seed,
		    XFER_MAX), seed) : xfer(s[k], p[k].fd, 1 + rnd(&seed,
		    XFER_MAX), seed)) {
			if (r.bad++ == 0)
				snprintf(r.why, sizeof(r.why), "transfer on pty "
				    "%d failed", p[k].ptyno);
		}
		r.xfers++;
	}
	for (i = 0; i < SOAK_PER; i++)
		if (xfer(p[i].fd, s[i], 16, i) == 0 &&
		    xfer(s[i], p[i].fd, 16, i + 1) == 0)
			r.ok++;
		else if (r.why[0] == '\0')
			snprintf(r.why, sizeof(r.why), "pty %d dead at the end",
			    p[i].ptyno);
	write(res, &r, sizeof(r));
	read(cmd, &c, 1);		/* hold the ptys until told */
	_exit(0);
}

static int	held[SOAK_EVENTS * 4];
static int	nheld;
static int	anchor_fds[3];

/* In a new client: none of the parent's other descriptors. */
static void
worker_drop_inherited(void)
{
	int	j;

	for (j = 0; j < SOAK_WORKERS; j++) {
		if (workers[j].alive) {
			close(workers[j].cmd);
			close(workers[j].res);
		}
	}
	for (j = 0; j < nheld; j++)
		close(held[j]);
	for (j = 0; j < 3; j++)
		close(anchor_fds[j]);
}

/* Start client i; 0 once it has its ptys (within 10 s). */
static int
worker_start(int i, unsigned seed)
{
	struct worker	*w = &workers[i];
	int		cp[2], rp[2];
	char		c = 0, why[96];

	if (pipe(cp) == -1 || pipe(rp) == -1)
		return (-1);
	if ((w->pid = fork()) == 0) {
		close(cp[1]);
		close(rp[0]);
		worker_drop_inherited();
		worker_main(cp[0], rp[1], seed);
	}
	close(cp[0]);
	close(rp[1]);
	w->cmd = cp[1];
	w->res = rp[0];
	w->alive = 1;
	if (rt_readn(w->res, &c, 1, 10000) == 1 && c == 'R')
		return (0);
	memset(why, 0, sizeof(why));
	rt_readn(w->res, why, sizeof(why) - 1, 100);
	diag("client %d did not start: %s", (int)w->pid, c == 'F' ||
	    c == 'N' ? why : "no word in 10 s");
	worker_kill(i);
	return (c == 'N' ? -2 : -1);	/* -2: the host has no pty left */
}

static void
worker_kill(int i)
{
	struct worker	*w = &workers[i];

	if (!w->alive)
		return;
	kill(w->pid, SIGKILL);
	waitpid(w->pid, NULL, 0);
	close(w->cmd);
	close(w->res);
	w->alive = 0;
}

static void
on_alarm(int sig)
{
	int	i;

	(void)sig;
	printf("Bail out! the soak did not finish in %d s\n", SOAK_ALARM);
	fflush(stdout);
	for (i = 0; i < SOAK_WORKERS; i++)
		if (workers[i].alive)
			kill(workers[i].pid, SIGKILL);
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGCONT);
		kill(daemon_pid, SIGTERM);
	}
	_exit(1);
}

/* ---- hostile connections (the parent's, never waiting) ---- */

static void
hostile(unsigned *seed, struct rpty *anchor, int as, int kind)
{
	uint8_t	junk[4096], hdr[XP_HDRLEN], req[XP_HDRLEN + 4];
	int	fd, i, n;

	switch (kind >= 0 ? (unsigned)kind : rnd(seed, 5)) {
	case 0:		/* garbage */
		for (i = 0; i < (int)sizeof(junk); i++)
			junk[i] = (uint8_t)rnd(seed, 256);
		if ((fd = rt_raw_connect()) != -1) {
			send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL);
			close(fd);
		}
		break;
	case 1:		/* half a request, held open */
		for (n = 0; n < 4 && nheld < (int)(sizeof(held) /
		    sizeof(held[0])); n++) {
			if ((fd = rt_raw_connect()) == -1)
				break;
			xp_put_hdr(req, XP_SYNC, 4);
			xp_put32(req + XP_HDRLEN, 7);
			send(fd, req, 1 + rnd(seed, sizeof(req) - 1),
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			held[nheld++] = fd;
		}
		break;
	case 2:		/* a flood of connections */
		for (n = 0; n < 100; n++)
			if ((fd = rt_raw_connect()) != -1)
				close(fd);
		break;
	case 3:		/* requests whose replies are never read */
		if ((fd = rt_raw_connect()) == -1)
			break;
		fcntl(fd, F_SETFL, O_NONBLOCK);
		xp_put_hdr(hdr, XP_STATUS, 0);
		for (n = 0; n < 2000; n++)
			if (send(fd, hdr, sizeof(hdr), MSG_DONTWAIT |
			    MSG_NOSIGNAL) == -1)
				break;
		close(fd);
		break;
	default:	/* clients that leave mid-request */
		for (n = 0; n < 10; n++) {
			if ((fd = rt_raw_connect()) == -1)
				break;
			rt_send_inject(fd, anchor->ptyno, as, n & 1,
			    XP_M_IOCTL, "soak", 4);
			close(fd);
		}
		break;
	}
}

/* ---- the test ---- */

/*
 * While the daemon is stopped: a client opens a pty, places a zero-length
 * message and closes it, through the library.  Whatever the library does
 * about a daemon that does not answer (wait, time out, fall back), the
 * client must be done soon after the daemon runs again.
 */
static pid_t
stop_client(void)
{
	struct rpty	p;
	pid_t		pid;
	int		s;

	if ((pid = fork()) != 0)
		return (pid);
	worker_drop_inherited();
	if (rt_open(&p, 0) == 0 && (s = rt_subsid(&p, 0)) != -1) {
		(void)relay_zero_write(p.ptyno, s);
		close(s);
		rt_close(&p);
		(void)relay_sync_close(p.ptyno);
	}
	_exit(0);
}

/* Wait at most ms for child pid: its exit status, or -1 (then killed). */
static int
rt_bounded_pid(pid_t pid, int ms, double *took)
{
	double	t0 = rt_now();
	int	st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (rt_now() - t0 > ms / 1000.0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			*took = rt_now() - t0;
			return (-1);
		}
		usleep(5000);
	}
	*took = rt_now() - t0;
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* What the daemon's descriptors are, for the diagnosis of a failure. */
static void
diag_fds(int pid)
{
	char		 path[320], link[256];
	int		 sock = 0, ptmx = 0, pts = 0, other = 0;
	DIR		*d;
	struct dirent	*e;
	ssize_t		 n;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if ((d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, e->d_name);
		if ((n = readlink(path, link, sizeof(link) - 1)) < 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "socket:", 7) == 0)
			sock++;
		else if (strcmp(link, "/dev/ptmx") == 0 ||
		    strncmp(link, "/dev/pts/ptmx", 13) == 0)
			ptmx++;
		else if (strncmp(link, "/dev/pts/", 9) == 0)
			pts++;
		else
			other++;
	}
	closedir(d);
	diag("daemon %d: %d sockets, %d host managers, %d subsidiaries, %d "
	    "other", pid, sock, ptmx, pts, other);
}

/* Ask every client to check its ptys; sum up, naming the stuck ones. */
static void
check_all(int *ok_ptys, int *total, long *xfers, int *bad, char *why,
    size_t whylen)
{
	struct result	r;
	double		deadline;
	int		i;

	*ok_ptys = *total = *bad = 0;
	*xfers = 0;
	why[0] = '\0';
	for (i = 0; i < SOAK_WORKERS; i++)
		if (workers[i].alive)
			write(workers[i].cmd, "c", 1);
	deadline = rt_now() + 2 * XFER_WAIT + 5;
	for (i = 0; i < SOAK_WORKERS; i++) {
		if (!workers[i].alive)
			continue;
		*total += SOAK_PER;
		if (rt_readn(workers[i].res, &r, sizeof(r), (int)((deadline -
		    rt_now()) * 1000)) != sizeof(r)) {
			if (why[0] == '\0')
				snprintf(why, whylen, "client %d is stuck "
				    "(no report)", (int)workers[i].pid);
			worker_kill(i);
			continue;
		}
		*ok_ptys += r.ok;
		*xfers += r.xfers;
		*bad += r.bad;
		if (why[0] == '\0' && r.why[0] != '\0')
			snprintf(why, whylen, "client %d: %s",
			    (int)workers[i].pid, r.why);
	}
}

int
main(void)
{
	struct rlimit	rl;
	struct rpty	anchor;
	unsigned	seed = (unsigned)getpid();
	double		t0, cpu, took;
	pid_t		stopclient;
	long		rss0, rss1, xfers;
	int		as, i, fds0, fds1, ev = 0, kills = 0, stopped = 0;
	int		ok_ptys, total, bad, np, nc, p, started = 0, rc;
	int		failed_starts = 0, no_pty = 0;
	char		why[160];

	rt_env();
	setenv("XPTY_IDLE", "60", 1);
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	signal(SIGALRM, on_alarm);
	alarm(SOAK_ALARM);
	diag("seed %u", seed);
	if (rt_open(&anchor, 0) == -1 || (as = rt_subsid(&anchor, 0)) == -1 ||
	    relay_status(&daemon_pid, &np, &nc) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return (done_testing());
	}
	anchor_fds[0] = anchor.fd;
	anchor_fds[1] = anchor.hostfd;
	anchor_fds[2] = as;
	for (i = 0; i < SOAK_WORKERS; i++)
		started += worker_start(i, seed + (unsigned)i * 7919u) == 0;
	is_int(started, SOAK_WORKERS, "%d clients hold %d ptys, moving data",
	    SOAK_WORKERS, SOAK_WORKERS * SOAK_PER);
	/* warm up: buffers, caches, one of each hostile kind */
	for (i = 0; i < 5; i++) {
		hostile(&seed, &anchor, as, i);
		usleep(400000);
	}
	for (i = 0; i < nheld; i++)
		close(held[i]);
	nheld = 0;
	usleep(500000);
	fds0 = rt_proc_fds(daemon_pid);
	rss0 = rt_proc_rss(daemon_pid);
	relay_status(&p, &np, &nc);
	diag("before the storm: %d fds, %ld KiB, %d ptys, %d connections",
	    fds0, rss0, np, nc);
	diag_fds(daemon_pid);

	t0 = rt_now();
	while (rt_now() - t0 < SOAK_SECONDS && ev < SOAK_EVENTS) {
		ev++;
		if (!stopped && rt_now() - t0 > SOAK_SECONDS / 2) {
			kill(daemon_pid, SIGSTOP);
			hostile(&seed, &anchor, as, -1);	/* queued */
			stopclient = stop_client();
			usleep(1000000);
			kill(daemon_pid, SIGCONT);
			stopped = 1;
			rc = rt_bounded_pid(stopclient, 5000, &took);
			ok(rc == 0, "a client that called the library while the "
			    "daemon was stopped is done %.1f s after SIGCONT%s",
			    took, rc == -1 ? " (stuck in the library: killed)" :
			    "");
			continue;
		}
		if (rnd(&seed, 3) == 0) {
			i = (int)rnd(&seed, SOAK_WORKERS);
			usleep(1000 * rnd(&seed, 200));	/* mid-transfer */
			worker_kill(i);
			kills++;
			if ((rc = worker_start(i, seed)) == -1)
				failed_starts++;
			else if (rc == -2)
				no_pty++;
		} else
			hostile(&seed, &anchor, as, -1);
		usleep(100000 + 1000 * rnd(&seed, 300));
	}
	for (i = 0; i < nheld; i++)
		close(held[i]);
	diag("storm: %d events, %d clients killed, daemon stopped for 1 s "
	    "(%.1f s)", ev, kills, rt_now() - t0);
	ok(stopped && relay_status(&p, &np, &nc) == 0 && p == daemon_pid,
	    "the same daemon answers after the storm (%d ptys, %d connections)",
	    np, nc);

	usleep(500000);
	t0 = rt_now();
	check_all(&ok_ptys, &total, &xfers, &bad, why, sizeof(why));
	is_int(failed_starts, 0, "every replacement client got its ptys (%d "
	    "found the host out of ptys: other tests)", no_pty);
	ok(ok_ptys == total && total == SOAK_WORKERS * SOAK_PER -
	    (failed_starts + no_pty) * SOAK_PER,
	    "every surviving pty passes data both ways (%d of %d)%s%s",
	    ok_ptys, total, why[0] ? ": " : "", why);
	is_int(bad, 0, "no transfer failed in the storm (%ld checked; checks "
	    "took %.1f s)", xfers, rt_now() - t0);
	usleep(2500000);		/* idle: xptyd's buffers go back */
	fds1 = rt_proc_fds(daemon_pid);
	rss1 = rt_proc_rss(daemon_pid);
	if (!ok(fds1 >= 0 && fds1 <= fds0 * 1.1 && fds1 >= fds0 * 0.9,
	    "the daemon's descriptors are back: %d (%d before)", fds1, fds0))
		diag_fds(daemon_pid);
#ifdef __SANITIZE_ADDRESS__
	/* ASan's quarantine keeps what was freed: no measure of leaks */
	ok(1, "its memory: %ld KiB (%ld before) # SKIP AddressSanitizer build",
	    rss1, rss0);
#else
	ok(rss1 > 0 && rss1 <= rss0 * 1.1, "its memory is back: %ld KiB (%ld "
	    "before)", rss1, rss0);
#endif
	cpu = rt_cpu_over(daemon_pid, 1000);
	ok(cpu >= 0 && cpu < 3, "it uses no CPU while idle (%.1f%% over 1 s)",
	    cpu);

	for (i = 0; i < SOAK_WORKERS; i++) {
		if (!workers[i].alive)
			continue;
		write(workers[i].cmd, "x", 1);
		close(workers[i].cmd);
		waitpid(workers[i].pid, NULL, 0);
		close(workers[i].res);
		workers[i].alive = 0;
	}
	close(as);
	rt_close(&anchor);
	alarm(0);
	rt_cleanup();
	return (done_testing());
}
