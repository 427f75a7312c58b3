/*
 * host_linux_epoll.c - lib/host.h's host_evreg_* on Linux: epoll
 * registrations of a relayed manager follow it when relay_reattach()
 * (lib/relay.c) puts the next connection under its descriptor number.
 *
 * Theory of operation.  An epoll(7) registration names a pair: the
 * descriptor number and the open file behind it at the time of
 * EPOLL_CTL_ADD.  A zero-length message ends the manager's socket and
 * relay_reattach() dup3()s the connection that follows onto the same
 * number; the registration stays with the old socket (the file is still
 * open in another process: it then reports EPOLLIN|EPOLLRDHUP forever) or
 * vanishes with it (its last reference went): either way an event loop
 * loses the manager.  So, around the dup3:
 *
 *   host_evreg_detach   finds every epoll instance of this process holding a
 *                registration of (fd, the old socket), notes its events
 *                and data, and deletes it (EPOLL_CTL_DEL names the old
 *                file through fd, so this must come before the dup3)
 *   host_evreg_attach   adds the same registrations again under fd, which
 *                is the new socket now (or the old one, if the dup3 failed)
 *
 * The kernel tells no process which epoll instances watch a file, so they
 * are found the way lsof does: every descriptor (host_fd_walk, in
 * host_linux_os.c) and a readlinkat of its /proc/self/fd entry, for
 * "anon_inode:[eventpoll]", then that instance's /proc/self/fdinfo/N, whose
 * lines
 *
 *     tfd:        5 events:       19 data: 7f00000005  pos:0 ino:7aeea1 sdev:9
 *
 * give the target's number, its event mask (with EPOLLET, EPOLLONESHOT,
 * EPOLLEXCLUSIVE and EPOLLWAKEUP as set), the user's data and the inode
 * (hex) of the target file, compared with the old socket's st_ino so that
 * a stale registration of another file once at fd is not taken.  fdinfo
 * is read in chunks into a stack buffer and cut into lines (a line may
 * straddle two chunks); at most EPF_INFO_MAX bytes of one instance are
 * read, HOST_EVREG_MAX instances are moved.  An EPOLLONESHOT registration that
 * has fired shows only its private bits (EPOLLONESHOT, EPOLLET...): it is
 * added back so, and the application can still rearm it with
 * EPOLL_CTL_MOD; the kernel adds EPOLLERR|EPOLLHUP to every
 * EPOLL_CTL_ADD, so such an item is armed for those two (which a fresh
 * connection does not raise while the daemon lives).  Between the two
 * steps the registration is absent: another thread's epoll_ctl() on it
 * fails with ENOENT then, and epoll_wait() loses nothing (EPOLL_CTL_ADD
 * polls the new socket at once, so data already there is reported).
 *
 * All of this costs a system call per open descriptor, so it happens only
 * in a process that has made an epoll instance: the interposed epoll_create
 * and epoll_create1 (here, since only Linux has them: they only note it and
 * call libc's) call host_evreg_note(), and host_evreg_detach() does nothing
 * until then.  An instance inherited across execve(2), or made with a
 * direct system call, is missed (the new image never called epoll_create);
 * so is one shared with another process, as far as that process's own
 * descriptor numbers go (the registrations are moved for this process's fd;
 * another holder of the socket moves its own when it reads 0).
 *
 * epoll_ctl is interposed too, for host_evreg_watch: a descriptor added
 * to an instance is told to the watcher (the lease engine, which then
 * reads that manager through its socket: lib/engine_lease.c) before
 * libc's call; with no watcher it is one load and the call.
 *
 * Nothing here can fail the read that led to the reattach: on any error
 * the registrations found so far are put back or left as they were.  No
 * allocation, no stdio; raw system calls; errno preserved.  State: one
 * flag.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "sys.h"

#define EPF_INFO_MAX	(1024 * 1024)	/* bytes of one instance's fdinfo */
#define EPF_LINE	160		/* longer lines are not registrations */
#define EPF_MARK	"anon_inode:[eventpoll]"

static atomic_int evreg_used;	/* this image has made an epoll instance */

void
host_evreg_note(void)
{
	atomic_store_explicit(&evreg_used, 1, memory_order_relaxed);
}

/* ---- interposers: epoll is noted, then libc's is called ---- */

#define EPF_EXPORT	__attribute__((visibility("default")))

typedef int epf_create_fn(int);
typedef int epf_ctl_fn(int, int, int, struct epoll_event *);

static void (*_Atomic evreg_added)(int);	/* host_evreg_watch's fn */

/*
 * libc's definition of an epoll name, looked up on first use; threads
 * that race store the same pointer (atomic builtins make the race
 * defined).  The caller casts it to the name's type.
 */
static void *
epf_next(void **cache, const char *name)
{
	void	*fn;

	if ((fn = __atomic_load_n(cache, __ATOMIC_RELAXED)) == NULL) {
		fn = dlsym(RTLD_NEXT, name);
		__atomic_store_n(cache, fn, __ATOMIC_RELAXED);
	}
	return (fn);
}

EPF_EXPORT int
epoll_create(int size)
{
	static void	*next;

	host_evreg_note();
	return (((epf_create_fn *)epf_next(&next, "epoll_create"))(size));
}

EPF_EXPORT int
epoll_create1(int flags)
{
	static void	*next;

	host_evreg_note();
	return (((epf_create_fn *)epf_next(&next, "epoll_create1"))(flags));
}

void
host_evreg_watch(void (*fn)(int))
{
	atomic_store_explicit(&evreg_added, fn, memory_order_relaxed);
}

/* A registration added is told to the watcher first (one load if none). */
EPF_EXPORT int
epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	static void	*next;
	void		(*fn)(int);
	int		 saved;

	if ((fn = atomic_load_explicit(&evreg_added,
	    memory_order_relaxed)) != NULL && op == EPOLL_CTL_ADD) {
		saved = errno;
		fn(fd);
		errno = saved;
	}
	return (((epf_ctl_fn *)epf_next(&next, "epoll_ctl"))(epfd, op, fd,
	    ev));
}

/* Parse an unsigned number in base 10 or 16 after optional blanks. */
static int
epf_number(const char *p, int base, uint64_t *v)
{
	int	d, n = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	for (*v = 0;; p++, n++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			break;
		*v = *v * (uint64_t)base + (uint64_t)d;
	}
	return (n > 0 ? 0 : -1);
}

/* The number after key in line, or -1. */
static int
epf_field(const char *line, const char *key, int base, uint64_t *v)
{
	const char	*p = strstr(line, key);

	if (p == NULL)
		return (-1);
	return (epf_number(p + strlen(key), base, v));
}

/* One fdinfo line: 1 if it registers (fd, ino), noting events and data. */
static int
epf_line(const char *line, int fd, uint64_t ino, struct host_evreg *r)
{
	uint64_t	tfd, ev, data, tino;

	if (strncmp(line, "tfd:", 4) != 0 ||
	    epf_number(line + 4, 10, &tfd) == -1 || tfd != (uint64_t)fd ||
	    epf_field(line, " ino:", 16, &tino) == -1 || tino != ino ||
	    epf_field(line, " events:", 16, &ev) == -1 ||
	    epf_field(line, " data:", 16, &data) == -1)
		return (0);
	r->events = (uint32_t)ev;
	r->data = data;
	return (1);
}

/*
 * Read an instance's fdinfo for the registration of (fd, ino): 1 and *r
 * filled if there is one, 0 if not (or the file could not be read).
 */
static int
epf_scan(int infofd, int fd, uint64_t ino, struct host_evreg *r)
{
	char	chunk[512], line[EPF_LINE];
	size_t	len = 0, total = 0;
	ssize_t	n, i;
	int	skip = 0;

	while (total < EPF_INFO_MAX &&
	    (n = xsys_read(infofd, chunk, sizeof(chunk))) > 0) {
		total += (size_t)n;
		for (i = 0; i < n; i++) {
			if (chunk[i] != '\n') {
				if (len < sizeof(line) - 1)
					line[len++] = chunk[i];
				else
					skip = 1;
				continue;
			}
			line[len] = '\0';
			if (!skip && epf_line(line, fd, ino, r))
				return (1);
			len = 0;
			skip = 0;
		}
	}
	return (0);
}

/* The decimal form of fd in buf (at least 12 bytes). */
static void
epf_name(int fd, char *buf)
{
	char	tmp[12], *p = tmp + sizeof(tmp);
	size_t	n;

	do {
		*--p = (char)('0' + fd % 10);
		fd /= 10;
	} while (fd != 0);
	n = (size_t)(tmp + sizeof(tmp) - p);
	memcpy(buf, p, n);
	buf[n] = '\0';
}

/* Is descriptor name (of /proc/self/fd, dirfd) an epoll instance? */
static int
epf_is_epoll(int dirfd, const char *name)
{
	char	link[sizeof(EPF_MARK)];
	ssize_t	n;

	n = syscall(SYS_readlinkat, dirfd, name, link, sizeof(link));
	return (n == (ssize_t)sizeof(EPF_MARK) - 1 &&
	    memcmp(link, EPF_MARK, sizeof(EPF_MARK) - 1) == 0);
}

/* If epoll instance epfd (entry name) watches (fd, ino), move it aside. */
static void
epf_take(int infodir, const char *name, int epfd, int fd, uint64_t ino,
    struct host_evregs *e)
{
	struct epoll_event	 ev;
	struct host_evreg	*r = &e->reg[e->n];
	int			 infofd, found;

	infofd = xsys_openat(infodir, name, O_RDONLY | O_CLOEXEC, 0);
	if (infofd == -1)
		return;
	found = epf_scan(infofd, fd, ino, r);
	xsys_close(infofd);
	memset(&ev, 0, sizeof(ev));
	if (found && syscall(SYS_epoll_ctl, epfd, EPOLL_CTL_DEL, fd, &ev) == 0) {
		r->evfd = epfd;
		e->n++;
	}
}

/* One walk over this process's descriptors (host_fd_walk). */
struct epf_walk {
	int			 dirfd;		/* /proc/self/fd */
	int			 infodir;	/* /proc/self/fdinfo */
	int			 fd;		/* the descriptor that moves */
	uint64_t		 ino;		/* the file behind it now */
	struct host_evregs	*e;
};

static int
epf_visit(int num, void *arg)
{
	struct epf_walk	*w = arg;
	char		 name[12];

	if (num == w->dirfd || num == w->infodir || num == w->fd)
		return (0);
	epf_name(num, name);
	if (epf_is_epoll(w->dirfd, name))
		epf_take(w->infodir, name, num, w->fd, w->ino, w->e);
	return (w->e->n >= HOST_EVREG_MAX);
}

void
host_evreg_detach(int fd, struct host_evregs *e)
{
	struct stat	st;
	struct epf_walk	w;
	int		saved = errno;

	e->n = 0;
	if (!atomic_load_explicit(&evreg_used, memory_order_relaxed) ||
	    xsys_fstat(fd, &st) == -1)
		goto out;
	w.e = e;
	w.fd = fd;
	w.ino = (uint64_t)st.st_ino;
	w.dirfd = xsys_openat(AT_FDCWD, "/proc/self/fd",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (w.dirfd == -1)
		goto out;
	w.infodir = xsys_openat(AT_FDCWD, "/proc/self/fdinfo",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (w.infodir != -1) {
		(void)host_fd_walk(epf_visit, &w);
		xsys_close(w.infodir);
	}
	xsys_close(w.dirfd);
out:
	errno = saved;
}

void
host_evreg_attach(int fd, const struct host_evregs *e)
{
	struct epoll_event	ev;
	int			i, saved = errno;

	for (i = 0; i < e->n; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.events = e->reg[i].events;
		ev.data.u64 = e->reg[i].data;
		(void)syscall(SYS_epoll_ctl, e->reg[i].evfd, EPOLL_CTL_ADD, fd,
		    &ev);
	}
	errno = saved;
}
