/*
 * ttcompat.c - the V7/4BSD tty ioctls that illumos's ttcompat module answers.
 *
 * Theory of operation.  Old programs drive a terminal with struct sgttyb
 * (TIOCGETP/TIOCSETP/TIOCSETN), struct tchars (TIOCGETC/TIOCSETC), struct
 * ltchars (TIOCGLTC/TIOCSLTC) and a "local mode" word (TIOCLGET/TIOCLSET/
 * TIOCLBIS/TIOCLBIC), plus a few argument-less requests.  On illumos the
 * ttcompat module turns each of these into "TCGETS, translate, change,
 * translate back, TCSETS"; so does ttcompat_ioctl(), on the host pty's
 * kernel termios (xsys_tcget/xsys_tcset).  ioctl_map.c calls it only when
 * ttcompat is on the stream.
 *
 * The translation goes through a struct tcompat, the old-style view of the
 * terminal: to_compat() derives it from a termios, from_compat() rebuilds
 * the termios from it.  The rules are illumos's (ttcompat.c, itself after
 * 4BSD), restated for Linux bits: e.g. O_RAW is "no input processing, no
 * OPOST, CS8, no ISIG/ICANON/XCASE/IEXTEN"; O_CBREAK is "not ICANON";
 * O_CRMOD is ONLCR (and sets ICRNL|ONLCR); a disabled character is 0 in
 * termios and 0377 in the old structures.  Differences from illumos, all
 * because the host differs:
 *  - VEOF/VEOL and VMIN/VTIME are separate slots on Linux, so t_eofc and
 *    t_brkc are always read from and written to termios;
 *  - IUTF8 and EXTPROC (Linux-only) survive a translation;
 *  - speeds are illumos codes in sgttyb (B9600 = 13 on both systems; the
 *    codes above B38400 are illumos's, see ldterm.c), reported capped at
 *    B38400 as illumos does; a TIOCSETP that leaves the speeds as reported
 *    leaves the host's speed bits untouched, so a rate only Linux has is
 *    not lost; a code that is no illumos speed is EINVAL;
 *  - in cooked CS8 mode LPASS8 is "not ISTRIP", recomputed every time
 *    (illumos only ever sets it there);
 *  - a Linux pty forces CS8 without PARENB whatever is set, so O_EVENP and
 *    O_ODDP reach termios only as INPCK|ISTRIP; TIOCGETP still reports
 *    them, from the remembered state below (they are sticky on illumos
 *    too while the terminal is CS8).
 *
 * State.  Some old-style bits cannot be seen in termios and illumos keeps
 * them in the module: LCTLECH, LLITOUT, LPASS8 and the parity bits while
 * the terminal is in O_RAW mode (so that leaving raw mode restores them),
 * whether ISIG or OPOST were off, and t_dsuspc (Linux has no VDSUSP).
 * Here they live in a small process-local cache keyed by the pty's device
 * number: a direct-mapped table of 64-bit words, each holding the key and
 * the packed state, read and written with single atomic loads and stores.
 * No lock: it is safe from any thread, in signal handlers and across fork;
 * when two threads race on one pty the last writer wins, as two processes
 * would on the shared termios.  A missing entry means illumos's state after
 * a fresh push: none of those bits, and t_dsuspc ^Y (the ttymodes default).
 * Another process (or this one after exec) starts from that default too.
 * Descriptors: none of its own; it uses the caller's.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#ifdef HAVE_SYS_SYSMACROS_H
#include <sys/sysmacros.h>	/* major, minor; <sys/types.h> elsewhere */
#endif

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <termios.h>

#include "xpty.h"
#include "internal.h"


/* sg_flags delay values (4BSD <sys/ioctl_compat.h>, illumos <sys/ttold.h>) */
#define O_NL1		0x00000100
#define O_NL2		0x00000200
#define O_TAB1		0x00000400
#define O_TAB2		0x00000800
#define O_CR1		0x00001000
#define O_CR2		0x00002000

/* The local mode word is kept above the 16 bits of sg_flags, as illumos. */
#define CF_L(l)		((uint32_t)(l) << 16)
#define CF_STICKY	(CF_L(LCTLECH) | CF_L(LLITOUT) | CF_L(LPASS8) | \
			    O_ODDP | O_EVENP)

/* Extra state bits (illumos t_xflags). */
#define TX_NOISIG	0x1		/* ISIG was off */
#define TX_NOPOST	0x2		/* OPOST was off */
#define TX_STOPB	0x4		/* CSTOPB, and not at 110 baud */

#define IL_B110		3
#define IL_B38400	15

#define TTC_FREAD	0x1		/* TIOCFLUSH argument bits */
#define TTC_FWRITE	0x2

#define CC_DISABLED	0377		/* a disabled char, old style */
#define CC_DSUSP_DEF	0x19		/* ^Y */

/* The old-style view of a terminal (illumos compat_state_t). */
struct tcompat {
	uint32_t	flags;		/* sg_flags | local word << 16 */
	uint32_t	xflags;		/* TX_* */
	int		ispeed;		/* illumos speed codes */
	int		ospeed;
	int		newspeed;	/* speeds changed: rewrite them */
	char		erase;
	char		kill;
	struct tchars	tc;
	struct ltchars	ltc;
};

/* One old-style bit that is exactly one termios bit (or its inverse). */
enum tfield { TF_I, TF_O, TF_C, TF_L };
struct cbit {
	uint32_t	cbit;
	enum tfield	field;
	tcflag_t	tbit;
	int		inverted;
};

static const struct cbit cbits[] = {
	{ O_TANDEM,		TF_I,	IXOFF,		0 },
	{ O_ECHO,		TF_L,	ECHO,		0 },
#ifdef FFDLY
	{ O_VTDELAY,		TF_O,	FFDLY,		0 },	/* sic */
#endif
#ifdef BSDLY
	{ O_BSDELAY,		TF_O,	BSDLY,		0 },
#endif
	{ CF_L(LPRTERA),	TF_L,	ECHOPRT,	0 },
	{ CF_L(LTOSTOP),	TF_L,	TOSTOP,		0 },
	{ CF_L(LFLUSHO),	TF_L,	FLUSHO,		0 },
	{ CF_L(LNOHANG),	TF_C,	CLOCAL,		0 },
	{ CF_L(LCRTKIL),	TF_L,	ECHOKE,		0 },
	{ CF_L(LPENDIN),	TF_L,	PENDIN,		0 },
	{ CF_L(LNOFLSH),	TF_L,	NOFLSH,		0 },
	{ CF_L(LDECCTQ),	TF_I,	IXANY,		1 },
};

/* The special characters: where each lives in struct tcompat and c_cc. */
struct cchar {
	size_t		off;
	int		slot;
};

static const struct cchar cchars[] = {
	{ offsetof(struct tcompat, erase),		VERASE },
	{ offsetof(struct tcompat, kill),		VKILL },
	{ offsetof(struct tcompat, tc.t_intrc),		VINTR },
	{ offsetof(struct tcompat, tc.t_quitc),		VQUIT },
	{ offsetof(struct tcompat, tc.t_startc),	VSTART },
	{ offsetof(struct tcompat, tc.t_stopc),		VSTOP },
	{ offsetof(struct tcompat, tc.t_eofc),		VEOF },
	{ offsetof(struct tcompat, tc.t_brkc),		VEOL },
	{ offsetof(struct tcompat, ltc.t_suspc),	VSUSP },
	{ offsetof(struct tcompat, ltc.t_rprntc),	VREPRINT },
	{ offsetof(struct tcompat, ltc.t_flushc),	VDISCARD },
	{ offsetof(struct tcompat, ltc.t_werasc),	VWERASE },
	{ offsetof(struct tcompat, ltc.t_lnextc),	VLNEXT },
};

#define NITEMS(a)	(sizeof (a) / sizeof ((a)[0]))

/* ---- the state cache ---- */

#define TC_SLOTS	64
#define TCE_VALID	0x80000000u
#define TCE_DSUSP	0x000000ffu
#define TCE_XSHIFT	8
#define TCE_SSHIFT	10

static uint64_t tc_cache[TC_SLOTS];

static const uint32_t tc_sticky[] = {
	CF_L(LCTLECH), CF_L(LLITOUT), CF_L(LPASS8), O_ODDP, O_EVENP
};

static uint32_t
tc_key(int fd)
{
	struct stat	st;

	if (xsys_fstat(fd, &st) == -1 || !S_ISCHR(st.st_mode))
		return (0);
	return (((uint32_t)(major(st.st_rdev) & 0xfff) << 20) |
	    (uint32_t)(minor(st.st_rdev) & 0xfffff));
}

static unsigned char
cc_to_compat(cc_t c)
{
	return (c == 0 ? CC_DISABLED : c);
}

static cc_t
cc_from_compat(char c)
{
	return ((unsigned char)c == CC_DISABLED ? 0 : (unsigned char)c);
}

static void
tc_load(uint32_t key, struct tcompat *c)
{
	uint64_t	e = 0;
	uint32_t	v;
	size_t		i;

	memset(c, 0, sizeof(*c));
	if (key != 0)
		e = __atomic_load_n(&tc_cache[key % TC_SLOTS], __ATOMIC_RELAXED);
	v = (uint32_t)e;
	if ((uint32_t)(e >> 32) != key || (v & TCE_VALID) == 0) {
		c->ltc.t_dsuspc = (char)CC_DSUSP_DEF;
		return;
	}
	c->ltc.t_dsuspc = (char)cc_to_compat(v & TCE_DSUSP);
	c->xflags = (v >> TCE_XSHIFT) & (TX_NOISIG | TX_NOPOST);
	for (i = 0; i < NITEMS(tc_sticky); i++) {
		if (v & (1u << (TCE_SSHIFT + i)))
			c->flags |= tc_sticky[i];
	}
}

static void
tc_save(uint32_t key, const struct tcompat *c)
{
	uint32_t	v;
	size_t		i;

	if (key == 0)
		return;
	v = TCE_VALID | cc_from_compat(c->ltc.t_dsuspc);
	v |= (c->xflags & (TX_NOISIG | TX_NOPOST)) << TCE_XSHIFT;
	for (i = 0; i < NITEMS(tc_sticky); i++) {
		if (c->flags & tc_sticky[i])
			v |= 1u << (TCE_SSHIFT + i);
	}
	__atomic_store_n(&tc_cache[key % TC_SLOTS], (uint64_t)key << 32 | v,
	    __ATOMIC_RELAXED);
}

/* ---- termios -> old style ---- */

static tcflag_t *
tfield(struct kterm *t, enum tfield f)
{
	switch (f) {
	case TF_I:
		return (&t->c_iflag);
	case TF_O:
		return (&t->c_oflag);
	case TF_C:
		return (&t->c_cflag);
	default:
		return (&t->c_lflag);
	}
}

static int
is_raw(const struct kterm *t)
{
	if (t->c_iflag & (IMAXBEL | BRKINT | IGNPAR | PARMRK | INPCK |
	    ISTRIP | INLCR | IGNCR | ICRNL | KTERM_IUCLC | IXON))
		return (0);
	if (t->c_oflag & OPOST)
		return (0);
	if ((t->c_cflag & (CSIZE | PARENB)) != CS8)
		return (0);
	return ((t->c_lflag & (ISIG | ICANON | KTERM_XCASE | IEXTEN)) == 0);
}

static void
speeds_to_compat(const struct kterm *t, struct tcompat *c)
{
	c->ospeed = ldterm_speed_to_illumos(KTERM_OSPEED(t));
	c->ispeed = ldterm_speed_to_illumos(KTERM_ISPEED(t));
	if (c->ispeed == 0)
		c->ispeed = c->ospeed;
	if ((t->c_cflag & CSTOPB) && c->ispeed != IL_B110)
		c->xflags |= TX_STOPB;
}

static void
chars_to_compat(const struct kterm *t, struct tcompat *c)
{
	size_t	i;

	for (i = 0; i < NITEMS(cchars); i++) {
		*((char *)c + cchars[i].off) =
		    (char)cc_to_compat(t->c_cc[cchars[i].slot]);
	}
}

static void
bits_to_compat(struct kterm *t, struct tcompat *c)
{
	const struct cbit	*b;
	size_t			 i;
	int			 on;

	for (i = 0; i < NITEMS(cbits); i++) {
		b = &cbits[i];
		on = (*tfield(t, b->field) & b->tbit) != 0;
		if (on != b->inverted)
			c->flags |= b->cbit;
	}
}

/* The bits that only mean something when not in O_RAW mode. */
static void
cooked_to_compat(const struct kterm *t, struct tcompat *c)
{
	int	cs8 = (t->c_cflag & (CSIZE | PARENB)) == CS8;

	if (!(t->c_iflag & IXON))
		c->tc.t_startc = c->tc.t_stopc = (char)CC_DISABLED;
	if (cs8 && !(t->c_oflag & OPOST))
		c->flags |= CF_L(LLITOUT);
	else {
		c->flags &= ~CF_L(LLITOUT);
		if (cs8) {
			c->flags &= ~CF_L(LPASS8);
			if (!(t->c_iflag & ISTRIP))
				c->flags |= CF_L(LPASS8);
		} else {
			c->flags &= ~(O_ODDP | O_EVENP | CF_L(LPASS8));
			if (t->c_cflag & PARODD)
				c->flags |= O_ODDP;
			else if (t->c_iflag & INPCK)
				c->flags |= O_EVENP;
			else
				c->flags |= O_ODDP | O_EVENP;
		}
		c->xflags &= ~TX_NOPOST;
		if (!(t->c_oflag & OPOST))
			c->xflags |= TX_NOPOST;
	}
	c->xflags &= ~TX_NOISIG;
	if (!(t->c_lflag & ISIG))
		c->xflags |= TX_NOISIG;
	if (!(t->c_lflag & ICANON))
		c->flags |= O_CBREAK;
	c->flags &= ~CF_L(LCTLECH);
	if (t->c_lflag & ECHOCTL)
		c->flags |= CF_L(LCTLECH);
}

/* Case, newline, delays, erase style. */
static void
output_to_compat(const struct kterm *t, struct tcompat *c)
{
	tcflag_t	o = t->c_oflag;

	if (o & KTERM_OLCUC)
		c->flags |= O_LCASE;
	/* the delays, where the host has them */
	if (o & ONLCR) {
		c->flags |= O_CRMOD;
#ifdef CRDLY
		if ((o & CRDLY) == CR2)
			c->flags |= O_CR1;
		else if ((o & CRDLY) == CR3)
			c->flags |= O_CR2;
#endif
	}
#ifdef CRDLY
	else if ((o & CR1) && (o & ONLRET))
		c->flags |= O_NL1;			/* tty37 */
#endif
#ifdef NLDLY
	if ((o & ONLRET) && (o & NL1))
		c->flags |= O_NL2;
#endif
	switch (o & TABDLY) {
#ifdef TAB1
	case TAB1:
		c->flags |= O_TAB1;
		break;
	case TAB2:
		c->flags |= O_TAB2;
		break;
#endif
	case TAB3:
		c->flags |= O_XTABS;
		break;
	}
	if (t->c_lflag & ECHOE)
		c->flags |= CF_L(LCRTERA) | CF_L(LCRTBS);
}

/* c holds the remembered state on entry (tc_load). */
static void
to_compat(struct kterm *t, struct tcompat *c)
{
	c->xflags &= TX_NOISIG | TX_NOPOST;
	c->newspeed = 0;
	speeds_to_compat(t, c);
	chars_to_compat(t, c);
	c->flags &= CF_STICKY;
	bits_to_compat(t, c);
	if (is_raw(t))
		c->flags |= O_RAW;
	else
		cooked_to_compat(t, c);
	output_to_compat(t, c);
}

/* ---- old style -> termios ---- */

static void
speeds_from_compat(const struct tcompat *c, struct kterm *t)
{
	KTERM_SET_OSPEED(t, ldterm_speed_to_host(c->ospeed));
	if (c->ispeed == c->ospeed) {
		KTERM_SAME_ISPEED(t);
		return;
	}
	KTERM_SET_ISPEED(t, ldterm_speed_to_host(c->ispeed));
	if (c->ispeed == 0)
		KTERM_HANGUP(t);		/* hang up */
}

static void
chars_from_compat(const struct tcompat *c, struct kterm *t)
{
	size_t	i;

	for (i = 0; i < NITEMS(cchars); i++) {
		t->c_cc[cchars[i].slot] =
		    cc_from_compat(*((const char *)c + cchars[i].off));
	}
	t->c_cc[VEOL2] = 0;
}

static void
bits_from_compat(const struct tcompat *c, struct kterm *t)
{
	const struct cbit	*b;
	size_t			 i;
	int			 on;

	for (i = 0; i < NITEMS(cbits); i++) {
		b = &cbits[i];
		on = (c->flags & b->cbit) != 0;
		if (on != b->inverted)
			*tfield(t, b->field) |= b->tbit;
	}
}

static void
output_from_compat(const struct tcompat *c, struct kterm *t)
{
	uint32_t	f = c->flags;

	if (f & O_LCASE) {
		t->c_iflag |= KTERM_IUCLC;
		t->c_oflag |= KTERM_OLCUC;
		t->c_lflag |= KTERM_XCASE;
	}
	/* the delays, where the host has them */
	if (f & O_CRMOD) {
		t->c_iflag |= ICRNL;
		t->c_oflag |= ONLCR;
#ifdef CRDLY
		if ((f & O_CRDELAY) == O_CR1)
			t->c_oflag |= CR2;
		else if ((f & O_CRDELAY) == O_CR2)
			t->c_oflag |= CR3;
#endif
	}
#ifdef CRDLY
	else if ((f & O_NLDELAY) == O_NL1)
		t->c_oflag |= ONLRET | CR1;		/* tty37 */
#endif
#ifdef NLDLY
	if ((f & O_NLDELAY) == O_NL2)
		t->c_oflag |= NL1;
#endif
	switch (f & O_TBDELAY) {
#ifdef TAB1
	case O_TAB1:
		t->c_oflag |= TAB1;
		break;
	case O_TAB2:
		t->c_oflag |= TAB2;
		break;
#endif
	case O_XTABS:
		t->c_oflag |= TAB3;
		break;
	}
	if (f & CF_L(LCRTERA))
		t->c_lflag |= ECHOE;
}

static void
parity_from_compat(const struct tcompat *c, struct kterm *t)
{
	switch (c->flags & (O_EVENP | O_ODDP)) {
	case 0:
		t->c_iflag |= ISTRIP;
		t->c_cflag |= CS8;
		break;
	case O_EVENP:
		t->c_iflag |= INPCK | ISTRIP;
		t->c_cflag |= CS7 | PARENB;
		break;
	case O_ODDP:
		t->c_iflag |= INPCK | ISTRIP;
		t->c_cflag |= CS7 | PARENB | PARODD;
		break;
	default:				/* both: any parity */
		t->c_iflag |= ISTRIP;
		t->c_cflag |= CS7 | PARENB;
		break;
	}
}

static void
cooked_from_compat(const struct tcompat *c, struct kterm *t)
{
	t->c_iflag |= IMAXBEL | BRKINT | IGNPAR;
	if (t->c_cc[VSTOP] != 0 && t->c_cc[VSTART] != 0)
		t->c_iflag |= IXON;
	if (c->flags & CF_L(LLITOUT))
		t->c_cflag |= CS8;
	else {
		if (c->flags & CF_L(LPASS8))
			t->c_cflag |= CS8;
		else
			parity_from_compat(c, t);
		if (!(c->xflags & TX_NOPOST))
			t->c_oflag |= OPOST;
	}
	t->c_lflag |= IEXTEN;
	if (!(c->xflags & TX_NOISIG))
		t->c_lflag |= ISIG;
	if (!(c->flags & O_CBREAK))
		t->c_lflag |= ICANON;
	if (c->flags & CF_L(LCTLECH))
		t->c_lflag |= ECHOCTL;
}

static void
from_compat(const struct tcompat *c, struct kterm *t)
{
	tcflag_t	keep = CRTSCTS | KTERM_CMSPAR | HUPCL;

	if (!c->newspeed)
		keep |= KTERM_SPEEDBITS;
	t->c_iflag &= KTERM_IUTF8;
	t->c_oflag &= ONLRET | ONOCR;
	t->c_cflag = (t->c_cflag & keep) | CREAD;
	t->c_lflag = (t->c_lflag & EXTPROC) | ECHOK;
	if (c->newspeed)
		speeds_from_compat(c, t);
	if (c->ispeed == IL_B110 || (c->xflags & TX_STOPB))
		t->c_cflag |= CSTOPB;
	chars_from_compat(c, t);
	bits_from_compat(c, t);
	output_from_compat(c, t);
	if (c->flags & O_RAW) {
		t->c_cflag |= CS8;
		t->c_iflag &= ~(ICRNL | KTERM_IUCLC);
		t->c_lflag &= ~(KTERM_XCASE | IEXTEN);
	} else
		cooked_from_compat(c, t);
	if (!(t->c_lflag & ICANON)) {
		t->c_cc[VMIN] = 1;
		t->c_cc[VTIME] = 0;
	}
}

/* ---- the requests ---- */

union tc_arg {
	struct sgttyb	sg;
	struct tchars	tc;
	struct ltchars	ltc;
	int		i;
};

/* sgttyb speeds: illumos codes; B38400 does not lower a higher rate. */
static int
set_speed(int *cur, char req, int *changed)
{
	int	code = (unsigned char)req;

	if (ldterm_speed_to_host(code) == (speed_t)-1)
		return (-1);
	if (code == IL_B38400 && *cur > IL_B38400)
		return (0);
	if (code != *cur) {
		*cur = code;
		*changed = 1;
	}
	return (0);
}

static int
apply_sgttyb(struct tcompat *c, const struct sgttyb *sg)
{
	if (set_speed(&c->ispeed, sg->sg_ispeed, &c->newspeed) == -1 ||
	    set_speed(&c->ospeed, sg->sg_ospeed, &c->newspeed) == -1) {
		errno = EINVAL;
		return (-1);
	}
	c->erase = sg->sg_erase;
	c->kill = sg->sg_kill;
	c->flags = (c->flags & 0xffff0000u) | ((uint16_t)sg->sg_flags);
	return (0);
}

/* Change the old-style view as a set request says. */
static int
apply_set(unsigned long req, struct tcompat *c, const union tc_arg *a)
{
	uint32_t	l = CF_L((unsigned int)a->i);

	switch (req) {
	case TIOCSETP:
	case TIOCSETN:
		return (apply_sgttyb(c, &a->sg));
	case TIOCSETC:
		c->tc = a->tc;
		break;
	case TIOCSLTC:
		c->ltc = a->ltc;
		break;
	case TIOCLSET:
		c->flags = (c->flags & 0xffffu) | l;
		break;
	case TIOCLBIS:
		c->flags |= l;
		break;
	case TIOCLBIC:
		c->flags &= ~l;
		break;
	}
	return (0);
}

/* Fill the answer of a get request from the old-style view. */
static void
fill_get(unsigned long req, const struct tcompat *c, union tc_arg *a)
{
	switch (req) {
	case TIOCGETP:
		a->sg.sg_ispeed = (char)(c->ispeed > IL_B38400 ? IL_B38400 :
		    c->ispeed);
		a->sg.sg_ospeed = (char)(c->ospeed > IL_B38400 ? IL_B38400 :
		    c->ospeed);
		a->sg.sg_erase = c->erase;
		a->sg.sg_kill = c->kill;
		a->sg.sg_flags = (short)(c->flags & 0xffff);
		break;
	case TIOCGETC:
		a->tc = c->tc;
		break;
	case TIOCGLTC:
		a->ltc = c->ltc;
		break;
	case TIOCLGET:
		a->i = (int)(c->flags >> 16);
		break;
	}
}

/*
 * fd's termios and the old-style view of it; *key is where tc_save()
 * keeps what of the view termios cannot hold.
 */
static int
view_load(int fd, struct kterm *t, struct tcompat *c, uint32_t *key)
{
	if (xsys_tcget(fd, t) == -1)
		return (-1);
	*key = tc_key(fd);
	tc_load(*key, c);
	to_compat(t, c);
	return (0);
}

static int
do_get(int fd, unsigned long req, union tc_arg *a)
{
	struct kterm	t;
	struct tcompat	c;
	uint32_t	key;

	if (view_load(fd, &t, &c, &key) == -1)
		return (-1);
	tc_save(key, &c);
	fill_get(req, &c, a);
	return (0);
}

static int
do_set(int fd, unsigned long req, union tc_arg *a)
{
	struct kterm	t;
	struct tcompat	c;
	uint32_t	key;

	if (view_load(fd, &t, &c, &key) == -1)
		return (-1);
	if (apply_set(req, &c, a) == -1)
		return (-1);
	from_compat(&c, &t);
	if (xsys_tcset(fd, req == TIOCSETP ? KTERM_SETF : KTERM_SET, &t) == -1)
		return (-1);
	tc_save(key, &c);
	return (0);
}

static int
do_hpcl(int fd, unsigned long req, union tc_arg *a)
{
	struct kterm	t;

	if (xsys_tcget(fd, &t) == -1)
		return (-1);
	t.c_cflag |= HUPCL;
	return (xsys_tcset(fd, KTERM_SET, &t));
}

static int
do_flush(int fd, unsigned long req, union tc_arg *a)
{
	long	sel;

	switch (a->i & (TTC_FREAD | TTC_FWRITE)) {
	case TTC_FREAD:
		sel = TCIFLUSH;
		break;
	case TTC_FWRITE:
		sel = TCOFLUSH;
		break;
	default:				/* 0 or both */
		sel = TCIOFLUSH;
		break;
	}
	return (xsys_ioctl(fd, TCFLSH, (void *)sel));
}

static int
do_flow(int fd, unsigned long req, union tc_arg *a)
{
	long	act = req == TIOCSTOP ? TCOOFF : TCOON;

	return (xsys_ioctl(fd, TCXONC, (void *)act));
}

/* TIOCEXCL, TIOCNXCL: Linux's have the same meaning. */
static int
do_native(int fd, unsigned long req, union tc_arg *a)
{
	return (xsys_ioctl(fd, req, NULL));
}

/*
 * TIOCGETD gives 0 (the one line discipline there is).  illumos ACKs it
 * without writing the argument at all; writing 0 is what callers expect.
 */
static int
do_getd(int fd, unsigned long req, union tc_arg *a)
{
	a->i = 0;
	return (0);
}

/*
 * TIOCSETD: illumos accepts line discipline 0 (and does nothing) and NAKs
 * any other; the host's discipline is never changed.
 */
static int
do_setd(int fd, unsigned long req, union tc_arg *a)
{
	if (a->i != 0) {
		errno = EINVAL;
		return (-1);
	}
	return (0);
}

enum tc_dir { TD_NONE, TD_IN, TD_OUT };

struct tc_op {
	unsigned long	req;
	enum tc_dir	dir;
	size_t		size;
	int		(*fn)(int, unsigned long, union tc_arg *);
};

static const struct tc_op tc_ops[] = {
	{ TIOCGETP,	TD_OUT,	sizeof(struct sgttyb),	do_get },
	{ TIOCSETP,	TD_IN,	sizeof(struct sgttyb),	do_set },
	{ TIOCSETN,	TD_IN,	sizeof(struct sgttyb),	do_set },
	{ TIOCGETC,	TD_OUT,	sizeof(struct tchars),	do_get },
	{ TIOCSETC,	TD_IN,	sizeof(struct tchars),	do_set },
	{ TIOCGLTC,	TD_OUT,	sizeof(struct ltchars), do_get },
	{ TIOCSLTC,	TD_IN,	sizeof(struct ltchars), do_set },
	{ TIOCLGET,	TD_OUT,	sizeof(int),		do_get },
	{ TIOCLSET,	TD_IN,	sizeof(int),		do_set },
	{ TIOCLBIS,	TD_IN,	sizeof(int),		do_set },
	{ TIOCLBIC,	TD_IN,	sizeof(int),		do_set },
	{ TIOCHPCL,	TD_NONE, 0,			do_hpcl },
	{ TIOCFLUSH,	TD_IN,	sizeof(int),		do_flush },
	{ TIOCSTOP,	TD_NONE, 0,			do_flow },
	{ TIOCSTART,	TD_NONE, 0,			do_flow },
	{ TIOCEXCL,	TD_NONE, 0,			do_native },
	{ TIOCNXCL,	TD_NONE, 0,			do_native },
	{ TIOCGETD,	TD_OUT,	sizeof(int),		do_getd },
	{ TIOCSETD,	TD_IN,	sizeof(int),		do_setd },
};

static const struct tc_op *
tc_lookup(unsigned long req)
{
	size_t	i;

	for (i = 0; i < NITEMS(tc_ops); i++) {
		if (tc_ops[i].req == req)
			return (&tc_ops[i]);
	}
	return (NULL);
}

int
ttcompat_is_request(unsigned long req)
{
	return (tc_lookup(req) != NULL);
}

/*
 * Answer one ttcompat request on fd, a subsidiary with ttcompat pushed.
 * arg is the caller's pointer, never dereferenced directly.  Returns 0 or
 * -1 with errno: EINVAL for an unknown request or a bad value, EFAULT for
 * a bad pointer, or what the host's termios ioctls said.
 */
int
ttcompat_ioctl(int fd, unsigned long req, void *arg)
{
	const struct tc_op	*op;
	union tc_arg		 a;

	if ((op = tc_lookup(req)) == NULL) {
		errno = EINVAL;
		return (-1);
	}
	memset(&a, 0, sizeof(a));
	if (op->dir == TD_IN && xpty_user_copyin(&a, arg, op->size) == -1)
		return (-1);
	if (op->fn(fd, req, &a) == -1)
		return (-1);
	if (op->dir == TD_OUT && xpty_user_copyout(arg, &a, op->size) == -1)
		return (-1);
	return (0);
}
