/*
 * xpty-bench - libxpty against the native pty, measured side by side.
 *
 * Each metric is measured by a worker process (this program re-executed
 * with --worker NAME) in several configurations: "native" (no libxpty),
 * "svr4" (libxpty preloaded, default mode: relay engine when xptyd is
 * available), "native-mode" (libxpty preloaded with XPTY_MODE=native).
 * Runs alternate between configurations, ROUNDS times; the table shows the
 * median, min and max of each and the ratio of medians to native.  No
 * timing is asserted anywhere: this is for people reading the numbers.
 *
 * Metrics:
 *   fdops     ns per (write 1 byte, read 1 byte, ioctl FIONREAD, dup+close)
 *             on a pipe: the cost of interposition on unrelated descriptors
 *   thru-m2s  MiB/s manager -> subsidiary, raw
 *   thru-s2m  MiB/s subsidiary -> manager, raw
 *   rtt-p50   1-byte round trip, microseconds, median (and rtt-p99)
 *   opens     full SVR4 open sequences per second (openpt, grantpt,
 *             unlockpt, ptsname, open, three I_PUSH, close both)
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "xpty.h"

#define ROUNDS_DEFAULT	5

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A raw pair: SVR4 push of ptem only (termios raw), or cfmakeraw natively. */
static int
open_pair(int *m, int *s)
{
	struct termios t;

	if ((*m = posix_openpt(O_RDWR | O_NOCTTY)) == -1 || grantpt(*m) == -1 ||
	    unlockpt(*m) == -1)
		return -1;
	if ((*s = open(ptsname(*m), O_RDWR | O_NOCTTY)) == -1)
		return -1;
	(void)ioctl(*s, I_PUSH, "ptem");
	if (tcgetattr(*s, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(*s, TCSANOW, &t);
	}
	return 0;
}

static double
w_fdops(void)
{
	int p[2], i, n = 200000, nr, d;
	char c = 'x';
	double t0;

	if (pipe(p) == -1)
		return -1;
	t0 = now();
	for (i = 0; i < n; i++) {
		if (write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1)
			return -1;
		ioctl(p[0], FIONREAD, &nr);
		d = dup(p[0]);
		close(d);
	}
	return (now() - t0) / n * 1e9;
}

static double
w_thru(int m2s)
{
	static char buf[65536];
	size_t total = 64UL << 20, done = 0;
	int m, s, src, dst;
	double t0;
	pid_t pid;
	ssize_t r;

	if (open_pair(&m, &s) == -1)
		return -1;
	src = m2s ? m : s;
	dst = m2s ? s : m;
	memset(buf, 'a', sizeof(buf));
	t0 = now();
	if ((pid = fork()) == 0) {
		size_t sent = 0;

		close(dst);
		while (sent < total) {
			r = write(src, buf, sizeof(buf));
			if (r <= 0)
				_exit(1);
			sent += (size_t)r;
		}
		_exit(0);
	}
	while (done < total) {
		r = read(dst, buf, sizeof(buf));
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	waitpid(pid, NULL, 0);
	close(m);
	close(s);
	return done / (now() - t0) / (1 << 20);
}

static double
w_rtt(int pct)
{
	enum { N = 20000 };
	static double lat[N];
	int m, s, i;
	char c = 'x';
	pid_t pid;

	if (open_pair(&m, &s) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		close(m);
		while (read(s, &c, 1) == 1)
			if (write(s, &c, 1) != 1)
				break;
		_exit(0);
	}
	close(s);
	for (i = 0; i < N; i++) {
		double t0 = now();

		if (write(m, &c, 1) != 1 || read(m, &c, 1) != 1)
			return -1;
		lat[i] = (now() - t0) * 1e6;
	}
	close(m);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	qsort(lat, N, sizeof(lat[0]), cmp_double);
	return lat[N * pct / 100];
}

static double
w_opens(void)
{
	int i, n = 2000, m, s;
	double t0 = now();

	for (i = 0; i < n; i++) {
		if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1 ||
		    grantpt(m) == -1 || unlockpt(m) == -1 ||
		    (s = open(ptsname(m), O_RDWR | O_NOCTTY)) == -1)
			return -1;
		(void)ioctl(s, I_PUSH, "ptem");
		(void)ioctl(s, I_PUSH, "ldterm");
		(void)ioctl(s, I_PUSH, "ttcompat");
		close(s);
		close(m);
	}
	return n / (now() - t0);
}

static double
worker(const char *name)
{
	if (strcmp(name, "fdops") == 0)
		return w_fdops();
	if (strcmp(name, "thru-m2s") == 0)
		return w_thru(1);
	if (strcmp(name, "thru-s2m") == 0)
		return w_thru(0);
	if (strcmp(name, "rtt-p50") == 0)
		return w_rtt(50);
	if (strcmp(name, "rtt-p99") == 0)
		return w_rtt(99);
	if (strcmp(name, "opens") == 0)
		return w_opens();
	return -1;
}

struct config {
	const char	*name;
	int		 preload;
	const char	*mode;
};

static const struct config configs[] = {
	{ "native", 0, NULL },
	{ "svr4", 1, "svr4" },
	{ "native-mode", 1, "native" },
};
#define NCONF	(sizeof(configs) / sizeof(configs[0]))

static double
run_worker(const char *self, const char *lib, const struct config *c,
    const char *metric)
{
	int p[2];
	char out[64] = "";
	pid_t pid;
	ssize_t r;

	if (pipe(p) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		if (c->preload)
			setenv("LD_PRELOAD", lib, 1);
		else
			unsetenv("LD_PRELOAD");
		if (c->mode != NULL)
			setenv("XPTY_MODE", c->mode, 1);
		execl(self, self, "--worker", metric, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	r = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	waitpid(pid, NULL, 0);
	return r > 0 ? atof(out) : -1;
}

int
main(int argc, char **argv)
{
	static const char *metrics[] = { "fdops", "thru-m2s", "thru-s2m",
	    "rtt-p50", "rtt-p99", "opens" };
	static const char *units[] = { "ns/op", "MiB/s", "MiB/s", "us", "us",
	    "opens/s" };
	char self[PATH_MAX], lib[PATH_MAX];
	const char *top = getenv("XPTY_BUILDDIR");
	int rounds = ROUNDS_DEFAULT;
	size_t mi, ci;
	int r;

	if (argc == 3 && strcmp(argv[1], "--worker") == 0) {
		printf("%.3f\n", worker(argv[2]));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--rounds") == 0)
		rounds = atoi(argv[2]) > 0 ? atoi(argv[2]) : ROUNDS_DEFAULT;
	if (realpath("/proc/self/exe", self) == NULL)
		return 1;
	snprintf(lib, sizeof(lib), "%s/lib/.libs/libxpty.so.0",
	    top != NULL ? top : XPTY_TOP_BUILDDIR);
	printf("xpty-bench: %d alternating rounds per configuration; median [min..max]; ratio = median / native median\n",
	    rounds);
	printf("%-9s %-8s %-12s %28s %8s\n", "metric", "unit", "config",
	    "median [min..max]", "ratio");
	for (mi = 0; mi < sizeof(metrics) / sizeof(metrics[0]); mi++) {
		double v[NCONF][64], med[NCONF];

		for (r = 0; r < rounds && r < 64; r++)
			for (ci = 0; ci < NCONF; ci++)
				v[ci][r] = run_worker(self, lib, &configs[ci],
				    metrics[mi]);
		for (ci = 0; ci < NCONF; ci++) {
			qsort(v[ci], (size_t)rounds, sizeof(double), cmp_double);
			med[ci] = v[ci][rounds / 2];
			printf("%-9s %-8s %-12s %10.2f [%7.2f..%7.2f] %8.3f\n",
			    metrics[mi], units[mi], configs[ci].name, med[ci],
			    v[ci][0], v[ci][rounds - 1],
			    med[0] > 0 ? med[ci] / med[0] : 0);
		}
	}
	return 0;
}
