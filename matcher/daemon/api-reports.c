/*
 * api-reports.c — GET /v1/reports/activity and GET /v1/reports/charter:
 * the query (from, to, programme, format) read and checked, the report
 * computed by the domain (domain/report.c, domain/charter.c) and sent as
 * JSON or as CSV, every cell through profiles' csv_cell.  The activity
 * report's CSV is the IOD table of the PLIE's annual report, as a French
 * spreadsheet opens it: UTF-8 with a byte-order mark, ';' between cells,
 * French labels, one row per line of the table in its order, figures and
 * percentages as the report prints them ("63 %"), then the breakdowns.
 * What a report counts is the domain's.
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

/* Append one CSV row of cells (NULL is an empty cell) separated by sep,
 * each through csv_cell_sep, the one writer of every CSV cell iod
 * sends. */
static void
reports_csv_row_sep(struct evbuffer *out, const char *const *cells,
    size_t n, char sep)
{
	size_t	 i;
	char	*c;

	for (i = 0; i < n; i++) {
		if (i > 0)
			evbuffer_add(out, &sep, 1);
		if ((c = csv_cell_sep(cells[i], sep)) != NULL)
			evbuffer_add(out, c, strlen(c));
		free(c);
	}
	evbuffer_add(out, "\r\n", 2);
}

/* The charter report's rows, ',' between cells. */
static void
reports_csv_row(struct evbuffer *out, const char *const *cells, size_t n)
{
	reports_csv_row_sep(out, cells, n, ',');
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

/*
 * The lines of the IOD table, in the annual report's order: where each
 * figure is in the report's JSON and, when a percentage goes beside it,
 * the figure it is a share of (the people followed, for the table).
 */
struct iod_line {
	const char	*label;
	const char	*obj;		/* the report's object holding it */
	const char	*key;
	const char	*of_obj, *of;	/* a percentage of this figure;
					   NULL: none */
};
static const struct iod_line iod_table[] = {
	{ "Orientations", "table", "orientations", NULL, NULL },
	{ "Personnes suivies", "table", "people_followed", NULL, NULL },
	{ "Personnes ayant passé au moins 1 entretien", "table",
	    "people_with_meeting", "table", "people_followed" },
	{ "Nouvelles entreprises rencontrées", "table", "companies_met", NULL,
	    NULL },
	{ "Rendez-vous en entreprises", "table", "company_meetings", NULL,
	    NULL },
	{ "Mises en relation en présence d'un chargé de mission", "table",
	    "mises_en_relation", NULL, NULL },
	{ "Séances de positionnement", "table", "positioning_sessions", NULL,
	    NULL },
	{ "Intérêts exprimés", "table", "interests", NULL, NULL },
	{ "Personnes ayant accédé à un emploi", "people_in_employment",
	    "total", "table", "people_followed" },
	{ "dont emploi durable (CDD ≥ 6 mois, CDI)", "people_in_employment",
	    "durable", "table", "people_followed" },
	{ "dont emploi transitoire (CDD < 6 mois, PMSMP)",
	    "people_in_employment", "transitional", "table",
	    "people_followed" },
	{ "Personnes en formation qualifiante", "table", "qualifying_training",
	    "table", "people_followed" },
	{ NULL, NULL, NULL, NULL, NULL }
};
static const struct iod_line iod_followup[] = {
	{ "Entretiens de suivi prévus", "followup", "planned", NULL, NULL },
	{ "Entretiens de suivi réalisés", "followup", "done", "followup",
	    "planned" },
	{ "Entretiens de suivi manqués", "followup", "missed", "followup",
	    "planned" },
	{ "Périodes d'essai terminées", "followup", "trial_ended", NULL, NULL },
	{ "En poste à la fin de la période d'essai", "followup",
	    "in_post_end_of_trial", "followup", "trial_ended" },
	{ "Embauches arrivées à 6 mois", "followup", "six_months_reached",
	    NULL, NULL },
	{ "En poste à 6 mois", "followup", "in_post_6_months", "followup",
	    "six_months_reached" },
	{ NULL, NULL, NULL, NULL, NULL }
};
static const struct iod_line iod_meetings[] = {
	{ "Visites de poste des offres", "company_meetings",
	    "workstation_visits", NULL, NULL },
	{ "Suivis avec l'employeur", "company_meetings", "employer_followups",
	    NULL, NULL },
	{ "Prospection", "journal", "prospection", NULL, NULL },
	{ "Présentation de la méthode", "journal", "presentation", NULL, NULL },
	{ "Négociation d'une offre", "journal", "negotiation", NULL, NULL },
	{ "Visites de poste (journal)", "journal", "workstation_visit", NULL,
	    NULL },
	{ "Rencontres de recrutement", "journal", "recruitment", NULL, NULL },
	{ "Suivis avec l'employeur (journal)", "journal", "employer_followup",
	    NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL }
};

/* The breakdowns' groups and categories in French; a category not
 * named here (a territory) reads as it is. */
static const char *const iod_groups[][2] = {
	{ "sex", "Sexe" }, { "qpv", "Résidence en QPV" },
	{ "programme", "Dispositif" }, { "public", "Public" },
	{ "territory", "Territoire" }, { NULL, NULL }
};
static const char *const iod_categories[][2] = {
	{ "F", "Femmes" }, { "M", "Hommes" },
	{ "qpv", "Résident·es QPV" }, { "not_qpv", "Hors QPV" },
	{ "plie", "PLIE" }, { "mission_locale", "Mission Locale" },
	{ "cap_emploi", "Cap emploi" }, { "france_travail", "France Travail" },
	{ "siae", "SIAE" }, { "other", "Autre" },
	{ "rsa", "RSA" }, { "deld", "DELD" }, { "youth", "Moins de 26 ans" },
	{ "senior", "50 ans et plus" }, { "rqth", "RQTH" },
	{ "refugee", "Réfugié·es" }, { "justice", "Sous main de justice" },
	{ "single_parent", "Parent isolé" }, { "unknown", "Inconnu" },
	{ NULL, NULL }
};

static const char *
iod_french(const char *const (*names)[2], const char *key)
{
	for (; (*names)[0] != NULL; names++)
		if (strcmp((*names)[0], key) == 0)
			return ((*names)[1]);
	return (key);
}

/* A figure's cell: an integer, or the text ("<5") the report gives. */
static void
iod_figure(json_t *v, char *buf, size_t len)
{
	if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	else
		snprintf(buf, len, "%s", json_is_string(v) ?
		    json_string_value(v) : "");
}

/* A section of lines: a header row, then one row per line, as
 * "label;figure;percentage" with the percentage rounded to a unit. */
static void
iod_section(struct evbuffer *out, json_t *j, const char *head,
    const struct iod_line *l)
{
	const char	*cells[3];
	char		 fig[32], pct[32];
	json_t		*o;
	json_int_t	 n, of;

	cells[0] = head;
	cells[1] = "Nombre";
	cells[2] = "%";
	reports_csv_row_sep(out, cells, 3, ';');
	for (; l->label != NULL; l++) {
		o = json_object_get(j, l->obj);
		iod_figure(json_object_get(o, l->key), fig, sizeof(fig));
		pct[0] = '\0';
		n = json_integer_value(json_object_get(o, l->key));
		of = l->of != NULL ? json_integer_value(json_object_get(
		    json_object_get(j, l->of_obj), l->of)) : 0;
		if (of > 0)
			snprintf(pct, sizeof(pct), "%" JSON_INTEGER_FORMAT " %%",
			    (n * 100 + of / 2) / of);
		cells[0] = l->label;
		cells[1] = fig;
		cells[2] = pct;
		reports_csv_row_sep(out, cells, 3, ';');
	}
}

/* The activity report as the IOD table (see the file's comment). */
static struct evbuffer *
iod_csv(json_t *j)
{
	struct evbuffer	*out = evbuffer_new();
	json_t		*bd, *g, *row;
	const char	*group, *cat, *cells[5];
	char		 n[3][32];
	size_t		 i;

	if (out == NULL)
		return (NULL);
	evbuffer_add(out, "\xef\xbb\xbf", 3);
	iod_section(out, j, "Indicateur", iod_table);
	evbuffer_add(out, "\r\n", 2);
	iod_section(out, j, "Suivi dans l'emploi", iod_followup);
	evbuffer_add(out, "\r\n", 2);
	iod_section(out, j, "Rendez-vous en entreprises", iod_meetings);
	evbuffer_add(out, "\r\n", 2);
	cells[0] = "Répartition";
	cells[1] = "Catégorie";
	cells[2] = "Personnes suivies";
	cells[3] = "Personnes proposées";
	cells[4] = "Personnes embauchées";
	reports_csv_row_sep(out, cells, 5, ';');
	bd = json_object_get(j, "breakdowns");
	for (i = 0; iod_groups[i][0] != NULL; i++) {
		group = iod_groups[i][0];
		g = json_object_get(bd, group);
		json_object_foreach(g, cat, row) {
			iod_figure(json_object_get(row, "pool"), n[0],
			    sizeof(n[0]));
			iod_figure(json_object_get(row, "proposed"), n[1],
			    sizeof(n[1]));
			iod_figure(json_object_get(row, "hired"), n[2],
			    sizeof(n[2]));
			cells[0] = iod_groups[i][1];
			cells[1] = iod_french(iod_categories, cat);
			cells[2] = n[0];
			cells[3] = n[1];
			cells[4] = n[2];
			reports_csv_row_sep(out, cells, 5, ';');
		}
	}
	return (out);
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
	out = iod_csv(j);
	json_decref(j);
	if (out == NULL)
		return (http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory"));
	return (http_reply_text(ctx, 200, "text/csv; charset=utf-8", out));
}

int
api_report_charter(struct reqctx *ctx)
{
	struct report_params	 pp;
	struct dctx		 dc;
	struct evbuffer		*out;
	json_t			*j, *rows, *row;
	const char		*cells[CHARTER_CSV_COLUMNS];
	char			*text[CHARTER_CSV_COLUMNS];
	size_t			 i, k;
	int			 status, csv;

	if ((status = reports_format(ctx, &csv)) != 0 ||
	    (status = reports_period(ctx, &pp)) != 0)
		return (status);
	api_dctx(ctx, &dc);
	if (charter_report(&dc, &pp, &j) != 0)
		return (http_derr(ctx, &dc.err));
	if (!csv)
		return (http_reply(ctx, 200, j));
	rows = charter_csv_rows(j);
	json_decref(j);
	out = evbuffer_new();
	reports_csv_row(out, charter_csv_columns, CHARTER_CSV_COLUMNS);
	json_array_foreach(rows, i, row) {
		for (k = 0; k < CHARTER_CSV_COLUMNS; k++)
			cells[k] = text[k] = reports_csv_text(json_array_get(row,
			    k));
		reports_csv_row(out, cells, CHARTER_CSV_COLUMNS);
		for (k = 0; k < CHARTER_CSV_COLUMNS; k++)
			free(text[k]);
	}
	json_decref(rows);
	return (http_reply_text(ctx, 200, "text/csv; charset=utf-8", out));
}
