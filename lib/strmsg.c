/*
 * strmsg.c - isastream(), getmsg(), getpmsg(), putmsg(), putpmsg().
 *
 * glibc dropped these (2.30).  libxpty provides them for the ptys it
 * manages.  Without pckt a message is the data queued when the call is
 * made (the control part is absent, len -1) and the zero-length message of a subsidiary close is a data
 * part of length 0.  With pckt pushed on the manager, every message has a
 * one-byte control part holding its STREAMS type:
 *   direct engine: the host manager is in TIOCPKT mode; its status byte
 *     becomes M_DATA, M_FLUSH (FLUSHR/FLUSHW as the subsidiary sees them),
 *     M_STOP, M_START or M_IOCTL;
 *   relay engine: xptyd frames each message as a type byte, a 32-bit
 *     little-endian length and the payload (common/proto.h);
 * strhead.c reads them (pckt_getmsg()).  Neither kind of message is of high
 * priority (pckt sends M_PROTO), so RS_HIPRI / MSG_HIPRI find none.
 * MORECTL and MOREDATA report parts that did not fit (or that maxlen 0
 * or -1 declined); the rest stays queued for the next call, as STREAMS
 * puts it back.  A data part shorter than the plain stream's queued
 * bytes is MOREDATA too.  pckt.c keeps the partly delivered head message
 * (in struct xstream); this file is stateless and opens no descriptor.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"
#include "engine.h"

#define PUTMSG_MAX	65536	/* the stream's maximum packet size */

XPTY_EXPORT int
isastream(int fd)
{
	struct stat	st;
	struct xstate	xst;
	int		saved = errno;

	if (xfd_lookup(fd) != NULL)
		return (1);
	if (xsys_fstat(fd, &st) == -1)
		return (-1);
	rediscover_fd(fd);
	if (xfd_lookup(fd) != NULL) {
		errno = saved;
		return (1);
	}
	if (host_classify(fd, NULL) != 0 && xstate_get(fd, &xst) == 0 &&
	    xst.managed) {
		errno = saved;
		return (1);
	}
	errno = saved;
	return (0);
}

static int
bad_buf(const struct strbuf *sb)
{
	struct strbuf	k;

	if (sb == NULL)
		return (0);
	if (xpty_user_copyin(&k, sb, sizeof(k)) == -1)
		return (1);
	return (k.maxlen > 0 && k.buf == NULL);
}

/*
 * Wait until fd has something to read (a message), or EAGAIN; a signal
 * interrupts the wait as it would a read (xwait.c): EINTR, or the wait
 * goes on after a handler installed with SA_RESTART.
 */
static int
wait_message(int fd)
{
	/* an ended byte stream polls readable too (POLLIN) */
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	int		fl = xsys_fcntl(fd, F_GETFL, 0), r;

	r = xwait_poll(&pfd, 1, fl != -1 && (fl & O_NONBLOCK) ? xwait_now() :
	    XWAIT_FOREVER);
	if (r == 0)
		errno = EAGAIN;
	return (r == 1 ? 0 : -1);
}

/*
 * Plain stream: the message is the data queued now (blocking for some if
 * none).  A data buffer shorter than that takes its beginning and the
 * rest stays queued (MOREDATA); maxlen 0 or -1 (or no buffer) takes
 * nothing but a zero-length message, which maxlen 0 removes.
 */
static int
getmsg_plain(int fd, struct xstream *xs, struct strbuf *ctl, struct strbuf *data)
{
	struct strbuf	k = { .maxlen = -1, .len = -1, .buf = NULL };
	size_t		want;
	int		queued = 0, dlen = -1, more = 0, clen = -1;
	ssize_t		r;
	char		one;

	if (data != NULL && xpty_user_copyin(&k, data, sizeof(k)) == -1)
		return (-1);
	if (ctl != NULL && xpty_user_copyout(&ctl->len, &clen, sizeof(int)) == -1)
		return (-1);
	engine_gather(fd, xs);	/* the message is what fd holds */
	if (k.maxlen <= 0) {
		if (wait_message(fd) == -1)
			return (-1);
		if (xsys_ioctl(fd, FIONREAD, &queued) == -1)
			return (-1);
		if (queued > 0 || k.maxlen < 0) {
			more = MOREDATA;	/* left queued */
			dlen = k.maxlen < 0 ? -1 : 0;
		} else {
			/* the zero-length message: maxlen 0 removes it */
			if ((r = xpty_raw_read(fd, xs, &one, 1)) == -1)
				return (-1);
			dlen = 0;
			more = r > 0 ? MOREDATA : 0;
		}
	} else {
		/* straight into the caller's buffer: the kernel checks it */
		want = (size_t)k.maxlen;
		if (xsys_ioctl(fd, FIONREAD, &queued) == -1)
			queued = 0;
		if (xs->kind == XK_MANAGER)
			r = xpty_raw_read(fd, xs, k.buf, want);
		else
			r = xpty_read(fd, xs, k.buf, want);
		if (r == -1)
			return (-1);
		dlen = (int)r;
		if (queued == 0 && (size_t)r == want &&
		    xsys_ioctl(fd, FIONREAD, &queued) == 0 && queued > 0)
			queued += (int)r;
		if (queued > r)
			more = MOREDATA;
	}
	if (data != NULL && xpty_user_copyout(&data->len, &dlen, sizeof(int)) == -1)
		return (-1);
	return (more);
}

static int
check_getflags(int *flagsp, int *bandp, int pmsg)
{
	int	f;

	if (flagsp == NULL || xpty_user_copyin(&f, flagsp, sizeof(f)) == -1) {
		errno = EFAULT;
		return (-1);
	}
	if (!pmsg)
		return ((f == 0 || f == RS_HIPRI) ? f : (errno = EINVAL, -1));
	if (f != MSG_HIPRI && f != MSG_ANY && f != MSG_BAND) {
		errno = EINVAL;
		return (-1);
	}
	if (bandp == NULL) {
		errno = EFAULT;
		return (-1);
	}
	return (f);
}

static int
getmsg_common(int fd, struct strbuf *ctl, struct strbuf *data, int *bandp,
    int *flagsp, int pmsg)
{
	struct xstream	*xs = xfd_lookup(fd);
	int		 f, r, zero = 0;

	if ((f = check_getflags(flagsp, bandp, pmsg)) == -1)
		return (-1);
	if (xs == NULL) {
		errno = isastream(fd) == -1 ? EBADF : ENOSTR;
		return (-1);
	}
	if (defer_use(xs) == -1)
		return (-1);
	if (bad_buf(ctl) || bad_buf(data)) {
		errno = EFAULT;
		return (-1);
	}
	if (f == RS_HIPRI || f == MSG_HIPRI) {
		errno = EAGAIN;		/* no high-priority messages here */
		return (-1);
	}
	if (xs->kind == XK_MANAGER && xs->nmods > 0)
		r = pckt_getmsg(fd, xs, ctl, data);
	else
		r = getmsg_plain(fd, xs, ctl, data);
	if (r == -1)
		return (-1);
	(void)xpty_user_copyout(flagsp, pmsg ? &(int){ MSG_BAND } : &zero,
	    sizeof(int));
	if (pmsg)
		(void)xpty_user_copyout(bandp, &zero, sizeof(int));
	return (r);
}

XPTY_EXPORT int
getmsg(int fd, struct strbuf *ctl, struct strbuf *data, int *flagsp)
{
	return (getmsg_common(fd, ctl, data, NULL, flagsp, 0));
}

XPTY_EXPORT int
getpmsg(int fd, struct strbuf *ctl, struct strbuf *data, int *bandp,
    int *flagsp)
{
	return (getmsg_common(fd, ctl, data, bandp, flagsp, 1));
}

static int
putmsg_common(int fd, const struct strbuf *ctl, const struct strbuf *data,
    int band, int flags, int pmsg)
{
	struct xstream	*xs = xfd_lookup(fd);
	struct strbuf	 c = { .len = -1 }, d = { .len = -1 };
	ssize_t		 w;

	if (xs == NULL) {
		errno = isastream(fd) == -1 ? EBADF : ENOSTR;
		return (-1);
	}
	if (defer_use(xs) == -1)
		return (-1);
	if ((ctl != NULL && xpty_user_copyin(&c, ctl, sizeof(c)) == -1) ||
	    (data != NULL && xpty_user_copyin(&d, data, sizeof(d)) == -1))
		return (-1);
	if (pmsg ? (flags != MSG_HIPRI && flags != MSG_BAND) ||
	    (flags == MSG_HIPRI && band != 0) || band < 0 || band > 255 :
	    (flags != 0 && flags != RS_HIPRI)) {
		errno = EINVAL;
		return (-1);
	}
	if ((flags & (RS_HIPRI | MSG_HIPRI)) && c.len <= 0) {
		errno = EINVAL;		/* high priority needs a control part */
		return (-1);
	}
	if (c.len > 0) {
		errno = EINVAL;		/* no module here takes M_PROTO */
		return (-1);
	}
	if (d.len < 0)
		return (0);		/* nothing to send */
	if (d.len == 0)
		return (xpty_write_zero(fd, xs) == -1 ? -1 : 0);
	if (d.len > PUTMSG_MAX) {
		errno = ERANGE;		/* over the stream's maximum packet */
		return (-1);
	}
	/* straight from the caller's buffer: the kernel checks it */
	w = xpty_write(fd, xs, d.buf, (size_t)d.len);
	return (w == -1 ? -1 : 0);
}

XPTY_EXPORT int
putmsg(int fd, const struct strbuf *ctl, const struct strbuf *data, int flags)
{
	return (putmsg_common(fd, ctl, data, 0, flags, 0));
}

XPTY_EXPORT int
putpmsg(int fd, const struct strbuf *ctl, const struct strbuf *data, int band,
    int flags)
{
	return (putmsg_common(fd, ctl, data, band, flags, 1));
}
