/*
 * wrap_macho.c - src/wrap_host.h's executable files for macOS: Mach-O,
 * thin or fat (universal).  A thin file's cputype is its cpu; a fat
 * file's slices each add one (the header is big-endian).  A program
 * whose (any) slice has an LC_LOAD_DYLINKER load command is linked by
 * dyld, which reads DYLD_INSERT_LIBRARIES.  Cross-built for macOS; not
 * yet run there.  No state; the file it reads is opened and closed
 * within the call.
 */
#include "config.h"

#include <sys/types.h>
#include <mach-o/fat.h>
#include <mach-o/loader.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "wrap_host.h"

/* One thin image at off: its cputype, and whether it names dyld. */
static int
macho_thin(int fd, off_t off, struct wrap_exe *e)
{
	struct mach_header_64	h;
	struct load_command	lc;
	off_t			at;
	uint32_t		i;

	if (pread(fd, &h, sizeof(h), off) != (ssize_t)sizeof(h) ||
	    h.magic != MH_MAGIC_64)
		return (-1);
	if (e->ncpu < WRAP_EXE_MAXCPU)
		e->cpu[e->ncpu++] = (uint32_t)h.cputype;
	at = off + (off_t)sizeof(h);
	for (i = 0; i < h.ncmds && i < 512; i++, at += lc.cmdsize) {
		if (pread(fd, &lc, sizeof(lc), at) != (ssize_t)sizeof(lc) ||
		    lc.cmdsize < sizeof(lc))
			break;
		if (lc.cmd == LC_LOAD_DYLINKER)
			e->interp = 1;
	}
	return (0);
}

int
wrap_exe_read(const char *path, struct wrap_exe *e)
{
	struct fat_header	fh;
	struct fat_arch		fa;
	uint32_t		i, n;
	int			fd, rc = -1;

	memset(e, 0, sizeof(*e));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (pread(fd, &fh, sizeof(fh), 0) != (ssize_t)sizeof(fh))
		goto out;
	if (ntohl(fh.magic) != FAT_MAGIC) {
		rc = macho_thin(fd, 0, e);
		goto out;
	}
	n = ntohl(fh.nfat_arch);
	for (i = 0; i < n && i < WRAP_EXE_MAXCPU; i++) {
		if (pread(fd, &fa, sizeof(fa), (off_t)(sizeof(fh) + i *
		    sizeof(fa))) != (ssize_t)sizeof(fa))
			break;
		if (macho_thin(fd, (off_t)ntohl(fa.offset), e) == 0)
			rc = 0;
	}
out:
	close(fd);
	return (rc);
}

int
wrap_exe_compatible(const struct wrap_exe *cmd, const struct wrap_exe *lib)
{
	int	i, j;

	for (i = 0; i < cmd->ncpu; i++)
		for (j = 0; j < lib->ncpu; j++)
			if (cmd->cpu[i] == lib->cpu[j])
				return (1);
	return (0);
}
