/*
 * watch.c - when is a subsidiary opened again?  One watch set for the
 * whole daemon, and the ptys waiting in it.
 *
 * Theory of operation.  After the last subsidiary close the host manager
 * reports its hangup until a subsidiary is opened again (and, where the
 * host's allocator opens and closes the subsidiary itself, before the
 * first open: pty.c's first-close rule); the pty (pty.c) does not poll
 * it then but adds a watch here (host_watch_*, lib/host.h:
 * inotify IN_OPEN on Linux).  When the set polls readable, the ids that
 * fired are taken and each one's callback runs with sure = 1 (an open
 * happened, even if that subsidiary is closed again by now); when the
 * host's list of fired ids overflowed, every other watch's callback runs
 * with sure = 0 (look at the host manager).  Where the host cannot watch
 * (watch_add returns NULL), the pty looks again on a timer.  watch_poll
 * takes what fired without waiting for the loop (XP_SYNC).
 *
 * Descriptors: the watch set, this file's, open for the daemon's life.
 * State: the set, its event and the list of watches (each malloc'ed,
 * freed by watch_rm, which its owner calls).  Single-threaded.
 */
#include "config.h"

#include <stdlib.h>

#include "xptyd.h"
#include "host.h"

#define WATCH_IDS	64

struct watch {
	int			 id;		/* host_watch_add's */
	void			(*fn)(void *, int);
	void			*arg;
	LIST_ENTRY(watch)	 entry;
};

static LIST_HEAD(, watch)	 watches = LIST_HEAD_INITIALIZER(watches);
static int			 watch_fd = -1;
static struct event		*watch_ev;

static void
watch_cb(evutil_socket_t fd, short what, void *arg)
{
	watch_poll();
}

void
watch_init(void)
{
	if ((watch_fd = host_watch_open()) == -1) {
		log_warn("no reopen watch (falling back to timers)");
		return;
	}
	watch_ev = event_new(loop_base(), watch_fd, EV_READ | EV_PERSIST,
	    watch_cb, NULL);
	if (watch_ev == NULL)
		fatal("event_new");
	event_add(watch_ev, NULL);
}

/* Watch for an open of ptyno's subsidiary; NULL if the host cannot. */
struct watch *
watch_add(int ptyno, void (*fn)(void *, int), void *arg)
{
	struct watch	*w;

	if (watch_fd == -1 || (w = malloc(sizeof(*w))) == NULL)
		return (NULL);
	if ((w->id = host_watch_add(watch_fd, ptyno)) == -1) {
		free(w);
		return (NULL);
	}
	w->fn = fn;
	w->arg = arg;
	LIST_INSERT_HEAD(&watches, w, entry);
	return (w);
}

void
watch_rm(struct watch *w)
{
	host_watch_rm(watch_fd, w->id);
	LIST_REMOVE(w, entry);
	free(w);
}

/* Run the callbacks of what fired; a callback may remove its watch. */
void
watch_poll(void)
{
	struct watch	*w, *next;
	int		 ids[WATCH_IDS], n, i;

	if (watch_fd == -1)
		return;
	while ((n = host_watch_take(watch_fd, ids, WATCH_IDS)) > 0) {
		LIST_FOREACH_SAFE(w, &watches, entry, next) {
			for (i = 0; i < n && w->id != ids[i]; i++)
				;
			if (i < n)
				w->fn(w->arg, 1);
			else if (n == WATCH_IDS)
				w->fn(w->arg, 0);	/* some were dropped */
		}
		if (n < WATCH_IDS)
			break;
	}
}
