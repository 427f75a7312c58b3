/*
 * matrix.c - reader and writer kinds against one manager, each case in
 * every engine, the engines compared (issue 10's correctness bar).
 *
 * Theory of operation.  The program is a driver and a worker.  The driver
 * (no arguments) runs each case of cases[] once per engine: it forks and
 * re-executes itself as "--case N SEED" with XPTY_ENGINE set to the
 * engine and XPTY_RUNDIR to a directory of the engine's own (so each
 * engine column has its own xptyd, started with that column's
 * environment).  The worker opens one pty and runs the case; it prints
 * its transcript ("T bytes=... hash=... markers=...": what the manager
 * side read and what the subsidiary side read, hashed, and every marker
 * with its byte offset) and "# " diagnostics, and exits 0 when what it
 * read was exactly the stream that was written.  The driver reports one
 * TAP line per case and engine, then one comparing the engines'
 * transcripts (same bytes, same markers, same order).  A case an engine
 * cannot give is a TAP skip naming the reason.
 *
 * The streams.  To the manager (stream 0, written by the subsidiary) and
 * from it (stream 1, read on the subsidiary): 32-byte records, each its
 * number in 8 hex digits, 23 bytes drawn from the seed, a newline (no
 * NUL, so fgets's count is strlen's).  Every byte is compared with the
 * generator where it arrives (the first difference is named by record and
 * offset) and hashed (FNV-1a, 64 bits).  The subsidiary has no modules
 * pushed (raw: every byte passes as written), except for the pckt case.
 *
 * The manager side runs a plan of segments: read so many bytes of stream
 * 0 with one kind, or write so many of stream 1 with one kind.  Readers:
 * read, readv, fgets, fread, getc, poll, select, epoll (level, edge,
 * one-shot; the three registrations stay on the manager all along),
 * O_NONBLOCK; writers: write, writev, fwrite, putc, putmsg, O_NONBLOCK
 * with poll, select, epoll.  Leaving a stdio reader drains what stdio
 * buffered first (so the next kind reads what follows).  Peers on the
 * subsidiary are two children: a writer of stream 0 (random write sizes,
 * zero-length writes where the case puts markers) and a reader of stream
 * 1 (random read sizes) that reports its hash through a pipe.  No side
 * ever waits for the other, so no plan can deadlock: the children never
 * stop, the manager side alternates.
 *
 * Descriptors: the worker owns the manager m (and a dup for each stdio
 * FILE), the subsidiary s (closed in the parent once the children have
 * it), the epoll descriptors and the pipes; children close what they do
 * not use.  Each worker and each child arms alarm(): a lost byte is a
 * timeout that names how far each side got, never a hang.  The driver
 * kills the worker's process group when it is done with it.
 *
 * Knobs: MATRIX_SEED (hex; printed), MATRIX_BYTES (the bulk case's bytes
 * each way; default 256 MiB in p_matrix, 16 MiB in t_matrix; the other
 * cases take 1/256 of it, at least 64 KiB, at most 1 MiB), MATRIX_TIME
 * (seconds the driver may spend before it skips the cases left, saying
 * so; default 150), MATRIX_CASES (a comma-separated list of case names).
 *
 * The lease engine's column appears when the library knows
 * XPTY_ENGINE=lease (lib/mode.c names an engine it does not know on
 * standard error); with it, a column with the lease forced off in xptyd.
 */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <poll.h>
#include <stdatomic.h>
#include <time.h>
#include "xtest.h"

#define REC		32		/* a record's bytes */
#define CHUNK_MAX	65536		/* largest single read or write */
#define PUTMSG_MAX	4096		/* largest putmsg data part */
#define CASE_LIMIT	90		/* seconds a worker may take */
#define SMALL_MIN	(64 * 1024)
#define SMALL_MAX	(1024 * 1024)
#define MARKERS_MAX	64
#define LEASE_OFF_ENV	"XPTY_LEASE=0"	/* docs/lease.md: xptyd grants none */

#ifdef XT_PRELOAD
#define BULK_DEFAULT	(256ULL << 20)
#else
#define BULK_DEFAULT	(16ULL << 20)
#endif

/* ---- the streams ---- */

static uint64_t seed;

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (x);
}

/* A small seeded generator for sizes, kinds and points. */
static uint64_t
rnd(uint64_t *st)
{
	*st += 0x9e3779b97f4a7c15ULL;
	return (mix64(*st));
}

static uint64_t
rnd_range(uint64_t *st, uint64_t lo, uint64_t hi)
{
	return (lo + rnd(st) % (hi - lo + 1));
}

/* Record n of stream which into r[REC]. */
static void
rec_make(int which, uint64_t n, unsigned char *r)
{
	static const char	hex[] = "0123456789abcdef";
	uint64_t		h = 0;
	int			i;

	for (i = 0; i < 8; i++)
		r[i] = (unsigned char)hex[(n >> (28 - 4 * i)) & 15];
	for (i = 8; i < REC - 1; i++) {
		if ((i - 8) % 7 == 0)
			h = mix64(seed ^ (n << 1 | (uint64_t)which) ^
			    (uint64_t)i << 56);
		r[i] = (unsigned char)(h & 0xff);
		if (r[i] == 0)
			r[i] = 0x80;
		h >>= 8;
	}
	r[REC - 1] = '\n';
}

/* The bytes [off, off + len) of stream which. */
static void
gen(int which, uint64_t off, unsigned char *out, size_t len)
{
	unsigned char	r[REC];
	size_t		o, k;

	while (len > 0) {
		rec_make(which, off / REC, r);
		o = (size_t)(off % REC);
		k = REC - o < len ? REC - o : len;
		memcpy(out, r + o, k);
		out += k;
		off += k;
		len -= k;
	}
}

/* What arrived of one stream: position, hash, the first wrong byte. */
struct sink {
	int		 which;
	uint64_t	 pos;
	uint64_t	 hash;
	int		 bad;
	uint64_t	 badpos;
	int		 nmarks;
	char		 marks[MARKERS_MAX * 24];
};

static void
sink_init(struct sink *k, int which)
{
	memset(k, 0, sizeof(*k));
	k->which = which;
	k->hash = 0xcbf29ce484222325ULL;
}

static void
sink_take(struct sink *k, const void *p, size_t n)
{
	static unsigned char	 want[CHUNK_MAX];
	const unsigned char	*b = p;
	size_t			 i, c;

	while (n > 0) {
		c = n < sizeof(want) ? n : sizeof(want);
		gen(k->which, k->pos, want, c);
		if (!k->bad && memcmp(want, b, c) != 0) {
			for (i = 0; want[i] == b[i]; i++)
				;
			k->bad = 1;
			k->badpos = k->pos + i;
		}
		for (i = 0; i < c; i++)
			k->hash = (k->hash ^ b[i]) * 0x100000001b3ULL;
		k->pos += c;
		b += c;
		n -= c;
	}
}

/* A marker (Z zero-length, I M_IOCTL...) where the stream now is. */
static void
sink_mark(struct sink *k, char what)
{
	size_t	l = strlen(k->marks);

	if (k->nmarks++ >= MARKERS_MAX)
		return;
	snprintf(k->marks + l, sizeof(k->marks) - l, "%s%c@%llu",
	    l > 0 ? "," : "", what, (unsigned long long)k->pos);
}

static void
sink_report(const struct sink *k, const char *what)
{
	if (k->bad)
		printf("# %s: first wrong byte at offset %llu (record %llu, "
		    "byte %llu of it)\n", what, (unsigned long long)k->badpos,
		    (unsigned long long)(k->badpos / REC),
		    (unsigned long long)(k->badpos % REC));
}

/* ---- the cases ---- */

enum kind {
	/* readers of stream 0 on the manager */
	R_READ, R_READV, R_FGETS, R_FREAD, R_GETC, R_POLL, R_SELECT,
	R_EPLT, R_EPET, R_EPONE, R_NBLOCK,
	/* writers of stream 1 on the manager */
	W_WRITE, W_WRITEV, W_FWRITE, W_PUTC, W_PUTMSG, W_NBLOCK, W_SELECT,
	W_EPOLL,
	NKINDS
};
#define R_FIRST		R_READ
#define R_LAST		R_NBLOCK
#define W_FIRST		W_WRITE
#define W_LAST		W_EPOLL
#define IS_STDIO_R(k)	((k) == R_FGETS || (k) == R_FREAD || (k) == R_GETC)
#define IS_STDIO_W(k)	((k) == W_FWRITE || (k) == W_PUTC)

static const char *const kind_names[NKINDS] = {
	"read", "readv", "fgets", "fread", "getc", "poll", "select",
	"epoll", "epoll EPOLLET", "epoll EPOLLONESHOT", "O_NONBLOCK read",
	"write", "writev", "fwrite", "putc", "putmsg", "O_NONBLOCK write",
	"select write", "epoll write",
};

enum shape {
	SH_READER,	/* one reader kind, stream 0 only */
	SH_WRITER,	/* one writer kind, stream 1 only */
	SH_MIXED,	/* stdio, read, stdio... in one process */
	SH_FORK,	/* two processes read stream 0 at once */
	SH_ZERO,	/* zero-length messages mid-stream */
	SH_PCKT,	/* pckt: M_IOCTL messages mid-stream */
	SH_BULK,	/* both ways, kinds switching at random points */
	SH_BIG		/* SH_BULK at full size, in one engine pair */
};

#define NEEDS_ZERO	0x1	/* the engine must carry zero-length messages */

struct mcase {
	const char	*name;
	enum shape	 shape;
	int		 kind;
	int		 needs;
};

static const struct mcase cases[] = {
	{ "read", SH_READER, R_READ, 0 },
	{ "readv", SH_READER, R_READV, 0 },
	{ "fgets", SH_READER, R_FGETS, 0 },
	{ "fread", SH_READER, R_FREAD, 0 },
	{ "getc", SH_READER, R_GETC, 0 },
	{ "poll", SH_READER, R_POLL, 0 },
	{ "select", SH_READER, R_SELECT, 0 },
	{ "epoll", SH_READER, R_EPLT, 0 },
	{ "epoll-et", SH_READER, R_EPET, 0 },
	{ "epoll-oneshot", SH_READER, R_EPONE, 0 },
	{ "nonblock-read", SH_READER, R_NBLOCK, 0 },
	{ "write", SH_WRITER, W_WRITE, 0 },
	{ "writev", SH_WRITER, W_WRITEV, 0 },
	{ "fwrite", SH_WRITER, W_FWRITE, 0 },
	{ "putc", SH_WRITER, W_PUTC, 0 },
	{ "putmsg", SH_WRITER, W_PUTMSG, 0 },
	{ "nonblock-write", SH_WRITER, W_NBLOCK, 0 },
	{ "select-write", SH_WRITER, W_SELECT, 0 },
	{ "epoll-write", SH_WRITER, W_EPOLL, 0 },
	{ "mixed", SH_MIXED, 0, 0 },
	{ "fork-shared", SH_FORK, 0, 0 },
	{ "zero-length", SH_ZERO, 0, NEEDS_ZERO },
	{ "pckt", SH_PCKT, 0, 0 },
	{ "bulk", SH_BULK, 0, 0 },
	{ "bulk-full", SH_BIG, 0, 0 },
};
#define NCASES	(int)(sizeof(cases) / sizeof(cases[0]))

static uint64_t big_bytes, bulk_bytes, small_bytes;

/* ---- the worker: the manager side ---- */

struct mside {
	int		 m;
	FILE		*rfp, *wfp;
	int		 ep_lt, ep_et, ep_one, ep_out;
	int		 stdio_r;	/* the last reader kind was stdio */
	int		 nonblock;	/* O_NONBLOCK is set on m */
	struct sink	 in;		/* stream 0 as read here */
	uint64_t	 out;		/* stream 1 written so far */
	uint64_t	 rs;		/* sizes */
	const uint64_t	*zmarks;	/* where zero-length messages are */
	int		 nz;
};

static struct mside *alarm_ms;
static int alarm_case;

/* A worker that outlives CASE_LIMIT says how far it got, then dies. */
static void
on_alarm(int sig)
{
	char	b[160];
	int	n;

	(void)sig;
	n = snprintf(b, sizeof(b), "# timeout in case %d: the manager read "
	    "%llu bytes, wrote %llu\n", alarm_case,
	    alarm_ms ? (unsigned long long)alarm_ms->in.pos : 0ULL,
	    alarm_ms ? (unsigned long long)alarm_ms->out : 0ULL);
	(void)write(1, b, (size_t)n);
	_exit(3);
}

/* The subsidiary's reader found a wrong byte (and said where). */
static void
on_usr1(int sig)
{
	static const char	b[] = "# the subsidiary's reader stopped at a "
	    "wrong byte\n";

	(void)sig;
	(void)write(1, b, sizeof(b) - 1);
	_exit(3);
}

static void
set_nonblock(struct mside *ms, int on)
{
	int	fl;

	if (ms->nonblock == on)
		return;
	fl = fcntl(ms->m, F_GETFL);
	fcntl(ms->m, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
	ms->nonblock = on;
}

static int
ep_make(int m, uint32_t ev)
{
	struct epoll_event	e;
	int			ep;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return (-1);
	memset(&e, 0, sizeof(e));
	e.events = ev;
	e.data.u64 = 0x6d61747269780000ULL | (unsigned)m;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, m, &e) == -1) {
		close(ep);
		return (-1);
	}
	return (ep);
}

/* Wait until ep reports m (its data intact); -1 on a wrong report. */
static int
ep_wait(int ep, int m, uint32_t want)
{
	struct epoll_event	e;
	int			n;

	do
		n = epoll_wait(ep, &e, 1, -1);
	while (n == -1 && errno == EINTR);
	if (n != 1 || e.data.u64 != (0x6d61747269780000ULL | (unsigned)m) ||
	    (e.events & (want | EPOLLERR | EPOLLHUP)) == 0) {
		printf("# epoll_wait: %d, events %#x\n", n, e.events);
		return (-1);
	}
	return (0);
}

static int
ep_rearm(int ep, int m)
{
	struct epoll_event	e;

	memset(&e, 0, sizeof(e));
	e.events = EPOLLIN | EPOLLONESHOT;
	e.data.u64 = 0x6d61747269780000ULL | (unsigned)m;
	return (epoll_ctl(ep, EPOLL_CTL_MOD, m, &e));
}

static int
wait_fd(int fd, short ev)
{
	struct pollfd	p = { .fd = fd, .events = ev };
	int		n;

	do
		n = poll(&p, 1, -1);
	while (n == -1 && errno == EINTR);
	return (n == 1 ? 0 : -1);
}

static int
wait_select(int fd, int wr)
{
	fd_set	s;
	int	n;

	do {
		FD_ZERO(&s);
		FD_SET(fd, &s);
		n = select(fd + 1, wr ? NULL : &s, wr ? &s : NULL, NULL, NULL);
	} while (n == -1 && errno == EINTR);
	return (n == 1 ? 0 : -1);
}

/* Is a zero-length message due where stream 0 now is? */
static int
zero_due(const struct mside *ms)
{
	int	i;

	for (i = 0; i < ms->nz; i++)
		if (ms->zmarks[i] == ms->in.pos)
			return (1);
	return (0);
}

/* Leave stdio reading: take what it buffered, so read() goes on after. */
static int
stdio_drain(struct mside *ms)
{
	unsigned char	b[CHUNK_MAX];
	size_t		n = 0;
	int		c;

	if (!ms->stdio_r)
		return (0);
	ms->stdio_r = 0;
#ifdef __GLIBC__
	while (ms->rfp->_IO_read_ptr < ms->rfp->_IO_read_end &&
	    n < sizeof(b)) {
		if ((c = getc(ms->rfp)) == EOF)
			return (-1);
		b[n++] = (unsigned char)c;
	}
#endif
	sink_take(&ms->in, b, n);
	(void)c;
	return (0);
}

/*
 * stdio read the zero-length message as its end of file.  As xpty(7)
 * says (CAVEATS), the socket after it comes under the descriptor at the
 * next read through libxpty, which sees that 0 once more; then stdio goes
 * on with what follows.
 */
static int
stdio_past_zero(struct mside *ms)
{
	char	c;
	ssize_t	r;

	clearerr(ms->rfp);
	if ((r = read(ms->m, &c, 1)) != 0) {
		printf("# read() after stdio's end of file at a zero-length "
		    "message: %zd, not 0 again (xpty(7) CAVEATS)\n", r);
		return (-1);
	}
	return (0);
}

/*
 * One call of reader kind k for at most max bytes into b: the bytes
 * read, 0 for a zero-length message, -1 on an error (said).
 */
static ssize_t
rd_once(struct mside *ms, int k, unsigned char *b, size_t max)
{
	struct iovec	 iov[3];
	size_t		 a, c;
	ssize_t		 r;
	char		*line;
	int		 ch;

	switch (k) {
	/* stdio: what came before an end of file, then 0 for it */
	case R_FGETS:
		line = (char *)b;
		if (feof(ms->rfp))
			return (0);
		if (fgets(line, (int)max + 1, ms->rfp) == NULL)
			return (feof(ms->rfp) ? 0 : -1);
		return ((ssize_t)strlen(line));
	case R_FREAD:
		if (feof(ms->rfp))
			return (0);
		c = fread(b, 1, max, ms->rfp);
		return (c == max || feof(ms->rfp) ? (ssize_t)c : -1);
	case R_GETC:
		for (c = 0; c < max; c++) {
			if ((ch = getc(ms->rfp)) == EOF) {
				if (feof(ms->rfp))
					break;
				return (-1);
			}
			b[c] = (unsigned char)ch;
		}
		return ((ssize_t)c);
	case R_READV:
		a = max / 3;
		c = (max - a) / 2;
		iov[0].iov_base = b;
		iov[0].iov_len = a;
		iov[1].iov_base = b + a;
		iov[1].iov_len = c;
		iov[2].iov_base = b + a + c;
		iov[2].iov_len = max - a - c;
		return (readv(ms->m, iov, 3));
	case R_POLL:
		if (wait_fd(ms->m, POLLIN) == -1)
			return (-1);
		break;
	case R_SELECT:
		if (wait_select(ms->m, 0) == -1)
			return (-1);
		break;
	case R_EPLT:
		if (ep_wait(ms->ep_lt, ms->m, EPOLLIN) == -1)
			return (-1);
		break;
	case R_EPONE:
		if (ep_rearm(ms->ep_one, ms->m) == -1 ||
		    ep_wait(ms->ep_one, ms->m, EPOLLIN) == -1)
			return (-1);
		break;
	case R_EPET:
		for (;;) {
			if ((r = read(ms->m, b, max)) >= 0 || errno != EAGAIN)
				return (r);
			if (ep_wait(ms->ep_et, ms->m, EPOLLIN) == -1)
				return (-1);
		}
	case R_NBLOCK:
		for (;;) {
			struct timespec	ts = { 0, 100000 };

			if ((r = read(ms->m, b, max)) >= 0 || errno != EAGAIN)
				return (r);
			nanosleep(&ts, NULL);
		}
	}
	return (read(ms->m, b, max));
}

/* Read len bytes of stream 0 (and the markers on the way) with kind k. */
static int
rd_segment(struct mside *ms, int k, uint64_t len)
{
	static unsigned char	b[CHUNK_MAX + 1];
	uint64_t		end = ms->in.pos + len;
	size_t			max;
	ssize_t			r;

	if (!IS_STDIO_R(k) && stdio_drain(ms) == -1)
		return (-1);
	set_nonblock(ms, k == R_EPET || k == R_NBLOCK);
	if (IS_STDIO_R(k))
		ms->stdio_r = 1;
	while (ms->in.pos < end) {
		max = (size_t)rnd_range(&ms->rs, 1, CHUNK_MAX);
		if (max > end - ms->in.pos)
			max = (size_t)(end - ms->in.pos);
		do
			r = rd_once(ms, k, b, max);
		while (r == -1 && errno == EINTR && !IS_STDIO_R(k));
		if (r == -1) {
			printf("# %s at offset %llu: %s\n", kind_names[k],
			    (unsigned long long)ms->in.pos, strerror(errno));
			return (-1);
		}
		if (r == 0) {
			if (!zero_due(ms)) {
				printf("# %s at offset %llu: a read of 0 where "
				    "no zero-length message was sent\n",
				    kind_names[k],
				    (unsigned long long)ms->in.pos);
				return (-1);
			}
			sink_mark(&ms->in, 'Z');
			if (IS_STDIO_R(k) && stdio_past_zero(ms) == -1)
				return (-1);
			continue;
		}
		sink_take(&ms->in, b, (size_t)r);
		if (ms->in.bad) {
			printf("# %s: a wrong byte\n", kind_names[k]);
			return (-1);
		}
	}
	return (0);
}

/* One call of writer kind k for len bytes at b: the bytes taken, -1. */
static ssize_t
wr_once(struct mside *ms, int k, const unsigned char *b, size_t len)
{
	struct strbuf	d;
	struct iovec	iov[3];
	size_t		a, c;
	ssize_t		r;

	switch (k) {
	case W_FWRITE:
		return (fwrite(b, 1, len, ms->wfp) == len ? (ssize_t)len : -1);
	case W_PUTC:
		for (c = 0; c < len; c++)
			if (putc(b[c], ms->wfp) == EOF)
				return (-1);
		return ((ssize_t)len);
	case W_PUTMSG:
		if (len > PUTMSG_MAX)
			len = PUTMSG_MAX;
		d.maxlen = 0;
		d.len = (int)len;
		d.buf = (char *)(uintptr_t)b;
		return (putmsg(ms->m, NULL, &d, 0) == 0 ? (ssize_t)len : -1);
	case W_WRITEV:
		a = len / 3;
		c = (len - a) / 2;
		iov[0].iov_base = (void *)(uintptr_t)b;
		iov[0].iov_len = a;
		iov[1].iov_base = (void *)(uintptr_t)(b + a);
		iov[1].iov_len = c;
		iov[2].iov_base = (void *)(uintptr_t)(b + a + c);
		iov[2].iov_len = len - a - c;
		return (writev(ms->m, iov, 3));
	case W_NBLOCK:
		for (;;) {
			if ((r = write(ms->m, b, len)) >= 0 || errno != EAGAIN)
				return (r);
			if (wait_fd(ms->m, POLLOUT) == -1)
				return (-1);
		}
	case W_SELECT:
		if (wait_select(ms->m, 1) == -1)
			return (-1);
		break;
	case W_EPOLL:
		if (ep_wait(ms->ep_out, ms->m, EPOLLOUT) == -1)
			return (-1);
		break;
	}
	return (write(ms->m, b, len));
}

/* Write len bytes of stream 1 with kind k. */
static int
wr_segment(struct mside *ms, int k, uint64_t len)
{
	static unsigned char	b[CHUNK_MAX];
	uint64_t		end = ms->out + len;
	size_t			n, off;
	ssize_t			r;

	set_nonblock(ms, k == W_NBLOCK);
	while (ms->out < end) {
		n = (size_t)rnd_range(&ms->rs, 1, CHUNK_MAX);
		if (n > end - ms->out)
			n = (size_t)(end - ms->out);
		gen(1, ms->out, b, n);
		for (off = 0; off < n; off += (size_t)r) {
			do
				r = wr_once(ms, k, b + off, n - off);
			while (r == -1 && errno == EINTR && !IS_STDIO_W(k));
			if (r <= 0) {
				printf("# %s at offset %llu: %s\n",
				    kind_names[k],
				    (unsigned long long)ms->out + off,
				    r == 0 ? "wrote 0" : strerror(errno));
				return (-1);
			}
		}
		ms->out += n;
	}
	if (IS_STDIO_W(k) && fflush(ms->wfp) == EOF) {
		printf("# fflush: %s\n", strerror(errno));
		return (-1);
	}
	return (0);
}

/* ---- the worker: the subsidiary side ---- */

/*
 * Write n bytes of stream 0 to s, a zero-length write before each offset
 * in z[]; before each offset in x[] wait for the manager's ack on ackfd,
 * then toggle IXON (pckt's M_IOCTL).  Then wait for quitfd to close.
 */
static int
peer_writer(int s, uint64_t n, uint64_t st, const uint64_t *z, int nz,
    const uint64_t *x, int nx, int ackfd, int quitfd)
{
	static unsigned char	b[CHUNK_MAX];
	struct termios		t;
	uint64_t		pos = 0, stop;
	size_t			len;
	ssize_t			r;
	int			zi = 0, xi = 0;
	char			c;

	while (pos < n || zi < nz || xi < nx) {
		stop = n;
		if (zi < nz && z[zi] < stop)
			stop = z[zi];
		if (xi < nx && x[xi] < stop)
			stop = x[xi];
		if (zi < nz && z[zi] == pos) {
			if (write(s, "", 0) != 0)
				return (10);
			zi++;
			continue;
		}
		if (xi < nx && x[xi] == pos) {
			if (read(ackfd, &c, 1) != 1 || tcgetattr(s, &t) == -1)
				return (11);
			t.c_iflag ^= IXON;
			if (tcsetattr(s, TCSANOW, &t) == -1)
				return (12);
			xi++;
			continue;
		}
		len = (size_t)rnd_range(&st, 1, CHUNK_MAX);
		if (len > stop - pos)
			len = (size_t)(stop - pos);
		gen(0, pos, b, len);
		if ((r = write(s, b, len)) <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			return (13);
		}
		pos += (uint64_t)r;
	}
	(void)read(quitfd, &c, 1);
	return (0);
}

/* Read n bytes of stream 1 from s; the sink's result to resfd. */
static int
peer_reader(int s, uint64_t n, uint64_t st, int resfd)
{
	static unsigned char	b[CHUNK_MAX];
	struct sink		k;
	size_t			len;
	ssize_t			r;

	sink_init(&k, 1);
	while (k.pos < n) {
		len = (size_t)rnd_range(&st, 1, CHUNK_MAX);
		if (len > n - k.pos)
			len = (size_t)(n - k.pos);
		if ((r = read(s, b, len)) <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			break;
		}
		sink_take(&k, b, (size_t)r);
		if (k.bad) {
			/* the manager's writer would wait for us forever */
			sink_report(&k, "stream from the manager");
			fflush(stdout);
			kill(getppid(), SIGUSR1);
			break;
		}
	}
	(void)write(resfd, &k, sizeof(k));
	return (k.pos == n && !k.bad ? 0 : 20);
}

/* ---- the worker: one case ---- */

struct run {
	const struct mcase	*c;
	int			 m, s;
	pid_t			 wpid, rpid;
	int			 quit[2], res[2], ack[2];
	uint64_t		 n0, n1;
	uint64_t		 z[MARKERS_MAX], x[MARKERS_MAX];
	int			 nz, nx;
};

static int
start_peers(struct run *u, uint64_t st)
{
	uint64_t	ws = rnd(&st), rs = rnd(&st);

	if (pipe(u->quit) == -1 || pipe(u->res) == -1 || pipe(u->ack) == -1)
		return (-1);
	if ((u->wpid = fork()) == 0) {
		alarm(CASE_LIMIT);
		close(u->m);
		close(u->quit[1]);
		close(u->ack[1]);
		_exit(peer_writer(u->s, u->n0, ws, u->z, u->nz, u->x, u->nx,
		    u->ack[0], u->quit[0]));
	}
	if (u->n1 > 0 && (u->rpid = fork()) == 0) {
		alarm(CASE_LIMIT);
		close(u->m);
		close(u->res[0]);
		_exit(peer_reader(u->s, u->n1, rs, u->res[1]));
	}
	close(u->quit[0]);
	close(u->ack[0]);
	close(u->res[1]);
	close(u->s);
	return (u->wpid > 0 && u->rpid >= 0 ? 0 : -1);
}

/* The children's ends: 0 if both did all they were to. */
static int
end_peers(struct run *u, struct sink *k1)
{
	int	st, bad = 0;

	close(u->quit[1]);
	sink_init(k1, 1);
	if (u->rpid > 0) {
		if (read(u->res[0], k1, sizeof(*k1)) != (ssize_t)sizeof(*k1)) {
			printf("# the subsidiary's reader sent no result\n");
			bad = 1;
		}
		if (waitpid(u->rpid, &st, 0) != u->rpid || st != 0) {
			printf("# the subsidiary's reader: status %#x, read "
			    "%llu of %llu bytes\n", st,
			    (unsigned long long)k1->pos,
			    (unsigned long long)u->n1);
			sink_report(k1, "stream from the manager");
			bad = 1;
		}
	}
	close(u->res[0]);
	close(u->ack[1]);
	if (waitpid(u->wpid, &st, 0) != u->wpid || st != 0) {
		printf("# the subsidiary's writer: status %#x\n", st);
		bad = 1;
	}
	return (bad ? -1 : 0);
}

static int
ms_open(struct mside *ms, int m)
{
	memset(ms, 0, sizeof(*ms));
	ms->m = m;
	sink_init(&ms->in, 0);
	ms->ep_lt = ep_make(m, EPOLLIN);
	ms->ep_et = ep_make(m, EPOLLIN | EPOLLET);
	ms->ep_one = ep_make(m, EPOLLIN | EPOLLONESHOT);
	ms->ep_out = ep_make(m, EPOLLOUT);
	/*
	 * stdio reads m itself, not a dup: after a zero-length message the
	 * socket that follows comes under the number libxpty read (xpty(7)
	 * CAVEATS); a dup keeps the ended one until it is read through
	 * libxpty.  fclose(rfp) closes m.
	 */
	ms->rfp = fdopen(m, "r");
	ms->wfp = fdopen(dup(m), "w");
#ifndef __GLIBC__
	if (ms->rfp != NULL)
		setvbuf(ms->rfp, NULL, _IONBF, 0);
#endif
	if (ms->ep_lt < 0 || ms->ep_et < 0 || ms->ep_one < 0 ||
	    ms->ep_out < 0 || ms->rfp == NULL || ms->wfp == NULL) {
		printf("# manager setup: %s\n", strerror(errno));
		return (-1);
	}
	alarm_ms = ms;
	return (0);
}

static void
ms_close(struct mside *ms)
{
	alarm_ms = NULL;
	fclose(ms->rfp);
	fclose(ms->wfp);
	close(ms->ep_lt);
	close(ms->ep_et);
	close(ms->ep_one);
	close(ms->ep_out);
}

/* Seeded points strictly inside (0, n), ascending, distinct. */
static int
points(uint64_t *st, uint64_t n, uint64_t *p, int want)
{
	int		i, j, k = 0;
	uint64_t	v;

	for (i = 0; i < want && n > 2; i++) {
		v = rnd_range(st, 1, n - 1);
		for (j = 0; j < k && p[j] != v; j++)
			;
		if (j == k)
			p[k++] = v;
	}
	for (i = 1; i < k; i++)
		for (j = i; j > 0 && p[j - 1] > p[j]; j--) {
			v = p[j];
			p[j] = p[j - 1];
			p[j - 1] = v;
		}
	return (k);
}

/* How many segments of each kind a seeded plan had. */
static void
plan_report(const int *used, int n)
{
	char		 b[1024];
	const char	*sep = "";
	size_t		 l;
	int		 k;

	l = (size_t)snprintf(b, sizeof(b), "# %d segments:", n);
	for (k = 0; k < NKINDS && l < sizeof(b); k++)
		if (used[k] > 0) {
			l += (size_t)snprintf(b + l, sizeof(b) - l, "%s %s %d",
			    sep, kind_names[k], used[k]);
			sep = ",";
		}
	printf("%s\n", b);
}

/* The manager side's plan for each shape but fork and pckt. */
static int
run_plan(struct run *u, struct mside *ms, uint64_t st)
{
	static const int	mixed[] = { R_FGETS, R_READ, R_GETC, R_READV,
	    R_FREAD, R_POLL, R_FGETS };
	static const int	zkinds[] = { R_READ, R_READV, R_POLL, R_SELECT,
	    R_EPLT, R_EPET, R_EPONE, R_NBLOCK, R_FGETS, R_FREAD, R_GETC };
	uint64_t		len, left0, left1;
	int			i = 0, k, lmax, used[NKINDS];

	ms->rs = rnd(&st);
	ms->zmarks = u->z;
	ms->nz = u->nz;
	switch (u->c->shape) {
	case SH_READER:
		return (rd_segment(ms, u->c->kind, u->n0));
	case SH_WRITER:
		return (wr_segment(ms, u->c->kind, u->n1));
	case SH_MIXED:
		len = u->n0 / 7 + 1;
		for (i = 0; ms->in.pos < u->n0; i++) {
			left0 = u->n0 - ms->in.pos;
			if (rd_segment(ms, mixed[i % 7],
			    len < left0 ? len : left0) == -1)
				return (-1);
		}
		return (stdio_drain(ms));
	default:
		break;
	}
	/* zero-length and bulk: kinds switch at seeded points */
	memset(used, 0, sizeof(used));
	for (lmax = 16; lmax < 40 && (1ULL << lmax) < (u->n0 + u->n1) / 64;
	    lmax++)
		;
	for (;;) {
		left0 = u->n0 - ms->in.pos;
		left1 = u->n1 - ms->out;
		if (left0 == 0 && left1 == 0)
			break;
		/* log-uniform: many short segments, some long ones */
		len = rnd_range(&st, 1, 1ULL << rnd_range(&st, 0, lmax));
		if (left0 > 0 && (left1 == 0 || (rnd(&st) & 1))) {
			if (u->c->shape == SH_ZERO)
				k = zkinds[rnd(&st) % (sizeof(zkinds) /
				    sizeof(zkinds[0]))];
			else
				k = (int)rnd_range(&st, R_FIRST, R_LAST);
			if (rd_segment(ms, k, len < left0 ? len : left0) == -1)
				return (-1);
		} else {
			k = (int)rnd_range(&st, W_FIRST, W_LAST);
			if (wr_segment(ms, k, len < left1 ? len : left1) == -1)
				return (-1);
		}
		used[k]++;
		i++;
	}
	plan_report(used, i);
	return (stdio_drain(ms));
}

/*
 * pckt on the manager: every message read with getmsg, data checked; an
 * M_IOCTL (the subsidiary toggling IXON) at each x[] point, where the
 * manager acks the offset first so that the change follows the data.
 */
static int
run_pckt(struct run *u, struct mside *ms, uint64_t st)
{
	static unsigned char	dbuf[CHUNK_MAX];
	unsigned char		cbuf[64];
	struct strbuf		c, d;
	int			flags, xi = 0, more = 0;

	while (ms->in.pos < u->n0 || xi < u->nx) {
		if (xi < u->nx && ms->in.pos == u->x[xi] && !more) {
			if (write(u->ack[1], "a", 1) != 1)
				return (-1);
			xi++;
		}
		c.maxlen = sizeof(cbuf);
		c.len = 0;
		c.buf = (char *)cbuf;
		d.maxlen = (int)rnd_range(&st, 1, CHUNK_MAX);
		d.len = 0;
		d.buf = (char *)dbuf;
		flags = 0;
		if ((more = getmsg(ms->m, &c, &d, &flags)) == -1) {
			if (errno == EINTR)
				continue;
			printf("# getmsg at offset %llu: %s\n",
			    (unsigned long long)ms->in.pos, strerror(errno));
			return (-1);
		}
		if (c.len > 0 && cbuf[0] == M_IOCTL) {
			sink_mark(&ms->in, 'I');
			if (more & MOREDATA) {
				/* the rest of the iocblk: take it whole */
				d.maxlen = sizeof(dbuf);
				flags = 0;
				(void)getmsg(ms->m, NULL, &d, &flags);
				more = 0;
			}
			continue;
		}
		if (c.len > 0 && cbuf[0] != M_DATA) {
			sink_mark(&ms->in, 'M');
			continue;
		}
		if (d.len > 0) {
			sink_take(&ms->in, dbuf, (size_t)d.len);
			if (ms->in.bad)
				return (-1);
		} else if (c.len > 0) {
			printf("# getmsg: an empty M_DATA at offset %llu\n",
			    (unsigned long long)ms->in.pos);
			return (-1);
		}
	}
	return (0);
}

/* Push ptem and ldterm, make it raw; pckt on the manager; quiet. */
static int
pckt_setup(int m, int s)
{
	unsigned char	cb[64], db[4096];
	struct strbuf	c = { sizeof(cb), 0, (char *)cb };
	struct strbuf	d = { sizeof(db), 0, (char *)db };
	struct pollfd	p = { .fd = m, .events = POLLIN };
	struct termios	t;
	int		flags = 0;

	if (ioctl(s, I_PUSH, "ptem") == -1 || ioctl(s, I_PUSH, "ldterm") == -1 ||
	    tcgetattr(s, &t) == -1)
		return (-1);
	cfmakeraw(&t);
	t.c_iflag &= ~(unsigned)IXON;
	if (tcsetattr(s, TCSANOW, &t) == -1 || ioctl(m, I_PUSH, "pckt") == -1)
		return (-1);
	/*
	 * What the set-up itself raised is not part of the case: read up to
	 * a data message of one byte the subsidiary sends after it.
	 */
	if (write(s, "S", 1) != 1)
		return (-1);
	for (;;) {
		c.maxlen = sizeof(cb);
		d.maxlen = sizeof(db);
		if (poll(&p, 1, 10000) != 1 || getmsg(m, &c, &d, &flags) == -1)
			return (-1);
		if (c.len == 1 && cb[0] == M_DATA && d.len == 1 && db[0] == 'S')
			return (0);
	}
}

/* Two processes read stream 0 at once; the shares must merge into it. */
struct share {
	_Atomic(uint64_t) taken;	/* bytes read by both so far */
	size_t		 used[2];	/* log bytes */
	unsigned char	 log[];		/* two logs: [u32 len][bytes]... */
};

/* Reader 0 reads with read(), reader 1 with readv(). */
static ssize_t
share_once(int m, int who, unsigned char *b, size_t len)
{
	struct iovec	iov[2];

	if (who == 0 || len < 2)
		return (read(m, b, len));
	iov[0].iov_base = b;
	iov[0].iov_len = len / 2;
	iov[1].iov_base = b + len / 2;
	iov[1].iov_len = len - len / 2;
	return (readv(m, iov, 2));
}

static int
share_read(struct share *sh, int m, int who, uint64_t n, size_t cap,
    uint64_t st)
{
	unsigned char	*log = sh->log + (size_t)who * cap;
	size_t		 len;
	ssize_t		 r;
	uint32_t	 l32;

	while (atomic_load(&sh->taken) < n) {
		struct pollfd	p = { .fd = m, .events = POLLIN };

		if (poll(&p, 1, 50) != 1)
			continue;
		len = (size_t)rnd_range(&st, 1, 8192);
		if (sh->used[who] + 4 + len > cap)
			return (-1);
		if ((r = share_once(m, who, log + sh->used[who] + 4,
		    len)) <= 0) {
			if (r == -1 && (errno == EAGAIN || errno == EINTR))
				continue;
			printf("# reader %d: %s\n", who,
			    r == 0 ? "a read of 0" : strerror(errno));
			return (-1);
		}
		l32 = (uint32_t)r;
		memcpy(log + sh->used[who], &l32, 4);
		sh->used[who] += 4 + (size_t)r;
		atomic_fetch_add(&sh->taken, (uint64_t)r);
	}
	return (0);
}

/* Next chunk of log who at *at: its length and bytes. */
static size_t
chunk_at(const unsigned char *log, size_t at, const unsigned char **p)
{
	uint32_t	l32;

	memcpy(&l32, log + at, 4);
	*p = log + at + 4;
	return (l32);
}

/*
 * Is stream 0 from pos the interleaving of log 0 from a[0] and log 1 from
 * a[1], each chunk whole and in its log's order?  Backtracks where both
 * heads fit (rare: records are numbered); *budget bounds the search.
 */
static int
merge(const struct share *sh, size_t cap, uint64_t pos, size_t a0,
    size_t a1, long *budget, struct sink *k)
{
	static unsigned char	 want[8192];
	const unsigned char	*p0, *p1;
	size_t			 l0, l1;
	int			 f0, f1;

	for (;;) {
		if (--*budget < 0)
			return (-1);
		f0 = f1 = 0;
		l0 = l1 = 0;
		if (a0 < sh->used[0]) {
			l0 = chunk_at(sh->log, a0, &p0);
			gen(0, pos, want, l0);
			f0 = memcmp(want, p0, l0) == 0;
		}
		if (a1 < sh->used[1]) {
			l1 = chunk_at(sh->log + cap, a1, &p1);
			gen(0, pos, want, l1);
			f1 = memcmp(want, p1, l1) == 0;
		}
		if (a0 >= sh->used[0] && a1 >= sh->used[1]) {
			k->pos = pos;
			return (0);
		}
		if (f0 && f1) {
			if (merge(sh, cap, pos + l0, a0 + 4 + l0, a1, budget,
			    k) == 0)
				return (0);
			/* that branch's first wrong byte is not the stream's */
			k->bad = 0;
			k->badpos = 0;
		}
		if (f1) {
			pos += l1;
			a1 += 4 + l1;
		} else if (f0 && !f1) {
			pos += l0;
			a0 += 4 + l0;
		} else {
			k->bad = 1;
			k->badpos = pos;
			return (-1);
		}
	}
}

static int
run_fork(struct run *u, struct mside *ms, uint64_t st)
{
	size_t		 cap = (size_t)u->n0 * 2 + 4 * 1024 * 1024;
	struct share	*sh;
	long		 budget = 50000000;
	uint64_t	 s1 = rnd(&st);
	pid_t		 pid;
	int		 rc, wst;

	sh = mmap(NULL, sizeof(*sh) + 2 * cap, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return (-1);
	set_nonblock(ms, 1);
	if ((pid = fork()) == 0) {
		alarm(CASE_LIMIT);
		_exit(share_read(sh, u->m, 1, u->n0, cap, s1) == 0 ? 0 : 1);
	}
	rc = share_read(sh, u->m, 0, u->n0, cap, rnd(&st));
	if (waitpid(pid, &wst, 0) != pid || wst != 0) {
		printf("# the second reader: status %#x\n", wst);
		rc = -1;
	}
	printf("# shares: %llu and %llu bytes of %llu\n",
	    (unsigned long long)(sh->used[0]), (unsigned long long)
	    (sh->used[1]), (unsigned long long)u->n0);
	if (rc == 0 && merge(sh, cap, 0, 0, 0, &budget, &ms->in) == -1) {
		printf("# the two shares do not merge into the stream%s\n",
		    budget < 0 ? " (search bound reached)" : "");
		sink_report(&ms->in, "merged stream to the manager");
		rc = -1;
	}
	if (rc == 0 && atomic_load(&sh->taken) != u->n0) {
		printf("# %llu bytes read of %llu\n", (unsigned long long)
		    atomic_load(&sh->taken), (unsigned long long)u->n0);
		rc = -1;
	}
	if (rc == 0) {
		/* the hash of the stream as merged: the stream's */
		ms->in.pos = 0;
		ms->in.hash = 0xcbf29ce484222325ULL;
		{
			static unsigned char	b[CHUNK_MAX];
			uint64_t		o;
			size_t			c;

			for (o = 0; o < u->n0; o += c) {
				c = u->n0 - o < sizeof(b) ? (size_t)(u->n0 -
				    o) : sizeof(b);
				gen(0, o, b, c);
				sink_take(&ms->in, b, c);
			}
		}
	}
	munmap(sh, sizeof(*sh) + 2 * cap);
	return (rc);
}

static int
worker(int ci, uint64_t cseed)
{
	const struct mcase	*c = &cases[ci];
	static struct mside	 ms;
	struct sink		 k1;
	struct run		 u;
	struct stat		 sb;
	uint64_t		 st = cseed;
	int			 rc;

	alarm_case = ci;
	signal(SIGALRM, on_alarm);
	signal(SIGUSR1, on_usr1);
	alarm(CASE_LIMIT);
	memset(&u, 0, sizeof(u));
	u.c = c;
	seed = cseed;
	u.n0 = c->shape == SH_WRITER ? 0 : c->shape == SH_BULK ? bulk_bytes :
	    c->shape == SH_BIG ? big_bytes : small_bytes;
	u.n1 = c->shape == SH_WRITER ? small_bytes : c->shape == SH_BULK ?
	    bulk_bytes : c->shape == SH_BIG ? big_bytes : 0;
	if (c->shape == SH_ZERO)
		u.nz = points(&st, u.n0, u.z, 12);
	if (c->shape == SH_PCKT)
		u.nx = points(&st, u.n0, u.x, 8);
	if (xt_pair(&u.m, &u.s, NULL, 0, O_NOCTTY) == -1) {
		printf("# pty pair: %s\n", strerror(errno));
		return (1);
	}
	if (c->shape == SH_PCKT && pckt_setup(u.m, u.s) == -1) {
		printf("# pckt set-up: %s\n", strerror(errno));
		return (1);
	}
	if (ms_open(&ms, u.m) == -1 || start_peers(&u, rnd(&st)) == -1)
		return (1);
	if (c->shape == SH_FORK)
		rc = run_fork(&u, &ms, st);
	else if (c->shape == SH_PCKT)
		rc = run_pckt(&u, &ms, st);
	else
		rc = run_plan(&u, &ms, st);
	if (rc == -1) {
		printf("# the manager read %llu bytes, wrote %llu\n",
		    (unsigned long long)ms.in.pos, (unsigned long long)ms.out);
		sink_report(&ms.in, "stream to the manager");
		/* a peer may wait for what will not come: end it */
		kill(u.wpid, SIGKILL);
		if (u.rpid > 0)
			kill(u.rpid, SIGKILL);
	}
	/*
	 * What the manager is once used (a new one is the host manager
	 * until its first use in the default engine: lib/defer.c).
	 */
	if (fstat(u.m, &sb) == 0)
		printf("sig %s\n", S_ISSOCK(sb.st_mode) ? "socket" :
		    S_ISCHR(sb.st_mode) ? "host" : "other");
	if (end_peers(&u, &k1) == -1)
		rc = -1;
	if (rc == 0 && (ms.in.bad || ms.in.pos != u.n0 || k1.bad ||
	    k1.pos != u.n1)) {
		sink_report(&ms.in, "stream to the manager");
		sink_report(&k1, "stream from the manager");
		rc = -1;
	}
	if (rc == 0 && ms.in.nmarks != u.nz + u.nx) {
		printf("# %d markers read, %d sent\n", ms.in.nmarks,
		    u.nz + u.nx);
		rc = -1;
	}
	printf("T in=%llu:%016llx out=%llu:%016llx markers=%s\n",
	    (unsigned long long)ms.in.pos, (unsigned long long)ms.in.hash,
	    (unsigned long long)k1.pos, (unsigned long long)k1.hash,
	    ms.in.marks[0] != '\0' ? ms.in.marks : "none");
	ms_close(&ms);
	return (rc == 0 ? 0 : 1);
}

/* ---- the driver ---- */

struct engine {
	const char	*name;
	const char	*env[3];
	const char	*sig;		/* what the worker's manager is */
	const char	*no_zero;	/* why it has no zero-length messages */
	char		 rundir[PATH_MAX];
	int		 on;
};

static struct engine engines[] = {
	{ "relay", { "XPTY_ENGINE=relay", NULL }, "socket", NULL, "", 1 },
	{ "direct", { "XPTY_ENGINE=direct", NULL }, "host",
	    "the direct engine carries no zero-length message (no daemon, "
	    "xpty(7))", "", 1 },
	{ "lease", { "XPTY_ENGINE=lease", NULL }, "socket", NULL, "", 0 },
	{ "lease-off", { "XPTY_ENGINE=lease", LEASE_OFF_ENV, NULL }, "socket",
	    NULL, "", 0 },
};
#define NENGINES	(int)(sizeof(engines) / sizeof(engines[0]))

/* Start argv as a worker in engine e, its stdout (and maybe stderr) to *fd. */
static pid_t
spawn(const struct engine *e, char *const *args, int *fd, int err)
{
	int	p[2], i;
	pid_t	pid;

	if (pipe(p) == -1)
		return (-1);
	if ((pid = fork()) == 0) {
		setpgid(0, 0);
		dup2(p[1], 1);
		if (err)
			dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		for (i = 0; e->env[i] != NULL; i++)
			putenv((char *)(uintptr_t)e->env[i]);
		if (e->rundir[0] != '\0')
			setenv("XPTY_RUNDIR", e->rundir, 1);
		execv("/proc/self/exe", args);
		_exit(127);
	}
	close(p[1]);
	*fd = p[0];
	return (pid);
}

/* Everything the worker says until it ends; its wait status. */
static int
collect(pid_t pid, int fd, char *out, size_t len)
{
	struct pollfd	p = { .fd = fd, .events = POLLIN };
	size_t		got = 0;
	ssize_t		r;
	int		st = -1, done = 0;

	for (;;) {
		if (poll(&p, 1, done ? 0 : 100) == 1) {
			r = read(fd, out + got, len - got - 1);
			if (r <= 0)
				break;
			got += (size_t)r;
			if (got + 1 >= len)
				break;
			continue;
		}
		if (done)
			break;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			/* its children and their pipe ends go with it */
			kill(-pid, SIGKILL);
			done = 1;
		}
	}
	if (!done) {
		kill(-pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	close(fd);
	out[got] = '\0';
	return (st);
}

/*
 * What a process says on standard error as it starts with XPTY_ENGINE as
 * e sets it: 1 if the library named the value as no engine of its own
 * (lib/mode.c), 0 if it did not, -1 if the probe did not run.
 */
static int
engine_unknown(struct engine *e)
{
	char	out[4096], *args[3];
	pid_t	pid;
	int	fd, st;

	args[0] = xt_argv[0];
	args[1] = (char *)"--probe";
	args[2] = NULL;
	if ((pid = spawn(e, args, &fd, 1)) == -1)
		return (-1);
	st = collect(pid, fd, out, sizeof(out));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
	    strstr(out, "probe ok") == NULL)
		return (-1);
	return (strstr(out, "no such engine") != NULL);
}

/*
 * Which engines this library has.  The probe is checked first: a value
 * that is no engine is named, relay and direct are not; then the lease
 * columns are on exactly when XPTY_ENGINE=lease is not named.
 */
static void
engines_probe(void)
{
	struct engine	bogus = { "bogus", { "XPTY_ENGINE=no-such-engine",
	    NULL }, "", NULL, "", 0 };
	int		u;

	is_int(engine_unknown(&bogus), 1, "XPTY_ENGINE=no-such-engine: the "
	    "library says it has no such engine");
	is_int(engine_unknown(&engines[0]), 0, "XPTY_ENGINE=relay: known");
	is_int(engine_unknown(&engines[1]), 0, "XPTY_ENGINE=direct: known");
	if ((u = engine_unknown(&engines[2])) == 0)
		engines[2].on = engines[3].on = 1;
	else
		diag("XPTY_ENGINE=lease: %s: no lease columns", u == 1 ?
		    "this libxpty has no such engine" : "the probe failed");
}

struct result {
	int		 ran;
	char		 t[MARKERS_MAX * 24 + 128];
};

/* Case ci in engine e: one TAP line; its transcript into *res. */
static void
run_case(int ci, struct engine *e, uint64_t cseed, struct result *res)
{
	static char	out[65536];
	char		a1[16], a2[32], *args[5], *p, *q, *sig = NULL, *t = NULL;
	double		t0 = xt_now();
	pid_t		pid;
	int		fd, st;

	snprintf(a1, sizeof(a1), "%d", ci);
	snprintf(a2, sizeof(a2), "%016llx", (unsigned long long)cseed);
	args[0] = xt_argv[0];
	args[1] = (char *)"--case";
	args[2] = a1;
	args[3] = a2;
	args[4] = NULL;
	res->ran = 1;
	res->t[0] = '\0';
	if ((pid = spawn(e, args, &fd, 0)) == -1) {
		ok(0, "%s, %s engine: the worker started", cases[ci].name,
		    e->name);
		return;
	}
	st = collect(pid, fd, out, sizeof(out));
	for (p = out; p != NULL && *p != '\0'; p = q) {
		if ((q = strchr(p, '\n')) != NULL)
			*q++ = '\0';
		if (strncmp(p, "sig ", 4) == 0)
			sig = p + 4;
		else if (strncmp(p, "T ", 2) == 0)
			t = p + 2;
		else if (*p != '\0')
			printf("# %s: %s\n", e->name, p[0] == '#' ? p + 2 : p);
	}
	if (t != NULL)
		snprintf(res->t, sizeof(res->t), "%s", t);
	if (!ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && sig != NULL &&
	    strcmp(sig, e->sig) == 0, "%s, %s engine: every byte once, in "
	    "order, markers in place (%ld ms)", cases[ci].name, e->name,
	    xt_ms_since(t0)))
		diag("worker status %#x, manager %s (want %s), transcript %s",
		    st, sig ? sig : "?", e->sig, t ? t : "none");
}

static int
case_wanted(const char *name)
{
	const char	*w = getenv("MATRIX_CASES"), *p;
	size_t		 l = strlen(name);

	if (w == NULL || *w == '\0')
		return (1);
	for (p = w; (p = strstr(p, name)) != NULL; p += l)
		if ((p == w || p[-1] == ',') && (p[l] == '\0' || p[l] == ','))
			return (1);
	return (0);
}

static void
driver(void)
{
	struct result	 res[NENGINES];
	const char	*s, *base;
	double		 t0 = xt_now();
	long		 budget = 100;
	int		 ci, ei, first, same, nran, pair[2], big_all;
	char		 names[128];

	s = getenv("MATRIX_SEED");
	seed = s != NULL && *s != '\0' ? strtoull(s, NULL, 16) :
	    mix64((uint64_t)time(NULL) ^ (uint64_t)getpid() << 32);
	if ((s = getenv("MATRIX_TIME")) != NULL && *s != '\0')
		budget = atol(s);
	diag("seed %016llx (MATRIX_SEED=%016llx repeats this run); bytes each "
	    "way: bulk-full %llu, bulk %llu, the others %llu",
	    (unsigned long long)seed, (unsigned long long)seed,
	    (unsigned long long)big_bytes, (unsigned long long)bulk_bytes,
	    (unsigned long long)small_bytes);
	base = getenv("XPTY_RUNDIR");
	for (ei = 0; ei < NENGINES; ei++) {
		snprintf(engines[ei].rundir, sizeof(engines[ei].rundir),
		    "%s/matrix-%s.XXXXXX", base != NULL && *base != '\0' ?
		    base : "/tmp", engines[ei].name);
		if (mkdtemp(engines[ei].rundir) == NULL)
			engines[ei].rundir[0] = '\0';
	}
	engines_probe();
	/* the full size: the lease with and without the lease, if there */
	pair[0] = engines[2].on ? 2 : 0;
	pair[1] = engines[2].on ? 3 : 1;
	big_all = (s = getenv("MATRIX_FULL")) != NULL && strcmp(s, "all") == 0;
	for (ci = 0; ci < NCASES; ci++) {
		if (!case_wanted(cases[ci].name))
			continue;
		names[0] = '\0';
		nran = 0;
		first = -1;
		same = 1;
		for (ei = 0; ei < NENGINES; ei++) {
			res[ei].ran = 0;
			if (!engines[ei].on)
				continue;
			if ((cases[ci].needs & NEEDS_ZERO) &&
			    engines[ei].no_zero != NULL) {
				skip("%s, %s engine: %s", cases[ci].name,
				    engines[ei].name, engines[ei].no_zero);
				continue;
			}
			if (cases[ci].shape == SH_BIG && !big_all &&
			    ei != pair[0] && ei != pair[1]) {
				skip("%s, %s engine: the full size runs in one "
				    "engine pair (%s, %s; MATRIX_FULL=all: in "
				    "every engine)", cases[ci].name,
				    engines[ei].name, engines[pair[0]].name,
				    engines[pair[1]].name);
				continue;
			}
			if (xt_ms_since(t0) > budget * 1000) {
				skip("%s, %s engine: MATRIX_TIME (%ld s) spent",
				    cases[ci].name, engines[ei].name, budget);
				continue;
			}
			run_case(ci, &engines[ei], mix64(seed + (uint64_t)ci),
			    &res[ei]);
			nran++;
			snprintf(names + strlen(names), sizeof(names) -
			    strlen(names), "%s%s", first < 0 ? "" : ", ",
			    engines[ei].name);
			if (first < 0)
				first = ei;
			else if (strcmp(res[ei].t, res[first].t) != 0)
				same = 0;
		}
		if (nran < 2) {
			skip("%s: one engine gave it (%s): nothing to compare",
			    cases[ci].name, nran ? names : "none");
			continue;
		}
		if (!ok(same, "%s: the same bytes, markers and order in %s",
		    cases[ci].name, names))
			for (ei = 0; ei < NENGINES; ei++)
				if (res[ei].ran)
					diag("%s: %s", engines[ei].name,
					    res[ei].t);
	}
}

static void
sizes(void)
{
	const char	*s = getenv("MATRIX_BYTES");

	big_bytes = s != NULL && *s != '\0' ? strtoull(s, NULL, 0) :
	    BULK_DEFAULT;
	if (big_bytes < 8192)
		big_bytes = 8192;
	bulk_bytes = big_bytes / 8;
	small_bytes = big_bytes / 256;
	if (small_bytes < SMALL_MIN)
		small_bytes = SMALL_MIN;
	if (small_bytes > SMALL_MAX)
		small_bytes = SMALL_MAX;
}

int
main(int argc, char **argv)
{
	xt_init(argc, argv);
	sizes();
	if (argc == 2 && strcmp(argv[1], "--probe") == 0) {
		printf("probe ok\n");
		return (0);
	}
	if (argc == 4 && strcmp(argv[1], "--case") == 0)
		return (worker(atoi(argv[2]), strtoull(argv[3], NULL, 16)));
	driver();
	return (done_testing());
}
