/*
 * activation.c - xptyd started the systemd way: the test plays systemd,
 * binding the socket and passing it as descriptor 3 with LISTEN_PID and
 * LISTEN_FDS; the library then relays through that daemon, and the
 * socket, owned by "systemd", outlives the daemon's idle exit.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include "xtest.h"

int
main(int argc, char **argv)
{
	char			 dir[] = "/tmp/xpty-act.XXXXXX", path[sizeof(((struct sockaddr_un *)0)->sun_path)], pid[16];
	const char		*daemon = getenv("XPTY_DAEMON");
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	int			 lfd, m = -1, s = -1, st;
	pid_t			 child;
	char			 buf[8];

	xt_init(argc, argv);
	if (xt_engine_direct() || daemon == NULL || access(daemon, X_OK) != 0)
		skip_all("needs the relay engine and XPTY_DAEMON");
	if (mkdtemp(dir) == NULL)
		return (1);
	snprintf(path, sizeof(path), "%s/xptyd.v3", dir);
	memcpy(sun.sun_path, path, sizeof(path));
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(lfd >= 0 && bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    listen(lfd, 16) == 0, "the socket is bound as systemd would");
	if ((child = fork()) == 0) {
		dup2(lfd, 3);
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		setenv("LISTEN_PID", pid, 1);
		setenv("LISTEN_FDS", "1", 1);
		setenv("XPTY_IDLE", "1", 1);
		unsetenv("LD_PRELOAD");
		execl(daemon, "xptyd", "-f", (char *)NULL);
		_exit(127);
	}
	setenv("XPTY_RUNDIR", dir, 1);
	ok(xt_pair(&m, &s, NULL, 0, O_NOCTTY) == 0, "a pty through the activated daemon");
	ok(write(s, "hi", 2) == 2 && xt_read_for(m, buf, 2, 2000) == 2 &&
	    memcmp(buf, "hi", 2) == 0, "data relayed");
	close(s);
	ok(xt_read_for(m, buf, 1, 2000) == 0, "the last close reads 0 (relayed)");
	close(m);
	waitpid(child, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the daemon left when idle");
	ok(access(path, F_OK) == 0, "the socket, systemd's, is still there");
	close(lfd);
	unlink(path);
	rmdir(dir);
	return (done_testing());
}
