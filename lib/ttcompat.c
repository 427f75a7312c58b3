/* ttcompat.c - placeholder until the ttcompat branch lands (replaced there). */
#include "config.h"
#include <errno.h>
#include "xpty.h"
#include "internal.h"

int
ttcompat_is_request(unsigned long req)
{
	return (req & ~0xffUL) == tIOC;
}

int
ttcompat_ioctl(int fd, unsigned long req, void *arg)
{
	errno = EINVAL;
	return -1;
}
