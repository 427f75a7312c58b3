/*
 * pckt.c - the pckt module on a manager: subsidiary events as messages.
 *
 * With pckt pushed, each getmsg() on the manager returns one message
 * whose control part is a single byte, the STREAMS type of what the
 * subsidiary side produced (M_DATA, M_FLUSH, M_STOP, M_START, M_IOCTL),
 * and whose data part is its payload (SPEC.md 4.6).
 *
 * direct engine: the host manager runs in Linux packet mode (TIOCPKT).
 *   Each read returns a status byte: 0 is data, otherwise flush/stop/start
 *   bits, which become M_FLUSH (FLUSHR/FLUSHW in the subsidiary's own
 *   view), M_STOP and M_START, and a change of IXON (DOSTOP/NOSTOP), the
 *   only termios change Linux reports, an M_IOCTL carrying the termios
 *   now in force; when one status carries several events the rest is kept
 *   for the next call.  The subsidiary's last close becomes
 *   a zero-length M_DATA.
 * relay engine: xptyd frames messages as a type byte, a 32-bit length in
 *   host byte order and the payload.  A payload longer than the caller's
 *   buffer is continued by the next getmsg() (MOREDATA), with no control
 *   part, as STREAMS does.
 *
 * State: pending status bits and the unread rest of a relay frame, in the
 * manager's struct xstream.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"

#define FRAME_HDR	5

/* Deliver one message: ctl (1 byte, or absent if type < 0) and data. */
static int
deliver(struct strbuf *uctl, struct strbuf *udata, int type,
    const void *payload, int len, int more_after)
{
	struct strbuf k;
	unsigned char t = (unsigned char)type;
	int rv = more_after ? MOREDATA : 0;

	if (uctl != NULL) {
		if (xpty_user_copyin(&k, uctl, sizeof(k)) == -1)
			return -1;
		if (type < 0)
			k.len = -1;
		else if (k.maxlen < 1)
			rv |= MORECTL, k.len = 0;
		else {
			if (xpty_user_copyout(k.buf, &t, 1) == -1)
				return -1;
			k.len = 1;
		}
		if (xpty_user_copyout(uctl, &k, sizeof(k)) == -1)
			return -1;
	}
	if (udata != NULL) {
		if (xpty_user_copyin(&k, udata, sizeof(k)) == -1)
			return -1;
		if (len > 0 && xpty_user_copyout(k.buf, payload, (size_t)len) == -1)
			return -1;
		k.len = len;
		if (xpty_user_copyout(udata, &k, sizeof(k)) == -1)
			return -1;
	}
	return rv;
}

static int
data_room(struct strbuf *udata)
{
	struct strbuf k;

	if (udata == NULL || xpty_user_copyin(&k, udata, sizeof(k)) == -1)
		return 0;
	return k.maxlen > 0 ? k.maxlen : 0;
}

/*
 * Linux reports a subsidiary's change of IXON (DOSTOP/NOSTOP) but no
 * other termios change; on illumos ptem sends every TCSETS down, and pckt
 * shows it as M_IOCTL.  Build that message from the termios now in force:
 * struct iocblk (ioc_cmd TCSETS, host numbering), then struct termios.
 */
static int
termios_message(int fd, unsigned char *msg)
{
	struct iocblk ioc;
	struct termios t;
	struct kterm k;

	if (xsys_tcget(fd, &k) == -1)
		return -1;
	memset(&t, 0, sizeof(t));
	memcpy(&t, &k, sizeof(k));
	t.c_ispeed = t.c_ospeed = k.c_cflag & CBAUD;
	memset(&ioc, 0, sizeof(ioc));
	ioc.ioc_cmd = TCSETS;
	ioc.ioc_count = sizeof(t);
	memcpy(msg, &ioc, sizeof(ioc));
	memcpy(msg + sizeof(ioc), &t, sizeof(t));
	return (int)(sizeof(ioc) + sizeof(t));
}

/* The next event in a TIOCPKT status byte, consumed from *status. */
static int
status_event(int *status, unsigned char *flush)
{
	if (*status & (TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE)) {
		*flush = ((*status & TIOCPKT_FLUSHREAD) ? FLUSHR : 0) |
		    ((*status & TIOCPKT_FLUSHWRITE) ? FLUSHW : 0);
		*status &= ~(TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE);
		return M_FLUSH;
	}
	if (*status & TIOCPKT_STOP) {
		*status &= ~TIOCPKT_STOP;
		return M_STOP;
	}
	if (*status & TIOCPKT_START) {
		*status &= ~TIOCPKT_START;
		return M_START;
	}
	if (*status & (TIOCPKT_DOSTOP | TIOCPKT_NOSTOP)) {
		*status &= ~(TIOCPKT_DOSTOP | TIOCPKT_NOSTOP);
		return M_IOCTL;
	}
	*status = 0;
	return -1;
}

static int
direct_pckt(int fd, struct xstream *xs, struct strbuf *uctl,
    struct strbuf *udata)
{
	unsigned char buf[4097], flush = 0;
	int room = data_room(udata), type, n;
	ssize_t r;

	for (;;) {
		if (xs->pktstatus != 0 &&
		    (type = status_event(&xs->pktstatus, &flush)) >= 0) {
			if (type == M_IOCTL && (n = termios_message(fd, buf)) > 0)
				return deliver(uctl, udata, type, buf,
				    n < room ? n : room, n > room);
			if (type == M_IOCTL)
				continue;
			return deliver(uctl, udata, type, &flush,
			    type == M_FLUSH ? 1 : 0, 0);
		}
		if (room > (int)sizeof(buf) - 1)
			room = (int)sizeof(buf) - 1;
		r = xpty_raw_read(fd, xs, buf, (size_t)room + 1);
		if (r == -1)
			return -1;
		if (r == 0)
			return deliver(uctl, udata, M_DATA, NULL, 0, 0);
		if (buf[0] == TIOCPKT_DATA)
			return deliver(uctl, udata, M_DATA, buf + 1, (int)r - 1, 0);
		xs->pktstatus = buf[0];
	}
}

static ssize_t
recv_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = syscall(SYS_recvfrom, fd, (char *)buf + got, len - got,
		    MSG_WAITALL, NULL, NULL);
		if (r <= 0)
			return got > 0 ? (ssize_t)got : r;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int
relay_pckt(int fd, struct xstream *xs, struct strbuf *uctl,
    struct strbuf *udata)
{
	unsigned char hdr[FRAME_HDR], buf[65536];
	int room = data_room(udata), type = -1, n;
	uint32_t len;
	ssize_t r;

	if (xs->frame_left == 0) {
		r = recv_all(fd, hdr, sizeof(hdr));
		if (r == 0)
			return deliver(uctl, udata, M_DATA, NULL, 0, 0);
		if (r != (ssize_t)sizeof(hdr)) {
			if (r >= 0)
				errno = EPROTO;
			return -1;
		}
		memcpy(&len, hdr + 1, sizeof(len));
		type = hdr[0];
		xs->frame_left = len;
	}
	n = room < (int)sizeof(buf) ? room : (int)sizeof(buf);
	if ((uint32_t)n > xs->frame_left)
		n = (int)xs->frame_left;
	if (n > 0 && recv_all(fd, buf, (size_t)n) != n) {
		errno = EPROTO;
		return -1;
	}
	xs->frame_left -= (uint32_t)n;
	return deliver(uctl, udata, type, buf, n, xs->frame_left > 0);
}

int
pckt_getmsg(int fd, struct xstream *xs, struct strbuf *uctl,
    struct strbuf *udata)
{
	if (xs->engine == XE_RELAY)
		return relay_pckt(fd, xs, uctl, udata);
	return direct_pckt(fd, xs, uctl, udata);
}
