/*
 * api-mail.c — the routes of e-mail: the outbox an admin watches (GET
 * /v1/outbox: the mails waiting for the relay or refused by it, and the
 * day's digests), and an account's notification preferences, set by an
 * admin (GET/PUT /v1/accounts/{id}/notifications) or by the person signed
 * in (GET/PUT /v1/session/notifications).  Sending is mail.c's, who is
 * told and the preferences' rules notice.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

int
api_outbox(struct reqctx *ctx)
{
	json_t	*j;

	if ((j = mail_outbox_json(ctx->txn)) == NULL)
		return (http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory"));
	return (http_reply(ctx, 200, j));
}

/* The account the route names: {id}, or the one signed in; 0 after
 * answering. */
static uint64_t
target(struct reqctx *ctx)
{
	if (strncmp(ctx->route->path, "/v1/session/", 12) != 0)
		return (ctx->id);
	if (ctx->tok.account_id == 0) {
		http_error(ctx, ERR_NOT_FOUND, NULL, "this token is no "
		    "person's account: sign in (POST /v1/session) to set "
		    "one's own notifications");
		return (0);
	}
	return (ctx->tok.account_id);
}

int
api_notifications_get(struct reqctx *ctx)
{
	struct account	 a;
	uint64_t	 id;
	json_t		*j;
	int		 rc;

	if ((id = target(ctx)) == 0)
		return (ctx->status);
	if ((rc = account_load(ctx->txn, id, &a)) != 0) {
		rec_clear(&account_schema, &a);
		if (rc == IOD_ENOTFOUND)
			return (http_error(ctx, ERR_NOT_FOUND, "id",
			    "no account %llu", (unsigned long long)id));
		return (http_store_error(ctx, rc));
	}
	j = notice_prefs_json(&a);
	rec_clear(&account_schema, &a);
	if (j == NULL)
		return (http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory"));
	return (http_reply(ctx, 200, j));
}

int
api_notifications_put(struct reqctx *ctx)
{
	struct dctx	 dc;
	uint64_t	 id;
	json_t		*j;

	if ((id = target(ctx)) == 0)
		return (ctx->status);
	/* What GET shows may be sent back. */
	json_object_del(ctx->body, "has_address");
	api_dctx(ctx, &dc);
	if (notice_prefs_set(&dc, id, ctx->body, &j) != 0)
		return (http_derr(ctx, &dc.err));
	return (http_reply(ctx, 200, j));
}
