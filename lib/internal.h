/*
 * internal.h - libxpty's private interfaces, shared by the files of lib/.
 *
 * Layering, bottom up:
 *   sys.h          raw system calls used internally (never re-enter
 *                  wrappers), one sys_<host>.c per host
 *   readable.c     read-only data a caller's pointer may be read in directly
 *   resolve.c      the next definitions of interposed names (dlsym RTLD_NEXT)
 *   fdtable.c      descriptor -> struct xstream map, lock-free reads
 *   forkgate.c     fork() never copies a half-made change of that map
 *   host.h         the host kernel's ptys, sockets, descriptors: one set
 *                  of host_<host>*.c files per host, picked by configure
 *   store.h        the stream-state store: common/store_termios.c or
 *                  common/store_page.c, picked by configure
 *   ptypath.c      /dev/ptmx and /dev/pts/N in the open family's paths
 *   ldterm.c       illumos ldterm defaults and raw mode, in host termios bits
 *   ttcompat.c     V7/4BSD ioctls translated to termios
 *   streams_emul.c module stack, read options, flush, signals
 *   ioctl_map.c    SVR4 ioctl decoding (direct and through I_STR)
 *   engine.h       the engine table: how a manager's data moves
 *   engine.c       what the engines share
 *   engine_direct.c  the descriptor is the host manager
 *   engine_relay.c   the descriptor is a socket to xptyd
 *   relay.c        client of xptyd (the relay engine): the requests
 *   relay_wire.c   its wire: run directory, connections, bounded waits
 *   fallback.c     a relayed manager whose daemon is gone goes direct
 *   pckt.c         the head of a pckt manager's message queue
 *   strhead.c      the stream head's read side (getmsg, read modes)
 *   dataio.c       read, write on managed descriptors
 *   xwait.c        waits a signal interrupts as it would a kernel sleep
 *   adopt.c        descriptors taken under management (open, exec, SCM_RIGHTS)
 *   mode.c         XPTY_MODE, xpty_setmode(), process scope
 *   libxpty.c      the interposed entry points
 * Everything here has hidden visibility; only include/xpty.h names and the
 * interposed libc names leave the library.
 *
 * Stack budget.  Interposed calls run on the application's threads, whose
 * stacks may be small (64 KiB, or less with pthread_attr_setstacksize):
 * a whole call, from the interposed entry point down to its deepest
 * system call, uses at most XPTY_STACK_BUDGET bytes of stack beyond what
 * the libc call it stands for would.  No large buffers on the stack:
 * data goes straight between the kernel and the caller's buffers
 * (MSG_PEEK into them, iovec subsets of them), discards go through one
 * small buffer shared by several iovec entries.  configure adds
 * -Wstack-usage=4096 for lib/, and tests/stack.c measures the deepest
 * calls on a painted thread stack.
 */
#define XPTY_STACK_BUDGET	4096
#ifndef XPTY_INTERNAL_H
#define XPTY_INTERNAL_H

#include <sys/types.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "host.h"

#define XPTY_EXPORT	__attribute__((visibility("default")))
#define XPTY_UNUSED	__attribute__((unused))

struct strioctl;
struct stat;
struct termios;

/* ---- sys.h (sys_<host>.c): raw system calls, struct kterm ---- */
#include "sys.h"

/* ---- resolve.c: the next (libc's) definitions ---- */
struct xpty_next {
	int	(*open)(const char *, int, ...);
	int	(*open64)(const char *, int, ...);
	int	(*openat)(int, const char *, int, ...);
	int	(*openat64)(int, const char *, int, ...);
	int	(*ioctl)(int, unsigned long, ...);
	int	(*close)(int);
	ssize_t	(*read)(int, void *, size_t);
	ssize_t	(*write)(int, const void *, size_t);
	int	(*dup)(int);
	int	(*dup2)(int, int);
	int	(*dup3)(int, int, int);
	int	(*fcntl)(int, int, ...);
	int	(*close_range)(unsigned int, unsigned int, int);
	void	(*closefrom)(int);
	int	(*tcgetattr)(int, struct termios *);
	int	(*tcsetattr)(int, int, const struct termios *);
	int	(*isatty)(int);
};
extern struct xpty_next xpty_next;
void	xpty_resolve(void);
void	*dlsym_next(const char *);

/*
 * The next definition of a name the table does not carry, looked up on
 * first use into a static cache.  Threads that make their first call at
 * once each look it up and store the same pointer; the atomic builtins
 * (a plain load on these hosts) make that race defined.  An expression:
 * call through its value, not through the cache, whose plain read would
 * be the race again.
 */
#define NEXT_CACHED(cache, name) (__extension__({			\
	__typeof__(cache) fn_;						\
									\
	fn_ = __atomic_load_n(&(cache), __ATOMIC_RELAXED);		\
	if (fn_ == NULL) {						\
		fn_ = (__typeof__(cache))dlsym_next(name);		\
		__atomic_store_n(&(cache), fn_, __ATOMIC_RELAXED);	\
	}								\
	fn_;								\
}))

/* ---- sigrestart.c: do the installed handlers restart a read? ---- */
#define SIGRESTART_ALL		0	/* every one has SA_RESTART, or none */
#define SIGRESTART_NONE		1	/* none has SA_RESTART */
#define SIGRESTART_MIXED	2	/* they disagree, or cannot tell */
/*
 * ThreadSanitizer's runtime installs its handlers with sigaction before
 * it can run instrumented code, so a TSan build interposes none of the
 * signal calls (lib/interpose_signal.c is empty there) and its lease
 * reads wait with signals blocked.
 */
#if defined(__SANITIZE_THREAD__)
#define XPTY_TSAN	1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define XPTY_TSAN	1
#endif
#endif
#if defined(__linux__) && !defined(XPTY_TSAN)
#define SIGRESTART_TRACKED	1	/* lib/interpose_signal.c is built */
#else
#define SIGRESTART_TRACKED	0
#endif
struct sigaction;
int	sigrestart_policy(void);	/* cached until a disposition changes */
int	sigrestart_policy_now(void);	/* looked at again */
void	sigrestart_changed(void);	/* a disposition may have changed */
void	sigrestart_resolve(void);	/* resolve.c: look sigaction up now */
int	xpty_sigaction_next(int, const struct sigaction *, struct sigaction *);

/* ---- fdtable.c ---- */
enum xpty_kind {
	XK_MANAGER = HOST_MANAGER,	/* /dev/ptmx side */
	XK_SUBSID = HOST_SUBSID		/* /dev/pts/N side */
};
enum xpty_engine {
	XE_DIRECT = 0,		/* the descriptor is the host manager itself */
	XE_RELAY = 1,		/* the descriptor is a socket to xptyd */
	XE_LEASE = 2		/* that socket, and reads of the host manager
				   under xptyd's lease (engine_lease.c) */
	/* engine.h: each one's entries, indexed by these */
};

#define XPTY_MAXMODS	9	/* illumos nstrpush */
#define XPTY_PENDMAX	128	/* direct pckt: an M_IOCTL message */

/*
 * One struct xstream per open file description libxpty manages (dup()ed
 * descriptors share it).  Subsidiary stream state that must be shared
 * between processes (module stack, XPG4v2 mark) lives in the stream-state
 * store instead (common/store.h); what is here is this process's view.
 *
 * Concurrency: every thread holding one of the stream's descriptors may
 * use it at once.  Each field says its rule: atomic (refs, next_free, gen,
 * eofstate, falling); relaxed, XS_LOAD/XS_STORE (kind, ptyno, hostfd,
 * engine); a setting (plain, written by the call that changes it and read
 * by every call on the stream: a call on another thread at that moment is
 * not ordered against the change, the application orders the two); or
 * the reader's (plain, touched only by reads of the manager and the
 * reset before a new head message: threads that read one manager at the
 * same time serialise those reads themselves, pckt.c).
 */
struct xstream {
	_Atomic(int)	refs;		/* descriptors in this process */
	_Atomic(uint32_t) next_free;	/* fdtable.c free list: index + 1 */
	uint32_t	slot;		/* fdtable.c: this one's index + 1 */
	/*
	 * Incremented each time the memory is made a new stream
	 * (xstream_new): a call that began on this stream and finds another
	 * generation knows its descriptor was closed and the memory reused.
	 */
	_Atomic(uint32_t) gen;
	/*
	 * kind, ptyno and hostfd are also read by scans of the whole table
	 * (no_pending_close()), which may meet an xstream another thread is
	 * releasing or reusing: stale but mapped memory, read and written
	 * with XS_LOAD/XS_STORE (relaxed atomics) so that is not a data race.
	 * engine is relaxed too: set before the stream has a descriptor, it
	 * changes once, relay to direct (fallback.c, a release in
	 * engine_relay.c), while other threads read it (XENGINE).
	 * xstream_new() clears the fields from engine on.
	 */
	enum xpty_kind		kind;
	int			ptyno;		/* N of /dev/pts/N */
	int			hostfd;		/* relay: host manager, or -1 */
	enum xpty_engine	engine;
	/* settings (plain): the call that changes one writes it */
	int		hostdata;	/* manager: the host's semantics
					   (XSTATE_HOSTDATA; see ioctl_map.c),
					   0 to 1 only, never back */
	int		rdopt;		/* I_SRDOPT read options */
	int		sigevents;	/* I_SETSIG events */
	int		wropt;		/* I_SWROPT write options */
	/* the reader's (plain): reads of the manager only */
	int		pktstatus;	/* pckt, direct: HOST_PKT_* not yet reported */
	/*
	 * pckt: the head message once opened (relay: its frame header read;
	 * direct: its status event taken) and not yet wholly delivered
	 * (pckt.c).  msg_ctl is 1 + its type while the control part is
	 * undelivered, else 0; msg_data says its data part (maybe empty) is
	 * undelivered.  Where that data part is: relay, frame_left bytes
	 * still in the socket; direct, pend[pend_off..pend_len) or, with
	 * msg_kern, in the host manager (one read of it).
	 */
	int		msg_ctl;
	int		msg_data;
	int		msg_kern;
	uint32_t	frame_left;
	uint16_t	pend_off;
	uint16_t	pend_len;
	unsigned char	pend[XPTY_PENDMAX];
	_Atomic(int)	eofstate;	/* manager: XEOF_* below (relaxed) */
	_Atomic(int)	falling;	/* fallback.c: converting to direct */
	_Atomic(int)	deferred;	/* defer.c: DEFER_* below */
	int		zero_owed;	/* the reader's: relay, a 0 returned,
					   reattach owed */
	/*
	 * The lease engine (engine_lease.c).  lease_map: this process's
	 * mapping of the pty's page (lease_unmap with the stream), lease: its
	 * block in it, published (release) once valid and read with acquire;
	 * lease_epoch: the process image lease_slot was given to (a child
	 * after fork joins again); lease_aseen: out_seq when the socket was
	 * last found empty, valid while lease_aok (both relaxed atomics:
	 * threads reading the manager at once share them, any of their values
	 * is safe); lease_join: a join under way (CAS), or refused for good.
	 */
	void		*lease_map;
	void		*lease;
	uint32_t	lease_epoch;
	int		lease_slot;
	uint32_t	lease_aseen;
	int		lease_aok;
	int		lease_join;
	/*
	 * A setting (plain): the manager's own stack, changed by I_PUSH and
	 * I_POP of pckt (streams_emul.c), read by every read and write.
	 */
	int		nmods;		/* manager side: modules pushed (pckt) */
	char		mods[XPTY_MAXMODS][8 + 1];
};
#define XEOF_NONE	0	/* subsidiary open or never opened */
#define XEOF_PENDING	1	/* last close seen, 0 not yet returned */
#define XEOF_DONE	2	/* 0 returned; reads block until reopen */

#define XS_LOAD(field)		__atomic_load_n(&(field), __ATOMIC_RELAXED)
#define XS_STORE(field, v)	__atomic_store_n(&(field), (v), __ATOMIC_RELAXED)

struct xstream	*xstream_new(enum xpty_kind, int ptyno);
void		 xstream_release(struct xstream *);

/*
 * Lock-free lookup; NULL when libxpty does not manage fd.  Inline, so
 * that a process which never recorded a descriptor (xfd_dir is made at
 * the first) pays one load before its interposed call's tail call.
 */
extern void *_Atomic xfd_dir;
struct xstream	*xfd_lookup_slow(int fd);

/* Has this process recorded any descriptor, a stream's or its own? */
static inline int
xfd_any(void)
{
	return (atomic_load_explicit(&xfd_dir, memory_order_relaxed) != NULL);
}

static inline struct xstream *
xfd_lookup(int fd)
{
	if (atomic_load_explicit(&xfd_dir, memory_order_relaxed) == NULL)
		return (NULL);
	return (xfd_lookup_slow(fd));
}
void		 xfd_attach(int fd, struct xstream *);	/* takes a reference */
void		 xfd_detach(int fd);			/* drops it */
void		 xfd_detach_range(unsigned int, unsigned int);
int		 xfd_highest(void);	/* highest fd ever recorded, or -1 */
/* libxpty's own descriptors: owner is where the fd number is recorded */
int		*xfd_private_owner(int fd);
void		 xfd_set_private(int fd, int *owner);	/* NULL: forget */
int		 xfd_private_evict(int fd);		/* move it elsewhere */
extern _Atomic(int) xfd_count;	/* managed descriptors */
/*
 * defer.c: a manager whose relay waits for its first use.  xs->deferred:
 * DEFER_WAITING from posix_openpt until the first use, DEFER_MOVING while
 * one thread promotes it, then DEFER_NONE for good.
 */
#define DEFER_NONE	0
#define DEFER_WAITING	1
#define DEFER_MOVING	2
extern _Atomic(int) defer_live;	/* streams deferred in this process */
int		 defer_wanted(void);
void		 defer_mark(struct xstream *);
void		 defer_released(struct xstream *);
int		 defer_promote(struct xstream *);
void		 defer_promote_all(void);	/* an escape: fork, exec... */
void		 defer_promote_fd(int fd);	/* fd leaves (SCM_RIGHTS) */
void		 defer_promote_pty(int ptyno);	/* a message for xptyd */
int		 defer_promote_if_closed(int fd, struct xstream *);

/*
 * Any call that uses the stream xs: its relay first, if deferred.  -1
 * (EBADF) if xs was closed meanwhile: the call must not go on with it.
 */
static inline int
defer_use(struct xstream *xs)
{
	if (__builtin_expect(atomic_load_explicit(&xs->deferred,
	    memory_order_acquire) != DEFER_NONE, 0))
		return (defer_promote(xs));
	return (0);
}

/* The same for whatever stream fd has, if any. */
static inline void
defer_use_fd(int fd)
{
	if (atomic_load_explicit(&defer_live, memory_order_relaxed) != 0)
		defer_promote_fd(fd);
}

/* forkgate.c: changes of descriptor state that fork() must not split */
void		 xfd_gate_enter(void);
void		 xfd_gate_leave(void);
void		 xfd_gate_init(void);	/* pthread_atfork, once */
/* private descriptors live at XPTY_PRIVATE_FDMIN and up (sys.h) */

/* ---- host.h (host_<host>.c): the host kernel, included above ---- */

/*
 * host_open_manager, inside forkgate.c's gate where the host's allocator
 * holds the new subsidiary open a moment (HOST_CAP_OPEN_CLOSES): a child
 * forked then would hold it until it exits, so that the pty would show
 * no hangup with nobody having opened it and then, at the child's exit,
 * a close that xptyd would take for the stream's last.
 */
static inline int
host_open_manager_gated(int oflag)
{
	int	fd, saved;

	if (!(host_caps & HOST_CAP_OPEN_CLOSES))
		return (host_open_manager(oflag));
	xfd_gate_enter();
	fd = host_open_manager(oflag);
	saved = errno;
	xfd_gate_leave();
	errno = saved;
	return (fd);
}

/* ---- ptypath.c: a caller's path, read without faulting ---- */
#define PTYPATH_NONE	0	/* another path, or one that cannot be read */
#define PTYPATH_PTMX	1	/* /dev/ptmx, /dev/pts/ptmx */
#define PTYPATH_PTS	2	/* /dev/pts/N */
int	ptypath_classify(const char *path, int *ptyno);
char	*ptypath_namebuf(void);	/* this thread's ptsname() buffer */

/* ---- common/store.h (store_<kind>.c): the stream-state store ---- */
#include "store.h"

/* ---- termcache.c: a thread's last termios of a subsidiary ---- */
int	termcache_read(int fd, int ptyno, struct xstate *, struct kterm *);
int	termcache_load(int fd, int ptyno, struct xstate *, struct kterm *);
int	termcache_write(int fd, int ptyno, const struct xstate *,
	    const struct kterm *);


/* ---- ldterm.c ---- */
void	ldterm_defaults(struct kterm *);	/* illumos ttymodes, host bits */
void	ldterm_raw(struct kterm *);		/* no line discipline */
tcflag_t ldterm_illumos_to_host(int which, tcflag_t);	/* 0 i, 1 o, 2 c, 3 lflag */
tcflag_t ldterm_host_to_illumos(int which, tcflag_t);
int	ldterm_speed_to_illumos(speed_t);	/* host code -> illumos 0..23 */
speed_t	ldterm_speed_to_host(int);		/* (speed_t)-1 if not a code */

/* ---- svr4tty.c: the SVR4 terminal requests on a host tty ---- */
int	svr4tty_ioctl(int fd, unsigned long req, void *arg);
unsigned long svr4tty_how(unsigned long req);	/* TCSETS* -> KTERM_SET* */

/* ---- ttcompat.c ---- */
int	ttcompat_is_request(unsigned long req);
int	ttcompat_ioctl(int fd, unsigned long req, void *arg);	/* -1/errno */

/* ---- streams_emul.c ---- */
int	stream_push(int fd, struct xstream *, const char *name);
int	stream_pop(int fd, struct xstream *);
int	stream_look(int fd, struct xstream *, char *buf);
int	stream_find(int fd, struct xstream *, const char *name);
int	stream_list(int fd, struct xstream *, void *arg);
int	stream_tty_ok(int fd, struct xstream *);	/* termios allowed? */
int	stream_has_module(int fd, struct xstream *, enum xpty_module);
int	stream_ctlfd(int fd, const struct xstream *);
int	stream_unlock(int fd, struct xstream *);	/* unlockpt */
int	stream_set_pckt(int fd, struct xstream *, int on);
void	stream_after_set(int fd, struct xstream *, unsigned long req,
	    const void *arg, size_t len, const struct kterm *old);

/* ---- mgr_host.c: the host's manager ioctls, the switch to them ---- */
int	mgr_host_request(const struct xstream *, unsigned long req);
int	mgr_host_ioctl(int fd, struct xstream *, unsigned long req, void *arg);

/* ---- ioctl_map.c ---- */
int	xpty_ioctl(int fd, struct xstream *, unsigned long req, void *arg);
int	xpty_ioctl_unmanaged(int fd, unsigned long req, void *arg);
void	ioctl_session_changed(void);	/* after setsid (libxpty.c) */
int	pt_mark_xpg4(int fd, struct xstream *);

/* ---- dataio.c: a manager's reads as the engines make them ---- */
struct iovec;
ssize_t	xpty_raw_readv(int fd, struct xstream *, const struct iovec *, int);
ssize_t	xpty_raw_read(int fd, struct xstream *, void *, size_t);

/* ---- dataio.c, strmsg.c ---- */
struct iovec;
struct strbuf;
ssize_t	xpty_read(int fd, struct xstream *, void *, size_t);
ssize_t	xpty_readv(int fd, struct xstream *, const struct iovec *, int);
ssize_t	xpty_write(int fd, struct xstream *, const void *, size_t);
ssize_t	xpty_write_zero(int fd, struct xstream *);

/* ---- fallback.c: a relayed manager goes direct when the daemon is gone ---- */
int	relay_fallback(int fd, struct xstream *, const char *cause); /* -1 EIO */

/* ---- pckt.c: the head of a pckt manager's message queue ---- */
#define PCKT_HEAD_NONE	0	/* no message (a look that does not wait) */
#define PCKT_HEAD_OPEN	1	/* xs->msg_* describe the head message */
int	pckt_head_open(int fd, struct xstream *, int block);	/* or -1 */
size_t	pckt_head_left(const struct xstream *);	/* data part not delivered */
ssize_t	pckt_head_take(int fd, struct xstream *, const struct iovec *, int,
	    size_t off, size_t len);
void	pckt_head_discard(int fd, struct xstream *);
void	pckt_reset(struct xstream *);

/* ---- strhead.c: the stream head's read side on a manager ---- */
int	pckt_getmsg(int fd, struct xstream *, struct strbuf *, struct strbuf *);
ssize_t	pckt_read(int fd, struct xstream *, const struct iovec *, int);
int	pckt_peek(int fd, struct xstream *, void *uarg);
int	pckt_nread(int fd, struct xstream *, int *first);
int	plain_peek(int fd, struct xstream *, void *uarg);
/* Is a zero-length message (last subsidiary close) waiting on fd? */
int	strhead_eof_pending(int fd, const struct xstream *);

/* ---- relay.c, relay_wire.c (relay.h has the rest) ---- */
int	relay_wanted(void);	/* use xptyd for new managers? */
int	relay_usable(void);	/* has it not been silent past the bound? */
int	relay_bound(void);	/* XPTY_DAEMON_TIMEOUT, ms */
ssize_t	relay_write(int fd, int hostfd, const void *buf, size_t n);
void	relay_became_host(struct xstream *);	/* released: fd is the host's */
int	relay_open(int oflag, int *hostfd, int *ptyno);	/* app socket or -1 */
const char *relay_last_error(void);
int	relay_zero_write(int ptyno, int subsidfd);
int	relay_reattach(int fd, struct xstream *);
int	relay_identify(int fd, int *hostfd, int *ptyno);
int	relay_fetch_page(int ptyno, int proof);
int	relay_lease(int fd, int *pagefd);	/* XP_LEASE: the slot */
int	relay_engine(void);	/* XE_RELAY or XE_LEASE (XPTY_ENGINE) */
void	lease_forked(void);	/* engine_lease.c: in a child after fork */
void	lease_engine_init(void);	/* engine_lease.c: at start, the default */
void	lease_unmap(void *map);	/* engine_lease.c: a released stream's page */
extern _Atomic(int) lease_joined;	/* engine_lease.c: a lease was read */
int	lease_ready_host(int fd);	/* engine_lease.c: H to poll beside fd */
int	relay_set_pckt(int fd, int on);
int	relay_release(int fd);	/* XP_RELEASE: 1 ended, 0, -1 */
int	relay_sync_close(int ptyno);	/* after the last manager close */
void	relay_barrier(int ptyno);	/* xptyd has seen what happened */
void	relay_forked(void);		/* in a child after fork() */
int	relay_event(int ptyno, int subsidfd, int mtype, const void *payload,
	    size_t len);

/* ---- xwait.c: waits that a signal interrupts as a kernel sleep ---- */
struct pollfd;
#define XWAIT_FOREVER	INT64_MAX	/* a deadline that never comes */
int64_t	xwait_now(void);		/* CLOCK_MONOTONIC, milliseconds */
int64_t	xwait_deadline(int ms);		/* now + ms; ms < 0: XWAIT_FOREVER */
int	xwait_poll(struct pollfd *, int, int64_t deadline);	/* 1, 0, -1 */
int	xwait_poll_blocked(struct pollfd *, int, int64_t deadline,
	    const sigset_t *old, int keptfd);	/* signals blocked already */
int	xwait_signal_fd(const sigset_t *old);	/* for what old lets through */
int	xwait_sleep(int64_t deadline);	/* 0, or -1 EINTR */

/* ---- mode.c ---- */
int	xpty_mode_current(void);	/* XPTY_NATIVE, XPTY_SVR4, XPTY_XPG4V2 */
void	xpty_mode_init(void);
void	xpty_mode_scope_done(void);

/* ---- trace.c ---- */
extern int xpty_tracing;	/* 0: off (the only cost: this load) */
void	trace_init(void);
void	trace_call(int fd, const char *what, long num, long rv, int err,
	    const char *note);
void	trace_ioctl(int fd, unsigned long req, void *arg, long rv, int err,
	    const char *note);
void	trace_name(int fd, const char *name);
const char *trace_errname(int);
const char *trace_reqname(unsigned long);
#define XTRACE(fd, what, num, rv, note) do {				\
	if (xpty_tracing)						\
		trace_call((fd), (what), (num), (long)(rv), errno, (note)); \
} while (0)

/* ---- adopt.c ---- */
int	adopt_subsid(int fd, int ptyno);	/* fd, or -1 (closed) */
void	rediscover_fd(int fd);	/* adopt a pty libxpty made, if fd is one */
void	rediscover_all(void);

/* ---- libxpty.c: for the interposers of lib/interpose_glibc.c ---- */
enum open_kind { OK_OPEN, OK_OPEN64, OK_OPENAT, OK_OPENAT64 };
int	xpty_open_hook(enum open_kind, int dirfd, const char *path, int flags,
	    mode_t mode);
int	xpty_fcntl_common(int fd, int cmd, long arg);

/* ---- misc ---- */
int	xpty_user_copyin(void *dst, const void *src, size_t len); /* EFAULT-safe */
int	xpty_user_copyout(void *dst, const void *src, size_t len);
int	xpty_user_strcopy(char *dst, const char *src, size_t dstlen); /* EFAULT / EINVAL too long */
int	iov_put(const struct iovec *, int, size_t off, const void *, size_t);
int	iov_sub(const struct iovec *, int, size_t off, size_t len,
	    struct iovec *out, int max, size_t *got);
size_t	xpty_strlcpy(char *, const char *, size_t);
/* readable.c: bytes known readable from p on (read-only data), or 0 */
size_t	readable_span(const void *p);

#endif /* XPTY_INTERNAL_H */
