/*
 * readable.c - memory known to be readable, so that a caller's pointer
 * into it needs no probe and no checked copy.
 *
 * A pointer an interposed call is given (a module name for I_PUSH, a
 * path for open) is normally read through the host's checked copy
 * (usercopy.c) or after a probe of its page (ptypath.c): one system call
 * each, so that a bad pointer gives EFAULT, never a fault.  Most such
 * pointers are string literals: they lie in the read-only data of the
 * main program, or of libxpty itself (the modules it pushes for XPG4v2
 * and openpty).  Those bytes can be read directly.
 *
 * Theory of operation.  The constructor walks the loaded objects once
 * (dl_iterate_phdr) and records, for the main program (the first object
 * reported) and for the object holding this file's code, each PT_LOAD
 * segment that is readable and not writable, as [start, start + memsz):
 * the bytes the loader mapped for it, never the rest of its last page
 * (another segment may share that page with other protections).  Neither
 * object is ever unmapped while libxpty's code runs: the main program
 * lives as long as the process, and libxpty's own code is what reads
 * them.  Writable segments are left out (RELRO and data may be
 * remapped), so are execute-only ones, and every other object (a
 * dlopen'ed one may be dlclosed).  A program that itself makes its own
 * read-only data unreadable (mprotect PROT_NONE) is not supported.
 * Without dl_iterate_phdr (macOS), or before the constructor has run,
 * nothing is known: every pointer is checked as before.
 *
 * State: the spans, written once by the constructor and published by
 * a release store of their count; readers load it with acquire.  Safe
 * from any thread and from signal handlers (a load and a few compares);
 * no descriptors.
 */
#include "config.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#ifdef HAVE_DL_ITERATE_PHDR
#include <link.h>
#endif

#include "internal.h"

#define RD_MAXSPANS	16

struct rd_span {
	uintptr_t	lo, hi;		/* [lo, hi) */
};

static struct rd_span	rd_spans[RD_MAXSPANS];
static _Atomic(int)	rd_nspans;

size_t
readable_span(const void *p)
{
	uintptr_t	a = (uintptr_t)p;
	int		i, n;

	n = atomic_load_explicit(&rd_nspans, memory_order_acquire);
	for (i = 0; i < n; i++)
		if (a >= rd_spans[i].lo && a < rd_spans[i].hi)
			return (rd_spans[i].hi - a);
	return (0);
}

#ifdef HAVE_DL_ITERATE_PHDR
struct rd_walk {
	int	objects;		/* seen so far */
	int	n;			/* spans filled */
};

/* Does the object of info map the address a? */
static int
rd_maps(const struct dl_phdr_info *info, uintptr_t a)
{
	uintptr_t	lo;
	int		i;

	for (i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type != PT_LOAD)
			continue;
		lo = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
		if (a >= lo && a - lo < info->dlpi_phdr[i].p_memsz)
			return (1);
	}
	return (0);
}

static int
rd_collect(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct rd_walk	*w = arg;
	int		 i, first = w->objects++ == 0;

	(void)size;
	if (!first && !rd_maps(info, (uintptr_t)&readable_span))
		return (0);
	for (i = 0; i < info->dlpi_phnum && w->n < RD_MAXSPANS; i++) {
		if (info->dlpi_phdr[i].p_type != PT_LOAD ||
		    (info->dlpi_phdr[i].p_flags & (PF_R | PF_W)) != PF_R ||
		    info->dlpi_phdr[i].p_memsz == 0)
			continue;
		rd_spans[w->n].lo = info->dlpi_addr +
		    info->dlpi_phdr[i].p_vaddr;
		rd_spans[w->n].hi = rd_spans[w->n].lo +
		    info->dlpi_phdr[i].p_memsz;
		w->n++;
	}
	return (0);
}

__attribute__((constructor)) static void
readable_init(void)
{
	struct rd_walk	w = { 0, 0 };

	if (atomic_load_explicit(&rd_nspans, memory_order_relaxed) != 0)
		return;
	(void)dl_iterate_phdr(rd_collect, &w);
	atomic_store_explicit(&rd_nspans, w.n, memory_order_release);
}
#endif
