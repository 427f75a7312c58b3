/*
 * svr4-shell - open a pseudo-terminal the SVR4 way and run a shell on it.
 *
 * This is the code an SVR4 or illumos program uses, unchanged: open the
 * clone device /dev/ptmx, grantpt(), unlockpt(), ptsname(), open the
 * subsidiary and push the ptem, ldterm and ttcompat STREAMS modules onto
 * it.  A child then becomes a session leader, opens the subsidiary again
 * without O_NOCTTY (so it becomes the controlling terminal, SVR4 style)
 * and runs a command on it, by default /bin/sh -c 'tty; stty -a'.  The
 * parent copies whatever the manager reads to standard output until
 * read() returns 0: on a STREAMS pty the last close of the subsidiary
 * puts a zero-length message on the manager, where Linux would fail the
 * read with EIO.
 *
 * Every step and its result is printed, so the output is a transcript of
 * what the pty subsystem did.  Built against libxpty (-lxpty) it shows
 * illumos behaviour on Linux; with XPTY_MODE=native the same program shows
 * what Linux alone does (I_PUSH fails, the manager reads EIO).
 *
 * usage: svr4-shell [CMD [ARG...]]
 */

#define _GNU_SOURCE		/* grantpt() and friends, pipe2() */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <stropts.h>		/* I_PUSH, I_LIST: libxpty's compat header */

static int	failed;

static void	step(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	open_manager(char *, size_t);
static int	open_subsidiary(const char *);
static void	show_stack(int);
static pid_t	start_child(int, const char *, char **, int *);
static void	child(int, const char *, char **, int) __attribute__((noreturn));
static void	copy_output(int);
static void	report_status(pid_t);

/*
 * Print one step of the transcript: what was called and what it returned,
 * with the errno name when it failed (rc == -1).
 */
static void
step(int rc, const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	printf("  ");
	vprintf(fmt, ap);
	va_end(ap);
	if (rc == -1) {
		printf(" = -1 (%s)\n", strerror(saved));
		failed++;
	} else
		printf(" = %d\n", rc);
	fflush(stdout);
	errno = saved;
}

static int
open_manager(char *name, size_t len)
{
	char	*p;
	int	 fdm;

	fdm = open("/dev/ptmx", O_RDWR|O_NOCTTY);
	step(fdm, "open(\"/dev/ptmx\", O_RDWR|O_NOCTTY)");
	if (fdm == -1)
		return (-1);
	step(grantpt(fdm), "grantpt(%d)", fdm);
	step(unlockpt(fdm), "unlockpt(%d)", fdm);
	if ((p = ptsname(fdm)) == NULL) {
		step(-1, "ptsname(%d)", fdm);
		return (-1);
	}
	printf("  ptsname(%d) = \"%s\"\n", fdm, p);
	snprintf(name, len, "%s", p);
	return (fdm);
}

static int
open_subsidiary(const char *name)
{
	static const char	*mods[] = { "ptem", "ldterm", "ttcompat" };
	struct winsize		 ws = { 24, 80, 0, 0 };
	size_t			 i;
	int			 fds;

	fds = open(name, O_RDWR|O_NOCTTY);
	step(fds, "open(\"%s\", O_RDWR|O_NOCTTY)", name);
	if (fds == -1)
		return (-1);
	printf("  isatty(%d) = %d%s\n", fds, isatty(fds), isatty(fds) ?
	    " (native: the host pty is a terminal without modules)" :
	    " (a bare subsidiary is not a terminal)");
	for (i = 0; i < sizeof mods / sizeof mods[0]; i++)
		step(ioctl(fds, I_PUSH, mods[i]), "ioctl(%d, I_PUSH, \"%s\")",
		    fds, mods[i]);
	printf("  isatty(%d) = %d\n", fds, isatty(fds));
	show_stack(fds);
	step(ioctl(fds, TIOCSWINSZ, &ws), "ioctl(%d, TIOCSWINSZ, %ux%u)",
	    fds, ws.ws_row, ws.ws_col);
	return (fds);
}

/* The module stack as I_LIST reports it, top first, the driver last. */
static void
show_stack(int fds)
{
	struct str_mlist	mlist[16];
	struct str_list		list;
	int			i, n;

	n = ioctl(fds, I_LIST, NULL);
	step(n, "ioctl(%d, I_LIST, NULL)", fds);
	if (n <= 0)
		return;
	list.sl_nmods = sizeof mlist / sizeof mlist[0];
	list.sl_modlist = mlist;
	if (ioctl(fds, I_LIST, &list) == -1) {
		step(-1, "ioctl(%d, I_LIST, &list)", fds);
		return;
	}
	printf("  stream:");
	for (i = 0; i < list.sl_nmods; i++)
		printf(" %s", mlist[i].l_name);
	printf("\n");
}

/*
 * The child reports its own steps through a close-on-exec pipe; end of
 * file on it means the exec happened.
 */
static void
child(int rep, const char *name, char **argv, int fdm)
{
	char	buf[256];
	int	fd;

	close(fdm);
	if (setsid() == -1) {
		dprintf(rep, "  child: setsid() = -1 (%s)\n", strerror(errno));
		_exit(127);
	}
	dprintf(rep, "  child: setsid() = %ld\n", (long)getpid());
	if ((fd = open(name, O_RDWR)) == -1) {
		dprintf(rep, "  child: open(\"%s\", O_RDWR) = -1 (%s)\n",
		    name, strerror(errno));
		_exit(127);
	}
	dprintf(rep, "  child: open(\"%s\", O_RDWR) = %d, controlling "
	    "terminal: %s\n", name, fd,
	    tcgetsid(fd) == getpid() ? "yes" : "no");
	if (dup2(fd, 0) == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1) {
		dprintf(rep, "  child: dup2: %s\n", strerror(errno));
		_exit(127);
	}
	if (fd > 2)
		close(fd);
	dprintf(rep, "  child: dup2 to 0, 1, 2; exec %s\n", argv[0]);
	execvp(argv[0], argv);
	snprintf(buf, sizeof buf, "  child: exec %s: %s\n", argv[0],
	    strerror(errno));
	(void)!write(rep, buf, strlen(buf));
	_exit(127);
}

static pid_t
start_child(int fdm, const char *name, char **argv, int *rep)
{
	int	p[2];
	pid_t	pid;

	if (pipe2(p, O_CLOEXEC) == -1) {
		step(-1, "pipe2");
		return (-1);
	}
	fflush(stdout);
	if ((pid = fork()) == -1) {
		step(-1, "fork()");
		return (-1);
	}
	if (pid == 0) {
		close(p[0]);
		child(p[1], name, argv, fdm);
	}
	close(p[1]);
	printf("  fork() = %ld\n", (long)pid);
	*rep = p[0];
	return (pid);
}

/* Copy the manager to stdout, "\r\n" as "\n", until end of file. */
static void
copy_output(int fdm)
{
	char	buf[4096], out[4096];
	ssize_t	n, i;
	size_t	o;
	int	cr = 0;

	printf("--- output of the command, as the manager reads it ---\n");
	fflush(stdout);
	for (;;) {
		n = read(fdm, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (i = 0, o = 0; i < n; i++) {
			if (cr && buf[i] != '\n')
				out[o++] = '\r';
			if (!(cr = (buf[i] == '\r')))
				out[o++] = buf[i];
			if (o >= sizeof out - 1) {
				fwrite(out, 1, o, stdout);
				o = 0;
			}
		}
		fwrite(out, 1, o, stdout);
	}
	if (cr)
		fputc('\r', stdout);
	printf("--- end of output ---\n");
	if (n == 0)
		printf("  read(%d) returned 0 (STREAMS end-of-file: the last "
		    "subsidiary was closed)\n", fdm);
	else if (errno == EIO)
		printf("  read(%d) failed with EIO (Linux end-of-file, as in "
		    "native mode)\n", fdm);
	else {
		step(-1, "read(%d)", fdm);
	}
}

static void
report_status(pid_t pid)
{
	int	status;

	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			step(-1, "waitpid(%ld)", (long)pid);
			return;
		}
	}
	if (WIFEXITED(status))
		printf("  child %ld exited with status %d\n", (long)pid,
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("  child %ld killed by signal %d\n", (long)pid,
		    WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		failed++;
}

int
main(int argc, char **argv)
{
	static char	*deflt[] = { "/bin/sh", "-c", "tty; stty -a", NULL };
	char		 name[64], line[512];
	char		**cmd = argc > 1 ? argv + 1 : deflt;
	pid_t		 pid;
	ssize_t		 n;
	int		 fdm, fds, rep;

	printf("svr4-shell: opening a pseudo-terminal the SVR4 way\n");
	if ((fdm = open_manager(name, sizeof name)) == -1)
		return (1);
	if ((fds = open_subsidiary(name)) == -1)
		return (1);
	if ((pid = start_child(fdm, name, cmd, &rep)) == -1)
		return (1);

	/*
	 * Keep the subsidiary open until the child has its own descriptor:
	 * its last close would dismantle the module stack and send the
	 * manager end-of-file.
	 */
	while ((n = read(rep, line, sizeof line)) != 0) {
		if (n == -1 && errno != EINTR)
			break;
		if (n > 0)
			fwrite(line, 1, n, stdout);
	}
	close(rep);
	step(close(fds), "close(%d)", fds);

	copy_output(fdm);
	report_status(pid);
	step(close(fdm), "close(%d)", fdm);
	return (failed ? 1 : 0);
}
