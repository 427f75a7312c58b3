/*
 * wrap_elf.c - src/wrap_host.h's executable files for ELF hosts (Linux,
 * FreeBSD, NetBSD): class and machine from the ELF header, and whether a
 * PT_INTERP program header names a dynamic linker (a static program
 * never looks at the preload variable).  No state; the file it reads is
 * opened and closed within the call.
 */
#include "config.h"

#include <sys/types.h>
#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "wrap_host.h"

static int
elf_phdrs(int fd, struct wrap_exe *e, unsigned class, off_t off,
    unsigned n)
{
	Elf64_Phdr	p64;
	Elf32_Phdr	p32;
	unsigned	i, size;

	size = class == ELFCLASS64 ? sizeof(p64) : sizeof(p32);
	for (i = 0; i < n && i < 256; i++, off += size) {
		if (class == ELFCLASS64) {
			if (pread(fd, &p64, size, off) != (ssize_t)size)
				break;
			if (p64.p_type == PT_INTERP)
				e->interp = 1;
		} else {
			if (pread(fd, &p32, size, off) != (ssize_t)size)
				break;
			if (p32.p_type == PT_INTERP)
				e->interp = 1;
		}
	}
	return (0);
}

int
wrap_exe_read(const char *path, struct wrap_exe *e)
{
	Elf64_Ehdr	e64;
	Elf32_Ehdr	*e32 = (Elf32_Ehdr *)&e64;
	unsigned	class, machine;
	off_t		off;
	unsigned	n;
	int		fd, rc = -1;

	memset(e, 0, sizeof(*e));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (pread(fd, &e64, sizeof(e64), 0) < (ssize_t)sizeof(*e32) ||
	    memcmp(e64.e_ident, ELFMAG, SELFMAG) != 0)
		goto out;
	class = e64.e_ident[EI_CLASS];
	if (class == ELFCLASS64) {
		machine = e64.e_machine;
		off = (off_t)e64.e_phoff;
		n = e64.e_phnum;
	} else if (class == ELFCLASS32) {
		machine = e32->e_machine;
		off = (off_t)e32->e_phoff;
		n = e32->e_phnum;
	} else
		goto out;
	e->ncpu = 1;
	e->cpu[0] = (uint32_t)class << 16 | machine;
	rc = elf_phdrs(fd, e, class, off, n);
out:
	close(fd);
	return (rc);
}

int
wrap_exe_compatible(const struct wrap_exe *cmd, const struct wrap_exe *lib)
{
	return (cmd->ncpu == 1 && lib->ncpu == 1 && cmd->cpu[0] == lib->cpu[0]);
}
