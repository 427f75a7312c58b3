/*
 * sys.c - raw system calls for libxpty's own use.
 *
 * The library's internal operations (bookkeeping ioctls, private
 * descriptors, termios state) go straight to the kernel through syscall(2)
 * so that they can never re-enter an interposed wrapper, never allocate,
 * work before symbol resolution has finished, and are async-signal-safe.
 * No state; errno is whatever the kernel says.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <unistd.h>

#include "internal.h"

int
xsys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

int
xsys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

int
xsys_ioctl(int fd, unsigned long req, void *arg)
{
	return (int)syscall(SYS_ioctl, fd, req, arg);
}

ssize_t
xsys_read(int fd, void *buf, size_t len)
{
	return syscall(SYS_read, fd, buf, len);
}

ssize_t
xsys_write(int fd, const void *buf, size_t len)
{
	return syscall(SYS_write, fd, buf, len);
}

int
xsys_fcntl(int fd, int cmd, long arg)
{
	return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

int
xsys_dup3(int oldfd, int newfd, int flags)
{
	return (int)syscall(SYS_dup3, oldfd, newfd, flags);
}

int
xsys_fstat(int fd, struct stat *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}

int
xsys_tcget(int fd, struct kterm *t)
{
	return xsys_ioctl(fd, TCGETS, t);
}

int
xsys_tcset(int fd, unsigned long how, const struct kterm *t)
{
	return xsys_ioctl(fd, how, (void *)t);
}
