/*
 * leaks.c - the whole pty life cycle, repeated, leaves nothing behind
 * (issue 5, hardening).
 *
 * Theory of operation.  One cycle is what an SVR4 program does for each
 * session: posix_openpt, grantpt, unlockpt, ptsname, open the subsidiary,
 * push ptem, ldterm and ttcompat, close both (every 8th cycle the manager
 * first, every 16th with a dup of the manager closed in between).  After a
 * warm-up (allocators, the daemon's first connection) the test records
 * this process's descriptor count (/proc/self/fd) and resident size
 * (VmRSS), and in the relay engine the same for xptyd, found through
 * /proc as the xptyd whose socket is in $XPTY_RUNDIR.  A pty kept open
 * meanwhile keeps the daemon from its idle exit.  Then it runs cycles
 * until XPTY_LEAK_CYCLES (default 20000; the figure is 100000)
 * or XPTY_LEAK_SECS (default 20) is reached, whichever is first, and
 * checks that the descriptor counts are back where they were and that
 * neither resident size grew by more than LEAK_RSS_SLACK.  A leak of one
 * descriptor or of 100 bytes per cycle fails.
 *
 * Built as t_leaks (linked, the relay engine) and d_leaks (preloaded,
 * the direct engine).  Under AddressSanitizer the quarantine holds freed
 * memory back, so the resident sizes are only reported there.
 */
#include "xtest.h"

#define WARMUP		200
#define LEAK_RSS_SLACK	(1024L * 1024)	/* bytes */

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN	1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN	0
#endif

/* VmRSS of pid (0: this process) in bytes, or -1. */
static long
rss_bytes(pid_t pid)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 kb = -1;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/status");
	else
		snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kb = atol(line + 6);
			break;
		}
	fclose(f);
	return (kb < 0 ? -1 : kb * 1024);
}

/* One life cycle; 0, or -1 with the failing step in *what. */
static int
cycle(long i, const char **what)
{
	char	*name;
	int	 m, s, c;

	*what = "posix_openpt";
	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1)
		return (-1);
	*what = "grantpt, unlockpt, ptsname";
	if (grantpt(m) == -1 || unlockpt(m) == -1 || (name = ptsname(m)) == NULL)
		goto fail_m;
	*what = "open the subsidiary";
	if ((s = open(name, O_RDWR | O_NOCTTY)) == -1)
		goto fail_m;
	*what = "push ptem, ldterm, ttcompat";
	if (xt_push3(s) == -1)
		goto fail_s;
	if (i % 16 == 0) {
		*what = "dup the manager";
		if ((c = dup(m)) == -1 || ioctl(c, ISPTM, 0) != 0 || close(c) != 0)
			goto fail_s;
	}
	*what = "close";
	if (i % 8 == 0) {
		if (close(m) != 0 || close(s) != 0)
			return (-1);
	} else if (close(s) != 0 || close(m) != 0)
		return (-1);
	return (0);
fail_s:
	close(s);
fail_m:
	close(m);
	return (-1);
}

/* Let asynchronous closes (the daemon's side) finish: wait for want. */
static int
settle_fds(pid_t pid, int want)
{
	int	i, n = xt_count_fds(pid);

	for (i = 0; i < 300 && n != want; i++) {
		usleep(10000);
		n = xt_count_fds(pid);
	}
	return (n);
}

int
main(int argc, char **argv)
{
	const char	*e, *what = NULL;
	long		 max_cycles = 20000, i, fails = 0, ran = 0;
	double		 max_secs = 20, t0, took;
	int		 relay, anchor_m = -1, anchor_s = -1, fd0, fd1, dfd0 = -1, dfd1;
	long		 rss0, rss1, drss0 = -1, drss1;
	pid_t		 daemon = 0;

	xt_init(argc, argv);
	if ((e = getenv("XPTY_LEAK_CYCLES")) != NULL && atol(e) > 0)
		max_cycles = atol(e);
	if ((e = getenv("XPTY_LEAK_SECS")) != NULL && atof(e) > 0)
		max_secs = atof(e);
	relay = !xt_engine_direct();
	diag("engine: %s; up to %ld cycles or %.0f s", relay ? "relay" : "direct",
	    max_cycles, max_secs);

	ok(xt_pair(&anchor_m, &anchor_s, NULL, 0, O_NOCTTY) == 0,
	    "a pty kept open throughout");
	for (i = 0; i < WARMUP; i++)
		if (cycle(i, &what) == -1)
			fails++;
	is_int(fails, 0, "warm-up: %d cycles", WARMUP);
	fd0 = xt_count_fds(0);
	rss0 = rss_bytes(0);
	if (relay) {
		daemon = xt_daemon_pid();
		ok(daemon > 0, "relay: the daemon serving $XPTY_RUNDIR is found (pid %ld)",
		    (long)daemon);
		if (daemon > 0) {
			usleep(100000);
			dfd0 = xt_count_fds(daemon);
			drss0 = rss_bytes(daemon);
		}
	}

	fails = 0;
	t0 = xt_now();
	for (i = 0; i < max_cycles; i++) {
		if ((i & 63) == 0 && xt_now() - t0 > max_secs)
			break;
		if (cycle(i, &what) == -1 && fails++ == 0)
			diag("cycle %ld: %s failed: %s", i, what, strerror(errno));
		ran++;
	}
	took = xt_now() - t0;
	diag("%ld cycles in %.1f s (%.0f/s)%s", ran, took, (double)ran / took,
	    ran < max_cycles ? ", stopped by the time limit" : "");
	is_int(fails, 0, "%ld cycles: open, grantpt, unlockpt, ptsname, open "
	    "subsidiary, 3 pushes, close", ran);

	fd1 = xt_count_fds(0);
	rss1 = rss_bytes(0);
	is_int(fd1, fd0, "this process: descriptors back to %d", fd0);
	diag("this process: VmRSS %ld KiB -> %ld KiB (%+.1f bytes/cycle)",
	    rss0 / 1024, rss1 / 1024, (double)(rss1 - rss0) / (double)ran);
	if (UNDER_ASAN)
		ok(1, "this process: resident size # SKIP AddressSanitizer's quarantine");
	else
		ok(rss0 > 0 && rss1 - rss0 <= LEAK_RSS_SLACK,
		    "this process: resident size grew %ld KiB (at most %ld)",
		    (rss1 - rss0) / 1024, LEAK_RSS_SLACK / 1024);

	if (relay && daemon > 0) {
		dfd1 = settle_fds(daemon, dfd0);
		drss1 = rss_bytes(daemon);
		is_int(dfd1, dfd0, "xptyd: descriptors back to %d", dfd0);
		diag("xptyd: VmRSS %ld KiB -> %ld KiB (%+.1f bytes/cycle)",
		    drss0 / 1024, drss1 / 1024, (double)(drss1 - drss0) / (double)ran);
		if (UNDER_ASAN)
			ok(1, "xptyd: resident size # SKIP AddressSanitizer's quarantine");
		else
			ok(drss0 > 0 && drss1 > 0 && drss1 - drss0 <= LEAK_RSS_SLACK,
			    "xptyd: resident size grew %ld KiB (at most %ld)",
			    (drss1 - drss0) / 1024, LEAK_RSS_SLACK / 1024);
		ok(xt_daemon_pid() == daemon, "xptyd: still the same daemon");
	}
	close(anchor_s);
	close(anchor_m);
	return (done_testing());
}
