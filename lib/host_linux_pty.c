/*
 * host_linux_pty.c - lib/host.h operations on Linux devpts ptys that every
 * Linux host file shares (host_linux.c, host_bsdimit.c): naming, grant,
 * the hangup poll, packet mode's status and the reopen watch (ownership
 * and packet mode on, off are host_unix.c's, as on the BSDs).
 *
 * Theory of operation.  A Linux pty is /dev/ptmx (a clone device: each
 * open makes a new pty, character major 5 minor 2) and /dev/pts/N (majors
 * 136..143, N = (major - 136) * 256 + minor).  TIOCGPTN on the manager
 * gives N.  After the last subsidiary close, until the next open, a
 * poll(2) of the manager shows POLLHUP (and reads fail with EIO); inotify
 * IN_OPEN on /dev/pts/N says when a subsidiary is opened again (a
 * watch set is one inotify instance, a watch id its watch descriptor;
 * raw system calls, so that no other preloaded library sees them).
 * In packet mode (TIOCPKT) the status byte's TIOCPKT_* bits have the
 * values of every BSD; Linux reports only IXON's changes of the termios
 * (TIOCPKT_DOSTOP, TIOCPKT_NOSTOP).
 *
 * Raw system calls only (lib/sys.h), async-signal-safe except
 * host_grant's first call (getgrnam, cached).  State: the cached gid of
 * group tty, and whether this mount's nodes need grantpt's changes.  Descriptors: a watch set belongs to whoever opened it.
 */
#include "config.h"

#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "host_unix.h"
#include "sys.h"

#define PTS_PREFIX	"/dev/pts/"
#define PTS_PREFIXLEN	(sizeof(PTS_PREFIX) - 1)

const char *const host_ptmx_paths[] = { "/dev/ptmx", "/dev/pts/ptmx", NULL };
const char host_pts_prefix[] = PTS_PREFIX;

int
host_ptyno(int mfd)
{
	unsigned int	n;

	if (xsys_ioctl(mfd, TIOCGPTN, &n) == -1)
		return (-1);
	return ((int)n);
}

int
host_pts_path(int ptyno, char *buf, size_t len)
{
	char	digits[12], *p = digits + sizeof(digits);
	size_t	n;

	if (ptyno < 0) {
		errno = EINVAL;
		return (-1);
	}
	do {
		*--p = (char)('0' + ptyno % 10);
		ptyno /= 10;
	} while (ptyno != 0);
	n = (size_t)(digits + sizeof(digits) - p);
	if (PTS_PREFIXLEN + n + 1 > len) {
		errno = ERANGE;
		return (-1);
	}
	memcpy(buf, PTS_PREFIX, PTS_PREFIXLEN);
	memcpy(buf + PTS_PREFIXLEN, p, n);
	buf[PTS_PREFIXLEN + n] = '\0';
	return ((int)(PTS_PREFIXLEN + n));
}

static gid_t
tty_group(void)
{
	static gid_t	 cached = (gid_t)-2;
	struct group	*gr;

	if (cached == (gid_t)-2) {
		gr = getgrnam("tty");
		cached = gr != NULL ? gr->gr_gid : getgid();
	}
	return (cached);
}

/*
 * Does devpts here make nodes that grantpt must change (a mount without
 * gid=5,mode=620)?  Set by a grant that found one so; the next grants
 * then chown and chmod without looking first, and look only if either
 * is refused (a caller who may not make them: never set for it).  Making a node that was right already right again changes
 * only its ctime, and the nodes of one mount are all made alike.
 */
static _Atomic(int)	grant_must_fix;

/*
 * Make node path, as st says it is, the real uid's, group tty, mode 0620:
 * 0 when it is so now.  What the caller may not do is left as it is (1):
 * an unprivileged owner of the node who is not in group tty keeps its
 * group, and then its mode (devpts made it 0600: group write goes to
 * group tty only).  -1 if the node is not the caller's and cannot be
 * made so.
 */
static int
grant_fix(const char *path, struct stat st, uid_t uid, gid_t gid)
{
	if (st.st_uid != uid || st.st_gid != gid) {
		if (xsys_chown(path, uid, gid) == 0)
			st.st_gid = gid;
		else if (st.st_uid != uid)
			return (-1);
		else
			return (1);	/* not in group tty: keep the group */
	}
	if ((st.st_mode & 07777) != 0620 && xsys_chmod(path, 0620) == -1)
		return (-1);
	return (0);
}

/*
 * grantpt(3C): owner the real uid, group tty, mode 0620.  Never forks.
 * Only a node that is not the caller's and cannot be made so fails:
 * EACCES, the errno illumos's grantpt gives for any failure of its
 * OWNERPT request.
 */
int
host_grant(int ptyno)
{
	char		path[HOST_PATHMAX];
	struct stat	st;
	uid_t		uid = getuid();
	gid_t		gid = tty_group();
	int		saved = errno, fixed;

	if (host_pts_path(ptyno, path, sizeof(path)) == -1)
		goto refused;
	if (atomic_load_explicit(&grant_must_fix, memory_order_relaxed) &&
	    xsys_chown(path, uid, gid) == 0 && xsys_chmod(path, 0620) == 0)
		goto granted;
	if (xsys_lstat(path, &st) == -1 ||
	    (fixed = grant_fix(path, st, uid, gid)) == -1)
		goto refused;
	if (fixed == 0 && (st.st_uid != uid || st.st_gid != gid ||
	    (st.st_mode & 07777) != 0620))
		atomic_store_explicit(&grant_must_fix, 1, memory_order_relaxed);
granted:
	errno = saved;
	return (0);
refused:
	errno = EACCES;
	return (-1);
}

int
host_mgr_hup(int mfd)
{
	return (unix_poll_hup(mfd));
}

int
host_subsid_read_hup(int fd, int e)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	int		saved = errno;

	if (e != EIO || xsys_poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLHUP)) {
		errno = saved;
		return (0);
	}
	errno = saved;
	return (1);
}

int
host_mgr_revents_hup(int revents)
{
	return ((revents & (POLLHUP | POLLERR)) != 0);
}

int
host_get_pktmode(int mfd)
{
	int	on = 0;

	if (xsys_ioctl(mfd, TIOCGPKT, &on) == -1)
		return (-1);
	return (on != 0);
}

unsigned
host_pkt_status(unsigned char c)
{
	return (unix_pkt_status(c, TIOCPKT_DOSTOP | TIOCPKT_NOSTOP));
}

/* ---- the reopen watch: inotify IN_OPEN on /dev/pts/N ---- */

int
host_watch_open(void)
{
	return ((int)syscall(SYS_inotify_init1, IN_NONBLOCK | IN_CLOEXEC));
}

int
host_watch_add(int wfd, int ptyno)
{
	char	path[HOST_PATHMAX];

	if (host_pts_path(ptyno, path, sizeof(path)) == -1)
		return (-1);
	return ((int)syscall(SYS_inotify_add_watch, wfd, path, IN_OPEN));
}

void
host_watch_rm(int wfd, int id)
{
	int	saved = errno;

	(void)syscall(SYS_inotify_rm_watch, wfd, id);
	errno = saved;
}

int
host_watch_take(int wfd, int *ids, int max)
{
	char			 buf[1024]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	struct inotify_event	 ie;
	ssize_t			 n, off;
	int			 got = 0;

	while (got < max) {
		n = xsys_read(wfd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0)
			return (got > 0 ? got : (int)n);
		for (off = 0; off + (ssize_t)sizeof(ie) <= n;
		    off += (ssize_t)sizeof(ie) + ie.len) {
			memcpy(&ie, buf + off, sizeof(ie));
			if (got < max && !(ie.mask & IN_IGNORED))
				ids[got++] = ie.wd;
		}
	}
	return (got);
}
