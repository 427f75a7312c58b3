/*
 * rundir.c - the run directory is checked before the library connects,
 * creates anything or starts a daemon there (issue 11, D3): every
 * directory above it owned by root or the user and not writable by
 * others unless sticky, symbolic links followed only when root or the
 * user owns them, the directory itself the user's with mode 0700
 * (common/sockpath.h).  A directory that fails gets one diagnostic and
 * the direct engine; nothing is created in it and nothing connects to
 * it.  A socket whose accept queue is full does not hang an open either.
 * The cases that need another user run as root only.  Each open runs in
 * a child with XPTY_RUNDIR set, so that it dials afresh.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>

#include "xtest.h"

#define NOBODY	65534
#define BOUND	"600"	/* XPTY_DAEMON_TIMEOUT for these children, ms */

static char base[256];

struct result {
	int	fd_ok;		/* open(/dev/ptmx) gave a manager */
	int	relayed;	/* ... and it is a socket to xptyd */
	int	ms;		/* how long the two opens took */
	int	diags;		/* lines of diagnostic on stderr */
	char	diag[200];	/* the first */
};

/* Two opens of /dev/ptmx, and their first use, in a child with XPTY_RUNDIR=dir. */
static void
open_in(const char *dir, struct result *res)
{
	int		pfd[2], efd[2], st, m1, m2, n1;
	struct stat	sb;
	char		buf[1024];
	ssize_t		n, got = 0;
	double		t0;
	pid_t		pid;

	memset(res, 0, sizeof(*res));
	if (pipe(pfd) == -1 || pipe(efd) == -1)
		return;
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		close(efd[0]);
		dup2(efd[1], 2);
		setenv("XPTY_RUNDIR", dir, 1);
		setenv("XPTY_DAEMON_TIMEOUT", BOUND, 1);
		setenv("XPTY_IDLE", "1", 1);
		alarm(10);
		t0 = xt_now();
		m1 = open("/dev/ptmx", O_RDWR | O_NOCTTY);
		m2 = open("/dev/ptmx", O_RDWR | O_NOCTTY);
		/* a new manager's relay waits for its first use (defer.c) */
		(void)ioctl(m1, FIONREAD, &n1);
		(void)ioctl(m2, FIONREAD, &n1);
		res->ms = (int)xt_ms_since(t0);
		res->fd_ok = m1 >= 0 && m2 >= 0;
		res->relayed = m1 >= 0 && fstat(m1, &sb) == 0 &&
		    S_ISSOCK(sb.st_mode);
		write(pfd[1], res, sizeof(*res));
		_exit(0);
	}
	close(pfd[1]);
	close(efd[1]);
	if (read(pfd[0], res, sizeof(*res)) != sizeof(*res))
		res->fd_ok = -1;
	while (got < (ssize_t)sizeof(buf) - 1 &&
	    (n = read(efd[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = '\0';
	waitpid(pid, &st, 0);
	close(pfd[0]);
	close(efd[0]);
	for (n = 0; n < got; n++)
		if (buf[n] == '\n')
			res->diags++;
	snprintf(res->diag, sizeof(res->diag), "%.*s", (int)strcspn(buf, "\n"),
	    buf);
}

/* Does dir hold the lock file, or (unless squatted) the socket? */
static int
holds_anything(const char *dir, int squatted)
{
	char		path[512];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/xptyd.v3", dir);
	if (!squatted && lstat(path, &st) == 0)
		return (1);
	snprintf(path, sizeof(path), "%s/xptyd.v3.lock", dir);
	return (lstat(path, &st) == 0);
}

/* A directory that must be refused: one diagnostic, direct, nothing made. */
static void
refused_in(const char *what, const char *dir, const char *why, int squatted)
{
	struct result	r;

	open_in(dir, &r);
	ok(r.fd_ok == 1, "%s: open(/dev/ptmx) still gives a manager", what);
	if (xt_engine_direct())
		return;
	ok(!r.relayed, "%s: not through the daemon there", what);
	ok(r.diags == 1 && strstr(r.diag, why) != NULL,
	    "%s: one diagnostic, saying '%s' (%d: %s)", what, why, r.diags,
	    r.diag);
	ok(!holds_anything(dir, squatted), "%s: nothing created there", what);
}

static void
refused(const char *what, const char *dir, const char *why)
{
	refused_in(what, dir, why, 0);
}

/* A directory that must be used. */
static void
accepted(const char *what, const char *dir)
{
	struct result	r;

	open_in(dir, &r);
	ok(r.fd_ok == 1, "%s: open(/dev/ptmx) gives a manager", what);
	if (!xt_engine_direct())
		ok(r.relayed && r.diags == 0, "%s: through the daemon there "
		    "(%d diagnostics: %s)", what, r.diags, r.diag);
}

static void
mkdir_mode(const char *path, mode_t mode)
{
	mkdir(path, 0700);
	chmod(path, mode);
}

/* A listening socket at dir/xptyd.v3 that never accepts; queue full. */
static int
squat(const char *dir, int fill, int *fillers)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	int			l, i, c;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/xptyd.v3", dir);
	unlink(sun.sun_path);
	if ((l = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(l, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(l, fill ? 0 : 16) == -1)
		return (-1);
	for (i = 0; fill && i < 4; i++) {
		c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(c, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
			close(c);
			break;
		}
		fillers[i] = c;
	}
	return (l);
}

/* Has anyone connected to listener l? */
static int
connected_to(int l)
{
	struct pollfd	p = { .fd = l, .events = POLLIN };

	return (poll(&p, 1, 0) == 1);
}

static void
full_queue(void)
{
	char		dir[512];
	int		l, fillers[4] = { -1, -1, -1, -1 }, i;
	struct result	r;

	snprintf(dir, sizeof(dir), "%s/full", base);
	mkdir_mode(dir, 0700);
	if ((l = squat(dir, 1, fillers)) == -1) {
		ok(0, "a socket with a full accept queue: %s", strerror(errno));
		return;
	}
	open_in(dir, &r);
	ok(r.fd_ok == 1 && r.ms < 3000, "a socket that never accepts: the "
	    "opens return (in %d ms)", r.ms);
	if (!xt_engine_direct())
		ok(!r.relayed, "a socket that never accepts: direct engine");
	close(l);
	for (i = 0; i < 4; i++)
		if (fillers[i] != -1)
			close(fillers[i]);
}

static void
as_root(void)
{
	char	dir[512], dir2[512], link[512];
	int	l, fillers[4] = { -1, -1, -1, -1 }, i;

	/* /tmp/xpty-UID made first by someone else, in a sticky directory */
	snprintf(dir, sizeof(dir), "%s/sticky/xpty-0", base);
	mkdir_mode(dir, 0777);
	chown(dir, NOBODY, NOBODY);
	l = squat(dir, 0, fillers);
	chown(dir, NOBODY, NOBODY);
	refused_in("another user's directory", dir, "belongs to another user",
	    1);
	ok(l != -1 && !connected_to(l),
	    "another user's directory: nothing connected to its socket");
	if (l != -1)
		close(l);
	snprintf(dir, sizeof(dir), "%s/sticky/full-0", base);
	mkdir_mode(dir, 0777);
	l = squat(dir, 1, fillers);
	chown(dir, NOBODY, NOBODY);
	refused_in("another user's directory, accept queue full", dir,
	    "belongs to another user", 1);
	if (l != -1)
		close(l);
	for (i = 0; i < 4; i++)
		if (fillers[i] != -1)
			close(fillers[i]);
	/* a directory above it that another user owns */
	snprintf(dir, sizeof(dir), "%s/theirs", base);
	mkdir_mode(dir, 0755);
	chown(dir, NOBODY, NOBODY);
	snprintf(dir2, sizeof(dir2), "%s/theirs/run", base);
	mkdir_mode(dir2, 0700);
	refused("a directory above owned by another user", dir2,
	    "belongs to another user");
	/* a link another user owns, to a directory of ours */
	snprintf(dir, sizeof(dir), "%s/unused", base);
	mkdir_mode(dir, 0700);
	snprintf(link, sizeof(link), "%s/sticky/theirlink", base);
	symlink(dir, link);
	lchown(link, NOBODY, NOBODY);
	refused("a link another user owns", link, "a link another user owns");
}

int
main(int argc, char **argv)
{
	const char	*run = getenv("XPTY_RUNDIR");
	char		 dir[512], link[512];

	xt_init(argc, argv);
	if (run == NULL)
		skip_all("no XPTY_RUNDIR");
	snprintf(base, sizeof(base), "%s/rundir", run);
	mkdir_mode(base, 0700);
	snprintf(dir, sizeof(dir), "%s/good", base);
	mkdir_mode(dir, 0700);
	accepted("a directory of ours, mode 0700", dir);
	snprintf(dir, sizeof(dir), "%s/open", base);
	mkdir_mode(dir, 0755);
	refused("mode 0755", dir, "mode 0755");
	snprintf(dir, sizeof(dir), "%s/shared", base);
	mkdir_mode(dir, 0777);
	snprintf(dir, sizeof(dir), "%s/shared/run", base);
	refused("a directory above writable by others, not sticky", dir,
	    "writable by others and not sticky");
	ok(access(dir, F_OK) == -1, "... and it was not created");
	snprintf(dir, sizeof(dir), "%s/sticky", base);
	mkdir_mode(dir, 01777);
	snprintf(dir, sizeof(dir), "%s/sticky/run", base);
	accepted("missing, in a sticky directory: made 0700 and used", dir);
	snprintf(dir, sizeof(dir), "%s/good", base);
	snprintf(link, sizeof(link), "%s/mylink", base);
	symlink(dir, link);
	accepted("a link of ours to a directory of ours", link);
	refused("a relative path", "relative/run", "not an absolute path");
	full_queue();
	if (getuid() == 0)
		as_root();
	else
		diag("not root: the other user's cases are not run");
	return (done_testing());
}
