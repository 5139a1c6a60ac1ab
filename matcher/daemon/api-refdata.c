/*
 * api-refdata.c — the reference data as people search it: GET
 * /v1/refdata/communes?q= (by name, postal code or INSEE code, every
 * match given with what it matched, since a postal code may be another
 * commune's INSEE code) and GET /v1/refdata/rome?q= (by code, or by words
 * of the ROME labels and appellations).  The searches are refdata.c's;
 * the commune's territory is the default rule set's, as in the labels.
 * A page holds the first limit matches; total says how many there are.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

#define REFDATA_LIMIT		20
#define REFDATA_LIMIT_MAX	100
#define REFDATA_Q_MAX		64

struct refpage {
	json_t	*items;
	size_t	 limit;
};

/* q and limit of the query; 0 or a status. */
static int
refdata_query(struct reqctx *ctx, const char **q, size_t *limit)
{
	const char	*s;
	char		*end;
	long		 n;

	*limit = REFDATA_LIMIT;
	if ((*q = http_query(ctx, "q")) == NULL)
		*q = "";
	if (strlen(*q) > REFDATA_Q_MAX || !utf8_valid(*q, strlen(*q)))
		return (http_error(ctx, ERR_INVALID, "q", "q: expected up to "
		    "%d bytes of UTF-8 text", REFDATA_Q_MAX));
	if ((s = http_query(ctx, "limit")) != NULL) {
		errno = 0;
		n = strtol(s, &end, 10);
		if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 ||
		    n < 1 || n > REFDATA_LIMIT_MAX)
			return (http_error(ctx, ERR_INVALID, "limit",
			    "limit: \"%.*s\" is not an integer from 1 to %d",
			    (int)utf8_cut(s, 20), s, REFDATA_LIMIT_MAX));
		*limit = (size_t)n;
	}
	return (0);
}

/* The postal codes of a commune as an array: "69001 69002" split. */
static json_t *
postal_codes(const char *s)
{
	json_t	*a = json_array();
	size_t	 n;

	for (; a != NULL && *s != '\0'; s += n) {
		s += strspn(s, " ,;|");
		if ((n = strcspn(s, " ,;|")) > 0)
			json_array_append_new(a, json_stringn(s, n));
	}
	return (a);
}

static void
commune_item(void *arg, const struct commune *c, const char *matched)
{
	struct refpage	*pg = arg;

	if (json_array_size(pg->items) >= pg->limit)
		return;
	json_array_append_new(pg->items, json_pack("{s:s, s:s, s:o, s:s?, "
	    "s:s}", "insee", c->insee, "name", c->name, "postal_codes",
	    postal_codes(c->postal_codes), "territory",
	    rulesets_territory(c->insee), "matched", matched));
}

static void
rome_item(void *arg, const char *rome, const char *label,
    const char *appellation, const char *appellation_label,
    const char *matched)
{
	struct refpage	*pg = arg;
	json_t		*j;

	if (json_array_size(pg->items) >= pg->limit)
		return;
	j = json_pack("{s:s, s:s?}", "rome", rome, "label", label);
	if (j != NULL && appellation != NULL) {
		json_object_set_new(j, "appellation", json_string(appellation));
		json_object_set_new(j, "appellation_label",
		    appellation_label != NULL ? json_string(appellation_label) :
		    json_null());
	}
	if (j != NULL)
		json_object_set_new(j, "matched", json_string(matched));
	json_array_append_new(pg->items, j);
}

/* GET /v1/refdata/communes and /v1/refdata/rome */
int
api_refdata(struct reqctx *ctx)
{
	struct refpage	 pg;
	const char	*q;
	size_t		 total;
	int		 status;

	if ((status = refdata_query(ctx, &q, &pg.limit)) != 0)
		return (status);
	if ((pg.items = json_array()) == NULL)
		return (http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory"));
	if (strcmp(ctx->route->path, "/v1/refdata/communes") == 0)
		total = refdata_find_communes(q, commune_item, &pg);
	else
		total = refdata_find_rome(q, rome_item, &pg);
	return (http_reply(ctx, 200, json_pack("{s:o, s:I}", "items",
	    pg.items, "total", (json_int_t)total)));
}
