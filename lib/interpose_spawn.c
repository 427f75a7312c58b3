/*
 * interpose_spawn.c - the calls by which a descriptor can leave the
 * library's sight, so that a deferred manager (lib/defer.c) gets its
 * relay before it does: the exec family (execve, execv, execvp, execvpe,
 * execl, execle, execlp, fexecve, execveat), posix_spawn, posix_spawnp,
 * system, popen, vfork, _Fork, clone, sendmsg and sendmmsg (SCM_RIGHTS),
 * and the two that let libc itself reach the descriptor past the
 * interposed read and write: fdopen (stdio's reads and writes are libc's
 * internal ones) and writev.  fork runs forkgate.c's prepare handler,
 * which does the same; glibc's own system, popen and posix_spawn reach
 * the kernel through internal calls no interposer sees, hence each of
 * them here.
 *
 * Theory of operation: each entry promotes whatever this process has
 * deferred (defer_promote_all: one load while nothing is) and goes on to
 * the next definition with its arguments untouched; fdopen and writev
 * promote only their descriptor's stream.  The promotion reads no
 * caller memory, so a bad pointer reaches the kernel as it would have
 * (EFAULT).  vfork cannot be a C function: its child returns through the
 * caller's frame, so the entry is a few instructions of assembly that
 * call xpty_vfork_prepare (which promotes and returns the next vfork)
 * and jump to it with the caller's stack as it was.  Built on Linux for
 * x86_64 and aarch64 only (lib/Makefile.am, SYS_LINUX; lib/host_linux.c
 * sets HOST_CAP_DEFER for those), where deferral is used.
 *
 * No state of its own but the next definitions (looked up by name on
 * first use, lib/internal.h's NEXT_CACHED).  Exported unversioned with the
 * rest (lib/xpty.sym).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

#if (defined(__x86_64__) || defined(__aarch64__)) && !defined(XPTY_NO_DEFER)

extern char	**environ;

typedef int	execve_fn(const char *, char *const[], char *const[]);
typedef int	execvpe_fn(const char *, char *const[], char *const[]);
typedef int	fexecve_fn(int, char *const[], char *const[]);
typedef int	spawn_fn(pid_t *, const char *,
		    const posix_spawn_file_actions_t *,
		    const posix_spawnattr_t *, char *const[], char *const[]);

static struct {
	execve_fn	*execve;
	execvpe_fn	*execvpe;
	fexecve_fn	*fexecve;
	int		(*execveat)(int, const char *, char *const[],
			    char *const[], int);
	spawn_fn	*posix_spawn;
	spawn_fn	*posix_spawnp;
	int		(*system)(const char *);
	FILE		*(*popen)(const char *, const char *);
	FILE		*(*fdopen)(int, const char *);
	ssize_t		(*writev)(int, const struct iovec *, int);
	ssize_t		(*sendmsg)(int, const struct msghdr *, int);
	int		(*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
	pid_t		(*vfork)(void);
	pid_t		(*fork_)(void);
	int		(*clone)(int (*)(void *), void *, int, void *, ...);
} next_sp;

/* ---- the exec family ---- */

XPTY_EXPORT int
execve(const char *path, char *const argv[], char *const envp[])
{
	defer_promote_all();
	return (NEXT_CACHED(next_sp.execve, "execve")(path, argv, envp));
}

XPTY_EXPORT int
execv(const char *path, char *const argv[])
{
	defer_promote_all();
	return (NEXT_CACHED(next_sp.execve, "execve")(path, argv, environ));
}

XPTY_EXPORT int
execvpe(const char *file, char *const argv[], char *const envp[])
{
	defer_promote_all();
	return (NEXT_CACHED(next_sp.execvpe, "execvpe")(file, argv, envp));
}

XPTY_EXPORT int
execvp(const char *file, char *const argv[])
{
	defer_promote_all();
	return (NEXT_CACHED(next_sp.execvpe, "execvpe")(file, argv, environ));
}

XPTY_EXPORT int
fexecve(int fd, char *const argv[], char *const envp[])
{
	defer_promote_all();
	return (NEXT_CACHED(next_sp.fexecve, "fexecve")(fd, argv, envp));
}

XPTY_EXPORT int
execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
    int flags)
{
	defer_promote_all();
	if (NEXT_CACHED(next_sp.execveat, "execveat") == NULL) {
		errno = ENOSYS;		/* a libc without it */
		return (-1);
	}
	return (next_sp.execveat(dirfd, path, argv, envp, flags));
}

/*
 * The length of the list arg0, ... up to its NULL (ap is not consumed).
 * libc declares arg0 non-null, but a NULL there is an empty argv: the
 * test is made here, where arg0 is a plain argument.
 */
static __attribute__((noinline)) size_t
list_length(const char *arg0, va_list ap)
{
	va_list	 cp;
	size_t	 n = 1;

	if (arg0 == NULL)
		return (0);
	va_copy(cp, ap);
	while (va_arg(cp, char *) != NULL)
		n++;
	va_end(cp);
	return (n);
}

/* How exec_list goes on: execv, execvp, or execve with the list's envp. */
enum exec_kind { EXEC_PATH, EXEC_SEARCH, EXEC_ENV };

#define EXEC_ARGV_STACK	64	/* entries on the stack; more are mapped */

static int
exec_argv(enum exec_kind kind, const char *path, char **argv, char **envp)
{
	switch (kind) {
	case EXEC_SEARCH:
		return (execvp(path, argv));
	case EXEC_ENV:
		return (execve(path, argv, envp));
	default:
		return (execv(path, argv));
	}
}

/*
 * The list arg0, ..., NULL (then envp, for EXEC_ENV) from ap as an argv,
 * and the exec of kind it stands for.  A long list is built in memory
 * mapped for the call (bounded stack; no malloc in a preloaded library).
 */
static int
exec_list(enum exec_kind kind, const char *path, const char *arg0,
    va_list ap)
{
	size_t	  i, n = list_length(arg0, ap), sz = 0;
	char	 *small[EXEC_ARGV_STACK], **argv = small, **envp = NULL;
	int	  r, saved;

	if (n + 1 > EXEC_ARGV_STACK) {
		sz = (n + 1) * sizeof(char *);
		argv = mmap(NULL, sz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (argv == MAP_FAILED) {
			errno = E2BIG;
			return (-1);
		}
	}
	if (n > 0)
		argv[0] = (char *)arg0;
	for (i = 1; i < n; i++)
		argv[i] = va_arg(ap, char *);
	argv[n] = NULL;
	if (n > 0)
		(void)va_arg(ap, char *);	/* the NULL (or arg0 was it) */
	if (kind == EXEC_ENV)
		envp = va_arg(ap, char **);
	r = exec_argv(kind, path, argv, envp);
	saved = errno;
	if (sz > 0)
		munmap(argv, sz);
	errno = saved;
	return (r);
}

XPTY_EXPORT int
execl(const char *path, const char *arg0, ...)
{
	va_list	ap;
	int	r;

	va_start(ap, arg0);
	r = exec_list(EXEC_PATH, path, arg0, ap);
	va_end(ap);
	return (r);
}

XPTY_EXPORT int
execlp(const char *file, const char *arg0, ...)
{
	va_list	ap;
	int	r;

	va_start(ap, arg0);
	r = exec_list(EXEC_SEARCH, file, arg0, ap);
	va_end(ap);
	return (r);
}

XPTY_EXPORT int
execle(const char *path, const char *arg0, ...)
{
	va_list	ap;
	int	r;

	va_start(ap, arg0);
	r = exec_list(EXEC_ENV, path, arg0, ap);
	va_end(ap);
	return (r);
}

/* ---- spawning ---- */

XPTY_EXPORT int
posix_spawn(pid_t *pid, const char *path,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
    char *const argv[], char *const envp[])
{
	defer_promote_all();
	return (NEXT_CACHED(next_sp.posix_spawn, "posix_spawn")(pid, path, fa,
	    attr, argv, envp));
}

XPTY_EXPORT int
posix_spawnp(pid_t *pid, const char *file,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
    char *const argv[], char *const envp[])
{
	defer_promote_all();
	return (NEXT_CACHED(next_sp.posix_spawnp, "posix_spawnp")(pid, file,
	    fa, attr, argv, envp));
}

XPTY_EXPORT int
system(const char *cmd)
{
	defer_promote_all();
	return (NEXT_CACHED(next_sp.system, "system")(cmd));
}

XPTY_EXPORT FILE *
popen(const char *cmd, const char *mode)
{
	defer_promote_all();
	return (NEXT_CACHED(next_sp.popen, "popen")(cmd, mode));
}

/* glibc 2.34's fork without the atfork handlers (forkgate.c's). */
XPTY_EXPORT pid_t
_Fork(void)
{
	defer_promote_all();
	if (NEXT_CACHED(next_sp.fork_, "_Fork") == NULL) {
		errno = ENOSYS;		/* a libc without it */
		return (-1);
	}
	return (next_sp.fork_());
}

XPTY_EXPORT int
clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	va_list	 ap;
	void	*ptid, *tls, *ctid;

	va_start(ap, arg);
	ptid = va_arg(ap, void *);
	tls = va_arg(ap, void *);
	ctid = va_arg(ap, void *);
	va_end(ap);
	defer_promote_all();
	return (NEXT_CACHED(next_sp.clone, "clone")(fn, stack, flags, arg,
	    ptid, tls, ctid));
}

/*
 * vfork: promote, then jump to the next vfork with the caller's stack
 * untouched (the child returns through the caller's frame, which must
 * not be ours).
 */
void	*xpty_vfork_prepare(void);

void *
xpty_vfork_prepare(void)
{
	defer_promote_all();
	return ((void *)NEXT_CACHED(next_sp.vfork, "vfork"));
}

#if defined(__x86_64__)
__asm__(
	".text\n"
	".globl vfork\n"
	".type vfork, @function\n"
	"vfork:\n"
	"	.cfi_startproc\n"
	"	endbr64\n"
	"	subq $8, %rsp\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	call xpty_vfork_prepare\n"
	"	addq $8, %rsp\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	jmp *%rax\n"
	"	.cfi_endproc\n"
	".size vfork, .-vfork\n");
#elif defined(__aarch64__)
__asm__(
	".text\n"
	".globl vfork\n"
	".type vfork, %function\n"
	"vfork:\n"
	"	.cfi_startproc\n"
	"	stp x29, x30, [sp, #-16]!\n"
	"	.cfi_def_cfa_offset 16\n"
	"	.cfi_offset 29, -16\n"
	"	.cfi_offset 30, -8\n"
	"	mov x29, sp\n"
	"	bl xpty_vfork_prepare\n"
	"	ldp x29, x30, [sp], #16\n"
	"	.cfi_def_cfa_offset 0\n"
	"	br x0\n"
	"	.cfi_endproc\n"
	".size vfork, .-vfork\n");
#endif

/* ---- descriptors leaving for stdio, or for another process ---- */

XPTY_EXPORT FILE *
fdopen(int fd, const char *mode)
{
	defer_use_fd(fd);	/* stdio reads and writes the relay then */
	return (NEXT_CACHED(next_sp.fdopen, "fdopen")(fd, mode));
}

static __attribute__((noinline)) ssize_t
writev_deferred(int fd, const struct iovec *iov, int iovcnt)
{
	defer_use_fd(fd);
	return (NEXT_CACHED(next_sp.writev, "writev")(fd, iov, iovcnt));
}

XPTY_EXPORT ssize_t
writev(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t	(*fn)(int, const struct iovec *, int);

	if (atomic_load_explicit(&defer_live, memory_order_relaxed) != 0 ||
	    (fn = __atomic_load_n(&next_sp.writev, __ATOMIC_RELAXED)) == NULL)
		return (writev_deferred(fd, iov, iovcnt));
	return (fn(fd, iov, iovcnt));
}

static __attribute__((noinline)) ssize_t
sendmsg_deferred(int fd, const struct msghdr *msg, int flags)
{
	defer_promote_all();	/* its SCM_RIGHTS may carry one */
	return (NEXT_CACHED(next_sp.sendmsg, "sendmsg")(fd, msg, flags));
}

XPTY_EXPORT ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t	(*fn)(int, const struct msghdr *, int);

	if (atomic_load_explicit(&defer_live, memory_order_relaxed) != 0 ||
	    (fn = __atomic_load_n(&next_sp.sendmsg, __ATOMIC_RELAXED)) == NULL)
		return (sendmsg_deferred(fd, msg, flags));
	return (fn(fd, msg, flags));
}

XPTY_EXPORT int
sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	defer_promote_all();
	return (NEXT_CACHED(next_sp.sendmmsg, "sendmmsg")(fd, v, n, flags));
}

#endif /* x86_64, aarch64 */
