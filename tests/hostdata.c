/*
 * hostdata.c - ptys made by openpty() and forkpty() keep the host's data
 * semantics, while the SVR4 calls still work on them (issue 14, xpty(7)
 * "Engines").
 *
 * Each sequence runs twice, in a child: in native mode (plain Linux) and
 * in the test's own mode (svr4, in the engine of the build); what a
 * program observes must be the same.  The sequences: the manager's read
 * after the subsidiary's last close (Linux: EIO, every time), expect's
 * close-then-reopen of the subsidiary (the data of the reopened one
 * arrives, no end of file in between), isatty() of the manager, a zero-
 * length write on the subsidiary (nothing), and the same read after the
 * manager was inherited across exec.  In svr4 mode the subsidiary still
 * has ptem, ldterm and ttcompat (I_FIND), I_LIST works on the manager,
 * and a pty from posix_openpt() still reads the SVR4 end of file (0).
 */
#include <pty.h>

#include "xtest.h"

#define NRES	6

/* What one run observed, as small integers (compared across modes). */
struct res {
	int	v[NRES];
};

static const char *const what[NRES] = {
	"read after the last close: -1 EIO",
	"read again: -1 EIO again",
	"close and reopen by name: the reopened subsidiary's data, no end of file",
	"isatty(manager)",
	"zero-length write on the subsidiary: the manager reads nothing",
	"after exec, the inherited manager's read after the last close",
};

/* A read of m within 2 s: its result, or -errno; -1000 if none came. */
static int
read_result(int m, char *buf, size_t len)
{
	struct timeval	tv = { 2, 0 };
	fd_set		rf;
	ssize_t		r;

	FD_ZERO(&rf);
	FD_SET(m, &rf);
	if (select(m + 1, &rf, NULL, NULL, &tv) <= 0)
		return (-1000);
	r = read(m, buf, len);
	return (r >= 0 ? (int)r : -errno);
}

/* The exec'd image: fd 3 is the manager, its subsidiary is closed. */
static int
exec_main(void)
{
	char	buf[64];

	return (read_result(3, buf, sizeof(buf)) == -EIO ? 0 : 1);
}

static void
sequence(struct res *r, char **argv)
{
	char	name[64], buf[64];
	int	m, s, st, n, sync[2];
	pid_t	pid;

	memset(r, 0, sizeof(*r));
	if (openpty(&m, &s, name, NULL, NULL) == -1)
		return;
	close(s);
	r->v[0] = read_result(m, buf, sizeof(buf)) == -EIO;
	r->v[1] = read_result(m, buf, sizeof(buf)) == -EIO;
	/*
	 * expect: the child reopens the subsidiary by name and writes; the
	 * manager reads once it has (natively a read before would be EIO).
	 */
	if (pipe(sync) == -1)
		return;
	if ((pid = fork()) == 0) {
		s = open(name, O_RDWR | O_NOCTTY);
		(void)!write(s, "hi", 2);
		(void)!write(sync[1], "", 1);
		usleep(300000);
		_exit(0);
	}
	(void)!read(sync[0], buf, 1);
	n = read_result(m, buf, sizeof(buf));
	r->v[2] = n == 2 && memcmp(buf, "hi", 2) == 0;
	waitpid(pid, &st, 0);
	close(sync[0]);
	close(sync[1]);
	(void)read_result(m, buf, sizeof(buf));	/* the EIO of its close */
	r->v[3] = isatty(m);
	s = open(name, O_RDWR | O_NOCTTY);
	(void)!write(s, "", 0);
	(void)!write(s, "z", 1);
	n = read_result(m, buf, sizeof(buf));
	r->v[4] = n == 1 && buf[0] == 'z';
	close(s);
	(void)read_result(m, buf, sizeof(buf));	/* the EIO of that close */
	if ((pid = fork()) == 0) {
		dup2(m, 3);
		execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
		_exit(127);
	}
	r->v[5] = waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0;
	close(m);
}

/* Run sequence() in a child, in native mode or in this test's mode. */
static void
run(struct res *r, char **argv, int native)
{
	int	p[2], st;
	pid_t	pid;

	memset(r, 0, sizeof(*r));
	if (pipe(p) == -1)
		return;
	if ((pid = fork()) == 0) {
		close(p[0]);
		alarm(20);	/* a read that blocks for ever fails the run */
		if (native) {
			setenv("XPTY_MODE", "native", 1);	/* for the exec */
			xpty_setmode(XPTY_NATIVE);
		}
		sequence(r, argv);
		(void)!write(p[1], r, sizeof(*r));
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], r, sizeof(*r)) != sizeof(*r))
		memset(r, 0, sizeof(*r));
	close(p[0]);
	waitpid(pid, &st, 0);
}

/* The SVR4 calls work on openpty's pty; posix_openpt keeps SVR4's 0. */
static void
check_svr4_calls(void)
{
	char	buf[16];
	int	m = -1, s = -1, sp = -1;

	ok(openpty(&m, &s, NULL, NULL, NULL) == 0, "openpty");
	is_int(ioctl(s, I_FIND, "ptem"), 1, "openpty: I_FIND ptem 1");
	is_int(ioctl(s, I_FIND, "ldterm"), 1, "openpty: I_FIND ldterm 1");
	is_int(ioctl(s, I_FIND, "ttcompat"), 1, "openpty: I_FIND ttcompat 1");
	is_int(ioctl(m, I_LIST, NULL), 1, "openpty: I_LIST on the manager 1");
	is_int(ioctl(m, ISPTM, 0), 0, "openpty: ISPTM on the manager 0");
	is_int(isastream(m), 1, "openpty: isastream(manager) 1");
	close(s);
	close(m);
	ok(xt_pair(&m, &sp, NULL, 0, O_NOCTTY) == 0, "posix_openpt pair");
	close(sp);
	is_int(read_result(m, buf, sizeof(buf)), 0,
	    "posix_openpt: the last close still reads 0 (SVR4)");
	close(m);
}

int
main(int argc, char **argv)
{
	struct res	native, svr4;
	int		i;

	if (argc > 1 && strcmp(argv[1], "exec") == 0)
		return (exec_main());
	xt_init(argc, argv);
	run(&native, argv, 1);
	run(&svr4, argv, 0);
	for (i = 0; i < NRES; i++) {
		ok(native.v[i] == 1, "native: %s (%d)", what[i],
		    native.v[i]);
		is_int(svr4.v[i], native.v[i], "openpty in svr4 mode: %s, as "
		    "natively", what[i]);
	}
	check_svr4_calls();
	return (done_testing());
}
