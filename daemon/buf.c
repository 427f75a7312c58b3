/*
 * buf.c - transfer buffers for the relay.
 *
 * Theory of operation.  A pty owns no buffer while it is idle.  When bytes
 * move, the relay takes a buffer of XBUF_SIZE (+ slack for a pckt frame
 * header and one injected message), reads into it and writes from it;
 * when the buffer is empty again it goes back to a small free list, so a
 * busy pty recycles the same buffer without malloc traffic and 1,000 idle
 * ptys cost no buffer memory.  The free list keeps at most XBUF_KEEP
 * buffers; the rest are freed.  A list that no transfer has drawn on for
 * XBUF_IDLE_S seconds is freed too, and the heap given back to the
 * system (malloc_trim), so that a burst (a daemon catching up after a
 * stop, say) does not leave its memory resident: one timer, armed only
 * while the list holds buffers.  A struct xbuf belongs to the pty whose
 * field it is; the storage on the free list is this file's.  State: the
 * free list, that timer and whether a buffer was taken since it was
 * armed.  No descriptors.  Single-threaded.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "xptyd.h"

#define XBUF_KEEP	8
#define XBUF_IDLE_S	1

static uint8_t		*xbuf_free[XBUF_KEEP];
static size_t		 xbuf_nfree;
static struct event	*xbuf_idle_ev;
static int		 xbuf_drawn;	/* a buffer was taken since armed */

static void
xbuf_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	tv = { XBUF_IDLE_S, 0 };

	if (xbuf_drawn) {
		xbuf_drawn = 0;
		evtimer_add(xbuf_idle_ev, &tv);
		return;
	}
	xbuf_trim();
}

/* A buffer went back to the free list: free the list if it stays idle. */
static void
xbuf_idle_arm(void)
{
	struct timeval	tv = { XBUF_IDLE_S, 0 };

	if (xbuf_idle_ev == NULL && loop_base() != NULL &&
	    (xbuf_idle_ev = evtimer_new(loop_base(), xbuf_idle_cb, NULL)) == NULL)
		return;
	if (xbuf_idle_ev != NULL && !evtimer_pending(xbuf_idle_ev, NULL)) {
		xbuf_drawn = 0;
		evtimer_add(xbuf_idle_ev, &tv);
	}
}

int
xbuf_get(struct xbuf *b)
{
	if (b->data != NULL)
		return (0);
	b->off = b->len = 0;
	xbuf_drawn = 1;
	if (xbuf_nfree > 0) {
		b->data = xbuf_free[--xbuf_nfree];
		return (0);
	}
	if ((b->data = malloc(XBUF_SIZE + XBUF_SLACK)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	return (0);
}

void
xbuf_put(struct xbuf *b)
{
	if (b->data == NULL || b->len != 0)
		return;
	if (xbuf_nfree < XBUF_KEEP) {
		xbuf_free[xbuf_nfree++] = b->data;
		xbuf_idle_arm();
	} else
		free(b->data);
	b->data = NULL;
	b->off = b->len = 0;
}

void
xbuf_trim(void)
{
	while (xbuf_nfree > 0)
		free(xbuf_free[--xbuf_nfree]);
	if (xbuf_idle_ev != NULL)
		evtimer_del(xbuf_idle_ev);
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

size_t
xbuf_cached(void)
{
	return (xbuf_nfree);
}
