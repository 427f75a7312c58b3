/*
 * threads.c - libxpty under many threads at once (issue 5, hardening).
 *
 * Theory of operation.  libxpty keeps its state where threads meet: the
 * descriptor table (fdtable.c, lock-free), the xstream free list (a spin
 * flag), the mode word (mode.c) and the relay connection setup (relay.c).
 * This test makes them meet as often as it can and checks the results,
 * so that a race shows up as a wrong answer here and, in the
 * -fsanitize=thread build CI runs (t_threads only: see .ci/run), as a
 * report from ThreadSanitizer.
 *
 *   churn      NCHURN threads, each repeating: open a pair, push ptem,
 *              ldterm and ttcompat, check the stack; dup() the manager
 *              and dup2() the subsidiary onto a descriptor number this
 *              thread owns (a /dev/null it opened, so dup2 never closes
 *              another thread's descriptor); a tagged line each way with
 *              its echo; every FORK_EVERY rounds fork a child that uses
 *              the inherited manager (ISPTM, ptsname, a write); close
 *              the subsidiaries, read the zero-length message on the
 *              manager's copy, close everything.
 *   streams    two raw (bare) ptys, each with a writer and a reader
 *              thread per direction moving a numbered byte sequence,
 *              and a poker thread issuing read-only STREAMS ioctls on
 *              both ends meanwhile; every byte must arrive in order.
 *   mode       one thread re-setting the mode it reads (xpty_getmode,
 *              xpty_setmode of the same value) and asking isastream()
 *              of descriptors the others are opening and closing.
 *   fork-open  NFORKERS threads forking children that live a moment
 *              while NOPENERS open bare pairs and read a byte written
 *              on each subsidiary from its manager: a child forked inside
 *              an open holds what the open held then (where the host's
 *              allocator opens and closes the subsidiary itself, that
 *              subsidiary), and its exit is no last close of the stream.
 * Afterwards: no failures, and /proc/self/fd has the count it started
 * with.  XPTY_THREADS_ITER sets the churn rounds per thread (default 200);
 * XPTY_THREADS_SECS caps the churn phase's time (default 60).
 */
#include <pthread.h>
#include <stdatomic.h>
#include "xtest.h"

#define NCHURN		8
#define FORK_EVERY	10
#define STREAM_BYTES	(256 * 1024)
#define NSTREAMS	2
#define NFORKERS	2
#define NOPENERS	8
#define FORKOPEN_N	4000		/* opens at most */
#define FORKOPEN_SECS	4.0		/* and at most this long */
#define CHILD_HOLD_US	3000		/* a forked child's life */
#define FORKER_LIVE	8		/* children alive per forker */

struct worker {
	pthread_t	th;
	int		id;
	int		rounds;		/* churn rounds done */
	int		fails;
	long		bytes;		/* payload bytes checked */
	char		first[200];	/* the first failure */
};

static atomic_int stop_churn;	/* time cap reached */
static atomic_int stop_side;	/* churn over: stop the mode thread */
static atomic_int stop_forkers;	/* fork-open over */
static int iterations = 200;
static double time_cap = 60;

static void
failed(struct worker *w, const char *fmt, ...)
{
	va_list	ap;
	char	msg[160];
	int	saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->fails++ == 0)
		snprintf(w->first, sizeof(w->first), "%s (errno %d: %s)", msg,
		    saved, strerror(saved));
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Read exactly len bytes (blocking, with a 5 s silence limit). */
static int
read_exact(int fd, void *buf, size_t len)
{
	double	t0 = xt_now();
	size_t	got = 0;
	ssize_t	r;

	/*
	 * All of it within 5 s: on a loaded machine the bytes may come in
	 * pieces more than xt_read_for's 100 ms apart.
	 */
	while (got < len && xt_ms_since(t0) < 5000) {
		r = xt_read_for(fd, (char *)buf + got, len - got,
		    (int)(5000 - xt_ms_since(t0)));
		if (r <= 0)
			return (-1);
		got += (size_t)r;
	}
	return (got == len ? 0 : -1);
}

/* ---- churn ---- */

/* In the child: use the inherited manager, then report by exit status. */
static int
fork_child(int m, const char *name, const char *tag)
{
	char	*p;

	if (ioctl(m, ISPTM, 0) != 0)
		return (1);
	if ((p = ptsname(m)) == NULL || strcmp(p, name) != 0)
		return (2);
	if (write_all(m, tag, strlen(tag)) == -1)
		return (3);
	return (0);
}

static void
churn_round(struct worker *w, int slot, int nul, int round)
{
	char	name[64], tag[64], buf[128];
	int	m, s, d = -1, st, rc;
	size_t	len;
	pid_t	pid;

	if (xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == -1) {
		failed(w, "round %d: pty pair", round);
		return;
	}
	if (xt_push3(s) == -1 || ioctl(s, I_LIST, NULL) != 4 ||
	    ioctl(s, I_FIND, "ldterm") != 1 || ioctl(m, ISPTM, 0) != 0)
		failed(w, "round %d: push and check the stack", round);
	if ((d = dup(m)) == -1 || ioctl(d, ISPTM, 0) != 0)
		failed(w, "round %d: dup of the manager", round);
	if (dup2(s, slot) != slot || ioctl(slot, I_FIND, "ttcompat") != 1)
		failed(w, "round %d: dup2 of the subsidiary", round);

	/* subsidiary -> manager: no newline, so no output processing */
	len = (size_t)snprintf(tag, sizeof(tag), "<t%02d r%05d %s>", w->id,
	    round, name);
	if (write_all(slot, tag, len) == -1 || read_exact(d, buf, len) == -1 ||
	    memcmp(buf, tag, len) != 0)
		failed(w, "round %d: subsidiary to manager", round);
	else
		w->bytes += (long)len;

	/* manager -> subsidiary: a canonical line, then its echo */
	len = (size_t)snprintf(tag, sizeof(tag), "t%02d-r%05d\n", w->id, round);
	if (write_all(m, tag, len) == -1 || read_exact(s, buf, len) == -1 ||
	    memcmp(buf, tag, len) != 0)
		failed(w, "round %d: manager to subsidiary", round);
	else if (read_exact(m, buf, len + 1) == -1 ||
	    memcmp(buf, tag, len - 1) != 0 || memcmp(buf + len - 1, "\r\n", 2) != 0)
		failed(w, "round %d: the echo", round);
	else
		w->bytes += (long)len * 2 + 1;

	if (round % FORK_EVERY == 0) {
		len = (size_t)snprintf(tag, sizeof(tag), "c%02d-%05d\n", w->id,
		    round);
		if ((pid = fork()) == 0)
			_exit(fork_child(m, name, tag));
		if (pid == -1 || waitpid(pid, &st, 0) != pid) {
			failed(w, "round %d: fork", round);
		} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			failed(w, "round %d: child status %d", round, rc);
		} else if (read_exact(s, buf, len) == -1 ||
		    memcmp(buf, tag, len) != 0 ||
		    read_exact(m, buf, len + 1) == -1) {	/* and the echo */
			failed(w, "round %d: the child's line", round);
		} else
			w->bytes += (long)len * 2 + 1;
	}

	/* the last subsidiary close: the manager's copy reads 0 */
	if (close(s) != 0 || dup2(nul, slot) != slot)
		failed(w, "round %d: subsidiary close", round);
	if ((rc = (int)xt_read_for(d, buf, sizeof(buf), 5000)) != 0)
		failed(w, "round %d: manager copy read %d, not 0", round, rc);
	if (close(d) != 0 || close(m) != 0)
		failed(w, "round %d: manager close", round);
}

static void *
churn_main(void *arg)
{
	struct worker	*w = arg;
	int		 slot, nul, round;

	/* slot: a number this thread owns, for dup2 */
	if ((slot = open("/dev/null", O_RDONLY)) == -1 ||
	    (nul = open("/dev/null", O_RDONLY)) == -1) {
		failed(w, "open /dev/null");
		return (NULL);
	}
	for (round = 0; round < iterations && !atomic_load(&stop_churn); round++) {
		churn_round(w, slot, nul, round);
		w->rounds++;
	}
	close(slot);
	close(nul);
	return (NULL);
}

/* ---- streams ---- */

struct pump {
	struct worker	w;
	int		fd;		/* write to or read from */
	unsigned	seed;		/* the sequence's start */
	int		writer;
};

static unsigned char
seq_byte(unsigned seed, long i)
{
	return ((unsigned char)((seed * 131u + (unsigned long)i * 7u +
	    ((unsigned long)i >> 9)) & 0xff));
}

static void *
pump_main(void *arg)
{
	struct pump	*p = arg;
	unsigned char	 buf[4096];
	long		 done = 0, i;
	ssize_t		 n;
	size_t		 len;

	while (done < STREAM_BYTES) {
		if (p->writer) {
			len = sizeof(buf) - (size_t)(done % 1500);
			if (len > (size_t)(STREAM_BYTES - done))
				len = (size_t)(STREAM_BYTES - done);
			for (i = 0; i < (long)len; i++)
				buf[i] = seq_byte(p->seed, done + i);
			if (write_all(p->fd, buf, len) == -1) {
				failed(&p->w, "write at byte %ld", done);
				return (NULL);
			}
			done += (long)len;
			continue;
		}
		n = xt_read_for(p->fd, buf, sizeof(buf), 10000);
		if (n <= 0) {
			failed(&p->w, "read at byte %ld gave %zd", done, n);
			return (NULL);
		}
		for (i = 0; i < n; i++)
			if (buf[i] != seq_byte(p->seed, done + i)) {
				failed(&p->w, "byte %ld out of sequence", done + i);
				return (NULL);
			}
		done += n;
	}
	p->w.bytes = done;
	return (NULL);
}

struct poker {
	struct worker	w;
	int		fds[2 * NSTREAMS];
	atomic_int	stop;
};

/* Read-only STREAMS ioctls on ends that are busy moving data. */
static void *
poke_main(void *arg)
{
	struct poker	*k = arg;
	char		 look[FMNAMESZ + 1];
	int		 i, v, n = 0;

	while (!atomic_load(&k->stop)) {
		for (i = 0; i < 2 * NSTREAMS; i++) {
			int	fd = k->fds[i], mgr = (i % 2) == 0;

			if (ioctl(fd, I_LIST, NULL) != 1)
				failed(&k->w, "I_LIST on %s", mgr ? "manager" : "subsidiary");
			if (ioctl(fd, I_FIND, "ldterm") != 0)
				failed(&k->w, "I_FIND");
			if (ioctl(fd, I_GRDOPT, &v) != 0 || v != (RNORM | RPROTNORM))
				failed(&k->w, "I_GRDOPT");
			if (ioctl(fd, I_LOOK, look) != -1 || errno != EINVAL)
				failed(&k->w, "I_LOOK on a bare stream");
			if (mgr && (ioctl(fd, ISPTM, 0) != 0 ||
			    ioctl(fd, I_NREAD, &v) == -1))
				failed(&k->w, "ISPTM / I_NREAD on the manager");
			if (isastream(fd) != 1)
				failed(&k->w, "isastream");
		}
		n++;
	}
	k->w.rounds = n;
	return (NULL);
}

static void
check_streams(void)
{
	struct pump	pumps[4 * NSTREAMS];
	struct poker	k;
	int		m[NSTREAMS], s[NSTREAMS], i, fails = 0, setup = 0;
	long		bytes = 0;

	memset(pumps, 0, sizeof(pumps));
	memset(&k, 0, sizeof(k));
	for (i = 0; i < NSTREAMS; i++) {
		if (xt_pair(&m[i], &s[i], NULL, 0, O_NOCTTY) == -1) {
			ok(0, "streams: pty pair %d", i);
			return;
		}
		k.fds[2 * i] = m[i];
		k.fds[2 * i + 1] = s[i];
		/* m -> s, s -> m: a writer and a reader each */
		pumps[4 * i + 0] = (struct pump){ .fd = m[i], .writer = 1, .seed = 2u * i };
		pumps[4 * i + 1] = (struct pump){ .fd = s[i], .writer = 0, .seed = 2u * i };
		pumps[4 * i + 2] = (struct pump){ .fd = s[i], .writer = 1, .seed = 2u * i + 1 };
		pumps[4 * i + 3] = (struct pump){ .fd = m[i], .writer = 0, .seed = 2u * i + 1 };
	}
	atomic_store(&k.stop, 0);
	if (pthread_create(&k.w.th, NULL, poke_main, &k) != 0)
		setup++;
	for (i = 0; i < 4 * NSTREAMS; i++)
		if (pthread_create(&pumps[i].w.th, NULL, pump_main, &pumps[i]) != 0)
			setup++;
	for (i = 0; i < 4 * NSTREAMS; i++) {
		pthread_join(pumps[i].w.th, NULL);
		if (pumps[i].w.fails)
			diag("stream pump %d: %s", i, pumps[i].w.first);
		fails += pumps[i].w.fails;
		if (!pumps[i].writer)
			bytes += pumps[i].w.bytes;
	}
	atomic_store(&k.stop, 1);
	pthread_join(k.w.th, NULL);
	if (k.w.fails)
		diag("poker: %d failures, first: %s", k.w.fails, k.w.first);
	is_int(setup, 0, "streams: threads started");
	is_int(fails, 0, "streams: %d ptys, both ways, every byte in order", NSTREAMS);
	is_int(bytes, 2L * NSTREAMS * STREAM_BYTES, "streams: all bytes arrived");
	is_int(k.w.fails, 0, "streams: %d rounds of read-only ioctls meanwhile",
	    k.w.rounds);
	for (i = 0; i < NSTREAMS; i++) {
		close(s[i]);
		close(m[i]);
	}
}

/* ---- mode ---- */

/*
 * Its own descriptors only: asking about a descriptor another thread may
 * be closing is a race in the application, whatever libxpty does.
 */
static void *
mode_main(void *arg)
{
	struct worker	*w = arg;
	int		 p[2], m, s, mode, n = 0;

	if (pipe(p) == -1 || xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1) {
		failed(w, "mode thread setup");
		return (NULL);
	}
	while (!atomic_load(&stop_side)) {
		mode = xpty_getmode();
		if (mode != XPTY_SVR4 || xpty_setmode(mode) != XPTY_SVR4)
			failed(w, "mode read back");
		if (isastream(p[0]) != 0 || isastream(m) != 1 ||
		    isastream(s) != 1 || ioctl(p[1], I_LIST, NULL) != -1)
			failed(w, "isastream");
		n++;
		usleep(1000);
	}
	close(p[0]);
	close(p[1]);
	close(s);
	close(m);
	w->rounds = n;
	return (NULL);
}

static void
check_churn(void)
{
	struct worker	ws[NCHURN], mw;
	int		i, fails = 0, rounds = 0, setup = 0, running[NCHURN], left;
	long		bytes = 0;
	double		t0 = xt_now();

	memset(ws, 0, sizeof(ws));
	memset(&mw, 0, sizeof(mw));
	if (pthread_create(&mw.th, NULL, mode_main, &mw) != 0)
		setup++;
	for (i = 0; i < NCHURN; i++) {
		ws[i].id = i;
		running[i] = pthread_create(&ws[i].th, NULL, churn_main, &ws[i]) == 0;
		if (!running[i])
			setup++;
	}
	/* the time cap: poll for the threads' ends */
	for (;;) {
		for (i = 0, left = 0; i < NCHURN; i++) {
			if (running[i] && pthread_tryjoin_np(ws[i].th, NULL) == 0)
				running[i] = 0;
			left += running[i];
		}
		if (left == 0)
			break;
		if (xt_now() - t0 > time_cap)
			atomic_store(&stop_churn, 1);
		usleep(20000);
	}
	atomic_store(&stop_side, 1);
	pthread_join(mw.th, NULL);
	for (i = 0; i < NCHURN; i++) {
		if (ws[i].fails)
			diag("thread %d: %d failures, first: %s", i, ws[i].fails,
			    ws[i].first);
		fails += ws[i].fails;
		rounds += ws[i].rounds;
		bytes += ws[i].bytes;
	}
	if (mw.fails)
		diag("mode thread: %s", mw.first);
	diag("churn: %d rounds in %.1f s%s", rounds, xt_now() - t0,
	    atomic_load(&stop_churn) ? " (time cap reached)" : "");
	is_int(setup, 0, "churn: threads started");
	is_int(fails, 0, "churn: %d threads: open, push, dup, dup2, lines, fork, "
	    "close: no failures", NCHURN);
	ok(rounds > 0 && (rounds == NCHURN * iterations || atomic_load(&stop_churn)),
	    "churn: every round ran (%d)", rounds);
	ok(bytes > 0, "churn: %ld payload bytes checked", bytes);
	is_int(mw.fails, 0, "churn: the mode read back unchanged %d times meanwhile",
	    mw.rounds);
}

/* ---- fork-open ---- */

/*
 * Fork children that hold what they inherited a moment, up to
 * FORKER_LIVE of them alive at once; count them.
 */
static void *
forker_main(void *arg)
{
	atomic_int	*forks = arg;
	pid_t		 pid, kids[FORKER_LIVE];
	int		 i, n = 0;

	while (!atomic_load(&stop_forkers) || n > 0) {
		if (n == FORKER_LIVE || atomic_load(&stop_forkers)) {
			(void)waitpid(kids[0], NULL, 0);
			for (i = 1; i < n; i++)
				kids[i - 1] = kids[i];
			n--;
			continue;
		}
		if ((pid = fork()) == 0) {
			usleep(CHILD_HOLD_US);
			_exit(0);
		}
		if (pid > 0) {
			kids[n++] = pid;
			atomic_fetch_add(forks, 1);
		}
	}
	return (NULL);
}

/* Open bare pairs; on each, a byte from the subsidiary to the manager. */
static void *
opener_main(void *arg)
{
	struct worker	*w = arg;
	double		 t0 = xt_now();
	int		 m, s;
	char		 c;
	ssize_t		 r;

	for (; w->rounds < FORKOPEN_N / NOPENERS &&
	    xt_now() - t0 < FORKOPEN_SECS; w->rounds++) {
		if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1) {
			failed(w, "open %d: pty pair", w->rounds);
			break;
		}
		c = 'x';
		r = write(s, &c, 1) == 1 ? xt_read_for(m, &c, 1, 5000) : -1;
		if (r != 1 || c != 'x')
			failed(w, "open %d: the manager read %zd (%s)",
			    w->rounds, r, r == 0 ? "a zero-length message" :
			    "not the byte");
		close(s);
		close(m);
	}
	return (NULL);
}

static void
check_fork_open(void)
{
	pthread_t	fth[NFORKERS];
	struct worker	ws[NOPENERS];
	atomic_int	forks = 0;
	int		i, n = 0, fails = 0, setup = 0, fstarted[NFORKERS];
	int		ostarted[NOPENERS];
	double		t0 = xt_now();

	memset(ws, 0, sizeof(ws));
	for (i = 0; i < NFORKERS; i++)
		if (!(fstarted[i] = pthread_create(&fth[i], NULL,
		    forker_main, &forks) == 0))
			setup++;
	for (i = 0; i < NOPENERS; i++) {
		ws[i].id = i;
		if (!(ostarted[i] = pthread_create(&ws[i].th, NULL,
		    opener_main, &ws[i]) == 0))
			setup++;
	}
	for (i = 0; i < NOPENERS; i++)
		if (ostarted[i])
			pthread_join(ws[i].th, NULL);
	atomic_store(&stop_forkers, 1);
	for (i = 0; i < NFORKERS; i++)
		if (fstarted[i])
			pthread_join(fth[i], NULL);
	for (i = 0; i < NOPENERS; i++) {
		if (ws[i].fails)
			diag("fork-open: opener %d: %d failures, first: %s", i,
			    ws[i].fails, ws[i].first);
		fails += ws[i].fails;
		n += ws[i].rounds;
	}
	diag("fork-open: %d opens, %d forks in %.1f s", n, atomic_load(&forks),
	    xt_now() - t0);
	is_int(setup, 0, "fork-open: threads started");
	is_int(fails, 0, "fork-open: a child forked during an open leaves no "
	    "zero-length message: each manager reads its subsidiary's byte");
}

int
main(int argc, char **argv)
{
	const char	*e;
	int		 before, after;

	xt_init(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	if ((e = getenv("XPTY_THREADS_ITER")) != NULL && atoi(e) > 0)
		iterations = atoi(e);
	if ((e = getenv("XPTY_THREADS_SECS")) != NULL && atof(e) > 0)
		time_cap = atof(e);
	/*
	 * The daemon is started on a manager's first use (a new one waits
	 * for it: lib/defer.c); count after it.
	 */
	{
		int	m, s, n;

		if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == 0) {
			(void)ioctl(m, FIONREAD, &n);
			close(s);
			close(m);
		}
	}
	before = xt_count_fds(0);
	check_churn();
	check_streams();
	check_fork_open();
	after = xt_count_fds(0);
	is_int(after, before, "no descriptor leaked (%d open)", after);
	return (done_testing());
}
