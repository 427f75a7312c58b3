/*
 * interpose_glibc.c - the interposers of names only glibc has: its 64-bit
 * open forms (open64, openat64, fcntl64), its _FORTIFY_SOURCE forms
 * (__open_2 and the rest, __read_chk, __ptsname_r_chk, __poll_chk,
 * __ppoll_chk) and getpt.  Built on Linux only (lib/Makefile.am, SYS_LINUX:
 * the linux and bsdimit hosts), as lib/host_linux_epoll.c is; the other
 * hosts' programs never call these names.
 *
 * Theory of operation.  Each one checks what its fortified form checks
 * (calling glibc's __chk_fail, which does not return, on a caller's
 * buffer overrun) and then does what the plain entry point of
 * lib/libxpty.c or lib/lease_poll.c does: the open forms through
 * xpty_open_hook (their kind tells which next definition an unmanaged
 * path goes to), fcntl64 through xpty_fcntl_common, the rest by calling
 * the interposed plain name itself.  Exported unversioned with the rest
 * (lib/xpty.sym).
 *
 * State: none of its own.
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"

/* glibc's private and fortified names, not in its headers */
extern void __chk_fail(void) __attribute__((noreturn));
int	getpt(void);
int	open64(const char *, int, ...);
int	openat64(int, const char *, int, ...);
int	fcntl64(int, int, ...);
int	__open_2(const char *, int);
int	__open64_2(const char *, int);
int	__openat_2(int, const char *, int);
int	__openat64_2(int, const char *, int);
ssize_t	__read_chk(int, void *, size_t, size_t);
int	__ptsname_r_chk(int, char *, size_t, size_t);
int	__poll_chk(struct pollfd *, nfds_t, int, size_t);
int	__ppoll_chk(struct pollfd *, nfds_t, const struct timespec *,
	    const sigset_t *, size_t);

/* the mode argument is there only when the flags create */
#define OPEN_MODE(flags, ap) \
	((((flags) & O_CREAT) || ((flags) & O_TMPFILE) == O_TMPFILE) ? \
	    (mode_t)va_arg(ap, int) : 0)

XPTY_EXPORT int
getpt(void)
{
	return (posix_openpt(O_RDWR));
}

XPTY_EXPORT int
open64(const char *path, int flags, ...)
{
	va_list	ap;
	mode_t	mode;

	va_start(ap, flags);
	mode = OPEN_MODE(flags, ap);
	va_end(ap);
	return (xpty_open_hook(OK_OPEN64, AT_FDCWD, path, flags, mode));
}

XPTY_EXPORT int
openat64(int dirfd, const char *path, int flags, ...)
{
	va_list	ap;
	mode_t	mode;

	va_start(ap, flags);
	mode = OPEN_MODE(flags, ap);
	va_end(ap);
	return (xpty_open_hook(OK_OPENAT64, dirfd, path, flags, mode));
}

/* _FORTIFY_SOURCE forms: no mode argument (O_CREAT would have been caught). */
XPTY_EXPORT int
__open_2(const char *path, int flags)
{
	return (xpty_open_hook(OK_OPEN, AT_FDCWD, path, flags, 0));
}

XPTY_EXPORT int
__open64_2(const char *path, int flags)
{
	return (xpty_open_hook(OK_OPEN64, AT_FDCWD, path, flags, 0));
}

XPTY_EXPORT int
__openat_2(int dirfd, const char *path, int flags)
{
	return (xpty_open_hook(OK_OPENAT, dirfd, path, flags, 0));
}

XPTY_EXPORT int
__openat64_2(int dirfd, const char *path, int flags)
{
	return (xpty_open_hook(OK_OPENAT64, dirfd, path, flags, 0));
}

XPTY_EXPORT ssize_t
__read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return (read(fd, buf, len));
}

XPTY_EXPORT int
fcntl64(int fd, int cmd, ...)
{
	va_list	ap;
	long	arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return (xpty_fcntl_common(fd, cmd, arg));
}

XPTY_EXPORT int
__ptsname_r_chk(int fd, char *buf, size_t len, size_t nreal)
{
	if (nreal < len)
		__chk_fail();
	return (ptsname_r(fd, buf, len));
}

XPTY_EXPORT int
__poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return (poll(fds, n, timeout));
}

XPTY_EXPORT int
__ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
    const sigset_t *mask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return (ppoll(fds, n, ts, mask));
}
