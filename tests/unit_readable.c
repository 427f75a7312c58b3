/*
 * unit_readable.c - lib/readable.c on its own: the spans it knows are
 * the program's read-only segments, every byte of them can be read, and
 * nothing else is claimed (writable data, the stack, the heap, NULL, the
 * byte just past a segment).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <sys/uio.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "tap.h"

static int	writable_global = 1;

struct seg {
	uintptr_t	lo, hi;
};

static struct seg	segs[16];
static int		nsegs;

/* The program's readable, non-writable PT_LOAD segments. */
static int
collect(struct dl_phdr_info *info, size_t size, void *arg)
{
	int	i;

	(void)size;
	(void)arg;
	for (i = 0; i < info->dlpi_phnum && nsegs < 16; i++) {
		if (info->dlpi_phdr[i].p_type != PT_LOAD ||
		    (info->dlpi_phdr[i].p_flags & (PF_R | PF_W)) != PF_R ||
		    info->dlpi_phdr[i].p_memsz == 0)
			continue;
		segs[nsegs].lo = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
		segs[nsegs].hi = segs[nsegs].lo + info->dlpi_phdr[i].p_memsz;
		nsegs++;
	}
	return (1);
}

/* Can all of [lo, hi) be read (process_vm_readv, in pieces)? */
static int
all_readable(uintptr_t lo, uintptr_t hi)
{
	char		buf[65536];
	struct iovec	l, r;
	size_t		n;

	while (lo < hi) {
		n = hi - lo < sizeof(buf) ? hi - lo : sizeof(buf);
		l.iov_base = buf;
		l.iov_len = n;
		r.iov_base = (void *)lo;
		r.iov_len = n;
		if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != (ssize_t)n)
			return (0);
		lo += n;
	}
	return (1);
}

/* Does another segment begin where one ends (then its end is known)? */
static int
starts_at(uintptr_t a)
{
	int	i;

	for (i = 0; i < nsegs; i++)
		if (segs[i].lo <= a && a < segs[i].hi)
			return (1);
	return (0);
}

int
main(void)
{
	static const char	 lit[] = "ldterm";
	const char		*str = "ttcompat";
	char			*heap = malloc(64);
	int			 stack = 0, i;

	(void)dl_iterate_phdr(collect, NULL);
	if (nsegs == 0)
		skip_all("no read-only segment in the program");
	ok(readable_span(str) >= strlen(str) + 1,
	    "a string literal is known readable, to its NUL and beyond");
	ok(readable_span(lit) >= sizeof(lit), "a static const array too");
	is_int((int)readable_span(&writable_global), 0, "writable data: 0");
	is_int((int)readable_span(&stack), 0, "the stack: 0");
	is_int((int)readable_span(heap), 0, "the heap: 0");
	is_int((int)readable_span(NULL), 0, "NULL: 0");
	for (i = 0; i < nsegs; i++) {
		ok(readable_span((void *)segs[i].lo) == segs[i].hi - segs[i].lo,
		    "segment %d: known from its first byte to its end", i);
		ok(readable_span((void *)(segs[i].hi - 1)) == 1,
		    "segment %d: its last byte is the last known", i);
		if (!starts_at(segs[i].hi))
			is_int((int)readable_span((void *)segs[i].hi), 0,
			    "segment %d: the byte just past it is not known", i);
		ok(all_readable(segs[i].lo, segs[i].hi),
		    "segment %d: every byte of it can be read", i);
	}
	free(heap);
	return (done_testing());
}
