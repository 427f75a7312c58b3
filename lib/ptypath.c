/*
 * ptypath.c - tell the host's manager allocator (/dev/ptmx) and its
 * subsidiaries (/dev/pts/N) from other paths given to the open family,
 * without ever faulting on the caller's pointer.  The names are the
 * host's (host_ptmx_paths, host_pts_prefix: lib/host.h).
 *
 * The open family hands the path to the kernel, which copies it in and
 * answers EFAULT for an address that cannot be read.  libxpty has to
 * look at the path before that (a /dev/pts/N open waits for xptyd to
 * see an earlier last close first), so it must never read a byte the
 * kernel would not: not a wild pointer, not past the terminator.
 *
 * Readability is a property of a page.  Before the first byte, and again
 * before the first byte of each further page the comparison reaches,
 * the page is probed (xsys_readable, lib/sys.h: about one system call;
 * a page is probed once however many names are compared).  Then the
 * bytes are compared one at a time, stopping at the first that differs
 * or at the terminator.  Where the probe is not allowed (a seccomp
 * policy answering ENOSYS or EPERM), a copy of one byte through
 * xpty_user_copyin() (usercopy.c) probes instead.
 *
 * No probe is needed for bytes known to be readable: this thread's
 * ptsname() buffer, which ptypath.c keeps (ptypath_namebuf: so that
 * open(ptsname(m)) reads its path directly), and the read-only data of
 * the main program and of libxpty (readable.c: path literals).  A path
 * that runs on past either is probed from there on, page by page.
 *
 * An unreadable path is "not a pty path": the open goes to libc as it
 * is, and the kernel says EFAULT.  State: the "probe usable" flag (a
 * benign race: every thread computes the same answer); the per-thread
 * ptsname() buffer (initial-exec TLS: no allocation at first use, so
 * safe in a signal handler).  Descriptors: none (it reads paths, it
 * opens nothing).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

#define PP_PAGE		4096	/* the smallest page size Linux uses */
#define PP_MAXNUM	100000000	/* larger /dev/pts numbers are not ptys */

static int probe_usable = 1;

static __thread char namebuf[HOST_PATHMAX]
    __attribute__((tls_model("initial-exec")));

/* A caller's path and the addresses of it last found readable. */
struct ppath {
	const char	*p;
	uintptr_t	 lo, hi;	/* [lo, hi) is readable */
};

char *
ptypath_namebuf(void)
{
	return (namebuf);
}

/* Can the byte at p be read?  errno preserved. */
static int
byte_readable(const char *p)
{
	int	saved = errno, ok;
	char	c;

	if (probe_usable) {
		if ((ok = xsys_readable(p)) != -1) {
			errno = saved;
			return (ok);
		}
		probe_usable = 0;	/* ENOSYS, EPERM: a seccomp policy */
	}
	ok = xpty_user_copyin(&c, p, 1) == 0;
	errno = saved;
	return (ok);
}

/* Bytes known readable from address a on, without a probe (or 0). */
static size_t
known_span(uintptr_t a)
{
	uintptr_t	buf = (uintptr_t)namebuf;

	if (a >= buf && a - buf < sizeof(namebuf))
		return (sizeof(namebuf) - (a - buf));
	return (readable_span((const void *)a));
}

/* The byte at p[i], probing its page first if need be; -1 if unreadable. */
static int
byte_at(struct ppath *pp, size_t i)
{
	uintptr_t	a = (uintptr_t)(pp->p + i);
	size_t		n;

	if (a < pp->lo || a >= pp->hi) {
		if ((n = known_span(a)) > 0) {
			pp->lo = a;
			pp->hi = a + n;
		} else if (byte_readable(pp->p + i)) {
			pp->lo = a & ~(uintptr_t)(PP_PAGE - 1);
			pp->hi = pp->lo + PP_PAGE;
		} else
			return (-1);
	}
	return ((unsigned char)pp->p[i]);
}

/* Does the path begin with s (and, if whole, end there)?  Sets *end. */
static int
match(struct ppath *pp, const char *s, int whole, size_t *end)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (byte_at(pp, i) != (unsigned char)s[i])
			return (0);
	*end = i;
	return (!whole || byte_at(pp, i) == '\0');
}

/* N at p[i...]: digits, no leading zero, then the end; -1 otherwise. */
static int
pts_number(struct ppath *pp, size_t i)
{
	long	n = 0;
	int	c, digits = 0;

	while ((c = byte_at(pp, i)) >= '0' && c <= '9') {
		if ((digits == 1 && n == 0) || n > PP_MAXNUM)
			return (-1);
		n = n * 10 + (c - '0');
		digits++;
		i++;
	}
	return (digits > 0 && c == '\0' ? (int)n : -1);
}

/*
 * PTYPATH_PTMX for one of host_ptmx_paths, PTYPATH_PTS (and the number
 * in *ptyno) for host_pts_prefix and N, else PTYPATH_NONE, also for a
 * path that cannot be read.
 */
int
ptypath_classify(const char *path, int *ptyno)
{
	struct ppath	pp = { path, 0, 0 };
	size_t		end, i;

	if (path == NULL)
		return (PTYPATH_NONE);
	for (i = 0; host_ptmx_paths[i] != NULL; i++)
		if (match(&pp, host_ptmx_paths[i], 1, &end))
			return (PTYPATH_PTMX);
	if (!match(&pp, host_pts_prefix, 0, &end) ||
	    (*ptyno = pts_number(&pp, end)) < 0)
		return (PTYPATH_NONE);
	return (PTYPATH_PTS);
}
