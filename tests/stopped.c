/*
 * stopped.c - with xptyd stopped (SIGSTOP), no call waits for it without
 * a bound, and a signal interrupts the waits as it would a kernel sleep
 * (issue 11, D4a).  Each call runs in a child with a SIGALRM handler
 * installed without SA_RESTART and the alarm 300 ms in; it must return
 * (a result, an errno, or EINTR) at once after the alarm, or for calls
 * in processes with no alarm (an exec'd program) within the bound,
 * XPTY_DAEMON_TIMEOUT (800 ms here), and a daemon silent past the bound
 * is treated as dead: the pty goes on in the direct engine.  With a
 * handler installed with SA_RESTART the wait goes on to the bound (for a
 * zero-length write, which the daemon may hold back, until a second
 * bound shows the daemon does not answer at all).
 * After SIGCONT the daemon serves new ptys again.  The direct engine has
 * no daemon to stop: it is skipped.
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <poll.h>

#include "xtest.h"

#define BOUND_MS	800
#define ALARM_US	300000
#define OPENS		500

struct pty {
	int	m, s;
	char	name[64];
};

static pid_t daemon_pid;
static volatile sig_atomic_t handled;

static void
on_alarm(int sig)
{
	(void)sig;
	handled++;
}

static void
cont_daemon(void)
{
	if (daemon_pid > 0)
		kill(daemon_pid, SIGCONT);
}

/* In a child: the handler (SA_RESTART or not), the alarm, fn; report. */
struct report {
	long	rv;
	int	err;
	int	ms;
	int	handled;
	int	extra;
};

static void
run(const char *what, long (*fn)(int *), int restart, int limit_ms,
    struct report *out)
{
	struct report		*sh;
	struct sigaction	 sa;
	double			 t0;
	pid_t			 pid;
	int			 st, i;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	sh->rv = -999;
	if ((pid = fork()) == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sa.sa_flags = restart ? SA_RESTART : 0;
		sigaction(SIGALRM, &sa, NULL);
		ualarm(ALARM_US, 0);
		t0 = xt_now();
		errno = 0;
		sh->rv = fn(&sh->extra);
		sh->err = errno;
		sh->ms = (int)xt_ms_since(t0);
		sh->handled = handled;
		_exit(0);
	}
	for (i = 0; i < limit_ms / 10 + 300 && waitpid(pid, &st, WNOHANG) == 0;
	    i++)
		usleep(10000);
	if (sh->rv == -999) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	*out = *sh;
	munmap(sh, sizeof(*sh));
	if (!ok(out->rv != -999 && out->ms <= limit_ms, "%s: returns within "
	    "%d ms (in %d ms: %ld, %s)", what, limit_ms, out->ms, out->rv,
	    out->rv == -999 ? "still blocked" : strerror(out->err)))
		return;
}

static struct pty A, B, C, D, E, F;

static long
c_close(int *x)
{
	(void)x;
	return (close(A.m));
}

static long
c_open_close(int *x)
{
	int	m = open("/dev/ptmx", O_RDWR | O_NOCTTY);

	(void)x;
	if (m == -1)
		return (-1);
	return (close(m));
}

static long
c_zero_write(int *x)
{
	(void)x;
	return (write(B.s, "", 0));
}

static long
c_push_pckt(int *x)
{
	struct stat	st;
	long		r = ioctl(C.m, I_PUSH, "pckt");

	/* direct from now on: the manager is the host's, no longer a socket */
	*x = fstat(C.m, &st) == 0 && !S_ISSOCK(st.st_mode);
	return (r);
}

static long
c_read_zero(int *x)
{
	char	b[8];

	(void)x;
	return (read(D.m, b, sizeof(b)));
}

/*
 * More opens than the control connection's buffer holds requests for:
 * once it is full, the daemon counts as stalled, then dead (one bound in
 * all), and the rest go direct at once.
 */
static long
c_opens(int *x)
{
	struct rlimit	rl = { 2 * OPENS + 64, 2 * OPENS + 64 };
	int		i;

	setrlimit(RLIMIT_NOFILE, &rl);
	for (i = 0; i < OPENS; i++) {
		if (open("/dev/ptmx", O_RDWR | O_NOCTTY) == -1)
			break;
		ualarm(ALARM_US, 0);	/* every open may be interrupted */
	}
	*x = i;
	return (i == OPENS ? 0 : -1);
}

/* A program of ours, exec'd: mode "opensub PATH" or "inherit". */
static long
exec_self(const char *mode, const char *arg, int keep)
{
	pid_t	pid;
	int	st;

	if ((pid = fork()) == 0) {
		if (keep != -1)
			fcntl(keep, F_SETFD, 0);
		execl("/proc/self/exe", xt_argv[0], mode, arg, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return (-1);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static long
c_open_subsid(int *x)
{
	(void)x;
	return (exec_self("opensub", F.name, -1));
}

static long
c_exec_inherit(int *x)
{
	char	n[16];

	(void)x;
	snprintf(n, sizeof(n), "%d", E.m);
	return (exec_self("inherit", n, E.m));
}

/* What the exec'd programs do (no alarm: only the bound can end a wait). */
static int
child_mode(int argc, char **argv)
{
	int	fd;

	if (argc < 3)
		return (2);
	if (strcmp(argv[1], "opensub") == 0) {
		fd = open(argv[2], O_RDWR | O_NOCTTY);
		return (fd >= 0 ? 0 : 1);
	}
	if (strcmp(argv[1], "inherit") == 0)
		return (0);	/* the constructor has looked at the manager */
	return (2);
}

static int
mkpty(struct pty *p)
{
	int	n;

	if (xt_pair(&p->m, &p->s, p->name, sizeof(p->name), O_NOCTTY) == -1)
		return (-1);
	/* its first use hands it to the daemon (lib/defer.c) */
	(void)ioctl(p->m, FIONREAD, &n);
	return (0);
}

int
main(int argc, char **argv)
{
	struct report	r;
	char		c = 0;
	int		m, s, limit = ALARM_US / 1000 + 700;

	setenv("XPTY_DAEMON_TIMEOUT", "800", 1);
	if (argc >= 3 && (strcmp(argv[1], "opensub") == 0 ||
	    strcmp(argv[1], "inherit") == 0))
		return (child_mode(argc, argv));
	xt_init(argc, argv);
	if (xt_engine_direct())
		skip_all("the direct engine has no daemon to stop");
	if (mkpty(&A) == -1 || mkpty(&B) == -1 || mkpty(&C) == -1 ||
	    mkpty(&D) == -1 || mkpty(&E) == -1 || mkpty(&F) == -1)
		skip_all("ptys: %s", strerror(errno));
	close(D.s);		/* its zero-length message comes before the stop */
	usleep(200000);
	if ((daemon_pid = xt_daemon_pid()) <= 0)
		skip_all("no daemon found");
	atexit(cont_daemon);
	kill(daemon_pid, SIGSTOP);
	usleep(100000);

	run("close(manager), subsidiary open", c_close, 0, limit, &r);
	ok(r.rv == 0, "... close succeeded");
	run("open and close of a new manager", c_open_close, 0, limit, &r);
	ok(r.rv == 0, "... both succeeded");
	run("write(subsidiary, \"\", 0)", c_zero_write, 0, limit, &r);
	ok(r.rv == 0 || (r.rv == -1 && r.err == EINTR), "... 0 or EINTR");
	run("I_PUSH pckt", c_push_pckt, 0, limit, &r);
	ok(r.rv == 0 && r.extra == 1, "... pushed, the manager in the direct "
	    "engine (%d)", r.extra);
	run("read(manager) at a zero-length message", c_read_zero, 0, limit,
	    &r);
	ok(r.rv == 0, "... reads the message, 0");
	run("500 opens", c_opens, 0, 2 * BOUND_MS + 1500, &r);
	ok(r.rv == 0, "... all gave a manager (%d)", r.extra);
	run("open(subsidiary) in an exec'd program", c_open_subsid, 0,
	    BOUND_MS + 1500, &r);
	ok(r.rv == 0, "... it opened and exited (%ld)", r.rv);
	run("exec of a program inheriting the manager", c_exec_inherit, 0,
	    BOUND_MS + 1500, &r);
	ok(r.rv == 0, "... it ran and exited (%ld)", r.rv);
	/* the daemon may hold this one back: then it is asked if it lives */
	run("write(subsidiary, \"\", 0), SA_RESTART", c_zero_write, 1,
	    2 * BOUND_MS + 700, &r);
	ok(r.rv == 0 && r.handled == 1 && r.ms >= BOUND_MS - 100,
	    "... the wait went on after the handler, past the bound (%d ms)",
	    r.ms);

	kill(daemon_pid, SIGCONT);
	usleep(100000);
	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1) {
		ok(0, "after SIGCONT, a new pty: %s", strerror(errno));
		return (done_testing());
	}
	write(s, "z", 1);
	ok(xt_read_for(m, &c, 1, 2000) == 1 && c == 'z',
	    "after SIGCONT, a new pty passes data");
	return (done_testing());
}
