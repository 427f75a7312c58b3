/*
 * xpty - run a command with libxpty preloaded.
 *
 * Theory of operation
 *
 * xpty prepares the environment of CMD and then becomes CMD: the wrapper
 * process itself calls execvp(), so CMD keeps the wrapper's pid, its
 * terminal, its process group and its exit status, and nothing stays
 * between the user's shell and the program (job control, signals and
 * "$?" behave as if xpty were not there, like env(1) or nice(1)).
 *
 * The environment it prepares:
 *   LD_PRELOAD		the absolute path of libxpty.so.0, appended to any
 *			existing list (never overwritten, never duplicated);
 *   XPTY_MODE		svr4 (default), xpg4v2 or native;
 *   XPTY_SCOPE		image (default: the library applies the mode to
 *			CMD's own image and gives exec'd descendants native
 *			mode) or tree (--tree: every descendant);
 *   XPTY_TRACE		from --trace: trace file or "stderr";
 *   XPTY_REPORT	from --report: summary file or "stderr";
 *   XPTY_HANDSHAKE_FD	the write end of a pipe, see below;
 *   XPTY_WATCH		under image scope, the watcher's abstract socket,
 *			see below.
 *
 * The library is found as $XPTY_LIBRARY, else in the build tree when this
 * binary runs from the build tree (/proc/self/exe below XPTY_BUILDDIR),
 * else in XPTY_LIBDIR, where "make install" put it.
 *
 * A preload that fails is silent: ld.so ignores a library it cannot load,
 * and drops LD_PRELOAD altogether for setuid programs, static programs
 * never look at it.  So xpty checks, twice:
 *
 *  - before exec, it resolves CMD through PATH and inspects the file:
 *    setuid/setgid or with file capabilities (secure execution drops
 *    LD_PRELOAD), statically linked (an ELF file without PT_INTERP), or of
 *    another ELF class or machine than the library.  It also checks that
 *    the library file exists and is an ELF shared object.  Each finding is
 *    one warning; CMD still runs.
 *
 *  - after exec, a watcher process waits for the library's handshake.
 *    The wrapper passes the write end of a pipe to CMD (not close-on-exec,
 *    its number in XPTY_HANDSHAKE_FD); libxpty's constructor writes the
 *    byte 'L' to it, closes it and unsets the variable.  A second,
 *    close-on-exec pipe tells the watcher when the exec has happened (end
 *    of file) or failed (the wrapper writes its errno there).  Without the
 *    byte within a few seconds after the exec, or when CMD exits without
 *    it, the watcher looks at /proc/PID/maps and prints one diagnostic.
 *    The watcher is a grandchild (double fork), so it is reparented to
 *    init rather than becoming a child CMD never waits for; it calls
 *    setsid(), so it takes no part in the job's process group, and keeps
 *    only standard error and its two pipes open.
 *
 *  - under image scope, the watcher also hears of a re-execution: it holds
 *    an AF_UNIX datagram socket bound to an abstract name (XPTY_WATCH,
 *    made before the exec, close-on-exec in CMD), and when the program
 *    CMD's image executes is that same program again (sshd, dropbear), its
 *    libxpty sends one datagram there (lib/mode.c).  The watcher then
 *    prints one warning: that image runs native, --tree is needed.  It
 *    listens for as long as CMD's process lives (a pidfd), and takes
 *    datagrams only from our own uid (SCM_CREDENTIALS).  CMD pays nothing
 *    for it but one stat in each image's start-up.
 *
 * What is said above is Linux's way.  What differs between hosts (the
 * variable's name, XPTY_PRELOAD_VAR: DYLD_INSERT_LIBRARIES on macOS; the
 * library's file name; ELF or Mach-O; /proc; the notice socket, its
 * credentials and the process watch) is behind src/wrap_host.h:
 * wrap_linux.c, and wrap_bsd.c for FreeBSD, NetBSD and macOS.
 *
 * Descriptors: of the two pipes, the read ends and the notice socket
 * are the watcher's (it closes the wrapper's ends of both at its start
 * and holds its own until it leaves); the handshake pipe's write end is
 * CMD's, not close-on-exec (libxpty's constructor writes and closes it),
 * the exec pipe's write end closes at the exec (close-on-exec).
 */

#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wrap_host.h"

#ifndef XPTY_LIBDIR
#define XPTY_LIBDIR	"/usr/local/lib"
#endif
#ifndef XPTY_BUILDDIR
#define XPTY_BUILDDIR	""
#endif

#define EXIT_WRAPPER	125	/* xpty itself failed, as env(1) */
#define EXIT_NOEXEC	126	/* CMD found but not executable */
#define EXIT_NOTFOUND	127	/* CMD not found */

#define HANDSHAKE_BYTE	'L'
#define HANDSHAKE_MS	3000	/* after the exec is confirmed */

struct options {
	const char	*mode;		/* svr4, xpg4v2, native */
	int		 tree;		/* --tree */
	const char	*trace;		/* --trace[=FILE], NULL if absent */
	const char	*report;	/* --report[=FILE], NULL if absent */
};

struct target {
	char		 path[PATH_MAX];	/* CMD resolved through PATH */
	int		 found;
	int		 error;			/* errno when not runnable */
};

static void		 usage(FILE *, int) __attribute__((noreturn));
static void		 warnmsg(const char *, ...)
			     __attribute__((format(printf, 1, 2)));
static void		 parse_options(int, char **, struct options *, int *);
static void		 pathfmt(char *, size_t, const char *, ...)
			     __attribute__((format(printf, 3, 4)));
static int		 under_dir(const char *, const char *);
static void		 find_library(char *, size_t);
static void		 setup_env(const struct options *, const char *);
static void		 append_preload(const char *);
static void		 resolve_cmd(const char *, struct target *);
static int		 check_library(const char *, const char *,
			     struct wrap_exe *);
static int		 check_cmd(const char *, const char *,
			     const struct wrap_exe *, int);
static int		 move_high(int, int);
static void		 start_watcher(const char *, const char *, pid_t,
			     int, int *, int *);
static void		 watch(const char *, const char *, pid_t, int, int,
			     int) __attribute__((noreturn));
static void		 linger_exit(void) __attribute__((noreturn));
static void		 linger(const char *, pid_t, int)
			     __attribute__((noreturn));
static long		 elapsed_ms(const struct timespec *);

static const char	*progname = "xpty";
static char		 notice_name[64];	/* XPTY_WATCH, if made */

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
"usage: %s [--svr4|--xpg4v2|--native] [--tree] [--trace[=FILE]]\n"
"            [--report[=FILE]] [--] CMD [ARG...]\n"
"       %s --version | --help\n",
	    progname, progname);
	if (status != 0) {
		fprintf(fp, "Try '%s --help' for more information.\n",
		    progname);
		exit(status);
	}
	fprintf(fp, "\n"
"Run CMD with libxpty preloaded, so that it gets SVR4/illumos STREAMS\n"
"pseudo-terminal semantics.\n"
"\n"
"  --svr4          illumos default behaviour (XPTY_MODE=svr4, the default)\n"
"  --xpg4v2        strict XPG4v2 pseudo-terminals (XPTY_MODE=xpg4v2)\n"
"  --native        load libxpty but pass everything through (XPTY_MODE=native)\n"
"  --tree          apply the mode to every descendant, not only to CMD\n"
"  --trace[=FILE]  trace SVR4 pty calls to FILE or standard error\n"
"  --report[=FILE] summarize the pty calls to FILE or stderr at exit\n"
"  --version       print the version and exit\n"
"  --help          print this help and exit\n"
"\n"
"Environment: XPTY_LIBRARY overrides the library path.  See xpty(1).\n");
	exit(status);
}

static void
warnmsg(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void
parse_options(int argc, char **argv, struct options *o, int *optidx)
{
	enum { O_XPG4V2 = 256, O_NATIVE, O_SVR4, O_TREE, O_TRACE, O_REPORT,
	    O_VERSION, O_HELP };
	static const struct option	longopts[] = {
		{ "xpg4v2",	no_argument,		NULL, O_XPG4V2 },
		{ "native",	no_argument,		NULL, O_NATIVE },
		{ "svr4",	no_argument,		NULL, O_SVR4 },
		{ "tree",	no_argument,		NULL, O_TREE },
		{ "trace",	optional_argument,	NULL, O_TRACE },
		{ "report",	optional_argument,	NULL, O_REPORT },
		{ "version",	no_argument,		NULL, O_VERSION },
		{ "help",	no_argument,		NULL, O_HELP },
		{ NULL,		0,			NULL, 0 }
	};
	int				ch;

	memset(o, 0, sizeof(*o));
	o->mode = "svr4";
	/* "+": stop at CMD, whose own options are not ours. */
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case O_XPG4V2:
			o->mode = "xpg4v2";
			break;
		case O_NATIVE:
			o->mode = "native";
			break;
		case O_SVR4:
			o->mode = "svr4";
			break;
		case O_TREE:
			o->tree = 1;
			break;
		case O_TRACE:
			o->trace = optarg != NULL ? optarg : "stderr";
			if (*o->trace == '\0')
				o->trace = "stderr";
			break;
		case O_REPORT:
			o->report = optarg != NULL ? optarg : "stderr";
			if (*o->report == '\0')
				o->report = "stderr";
			break;
		case O_VERSION:
			printf("xpty (libxpty) %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
		case O_HELP:
			usage(stdout, 0);
		default:
			usage(stderr, EXIT_WRAPPER);
		}
	}
	if (optind >= argc) {
		warnmsg("no command given");
		usage(stderr, EXIT_WRAPPER);
	}
	*optidx = optind;
}

/* snprintf() for paths: a truncated path is an error. */
static void
pathfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		warnmsg("path too long: %s...", buf);
		exit(EXIT_WRAPPER);
	}
}

/* Is path dir itself or below it?  Both are canonical. */
static int
under_dir(const char *path, const char *dir)
{
	size_t	len = strlen(dir);

	if (len == 0 || strncmp(path, dir, len) != 0)
		return (0);
	return (path[len] == '/' || path[len] == '\0');
}

static void
find_library(char *buf, size_t len)
{
	char		 self[PATH_MAX], dir[PATH_MAX];
	const char	*env;

	/*
	 * An explicit library is made absolute but not canonicalized: ld.so
	 * needs a slash to take a name as a path, and the user's name should
	 * appear in LD_PRELOAD as given.
	 */
	if ((env = getenv("XPTY_LIBRARY")) != NULL && *env != '\0') {
		if (*env == '/' || getcwd(dir, sizeof(dir)) == NULL)
			pathfmt(buf, len, "%s", env);
		else
			pathfmt(buf, len, "%s/%s", dir, env);
		return;
	}
	if (wrap_self_path(self, sizeof(self)) == 0 &&
	    XPTY_BUILDDIR[0] != '\0' && realpath(XPTY_BUILDDIR, dir) != NULL &&
	    under_dir(self, dir)) {
		pathfmt(buf, len, "%s/lib/.libs/%s", dir, XPTY_LIBNAME);
		return;
	}
	pathfmt(buf, len, "%s/%s", XPTY_LIBDIR, XPTY_LIBNAME);
}

/*
 * Append lib to the preload variable (LD_PRELOAD; DYLD_INSERT_LIBRARIES
 * on macOS: configure's XPTY_PRELOAD_VAR) unless it is already one of its
 * entries.
 */
static void
append_preload(const char *lib)
{
	const char	*old = getenv(XPTY_PRELOAD_VAR);
	const char	*p;
	char		*val;
	size_t		 len = strlen(lib);

	if (old == NULL || *old == '\0') {
		setenv(XPTY_PRELOAD_VAR, lib, 1);
		return;
	}
	/* ld.so separates entries with spaces or colons (dyld: colons). */
	for (p = old; (p = strstr(p, lib)) != NULL; p++) {
		if ((p == old || p[-1] == ':' || p[-1] == ' ') &&
		    (p[len] == '\0' || p[len] == ':' || p[len] == ' '))
			return;
	}
	if (asprintf(&val, "%s:%s", old, lib) == -1) {
		warnmsg("out of memory");
		exit(EXIT_WRAPPER);
	}
	setenv(XPTY_PRELOAD_VAR, val, 1);
	free(val);
}

static void
setup_env(const struct options *o, const char *lib)
{
	append_preload(lib);
	setenv("XPTY_MODE", o->mode, 1);
	setenv("XPTY_SCOPE", o->tree ? "tree" : "image", 1);
	unsetenv("XPTY_HANDSHAKE_FD");
	unsetenv("XPTY_WATCH");		/* an outer xpty's */
	if (o->trace != NULL)
		setenv("XPTY_TRACE", o->trace, 1);
	if (o->report != NULL)
		setenv("XPTY_REPORT", o->report, 1);
}

/*
 * Find CMD the way execvp() will: a name with a slash is used as is,
 * otherwise the first executable regular file in PATH; a file that exists
 * but may not be executed is remembered, as execvp() does.
 */
static void
resolve_cmd(const char *cmd, struct target *t)
{
	const char	*path, *p, *end;
	char		 cand[PATH_MAX];
	struct stat	 st;
	size_t		 dlen;

	memset(t, 0, sizeof(*t));
	t->error = ENOENT;
	if (strchr(cmd, '/') != NULL) {
		strlcpy(t->path, cmd, sizeof(t->path));
		if (stat(cmd, &st) == -1)
			t->error = errno;
		else if (S_ISDIR(st.st_mode))
			t->error = EACCES;
		else if (access(cmd, X_OK) == -1)
			t->error = errno;
		else
			t->found = 1;
		return;
	}
	if ((path = getenv("PATH")) == NULL)
		path = "/bin:/usr/bin";
	for (p = path; ; p = end + 1) {
		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		dlen = end - p;
		if (dlen == 0)
			snprintf(cand, sizeof(cand), "%s", cmd);
		else
			snprintf(cand, sizeof(cand), "%.*s/%s", (int)dlen, p,
			    cmd);
		if (stat(cand, &st) == 0 && !S_ISDIR(st.st_mode)) {
			if (access(cand, X_OK) == 0) {
				snprintf(t->path, sizeof(t->path), "%s", cand);
				t->found = 1;
				return;
			}
			if (t->error != EACCES)
				snprintf(t->path, sizeof(t->path), "%s", cand);
			t->error = EACCES;
		}
		if (*end == '\0')
			break;
	}
}

/*
 * Is lib a readable shared object of this host (ELF; Mach-O on macOS,
 * src/wrap_host.h)?  Returns 0, with its cpus, or -1 after the
 * diagnostic.
 */
static int
check_library(const char *cmd, const char *lib, struct wrap_exe *ei)
{
	memset(ei, 0, sizeof(*ei));
	if (access(lib, R_OK) == -1) {
		warnmsg("libxpty was not loaded into %s: %s: %s", cmd, lib,
		    strerror(errno));
		return (-1);
	}
	if (wrap_exe_read(lib, ei) == -1) {
		warnmsg("libxpty was not loaded into %s: %s is not a shared "
		    "object of this system", cmd, lib);
		return (-1);
	}
	return (0);
}

/*
 * Warn about what keeps ld.so from preloading into the program at path.
 * Returns the number of warnings given.  lib describes the library, or
 * no cpu (ncpu 0) when that is unknown.  One level of "#!" is followed, since
 * the interpreter is the program ld.so loads.
 */
static int
check_cmd(const char *path, const char *lib, const struct wrap_exe *li,
    int depth)
{
	struct stat	 st;
	struct wrap_exe	 ci;
	const char	*why;
	char		 line[256], *p;
	int		 fd;
	ssize_t		 n;

	if (stat(path, &st) == 0 &&
	    (((st.st_mode & S_ISUID) && st.st_uid != getuid()) ||
	    ((st.st_mode & S_ISGID) && st.st_gid != getgid()))) {
		warnmsg("warning: %s is set-user-ID or set-group-ID: the "
		    "dynamic linker drops " XPTY_PRELOAD_VAR " for it, so it "
		    "runs without libxpty", path);
		return (1);
	}
	if ((why = wrap_exec_strips(path)) != NULL) {
		warnmsg("warning: %s %s: the dynamic linker drops "
		    XPTY_PRELOAD_VAR " for it, so it runs without libxpty",
		    path, why);
		return (1);
	}
	if (wrap_exe_read(path, &ci) == 0) {
		if (!ci.interp) {
			warnmsg("warning: %s is statically linked: libxpty "
			    "cannot be preloaded into it, so it runs "
			    "without libxpty", path);
			return (1);
		}
		if (li->ncpu != 0 && !wrap_exe_compatible(&ci, li)) {
			warnmsg("warning: %s is built for another ELF class "
			    "or machine than %s, so it runs without libxpty",
			    path, lib);
			return (1);
		}
		return (0);
	}
	if (depth > 0 || (fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return (0);
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 3 || line[0] != '#' || line[1] != '!')
		return (0);
	line[n] = '\0';
	for (p = line + 2; *p == ' ' || *p == '\t'; p++)
		;
	p[strcspn(p, " \t\r\n")] = '\0';
	if (*p != '/')
		return (0);
	return (check_cmd(p, lib, li, depth + 1));
}

/* Move fd to a number >= 3 so it cannot shadow a standard stream. */
static int
move_high(int fd, int cloexec)
{
	int	nfd;

	nfd = fcntl(fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, 3);
	if (nfd == -1) {
		warnmsg("fcntl: %s", strerror(errno));
		exit(EXIT_WRAPPER);
	}
	close(fd);
	return (nfd);
}

/*
 * Start the watcher.  On return *hsfd is the handshake write end for CMD
 * (inheritable) and *execfd the close-on-exec exec-status write end.
 * nsock (or -1) is the notice socket, which the watcher keeps.
 */
static void
start_watcher(const char *cmd, const char *lib, pid_t target, int nsock,
    int *hsfd, int *execfd)
{
	int	hs[2], ex[2], status;
	pid_t	pid;

	if (pipe(hs) == -1 || pipe(ex) == -1) {
		warnmsg("pipe: %s", strerror(errno));
		exit(EXIT_WRAPPER);
	}
	hs[0] = move_high(hs[0], 1);
	hs[1] = move_high(hs[1], 0);
	ex[0] = move_high(ex[0], 1);
	ex[1] = move_high(ex[1], 1);
	fflush(NULL);
	switch (pid = fork()) {
	case -1:
		warnmsg("fork: %s", strerror(errno));
		exit(EXIT_WRAPPER);
	case 0:
		close(hs[1]);
		close(ex[1]);
		switch (fork()) {
		case -1:
			_exit(1);
		case 0:
			watch(cmd, lib, target, hs[0], ex[0], nsock);
		default:
			_exit(0);
		}
	}
	close(hs[0]);
	close(ex[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	*hsfd = hs[1];
	*execfd = ex[1];
}

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000);
}

/* The watcher is done with the notice socket's name: leave. */
static void
linger_exit(void)
{
	if (notice_name[0] != '\0')
		wrap_notice_done(notice_name);
	_exit(0);
}

/*
 * The handshake came: under image scope, wait (while CMD's process lives)
 * for word that its image executed itself, and say it once.
 */
static void
linger(const char *cmd, pid_t target, int nsock)
{
	struct pollfd	 pfd[2];
	char		 text[64];
	long		 pid;
	int		 pwfd, r, timeout = -1;

	if (nsock < 0)
		linger_exit();
	/*
	 * A short CMD may be gone, and reaped, before this looks: then only
	 * the notice it sent before it exited (queued on nsock) is left to
	 * read, without waiting (poll ignores the descriptor -1).
	 */
	if ((pwfd = wrap_proc_watch(target)) == -1)
		timeout = 0;
	pfd[0].fd = pwfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = nsock;
	pfd[1].events = POLLIN;
	for (;;) {
		if ((r = poll(pfd, 2, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			linger_exit();
		}
		if (r == 0)
			linger_exit();	/* gone, and nothing was sent */
		if (pfd[1].revents & POLLIN) {
			r = wrap_notice_recv(nsock, text, sizeof(text));
			if (r != 1 || sscanf(text, "exec %ld", &pid) != 1)
				continue;
			warnmsg("warning: %s executed itself again (pid %ld), "
			    "and that image runs in native mode: daemons that "
			    "re-execute themselves (sshd, dropbear) need "
			    "xpty --tree", cmd, pid);
			linger_exit();
		}
		if (pfd[0].revents & (POLLIN | POLLHUP))
			linger_exit();	/* CMD's process is gone */
	}
}

static void
watch(const char *cmd, const char *lib, pid_t target, int hsfd, int exfd,
    int nsock)
{
	struct pollfd	pfd;
	struct timespec	t0;
	char		c;
	ssize_t		n;
	int		err, fd, in;
	long		left;

	/* Out of the job: no terminal signals, no stdin/stdout held. */
	setsid();
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, 0);
		dup2(fd, 1);
		if (fd > 2)
			close(fd);
	}
	hsfd = fcntl(hsfd, F_DUPFD, 10);
	exfd = fcntl(exfd, F_DUPFD, 10);
	if (nsock >= 0)
		nsock = fcntl(nsock, F_DUPFD, 10);
	if (hsfd == -1 || exfd == -1 || dup2(hsfd, 3) == -1 ||
	    dup2(exfd, 4) == -1 || (nsock >= 0 && dup2(nsock, 5) == -1))
		_exit(1);
	wrap_closefrom(nsock >= 0 ? 6 : 5);
	hsfd = 3;
	exfd = 4;
	if (nsock >= 0)
		nsock = 5;

	/* End of file on exfd: the exec happened.  Data: it failed. */
	while ((n = read(exfd, &err, sizeof(err))) == -1 && errno == EINTR)
		;
	if (n != 0)
		_exit(0);
	close(exfd);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pfd.fd = hsfd;
	pfd.events = POLLIN;
	for (;;) {
		left = HANDSHAKE_MS - elapsed_ms(&t0);
		if (left < 0)
			left = 0;
		n = poll(&pfd, 1, (int)left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* timed out */
		n = read(hsfd, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 1 && c == HANDSHAKE_BYTE)
			linger(cmd, target, nsock);
		if (n == 0) {
			/* Every copy of the write end is gone. */
			in = wrap_lib_mapped(target, lib);
			if (in == 1)
				_exit(0);
			warnmsg("libxpty was not loaded into %s: it exited "
			    "or closed its descriptors without the "
			    "library's handshake (%s)", cmd, lib);
			_exit(0);
		}
	}
	in = wrap_lib_mapped(target, lib);
	if (in == 1)
		_exit(0);	/* loaded; a library without the handshake */
	if (in == 0)
		warnmsg("libxpty was not loaded into %s: %s is not mapped "
		    "in process %ld (" XPTY_PRELOAD_VAR " dropped or ignored?)",
		    cmd,
		    lib, (long)target);
	else
		warnmsg("libxpty was not loaded into %s: no handshake from "
		    "process %ld within %d s, and its memory map is not "
		    "readable", cmd, (long)target, HANDSHAKE_MS / 1000);
	_exit(0);
}

int
main(int argc, char **argv)
{
	struct options	 o;
	struct target	 t;
	struct wrap_exe	 li;
	char		 lib[PATH_MAX], num[16];
	const char	*cmd;
	int		 optidx, warned, hsfd = -1, exfd = -1, err;
	int		 nsock = -1;

	if (argv[0] != NULL && (cmd = strrchr(argv[0], '/')) != NULL)
		progname = cmd + 1;
	else if (argv[0] != NULL && *argv[0] != '\0')
		progname = argv[0];
	parse_options(argc, argv, &o, &optidx);
	cmd = argv[optidx];

	find_library(lib, sizeof(lib));
	resolve_cmd(cmd, &t);
	if (!t.found) {
		warnmsg("%s: %s", cmd, strerror(t.error));
		return (t.error == ENOENT || t.error == ENOTDIR ?
		    EXIT_NOTFOUND : EXIT_NOEXEC);
	}
	setup_env(&o, lib);
	warned = check_library(cmd, lib, &li) == -1;
	warned += check_cmd(t.path, lib, &li, 0);

	if (!warned) {
		struct stat	hs;

		/* image scope: the watcher hears of a re-execution */
		if (!o.tree && strcmp(o.mode, "native") != 0 &&
		    (nsock = wrap_notice_open(notice_name,
		    sizeof(notice_name))) != -1)
			setenv("XPTY_WATCH", notice_name, 1);
		else
			notice_name[0] = '\0';
		start_watcher(cmd, lib, getpid(), nsock, &hsfd, &exfd);
		if (nsock != -1)
			close(nsock);	/* the watcher has it */
		/* fd:inode, so that no descendant writes into a reused number */
		if (fstat(hsfd, &hs) == 0) {
			snprintf(num, sizeof(num), "%d:%lu", hsfd,
			    (unsigned long)hs.st_ino);
			setenv("XPTY_HANDSHAKE_FD", num, 1);
		}
	}
	execvp(cmd, argv + optidx);
	err = errno;
	if (exfd != -1) {
		/* The watcher exits on any data or on end of file. */
		(void)!write(exfd, &err, sizeof(err));
		close(exfd);
	}
	warnmsg("%s: %s", cmd, strerror(err));
	return (err == ENOENT || err == ENOTDIR ? EXIT_NOTFOUND :
	    EXIT_NOEXEC);
}
