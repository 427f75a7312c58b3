/*
 * bench_relay.c - quick relay vs native measurement (not a TAP test):
 * 1-byte round trip p50 and throughput both ways, ratios in one run.
 */
#include "rtest.h"
#include <sys/resource.h>

static int
cmpd(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static void
rawmode(int fd)
{
	struct termios	t;

	tcgetattr(fd, &t);
	cfmakeraw(&t);
	tcsetattr(fd, TCSANOW, &t);
}

/* child: echo every byte back */
static pid_t
echo_child(const char *path, int mode)
{
	pid_t	pid = fork();
	char	buf[65536];
	ssize_t	n;
	int	s;

	if (pid != 0)
		return (pid);
	s = open(path, O_RDWR | O_NOCTTY);
	rawmode(s);
	if (mode == 0) {
		while ((n = read(s, buf, sizeof(buf))) > 0)
			write(s, buf, n);
	} else if (mode == 1) {		/* sink */
		size_t	got = 0;

		while (got < ((size_t)64 << 20) &&
		    (n = read(s, buf, sizeof(buf))) > 0)
			got += n;
	} else {			/* source: 64 MiB */
		size_t	left = (size_t)64 << 20;

		memset(buf, 'x', sizeof(buf));
		while (left > 0) {
			n = write(s, buf, left < sizeof(buf) ? left : sizeof(buf));
			if (n <= 0)
				break;
			left -= n;
		}
		sleep(1);
	}
	_exit(0);
}

static int direct_w = -1, direct_r = -1;

static void
rtt_block(int m, double *v, int iters)
{
	char	c = 'a';
	int	i;

	for (i = 0; i < iters; i++) {
		double	t0 = rt_now();

		if (m == direct_r)
			relay_write(m, direct_w, &c, 1);
		else
			write(m, &c, 1);
		while (read(m, &c, 1) != 1)
			;
		v[i] = rt_now() - t0;
	}
}

static void
rtt_interleaved(int m1, const char *p1, int m2, const char *p2, int rounds,
    int iters, double *r1, double *r2)
{
	double	*v1 = calloc(rounds * iters, sizeof(double));
	double	*v2 = calloc(rounds * iters, sizeof(double));
	pid_t	a = echo_child(p1, 0), b = echo_child(p2, 0);
	int	r;

	usleep(100000);
	rtt_block(m1, v1, 1000);
	rtt_block(m2, v2, 1000);
	for (r = 0; r < rounds; r++) {
		rtt_block(m1, v1 + r * iters, iters);
		rtt_block(m2, v2 + r * iters, iters);
	}
	qsort(v1, rounds * iters, sizeof(double), cmpd);
	qsort(v2, rounds * iters, sizeof(double), cmpd);
	*r1 = v1[rounds * iters / 2];
	*r2 = v2[rounds * iters / 2];
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
}

static double __attribute__((unused))
rtt(int m, const char *path, int iters)
{
	double	*v = calloc(iters, sizeof(*v)), p50;
	pid_t	pid = echo_child(path, 0);
	char	c = 'a';
	int	i;

	usleep(100000);
	for (i = 0; i < 1000 + iters; i++) {
		double	t0 = rt_now();

		write(m, &c, 1);
		while (read(m, &c, 1) != 1)
			;
		if (i >= 1000)
			v[i - 1000] = rt_now() - t0;
	}
	qsort(v, iters, sizeof(*v), cmpd);
	p50 = v[iters / 2];
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	free(v);
	return (p50);
}

static double
tput_to_sub(int m, const char *path)
{
	static char	buf[65536];
	size_t		total = (size_t)64 << 20, done = 0;
	pid_t		pid = echo_child(path, 1);
	double		t0;
	ssize_t		n;

	usleep(100000);
	t0 = rt_now();
	while (done < total) {
		n = write(m, buf, sizeof(buf));
		if (n > 0)
			done += n;
	}
	waitpid(pid, NULL, 0);
	return (total / (rt_now() - t0) / 1e6);
}

static double
tput_from_sub(int m, const char *path)
{
	static char	buf[65536];
	size_t		total = (size_t)64 << 20, done = 0;
	pid_t		pid;
	double		t0;
	ssize_t		n;

	pid = echo_child(path, 2);
	t0 = rt_now();
	while (done < total) {
		n = read(m, buf, sizeof(buf));
		if (n > 0)
			done += n;
		else if (n == 0)
			relay_reattach(m, NULL);
		else if (errno == EIO)
			usleep(100);
	}
	t0 = total / (rt_now() - t0) / 1e6;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return (t0);
}

int
main(int argc, char **argv)
{
	struct rpty	p;
	int		m, n, iters = argc > 1 ? atoi(argv[1]) : 20000;
	char		path[64];
	double		a, b;

	rt_env();
	m = posix_openpt(O_RDWR | O_NOCTTY);
	unlockpt(m);
	ioctl(m, TIOCGPTN, &n);
	snprintf(path, sizeof(path), "/dev/pts/%d", n);
	if (rt_open(&p, 0) == -1) {
		fprintf(stderr, "relay_open: %s\n", relay_last_error());
		return (1);
	}
	if (getenv("DIRECT")) {
		direct_r = p.fd;
		direct_w = p.hostfd;
	}
	rtt_interleaved(m, path, p.fd, p.path, 20, iters / 20, &a, &b);
	printf("rtt p50 native %.1f us relay %.1f us ratio %.2f\n", a * 1e6,
	    b * 1e6, b / a);
	a = tput_to_sub(m, path);
	b = tput_to_sub(p.fd, p.path);
	printf("to subsidiary MB/s native %.0f relay %.0f ratio %.2f\n", a, b,
	    b / a);
	a = tput_from_sub(m, path);
	b = tput_from_sub(p.fd, p.path);
	printf("from subsidiary MB/s native %.0f relay %.0f ratio %.2f\n", a,
	    b, b / a);
	rt_close(&p);
	rt_cleanup();
	return (0);
}
