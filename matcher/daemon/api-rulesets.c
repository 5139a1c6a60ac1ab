/*
 * api-rulesets.c — the rule sets' resources of the API: the list of the
 * rule sets in force, one with its text, and a new text for one, compiled
 * aside (rules/) and put in force whole by rulesets.c, which stores each
 * version; a bad text leaves the old one serving and is answered with
 * every error line.  The commit comes after (server.c).  Every version
 * ever activated stays readable, and a past proposal replays on the
 * version it records (replay.c, api-replay.c).
 */
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "rules.h"

/* GET /v1/rulesets */
int
api_rulesets_list(struct reqctx *ctx)
{
	struct active	*a;
	json_t		*items = json_array();

	for (a = rulesets_first(); a != NULL; a = a->next)
		json_array_append_new(items, rulesets_json(a, 0));
	return (http_reply(ctx, 200, json_pack("{s:o}", "items", items)));
}

/* GET /v1/rulesets/{name} */
int
api_ruleset_get(struct reqctx *ctx)
{
	struct active	*a;

	if ((a = rulesets_find(ctx->name)) == NULL)
		return (http_error(ctx, ERR_NOT_FOUND, "name",
		    "no active rule set %s", ctx->name));
	return (http_reply(ctx, 200, rulesets_json(a, 1)));
}

/*
 * PUT /v1/rulesets/{name}: a new text for a rule set, compiled aside,
 * stored as the next version and swapped in whole; a bad one leaves the
 * old one serving.
 */
int
api_ruleset_put(struct reqctx *ctx)
{
	struct ruleset	*rs = NULL;
	struct active	*a;
	char		*errors = NULL, *nl;
	uint64_t	 version;
	json_t		*lines;
	int		 rc;

	rc = ruleset_load_buffer(ctx->name, ctx->raw, ctx->rawlen,
	    srv->refdir, &rs, &errors);
	if (rc == 0 && strcmp(rs->name, ctx->name) != 0) {
		http_error(ctx, ERR_INVALID_RULESET, "name", "name: the "
		    "rule set calls itself \"%s\" (expected \"%s\")", rs->name,
		    ctx->name);
		ruleset_free(rs);
		return (400);
	}
	if (rc != 0) {
		nl = errors != NULL ? strchr(errors, '\n') : NULL;
		http_error(ctx, ERR_INVALID_RULESET, "body", "%.*s",
		    nl != NULL ? (int)(nl - errors) : (int)strlen(errors != NULL ?
		    errors : ""), errors != NULL ? errors : "");
		lines = json_array();
		for (nl = errors != NULL ? strtok(errors, "\n") : NULL;
		    nl != NULL; nl = strtok(NULL, "\n"))
			json_array_append_new(lines, json_string(nl));
		json_object_set_new(json_object_get(ctx->reply, "error"),
		    "errors", lines);
		free(errors);
		return (400);
	}
	if ((rc = rulesets_install(ctx->txn, rs, ctx->actor, &version)) != 0)
		return (http_store_error(ctx, rc));
	a = rulesets_find(ctx->name);
	return (http_reply(ctx, 200, rulesets_json(a, 0)));
}

/* GET /v1/rulesets/{name}/versions: every version stored, oldest first. */
int
api_ruleset_versions(struct reqctx *ctx)
{
	json_t	*j;

	if ((j = rulesets_versions(ctx->txn, ctx->name)) == NULL)
		return (http_error(ctx, ERR_NOT_FOUND, "name",
		    "no rule set %s was ever activated", ctx->name));
	return (http_reply(ctx, 200, j));
}

/* GET /v1/rulesets/{name}/versions/{v}: its text and where it came from. */
int
api_ruleset_version(struct reqctx *ctx)
{
	struct active	*a = rulesets_find(ctx->name);
	const void	*text;
	size_t		 len;
	json_t		*origin;

	if (rulesets_version(ctx->txn, ctx->name, ctx->id, &text, &len,
	    &origin) != 0)
		return (http_error(ctx, ERR_NOT_FOUND, "version",
		    "rule set %s has no version %llu", ctx->name,
		    (unsigned long long)ctx->id));
	return (http_reply(ctx, 200, json_pack("{s:s, s:I, s:b, s:o, s:O, "
	    "s:s%}", "name", ctx->name, "version", (json_int_t)ctx->id,
	    "current", a != NULL && a->version == ctx->id, "origin", origin,
	    "activated_at", json_object_get(origin, "at") != NULL ?
	    json_object_get(origin, "at") : json_null(), "source",
	    (const char *)text, len)));
}
