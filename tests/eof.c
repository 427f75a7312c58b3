/*
 * eof.c - the subsidiary's last close as the manager sees it: the data,
 * then one read of 0, then EAGAIN / blocking until a new open; the stream
 * is dismantled (issue 2).
 *
 * Built as every behavioural test is (tests/gen-twins.sh): t_eof linked
 * and p_eof preloaded run in the default engine (lease), d_eof in the
 * direct one; the same observations hold in each.
 */
#include "xtest.h"

static void
on_alarm(int sig)
{
	(void)sig;
}

static void
check_last_close(void)
{
	char	name[64], buf[64];
	int	m = -1, s = -1, s2, st;
	double	t0;
	ssize_t	r;
	pid_t	pid;

	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	ok(ioctl(s, I_PUSH, "ptem") == 0 && ioctl(s, I_PUSH, "ldterm") == 0, "push ptem, ldterm");
	s2 = dup(s);
	is_int(write(s, "abc", 3), 3, "subsidiary writes abc");
	close(s);
	close(s2);
	r = read(m, buf, sizeof(buf));
	ok(r == 3 && memcmp(buf, "abc", 3) == 0, "manager reads abc (got %zd)", r);
	errno = 0;
	r = read(m, buf, sizeof(buf));
	is_int(r, 0, "next read returns 0 (the zero-length message)");
	errno = 0;
	r = xt_read_nb(m, buf, sizeof(buf));
	ok(r == -1 && errno == EAGAIN, "next O_NONBLOCK read: -1 EAGAIN (got %zd)", r);
	errno = 0;
	r = xt_read_nb(m, buf, sizeof(buf));
	ok(r == -1 && errno == EAGAIN, "and again: -1 EAGAIN, no second 0");
	is_int(ioctl(m, ISPTM, 0), 0, "the manager is still a manager");

	s = open(name, O_RDWR | O_NOCTTY);
	ok(s >= 0, "reopening %s succeeds (still unlocked)", name);
	is_int(ioctl(s, I_LIST, NULL), 1, "the stream was dismantled: reopened subsidiary is bare");
	errno = 0;
	ok(isatty(s) == 0 && errno == ENOTTY, "reopened subsidiary is not a tty");
	is_int(write(s, "new\n", 4), 4, "reopened subsidiary writes new\\n");
	r = xt_read_for(m, buf, 4, 1000);
	ok(r == 4 && memcmp(buf, "new\n", 4) == 0, "manager reads new\\n (raw, no ONLCR)");
	close(s);
	r = read(m, buf, sizeof(buf));
	is_int(r, 0, "second last close: read 0 again");

	/* a blocking read after the 0 waits for a reopen and a write */
	if ((pid = fork()) == 0) {
		int	c;

		usleep(200000);
		if ((c = open(name, O_RDWR | O_NOCTTY)) == -1)
			_exit(1);
		if (write(c, "late", 4) != 4)
			_exit(2);
		usleep(50000);
		_exit(0);
	}
	{
		struct sigaction	sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;	/* no SA_RESTART: EINTR ends a stuck read */
		sigaction(SIGALRM, &sa, NULL);
	}
	t0 = xt_now();
	alarm(3);
	r = read(m, buf, sizeof(buf));
	alarm(0);
	ok(r == 4 && memcmp(buf, "late", 4) == 0, "blocking read returns the new data (got %zd)", r);
	ok(xt_ms_since(t0) >= 150, "it blocked until the reopen (%ld ms)", xt_ms_since(t0));
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : 100, 0, "child reopened and wrote");
	alarm(3);
	r = read(m, buf, sizeof(buf));
	alarm(0);
	is_int(r, 0, "child's exit closed the subsidiary: read 0");
	close(m);
}

/* I_NREAD counts the zero-length message of the last close. */
static void
check_nread_eof(void)
{
	char	name[64], buf[64];
	int	m = -1, s = -1, n;

	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	is_int(write(s, "ab", 2), 2, "subsidiary writes ab");
	close(s);
	usleep(20000);
	n = -1;
	is_int(ioctl(m, I_NREAD, &n), 2, "I_NREAD after the last close: 2 messages (data, zero-length)");
	is_int(n, 2, "I_NREAD: the first message holds 2 bytes");
	ok(read(m, buf, sizeof(buf)) == 2, "manager reads ab");
	n = -1;
	is_int(ioctl(m, I_NREAD, &n), 1, "I_NREAD: the zero-length message counts 1");
	is_int(n, 0, "I_NREAD: with 0 bytes");
	is_int(read(m, buf, sizeof(buf)), 0, "read consumes it: 0");
	n = -1;
	is_int(ioctl(m, I_NREAD, &n), 0, "I_NREAD: nothing queued now");
	is_int(n, 0, "I_NREAD: *arg 0");
	close(m);
}

/* A reopen and close with no data is a new last close: another 0. */
static void
check_empty_reopen(void)
{
	char	name[64], buf[64];
	int	m = -1, s = -1, st;
	ssize_t	r;
	pid_t	pid;

	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	close(s);
	is_int(read(m, buf, sizeof(buf)), 0, "last close: read 0");
	if ((pid = fork()) == 0) {
		int	c;

		usleep(200000);
		if ((c = open(name, O_RDWR | O_NOCTTY)) == -1)
			_exit(1);
		close(c);
		_exit(0);
	}
	alarm(3);
	r = read(m, buf, sizeof(buf));
	alarm(0);
	is_int(r, 0, "blocking read: a reopen and close without data gives another 0");
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : 100, 0, "child reopened and closed");
	close(m);
}

/* The EOF reader: a client writes and exits; the manager reads to 0. */
static void
check_reader(void)
{
	char	name[64], buf[64];
	int	m = -1, s = -1, st;
	size_t	got = 0;
	ssize_t	r;
	pid_t	pid;

	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	if ((pid = fork()) == 0) {
		close(m);
		if (write(s, "bye", 3) != 3)
			_exit(1);
		_exit(0);
	}
	close(s);	/* the child holds the only subsidiary descriptor now */
	alarm(3);
	while (got < sizeof(buf) && (r = read(m, buf + got, sizeof(buf) - got)) > 0)
		got += (size_t)r;
	alarm(0);
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : 100, 0, "client (holding the inherited subsidiary) wrote bye and exited");
	ok(got == 3 && memcmp(buf, "bye", 3) == 0, "manager read bye before the end");
	is_int(r, 0, "then read returned 0 (not -1 EIO)");
	close(m);
}

/* Manager closed: the subsidiary is hung up. */
static void
check_manager_close(void)
{
	char	name[64], buf[8];
	int	m = -1, s = -1;
	ssize_t	r;

	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	close(m);
	alarm(3);
	r = read(s, buf, sizeof(buf));
	alarm(0);
	is_int(r, 0, "hung-up subsidiary: read returns 0 without blocking");
	errno = 0;
	r = write(s, "x", 1);
	ok(r == -1 && errno == EIO, "hung-up subsidiary: write -1 EIO");
	close(s);
}

int
main(int argc, char **argv)
{
	struct sigaction	sa;

	xt_init(argc, argv);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	check_last_close();
	check_nread_eof();
	check_empty_reopen();
	check_reader();
	check_manager_close();
	return (done_testing());
}
