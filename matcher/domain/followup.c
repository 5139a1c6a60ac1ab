/*
 * followup.c — the life of a follow-up appointment: planned → done (with
 * a note, an assessment and the day it took place) | missed (once its day
 * has come, with the day it was missed) | cancelled,
 * by hand or when the placement ends early; the reminders of appointments
 * due tomorrow and of those overdue, once each (a write task).  Every
 * change appends an event whose payload names the candidate, referent,
 * company and owner, so that access.c can say who may read it; delivering
 * it is the daemon's.  The schedule is drawn by schedule.c and written by
 * placement.c on hire; lists and the iCalendar feed are the daemon's.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain.h"

/* The body of POST /v1/followups/{id}/<action>. */
struct fu_body {
	char		*note;
	int		 assessment;
	iod_date	 on;
};
static const struct field fu_body_fields[] = {
	{
		.name = "note",
		.type = FT_STR,
		.off = offsetof(struct fu_body, note),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 2000
	},
	{
		.name = "assessment",
		.type = FT_ENUM,
		.off = offsetof(struct fu_body, assessment),
		.flags = F_NULLABLE,
		.names = assessment_names
	},
	{
		.name = "on",
		.type = FT_DATE,
		.off = offsetof(struct fu_body, on),
		.flags = F_NULLABLE
	},
	{ .name = NULL }
};
static const struct schema fu_body_schema = {
	.name = "appointment update",
	.size = sizeof(struct fu_body),
	.fields = fu_body_fields,
	.version = 1
};

#define N_ASSESSMENT	0x01	/* assessment required */
#define N_DUE_PASSED	0x02	/* only once the day has come */
#define N_ON		0x04	/* on: the day it happened */

static const struct fu_transition {
	const char	*action;	/* the last segment of the path */
	int		 to;
	int		 needs;
	const char	*event;
} fu_transitions[] = {
	{ .action = "done", .to = FU_DONE, .needs = N_ASSESSMENT | N_ON,
	  .event = "followup.done" },
	{ .action = "missed", .to = FU_MISSED, .needs = N_DUE_PASSED | N_ON,
	  .event = "followup.missed" },
	{ .action = "cancel", .to = FU_CANCELLED, .needs = 0,
	  .event = "followup.cancelled" },
	{ .action = NULL }
};

int
followup_fetch(struct txn *t, uint64_t id, struct followup *f)
{
	memset(f, 0, sizeof(*f));
	f->assessment = -1;
	return (store_get_rec(t, DB_FOLLOWUPS, id, &followup_schema, f));
}

int
followup_decode(struct followup *f, const void *v, size_t vl)
{
	memset(f, 0, sizeof(*f));
	f->assessment = -1;
	return (rec_decode(&followup_schema, f, v, vl));
}

int
followup_overdue(const struct followup *f, iod_date today)
{
	return (f->status == FU_PLANNED && f->due_on < today);
}

json_t *
followup_json(const struct followup *f, iod_date today)
{
	json_t	*j = rec_to_json(&followup_schema, f, VIEW_FULL);

	json_object_set_new(j, "overdue", json_boolean(followup_overdue(f,
	    today)));
	return (j);
}

void
followup_names(struct txn *t, struct followup_names *nm, uint64_t cand_id,
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

/* The ids that route an event (access.c), and what a reader needs. */
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
	    "due_on", placement_date_json(f->due_on),
	    "status", followup_status_names[f->status]);
	if (f->assessment >= 0)
		json_object_set_new(j, "assessment",
		    json_string(assessment_names[f->assessment]));
	if (f->done_on != 0)
		json_object_set_new(j, "done_on",
		    placement_date_json(f->done_on));
	if (f->missed_on != 0)
		json_object_set_new(j, "missed_on",
		    placement_date_json(f->missed_on));
	return (j);
}

static void
followup_event(struct dctx *dc, const char *type, const struct followup *f)
{
	json_t	*data = followup_payload(f);

	event_append(dc->txn, type, "followup", f->id, dc->actor, data);
	json_decref(data);
}

/* Appointment id as the token may see it; 0, or -1 with the error set. */
static int
followup_load(struct dctx *dc, uint64_t id, struct followup *f)
{
	memset(f, 0, sizeof(*f));
	f->assessment = -1;	/* none, not the table's first */
	return (records_load(dc, DB_FOLLOWUPS, &followup_schema, "appointment",
	    id, f));
}

int
followup_get(struct dctx *dc, uint64_t id, json_t **out)
{
	struct followup	f;

	*out = NULL;
	if (followup_load(dc, id, &f) != 0)
		return (-1);
	*out = followup_json(&f, date_today());
	rec_clear(&followup_schema, &f);
	return (0);
}

/* The day an appointment happened is not before its placement started:
 * 0, or -1 with the error set. */
static int
followup_check_start(struct dctx *dc, const struct followup *f, iod_date on)
{
	struct placement	pl;
	char			day[11], start[11];
	int			rc;

	memset(&pl, 0, sizeof(pl));
	if ((rc = store_get_rec(dc->txn, DB_PLACEMENTS, f->placement_id,
	    &placement_schema, &pl)) != 0)
		rc = derr_store(&dc->err, rc);
	else if (on < pl.start_on) {
		date_format(on, day);
		date_format(pl.start_on, start);
		rc = derr_set(&dc->err, ERR_INVALID, "on", "on: %s is before "
		    "the placement started on %s (expected the day it took "
		    "place)", day, start);
	}
	rec_clear(&placement_schema, &pl);
	return (rc);
}

int
followup_transition(struct dctx *dc, uint64_t id, const char *action,
    json_t *body, json_t **out)
{
	const struct fu_transition	*tr;
	struct followup			 f;
	struct fu_body			 b;
	iod_date			 today = date_today();
	char				 day[11];
	int				 rc = -1;

	*out = NULL;
	for (tr = fu_transitions; tr->action != NULL; tr++)
		if (strcmp(tr->action, action) == 0)
			break;
	if (tr->action == NULL)
		return (derr_set(&dc->err, ERR_BAD_PATH, NULL,
		    "%s: not an action of an appointment", action));
	memset(&b, 0, sizeof(b));
	b.assessment = -1;
	if (followup_load(dc, id, &f) != 0)
		return (-1);
	if (body != NULL && !json_is_object(body)) {
		derr_set(&dc->err, ERR_INVALID, "body",
		    "body is not a JSON object");
		goto out;
	}
	if (derr_decode(&dc->err, &fu_body_schema, body, &b) != 0)
		goto out;
	if (!(tr->needs & N_ASSESSMENT) && b.assessment >= 0) {
		derr_set(&dc->err, ERR_INVALID, "assessment",
		    "assessment: only an appointment done has one");
		goto out;
	}
	if (!(tr->needs & N_ON) && b.on != 0) {
		derr_set(&dc->err, ERR_INVALID, "on", "on: an appointment %s "
		    "has no day (expected on with done or missed)",
		    followup_status_names[tr->to]);
		goto out;
	}
	if ((tr->needs & N_ASSESSMENT) && b.assessment < 0) {
		derr_set(&dc->err, ERR_INVALID, "assessment",
		    "assessment: is required to record an appointment done "
		    "(expected fine, at_risk or rupture)");
		goto out;
	}
	if (b.on > today) {
		date_format(b.on, day);
		derr_set(&dc->err, ERR_INVALID, "on", "on: %s is in "
		    "the future (expected the day it took place)", day);
		goto out;
	}
	if (b.on != 0 && followup_check_start(dc, &f, b.on) != 0)
		goto out;
	if (f.status != FU_PLANNED) {
		derr_set(&dc->err, ERR_BAD_TRANSITION, "status",
		    "appointment %llu is %s: it cannot be %s (expected planned)",
		    (unsigned long long)f.id, followup_status_names[f.status],
		    followup_status_names[tr->to]);
		goto out;
	}
	if ((tr->needs & N_DUE_PASSED) && f.due_on > today) {
		date_format(f.due_on, day);
		derr_set(&dc->err, ERR_NOT_DUE, "due_on", "due_on: "
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
	if (tr->needs & N_ASSESSMENT)
		f.assessment = b.assessment;
	if (tr->to == FU_DONE)
		f.done_on = b.on != 0 ? b.on : today;
	else if (tr->to == FU_MISSED)
		f.missed_on = b.on != 0 ? b.on : today;
	f.updated_at = (int64_t)time(NULL);
	store_put_rec(dc->txn, DB_FOLLOWUPS, f.id, &followup_schema, &f);
	followup_event(dc, tr->event, &f);
	if (f.assessment == ASSESS_AT_RISK || f.assessment == ASSESS_RUPTURE)
		followup_event(dc, "followup.at_risk", &f);
	if (dc->txn->rc != 0) {
		derr_store(&dc->err, dc->txn->rc);
		goto out;
	}
	*out = followup_json(&f, today);
	rc = 0;
out:
	rec_clear(&fu_body_schema, &b);
	rec_clear(&followup_schema, &f);
	return (rc);
}

/* ---- ids gathered by a scan, written after it ---------------------------- */

static int
followup_ids_add(struct followup_ids *ids, uint64_t id)
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

struct after_arg {
	uint64_t		 placement_id;
	iod_date		 after;		/* what is due after this day */
	struct followup_ids	*ids;
};

static int
after_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct after_arg	*aa = arg;
	struct followup		 f;
	int			 rc = 0;

	(void)k; (void)kl;
	if (followup_decode(&f, v, vl) == 0 && f.placement_id ==
	    aa->placement_id && f.status == FU_PLANNED && f.due_on > aa->after)
		rc = followup_ids_add(aa->ids, f.id);
	rec_clear(&followup_schema, &f);
	return (rc);
}

int
followup_planned_after(struct dctx *dc, uint64_t placement_id,
    iod_date after, struct followup_ids *ids)
{
	struct after_arg	aa;
	int			rc;

	aa.placement_id = placement_id;
	aa.after = after;
	aa.ids = ids;
	if ((rc = store_scan(dc->txn, DB_FOLLOWUPS, NULL, 0, 0, after_cb,
	    &aa)) != 0)
		return (derr_store(&dc->err, dc->txn->rc != 0 ? dc->txn->rc :
		    rc));
	return (0);
}

void
followup_cancel_ids(struct dctx *dc, const struct followup_ids *ids,
    int64_t now)
{
	struct followup	f;
	size_t		i;

	for (i = 0; i < ids->n; i++) {
		if (followup_fetch(dc->txn, ids->v[i], &f) == 0) {
			f.status = FU_CANCELLED;
			f.updated_at = now;
			store_put_rec(dc->txn, DB_FOLLOWUPS, f.id,
			    &followup_schema, &f);
			followup_event(dc, "followup.cancelled", &f);
		}
		rec_clear(&followup_schema, &f);
	}
}

/* ---- reminders ---------------------------------------------------------- */

struct remind_arg {
	iod_date		 today, tomorrow;
	struct followup_ids	 due, late;
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
			rc = followup_ids_add(&ra->due, f.id);
		else if (f.due_on < ra->today && !f.reminded_overdue)
			rc = followup_ids_add(&ra->late, f.id);
	}
	rec_clear(&followup_schema, &f);
	return (rc);
}

int
placement_remind(struct dctx *dc)
{
	struct remind_arg	 ra;
	struct followup		 f;
	size_t			 i;
	int			 n = 0;

	memset(&ra, 0, sizeof(ra));
	ra.today = date_today();
	ra.tomorrow = calendar_add_days(ra.today, 1);
	if (store_scan(dc->txn, DB_FOLLOWUPS, NULL, 0, 0, remind_cb, &ra) != 0)
		goto out;
	for (i = 0; i < ra.due.n + ra.late.n; i++) {
		if (followup_fetch(dc->txn, i < ra.due.n ? ra.due.v[i] :
		    ra.late.v[i - ra.due.n], &f) != 0) {
			rec_clear(&followup_schema, &f);
			continue;
		}
		if (i < ra.due.n)
			f.reminded_due = 1;
		else
			f.reminded_overdue = 1;
		store_put_rec(dc->txn, DB_FOLLOWUPS, f.id, &followup_schema, &f);
		followup_event(dc, i < ra.due.n ? "followup.due_tomorrow" :
		    "followup.overdue", &f);
		rec_clear(&followup_schema, &f);
		n++;
	}
out:
	free(ra.due.v);
	free(ra.late.v);
	if (dc->txn->rc != 0)
		return (derr_store(&dc->err, dc->txn->rc));
	return (n);
}
