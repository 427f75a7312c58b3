/*
 * log.c - xptyd's log.
 *
 * Theory of operation.  In the foreground (-f) messages go to stderr with
 * the program name; a daemonized xptyd logs to syslog (LOG_DAEMON).  Debug
 * messages are printed only with -d.  State: the two flags set once by
 * log_open().  Descriptors: stderr, and syslog's own (openlog's,
 * libc's to close).  Single-threaded, no locking.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "xptyd.h"

static int	log_fg = 1;
static int	log_dbg;

void
log_open(int foreground, int debug)
{
	log_fg = foreground;
	log_dbg = debug;
	if (!foreground)
		openlog("xptyd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void
log_vemit(int prio, const char *fmt, va_list ap, const char *err)
{
	char	msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_fg) {
		if (err != NULL)
			fprintf(stderr, "xptyd[%ld]: %s: %s\n", (long)getpid(),
			    msg, err);
		else
			fprintf(stderr, "xptyd[%ld]: %s\n", (long)getpid(), msg);
	} else if (err != NULL)
		syslog(prio, "%s: %s", msg, err);
	else
		syslog(prio, "%s", msg);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vemit(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, fmt, ap, strerror(e));
	va_end(ap);
	errno = e;
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_dbg)
		return;
	va_start(ap, fmt);
	log_vemit(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	log_vemit(LOG_ERR, fmt, ap, e != 0 ? strerror(e) : NULL);
	va_end(ap);
	exit(1);
}
