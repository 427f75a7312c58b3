/*
 * interpose_darwin.h - on macOS, the names under which libxpty defines
 * its interposers of libc functions; elsewhere nothing.
 *
 * dyld does not let a library's definition of "read" replace libSystem's
 * (the two-level namespace binds every image to the library it linked
 * against).  It interposes instead through the tuples of a __DATA,
 * __interpose section (lib/interpose_darwin.c): {replacement, replacee}
 * pairs that dyld applies to every image but the one that declares them.
 * The replacement must not be called "read" itself, or the tuple could
 * not name libSystem's read, so lib/libxpty.c includes this header before
 * any other and its entry points are defined as xpty_darwin_<name>; the
 * prototypes of the system headers are renamed with them (their asm
 * labels follow the macro), so nothing else changes.  Only lib/libxpty.c
 * includes it: the host files call the real names.  No state.
 */
#ifndef XPTY_INTERPOSE_DARWIN_H
#define XPTY_INTERPOSE_DARWIN_H
#ifdef __APPLE__

#define close		xpty_darwin_close
#define dup		xpty_darwin_dup
#define dup2		xpty_darwin_dup2
#define fclose		xpty_darwin_fclose
#define fcntl		xpty_darwin_fcntl
#define forkpty		xpty_darwin_forkpty
#define grantpt		xpty_darwin_grantpt
#define ioctl		xpty_darwin_ioctl
#define isatty		xpty_darwin_isatty
#define login_tty	xpty_darwin_login_tty
#define open		xpty_darwin_open
#define openat		xpty_darwin_openat
#define openpty		xpty_darwin_openpty
#define posix_openpt	xpty_darwin_posix_openpt
#define ptsname		xpty_darwin_ptsname
#define ptsname_r	xpty_darwin_ptsname_r
#define read		xpty_darwin_read
#define readv		xpty_darwin_readv
#define tcgetattr	xpty_darwin_tcgetattr
#define tcsetattr	xpty_darwin_tcsetattr
#define unlockpt	xpty_darwin_unlockpt
#define write		xpty_darwin_write

#endif /* __APPLE__ */
#endif /* XPTY_INTERPOSE_DARWIN_H */
