/*
 * stub_sys.c - the raw system calls lib/relay.c takes from lib/sys.c,
 * for tests that compile relay.c on its own.  Plain syscall(2) wrappers,
 * fdtable.c's registry of private descriptors, which has nothing to
 * protect here, and epoll_follow.c, which has nothing to follow (these
 * tests make no epoll instance).
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <unistd.h>

#include "relay.h"

int
xsys_openat(int dfd, const char *path, int fl, mode_t mode)
{
	return (int)syscall(SYS_openat, dfd, path, fl, mode);
}

int
xsys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

int
xsys_fcntl(int fd, int cmd, long arg)
{
	return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

int
xsys_dup3(int a, int b, int fl)
{
	return (int)syscall(SYS_dup3, a, b, fl);
}

int
xsys_fstat(int fd, struct stat *st)
{
	return fstat(fd, st);
}

int
xsys_ioctl(int fd, unsigned long req, void *arg)
{
	return (int)syscall(SYS_ioctl, fd, req, arg);
}

ssize_t
xsys_write(int fd, const void *buf, size_t n)
{
	return syscall(SYS_write, fd, buf, n);
}

void
xfd_set_private(int fd, int *owner)
{
	(void)fd;
	(void)owner;
}

void
epf_detach(int fd, struct epf *e)
{
	(void)fd;
	e->n = 0;
}

void
epf_attach(int fd, const struct epf *e)
{
	(void)fd;
	(void)e;
}
