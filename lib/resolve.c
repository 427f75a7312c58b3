/*
 * resolve.c - find the definitions that libxpty's wrappers stand in front of.
 *
 * Every interposed name forwards to the next definition in the lookup
 * scope (normally libc's), found with dlsym(RTLD_NEXT) so that libxpty
 * chains correctly behind or ahead of other preloads (sanitizers,
 * libfaketime...).  Resolution happens once, under pthread_once, either
 * from the constructor or from the first wrapper that runs (another
 * library's constructor may call us first).  While it is in progress the
 * syscall-thin wrappers fall back to raw system calls (lib/sys.h), so that a
 * dlsym() that allocates, or an allocator that opens files, cannot recurse
 * into an unresolved pointer.
 *
 * State: the table xpty_next, written once and then only read.  No
 * descriptors.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>

#include "internal.h"

struct xpty_next xpty_next;

static pthread_once_t resolve_once = PTHREAD_ONCE_INIT;

#define RESOLVE(name) \
	(*(void **)&xpty_next.name = dlsym(RTLD_NEXT, #name))

static void
resolve_all(void)
{
	RESOLVE(open);
	RESOLVE(open64);
	RESOLVE(openat);
	RESOLVE(openat64);
	RESOLVE(ioctl);
	RESOLVE(close);
	RESOLVE(read);
	RESOLVE(write);
	RESOLVE(dup);
	RESOLVE(dup2);
	RESOLVE(dup3);
	RESOLVE(fcntl);
	RESOLVE(close_range);
	RESOLVE(closefrom);
	RESOLVE(tcgetattr);
	RESOLVE(tcsetattr);
	RESOLVE(isatty);
	sigrestart_resolve();
}

void
xpty_resolve(void)
{
	pthread_once(&resolve_once, resolve_all);
}

/* The next definition of a name the table does not carry. */
void *
dlsym_next(const char *name)
{
	return (dlsym(RTLD_NEXT, name));
}
