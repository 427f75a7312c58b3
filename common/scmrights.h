/*
 * scmrights.h - descriptors passed over AF_UNIX sockets (SCM_RIGHTS),
 * packed and unpacked once for the library (lib/relay.c) and the daemon
 * (daemon/ctl.c).
 *
 * Theory of operation.  xp_cmsg_put attaches n descriptors to a message
 * about to be sent, in a control buffer the caller provides
 * (XP_CMSG_SPACE(n) bytes, aligned as a struct cmsghdr); the descriptors
 * stay the caller's.  xp_cmsg_take walks what recvmsg brought: every
 * SCM_RIGHTS descriptor is either kept, in the caller's array while it
 * has room, or closed at once (xsys_close, lib/sys.h), so that none is
 * ever leaked; once one had no room, all later ones are closed too.  It
 * returns how many were closed for want of room.  Kept descriptors are
 * the caller's to close.  Static inline, no state; async-signal-safe.
 */
#ifndef XPTY_SCMRIGHTS_H
#define XPTY_SCMRIGHTS_H

#include <sys/types.h>
#include <sys/socket.h>
#include <string.h>

#include "sys.h"

#define XP_CMSG_SPACE(n)	CMSG_SPACE(sizeof(int) * (n))

static inline void
xp_cmsg_put(struct msghdr *msg, void *buf, const int *fds, int n)
{
	struct cmsghdr	*cmh;
	size_t		 len = sizeof(int) * (size_t)n;

	if (n <= 0)
		return;
	memset(buf, 0, CMSG_SPACE(len));
	msg->msg_control = buf;
	msg->msg_controllen = CMSG_SPACE(len);
	cmh = CMSG_FIRSTHDR(msg);
	cmh->cmsg_level = SOL_SOCKET;
	cmh->cmsg_type = SCM_RIGHTS;
	cmh->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(cmh), fds, len);
}

static inline int
xp_cmsg_take(struct msghdr *msg, int *fds, int *n, int max)
{
	struct cmsghdr	*cmh;
	size_t		 i, nfd;
	int		 fd, over = 0;

	for (cmh = CMSG_FIRSTHDR(msg); cmh != NULL;
	    cmh = CMSG_NXTHDR(msg, cmh)) {
		if (cmh->cmsg_level != SOL_SOCKET ||
		    cmh->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cmh->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			memcpy(&fd, CMSG_DATA(cmh) + i * sizeof(int),
			    sizeof(fd));
			if (*n < max && over == 0)
				fds[(*n)++] = fd;
			else {
				xsys_close(fd);
				over++;
			}
		}
	}
	return (over);
}

#endif /* XPTY_SCMRIGHTS_H */
