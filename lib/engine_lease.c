/*
 * engine_lease.c - the lease engine: the relay engine (engine_relay.c),
 * except that the library's own reads take the bytes from the host
 * manager itself while xptyd has leased it the path (docs/lease.md is
 * the protocol, tests/model/lease.pml its model, common/lease.h the
 * block and its atomic steps).
 *
 * The application's manager descriptor A stays the relay socket: stdio,
 * readers that bypass the library, fork, exec, SCM_RIGHTS are served as
 * in the relay engine, by xptyd, once it takes the path back (at its
 * expiry tick, docs/lease.md 5.3, or for a marker, a hangup, pckt).  A
 * read here (lease_readv, docs/lease.md 4.2):
 *   1. if xptyd sent anything into A since A was last found empty
 *      (out_seq moved), A is read without waiting first; its end of file
 *      is the relay's zero-length message (relay_readv does the rest);
 *   2. every signal blocked (no handler may leave the critical section
 *      by longjmp), the reader enters cs, takes the lease if the word
 *      allows (lease_take), and reads the host manager H (non-blocking,
 *      the daemon's open file description) only if the word says LEASED,
 *      xptyd is not between a read of H and its send, and nothing was
 *      sent into A since it was found empty (lease_may_take_bytes);
 *   3. then it leaves cs and returns the bytes, or waits: for A or H to
 *      be readable (signals still blocked: xwait_poll_blocked watches
 *      for them, so a read that waits once changes the mask once each
 *      way), for xptyd's read in flight to end (a futex on dword, any
 *      change of it), or for A alone (xptyd has the path; both with the
 *      caller's mask back); a signal ends such a wait as it would a
 *      kernel sleep (xwait.c), O_NONBLOCK on A gives EAGAIN instead.
 * EIO from H (the last subsidiary close, read inside cs) is recorded in
 * the word (lease_note_eio) and told to xptyd (XP_SYNC): it places the
 * zero-length message into A, which the next look at A finds.  The
 * hangup of a pty never opened (the first-close rule, lib/host.h
 * HOST_CAP_OPEN_CLOSES) is no last close: xptyd holds the path then
 * (LEASE_HOLD_HUP, daemon/pty.c's PTYF_FRESH), so H is not read; should
 * a look find it anyway, the reader waits for A (LK_WAIT_A), never for H,
 * whose POLLHUP would end every wait at once.
 *
 * Joining.  The first leased read of a stream in a process asks xptyd for
 * a slot (XP_LEASE, relay.c), maps the page it sends (MAP_SHARED; the
 * block at XP_PAGE_LEASE_OFF) and records the slot for this image
 * (lease_epoch, bumped in a child after fork: the child joins with its
 * own slot).  A refusal (an xptyd without leases, no slot, leases off)
 * makes the stream read A as the relay engine does, for good.
 *
 * State: the process's epoch (atomic); per stream the fields named
 * lease_* in struct xstream (internal.h).  Descriptors: A and xs->hostfd,
 * the stream's; the page's descriptor is closed once mapped.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "xpty.h"
#include "internal.h"
#include "engine.h"
#include "lease.h"
#include "ptypage.h"

#define LEASE_WAIT_MS	100	/* a futex wait looks at A this often */
#define LEASE_LOOK_MS	500	/* a poll wait looks at fd this often */

/* What a look at H under the lease said (besides bytes or an error). */
#define LK_BYTES	0	/* r holds the count */
#define LK_RETRY	1	/* out_seq moved: look at A again */
#define LK_WAIT_H	2	/* H is empty: wait for A or H */
#define LK_WAIT_D	3	/* xptyd's read of H is in flight */
#define LK_WAIT_A	4	/* xptyd has the path: wait for A */
#define LK_EIO		5	/* the last close: xptyd places its message */
#define LK_ERROR	6	/* r is -1, errno set */

static _Atomic(uint32_t) lease_epoch = 1;	/* this process image's */
_Atomic(int) lease_joined;	/* a read here took a lease (lease_poll.c) */

/* In a child after fork (forkgate.c). */
void
lease_forked(void)
{
	atomic_fetch_add(&lease_epoch, 1);
}

/*
 * A stream's page, unmapped only LEASE_UNMAP_LAG releases later: a read
 * of it that another thread's close overtook may still look at its block
 * once before it sees that its stream is gone (lease_readv).
 */
#define LEASE_UNMAP_LAG	16
static void *_Atomic lease_late[LEASE_UNMAP_LAG];
static _Atomic(unsigned) lease_late_at;

void
lease_unmap(void *map)
{
	unsigned	 i = atomic_fetch_add(&lease_late_at, 1) % LEASE_UNMAP_LAG;
	void		*old = atomic_exchange(&lease_late[i], map);

	if (old != NULL)
		(void)munmap(old, XP_PAGE_SIZE);
}

static void
lease_refuse(struct xstream *xs)
{
	__atomic_store_n(&xs->lease_join, -1, __ATOMIC_RELAXED);
}

/*
 * host_evreg_watch's hook (lease_engine_init): a lease manager that the
 * application adds to an epoll instance reads through A from now on, in
 * this process: epoll waits on A, and a lease held here would keep what
 * comes next in H, unseen there, for up to two expiry ticks (lease_poll.c
 * follows poll and select only).
 */
static void
lease_epoll_added(int fd)
{
	struct xstream	*xs = xfd_lookup(fd);

	if (xs != NULL)
		(void)defer_use(xs);	/* the socket is what gets registered */
	if (xs != NULL && XS_LOAD(xs->kind) == XK_MANAGER &&
	    XENGINE(xs) == &xengine_lease)
		lease_refuse(xs);
}

/* The default engine is the lease: watch for epoll registrations. */
void
lease_engine_init(void)
{
	host_evreg_watch(lease_epoll_added);
}

/* Map the page xptyd sent; its block, or NULL. */
static struct lease_block *
lease_map(struct xstream *xs, int pagefd)
{
	struct lease_block	*b;
	void			*map = xs->lease_map;

	if (map == NULL) {
		/* raw: a sanitizer must not see a descriptor it never saw */
		map = xsys_map_shared(pagefd, XP_PAGE_SIZE);
		if (map == MAP_FAILED)
			return (NULL);
		xs->lease_map = map;
	}
	b = (struct lease_block *)((char *)map + XP_PAGE_LEASE_OFF);
	return (lease_valid(b) ? b : NULL);
}

/* XP_LEASE: join the pty's lease with a slot of this process. */
static struct lease_block *
lease_join(int fd, struct xstream *xs, uint32_t epoch)
{
	struct lease_block	*b = NULL;
	int			 zero = 0, one, slot, pagefd, saved = errno;

	if (!__atomic_compare_exchange_n(&xs->lease_join, &zero, 1, 0,
	    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return (NULL);	/* another thread joins: the relay's read now */
	if ((slot = relay_lease(fd, &pagefd)) == -1) {
		if (errno == EINTR || errno == EINPROGRESS)
			__atomic_store_n(&xs->lease_join, 0, __ATOMIC_RELEASE);
		else
			lease_refuse(xs);
		errno = saved;
		return (NULL);
	}
	b = lease_map(xs, pagefd);
	xsys_close(pagefd);
	if (b == NULL) {
		lease_refuse(xs);
		errno = saved;
		return (NULL);
	}
	atomic_store_explicit(&lease_joined, 1, memory_order_relaxed);
	xs->lease_slot = slot;
	__atomic_store_n(&xs->lease_epoch, epoch, __ATOMIC_RELAXED);
	__atomic_store_n(&xs->lease_aok, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&xs->lease, b, __ATOMIC_RELEASE);
	one = 1;	/* a refusal meanwhile (lease_epoll_added) stays */
	(void)__atomic_compare_exchange_n(&xs->lease_join, &one, 0, 0,
	    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
	errno = saved;
	return (b);
}

/* The block this process may read under, joining if need be; or NULL. */
static struct lease_block *
lease_block_of(int fd, struct xstream *xs)
{
	uint32_t		 epoch = atomic_load_explicit(&lease_epoch,
	    memory_order_relaxed);
	struct lease_block	*b;

	if (xs->nmods > 0 || xs->hostdata || XS_LOAD(xs->hostfd) < 0 ||
	    __atomic_load_n(&xs->lease_join, __ATOMIC_RELAXED) == -1)
		return (NULL);
	b = __atomic_load_n(&xs->lease, __ATOMIC_ACQUIRE);
	if (b != NULL && __atomic_load_n(&xs->lease_epoch,
	    __ATOMIC_RELAXED) == epoch)
		return (b);
	return (lease_join(fd, xs, epoch));
}

/* One read of A that does not wait. */
static ssize_t
recv_nowait(int fd, const struct iovec *iov, int iovcnt)
{
	struct msghdr	msg;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = (struct iovec *)(uintptr_t)iov;
	msg.msg_iovlen = (size_t)iovcnt;
	return (xsys_recvmsg(fd, &msg, MSG_DONTWAIT));
}

/* Enter cs (signals blocked already); a busy cs is one read of H long. */
static void
lease_enter_cs(struct lease_block *b, unsigned slot)
{
	uint32_t	seen;

	while (!lease_cs_enter(b, slot)) {
		seen = lease_cs(b);
		if (lease_cs_mark_waiting(b, &seen))
			(void)host_futex_wait(&b->cs, seen, LEASE_WAIT_MS);
	}
}

/*
 * Is there something in H to read (bytes, or its hangup)?  The look's
 * read of H must never sleep: H is the daemon's open file description,
 * non-blocking, but a process whose daemon is gone makes it blocking for
 * its own descriptors (fallback.c, which cannot reach the other holders),
 * and a reader of another process inside cs would then sleep in readv
 * with every signal blocked (seen as a hang of t_intr).  So the look
 * polls H first, unless the wait just before it saw H ready (hready):
 * then only a reader outside the protocol (a fallen-back process's own)
 * could have taken the bytes in between.
 */
static int
lease_h_ready(int hfd)
{
	struct pollfd	pfd = { .fd = hfd, .events = POLLIN, .revents = 0 };

	return (xsys_poll(&pfd, 1, 0) == 1);
}

/*
 * Steps 3 to 6 of docs/lease.md 4.2, every signal blocked (the caller's
 * lease_block_signals): inside cs, take the lease and read H if the
 * protocol allows; s is the dword loaded before A was found empty.
 * Returns LK_*; with LK_BYTES or LK_ERROR, *r; *dp: the dword
 * loaded inside (what a wait for xptyd's read waits to change).
 */
static int
lease_look(struct lease_block *b, struct xstream *xs, const struct iovec *iov,
    int iovcnt, uint32_t s, ssize_t *r, uint32_t *dp, int hready)
{
	uint32_t	w, d;
	int		how, may, e = 0;

	lease_enter_cs(b, (unsigned)xs->lease_slot);
	w = lease_take(b);
	*dp = d = lease_dword(b);
	may = lease_may_take_bytes(w, d, s);
	if (may && !hready && !lease_h_ready(XS_LOAD(xs->hostfd)))
		how = LK_WAIT_H;
	else if (may) {
		*r = host_mgr_readv(XS_LOAD(xs->hostfd), iov, iovcnt);
		e = errno;
		if (*r > 0) {
			lease_count_read(b);
			how = LK_BYTES;
		} else if (*r == -1 && (e == EAGAIN || e == EWOULDBLOCK))
			how = LK_WAIT_H;
		else if (host_mgr_read_hup(*r, e) &&
		    xstate_fresh(XS_LOAD(xs->hostfd)))
			how = LK_WAIT_A;	/* no open yet: xptyd's to see */
		else if (host_mgr_read_hup(*r, e)) {
			lease_note_eio(b);	/* still inside: no reader after */
			how = LK_EIO;
		} else
			how = *r == 0 ? LK_WAIT_H : LK_ERROR;
	} else if ((d & ~LEASE_DREADING) != (s & ~LEASE_DREADING))
		how = LK_RETRY;
	else if (d & LEASE_DREADING)
		how = LK_WAIT_D;
	else
		how = LK_WAIT_A;
	if (lease_cs_leave(b))
		host_futex_wake(&b->cs);
	errno = e;
	return (how);
}

/*
 * A read keeps every signal blocked from its first look at H to its
 * return (docs/lease.md 4.2 step 2: no handler may leave cs by longjmp),
 * except around the waits that do not watch for signals themselves: one
 * mask change each way per read, whatever it waits for meanwhile.
 */
struct lease_mask {
	sigset_t	old;	/* the caller's */
	int		on;
};

static int
lease_block_signals(struct lease_mask *m)
{
	sigset_t	all;

	if (m->on)
		return (0);
	sigfillset(&all);
	if (pthread_sigmask(SIG_BLOCK, &all, &m->old) != 0)
		return (-1);
	m->on = 1;
	return (0);
}

static void
lease_unblock_signals(struct lease_mask *m)
{
	int	saved = errno;

	if (m->on) {
		pthread_sigmask(SIG_SETMASK, &m->old, NULL);
		m->on = 0;
	}
	errno = saved;
}

/*
 * The signal descriptor of the waits for A or H, kept for the process:
 * made for the mask of the first read that waits (most processes have
 * one mask in every thread), a private descriptor (fdtable.c keeps the
 * application's close, dup2 and close_range off it and follows it when
 * moved), close-on-exec, inherited across fork as it is.  A read with
 * another mask waits with a descriptor of its own (xwait's, -1).  If it
 * stops being a signal descriptor (closed by a raw system call, say),
 * the wait says EBADF and the next is made anew.
 * State: lease_sig (0 none, 1 being made, 2 made), lease_sigmask and
 * lease_sigfd, both written before lease_sig becomes 2.
 */
static _Atomic(int)	lease_sig;
static sigset_t		lease_sigmask;
static int		lease_sigfd = -1;

static int
lease_same_mask(const sigset_t *a, const sigset_t *b)
{
	int	i;

	for (i = 1; i < NSIG; i++)
		if (sigismember(a, i) != sigismember(b, i))
			return (0);
	return (1);
}

static int
lease_kept_sigfd(const sigset_t *old)
{
	int	none = 0, fd;

	if (atomic_load_explicit(&lease_sig, memory_order_acquire) == 2)
		return (lease_same_mask(old, &lease_sigmask) ?
		    XS_LOAD(lease_sigfd) : -1);
	if (!atomic_compare_exchange_strong(&lease_sig, &none, 1))
		return (-1);
	if ((fd = xwait_signal_fd(old)) == -1) {
		atomic_store(&lease_sig, 0);
		return (-1);
	}
	fd = xsys_fd_private(fd);
	lease_sigmask = *old;
	XS_STORE(lease_sigfd, fd);
	xfd_set_private(fd, &lease_sigfd);
	atomic_store_explicit(&lease_sig, 2, memory_order_release);
	return (fd);
}

/* The kept descriptor failed (EBADF): forget it, the next wait remakes. */
static void
lease_drop_sigfd(int fd)
{
	int	made = 2;

	if (fd == XS_LOAD(lease_sigfd) &&
	    atomic_compare_exchange_strong(&lease_sig, &made, 1)) {
		xfd_set_private(fd, NULL);
		XS_STORE(lease_sigfd, -1);
		atomic_store(&lease_sig, 0);
	}
}

/*
 * The wait for A alone (xptyd has the path; signals as the caller has
 * them) or, signals blocked in m, for A or H: 0, or -1 (EAGAIN under
 * O_NONBLOCK, EINTR).  H's hangup alone is a wake too: the next look
 * reads its EIO.  The wait ends every LEASE_LOOK_MS for the caller to
 * look whether fd is still this stream (poll(2) follows descriptor
 * numbers: a close by another thread and a reuse of the number would go
 * unseen).
 */
/*
 * A woke the wait (bytes, or its hangup: xptyd gone): the next turn reads
 * A whatever out_seq says.  Without this a dead xptyd, which never moves
 * out_seq again, left A "quiet" and its POLLHUP woke every wait at once:
 * the read spun until a signal (seen in tests/lease.c sc_fallen).
 * Reading A when it is readable is always in order: what it holds left H
 * before what H holds.
 */
static void
lease_a_woke(struct xstream *xs, short revents)
{
	if (revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
		__atomic_store_n(&xs->lease_aok, 0, __ATOMIC_RELAXED);
}

static int
lease_wait(int fd, struct xstream *xs, const struct lease_mask *m)
{
	struct pollfd	pfd[2];
	int64_t		deadline;
	int		sfd;

	if (engine_nonblocking(fd)) {
		errno = EAGAIN;
		return (-1);
	}
	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	deadline = xwait_deadline(LEASE_LOOK_MS);
	if (!m->on)
		return (xwait_poll(pfd, 1, deadline) == -1 ? -1 : 0);
	pfd[1].fd = XS_LOAD(xs->hostfd);
	pfd[1].events = POLLIN;
	pfd[0].revents = pfd[1].revents = 0;
	sfd = lease_kept_sigfd(&m->old);
	if (xwait_poll_blocked(pfd, 2, deadline, &m->old, sfd) != -1) {
		lease_a_woke(xs, pfd[0].revents);
		return (0);
	}
	if (errno != EBADF || sfd == -1)
		return (-1);
	lease_drop_sigfd(sfd);
	return (0);	/* look again, then wait with a new one */
}

/* xptyd is between a read of H and its send: wait for any change. */
static void
lease_wait_dword(struct lease_block *b, uint32_t d)
{
	__atomic_fetch_add(&b->dwaiters, 1, LEASE_SC);
	if (lease_dword(b) == d)
		(void)host_futex_wait(&b->dword, d, LEASE_WAIT_MS);
	__atomic_fetch_sub(&b->dwaiters, 1, LEASE_SC);
}

/*
 * A request and its answer.  The read that follows this thread's own
 * write into H by at most LEASE_ANSWER_MS (a terminal's echo, a
 * command's reply) first sleeps in poll(2) for A or H with the caller's
 * own signal mask, and looks only then: the answer cannot be there yet.
 * Measured on a 2-vCPU guest (docs/lease.md 4.2), a signal-mask change
 * between the write and the sleep (the look's, or ppoll's) made the round
 * trip 35-40 us against native's 6.5; this wait makes it 8-9 us.
 *
 * A poll with the caller's mask fails with EINTR after any handler, but
 * the read must restart after a handler with SA_RESTART: so this wait is
 * used only while the installed handlers agree (lib/sigrestart.c), and
 * an EINTR becomes the read's EINTR unless they all restart.  Where they
 * disagree the read looks and waits as any other, signals blocked.
 *
 * The write takes the O_NONBLOCK test before it writes and leaves it here
 * (a non-blocking read never waits); an fcntl or FIONBIO of this process
 * in between (engine_flags_touch), another stream, or a later read
 * voids it.  A flag that another process changed is at most
 * LEASE_ANSWER_MS stale.  The wait has no deadline, as a host read has
 * none: a close by another thread meanwhile is seen when it wakes
 * (engine_still_ours), as a host read would go on with the file it began
 * on.  State: per thread, written and read by that thread only.
 */
#define LEASE_ANSWER_MS	1

struct lease_answer {
	const struct xstream	*xs;
	uint32_t		 gen;
	uint32_t		 flags;	/* engine_flags_epoch then */
	int64_t			 at;	/* xwait_now() of the write */
	int			 nonblock;
};
static __thread struct lease_answer lease_answer
    __attribute__((tls_model("initial-exec")));

static void
lease_answer_expect(const struct xstream *xs, int nonblock)
{
	lease_answer.xs = xs;
	lease_answer.gen = atomic_load_explicit(&xs->gen, memory_order_relaxed);
	lease_answer.flags = engine_flags_epoch();
	lease_answer.nonblock = nonblock;
	lease_answer.at = xwait_now();
}

/* 1: this read answers a write of this thread (wait first, blocking). */
static int
lease_answer_due(const struct xstream *xs, uint32_t gen)
{
	int	due;

	due = lease_answer.xs == xs && lease_answer.gen == gen &&
	    !lease_answer.nonblock &&
	    lease_answer.flags == engine_flags_epoch() &&
	    xwait_now() - lease_answer.at <= LEASE_ANSWER_MS;
	lease_answer.xs = NULL;
	return (due);
}

/*
 * The answer's wait: 0 to look now (*hready: H said it was), 1 to look
 * first, -1 EINTR.
 */
static int
lease_answer_wait(int fd, struct xstream *xs, int *hready)
{
	struct pollfd	pfd[2];
	int		r;

	if (sigrestart_policy() == SIGRESTART_MIXED)
		return (1);
	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = XS_LOAD(xs->hostfd);
	pfd[1].events = POLLIN;
	pfd[0].revents = pfd[1].revents = 0;
	r = xsys_poll(pfd, 2, -1);
	*hready = r > 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR));
	if (r > 0)
		lease_a_woke(xs, pfd[0].revents);
	if (r != -1 || errno != EINTR ||
	    sigrestart_policy_now() == SIGRESTART_ALL)
		return (0);
	errno = EINTR;
	return (-1);
}

/* Nothing was sent into A since it was found empty: step 1 reads nothing. */
static int
lease_a_quiet(struct xstream *xs, uint32_t s)
{
	uint32_t	seen = __atomic_load_n(&xs->lease_aseen, __ATOMIC_RELAXED);

	return (__atomic_load_n(&xs->lease_aok, __ATOMIC_RELAXED) &&
	    (seen & ~LEASE_DREADING) == (s & ~LEASE_DREADING));
}

/* Step 1: A, if xptyd sent into it since it was found empty; 1 if read. */
static int
lease_look_a(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt,
    uint32_t s, ssize_t *r)
{
	if (lease_a_quiet(xs, s))
		return (0);
	*r = recv_nowait(fd, iov, iovcnt);
	if (*r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		__atomic_store_n(&xs->lease_aseen, s, __ATOMIC_RELAXED);
		__atomic_store_n(&xs->lease_aok, 1, __ATOMIC_RELAXED);
		return (0);
	}
	if (*r <= 0) {
		/* the end of A (a zero-length message), or an error */
		__atomic_store_n(&xs->lease_aok, 0, __ATOMIC_RELAXED);
		*r = relay_readv(fd, xs, iov, iovcnt);
	}
	return (1);
}

/* One turn of lease_readv's loop after its look at H said how. */
static int
lease_after_look(int fd, struct xstream *xs, struct lease_block *b, int how,
    uint32_t d, struct lease_mask *m)
{
	switch (how) {
	case LK_RETRY:
		return (0);
	case LK_WAIT_D:
		lease_unblock_signals(m);
		lease_wait_dword(b, d);
		return (0);
	case LK_EIO:
		lease_unblock_signals(m);
		(void)relay_sync_close(xs->ptyno);
		return (0);
	case LK_WAIT_A:
		/*
		 * xptyd has the path, so A is the stream's head, and it may
		 * hold what xptyd sent (a zero-length message, say) before
		 * out_seq moved: a non-blocking reader reads A now rather
		 * than fail EAGAIN past it (the caller's A read, 1).
		 */
		lease_unblock_signals(m);
		if (engine_nonblocking(fd))
			return (1);
		return (lease_wait(fd, xs, m));
	default:	/* LK_WAIT_H */
		return (lease_wait(fd, xs, m));
	}
}

static ssize_t
lease_readv(int fd, struct xstream *xs, const struct iovec *iov, int iovcnt)
{
	uint32_t		 gen = atomic_load_explicit(&xs->gen, memory_order_relaxed);
	struct lease_mask	 m = { .on = 0 };
	struct lease_block	*b;
	uint32_t		 s, d;
	ssize_t			 r = -1;
	int			 how, next, answer, hready = 0;

	answer = lease_answer_due(xs, gen);
	if (engine_iov_empty(iov, iovcnt) ||
	    (b = lease_block_of(fd, xs)) == NULL)
		return (relay_readv(fd, xs, iov, iovcnt));
	for (;;) {
		/*
		 * Closed while this read joined or waited (its number, even
		 * its stream's memory, may be another manager's now): the
		 * read of the closed one ends, as at its hangup.
		 */
		if (!engine_still_ours(fd, xs, gen)) {
			r = 0;
			break;
		}
		s = lease_dword(b);
		if (!lease_a_quiet(xs, s))
			lease_unblock_signals(&m);	/* A's read may wait */
		if (lease_look_a(fd, xs, iov, iovcnt, s, &r))
			break;
		if (answer) {
			answer = 0;
			if ((next = lease_answer_wait(fd, xs, &hready)) == -1)
				break;
			if (next == 0)
				continue;	/* look again: it came */
		}
		if (lease_block_signals(&m) == -1) {
			r = relay_readv(fd, xs, iov, iovcnt);
			break;
		}
		how = lease_look(b, xs, iov, iovcnt, s, &r, &d, hready);
		hready = 0;
		if (how == LK_BYTES || how == LK_ERROR)
			break;
		if ((next = lease_after_look(fd, xs, b, how, d, &m)) != 0) {
			lease_unblock_signals(&m);
			r = next == 1 ? relay_readv(fd, xs, iov, iovcnt) : -1;
			break;
		}
		/*
		 * What an engine change (fallback, release) made of it; a
		 * stream closed meanwhile (its memory another's, maybe in
		 * another engine) ends at the top of the loop instead.
		 */
		if (XENGINE(xs) != &xengine_lease &&
		    engine_still_ours(fd, xs, gen)) {
			lease_unblock_signals(&m);
			return (XENGINE(xs)->readv(fd, xs, iov, iovcnt));
		}
	}
	lease_unblock_signals(&m);
	return (r);
}

/*
 * For the readiness interposers (lease_poll.c): the private host manager
 * to poll beside fd, if fd is a lease manager that joined and whose word
 * has no hold (so bytes in H are the next to read) and whose pty was
 * opened (the first-close rule: a fresh H polls POLLHUP for ever, and
 * xptyd holds the path then anyway); else -1.
 */
int
lease_ready_host(int fd)
{
	struct xstream		*xs = xfd_lookup(fd);
	struct lease_block	*b;

	if (xs == NULL || XS_LOAD(xs->kind) != XK_MANAGER ||
	    XENGINE(xs) != &xengine_lease || xs->nmods > 0 ||
	    (b = __atomic_load_n(&xs->lease, __ATOMIC_ACQUIRE)) == NULL ||
	    (lease_word(b) & (LEASE_HOLDS | LEASE_F_EIO)) != 0 ||
	    xstate_fresh(XS_LOAD(xs->hostfd)))
		return (-1);
	return (XS_LOAD(xs->hostfd));
}

/* Wait for room in H: 0, or -1 (EINTR). */
static int
lease_wait_room(int hfd)
{
	struct pollfd	pfd = { .fd = hfd, .events = POLLOUT };

	return (xwait_poll(&pfd, 1, xwait_deadline(-1)) == -1 ? -1 : 0);
}

/*
 * A write (docs/lease.md 4.3): straight to the host manager H while
 * nothing of this manager waits in the socket (xptyd takes off the
 * socket only what H took, so its send queue is what it still has to
 * write); H full: wait for its POLLOUT as the host's write would.
 * Whatever H will not take because no subsidiary is open, because the
 * socket holds bytes that must go first, or because H is full and A has
 * O_NONBLOCK, goes through the socket (relay_writeb: xptyd writes it when
 * it can, the socket's own flow control).  So a non-blocking writer's
 * EAGAIN is A's, as poll on A reports it: an EAGAIN from a full H while
 * poll said A had room would have a poll-and-write loop spin.
 */
static ssize_t
lease_writeb(int fd, struct xstream *xs, const void *buf, size_t len)
{
	const char	*p = buf;
	size_t		 done = 0;
	ssize_t		 w;
	int		 hfd = XS_LOAD(xs->hostfd), q, nb, saved = errno;

	nb = hfd >= 0 ? engine_nonblocking(fd) : 1;
	if (hfd >= 0 && (host_sock_outq(fd, &q) != 0 || q != 0))
		hfd = -1;
	if (hfd >= 0)
		lease_answer_expect(xs, nb);
	while (hfd >= 0 && done < len) {
		if ((w = xsys_write(hfd, p + done, len - done)) > 0) {
			done += (size_t)w;
			continue;
		}
		if ((w == -1 && errno != EAGAIN) || host_mgr_hup(hfd) == 1 ||
		    nb)
			break;
		if (lease_wait_room(hfd) == -1)
			return (done > 0 ? (ssize_t)done : -1);
	}
	errno = saved;
	if (done == len)
		return ((ssize_t)done);
	if ((w = relay_writeb(fd, xs, p + done, len - done)) < 0)
		return (done > 0 ? (ssize_t)done : -1);
	return ((ssize_t)(done + (size_t)w));
}

/*
 * The stream head is about to look at A alone (I_NREAD, I_PEEK, getmsg,
 * RMSGD: engine_gather): bytes that a held lease leaves in H must be in
 * A first, or it would see fewer of them, or none, than a read would
 * return.  So the lease is given back, with the CAS of xptyd's own expiry
 * (lease_revoke with no holds: a revoke that may come at any time, as
 * tests/model/lease.pml's racing ticks do), and XP_SYNC has xptyd settle
 * and move what H holds into A before it answers.  While xptyd has the
 * path (RELAY) it moves H's bytes as it reads them, as in the relay
 * engine: nothing to do, no round trip (a getmsg loop never takes the
 * lease, so it pays for this once).  A reader inside cs (one
 * non-blocking read long) can make the settle wait for xptyd's tick: the
 * request is repeated once, unless xptyd did not answer.
 */
static void
lease_gather(int fd, struct xstream *xs)
{
	struct lease_block	*b = __atomic_load_n(&xs->lease,
	    __ATOMIC_ACQUIRE);
	int			 i, saved = errno;

	(void)fd;
	if (b == NULL || lease_state(lease_word(b)) == LEASE_RELAY)
		return;
	(void)lease_revoke(b, 0);
	for (i = 0; i < 2; i++) {
		if (relay_sync_close(xs->ptyno) == -1 ||
		    lease_state(lease_word(b)) == LEASE_RELAY)
			break;
		(void)sched_yield();
	}
	errno = saved;
}

const struct xengine xengine_lease = {
	.name = "lease",
	.is_host = 0,
	.readv = lease_readv,
	.write = lease_writeb,
	.discard = relay_discard,
	.flush_read = relay_flush_read,
	.peek = relay_peek,
	.eof_pending = relay_eof_pending,
	.count = relay_count,
	.gather = lease_gather,
	.set_pckt = relay_set_pcktb,
	.head_open = relay_head_open,
	.head_left = relay_head_left,
	.head_take = relay_head_take,
	.head_discard = relay_head_discard,
	.head_count = relay_head_count,
	.head_peek = relay_head_peek,
	.sync = relay_sync,
	.last_close = relay_last_close,
	.take_host = relay_take_host,
	.took_host = relay_took_host,
};
