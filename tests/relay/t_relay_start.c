/*
 * t_relay_start.c - starting the daemon: concurrent starters give exactly
 * one daemon; a directory with the wrong mode is refused with a message
 * naming owner and mode; a stale socket is replaced.
 */
#include "rtest.h"
#include <sys/un.h>

#define NSTART	16

/* Live xptyd processes whose command line names our socket directory. */
static int
count_daemons(const char *dir)
{
	DIR		*d = opendir("/proc");
	struct dirent	*e;
	char		 path[300], buf[4096], st[512];
	int		 n = 0, fd;
	ssize_t		 len, i;

	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		if ((fd = open(path, O_RDONLY)) == -1)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		for (i = 0; i < len; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[len] = '\0';
		if (strncmp(buf, "xptyd ", 6) != 0 || strstr(buf, dir) == NULL)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((fd = open(path, O_RDONLY)) == -1)
			continue;
		len = read(fd, st, sizeof(st) - 1);
		close(fd);
		st[len > 0 ? len : 0] = '\0';
		if (strstr(st, ") Z ") == NULL)
			n++;
	}
	closedir(d);
	return (n);
}

static void
test_concurrent(void)
{
	int	go[2], res[2], hold[2], i, pid, np, nc, first = -1, same = 1;
	int	good = 0;
	pid_t	kids[NSTART];
	char	c;

	pipe(go);
	pipe(res);
	pipe(hold);
	for (i = 0; i < NSTART; i++) {
		if ((kids[i] = fork()) == 0) {
			struct rpty	p;
			int		r = -1;

			close(go[1]);
			close(hold[1]);
			read(go[0], &c, 1);	/* all start together */
			if (rt_open(&p, 0) == 0 &&
			    relay_status(&pid, &np, &nc) == 0)
				r = pid;
			write(res[1], &r, sizeof(r));
			read(hold[0], &c, 1);	/* hold the pty until told */
			_exit(0);
		}
	}
	close(go[0]);
	close(hold[0]);
	usleep(50000);
	for (i = 0; i < NSTART; i++)
		write(go[1], "g", 1);
	for (i = 0; i < NSTART; i++) {
		read(res[0], &pid, sizeof(pid));
		if (pid > 0)
			good++;
		if (first == -1)
			first = pid;
		else if (pid != first)
			same = 0;
	}
	is_int(good, NSTART, "%d concurrent starters all got a pty", NSTART);
	ok(same, "all from the same daemon (pid %d)", first);
	is_int(count_daemons(getenv("XPTY_RUNDIR")), 1, "exactly one daemon runs");
	close(go[1]);
	close(hold[1]);		/* children exit */
	for (i = 0; i < NSTART; i++)
		waitpid(kids[i], NULL, 0);
	close(res[0]);
	close(res[1]);
}

static void
test_bad_dir(void)
{
	char		 dir[] = "/tmp/xpty-rtest-bad.XXXXXX", *old;
	struct rpty	 p;
	const char	*why;

	old = strdup(getenv("XPTY_RUNDIR"));
	mkdtemp(dir);
	chmod(dir, 0755);
	setenv("XPTY_RUNDIR", dir, 1);
	ok(rt_open(&p, 0) == -1, "a 0755 socket directory is refused");
	why = relay_last_error();
	ok(strstr(why, "mode 0755") != NULL && strstr(why, "owner uid") != NULL,
	    "the message names owner and mode: %s", why);
	rmdir(dir);
	setenv("XPTY_RUNDIR", old, 1);
	free(old);
}

static void
test_stale(void)
{
	struct sockaddr_un	sun;
	struct rpty		p;
	int			fd, pid, np, nc;

	/* a socket file nobody listens on */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/" XP_SOCKNAME,
	    getenv("XPTY_RUNDIR"));
	if (relay_status(&pid, &np, &nc) == 0) {
		kill(pid, SIGKILL);
		usleep(100000);
	}
	unlink(sun.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	ok(rt_open(&p, 0) == 0, "a stale socket is replaced: %s",
	    relay_last_error());
	rt_close(&p);
}

int
main(void)
{
	rt_env();
	test_concurrent();
	test_bad_dir();
	test_stale();
	rt_cleanup();
	return (done_testing());
}
