/*
 * t_relay_pckt.c - pckt framing on the relay: data as M_DATA,
 * flushes as M_FLUSH in the subsidiary's view, stop/start as M_STOP and
 * M_START, injected M_IOCTL in stream order, and the last close as a
 * zero-length M_DATA with the connection kept.
 */
#include "rtest.h"
#include "proto.h"

/* Read one frame; returns its type or -1; payload into buf. */
static int
frame(int fd, void *buf, size_t cap, uint32_t *len)
{
	uint8_t	h[XP_FRAMEHDR], mt;

	if (rt_readn(fd, h, sizeof(h), 2000) != sizeof(h) ||
	    xp_frame_parse(h, sizeof(h), &mt, len) != XP_FRAMEHDR ||
	    *len > cap || rt_readn(fd, buf, *len, 2000) != *len)
		return (-1);
	return (mt);
}

int
main(void)
{
	struct rpty	p;
	char		buf[256];
	uint32_t	len;
	int		s, t;

	rt_env();
	if (rt_open(&p, 0) == -1) {
		ok(0, "relay_open: %s", relay_last_error());
		return (done_testing());
	}
	ok(relay_set_pckt(p.fd, 1) == 0, "pckt on");
	s = rt_subsid(&p, 0);
	write(s, "hi", 2);
	t = frame(p.fd, buf, sizeof(buf), &len);
	ok(t == XP_M_DATA && len == 2 && memcmp(buf, "hi", 2) == 0,
	    "data arrives as M_DATA");
	tcflush(s, TCIFLUSH);
	t = frame(p.fd, buf, sizeof(buf), &len);
	ok(t == XP_M_FLUSH && len == 1 && buf[0] == XP_FLUSHR,
	    "subsidiary's input flush: M_FLUSH FLUSHR");
	tcflush(s, TCOFLUSH);
	t = frame(p.fd, buf, sizeof(buf), &len);
	ok(t == XP_M_FLUSH && len == 1 && buf[0] == XP_FLUSHW,
	    "subsidiary's output flush: M_FLUSH FLUSHW");
	tcflow(s, TCOOFF);
	t = frame(p.fd, buf, sizeof(buf), &len);
	ok(t == XP_M_STOP && len == 0, "output stopped: M_STOP");
	tcflow(s, TCOON);
	t = frame(p.fd, buf, sizeof(buf), &len);
	ok(t == XP_M_START && len == 0, "output restarted: M_START");
	write(s, "x", 1);
	ok(relay_event(p.ptyno, s, XP_M_IOCTL, "iocb", 4) == 0,
	    "inject an M_IOCTL");
	write(s, "y", 1);
	t = frame(p.fd, buf, sizeof(buf), &len);
	ok(t == XP_M_DATA && len == 1 && buf[0] == 'x', "data before it");
	t = frame(p.fd, buf, sizeof(buf), &len);
	ok(t == XP_M_IOCTL && len == 4 && memcmp(buf, "iocb", 4) == 0,
	    "then the M_IOCTL");
	t = frame(p.fd, buf, sizeof(buf), &len);
	ok(t == XP_M_DATA && len == 1 && buf[0] == 'y', "then data after it");
	close(s);
	t = frame(p.fd, buf, sizeof(buf), &len);
	ok(t == XP_M_DATA && len == 0, "last close: zero-length M_DATA");
	fcntl(p.fd, F_SETFL, O_RDWR | O_NONBLOCK);
	ok(read(p.fd, buf, 1) == -1 && errno == EAGAIN,
	    "the connection stays, nothing more to read");
	fcntl(p.fd, F_SETFL, O_RDWR);
	s = rt_subsid(&p, 0);
	write(s, "z", 1);
	t = frame(p.fd, buf, sizeof(buf), &len);
	ok(t == XP_M_DATA && len == 1 && buf[0] == 'z', "reopened: data again");
	ok(relay_zero_write(p.ptyno, s) == 0, "zero write in pckt mode");
	t = frame(p.fd, buf, sizeof(buf), &len);
	ok(t == XP_M_DATA && len == 0, "... is a zero-length M_DATA");
	ok(relay_set_pckt(p.fd, 0) == 0, "pckt off");
	write(s, "raw", 3);
	ok(rt_readn(p.fd, buf, 3, 2000) == 3 && memcmp(buf, "raw", 3) == 0,
	    "plain bytes again");
	close(s);
	rt_close(&p);
	rt_cleanup();
	return (done_testing());
}
