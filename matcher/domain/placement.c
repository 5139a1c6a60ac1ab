/*
 * placement.c — what a hire creates and how it ends.  On hire the terms
 * (contract, start, trial period, hours) are read from the body, else the
 * offer, else the rule set, checked before anything is written, and the
 * placement is stored with the follow-up schedule that schedule.c draws;
 * an early end records the day and the reason and cancels the appointments
 * left (followup.c).  Every change appends an event whose payload names
 * the candidate, referent, company and owner, so that access.c can say who
 * may read it.  The proposal's own transition is proposal.c's; the
 * appointments' life and the reminders are followup.c's; lists and the
 * iCalendar feed are the daemon's.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain.h"
#include "rules.h"

#define START_SPAN_DAYS	366	/* a start date this far from today is a typo */

/* ---- the bodies -------------------------------------------------------- */

/* POST /v1/placements/{id}/end (the hire's is records.c's).  Decoding
 * checks types, ranges and unknown fields, and names the field in every
 * error. */
struct end_body {
	iod_date	 on;
	char		*reason;
};
static const struct field end_fields[] = {
	{
		.name = "on",
		.type = FT_DATE,
		.off = offsetof(struct end_body, on),
		.flags = F_REQUIRED
	},
	{
		.name = "reason",
		.type = FT_STR,
		.off = offsetof(struct end_body, reason),
		.flags = F_REQUIRED,
		.min = 1,
		.max = 1000
	},
	{ .name = NULL }
};
static const struct schema end_schema = {
	.name = "contract end",
	.size = sizeof(struct end_body),
	.fields = end_fields,
	.version = 1
};

/* Was key given, and not null? */
static int
given(json_t *body, const char *key)
{
	json_t	*v = json_object_get(body, key);

	return (v != NULL && !json_is_null(v));
}

json_t *
placement_date_json(iod_date d)
{
	char	buf[11];

	if (d == 0)
		return (json_null());
	date_format(d, buf);
	return (json_string(buf));
}

/* Placement id as the token may see it; 0, or -1 with the error set. */
static int
placement_load(struct dctx *dc, uint64_t id, struct placement *pl)
{
	memset(pl, 0, sizeof(*pl));
	return (records_load(dc, DB_PLACEMENTS, &placement_schema, "placement",
	    id, pl));
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
	    "start_on", placement_date_json(pl->start_on),
	    "status", placement_status_names[pl->status],
	    "durable", pl->durable));
}

static void
placement_event(struct dctx *dc, const char *type,
    const struct placement *pl, json_t *extra)
{
	json_t	*data = placement_payload(pl);

	if (extra != NULL)
		json_object_update(data, extra);
	event_append(dc->txn, type, "placement", pl->id, dc->actor, data);
	json_decref(data);
	json_decref(extra);
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
 * set's.  0 with h filled (h->o to clear either way), or -1 with the
 * error set.
 */
static int
hire_terms(struct dctx *dc, json_t *body, const struct proposal *p,
    struct hire *h)
{
	struct hire_body	 b;
	iod_date		 today = date_today();
	char			 day[11];
	int			 rc, status = -1;

	memset(h, 0, sizeof(*h));
	memset(&b, 0, sizeof(b));
	b.contract = -1;
	if (body != NULL && !json_is_object(body))
		return (derr_set(&dc->err, ERR_INVALID, "body",
		    "body is not a JSON object (expected the contract's terms)"));
	if (derr_decode(&dc->err, &hire_schema, body, &b) != 0)
		goto out;
	if ((rc = store_get_rec(dc->txn, DB_OFFERS, p->offer_id, &offer_schema,
	    &h->o)) != 0) {
		if (rc == IOD_ENOTFOUND)
			derr_set(&dc->err, ERR_NO_OFFER, "offer_id",
			    "offer_id: offer %llu is gone",
			    (unsigned long long)p->offer_id);
		else
			derr_store(&dc->err, rc);
		goto out;
	}
	if ((h->a = rulesets_find(p->ruleset)) == NULL) {
		derr_set(&dc->err, ERR_NO_RULESET, "ruleset",
		    "ruleset: \"%s\" is not an active rule set any more",
		    p->ruleset != NULL ? p->ruleset : "(default)");
		goto out;
	}
	h->contract = b.contract >= 0 ? b.contract : h->o.contract;
	h->start_on = b.start_on != 0 ? b.start_on : h->o.start_on;
	if (h->start_on == 0) {
		derr_set(&dc->err, ERR_INVALID, "start_on",
		    "start_on: is required (the offer has no start date)");
		goto out;
	}
	if (date_to_days(h->start_on) < date_to_days(today) - START_SPAN_DAYS ||
	    date_to_days(h->start_on) > date_to_days(today) + START_SPAN_DAYS) {
		date_format(h->start_on, day);
		derr_set(&dc->err, ERR_INVALID, "start_on",
		    "start_on: %s is more than a year from today (expected a "
		    "date within a year)", day);
		goto out;
	}
	h->weekly_hours = given(body, "weekly_hours") ? b.weekly_hours :
	    h->o.weekly_hours;
	if (h->weekly_hours < 1 || h->weekly_hours > 48) {
		derr_set(&dc->err, ERR_INVALID, "weekly_hours",
		    "weekly_hours: the offer's %lld is not from 1 to 48 hours: "
		    "state them", (long long)h->weekly_hours);
		goto out;
	}
	if (h->contract == CONTRACT_CDI) {
		if (given(body, "duration_months")) {
			derr_set(&dc->err, ERR_INVALID, "duration_months",
			    "duration_months: a CDI has no end (leave "
			    "duration_months out)");
			goto out;
		}
		h->duration_months = 0;
	} else {
		h->duration_months = given(body, "duration_months") ?
		    b.duration_months : h->o.duration_months;
		if (h->duration_months < 1) {
			derr_set(&dc->err, ERR_INVALID, "duration_months",
			    "duration_months: is required for a %s (expected "
			    "1 to 60 months)", contract_names[h->contract]);
			goto out;
		}
	}
	h->trial_weeks = given(body, "trial_weeks") ? (int)b.trial_weeks :
	    ruleset_trial_weeks(h->a->rs, h->contract);
	placement_span(h->start_on, h->trial_weeks, (int)h->duration_months,
	    h->a->rs->followup.monthly_until_months, &h->sp);
	status = 0;
out:
	rec_clear(&hire_schema, &b);
	return (status);
}

int
placement_check(struct dctx *dc, json_t *body, const struct proposal *p)
{
	struct hire	h;
	int		rc;

	rc = hire_terms(dc, body, p, &h);
	rec_clear(&offer_schema, &h.o);
	return (rc);
}

int
placement_create(struct dctx *dc, json_t *body, const struct proposal *p)
{
	struct hire	 h;
	struct placement pl;
	struct followup	 f;
	struct fu_slot	*plan = NULL;
	int64_t		 now = (int64_t)time(NULL);
	int		 n, i, rc = -1;

	memset(&pl, 0, sizeof(pl));
	if (hire_terms(dc, body, p, &h) != 0)
		goto out;
	if ((plan = calloc(FU_PLAN_MAX, sizeof(*plan))) == NULL) {
		derr_set(&dc->err, ERR_NO_MEMORY, NULL, "out of memory");
		goto out;
	}
	if ((n = followup_plan(&h.a->rs->followup, h.start_on, &h.sp, plan,
	    FU_PLAN_MAX)) < 0) {
		derr_set(&dc->err, ERR_INVALID, "trial_weeks",
		    "trial_weeks: the schedule would hold more than %d "
		    "appointments", FU_PLAN_MAX);
		goto out;
	}
	pl.id = store_next_id(dc->txn, DB_PLACEMENTS);
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
	store_put_rec(dc->txn, DB_PLACEMENTS, pl.id, &placement_schema, &pl);
	for (i = 0; i < n; i++) {
		memset(&f, 0, sizeof(f));
		f.id = store_next_id(dc->txn, DB_FOLLOWUPS);
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
		store_put_rec(dc->txn, DB_FOLLOWUPS, f.id, &followup_schema, &f);
	}
	placement_event(dc, "placement.created", &pl, json_pack("{s:i, s:o, "
	    "s:o, s:o}", "followups", n, "trial_end",
	    placement_date_json(pl.trial_end), "horizon",
	    placement_date_json(pl.horizon), "first_due_on",
	    placement_date_json(n > 0 ? plan[0].due_on : 0)));
	if (dc->txn->rc != 0)
		derr_store(&dc->err, dc->txn->rc);
	else
		rc = 0;
out:
	free(plan);
	rec_clear(&offer_schema, &h.o);
	rec_clear(&placement_schema, &pl);
	return (rc);
}

/* ---- reading ----------------------------------------------------------- */

/* A placement's schedule, in date order (ids follow it). */
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
placement_get(struct dctx *dc, uint64_t id, json_t **out)
{
	struct placement	pl;
	struct sched_arg	sa;

	*out = NULL;
	if (placement_load(dc, id, &pl) != 0)
		return (-1);
	memset(&sa, 0, sizeof(sa));
	sa.placement_id = pl.id;
	sa.today = date_today();
	sa.items = json_array();
	store_scan(dc->txn, DB_FOLLOWUPS, NULL, 0, 0, sched_cb, &sa);
	if (sa.rc != 0 || dc->txn->rc != 0) {
		json_decref(sa.items);
		rec_clear(&placement_schema, &pl);
		return (derr_store(&dc->err, sa.rc ? sa.rc : dc->txn->rc));
	}
	*out = rec_to_json(&placement_schema, &pl, VIEW_FULL);
	json_object_set_new(*out, "schedule", sa.items);
	rec_clear(&placement_schema, &pl);
	return (0);
}

/* ---- an early end ------------------------------------------------------ */

int
placement_end(struct dctx *dc, uint64_t id, json_t *body, json_t **out)
{
	struct placement	 pl;
	struct end_body		 b;
	struct followup_ids	 ids;
	char			 day[11], start[11];
	int			 rc = -1;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	memset(&ids, 0, sizeof(ids));
	if (placement_load(dc, id, &pl) != 0)
		return (-1);
	if (derr_decode(&dc->err, &end_schema, body, &b) != 0)
		goto out;
	if (pl.status != PLACEMENT_ACTIVE) {
		date_format(pl.ended_on, day);
		derr_set(&dc->err, ERR_BAD_TRANSITION, "status",
		    "placement %llu ended on %s already",
		    (unsigned long long)pl.id, day);
		goto out;
	}
	if (b.on < pl.start_on) {
		date_format(b.on, day);
		date_format(pl.start_on, start);
		derr_set(&dc->err, ERR_INVALID, "on", "on: %s is before the "
		    "start of the contract on %s", day, start);
		goto out;
	}
	pl.status = PLACEMENT_ENDED;
	pl.ended_on = b.on;
	pl.end_reason = b.reason;
	b.reason = NULL;
	pl.updated_at = (int64_t)time(NULL);
	store_put_rec(dc->txn, DB_PLACEMENTS, pl.id, &placement_schema, &pl);
	if (followup_planned_after(dc, pl.id, b.on, &ids) != 0)
		goto out;
	placement_event(dc, "placement.ended", &pl, json_pack("{s:o, s:s, "
	    "s:I}", "ended_on", placement_date_json(pl.ended_on),
	    "end_reason", pl.end_reason, "cancelled", (json_int_t)ids.n));
	followup_cancel_ids(dc, &ids, pl.updated_at);
	proposal_candidate_status(dc, pl.candidate_id, CAND_PLACED,
	    CAND_ACTIVE);
	if (dc->txn->rc != 0) {
		derr_store(&dc->err, dc->txn->rc);
		goto out;
	}
	*out = rec_to_json(&placement_schema, &pl, VIEW_FULL);
	json_object_set_new(*out, "cancelled", json_integer((json_int_t)ids.n));
	rc = 0;
out:
	free(ids.v);
	rec_clear(&end_schema, &b);
	rec_clear(&placement_schema, &pl);
	return (rc);
}
