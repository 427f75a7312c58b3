/*
 * fuzz_ioctl.c - libFuzzer target for libxpty's ioctl decoder
 * (lib/ioctl_map.c and what it calls: streams_emul.c, ttcompat.c,
 * usercopy.c, host_pty.c, the relay's control requests).
 *
 * Theory of operation.  The library's sources are compiled into this
 * program (tests/Makefile.am), so its ioctl() is the one applications
 * get, instrumented by AddressSanitizer and UBSan along with the fuzzer.
 * An input is a sequence of operations of at least OP_HEAD bytes each:
 *
 *   target   which descriptor: the manager, the subsidiary, a dup of the
 *            manager, a host manager libxpty does not manage, a pipe, a
 *            closed number
 *   request  an index into reqs[], every request the decoder knows: all
 *            I_* (emulated or not), ISPTM, UNLKPT, PTSSTTY, ZONEPT,
 *            OWNERPT, the termios and window ioctls ptem answers, and the
 *            V7/4BSD ones of ttcompat; unmanaged targets get only the
 *            STREAMS and pty ones (the rest never reaches libxpty there)
 *   arg      how to make the argument: NULL, an unmapped address, a small
 *            integer, a pointer into the data buffer, into the guard
 *            page, near the end of the mapping, into a read-only page, a
 *            non-canonical or kernel address, or a module name
 *   param    the integer, or where the data ends relative to the guard
 *   len, data  bytes copied into the buffer, which ends at or just
 *            before a PROT_NONE page, so structures can straddle it
 *
 * Inside the data, any 8-byte aligned word starting with PTR_MAGIC is
 * replaced by an address from the same menu as arg (so strioctl.ic_dp,
 * str_list.sl_modlist and strpeek's buffers can be bogus too).  I_STR
 * with a non-zero param builds its struct strioctl from the data instead:
 * ic_cmd from reqs[] (or an unknown command of the STREAMS, pty or
 * ttcompat groups), ic_timout and ic_len taken raw, ic_dp from the menu.
 *
 * Arbitrary request numbers and arbitrary addresses are not generated:
 * run as root, a random ioctl can reconfigure the host (FIFREEZE, SIOC*,
 * TIOCSETD module loading) and a random address may be this program's own
 * memory, which the library would then rightly write to.
 *
 * Every REOPEN_EVERY inputs the ptys are closed and a fresh pair opened.
 * The engine is the library's: XPTY_ENGINE=direct or the relay daemon
 * ($XPTY_DAEMON, $XPTY_RUNDIR), as tests/t_fuzz_ioctl.sh runs it.
 * The decoder must never crash, hang, or trip a sanitizer.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <termio.h>
#include <unistd.h>

#include "xpty.h"

#define OP_HEAD		5
#define MAX_OPS		32
#define REOPEN_EVERY	64
#define PTR_MAGIC	0xa5
#define PAGE		4096

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

enum { T_MANAGER, T_SUBSID, T_DUP, T_HOSTMGR, T_PIPE, T_CLOSED, T_COUNT };

static const unsigned long reqs[] = {
	/* stream head */
	I_NREAD, I_PUSH, I_POP, I_LOOK, I_FLUSH, I_SRDOPT, I_GRDOPT, I_STR,
	I_SETSIG, I_GETSIG, I_FIND, I_LINK, I_UNLINK, I_RECVFD, I_PEEK,
	I_FDINSERT, I_SENDFD, I_SWROPT, I_GWROPT, I_LIST, I_PLINK, I_PUNLINK,
	I_ANCHOR, I_FLUSHBAND, I_CKBAND, I_GETBAND, I_ATMARK, I_SETCLTIME,
	I_GETCLTIME, I_CANPUT, I_SERROPT, I_GERROPT, I_ESETSIG, I_EGETSIG,
	__I_PUSH_NOCTTY,
	/* pty driver */
	ISPTM, UNLKPT, PTSSTTY, ZONEPT, OWNERPT,
#define N_STREAMS_REQS	40	/* the ones above: unmanaged targets too */
	/* ptem, ldterm */
	TCGETS, TCSETS, TCSETSW, TCSETSF, TCGETA, TCSETA, TCSETAW, TCSETAF,
	TCSBRK, TCSBRKP, TCXONC, TCFLSH, TIOCGWINSZ, TIOCSWINSZ, JWINSIZE,
	TIOCSTI, TIOCOUTQ,
	/* ttcompat */
	TIOCGETD, TIOCSETD, TIOCHPCL, TIOCGETP, TIOCSETP, TIOCSETN, TIOCEXCL,
	TIOCNXCL, TIOCFLUSH, TIOCSETC, TIOCGETC, TIOCSTART, TIOCSTOP,
	TIOCGLTC, TIOCSLTC, TIOCLGET, TIOCLSET, TIOCLBIC, TIOCLBIS,
	TIOCREMOTE, TIOCSIGNAL,
	/* passed to the host as they are */
	FIONREAD,
};
#define NREQS	(sizeof(reqs) / sizeof(reqs[0]))

static const char *const names[] = {
	"ptem", "ldterm", "ttcompat", "pckt", "", "ptemx", "ldterm\n",
	"toolongname",
};
#define NNAMES	(sizeof(names) / sizeof(names[0]))

static char	*area;		/* [ scratch page | data page | guard ] */
static char	*data_end;	/* the guard page's first byte */
static char	*rdonly;	/* a read-only page */
static int	 fds[T_COUNT];
static unsigned	 inputs;

static void
close_all(void)
{
	int	i;

	for (i = 0; i < T_COUNT; i++)
		if (fds[i] >= 0 && i != T_CLOSED) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* A fresh pair, its dup, a host manager libxpty does not see, a pipe. */
static void
reopen(void)
{
	char	*name;
	int	 p[2];

	close_all();
	fds[T_MANAGER] = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fds[T_MANAGER] >= 0 && grantpt(fds[T_MANAGER]) == 0 &&
	    unlockpt(fds[T_MANAGER]) == 0 &&
	    (name = ptsname(fds[T_MANAGER])) != NULL)
		fds[T_SUBSID] = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
	fds[T_DUP] = fds[T_MANAGER] >= 0 ? dup(fds[T_MANAGER]) : -1;
	fds[T_HOSTMGR] = (int)syscall(SYS_openat, AT_FDCWD, "/dev/ptmx",
	    O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (pipe(p) == 0) {
		fds[T_PIPE] = p[0];
		close(p[1]);
	}
	fds[T_CLOSED] = 1000;		/* never opened */
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const int	quiet[] = { SIGPOLL, SIGHUP, SIGPIPE, SIGTTOU, SIGTTIN,
	    SIGURG, SIGWINCH };
	size_t			i, k;

	(void)argc;
	(void)argv;
	/* I_SETSIG asks for SIGPOLL; hangups and job control stay away */
	for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		signal(quiet[i], SIG_IGN);
	area = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rdonly = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || rdonly == MAP_FAILED)
		abort();
	data_end = area + 2 * PAGE;
	if (mprotect(data_end, PAGE, PROT_NONE) == -1)
		abort();
	/* module names in the scratch page; the last one ends at the guard */
	for (i = 0, k = 0; i < NNAMES; i++, k += 16)
		memcpy(area + k, names[i], strlen(names[i]) + 1);
	memcpy(rdonly, "ptem", 5);
	if (mprotect(rdonly, PAGE, PROT_READ) == -1)
		abort();
	for (i = 0; i < T_COUNT; i++)
		fds[i] = -1;
	reopen();
	return (0);
}

/*
 * Read what the managers have queued, as an application would: read(),
 * or getmsg() once pckt makes read() fail with EBADMSG.  The relay engine
 * places an injected message (the zero-length message of a B0 tcsetattr
 * under ptem, pckt's M_IOCTL) only after it has read the host manager
 * dry, and it stops reading while the application is a buffer behind or
 * has not yet read the previous zero-length message; a subsidiary-side
 * ioctl then waits for the manager's reader.  That is a limitation of the
 * relay engine (a second B0 tcsetattr before the manager reads blocks),
 * not of the decoder, and a target that never read its manager would hit
 * it at once; reading here keeps the fuzzing on the decoder.
 */
static void
drain(void)
{
	char		sink[4096], cbuf[64];
	struct strbuf	ctl, dat;
	int		i, fl, flags;
	ssize_t		r;

	if (fds[T_MANAGER] < 0)
		return;
	for (i = 0; i < 64; i++) {
		fl = fcntl(fds[T_MANAGER], F_GETFL);
		if (fl == -1)
			return;
		if (!(fl & O_NONBLOCK))		/* a fresh relay connection */
			(void)fcntl(fds[T_MANAGER], F_SETFL, fl | O_NONBLOCK);
		r = read(fds[T_MANAGER], sink, sizeof(sink));
		if (r >= 0)
			continue;
		if (errno != EBADMSG)
			break;
		ctl = (struct strbuf){ .maxlen = sizeof(cbuf), .buf = cbuf };
		dat = (struct strbuf){ .maxlen = sizeof(sink), .buf = sink };
		flags = 0;
		if (getmsg(fds[T_MANAGER], &ctl, &dat, &flags) == -1)
			break;
	}
	if (fds[T_HOSTMGR] >= 0)
		while (syscall(SYS_read, fds[T_HOSTMGR], sink, sizeof(sink)) > 0)
			;
}

/*
 * Raw data may hold pointers the library follows (str_list.sl_modlist,
 * strioctl.ic_dp, strpeek's buffers), at any alignment, since the data
 * starts anywhere.  libFuzzer learns values from comparisons, heap
 * addresses among them, and the library would rightly write there; so
 * any 8 bytes that read as a user-space address outside this target's
 * own pages are made non-canonical (bit 47 set).  Only the menu's
 * addresses (PTR_MAGIC) reach the library as real ones.
 */
static void
defuse(char *buf, size_t len)
{
	uintptr_t	v;
	size_t		i;

	for (i = 0; i + 8 <= len; i++) {
		memcpy(&v, buf + i, sizeof(v));
		if (v < 65536 || v > 0x7fffffffffffULL)
			continue;
		if ((v >= (uintptr_t)area && v < (uintptr_t)data_end + PAGE) ||
		    (v >= (uintptr_t)rdonly && v < (uintptr_t)rdonly + PAGE))
			continue;
		buf[i + 5] = (char)0x80;
	}
}

/* The address menu; sel and param come from the input. */
static void *
pick_ptr(unsigned sel, unsigned param, char *buf)
{
	switch (sel % 14) {
	case 0:
		return (NULL);
	case 1:
		return ((void *)(uintptr_t)16);
	case 2:
		return (buf);
	case 3:
		return (data_end);			/* the guard page */
	case 4:
		return (data_end - 1 - param % 24);	/* straddles the guard */
	case 5:
		return (rdonly);
	case 6:
		return ((void *)~(uintptr_t)0);
	case 7:
		return ((void *)(uintptr_t)0x8000000000001000ULL);	/* non-canonical */
	case 8:
		return ((void *)(uintptr_t)0xffff888000000000ULL);	/* kernel */
	case 9:
		return (area + PAGE / 2 + param % 256);	/* scratch: writable */
	case 10:
		return (area + 16 * (param % NNAMES));	/* a module name */
	case 11:
		return (data_end - 8);	/* 8 bytes, then the guard */
	case 12:
		return ((void *)(uintptr_t)(param % 65536));	/* low, unmapped */
	default:
		return (buf + param % 64);
	}
}

/* A request number for ic_cmd: a known one, or an unknown one of a group. */
static int
pick_cmd(unsigned sel, unsigned low)
{
	switch (sel % 5) {
	case 0:
		return ((int)(STR | (low & 0xff)));
	case 1:
		return ((int)(('P' << 8) | (low & 0xff)));
	case 2:
		return ((int)(tIOC | (low & 0xff)));
	default:
		return ((int)reqs[low % NREQS]);
	}
}

static int32_t
get32(const uint8_t *p)
{
	uint32_t	v;

	memcpy(&v, p, sizeof(v));
	return ((int32_t)v);
}

/* Run one operation; returns the bytes it used. */
static size_t
one_op(const uint8_t *in, size_t left)
{
	unsigned	 target = in[0] % T_COUNT, kind = in[2], param = in[3];
	unsigned long	 req;
	size_t		 len = in[4], i, place;
	char		*buf;
	void		*arg;

	if (target <= T_DUP)
		req = reqs[in[1] % NREQS];
	else
		req = reqs[in[1] % N_STREAMS_REQS];
	if (len > left - OP_HEAD)
		len = left - OP_HEAD;
	/* the data ends param % 48 bytes before the guard page */
	place = len + param % 48;
	buf = data_end - place;
	memset(area + PAGE, 0x5a, PAGE);
	memcpy(buf, in + OP_HEAD, len);
	defuse(buf, len);
	for (i = 0; i + 8 <= len; i += 8) {
		uintptr_t	u;

		if (((uintptr_t)(buf + i) & 7) != 0 || (uint8_t)buf[i] != PTR_MAGIC)
			continue;
		u = (uintptr_t)pick_ptr((uint8_t)buf[i + 1], (uint8_t)buf[i + 2], buf);
		memcpy(buf + i, &u, sizeof(u));
	}
	if (req == I_STR && param != 0 && len >= 12) {
		struct strioctl	 sio;
		char		*at;

		sio.ic_cmd = pick_cmd(in[OP_HEAD], in[OP_HEAD + 1]);
		sio.ic_timout = get32(in + OP_HEAD + 2) % 8 - 2;
		sio.ic_len = get32(in + OP_HEAD + 6);
		if (in[OP_HEAD + 10] & 1)
			sio.ic_len &= 0x3ff;
		sio.ic_dp = pick_ptr(in[OP_HEAD + 11], param, buf + 16);
		/* the strioctl itself may straddle the guard page */
		at = data_end - sizeof(sio) + (in[OP_HEAD + 10] >> 1) % 12 -
		    (in[OP_HEAD + 10] & 0x80 ? 64 : 0);
		if (at + sizeof(sio) <= data_end)
			memcpy(at, &sio, sizeof(sio));
		else
			memcpy(at, &sio, (size_t)(data_end - at));
		arg = at;
	} else if (kind % 4 == 0)
		arg = (void *)(intptr_t)(int16_t)(in[4] << 8 | param);	/* an int */
	else if (kind % 4 == 1)
		arg = buf;
	else
		arg = pick_ptr(kind >> 2, param, buf);
	errno = 0;
	(void)ioctl(fds[target], req, arg);
	drain();
	return (OP_HEAD + len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	off = 0;
	int	ops = 0;

	if (++inputs % REOPEN_EVERY == 0)
		reopen();
	while (size - off >= OP_HEAD && ops++ < MAX_OPS)
		off += one_op(data + off, size - off);
	return (0);
}
