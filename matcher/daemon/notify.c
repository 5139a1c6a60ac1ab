/*
 * notify.c — the event log, delivered to those who may read it: the pump
 * that runs after each turn's group commit, reads the new events once (a
 * small ring keeps them decoded, with their rendering per view), and hands
 * them to the event stream (sse.c) and the webhooks (webhooks.c), each of
 * which holds its subscribers and their cursors into the durable log.
 * Deferred write tasks (the timers' reminders, expiries, purges, the
 * reload) also run here, after the commit, as no write transaction may be
 * opened during the turn.  What a token may see is access.c's; the
 * streams' connections are sse.c's, the receivers' webhooks.c's.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon.h"
#include "notify.h"

#define SSE_HEARTBEAT_S		15
#define RING			4096	/* decoded events kept; a power of 2 */
#define DEFER_MAX		8

struct notify_pump	notify_pump;

static struct {
	struct notify_cached	*ring;
	struct event		*pump_ev, *beat_ev;
	int			 store_passed;	/* store every cursor */
	struct {
		int		(*fn)(struct dctx *);
		const char	*actor;
	}			 defer[DEFER_MAX];
	size_t			 ndefer;
} nt;

void
notify_wake(void)
{
	notify_pump.more = 1;
	if (nt.pump_ev != NULL)
		event_active(nt.pump_ev, EV_TIMEOUT, 1);
}

static void
pump_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;	/* the turn's end does it */
}

/* ---- the ring of decoded events ---------------------------------------- */

static void
cache_clear(struct notify_cached *c)
{
	if (c->seq != 0)
		event_clear(&c->ev);
	free(c->frame[0]);
	free(c->frame[1]);
	memset(c, 0, sizeof(*c));
}

struct notify_cached *
notify_cache_get(struct txn *t, uint64_t seq)
{
	struct notify_cached	*c = &nt.ring[seq & (RING - 1)];

	if (c->seq == seq)
		return (c);
	cache_clear(c);
	if (event_get(t, seq, &c->ev) != 0)
		return (NULL);
	c->seq = seq;
	return (c);
}

/* The rendering depends on the view only. */
const char *
notify_cache_frame(struct notify_cached *c, const struct token *tok,
    size_t *len)
{
	int	 view = access_view(tok) == VIEW_COMPANY;
	json_t	*j;
	char	*s;
	int	 n;

	if (c->frame[view] == NULL) {
		if ((j = access_event_json(tok, &c->ev)) == NULL)
			return (NULL);
		s = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		if (s == NULL)
			return (NULL);
		n = asprintf(&c->frame[view], "id: %llu\ndata: %s\n\n",
		    (unsigned long long)c->seq, s);
		free(s);
		if (n == -1) {
			c->frame[view] = NULL;
			return (NULL);
		}
		c->len[view] = (size_t)n;
	}
	*len = c->len[view];
	return (c->frame[view]);
}

/* Keep idle streams (and the proxies between) alive; store the webhooks'
 * cursors that moved. */
static void
beat_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	nt.store_passed = 1;
	sse_heartbeat();
}

/* ---- the turn's end ---------------------------------------------------- */

/* Hand every reader and every idle webhook what is new for it. */
static void
pump_all(void)
{
	struct txn	 t;
	uint64_t	 last;

	if (store_begin(srv->st, &t, 0, NULL) != 0)
		return;
	last = event_last(&t);
	if (last == notify_pump.last && !notify_pump.more) {
		store_abort(&t);
		return;
	}
	notify_pump.last = last;
	notify_pump.more = 0;
	sse_pump(&t, last);
	webhook_pump(&t, last);
	store_abort(&t);
	if (notify_pump.more)
		notify_wake();
}

void
notify_after_turn(void)
{
	size_t	i, n;
	int	done;

	if (notify_pump.base == NULL || notify_pump.stopped)
		return;
	n = nt.ndefer;
	nt.ndefer = 0;
	for (i = 0; i < n; i++)
		if ((done = server_task(nt.defer[i].fn, nt.defer[i].actor)) > 0)
			log_info("%s: %d done", nt.defer[i].actor, done);
	mail_after_turn();
	webhook_sync(nt.store_passed);
	nt.store_passed = 0;
	if (sse_count() > 0 || webhook_count() > 0)
		pump_all();
	if (notify_pump.reap) {
		notify_pump.reap = 0;
		sse_reap();
		webhook_reap();
	}
}

void
notify_defer(int (*fn)(struct dctx *), const char *actor)
{
	size_t	i;

	for (i = 0; i < nt.ndefer; i++)
		if (nt.defer[i].fn == fn)
			return;
	if (nt.ndefer == DEFER_MAX) {
		log_warn("%s: too many deferred tasks, skipped", actor);
		return;
	}
	nt.defer[nt.ndefer].fn = fn;
	nt.defer[nt.ndefer].actor = actor;
	nt.ndefer++;
	notify_wake();
}

int
notify_init(struct event_base *base)
{
	static const struct timeval	beat = { SSE_HEARTBEAT_S, 0 };

	notify_pump.base = base;
	if ((nt.ring = calloc(RING, sizeof(*nt.ring))) == NULL ||
	    (nt.pump_ev = event_new(base, -1, 0, pump_cb, NULL)) == NULL ||
	    (nt.beat_ev = event_new(base, -1, EV_PERSIST, beat_cb, NULL)) ==
	    NULL || event_add(nt.beat_ev, &beat) != 0)
		return (IOD_ENOMEM);
	return (webhook_init(base));
}

void
notify_stop(void)
{
	if (notify_pump.base == NULL || notify_pump.stopped)
		return;
	webhook_stop();
	notify_pump.stopped = 1;
	sse_stop();
}

void
notify_free(void)
{
	size_t	i;

	notify_stop();
	if (nt.ring != NULL)
		for (i = 0; i < RING; i++)
			cache_clear(&nt.ring[i]);
	free(nt.ring);
	nt.ring = NULL;
	if (nt.pump_ev != NULL)
		event_free(nt.pump_ev);
	if (nt.beat_ev != NULL)
		event_free(nt.beat_ev);
	nt.pump_ev = nt.beat_ev = NULL;
	webhook_free();
	notify_pump.base = NULL;
}
