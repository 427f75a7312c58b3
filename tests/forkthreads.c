/*
 * forkthreads.c - fork() in a process whose other threads open and close
 * ptys leaves the child a consistent pty state (issue 11, D7).  Four
 * threads run the SVR4 open sequence and close in a loop while the main
 * thread forks; each child opens /dev/ptmx, unlocks it, opens its
 * subsidiary and passes a byte (what a child may do before exec), and
 * must be done within a few seconds.  Before the fork gate, about one
 * child in a hundred failed unlockpt() with EBADF (it inherited a slot
 * for a descriptor it never got).  The same again while the threads start
 * a daemon in a new run directory: a child forked then shared the start
 * lock and waited for it in vain.  Bounded by count and time.
 */
#include <pthread.h>

#include "xtest.h"

#define FORKS		800
#define SECS		8
#define CHILD_SECS	8
#define BIG		(32 << 20)

static volatile int stop;

static void *
churn(void *arg)
{
	int	m, s;

	(void)arg;
	while (!stop) {
		s = -1;
		(void)xt_pair(&m, &s, NULL, 0, O_NOCTTY);
		/*
		 * The manager first: its close waits for the hangup, so the
		 * loop goes no faster than the daemon frees ptys.
		 */
		if (m >= 0)
			close(m);
		if (s >= 0)
			close(s);
	}
	return (NULL);
}

/* In the child: 0 if its own pty works, else a code saying what failed. */
static int
child(void)
{
	char	c = 0, *p;
	int	m, s;

	alarm(CHILD_SECS);
	if ((m = open("/dev/ptmx", O_RDWR | O_NOCTTY)) == -1)
		return (errno == ENOSPC ? 9 : 10);
	if (unlockpt(m) == -1)
		return (errno == EBADF ? 11 : 12);
	if ((p = ptsname(m)) == NULL)
		return (13);
	if ((s = open(p, O_RDWR | O_NOCTTY)) == -1)
		return (14);
	if (write(s, "k", 1) != 1 || xt_read_for(m, &c, 1, 2000) != 1 ||
	    c != 'k')
		return (15);
	return (0);
}

static void
phase(const char *what)
{
	pthread_t	t[4];
	int		i, n, bad = 0, first = 0, full = 0, st;
	double		t0;
	pid_t		pid;

	stop = 0;
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, churn, NULL);
	t0 = xt_now();
	for (n = 0; n < FORKS && xt_now() - t0 < SECS; n++) {
		if ((pid = fork()) == 0)
			_exit(child());
		if (pid == -1) {
			usleep(10000);
			continue;
		}
		waitpid(pid, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 9) {
			full++;		/* the host has no pty left for anyone */
			continue;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			if (bad++ == 0)
				first = WIFEXITED(st) ? WEXITSTATUS(st) :
				    -WTERMSIG(st);
		}
	}
	stop = 1;
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	if (full > 0)
		diag("%s: %d children found no pty left on the host (ENOSPC)",
		    what, full);
	ok(n - full >= 20, "%s: %d forks beside four threads opening ptys",
	    what, n - full);
	if (!ok(bad == 0, "%s: every child's own pty works (%d of %d failed)",
	    what, bad, n))
		diag("first failure: %d (11: unlockpt EBADF; 10 open, 12 "
		    "unlockpt, 13 ptsname, 14 subsidiary open, 15 no data; "
		    "-14: not done in %d s)", first, CHILD_SECS);
}

int
main(int argc, char **argv)
{
	const char	*run = getenv("XPTY_RUNDIR");
	char		 dir[512], *big;
	int		 m, s;

	xt_init(argc, argv);
	/*
	 * Memory for fork() to copy: the longer the copy, the wider the
	 * window in which the other threads change things meanwhile.
	 */
	if ((big = malloc(BIG)) != NULL)
		memset(big, 1, BIG);
	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == 0)	/* the daemon runs */
		close(s);
	phase("the daemon running");
	close(m);
	if (run == NULL)
		skip_all("no XPTY_RUNDIR");
	snprintf(dir, sizeof(dir), "%s/second", run);
	if (mkdir(dir, 0700) == -1 || setenv("XPTY_RUNDIR", dir, 1) == -1) {
		ok(0, "a second run directory: %s", strerror(errno));
		return (done_testing());
	}
	phase("while the threads start a daemon");
	return (done_testing());
}
