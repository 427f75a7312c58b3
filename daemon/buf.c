/*
 * buf.c - transfer buffers for the relay.
 *
 * Theory of operation.  A pty owns no buffer while it is idle.  When bytes
 * move, the relay takes a buffer of XBUF_SIZE (+ slack for a pckt frame
 * header and one injected message), reads into it and writes from it;
 * when the buffer is empty again it goes back to a small free list, so a
 * busy pty recycles the same buffer without malloc traffic and 1,000 idle
 * ptys cost no buffer memory.  The free list keeps at most XBUF_KEEP
 * buffers; the rest are freed.  State: the free list.  Single-threaded.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "xptyd.h"

#define XBUF_KEEP	8

static uint8_t	*xbuf_free[XBUF_KEEP];
static size_t	 xbuf_nfree;

int
xbuf_get(struct xbuf *b)
{
	if (b->data != NULL)
		return 0;
	b->off = b->len = 0;
	if (xbuf_nfree > 0) {
		b->data = xbuf_free[--xbuf_nfree];
		return 0;
	}
	if ((b->data = malloc(XBUF_SIZE + XBUF_SLACK)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
xbuf_put(struct xbuf *b)
{
	if (b->data == NULL || b->len != 0)
		return;
	if (xbuf_nfree < XBUF_KEEP)
		xbuf_free[xbuf_nfree++] = b->data;
	else
		free(b->data);
	b->data = NULL;
	b->off = b->len = 0;
}

void
xbuf_trim(void)
{
	while (xbuf_nfree > 0)
		free(xbuf_free[--xbuf_nfree]);
}

size_t
xbuf_cached(void)
{
	return xbuf_nfree;
}
