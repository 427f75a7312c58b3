/*
 * svr4tty.c - the SVR4 terminal requests on a host tty: TCGETS and the
 * TCSETS family, TCGETA and the TCSETA family (struct termio), TCSBRK,
 * TCXONC and TCFLSH, as include/xpty.h numbers them.
 *
 * Theory of operation.  Where the host kernel answers these requests
 * itself (KTERM_SVR4, lib/sys.h's host part: Linux), svr4tty_ioctl()
 * passes them on unchanged.  Elsewhere (the BSDs and macOS, whose own
 * requests are TIOCGETA and friends) it decodes them onto lib/sys.h's
 * calls:
 *   - TCGETS and TCSETS* move a struct kterm, which is the host's struct
 *     termios there; the TCSETS forms become KTERM_SET, _SETW, _SETF;
 *   - TCGETA and TCSETA* move illumos's struct termio: its flag words are
 *     the low 16 bits of the host's (a set keeps the high bits the tty
 *     has, as Linux does), its eight control characters are VINTR, VQUIT,
 *     VERASE, VKILL, then VEOF and VEOL when canonical or VMIN and VTIME
 *     when not, VEOL2, and a switch character the host has no slot for
 *     (read as 0, ignored when set); the line speed is not in a host's
 *     c_cflag there, so TCGETA shows none and TCSETA keeps the tty's;
 *   - TCSBRK 0 sends a break of a quarter of a second (TIOCSBRK, a wait,
 *     TIOCCBRK), any other argument waits for the output to drain;
 *   - TCXONC and TCFLSH take illumos's argument numbers (include/xpty.h):
 *     TCXONC 0 to 3 are TCOOFF, TCOON, TCIOFF, TCION, TCFLSH 0 to 2 are
 *     TCIFLUSH, TCOFLUSH, TCIOFLUSH.
 * Any other request goes to the host as it is.  The caller's pointers are
 * copied with usercopy.c (EFAULT, never a fault).
 *
 * State: none; no descriptors of its own.  Where the decoding runs it is
 * cross-built only (FreeBSD 14, NetBSD 10, macOS), not yet run.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <errno.h>
#include <string.h>
#include <termios.h>

#include "xpty.h"
#include "internal.h"

/* struct termio's control characters, by their illumos slot */
#define TIO_VINTR	0
#define TIO_VQUIT	1
#define TIO_VERASE	2
#define TIO_VKILL	3
#define TIO_VEOF	4	/* VMIN when not canonical */
#define TIO_VEOL	5	/* VTIME when not canonical */
#define TIO_VEOL2	6

#define LOW16(v)	((tcflag_t)(v) & 0xffff)
#define MERGE16(cur, v)	(((cur) & ~(tcflag_t)0xffff) | LOW16(v))

static int
fail(int err)
{
	errno = err;
	return (-1);
}

unsigned long
svr4tty_how(unsigned long req)
{
	switch (req) {
	case TCSETSW:
	case TCSETAW:
		return (KTERM_SETW);
	case TCSETSF:
	case TCSETAF:
		return (KTERM_SETF);
	}
	return (KTERM_SET);
}

static void
termio_from_kterm(const struct kterm *t, struct termio *tio)
{
	int	canon = (t->c_lflag & ICANON) != 0;

	memset(tio, 0, sizeof(*tio));
	tio->c_iflag = (unsigned short)LOW16(t->c_iflag);
	tio->c_oflag = (unsigned short)LOW16(t->c_oflag);
	tio->c_cflag = (unsigned short)LOW16(t->c_cflag);
	tio->c_lflag = (unsigned short)LOW16(t->c_lflag);
	tio->c_cc[TIO_VINTR] = t->c_cc[VINTR];
	tio->c_cc[TIO_VQUIT] = t->c_cc[VQUIT];
	tio->c_cc[TIO_VERASE] = t->c_cc[VERASE];
	tio->c_cc[TIO_VKILL] = t->c_cc[VKILL];
	tio->c_cc[TIO_VEOF] = t->c_cc[canon ? VEOF : VMIN];
	tio->c_cc[TIO_VEOL] = t->c_cc[canon ? VEOL : VTIME];
	tio->c_cc[TIO_VEOL2] = t->c_cc[VEOL2];
}

static void
termio_to_kterm(const struct termio *tio, struct kterm *t)
{
	int	canon;

	t->c_iflag = MERGE16(t->c_iflag, tio->c_iflag);
	t->c_oflag = MERGE16(t->c_oflag, tio->c_oflag);
	t->c_cflag = MERGE16(t->c_cflag, tio->c_cflag);
	t->c_lflag = MERGE16(t->c_lflag, tio->c_lflag);
	canon = (t->c_lflag & ICANON) != 0;
	t->c_cc[VINTR] = tio->c_cc[TIO_VINTR];
	t->c_cc[VQUIT] = tio->c_cc[TIO_VQUIT];
	t->c_cc[VERASE] = tio->c_cc[TIO_VERASE];
	t->c_cc[VKILL] = tio->c_cc[TIO_VKILL];
	t->c_cc[canon ? VEOF : VMIN] = tio->c_cc[TIO_VEOF];
	t->c_cc[canon ? VEOL : VTIME] = tio->c_cc[TIO_VEOL];
	t->c_cc[VEOL2] = tio->c_cc[TIO_VEOL2];
}

static int
svr4_break(int fd, long arg)
{
	int	r;

	if (arg != 0)
		return (xsys_tcdrain(fd));
	if (xsys_ioctl(fd, TIOCSBRK, NULL) == -1)
		return (-1);
	(void)xsys_poll(NULL, 0, 250);
	r = xsys_ioctl(fd, TIOCCBRK, NULL);
	return (r);
}

static int
svr4_flow(int fd, long arg)
{
	static const int	action[] = { TCOOFF, TCOON, TCIOFF, TCION };

	if (arg < 0 || arg > 3)
		return (fail(EINVAL));
	return (xsys_tcflow(fd, action[arg]));
}

static int
svr4_flush(int fd, long arg)
{
	static const int	queue[] = { TCIFLUSH, TCOFLUSH, TCIOFLUSH };

	if (arg < 0 || arg > 2)
		return (fail(EINVAL));
	return (xsys_tcflush(fd, queue[arg]));
}

int
svr4tty_ioctl(int fd, unsigned long req, void *arg)
{
	struct kterm	t;
	struct termio	tio;

	if (KTERM_SVR4)
		return (xsys_ioctl(fd, req, arg));
	switch (req) {
	case TCGETS:
		if (xsys_tcget(fd, &t) == -1)
			return (-1);
		return (xpty_user_copyout(arg, &t, sizeof(t)));
	case TCSETS: case TCSETSW: case TCSETSF:
		if (xpty_user_copyin(&t, arg, sizeof(t)) == -1)
			return (-1);
		return (xsys_tcset(fd, svr4tty_how(req), &t));
	case TCGETA:
		if (xsys_tcget(fd, &t) == -1)
			return (-1);
		termio_from_kterm(&t, &tio);
		return (xpty_user_copyout(arg, &tio, sizeof(tio)));
	case TCSETA: case TCSETAW: case TCSETAF:
		if (xpty_user_copyin(&tio, arg, sizeof(tio)) == -1 ||
		    xsys_tcget(fd, &t) == -1)
			return (-1);
		termio_to_kterm(&tio, &t);
		return (xsys_tcset(fd, svr4tty_how(req), &t));
	case TCSBRK:
		return (svr4_break(fd, (long)arg));
	case TCXONC:
		return (svr4_flow(fd, (long)arg));
	case TCFLSH:
		return (svr4_flush(fd, (long)arg));
	}
	return (xsys_ioctl(fd, req, arg));
}
