/*
 * notify.c — the event log, delivered to those who may read it: a stream
 * of Server-Sent Events (GET /v1/events/stream) and signed webhooks.  The
 * durable log is the only source: a subscriber is a cursor into it (the
 * last sequence number it was shown or passed over), so one that
 * reconnects with Last-Event-ID, or after a restart, misses nothing and
 * gets nothing twice.  After each turn's group commit, notify_after_turn()
 * reads the new events once (a small ring keeps them decoded, with their
 * rendering per view) and hands each subscriber what access.c lets its
 * token see, as access.c renders it; nothing here decides visibility.
 *
 * Flow control instead of queues: a subscriber's connection buffer is
 * filled up to SSE_SOFT bytes, and it is read further only once libevent
 * says that buffer drained; one that stops reading keeps its place in the
 * log, not a growing buffer, and is dropped by the write timeout (or past
 * SSE_CAP) to come back from its Last-Event-ID.  Each turn, a reader is
 * handed at most SSE_SLICE events and all readers SSE_TURN, so that a
 * catch-up from far back never holds the loop.  How many streams may be
 * open, per token and in all, is conn.c's to say.  A stream's connection
 * is never freed in its own callback: the close callback marks it, and
 * what is closed is freed after the turn.
 *
 * A webhook acts for a token or a role and scope; it is POSTed one event
 * at a time, in order, as access_event_json gives it for that scope,
 * signed X-IOD-Signature: sha256=HMAC-SHA256(secret, body), with libevent's
 * asynchronous client, and retried 1, 2, 4 ... 300 s apart until a 2xx.
 * Its cursor advances only then and is stored (committed) before the next
 * event leaves.  A connection the receiver closes (HTTP/1.0, Connection:
 * close) is replaced by a new one for the next event.  The delivery id,
 * X-IOD-Delivery, is IDENTITY-SEQ: the identity of the store that wrote
 * the event (the epochs in DB_META say which, from which seq on), so a
 * restored copy, which gets a new identity, never reuses the live store's
 * ids for other events, and names an old event as the live one did.  A
 * restored store starts with its webhooks paused until an admin resumes
 * them (POST /v1/webhooks/{id}/resume).
 *
 * Deferred write tasks (the reminders) also run here, after the commit,
 * as no write transaction may be opened during the turn.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>	/* a reply's HTTP version */
#include <event2/keyvalq_struct.h>
#include <sodium.h>

#include "matcher.h"

#define SSE_SOFT		(64 * 1024)	/* fill a buffer up to this */
#define SSE_CAP			(1024 * 1024)	/* drop a stream beyond this */
#define SSE_SCAN		4096	/* events looked at per pass per webhook */
#define SSE_SLICE		512	/* ...per turn per reader */
#define SSE_TURN		8192	/* ...per turn by all readers together */
#define SSE_RETRY_AFTER_S	5	/* a stream refused: come back then */
#define SSE_HEARTBEAT_S		15
#define SSE_WRITE_TIMEOUT_S	60	/* a reader that takes nothing in */
#define SSE_RETRY_MS		3000	/* what EventSource waits to reconnect */
#define RING			4096	/* decoded events kept; a power of 2 */
#define HOOK_MAX		256
#define HOOK_TIMEOUT_S		10
#define HOOK_BACKOFF_MAX_S	300
#define DEFER_MAX		8
#define EPOCH_TAG		'E'	/* DB_META: first seq -> identity */
#define RESTORED_REASON		"the store was restored from a copy: the " \
	"daemon it was copied from may have delivered these events already; " \
	"an admin resumes it with POST /v1/webhooks/{id}/resume, with " \
	"{\"cursor\": SEQ} to skip what the receiver has"

/* ---- the records ------------------------------------------------------- */

static int	check_url(const char *, char **);

#define FLD(f)	offsetof(struct webhook, f)
static const struct field webhook_fields[] = {
	{ "id", FT_ID, FLD(id), 0, F_RO, 0, 0, NULL, NULL, NULL },
	{ "url", FT_STR, FLD(url), 0, F_REQUIRED, 1, 2000, NULL, NULL, check_url },
	{ "token_id", FT_REF, FLD(token_id), 0, F_NULLABLE, 0, 0, NULL, NULL, NULL },
	{ "role", FT_ENUM, FLD(role), 0, F_NULLABLE, 0, 0, role_names, NULL, NULL },
	{ "subject", FT_STR, FLD(subject), 0, F_NULLABLE, 1, 64, NULL, NULL, NULL },
	{ "referent_id", FT_REF, FLD(referent_id), 0, F_NULLABLE, 0, 0, NULL, NULL, NULL },
	{ "company_id", FT_REF, FLD(company_id), 0, F_NULLABLE, 0, 0, NULL, NULL, NULL },
	{ "secret", FT_STR, FLD(secret), 0, F_REQUIRED, 16, 256, NULL, NULL, NULL },
	{ "cursor", FT_INT, FLD(cursor), 0, F_RO, 0, 0, NULL, NULL, NULL },
	{ "paused", FT_BOOL, FLD(paused), 0, F_RO, 0, 0, NULL, NULL, NULL },
	{ "paused_reason", FT_STR, FLD(paused_reason), 0, F_RO | F_NULLABLE, 0, 300, NULL, NULL, NULL },
	{ "created_at", FT_TIME, FLD(created_at), 0, F_RO, 0, 0, NULL, NULL, NULL },
	{ "updated_at", FT_TIME, FLD(updated_at), 0, F_RO, 0, 0, NULL, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL }
};
const struct schema webhook_schema = { "webhook", sizeof(struct webhook),
    webhook_fields, 1 };

/* ---- state ------------------------------------------------------------- */

enum sub_state { SUB_LIVE, SUB_CLOSED, SUB_DROP };
struct sub {				/* one SSE stream */
	TAILQ_ENTRY(sub)		 entry;
	struct evhttp_request		*req;	/* NULL once libevent has it */
	struct evhttp_connection	*evcon;	/* NULL once closed */
	struct token			 tok;	/* subject owned */
	uint64_t			 cursor;	/* last seq passed */
	enum sub_state			 state;
	int				 full;	/* waits for its buffer to drain */
};
TAILQ_HEAD(sub_list, sub);

struct hook {				/* one webhook at work */
	TAILQ_ENTRY(hook)	 entry;
	uint64_t		 id;
	char			*host, *path;
	int			 port;
	char			*secret;
	struct token		 tok;	/* the scope it acts for */
	uint64_t		 cursor;	/* last seq delivered or passed */
	uint64_t		 stored;	/* cursor as committed */
	uint64_t		 inflight;	/* seq on the wire, 0: none */
	int			 acked;		/* store the cursor now */
	int			 attempts;	/* failures of this event */
	int			 last_status;
	time_t			 next_try;	/* backing off until, 0: not */
	char			 last_error[96];
	struct evhttp_connection *evcon;
	int			 served;	/* replies on this connection */
	int			 reused;	/* in flight on a used one */
	int			 reconnect;	/* open a new one first */
	int			 paused;	/* until an admin resumes it */
	struct event		*retry;
	int			 gone, mark;
};
TAILQ_HEAD(hook_list, hook);

struct epoch {				/* events from first on: identity */
	uint64_t	 first;
	char		 id[65];
};

struct cached {				/* a decoded event and its renderings */
	uint64_t	 seq;
	struct event	 ev;
	char		*frame[2];	/* SSE frame by view */
	size_t		 len[2];
};

static struct {
	struct event_base	*base;
	struct evdns_base	*dns;
	struct sub_list		 subs;
	size_t			 nsubs;
	struct hook_list	 hooks;
	size_t			 nhooks;
	struct epoch		*epochs;	/* by first, ascending */
	size_t			 nepochs;
	struct cached		*ring;
	struct event		*pump_ev, *beat_ev;
	uint64_t		 last;		/* last seq handed out */
	int			 more;		/* someone can take more */
	int			 reap, hooks_changed, store_passed, stopped;
	struct {
		int		(*fn)(struct reqctx *);
		const char	*actor;
	}			 defer[DEFER_MAX];
	size_t			 ndefer;
} nt = {
	.subs = TAILQ_HEAD_INITIALIZER(nt.subs),
	.hooks = TAILQ_HEAD_INITIALIZER(nt.hooks),
};

/* Make the loop turn again soon, so that notify_after_turn runs. */
static void
wake(void)
{
	nt.more = 1;
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
cache_clear(struct cached *c)
{
	if (c->seq != 0)
		event_clear(&c->ev);
	free(c->frame[0]);
	free(c->frame[1]);
	memset(c, 0, sizeof(*c));
}

/* Event seq, decoded once; NULL if it cannot be read. */
static struct cached *
cache_get(struct txn *t, uint64_t seq)
{
	struct cached	*c = &nt.ring[seq & (RING - 1)];

	if (c->seq == seq)
		return (c);
	cache_clear(c);
	if (event_get(t, seq, &c->ev) != 0)
		return (NULL);
	c->seq = seq;
	return (c);
}

/* The SSE frame of c for tok: the rendering depends on the view only. */
static const char *
cache_frame(struct cached *c, const struct token *tok, size_t *len)
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

/* ---- streams ----------------------------------------------------------- */

static size_t
sub_buffered(const struct sub *s)
{
	struct bufferevent	*bev;

	bev = evhttp_connection_get_bufferevent(s->evcon);
	return (bev != NULL ? evbuffer_get_length(bufferevent_get_output(bev)) :
	    0);
}

/* The connection's buffer drained: it can take more. */
static void
sub_drained(struct evhttp_connection *evcon, void *arg)
{
	struct sub	*s = arg;

	(void)evcon;
	s->full = 0;
	if (s->cursor < nt.last)
		wake();
}

/* libevent closes the connection (the reader left, a timeout): mark it
 * for after the turn.  A request cut off mid-reply is left to us to free;
 * one still on the connection goes with it. */
static void
sub_closed(struct evhttp_connection *evcon, void *arg)
{
	struct sub	*s = arg;

	(void)evcon;
	if (s->req != NULL && evhttp_request_get_connection(s->req) != NULL)
		s->req = NULL;
	s->evcon = NULL;
	s->state = SUB_CLOSED;
	nt.reap = 1;
}

static void
sub_send(struct sub *s, struct evbuffer *buf)
{
	if (evbuffer_get_length(buf) > 0)
		evhttp_send_reply_chunk_with_cb(s->req, buf, sub_drained, s);
}

/* Hand s what it may see of the log, up to a full buffer or max events
 * looked at (a catch-up goes on at the next turn); returns how many. */
static int
sub_pump(struct sub *s, struct txn *t, struct evbuffer *buf, int max)
{
	struct cached	*c;
	const char	*frame;
	size_t		 have, len;
	int		 n;

	if ((have = sub_buffered(s)) > SSE_CAP) {
		s->state = SUB_DROP;
		nt.reap = 1;
		return (0);
	}
	for (n = 0; s->cursor < nt.last; n++) {
		if (have + evbuffer_get_length(buf) >= SSE_SOFT) {
			s->full = 1;
			break;
		}
		if (n == max) {
			nt.more = 1;
			break;
		}
		c = cache_get(t, s->cursor + 1);
		s->cursor++;
		if (c == NULL || !access_event(&s->tok, &c->ev))
			continue;
		if ((frame = cache_frame(c, &s->tok, &len)) != NULL)
			evbuffer_add(buf, frame, len);
	}
	sub_send(s, buf);
	return (n);
}

static void
sub_free(struct sub *s)
{
	TAILQ_REMOVE(&nt.subs, s, entry);
	nt.nsubs--;
	free(s->tok.subject);
	free(s);
}

/* End a stream for good: what libevent left us, or a drop. */
static void
sub_end(struct sub *s)
{
	switch (s->state) {
	case SUB_LIVE:		/* a clean end: the last chunk */
		evhttp_connection_set_closecb(s->evcon, NULL, NULL);
		evhttp_send_reply_end(s->req);
		break;
	case SUB_CLOSED:	/* cut off: the request is ours to free */
		if (s->req != NULL)
			evhttp_send_reply_end(s->req);
		break;
	case SUB_DROP:		/* too far behind: close, it comes back */
		evhttp_connection_set_closecb(s->evcon, NULL, NULL);
		evhttp_connection_free(s->evcon);	/* and its request */
		break;
	}
	sub_free(s);
}

/* Keep idle streams (and the proxies between) alive. */
static void
beat_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evbuffer	*buf;
	struct sub	*s;

	(void)fd; (void)what; (void)arg;
	nt.store_passed = 1;	/* and store webhooks' cursors */
	if ((buf = evbuffer_new()) == NULL)
		return;
	TAILQ_FOREACH(s, &nt.subs, entry) {
		if (s->state != SUB_LIVE || sub_buffered(s) > 0)
			continue;
		evbuffer_add(buf, ":\n\n", 3);
		sub_send(s, buf);
	}
	evbuffer_free(buf);
}

/* Parse a sequence number: digits only. */
static int
parse_seq(const char *s, uint64_t *out)
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
	struct sub			*s;
	const char			*last, *after;
	uint64_t			 from = 0;
	size_t				 limit = 0;

	last = evhttp_find_header(evhttp_request_get_input_headers(ctx->req),
	    "Last-Event-ID");
	after = http_query(ctx, "after");
	if (last != NULL && parse_seq(last, &from) != 0)
		return (http_error(ctx, 400, "invalid", "Last-Event-ID",
		    "Last-Event-ID: \"%.20s\" is not an event id", last));
	if (last == NULL && after != NULL && parse_seq(after, &from) != 0)
		return (http_error(ctx, 400, "invalid", "after",
		    "after: \"%.20s\" is not an event sequence number", after));
	if (last == NULL && after == NULL)
		from = event_last(ctx->txn);
	if (nt.base == NULL || nt.stopped)
		return (http_error(ctx, 503, "unavailable", NULL,
		    "the event stream is not running"));
	if ((evcon = evhttp_request_get_connection(ctx->req)) == NULL ||
	    (s = calloc(1, sizeof(*s))) == NULL)
		return (http_error(ctx, 503, "no_memory", NULL, "out of memory"));
	/* Streams have their own budget, per token and in all. */
	switch (conn_stream(ctx->req, ctx->tok.id, &limit)) {
	case 0:
		break;
	case CONN_STREAMS_TOKEN:
		free(s);
		http_retry_after(ctx, SSE_RETRY_AFTER_S);
		return (http_error(ctx, 429, "too_many_streams", NULL,
		    "this token has %zu event streams open, its limit: close "
		    "one (a stream resumes from Last-Event-ID)", limit));
	default:
		free(s);
		http_retry_after(ctx, SSE_RETRY_AFTER_S);
		return (http_error(ctx, 503, "too_many_streams", NULL,
		    "%zu event streams are open, the server's limit: try "
		    "again later", limit));
	}
	s->tok = ctx->tok;
	s->tok.subject = ctx->tok.subject != NULL ? strdup(ctx->tok.subject) :
	    NULL;
	s->req = ctx->req;
	s->evcon = evcon;
	s->cursor = from;
	h = evhttp_request_get_output_headers(ctx->req);
	evhttp_add_header(h, "Content-Type", "text/event-stream; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	evhttp_send_reply_start(ctx->req, 200, "OK");
	evhttp_connection_set_closecb(evcon, sub_closed, s);
	/* No read deadline (a reader sends nothing more); a write one. */
	if ((bev = evhttp_connection_get_bufferevent(evcon)) != NULL)
		bufferevent_set_timeouts(bev, NULL, &wtv);
	TAILQ_INSERT_TAIL(&nt.subs, s, entry);
	nt.nsubs++;
	if ((buf = evbuffer_new()) != NULL) {
		evbuffer_add_printf(buf, "retry: %d\n: events after %llu\n\n",
		    SSE_RETRY_MS, (unsigned long long)from);
		sub_send(s, buf);
		evbuffer_free(buf);
	}
	wake();
	ctx->req = NULL;	/* answered, and kept */
	ctx->status = 200;
	return (200);
}

/* ---- webhooks ---------------------------------------------------------- */

static int
check_url(const char *s, char **cause)
{
	struct evhttp_uri	*u;
	const char		*scheme = NULL, *host = NULL, *why = NULL;
	int			 port = -1;

	if ((u = evhttp_uri_parse(s)) != NULL) {
		scheme = evhttp_uri_get_scheme(u);
		host = evhttp_uri_get_host(u);
		port = evhttp_uri_get_port(u);
	}
	if (u == NULL || scheme == NULL || host == NULL || *host == '\0')
		why = "is not a URL (expected http://host:port/path)";
	else if (strcasecmp(scheme, "http") != 0)
		why = "is not an http:// URL (TLS is not supported: expected "
		    "http://host:port/path)";
	else if (evhttp_uri_get_userinfo(u) != NULL)
		why = "carries a user name (expected http://host:port/path; "
		    "the secret signs the deliveries)";
	else if (port == 0 || port > 65535)
		why = "has no valid port (expected 1 to 65535)";
	if (u != NULL)
		evhttp_uri_free(u);
	if (why == NULL)
		return (0);
	if (asprintf(cause, "\"%.80s\" %s", s, why) == -1)
		*cause = NULL;
	return (IOD_EINVAL);
}

/* The token of id, if it is still valid; 0 or IOD_ENOTFOUND. */
static int
token_by_id(struct txn *t, uint64_t id, struct token *tok)
{
	uint8_t		 k[17], hash[32];
	const void	*v;
	size_t		 len;

	memset(tok, 0, sizeof(*tok));
	if (store_get(t, DB_INDEX, k, key_idx(k, IDX_TOKEN_ID, id, 0), &v,
	    &len) != 0 || len != sizeof(hash))
		return (IOD_ENOTFOUND);
	memcpy(hash, v, sizeof(hash));
	if (store_get(t, DB_TOKENS, hash, sizeof(hash), &v, &len) != 0 ||
	    rec_decode(&token_schema, tok, v, len) != 0 || tok->revoked ||
	    (tok->expires_on != 0 && tok->expires_on < date_today())) {
		rec_clear(&token_schema, tok);
		return (IOD_ENOTFOUND);
	}
	return (0);
}

/* The identity of the store that wrote event seq. */
static const char *
epoch_of(uint64_t seq)
{
	size_t	i;

	for (i = nt.nepochs; i > 0; i--)
		if (nt.epochs[i - 1].first <= seq)
			return (nt.epochs[i - 1].id);
	/* Written before identities were kept: by the first one. */
	return (nt.nepochs > 0 ? nt.epochs[0].id : store_identity(srv->st));
}

static int
epoch_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct epoch	*e;

	(void)arg;
	if (kl != 9 || vl == 0 || vl >= sizeof(e->id))
		return (0);
	if ((e = reallocarray(nt.epochs, nt.nepochs + 1, sizeof(*e))) == NULL)
		return (IOD_ENOMEM);
	nt.epochs = e;
	e += nt.nepochs++;
	e->first = key_get_u64((const uint8_t *)k + 1);
	memcpy(e->id, v, vl);
	e->id[vl] = '\0';
	return (0);
}

/* Read the epochs of the store's identities. */
static int
epochs_load(struct txn *t)
{
	uint8_t	k[1] = { EPOCH_TAG };

	free(nt.epochs);
	nt.epochs = NULL;
	nt.nepochs = 0;
	return (store_scan(t, DB_META, k, 1, 1, epoch_cb, NULL));
}

static int
paused_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct webhook	 w;
	uint64_t	*ids = arg;

	(void)k; (void)kl;
	memset(&w, 0, sizeof(w));
	w.role = -1;
	if (rec_decode(&webhook_schema, &w, v, vl) == 0 && !w.paused &&
	    ids[0] < HOOK_MAX)
		ids[++ids[0]] = w.id;
	rec_clear(&webhook_schema, &w);
	return (0);
}

int
notify_settle(struct txn *t)
{
	const char	*id = store_identity(srv->st);
	struct webhook	 w;
	uint64_t	 ids[HOOK_MAX + 1];
	uint8_t		 k[9];
	size_t		 i;
	int		 rc, moved;

	if ((rc = epochs_load(t)) != 0)
		return (rc);
	/* A new identity since the last start: a copy (store.c says when),
	 * even if a start of it failed before this was committed. */
	moved = nt.nepochs > 0 && strcmp(nt.epochs[nt.nepochs - 1].id, id) != 0;
	if (nt.nepochs == 0 || moved) {
		k[0] = EPOCH_TAG;
		key_u64(k + 1, event_last(t) + 1);
		if ((rc = store_put(t, DB_META, k, sizeof(k), id,
		    strlen(id))) != 0 || (rc = epochs_load(t)) != 0)
			return (rc);
	}
	if (!store_restored(srv->st) && !moved)
		return (0);
	ids[0] = 0;
	store_scan(t, DB_WEBHOOKS, NULL, 0, 0, paused_cb, ids);
	for (i = 1; i <= ids[0]; i++) {
		memset(&w, 0, sizeof(w));
		w.role = -1;
		if (store_get_rec(t, DB_WEBHOOKS, ids[i], &webhook_schema,
		    &w) == 0) {
			w.paused = 1;
			free(w.paused_reason);
			w.paused_reason = strdup(RESTORED_REASON);
			w.updated_at = (int64_t)time(NULL);
			store_put_rec(t, DB_WEBHOOKS, w.id, &webhook_schema,
			    &w);
		}
		rec_clear(&webhook_schema, &w);
	}
	if (ids[0] > 0)
		log_warn("store: a restored copy: %llu webhooks paused until "
		    "an admin resumes each (POST /v1/webhooks/{id}/resume)",
		    (unsigned long long)ids[0]);
	return (t->rc);
}

static struct hook *
hook_find(uint64_t id)
{
	struct hook	*h;

	TAILQ_FOREACH(h, &nt.hooks, entry)
		if (h->id == id)
			return (h);
	return (NULL);
}

static void
hook_retry(evutil_socket_t fd, short what, void *arg)
{
	struct hook	*h = arg;

	(void)fd; (void)what;
	h->next_try = 0;
	wake();
}

static struct hook *
hook_new(const struct webhook *w)
{
	struct evhttp_uri	*u;
	struct hook		*h;
	const char		*path, *query;

	if ((u = evhttp_uri_parse(w->url)) == NULL)
		return (NULL);
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		evhttp_uri_free(u);
		return (NULL);
	}
	h->id = w->id;
	h->host = strdup(evhttp_uri_get_host(u));
	h->port = evhttp_uri_get_port(u) > 0 ? evhttp_uri_get_port(u) : 80;
	path = evhttp_uri_get_path(u);
	query = evhttp_uri_get_query(u);
	if (asprintf(&h->path, "%s%s%s", path != NULL && *path != '\0' ? path :
	    "/", query != NULL ? "?" : "", query != NULL ? query : "") == -1)
		h->path = NULL;
	evhttp_uri_free(u);
	h->secret = strdup(w->secret);
	h->tok.id = w->token_id;
	h->tok.role = w->role;
	h->tok.subject = w->subject != NULL ? strdup(w->subject) : NULL;
	h->tok.referent_id = w->referent_id;
	h->tok.company_id = w->company_id;
	h->cursor = h->stored = (uint64_t)w->cursor;
	h->paused = w->paused;
	h->retry = evtimer_new(nt.base, hook_retry, h);
	if (h->host == NULL || h->path == NULL || h->secret == NULL ||
	    h->retry == NULL) {
		if (h->retry != NULL)
			event_free(h->retry);
		free(h->host);
		free(h->path);
		free(h->secret);
		free(h->tok.subject);
		free(h);
		return (NULL);
	}
	return (h);
}

static void
hook_free(struct hook *h)
{
	TAILQ_REMOVE(&nt.hooks, h, entry);
	nt.nhooks--;
	if (h->evcon != NULL)	/* cancels what is in flight, silently */
		evhttp_connection_free(h->evcon);
	event_free(h->retry);
	if (h->secret != NULL)
		sodium_memzero(h->secret, strlen(h->secret));
	free(h->secret);
	free(h->host);
	free(h->path);
	free(h->tok.subject);
	free(h);
}

static void
hook_failed(struct hook *h, int status, const char *why)
{
	struct timeval	tv = { 1, 0 };
	int		shift;

	h->attempts++;
	h->last_status = status;
	snprintf(h->last_error, sizeof(h->last_error), "%s", why);
	shift = h->attempts - 1 < 9 ? h->attempts - 1 : 9;
	tv.tv_sec = (time_t)1 << shift;
	if (tv.tv_sec > HOOK_BACKOFF_MAX_S)
		tv.tv_sec = HOOK_BACKOFF_MAX_S;
	h->next_try = time(NULL) + tv.tv_sec;
	evtimer_add(h->retry, &tv);
	log_warn("webhook %llu: event %llu: %s; try %d again in %lds",
	    (unsigned long long)h->id, (unsigned long long)(h->cursor + 1),
	    why, h->attempts + 1, (long)tv.tv_sec);
}

/* Is word one of the comma-separated tokens of the header value v? */
static int
header_has(const char *v, const char *word)
{
	size_t	n = strlen(word), len;

	while (v != NULL && *v != '\0') {
		v += strspn(v, " \t,");
		len = strcspn(v, " \t,");
		if (len == n && strncasecmp(v, word, n) == 0)
			return (1);
		v += len;
	}
	return (0);
}

/*
 * Does the receiver close the connection after this reply?  It says so
 * (Connection: close), or speaks HTTP/1.0 without keep-alive, or ends the
 * body by closing.  libevent's client heeds only the first: the others
 * would leave a dead connection for the next event.
 */
static int
hook_closes(struct evhttp_request *req)
{
	struct evkeyvalq	*hd = evhttp_request_get_input_headers(req);
	const char		*conn = evhttp_find_header(hd, "Connection");
	int			 code = evhttp_request_get_response_code(req);

	if (header_has(conn, "close"))
		return (1);
	if (req->major == 1 && req->minor == 0 && !header_has(conn,
	    "keep-alive"))
		return (1);
	if (code < 200 || code == 204 || code == 304)	/* no body */
		return (0);
	return (evhttp_find_header(hd, "Content-Length") == NULL &&
	    evhttp_find_header(hd, "Transfer-Encoding") == NULL);
}

/* The receiver answered, or the connection failed (req NULL). */
static void
hook_done(struct evhttp_request *req, void *arg)
{
	struct hook	*h = arg;
	uint64_t	 seq = h->inflight;
	char		 why[64];
	int		 code;

	code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	h->inflight = 0;
	if (h->gone)
		return;
	if (code == 0) {
		h->served = 0;	/* libevent closed it */
		if (h->reused) {
			/* The receiver closed a kept-alive connection as
			 * the event went out: send it again at once, on a
			 * new one. */
			log_debug("webhook %llu: connection closed by the "
			    "receiver, opening another",
			    (unsigned long long)h->id);
			h->reused = 0;
			h->reconnect = 1;
			wake();
			return;
		}
	} else if (hook_closes(req))
		h->reconnect = 1;
	else
		h->served++;
	if (code >= 200 && code <= 299) {
		h->cursor = seq;
		h->acked = 1;
		h->attempts = 0;
		h->last_status = code;
		h->last_error[0] = '\0';
		wake();
		return;
	}
	if (code == 0)
		snprintf(why, sizeof(why), "no answer");
	else
		snprintf(why, sizeof(why), "HTTP %d", code);
	hook_failed(h, code, why);
}

/* POST one event to the receiver. */
static void
hook_send(struct hook *h, const struct cached *c)
{
	crypto_auth_hmacsha256_state	 st;
	struct evhttp_request		*req;
	struct evkeyvalq		*hd;
	uint8_t				 mac[crypto_auth_hmacsha256_BYTES];
	char				 hex[2 * sizeof(mac) + 1], sig[80];
	char				 seq[96], id[24], hostport[300];
	json_t				*j;
	char				*body;
	size_t				 len;

	if ((j = access_event_json(&h->tok, &c->ev)) == NULL)
		return;
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (body == NULL)
		return;
	len = strlen(body);
	crypto_auth_hmacsha256_init(&st, (const uint8_t *)h->secret,
	    strlen(h->secret));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	snprintf(sig, sizeof(sig), "sha256=%s", hex);
	snprintf(seq, sizeof(seq), "%s-%llu", epoch_of(c->seq),
	    (unsigned long long)c->seq);
	snprintf(id, sizeof(id), "%llu", (unsigned long long)h->id);
	snprintf(hostport, sizeof(hostport), strchr(h->host, ':') != NULL ?
	    "[%s]:%d" : "%s:%d", h->host, h->port);
	if (h->evcon != NULL && h->reconnect) {
		evhttp_connection_free(h->evcon);	/* idle, and closed */
		h->evcon = NULL;
	}
	h->reconnect = 0;
	if (h->evcon == NULL) {
		h->served = 0;
		h->evcon = evhttp_connection_base_new(nt.base, nt.dns, h->host,
		    (unsigned short)h->port);
		if (h->evcon == NULL) {
			free(body);
			hook_failed(h, 0, "cannot make a connection");
			return;
		}
		evhttp_connection_set_timeout(h->evcon, HOOK_TIMEOUT_S);
		evhttp_connection_set_retries(h->evcon, 0);
	}
	if ((req = evhttp_request_new(hook_done, h)) == NULL) {
		free(body);
		hook_failed(h, 0, "out of memory");
		return;
	}
	hd = evhttp_request_get_output_headers(req);
	evhttp_add_header(hd, "Host", hostport);
	evhttp_add_header(hd, "User-Agent", "iodd");
	evhttp_add_header(hd, "Content-Type", "application/json");
	evhttp_add_header(hd, "X-IOD-Event", c->ev.type);
	evhttp_add_header(hd, "X-IOD-Delivery", seq);
	evhttp_add_header(hd, "X-IOD-Webhook", id);
	evhttp_add_header(hd, "X-IOD-Signature", sig);
	evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	free(body);
	h->inflight = c->seq;
	h->reused = h->served > 0;
	if (evhttp_make_request(h->evcon, req, EVHTTP_REQ_POST, h->path) != 0) {
		h->inflight = 0;
		h->served = 0;
		hook_failed(h, 0, "cannot connect");
	}
}

/* Deliver the next event the hook's scope may see, if any. */
static void
hook_pump(struct hook *h, struct txn *t)
{
	struct token	 tok;
	struct cached	*c;
	int		 n;

	if (h->tok.id != 0) {
		if (token_by_id(t, h->tok.id, &tok) != 0) {
			snprintf(h->last_error, sizeof(h->last_error),
			    "token %llu is revoked or expired: paused",
			    (unsigned long long)h->tok.id);
			return;
		}
		rec_clear(&token_schema, &tok);
	}
	for (n = 0; h->cursor < nt.last; n++) {
		if (n == SSE_SCAN) {
			nt.more = 1;
			return;
		}
		c = cache_get(t, h->cursor + 1);
		if (c == NULL || !access_event(&h->tok, &c->ev)) {
			h->cursor++;
			continue;
		}
		hook_send(h, c);
		return;
	}
}

static int
sync_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct webhook	 w;
	struct hook	*h;

	(void)k; (void)kl; (void)arg;
	memset(&w, 0, sizeof(w));
	w.role = -1;
	if (rec_decode(&webhook_schema, &w, v, vl) == 0 && w.role >= 0) {
		if ((h = hook_find(w.id)) == NULL &&
		    (h = hook_new(&w)) != NULL) {
			TAILQ_INSERT_TAIL(&nt.hooks, h, entry);
			nt.nhooks++;
		} else if (h != NULL && h->paused && !w.paused) {
			/* Resumed, maybe from another cursor: a paused hook
			 * moved none, so the record's is the one. */
			h->cursor = h->stored = (uint64_t)w.cursor;
			h->paused = 0;
		}
		if (h != NULL)
			h->mark = 1;
	}
	rec_clear(&webhook_schema, &w);
	return (0);
}

/* Bring the hooks at work in step with DB_WEBHOOKS. */
static void
hooks_sync(void)
{
	struct hook	*h;
	struct txn	 t;

	if (store_begin(srv->st, &t, 0, NULL) != 0)
		return;
	TAILQ_FOREACH(h, &nt.hooks, entry)
		h->mark = 0;
	store_scan(&t, DB_WEBHOOKS, NULL, 0, 0, sync_cb, NULL);
	store_abort(&t);
	TAILQ_FOREACH(h, &nt.hooks, entry)
		if (!h->mark && !h->gone) {
			h->gone = 1;
			nt.reap = 1;
		}
	wake();
}

/* Commit the cursors that moved: at once those acknowledged (before the
 * next event leaves), the others when all is true. */
static void
hooks_store(int all)
{
	struct webhook	 w;
	struct hook	*h;
	struct txn	 t;
	int		 rc, any = 0;

	TAILQ_FOREACH(h, &nt.hooks, entry)
		if (!h->gone && h->cursor != h->stored && (h->acked || all))
			any = 1;
	if (!any || store_begin(srv->st, &t, 1, NULL) != 0)
		return;
	TAILQ_FOREACH(h, &nt.hooks, entry) {
		if (h->gone || h->cursor == h->stored || !(h->acked || all))
			continue;
		memset(&w, 0, sizeof(w));
		w.role = -1;
		if (store_get_rec(&t, DB_WEBHOOKS, h->id, &webhook_schema,
		    &w) == 0) {
			w.cursor = (int64_t)h->cursor;
			w.updated_at = (int64_t)time(NULL);
			store_put_rec(&t, DB_WEBHOOKS, h->id, &webhook_schema,
			    &w);
		}
		rec_clear(&webhook_schema, &w);
	}
	if ((rc = store_commit(&t)) != 0) {
		log_warn("webhook cursors not stored: %s", iod_strerror(rc));
		return;		/* tried again next turn */
	}
	TAILQ_FOREACH(h, &nt.hooks, entry)
		if (!h->gone && (h->acked || all)) {
			h->stored = h->cursor;
			h->acked = 0;
		}
}

/* What an admin reads of a webhook: never its secret. */
static json_t *
webhook_json(const struct webhook *w)
{
	struct hook	*h = hook_find(w->id);
	json_t		*j = rec_to_json(&webhook_schema, w, VIEW_FULL);

	json_object_del(j, "secret");
	if (h != NULL && !h->gone) {
		json_object_set_new(j, "cursor",
		    json_integer((json_int_t)h->cursor));
		json_object_set_new(j, "failures", json_integer(h->attempts));
		json_object_set_new(j, "last_status",
		    json_integer(h->last_status));
		json_object_set_new(j, "last_error", h->last_error[0] != '\0' ?
		    json_string(h->last_error) : json_null());
		json_object_set_new(j, "next_try_at", h->next_try != 0 ?
		    json_integer((json_int_t)h->next_try) : json_null());
	}
	return (j);
}

static int
webhook_invalid(struct reqctx *ctx, struct webhook *w, const char *field,
    const char *msg)
{
	rec_clear(&webhook_schema, w);
	return (http_error(ctx, 400, "invalid", field, "%s: %s", field, msg));
}

/* Does a record of db with this id exist? */
static int
exists(struct txn *t, enum store_db db, uint64_t id)
{
	const void	*v;
	size_t		 len;

	return (id != 0 && store_get_id(t, db, id, &v, &len) == 0);
}

int
api_webhook_create(struct reqctx *ctx)
{
	struct webhook	 w;
	struct token	 tok;
	char		*field, *cause;
	uint64_t	 seq;
	int		 rc;

	memset(&w, 0, sizeof(w));
	w.role = -1;
	if ((rc = rec_from_json(&webhook_schema, &w, ctx->body, &field,
	    &cause)) != 0) {
		if (rc == IOD_ENOMEM)
			http_error(ctx, 503, "no_memory", NULL, "out of memory");
		else
			http_error(ctx, 400, "invalid", field, "%s", cause);
		free(field);
		free(cause);
		rec_clear(&webhook_schema, &w);
		return (ctx->status);
	}
	if (w.token_id != 0) {
		if (w.role >= 0 || w.subject != NULL || w.referent_id != 0 ||
		    w.company_id != 0)
			return (webhook_invalid(ctx, &w, "token_id", "give "
			    "token_id, or role and its scope, not both"));
		if (token_by_id(ctx->txn, w.token_id, &tok) != 0)
			return (webhook_invalid(ctx, &w, "token_id", "no valid "
			    "token has this id"));
		w.role = tok.role;
		w.subject = tok.subject;
		tok.subject = NULL;
		w.referent_id = tok.referent_id;
		w.company_id = tok.company_id;
		rec_clear(&token_schema, &tok);
	}
	switch (w.role) {
	case -1:
		return (webhook_invalid(ctx, &w, "role", "is required, or "
		    "token_id (the scope the webhook acts for)"));
	case ROLE_REFERENT:
		if (!exists(ctx->txn, DB_REFERENTS, w.referent_id))
			return (webhook_invalid(ctx, &w, "referent_id", "a "
			    "referent's webhook needs the id of an existing "
			    "referent"));
		break;
	case ROLE_COMPANY:
		if (!exists(ctx->txn, DB_COMPANIES, w.company_id))
			return (webhook_invalid(ctx, &w, "company_id", "a "
			    "company's webhook needs the id of an existing "
			    "company"));
		break;
	case ROLE_IOD:
		if (w.subject == NULL)
			return (webhook_invalid(ctx, &w, "subject", "a chargé "
			    "de mission's webhook needs the subject (e.g. "
			    "cm-martin) whose offers it follows"));
		break;
	case ROLE_AUDITOR:
		return (webhook_invalid(ctx, &w, "role", "an auditor is told "
		    "of no events (expected admin, iod, referent or company)"));
	}
	if (store_count(ctx->txn, DB_WEBHOOKS) >= HOOK_MAX) {
		rec_clear(&webhook_schema, &w);
		return (http_error(ctx, 409, "too_many_webhooks", NULL,
		    "%d webhooks exist already", HOOK_MAX));
	}
	w.id = store_next_id(ctx->txn, DB_WEBHOOKS);
	w.created_at = w.updated_at = (int64_t)time(NULL);
	/* It hears of what happens after it was made. */
	seq = event_append(ctx->txn, "webhook.created", "webhook", w.id,
	    ctx->actor, NULL);
	w.cursor = (int64_t)seq;
	store_put_rec(ctx->txn, DB_WEBHOOKS, w.id, &webhook_schema, &w);
	if (ctx->txn->rc != 0) {
		rec_clear(&webhook_schema, &w);
		return (http_store_error(ctx, ctx->txn->rc));
	}
	nt.hooks_changed = 1;
	http_reply(ctx, 201, webhook_json(&w));
	rec_clear(&webhook_schema, &w);
	return (201);
}

static int
list_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct webhook	w;

	(void)k; (void)kl;
	memset(&w, 0, sizeof(w));
	w.role = -1;
	if (rec_decode(&webhook_schema, &w, v, vl) == 0)
		json_array_append_new(arg, webhook_json(&w));
	rec_clear(&webhook_schema, &w);
	return (0);
}

int
api_webhook_list(struct reqctx *ctx)
{
	json_t	*items = json_array();

	store_scan(ctx->txn, DB_WEBHOOKS, NULL, 0, 0, list_cb, items);
	return (http_reply(ctx, 200, json_pack("{s:o, s:n}", "items", items,
	    "next_cursor")));
}

/* The webhook of the path's {id} into w: 0, or the error's status. */
static int
webhook_load(struct reqctx *ctx, struct webhook *w)
{
	int	rc;

	memset(w, 0, sizeof(*w));
	w->role = -1;
	if ((rc = store_get_rec(ctx->txn, DB_WEBHOOKS, ctx->id, &webhook_schema,
	    w)) != 0) {
		rec_clear(&webhook_schema, w);
		if (rc == IOD_ENOTFOUND)
			return (http_error(ctx, 404, "not_found", "id",
			    "no webhook %llu", (unsigned long long)ctx->id));
		return (http_store_error(ctx, rc));
	}
	return (0);
}

int
api_webhook_get(struct reqctx *ctx)
{
	struct webhook	w;
	int		rc;

	if ((rc = webhook_load(ctx, &w)) != 0)
		return (rc);
	http_reply(ctx, 200, webhook_json(&w));
	rec_clear(&webhook_schema, &w);
	return (200);
}

int
api_webhook_delete(struct reqctx *ctx)
{
	const void	*v;
	size_t		 len;

	if (store_get_id(ctx->txn, DB_WEBHOOKS, ctx->id, &v, &len) != 0)
		return (http_error(ctx, 404, "not_found", "id",
		    "no webhook %llu", (unsigned long long)ctx->id));
	store_del_id(ctx->txn, DB_WEBHOOKS, ctx->id);
	event_append(ctx->txn, "webhook.deleted", "webhook", ctx->id,
	    ctx->actor, NULL);
	if (ctx->txn->rc != 0)
		return (http_store_error(ctx, ctx->txn->rc));
	nt.hooks_changed = 1;
	return (http_reply(ctx, 204, NULL));
}

/*
 * POST /v1/webhooks/{id}/resume [{"cursor": SEQ}]: deliver again what a
 * paused webhook holds, from its cursor or from the one given (the last
 * event the receiver has).  Resuming one that runs changes nothing.
 */
int
api_webhook_resume(struct reqctx *ctx)
{
	struct webhook	 w;
	const char	*key;
	json_t		*v, *cur = NULL, *j;
	uint64_t	 last = event_last(ctx->txn);
	int		 rc;

	if (ctx->body != NULL) {
		if (!json_is_object(ctx->body))
			return (http_error(ctx, 400, "invalid", "body",
			    "body is not a JSON object (expected {\"cursor\": "
			    "SEQ} or nothing)"));
		json_object_foreach(ctx->body, key, v)
			if (strcmp(key, "cursor") != 0)
				return (http_error(ctx, 400, "invalid", key,
				    "%s: unknown field (expected cursor)", key));
		cur = json_object_get(ctx->body, "cursor");
		if (cur != NULL && (!json_is_integer(cur) ||
		    json_integer_value(cur) < 0 ||
		    (uint64_t)json_integer_value(cur) > last))
			return (http_error(ctx, 400, "invalid", "cursor",
			    "cursor: expected the sequence number of an event "
			    "(0 to %llu)", (unsigned long long)last));
	}
	if ((rc = webhook_load(ctx, &w)) != 0)
		return (rc);
	if (!w.paused) {
		rec_clear(&webhook_schema, &w);
		if (cur != NULL)
			return (http_error(ctx, 409, "not_paused", "cursor",
			    "webhook %llu is not paused: its cursor moves only "
			    "while it is", (unsigned long long)ctx->id));
		return (api_webhook_get(ctx));
	}
	w.paused = 0;
	free(w.paused_reason);
	w.paused_reason = NULL;
	if (cur != NULL)
		w.cursor = json_integer_value(cur);
	w.updated_at = (int64_t)time(NULL);
	store_put_rec(ctx->txn, DB_WEBHOOKS, w.id, &webhook_schema, &w);
	event_append(ctx->txn, "webhook.resumed", "webhook", w.id, ctx->actor,
	    NULL);
	if (ctx->txn->rc != 0) {
		rec_clear(&webhook_schema, &w);
		return (http_store_error(ctx, ctx->txn->rc));
	}
	nt.hooks_changed = 1;
	j = webhook_json(&w);	/* the hook at work learns it after the commit */
	json_object_set_new(j, "cursor", json_integer(w.cursor));
	rec_clear(&webhook_schema, &w);
	return (http_reply(ctx, 200, j));
}

/* ---- the turn's end ---------------------------------------------------- */

/* Hand every reader and every idle webhook what is new for it. */
static void
pump_all(void)
{
	struct evbuffer	*buf;
	struct txn	 t;
	struct sub	*s;
	struct hook	*h;
	uint64_t	 last;
	size_t		 n;
	int		 budget;

	if (store_begin(srv->st, &t, 0, NULL) != 0)
		return;
	last = event_last(&t);
	if (last == nt.last && !nt.more) {
		store_abort(&t);
		return;
	}
	nt.last = last;
	nt.more = 0;
	if ((buf = evbuffer_new()) == NULL) {
		store_abort(&t);
		return;
	}
	/* A slice each, SSE_TURN in all, the next turn starting where this
	 * one stopped: a catch-up from far back never holds the loop. */
	for (n = nt.nsubs, budget = SSE_TURN; n > 0 && budget > 0; n--) {
		s = TAILQ_FIRST(&nt.subs);
		TAILQ_REMOVE(&nt.subs, s, entry);
		TAILQ_INSERT_TAIL(&nt.subs, s, entry);
		if (s->state == SUB_LIVE && !s->full && s->cursor < last)
			budget -= sub_pump(s, &t, buf, budget < SSE_SLICE ?
			    budget : SSE_SLICE);
	}
	if (n > 0)
		nt.more = 1;
	TAILQ_FOREACH(h, &nt.hooks, entry)
		if (!h->gone && !h->paused && h->inflight == 0 &&
		    h->next_try == 0 && h->cursor < last)
			hook_pump(h, &t);
	evbuffer_free(buf);
	store_abort(&t);
	if (nt.more)
		wake();
}

static void
reap(void)
{
	struct sub	*s, *snext;
	struct hook	*h, *hnext;

	nt.reap = 0;
	for (s = TAILQ_FIRST(&nt.subs); s != NULL; s = snext) {
		snext = TAILQ_NEXT(s, entry);
		if (s->state != SUB_LIVE)
			sub_end(s);
	}
	for (h = TAILQ_FIRST(&nt.hooks); h != NULL; h = hnext) {
		hnext = TAILQ_NEXT(h, entry);
		if (h->gone)
			hook_free(h);
	}
}

void
notify_after_turn(void)
{
	size_t	i, n;
	int	done;

	if (nt.base == NULL || nt.stopped)
		return;
	n = nt.ndefer;
	nt.ndefer = 0;
	for (i = 0; i < n; i++)
		if ((done = server_task(nt.defer[i].fn, nt.defer[i].actor)) > 0)
			log_info("%s: %d done", nt.defer[i].actor, done);
	if (nt.hooks_changed) {
		nt.hooks_changed = 0;
		hooks_sync();
	}
	hooks_store(nt.store_passed);
	nt.store_passed = 0;
	if (nt.nsubs > 0 || nt.nhooks > 0)
		pump_all();
	if (nt.reap)
		reap();
}

void
notify_defer(int (*fn)(struct reqctx *), const char *actor)
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
	wake();
}

int
notify_init(struct event_base *base)
{
	static const struct timeval	beat = { SSE_HEARTBEAT_S, 0 };

	nt.base = base;
	if ((nt.ring = calloc(RING, sizeof(*nt.ring))) == NULL ||
	    (nt.pump_ev = event_new(base, -1, 0, pump_cb, NULL)) == NULL ||
	    (nt.beat_ev = event_new(base, -1, EV_PERSIST, beat_cb, NULL)) ==
	    NULL || event_add(nt.beat_ev, &beat) != 0)
		return (IOD_ENOMEM);
	/* Receivers' names resolve without blocking the loop. */
	if ((nt.dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE)) == NULL)
		log_warn("no DNS resolver: webhook hosts must be addresses");
	hooks_sync();
	if (nt.nhooks > 0)
		log_info("%zu webhooks", nt.nhooks);
	return (0);
}

void
notify_stop(void)
{
	struct hook	*h;

	if (nt.base == NULL || nt.stopped)
		return;
	hooks_store(1);
	nt.stopped = 1;
	while (!TAILQ_EMPTY(&nt.subs))
		sub_end(TAILQ_FIRST(&nt.subs));
	while ((h = TAILQ_FIRST(&nt.hooks)) != NULL)
		hook_free(h);
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
	if (nt.dns != NULL)
		evdns_base_free(nt.dns, 0);
	nt.dns = NULL;
	nt.base = NULL;
	free(nt.epochs);
	nt.epochs = NULL;
	nt.nepochs = 0;
}
