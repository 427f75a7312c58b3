/*
 * ptsname.c - ptsname(3C) and ptsname_r(3C): name format, the per-thread
 * buffer, and the error numbers of illumos's libc test ptsname.c
 * (issue 2).
 */
#include <sys/socket.h>
#include <pthread.h>
#include <regex.h>
#include "xtest.h"

static int
name_ok(const char *name)
{
	regex_t	re;
	int	r;

	/*
	 * illumos numbers ptys from 1 (^/dev/pts/[1-9][0-9]*$);
	 * Linux devpts starts at 0, so /dev/pts/0 is allowed here.
	 */
	if (regcomp(&re, "^/dev/pts/(0|[1-9][0-9]*)$", REG_EXTENDED | REG_NOSUB) != 0)
		return (0);
	r = regexec(&re, name, 0, NULL, 0) == 0;
	regfree(&re);
	return (r && strlen(name) < 32);
}

struct thr {
	int	fd;
	char	*ptr;
	char	copy[64];
};

static void *
thr_ptsname(void *arg)
{
	struct thr	*t = arg;

	t->ptr = ptsname(t->fd);
	if (t->ptr != NULL)
		snprintf(t->copy, sizeof(t->copy), "%s", t->ptr);
	return (NULL);
}

static void
check_names(void)
{
	int		m1 = posix_openpt(O_RDWR | O_NOCTTY), m2 = posix_openpt(O_RDWR | O_NOCTTY);
	char		n1[64], n2[64], rbuf[64], *p, *q;
	struct thr	t = { .fd = m2 };
	pthread_t	th;

	p = ptsname(m1);
	ok(p != NULL, "ptsname before grantpt/unlockpt works");
	if (p == NULL)
		return;
	snprintf(n1, sizeof(n1), "%s", p);
	ok(name_ok(n1), "ptsname gives /dev/pts/N: %s", n1);
	q = ptsname(m2);
	ok(q != NULL && name_ok(q), "second manager's name is well formed");
	snprintf(n2, sizeof(n2), "%s", q != NULL ? q : "");
	ok(strcmp(n1, n2) != 0, "two managers have different names (%s, %s)", n1, n2);
	ok(p == q, "ptsname reuses one buffer in a thread");
	ok(strcmp(p, n2) == 0, "the next call in the same thread overwrites it");

	p = ptsname(m1);
	is_int(ptsname_r(m2, rbuf, sizeof(rbuf)), 0, "ptsname_r returns 0");
	ok(strcmp(rbuf, n2) == 0, "ptsname_r agrees with ptsname");
	ok(strcmp(p, n1) == 0, "ptsname_r does not clobber ptsname's buffer");

	ok(pthread_create(&th, NULL, thr_ptsname, &t) == 0 && pthread_join(th, NULL) == 0,
	    "thread ran");
	ok(t.ptr != NULL && strcmp(t.copy, n2) == 0, "ptsname in another thread works");
	ok(t.ptr != p, "another thread has its own buffer");
	ok(strcmp(p, n1) == 0, "another thread's call does not change this thread's buffer");
	ok(p == ptsname(m1), "pointer stays the same for the next call in this thread");

	grantpt(m1);
	unlockpt(m1);
	ok(strcmp(ptsname(m1), n1) == 0, "ptsname unchanged by grantpt/unlockpt");
	close(m1);
	close(m2);
}

/* ptsname_r's buffer is declared nonnull; hide the NULL from the compiler. */
static char *volatile nullbuf;
static int (*volatile ptsname_r_p)(int, char *, size_t) = ptsname_r;

static void
check_range(void)
{
	int	m = posix_openpt(O_RDWR | O_NOCTTY);
	char	name[64], buf[64];
	size_t	len;

	snprintf(name, sizeof(name), "%s", ptsname(m));
	len = strlen(name);
	memset(buf, 'x', sizeof(buf));
	is_int(ptsname_r(m, buf, 0), ERANGE, "ptsname_r len 0: ERANGE");
	is_int(ptsname_r(m, buf, 8), ERANGE, "ptsname_r len 8: ERANGE");
	is_int(ptsname_r(m, buf, len), ERANGE, "ptsname_r len strlen(name): ERANGE");
	is_int(ptsname_r(m, buf, len + 1), 0, "ptsname_r len strlen(name)+1: 0");
	ok(strcmp(buf, name) == 0, "ptsname_r filled the buffer exactly");
	/* through a pointer: glibc declares buf nonnull, and UBSan checks call sites */
	is_int(ptsname_r_p(m, nullbuf, 64), EINVAL, "ptsname_r NULL buffer: EINVAL");
	close(m);
}

static void
check_errors(void)
{
	char	 name[64], buf[64];
	int	 fd, m = -1, s = -1, sv[2];
	char	*p;

	fd = open("/dev/null", O_RDONLY);
	close(fd);
	errno = 0;
	is_int(ptsname_r(fd, buf, sizeof(buf)), EBADF, "ptsname_r on a closed fd returns EBADF");
	errno = 0;
	p = ptsname(fd);
	ok(p == NULL && errno == EBADF, "ptsname on a closed fd: NULL, EBADF");

	ok(xt_pair(&m, &s, name, sizeof(name), O_NOCTTY) == 0, "pty pair");
	errno = 0;
	p = ptsname(s);
	ok(p == NULL && errno == EINVAL, "ptsname on a subsidiary: NULL, EINVAL");
	is_int(ptsname_r(s, buf, sizeof(buf)), EINVAL, "ptsname_r on a subsidiary: EINVAL");
	close(s);
	close(m);

	ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	errno = 0;
	p = ptsname(sv[0]);
	ok(p == NULL && errno == EINVAL, "ptsname on a UNIX socket: NULL, EINVAL");
	is_int(ptsname_r(sv[0], buf, sizeof(buf)), EINVAL, "ptsname_r on a socket: EINVAL");
	close(sv[0]);
	close(sv[1]);
}

int
main(int argc, char **argv)
{
	xt_init(argc, argv);
	check_names();
	check_range();
	check_errors();
	return (done_testing());
}
