/*
 * xtest.h - helpers shared by the behavioural tests.
 *
 * Each test source is built four times: t_NAME links -lxpty, p_NAME does
 * not and re-executes itself under LD_PRELOAD of the build tree's
 * libxpty.so (xt_init()), and d_NAME is p_NAME in the direct engine
 * (XPTY_ENGINE=direct: no relay daemon), r_NAME is p_NAME in the relay
 * engine (XPTY_ENGINE=relay); t_ and p_ run in the default engine, the
 * lease.  libxpty's own functions (isastream, getmsg, xpty_*) are
 * declared weak in the preload build, so the unlinked binary binds them
 * to the preloaded library at run time.
 */
#ifndef XPTY_XTEST_H
#define XPTY_XTEST_H
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <sys/select.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "xpty.h"
#include "tap.h"

#ifdef XT_PRELOAD
#pragma weak isastream
#pragma weak getmsg
#pragma weak getpmsg
#pragma weak putmsg
#pragma weak putpmsg
#pragma weak xpty_setmode
#pragma weak xpty_getmode
#pragma weak xpty_unlockpt_xpg4
#pragma weak xpty_version
#endif

static char **xt_argv;

/* The direct engine (XPTY_ENGINE=direct, the d_NAME runs) lacks xptyd. */
static inline int
xt_engine_direct(void)
{
	const char	*e = getenv("XPTY_ENGINE");

	return (e != NULL && strcmp(e, "direct") == 0);
}

static inline int
xt_ro_end_of(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t	*end = arg, e;
	int		 i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type != PT_LOAD ||
		    (info->dlpi_phdr[i].p_flags & (PF_R | PF_W)) != PF_R)
			continue;
		e = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr +
		    info->dlpi_phdr[i].p_memsz;
		if (e > *end)
			*end = e;
	}
	return (1);		/* the first object is the program */
}

/* The end of the highest read-only segment of the program (0: none). */
static inline uintptr_t
xt_ro_end(void)
{
	uintptr_t	end = 0;

	(void)dl_iterate_phdr(xt_ro_end_of, &end);
	return (end);
}

/* Under p_NAME: make sure libxpty is preloaded, re-executing if not. */
static inline void
xt_init(int argc, char **argv)
{
	(void)argc;
	xt_argv = argv;
	setvbuf(stdout, NULL, _IOLBF, 0);
#ifdef XT_PRELOAD
	const char	*pre = getenv("LD_PRELOAD");
	const char	*top = getenv("XPTY_BUILDDIR");
	char		 lib[PATH_MAX];

#ifdef XT_DIRECT
	setenv("XPTY_ENGINE", "direct", 1);
#endif
#ifdef XT_RELAY
	setenv("XPTY_ENGINE", "relay", 1);
#endif
	if (pre != NULL && strstr(pre, "libxpty") != NULL)
		return;
	if (top == NULL)
		top = XPTY_TOP_BUILDDIR;
	snprintf(lib, sizeof(lib), "%s/lib/.libs/libxpty.so", top);
	setenv("LD_PRELOAD", lib, 1);
	execv("/proc/self/exe", argv);
	printf("Bail out! cannot re-exec under LD_PRELOAD: %s\n", strerror(errno));
	exit(1);
#endif
}

/*
 * Does a pty's stream state reach processes that neither made the pty
 * nor inherited its state by fork (an exec'd image, a receiver of its
 * descriptors)?  Not in the direct engine over the page store (configure
 * --with-store=page, the store of the BSDs and of --with-host=bsdimit):
 * no daemon keeps the page there, the state is the process's (xpty(7)).
 */
static inline int
xt_state_shared(void)
{
#ifdef XT_DIRECT
	const char	*s = getenv("XPTY_TEST_STORE");

	return (s == NULL || strcmp(s, "page") != 0);
#else
	return (1);
#endif
}

/* A manager with its subsidiary unlocked and open; names into name[]. */
static inline int
xt_pair(int *m, int *s, char *name, size_t namelen, int sflags)
{
	char	*p;

	if ((*m = posix_openpt(O_RDWR | O_NOCTTY)) == -1)
		return (-1);
	if (grantpt(*m) == -1 || unlockpt(*m) == -1 || (p = ptsname(*m)) == NULL)
		return (-1);
	if (name != NULL)
		snprintf(name, namelen, "%s", p);
	if ((*s = open(p, O_RDWR | sflags)) == -1)
		return (-1);
	return (0);
}

static inline int
xt_push3(int s)
{
	if (ioctl(s, I_PUSH, "ptem") == -1 || ioctl(s, I_PUSH, "ldterm") == -1 ||
	    ioctl(s, I_PUSH, "ttcompat") == -1)
		return (-1);
	return (0);
}

/* Read what arrives within ms milliseconds (at most len bytes). */
static inline ssize_t
xt_read_for(int fd, void *buf, size_t len, int ms)
{
	struct timeval	tv;
	fd_set		rf;
	size_t		got = 0;
	ssize_t		r;

	while (got < len) {
		FD_ZERO(&rf);
		FD_SET(fd, &rf);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		if (select(fd + 1, &rf, NULL, NULL, &tv) <= 0)
			break;
		r = read(fd, (char *)buf + got, len - got);
		if (r <= 0)
			return (got > 0 ? (ssize_t)got : r);
		got += (size_t)r;
		ms = 100;
	}
	return ((ssize_t)got);
}

/* One read() with O_NONBLOCK set for it alone: -1 EAGAIN if nothing waits. */
static inline ssize_t
xt_read_nb(int fd, void *buf, size_t len)
{
	int	fl = fcntl(fd, F_GETFL);
	ssize_t	r;

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	r = read(fd, buf, len);
	fcntl(fd, F_SETFL, fl);
	return (r);
}

/*
 * Open descriptors of pid (0: this process, not counting the one that
 * reads its /proc directory), or -1.
 */
static inline int
xt_count_fds(pid_t pid)
{
	char		 path[64];
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/fd");
	else
		snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return (pid == 0 ? n - 1 : n);
}

/* The time of day in seconds. */
static inline double
xt_now(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return ((double)tv.tv_sec + (double)tv.tv_usec / 1e6);
}

/* Milliseconds since t0, an xt_now() time. */
static inline long
xt_ms_since(double t0)
{
	return ((long)((xt_now() - t0) * 1000));
}

/* An address that is certainly not mapped. */
static inline void *
xt_unmapped(void)
{
	return ((void *)(uintptr_t)16);
}
/*
 * The xptyd serving this test: argv[0] ends in "xptyd" and an argument
 * names a socket in $XPTY_RUNDIR.  0 if there is none.
 */
static inline pid_t
xt_daemon_pid(void)
{
	const char	*rundir = getenv("XPTY_RUNDIR");
	char		 path[300], cmd[4096], *p, *end;
	DIR		*d;
	struct dirent	*e;
	pid_t		 found = 0;
	size_t		 rl;
	FILE		*f;
	size_t		 n;

	if (rundir == NULL || *rundir == '\0' || (d = opendir("/proc")) == NULL)
		return (0);
	rl = strlen(rundir);
	while (found == 0 && (e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
		cmd[n] = '\0';
		end = cmd + n;
		if ((p = strrchr(cmd, '/')) == NULL)
			p = cmd;
		else
			p++;
		if (strcmp(p, "xptyd") != 0 && strncmp(p, "lt-xptyd", 8) != 0)
			continue;
		for (p = cmd + strlen(cmd) + 1; p < end; p += strlen(p) + 1)
			if (strncmp(p, rundir, rl) == 0 && p[rl] == '/') {
				found = (pid_t)atol(e->d_name);
				break;
			}
	}
	closedir(d);
	return (found);
}

#endif
