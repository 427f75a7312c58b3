/*
 * host_pty.c - the host pseudo-terminal backend (Linux devpts).
 *
 * Everything libxpty needs to know about the host's ptys goes through
 * here: opening a manager (/dev/ptmx), its number and lock (TIOCGPTN,
 * TIOCSPTLCK), granting the subsidiary node, telling what kind of pty a
 * descriptor is, and the per-stream state that SVR4 keeps in the stream
 * itself.
 *
 * Per-stream state.  A STREAMS subsidiary's module stack and XPG4v2 mark
 * belong to the stream: every process that opens or inherits it sees the
 * same stack, it survives exec, and it dies with the pty.  The kernel's
 * termios of the pty has exactly those properties, and Linux stores but
 * never interprets c_cc[17] and c_cc[18] (VEOL2 is 16; the kernel keeps 19
 * slots).  So:
 *   c_cc[17]  high nibble XSTATE_MAGIC (a pty libxpty set up), low nibble
 *             XSTATE_* flags;
 *   c_cc[18]  the module stack, two bits a module (XM_PTEM, XM_LDTERM,
 *             XM_TTCOMPAT), bottom module in the low bits.
 * A pty without the magic was not made by libxpty and is left native.  A
 * new pty starts with a fresh termios, so a reused number starts bare.
 * Termios ioctls on a Linux manager act on the subsidiary's termios, so
 * either side's descriptor reads and writes the same state.
 *
 * Concurrency: updates are read-modify-write of the termios (TCGETS then
 * TCSETS); two processes pushing on the same stream at the same instant
 * could lose one update, as documented in xpty(7).
 *
 * BSD hosts would implement the same functions behind #ifdefs here.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"

#define PTS_MAJOR_FIRST	136	/* UNIX98_PTY_SLAVE_MAJOR */
#define PTS_MAJOR_COUNT	8
#define PTMX_MAJOR	5
#define PTMX_MINOR	2

#define SLOT_FLAGS	17
#define SLOT_STACK	18

int
host_open_manager(int oflag)
{
	int keep = oflag & (O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	return xsys_openat(AT_FDCWD, "/dev/ptmx", O_RDWR | keep, 0);
}

int
host_ptyno(int mfd)
{
	unsigned int n;

	if (xsys_ioctl(mfd, TIOCGPTN, &n) == -1)
		return -1;
	return (int)n;
}

int
host_set_lock(int mfd, int locked)
{
	int v = locked;

	return xsys_ioctl(mfd, TIOCSPTLCK, &v);
}

int
host_is_locked(int mfd)
{
	int v = 0;

	if (xsys_ioctl(mfd, TIOCGPTLCK, &v) == -1)
		return -1;
	return v != 0;
}

static gid_t
tty_group(void)
{
	static gid_t cached = (gid_t)-2;
	struct group *gr;

	if (cached == (gid_t)-2) {
		gr = getgrnam("tty");
		cached = gr != NULL ? gr->gr_gid : getgid();
	}
	return cached;
}

/*
 * grantpt(3C): owner the real uid, group tty, mode 0620.  Never forks.
 * What the caller may not do is left as it is: an unprivileged owner of
 * the node who is not in group tty keeps its group, and then its mode
 * (devpts made it 0600: group write goes to group tty only).  Only a node
 * that is not the caller's and cannot be made so fails: EACCES, the errno
 * illumos's grantpt gives for any failure of its OWNERPT request.
 */
int
host_grant(int ptyno)
{
	char path[32];
	struct stat st;
	uid_t uid = getuid();
	gid_t gid = tty_group();
	int saved = errno;

	snprintf(path, sizeof(path), "/dev/pts/%d", ptyno);
	if (syscall(SYS_newfstatat, AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == -1)
		goto refused;
	if (st.st_uid != uid || st.st_gid != gid) {
		if (syscall(SYS_fchownat, AT_FDCWD, path, uid, gid,
		    AT_SYMLINK_NOFOLLOW) == 0)
			st.st_gid = gid;
		else if (st.st_uid != uid)
			goto refused;
		/* owner, but not in group tty: keep the group */
	}
	if (st.st_gid == gid && (st.st_mode & 07777) != 0620 &&
	    syscall(SYS_fchmodat, AT_FDCWD, path, 0620) == -1)
		goto refused;
	errno = saved;
	return 0;
refused:
	errno = EACCES;
	return -1;
}

/*
 * What kind of pty descriptor fd is: XK_SUBSID, XK_MANAGER (a host
 * /dev/ptmx clone), or 0 (not a pty; errno EBADF if fd is not open).
 */
int
host_classify(int fd, int *ptyno)
{
	struct stat st;
	unsigned int maj, min;
	int n;

	if (xsys_fstat(fd, &st) == -1)
		return 0;
	errno = 0;
	if (!S_ISCHR(st.st_mode))
		return 0;
	maj = major(st.st_rdev);
	min = minor(st.st_rdev);
	if (maj >= PTS_MAJOR_FIRST && maj < PTS_MAJOR_FIRST + PTS_MAJOR_COUNT) {
		if (ptyno != NULL)
			*ptyno = (int)((maj - PTS_MAJOR_FIRST) * 256 + min);
		return XK_SUBSID;
	}
	if (maj == PTMX_MAJOR && min == PTMX_MINOR) {
		if ((n = host_ptyno(fd)) == -1)
			return 0;
		if (ptyno != NULL)
			*ptyno = n;
		return XK_MANAGER;
	}
	return 0;
}

/* "/dev/pts/N" -> N; -1 for anything else. */
int
host_path_ptyno(const char *path)
{
	const char *p;
	long n = 0;

	if (path == NULL || strncmp(path, "/dev/pts/", 9) != 0)
		return -1;
	p = path + 9;
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] != '\0'))
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || n > 100000000)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return (int)n;
}

int
host_is_ptmx_path(const char *path)
{
	return path != NULL && (strcmp(path, "/dev/ptmx") == 0 ||
	    strcmp(path, "/dev/pts/ptmx") == 0);
}

/* ---- per-stream state in the termios ---- */

static void
state_decode(const struct kterm *t, struct xstate *xst)
{
	unsigned int stack = t->c_cc[SLOT_STACK];
	int i;

	memset(xst, 0, sizeof(*xst));
	xst->managed = (t->c_cc[SLOT_FLAGS] & XSTATE_MAGICMASK) == XSTATE_MAGIC;
	if (!xst->managed)
		return;
	xst->flags = t->c_cc[SLOT_FLAGS] & ~XSTATE_MAGICMASK;
	for (i = 0; i < XSTACK_MAX; i++) {
		enum xpty_module m = (stack >> (2 * i)) & 3;

		if (m == XM_NONE)
			break;
		xst->mods[xst->depth++] = m;
	}
}

static void
state_encode(const struct xstate *xst, struct kterm *t)
{
	unsigned int stack = 0;
	int i;

	for (i = 0; i < xst->depth && i < XSTACK_MAX; i++)
		stack |= ((unsigned int)xst->mods[i] & 3) << (2 * i);
	t->c_cc[SLOT_FLAGS] = XSTATE_MAGIC | (xst->flags & ~XSTATE_MAGICMASK);
	t->c_cc[SLOT_STACK] = (cc_t)stack;
}

int
xstate_get(int fd, struct xstate *xst)
{
	struct kterm t;

	if (xsys_tcget(fd, &t) == -1)
		return -1;
	state_decode(&t, xst);
	return 0;
}

int
xstate_read(int fd, struct xstate *xst, struct kterm *t)
{
	if (xsys_tcget(fd, t) == -1)
		return -1;
	state_decode(t, xst);
	return 0;
}

/*
 * Store xst; with base non-NULL the rest of the termios is replaced by
 * base (a module push or pop changing the line discipline) as well.
 */
int
xstate_put(int fd, const struct xstate *xst, const struct kterm *base)
{
	struct kterm t;

	if (base != NULL)
		t = *base;
	else if (xsys_tcget(fd, &t) == -1)
		return -1;
	state_encode(xst, &t);
	return xsys_tcset(fd, TCSETS, &t);
}

/* Copy libxpty's slots from the kernel into a termios about to be set. */
void
xstate_preserve(const struct kterm *cur, struct kterm *next)
{
	next->c_cc[SLOT_FLAGS] = cur->c_cc[SLOT_FLAGS];
	next->c_cc[SLOT_STACK] = cur->c_cc[SLOT_STACK];
}

int
xstate_has(const struct xstate *xst, enum xpty_module m)
{
	int i;

	for (i = 0; i < xst->depth; i++)
		if (xst->mods[i] == m)
			return 1;
	return 0;
}

/* A new pty as a bare STREAMS subsidiary: raw, no modules, marked ours. */
int
xstate_init_bare(int fd)
{
	struct xstate xst;
	struct kterm t;

	if (xsys_tcget(fd, &t) == -1)
		return -1;
	ldterm_raw(&t);
	memset(&xst, 0, sizeof(xst));
	xst.managed = 1;
	return xstate_put(fd, &xst, &t);
}
