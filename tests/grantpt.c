/*
 * grantpt.c - grantpt(3C): ownership of the subsidiary, never forks,
 * error numbers (SPEC 3, 7.5, 7.6; issue 2).
 */
#include <sys/socket.h>
#include <grp.h>
#include "xtest.h"

static volatile sig_atomic_t nchld;

static void
on_chld(int sig)
{
	(void)sig;
	nchld++;
}

static gid_t
tty_gid(void)
{
	struct group *gr = getgrnam("tty");

	return gr != NULL ? gr->gr_gid : getgid();
}

static void
check_owner(void)
{
	struct stat st;
	char name[64];
	int m = posix_openpt(O_RDWR | O_NOCTTY);

	ok(m >= 0, "posix_openpt");
	is_int(grantpt(m), 0, "grantpt on a manager returns 0");
	snprintf(name, sizeof(name), "%s", ptsname(m));
	is_int(stat(name, &st), 0, "stat %s", name);
	is_int(st.st_uid, getuid(), "subsidiary owned by the real uid");
	is_int(st.st_gid, tty_gid(), "subsidiary group is tty (or getgid())");
	is_int(st.st_mode & 07777, 0620, "subsidiary mode is 0620");
	ok(S_ISCHR(st.st_mode), "subsidiary is a character device");
	close(m);
}

/* grantpt must not fork a helper: no SIGCHLD whatever its disposition. */
static void
check_no_fork(void)
{
	struct sigaction sa, old;
	sigset_t set, oldset, pend;
	int m, i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &old);
	nchld = 0;
	for (i = 0; i < 3; i++) {
		m = posix_openpt(O_RDWR | O_NOCTTY);
		is_int(grantpt(m), 0, "grantpt #%d with a SIGCHLD handler", i + 1);
		close(m);
	}
	is_int(nchld, 0, "no SIGCHLD delivered: grantpt never forks");

	sa.sa_handler = SIG_IGN;
	sigaction(SIGCHLD, &sa, NULL);
	m = posix_openpt(O_RDWR | O_NOCTTY);
	is_int(grantpt(m), 0, "grantpt with SIGCHLD ignored returns 0");
	close(m);

	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &oldset);
	m = posix_openpt(O_RDWR | O_NOCTTY);
	is_int(grantpt(m), 0, "grantpt with SIGCHLD blocked returns 0");
	close(m);
	sigpending(&pend);
	is_int(sigismember(&pend, SIGCHLD), 0, "no SIGCHLD pending after grantpt");
	sigprocmask(SIG_SETMASK, &oldset, NULL);
	is_int(nchld, 0, "no SIGCHLD delivered after unblocking");
	sigaction(SIGCHLD, &old, NULL);
}

static void
check_errors(void)
{
	char name[64];
	int m = -1, s = -1, p[2], fd;

	fd = open("/dev/null", O_RDONLY);
	close(fd);
	errno = 0;
	ok(grantpt(fd) == -1 && errno == EBADF, "grantpt on a closed fd: -1 EBADF");

	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	errno = 0;
	ok(grantpt(s) == -1 && errno == EINVAL, "grantpt on the subsidiary: -1 EINVAL");
	close(s);
	close(m);

	ok(pipe(p) == 0, "pipe");
	errno = 0;
	ok(grantpt(p[0]) == -1 && errno == EINVAL, "grantpt on a pipe: -1 EINVAL");
	close(p[0]);
	close(p[1]);
}

int
main(int argc, char **argv)
{
	xt_init(argc, argv);
	check_owner();
	check_no_fork();
	check_errors();
	return done_testing();
}
