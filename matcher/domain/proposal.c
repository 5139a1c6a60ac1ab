/*
 * proposal.c — proposals and their life cycle: the one best candidate for
 * an offer (recorded with the rule set, its version, the eligible count and
 * the score's parts), the ranked list for the chargé de mission's eyes, the
 * transitions of the table below (proposed → meeting scheduled → hired |
 * refused | declined | no-show | withdrawn | expired), each checked,
 * recorded as an event and applied to the policy state the index keeps,
 * and the expiry of the proposals left without decision.  Each operation
 * takes a struct dctx and answers 0 or -1 with its error set; the replies'
 * JSON and the metrics are the daemon's (daemon/api-proposals.c).
 * Filtering and scoring are match.c's; the batch of every open offer at
 * once is batch.c's; the terms of a hire are placement.c's.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain.h"
#include "rules.h"

#define OPEN	((1u << PROP_PROPOSED) | (1u << PROP_MEETING))

/* What a transition needs in its body. */
#define T_MEETING	0x01	/* meeting {at, place} */
#define T_REASON	0x02	/* reason */
#define T_PLACEMENT	0x04	/* the contract's terms: placement.c */

static const struct transition {
	const char	*action;	/* the last segment of the path */
	unsigned	 from;		/* statuses it may start from */
	int		 to;
	int		 needs;
} transitions[] = {
	{ .action = "meeting", .from = OPEN, .to = PROP_MEETING,
	  .needs = T_MEETING },
	{ .action = "hire", .from = 1u << PROP_MEETING, .to = PROP_HIRED,
	  .needs = T_PLACEMENT },
	{ .action = "refuse", .from = OPEN, .to = PROP_REFUSED,
	  .needs = T_REASON },
	{ .action = "decline", .from = OPEN, .to = PROP_DECLINED,
	  .needs = T_REASON },
	{ .action = "no-show", .from = 1u << PROP_MEETING, .to = PROP_NO_SHOW,
	  .needs = 0 },
	{ .action = "withdraw", .from = OPEN, .to = PROP_WITHDRAWN,
	  .needs = T_REASON },
	{ .action = "expire", .from = OPEN, .to = PROP_EXPIRED, .needs = 0 },
	{ .action = NULL }
};

/* Log an event of proposal p, its payload the ids that say who sees it. */
static void
proposal_event(struct txn *t, const char *type, const struct proposal *p,
    const char *actor)
{
	msgpack_packer	*pk;

	pk = event_open(t, type, "proposal", p->id, actor);
	msgpack_pack_map(pk, 5);
	event_pack_id(pk, "offer_id", p->offer_id);
	event_pack_id(pk, "candidate_id", p->candidate_id);
	event_pack_id(pk, "company_id", p->company_id);
	event_pack_id(pk, "referent_id", p->referent_id);
	event_pack_str(pk, "owner", p->owner);
	event_close(t);
}

/* Rebuild the policy state of the index from one stored proposal. */
static int
policy_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct proposal	 p;
	struct mcand	*c;

	(void)k; (void)kl; (void)arg;
	memset(&p, 0, sizeof(p));
	if (rec_decode(&proposal_schema, &p, v, vl) != 0) {
		rec_clear(&proposal_schema, &p);
		return (IOD_ECORRUPT);
	}
	stall_proposed(p.candidate_id, p.proposed_on);
	if (index_company_proposed(p.company_id, p.proposed_on, 1) != 0) {
		rec_clear(&proposal_schema, &p);
		return (IOD_ENOMEM);
	}
	if ((1u << p.status) & OPEN) {
		index_offer_open_set(p.offer_id, p.id);
		if ((c = index_cand(p.candidate_id)) != NULL)
			index_open(c, 1);
	} else if (p.status == PROP_REFUSED)
		index_refused(p.candidate_id, p.company_id, p.decided_on);
	rec_clear(&proposal_schema, &p);
	return (0);
}

int
proposal_load(struct txn *t)
{
	int	rc;

	stall_reset();
	index_company_reset();
	if ((rc = store_scan(t, DB_PROPOSALS, NULL, 0, 0, policy_cb,
	    NULL)) != 0)
		return (rc);
	return (interest_load(t));
}

/* Load a record by id into rec (zeroed first, to clear either way). */
static int
record_get(struct dctx *dc, enum store_db db, const struct schema *sc,
    uint64_t id, void *rec, const char *what)
{
	int	rc;

	memset(rec, 0, sc->size);
	if ((rc = store_get_rec(dc->txn, db, id, sc, rec)) == 0)
		return (0);
	if (rc == IOD_ENOTFOUND)
		return (derr_set(&dc->err, ERR_NOT_FOUND, "id", "no %s %llu",
		    what, (unsigned long long)id));
	return (derr_store(&dc->err, rc));
}

/* Set the status of a stored offer and log it. */
static void
offer_status_set(struct dctx *dc, uint64_t id, int status)
{
	struct offer	 o;
	msgpack_packer	*pk;

	memset(&o, 0, sizeof(o));
	if (store_get_rec(dc->txn, DB_OFFERS, id, &offer_schema, &o) != 0)
		return;
	o.status = status;
	o.updated_at = (int64_t)time(NULL);
	store_put_rec(dc->txn, DB_OFFERS, id, &offer_schema, &o);
	pk = event_open(dc->txn, "offer.updated", "offer", id, dc->actor);
	msgpack_pack_map(pk, 3);
	event_pack_id(pk, "company_id", o.company_id);
	event_pack_str(pk, "owner", o.owner);
	event_pack_str(pk, "status", offer_status_names[status]);
	event_close(dc->txn);
	rec_clear(&offer_schema, &o);
}

void
proposal_candidate_status(struct dctx *dc, uint64_t id, int from, int to)
{
	struct candidate	 c;

	memset(&c, 0, sizeof(c));
	if (store_get_rec(dc->txn, DB_CANDIDATES, id, &candidate_schema,
	    &c) != 0 || (from >= 0 && c.status != from)) {
		rec_clear(&candidate_schema, &c);
		return;
	}
	c.status = to;
	c.updated_at = (int64_t)time(NULL);
	store_put_rec(dc->txn, DB_CANDIDATES, id, &candidate_schema, &c);
	records_candidate_payload(event_open(dc->txn, "candidate.updated",
	    "candidate", id, dc->actor), &c);
	event_close(dc->txn);
	/* Memory after the store; a failed commit rebuilds it (server.c). */
	if (dc->txn->rc == 0)
		index_put(&c);
	rec_clear(&candidate_schema, &c);
}

/* Candidate id's referent_id alone into cand (zeroed first, to clear
 * either way): a proposal takes nothing else of the record.  0, or -1
 * with dc->err set. */
static int
referent_of(struct dctx *dc, uint64_t id, struct candidate *cand)
{
	static const char *const	 names[] = { "referent_id", NULL };
	static uint64_t			 want;
	const void			*v;
	size_t				 len;
	int				 rc;

	if (want == 0)
		want = rec_fields_mask(&candidate_schema, names);
	memset(cand, 0, sizeof(*cand));
	if ((rc = store_get_id(dc->txn, DB_CANDIDATES, id, &v, &len)) == 0 &&
	    (rc = rec_decode_fields(&candidate_schema, cand, v, len, want,
	    NULL)) == 0)
		return (0);
	rec_clear(&candidate_schema, cand);
	if (rc == IOD_ENOTFOUND)
		return (derr_set(&dc->err, ERR_NOT_FOUND, "id",
		    "no candidate %llu", (unsigned long long)id));
	return (derr_store(&dc->err, rc));
}

int
proposal_record(struct dctx *dc, const struct offer *o,
    const struct moffer *mo, const struct active *a, uint32_t slot,
    uint32_t eligible, const uint32_t *removed, struct proposal *p)
{
	struct mcand		*c = index_cand_by_slot(slot);
	struct candidate	 cand;
	struct mparts		 parts;
	size_t			 i;

	memset(p, 0, sizeof(*p));
	if (referent_of(dc, c->id, &cand) != 0)
		return (-1);
	p->id = store_next_id(dc->txn, DB_PROPOSALS);
	p->offer_id = o->id;
	p->candidate_id = c->id;
	p->company_id = o->company_id;
	p->referent_id = cand.referent_id;
	p->owner = o->owner != NULL ? strdup(o->owner) : NULL;
	p->ruleset = strdup(a->name);
	p->ruleset_version = (int64_t)a->version;
	p->eligible = eligible;
	if (removed != NULL && (p->removed = calloc(FILTER__N,
	    sizeof(*p->removed))) != NULL) {
		for (i = 0; i < FILTER__N; i++) {
			p->removed[i].filter = strdup(filter_names[i]);
			p->removed[i].count = removed[i];
		}
		p->nremoved = FILTER__N;
	}
	p->status = PROP_PROPOSED;
	p->proposed_on = date_today();
	p->created_at = p->updated_at = (int64_t)time(NULL);
	rec_clear(&candidate_schema, &cand);
	match_parts(a->rs, mo, c, &parts);
	p->score = parts.total;
	p->nparts = parts.n;
	if (p->nparts > 0 &&
	    (p->score_parts = calloc(p->nparts, sizeof(*p->score_parts))) ==
	    NULL)
		return (derr_set(&dc->err, ERR_NO_MEMORY, NULL,
		    "out of memory"));
	for (i = 0; i < parts.n; i++) {
		p->score_parts[i].criterion = strdup(parts.v[i].criterion);
		p->score_parts[i].points = parts.v[i].points;
	}
	store_put_rec(dc->txn, DB_PROPOSALS, p->id, &proposal_schema, p);
	proposal_event(dc->txn, "proposal.created", p, dc->actor);
	if (dc->txn->rc != 0)
		return (derr_store(&dc->err, dc->txn->rc));
	index_offer_open_set(o->id, p->id);
	index_open(c, 1);
	stall_proposed(c->id, p->proposed_on);
	if (index_company_proposed(o->company_id, p->proposed_on, 0) != 0)
		return (derr_set(&dc->err, ERR_NO_MEMORY, NULL,
		    "out of memory"));
	return (0);
}

/* Why nothing may be proposed for this offer now: -1 with the error, or
 * 0 if it may. */
static int
offer_blocked(struct dctx *dc, const struct offer *o, const struct active *a)
{
	uint64_t	open;

	if (o->status != OFFER_OPEN)
		return (derr_set(&dc->err, ERR_OFFER_NOT_OPEN, "status",
		    "offer %llu is %s (expected open)",
		    (unsigned long long)o->id, offer_status_names[o->status]));
	if (a->rs->policies.require_workstation_visit &&
	    o->workstation_visit.on == 0)
		return (derr_set(&dc->err, ERR_NO_WORKSTATION_VISIT,
		    "workstation_visit", "workstation_visit: rule set %s "
		    "requires a workstation visit before any proposal",
		    a->name));
	if (a->rs->policies.one_candidate_per_offer &&
	    (open = index_offer_open(o->id)) != 0)
		return (derr_set(&dc->err, ERR_OFFER_HAS_PROPOSAL, "offer_id",
		    "offer %llu already has open proposal %llu (one candidate "
		    "per offer)", (unsigned long long)o->id,
		    (unsigned long long)open));
	return (0);
}

/* The fields of an offer and of its company that a match reads
 * (match_prepare's), and those a proposal adds: its checks (offer_blocked),
 * its record and its job (job.c). */
static const char *const match_offer[] = { "id", "company_id", "rome",
    "commune", "contract", "weekly_hours", "schedule", "requirements",
    "start_on", "ruleset", NULL };
static const char *const propose_offer[] = { "status", "workstation_visit",
    "owner", "title", NULL };
static const char *const match_company[] = { "favoured_publics", NULL };
static const char *const propose_company[] = { "name", NULL };

/* Load offer id and its company (zeroed if not found), only the fields a
 * match reads and, propose set, those a proposal shows; find the rule set
 * and prepare the offer for matching; o and co are to clear either way. */
static int
offer_prepare(struct dctx *dc, uint64_t id, int propose, struct offer *o,
    struct company *co, struct active **a, struct moffer *mo)
{
	static uint64_t	 want[2][2];	/* [propose][offer, company] */
	const void	*v;
	size_t		 len;
	int		 rc;

	if (want[0][0] == 0) {
		want[0][0] = rec_fields_mask(&offer_schema, match_offer);
		want[0][1] = rec_fields_mask(&company_schema, match_company);
		want[1][0] = want[0][0] | rec_fields_mask(&offer_schema,
		    propose_offer);
		want[1][1] = want[0][1] | rec_fields_mask(&company_schema,
		    propose_company);
	}
	memset(o, 0, sizeof(*o));
	memset(co, 0, sizeof(*co));
	if ((rc = store_get_id(dc->txn, DB_OFFERS, id, &v, &len)) != 0 ||
	    (rc = rec_decode_fields(&offer_schema, o, v, len,
	    want[propose][0], NULL)) != 0) {
		if (rc == IOD_ENOTFOUND)
			return (derr_set(&dc->err, ERR_NOT_FOUND, "id",
			    "no offer %llu", (unsigned long long)id));
		return (derr_store(&dc->err, rc));
	}
	if ((*a = rulesets_find(o->ruleset)) == NULL)
		return (derr_set(&dc->err, ERR_NO_RULESET, "ruleset",
		    "ruleset: \"%s\" is not an active rule set",
		    o->ruleset != NULL ? o->ruleset : "(default)"));
	if (store_get_id(dc->txn, DB_COMPANIES, o->company_id, &v, &len) ==
	    0 && rec_decode_fields(&company_schema, co, v, len,
	    want[propose][1], NULL) != 0)
		rec_clear(&company_schema, co);
	if (match_prepare((*a)->rs, o, co, mo) != 0)
		return (derr_set(&dc->err, ERR_CONFLICT, "rome", "rome: %s is "
		    "not in the ROME table any more", o->rome));
	return (0);
}

/* What the match of offer o under a found, into out. */
static void
match_note(struct proposal_match *out, const struct offer *o,
    const struct active *a, const struct mresult *r)
{
	out->offer_id = o->id;
	out->ruleset = a->name;
	out->ruleset_version = a->version;
	out->eligible = r->eligible;
	memcpy(out->removed, r->removed, sizeof(out->removed));
	out->company_cap = r->company_cap;
}

int
proposal_propose(struct dctx *dc, uint64_t offer_id,
    struct proposal_match *out)
{
	struct active	*a;
	struct moffer	 mo;
	struct mresult	 r;
	struct timespec	 t0, t1;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	if (offer_prepare(dc, offer_id, 1, &out->offer, &out->company,
	    &a, &mo) != 0 || offer_blocked(dc, &out->offer, a) != 0)
		goto out;
	r.want = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = match_run(a->rs, &mo, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out->matched = 1;
	out->took.tv_sec = t1.tv_sec - t0.tv_sec;
	if ((out->took.tv_nsec = t1.tv_nsec - t0.tv_nsec) < 0) {
		out->took.tv_nsec += 1000000000L;
		out->took.tv_sec--;
	}
	if (rc != 0) {
		rc = derr_set(&dc->err, ERR_NO_MEMORY, NULL, "out of memory");
		goto out;
	}
	match_note(out, &out->offer, a, &r);
	if (r.ntop == 0)
		goto out;		/* rc 0: no one to propose */
	if (proposal_record(dc, &out->offer, &mo, a, r.top[0].slot,
	    r.eligible, r.removed, &out->prop) != 0) {
		rc = -1;
		goto out;
	}
	out->proposed = 1;
	rc = 1;
out:
	match_result_free(&r);
	return (rc);
}

/* The first name of stored candidate id, read alone from its record
 * (malloc'd, or NULL): the ranked list shows nothing else of it. */
static char *
first_name_of(struct txn *t, uint64_t id)
{
	static const char *const	 names[] = { "first_name", NULL };
	static uint64_t			 want;
	struct candidate		 cand;
	const void			*v;
	size_t				 len;
	char				*name = NULL;

	if (want == 0)
		want = rec_fields_mask(&candidate_schema, names);
	memset(&cand, 0, sizeof(cand));
	if (store_get_id(t, DB_CANDIDATES, id, &v, &len) == 0 &&
	    rec_decode_fields(&candidate_schema, &cand, v, len, want,
	    NULL) == 0) {
		name = cand.first_name;		/* taken */
		cand.first_name = NULL;
	}
	rec_clear(&candidate_schema, &cand);
	return (name);
}

int
proposal_rank(struct dctx *dc, uint64_t offer_id, size_t limit,
    struct proposal_match *out)
{
	struct offer		 o;
	struct company		 co;
	struct active		*a;
	struct moffer		 mo;
	struct mresult		 r;
	struct ranked		*e;
	struct mcand		*c;
	size_t			 i;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	if (offer_prepare(dc, offer_id, 0, &o, &co, &a, &mo) != 0)
		goto out;
	r.want = limit;
	if (match_run(a->rs, &mo, &r) != 0 || (r.ntop > 0 &&
	    (out->ranked = calloc(r.ntop, sizeof(*out->ranked))) == NULL)) {
		derr_set(&dc->err, ERR_NO_MEMORY, NULL, "out of memory");
		goto out;
	}
	match_note(out, &o, a, &r);
	for (i = 0; i < r.ntop; i++) {
		e = &out->ranked[out->nranked++];
		c = index_cand_by_slot(r.top[i].slot);
		match_parts(a->rs, &mo, c, &e->parts);
		e->candidate_id = c->id;
		e->first_name = first_name_of(dc->txn, c->id);
	}
	rc = 0;
out:
	match_result_free(&r);
	rec_clear(&offer_schema, &o);
	rec_clear(&company_schema, &co);
	return (rc);
}

void
proposal_match_free(struct proposal_match *m)
{
	size_t	i;

	for (i = 0; i < m->nranked; i++)
		free(m->ranked[i].first_name);
	free(m->ranked);
	rec_clear(&proposal_schema, &m->prop);
	rec_clear(&offer_schema, &m->offer);
	rec_clear(&company_schema, &m->company);
	memset(m, 0, sizeof(*m));
}

/*
 * Apply transition tr to proposal p (loaded, open or not), with the
 * body's terms for a hire, in the store and then in the index; a decision
 * is dated decided (0: today).
 */
static int
transition_apply(struct dctx *dc, struct proposal *p,
    const struct transition *tr, json_t *body, iod_date decided)
{
	struct mcand	*c;
	char		 type[64];
	int		 was_open = ((1u << p->status) & OPEN) != 0;

	if (!((1u << p->status) & tr->from))
		return (derr_set(&dc->err, ERR_BAD_TRANSITION, "status",
		    "proposal %llu is %s: it cannot be %s (expected %s)",
		    (unsigned long long)p->id, proposal_status_names[p->status],
		    tr->action, tr->from == OPEN ?
		    "proposed or meeting_scheduled" : "meeting_scheduled"));
	/* The terms are checked before anything is written or remembered. */
	if ((tr->needs & T_PLACEMENT) && placement_check(dc, body, p) != 0)
		return (-1);
	p->status = tr->to;
	p->updated_at = (int64_t)time(NULL);
	if (!((1u << tr->to) & OPEN))
		p->decided_on = decided != 0 ? decided : date_today();
	store_put_rec(dc->txn, DB_PROPOSALS, p->id, &proposal_schema, p);
	snprintf(type, sizeof(type), "proposal.%s",
	    proposal_status_names[tr->to]);
	proposal_event(dc->txn, type, p, dc->actor);
	if (tr->to == PROP_HIRED) {
		offer_status_set(dc, p->offer_id, OFFER_FILLED);
		proposal_candidate_status(dc, p->candidate_id, -1,
		    CAND_PLACED);
	}
	if ((tr->needs & T_PLACEMENT) && placement_create(dc, body, p) != 0)
		return (-1);
	if (dc->txn->rc != 0)
		return (derr_store(&dc->err, dc->txn->rc));
	/* The store has it all: now the policy state. */
	if (was_open && !((1u << tr->to) & OPEN)) {
		if (index_offer_open(p->offer_id) == p->id)
			index_offer_open_set(p->offer_id, 0);
		if ((c = index_cand(p->candidate_id)) != NULL)
			index_open(c, -1);
	}
	if (tr->to == PROP_REFUSED)
		index_refused(p->candidate_id, p->company_id, p->decided_on);
	return (0);
}

/* A meeting is not before the proposal: 0, or -1 with the error set. */
static int
meeting_check(struct dctx *dc, const struct proposal *p)
{
	iod_date	day;
	char		buf[11], proposed[11];

	snprintf(buf, sizeof(buf), "%.10s", p->meeting.at);
	if (date_parse(buf, &day) != 0 || day >= p->proposed_on)
		return (0);
	date_format(p->proposed_on, proposed);
	return (derr_set(&dc->err, ERR_INVALID, "meeting.at", "meeting.at: "
	    "%s is before the proposal of %s (expected that day or later)",
	    p->meeting.at, proposed));
}

/* The reason and the meeting of the body, into p, as tr needs them. */
static int
transition_body(struct dctx *dc, struct proposal *p,
    const struct transition *tr, json_t *body)
{
	json_t	*v;
	char	*field, *cause;

	if (body != NULL && !json_is_object(body))
		return (derr_set(&dc->err, ERR_INVALID, "body",
		    "body is not a JSON object"));
	if ((v = json_object_get(body, "reason")) != NULL) {
		free(p->reason);
		p->reason = NULL;
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > 1000)
			return (derr_set(&dc->err, ERR_INVALID, "reason",
			    "reason: expected a text of 1 to 1000 bytes"));
		p->reason = strdup(json_string_value(v));
	} else if (tr->needs & T_REASON)
		return (derr_set(&dc->err, ERR_INVALID, "reason",
		    "reason: is required to %s a proposal", tr->action));
	if (!(tr->needs & T_MEETING))
		return (0);
	if ((v = json_object_get(body, "meeting")) == NULL)
		return (derr_set(&dc->err, ERR_INVALID, "meeting",
		    "meeting: is required (expected {at, place})"));
	rec_clear(&meeting_schema, &p->meeting);
	if (rec_from_json(&meeting_schema, &p->meeting, v, &field,
	    &cause) != 0) {
		derr_set(&dc->err, ERR_INVALID, "meeting", "meeting.%s",
		    cause);
		free(field);
		free(cause);
		return (-1);
	}
	return (meeting_check(dc, p));
}

int
proposal_transition(struct dctx *dc, uint64_t id, const char *action,
    json_t *body, json_t **out)
{
	const struct transition	*tr;
	struct proposal		 p;
	int			 rc = -1;

	*out = NULL;
	for (tr = transitions; tr->action != NULL; tr++)
		if (strcmp(tr->action, action) == 0)
			break;
	if (tr->action == NULL)
		return (derr_set(&dc->err, ERR_BAD_PATH, "action",
		    "no transition %s", action));
	if (record_get(dc, DB_PROPOSALS, &proposal_schema, id, &p,
	    "proposal") != 0)
		goto out;
	if (transition_body(dc, &p, tr, body) != 0 ||
	    transition_apply(dc, &p, tr, body, 0) != 0)
		goto out;
	*out = rec_to_json(&proposal_schema, &p, VIEW_FULL);
	json_object_set_new(*out, "job", job_json(dc->txn, p.offer_id));
	rc = 0;
out:
	rec_clear(&proposal_schema, &p);
	return (rc);
}

/* The open proposals older than their rule set allows, and the day each
 * expired (proposed_on + proposal_expiry_days). */
struct expire_arg {
	uint64_t	*ids;
	iod_date	*on;
	size_t		 n, cap;
	int32_t		 today;
};

static int
expire_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct expire_arg	*ea = arg;
	struct proposal		 p;
	struct active		*a;
	uint64_t		*q;
	iod_date		*d;

	(void)k; (void)kl;
	memset(&p, 0, sizeof(p));
	if (rec_decode(&proposal_schema, &p, v, vl) == 0 &&
	    ((1u << p.status) & OPEN) && (a = rulesets_find(p.ruleset)) != NULL &&
	    a->rs->policies.proposal_expiry_days > 0 &&
	    date_to_days(p.proposed_on) + a->rs->policies.proposal_expiry_days
	    <= ea->today) {
		if (ea->n == ea->cap) {
			ea->cap = ea->cap ? ea->cap * 2 : 16;
			if ((q = reallocarray(ea->ids, ea->cap, 8)) != NULL)
				ea->ids = q;
			if ((d = reallocarray(ea->on, ea->cap,
			    sizeof(*d))) != NULL)
				ea->on = d;
			if (q == NULL || d == NULL) {
				rec_clear(&proposal_schema, &p);
				return (IOD_ENOMEM);
			}
		}
		ea->on[ea->n] = calendar_add_days(p.proposed_on,
		    (int)a->rs->policies.proposal_expiry_days);
		ea->ids[ea->n++] = p.id;
	}
	rec_clear(&proposal_schema, &p);
	return (0);
}

int
proposal_expire(struct dctx *dc)
{
	const struct transition	*tr;
	struct expire_arg	 ea;
	struct proposal		 p;
	size_t			 i;
	int			 n = 0;

	for (tr = transitions; strcmp(tr->action, "expire") != 0; tr++)
		;
	memset(&ea, 0, sizeof(ea));
	ea.today = date_to_days(date_today());
	store_scan(dc->txn, DB_PROPOSALS, NULL, 0, 0, expire_cb, &ea);
	for (i = 0; i < ea.n; i++) {
		memset(&p, 0, sizeof(p));
		if (store_get_rec(dc->txn, DB_PROPOSALS, ea.ids[i],
		    &proposal_schema, &p) == 0 &&
		    transition_apply(dc, &p, tr, NULL, ea.on[i]) == 0)
			n++;
		rec_clear(&proposal_schema, &p);
	}
	free(ea.ids);
	free(ea.on);
	return (n);
}
