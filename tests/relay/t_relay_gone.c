/*
 * t_relay_gone.c - clients that go away in the middle of a request leave
 * nothing behind in the daemon (issue 11, D2).
 *
 * With the manager not read and its relay full, clients send XP_EVENT or
 * XP_ZERO (the subsidiary as proof) and close without reading the reply,
 * as a process killed in tcsetattr() does: the daemon's descriptors and
 * connections come back to where they were, without the manager being
 * read.  A request that really waits (the daemon's queue for the unread
 * manager is full) is dropped when its client closes, or when the client
 * sends anything out of turn; one whose client stays is answered once the
 * manager is read, and only its message reaches the reader.
 */
#include "rtest.h"

static int
daemon_state(int *pid, int *nconns)
{
	int	np;

	return (relay_status(pid, &np, nconns));
}

/* Fill the manager's side: the subsidiary writes until it blocks. */
static long
fill(int s)
{
	char	buf[4096];
	long	tot = 0;
	ssize_t	n;
	int	idle = 0;

	memset(buf, 'f', sizeof(buf));
	fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
	while (idle < 5) {
		if ((n = write(s, buf, sizeof(buf))) > 0) {
			tot += n;
			idle = 0;
		} else {
			idle++;
			usleep(20000);
		}
	}
	return (tot);
}

/* n clients send a request and close at once. */
static int
hit_and_run(int n, int type, struct rpty *p, int s)
{
	int	i, fd, sent = 0;

	for (i = 0; i < n; i++) {
		if ((fd = rt_raw_connect()) == -1)
			break;
		if (type == XP_STATUS)
			sent += rt_send(fd, XP_STATUS, NULL, 0, NULL, 0) == 0;
		else
			sent += rt_send_inject(fd, p->ptyno, s, type == XP_ZERO,
			    XP_M_IOCTL, "gone-gone-gone!!", 16) == 0;
		close(fd);
	}
	return (sent);
}

/* Do the daemon's descriptors and connections come back within 2 s? */
static int
back_to(int pid, int fds0, int nc0, int *fds, int *nc)
{
	double	t0 = rt_now();
	int	p;

	do {
		usleep(50000);
		*fds = rt_proc_fds(pid);
		if (daemon_state(&p, nc) == -1)
			return (0);
		if (*fds <= fds0 + 2 && *nc <= nc0 + 2)
			return (1);
	} while (rt_now() - t0 < 2);
	return (0);
}

static void
test_hit_and_run(struct rpty *p, int s, int pid)
{
	static const struct {
		int		 type;
		const char	*what;
	} kinds[] = {
		{ XP_STATUS, "XP_STATUS (never waits)" },
		{ XP_EVENT, "XP_EVENT (M_IOCTL)" },
		{ XP_ZERO, "XP_ZERO" },
	};
	size_t	k;
	int	fds0, nc0, fds = -1, nc = -1, p0, sent, back;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		daemon_state(&p0, &nc0);
		fds0 = rt_proc_fds(pid);
		sent = hit_and_run(30, kinds[k].type, p, s);
		back = back_to(pid, fds0, nc0, &fds, &nc);
		ok(sent == 30 && back, "30 clients sent %s and left, manager "
		    "unread: %d fds (%d before), %d connections (%d before)",
		    kinds[k].what, fds, fds0, nc, nc0);
	}
}

/*
 * Raw XP_EVENTs (texts P0, P1...), each after a fill, until one gets no
 * reply within 2 s (a placed one is answered at once, even on a loaded
 * machine well within that): it waits.  Its connection, and its text.
 */
static int
waiting_event(struct rpty *p, int s, char *text, size_t len, int *placed)
{
	struct xp_reply	r;
	int		fd;

	for (;;) {
		snprintf(text, len, "P%d", *placed);
		if ((fd = rt_raw_connect()) == -1 ||
		    rt_send_inject(fd, p->ptyno, s, 0, XP_M_IOCTL, text,
		    strlen(text)) == -1)
			return (-1);
		if (rt_reply(fd, &r, 2000) == -1)
			return (fd);
		close(fd);
		if (r.err != 0 || ++*placed > 100)
			return (-1);
		fill(s);
	}
}

/* Read the manager until it is quiet: the M_IOCTL payloads seen. */
static int
drain_frames(int fd, char *seen, size_t len)
{
	uint8_t		h[XP_FRAMEHDR];
	char		buf[65536];
	uint32_t	n;
	int		frames = 0;

	seen[0] = '\0';
	while (rt_readn(fd, h, sizeof(h), 1000) == sizeof(h)) {
		n = xp_get32(h + 1);
		if (n > sizeof(buf) || rt_readn(fd, buf, n, 1000) != n)
			break;
		if (h[0] == XP_M_IOCTL) {
			frames++;
			if (n > 0 && strlen(seen) + n + 2 < len) {
				strncat(seen, buf, n);
				strcat(seen, " ");
			}
		}
	}
	return (frames);
}

/* On a pty of its own, pckt from the start (what the socket holds). */
static void
test_waiting(int pid)
{
	struct rpty	pty, *p = &pty;
	struct xp_reply	r;
	char		seen[8192], atext[32], aword[40];
	int		a, b, c, s, placed = 0, frames, nc0, nc, p0, fds;
	int		dropped;

	if (rt_open(p, 0) == -1 || (s = rt_subsid(p, 0)) == -1 ||
	    relay_set_pckt(p->fd, 1) == -1) {
		ok(0, "pckt: %s", relay_last_error());
		return;
	}
	fill(s);
	a = waiting_event(p, s, atext, sizeof(atext), &placed);
	snprintf(aword, sizeof(aword), "%s ", atext);
	ok(a >= 0, "pckt, manager unread: %d messages placed, the next waits",
	    placed);
	b = rt_raw_connect();
	rt_send_inject(b, p->ptyno, s, 0, XP_M_IOCTL, "B", 1);
	c = rt_raw_connect();
	rt_send_inject(c, p->ptyno, s, 0, XP_M_IOCTL, "C", 1);
	ok(rt_reply(b, &r, 1000) == -1 && rt_reply(c, &r, 0) == -1,
	    "two more wait behind it");
	daemon_state(&p0, &nc0);
	close(a);
	dropped = back_to(pid, 1 << 20, nc0 - 3, &fds, &nc);
	ok(dropped, "the first client closes: its connection goes (%d, were "
	    "%d)", nc, nc0);
	write(b, "out of turn", 11);
	ok(rt_readable(b, 1000) && rt_reply(b, &r, 100) == -1,
	    "the second sends something out of turn: the daemon closes it");
	close(b);
	frames = drain_frames(p->fd, seen, sizeof(seen));
	ok(rt_reply(c, &r, 2000) == 0 && r.err == 0,
	    "the third, still there, is answered once the manager is read");
	close(c);
	dropped = strstr(seen, aword) == NULL && strstr(seen, "B ") == NULL;
	ok(dropped && strstr(seen, "C ") != NULL && frames == placed + 1,
	    "the reader gets the %d placed messages and the third's, not the "
	    "dropped ones (%d: %.60s)", placed, frames, seen);
	close(s);
	rt_close(p);
}

int
main(void)
{
	struct rpty	p;
	int		s, pid, nc = -1, fds0, fds = -1, nc0, back;

	rt_env();
	if (rt_open(&p, 0) == -1 || (s = rt_subsid(&p, 0)) == -1 ||
	    daemon_state(&pid, &nc) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return (done_testing());
	}
	fill(s);
	daemon_state(&pid, &nc0);
	fds0 = rt_proc_fds(pid);
	test_hit_and_run(&p, s, pid);
	test_waiting(pid);
	usleep(300000);		/* the second pty hangs up */
	back = back_to(pid, fds0, nc0, &fds, &nc);
	ok(back, "at the end: %d fds (%d at the start), %d connections (%d)",
	    fds, fds0, nc, nc0);
	close(s);
	rt_close(&p);
	rt_cleanup();
	return (done_testing());
}
