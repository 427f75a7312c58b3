/*
 * host_bsd.h - what the BSD host files (host_freebsd.c, host_netbsd.c,
 * host_darwin.c) share beyond lib/host.h: the pieces of naming and of
 * the kqueue that they build their operations from.  Implemented in
 * host_bsd_pty.c and host_bsd_os.c; private to those files (generic code
 * includes only lib/host.h).  Same contract as lib/host.h: raw system
 * calls, async-signal-safe, no allocation; no state.
 */
#ifndef XPTY_HOST_BSD_H
#define XPTY_HOST_BSD_H

#include <stddef.h>

/*
 * prefix and ptyno in decimal, at least width digits (macOS's ttys000
 * has 3, /dev/pts/N none), into buf: the length, or -1/ERANGE, -1/EINVAL
 * for a negative ptyno (host_pts_path's contract).
 */
int	bsd_pty_name(const char *prefix, int width, int ptyno, char *buf,
	    size_t len);

/* The number after prefix in path, if path is prefix and digits; else -1. */
int	bsd_pty_number(const char *path, const char *prefix);

/*
 * host_grant by the path, as an unprivileged process can: the node must
 * be the real uid's (else -1/EACCES); with setmode, it is given mode
 * 0620 if it has another.  errno is kept on success.
 */
int	bsd_grant_path(int ptyno, int setmode);

/*
 * host_classify where only a manager answers a naming request
 * (host_ptyno): a subsidiary is a character device whose host_pts_path
 * node, for its minor number, has the same device number (lstat, so no
 * other device passes).  host_classify's contract.
 */
int	bsd_classify_node(int fd, int *ptyno);

/* A new kqueue, close-on-exec (kqueues are never inherited by fork). */
int	bsd_kqueue(void);

/*
 * In the detached spawn's real process: descriptors 0-2 on /dev/null, fd3
 * on 3, then execve; _exit(127) if any of it fails.  Does not return.
 */
void	bsd_spawn_exec(const char *path, char *const argv[],
	    char *const envp[], int fd3) __attribute__((noreturn));

/*
 * One kevent change on a new or given kqueue, with no wait for events:
 * 0, or -1/errno.
 */
int	bsd_kevent_add(int kq, int ident, int filter, unsigned fflags,
	    long id);

/*
 * fn(fd, arg) for each descriptor below top that fcntl(F_GETFD) finds
 * open, from 0 up, until fn returns nonzero or want were found (want < 0:
 * no count known).  host_fd_walk's loop where the host lists none.
 */
void	bsd_fd_probe(int top, int want, int (*fn)(int, void *), void *arg);

/*
 * An anonymous shared-memory object where the host has no memfd: a POSIX
 * one with a name made of the pid and a counter, created exclusively
 * (mode 0600) and unlinked at once, close-on-exec.  -1/errno.
 */
int	bsd_shm_anon(void);

#endif /* XPTY_HOST_BSD_H */
