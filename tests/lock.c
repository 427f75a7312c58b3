/*
 * lock.c - manager open and the subsidiary lock.
 */
#include <sys/select.h>
#include "xtest.h"

static void
check_locked_open(const char *how, int m)
{
	char	*name = ptsname(m);
	int	 s;

	ok(name != NULL, "%s: ptsname works before grantpt/unlockpt", how);
	errno = 0;
	s = open(name, O_RDWR | O_NOCTTY);
	ok(s == -1 && errno == EAGAIN, "%s: locked subsidiary open fails EAGAIN", how);
	is_int(unlockpt(m), 0, "%s: unlockpt", how);
	is_int(unlockpt(m), 0, "%s: unlockpt twice is fine", how);
	s = open(name, O_RDWR | O_NOCTTY);
	ok(s >= 0, "%s: subsidiary opens after unlockpt", how);
	close(s);
	close(m);
}

static void
check_child_unlock(void)
{
	int	m = posix_openpt(O_RDWR | O_NOCTTY), st, s;
	pid_t	pid;

	grantpt(m);
	if ((pid = fork()) == 0) {
		setsid();
		_exit(unlockpt(m) == 0 ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "unlockpt from a child after setsid");
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	ok(s >= 0, "parent opens the subsidiary the child unlocked");
	close(s);
	close(m);
}

static void
check_unlkpt_ioctl(void)
{
	struct strioctl	si = { .ic_cmd = UNLKPT, .ic_timout = 0, .ic_len = 0, .ic_dp = NULL };
	int		m = posix_openpt(O_RDWR | O_NOCTTY), s;

	is_int(ioctl(m, I_STR, &si), 0, "I_STR UNLKPT returns 0");
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	ok(s >= 0, "I_STR UNLKPT unlocked the subsidiary");
	close(s);
	close(m);
	m = posix_openpt(O_RDWR | O_NOCTTY);
	is_int(ioctl(m, UNLKPT, 0), 0, "direct UNLKPT returns 0");
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	ok(s >= 0, "direct UNLKPT unlocked the subsidiary");
	close(s);
	close(m);
}

/* Opening without O_NOCTTY after setsid makes it the controlling tty. */
static void
check_ctty(void)
{
	int	m, s, st;
	char	name[64];
	pid_t	pid;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	grantpt(m);
	unlockpt(m);
	snprintf(name, sizeof(name), "%s", ptsname(m));
	if ((pid = fork()) == 0) {
		setsid();
		s = open(name, O_RDWR);
		if (s == -1)
			_exit(2);
		if (ioctl(s, I_PUSH, "ptem") == -1 || ioctl(s, I_PUSH, "ldterm") == -1)
			_exit(3);
		if (open("/dev/tty", O_RDWR) == -1)
			_exit(4);
		_exit(tcgetsid(s) == getpid() ? 0 : 5);
	}
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : 99, 0,
	    "SVR4 controlling terminal: setsid, open without O_NOCTTY, /dev/tty opens");
	close(m);
}

int
main(int argc, char **argv)
{
	int	m;

	xt_init(argc, argv);
	check_locked_open("posix_openpt", posix_openpt(O_RDWR | O_NOCTTY));
	check_locked_open("getpt", getpt());
	check_locked_open("open /dev/ptmx", open("/dev/ptmx", O_RDWR | O_NOCTTY));
	check_locked_open("openat /dev/ptmx", openat(AT_FDCWD, "/dev/ptmx", O_RDWR | O_NOCTTY));
	m = posix_openpt(O_RDWR | O_NOCTTY);
	is_int(ioctl(m, ISPTM, 0), 0, "ISPTM on a new manager");
	close(m);
	check_child_unlock();
	check_unlkpt_ioctl();
	check_ctty();
	return (done_testing());
}
