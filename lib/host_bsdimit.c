/*
 * host_bsdimit.c - lib/host.h for a BSD kernel, imitated on Linux ptys
 * (configure --with-host=bsdimit).  No BSD runs on the machines that
 * build libxpty, so this host file makes Linux's ptys behave the way
 * every BSD's do wherever the generic code can tell, and the whole test
 * suite runs over it in CI: that is how the generic layer's BSD paths
 * are tested.  What is imitated (lib/host.h has each operation):
 *
 *   lock      none (FreeBSD, NetBSD, OpenBSD): a new pty is unlocked in
 *             the kernel at once, host_set_lock says ENOSYS, so the
 *             generic code's emulated lock is what a locked open meets
 *   allocate  host_open_manager opens the new subsidiary by its path and
 *             closes it before returning the manager, as OpenBSD's
 *             posix_openpt does (PTMGET hands over both sides): a new
 *             manager already shows the hangup (HOST_CAP_OPEN_CLOSES),
 *             and the generic layer's first-close rule ignores it until
 *             the first subsidiary open (common/store.h XSTATE_FRESH)
 *   hangup    after the last subsidiary close a manager read returns 0,
 *             again and again, instead of failing with EIO
 *   termios   reset to the kernel's defaults when the subsidiary is
 *             opened while no other subsidiary descriptor is open
 *             (HOST_CAP_OPEN_RESETS, as ttydev_open and ptsopen do),
 *             which also wipes c_cc[17] and c_cc[18]: the stream state
 *             cannot live there (no HOST_CAP_TERMIOS_STATE), so this
 *             host needs the page store (configure picks it)
 *   peer      no TIOCGPTPEER: the subsidiary is opened by its path
 *   tcset     a termios set through the manager discards the output
 *             queued for it (NetBSD, OpenBSD, macOS: host_mgr_tcset)
 *   classify  the manager's fstat reports the subsidiary's device number
 *             (FreeBSD), so the sides are told apart by asking the pty
 *             (TIOCGPTN answers only on a manager, as TIOCPTMASTER)
 *
 * The reset can be imitated only where the opener can tell that no other
 * subsidiary is open: when it holds the manager (generic code passes
 * that as host_subsid_opened's first).  An open by a process that holds
 * no manager is not reset here, though a BSD kernel would reset it.
 *
 * The rest of Linux (naming, grant, the reopen watch, sockets,
 * descriptors, spawn) is shared with host_linux.c: host_linux_pty.c,
 * host_linux_os.c, host_linux_epoll.c.  Raw system calls only,
 * async-signal-safe, no state; descriptors made here are the caller's.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "host.h"
#include "host_unix.h"
#include "sys.h"

#define PTS_MAJOR_FIRST	136	/* UNIX98_PTY_SLAVE_MAJOR */
#define PTS_MAJOR_COUNT	8
#define PTMX_MAJOR	5
#define PTMX_MINOR	2

const unsigned host_caps = HOST_CAP_OPEN_RESETS | HOST_CAP_WATCH |
    HOST_CAP_EVREG | HOST_CAP_OPEN_CLOSES;
const char host_name[] = "bsdimit";

/* As PTMGET leaves a pty: its subsidiary opened once and closed. */
static int
imit_open_close(int mfd)
{
	int	n, sfd;

	if ((n = host_ptyno(mfd)) == -1)
		return (-1);
	if ((sfd = unix_open_path(n, O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1)
		return (-1);
	xsys_close(sfd);
	return (0);
}

int
host_open_manager(int oflag)
{
	int	fd, unlock = 0, saved;

	fd = xsys_openat(AT_FDCWD, "/dev/ptmx",
	    O_RDWR | O_NOCTTY | (oflag & (O_NONBLOCK | O_CLOEXEC)), 0);
	if (fd == -1)
		return (-1);
	if (xsys_ioctl(fd, TIOCSPTLCK, &unlock) == -1 ||
	    imit_open_close(fd) == -1) {
		saved = errno;
		xsys_close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

/* fstat as FreeBSD answers it: a manager shows its subsidiary's rdev. */
static int
imit_fstat(int fd, struct stat *st)
{
	int	n;

	if (xsys_fstat(fd, st) == -1)
		return (-1);
	if (S_ISCHR(st->st_mode) && major(st->st_rdev) == PTMX_MAJOR &&
	    minor(st->st_rdev) == PTMX_MINOR && (n = host_ptyno(fd)) >= 0)
		st->st_rdev = makedev(PTS_MAJOR_FIRST + (unsigned)n / 256,
		    (unsigned)n % 256);
	return (0);
}

int
host_classify(int fd, int *ptyno)
{
	struct stat	st;
	unsigned int	maj;
	int		n;

	if (imit_fstat(fd, &st) == -1)
		return (HOST_NONE);
	errno = 0;
	maj = major(st.st_rdev);
	if (!S_ISCHR(st.st_mode) || maj < PTS_MAJOR_FIRST ||
	    maj >= PTS_MAJOR_FIRST + PTS_MAJOR_COUNT)
		return (HOST_NONE);
	if ((n = host_ptyno(fd)) >= 0) {	/* only a manager answers */
		if (ptyno != NULL)
			*ptyno = n;
		return (HOST_MANAGER);
	}
	errno = 0;
	if (ptyno != NULL)
		*ptyno = (int)((maj - PTS_MAJOR_FIRST) * 256 +
		    minor(st.st_rdev));
	return (HOST_SUBSID);
}

/* As NetBSD, OpenBSD and macOS: the output queued for the manager goes. */
int
host_mgr_tcset(int mfd, const struct kterm *t)
{
	if (xsys_tcset(mfd, KTERM_SET, t) == -1)
		return (-1);
	(void)xsys_ioctl(mfd, TCFLSH, (void *)(uintptr_t)TCIFLUSH);
	return (0);
}

ssize_t
host_mgr_readv(int mfd, const struct iovec *iov, int iovcnt)
{
	ssize_t	r = xsys_readv(mfd, iov, iovcnt);

	if (r == -1 && errno == EIO)
		return (0);		/* a BSD manager reads 0 */
	return (r);
}

int
host_mgr_read_hup(ssize_t r, int e)
{
	(void)e;
	return (r == 0);
}

/* The termios a BSD kernel gives a pty at a first open (Linux's values). */
static void
imit_defaults(struct kterm *t)
{
	static const cc_t	cc[] = {
		[VINTR] = 003, [VQUIT] = 034, [VERASE] = 0177, [VKILL] = 025,
		[VEOF] = 004, [VTIME] = 0, [VMIN] = 1, [VSTART] = 021,
		[VSTOP] = 023, [VSUSP] = 032, [VREPRINT] = 022,
		[VDISCARD] = 017, [VWERASE] = 027, [VLNEXT] = 026
	};

	t->c_iflag = ICRNL | IXON;
	t->c_oflag = OPOST | ONLCR;
	t->c_cflag = B38400 | CS8 | CREAD | HUPCL;
	t->c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE |
	    IEXTEN;
	memset(t->c_cc, 0, sizeof(t->c_cc));
	memcpy(t->c_cc, cc, sizeof(cc) < sizeof(t->c_cc) ? sizeof(cc) :
	    sizeof(t->c_cc));
}

void
host_subsid_opened(int fd, int ptyno, int first)
{
	struct kterm	t;
	int		saved = errno;

	(void)ptyno;
	if (first && xsys_tcget(fd, &t) == 0) {
		imit_defaults(&t);
		(void)xsys_tcset(fd, KTERM_SET, &t);
	}
	errno = saved;
}

int
host_open_peer(int mfd, int ptyno, int oflag)
{
	(void)mfd;
	return (unix_open_path(ptyno, oflag));
}
