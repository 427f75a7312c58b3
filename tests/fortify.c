/*
 * fortify.c - a program built with -O2 -D_FORTIFY_SOURCE=2
 * -D_FILE_OFFSET_BITS=64 calls glibc's checking forms (__open64_2,
 * __openat64_2) instead of open(); libxpty must interpose those too
 * (issue 2).  Built by hand in tests/Makefile.am, not through twins.am.
 */
#include "xtest.h"

#if !defined(_FORTIFY_SOURCE) || _FORTIFY_SOURCE < 2 || !defined(__OPTIMIZE__)
#error "fortify.c must be built with -O2 -D_FORTIFY_SOURCE=2"
#endif

/* Non-constant flags make the fortified open() call __open64_2. */
static volatile int rdwr_noctty = O_RDWR | O_NOCTTY;

/* Does this executable import sym?  (nm -D on our own image.) */
static int
imports(const char *sym)
{
	char	 exe[PATH_MAX], cmd[PATH_MAX + 128], line[256];
	ssize_t	 n;
	FILE	*fp;
	int	 found = 0;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return (-1);
	exe[n] = '\0';
	snprintf(cmd, sizeof(cmd), "nm -D '%s' 2>/dev/null", exe);
	if ((fp = popen(cmd, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp) != NULL) {
		char	*p = strstr(line, sym);

		if (p != NULL && p > line && p[-1] == ' ' &&
		    (p[strlen(sym)] == '@' || p[strlen(sym)] == '\n'))
			found = 1;
	}
	if (pclose(fp) != 0 && !found)
		return (-1);
	return (found);
}

int
main(int argc, char **argv)
{
	char	name[64];
	int	m, s, m2;

	xt_init(argc, argv);
	ok(imports("__open64_2") == 1 || imports("__open_2") == 1,
	    "the program imports __open64_2 (or __open_2)");
	ok(imports("__openat64_2") == 1 || imports("__openat_2") == 1,
	    "the program imports __openat64_2 (or __openat_2)");

	m = open("/dev/ptmx", rdwr_noctty);
	ok(m >= 0, "fortified open(/dev/ptmx)");
	is_int(ioctl(m, ISPTM, 0), 0, "ISPTM 0 on a manager from a fortified open");
	snprintf(name, sizeof(name), "%s", ptsname(m));
	is_int(grantpt(m), 0, "grantpt");
	errno = 0;
	s = open(name, rdwr_noctty);
	ok(s == -1 && errno == EAGAIN, "fortified open of a locked subsidiary: -1 EAGAIN");
	errno = 0;
	s = openat(AT_FDCWD, name, rdwr_noctty);
	ok(s == -1 && errno == EAGAIN, "fortified openat of a locked subsidiary: -1 EAGAIN");
	is_int(unlockpt(m), 0, "unlockpt");
	s = open(name, rdwr_noctty);
	ok(s >= 0, "fortified open of the unlocked subsidiary");
	is_int(ioctl(s, I_LIST, NULL), 1, "it is an emulated bare stream (I_LIST NULL 1)");
	errno = 0;
	ok(isatty(s) == 0 && errno == ENOTTY, "bare subsidiary is not a tty");
	close(s);

	m2 = openat(AT_FDCWD, "/dev/ptmx", rdwr_noctty);
	ok(m2 >= 0, "fortified openat(/dev/ptmx)");
	is_int(ioctl(m2, ISPTM, 0), 0, "ISPTM 0 on a manager from a fortified openat");
	close(m2);
	close(m);
	return (done_testing());
}
