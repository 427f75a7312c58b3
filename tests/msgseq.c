/*
 * msgseq.c - the same program gives the same messages on the manager in
 * every engine (issue 12), and they are illumos's.
 *
 * Each scenario (pckt pushed or not, zero-length writes, termios changes,
 * flushes, the subsidiary's last close and a reopen) runs in a child
 * re-executed under LD_PRELOAD with XPTY_ENGINE set to each engine in
 * turn; the child prints what the manager reads, one token a message
 * (getmsg with pckt, read without), and this program compares every
 * engine's sequence with illumos's (pckt(7M), ptem(7M), pts(7D): one
 * M_IOCTL for each termios change of the subsidiary, one zero-length
 * message at its last close, read 0 once for it without pckt).
 *
 * Each scenario ends with the subsidiary writing "E" (after reopening it
 * if it was closed), so a sequence is complete when "E" arrives; what
 * does not arrive within two seconds is reported as "timeout".
 */
#include "xtest.h"

#include <sys/wait.h>
#include <poll.h>

#define SEQ_MAX		512

struct seq {
	char	 buf[SEQ_MAX];
};

static void
seq_add(struct seq *q, const char *tok)
{
	size_t	l = strlen(q->buf);

	snprintf(q->buf + l, sizeof(q->buf) - l, "%s%s", l > 0 ? " " : "",
	    tok);
}

static int
readable(int fd, int ms)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	return (poll(&pfd, 1, ms) == 1);
}

/* One pckt message as a token: D:bytes, Z (empty M_DATA), I:cmd, F:n... */
static int
take_pckt(int m, struct seq *q)
{
	unsigned char	cbuf[8], dbuf[512];
	struct strbuf	c = { sizeof(cbuf), 0, (char *)cbuf };
	struct strbuf	d = { sizeof(dbuf), 0, (char *)dbuf };
	struct iocblk	ioc;
	char		tok[600];
	int		flags = 0;

	if (getmsg(m, &c, &d, &flags) == -1)
		return (-1);
	if (c.len != 1)
		snprintf(tok, sizeof(tok), "ctl%d", c.len);
	else if (cbuf[0] == M_DATA && d.len <= 0)
		snprintf(tok, sizeof(tok), "Z");
	else if (cbuf[0] == M_DATA)
		snprintf(tok, sizeof(tok), "D:%.*s", d.len, dbuf);
	else if (cbuf[0] == M_IOCTL && d.len >= (int)sizeof(ioc)) {
		memcpy(&ioc, dbuf, sizeof(ioc));
		snprintf(tok, sizeof(tok), "I:%s",
		    ioc.ioc_cmd == TCSETS ? "TCSETS" : ioc.ioc_cmd == TCSETSW ?
		    "TCSETSW" : ioc.ioc_cmd == TCSETSF ? "TCSETSF" :
		    ioc.ioc_cmd == TIOCSWINSZ ? "TIOCSWINSZ" : "other");
	} else if (cbuf[0] == M_FLUSH && d.len == 1)
		snprintf(tok, sizeof(tok), "F:%d", dbuf[0]);
	else
		snprintf(tok, sizeof(tok), "T%d:%d", cbuf[0], d.len);
	seq_add(q, tok);
	return (0);
}

/* One read without pckt: D:bytes, or 0 (a zero-length message). */
static int
take_plain(int m, struct seq *q)
{
	char	buf[512], tok[600];
	ssize_t	r;

	if ((r = read(m, buf, sizeof(buf))) == -1)
		return (-1);
	if (r == 0)
		snprintf(tok, sizeof(tok), "0");
	else
		snprintf(tok, sizeof(tok), "D:%.*s", (int)r, buf);
	seq_add(q, tok);
	return (0);
}

/*
 * Read what the manager holds: wait up to first ms for a message, then
 * take the rest while more arrives within QUIET_MS.
 */
#define QUIET_MS	100
static void
drain(int m, int pckt, int first, struct seq *q)
{
	int	r, i, ms = first;

	for (i = 0; i < 64; i++) {
		if (!readable(m, ms))
			return;
		r = pckt ? take_pckt(m, q) : take_plain(m, q);
		if (r == -1) {
			/* EAGAIN: a hangup polls readable, with nothing queued */
			if (errno != EAGAIN)
				seq_add(q, "error");
			return;
		}
		ms = QUIET_MS;
	}
}

/*
 * A scenario: the modules pushed on the subsidiary ("p" ptem, "l"
 * ldterm), then actions, one letter each: w write "ab", W write "cd", z
 * zero-length write, t tcsetattr (no change), x tcsetattr toggling IXON,
 * s TIOCSWINSZ, f tcflush(TCIFLUSH), c close, o open again.
 */
struct scenario {
	const char	*name;
	int		 pckt;
	const char	*mods;
	const char	*acts;
	const char	*want;		/* illumos's sequence */
	const char	*relay_only;	/* why the direct engine cannot */
};

#define NOZERO		"no daemon carries a subsidiary's zero-length write"
#define NOTERMIOS	"the host reports only IXON's changes (xpty(7))"

static const struct scenario scenarios[] = {
	{ "pckt data", 1, "", "w", "D:ab", NULL },
	{ "pckt tcsetattr", 1, "pl", "t", "I:TCSETS", NOTERMIOS },
	{ "pckt IXON change", 1, "pl", "x", "I:TCSETS", NULL },
	{ "pckt TIOCSWINSZ", 1, "p", "s", "I:TIOCSWINSZ", NOTERMIOS },
	{ "pckt tcflush", 1, "pl", "f", "F:1", NULL },
	{ "pckt last close", 1, "", "wcow", "D:ab Z D:ab", NULL },
	{ "pckt last close with ptem, ldterm", 1, "pl", "wcow",
	    "D:ab Z D:ab", NULL },
	{ "pckt data, IXON change, data, last close", 1, "pl", "wxWcow",
	    "D:ab I:TCSETS D:cd Z D:ab", NULL },
	{ "pckt data, tcsetattr, data, last close", 1, "pl", "wtWcow",
	    "D:ab I:TCSETS D:cd Z D:ab", NOTERMIOS },
	{ "pckt zero-length write", 1, "", "wzW", "D:ab Z D:cd", NOZERO },
	{ "last close", 0, "", "wcow", "D:ab 0 D:ab", NULL },
	{ "last close with ptem, ldterm", 0, "pl", "wcow", "D:ab 0 D:ab",
	    NULL },
	{ "zero-length write", 0, "", "wzW", "D:ab 0 D:cd", NOZERO },
	{ "tcsetattr, last close", 0, "pl", "wtWcow", "D:ab D:cd 0 D:ab",
	    NULL },
};
#define NSCENARIOS	(int)(sizeof(scenarios) / sizeof(scenarios[0]))

/* Do action a on the subsidiary *s; 1 if the manager is to hear of it. */
static int
act(int *s, const char *name, int a)
{
	struct winsize	ws = { 24, 80, 0, 0 };
	struct termios	t;

	switch (a) {
	case 'w':
		return (write(*s, "ab", 2) == 2 ? 1 : -1);
	case 'W':
		return (write(*s, "cd", 2) == 2 ? 1 : -1);
	case 'z':
		return (write(*s, "", 0) == 0 ? 1 : -1);
	case 't':
	case 'x':
		if (tcgetattr(*s, &t) == -1)
			return (-1);
		if (a == 'x')
			t.c_iflag ^= IXON;
		return (tcsetattr(*s, TCSANOW, &t) == 0 ? 1 : -1);
	case 's':
		return (ioctl(*s, TIOCSWINSZ, &ws) == 0 ? 1 : -1);
	case 'f':
		return (tcflush(*s, TCIFLUSH) == 0 ? 1 : -1);
	case 'c':
		close(*s);
		return (1);
	case 'o':
		return ((*s = open(name, O_RDWR | O_NOCTTY)) >= 0 ? 0 : -1);
	}
	return (-1);
}

/* In the child: run scenario i, print its sequence. */
static int
child(int i)
{
	const struct scenario	*sc = &scenarios[i];
	const char		*p;
	struct seq		 q;
	char			 name[64];
	int			 m, s, r;

	memset(&q, 0, sizeof(q));
	if (xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == -1) {
		printf("setup failed: %s\n", strerror(errno));
		return (1);
	}
	for (p = sc->mods; *p != '\0'; p++)
		if (ioctl(s, I_PUSH, *p == 'p' ? "ptem" : "ldterm") == -1) {
			printf("I_PUSH failed: %s\n", strerror(errno));
			return (1);
		}
	if (sc->pckt && ioctl(m, I_PUSH, "pckt") == -1) {
		printf("I_PUSH pckt failed: %s\n", strerror(errno));
		return (1);
	}
	(void)fcntl(m, F_SETFL, O_NONBLOCK);
	for (p = sc->acts; *p != '\0'; p++) {
		if ((r = act(&s, name, *p)) == -1) {
			printf("action %c failed: %s\n", *p, strerror(errno));
			return (1);
		}
		drain(m, sc->pckt, r ? 2000 : QUIET_MS, &q);
	}
	drain(m, sc->pckt, 2 * QUIET_MS, &q);
	printf("%s\n", q.buf);
	return (0);
}

/* Run scenario i under engine; its output into out. */
static int
run_in(const char *engine, int i, char *out, size_t len)
{
	char	arg[16];
	int	p[2], st;
	ssize_t	r;
	size_t	got = 0;
	pid_t	pid;

	if (pipe(p) == -1)
		return (-1);
	snprintf(arg, sizeof(arg), "%d", i);
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		setenv("XPTY_ENGINE", engine, 1);
		execl("/proc/self/exe", xt_argv[0], "--child", arg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (got + 1 < len && (r = read(p[0], out + got, len - got - 1)) > 0)
		got += (size_t)r;
	out[got] = '\0';
	if (got > 0 && out[got - 1] == '\n')
		out[got - 1] = '\0';
	close(p[0]);
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return (-1);
	return (0);
}

/*
 * The BSD imitation (--with-host=bsdimit, the page store) resets the
 * subsidiary's termios at its reopen, and Linux's packet mode reports
 * that IXON change: xptyd frames it as an M_IOCTL after the zero-length
 * message, which illumos does not send.  A known difference of the
 * imitation, not of a real BSD: such a result is a TODO there.
 */
static const char *
reopen_quirk(const struct scenario *sc, const char *got)
{
	const char	*z, *g, *st = getenv("XPTY_TEST_STORE");
	size_t		 head;

	if (st == NULL || strcmp(st, "page") != 0 || !sc->pckt ||
	    (z = strstr(sc->want, "Z D:")) == NULL)
		return ("");
	head = (size_t)(z - sc->want) + 2;	/* up to "Z " */
	if (strncmp(got, sc->want, head) != 0)
		return ("");
	for (g = got + head; strncmp(g, "I:TCSETS ", 9) == 0; g += 9)
		;
	return (g > got + head && strcmp(g, z + 2) == 0 ? " # TODO bsdimit: "
	    "the reopen's imitated termios reset is reported as M_IOCTL" : "");
}

int
main(int argc, char **argv)
{
	static const char	*engines[] = { "relay", "direct", "lease" };
	char			 got[3][SEQ_MAX + 64];
	const char		*todo, *same;
	int			 i, e, eq;

	xt_init(argc, argv);
	if (argc == 3 && strcmp(argv[1], "--child") == 0)
		return (child(atoi(argv[2])));
	for (i = 0; i < NSCENARIOS; i++) {
		for (e = 0; e < 3; e++) {
			if (e == 1 && scenarios[i].relay_only != NULL) {
				skip("direct engine, %s: %s", scenarios[i].name,
				    scenarios[i].relay_only);
				snprintf(got[e], sizeof(got[e]), "%s", got[0]);
				continue;
			}
			if (run_in(engines[e], i, got[e], sizeof(got[e])) == -1)
				snprintf(got[e] + strlen(got[e]), 32,
				    " (child failed)");
			todo = reopen_quirk(&scenarios[i], got[e]);
			if (!ok(strcmp(got[e], scenarios[i].want) == 0,
			    "%s engine, %s: %s%s", engines[e], scenarios[i].name,
			    scenarios[i].want, todo))
				diag("got: %s", got[e]);
		}
		same = "";
		for (e = 0; e < 3; e++)
			if (*reopen_quirk(&scenarios[i], got[e]) != '\0')
				same = reopen_quirk(&scenarios[i], got[e]);
		eq = strcmp(got[0], got[1]) == 0 && strcmp(got[0], got[2]) == 0;
		ok(eq, "%s: the same in every engine%s", scenarios[i].name,
		    eq ? "" : same);
	}
	return (done_testing());
}
