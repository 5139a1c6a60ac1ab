/*
 * stall.c — stalled people and référents' caseloads.  A candidate is
 * stalled when they are active, with no open proposal, and their wait
 * began more than stalled_after_days ago: the wait begins on their
 * orientation, or on their last proposal when they had one since.  The
 * rule set that says how long is their programme's: the default rule set
 * if it admits the programme, else the first active one that does (a
 * candidate has a programme, not a rule set; offers name theirs).  Why a
 * stalled person was set aside is counted over the open offers of their
 * ROME families, each pair put through the engine's own filters
 * (match_pair), and how often they were eligible but ranked below another
 * (match_run).  A caseload counts a référent's people by state against
 * the default rule set's caseload_max.  The daily sweep announces each
 * stall once (candidate.stalled) and each référent passing the cap once
 * (referent.over_cap); DB_META remembers what was announced.  The last
 * proposal of each candidate is kept here, fed by proposal.c; the JSON of
 * the replies is built here, the routes are the daemon's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "rules.h"

#define TAG_STALLED	'K'	/* DB_META: candidate id -> stall's first day */
#define TAG_OVER_CAP	'U'	/* DB_META: référent id -> "" while over */

static struct hmap	 proposed;	/* candidate id -> last proposed_on */

/* The open offers, prepared, cached while the event log and the day are
 * unchanged (every write appends to the log). */
struct soffer {
	struct moffer		 m;
	const struct ruleset	*rs;
	int64_t			 top;	/* slot + 1 ranked first; 0: not yet,
					   -1: nobody eligible */
};
static struct {
	uint64_t	 seq;
	iod_date	 today;
	int		 valid;
	struct soffer	*v;
	size_t		 n, cap;
} snap;

/* Caseloads of every référent, cached the same way. */
static struct {
	uint64_t	 seq;
	iod_date	 today;
	int		 valid;
	struct caseload	*v;
	size_t		 n, cap;
	struct hmap	 at;		/* référent id -> index + 1 */
} loads;

void
stall_reset(void)
{
	hmap_free(&proposed);
	snap.valid = loads.valid = 0;
}

void
stall_free(void)
{
	stall_reset();
	free(snap.v);
	free(loads.v);
	hmap_free(&loads.at);
	memset(&snap, 0, sizeof(snap));
	memset(&loads, 0, sizeof(loads));
}

/* The way back of a write that did not commit (index_undo_note): the
 * last proposal day as it was, and the caches made since forgotten (they
 * are keyed by the event log, which goes back too). */
static int
stall_undo(const void *p)
{
	const uint64_t	*was = p;

	snap.valid = loads.valid = 0;
	return (was[0] != 0 ? hmap_set(&proposed, was[0], was[1]) : 0);
}

int
stall_proposed(uint64_t candidate_id, iod_date on)
{
	uint64_t	was[2];

	if (on == 0 || (was[1] = hmap_get(&proposed, candidate_id)) >= on)
		return (0);
	was[0] = candidate_id;
	index_undo_note(stall_undo, was, sizeof(was));
	return (hmap_set(&proposed, candidate_id, on));
}

const struct active *
stall_ruleset(int programme)
{
	const struct active	*a = rulesets_find(NULL);
	uint32_t		 p;

	if (a != NULL && ((p = a->rs->filters.programmes) == 0 ||
	    (p & (1u << programme))))
		return (a);
	for (a = rulesets_first(); a != NULL; a = a->next)
		if (a->rs->filters.programmes & (1u << programme))
			return (a);
	return (rulesets_find(NULL));
}

int
stall_of(const struct mcand *c, iod_date today, struct stall *s)
{
	const struct active	*a;
	iod_date		 since, last;
	int32_t			 days;

	memset(s, 0, sizeof(*s));
	if (c == NULL || !(c->flags & MC_LIVE) || c->status != CAND_ACTIVE ||
	    c->open > 0 || c->oriented_on == 0 ||
	    (a = stall_ruleset(c->programme)) == NULL)
		return (0);
	since = c->oriented_on;
	if ((last = (iod_date)hmap_get(&proposed, c->id)) > since)
		since = last;
	days = date_to_days(today) - date_to_days(since);
	if (days <= a->rs->policies.stalled_after_days)
		return (0);
	s->since = since;
	s->days = days;
	s->after_days = a->rs->policies.stalled_after_days;
	return (1);
}

/* Is the snapshot of the open offers still what t sees? */
static int
snap_fresh(struct txn *t, iod_date today)
{
	const struct active	*a;
	size_t			 i;

	if (!snap.valid || snap.seq != event_last(t) || snap.today != today)
		return (0);
	/* A rule set swapped: the offers' compiled rule sets went. */
	for (i = 0; i < snap.n; i++) {
		for (a = rulesets_first(); a != NULL; a = a->next)
			if (a->rs == snap.v[i].rs)
				break;
		if (a == NULL)
			return (0);
	}
	return (1);
}

static int
snap_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct txn	*t = arg;
	struct offer	 o;
	struct company	 co;
	struct active	*a;
	struct soffer	*so;
	int		 rc = 0;

	(void)k; (void)kl;
	memset(&o, 0, sizeof(o));
	if (rec_decode(&offer_schema, &o, v, vl) != 0 ||
	    o.status != OFFER_OPEN || (a = rulesets_find(o.ruleset)) == NULL)
		goto out;
	if (snap.n == snap.cap) {
		snap.cap = snap.cap ? snap.cap * 2 : 64;
		if ((so = reallocarray(snap.v, snap.cap, sizeof(*so))) ==
		    NULL) {
			rc = IOD_ENOMEM;
			goto out;
		}
		snap.v = so;
	}
	so = &snap.v[snap.n];
	memset(so, 0, sizeof(*so));
	memset(&co, 0, sizeof(co));
	store_get_rec(t, DB_COMPANIES, o.company_id, &company_schema, &co);
	if (match_prepare(a->rs, &o, &co, &so->m) == 0) {
		so->rs = a->rs;
		snap.n++;
	}
	rec_clear(&company_schema, &co);
out:
	rec_clear(&offer_schema, &o);
	return (rc);
}

/* The open offers as t sees them today: 0 or an IOD_E* code. */
static int
snap_load(struct txn *t, iod_date today)
{
	int	rc;

	if (snap_fresh(t, today))
		return (0);
	snap.valid = 0;
	snap.n = 0;
	if ((rc = store_scan(t, DB_OFFERS, NULL, 0, 0, snap_cb, t)) != 0)
		return (rc);
	snap.seq = event_last(t);
	snap.today = today;
	snap.valid = 1;
	index_undo_note(stall_undo, (uint64_t [2]){ 0, 0 }, 2 *
	    sizeof(uint64_t));
	return (0);
}

/* The slot + 1 ranked first for so, -1 if nobody is eligible. */
static int64_t
snap_top(struct soffer *so)
{
	struct mresult	r;

	if (so->top != 0)
		return (so->top);
	memset(&r, 0, sizeof(r));
	r.want = 1;
	if (match_run(so->rs, &so->m, &r) != 0) {
		match_result_free(&r);
		return (-1);
	}
	so->top = r.ntop > 0 ? (int64_t)r.top[0].slot + 1 : -1;
	match_result_free(&r);
	return (so->top);
}

/* Does c seek a code of the family of ROME index rome? */
static int
in_families(const struct mcand *c, int rome)
{
	const uint16_t	*fam = index_families();
	int		 i;

	for (i = 0; i < c->nrome; i++)
		if (fam[c->rome[i]] == fam[rome])
			return (1);
	return (0);
}

int
stall_reasons(struct txn *t, const struct mcand *c, iod_date today,
    struct stall_why *w)
{
	const struct mcand *slots;
	struct soffer	*so;
	size_t		 i, nslots;
	int64_t		 top;
	int		 rc, f;

	memset(w, 0, sizeof(*w));
	if ((rc = snap_load(t, today)) != 0)
		return (rc);
	slots = index_slots(&nslots);
	for (i = 0; i < snap.n; i++) {
		so = &snap.v[i];
		if (!in_families(c, so->m.rome))
			continue;
		w->offers++;
		if ((rc = match_pair(so->rs, &so->m, c, &f)) != 0)
			return (rc);
		if (f >= 0) {
			w->removed[f]++;
			continue;
		}
		top = snap_top(so);
		if (top > 0 && (size_t)top - 1 != (size_t)(c - slots))
			w->ranked_below++;
	}
	return (0);
}

json_t *
stall_json(struct txn *t, const struct mcand *c, iod_date today)
{
	struct stall	 s;
	struct stall_why w;
	json_t		*j, *reasons;
	char		 day[11];
	int		 f;

	if (!stall_of(c, today, &s))
		return (NULL);
	date_format(s.since, day);
	j = json_pack("{s:s, s:i, s:i}", "since", day, "days", (int)s.days,
	    "after_days", s.after_days);
	if (j == NULL || stall_reasons(t, c, today, &w) != 0)
		return (j);
	reasons = json_object();
	for (f = 0; f < FILTER__N; f++)
		if (w.removed[f] > 0)
			json_object_set_new(reasons, filter_names[f],
			    json_integer(w.removed[f]));
	json_object_set_new(j, "reasons", reasons);
	json_object_set_new(j, "ranked_below", json_integer(w.ranked_below));
	json_object_set_new(j, "offers", json_integer(w.offers));
	return (j);
}

/* ---- caseloads ----------------------------------------------------------- */

struct load_scan {
	struct caseload	*v;
	size_t		 n, cap;
	struct hmap	*at;
	struct hmap	 following;	/* candidate id -> 1: active placement */
	iod_date	 today;
	int		 cap_max;
};

static int
placement_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct load_scan	*ls = arg;
	struct placement	 p;
	int			 rc = 0;

	(void)k; (void)kl;
	memset(&p, 0, sizeof(p));
	if (rec_decode(&placement_schema, &p, v, vl) == 0 &&
	    p.status == PLACEMENT_ACTIVE)
		rc = hmap_set(&ls->following, p.candidate_id, 1);
	rec_clear(&placement_schema, &p);
	return (rc);
}

/* The caseload of referent_id in ls, added if new; NULL out of memory. */
static struct caseload *
load_of(struct load_scan *ls, uint64_t referent_id)
{
	struct caseload	*l;
	uint64_t	 i;

	if ((i = hmap_get(ls->at, referent_id)) != 0)
		return (&ls->v[i - 1]);
	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 64;
		if ((l = reallocarray(ls->v, ls->cap, sizeof(*l))) == NULL)
			return (NULL);
		ls->v = l;
	}
	if (hmap_set(ls->at, referent_id, ls->n + 1) != 0)
		return (NULL);
	l = &ls->v[ls->n++];
	memset(l, 0, sizeof(*l));
	l->referent_id = referent_id;
	l->cap = ls->cap_max;
	return (l);
}

static int
candidate_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct load_scan	*ls = arg;
	struct candidate	 c;
	struct caseload		*l;
	const struct mcand	*m;
	struct stall		 s;
	int			 rc = 0;

	(void)k; (void)kl;
	memset(&c, 0, sizeof(c));
	if (rec_decode(&candidate_schema, &c, v, vl) != 0 ||
	    c.referent_id == 0 || c.status == CAND_ERASED)
		goto out;
	if ((l = load_of(ls, c.referent_id)) == NULL) {
		rc = IOD_ENOMEM;
		goto out;
	}
	m = index_cand(c.id);
	if (c.status == CAND_ACTIVE) {
		l->active++;
		if (m != NULL && m->open > 0)
			l->proposed++;
		if (stall_of(m, ls->today, &s))
			l->stalled++;
	} else if (c.status == CAND_PLACED)
		l->placed++;
	if (hmap_get(&ls->following, c.id) != 0)
		l->in_followup++;
	l->over_cap = l->active + l->in_followup > l->cap;
out:
	rec_clear(&candidate_schema, &c);
	return (rc);
}

/* Every référent's caseload as t sees it today, into ls (caller frees
 * ls->v, ls->at).  0 or an IOD_E* code. */
static int
load_scan(struct txn *t, iod_date today, struct load_scan *ls)
{
	const struct active	*a = rulesets_find(NULL);
	int			 rc;

	ls->today = today;
	ls->cap_max = a != NULL ? a->rs->policies.caseload_max : 90;
	if ((rc = store_scan(t, DB_PLACEMENTS, NULL, 0, 0, placement_cb,
	    ls)) == 0)
		rc = store_scan(t, DB_CANDIDATES, NULL, 0, 0, candidate_cb,
		    ls);
	hmap_free(&ls->following);
	return (rc);
}

int
stall_caseload(struct txn *t, uint64_t referent_id, iod_date today,
    struct caseload *out)
{
	const struct active	*a;
	struct load_scan	 ls;
	uint64_t		 i;
	int			 rc;

	if (!loads.valid || loads.seq != event_last(t) ||
	    loads.today != today) {
		loads.valid = 0;
		loads.n = 0;
		hmap_free(&loads.at);
		memset(&ls, 0, sizeof(ls));
		ls.v = loads.v;
		ls.cap = loads.cap;
		ls.at = &loads.at;
		rc = load_scan(t, today, &ls);
		loads.v = ls.v;
		loads.cap = ls.cap;
		loads.n = ls.n;
		if (rc != 0)
			return (rc);
		loads.seq = event_last(t);
		loads.today = today;
		loads.valid = 1;
		index_undo_note(stall_undo, (uint64_t [2]){ 0, 0 }, 2 *
		    sizeof(uint64_t));
	}
	if ((i = hmap_get(&loads.at, referent_id)) != 0)
		*out = loads.v[i - 1];
	else {
		memset(out, 0, sizeof(*out));
		out->referent_id = referent_id;
		a = rulesets_find(NULL);
		out->cap = a != NULL ? a->rs->policies.caseload_max : 90;
	}
	return (0);
}

json_t *
stall_caseload_json(const struct caseload *l)
{
	return (json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:b}",
	    "active", (json_int_t)l->active,
	    "proposed", (json_int_t)l->proposed,
	    "placed", (json_int_t)l->placed,
	    "in_followup", (json_int_t)l->in_followup,
	    "stalled", (json_int_t)l->stalled,
	    "cap", (json_int_t)l->cap,
	    "over_cap", l->over_cap));
}

/* ---- the daily sweep ----------------------------------------------------- */

/* Announce c's stall s once: 1 if announced now, 0 if it was. */
static int
announce_stall(struct dctx *dc, const struct mcand *c, const struct stall *s)
{
	struct candidate	 k;
	uint8_t			 key[9], val[8];
	const void		*v;
	size_t			 vl;
	json_t			*data;
	char			 day[11];

	key[0] = TAG_STALLED;
	key_u64(key + 1, c->id);
	if (store_get(dc->txn, DB_META, key, sizeof(key), &v, &vl) == 0 &&
	    vl == 8 && key_get_u64(v) == s->since)
		return (0);
	memset(&k, 0, sizeof(k));
	if (store_get_rec(dc->txn, DB_CANDIDATES, c->id, &candidate_schema,
	    &k) != 0) {
		rec_clear(&candidate_schema, &k);
		return (0);
	}
	date_format(s->since, day);
	data = json_pack("{s:I, s:s, s:i}", "referent_id",
	    (json_int_t)k.referent_id, "since", day, "days", (int)s->days);
	event_append(dc->txn, "candidate.stalled", "candidate", c->id,
	    dc->actor, data);
	json_decref(data);
	rec_clear(&candidate_schema, &k);
	store_put(dc->txn, DB_META, key, sizeof(key), val,
	    key_u64(val, s->since));
	return (1);
}

/* Warn once when l passes its cap; forget it once back under. */
static int
announce_cap(struct dctx *dc, const struct caseload *l)
{
	uint8_t		 key[9];
	const void	*v;
	size_t		 vl;
	json_t		*data;
	int		 was;

	key[0] = TAG_OVER_CAP;
	key_u64(key + 1, l->referent_id);
	was = store_get(dc->txn, DB_META, key, sizeof(key), &v, &vl) == 0;
	if (!l->over_cap) {
		if (was)
			store_del(dc->txn, DB_META, key, sizeof(key));
		return (0);
	}
	if (was)
		return (0);
	data = json_pack("{s:I, s:I, s:I}", "referent_id",
	    (json_int_t)l->referent_id, "people",
	    (json_int_t)(l->active + l->in_followup), "cap",
	    (json_int_t)l->cap);
	event_append(dc->txn, "referent.over_cap", "referent", l->referent_id,
	    dc->actor, data);
	json_decref(data);
	store_put(dc->txn, DB_META, key, sizeof(key), "", 0);
	return (1);
}

int
stall_sweep(struct dctx *dc)
{
	const struct mcand	*slots;
	struct load_scan	 ls;
	struct hmap		 at;
	struct stall		 s;
	iod_date		 today = date_today();
	size_t			 i, n;
	int			 count = 0, rc;

	slots = index_slots(&n);
	for (i = 0; i < n; i++)
		if (stall_of(&slots[i], today, &s))
			count += announce_stall(dc, &slots[i], &s);
	memset(&ls, 0, sizeof(ls));
	memset(&at, 0, sizeof(at));
	ls.at = &at;
	if ((rc = load_scan(dc->txn, today, &ls)) == 0)
		for (i = 0; i < ls.n; i++)
			count += announce_cap(dc, &ls.v[i]);
	free(ls.v);
	hmap_free(&at);
	if (rc != 0)
		return (derr_store(&dc->err, rc));
	if (dc->txn->rc != 0)
		return (derr_store(&dc->err, dc->txn->rc));
	return (count);
}

int
stall_due(void)
{
	static iod_date	 swept;
	iod_date	 today = date_today();

	if (swept == today)
		return (0);
	swept = today;
	return (1);
}
