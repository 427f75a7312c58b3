/*
 * tap.h - a minimal Test Anything Protocol emitter for the C tests.
 * ok() records one assertion; done_testing() prints the plan at the end,
 * so a test that dies early is reported as a failure by the TAP driver.
 */
#ifndef XPTY_TAP_H
#define XPTY_TAP_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

static int tap_n, tap_failed;

static inline int
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	tap_n++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, msg);
	if (!cond) {
		/* a failing "# TODO" test is expected (XFAIL), not a failure */
		if (strstr(msg, "# TODO") == NULL)
			tap_failed++;
		printf("#   failed at %s:%d (errno %d: %s)\n", file, line,
		    errno, strerror(errno));
	}
	fflush(stdout);
	return (cond);
}
#define ok(cond, ...)	tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) do {					\
	long long	g_ = (got), w_ = (want);				\
	if (!ok(g_ == w_, __VA_ARGS__))					\
		printf("#   got %lld, want %lld\n", g_, w_);	\
} while (0)
#define diag(...)	do { printf("# "); printf(__VA_ARGS__); printf("\n"); } while (0)
#define skip(...)	do { printf("ok %d # SKIP ", ++tap_n); printf(__VA_ARGS__); printf("\n"); } while (0)
#define skip_all(...)	do { printf("1..0 # SKIP "); printf(__VA_ARGS__); printf("\n"); exit(0); } while (0)
static inline int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return (tap_failed ? 1 : 0);
}
#endif
