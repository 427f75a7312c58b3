/*
 * host_nolock.c - lib/host.h's lock operations for a host whose kernel
 * has no pty lock (FreeBSD, NetBSD, and host_bsdimit.c, which imitates
 * them): the generic code emulates the lock (no HOST_CAP_LOCK), so the
 * kernel is never asked to lock, never says whether it is locked, and
 * never refuses an open because of a lock.
 *
 * No state, no descriptors, no system calls.
 */
#include "config.h"

#include <errno.h>

#include "host.h"

int
host_set_lock(int mfd, int locked)
{
	(void)mfd;
	(void)locked;
	errno = ENOSYS;
	return (-1);
}

int
host_is_locked(int mfd)
{
	(void)mfd;
	errno = ENOSYS;
	return (-1);
}

int
host_open_locked_errno(int e)
{
	(void)e;
	return (0);		/* the kernel never refuses: nothing is locked */
}
