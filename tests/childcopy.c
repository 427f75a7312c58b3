/*
 * childcopy.c - a child's STREAMS ioctls read the child's own memory.
 *
 * libxpty copies a module name in without faulting (process_vm_readv on
 * its own pid) and remembers its pid between calls.  A child made by
 * fork(), or by a raw clone system call that runs no pthread_atfork
 * handler, must not read its parent's copy of the same address: the
 * child writes another module name over the one both inherited and
 * pushes it, and I_LOOK must name the child's.  The parent waits
 * meanwhile, so the parent's copy is there to be read by mistake.
 */
#include <sys/syscall.h>

#include "xtest.h"

static char modname[16] = "ldterm";

/* In the child: push what modname now says; exit 0 if I_LOOK agrees. */
static int
child_push(int s)
{
	char	look[FMNAMESZ + 1];

	memset(modname, 0, sizeof(modname));
	memcpy(modname, "ptem", 4);
	if (ioctl(s, I_PUSH, modname) == -1)
		return (2);
	memset(look, 0, sizeof(look));
	if (ioctl(s, I_LOOK, look) == -1)
		return (3);
	return (strcmp(look, "ptem") == 0 ? 0 : 4);
}

static pid_t
raw_fork(void)
{
#ifdef SYS_fork
	return ((pid_t)syscall(SYS_fork));
#else
	return ((pid_t)syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L));
#endif
}

static void
check(const char *how, int raw)
{
	int	m, s, st;
	pid_t	pid;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1) {
		ok(0, "%s: a pty: %s", how, strerror(errno));
		return;
	}
	memcpy(modname, "ldterm", 7);
	/* the parent reads the name once, so it has copied from its pid */
	ok(ioctl(s, I_FIND, modname) == 0, "%s: ldterm is not pushed", how);
	fflush(stdout);
	pid = raw ? raw_fork() : fork();
	if (pid == 0)
		_exit(child_push(s));
	st = -1;
	if (pid > 0 && waitpid(pid, &st, 0) != pid)
		st = -1;
	ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: the "
	    "child pushed its own module name, ptem (status %d)", how, st);
	ok(strcmp(modname, "ldterm") == 0, "%s: the parent's copy is "
	    "unchanged", how);
	close(s);
	close(m);
}

int
main(int argc, char **argv)
{
	xt_init(argc, argv);
	check("fork", 0);
	check("raw fork system call", 1);
	check("fork again", 0);
	return (done_testing());
}
