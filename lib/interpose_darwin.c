/*
 * interpose_darwin.c - libxpty's interposing tuples on macOS: one
 * {replacement, replacee} pair per libc entry point libxpty takes over,
 * in the __DATA,__interpose section, which dyld reads when the library
 * is loaded (DYLD_INSERT_LIBRARIES, or linked) and applies to every other
 * image's references, libSystem's own included.
 *
 * The replacements are lib/libxpty.c's entry points, defined under the
 * names of lib/interpose_darwin.h.  Besides each public name, libSystem
 * exports a "$NOCANCEL" twin of the cancellation points (read$NOCANCEL,
 * open$NOCANCEL...), which code compiled with _DARWIN_NON_CANCELABLE and
 * libSystem's own callers (stdio's opens, reads and writes among them)
 * bind to: those are interposed by the same replacement.  The replacees
 * are named by asm label, so this file needs no system header (and must
 * not include lib/interpose_darwin.h).  Only addresses are taken here, so
 * every function is declared void(void).  No state.
 *
 * Cross-built for macOS; not yet run there: lib/libxpty.c does not yet
 * compile for macOS, so the tuples are checked only for names that
 * libSystem exports (the cross build links against its stubs).  No
 * state, no descriptors: data only.
 */
#include "config.h"

struct interpose {
	const void	*replacement;
	const void	*replacee;
};

#define ENTRY(name)							\
	void xpty_darwin_##name(void);					\
	void darwin_##name(void) __asm("_" #name);
#define ENTRY_NC(name)							\
	ENTRY(name)							\
	void darwin_nc_##name(void) __asm("_" #name "$NOCANCEL");

ENTRY_NC(close)
ENTRY(dup)
ENTRY(dup2)
ENTRY(fclose)
ENTRY_NC(fcntl)
ENTRY(forkpty)
ENTRY(grantpt)
ENTRY(ioctl)
ENTRY(isatty)
ENTRY(login_tty)
ENTRY_NC(open)
ENTRY_NC(openat)
ENTRY(openpty)
ENTRY(posix_openpt)
ENTRY(ptsname)
ENTRY(ptsname_r)
ENTRY_NC(read)
ENTRY_NC(readv)
ENTRY(tcgetattr)
ENTRY(tcsetattr)
ENTRY(unlockpt)
ENTRY_NC(write)

#define T(name)		{ (const void *)xpty_darwin_##name, \
			    (const void *)darwin_##name }
#define T_NC(name)	T(name), { (const void *)xpty_darwin_##name, \
			    (const void *)darwin_nc_##name }

__attribute__((used, section("__DATA,__interpose")))
static const struct interpose interpose_tuples[] = {
	T_NC(close),
	T(dup),
	T(dup2),
	T(fclose),
	T_NC(fcntl),
	T(forkpty),
	T(grantpt),
	T(ioctl),
	T(isatty),
	T(login_tty),
	T_NC(open),
	T_NC(openat),
	T(openpty),
	T(posix_openpt),
	T(ptsname),
	T(ptsname_r),
	T_NC(read),
	T_NC(readv),
	T(tcgetattr),
	T(tcsetattr),
	T(unlockpt),
	T_NC(write),
};
