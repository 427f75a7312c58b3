/*
 * client.h - test harness for the SVR4 client reproductions (tests/clients).
 *
 * Each client source is written the way the original program is: it
 * includes <stropts.h>, <sys/stropts.h> or <sys/ptms.h> and nothing of
 * libxpty's, and is compiled with the flags `pkg-config --cflags xpty`
 * gives (include/ and include/compat/).  This header adds only the test
 * harness: TAP output (tap.h), a watchdog, a way to collect results from
 * children, and the re-exec under LD_PRELOAD for the unlinked build
 * (clients/p_NAME, built with -DXT_PRELOAD; clients/t_NAME links -lxpty).
 */
#ifndef XPTY_CLIENT_H
#define XPTY_CLIENT_H
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

#ifdef XT_PRELOAD
/* libxpty's own names bind to the preloaded library at run time. */
#pragma weak isastream
#pragma weak getmsg
#pragma weak putmsg
#endif

#ifndef XPTY_TOP_BUILDDIR
#define XPTY_TOP_BUILDDIR "."
#endif

/* Every client finishes in a few seconds; a hang is a failure. */
#define CLIENT_WATCHDOG	20

static inline void
client_init(int argc, char **argv)
{
	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(CLIENT_WATCHDOG);
#ifdef XT_PRELOAD
	{
		const char	*pre = getenv("LD_PRELOAD");
		const char	*top = getenv("XPTY_BUILDDIR");
		char		 lib[PATH_MAX];

		if (pre != NULL && strstr(pre, "libxpty") != NULL) {
			if (isastream == NULL) {
				printf("Bail out! libxpty is not loaded\n");
				exit(1);
			}
			return;
		}
		if (top == NULL)
			top = XPTY_TOP_BUILDDIR;
		snprintf(lib, sizeof(lib), "%s/lib/.libs/libxpty.so", top);
		setenv("LD_PRELOAD", lib, 1);
		execv("/proc/self/exe", argv);
		printf("Bail out! cannot re-exec under LD_PRELOAD: %s\n",
		    strerror(errno));
		exit(1);
	}
#endif
}

/*
 * Results from a child: the child calls child_check() for each of its
 * checks (one byte per check on a pipe), the parent replays them as TAP
 * lines with child_report() after waitpid().  A check the child never
 * reached (it died or bailed out) is reported as failed.
 */
struct child_res {
	int	fd[2];
	char	got[64];
	int	n;
};

static inline void
child_res_init(struct child_res *cr)
{
	if (pipe(cr->fd) == -1) {
		printf("Bail out! pipe: %s\n", strerror(errno));
		exit(1);
	}
	cr->n = 0;
}

/* In the child, after fork. */
static inline int
child_check(struct child_res *cr, int cond, const char *what)
{
	char	c = cond ? '1' : '0';

	if (!cond)
		fprintf(stderr, "child: %s: failed (errno %d: %s)\n", what,
		    errno, strerror(errno));
	if (write(cr->fd[1], &c, 1) != 1)
		_exit(97);
	return (cond);
}

/* In the parent: collect the child's verdicts and report them in order. */
static inline int
child_report(struct child_res *cr, pid_t pid, const char *const *names,
    int nnames, const char *prefix)
{
	int	st = 0, i, all = 1;
	ssize_t	r;

	close(cr->fd[1]);
	if (waitpid(pid, &st, 0) == -1)
		st = -1;
	cr->n = 0;
	while (cr->n < (int)sizeof(cr->got) &&
	    (r = read(cr->fd[0], cr->got + cr->n, sizeof(cr->got) - (size_t)cr->n)) > 0)
		cr->n += (int)r;
	close(cr->fd[0]);
	for (i = 0; i < nnames; i++) {
		int	good = i < cr->n && cr->got[i] == '1';
		errno = 0;
		ok(good, "%s: %s%s", prefix, names[i],
		    i < cr->n ? "" : " (not reached)");
		all &= good;
	}
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: child exits 0 (status %#x)",
	    prefix, (unsigned)st);
	return (all);
}

/* Wait until fd is readable (or hung up); 1 if so, 0 on timeout. */
static inline int
wait_readable(int fd, int ms)
{
	struct pollfd	p = { .fd = fd, .events = POLLIN };

	return (poll(&p, 1, ms) == 1);
}

/* Read from fd until want bytes or ms pass without data; NUL-terminated. */
static inline ssize_t
read_until(int fd, char *buf, size_t len, const char *want, int ms)
{
	size_t	got = 0;
	ssize_t	r;

	buf[0] = '\0';
	while (got + 1 < len) {
		if (!wait_readable(fd, ms))
			break;
		r = read(fd, buf + got, len - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		buf[got] = '\0';
		if (want != NULL && strstr(buf, want) != NULL)
			break;
	}
	return ((ssize_t)got);
}

/* Printable form of a short byte string for diagnostics. */
static inline const char *
show(const char *s, size_t n)
{
	static char	out[512];
	size_t		i, o = 0;

	for (i = 0; i < n && o + 5 < sizeof(out); i++) {
		unsigned char	c = (unsigned char)s[i];
		if (c == '\r')
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\r");
		else if (c == '\n')
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\n");
		else if (c < 32 || c > 126)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\%03o", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return (out);
}
#endif
