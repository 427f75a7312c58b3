/*
 * xwait.c - waits in user space that behave as a kernel sleep.
 *
 * libxpty sometimes waits where a STREAMS kernel would sleep inside the
 * system call: for xptyd's reply or for room in its socket (relay.c),
 * for a message to arrive (getmsg() without a data buffer, strmsg.c and
 * pckt.c).  Such a wait must end at its deadline, and a signal must
 * interrupt it as it would interrupt the kernel's sleep: a handler
 * installed without SA_RESTART makes the call fail with EINTR; after one
 * installed with SA_RESTART the wait goes on (the kernel would restart
 * the call); an ignored signal, or one whose default action is to be
 * ignored, changes nothing; one whose default action stops or ends the
 * process does that.  poll(2) alone cannot tell these cases apart: it
 * fails with EINTR after any handler and is never restarted.
 *
 * So xwait_poll() polls with every signal blocked (pthread_sigmask,
 * which leaves glibc's internal signals alone) and with a signal
 * descriptor (host_signal_fd, lib/host.h: a signalfd on Linux) for the
 * signals the caller had unblocked in the poll set: a signal
 * that arrives wakes the poll without being delivered.  The dispositions
 * of the signals pending then are looked up (sigaction), the caller's
 * mask is put back, so the kernel delivers them at once (handlers run,
 * default actions happen, as they would have), and the wait fails with
 * EINTR if a handler without SA_RESTART was among them, else goes on.
 * A signal arriving between the look-up and the unblocking is delivered
 * all the same but judged as restartable.  A first poll with a zero
 * timeout, outside all this, keeps a wait that need not wait cheap.
 * xwait_poll_blocked() is the wait alone, for a caller that keeps every
 * signal blocked around it (engine_lease.c: one mask change per read),
 * has just looked, and may keep a signal descriptor of its own (made by
 * xwait_signal_fd) so that a wait costs no descriptor's making.
 *
 * Deadlines are absolute CLOCK_MONOTONIC times in milliseconds
 * (XWAIT_FOREVER: none).  The signal descriptor lives for one wait only
 * (it takes the lowest free descriptor number meanwhile), unless the
 * caller keeps its own.  No allocation, no
 * stdio, no state; errno is set on every return but 1.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define XWAIT_MAXFDS	4

int64_t
xwait_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (0);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int64_t
xwait_deadline(int ms)
{
	if (ms < 0)
		return (XWAIT_FOREVER);
	return (xwait_now() + ms);
}

/* Milliseconds to the deadline for poll(): -1 forever, 0 passed. */
static int
ms_left(int64_t deadline)
{
	int64_t	left;

	if (deadline == XWAIT_FOREVER)
		return (-1);
	left = deadline - xwait_now();
	if (left <= 0)
		return (0);
	return (left > 86400000 ? 86400000 : (int)left);
}

/*
 * The signals pending now that the caller's mask (old) lets through:
 * does one of them have a handler installed without SA_RESTART?
 */
static int
pending_interrupts(const sigset_t *old, int *any)
{
	struct sigaction	sa;
	sigset_t		pend;
	int			sig;

	*any = 1;
	if (sigpending(&pend) == -1)
		return (0);
	*any = 0;
	for (sig = 1; sig < NSIG; sig++) {
		if (sigismember(&pend, sig) != 1 || sigismember(old, sig) == 1)
			continue;
		*any = 1;
		if (sigaction(sig, NULL, &sa) == -1)
			continue;
		if (!(sa.sa_flags & SA_SIGINFO) &&
		    (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN))
			continue;
		if (!(sa.sa_flags & SA_RESTART))
			return (1);
	}
	return (0);
}

/*
 * The signal descriptor woke the wait this many times in a row with no
 * signal pending that the caller lets through: it is not a signal
 * descriptor of this process any more (a caller's kept one, closed and
 * its number reused behind libxpty's back), and the wait says EBADF
 * rather than spin.  Another thread taking a process-wide signal first
 * makes one such wake, rarely two.
 */
#define XWAIT_EMPTY_WAKES	4

/* The wait proper, signals blocked, sfd in p[n]. */
static int
wait_blocked(struct pollfd *p, int n, int sfd, int64_t deadline,
    const sigset_t *old, const sigset_t *all)
{
	int	r, intr, any, empty = 0;

	p[n].fd = sfd;
	p[n].events = POLLIN;
	for (;;) {
		p[n].revents = 0;
		r = xsys_poll(p, (nfds_t)n + 1, ms_left(deadline));
		if (r == -1 && errno != EINTR)
			return (-1);
		if (r == 0) {
			errno = ETIMEDOUT;
			return (0);
		}
		if (r == -1)
			continue;	/* a signal of glibc's own */
		if (p[n].revents == 0)
			return (1);
		intr = pending_interrupts(old, &any);
		if ((p[n].revents & POLLNVAL) ||
		    (!any && ++empty >= XWAIT_EMPTY_WAKES)) {
			errno = EBADF;
			return (-1);
		}
		if (any)
			empty = 0;
		/* delivered now, as they would have been */
		pthread_sigmask(SIG_SETMASK, old, NULL);
		pthread_sigmask(SIG_BLOCK, all, NULL);
		if (intr) {
			errno = EINTR;
			return (-1);
		}
		if (r > 1)
			return (1);	/* something else is ready too */
	}
}

/* A signal descriptor for the signals the mask old lets through. */
int
xwait_signal_fd(const sigset_t *old)
{
	sigset_t	allowed;
	int		i;

	sigfillset(&allowed);
	for (i = 1; i < NSIG; i++)
		if (sigismember(old, i) == 1)
			sigdelset(&allowed, i);
	return (host_signal_fd(&allowed));
}

/*
 * The wait of xwait_poll() for a caller that has already blocked every
 * signal (its mask before that is old) and has just found pfd not ready:
 * no first look, and every signal still blocked on return.  Returns as
 * xwait_poll() does.
 */
int
xwait_poll_blocked(struct pollfd *pfd, int n, int64_t deadline,
    const sigset_t *old, int keptfd)
{
	struct pollfd	p[XWAIT_MAXFDS + 1];
	sigset_t	all;
	int		i, r, sfd, e;

	if (n < 0 || n > XWAIT_MAXFDS) {
		errno = EINVAL;
		return (-1);
	}
	if (ms_left(deadline) == 0) {
		errno = ETIMEDOUT;
		return (0);
	}
	for (i = 0; i < n; i++) {
		p[i] = pfd[i];
		p[i].revents = 0;
	}
	sigfillset(&all);
	if ((sfd = keptfd) == -1 && (sfd = xwait_signal_fd(old)) == -1)
		return (-1);
	r = wait_blocked(p, n, sfd, deadline, old, &all);
	e = errno;
	if (keptfd == -1)
		xsys_close(sfd);
	errno = e;
	for (i = 0; i < n; i++)
		pfd[i].revents = p[i].revents;
	return (r < 0 ? -1 : r > 0);
}

/*
 * Wait until one of pfd (n of them, at most XWAIT_MAXFDS, n may be 0) is
 * ready: 1, with their revents set; 0 (ETIMEDOUT) at the deadline; -1
 * with errno EINTR when a signal interrupts as described above (or
 * another errno from poll).
 */
int
xwait_poll(struct pollfd *pfd, int n, int64_t deadline)
{
	struct pollfd	p[XWAIT_MAXFDS];
	sigset_t	all, old;
	int		i, r, e;

	if (n < 0 || n > XWAIT_MAXFDS) {
		errno = EINVAL;
		return (-1);
	}
	for (i = 0; i < n; i++) {
		p[i] = pfd[i];
		p[i].revents = 0;
	}
	if (n > 0 && (r = xsys_poll(p, (nfds_t)n, 0)) != 0) {
		for (i = 0; i < n; i++)
			pfd[i].revents = p[i].revents;
		return (r < 0 ? -1 : 1);
	}
	if (ms_left(deadline) == 0) {
		errno = ETIMEDOUT;
		return (0);
	}
	sigfillset(&all);
	if (pthread_sigmask(SIG_BLOCK, &all, &old) != 0)
		return (-1);
	r = xwait_poll_blocked(pfd, n, deadline, &old, -1);
	e = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return (r);
}

/* Sleep until the deadline: 0, or -1 EINTR as xwait_poll(). */
int
xwait_sleep(int64_t deadline)
{
	int	r = xwait_poll(NULL, 0, deadline);

	if (r == 0)
		return (0);
	return (-1);
}
