/*
 * ptypath.c - tell /dev/ptmx and /dev/pts/N from other paths given to
 * the open family, without ever faulting on the caller's pointer.
 *
 * The open family hands the path to the kernel, which copies it in and
 * answers EFAULT for an address that cannot be read.  libxpty has to
 * look at the path before that (a /dev/pts/N open waits for xptyd to
 * see an earlier last close first), so it must never read a byte the
 * kernel would not: not a wild pointer, not past the terminator.
 *
 * Readability is a property of a page.  Before the first byte, and again
 * before the first byte of each further page the comparison reaches,
 * the page is probed with sched_setparam(2) naming a process that cannot
 * exist (a pid above PID_MAX_LIMIT): the kernel copies the 4-byte struct
 * sched_param in before it looks the process up, so the call fails with
 * EFAULT for an unreadable address and with ESRCH otherwise, changes
 * nothing, needs no descriptor and costs about one system call.  The word
 * probed is the aligned one holding the byte, so it never reaches into
 * the next page.  Then the bytes are compared one at a time, stopping at
 * the first that differs or at the terminator.  Where the probe is not
 * allowed (a seccomp policy answering ENOSYS or EPERM), a copy of one
 * byte through xpty_user_copyin() (usercopy.c) probes instead.
 *
 * An unreadable path is "not a pty path": the open goes to libc as it
 * is, and the kernel says EFAULT.  State: the "probe usable" flag (a
 * benign race: every thread computes the same answer).
 */
#include "config.h"

#include <sys/syscall.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <unistd.h>

#include "internal.h"

#define PP_PAGE		4096	/* the smallest page size Linux uses */
#define PP_NOPID	INT_MAX	/* above PID_MAX_LIMIT: never a process */
#define PP_MAXNUM	100000000	/* larger /dev/pts numbers are not ptys */

static int probe_usable = 1;

/* Can the byte at p be read?  errno preserved. */
static int
byte_readable(const char *p)
{
	int	saved = errno, ok;
	char	c;

	if (probe_usable) {
		ok = syscall(SYS_sched_setparam, PP_NOPID,
		    (void *)((uintptr_t)p & ~(uintptr_t)3)) == -1 &&
		    errno == ESRCH;
		if (ok || errno == EFAULT) {
			errno = saved;
			return ok;
		}
		probe_usable = 0;	/* ENOSYS, EPERM: a seccomp policy */
	}
	ok = xpty_user_copyin(&c, p, 1) == 0;
	errno = saved;
	return ok;
}

/* The byte at p[i], probing its page when i starts a new one; -1 if unreadable. */
static int
byte_at(const char *p, size_t i)
{
	if (i == 0 || ((uintptr_t)(p + i) & (PP_PAGE - 1)) == 0)
		if (!byte_readable(p + i))
			return -1;
	return (unsigned char)p[i];
}

/* Does p[*i...] begin with s (and, if whole, end there)?  Advances *i. */
static int
match(const char *p, size_t *i, const char *s, int whole)
{
	int	c;

	for (; *s != '\0'; s++, (*i)++)
		if ((c = byte_at(p, *i)) != (unsigned char)*s)
			return 0;
	return !whole || byte_at(p, *i) == '\0';
}

/* "N" of /dev/pts/N: digits, no leading zero; -1 otherwise. */
static int
pts_number(const char *p, size_t i)
{
	long	n = 0;
	int	c, digits = 0;

	while ((c = byte_at(p, i)) >= '0' && c <= '9') {
		if ((digits == 1 && n == 0) || n > PP_MAXNUM)
			return -1;
		n = n * 10 + (c - '0');
		digits++;
		i++;
	}
	return digits > 0 && c == '\0' ? (int)n : -1;
}

/*
 * PTYPATH_PTMX for /dev/ptmx and /dev/pts/ptmx, PTYPATH_PTS (and the
 * number in *ptyno) for /dev/pts/N, else PTYPATH_NONE, also for a path
 * that cannot be read.
 */
int
ptypath_classify(const char *path, int *ptyno)
{
	size_t	i = 0, j;

	if (path == NULL || !match(path, &i, "/dev/pt", 0))
		return PTYPATH_NONE;
	j = i;
	if (match(path, &j, "mx", 1))
		return PTYPATH_PTMX;
	if (!match(path, &i, "s/", 0))
		return PTYPATH_NONE;
	j = i;
	if (match(path, &j, "ptmx", 1))
		return PTYPATH_PTMX;
	if ((*ptyno = pts_number(path, i)) < 0)
		return PTYPATH_NONE;
	return PTYPATH_PTS;
}
