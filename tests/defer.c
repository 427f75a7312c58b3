/*
 * defer.c - a new manager's relay waits for its first use (lib/defer.c).
 *
 * In the default engine (t_, p_) posix_openpt gives the host manager
 * itself until the manager is first used or could leave the process's
 * sight; then it is the relay socket, as it is from the start in the
 * relay engine (r_), and never in the direct one (d_).  What a user
 * sees: an open that is never used starts no daemon; the first write,
 * read, poll, dup, fdopen, fork, exec, posix_spawn, system, popen,
 * vfork or SCM_RIGHTS send makes the manager a socket, with its status
 * and descriptor flags, and data flows both ways after it.  XPTY_DEFER=0
 * turns deferral off (the manager is a socket from the open).
 */
#include "xtest.h"

#include <sys/socket.h>
#include <poll.h>
#include <spawn.h>

extern char	**environ;

/* What the manager should be after its first use, in this engine. */
static int
want_sock(void)
{
	return (!xt_engine_direct());
}

/*
 * Does this build defer (lib/host_linux.c's HOST_CAP_DEFER: Linux on
 * x86_64 and aarch64; not --with-host=bsdimit, which imitates a BSD)?
 * The suite says the host ($XPTY_TEST_HOST, tests/Makefile.am).
 */
static int
host_defers(void)
{
	const char	*h = getenv("XPTY_TEST_HOST");

#if defined(__x86_64__) || defined(__aarch64__)
	return (h == NULL || strcmp(h, "linux") == 0);
#else
	(void)h;
	return (0);
#endif
}

/* ... and before it: a socket only in the relay engine. */
static int
want_sock_before(void)
{
	const char	*e = getenv("XPTY_ENGINE"), *d = getenv("XPTY_DEFER");

	if (xt_engine_direct())
		return (0);
	if ((e != NULL && strcmp(e, "relay") == 0) ||
	    (d != NULL && strcmp(d, "0") == 0) || !host_defers())
		return (1);
	return (0);
}

static int
is_sock(int fd)
{
	struct stat	st;

	return (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode));
}

/* A manager, granted and unlocked, its subsidiary open and pushed. */
static int
pair(int *m, int *s)
{
	if (xt_pair(m, s, NULL, 0, O_NOCTTY) == -1 || xt_push3(*s) == -1)
		return (-1);
	return (0);
}

/* Bytes both ways: manager to subsidiary, and back. */
static int
flows(int m, int s)
{
	char	buf[16];

	if (write(m, "ab\n", 3) != 3 || xt_read_for(s, buf, sizeof(buf),
	    2000) != 3 || memcmp(buf, "ab\n", 3) != 0)
		return (0);
	if (write(s, "cd", 2) != 2 || xt_read_for(m, buf, 2, 2000) != 2 ||
	    memcmp(buf, "cd", 2) != 0)
		return (0);
	return (1);
}

static void
close_pair(int m, int s)
{
	close(s);
	close(m);
}

/* An open that is never used starts no daemon (first: none runs yet). */
static void
t_unused(void)
{
	int	m, s, i, ok_all = 1;

	for (i = 0; i < 3; i++) {
		if (pair(&m, &s) == -1) {
			ok_all = 0;
			break;
		}
		ok_all &= is_sock(m) == want_sock_before();
		close_pair(m, s);
	}
	ok(ok_all, "open, grantpt, unlockpt, ptsname, subsidiary, three "
	    "pushes: the manager is %s", want_sock_before() ? "the relay "
	    "socket" : "the host manager");
	if (!xt_engine_direct())
		ok((xt_daemon_pid() != 0) == want_sock_before(), "xptyd %s",
		    want_sock_before() ? "serves them" : "was never started");
}

/* A raw pair (no echo), then use; the manager before and after. */
static void
t_first(const char *what, int (*use)(int m, int s))
{
	int	m, s, before, r;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1) {
		ok(0, "%s: a pair", what);
		return;
	}
	before = is_sock(m);
	r = use(m, s);
	ok(r && before == want_sock_before() && is_sock(m) == want_sock(),
	    "%s: the manager is %s after it, data flows", what,
	    want_sock() ? "the relay socket" : "the host manager");
	close_pair(m, s);
}

static int
use_write(int m, int s)
{
	return (flows(m, s));
}

static int
use_read(int m, int s)
{
	char	c;

	/* a plain blocking read: xt_read_for's select would come first */
	return (write(s, "z", 1) == 1 && read(m, &c, 1) == 1 && c == 'z' &&
	    flows(m, s));
}

static int
use_poll(int m, int s)
{
	struct pollfd	p = { m, POLLIN, 0 };

	return (write(s, "q", 1) == 1 && poll(&p, 1, 2000) == 1 &&
	    (p.revents & POLLIN) && xt_read_for(m, &p, 1, 2000) == 1 &&
	    flows(m, s));
}

static int
use_dup(int m, int s)
{
	struct stat	a, b;
	int		d = dup(m), r;

	r = d != -1 && fstat(m, &a) == 0 && fstat(d, &b) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev && flows(d, s) &&
	    flows(m, s);
	if (d != -1)
		close(d);
	return (r);
}

/* stdio's reads are libc's own: fdopen itself must make the relay */
static int
use_fdopen(int m, int s)
{
	FILE	*f;
	char	 line[16];
	int	 r;

	if ((f = fdopen(m, "r")) == NULL)
		return (0);
	r = is_sock(m) == want_sock() && write(s, "fgets\n", 6) == 6 &&
	    fgets(line, sizeof(line), f) != NULL &&
	    strcmp(line, "fgets\n") == 0;
	/* f is left open: close_pair closes m */
	return (r && flows(m, s));
}

static int
use_sendmsg(int m, int s)
{
	char		 cbuf[CMSG_SPACE(sizeof(int))], c = 'x';
	struct iovec	 iov = { &c, 1 };
	struct msghdr	 msg = { 0 };
	struct cmsghdr	*cm;
	int		 sv[2], got = -1, r;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return (0);
	memset(cbuf, 0, sizeof(cbuf));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &m, sizeof(int));
	if (sendmsg(sv[0], &msg, 0) != 1 || recvmsg(sv[1], &msg, 0) != 1) {
		close(sv[0]);
		close(sv[1]);
		return (0);
	}
	if ((cm = CMSG_FIRSTHDR(&msg)) != NULL && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&got, CMSG_DATA(cm), sizeof(int));
	r = got != -1 && is_sock(got) == want_sock() && flows(m, s);
	if (got != -1)
		close(got);
	close(sv[0]);
	close(sv[1]);
	return (r);
}

/* The child's answer: exit 0 if its manager (number m) is a socket. */
static int
child_status_ok(int status)
{
	return (WIFEXITED(status) && (WEXITSTATUS(status) == 0) == want_sock());
}

static int
use_fork(int m, int s)
{
	pid_t	pid;
	char	c = 0;
	int	st;

	if ((pid = fork()) == 0)
		_exit(write(m, "F", 1) == 1 && is_sock(m) ? 0 : 1);
	if (pid == -1 || waitpid(pid, &st, 0) != pid)
		return (0);
	/* the child's byte reached the subsidiary through its manager */
	return (child_status_ok(st) && xt_read_for(s, &c, 1, 2000) == 1 &&
	    c == 'F' && flows(m, s));
}

/* The shell's test of descriptor m: a socket? */
static void
test_cmd(char *buf, size_t len, int m)
{
	snprintf(buf, len, "test -S /proc/self/fd/%d", m);
}

static int
use_execl(int m, int s)
{
	char	cmd[64];
	pid_t	pid;
	int	st;

	test_cmd(cmd, sizeof(cmd), m);
	if ((pid = fork()) == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return (pid != -1 && waitpid(pid, &st, 0) == pid &&
	    child_status_ok(st) && flows(m, s));
}

/* exec without a fork first: the process itself becomes the shell. */
static int
use_exec_self(int m, int s)
{
	char	cmd[64], num[16];
	pid_t	pid;
	int	st, p[2];

	(void)m;
	(void)s;
	if (pipe(p) == -1)
		return (0);
	if ((pid = fork()) == -1)
		return (0);
	if (pid == 0) {
		/* a deferred manager of its own, then exec */
		int	cm, cs;

		close(p[0]);
		if (pair(&cm, &cs) == -1)
			_exit(126);
		snprintf(num, sizeof(num), "%d", is_sock(cm));
		(void)write(p[1], num, strlen(num));
		close(p[1]);
		test_cmd(cmd, sizeof(cmd), cm);
		execlp("sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	memset(num, 0, sizeof(num));
	(void)xt_read_for(p[0], num, sizeof(num) - 1, 5000);
	close(p[0]);
	return (waitpid(pid, &st, 0) == pid && child_status_ok(st) &&
	    atoi(num) == want_sock_before());
}

static int
use_spawn(int m, int s)
{
	char	 cmd[64], *argv[] = { "sh", "-c", cmd, NULL };
	pid_t	 pid;
	int	 st;

	test_cmd(cmd, sizeof(cmd), m);
	if (posix_spawnp(&pid, "sh", NULL, NULL, argv, environ) != 0)
		return (0);
	return (waitpid(pid, &st, 0) == pid && child_status_ok(st) &&
	    flows(m, s));
}

static int
use_system(int m, int s)
{
	char	cmd[64];

	test_cmd(cmd, sizeof(cmd), m);
	return (child_status_ok(system(cmd)) && flows(m, s));
}

static int
use_popen(int m, int s)
{
	char	 cmd[96], out[8] = "";
	FILE	*f;

	snprintf(cmd, sizeof(cmd), "test -S /proc/self/fd/%d; echo $?", m);
	if ((f = popen(cmd, "r")) == NULL)
		return (0);
	(void)fgets(out, sizeof(out), f);
	pclose(f);
	return ((atoi(out) == 0) == want_sock() && flows(m, s));
}

static int
use_vfork(int m, int s)
{
	char		 cmd[64];
	char *const	 argv[] = { "sh", "-c", cmd, NULL };
	pid_t		 pid;
	int		 st;

	test_cmd(cmd, sizeof(cmd), m);
	if ((pid = vfork()) == 0) {
		execv("/bin/sh", argv);
		_exit(127);
	}
	return (pid != -1 && waitpid(pid, &st, 0) == pid &&
	    child_status_ok(st) && flows(m, s));
}

#define A10	"a", "a", "a", "a", "a", "a", "a", "a", "a", "a"

/*
 * execle's list is rebuilt by libxpty: 70 arguments (more than it keeps
 * on the stack) and the environment after them reach the program.
 */
static int
use_execle(int m, int s)
{
	char	 cmd[160], *envp[] = { "XV=yes", NULL };
	pid_t	 pid;
	int	 st;

	snprintf(cmd, sizeof(cmd), "test $# = 70 && test \"$XV\" = yes && "
	    "test -S /proc/self/fd/%d", m);
	if ((pid = fork()) == 0) {
		execle("/bin/sh", "sh", "-c", cmd, "sh", A10, A10, A10, A10, A10,
		    A10, A10, (char *)NULL, envp);
		_exit(127);
	}
	return (pid != -1 && waitpid(pid, &st, 0) == pid &&
	    child_status_ok(st) && flows(m, s));
}

/* The manager's status and descriptor flags survive the promotion. */
static void
t_flags(void)
{
	char	c;
	int	m, s, fl, fdfl;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) ==
	    -1 || grantpt(m) == -1 || unlockpt(m) == -1 ||
	    (s = open(ptsname(m), O_RDWR | O_NOCTTY)) == -1) {
		ok(0, "a non-blocking, close-on-exec manager");
		return;
	}
	errno = 0;
	ok(read(m, &c, 1) == -1 && errno == EAGAIN && is_sock(m) == want_sock(),
	    "a non-blocking manager's first read: EAGAIN (errno %d)", errno);
	fl = fcntl(m, F_GETFL);
	fdfl = fcntl(m, F_GETFD);
	ok(fl != -1 && (fl & O_NONBLOCK) && fdfl != -1 && (fdfl & FD_CLOEXEC),
	    "O_NONBLOCK and FD_CLOEXEC are still set");
	ok(fcntl(m, F_SETFL, fl & ~O_NONBLOCK) == 0 && flows(m, s),
	    "made blocking, data flows");
	close_pair(m, s);
}

/*
 * The subsidiary closed and opened again before the manager's first use:
 * the last close dismantled the stream (the new open finds no modules)
 * and left the manager its zero-length message, then the new data.
 */
static void
t_reopen(void)
{
	char	name[64], buf[8];
	int	m, s, found;
	ssize_t	r1 = -2, r2 = -2;

	if (xt_engine_direct()) {
		skip("reopen: the direct engine dismantles at the manager's "
		    "read");
		return;
	}
	if (xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == -1 ||
	    xt_push3(s) == -1) {
		ok(0, "reopen: a pair with ptem, ldterm, ttcompat");
		return;
	}
	close(s);
	if ((s = open(name, O_RDWR | O_NOCTTY)) == -1) {
		ok(0, "reopen: %s opens again", name);
		close(m);
		return;
	}
	found = ioctl(s, I_FIND, "ldterm");
	if (write(s, "x", 1) == 1) {
		r1 = xt_read_for(m, buf, sizeof(buf), 2000);
		r2 = xt_read_for(m, buf, sizeof(buf), 2000);
	}
	ok(found == 0, "reopen before the first use: the new open finds no "
	    "ldterm (I_FIND %d)", found);
	ok(r1 == 0 && r2 == 1 && buf[0] == 'x', "reopen before the first "
	    "use: the manager reads the last close's 0, then the data "
	    "(%zd, %zd)", r1, r2);
	close_pair(m, s);
}

/* A manager closed by its process's death, never used: the hangup. */
static void
t_died(void)
{
	char	name[64], c;
	pid_t	pid;
	int	p[2], s = -1, st;

	if (pipe(p) == -1)
		return;
	if ((pid = fork()) == 0) {
		int	m;

		if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1 ||
		    grantpt(m) == -1 || unlockpt(m) == -1)
			_exit(1);
		(void)write(p[1], ptsname(m), strlen(ptsname(m)) + 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	memset(name, 0, sizeof(name));
	if (xt_read_for(p[0], name, sizeof(name) - 1, 5000) > 0)
		s = open(name, O_RDWR | O_NOCTTY);
	close(p[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	ok(s != -1 && xt_read_for(s, &c, 1, 3000) <= 0,
	    "a process killed holding a manager it never used: its "
	    "subsidiary reads the hangup");
	if (s != -1)
		close(s);
}

int
main(int argc, char **argv)
{
	xt_init(argc, argv);
	t_unused();
	t_first("write", use_write);
	t_first("read", use_read);
	t_first("poll", use_poll);
	t_first("dup", use_dup);
	t_first("fdopen", use_fdopen);
	t_first("sendmsg SCM_RIGHTS", use_sendmsg);
	t_first("fork", use_fork);
	t_first("fork, execl", use_execl);
	t_first("fork, execle with 70 arguments", use_execle);
	t_first("posix_spawnp", use_spawn);
	t_first("system", use_system);
	t_first("popen", use_popen);
	t_first("vfork, execv", use_vfork);
	t_first("a process's own exec", use_exec_self);
	t_flags();
	t_reopen();
	t_died();
	return (done_testing());
}
