/*
 * api-webhooks.c — the webhooks' resource, for admins: create (for a token,
 * or a role and its scope, hearing of what happens after), list, get,
 * delete, and resume one that a restore paused, from its cursor or a
 * given one.  The secret is never shown.  Delivering is webhooks.c's; the
 * record and its schema are profiles'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "daemon.h"

/* What an admin reads of a webhook: never its secret. */
json_t *
api_webhook_json(const struct webhook *w)
{
	json_t	*j = rec_to_json(&webhook_schema, w, VIEW_FULL);

	json_object_del(j, "secret");
	webhook_status(w->id, j);
	return (j);
}

static int
webhook_invalid(struct reqctx *ctx, struct webhook *w, const char *field,
    const char *msg)
{
	rec_clear(&webhook_schema, w);
	return (http_error(ctx, ERR_INVALID, field, "%s: %s", field, msg));
}

/*
 * A webhook's URL: http://host:port/path as libevent's client, which posts
 * the deliveries, reads it.  0, or IOD_EINVAL with *cause.
 */
static int
webhook_url_check(const char *s, char **cause)
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
	if (asprintf(cause, "url: \"%.*s\" %s", (int)utf8_cut(s, 80), s,
	    why) == -1)
		*cause = NULL;
	return (IOD_EINVAL);
}

/* Does a record of db with this id exist? */
static int
webhook_exists(struct txn *t, enum store_db db, uint64_t id)
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
	struct derr	 e;
	char		*cause;
	uint64_t	 seq;

	memset(&w, 0, sizeof(w));
	w.role = -1;
	if (derr_decode(&e, &webhook_schema, ctx->body, &w) != 0) {
		rec_clear(&webhook_schema, &w);
		return (http_derr(ctx, &e));
	}
	if (webhook_url_check(w.url, &cause) != 0) {
		http_error(ctx, ERR_INVALID, "url", "%s",
		    cause != NULL ? cause : "url: invalid");
		free(cause);
		rec_clear(&webhook_schema, &w);
		return (ctx->status);
	}
	if (w.token_id != 0) {
		if (w.role >= 0 || w.subject != NULL || w.referent_id != 0 ||
		    w.company_id != 0)
			return (webhook_invalid(ctx, &w, "token_id", "give "
			    "token_id, or role and its scope, not both"));
		if (webhook_token(ctx->txn, w.token_id, &tok) != 0)
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
		if (!webhook_exists(ctx->txn, DB_REFERENTS, w.referent_id))
			return (webhook_invalid(ctx, &w, "referent_id", "a "
			    "referent's webhook needs the id of an existing "
			    "referent"));
		break;
	case ROLE_COMPANY:
		if (!webhook_exists(ctx->txn, DB_COMPANIES, w.company_id))
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
	if (store_count(ctx->txn, DB_WEBHOOKS) >= WEBHOOK_MAX) {
		rec_clear(&webhook_schema, &w);
		return (http_error(ctx, ERR_TOO_MANY_WEBHOOKS, NULL,
		    "%d webhooks exist already", WEBHOOK_MAX));
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
	webhook_changed();
	http_reply(ctx, 201, api_webhook_json(&w));
	rec_clear(&webhook_schema, &w);
	return (201);
}

/* The webhook of the path's {id} into w: 0, or the error's status. */
static int
webhook_load(struct reqctx *ctx, struct webhook *w)
{
	return (api_load(ctx, api_resource("/v1/webhooks"), w));
}

int
api_webhook_get(struct reqctx *ctx)
{
	struct webhook	w;
	int		rc;

	if ((rc = webhook_load(ctx, &w)) != 0)
		return (rc);
	http_reply(ctx, 200, api_webhook_json(&w));
	rec_clear(&webhook_schema, &w);
	return (200);
}

int
api_webhook_delete(struct reqctx *ctx)
{
	const void	*v;
	size_t		 len;

	if (store_get_id(ctx->txn, DB_WEBHOOKS, ctx->id, &v, &len) != 0)
		return (http_error(ctx, ERR_NOT_FOUND, "id",
		    "no webhook %llu", (unsigned long long)ctx->id));
	store_del_id(ctx->txn, DB_WEBHOOKS, ctx->id);
	event_append(ctx->txn, "webhook.deleted", "webhook", ctx->id,
	    ctx->actor, NULL);
	if (ctx->txn->rc != 0)
		return (http_store_error(ctx, ctx->txn->rc));
	webhook_changed();
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
			return (http_error(ctx, ERR_INVALID, "body",
			    "body is not a JSON object (expected {\"cursor\": "
			    "SEQ} or nothing)"));
		json_object_foreach(ctx->body, key, v)
			if (strcmp(key, "cursor") != 0)
				return (http_error(ctx, ERR_INVALID, key,
				    "%s: unknown field (expected cursor)", key));
		cur = json_object_get(ctx->body, "cursor");
		if (cur != NULL && (!json_is_integer(cur) ||
		    json_integer_value(cur) < 0 ||
		    (uint64_t)json_integer_value(cur) > last))
			return (http_error(ctx, ERR_INVALID, "cursor",
			    "cursor: expected the sequence number of an event "
			    "(0 to %llu)", (unsigned long long)last));
	}
	if ((rc = webhook_load(ctx, &w)) != 0)
		return (rc);
	if (!w.paused) {
		rec_clear(&webhook_schema, &w);
		if (cur != NULL)
			return (http_error(ctx, ERR_NOT_PAUSED, "cursor",
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
	webhook_changed();
	/* the hook at work learns it after the commit */
	j = api_webhook_json(&w);
	json_object_set_new(j, "cursor", json_integer(w.cursor));
	rec_clear(&webhook_schema, &w);
	return (http_reply(ctx, 200, j));
}
