/*
 * interpose_signal.c - the entry points that change a signal's
 * disposition: sigaction, signal, bsd_signal, sysv_signal,
 * __sysv_signal, sigset and siginterrupt.  Each does exactly what the
 * next definition (libc's) does and then tells lib/sigrestart.c that a
 * disposition may have changed, so that its cached answer (do the
 * installed handlers restart an interrupted read?) is computed again
 * before the next wait that depends on it.  glibc's own signal() and
 * siginterrupt() reach the kernel through an internal sigaction that no
 * interposer sees, hence the whole family here.  Built on Linux only
 * (lib/Makefile.am, SYS_LINUX), as lib/interpose_glibc.c is; elsewhere
 * sigrestart.c answers SIGRESTART_MIXED and nothing depends on these; so
 * it does in a ThreadSanitizer build, where this file defines nothing
 * (lib/internal.h, XPTY_TSAN).
 *
 * Theory of operation: a call forwards first and counts after, so a
 * policy computed between the two (another thread) is voided by the
 * count.  No state of its own; async-signal-safe once the next
 * definitions are found (the first call of each looks it up with dlsym,
 * as every lazily resolved name in lib/internal.h's NEXT_CACHED).
 * Exported unversioned with the rest (lib/xpty.sym).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>

#include "internal.h"

#if SIGRESTART_TRACKED
typedef void	(*sighandler_fn)(int);

sighandler_fn	bsd_signal(int, sighandler_fn);
sighandler_fn	sysv_signal(int, sighandler_fn);
sighandler_fn	__sysv_signal(int, sighandler_fn);
sighandler_fn	sigset(int, sighandler_fn);

static struct {
	sighandler_fn	(*signal)(int, sighandler_fn);
	sighandler_fn	(*bsd_signal)(int, sighandler_fn);
	sighandler_fn	(*sysv_signal)(int, sighandler_fn);
	sighandler_fn	(*__sysv_signal)(int, sighandler_fn);
	sighandler_fn	(*sigset)(int, sighandler_fn);
	int		(*siginterrupt)(int, int);
} next_sig;

/* errno as the next definition left it, with the change counted. */
static void
counted(void)
{
	int	saved = errno;

	sigrestart_changed();
	errno = saved;
}

XPTY_EXPORT int
sigaction(int sig, const struct sigaction *sa, struct sigaction *old)
{
	int	r = xpty_sigaction_next(sig, sa, old);

	if (sa != NULL)
		counted();
	return (r);
}

#define SIGNAL_FORM(name)						\
XPTY_EXPORT sighandler_fn						\
name(int sig, sighandler_fn fn)						\
{									\
	sighandler_fn	r = NEXT_CACHED(next_sig.name, #name)(sig, fn);	\
									\
	counted();							\
	return (r);							\
}

SIGNAL_FORM(signal)
SIGNAL_FORM(bsd_signal)
SIGNAL_FORM(sysv_signal)
SIGNAL_FORM(__sysv_signal)
SIGNAL_FORM(sigset)

XPTY_EXPORT int
siginterrupt(int sig, int flag)
{
	int	r = NEXT_CACHED(next_sig.siginterrupt, "siginterrupt")(sig,
	    flag);

	counted();
	return (r);
}
#endif /* SIGRESTART_TRACKED */
