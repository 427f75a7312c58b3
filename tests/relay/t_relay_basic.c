/*
 * t_relay_basic.c - the relay's core semantics: data both ways (all 256
 * byte values), end of file exactly once at the subsidiary's last close,
 * then nothing until a reopen, reuse; the stream is dismantled at last
 * close; zero-length message marker from the subsidiary side.
 */
#include "rtest.h"
#include "store.h"

static void
test_bytes(struct rpty *p, int s)
{
	unsigned char	out[256], in[256];
	int		i;

	for (i = 0; i < 256; i++)
		out[i] = (unsigned char)i;
	ok(rt_writen(p->fd, out, 256) == 0, "manager writes 256 byte values");
	is_int(rt_readn(s, in, 256, 2000), 256, "subsidiary reads them");
	ok(memcmp(in, out, 256) == 0, "manager -> subsidiary byte-exact");
	ok(rt_writen(s, out, 256) == 0, "subsidiary writes 256 byte values");
	is_int(rt_readn(p->fd, in, 256, 2000), 256, "manager reads them");
	ok(memcmp(in, out, 256) == 0, "subsidiary -> manager byte-exact");
}

static void
test_eof(struct rpty *p, int s)
{
	char		buf[16];
	ssize_t		n;
	struct termios	t;
	struct xstate	xst;
	int		s2;

	/* a module on the stream, which the last close must take away */
	memset(&xst, 0, sizeof(xst));
	xst.managed = 1;
	xst.depth = 1;
	xst.mods[0] = XM_PTEM;
	ok(xstate_put(p->hostfd, &xst, NULL) == 0, "ptem on the stream (store)");
	write(s, "bye", 3);
	close(s);
	is_int(rt_readn(p->fd, buf, 3, 2000), 3, "data before the last close");
	n = read(p->fd, buf, sizeof(buf));
	is_int(n, 0, "then the manager reads 0");
	ok(relay_reattach(p->fd, NULL) == 0, "reattach");
	fcntl(p->fd, F_SETFL, O_RDWR | O_NONBLOCK);
	n = read(p->fd, buf, sizeof(buf));
	ok(n == -1 && errno == EAGAIN, "after the 0: EAGAIN (O_NONBLOCK)");
	is_int(rt_readable(p->fd, 100), 0, "poll reports nothing");
	ok(xstate_get(p->hostfd, &xst) == 0 && xst.managed && xst.depth == 0 &&
	    tcgetattr(p->hostfd, &t) == 0 && !(t.c_lflag & (ICANON | ECHO)),
	    "stream dismantled: still libxpty's, no modules, raw");
	s2 = rt_subsid(p, 0);
	ok(s2 >= 0, "subsidiary opens again (still unlocked)");
	is_int(rt_readable(p->fd, 100), 0, "reopen alone: still nothing");
	write(s2, "again", 5);
	is_int(rt_readn(p->fd, buf, 5, 2000), 5, "data after the reopen");
	ok(memcmp(buf, "again", 5) == 0, "... the right bytes");
	close(s2);
	fcntl(p->fd, F_SETFL, O_RDWR);
	n = read(p->fd, buf, sizeof(buf));
	is_int(n, 0, "second last close: 0 again");
	ok(relay_reattach(p->fd, NULL) == 0, "reattach again");
}

static void
test_zero(struct rpty *p)
{
	char	buf[16];
	int	s = rt_subsid(p, 0);

	write(s, "ab", 2);
	ok(relay_zero_write(p->ptyno, s) == 0, "zero-length write marker");
	write(s, "cd", 2);
	is_int(rt_readn(p->fd, buf, 2, 2000), 2, "bytes before the marker");
	ok(memcmp(buf, "ab", 2) == 0, "... are ab");
	is_int(read(p->fd, buf, sizeof(buf)), 0, "then 0");
	ok(relay_reattach(p->fd, NULL) == 0, "reattach");
	is_int(rt_readn(p->fd, buf, 2, 2000), 2, "bytes after the marker");
	ok(memcmp(buf, "cd", 2) == 0, "... are cd");
	ok(relay_zero_write(p->ptyno, p->hostfd) == -1 && errno == EPERM,
	    "zero write without the subsidiary: EPERM");
	close(s);
	is_int(read(p->fd, buf, sizeof(buf)), 0, "last close: 0");
	ok(relay_reattach(p->fd, NULL) == 0, "reattach");
}

static void
test_identify(struct rpty *p)
{
	int	h, n, sv[2];

	ok(relay_identify(p->fd, &h, &n) == 0 && n == p->ptyno,
	    "identify the manager socket");
	ok(h >= 100 && (fcntl(h, F_GETFD) & FD_CLOEXEC), "private host fd high, cloexec");
	close(h);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	ok(relay_identify(sv[0], &h, &n) == -1 && errno == ENOENT,
	    "an ordinary socket is not ours");
	ok(relay_identify(0, &h, &n) == -1 && errno == ENOENT,
	    "stdin is not ours");
	close(sv[0]);
	close(sv[1]);
}

int
main(void)
{
	struct rpty	p;
	int		s;

	rt_env();
	if (rt_open(&p, 0) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return (done_testing());
	}
	ok(p.fd > 2 && p.hostfd >= 100, "relay_open: socket %d, host fd %d, pty %d",
	    p.fd, p.hostfd, p.ptyno);
	ok(fcntl(p.hostfd, F_GETFD) & FD_CLOEXEC, "host fd is close-on-exec");
	s = rt_subsid(&p, 0);
	ok(s >= 0, "subsidiary opens");
	test_bytes(&p, s);
	test_identify(&p);
	test_eof(&p, s);
	test_zero(&p);
	rt_close(&p);
	rt_cleanup();
	return (done_testing());
}
