/*
 * wrap_host.h - what the xpty wrapper (src/xpty.c) needs from the host
 * that differs between systems: the executable format, where the wrapper
 * itself lives, what makes the dynamic linker drop the preload variable,
 * whether a process has mapped the library, and the watcher's notice
 * socket.  One executable-format file (wrap_elf.c, wrap_macho.c) and one
 * system file (wrap_linux.c, wrap_bsd.c) per host, picked by configure
 * (src/Makefile.am), as lib/host.h's files are.  The wrapper is an
 * ordinary program: these may allocate and use stdio.  No state.
 */
#ifndef XPTY_WRAP_HOST_H
#define XPTY_WRAP_HOST_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

/* ---- executable files (wrap_elf.c, wrap_macho.c) ---- */

#define WRAP_EXE_MAXCPU	4

struct wrap_exe {
	int		ncpu;		/* 0: not an executable of this host */
	uint32_t	cpu[WRAP_EXE_MAXCPU]; /* ELF: class << 16 | machine;
					   Mach-O: cputype (several when fat) */
	int		interp;		/* names a dynamic linker: the preload
					   can work */
};

/* Read path's header: 0, or -1 if it is not an executable of this host. */
int	wrap_exe_read(const char *path, struct wrap_exe *e);

/* Can a library built as lib be loaded into cmd (a common cpu)? */
int	wrap_exe_compatible(const struct wrap_exe *cmd,
	    const struct wrap_exe *lib);

/* ---- the system (wrap_linux.c, wrap_bsd.c) ---- */

/* The running wrapper's own file, canonical, in buf: 0, or -1. */
int	wrap_self_path(char *buf, size_t len);

/*
 * Why the dynamic linker would drop the preload variable for program
 * path, beyond set-user-ID and set-group-ID (which xpty.c checks): a
 * phrase for "PATH <phrase>: ...", or NULL if nothing is known.
 */
const char *wrap_exec_strips(const char *path);

/* Has process pid mapped lib?  1 yes, 0 no, -1 cannot tell. */
int	wrap_lib_mapped(pid_t pid, const char *lib);

/* Close every descriptor from fd up. */
void	wrap_closefrom(int fd);

/*
 * The notice socket: datagrams from processes of our own user, under a
 * name (into name, len bytes) that lib/host.h's host_local_dgram reaches
 * (XPTY_WATCH).  wrap_notice_open: the socket, close-on-exec, or -1.
 * wrap_notice_recv: one datagram's text (NUL-terminated) if a process of
 * our uid sent it, 1; 0 for another sender or nothing; -1 on error.
 * wrap_notice_done: the name is no longer needed (a path is unlinked).
 */
int	wrap_notice_open(char *name, size_t len);
int	wrap_notice_recv(int sock, char *text, size_t len);
void	wrap_notice_done(const char *name);

/* A descriptor that polls readable once process pid has exited, or -1. */
int	wrap_proc_watch(pid_t pid);

#endif /* XPTY_WRAP_HOST_H */
