/*
 * unit_ldterm.c - lib/ldterm.c on its own: illumos default modes, raw mode,
 * the illumos <-> host flag translation, and the modes on a real Linux pty
 * opened directly (not through libxpty).
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

#include "internal.h"
#include "tap.h"

enum { WI, WO, WC, WL };

/* illumos <sys/termios.h> values used below */
#define IL_DOSMODE	0100000
#define IL_DEFECHO	0010000
#define IL_FLUSHO	0020000
#define IL_PAREXT	04000000
#define IL_XCLUDE	0100000
#define IL_CBAUDEXT	010000000
#define IL_CIBAUDEXT	020000000

#define IBSHIFT		16		/* Linux <asm/termbits.h> */
#define HOST_BOTHER	0010000		/* Linux <asm/termbits.h> BOTHER */

static void
prefill(struct kterm *t)
{
	memset(t, 0xff, sizeof(*t));
	t->c_line = 7;
	t->c_cc[17] = 0xa5;
	t->c_cc[18] = 0x5a;
}

static void
test_defaults(void)
{
	static const struct { int slot; cc_t v; const char *name; } cc[] = {
		{ VINTR, 0x03, "VINTR ^C" },	{ VQUIT, 0x1c, "VQUIT ^\\" },
		{ VERASE, 0x7f, "VERASE DEL" },	{ VKILL, 0x15, "VKILL ^U" },
		{ VEOF, 0x04, "VEOF ^D" },	{ VEOL, 0, "VEOL 0" },
		{ VEOL2, 0, "VEOL2 0" },	{ VSWTC, 0, "VSWTC 0" },
		{ VSTART, 0x11, "VSTART ^Q" },	{ VSTOP, 0x13, "VSTOP ^S" },
		{ VSUSP, 0x1a, "VSUSP ^Z" },	{ VREPRINT, 0x12, "VREPRINT ^R" },
		{ VDISCARD, 0x0f, "VDISCARD ^O" }, { VWERASE, 0x17, "VWERASE ^W" },
		{ VLNEXT, 0x16, "VLNEXT ^V" },	{ VMIN, 1, "VMIN 1" },
		{ VTIME, 0, "VTIME 0" },
	};
	struct kterm	t;
	size_t		i;

	prefill(&t);
	ldterm_defaults(&t);
	is_int(ldterm_host_to_illumos(WI, t.c_iflag), 0x2502, "defaults: illumos iflag 0x2502");
	is_int(ldterm_host_to_illumos(WO, t.c_oflag), 0x1805, "defaults: illumos oflag 0x1805");
	is_int(ldterm_host_to_illumos(WC, t.c_cflag), 0xbd, "defaults: illumos cflag 0xbd");
	is_int(ldterm_host_to_illumos(WL, t.c_lflag), 0x8a3b, "defaults: illumos lflag 0x8a3b");
	is_int(t.c_iflag, BRKINT | ICRNL | IXON | IMAXBEL, "defaults: host iflag");
	is_int(t.c_oflag, OPOST | ONLCR | TAB3, "defaults: host oflag");
	is_int(t.c_cflag, B9600 | CS8 | CREAD, "defaults: host cflag (no CLOCAL, HUPCL)");
	is_int(t.c_lflag, ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL |
	    ECHOKE | IEXTEN, "defaults: host lflag");
	for (i = 0; i < sizeof(cc) / sizeof(cc[0]); i++)
		is_int(t.c_cc[cc[i].slot], cc[i].v, "defaults: %s", cc[i].name);
	is_int(t.c_cc[17], 0xa5, "defaults: c_cc[17] untouched");
	is_int(t.c_cc[18], 0x5a, "defaults: c_cc[18] untouched");
	is_int(t.c_line, 7, "defaults: c_line untouched");
}

static void
test_raw(void)
{
	struct kterm	t, before;
	int		i, same = 1;

	prefill(&t);
	ldterm_defaults(&t);
	t.c_iflag = ~0u & ~IUTF8;
	t.c_oflag = OPOST | ONLCR | TAB3;
	t.c_lflag = ~0u;
	t.c_cflag = B9600 | CS7 | PARENB | CLOCAL;
	before = t;
	ldterm_raw(&t);
	is_int(t.c_iflag & (IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
	    ICRNL | IXON | IXOFF | IXANY | IUCLC), 0, "raw: no input processing");
	is_int(t.c_oflag & OPOST, 0, "raw: no OPOST");
	is_int(t.c_lflag & (ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHONL |
	    ECHOCTL | ECHOPRT | ECHOKE | IEXTEN | XCASE | FLUSHO | PENDIN), 0,
	    "raw: no ICANON, ECHO*, ISIG, IEXTEN");
	ok((t.c_lflag & (TOSTOP | NOFLSH)) == (TOSTOP | NOFLSH),
	    "raw: TOSTOP and NOFLSH kept");
	is_int(t.c_cflag & (CSIZE | PARENB), CS8, "raw: CS8, no parity");
	is_int(t.c_cflag & (CBAUD | CLOCAL), B9600 | CLOCAL, "raw: speed, CLOCAL kept");
	is_int(t.c_cc[VMIN], 1, "raw: VMIN 1");
	is_int(t.c_cc[VTIME], 0, "raw: VTIME 0");
	for (i = 0; i < XPTY_KNCCS; i++) {
		if (i != VMIN && i != VTIME && t.c_cc[i] != before.c_cc[i])
			same = 0;
	}
	ok(same, "raw: other c_cc slots (and 17, 18) untouched");
	is_int(t.c_line, 7, "raw: c_line untouched");
}

static void
test_xlat_bits(void)
{
	tcflag_t	b;
	int		w, good;

	for (w = WI; w <= WL; w++) {
		static const tcflag_t	all[4] = { 037777, 0177777, 07760, 0167777 };

		good = 1;
		for (b = 1; b != 0 && b <= all[w]; b <<= 1) {
			if (!(all[w] & b))
				continue;
			if (ldterm_host_to_illumos(w,
			    ldterm_illumos_to_host(w, b)) != b)
				good = 0;
		}
		ok(good, "xlat %d: each shared illumos bit survives a round trip", w);
	}
	is_int(ldterm_illumos_to_host(WI, IL_DOSMODE), 0, "iflag: DOSMODE has no host bit");
	is_int(ldterm_host_to_illumos(WI, IUTF8), 0, "iflag: IUTF8 has no illumos bit");
	is_int(ldterm_illumos_to_host(WL, IL_FLUSHO), FLUSHO, "lflag: FLUSHO 020000 -> host");
	is_int(ldterm_host_to_illumos(WL, FLUSHO), IL_FLUSHO, "lflag: host FLUSHO -> 020000");
	is_int(ldterm_illumos_to_host(WL, IL_DEFECHO), 0, "lflag: DEFECHO dropped");
	is_int(ldterm_host_to_illumos(WL, EXTPROC), 0, "lflag: EXTPROC dropped");
	is_int(ldterm_illumos_to_host(WO, 014000), TAB3, "oflag: TAB3 = XTABS");
	/* multi-bit fields map value by value (the BSDs' CSx differ) */
	{
		static const struct { int w; tcflag_t il, host; const char *n; }
		    fv[] = {
			{ WC, 0000000, CS5, "CS5" }, { WC, 0000020, CS6, "CS6" },
			{ WC, 0000040, CS7, "CS7" }, { WC, 0000060, CS8, "CS8" },
			{ WO, 0001000, CR1, "CR1" }, { WO, 0002000, CR2, "CR2" },
			{ WO, 0003000, CR3, "CR3" }, { WO, 0004000, TAB1, "TAB1" },
			{ WO, 0010000, TAB2, "TAB2" }
		};
		size_t		i;
		tcflag_t	hmask, imask;

		for (i = 0; i < sizeof(fv) / sizeof(fv[0]); i++) {
			hmask = fv[i].w == WC ? CSIZE :
			    (fv[i].il & 0003000) ? CRDLY : TABDLY;
			imask = fv[i].w == WC ? 0000060 :
			    (fv[i].il & 0003000) ? 0003000 : 0014000;
			ok((ldterm_illumos_to_host(fv[i].w, fv[i].il) &
			    hmask) == fv[i].host &&
			    (ldterm_host_to_illumos(fv[i].w, fv[i].host) &
			    imask) == fv[i].il, "field value %s both ways",
			    fv[i].n);
		}
	}
	is_int(ldterm_illumos_to_host(WO, 03000), CR3, "oflag: CR3 field");
	is_int(ldterm_illumos_to_host(WC, IL_PAREXT), CMSPAR | B0, "cflag: PAREXT -> CMSPAR");
	is_int(ldterm_host_to_illumos(WC, CMSPAR), IL_PAREXT, "cflag: CMSPAR -> PAREXT");
	is_int(ldterm_host_to_illumos(WC, CRTSCTS), CRTSCTS, "cflag: CRTSCTS same bit");
	is_int(ldterm_illumos_to_host(WC, IL_XCLUDE | 13), B9600, "cflag: XCLUDE dropped");
	is_int(ldterm_illumos_to_host(9, 1), 0, "bad selector gives 0");
}

static void
test_xlat_speeds(void)
{
	is_int(ldterm_speed_to_illumos(B9600), 13, "speed: B9600 is 13");
	is_int(ldterm_speed_to_illumos(B57600), 16, "speed: B57600 is 16");
	is_int(ldterm_speed_to_illumos(B921600), 23, "speed: B921600 is 23");
	is_int(ldterm_speed_to_illumos(B500000), 22, "speed: B500000 -> B460800");
	is_int(ldterm_speed_to_illumos(B4000000), 23, "speed: B4000000 -> B921600");
	is_int(ldterm_speed_to_illumos(HOST_BOTHER), 15, "speed: BOTHER -> B38400");
	is_int(ldterm_speed_to_host(17), B57600, "speed: B76800 -> B57600");
	is_int(ldterm_speed_to_host(18), B115200, "speed: 18 is B115200");
	is_int(ldterm_speed_to_host(24), (speed_t)-1, "speed: 24 is no illumos code");
	is_int(ldterm_speed_to_host(-1), (speed_t)-1, "speed: -1 is no illumos code");
	is_int(ldterm_host_to_illumos(WC, B57600 | CS8), IL_CBAUDEXT | 060,
	    "cflag: host B57600 -> CBAUDEXT|0");
	is_int(ldterm_illumos_to_host(WC, IL_CBAUDEXT | 2), B115200,
	    "cflag: CBAUDEXT|2 -> B115200");
	is_int(ldterm_host_to_illumos(WC, B9600 | (B2400 << IBSHIFT)),
	    13 | (11 << 16), "cflag: CIBAUD B2400");
	is_int(ldterm_host_to_illumos(WC, B9600 | (B230400 << IBSHIFT)),
	    13 | IL_CIBAUDEXT | (4 << 16), "cflag: CIBAUD B230400 -> CIBAUDEXT|4");
	is_int(ldterm_illumos_to_host(WC, 13 | IL_CIBAUDEXT | (4 << 16)),
	    B9600 | (B230400 << IBSHIFT), "cflag: CIBAUDEXT|4 -> B230400 input");
}

static int
open_pair(int *m, int *s)
{
	if ((*m = posix_openpt(O_RDWR | O_NOCTTY)) == -1)
		return (-1);
	if (grantpt(*m) == -1 || unlockpt(*m) == -1)
		return (-1);
	if ((*s = open(ptsname(*m), O_RDWR | O_NOCTTY)) == -1)
		return (-1);
	return (0);
}

/* Read what arrives on fd within ms milliseconds. */
static ssize_t
drain(int fd, char *buf, size_t len, int ms)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	size_t		got = 0;
	ssize_t		n;

	while (got < len && poll(&pfd, 1, ms) == 1) {
		if ((n = read(fd, buf + got, len - got)) <= 0)
			break;
		got += (size_t)n;
	}
	return ((ssize_t)got);
}

static void
test_real_pty(void)
{
	struct kterm	t, back;
	char		buf[64];
	ssize_t		n;
	int		m, s;

	if (open_pair(&m, &s) == -1) {
		ok(0, "open a pty pair: %s", strerror(errno));
		return;
	}
	is_int(xsys_tcget(s, &t), 0, "pty: TCGETS");
	t.c_cc[17] = 0xa3;
	t.c_cc[18] = 0x21;
	ldterm_defaults(&t);
	is_int(xsys_tcset(s, TCSETS, &t), 0, "pty: TCSETS of the defaults");
	is_int(xsys_tcget(s, &back), 0, "pty: TCGETS again");
	ok(back.c_iflag == t.c_iflag && back.c_oflag == t.c_oflag &&
	    back.c_cflag == t.c_cflag && back.c_lflag == t.c_lflag,
	    "pty: the kernel keeps the default modes");
	ok(back.c_cc[17] == 0xa3 && back.c_cc[18] == 0x21,
	    "pty: the kernel keeps c_cc[17], c_cc[18]");

	n = write(m, "ab\n", 3);
	is_int(n, 3, "pty: manager writes a line");
	n = drain(m, buf, sizeof(buf), 200);
	ok(n == 4 && memcmp(buf, "ab\r\n", 4) == 0, "defaults: echo with ONLCR");
	n = drain(s, buf, sizeof(buf), 200);
	ok(n == 3 && memcmp(buf, "ab\n", 3) == 0, "defaults: canonical line read");

	ldterm_raw(&t);
	is_int(xsys_tcset(s, TCSETS, &t), 0, "pty: TCSETS of raw modes");
	n = write(m, "x\r\003", 3);
	is_int(n, 3, "raw: manager writes x CR ^C");
	n = drain(s, buf, sizeof(buf), 200);
	ok(n == 3 && memcmp(buf, "x\r\003", 3) == 0, "raw: bytes arrive unchanged");
	n = drain(m, buf, sizeof(buf), 100);
	is_int(n, 0, "raw: no echo");
	n = write(s, "y\n", 2);
	n = drain(m, buf, sizeof(buf), 200);
	ok(n == 2 && memcmp(buf, "y\n", 2) == 0, "raw: output not post-processed");
	is_int(xsys_tcget(s, &back), 0, "pty: TCGETS after raw");
	ok(back.c_cc[17] == 0xa3 && back.c_cc[18] == 0x21,
	    "raw: c_cc[17], c_cc[18] still there");
	close(s);
	close(m);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_defaults();
	test_raw();
	test_xlat_bits();
	test_xlat_speeds();
	test_real_pty();
	return (done_testing());
}
