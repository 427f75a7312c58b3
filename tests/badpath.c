/*
 * badpath.c - the open family given paths that cannot be read, or that
 * end on the last byte of a page, behaves exactly as libc does: EFAULT,
 * ENOENT or a descriptor, never a crash (issue 11, D5), in svr4 and in
 * native mode.  Each call runs in a child, so that a fault is seen as a
 * signal rather than ending the test.  A page-end path that does name
 * /dev/ptmx or /dev/pts/N still opens an SVR4 pty.  Paths at the end of
 * the program's read-only data, and just past it (where libxpty stops
 * reading without a probe, lib/readable.c), get what the kernel gives
 * them.
 */
#include <sys/mman.h>
#include <sys/syscall.h>

#include "xtest.h"

/* glibc's checking forms (no mode argument); libxpty defines them too */
extern int __open_2(const char *, int);
extern int __open64_2(const char *, int);
extern int __openat_2(int, const char *, int);
extern int __openat64_2(int, const char *, int);

static char *page;		/* a page followed by an inaccessible one */
static char *gone;		/* a page that is no longer mapped */

/* s copied so that its last byte (len bytes of it) ends the page. */
static char *
at_edge(const char *s, size_t len)
{
	char	*p = page + 4096 - len;

	memcpy(p, s, len);
	return (p);
}

enum expect { E_FD, E_STREAM, E_ERR, E_KERNEL };

struct kase {
	const char	*what;
	int		 how;		/* 0 open, 1 open64, 2 openat, 3..6 __*_2 */
	const char	*s;		/* NULL: the pointer is p itself */
	size_t		 len;		/* bytes copied to the page's end */
	const char	*p;
	int		 flags;
	enum expect	 expect;
	int		 err;
};

static int
call(const struct kase *k, const char *p)
{
	switch (k->how) {
	case 0:
		return (open(p, k->flags));
	case 1:
		return (open64(p, k->flags));
	case 2:
		return (openat(AT_FDCWD, p, k->flags));
	case 3:
		return (__open_2(p, k->flags));
	case 4:
		return (__open64_2(p, k->flags));
	case 5:
		return (__openat_2(AT_FDCWD, p, k->flags));
	default:
		return (__openat64_2(AT_FDCWD, p, k->flags));
	}
}

/* Run one case in a child: "fd", "stream", an errno, or a signal. */
static void
run(const struct kase *k, int svr4)
{
	int		 pfd[2], st, r[2] = { -2, 0 };
	const char	*p;
	pid_t		 pid;

	if (pipe(pfd) == -1)
		return;
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		if (!svr4)
			xpty_setmode(XPTY_NATIVE);
		p = k->s != NULL ? at_edge(k->s, k->len) : k->p;
		alarm(10);
		errno = 0;
		r[0] = call(k, p);
		r[1] = errno;
		if (r[0] >= 0)
			r[1] = isastream(r[0]) == 1;
		write(pfd[1], r, sizeof(r));
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], r, sizeof(r)) != sizeof(r))
		r[0] = -2;
	close(pfd[0]);
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st) || r[0] == -2) {
		ok(0, "%s (%s mode): no signal (got %s)", k->what,
		    svr4 ? "svr4" : "native",
		    WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "no result");
		return;
	}
	switch (k->expect) {
	case E_FD:
		ok(r[0] >= 0, "%s (%s mode): a descriptor", k->what,
		    svr4 ? "svr4" : "native");
		break;
	case E_STREAM:
		ok(r[0] >= 0 && r[1] == svr4, "%s (%s mode): a %s", k->what,
		    svr4 ? "svr4" : "native", svr4 ? "stream" : "native pty");
		break;
	case E_ERR:
		if (!ok(r[0] == -1 && r[1] == k->err, "%s (%s mode): %s",
		    k->what, svr4 ? "svr4" : "native", strerror(k->err)))
			diag("got %d, errno %s", r[0], strerror(r[1]));
		break;
	case E_KERNEL:		/* k->err: the kernel's errno, 0 for a descriptor */
		if (!ok(k->err == 0 ? r[0] >= 0 : r[0] == -1 && r[1] == k->err,
		    "%s (%s mode): as the kernel (%s)", k->what,
		    svr4 ? "svr4" : "native", k->err ? strerror(k->err) : "a descriptor"))
			diag("got %d, errno %s", r[0], strerror(r[1]));
		break;
	}
}

/* Paths from the last bytes of the program's read-only data on. */
static void
run_segment_end(void)
{
	static const int	 back[] = { 3, 1, 0 };
	struct kase		 k;
	uintptr_t		 end = xt_ro_end();
	char			 what[96];
	size_t			 i;
	int			 svr4, fd;

	if (end == 0) {
		skip("no read-only segment found");
		return;
	}
	for (i = 0; i < sizeof(back) / sizeof(back[0]); i++) {
		memset(&k, 0, sizeof(k));
		snprintf(what, sizeof(what), "open(%d bytes before the end of "
		    "the program's read-only data)", back[i]);
		k.what = what;
		k.p = (const char *)(end - (uintptr_t)back[i]);
		k.flags = O_RDONLY;
		k.expect = E_KERNEL;
		errno = 0;
		fd = (int)syscall(SYS_openat, AT_FDCWD, k.p, O_RDONLY);
		k.err = fd >= 0 ? 0 : errno;
		if (fd >= 0)
			close(fd);
		for (svr4 = 1; svr4 >= 0; svr4--)
			run(&k, svr4);
	}
}

int
main(int argc, char **argv)
{
	struct kase	cases[] = {
		{ "open((char *)1)", 0, NULL, 0, (char *)1, O_RDONLY, E_ERR, EFAULT },
		{ "open64((char *)1)", 1, NULL, 0, (char *)1, O_RDONLY, E_ERR, EFAULT },
		{ "openat(AT_FDCWD, (char *)16)", 2, NULL, 0, (char *)16, O_RDONLY, E_ERR, EFAULT },
		{ "__open_2((char *)1)", 3, NULL, 0, (char *)1, O_RDONLY, E_ERR, EFAULT },
		{ "__open64_2(unmapped page)", 4, NULL, 0, NULL, O_RDONLY, E_ERR, EFAULT },
		{ "__openat_2(unmapped page)", 5, NULL, 0, NULL, O_RDONLY, E_ERR, EFAULT },
		{ "__openat64_2(NULL)", 6, NULL, 0, NULL, O_RDONLY, E_ERR, EFAULT },
		{ "open(unmapped page)", 0, NULL, 0, NULL, O_RDONLY, E_ERR, EFAULT },
		{ "open(\"/d\" ending the page)", 0, "/d", 3, NULL, O_RDONLY, E_ERR, ENOENT },
		{ "open(\"/nonexistent-d5\" ending the page)", 0, "/nonexistent-d5", 16, NULL, O_RDONLY, E_ERR, ENOENT },
		{ "open(\"/dev\" ending the page)", 0, "/dev", 5, NULL, O_RDONLY, E_FD, 0 },
		{ "open(\"/dev/pt\" ending the page)", 0, "/dev/pt", 8, NULL, O_RDONLY, E_ERR, ENOENT },
		{ "open(\"/dev/ptmx\" unterminated at the page end)", 0, "/dev/ptmx", 9, NULL, O_RDWR | O_NOCTTY, E_ERR, EFAULT },
		{ "open(\"/dev/pts/\" unterminated at the page end)", 0, "/dev/pts/", 9, NULL, O_RDWR | O_NOCTTY, E_ERR, EFAULT },
		{ "open(\"/dev/pts/7\" unterminated at the page end)", 0, "/dev/pts/7", 10, NULL, O_RDWR | O_NOCTTY, E_ERR, EFAULT },
		{ "openat(\"/dev/pts/ptmx\" unterminated)", 2, "/dev/pts/ptmx", 13, NULL, O_RDWR | O_NOCTTY, E_ERR, EFAULT },
		{ "open(\"/dev/ptmx\" ending the page)", 0, "/dev/ptmx", 10, NULL, O_RDWR | O_NOCTTY, E_STREAM, 0 },
		{ "__open64_2(\"/dev/pts/ptmx\" ending the page)", 4, "/dev/pts/ptmx", 14, NULL, O_RDWR | O_NOCTTY, E_STREAM, 0 },
	};
	size_t		i;
	int		svr4;

	xt_init(argc, argv);
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || gone == MAP_FAILED ||
	    mprotect(page + 4096, 4096, PROT_NONE) == -1)
		skip_all("mmap: %s", strerror(errno));
	strcpy(gone, "/dev/ptmx");
	munmap(gone, 4096);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cases[i].s == NULL && cases[i].p == NULL &&
		    strstr(cases[i].what, "unmapped") != NULL)
			cases[i].p = gone + 5;
	for (svr4 = 1; svr4 >= 0; svr4--)
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			run(&cases[i], svr4);
	run_segment_end();
	return (done_testing());
}
