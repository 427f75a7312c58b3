/*
 * firstclose.c - the first-close rule (issue 13): a manager whose
 * subsidiary was never opened has nothing to read, no end of file and no
 * hangup, even where the host's allocator opens and closes the
 * subsidiary itself (OpenBSD's posix_openpt; --with-host=bsdimit
 * imitates it, lib/host_bsdimit.c).  Only after a subsidiary was opened
 * and closed does the manager read 0, the zero-length message.
 *
 * Built as every behavioural test is (tests/gen-twins.sh).  The direct
 * engine's manager is the host manager itself: poll(2) on it is the
 * host's, which on such a host shows POLLHUP from the start, so the poll
 * checks are skipped there (reads are the library's in every engine).
 */
#include <poll.h>

#include "xtest.h"

#define QUIET_MS	200	/* how long a fresh manager must stay quiet */

static void
on_alarm(int sig)
{
	(void)sig;
}

/* A new manager, granted and unlocked, its subsidiary never opened. */
static int
fresh_manager(char *name, size_t len)
{
	char	*p;
	int	 m;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1)
		return (-1);
	if (grantpt(m) == -1 || unlockpt(m) == -1 || (p = ptsname(m)) == NULL) {
		close(m);
		return (-1);
	}
	snprintf(name, len, "%s", p);
	return (m);
}

/* The revents of a poll of m for POLLIN within ms, 0 if none. */
static int
poll_in(int m, int ms)
{
	struct pollfd	pfd = { .fd = m, .events = POLLIN };

	if (poll(&pfd, 1, ms) <= 0)
		return (0);
	return (pfd.revents);
}

/* A blocking read, ended by SIGALRM after secs if it hangs. */
static ssize_t
read_guarded(int m, char *buf, size_t len, unsigned secs)
{
	ssize_t	r;

	alarm(secs);
	r = read(m, buf, len);
	alarm(0);
	return (r);
}

static void
check_quiet(void)
{
	char	name[64], buf[16];
	ssize_t	r;
	int	m, rev;

	ok((m = fresh_manager(name, sizeof(name))) >= 0, "a fresh manager");
	errno = 0;
	r = xt_read_nb(m, buf, sizeof(buf));
	ok(r == -1 && errno == EAGAIN,
	    "O_NONBLOCK read before any open: -1 EAGAIN (got %zd, %s)", r,
	    r == -1 ? strerror(errno) : "no error");
	errno = 0;
	r = xt_read_nb(m, buf, sizeof(buf));
	ok(r == -1 && errno == EAGAIN, "and again: no end of file");
	if (xt_engine_direct())
		skip("direct engine: poll of the host manager is the host's");
	else {
		rev = poll_in(m, QUIET_MS);
		ok(rev == 0, "poll for %d ms: no POLLIN, no POLLHUP (revents %#x)",
		    QUIET_MS, rev);
	}
	close(m);
}

static void
check_open_close(void)
{
	char	name[64], buf[16];
	ssize_t	r;
	int	m, s, rev;

	ok((m = fresh_manager(name, sizeof(name))) >= 0, "another fresh manager");
	s = open(name, O_RDWR | O_NOCTTY);
	ok(s >= 0, "open %s", name);
	close(s);
	if (xt_engine_direct())
		skip("direct engine: poll of the host manager is the host's");
	else {
		rev = poll_in(m, 2000);
		ok(rev & POLLIN, "after open and close the manager polls POLLIN "
		    "(revents %#x)", rev);
	}
	r = read_guarded(m, buf, sizeof(buf), 3);
	is_int(r, 0, "it reads 0: the zero-length message of the last close");
	errno = 0;
	r = xt_read_nb(m, buf, sizeof(buf));
	ok(r == -1 && errno == EAGAIN, "then O_NONBLOCK: -1 EAGAIN (got %zd)", r);
	close(m);
}

/* A blocking read of a fresh manager waits for the first open's bytes. */
static void
check_blocking(void)
{
	char	name[64], buf[16];
	double	t0;
	ssize_t	r;
	pid_t	pid;
	int	m, st;

	ok((m = fresh_manager(name, sizeof(name))) >= 0, "a third fresh manager");
	if ((pid = fork()) == 0) {
		int	c;

		usleep(QUIET_MS * 1000);
		if ((c = open(name, O_RDWR | O_NOCTTY)) == -1)
			_exit(1);
		if (write(c, "hi", 2) != 2)
			_exit(2);
		close(c);
		_exit(0);
	}
	t0 = xt_now();
	r = read_guarded(m, buf, sizeof(buf), 3);
	ok(r == 2 && memcmp(buf, "hi", 2) == 0,
	    "a blocking read waits for the first open and reads its hi "
	    "(got %zd after %ld ms)", r, xt_ms_since(t0));
	ok(xt_ms_since(t0) >= QUIET_MS / 2, "it waited (%ld ms)",
	    xt_ms_since(t0));
	r = read_guarded(m, buf, sizeof(buf), 3);
	is_int(r, 0, "then 0: that subsidiary's last close");
	ok(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "the child opened, wrote and closed");
	close(m);
}

int
main(int argc, char **argv)
{
	struct sigaction	sa;

	xt_init(argc, argv);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: EINTR ends a stuck read */
	sigaction(SIGALRM, &sa, NULL);
	check_quiet();
	check_open_close();
	check_blocking();
	done_testing();
}
