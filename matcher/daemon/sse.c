/*
 * sse.c — the event stream, GET /v1/events/stream: Server-Sent Events of
 * what the token may see of the event log.  The durable log is the only
 * source: a stream is a cursor into it (the last sequence number it was
 * shown or passed over), so one that reconnects with Last-Event-ID misses
 * nothing and gets nothing twice.  Flow control instead of queues: a
 * stream's connection buffer is filled up to SSE_SOFT bytes, and it is read
 * further only once libevent says that buffer drained; one that stops
 * reading keeps its place in the log, not a growing buffer, and is dropped
 * by the write timeout (or past SSE_CAP) to come back from its
 * Last-Event-ID.  Each turn, a reader is handed at most SSE_SLICE events
 * and all readers SSE_TURN, so that a catch-up from far back never holds
 * the loop.  A stream's connection is never freed in its own callback: the
 * close callback marks it, and what is closed is freed after the turn.
 * When to pump and the ring of decoded events are notify.c's; how many
 * streams may be open, per token and in all, is conn.c's; visibility and
 * rendering are access.c's.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "daemon.h"
#include "notify.h"

#define SSE_SOFT		(64 * 1024)	/* fill a buffer up to this */
#define SSE_CAP			(1024 * 1024)	/* drop a stream beyond this */
#define SSE_SLICE		512	/* events per turn per reader */
#define SSE_TURN		8192	/* ...per turn by all readers together */
#define SSE_RETRY_AFTER_S	5	/* a stream refused: come back then */
#define SSE_WRITE_TIMEOUT_S	60	/* a reader that takes nothing in */
#define SSE_RETRY_MS		3000	/* what EventSource waits to reconnect */

enum sse_state { SSE_LIVE, SSE_CLOSED, SSE_DROP };
struct sse {				/* one stream */
	TAILQ_ENTRY(sse)		 entry;
	struct evhttp_request		*req;	/* NULL once libevent has it */
	struct evhttp_connection	*evcon;	/* NULL once closed */
	struct token			 tok;	/* subject owned */
	uint64_t			 cursor;	/* last seq passed */
	uint64_t			 types;	/* evtype mask, 0: all */
	enum sse_state			 state;
	int				 full;	/* waits for its buffer to drain */
};
TAILQ_HEAD(sse_list, sse);

static struct sse_list	streams = TAILQ_HEAD_INITIALIZER(streams);
static size_t		nstreams;

size_t
sse_count(void)
{
	return (nstreams);
}

static size_t
sse_buffered(const struct sse *s)
{
	struct bufferevent	*bev;

	bev = evhttp_connection_get_bufferevent(s->evcon);
	return (bev != NULL ? evbuffer_get_length(bufferevent_get_output(bev)) :
	    0);
}

/* The connection's buffer drained: it can take more. */
static void
sse_drained(struct evhttp_connection *evcon, void *arg)
{
	struct sse	*s = arg;

	(void)evcon;
	s->full = 0;
	if (s->cursor < notify_pump.last)
		notify_wake();
}

/* libevent closes the connection (the reader left, a timeout): mark it
 * for after the turn.  A request cut off mid-reply is left to us to free;
 * one still on the connection goes with it. */
static void
sse_closed(struct evhttp_connection *evcon, void *arg)
{
	struct sse	*s = arg;

	(void)evcon;
	if (s->req != NULL && evhttp_request_get_connection(s->req) != NULL)
		s->req = NULL;
	s->evcon = NULL;
	s->state = SSE_CLOSED;
	notify_pump.reap = 1;
}

static void
sse_send(struct sse *s, struct evbuffer *buf)
{
	if (evbuffer_get_length(buf) > 0)
		evhttp_send_reply_chunk_with_cb(s->req, buf, sse_drained, s);
}

/* Hand s what it may see of the log, up to a full buffer or max events
 * looked at (a catch-up goes on at the next turn); returns how many. */
static int
sse_pump_one(struct sse *s, struct txn *t, struct evbuffer *buf, int max)
{
	struct notify_cached	*c;
	const char	*frame;
	size_t		 have, len;
	int		 n;

	if ((have = sse_buffered(s)) > SSE_CAP) {
		s->state = SSE_DROP;
		notify_pump.reap = 1;
		return (0);
	}
	for (n = 0; s->cursor < notify_pump.last; n++) {
		if (have + evbuffer_get_length(buf) >= SSE_SOFT) {
			s->full = 1;
			break;
		}
		if (n == max) {
			notify_pump.more = 1;
			break;
		}
		c = notify_cache_get(t, s->cursor + 1);
		s->cursor++;
		if (c == NULL || !evtype_match(s->types, c->ev.type) ||
		    !access_event(&s->tok, &c->ev))
			continue;
		if ((frame = notify_cache_frame(c, &s->tok, &len)) != NULL)
			evbuffer_add(buf, frame, len);
	}
	sse_send(s, buf);
	return (n);
}

static void
sse_free(struct sse *s)
{
	TAILQ_REMOVE(&streams, s, entry);
	nstreams--;
	free(s->tok.subject);
	free(s);
}

/* End a stream for good: what libevent left us, or a drop. */
static void
sse_end(struct sse *s)
{
	switch (s->state) {
	case SSE_LIVE:		/* a clean end: the last chunk */
		evhttp_connection_set_closecb(s->evcon, NULL, NULL);
		evhttp_send_reply_end(s->req);
		break;
	case SSE_CLOSED:	/* cut off: the request is ours to free */
		if (s->req != NULL)
			evhttp_send_reply_end(s->req);
		break;
	case SSE_DROP:		/* too far behind: close, it comes back */
		evhttp_connection_set_closecb(s->evcon, NULL, NULL);
		evhttp_connection_free(s->evcon);	/* and its request */
		break;
	}
	sse_free(s);
}

/* Keep idle streams (and the proxies between) alive. */
void
sse_heartbeat(void)
{
	struct evbuffer	*buf;
	struct sse	*s;

	if ((buf = evbuffer_new()) == NULL)
		return;
	TAILQ_FOREACH(s, &streams, entry) {
		if (s->state != SSE_LIVE || sse_buffered(s) > 0)
			continue;
		evbuffer_add(buf, ":\n\n", 3);
		sse_send(s, buf);
	}
	evbuffer_free(buf);
}

/* Parse a sequence number: digits only. */
static int
sse_parse_seq(const char *s, uint64_t *out)
{
	unsigned long long	 v;
	char			*end;

	if (*s < '0' || *s > '9' || strlen(s) > 19)
		return (-1);
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return (-1);
	*out = v;
	return (0);
}

/*
 * GET /v1/events/stream: the events the token may see, from Last-Event-ID
 * (or ?after=; else from now), then live.  The handler answers itself and
 * keeps the request: http_send then only frees ctx.
 */
int
api_events_stream(struct reqctx *ctx)
{
	static const struct timeval	 wtv = { SSE_WRITE_TIMEOUT_S, 0 };
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	struct evkeyvalq		*h;
	struct evbuffer			*buf;
	struct sse			*s;
	const char			*last, *after, *types;
	char				*bad = NULL;
	uint64_t			 mask = 0;
	uint64_t			 from = 0;
	size_t				 limit = 0;

	last = evhttp_find_header(evhttp_request_get_input_headers(ctx->req),
	    "Last-Event-ID");
	after = http_query(ctx, "after");
	if (last != NULL && sse_parse_seq(last, &from) != 0)
		return (http_error(ctx, ERR_INVALID, "Last-Event-ID",
		    "Last-Event-ID: \"%.20s\" is not an event id", last));
	if (last == NULL && after != NULL && sse_parse_seq(after, &from) != 0)
		return (http_error(ctx, ERR_INVALID, "after",
		    "after: \"%.20s\" is not an event sequence number", after));
	if (last == NULL && after == NULL)
		from = event_last(ctx->txn);
	if ((types = http_query(ctx, "types")) != NULL &&
	    evtype_parse(types, &mask, &bad) != 0) {
		http_error(ctx, ERR_INVALID, "types", "types: \"%s\" is not "
		    "an event type (such as proposal.created, or proposal.* "
		    "for every proposal event)", bad != NULL ? bad : "");
		free(bad);
		return (ctx->status);
	}
	if (notify_pump.base == NULL || notify_pump.stopped)
		return (http_error(ctx, ERR_UNAVAILABLE, NULL,
		    "the event stream is not running"));
	if ((evcon = evhttp_request_get_connection(ctx->req)) == NULL ||
	    (s = calloc(1, sizeof(*s))) == NULL)
		return (http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory"));
	/* Streams have their own budget, per token and in all. */
	switch (conn_stream(ctx->req, auth_budget_key(&ctx->tok), &limit)) {
	case 0:
		break;
	case CONN_STREAMS_TOKEN:
		free(s);
		http_retry_after(ctx, SSE_RETRY_AFTER_S);
		return (http_error(ctx, ERR_TOO_MANY_STREAMS, NULL,
		    "this token has %zu event streams open, its limit: close "
		    "one (a stream resumes from Last-Event-ID)", limit));
	default:
		free(s);
		http_retry_after(ctx, SSE_RETRY_AFTER_S);
		return (http_error(ctx, ERR_BUSY, NULL,
		    "%zu event streams are open, the server's limit: try "
		    "again later", limit));
	}
	s->tok = ctx->tok;
	s->tok.subject = ctx->tok.subject != NULL ? strdup(ctx->tok.subject) :
	    NULL;
	s->req = ctx->req;
	s->evcon = evcon;
	s->cursor = from;
	s->types = mask;
	h = evhttp_request_get_output_headers(ctx->req);
	evhttp_add_header(h, "Content-Type", "text/event-stream; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	evhttp_send_reply_start(ctx->req, 200, "OK");
	evhttp_connection_set_closecb(evcon, sse_closed, s);
	/* No read deadline (a reader sends nothing more); a write one. */
	if ((bev = evhttp_connection_get_bufferevent(evcon)) != NULL)
		bufferevent_set_timeouts(bev, NULL, &wtv);
	TAILQ_INSERT_TAIL(&streams, s, entry);
	nstreams++;
	if ((buf = evbuffer_new()) != NULL) {
		evbuffer_add_printf(buf, "retry: %d\n: events after %llu\n\n",
		    SSE_RETRY_MS, (unsigned long long)from);
		sse_send(s, buf);
		evbuffer_free(buf);
	}
	notify_wake();
	ctx->req = NULL;	/* answered, and kept */
	ctx->status = 200;
	return (200);
}

/* A slice each, SSE_TURN in all, the next turn starting where this one
 * stopped: a catch-up from far back never holds the loop. */
void
sse_pump(struct txn *t, uint64_t last)
{
	struct evbuffer	*buf;
	struct sse	*s;
	size_t		 n;
	int		 budget;

	if ((buf = evbuffer_new()) == NULL)
		return;
	for (n = nstreams, budget = SSE_TURN; n > 0 && budget > 0; n--) {
		s = TAILQ_FIRST(&streams);
		TAILQ_REMOVE(&streams, s, entry);
		TAILQ_INSERT_TAIL(&streams, s, entry);
		if (s->state == SSE_LIVE && !s->full && s->cursor < last)
			budget -= sse_pump_one(s, t, buf, budget < SSE_SLICE ?
			    budget : SSE_SLICE);
	}
	if (n > 0)
		notify_pump.more = 1;
	evbuffer_free(buf);
}

void
sse_reap(void)
{
	struct sse	*s, *next;

	for (s = TAILQ_FIRST(&streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->state != SSE_LIVE)
			sse_end(s);
	}
}

void
sse_stop(void)
{
	while (!TAILQ_EMPTY(&streams))
		sse_end(TAILQ_FIRST(&streams));
}
