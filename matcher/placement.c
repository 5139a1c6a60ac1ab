/*
 * placement.c — what happens after the match.  A hire creates a placement
 * (contract, start, trial period, hours, the follow-up's horizon) and its
 * follow-up schedule drawn from the offer's rule set; each appointment
 * lives planned → done (with a note and an assessment) | missed |
 * cancelled; an early end of the contract cancels what is left; reminders
 * tell of appointments due tomorrow and of those overdue, once each; and a
 * chargé de mission gets the appointments as an iCalendar feed.  Every
 * change appends an event whose payload names the candidate, referent,
 * company and owner, so that access.c can say who may read it; delivering
 * it is notify.c's.  The proposal's own transition is proposal.c's.
 *
 * The schedule, for a contract starting on S, with a trial period of W
 * weeks (as the employer states it on hire, else the rule set's for the
 * contract type) and, for a fixed term, a duration of D months:
 *
 *   trial_end     S + 7W - 1 days: the trial's last day (none when W = 0),
 *                 and never after the contract's last day;
 *   contract_end  S + D months - 1 day: the fixed term's last day;
 *   horizon       S + M months (M: followup.monthly_until_months, 6 in the
 *                 shipped rule sets), or contract_end if that is earlier:
 *                 a fixed term is followed until its end, not beyond.
 *
 *   weekly        (weekly_during_trial) on S + 7k, k = 1, 2, ... while
 *                 S + 7k <= trial_end (and before the horizon): one at
 *                 each week boundary inside the trial, W - 1 in all, the
 *                 last a week before the trial ends, in time to act;
 *   monthly       on S + m months (the month's last day when it is
 *                 shorter), m = 1, 2, ... while before the horizon, less
 *                 those inside the trial when weekly ones cover it;
 *   horizon       the joint review with the référent
 *                 (joint_review_at_horizon), else a last monthly one.
 *
 * A weekly or monthly date holds two appointments, one with the employer
 * or manager and a separate one with the employee (separate_parties), or
 * one with both.  A date on a Sunday or a public holiday moves to the next
 * day that is neither (a jour ouvrable: Saturdays stay).  A weekly date is
 * at least six days before the trial's end, so a move never leaves it.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "matcher.h"
#include "rules.h"

const char *const followup_kind_names[] = { "employer", "employee", "both",
    "joint_review", NULL };
const char *const followup_phase_names[] = { "trial", "monthly", "horizon",
    NULL };
const char *const followup_status_names[] = { "planned", "done", "missed",
    "cancelled", NULL };
const char *const assessment_names[] = { "fine", "at_risk", "rupture", NULL };
const char *const placement_status_names[] = { "active", "ended", NULL };

#define LIST_DEFAULT	50
#define LIST_MAX	1000
#define ICS_PAST_DAYS	92	/* the feed starts three months back */
#define START_SPAN_DAYS	366	/* a start date this far from today is a typo */

/* ---- dates ------------------------------------------------------------- */

/* Public holidays in France (Code du travail L3133-1). */
static const struct holiday {
	int		 month, day;	/* a fixed date; month 0: ... */
	int		 easter;	/* ... this many days after Easter */
	const char	*name;
} holidays[] = {
	{ 1, 1, 0, "Jour de l'an" },
	{ 0, 0, 1, "Lundi de Pâques" },
	{ 5, 1, 0, "Fête du Travail" },
	{ 5, 8, 0, "Victoire 1945" },
	{ 0, 0, 39, "Ascension" },
	{ 0, 0, 50, "Lundi de Pentecôte" },
	{ 7, 14, 0, "Fête nationale" },
	{ 8, 15, 0, "Assomption" },
	{ 11, 1, 0, "Toussaint" },
	{ 11, 11, 0, "Armistice 1918" },
	{ 12, 25, 0, "Noël" },
};

static iod_date
add_days(iod_date d, int n)
{
	return (date_from_days(date_to_days(d) + n));
}

iod_date
easter_sunday(int y)
{
	/* The anonymous Gregorian computus (Meeus, Jones, Butcher). */
	int	a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
	int	f = (b + 8) / 25, g = (b - f + 1) / 3;
	int	h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
	int	l = (32 + 2 * e + 2 * i - h - k) % 7;
	int	m = (a + 11 * h + 22 * l) / 451;
	int	n = h + l - 7 * m + 114;

	return ((iod_date)(y * 10000 + (n / 31) * 100 + n % 31 + 1));
}

const char *
holiday_fr(iod_date d)
{
	const struct holiday	*h;
	int			 month = (int)(d / 100 % 100), day = (int)(d % 100);
	int32_t			 easter = 0;

	for (h = holidays; h < holidays + sizeof(holidays) / sizeof(*h); h++) {
		if (h->month != 0) {
			if (h->month == month && h->day == day)
				return (h->name);
			continue;
		}
		if (easter == 0)
			easter = date_to_days(easter_sunday((int)(d / 10000)));
		if (date_to_days(d) == easter + h->easter)
			return (h->name);
	}
	return (NULL);
}

iod_date
working_day(iod_date d)
{
	while (date_weekday(d) == 6 || holiday_fr(d) != NULL)
		d = add_days(d, 1);
	return (d);
}

void
placement_span(iod_date start, int trial_weeks, int duration_months,
    int until_months, struct placement_span *sp)
{
	sp->contract_end = duration_months > 0 ?
	    add_days(date_add_months(start, duration_months), -1) : 0;
	sp->trial_end = trial_weeks > 0 ? add_days(start, 7 * trial_weeks - 1) :
	    0;
	if (sp->contract_end != 0 && sp->trial_end > sp->contract_end)
		sp->trial_end = sp->contract_end;
	sp->horizon = date_add_months(start, until_months > 0 ? until_months : 1);
	if (sp->contract_end != 0 && sp->contract_end < sp->horizon)
		sp->horizon = sp->contract_end;
}

/* Add the appointments of one date: both parties apart, or together. */
static int
plan_date(const struct ruleset_followup *fu, struct fu_slot *out, size_t cap,
    size_t *n, iod_date d, int phase, int number, int joint)
{
	static const int	 apart[] = { FU_EMPLOYER, FU_EMPLOYEE };
	int			 kinds[2], nk, i;

	if (joint) {
		kinds[0] = FU_JOINT_REVIEW;
		nk = 1;
	} else if (fu->separate_parties) {
		memcpy(kinds, apart, sizeof(kinds));
		nk = 2;
	} else {
		kinds[0] = FU_BOTH;
		nk = 1;
	}
	for (i = 0; i < nk; i++) {
		if (*n == cap)
			return (IOD_ETOOBIG);
		out[*n].due_on = working_day(d);
		out[*n].kind = kinds[i];
		out[*n].phase = phase;
		out[*n].number = number;
		(*n)++;
	}
	return (0);
}

int
followup_plan(const struct ruleset_followup *fu, iod_date start,
    const struct placement_span *sp, struct fu_slot *out, size_t cap)
{
	iod_date	d;
	size_t		n = 0;
	int		k, m, weekly;

	weekly = fu->weekly_during_trial && sp->trial_end != 0;
	for (k = 1; weekly && (d = add_days(start, 7 * k)) <= sp->trial_end &&
	    d < sp->horizon; k++)
		if (plan_date(fu, out, cap, &n, d, FU_TRIAL, k, 0) != 0)
			return (IOD_ETOOBIG);
	for (m = 1; m < 1200 && (d = date_add_months(start, m)) < sp->horizon;
	    m++) {
		if (weekly && d <= sp->trial_end)
			continue;
		if (plan_date(fu, out, cap, &n, d, FU_MONTHLY, m, 0) != 0)
			return (IOD_ETOOBIG);
	}
	if (plan_date(fu, out, cap, &n, sp->horizon, FU_HORIZON, m,
	    fu->joint_review_at_horizon) != 0)
		return (IOD_ETOOBIG);
	return ((int)n);
}

/* ---- records ----------------------------------------------------------- */

#define FLD(st, f)	offsetof(struct st, f)
#define END		{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL }
#define RO		F_RO
static const struct field placement_fields[] = {
	{ "id", FT_ID, FLD(placement, id), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "proposal_id", FT_REF, FLD(placement, proposal_id), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "offer_id", FT_REF, FLD(placement, offer_id), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "candidate_id", FT_REF, FLD(placement, candidate_id), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "company_id", FT_REF, FLD(placement, company_id), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "referent_id", FT_REF, FLD(placement, referent_id), 0, RO | F_SENSITIVE, 0, 0, NULL, NULL, NULL },
	{ "owner", FT_STR, FLD(placement, owner), 0, RO, 0, 64, NULL, NULL, NULL },
	{ "contract", FT_ENUM, FLD(placement, contract), 0, RO, 0, 0, contract_names, NULL, NULL },
	{ "start_on", FT_DATE, FLD(placement, start_on), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "weekly_hours", FT_INT, FLD(placement, weekly_hours), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "duration_months", FT_INT, FLD(placement, duration_months), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "trial_weeks", FT_INT, FLD(placement, trial_weeks), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "trial_end", FT_DATE, FLD(placement, trial_end), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "contract_end", FT_DATE, FLD(placement, contract_end), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "horizon", FT_DATE, FLD(placement, horizon), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "durable", FT_BOOL, FLD(placement, durable), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "status", FT_ENUM, FLD(placement, status), 0, RO, 0, 0, placement_status_names, NULL, NULL },
	{ "ended_on", FT_DATE, FLD(placement, ended_on), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "end_reason", FT_STR, FLD(placement, end_reason), 0, RO | F_NOTE, 0, 1000, NULL, NULL, NULL },
	{ "ruleset", FT_STR, FLD(placement, ruleset), 0, RO, 0, 64, NULL, NULL, NULL },
	{ "ruleset_version", FT_INT, FLD(placement, ruleset_version), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "followups", FT_INT, FLD(placement, followups), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "created_at", FT_TIME, FLD(placement, created_at), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "updated_at", FT_TIME, FLD(placement, updated_at), 0, RO, 0, 0, NULL, NULL, NULL },
	END
};
const struct schema placement_schema = { "placement", sizeof(struct placement),
    placement_fields, 1 };

static const struct field followup_fields[] = {
	{ "id", FT_ID, FLD(followup, id), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "placement_id", FT_REF, FLD(followup, placement_id), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "offer_id", FT_REF, FLD(followup, offer_id), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "candidate_id", FT_REF, FLD(followup, candidate_id), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "company_id", FT_REF, FLD(followup, company_id), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "referent_id", FT_REF, FLD(followup, referent_id), 0, RO | F_SENSITIVE, 0, 0, NULL, NULL, NULL },
	{ "owner", FT_STR, FLD(followup, owner), 0, RO, 0, 64, NULL, NULL, NULL },
	{ "kind", FT_ENUM, FLD(followup, kind), 0, RO, 0, 0, followup_kind_names, NULL, NULL },
	{ "phase", FT_ENUM, FLD(followup, phase), 0, RO, 0, 0, followup_phase_names, NULL, NULL },
	{ "number", FT_INT, FLD(followup, number), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "due_on", FT_DATE, FLD(followup, due_on), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "status", FT_ENUM, FLD(followup, status), 0, RO, 0, 0, followup_status_names, NULL, NULL },
	{ "note", FT_STR, FLD(followup, note), 0, RO | F_NOTE, 0, 2000, NULL, NULL, NULL },
	{ "assessment", FT_ENUM, FLD(followup, assessment), 0, RO | F_SENSITIVE, 0, 0, assessment_names, NULL, NULL },
	{ "done_on", FT_DATE, FLD(followup, done_on), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "reminded_due", FT_BOOL, FLD(followup, reminded_due), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "reminded_overdue", FT_BOOL, FLD(followup, reminded_overdue), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "created_at", FT_TIME, FLD(followup, created_at), 0, RO, 0, 0, NULL, NULL, NULL },
	{ "updated_at", FT_TIME, FLD(followup, updated_at), 0, RO, 0, 0, NULL, NULL, NULL },
	END
};
const struct schema followup_schema = { "followup", sizeof(struct followup),
    followup_fields, 1 };

/* The bodies: POST /v1/proposals/{id}/hire, /v1/followups/{id}/<action>,
 * /v1/placements/{id}/end.  Decoding them checks types, ranges and
 * unknown fields, and names the field in every error. */
struct hire_body {
	int		 contract;
	iod_date	 start_on;
	int64_t		 weekly_hours, trial_weeks, duration_months;
	char		*reason;	/* the transition's, read by proposal.c */
};
static const struct field hire_fields[] = {
	{ "contract", FT_ENUM, FLD(hire_body, contract), 0, F_NULLABLE, 0, 0, contract_names, NULL, NULL },
	{ "start_on", FT_DATE, FLD(hire_body, start_on), 0, F_NULLABLE, 0, 0, NULL, NULL, NULL },
	{ "weekly_hours", FT_INT, FLD(hire_body, weekly_hours), 0, F_NULLABLE, 1, 48, NULL, NULL, NULL },
	{ "trial_weeks", FT_INT, FLD(hire_body, trial_weeks), 0, F_NULLABLE, 0, 52, NULL, NULL, NULL },
	{ "duration_months", FT_INT, FLD(hire_body, duration_months), 0, F_NULLABLE, 1, 60, NULL, NULL, NULL },
	{ "reason", FT_STR, FLD(hire_body, reason), 0, F_NULLABLE, 1, 1000, NULL, NULL, NULL },
	END
};
static const struct schema hire_schema = { "hire", sizeof(struct hire_body),
    hire_fields, 1 };

struct fu_body {
	char		*note;
	int		 assessment;
	iod_date	 on;
};
static const struct field fu_body_fields[] = {
	{ "note", FT_STR, FLD(fu_body, note), 0, F_NULLABLE, 1, 2000, NULL, NULL, NULL },
	{ "assessment", FT_ENUM, FLD(fu_body, assessment), 0, F_NULLABLE, 0, 0, assessment_names, NULL, NULL },
	{ "on", FT_DATE, FLD(fu_body, on), 0, F_NULLABLE, 0, 0, NULL, NULL, NULL },
	END
};
static const struct schema fu_body_schema = { "appointment update",
    sizeof(struct fu_body), fu_body_fields, 1 };

struct end_body {
	iod_date	 on;
	char		*reason;
};
static const struct field end_fields[] = {
	{ "on", FT_DATE, FLD(end_body, on), 0, F_REQUIRED, 0, 0, NULL, NULL, NULL },
	{ "reason", FT_STR, FLD(end_body, reason), 0, F_REQUIRED, 1, 1000, NULL, NULL, NULL },
	END
};
static const struct schema end_schema = { "contract end",
    sizeof(struct end_body), end_fields, 1 };

/* Decode a body with sc into rec (zeroed by the caller); a status. */
static int
body_decode(struct reqctx *ctx, const struct schema *sc, void *rec)
{
	char	*field, *cause;
	json_t	*empty = NULL;
	int	 rc;

	if (ctx->body == NULL)
		empty = json_object();
	rc = rec_from_json(sc, rec, ctx->body != NULL ? ctx->body : empty,
	    &field, &cause);
	json_decref(empty);
	if (rc == 0)
		return (0);
	if (rc == IOD_ENOMEM)
		http_error(ctx, 503, "no_memory", NULL, "out of memory");
	else
		http_error(ctx, 400, "invalid", field, "%s", cause);
	free(field);
	free(cause);
	return (ctx->status);
}

/* Was key given, and not null? */
static int
given(struct reqctx *ctx, const char *key)
{
	json_t	*v = json_object_get(ctx->body, key);

	return (v != NULL && !json_is_null(v));
}

/* A stored follow-up: "no assessment" is -1, not the table's first. */
static int
followup_get(struct txn *t, uint64_t id, struct followup *f)
{
	memset(f, 0, sizeof(*f));
	f->assessment = -1;
	return (store_get_rec(t, DB_FOLLOWUPS, id, &followup_schema, f));
}

static int
followup_decode(struct followup *f, const void *v, size_t vl)
{
	memset(f, 0, sizeof(*f));
	f->assessment = -1;
	return (rec_decode(&followup_schema, f, v, vl));
}

/* Load a record by the path's id; 0, or a status with the error set. */
static int
load(struct reqctx *ctx, enum store_db db, const struct schema *sc,
    void *rec, const char *what)
{
	int	rc;

	if (db == DB_FOLLOWUPS)
		rc = followup_get(ctx->txn, ctx->id, rec);
	else {
		memset(rec, 0, sc->size);
		rc = store_get_rec(ctx->txn, db, ctx->id, sc, rec);
	}
	if (rc == 0) {
		if (!access_record(&ctx->tok, db, rec)) {
			rec_clear(sc, rec);
			return (http_error(ctx, 404, "not_found", "id",
			    "no %s %llu", what, (unsigned long long)ctx->id));
		}
		return (0);
	}
	rec_clear(sc, rec);
	if (rc == IOD_ENOTFOUND)
		return (http_error(ctx, 404, "not_found", "id", "no %s %llu",
		    what, (unsigned long long)ctx->id));
	return (http_store_error(ctx, rc));
}

static int
overdue(const struct followup *f, iod_date today)
{
	return (f->status == FU_PLANNED && f->due_on < today);
}

static json_t *
followup_json(const struct followup *f, iod_date today)
{
	json_t	*j = rec_to_json(&followup_schema, f, VIEW_FULL);

	json_object_set_new(j, "overdue", json_boolean(overdue(f, today)));
	return (j);
}

static json_t *
date_json(iod_date d)
{
	char	buf[11];

	if (d == 0)
		return (json_null());
	date_format(d, buf);
	return (json_string(buf));
}

/* ---- events ------------------------------------------------------------ */

/* The ids that route an event (access.c), and what a reader needs. */
static json_t *
placement_payload(const struct placement *pl)
{
	return (json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s?, s:s, s:o, "
	    "s:s, s:b}",
	    "placement_id", (json_int_t)pl->id,
	    "proposal_id", (json_int_t)pl->proposal_id,
	    "offer_id", (json_int_t)pl->offer_id,
	    "candidate_id", (json_int_t)pl->candidate_id,
	    "company_id", (json_int_t)pl->company_id,
	    "referent_id", (json_int_t)pl->referent_id,
	    "owner", pl->owner,
	    "contract", contract_names[pl->contract],
	    "start_on", date_json(pl->start_on),
	    "status", placement_status_names[pl->status],
	    "durable", pl->durable));
}

static json_t *
followup_payload(const struct followup *f)
{
	json_t	*j;

	j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s?, s:s, s:s, s:o, "
	    "s:s}",
	    "followup_id", (json_int_t)f->id,
	    "placement_id", (json_int_t)f->placement_id,
	    "offer_id", (json_int_t)f->offer_id,
	    "candidate_id", (json_int_t)f->candidate_id,
	    "company_id", (json_int_t)f->company_id,
	    "referent_id", (json_int_t)f->referent_id,
	    "owner", f->owner,
	    "kind", followup_kind_names[f->kind],
	    "phase", followup_phase_names[f->phase],
	    "due_on", date_json(f->due_on),
	    "status", followup_status_names[f->status]);
	if (f->assessment >= 0)
		json_object_set_new(j, "assessment",
		    json_string(assessment_names[f->assessment]));
	if (f->done_on != 0)
		json_object_set_new(j, "done_on", date_json(f->done_on));
	return (j);
}

static void
placement_event(struct reqctx *ctx, const char *type,
    const struct placement *pl, json_t *extra)
{
	json_t	*data = placement_payload(pl);

	if (extra != NULL)
		json_object_update(data, extra);
	event_append(ctx->txn, type, "placement", pl->id, ctx->actor, data);
	json_decref(data);
	json_decref(extra);
}

static void
followup_event(struct reqctx *ctx, const char *type,
    const struct followup *f)
{
	json_t	*data = followup_payload(f);

	event_append(ctx->txn, type, "followup", f->id, ctx->actor, data);
	json_decref(data);
}

/* ---- the hire ---------------------------------------------------------- */

struct hire {
	struct offer		 o;
	struct active		*a;
	int			 contract, trial_weeks;
	int64_t			 weekly_hours, duration_months;
	iod_date		 start_on;
	struct placement_span	 sp;
};

/*
 * Read the terms of a hire: the body's, else the offer's, else the rule
 * set's.  0 with h filled (h->o to clear either way), or a status.
 */
static int
hire_terms(struct reqctx *ctx, const struct proposal *p, struct hire *h)
{
	struct hire_body	 b;
	iod_date		 today = date_today();
	char			 day[11];
	int			 rc, status;

	memset(h, 0, sizeof(*h));
	memset(&b, 0, sizeof(b));
	b.contract = -1;
	if (ctx->body != NULL && !json_is_object(ctx->body))
		return (http_error(ctx, 400, "invalid", "body",
		    "body is not a JSON object (expected the contract's terms)"));
	if ((status = body_decode(ctx, &hire_schema, &b)) != 0)
		goto out;
	if ((rc = store_get_rec(ctx->txn, DB_OFFERS, p->offer_id, &offer_schema,
	    &h->o)) != 0) {
		status = rc == IOD_ENOTFOUND ? http_error(ctx, 409,
		    "no_offer", "offer_id", "offer_id: offer %llu is gone",
		    (unsigned long long)p->offer_id) :
		    http_store_error(ctx, rc);
		goto out;
	}
	if ((h->a = rulesets_find(p->ruleset)) == NULL) {
		status = http_error(ctx, 409, "no_ruleset", "ruleset",
		    "ruleset: \"%s\" is not an active rule set any more",
		    p->ruleset != NULL ? p->ruleset : "(default)");
		goto out;
	}
	h->contract = b.contract >= 0 ? b.contract : h->o.contract;
	h->start_on = b.start_on != 0 ? b.start_on : h->o.start_on;
	if (h->start_on == 0) {
		status = http_error(ctx, 400, "invalid", "start_on",
		    "start_on: is required (the offer has no start date)");
		goto out;
	}
	if (date_to_days(h->start_on) < date_to_days(today) - START_SPAN_DAYS ||
	    date_to_days(h->start_on) > date_to_days(today) + START_SPAN_DAYS) {
		date_format(h->start_on, day);
		status = http_error(ctx, 400, "invalid", "start_on",
		    "start_on: %s is more than a year from today (expected a "
		    "date within a year)", day);
		goto out;
	}
	h->weekly_hours = given(ctx, "weekly_hours") ? b.weekly_hours :
	    h->o.weekly_hours;
	if (h->weekly_hours < 1 || h->weekly_hours > 48) {
		status = http_error(ctx, 400, "invalid", "weekly_hours",
		    "weekly_hours: the offer's %lld is not from 1 to 48 hours: "
		    "state them", (long long)h->weekly_hours);
		goto out;
	}
	if (h->contract == CONTRACT_CDI) {
		if (given(ctx, "duration_months")) {
			status = http_error(ctx, 400, "invalid",
			    "duration_months", "duration_months: a CDI has no "
			    "end (leave duration_months out)");
			goto out;
		}
		h->duration_months = 0;
	} else {
		h->duration_months = given(ctx, "duration_months") ?
		    b.duration_months : h->o.duration_months;
		if (h->duration_months < 1) {
			status = http_error(ctx, 400, "invalid",
			    "duration_months", "duration_months: is required "
			    "for a %s (expected 1 to 60 months)",
			    contract_names[h->contract]);
			goto out;
		}
	}
	h->trial_weeks = given(ctx, "trial_weeks") ? (int)b.trial_weeks :
	    ruleset_trial_weeks(h->a->rs, h->contract);
	placement_span(h->start_on, h->trial_weeks, (int)h->duration_months,
	    h->a->rs->followup.monthly_until_months, &h->sp);
	status = 0;
out:
	rec_clear(&hire_schema, &b);
	return (status);
}

int
placement_check(struct reqctx *ctx, const struct proposal *p)
{
	struct hire	h;
	int		status;

	status = hire_terms(ctx, p, &h);
	rec_clear(&offer_schema, &h.o);
	return (status);
}

int
placement_create(struct reqctx *ctx, const struct proposal *p)
{
	struct hire	 h;
	struct placement pl;
	struct followup	 f;
	struct fu_slot	*plan = NULL;
	int64_t		 now = (int64_t)time(NULL);
	int		 n, i, status;

	memset(&pl, 0, sizeof(pl));
	if ((status = hire_terms(ctx, p, &h)) != 0)
		goto out;
	if ((plan = calloc(FU_PLAN_MAX, sizeof(*plan))) == NULL) {
		status = http_error(ctx, 503, "no_memory", NULL, "out of memory");
		goto out;
	}
	if ((n = followup_plan(&h.a->rs->followup, h.start_on, &h.sp, plan,
	    FU_PLAN_MAX)) < 0) {
		status = http_error(ctx, 400, "invalid", "trial_weeks",
		    "trial_weeks: the schedule would hold more than %d "
		    "appointments", FU_PLAN_MAX);
		goto out;
	}
	pl.id = store_next_id(ctx->txn, DB_PLACEMENTS);
	pl.proposal_id = p->id;
	pl.offer_id = p->offer_id;
	pl.candidate_id = p->candidate_id;
	pl.company_id = p->company_id;
	pl.referent_id = p->referent_id;
	pl.owner = h.o.owner != NULL ? strdup(h.o.owner) :
	    p->owner != NULL ? strdup(p->owner) : NULL;
	pl.contract = h.contract;
	pl.start_on = h.start_on;
	pl.weekly_hours = h.weekly_hours;
	pl.duration_months = h.duration_months;
	pl.trial_weeks = h.trial_weeks;
	pl.trial_end = h.sp.trial_end;
	pl.contract_end = h.sp.contract_end;
	pl.horizon = h.sp.horizon;
	pl.durable = ruleset_is_durable(h.a->rs, h.contract,
	    (int)h.duration_months);
	pl.status = PLACEMENT_ACTIVE;
	pl.ruleset = strdup(h.a->name);
	pl.ruleset_version = (int64_t)h.a->version;
	pl.followups = n;
	pl.created_at = pl.updated_at = now;
	store_put_rec(ctx->txn, DB_PLACEMENTS, pl.id, &placement_schema, &pl);
	for (i = 0; i < n; i++) {
		memset(&f, 0, sizeof(f));
		f.id = store_next_id(ctx->txn, DB_FOLLOWUPS);
		f.placement_id = pl.id;
		f.offer_id = pl.offer_id;
		f.candidate_id = pl.candidate_id;
		f.company_id = pl.company_id;
		f.referent_id = pl.referent_id;
		f.owner = pl.owner;		/* borrowed */
		f.kind = plan[i].kind;
		f.phase = plan[i].phase;
		f.number = plan[i].number;
		f.due_on = plan[i].due_on;
		f.status = FU_PLANNED;
		f.assessment = -1;
		f.created_at = f.updated_at = now;
		store_put_rec(ctx->txn, DB_FOLLOWUPS, f.id, &followup_schema, &f);
	}
	placement_event(ctx, "placement.created", &pl, json_pack("{s:i, s:o, "
	    "s:o, s:o}", "followups", n, "trial_end", date_json(pl.trial_end),
	    "horizon", date_json(pl.horizon), "first_due_on",
	    date_json(n > 0 ? plan[0].due_on : 0)));
	status = ctx->txn->rc != 0 ? http_store_error(ctx, ctx->txn->rc) : 0;
out:
	free(plan);
	rec_clear(&offer_schema, &h.o);
	rec_clear(&placement_schema, &pl);
	return (status);
}

/* ---- an appointment's life --------------------------------------------- */

#define N_ASSESSMENT	0x01	/* assessment required, on allowed */
#define N_DUE_PASSED	0x02	/* only once the day has come */

static const struct fu_transition {
	const char	*action;	/* the last segment of the path */
	int		 to;
	int		 needs;
	const char	*event;
} fu_transitions[] = {
	{ "done", FU_DONE, N_ASSESSMENT, "followup.done" },
	{ "missed", FU_MISSED, N_DUE_PASSED, "followup.missed" },
	{ "cancel", FU_CANCELLED, 0, "followup.cancelled" },
	{ NULL, 0, 0, NULL }
};

int
api_followup_transition(struct reqctx *ctx)
{
	const struct fu_transition	*tr;
	const char			*action;
	struct followup			 f;
	struct fu_body			 b;
	iod_date			 today = date_today();
	char				 day[11];
	int				 status;

	action = strrchr(ctx->route->path, '/') + 1;
	for (tr = fu_transitions; tr->action != NULL; tr++)
		if (strcmp(tr->action, action) == 0)
			break;
	memset(&b, 0, sizeof(b));
	b.assessment = -1;
	if ((status = load(ctx, DB_FOLLOWUPS, &followup_schema, &f,
	    "appointment")) != 0)
		return (status);
	if (ctx->body != NULL && !json_is_object(ctx->body)) {
		status = http_error(ctx, 400, "invalid", "body",
		    "body is not a JSON object");
		goto out;
	}
	if ((status = body_decode(ctx, &fu_body_schema, &b)) != 0)
		goto out;
	if (!(tr->needs & N_ASSESSMENT) && (b.assessment >= 0 || b.on != 0)) {
		status = http_error(ctx, 400, "invalid", b.assessment >= 0 ?
		    "assessment" : "on", "%s: only an appointment done has one",
		    b.assessment >= 0 ? "assessment" : "on");
		goto out;
	}
	if ((tr->needs & N_ASSESSMENT) && b.assessment < 0) {
		status = http_error(ctx, 400, "invalid", "assessment",
		    "assessment: is required to record an appointment done "
		    "(expected fine, at_risk or rupture)");
		goto out;
	}
	if (b.on > today) {
		date_format(b.on, day);
		status = http_error(ctx, 400, "invalid", "on", "on: %s is in "
		    "the future (expected the day it took place)", day);
		goto out;
	}
	if (f.status != FU_PLANNED) {
		status = http_error(ctx, 409, "bad_transition", "status",
		    "appointment %llu is %s: it cannot be %s (expected planned)",
		    (unsigned long long)f.id, followup_status_names[f.status],
		    followup_status_names[tr->to]);
		goto out;
	}
	if ((tr->needs & N_DUE_PASSED) && f.due_on > today) {
		date_format(f.due_on, day);
		status = http_error(ctx, 409, "not_due", "due_on", "due_on: "
		    "appointment %llu is on %s: it cannot be missed before",
		    (unsigned long long)f.id, day);
		goto out;
	}
	f.status = tr->to;
	if (b.note != NULL) {
		free(f.note);
		f.note = b.note;
		b.note = NULL;
	}
	if (tr->needs & N_ASSESSMENT) {
		f.assessment = b.assessment;
		f.done_on = b.on != 0 ? b.on : today;
	}
	f.updated_at = (int64_t)time(NULL);
	store_put_rec(ctx->txn, DB_FOLLOWUPS, f.id, &followup_schema, &f);
	followup_event(ctx, tr->event, &f);
	if (f.assessment == ASSESS_AT_RISK || f.assessment == ASSESS_RUPTURE)
		followup_event(ctx, "followup.at_risk", &f);
	if (ctx->txn->rc != 0)
		status = http_store_error(ctx, ctx->txn->rc);
	else
		status = http_reply(ctx, 200, followup_json(&f, today));
out:
	rec_clear(&fu_body_schema, &b);
	rec_clear(&followup_schema, &f);
	return (status);
}

/* ---- an early end ------------------------------------------------------ */

struct ids {
	uint64_t	*v;
	size_t		 n, cap;
};

static int
ids_add(struct ids *ids, uint64_t id)
{
	uint64_t	*p;

	if (ids->n == ids->cap) {
		ids->cap = ids->cap ? ids->cap * 2 : 64;
		if ((p = reallocarray(ids->v, ids->cap, sizeof(*p))) == NULL)
			return (IOD_ENOMEM);
		ids->v = p;
	}
	ids->v[ids->n++] = id;
	return (0);
}

struct end_arg {
	uint64_t	 placement_id;
	iod_date	 after;		/* cancel what is due after this day */
	struct ids	 ids;
};

static int
end_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct end_arg	*ea = arg;
	struct followup	 f;
	int		 rc = 0;

	(void)k; (void)kl;
	if (followup_decode(&f, v, vl) == 0 && f.placement_id ==
	    ea->placement_id && f.status == FU_PLANNED && f.due_on > ea->after)
		rc = ids_add(&ea->ids, f.id);
	rec_clear(&followup_schema, &f);
	return (rc);
}

int
api_placement_end(struct reqctx *ctx)
{
	struct placement	 pl;
	struct followup		 f;
	struct end_body		 b;
	struct end_arg		 ea;
	char			 day[11], start[11];
	size_t			 i;
	int			 status;

	memset(&b, 0, sizeof(b));
	memset(&ea, 0, sizeof(ea));
	if ((status = load(ctx, DB_PLACEMENTS, &placement_schema, &pl,
	    "placement")) != 0)
		return (status);
	if ((status = body_decode(ctx, &end_schema, &b)) != 0)
		goto out;
	if (pl.status != PLACEMENT_ACTIVE) {
		date_format(pl.ended_on, day);
		status = http_error(ctx, 409, "bad_transition", "status",
		    "placement %llu ended on %s already",
		    (unsigned long long)pl.id, day);
		goto out;
	}
	if (b.on < pl.start_on) {
		date_format(b.on, day);
		date_format(pl.start_on, start);
		status = http_error(ctx, 400, "invalid", "on", "on: %s is "
		    "before the start of the contract on %s", day, start);
		goto out;
	}
	pl.status = PLACEMENT_ENDED;
	pl.ended_on = b.on;
	pl.end_reason = b.reason;
	b.reason = NULL;
	pl.updated_at = (int64_t)time(NULL);
	store_put_rec(ctx->txn, DB_PLACEMENTS, pl.id, &placement_schema, &pl);
	ea.placement_id = pl.id;
	ea.after = b.on;
	if ((status = store_scan(ctx->txn, DB_FOLLOWUPS, NULL, 0, 0, end_cb,
	    &ea)) != 0) {
		status = http_store_error(ctx, ctx->txn->rc != 0 ?
		    ctx->txn->rc : status);
		goto out;
	}
	placement_event(ctx, "placement.ended", &pl, json_pack("{s:o, s:s, "
	    "s:I}", "ended_on", date_json(pl.ended_on), "end_reason",
	    pl.end_reason, "cancelled", (json_int_t)ea.ids.n));
	for (i = 0; i < ea.ids.n; i++) {
		if (followup_get(ctx->txn, ea.ids.v[i], &f) == 0) {
			f.status = FU_CANCELLED;
			f.updated_at = pl.updated_at;
			store_put_rec(ctx->txn, DB_FOLLOWUPS, f.id,
			    &followup_schema, &f);
			followup_event(ctx, "followup.cancelled", &f);
		}
		rec_clear(&followup_schema, &f);
	}
	proposal_candidate_status(ctx, pl.candidate_id, CAND_PLACED,
	    CAND_ACTIVE);
	if (ctx->txn->rc != 0) {
		status = http_store_error(ctx, ctx->txn->rc);
		goto out;
	}
	status = http_reply(ctx, 200, rec_to_json(&placement_schema, &pl,
	    VIEW_FULL));
	json_object_set_new(ctx->reply, "cancelled",
	    json_integer((json_int_t)ea.ids.n));
out:
	free(ea.ids.v);
	rec_clear(&end_schema, &b);
	rec_clear(&placement_schema, &pl);
	return (status);
}

/* ---- reminders --------------------------------------------------------- */

struct remind_arg {
	iod_date	 today, tomorrow;
	struct ids	 due, late;
};

static int
remind_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct remind_arg	*ra = arg;
	struct followup		 f;
	int			 rc = 0;

	(void)k; (void)kl;
	if (followup_decode(&f, v, vl) == 0 && f.status == FU_PLANNED) {
		if (f.due_on == ra->tomorrow && !f.reminded_due)
			rc = ids_add(&ra->due, f.id);
		else if (f.due_on < ra->today && !f.reminded_overdue)
			rc = ids_add(&ra->late, f.id);
	}
	rec_clear(&followup_schema, &f);
	return (rc);
}

int
placement_remind(struct reqctx *ctx)
{
	struct remind_arg	 ra;
	struct followup		 f;
	size_t			 i;
	int			 n = 0;

	memset(&ra, 0, sizeof(ra));
	ra.today = date_today();
	ra.tomorrow = add_days(ra.today, 1);
	if (store_scan(ctx->txn, DB_FOLLOWUPS, NULL, 0, 0, remind_cb, &ra) != 0)
		goto out;
	for (i = 0; i < ra.due.n + ra.late.n; i++) {
		if (followup_get(ctx->txn, i < ra.due.n ? ra.due.v[i] :
		    ra.late.v[i - ra.due.n], &f) != 0) {
			rec_clear(&followup_schema, &f);
			continue;
		}
		if (i < ra.due.n)
			f.reminded_due = 1;
		else
			f.reminded_overdue = 1;
		store_put_rec(ctx->txn, DB_FOLLOWUPS, f.id, &followup_schema, &f);
		followup_event(ctx, i < ra.due.n ? "followup.due_tomorrow" :
		    "followup.overdue", &f);
		rec_clear(&followup_schema, &f);
		n++;
	}
out:
	free(ra.due.v);
	free(ra.late.v);
	return (ctx->txn->rc != 0 ? -1 : n);
}

/* ---- reading ----------------------------------------------------------- */

/* Query-string filters of the lists, as tables. */
enum qtype { Q_ID, Q_STR, Q_DATE, Q_BOOL, Q_ENUM, Q_LIMIT, Q_CURSOR };
struct query {
	uint64_t	 placement_id, proposal_id, offer_id, candidate_id,
			 company_id, referent_id;
	const char	*owner;		/* borrowed from the query string */
	iod_date	 due_from, due_before;
	int		 status, kind, overdue;	/* -1: any */
	size_t		 limit;
	uint64_t	 after;
};
struct qparam {
	const char		*name;
	enum qtype		 type;
	size_t			 off;
	const char *const	*names;
};
#define QF(f)	offsetof(struct query, f)
static const struct qparam followup_params[] = {
	{ "owner", Q_STR, QF(owner), NULL },
	{ "status", Q_ENUM, QF(status), followup_status_names },
	{ "kind", Q_ENUM, QF(kind), followup_kind_names },
	{ "overdue", Q_BOOL, QF(overdue), NULL },
	{ "due_from", Q_DATE, QF(due_from), NULL },	/* due_on >= */
	{ "due_before", Q_DATE, QF(due_before), NULL },	/* due_on < */
	{ "placement_id", Q_ID, QF(placement_id), NULL },
	{ "candidate_id", Q_ID, QF(candidate_id), NULL },
	{ "offer_id", Q_ID, QF(offer_id), NULL },
	{ "company_id", Q_ID, QF(company_id), NULL },
	{ "referent_id", Q_ID, QF(referent_id), NULL },
	{ "limit", Q_LIMIT, QF(limit), NULL },
	{ "cursor", Q_CURSOR, QF(after), NULL },
	{ NULL, 0, 0, NULL }
};
static const struct qparam placement_params[] = {
	{ "owner", Q_STR, QF(owner), NULL },
	{ "status", Q_ENUM, QF(status), placement_status_names },
	{ "candidate_id", Q_ID, QF(candidate_id), NULL },
	{ "proposal_id", Q_ID, QF(proposal_id), NULL },
	{ "offer_id", Q_ID, QF(offer_id), NULL },
	{ "company_id", Q_ID, QF(company_id), NULL },
	{ "referent_id", Q_ID, QF(referent_id), NULL },
	{ "limit", Q_LIMIT, QF(limit), NULL },
	{ "cursor", Q_CURSOR, QF(after), NULL },
	{ NULL, 0, 0, NULL }
};
static const struct qparam ics_params[] = {
	{ "owner", Q_STR, QF(owner), NULL },
	{ NULL, 0, 0, NULL }
};

static char *
names_list(const char *const *names)
{
	char	*s = NULL, *t;
	int	 i;

	for (i = 0; names[i] != NULL; i++) {
		if (asprintf(&t, "%s%s%s", s != NULL ? s : "", i > 0 ?
		    (names[i + 1] == NULL ? " or " : ", ") : "", names[i]) == -1)
			t = NULL;
		free(s);
		if ((s = t) == NULL)
			return (NULL);
	}
	return (s);
}

/* Parse the query string against the table; 0 or a status. */
static int
query_parse(struct reqctx *ctx, const struct qparam *params, struct query *q)
{
	const struct qparam	*p;
	struct evkeyval		*kv;
	unsigned long long	 u;
	char			*end, *list;
	void			*at;
	int			 k, cut;

	memset(q, 0, sizeof(*q));
	q->status = q->kind = q->overdue = -1;
	q->limit = LIST_DEFAULT;
	TAILQ_FOREACH(kv, &ctx->query, next) {
		for (p = params; p->name != NULL; p++)
			if (strcmp(p->name, kv->key) == 0)
				break;
		if (p->name == NULL)
			return (http_error(ctx, 400, "invalid", kv->key,
			    "%.*s: not a filter of %s",
			    (int)utf8_cut(kv->key, 40), kv->key,
			    ctx->route->path));
		at = (char *)q + p->off;
		cut = (int)utf8_cut(kv->value, 20);	/* for messages */
		switch (p->type) {
		case Q_ID:
		case Q_CURSOR:
			u = strtoull(kv->value, &end, 10);
			if (!isdigit((unsigned char)*kv->value) || *end != '\0' ||
			    (p->type == Q_ID && u == 0) || u == UINT64_MAX)
				return (http_error(ctx, 400, "invalid", p->name,
				    "%s: \"%.*s\" is not %s", p->name,
				    cut, kv->value, p->type == Q_ID ? "an id" :
				    "a cursor from a previous page"));
			*(uint64_t *)at = u;
			break;
		case Q_LIMIT:
			u = strtoull(kv->value, &end, 10);
			if (!isdigit((unsigned char)*kv->value) || *end != '\0' ||
			    u < 1 || u > LIST_MAX)
				return (http_error(ctx, 400, "invalid", "limit",
				    "limit: \"%.*s\" is not an integer from 1 "
				    "to %d", cut, kv->value, LIST_MAX));
			*(size_t *)at = (size_t)u;
			break;
		case Q_STR:
			if (*kv->value == '\0' || strlen(kv->value) > 64)
				return (http_error(ctx, 400, "invalid", p->name,
				    "%s: expected 1 to 64 characters", p->name));
			*(const char **)at = kv->value;
			break;
		case Q_DATE:
			if (date_parse(kv->value, (iod_date *)at) != 0)
				return (http_error(ctx, 400, "invalid", p->name,
				    "%s: \"%.*s\" is not a date (expected "
				    "YYYY-MM-DD)", p->name, cut, kv->value));
			break;
		case Q_BOOL:
			if (strcmp(kv->value, "true") != 0 &&
			    strcmp(kv->value, "false") != 0)
				return (http_error(ctx, 400, "invalid", p->name,
				    "%s: \"%.*s\" is not true or false",
				    p->name, cut, kv->value));
			*(int *)at = strcmp(kv->value, "true") == 0;
			break;
		case Q_ENUM:
			if ((k = enum_lookup(p->names, kv->value)) < 0) {
				list = names_list(p->names);
				http_error(ctx, 400, "invalid", p->name,
				    "%s: \"%.*s\" is not one of %s", p->name,
				    cut, kv->value, list != NULL ? list :
				    "the names");
				free(list);
				return (400);
			}
			*(int *)at = k;
			break;
		}
	}
	return (0);
}

static int
id_ok(uint64_t want, uint64_t have)
{
	return (want == 0 || want == have);
}

static int
followup_matches(const struct query *q, const struct followup *f,
    iod_date today)
{
	return (id_ok(q->placement_id, f->placement_id) &&
	    id_ok(q->candidate_id, f->candidate_id) &&
	    id_ok(q->offer_id, f->offer_id) &&
	    id_ok(q->company_id, f->company_id) &&
	    id_ok(q->referent_id, f->referent_id) &&
	    (q->owner == NULL || (f->owner != NULL &&
	    strcmp(q->owner, f->owner) == 0)) &&
	    (q->status < 0 || q->status == f->status) &&
	    (q->kind < 0 || q->kind == f->kind) &&
	    (q->overdue < 0 || q->overdue == overdue(f, today)) &&
	    (q->due_from == 0 || f->due_on >= q->due_from) &&
	    (q->due_before == 0 || f->due_on < q->due_before));
}

static int
placement_matches(const struct query *q, const struct placement *pl)
{
	return (id_ok(q->candidate_id, pl->candidate_id) &&
	    id_ok(q->proposal_id, pl->proposal_id) &&
	    id_ok(q->offer_id, pl->offer_id) &&
	    id_ok(q->company_id, pl->company_id) &&
	    id_ok(q->referent_id, pl->referent_id) &&
	    (q->owner == NULL || (pl->owner != NULL &&
	    strcmp(q->owner, pl->owner) == 0)) &&
	    (q->status < 0 || q->status == pl->status));
}

/* Names for people's eyes: "Amina D." and the company's, cached. */
struct names {
	uint64_t	 cand_id, company_id;
	char		 cand[128], company[208];
};

static void
names_get(struct txn *t, struct names *nm, uint64_t cand_id,
    uint64_t company_id)
{
	struct candidate	c;
	struct company		co;
	size_t			n;

	if (cand_id != nm->cand_id) {
		nm->cand_id = cand_id;
		memset(&c, 0, sizeof(c));
		if (store_get_rec(t, DB_CANDIDATES, cand_id, &candidate_schema,
		    &c) == 0 && c.first_name != NULL) {
			/* The initial is a character, not a byte: "Ö." */
			n = c.last_name != NULL ? utf8_initial(c.last_name) : 0;
			snprintf(nm->cand, sizeof(nm->cand), "%s%s%.*s%s",
			    c.first_name, n > 0 ? " " : "", (int)n,
			    n > 0 ? c.last_name : "", n > 0 ? "." : "");
		} else
			snprintf(nm->cand, sizeof(nm->cand), "candidate %llu",
			    (unsigned long long)cand_id);
		rec_clear(&candidate_schema, &c);
	}
	if (company_id != nm->company_id) {
		nm->company_id = company_id;
		memset(&co, 0, sizeof(co));
		if (store_get_rec(t, DB_COMPANIES, company_id, &company_schema,
		    &co) == 0 && co.name != NULL)
			snprintf(nm->company, sizeof(nm->company), "%s",
			    co.name);
		else
			snprintf(nm->company, sizeof(nm->company),
			    "company %llu", (unsigned long long)company_id);
		rec_clear(&company_schema, &co);
	}
}

struct list_arg {
	struct reqctx	*ctx;
	struct query	*q;
	json_t		*items;
	struct names	 nm;
	iod_date	 today;
	uint64_t	 last;
	int		 more, rc;
};

static int
followups_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct list_arg	*la = arg;
	struct followup	 f;
	json_t		*j;

	(void)k; (void)kl;
	if ((la->rc = followup_decode(&f, v, vl)) != 0) {
		rec_clear(&followup_schema, &f);
		return (la->rc);
	}
	if (followup_matches(la->q, &f, la->today) &&
	    access_record(&la->ctx->tok, DB_FOLLOWUPS, &f)) {
		if (json_array_size(la->items) == la->q->limit) {
			la->more = 1;
			rec_clear(&followup_schema, &f);
			return (1);
		}
		names_get(la->ctx->txn, &la->nm, f.candidate_id, f.company_id);
		j = followup_json(&f, la->today);
		json_object_set_new(j, "candidate_name",
		    json_string(la->nm.cand));
		json_object_set_new(j, "company_name",
		    json_string(la->nm.company));
		json_array_append_new(la->items, j);
		la->last = f.id;
	}
	rec_clear(&followup_schema, &f);
	return (0);
}

static int
placements_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct list_arg		*la = arg;
	struct placement	 pl;

	(void)k; (void)kl;
	memset(&pl, 0, sizeof(pl));
	if ((la->rc = rec_decode(&placement_schema, &pl, v, vl)) != 0) {
		rec_clear(&placement_schema, &pl);
		return (la->rc);
	}
	if (placement_matches(la->q, &pl) &&
	    access_record(&la->ctx->tok, DB_PLACEMENTS, &pl)) {
		if (json_array_size(la->items) == la->q->limit) {
			la->more = 1;
			rec_clear(&placement_schema, &pl);
			return (1);
		}
		json_array_append_new(la->items, rec_to_json(&placement_schema,
		    &pl, VIEW_FULL));
		la->last = pl.id;
	}
	rec_clear(&placement_schema, &pl);
	return (0);
}

/* One page of db in id order, from the cursor, filtered. */
static int
list(struct reqctx *ctx, const struct qparam *params, enum store_db db,
    int (*cb)(const void *, size_t, const void *, size_t, void *))
{
	struct list_arg	 la;
	struct query	 q;
	uint8_t		 k[8];
	char		 buf[24];
	int		 status;

	if ((status = query_parse(ctx, params, &q)) != 0)
		return (status);
	memset(&la, 0, sizeof(la));
	la.ctx = ctx;
	la.q = &q;
	la.today = date_today();
	la.items = json_array();
	store_scan(ctx->txn, db, k, key_u64(k, q.after + 1), 0, cb, &la);
	if (la.rc != 0 || ctx->txn->rc != 0) {
		json_decref(la.items);
		return (http_store_error(ctx, la.rc ? la.rc : ctx->txn->rc));
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)la.last);
	return (http_reply(ctx, 200, json_pack("{s:o, s:s?}", "items",
	    la.items, "next_cursor", la.more ? buf : NULL)));
}

int
api_followup_list(struct reqctx *ctx)
{
	return (list(ctx, followup_params, DB_FOLLOWUPS, followups_cb));
}

int
api_placement_list(struct reqctx *ctx)
{
	return (list(ctx, placement_params, DB_PLACEMENTS, placements_cb));
}

int
api_followup_get(struct reqctx *ctx)
{
	struct followup	f;
	int		status;

	if ((status = load(ctx, DB_FOLLOWUPS, &followup_schema, &f,
	    "appointment")) != 0)
		return (status);
	http_reply(ctx, 200, followup_json(&f, date_today()));
	rec_clear(&followup_schema, &f);
	return (200);
}

/* A placement with its schedule, in date order (ids follow it). */
struct sched_arg {
	uint64_t	 placement_id;
	iod_date	 today;
	json_t		*items;
	int		 rc;
};

static int
sched_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct sched_arg	*sa = arg;
	struct followup		 f;

	(void)k; (void)kl;
	if ((sa->rc = followup_decode(&f, v, vl)) == 0 &&
	    f.placement_id == sa->placement_id)
		json_array_append_new(sa->items, followup_json(&f, sa->today));
	rec_clear(&followup_schema, &f);
	return (sa->rc);
}

int
api_placement_get(struct reqctx *ctx)
{
	struct placement	pl;
	struct sched_arg	sa;
	int			status;

	if ((status = load(ctx, DB_PLACEMENTS, &placement_schema, &pl,
	    "placement")) != 0)
		return (status);
	memset(&sa, 0, sizeof(sa));
	sa.placement_id = pl.id;
	sa.today = date_today();
	sa.items = json_array();
	store_scan(ctx->txn, DB_FOLLOWUPS, NULL, 0, 0, sched_cb, &sa);
	if (sa.rc != 0 || ctx->txn->rc != 0) {
		json_decref(sa.items);
		rec_clear(&placement_schema, &pl);
		return (http_store_error(ctx, sa.rc ? sa.rc : ctx->txn->rc));
	}
	http_reply(ctx, 200, rec_to_json(&placement_schema, &pl, VIEW_FULL));
	json_object_set_new(ctx->reply, "schedule", sa.items);
	rec_clear(&placement_schema, &pl);
	return (200);
}

/* ---- the iCalendar feed (RFC 5545) ------------------------------------- */

/* Write one content line, folded at 75 octets and never inside a UTF-8
 * sequence, ended by CRLF. */
static void
ics_line(struct evbuffer *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
ics_line(struct evbuffer *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	size_t	 len, pos = 0, width = 75, cut;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		return;
	len = strlen(s);
	while (len - pos > width) {
		cut = pos + width;
		while (cut > pos + 1 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		evbuffer_add(b, s + pos, cut - pos);
		evbuffer_add(b, "\r\n ", 3);
		pos = cut;
		width = 74;		/* the space counts */
	}
	evbuffer_add(b, s + pos, len - pos);
	evbuffer_add(b, "\r\n", 2);
	free(s);
}

/* A TEXT value: backslash, semicolon, comma and newline escaped, other
 * control characters dropped.  Caller frees. */
static char *
ics_text(const char *s)
{
	char	*out, *o;

	if ((out = malloc(strlen(s) * 2 + 1)) == NULL)
		return (NULL);
	for (o = out; *s != '\0'; s++) {
		if (*s == '\\' || *s == ';' || *s == ',') {
			*o++ = '\\';
			*o++ = *s;
		} else if (*s == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			*o++ = *s;
	}
	*o = '\0';
	return (out);
}

static void
ics_date(char out[9], iod_date d)
{
	snprintf(out, 9, "%08u", (unsigned)d);
}

static void
ics_time(char out[17], int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

struct ics_arg {
	struct reqctx	*ctx;
	struct query	*q;
	struct evbuffer	*b;
	struct names	 nm;
	iod_date	 from;
	char		 stamp[17];
	size_t		 n;
};

/* What each appointment is called: by whom it is with, never about the
 * person's situation (no social category, no assessment). */
static const char *const kind_summary[] = {
	"Suivi employeur", "Suivi salarié", "Suivi employeur et salarié",
	"Bilan avec le référent"
};

static int
ics_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct ics_arg	*ia = arg;
	struct followup	 f;
	char		 due[9], end[9], mod[17], *summary = NULL, *desc = NULL;
	char		*who, *company;

	(void)k; (void)kl;
	if (followup_decode(&f, v, vl) != 0 || f.due_on < ia->from ||
	    (ia->q->owner != NULL && (f.owner == NULL ||
	    strcmp(f.owner, ia->q->owner) != 0)) ||
	    !access_record(&ia->ctx->tok, DB_FOLLOWUPS, &f)) {
		rec_clear(&followup_schema, &f);
		return (0);
	}
	names_get(ia->ctx->txn, &ia->nm, f.candidate_id, f.company_id);
	who = ics_text(ia->nm.cand);
	company = ics_text(ia->nm.company);
	if (who == NULL || company == NULL ||
	    asprintf(&summary, "%s – %s – %s", kind_summary[f.kind], who,
	    company) == -1)
		summary = NULL;
	if (asprintf(&desc, "%s %lld\\, placement %llu\\, rendez-vous %llu.",
	    f.phase == FU_TRIAL ? "Période d'essai\\, semaine" :
	    f.phase == FU_MONTHLY ? "Suivi mensuel\\, mois" : "Fin du suivi\\, mois",
	    (long long)f.number, (unsigned long long)f.placement_id,
	    (unsigned long long)f.id) == -1)
		desc = NULL;
	ics_date(due, f.due_on);
	ics_date(end, add_days(f.due_on, 1));
	ics_time(mod, f.updated_at);
	ics_line(ia->b, "BEGIN:VEVENT");
	ics_line(ia->b, "UID:followup-%llu@iod", (unsigned long long)f.id);
	ics_line(ia->b, "DTSTAMP:%s", ia->stamp);
	ics_line(ia->b, "LAST-MODIFIED:%s", mod);
	ics_line(ia->b, "DTSTART;VALUE=DATE:%s", due);
	ics_line(ia->b, "DTEND;VALUE=DATE:%s", end);
	ics_line(ia->b, "SUMMARY:%s", summary != NULL ? summary : "Suivi IOD");
	if (desc != NULL)
		ics_line(ia->b, "DESCRIPTION:%s", desc);
	ics_line(ia->b, "CATEGORIES:IOD");
	ics_line(ia->b, "TRANSP:TRANSPARENT");
	ics_line(ia->b, "STATUS:%s", f.status == FU_CANCELLED ? "CANCELLED" :
	    "CONFIRMED");
	ics_line(ia->b, "END:VEVENT");
	ia->n++;
	free(who);
	free(company);
	free(summary);
	free(desc);
	rec_clear(&followup_schema, &f);
	return (0);
}

/*
 * GET /v1/followups.ics?owner=: a chargé de mission's appointments from
 * three months back, as text/calendar.  An iod token's own by default.
 */
int
api_followup_ics(struct reqctx *ctx)
{
	struct ics_arg		 ia;
	struct query		 q;
	char			*name = NULL;
	int			 status;

	if ((status = query_parse(ctx, ics_params, &q)) != 0)
		return (status);
	if (q.owner == NULL && ctx->tok.role == ROLE_IOD)
		q.owner = ctx->tok.subject;
	memset(&ia, 0, sizeof(ia));
	ia.ctx = ctx;
	ia.q = &q;
	ia.from = add_days(date_today(), -ICS_PAST_DAYS);
	ics_time(ia.stamp, (int64_t)time(NULL));
	if ((ia.b = evbuffer_new()) == NULL)
		return (http_error(ctx, 503, "no_memory", NULL, "out of memory"));
	ics_line(ia.b, "BEGIN:VCALENDAR");
	ics_line(ia.b, "VERSION:2.0");
	ics_line(ia.b, "PRODID:-//iod//Suivis IOD//FR");
	ics_line(ia.b, "CALSCALE:GREGORIAN");
	ics_line(ia.b, "METHOD:PUBLISH");
	name = ics_text(q.owner != NULL ? q.owner : "tous");
	ics_line(ia.b, "X-WR-CALNAME:Suivis IOD – %s", name != NULL ? name : "");
	free(name);
	store_scan(ctx->txn, DB_FOLLOWUPS, NULL, 0, 0, ics_cb, &ia);
	if (ctx->txn->rc != 0) {
		evbuffer_free(ia.b);
		return (http_store_error(ctx, ctx->txn->rc));
	}
	ics_line(ia.b, "END:VCALENDAR");
	return (http_reply_text(ctx, 200, "text/calendar; charset=utf-8",
	    ia.b));
}
