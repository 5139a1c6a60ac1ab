/*
 * api-batch.c — POST /v1/{resource}:batch, the bulk ingest: a body of up
 * to BATCH_MAX items, each decoded straight into its record when it can
 * be (rec_from_mp; a JSON item rewritten as msgpack by wire_json_mp) and
 * created as api-records.c creates one, the batch's deferrable index keys
 * put at its end in key order (store_put_later), and the reply of what
 * was created and refused written without a tree in the common case.
 * The body's framing was checked by the dispatcher (http.c); the commit
 * and its fsync come after, for the whole turn (server.c).
 */
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

/* A created batch item: its index in the body and its new id. */
struct batch_done {
	size_t		i;
	uint64_t	id;
};

/* done (freed on failure) with room for twice its *n entries (*n
 * updated), or NULL out of memory. */
static struct batch_done *
batch_grow(struct batch_done *done, size_t *n)
{
	struct batch_done	*more;
	size_t			 want = *n > 0 ? *n * 2 : 256;

	if ((more = reallocarray(done, want, sizeof(*done))) == NULL) {
		free(done);
		return (NULL);
	}
	*n = want;
	return (more);
}

/* A batch whose reply cannot be told is not kept: memory may hold what
 * the store will not, so the store is told to fail its commit. */
static int
batch_unwritten(struct reqctx *ctx)
{
	ctx->txn->rc = IOD_ENOMEM;
	return (http_error(ctx, ERR_NO_MEMORY, NULL,
	    "out of memory: the batch was not imported"));
}

/*
 * The batch's reply, {"created": [{"index", "id"}...], "refused":
 * [{"index", "error"}...]}, created in done[0..n) and refused (stolen).
 * In JSON with nothing refused, the common case, the text is written
 * straight (the bytes json_dumps would give); otherwise through a tree.
 */
static int
batch_reply(struct reqctx *ctx, const struct batch_done *done, size_t n,
    json_t *refused)
{
	struct jw	 w;
	json_t		*created, *e;
	size_t		 k;

	if (!ctx->msgpack && json_array_size(refused) == 0) {
		json_decref(refused);
		jsonw_begin(&w);
		jw_raw(&w, "{\"created\":[", 12);
		for (k = 0; k < n; k++) {
			jw_raw(&w, ",{\"index\":" + (k == 0), k == 0 ? 9 : 10);
			jw_int(&w, (int64_t)done[k].i);
			jw_raw(&w, ",\"id\":", 6);
			jw_int(&w, (int64_t)done[k].id);
			jw_raw(&w, "}", 1);
		}
		jw_raw(&w, "],\"refused\":[]}", 15);
		if (w.failed) {
			jsonw_reply(ctx, 200, &w);	/* frees the buffer */
			return (batch_unwritten(ctx));
		}
		return (jsonw_reply(ctx, 200, &w));
	}
	created = json_array();
	for (k = 0; created != NULL && k < n; k++) {
		e = json_object();
		if (e == NULL || json_object_set_new(e, "index",
		    json_integer((json_int_t)done[k].i)) != 0 ||
		    json_object_set_new(e, "id",
		    json_integer((json_int_t)done[k].id)) != 0 ||
		    json_array_append_new(created, json_incref(e)) != 0) {
			json_decref(created);
			created = NULL;
		}
		json_decref(e);
	}
	if (created == NULL) {
		json_decref(refused);
		return (batch_unwritten(ctx));
	}
	return (http_reply(ctx, 200, json_pack("{s:o, s:o}", "created",
	    created, "refused", refused)));
}

/* The error of refused batch item i: the one its creation set (e), or,
 * for an item that could not be decoded (rc), one that says why; never
 * nothing.  NULL only when out of memory. */
static json_t *
refusal(struct reqctx *ctx, size_t i, int rc, const char *cause,
    const struct derr *e)
{
	json_t	*err;
	char	*msg;

	if (rc == 0) {
		http_derr(ctx, e);
		err = json_incref(json_object_get(ctx->reply, "error"));
	} else {
		msg = utf8_repair(cause != NULL ? cause : "refused");
		err = json_pack("{s:s, s:n, s:s}", "code", err_entry(
		    rc == IOD_ETOOBIG ? ERR_ITEM_TOO_LARGE :
		    rc == IOD_ENOMEM ? ERR_NO_MEMORY :
		    ctx->raw_msgpack ? ERR_BAD_BODY : ERR_BAD_JSON)->code,
		    "field", "message", msg != NULL ? msg : "refused");
		free(msg);
	}
	json_decref(ctx->reply);
	ctx->reply = NULL;
	if (err == NULL)
		return (NULL);
	return (json_pack("{s:I, s:o}", "index", (json_int_t)i, "error", err));
}

/*
 * POST /v1/{resource}:batch: the items (the dispatcher checked the body's
 * framing and counted them; the body is not walked again) are decoded and
 * created one at a time, straight into its record (rec_from_mp; a JSON
 * item rewritten as msgpack as it is cut, wire_items_next_mp) when it can
 * be; one that is malformed, or of more values than a record has, is
 * refused undecoded.  The items run as one store batch: the index keys that no
 * item reads go in at its end, sorted (store_put_later).  Every item is
 * accounted for, in created with its id or in refused with its error;
 * when that cannot be, or the store fails, the whole batch fails and
 * nothing of it is kept.
 */
int
api_batch(struct reqctx *ctx)
{
	const struct resource	*res = api_resource(ctx->route->path);
	struct wire_items	 w;
	struct dctx		 dc;
	struct batch_done	*done = NULL;
	json_t			*refused, *item, *e;
	const char		*raw;
	char			*cause = NULL, *mp = NULL;
	void			*rec;
	uint64_t		 id;
	size_t			 i, n = 0, ndone = 0, rawlen, mpcap = 0, mplen;
	int			 rc;

	if (ctx->raw == NULL || wire_items_reopen(&w, ctx->raw, ctx->rawlen,
	    ctx->raw_msgpack, BATCH_MAX, &cause) != 0) {
		free(cause);
		return (http_error(ctx, ERR_INVALID, "body",
		    "body is not an array (expected an array of %s records)",
		    res->entity));
	}
	refused = json_array();
	store_batch_begin(ctx->txn);
	for (i = 0; refused != NULL; i++) {
		if (n == ndone && (done = batch_grow(done, &ndone)) == NULL)
			break;
		if ((rc = wire_items_next_mp(&w, &raw, &rawlen, &mp, &mpcap,
		    &mplen, &cause)) == 0)
			break;
		/* An item straight into its record (a JSON one rewritten
		 * as msgpack as it was cut); what that way is not sure of,
		 * through a JSON tree. */
		item = NULL;
		rec = NULL;
		if (rc > 0 && (rec = rec_new(res->schema)) != NULL &&
		    (rc == 2 ? rec_from_mp(res->schema, rec, mp, mplen) :
		    w.msgpack ? rec_from_mp(res->schema, rec, raw, rawlen) :
		    wire_json_mp(raw, rawlen, &mp, &mpcap, &mplen) != 0 ? -1 :
		    rec_from_mp(res->schema, rec, mp, mplen)) != 0) {
			rec_clear(res->schema, rec);
			free(rec);
			rec = NULL;
		}
		if (rc > 0 && rec == NULL)
			rc = wire_item_json(&w, raw, rawlen, &item, &cause);
		e = NULL;
		api_dctx(ctx, &dc);
		if (rc < 0)	/* malformed, or too big to decode */
			e = refusal(ctx, i, rc, cause, NULL);
		else if ((rec != NULL ? api_record_create_rec(&dc, res, rec,
		    &id, NULL) : api_record_create(&dc, res, item, &id,
		    NULL)) == 0) {
			done[n].i = i;
			done[n++].id = id;
		} else if (ctx->txn->rc == 0)
			e = refusal(ctx, i, 0, NULL, &dc.err);
		json_decref(item);
		free(cause);
		cause = NULL;
		if (ctx->txn->rc != 0) {
			json_decref(e);
			break;	/* the store failed: the whole batch does */
		}
		if (e != NULL && json_array_append_new(refused, e) != 0)
			break;
	}
	free(mp);
	store_batch_end(ctx->txn);
	if (ctx->txn->rc == 0 && (refused == NULL ||
	    n + json_array_size(refused) != w.n)) {
		free(done);
		json_decref(refused);
		return (batch_unwritten(ctx));
	}
	if (ctx->txn->rc != 0) {
		free(done);
		json_decref(refused);
		return (http_store_error(ctx, ctx->txn->rc));
	}
	rc = batch_reply(ctx, done, n, refused);
	free(done);
	return (rc);
}
