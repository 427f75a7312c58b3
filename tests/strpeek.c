/*
 * strpeek.c - the stream head's read side on a manager (issue 4): I_PEEK,
 * the read modes of I_SRDOPT (RNORM/RMSGD/RMSGN, RPROTNORM/RPROTDAT/
 * RPROTDIS) with read(), and getmsg() with short buffers (MORECTL,
 * MOREDATA), without and with pckt.
 *
 * The direct engine holds the genuine host manager, whose data cannot be
 * looked at without taking it: there I_PEEK of queued data fails with
 * EBADMSG (xpty(7)), and the assertions about what a peek shows are
 * skipped in d_strpeek.
 */
#include <poll.h>
#include "xtest.h"

#define SKIP_DIRECT	"# SKIP direct engine: the host manager cannot be peeked"

static int
readable(int fd, int ms)
{
	struct pollfd	p = { .fd = fd, .events = POLLIN };

	/* POLLHUP: the host manager after the last close (direct engine) */
	return (poll(&p, 1, ms) == 1 && (p.revents & (POLLIN | POLLHUP)));
}

/* Wait until I_NREAD shows want bytes in the first message. */
static int
wait_nread(int m, int want)
{
	int	i, n = -1;

	for (i = 0; i < 200; i++) {
		if (ioctl(m, I_NREAD, &n) >= 1 && n >= want)
			return (1);
		usleep(10000);
	}
	return (0);
}

static int
peek(int fd, struct strpeek *sp, char *cbuf, int cmax, char *dbuf, int dmax,
    unsigned flags)
{
	memset(sp, 0, sizeof(*sp));
	sp->ctlbuf.maxlen = cmax;
	sp->ctlbuf.len = 99;
	sp->ctlbuf.buf = cbuf;
	sp->databuf.maxlen = dmax;
	sp->databuf.len = 99;
	sp->databuf.buf = dbuf;
	sp->flags = flags;
	return (ioctl(fd, I_PEEK, sp));
}

static void
check_plain(void)
{
	struct strpeek	sp;
	struct strioctl	sio;
	struct strbuf	c, d;
	char		name[64], cbuf[16], dbuf[64], buf[64];
	int		m, s, r, flags;
	ssize_t		n;

	if (!ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair"))
		return;

	/* nothing queued */
	is_int(peek(m, &sp, cbuf, sizeof(cbuf), dbuf, sizeof(dbuf), 0), 0,
	    "plain: I_PEEK with nothing queued returns 0");
	is_int(peek(s, &sp, cbuf, sizeof(cbuf), dbuf, sizeof(dbuf), 0), 0,
	    "plain: I_PEEK on the subsidiary with nothing queued returns 0");
	errno = 0;
	ok(ioctl(m, I_PEEK, NULL) == -1 && errno == EFAULT, "plain: I_PEEK NULL: EFAULT");
	errno = 0;
	ok(ioctl(m, I_PEEK, xt_unmapped()) == -1 && errno == EFAULT,
	    "plain: I_PEEK unmapped: EFAULT");
	memset(&sio, 0, sizeof(sio));
	sio.ic_cmd = I_PEEK;
	sio.ic_len = sizeof(sp);
	sio.ic_dp = (char *)&sp;
	errno = 0;
	ok(ioctl(m, I_STR, &sio) == -1 && errno == EINVAL,
	    "plain: I_PEEK inside I_STR: EINVAL (a stream-head command, NAKed)");

	/* data queued: peek shows it, read still gets it */
	is_int(write(s, "hello", 5), 5, "plain: the subsidiary writes hello");
	ok(wait_nread(m, 5), "plain: 5 bytes queued at the manager");
	memset(dbuf, 0, sizeof(dbuf));
	errno = 0;
	r = peek(m, &sp, cbuf, sizeof(cbuf), dbuf, sizeof(dbuf), 0);
	if (xt_engine_direct()) {
		ok(r == -1 && errno == EBADMSG,
		    "plain: direct engine: I_PEEK of queued data fails EBADMSG (r=%d)", r);
		ok(1, "plain: I_PEEK shows the data " SKIP_DIRECT);
	} else {
		is_int(r, 1, "plain: I_PEEK returns 1 with data queued");
		ok(sp.databuf.len == 5 && memcmp(dbuf, "hello", 5) == 0 &&
		    sp.ctlbuf.len == -1 && sp.flags == 0,
		    "plain: it shows data hello, no control part (len -1), flags 0 "
		    "(dlen %d, clen %d, flags %u)", sp.databuf.len, sp.ctlbuf.len, sp.flags);
	}
	is_int(peek(m, &sp, cbuf, sizeof(cbuf), dbuf, sizeof(dbuf), RS_HIPRI), 0,
	    "plain: I_PEEK RS_HIPRI: 0 (M_DATA is not high priority)");
	r = peek(m, &sp, cbuf, sizeof(cbuf), dbuf, 0, 0);
	ok(r == 1 && sp.databuf.len == 0,
	    "plain: I_PEEK with databuf.maxlen 0: 1, data len 0 (r=%d, len %d)", r,
	    sp.databuf.len);
	errno = 0;
	r = peek(m, &sp, cbuf, sizeof(cbuf), xt_unmapped(), sizeof(dbuf), 0);
	if (xt_engine_direct())
		ok(1, "plain: I_PEEK into an unmapped data buffer: EFAULT " SKIP_DIRECT);
	else
		ok(r == -1 && errno == EFAULT,
		    "plain: I_PEEK into an unmapped data buffer: EFAULT (r=%d)", r);
	n = read(m, buf, sizeof(buf));
	ok(n == 5 && memcmp(buf, "hello", 5) == 0,
	    "plain: the next read gets hello, unchanged by the peeks (n=%zd)", n);
	is_int(peek(m, &sp, cbuf, sizeof(cbuf), dbuf, sizeof(dbuf), 0), 0,
	    "plain: I_PEEK after the read: 0 again");

	/* the subsidiary is the host tty: its input cannot be peeked */
	is_int(write(m, "q", 1), 1, "plain: the manager writes q");
	ok(readable(s, 2000), "plain: the subsidiary has input");
	errno = 0;
	r = peek(s, &sp, cbuf, sizeof(cbuf), dbuf, sizeof(dbuf), 0);
	ok(r == -1 && errno == EBADMSG,
	    "plain: I_PEEK of the subsidiary's queued input fails EBADMSG (r=%d)", r);
	n = read(s, buf, sizeof(buf));
	ok(n == 1 && buf[0] == 'q', "plain: the subsidiary still reads q (n=%zd)", n);

	/* RMSGN: the rest of the message stays */
	is_int(write(s, "abcdef", 6), 6, "plain: the subsidiary writes abcdef");
	ok(wait_nread(m, 6), "plain: 6 bytes queued");
	is_int(ioctl(m, I_SRDOPT, RMSGN), 0, "plain: I_SRDOPT RMSGN");
	n = read(m, buf, 2);
	ok(n == 2 && memcmp(buf, "ab", 2) == 0, "plain: RMSGN: read 2 gets ab");
	n = xt_read_for(m, buf, sizeof(buf), 300);
	ok(n == 4 && memcmp(buf, "cdef", 4) == 0, "plain: RMSGN: the rest cdef stays (n=%zd)", n);

	/* RMSGD: the rest of the message is discarded */
	is_int(ioctl(m, I_SRDOPT, RMSGD), 0, "plain: I_SRDOPT RMSGD");
	is_int(write(s, "abcdef", 6), 6, "plain: the subsidiary writes abcdef");
	ok(wait_nread(m, 6), "plain: 6 bytes queued");
	n = read(m, buf, 2);
	ok(n == 2 && memcmp(buf, "ab", 2) == 0, "plain: RMSGD: read 2 gets ab");
	is_int(write(s, "XY", 2), 2, "plain: the subsidiary writes XY");
	ok(readable(m, 2000), "plain: readable");
	n = read(m, buf, sizeof(buf));
	ok(n == 2 && memcmp(buf, "XY", 2) == 0,
	    "plain: RMSGD: cdef was discarded, the next read gets XY (n=%zd)", n);
	is_int(ioctl(m, I_SRDOPT, RNORM), 0, "plain: back to RNORM");

	/* getmsg with a short data buffer: MOREDATA, the rest stays */
	is_int(write(s, "hello", 5), 5, "plain: the subsidiary writes hello");
	ok(wait_nread(m, 5), "plain: 5 bytes queued");
	c.maxlen = sizeof(cbuf);
	c.buf = cbuf;
	d.maxlen = 0;
	d.buf = dbuf;
	flags = 0;
	r = getmsg(m, &c, &d, &flags);
	ok(r == MOREDATA && d.len == 0 && c.len == -1,
	    "plain: getmsg data maxlen 0: MOREDATA, len 0, nothing taken (r=%d, dlen %d)",
	    r, d.len);
	d.maxlen = 2;
	r = getmsg(m, &c, &d, &flags);
	ok(r == MOREDATA && d.len == 2 && memcmp(dbuf, "he", 2) == 0,
	    "plain: getmsg data maxlen 2: MOREDATA, he (r=%d, dlen %d)", r, d.len);
	d.maxlen = sizeof(dbuf);
	r = getmsg(m, &c, &d, &flags);
	ok(r == 0 && d.len == 3 && memcmp(dbuf, "llo", 3) == 0,
	    "plain: the next getmsg gets the rest llo, 0 (r=%d, dlen %d)", r, d.len);

	/* the zero-length message of the last close */
	close(s);
	usleep(100000);
	r = peek(m, &sp, cbuf, sizeof(cbuf), dbuf, sizeof(dbuf), 0);
	ok(r == 1 && sp.databuf.len == 0,
	    "plain: after the last close, I_PEEK shows a zero-length message (r=%d, len %d)",
	    r, sp.databuf.len);
	n = read(m, buf, sizeof(buf));
	is_int(n, 0, "plain: read returns 0 for it");
	close(m);
}

static int
pckt_pair(int *m, int *s)
{
	char		name[64];
	struct termios	t;

	if (xt_pair(m, s, name, sizeof(name), O_NOCTTY) == -1 ||
	    ioctl(*m, I_PUSH, "pckt") == -1)
		return (-1);
	if (xt_push3(*s) == -1 || tcgetattr(*s, &t) == -1)
		return (-1);
	cfmakeraw(&t);
	return (tcsetattr(*s, TCSANOW, &t));
}

/* getmsg: one message; ctl type (or -1 without control part), data. */
static int
get(int m, int cmax, int dmax, int *type, char *data, int *dlen)
{
	static char	cbuf[16];
	struct strbuf	c = { .maxlen = cmax, .len = 99, .buf = cbuf };
	struct strbuf	d = { .maxlen = dmax, .len = 99, .buf = data };
	int		flags = 0, r;

	r = getmsg(m, &c, &d, &flags);
	*type = c.len > 0 ? (unsigned char)cbuf[0] : c.len == 0 ? -2 : -1;
	*dlen = d.len;
	return (r);
}

/* Skip events (M_IOCTL from the termios set-up) until a message of type. */
static int
skip_to(int m, int type)
{
	struct strpeek	sp;
	char		cbuf[4], dbuf[256];
	int		i, t, dl;

	for (i = 0; i < 100; i++) {
		if (readable(m, 100) && peek(m, &sp, cbuf, sizeof(cbuf), dbuf, 0, 0) == 1 &&
		    sp.ctlbuf.len == 1) {
			if ((unsigned char)cbuf[0] == type)
				return (1);
			(void)get(m, 4, sizeof(dbuf), &t, dbuf, &dl);
		}
	}
	return (0);
}

static void
check_pckt(void)
{
	struct strpeek	sp;
	char		cbuf[16], dbuf[256], buf[256];
	int		m, s, r, type, dlen, n;

	if (!ok(pckt_pair(&m, &s) == 0, "pckt: pair, pckt on the manager, raw subsidiary"))
		return;
	/* drain the M_IOCTL messages of the set-up */
	while (readable(m, 300))
		(void)get(m, 4, sizeof(dbuf), &type, dbuf, &dlen);
	is_int(peek(m, &sp, cbuf, sizeof(cbuf), dbuf, sizeof(dbuf), 0), 0,
	    "pckt: I_PEEK with nothing queued returns 0");

	/* M_DATA */
	is_int(write(s, "data", 4), 4, "pckt: the subsidiary writes data");
	ok(wait_nread(m, 4) && skip_to(m, M_DATA), "pckt: an M_DATA of 4 bytes queued");
	n = -1;
	r = ioctl(m, I_NREAD, &n);
	ok(r >= 1 && n == 4, "pckt: I_NREAD counts the message's data, not the frame (r=%d, n=%d)",
	    r, n);
	memset(dbuf, 0, sizeof(dbuf));
	errno = 0;
	r = peek(m, &sp, cbuf, sizeof(cbuf), dbuf, sizeof(dbuf), 0);
	if (xt_engine_direct()) {
		ok(r == -1 && errno == EBADMSG,
		    "pckt: direct engine: I_PEEK of a data message fails EBADMSG (r=%d)", r);
		ok(1, "pckt: I_PEEK shows ctl M_DATA and the data " SKIP_DIRECT);
	} else {
		is_int(r, 1, "pckt: I_PEEK returns 1");
		ok(sp.ctlbuf.len == 1 && cbuf[0] == M_DATA && sp.databuf.len == 4 &&
		    memcmp(dbuf, "data", 4) == 0 && sp.flags == 0,
		    "pckt: it shows ctl {M_DATA}, data \"data\", flags 0 (clen %d, dlen %d)",
		    sp.ctlbuf.len, sp.databuf.len);
	}
	r = peek(m, &sp, cbuf, sizeof(cbuf), dbuf, 0, 0);
	ok(r == 1 && sp.ctlbuf.len == 1 && cbuf[0] == M_DATA && sp.databuf.len == 0,
	    "pckt: I_PEEK with databuf.maxlen 0 shows the control part (r=%d)", r);
	r = peek(m, &sp, cbuf, -1, dbuf, 0, 0);
	ok(r == 1 && sp.ctlbuf.len == -1, "pckt: I_PEEK ctlbuf.maxlen -1: ctl len -1");
	is_int(peek(m, &sp, cbuf, sizeof(cbuf), dbuf, sizeof(dbuf), RS_HIPRI), 0,
	    "pckt: I_PEEK RS_HIPRI: 0 (pckt sends M_PROTO, normal priority)");
	errno = 0;
	r = read(m, buf, sizeof(buf));
	ok(r == -1 && errno == EBADMSG, "pckt: RPROTNORM read: EBADMSG");
	/* getmsg, short buffers */
	r = get(m, 0, 2, &type, dbuf, &dlen);
	ok(r == (MORECTL | MOREDATA) && type == -2 && dlen == 2 && memcmp(dbuf, "da", 2) == 0,
	    "pckt: getmsg ctl maxlen 0, data maxlen 2: MORECTL|MOREDATA, ctl len 0, da "
	    "(r=%d, type %d, dlen %d)", r, type, dlen);
	r = get(m, 4, sizeof(dbuf), &type, dbuf, &dlen);
	ok(r == 0 && type == M_DATA && dlen == 2 && memcmp(dbuf, "ta", 2) == 0,
	    "pckt: the next getmsg: the kept control part and the rest ta (r=%d, type %d, dlen %d)",
	    r, type, dlen);
	is_int(write(s, "hello", 5), 5, "pckt: the subsidiary writes hello");
	ok(wait_nread(m, 5) && skip_to(m, M_DATA), "pckt: queued");
	r = get(m, 4, 2, &type, dbuf, &dlen);
	ok(r == MOREDATA && type == M_DATA && dlen == 2 && memcmp(dbuf, "he", 2) == 0,
	    "pckt: getmsg data maxlen 2: MOREDATA, ctl M_DATA, he (r=%d, type %d, dlen %d)",
	    r, type, dlen);
	r = get(m, -1, -1, &type, dbuf, &dlen);
	ok(r == MOREDATA && type == -1 && dlen == -1,
	    "pckt: getmsg maxlen -1 both: MOREDATA, nothing taken (r=%d, type %d, dlen %d)",
	    r, type, dlen);
	n = read(m, buf, sizeof(buf));
	ok(n == 3 && memcmp(buf, "llo", 3) == 0,
	    "pckt: RPROTNORM read takes the data-only rest llo (n=%d)", n);

	/* M_FLUSH: peeked in both engines */
	ok(tcflush(s, TCOFLUSH) == 0, "pckt: tcflush(subsidiary, TCOFLUSH)");
	ok(skip_to(m, M_FLUSH), "pckt: an M_FLUSH queued");
	memset(dbuf, 0, sizeof(dbuf));
	r = peek(m, &sp, cbuf, sizeof(cbuf), dbuf, sizeof(dbuf), 0);
	ok(r == 1 && sp.ctlbuf.len == 1 && (unsigned char)cbuf[0] == M_FLUSH &&
	    sp.databuf.len == 1 && dbuf[0] == FLUSHW && sp.flags == 0,
	    "pckt: I_PEEK shows M_FLUSH, data FLUSHW, flags 0 (r=%d)", r);
	is_int(peek(m, &sp, cbuf, sizeof(cbuf), dbuf, sizeof(dbuf), RS_HIPRI), 0,
	    "pckt: I_PEEK RS_HIPRI on M_FLUSH: 0 (it comes as M_PROTO)");
	errno = 0;
	r = peek(m, &sp, xt_unmapped(), sizeof(cbuf), dbuf, sizeof(dbuf), 0);
	ok(r == -1 && errno == EFAULT, "pckt: I_PEEK into an unmapped control buffer: EFAULT");
	r = get(m, 4, sizeof(dbuf), &type, dbuf, &dlen);
	ok(r == 0 && type == M_FLUSH && dlen == 1 && dbuf[0] == FLUSHW,
	    "pckt: getmsg then gets the same M_FLUSH (r=%d, type %#x)", r, type);

	/* RPROTDAT: the control part as data */
	is_int(ioctl(m, I_SRDOPT, RNORM | RPROTDAT), 0, "pckt: I_SRDOPT RPROTDAT");
	is_int(write(s, "xyz", 3), 3, "pckt: the subsidiary writes xyz");
	ok(wait_nread(m, 3) && skip_to(m, M_DATA), "pckt: queued");
	n = read(m, buf, sizeof(buf));
	ok(n == 4 && buf[0] == M_DATA && memcmp(buf + 1, "xyz", 3) == 0,
	    "pckt: RPROTDAT read: the type byte, then xyz (n=%d)", n);
	ok(tcflush(s, TCOFLUSH) == 0 && skip_to(m, M_FLUSH), "pckt: M_FLUSH queued");
	n = read(m, buf, sizeof(buf));
	ok(n == 2 && (unsigned char)buf[0] == M_FLUSH && buf[1] == FLUSHW,
	    "pckt: RPROTDAT read of M_FLUSH: 0x86 FLUSHW (n=%d)", n);

	/* RPROTDIS: the control part dropped */
	is_int(ioctl(m, I_SRDOPT, RNORM | RPROTDIS), 0, "pckt: I_SRDOPT RPROTDIS");
	is_int(write(s, "abc", 3), 3, "pckt: the subsidiary writes abc");
	ok(wait_nread(m, 3) && skip_to(m, M_DATA), "pckt: queued");
	n = read(m, buf, sizeof(buf));
	ok(n == 3 && memcmp(buf, "abc", 3) == 0, "pckt: RPROTDIS read: abc (n=%d)", n);
	ok(tcflow(s, TCOOFF) == 0 && skip_to(m, M_STOP), "pckt: tcflow TCOOFF: M_STOP queued");
	n = read(m, buf, sizeof(buf));
	is_int(n, 0, "pckt: RPROTDIS read of M_STOP (empty data part) returns 0");
	ok(tcflow(s, TCOON) == 0 && skip_to(m, M_START), "pckt: tcflow TCOON: M_START queued");
	is_int(read(m, buf, sizeof(buf)), 0, "pckt: RPROTDIS read of M_START returns 0");

	/* RMSGN / RMSGD with RPROTDIS */
	is_int(ioctl(m, I_SRDOPT, RMSGN | RPROTDIS), 0, "pckt: I_SRDOPT RMSGN|RPROTDIS");
	is_int(write(s, "abcdef", 6), 6, "pckt: the subsidiary writes abcdef");
	ok(wait_nread(m, 6) && skip_to(m, M_DATA), "pckt: queued");
	n = read(m, buf, 2);
	ok(n == 2 && memcmp(buf, "ab", 2) == 0, "pckt: RMSGN: read 2 gets ab");
	n = read(m, buf, sizeof(buf));
	ok(n == 4 && memcmp(buf, "cdef", 4) == 0, "pckt: RMSGN: the rest cdef stays (n=%d)", n);
	is_int(ioctl(m, I_SRDOPT, RMSGD | RPROTDIS), 0, "pckt: I_SRDOPT RMSGD|RPROTDIS");
	is_int(write(s, "abcdef", 6), 6, "pckt: the subsidiary writes abcdef");
	ok(wait_nread(m, 6) && skip_to(m, M_DATA), "pckt: queued");
	n = read(m, buf, 2);
	ok(n == 2 && memcmp(buf, "ab", 2) == 0, "pckt: RMSGD: read 2 gets ab");
	is_int(write(s, "XY", 2), 2, "pckt: the subsidiary writes XY");
	ok(wait_nread(m, 2) && skip_to(m, M_DATA), "pckt: queued");
	n = read(m, buf, sizeof(buf));
	ok(n == 2 && memcmp(buf, "XY", 2) == 0,
	    "pckt: RMSGD: cdef was discarded, the next read gets XY (n=%d)", n);
	is_int(ioctl(m, I_SRDOPT, RNORM | RPROTNORM), 0, "pckt: back to RNORM|RPROTNORM");

	/* the last close: a zero-length M_DATA, peeked in both engines */
	close(s);
	ok(skip_to(m, M_DATA), "pckt: after the last close an M_DATA is queued");
	r = peek(m, &sp, cbuf, sizeof(cbuf), dbuf, sizeof(dbuf), 0);
	ok(r == 1 && sp.ctlbuf.len == 1 && cbuf[0] == M_DATA && sp.databuf.len == 0,
	    "pckt: I_PEEK shows it: ctl {M_DATA}, data len 0 (r=%d, dlen %d)", r,
	    sp.databuf.len);
	r = get(m, 4, sizeof(dbuf), &type, dbuf, &dlen);
	ok(r == 0 && type == M_DATA && dlen == 0,
	    "pckt: getmsg gets the zero-length M_DATA (r=%d, dlen %d)", r, dlen);
	close(m);
}

int
main(int argc, char **argv)
{
	xt_init(argc, argv);
	check_plain();
	check_pckt();
	return (done_testing());
}
