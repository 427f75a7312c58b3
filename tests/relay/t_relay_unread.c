/*
 * t_relay_unread.c - a side that does not read never makes the daemon
 * spin, keep a pty, or keep a writer waiting (issue 11, D1 and D4b).
 *
 * D1: input queued toward a subsidiary that never reads it.  When the
 * manager closes, the subsidiary is hung up within XPTY_HANGUP_MS (it
 * reads nothing, so after half of it); when the subsidiary closes first,
 * the daemon uses no CPU and lets the pty go once the manager closes too.
 * A subsidiary that keeps reading is not cut off early.
 * D4b: with the manager not read and its relay full, a pckt message
 * (XP_EVENT) and zero-length messages (XP_ZERO) are acknowledged at once,
 * in the stream order of the subsidiary's writes; only past the daemon's
 * stated bound (256 KiB queued) does the writer wait for the reader.
 */
#include "rtest.h"

/* Write c-bytes on fd (non-blocking) until it takes nothing for 100 ms. */
static long
fill(int fd, char c)
{
	char	buf[4096];
	long	tot = 0;
	ssize_t	n;
	int	idle = 0;

	memset(buf, c, sizeof(buf));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (idle < 5) {
		if ((n = write(fd, buf, sizeof(buf))) > 0) {
			tot += n;
			idle = 0;
		} else {
			idle++;
			usleep(20000);
		}
	}
	return (tot);
}

static int
daemon_pid(void)
{
	int	pid, np, nc;

	return (relay_status(&pid, &np, &nc) == 0 ? pid : -1);
}

/* Does the daemon hold no pty within ms (or has it exited)? */
static int
ptys_gone(int ms)
{
	double	t0 = rt_now();
	int	pid, np = -1, nc;

	do {
		if (relay_status(&pid, &np, &nc) == -1 || np == 0)
			return (1);
		usleep(20000);
	} while (rt_now() - t0 < ms / 1000.0);
	return (0);
}

/* What the library does at the last close of a manager. */
static void
close_manager(struct rpty *p)
{
	rt_close(p);
	(void)relay_sync_close(p->ptyno);
}

/* ---- D1 ---- */

static void
test_manager_first(void)
{
	struct rpty	 p;
	struct pollfd	 pfd;
	double		 t0, hup = -1, cpu;
	long		 queued;
	int		 s, pid;

	if (rt_open(&p, 0) == -1 || (s = rt_subsid(&p, O_NONBLOCK)) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return;
	}
	pid = daemon_pid();
	queued = fill(p.fd, 'q');
	ok(queued > 0, "manager queued %ld bytes the subsidiary does not read",
	    queued);
	close_manager(&p);
	t0 = rt_now();
	while (rt_now() - t0 < 2.0) {
		pfd.fd = s;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 20) == 1 && (pfd.revents & POLLHUP)) {
			hup = rt_now() - t0;
			break;
		}
	}
	ok(hup >= 0, "manager closed first: subsidiary hung up %.2f s after "
	    "(XPTY_HANGUP_MS 2000)", hup);
	close(s);
	cpu = rt_cpu_over(pid, 1000);
	ok(cpu < 5, "then the daemon is idle (%.0f%% CPU over 1 s)", cpu);
	ok(ptys_gone(1000), "and holds no pty");
}

static void
test_subsidiary_first(void)
{
	struct rpty	p;
	char		buf[8192];
	double		cpu;
	long		queued, got;
	int		s, pid;
	ssize_t		n;

	if (rt_open(&p, 0) == -1 || (s = rt_subsid(&p, O_NONBLOCK)) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return;
	}
	pid = daemon_pid();
	queued = fill(p.fd, 'q');
	close(s);
	n = rt_readn(p.fd, buf, 1, 2000);
	ok(n == 0, "subsidiary closed without reading: the manager reads 0");
	cpu = rt_cpu_over(pid, 1000);
	ok(cpu < 5, "the daemon is idle with %ld bytes it cannot deliver "
	    "(%.0f%% CPU over 1 s)", queued, cpu);
	/* the input waits for a subsidiary: one that opens gets it */
	relay_reattach(p.fd, NULL);
	s = rt_subsid(&p, O_NONBLOCK);
	for (got = 0; (n = rt_readn(s, buf, sizeof(buf), 500)) > 0; got += n)
		;
	ok(got > 0, "a subsidiary opened again reads the input that waited "
	    "(%ld bytes)", got);
	close(s);
	usleep(100000);
	close_manager(&p);
	cpu = rt_cpu_over(pid, 1000);
	ok(cpu < 5, "subsidiary closed first, then the manager: the daemon is "
	    "idle (%.0f%% CPU over 1 s)", cpu);
	ok(ptys_gone(1000), "and holds no pty");
}

/*
 * The manager closes while the subsidiary reads, more slowly than the
 * queue would need: hung up at the bound, not before.  (It reads 4 KiB
 * each 100 ms: a reader so slow that the tty's own buffers do not drain
 * for half of XPTY_HANGUP_MS looks, to the daemon, like one that reads
 * nothing.)
 */
static void
test_slow_reader(void)
{
	struct rpty	 p;
	struct pollfd	 pfd;
	char		 buf[4096];
	double		 t0, hup = -1;
	long		 got = 0;
	int		 s, early = 0;
	ssize_t		 n;

	if (rt_open(&p, 0) == -1 || (s = rt_subsid(&p, O_NONBLOCK)) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return;
	}
	fill(p.fd, 'r');
	close_manager(&p);
	t0 = rt_now();
	while (rt_now() - t0 < 4) {
		pfd.fd = s;
		pfd.events = POLLIN;
		poll(&pfd, 1, 0);
		if (pfd.revents & POLLHUP) {
			hup = rt_now() - t0;
			break;
		}
		if ((n = read(s, buf, sizeof(buf))) > 0)
			got += n;
		else if (n == -1 && errno == EIO)
			early = 1;
		usleep(100000);
	}
	ok(!early && hup >= 1.5, "a subsidiary that keeps reading is hung up "
	    "only at the bound (%.2f s after the close, %ld bytes read)", hup,
	    got);
	ok(hup >= 0 && hup < 2.5, "but it is hung up at the bound");
	close(s);
	ptys_gone(1000);
}

/* ---- D4b ---- */

struct inj {
	int	ptyno, s, zero, count;
	char	text[32];
};

/* In a child: the requests the library makes for a subsidiary's writer. */
static int
do_inject(void *arg)
{
	struct inj	*j = arg;
	int		 i;

	for (i = 0; i < j->count; i++) {
		if (j->zero ? relay_zero_write(j->ptyno, j->s) == -1 :
		    relay_event(j->ptyno, j->s, XP_M_IOCTL, j->text,
		    strlen(j->text)) == -1)
			return (1);
	}
	return (0);
}

/* Read one frame (pckt): its type and length, the first max bytes kept. */
static int
frame(int fd, uint8_t *mtype, uint32_t *len, char *data, size_t max)
{
	uint8_t	h[XP_FRAMEHDR];
	char	skip[4096];
	size_t	n, k;

	if (rt_readn(fd, h, sizeof(h), 2000) != sizeof(h))
		return (-1);
	*mtype = h[0];
	*len = xp_get32(h + 1);
	n = *len < max ? *len : max;
	if (rt_readn(fd, data, n, 2000) != n)
		return (-1);
	for (n = *len - n; n > 0; n -= k) {
		k = n < sizeof(skip) ? n : sizeof(skip);
		if (rt_readn(fd, skip, k, 2000) != k)
			return (-1);
	}
	return (0);
}

/* Frames until a non-M_DATA or an empty M_DATA: the bytes of c seen. */
static long
data_frames(int fd, char c, uint8_t *mtype, uint32_t *len, char *data,
    size_t max, int *bad)
{
	long		n = 0;
	uint32_t	i;

	for (;;) {
		if (frame(fd, mtype, len, data, max) == -1) {
			*mtype = 0xff;
			return (n);
		}
		if (*mtype != XP_M_DATA || *len == 0)
			return (n);
		for (i = 0; i < *len && i < max; i++)
			*bad |= data[i] != c;
		n += *len;
	}
}

static void
test_pckt_unread(void)
{
	struct rpty	p;
	struct inj	j;
	char		data[65536];
	uint8_t		mt;
	uint32_t	len;
	double		took;
	long		a, b, ra, rb;
	int		s, rc, bad = 0, zeros;

	if (rt_open(&p, 0) == -1 || (s = rt_subsid(&p, 0)) == -1 ||
	    relay_set_pckt(p.fd, 1) == -1) {
		ok(0, "relay_open, pckt: %s", relay_last_error());
		return;
	}
	a = fill(s, 'a');
	memset(&j, 0, sizeof(j));
	j.ptyno = p.ptyno;
	j.s = s;
	j.count = 1;
	snprintf(j.text, sizeof(j.text), "first");
	rc = rt_bounded(do_inject, &j, 2000, &took);
	ok(rc == 0 && took < 1.0, "pckt, manager unread and full (%ld bytes): "
	    "M_IOCTL placed in %.2f s", a, took);
	b = fill(s, 'b');
	snprintf(j.text, sizeof(j.text), "second");
	rc = rt_bounded(do_inject, &j, 2000, &took);
	ok(rc == 0 && took < 1.0, "after %ld more bytes, another in %.2f s",
	    b, took);
	j.zero = 1;
	j.count = 10;
	rc = rt_bounded(do_inject, &j, 2000, &took);
	ok(rc == 0 && took < 1.0, "and 10 zero-length messages in %.2f s",
	    took);
	ra = data_frames(p.fd, 'a', &mt, &len, data, sizeof(data), &bad);
	ok(ra == a && !bad && mt == XP_M_IOCTL && len >= 5 &&
	    memcmp(data, "first", 5) == 0, "the reader gets the %ld a-bytes, "
	    "then the first M_IOCTL (%ld, type %#x)", a, ra, mt);
	rb = data_frames(p.fd, 'b', &mt, &len, data, sizeof(data), &bad);
	ok(rb == b && !bad && mt == XP_M_IOCTL && len >= 6 &&
	    memcmp(data, "second", 6) == 0, "then the %ld b-bytes, then the "
	    "second M_IOCTL (%ld, type %#x)", b, rb, mt);
	for (zeros = 0; zeros < 10; zeros++)
		if (frame(p.fd, &mt, &len, data, sizeof(data)) == -1 ||
		    mt != XP_M_DATA || len != 0)
			break;
	is_int(zeros, 10, "then the 10 zero-length M_DATA");
	ok(!rt_readable(p.fd, 100), "and nothing else");
	close(s);
	close_manager(&p);
}

/* Read 0 (the zero-length message) and fetch what follows. */
static int
zero_next(struct rpty *p)
{
	char	c;

	return (rt_readn(p->fd, &c, 1, 2000) == 0 &&
	    relay_reattach(p->fd, NULL) == 0);
}

static void
test_zero_unread(void)
{
	struct rpty	p;
	struct inj	j;
	char		buf[64];
	double		took;
	int		s, rc, i;

	if (rt_open(&p, 0) == -1 || (s = rt_subsid(&p, 0)) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return;
	}
	memset(&j, 0, sizeof(j));
	j.ptyno = p.ptyno;
	j.s = s;
	j.zero = 1;
	j.count = 100;
	rc = rt_bounded(do_inject, &j, 2000, &took);
	ok(rc == 0 && took < 2.0, "100 unread zero-length messages placed "
	    "in %.2f s", took);
	/* and mixed with data: x1 0 x2 0 0 x3 */
	j.count = 1;
	write(s, "x1", 2);
	rc = rt_bounded(do_inject, &j, 2000, &took);
	write(s, "x2", 2);
	rc |= rt_bounded(do_inject, &j, 2000, &took);
	rc |= rt_bounded(do_inject, &j, 2000, &took);
	write(s, "x3", 2);
	ok(rc == 0, "then x1 0 x2 0 0 x3, all unread");
	for (i = 0; i < 100 && zero_next(&p); i++)
		;
	is_int(i, 100, "the reader reads the 100 zero-length messages");
	ok(rt_readn(p.fd, buf, 2, 2000) == 2 && memcmp(buf, "x1", 2) == 0 &&
	    zero_next(&p), "then x1, 0");
	ok(rt_readn(p.fd, buf, 2, 2000) == 2 && memcmp(buf, "x2", 2) == 0 &&
	    zero_next(&p) && zero_next(&p), "then x2, 0, 0");
	ok(rt_readn(p.fd, buf, 2, 2000) == 2 && memcmp(buf, "x3", 2) == 0 &&
	    !rt_readable(p.fd, 100), "then x3, and nothing else");
	close(s);
	close_manager(&p);
}

/*
 * Past the bound the writer waits, and goes on once the reader reads; the
 * daemon's memory stays bounded meanwhile.
 */
static void
test_bound(void)
{
	struct rpty	p;
	struct inj	j;
	char		data[65536];
	uint8_t		mt;
	uint32_t	len;
	double		took;
	long		rss0, rss1, sent = 0, got = 0;
	int		s, pid, rc, i, placed = 0, frames = 0, bad = 0, st;
	pid_t		child;

	if (rt_open(&p, 0) == -1 || (s = rt_subsid(&p, 0)) == -1 ||
	    relay_set_pckt(p.fd, 1) == -1) {
		ok(0, "relay_open, pckt: %s", relay_last_error());
		return;
	}
	pid = daemon_pid();
	rss0 = rt_proc_rss(pid);
	memset(&j, 0, sizeof(j));
	j.ptyno = p.ptyno;
	j.s = s;
	j.count = 1;
	snprintf(j.text, sizeof(j.text), "mark");
	for (i = 0, rc = 0; i < 100 && rc == 0; i++) {
		sent += fill(s, 'z');
		if ((rc = rt_bounded(do_inject, &j, 2000, &took)) == 0)
			placed++;
	}
	usleep(100000);		/* the killed writer's request is dropped */
	rss1 = rt_proc_rss(pid);
	ok(rc == -1 && placed > 0, "unread: %d messages placed with %ld bytes "
	    "around them, then the writer waits", placed, sent);
	ok(rss1 - rss0 < 2048, "the daemon grew by %ld KiB meanwhile",
	    rss1 - rss0);
	if ((child = fork()) == 0)
		_exit(do_inject(&j));
	for (;;) {
		got += data_frames(p.fd, 'z', &mt, &len, data, sizeof(data),
		    &bad);
		if (mt != XP_M_IOCTL)
			break;
		frames++;
	}
	waitpid(child, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "once the reader reads, the "
	    "waiting writer goes on");
	ok(got == sent && !bad && frames == placed + 1, "every byte (%ld of "
	    "%ld) and every message (%d of %d) arrive, in order", got, sent,
	    frames, placed + 1);
	close(s);
	close_manager(&p);
}

int
main(void)
{
	rt_env();
	setenv("XPTY_HANGUP_MS", "2000", 1);
	test_manager_first();
	test_subsidiary_first();
	test_slow_reader();
	test_pckt_unread();
	test_zero_unread();
	test_bound();
	rt_cleanup();
	return (done_testing());
}
