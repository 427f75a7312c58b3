/*
 * host_unix.h - what every host file (host_linux*.c, host_bsdimit.c,
 * host_freebsd.c, host_netbsd.c, host_darwin.c, host_bsd_*.c) builds from
 * beyond lib/host.h: the pty operations that Linux and the BSDs write the
 * same way, for the host files whose kernel does them that way.
 * Implemented in host_unix.c; private to the host files (generic code
 * includes only lib/host.h).  Same contract as lib/host.h: raw system
 * calls, async-signal-safe, no allocation, no state; descriptors made here
 * belong to the caller.
 */
#ifndef XPTY_HOST_UNIX_H
#define XPTY_HOST_UNIX_H

/*
 * A new manager from the clone device /dev/ptmx, keeping O_NONBLOCK and
 * O_CLOEXEC of oflag (host_open_manager's contract).
 */
int	unix_open_ptmx(int oflag);

/*
 * The subsidiary of pty ptyno opened by its path (host_pts_path), with
 * O_NOCTTY added to oflag: the descriptor, or -1/errno.
 */
int	unix_open_path(int ptyno, int oflag);

/*
 * 1 if a poll of manager mfd shows POLLHUP (no subsidiary open), 0 if
 * not, -1/errno (host_mgr_hup's contract, where the host's poll says it).
 */
int	unix_poll_hup(int mfd);

/*
 * host_pkt_status for the packet-mode status byte c with the historic
 * TIOCPKT_* bits, every kernel's; termios is the set of bits by which
 * this kernel reports a termios change (HOST_PKT_TERMIOS).
 */
unsigned	unix_pkt_status(unsigned char c, unsigned termios);

#endif /* XPTY_HOST_UNIX_H */
