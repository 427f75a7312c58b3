/*
 * outq.c - what waits in a pty's out direction (host manager ->
 * application) behind its transfer buffer.
 *
 * Theory of operation.  Normally the out direction holds at most one
 * transfer buffer (buf.c) and stops reading the host manager while it is
 * pending: the application's reading paces the subsidiary's writing.  A
 * zero-length message or a pckt message asked for by a subsidiary-side
 * process (XP_ZERO, XP_EVENT) must be acknowledged once its place in the
 * stream is fixed, without waiting for that reader; its place is after
 * everything the subsidiary wrote before asking, which is what the host
 * manager holds at that moment (bounded by the tty's own buffer).  So
 * pty.c drains the host manager into this queue and puts the message
 * after it.  The queue is a list of fixed-size chunks (OQ_CHUNK bytes
 * each, at most OQ_MAXCHUNKS of them: the bound on memory per pty), each
 * followed by a count of zero-length messages: a run of zero-length
 * messages costs one number, not one connection each.  pty.c takes the
 * chunks back, in order, into its transfer buffer as the reader reads.
 *
 * Writing goes through oq_space (room at the tail, a new chunk if the
 * tail is full or has messages after it) and oq_commit, so that bytes
 * read from the host manager land in memory reserved before the read and
 * can never be lost to an allocation failure.  A chunk allocated by
 * oq_space is linked only when bytes are committed into it.
 *
 * State: the chunk list, one spare chunk, the counts.  The queue is
 * owned by one pty (daemon/pty.c), which alone calls these on it.  No
 * descriptors, no file state.  Single-threaded, no locking.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xptyd.h"

void
oq_init(struct outq *q)
{
	TAILQ_INIT(&q->list);
	q->spare = q->at = NULL;
	q->nchunks = 0;
	q->zeros = 0;
}

int
oq_empty(const struct outq *q)
{
	return (TAILQ_EMPTY(&q->list));
}

/* Memory held by the queue (linked chunks), the quantity bounded. */
size_t
oq_bytes(const struct outq *q)
{
	return (q->nchunks * OQ_CHUNK);
}

/*
 * Room for at least want (<= OQ_CHUNK) bytes at the tail: a pointer to it
 * and, in *room, how much there is.  NULL with errno ENOBUFS if the queue
 * is at its bound, ENOMEM if no chunk can be had.
 */
uint8_t *
oq_space(struct outq *q, size_t want, size_t *room)
{
	struct oq_chunk	*t = TAILQ_LAST(&q->list, oq_list);

	if (t != NULL && t->zeros == 0 && OQ_CHUNK - t->len >= want) {
		q->at = t;
		*room = OQ_CHUNK - t->len;
		return (t->data + t->len);
	}
	if (q->nchunks >= OQ_MAXCHUNKS) {
		errno = ENOBUFS;
		return (NULL);
	}
	if (q->spare == NULL &&
	    (q->spare = malloc(sizeof(*q->spare))) == NULL) {
		errno = ENOMEM;
		return (NULL);
	}
	q->spare->len = 0;
	q->spare->zeros = 0;
	q->at = q->spare;
	*room = OQ_CHUNK;
	return (q->spare->data);
}

/* n bytes were written where oq_space pointed. */
void
oq_commit(struct outq *q, size_t n)
{
	struct oq_chunk	*c = q->at;

	q->at = NULL;
	if (c == NULL || n == 0)
		return;
	if (c == q->spare) {
		TAILQ_INSERT_TAIL(&q->list, c, entry);
		q->spare = NULL;
		q->nchunks++;
	}
	c->len += n;
}

/* Append len bytes; -1 with errno as oq_space. */
int
oq_append(struct outq *q, const void *data, size_t len)
{
	uint8_t	*w;
	size_t	 room;

	if ((w = oq_space(q, len, &room)) == NULL)
		return (-1);
	memcpy(w, data, len);
	oq_commit(q, len);
	return (0);
}

/* A zero-length message after the tail; -1 if the queue is empty. */
int
oq_zero(struct outq *q)
{
	struct oq_chunk	*t = TAILQ_LAST(&q->list, oq_list);

	if (t == NULL)
		return (-1);
	t->zeros++;
	q->zeros++;
	return (0);
}

/*
 * Move the head chunk's bytes to dst (room >= OQ_CHUNK) and add the
 * zero-length messages after them to *zeros; returns the byte count.
 */
size_t
oq_take(struct outq *q, uint8_t *dst, unsigned *zeros)
{
	struct oq_chunk	*c = TAILQ_FIRST(&q->list);
	size_t		 n;

	if (c == NULL)
		return (0);
	TAILQ_REMOVE(&q->list, c, entry);
	q->nchunks--;
	n = c->len;
	memcpy(dst, c->data, n);
	*zeros += c->zeros;
	q->zeros -= c->zeros;
	free(c);
	return (n);
}

/* Drop everything (the pty hangs up). */
void
oq_clear(struct outq *q)
{
	struct oq_chunk	*c;

	while ((c = TAILQ_FIRST(&q->list)) != NULL) {
		TAILQ_REMOVE(&q->list, c, entry);
		free(c);
	}
	free(q->spare);
	oq_init(q);
}

/* Give the spare chunk back (nothing was read into it). */
void
oq_release(struct outq *q)
{
	free(q->spare);
	q->spare = q->at = NULL;
}
