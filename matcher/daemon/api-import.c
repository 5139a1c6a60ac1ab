/*
 * api-import.c — POST /v1/{companies,offers,candidates,referents}:import:
 * a spreadsheet's CSV (sheet.c reads it: ';' or ',', UTF-8 with or
 * without BOM, French labels or field names, dd/mm/yyyy), one record a
 * row, written by the agency's reference (api_record_upsert): a row whose
 * external_ref a record carries replaces it, or leaves it as it is when
 * nothing changed; any other row creates one.  Every row is accounted for
 * by its line: created, updated, unchanged or refused with its field.
 * ?dry_run=true says the same and writes nothing.  The body's limit is
 * the route's; its rows are counted before any is written.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon.h"
#include "sheet.h"

/* Is ctype (NULL: none given) a CSV the route takes? */
static int
import_ctype(const char *ctype)
{
	size_t	n;

	if (ctype == NULL)
		return (1);
	n = strcspn(ctype, "; \t");
	return ((n == 8 && strncasecmp(ctype, "text/csv", n) == 0) ||
	    (n == 10 && strncasecmp(ctype, "text/plain", n) == 0));
}

/* The refusal of the row at line: {line, error: {code, field, message}},
 * from e or, when e is NULL, from the row's own shape in r. */
static json_t *
import_refusal(struct reqctx *ctx, const struct sheet_row *r,
    const struct derr *e)
{
	json_t	*err;

	if (e != NULL) {
		http_derr(ctx, e);
		err = json_incref(json_object_get(ctx->reply, "error"));
		json_decref(ctx->reply);
		ctx->reply = NULL;
	} else
		err = json_pack("{s:s, s:s, s:s}", "code",
		    err_entry(ERR_INVALID)->code, "field", r->field,
		    "message", r->message);
	if (err == NULL)
		return (NULL);
	return (json_pack("{s:I, s:o}", "line", (json_int_t)r->line, "error",
	    err));
}

/* The whole body refused, with the sheet's message. */
static int
import_bad(struct reqctx *ctx, struct sheet *sh, char *cause)
{
	int	status;

	status = http_error(ctx, ERR_INVALID, "body", "%s", cause != NULL ?
	    cause : "out of memory");
	free(cause);
	sheet_free(sh);
	return (status);
}

int
api_import(struct reqctx *ctx)
{
	const struct resource	*res = api_resource(ctx->route->path);
	const char		*q, *ctype;
	struct sheet		*sh;
	struct sheet_row	 r;
	struct dctx		 dc;
	enum upsert		 what;
	json_t			*out[4], *e;
	char			*cause = NULL;
	uint64_t		 id;
	size_t			 i, rows = 0;
	int			 rc, dry_run = 0;

	ctype = evhttp_find_header(evhttp_request_get_input_headers(ctx->req),
	    "Content-Type");
	if (!import_ctype(ctype))
		return (http_error(ctx, ERR_UNSUPPORTED_MEDIA_TYPE,
		    "Content-Type", "\"%.*s\" is not accepted (expected "
		    "text/csv)", (int)utf8_cut(ctype, 60), ctype));
	if ((q = http_query(ctx, "dry_run")) != NULL) {
		if (strcmp(q, "true") != 0 && strcmp(q, "false") != 0)
			return (http_error(ctx, ERR_INVALID, "dry_run",
			    "dry_run: \"%.*s\" (expected true or false)",
			    (int)utf8_cut(q, 40), q));
		dry_run = strcmp(q, "true") == 0;
	}
	if (ctx->raw == NULL || ctx->rawlen == 0)
		return (http_error(ctx, ERR_MISSING_BODY, "body",
		    "the body is empty (expected a CSV file with a header "
		    "row)"));

	/* Count the rows before writing any. */
	if ((sh = sheet_open(res->schema, ctx->raw, ctx->rawlen,
	    &cause)) == NULL)
		return (import_bad(ctx, NULL, cause));
	while ((rc = sheet_next(sh, &r, &cause)) == 1) {
		json_decref(r.record);
		if (++rows > BATCH_MAX) {
			sheet_free(sh);
			return (http_error(ctx, ERR_BATCH_TOO_LARGE, "rows",
			    "rows: more than %d in one import (split the "
			    "file)", BATCH_MAX));
		}
	}
	if (rc < 0)
		return (import_bad(ctx, sh, cause));
	sheet_free(sh);

	if ((sh = sheet_open(res->schema, ctx->raw, ctx->rawlen,
	    &cause)) == NULL)
		return (import_bad(ctx, NULL, cause));
	for (i = 0; i < 4; i++)
		out[i] = json_array();
	while ((rc = sheet_next(sh, &r, &cause)) == 1) {
		api_dctx(ctx, &dc);
		i = 3;		/* refused, unless written */
		e = NULL;
		if (r.record == NULL)
			e = import_refusal(ctx, &r, NULL);
		else if (api_record_upsert(&dc, res, r.record, dry_run, &what,
		    &id) == 0) {
			i = (size_t)what;
			e = json_pack("{s:I}", "line", (json_int_t)r.line);
			if (e != NULL && id != 0 && json_object_set_new(e, "id",
			    json_integer((json_int_t)id)) != 0) {
				json_decref(e);
				e = NULL;
			}
		} else if (ctx->txn->rc == 0)
			e = import_refusal(ctx, &r, &dc.err);
		json_decref(r.record);
		if (ctx->txn->rc != 0) {
			json_decref(e);
			break;	/* the store failed: the whole import does */
		}
		if (e == NULL || out[i] == NULL ||
		    json_array_append_new(out[i], e) != 0) {
			/* Memory may hold what the store will not. */
			ctx->txn->rc = IOD_ENOMEM;
			break;
		}
	}
	free(cause);	/* the file read once already: cannot fail now */
	sheet_free(sh);
	if (ctx->txn->rc != 0) {
		for (i = 0; i < 4; i++)
			json_decref(out[i]);
		if (ctx->txn->rc == IOD_ENOMEM)
			return (http_error(ctx, ERR_NO_MEMORY, NULL,
			    "out of memory: nothing was imported"));
		return (http_store_error(ctx, ctx->txn->rc));
	}
	return (http_reply(ctx, 200, json_pack("{s:b, s:I, s:o, s:o, s:o, "
	    "s:o}", "dry_run", dry_run, "rows", (json_int_t)rows, "created",
	    out[UPSERT_CREATED], "updated", out[UPSERT_UPDATED], "unchanged",
	    out[UPSERT_UNCHANGED], "refused", out[3])));
}
