/*
 * host_freebsd.c - lib/host.h on FreeBSD 14: the pty operations where
 * FreeBSD is itself, descriptor enumeration, the state page, the
 * executable and the detached spawn.  What the BSD hosts share is in
 * host_bsd_pty.c and host_bsd_os.c.
 *
 * Theory of operation.
 *   allocation   posix_openpt(2) is a system call here (tty_pts.c's
 *                sys_posix_openpt), taking only O_RDWR, O_NOCTTY and
 *                O_CLOEXEC; O_NONBLOCK is set afterwards.  /dev/ptmx
 *                (pty(4)) is the same allocator under a path.
 *   naming       the subsidiary is /dev/pts/N; TIOCGPTN on the manager
 *                gives N; FIODGNAME on a subsidiary gives "pts/N".
 *   lock         none: a new pty can be opened at once, so the generic
 *                code emulates the lock (no HOST_CAP_LOCK).
 *   grant        none needed: the kernel makes /dev/pts/N owned by the
 *                allocating real uid, group tty, mode 0620; host_grant
 *                checks that it is so.
 *   classify     fstat of a manager reports the subsidiary's st_rdev, so
 *                device numbers cannot tell the sides apart: TIOCPTMASTER
 *                succeeds only on a manager, FIODGNAME's "pts/" only on a
 *                subsidiary.
 *   hangup       a manager read returns 0 after the last subsidiary
 *                close (host_bsd_pty.c) and poll shows POLLIN|POLLHUP; a
 *                subsidiary whose manager has closed is gone: its calls
 *                fail with ENXIO (ttydev_enter), which is its hangup.
 *   reopen       kqueue EVFILT_VNODE NOTE_OPEN on an O_PATH descriptor
 *                of /dev/pts/N (FreeBSD 14: O_PATH descriptors take
 *                vnode filters, and an O_PATH open is no open of the
 *                device).  A watch set is a kqueue; a watch id is the
 *                O_PATH descriptor (moved to 200 and up, libxpty's
 *                private range, lib/internal.h), which the set's knote
 *                needs open and host_watch_rm closes.  kqueues are not
 *                inherited across fork: a child must open its own set.
 *   descriptors  sysctl KERN_PROC_NFDS counts this process's descriptors
 *                and fcntl(F_GETFD) finds them from 0 up, until all were
 *                seen or getdtablesize() is reached.  KERN_PROC_FILEDESC
 *                would list them, but as packed records of about 1 KiB
 *                each (paths included) that cannot be read in pieces:
 *                the 2 KiB stack buffer of the contract holds one or two.
 *   page         memfd_create(2) (an anonymous shared-memory object).
 *   executable   sysctl KERN_PROC_PATHNAME, then lstat of that path (the
 *                kernel's name is already resolved).
 *   spawn        rfork(RFPROC | RFFDG | RFTSIGZMB) with exit signal 0:
 *                the application gets no SIGCHLD and its wait() never
 *                sees the process (only WLINUXCLONE reaps it, which we
 *                use); it rforks the real process (a plain one: it
 *                signals nobody, its parent is gone) and exits.  rfork,
 *                not fork, so that no atfork handler of the application
 *                runs; every signal stays blocked from before the rfork
 *                to the exec.
 *
 * Raw system calls (lib/sys.h) and libc's sysctl, rfork, execve; no
 * allocation; async-signal-safe except host_spawn_detached.  Descriptors
 * made here belong to the caller, but a watch's O_PATH descriptor
 * belongs to its set's owner through the id.  Cross-built for FreeBSD
 * 14; not yet run there.
 */
#include "config.h"

#include <sys/param.h>
#include <sys/event.h>
#include <sys/filio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

#define PTS_PREFIX	"/dev/pts/"
#define DEV_PREFIX	"/dev/"
#define WATCH_FDMIN	XPTY_PRIVATE_FDMIN	/* lib/sys.h */

const unsigned host_caps = HOST_CAP_OPEN_RESETS | HOST_CAP_WATCH;
const char host_name[] = "freebsd";
const char *const host_ptmx_paths[] = { "/dev/ptmx", NULL };
const char host_pts_prefix[] = PTS_PREFIX;

/* ---- allocation and naming ---- */

int
host_open_manager(int oflag)
{
	int	fd, fl, saved;

	fd = (int)syscall(SYS_posix_openpt,
	    O_RDWR | O_NOCTTY | (oflag & O_CLOEXEC));
	if (fd == -1 || !(oflag & O_NONBLOCK))
		return (fd);
	if ((fl = xsys_fcntl(fd, F_GETFL, 0)) == -1 ||
	    xsys_fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		saved = errno;
		xsys_close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

int
host_ptyno(int mfd)
{
	int	n;

	if (xsys_ioctl(mfd, TIOCGPTN, &n) == -1)
		return (-1);
	return (n);
}

int
host_pts_path(int ptyno, char *buf, size_t len)
{
	return (bsd_pty_name(PTS_PREFIX, 0, ptyno, buf, len));
}

/* ---- lock (host_nolock.c) and grant ---- */

int
host_grant(int ptyno)
{
	return (bsd_grant_path(ptyno, 0));	/* the kernel made it 0620 */
}

/* ---- classify ---- */

/* The pty number of subsidiary fd (FIODGNAME "pts/N"), or -1. */
static int
subsid_number(int fd)
{
	struct fiodgname_arg	arg;
	char			name[SPECNAMELEN + 1 + sizeof(DEV_PREFIX)];

	memcpy(name, DEV_PREFIX, sizeof(DEV_PREFIX) - 1);
	arg.len = (int)(sizeof(name) - (sizeof(DEV_PREFIX) - 1));
	arg.buf = name + sizeof(DEV_PREFIX) - 1;
	if (xsys_ioctl(fd, FIODGNAME, &arg) == -1)
		return (-1);
	name[sizeof(name) - 1] = '\0';
	return (bsd_pty_number(name, PTS_PREFIX));
}

int
host_classify(int fd, int *ptyno)
{
	struct stat	st;
	int		n;

	if (xsys_fstat(fd, &st) == -1)
		return (HOST_NONE);
	errno = 0;
	if (!S_ISCHR(st.st_mode))
		return (HOST_NONE);
	if (xsys_ioctl(fd, TIOCPTMASTER, NULL) == 0) {
		if ((n = host_ptyno(fd)) == -1) {
			errno = 0;
			return (HOST_NONE);
		}
		if (ptyno != NULL)
			*ptyno = n;
		return (HOST_MANAGER);
	}
	if ((n = subsid_number(fd)) == -1) {
		errno = 0;
		return (HOST_NONE);
	}
	if (ptyno != NULL)
		*ptyno = n;
	return (HOST_SUBSID);
}

/* ---- hangup ---- */

int
host_mgr_hup(int mfd)
{
	return (unix_poll_hup(mfd));
}

int
host_subsid_read_hup(int fd, int e)
{
	(void)fd;
	return (e == ENXIO);
}

/* ---- the reopen watch: NOTE_OPEN on an O_PATH descriptor ---- */

int
host_watch_open(void)
{
	return (bsd_kqueue());
}

int
host_watch_add(int wfd, int ptyno)
{
	char	path[HOST_PATHMAX];
	int	pfd, id, saved;

	if (host_pts_path(ptyno, path, sizeof(path)) == -1)
		return (-1);
	pfd = xsys_openat(AT_FDCWD, path, O_PATH | O_CLOEXEC, 0);
	if (pfd == -1)
		return (-1);
	if ((id = xsys_fcntl(pfd, F_DUPFD_CLOEXEC, WATCH_FDMIN)) == -1)
		id = pfd;
	else
		xsys_close(pfd);
	if (bsd_kevent_add(wfd, id, EVFILT_VNODE, NOTE_OPEN, id) == -1) {
		saved = errno;
		xsys_close(id);
		errno = saved;
		return (-1);
	}
	return (id);
}

void
host_watch_rm(int wfd, int id)
{
	int	saved = errno;

	(void)wfd;
	xsys_close(id);		/* the knote goes with the descriptor */
	errno = saved;
}

int
host_watch_take(int wfd, int *ids, int max)
{
	struct kevent	kev[16];
	struct timespec	zero = { 0, 0 };
	int		n, i, got = 0;

	while (got < max) {
		n = kevent(wfd, NULL, 0, kev,
		    max - got < 16 ? max - got : 16, &zero);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return (got > 0 ? got : -1);
		if (n == 0)
			break;
		for (i = 0; i < n; i++)
			if (kev[i].filter == EVFILT_VNODE &&
			    (kev[i].fflags & NOTE_OPEN))
				ids[got++] = (int)kev[i].ident;
	}
	return (got);
}

/* ---- descriptors, page, executable ---- */

int
host_fd_walk(int (*fn)(int, void *), void *arg)
{
	int	mib[3] = { CTL_KERN, KERN_PROC, KERN_PROC_NFDS };
	int	nfds;
	size_t	len = sizeof(nfds);

	if (sysctl(mib, 3, &nfds, &len, NULL, 0) == -1)
		return (-1);
	bsd_fd_probe(getdtablesize(), nfds, fn, arg);
	return (0);
}

int
host_page_create(void)
{
	return (memfd_create("xpty-page", MFD_CLOEXEC));
}

int
host_self_exe(struct stat *st)
{
	int	mib[4] = { CTL_KERN, KERN_PROC, KERN_PROC_PATHNAME, -1 };
	char	path[PATH_MAX];
	size_t	len = sizeof(path);

	if (sysctl(mib, 4, path, &len, NULL, 0) == -1)
		return (-1);
	return (xsys_lstat(path, st));
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
	pid = rfork(RFPROC | RFFDG | RFTSIGZMB | RFTSIGFLAGS(0));
	if (pid == 0) {
		real = rfork(RFPROC | RFFDG);
		if (real == 0)
			bsd_spawn_exec(path, argv, envp, fd3);
		_exit(real == -1 ? 127 : 0);
	}
	e = errno;
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (pid == -1) {
		errno = e == ENOMEM ? EAGAIN : e;
		return (-1);
	}
	while ((r = waitpid(pid, &st, WLINUXCLONE)) == -1 && errno == EINTR)
		;
	if (r == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		errno = EAGAIN;
		return (-1);
	}
	return (0);
}
