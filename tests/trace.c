/*
 * trace.c - XPTY_TRACE writes one decoded line per SVR4 call, and
 * XPTY_REPORT a summary at exit.  The test re-runs itself with the
 * variables set and reads what the child wrote.  The sinks are invisible:
 * neither the traced program nor one it executes has a descriptor for
 * them (issue 14: CPython's test_pass_fds_redirected lists its own).
 */
#include "xtest.h"

static char *slurp(const char *);

/*
 * Does any descriptor of this process other than 0-2 refer to path (or,
 * with path NULL, to the file descriptor 2 is)?
 */
static int
sink_visible(const char *path)
{
	char		 link[64], to[PATH_MAX];
	struct stat	 st2, st;
	struct dirent	*e;
	DIR		*d;
	int		 fd, seen = 0;
	ssize_t		 n;

	if (fstat(2, &st2) == -1 || (d = opendir("/proc/self/fd")) == NULL)
		return (1);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || (fd = atoi(e->d_name)) <= 2 ||
		    fd == dirfd(d))
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if (path != NULL) {
			n = readlink(link, to, sizeof(to) - 1);
			if (n > 0 && (to[n] = '\0', strcmp(to, path) == 0))
				seen = 1;
		} else if (fstat(fd, &st) == 0 && st.st_dev == st2.st_dev &&
		    st.st_ino == st2.st_ino)
			seen = 1;
	}
	closedir(d);
	return (seen);
}

static void
child(char **argv, int exec_again)
{
	const char	*tr = getenv("XPTY_TRACE");
	int		 m, s, bad;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1)
		_exit(2);
	(void)ioctl(s, I_PUSH, "ldterm");
	(void)ioctl(s, I_PUSH, "nosuchmod");
	(void)ioctl(s, I_FLUSH, FLUSHRW);
	(void)ioctl(m, I_STR, &(struct strioctl){ .ic_cmd = ISPTM });
	close(s);
	close(m);
	bad = sink_visible(strcmp(tr, "stderr") == 0 ? NULL : tr) ||
	    sink_visible(getenv("XPTY_REPORT"));
	if (bad)
		exit(3);
	if (exec_again) {
		/* the next image traces too, and sees no sink either */
		execl("/proc/self/exe", argv[0], "grandchild", (char *)NULL);
		_exit(127);
	}
	exit(0);	/* not _exit: the report is written by atexit */
}

/* Run the traced child with XPTY_TRACE=trace; its exit status. */
static int
run_child(char **argv, const char *trace, const char *report)
{
	pid_t	pid;
	int	st;

	if ((pid = fork()) == 0) {
		setenv("XPTY_TRACE", trace, 1);
		setenv("XPTY_REPORT", report, 1);
		execl("/proc/self/exe", argv[0], "child", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* XPTY_TRACE=stderr: the lines reach descriptor 2; no descriptor of its own. */
static void
check_stderr(char **argv, const char *rpath)
{
	char	 epath[] = "/tmp/xpty-stderr.XXXXXX";
	int	 efd = mkstemp(epath), saved = dup(2), st;
	char	*e;

	dup2(efd, 2);
	close(efd);
	st = run_child(argv, "stderr", rpath);
	dup2(saved, 2);
	close(saved);
	is_int(st, 0, "XPTY_TRACE=stderr: no descriptor of its own in the "
	    "traced program or the one it executes");
	e = slurp(epath);
	ok(strstr(e, "I_PUSH \"ldterm\" = 0") != NULL, "XPTY_TRACE=stderr: "
	    "lines on standard error");
	unlink(epath);
}

static char *
slurp(const char *path)
{
	static char	buf[65536];
	int		fd = open(path, O_RDONLY);
	ssize_t		n;

	if (fd == -1)
		return ("");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return (buf);
}

int
main(int argc, char **argv)
{
	char	 tpath[] = "/tmp/xpty-trace.XXXXXX", rpath[] = "/tmp/xpty-report.XXXXXX";
	char	*t, *r;
	int	 st, lines = 0;

	if (argc > 1 && strcmp(argv[1], "child") == 0)
		child(argv, 1);
	if (argc > 1 && strcmp(argv[1], "grandchild") == 0)
		child(argv, 0);
	xt_init(argc, argv);
	close(mkstemp(tpath));
	close(mkstemp(rpath));
	st = run_child(argv, tpath, rpath);
	is_int(st, 0, "traced child ran, and neither it nor the program it "
	    "executed has a descriptor for the trace or report file");
	t = slurp(tpath);
	ok(strstr(t, "manager open: /dev/pts/") != NULL, "manager open traced");
	ok(strstr(t, "grantpt = 0") != NULL, "grantpt traced");
	ok(strstr(t, "ptsname = \"/dev/pts/") != NULL, "ptsname traced with its answer");
	ok(strstr(t, "I_PUSH \"ldterm\" = 0") != NULL, "I_PUSH decoded with module name");
	ok(strstr(t, "I_PUSH \"nosuchmod\" = -1 EINVAL") != NULL,
	    "failed I_PUSH shows errno name");
	ok(strstr(t, "I_FLUSH FLUSHRW = 0") != NULL, "I_FLUSH argument decoded");
	ok(strstr(t, "I_STR{ISPTM, len 0} = 0") != NULL, "I_STR payload decoded");
	ok(strstr(t, "xpty[") == t, "lines start with xpty[pid]");
	for (r = t; (r = strstr(r, "I_PUSH \"ldterm\" = 0")) != NULL; r++)
		lines++;
	is_int(lines, 2, "both images traced into the file (O_APPEND)");

	r = slurp(rpath);
	ok(strstr(r, "xpty report for pid") != NULL, "report written at exit");
	ok(strstr(r, "SVR4 ioctl") != NULL, "report counts ioctls");
	if (tap_failed)
		diag("trace was:\n%s\nreport was:\n%s", t, r);
	check_stderr(argv, rpath);
	unlink(tpath);
	unlink(rpath);
	return (done_testing());
}
