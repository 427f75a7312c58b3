/*
 * host_darwin.c - lib/host.h on macOS: the pty operations where xnu is
 * itself, descriptor enumeration, the state page, the executable and
 * the detached spawn.  What the BSD hosts share is in host_bsd_pty.c and
 * host_bsd_os.c.
 *
 * Theory of operation.
 *   allocation   /dev/ptmx (tty_ptmx.c).  A new pty is locked: opening
 *                its subsidiary fails with EAGAIN, illumos's errno, until
 *                TIOCPTYUNLK (HOST_CAP_LOCK).  There is no relock and no
 *                query: host_set_lock(1) fails with EINVAL and
 *                host_is_locked with ENOSYS.
 *   naming       the subsidiary is /dev/ttysNNN, at least three digits;
 *                TIOCPTYGNAME on the manager gives that path (128 bytes).
 *                lib/host.h's host_pts_prefix contract has N without
 *                leading zeros, which is not macOS's name for N < 100
 *                (the team's host-requests.md).
 *   grant        TIOCPTYGRANT on the manager makes the node the real
 *                uid's, group tty, mode 0620 in the kernel; host_grant
 *                has no manager to ask, so it does what an unprivileged
 *                process can by the path (darwin_grant_manager is the
 *                kernel's way, for when it gets one).
 *   classify     TIOCPTYGNAME answers only on a manager; a subsidiary is
 *                a character device whose /dev/ttys<minor> node has the
 *                same device number (checked with lstat).
 *   hangup       a manager read returns 0 after the last subsidiary
 *                close (host_bsd_pty.c).  poll(2) does not work on ttys,
 *                and lib/sys.h's xsys_poll is select underneath, which has
 *                no POLLHUP: a manager that selects readable with nothing
 *                in its output queue (TIOCOUTQ 0) is taken as hung up (a
 *                pending packet-mode status byte looks the same: the
 *                caller's read tells).  A subsidiary whose manager closed
 *                loses its carrier and reads 0.
 *   reopen       no kernel notice: no HOST_CAP_WATCH, callers poll
 *                host_mgr_hup on a timer.
 *   descriptors  proc_pidinfo(PROC_PIDLISTFDS) into a 2 KiB stack buffer
 *                (256 descriptors); when that is full, fcntl(F_GETFD)
 *                probes up to getdtablesize().
 *   page         no anonymous shared memory: bsd_shm_anon.
 *   executable   _NSGetExecutablePath, then stat (it may be a symlink).
 *   spawn        no way to start a process that sends no SIGCHLD: a
 *                double fork.  The middle process exits at once and is
 *                reaped here; its SIGCHLD stays pending while every
 *                signal is blocked and reaches the application after the
 *                reap, which finds no child for it (one spurious SIGCHLD
 *                per daemon start, a documented difference).
 *
 * Raw system calls (lib/sys.h) and libc's proc_pidinfo, fork, execve;
 * async-signal-safe except host_spawn_detached.  Descriptors made here
 * belong to the caller.  Cross-built for macOS; not yet run there.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <libproc.h>
#include <mach-o/dyld.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "host_bsd.h"
#include "host_unix.h"
#include "sys.h"

#define PTS_PREFIX	"/dev/ttys"
#define PTS_DIGITS	3		/* ttys000 */
#define GNAME_LEN	128		/* TIOCPTYGNAME's buffer */

_Static_assert(TIOCPTYGNAME == _IOC(IOC_OUT, 't', 83, GNAME_LEN),
    "TIOCPTYGNAME fills 128 bytes");

const unsigned host_caps = HOST_CAP_LOCK | HOST_CAP_OPEN_RESETS;
const char host_name[] = "darwin";
const char *const host_ptmx_paths[] = { "/dev/ptmx", NULL };
const char host_pts_prefix[] = PTS_PREFIX;

/* ---- allocation and naming ---- */

int
host_open_manager(int oflag)
{
	return (unix_open_ptmx(oflag));
}

int
host_ptyno(int mfd)
{
	char	name[GNAME_LEN];
	int	n;

	if (xsys_ioctl(mfd, TIOCPTYGNAME, name) == -1)
		return (-1);
	name[sizeof(name) - 1] = '\0';
	if ((n = bsd_pty_number(name, PTS_PREFIX)) == -1)
		errno = ENOTTY;
	return (n);
}

int
host_pts_path(int ptyno, char *buf, size_t len)
{
	return (bsd_pty_name(PTS_PREFIX, PTS_DIGITS, ptyno, buf, len));
}

/* ---- lock and grant ---- */

int
host_set_lock(int mfd, int locked)
{
	if (locked) {
		errno = EINVAL;		/* xnu cannot lock again */
		return (-1);
	}
	return (xsys_ioctl(mfd, TIOCPTYUNLK, NULL));
}

int
host_is_locked(int mfd)
{
	(void)mfd;
	errno = ENOSYS;
	return (-1);
}

int
host_open_locked_errno(int e)
{
	return (e == EAGAIN);
}

/* The kernel's grantpt, for when host_grant is given the manager. */
static int __attribute__((unused))
darwin_grant_manager(int mfd)
{
	return (xsys_ioctl(mfd, TIOCPTYGRANT, NULL));
}

int
host_grant(int ptyno)
{
	return (bsd_grant_path(ptyno, 1));
}

/* ---- classify ---- */

int
host_classify(int fd, int *ptyno)
{
	return (bsd_classify_node(fd, ptyno));
}

/* ---- hangup ---- */

int
host_mgr_hup(int mfd)
{
	struct pollfd	pfd = { .fd = mfd, .events = POLLIN };
	int		queued = 0;

	if (xsys_poll(&pfd, 1, 0) == -1)
		return (-1);
	if (!(pfd.revents & POLLIN))
		return (0);
	if (xsys_ioctl(mfd, TIOCOUTQ, &queued) == -1)
		return (-1);
	return (queued == 0);
}

int
host_subsid_read_hup(int fd, int e)
{
	(void)fd;
	(void)e;
	return (0);
}

/* ---- the reopen watch: none (host_nowatch.c) ---- */

/* ---- descriptors, page, executable ---- */

int
host_fd_walk(int (*fn)(int, void *), void *arg)
{
	struct proc_fdinfo	fds[2048 / sizeof(struct proc_fdinfo)];
	int			n, i;

	n = proc_pidinfo(xsys_getpid(), PROC_PIDLISTFDS, 0, fds,
	    (int)sizeof(fds));
	if (n <= 0)
		return (-1);
	if ((size_t)n >= sizeof(fds)) {
		bsd_fd_probe(getdtablesize(), -1, fn, arg);
		return (0);
	}
	for (i = 0; i < n / (int)sizeof(fds[0]); i++)
		if (fn(fds[i].proc_fd, arg) != 0)
			break;
	return (0);
}

int
host_page_create(void)
{
	return (bsd_shm_anon());
}

int
host_self_exe(struct stat *st)
{
	char		path[PATH_MAX];
	uint32_t	len = sizeof(path);

	if (_NSGetExecutablePath(path, &len) != 0) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (stat(path, st));
}

/* ---- the detached spawn ---- */

int
host_spawn_detached(const char *path, char *const argv[], char *const envp[],
    int fd3)
{
	sigset_t	all, saved;
	pid_t		pid, real, r;
	int		st = 0, e;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	if ((pid = fork()) == 0) {
		if ((real = fork()) == 0)
			bsd_spawn_exec(path, argv, envp, fd3);
		_exit(real == -1 ? 127 : 0);
	}
	e = errno;
	if (pid != -1)
		while ((r = waitpid(pid, &st, 0)) == -1 && errno == EINTR)
			;
	else
		r = -1;
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (pid == -1) {
		errno = e;
		return (-1);
	}
	if (r == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		errno = EAGAIN;
		return (-1);
	}
	return (0);
}
