/*
 * host_linux.c - lib/host.h on Linux: the pty operations where Linux is
 * itself (allocation, lock, classify, the manager's EIO, TIOCGPTPEER).
 * What every Linux host file shares is in host_linux_pty.c (ptys),
 * host_linux_os.c (descriptors, sockets, processes) and
 * host_linux_epoll.c (epoll registrations); host_bsdimit.c is the other
 * Linux host file, which imitates a BSD kernel over the same ptys.
 *
 * Theory of operation.  /dev/ptmx allocates; a new pty is locked
 * (TIOCSPTLCK, TIOCGPTLCK) and opening its locked subsidiary fails with
 * EIO.  fstat tells the sides apart by device number: the subsidiary has
 * a major in 136..143, the manager is /dev/ptmx's own (5, 2), whose pty
 * TIOCGPTN names.  After the last subsidiary close every manager read
 * fails with EIO.  TIOCGPTPEER opens the subsidiary from the manager
 * without a path lookup.  Linux keeps the termios for the pty's whole
 * life and stores but never interprets c_cc[17] and c_cc[18] (VEOL2 is
 * 16; the kernel has 19 slots), so the stream state may live there
 * (HOST_CAP_TERMIOS_STATE; common/store_termios.c).
 *
 * Raw system calls only, async-signal-safe, no state.  Descriptors made
 * here belong to the caller.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <errno.h>
#include <fcntl.h>

#include "host.h"
#include "host_unix.h"
#include "sys.h"

#define PTS_MAJOR_FIRST	136	/* UNIX98_PTY_SLAVE_MAJOR */
#define PTS_MAJOR_COUNT	8
#define PTMX_MAJOR	5
#define PTMX_MINOR	2

/* vfork's interposer is a few instructions of assembly (interpose_spawn.c) */
#if (defined(__x86_64__) || defined(__aarch64__)) && !defined(XPTY_NO_DEFER)
#define LINUX_CAP_DEFER	HOST_CAP_DEFER
#else
#define LINUX_CAP_DEFER	0
#endif

const unsigned host_caps = HOST_CAP_LOCK | HOST_CAP_TERMIOS_STATE |
    HOST_CAP_PEER | HOST_CAP_WATCH | HOST_CAP_EVREG |
    LINUX_CAP_DEFER;
const char host_name[] = "linux";

int
host_open_manager(int oflag)
{
	return (unix_open_ptmx(oflag));
}

int
host_set_lock(int mfd, int locked)
{
	int	v = locked;

	return (xsys_ioctl(mfd, TIOCSPTLCK, &v));
}

int
host_is_locked(int mfd)
{
	int	v = 0;

	if (xsys_ioctl(mfd, TIOCGPTLCK, &v) == -1)
		return (-1);
	return (v != 0);
}

int
host_open_locked_errno(int e)
{
	return (e == EIO);
}

int
host_classify(int fd, int *ptyno)
{
	struct stat	st;
	unsigned int	maj, min;
	int		n;

	if (xsys_fstat(fd, &st) == -1)
		return (HOST_NONE);
	errno = 0;
	if (!S_ISCHR(st.st_mode))
		return (HOST_NONE);
	maj = major(st.st_rdev);
	min = minor(st.st_rdev);
	if (maj >= PTS_MAJOR_FIRST && maj < PTS_MAJOR_FIRST + PTS_MAJOR_COUNT) {
		if (ptyno != NULL)
			*ptyno = (int)((maj - PTS_MAJOR_FIRST) * 256 + min);
		return (HOST_SUBSID);
	}
	if (maj == PTMX_MAJOR && min == PTMX_MINOR) {
		if ((n = host_ptyno(fd)) == -1) {
			errno = 0;
			return (HOST_NONE);
		}
		if (ptyno != NULL)
			*ptyno = n;
		return (HOST_MANAGER);
	}
	return (HOST_NONE);
}

int
host_mgr_tcset(int mfd, const struct kterm *t)
{
	return (xsys_tcset(mfd, KTERM_SET, t));
}

ssize_t
host_mgr_readv(int mfd, const struct iovec *iov, int iovcnt)
{
	return (xsys_readv(mfd, iov, iovcnt));
}

int
host_mgr_read_hup(ssize_t r, int e)
{
	return (r == -1 && e == EIO);
}

void
host_subsid_opened(int fd, int ptyno, int first)
{
	(void)fd;
	(void)ptyno;
	(void)first;
}

int
host_open_peer(int mfd, int ptyno, int oflag)
{
	int	fd;

	fd = xsys_ioctl(mfd, TIOCGPTPEER, (void *)(long)(oflag | O_NOCTTY));
	if (fd >= 0 || errno != EINVAL)
		return (fd);
	return (unix_open_path(ptyno, oflag));	/* kernels before 4.13 */
}
