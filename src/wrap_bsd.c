/*
 * wrap_bsd.c - src/wrap_host.h on FreeBSD, NetBSD and macOS.
 *   self        sysctl KERN_PROC_PATHNAME (FreeBSD; NetBSD under
 *               KERN_PROC_ARGS); macOS _NSGetExecutablePath
 *   strips      macOS: System Integrity Protection removes every DYLD_
 *               variable when a protected program runs (/System, /bin,
 *               /sbin, /usr but /usr/local); programs signed with the
 *               hardened runtime lose it too, which a path cannot tell.
 *               The BSDs drop LD_PRELOAD only for set-ID programs
 *               (xpty.c checks those).
 *   mapped      FreeBSD sysctl KERN_PROC_VMMAP (packed kinfo_vmentry
 *               records); NetBSD sysctl VM_PROC_MAP (an array of them);
 *               macOS proc_pidinfo(PROC_PIDREGIONPATHINFO), region by
 *               region
 *   notice      no abstract names: a datagram socket bound to
 *               RUNDIR/xpty-watch.PID.RANDOM in the 0700 socket
 *               directory (common/sockpath.h), where lib/host_bsd_os.c's
 *               host_local_dgram sends.  Only our own uid (and root) can
 *               reach a socket in that directory, which stands in for
 *               the sender's credentials (macOS has none for datagrams);
 *               the path is unlinked when the watcher is done.
 *   proc watch  a kqueue with EVFILT_PROC NOTE_EXIT for the process
 * No state.  Descriptors made here (the notice socket, the process
 * watch's kqueue) belong to the caller, src/xpty.c's watcher; a file
 * opened to be read is closed before returning.  Cross-built for FreeBSD
 * 14, NetBSD 10 and macOS; not yet run there.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/event.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysctl.h>
#include <sys/time.h>
#include <sys/un.h>
#ifdef __FreeBSD__
#include <sys/user.h>
#endif
#ifdef __APPLE__
#include <sys/random.h>		/* getentropy */
#include <libproc.h>
#include <mach-o/dyld.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockpath.h"
#include "wrap_host.h"

#define NOTICE_STEM	"xpty-watch."

int
wrap_self_path(char *buf, size_t len)
{
#ifdef __APPLE__
	char		raw[PATH_MAX];
	uint32_t	n = sizeof(raw);

	if (_NSGetExecutablePath(raw, &n) != 0 || len < PATH_MAX ||
	    realpath(raw, buf) == NULL)
		return (-1);
	return (0);
#else
#ifdef __FreeBSD__
	int	mib[4] = { CTL_KERN, KERN_PROC, KERN_PROC_PATHNAME, -1 };
#else
	int	mib[4] = { CTL_KERN, KERN_PROC_ARGS, -1, KERN_PROC_PATHNAME };
#endif
	size_t	n = len;

	if (sysctl(mib, 4, buf, &n, NULL, 0) == -1 || n == 0)
		return (-1);
	buf[len - 1] = '\0';
	return (0);
#endif
}

const char *
wrap_exec_strips(const char *path)
{
#ifdef __APPLE__
	static const char *const protected[] = {
		"/System/", "/bin/", "/sbin/", "/usr/", NULL
	};
	char	real[PATH_MAX];
	int	i;

	if (realpath(path, real) == NULL)
		return (NULL);
	if (strncmp(real, "/usr/local/", 11) == 0)
		return (NULL);
	for (i = 0; protected[i] != NULL; i++)
		if (strncmp(real, protected[i], strlen(protected[i])) == 0)
			return ("is protected by System Integrity Protection");
	return (NULL);
#else
	(void)path;
	return (NULL);
#endif
}

/* Does the region path p name lib (as given or resolved)? */
static int
names_lib(const char *p, const char *lib, const char *real)
{
	return (strcmp(p, lib) == 0 || strcmp(p, real) == 0);
}

#if defined(__APPLE__)
static int
mapped(pid_t pid, const char *lib, const char *real)
{
	struct proc_regionwithpathinfo	ri;
	uint64_t			addr = 0;
	int				n, regions = 0;

	for (;;) {
		n = proc_pidinfo(pid, PROC_PIDREGIONPATHINFO, addr, &ri,
		    (int)sizeof(ri));
		if (n != (int)sizeof(ri))
			break;
		regions++;
		if (names_lib(ri.prp_vip.vip_path, lib, real))
			return (1);
		addr = ri.prp_prinfo.pri_address + ri.prp_prinfo.pri_size;
	}
	return (regions == 0 ? -1 : 0);
}
#elif defined(__FreeBSD__)
static int
mapped(pid_t pid, const char *lib, const char *real)
{
	int			 mib[4] = { CTL_KERN, KERN_PROC, KERN_PROC_VMMAP,
				    (int)pid };
	struct kinfo_vmentry	*kve;
	char			*buf, *p;
	size_t			 len = 0;
	int			 found = 0;

	if (sysctl(mib, 4, NULL, &len, NULL, 0) == -1 || len == 0)
		return (-1);
	len += len / 4;
	if ((buf = malloc(len)) == NULL)
		return (-1);
	if (sysctl(mib, 4, buf, &len, NULL, 0) == -1) {
		free(buf);
		return (-1);
	}
	for (p = buf; p < buf + len && !found; p += kve->kve_structsize) {
		kve = (struct kinfo_vmentry *)(void *)p;
		if (kve->kve_structsize <= 0)
			break;
		found = names_lib(kve->kve_path, lib, real);
	}
	free(buf);
	return (found);
}
#else
static int
mapped(pid_t pid, const char *lib, const char *real)
{
	int			 mib[5] = { CTL_VM, VM_PROC, VM_PROC_MAP,
				    (int)pid, (int)sizeof(struct kinfo_vmentry) };
	struct kinfo_vmentry	*kve;
	size_t			 len = 0, i;
	int			 found = 0;

	if (sysctl(mib, 5, NULL, &len, NULL, 0) == -1 || len == 0)
		return (-1);
	len += len / 4;
	if ((kve = malloc(len)) == NULL)
		return (-1);
	if (sysctl(mib, 5, kve, &len, NULL, 0) == -1) {
		free(kve);
		return (-1);
	}
	for (i = 0; i < len / sizeof(*kve) && !found; i++)
		found = names_lib(kve[i].kve_path, lib, real);
	free(kve);
	return (found);
}
#endif

int
wrap_lib_mapped(pid_t pid, const char *lib)
{
	char	real[PATH_MAX];

	if (realpath(lib, real) == NULL)
		strlcpy(real, lib, sizeof(real));
	return (mapped(pid, lib, real));
}

void
wrap_closefrom(int fd)
{
#ifdef __APPLE__
	int	top = getdtablesize();

	for (; fd < top; fd++)
		(void)close(fd);
#else
	closefrom(fd);
#endif
}

/* RUNDIR/name into sun; the directory made 0700 and checked. */
static int
notice_addr(struct sockaddr_un *sun, const char *name)
{
	char	dir[sizeof(sun->sun_path)], canon[sizeof(sun->sun_path)];
	char	why[256];

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (xp_rundir(dir, sizeof(dir)) == -1 ||
	    xp_checkdir(dir, canon, sizeof(canon), 1, why, sizeof(why)) == -1)
		return (-1);
	if (snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s", canon,
	    name) >= (int)sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (0);
}

int
wrap_notice_open(char *name, size_t len)
{
	struct sockaddr_un	sun;
	unsigned char		rnd[8];
	int			fd, nfd, n;
	size_t			i;

	if (getentropy(rnd, sizeof(rnd)) == -1)
		return (-1);
	n = snprintf(name, len, NOTICE_STEM "%ld.", (long)getpid());
	for (i = 0; i < sizeof(rnd) && n > 0 && (size_t)n + 2 < len; i++)
		n += snprintf(name + n, len - n, "%02x", rnd[i]);
	if (n <= 0 || (size_t)n + 1 >= len || notice_addr(&sun, name) == -1)
		return (-1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1)
		return (-1);
	if (bind(fd, (struct sockaddr *)&sun, (socklen_t)SUN_LEN(&sun)) == -1 ||
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
	ssize_t	n;

	if ((n = recv(sock, text, len - 1, MSG_DONTWAIT)) <= 0)
		return (n == -1 && errno != EAGAIN && errno != EINTR ? -1 : 0);
	text[n] = '\0';
	return (1);		/* the 0700 directory let only us send */
}

void
wrap_notice_done(const char *name)
{
	struct sockaddr_un	sun;

	if (notice_addr(&sun, name) == 0)
		(void)unlink(sun.sun_path);
}

int
wrap_proc_watch(pid_t pid)
{
	struct kevent	kev;
	struct timespec	zero = { 0, 0 };
	int		kq;

	if ((kq = kqueue()) == -1)
		return (-1);
	memset(&kev, 0, sizeof(kev));
	kev.ident = (uintptr_t)pid;
	kev.filter = EVFILT_PROC;
	kev.flags = EV_ADD;
	kev.fflags = NOTE_EXIT;
	if (kevent(kq, &kev, 1, NULL, 0, &zero) == -1) {
		close(kq);
		return (-1);
	}
	return (kq);
}
