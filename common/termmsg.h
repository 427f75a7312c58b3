/*
 * termmsg.h - the M_IOCTL message that pckt shows for a subsidiary's
 * termios change, built once for both engines: lib/pckt.c (direct) and
 * xptyd's pty.c (relay).
 *
 * Theory of operation.  A host may report only some termios changes in
 * packet mode (Linux: only IXON's, as DOSTOP/NOSTOP; host_pkt_status,
 * lib/host.h); on illumos ptem sends every TCSETS down and pckt shows it
 * as M_IOCTL.  So when the host reports one, the message is built from
 * the termios now in force: struct iocblk (ioc_cmd the host's set request,
 * KTERM_SET, as the program reading the messages was compiled with it),
 * then the termios in the libc layout (xsys_kterm_to_termios, lib/sys.h).
 * Static inline, no state.
 */
#ifndef XPTY_TERMMSG_H
#define XPTY_TERMMSG_H

#include <stdint.h>
#include <string.h>
#include <termios.h>

#include "xpty.h"		/* struct iocblk */
#include "sys.h"

#define XP_TERMIOS_MSGLEN	(sizeof(struct iocblk) + sizeof(struct termios))

/* Fill msg (XP_TERMIOS_MSGLEN bytes) from fd's termios; its length or -1. */
static inline int
xp_termios_msg(int fd, uint8_t *msg)
{
	struct iocblk	ioc;
	struct termios	t;
	struct kterm	k;

	if (xsys_tcget(fd, &k) == -1)
		return (-1);
	xsys_kterm_to_termios(&k, &t);
	memset(&ioc, 0, sizeof(ioc));
	ioc.ioc_cmd = (int)KTERM_SET;
	ioc.ioc_count = sizeof(t);
	memcpy(msg, &ioc, sizeof(ioc));
	memcpy(msg + sizeof(ioc), &t, sizeof(t));
	return ((int)XP_TERMIOS_MSGLEN);
}

#endif /* XPTY_TERMMSG_H */
