/*
 * trace.c - what a program asks of its ptys, one line per call.
 *
 * XPTY_TRACE=stderr or XPTY_TRACE=FILE (set by `xpty --trace`) makes
 * libxpty write a line for every SVR4-relevant call it sees: pty opens,
 * grantpt, unlockpt, ptsname, every STREAMS and pty ioctl with its
 * arguments decoded by name, getmsg/putmsg, zero-length messages and
 * hangups, with the result, the errno name and, where libxpty departs from
 * illumos, a short note:
 *
 *     xpty[1234] fd 5: I_PUSH "ldterm" = 0
 *     xpty[1234] /dev/pts/3: open = -1 EAGAIN (note: host says EIO)
 *
 * XPTY_REPORT=stderr|FILE (`xpty --report`) prints at exit a table of the
 * calls made, how many libxpty emulated and how many failed.
 *
 * Lines are formatted into a stack buffer and written with one write(2):
 * no malloc, no stdio, async-signal-safe, atomic for lines under
 * PIPE_BUF with O_APPEND.  When tracing is off the cost at each call site
 * is one load of xpty_tracing.
 *
 * The sinks hold no descriptor: a program that lists its descriptors, or
 * one it executes, must not see libxpty's (CPython's test_subprocess
 * does).  A FILE (made absolute when the image starts) is opened for each
 * line, O_APPEND | O_CLOEXEC, and closed again; "stderr" is descriptor 2
 * itself, written only while it is still the file it was when the image
 * started (a program that moved its standard error elsewhere does not get
 * trace lines in its data).  Each image opens its own; none is inherited.
 * State: the two sinks (set once by trace_init, read-only after) and the
 * report counters (atomic).
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"

/* Where lines go: nowhere, a file by absolute path, or descriptor 2. */
struct sink {
	enum { SINK_NONE, SINK_PATH, SINK_STDERR } kind;
	dev_t	dev;			/* SINK_STDERR: fd 2 at start-up */
	ino_t	ino;
	char	path[PATH_MAX];		/* SINK_PATH */
};
static struct sink trace_sink, report_sink;
int xpty_tracing;

struct tline {
	char	buf[512];
	size_t	len;
};

static void
put(struct tline *l, const char *s)
{
	while (*s != '\0' && l->len < sizeof(l->buf) - 2)
		l->buf[l->len++] = *s++;
}

static void
put_long(struct tline *l, long v)
{
	char		tmp[24];
	int		i = 0;
	unsigned long	u = v < 0 ? -(unsigned long)v : (unsigned long)v;

	do {
		tmp[i++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		tmp[i++] = '-';
	while (i > 0 && l->len < sizeof(l->buf) - 2)
		l->buf[l->len++] = tmp[--i];
}

static void
put_hex(struct tline *l, unsigned long v)
{
	static const char	digits[] = "0123456789abcdef";
	char			tmp[20];
	int			i = 0;

	do {
		tmp[i++] = digits[v & 15];
		v >>= 4;
	} while (v != 0);
	put(l, "0x");
	while (i > 0 && l->len < sizeof(l->buf) - 2)
		l->buf[l->len++] = tmp[--i];
}

static const struct { int e; const char *name; } errnames[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
	{ EIO, "EIO" }, { ENXIO, "ENXIO" }, { EBADF, "EBADF" },
	{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
	{ EFAULT, "EFAULT" }, { EEXIST, "EEXIST" }, { EINVAL, "EINVAL" },
	{ ENOTTY, "ENOTTY" }, { ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" },
	{ ENOSTR, "ENOSTR" }, { EBADMSG, "EBADMSG" }, { EPROTO, "EPROTO" },
	{ ENAMETOOLONG, "ENAMETOOLONG" }, { EMFILE, "EMFILE" },
};

const char *
trace_errname(int e)
{
	size_t	i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].e == e)
			return (errnames[i].name);
	return (NULL);
}

static const struct { unsigned long req; const char *name; } reqnames[] = {
	{ I_NREAD, "I_NREAD" }, { I_PUSH, "I_PUSH" }, { I_POP, "I_POP" },
	{ I_LOOK, "I_LOOK" }, { I_FLUSH, "I_FLUSH" }, { I_SRDOPT, "I_SRDOPT" },
	{ I_GRDOPT, "I_GRDOPT" }, { I_STR, "I_STR" }, { I_SETSIG, "I_SETSIG" },
	{ I_GETSIG, "I_GETSIG" }, { I_FIND, "I_FIND" }, { I_LINK, "I_LINK" },
	{ I_UNLINK, "I_UNLINK" }, { I_PEEK, "I_PEEK" }, { I_LIST, "I_LIST" },
	{ I_CANPUT, "I_CANPUT" }, { I_SWROPT, "I_SWROPT" },
	{ I_GWROPT, "I_GWROPT" }, { __I_PUSH_NOCTTY, "__I_PUSH_NOCTTY" },
	{ I_SENDFD, "I_SENDFD" }, { I_RECVFD, "I_RECVFD" },
	{ ISPTM, "ISPTM" }, { UNLKPT, "UNLKPT" }, { PTSSTTY, "PTSSTTY" },
	{ ZONEPT, "ZONEPT" }, { OWNERPT, "OWNERPT" },
	{ TCGETS, "TCGETS" }, { TCSETS, "TCSETS" }, { TCSETSW, "TCSETSW" },
	{ TCSETSF, "TCSETSF" }, { TCGETA, "TCGETA" }, { TCSETA, "TCSETA" },
	{ TCSETAW, "TCSETAW" }, { TCSETAF, "TCSETAF" }, { TCSBRK, "TCSBRK" },
	{ TCXONC, "TCXONC" }, { TCFLSH, "TCFLSH" },
	{ TIOCGWINSZ, "TIOCGWINSZ" }, { TIOCSWINSZ, "TIOCSWINSZ" },
	{ TIOCGETP, "TIOCGETP" }, { TIOCSETP, "TIOCSETP" },
	{ TIOCSETN, "TIOCSETN" }, { TIOCGETC, "TIOCGETC" },
	{ TIOCSETC, "TIOCSETC" }, { TIOCGLTC, "TIOCGLTC" },
	{ TIOCSLTC, "TIOCSLTC" }, { TIOCLGET, "TIOCLGET" },
	{ TIOCLSET, "TIOCLSET" }, { TIOCLBIS, "TIOCLBIS" },
	{ TIOCLBIC, "TIOCLBIC" }, { TIOCHPCL, "TIOCHPCL" },
	{ TIOCFLUSH, "TIOCFLUSH" }, { TIOCSTOP, "TIOCSTOP" },
	{ TIOCSTART, "TIOCSTART" }, { TIOCSCTTY, "TIOCSCTTY" },
};

const char *
trace_reqname(unsigned long req)
{
	size_t	i;

	for (i = 0; i < sizeof(reqnames) / sizeof(reqnames[0]); i++)
		if (reqnames[i].req == req)
			return (reqnames[i].name);
	return (NULL);
}

static void
put_req(struct tline *l, unsigned long req)
{
	const char	*n = trace_reqname(req);

	if (n != NULL)
		put(l, n);
	else
		put_hex(l, req);
}

/* A user string, copied safely, quoted, at most FMNAMESZ+8 shown. */
static void
put_ustr(struct tline *l, const char *u)
{
	char	tmp[FMNAMESZ + 9];
	size_t	i;

	for (i = 0; i < sizeof(tmp) - 1; i++) {
		if (xpty_user_copyin(&tmp[i], u + i, 1) == -1) {
			put(l, i == 0 ? "<bad address>" : "...");
			return;
		}
		if (tmp[i] == '\0')
			break;
	}
	tmp[i] = '\0';
	put(l, "\"");
	put(l, tmp);
	put(l, i == sizeof(tmp) - 1 ? "...\"" : "\"");
}

static void
put_flush(struct tline *l, long how)
{
	if (how == FLUSHR)
		put(l, "FLUSHR");
	else if (how == FLUSHW)
		put(l, "FLUSHW");
	else if (how == FLUSHRW)
		put(l, "FLUSHRW");
	else
		put_hex(l, (unsigned long)how);
}

static void
put_arg(struct tline *l, unsigned long req, void *arg)
{
	struct strioctl	sio;

	switch (req) {
	case I_PUSH: case __I_PUSH_NOCTTY: case I_FIND:
		put(l, " ");
		put_ustr(l, arg);
		return;
	case I_FLUSH:
		put(l, " ");
		put_flush(l, (long)arg);
		return;
	case I_SRDOPT: case I_SETSIG: case I_CANPUT: case I_SWROPT:
		put(l, " ");
		put_hex(l, (unsigned long)arg);
		return;
	case I_LIST:
		if (arg == NULL)
			put(l, " NULL");
		return;
	case I_STR:
		if (xpty_user_copyin(&sio, arg, sizeof(sio)) == -1) {
			put(l, "{<bad address>}");
			return;
		}
		put(l, "{");
		put_req(l, (unsigned long)(unsigned int)sio.ic_cmd);
		put(l, ", len ");
		put_long(l, sio.ic_len);
		put(l, "}");
		return;
	}
}

static void
put_result(struct tline *l, long rv, int err, const char *note)
{
	const char	*en;

	put(l, " = ");
	put_long(l, rv);
	if (rv == -1) {
		put(l, " ");
		en = trace_errname(err);
		if (en != NULL)
			put(l, en);
		else
			put_long(l, err);
	}
	if (note != NULL) {
		put(l, " (note: ");
		put(l, note);
		put(l, ")");
	}
	l->buf[l->len++] = '\n';
}

static void
begin(struct tline *l, int fd)
{
	l->len = 0;
	put(l, "xpty[");
	put_long(l, (long)xsys_getpid());
	put(l, "]");
	if (fd >= 0) {
		put(l, " fd ");
		put_long(l, fd);
	}
	put(l, ": ");
}

/* ---- report counters ---- */

enum { R_OPEN, R_GRANT, R_UNLOCK, R_PTSNAME, R_IOCTL, R_MSG, R_ZERO,
    R_EOF, R_NCOUNT };
static const char *rnames[R_NCOUNT] = { "pty open", "grantpt",
    "unlockpt", "ptsname", "SVR4 ioctl", "getmsg/putmsg",
    "zero-length write", "end of file" };
static _Atomic(long) rcalls[R_NCOUNT], rfailed[R_NCOUNT], rnotemul[R_NCOUNT];

static int
rkind(const char *what)
{
	if (strcmp(what, "grantpt") == 0)
		return (R_GRANT);
	if (strcmp(what, "unlockpt") == 0)
		return (R_UNLOCK);
	if (strncmp(what, "ptsname", 7) == 0)
		return (R_PTSNAME);
	if (strncmp(what, "getmsg", 6) == 0 || strncmp(what, "putmsg", 6) == 0 ||
	    strncmp(what, "getpmsg", 7) == 0 || strncmp(what, "putpmsg", 7) == 0)
		return (R_MSG);
	if (strncmp(what, "zero", 4) == 0)
		return (R_ZERO);
	if (strncmp(what, "read", 4) == 0)
		return (R_EOF);
	if (strncmp(what, "open", 4) == 0 || strncmp(what, "posix", 5) == 0)
		return (R_OPEN);
	return (R_OPEN);
}

static void
count(int kind, long rv, const char *note)
{
	if (report_sink.kind == SINK_NONE)
		return;
	atomic_fetch_add(&rcalls[kind], 1);
	if (rv == -1)
		atomic_fetch_add(&rfailed[kind], 1);
	if (note != NULL)
		atomic_fetch_add(&rnotemul[kind], 1);
}

/* ---- sinks ---- */

/* A descriptor to write sk's lines to (close it with sink_close), or -1. */
static int
sink_open(const struct sink *sk)
{
	struct stat	st;

	switch (sk->kind) {
	case SINK_PATH:
		return (xsys_openat(AT_FDCWD, sk->path, O_WRONLY | O_APPEND |
		    O_NOCTTY | O_CLOEXEC, 0));
	case SINK_STDERR:
		if (xsys_fstat(2, &st) == -1 || st.st_dev != sk->dev ||
		    st.st_ino != sk->ino)
			return (-1);
		return (2);
	default:
		return (-1);
	}
}

static void
sink_close(int fd)
{
	if (fd > 2)
		xsys_close(fd);
}

/* One line to sk, errno preserved. */
static void
sink_write(const struct sink *sk, const char *buf, size_t len)
{
	int	saved = errno, fd;

	if ((fd = sink_open(sk)) >= 0) {
		(void)xsys_write(fd, buf, len);
		sink_close(fd);
	}
	errno = saved;
}

/* ---- entry points ---- */

void
trace_call(int fd, const char *what, long num, long rv, int err,
    const char *note)
{
	struct tline	l;

	count(rkind(what), rv, note);
	if (trace_sink.kind == SINK_NONE)
		return;
	begin(&l, fd);
	put(&l, what);
	if (num >= 0)
		put_long(&l, num);
	put_result(&l, rv, err, note);
	sink_write(&trace_sink, l.buf, l.len);
}

void
trace_ioctl(int fd, unsigned long req, void *arg, long rv, int err,
    const char *note)
{
	struct tline	l;

	count(R_IOCTL, rv, note);
	if (trace_sink.kind == SINK_NONE)
		return;
	begin(&l, fd);
	put_req(&l, req);
	put_arg(&l, req, arg);
	put_result(&l, rv, err, note);
	sink_write(&trace_sink, l.buf, l.len);
}

/* ptsname's answer is a string: `ptsname = "/dev/pts/3"`. */
void
trace_name(int fd, const char *name)
{
	struct tline	l;

	count(R_PTSNAME, 0, NULL);
	if (trace_sink.kind == SINK_NONE)
		return;
	begin(&l, fd);
	put(&l, "ptsname = \"");
	put(&l, name);
	put(&l, "\"\n");
	sink_write(&trace_sink, l.buf, l.len);
}

/*
 * Set sk from XPTY_TRACE / XPTY_REPORT: "stderr" (or "2"), or a file,
 * created now and named by an absolute path from here on (the program may
 * change directory).  0, or -1 if there is no usable sink.
 */
static int
sink_init(struct sink *sk, const char *spec)
{
	struct stat	st;
	size_t		n = 0;
	int		fd;

	sk->kind = SINK_NONE;
	if (spec == NULL || *spec == '\0')
		return (-1);
	if (strcmp(spec, "stderr") == 0 || strcmp(spec, "2") == 0) {
		if (xsys_fstat(2, &st) == -1)
			return (-1);
		sk->dev = st.st_dev;
		sk->ino = st.st_ino;
		sk->kind = SINK_STDERR;
		return (0);
	}
	if (spec[0] != '/') {
		if (xsys_getcwd(sk->path, sizeof(sk->path)) <= 0)
			return (-1);
		n = strlen(sk->path);
		if (n > 0 && sk->path[n - 1] != '/' && n + 1 < sizeof(sk->path))
			sk->path[n++] = '/';
	}
	if (n + strlen(spec) >= sizeof(sk->path))
		return (-1);
	memcpy(sk->path + n, spec, strlen(spec) + 1);
	fd = xsys_openat(AT_FDCWD, sk->path,
	    O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY | O_CLOEXEC, 0644);
	if (fd == -1)
		return (-1);
	xsys_close(fd);
	sk->kind = SINK_PATH;
	return (0);
}

static void
report_print(void)
{
	struct tline	l;
	long		total = 0;
	int		i, fd, saved = errno;

	for (i = 0; i < R_NCOUNT; i++)
		total += atomic_load(&rcalls[i]);
	if (total == 0)
		return;		/* this process made no SVR4 call */
	if ((fd = sink_open(&report_sink)) == -1)
		return;
	l.len = 0;
	put(&l, "xpty report for pid ");
	put_long(&l, (long)xsys_getpid());
	put(&l, "\ncall                 calls  failed  deviates\n");
	(void)xsys_write(fd, l.buf, l.len);
	for (i = 0; i < R_NCOUNT; i++) {
		size_t	pad;

		l.len = 0;
		put(&l, rnames[i]);
		for (pad = l.len; pad < 20; pad++)
			put(&l, " ");
		put(&l, " ");
		put_long(&l, atomic_load(&rcalls[i]));
		put(&l, "  ");
		put_long(&l, atomic_load(&rfailed[i]));
		put(&l, "  ");
		put_long(&l, atomic_load(&rnotemul[i]));
		put(&l, "\n");
		(void)xsys_write(fd, l.buf, l.len);
	}
	sink_close(fd);
	errno = saved;
}

void
trace_init(void)
{
	(void)sink_init(&trace_sink, getenv("XPTY_TRACE"));
	if (sink_init(&report_sink, getenv("XPTY_REPORT")) == 0)
		atexit(report_print);
	xpty_tracing = trace_sink.kind != SINK_NONE ||
	    report_sink.kind != SINK_NONE;
}
