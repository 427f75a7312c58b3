/*
 * host.h - everything libxpty and xptyd need from the host kernel's ptys
 * and sockets that differs between kernels: one interface, one file per
 * host (lib/host_linux.c, lib/host_bsdimit.c, ...), picked by configure
 * from the host triplet (configure.ac, HOST_SOURCES), as tmux picks its
 * osdep-*.c.  Generic code never tests for a host: it calls these, or
 * reads host_caps.  The raw system calls below this layer are lib/sys.h
 * (one sys_<host>.c per host as well).
 *
 * Layer: above the raw system calls, copy-in, resolution and the
 * descriptor table; below the engines and the stream model (the list is
 * tests/layers.txt, checked by make check).  A host file calls only
 * lib/sys.h, libc, and nothing else of libxpty.
 *
 * Stability: operations are only ever added to this header, never
 * changed or removed (say so in the commit message that adds one).
 *
 * Common contract, unless an operation says otherwise:
 *   - returns 0 (or a count, a descriptor, a flag) on success, -1 with
 *     errno set on failure; errno is left alone on success;
 *   - never blocks unless it says so, and a blocking one returns -1/EINTR
 *     when a signal interrupts it (never restarts on its own);
 *   - async-signal-safe: no malloc, no stdio, no locks, only raw system
 *     calls (lib/sys.h), because the library calls these from inside
 *     interposed calls, which applications make from signal handlers;
 *   - ENOSYS means "this host has no such mechanism": generic code then
 *     takes its portable path (emulated lock, timer instead of a watch...);
 *   - descriptors returned are close-on-exec, and belong to the caller,
 *     who closes them; a descriptor passed in stays the caller's.
 * The daemon links the same host file (it may call everything here too).
 *
 * Terms.  The manager is the side a process gets from the host's
 * allocator (/dev/ptmx on Linux); the subsidiary is the terminal side
 * (/dev/pts/N); N, the pty number, identifies a pty while it exists, and
 * is reused by the host after the pty dies.
 */
#ifndef XPTY_HOST_H
#define XPTY_HOST_H

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct kterm;

/*
 * ---- capabilities ----
 * One word, constant for the life of the process, set by the host file.
 * Reading it is one load.
 */
#define HOST_CAP_LOCK		0x0001	/* the kernel locks a new pty until
					   unlockpt; else the lock is emulated
					   (the stream state's XSTATE_LOCKED) */
#define HOST_CAP_TERMIOS_STATE	0x0002	/* spare termios slots keep the stream
					   state for the pty's life (state
					   store "termios" possible) */
#define HOST_CAP_OPEN_RESETS	0x0004	/* the kernel resets the termios when
					   the subsidiary is opened while no
					   other subsidiary descriptor is open */
#define HOST_CAP_PEER		0x0008	/* host_open_peer needs no path lookup */
#define HOST_CAP_WATCH		0x0010	/* host_watch_open can succeed */
#define HOST_CAP_EVREG		0x0020	/* host_evreg_* move registrations */
#define HOST_CAP_OPEN_CLOSES	0x0040	/* the allocator opens the subsidiary
					   and closes it again (OpenBSD's
					   posix_openpt, PTMGET): a new manager
					   shows the hangup (host_mgr_hup,
					   host_mgr_read_hup) before any
					   subsidiary was opened.  The generic
					   layer marks such a pty fresh
					   (common/store.h XSTATE_FRESH, the
					   page store only) and ignores its
					   hangup until the first open it sees
					   (the watch, or libxpty's own open).
					   Added after the first version. */
/* 0x0080 was HOST_CAP_CTTY_ASK: I_PUSH asks only a known leader now */
#define HOST_CAP_DEFER		0x0100	/* every call by which a descriptor
					   can leave the library's sight is
					   interposed (interpose_spawn.c): a
					   new manager's relay can wait for
					   its first use (defer.c) */
extern const unsigned host_caps;

/* The name of the host file, for diagnostics ("linux", "bsdimit"...). */
extern const char host_name[];

/* ---- allocation and naming ---- */

/*
 * A new manager: opened read-write and without becoming the controlling
 * terminal; of oflag only O_NONBLOCK and O_CLOEXEC are honoured.  The new
 * pty is locked if the host locks (HOST_CAP_LOCK).  errno as the host's
 * allocator gives it (EMFILE, ENFILE, ENOSPC when the host is out of
 * ptys, EACCES...).
 */
int	host_open_manager(int oflag);

/* The number of the pty whose manager mfd is; -1/ENOTTY (or EBADF) else. */
int	host_ptyno(int mfd);

/*
 * The subsidiary's path name for pty ptyno, NUL-terminated, in buf (len
 * bytes).  Returns its length, or -1/ERANGE if it does not fit
 * (HOST_PATHMAX always does), -1/EINVAL for a negative ptyno.
 */
#define HOST_PATHMAX	32
int	host_pts_path(int ptyno, char *buf, size_t len);

/*
 * The names the interposed open family recognises, as the caller wrote
 * them (lib/ptypath.c reads a caller's path without faulting and compares
 * it with these, no lookup): host_ptmx_paths, NULL-terminated, name the
 * allocator (a clone device such as /dev/ptmx); a subsidiary's name is
 * host_pts_prefix and N in decimal without leading zeros (what
 * host_pts_path writes).  Constant data.
 */
extern const char *const host_ptmx_paths[];
extern const char host_pts_prefix[];

/* ---- lock, grant, ownership ---- */

/*
 * Lock (locked 1) or unlock (0) the subsidiary of manager mfd: opening
 * a locked subsidiary fails.  -1/ENOSYS if the host has no lock (no
 * HOST_CAP_LOCK): generic code emulates it.  host_is_locked: 1, 0, or -1
 * (ENOSYS likewise).
 */
int	host_set_lock(int mfd, int locked);
int	host_is_locked(int mfd);

/*
 * Did opening a subsidiary fail because the pty is locked?  e is the
 * errno of the failed open (Linux says EIO).  Pure: no system call.
 */
int	host_open_locked_errno(int e);

/*
 * grantpt(3C) for pty ptyno: the subsidiary node owned by the real uid,
 * group tty, mode 0620 (a no-op where the host makes the node so).  Never
 * forks.  NOT async-signal-safe: the first call looks the group up
 * (getgrnam), later calls use the cached answer.
 */
int	host_grant(int ptyno);

/* OWNERPT: the subsidiary node of ptyno owned by uid and gid. */
int	host_chown(int ptyno, uid_t uid, gid_t gid);

/* ---- classify ---- */

#define HOST_NONE	0
#define HOST_MANAGER	1	/* a manager (the allocator's side) */
#define HOST_SUBSID	2	/* a subsidiary */

/*
 * What fd is: HOST_MANAGER or HOST_SUBSID, with *ptyno (may be NULL) set,
 * or HOST_NONE: not a pty, errno EBADF if fd is not open, else 0.  It
 * tells the two sides apart even where the manager's fstat reports the
 * subsidiary's device number (FreeBSD), so holding a manager never
 * passes for holding the subsidiary: generic code never compares st_rdev
 * itself, it asks this.
 */
int	host_classify(int fd, int *ptyno);

/*
 * A termios set through the manager (the raw modes of a new stream, the
 * page store's dismantling).  Linux and FreeBSD keep the output queued
 * for the manager; NetBSD, OpenBSD and macOS discard it (their kernels
 * flush at a manager's TIOCSETA), and bsdimit does too, so that the
 * suite finds a set made while a subsidiary may have written.  0 or -1.
 */
int	host_mgr_tcset(int mfd, const struct kterm *t);

/* ---- what the manager says after the last subsidiary close ---- */

/*
 * Read the manager as the host does (a raw readv: no interposer).  After
 * the last subsidiary close, until a subsidiary is opened again, the
 * host answers every read with its hangup indication: Linux fails with
 * EIO, the BSDs return 0 (len > 0).  Blocks as the descriptor does.
 * With HOST_CAP_OPEN_CLOSES a new manager answers so from the start:
 * these operations report the host's state, and the first-close rule is
 * the caller's (XSTATE_FRESH).
 */
ssize_t	host_mgr_readv(int mfd, const struct iovec *iov, int iovcnt);

/*
 * Is the result of a manager read (r, and errno e when r == -1) that
 * hangup indication, "no subsidiary is open"?  Pure.  r == 0 with a
 * zero-length buffer is never one (the caller does not ask then).
 */
int	host_mgr_read_hup(ssize_t r, int e);

/*
 * Is no subsidiary of manager mfd open (since a last close, until the
 * next open)?  1 yes, 0 no, -1/errno.  Never blocks (a poll with no
 * timeout on Linux: POLLHUP).
 */
int	host_mgr_hup(int mfd);

/*
 * The same from the revents of a poll(2) of a manager that the caller
 * made itself (with POLLIN, maybe POLLPRI): 1 if they show the hangup.
 * Pure.
 */
int	host_mgr_revents_hup(int revents);

/*
 * A read of a subsidiary failed with errno e: is that the host's way of
 * saying the manager has closed (which SVR4 shows as 0, after the queued
 * data)?  Linux fails with EIO until the hangup is complete and the
 * subsidiary then polls POLLHUP (a job-control EIO, a background read,
 * does not).  1 yes, 0 no.  errno preserved.
 */
int	host_subsid_read_hup(int fd, int e);

/* ---- when is a subsidiary opened again? ---- */

/*
 * A watch set: one descriptor (non-blocking) that polls readable when a
 * subsidiary of a watched pty is opened (Linux: inotify IN_OPEN on the
 * node; FreeBSD 14: kqueue NOTE_OPEN).  -1/ENOSYS where the host cannot
 * tell (no HOST_CAP_WATCH): then look again with host_mgr_hup on a timer.
 * host_watch_add returns a watch id (>= 0) for ptyno, -1/errno;
 * host_watch_rm forgets one (the id may be reused afterwards);
 * host_watch_take stores up to max ids that fired since the last call
 * (an id may appear more than once) and returns their count, 0 if none
 * (a count of max: more may have been dropped, check every watch); it
 * never blocks.  To wait, poll(2) the set's descriptor.  An open that
 * happened before host_watch_add is not reported: add first, then check
 * host_mgr_hup.  The set belongs to the caller (close it).
 */
int	host_watch_open(void);
int	host_watch_add(int wfd, int ptyno);
void	host_watch_rm(int wfd, int id);
int	host_watch_take(int wfd, int *ids, int max);

/*
 * The termios of a pty right after its subsidiary was opened through
 * libxpty (fd, ptyno; first is 1 when the opener could tell that no
 * other subsidiary descriptor was open just before: it held the manager
 * and host_mgr_hup said 1).  Hosts with HOST_CAP_OPEN_RESETS reset the
 * termios at such an open in the kernel; this hook lets a host that
 * imitates one (host_bsdimit.c) do it; elsewhere it does nothing.  Never
 * fails; errno preserved.
 */
void	host_subsid_opened(int fd, int ptyno, int first);

/* ---- the subsidiary, from the manager ---- */

/*
 * A new descriptor of the subsidiary of manager mfd (pty ptyno), opened
 * with oflag (O_NOCTTY is always added): Linux's TIOCGPTPEER, which needs
 * no path, else an open of host_pts_path().  -1/errno (EIO while locked).
 */
int	host_open_peer(int mfd, int ptyno, int oflag);

/* ---- packet mode ---- */

/*
 * Turn packet mode (TIOCPKT) on manager mfd on or off.  Every read of a
 * manager in packet mode then starts with a status byte: HOST_PKT_DATA
 * before data, else a status alone, which host_pkt_status() decodes into
 * HOST_PKT_* bits (what changed on the subsidiary side).
 */
int	host_set_pktmode(int mfd, int on);

#define HOST_PKT_DATA		0x00	/* the status byte before data */
#define HOST_PKT_FLUSHR		0x01	/* the subsidiary flushed its input */
#define HOST_PKT_FLUSHW		0x02	/* ... its output */
#define HOST_PKT_STOP		0x04	/* output stopped (^S) */
#define HOST_PKT_START		0x08	/* output restarted */
#define HOST_PKT_TERMIOS	0x10	/* its termios changed (the host may
					   report only some changes: Linux
					   only IXON's, as DOSTOP/NOSTOP) */
unsigned host_pkt_status(unsigned char status);
/*
 * Take the status a packet-mode manager mfd holds, if any, without
 * waiting or taking data: its HOST_PKT_* bits, 0 if none was pending.
 * (The last close's dismantling raises one nobody is to see.)
 */
unsigned host_pkt_status_take(int mfd);
/*
 * Does the host's packet mode report the subsidiary's termios change
 * from old to new itself (HOST_PKT_TERMIOS)?  Linux: a change of IXON
 * flow control (IXON with ^S/^Q), as DOSTOP/NOSTOP.
 */
int	host_pkt_reports(const struct kterm *old, const struct kterm *new);

/*
 * Is packet mode on for manager mfd?  1, 0, -1/errno (ENOSYS where the
 * host cannot say: Linux's TIOCGPKT).  Added after the first version.
 */
int	host_get_pktmode(int mfd);

/* ---- sockets ---- */

/*
 * The effective uid of the process at the other end of a connected
 * AF_UNIX socket, as the kernel recorded it (SO_PEERCRED on Linux,
 * getpeereid elsewhere).  -1/errno, -1/ENOSYS if the host cannot say
 * (callers then refuse the peer: fail closed).
 */
int	host_peer_uid(int sock, uid_t *uid);

/*
 * The pid of the process that connected the AF_UNIX socket sock (or
 * made its pair), as the kernel recorded it (SO_PEERCRED on Linux).
 * -1/ENOSYS where the host cannot say (xptyd's lease slots then never
 * reap a dead holder, daemon/lease.c).
 */
int	host_peer_pid(int sock, pid_t *pid);

/*
 * Has the peer of connected stream socket sock shut its writing half
 * down (or closed)?  Data it sent before may still be queued.  1, 0,
 * -1/errno.  Never blocks.
 */
int	host_sock_rdhup(int sock);

/*
 * Bytes written to stream socket sock that its peer has not read yet
 * (Linux SIOCOUTQ), in *n.  -1/ENOSYS where the host cannot say.
 */
int	host_sock_outq(int sock, int *n);

/*
 * The bound mark: tell the daemon's end of a data connection from any
 * other socket with one getpeername().  host_mark_bind names sock (the
 * daemon's end) after ino (the application end's inode): Linux binds an
 * abstract name; hosts without abstract names bind a path in the 0700
 * socket directory (common/sockpath.h) and unlink it at once, which
 * getpeername still shows.  -1/errno if no name could be bound (the
 * connection works unmarked; it is just not recognised after exec).
 * host_mark_peer: 1 if the peer of sock carries such a name, 0 if not
 * (or sock is no socket), -1/errno (EBADF).  The mark is only a hint:
 * anyone may bind such a name; xptyd's registry decides.
 */
int	host_mark_bind(int sock, uint64_t ino);
int	host_mark_peer(int sock);

/* ---- descriptors ---- */

/*
 * Call fn(fd, arg) for every descriptor open in this process, in no
 * particular order, skipping the one the walk itself uses; stop early
 * when fn returns nonzero.  Descriptors opened or closed meanwhile (by
 * fn or another thread) may or may not be seen.  Returns 0, or -1/errno
 * if the host's list could not be read (Linux: /proc not mounted).
 * No allocation: a stack buffer of 512 bytes.
 */
int	host_fd_walk(int (*fn)(int fd, void *arg), void *arg);

/*
 * Event-loop registrations that follow a descriptor number when libxpty
 * dup3()s a new connection over it (lib/relay.c's reattach): Linux's
 * epoll, found through /proc/self/fdinfo.  host_evreg_note says this
 * image created an event-loop instance (until then the others do
 * nothing: the search costs a system call per descriptor);
 * host_evreg_detach finds the registrations of (fd, the file now
 * behind it) in this process's instances, removes them, and records
 * them in *r; host_evreg_attach adds them back for fd (the new file).
 * Never fail, errno preserved; a registration that cannot be moved is
 * left as it was.  Without HOST_CAP_EVREG they do nothing (r->n = 0).
 */
#define HOST_EVREG_MAX	64
struct host_evreg {
	int		evfd;		/* the instance (epoll, kqueue) */
	uint32_t	events;		/* host-defined: epoll's event mask */
	uint64_t	data;		/* the user's data */
};
struct host_evregs {
	int			n;
	struct host_evreg	reg[HOST_EVREG_MAX];
};
void	host_evreg_note(void);
void	host_evreg_detach(int fd, struct host_evregs *r);
void	host_evreg_attach(int fd, const struct host_evregs *r);
/*
 * fn is called (errno preserved by the caller of fn) with each
 * descriptor the application adds to an event-loop instance from now on
 * (Linux: epoll_ctl's EPOLL_CTL_ADD, interposed), before the host's call;
 * NULL stops it.  Where the host's calls are not interposed it is never
 * called.
 */
void	host_evreg_watch(void (*fn)(int fd));

/*
 * A shared-memory object for a pty's state page (common/ptypage.h):
 * anonymous (no name anyone can open), size 0, close-on-exec; the
 * caller sizes it with ftruncate and maps it MAP_SHARED; it can be
 * passed over SCM_RIGHTS.  Linux: memfd_create.  -1/errno.
 */
int	host_page_create(void);

/*
 * Shared (not process-private) futexes on a 32-bit word of a page mapped
 * by several processes.  wait: sleep while *word == val, at most ms
 * milliseconds; 0 woken or timed out, -1 EINTR / EAGAIN (the word moved).
 * wake: wake the sleepers on word.  Hosts without them: wait sleeps 1 ms
 * (a bounded poll of the word), wake does nothing.
 */
int	host_futex_wait(uint32_t *word, uint32_t val, int ms);
void	host_futex_wake(uint32_t *word);

/* ---- processes ---- */

/*
 * A descriptor that polls readable while one of the signals in set is
 * pending (the caller blocks them), without taking them: the caller can
 * then let them be delivered as usual (lib/xwait.c).  Linux: signalfd.
 * Non-blocking, close-on-exec, the caller's.  -1/errno (ENOSYS).
 */
int	host_signal_fd(const sigset_t *set);

/*
 * This image's executable file, as the kernel knows it (its st_dev and
 * st_ino identify it; Linux stats /proc/self/exe).  -1/errno (ENOSYS).
 */
int	host_self_exe(struct stat *st);

/*
 * Send one datagram (never blocking) to the local socket that the xpty
 * wrapper bound for a process of the same user under the name name
 * (namelen bytes, no NUL), the host's way (Linux: an abstract name;
 * src/xpty.c binds it).  -1/errno.
 */
int	host_local_dgram(const char *name, size_t namelen, const void *msg,
	    size_t len);

/*
 * Start path (argv, envp) as a process that is no child of the caller: no
 * SIGCHLD reaches the application, and its wait() calls never see it
 * (Linux: a clone with no exit signal, which forks the real one and exits).
 * In the new process fd3 is descriptor 3, 0 and 1 are /dev/null and 2 is
 * the caller's (for its diagnostics); every signal starts blocked (it
 * unblocks what it wants) and no handler of the application runs in it.
 * Returns 0 once the intermediate step has finished (the new process runs
 * on its own), -1 with errno (EAGAIN: it could not fork).  Blocks briefly.
 * NOT async-signal-safe (maps a stack); thread-safe.
 */
int	host_spawn_detached(const char *path, char *const argv[],
	    char *const envp[], int fd3);

#endif /* XPTY_HOST_H */
