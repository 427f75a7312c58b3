/*
 * sys_linux.h - the host part of lib/sys.h on Linux: the kernel's struct
 * termios, as the TCGETS and TCSETS ioctls move it (glibc's struct
 * termios begins with the same fields but has 32 c_cc slots and speed
 * fields the kernel does not know).  Included only by lib/sys.h, through
 * XPTY_SYS_HOST_H (configure.ac).  No state.
 */
#ifndef XPTY_SYS_LINUX_H
#define XPTY_SYS_LINUX_H

#include <sys/ioctl.h>
#include <termios.h>

#define XPTY_KNCCS	19	/* c_cc slots the kernel keeps */

struct kterm {
	tcflag_t	c_iflag;
	tcflag_t	c_oflag;
	tcflag_t	c_cflag;
	tcflag_t	c_lflag;
	cc_t		c_line;
	cc_t		c_cc[XPTY_KNCCS];
};

/* termios bits not every host has (0 where it has none) */
#define KTERM_IUCLC	IUCLC
#define KTERM_XCASE	XCASE
#define KTERM_OLCUC	OLCUC
#define KTERM_CMSPAR	CMSPAR
#define KTERM_IUTF8	IUTF8

/*
 * The line speeds: codes in c_cflag here (CBAUD; CIBAUD, shifted, is the
 * input speed, 0 for the output one).  KTERM_SPEEDBITS: the c_cflag bits
 * that hold them; the setters OR a code into a field the caller cleared.
 */
#ifndef IBSHIFT
#define IBSHIFT		16	/* CIBAUD's shift */
#endif
#define KTERM_SPEEDBITS		(CBAUD | CIBAUD)
#define KTERM_OSPEED(t)		((speed_t)((t)->c_cflag & CBAUD))
#define KTERM_ISPEED(t)		((speed_t)(((t)->c_cflag & CIBAUD) >> IBSHIFT))
#define KTERM_SET_OSPEED(t, s)	((t)->c_cflag |= (tcflag_t)(s))
#define KTERM_SET_ISPEED(t, s)	((t)->c_cflag |= (tcflag_t)(s) << IBSHIFT)
#define KTERM_SAME_ISPEED(t)	((void)(t))	/* CIBAUD 0 says so */
#define KTERM_HANGUP(t)		((t)->c_cflag &= ~(tcflag_t)CBAUD)

/*
 * The host's own tty requests: their ioctl group, and the queue flush
 * (the queue, TCIFLUSH..., by value).
 */
#define KTERM_IOC_GROUP	'T'
#define KTERM_FLUSH	TCFLSH
#define KTERM_FLUSH_BYREF 0
#define KTERM_FLUSH_IN	0

/*
 * The kernel answers the SVR4 terminal requests itself (TCGETA and the
 * TCSETA family, TCSBRK, TCXONC, TCFLSH: lib/svr4tty.c passes them on).
 */
#define KTERM_SVR4	1

/* xsys_tcset's how: now, after output drains, and flushing input too */
#define KTERM_SET	TCSETS
#define KTERM_SETW	TCSETSW
#define KTERM_SETF	TCSETSF

/*
 * Does req set a termios?  The three above, TCSETA and its two (the old
 * struct termio), and termios2's TCSETS2 family ('T' 0x2b to 0x2d, whose
 * struct the C library's headers do not define).
 */
#define KTERM_IS_SET(req) \
	((req) == TCSETS || (req) == TCSETSW || (req) == TCSETSF || \
	 (req) == TCSETA || (req) == TCSETAW || (req) == TCSETAF || \
	 (_IOC_TYPE(req) == 'T' && _IOC_DIR(req) == _IOC_WRITE && \
	  _IOC_NR(req) >= 0x2b && _IOC_NR(req) <= 0x2d))

#endif /* XPTY_SYS_LINUX_H */
