/*
 * dismantle.c - the subsidiary's last close dismantles the stream the
 * same way in both engines (issue 12: the relay engine's daemon and the
 * direct engine had two implementations): no modules, the modes of a bare
 * stream (all of ldterm's line discipline cleared, not only part of it),
 * and the manager's pckt stays, so a termios change on the reopened
 * subsidiary still reaches the manager as an M_IOCTL message (the relay
 * engine: the direct engine reports only what the host's packet mode
 * does, IXON's changes).
 */
#include "xtest.h"

#include <poll.h>

static int
readable(int fd, int ms)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	return (poll(&pfd, 1, ms) == 1);
}

/* Read the manager until its zero-length message (the last close). */
static int
drain_to_eof(int m)
{
	char	buf[256];
	ssize_t	r;
	int	i;

	for (i = 0; i < 100; i++) {
		if (!readable(m, 2000))
			return (-1);
		if ((r = read(m, buf, sizeof(buf))) == 0)
			return (0);
		if (r < 0)
			return (-1);
	}
	return (-1);
}

static void
check_modes(void)
{
	struct termios	t;
	char		name[64];
	int		m = -1, s = -1;

	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	ok(ioctl(s, I_PUSH, "ptem") == 0 && ioctl(s, I_PUSH, "ldterm") == 0,
	    "push ptem, ldterm");
	ok(tcgetattr(s, &t) == 0 && (t.c_lflag & (ECHOE | ECHOK)) != 0,
	    "ldterm's modes are set (ECHOE, ECHOK)");
	close(s);
	is_int(drain_to_eof(m), 0, "the manager reads the last close");
	s = open(name, O_RDWR | O_NOCTTY);
	ok(s >= 0, "subsidiary opens again");
	is_int(ioctl(s, I_LIST, NULL), 1, "the stream is bare again");
	ok(ioctl(s, I_PUSH, "ptem") == 0 && tcgetattr(s, &t) == 0,
	    "ptem pushed: termios readable");
	is_int(t.c_lflag & (ICANON | ISIG | IEXTEN | ECHO | ECHOE | ECHOK |
	    ECHONL | ECHOCTL | ECHOKE), 0,
	    "no line discipline left in c_lflag (ECHOE, ECHOCTL, ECHOKE too)");
	is_int(t.c_iflag & (ICRNL | IXON | IXANY | IMAXBEL | INLCR | IGNCR), 0,
	    "nor in c_iflag (IXANY, IMAXBEL too)");
	is_int(t.c_oflag & OPOST, 0, "no output processing");
	close(s);
	close(m);
}

/* The type of the next message on the pckt manager, -1 if none came. */
static int
next_type(int m, int ms)
{
	char		cbuf[64], dbuf[512];
	struct strbuf	c = { .maxlen = sizeof(cbuf), .buf = cbuf };
	struct strbuf	d = { .maxlen = sizeof(dbuf), .buf = dbuf };
	int		flags = 0;

	if (!readable(m, ms) || getmsg(m, &c, &d, &flags) < 0)
		return (-1);
	return (c.len > 0 ? (unsigned char)cbuf[0] : M_DATA);
}

static void
check_pckt(void)
{
	struct termios	t;
	char		name[64];
	int		m, s, i, type, got;

	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	ok(ioctl(m, I_PUSH, "pckt") == 0, "pckt on the manager");
	close(s);
	for (i = 0, got = 0; i < 20 && !got; i++)
		got = next_type(m, 2000) == M_DATA;
	ok(got, "the last close comes as a message");
	s = open(name, O_RDWR | O_NOCTTY);
	ok(s >= 0 && ioctl(s, I_PUSH, "ptem") == 0 && tcgetattr(s, &t) == 0,
	    "subsidiary reopened, ptem pushed");
	t.c_lflag ^= TOSTOP;
	is_int(tcsetattr(s, TCSANOW, &t), 0, "tcsetattr on the reopened subsidiary");
	for (i = 0, got = 0; i < 20 && !got && (type = next_type(m, 2000)) != -1; i++)
		got = type == M_IOCTL;
	ok(got, "the manager still gets M_IOCTL: pckt survived the dismantling");
	close(s);
	close(m);
}

int
main(int argc, char **argv)
{
	xt_init(argc, argv);
	check_modes();
	/* the host's packet mode reports IXON changes only (xpty(7)) */
	if (xt_engine_direct())
		skip("direct engine: a TOSTOP change is no M_IOCTL there at "
		    "any time");
	else
		check_pckt();
	return (done_testing());
}
