/*
 * host_nowatch.c - lib/host.h's reopen watch for a host that has none
 * (NetBSD, macOS: no HOST_CAP_WATCH): a watch set cannot be made
 * (ENOSYS), and callers poll host_mgr_hup on a timer instead.  The other
 * operations are there for the signatures and do nothing.
 *
 * No state, no descriptors, no system calls.
 */
#include "config.h"

#include <errno.h>

#include "host.h"

int
host_watch_open(void)
{
	errno = ENOSYS;
	return (-1);
}

int
host_watch_add(int wfd, int ptyno)
{
	(void)wfd;
	(void)ptyno;
	errno = ENOSYS;
	return (-1);
}

void
host_watch_rm(int wfd, int id)
{
	(void)wfd;
	(void)id;
}

int
host_watch_take(int wfd, int *ids, int max)
{
	(void)wfd;
	(void)ids;
	(void)max;
	return (0);
}
