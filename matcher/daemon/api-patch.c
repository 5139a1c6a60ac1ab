/*
 * api-patch.c — PATCH /v1/{kind}/{id}: a JSON Merge Patch (RFC 7396) laid
 * over the record as its full GET shows it, and the result written as a
 * PUT writes it (api_replace): the same validation, errors that name the
 * field, event and index upkeep.  A member set to null is removed (an
 * optional one then reads as absent, a required one is refused), an
 * object is merged into the record's object, anything else (arrays
 * included) replaces the member.  Read-only members (id, created_at,
 * labels) are ignored as a PUT ignores them.  The body's media type was
 * checked by the dispatcher (RT_MERGE), If-Match is etag.c's.
 */
#include <stdlib.h>

#include "daemon.h"

/* MergePatch(target, patch) of RFC 7396 as a new value; target (borrowed,
 * may be NULL) is left as it was.  NULL out of memory. */
static json_t *
merge(json_t *target, json_t *patch)
{
	const char	*k;
	json_t		*v, *out, *m;

	if (!json_is_object(patch))
		return (json_incref(patch));
	out = json_is_object(target) ? json_copy(target) : json_object();
	if (out == NULL)
		return (NULL);
	json_object_foreach(patch, k, v) {
		if (json_is_null(v)) {
			json_object_del(out, k);
			continue;
		}
		if ((m = merge(json_object_get(out, k), v)) == NULL ||
		    json_object_set_new(out, k, m) != 0) {
			json_decref(out);
			return (NULL);
		}
	}
	return (out);
}

int
api_patch(struct reqctx *ctx)
{
	const struct resource	*res = api_resource(ctx->route->path);
	json_t			*base = NULL, *merged = NULL;
	void			*old;
	int			 status;

	if (!json_is_object(ctx->body))
		return (http_error(ctx, ERR_INVALID, "body", "body: a merge "
		    "patch is an object of the members to change (null "
		    "removes one), not %s", json_is_array(ctx->body) ?
		    "an array" : "a single value"));
	if ((old = rec_new(res->schema)) == NULL)
		return (http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory"));
	if (api_load(ctx, res, old) != 0) {
		free(old);
		return (ctx->status);
	}
	if ((status = etag_if_match(ctx, res)) != 0)
		goto out;
	if ((base = rec_to_json(res->schema, old, VIEW_FULL)) == NULL ||
	    (merged = merge(base, ctx->body)) == NULL) {
		status = http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory");
		goto out;
	}
	status = api_replace(ctx, res, old, merged);
out:
	json_decref(merged);
	json_decref(base);
	rec_clear(res->schema, old);
	free(old);
	return (status);
}
