/*
 * streamhead.c - stream-head ioctls on both sides of a pty: read options,
 * I_FLUSH with the sense crossed, I_CANPUT, I_NREAD, I_SETSIG/I_GETSIG
 * (issue 3).
 */
#include <poll.h>
#include "xtest.h"

static volatile sig_atomic_t npoll;

static void
on_poll(int sig)
{
	(void)sig;
	npoll++;
}

static int
readable(int fd, int ms)
{
	struct pollfd	p = { .fd = fd, .events = POLLIN };

	return (poll(&p, 1, ms) == 1 && (p.revents & POLLIN));
}

static void
check_rdopt(const char *side, int fd)
{
	int	v = -1, r;

	ok(ioctl(fd, I_GRDOPT, &v) == 0 && v == 0x10, "%s: I_GRDOPT 0x10 (RNORM|RPROTNORM) (got %#x)", side, v);
	errno = 0;
	r = ioctl(fd, I_SRDOPT, RMSGD | RMSGN);
	ok(r == -1 && errno == EINVAL, "%s: I_SRDOPT(RMSGD|RMSGN): -1 EINVAL", side);
	errno = 0;
	r = ioctl(fd, I_SRDOPT, 0x100);
	ok(r == -1 && errno == EINVAL, "%s: I_SRDOPT unknown bits: -1 EINVAL", side);
	is_int(ioctl(fd, I_SRDOPT, RMSGD), 0, "%s: I_SRDOPT(RMSGD)", side);
	v = -1;
	ok(ioctl(fd, I_GRDOPT, &v) == 0 && v == (RMSGD | RPROTNORM),
	    "%s: I_GRDOPT shows RMSGD, protocol option kept (got %#x)", side, v);
	is_int(ioctl(fd, I_SRDOPT, RNORM | RPROTNORM), 0, "%s: back to RNORM|RPROTNORM", side);
	v = -1;
	ok(ioctl(fd, I_GRDOPT, &v) == 0 && v == 0x10, "%s: I_GRDOPT 0x10 again", side);
	errno = 0;
	ok(ioctl(fd, I_GRDOPT, NULL) == -1 && errno == EFAULT, "%s: I_GRDOPT NULL: EFAULT", side);
	errno = 0;
	ok(ioctl(fd, I_GRDOPT, xt_unmapped()) == -1 && errno == EFAULT,
	    "%s: I_GRDOPT unmapped: EFAULT", side);

	errno = 0;
	ok(ioctl(fd, I_FLUSH, 0x08) == -1 && errno == EINVAL, "%s: I_FLUSH(0x08): -1 EINVAL", side);
	errno = 0;
	ok(ioctl(fd, I_CANPUT, 256) == -1 && errno == EINVAL, "%s: I_CANPUT(256): -1 EINVAL", side);
	errno = 0;
	ok(ioctl(fd, I_CANPUT, -1) == -1 && errno == EINVAL, "%s: I_CANPUT(-1): -1 EINVAL", side);
	is_int(ioctl(fd, I_CANPUT, 0), 1, "%s: I_CANPUT(0) == 1", side);
	is_int(ioctl(fd, I_CANPUT, 255), 1, "%s: I_CANPUT(255) == 1", side);
}

static void
check_nread(int m, int s)
{
	int	n = -1;

	ok(ioctl(m, I_NREAD, &n) == 0 && n == 0, "I_NREAD on an empty manager: 0, *arg 0 (got %d)", n);
	errno = 0;
	ok(ioctl(m, I_NREAD, NULL) == -1 && errno == EFAULT, "I_NREAD NULL: EFAULT");
	is_int(write(s, "abc", 3), 3, "subsidiary writes 3 bytes");
	ok(readable(m, 1000), "manager readable");
	n = -1;
	ok(ioctl(m, I_NREAD, &n) == 1 && n == 3, "I_NREAD: 1 message, *arg 3 (got %d)", n);
	{
		char	buf[8];

		ok(read(m, buf, sizeof(buf)) == 3, "manager reads them");
	}
	n = -1;
	ok(ioctl(m, I_NREAD, &n) == 0 && n == 0, "I_NREAD empty again");
}

static void
check_flush(int m, int s)
{
	char	buf[16];
	ssize_t	r;

	/* FLUSHR on the subsidiary: only its own unread input */
	is_int(write(s, "keep", 4), 4, "subsidiary writes keep (queued at the manager)");
	is_int(write(m, "drop", 4), 4, "manager writes drop (queued at the subsidiary)");
	ok(readable(s, 1000) && readable(m, 1000), "both sides have input");
	is_int(ioctl(s, I_FLUSH, FLUSHR), 0, "I_FLUSH FLUSHR on the subsidiary");
	errno = 0;
	r = xt_read_nb(s, buf, sizeof(buf));
	ok(r == -1 && errno == EAGAIN, "subsidiary's unread input is gone");
	r = xt_read_for(m, buf, 4, 500);
	ok(r == 4 && memcmp(buf, "keep", 4) == 0, "manager's input is untouched");

	/* FLUSHW on the manager becomes FLUSHR at the subsidiary */
	is_int(write(s, "keep", 4), 4, "subsidiary writes keep");
	is_int(write(m, "drop", 4), 4, "manager writes drop");
	ok(readable(s, 1000) && readable(m, 1000), "both sides have input");
	is_int(ioctl(m, I_FLUSH, FLUSHW), 0, "I_FLUSH FLUSHW on the manager");
	errno = 0;
	r = xt_read_nb(s, buf, sizeof(buf));
	ok(r == -1 && errno == EAGAIN, "data waiting at the subsidiary is discarded");
	r = xt_read_for(m, buf, 4, 500);
	ok(r == 4 && memcmp(buf, "keep", 4) == 0, "the manager's read data is not discarded");

	/* FLUSHR on the manager: its own input, not the subsidiary's */
	is_int(write(s, "drop", 4), 4, "subsidiary writes drop");
	is_int(write(m, "keep", 4), 4, "manager writes keep");
	ok(readable(s, 1000) && readable(m, 1000), "both sides have input");
	is_int(ioctl(m, I_FLUSH, FLUSHR), 0, "I_FLUSH FLUSHR on the manager");
	errno = 0;
	r = xt_read_nb(m, buf, sizeof(buf));
	ok(r == -1 && errno == EAGAIN, "manager's unread input is gone");
	r = xt_read_for(s, buf, 4, 500);
	ok(r == 4 && memcmp(buf, "keep", 4) == 0, "subsidiary's input is untouched");
}

static void
check_sig(int m, int s)
{
	struct sigaction	sa, old;
	int			ev = 0, i, r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_poll;
	sigaction(SIGPOLL, &sa, &old);
	errno = 0;
	ok(ioctl(m, I_GETSIG, &ev) == -1 && errno == EINVAL, "I_GETSIG unregistered: -1 EINVAL");
	errno = 0;
	ok(ioctl(m, I_SETSIG, 0) == -1 && errno == EINVAL, "I_SETSIG(0) unregistered: -1 EINVAL");
	errno = 0;
	ok(ioctl(m, I_SETSIG, 0x4000) == -1 && errno == EINVAL, "I_SETSIG unknown bits: -1 EINVAL");
	errno = 0;
	ok(ioctl(m, I_SETSIG, S_BANDURG) == -1 && errno == EINVAL,
	    "I_SETSIG S_BANDURG without S_RDBAND: -1 EINVAL");
	npoll = 0;
	is_int(ioctl(m, I_SETSIG, S_INPUT), 0, "I_SETSIG(S_INPUT) on the manager");
	ev = 0;
	ok(ioctl(m, I_GETSIG, &ev) == 0 && ev == S_INPUT, "I_GETSIG returns S_INPUT (got %#x)", ev);
	errno = 0;
	ok(ioctl(m, I_GETSIG, NULL) == -1 && errno == EFAULT, "I_GETSIG NULL: EFAULT");
	is_int(npoll, 0, "no SIGPOLL before any input");
	is_int(write(s, "x", 1), 1, "subsidiary writes");
	for (i = 0; i < 100 && npoll == 0; i++)
		usleep(10000);
	ok(npoll > 0, "SIGPOLL delivered on manager input");
	{
		char	c;

		(void)read(m, &c, 1);
	}
	is_int(ioctl(m, I_SETSIG, 0), 0, "I_SETSIG(0) unregisters");
	errno = 0;
	r = ioctl(m, I_GETSIG, &ev);
	ok(r == -1 && errno == EINVAL, "I_GETSIG after unregistering: -1 EINVAL");
	npoll = 0;
	is_int(write(s, "y", 1), 1, "subsidiary writes again");
	usleep(100000);
	is_int(npoll, 0, "no SIGPOLL once unregistered");
	sigaction(SIGPOLL, &old, NULL);
}

static void
check_not_streams(void)
{
	int		p[2], v, r;
	struct str_list	sl = { 0 };

	ok(pipe(p) == 0, "pipe");
	errno = 0;
	r = ioctl(p[0], I_NREAD, &v);
	ok(r == -1 && errno == EINVAL, "pipe: I_NREAD -1 EINVAL");
	errno = 0;
	r = ioctl(p[0], I_GRDOPT, &v);
	ok(r == -1 && errno == EINVAL, "pipe: I_GRDOPT -1 EINVAL");
	errno = 0;
	r = ioctl(p[0], I_LIST, NULL);
	ok(r == -1 && errno == EINVAL, "pipe: I_LIST -1 EINVAL");
	errno = 0;
	r = ioctl(p[0], I_LIST, &sl);
	ok(r == -1 && errno == EINVAL, "pipe: I_LIST buffer -1 EINVAL");
	errno = 0;
	r = ioctl(p[0], I_FIND, "ldterm");
	ok(r == -1 && errno == EINVAL, "pipe: I_FIND -1 EINVAL");
	close(p[0]);
	close(p[1]);
}

int
main(int argc, char **argv)
{
	char	name[64];
	int	m = -1, s = -1;

	xt_init(argc, argv);
	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	check_rdopt("manager", m);
	check_rdopt("subsidiary", s);
	check_nread(m, s);
	check_flush(m, s);
	check_sig(m, s);
	close(s);
	close(m);

	/* flush also with ptem and ldterm on the stream */
	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	ok(ioctl(s, I_PUSH, "ptem") == 0 && ioctl(s, I_PUSH, "ldterm") == 0, "push ptem, ldterm");
	{
		struct termios	t;

		/* non-canonical, no echo, so that queued bytes are readable */
		tcgetattr(s, &t);
		t.c_lflag &= ~(ICANON | ECHO);
		t.c_oflag &= ~OPOST;
		tcsetattr(s, TCSANOW, &t);
	}
	check_flush(m, s);
	close(s);
	close(m);
	check_not_streams();
	return (done_testing());
}
