/*
 * ctty.c - I_PUSH gives a session leader without a controlling terminal
 * its controlling terminal (illumos streamio.c strctty); __I_PUSH_NOCTTY
 * does not (issue 14).
 *
 * A child calls setsid(), opens the subsidiary with O_NOCTTY (as many
 * SVR4 programs do) and pushes ptem and ldterm.  With I_PUSH, /dev/tty
 * then opens, tcgetsid() of the subsidiary is the child's session, and job
 * control works: the child puts a `sleep` in a process group of its own
 * in the foreground, and a ^C the manager writes kills the sleep with
 * SIGINT.  With __I_PUSH_NOCTTY the child has no controlling terminal.
 * The child reports one byte per check on a pipe.  openpty() pushes the
 * modules too, but never gives its caller a controlling terminal (a
 * daemon such as tmux's server is a session leader without one, and the
 * child forkpty makes must be able to take the pty).
 *
 * Only a session leader without one gets it: a push by another member of
 * a session that has no controlling terminal gives nobody one, a leader
 * that has one keeps it when it pushes on another pty, and a pty that is
 * one session's is not taken by another leader's push.  libxpty learns
 * once per process whether it is a session leader: a process that pushed
 * as a member and then calls setsid() takes the terminal at its next
 * push.
 */
#include <pty.h>
#include <utmp.h>

#include "xtest.h"

#define NCHECK	8

static const char *const what[NCHECK] = {
	"setsid",
	"the subsidiary opens with O_NOCTTY",
	"push ptem",
	"push ldterm",
	"open(\"/dev/tty\") works (the child has a controlling terminal)",
	"tcgetsid(subsidiary) is the child's session",
	"tcsetpgrp puts the sleep's process group in the foreground",
	"^C written by the manager kills the foreground sleep (SIGINT)",
};

static const char *const what_noctty[NCHECK] = {
	"setsid",
	"the subsidiary opens with O_NOCTTY",
	"__I_PUSH_NOCTTY ptem",
	"__I_PUSH_NOCTTY ldterm",
	"open(\"/dev/tty\") fails: no controlling terminal",
	"tcgetsid(subsidiary) is -1",
	"",
	"",
};

/* Did pid die of SIGINT within ms milliseconds?  (Else it is killed.) */
static int
wait_sigint(pid_t pid, int ms)
{
	int	st, i;

	for (i = 0; i < ms / 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return (WIFSIGNALED(st) && WTERMSIG(st) == SIGINT);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return (0);
}

/* The child: run the checks, write one result byte each to out. */
static void
child(const char *name, int noctty, int out, int go)
{
	unsigned long	push = noctty ? __I_PUSH_NOCTTY : I_PUSH;
	char		r[NCHECK], c;
	int		s, t;
	pid_t		sleeper;

	memset(r, 0, sizeof(r));
	r[0] = setsid() != -1;
	s = open(name, O_RDWR | O_NOCTTY);
	r[1] = s >= 0;
	r[2] = ioctl(s, push, "ptem") == 0;
	r[3] = ioctl(s, push, "ldterm") == 0;
	t = open("/dev/tty", O_RDWR);
	if (noctty) {
		r[4] = t == -1;
		r[5] = tcgetsid(s) == -1;
		r[6] = r[7] = 1;
		(void)!write(out, r, sizeof(r));
		_exit(0);
	}
	r[4] = t >= 0;
	r[5] = tcgetsid(s) == getsid(0);
	signal(SIGTTOU, SIG_IGN);
	/*
	 * SIGINT's default action for the sleep, as a shell gives a
	 * foreground job: a suite started with SIGINT ignored (inherited)
	 * must not decide the result.  Set before the fork, so the ^C can
	 * never come first.
	 */
	signal(SIGINT, SIG_DFL);
	if ((sleeper = fork()) == 0) {
		setpgid(0, 0);
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	setpgid(sleeper, sleeper);
	r[6] = tcsetpgrp(s, sleeper) == 0 && tcgetpgrp(s) == sleeper;
	(void)!write(out, "", 1);		/* ready for the ^C */
	(void)!read(go, &c, 1);
	r[7] = wait_sigint(sleeper, 5000);
	(void)!write(out, r, sizeof(r));
	_exit(0);
}

static void
check(int noctty)
{
	const char *const *names = noctty ? what_noctty : what;
	const char	*how = noctty ? "__I_PUSH_NOCTTY" : "I_PUSH";
	char		 name[64], r[NCHECK], c;
	int		 m, p[2], g[2], st, i, n;
	pid_t		 pid;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1 || grantpt(m) == -1 ||
	    unlockpt(m) == -1 || ptsname_r(m, name, sizeof(name)) != 0 ||
	    pipe(p) == -1 || pipe(g) == -1) {
		ok(0, "%s: pty and pipes", how);
		return;
	}
	if ((pid = fork()) == 0) {
		close(m);
		close(p[0]);
		close(g[1]);
		child(name, noctty, p[1], g[0]);
	}
	close(p[1]);
	close(g[0]);
	memset(r, 0, sizeof(r));
	if (!noctty && read(p[0], &c, 1) == 1) {
		(void)!write(m, "\003", 1);	/* VINTR */
		(void)!write(g[1], "", 1);
	}
	n = (int)read(p[0], r, sizeof(r));
	close(g[1]);
	waitpid(pid, &st, 0);
	ok(n == NCHECK, "%s: the child reported", how);
	for (i = 0; i < NCHECK; i++)
		if (names[i][0] != '\0')
			ok(r[i] == 1, "%s: %s", how, names[i]);
	close(p[0]);
	close(m);
}

/* A session leader's openpty: no controlling terminal; forkpty's child takes it. */
static void
check_openpty(void)
{
	char	r[4] = { 0 }, name[64];
	int	p[2], m, s, t, st;
	pid_t	pid, kid;

	if (pipe(p) == -1) {
		ok(0, "pipe");
		return;
	}
	if ((pid = fork()) == 0) {
		close(p[0]);
		r[0] = setsid() != -1 && openpty(&m, &s, name, NULL, NULL) == 0;
		t = open("/dev/tty", O_RDWR);
		r[1] = t == -1 && tcgetsid(s) == -1;
		if ((kid = fork()) == 0)
			_exit(login_tty(s) == 0 && tcgetsid(0) == getsid(0) ?
			    0 : 1);
		r[2] = waitpid(kid, &st, 0) == kid && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0;
		(void)!write(p[1], r, 3);
		_exit(0);
	}
	close(p[1]);
	ok(read(p[0], r, 3) == 3, "openpty: the child reported");
	waitpid(pid, &st, 0);
	close(p[0]);
	ok(r[0], "openpty in a session leader without a controlling terminal");
	ok(r[1], "openpty: no controlling terminal for its caller");
	ok(r[2], "openpty: login_tty in a child makes it that child's");
}

/* A new pty's subsidiary name in name (the manager stays open). */
static int
new_pty(char *name, size_t len)
{
	int	m;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) == -1 || grantpt(m) == -1 ||
	    unlockpt(m) == -1 || ptsname_r(m, name, len) != 0)
		return (-1);
	return (m);
}

/* Open name without a controlling terminal and push ptem, ldterm. */
static int
open_push(const char *name)
{
	int	s;

	if ((s = open(name, O_RDWR | O_NOCTTY)) == -1)
		return (-1);
	if (ioctl(s, I_PUSH, "ptem") == -1 || ioctl(s, I_PUSH, "ldterm") == -1)
		return (-1);
	return (s);
}

/* In a new session: a member that is not its leader pushes first. */
static int
member_then_leader(const char *name)
{
	int	s, st, t;
	pid_t	kid;

	if (setsid() == -1)
		return (0);
	if ((kid = fork()) == 0) {
		s = open_push(name);
		t = open("/dev/tty", O_RDWR);
		_exit(s >= 0 && t == -1 && tcgetsid(s) == -1 ? 0 : 1);
	}
	if (waitpid(kid, &st, 0) != kid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return (0);
	s = open_push(name);		/* the leader's push still takes it */
	return (s >= 0 && tcgetsid(s) == getsid(0));
}

/* A leader with a controlling terminal (a) pushes on another pty (b). */
static int
leader_keeps(const char *a, const char *b)
{
	int	sa, sb;

	if (setsid() == -1 || (sa = open_push(a)) == -1 ||
	    tcgetsid(sa) != getsid(0) || (sb = open_push(b)) == -1)
		return (0);
	return (tcgetsid(sa) == getsid(0) && tcgetsid(sb) == -1);
}

/* Another session's controlling terminal: a leader's push gets nothing. */
static int
not_stolen(const char *name)
{
	if (setsid() == -1 || open_push(name) == -1)
		return (0);
	return (open("/dev/tty", O_RDWR) == -1);
}

/* A member pushes (no terminal), calls setsid(), pushes again: it takes it. */
static int
pushed_then_leader(const char *name)
{
	int	s;

	if ((s = open(name, O_RDWR | O_NOCTTY)) == -1 ||
	    ioctl(s, I_PUSH, "ptem") == -1 || tcgetsid(s) != -1 ||
	    setsid() == -1 || ioctl(s, I_PUSH, "ldterm") == -1)
		return (0);
	return (tcgetsid(s) == getsid(0) && open("/dev/tty", O_RDWR) >= 0);
}

/* Run f in a child (a new process, so that setsid works): 1 if it said so. */
static int
in_child(int (*f)(const char *, const char *, pid_t), const char *a,
    const char *b, pid_t owner)
{
	int	st;
	pid_t	pid;

	if ((pid = fork()) == 0)
		_exit(f(a, b, owner) ? 0 : 1);
	return (waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
}

static int
run_member(const char *a, const char *b, pid_t owner)
{
	(void)b;
	(void)owner;
	return (member_then_leader(a));
}

static int
run_pushed(const char *a, const char *b, pid_t owner)
{
	(void)b;
	(void)owner;
	return (pushed_then_leader(a));
}

static int
run_keeps(const char *a, const char *b, pid_t owner)
{
	(void)owner;
	return (leader_keeps(a, b));
}

static int
run_stolen(const char *a, const char *b, pid_t owner)
{
	(void)b;
	(void)owner;
	return (not_stolen(a));
}

static void
check_others(void)
{
	char	a[64], b[64], c;
	int	ma, mb, p[2], g[2], st, sb;
	pid_t	owner;

	if ((ma = new_pty(a, sizeof(a))) == -1 ||
	    (mb = new_pty(b, sizeof(b))) == -1 || pipe(p) == -1 ||
	    pipe(g) == -1) {
		ok(0, "ptys and pipes");
		return;
	}
	ok(in_child(run_member, a, NULL, 0),
	    "a session member's push gives nobody a controlling terminal; "
	    "then its leader's push takes it");
	close(ma);
	if ((ma = new_pty(a, sizeof(a))) == -1) {
		ok(0, "pty");
		return;
	}
	ok(in_child(run_pushed, a, NULL, 0),
	    "a process that pushed as a session member, then called "
	    "setsid(), takes the terminal at its next push");
	close(ma);
	if ((ma = new_pty(a, sizeof(a))) == -1) {
		ok(0, "pty");
		return;
	}
	ok(in_child(run_keeps, a, b, 0),
	    "a leader with a controlling terminal keeps it when it pushes "
	    "on another pty");
	close(mb);
	if ((mb = new_pty(b, sizeof(b))) == -1) {
		ok(0, "pty");
		return;
	}
	/* owner: a leader holding b as its controlling terminal meanwhile */
	if ((owner = fork()) == 0) {
		close(p[0]);
		close(g[1]);
		sb = setsid() != -1 ? open_push(b) : -1;
		c = sb >= 0 && tcgetsid(sb) == getsid(0);
		(void)!write(p[1], &c, 1);
		(void)!read(g[0], &c, 1);
		c = tcgetsid(sb) == getsid(0) && open("/dev/tty", O_RDWR) >= 0;
		(void)!write(p[1], &c, 1);
		_exit(0);
	}
	close(p[1]);
	close(g[0]);
	ok(read(p[0], &c, 1) == 1 && c == 1, "a leader takes %s", b);
	ok(in_child(run_stolen, b, NULL, owner),
	    "another leader's push on it gives that one no controlling terminal");
	close(g[1]);
	ok(read(p[0], &c, 1) == 1 && c == 1,
	    "and %s stays the first leader's", b);
	waitpid(owner, &st, 0);
	close(p[0]);
	close(ma);
	close(mb);
}

int
main(int argc, char **argv)
{
	xt_init(argc, argv);
	signal(SIGTTOU, SIG_IGN);
	check(0);
	check(1);
	check_openpty();
	check_others();
	return (done_testing());
}
