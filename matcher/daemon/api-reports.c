/*
 * api-reports.c — GET /v1/reports/activity and GET /v1/reports/charter:
 * the query (from, to, programme, format) read and checked, the report
 * computed by the domain (domain/report.c, domain/charter.c) and sent as
 * JSON or as CSV, every cell through profiles' csv_cell.  What a report
 * counts is the domain's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "daemon.h"

/* Parse from, to and programme; 0 or a status. */
static int
reports_period(struct reqctx *ctx, struct report_params *pp)
{
	const char	*q;

	memset(pp, 0, sizeof(*pp));
	pp->programme = -1;
	if ((q = http_query(ctx, "from")) == NULL || date_parse(q, &pp->from))
		return (http_error(ctx, ERR_INVALID, "from", "from: %s "
		    "(expected a date YYYY-MM-DD)", q == NULL ? "is required" :
		    "is not a date"));
	pp->from_text = q;
	if ((q = http_query(ctx, "to")) == NULL || date_parse(q, &pp->to))
		return (http_error(ctx, ERR_INVALID, "to", "to: %s "
		    "(expected a date YYYY-MM-DD)", q == NULL ? "is required" :
		    "is not a date"));
	pp->to_text = q;
	if (pp->to < pp->from)
		return (http_error(ctx, ERR_INVALID, "to",
		    "to: the period ends before it starts"));
	if ((q = http_query(ctx, "programme")) != NULL &&
	    (pp->programme = enum_lookup(programme_names, q)) < 0)
		return (http_error(ctx, ERR_INVALID, "programme",
		    "programme: \"%.*s\" is not a programme",
		    (int)utf8_cut(q, 30), q));
	pp->programme_text = q;
	if (rulesets_find(NULL) != NULL)
		pp->rs = rulesets_find(NULL)->rs;
	return (0);
}

/* format=json (the default) or csv; 0 or a status. */
static int
reports_format(struct reqctx *ctx, int *csv)
{
	const char	*q = http_query(ctx, "format");

	*csv = q != NULL && strcmp(q, "csv") == 0;
	if (q != NULL && !*csv && strcmp(q, "json") != 0)
		return (http_error(ctx, ERR_INVALID, "format",
		    "format: \"%.*s\" is not json or csv",
		    (int)utf8_cut(q, 20), q));
	return (0);
}

/* Append one CSV row of cells (NULL is an empty cell), each through
 * csv_cell, the one writer of every CSV cell iod sends. */
static void
reports_csv_row(struct evbuffer *out, const char *const *cells, size_t n)
{
	size_t	 i;
	char	*c;

	for (i = 0; i < n; i++) {
		if (i > 0)
			evbuffer_add(out, ",", 1);
		if ((c = csv_cell(cells[i])) != NULL)
			evbuffer_add(out, c, strlen(c));
		free(c);
	}
	evbuffer_add(out, "\r\n", 2);
}

/* A scalar as a CSV cell's text (caller frees): a string as it is, a
 * number or a boolean as JSON writes it, null as nothing. */
static char *
reports_csv_text(json_t *v)
{
	if (json_is_string(v))
		return (strdup(json_string_value(v)));
	if (v == NULL || json_is_null(v))
		return (strdup(""));
	return (json_dumps(v, JSON_ENCODE_ANY));
}

/* A JSON object of scalars and one level of objects, as CSV rows. */
static void
reports_csv_rows(struct evbuffer *out, const char *prefix, json_t *j)
{
	const char	*key, *cells[2];
	json_t		*v;
	char		*s, name[160];

	json_object_foreach(j, key, v) {
		snprintf(name, sizeof(name), "%s%s%s", prefix,
		    *prefix ? "." : "", key);
		if (json_is_object(v)) {
			reports_csv_rows(out, name, v);
			continue;
		}
		s = reports_csv_text(v);
		cells[0] = name;
		cells[1] = s;
		reports_csv_row(out, cells, 2);
		free(s);
	}
}

int
api_report_activity(struct reqctx *ctx)
{
	struct report_params	 pp;
	struct dctx		 dc;
	struct evbuffer		*out;
	json_t			*j;
	int			 status, csv;

	if ((status = reports_format(ctx, &csv)) != 0 ||
	    (status = reports_period(ctx, &pp)) != 0)
		return (status);
	api_dctx(ctx, &dc);
	if (report_activity(&dc, &pp, &j) != 0)
		return (http_derr(ctx, &dc.err));
	if (!csv)
		return (http_reply(ctx, 200, j));
	out = evbuffer_new();
	reports_csv_row(out, (const char *const []){ "indicator", "value" }, 2);
	reports_csv_rows(out, "", j);
	json_decref(j);
	return (http_reply_text(ctx, 200, "text/csv; charset=utf-8", out));
}

#define CHARTER_COLUMNS	10
static const char *const charter_columns[CHARTER_COLUMNS] = {
	"company_id", "siret", "name", "action", "done_before", "committed",
	"publics_per_year", "days_per_year", "realised", "no_action"
};

int
api_report_charter(struct reqctx *ctx)
{
	struct report_params	 pp;
	struct dctx		 dc;
	struct evbuffer		*out;
	json_t			*j, *items, *it, *cm, *c;
	const char		*cells[CHARTER_COLUMNS];
	char			*text[CHARTER_COLUMNS];
	size_t			 i, n, k;
	int			 status, csv;

	if ((status = reports_format(ctx, &csv)) != 0 ||
	    (status = reports_period(ctx, &pp)) != 0)
		return (status);
	api_dctx(ctx, &dc);
	if (charter_report(&dc, &pp, &j) != 0)
		return (http_derr(ctx, &dc.err));
	if (!csv)
		return (http_reply(ctx, 200, j));
	items = json_object_get(j, "companies");
	out = evbuffer_new();
	reports_csv_row(out, charter_columns, CHARTER_COLUMNS);
	json_array_foreach(items, i, it) {
		cm = json_object_get(it, "commitments");
		for (n = 0; n < json_array_size(cm) || n == 0; n++) {
			c = json_array_get(cm, n);
			text[0] = reports_csv_text(json_object_get(it, "company_id"));
			text[1] = reports_csv_text(json_object_get(it, "siret"));
			text[2] = reports_csv_text(json_object_get(it, "name"));
			text[3] = reports_csv_text(json_object_get(c, "action"));
			text[4] = reports_csv_text(c != NULL ? json_object_get(c,
			    "done_before") : json_false());
			text[5] = reports_csv_text(c != NULL ? json_object_get(c,
			    "committed") : json_false());
			text[6] = reports_csv_text(json_object_get(c,
			    "publics_per_year"));
			text[7] = reports_csv_text(json_object_get(c, "days_per_year"));
			text[8] = reports_csv_text(json_object_get(c, "realised"));
			text[9] = reports_csv_text(json_object_get(it, "no_action"));
			for (k = 0; k < CHARTER_COLUMNS; k++)
				cells[k] = text[k];
			reports_csv_row(out, cells, CHARTER_COLUMNS);
			for (k = 0; k < CHARTER_COLUMNS; k++)
				free(text[k]);
			if (c == NULL)
				break;
		}
	}
	json_decref(j);
	return (http_reply_text(ctx, 200, "text/csv; charset=utf-8", out));
}
