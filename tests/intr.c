/*
 * intr.c - a signal interrupts libxpty's own waits as it would a kernel
 * sleep (issue 11, D11): getmsg() and getpmsg() with no data buffer, on
 * a manager with nothing to read, fail with EINTR when a handler
 * installed without SA_RESTART runs; after a handler installed with
 * SA_RESTART, or an ignored signal, they go on waiting and return the
 * message that comes.  Each call runs in a child with a bound, so that a
 * call that never returns fails the test instead of hanging it.
 */
#include <poll.h>

#include "xtest.h"

static int M, S;
static volatile sig_atomic_t caught;

static void
on_sig(int sig)
{
	(void)sig;
	caught++;
}

static int
catch(int sig, int flags)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sa.sa_flags = flags;
	return (sigaction(sig, &sa, NULL));
}

static int
call(int which)
{
	struct strbuf	d = { 0, 0, NULL };
	int		flags = 0, band = 0;

	switch (which) {
	case 0:
		return (getmsg(M, NULL, NULL, &flags));
	case 1:
		return (getmsg(M, NULL, &d, &flags));
	default:
		flags = MSG_ANY;
		return (getpmsg(M, NULL, NULL, &band, &flags));
	}
}

static const char *names[] = {
	"getmsg(m, NULL, NULL)", "getmsg(m, NULL, maxlen 0)",
	"getpmsg(m, NULL, NULL, MSG_ANY)"
};

/*
 * In a child: arm the signal (how: 0 no SA_RESTART, 1 SA_RESTART, 2
 * ignored SIGUSR1), call, report rv, errno and the handler count.  With
 * feed, the parent writes a byte on the subsidiary 600 ms in.
 */
static void
run(int which, int how, int feed, const char *what)
{
	int		pfd[2], st, res[3] = { -2, 0, 0 };
	struct pollfd	p;
	pid_t		pid;

	if (pipe(pfd) == -1)
		return;
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		if (how == 2)
			signal(SIGUSR1, SIG_IGN);
		else
			catch(SIGALRM, how == 1 ? SA_RESTART : 0);
		if (how == 2) {
			if (fork() == 0) {
				usleep(200000);
				kill(getppid(), SIGUSR1);
				_exit(0);
			}
		} else
			ualarm(200000, 0);
		errno = 0;
		res[0] = call(which);
		res[1] = errno;
		res[2] = caught;
		write(pfd[1], res, sizeof(res));
		_exit(0);
	}
	close(pfd[1]);
	if (feed) {
		usleep(600000);
		write(S, "x", 1);
	}
	p.fd = pfd[0];
	p.events = POLLIN;
	if (poll(&p, 1, 3000) != 1 || read(pfd[0], res, sizeof(res)) !=
	    sizeof(res))
		res[0] = -2;
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(pfd[0]);
	if (!ok(res[0] != -2, "%s, %s: returns", names[which], what))
		return;
	if (feed)
		ok(res[0] >= 0 && (how == 2 || res[2] == 1),
		    "%s, %s: the message that came (rv %d, errno %s, %d handler runs)",
		    names[which], what, res[0], strerror(res[1]), res[2]);
	else
		ok(res[0] == -1 && res[1] == EINTR && res[2] == 1,
		    "%s, %s: EINTR (rv %d, errno %s)", names[which], what,
		    res[0], strerror(res[1]));
}

/* Take what the feeding left, so that the next case starts empty. */
static void
drain(void)
{
	char	b[64];

	while (xt_read_nb(M, b, sizeof(b)) > 0)
		;
}

int
main(int argc, char **argv)
{
	int	i;

	xt_init(argc, argv);
	if (xt_pair(&M, &S, NULL, 0, O_NOCTTY) == -1)
		skip_all("no pty: %s", strerror(errno));
	for (i = 0; i < 3; i++) {
		run(i, 0, 0, "SIGALRM without SA_RESTART");
		run(i, 1, 1, "SIGALRM with SA_RESTART, then data");
		drain();
		run(i, 2, 1, "an ignored SIGUSR1, then data");
		drain();
	}
	if (ioctl(M, I_PUSH, "pckt") == -1)
		skip_all("I_PUSH pckt: %s", strerror(errno));
	for (i = 0; i < 3; i++)
		run(i, 0, 0, "pckt, SIGALRM without SA_RESTART");
	run(0, 1, 1, "pckt, SIGALRM with SA_RESTART, then data");
	return (done_testing());
}
