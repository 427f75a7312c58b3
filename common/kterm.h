/*
 * kterm.h - the kernel's termios, and the state of a pty with no stream.
 * Shared by the daemon (at the subsidiary's last close) and the library
 * (lib/relay.c, before it hands a new pty to the daemon).
 *
 * Theory of operation.  A STREAMS pty with no module pushed is raw, and
 * libxpty keeps the stream's state (module stack, XPG4v2 mark) in c_cc[17]
 * and c_cc[18] of the kernel termios, which Linux stores and never
 * interprets (lib/host_pty.c).  Dismantling sets raw modes, the magic in
 * the high nibble of c_cc[17] and no modules.  On a Linux pty manager the
 * termios ioctls act on the subsidiary's termios.  Static inline, no
 * state.
 */
#ifndef XPTY_KTERM_H
#define XPTY_KTERM_H

#include <termios.h>

#define XP_KNCCS		19
#define XP_XSTATE_MAGIC		0xa0	/* c_cc[17] high nibble */

/* The kernel's termios, as TCGETS and TCSETS move it. */
struct xp_kterm {
	tcflag_t	c_iflag;
	tcflag_t	c_oflag;
	tcflag_t	c_cflag;
	tcflag_t	c_lflag;
	cc_t		c_line;
	cc_t		c_cc[XP_KNCCS];
};

/* No modules, no XPG4v2 mark, raw modes. */
static inline void
xp_kterm_dismantle(struct xp_kterm *kt)
{
	kt->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
	    IGNCR | ICRNL | IXON);
	kt->c_oflag &= ~(tcflag_t)OPOST;
	kt->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	kt->c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	kt->c_cflag |= CS8;
	kt->c_cc[VMIN] = 1;
	kt->c_cc[VTIME] = 0;
	kt->c_cc[17] = XP_XSTATE_MAGIC;
	kt->c_cc[18] = 0;
}

#endif /* XPTY_KTERM_H */
