/*
 * t_relay_many.c - 1,000 simultaneous ptys in one daemon, all relaying
 * both ways; the daemon's memory per idle pty stays under 64 KiB; every
 * last close is seen; all ptys leave the daemon when closed.
 */
#include "rtest.h"
#include <sys/resource.h>

#define NPTY	1000

static long
daemon_rss_kib(int pid)
{
	char	path[64], line[256];
	FILE	*f;
	long	kib = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return (kib);
}

int
main(void)
{
	static struct rpty	p[NPTY];
	static int		s[NPTY];
	struct rlimit		rl;
	int			i, n, pid, np, nc, okd = 0, oku = 0, eofs = 0;
	long			rss1, rssn;
	char			c;

	rt_env();
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 3 * NPTY + 64)
		skip_all("RLIMIT_NOFILE hard limit %ld too low",
		    (long)rl.rlim_max);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);

	if (rt_open(&p[0], 0) == -1 || relay_status(&pid, &np, &nc) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return (done_testing());
	}
	usleep(100000);
	rss1 = daemon_rss_kib(pid);
	for (n = 1; n < NPTY; n++)
		if (rt_open(&p[n], 0) == -1)
			break;
	is_int(n, NPTY, "%d ptys opened", NPTY);
	if (relay_status(&pid, &np, &nc) == -1)
		np = -1;
	is_int(np, n, "one daemon holds them all");
	usleep(100000);
	rssn = daemon_rss_kib(pid);
	diag("daemon RSS %ld KiB with 1 pty, %ld KiB with %d: %.1f KiB each",
	    rss1, rssn, n, (double)(rssn - rss1) / (n - 1));
	ok(rssn > 0 && (rssn - rss1) * 1024 / (n - 1) <= 64 * 1024,
	    "<= 64 KiB of daemon memory per idle pty");

	for (i = 0; i < n; i++)
		s[i] = rt_subsid(&p[i], 0);
	for (i = 0; i < n; i++)
		write(p[i].fd, "d", 1);
	for (i = 0; i < n; i++)
		write(s[i], "u", 1);
	for (i = 0; i < n; i++) {
		if (rt_readn(s[i], &c, 1, 2000) == 1 && c == 'd')
			okd++;
		if (rt_readn(p[i].fd, &c, 1, 2000) == 1 && c == 'u')
			oku++;
	}
	is_int(okd, n, "all relay manager -> subsidiary");
	is_int(oku, n, "all relay subsidiary -> manager");
	for (i = 0; i < n; i++)
		close(s[i]);
	for (i = 0; i < n; i++)
		if (rt_readable(p[i].fd, 2000) && read(p[i].fd, &c, 1) == 0)
			eofs++;
	is_int(eofs, n, "every manager reads its last close as 0");
	for (i = 0; i < n; i++)
		rt_close(&p[i]);
	for (i = 0; i < 500; i++) {
		if (relay_status(&pid, &np, &nc) == 0 && np == 0)
			break;
		usleep(10000);
	}
	is_int(np, 0, "all ptys left the daemon");
	rt_cleanup();
	return (done_testing());
}
