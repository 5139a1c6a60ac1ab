/*
 * report.c — the activity report funders ask for, in the shape of the IOD
 * table of the field reports (people followed, orientations, mises en
 * relation, hires split into durable and transitional employment,
 * follow-up and retention), with breakdowns by sex, QPV residence,
 * programme, public category and territory for the pool, the people
 * proposed and the people hired; and the charter report, each signatory's
 * declared commitments against what iod recorded.  Everything is computed
 * from the store's records by their domain dates (orientation, meeting,
 * start of contract, appointment), so a year can be reported at any time.
 * Cells of fewer than 5 people are masked in breakdowns.  JSON or CSV.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "matcher.h"
#include "rules.h"

#define MASK_BELOW	5

/* A candidate as the report sees them. */
struct rcand {
	uint64_t	 id;
	int		 sex, programme, qpv, territory, status;
	uint32_t	 publics;
	iod_date	 oriented_on, exit_on;
	int		 exit_kind;
	int		 in_scope;	/* the programme asked for */
	int		 followed, proposed, hired;
};

struct report {
	iod_date	 from, to;
	int		 programme;	/* -1: all */
	const struct ruleset *rs;	/* the default: territories, outcomes */
	struct rcand	*cands;
	size_t		 ncands, cap;
	struct hmap	 slot;		/* candidate id -> index + 1 */
	struct hmap	 first_visit;	/* company id -> first visit date */
	/* The IOD table. */
	long		 followed, orientations, with_meeting, companies_met,
			 company_meetings, visits, employer_followups,
			 mises_en_relation, hired, durable, transitional,
			 training, proposed;
	/* Follow-up and retention. */
	long		 fu_planned, fu_done, fu_missed, trial_due,
			 trial_in_post, six_due, six_in_post;
};

static int
in(const struct report *r, iod_date d)
{
	return (d != 0 && d >= r->from && d <= r->to);
}

static struct rcand *
cand_of(struct report *r, uint64_t id)
{
	uint64_t	i = hmap_get(&r->slot, id);

	return (i == 0 ? NULL : &r->cands[i - 1]);
}

static int
cand_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct report		*r = arg;
	struct candidate	 c;
	struct rcand		*rc;
	void			*p;

	(void)k; (void)kl;
	memset(&c, 0, sizeof(c));
	if (rec_decode(&candidate_schema, &c, v, vl) != 0) {
		rec_clear(&candidate_schema, &c);
		return (0);
	}
	if (r->ncands == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 1024;
		if ((p = reallocarray(r->cands, r->cap, sizeof(*rc))) == NULL) {
			rec_clear(&candidate_schema, &c);
			return (IOD_ENOMEM);
		}
		r->cands = p;
	}
	rc = &r->cands[r->ncands++];
	memset(rc, 0, sizeof(*rc));
	rc->id = c.id;
	rc->sex = c.sex;
	rc->programme = c.programme;
	rc->qpv = c.qpv;
	rc->publics = c.publics;
	rc->status = c.status;
	rc->oriented_on = c.oriented_on;
	rc->exit_on = c.exit.on;
	rc->exit_kind = c.exit.on != 0 ? c.exit.kind : -1;
	rc->territory = r->rs != NULL ? ruleset_territory_of(r->rs,
	    c.commune) : -1;
	rc->in_scope = r->programme < 0 || c.programme == r->programme;
	hmap_set(&r->slot, c.id, r->ncands);
	if (rc->in_scope) {
		/* Followed in the period: oriented by its end, not gone
		 * before its start. */
		rc->followed = c.oriented_on <= r->to &&
		    (c.exit.on == 0 || c.exit.on >= r->from);
		r->followed += rc->followed;
		r->orientations += in(r, c.oriented_on);
		if (c.exit.on != 0 && in(r, c.exit.on) &&
		    c.exit.kind == EXIT_QUALIFYING_TRAINING)
			r->training++;
	}
	rec_clear(&candidate_schema, &c);
	return (0);
}

static int
proposal_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct report	*r = arg;
	struct proposal	 p;
	struct rcand	*c;
	iod_date	 met = 0;
	char		 day[11];

	(void)k; (void)kl;
	memset(&p, 0, sizeof(p));
	if (rec_decode(&proposal_schema, &p, v, vl) == 0 &&
	    (c = cand_of(r, p.candidate_id)) != NULL && c->in_scope) {
		if (in(r, p.proposed_on))
			c->proposed = 1;
		if (p.meeting.at != NULL) {
			memcpy(day, p.meeting.at, 10);
			day[10] = '\0';
			date_parse(day, &met);
		}
		if (in(r, met)) {
			r->mises_en_relation++;
			if (c->proposed < 2)
				c->proposed = 2;	/* met, at least once */
		}
	}
	rec_clear(&proposal_schema, &p);
	return (0);
}

static iod_date
jdate(json_t *j, const char *key)
{
	json_t	*v = json_object_get(j, key);

	return (json_is_integer(v) ? (iod_date)json_integer_value(v) : 0);
}

static const char *
jstr(json_t *j, const char *key)
{
	const char	*s = json_string_value(json_object_get(j, key));

	return (s != NULL ? s : "");
}

static int
placement_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct report	*r = arg;
	struct rcand	*c;
	json_t		*j;
	iod_date	 start, trial_end, ended, six;

	(void)k; (void)kl;
	if ((j = mp_bytes_to_json(v, vl)) == NULL)
		return (0);
	c = cand_of(r, (uint64_t)json_integer_value(json_object_get(j,
	    "candidate_id")));
	start = jdate(j, "start_on");
	if (c != NULL && c->in_scope && in(r, start)) {
		r->hired++;
		c->hired = 1;
		if (json_is_true(json_object_get(j, "durable")))
			r->durable++;
		else
			r->transitional++;
		trial_end = jdate(j, "trial_end");
		ended = strcmp(jstr(j, "status"), "ended") == 0 ?
		    jdate(j, "ended_on") : 0;
		if (trial_end != 0 && trial_end <= r->to) {
			r->trial_due++;
			r->trial_in_post += ended == 0 || ended > trial_end;
		}
		six = date_add_months(start, 6);
		if (six <= r->to) {
			r->six_due++;
			r->six_in_post += ended == 0 || ended >= six;
		}
	}
	json_decref(j);
	return (0);
}

static int
followup_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct report	*r = arg;
	struct rcand	*c;
	json_t		*j;
	const char	*status, *kind;

	(void)k; (void)kl;
	if ((j = mp_bytes_to_json(v, vl)) == NULL)
		return (0);
	c = cand_of(r, (uint64_t)json_integer_value(json_object_get(j,
	    "candidate_id")));
	status = jstr(j, "status");
	kind = jstr(j, "kind");
	if (c != NULL && c->in_scope && in(r, jdate(j, "due_on")) &&
	    strcmp(status, "cancelled") != 0) {
		r->fu_planned++;
		r->fu_done += strcmp(status, "done") == 0;
		r->fu_missed += strcmp(status, "missed") == 0;
	}
	/* An interview with the employer is a company meeting. */
	if (c != NULL && c->in_scope && strcmp(status, "done") == 0 &&
	    strcmp(kind, "employee") != 0 && in(r, jdate(j, "done_on") != 0 ?
	    jdate(j, "done_on") : jdate(j, "due_on")))
		r->employer_followups++;
	json_decref(j);
	return (0);
}

static int
offer_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct report	*r = arg;
	struct offer	 o;
	uint64_t	 first;

	(void)k; (void)kl;
	memset(&o, 0, sizeof(o));
	if (rec_decode(&offer_schema, &o, v, vl) == 0 &&
	    o.workstation_visit.on != 0) {
		r->visits += in(r, o.workstation_visit.on);
		first = hmap_get(&r->first_visit, o.company_id);
		if (first == 0 || o.workstation_visit.on < first)
			hmap_set(&r->first_visit, o.company_id,
			    o.workstation_visit.on);
	}
	rec_clear(&offer_schema, &o);
	return (0);
}

static json_t *
cell(long n)
{
	if (n > 0 && n < MASK_BELOW)
		return (json_string("<5"));
	return (json_integer(n));
}

static json_t *
percent(long n, long of)
{
	if (of == 0)
		return (json_null());
	return (json_real((double)((n * 1000 + of / 2) / of) / 10.0));
}

/* One breakdown: group -> category -> {pool, proposed, hired}. */
static json_t *
breakdown(struct report *r, const char *group)
{
	json_t			*out = json_object(), *row;
	long			 n[64][3];
	const char		*names[64];
	char			 buf[80];
	size_t			 i, ncat = 0;
	int			 k, j, t;

	memset(n, 0, sizeof(n));
	if (strcmp(group, "sex") == 0)
		for (ncat = 0; sex_names[ncat] != NULL; ncat++)
			names[ncat] = sex_names[ncat];
	else if (strcmp(group, "programme") == 0)
		for (ncat = 0; programme_names[ncat] != NULL; ncat++)
			names[ncat] = programme_names[ncat];
	else if (strcmp(group, "public") == 0)
		for (ncat = 0; public_names[ncat] != NULL; ncat++)
			names[ncat] = public_names[ncat];
	else if (strcmp(group, "qpv") == 0) {
		names[0] = "qpv";
		names[1] = "not_qpv";
		ncat = 2;
	} else {
		for (t = 0; r->rs != NULL && t < 62 &&
		    ruleset_territory_name(r->rs, t) != NULL; t++)
			names[ncat++] = ruleset_territory_name(r->rs, t);
		names[ncat++] = "unknown";
	}
	for (i = 0; i < r->ncands; i++) {
		struct rcand	*c = &r->cands[i];
		int		 flags[3] = { c->followed, c->proposed > 0,
				    c->hired };

		for (j = 0; j < 3; j++) {
			if (!flags[j])
				continue;
			if (strcmp(group, "sex") == 0)
				n[c->sex][j]++;
			else if (strcmp(group, "programme") == 0)
				n[c->programme][j]++;
			else if (strcmp(group, "qpv") == 0)
				n[c->qpv ? 0 : 1][j]++;
			else if (strcmp(group, "public") == 0) {
				for (k = 0; k < PUBLIC__N; k++)
					if (c->publics & (1u << k))
						n[k][j]++;
			} else
				n[c->territory >= 0 && (size_t)c->territory <
				    ncat - 1 ? (size_t)c->territory :
				    ncat - 1][j]++;
		}
	}
	for (i = 0; i < ncat; i++) {
		snprintf(buf, sizeof(buf), "%s", names[i]);
		row = json_pack("{s:o, s:o, s:o}", "pool", cell(n[i][0]),
		    "proposed", cell(n[i][1]), "hired", cell(n[i][2]));
		json_object_set_new(out, buf, row);
	}
	return (out);
}

static void
report_free(struct report *r)
{
	free(r->cands);
	hmap_free(&r->slot);
	hmap_free(&r->first_visit);
}

/* Parse from, to and programme; 0 or a status. */
static int
period(struct reqctx *ctx, struct report *r)
{
	const char	*q;

	memset(r, 0, sizeof(*r));
	r->programme = -1;
	if ((q = http_query(ctx, "from")) == NULL || date_parse(q, &r->from))
		return (http_error(ctx, 400, "invalid", "from", "from: %s "
		    "(expected a date YYYY-MM-DD)", q == NULL ? "is required" :
		    "is not a date"));
	if ((q = http_query(ctx, "to")) == NULL || date_parse(q, &r->to))
		return (http_error(ctx, 400, "invalid", "to", "to: %s "
		    "(expected a date YYYY-MM-DD)", q == NULL ? "is required" :
		    "is not a date"));
	if (r->to < r->from)
		return (http_error(ctx, 400, "invalid", "to",
		    "to: the period ends before it starts"));
	if ((q = http_query(ctx, "programme")) != NULL &&
	    (r->programme = enum_lookup(programme_names, q)) < 0)
		return (http_error(ctx, 400, "invalid", "programme",
		    "programme: \"%.*s\" is not a programme",
		    (int)utf8_cut(q, 30), q));
	if (rulesets_find(NULL) != NULL)
		r->rs = rulesets_find(NULL)->rs;
	return (0);
}

static int
wants_csv(struct reqctx *ctx, int *csv)
{
	const char	*q = http_query(ctx, "format");

	*csv = q != NULL && strcmp(q, "csv") == 0;
	if (q != NULL && !*csv && strcmp(q, "json") != 0)
		return (http_error(ctx, 400, "invalid", "format",
		    "format: \"%.*s\" is not json or csv",
		    (int)utf8_cut(q, 20), q));
	return (0);
}

/* Append one CSV row of cells (NULL is an empty cell), each through
 * csv_cell, the one writer of every CSV cell iod sends. */
static void
csv_row(struct evbuffer *out, const char *const *cells, size_t n)
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
csv_text(json_t *v)
{
	if (json_is_string(v))
		return (strdup(json_string_value(v)));
	if (v == NULL || json_is_null(v))
		return (strdup(""));
	return (json_dumps(v, JSON_ENCODE_ANY));
}

/* A JSON object of scalars and one level of objects, as CSV rows. */
static void
csv_rows(struct evbuffer *out, const char *prefix, json_t *j)
{
	const char	*key, *cells[2];
	json_t		*v;
	char		*s, name[160];

	json_object_foreach(j, key, v) {
		snprintf(name, sizeof(name), "%s%s%s", prefix,
		    *prefix ? "." : "", key);
		if (json_is_object(v)) {
			csv_rows(out, name, v);
			continue;
		}
		s = csv_text(v);
		cells[0] = name;
		cells[1] = s;
		csv_row(out, cells, 2);
		free(s);
	}
}

int
api_report_activity(struct reqctx *ctx)
{
	struct report		 r;
	struct evbuffer		*out;
	json_t			*j, *table, *pct, *bd;
	size_t			 i;
	int			 status, csv;
	static const char *const groups[] = { "sex", "qpv", "programme",
	    "public", "territory", NULL };

	if ((status = wants_csv(ctx, &csv)) != 0 ||
	    (status = period(ctx, &r)) != 0)
		return (status);
	if (store_scan(ctx->txn, DB_CANDIDATES, NULL, 0, 0, cand_cb, &r) != 0 ||
	    store_scan(ctx->txn, DB_PROPOSALS, NULL, 0, 0, proposal_cb, &r) != 0 ||
	    store_scan(ctx->txn, DB_PLACEMENTS, NULL, 0, 0, placement_cb, &r) != 0 ||
	    store_scan(ctx->txn, DB_FOLLOWUPS, NULL, 0, 0, followup_cb, &r) != 0 ||
	    store_scan(ctx->txn, DB_OFFERS, NULL, 0, 0, offer_cb, &r) != 0) {
		report_free(&r);
		return (http_store_error(ctx, ctx->txn->rc ? ctx->txn->rc :
		    IOD_ENOMEM));
	}
	for (i = 0; i < r.ncands; i++) {
		r.with_meeting += r.cands[i].proposed == 2;
		r.proposed += r.cands[i].proposed > 0;
	}
	for (i = 0; i < r.first_visit.cap; i++)
		if (r.first_visit.keys[i] != 0 &&
		    in(&r, (iod_date)r.first_visit.vals[i]))
			r.companies_met++;
	r.company_meetings = r.visits + r.employer_followups;
	table = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I}",
	    "people_followed", (json_int_t)r.followed,
	    "orientations", (json_int_t)r.orientations,
	    "people_proposed", (json_int_t)r.proposed,
	    "people_with_meeting", (json_int_t)r.with_meeting,
	    "companies_met", (json_int_t)r.companies_met,
	    "company_meetings", (json_int_t)r.company_meetings,
	    "mises_en_relation", (json_int_t)r.mises_en_relation,
	    "hires", (json_int_t)r.hired,
	    "durable", (json_int_t)r.durable,
	    "transitional", (json_int_t)r.transitional,
	    "qualifying_training", (json_int_t)r.training);
	pct = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
	    "orientations", percent(r.orientations, r.followed),
	    "people_with_meeting", percent(r.with_meeting, r.followed),
	    "hires", percent(r.hired, r.followed),
	    "durable", percent(r.durable, r.followed),
	    "transitional", percent(r.transitional, r.followed),
	    "qualifying_training", percent(r.training, r.followed));
	bd = json_object();
	for (i = 0; groups[i] != NULL; i++)
		json_object_set_new(bd, groups[i], breakdown(&r, groups[i]));
	j = json_pack("{s:s, s:s, s:s?, s:s?, s:o, s:o, s:{s:I, s:I, s:I, "
	    "s:I, s:I, s:o, s:I, s:I, s:o}, s:{s:I, s:I}, s:o}",
	    "from", http_query(ctx, "from"), "to", http_query(ctx, "to"),
	    "programme", http_query(ctx, "programme"),
	    "ruleset", r.rs != NULL ? r.rs->name : NULL,
	    "table", table, "percent_of_followed", pct,
	    "followup", "planned", (json_int_t)r.fu_planned,
	    "done", (json_int_t)r.fu_done, "missed", (json_int_t)r.fu_missed,
	    "trial_ended", (json_int_t)r.trial_due,
	    "in_post_end_of_trial", (json_int_t)r.trial_in_post,
	    "retention_trial", percent(r.trial_in_post, r.trial_due),
	    "six_months_reached", (json_int_t)r.six_due,
	    "in_post_6_months", (json_int_t)r.six_in_post,
	    "retention_6_months", percent(r.six_in_post, r.six_due),
	    "company_meetings", "workstation_visits", (json_int_t)r.visits,
	    "employer_followups", (json_int_t)r.employer_followups,
	    "breakdowns", bd);
	report_free(&r);
	if (!csv)
		return (http_reply(ctx, 200, j));
	out = evbuffer_new();
	csv_row(out, (const char *const []){ "indicator", "value" }, 2);
	csv_rows(out, "", j);
	json_decref(j);
	return (http_reply_text(ctx, 200, "text/csv; charset=utf-8", out));
}

/* ---- the charter report ------------------------------------------------- */

struct charter_arg {
	struct report	*r;
	struct hmap	 offers, hires, durable, immersions;	/* by company */
};

static int
charter_offer_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct charter_arg	*ca = arg;
	struct offer		 o;

	(void)k; (void)kl;
	memset(&o, 0, sizeof(o));
	if (rec_decode(&offer_schema, &o, v, vl) == 0 &&
	    (in(ca->r, o.workstation_visit.on) || in(ca->r, o.start_on)))
		hmap_set(&ca->offers, o.company_id,
		    hmap_get(&ca->offers, o.company_id) + 1);
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

	(void)k; (void)kl;
	if ((j = mp_bytes_to_json(v, vl)) == NULL)
		return (0);
	co = (uint64_t)json_integer_value(json_object_get(j, "company_id"));
	if (in(ca->r, jdate(j, "start_on"))) {
		if (strcmp(jstr(j, "contract"), "PMSMP") == 0)
			hmap_set(&ca->immersions, co,
			    hmap_get(&ca->immersions, co) + 1);
		else
			hmap_set(&ca->hires, co, hmap_get(&ca->hires, co) + 1);
		if (json_is_true(json_object_get(j, "durable")))
			hmap_set(&ca->durable, co,
			    hmap_get(&ca->durable, co) + 1);
	}
	json_decref(j);
	return (0);
}

struct charter_list {
	struct charter_arg	*ca;
	json_t			*items;
};

/* What iod recorded for one charter action of a company. */
static json_t *
realised(struct charter_arg *ca, int action, uint64_t co)
{
	switch (action) {
	case ACTION_RECRUIT_DURABLE:
		return (json_integer((json_int_t)hmap_get(&ca->durable, co)));
	case ACTION_RECRUIT_WITHOUT_CV:	/* every IOD hire is without CV */
		return (json_integer((json_int_t)hmap_get(&ca->hires, co)));
	case ACTION_SEND_OFFERS:
		return (json_integer((json_int_t)hmap_get(&ca->offers, co)));
	case ACTION_IMMERSION:
		return (json_integer((json_int_t)hmap_get(&ca->immersions,
		    co)));
	default:
		return (json_null());	/* not something iod records */
	}
}

static int
charter_company_cb(const void *k, size_t kl, const void *v, size_t vl,
    void *arg)
{
	struct charter_list	*cl = arg;
	struct charter_arg	*ca = cl->ca;
	struct company		 c;
	json_t			*commitments, *item;
	size_t			 i;
	uint64_t		 acted;

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
		    "{s:s, s:b, s:b, s:I, s:I, s:o}",
		    "action", action_names[c.commitments[i].action],
		    "done_before", c.commitments[i].done_before,
		    "committed", c.commitments[i].committed,
		    "publics_per_year",
		    (json_int_t)c.commitments[i].publics_per_year,
		    "days_per_year", (json_int_t)c.commitments[i].days_per_year,
		    "realised", realised(ca, c.commitments[i].action, c.id)));
	acted = hmap_get(&ca->offers, c.id) + hmap_get(&ca->hires, c.id) +
	    hmap_get(&ca->immersions, c.id);
	item = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:{s:I, s:I, s:I, "
	    "s:I}, s:b}", "company_id", (json_int_t)c.id, "siret", c.siret,
	    "name", c.name, "charter", c.charter.name, "charter_status",
	    charter_status_names[c.charter.status], "commitments", commitments,
	    "recorded", "offers", (json_int_t)hmap_get(&ca->offers, c.id),
	    "hires", (json_int_t)hmap_get(&ca->hires, c.id),
	    "durable_hires", (json_int_t)hmap_get(&ca->durable, c.id),
	    "immersions", (json_int_t)hmap_get(&ca->immersions, c.id),
	    "no_action", acted == 0);
	json_array_append_new(cl->items, item);
	rec_clear(&company_schema, &c);
	return (0);
}

#define CHARTER_COLUMNS	10
static const char *const charter_columns[CHARTER_COLUMNS] = {
	"company_id", "siret", "name", "action", "done_before", "committed",
	"publics_per_year", "days_per_year", "realised", "no_action"
};

int
api_report_charter(struct reqctx *ctx)
{
	struct report		 r;
	struct charter_arg	 ca;
	struct charter_list	 cl;
	struct evbuffer		*out;
	json_t			*it, *cm, *c;
	const char		*cells[CHARTER_COLUMNS];
	char			*text[CHARTER_COLUMNS];
	size_t			 i, n, k;
	int			 status, csv;

	if ((status = wants_csv(ctx, &csv)) != 0 ||
	    (status = period(ctx, &r)) != 0)
		return (status);
	memset(&ca, 0, sizeof(ca));
	ca.r = &r;
	cl.ca = &ca;
	cl.items = json_array();
	store_scan(ctx->txn, DB_OFFERS, NULL, 0, 0, charter_offer_cb, &ca);
	store_scan(ctx->txn, DB_PLACEMENTS, NULL, 0, 0, charter_placement_cb,
	    &ca);
	store_scan(ctx->txn, DB_COMPANIES, NULL, 0, 0, charter_company_cb, &cl);
	hmap_free(&ca.offers);
	hmap_free(&ca.hires);
	hmap_free(&ca.durable);
	hmap_free(&ca.immersions);
	report_free(&r);
	if (!csv)
		return (http_reply(ctx, 200, json_pack("{s:s, s:s, s:o}",
		    "from", http_query(ctx, "from"), "to", http_query(ctx,
		    "to"), "companies", cl.items)));
	out = evbuffer_new();
	csv_row(out, charter_columns, CHARTER_COLUMNS);
	json_array_foreach(cl.items, i, it) {
		cm = json_object_get(it, "commitments");
		for (n = 0; n < json_array_size(cm) || n == 0; n++) {
			c = json_array_get(cm, n);
			text[0] = csv_text(json_object_get(it, "company_id"));
			text[1] = csv_text(json_object_get(it, "siret"));
			text[2] = csv_text(json_object_get(it, "name"));
			text[3] = csv_text(json_object_get(c, "action"));
			text[4] = csv_text(c != NULL ? json_object_get(c,
			    "done_before") : json_false());
			text[5] = csv_text(c != NULL ? json_object_get(c,
			    "committed") : json_false());
			text[6] = csv_text(json_object_get(c,
			    "publics_per_year"));
			text[7] = csv_text(json_object_get(c, "days_per_year"));
			text[8] = csv_text(json_object_get(c, "realised"));
			text[9] = csv_text(json_object_get(it, "no_action"));
			for (k = 0; k < CHARTER_COLUMNS; k++)
				cells[k] = text[k];
			csv_row(out, cells, CHARTER_COLUMNS);
			for (k = 0; k < CHARTER_COLUMNS; k++)
				free(text[k]);
			if (c == NULL)
				break;
		}
	}
	json_decref(cl.items);
	return (http_reply_text(ctx, 200, "text/csv; charset=utf-8", out));
}
