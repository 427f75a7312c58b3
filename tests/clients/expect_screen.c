/*
 * expect_screen.c - expect's and GNU screen's order: ptsname first.
 *
 * expect pty_termios.c exp_getptymaster() (HAVE_PTMX): open /dev/ptmx,
 *   slave_name = ptsname(master) BEFORE grantpt and unlockpt, ioctl
 *   TIOCFLUSH on the manager (result ignored), and keep the pointer
 *   itself in exp_pty_slave_name;
 * screen pty.c OpenPTY() (HAVE_SVR4_PTYS): SIGCHLD set to SIG_DFL around
 *   "ptsname(f) == NULL || grantpt(f) || unlockpt(f)";
 * xterm: unlockpt again in the child after setsid.
 * exp_getptyslave() in the child: open the kept name O_RDWR (no
 *   O_NOCTTY: it becomes the controlling terminal), push ptem, ldterm,
 *   ttcompat, logging failures and carrying on.
 * The pointer ptsname returned must still hold the same text at the end
 * (in the child and in the parent).
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/stropts.h>
#include <sys/ptms.h>

#include "client.h"

static char *exp_pty_slave_name;	/* expect keeps ptsname's pointer */
static char saved_name[64];		/* the test's own copy to compare */

static int
exp_getptymaster(void)
{
	char	*slave_name;
	int	 master;

	if ((master = open("/dev/ptmx", O_RDWR)) == -1)
		return (-1);
	if ((slave_name = (char *)ptsname(master)) == NULL) {
		close(master);
		return (-1);
	}
	snprintf(saved_name, sizeof(saved_name), "%s", slave_name);
	if (grantpt(master)) {
		close(master);
		return (-1);
	}
	if (-1 == (int)unlockpt(master)) {
		close(master);
		return (-1);
	}
#ifdef TIOCFLUSH
	(void) ioctl(master, TIOCFLUSH, (char *)0);
#endif
	exp_pty_slave_name = slave_name;
	return (master);
}

/* screen's OpenPTY for SVR4 ptys, on a second manager. */
static int
screen_openpty(char *TtyName, size_t len)
{
	void (*sigcld)(int);
	char	*m;
	int	 f;

	if ((f = open("/dev/ptmx", O_RDWR | O_NOCTTY)) == -1)
		return (-1);
	sigcld = signal(SIGCHLD, SIG_DFL);
	if ((m = ptsname(f)) == NULL || grantpt(f) || unlockpt(f)) {
		signal(SIGCHLD, sigcld);
		close(f);
		return (-1);
	}
	signal(SIGCHLD, sigcld);
	strncpy(TtyName, m, len - 1);
	TtyName[len - 1] = '\0';
	return (f);
}

/* exp_getptyslave(), after the fork and setsid. */
static int
exp_getptyslave(void)
{
	int	slave;

	if (0 > (slave = open(exp_pty_slave_name, O_RDWR)))
		return (-1);
	if (ioctl(slave, I_PUSH, "ptem"))
		fprintf(stderr, "ioctl(%d,I_PUSH,\"ptem\") = %s\n", slave, strerror(errno));
	if (ioctl(slave, I_PUSH, "ldterm"))
		fprintf(stderr, "ioctl(%d,I_PUSH,\"ldterm\") = %s\n", slave, strerror(errno));
	if (ioctl(slave, I_PUSH, "ttcompat"))
		fprintf(stderr, "ioctl(%d,I_PUSH,\"ttcompat\") = %s\n", slave, strerror(errno));
	return (slave);
}

int
main(int argc, char **argv)
{
	static const char *const child_names[] = {
		"ptsname's pointer still holds the name in the child",
		"setsid", "unlockpt again after setsid", "subsidiary opens by the kept name",
		"it became the controlling terminal (/dev/tty opens)",
		"the pushes made it a terminal",
		"ttcompat, ldterm, ptem are on the stream (I_LIST 4, I_LOOK ttcompat)",
		"write a greeting",
	};
	char			screen_tty[64], buf[128];
	struct child_res	cr;
	int			master, sm, s, fd;
	ssize_t			r;
	pid_t			pid;

	client_init(argc, argv);

	master = exp_getptymaster();
	if (!ok(master >= 0, "exp_getptymaster: ptsname, then grantpt and unlockpt"))
		return (done_testing());
	ok(strncmp(saved_name, "/dev/pts/", 9) == 0,
	    "ptsname before grantpt gives /dev/pts/N (%s)", saved_name);
	ok(strcmp(exp_pty_slave_name, saved_name) == 0,
	    "the kept pointer still holds the name after grantpt/unlockpt (%s)",
	    exp_pty_slave_name);

	child_res_init(&cr);
	if ((pid = fork()) == 0) {
		close(cr.fd[0]);
		child_check(&cr, strcmp(exp_pty_slave_name, saved_name) == 0,
		    child_names[0]);
		child_check(&cr, setsid() != -1, child_names[1]);
		child_check(&cr, unlockpt(master) == 0, child_names[2]);
		s = exp_getptyslave();
		child_check(&cr, s >= 0, child_names[3]);
		fd = open("/dev/tty", O_RDWR);
		child_check(&cr, fd >= 0, child_names[4]);
		child_check(&cr, isatty(s) == 1, child_names[5]);
		{
			char	top[FMNAMESZ + 1] = "";

			child_check(&cr, ioctl(s, I_LIST, NULL) == 4 &&
			    ioctl(s, I_LOOK, top) == 0 && strcmp(top, "ttcompat") == 0,
			    child_names[6]);
		}
		child_check(&cr, write(s, "ready\n", 6) == 6, child_names[7]);
		_exit(0);
	}
	r = read_until(master, buf, sizeof(buf), "\n", 3000);
	child_report(&cr, pid, child_names,
	    (int)(sizeof(child_names) / sizeof(child_names[0])), "expect child");
	ok(r == 7 && memcmp(buf, "ready\r\n", 7) == 0,
	    "the manager reads the child's line with ldterm's CR NL (got \"%s\")",
	    show(buf, r > 0 ? (size_t)r : 0));
	ok(strcmp(exp_pty_slave_name, saved_name) == 0,
	    "the kept pointer still holds \"%s\" after the fork, the child's session and I/O",
	    saved_name);

	/* GNU screen: the same order with SIGCHLD at SIG_DFL */
	sm = screen_openpty(screen_tty, sizeof(screen_tty));
	ok(sm >= 0, "screen OpenPTY: ptsname || grantpt || unlockpt");
	if (sm >= 0) {
		s = open(screen_tty, O_RDWR | O_NOCTTY);
		ok(s >= 0, "screen opens %s after the unlock", screen_tty);
		ok(strcmp(screen_tty, saved_name) != 0, "a different pty than expect's");
		if (s >= 0)
			close(s);
		close(sm);
	}
	close(master);
	return (done_testing());
}
