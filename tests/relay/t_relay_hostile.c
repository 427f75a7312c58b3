/*
 * t_relay_hostile.c - malformed, truncated, oversized or hostile client
 * messages close that client only; the daemon keeps serving the others
 * and leaks no descriptors.
 */
#include "rtest.h"
#include <sys/un.h>
#include "proto.h"
#include "sockpath.h"

static int
raw_connect(void)
{
	struct sockaddr_un	sun;
	char			dir[108];
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	xp_rundir(dir, sizeof(dir));
	xp_sockpath(sun.sun_path, sizeof(sun.sun_path), dir, NULL);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static int
send_fds(int fd, const void *buf, size_t len, const int *fds, int nfd)
{
	struct iovec	 iov = { (void *)buf, len };
	struct msghdr	 msg;
	char		 cm[CMSG_SPACE(sizeof(int) * 8)];
	struct cmsghdr	*c;

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
	return (sendmsg(fd, &msg, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1);
}

/* Did the daemon close fd (end of file within a second)? */
static int
closed_by_daemon(int fd)
{
	char	buf[64];
	ssize_t	n;

	if (!rt_readable(fd, 1000))
		return (0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	return (n == 0 || (n == -1 && errno == ECONNRESET));
}

/* Send bytes; expect the connection closed. */
static void
expect_close(const char *what, const void *buf, size_t len, const int *fds,
    int nfd)
{
	int	fd = raw_connect();

	ok(fd >= 0 && send_fds(fd, buf, len, fds, nfd) == 0 &&
	    closed_by_daemon(fd), "%s: connection closed", what);
	close(fd);
}

/* Send a request; expect a reply with this error. */
static void
expect_err(const char *what, const void *buf, size_t len, const int *fds,
    int nfd, int err)
{
	uint8_t		r[XP_REPLYLEN];
	struct xp_reply	rep;
	int		fd = raw_connect();

	ok(fd >= 0 && send_fds(fd, buf, len, fds, nfd) == 0 &&
	    rt_readn(fd, r, sizeof(r), 2000) == sizeof(r) &&
	    xp_get_reply(r, &rep) == 0 && rep.err == err,
	    "%s: refused with %s", what, strerror(err));
	close(fd);
}

/*
 * ADOPT with a socket and something that is not a host manager: no reply,
 * the socket's far end is closed (our end reads end of file), no pty.
 */
static int
adopt_refused(const uint8_t *m, int mine, int theirs, int notpty)
{
	int	fd = raw_connect(), two[2] = { theirs, notpty };
	int	pid, np, nc, np0, eof;
	char	b;

	if (fd < 0 || relay_status(&pid, &np0, &nc) == -1 ||
	    send_fds(fd, m, XP_HDRLEN + 8, two, 2) == -1)
		return (0);
	close(theirs);
	eof = rt_readable(mine, 1000) && read(mine, &b, 1) == 0;
	ok(!rt_readable(fd, 100), "ADOPT: no reply");
	close(fd);
	return (eof && relay_status(&pid, &np, &nc) == 0 && np == np0);
}

static int
daemon_fds(int pid)
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

static void
check_alive(struct rpty *p, int s, const char *when)
{
	char	buf[8];

	write(s, "ping", 4);
	ok(rt_readn(p->fd, buf, 4, 2000) == 4 && memcmp(buf, "ping", 4) == 0,
	    "%s: the healthy pty still relays", when);
}

int
main(void)
{
	struct rpty	p;
	uint8_t		m[64], junk[4096];
	int		s, pid, pid2, np, nc, fds[5], nfd0, i, idle[100];

	rt_env();
	if (rt_open(&p, 0) == -1 || relay_status(&pid, &np, &nc) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return (done_testing());
	}
	s = rt_subsid(&p, 0);
	usleep(100000);
	nfd0 = daemon_fds(pid);

	for (i = 0; i < (int)sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 7 + 3);
	expect_close("garbage", junk, sizeof(junk), NULL, 0);
	xp_put_hdr(m, XP_ADOPT, 0xffffffffu);
	expect_close("huge length", m, XP_HDRLEN, NULL, 0);
	xp_put_hdr(m, XP_EVENT, XP_MAXPAYLOAD + 1);
	expect_close("oversized event", m, XP_HDRLEN, NULL, 0);
	xp_put_hdr(m, XP_ADOPT, 3);
	expect_close("wrong length for the type", m, XP_HDRLEN + 3, NULL, 0);
	xp_put_hdr(m, 99, 0);
	expect_close("unknown type", m, XP_HDRLEN, NULL, 0);
	xp_put_hdr(m, XP_STATUS, 0);
	m[2] = 7;
	expect_close("wrong version", m, XP_HDRLEN, NULL, 0);
	xp_put_hdr(m, XP_REPLY, XP_REPLYPAY);
	expect_close("a reply sent as a request", m, XP_REPLYLEN, NULL, 0);
	xp_put_hdr(m, XP_ATTACH, 0);
	expect_close("ATTACH without its descriptor", m, XP_HDRLEN, NULL, 0);
	for (i = 0; i < 5; i++)
		fds[i] = open("/dev/null", O_RDONLY);
	xp_put_hdr(m, XP_ADOPT, 8);
	expect_close("ADOPT with one descriptor", m, XP_HDRLEN + 8, fds, 1);
	expect_close("ADOPT of /dev/null for a socket", m, XP_HDRLEN + 8, fds,
	    2);
	{
		int	sv[2], two[2];

		socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
		xp_put64(m + XP_HDRLEN, 12345);
		ok(adopt_refused(m, sv[0], sv[1], fds[0]), "ADOPT of /dev/null "
		    "for a host manager: the socket is closed, nothing adopted");
		close(sv[0]);
		socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
		two[0] = sv[0];
		two[1] = fds[0];
		xp_put_hdr(m, XP_ATTACH, 0);
		expect_err("ATTACH to a socket that is not relayed", m,
		    XP_HDRLEN, two, 1, ENOENT);
		expect_close("ATTACH with two descriptors", m, XP_HDRLEN, two,
		    2);
		close(sv[0]);
		close(sv[1]);
	}
	xp_put_hdr(m, XP_STATUS, 0);
	expect_close("descriptors on a request that takes none", m, XP_HDRLEN,
	    fds, 1);
	xp_put_hdr(m, XP_IDENTIFY, 0);
	expect_close("five descriptors", m, XP_HDRLEN, fds, 5);
	xp_put_hdr(m, XP_STATUS, 0);
	memcpy(m + XP_HDRLEN, m, XP_HDRLEN);
	expect_close("pipelined requests", m, 2 * XP_HDRLEN, NULL, 0);
	{
		int	fd = raw_connect();

		xp_put_hdr(m, XP_ADOPT, 8);
		write(fd, m, 5);	/* truncated header, then silence */
		check_alive(&p, s, "while a client sits on a truncated header");
		close(fd);
		fd = raw_connect();
		write(fd, m, XP_HDRLEN + 4);	/* truncated payload, then gone */
		close(fd);
	}
	xp_put_hdr(m, XP_IDENTIFY, 0);
	expect_err("IDENTIFY of /dev/null", m, XP_HDRLEN, fds, 1, ENOENT);
	xp_put_hdr(m, XP_ZERO, 4);
	xp_put32(m + XP_HDRLEN, (uint32_t)p.ptyno);
	expect_err("ZERO with a foreign descriptor", m, XP_HDRLEN + 4, fds, 1,
	    EPERM);
	xp_put32(m + XP_HDRLEN, 999999);
	expect_err("ZERO for a pty that is not there", m, XP_HDRLEN + 4, &s, 1,
	    ENOENT);
	xp_put_hdr(m, XP_EVENT, 8);
	xp_put32(m + XP_HDRLEN, (uint32_t)p.ptyno);
	memset(m + XP_HDRLEN + 4, 0, 4);
	m[XP_HDRLEN + 4] = 0x42;
	expect_err("EVENT of an unknown message type", m, XP_HDRLEN + 8, &s, 1,
	    EINVAL);
	for (i = 0; i < 5; i++)
		close(fds[i]);
	for (i = 0; i < 100; i++)
		idle[i] = raw_connect();
	check_alive(&p, s, "with 100 idle clients");
	for (i = 0; i < 100; i++)
		close(idle[i]);
	usleep(100000);
	check_alive(&p, s, "after all that");
	ok(relay_status(&pid2, &np, &nc) == 0 && pid2 == pid,
	    "same daemon, pid %d", pid2);
	usleep(100000);
	is_int(daemon_fds(pid), nfd0, "the daemon leaked no descriptors");
	if (daemon_fds(pid) != nfd0) {
		char	cmd[64];

		snprintf(cmd, sizeof(cmd), "ls -l /proc/%d/fd >&2", pid);
		system(cmd);
	}
	close(s);
	rt_close(&p);
	rt_cleanup();
	return (done_testing());
}
