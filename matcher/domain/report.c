/*
 * report.c — the activity report funders ask for, in the shape of the IOD
 * table of the field reports (people followed, orientations, mises en
 * relation, hires split into durable and transitional employment, the
 * people who found a job (hired, or gone to one), follow-up and
 * retention, the companies met and the meetings with them from the
 * company journal and the visits and follow-ups iod records), with
 * breakdowns by sex, QPV residence, programme, public category and
 * territory for the pool, the people proposed and the people hired.
 * Everything is computed from the store's records by their domain dates
 * (orientation, meeting, start of contract, exit, contact, appointment),
 * so a year can be reported at any time.  Cells of fewer
 * than 5 people are masked in breakdowns.  It returns a json_t tree; the
 * query's parsing and the CSV are the daemon's (daemon/api-reports.c),
 * the charter report charter.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
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
	int		 employment;	/* in the period: 0 none, 1 transitional,
					   2 durable (a hire or an exit to a job) */
};

struct report {
	const struct report_params *pp;	/* the period, the programme */
	struct rcand	*cands;
	size_t		 ncands, cap;
	struct hmap	 slot;		/* candidate id -> index + 1 */
	struct hmap	 first_contact;	/* company id -> first contact date */
	struct hmap	 visit_on;	/* offer id -> its workstation visit */
	/* The IOD table. */
	long		 followed, orientations, with_meeting, companies_met,
			 company_meetings, visits, employer_followups,
			 journal, journal_kind[CONTACT__N],
			 mises_en_relation, hired, durable, transitional,
			 training, proposed, employed, employed_durable;
	/* Follow-up and retention. */
	long		 fu_planned, fu_done, fu_missed, trial_due,
			 trial_in_post, six_due, six_in_post;
};

int
report_in(const struct report_params *pp, iod_date d)
{
	return (d != 0 && d >= pp->from && d <= pp->to);
}

static int
in(const struct report *r, iod_date d)
{
	return (report_in(r->pp, d));
}

static struct rcand *
cand_of(struct report *r, uint64_t id)
{
	uint64_t	i = hmap_get(&r->slot, id);

	return (i == 0 ? NULL : &r->cands[i - 1]);
}

/* An interest counts when its candidate is of the programme asked. */
static int
interest_keep(uint64_t candidate_id, void *arg)
{
	const struct rcand	*c = cand_of(arg, candidate_id);

	return (c != NULL && c->in_scope);
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
	rc->territory = r->pp->rs != NULL ? ruleset_territory_of(r->pp->rs,
	    c.commune) : -1;
	rc->in_scope = r->pp->programme < 0 ||
	    c.programme == r->pp->programme;
	hmap_set(&r->slot, c.id, r->ncands);
	if (rc->in_scope) {
		/* Followed in the period: oriented by its end, not gone
		 * before its start. */
		rc->followed = c.oriented_on <= r->pp->to &&
		    (c.exit.on == 0 || c.exit.on >= r->pp->from);
		r->followed += rc->followed;
		r->orientations += in(r, c.oriented_on);
		if (c.exit.on != 0 && in(r, c.exit.on) &&
		    c.exit.kind == EXIT_QUALIFYING_TRAINING)
			r->training++;
		/* A job found without iod counts as well as a hire. */
		if (c.exit.on != 0 && in(r, c.exit.on))
			rc->employment = c.exit.kind == EXIT_DURABLE_EMPLOYMENT ?
			    2 : c.exit.kind == EXIT_TRANSITIONAL_EMPLOYMENT;
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

iod_date
report_jdate(json_t *j, const char *key)
{
	json_t	*v = json_object_get(j, key);

	return (json_is_integer(v) ? (iod_date)json_integer_value(v) : 0);
}

const char *
report_jstr(json_t *j, const char *key)
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
	if ((j = rec_stored_json(&placement_schema, v, vl)) == NULL)
		return (0);
	c = cand_of(r, (uint64_t)json_integer_value(json_object_get(j,
	    "candidate_id")));
	start = report_jdate(j, "start_on");
	if (c != NULL && c->in_scope && in(r, start)) {
		r->hired++;
		c->hired = 1;
		if (json_is_true(json_object_get(j, "durable"))) {
			r->durable++;
			c->employment = 2;
		} else {
			r->transitional++;
			if (c->employment == 0)
				c->employment = 1;
		}
		trial_end = report_jdate(j, "trial_end");
		ended = strcmp(report_jstr(j, "status"), "ended") == 0 ?
		    report_jdate(j, "ended_on") : 0;
		if (trial_end != 0 && trial_end <= r->pp->to) {
			r->trial_due++;
			r->trial_in_post += ended == 0 || ended > trial_end;
		}
		six = date_add_months(start, 6);
		if (six <= r->pp->to) {
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
	if ((j = rec_stored_json(&followup_schema, v, vl)) == NULL)
		return (0);
	c = cand_of(r, (uint64_t)json_integer_value(json_object_get(j,
	    "candidate_id")));
	status = report_jstr(j, "status");
	kind = report_jstr(j, "kind");
	if (c != NULL && c->in_scope && in(r, report_jdate(j, "due_on")) &&
	    strcmp(status, "cancelled") != 0) {
		r->fu_planned++;
		r->fu_done += strcmp(status, "done") == 0;
		r->fu_missed += strcmp(status, "missed") == 0;
	}
	/* An interview with the employer is a company meeting. */
	if (c != NULL && c->in_scope && strcmp(status, "done") == 0 &&
	    strcmp(kind, "employee") != 0 && in(r, report_jdate(j,
	    "done_on") != 0 ? report_jdate(j, "done_on") : report_jdate(j,
	    "due_on")))
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
		first = hmap_get(&r->first_contact, o.company_id);
		if (first == 0 || o.workstation_visit.on < first)
			hmap_set(&r->first_contact, o.company_id,
			    o.workstation_visit.on);
		hmap_set(&r->visit_on, o.id, o.workstation_visit.on);
	}
	rec_clear(&offer_schema, &o);
	return (0);
}

/*
 * A contact of the company journal (after the offers: a workstation visit
 * written in the journal on the day its offer records is the offer's
 * visit, counted once).
 */
static int
contact_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct report		*r = arg;
	struct journal_contact	 c;
	uint64_t		 first;

	(void)k; (void)kl;
	memset(&c, 0, sizeof(c));
	if (rec_decode(&journal_contact_schema, &c, v, vl) == 0 &&
	    c.on != 0 && c.kind >= 0 && c.kind < CONTACT__N &&
	    !(c.kind == CONTACT_WORKSTATION_VISIT && c.offer_id != 0 &&
	    hmap_get(&r->visit_on, c.offer_id) == c.on)) {
		first = hmap_get(&r->first_contact, c.company_id);
		if (first == 0 || c.on < first)
			hmap_set(&r->first_contact, c.company_id, c.on);
		if (in(r, c.on)) {
			r->journal++;
			r->journal_kind[c.kind]++;
		}
	}
	rec_clear(&journal_contact_schema, &c);
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
		for (t = 0; r->pp->rs != NULL && t < 62 &&
		    ruleset_territory_name(r->pp->rs, t) != NULL; t++)
			names[ncat++] = ruleset_territory_name(r->pp->rs, t);
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
	hmap_free(&r->first_contact);
	hmap_free(&r->visit_on);
}

int
report_activity(struct dctx *dc, const struct report_params *pp,
    json_t **out)
{
	struct report		 r;
	json_t			*table, *pct, *bd, *jn;
	uint64_t		 interests, sessions;
	size_t			 i;
	static const char *const groups[] = { "sex", "qpv", "programme",
	    "public", "territory", NULL };

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.pp = pp;
	if (store_scan(dc->txn, DB_CANDIDATES, NULL, 0, 0, cand_cb, &r) != 0 ||
	    store_scan(dc->txn, DB_PROPOSALS, NULL, 0, 0, proposal_cb,
	    &r) != 0 ||
	    store_scan(dc->txn, DB_PLACEMENTS, NULL, 0, 0, placement_cb,
	    &r) != 0 ||
	    store_scan(dc->txn, DB_FOLLOWUPS, NULL, 0, 0, followup_cb,
	    &r) != 0 ||
	    store_scan(dc->txn, DB_OFFERS, NULL, 0, 0, offer_cb, &r) != 0 ||
	    store_scan(dc->txn, DB_CONTACTS, NULL, 0, 0, contact_cb,
	    &r) != 0 || interest_count(dc->txn, pp->from, pp->to,
	    interest_keep, &r, &interests, &sessions) != 0) {
		report_free(&r);
		return (derr_store(&dc->err, dc->txn->rc ? dc->txn->rc :
		    IOD_ENOMEM));
	}
	for (i = 0; i < r.ncands; i++) {
		r.with_meeting += r.cands[i].proposed == 2;
		r.proposed += r.cands[i].proposed > 0;
		r.employed += r.cands[i].employment > 0;
		r.employed_durable += r.cands[i].employment == 2;
	}
	for (i = 0; i < r.first_contact.cap; i++)
		if (r.first_contact.keys[i] != 0 &&
		    in(&r, (iod_date)r.first_contact.vals[i]))
			r.companies_met++;
	r.company_meetings = r.visits + r.employer_followups + r.journal;
	jn = json_object();
	for (i = 0; i < CONTACT__N; i++)
		json_object_set_new(jn, contact_kind_names[i],
		    json_integer(r.journal_kind[i]));
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
	/* Positionnement: the information sessions and the interests. */
	json_object_set_new(table, "positioning_sessions",
	    json_integer((json_int_t)sessions));
	json_object_set_new(table, "interests",
	    json_integer((json_int_t)interests));
	pct = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "orientations", percent(r.orientations, r.followed),
	    "people_with_meeting", percent(r.with_meeting, r.followed),
	    "hires", percent(r.hired, r.followed),
	    "durable", percent(r.durable, r.followed),
	    "transitional", percent(r.transitional, r.followed),
	    "qualifying_training", percent(r.training, r.followed),
	    "people_in_employment", percent(r.employed, r.followed));
	bd = json_object();
	for (i = 0; groups[i] != NULL; i++)
		json_object_set_new(bd, groups[i], breakdown(&r, groups[i]));
	*out = json_pack("{s:s, s:s, s:s?, s:s?, s:o, s:o, s:{s:I, s:I, s:I, "
	    "s:I, s:I, s:o, s:I, s:I, s:o}, s:{s:I, s:I}, s:o}",
	    "from", pp->from_text, "to", pp->to_text,
	    "programme", pp->programme_text,
	    "ruleset", pp->rs != NULL ? pp->rs->name : NULL,
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
	json_object_set_new(*out, "journal", jn);
	json_object_set_new(*out, "people_in_employment", json_pack(
	    "{s:I, s:I, s:I}", "total", (json_int_t)r.employed,
	    "durable", (json_int_t)r.employed_durable,
	    "transitional", (json_int_t)(r.employed - r.employed_durable)));
	report_free(&r);
	return (0);
}
