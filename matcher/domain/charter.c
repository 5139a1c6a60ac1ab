/*
 * charter.c — the charter report: for each company that signed a charter,
 * per charter year of the period and per action of the form, what it
 * declared (done before, committed, publics and days a year) against what
 * was realised: the realisations the team recorded on the company and
 * what iod counts from its own data (durable hires, hires without CV,
 * offers sent, PMSMP immersions); the form's total of commitments; the
 * same summed per territory of the rule set.  It returns a json_t tree
 * and the CSV's rows; the query's parsing and the CSV's writing are the
 * daemon's (daemon/api-reports.c), the activity report report.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "rules.h"

#define CHARTER_MAX_YEARS	20	/* charter years one report covers */

/* One action in one year: declared, and realised. */
struct cell {
	int		 declared, done_before, committed;
	int64_t		 publics_per_year, days_per_year;
	int64_t		 recorded, counted, publics, days;
	int64_t		 companies;	/* territory: companies declaring */
};

struct charter_arg {
	const struct report_params *pp;
	int		 y0, ny;	/* the period's first year, its years */
	struct hmap	 offers, hires, durable, immersions;	/* by company */
	struct hmap	 yoffers, yhires, ydurable, yimmersions;
					/* by company << 14 | year */
	struct cell	*co;		/* [ny][ACTION__N], one company */
	struct cell	*terr;		/* [nterr + 1][ny][ACTION__N] */
	int64_t		*signatories;	/* [nterr + 1][ny] */
	int		 nterr;		/* the last slot: outside them */
};

/* The key of a company's count in a year. */
static uint64_t
ykey(uint64_t co, int year)
{
	return (co << 14 | (uint64_t)year);
}

static void
count(struct hmap *all, struct hmap *by_year, uint64_t co, iod_date d)
{
	uint64_t	yk = ykey(co, (int)(d / 10000));

	hmap_set(all, co, hmap_get(all, co) + 1);
	hmap_set(by_year, yk, hmap_get(by_year, yk) + 1);
}

static int
charter_offer_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct charter_arg	*ca = arg;
	struct offer		 o;
	iod_date		 d = 0;

	(void)k; (void)kl;
	memset(&o, 0, sizeof(o));
	if (rec_decode(&offer_schema, &o, v, vl) == 0) {
		if (report_in(ca->pp, o.workstation_visit.on))
			d = o.workstation_visit.on;
		else if (report_in(ca->pp, o.start_on))
			d = o.start_on;
		if (d != 0)
			count(&ca->offers, &ca->yoffers, o.company_id, d);
	}
	rec_clear(&offer_schema, &o);
	return (0);
}

static int
charter_placement_cb(const void *k, size_t kl, const void *v, size_t vl,
    void *arg)
{
	struct charter_arg	*ca = arg;
	json_t			*j;
	uint64_t		 co;
	iod_date		 d;

	(void)k; (void)kl;
	if ((j = rec_stored_json(&placement_schema, v, vl)) == NULL)
		return (0);
	co = (uint64_t)json_integer_value(json_object_get(j, "company_id"));
	d = report_jdate(j, "start_on");
	if (report_in(ca->pp, d)) {
		if (strcmp(report_jstr(j, "contract"), "PMSMP") == 0)
			count(&ca->immersions, &ca->yimmersions, co, d);
		else
			count(&ca->hires, &ca->yhires, co, d);
		if (json_is_true(json_object_get(j, "durable")))
			count(&ca->durable, &ca->ydurable, co, d);
	}
	json_decref(j);
	return (0);
}

struct charter_list {
	struct charter_arg	*ca;
	json_t			*items;
};

/* The hmap iod counts action from (durable hires, hires without CV, offers
 * sent, immersions), NULL for an action only the team records. */
static struct hmap *
counted_by(struct charter_arg *ca, int action, int by_year)
{
	switch (action) {
	case ACTION_RECRUIT_DURABLE:
		return (by_year ? &ca->ydurable : &ca->durable);
	case ACTION_INNOVATIVE_RECRUITMENT:	/* every IOD hire is without CV */
		return (by_year ? &ca->yhires : &ca->hires);
	case ACTION_SEND_OFFERS:
		return (by_year ? &ca->yoffers : &ca->offers);
	case ACTION_IMMERSION:
		return (by_year ? &ca->yimmersions : &ca->immersions);
	default:
		return (NULL);
	}
}

/* What iod counted over the period for one action of a company. */
static json_t *
realised(struct charter_arg *ca, int action, uint64_t co)
{
	struct hmap	*h = counted_by(ca, action, 0);

	return (h != NULL ? json_integer((json_int_t)hmap_get(h, co)) :
	    json_null());
}

static void
declare(struct cell *c, const struct commitment *cm)
{
	c->declared = 1;
	c->done_before = cm->done_before;
	c->committed = cm->committed;
	c->publics_per_year = cm->publics_per_year;
	c->days_per_year = cm->days_per_year;
}

/* Fill ca->co with company c's year by action cells. */
static void
fill(struct charter_arg *ca, const struct company *c)
{
	const struct commitment	*cm;
	const struct realisation *r;
	struct cell		*cell;
	struct hmap		*h;
	size_t			 i;
	int			 y, a;
	uint64_t		 n;

	memset(ca->co, 0, sizeof(*ca->co) * (size_t)ca->ny * ACTION__N);
	for (i = 0; i < c->ncommitments; i++) {
		cm = &c->commitments[i];
		for (y = 0; y < ca->ny; y++)
			if (cm->year == 0 || cm->year == ca->y0 + y)
				declare(&ca->co[y * ACTION__N + cm->action], cm);
	}
	for (i = 0; i < c->nrealisations; i++) {
		r = &c->realisations[i];
		if (!report_in(ca->pp, r->on))
			continue;
		cell = &ca->co[((int)(r->on / 10000) - ca->y0) * ACTION__N +
		    r->action];
		cell->recorded++;
		cell->publics += r->publics;
		cell->days += r->days;
	}
	for (y = 0; y < ca->ny; y++)
		for (a = 0; a < ACTION__N; a++) {
			if ((h = counted_by(ca, a, 1)) == NULL)
				continue;
			n = hmap_get(h, ykey(c->id, ca->y0 + y));
			cell = &ca->co[y * ACTION__N + a];
			cell->counted += (int64_t)n;
			if (a != ACTION_SEND_OFFERS)	/* a person each */
				cell->publics += (int64_t)n;
		}
}

/* One action's line: declared (null if not) against realised. */
static json_t *
cell_json(int action, const struct cell *c, int territory)
{
	json_t	*j, *decl;

	decl = !c->declared ? json_null() : json_pack("{s:b, s:b, s:I, s:I}",
	    "done_before", c->done_before, "committed", c->committed,
	    "publics_per_year", (json_int_t)c->publics_per_year,
	    "days_per_year", (json_int_t)c->days_per_year);
	if (territory && c->declared) {
		/* Companies, not booleans, once summed. */
		json_object_set_new(decl, "done_before",
		    json_integer(c->done_before));
		json_object_set_new(decl, "committed",
		    json_integer(c->committed));
		json_object_set_new(decl, "companies",
		    json_integer(c->companies));
	}
	j = json_pack("{s:s, s:s, s:o, s:{s:I, s:I, s:I, s:I}}",
	    "action", action_names[action],
	    "group", charter_group_names[action_groups[action]],
	    "declared", decl, "realised",
	    "recorded", (json_int_t)c->recorded,
	    "counted", (json_int_t)c->counted,
	    "publics", (json_int_t)c->publics, "days", (json_int_t)c->days);
	return (j);
}

/* The year's actions declared or realised, and the form's total of
 * commitments: {year, actions, total}. */
static json_t *
year_json(int year, const struct cell *cells, int territory)
{
	const struct cell	*c;
	json_t			*actions = json_array();
	int64_t			 committed = 0, publics = 0, days = 0;
	int			 a;

	for (a = 0; a < ACTION__N; a++) {
		c = &cells[a];
		if (!c->declared && c->recorded == 0 && c->counted == 0)
			continue;
		json_array_append_new(actions, cell_json(a, c, territory));
		if (c->declared && c->committed) {
			committed += territory ? c->committed : 1;
			publics += c->publics_per_year;
			days += c->days_per_year;
		}
	}
	return (json_pack("{s:i, s:o, s:{s:I, s:I, s:I}}", "year", year,
	    "actions", actions, "total", "committed", (json_int_t)committed,
	    "publics_per_year", (json_int_t)publics,
	    "days_per_year", (json_int_t)days));
}

/* Add a company's cells to its territory's. */
static void
add_territory(struct charter_arg *ca, int t)
{
	struct cell	*d, *s;
	int		 i, y;

	for (y = 0; y < ca->ny; y++)
		ca->signatories[t * ca->ny + y]++;
	for (i = 0; i < ca->ny * ACTION__N; i++) {
		s = &ca->co[i];
		d = &ca->terr[(size_t)t * (size_t)ca->ny * ACTION__N + (size_t)i];
		if (s->declared) {
			d->declared = 1;
			d->companies++;
			d->done_before += s->done_before;
			d->committed += s->committed;
			d->publics_per_year += s->publics_per_year;
			d->days_per_year += s->days_per_year;
		}
		d->recorded += s->recorded;
		d->counted += s->counted;
		d->publics += s->publics;
		d->days += s->days;
	}
}

static int
charter_company_cb(const void *k, size_t kl, const void *v, size_t vl,
    void *arg)
{
	struct charter_list	*cl = arg;
	struct charter_arg	*ca = cl->ca;
	struct company		 c;
	json_t			*commitments, *years, *item;
	const char		*tname = NULL;
	size_t			 i;
	uint64_t		 acted;
	int			 t = -1, y;

	(void)k; (void)kl;
	memset(&c, 0, sizeof(c));
	if (rec_decode(&company_schema, &c, v, vl) != 0 ||
	    c.charter.name == NULL) {
		rec_clear(&company_schema, &c);
		return (0);
	}
	commitments = json_array();
	for (i = 0; i < c.ncommitments; i++)
		json_array_append_new(commitments, json_pack(
		    "{s:s, s:s, s:I, s:b, s:b, s:I, s:I, s:o}",
		    "action", action_names[c.commitments[i].action],
		    "group", charter_group_names[
		    action_groups[c.commitments[i].action]],
		    "year", (json_int_t)c.commitments[i].year,
		    "done_before", c.commitments[i].done_before,
		    "committed", c.commitments[i].committed,
		    "publics_per_year",
		    (json_int_t)c.commitments[i].publics_per_year,
		    "days_per_year", (json_int_t)c.commitments[i].days_per_year,
		    "realised", realised(ca, c.commitments[i].action, c.id)));
	fill(ca, &c);
	years = json_array();
	for (y = 0; y < ca->ny; y++)
		json_array_append_new(years, year_json(ca->y0 + y,
		    &ca->co[y * ACTION__N], 0));
	if (ca->pp->rs != NULL &&
	    (t = ruleset_territory_of(ca->pp->rs, c.commune)) >= 0)
		tname = ruleset_territory_name(ca->pp->rs, t);
	add_territory(ca, t >= 0 && t < ca->nterr ? t : ca->nterr);
	acted = hmap_get(&ca->offers, c.id) + hmap_get(&ca->hires, c.id) +
	    hmap_get(&ca->immersions, c.id);
	for (i = 0; i < c.nrealisations; i++)
		acted += report_in(ca->pp, c.realisations[i].on);
	item = json_pack("{s:I, s:s, s:s, s:s, s:s*, s:s, s:s, s:b, s:I, "
	    "s:I, s:o, s:o, s:{s:I, s:I, s:I, s:I}, s:b}",
	    "company_id", (json_int_t)c.id, "siret", c.siret,
	    "name", c.name, "commune", c.commune, "territory", tname,
	    "charter", c.charter.name, "charter_status",
	    charter_status_names[c.charter.status],
	    "national_network", c.charter.national_network,
	    "fte", (json_int_t)c.fte, "fte_metropole",
	    (json_int_t)c.fte_metropole, "commitments", commitments,
	    "years", years, "recorded",
	    "offers", (json_int_t)hmap_get(&ca->offers, c.id),
	    "hires", (json_int_t)hmap_get(&ca->hires, c.id),
	    "durable_hires", (json_int_t)hmap_get(&ca->durable, c.id),
	    "immersions", (json_int_t)hmap_get(&ca->immersions, c.id),
	    "no_action", acted == 0);
	json_array_append_new(cl->items, item);
	rec_clear(&company_schema, &c);
	return (0);
}

/* The territories' lines, each year: those with a signatory. */
static json_t *
territories_json(struct charter_arg *ca)
{
	json_t		*out = json_array(), *yj;
	const char	*name;
	int		 t, y;

	for (t = 0; t <= ca->nterr; t++)
		for (y = 0; y < ca->ny; y++) {
			if (ca->signatories[t * ca->ny + y] == 0)
				continue;
			name = t < ca->nterr ?
			    ruleset_territory_name(ca->pp->rs, t) : NULL;
			yj = year_json(ca->y0 + y, &ca->terr[((size_t)t *
			    (size_t)ca->ny + (size_t)y) * ACTION__N], 1);
			json_object_set_new(yj, "territory",
			    name != NULL ? json_string(name) : json_null());
			json_object_set_new(yj, "companies", json_integer(
			    ca->signatories[t * ca->ny + y]));
			json_array_append_new(out, yj);
		}
	return (out);
}

int
charter_report(struct dctx *dc, const struct report_params *pp, json_t **out)
{
	struct charter_arg	 ca;
	struct charter_list	 cl;
	int			 rc = -1;

	memset(&ca, 0, sizeof(ca));
	ca.pp = pp;
	ca.y0 = (int)(pp->from / 10000);
	ca.ny = (int)(pp->to / 10000) - ca.y0 + 1;
	if (ca.ny > CHARTER_MAX_YEARS)
		return (derr_set(&dc->err, ERR_INVALID, "to", "to: the charter "
		    "report covers at most %d years", CHARTER_MAX_YEARS));
	while (pp->rs != NULL && ca.nterr < TERRITORY_MAX &&
	    ruleset_territory_name(pp->rs, ca.nterr) != NULL)
		ca.nterr++;
	cl.ca = &ca;
	cl.items = NULL;
	if ((ca.co = calloc((size_t)ca.ny * ACTION__N, sizeof(*ca.co))) ==
	    NULL || (ca.terr = calloc((size_t)(ca.nterr + 1) *
	    (size_t)ca.ny * ACTION__N, sizeof(*ca.terr))) == NULL ||
	    (ca.signatories = calloc((size_t)(ca.nterr + 1) * (size_t)ca.ny,
	    sizeof(*ca.signatories))) == NULL) {
		derr_set(&dc->err, ERR_NO_MEMORY, NULL, "out of memory");
		goto out;
	}
	cl.items = json_array();
	store_scan(dc->txn, DB_OFFERS, NULL, 0, 0, charter_offer_cb, &ca);
	store_scan(dc->txn, DB_PLACEMENTS, NULL, 0, 0, charter_placement_cb,
	    &ca);
	store_scan(dc->txn, DB_COMPANIES, NULL, 0, 0, charter_company_cb, &cl);
	*out = json_pack("{s:s, s:s, s:o, s:o}", "from", pp->from_text, "to",
	    pp->to_text, "companies", cl.items, "territories",
	    territories_json(&ca));
	cl.items = NULL;
	rc = 0;
out:
	json_decref(cl.items);
	hmap_free(&ca.offers);
	hmap_free(&ca.hires);
	hmap_free(&ca.durable);
	hmap_free(&ca.immersions);
	hmap_free(&ca.yoffers);
	hmap_free(&ca.yhires);
	hmap_free(&ca.ydurable);
	hmap_free(&ca.yimmersions);
	free(ca.co);
	free(ca.terr);
	free(ca.signatories);
	return (rc);
}

/* j's key, or JSON null: an action not declared has no columns. */
static json_t *
or_null(json_t *j, const char *key)
{
	json_t	*v = json_object_get(j, key);

	return (v != NULL ? v : json_null());
}

/* Append the cells of tail (stolen) to row. */
static void
extend(json_t *row, json_t *tail)
{
	json_array_extend(row, tail);
	json_decref(tail);
}

/* One CSV row: the level, the territory, the company, the year's action
 * (or "total"), its declaration and what was realised. */
static void
csv_rows_of(json_t *rows, json_t *who, json_t *yj)
{
	json_t		*a, *d, *r, *tot, *row;
	size_t		 i;

	json_array_foreach(json_object_get(yj, "actions"), i, a) {
		d = json_object_get(a, "declared");
		r = json_object_get(a, "realised");
		row = json_deep_copy(who);
		extend(row, json_pack("[O, O, O, O, O, O, O, O, O, O, "
		    "O]", json_object_get(yj, "year"), json_object_get(a, "group"),
		    json_object_get(a, "action"),
		    or_null(d, "done_before"),
		    or_null(d, "committed"),
		    or_null(d, "publics_per_year"),
		    or_null(d, "days_per_year"),
		    json_object_get(r, "recorded"), json_object_get(r, "counted"),
		    json_object_get(r, "publics"), json_object_get(r, "days")));
		json_array_append_new(rows, row);
	}
	tot = json_object_get(yj, "total");
	row = json_deep_copy(who);
	extend(row, json_pack("[O, s, s, n, O, O, O, n, n, n, n]",
	    json_object_get(yj, "year"), "", "total",
	    json_object_get(tot, "committed"),
	    json_object_get(tot, "publics_per_year"),
	    json_object_get(tot, "days_per_year")));
	json_array_append_new(rows, row);
}

const char *const charter_csv_columns[CHARTER_CSV_COLUMNS + 1] = {
	"level", "territory", "company_id", "siret", "name", "year", "group",
	"action", "done_before", "committed", "publics_per_year",
	"days_per_year", "recorded", "counted", "publics", "days", NULL
};

json_t *
charter_csv_rows(json_t *report)
{
	json_t		*rows = json_array(), *it, *yj, *who, *t;
	size_t		 i, n;

	json_array_foreach(json_object_get(report, "companies"), i, it) {
		t = json_object_get(it, "territory");
		who = json_pack("[s, O, O, O, O]", "company", t,
		    json_object_get(it, "company_id"),
		    json_object_get(it, "siret"), json_object_get(it, "name"));
		json_array_foreach(json_object_get(it, "years"), n, yj)
			csv_rows_of(rows, who, yj);
		json_decref(who);
	}
	json_array_foreach(json_object_get(report, "territories"), i, yj) {
		who = json_pack("[s, O, n, n, n]", "territory",
		    json_object_get(yj, "territory"));
		csv_rows_of(rows, who, yj);
		json_decref(who);
	}
	return (rows);
}
