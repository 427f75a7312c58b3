/*
 * t_relay_hangup.c - the manager's last close hangs the subsidiary up the
 * STREAMS way (queued data still readable, then 0; writes EIO), the pty
 * leaves the daemon; a daemon killed mid-transfer ends cleanly (managers
 * read end of file, subsidiaries are hung up, nothing hangs) and the next
 * open starts a new daemon.
 */
#include "rtest.h"

static void
test_manager_close(void)
{
	struct rpty	p;
	char		buf[16];
	int		s, pid, np, nc, i;
	ssize_t		n;

	if (rt_open(&p, 0) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return;
	}
	s = rt_subsid(&p, O_NONBLOCK);
	ok(s >= 0, "subsidiary open");
	rt_writen(p.fd, "queued", 6);
	rt_close(&p);
	usleep(50000);
	n = rt_readn(s, buf, 6, 3000);
	ok(n == 6 && memcmp(buf, "queued", 6) == 0,
	    "data queued before the manager's close is still read");
	for (i = 0; i < 300; i++) {
		n = read(s, buf, sizeof(buf));
		if (n != -1 || errno != EAGAIN)
			break;
		usleep(10000);
	}
	ok(n == 0 || (n == -1 && errno == EIO), "then end of file (%zd)", n);
	n = write(s, "x", 1);
	ok(n == -1 && errno == EIO, "writes fail EIO");
	close(s);
	for (i = 0; i < 300; i++) {
		if (relay_status(&pid, &np, &nc) == 0 && np == 0)
			break;
		usleep(10000);
	}
	is_int(np, 0, "the daemon let the pty go");
}

static void
test_kill(void)
{
	struct rpty	p;
	char		buf[4096];
	int		s, pid, pid2, np, nc, st, pfd[2];
	pid_t		child;
	ssize_t		n;
	size_t		got = 0;
	double		t0;

	if (rt_open(&p, 0) == -1 || relay_status(&pid, &np, &nc) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return;
	}
	pipe(pfd);
	if ((child = fork()) == 0) {
		struct termios	t;

		close(p.fd);		/* a child that closed its manager */
		close(p.hostfd);
		s = rt_subsid(&p, 0);
		tcgetattr(s, &t);
		cfmakeraw(&t);
		tcsetattr(s, TCSANOW, &t);
		memset(buf, 'k', sizeof(buf));
		write(pfd[1], "r", 1);
		while (write(s, buf, sizeof(buf)) > 0)
			;
		_exit(errno == EIO ? 0 : 1);
	}
	read(pfd[0], buf, 1);
	while (got < 1 << 20 && (n = read(p.fd, buf, sizeof(buf))) > 0)
		got += (size_t)n;
	ok(got >= 1 << 20, "transfer under way");
	kill(pid, SIGKILL);
	t0 = rt_now();
	while ((n = read(p.fd, buf, sizeof(buf))) > 0 && rt_now() - t0 < 10)
		;
	ok(n == 0, "manager reads end of file after the daemon's death");
	ok(relay_reattach(p.fd, NULL) == -1, "no reattach to a dead daemon");
	/* what the library does then: drop its private host manager */
	close(p.hostfd);
	p.hostfd = -1;
	st = -1;
	t0 = rt_now();
	while (waitpid(child, &st, WNOHANG) == 0 && rt_now() - t0 < 10)
		usleep(10000);
	ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "subsidiary writer hung up (EIO), did not hang");
	rt_close(&p);
	if (rt_open(&p, 0) == -1) {
		ok(0, "relay_open after the kill: %s", relay_last_error());
		return;
	}
	ok(relay_status(&pid2, &np, &nc) == 0 && pid2 != pid,
	    "a new daemon started (%d, was %d)", pid2, pid);
	s = rt_subsid(&p, 0);
	write(s, "new", 3);
	ok(rt_readn(p.fd, buf, 3, 2000) == 3 && memcmp(buf, "new", 3) == 0,
	    "and relays");
	close(s);
	rt_close(&p);
	close(pfd[0]);
	close(pfd[1]);
}

/* relay_sync_close: the hangup is done when it returns. */
static void
test_sync_close(void)
{
	struct rpty	p;
	int		s, s2, ptyno;

	if (rt_open(&p, 0) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return;
	}
	s = rt_subsid(&p, O_NONBLOCK);
	ptyno = p.ptyno;
	s2 = dup(p.fd);
	close(p.fd);
	is_int(relay_sync_close(ptyno), 0, "sync: another descriptor is open");
	close(s2);
	close(p.hostfd);
	is_int(relay_sync_close(ptyno), 1, "sync after the last close: hung up");
	errno = 0;
	ok(write(s, "x", 1) == -1 && errno == EIO,
	    "at once: the subsidiary's write fails EIO");
	close(s);
}

int
main(void)
{
	rt_env();
	test_sync_close();
	setenv("XPTY_HANGUP_MS", "2000", 1);
	test_manager_close();
	test_kill();
	rt_cleanup();
	return (done_testing());
}
