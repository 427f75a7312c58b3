/*
 * fdlife.c - managed descriptors across dup, close_range, closefrom, fork,
 * exec and threads (issue 2: interposition core).
 */
#include <pthread.h>
#include "xtest.h"

/* The copy c of a manager whose original is closed still acts as one. */
static void
check_copy(const char *how, int m, int c)
{
	char	name[64], buf[16];
	int	s;
	ssize_t	n;

	ok(c >= 0 && c != m, "%s: got a new descriptor", how);
	is_int(ioctl(c, ISPTM, 0), 0, "%s: ISPTM 0 on the copy", how);
	snprintf(name, sizeof(name), "%s", ptsname(m));
	close(m);
	is_int(ioctl(c, ISPTM, 0), 0, "%s: ISPTM 0 on the copy after closing the original", how);
	ok(ptsname(c) != NULL && strcmp(ptsname(c), name) == 0,
	    "%s: ptsname of the copy after closing the original", how);
	is_int(grantpt(c), 0, "%s: grantpt on the copy", how);
	is_int(unlockpt(c), 0, "%s: unlockpt on the copy", how);
	s = open(name, O_RDWR | O_NOCTTY);
	ok(s >= 0, "%s: subsidiary opens", how);
	is_int(ioctl(s, I_LIST, NULL), 1, "%s: subsidiary is bare", how);
	is_int(write(s, "ab", 2), 2, "%s: subsidiary writes", how);
	close(s);
	n = xt_read_for(c, buf, 2, 1000);
	ok(n == 2 && memcmp(buf, "ab", 2) == 0, "%s: the copy reads the data", how);
	n = read(c, buf, sizeof(buf));
	is_int(n, 0, "%s: the copy reads 0 after the last subsidiary close", how);
	close(c);
}

static void
check_dups(void)
{
	int	m, c;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	check_copy("dup", m, dup(m));
	m = posix_openpt(O_RDWR | O_NOCTTY);
	check_copy("dup2", m, dup2(m, 150));
	m = posix_openpt(O_RDWR | O_NOCTTY);
	c = dup3(m, 151, O_CLOEXEC);
	ok(c == 151 && (fcntl(c, F_GETFD) & FD_CLOEXEC), "dup3 O_CLOEXEC sets close-on-exec");
	check_copy("dup3", m, c);
	m = posix_openpt(O_RDWR | O_NOCTTY);
	check_copy("F_DUPFD", m, fcntl(m, F_DUPFD, 160));
	m = posix_openpt(O_RDWR | O_NOCTTY);
	check_copy("F_DUPFD_CLOEXEC", m, fcntl(m, F_DUPFD_CLOEXEC, 170));

	/* dup2 of a pipe over a manager forgets the manager */
	m = posix_openpt(O_RDWR | O_NOCTTY);
	{
		int	p[2];

		ok(pipe(p) == 0, "pipe");
		is_int(dup2(p[0], m), m, "dup2 pipe over a manager");
		errno = 0;
		ok(ioctl(m, ISPTM, 0) == -1 && errno == EINVAL,
		    "ISPTM EINVAL on the pipe dup2'ed over a manager");
		close(p[0]);
		close(p[1]);
		close(m);
	}
}

/* After fds are closed without close(), pipes reusing the numbers are pipes. */
static void
check_reuse(const char *how, int lo, int hi)
{
	int	p[2], i, fails = 0, reused = 0, fd;

	for (i = lo; i <= hi; i += 2) {
		if (pipe(p) != 0)
			break;
		for (fd = 0; fd < 2; fd++) {
			if (p[fd] >= lo && p[fd] <= hi)
				reused++;
			errno = 0;
			if (!(ioctl(p[fd], ISPTM, 0) == -1 && errno == EINVAL))
				fails++;
			if (isastream(p[fd]) != 0)
				fails++;
		}
	}
	ok(reused > 0, "%s: pipes reused the closed numbers (%d)", how, reused);
	is_int(fails, 0, "%s: pipes on reused numbers are not ptys (ISPTM EINVAL, isastream 0)", how);
}

static void
check_close_range(void)
{
	int	m[4], i, fd;

	fd = open("/dev/null", O_RDONLY);	/* lowest free number */
	close(fd);
	for (i = 0; i < 4; i++)
		m[i] = posix_openpt(O_RDWR | O_NOCTTY);
	ok(m[0] == fd && m[3] == fd + 3, "managers on %d..%d", m[0], m[3]);
	is_int(close_range((unsigned)m[0], (unsigned)m[3], 0), 0, "close_range over managers");
	errno = 0;
	ok(fcntl(m[0], F_GETFD) == -1 && errno == EBADF, "close_range closed them");
	check_reuse("close_range", m[0], m[3]);
	for (i = 0; i < 4; i++)
		close(m[0] + i);

	for (i = 0; i < 4; i++)
		m[i] = posix_openpt(O_RDWR | O_NOCTTY);
	ok(m[0] == fd && m[3] == fd + 3, "managers on %d..%d again", m[0], m[3]);
	closefrom(m[0]);
	errno = 0;
	ok(fcntl(m[3], F_GETFD) == -1 && errno == EBADF, "closefrom closed them");
	check_reuse("closefrom", m[0], m[3]);
	for (i = 0; i < 4; i++)
		close(m[0] + i);
}

static void
check_fork(void)
{
	char	name[64];
	int	m = posix_openpt(O_RDWR | O_NOCTTY), st, s;
	pid_t	pid;

	snprintf(name, sizeof(name), "%s", ptsname(m));
	if ((pid = fork()) == 0) {
		char	*p;

		if (ioctl(m, ISPTM, 0) != 0)
			_exit(1);
		if (grantpt(m) != 0)
			_exit(2);
		if (unlockpt(m) != 0)
			_exit(3);
		if ((p = ptsname(m)) == NULL || strcmp(p, name) != 0)
			_exit(4);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : 99, 0,
	    "fork: child does ISPTM, grantpt, unlockpt, ptsname on the inherited manager");
	s = open(name, O_RDWR | O_NOCTTY);
	ok(s >= 0, "fork: the child's unlockpt unlocked the subsidiary");
	close(s);
	close(m);
}

/* In the exec'd image: argv[2] pushed subsidiary, argv[3] bare one. */
static int
exec_child(char **argv)
{
	int	s = atoi(argv[2]), b = atoi(argv[3]), rc = 0;

	if (ioctl(s, I_LIST, NULL) != 3)
		rc |= 1;
	if (isastream(s) != 1)
		rc |= 2;
	if (isatty(s) != 1)
		rc |= 4;
	if (ioctl(s, I_FIND, "ldterm") != 1)
		rc |= 8;
	errno = 0;
	if (isatty(b) != 0 || errno != ENOTTY)
		rc |= 16;
	if (ioctl(b, I_LIST, NULL) != 1)
		rc |= 32;
	if (isastream(b) != 1)
		rc |= 64;
	return (rc);
}

static void
check_exec(void)
{
	char	name[64], sfd[16], bfd[16], *args[5];
	int	m, s, m2, b, st;
	pid_t	pid;

	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	ok(ioctl(s, I_PUSH, "ptem") == 0 && ioctl(s, I_PUSH, "ldterm") == 0, "push ptem, ldterm");
	ok(xt_pair(&m2, &b, NULL, 0, O_NOCTTY) == 0, "bare pty pair");
	snprintf(sfd, sizeof(sfd), "%d", s);
	snprintf(bfd, sizeof(bfd), "%d", b);
	args[0] = xt_argv[0];
	args[1] = "child";
	args[2] = sfd;
	args[3] = bfd;
	args[4] = NULL;
	if ((pid = fork()) == 0) {
		execv("/proc/self/exe", args);
		_exit(255);
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st), "exec: child exited");
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 255;
	ok(st != 255, "exec: child image ran");
	if (!xt_state_shared()) {
		for (st = 0; st < 7; st++)
			skip("exec: the stream state is per process here "
			    "(direct engine, page store)");
		goto out;
	}
	ok(st != 255 && !(st & 1), "exec: inherited subsidiary keeps its stack (I_LIST NULL 3)");
	ok(st != 255 && !(st & 2), "exec: isastream(inherited subsidiary) == 1");
	ok(st != 255 && !(st & 4), "exec: isatty(inherited subsidiary with ldterm) == 1");
	ok(st != 255 && !(st & 8), "exec: I_FIND ldterm == 1 in the new image");
	ok(st != 255 && !(st & 16), "exec: inherited bare subsidiary: isatty 0, ENOTTY");
	ok(st != 255 && !(st & 32), "exec: inherited bare subsidiary: I_LIST NULL 1");
	ok(st != 255 && !(st & 64), "exec: isastream(inherited bare subsidiary) == 1");
out:
	close(s);
	close(b);
	close(m);
	close(m2);
}

#define NTHR	8
#define NITER	200

static void *
thr_main(void *arg)
{
	int	i, m, s, *fails = arg;

	for (i = 0; i < NITER; i++) {
		if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1) {
			(*fails)++;
			continue;
		}
		if (ioctl(s, I_PUSH, "ptem") != 0 || ioctl(s, I_PUSH, "ldterm") != 0 ||
		    ioctl(s, I_LIST, NULL) != 3 || ioctl(m, ISPTM, 0) != 0)
			(*fails)++;
		if (close(s) != 0 || close(m) != 0)
			(*fails)++;
	}
	return (NULL);
}

static void
check_threads(void)
{
	pthread_t	th[NTHR];
	int		fails[NTHR], before, after, i, total = 0;

	before = xt_count_fds(0);
	for (i = 0; i < NTHR; i++) {
		fails[i] = 0;
		if (pthread_create(&th[i], NULL, thr_main, &fails[i]) != 0)
			fails[i] = NITER;
	}
	for (i = 0; i < NTHR; i++) {
		pthread_join(th[i], NULL);
		total += fails[i];
	}
	after = xt_count_fds(0);
	is_int(total, 0, "threads: %d x %d open/push/close, no failures", NTHR, NITER);
	is_int(after, before, "threads: no descriptor leak");
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "child") == 0)
		return (exec_child(argv));
	xt_init(argc, argv);
	check_dups();
	check_close_range();
	check_fork();
	check_exec();
	check_threads();
	return (done_testing());
}
