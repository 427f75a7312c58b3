/*
 * modules.c - the STREAMS module stack on the subsidiary and what the
 * modules do to the terminal (issue 3).
 */
#include <sys/select.h>
#include <sys/uio.h>
#include <pthread.h>
#include "xtest.h"

static const char *mods3[] = { "ptem", "ldterm", "ttcompat" };

static int
pair(int *m, int *s, char *name)
{
	*m = *s = -1;
	return (xt_pair(m, s, name, 64, O_NOCTTY));
}

static void
close2(int m, int s)
{
	close(s);
	close(m);
}

/* Nothing arrives on fd within ms milliseconds. */
static int
quiet(int fd, int ms)
{
	char	buf[64];

	return (xt_read_for(fd, buf, sizeof(buf), ms) == 0);
}

static void
check_push_sequence(void)
{
	char			name[64], look[FMNAMESZ + 1];
	struct str_mlist	ml[8];
	struct str_list		sl;
	int			m, s, i;

	ok(pair(&m, &s, name) == 0, "pty pair");
	is_int(ioctl(s, I_LIST, NULL), 1, "bare: I_LIST NULL == 1 (the driver)");
	for (i = 0; i < 3; i++) {
		is_int(ioctl(s, I_FIND, mods3[i]), 0, "I_FIND %s before the push: exactly 0", mods3[i]);
		is_int(ioctl(s, I_PUSH, mods3[i]), 0, "I_PUSH %s returns 0", mods3[i]);
		is_int(ioctl(s, I_FIND, mods3[i]), 1, "I_FIND %s after the push: exactly 1", mods3[i]);
		memset(look, 'x', sizeof(look));
		ok(ioctl(s, I_LOOK, look) == 0 && strcmp(look, mods3[i]) == 0,
		    "I_LOOK gives the top module %s", mods3[i]);
		is_int(ioctl(s, I_LIST, NULL), i + 2, "I_LIST NULL after pushing %s", mods3[i]);
	}
	is_int(ioctl(s, I_LIST, NULL), 4, "I_LIST NULL == 4 after ptem, ldterm, ttcompat");

	memset(ml, 'x', sizeof(ml));
	sl.sl_nmods = 8;
	sl.sl_modlist = ml;
	is_int(ioctl(s, I_LIST, &sl), 0, "I_LIST with a buffer returns 0");
	is_int(sl.sl_nmods, 4, "I_LIST sets sl_nmods to 4");
	ok(strcmp(ml[0].l_name, "ttcompat") == 0 && strcmp(ml[1].l_name, "ldterm") == 0 &&
	    strcmp(ml[2].l_name, "ptem") == 0 && strcmp(ml[3].l_name, "pts") == 0,
	    "I_LIST fills ttcompat, ldterm, ptem, pts (top down)");
	sl.sl_nmods = 2;
	ok(ioctl(s, I_LIST, &sl) == 0 && sl.sl_nmods == 2 &&
	    strcmp(ml[0].l_name, "ttcompat") == 0 && strcmp(ml[1].l_name, "ldterm") == 0,
	    "I_LIST with room for 2 fills the top 2");
	sl.sl_nmods = 0;
	errno = 0;
	ok(ioctl(s, I_LIST, &sl) == -1 && errno == EINVAL, "I_LIST with sl_nmods 0: -1 EINVAL");

	/* single instance */
	is_int(ioctl(s, I_PUSH, "ldterm"), 0, "pushing ldterm twice returns 0");
	is_int(ioctl(s, I_PUSH, "ptem"), 0, "pushing ptem twice returns 0");
	is_int(ioctl(s, I_LIST, NULL), 4, "I_LIST unchanged after the second pushes");
	ok(ioctl(s, I_LOOK, look) == 0 && strcmp(look, "ttcompat") == 0,
	    "I_LOOK still ttcompat");

	/* pop everything */
	for (i = 2; i >= 0; i--) {
		ok(ioctl(s, I_LOOK, look) == 0 && strcmp(look, mods3[i]) == 0,
		    "I_LOOK %s before pop", mods3[i]);
		is_int(ioctl(s, I_POP, 0), 0, "I_POP %s", mods3[i]);
	}
	is_int(ioctl(s, I_LIST, NULL), 1, "all popped: I_LIST NULL == 1");
	close2(m, s);
}

/* zsh's way: I_FIND first, push only when 0, and -1 is fatal. */
static int
zsh_push(int s, int *pushed)
{
	int	i, r;

	*pushed = 0;
	for (i = 0; i < 3; i++) {
		r = ioctl(s, I_FIND, mods3[i]);
		if (r == -1)
			return (-1);
		if (r == 0) {
			if (ioctl(s, I_PUSH, mods3[i]) == -1)
				return (-1);
			(*pushed)++;
		}
	}
	return (0);
}

static void
check_find_loop(void)
{
	char	name[64];
	int	m, s, pushed;

	ok(pair(&m, &s, name) == 0, "pty pair");
	ok(zsh_push(s, &pushed) == 0 && pushed == 3, "I_FIND loop pushes all three");
	is_int(ioctl(s, I_LIST, NULL), 4, "I_FIND loop: I_LIST NULL == 4");
	ok(zsh_push(s, &pushed) == 0 && pushed == 0, "I_FIND loop again pushes nothing");
	is_int(ioctl(s, I_LIST, NULL), 4, "still 4 modules + driver");
	ok(isatty(s) == 1, "the subsidiary is a tty");
	close2(m, s);
}

static void
check_bad_names(void)
{
	char		name[64], look[FMNAMESZ + 1], unterm[100];
	struct str_list	sl;
	int		m, s;

	ok(pair(&m, &s, name) == 0, "pty pair");
	errno = 0;
	ok(ioctl(s, I_POP, 0) == -1 && errno == EINVAL, "I_POP on a bare stream: -1 EINVAL");
	errno = 0;
	ok(ioctl(s, I_LOOK, look) == -1 && errno == EINVAL, "I_LOOK on a bare stream: -1 EINVAL");
	errno = 0;
	ok(ioctl(s, I_PUSH, "nosuchmod") == -1 && errno == EINVAL, "I_PUSH unknown module: EINVAL");
	errno = 0;
	ok(ioctl(s, I_FIND, "nosuchmod") == -1 && errno == EINVAL, "I_FIND unknown module: EINVAL");
	errno = 0;
	ok(ioctl(s, I_FIND, "pts") == -1 && errno == EINVAL, "I_FIND pts (the driver): EINVAL");
	errno = 0;
	ok(ioctl(s, I_PUSH, "ldtermxyz") == -1 && errno == EINVAL,
	    "I_PUSH 9-character name: EINVAL");
	errno = 0;
	ok(ioctl(s, I_FIND, "ttcompatx") == -1 && errno == EINVAL,
	    "I_FIND 9-character name: EINVAL");
	errno = 0;
	ok(ioctl(s, I_PUSH, "ptemptemptemptem") == -1 && errno == EINVAL,
	    "I_PUSH 16-character name: EINVAL");
	memset(unterm, 'a', sizeof(unterm));
	errno = 0;
	ok(ioctl(s, I_PUSH, unterm) == -1 && errno == EINVAL,
	    "I_PUSH unterminated 100-byte name: EINVAL");
	errno = 0;
	ok(ioctl(s, I_FIND, unterm) == -1 && errno == EINVAL,
	    "I_FIND unterminated 100-byte name: EINVAL");
	errno = 0;
	ok(ioctl(s, I_PUSH, NULL) == -1 && errno == EFAULT, "I_PUSH NULL name: EFAULT");
	errno = 0;
	ok(ioctl(s, I_PUSH, xt_unmapped()) == -1 && errno == EFAULT, "I_PUSH unmapped name: EFAULT");
	errno = 0;
	ok(ioctl(s, I_FIND, NULL) == -1 && errno == EFAULT, "I_FIND NULL name: EFAULT");
	errno = 0;
	ok(ioctl(s, I_FIND, xt_unmapped()) == -1 && errno == EFAULT, "I_FIND unmapped name: EFAULT");
	errno = 0;
	ok(ioctl(s, I_PUSH, "pckt") == -1 && errno == EINVAL, "I_PUSH pckt on the subsidiary: EINVAL");
	is_int(ioctl(s, I_LIST, NULL), 1, "none of that pushed anything");

	errno = 0;
	ok(ioctl(s, I_LIST, xt_unmapped()) == -1 && errno == EFAULT,
	    "I_LIST with an unmapped str_list: EFAULT");
	sl.sl_nmods = 4;
	sl.sl_modlist = xt_unmapped();
	errno = 0;
	ok(ioctl(s, I_LIST, &sl) == -1 && errno == EFAULT,
	    "I_LIST with an unmapped sl_modlist: EFAULT");
	/* found by tests/fuzz_ioctl.c: indexing these was undefined */
	sl.sl_modlist = NULL;
	errno = 0;
	ok(ioctl(s, I_LIST, &sl) == -1 && errno == EFAULT,
	    "I_LIST with a NULL sl_modlist: EFAULT");
	sl.sl_modlist = (struct str_mlist *)~(uintptr_t)0;
	errno = 0;
	ok(ioctl(s, I_LIST, &sl) == -1 && errno == EFAULT,
	    "I_LIST with an sl_modlist at the top of the address space: EFAULT");
	is_int(ioctl(s, I_PUSH, "ptem"), 0, "push ptem");
	errno = 0;
	ok(ioctl(s, I_LOOK, NULL) == -1 && errno == EFAULT, "I_LOOK NULL buffer: EFAULT");
	errno = 0;
	ok(ioctl(s, I_LOOK, xt_unmapped()) == -1 && errno == EFAULT,
	    "I_LOOK unmapped buffer: EFAULT");
	close2(m, s);
}

/* What I_PUSH of p must say, from the bytes the kernel can read there. */
static int
push_oracle(const char *p)
{
	struct iovec	lo, re;
	char		c[FMNAMESZ + 1];
	size_t		i;

	for (i = 0; i < sizeof(c); i++) {
		lo.iov_base = &c[i];
		lo.iov_len = 1;
		re.iov_base = (void *)(p + i);
		re.iov_len = 1;
		if (process_vm_readv(getpid(), &lo, 1, &re, 1, 0) != 1)
			return (EFAULT);
		if (c[i] == '\0')
			break;
	}
	if (i == sizeof(c))
		return (EINVAL);	/* too long */
	for (i = 0; i < 3; i++)
		if (strcmp(c, mods3[i]) == 0)
			return (0);
	return (EINVAL);
}

/*
 * Names from the last bytes of the program's read-only data on (read
 * there without a checked copy, lib/readable.c), each in a child: the
 * errno the bytes call for, never a signal.
 */
static void
check_segment_end(void)
{
	static const int	 back[] = { 9, 4, 1, 0 };
	char			 name[64];
	uintptr_t		 end = xt_ro_end();
	const char		*p;
	size_t			 i;
	int			 m, s, st, want;
	pid_t			 pid;

	if (end == 0 || pair(&m, &s, name) != 0) {
		ok(0, "the program's read-only data and a pty pair");
		return;
	}
	for (i = 0; i < sizeof(back) / sizeof(back[0]); i++) {
		p = (const char *)(end - (uintptr_t)back[i]);
		want = push_oracle(p);
		if ((pid = fork()) == 0) {
			errno = 0;
			_exit(ioctl(s, I_FIND, p) >= 0 ? 0 :
			    errno == 0 ? 99 : errno);
		}
		waitpid(pid, &st, 0);
		ok(WIFEXITED(st) && WEXITSTATUS(st) == want,
		    "I_FIND %d bytes before the end of the read-only data: "
		    "%s, no signal", back[i], want ? strerror(want) : "found");
	}
	close2(m, s);
}

/* The stack belongs to the stream: a child reopening /dev/pts/N sees it. */
static void
check_shared(void)
{
	char	name[64];
	int	m, s, st, s2;
	pid_t	pid;

	ok(pair(&m, &s, name) == 0, "pty pair");
	ok(ioctl(s, I_PUSH, "ptem") == 0 && ioctl(s, I_PUSH, "ldterm") == 0, "parent pushes ptem, ldterm");
	if ((pid = fork()) == 0) {
		int	c = open(name, O_RDWR | O_NOCTTY), rc = 0;

		if (c == -1)
			_exit(99);
		if (ioctl(c, I_FIND, "ptem") != 1)
			rc |= 1;
		if (ioctl(c, I_FIND, "ldterm") != 1)
			rc |= 2;
		if (ioctl(c, I_FIND, "ttcompat") != 0)
			rc |= 4;
		if (ioctl(c, I_LIST, NULL) != 3)
			rc |= 8;
		if (isatty(c) != 1)
			rc |= 16;
		if (ioctl(c, I_PUSH, "ttcompat") != 0)
			rc |= 32;
		_exit(rc);
	}
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : 100, 0,
	    "child reopening %s by name: I_FIND sees ptem, ldterm; I_LIST 3; isatty 1", name);
	is_int(ioctl(s, I_LIST, NULL), 4, "parent sees the child's ttcompat push");
	s2 = open(name, O_RDWR | O_NOCTTY);
	is_int(ioctl(s2, I_LIST, NULL), 4, "a second open in the parent shares the stack");
	close(s2);
	is_int(ioctl(s, I_LIST, NULL), 4, "closing one of two opens keeps the stack");
	close2(m, s);
}

/*
 * Run in a child that opens name itself: set speed 1200, VINTR ^A and
 * CLOCAL (set != 0), or push mod (mod != NULL).  0 if it worked.
 */
static int
other_process(const char *name, int set, const char *mod)
{
	struct termios	t;
	int		c, st;
	pid_t		pid;

	if ((pid = fork()) == 0) {
		if ((c = open(name, O_RDWR | O_NOCTTY)) == -1)
			_exit(1);
		if (set && (tcgetattr(c, &t) == -1 ||
		    cfsetspeed(&t, B1200) == -1 ||
		    (t.c_cc[VINTR] = 1, t.c_cflag |= CLOCAL,
		    tcsetattr(c, TCSANOW, &t) == -1)))
			_exit(2);
		if (mod != NULL && ioctl(c, I_PUSH, mod) == -1)
			_exit(3);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return (-1);
	return (WEXITSTATUS(st));
}

/* The terminal settings below the state slots (c_cc[17], c_cc[18]). */
static int
same_modes(const struct termios *a, const struct termios *b)
{
	return (a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag &&
	    a->c_cflag == b->c_cflag && a->c_lflag == b->c_lflag &&
	    cfgetospeed(a) == cfgetospeed(b) &&
	    memcmp(a->c_cc, b->c_cc, VEOL2 + 1) == 0);
}

/* Set VINTR to c on fd: by tcsetattr, or by the TCSETS request itself. */
static int
set_vintr(int fd, int c, int by_ioctl)
{
	struct termios	t;

	if (tcgetattr(fd, &t) == -1)
		return (-1);
	t.c_cc[VINTR] = (cc_t)c;
	return (by_ioctl ? ioctl(fd, TCSETS, &t) : tcsetattr(fd, TCSANOW, &t));
}

static int
vintr_is(int fd, int c)
{
	struct termios	t;

	return (tcgetattr(fd, &t) == 0 && t.c_cc[VINTR] == c);
}

struct vintr_job {
	int	fd, c;
};

static void *
vintr_thread(void *arg)
{
	struct vintr_job	*j = arg;

	return ((void *)(intptr_t)set_vintr(j->fd, j->c, 0));
}

/*
 * This process changes the termios between its own pushes, at once
 * (the next push comes microseconds later, well inside the time a push
 * may reuse the termios it read or stored: lib/termcache.c): by
 * tcsetattr, by the TCSETS request, from another thread, and before a
 * pop.  Each change survives the push or pop that follows.
 */
static void
check_between_pushes_here(void)
{
	struct vintr_job	j;
	pthread_t		th;
	void			*rv = (void *)1;
	char			name[64];
	int			m, s;

	ok(pair(&m, &s, name) == 0, "pty pair");
	is_int(ioctl(s, I_PUSH, "ptem"), 0, "push ptem");
	ok(set_vintr(s, 1, 0) == 0 && ioctl(s, I_PUSH, "ttcompat") == 0 &&
	    vintr_is(s, 1), "tcsetattr VINTR ^A, push ttcompat: VINTR is ^A");
	ok(ioctl(s, I_POP, 0) == 0 && set_vintr(s, 2, 1) == 0 &&
	    ioctl(s, I_PUSH, "ttcompat") == 0 && vintr_is(s, 2),
	    "pop, TCSETS VINTR ^B, push ttcompat: VINTR is ^B");
	j.fd = s;
	j.c = 3;
	ok(ioctl(s, I_POP, 0) == 0 &&
	    pthread_create(&th, NULL, vintr_thread, &j) == 0 &&
	    pthread_join(th, &rv) == 0 && rv == NULL &&
	    ioctl(s, I_PUSH, "ttcompat") == 0 && vintr_is(s, 3),
	    "pop, another thread sets VINTR ^C, push ttcompat: VINTR is ^C");
	ok(set_vintr(s, 5, 0) == 0 && ioctl(s, I_POP, 0) == 0 &&
	    vintr_is(s, 5) && ioctl(s, I_LIST, NULL) == 2,
	    "VINTR ^E, pop ttcompat: VINTR is ^E, ptem stays");
	close2(m, s);
}

/*
 * Another process changes the stream between this one's pushes: a
 * push reads the stream as it is then, never what this process saw
 * or wrote before.  Its termios change survives ptem and ttcompat
 * pushes; ldterm's push sets ldterm's modes whatever was there; its
 * push is on the stack when this process pushes next.
 */
static void
check_between_pushes(void)
{
	char			name[64], list[64] = "";
	struct str_mlist	ml[4];
	struct str_list		sl = { 4, ml };
	struct termios		t, ref;
	int			m, s, i;

	ok(pair(&m, &s, name) == 0, "pty pair");
	is_int(ioctl(s, I_PUSH, "ptem"), 0, "push ptem");
	is_int(other_process(name, 1, NULL), 0,
	    "another process sets speed 1200, VINTR ^A, CLOCAL");
	is_int(ioctl(s, I_PUSH, "ttcompat"), 0, "push ttcompat");
	ok(tcgetattr(s, &t) == 0 && cfgetospeed(&t) == B1200 &&
	    t.c_cc[VINTR] == 1 && (t.c_cflag & CLOCAL),
	    "the other process's settings survive the push of ttcompat");
	is_int(other_process(name, 0, "ldterm"), 0,
	    "another process pushes ldterm");
	is_int(ioctl(s, I_PUSH, "ldterm"), 0,
	    "push ldterm here: 0 (single-instance, already there)");
	ok(ioctl(s, I_LIST, &sl) == 0 && sl.sl_nmods == 4,
	    "I_LIST: 4 names");
	for (i = 0; i < sl.sl_nmods && i < 4; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s ", ml[i].l_name);
	ok(strcmp(list, "ldterm ttcompat ptem pts ") == 0,
	    "the stack has the other process's ldterm on top (%s)", list);
	close2(m, s);

	/* ldterm's push does not depend on what the termios was */
	ok(pair(&m, &s, name) == 0, "pty pair");
	ok(ioctl(s, I_PUSH, "ptem") == 0 && ioctl(s, I_PUSH, "ldterm") == 0 &&
	    tcgetattr(s, &ref) == 0, "push ptem, ldterm (the reference modes)");
	close2(m, s);
	ok(pair(&m, &s, name) == 0, "pty pair");
	is_int(ioctl(s, I_PUSH, "ptem"), 0, "push ptem");
	is_int(other_process(name, 1, "ttcompat"), 0,
	    "another process sets speed 1200, VINTR ^A, CLOCAL and pushes ttcompat");
	is_int(ioctl(s, I_PUSH, "ldterm"), 0, "push ldterm");
	ok(tcgetattr(s, &t) == 0 && same_modes(&t, &ref),
	    "ldterm's modes, exactly as on a fresh stream");
	is_int(ioctl(s, I_FIND, "ttcompat"), 1, "the other process's ttcompat is still there");
	is_int(ioctl(s, I_LIST, NULL), 4, "I_LIST NULL == 4");
	close2(m, s);
}

/* A new pty that reuses a number starts bare. */
static void
check_reuse(void)
{
	char	name[64], name2[64];
	int	m, s, i = 0, try, same = 0, fd[20];

	ok(pair(&m, &s, name) == 0, "pty pair");
	ok(xt_push3(s) == 0, "push ptem, ldterm, ttcompat");
	close2(m, s);
	/*
	 * The number is free again once the host manager is closed, which
	 * xptyd does just after close() returns when no subsidiary is open
	 * (and other tests may take it meanwhile): try for up to 2 s.
	 */
	for (try = 0; try < 200 && !same; try++) {
		for (i = 0; i < 20; i++) {
			fd[i] = posix_openpt(O_RDWR | O_NOCTTY);
			if (fd[i] == -1)
				break;
			if (strcmp(ptsname(fd[i]), name) == 0) {
				same = 1;
				break;
			}
		}
		if (same)
			break;
		while (--i >= 0)
			if (fd[i] >= 0)
				close(fd[i]);
		usleep(10000);
	}
	ok(same, "a new pty reused %s", name);
	if (same) {
		grantpt(fd[i]);
		unlockpt(fd[i]);
		s = open(name, O_RDWR | O_NOCTTY);
		is_int(ioctl(s, I_LIST, NULL), 1, "the reused number starts bare (I_LIST NULL 1)");
		errno = 0;
		ok(isatty(s) == 0 && errno == ENOTTY, "the reused number is not a tty");
		close(s);
	}
	for (; i >= 0; i--)
		if (i < 20 && fd[i] >= 0)
			close(fd[i]);
	ok(pair(&m, &s, name2) == 0, "fresh pty pair");
	is_int(ioctl(s, I_LIST, NULL), 1, "a fresh pty is bare");
	close2(m, s);
}

static void
check_raw_bytes(const char *how, int m, int s)
{
	unsigned char	out[256], in[256];
	ssize_t		n;
	int		i;

	for (i = 0; i < 256; i++)
		out[i] = (unsigned char)i;
	is_int(write(m, "a\rb\nc\003d\177", 8), 8, "%s: manager writes CR, NL, ^C, DEL", how);
	n = xt_read_for(s, in, 8, 1000);
	ok(n == 8 && memcmp(in, "a\rb\nc\003d\177", 8) == 0, "%s: they arrive unchanged", how);
	is_int(write(m, out, 256), 256, "%s: manager writes all 256 byte values", how);
	n = xt_read_for(s, in, 256, 1000);
	ok(n == 256 && memcmp(in, out, 256) == 0, "%s: all 256 arrive unchanged (%zd)", how, n);
	ok(quiet(m, 200), "%s: nothing is echoed to the manager", how);
	is_int(write(s, "hi\n", 3), 3, "%s: subsidiary writes hi\\n", how);
	n = xt_read_for(m, in, 16, 500);
	ok(n == 3 && memcmp(in, "hi\n", 3) == 0, "%s: manager reads hi\\n (no ONLCR)", how);
}

static void
check_raw(void)
{
	char	name[64];
	int	m, s;

	ok(pair(&m, &s, name) == 0, "pty pair");
	check_raw_bytes("bare", m, s);
	is_int(ioctl(s, I_PUSH, "ptem"), 0, "push ptem");
	check_raw_bytes("ptem only", m, s);
	close2(m, s);
}

static void
check_ldterm(void)
{
	char		name[64], buf[64];
	struct termios	t;
	ssize_t		n;
	int		m, s;

	ok(pair(&m, &s, name) == 0, "pty pair");
	ok(ioctl(s, I_PUSH, "ptem") == 0 && ioctl(s, I_PUSH, "ldterm") == 0, "push ptem, ldterm");
	is_int(write(m, "abc", 3), 3, "manager writes abc");
	n = xt_read_for(m, buf, 3, 1000);
	ok(n == 3 && memcmp(buf, "abc", 3) == 0, "ldterm echoes abc to the manager");
	errno = 0;
	ok(xt_read_nb(s, buf, sizeof(buf)) == -1 && errno == EAGAIN,
	    "canonical: no complete line yet, read EAGAIN");
	is_int(write(m, "de\r", 3), 3, "manager ends the line with CR");
	n = xt_read_for(s, buf, sizeof(buf), 1000);
	ok(n == 6 && memcmp(buf, "abcde\n", 6) == 0, "subsidiary reads the line abcde\\n (ICRNL)");
	n = xt_read_for(m, buf, sizeof(buf), 300);
	ok(n == 4 && memcmp(buf, "de\r\n", 4) == 0, "echo of de and CR as CR NL");
	is_int(write(s, "hi\n", 3), 3, "subsidiary writes hi\\n");
	n = xt_read_for(m, buf, sizeof(buf), 1000);
	ok(n == 4 && memcmp(buf, "hi\r\n", 4) == 0, "manager reads hi\\r\\n (ONLCR)");

	/* pop ldterm: raw again */
	is_int(ioctl(s, I_POP, 0), 0, "I_POP ldterm");
	ok(tcgetattr(s, &t) == 0 && !(t.c_lflag & (ICANON | ECHO | ISIG)) &&
	    !(t.c_oflag & OPOST) && !(t.c_iflag & ICRNL),
	    "after popping ldterm: no ICANON, ECHO, ISIG, OPOST, ICRNL");
	check_raw_bytes("ldterm popped", m, s);
	close2(m, s);
}

static void
check_not_tty(void)
{
	char		name[64];
	struct termios	t;
	struct winsize	ws;
	int		m, s;

	ok(pair(&m, &s, name) == 0, "pty pair");
	errno = 0;
	ok(tcgetattr(s, &t) == -1 && errno == EINVAL, "bare: tcgetattr -1 EINVAL");
	errno = 0;
	ok(ioctl(s, TCGETS, &t) == -1 && errno == EINVAL, "bare: TCGETS -1 EINVAL");
	errno = 0;
	ok(isatty(s) == 0 && errno == ENOTTY, "bare: isatty 0, ENOTTY");
	ok(ioctl(s, TIOCGWINSZ, &ws) == -1, "bare: TIOCGWINSZ fails");
	errno = 0;
	ok(isatty(m) == 0 && errno == ENOTTY, "manager: isatty 0, ENOTTY");
	errno = 0;
	ok(tcgetattr(m, &t) == -1 && errno == EINVAL, "manager: tcgetattr -1 EINVAL");

	is_int(ioctl(s, I_PUSH, "ptem"), 0, "push ptem");
	is_int(tcgetattr(s, &t), 0, "ptem: tcgetattr works");
	ok(isatty(s) == 1, "ptem: isatty 1");
	errno = 0;
	ok(ioctl(s, TIOCGWINSZ, &ws) == -1 && errno == EINVAL,
	    "ptem: TIOCGWINSZ on a fresh stream: -1 EINVAL");
	errno = 0;
	ok(ioctl(m, TIOCGWINSZ, &ws) == -1 && errno == EINVAL,
	    "ptem: TIOCGWINSZ on the manager of a fresh stream: -1 EINVAL");
	close2(m, s);
}

static void
check_defaults(void)
{
	static const struct { int idx; const char *name; cc_t val; } cc[] = {
		{ VINTR, "VINTR", 0x03 }, { VQUIT, "VQUIT", 0x1c },
		{ VERASE, "VERASE", 0x7f }, { VKILL, "VKILL", 0x15 },
		{ VEOF, "VEOF", 0x04 }, { VEOL, "VEOL", 0 }, { VEOL2, "VEOL2", 0 },
		{ VSWTC, "VSWTCH", 0 }, { VSTART, "VSTART", 0x11 },
		{ VSTOP, "VSTOP", 0x13 }, { VSUSP, "VSUSP", 0x1a },
		{ VREPRINT, "VREPRINT", 0x12 }, { VDISCARD, "VDISCARD", 0x0f },
		{ VWERASE, "VWERASE", 0x17 }, { VLNEXT, "VLNEXT", 0x16 },
	};
	char		name[64];
	struct termios	t;
	size_t		i;
	int		m, s;

	ok(pair(&m, &s, name) == 0, "pty pair");
	ok(ioctl(s, I_PUSH, "ptem") == 0 && ioctl(s, I_PUSH, "ldterm") == 0, "push ptem, ldterm");
	memset(&t, 0, sizeof(t));
	is_int(tcgetattr(s, &t), 0, "tcgetattr");
	is_int(t.c_iflag, BRKINT | ICRNL | IXON | IMAXBEL, "c_iflag BRKINT|ICRNL|IXON|IMAXBEL");
	is_int(t.c_oflag, OPOST | ONLCR | TAB3, "c_oflag OPOST|ONLCR|TAB3");
	is_int(t.c_cflag, B9600 | CS8 | CREAD, "c_cflag B9600|CS8|CREAD");
	is_int(t.c_lflag, ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
	    "c_lflag ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN");
	is_int(cfgetospeed(&t), B9600, "output speed 9600");
	for (i = 0; i < sizeof(cc) / sizeof(cc[0]); i++)
		is_int(t.c_cc[cc[i].idx], cc[i].val, "c_cc[%s] == 0x%02x", cc[i].name, cc[i].val);
	close2(m, s);
}

static volatile sig_atomic_t got_winch;

static void
on_winch(int sig)
{
	(void)sig;
	got_winch++;
}

static void
check_winsize(void)
{
	struct winsize	ws = { .ws_row = 24, .ws_col = 80 }, g;
	char		name[64], c;
	int		m, s, st, sync[2];
	pid_t		pid;

	ok(pair(&m, &s, name) == 0, "pty pair");
	close(s);
	if (pipe(sync) != 0)
		return;
	if ((pid = fork()) == 0) {
		struct sigaction	sa;
		struct winsize		cw;
		int			cs, i;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_winch;
		sigaction(SIGWINCH, &sa, NULL);
		setsid();
		if ((cs = open(name, O_RDWR)) == -1)	/* becomes the ctty */
			_exit(10);
		if (ioctl(cs, I_PUSH, "ptem") != 0 || ioctl(cs, I_PUSH, "ldterm") != 0)
			_exit(11);
		if (tcgetpgrp(cs) != getpgrp())
			_exit(12);
		if (write(sync[1], "r", 1) != 1)
			_exit(13);
		for (i = 0; i < 100 && got_winch == 0; i++)
			usleep(10000);
		if (got_winch == 0)
			_exit(14);
		if (ioctl(cs, TIOCGWINSZ, &cw) != 0 || cw.ws_row != 24 || cw.ws_col != 80)
			_exit(15);
		_exit(0);
	}
	close(sync[1]);
	ok(read(sync[0], &c, 1) == 1, "child is ready with the subsidiary as its ctty");
	is_int(ioctl(m, TIOCSWINSZ, &ws), 0, "TIOCSWINSZ {24,80} on the manager");
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : 100, 0,
	    "child: SIGWINCH in the foreground group and TIOCGWINSZ {24,80} on the subsidiary");
	close(sync[0]);

	/* and the other way round */
	s = open(name, O_RDWR | O_NOCTTY);
	ok(s >= 0, "reopen the subsidiary");
	if (ioctl(s, I_FIND, "ptem") != 1)
		(void)ioctl(s, I_PUSH, "ptem");
	ws.ws_row = 50;
	ws.ws_col = 132;
	is_int(ioctl(s, TIOCSWINSZ, &ws), 0, "TIOCSWINSZ {50,132} on the subsidiary");
	memset(&g, 0, sizeof(g));
	ok(ioctl(m, TIOCGWINSZ, &g) == 0 && g.ws_row == 50 && g.ws_col == 132,
	    "TIOCGWINSZ on the manager sees it");
	close2(m, s);
}

/* A termios built from zero must not wipe the module stack. */
static void
check_zero_termios(void)
{
	char		name[64];
	struct termios	t;
	int		m, s;

	ok(pair(&m, &s, name) == 0, "pty pair");
	ok(ioctl(s, I_PUSH, "ptem") == 0 && ioctl(s, I_PUSH, "ldterm") == 0, "push ptem, ldterm");
	memset(&t, 0, sizeof(t));
	cfmakeraw(&t);
	cfsetspeed(&t, B38400);
	is_int(tcsetattr(s, TCSANOW, &t), 0, "tcsetattr with a zeroed, cfmakeraw'd termios");
	is_int(ioctl(s, I_LIST, NULL), 3, "I_LIST NULL still 3");
	ok(isatty(s) == 1, "still a tty");
	memset(&t, 0, sizeof(t));
	is_int(ioctl(s, TCSETS, &t), 0, "TCSETS with an all-zero termios");
	is_int(ioctl(s, I_LIST, NULL), 3, "I_LIST NULL still 3 after TCSETS");
	is_int(ioctl(s, I_FIND, "ldterm"), 1, "I_FIND ldterm still 1");
	close2(m, s);
}

/* The manager's stack: only pckt, which is not single-instance. */
static void
check_manager_stack(void)
{
	struct str_mlist	ml[4];
	struct str_list		sl = { .sl_nmods = 4, .sl_modlist = ml };
	char			name[64];
	int			m, s;

	ok(pair(&m, &s, name) == 0, "pty pair");
	is_int(ioctl(m, I_LIST, NULL), 1, "manager: I_LIST NULL 1 (ptm)");
	is_int(ioctl(m, I_FIND, "pckt"), 0, "manager: I_FIND pckt 0");
	is_int(ioctl(m, I_PUSH, "pckt"), 0, "manager: push pckt");
	is_int(ioctl(m, I_PUSH, "pckt"), 0, "manager: push pckt again");
	is_int(ioctl(m, I_LIST, NULL), 3, "manager: I_LIST NULL 3 (pckt twice, not single-instance)");
	ok(ioctl(m, I_LIST, &sl) == 0 && sl.sl_nmods == 3 && strcmp(ml[0].l_name, "pckt") == 0 &&
	    strcmp(ml[1].l_name, "pckt") == 0 && strcmp(ml[2].l_name, "ptm") == 0,
	    "manager: I_LIST fills pckt, pckt, ptm");
	is_int(ioctl(m, I_FIND, "pckt"), 1, "manager: I_FIND pckt 1");
	errno = 0;
	ok(ioctl(m, I_PUSH, "ptem") == -1 && errno == EINVAL, "manager: push ptem: -1 EINVAL");
	is_int(ioctl(m, I_POP, 0), 0, "manager: pop");
	is_int(ioctl(m, I_POP, 0), 0, "manager: pop");
	errno = 0;
	ok(ioctl(m, I_POP, 0) == -1 && errno == EINVAL, "manager: pop on a bare manager: -1 EINVAL");
	close2(m, s);
}

/*
 * nstrpush (9 on illumos): nine modules on a stream, the tenth push fails
 * EINVAL.  The manager reaches it with pckt; on a subsidiary the three
 * modules are single-instance, so repeated pushes never add a fourth.
 */
#define XPTY_NSTRPUSH	9

static void
check_nstrpush(void)
{
	struct str_mlist	 ml[XPTY_NSTRPUSH + 1];
	struct str_list		 sl = { .sl_nmods = XPTY_NSTRPUSH + 1, .sl_modlist = ml };
	static const char	*mods[] = { "ptem", "ldterm", "ttcompat" };
	char			 name[64];
	int			 m, s, i, n = 0, r;

	ok(pair(&m, &s, name) == 0, "pty pair");
	for (i = 0; i < XPTY_NSTRPUSH; i++)
		n += ioctl(m, I_PUSH, "pckt") == 0;
	is_int(n, XPTY_NSTRPUSH, "manager: %d pckt pushes succeed", XPTY_NSTRPUSH);
	errno = 0;
	r = ioctl(m, I_PUSH, "pckt");
	ok(r == -1 && errno == EINVAL, "manager: push %d: -1 EINVAL (got %d)",
	    XPTY_NSTRPUSH + 1, r);
	is_int(ioctl(m, I_LIST, NULL), XPTY_NSTRPUSH + 1,
	    "manager: I_LIST NULL %d (9 modules and ptm)", XPTY_NSTRPUSH + 1);
	ok(ioctl(m, I_LIST, &sl) == 0 && sl.sl_nmods == XPTY_NSTRPUSH + 1 &&
	    strcmp(ml[XPTY_NSTRPUSH - 1].l_name, "pckt") == 0 &&
	    strcmp(ml[XPTY_NSTRPUSH].l_name, "ptm") == 0,
	    "manager: I_LIST fills nine pckt, then ptm");
	for (i = 0, n = 0; i < XPTY_NSTRPUSH; i++)
		n += ioctl(m, I_POP, 0) == 0;
	is_int(n, XPTY_NSTRPUSH, "manager: nine pops");
	is_int(ioctl(m, I_LIST, NULL), 1, "manager: bare again");
	for (i = 0, n = 0; i < 3 * (XPTY_NSTRPUSH + 1); i++)
		n += ioctl(s, I_PUSH, mods[i % 3]) == 0;
	is_int(n, 3 * (XPTY_NSTRPUSH + 1), "subsidiary: %d pushes of ptem, "
	    "ldterm, ttcompat all succeed (single-instance)",
	    3 * (XPTY_NSTRPUSH + 1));
	is_int(ioctl(s, I_LIST, NULL), 4, "subsidiary: I_LIST NULL 4");
	close2(m, s);
}

/* ptem (normal mode) drops zero-length writes; B0 hangs up. */
static void
check_ptem_writes(void)
{
	char		name[64], buf[16];
	struct termios	t;
	ssize_t		r;
	int		m, s, fl;

	ok(pair(&m, &s, name) == 0, "pty pair");
	ok(ioctl(s, I_PUSH, "ptem") == 0 && ioctl(s, I_PUSH, "ldterm") == 0, "push ptem, ldterm");
	is_int(write(s, "", 0), 0, "ptem: write(s, \"\", 0) returns 0");
	fl = fcntl(m, F_GETFL);
	fcntl(m, F_SETFL, fl | O_NONBLOCK);
	errno = 0;
	r = read(m, buf, sizeof(buf));
	ok(r == -1 && errno == EAGAIN, "ptem: the manager sees nothing (EAGAIN)");
	ok(tcgetattr(s, &t) == 0, "tcgetattr");
	cfsetospeed(&t, B0);
	cfsetispeed(&t, B0);
	is_int(tcsetattr(s, TCSANOW, &t), 0, "ptem: tcsetattr with speed B0");
	{
		struct timeval	tv = { 0, 300000 };
		fd_set		rf;

		FD_ZERO(&rf);
		FD_SET(m, &rf);
		(void)select(m + 1, &rf, NULL, NULL, &tv);
	}
	errno = 0;
	r = read(m, buf, sizeof(buf));	/* still O_NONBLOCK: EAGAIN if nothing came */
	fcntl(m, F_SETFL, fl);
	if (xt_engine_direct())
		ok(r == 0, "ptem: B0 hangs up toward the manager: it reads 0 (got %zd) "
		    "# TODO direct engine: no zero-length message without xptyd", r);
	else
		ok(r == 0, "ptem: B0 hangs up toward the manager: it reads 0 (got %zd)", r);
	close2(m, s);
}

/* After the manager is closed, stream ioctls on the subsidiary: ENXIO. */
static void
check_hangup(void)
{
	struct strioctl	si = { .ic_cmd = ISPTM };
	char		name[64];
	struct termios	t;
	int		m, s;

	ok(pair(&m, &s, name) == 0, "pty pair");
	ok(ioctl(s, I_PUSH, "ptem") == 0 && ioctl(s, I_PUSH, "ldterm") == 0, "push ptem, ldterm");
	close(m);
	errno = 0;
	ok(ioctl(s, I_PUSH, "ttcompat") == -1 && errno == ENXIO, "hung up: I_PUSH -1 ENXIO");
	errno = 0;
	ok(ioctl(s, I_POP, 0) == -1 && errno == ENXIO, "hung up: I_POP -1 ENXIO");
	errno = 0;
	ok(ioctl(s, I_STR, &si) == -1 && errno == ENXIO, "hung up: I_STR -1 ENXIO");
	errno = 0;
	ok(tcgetattr(s, &t) == -1 && errno == ENXIO, "hung up: tcgetattr -1 ENXIO");
	close(s);
}

int
main(int argc, char **argv)
{
	xt_init(argc, argv);
	check_push_sequence();
	check_find_loop();
	check_bad_names();
	check_segment_end();
	check_shared();
	check_between_pushes();
	check_between_pushes_here();
	check_reuse();
	check_raw();
	check_ldterm();
	check_not_tty();
	check_defaults();
	check_winsize();
	check_zero_termios();
	check_manager_stack();
	check_nstrpush();
	check_ptem_writes();
	check_hangup();
	return (done_testing());
}
