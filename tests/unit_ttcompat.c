/*
 * unit_ttcompat.c - lib/ttcompat.c on a real Linux pty pair opened directly
 * (not through libxpty): each V7/4BSD request against what tcgetattr(3)
 * then shows, and the reverse; bad pointers and values.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"
#include "tap.h"

#define DIS		((char)0377)	/* a disabled char, old style */

static int	m = -1, s = -1;

static int
open_pair(void)
{
	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1)
		return (-1);
	if (grantpt(m) == -1 || unlockpt(m) == -1)
		return (-1);
	if ((s = open(ptsname(m), O_RDWR | O_NOCTTY)) == -1)
		return (-1);
	return (0);
}

/* The subsidiary in illumos's default modes, state slots marked. */
static void
reset_modes(void)
{
	struct kterm	t;

	xsys_tcget(s, &t);
	ldterm_defaults(&t);
	t.c_cc[17] = 0xa7;
	t.c_cc[18] = 0x42;
	if (xsys_tcset(s, TCSETSF, &t) == -1)
		diag("reset_modes: %s", strerror(errno));
}

static struct termios
attr(void)
{
	struct termios	tio;

	memset(&tio, 0, sizeof(tio));
	tcgetattr(s, &tio);
	return (tio);
}

static int
tc(unsigned long req, void *arg)
{
	return (ttcompat_ioctl(s, req, arg));
}

/* Wait until the subsidiary has something to read; its FIONREAD count. */
static int
pending(int ms)
{
	struct pollfd	pfd = { .fd = s, .events = POLLIN };
	int		n = -1;

	(void)poll(&pfd, 1, ms);
	if (ioctl(s, FIONREAD, &n) == -1)
		return (-1);
	return (n);
}

/* Discard what the manager has to read (echoes of earlier input). */
static void
drain_manager(void)
{
	struct pollfd	pfd = { .fd = m, .events = POLLIN };
	char		buf[256];

	while (poll(&pfd, 1, 50) == 1 && read(m, buf, sizeof(buf)) > 0)
		continue;
}

static void
test_requests(void)
{
	static const unsigned long	yes[] = {
		TIOCGETP, TIOCSETP, TIOCSETN, TIOCGETC, TIOCSETC, TIOCGLTC,
		TIOCSLTC, TIOCLGET, TIOCLSET, TIOCLBIS, TIOCLBIC, TIOCHPCL,
		TIOCFLUSH, TIOCSTOP, TIOCSTART, TIOCEXCL, TIOCNXCL, TIOCGETD,
		TIOCSETD,
	};
	size_t				i;
	int				all = 1;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		all &= ttcompat_is_request(yes[i]) == 1;
	ok(all, "ttcompat_is_request: all 19 requests");
	ok(!ttcompat_is_request(TCGETS) && !ttcompat_is_request(TIOCGWINSZ) &&
	    !ttcompat_is_request(TIOCREMOTE) && !ttcompat_is_request(0),
	    "ttcompat_is_request: others are not");
	errno = 0;
	ok(tc(TCGETS, NULL) == -1 && errno == EINVAL, "unknown request: EINVAL");
}

static void
test_getp_defaults(void)
{
	struct sgttyb	sg;
	int		lw = -1;

	reset_modes();
	memset(&sg, 0x55, sizeof(sg));
	is_int(tc(TIOCGETP, &sg), 0, "TIOCGETP");
	is_int(sg.sg_ispeed, 13, "TIOCGETP: ispeed B9600 (13)");
	is_int(sg.sg_ospeed, 13, "TIOCGETP: ospeed B9600 (13)");
	is_int(sg.sg_erase, 0x7f, "TIOCGETP: erase DEL");
	is_int(sg.sg_kill, 0x15, "TIOCGETP: kill ^U");
	is_int(sg.sg_flags, O_ECHO | O_CRMOD | O_XTABS,
	    "TIOCGETP: defaults are ECHO|CRMOD|XTABS");
	is_int(tc(TIOCLGET, &lw), 0, "TIOCLGET");
	is_int(lw, LCRTBS | LCRTERA | LCRTKIL | LCTLECH | LPASS8 | LDECCTQ,
	    "TIOCLGET: defaults are CRTBS|CRTERA|CRTKIL|CTLECH|PASS8|DECCTQ");
}

static void
test_setp_raw_and_back(void)
{
	struct sgttyb	orig, sg;
	struct termios	tio;

	reset_modes();
	tc(TIOCGETP, &orig);
	sg = orig;
	sg.sg_flags |= O_RAW;
	is_int(tc(TIOCSETP, &sg), 0, "TIOCSETP O_RAW");
	tio = attr();
	ok(!(tio.c_lflag & (ICANON | ISIG | IEXTEN)), "O_RAW: ICANON, ISIG, IEXTEN off");
	ok(!(tio.c_oflag & OPOST), "O_RAW: OPOST off");
	ok(!(tio.c_iflag & (ICRNL | IXON | ISTRIP | BRKINT)), "O_RAW: no input processing");
	is_int(tio.c_cflag & (CSIZE | PARENB), CS8, "O_RAW: CS8, no parity");
	ok(tio.c_cc[VMIN] == 1 && tio.c_cc[VTIME] == 0, "O_RAW: VMIN 1, VTIME 0");
	ok(tio.c_lflag & ECHO, "O_RAW: ECHO stays as asked");
	tc(TIOCGETP, &sg);
	ok(sg.sg_flags & O_RAW, "TIOCGETP shows O_RAW");

	is_int(tc(TIOCSETP, &orig), 0, "TIOCSETP back to the saved flags");
	tio = attr();
	ok((tio.c_lflag & (ICANON | ISIG | IEXTEN)) == (ICANON | ISIG | IEXTEN),
	    "leaving raw: ICANON, ISIG, IEXTEN on");
	ok(tio.c_oflag & OPOST, "leaving raw: OPOST on");
	ok(tio.c_lflag & ECHOCTL, "leaving raw: ECHOCTL remembered (LCTLECH)");
	ok(!(tio.c_iflag & ISTRIP), "leaving raw: no ISTRIP (LPASS8 remembered)");
	ok((tio.c_iflag & (ICRNL | IXON | BRKINT | IMAXBEL)) ==
	    (ICRNL | IXON | BRKINT | IMAXBEL), "leaving raw: ICRNL IXON BRKINT IMAXBEL");
	tc(TIOCGETP, &sg);
	is_int(sg.sg_flags, orig.sg_flags, "TIOCGETP: flags as before");
}

static void
test_getp_follows_termios(void)
{
	struct sgttyb	sg;
	struct termios	tio;

	reset_modes();
	tio = attr();
	tio.c_lflag &= ~ECHO;
	tcsetattr(s, TCSANOW, &tio);
	tc(TIOCGETP, &sg);
	ok(!(sg.sg_flags & O_ECHO), "ECHO off via termios: no O_ECHO");
	tio.c_lflag &= ~ICANON;
	tcsetattr(s, TCSANOW, &tio);
	tc(TIOCGETP, &sg);
	ok((sg.sg_flags & (O_CBREAK | O_RAW)) == O_CBREAK, "ICANON off: O_CBREAK");
	tio.c_oflag &= ~ONLCR;
	tcsetattr(s, TCSANOW, &tio);
	tc(TIOCGETP, &sg);
	ok(!(sg.sg_flags & O_CRMOD), "ONLCR off: no O_CRMOD");
	tio.c_oflag &= ~TABDLY;
	tcsetattr(s, TCSANOW, &tio);
	tc(TIOCGETP, &sg);
	ok(!(sg.sg_flags & O_XTABS), "TAB0: no O_XTABS");
	tio.c_iflag |= IXOFF;
	tcsetattr(s, TCSANOW, &tio);
	tc(TIOCGETP, &sg);
	ok(sg.sg_flags & O_TANDEM, "IXOFF: O_TANDEM");
}

static void
test_setp_flags(void)
{
	struct sgttyb	sg;
	struct termios	tio;

	reset_modes();
	tc(TIOCGETP, &sg);
	sg.sg_flags = O_CBREAK | O_ECHO;
	is_int(tc(TIOCSETN, &sg), 0, "TIOCSETN O_CBREAK|O_ECHO");
	tio = attr();
	ok(!(tio.c_lflag & ICANON) && (tio.c_lflag & ISIG), "O_CBREAK: ICANON off, ISIG on");
	ok(!(tio.c_iflag & ICRNL) && !(tio.c_oflag & ONLCR), "no O_CRMOD: ICRNL, ONLCR off");
	is_int(tio.c_oflag & TABDLY, TAB0, "no O_XTABS: TAB0");
	ok(tio.c_cc[VMIN] == 1 && tio.c_cc[VTIME] == 0, "O_CBREAK: VMIN 1, VTIME 0");

	sg.sg_flags = O_ECHO | O_CRMOD | O_LCASE | O_TANDEM | O_XTABS;
	is_int(tc(TIOCSETN, &sg), 0, "TIOCSETN O_LCASE|O_TANDEM|O_CRMOD|O_XTABS");
	tio = attr();
	ok((tio.c_iflag & IUCLC) && (tio.c_oflag & OLCUC) && (tio.c_lflag & XCASE),
	    "O_LCASE: IUCLC, OLCUC, XCASE");
	ok(tio.c_iflag & IXOFF, "O_TANDEM: IXOFF");
	ok((tio.c_iflag & ICRNL) && (tio.c_oflag & ONLCR), "O_CRMOD: ICRNL, ONLCR");
	is_int(tio.c_oflag & TABDLY, TAB3, "O_XTABS: TAB3");
	ok(tio.c_lflag & ICANON, "no O_CBREAK: ICANON");

	sg.sg_flags = O_ECHO | O_EVENP;
	tc(TIOCLBIC, &(int){ LPASS8 });
	is_int(tc(TIOCSETN, &sg), 0, "TIOCSETN O_EVENP");
	tio = attr();
	ok((tio.c_iflag & (INPCK | ISTRIP)) == (INPCK | ISTRIP), "O_EVENP: INPCK, ISTRIP");
	/* Linux ptys force CS8 without PARENB; the parity is remembered. */
	is_int(tio.c_cflag & (CSIZE | PARENB), CS8, "O_EVENP: the host pty stays CS8");
	tc(TIOCGETP, &sg);
	ok((sg.sg_flags & (O_EVENP | O_ODDP)) == O_EVENP, "TIOCGETP keeps O_EVENP");
	sg.sg_flags = O_ECHO | O_ODDP;
	tc(TIOCSETN, &sg);
	tc(TIOCGETP, &sg);
	ok((sg.sg_flags & (O_EVENP | O_ODDP)) == O_ODDP, "TIOCGETP keeps O_ODDP");
}

static void
test_setp_chars_speeds(void)
{
	struct sgttyb	sg;
	struct termios	tio;

	reset_modes();
	tc(TIOCGETP, &sg);
	sg.sg_erase = 0x08;
	sg.sg_kill = DIS;
	sg.sg_ispeed = sg.sg_ospeed = 11;	/* B2400 */
	is_int(tc(TIOCSETP, &sg), 0, "TIOCSETP erase ^H, kill off, B2400");
	tio = attr();
	is_int(tio.c_cc[VERASE], 0x08, "VERASE ^H");
	is_int(tio.c_cc[VKILL], 0, "sg_kill 0377 -> VKILL disabled");
	is_int(cfgetospeed(&tio), B2400, "output speed B2400");
	tc(TIOCGETP, &sg);
	ok(sg.sg_kill == DIS && sg.sg_erase == 0x08, "TIOCGETP: kill 0377, erase ^H");

	sg.sg_ospeed = 16;			/* illumos B57600 */
	sg.sg_ispeed = 16;
	is_int(tc(TIOCSETN, &sg), 0, "TIOCSETN illumos B57600 (16)");
	tio = attr();
	is_int(cfgetospeed(&tio), B57600, "host speed B57600");
	tc(TIOCGETP, &sg);
	is_int(sg.sg_ospeed, 15, "TIOCGETP caps the speed at B38400");
	is_int(tc(TIOCSETN, &sg), 0, "TIOCSETN with B38400 from TIOCGETP");
	tio = attr();
	is_int(cfgetospeed(&tio), B57600, "... does not lower B57600");
	sg.sg_ospeed = sg.sg_ispeed = 24;
	errno = 0;
	ok(tc(TIOCSETN, &sg) == -1 && errno == EINVAL, "speed code 24: EINVAL");
	sg.sg_ospeed = sg.sg_ispeed = (char)0377;
	errno = 0;
	ok(tc(TIOCSETN, &sg) == -1 && errno == EINVAL, "speed code 0377: EINVAL");
	tio = attr();
	is_int(cfgetospeed(&tio), B57600, "... and nothing changed");
}

static void
test_flush_on_setp(void)
{
	struct sgttyb	sg;

	reset_modes();
	tcflush(s, TCIOFLUSH);
	tc(TIOCGETP, &sg);
	write(m, "zzz\n", 4);
	ok(pending(1000) > 0, "input queued");
	is_int(tc(TIOCSETN, &sg), 0, "TIOCSETN");
	ok(pending(0) > 0, "TIOCSETN keeps queued input");
	is_int(tc(TIOCSETP, &sg), 0, "TIOCSETP");
	is_int(pending(0), 0, "TIOCSETP discards queued input");
}

static void
test_tchars(void)
{
	struct tchars	tch, got;
	struct termios	tio;

	reset_modes();
	memset(&got, 0, sizeof(got));
	is_int(tc(TIOCGETC, &got), 0, "TIOCGETC");
	ok(got.t_intrc == 3 && got.t_quitc == 0x1c && got.t_startc == 0x11 &&
	    got.t_stopc == 0x13 && got.t_eofc == 4 && got.t_brkc == DIS,
	    "TIOCGETC: defaults, t_brkc 0377 (VEOL off)");
	tch.t_intrc = 0x01;
	tch.t_quitc = 0x02;
	tch.t_startc = 0x05;
	tch.t_stopc = 0x06;
	tch.t_eofc = 0x07;
	tch.t_brkc = 0x1b;
	is_int(tc(TIOCSETC, &tch), 0, "TIOCSETC");
	tio = attr();
	ok(tio.c_cc[VINTR] == 1 && tio.c_cc[VQUIT] == 2 && tio.c_cc[VSTART] == 5 &&
	    tio.c_cc[VSTOP] == 6 && tio.c_cc[VEOF] == 7 && tio.c_cc[VEOL] == 0x1b,
	    "TIOCSETC: VINTR VQUIT VSTART VSTOP VEOF VEOL changed");
	memset(&got, 0, sizeof(got));
	tc(TIOCGETC, &got);
	ok(memcmp(&got, &tch, sizeof(got)) == 0, "TIOCGETC returns what was set");

	tch.t_startc = tch.t_stopc = DIS;
	tc(TIOCSETC, &tch);
	tio = attr();
	ok(tio.c_cc[VSTART] == 0 && !(tio.c_iflag & IXON),
	    "start/stop 0377: disabled, IXON off");
	tc(TIOCGETC, &got);
	ok(got.t_startc == DIS && got.t_stopc == DIS, "TIOCGETC: start/stop 0377");
}

static void
test_ltchars(void)
{
	struct ltchars	lt, got;
	struct termios	tio;

	reset_modes();
	memset(&got, 0, sizeof(got));
	is_int(tc(TIOCGLTC, &got), 0, "TIOCGLTC");
	ok(got.t_suspc == 0x1a && got.t_rprntc == 0x12 && got.t_flushc == 0x0f &&
	    got.t_werasc == 0x17 && got.t_lnextc == 0x16,
	    "TIOCGLTC: defaults");
	lt.t_suspc = 0x18;
	lt.t_dsuspc = 0x05;
	lt.t_rprntc = 0x0b;
	lt.t_flushc = DIS;
	lt.t_werasc = 0x0e;
	lt.t_lnextc = 0x10;
	is_int(tc(TIOCSLTC, &lt), 0, "TIOCSLTC");
	tio = attr();
	ok(tio.c_cc[VSUSP] == 0x18 && tio.c_cc[VREPRINT] == 0x0b &&
	    tio.c_cc[VDISCARD] == 0 && tio.c_cc[VWERASE] == 0x0e &&
	    tio.c_cc[VLNEXT] == 0x10, "TIOCSLTC: VSUSP VREPRINT VDISCARD VWERASE VLNEXT");
	memset(&got, 0, sizeof(got));
	tc(TIOCGLTC, &got);
	ok(memcmp(&got, &lt, sizeof(got)) == 0, "TIOCGLTC returns what was set (t_dsuspc too)");
}

static void
test_local_word(void)
{
	struct termios	tio;
	int		lw;

	reset_modes();
	is_int(tc(TIOCLBIC, &(int){ LCTLECH }), 0, "TIOCLBIC LCTLECH");
	ok(!(attr().c_lflag & ECHOCTL), "... ECHOCTL off");
	is_int(tc(TIOCLBIS, &(int){ LCTLECH }), 0, "TIOCLBIS LCTLECH");
	ok(attr().c_lflag & ECHOCTL, "... ECHOCTL on");
	is_int(tc(TIOCLBIS, &(int){ LPRTERA | LTOSTOP | LFLUSHO | LPENDIN | LNOFLSH }),
	    0, "TIOCLBIS PRTERA TOSTOP FLUSHO PENDIN NOFLSH");
	tio = attr();
	is_int(tio.c_lflag & (ECHOPRT | TOSTOP | FLUSHO | PENDIN | NOFLSH),
	    ECHOPRT | TOSTOP | FLUSHO | PENDIN | NOFLSH, "... the matching lflag bits");
	tc(TIOCLGET, &lw);
	is_int(lw & (LPRTERA | LTOSTOP | LFLUSHO | LPENDIN | LNOFLSH),
	    LPRTERA | LTOSTOP | LFLUSHO | LPENDIN | LNOFLSH, "TIOCLGET shows them");

	is_int(tc(TIOCLSET, &(int){ LNOHANG | LPASS8 }), 0, "TIOCLSET NOHANG|PASS8");
	tio = attr();
	ok(tio.c_cflag & CLOCAL, "LNOHANG: CLOCAL");
	ok(tio.c_iflag & IXANY, "no LDECCTQ: IXANY");
	ok(!(tio.c_lflag & (ECHOE | ECHOKE | ECHOCTL | TOSTOP | FLUSHO)),
	    "TIOCLSET cleared ECHOE ECHOKE ECHOCTL TOSTOP FLUSHO");
	ok(!(tio.c_iflag & ISTRIP), "LPASS8: no ISTRIP");
	tc(TIOCLGET, &lw);
	is_int(lw, LNOHANG | LPASS8, "TIOCLGET: NOHANG|PASS8");

	is_int(tc(TIOCLSET, &(int){ LCRTERA | LCRTKIL | LDECCTQ }), 0,
	    "TIOCLSET CRTERA|CRTKIL|DECCTQ");
	tio = attr();
	ok((tio.c_lflag & (ECHOE | ECHOKE)) == (ECHOE | ECHOKE) &&
	    !(tio.c_iflag & IXANY), "... ECHOE ECHOKE, no IXANY");
	ok(tio.c_iflag & ISTRIP, "no LPASS8: ISTRIP (7 bits)");

	is_int(tc(TIOCLBIS, &(int){ LLITOUT }), 0, "TIOCLBIS LLITOUT");
	tio = attr();
	ok(!(tio.c_oflag & OPOST) && (tio.c_cflag & CSIZE) == CS8 &&
	    (tio.c_lflag & ICANON), "LLITOUT: no OPOST, CS8, still canonical");
	tc(TIOCLGET, &lw);
	ok(lw & LLITOUT, "TIOCLGET: LLITOUT");
	is_int(tc(TIOCLBIC, &(int){ LLITOUT }), 0, "TIOCLBIC LLITOUT");
	ok(attr().c_oflag & OPOST, "... OPOST back");
}

static void
test_hpcl_flush_flow(void)
{
	struct pollfd	pfd;
	char		buf[16];
	int		fl;

	reset_modes();
	ok(!(attr().c_cflag & HUPCL), "no HUPCL");
	is_int(tc(TIOCHPCL, NULL), 0, "TIOCHPCL");
	ok(attr().c_cflag & HUPCL, "... HUPCL");

	write(m, "abc\n", 4);
	ok(pending(1000) > 0, "input queued");
	is_int(tc(TIOCFLUSH, &(int){ FWRITE }), 0, "TIOCFLUSH FWRITE");
	ok(pending(0) > 0, "... input kept");
	is_int(tc(TIOCFLUSH, &(int){ FREAD }), 0, "TIOCFLUSH FREAD");
	is_int(pending(0), 0, "... input discarded");
	write(m, "def\n", 4);
	ok(pending(1000) > 0, "input queued again");
	is_int(tc(TIOCFLUSH, &(int){ 0 }), 0, "TIOCFLUSH 0");
	is_int(pending(0), 0, "... flushes both");

	drain_manager();
	is_int(tc(TIOCSTOP, NULL), 0, "TIOCSTOP");
	fl = fcntl(s, F_GETFL);
	fcntl(s, F_SETFL, fl | O_NONBLOCK);
	errno = 0;
	ok(write(s, "q", 1) == -1 && errno == EAGAIN, "stopped: subsidiary write EAGAIN");
	is_int(tc(TIOCSTART, NULL), 0, "TIOCSTART");
	is_int(write(s, "r", 1), 1, "started: subsidiary write works");
	fcntl(s, F_SETFL, fl);
	pfd.fd = m;
	pfd.events = POLLIN;
	ok(poll(&pfd, 1, 1000) == 1 && read(m, buf, sizeof(buf)) >= 1 && buf[0] == 'r',
	    "manager reads it");
}

static void
test_excl_disc(void)
{
	int	on = -1, d = -1;

	is_int(tc(TIOCEXCL, NULL), 0, "TIOCEXCL");
	if (ioctl(s, TIOCGEXCL, &on) == 0)
		is_int(on, 1, "... the host pty is exclusive");
	if (geteuid() != 0) {
		int	fd = open(ptsname(m), O_RDWR | O_NOCTTY);

		ok(fd == -1 && errno == EBUSY, "exclusive: another open fails EBUSY");
		if (fd != -1)
			close(fd);
	}
	is_int(tc(TIOCNXCL, NULL), 0, "TIOCNXCL");
	if (ioctl(s, TIOCGEXCL, &on) == 0)
		is_int(on, 0, "... not exclusive any more");

	is_int(tc(TIOCGETD, &d), 0, "TIOCGETD");
	is_int(d, 0, "... line discipline 0");
	is_int(tc(TIOCSETD, &(int){ 0 }), 0, "TIOCSETD 0");
	errno = 0;
	ok(tc(TIOCSETD, &(int){ 1 }) == -1 && errno == EINVAL, "TIOCSETD 1: EINVAL");
}

static void
test_bad_pointers(void)
{
	static const unsigned long	reqs[] = {
		TIOCGETP, TIOCSETP, TIOCSETN, TIOCGETC, TIOCSETC, TIOCGLTC,
		TIOCSLTC, TIOCLGET, TIOCLSET, TIOCLBIS, TIOCLBIC, TIOCFLUSH,
		TIOCGETD, TIOCSETD,
	};
	struct termios			before, after;
	size_t				i;
	int				good = 1;

	reset_modes();
	before = attr();
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		errno = 0;
		if (tc(reqs[i], NULL) != -1 || errno != EFAULT) {
			diag("request %#lx with NULL: errno %d", reqs[i], errno);
			good = 0;
		}
		errno = 0;
		if (tc(reqs[i], (void *)1) != -1 || errno != EFAULT) {
			diag("request %#lx with 1: errno %d", reqs[i], errno);
			good = 0;
		}
	}
	ok(good, "NULL and (void *)1: EFAULT for every request with an argument");
	after = attr();
	ok(memcmp(&before, &after, sizeof(before)) == 0, "... and the modes did not change");
}

static void
test_state_slots(void)
{
	struct sgttyb	sg;
	struct kterm	t;

	reset_modes();
	tc(TIOCGETP, &sg);
	sg.sg_flags |= O_RAW;
	tc(TIOCSETP, &sg);
	tc(TIOCSETC, &(struct tchars){ 1, 2, 3, 4, 5, 6 });
	tc(TIOCLBIS, &(int){ LTOSTOP });
	tc(TIOCHPCL, NULL);
	xsys_tcget(s, &t);
	ok(t.c_cc[17] == 0xa7 && t.c_cc[18] == 0x42,
	    "c_cc[17], c_cc[18] survive ttcompat's sets");
}

static void
test_round_trip(void)
{
	struct sgttyb	sg;
	struct kterm	a, b;

	reset_modes();
	xsys_tcget(s, &a);
	tc(TIOCGETP, &sg);
	tc(TIOCSETN, &sg);
	xsys_tcget(s, &b);
	/* illumos's rebuild adds IGNPAR to cooked modes; nothing else moves. */
	ok(b.c_iflag == (a.c_iflag | IGNPAR) && b.c_oflag == a.c_oflag &&
	    b.c_cflag == a.c_cflag && b.c_lflag == a.c_lflag &&
	    memcmp(a.c_cc, b.c_cc, sizeof(a.c_cc)) == 0,
	    "TIOCGETP + TIOCSETN leaves the default modes (but IGNPAR)");
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (open_pair() == -1)
		skip_all("no pty pair: %s", strerror(errno));
	test_requests();
	test_getp_defaults();
	test_setp_raw_and_back();
	test_getp_follows_termios();
	test_setp_flags();
	test_setp_chars_speeds();
	test_flush_on_setp();
	test_tchars();
	test_ltchars();
	test_local_word();
	test_hpcl_flush_flow();
	test_excl_disc();
	test_bad_pointers();
	test_state_slots();
	test_round_trip();
	close(s);
	close(m);
	return (done_testing());
}
