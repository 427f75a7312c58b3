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
#include <sys/un.h>
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
#include "sockpath.h"
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
		return (-1);
	snprintf(p->path, sizeof(p->path), "/dev/pts/%d", p->ptyno);
	return (ioctl(p->hostfd, TIOCSPTLCK, &unlock));
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
	return (open(p->path, O_RDWR | O_NOCTTY | oflag));
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
	return (have);
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
			return (-1);
		done += (size_t)w;
	}
	return (0);
}

/* Does fd poll readable within ms? */
static inline int
rt_readable(int fd, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };

	return (poll(&pfd, 1, ms) == 1 ? pfd.revents : 0);
}

static inline double
rt_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
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
		snprintf(p, sizeof(p), "%s/" XP_SOCKNAME ".lock", dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/" XP_SOCKNAME, dir);
		unlink(p);
		rmdir(dir);
	}
}
/* ---- the raw protocol, for tests that play a client the library is not ---- */

/* A connection to the daemon's socket, or -1. */
static inline int
rt_raw_connect(void)
{
	struct sockaddr_un	sun;
	char			dir[108];
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (xp_rundir(dir, sizeof(dir)) == -1 ||
	    xp_sockpath(sun.sun_path, sizeof(sun.sun_path), dir, NULL) == -1)
		return (-1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Send request type with its payload and descriptors; 0 or -1. */
static inline int
rt_send(int fd, uint16_t type, const void *pay, size_t len, const int *fds,
    int nfd)
{
	uint8_t		 buf[XP_HDRLEN + XP_MAXPAYLOAD];
	struct iovec	 iov = { buf, XP_HDRLEN + len };
	struct msghdr	 msg;
	char		 cm[CMSG_SPACE(sizeof(int) * 8)];
	struct cmsghdr	*c;

	if (len > XP_MAXPAYLOAD || nfd > 8)
		return (-1);
	xp_put_hdr(buf, (enum xp_type)type, (uint32_t)len);
	if (len > 0)
		memcpy(buf + XP_HDRLEN, pay, len);
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfd > 0) {
		memset(cm, 0, sizeof(cm));
		msg.msg_control = cm;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfd);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfd);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfd);
	}
	return (sendmsg(fd, &msg, MSG_NOSIGNAL) == (ssize_t)iov.iov_len ? 0 : -1);
}

/* One reply within ms: 0 and *r, or -1 (none came, or end of file). */
static inline int
rt_reply(int fd, struct xp_reply *r, int ms)
{
	uint8_t	buf[XP_REPLYLEN];

	if (rt_readn(fd, buf, sizeof(buf), ms) != sizeof(buf))
		return (-1);
	return (xp_get_reply(buf, r) == 0 ? 0 : -1);
}

/* XP_ZERO or XP_EVENT (mtype, payload) for ptyno, with s as proof. */
static inline int
rt_send_inject(int fd, int ptyno, int s, int zero, uint8_t mtype,
    const void *data, size_t len)
{
	uint8_t	pay[8 + XP_MAXEVENT];

	memset(pay, 0, 8);
	xp_put32(pay, (uint32_t)ptyno);
	if (zero)
		return (rt_send(fd, XP_ZERO, pay, 4, &s, 1));
	pay[4] = mtype;
	memcpy(pay + 8, data, len);
	return (rt_send(fd, XP_EVENT, pay, 8 + len, &s, 1));
}

/* ---- the daemon as a process ---- */

/* CPU time (user + system) of pid, in seconds; -1 if it is gone. */
static inline double
rt_proc_cpu(int pid)
{
	char		 path[64], buf[1024], *q;
	unsigned long	 ut, st;
	FILE		*f;
	size_t		 n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((q = strrchr(buf, ')')) == NULL ||
	    sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return (-1);
	return ((double)(ut + st) / (double)sysconf(_SC_CLK_TCK));
}

/* Percent of a CPU pid used over the next ms milliseconds; -1 if gone. */
static inline double
rt_cpu_over(int pid, int ms)
{
	double	c0 = rt_proc_cpu(pid), t0 = rt_now(), c1;

	usleep((useconds_t)ms * 1000);
	if (c0 < 0 || (c1 = rt_proc_cpu(pid)) < 0)
		return (-1);
	return ((c1 - c0) / (rt_now() - t0) * 100);
}

/* Open descriptors of pid, or -1. */
static inline int
rt_proc_fds(int pid)
{
	char		 path[64];
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return (n);
}

/* Resident set of pid in KiB, or -1. */
static inline long
rt_proc_rss(int pid)
{
	char	 path[64], line[256];
	long	 kb = -1;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return (kb);
}

/*
 * Run fn(arg) in a child and wait at most ms for it: its exit status, or
 * -1 if it was still running (it is killed then).  A call that blocks in
 * the daemon is reported rather than hanging the test.
 */
static inline int
rt_bounded(int (*fn)(void *), void *arg, int ms, double *took)
{
	double	t0 = rt_now();
	pid_t	pid;
	int	st;

	if ((pid = fork()) == 0)
		_exit(fn(arg));
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (rt_now() - t0 > ms / 1000.0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			*took = rt_now() - t0;
			return (-1);
		}
		usleep(2000);
	}
	*took = rt_now() - t0;
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}
#endif
