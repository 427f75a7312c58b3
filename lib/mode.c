/*
 * mode.c - which behaviour this process gets: svr4, xpg4v2 or native.
 *
 * The mode comes from XPTY_MODE at load time (default svr4) and can be
 * changed with xpty_setmode().  XPTY_SCOPE=image (what the xpty wrapper
 * sets by default) limits the mode to this process image: the constructor
 * rewrites XPTY_MODE to native in the environment, so exec'd descendants
 * (shells, native tools) run untouched.  XPTY_SCOPE=tree leaves it alone.
 * The engine of new managers: the lease engine by default (or named,
 * XPTY_ENGINE=lease: xptyd's socket, the library's own reads and writes
 * on the host manager, docs/lease.md); XPTY_ENGINE=relay, xptyd carries
 * every byte; XPTY_ENGINE=direct, the host ptmx and no daemon (tests,
 * hosts where xptyd cannot run).  Any other value gets one diagnostic on
 * standard error and the default engine (so a test can tell an engine
 * this library does not have from one it has: tests/matrix.c).
 * XPTY_HANDSHAKE_FD, set by the wrapper, receives one byte 'L' to prove
 * the library loaded.
 *
 * XPTY_WATCH, set by the wrapper under image scope, names its watcher's
 * datagram socket (host_local_dgram, lib/host.h).  The image the wrapper started appends its
 * executable's identity (NAME:DEV:INO); the next image with libxpty
 * loaded compares its own: the same program executed again (sshd and
 * dropbear re-execute themselves per connection, and then run native)
 * sends one datagram to the watcher, which tells the user about --tree;
 * any image removes the variable, so only a direct re-execution counts.
 * It costs an image one stat of its executable (host_self_exe), and only
 * under xpty.
 *
 * State: one int, read on every slow-path call; written by the
 * constructor and xpty_setmode().  It is atomic with relaxed ordering: no
 * other memory is published through it, and changing the mode while other
 * threads open ptys gives each call one mode or the other (a plain int
 * would make that a data race, undefined behaviour in C11).
 * Descriptors: the wrapper's handshake pipe (XPTY_HANDSHAKE_FD) is the
 * image's, written and closed here once, by the constructor; the notice
 * datagram's socket is made and closed inside host_local_dgram.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"

static _Atomic(int) current_mode = XPTY_SVR4;
static int engine_direct;	/* XPTY_ENGINE=direct: no relay daemon */
static int engine_relay;	/* XPTY_ENGINE=relay: not the lease */
static int scope_image;		/* XPTY_SCOPE=image was set for this image */

static int
mode_parse(const char *s, int fallback)
{
	if (s == NULL || *s == '\0')
		return (fallback);
	if (strcmp(s, "svr4") == 0)
		return (XPTY_SVR4);
	if (strcmp(s, "xpg4v2") == 0 || strcmp(s, "xpg4") == 0)
		return (XPTY_XPG4V2);
	if (strcmp(s, "native") == 0 || strcmp(s, "off") == 0)
		return (XPTY_NATIVE);
	return (fallback);
}

/*
 * Take the SIGPIPE (blocked, in set) the handshake's write raised, if it
 * is pending; no wait.  Without sigtimedwait (macOS), sigwait once
 * sigpending shows it.
 */
static void
take_pending(const sigset_t *set)
{
#ifdef HAVE_SIGTIMEDWAIT
	struct timespec	zero = { 0, 0 };

	(void)sigtimedwait(set, NULL, &zero);
#else
	sigset_t	pending;
	int		sig;

	if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1)
		(void)sigwait(set, &sig);
#endif
}

/*
 * XPTY_HANDSHAKE_FD is "fd:inode" of the wrapper's pipe.  Only a
 * descriptor that is still that very pipe gets the byte (a descendant that
 * inherited the variable but not the pipe must not write into whatever
 * now has the number), with SIGPIPE held off in case the watcher is gone.
 */
static void
handshake(void)
{
	const char	*s = getenv("XPTY_HANDSHAKE_FD");
	struct stat	 st;
	sigset_t	 pipe_set, saved;
	unsigned long	 ino;
	char		*end;
	long		 fd;

	if (s == NULL)
		return;
	unsetenv("XPTY_HANDSHAKE_FD");
	fd = strtol(s, &end, 10);
	if (*end != ':' || fd <= 2 || fd > 65535)
		return;
	ino = strtoul(end + 1, &end, 10);
	if (*end != '\0' || xsys_fstat((int)fd, &st) == -1 ||
	    !S_ISFIFO(st.st_mode) || st.st_ino != ino)
		return;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &saved);
	if (xsys_write((int)fd, "L", 1) == -1 && errno == EPIPE)
		take_pending(&pipe_set);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	xsys_close((int)fd);
}

/* This image's executable, as "DEV:INO"; -1 if unknown. */
static int
exe_identity(char *buf, size_t len)
{
	struct stat	st;
	int		n;

	if (host_self_exe(&st) == -1)
		return (-1);
	n = snprintf(buf, len, "%lu:%lu", (unsigned long)st.st_dev,
	    (unsigned long)st.st_ino);
	return (n > 0 && (size_t)n < len ? 0 : -1);
}

/* One datagram "exec PID" to the watcher's socket (host_local_dgram). */
static void
watch_tell(const char *name, size_t namelen)
{
	char	msg[32];
	int	n;

	n = snprintf(msg, sizeof(msg), "exec %ld", (long)getpid());
	if (n > 0 && (size_t)n < sizeof(msg))
		(void)host_local_dgram(name, namelen, msg, (size_t)n);
}

/* XPTY_WATCH: see the top of the file.  first: the wrapper's own image. */
static void
watch_note(int first)
{
	const char	*w = getenv("XPTY_WATCH"), *id;
	char		 mine[64], val[256];
	int		 saved = errno;

	if (w == NULL)
		return;
	if (exe_identity(mine, sizeof(mine)) == -1) {
		unsetenv("XPTY_WATCH");
	} else if (first) {
		if (strchr(w, ':') == NULL && snprintf(val, sizeof(val), "%s:%s",
		    w, mine) < (int)sizeof(val))
			setenv("XPTY_WATCH", val, 1);
		else
			unsetenv("XPTY_WATCH");
	} else {
		if ((id = strchr(w, ':')) != NULL && strcmp(id + 1, mine) == 0)
			watch_tell(w, (size_t)(id - w));
		unsetenv("XPTY_WATCH");
	}
	errno = saved;
}

/* The XPTY_ENGINE values this library knows. */
static int
engine_known(const char *e)
{
	static const char *const names[] = { "relay", "direct", "lease" };
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(e, names[i]) == 0)
			return (1);
	return (0);
}

void
xpty_mode_init(void)
{
	const char	*scope;

	const char	*engine = getenv("XPTY_ENGINE");

	atomic_store_explicit(&current_mode,
	    mode_parse(getenv("XPTY_MODE"), XPTY_SVR4), memory_order_relaxed);
	engine_direct = engine != NULL && strcmp(engine, "direct") == 0;
	engine_relay = engine != NULL && strcmp(engine, "relay") == 0;
	if (!engine_direct && !engine_relay)
		lease_engine_init();
	if (engine != NULL && *engine != '\0' && !engine_known(engine))
		dprintf(2, "libxpty: XPTY_ENGINE=%.64s: no such engine "
		    "(relay, direct, lease); using the default\n", engine);
	scope = getenv("XPTY_SCOPE");
	scope_image = scope != NULL && strcmp(scope, "image") == 0;
	if (scope_image) {
		setenv("XPTY_MODE", "native", 1);
		unsetenv("XPTY_SCOPE");
	}
	watch_note(scope_image);
	handshake();
}

/*
 * Under image scope, what the wrapper asked of this image (tracing, a
 * report) is not passed on to exec'd descendants either.  Called once the
 * constructor has read it.
 */
void
xpty_mode_scope_done(void)
{
	if (scope_image) {
		unsetenv("XPTY_TRACE");
		unsetenv("XPTY_REPORT");
	}
}

/* New managers go through xptyd unless the direct engine was asked for. */
int
relay_wanted(void)
{
	return (xpty_mode_current() != XPTY_NATIVE && !engine_direct);
}

/* The engine of a manager xptyd serves: the lease, unless relay is named. */
int
relay_engine(void)
{
	return (engine_relay ? XE_RELAY : XE_LEASE);
}

int
xpty_mode_current(void)
{
	return (atomic_load_explicit(&current_mode, memory_order_relaxed));
}

XPTY_EXPORT int
xpty_setmode(int mode)
{
	if (mode != XPTY_NATIVE && mode != XPTY_SVR4 && mode != XPTY_XPG4V2) {
		errno = EINVAL;
		return (-1);
	}
	return (atomic_exchange_explicit(&current_mode, mode,
	    memory_order_relaxed));
}

XPTY_EXPORT int
xpty_getmode(void)
{
	return (xpty_mode_current());
}

XPTY_EXPORT const char *
xpty_version(void)
{
	return (PACKAGE_VERSION);
}
