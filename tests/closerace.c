/*
 * closerace.c - a close() racing a read() on a manager leaves the pty
 * that reuses the descriptor number intact (issue 11, D8).  Thread A
 * blocks in read(m1); the main thread closes m1 and opens m2, which gets
 * m1's number (and, as often as not, its stream's memory); then m1's
 * subsidiary closes, so that A's read ends with m1's zero-length message
 * or hangup.  Whatever A's read returns, it must not act on m2: m2's
 * grantpt, unlockpt, subsidiary open, data both ways, window size and
 * its own zero-length message at its subsidiary's close all work.
 * Several rounds, in every engine.
 */
#include <sys/syscall.h>
#include <poll.h>
#include <pthread.h>

#include "xtest.h"

static int M1;
static volatile ssize_t a_rv;
static volatile pid_t a_tid;

static void *
reader(void *arg)
{
	char	b[8];

	(void)arg;
	a_tid = (pid_t)syscall(SYS_gettid);
	a_rv = read(M1, b, sizeof(b));
	return (NULL);
}

/* Wait until thread A sleeps (in its read: it does nothing else). */
static int
reader_blocked(void)
{
	char	 path[64], buf[256], *p;
	FILE	*f;
	int	 i, sleeping = 0;

	for (i = 0; i < 300 && !sleeping; i++) {
		usleep(10000);
		if (a_tid == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat",
		    (int)a_tid);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    (p = strrchr(buf, ')')) != NULL && p[1] == ' ' &&
		    p[2] == 'S')
			sleeping = 1;
		fclose(f);
	}
	return (sleeping);
}

static int
round_trip(int m, int s, char *why, size_t whylen)
{
	struct winsize	w = { 24, 80, 0, 0 };
	char		c = 0;
	ssize_t		r;

	if (write(s, "x", 1) != 1 || xt_read_for(m, &c, 1, 2000) != 1 ||
	    c != 'x')
		return (snprintf(why, whylen, "no data subsidiary->m2"), -1);
	if (write(m, "y", 1) != 1 || xt_read_for(s, &c, 1, 2000) != 1 ||
	    c != 'y')
		return (snprintf(why, whylen, "no data m2->subsidiary"), -1);
	if (ioctl(m, TIOCSWINSZ, &w) == -1)
		return (snprintf(why, whylen, "TIOCSWINSZ: %s", strerror(errno)),
		    -1);
	close(s);
	r = xt_read_for(m, &c, 1, 2000);
	if (r != 0)
		return (snprintf(why, whylen, "read(m2) after its subsidiary's "
		    "close = %zd (%s), not the zero-length message", r,
		    strerror(errno)), -1);
	return (0);
}

static void
one_round(int n)
{
	char		 name[64], why[160] = "";
	pthread_t	 t;
	int		 s1, m2, s2 = -1, i;
	char		*p;

	if (xt_pair(&M1, &s1, NULL, 0, O_NOCTTY) == -1) {
		ok(0, "round %d: first pty: %s", n, strerror(errno));
		return;
	}
	a_rv = -2;
	a_tid = 0;
	pthread_create(&t, NULL, reader, NULL);
	if (!reader_blocked())
		diag("round %d: thread A never seen blocked in read()", n);
	close(M1);
	m2 = posix_openpt(O_RDWR | O_NOCTTY);
	close(s1);
	for (i = 0; i < 300 && a_rv == -2; i++)
		usleep(10000);
	ok(a_rv != -2, "round %d: the read of the closed manager returned "
	    "(%zd)", n, a_rv);
	if (a_rv != -2)
		pthread_join(t, NULL);
	else
		pthread_detach(t);
	if (m2 == -1) {
		ok(0, "round %d: posix_openpt for m2: %s", n, strerror(errno));
		return;
	}
	if (grantpt(m2) == -1)
		snprintf(why, sizeof(why), "grantpt: %s", strerror(errno));
	else if (unlockpt(m2) == -1)
		snprintf(why, sizeof(why), "unlockpt: %s", strerror(errno));
	else if ((p = ptsname(m2)) == NULL)
		snprintf(why, sizeof(why), "ptsname: %s", strerror(errno));
	else if (snprintf(name, sizeof(name), "%s", p) < 0 ||
	    (s2 = open(name, O_RDWR | O_NOCTTY)) == -1)
		snprintf(why, sizeof(why), "open(%s): %s", name, strerror(errno));
	else
		(void)round_trip(m2, s2, why, sizeof(why));
	ok(why[0] == '\0', "round %d: m2 (fd %d, m1 was fd %d) works%s%s", n,
	    m2, M1, why[0] ? ": " : "", why);
	close(m2);
}

int
main(int argc, char **argv)
{
	int	i;

	xt_init(argc, argv);
	for (i = 1; i <= 5; i++)
		one_round(i);
	return (done_testing());
}
