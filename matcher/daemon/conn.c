/*
 * conn.c — the daemon's connections, below evhttp, and their budgets.
 * Each one's bufferevent is made here (plain, or TLS: tls.c), with a tap
 * on its input through which conn-read.c reads its heads and bodies; the
 * bodies held count against a total for all connections (max_buffered),
 * booked here, and a body that comes later is handed to its dispatcher
 * from the ready queue, on the next turn.
 *
 * Connections have two budgets: requests (max_connections) and event
 * streams (max_streams in all, max_streams_per_token).  At the limit, room
 * is made by dropping the connection that has done least: one that has not
 * completed a request, oldest first, then an idle one; a new stream may
 * take the place of one far behind.  A head must come whole within
 * header_timeout_s.  A sweep once a second enforces that and releases what
 * evhttp has let go (our reference keeps the bufferevent until then).
 * Requests per token per minute are counted here too.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "daemon.h"
#include "conn.h"

#define CONN_BEHIND	(32 * 1024)	/* a stream's unsent output: behind */
#define CONN_LINGER_S	2		/* drain a refused body, then close */
#define CONN_BACKLOG	1024		/* connections not accepted yet */

struct conn_all conn_all = {
	.fresh = TAILQ_HEAD_INITIALIZER(conn_all.fresh),
	.others = TAILQ_HEAD_INITIALIZER(conn_all.others),
	.ready = TAILQ_HEAD_INITIALIZER(conn_all.ready),
};

static void	reap(void);

time_t
conn_mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

/* Warn at most once a minute: an attack would fill the log otherwise. */
static void
warn_once(const char *what)
{
	time_t	t = conn_mono();

	if (conn_all.logged != 0 && t - conn_all.logged < 60)
		return;
	conn_all.logged = t;
	log_warn("%s (%zu connections, %zu event streams)", what,
	    conn_all.nconns, conn_all.nstreams);
}

static struct conn_list *
list_of(struct conn *c)
{
	return (c->fresh ? &conn_all.fresh : &conn_all.others);
}

/* Take c out of the fresh list once it has done something. */
void
conn_unfresh(struct conn *c)
{
	if (!c->fresh)
		return;
	TAILQ_REMOVE(&conn_all.fresh, c, entry);
	c->fresh = 0;
	TAILQ_INSERT_TAIL(&conn_all.others, c, entry);
}

/* Take c off the budgets it was counted in. */
void
conn_uncount(struct conn *c)
{
	uint64_t	n;

	if (!c->counted)
		return;
	c->counted = 0;
	if (!c->streaming) {
		conn_all.nconns--;
		return;
	}
	conn_all.nstreams--;
	n = hmap_get(&conn_all.streams, c->token_id + 1);
	hmap_set(&conn_all.streams, c->token_id + 1, n > 0 ? n - 1 : 0);
}

void
conn_release(struct conn *c)
{
	conn_all.buffered -= c->reserved;
	c->reserved = 0;
}

/* Book n bytes of the total for c's body: 0, or -1 if they do not fit. */
int
conn_reserve(struct conn *c, uint64_t n)
{
	if (n > conn_all.lim.max_buffered ||
	    conn_all.buffered > conn_all.lim.max_buffered - n)
		return (-1);
	conn_all.buffered += n;
	c->reserved += n;
	return (0);
}

void
conn_ready(struct conn *c)
{
	if (!c->ready) {
		c->ready = 1;
		TAILQ_INSERT_TAIL(&conn_all.ready, c, ready_entry);
	}
	event_active(conn_all.ready_ev, EV_TIMEOUT, 1);
}

/* 1 once evhttp has freed c's bufferevent (its callbacks are cleared). */
static int
let_go(struct conn *c)
{
	bufferevent_event_cb	eventcb;

	bufferevent_getcb(c->bev, NULL, NULL, &eventcb, NULL);
	return (eventcb == NULL);
}

/* Drop c: evhttp reads the end of the stream and lets go. */
static void
drop(struct conn *c)
{
	evutil_socket_t	s;

	if (c->evicted)
		return;
	c->evicted = 1;
	conn_uncount(c);
	conn_unfresh(c);
	if ((s = bufferevent_getfd(c->bev)) >= 0)
		shutdown(s, SHUT_RDWR);
}

/* evhttp asks for each new connection's bufferevent here. */
static struct bufferevent *
conn_bevcb(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;
	struct conn		*c, *v;
	int			 over = 0;

	(void)arg;
	if (conn_all.nconns >= conn_all.lim.max_connections)
		reap();
	if (conn_all.nconns >= conn_all.lim.max_connections) {
		/* Make room: the oldest that completed no request, then the
		 * one idle the longest. */
		v = TAILQ_FIRST(&conn_all.fresh);
		if (v == NULL)
			TAILQ_FOREACH(c, &conn_all.others, entry)
				if (!c->evicted && !c->streaming &&
				    c->state == CONN_HEAD &&
				    evbuffer_get_length(c->stage) == 0 &&
				    (v == NULL || c->since < v->since))
					v = c;
		if (v != NULL) {
			drop(v);
			warn_once("at max_connections: dropping the "
			    "connections that did least");
		} else {
			over = 1;
			warn_once("at max_connections: refusing new ones");
		}
	}
	if ((bev = tls_bufferevent(base)) == NULL ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
		return (NULL);
	}
	if ((c->stage = evbuffer_new()) == NULL ||
	    (c->tap = evbuffer_add_cb(bufferevent_get_input(bev), conn_tap,
	    c)) == NULL || hmap_set(&conn_all.bybev, (uint64_t)(uintptr_t)bev,
	    (uint64_t)(uintptr_t)c) != 0) {
		if (c->stage != NULL)
			evbuffer_free(c->stage);
		free(c);
		bufferevent_free(bev);
		return (NULL);
	}
	/* evhttp's read callback runs only when there is a head for it. */
	bufferevent_setwatermark(bev, EV_READ, 1, 0);
	/* Our reference keeps the memory valid until the sweep sees that
	 * evhttp has freed it (its callbacks are then cleared). */
	bufferevent_incref(bev);
	c->bev = bev;
	c->since = conn_mono();
	c->fresh = 1;
	c->over = over;
	c->counted = 1;
	conn_all.nconns++;
	TAILQ_INSERT_TAIL(&conn_all.fresh, c, entry);
	return (bev);
}

struct conn *
conn_find(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;

	if (req == NULL || (evcon = evhttp_request_get_connection(req)) ==
	    NULL || (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return (NULL);
	return ((struct conn *)(uintptr_t)hmap_get(&conn_all.bybev,
	    (uint64_t)(uintptr_t)bev));
}

int
conn_stream(struct evhttp_request *req, uint64_t token_id, size_t *limit)
{
	struct conn	*c, *s, *v = NULL;
	uint64_t	 n;

	*limit = conn_all.lim.max_streams;
	if ((c = conn_find(req)) == NULL)
		return (CONN_STREAMS_ALL);
	n = hmap_get(&conn_all.streams, token_id + 1);
	if (n >= conn_all.lim.max_streams_per_token) {
		*limit = conn_all.lim.max_streams_per_token;
		c->state = CONN_DISCARD;	/* refused: it closes */
		return (CONN_STREAMS_TOKEN);
	}
	if (conn_all.nstreams >= conn_all.lim.max_streams) {
		/* The oldest stream that takes nothing in makes room. */
		TAILQ_FOREACH(s, &conn_all.others, entry)
			if (s->streaming && !s->evicted && evbuffer_get_length(
			    bufferevent_get_output(s->bev)) >= CONN_BEHIND &&
			    (v == NULL || s->since < v->since))
				v = s;
		if (v == NULL) {
			*limit = conn_all.lim.max_streams;
			c->state = CONN_DISCARD;
			warn_once("at max_streams: refusing new event streams");
			return (CONN_STREAMS_ALL);
		}
		drop(v);
		warn_once("at max_streams: dropping the streams furthest "
		    "behind");
	}
	conn_uncount(c);
	c->streaming = 1;
	c->token_id = token_id;
	c->counted = 1;
	c->since = conn_mono();
	c->state = CONN_DISCARD;	/* a reader sends nothing more */
	conn_all.nstreams++;
	hmap_set(&conn_all.streams, token_id + 1, n + 1);
	return (0);
}

/* Free c, once evhttp let it go and no dispatcher awaits its body. */
static void
destroy(struct conn *c)
{
	conn_uncount(c);
	TAILQ_REMOVE(list_of(c), c, entry);
	if (c->ready)
		TAILQ_REMOVE(&conn_all.ready, c, ready_entry);
	hmap_set(&conn_all.bybev, (uint64_t)(uintptr_t)c->bev, 0);
	conn_release(c);
	evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->tap);
	bufferevent_decref(c->bev);
	if (c->body != NULL)
		evbuffer_free(c->body);
	evbuffer_free(c->stage);
	free(c);
}

/* Release what evhttp let go, once its dispatcher knows and its refused
 * body drained a while. */
static void
reap(void)
{
	struct conn	*c, *next;
	time_t		 t = conn_mono();
	int		 i;

	for (i = 0; i < 2; i++)
		for (c = TAILQ_FIRST(i ? &conn_all.others : &conn_all.fresh);
		    c != NULL; c = next) {
			next = TAILQ_NEXT(c, entry);
			if (!let_go(c))
				continue;
			if (c->gone == 0) {
				c->gone = t;
				conn_uncount(c);
			}
			if (c->cb != NULL) {	/* tell the dispatcher first */
				if (c->state == CONN_BODY) {
					c->state = CONN_DISCARD;
					c->result = -1;
					snprintf(c->fr.why, sizeof(c->fr.why), "the "
					    "connection closed before the body "
					    "was complete");
				}
				conn_ready(c);
				continue;
			}
			/* A body refused is drained a while, so that its
			 * sender reads the reply rather than a reset. */
			if (c->state == CONN_DISCARD && c->unread &&
			    t - c->gone < CONN_LINGER_S)
				continue;
			destroy(c);
		}
}

/* Bodies read, or failed; heads waiting for evhttp to read again. */
static void
ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evbuffer	*body;
	conn_body_cb	 cb;
	struct conn	*c;

	(void)fd; (void)what; (void)arg;
	while ((c = TAILQ_FIRST(&conn_all.ready)) != NULL) {
		TAILQ_REMOVE(&conn_all.ready, c, ready_entry);
		c->ready = 0;
		if (c->cb != NULL && c->state != CONN_BODY) {
			cb = c->cb;
			c->cb = NULL;
			body = c->body;
			c->body = NULL;
			if (c->result != 0 && body != NULL) {
				evbuffer_free(body);
				body = NULL;
			}
			conn_release(c);
			cb(c->cbarg, body, c->result, c->fr.why);
		}
		if (c->kick && !let_go(c)) {
			c->kick = 0;
			if (c->state == CONN_HEAD && conn_take_head(c))
				bufferevent_trigger(c->bev, EV_READ, 0);
		}
	}
}

/* Once a second: release what evhttp let go; drop heads past their
 * deadline. */
static void
sweep(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c, *next;
	time_t		 t = conn_mono(), limit = conn_all.lim.header_timeout_s;

	(void)fd; (void)what; (void)arg;
	reap();
	for (c = TAILQ_FIRST(&conn_all.fresh); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (t - c->since < limit)
			break;		/* by connection time */
		if (c->state == CONN_HEAD)
			drop(c);
	}
	TAILQ_FOREACH(c, &conn_all.others, entry)
		if (!c->evicted && c->state == CONN_HEAD &&
		    evbuffer_get_length(c->stage) > 0 && t - c->since >= limit)
			drop(c);
}

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	if (conn_all.listener != NULL)
		evconnlistener_enable(conn_all.listener);
}

/* accept() failed: out of descriptors, make room and pause a moment
 * rather than spin. */
static void
accept_error(struct evconnlistener *l, void *arg)
{
	static const struct timeval	 pause = { 0, 100000 };
	struct conn			*c;
	int				 err = EVUTIL_SOCKET_ERROR();

	(void)arg;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;
	warn_once("out of file descriptors: pausing new connections");
	if ((c = TAILQ_FIRST(&conn_all.fresh)) != NULL)
		drop(c);
	evconnlistener_disable(l);
	evtimer_add(conn_all.resume_ev, &pause);
}

int
conn_init(struct evhttp *http, struct evhttp_bound_socket *bs,
    const struct conn_limits *lim, const char *cert, const char *key,
    char **cause)
{
	static const struct timeval	second = { 1, 0 };

	*cause = NULL;
	conn_all.lim = *lim;
	if (conn_all.lim.max_connections == 0)
		conn_all.lim.max_connections = 1024;
	if (conn_all.lim.header_timeout_s <= 0)
		conn_all.lim.header_timeout_s = 10;
	if (conn_all.lim.max_body == 0)
		conn_all.lim.max_body = 32 << 20;
	if (conn_all.lim.max_buffered == 0)
		conn_all.lim.max_buffered = 64 << 20;
	conn_all.listener = evhttp_bound_socket_get_listener(bs);
	/* evhttp listens with a backlog of 128: a burst of connections
	 * would see SYNs dropped, and wait a second to retry. */
	(void)listen(evhttp_bound_socket_get_fd(bs), CONN_BACKLOG);
	if (cert != NULL && tls_init(cert, key, cause) != 0)
		return (IOD_EINVAL);
	evhttp_set_bevcb(http, conn_bevcb, NULL);
	if (conn_all.listener != NULL)
		evconnlistener_set_error_cb(conn_all.listener, accept_error);
	conn_all.sweep_ev = event_new(srv->base, -1, EV_PERSIST, sweep, NULL);
	conn_all.ready_ev = event_new(srv->base, -1, 0, ready_cb, NULL);
	conn_all.resume_ev = evtimer_new(srv->base, resume_cb, NULL);
	if (conn_all.sweep_ev == NULL || conn_all.ready_ev == NULL ||
	    conn_all.resume_ev == NULL ||
	    event_add(conn_all.sweep_ev, &second) != 0)
		return (IOD_ENOMEM);
	return (0);
}

void
conn_stop(void)
{
	conn_body_cb	 cb;
	struct conn	*c;
	int		 i;

	conn_all.stopping = 1;
	for (i = 0; i < 2; i++)
		TAILQ_FOREACH(c, i ? &conn_all.others : &conn_all.fresh,
		    entry) {
			if ((cb = c->cb) == NULL)
				continue;
			c->cb = NULL;
			if (c->body != NULL)
				evbuffer_free(c->body);
			c->body = NULL;
			conn_release(c);
			c->state = CONN_DISCARD;
			c->unread = 1;
			cb(c->cbarg, NULL, 503, "the server is stopping");
		}
}

/* After evhttp_free: release what is left. */
void
conn_free(void)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&conn_all.fresh)) != NULL ||
	    (c = TAILQ_FIRST(&conn_all.others)) != NULL)
		destroy(c);
	conn_all.nconns = conn_all.nstreams = 0;
	if (conn_all.sweep_ev != NULL)
		event_free(conn_all.sweep_ev);
	if (conn_all.ready_ev != NULL)
		event_free(conn_all.ready_ev);
	if (conn_all.resume_ev != NULL)
		event_free(conn_all.resume_ev);
	conn_all.sweep_ev = conn_all.ready_ev = conn_all.resume_ev = NULL;
	tls_free();
	hmap_free(&conn_all.bybev);
	hmap_free(&conn_all.streams);
	hmap_free(&conn_all.rate);
}

size_t
conn_count(void)
{
	return (conn_all.nconns + conn_all.nstreams);
}

/* Count a request of token id in the current minute: 0, or 1 if over. */
int
conn_over_rate(uint64_t token_id)
{
	uint64_t	minute = (uint64_t)time(NULL) / 60, v, count;

	if (conn_all.lim.requests_per_minute <= 0)
		return (0);
	v = hmap_get(&conn_all.rate, token_id + 1);
	count = (v >> 20) == (minute & 0xffffffffffULL) ? (v & 0xfffff) : 0;
	if (count >= (uint64_t)conn_all.lim.requests_per_minute)
		return (1);
	count++;
	hmap_set(&conn_all.rate, token_id + 1,
	    (minute & 0xffffffffffULL) << 20 | (count & 0xfffff));
	return (0);
}
