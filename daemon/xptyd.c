/*
 * xptyd.c - main program of xptyd, libxpty's per-user pty relay daemon.
 *
 * Theory of operation.  libxpty starts xptyd on demand (lib/relay.c):
 * it holds <socket>.lock, removes a stale socket and spawns
 * "xptyd -S <socket> -L <fd>" with the locked descriptor as <fd>.  xptyd
 * binds the socket, forks into the background (unless -f), and only then
 * closes the lock descriptor, which releases the lock: a starter waiting
 * for the lock then finds a bound socket.  Run by hand, xptyd takes the
 * lock itself.
 *
 * The library starts it with every signal blocked, from a grandchild of
 * the application (lib/relay.c: so that the application sees no SIGCHLD);
 * main() sets the mask and all dispositions back to the defaults.
 *
 * Under systemd (xptyd.socket and xptyd.service, user units) the socket
 * comes ready-made by activation instead; see activated_socket().
 *
 * The daemon exits when nothing has held its loop (loop.c: a pty, a data
 * connection, a control connection with a request under way; idle
 * control connections, which every client process keeps, do not count)
 * for XPTY_IDLE seconds (default 5): loop.c calls idle_cb then.  To exit
 * it takes the lock (so no starter is between its checks), removes its
 * socket if the path is still its own, accepts what was already queued,
 * shuts its control connections down (ctl_close_idle: their queued
 * requests are still served, later sends fail and the clients reconnect)
 * and leaves.  If that brought a new pty after all, it binds its socket
 * again, still holding the lock, and goes on.  SIGTERM and SIGINT end it
 * at once: host managers close and their subsidiaries are hung up.
 *
 * Descriptors: the start lock (closed once the socket is bound, or
 * taken again briefly when exiting), the listening socket (handed to
 * server.c).  State: the socket path and its inode, whether it is
 * listening, the idle time.  Single-threaded.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xptyd.h"
#include "sockpath.h"

static char		 sock_path[XP_PATHMAX];
static char		 lock_path[XP_PATHMAX + 8];
static ino_t		 sock_ino;
static int		 listening;
static int		 idle_secs = 5;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: xptyd [-df] [-L lockfd] [-S socket]\n");
	exit(1);
}

/* Close every inherited descriptor above 2 except keep. */
static void
close_inherited(int keep)
{
	int	fd, max = (int)sysconf(_SC_OPEN_MAX);

#ifdef HAVE_CLOSE_RANGE
	if (keep < 3 ? close_range(3, ~0U, 0) == 0 :
	    ((keep == 3 || close_range(3, keep - 1, 0) == 0) &&
	    close_range(keep + 1, ~0U, 0) == 0))
		return;
#endif
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		if (fd != keep)
			close(fd);
}

/* Started with every signal blocked: the defaults, all unblocked. */
static void
default_signals(void)
{
	struct sigaction	sa;
	sigset_t		none;
	int			sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void
raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Is a daemon already answering on path? */
static int
already_running(const char *path)
{
	struct sockaddr_un	sun;
	int			fd, ok;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (0);
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return (ok);
}

/*
 * systemd socket activation (xptyd.socket): the listening socket arrives
 * as descriptor 3 with LISTEN_PID naming us and LISTEN_FDS=1.  systemd
 * owns the socket then: xptyd neither takes the start lock nor removes the
 * socket, and leaving when idle is enough, since the next connection
 * starts it again.  Returns the descriptor or -1.
 */
#define SD_LISTEN_FDS_START	3

static int
activated_socket(void)
{
	const char	*pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
	const char	*errstr;
	int		 type;
	socklen_t	 len = sizeof(type);

	if (pid == NULL || n == NULL ||
	    strtonum(pid, 1, INT_MAX, &errstr) != getpid() ||
	    strtonum(n, 1, 1, &errstr) != 1)
		return (-1);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (getsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type,
	    &len) == -1 || type != SOCK_STREAM)
		return (-1);
	if (fcntl(SD_LISTEN_FDS_START, F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(SD_LISTEN_FDS_START, F_SETFL, O_RDWR | O_NONBLOCK) == -1)
		return (-1);
	return (SD_LISTEN_FDS_START);
}

/* By hand: take the start lock ourselves; returns its descriptor. */
static int
take_lock(void)
{
	int	fd;

	fd = open(lock_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		fatal("%s", lock_path);
	if (flock(fd, LOCK_EX) == -1)
		fatal("flock %s", lock_path);
	if (already_running(sock_path)) {
		fprintf(stderr, "xptyd: already running on %s\n", sock_path);
		exit(1);
	}
	unlink(sock_path);
	return (fd);
}

static void
daemonize(void)
{
	int	fd;

	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	setsid();
	if (chdir("/") == -1)
		fatal("chdir");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

static void
remove_socket(void)
{
	struct stat	st;

	if (stat(sock_path, &st) == 0 && st.st_ino == sock_ino)
		unlink(sock_path);
}

static int
listen_on_path(void)
{
	struct stat	st;
	int		lfd;

	if ((lfd = server_listen(sock_path)) == -1)
		return (-1);
	if (stat(sock_path, &st) == 0)
		sock_ino = st.st_ino;
	listening = 1;
	return (lfd);
}

/* Leave, if the last control connections brought nothing to serve. */
static void
idle_leave(void)
{
	ctl_close_idle();
	if (loop_holds() == 0) {
		log_debug("idle, exiting");
		exit(0);
	}
}

/* Idle long enough (loop.c): leave, unless a starter or a client came. */
static void
idle_cb(void)
{
	int	lfd, nlfd;

	if (!listening) {
		idle_leave();
		return;
	}
	lfd = open(lock_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (lfd != -1 && flock(lfd, LOCK_EX | LOCK_NB) == -1) {
		close(lfd);		/* someone is starting: look later */
		loop_idle_retry(100);
		return;
	}
	remove_socket();
	listening = 0;
	server_stop_listening();
	idle_leave();
	/* Work came in after all: serve it at the same path again. */
	if (lfd != -1 && (nlfd = listen_on_path()) != -1) {
		server_start(nlfd);
		log_debug("not idle after all, listening again");
	}
	if (lfd != -1)
		close(lfd);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	log_info("signal %d, exiting", (int)sig);
	if (listening)
		remove_socket();
	exit(0);
}

static void
setup_paths(const char *sflag)
{
	char		 dir[XP_PATHMAX], canon[XP_PATHMAX], why[512], *slash;
	const char	*name = XP_SOCKNAME;

	/* the directory is checked as the library checks it (sockpath.h) */
	if (sflag != NULL) {
		if (strlcpy(dir, sflag, sizeof(dir)) >= sizeof(dir))
			fatal("socket path too long");
		if ((slash = strrchr(dir, '/')) == NULL || dir[0] != '/') {
			errno = 0;
			fatal("-S %s: not an absolute path", sflag);
		}
		*slash = '\0';
		name = sflag + (slash - dir) + 1;
		if (slash == dir)
			strlcpy(dir, "/", sizeof(dir));
	} else if (xp_rundir(dir, sizeof(dir)) == -1)
		fatal("socket directory");
	if (xp_checkdir(dir, canon, sizeof(canon), sflag == NULL, why,
	    sizeof(why)) == -1) {
		errno = 0;
		fatal("%s", why);
	}
	if (snprintf(sock_path, sizeof(sock_path), "%s%s%s", canon,
	    strcmp(canon, "/") == 0 ? "" : "/", name) >= (int)sizeof(sock_path))
		fatal("socket path too long");
	strlcpy(lock_path, sock_path, sizeof(lock_path));
	strlcat(lock_path, ".lock", sizeof(lock_path));
}

static void
setup_signals(void)
{
	struct event	*ev;
	const int	 sigs[] = { SIGTERM, SIGINT };
	size_t		 i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ev = evsignal_new(loop_base(), sigs[i], signal_cb, NULL);
		if (ev == NULL || evsignal_add(ev, NULL) == -1)
			fatal("signal");
	}
}

int
main(int argc, char **argv)
{
	const char	*sflag = NULL, *errstr, *e;
	int		 ch, fg = 0, debug = 0, lockfd = -1, lfd;

	while ((ch = getopt(argc, argv, "dfL:S:")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			fg = 1;
			break;
		case 'L':
			lockfd = (int)strtonum(optarg, 3, INT_MAX, &errstr);
			if (errstr != NULL)
				usage();
			break;
		case 'S':
			sflag = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((e = getenv("XPTY_IDLE")) != NULL)
		idle_secs = (int)strtonum(e, 0, 86400, &errstr);
	if ((lfd = activated_socket()) != -1)
		fg = 1;		/* systemd supervises us */
	close_inherited(lfd != -1 ? lfd : lockfd);
	default_signals();
	log_open(1, debug);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	raise_nofile();
	setup_paths(sflag);
	if (lfd == -1) {
		if (lockfd == -1)
			lockfd = take_lock();
		if ((lfd = listen_on_path()) == -1)
			fatal("%s", sock_path);
	}
	if (!fg) {
		daemonize();
		log_open(0, debug);
	}
	if (lockfd != -1)
		close(lockfd);	/* releases the start lock */
	loop_init();
	setup_signals();
	watch_init();
	ctl_init();
	server_start(lfd);
	log_debug("listening on %s (libevent %s)", sock_path,
	    event_base_get_method(loop_base()));
	loop_set_idle(idle_secs, idle_cb);
	loop_run();
	return (0);
}
