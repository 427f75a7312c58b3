/*
 * server.c - xptyd's listening socket: binding it, accepting, and
 * checking who connects.
 *
 * Theory of operation.  The daemon listens on an AF_UNIX SOCK_STREAM
 * socket in a private directory (common/sockpath.h).  Every accepted
 * connection's peer is checked (host_peer_uid, lib/host.h); a uid other
 * than the daemon's own is logged and dropped at once.  What is left
 * becomes a control connection (ctl.c), which owns its socket from then
 * on.
 *
 * Out of descriptors.  The daemon raises its RLIMIT_NOFILE to the hard
 * limit at start (xptyd.c).  When accept() still fails with EMFILE or
 * ENFILE, a reserve descriptor kept for the purpose is closed, the
 * connection accepted and closed at once, and the reserve taken again:
 * the client sees its connection end at once instead of waiting in the
 * accept queue, and the daemon never spins on a readable listening
 * socket.  Without a reserve, accepting stops for a second.
 *
 * Descriptors: the listening socket (from server_start until
 * server_stop_listening, which closes it) and the reserve, both this
 * file's; an accepted socket passes to ctl_new, or is closed here.
 * State: those two, the listening event and its back-off timer.
 * Single-threaded.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "xptyd.h"
#include "host.h"

static int		 listen_fd = -1;
static struct event	*listen_ev;
static struct event	*listen_backoff;
static int		 reserve_fd = -1;	/* for accept at EMFILE */

/* A listening socket bound at path (mode 0600), non-blocking; or -1. */
int
server_listen(const char *path)
{
	struct sockaddr_un	sun;
	mode_t			mask;
	int			fd, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	mask = umask(0177);
	if (fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		e = errno;
		umask(mask);
		close(fd);
		errno = e;
		return (-1);
	}
	umask(mask);
	return (fd);
}

static int
peer_ok(int fd, uid_t *uid)
{
	if (host_peer_uid(fd, uid) == -1) {
		log_warn("peer credentials");
		return (0);
	}
	if (*uid != getuid()) {
		log_warnx("refused connection from uid %ld", (long)*uid);
		return (0);
	}
	return (1);
}

static void
listen_resume(evutil_socket_t fd, short what, void *arg)
{
	event_add(listen_ev, NULL);
}

static void
reserve_take(void)
{
	if (reserve_fd == -1)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/*
 * accept() failed with EMFILE or ENFILE: refuse one queued connection
 * with the reserve descriptor (closed at once: the client sees its end);
 * 0 if that was done, -1 if there is no reserve.
 */
static int
listen_refuse(int lfd)
{
	int	fd;

	if (reserve_fd == -1)
		return (-1);
	close(reserve_fd);
	reserve_fd = -1;
	if ((fd = accept(lfd, NULL, NULL)) != -1) {
		log_warnx("out of descriptors: connection refused");
		close(fd);
	}
	reserve_take();
	return (fd != -1 || errno == EMFILE || errno == ENFILE ? 0 : -1);
}

/* One accepted socket: checked, made non-blocking, given to ctl.c. */
static void
listen_take(int fd)
{
	uid_t	uid;

	if (!peer_ok(fd, &uid) ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK) == -1) {
		close(fd);
		return;
	}
	if (ctl_new(fd, uid) == -1) {
		log_warn("connection");
		close(fd);
		return;
	}
	log_debug("connection %d accepted", fd);
}

static void
listen_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct timeval	tv = { 1, 0 };
	int		fd;

	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) != -1) {
			listen_take(fd);
			continue;
		}
		if ((errno == EMFILE || errno == ENFILE) &&
		    listen_refuse(lfd) == 0)
			continue;
		if (errno == EMFILE || errno == ENFILE) {
			log_warn("accept");
			event_del(listen_ev);
			evtimer_add(listen_backoff, &tv);
		}
		return;		/* EAGAIN, EINTR, ECONNABORTED... */
	}
}

void
server_start(int lfd)
{
	reserve_take();
	listen_fd = lfd;
	listen_ev = event_new(loop_base(), lfd, EV_READ | EV_PERSIST,
	    listen_cb, NULL);
	listen_backoff = evtimer_new(loop_base(), listen_resume, NULL);
	if (listen_ev == NULL || listen_backoff == NULL)
		fatal("event_new");
	event_add(listen_ev, NULL);
}

/*
 * Stop accepting (the socket path is already gone).  Connections that
 * were still queued are accepted first and served; returns how many.
 */
int
server_stop_listening(void)
{
	int	before = ctl_count();

	if (listen_fd == -1)
		return (0);
	listen_cb(listen_fd, EV_READ, NULL);
	event_free(listen_ev);
	event_free(listen_backoff);
	close(listen_fd);
	listen_fd = -1;
	return (ctl_count() - before);
}
