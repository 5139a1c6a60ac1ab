/*
 * replay.c — a past proposal searched again as it was made: the state at
 * that moment is rebuilt from the store and the event log (the proposal's
 * place in the log; the candidates, the offer and its company as they
 * were, from history.c; the open proposals, refusals, proposals per
 * company and interests from the events before it; the rule-set version it
 * records, as stored) into an index of its own, searched by the engine's
 * own match_run on the proposal's day, and compared with what the
 * proposal records: the same candidate, score and parts, or each
 * difference and why (a person erased since, a version missing).  It
 * runs in a thread of its own (replay_start), in a read txn of its own,
 * with the engine's per-thread index and day (engine.h): the event loop
 * and its live index go on meanwhile.  It gives up when the loop needs
 * the store to itself (store_reader_stopping: the map grows).  Who may
 * ask is the daemon's route and records_load's scope; holding the request
 * and answering it on the loop is the daemon's.
 */
#include <sys/resource.h>
#include <sys/syscall.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain.h"
#include "rules.h"

/* A proposal's or an interest's event before the proposal replayed, in
 * log order. */
struct pev {
	uint64_t	 proposal_id;	/* 0: an interest's */
	int		 status;	/* the status it set: enum; an
					   interest's: 1 created, 0 deleted */
	uint64_t	 offer_id, candidate_id;	/* an interest's */
};

struct log_arg {
	uint64_t	 id;		/* the proposal replayed */
	uint64_t	 seq;		/* its proposal.created, once found */
	struct pev	*v;
	size_t		 n, cap;
	struct txn	*t;
};

/* Room for one more event in la's list. */
static int
pev_grow(struct log_arg *la)
{
	struct pev	*p;

	if (la->n < la->cap)
		return (0);
	la->cap = la->cap ? la->cap * 2 : 64;
	if ((p = reallocarray(la->v, la->cap, sizeof(*p))) == NULL)
		return (IOD_ENOMEM);
	la->v = p;
	return (0);
}

/* An interest expressed (on 1) or withdrawn (on 0), from its payload;
 * takes ev. */
static int
interest_ev(struct log_arg *la, struct event *ev, int on)
{
	json_t	*o = json_object_get(ev->data, "offer_id");
	json_t	*c = json_object_get(ev->data, "candidate_id");
	int	 rc = 0;

	if (json_is_integer(o) && json_is_integer(c) &&
	    (rc = pev_grow(la)) == 0)
		la->v[la->n++] = (struct pev){ 0, on,
		    (uint64_t)json_integer_value(o),
		    (uint64_t)json_integer_value(c) };
	event_clear(ev);
	return (rc);
}

/* One event of the log: a proposal's or an interest's, until the
 * replayed proposal's creation. */
static int
log_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct log_arg	*la = arg;
	struct event	 ev;
	const char	*type;
	int		 st, ti;

	/* Most events are passed over on their type alone. */
	if (store_reader_stopping(la->t->st))
		return (IOD_EIO);	/* the loop waits: give up */
	if (kl != 8 || (ti = event_stored_type(v, vl)) < 0 ||
	    (strncmp(event_type_names[ti], "proposal.", 9) != 0 &&
	    strncmp(event_type_names[ti], "interest.", 9) != 0))
		return (0);
	if (event_decode(key_get_u64(k), v, vl, &ev) != 0)
		return (0);
	type = ev.type != NULL ? ev.type : "";
	if (strcmp(type, "interest.created") == 0 ||
	    strcmp(type, "interest.deleted") == 0)
		return (interest_ev(la, &ev, type[9] == 'c'));
	if (ev.entity == NULL || strcmp(ev.entity, "proposal") != 0 ||
	    strncmp(type, "proposal.", 9) != 0) {
		event_clear(&ev);
		return (0);
	}
	if (strcmp(type + 9, "created") == 0)
		st = PROP_PROPOSED;
	else
		st = enum_lookup(proposal_status_names, type + 9);
	if (st == PROP_PROPOSED && ev.id == la->id) {
		la->seq = ev.seq;
		event_clear(&ev);
		return (1);
	}
	if (st >= 0 && pev_grow(la) != 0) {
		event_clear(&ev);
		return (IOD_ENOMEM);
	}
	if (st >= 0)
		la->v[la->n++] = (struct pev){ ev.id, st, 0, 0 };
	event_clear(&ev);
	return (0);
}

/* The candidates as they were, into the replay's own index. */
struct cand_arg {
	uint64_t		 want, want_rome;
	struct rec_arena	 arena;
	uint64_t		*erased;	/* erased since */
	size_t			 nerased, cap;
	/* Only those who seek the offer's job are indexed (and the one
	 * chosen): the others would be set aside by the ROME filter first,
	 * and are counted there. */
	char			 rome[8];	/* the offer's code then */
	int			 family;	/* rule set: ROME families */
	uint64_t		 chosen;
	uint32_t		 skipped;
	struct store		*st;
};

/* Whether c (decoded: its rome) seeks the offer's code or family. */
static int
seeks_job(const struct cand_arg *ca, const struct candidate *c)
{
	size_t	i;

	for (i = 0; i < c->nrome; i++)
		if (c->rome[i] != NULL && (strcmp(c->rome[i], ca->rome) == 0 ||
		    (ca->family && strncmp(c->rome[i], ca->rome, 3) == 0)))
			return (1);
	return (0);
}

static int
cand_cb(uint64_t id, int state, const void *v, size_t vl, void *arg)
{
	struct cand_arg		*ca = arg;
	struct candidate	 c;
	uint64_t		*p;
	int			 rc;

	if (state == HISTORY_ERASED) {
		if (ca->nerased == ca->cap) {
			ca->cap = ca->cap ? ca->cap * 2 : 8;
			if ((p = reallocarray(ca->erased, ca->cap,
			    sizeof(*p))) == NULL)
				return (IOD_ENOMEM);
			ca->erased = p;
		}
		ca->erased[ca->nerased++] = id;
		return (0);
	}
	if (store_reader_stopping(ca->st))
		return (IOD_EIO);	/* the loop waits: give up */
	memset(&c, 0, sizeof(c));
	if ((rc = rec_decode_fields(&candidate_schema, &c, v, vl,
	    ca->want_rome, &ca->arena)) != 0)
		return (rc);
	if (id != ca->chosen && !seeks_job(ca, &c)) {
		ca->skipped++;
		return (0);
	}
	memset(&c, 0, sizeof(c));
	if ((rc = rec_decode_fields(&candidate_schema, &c, v, vl, ca->want,
	    &ca->arena)) != 0)
		return (rc);
	c.id = id;
	return (index_put(&c));
}

/* The open proposals, refusals, proposals per company and interests
 * before it. */
static int
policy_replay(struct txn *t, const struct log_arg *la)
{
	struct proposal	 q;
	struct mcand	*c;
	size_t		 i;
	int		 rc = 0, open;

	for (i = 0; rc == 0 && i < la->n; i++) {
		if (store_reader_stopping(t->st))
			return (IOD_EIO);	/* the loop waits: give up */
		if (la->v[i].proposal_id == 0) {
			rc = index_interest_set(la->v[i].offer_id,
			    la->v[i].candidate_id, la->v[i].status);
			continue;
		}
		memset(&q, 0, sizeof(q));
		if (store_get_rec(t, DB_PROPOSALS, la->v[i].proposal_id,
		    &proposal_schema, &q) != 0)
			continue;
		c = index_cand(q.candidate_id);
		open = la->v[i].status == PROP_PROPOSED ||
		    la->v[i].status == PROP_MEETING;
		if (la->v[i].status == PROP_PROPOSED) {
			rc = index_offer_open_set(q.offer_id, q.id);
			if (c != NULL)
				index_open(c, 1);
			if (rc == 0)
				rc = index_company_proposed(q.company_id,
				    q.proposed_on, 1);
		} else if (!open) {
			if (index_offer_open(q.offer_id) == q.id)
				rc = index_offer_open_set(q.offer_id, 0);
			if (c != NULL && c->open > 0)
				index_open(c, -1);
			if (rc == 0 && la->v[i].status == PROP_REFUSED)
				rc = index_refused(q.candidate_id, q.company_id,
				    q.decided_on);
		}
		rec_clear(&proposal_schema, &q);
	}
	return (rc);
}

/* One side of the comparison: a candidate's standing in a search. */
struct side {
	uint64_t	 candidate_id;
	int		 found;		/* in the replay's index */
	int		 filter;	/* the first failed, -1: eligible */
	struct mparts	 parts;
	uint32_t	 eligible, removed[FILTER__N];
};

static json_t *
parts_json(const struct mparts *mp)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < mp->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:i}", "criterion",
		    mp->v[i].criterion, "points", mp->v[i].points));
	return (a);
}

static json_t *
removed_json(const uint32_t *removed)
{
	json_t	*o = json_object();
	int	 f;

	for (f = 0; f < FILTER__N; f++)
		json_object_set_new(o, filter_names[f],
		    json_integer(removed[f]));
	return (o);
}

/* The proposal's side, as it records it. */
static json_t *
original_json(const struct proposal *p, uint32_t *removed, int *counted)
{
	json_t	*parts = json_array();
	size_t	 i;
	int	 f;

	memset(removed, 0, FILTER__N * sizeof(*removed));
	*counted = p->nremoved > 0;
	for (i = 0; i < p->nremoved; i++)
		if (p->removed[i].filter != NULL && (f = enum_lookup(
		    filter_names, p->removed[i].filter)) >= 0)
			removed[f] = (uint32_t)p->removed[i].count;
	for (i = 0; i < p->nparts; i++)
		json_array_append_new(parts, json_pack("{s:s?, s:I}",
		    "criterion", p->score_parts[i].criterion, "points",
		    (json_int_t)p->score_parts[i].points));
	return (json_pack("{s:I, s:I, s:o, s:I, s:o}", "candidate_id",
	    (json_int_t)p->candidate_id, "score", (json_int_t)p->score,
	    "score_parts", parts, "eligible", (json_int_t)p->eligible,
	    "removed", *counted ? removed_json(removed) : json_null()));
}

/*
 * One difference: what differs, why in words, and the same as data for a
 * reader in another language: cause, and extra's keys (taken, may be
 * NULL: candidate_id, filter, criterion, then, replayed).
 */
static void
differ(json_t *diffs, const char *what, const char *cause, json_t *extra,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
differ(json_t *diffs, const char *what, const char *cause, json_t *extra,
    const char *fmt, ...)
{
	char	 why[512];
	va_list	 ap;
	json_t	*d;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	d = json_pack("{s:s, s:s, s:s}", "what", what, "why", why, "cause",
	    cause);
	if (extra != NULL)
		json_object_update(d, extra);
	json_decref(extra);
	json_array_append_new(diffs, d);
}

#define ID(x)	json_pack("{s:I}", "candidate_id", (json_int_t)(x))
#define TWO(a, b)	json_pack("{s:I, s:I}", "then", (json_int_t)(a), \
			    "replayed", (json_int_t)(b))

static int
is_erased(const struct cand_arg *ca, uint64_t id)
{
	size_t	i;

	for (i = 0; i < ca->nerased; i++)
		if (ca->erased[i] == id)
			return (1);
	return (0);
}

/* Why the counts differ, when erasures explain it. */
static const char *
count_why(const struct cand_arg *ca)
{
	return (ca->nerased > 0 ? "candidates have been erased since at "
	    "their request: their records are anonymous and cannot be "
	    "searched again" : "a record's version of that day is not kept "
	    "(written before the store kept versions)");
}

/* One part that differs: its points then and replayed (NULL: none). */
static void
part_differs(json_t *diffs, const char *criterion, const int64_t *then,
    const int32_t *now)
{
	char	a[24] = "none", b[24] = "none";

	if (then != NULL)
		snprintf(a, sizeof(a), "%lld points", (long long)*then);
	if (now != NULL)
		snprintf(b, sizeof(b), "%d points", (int)*now);
	differ(diffs, "score_parts", "part", json_pack("{s:s, s:o, s:o}",
	    "criterion", criterion, "then", then != NULL ?
	    json_integer(*then) : json_null(), "replayed", now != NULL ?
	    json_integer(*now) : json_null()), "%s: %s then, %s replayed",
	    criterion, a, b);
}

/* The score's parts, compared one by one. */
static void
parts_differ(json_t *diffs, const struct proposal *p, const struct mparts *mp)
{
	const struct score_part	*sp;
	size_t			 i, j;

	for (i = 0; i < p->nparts; i++) {
		sp = &p->score_parts[i];
		for (j = 0; j < mp->n; j++)
			if (sp->criterion != NULL &&
			    strcmp(sp->criterion, mp->v[j].criterion) == 0)
				break;
		if (j == mp->n)
			part_differs(diffs, sp->criterion != NULL ?
			    sp->criterion : "?", &sp->points, NULL);
		else if (mp->v[j].points != sp->points)
			part_differs(diffs, mp->v[j].criterion, &sp->points,
			    &mp->v[j].points);
	}
	for (j = 0; j < mp->n; j++) {
		for (i = 0; i < p->nparts; i++)
			if (p->score_parts[i].criterion != NULL &&
			    strcmp(p->score_parts[i].criterion,
			    mp->v[j].criterion) == 0)
				break;
		if (i == p->nparts)
			part_differs(diffs, mp->v[j].criterion, NULL,
			    &mp->v[j].points);
	}
}

/* The differences between what p records and the replay. */
static void
compare(json_t *diffs, const struct proposal *p, const uint32_t *removed,
    int counted, const struct side *best, const struct side *orig,
    const struct cand_arg *ca)
{
	unsigned long long	 id = p->candidate_id;
	const char		*cause = ca->nerased > 0 ? "erased" :
				    "not_kept";
	const char		*filter = orig->filter >= 0 ?
				    filter_names[orig->filter] : NULL;
	int			 f;

	if (counted && best->candidate_id != p->candidate_id) {
		if (is_erased(ca, p->candidate_id))
			differ(diffs, "candidate_id", "erased", ID(id),
			    "candidate %llu, chosen then, has been erased "
			    "since at their request: their record is "
			    "anonymous and cannot be searched again", id);
		else if (!orig->found)
			differ(diffs, "candidate_id", "no_record", ID(id),
			    "candidate %llu, chosen then, has no record of "
			    "that day", id);
		else if (filter != NULL)
			differ(diffs, "candidate_id", "set_aside",
			    json_pack("{s:I, s:s}", "candidate_id",
			    (json_int_t)id, "filter", filter), "candidate "
			    "%llu, chosen then, is set aside by the filter %s "
			    "in the replay", id, filter);
		else if (best->candidate_id != 0)
			differ(diffs, "candidate_id", "outscored",
			    json_pack("{s:I, s:I, s:i}", "candidate_id",
			    (json_int_t)best->candidate_id, "then",
			    (json_int_t)p->score, "replayed",
			    (int)best->parts.total), "candidate %llu scores "
			    "%d in the replay, above candidate %llu, chosen "
			    "then with %d", (unsigned long long)
			    best->candidate_id, (int)best->parts.total, id,
			    (int)orig->parts.total);
		else
			differ(diffs, "candidate_id", "nobody", NULL,
			    "nobody is eligible in the replay");
	}
	if (!counted && orig->found && filter != NULL)
		differ(diffs, "candidate_id", "set_aside", json_pack(
		    "{s:I, s:s}", "candidate_id", (json_int_t)id, "filter",
		    filter), "candidate %llu, chosen then by the batch, is "
		    "set aside by the filter %s in the replay", id, filter);
	if (orig->found && filter == NULL) {
		if (orig->parts.total != p->score)
			differ(diffs, "score", "score", TWO(p->score,
			    orig->parts.total), "candidate %llu scores %lld "
			    "then, %d replayed", id, (long long)p->score,
			    (int)orig->parts.total);
		parts_differ(diffs, p, &orig->parts);
	}
	if (best->eligible != (uint32_t)p->eligible)
		differ(diffs, "eligible", cause, TWO(p->eligible,
		    best->eligible), "%lld eligible then, %u replayed: %s",
		    (long long)p->eligible, best->eligible, count_why(ca));
	for (f = 0; counted && f < FILTER__N; f++)
		if (removed[f] != best->removed[f])
			differ(diffs, "removed", cause, json_pack("{s:s, s:i, "
			    "s:i}", "filter", filter_names[f], "then",
			    (int)removed[f], "replayed",
			    (int)best->removed[f]), "%s: %u set aside then, "
			    "%u replayed: %s", filter_names[f], removed[f],
			    best->removed[f], count_why(ca));
}

static json_t *
side_json(const struct side *s)
{
	return (json_pack("{s:I, s:i, s:o, s:I, s:o, s:s?}", "candidate_id",
	    (json_int_t)s->candidate_id, "score", (int)s->parts.total,
	    "score_parts", parts_json(&s->parts), "eligible",
	    (json_int_t)s->eligible, "removed", removed_json(s->removed),
	    "set_aside_by", s->filter >= 0 ? filter_names[s->filter] : NULL));
}

/* The search of the offer (as it was) in the index replayed. */
static int
search(struct txn *t, const struct proposal *p, const struct ruleset *rs,
    uint64_t seq, uint32_t skipped, struct side *best, struct side *orig,
    json_t *diffs)
{
	struct offer	 o;
	struct company	 co;
	struct moffer	 mo;
	struct mresult	 r;
	struct mcand	*c;
	const void	*v;
	size_t		 vl;
	int		 rc;

	memset(&o, 0, sizeof(o));
	memset(&co, 0, sizeof(co));
	memset(&r, 0, sizeof(r));
	if ((rc = history_at(t, DB_OFFERS, p->offer_id, seq, &v, &vl)) !=
	    HISTORY_RECORD || rec_decode(&offer_schema, &o, v, vl) != 0) {
		differ(diffs, "offer", "no_record", NULL,
		    "offer %llu has no record of that day",
		    (unsigned long long)p->offer_id);
		rc = rc < 0 ? rc : 0;
		goto out;
	}
	if (history_at(t, DB_COMPANIES, o.company_id, seq, &v, &vl) ==
	    HISTORY_RECORD)
		rec_decode(&company_schema, &co, v, vl);
	if (match_prepare(rs, &o, &co, &mo) != 0) {
		differ(diffs, "offer", "rome", NULL, "the offer's ROME code %s "
		    "is not in the ROME table any more", o.rome);
		rc = 0;
		goto out;
	}
	r.want = 1;
	if ((rc = match_run(rs, &mo, &r)) != 0)
		goto out;
	r.removed[FILTER_ROME] += skipped;
	best->eligible = r.eligible;
	memcpy(best->removed, r.removed, sizeof(r.removed));
	if (r.ntop > 0) {
		c = index_cand_by_slot(r.top[0].slot);
		best->candidate_id = c->id;
		best->found = 1;
		match_parts(rs, &mo, c, &best->parts);
	}
	orig->candidate_id = p->candidate_id;
	orig->eligible = r.eligible;
	memcpy(orig->removed, r.removed, sizeof(r.removed));
	if ((c = index_cand(p->candidate_id)) != NULL &&
	    (c->flags & MC_LIVE)) {
		orig->found = 1;
		if ((rc = match_pair(rs, &mo, c, &orig->filter)) == 0 &&
		    orig->filter < 0)
			match_parts(rs, &mo, c, &orig->parts);
	}
out:
	match_result_free(&r);
	rec_clear(&offer_schema, &o);
	rec_clear(&company_schema, &co);
	return (rc);
}

/* Rebuild the day of the proposal in this thread's own index and search
 * it; the index is freed whatever happens. */
static int
rebuild(struct txn *t, const struct proposal *p, const struct ruleset *rs,
    const struct log_arg *la, struct cand_arg *ca, struct side *best,
    struct side *orig, json_t *diffs)
{
	static const char *const rome_field[] = { "rome", NULL };
	struct offer		 o;
	const void		*v;
	size_t			 vl;
	int			 rc;

	memset(&o, 0, sizeof(o));
	if (history_at(t, DB_OFFERS, p->offer_id, la->seq, &v, &vl) ==
	    HISTORY_RECORD && rec_decode(&offer_schema, &o, v, vl) == 0 &&
	    o.rome != NULL)
		snprintf(ca->rome, sizeof(ca->rome), "%s", o.rome);
	rec_clear(&offer_schema, &o);
	ca->family = rs->filters.rome_match == ROME_MATCH_FAMILY;
	ca->chosen = p->candidate_id;
	ca->want = rec_fields_mask(&candidate_schema,
	    history_candidate_fields);
	ca->want_rome = rec_fields_mask(&candidate_schema, rome_field);
	ca->st = t->st;
	date_set_today(p->proposed_on);
	if ((rc = index_init()) == 0 &&
	    (rc = history_each(t, DB_CANDIDATES, la->seq, cand_cb, ca)) == 0 &&
	    (rc = policy_replay(t, la)) == 0)
		rc = search(t, p, rs, la->seq, ca->skipped, best, orig, diffs);
	date_set_today(0);
	index_free();
	rec_arena_free(&ca->arena);
	return (rc);
}

/* The replay of proposal id in t (this thread's read txn): 0 with *out
 * (caller's), or an IOD_E* code. */
static int
replay_in(struct txn *t, uint64_t id, json_t **out)
{
	struct proposal	 p;
	struct log_arg	 la;
	struct cand_arg	 ca;
	struct side	 best, orig;
	struct ruleset	*rs = NULL, *compiled = NULL;
	uint32_t	 removed[FILTER__N];
	const void	*text;
	size_t		 len;
	json_t		*diffs = json_array(), *origin = NULL, *original;
	const char	*name;
	char		*errors = NULL;
	unsigned long long ver;
	int		 rc, counted;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	memset(&la, 0, sizeof(la));
	memset(&ca, 0, sizeof(ca));
	memset(&best, 0, sizeof(best));
	memset(&orig, 0, sizeof(orig));
	best.filter = orig.filter = -1;
	if ((rc = store_get_rec(t, DB_PROPOSALS, id, &proposal_schema,
	    &p)) != 0) {
		json_decref(diffs);
		return (rc);
	}
	original = original_json(&p, removed, &counted);
	name = p.ruleset != NULL ? p.ruleset : "";
	ver = (unsigned long long)p.ruleset_version;
	la.id = id;
	la.t = t;
	if ((rc = store_scan(t, DB_EVENTS, NULL, 0, 0, log_cb,
	    &la)) != 0)
		goto fail;
	if (la.seq == 0)
		differ(diffs, "proposal", "not_in_log", NULL, "its creation is "
		    "not in the event log: nothing to replay it from");
	else if (rulesets_version(t, name, ver, &text, &len,
	    &origin) != 0)
		differ(diffs, "ruleset", "no_version", NULL, "version %llu of "
		    "rule set %s is not in the store", ver, name);
	/* Compiled here from its stored text, never the loop's rule set in
	 * force, which a PUT may free meanwhile. */
	else if (rulesets_compile(name, text, len, &compiled, &errors) == 0)
		rs = compiled;
	else
		differ(diffs, "ruleset", "no_compile", NULL, "version %llu of "
		    "rule set %s does not compile any more: %.200s", ver,
		    name, errors != NULL ? errors : "");
	if (rs != NULL && (rc = rebuild(t, &p, rs, &la, &ca, &best,
	    &orig, diffs)) != 0)
		goto fail;
	if (rs != NULL)
		compare(diffs, &p, removed, counted, &best, &orig, &ca);
	*out = json_pack("{s:I, s:b, s:s, s:s?, s:I, s:o, s:O, s:o?, s:o?, "
	    "s:I, s:o}", "proposal_id", (json_int_t)p.id, "same",
	    json_array_size(diffs) == 0, "made_by", counted ? "search" :
	    "batch", "ruleset", p.ruleset, "ruleset_version",
	    (json_int_t)p.ruleset_version, "original", original,
	    "differences", diffs, "replayed", rs != NULL ? side_json(&best) :
	    NULL, "chosen_then", rs != NULL && !counted ? side_json(&orig) :
	    NULL, "erased_since", (json_int_t)ca.nerased, "ruleset_origin",
	    origin != NULL ? origin : json_null());
	origin = NULL;
	original = NULL;
	rc = 0;
fail:
	json_decref(original);
	json_decref(diffs);
	json_decref(origin);
	ruleset_free(compiled);
	free(errors);
	free(la.v);
	free(ca.erased);
	rec_clear(&proposal_schema, &p);
	return (rc);
}

#define REPLAY_NICE	10	/* the thread's priority below the loop's */

struct replay_job {
	struct store	*st;
	uint64_t	 id;
	int		 notify_fd;
	pthread_t	 thread;
	int		 rc;		/* replay_in's, or 1: gave up */
	json_t		*out;
};

/* The thread: the replay in a read txn of its own, then a byte to the
 * loop. */
static void *
replay_thread(void *arg)
{
	struct replay_job	*j = arg;
	struct txn		 t;
	ssize_t			 n;
	int			 rc;

	/* The loop comes first. */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
	    REPLAY_NICE);
	if ((rc = store_reader_begin(j->st, &t)) == 0) {
		rc = replay_in(&t, j->id, &j->out);
		if (rc != 0 && store_reader_stopping(j->st))
			rc = 1;
		store_reader_end(&t);
	}
	j->rc = rc;
	n = write(j->notify_fd, "r", 1);
	(void)n;	/* a full pipe has said it already */
	return (NULL);
}

int
replay_start(struct dctx *dc, uint64_t id, int notify_fd,
    struct replay_job **out)
{
	struct replay_job	*j;
	struct proposal		 p;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	if (records_load(dc, DB_PROPOSALS, &proposal_schema, "proposal", id,
	    &p) != 0)
		return (-1);
	rec_clear(&proposal_schema, &p);
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		derr_store(&dc->err, IOD_ENOMEM);
		return (-1);
	}
	j->st = dc->txn->st;
	j->id = id;
	j->notify_fd = notify_fd;
	if (pthread_create(&j->thread, NULL, replay_thread, j) != 0) {
		free(j);
		derr_set(&dc->err, ERR_NO_MEMORY, NULL, "cannot start the "
		    "replay's thread");
		return (-1);
	}
	*out = j;
	return (0);
}

int
replay_end(struct replay_job *j, struct derr *err, json_t **out)
{
	int	rc;

	pthread_join(j->thread, NULL);
	if ((rc = j->rc) < 0 && err != NULL)
		derr_store(err, rc);
	if (out != NULL && rc == 0) {
		*out = j->out;
		j->out = NULL;
	}
	json_decref(j->out);
	free(j);
	return (rc == 0 ? 0 : rc == 1 ? 1 : -1);
}
