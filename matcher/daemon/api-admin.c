/*
 * api-admin.c — the routes that keep the daemon rather than the records:
 * health, the table of errors, tokens (create, revoke), a backup of the
 * store, and a person's right of access (everything held about them).
 * The lists of tokens, events and the audit log go through the one list
 * (api-list.c); tokens themselves are auth.c's, the store profiles'.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "daemon.h"

int
api_health(struct reqctx *ctx)
{
	return (http_reply(ctx, 200, json_pack("{s:s, s:I}", "status", "ok",
	    "events", (json_int_t)event_last(ctx->txn))));
}

/* GET /v1/errors: every error the API answers, with its French words
 * for the console. */
int
api_errors(struct reqctx *ctx)
{
	json_t	*a;

	if ((a = err_table_json()) == NULL)
		return (http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory"));
	return (http_reply(ctx, 200, json_pack("{s:o}", "items", a)));
}

/* Records of db about candidate id: what the store holds, by name. */
struct related_arg {
	uint64_t	 id;
	int		 events;	/* match an event's subject */
	const struct schema *sc;	/* the records', NULL: read schema-free */
	json_t		*items;
};

static int
related_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct related_arg	*ra = arg;
	json_t			*j, *who;
	int			 match;

	if (ra->events)
		j = kl == 8 ? event_stored_json(key_get_u64(k), v, vl) : NULL;
	else
		j = rec_stored_json(ra->sc, v, vl);
	if (j == NULL)
		return (0);
	who = json_object_get(j, "candidate_id");
	match = json_integer_value(who) == (json_int_t)ra->id;
	if (ra->events && !match) {
		who = json_object_get(json_object_get(j, "data"),
		    "candidate_id");
		match = json_integer_value(who) == (json_int_t)ra->id ||
		    (json_is_string(json_object_get(j, "entity")) &&
		    strcmp(json_string_value(json_object_get(j, "entity")),
		    "candidate") == 0 &&
		    json_integer_value(json_object_get(j, "id")) ==
		    (json_int_t)ra->id);
	}
	if (match) {
		json_object_del(j, "v");
		json_array_append_new(ra->items, j);
	} else
		json_decref(j);
	return (0);
}

static json_t *
related(struct txn *t, enum store_db db, const struct schema *sc,
    uint64_t id, int events)
{
	struct related_arg	ra = { id, events, sc, json_array() };

	store_scan(t, db, NULL, 0, 0, related_cb, &ra);
	return (ra.items);
}

/* The right of access: everything held about the person. */
int
api_export(struct reqctx *ctx)
{
	const struct resource	*res = api_resource("/v1/candidates");
	struct candidate	 c;
	json_t			*j;
	int			 status;

	if ((status = api_load(ctx, res, &c)) != 0)
		return (status);
	server_audit(ctx->actor, ctx->tok.id, ctx->id, "export");
	j = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
	    "candidate", rec_to_json(res->schema, &c, VIEW_FULL),
	    "proposals", related(ctx->txn, DB_PROPOSALS, &proposal_schema,
	    ctx->id, 0),
	    "placements", related(ctx->txn, DB_PLACEMENTS, &placement_schema,
	    ctx->id, 0),
	    "followups", related(ctx->txn, DB_FOLLOWUPS, &followup_schema,
	    ctx->id, 0),
	    "events", related(ctx->txn, DB_EVENTS, NULL, ctx->id, 1),
	    "audit", related(ctx->txn, DB_AUDIT, NULL, ctx->id, 0));
	rec_clear(res->schema, &c);
	return (http_reply(ctx, 200, j));
}

/*
 * A consistent, compacted copy of the live store: a data.mdb to put in an
 * empty data directory to restore.  The copy goes through a temporary
 * file, unlinked at once, that the reply reads from.
 */
int
api_backup(struct reqctx *ctx)
{
	struct evbuffer	*out;
	char		*path;
	off_t		 size;
	int		 fd;

	if (asprintf(&path, "%s/backup.XXXXXX", srv->datadir) == -1)
		return (http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory"));
	fd = mkstemp(path);
	if (fd != -1)
		unlink(path);
	free(path);
	if (fd == -1 || store_backup(srv->st, fd) != 0 ||
	    (size = lseek(fd, 0, SEEK_END)) <= 0) {
		if (fd != -1)
			close(fd);
		return (http_error(ctx, ERR_BACKUP_FAILED, NULL,
		    "the copy of the store failed"));
	}
	out = evbuffer_new();
	if (evbuffer_add_file(out, fd, 0, size) != 0) {	/* owns fd now */
		evbuffer_free(out);
		return (http_error(ctx, ERR_BACKUP_FAILED, NULL,
		    "the copy of the store cannot be sent"));
	}
	log_info("backup of %lld bytes by %s", (long long)size, ctx->actor);
	return (http_reply_text(ctx, 200, "application/octet-stream", out));
}

int
api_token_create(struct reqctx *ctx)
{
	struct token	 tok;
	struct derr	 e;
	char		*secret;
	json_t		*j;
	int		 rc;

	memset(&tok, 0, sizeof(tok));
	if (derr_decode(&e, &token_schema, ctx->body, &tok) != 0) {
		rec_clear(&token_schema, &tok);
		return (http_derr(ctx, &e));
	}
	if (tok.role == ROLE_REFERENT &&
	    !records_exists(ctx->txn, DB_REFERENTS, tok.referent_id)) {
		rec_clear(&token_schema, &tok);
		return (http_error(ctx, ERR_INVALID, "referent_id",
		    "referent_id: a referent token needs the id of an "
		    "existing referent"));
	}
	if (tok.role == ROLE_COMPANY &&
	    !records_exists(ctx->txn, DB_COMPANIES, tok.company_id)) {
		rec_clear(&token_schema, &tok);
		return (http_error(ctx, ERR_INVALID, "company_id",
		    "company_id: a company token needs the id of an "
		    "existing company"));
	}
	if ((rc = auth_create(ctx->txn, &tok, NULL, &secret)) != 0) {
		rec_clear(&token_schema, &tok);
		return (http_store_error(ctx, rc));
	}
	event_append(ctx->txn, "token.created", "token", tok.id, ctx->actor,
	    NULL);
	j = rec_to_json(&token_schema, &tok, VIEW_FULL);
	json_object_set_new(j, "token", json_string(secret));
	free(secret);
	rec_clear(&token_schema, &tok);
	return (http_reply(ctx, 201, j));
}

int
api_token_revoke(struct reqctx *ctx)
{
	int	rc;

	if ((rc = auth_revoke(ctx->txn, ctx->id)) == IOD_ENOTFOUND)
		return (http_error(ctx, ERR_NOT_FOUND, "id", "no token %llu",
		    (unsigned long long)ctx->id));
	if (rc != 0)
		return (http_store_error(ctx, rc));
	event_append(ctx->txn, "token.revoked", "token", ctx->id, ctx->actor,
	    NULL);
	return (http_reply(ctx, 204, NULL));
}
