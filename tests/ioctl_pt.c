/*
 * ioctl_pt.c - the pty driver ioctls (ISPTM direct and through I_STR),
 * bad struct strioctl arguments, I_STR of commands nobody on the stream
 * knows, and isastream() (issues 2, 3 and 14).
 */
#include "xtest.h"

static int
str_ioctl(int fd, int cmd)
{
	struct strioctl	si = { .ic_cmd = cmd, .ic_timout = 0, .ic_len = 0, .ic_dp = NULL };

	return (ioctl(fd, I_STR, &si));
}

static void
check_isptm(const char *what, int fd, int want_ok)
{
	errno = 0;
	if (want_ok) {
		is_int(ioctl(fd, ISPTM, 0), 0, "ISPTM on %s: 0", what);
		is_int(str_ioctl(fd, ISPTM), 0, "I_STR ISPTM on %s: 0", what);
	} else {
		int	r = ioctl(fd, ISPTM, 0);

		ok(r == -1 && errno == EINVAL, "ISPTM on %s: -1 EINVAL (got %d)", what, r);
		errno = 0;
		r = str_ioctl(fd, ISPTM);
		ok(r == -1 && errno == EINVAL, "I_STR ISPTM on %s: -1 EINVAL (got %d)", what, r);
	}
}

static void
check_bad_strioctl(const char *what, int fd, int is_mgr)
{
	struct strioctl	si = { .ic_cmd = ISPTM, .ic_timout = 0, .ic_len = 0, .ic_dp = NULL };
	int		r;

	errno = 0;
	r = ioctl(fd, I_STR, NULL);
	ok(r == -1 && errno == EFAULT, "%s: I_STR with NULL strioctl: -1 EFAULT", what);
	errno = 0;
	r = ioctl(fd, I_STR, xt_unmapped());
	ok(r == -1 && errno == EFAULT, "%s: I_STR with unmapped strioctl: -1 EFAULT", what);
	si.ic_len = -1;
	errno = 0;
	r = ioctl(fd, I_STR, &si);
	ok(r == -1 && errno == EINVAL, "%s: I_STR ic_len -1: -1 EINVAL", what);
	si.ic_len = 0;
	si.ic_timout = -2;
	errno = 0;
	r = ioctl(fd, I_STR, &si);
	ok(r == -1 && errno == EINVAL, "%s: I_STR ic_timout -2: -1 EINVAL", what);
	si.ic_timout = -1;
	errno = 0;
	r = ioctl(fd, I_STR, &si);
	if (is_mgr)
		is_int(r, 0, "%s: I_STR ISPTM with ic_timout -1 (infinite): 0", what);
	else
		ok(r == -1 && errno == EINVAL,
		    "%s: I_STR ISPTM with ic_timout -1 reaches the driver: EINVAL", what);
}

/*
 * I_STR carries an M_IOCTL down the stream: a command no module and
 * neither driver knows is NAKed, EINVAL; it never reaches the host.
 */
static void
check_str_unknown(const char *what, int fd)
{
	struct strioctl	si;
	int		one = 1, fl, r;

	fl = fcntl(fd, F_GETFL);
	memset(&si, 0, sizeof(si));
	si.ic_cmd = FIONBIO;
	si.ic_len = sizeof(one);
	si.ic_dp = (char *)&one;
	errno = 0;
	r = ioctl(fd, I_STR, &si);
	ok(r == -1 && errno == EINVAL, "%s: I_STR FIONBIO: -1 EINVAL (got %d)",
	    what, r);
	is_int(fcntl(fd, F_GETFL) & O_NONBLOCK, fl & O_NONBLOCK,
	    "%s: I_STR FIONBIO left O_NONBLOCK as it was", what);
	memset(&si, 0, sizeof(si));
	si.ic_cmd = 0x12345678;
	errno = 0;
	r = ioctl(fd, I_STR, &si);
	ok(r == -1 && errno == EINVAL, "%s: I_STR 0x12345678: -1 EINVAL (got %d)",
	    what, r);
	si.ic_cmd = FIONREAD;
	si.ic_len = sizeof(one);
	si.ic_dp = (char *)&one;
	errno = 0;
	r = ioctl(fd, I_STR, &si);
	ok(r == -1 && errno == EINVAL, "%s: I_STR FIONREAD (a stream-head "
	    "request, no module's): -1 EINVAL (got %d)", what, r);
}

/* ... while a command a pushed module answers still works. */
static void
check_str_module(int s)
{
	struct strioctl	si;
	struct termios	t;
	int		r;

	memset(&si, 0, sizeof(si));
	si.ic_cmd = TCGETS;
	si.ic_len = sizeof(t);
	si.ic_dp = (char *)&t;
	errno = 0;
	r = ioctl(s, I_STR, &si);
	ok(r == -1 && errno == EINVAL, "bare subsidiary: I_STR TCGETS: -1 EINVAL "
	    "(no ptem)");
	ok(xt_push3(s) == 0, "push ptem, ldterm, ttcompat");
	is_int(ioctl(s, I_STR, &si), 0, "subsidiary with ptem: I_STR TCGETS: 0");
	check_str_unknown("subsidiary with modules", s);
}

int
main(int argc, char **argv)
{
	char	name[64];
	int	m = -1, s = -1, p[2], dn, fd;

	xt_init(argc, argv);
	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	ok(pipe(p) == 0, "pipe");
	dn = open("/dev/null", O_RDWR);
	ok(dn >= 0, "/dev/null");

	check_isptm("the manager", m, 1);
	check_isptm("the subsidiary", s, 0);
	check_isptm("a pipe", p[0], 0);
	check_isptm("/dev/null", dn, 0);

	check_bad_strioctl("manager", m, 1);
	check_bad_strioctl("subsidiary", s, 0);
	is_int(ioctl(m, ISPTM, 0), 0, "manager still answers ISPTM after the bad calls");
	check_str_unknown("manager", m);
	check_str_unknown("bare subsidiary", s);
	check_str_module(s);

	errno = 0;
	ok(ioctl(p[1], I_PUSH, "ptem") == -1 && errno == EINVAL, "I_PUSH on a pipe: -1 EINVAL");
	errno = 0;
	ok(ioctl(dn, I_PUSH, "ldterm") == -1 && errno == EINVAL, "I_PUSH on /dev/null: -1 EINVAL");

	is_int(isastream(m), 1, "isastream(manager) == 1");
	is_int(isastream(s), 1, "isastream(subsidiary) == 1");
	is_int(isastream(p[0]), 0, "isastream(pipe) == 0");
	is_int(isastream(dn), 0, "isastream(/dev/null) == 0");
	fd = dup(dn);
	close(fd);
	errno = 0;
	ok(isastream(fd) == -1 && errno == EBADF, "isastream(closed fd): -1 EBADF");

	close(s);
	close(m);
	close(p[0]);
	close(p[1]);
	close(dn);
	return (done_testing());
}
