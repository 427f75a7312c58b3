/*
 * wrap_linux.c - src/wrap_host.h on Linux.
 *   self        /proc/self/exe
 *   strips      file capabilities (security.capability): secure
 *               execution, in which ld.so ignores LD_PRELOAD
 *   mapped      /proc/PID/maps names the library's file
 *   notice      a datagram socket bound to an abstract name
 *               "xpty-watch/PID/RANDOM", with SO_PASSCRED: each datagram
 *               carries its sender's credentials (SCM_CREDENTIALS), and
 *               only our uid's count
 *   proc watch  pidfd_open(2)
 * No state.  Descriptors made here (the notice socket, the pidfd) belong
 * to the caller, src/xpty.c's watcher; a file opened to be read is
 * closed before returning.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wrap_host.h"

int
wrap_self_path(char *buf, size_t len)
{
	ssize_t	n;

	if (len == 0 || (n = readlink("/proc/self/exe", buf, len - 1)) <= 0)
		return (-1);
	buf[n] = '\0';
	return (0);
}

const char *
wrap_exec_strips(const char *path)
{
	if (getxattr(path, "security.capability", NULL, 0) > 0)
		return ("has file capabilities");
	return (NULL);
}

int
wrap_lib_mapped(pid_t pid, const char *lib)
{
	char		 path[64], real[PATH_MAX], *line = NULL;
	const char	*name = lib;
	size_t		 cap = 0;
	FILE		*fp;
	int		 found = 0, lines = 0;

	if (realpath(lib, real) != NULL)
		name = real;
	snprintf(path, sizeof(path), "/proc/%ld/maps", (long)pid);
	if ((fp = fopen(path, "re")) == NULL)
		return (-1);
	while (getline(&line, &cap, fp) != -1) {
		lines++;
		if (strstr(line, name) != NULL || strstr(line, lib) != NULL)
			found = 1;
	}
	free(line);
	fclose(fp);
	return (lines == 0 ? -1 : found);
}

void
wrap_closefrom(int fd)
{
	closefrom(fd);
}

int
wrap_notice_open(char *name, size_t len)
{
	struct sockaddr_un	sun;
	unsigned char		rnd[8];
	int			fd, nfd, on = 1, n;
	size_t			i;

	if (getentropy(rnd, sizeof(rnd)) == -1)
		return (-1);
	n = snprintf(name, len, "xpty-watch/%ld/", (long)getpid());
	for (i = 0; i < sizeof(rnd) && n > 0 && (size_t)n + 2 < len; i++)
		n += snprintf(name + n, len - n, "%02x", rnd[i]);
	if (n <= 0 || (size_t)n + 1 >= sizeof(sun.sun_path))
		return (-1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, name, (size_t)n);
	if (bind(fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct
	    sockaddr_un, sun_path) + 1 + n)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == -1 ||
	    (nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1) {
		close(fd);
		return (-1);
	}
	close(fd);
	return (nfd);
}

int
wrap_notice_recv(int sock, char *text, size_t len)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	struct ucred	 uc;
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(sizeof(struct ucred))];
	}		 cbuf;
	ssize_t		 n;
	int		 mine = 0;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = text;
	iov.iov_len = len - 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.b;
	msg.msg_controllen = sizeof(cbuf.b);
	if ((n = recvmsg(sock, &msg, MSG_DONTWAIT)) <= 0)
		return (n == -1 && errno != EAGAIN && errno != EINTR ? -1 : 0);
	text[n] = '\0';
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_CREDENTIALS)
			continue;
		memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
		mine = uc.uid == getuid();
	}
	return (mine);
}

void
wrap_notice_done(const char *name)
{
	(void)name;		/* an abstract name goes with its socket */
}

int
wrap_proc_watch(pid_t pid)
{
	return ((int)syscall(SYS_pidfd_open, pid, 0));
}
