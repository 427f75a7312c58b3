/*
 * mgrioctl.c - a Linux program's manager requests on a manager from
 * /dev/ptmx in svr4 mode: TIOCPKT (and what it does to every read),
 * TIOCGPTN, TIOCSPTLCK, TIOCGPTPEER, FIONREAD, TIOCOUTQ, TIOCSIG,
 * TIOCSWINSZ/TIOCGWINSZ, TCFLSH, TCXONC, as on the host's manager, in
 * every engine (issue 14, xpty(7) "Whose semantics a manager has").
 *
 * One sequence, run in a child natively (XPTY_MODE=native) and in a
 * child in the test's mode; each step's observation (the bytes a read
 * returned, a count, a result) is a line of text, and the lines must be
 * the same.  The subsidiary is made a known terminal first (the modules
 * pushed where that works, then one termios set in both runs).  Data the
 * subsidiary wrote before TIOCPKT, and that the relay has already read,
 * must come first, with the status byte; an epoll registration of the
 * manager made before TIOCPKT must still report it.  A second sequence
 * shares the manager across fork: the child turns packet mode on, and the
 * parent's reads then have the status byte too (packet mode belongs to
 * the pty, as on Linux).
 */
#include <sys/epoll.h>
#include <sys/select.h>

#include "xtest.h"

#define NSTEP	40
#define STEPLEN	96

struct obs {
	char	line[NSTEP][STEPLEN];
};

static struct obs *o;
static int nstep;

static void
note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
note(const char *fmt, ...)
{
	va_list	ap;

	if (nstep >= NSTEP)
		return;
	va_start(ap, fmt);
	vsnprintf(o->line[nstep++], STEPLEN, fmt, ap);
	va_end(ap);
}

/* What one read of m gives within ms: its bytes in hex, or the errno. */
static void
note_read(const char *what, int m, int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };
	char		buf[64], hex[3 * sizeof(buf) + 1];
	fd_set		rf;
	ssize_t		r, i;

	FD_ZERO(&rf);
	FD_SET(m, &rf);
	if (select(m + 1, &rf, NULL, NULL, &tv) <= 0) {
		note("%s: nothing", what);
		return;
	}
	r = read(m, buf, sizeof(buf));
	if (r < 0) {
		note("%s: -1 %s", what, strerror(errno));
		return;
	}
	hex[0] = '\0';
	for (i = 0; i < r; i++)
		snprintf(hex + 3 * i, 4, "%02x ", (unsigned char)buf[i]);
	note("%s: %zd: %s", what, r, hex);
}

/* Until m is readable (at most 2 s), and the relay has settled. */
static void
wait_readable(int m)
{
	struct timeval	tv = { 2, 0 };
	fd_set		rf;

	FD_ZERO(&rf);
	FD_SET(m, &rf);
	(void)select(m + 1, &rf, NULL, NULL, &tv);
	usleep(50000);
}

static void
known_terminal(int s)
{
	struct termios	t;

	(void)ioctl(s, I_PUSH, "ptem");		/* natively: EINVAL */
	(void)ioctl(s, I_PUSH, "ldterm");
	memset(&t, 0, sizeof(t));
	(void)tcgetattr(s, &t);
	cfmakeraw(&t);
	t.c_iflag |= IXON;
	t.c_cc[VSTART] = 021;
	t.c_cc[VSTOP] = 023;
	cfsetspeed(&t, B38400);
	note("tcsetattr(subsidiary) = %d", tcsetattr(s, TCSANOW, &t));
}

static volatile sig_atomic_t got_sig;

static void
on_sig(int sig)
{
	(void)sig;
	got_sig = 1;
}

/*
 * TIOCSIG: a signal to the subsidiary's foreground process group (Linux
 * sends SIGINT, SIGQUIT and SIGTSTP only).
 */
static void
check_tiocsig(int m, const char *name)
{
	int	p[2], st;
	char	c;
	pid_t	pid;

	if (pipe(p) == -1)
		return;
	if ((pid = fork()) == 0) {
		signal(SIGINT, on_sig);
		setsid();
		close(open(name, O_RDWR));	/* the controlling terminal */
		(void)!write(p[1], "", 1);
		for (c = 0; c < 100 && !got_sig; c++)
			usleep(20000);
		_exit(got_sig ? 0 : 1);
	}
	(void)!read(p[0], &c, 1);
	note("TIOCSIG SIGINT = %d", ioctl(m, TIOCSIG, (void *)(long)SIGINT));
	waitpid(pid, &st, 0);
	note("TIOCSIG: the foreground group got it: %d",
	    WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(p[0]);
	close(p[1]);
}

static void
sequence(void)
{
	struct epoll_event	ev = { .events = EPOLLIN }, got;
	struct winsize		ws = { 24, 80, 0, 0 }, gw;
	char			name[64], *pn;
	int			m, s, pe, ep, one = 1, zero = 0, n, r, lock;
	unsigned int		ptn = 0;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1 || grantpt(m) == -1 ||
	    unlockpt(m) == -1 || (pn = ptsname(m)) == NULL) {
		note("no pty");
		return;
	}
	snprintf(name, sizeof(name), "%s", pn);
	/* the ioctl before the comparison (arguments have no order) */
	r = ioctl(m, TIOCGPTN, &ptn);
	note("TIOCGPTN = %d, the name's number: %d", r,
	    (int)ptn == atoi(name + 9));
	if ((s = open(name, O_RDWR | O_NOCTTY)) == -1) {
		note("subsidiary: %s", strerror(errno));
		return;
	}
	known_terminal(s);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = m;
	note("epoll_ctl ADD = %d", epoll_ctl(ep, EPOLL_CTL_ADD, m, &ev));
	/* data the relay has read before TIOCPKT */
	(void)!write(s, "early", 5);
	wait_readable(m);
	note("TIOCPKT on = %d", ioctl(m, TIOCPKT, &one));
	note_read("read (data from before TIOCPKT)", m, 1000);
	(void)!write(s, "abc", 3);
	wait_readable(m);
	n = -1;
	r = ioctl(m, FIONREAD, &n);
	note("FIONREAD = %d, n = %d", r, n);
	note_read("read", m, 1000);
	(void)!write(s, "E", 1);
	note("epoll_wait after TIOCPKT = %d", epoll_wait(ep, &got, 1, 2000));
	note_read("read", m, 1000);
	note("tcflow(subsidiary, TCOOFF) = %d", tcflow(s, TCOOFF));
	note_read("read (stopped)", m, 1000);
	note("tcflow(subsidiary, TCOON) = %d", tcflow(s, TCOON));
	note_read("read (started)", m, 1000);
	note("tcflush(subsidiary, TCIFLUSH) = %d", tcflush(s, TCIFLUSH));
	note_read("read (flushed input)", m, 1000);
	note("TIOCSWINSZ = %d", ioctl(m, TIOCSWINSZ, &ws));
	memset(&gw, 0, sizeof(gw));
	r = ioctl(m, TIOCGWINSZ, &gw);
	note("TIOCGWINSZ on the manager = %d, %dx%d", r, gw.ws_row, gw.ws_col);
	memset(&gw, 0, sizeof(gw));
	r = ioctl(s, TIOCGWINSZ, &gw);
	note("TIOCGWINSZ on the subsidiary = %d, %dx%d", r, gw.ws_row,
	    gw.ws_col);
	(void)!write(s, "zz", 2);
	wait_readable(m);
	note("TCFLSH(manager, TCIFLUSH) = %d", ioctl(m, TCFLSH, (void *)(long)TCIFLUSH));
	note_read("read after the flush", m, 300);
	note("TCXONC(manager, TCOOFF) = %d, TCOON = %d",
	    ioctl(m, TCXONC, (void *)(long)TCOOFF),
	    ioctl(m, TCXONC, (void *)(long)TCOON));
	pe = ioctl(m, TIOCGPTPEER, (void *)(long)(O_RDWR | O_NOCTTY));
	note("TIOCGPTPEER: %d", pe >= 0);
	(void)!write(pe, "P", 1);
	note_read("read (from the peer)", m, 1000);
	close(pe);
	lock = 1;
	note("TIOCSPTLCK 1 = %d", ioctl(m, TIOCSPTLCK, &lock));
	pe = open(name, O_RDWR | O_NOCTTY);
	note("open while locked fails: %d", pe == -1);
	if (pe >= 0)
		close(pe);
	note("TIOCSPTLCK 0 = %d", ioctl(m, TIOCSPTLCK, &zero));
	check_tiocsig(m, name);
	note("TIOCPKT off = %d", ioctl(m, TIOCPKT, &zero));
	(void)!write(s, "off", 3);
	note_read("read (packet mode off)", m, 1000);
	close(s);
	note_read("read after the last close", m, 1000);
	close(ep);
	close(m);
}

/* The manager shared with a child that turns packet mode on. */
static void
sequence_fork(void)
{
	char	name[64], *pn;
	int	m, s, one = 1, st;
	pid_t	pid;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1 || grantpt(m) == -1 ||
	    unlockpt(m) == -1 || (pn = ptsname(m)) == NULL) {
		note("no pty");
		return;
	}
	snprintf(name, sizeof(name), "%s", pn);
	if ((s = open(name, O_RDWR | O_NOCTTY)) == -1) {
		note("subsidiary: %s", strerror(errno));
		return;
	}
	known_terminal(s);
	if ((pid = fork()) == 0)
		_exit(ioctl(m, TIOCPKT, &one) == 0 ? 0 : 1);
	waitpid(pid, &st, 0);
	note("the child's TIOCPKT on the shared manager: %d",
	    WIFEXITED(st) && WEXITSTATUS(st) == 0);
	(void)!write(s, "shared", 6);
	note_read("the parent's read", m, 1000);
	(void)!write(s, "again", 5);
	note_read("the parent's next read", m, 1000);
	close(s);
	close(m);
}

static void
run(struct obs *res, int native)
{
	int	p[2], st;
	pid_t	pid;

	memset(res, 0, sizeof(*res));
	if (pipe(p) == -1)
		return;
	if ((pid = fork()) == 0) {
		close(p[0]);
		alarm(30);
		if (native)
			xpty_setmode(XPTY_NATIVE);
		o = res;
		sequence();
		sequence_fork();
		(void)!write(p[1], res, sizeof(*res));
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], res, sizeof(*res)) != sizeof(*res))
		memset(res, 0, sizeof(*res));
	close(p[0]);
	waitpid(pid, &st, 0);
}

int
main(int argc, char **argv)
{
	static struct obs	native, svr4;
	int			i;

	xt_init(argc, argv);
	signal(SIGTTOU, SIG_IGN);
	run(&native, 1);
	run(&svr4, 0);
	ok(native.line[0][0] != '\0', "the native run reported");
	for (i = 0; i < NSTEP && native.line[i][0] != '\0'; i++) {
		if (!ok(strcmp(native.line[i], svr4.line[i]) == 0,
		    "svr4 as natively: %s", native.line[i]))
			diag("svr4: %s", svr4.line[i]);
	}
	return (done_testing());
}
