/*
 * proposal.c — proposals and their life cycle: the one best candidate for
 * an offer (recorded with the rule set, its version, the eligible count and
 * the score's parts), the ranked list for the chargé de mission's eyes, the
 * transitions of the table below (proposed → meeting scheduled → hired |
 * refused | declined | no-show | withdrawn | expired), each checked,
 * recorded as an event and applied to the policy state the index keeps,
 * and the optimal assignment of candidates to every open offer at once.
 * Filtering and scoring are match.c's; the solver is assign.c's.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "matcher.h"
#include "rules.h"

const char *const proposal_status_names[] = { "proposed",
    "meeting_scheduled", "hired", "refused", "declined", "no_show",
    "withdrawn", "expired", NULL };

#define OPEN	((1u << PROP_PROPOSED) | (1u << PROP_MEETING))

static int
check_datetime(const char *s, char **cause)
{
	iod_date	d;
	char		day[11];

	if (strlen(s) == 16 && s[10] == 'T' && isdigit((unsigned char)s[11]) &&
	    isdigit((unsigned char)s[12]) && s[13] == ':' &&
	    isdigit((unsigned char)s[14]) && isdigit((unsigned char)s[15]) &&
	    (s[11] - '0') * 10 + (s[12] - '0') < 24 &&
	    (s[14] - '0') * 10 + (s[15] - '0') < 60) {
		memcpy(day, s, 10);
		day[10] = '\0';
		if (date_parse(day, &d) == 0)
			return (0);
	}
	if (asprintf(cause, "\"%.*s\" is not a date and time (expected "
	    "YYYY-MM-DDTHH:MM)", (int)utf8_cut(s, 20), s) == -1)
		*cause = NULL;
	return (IOD_EINVAL);
}

#define FLD(st, f)	offsetof(struct st, f)
#define END		{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL }
static const struct field part_fields[] = {
	{ "criterion", FT_STR, FLD(score_part, criterion), 0, F_REQUIRED, 1, 64, NULL, NULL, NULL },
	{ "points", FT_INT, FLD(score_part, points), 0, F_REQUIRED, -100000, 100000, NULL, NULL, NULL },
	END
};
static const struct schema part_schema = { "score_part",
    sizeof(struct score_part), part_fields, 1 };

static const struct field meeting_fields[] = {
	{ "at", FT_STR, FLD(meeting, at), 0, F_REQUIRED, 16, 16, NULL, NULL, check_datetime },
	{ "place", FT_STR, FLD(meeting, place), 0, F_REQUIRED, 1, 200, NULL, NULL, NULL },
	END
};
static const struct schema meeting_schema = { "meeting",
    sizeof(struct meeting), meeting_fields, 1 };

static const struct field proposal_fields[] = {
	{ "id", FT_ID, FLD(proposal, id), 0, F_RO, 0, 0, NULL, NULL, NULL },
	{ "offer_id", FT_REF, FLD(proposal, offer_id), 0, F_RO, 0, 0, NULL, NULL, NULL },
	{ "candidate_id", FT_REF, FLD(proposal, candidate_id), 0, F_RO, 0, 0, NULL, NULL, NULL },
	{ "company_id", FT_REF, FLD(proposal, company_id), 0, F_RO, 0, 0, NULL, NULL, NULL },
	{ "referent_id", FT_REF, FLD(proposal, referent_id), 0, F_RO | F_SENSITIVE, 0, 0, NULL, NULL, NULL },
	{ "owner", FT_STR, FLD(proposal, owner), 0, F_RO, 0, 64, NULL, NULL, NULL },
	{ "ruleset", FT_STR, FLD(proposal, ruleset), 0, F_RO, 0, 64, NULL, NULL, NULL },
	{ "ruleset_version", FT_INT, FLD(proposal, ruleset_version), 0, F_RO, 0, 0, NULL, NULL, NULL },
	{ "score", FT_INT, FLD(proposal, score), 0, F_RO | F_SENSITIVE, 0, 0, NULL, NULL, NULL },
	{ "score_parts", FT_OBJV, FLD(proposal, score_parts), FLD(proposal, nparts), F_RO | F_SENSITIVE, 0, 64, NULL, &part_schema, NULL },
	{ "eligible", FT_INT, FLD(proposal, eligible), 0, F_RO | F_SENSITIVE, 0, 0, NULL, NULL, NULL },
	{ "status", FT_ENUM, FLD(proposal, status), 0, F_RO, 0, 0, proposal_status_names, NULL, NULL },
	{ "meeting", FT_OBJ, FLD(proposal, meeting), 0, F_NULLABLE, 0, 0, NULL, &meeting_schema, NULL },
	{ "reason", FT_STR, FLD(proposal, reason), 0, F_NULLABLE | F_NOTE, 1, 1000, NULL, NULL, NULL },
	{ "proposed_on", FT_DATE, FLD(proposal, proposed_on), 0, F_RO, 0, 0, NULL, NULL, NULL },
	{ "decided_on", FT_DATE, FLD(proposal, decided_on), 0, F_RO, 0, 0, NULL, NULL, NULL },
	{ "created_at", FT_TIME, FLD(proposal, created_at), 0, F_RO, 0, 0, NULL, NULL, NULL },
	{ "updated_at", FT_TIME, FLD(proposal, updated_at), 0, F_RO, 0, 0, NULL, NULL, NULL },
	END
};
const struct schema proposal_schema = { "proposal", sizeof(struct proposal),
    proposal_fields, 1 };

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
	{ "meeting", OPEN, PROP_MEETING, T_MEETING },
	{ "hire", 1u << PROP_MEETING, PROP_HIRED, T_PLACEMENT },
	{ "refuse", OPEN, PROP_REFUSED, T_REASON },
	{ "decline", OPEN, PROP_DECLINED, T_REASON },
	{ "no-show", 1u << PROP_MEETING, PROP_NO_SHOW, 0 },
	{ "withdraw", OPEN, PROP_WITHDRAWN, T_REASON },
	{ "expire", OPEN, PROP_EXPIRED, 0 },
	{ NULL, 0, 0, 0 }
};

static json_t *
payload(const struct proposal *p)
{
	return (json_pack("{s:I, s:I, s:I, s:I, s:s?}",
	    "offer_id", (json_int_t)p->offer_id,
	    "candidate_id", (json_int_t)p->candidate_id,
	    "company_id", (json_int_t)p->company_id,
	    "referent_id", (json_int_t)p->referent_id,
	    "owner", p->owner));
}

static void
log_event(struct txn *t, const char *type, const struct proposal *p,
    const char *actor)
{
	json_t	*data = payload(p);

	event_append(t, type, "proposal", p->id, actor, data);
	json_decref(data);
}

/* Rebuild the policy state of the index from one stored proposal. */
static int
load_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct proposal	 p;
	struct mcand	*c;

	(void)k; (void)kl; (void)arg;
	memset(&p, 0, sizeof(p));
	if (rec_decode(&proposal_schema, &p, v, vl) != 0) {
		rec_clear(&proposal_schema, &p);
		return (IOD_ECORRUPT);
	}
	if ((1u << p.status) & OPEN) {
		hmap_set(&idx->offer_open, p.offer_id, p.id);
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
	return (store_scan(t, DB_PROPOSALS, NULL, 0, 0, load_cb, NULL));
}

/* Load a record by id; 0, or a status with the error set in ctx. */
static int
load(struct reqctx *ctx, enum store_db db, const struct schema *sc,
    uint64_t id, void *rec, const char *what)
{
	int	rc;

	memset(rec, 0, sc->size);
	if ((rc = store_get_rec(ctx->txn, db, id, sc, rec)) == 0)
		return (0);
	if (rc == IOD_ENOTFOUND)
		return (http_error(ctx, 404, "not_found", "id", "no %s %llu",
		    what, (unsigned long long)id));
	return (http_store_error(ctx, rc));
}

/* Set the status of a stored record and log it. */
static void
set_offer_status(struct reqctx *ctx, uint64_t id, int status)
{
	struct offer	o;
	json_t		*data;

	memset(&o, 0, sizeof(o));
	if (store_get_rec(ctx->txn, DB_OFFERS, id, &offer_schema, &o) != 0)
		return;
	o.status = status;
	o.updated_at = (int64_t)time(NULL);
	store_put_rec(ctx->txn, DB_OFFERS, id, &offer_schema, &o);
	data = json_pack("{s:I, s:s?, s:s}", "company_id",
	    (json_int_t)o.company_id, "owner", o.owner, "status",
	    offer_status_names[status]);
	event_append(ctx->txn, "offer.updated", "offer", id, ctx->actor, data);
	json_decref(data);
	rec_clear(&offer_schema, &o);
}

/*
 * Move candidate id to status to, if it is in status from (-1: any), in
 * the store, the event log and then the index.
 */
void
proposal_candidate_status(struct reqctx *ctx, uint64_t id, int from, int to)
{
	struct candidate	c;
	json_t			*data;

	memset(&c, 0, sizeof(c));
	if (store_get_rec(ctx->txn, DB_CANDIDATES, id, &candidate_schema,
	    &c) != 0 || (from >= 0 && c.status != from)) {
		rec_clear(&candidate_schema, &c);
		return;
	}
	c.status = to;
	c.updated_at = (int64_t)time(NULL);
	store_put_rec(ctx->txn, DB_CANDIDATES, id, &candidate_schema, &c);
	data = json_pack("{s:I}", "referent_id", (json_int_t)c.referent_id);
	event_append(ctx->txn, "candidate.updated", "candidate", id,
	    ctx->actor, data);
	json_decref(data);
	/* Memory after the store; a failed commit rebuilds it (server.c). */
	if (ctx->txn->rc == 0)
		index_put(&c);
	rec_clear(&candidate_schema, &c);
}

/* The offer's rule set, or a status with the error set. */
static int
offer_ruleset(struct reqctx *ctx, const struct offer *o, struct active **a)
{
	if ((*a = rulesets_find(o->ruleset)) == NULL)
		return (http_error(ctx, 409, "no_ruleset", "ruleset",
		    "ruleset: \"%s\" is not an active rule set",
		    o->ruleset != NULL ? o->ruleset : "(default)"));
	return (0);
}

static json_t *
removed_json(const struct mresult *r)
{
	json_t	*j = json_object();
	int	 i;

	for (i = 0; i < FILTER__N; i++)
		json_object_set_new(j, filter_names[i],
		    json_integer(r->removed[i]));
	return (j);
}

/*
 * Record a new proposal of candidate slot for offer o (mo prepared) under
 * a; fills *out.  The store writes come first, the index's policy state
 * after them.  0 or a status.
 */
static int
record(struct reqctx *ctx, const struct offer *o, const struct moffer *mo,
    const struct active *a, uint32_t slot, uint32_t eligible,
    struct proposal *p)
{
	struct mcand		*c = &idx->cand[slot];
	struct candidate	 cand;
	json_t			*parts, *e;
	int32_t			 total;
	size_t			 i;
	int			 status;

	memset(p, 0, sizeof(*p));
	if ((status = load(ctx, DB_CANDIDATES, &candidate_schema, c->id, &cand,
	    "candidate")) != 0)
		return (status);
	p->id = store_next_id(ctx->txn, DB_PROPOSALS);
	p->offer_id = o->id;
	p->candidate_id = c->id;
	p->company_id = o->company_id;
	p->referent_id = cand.referent_id;
	p->owner = o->owner != NULL ? strdup(o->owner) : NULL;
	p->ruleset = strdup(a->name);
	p->ruleset_version = (int64_t)a->version;
	p->eligible = eligible;
	p->status = PROP_PROPOSED;
	p->proposed_on = date_today();
	p->created_at = p->updated_at = (int64_t)time(NULL);
	rec_clear(&candidate_schema, &cand);
	parts = match_parts(a->rs, mo, c, &total);
	p->score = total;
	p->nparts = json_array_size(parts);
	if (p->nparts > 0 &&
	    (p->score_parts = calloc(p->nparts, sizeof(*p->score_parts))) ==
	    NULL) {
		json_decref(parts);
		return (http_error(ctx, 503, "no_memory", NULL, "out of memory"));
	}
	json_array_foreach(parts, i, e) {
		p->score_parts[i].criterion = strdup(json_string_value(
		    json_object_get(e, "criterion")));
		p->score_parts[i].points = json_integer_value(
		    json_object_get(e, "points"));
	}
	json_decref(parts);
	store_put_rec(ctx->txn, DB_PROPOSALS, p->id, &proposal_schema, p);
	log_event(ctx->txn, "proposal.created", p, ctx->actor);
	if (ctx->txn->rc != 0)
		return (http_store_error(ctx, ctx->txn->rc));
	hmap_set(&idx->offer_open, o->id, p->id);
	index_open(c, 1);
	metrics_count(M_PROPOSALS);
	return (0);
}

/* Why nothing may be proposed for this offer now; 0 if it may. */
static int
offer_blocked(struct reqctx *ctx, const struct offer *o,
    const struct active *a)
{
	uint64_t	open;

	if (o->status != OFFER_OPEN)
		return (http_error(ctx, 409, "offer_not_open", "status",
		    "offer %llu is %s (expected open)",
		    (unsigned long long)o->id, offer_status_names[o->status]));
	if (a->rs->policies.require_workstation_visit &&
	    o->workstation_visit.on == 0)
		return (http_error(ctx, 409, "no_workstation_visit",
		    "workstation_visit", "workstation_visit: rule set %s "
		    "requires a workstation visit before any proposal",
		    a->name));
	if (a->rs->policies.one_candidate_per_offer &&
	    (open = hmap_get(&idx->offer_open, o->id)) != 0)
		return (http_error(ctx, 409, "offer_has_proposal", "offer_id",
		    "offer %llu already has open proposal %llu (one candidate "
		    "per offer)", (unsigned long long)o->id,
		    (unsigned long long)open));
	return (0);
}

/* Load the path's offer, its company and rule set, and prepare it. */
static int
prepare(struct reqctx *ctx, struct offer *o, struct active **a,
    struct moffer *mo)
{
	struct company	co;
	int		status;

	if ((status = load(ctx, DB_OFFERS, &offer_schema, ctx->id, o,
	    "offer")) != 0)
		return (status);
	if ((status = offer_ruleset(ctx, o, a)) != 0)
		return (status);
	memset(&co, 0, sizeof(co));
	store_get_rec(ctx->txn, DB_COMPANIES, o->company_id, &company_schema,
	    &co);
	status = match_prepare((*a)->rs, o, &co, mo);
	rec_clear(&company_schema, &co);
	if (status != 0)
		return (http_error(ctx, 409, "invalid", "rome", "rome: %s is "
		    "not in the ROME table any more", o->rome));
	return (0);
}

int
api_propose(struct reqctx *ctx)
{
	struct offer	 o;
	struct active	*a;
	struct moffer	 mo;
	struct mresult	 r;
	struct proposal	 p;
	struct timespec	 t0;
	json_t		*j;
	int		 status, rc;

	memset(&r, 0, sizeof(r));
	if ((status = prepare(ctx, &o, &a, &mo)) != 0)
		goto out;
	if ((status = offer_blocked(ctx, &o, a)) != 0)
		goto out;
	r.want = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = match_run(a->rs, &mo, &r);
	metrics_match(&t0);
	if (rc != 0) {
		status = http_error(ctx, 503, "no_memory", NULL, "out of memory");
		goto out;
	}
	j = json_pack("{s:s, s:I, s:i, s:o}", "ruleset", a->name,
	    "ruleset_version", (json_int_t)a->version, "eligible", r.eligible,
	    "removed", removed_json(&r));
	if (r.ntop == 0) {
		json_object_set_new(j, "proposal", json_null());
		status = http_reply(ctx, 200, j);
		goto out;
	}
	if ((status = record(ctx, &o, &mo, a, r.top[0].slot, r.eligible,
	    &p)) != 0) {
		json_decref(j);
		rec_clear(&proposal_schema, &p);
		goto out;
	}
	json_object_set_new(j, "proposal", rec_to_json(&proposal_schema, &p,
	    VIEW_FULL));
	rec_clear(&proposal_schema, &p);
	status = http_reply(ctx, 201, j);
out:
	match_result_free(&r);
	rec_clear(&offer_schema, &o);
	return (status);
}

int
api_ranked(struct reqctx *ctx)
{
	struct offer		 o;
	struct candidate	 cand;
	struct active		*a;
	struct moffer		 mo;
	struct mresult		 r;
	const char		*q;
	json_t			*list, *parts;
	char			*end;
	int32_t			 total;
	long			 n = 10;
	size_t			 i;
	int			 status;

	memset(&r, 0, sizeof(r));
	if ((q = http_query(ctx, "limit")) != NULL) {
		n = strtol(q, &end, 10);
		if (*end != '\0' || n < 1 || n > 100)
			return (http_error(ctx, 400, "invalid", "limit",
			    "limit: \"%.*s\" is not an integer from 1 to 100",
			    (int)utf8_cut(q, 20), q));
	}
	if ((status = prepare(ctx, &o, &a, &mo)) != 0)
		goto out;
	r.want = (size_t)n;
	if (match_run(a->rs, &mo, &r) != 0) {
		status = http_error(ctx, 503, "no_memory", NULL, "out of memory");
		goto out;
	}
	list = json_array();
	for (i = 0; i < r.ntop; i++) {
		parts = match_parts(a->rs, &mo, &idx->cand[r.top[i].slot],
		    &total);
		memset(&cand, 0, sizeof(cand));
		store_get_rec(ctx->txn, DB_CANDIDATES, idx->cand[r.top[i].slot].id,
		    &candidate_schema, &cand);
		json_array_append_new(list, json_pack("{s:i, s:I, s:s?, s:i, "
		    "s:o}", "rank", (int)i + 1, "candidate_id",
		    (json_int_t)idx->cand[r.top[i].slot].id, "first_name",
		    cand.first_name, "score", total, "score_parts", parts));
		rec_clear(&candidate_schema, &cand);
	}
	status = http_reply(ctx, 200, json_pack("{s:I, s:s, s:I, s:i, s:o, "
	    "s:o}", "offer_id", (json_int_t)o.id, "ruleset", a->name,
	    "ruleset_version", (json_int_t)a->version, "eligible", r.eligible,
	    "removed", removed_json(&r), "candidates", list));
out:
	match_result_free(&r);
	rec_clear(&offer_schema, &o);
	return (status);
}

/*
 * Apply transition tr to proposal p (loaded, open or not), in the store
 * and then in the index.  0 or a status with the error set.
 */
static int
apply(struct reqctx *ctx, struct proposal *p, const struct transition *tr)
{
	struct mcand	*c;
	char		 type[64];
	int		 was_open = ((1u << p->status) & OPEN) != 0, status;

	if (!((1u << p->status) & tr->from))
		return (http_error(ctx, 409, "bad_transition", "status",
		    "proposal %llu is %s: it cannot be %s (expected %s)",
		    (unsigned long long)p->id, proposal_status_names[p->status],
		    tr->action, tr->from == OPEN ?
		    "proposed or meeting_scheduled" : "meeting_scheduled"));
	/* The terms are checked before anything is written or remembered. */
	if ((tr->needs & T_PLACEMENT) && (status = placement_check(ctx, p)) != 0)
		return (status);
	p->status = tr->to;
	p->updated_at = (int64_t)time(NULL);
	if (!((1u << tr->to) & OPEN))
		p->decided_on = date_today();
	store_put_rec(ctx->txn, DB_PROPOSALS, p->id, &proposal_schema, p);
	snprintf(type, sizeof(type), "proposal.%s",
	    proposal_status_names[tr->to]);
	log_event(ctx->txn, type, p, ctx->actor);
	if (tr->to == PROP_HIRED) {
		set_offer_status(ctx, p->offer_id, OFFER_FILLED);
		proposal_candidate_status(ctx, p->candidate_id, -1,
		    CAND_PLACED);
	}
	if ((tr->needs & T_PLACEMENT) && (status = placement_create(ctx, p)) != 0)
		return (status);
	if (ctx->txn->rc != 0)
		return (http_store_error(ctx, ctx->txn->rc));
	/* The store has it all: now the policy state. */
	if (was_open && !((1u << tr->to) & OPEN)) {
		if (hmap_get(&idx->offer_open, p->offer_id) == p->id)
			hmap_set(&idx->offer_open, p->offer_id, 0);
		if ((c = index_cand(p->candidate_id)) != NULL)
			index_open(c, -1);
	}
	if (tr->to == PROP_HIRED)
		metrics_count(M_HIRES);
	if (tr->to == PROP_REFUSED)
		index_refused(p->candidate_id, p->company_id, p->decided_on);
	return (0);
}

int
api_proposal_transition(struct reqctx *ctx)
{
	const struct transition	*tr;
	struct proposal		 p;
	const char		*action;
	json_t			*v;
	char			*field, *cause;
	int			 status;

	action = strrchr(ctx->route->path, '/') + 1;
	for (tr = transitions; tr->action != NULL; tr++)
		if (strcmp(tr->action, action) == 0)
			break;
	if ((status = load(ctx, DB_PROPOSALS, &proposal_schema, ctx->id, &p,
	    "proposal")) != 0)
		return (status);
	if (ctx->body != NULL && !json_is_object(ctx->body)) {
		status = http_error(ctx, 400, "invalid", "body",
		    "body is not a JSON object");
		goto out;
	}
	if ((v = json_object_get(ctx->body, "reason")) != NULL) {
		free(p.reason);
		p.reason = NULL;
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > 1000) {
			status = http_error(ctx, 400, "invalid", "reason",
			    "reason: expected a text of 1 to 1000 bytes");
			goto out;
		}
		p.reason = strdup(json_string_value(v));
	} else if (tr->needs & T_REASON) {
		status = http_error(ctx, 400, "invalid", "reason",
		    "reason: is required to %s a proposal", tr->action);
		goto out;
	}
	if (tr->needs & T_MEETING) {
		v = json_object_get(ctx->body, "meeting");
		if (v == NULL) {
			status = http_error(ctx, 400, "invalid", "meeting",
			    "meeting: is required (expected {at, place})");
			goto out;
		}
		rec_clear(&meeting_schema, &p.meeting);
		if (rec_from_json(&meeting_schema, &p.meeting, v, &field,
		    &cause) != 0) {
			status = http_error(ctx, 400, "invalid", "meeting",
			    "meeting.%s", cause);
			free(field);
			free(cause);
			goto out;
		}
	}
	if ((status = apply(ctx, &p, tr)) == 0)
		status = http_reply(ctx, 200, rec_to_json(&proposal_schema, &p,
		    VIEW_FULL));
out:
	rec_clear(&proposal_schema, &p);
	return (status);
}

/* Expire the open proposals older than their rule set allows. */
struct expire_arg {
	uint64_t	*ids;
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

	(void)k; (void)kl;
	memset(&p, 0, sizeof(p));
	if (rec_decode(&proposal_schema, &p, v, vl) == 0 &&
	    ((1u << p.status) & OPEN) && (a = rulesets_find(p.ruleset)) != NULL &&
	    a->rs->policies.proposal_expiry_days > 0 &&
	    date_to_days(p.proposed_on) + a->rs->policies.proposal_expiry_days
	    <= ea->today) {
		if (ea->n == ea->cap) {
			ea->cap = ea->cap ? ea->cap * 2 : 16;
			if ((q = reallocarray(ea->ids, ea->cap, 8)) == NULL) {
				rec_clear(&proposal_schema, &p);
				return (IOD_ENOMEM);
			}
			ea->ids = q;
		}
		ea->ids[ea->n++] = p.id;
	}
	rec_clear(&proposal_schema, &p);
	return (0);
}

int
proposal_expire(struct reqctx *ctx)
{
	static const struct transition	*tr;
	struct expire_arg		 ea;
	struct proposal			 p;
	size_t				 i;
	int				 n = 0;

	for (tr = transitions; strcmp(tr->action, "expire") != 0; tr++)
		;
	memset(&ea, 0, sizeof(ea));
	ea.today = date_to_days(date_today());
	store_scan(ctx->txn, DB_PROPOSALS, NULL, 0, 0, expire_cb, &ea);
	for (i = 0; i < ea.n; i++) {
		memset(&p, 0, sizeof(p));
		if (store_get_rec(ctx->txn, DB_PROPOSALS, ea.ids[i],
		    &proposal_schema, &p) == 0 && apply(ctx, &p, tr) == 0)
			n++;
		rec_clear(&proposal_schema, &p);
	}
	free(ea.ids);
	return (n);
}

/* ---- the batch: every open offer at once -------------------------------- */

struct batch_offer {
	struct offer	 o;
	struct moffer	 mo;
	struct active	*a;
	uint32_t	 eligible;
};

struct batch {
	struct reqctx		*ctx;
	struct batch_offer	*offers;
	size_t			 noffers, capoffers;
};

static int
offers_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct batch		*b = arg;
	struct batch_offer	*bo;
	struct company		 co;
	struct active		*a;
	void			*p;

	(void)k; (void)kl;
	if (b->noffers == b->capoffers) {
		b->capoffers = b->capoffers ? b->capoffers * 2 : 256;
		if ((p = reallocarray(b->offers, b->capoffers,
		    sizeof(*b->offers))) == NULL)
			return (IOD_ENOMEM);
		b->offers = p;
	}
	bo = &b->offers[b->noffers];
	memset(bo, 0, sizeof(*bo));
	if (rec_decode(&offer_schema, &bo->o, v, vl) != 0 ||
	    bo->o.status != OFFER_OPEN ||
	    hmap_get(&idx->offer_open, bo->o.id) != 0 ||
	    (a = rulesets_find(bo->o.ruleset)) == NULL ||
	    (a->rs->policies.require_workstation_visit &&
	    bo->o.workstation_visit.on == 0)) {
		rec_clear(&offer_schema, &bo->o);
		return (0);
	}
	bo->a = a;
	memset(&co, 0, sizeof(co));
	store_get_rec(b->ctx->txn, DB_COMPANIES, bo->o.company_id,
	    &company_schema, &co);
	if (match_prepare(a->rs, &bo->o, &co, &bo->mo) != 0) {
		rec_clear(&company_schema, &co);
		rec_clear(&offer_schema, &bo->o);
		return (0);
	}
	rec_clear(&company_schema, &co);
	b->noffers++;
	return (0);
}

int
api_match_batch(struct reqctx *ctx)
{
	struct batch		 b;
	struct medges		 m;
	struct assign_problem	*prob = NULL;
	struct proposal		 p;
	json_t			*list, *dry, *item;
	uint32_t		*col_of_row = NULL, slot;
	int64_t			 total = 0, objective = 0;
	size_t			 i, assigned = 0;
	int			 status, dry_run = 1;

	if (ctx->body != NULL) {
		if (!json_is_object(ctx->body))
			return (http_error(ctx, 400, "invalid", "body",
			    "body is not a JSON object"));
		dry = json_object_get(ctx->body, "dry_run");
		if (dry != NULL && !json_is_boolean(dry))
			return (http_error(ctx, 400, "invalid", "dry_run",
			    "dry_run: expected true or false"));
		dry_run = dry == NULL || json_is_true(dry);
	}
	memset(&b, 0, sizeof(b));
	memset(&m, 0, sizeof(m));
	b.ctx = ctx;
	if (store_scan(ctx->txn, DB_OFFERS, NULL, 0, 0, offers_cb, &b) != 0) {
		status = http_store_error(ctx, ctx->txn->rc ? ctx->txn->rc :
		    IOD_ENOMEM);
		goto out;
	}
	if (match_edges_init(&m, b.noffers) != 0) {
		status = http_error(ctx, 503, "no_memory", NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < b.noffers; i++)
		if (match_edges_add(&m, b.offers[i].a->rs, &b.offers[i].mo,
		    (uint32_t)i, &b.offers[i].eligible) != 0) {
			status = http_error(ctx, 503, "no_memory", NULL,
			    "out of memory");
			goto out;
		}
	if ((col_of_row = calloc(b.noffers + 1, sizeof(uint32_t))) == NULL ||
	    assign_problem_new((uint32_t)b.noffers, m.ncols, m.edges, m.nedges,
	    &prob) != 0 || assign_solve(prob, col_of_row, &total) != 0) {
		status = http_error(ctx, 503, "no_memory", NULL, "out of memory");
		goto out;
	}
	list = json_array();
	for (i = 0; i < b.noffers; i++) {
		if (col_of_row[i] == ASSIGN_NONE)
			continue;
		slot = m.slot_of_col[col_of_row[i]];
		item = json_pack("{s:I, s:I, s:i}", "offer_id",
		    (json_int_t)b.offers[i].o.id, "candidate_id",
		    (json_int_t)idx->cand[slot].id, "eligible",
		    (int)b.offers[i].eligible);
		assigned++;
		if (!dry_run) {
			status = record(ctx, &b.offers[i].o, &b.offers[i].mo,
			    b.offers[i].a, slot, b.offers[i].eligible, &p);
			if (status != 0) {
				rec_clear(&proposal_schema, &p);
				json_decref(item);
				json_decref(list);
				goto out;
			}
			json_object_set_new(item, "proposal_id",
			    json_integer((json_int_t)p.id));
			json_object_set_new(item, "score",
			    json_integer(p.score));
			objective += p.score;
			rec_clear(&proposal_schema, &p);
		} else {
			int32_t	 s;
			json_t	*parts = match_parts(b.offers[i].a->rs,
			    &b.offers[i].mo, &idx->cand[slot], &s);

			json_decref(parts);
			json_object_set_new(item, "score", json_integer(s));
			objective += s;
		}
		json_array_append_new(list, item);
	}
	status = http_reply(ctx, 200, json_pack("{s:b, s:I, s:I, s:I, s:I, "
	    "s:I, s:o}", "dry_run", dry_run, "objective", (json_int_t)objective,
	    "offers", (json_int_t)b.noffers, "candidates", (json_int_t)m.ncols,
	    "edges", (json_int_t)m.nedges, "assigned", (json_int_t)assigned,
	    "assignments", list));
out:
	for (i = 0; i < b.noffers; i++)
		rec_clear(&offer_schema, &b.offers[i].o);
	free(b.offers);
	match_edges_free(&m);
	free(col_of_row);
	assign_problem_free(prob);
	return (status);
}
