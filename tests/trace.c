/*
 * trace.c - XPTY_TRACE writes one decoded line per SVR4 call, and
 * XPTY_REPORT a summary at exit.  The test re-runs itself with the
 * variables set and reads what the child wrote.
 */
#include "xtest.h"

static void
child(void)
{
	int m, s;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1)
		_exit(2);
	(void)ioctl(s, I_PUSH, "ldterm");
	(void)ioctl(s, I_PUSH, "nosuchmod");
	(void)ioctl(s, I_FLUSH, FLUSHRW);
	(void)ioctl(m, I_STR, &(struct strioctl){ .ic_cmd = ISPTM });
	exit(0);	/* not _exit: the report is written by atexit */
}

static char *
slurp(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd == -1)
		return "";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

int
main(int argc, char **argv)
{
	char tpath[] = "/tmp/xpty-trace.XXXXXX", rpath[] = "/tmp/xpty-report.XXXXXX";
	char *t, *r;
	pid_t pid;
	int st;

	if (argc > 1 && strcmp(argv[1], "child") == 0)
		child();
	xt_init(argc, argv);
	close(mkstemp(tpath));
	close(mkstemp(rpath));
	if ((pid = fork()) == 0) {
		setenv("XPTY_TRACE", tpath, 1);
		setenv("XPTY_REPORT", rpath, 1);
		execl("/proc/self/exe", argv[0], "child", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0, "traced child ran");
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
	r = slurp(rpath);
	ok(strstr(r, "xpty report for pid") != NULL, "report written at exit");
	ok(strstr(r, "SVR4 ioctl") != NULL, "report counts ioctls");
	if (tap_failed)
		diag("trace was:\n%s\nreport was:\n%s", t, r);
	unlink(tpath);
	unlink(rpath);
	return done_testing();
}
