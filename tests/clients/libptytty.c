/*
 * libptytty.c - rxvt-unicode's libptytty and Pintos' squish-pty.
 *
 * libptytty ptytty.C (HAVE_DEV_PTMX, HAVE_ISASTREAM): get_pty() opens
 * posix_openpt(O_RDWR | O_NOCTTY), grantpt, unlockpt, strdup(ptsname());
 * get_tty() opens it O_RDWR | O_NOCTTY; then
 *     if (isastream (tty) == 1)
 *       { ioctl (tty, I_PUSH, "ptem"); ... "ldterm"; ... "ttcompat"; }
 * with the results ignored; control_tty() in the child: setsid,
 * TIOCSCTTY, and /dev/tty must open.
 * Pintos utils/squish-pty.c: /dev/ptmx O_RDWR | O_NOCTTY, grantpt,
 * unlockpt, ptsname, open O_RDWR | O_NOCTTY, then
 *     if (isastream (slave))
 *       if (ioctl (slave, I_PUSH, "ptem") < 0 || ioctl (slave, I_PUSH, "ldterm") < 0)
 *         fail_io ("ioctl");
 * isastream must be 1 on both sides of a pty, 0 on a pipe.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <stropts.h>

#include "client.h"

static int
get_pty(char **ttydev)
{
	int	pfd = posix_openpt(O_RDWR | O_NOCTTY);

	if (pfd >= 0) {
		if (grantpt(pfd) == 0 && unlockpt(pfd) == 0) {
			*ttydev = strdup(ptsname(pfd));
			return (pfd);
		}
		close(pfd);
	}
	return (-1);
}

static int
get_tty(const char *ttydev)
{
	return (open(ttydev, O_RDWR | O_NOCTTY, 0));
}

static int
control_tty(int fd_tty)
{
	int	fd;

	setsid();
	ioctl(fd_tty, TIOCSCTTY, NULL);
	fd = open("/dev/tty", O_WRONLY);
	if (fd < 0)
		return (-1);
	close(fd);
	return (0);
}

static void
check_libptytty(void)
{
	char		*name = NULL;
	int		 pty, tty, p[2], st, gate;
	struct termios	 t;
	pid_t		 pid;

	pty = get_pty(&name);
	if (!ok(pty >= 0 && name != NULL, "libptytty get_pty"))
		return;
	tty = get_tty(name);
	if (!ok(tty >= 0, "libptytty get_tty %s", name))
		return;
	is_int(isastream(pty), 1, "isastream(manager) is 1");
	is_int(gate = isastream(tty), 1, "isastream(subsidiary) is 1");
	if (pipe(p) == 0) {
		is_int(isastream(p[0]), 0, "isastream(pipe read end) is 0");
		is_int(isastream(p[1]), 0, "isastream(pipe write end) is 0");
		close(p[0]);
		close(p[1]);
	}
	errno = 0;
	ok(isastream(-1) == -1 && errno == EBADF, "isastream(-1) is -1 EBADF");

	if (gate == 1) {
		ioctl(tty, I_PUSH, "ptem");
		ioctl(tty, I_PUSH, "ldterm");
		ioctl(tty, I_PUSH, "ttcompat");
	}
	is_int(ioctl(tty, I_LIST, NULL), 4,
	    "the gated pushes happened (I_LIST: three modules and pts)");
	ok(tcgetattr(tty, &t) == 0 && (t.c_lflag & ICANON) && (t.c_lflag & ECHO),
	    "the subsidiary is a terminal with ldterm's modes");
	is_int(isastream(tty), 1, "isastream(subsidiary) is still 1 with modules");

	if ((pid = fork()) == 0) {
		close(pty);
		_exit(control_tty(tty) == 0 && tcgetsid(tty) == getpid() ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : 99, 0,
	    "control_tty: setsid, TIOCSCTTY, /dev/tty opens");
	close(tty);
	close(pty);
	free(name);
}

static void
check_pintos(void)
{
	int		 master, slave, r;
	char		*name;
	struct termios	 t;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY);
	if (!ok(master >= 0, "Pintos: open /dev/ptmx"))
		return;
	ok(grantpt(master) >= 0 && unlockpt(master) >= 0 &&
	    (name = ptsname(master)) != NULL, "Pintos: grantpt, unlockpt, ptsname");
	name = ptsname(master);
	slave = open(name, O_RDWR | O_NOCTTY);
	if (!ok(slave >= 0, "Pintos: open %s", name))
		return;
	ok(isastream(slave), "Pintos: isastream(slave) is true");
	if (isastream(slave))
		ok(!(ioctl(slave, I_PUSH, "ptem") < 0 || ioctl(slave, I_PUSH, "ldterm") < 0),
		    "Pintos: push ptem and ldterm (fatal on failure)");
	is_int(ioctl(slave, I_FIND, "ttcompat"), 0, "Pintos: no ttcompat was pushed");
	ok(tcgetattr(slave, &t) == 0, "Pintos: the slave is a terminal");
	/*
	 * squish-pty sets termios on the master only if isatty(master):
	 * false on illumos (ptm has no ldterm), true on Linux; either way the
	 * answer must be coherent.
	 */
	errno = 0;
	r = isatty(master);
	ok(r == 1 ? tcgetattr(master, &t) == 0 : r == 0 && errno == ENOTTY,
	    "Pintos: isatty(master) is %d and coherent (tcgetattr works, or ENOTTY)", r);
	close(slave);
	close(master);
}

int
main(int argc, char **argv)
{
	client_init(argc, argv);
	check_libptytty();
	check_pintos();
	return (done_testing());
}
