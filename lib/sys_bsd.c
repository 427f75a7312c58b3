/*
 * sys_bsd.c - the lib/sys.h calls that FreeBSD, NetBSD and macOS make
 * alike, shared by sys_freebsd.c, sys_netbsd.c and sys_darwin.c: the
 * termios (struct kterm is the kernel's, and libc's, struct termios
 * there: lib/sys_bsd.h), moved with TIOCGETA and the TIOCSETA family
 * through each host's raw xsys_ioctl, and ftruncate.
 *
 * No state, no descriptors of its own; errno is whatever the kernel
 * says.  Cross-built for FreeBSD
 * 14, NetBSD 10 and macOS; not yet run there.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
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
