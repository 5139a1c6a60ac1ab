/*
 * cmd-followups.c — the follow-up calendar: the appointments of this week
 * (Monday to Sunday, today as the daemon's IOD_TODAY would say), or every
 * planned one, for one owner or all, fetched page by page, sorted by date
 * and printed as a table (table.c).  The daemon plans and moves them; this
 * command only reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const char *const fu_days[] = { "Mon", "Tue", "Wed", "Thu", "Fri",
    "Sat", "Sun" };

/* Columns of the table. */
enum fu_col { FC_DATE, FC_DAY, FC_WITH, FC_WHEN, FC_CANDIDATE, FC_COMPANY,
	FC_OWNER, FC_STATUS, FC__N };
static const char *const fu_heads[] = { "DATE", "DAY", "WITH", "PERIOD",
    "CANDIDATE", "COMPANY", "OWNER", "STATUS" };

static const char *
fu_str(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

static int
fu_order(const void *a, const void *b)
{
	json_t		*x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int		 c;
	json_int_t	 i, j;

	if ((c = strcmp(fu_str(x, "due_on"), fu_str(y, "due_on"))) != 0)
		return (c);
	i = json_integer_value(json_object_get(x, "id"));
	j = json_integer_value(json_object_get(y, "id"));
	return (i < j ? -1 : i > j);
}

/* The cells of one appointment (caller frees each). */
static void
fu_cells(json_t *f, char *cell[FC__N])
{
	const char	*kind = fu_str(f, "kind"), *phase = fu_str(f, "phase");
	json_int_t	 n = json_integer_value(json_object_get(f, "number"));
	iod_date	 d = 0;

	date_parse(fu_str(f, "due_on"), &d);
	cell[FC_DATE] = xasprintf("%s", fu_str(f, "due_on"));
	cell[FC_DAY] = xasprintf("%s", d != 0 ? fu_days[date_weekday(d)] : "");
	cell[FC_WITH] = xasprintf("%s", strcmp(kind, "joint_review") == 0 ?
	    "joint review" : strcmp(kind, "both") == 0 ? "both" : kind);
	if (strcmp(phase, "trial") == 0)
		cell[FC_WHEN] = xasprintf("trial week %" JSON_INTEGER_FORMAT,
		    n);
	else if (strcmp(phase, "monthly") == 0)
		cell[FC_WHEN] = xasprintf("month %" JSON_INTEGER_FORMAT, n);
	else
		cell[FC_WHEN] = xasprintf("end, month %" JSON_INTEGER_FORMAT,
		    n);
	cell[FC_CANDIDATE] = xasprintf("%s", fu_str(f, "candidate_name"));
	cell[FC_COMPANY] = xasprintf("%s", fu_str(f, "company_name"));
	cell[FC_OWNER] = xasprintf("%s", fu_str(f, "owner"));
	cell[FC_STATUS] = xasprintf("%s", json_is_true(json_object_get(f,
	    "overdue")) ? "OVERDUE" : fu_str(f, "status"));
}

static int
cmd_followups_exec(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, struct args *a)
{
	struct reply	 r;
	struct table	*t;
	json_t		*all, *items, *item, *next, **v;
	char		*query, *path, *owner = NULL, *cursor = NULL;
	char		*cell[FC__N], mon[11], sun[11], until[11];
	size_t		 i, n;
	iod_date	 today = date_today(), monday;
	int		 rc = 0;

	monday = date_from_days(date_to_days(today) - date_weekday(today));
	date_format(monday, mon);
	date_format(date_from_days(date_to_days(monday) + 6), sun);
	date_format(date_from_days(date_to_days(monday) + 7), until);
	if (a->owner != NULL)
		owner = client_encode(a->owner, -1);
	query = xasprintf("limit=%d%s%s%s%s%s%s", LIST_PAGE_ALL, a->week ?
	    "&due_from=" : "&status=planned", a->week ? mon : "",
	    a->week ? "&due_before=" : "", a->week ? until : "",
	    owner != NULL ? "&owner=" : "", owner != NULL ? owner : "");
	free(owner);
	all = xjson(json_array());
	for (;;) {
		path = xasprintf("/v1/followups?%s%s%s", query, cursor !=
		    NULL ? "&cursor=" : "", cursor != NULL ? cursor : "");
		rc = client_get(c, CLIENT_GET, path, &r);
		free(path);
		if (rc != 0) {
			rc = EXIT_USAGE;
			break;
		}
		if (!client_ok(&r)) {
			rc = client_report(&r);
			client_reply_clear(&r);
			break;
		}
		items = json_object_get(r.json, "items");
		json_array_foreach(items, i, item)
			if (strcmp(fu_str(item, "status"), "cancelled") != 0)
				json_array_append(all, item);
		next = json_object_get(r.json, "next_cursor");
		free(cursor);
		cursor = json_is_string(next) ? xasprintf("%s",
		    json_string_value(next)) : NULL;
		client_reply_clear(&r);
		if (cursor == NULL)
			break;
	}
	free(cursor);
	free(query);
	if (rc != 0) {
		json_decref(all);
		return (rc);
	}

	n = json_array_size(all);
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_array_get(all, i);
	qsort(v, n, sizeof(*v), fu_order);
	if (a->week)
		printf("Week of Monday %s to Sunday %s", mon, sun);
	else
		printf("Planned appointments");
	if (a->owner != NULL)
		printf(", %s", a->owner);
	printf(": %zu appointment%s\n", n, n == 1 ? "" : "s");
	if (n > 0) {
		t = table_new(fu_heads, FC__N);
		for (i = 0; i < n; i++) {
			fu_cells(v[i], cell);
			table_add(t, cell);
		}
		putchar('\n');
		table_print(t);
		table_free(t);
	}
	free(v);
	json_decref(all);
	return (0);
}

const struct cmd_entry cmd_followups_entry = {
	.name = "followups",
	.usage = "followups [--week] [--owner NAME]",
	.lower = 0,
	.upper = 0,
	.opts = O(OPT_WEEK) | O(OPT_OWNER),
	.exec = cmd_followups_exec
};
