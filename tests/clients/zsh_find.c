/*
 * zsh_find.c - zsh's zpty module (Src/Modules/zpty.c, get_pty with
 * USE_DEV_PTMX): grantpt, unlockpt, ptsname, open the subsidiary
 * O_RDWR | O_NOCTTY, then for each of ptem, ldterm and ttcompat
 *     if ((ret = ioctl(sfd, I_FIND, name)) != 1)
 *         if (ret == -1 || ioctl(sfd, I_PUSH, name) == -1)
 *             fail;
 * I_FIND must be 0 before each push (-1 is fatal to zsh) and 1 after.
 * Running the loop a second time, as a second zpty on the same stream
 * would, must push nothing more; another process that opens the same
 * subsidiary sees the same stack.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <stropts.h>

#include "client.h"

static const char *const mods[] = { "ptem", "ldterm", "ttcompat" };

/* The zpty loop, with the I_FIND results recorded for the test. */
static int
zpty_push(int sfd, int found[3], int pushed[3])
{
	int	ret, i;

	for (i = 0; i < 3; i++) {
		pushed[i] = 0;
		found[i] = ret = ioctl(sfd, I_FIND, mods[i]);
		if (ret != 1) {
			if (ret == -1)
				return (1);
			if (ioctl(sfd, I_PUSH, mods[i]) == -1)
				return (1);
			pushed[i] = 1;
		}
	}
	return (0);
}

static char listing[128];

/* I_LIST into a str_list, top first; compared as "a,b,c". */
static int
list_is(int fd, const char *want)
{
	struct str_mlist	ml[12];
	struct str_list		sl = { .sl_nmods = 12, .sl_modlist = ml };
	size_t			o = 0;
	int			i;

	listing[0] = '\0';
	if (ioctl(fd, I_LIST, &sl) == -1) {
		snprintf(listing, sizeof(listing), "I_LIST: %s", strerror(errno));
		return (0);
	}
	for (i = 0; i < sl.sl_nmods && o < sizeof(listing) - 1; i++)
		o += (size_t)snprintf(listing + o, sizeof(listing) - o, "%s%.*s",
		    i ? "," : "", FMNAMESZ + 1, ml[i].l_name);
	return (strcmp(listing, want) == 0);
}

int
main(int argc, char **argv)
{
	int	 mfd, sfd, i, found[3], pushed[3], st, s2;
	char	*name, buf[64];
	pid_t	 pid;

	client_init(argc, argv);

	mfd = posix_openpt(O_RDWR | O_NOCTTY);
	if (!ok(mfd >= 0, "posix_openpt"))
		return (done_testing());
	if (!ok(!(grantpt(mfd) || unlockpt(mfd) || !(name = ptsname(mfd))),
	    "grantpt, unlockpt, ptsname"))
		return (done_testing());
	snprintf(buf, sizeof(buf), "%s", name);
	sfd = open(buf, O_RDWR | O_NOCTTY);
	if (!ok(sfd >= 0, "open %s O_RDWR|O_NOCTTY", buf))
		return (done_testing());

	ok(isatty(sfd) == 0, "the bare subsidiary is not a terminal yet");
	is_int(zpty_push(sfd, found, pushed), 0, "the zpty push loop succeeds");
	for (i = 0; i < 3; i++) {
		is_int(found[i], 0, "I_FIND %s before its push is 0", mods[i]);
		is_int(pushed[i], 1, "%s was pushed", mods[i]);
	}
	for (i = 0; i < 3; i++)
		is_int(ioctl(sfd, I_FIND, mods[i]), 1, "I_FIND %s afterwards is 1", mods[i]);
	is_int(ioctl(sfd, I_LIST, NULL), 4, "I_LIST counts three modules and the driver");
	ok(list_is(sfd, "ttcompat,ldterm,ptem,pts"), "I_LIST names ttcompat, ldterm, ptem, pts (%s)",
	    listing);
	ok(isatty(sfd) == 1, "the subsidiary is a terminal now");

	/* a second zpty run on the same stream */
	is_int(zpty_push(sfd, found, pushed), 0, "the loop run again succeeds");
	ok(found[0] == 1 && found[1] == 1 && found[2] == 1 &&
	    !pushed[0] && !pushed[1] && !pushed[2],
	    "the second run finds all three and pushes nothing (I_FIND %d %d %d)",
	    found[0], found[1], found[2]);
	ok(list_is(sfd, "ttcompat,ldterm,ptem,pts"), "still ttcompat, ldterm, ptem over pts (%s)",
	    listing);

	/* the stack belongs to the stream: another process sees it */
	if ((pid = fork()) == 0) {
		int	f[3], p[3], fd = open(buf, O_RDWR | O_NOCTTY);

		if (fd == -1)
			_exit(2);
		if (zpty_push(fd, f, p) != 0)
			_exit(3);
		_exit(f[0] == 1 && f[1] == 1 && f[2] == 1 && !p[0] && !p[1] && !p[2] ? 0 : 4);
	}
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : 99, 0,
	    "a child that opens the subsidiary finds all three (I_FIND 1)");

	/* an unknown module is an error zsh would see as -1 */
	errno = 0;
	ok(ioctl(sfd, I_FIND, "nosuchmd") == -1 && errno == EINVAL,
	    "I_FIND of an unknown module fails EINVAL");
	/* I_FIND on something that is not a stream */
	s2 = open("/dev/null", O_RDWR);
	errno = 0;
	ok(ioctl(s2, I_FIND, "ptem") == -1 && errno == EINVAL,
	    "I_FIND on /dev/null (not a stream) fails EINVAL");
	close(s2);
	close(sfd);
	close(mfd);
	return (done_testing());
}
