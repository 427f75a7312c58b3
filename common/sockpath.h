/*
 * sockpath.h - where xptyd's socket lives, and the safety checks on its
 * directory.  Shared by the library (lib/relay.c) and the daemon.
 *
 * Theory of operation.  The directory is, in order of preference,
 * $XPTY_RUNDIR, $XDG_RUNTIME_DIR/xpty, or /tmp/xpty-UID.  It is checked
 * (xp_checkdir, the rule is below) before anything is done with it, and
 * created with mode 0700 if missing.  The socket inside it is named
 * XP_SOCKNAME, which carries the protocol version, so that a library and
 * a daemon of different versions never talk to each other.  The lock
 * file used to start the daemon race-free is the socket path plus
 * ".lock".
 *
 * The name that marks the daemon's end of a data connection is the
 * host's (host_mark_bind, lib/host.h).
 *
 * These helpers are static inline, allocate nothing, use no stdio and
 * little stack (under 1 KiB: lib/internal.h's budget), so the preloaded
 * library may call them from any context.  No state.
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
 * ---- checking the directory ----
 * The rule (the library applies it before it connects, creates anything
 * or starts a daemon; the daemon before it binds or uses the socket):
 *
 *   1. The path is absolute.  It is walked from "/" one component at a
 *      time with lstat(); a symbolic link is followed only if root or
 *      the user owns it (its directory has passed rule 2, so nobody else
 *      can replace it), and what it points to is walked in turn (at most
 *      XP_MAXLINKS links).  The result, with no link left, is the path
 *      used for the socket and the lock file.
 *   2. Every directory above the run directory is owned by root or the
 *      user, and is not writable by group or others unless it has the
 *      sticky bit (as /tmp has: others may add names there, but not
 *      rename or remove the user's).
 *   3. The run directory itself is a directory owned by the user with no
 *      permission for group or others (mode 0700).  If it does not
 *      exist it is created (mode 0700) when the caller asks, and then
 *      checked like an existing one: a name another user made first in a
 *      shared directory such as /tmp is refused, not used.
 *
 * This is OpenSSH's rule for the directories above a file that must be
 * private (they are checked in auth.c's safe_path) with /tmp's sticky bit
 * allowed, and tmux's for its own socket directory.
 */
#define XP_MAXLINKS	8

/* why = the path, what was wrong, and the owner and mode found. */
static inline void
xp_why(char *why, size_t whylen, const char *path, const char *what,
    const struct stat *st)
{
	char	m[5];

	why[0] = '\0';
	xp_append(why, whylen, path);
	xp_append(why, whylen, what);
	if (st == NULL)
		return;
	xp_append(why, whylen, " (owner uid ");
	xp_append_uint(why, whylen, (unsigned long)st->st_uid);
	m[0] = (char)('0' + ((st->st_mode >> 9) & 7));
	m[1] = (char)('0' + ((st->st_mode >> 6) & 7));
	m[2] = (char)('0' + ((st->st_mode >> 3) & 7));
	m[3] = (char)('0' + (st->st_mode & 7));
	m[4] = '\0';
	xp_append(why, whylen, ", mode ");
	xp_append(why, whylen, m);
	xp_append(why, whylen, ")");
}

/* Rule 2 for a directory above the run directory: NULL if it holds. */
static inline const char *
xp_above_bad(const struct stat *st)
{
	if (!S_ISDIR(st->st_mode))
		return (" is not a directory");
	if (st->st_uid != 0 && st->st_uid != getuid())
		return (" belongs to another user");
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (st->st_mode & S_ISVTX) == 0)
		return (" is writable by others and not sticky");
	return (NULL);
}

/*
 * path[0..at) is a symbolic link (st): put what it points to in its
 * place in path (size len).  -1 with why set if it may not be followed.
 */
static inline int
xp_splice_link(char *path, size_t len, size_t at, const struct stat *st,
    char *why, size_t whylen)
{
	char	target[XP_PATHMAX], rest[XP_PATHMAX], c = path[at];
	size_t	start;
	ssize_t	n;

	path[at] = '\0';
	if (st->st_uid != 0 && st->st_uid != getuid()) {
		xp_why(why, whylen, path, " is a link another user owns", st);
		errno = EACCES;
		return (-1);
	}
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0) {
		xp_why(why, whylen, path, ": cannot read the link", NULL);
		return (-1);
	}
	path[at] = c;
	target[n] = '\0';
	rest[0] = '\0';
	if (c == '/' && xp_append(rest, sizeof(rest), path + at) == -1)
		goto toolong;
	for (start = at; start > 0 && path[start - 1] != '/'; start--)
		;
	path[target[0] == '/' ? 0 : start] = '\0';
	if (xp_append(path, len, target) == -1 ||
	    xp_append(path, len, rest) == -1)
		goto toolong;
	return (0);

toolong:
	xp_why(why, whylen, "the resolved run directory", " is too long", NULL);
	errno = ENAMETOOLONG;
	return (-1);
}

/*
 * Rules 1 and 2: walk path (resolving it in place, size len) down to its
 * last component.  0 with *leaf filled by lstat of the last component
 * (*missing set if it does not exist), or -1 with errno and why.
 */
static inline int
xp_walk(char *path, size_t len, struct stat *leaf, int *missing, char *why,
    size_t whylen)
{
	struct stat	 st;
	const char	*bad;
	size_t		 at = 0, end;
	int		 links = 0, last;

	if (path[0] != '/') {
		xp_why(why, whylen, path, " is not an absolute path", NULL);
		errno = EINVAL;
		return (-1);
	}
	while ((end = strlen(path)) > 1 && path[end - 1] == '/')
		path[end - 1] = '\0';
	if (lstat("/", &st) == -1 || (bad = xp_above_bad(&st)) != NULL) {
		xp_why(why, whylen, "/", " is not safe", NULL);
		errno = EACCES;
		return (-1);
	}
	for (;;) {
		/* path[0..at) has passed; the next component ends at end */
		for (end = at + 1; path[end] != '\0' && path[end] != '/'; end++)
			;
		last = path[end] == '\0';
		path[end] = '\0';
		if (lstat(path, &st) == -1) {
			if (last && errno == ENOENT) {
				*missing = 1;
				return (0);
			}
			xp_why(why, whylen, path, ": cannot look at it", NULL);
			return (-1);
		}
		if (!last)
			path[end] = '/';
		if (S_ISLNK(st.st_mode)) {
			if (++links > XP_MAXLINKS) {
				xp_why(why, whylen, path, ": too many links",
				    NULL);
				errno = ELOOP;
				return (-1);
			}
			if (xp_splice_link(path, len, end, &st, why,
			    whylen) == -1)
				return (-1);
			at = 0;		/* walk what it points to from "/" */
			continue;
		}
		if (last) {
			*leaf = st;
			*missing = 0;
			return (0);
		}
		if ((bad = xp_above_bad(&st)) != NULL) {
			path[end] = '\0';
			xp_why(why, whylen, path, bad, &st);
			path[end] = '/';
			errno = EACCES;
			return (-1);
		}
		at = end;
	}
}

/*
 * Check the run directory dir by the rules above, creating it (mode
 * 0700) if it is missing and create is set.  0 with its resolved path in
 * canon (size canonlen); else -1 with errno (EACCES: it is not safe) and
 * a human-readable cause in why, naming the owner and mode found so that
 * the user can act on it.
 */
static inline int
xp_checkdir(const char *dir, char *canon, size_t canonlen, int create,
    char *why, size_t whylen)
{
	struct stat	st;
	int		missing, e;

	why[0] = '\0';
	canon[0] = '\0';
	if (xp_append(canon, canonlen, dir) == -1) {
		xp_why(why, whylen, "the run directory", " is too long", NULL);
		errno = ENAMETOOLONG;
		return (-1);
	}
	if (xp_walk(canon, canonlen, &st, &missing, why, whylen) == -1)
		return (-1);
	if (missing) {
		if (!create) {
			xp_why(why, whylen, canon, " does not exist", NULL);
			errno = ENOENT;
			return (-1);
		}
		if (mkdir(canon, 0700) == -1 && errno != EEXIST) {
			e = errno;
			xp_why(why, whylen, canon, ": cannot create it", NULL);
			errno = e;
			return (-1);
		}
		if (lstat(canon, &st) == -1) {
			xp_why(why, whylen, canon, ": cannot look at it", NULL);
			return (-1);
		}
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0) {
		xp_why(why, whylen, canon, !S_ISDIR(st.st_mode) ?
		    " is not a directory" : st.st_uid != getuid() ?
		    " belongs to another user" :
		    " is open to group or others", &st);
		xp_append(why, whylen, "; expected a directory of uid ");
		xp_append_uint(why, whylen, (unsigned long)getuid());
		xp_append(why, whylen, " with mode 0700");
		errno = EACCES;
		return (-1);
	}
	return (0);
}

#endif /* XPTY_SOCKPATH_H */
