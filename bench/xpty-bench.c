/*
 * xpty-bench - libxpty against the native pty, measured side by side.
 *
 * Theory of operation.  Each metric group is measured by a worker process
 * (this program re-executed with --worker GROUP) in every configuration of
 * the table below (configs[]: a name, whether libxpty is preloaded, and
 * the environment it runs with); CONFIGS=a,b,... picks some,
 * BENCH_GROUPS=rtt,opens,... some groups.  Rounds
 * alternate between configurations (ROUNDS, default 7); the table shows
 * the median, min and max of each value and the ratio of medians to
 * native's in the same run.  No timing is asserted anywhere: this is for
 * people reading the numbers.  The machine's load (/proc/loadavg) and the
 * share of CPU time stolen by the hypervisor (/proc/stat) are printed for
 * each group, as they were while it ran.
 *
 * Groups and what a worker reports (key=value on one line):
 *   fdops     ns per (write 1 byte, read 1 byte, ioctl FIONREAD, dup +
 *             close) on a pipe: interposition on unrelated descriptors
 *   rtt       1-byte round trips through a raw pair: p50, p90, p99 (us),
 *             and CPU time per trip of the application, the peer (the
 *             echo process on the subsidiary) and xptyd (us)
 *   thru-m2s  manager -> subsidiary, 64 MiB: MiB/s, and CPU time per MiB
 *   thru-s2m  subsidiary -> manager          of the three processes (ms)
 *   opens     full SVR4 open sequences (openpt, grantpt, unlockpt,
 *             ptsname, open, three I_PUSH, close both) per second, and
 *             CPU time per open of the application and xptyd (us)
 * CPU time: the application's and the peer's from getrusage and wait4;
 * xptyd's from /proc/PID/schedstat (nanoseconds; /proc/PID/stat's clock
 * ticks where there is none), read before and after the measured part.
 * xptyd is the daemon serving this run's own XPTY_RUNDIR (a directory the
 * bench makes, so that no other daemon's work is counted), found in /proc
 * by its command line (xptyd -S DIR/socket).
 *
 * State: the configuration table, the run directory.  Descriptors are the
 * workers' own; nothing is shared between runs but the daemon.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "xpty.h"

#define ROUNDS_DEFAULT	7
#define ROUNDS_MAX	64
#define RTT_N		20000
#define THRU_BYTES	(64UL << 20)
#define OPENS_N		2000
#define FDOPS_N		200000
#define MAXENV		4
#define MAXKEYS		12

/* ---- the configurations ---- */

struct config {
	const char	*name;
	int		 preload;
	const char	*env[MAXENV];	/* NAME=value, NULL-terminated */
};

/*
 * Every configuration run, in this order; native is the reference and
 * must stay first.  A new engine is one more line (its XPTY_ENGINE
 * value), e.g. { "lease", 1, { "XPTY_MODE=svr4", "XPTY_ENGINE=lease" } }.
 */
static const struct config configs[] = {
	{ "native", 0, { NULL } },
	{ "svr4", 1, { "XPTY_MODE=svr4", NULL } },
	{ "relay", 1, { "XPTY_MODE=svr4", "XPTY_ENGINE=relay", NULL } },
	{ "direct", 1, { "XPTY_MODE=svr4", "XPTY_ENGINE=direct", NULL } },
	{ "lease", 1, { "XPTY_MODE=svr4", "XPTY_ENGINE=lease", NULL } },
	{ "native-mode", 1, { "XPTY_MODE=native", NULL } },
};
#define NCONF	(sizeof(configs) / sizeof(configs[0]))

/* ---- what each group reports, and how the table shows it ---- */

struct row {
	const char	*key;		/* in the worker's line */
	const char	*label;		/* in the table */
	const char	*unit;
};

struct group {
	const char	*name;
	struct row	 rows[MAXKEYS];	/* ended by a NULL key */
};

static const struct group groups[] = {
	{ "fdops", {
	    { "ns", "fdops", "ns/op" },
	    { NULL, NULL, NULL } } },
	{ "rtt", {
	    { "p50", "rtt p50", "us" },
	    { "p90", "rtt p90", "us" },
	    { "p99", "rtt p99", "us" },
	    { "cpu", "rtt cpu all", "us/trip" },
	    { "cpu_app", "  cpu app", "us/trip" },
	    { "cpu_peer", "  cpu peer", "us/trip" },
	    { "cpu_xptyd", "  cpu xptyd", "us/trip" },
	    { NULL, NULL, NULL } } },
	{ "thru-m2s", {
	    { "mibs", "m2s", "MiB/s" },
	    { "cpu", "m2s cpu all", "ms/MiB" },
	    { "cpu_app", "  cpu writer", "ms/MiB" },
	    { "cpu_peer", "  cpu reader", "ms/MiB" },
	    { "cpu_xptyd", "  cpu xptyd", "ms/MiB" },
	    { NULL, NULL, NULL } } },
	{ "thru-s2m", {
	    { "mibs", "s2m", "MiB/s" },
	    { "cpu", "s2m cpu all", "ms/MiB" },
	    { "cpu_app", "  cpu reader", "ms/MiB" },
	    { "cpu_peer", "  cpu writer", "ms/MiB" },
	    { "cpu_xptyd", "  cpu xptyd", "ms/MiB" },
	    { NULL, NULL, NULL } } },
	{ "opens", {
	    { "rate", "opens", "opens/s" },
	    { "cpu", "opens cpu all", "us/open" },
	    { "cpu_app", "  cpu app", "us/open" },
	    { "cpu_xptyd", "  cpu xptyd", "us/open" },
	    { NULL, NULL, NULL } } },
};
#define NGROUP	(sizeof(groups) / sizeof(groups[0]))

/* ---- clocks and CPU time ---- */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static double
tv_s(const struct timeval *tv)
{
	return (tv->tv_sec + tv->tv_usec / 1e6);
}

/* This process's CPU time so far, seconds. */
static double
self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (tv_s(&ru.ru_utime) + tv_s(&ru.ru_stime));
}

/* Reap a child; its whole CPU time, seconds (0 if it cannot be had). */
static double
reap_cpu(pid_t pid)
{
	struct rusage ru;
	int st;

	if (wait4(pid, &st, 0, &ru) != pid)
		return (0);
	return (tv_s(&ru.ru_utime) + tv_s(&ru.ru_stime));
}

/* Another process's CPU time so far, seconds; -1 if it has none. */
static double
proc_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ns, ut, st;
	FILE *f;
	int i;

	if (pid <= 0)
		return (-1);
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if ((f = fopen(path, "r")) != NULL) {
		i = fscanf(f, "%llu", &ns);
		fclose(f);
		if (i == 1)
			return (ns / 1e9);
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return (-1);
	/* after ") ": state is field 3; utime, stime are 14, 15 */
	for (i = 3; i < 14 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, "%llu %llu", &ut, &st) != 2)
		return (-1);
	return ((double)(ut + st) / sysconf(_SC_CLK_TCK));
}

/*
 * Does process pid run xptyd for our run directory (its command line:
 * xptyd -S DIR/socket ...)?
 */
static int
is_our_xptyd(const char *pid, const char *dir)
{
	char path[64], cmd[4096], *p, *end;
	size_t n, dl = strlen(dir);
	FILE *f;
	int named = 0, ours = 0;

	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	n = fread(cmd, 1, sizeof(cmd) - 1, f);
	fclose(f);
	cmd[n] = '\0';
	for (p = cmd, end = cmd + n; p < end; p += strlen(p) + 1) {
		if (p == cmd)
			named = strcmp(p, "xptyd") == 0 ||
			    (strlen(p) > 6 && strcmp(p + strlen(p) - 6,
			    "/xptyd") == 0);
		else if (strncmp(p, dir, dl) == 0 && p[dl] == '/')
			ours = 1;
	}
	return (named && ours);
}

/* The xptyd serving XPTY_RUNDIR (0 if none runs: native, direct). */
static pid_t
xptyd_pid(void)
{
	const char *dir = getenv("XPTY_RUNDIR");
	struct dirent *e;
	pid_t pid = 0;
	DIR *d;

	if (dir == NULL || *dir == '\0' || (d = opendir("/proc")) == NULL)
		return (0);
	while (pid == 0 && (e = readdir(d)) != NULL)
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
		    is_our_xptyd(e->d_name, dir))
			pid = (pid_t)atoi(e->d_name);
	closedir(d);
	return (pid);
}

/* xptyd's CPU time so far (0 when there is no daemon: native, direct). */
static double
xptyd_cpu(pid_t pid)
{
	double c = proc_cpu(pid);

	return (c < 0 ? 0 : c);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* ---- the workers ---- */

/* A raw pair: SVR4 push of ptem only (termios raw), or cfmakeraw natively. */
static int
open_pair(int *m, int *s)
{
	struct termios t;

	if ((*m = posix_openpt(O_RDWR | O_NOCTTY)) == -1 || grantpt(*m) == -1 ||
	    unlockpt(*m) == -1)
		return (-1);
	if ((*s = open(ptsname(*m), O_RDWR | O_NOCTTY)) == -1)
		return (-1);
	(void)ioctl(*s, I_PUSH, "ptem");
	if (tcgetattr(*s, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(*s, TCSANOW, &t);
	}
	return (0);
}

static int
w_fdops(void)
{
	int p[2], i, nr, d;
	char c = 'x';
	double t0, c0;

	if (pipe(p) == -1)
		return (-1);
	t0 = now();
	c0 = self_cpu();
	for (i = 0; i < FDOPS_N; i++) {
		if (write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1)
			return (-1);
		ioctl(p[0], FIONREAD, &nr);
		d = dup(p[0]);
		close(d);
	}
	printf("ns=%.3f cpu_app=%.3f\n", (now() - t0) / FDOPS_N * 1e9,
	    (self_cpu() - c0) / FDOPS_N * 1e9);
	return (0);
}

static int
w_rtt(void)
{
	static double lat[RTT_N];
	double c0, p0, d0, capp, cpeer, cd;
	int m, s, i;
	char c = 'x';
	pid_t pid, dpid;

	if (open_pair(&m, &s) == -1)
		return (-1);
	if ((pid = fork()) == 0) {
		close(m);
		while (read(s, &c, 1) == 1)
			if (write(s, &c, 1) != 1)
				break;
		_exit(0);
	}
	close(s);
	dpid = xptyd_pid();
	/* one trip first: every process has started */
	if (write(m, &c, 1) != 1 || read(m, &c, 1) != 1)
		return (-1);
	c0 = self_cpu();
	p0 = proc_cpu(pid);
	d0 = xptyd_cpu(dpid);
	for (i = 0; i < RTT_N; i++) {
		double t0 = now();

		if (write(m, &c, 1) != 1 || read(m, &c, 1) != 1)
			return (-1);
		lat[i] = (now() - t0) * 1e6;
	}
	capp = self_cpu() - c0;
	cpeer = proc_cpu(pid) - p0;
	cd = xptyd_cpu(dpid) - d0;
	close(m);
	kill(pid, SIGTERM);
	(void)reap_cpu(pid);
	qsort(lat, RTT_N, sizeof(lat[0]), cmp_double);
	printf("p50=%.3f p90=%.3f p99=%.3f cpu=%.3f cpu_app=%.3f "
	    "cpu_peer=%.3f cpu_xptyd=%.3f\n", lat[RTT_N / 2],
	    lat[RTT_N * 90 / 100], lat[RTT_N * 99 / 100],
	    (capp + cpeer + cd) / RTT_N * 1e6, capp / RTT_N * 1e6,
	    cpeer / RTT_N * 1e6, cd / RTT_N * 1e6);
	return (0);
}

/* The child of w_thru: write THRU_BYTES on src. */
static void
thru_writer(int src, int dst)
{
	static char buf[65536];
	size_t sent = 0;
	ssize_t r;

	close(dst);
	memset(buf, 'a', sizeof(buf));
	while (sent < THRU_BYTES) {
		r = write(src, buf, sizeof(buf));
		if (r <= 0)
			_exit(1);
		sent += (size_t)r;
	}
	_exit(0);
}

/*
 * The worker reads, a child writes.  cpu_app is the side the metric is
 * named after (m2s: the manager's writer; s2m: the manager's reader),
 * cpu_peer the other.
 */
static int
w_thru(int m2s)
{
	static char buf[65536];
	size_t done = 0;
	double t0, c0, d0, el, cme, cchild, cd, mib;
	int m, s, src, dst;
	pid_t pid, dpid;
	ssize_t r;

	if (open_pair(&m, &s) == -1)
		return (-1);
	src = m2s ? m : s;
	dst = m2s ? s : m;
	dpid = xptyd_pid();
	d0 = xptyd_cpu(dpid);
	c0 = self_cpu();
	t0 = now();
	if ((pid = fork()) == 0)
		thru_writer(src, dst);
	while (done < THRU_BYTES) {
		r = read(dst, buf, sizeof(buf));
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	el = now() - t0;
	cme = self_cpu() - c0;
	cchild = reap_cpu(pid);
	cd = xptyd_cpu(dpid) - d0;
	close(m);
	close(s);
	mib = done / (double)(1 << 20);
	if (mib <= 0)
		return (-1);
	printf("mibs=%.3f cpu=%.4f cpu_app=%.4f cpu_peer=%.4f cpu_xptyd=%.4f\n",
	    mib / el, (cme + cchild + cd) / mib * 1e3,
	    (m2s ? cchild : cme) / mib * 1e3, (m2s ? cme : cchild) / mib * 1e3,
	    cd / mib * 1e3);
	return (0);
}

static int
open_one(void)
{
	int m, s;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1 || grantpt(m) == -1 ||
	    unlockpt(m) == -1 ||
	    (s = open(ptsname(m), O_RDWR | O_NOCTTY)) == -1)
		return (-1);
	(void)ioctl(s, I_PUSH, "ptem");
	(void)ioctl(s, I_PUSH, "ldterm");
	(void)ioctl(s, I_PUSH, "ttcompat");
	close(s);
	close(m);
	return (0);
}

static int
w_opens(void)
{
	double t0, c0, d0, capp, cd;
	pid_t dpid;
	int i;

	if (open_one() == -1)		/* the daemon is up */
		return (-1);
	dpid = xptyd_pid();
	d0 = xptyd_cpu(dpid);
	c0 = self_cpu();
	t0 = now();
	for (i = 0; i < OPENS_N; i++)
		if (open_one() == -1)
			return (-1);
	t0 = now() - t0;
	capp = self_cpu() - c0;
	cd = xptyd_cpu(dpid) - d0;
	printf("rate=%.3f cpu=%.3f cpu_app=%.3f cpu_xptyd=%.3f\n", OPENS_N / t0,
	    (capp + cd) / OPENS_N * 1e6, capp / OPENS_N * 1e6,
	    cd / OPENS_N * 1e6);
	return (0);
}

static int
worker(const char *name)
{
	if (strcmp(name, "fdops") == 0)
		return (w_fdops());
	if (strcmp(name, "rtt") == 0)
		return (w_rtt());
	if (strcmp(name, "thru-m2s") == 0)
		return (w_thru(1));
	if (strcmp(name, "thru-s2m") == 0)
		return (w_thru(0));
	if (strcmp(name, "opens") == 0)
		return (w_opens());
	return (-1);
}

/* ---- running workers ---- */

/* Run one worker; its line in out (empty on failure). */
static void
run_worker(const char *self, const char *lib, const struct config *c,
    const char *group, char *out, size_t outlen)
{
	int p[2], i;
	pid_t pid;
	ssize_t r;
	size_t have = 0;

	out[0] = '\0';
	if (pipe(p) == -1)
		return;
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		close(p[0]);
		unsetenv("XPTY_MODE");
		unsetenv("XPTY_ENGINE");
		if (c->preload)
			setenv("LD_PRELOAD", lib, 1);
		else
			unsetenv("LD_PRELOAD");
		for (i = 0; i < MAXENV && c->env[i] != NULL; i++)
			putenv((char *)c->env[i]);
		execl(self, self, "--worker", group, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (have < outlen - 1 &&
	    (r = read(p[0], out + have, outlen - 1 - have)) > 0)
		have += (size_t)r;
	out[have] = '\0';
	close(p[0]);
	waitpid(pid, NULL, 0);
}

/* The value of key in a worker's line; -1 if absent. */
static double
line_value(const char *line, const char *key)
{
	size_t kl = strlen(key);
	const char *p = line;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == line || p[-1] == ' ') && p[kl] == '=')
			return (atof(p + kl + 1));
		p += kl;
	}
	return (-1);
}

/* ---- the machine: load and steal ---- */

struct cpustat {
	unsigned long long	total, steal, idle;
};

static void
cpustat_read(struct cpustat *cs)
{
	unsigned long long v[10] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int i, n = 0;

	memset(cs, 0, sizeof(*cs));
	if (f == NULL)
		return;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
	    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
	    &v[9]);
	fclose(f);
	for (i = 0; i < n && i < 8; i++)	/* guest time is in user */
		cs->total += v[i];
	cs->idle = v[3] + v[4];
	cs->steal = n > 7 ? v[7] : 0;
}

static void
loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");
	char *nl;

	buf[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	if ((nl = strchr(buf, '\n')) != NULL)
		*nl = '\0';
}

static void
machine_report(const char *what, const struct cpustat *a,
    const struct cpustat *b, const char *load0)
{
	char load1[128];
	double t = (double)(b->total - a->total);

	loadavg(load1, sizeof(load1));
	printf("# %s: load %s -> %s; steal %.1f%%, busy %.1f%% of CPU time\n",
	    what, load0, load1, t > 0 ? 100.0 * (b->steal - a->steal) / t : 0,
	    t > 0 ? 100.0 * (t - (b->idle - a->idle)) / t : 0);
}

/* ---- the table ---- */

static int
config_on(const struct config *c, const char *pick)
{
	const char *p;
	size_t n = strlen(c->name);

	if (pick == NULL || *pick == '\0' || strcmp(c->name, "native") == 0)
		return (1);
	for (p = pick; (p = strstr(p, c->name)) != NULL; p += n)
		if ((p == pick || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return (1);
	return (0);
}

static void
print_row(const struct row *rw, const char *cname, double *v, int rounds,
    double native_med)
{
	double med;
	int i, k = 0;

	for (i = 0; i < rounds; i++)
		if (v[i] >= 0)
			v[k++] = v[i];
	if (k == 0) {
		printf("%-15s %-8s %-12s %32s\n", rw->label, rw->unit, cname,
		    "(failed)");
		return;
	}
	qsort(v, (size_t)k, sizeof(double), cmp_double);
	med = v[k / 2];
	printf("%-15s %-8s %-12s %10.3f [%8.3f..%8.3f] ", rw->label, rw->unit,
	    cname, med, v[0], v[k - 1]);
	/* no ratio for xptyd: native's is an idle daemon's noise */
	if (native_med > 0 && strcmp(rw->key, "cpu_xptyd") != 0)
		printf("%7.3f\n", med / native_med);
	else
		printf("%7s\n", "-");
}

/* One group: rounds x configurations, then its rows. */
static void
run_group(const char *self, const char *lib, const struct group *g,
    int rounds, const char *pick)
{
	static double v[NCONF][MAXKEYS][ROUNDS_MAX];
	static char line[1024];
	struct cpustat a, b;
	char load0[128];
	double med[MAXKEYS];
	size_t ci;
	int r, k;

	loadavg(load0, sizeof(load0));
	cpustat_read(&a);
	for (r = 0; r < rounds; r++) {
		for (ci = 0; ci < NCONF; ci++) {
			if (!config_on(&configs[ci], pick))
				continue;
			run_worker(self, lib, &configs[ci], g->name, line,
			    sizeof(line));
			for (k = 0; k < MAXKEYS && g->rows[k].key != NULL; k++)
				v[ci][k][r] = line_value(line, g->rows[k].key);
		}
	}
	cpustat_read(&b);
	machine_report(g->name, &a, &b, load0);
	for (k = 0; k < MAXKEYS && g->rows[k].key != NULL; k++) {
		double nat[ROUNDS_MAX];

		memcpy(nat, v[0][k], sizeof(nat));
		qsort(nat, (size_t)rounds, sizeof(double), cmp_double);
		med[k] = nat[rounds / 2];
		for (ci = 0; ci < NCONF; ci++)
			if (config_on(&configs[ci], pick))
				print_row(&g->rows[k], configs[ci].name,
				    v[ci][k], rounds, med[k]);
	}
}

/* A run directory of our own, so that the daemon's CPU is this run's. */
static char *
make_rundir(void)
{
	static char dir[] = "/tmp/xpty-bench.XXXXXX";

	if (mkdtemp(dir) == NULL)
		return (NULL);
	setenv("XPTY_RUNDIR", dir, 1);
	return (dir);
}

/* Remove the run directory, unless its daemon still runs (idle, it exits). */
static void
finish_rundir(const char *dir)
{
	char lock[PATH_MAX];
	pid_t pid = xptyd_pid();

	if (pid != 0) {
		printf("# xptyd %d still serves %s: it exits when idle\n",
		    (int)pid, dir);
		return;
	}
	snprintf(lock, sizeof(lock), "%s/xptyd.v3.lock", dir);
	(void)unlink(lock);
	(void)rmdir(dir);
}

int
main(int argc, char **argv)
{
	char self[PATH_MAX], lib[PATH_MAX], load[128];
	const char *top = getenv("XPTY_BUILDDIR"), *pick = getenv("CONFIGS");
	const char *only = getenv("BENCH_GROUPS");
	int rounds = ROUNDS_DEFAULT;
	struct cpustat a, b;
	char *dir;
	size_t gi;

	if (argc == 3 && strcmp(argv[1], "--worker") == 0)
		return (worker(argv[2]) == 0 ? 0 : 1);
	if (argc == 3 && strcmp(argv[1], "--rounds") == 0)
		rounds = atoi(argv[2]) > 0 ? atoi(argv[2]) : ROUNDS_DEFAULT;
	if (rounds > ROUNDS_MAX)
		rounds = ROUNDS_MAX;
	if (realpath("/proc/self/exe", self) == NULL)
		return (1);
	snprintf(lib, sizeof(lib), "%s/lib/.libs/libxpty.so.0",
	    top != NULL ? top : XPTY_TOP_BUILDDIR);
	if ((dir = make_rundir()) == NULL) {
		perror("xpty-bench: mkdtemp");
		return (1);
	}
	loadavg(load, sizeof(load));
	cpustat_read(&a);
	printf("xpty-bench: %d alternating rounds per configuration; median "
	    "[min..max]; ratio = median / native median (same run)\n", rounds);
	printf("# %ld CPUs online; load at start %s; XPTY_RUNDIR %s\n",
	    sysconf(_SC_NPROCESSORS_ONLN), load, dir);
	printf("%-15s %-8s %-12s %32s %7s\n", "metric", "unit", "config",
	    "median [min..max]", "ratio");
	for (gi = 0; gi < NGROUP; gi++)
		if (only == NULL || *only == '\0' ||
		    strstr(only, groups[gi].name) != NULL)
			run_group(self, lib, &groups[gi], rounds, pick);
	cpustat_read(&b);
	machine_report("whole run", &a, &b, load);
	finish_rundir(dir);
	return (0);
}
