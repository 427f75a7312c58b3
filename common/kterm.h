/*
 * kterm.h - the termios of a bare stream: a STREAMS pty with no module
 * pushed is a raw byte pipe.  Shared by the library (lib/ldterm.c's
 * ldterm_raw, the state stores) and the daemon (the dismantling at a
 * subsidiary's last close, through common/store.h), so both engines
 * leave a dismantled stream with the same modes.
 *
 * Theory of operation.  Besides the modes cfmakeraw() clears, this
 * clears those that would still make the host's line discipline alter or
 * inject bytes when not canonical: IUCLC, IXOFF and IXANY (it would send
 * STOP/START bytes to the manager), XCASE, FLUSHO and PENDIN (IUCLC and
 * XCASE where the host has them: KTERM_IUCLC, KTERM_XCASE, lib/sys.h).
 * TOSTOP, NOFLSH and the speed and clocal bits are not line discipline matters
 * and stay.  Only VMIN and VTIME of c_cc change; c_line and the slots a
 * state store may use are left alone.  struct kterm is the host's kernel
 * termios (lib/sys.h).  Static inline, no state.
 */
#ifndef XPTY_KTERM_H
#define XPTY_KTERM_H

#include <termios.h>

#include "sys.h"

static inline void
xp_kterm_raw(struct kterm *t)
{
	t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
	    IGNCR | ICRNL | KTERM_IUCLC | IXON | IXANY | IXOFF | IMAXBEL);
	t->c_oflag &= ~(tcflag_t)OPOST;
	t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t->c_cflag |= CS8;
	t->c_lflag &= ~(tcflag_t)(ISIG | ICANON | KTERM_XCASE | ECHO | ECHOE |
	    ECHOK | ECHONL | ECHOCTL | ECHOPRT | ECHOKE | FLUSHO | PENDIN |
	    IEXTEN);
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

#endif /* XPTY_KTERM_H */
