/*
 * loop.c - xptyd's event loop: the libevent base, the loop itself with
 * adaptive busy polling, and the idle accounting that says when nothing
 * keeps the daemon running.
 *
 * Theory of operation.  One base serves the whole daemon (loop_base);
 * loop_base_new makes another with the same configuration for a file
 * that wants to ask "which of these are ready now" on its own (ctl.c).
 * The base keeps libevent off the backends that miss events on ptys on
 * this host (configure.ac's XPTY_EVENT_AVOID, names separated by spaces:
 * NetBSD's kqueue, macOS's kqueue and poll), and asks for EV_CLOSED
 * (EPOLLRDHUP), so that a client's going is seen while its bytes still
 * wait (data.c); without a method that has it, only at its end of file,
 * after them, and at XP_SYNC (a warning says so).
 *
 * Busy polling, off by default (XPTY_SPIN_US=n turns it on).  After
 * bytes moved (loop_work), the loop polls (the backend without a timeout)
 * for up to n microseconds before it sleeps: the answer to a byte just
 * relayed may come that soon, and catching it without a sleep and a
 * wakeup shortens the relay engine's round trip.  The window adapts: it
 * is reset to n when an event came inside it and halves when none did,
 * down to nothing; every SPIN_PROBE-th burst tries the full window again.
 * It is off by default because the default engine, the lease, keeps
 * xptyd off the round trip, and a spinning daemon burns its vCPU after
 * every open and every relayed burst (measured on a 2-CPU guest with 50
 * us: the relay's round trip 30-34 us against 40-53 us off, and a core's
 * worth of CPU at 20,000 trips a second; an idle daemon never spins).
 *
 * Idle accounting.  What keeps the daemon running holds the loop
 * (loop_hold(1), later loop_hold(-1)): each pty (pty.c), each data
 * connection (data.c), each control connection while a request of it is
 * under way (ctl.c; an idle one, which every client process keeps, does
 * not).  When the holds fall to zero the idle timer is armed for the time
 * loop_set_idle gave; a hold disarms it; loop_touch restarts a countdown
 * that runs (a client connected or left: more may follow).  When it
 * fires, loop_set_idle's callback runs (xptyd.c decides what to do).
 *
 * State: the base, the work counter, the holds and the idle timer.
 * Descriptors: none of its own (the backend's are libevent's).
 * Single-threaded.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xptyd.h"

#define SPIN_DEFAULT_US	0	/* off */
#define SPIN_MIN_US	5
#define SPIN_PROBE	32

static struct event_base	*loop_evbase;
static unsigned long		 loop_moved;	/* loop_work calls */
static int			 loop_nholds;
static struct event		*loop_idle_ev;
static int			 loop_idle_secs;
static void			(*loop_idle_fn)(void);

/* Avoid the methods of list (names separated by spaces). */
static void
loop_avoid(struct event_config *cfg, const char *list)
{
	char	name[16];
	size_t	n;

	while (*list != '\0') {
		n = strcspn(list, " ");
		if (n > 0 && n < sizeof(name)) {
			memcpy(name, list, n);
			name[n] = '\0';
			if (event_config_avoid_method(cfg, name) == -1)
				fatal("event_config_avoid_method");
		}
		list += n;
		list += strspn(list, " ");
	}
}

/* A base as configured here; with early, one that has EV_CLOSED. */
static struct event_base *
loop_make(int early)
{
	struct event_config	*cfg;
	struct event_base	*base;

	if ((cfg = event_config_new()) == NULL)
		fatal("event_config_new");
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
	loop_avoid(cfg, XPTY_EVENT_AVOID);
	if (early)
		event_config_require_features(cfg, EV_FEATURE_EARLY_CLOSE);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return (base);
}

void
loop_init(void)
{
	if ((loop_evbase = loop_make(1)) != NULL)
		return;
	if ((loop_evbase = loop_make(0)) == NULL)
		fatal("event_base_new_with_config");
	log_warnx("libevent %s has no EV_CLOSED: a client that leaves "
	    "unsent bytes is seen late", event_base_get_method(loop_evbase));
}

struct event_base *
loop_base(void)
{
	return (loop_evbase);
}

struct event_base *
loop_base_new(void)
{
	return (loop_make(0));
}

void
loop_work(void)
{
	loop_moved++;
}

static double
loop_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

void
loop_run(void)
{
	const char	*e = getenv("XPTY_SPIN_US");
	double		 max = e != NULL ? atof(e) : SPIN_DEFAULT_US;
	double		 win = max, until = 0, t;
	unsigned long	 seen, bursts = 0;
	int		 spinning = 0;

	if (max <= 0) {
		event_base_dispatch(loop_evbase);
		return;
	}
	for (;;) {
		seen = loop_moved;
		event_base_loop(loop_evbase, spinning ? EVLOOP_NONBLOCK :
		    EVLOOP_ONCE);
		t = loop_now_us();
		if (loop_moved != seen) {
			if (spinning)
				win = max;	/* it came while we looked */
			else if (win < SPIN_MIN_US &&
			    ++bursts % SPIN_PROBE == 0)
				win = max;	/* try again now and then */
			until = t + win;
			spinning = win >= SPIN_MIN_US;
		} else if (spinning && t >= until) {
			win /= 2;		/* nothing came: look less */
			spinning = 0;
		}
	}
}

/* ---- idle accounting ---- */

static void
loop_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	if (loop_nholds == 0 && loop_idle_fn != NULL)
		loop_idle_fn();
}

static void
loop_idle_arm(void)
{
	struct timeval	tv = { loop_idle_secs, 0 };

	if (loop_idle_ev != NULL)
		evtimer_add(loop_idle_ev, &tv);
}

/* Call fn once nothing has held the loop for secs seconds. */
void
loop_set_idle(int secs, void (*fn)(void))
{
	loop_idle_secs = secs;
	loop_idle_fn = fn;
	if (loop_idle_ev == NULL &&
	    (loop_idle_ev = evtimer_new(loop_evbase, loop_idle_cb,
	    NULL)) == NULL)
		fatal("evtimer_new");
	if (loop_nholds == 0)
		loop_idle_arm();
}

void
loop_hold(int delta)
{
	int	was = loop_nholds;

	loop_nholds += delta;
	if (loop_idle_ev == NULL)
		return;
	if (was == 0 && loop_nholds > 0)
		evtimer_del(loop_idle_ev);
	else if (was > 0 && loop_nholds == 0)
		loop_idle_arm();
}

int
loop_holds(void)
{
	return (loop_nholds);
}

/* Nothing is held, but look again in ms, not after the idle time. */
void
loop_idle_retry(int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	if (loop_idle_ev != NULL && loop_nholds == 0)
		evtimer_add(loop_idle_ev, &tv);
}

void
loop_touch(void)
{
	if (loop_idle_ev != NULL && loop_nholds == 0)
		loop_idle_arm();
}

/* ---- events that are added only while wanted ---- */

int
ev_init(struct xev *x, struct event *ev)
{
	x->ev = ev;
	x->on = 0;
	return (ev == NULL ? -1 : 0);
}

void
ev_want(struct xev *x, int on)
{
	if (on && !x->on)
		event_add(x->ev, NULL);
	else if (!on && x->on)
		event_del(x->ev);
	x->on = on;
}

void
ev_free(struct xev *x)
{
	if (x->ev != NULL)
		event_free(x->ev);
	x->ev = NULL;
	x->on = 0;
}
