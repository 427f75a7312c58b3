/*
 * sys_bsd.h - the host part of lib/sys.h on FreeBSD, NetBSD and macOS:
 * the kernel's termios.  There the kernel moves libc's own struct
 * termios (TIOCGETA, TIOCSETA: four flag words, NCCS = 20 control
 * characters, VSTATUS at 18 and no c_line, then the two speeds), so
 * struct kterm is that layout, written out so that generic code sees the
 * same named fields as on Linux (lib/sys_linux.h); the static assertions
 * below check it against the target's <termios.h> at every build,
 * cross builds included (build-aux/cross-build.sh).  Included only by
 * lib/sys.h, through XPTY_SYS_HOST_H (configure.ac).  No state.
 *
 * The two spare slots of Linux (c_cc[17], c_cc[18]) are VTIME and
 * VSTATUS here, and the kernel resets the whole termios when the
 * subsidiary is first opened: these hosts keep no stream state in the
 * termios (no HOST_CAP_TERMIOS_STATE, lib/host.h).
 */
#ifndef XPTY_SYS_BSD_H
#define XPTY_SYS_BSD_H

#include <sys/ioctl.h>
#include <fcntl.h>		/* FREAD */
#include <stddef.h>
#include <termios.h>

#define XPTY_KNCCS	NCCS	/* c_cc slots the kernel keeps */

#define KTERM_FIELD(f)	__typeof__(((struct termios *)0)->f)

struct kterm {
	tcflag_t		c_iflag;
	tcflag_t		c_oflag;
	tcflag_t		c_cflag;
	tcflag_t		c_lflag;
	cc_t			c_cc[XPTY_KNCCS];
	KTERM_FIELD(c_ispeed)	c_ispeed;
	KTERM_FIELD(c_ospeed)	c_ospeed;
};

#define KTERM_SAME(f)	(offsetof(struct kterm, f) == \
	offsetof(struct termios, f) && \
	sizeof(((struct kterm *)0)->f) == sizeof(((struct termios *)0)->f))
_Static_assert(sizeof(struct kterm) == sizeof(struct termios),
    "struct kterm is the kernel's struct termios");
_Static_assert(KTERM_SAME(c_iflag) && KTERM_SAME(c_oflag) &&
    KTERM_SAME(c_cflag) && KTERM_SAME(c_lflag) && KTERM_SAME(c_cc) &&
    KTERM_SAME(c_ispeed) && KTERM_SAME(c_ospeed),
    "struct kterm's fields lie where the kernel's termios has them");
_Static_assert(NCCS == 20 && VMIN == 16 && VTIME == 17 && VSTATUS == 18,
    "the BSD control character slots this file's comment describes");

/* termios bits not every host has (0 where it has none) */
#define KTERM_IUCLC	0
#define KTERM_XCASE	0
#define KTERM_OLCUC	0
#define KTERM_CMSPAR	0
#ifdef IUTF8
#define KTERM_IUTF8	IUTF8
#else
#define KTERM_IUTF8	0
#endif

/* NetBSD names tab expansion only OXTABS (TAB3, in TABDLY, elsewhere) */
#if !defined(TAB3) && defined(OXTABS)
#define TAB3		OXTABS
#endif
#if !defined(TABDLY) && defined(OXTABS)
#define TABDLY		OXTABS
#endif

/*
 * The line speeds: c_ispeed and c_ospeed, in bits per second (B9600 is
 * 9600), none of them in c_cflag (lib/sys_linux.h has the other way).
 */
#define KTERM_SPEEDBITS		0
#define KTERM_OSPEED(t)		((speed_t)(t)->c_ospeed)
#define KTERM_ISPEED(t)		((speed_t)(t)->c_ispeed)
#define KTERM_SET_OSPEED(t, s)	((t)->c_ospeed = (s))
#define KTERM_SET_ISPEED(t, s)	((t)->c_ispeed = (s))
#define KTERM_SAME_ISPEED(t)	((t)->c_ispeed = (t)->c_ospeed)
#define KTERM_HANGUP(t)		((t)->c_ospeed = B0)

/*
 * The host's own tty requests: their ioctl group, and the queue flush
 * (a pointer to FREAD and FWRITE bits; 0 is both).
 */
#define KTERM_IOC_GROUP	't'
#define KTERM_FLUSH	TIOCFLUSH
#define KTERM_FLUSH_BYREF 1
#define KTERM_FLUSH_IN	FREAD

/*
 * The kernel has no SVR4 terminal requests: lib/svr4tty.c decodes
 * include/xpty.h's TCGETA, TCGETS and the rest onto the calls of
 * lib/sys.h.
 */
#define KTERM_SVR4	0

/*
 * Socket flags macOS lacks: xsys_socket and xsys_socketpair take these
 * two in the type there and apply them with fcntl (lib/sys_darwin.c;
 * bits no socket type uses), and a descriptor received with
 * MSG_CMSG_CLOEXEC is not close-on-exec until its receiver makes it so.
 */
#ifndef SOCK_CLOEXEC
#define SOCK_CLOEXEC		0x10000000
#define SOCK_NONBLOCK		0x20000000
#endif
#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC	0
#endif

/* xsys_tcset's how: now, after output drains, and flushing input too */
#define KTERM_SET	TIOCSETA
#define KTERM_SETW	TIOCSETAW
#define KTERM_SETF	TIOCSETAF

/* Does req set a termios? */
#define KTERM_IS_SET(req) \
	((req) == TIOCSETA || (req) == TIOCSETAW || (req) == TIOCSETAF)

#endif /* XPTY_SYS_BSD_H */
