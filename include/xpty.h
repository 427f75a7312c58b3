/*
 * xpty.h - SVR4 / illumos STREAMS pseudo-terminal interface for Linux.
 *
 * This header gives programs written for SVR4 descendants the names that
 * glibc dropped or never had: the STREAMS ioctl commands and structures of
 * <sys/stropts.h>, the pseudo-terminal ioctls of <sys/ptms.h>, the V7/4BSD
 * tty ioctls that the ttcompat module answers, and the prototypes of
 * isastream(), getmsg(), putmsg(), getpmsg() and putpmsg().  Values are
 * illumos's.  Terminal ioctls that Linux already defines (TCGETS, TCGETA,
 * TIOCGWINSZ, TIOCEXCL, ...) keep the host's values, so that this header
 * can be mixed freely with <termios.h> and <sys/ioctl.h>.
 *
 * The xpty_* functions control libxpty itself; see xpty(3).
 *
 * Defining XPTY_XPG4V2 before including this header maps unlockpt() to
 * xpty_unlockpt_xpg4(), the way illumos maps it to __unlockpt_xpg4 for
 * strict XPG4v2 programs.
 */
#ifndef XPTY_H
#define XPTY_H

#include <sys/types.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <stdlib.h>

/*
 * XPTY_XPG4V2 doubles as the mode constant below; a definition made by the
 * including program before this point selects the XPG4v2 unlockpt().
 */
#ifdef XPTY_XPG4V2
#define XPTY__WANT_XPG4V2_UNLOCKPT 1
#undef XPTY_XPG4V2
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- STREAMS ioctl commands (illumos <sys/stropts.h>) ---- */
#define STR		('S' << 8)
#define I_NREAD		(STR | 01)
#define I_PUSH		(STR | 02)
#define I_POP		(STR | 03)
#define I_LOOK		(STR | 04)
#define I_FLUSH		(STR | 05)
#define I_SRDOPT	(STR | 06)
#define I_GRDOPT	(STR | 07)
#define I_STR		(STR | 010)
#define I_SETSIG	(STR | 011)
#define I_GETSIG	(STR | 012)
#define I_FIND		(STR | 013)
#define I_LINK		(STR | 014)
#define I_UNLINK	(STR | 015)
#define I_RECVFD	(STR | 016)
#define I_PEEK		(STR | 017)
#define I_FDINSERT	(STR | 020)
#define I_SENDFD	(STR | 021)
#define I_SWROPT	(STR | 023)
#define I_GWROPT	(STR | 024)
#define I_LIST		(STR | 025)
#define I_PLINK		(STR | 026)
#define I_PUNLINK	(STR | 027)
#define I_ANCHOR	(STR | 030)
#define I_FLUSHBAND	(STR | 034)
#define I_CKBAND	(STR | 035)
#define I_GETBAND	(STR | 036)
#define I_ATMARK	(STR | 037)
#define I_SETCLTIME	(STR | 040)
#define I_GETCLTIME	(STR | 041)
#define I_CANPUT	(STR | 042)
#define I_SERROPT	(STR | 043)
#define I_GERROPT	(STR | 044)
#define I_ESETSIG	(STR | 045)
#define I_EGETSIG	(STR | 046)
#define __I_PUSH_NOCTTY	(STR | 047)

#define FMNAMESZ	8
#define MUXID_ALL	(-1)
#ifndef INFTIM
#define INFTIM		(-1)
#endif

/* write options (I_SWROPT) */
#define SNDZERO		0x001
#define SNDPIPE		0x002

/* read options (I_SRDOPT) */
#define RNORM		0x000
#define RMSGD		0x001
#define RMSGN		0x002
#define RMODEMASK	0x003
#define RPROTDAT	0x004
#define RPROTDIS	0x008
#define RPROTNORM	0x010
#define RPROTMASK	0x01c
#define RFLUSHMASK	0x020
#define RFLUSHPCPROT	0x020

/* error options (I_SERROPT) */
#define RERRNORM	0x001
#define RERRNONPERSIST	0x002
#define RERRMASK	(RERRNORM | RERRNONPERSIST)
#define WERRNORM	0x004
#define WERRNONPERSIST	0x008
#define WERRMASK	(WERRNORM | WERRNONPERSIST)

/* flush flags (I_FLUSH) */
#define FLUSHR		0x01
#define FLUSHW		0x02
#define FLUSHRW		0x03
#define FLUSHBAND	0x04

/* events for I_SETSIG */
#define S_INPUT		0x0001
#define S_HIPRI		0x0002
#define S_OUTPUT	0x0004
#define S_WRNORM	S_OUTPUT
#define S_MSG		0x0008
#define S_ERROR		0x0010
#define S_HANGUP	0x0020
#define S_RDNORM	0x0040
#define S_RDBAND	0x0080
#define S_WRBAND	0x0100
#define S_BANDURG	0x0200

/* getmsg/putmsg */
#define RS_HIPRI	0x01
#define MSG_HIPRI	0x01
#define MSG_ANY		0x02
#define MSG_BAND	0x04
#define MORECTL		1
#define MOREDATA	2

/* I_ATMARK */
#define ANYMARK		0x01
#define LASTMARK	0x02

/*
 * ---- the SVR4 terminal ioctls (illumos <sys/termios.h>), where the host
 * has none (the BSDs, macOS: their termios requests are TIOCGETA and
 * friends).  Linux has them all and keeps its own values and its struct
 * termio.  Here they have illumos's values; TCGETS and the TCSETS family
 * move the host's struct termios (as tcgetattr fills it), TCGETA and the
 * TCSETA family illumos's struct termio, whose flag words are the low 16
 * bits of the host's, and the arguments of TCFLSH (0 input, 1 output, 2
 * both) and TCXONC (0 suspend output, 1 restart it, 2 send STOP, 3 send
 * START) are illumos's numbers, not the host's TCIFLUSH or TCOOFF.
 */
#ifndef TCGETA
#define XPTY_TIOC	('T' << 8)
#define TCGETA		(XPTY_TIOC | 1)
#define TCSETA		(XPTY_TIOC | 2)
#define TCSETAW		(XPTY_TIOC | 3)
#define TCSETAF		(XPTY_TIOC | 4)
#define TCSBRK		(XPTY_TIOC | 5)
#define TCXONC		(XPTY_TIOC | 6)
#define TCFLSH		(XPTY_TIOC | 7)
#define TCGETS		(XPTY_TIOC | 13)
#define TCSETS		(XPTY_TIOC | 14)
#define TCSETSW		(XPTY_TIOC | 15)
#define TCSETSF		(XPTY_TIOC | 16)

#ifndef NCC
#define NCC		8
#endif
struct termio {
	unsigned short	c_iflag;
	unsigned short	c_oflag;
	unsigned short	c_cflag;
	unsigned short	c_lflag;
	char		c_line;
	unsigned char	c_cc[NCC];
};
#endif

/*
 * ENOSTR ("not a stream", what getmsg and putmsg say of a descriptor that
 * is not one) where the host's <errno.h> has no such value (FreeBSD):
 * ENOTTY, the host's own answer to a STREAMS request on a non-stream.
 */
#include <errno.h>
#ifndef ENOSTR
#define ENOSTR		ENOTTY
#endif

/* ---- pseudo-terminal ioctls (illumos <sys/ptms.h>) ---- */
#define ISPTM		(('P' << 8) | 1)
#define UNLKPT		(('P' << 8) | 2)
#define PTSSTTY		(('P' << 8) | 3)
#define ZONEPT		(('P' << 8) | 4)
#define OWNERPT		(('P' << 8) | 5)

typedef struct pt_own {
	uid_t	pto_ruid;
	gid_t	pto_rgid;
} pt_own_t;

/* ---- STREAMS structures ---- */
struct strioctl {
	int	ic_cmd;
	int	ic_timout;
	int	ic_len;
	char	*ic_dp;
};

struct strbuf {
	int	maxlen;
	int	len;
	char	*buf;
};

struct strpeek {
	struct strbuf	ctlbuf;
	struct strbuf	databuf;
	unsigned int	flags;
};

struct str_mlist {
	char	l_name[FMNAMESZ + 1];
};

struct str_list {
	int			sl_nmods;
	struct str_mlist	*sl_modlist;
};

struct bandinfo {
	unsigned char	bi_pri;
	int		bi_flag;
};

/* STREAMS message types, as the pckt module reports them */
#define M_DATA		0x00
#define M_PROTO		0x01
#define M_BREAK		0x08
#define M_SIG		0x0b
#define M_DELAY		0x0c
#define M_CTL		0x0d
#define M_IOCTL		0x0e
#define M_SETOPTS	0x10
#define QPCTL		0x80
#define M_IOCACK	0x81
#define M_IOCNAK	0x82
#define M_PCPROTO	0x83
#define M_PCSIG		0x84
#define M_READ		0x85
#define M_FLUSH		0x86
#define M_STOP		0x87
#define M_START		0x88
#define M_HANGUP	0x89
#define M_ERROR		0x8a
#define M_STOPI		0x8f
#define M_STARTI	0x90

/*
 * The head of an M_IOCTL message as pckt delivers it (illumos's LP64
 * struct iocblk layout); the ioctl's data follows it.
 */
struct iocblk {
	int		ioc_cmd;
	void		*ioc_cr;	/* illumos: cred_t *; always NULL here */
	unsigned int	ioc_id;
	unsigned long	ioc_count;
	int		ioc_error;
	int		ioc_rval;
	int		ioc_fill1;
	unsigned int	ioc_flag;
	int		ioc_filler[2];
};

/*
 * ---- V7 / 4BSD tty ioctls answered by the ttcompat module ----
 * Where the host's own headers define one of these names (the BSDs and
 * macOS have TIOCFLUSH, TIOCSTART, TIOCSTOP, TIOCREMOTE, TIOCGETD...),
 * the host's number stands: it names the same request there.
 */
#define tIOC		('t' << 8)
#ifndef TIOCGETD
#define TIOCGETD	(tIOC | 0)
#endif
#ifndef TIOCSETD
#define TIOCSETD	(tIOC | 1)
#endif
#define TIOCHPCL	(tIOC | 2)
#define TIOCGETP	(tIOC | 8)
#define TIOCSETP	(tIOC | 9)
#define TIOCSETN	(tIOC | 10)
#ifndef TIOCEXCL
#define TIOCEXCL	(tIOC | 13)
#endif
#ifndef TIOCNXCL
#define TIOCNXCL	(tIOC | 14)
#endif
#ifndef TIOCFLUSH
#define TIOCFLUSH	(tIOC | 16)
#endif
#ifndef FREAD
#define FREAD		0x01	/* TIOCFLUSH argument bits */
#endif
#ifndef FWRITE
#define FWRITE		0x02
#endif
#define TIOCSETC	(tIOC | 17)
#define TIOCGETC	(tIOC | 18)
#ifndef TIOCSTART
#define TIOCSTART	(tIOC | 110)
#endif
#ifndef TIOCSTOP
#define TIOCSTOP	(tIOC | 111)
#endif
#define TIOCGLTC	(tIOC | 116)
#define TIOCSLTC	(tIOC | 117)
#define TIOCLGET	(tIOC | 124)
#define TIOCLSET	(tIOC | 125)
#define TIOCLBIC	(tIOC | 126)
#define TIOCLBIS	(tIOC | 127)
#ifndef TIOCREMOTE
#define TIOCREMOTE	(tIOC | 30)
#endif
#define TIOCSIGNAL	(tIOC | 31)
#define JWINSIZE	(('j' << 8) | 5)

struct sgttyb {
	char	sg_ispeed;
	char	sg_ospeed;
	char	sg_erase;
	char	sg_kill;
	short	sg_flags;
};

/* sg_flags */
#define O_TANDEM	0x00000001
#define O_CBREAK	0x00000002
#define O_LCASE		0x00000004
#define O_ECHO		0x00000008
#define O_CRMOD		0x00000010
#define O_RAW		0x00000020
#define O_ODDP		0x00000040
#define O_EVENP		0x00000080
#define O_ANYP		0x000000c0
#define O_NLDELAY	0x00000300
#define O_TBDELAY	0x00000c00
#define O_XTABS		0x00000c00
#define O_CRDELAY	0x00003000
#define O_VTDELAY	0x00004000
#define O_BSDELAY	0x00008000

struct tchars {
	char	t_intrc;
	char	t_quitc;
	char	t_startc;
	char	t_stopc;
	char	t_eofc;
	char	t_brkc;
};

struct ltchars {
	char	t_suspc;
	char	t_dsuspc;
	char	t_rprntc;
	char	t_flushc;
	char	t_werasc;
	char	t_lnextc;
};

/* local mode word (TIOCLGET and friends); values are the 4BSD ones */
#define LCRTBS		0x0001
#define LPRTERA		0x0002
#define LCRTERA		0x0004
#define LTILDE		0x0008
#define LMDMBUF		0x0010
#define LLITOUT		0x0020
#define LTOSTOP		0x0040
#define LFLUSHO		0x0080
#define LNOHANG		0x0100
#define LETXACK		0x0200
#define LCRTKIL		0x0400
#define LPASS8		0x0800
#define LCTLECH		0x1000
#define LPENDIN		0x2000
#define LDECCTQ		0x4000
#define LNOFLSH		0x8000

/* ---- STREAMS functions glibc no longer provides ---- */
int	isastream(int);
int	getmsg(int, struct strbuf *, struct strbuf *, int *);
int	putmsg(int, const struct strbuf *, const struct strbuf *, int);
int	getpmsg(int, struct strbuf *, struct strbuf *, int *, int *);
int	putpmsg(int, const struct strbuf *, const struct strbuf *, int, int);

/* ---- libxpty's own interface ---- */
#define XPTY_NATIVE	0	/* pass everything through to the host */
#define XPTY_SVR4	1	/* illumos default behaviour */
#define XPTY_XPG4V2	2	/* strict XPG4v2 pseudo-terminals */

int		xpty_setmode(int);
int		xpty_getmode(void);
int		xpty_unlockpt_xpg4(int);
const char	*xpty_version(void);

#ifdef XPTY__WANT_XPG4V2_UNLOCKPT
#define unlockpt(fd)	xpty_unlockpt_xpg4(fd)
#endif

#ifdef __cplusplus
}
#endif

#endif /* XPTY_H */
