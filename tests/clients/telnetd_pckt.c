/*
 * telnetd_pckt.c - BSD/Heimdal telnetd (STREAMSPTY) and XView ttysw:
 * pckt on the manager, read with getmsg.
 *
 * telnetd: getpty (ptmx, grantpt, unlockpt, ptsname), then
 *     if (ioctl(ourpty, I_PUSH, "pckt") < 0) fatal(net, "I_PUSH pckt");
 * the pty is non-blocking (FIONBIO), and each read goes through
 * readstream() (Heimdal telnetd/state.c), reproduced below: one getmsg(),
 * M_DATA gives a TIOCPKT_DATA header byte and the data, M_FLUSH with
 * FLUSHW gives TIOCPKT_FLUSHWRITE, M_IOCTL of TCSETS* with a struct
 * termios after the struct iocblk gives TIOCPKT_DOSTOP / TIOCPKT_NOSTOP
 * when IXON with ^S/^Q changes.  The login side is the subsidiary with
 * ptem, ldterm and ttcompat; a child runs `stty -ixon` on it.
 * XView's ttysw reads the subsidiary's last close as a zero-length M_DATA.
 * A plain read() on a pckt manager fails EBADMSG (read mode RPROTNORM).
 *
 * The M_IOCTL comes from libxpty's subsidiary-side report when stty has
 * libxpty loaded, and from the host's IXON change notice (TIOCPKT
 * NOSTOP) when it does not: both engines must deliver it.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <stropts.h>
#include <sys/ptms.h>

#include "client.h"

static char ctlbuf[BUFSIZ];
static struct strbuf strbufc, strbufd;
static int flowison = -1;	/* current state of flow: -1 is unknown */

/* what the test saw, beside telnetd's own result */
static int last_type = -1;
static int last_dlen = -1;
static int n_ioctl;
static struct iocblk last_ioc;
static struct termios last_tio;
static int last_tio_ok;

/* Heimdal telnetd readstream(), with the test's bookkeeping added. */
static int
readstream(int p, char *ibuf, int bufsize)
{
	int		 flags = 0;
	int		 ret = 0;
	struct termios	*tsp;
	char		 vstop, vstart;
	int		 ixon;
	int		 newflow;

	strbufc.maxlen = BUFSIZ;
	strbufc.buf = (char *)ctlbuf;
	strbufd.maxlen = bufsize - 1;
	strbufd.len = 0;
	strbufd.buf = ibuf + 1;
	ibuf[0] = 0;

	ret = getmsg(p, &strbufc, &strbufd, &flags);
	if (ret < 0)	/* error of some sort -- probably EAGAIN */
		return (-1);
	last_type = strbufc.len > 0 ? (unsigned char)ctlbuf[0] : -1;
	last_dlen = strbufd.len;

	if (strbufc.len <= 0 || ctlbuf[0] == M_DATA) {
		/* data message */
		if (strbufd.len > 0) {		/* real data */
			return (strbufd.len + 1);	/* count header char */
		} else {
			/* nothing there */
			errno = EAGAIN;
			return (-1);
		}
	}

	/*
	 * It's a control message.  Return 1, to look at the flag we set
	 */
	switch ((unsigned char)ctlbuf[0]) {
	case M_FLUSH:
		if (ibuf[1] & FLUSHW)
			ibuf[0] = TIOCPKT_FLUSHWRITE;
		return (1);

	case M_IOCTL:
		n_ioctl++;
		memcpy(&last_ioc, ibuf + 1, sizeof(last_ioc));
		last_tio_ok = strbufd.len >= (int)(sizeof(struct iocblk) +
		    offsetof(struct termios, c_cc) + VSTOP + 1);
		if (last_tio_ok)
			memcpy(&last_tio, ibuf + 1 + sizeof(struct iocblk),
			    (size_t)strbufd.len - sizeof(struct iocblk) <
			    sizeof(last_tio) ? (size_t)strbufd.len -
			    sizeof(struct iocblk) : sizeof(last_tio));

		/*
		 * Heimdal casts ibuf + 1 in place; that is misaligned (UB
		 * that UBSan reports), so read the same fields from copies.
		 */
		switch (last_ioc.ioc_cmd) {
		case TCSETS:
		case TCSETSW:
		case TCSETSF:
			tsp = &last_tio;
			vstop = (char)tsp->c_cc[VSTOP];
			vstart = (char)tsp->c_cc[VSTART];
			ixon = tsp->c_iflag & IXON;
			break;
		default:
			errno = EAGAIN;
			return (-1);
		}

		newflow = (ixon && (vstart == 021) && (vstop == 023)) ? 1 : 0;
		if (newflow != flowison) {	/* it's a change */
			flowison = newflow;
			ibuf[0] = newflow ? TIOCPKT_DOSTOP : TIOCPKT_NOSTOP;
			return (1);
		}
	}

	/* nothing worth doing anything about */
	errno = EAGAIN;
	return (-1);
}

static long
ms_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L);
}

/*
 * telnetd's pty loop: readstream until a header byte satisfying want()
 * arrives or ms pass.  Data is appended to data[].  Returns the header, or
 * -1 on timeout.
 */
struct collect {
	char	data[1024];
	size_t	dlen;
	int	got_zero_mdata;
};

static int
pump(int pty, struct collect *c, int (*want)(int hdr, const struct collect *), int ms)
{
	char	ibuf[BUFSIZ];
	long	end = ms_now() + ms;
	int	n;

	while (ms_now() < end) {
		if (!wait_readable(pty, 100))
			continue;
		n = readstream(pty, ibuf, (int)sizeof(ibuf));
		if (n < 0) {
			if (errno != EAGAIN)
				return (-2);
			if (last_type == M_DATA && last_dlen == 0)
				c->got_zero_mdata = 1;
			if (want(-1, c))
				return (-1);
			continue;
		}
		if (ibuf[0] == TIOCPKT_DATA && n > 1 &&
		    c->dlen + (size_t)(n - 1) < sizeof(c->data)) {
			memcpy(c->data + c->dlen, ibuf + 1, (size_t)(n - 1));
			c->dlen += (size_t)(n - 1);
		}
		if (want((unsigned char)ibuf[0], c))
			return ((unsigned char)ibuf[0]);
	}
	return (-1);
}

static int
want_line(int hdr, const struct collect *c)
{
	(void)hdr;
	return (memchr(c->data, '\n', c->dlen) != NULL);
}

static int
want_flushwrite(int hdr, const struct collect *c)
{
	(void)c;
	return (hdr == TIOCPKT_FLUSHWRITE);
}

static int
want_nostop(int hdr, const struct collect *c)
{
	(void)c;
	return (hdr == TIOCPKT_NOSTOP);
}

static int
want_zero(int hdr, const struct collect *c)
{
	(void)hdr;
	return (c->got_zero_mdata);
}

int
main(int argc, char **argv)
{
	struct collect	c;
	char		name[64], buf[64], *p;
	int		pty, tty, on = 1, st, hdr, fl;
	struct termios	t;
	ssize_t		r;
	pid_t		pid;

	client_init(argc, argv);

	/* getpty() */
	pty = open("/dev/ptmx", O_RDWR | O_NOCTTY);
	if (!ok(pty >= 0, "open /dev/ptmx"))
		return (done_testing());
	ok(grantpt(pty) == 0 && unlockpt(pty) == 0 && (p = ptsname(pty)) != NULL,
	    "grantpt, unlockpt, ptsname");
	snprintf(name, sizeof(name), "%s", ptsname(pty));
	if (!ok(ioctl(pty, I_PUSH, "pckt") == 0, "I_PUSH pckt on the manager"))
		return (done_testing());
	is_int(ioctl(pty, I_FIND, "pckt"), 1, "I_FIND pckt on the manager is 1");
	/* set_termbuf / getptyslave: the login side */
	tty = open(name, O_RDWR | O_NOCTTY);
	if (!ok(tty >= 0, "open the subsidiary %s", name))
		return (done_testing());
	ok(ioctl(tty, I_PUSH, "ptem") == 0 && ioctl(tty, I_PUSH, "ldterm") == 0 &&
	    ioctl(tty, I_PUSH, "ttcompat") == 0, "push ptem, ldterm, ttcompat on the subsidiary");
	ok(ioctl(pty, FIONBIO, &on) == 0, "FIONBIO on the manager, as telnetd does");
	fl = fcntl(pty, F_GETFL);
	ok(fl != -1 && (fl & O_NONBLOCK), "the manager is non-blocking");

	/* M_DATA */
	memset(&c, 0, sizeof(c));
	ok(write(tty, "data\n", 5) == 5, "the login side writes \"data\\n\"");
	ok(wait_readable(pty, 2000), "the manager becomes readable");
	errno = 0;
	r = read(pty, buf, sizeof(buf));
	ok(r == -1 && errno == EBADMSG, "read() on the pckt manager fails EBADMSG (r=%zd)", r);
	hdr = pump(pty, &c, want_line, 3000);
	ok(hdr == TIOCPKT_DATA && last_type == M_DATA,
	    "readstream: M_DATA gives header TIOCPKT_DATA (hdr %d, type %#x)", hdr, last_type);
	ok(c.dlen == 6 && memcmp(c.data, "data\r\n", 6) == 0,
	    "the data part is \"data\\r\\n\" (got \"%s\")", show(c.data, c.dlen));

	/* M_FLUSH: the login side discards its output (TCOFLUSH = FLUSHW) */
	ok(tcflush(tty, TCOFLUSH) == 0, "tcflush(subsidiary, TCOFLUSH)");
	hdr = pump(pty, &c, want_flushwrite, 3000);
	ok(hdr == TIOCPKT_FLUSHWRITE && last_type == M_FLUSH,
	    "readstream: M_FLUSH FLUSHW gives TIOCPKT_FLUSHWRITE (hdr %d, type %#x)",
	    hdr, last_type);

	/* M_IOCTL: stty -ixon on the login side */
	ok(tcgetattr(tty, &t) == 0 && (t.c_iflag & IXON) && t.c_cc[VSTOP] == 023 &&
	    t.c_cc[VSTART] == 021, "the subsidiary starts with IXON and ^S/^Q");
	flowison = 1;
	if ((pid = fork()) == 0) {
		dup2(tty, 0);
		close(tty);
		close(pty);
		execlp("stty", "stty", "-ixon", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "`stty -ixon` on the subsidiary exits 0 (%#x)",
	    (unsigned)st);
	ok(tcgetattr(tty, &t) == 0 && !(t.c_iflag & IXON), "IXON is off on the subsidiary");
	n_ioctl = 0;
	hdr = pump(pty, &c, want_nostop, 2000);
	ok(n_ioctl > 0, "stty -ixon shows up as M_IOCTL on the pckt manager (%d)", n_ioctl);
	ok((last_ioc.ioc_cmd == TCSETS || last_ioc.ioc_cmd == TCSETSW ||
	    last_ioc.ioc_cmd == TCSETSF) && last_tio_ok,
	    "its iocblk is TCSETS/TCSETSW/TCSETSF with a termios after it (cmd %#x)",
	    (unsigned)last_ioc.ioc_cmd);
	ok(last_tio_ok && !(last_tio.c_iflag & IXON),
	    "the termios payload has IXON off (c_iflag %#o)", (unsigned)last_tio.c_iflag);
	is_int(hdr, TIOCPKT_NOSTOP, "readstream turns it into TIOCPKT_NOSTOP");

	/* the subsidiary's last close: a zero-length M_DATA (XView) */
	close(tty);
	c.got_zero_mdata = 0;
	pump(pty, &c, want_zero, 3000);
	ok(c.got_zero_mdata, "the last close of the subsidiary is a zero-length M_DATA "
	    "(last type %#x, len %d)", last_type, last_dlen);
	close(pty);
	return (done_testing());
}
