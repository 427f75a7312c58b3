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

/* xsys_tcset's how: now, after output drains, and flushing input too */
#define KTERM_SET	TCSETS
#define KTERM_SETW	TCSETSW
#define KTERM_SETF	TCSETSF

#endif /* XPTY_SYS_LINUX_H */
