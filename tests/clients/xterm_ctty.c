/*
 * xterm_ctty.c - xterm's / illumos script's way to a controlling terminal.
 *
 * xterm main.c (USE_USG_PTYS): the parent opens the manager and records
 * ptsname; the child calls setsid (illumos script; xterm's SVR4 path calls
 * setpgrp), grantpt, unlockpt and ptsname again, opens the subsidiary
 * O_RDWR without O_NOCTTY, and pushes with
 *     #define PUSH_FAILS(fd,name) ioctl(fd, I_FIND, name) == 0 \
 *                              && ioctl(fd, I_PUSH, name) < 0
 * ptem, ldterm (and ttcompat on SVR4), each failure fatal (SysError).
 * Then the child's /dev/tty opens and tcgetsid(subsidiary) is its pid;
 * the shell it execs (here /bin/sh) finds its terminal on fds 0-2.
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

#define PUSH_FAILS(fd, name) (ioctl(fd, I_FIND, name) == 0 \
			 && ioctl(fd, I_PUSH, name) < 0)

static const char *const child_names[] = {
	"setsid", "grantpt in the child", "unlockpt in the child",
	"ptsname in the child is the parent's name",
	"subsidiary opens without O_NOCTTY",
	"push ptem (I_FIND-guarded, fatal on failure)",
	"push ldterm", "push ttcompat",
	"open(\"/dev/tty\") works", "tcgetsid(subsidiary) == the child's pid",
	"tcgetpgrp(subsidiary) == the child's pid",
	"the subsidiary is a terminal",
	"I_FIND finds ptem, ldterm and ttcompat now",
};

static void
xterm_child(struct child_res *cr, int respond, const char *ttydev)
{
	char	*pty_name;
	int	 ptyfd, tty, i = 0;

	child_check(cr, setsid() != -1, child_names[i++]);
	child_check(cr, grantpt(respond) == 0, child_names[i++]);
	child_check(cr, unlockpt(respond) == 0, child_names[i++]);
	pty_name = ptsname(respond);
	child_check(cr, pty_name != NULL && strcmp(pty_name, ttydev) == 0,
	    child_names[i++]);
	if (pty_name == NULL)
		_exit(2);
	ptyfd = open(pty_name, O_RDWR);
	if (!child_check(cr, ptyfd >= 0, child_names[i++]))
		_exit(3);		/* SysError(ERROR_OPPTSNAME) */
	if (!child_check(cr, !PUSH_FAILS(ptyfd, "ptem"), child_names[i++]))
		_exit(4);		/* SysError(ERROR_PTEM) */
	if (!child_check(cr, !PUSH_FAILS(ptyfd, "ldterm"), child_names[i++]))
		_exit(5);		/* SysError(ERROR_LDTERM) */
	if (!child_check(cr, !PUSH_FAILS(ptyfd, "ttcompat"), child_names[i++]))
		_exit(6);		/* SysError(ERROR_TTCOMPAT) */
	tty = open("/dev/tty", O_RDWR);
	child_check(cr, tty >= 0, child_names[i++]);
	child_check(cr, tcgetsid(ptyfd) == getpid(), child_names[i++]);
	child_check(cr, tcgetpgrp(ptyfd) == getpid(), child_names[i++]);
	child_check(cr, isatty(ptyfd) == 1, child_names[i++]);
	child_check(cr, ioctl(ptyfd, I_FIND, "ptem") == 1 &&
	    ioctl(ptyfd, I_FIND, "ldterm") == 1 &&
	    ioctl(ptyfd, I_FIND, "ttcompat") == 1, child_names[i++]);
	if (tty >= 0)
		close(tty);
	close(cr->fd[1]);
	/* the shell: stdin/stdout/stderr on the pty */
	dup2(ptyfd, 0);
	dup2(ptyfd, 1);
	dup2(ptyfd, 2);
	if (ptyfd > 2)
		close(ptyfd);
	execl("/bin/sh", "sh", "-c",
	    "s=$(cut -d' ' -f6 /proc/$$/stat); "
	    "test -t 0 && test \"$s\" = $$ && : </dev/tty && echo ctty-ok", (char *)NULL);
	_exit(127);
}

int
main(int argc, char **argv)
{
	char			ttydev[64], buf[256];
	struct child_res	cr;
	int			respond, st;
	ssize_t			r;
	pid_t			pid;

	client_init(argc, argv);

	respond = posix_openpt(O_RDWR | O_NOCTTY);
	if (!ok(respond >= 0, "posix_openpt"))
		return (done_testing());
	ok(ptsname(respond) != NULL, "the parent records ptsname before any unlock");
	snprintf(ttydev, sizeof(ttydev), "%s", ptsname(respond) ? ptsname(respond) : "");

	child_res_init(&cr);
	if ((pid = fork()) == 0) {
		close(cr.fd[0]);
		xterm_child(&cr, respond, ttydev);
	}
	/* xterm reads the child's output from the manager */
	r = read_until(respond, buf, sizeof(buf), "ctty-ok\r\n", 5000);
	close(cr.fd[1]);
	{
		int	i, n = 0, all = 1;
		ssize_t	k;
		char	got[64];

		while (n < (int)sizeof(got) &&
		    (k = read(cr.fd[0], got + n, sizeof(got) - (size_t)n)) > 0)
			n += (int)k;
		close(cr.fd[0]);
		for (i = 0; i < (int)(sizeof(child_names) / sizeof(child_names[0])); i++) {
			int	good = i < n && got[i] == '1';
			ok(good, "xterm child: %s%s", child_names[i], i < n ? "" : " (not reached)");
			all &= good;
		}
		(void)all;
	}
	ok(r > 0 && strstr(buf, "ctty-ok\r\n") != NULL,
	    "the shell exec'd on the pty has it as a terminal and leads its session (got \"%s\")",
	    show(buf, r > 0 ? (size_t)r : 0));
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the shell exits 0 (status %#x)",
	    (unsigned)st);
	close(respond);
	return (done_testing());
}
