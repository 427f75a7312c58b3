/*
 * cmsg.h - descriptors passed with SCM_RIGHTS, as both ends of the
 * protocol (lib/relay.c, daemon/server.c) attach and collect them.
 *
 * Theory of operation.  A request or reply carries its descriptors in one
 * SCM_RIGHTS control message attached to its bytes.  xp_cmsg_put fills
 * msg's control part for nfd descriptors; xp_cmsg_get walks what a
 * recvmsg brought, gives the first max descriptors to the caller (who
 * owns them from then on) and closes the rest with closefn (the kernel
 * installed them in this process: nobody else will), so a peer that sends
 * too many leaks nothing.  Static inline, no state, no allocation.
 */
#ifndef XPTY_CMSG_H
#define XPTY_CMSG_H

#include <sys/types.h>
#include <sys/socket.h>
#include <string.h>

/* Control buffer space for n descriptors. */
#define XP_CMSG_SPACE(n)	CMSG_SPACE(sizeof(int) * (size_t)(n))

/* Attach nfd (> 0) descriptors to msg, in cbuf (XP_CMSG_SPACE(nfd) bytes). */
static inline void
xp_cmsg_put(struct msghdr *msg, void *cbuf, const int *fds, int nfd)
{
	struct cmsghdr	*cmh;

	memset(cbuf, 0, XP_CMSG_SPACE(nfd));
	msg->msg_control = cbuf;
	msg->msg_controllen = XP_CMSG_SPACE(nfd);
	cmh = CMSG_FIRSTHDR(msg);
	cmh->cmsg_level = SOL_SOCKET;
	cmh->cmsg_type = SCM_RIGHTS;
	cmh->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfd);
	memcpy(CMSG_DATA(cmh), fds, sizeof(int) * (size_t)nfd);
}

/*
 * The descriptors msg brought: the first max into fds, the others closed
 * with closefn.  Returns how many went into fds; *all is how many came.
 */
static inline int
xp_cmsg_get(struct msghdr *msg, int *fds, int max, int (*closefn)(int),
    int *all)
{
	struct cmsghdr	*cmh;
	size_t		 i, nfd;
	int		 fd, got = 0;

	*all = 0;
	for (cmh = CMSG_FIRSTHDR(msg); cmh != NULL;
	    cmh = CMSG_NXTHDR(msg, cmh)) {
		if (cmh->cmsg_level != SOL_SOCKET ||
		    cmh->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cmh->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			memcpy(&fd, CMSG_DATA(cmh) + i * sizeof(int),
			    sizeof(fd));
			(*all)++;
			if (got < max)
				fds[got++] = fd;
			else
				(void)closefn(fd);
		}
	}
	return (got);
}

#endif /* XPTY_CMSG_H */
