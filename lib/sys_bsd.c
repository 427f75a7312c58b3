/*
 * sys_bsd.c - the lib/sys.h calls that FreeBSD, NetBSD and macOS make
 * alike, shared by sys_freebsd.c, sys_netbsd.c and sys_darwin.c: the
 * termios (struct kterm is the kernel's, and libc's, struct termios
 * there: lib/sys_bsd.h), moved with TIOCGETA and the TIOCSETA family
 * through each host's raw xsys_ioctl, the queue flush (TIOCFLUSH), the
 * drain and the flow control (TIOCDRAIN, TIOCSTOP, TIOCSTART) and
 * ftruncate.
 *
 * No state, no descriptors of its own; errno is whatever the kernel
 * says.  Cross-built for FreeBSD
 * 14, NetBSD 10 and macOS; not yet run there.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/file.h>		/* FREAD, FWRITE */
#include <errno.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sys.h"

int
xsys_tcget(int fd, struct kterm *t)
{
	return (xsys_ioctl(fd, TIOCGETA, t));
}

int
xsys_tcset(int fd, unsigned long how, const struct kterm *t)
{
	return (xsys_ioctl(fd, how, (void *)t));
}

/* TIOCFLUSH takes the queues as FREAD and FWRITE bits */
int
xsys_tcflush(int fd, int queue)
{
	int	what;

	switch (queue) {
	case TCIFLUSH:
		what = FREAD;
		break;
	case TCOFLUSH:
		what = FWRITE;
		break;
	case TCIOFLUSH:
		what = FREAD | FWRITE;
		break;
	default:
		errno = EINVAL;
		return (-1);
	}
	return (xsys_ioctl(fd, TIOCFLUSH, &what));
}

int
xsys_tcdrain(int fd)
{
	return (xsys_ioctl(fd, TIOCDRAIN, NULL));
}

/* TIOCSTOP, TIOCSTART; the input side sends the termios's STOP or START */
int
xsys_tcflow(int fd, int action)
{
	struct kterm	t;
	cc_t		c;

	switch (action) {
	case TCOOFF:
		return (xsys_ioctl(fd, TIOCSTOP, NULL));
	case TCOON:
		return (xsys_ioctl(fd, TIOCSTART, NULL));
	case TCIOFF:
	case TCION:
		if (xsys_tcget(fd, &t) == -1)
			return (-1);
		c = t.c_cc[action == TCIOFF ? VSTOP : VSTART];
		if (c == _POSIX_VDISABLE)
			return (0);
		return (xsys_write(fd, &c, 1) == 1 ? 0 : -1);
	}
	errno = EINVAL;
	return (-1);
}

int
xsys_ftruncate(int fd, off_t len)
{
	return (ftruncate(fd, len));
}

void
xsys_kterm_to_termios(const struct kterm *k, struct termios *t)
{
	memcpy(t, k, sizeof(*t));
}
