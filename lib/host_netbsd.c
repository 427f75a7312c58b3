/*
 * host_netbsd.c - lib/host.h on NetBSD 10: the pty operations where
 * NetBSD is itself, descriptor enumeration, the state page, the
 * executable and the detached spawn.  What the BSD hosts share is in
 * host_bsd_pty.c and host_bsd_os.c.
 *
 * Theory of operation.
 *   allocation   /dev/ptmx (ptm(4)); a new pty is not locked.
 *   naming       the subsidiary is /dev/pts/N (ptyfs); TIOCPTSNAME on a
 *                manager fills a struct ptmget (2 KiB: two PATH_MAX
 *                names) whose sn is that path.
 *   lock         none (libc's unlockpt only checks the descriptor): the
 *                generic code emulates it (no HOST_CAP_LOCK).
 *   grant        TIOCGRANTPT on the manager sets the node's owner, group
 *                and mode in the kernel; lib/host.h's host_grant has no
 *                manager to ask, so this file does what an unprivileged
 *                process can by the path: check that the node is the real
 *                uid's and give it mode 0620 (netbsd_grant_manager is the
 *                kernel's way, for when host_grant gets the manager:
 *                the team's host-requests.md).
 *   classify     TIOCPTSNAME answers only on a manager; a subsidiary is a
 *                character device whose /dev/pts/<minor> node has the
 *                same device number (checked with lstat, so no other
 *                device passes).
 *   hangup       a manager read returns 0 after the last subsidiary close
 *                (host_bsd_pty.c) and poll shows POLLHUP; a subsidiary
 *                whose manager closed loses its carrier and reads 0, so no
 *                failed read means hangup.
 *   reopen       no watch without the manager: NOTE_OPEN needs a vnode
 *                descriptor of /dev/pts/N, and opening one is itself a
 *                subsidiary open (NetBSD has no O_PATH).  The kernel's way
 *                is EVFILT_WRITE on the manager, true once a subsidiary is
 *                open (netbsd_watch_add_manager), which host_watch_add's
 *                signature cannot reach yet: no HOST_CAP_WATCH, callers
 *                poll host_mgr_hup on a timer.
 *   descriptors  fcntl(F_MAXFD) gives the highest open descriptor;
 *                fcntl(F_GETFD) finds the others below it.
 *   page         no memfd_create in NetBSD 10: bsd_shm_anon.
 *   executable   sysctl KERN_PROC_ARGS KERN_PROC_PATHNAME, then lstat.
 *   spawn        __clone(2) with exit signal 0 and no shared memory: the
 *                application gets no SIGCHLD and its wait() never sees
 *                the process (only WALLSIG, ours, reaps it); it vfork()s
 *                the real process (no atfork handler of the application
 *                runs), which execs, and leaves.  Every signal stays
 *                blocked from before the clone to the exec.
 *
 * Raw system calls (lib/sys.h) and libc's sysctl, __clone, vfork,
 * execve; async-signal-safe except host_spawn_detached (one mmap'd
 * stack).  Descriptors made here belong to the caller.  Cross-built for
 * NetBSD 10; not yet run there.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysctl.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "host_bsd.h"
#include "host_unix.h"
#include "sys.h"

#define PTS_PREFIX	"/dev/pts/"
#define SPAWN_STACK	65536	/* for the spawning clone */

const unsigned host_caps = HOST_CAP_OPEN_RESETS;
const char host_name[] = "netbsd";
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
	struct ptmget	pm;
	int		n;

	if (xsys_ioctl(mfd, TIOCPTSNAME, &pm) == -1)
		return (-1);
	pm.sn[sizeof(pm.sn) - 1] = '\0';
	if ((n = bsd_pty_number(pm.sn, PTS_PREFIX)) == -1)
		errno = ENOTTY;
	return (n);
}

int
host_pts_path(int ptyno, char *buf, size_t len)
{
	return (bsd_pty_name(PTS_PREFIX, 0, ptyno, buf, len));
}

/* ---- lock (host_nolock.c) and grant ---- */

/* The kernel's grantpt, for when host_grant is given the manager. */
static int __attribute__((unused))
netbsd_grant_manager(int mfd)
{
	return (xsys_ioctl(mfd, TIOCGRANTPT, NULL));
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
	return (unix_poll_hup(mfd));
}

int
host_subsid_read_hup(int fd, int e)
{
	(void)fd;
	(void)e;
	return (0);
}

/* ---- the reopen watch ---- */

/*
 * The kernel's way, for when host_watch_add is given the manager: a
 * private duplicate of it (the knote goes with that descriptor) with
 * EVFILT_WRITE, which turns true once a subsidiary is open.
 */
static int __attribute__((unused))
netbsd_watch_add_manager(int wfd, int mfd)
{
	int	id, saved;

	if ((id = xsys_fcntl(mfd, F_DUPFD_CLOEXEC, 200)) == -1)
		return (-1);
	if (bsd_kevent_add(wfd, id, EVFILT_WRITE, 0, id) == -1) {
		saved = errno;
		xsys_close(id);
		errno = saved;
		return (-1);
	}
	return (id);
}

/* ---- descriptors, page, executable ---- */

int
host_fd_walk(int (*fn)(int, void *), void *arg)
{
	int	top;

	if ((top = xsys_fcntl(0, F_MAXFD, 0)) == -1)
		return (errno == EBADF ? 0 : -1);	/* none open */
	bsd_fd_probe(top + 1, -1, fn, arg);
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
	int	mib[4] = { CTL_KERN, KERN_PROC_ARGS, -1, KERN_PROC_PATHNAME };
	char	path[PATH_MAX];
	size_t	len = sizeof(path);

	if (sysctl(mib, 4, path, &len, NULL, 0) == -1)
		return (-1);
	return (xsys_lstat(path, st));
}

/* ---- the detached spawn ---- */

struct spawn_arg {
	const char	 *path;
	char *const	 *argv;
	char *const	 *envp;
	int		  fd3;
};

/* The clone (a copy of us, exit signal 0): start the real one, leave. */
static int
spawn_child(void *arg)
{
	const struct spawn_arg	*a = arg;
	pid_t			 pid;

	if ((pid = vfork()) == 0)
		bsd_spawn_exec(a->path, a->argv, a->envp, a->fd3);
	_exit(pid == -1 ? 127 : 0);
	return (127);
}

int
host_spawn_detached(const char *path, char *const argv[], char *const envp[],
    int fd3)
{
	struct spawn_arg	 a = { path, argv, envp, fd3 };
	sigset_t		 all, saved;
	char			*stack;
	pid_t			 pid, r;
	int			 st = 0, e;

	stack = mmap(NULL, SPAWN_STACK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANON, -1, 0);
	if (stack == MAP_FAILED)
		return (-1);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	pid = __clone(spawn_child, stack + SPAWN_STACK, 0, &a);
	e = errno;
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (pid == -1) {
		munmap(stack, SPAWN_STACK);
		errno = e;
		return (-1);
	}
	while ((r = waitpid(pid, &st, WALLSIG)) == -1 && errno == EINTR)
		;
	munmap(stack, SPAWN_STACK);
	if (r == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		errno = EAGAIN;
		return (-1);
	}
	return (0);
}
