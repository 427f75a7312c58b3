/*
 * sockpath.h - where xptyd's socket lives, and the safety checks on its
 * directory.  Shared by the library (lib/relay.c) and the daemon.
 *
 * Theory of operation.  The directory is, in order of preference,
 * $XPTY_RUNDIR, $XDG_RUNTIME_DIR/xpty, or /tmp/xpty-UID.  It is created
 * with mode 0700 (an existing one is fine) and then checked with lstat():
 * it must be a real directory (not a symbolic link), owned by getuid(),
 * with no group or other permission bits.  The socket inside it is named
 * XP_SOCKNAME, which carries the protocol version, so that a library and
 * a daemon of different versions never talk to each other.  The lock
 * file used to start the daemon race-free is the socket path plus
 * ".lock".
 *
 * The name that marks the daemon's end of a data connection is the
 * host's (host_mark_bind, lib/host.h).
 *
 * These helpers are static inline, allocate nothing and use no stdio, so
 * the preloaded library may call them from any context.  No state.
 */
#ifndef XPTY_SOCKPATH_H
#define XPTY_SOCKPATH_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"

#define XP_PATHMAX	sizeof(((struct sockaddr_un *)0)->sun_path)

/* Append s to buf (size len); -1 if it does not fit. */
static inline int
xp_append(char *buf, size_t len, const char *s)
{
	size_t	have = strlen(buf), add = strlen(s);

	if (have + add + 1 > len)
		return (-1);
	memcpy(buf + have, s, add + 1);
	return (0);
}

/* Append the decimal form of v to buf. */
static inline int
xp_append_uint(char *buf, size_t len, unsigned long v)
{
	char	tmp[24], *p = tmp + sizeof(tmp) - 1;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return (xp_append(buf, len, p));
}

/* Fill buf with the socket directory's path; -1/ENAMETOOLONG. */
static inline int
xp_rundir(char *buf, size_t len)
{
	const char	*e;
	int		 bad;

	buf[0] = '\0';
	if ((e = getenv("XPTY_RUNDIR")) != NULL && *e != '\0')
		bad = xp_append(buf, len, e);
	else if ((e = getenv("XDG_RUNTIME_DIR")) != NULL && *e == '/')
		bad = xp_append(buf, len, e) || xp_append(buf, len, "/xpty");
	else
		bad = xp_append(buf, len, "/tmp/xpty-") ||
		    xp_append_uint(buf, len, (unsigned long)getuid());
	if (bad) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

/* Fill buf with dir/XP_SOCKNAME (and suffix, e.g. ".lock", if not NULL). */
static inline int
xp_sockpath(char *buf, size_t len, const char *dir, const char *suffix)
{
	buf[0] = '\0';
	if (xp_append(buf, len, dir) || xp_append(buf, len, "/") ||
	    xp_append(buf, len, XP_SOCKNAME) ||
	    (suffix != NULL && xp_append(buf, len, suffix))) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

/*
 * Create dir (0700) if needed and check it.  On failure returns -1 with
 * errno set and a human-readable cause in why (naming the owner and the
 * mode found, so that the user can act on it).
 */
static inline int
xp_checkdir(const char *dir, char *why, size_t whylen)
{
	struct stat	 st;
	const char	*what = NULL;
	int		 e;

	why[0] = '\0';
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		e = errno;
		xp_append(why, whylen, "cannot create ");
		xp_append(why, whylen, dir);
		xp_append(why, whylen, ": ");
		xp_append(why, whylen, strerror(e));
		errno = e;
		return (-1);
	}
	if (lstat(dir, &st) == -1) {
		e = errno;
		xp_append(why, whylen, dir);
		xp_append(why, whylen, ": ");
		xp_append(why, whylen, strerror(e));
		errno = e;
		return (-1);
	}
	if (!S_ISDIR(st.st_mode))
		what = " is not a directory (or is a symbolic link)";
	else if (st.st_uid != getuid())
		what = " has the wrong owner";
	else if ((st.st_mode & 077) != 0)
		what = " is accessible to group or others";
	if (what == NULL)
		return (0);
	xp_append(why, whylen, dir);
	xp_append(why, whylen, what);
	xp_append(why, whylen, " (owner uid ");
	xp_append_uint(why, whylen, (unsigned long)st.st_uid);
	xp_append(why, whylen, ", mode 0");
	{
		char	m[8];

		m[0] = (char)('0' + ((st.st_mode >> 6) & 7));
		m[1] = (char)('0' + ((st.st_mode >> 3) & 7));
		m[2] = (char)('0' + (st.st_mode & 7));
		m[3] = '\0';
		xp_append(why, whylen, m);
	}
	xp_append(why, whylen, "; expected a directory owned by uid ");
	xp_append_uint(why, whylen, (unsigned long)getuid());
	xp_append(why, whylen, " with mode 0700)");
	errno = EACCES;
	return (-1);
}

#endif /* XPTY_SOCKPATH_H */
