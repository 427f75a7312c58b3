/*
 * xtest.h - helpers shared by the behavioural tests.
 *
 * Each test source is built three times: t_NAME links -lxpty, p_NAME does
 * not and re-executes itself under LD_PRELOAD of the build tree's
 * libxpty.so (xt_init()), and d_NAME is p_NAME in the direct engine
 * (XPTY_ENGINE=direct: no relay daemon).  libxpty's own functions (isastream, getmsg, xpty_*) are
 * declared weak in the preload build, so the unlinked binary binds them
 * to the preloaded library at run time.
 */
#ifndef XPTY_XTEST_H
#define XPTY_XTEST_H
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
	const char *e = getenv("XPTY_ENGINE");

	return e != NULL && strcmp(e, "direct") == 0;
}

/* Under p_NAME: make sure libxpty is preloaded, re-executing if not. */
static inline void
xt_init(int argc, char **argv)
{
	(void)argc;
	xt_argv = argv;
	setvbuf(stdout, NULL, _IOLBF, 0);
#ifdef XT_PRELOAD
	const char *pre = getenv("LD_PRELOAD");
	const char *top = getenv("XPTY_BUILDDIR");
	char lib[PATH_MAX];

#ifdef XT_DIRECT
	setenv("XPTY_ENGINE", "direct", 1);
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

/* A manager with its subsidiary unlocked and open; names into name[]. */
static inline int
xt_pair(int *m, int *s, char *name, size_t namelen, int sflags)
{
	char *p;

	if ((*m = posix_openpt(O_RDWR | O_NOCTTY)) == -1)
		return -1;
	if (grantpt(*m) == -1 || unlockpt(*m) == -1 || (p = ptsname(*m)) == NULL)
		return -1;
	if (name != NULL)
		snprintf(name, namelen, "%s", p);
	if ((*s = open(p, O_RDWR | sflags)) == -1)
		return -1;
	return 0;
}

static inline int
xt_push3(int s)
{
	if (ioctl(s, I_PUSH, "ptem") == -1 || ioctl(s, I_PUSH, "ldterm") == -1 ||
	    ioctl(s, I_PUSH, "ttcompat") == -1)
		return -1;
	return 0;
}

/* Read what arrives within ms milliseconds (at most len bytes). */
static inline ssize_t
xt_read_for(int fd, void *buf, size_t len, int ms)
{
	struct timeval tv;
	fd_set rf;
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		FD_ZERO(&rf);
		FD_SET(fd, &rf);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		if (select(fd + 1, &rf, NULL, NULL, &tv) <= 0)
			break;
		r = read(fd, (char *)buf + got, len - got);
		if (r <= 0)
			return got > 0 ? (ssize_t)got : r;
		got += (size_t)r;
		ms = 100;
	}
	return (ssize_t)got;
}

/* An address that is certainly not mapped. */
static inline void *
xt_unmapped(void)
{
	return (void *)(uintptr_t)16;
}
#endif
