/*
 * cmd-refdata.c — iodctl communes QUERY and iodctl rome QUERY: the
 * reference data searched through GET /v1/refdata/communes and
 * /v1/refdata/rome, every match in a table (a commune found by its
 * postal code and another by the same digits as an INSEE code both
 * shown, with what matched), or the reply's JSON with --json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* One column: the heading and the item's key. */
struct ref_col {
	const char	*head;
	const char	*key;
};
static const struct ref_col commune_cols[] = {
	{ "INSEE", "insee" }, { "NAME", "name" },
	{ "POSTAL CODES", "postal_codes" }, { "TERRITORY", "territory" },
	{ "MATCHED", "matched" }, { NULL, NULL }
};
static const struct ref_col rome_cols[] = {
	{ "ROME", "rome" }, { "LABEL", "label" },
	{ "APPELLATION", "appellation" },
	{ "APPELLATION LABEL", "appellation_label" },
	{ "MATCHED", "matched" }, { NULL, NULL }
};

/* A cell: a string, or an array of strings joined by spaces. */
static char *
ref_cell(json_t *v)
{
	json_t	*e;
	char	*s = xasprintf("%s", ""), *t;
	size_t	 i;

	if (json_is_string(v)) {
		free(s);
		return (xasprintf("%s", json_string_value(v)));
	}
	json_array_foreach(v, i, e) {
		t = xasprintf("%s%s%s", s, i > 0 ? " " : "",
		    json_is_string(e) ? json_string_value(e) : "");
		free(s);
		s = t;
	}
	return (s);
}

static int
cmd_refdata_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	const struct ref_col	*cols = strcmp(ce->name, "communes") == 0 ?
				    commune_cols : rome_cols;
	const char		*heads[8];
	struct reply		 r;
	struct table		*t;
	json_t			*items, *it;
	char			*q, *path, **row;
	size_t			 i;
	int			 n, k, rc;

	q = client_encode(a->argv[0], -1);
	if ((a->seen & O(OPT_LIMIT)) != 0)
		path = xasprintf("/v1/refdata/%s?q=%s&limit=%llu", ce->name,
		    q, (unsigned long long)a->limit);
	else
		path = xasprintf("/v1/refdata/%s?q=%s", ce->name, q);
	free(q);
	rc = client_call(c, ce->name, CLIENT_GET, path, NULL, &r);
	free(path);
	if (rc != 0)
		return (rc);
	if (a->json) {
		client_print_json(r.json);
		client_reply_clear(&r);
		return (0);
	}
	items = json_object_get(r.json, "items");
	if (json_array_size(items) == 0) {
		fprintf(stderr, "iodctl: %s: nothing matches \"%s\"\n",
		    ce->name, a->argv[0]);
		client_reply_clear(&r);
		return (0);
	}
	for (n = 0; cols[n].head != NULL; n++)
		heads[n] = cols[n].head;
	t = table_new(heads, n);
	json_array_foreach(items, i, it) {
		row = xcalloc((size_t)n, sizeof(*row));
		for (k = 0; k < n; k++)
			row[k] = ref_cell(json_object_get(it, cols[k].key));
		table_add(t, row);
		free(row);
	}
	table_print(t);
	table_free(t);
	if (json_array_size(items) < (size_t)json_integer_value(
	    json_object_get(r.json, "total")))
		printf("%zu of %" JSON_INTEGER_FORMAT " matches (--limit for "
		    "more)\n", json_array_size(items), json_integer_value(
		    json_object_get(r.json, "total")));
	client_reply_clear(&r);
	return (0);
}

const struct cmd_entry cmd_communes_entry = {
	.name = "communes",
	.usage = "communes QUERY [--limit N] [--json]",
	.lower = 1,
	.upper = 1,
	.opts = O(OPT_LIMIT) | O(OPT_JSON),
	.exec = cmd_refdata_exec
};

const struct cmd_entry cmd_rome_entry = {
	.name = "rome",
	.usage = "rome QUERY [--limit N] [--json]",
	.lower = 1,
	.upper = 1,
	.opts = O(OPT_LIMIT) | O(OPT_JSON),
	.exec = cmd_refdata_exec
};
