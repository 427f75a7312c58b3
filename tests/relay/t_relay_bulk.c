/*
 * t_relay_bulk.c - bulk data both ways through the relay, checked byte by
 * byte against a pseudo-random stream (all 256 values) and by hash.
 * XPTY_BULK_MIB sets the size (default 256 MiB each way); a direction
 * that takes longer than XPTY_BULK_SECS (default 120) fails, and the whole
 * test bails out after twice that (a stalled transfer fails, never hangs).
 */
#include "rtest.h"

static uint64_t
xs_next(uint64_t *s)
{
	uint64_t	x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (*s = x);
}

static void
fill(uint64_t *s, unsigned char *b, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(xs_next(s) >> 24);
}

static void
rawmode(int fd)
{
	struct termios	t;

	tcgetattr(fd, &t);
	cfmakeraw(&t);
	tcsetattr(fd, TCSANOW, &t);
}

/* Write total pseudo-random bytes to fd; returns the FNV-1a hash. */
static uint64_t
produce(int fd, size_t total)
{
	static unsigned char	b[65536];
	uint64_t		s = 0x9e3779b97f4a7c15ULL, h = 0xcbf29ce484222325ULL;
	size_t			done = 0, n, i;

	while (done < total) {
		n = total - done < sizeof(b) ? total - done : sizeof(b);
		fill(&s, b, n);
		for (i = 0; i < n; i++)
			h = (h ^ b[i]) * 0x100000001b3ULL;
		if (rt_writen(fd, b, n) == -1)
			break;
		done += n;
	}
	return (h);
}

/* Read total bytes from fd and compare; returns bytes that matched. */
static size_t
consume(int fd, size_t total, uint64_t *hash, double limit)
{
	static unsigned char	b[65536], want[65536];
	uint64_t		s = 0x9e3779b97f4a7c15ULL, h = 0xcbf29ce484222325ULL;
	size_t			done = 0, i;
	ssize_t			n;
	double			t0 = rt_now();

	while (done < total && rt_now() - t0 < limit) {
		n = read(fd, b, sizeof(b) < total - done ? sizeof(b) : total - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		fill(&s, want, (size_t)n);
		if (memcmp(b, want, (size_t)n) != 0)
			break;
		for (i = 0; i < (size_t)n; i++)
			h = (h ^ b[i]) * 0x100000001b3ULL;
		done += (size_t)n;
	}
	*hash = h;
	return (done);
}

static void
direction(struct rpty *p, int to_subsid, size_t total, double limit)
{
	int		pfd[2], s;
	uint64_t	hw = 0, hr = 0;
	pid_t		pid;
	size_t		got;
	double		t0;

	pipe(pfd);
	pid = fork();
	if (pid == 0) {
		s = rt_subsid(p, 0);
		rawmode(s);
		if (to_subsid) {
			write(pfd[1], "r", 1);
			got = consume(s, total, &hr, limit);
			write(pfd[1], &got, sizeof(got));
			write(pfd[1], &hr, sizeof(hr));
		} else {
			write(pfd[1], "r", 1);
			hw = produce(s, total);
			write(pfd[1], &hw, sizeof(hw));
			sleep(1);
		}
		_exit(0);
	}
	read(pfd[0], &got, 1);
	t0 = rt_now();
	if (to_subsid) {
		hw = produce(p->fd, total);
		read(pfd[0], &got, sizeof(got));
		read(pfd[0], &hr, sizeof(hr));
	} else {
		got = consume(p->fd, total, &hr, limit);
		if (got < total)	/* the producer may be blocked: stop it */
			kill(pid, SIGKILL);
		read(pfd[0], &hw, sizeof(hw));
	}
	t0 = rt_now() - t0;
	is_int(got, total, "%s: %zu MiB arrive intact in order",
	    to_subsid ? "manager -> subsidiary" : "subsidiary -> manager",
	    total >> 20);
	ok(hw == hr, "... hashes agree (%016llx)", (unsigned long long)hr);
	diag("%.1f MB/s", total / t0 / 1e6);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(pfd[0]);
	close(pfd[1]);
}

static void
on_alarm(int sig)
{
	static const char	msg[] = "Bail out! a transfer stalled\n";

	(void)sig;
	write(1, msg, sizeof(msg) - 1);
	_exit(1);
}

int
main(void)
{
	struct rpty	 p;
	const char	*e;
	size_t		 mib = 256;
	double		 limit = 120;
	char		 buf[64];

	rt_env();
	if ((e = getenv("XPTY_BULK_MIB")) != NULL)
		mib = (size_t)atol(e);
	if ((e = getenv("XPTY_BULK_SECS")) != NULL)
		limit = atof(e);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)(2 * limit) + 30);
	if (rt_open(&p, 0) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return (done_testing());
	}
	direction(&p, 1, mib << 20, limit);
	/* the child's exit was a last close: read the 0, reattach */
	while (read(p.fd, buf, sizeof(buf)) > 0)
		;
	relay_reattach(p.fd, NULL);
	direction(&p, 0, mib << 20, limit);
	rt_close(&p);
	rt_cleanup();
	return (done_testing());
}
