/*
 * usercopy.c - copy to and from caller-supplied pointers without crashing.
 *
 * STREAMS ioctls take pointers (module names, struct strioctl, buffers)
 * that a kernel would copy in with copyin() and answer EFAULT when they
 * are bad.  libxpty does the same in user space with the host's copy
 * between its own addresses (xsys_vm_copy, lib/sys.h: process_vm_readv
 * and process_vm_writev on Linux), which fails with EFAULT instead of
 * faulting.  Where that is unavailable (other hosts, seccomp policies,
 * old kernels) it moves the bytes through a pipe instead: read(2)
 * and write(2) also fail with EFAULT on a bad address.  Bytes known to
 * be readable (readable.c: the read-only data of the main program and of
 * libxpty, where string literals live) are copied with memcpy, no system
 * call; a copy that reaches beyond them is checked whole.  Stateless apart from the
 * one-time "process_vm is usable" flag (a benign race: every thread
 * computes the same answer).  iov_put and iov_sub scatter into and cut
 * pieces of a caller's iovec array.  Descriptors: pipe_copy's pipe, made
 * and closed within the one copy.
 */
#include "config.h"

#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define XPTY_PAGE	4096	/* the smallest page size Linux uses */

static int vm_usable = 1;

/* Move len bytes through a pipe: read(2)/write(2) report EFAULT for either side. */
static int
pipe_copy(void *dst, const void *src, size_t len)
{
	int	pfd[2];
	ssize_t	n, m;
	int	rc = 0;

	if (xsys_pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == -1)
		return (-1);
	while (len > 0) {
		n = xsys_write(pfd[1], src, len > 65536 ? 65536 : len);
		if (n <= 0) {
			rc = -1;
			break;
		}
		m = xsys_read(pfd[0], dst, (size_t)n);
		if (m != n) {
			rc = -1;
			break;
		}
		src = (const char *)src + n;
		dst = (char *)dst + n;
		len -= (size_t)n;
	}
	xsys_close(pfd[0]);
	xsys_close(pfd[1]);
	if (rc == -1)
		errno = EFAULT;
	return (rc);
}

static int
vm_copy(void *dst, const void *src, size_t len, int towards_user)
{
	if (len == 0)
		return (0);
	if (vm_usable) {
		if (xsys_vm_copy(dst, src, len, towards_user) == 0)
			return (0);
		if (errno == EFAULT)
			return (-1);
		vm_usable = 0;	/* ENOSYS, EPERM: use the probe from now on */
	}
	return (pipe_copy(dst, src, len));
}

int
xpty_user_copyin(void *dst, const void *src, size_t len)
{
	if (src == NULL && len > 0) {
		errno = EFAULT;
		return (-1);
	}
	if (len > 0 && readable_span(src) >= len) {
		memcpy(dst, src, len);
		return (0);
	}
	return (vm_copy(dst, src, len, 0));
}

int
xpty_user_copyout(void *dst, const void *src, size_t len)
{
	if (dst == NULL && len > 0) {
		errno = EFAULT;
		return (-1);
	}
	return (vm_copy(dst, src, len, 1));
}

/*
 * Copy a NUL-terminated string of at most dstlen-1 characters.  EFAULT if
 * it cannot be read, EINVAL if it does not end within dstlen bytes (what
 * illumos's I_PUSH makes of ENAMETOOLONG).
 */
int
xpty_user_strcopy(char *dst, const char *src, size_t dstlen)
{
	size_t	i = 0, chunk, to_page, known;

	if (src == NULL) {
		errno = EFAULT;
		return (-1);
	}
	/*
	 * One copy per page: a page is readable as a whole or not at all.
	 * A span known readable (readable.c) is as good as a page: a
	 * name inside one is a single memcpy.
	 */
	while (i < dstlen) {
		if ((known = readable_span(src + i)) > 0) {
			/* read no further than the NUL (a sanitizer's redzone) */
			chunk = dstlen - i < known ? dstlen - i : known;
			known = strnlen(src + i, chunk);
			memcpy(dst + i, src + i, known);
			if (known < chunk) {
				dst[i + known] = '\0';
				return (0);
			}
			i += known;
			continue;
		}
		to_page = XPTY_PAGE - ((uintptr_t)(src + i) & (XPTY_PAGE - 1));
		chunk = dstlen - i < to_page ? dstlen - i : to_page;
		if (xpty_user_copyin(dst + i, src + i, chunk) == -1)
			return (-1);
		if (memchr(dst + i, '\0', chunk) != NULL)
			return (0);
		i += chunk;
	}
	errno = EINVAL;
	return (-1);
}

/* strlcpy(3) for library-internal strings (libbsd stays out of the .so). */
size_t
xpty_strlcpy(char *dst, const char *src, size_t size)
{
	size_t	len = strlen(src);

	if (size > 0) {
		size_t	n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return (len);
}

/* Scatter n bytes into iov from offset off; -1 (EFAULT) on a bad pointer. */
int
iov_put(const struct iovec *iov, int iovcnt, size_t off, const void *src,
    size_t n)
{
	const char	*p = src;
	size_t		 k;
	int		 i;

	for (i = 0; i < iovcnt && n > 0; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		k = iov[i].iov_len - off;
		if (k > n)
			k = n;
		if (xpty_user_copyout((char *)iov[i].iov_base + off, p, k) == -1)
			return (-1);
		p += k;
		n -= k;
		off = 0;
	}
	return (0);
}

/*
 * The bytes [off, off + len) of iov as at most max entries of out:
 * returns the entries used and sets *got to the bytes they hold (less
 * than len when max entries do not reach that far).
 */
int
iov_sub(const struct iovec *iov, int iovcnt, size_t off, size_t len,
    struct iovec *out, int max, size_t *got)
{
	size_t	k;
	int	i, n = 0;

	*got = 0;
	for (i = 0; i < iovcnt && n < max && *got < len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		k = iov[i].iov_len - off;
		if (k > len - *got)
			k = len - *got;
		out[n].iov_base = (char *)iov[i].iov_base + off;
		out[n++].iov_len = k;
		*got += k;
		off = 0;
	}
	return (n);
}
