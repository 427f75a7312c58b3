/*
 * scmrights.c - a pty descriptor received over SCM_RIGHTS is recognised
 * as a stream on its first SVR4 call (isastream, I_* ioctl), in another
 * process that never opened it.
 */
#include <sys/socket.h>
#include "xtest.h"

static int
send_fd(int sock, int fd)
{
	char		 cbuf[CMSG_SPACE(sizeof(int))], c = 'f';
	struct iovec	 iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr	 mh = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr	*cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return (sendmsg(sock, &mh, 0) == 1 ? 0 : -1);
}

static int
recv_fd(int sock)
{
	char		 cbuf[CMSG_SPACE(sizeof(int))], c;
	struct iovec	 iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr	 mh = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr	*cm;
	int		 fd;

	if (recvmsg(sock, &mh, 0) != 1 || (cm = CMSG_FIRSTHDR(&mh)) == NULL)
		return (-1);
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return (fd);
}

int
main(int argc, char **argv)
{
	int	sv[2], m, s, st;
	pid_t	pid;

	xt_init(argc, argv);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return (1);
	if ((pid = fork()) == 0) {
		/* the receiver opened no pty: both descriptors arrive unknown */
		int	rs, rm, n;

		close(sv[0]);
		rs = recv_fd(sv[1]);
		rm = recv_fd(sv[1]);
		n = ioctl(rs, I_LIST, NULL);
		if (n != 2)
			_exit(10 + (n < 0 ? 9 : n));
		if (ioctl(rs, I_FIND, "ptem") != 1)
			_exit(20);
		if (isastream(rm) != 1)
			_exit(30);
		if (ioctl(rm, I_STR, &(struct strioctl){ .ic_cmd = ISPTM }) != 0)
			_exit(40);
		_exit(0);
	}
	close(sv[1]);
	if (xt_pair(&m, &s, NULL, 0, O_NOCTTY) == -1 ||
	    ioctl(s, I_PUSH, "ptem") == -1)
		return (1);
	ok(send_fd(sv[0], s) == 0 && send_fd(sv[0], m) == 0, "sent both sides");
	waitpid(pid, &st, 0);
	if (!xt_state_shared())
		skip("the receiver has no state of a pty made after its fork "
		    "(direct engine, page store)");
	else
		is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0,
		    "receiver sees the stack and the manager through received descriptors");
	return (done_testing());
}
