/*
 * eof_reader.c - the manager learns of the subsidiary's last close.
 *
 * illumos script(1) (getmaster/getslave/dooutput), dtach and mosh read the
 * manager until read() returns 0.  The child here is illumos script's:
 * setsid, open the subsidiary without O_NOCTTY, push ptem, ldterm and
 * ttcompat, write "bye" and exit.  On SVR4 the manager reads "bye" and
 * then 0 (a zero-length message), not EIO; after that the stream is
 * quiet (EAGAIN when non-blocking) until a subsidiary is opened again,
 * and then carries data again.  The second child execs a native program
 * (printf) on the pty, as script runs a shell.
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

static char sname[64];

/* illumos script.c getslave() */
static int
getslave(void)
{
	int	slave;

	(void) setsid();
	if ((slave = open(sname, O_RDWR)) < 0)
		return (-1);
	(void) ioctl(slave, I_PUSH, "ptem");
	(void) ioctl(slave, I_PUSH, "ldterm");
	(void) ioctl(slave, I_PUSH, "ttcompat");
	return (slave);
}

/* dooutput(): read until read() says the session ended. */
static ssize_t
dooutput(int master, char *obuf, size_t len, ssize_t *last, int *last_errno)
{
	size_t	got = 0;
	ssize_t	cc;

	for (;;) {
		if (!wait_readable(master, 5000)) {
			*last = -2;		/* timed out: no end of file */
			*last_errno = ETIMEDOUT;
			break;
		}
		errno = 0;
		cc = read(master, obuf + got, len - 1 - got);
		if (cc <= 0) {
			*last = cc;
			*last_errno = errno;
			break;
		}
		got += (size_t)cc;
	}
	obuf[got] = '\0';
	return ((ssize_t)got);
}

static pid_t
spawn(int how)
{
	pid_t	pid = fork();
	int	s;

	if (pid != 0)
		return (pid);
	if ((s = getslave()) < 0)
		_exit(2);
	if (how == 0) {
		if (write(s, "bye", 3) != 3)
			_exit(3);
		_exit(0);
	}
	dup2(s, 0);
	dup2(s, 1);
	dup2(s, 2);
	if (s > 2)
		close(s);
	execlp("printf", "printf", "native bye", (char *)NULL);
	_exit(127);
}

int
main(int argc, char **argv)
{
	char	obuf[256];
	ssize_t	got, last, r;
	int	master, st, err, s, fl;
	pid_t	pid;

	client_init(argc, argv);

	/* getmaster() */
	master = open("/dev/ptmx", O_RDWR);
	if (!ok(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0 &&
	    ptsname(master) != NULL, "getmaster: ptmx, grantpt, unlockpt, ptsname"))
		return (done_testing());
	snprintf(sname, sizeof(sname), "%s", ptsname(master));

	pid = spawn(0);
	got = dooutput(master, obuf, sizeof(obuf), &last, &err);
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child wrote \"bye\" and exited (%#x)",
	    (unsigned)st);
	ok(got == 3 && strcmp(obuf, "bye") == 0, "the manager reads \"bye\" (got \"%s\")",
	    show(obuf, (size_t)got));
	errno = err;
	is_int(last, 0, "then read() returns 0, not -1 EIO");

	/* quiet until a subsidiary is opened again */
	fl = fcntl(master, F_GETFL);
	fcntl(master, F_SETFL, fl | O_NONBLOCK);
	errno = 0;
	r = read(master, obuf, sizeof(obuf));
	ok(r == -1 && errno == EAGAIN, "the next non-blocking read gives EAGAIN (r=%zd)", r);
	fcntl(master, F_SETFL, fl);

	s = open(sname, O_RDWR | O_NOCTTY);
	ok(s >= 0, "the subsidiary opens again");
	is_int(ioctl(s, I_LIST, NULL), 1, "its stream was dismantled: only the driver (I_LIST 1)");
	ok(write(s, "again", 5) == 5, "write on the reopened subsidiary");
	r = read_until(master, obuf, sizeof(obuf), "again", 2000);
	ok(r == 5 && memcmp(obuf, "again", 5) == 0, "the manager reads it (got \"%s\")",
	    show(obuf, r > 0 ? (size_t)r : 0));
	close(s);
	got = dooutput(master, obuf, sizeof(obuf), &last, &err);
	errno = err;
	ok(got == 0 && last == 0, "its close is a second end of file (read 0)");

	/* script running a native program */
	pid = spawn(1);
	got = dooutput(master, obuf, sizeof(obuf), &last, &err);
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "printf on the pty exits 0 (%#x)",
	    (unsigned)st);
	ok(got == 10 && strcmp(obuf, "native bye") == 0,
	    "the manager reads \"native bye\" (got \"%s\")", show(obuf, (size_t)got));
	errno = err;
	is_int(last, 0, "then read() returns 0");
	close(master);
	return (done_testing());
}
