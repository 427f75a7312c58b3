/*
 * pktstat.h - a host's packet-mode status as pckt messages, written once
 * for both engines: lib/pckt.c (direct) and daemon/pty.c (relay).
 *
 * Theory of operation.  A read of a manager in packet mode may return a
 * status byte alone, which host_pkt_status (lib/host.h) decodes into
 * HOST_PKT_* bits; one status may carry several events.  illumos's pckt
 * shows each as its own message, in this order: M_FLUSH (its one data
 * byte FLUSHR and/or FLUSHW, in the subsidiary's own view), M_STOP,
 * M_START, and M_IOCTL for a termios change (the caller builds its
 * payload from the termios now in force).  xp_status_next takes the next
 * event off *status and returns its message type (common/proto.h's
 * XP_M_*, the STREAMS numbers), or -1 when none is left.  Static inline,
 * no state.
 */
#ifndef XPTY_PKTSTAT_H
#define XPTY_PKTSTAT_H

#include <stdint.h>

#include "proto.h"
#include "host.h"

static inline int
xp_status_next(int *status, uint8_t *flush)
{
	if (*status & (HOST_PKT_FLUSHR | HOST_PKT_FLUSHW)) {
		*flush = ((*status & HOST_PKT_FLUSHR) ? XP_FLUSHR : 0) |
		    ((*status & HOST_PKT_FLUSHW) ? XP_FLUSHW : 0);
		*status &= ~(HOST_PKT_FLUSHR | HOST_PKT_FLUSHW);
		return (XP_M_FLUSH);
	}
	if (*status & HOST_PKT_STOP) {
		*status &= ~HOST_PKT_STOP;
		return (XP_M_STOP);
	}
	if (*status & HOST_PKT_START) {
		*status &= ~HOST_PKT_START;
		return (XP_M_START);
	}
	if (*status & HOST_PKT_TERMIOS) {
		*status &= ~HOST_PKT_TERMIOS;
		return (XP_M_IOCTL);
	}
	*status = 0;
	return (-1);
}

#endif /* XPTY_PKTSTAT_H */
