/*
 * api-accounts.c — the routes of people's accounts and sessions: signing
 * in (POST /v1/session sets the iod_session cookie: HttpOnly,
 * SameSite=Strict, Secure under TLS) and out, one's own password, and an
 * admin's accounts (create, list, read, delete, reset a password).  The
 * accounts and sessions themselves are accounts.c's; reading the cookie
 * and checking the CSRF token on writes is http.c's.  No password is ever
 * logged, echoed or put in an event.
 *
 * A password is hashed or checked by pwhash.c's threads, never on the
 * loop: the request is held (a copy of its reqctx owns the connection's
 * request, as the batch's does) while its job waits in pwhash.c's bounded
 * queue (full: 503 busy) and runs; the byte its thread writes on the pipe
 * brings it back to the loop, where it runs again (server_write) and
 * finds its answer by the copy's id.  The store is read and written only
 * there, on the loop.  Sign-ins are also counted by client address
 * (signin.c: 429 past the configured number a minute).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <sodium.h>

#include "daemon.h"
#include "conf.h"

#define COOKIE_NAME	"iod_session"
#define PW_HELD		"password:held"	/* reqctx.name of a held copy */

/* A request whose password a thread hashes or checks. */
struct pwheld {
	struct pwjob		 job;
	struct reqctx		*ctx;		/* the held copy */
	struct evhttp_connection *evcon;	/* watched while it waits */
	uint64_t		 id;		/* the path's {id} */
	uint64_t		 session_id;	/* the asking session's */
	json_t			*body;		/* the request's (a reference) */
	TAILQ_ENTRY(pwheld)	 entry;
};
TAILQ_HEAD(pwheld_list, pwheld);

static struct {
	struct pwheld_list	 waiting;	/* their jobs in pwhash.c */
	struct pwheld_list	 answers;	/* done, their request runs */
	int			 pipe[2];
	struct event		*done_ev;	/* the pipe's */
	struct event		*flush_ev;	/* sessions' last use */
	int			 per_minute;	/* sign-ins per address */
	int			 started;
} pa = {
	.waiting = TAILQ_HEAD_INITIALIZER(pa.waiting),
	.answers = TAILQ_HEAD_INITIALIZER(pa.answers),
	.pipe = { -1, -1 },
	.per_minute = 10,
};

static void
pwheld_free(struct pwheld *w)
{
	pwjob_clear(&w->job);
	json_decref(w->body);
	free(w);
}

/* The client left while its job ran: the answer is still applied (a
 * failure counts), then nothing is sent. */
static void
pw_closed(struct evhttp_connection *evcon, void *arg)
{
	struct pwheld	*w = arg;

	(void)evcon;
	w->ctx->req = NULL;
	w->evcon = NULL;
}

/* Jobs done: run each held request again, which answers. */
static void
pw_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pwjob	*j;
	struct pwheld	*w;
	char		 buf[64];

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	while ((j = pwhash_done()) != NULL) {
		w = j->arg;
		TAILQ_REMOVE(&pa.waiting, w, entry);
		if (w->evcon != NULL)
			evhttp_connection_set_closecb(w->evcon, NULL, NULL);
		w->evcon = NULL;
		TAILQ_INSERT_TAIL(&pa.answers, w, entry);
		server_write(w->ctx);
	}
}

/* Each minute: the sessions' last use to the store, after the turn. */
static void
pw_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	notify_defer(session_idle_flush, "sessions");
}

int
api_accounts_start(const struct conf *c)
{
	struct timeval	minute = { 60, 0 };
	int		threads = 2;
	size_t		queue = 32;

	session_idle_set(3600);
	if (c != NULL) {
		threads = c->sign_in_threads;
		queue = (size_t)c->sign_in_queue;
		pa.per_minute = c->sign_ins_per_minute;
		session_idle_set(c->session_idle_s > 0 ? c->session_idle_s :
		    (int64_t)c->session_idle_minutes * 60);
	}
	if (pipe2(pa.pipe, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    (pa.done_ev = event_new(srv->base, pa.pipe[0],
	    EV_READ | EV_PERSIST, pw_done_cb, NULL)) == NULL ||
	    event_add(pa.done_ev, NULL) != 0 ||
	    (pa.flush_ev = event_new(srv->base, -1, EV_PERSIST, pw_flush_cb,
	    NULL)) == NULL || event_add(pa.flush_ev, &minute) != 0 ||
	    pwhash_start(threads, queue, pa.pipe[1]) != 0)
		return (-1);
	pa.started = 1;
	return (0);
}

void
api_accounts_stop(void)
{
	struct pwjob	*j, *next;
	struct pwheld	*w;

	for (j = pwhash_stop(); j != NULL; j = next) {
		next = j->next;
		w = j->arg;
		TAILQ_REMOVE(&pa.waiting, w, entry);
		if (w->evcon != NULL)
			evhttp_connection_set_closecb(w->evcon, NULL, NULL);
		if (w->ctx->req != NULL) {
			http_error(w->ctx, ERR_UNAVAILABLE, NULL,
			    "the server is stopping: try again");
			http_retry_after(w->ctx, 5);
		}
		http_send(w->ctx);
		pwheld_free(w);
	}
	while ((w = TAILQ_FIRST(&pa.answers)) != NULL) {
		TAILQ_REMOVE(&pa.answers, w, entry);
		pwheld_free(w);
	}
	if (pa.done_ev != NULL)
		event_free(pa.done_ev);
	if (pa.flush_ev != NULL)
		event_free(pa.flush_ev);
	pa.done_ev = pa.flush_ev = NULL;
	if (pa.pipe[0] != -1) {
		close(pa.pipe[0]);
		close(pa.pipe[1]);
	}
	pa.pipe[0] = pa.pipe[1] = -1;
	pa.started = 0;
	signin_free();
	session_idle_free();
}

/*
 * Hold ctx while w's job (filled) runs: 0, ctx answered later (its req
 * now NULL); else the status of the refusal (503 when the queue is full),
 * w freed.
 */
static int
pw_hold(struct reqctx *ctx, struct pwheld *w)
{
	struct reqctx	*h;

	if (ctx->req == NULL) {
		/* Run again (its turn's commit filled the map) after it was
		 * held: its held copy answers. */
		pwheld_free(w);
		return (202);
	}
	if (!pa.started || (h = calloc(1, sizeof(*h))) == NULL) {
		pwheld_free(w);
		return (http_error(ctx, ERR_NO_MEMORY, NULL,
		    "out of memory"));
	}
	h->req = ctx->req;
	h->route = ctx->route;
	h->tok = ctx->tok;
	memcpy(h->actor, ctx->actor, sizeof(h->actor));
	h->msgpack = ctx->msgpack;
	h->started = ctx->started;
	h->by_cookie = ctx->by_cookie;
	h->session_id = ctx->session_id;
	TAILQ_INIT(&h->query);
	snprintf(h->name, sizeof(h->name), "%s", PW_HELD);
	w->ctx = h;
	w->id = ctx->id;
	w->session_id = ctx->session_id;
	w->body = json_incref(ctx->body);
	w->job.arg = w;
	if (pwhash_submit(&w->job) != 0) {
		free(h);
		pwheld_free(w);
		http_retry_after(ctx, 1);
		return (http_error(ctx, ERR_BUSY, NULL, "too many passwords "
		    "are being checked: try again in a moment"));
	}
	ctx->tok.subject = NULL;	/* h owns it now */
	TAILQ_INSERT_TAIL(&pa.waiting, w, entry);
	if ((w->evcon = evhttp_request_get_connection(ctx->req)) != NULL)
		evhttp_connection_set_closecb(w->evcon, pw_closed, w);
	ctx->req = NULL;		/* h answers it */
	ctx->status = 202;
	return (202);
}

/* The answer of held request ctx (taken off the list; caller frees), or
 * NULL after answering 503: it was dropped (the request ran again after
 * the store grew). */
static struct pwheld *
pw_answer(struct reqctx *ctx)
{
	struct pwheld	*w;

	TAILQ_FOREACH(w, &pa.answers, entry)
		if (w->ctx == ctx)
			break;
	if (w == NULL) {
		http_retry_after(ctx, 1);
		http_error(ctx, ERR_BUSY, NULL, "the request was interrupted "
		    "while the store grew; nothing was done: try again");
		return (NULL);
	}
	TAILQ_REMOVE(&pa.answers, w, entry);
	return (w);
}

/* A new pwheld, or NULL after answering 503. */
static struct pwheld *
pw_new(struct reqctx *ctx)
{
	struct pwheld	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory");
	return (w);
}

/* The client's address as signin.c counts it: 4 bytes of IPv4, the /64
 * of IPv6; its length, or 0 if unknown. */
static size_t
peer_key(struct reqctx *ctx, uint8_t out[16])
{
	struct evhttp_connection *evcon;
	const struct sockaddr	*sa;

	if (ctx->req == NULL ||
	    (evcon = evhttp_request_get_connection(ctx->req)) == NULL ||
	    (sa = evhttp_connection_get_addr(evcon)) == NULL)
		return (0);
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, 4);
		return (4);
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr, 8);
		return (8);
	}
	return (0);
}

/* Add the session cookie (max_age 0: clear it) to the reply. */
static void
set_cookie(struct reqctx *ctx, const char *secret, int64_t max_age)
{
	char	buf[256];

	if (ctx->req == NULL)		/* the client left */
		return;
	snprintf(buf, sizeof(buf), COOKIE_NAME "=%s; Path=/; HttpOnly; "
	    "SameSite=Strict; Max-Age=%lld%s", secret, (long long)max_age,
	    tls_on() ? "; Secure" : "");
	evhttp_add_header(evhttp_request_get_output_headers(ctx->req),
	    "Set-Cookie", buf);
	sodium_memzero(buf, sizeof(buf));
}

/* The string member key of the body, or NULL after answering 400. */
static const char *
body_str(struct reqctx *ctx, const char *key)
{
	json_t	*v = json_object_get(ctx->body, key);

	if (!json_is_object(ctx->body)) {
		http_error(ctx, ERR_BAD_BODY, "body", "the body must be an "
		    "object");
		return (NULL);
	}
	if (!json_is_string(v)) {
		http_error(ctx, ERR_INVALID, key, "%s: %s (expected a string)",
		    key, v == NULL ? "is required" : "is not a string");
		return (NULL);
	}
	return (json_string_value(v));
}

/* Refuse members other than the names given (NULL-terminated). */
static int
body_only(struct reqctx *ctx, const char *const *names)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	json_object_foreach(ctx->body, key, v) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(names[i], key) == 0)
				break;
		if (names[i] == NULL)
			return (http_error(ctx, ERR_INVALID, key, "%.64s: "
			    "unknown field", key));
	}
	return (0);
}

static json_t *
id_or_null(int role, int want, uint64_t id)
{
	return (role == want ? json_integer((json_int_t)id) : json_null());
}

/* POST /v1/session: the password checked by a thread, then answered. */
int
api_session_create(struct reqctx *ctx)
{
	static const char *const names[] = { "login", "password", NULL };
	struct account	 a;
	struct dctx	 dc;
	struct pwheld	*w;
	const char	*login, *password;
	char		*secret = NULL, csrf[SESSION_CSRF_LEN + 1];
	uint8_t		 addr[16];
	size_t		 alen;
	int64_t		 expires_at;
	int		 wait;
	json_t		*j;

	if (strcmp(ctx->name, PW_HELD) == 0)
		goto answer;
	if ((login = body_str(ctx, "login")) == NULL ||
	    (password = body_str(ctx, "password")) == NULL ||
	    body_only(ctx, names) != 0)
		return (ctx->status);
	if ((alen = peer_key(ctx, addr)) > 0 && (wait = signin_address_over(
	    addr, alen, (int64_t)time(NULL), pa.per_minute)) > 0) {
		http_retry_after(ctx, wait);
		return (http_error(ctx, ERR_TOO_MANY_SIGN_INS, NULL, "too "
		    "many sign-ins from this address this minute"));
	}
	api_dctx(ctx, &dc);
	if ((w = pw_new(ctx)) == NULL)
		return (ctx->status);
	if (session_sign_in_job(&dc, login, password, &w->job) != 0) {
		pwheld_free(w);
		http_derr(ctx, &dc.err);
		if (dc.err.code == ERR_ACCOUNT_LOCKED)
			http_retry_after(ctx, ACCOUNT_LOCK_S);
		return (ctx->status);
	}
	return (pw_hold(ctx, w));
answer:
	if ((w = pw_answer(ctx)) == NULL)
		return (ctx->status);
	api_dctx(ctx, &dc);
	login = json_string_value(json_object_get(w->body, "login"));
	if (session_sign_in(&dc, login, &w->job, &a, &secret, csrf,
	    &expires_at) != 0) {
		pwheld_free(w);
		rec_clear(&account_schema, &a);
		ctx->keep_writes = 1;	/* the failure counts */
		http_derr(ctx, &dc.err);
		if (dc.err.code == ERR_ACCOUNT_LOCKED)
			http_retry_after(ctx, ACCOUNT_LOCK_S);
		return (ctx->status);
	}
	pwheld_free(w);
	set_cookie(ctx, secret, session_ttl());
	sodium_memzero(secret, strlen(secret));
	free(secret);
	j = json_pack("{s:s, s:s, s:I, s:s, s:I}", "role",
	    role_names[a.role], "subject", a.login, "account_id",
	    (json_int_t)a.id, "csrf", csrf, "expires_at",
	    (json_int_t)expires_at);
	json_object_set_new(j, "referent_id", id_or_null(a.role,
	    ROLE_REFERENT, a.referent_id));
	json_object_set_new(j, "company_id", id_or_null(a.role, ROLE_COMPANY,
	    a.company_id));
	json_object_set_new(j, "name", a.name != NULL ? json_string(a.name) :
	    json_null());
	rec_clear(&account_schema, &a);
	return (http_reply(ctx, 200, j));
}

int
api_session_delete(struct reqctx *ctx)
{
	int	rc;

	if (!ctx->by_cookie)
		return (http_error(ctx, ERR_INVALID, "Cookie", "signing out "
		    "needs the session cookie (a token is revoked with "
		    "DELETE /v1/tokens/{id})"));
	if ((rc = session_revoke(ctx->txn, ctx->tok.account_id,
	    ctx->session_id, 0)) != 0)
		return (http_store_error(ctx, rc));
	set_cookie(ctx, "", 0);
	return (http_reply(ctx, 204, NULL));
}

int
api_session_password(struct reqctx *ctx)
{
	static const char *const names[] = { "old_password", "password",
	    NULL };
	struct dctx	 dc;
	struct pwheld	*w;
	const char	*old, *password;
	int		 rc;

	api_dctx(ctx, &dc);
	if (strcmp(ctx->name, PW_HELD) == 0) {
		if ((w = pw_answer(ctx)) == NULL)
			return (ctx->status);
		rc = account_change_password(&dc, w->session_id, &w->job);
		pwheld_free(w);
		if (rc != 0)
			return (http_derr(ctx, &dc.err));
		return (http_reply(ctx, 204, NULL));
	}
	if ((old = body_str(ctx, "old_password")) == NULL ||
	    (password = body_str(ctx, "password")) == NULL ||
	    body_only(ctx, names) != 0 || (w = pw_new(ctx)) == NULL)
		return (ctx->status);
	if (account_change_job(&dc, old, password, &w->job) != 0) {
		pwheld_free(w);
		return (http_derr(ctx, &dc.err));
	}
	return (pw_hold(ctx, w));
}

/* A PWJOB_HASH of the body's password, held: the status. */
static int
hash_then(struct reqctx *ctx)
{
	struct derr	 e;
	struct pwheld	*w;
	const char	*password;

	memset(&e, 0, sizeof(e));
	if ((password = body_str(ctx, "password")) == NULL)
		return (ctx->status);
	if (account_password_ok(&e, "password", password) != 0)
		return (http_derr(ctx, &e));
	if ((w = pw_new(ctx)) == NULL)
		return (ctx->status);
	if (pwjob_set(&w->job, PWJOB_HASH, password, NULL, NULL) != 0) {
		pwheld_free(w);
		return (http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory"));
	}
	return (pw_hold(ctx, w));
}

/* The held request's new hash (answered 503 if it is not there). */
static struct pwheld *
hashed(struct reqctx *ctx)
{
	struct pwheld	*w;

	if ((w = pw_answer(ctx)) == NULL)
		return (NULL);
	if (w->job.failed || w->job.new_hash == NULL) {
		pwheld_free(w);
		http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory hashing "
		    "the password");
		return (NULL);
	}
	return (w);
}

int
api_account_create(struct reqctx *ctx)
{
	struct account	 a;
	struct dctx	 dc;
	struct pwheld	*w;
	json_t		*rec;
	int		 rc;

	if (strcmp(ctx->name, PW_HELD) != 0) {
		/* The record is checked before the work, and again after. */
		if (body_str(ctx, "password") == NULL)
			return (ctx->status);
		if ((rec = json_deep_copy(ctx->body)) == NULL)
			return (http_error(ctx, ERR_NO_MEMORY, NULL,
			    "out of memory"));
		json_object_del(rec, "password");
		api_dctx(ctx, &dc);
		memset(&a, 0, sizeof(a));
		rc = derr_decode(&dc.err, &account_schema, rec, &a);
		json_decref(rec);
		rec_clear(&account_schema, &a);
		if (rc != 0)
			return (http_derr(ctx, &dc.err));
		return (hash_then(ctx));
	}
	if ((w = hashed(ctx)) == NULL)
		return (ctx->status);
	if ((rec = json_deep_copy(w->body)) == NULL) {
		pwheld_free(w);
		return (http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory"));
	}
	json_object_del(rec, "password");
	json_object_del(rec, "password_hash");
	api_dctx(ctx, &dc);
	memset(&a, 0, sizeof(a));
	if (derr_decode(&dc.err, &account_schema, rec, &a) != 0 ||
	    (a.password_hash = strdup(w->job.new_hash)) == NULL ||
	    account_create(&dc, &a) != 0) {
		if (a.password_hash == NULL && dc.err.message[0] == '\0')
			derr_set(&dc.err, ERR_NO_MEMORY, NULL, "out of memory");
		pwheld_free(w);
		json_decref(rec);
		rec_clear(&account_schema, &a);
		return (http_derr(ctx, &dc.err));
	}
	pwheld_free(w);
	json_decref(rec);
	rec = account_json(&a);
	rec_clear(&account_schema, &a);
	return (http_reply(ctx, 201, rec));
}

int
api_account_list(struct reqctx *ctx)
{
	json_t	*items = json_array();
	int	 rc;

	if ((rc = account_list(ctx->txn, items)) != 0) {
		json_decref(items);
		return (http_store_error(ctx, rc));
	}
	return (http_reply(ctx, 200, json_pack("{s:o, s:I}", "items", items,
	    "total", (json_int_t)json_array_size(items))));
}

int
api_account_get(struct reqctx *ctx)
{
	struct account	a;
	json_t		*j;
	int		rc;

	if ((rc = account_load(ctx->txn, ctx->id, &a)) != 0) {
		rec_clear(&account_schema, &a);
		if (rc == IOD_ENOTFOUND)
			return (http_error(ctx, ERR_NOT_FOUND, "id",
			    "no account %llu", (unsigned long long)ctx->id));
		return (http_store_error(ctx, rc));
	}
	j = account_json(&a);
	rec_clear(&account_schema, &a);
	return (http_reply(ctx, 200, j));
}

int
api_account_delete(struct reqctx *ctx)
{
	struct dctx	dc;

	api_dctx(ctx, &dc);
	if (account_delete(&dc, ctx->id) != 0)
		return (http_derr(ctx, &dc.err));
	return (http_reply(ctx, 204, NULL));
}

int
api_account_password(struct reqctx *ctx)
{
	static const char *const names[] = { "password", NULL };
	struct account	 a;
	struct dctx	 dc;
	struct pwheld	*w;
	int		 rc;

	if (strcmp(ctx->name, PW_HELD) == 0) {
		if ((w = hashed(ctx)) == NULL)
			return (ctx->status);
		api_dctx(ctx, &dc);
		rc = account_reset_password(&dc, w->id, w->job.new_hash);
		pwheld_free(w);
		if (rc != 0)
			return (http_derr(ctx, &dc.err));
		return (http_reply(ctx, 204, NULL));
	}
	if (body_str(ctx, "password") == NULL || body_only(ctx, names) != 0)
		return (ctx->status);
	/* An unknown account is said before the work. */
	rc = account_load(ctx->txn, ctx->id, &a);
	rec_clear(&account_schema, &a);
	if (rc == IOD_ENOTFOUND)
		return (http_error(ctx, ERR_NOT_FOUND, "id", "no account %llu",
		    (unsigned long long)ctx->id));
	if (rc != 0)
		return (http_store_error(ctx, rc));
	return (hash_then(ctx));
}
