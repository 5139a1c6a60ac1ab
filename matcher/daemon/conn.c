/*
 * conn.c — the daemon's connections, below evhttp.  Each one's bufferevent
 * is made here (plain, or TLS: tls.c); a tap on its input takes every byte
 * into a stage, from which frame.c reads a request's head, handed to
 * evhttp whole without its framing headers: evhttp never reads a body.
 * http_dispatch sees the framing (conn_request), checks the route, token,
 * role and length, and only then asks for the body (conn_body_read), read
 * here within the route's limit and a total for all connections
 * (max_buffered).  A request refused before its body closes the
 * connection after the reply, the body drained meanwhile.
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

#define CONN_AHEAD_MAX	(64 * 1024)	/* read ahead while a request runs */
#define CONN_BEHIND	(32 * 1024)	/* a stream's unsent output: behind */
#define CONN_LINGER_S	2		/* drain a refused body, then close */
#define CONN_BACKLOG	1024		/* connections not accepted yet */

enum conn_state {
	CONN_HEAD,		/* reading a head */
	CONN_WAIT,		/* evhttp has the head; dispatch decides */
	CONN_BODY,		/* reading the body for the dispatcher */
	CONN_REQ,		/* the request runs; what follows waits */
	CONN_DISCARD		/* nothing more is read: it closes */
};

struct conn {
	TAILQ_ENTRY(conn)	 entry;		/* in fresh or in others */
	TAILQ_ENTRY(conn)	 ready_entry;
	struct bufferevent	*bev;
	struct evbuffer_cb_entry *tap;
	struct evbuffer		*stage;		/* read, not handed on yet */
	struct evbuffer		*body;		/* the body being read */
	enum conn_state		 state;
	int			 fresh;		/* no complete request yet */
	int			 counted;	/* in nconns or nstreams */
	int			 tapping;	/* we write the input: ignore */
	int			 evicted, streaming, ready, kick, over;
	int			 unread;	/* a body declared, not read */
	time_t			 since;		/* connected, a head's first
						   byte, or the last reply */
	time_t			 gone;		/* evhttp let go, at */
	struct frame		 fr;		/* its head and body, read */
	size_t			 reserved;	/* of the total, for its body */
	int			 result;	/* of the body: 0 or a status */
	conn_body_cb		 cb;
	void			*cbarg;
	uint64_t		 token_id;	/* a stream's */
};
TAILQ_HEAD(conn_list, conn);

static struct {
	struct conn_list	 fresh;		/* by connection time */
	struct conn_list	 others;
	struct conn_list	 ready;
	struct hmap		 bybev;		/* bufferevent -> conn */
	struct hmap		 streams;	/* token id + 1 -> streams */
	struct hmap		 rate;		/* token id -> minute << 20 |
						   count */
	struct conn_limits	 lim;
	size_t			 nconns, nstreams, buffered;
	struct evconnlistener	*listener;
	struct event		*sweep_ev, *ready_ev, *resume_ev;
	time_t			 logged;	/* the last warning, at */
	int			 stopping;
} cn = {
	.fresh = TAILQ_HEAD_INITIALIZER(cn.fresh),
	.others = TAILQ_HEAD_INITIALIZER(cn.others),
	.ready = TAILQ_HEAD_INITIALIZER(cn.ready),
};

static void	reap(void);

static time_t
mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

/* Warn at most once a minute: an attack would fill the log otherwise. */
static void
warn_once(const char *what)
{
	time_t	t = mono();

	if (cn.logged != 0 && t - cn.logged < 60)
		return;
	cn.logged = t;
	log_warn("%s (%zu connections, %zu event streams)", what, cn.nconns,
	    cn.nstreams);
}

static struct conn_list *
list_of(struct conn *c)
{
	return (c->fresh ? &cn.fresh : &cn.others);
}

/* Take c out of the fresh list once it has done something. */
static void
unfresh(struct conn *c)
{
	if (!c->fresh)
		return;
	TAILQ_REMOVE(&cn.fresh, c, entry);
	c->fresh = 0;
	TAILQ_INSERT_TAIL(&cn.others, c, entry);
}

/* Take c off the budgets it was counted in. */
static void
uncount(struct conn *c)
{
	uint64_t	n;

	if (!c->counted)
		return;
	c->counted = 0;
	if (!c->streaming) {
		cn.nconns--;
		return;
	}
	cn.nstreams--;
	n = hmap_get(&cn.streams, c->token_id + 1);
	hmap_set(&cn.streams, c->token_id + 1, n > 0 ? n - 1 : 0);
}

static void
release(struct conn *c)
{
	cn.buffered -= c->reserved;
	c->reserved = 0;
}

/* Book n bytes of the total for c's body: 0, or -1 if they do not fit. */
static int
conn_reserve(struct conn *c, uint64_t n)
{
	if (n > cn.lim.max_buffered || cn.buffered > cn.lim.max_buffered - n)
		return (-1);
	cn.buffered += n;
	c->reserved += n;
	return (0);
}

static void
ready(struct conn *c)
{
	if (!c->ready) {
		c->ready = 1;
		TAILQ_INSERT_TAIL(&cn.ready, c, ready_entry);
	}
	event_active(cn.ready_ev, EV_TIMEOUT, 1);
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
	uncount(c);
	unfresh(c);
	if ((s = bufferevent_getfd(c->bev)) >= 0)
		shutdown(s, SHUT_RDWR);
}

/*
 * If the stage holds a whole head, hand it to evhttp (the framing read,
 * or a refusal noted for the dispatcher): 1 if it did, else 0.  A head
 * that does not end within CONN_HEAD_MAX bytes is refused (431).
 */
static int
take_head(struct conn *c)
{
	struct evbuffer	*out, *in;

	if (!frame_head(&c->fr, c->stage, cn.lim.max_body, &out))
		return (0);
	if (c->over)
		frame_refuse(&c->fr, ERR_BUSY, "the server has %zu "
		    "connections, "
		    "its limit: try again later", cn.lim.max_connections);
	c->fr.scan = 0;
	c->state = CONN_WAIT;
	c->tapping = 1;
	in = bufferevent_get_input(c->bev);
	if (evbuffer_add_buffer(in, out) != 0) {
		/* Its end is frozen but while the bufferevent reads. */
		evbuffer_unfreeze(in, 0);
		evbuffer_add_buffer(in, out);
		evbuffer_freeze(in, 0);
	}
	c->tapping = 0;
	evbuffer_free(out);
	return (1);
}

/* The body is read (status 0) or refused: stop reading for now. */
static void
body_end(struct conn *c, int status)
{
	c->result = status;
	c->unread = status != 0;
	c->state = status == 0 ? CONN_REQ : CONN_DISCARD;
	if (status != 0)
		evbuffer_drain(c->stage, evbuffer_get_length(c->stage));
	bufferevent_disable(c->bev, EV_READ);
}

/* frame_body's booking of the total for c's body. */
static int
body_reserve(void *arg, uint64_t n)
{
	return (conn_reserve(arg, n));
}

/* Move what the stage holds of the body into c->body: 1 once it is read
 * or refused (c->result), else 0. */
static int
body_take(struct conn *c)
{
	int	status;

	if (!frame_body(&c->fr, c->stage, c->body, body_reserve, c, &status))
		return (0);
	body_end(c, status);
	return (1);
}

/* Carry on with what the stage holds, as c's state says. */
static void
advance(struct conn *c)
{
	switch (c->state) {
	case CONN_HEAD:
		take_head(c);
		break;
	case CONN_BODY:
		if (body_take(c))
			ready(c);
		break;
	case CONN_WAIT:
	case CONN_REQ:
		/* A client sending ahead waits for the request to end. */
		if (evbuffer_get_length(c->stage) > CONN_AHEAD_MAX)
			bufferevent_disable(c->bev, EV_READ);
		break;
	case CONN_DISCARD:
		evbuffer_drain(c->stage, evbuffer_get_length(c->stage));
		break;
	}
}

/* The input's tap: every byte read comes to the stage first.  What it
 * hands on (a head) is read by evhttp once the tap returns. */
static void
tap(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*ours;

	if (info->n_added == 0 || c->tapping)
		return;
	c->tapping = 1;
	if (c->state == CONN_HEAD && !c->fresh &&
	    evbuffer_get_length(c->stage) == 0)
		c->since = mono();	/* a head starts: its deadline runs */
	if (info->orig_size == 0)
		frame_move(c->stage, in, evbuffer_get_length(in));
	else if ((ours = evbuffer_new()) != NULL) {
		/* A head we handed on is still there: take what follows. */
		evbuffer_remove_buffer(in, ours, info->orig_size);
		frame_move(c->stage, in, evbuffer_get_length(in));
		evbuffer_prepend_buffer(in, ours);
		evbuffer_free(ours);
	}
	c->tapping = 0;
	advance(c);
}

/* evhttp asks for each new connection's bufferevent here. */
static struct bufferevent *
conn_bevcb(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;
	struct conn		*c, *v;
	int			 over = 0;

	(void)arg;
	if (cn.nconns >= cn.lim.max_connections)
		reap();
	if (cn.nconns >= cn.lim.max_connections) {
		/* Make room: the oldest that completed no request, then the
		 * one idle the longest. */
		v = TAILQ_FIRST(&cn.fresh);
		if (v == NULL)
			TAILQ_FOREACH(c, &cn.others, entry)
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
	    (c->tap = evbuffer_add_cb(bufferevent_get_input(bev), tap, c)) ==
	    NULL || hmap_set(&cn.bybev, (uint64_t)(uintptr_t)bev,
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
	c->since = mono();
	c->fresh = 1;
	c->over = over;
	c->counted = 1;
	cn.nconns++;
	TAILQ_INSERT_TAIL(&cn.fresh, c, entry);
	return (bev);
}

static struct conn *
conn_find(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;

	if (req == NULL || (evcon = evhttp_request_get_connection(req)) ==
	    NULL || (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return (NULL);
	return ((struct conn *)(uintptr_t)hmap_get(&cn.bybev,
	    (uint64_t)(uintptr_t)bev));
}

/* The reply to a request went out: read the next one. */
static void
conn_complete(struct evhttp_request *req, void *arg)
{
	struct conn	*c = arg;

	(void)req;
	if (c->streaming) {		/* the stream ended cleanly */
		uncount(c);
		c->streaming = 0;
		c->counted = 1;
		cn.nconns++;
	}
	if (c->state != CONN_REQ)
		return;
	c->state = CONN_HEAD;
	c->since = mono();
	if (evbuffer_get_length(c->stage) > 0) {
		c->kick = 1;
		ready(c);
	}
}

void
conn_request(struct evhttp_request *req, struct conn_head *head)
{
	struct conn	*c;

	memset(head, 0, sizeof(*head));
	head->max_body = cn.lim.max_body;
	if ((c = conn_find(req)) == NULL)
		return;
	*head = c->fr.head;
	unfresh(c);
	if (c->state == CONN_WAIT) {
		c->state = CONN_REQ;
		c->unread = head->framing != CONN_BODY_NONE;
	}
	evhttp_request_set_on_complete_cb(req, conn_complete, c);
}

int
conn_body_read(struct evhttp_request *req, size_t limit, conn_body_cb cb,
    void *arg, struct evbuffer **body, const char **why)
{
	struct conn	*c;

	*body = NULL;
	*why = NULL;
	if ((c = conn_find(req)) == NULL || c->state != CONN_REQ || !c->unread)
		return (400);
	if (cn.stopping) {
		*why = "the server is stopping";
		return (503);
	}
	if (limit > cn.lim.max_body)
		limit = cn.lim.max_body;
	c->fr.why[0] = '\0';
	*why = c->fr.why;
	if (c->fr.head.framing == CONN_BODY_LENGTH) {
		if (c->fr.head.length > limit) {
			snprintf(c->fr.why, sizeof(c->fr.why), "the body of %llu "
			    "bytes is over the limit of %zu",
			    (unsigned long long)c->fr.head.length, limit);
			return (413);
		}
		if (conn_reserve(c, c->fr.head.length) != 0) {
			snprintf(c->fr.why, sizeof(c->fr.why), "the server holds too "
			    "many request bodies: try again later");
			return (503);
		}
		c->fr.left = c->fr.head.length;
	}
	if ((c->body = evbuffer_new()) == NULL) {
		release(c);
		snprintf(c->fr.why, sizeof(c->fr.why), "out of memory");
		return (503);
	}
	c->fr.limit = limit;
	c->fr.got = c->fr.trailer = 0;
	c->fr.chunk = FRAME_CHUNK_SIZE;
	c->state = CONN_BODY;
	if (body_take(c)) {
		if (c->result != 0) {
			evbuffer_free(c->body);
			c->body = NULL;
			release(c);
			return (c->result);
		}
		*body = c->body;
		c->body = NULL;
		release(c);
		return (0);
	}
	if (c->fr.expect && evbuffer_get_length(c->stage) == 0)
		frame_continue(c->bev, tls_on());
	c->cb = cb;
	c->cbarg = arg;
	/* evhttp stopped reading for the dispatch: read for it. */
	bufferevent_enable(c->bev, EV_READ);
	return (CONN_PENDING);
}

int
conn_reply(struct evhttp_request *req)
{
	struct conn	*c;

	if ((c = conn_find(req)) == NULL)
		return (0);
	if (!c->unread && !c->fr.head.refused && c->state != CONN_DISCARD)
		return (0);
	/* The body was not read: it is drained until the connection ends. */
	c->state = CONN_DISCARD;
	evbuffer_drain(c->stage, evbuffer_get_length(c->stage));
	return (1);
}

int
conn_stream(struct evhttp_request *req, uint64_t token_id, size_t *limit)
{
	struct conn	*c, *s, *v = NULL;
	uint64_t	 n;

	*limit = cn.lim.max_streams;
	if ((c = conn_find(req)) == NULL)
		return (CONN_STREAMS_ALL);
	n = hmap_get(&cn.streams, token_id + 1);
	if (n >= cn.lim.max_streams_per_token) {
		*limit = cn.lim.max_streams_per_token;
		c->state = CONN_DISCARD;	/* refused: it closes */
		return (CONN_STREAMS_TOKEN);
	}
	if (cn.nstreams >= cn.lim.max_streams) {
		/* The oldest stream that takes nothing in makes room. */
		TAILQ_FOREACH(s, &cn.others, entry)
			if (s->streaming && !s->evicted && evbuffer_get_length(
			    bufferevent_get_output(s->bev)) >= CONN_BEHIND &&
			    (v == NULL || s->since < v->since))
				v = s;
		if (v == NULL) {
			*limit = cn.lim.max_streams;
			c->state = CONN_DISCARD;
			warn_once("at max_streams: refusing new event streams");
			return (CONN_STREAMS_ALL);
		}
		drop(v);
		warn_once("at max_streams: dropping the streams furthest "
		    "behind");
	}
	uncount(c);
	c->streaming = 1;
	c->token_id = token_id;
	c->counted = 1;
	c->since = mono();
	c->state = CONN_DISCARD;	/* a reader sends nothing more */
	cn.nstreams++;
	hmap_set(&cn.streams, token_id + 1, n + 1);
	return (0);
}

/* Free c, once evhttp let it go and no dispatcher awaits its body. */
static void
destroy(struct conn *c)
{
	uncount(c);
	TAILQ_REMOVE(list_of(c), c, entry);
	if (c->ready)
		TAILQ_REMOVE(&cn.ready, c, ready_entry);
	hmap_set(&cn.bybev, (uint64_t)(uintptr_t)c->bev, 0);
	release(c);
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
	time_t		 t = mono();
	int		 i;

	for (i = 0; i < 2; i++)
		for (c = TAILQ_FIRST(i ? &cn.others : &cn.fresh); c != NULL;
		    c = next) {
			next = TAILQ_NEXT(c, entry);
			if (!let_go(c))
				continue;
			if (c->gone == 0) {
				c->gone = t;
				uncount(c);
			}
			if (c->cb != NULL) {	/* tell the dispatcher first */
				if (c->state == CONN_BODY) {
					c->state = CONN_DISCARD;
					c->result = -1;
					snprintf(c->fr.why, sizeof(c->fr.why), "the "
					    "connection closed before the body "
					    "was complete");
				}
				ready(c);
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
	while ((c = TAILQ_FIRST(&cn.ready)) != NULL) {
		TAILQ_REMOVE(&cn.ready, c, ready_entry);
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
			release(c);
			cb(c->cbarg, body, c->result, c->fr.why);
		}
		if (c->kick && !let_go(c)) {
			c->kick = 0;
			if (c->state == CONN_HEAD && take_head(c))
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
	time_t		 t = mono(), limit = cn.lim.header_timeout_s;

	(void)fd; (void)what; (void)arg;
	reap();
	for (c = TAILQ_FIRST(&cn.fresh); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (t - c->since < limit)
			break;		/* by connection time */
		if (c->state == CONN_HEAD)
			drop(c);
	}
	TAILQ_FOREACH(c, &cn.others, entry)
		if (!c->evicted && c->state == CONN_HEAD &&
		    evbuffer_get_length(c->stage) > 0 && t - c->since >= limit)
			drop(c);
}

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	if (cn.listener != NULL)
		evconnlistener_enable(cn.listener);
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
	if ((c = TAILQ_FIRST(&cn.fresh)) != NULL)
		drop(c);
	evconnlistener_disable(l);
	evtimer_add(cn.resume_ev, &pause);
}

int
conn_init(struct evhttp *http, struct evhttp_bound_socket *bs,
    const struct conn_limits *lim, const char *cert, const char *key,
    char **cause)
{
	static const struct timeval	second = { 1, 0 };

	*cause = NULL;
	cn.lim = *lim;
	if (cn.lim.max_connections == 0)
		cn.lim.max_connections = 1024;
	if (cn.lim.header_timeout_s <= 0)
		cn.lim.header_timeout_s = 10;
	if (cn.lim.max_body == 0)
		cn.lim.max_body = 32 << 20;
	if (cn.lim.max_buffered == 0)
		cn.lim.max_buffered = 64 << 20;
	cn.listener = evhttp_bound_socket_get_listener(bs);
	/* evhttp listens with a backlog of 128: a burst of connections
	 * would see SYNs dropped, and wait a second to retry. */
	(void)listen(evhttp_bound_socket_get_fd(bs), CONN_BACKLOG);
	if (cert != NULL && tls_init(cert, key, cause) != 0)
		return (IOD_EINVAL);
	evhttp_set_bevcb(http, conn_bevcb, NULL);
	if (cn.listener != NULL)
		evconnlistener_set_error_cb(cn.listener, accept_error);
	cn.sweep_ev = event_new(srv->base, -1, EV_PERSIST, sweep, NULL);
	cn.ready_ev = event_new(srv->base, -1, 0, ready_cb, NULL);
	cn.resume_ev = evtimer_new(srv->base, resume_cb, NULL);
	if (cn.sweep_ev == NULL || cn.ready_ev == NULL || cn.resume_ev ==
	    NULL || event_add(cn.sweep_ev, &second) != 0)
		return (IOD_ENOMEM);
	return (0);
}

void
conn_stop(void)
{
	conn_body_cb	 cb;
	struct conn	*c;
	int		 i;

	cn.stopping = 1;
	for (i = 0; i < 2; i++)
		TAILQ_FOREACH(c, i ? &cn.others : &cn.fresh, entry) {
			if ((cb = c->cb) == NULL)
				continue;
			c->cb = NULL;
			if (c->body != NULL)
				evbuffer_free(c->body);
			c->body = NULL;
			release(c);
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

	while ((c = TAILQ_FIRST(&cn.fresh)) != NULL ||
	    (c = TAILQ_FIRST(&cn.others)) != NULL)
		destroy(c);
	cn.nconns = cn.nstreams = 0;
	if (cn.sweep_ev != NULL)
		event_free(cn.sweep_ev);
	if (cn.ready_ev != NULL)
		event_free(cn.ready_ev);
	if (cn.resume_ev != NULL)
		event_free(cn.resume_ev);
	cn.sweep_ev = cn.ready_ev = cn.resume_ev = NULL;
	tls_free();
	hmap_free(&cn.bybev);
	hmap_free(&cn.streams);
	hmap_free(&cn.rate);
}

size_t
conn_count(void)
{
	return (cn.nconns + cn.nstreams);
}

/* Count a request of token id in the current minute: 0, or 1 if over. */
int
conn_over_rate(uint64_t token_id)
{
	uint64_t	minute = (uint64_t)time(NULL) / 60, v, count;

	if (cn.lim.requests_per_minute <= 0)
		return (0);
	v = hmap_get(&cn.rate, token_id + 1);
	count = (v >> 20) == (minute & 0xffffffffffULL) ? (v & 0xfffff) : 0;
	if (count >= (uint64_t)cn.lim.requests_per_minute)
		return (1);
	count++;
	hmap_set(&cn.rate, token_id + 1, (minute & 0xffffffffffULL) << 20 |
	    (count & 0xfffff));
	return (0);
}
