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
 * The daemon exits when it has served no pty for XPTY_IDLE seconds
 * (default 5) and no connection has a request under way (idle control
 * connections, which every client process keeps, do not count).  To exit
 * it takes the lock (so no starter is between its checks), removes its
 * socket if the path is still its own, accepts what was already queued,
 * shuts its control connections down (server_close_idle: their queued
 * requests are still served, later sends fail and the clients reconnect)
 * and leaves.  If that brought a new pty after all, it binds its socket
 * again, still holding the lock, and goes on.  SIGTERM and SIGINT end it
 * at once: host managers close and their subsidiaries are hung up.
 *
 * State: the event base, the socket path and its inode, the lock
 * descriptor, the idle timer.  Single-threaded.
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

struct event_base	*xbase;
int			 xdebug;
unsigned long		 xwork;

static char		 sock_path[XP_PATHMAX];
static char		 lock_path[XP_PATHMAX + 8];
static ino_t		 sock_ino;
static int		 listening;
static struct event	*idle_ev;
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

	memset(&sa, 0, sizeof sa);
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

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
	close(fd);
	return ok;
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
	socklen_t	 len = sizeof type;

	if (pid == NULL || n == NULL ||
	    strtonum(pid, 1, INT_MAX, &errstr) != getpid() ||
	    strtonum(n, 1, 1, &errstr) != 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (getsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type,
	    &len) == -1 || type != SOCK_STREAM)
		return -1;
	if (fcntl(SD_LISTEN_FDS_START, F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(SD_LISTEN_FDS_START, F_SETFL, O_RDWR | O_NONBLOCK) == -1)
		return -1;
	return SD_LISTEN_FDS_START;
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
	return fd;
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
		return -1;
	if (stat(sock_path, &st) == 0)
		sock_ino = st.st_ino;
	listening = 1;
	return lfd;
}

/* Idle long enough: leave, unless a starter or a client came by. */
static void
idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	tv = { 0, 100000 }, again = { idle_secs, 0 };
	int		lfd, nlfd;

	if (npty != 0)
		return;
	if (server_busy() != 0) {
		evtimer_add(idle_ev, &again);	/* a request under way */
		return;
	}
	if (!listening) {
		server_close_idle();
		if (npty == 0 && nconns == 0) {
			log_debug("idle, exiting");
			exit(0);
		}
		return;
	}
	lfd = open(lock_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (lfd != -1 && flock(lfd, LOCK_EX | LOCK_NB) == -1) {
		close(lfd);		/* someone is starting: look later */
		evtimer_add(idle_ev, &tv);
		return;
	}
	remove_socket();
	listening = 0;
	server_stop_listening();
	server_close_idle();
	if (npty == 0 && nconns == 0) {
		log_debug("idle, exiting");
		exit(0);
	}
	/* Work came in after all: serve it at the same path again. */
	if (lfd != -1 && (nlfd = listen_on_path()) != -1) {
		server_start(nlfd);
		log_debug("not idle after all, listening again");
	}
	if (lfd != -1)
		close(lfd);
}

void
xptyd_activity(void)
{
	struct timeval	tv = { idle_secs, 0 };

	if (idle_ev == NULL)
		return;
	if (npty == 0 && server_busy() == 0) {
		xbuf_trim();
		evtimer_add(idle_ev, &tv);
	} else if (evtimer_pending(idle_ev, NULL))
		evtimer_del(idle_ev);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	log_info("signal %d, exiting", (int)sig);
	if (listening)
		remove_socket();
	exit(0);
}

/*
 * The loop, with adaptive busy polling.  After bytes moved, the daemon
 * polls (epoll without a timeout) for up to a few tens of microseconds
 * before it sleeps: the answer to a byte just relayed usually comes that
 * soon, and catching it without a sleep and a wakeup (an idle-state exit
 * and an interrupt on a virtual CPU) shortens the round trip.  The window
 * adapts: it is reset to XPTY_SPIN_US (default 50) when an event came
 * inside it and halves when none did, down to nothing, so sporadic
 * traffic on many ptys costs little CPU; every SPIN_PROBE-th burst tries
 * the full window again.  XPTY_SPIN_US=0 turns it off.  Measured on a
 * 2-CPU guest (bench rtt-p50, native 16-36 us): off 40-53 us, 50 us
 * 30-34 us, 200 us 32-42 us with a worse p99 and more CPU; an idle daemon
 * never spins.
 */
#define SPIN_DEFAULT_US	50
#define SPIN_MIN_US	5
#define SPIN_PROBE	32

static double
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
run_loop(void)
{
	const char	*e = getenv("XPTY_SPIN_US");
	double		 max = e != NULL ? atof(e) : SPIN_DEFAULT_US;
	double		 win = max, until = 0, t;
	unsigned long	 seen, bursts = 0;
	int		 spinning = 0;

	if (max <= 0) {
		event_base_dispatch(xbase);
		return;
	}
	for (;;) {
		seen = xwork;
		event_base_loop(xbase, spinning ? EVLOOP_NONBLOCK :
		    EVLOOP_ONCE);
		t = now_us();
		if (xwork != seen) {
			if (spinning)
				win = max;	/* it came while we looked */
			else if (win < SPIN_MIN_US &&
			    ++bursts % SPIN_PROBE == 0)
				win = max;	/* try again now and then */
			until = t + win;
			spinning = win >= SPIN_MIN_US;
		} else if (spinning && t >= until) {
			win /= 2;		/* nothing came: look less */
			spinning = 0;
		}
	}
}

static void
setup_paths(const char *sflag)
{
	char	dir[XP_PATHMAX], why[512];

	if (sflag != NULL) {
		if (strlcpy(sock_path, sflag, sizeof sock_path) >=
		    sizeof sock_path)
			fatal("socket path too long");
	} else {
		if (xp_rundir(dir, sizeof dir) == -1)
			fatal("socket directory");
		if (xp_checkdir(dir, why, sizeof why) == -1) {
			errno = 0;
			fatal("%s", why);
		}
		if (xp_sockpath(sock_path, sizeof sock_path, dir, NULL) == -1)
			fatal("socket path");
	}
	strlcpy(lock_path, sock_path, sizeof lock_path);
	strlcat(lock_path, ".lock", sizeof lock_path);
}

/*
 * Keep libevent off the backends that miss events on ptys on this host
 * (configure.ac's XPTY_EVENT_AVOID, a list of names separated by spaces:
 * NetBSD's kqueue, macOS's kqueue and poll).
 */
static void
avoid_methods(struct event_config *cfg, const char *list)
{
	char	name[16];
	size_t	n;

	while (*list != '\0') {
		n = strcspn(list, " ");
		if (n > 0 && n < sizeof name) {
			memcpy(name, list, n);
			name[n] = '\0';
			if (event_config_avoid_method(cfg, name) == -1)
				fatal("event_config_avoid_method");
		}
		list += n;
		list += strspn(list, " ");
	}
}

static void
setup_loop(void)
{
	struct event_config	*cfg;
	struct event		*ev;
	const int		 sigs[] = { SIGTERM, SIGINT };
	size_t			 i;

	if ((cfg = event_config_new()) == NULL)
		fatal("event_config_new");
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
	avoid_methods(cfg, XPTY_EVENT_AVOID);
	/*
	 * EV_CLOSED (EPOLLRDHUP): a client's going is seen while its bytes
	 * still wait (server.c).  Without a method that has it, only at its
	 * end of file, after them, and at XP_SYNC.
	 */
	event_config_require_features(cfg, EV_FEATURE_EARLY_CLOSE);
	if ((xbase = event_base_new_with_config(cfg)) == NULL) {
		event_config_free(cfg);
		if ((cfg = event_config_new()) == NULL)
			fatal("event_config_new");
		event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
		avoid_methods(cfg, XPTY_EVENT_AVOID);
		if ((xbase = event_base_new_with_config(cfg)) == NULL)
			fatal("event_base_new_with_config");
		log_warnx("libevent %s has no EV_CLOSED: a client that leaves "
		    "unsent bytes is seen late", event_base_get_method(xbase));
	}
	event_config_free(cfg);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		ev = evsignal_new(xbase, sigs[i], signal_cb, NULL);
		if (ev == NULL || evsignal_add(ev, NULL) == -1)
			fatal("signal");
	}
	if ((idle_ev = evtimer_new(xbase, idle_cb, NULL)) == NULL)
		fatal("evtimer_new");
}

int
main(int argc, char **argv)
{
	const char	*sflag = NULL, *errstr, *e;
	int		 ch, fg = 0, lockfd = -1, lfd;

	while ((ch = getopt(argc, argv, "dfL:S:")) != -1) {
		switch (ch) {
		case 'd':
			xdebug = 1;
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
	log_open(1, xdebug);
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
		log_open(0, xdebug);
	}
	if (lockfd != -1)
		close(lockfd);	/* releases the start lock */
	setup_loop();
	pty_watch_init();
	server_start(lfd);
	log_debug("listening on %s (libevent %s)", sock_path,
	    event_base_get_method(xbase));
	xptyd_activity();
	run_loop();
	return 0;
}
