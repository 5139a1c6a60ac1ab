/*
 * cmd-followups.c — the follow-up calendar: the appointments of this week
 * (Monday to Sunday, today as the daemon's IOD_TODAY would say), the
 * overdue ones, or every planned one, for one owner or all, fetched page
 * by page, sorted by date and printed as a table (table.c); and an
 * appointment recorded done or missed, on the day it happened.  The
 * daemon plans, moves and checks them.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const char *const fu_days[] = { "Mon", "Tue", "Wed", "Thu", "Fri",
    "Sat", "Sun" };

/* Columns of the table. */
enum fu_col { FC_ID, FC_DATE, FC_DAY, FC_WITH, FC_WHEN, FC_CANDIDATE,
	FC_COMPANY, FC_OWNER, FC_STATUS, FC__N };
static const char *const fu_heads[] = { "ID", "DATE", "DAY", "WITH",
    "PERIOD", "CANDIDATE", "COMPANY", "OWNER", "STATUS" };

static const char *
fu_str(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

static json_int_t
fu_int(json_t *o, const char *key)
{
	return (json_integer_value(json_object_get(o, key)));
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
	cell[FC_ID] = xasprintf("%" JSON_INTEGER_FORMAT, fu_int(f, "id"));
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

/* Append to all the items of src not in it yet (by id) nor cancelled. */
static void
fu_merge(json_t *all, json_t *src)
{
	json_t	*item, *have;
	size_t	 i, j;
	int	 dup;

	json_array_foreach(src, i, item) {
		if (strcmp(fu_str(item, "status"), "cancelled") == 0)
			continue;
		dup = 0;
		json_array_foreach(all, j, have)
			if (json_equal(json_object_get(have, "id"),
			    json_object_get(item, "id")))
				dup = 1;
		if (!dup)
			json_array_append(all, item);
	}
}

/*
 * followups: this week's (--week), the overdue ones (--overdue), both, or
 * every planned one; for one owner or all.
 */
static int
cmd_followups_exec(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, struct args *a)
{
	struct table	*t;
	json_t		*all, *got, **v;
	char		*query, *q, *owner, *cell[FC__N], mon[11], sun[11];
	char		 until[11];
	size_t		 i, n;
	iod_date	 today = date_today(), monday;
	int		 rc = 0, pass;

	monday = date_from_days(date_to_days(today) - date_weekday(today));
	date_format(monday, mon);
	date_format(date_from_days(date_to_days(monday) + 6), sun);
	date_format(date_from_days(date_to_days(monday) + 7), until);
	owner = client_encode(a->owner != NULL ? a->owner : "", -1);
	all = xjson(json_array());
	/* One list for each of --week and --overdue, or the planned ones. */
	for (pass = 0; pass < 3 && rc == 0; pass++) {
		if (pass == 0 && a->week)
			query = xasprintf("due_from=%s&due_before=%s", mon,
			    until);
		else if (pass == 1 && a->overdue)
			query = xasprintf("overdue=true");
		else if (pass == 2 && !a->week && !a->overdue)
			query = xasprintf("status=planned");
		else
			continue;
		if (a->owner != NULL) {
			q = xasprintf("%s&owner=%s", query, owner);
			free(query);
			query = q;
		}
		got = xjson(json_array());
		rc = pages_fetch(c, "followups", "/v1/followups", query, got);
		free(query);
		fu_merge(all, got);
		json_decref(got);
	}
	free(owner);
	if (rc != 0) {
		json_decref(all);
		return (rc);
	}

	n = json_array_size(all);
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_array_get(all, i);
	qsort(v, n, sizeof(*v), fu_order);
	if (a->json) {
		got = xjson(json_array());
		for (i = 0; i < n; i++)
			json_array_append(got, v[i]);
		client_print_json(got);
		json_decref(got);
		free(v);
		json_decref(all);
		return (0);
	}
	if (a->week)
		printf("Week of Monday %s to Sunday %s%s", mon, sun,
		    a->overdue ? ", and overdue" : "");
	else if (a->overdue)
		printf("Overdue appointments");
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

/*
 * Appointment f as its placement's list shows it, with the names a person
 * reads ("Amina D.", the company), or f itself (a new reference).
 */
static json_t *
fu_named(struct client *c, json_t *f)
{
	json_t	*items, *item, *found = NULL;
	char	*query;
	size_t	 i;

	if (json_object_get(f, "candidate_name") != NULL)
		return (json_incref(f));
	items = xjson(json_array());
	query = xasprintf("placement_id=%" JSON_INTEGER_FORMAT, fu_int(f,
	    "placement_id"));
	if (pages_fetch(c, "followup", "/v1/followups", query, items) == 0)
		json_array_foreach(items, i, item)
			if (fu_int(item, "id") == fu_int(f, "id"))
				found = item;
	free(query);
	found = json_incref(found != NULL ? found : f);
	json_decref(items);
	return (found);
}

/*
 * followup done|missed ID [--on DATE] [--note TEXT] [--assessment A]:
 * the appointment as it happened, on the day it happened (the daemon's
 * today by default).
 */
static int
cmd_followup_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	struct reply	 r;
	json_t		*body, *f;
	const char	*on;
	uint64_t	 id;
	char		*path, *cell[FC__N];
	int		 rc, i;

	if ((id = iodctl_id(ce, a->argv[0])) == 0)
		return (EXIT_USAGE);
	body = xjson(json_object());
	if (a->on != NULL)
		json_object_set_new(body, "on", iodctl_text("on", a->on));
	if (a->note != NULL)
		json_object_set_new(body, "note", iodctl_text("note", a->note));
	if (a->assessment != NULL)
		json_object_set_new(body, "assessment", iodctl_text(
		    "assessment", a->assessment));
	path = xasprintf("/v1/followups/%" PRIu64 "/%s", id, ce->sub);
	rc = client_call(c, iodctl_what(ce), CLIENT_POST, path, body, &r);
	free(path);
	json_decref(body);
	if (rc != 0)
		return (rc);
	if (a->json)
		client_print_json(r.json);
	else {
		f = fu_named(c, r.json);
		fu_cells(f, cell);
		printf("Appointment %" PRIu64 " (%s, %s, %s, %s): %s", id,
		    cell[FC_CANDIDATE], cell[FC_COMPANY], cell[FC_WHEN],
		    cell[FC_WITH], fu_str(r.json, "status"));
		on = fu_str(r.json, strcmp(ce->sub, "done") == 0 ? "done_on" :
		    "missed_on");
		if (*on != '\0')
			printf(" on %s", on);
		if (*fu_str(r.json, "assessment") != '\0')
			printf(", %s", fu_str(r.json, "assessment"));
		putchar('\n');
		for (i = 0; i < FC__N; i++)
			free(cell[i]);
		json_decref(f);
	}
	client_reply_clear(&r);
	return (0);
}

const struct cmd_entry cmd_followups_entry = {
	.name = "followups",
	.usage = "followups [--week] [--overdue] [--owner NAME] [--json]",
	.lower = 0,
	.upper = 0,
	.opts = O(OPT_WEEK) | O(OPT_OVERDUE) | O(OPT_OWNER) | O(OPT_JSON),
	.exec = cmd_followups_exec
};

const struct cmd_entry cmd_followup_done_entry = {
	.name = "followup",
	.sub = "done",
	.usage = "followup done <appointment> [--on YYYY-MM-DD] "
	    "[--assessment fine|at_risk|rupture] [--note TEXT] [--json]",
	.lower = 1,
	.upper = 1,
	.opts = O(OPT_ON) | O(OPT_NOTE) | O(OPT_ASSESSMENT) | O(OPT_JSON),
	.exec = cmd_followup_exec
};

const struct cmd_entry cmd_followup_missed_entry = {
	.name = "followup",
	.sub = "missed",
	.usage = "followup missed <appointment> [--on YYYY-MM-DD] "
	    "[--note TEXT] [--json]",
	.lower = 1,
	.upper = 1,
	.opts = O(OPT_ON) | O(OPT_NOTE) | O(OPT_JSON),
	.exec = cmd_followup_exec
};
