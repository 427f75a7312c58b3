/*
 * openssh.c - the OpenSSH / IO::Tty / gnulib way of getting a pty.
 *
 * openbsd-compat/bsd-openpty.c (HAVE_DEV_PTMX), then sshpty.c:
 *   open("/dev/ptmx", O_RDWR | O_NOCTTY); grantpt with SIGCHLD set to
 *   SIG_DFL around it; unlockpt; ptsname; open the subsidiary O_RDWR |
 *   O_NOCTTY; if I_FIND("ptem") is not 0, skip the pushes, else push
 *   ptem, ldterm, ttcompat ignoring the results;
 *   pty_allocate: ttyname(subsidiary) is the name sshd records;
 *   pty_change_window_size: TIOCSWINSZ on the manager;
 *   pty_make_controlling_tty (in the session child): TIOCNOTTY, setsid,
 *   /dev/tty must now fail, TIOCSCTTY, reopen the tty by name, and
 *   /dev/tty must open.
 * Then the session: "hi\n" from the shell side reads "hi\r\n" on the
 * manager, and a line typed on the manager reaches the subsidiary in
 * canonical mode (nothing before the newline, then exactly one line).
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <stropts.h>

#include "client.h"

static volatile sig_atomic_t chld_seen;

static void
on_chld(int sig)
{
	(void)sig;
	chld_seen++;
}

/* bsd-openpty.c openpty(), HAVE_DEV_PTMX branch. */
static int
ssh_openpty(int *amaster, int *aslave, char *namebuf, size_t namelen)
{
	int	 ptm;
	char	*pts;
	void (*old_signal)(int);

	if ((ptm = open("/dev/ptmx", O_RDWR | O_NOCTTY)) == -1)
		return (-1);

	/* XXX: need to close ptm on error? */
	old_signal = signal(SIGCHLD, SIG_DFL);
	if (grantpt(ptm) < 0)
		return (-1);
	signal(SIGCHLD, old_signal);

	if (unlockpt(ptm) < 0)
		return (-1);

	if ((pts = ptsname(ptm)) == NULL)
		return (-1);
	snprintf(namebuf, namelen, "%s", pts);
	*amaster = ptm;

	/* Open the slave side. */
	if ((*aslave = open(pts, O_RDWR | O_NOCTTY)) == -1) {
		close(*amaster);
		return (-1);
	}

# if defined(I_FIND)
	/*
	 * If the streams modules have already been pushed then there
	 * is no more work to do here.
	 */
	if (ioctl(*aslave, I_FIND, "ptem") != 0)
		return (0);
# endif

	/*
	 * Try to push the appropriate streams modules, as described
	 * in Solaris pts(7).
	 */
	ioctl(*aslave, I_PUSH, "ptem");
	ioctl(*aslave, I_PUSH, "ldterm");
# ifndef __hpux
	ioctl(*aslave, I_PUSH, "ttcompat");
# endif
	return (0);
}

/* sshpty.c pty_make_controlling_tty(), run in the session child. */
static void
session_child(struct child_res *cr, int ttyfd, const char *tty)
{
	int	fd;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY);
	if (fd >= 0) {
		(void) ioctl(fd, TIOCNOTTY, NULL);
		close(fd);
	}
	child_check(cr, setsid() != -1, "setsid");
	fd = open("/dev/tty", O_RDWR | O_NOCTTY);
	child_check(cr, fd < 0, "no controlling tty right after setsid");
	if (fd >= 0)
		close(fd);
	child_check(cr, ioctl(ttyfd, TIOCSCTTY, NULL) == 0, "TIOCSCTTY");
	fd = open(tty, O_RDWR);
	child_check(cr, fd >= 0, "tty reopens by name");
	if (fd >= 0)
		close(fd);
	fd = open("/dev/tty", O_WRONLY);
	child_check(cr, fd >= 0, "/dev/tty opens: the pty is the controlling tty");
	if (fd >= 0)
		close(fd);
	child_check(cr, tcgetsid(ttyfd) == getpid(), "tcgetsid is the session");
	_exit(0);
}

int
main(int argc, char **argv)
{
	static const char *const child_names[] = {
		"setsid", "no controlling tty right after setsid", "TIOCSCTTY",
		"tty reopens by name", "/dev/tty opens: the pty is the controlling tty",
		"tcgetsid is the session",
	};
	struct sigaction	sa;
	struct winsize		ws = { .ws_row = 24, .ws_col = 80 }, got;
	struct termios		tio;
	struct child_res	cr;
	struct stat		st;
	char			name[64], buf[256], *tn;
	int			ptyfd, ttyfd = -1, n, relay;
	sig_atomic_t		opened;
	ssize_t			r;
	pid_t			pid;

	client_init(argc, argv);

	/* sshd has its own SIGCHLD handler while it allocates the pty. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);

	/*
	 * grantpt must not fork (as sshd needs): with the handler kept in
	 * place, as Python and IO::Tty do, no SIGCHLD may arrive.
	 */
	ptyfd = posix_openpt(O_RDWR | O_NOCTTY);
	if (!ok(ptyfd >= 0, "posix_openpt"))
		return (done_testing());
	relay = fstat(ptyfd, &st) == 0 && S_ISSOCK(st.st_mode);
	diag("engine: %s", relay ? "relay" : "direct");
	opened = chld_seen;
	chld_seen = 0;
	is_int(grantpt(ptyfd), 0, "grantpt with the application's SIGCHLD handler in place");
	is_int(unlockpt(ptyfd), 0, "unlockpt");
	is_int(chld_seen, 0, "grantpt and unlockpt started no child (no SIGCHLD)");
	close(ptyfd);
	/* opening the manager: starting the relay daemon must not show either */
	is_int(opened, 0, "opening the manager delivered no SIGCHLD");

	chld_seen = 0;
	if (!ok(ssh_openpty(&ptyfd, &ttyfd, name, sizeof(name)) == 0,
	    "openpty the OpenSSH way (ptmx, grantpt, unlockpt, ptsname, open)"))
		return (done_testing());
	is_int(chld_seen, 0, "no SIGCHLD during OpenSSH's pty allocation");
	ok(strncmp(name, "/dev/pts/", 9) == 0, "ptsname is /dev/pts/N (%s)", name);
	is_int(ioctl(ttyfd, I_FIND, "ptem"), 1, "I_FIND ptem is 1 after the pushes");
	is_int(ioctl(ttyfd, I_FIND, "ldterm"), 1, "I_FIND ldterm is 1 after the pushes");
	is_int(ioctl(ttyfd, I_FIND, "ttcompat"), 1, "I_FIND ttcompat is 1 after the pushes");

	/* pty_allocate */
	tn = ttyname(ttyfd);
	ok(tn != NULL && strcmp(tn, name) == 0,
	    "ttyname(subsidiary) equals ptsname(manager) (%s)", tn ? tn : "NULL");
	ok(isatty(ttyfd) == 1, "the subsidiary is a terminal");

	/* pty_change_window_size: on the manager */
	is_int(ioctl(ptyfd, TIOCSWINSZ, &ws), 0, "TIOCSWINSZ on the manager");
	memset(&got, 0, sizeof(got));
	ok(ioctl(ttyfd, TIOCGWINSZ, &got) == 0 && got.ws_row == 24 &&
	    got.ws_col == 80, "the subsidiary sees 24x80 (%dx%d)", got.ws_row,
	    got.ws_col);

	/* the session child takes the pty as its controlling terminal */
	child_res_init(&cr);
	if ((pid = fork()) == 0) {
		close(cr.fd[0]);
		close(ptyfd);
		session_child(&cr, ttyfd, name);
	}
	child_report(&cr, pid, child_names,
	    (int)(sizeof(child_names) / sizeof(child_names[0])),
	    "pty_make_controlling_tty");

	/* output post-processing: ONLCR from ldterm */
	ok(write(ttyfd, "hi\n", 3) == 3, "write \"hi\\n\" on the subsidiary");
	r = read_until(ptyfd, buf, sizeof(buf), "\n", 2000);
	ok(r == 4 && memcmp(buf, "hi\r\n", 4) == 0,
	    "the manager reads \"hi\\r\\n\" (got \"%s\")", show(buf, r > 0 ? (size_t)r : 0));

	/* canonical input */
	ok(tcgetattr(ttyfd, &tio) == 0 && (tio.c_lflag & ICANON),
	    "the subsidiary is in canonical mode");
	ok(write(ptyfd, "partial", 7) == 7, "write a partial line on the manager");
	ok(!wait_readable(ttyfd, 300), "the subsidiary has nothing to read before the newline");
	ok(write(ptyfd, " line\rnext", 10) == 10, "complete the line with CR and start another");
	n = wait_readable(ttyfd, 2000);
	r = n ? read(ttyfd, buf, sizeof(buf)) : -1;
	ok(r == 13 && memcmp(buf, "partial line\n", 13) == 0,
	    "the subsidiary reads exactly one line, CR mapped to NL (got \"%s\")",
	    show(buf, r > 0 ? (size_t)r : 0));
	ok(!wait_readable(ttyfd, 300), "the unfinished \"next\" is not readable yet");
	/* echo of what was typed comes back on the manager */
	r = read_until(ptyfd, buf, sizeof(buf), "next", 2000);
	ok(r > 0 && strstr(buf, "partial line\r\n") != NULL && strstr(buf, "next") != NULL,
	    "the manager gets the echo (got \"%s\")", show(buf, r > 0 ? (size_t)r : 0));

	close(ttyfd);
	close(ptyfd);
	return (done_testing());
}
