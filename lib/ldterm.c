/*
 * ldterm.c - illumos ldterm's modes, expressed in host (Linux) termios bits.
 *
 * Theory of operation.  Linux's n_tty line discipline already does what
 * illumos's ldterm module does; what differs is the starting point and the
 * numbers.  When libxpty "pushes" ldterm on a subsidiary it loads the modes
 * illumos would start with (the "ttymodes" property of options.conf)
 * into the pty's kernel termios: ldterm_defaults().  When ldterm
 * is popped, or was never pushed, the stream must behave as a bare STREAMS
 * pty, a byte pipe with no line discipline at all: ldterm_raw() clears
 * every mode that would make n_tty edit, echo, signal or post-process.
 *
 * Both work on a struct kterm (the kernel's struct termios) in place and
 * never touch c_line or c_cc[17] and c_cc[18]: Linux stores but never
 * interprets those two slots, and common/store_termios.c keeps the shared
 * per-stream state (module stack, XPG4v2 mark) in them.
 *
 * The rest of this file translates termios flag words between illumos's
 * bit values (<sys/termios.h>) and the host's, for code that has to show
 * or accept illumos numbers (pckt's ioctl copies, tests).  Most bits sit in
 * the same place on both systems; the tables below list every bit either
 * side defines, so a bit with no counterpart is visibly dropped.  Speeds
 * are codes, not bits, and go through a table of their own: illumos codes
 * above B38400 are (CBAUDEXT | code - 16), Linux's are (CBAUDEX | n), and
 * each side has rates the other lacks; a rate with no counterpart becomes
 * the nearest lower rate the other side has.
 *
 * State and locking: none.  Everything here is a pure function of its
 * arguments and the constant tables, so it is safe from any thread and
 * from signal handlers.  No descriptors: the caller moves the termios.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <string.h>
#include <termios.h>

#include "internal.h"
#include "kterm.h"

#define CC_CTRL(c)	((c) & 037)

#ifndef IBSHIFT
#define IBSHIFT		16
#endif

/* illumos <sys/termios.h> values that are not bit-for-bit Linux's. */
#define IL_CBAUD	0000017
#define IL_CBAUDEXT	010000000
#define IL_CIBAUD	03600000
#define IL_CIBAUDEXT	020000000
#define IL_B38400	15
#define IL_NSPEEDS	24		/* B0 .. B921600 */

/*
 * One translation entry.  Without masks, il and host are single bits
 * (copied as they are where they agree, else moved).  With masks, the
 * entry is one value of a multi-bit field (CSIZE, CRDLY, TABDLY): the
 * field holding il (within ilmask) holds host (within hostmask) on the
 * other side.  Values 0 need no entry: they are 0 on every host.  So the
 * BSDs, whose CS6 is 0x100 where illumos's is 0020, get the right size.
 */
struct xlat {
	tcflag_t	il;
	tcflag_t	host;
	tcflag_t	ilmask;
	tcflag_t	hostmask;
};
#define XBIT(il, host)				{ il, host, 0, 0 }
#define XFIELD(il, host, ilmask, hostmask)	{ il, host, ilmask, hostmask }

static const struct xlat xlat_iflag[] = {
	XBIT(0000001, IGNBRK),
	XBIT(0000002, BRKINT),
	XBIT(0000004, IGNPAR),
	XBIT(0000010, PARMRK),
	XBIT(0000020, INPCK),
	XBIT(0000040, ISTRIP),
	XBIT(0000100, INLCR),
	XBIT(0000200, IGNCR),
	XBIT(0000400, ICRNL),
#ifdef IUCLC
	XBIT(0001000, IUCLC),
#endif
	XBIT(0002000, IXON),
	XBIT(0004000, IXANY),
	XBIT(0010000, IXOFF),
	XBIT(0020000, IMAXBEL),
	/* illumos DOSMODE 0100000: none.  Linux IUTF8: none. */
};

static const struct xlat xlat_oflag[] = {
	XBIT(0000001, OPOST),
#ifdef OLCUC
	XBIT(0000002, OLCUC),
#endif
	XBIT(0000004, ONLCR),
	XBIT(0000010, OCRNL),
	XBIT(0000020, ONOCR),
	XBIT(0000040, ONLRET),
#ifdef OFILL
	XBIT(0000100, OFILL),
#endif
#ifdef OFDEL
	XBIT(0000200, OFDEL),
#endif
#ifdef NLDLY
	XBIT(0000400, NLDLY),
#endif
#if defined(CRDLY) && defined(CR1) && defined(CR2) && defined(CR3)
	XFIELD(0001000, CR1, 0003000, CRDLY),
	XFIELD(0002000, CR2, 0003000, CRDLY),
	XFIELD(0003000, CR3, 0003000, CRDLY),
#endif
#if defined(TABDLY) && defined(TAB1) && defined(TAB2)
	XFIELD(0004000, TAB1, 0014000, TABDLY),
	XFIELD(0010000, TAB2, 0014000, TABDLY),
#endif
#if defined(TABDLY) && defined(TAB3)
	XFIELD(0014000, TAB3, 0014000, TABDLY),	/* XTABS; NetBSD's OXTABS */
#endif
#ifdef BSDLY
	XBIT(0020000, BSDLY),
#endif
#ifdef VTDLY
	XBIT(0040000, VTDLY),
#endif
#ifdef FFDLY
	XBIT(0100000, FFDLY),
#endif
	/* illumos PAGEOUT 0200000, WRAP 0400000: none. */
};

static const struct xlat xlat_cflag[] = {
	/* CBAUD, CIBAUD: speed codes, see cflag_*() below. */
	XFIELD(0000020, CS6, 0000060, CSIZE),
	XFIELD(0000040, CS7, 0000060, CSIZE),
	XFIELD(0000060, CS8, 0000060, CSIZE),
	XBIT(0000100, CSTOPB),
	XBIT(0000200, CREAD),
	XBIT(0000400, PARENB),
	XBIT(0001000, PARODD),
	XBIT(0002000, HUPCL),
	XBIT(0004000, CLOCAL),
#ifdef CMSPAR
	XBIT(04000000, CMSPAR),		/* PAREXT: mark/space parity */
#endif
	XBIT(020000000000, CRTSCTS),
	/* illumos RCV1EN, XMT1EN, LOBLK, XCLUDE, CRTSXOFF: none. */
};

static const struct xlat xlat_lflag[] = {
	XBIT(0000001, ISIG),
	XBIT(0000002, ICANON),
#ifdef XCASE
	XBIT(0000004, XCASE),
#endif
	XBIT(0000010, ECHO),
	XBIT(0000020, ECHOE),
	XBIT(0000040, ECHOK),
	XBIT(0000100, ECHONL),
	XBIT(0000200, NOFLSH),
	XBIT(0000400, TOSTOP),
	XBIT(0001000, ECHOCTL),
	XBIT(0002000, ECHOPRT),
	XBIT(0004000, ECHOKE),
	XBIT(0020000, FLUSHO),		/* Linux: 0010000 */
	XBIT(0040000, PENDIN),
	XBIT(0100000, IEXTEN),
	/* illumos DEFECHO 0010000: none.  Linux EXTPROC: none. */
};

struct xlat_set {
	const struct xlat	*tab;
	size_t			 n;
};

#define NITEMS(a)	(sizeof (a) / sizeof ((a)[0]))

static const struct xlat_set xlat_sets[4] = {
	{ xlat_iflag, NITEMS(xlat_iflag) },
	{ xlat_oflag, NITEMS(xlat_oflag) },
	{ xlat_cflag, NITEMS(xlat_cflag) },
	{ xlat_lflag, NITEMS(xlat_lflag) },
};

/*
 * Line rates: illumos code (the index), bits per second, host code.  The
 * host codes with no illumos rate (500000, 576000, 1000000 and above) are
 * handled by speed_to_illumos() through their rate.
 */
struct speed {
	unsigned long	bps;
	speed_t		host;		/* (speed_t)-1: no host code */
};

#define NOSPEED		((speed_t)-1)

/* the rates above 230400 that not every host has */
#ifdef B460800
#define HOST_B460800	B460800
#else
#define HOST_B460800	NOSPEED
#endif
#ifdef B921600
#define HOST_B921600	B921600
#else
#define HOST_B921600	NOSPEED
#endif

static const struct speed il_speeds[IL_NSPEEDS] = {
	{ 0, B0 },		{ 50, B50 },		{ 75, B75 },
	{ 110, B110 },		{ 134, B134 },		{ 150, B150 },
	{ 200, B200 },		{ 300, B300 },		{ 600, B600 },
	{ 1200, B1200 },	{ 1800, B1800 },	{ 2400, B2400 },
	{ 4800, B4800 },	{ 9600, B9600 },	{ 19200, B19200 },
	{ 38400, B38400 },	{ 57600, B57600 },	{ 76800, NOSPEED },
	{ 115200, B115200 },	{ 153600, NOSPEED },	{ 230400, B230400 },
	{ 307200, NOSPEED },	{ 460800, HOST_B460800 },
	{ 921600, HOST_B921600 },
};

/* each where the host has it; the last entry only ends the table */
static const struct speed host_only_speeds[] = {
#ifdef B500000
	{ 500000, B500000 },
#endif
#ifdef B576000
	{ 576000, B576000 },
#endif
#ifdef B1000000
	{ 1000000, B1000000 },
#endif
#ifdef B1152000
	{ 1152000, B1152000 },
#endif
#ifdef B1500000
	{ 1500000, B1500000 },
#endif
#ifdef B2000000
	{ 2000000, B2000000 },
#endif
#ifdef B2500000
	{ 2500000, B2500000 },
#endif
#ifdef B3000000
	{ 3000000, B3000000 },
#endif
#ifdef B3500000
	{ 3500000, B3500000 },
#endif
#ifdef B4000000
	{ 4000000, B4000000 },
#endif
	{ 0, NOSPEED },
};

/*
 * illumos speed code (0 .. 23) of a host speed code.  A host rate illumos
 * lacks gives the nearest lower illumos rate; a code this table does not
 * know (BOTHER: the rate is elsewhere) gives B38400, the highest rate the
 * old interfaces can show.
 */
int
ldterm_speed_to_illumos(speed_t host)
{
	unsigned long	bps = 0;
	size_t		i;
	int		code;

	for (i = 0; i < IL_NSPEEDS; i++) {
		if (il_speeds[i].host == host)
			return ((int)i);
	}
	for (i = 0; i < NITEMS(host_only_speeds); i++) {
		if (host_only_speeds[i].host == host)
			bps = host_only_speeds[i].bps;
	}
	if (bps == 0)
		return (IL_B38400);
	for (code = IL_NSPEEDS - 1; code > 0; code--) {
		if (il_speeds[code].bps <= bps)
			break;
	}
	return (code);
}

/*
 * Host speed code of an illumos speed code; an illumos rate Linux lacks
 * gives the nearest lower rate.  (speed_t)-1 if code is not an illumos
 * speed code at all.
 */
speed_t
ldterm_speed_to_host(int code)
{
	if (code < 0 || code >= IL_NSPEEDS)
		return (NOSPEED);
	while (il_speeds[code].host == NOSPEED)
		code--;
	return (il_speeds[code].host);
}

/* illumos code of the CBAUD (or, shifted down, CIBAUD) part of a cflag. */
static int
il_speed_code(tcflag_t v, tcflag_t mask, tcflag_t ext, int shift)
{
	return ((int)((v & mask) >> shift) + ((v & ext) ? 16 : 0));
}

static tcflag_t
il_speed_bits(int code, tcflag_t ext, int shift)
{
	if (code > IL_B38400)
		return (ext | ((tcflag_t)(code - 16) << shift));
	return ((tcflag_t)code << shift);
}

/*
 * The speed bits of an illumos c_cflag in the host's c_cflag, where the
 * host keeps its speeds there (KTERM_SPEEDBITS, lib/sys.h); elsewhere a
 * c_cflag alone has no speed, and these give 0 (B0 for illumos).
 */
static tcflag_t
cflag_to_host(tcflag_t v)
{
	struct kterm	k;
	speed_t		s;
	int		code;

	memset(&k, 0, sizeof(k));
	code = il_speed_code(v, IL_CBAUD, IL_CBAUDEXT, 0);
	if ((s = ldterm_speed_to_host(code)) == NOSPEED)
		s = ldterm_speed_to_host(IL_NSPEEDS - 1); /* 24..31: undefined */
	KTERM_SET_OSPEED(&k, s);
	if ((v & (IL_CIBAUD | IL_CIBAUDEXT)) == 0)
		return (k.c_cflag & KTERM_SPEEDBITS);	/* input = output */
	code = il_speed_code(v, IL_CIBAUD, IL_CIBAUDEXT, IBSHIFT);
	if ((s = ldterm_speed_to_host(code)) == NOSPEED)
		s = ldterm_speed_to_host(IL_NSPEEDS - 1);
	KTERM_SET_ISPEED(&k, s);
	return (k.c_cflag & KTERM_SPEEDBITS);
}

static tcflag_t
cflag_to_illumos(tcflag_t v)
{
	struct kterm	k;
	tcflag_t	out;
	speed_t		is;

	memset(&k, 0, sizeof(k));
	k.c_cflag = v & KTERM_SPEEDBITS;
	out = il_speed_bits(ldterm_speed_to_illumos(KTERM_OSPEED(&k)),
	    IL_CBAUDEXT, 0);
	is = KTERM_ISPEED(&k);
	if (is != 0) {
		out |= il_speed_bits(ldterm_speed_to_illumos(is),
		    IL_CIBAUDEXT, IBSHIFT);
	}
	return (out);
}

static tcflag_t
xlat_apply(const struct xlat_set *set, tcflag_t v, int to_host)
{
	const struct xlat	*x;
	tcflag_t		 from, to, out = 0;
	size_t			 i;

	for (i = 0; i < set->n; i++) {
		x = &set->tab[i];
		from = to_host ? x->il : x->host;
		to = to_host ? x->host : x->il;
		if (x->ilmask != 0) {
			if ((v & (to_host ? x->ilmask : x->hostmask)) == from)
				out |= to;
		} else if (from == to)
			out |= v & from;
		else if ((v & from) == from)
			out |= to;
	}
	return (out);
}

/* which: 0 c_iflag, 1 c_oflag, 2 c_cflag, 3 c_lflag.  Others give 0. */
tcflag_t
ldterm_illumos_to_host(int which, tcflag_t v)
{
	tcflag_t	out;

	if (which < 0 || which > 3)
		return (0);
	out = xlat_apply(&xlat_sets[which], v, 1);
	if (which == 2)
		out |= cflag_to_host(v);
	return (out);
}

tcflag_t
ldterm_host_to_illumos(int which, tcflag_t v)
{
	tcflag_t	out;

	if (which < 0 || which > 3)
		return (0);
	out = xlat_apply(&xlat_sets[which], v, 0);
	if (which == 2)
		out |= cflag_to_illumos(v);
	return (out);
}

/*
 * illumos's ttymodes (options.conf; termio(7I) gives the same) in host
 * bits.  c_cflag is the illumos one too, B9600|CS8|CREAD: CLOCAL and
 * HUPCL end up off whatever the caller had, as on a freshly pushed ldterm
 * over ptem.  VDSUSP, VSTATUS and VERASE2 have no Linux slot; c_cc[17]
 * and c_cc[18] and c_line are left alone (see the top of the file).
 */
void
ldterm_defaults(struct kterm *t)
{
	t->c_iflag = BRKINT | ICRNL | IXON | IMAXBEL;
	t->c_oflag = OPOST | ONLCR | TAB3;
	t->c_cflag = CS8 | CREAD;
	KTERM_SET_OSPEED(t, B9600);
	KTERM_SAME_ISPEED(t);
	t->c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE |
	    IEXTEN;

	t->c_cc[VINTR] = CC_CTRL('c');
	t->c_cc[VQUIT] = CC_CTRL('\\');
	t->c_cc[VERASE] = 0177;
	t->c_cc[VKILL] = CC_CTRL('u');
	t->c_cc[VEOF] = CC_CTRL('d');
	t->c_cc[VTIME] = 0;
	t->c_cc[VMIN] = 1;
#ifdef VSWTC
	t->c_cc[VSWTC] = 0;
#endif
	t->c_cc[VSTART] = CC_CTRL('q');
	t->c_cc[VSTOP] = CC_CTRL('s');
	t->c_cc[VSUSP] = CC_CTRL('z');
	t->c_cc[VEOL] = 0;
	t->c_cc[VREPRINT] = CC_CTRL('r');
	t->c_cc[VDISCARD] = CC_CTRL('o');
	t->c_cc[VWERASE] = CC_CTRL('w');
	t->c_cc[VLNEXT] = CC_CTRL('v');
	t->c_cc[VEOL2] = 0;
}

/* No line discipline: what a bare STREAMS pty does (common/kterm.h). */
void
ldterm_raw(struct kterm *t)
{
	xp_kterm_raw(t);
}
