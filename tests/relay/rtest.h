/*
 * rtest.h - helpers for the relay tests: they drive lib/relay.c directly
 * (compiled in with stub_sys.c), against the build-tree xptyd named by
 * $XPTY_DAEMON, in the private socket directory $XPTY_RUNDIR.
 */
#ifndef XPTY_RTEST_H
#define XPTY_RTEST_H

#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relay.h"
#include "proto.h"
#include "tap.h"

struct rpty {
	int	fd;		/* the application's manager socket */
	int	hostfd;
	int	ptyno;
	char	path[32];
};

static inline void
rt_env(void)
{
	char	tmpl[] = "/tmp/xpty-rtest.XXXXXX";

	if (getenv("XPTY_RUNDIR") == NULL) {
		if (mkdtemp(tmpl) == NULL)
			skip_all("mkdtemp");
		setenv("XPTY_RUNDIR", tmpl, 1);
	}
	if (getenv("XPTY_DAEMON") == NULL)
#ifdef XPTY_TOP_BUILDDIR
		setenv("XPTY_DAEMON", XPTY_TOP_BUILDDIR "/daemon/xptyd", 1);
#else
		setenv("XPTY_DAEMON", "../../daemon/xptyd", 1);
#endif
	if (getenv("XPTY_IDLE") == NULL)
		setenv("XPTY_IDLE", "2", 1);
	signal(SIGPIPE, SIG_IGN);
}

static inline int
rt_open(struct rpty *p, int oflag)
{
	int	unlock = 0;

	/* relay_open sets the stream up (raw, no modules) itself */
	p->fd = relay_open(O_RDWR | oflag, &p->hostfd, &p->ptyno);
	if (p->fd == -1)
		return -1;
	snprintf(p->path, sizeof p->path, "/dev/pts/%d", p->ptyno);
	return ioctl(p->hostfd, TIOCSPTLCK, &unlock);
}

static inline void
rt_close(struct rpty *p)
{
	close(p->fd);
	close(p->hostfd);
}

static inline int
rt_subsid(struct rpty *p, int oflag)
{
	return open(p->path, O_RDWR | O_NOCTTY | oflag);
}

/* Read until n bytes or timeout_ms passes; returns bytes read. */
static inline size_t
rt_readn(int fd, void *buf, size_t n, int timeout_ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	size_t		have = 0;
	ssize_t		r;

	while (have < n) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			break;
		r = read(fd, (char *)buf + have, n - have);
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	return have;
}

static inline int
rt_writen(int fd, const void *buf, size_t n)
{
	size_t	done = 0;
	ssize_t	w;

	while (done < n) {
		w = write(fd, (const char *)buf + done, n - done);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN) {
			struct pollfd	pfd = { fd, POLLOUT, 0 };

			poll(&pfd, 1, 1000);
			continue;
		}
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

/* Does fd poll readable within ms? */
static inline int
rt_readable(int fd, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };

	return poll(&pfd, 1, ms) == 1 ? pfd.revents : 0;
}

static inline double
rt_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Stop this test's daemon and remove its directory. */
static inline void
rt_cleanup(void)
{
	const char	*dir = getenv("XPTY_RUNDIR");
	int		 pid, np, nc, i;
	char		 p[512];

	if (relay_status(&pid, &np, &nc) == 0 && pid > 1) {
		kill(pid, SIGTERM);
		for (i = 0; i < 100 && kill(pid, 0) == 0; i++)
			usleep(10000);
	}
	if (dir != NULL && strncmp(dir, "/tmp/xpty-", 10) == 0) {
		snprintf(p, sizeof p, "%s/" XP_SOCKNAME ".lock", dir);
		unlink(p);
		snprintf(p, sizeof p, "%s/" XP_SOCKNAME, dir);
		unlink(p);
		rmdir(dir);
	}
}
#endif
