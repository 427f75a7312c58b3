/*
 * t_relay_auth.c - a connection from another uid is refused.  Run as
 * root: the child keeps its filesystem uid 0 (to reach the 0700
 * directory) but connects with effective uid 65534, which is what
 * SO_PEERCRED reports; the daemon must drop it without a reply.
 */
#include "rtest.h"
#include <sys/fsuid.h>
#include <sys/un.h>
#include "proto.h"
#include "sockpath.h"

int
main(void)
{
	struct sockaddr_un	sun;
	struct rpty		p;
	char			dir[108];
	uint8_t			m[XP_HDRLEN], r[XP_REPLYLEN];
	int			st, pid, np, nc;
	pid_t			kid;

	if (getuid() != 0)
		skip_all("needs root to try a second uid");
	rt_env();
	if (rt_open(&p, 0) == -1 || relay_status(&pid, &np, &nc) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return (done_testing());
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	xp_rundir(dir, sizeof(dir));
	xp_sockpath(sun.sun_path, sizeof(sun.sun_path), dir, NULL);
	if ((kid = fork()) == 0) {
		int	fd, got;

		if (setresuid(0, 65534, 0) == -1)
			_exit(10);
		setfsuid(0);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
			_exit(11);
		xp_put_hdr(m, XP_STATUS, 0);
		write(fd, m, sizeof(m));
		got = (int)rt_readn(fd, r, sizeof(r), 2000);
		_exit(got == 0 ? 0 : 12);
	}
	waitpid(kid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "uid 65534 gets no answer, the connection is closed (%d)",
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	if ((kid = fork()) == 0) {
		int	fd;

		if (setresuid(65534, 65534, 65534) == -1)
			_exit(10);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		_exit(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 &&
		    errno == EACCES ? 0 : 12);
	}
	waitpid(kid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "uid 65534 cannot even reach the 0700 directory");
	ok(relay_status(&pid, &np, &nc) == 0 && np == 1,
	    "the daemon goes on serving its owner");
	rt_close(&p);
	rt_cleanup();
	return (done_testing());
}
