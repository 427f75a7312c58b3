/*
 * compat.h - what a host's libc may not declare or define, for the
 * interposers of lib/libxpty.c: the BSD pty functions' header (pty.h,
 * util.h or libutil.h, utmp.h, as configure found them), prototypes of
 * interposed names a host does not declare (configure's HAVE_DECL_
 * probes: openpty's const-ness is XPTY_OPENPTY_CONST), and flags some
 * hosts lack, given values that never match (CLOSE_RANGE_CLOEXEC,
 * O_TMPFILE).  As tmux's compat.h, one place for the gaps, so that the
 * generic code has no host #ifdef of its own.  Definitions only.
 */
#ifndef XPTY_COMPAT_H
#define XPTY_COMPAT_H

#include <sys/types.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>

/* openpty, forkpty, login_tty: where the host declares them */
#ifdef HAVE_PTY_H
#include <pty.h>
#endif
#ifdef HAVE_UTMP_H
#include <utmp.h>
#endif
#ifdef HAVE_LIBUTIL_H
#include <libutil.h>
#endif
#ifdef HAVE_UTIL_H
#include <util.h>
#endif

/* the interposed names a host does not declare (configure's probes) */
#if !HAVE_DECL_OPENPTY
int	openpty(int *, int *, char *, XPTY_OPENPTY_CONST struct termios *,
	    XPTY_OPENPTY_CONST struct winsize *);
#endif
#if !HAVE_DECL_FORKPTY
pid_t	forkpty(int *, char *, XPTY_OPENPTY_CONST struct termios *,
	    XPTY_OPENPTY_CONST struct winsize *);
#endif
#if !HAVE_DECL_LOGIN_TTY
int	login_tty(int);
#endif
#if !HAVE_DECL_CLOSE_RANGE
int	close_range(unsigned int, unsigned int, int);
#endif
#if !HAVE_DECL_CLOSEFROM
void	closefrom(int);
#endif
#if !HAVE_DECL_DUP3
int	dup3(int, int, int);
#endif
#if !HAVE_DECL_FILENO_UNLOCKED
#define fileno_unlocked	fileno
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC	0	/* no such flag: never set */
#endif
/* O_TMPFILE creates, and so takes a mode, where the host has it */
#ifdef O_TMPFILE
#define OPEN_TMPFILE(flags)	(((flags) & O_TMPFILE) == O_TMPFILE)
#else
#define OPEN_TMPFILE(flags)	0
#endif

#endif /* XPTY_COMPAT_H */
