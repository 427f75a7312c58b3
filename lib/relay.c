/* relay.c - placeholder until the daemon branch lands (replaced there). */
#include "config.h"
#include <errno.h>
#include "internal.h"

int relay_open(int oflag, int *hostfd, int *ptyno) { errno = ENOSYS; return -1; }
const char *relay_last_error(void) { return "not built"; }
int relay_zero_write(int ptyno, int subsidfd) { errno = ENOSYS; return -1; }
int relay_reattach(int fd, struct xstream *xs) { errno = ENOSYS; return -1; }
int relay_identify(int fd, int *hostfd, int *ptyno) { errno = ENOENT; return -1; }
int relay_set_pckt(int fd, int on) { errno = ENOSYS; return -1; }
int relay_event(int ptyno, int subsidfd, int mtype, const void *payload, size_t len) { errno = ENOSYS; return -1; }
