/*
 * grantpt.c - grantpt(3C): ownership of the subsidiary, never forks,
 * error numbers (issues 2 and 14).
 *
 * Run as root, it also checks an unprivileged caller: the test binary is
 * run again as nobody (setpriv --reuid=65534 --regid=65534
 * --clear-groups) with the argument --nobody, in a run directory of its
 * own; that run writes one line per check ("1 what" or "0 what") to a
 * pipe, which this one reports.  And a forked child that drops to nobody
 * calls grantpt on root's manager: EACCES.
 */
#include <sys/socket.h>
#include <dlfcn.h>
#include <grp.h>
#include "xtest.h"

#define NOBODY	65534

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
	struct group	*gr = getgrnam("tty");

	return (gr != NULL ? gr->gr_gid : getgid());
}

/*
 * Three ptys held at once, each granted: a grant after the first may
 * skip looking at the node (lib/host_linux_pty.c), so each is checked.
 */
static void
check_owner(void)
{
	struct stat	st;
	char		name[64];
	int		m[3], i;

	for (i = 0; i < 3; i++) {
		m[i] = posix_openpt(O_RDWR | O_NOCTTY);
		ok(m[i] >= 0, "posix_openpt #%d", i + 1);
		is_int(grantpt(m[i]), 0, "grantpt on manager #%d returns 0",
		    i + 1);
		snprintf(name, sizeof(name), "%s", ptsname(m[i]));
		is_int(stat(name, &st), 0, "stat %s", name);
		is_int(st.st_uid, getuid(), "#%d: subsidiary owned by the "
		    "real uid", i + 1);
		is_int(st.st_gid, tty_gid(), "#%d: subsidiary group is tty "
		    "(or getgid())", i + 1);
		is_int(st.st_mode & 07777, 0620, "#%d: subsidiary mode is "
		    "0620", i + 1);
		ok(S_ISCHR(st.st_mode), "#%d: subsidiary is a character "
		    "device", i + 1);
	}
	for (i = 0; i < 3; i++)
		close(m[i]);
}

/* grantpt must not fork a helper: no SIGCHLD whatever its disposition. */
static void
check_no_fork(void)
{
	struct sigaction	sa, old;
	sigset_t		set, oldset, pend;
	int			m, i;

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
	char	name[64];
	int	m = -1, s = -1, p[2], fd;

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

/* ---- as nobody (this binary run again under setpriv) ---- */

static void
say(int cond, const char *what)
{
	printf("%d %s\n", cond ? 1 : 0, what);
}

/* The daemon this run started (run directory rundir): stop it, remove it. */
static void
nobody_cleanup(const char *rundir)
{
	char	path[PATH_MAX];
	pid_t	pid = xt_daemon_pid();

	if (pid > 0)
		kill(pid, SIGTERM);
	snprintf(path, sizeof(path), "%s/xptyd.v3", rundir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/xptyd.v3.lock", rundir);
	unlink(path);
	rmdir(rundir);
}

static int
nobody_main(void)
{
	char		rundir[] = "/tmp/xpty-nobody.XXXXXX", name[64];
	struct stat	before, after;
	int		m, s, r;

	/* a preloaded libxpty that nobody may not read is ignored by ld.so */
	if (dlsym(RTLD_DEFAULT, "xpty_setmode") == NULL) {
		printf("nolib\n");
		return (0);
	}
	printf("started\n");
	if (mkdtemp(rundir) == NULL) {
		say(0, "mkdtemp");
		return (0);
	}
	setenv("XPTY_RUNDIR", rundir, 1);
	m = posix_openpt(O_RDWR | O_NOCTTY);
	say(m >= 0, "posix_openpt");
	snprintf(name, sizeof(name), "%s", m >= 0 ? ptsname(m) : "?");
	say(stat(name, &before) == 0 && before.st_uid == NOBODY,
	    "the new subsidiary is the opener's (devpts)");
	errno = 0;
	r = grantpt(m);
	say(r == 0, "grantpt by the unprivileged owner returns 0");
	say(stat(name, &after) == 0 && after.st_uid == NOBODY,
	    "the subsidiary stays the caller's");
	say(after.st_gid == before.st_gid || after.st_gid == tty_gid(),
	    "its group is tty, or unchanged when the caller may not give it");
	say(after.st_gid != tty_gid() ? (after.st_mode & 07777) ==
	    (before.st_mode & 07777) : (after.st_mode & 07777) == 0620,
	    "mode 0620 with group tty, else unchanged (no group write)");
	say(unlockpt(m) == 0, "unlockpt");
	s = open(name, O_RDWR | O_NOCTTY);
	say(s >= 0, "the subsidiary opens");
	say(s >= 0 && ioctl(s, I_PUSH, "ptem") == 0, "I_PUSH ptem");
	close(s);
	close(m);
	nobody_cleanup(rundir);
	return (0);
}

static void
check_nobody(void)
{
	char	 self[PATH_MAX], line[256];
	int	 p[2], st, started = 0, n;
	ssize_t	 len;
	FILE	*f;
	pid_t	 pid;

	if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0) {
		ok(1, "grantpt as nobody # SKIP needs root and setpriv");
		return;
	}
	if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0) {
		ok(0, "readlink /proc/self/exe");
		return;
	}
	self[len] = '\0';
	if (pipe(p) == -1 || (pid = fork()) == -1) {
		ok(0, "pipe, fork");
		return;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		unsetenv("LD_PRELOAD");	/* xt_init preloads it again */
		execl("/usr/bin/setpriv", "setpriv", "--reuid=65534",
		    "--regid=65534", "--clear-groups", self, "--nobody",
		    (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	for (n = 0; f != NULL && fgets(line, sizeof(line), f) != NULL; n++) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "nolib") == 0)
			started = -1;
		else if (strcmp(line, "started") == 0)
			started = 1;
		else if (started)
			ok(line[0] == '1', "as nobody: %s", line + 2);
	}
	if (f != NULL)
		fclose(f);
	waitpid(pid, &st, 0);
	if (started == -1)
		ok(1, "grantpt as nobody # SKIP nobody cannot load libxpty "
		    "from this tree");
	else if (!started)
		ok(1, "grantpt as nobody # SKIP nobody cannot run %s", self);
	else
		ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the nobody run exits 0");
}

/* Not the caller's node, and it may not take it: EACCES (illumos). */
static void
check_not_owner(void)
{
	int	m, st;
	pid_t	pid;

	if (geteuid() != 0) {
		ok(1, "grantpt on another user's pty # SKIP needs root");
		return;
	}
	m = posix_openpt(O_RDWR | O_NOCTTY);
	ok(m >= 0, "posix_openpt as root");
	if ((pid = fork()) == 0) {
		if (setgroups(0, NULL) == -1 || setresgid(NOBODY, NOBODY,
		    NOBODY) == -1 || setresuid(NOBODY, NOBODY, NOBODY) == -1)
			_exit(2);
		errno = 0;
		_exit(grantpt(m) == -1 && errno == EACCES ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "grantpt by nobody on root's pty: -1 EACCES");
	close(m);
}

int
main(int argc, char **argv)
{
	xt_init(argc, argv);
	if (argc > 1 && strcmp(argv[1], "--nobody") == 0)
		return (nobody_main());
	check_owner();
	check_no_fork();
	check_errors();
	check_nobody();
	check_not_owner();
	return (done_testing());
}
