/*
 * webhooks.c — the webhooks at work: each acts for a token or a role and
 * scope, and is POSTed one event at a time, in order, as access_event_json
 * gives it for that scope, signed X-IOD-Signature: sha256=HMAC-SHA256(
 * secret, body), with libevent's asynchronous client, and retried 1, 2, 4
 * ... 300 s apart until a 2xx.  Its cursor advances only then and is
 * stored (committed) before the next event leaves.  A connection the
 * receiver closes (HTTP/1.0, Connection: close) is replaced by a new one
 * for the next event.  The delivery id, X-IOD-Delivery, is IDENTITY-SEQ:
 * the identity of the store that wrote the event (the epochs in DB_META
 * say which, from which seq on), so a restored copy, which gets a new
 * identity, never reuses the live store's ids for other events, and names
 * an old event as the live one did.  A restored store starts with its
 * webhooks paused until an admin resumes them.  When to pump is
 * notify.c's; the webhooks' resource (create, list, resume) is
 * api-webhooks.c's; visibility and rendering are access.c's.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>	/* a reply's HTTP version */
#include <event2/keyvalq_struct.h>
#include <sodium.h>

#include "daemon.h"
#include "notify.h"

#define HOOK_SCAN		4096	/* events looked at per pass */
#define HOOK_TIMEOUT_S		10
#define HOOK_BACKOFF_MAX_S	300
#define EPOCH_TAG		'E'	/* DB_META: first seq -> identity */
#define RESTORED_REASON		"the store was restored from a copy: the " \
	"daemon it was copied from may have delivered these events already; " \
	"an admin resumes it with POST /v1/webhooks/{id}/resume, with " \
	"{\"cursor\": SEQ} to skip what the receiver has"

/* ---- state ------------------------------------------------------------- */

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
	uint64_t		 types;		/* evtype mask, 0: all */
	struct event		*retry;
	int			 gone, mark;
};
TAILQ_HEAD(hook_list, hook);

struct epoch {				/* events from first on: identity */
	uint64_t	 first;
	char		 id[65];
};

static struct hook_list	 hooks = TAILQ_HEAD_INITIALIZER(hooks);
static size_t		 nhooks;
static int		 hooks_changed;
static struct evdns_base *dns;
static struct epoch	*epochs;	/* by first, ascending */
static size_t		 nepochs;

/* ---- tokens and epochs ------------------------------------------------- */

int
webhook_token(struct txn *t, uint64_t id, struct token *tok)
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


static const char *
epoch_of(uint64_t seq)
{
	size_t	i;

	for (i = nepochs; i > 0; i--)
		if (epochs[i - 1].first <= seq)
			return (epochs[i - 1].id);
	/* Written before identities were kept: by the first one. */
	return (nepochs > 0 ? epochs[0].id : store_identity(srv->st));
}

static int
epoch_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct epoch	*e;

	(void)arg;
	if (kl != 9 || vl == 0 || vl >= sizeof(e->id))
		return (0);
	if ((e = reallocarray(epochs, nepochs + 1, sizeof(*e))) == NULL)
		return (IOD_ENOMEM);
	epochs = e;
	e += nepochs++;
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

	free(epochs);
	epochs = NULL;
	nepochs = 0;
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
	    ids[0] < WEBHOOK_MAX)
		ids[++ids[0]] = w.id;
	rec_clear(&webhook_schema, &w);
	return (0);
}

int
webhook_settle(struct txn *t)
{
	const char	*id = store_identity(srv->st);
	struct webhook	 w;
	uint64_t	 ids[WEBHOOK_MAX + 1];
	uint8_t		 k[9];
	size_t		 i;
	int		 rc, moved;

	if ((rc = epochs_load(t)) != 0)
		return (rc);
	/* A new identity since the last start: a copy (store.c says when),
	 * even if a start of it failed before this was committed. */
	moved = nepochs > 0 && strcmp(epochs[nepochs - 1].id, id) != 0;
	if (nepochs == 0 || moved) {
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

	TAILQ_FOREACH(h, &hooks, entry)
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
	notify_wake();
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
	h->types = evtype_mask((const char *const *)w->types, w->ntypes);
	h->retry = evtimer_new(notify_pump.base, hook_retry, h);
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
	TAILQ_REMOVE(&hooks, h, entry);
	nhooks--;
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
			notify_wake();
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
		notify_wake();
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
hook_send(struct hook *h, const struct notify_cached *c)
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
		h->evcon = evhttp_connection_base_new(notify_pump.base, dns,
		    h->host, (unsigned short)h->port);
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
	struct notify_cached	*c;
	int		 n;

	if (h->tok.id != 0) {
		if (webhook_token(t, h->tok.id, &tok) != 0) {
			snprintf(h->last_error, sizeof(h->last_error),
			    "token %llu is revoked or expired: paused",
			    (unsigned long long)h->tok.id);
			return;
		}
		rec_clear(&token_schema, &tok);
	}
	for (n = 0; h->cursor < notify_pump.last; n++) {
		if (n == HOOK_SCAN) {
			notify_pump.more = 1;
			return;
		}
		c = notify_cache_get(t, h->cursor + 1);
		if (c == NULL || !evtype_match(h->types, c->ev.type) ||
		    !access_event(&h->tok, &c->ev)) {
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
			TAILQ_INSERT_TAIL(&hooks, h, entry);
			nhooks++;
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
hooks_load(void)
{
	struct hook	*h;
	struct txn	 t;

	if (store_begin(srv->st, &t, 0, NULL) != 0)
		return;
	TAILQ_FOREACH(h, &hooks, entry)
		h->mark = 0;
	store_scan(&t, DB_WEBHOOKS, NULL, 0, 0, sync_cb, NULL);
	store_abort(&t);
	TAILQ_FOREACH(h, &hooks, entry)
		if (!h->mark && !h->gone) {
			h->gone = 1;
			notify_pump.reap = 1;
		}
	notify_wake();
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

	TAILQ_FOREACH(h, &hooks, entry)
		if (!h->gone && h->cursor != h->stored && (h->acked || all))
			any = 1;
	if (!any || store_begin(srv->st, &t, 1, NULL) != 0)
		return;
	TAILQ_FOREACH(h, &hooks, entry) {
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
	TAILQ_FOREACH(h, &hooks, entry)
		if (!h->gone && (h->acked || all)) {
			h->stored = h->cursor;
			h->acked = 0;
		}
}


/* ---- the pump's verbs (notify.c) --------------------------------------- */

int
webhook_init(struct event_base *base)
{
	/* Receivers' names resolve without blocking the loop. */
	if ((dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE)) == NULL)
		log_warn("no DNS resolver: webhook hosts must be addresses");
	hooks_load();
	if (nhooks > 0)
		log_info("%zu webhooks", nhooks);
	return (0);
}

size_t
webhook_count(void)
{
	return (nhooks);
}

void
webhook_changed(void)
{
	hooks_changed = 1;
}

void
webhook_sync(int all)
{
	if (hooks_changed) {
		hooks_changed = 0;
		hooks_load();
	}
	hooks_store(all);
}

void
webhook_pump(struct txn *t, uint64_t last)
{
	struct hook	*h;

	TAILQ_FOREACH(h, &hooks, entry)
		if (!h->gone && !h->paused && h->inflight == 0 &&
		    h->next_try == 0 && h->cursor < last)
			hook_pump(h, t);
}

void
webhook_reap(void)
{
	struct hook	*h, *next;

	for (h = TAILQ_FIRST(&hooks); h != NULL; h = next) {
		next = TAILQ_NEXT(h, entry);
		if (h->gone)
			hook_free(h);
	}
}

void
webhook_stop(void)
{
	struct hook	*h;

	hooks_store(1);
	while ((h = TAILQ_FIRST(&hooks)) != NULL)
		hook_free(h);
}

void
webhook_free(void)
{
	if (dns != NULL)
		evdns_base_free(dns, 0);
	dns = NULL;
	free(epochs);
	epochs = NULL;
	nepochs = 0;
}

void
webhook_status(uint64_t id, json_t *j)
{
	struct hook	*h = hook_find(id);

	if (h == NULL || h->gone)
		return;
	json_object_set_new(j, "cursor", json_integer((json_int_t)h->cursor));
	json_object_set_new(j, "failures", json_integer(h->attempts));
	json_object_set_new(j, "last_status", json_integer(h->last_status));
	json_object_set_new(j, "last_error", h->last_error[0] != '\0' ?
	    json_string(h->last_error) : json_null());
	json_object_set_new(j, "next_try_at", h->next_try != 0 ?
	    json_integer((json_int_t)h->next_try) : json_null());
}
