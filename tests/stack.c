/*
 * stack.c - every SVR4 call libxpty serves stays within its stack budget
 * (4 KiB, lib/internal.h) on the application's thread (issue 11, D10).
 *
 * Each call runs on a fresh thread whose stack (64 KiB above a guard
 * page) is painted with a pattern first; after it, the deepest byte that
 * no longer holds the pattern gives the stack the call used.  The same
 * measure of read(2) on a pipe, through the same thread start, is the
 * baseline: a call may use at most the budget more than that.  The
 * deepest paths are taken: the zero-length message that swaps the
 * relay's connection while an epoll instance watches the manager, the
 * first request of a process (it dials the daemon), pckt's messages,
 * termios changes that pckt reports, the hangup at the last close.
 * Sanitizers change frame sizes: under them the test is skipped.
 */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <pthread.h>

#include "xtest.h"

#define BUDGET		4096
#define STACK_SIZE	(64 * 1024)
#define PAINT		0xa5

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED	1
#endif
#endif

static int M, S, P[2];
static char SNAME[64];
static long (*op)(void);
static long op_rv;

static void *
run_op(void *arg)
{
	(void)arg;
	op_rv = op();
	return (NULL);
}

/* The stack fn used on a painted thread stack, in bytes; -1 on failure. */
static long
depth_of(long (*fn)(void), long *rv)
{
	pthread_attr_t	 at;
	pthread_t	 t;
	unsigned char	*map, *low;
	size_t		 i;

	map = mmap(NULL, STACK_SIZE + 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (map == MAP_FAILED || mprotect(map, 4096, PROT_NONE) == -1)
		return (-1);
	low = map + 4096;
	memset(low, PAINT, STACK_SIZE);
	op = fn;
	pthread_attr_init(&at);
	if (pthread_attr_setstack(&at, low, STACK_SIZE) != 0 ||
	    pthread_create(&t, &at, run_op, NULL) != 0) {
		munmap(map, STACK_SIZE + 4096);
		return (-1);
	}
	pthread_join(t, NULL);
	pthread_attr_destroy(&at);
	for (i = 0; i < STACK_SIZE && low[i] == PAINT; i++)
		;
	munmap(map, STACK_SIZE + 4096);
	if (rv != NULL)
		*rv = op_rv;
	return ((long)(STACK_SIZE - i));
}

/* ---- the calls ---- */

static long
c_pipe_read(void)
{
	char	c;

	return (read(P[0], &c, 1));
}

static long
c_peek(void)
{
	struct strpeek	pk;
	char		b[64];

	memset(&pk, 0, sizeof(pk));
	pk.ctlbuf.maxlen = -1;
	pk.databuf.maxlen = sizeof(b);
	pk.databuf.buf = b;
	return (ioctl(M, I_PEEK, &pk));
}

static long
c_nread(void)
{
	int	n = 0;

	return (ioctl(M, I_NREAD, &n));
}

static long
c_getmsg(void)
{
	char		cb[8], db[64];
	struct strbuf	c = { sizeof(cb), 0, cb }, d = { sizeof(db), 0, db };
	int		flags = 0;

	return (getmsg(M, &c, &d, &flags));
}

static long
c_putmsg(void)
{
	struct strbuf	d = { 0, 2, "hi" };

	return (putmsg(S, NULL, &d, 0));
}

static long
c_zero_write(void)
{
	return (write(S, "", 0));
}

static long
c_read(void)
{
	char	b[64];

	return (read(M, b, sizeof(b)));
}

static long
c_tcsetattr(void)
{
	struct termios	t;

	if (tcgetattr(S, &t) == -1)
		return (-1);
	t.c_lflag ^= ECHO;
	t.c_iflag ^= IXON;	/* the change Linux itself reports (direct) */
	return (tcsetattr(S, TCSANOW, &t));
}

static long
c_push_pckt(void)
{
	return (ioctl(M, I_PUSH, "pckt"));
}

static long
c_open_seq(void)
{
	int	m, s;

	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1 || xt_push3(s) == -1)
		return (-1);
	close(s);
	return (close(m));
}

static long
c_close_manager(void)
{
	return (close(M));
}

static long
c_open_subsid(void)
{
	return (open(SNAME, O_RDWR | O_NOCTTY));
}

static long
c_isastream(void)
{
	struct strioctl	sc = { I_NREAD, 0, 0, NULL };

	(void)sc;
	return (isastream(S) == 1 && ioctl(S, I_FIND, "ldterm") >= 0 ? 0 : -1);
}

static void
measure(const char *what, long (*fn)(void), long base, int want_ok)
{
	long	d, rv = 0;

	d = depth_of(fn, &rv);
	if (want_ok)
		ok(rv >= 0, "%s returned %ld", what, rv);
	if (!ok(d >= 0 && d - base <= BUDGET, "%s: %ld bytes of stack beyond "
	    "the baseline (budget %d)", what, d - base, BUDGET))
		diag("depth %ld, baseline %ld", d, base);
}

/* A subsidiary close queues the zero-length message; read it. */
static void
zero_message_read(long base)
{
	int			ep;
	struct epoll_event	ev = { .events = EPOLLIN };

	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = M;
	epoll_ctl(ep, EPOLL_CTL_ADD, M, &ev);
	close(S);
	usleep(100000);
	measure("read(manager) at a zero-length message, epoll watching",
	    c_read, base, 1);
	close(ep);
	if ((S = open(SNAME, O_RDWR | O_NOCTTY)) == -1)
		diag("reopen %s: %s", SNAME, strerror(errno));
}

/* In a child: its first request dials the daemon. */
static void
first_request(long base)
{
	int	pfd[2], st;
	long	d = -1;

	if (pipe(pfd) == -1)
		return;
	if (fork() == 0) {
		d = depth_of(c_open_seq, NULL);
		write(pfd[1], &d, sizeof(d));
		_exit(0);
	}
	read(pfd[0], &d, sizeof(d));
	wait(&st);
	close(pfd[0]);
	close(pfd[1]);
	ok(d >= 0 && d - base <= BUDGET, "the first open sequence of a process: "
	    "%ld bytes of stack beyond the baseline (budget %d)", d - base,
	    BUDGET);
}

int
main(int argc, char **argv)
{
	long	base;

#ifdef SANITIZED
	xt_init(argc, argv);
	skip_all("frame sizes differ under sanitizers");
#endif
	/* symbols bound at start: lazy binding's own stack is not measured */
	if (getenv("LD_BIND_NOW") == NULL) {
		setenv("LD_BIND_NOW", "1", 1);
		execv("/proc/self/exe", argv);
	}
	xt_init(argc, argv);
	if (pipe(P) == -1 || write(P[1], "xxxxxxxx", 8) != 8)
		skip_all("pipe: %s", strerror(errno));
	base = depth_of(c_pipe_read, NULL);
	ok(base > 0 && base < 16384, "baseline: read(2) uses %ld bytes", base);
	if (xt_pair(&M, &S, SNAME, sizeof(SNAME), O_NOCTTY) == -1)
		skip_all("no pty: %s", strerror(errno));
	first_request(base);
	measure("open, grantpt, unlockpt, ptsname, open, 3 x I_PUSH, close",
	    c_open_seq, base, 1);
	write(S, "data", 4);
	usleep(100000);
	measure("I_PEEK", c_peek, base, !xt_engine_direct());
	measure("I_NREAD", c_nread, base, 1);
	measure("getmsg", c_getmsg, base, 1);
	measure("putmsg", c_putmsg, base, 1);
	measure("write(subsidiary, \"\", 0)", c_zero_write, base, 1);
	usleep(100000);
	while (xt_read_nb(M, (char[64]){ 0 }, 64) > 0)
		;
	zero_message_read(base);
	if (xt_push3(S) == -1)
		diag("I_PUSH on the subsidiary: %s", strerror(errno));
	measure("I_FIND on a subsidiary", c_isastream, base, 1);
	measure("I_PUSH pckt", c_push_pckt, base, 1);
	measure("tcsetattr(subsidiary), pckt reporting it", c_tcsetattr, base,
	    1);
	usleep(100000);
	/* what is there to take differs between the engines: never wait */
	fcntl(M, F_SETFL, fcntl(M, F_GETFL) | O_NONBLOCK);
	measure("I_NREAD, pckt", c_nread, base, 1);
	measure("I_PEEK, pckt", c_peek, base, 0);
	measure("getmsg, pckt", c_getmsg, base, 0);
	write(S, "data", 4);
	usleep(100000);
	measure("I_PEEK, pckt data", c_peek, base, 0);
	measure("getmsg, pckt data", c_getmsg, base, 0);
	measure("close(manager), subsidiary open", c_close_manager, base, 1);
	measure("open(subsidiary) after the hangup", c_open_subsid, base, 0);
	return (done_testing());
}
