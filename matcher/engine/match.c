/*
 * match.c — who may be proposed for an offer, and how good a match each
 * is, under a rule set: the hard filters in a fixed order (each candidate
 * removed is counted against the first filter it fails, so the chargé de
 * mission sees why nobody is eligible), the score (the offer-independent
 * base kept by index.c, plus commune, territory and the company's chosen
 * publics), and the ranking with deterministic ties (score, then the
 * longest wait since orientation, then the smallest id).  match_run reads
 * a list's columns (column.c's vectorised pass, then the best-first
 * scan), only the ranges of them whose candidates can reach the offer's
 * commune when the zone filter is on; match_each (the batch's edges,
 * match-edges.c) the same pass; match_scan and match_naive test one packed
 * entry at a time with check(), the definition the columns must agree
 * with.  The parts of a score are match-parts.c's.  It reads the index
 * only, through its verbs; recording a proposal is the domain's business.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rules.h"

const char *const filter_names[] = { "rome", "status", "consent",
    "programme", "zone", "exclusive", "cooldown", "contract", "hours",
    "schedule", "availability", "licence", NULL };

int
match_prepare(const struct ruleset *rs, const struct offer *o,
    const struct company *co, struct moffer *m)
{
	memset(m, 0, sizeof(*m));
	m->id = o->id;
	m->company_id = o->company_id;
	if ((m->rome = refdata_rome_index(o->rome)) < 0)
		return (IOD_EINVAL);
	m->commune = refdata_commune_index(o->commune);
	m->territory = ruleset_territory_of(rs, o->commune);
	m->contract = o->contract;
	m->hours = (int)o->weekly_hours;
	m->schedule = o->schedule;
	m->requirements = o->requirements;
	m->start_on = o->start_on;
	m->favoured = co != NULL ? co->favoured_publics : 0;
	return (0);
}

_Static_assert(CONTRACT__N <= 8 && PUBLIC__N <= 8,
    "a packed entry holds these sets in a byte");

/* What a search holds constant: the offer, the day, whether the company
 * ever refused anyone (else the refusals are not looked at). */
struct probe {
	const struct ruleset	*rs;
	const struct mcand	*cand;	/* the index's, by slot */
	const struct moffer	*m;
	const int16_t		*terr;
	int32_t			 today, start;
	int			 refusals;
	const struct minterest	*iv;	/* the offer's interests, by id */
	size_t			 ni;	/* 0 too when the weight is 0 */
};

static void
probe_init(struct probe *q, const struct ruleset *rs, const struct moffer *m,
    const int16_t *terr)
{
	size_t	n;

	q->rs = rs;
	q->cand = index_slots(&n);
	q->m = m;
	q->terr = terr;
	q->today = date_to_days(date_today());
	q->start = m->start_on != 0 ? date_to_days(m->start_on) : 0;
	q->refusals = rs->policies.refusal_cooldown_days > 0 &&
	    index_refusing(m->company_id) != 0;
	q->iv = index_interests(m->id, &q->ni);
	if (rs->weights.expressed_interest == 0)
		q->ni = 0;
}

/* The expressed_interest points of the candidate in slot for the offer. */
static int32_t
bonus(const struct probe *q, uint32_t slot)
{
	uint64_t	id;
	size_t		lo = 0, hi = q->ni, mid;

	if (q->ni == 0)
		return (0);
	id = q->cand[slot].id;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (q->iv[mid].candidate_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo < q->ni && q->iv[lo].candidate_id == id ?
	    q->rs->weights.expressed_interest : 0);
}

/*
 * The rule set's cap on proposals to one company: when the offer's
 * company was sent max_proposals_per_company in the last per_days days
 * (today included), every eligible candidate is removed, counted under
 * company_cap.
 */
static void
cap_apply(const struct probe *q, struct mresult *r)
{
	if (index_company_left(q->rs, q->m->company_id,
	    date_from_days(q->today)) != 0)
		return;
	r->company_cap = r->eligible;
	r->eligible = 0;
	r->ntop = 0;
}

/* The first hard filter e fails, or -1 if e is eligible. */
static int
check(const struct probe *q, const struct pentry *e)
{
	const struct ruleset_filters	*f = &q->rs->filters;
	const struct moffer		*m = q->m;
	uint64_t			 refused;

	if (!(e->flags & MC_ACTIVE))
		return (FILTER_STATUS);
	/* Nobody is matched without recorded consent, whatever the rule set. */
	if (!(e->flags & MC_CONSENT))
		return (FILTER_CONSENT);
	if (f->programmes != 0 && !(f->programmes & (1u << e->programme)))
		return (FILTER_PROGRAMME);
	if (f->zone) {
		switch (e->zone) {
		case ZONE_COMMUNE:
			if (e->commune != m->commune)
				return (FILTER_ZONE);
			break;
		case ZONE_TERRITORY:
			if (e->commune != m->commune && (e->commune < 0 ||
			    q->terr[e->commune] < 0 ||
			    q->terr[e->commune] != m->territory))
				return (FILTER_ZONE);
			break;
		default:
			if (e->commune < 0 || m->commune < 0)
				return (FILTER_ZONE);
			break;
		}
	}
	if (q->rs->policies.candidate_exclusive && index_busy(e->slot))
		return (FILTER_EXCLUSIVE);
	if (q->refusals && (refused = index_refused_on(q->cand[e->slot].id,
	    m->company_id)) != 0 &&
	    date_to_days((iod_date)refused) +
	    q->rs->policies.refusal_cooldown_days > q->today)
		return (FILTER_COOLDOWN);
	if (f->contracts && e->contracts != 0 &&
	    !(e->contracts & (1u << m->contract)))
		return (FILTER_CONTRACT);
	if (f->hours && e->max_hours != 0 && m->hours > e->max_hours)
		return (FILTER_HOURS);
	if (f->schedule && (m->schedule & ~(uint32_t)e->schedule_ok) != 0)
		return (FILTER_SCHEDULE);
	if (f->availability_days >= 0 && e->available != 0 && q->start != 0 &&
	    e->available > q->start + f->availability_days)
		return (FILTER_AVAILABILITY);
	if (f->licence &&
	    (((m->requirements & (1u << REQ_LICENCE_B)) &&
	    !(e->flags & MC_LICENCE)) ||
	    ((m->requirements & (1u << REQ_VEHICLE)) &&
	    !(e->flags & MC_VEHICLE))))
		return (FILTER_LICENCE);
	return (-1);
}

/* The offer-dependent part of the score. */
static int32_t
variable(const struct probe *q, const struct pentry *e)
{
	const struct ruleset_weights	*w = &q->rs->weights;
	const struct moffer		*m = q->m;
	int32_t				 s = 0;

	if (e->commune >= 0 && e->commune == m->commune)
		s += w->same_commune;
	if (e->commune >= 0 && m->territory >= 0 &&
	    q->terr[e->commune] == m->territory)
		s += w->same_territory;
	if (m->favoured != 0)
		s += w->favoured_public *
		    __builtin_popcount(e->publics & m->favoured);
	return (s);
}

/* The most the offer-dependent part can add for this offer. */
static int32_t
variable_max(const struct ruleset *rs, const struct moffer *m)
{
	const struct ruleset_weights	*w = &rs->weights;
	int32_t				 s = 0;

	if (w->same_commune > 0)
		s += w->same_commune;
	if (w->same_territory > 0)
		s += w->same_territory;
	if (w->favoured_public > 0)
		s += w->favoured_public * __builtin_popcount(m->favoured);
	return (s);
}

/* Is hit a better than b: score, longest wait, smallest id. */
static int
better(const struct probe *q, const struct mhit *a, const struct mhit *b)
{
	const struct mcand	*ca = &q->cand[a->slot], *cb = &q->cand[b->slot];

	if (a->score != b->score)
		return (a->score > b->score);
	if (ca->oriented_on != cb->oriented_on)
		return (ca->oriented_on < cb->oriented_on);
	return (ca->id < cb->id);
}

/* Insert h into the best-first top list of r, keeping r->want. */
static void
keep(const struct probe *q, struct mresult *r, const struct mhit *h)
{
	size_t	i;

	if (r->ntop == r->want && !better(q, h, &r->top[r->ntop - 1]))
		return;
	i = r->ntop < r->want ? r->ntop++ : r->ntop - 1;
	while (i > 0 && better(q, h, &r->top[i - 1])) {
		r->top[i] = r->top[i - 1];
		i--;
	}
	r->top[i] = *h;
}

static int
result_init(struct mresult *r)
{
	size_t	want = r->want ? r->want : 1;

	memset(r->removed, 0, sizeof(r->removed));
	r->eligible = 0;
	r->company_cap = 0;
	r->ntop = 0;
	r->want = want;
	if ((r->top = calloc(want, sizeof(struct mhit))) == NULL)
		return (IOD_ENOMEM);
	return (0);
}

void
match_result_free(struct mresult *r)
{
	free(r->top);
	r->top = NULL;
}

int
match_scan(const struct ruleset *rs, const struct moffer *m, struct mresult *r)
{
	const struct pentry	*list, *e;
	const int16_t		*terr;
	struct probe		 q;
	struct mhit		 h;
	uint32_t		 n, i;
	int32_t			 vmax;
	int			 rc, f, scoring = 1;

	if ((rc = result_init(r)) != 0)
		return (rc);
	if ((rc = index_candidates(rs, m->rome, &list, &n, &terr)) != 0)
		return (rc);
	probe_init(&q, rs, m, terr);
	vmax = variable_max(rs, m);
	r->removed[FILTER_ROME] = index_live() - n;
	for (i = 0; i < n; i++) {
		e = &list[i];
		if ((f = check(&q, e)) >= 0) {
			r->removed[f]++;
			continue;
		}
		r->eligible++;
		if (!scoring)
			continue;
		/* Lists are by base score: nobody further can do better. */
		if (r->ntop == r->want && e->base + vmax +
		    (q.ni ? rs->weights.expressed_interest : 0) <
		    r->top[r->ntop - 1].score) {
			scoring = 0;
			continue;
		}
		h.slot = e->slot;
		h.score = e->base + variable(&q, e) + bonus(&q, e->slot);
		keep(&q, r, &h);
	}
	cap_apply(&q, r);
	return (0);
}

/* The offer's filters in the columns' terms (see struct mcprobe). */
static void
cprobe_init(struct mcprobe *p, const struct probe *q)
{
	const struct ruleset_filters	*f = &q->rs->filters;
	const struct moffer		*m = q->m;
	int32_t				 lim;

	memset(p, 0, sizeof(*p));
	p->exclusive = q->rs->policies.candidate_exclusive != 0;
	p->contract = f->contracts != 0;
	p->contract_bit = (uint8_t)(1u << m->contract);
	/* max_hours != 0 && hours > max_hours: max_hours - 1 < hours - 1,
	 * which no byte meets when hours < 2. */
	p->hours = f->hours != 0 && m->hours >= 2;
	p->hours_lim = (uint8_t)((m->hours > 256 ? 256 : m->hours) - 1);
	p->schedule = f->schedule != 0;
	p->schedule_hi = (m->schedule >> 8) != 0;
	p->schedule_mask = (uint8_t)m->schedule;
	/* available != 0 && available > start + days; 0 never exceeds. */
	p->availability = f->availability_days >= 0 && q->start != 0;
	lim = q->start + f->availability_days;
	p->available_lim = (uint16_t)(lim < 0 ? 0 : lim > 65535 ? 65535 : lim);
	p->licence = f->licence != 0;
	if (m->requirements & (1u << REQ_LICENCE_B))
		p->licence_need |= MC_LICENCE;
	if (m->requirements & (1u << REQ_VEHICLE))
		p->licence_need |= MC_VEHICLE;
	p->zone = f->zone != 0;
	p->commune_unknown = m->commune < 0;
	p->commune = (int16_t)m->commune;
	p->territory = (int16_t)m->territory;
}

/* The cooldown bit of every entry of cols in [lo, hi) that is not busy,
 * into fm[i - lo]. */
static void
cooldowns(const struct probe *q, const struct mcols *cols, uint32_t lo,
    uint32_t hi, int exclusive, uint8_t *fm)
{
	uint64_t	refused;
	uint32_t	i;

	for (i = lo; i < hi; i++) {
		fm[i - lo] = 0;
		if (exclusive && cols->busy[i])
			continue;
		if ((refused = index_refused_on(q->cand[cols->slot[i]].id,
		    q->m->company_id)) != 0 &&
		    date_to_days((iod_date)refused) +
		    q->rs->policies.refusal_cooldown_days > q->today)
			fm[i - lo] = 1u << (FILTER_COOLDOWN - FILTER_ZONE);
	}
}

/*
 * The ranges of a list's columns that a search reads: with the zone
 * filter on, the offer's territory's (that of its commune and the one
 * the offer was given, the same but for a commune outside the reference
 * data) and the wide range; the others hold only candidates out of the
 * offer's reach (column_range), charged to the zone unread.  With the
 * zone filter off, every range.
 */
struct reach {
	uint32_t	 n;		/* ranges read */
	uint32_t	 range[3];	/* which, unless all */
	int		 all;
	uint32_t	 total;		/* entries read */
};

static void
reach_init(struct reach *rc, const struct probe *q, const struct mcols *c)
{
	uint32_t	wide = c->nranges - 1, r, k;
	int		t = q->m->territory;

	memset(rc, 0, sizeof(*rc));
	if (c->nranges == 0)
		return;		/* never built: nothing in it */
	if (!q->rs->filters.zone) {
		rc->all = 1;
		rc->n = c->nranges;
		rc->total = c->n;
		return;
	}
	if ((r = column_range(c, ZONE_TERRITORY, (int16_t)q->m->commune)) !=
	    wide)
		rc->range[rc->n++] = r;
	if (t >= 0 && (uint32_t)t < wide && (rc->n == 0 ||
	    rc->range[0] != (uint32_t)t))
		rc->range[rc->n++] = (uint32_t)t;
	rc->range[rc->n++] = wide;
	for (k = 0; k < rc->n; k++)
		rc->total += c->rstart[rc->range[k] + 1] -
		    c->rstart[rc->range[k]];
}

/* The k-th range read: entries [*lo, *hi) of the columns. */
static inline void
reach_span(const struct reach *rc, const struct mcols *c, uint32_t k,
    uint32_t *lo, uint32_t *hi)
{
	uint32_t	r = rc->all ? k : rc->range[k];

	*lo = c->rstart[r];
	*hi = c->rstart[r + 1];
}

/*
 * The filter bits for the offer of q (0: eligible) of every entry read,
 * range after range as rc lists them, in a buffer the caller frees, or
 * NULL when out of memory; removed gets the removals by the offer's
 * filters added (the ranges not read to the zone), *eligible the entries
 * left.
 */
static uint8_t *
cfilter(const struct probe *q, const struct mcols *c, const struct reach *rc,
    uint32_t removed[FILTER__N], uint32_t *eligible)
{
	struct mcprobe	 p;
	uint32_t	 k, lo, hi, off = 0;
	uint32_t	 npass = rc->all ? 1 : rc->n;
	uint8_t		*fm;

	if ((fm = malloc(rc->total ? rc->total : 1)) == NULL)
		return (NULL);
	cprobe_init(&p, q);
	removed[FILTER_ZONE] += c->n - rc->total;
	*eligible = 0;
	for (k = 0; k < npass; k++) {
		/* Every range: one pass over all of them, in order. */
		if (rc->all) {
			lo = 0;
			hi = c->n;
		} else
			reach_span(rc, c, k, &lo, &hi);
		if (q->refusals)
			cooldowns(q, c, lo, hi, p.exclusive, fm + off);
		else
			memset(fm + off, 0, hi - lo);
		*eligible += column_filter(c, lo, hi, &p, fm + off, removed);
		off += hi - lo;
	}
	return (fm);
}

/* The score of entry i of c for the offer m: as base + variable(). */
static inline int32_t
cscore(const struct ruleset_weights *w, const struct moffer *m,
    const struct mcols *c, uint32_t i)
{
	int32_t	s = c->base[i];

	if (c->commune[i] >= 0 && c->commune[i] == m->commune)
		s += w->same_commune;
	if (m->territory >= 0 && c->territory[i] == m->territory)
		s += w->same_territory;
	if (m->favoured != 0)
		s += w->favoured_public *
		    __builtin_popcount(c->publics[i] & m->favoured);
	return (s);
}

static int	seeks(const struct ruleset *, const struct mcand *, int,
		    const uint16_t *);

/*
 * Score the offer's interested candidates who are eligible, one at a
 * time with check(), into r's top; their slots (OUT, q->ni entries) are
 * those the columns' scan must then pass over.  Returns how many.
 */
static size_t
interested_first(const struct probe *q, struct mresult *r, uint32_t *done)
{
	const struct mcand	*slots;
	struct mcand		*c;
	struct pentry		 e;
	struct mhit		 h;
	size_t			 i, nd = 0, nslots;

	slots = index_slots(&nslots);
	for (i = 0; i < q->ni; i++) {
		if ((c = index_cand(q->iv[i].candidate_id)) == NULL ||
		    !(c->flags & MC_LIVE) ||
		    !seeks(q->rs, c, q->m->rome, index_families()))
			continue;
		done[nd] = (uint32_t)(c - slots);
		index_pack(&e, done[nd++], c,
		    index_base_score(q->rs, c, date_today()));
		if (check(q, &e) >= 0)
			continue;
		h.slot = e.slot;
		h.score = e.base + variable(q, &e) +
		    q->rs->weights.expressed_interest;
		keep(q, r, &h);
	}
	return (nd);
}

/* 1 if slot is one of done[0..n). */
static inline int
is_done(const uint32_t *done, size_t n, uint32_t slot)
{
	while (n-- > 0)
		if (done[n] == slot)
			return (1);
	return (0);
}

/*
 * The columns' search: one pass gives every entry's filters and every
 * removal (column.c), then the best-first scan scores the eligible ones
 * until nobody further can enter the top.  An interest's points would
 * break that bound, so the (few) interested candidates are scored first,
 * apart, and the scan passes over them.
 */
int
match_run(const struct ruleset *rs, const struct moffer *m, struct mresult *r)
{
	const struct ruleset_weights	*w = &rs->weights;
	const struct mcols		*c;
	const struct pentry		*list;
	const int16_t			*terr = NULL;
	struct probe			 q;
	struct reach			 reach;
	struct mhit			 h;
	uint8_t				*fm, *fk;
	uint32_t			 i, f, n, k, lo, hi, off, *done = NULL;
	size_t				 nd = 0;
	int32_t				 vmax;
	int				 rc;

	if ((rc = result_init(r)) != 0)
		return (rc);
	probe_init(&q, rs, m, NULL);
	if (q.ni > 0) {
		if ((rc = index_candidates(rs, m->rome, &list, &n,
		    &terr)) != 0)
			return (rc);
		q.terr = terr;
		if ((done = calloc(q.ni, sizeof(*done))) == NULL)
			return (IOD_ENOMEM);
	}
	if ((rc = index_columns(rs, m->rome, &c)) != 0) {
		free(done);
		return (rc);
	}
	for (f = 0; f < FILTER__N; f++)
		r->removed[f] = c->removed[f];
	r->removed[FILTER_ROME] = index_live() - c->listed;
	reach_init(&reach, &q, c);
	if ((fm = cfilter(&q, c, &reach, r->removed, &r->eligible)) == NULL) {
		free(done);
		return (IOD_ENOMEM);
	}
	if (q.ni > 0)
		nd = interested_first(&q, r, done);
	vmax = variable_max(rs, m);
	/* Each range is by base score: within it, once nobody further can
	 * do better, the next range.  The top list keeps its order (score,
	 * wait, id) whatever the order candidates come in. */
	for (k = 0, off = 0; k < reach.n; k++, off += hi - lo) {
		reach_span(&reach, c, k, &lo, &hi);
		fk = fm + off;
		for (i = lo; i < hi; i++) {
			if (fk[i - lo] != 0)
				continue;
			if (r->ntop == r->want &&
			    c->base[i] + vmax < r->top[r->ntop - 1].score)
				break;
			if (nd > 0 && is_done(done, nd, c->slot[i]))
				continue;
			h.slot = c->slot[i];
			h.score = cscore(w, m, c, i);
			keep(&q, r, &h);
		}
	}
	cap_apply(&q, r);
	free(done);
	free(fm);
	return (0);
}

/*
 * Every eligible entry, from the same pass as match_run, in list order:
 * each range's indexes gathered first with no branch (a tenth of a list
 * is eligible, in no pattern a branch could predict), then the ranges
 * merged by their entries' places in the list, and scored.  The batch
 * numbers its columns by first use: the list's order keeps them, and the
 * ties of the assignment, as they were before the ranges.
 */
int
match_each(const struct ruleset *rs, const struct moffer *m,
    int (*fn)(uint32_t, int32_t, void *), void *arg)
{
	const struct ruleset_weights	*w = &rs->weights;
	const struct mcols		*c;
	struct probe			 q;
	struct reach			 reach;
	uint32_t			 removed[FILTER__N] = { 0 };
	uint32_t			 i, k, j, b, lo, hi, off, eligible;
	uint32_t			*at, *cur, *end;
	uint8_t				*fm;
	int				 rc;

	if ((rc = index_columns(rs, m->rome, &c)) != 0)
		return (rc);
	probe_init(&q, rs, m, NULL);
	reach_init(&reach, &q, c);
	if ((fm = cfilter(&q, c, &reach, removed, &eligible)) == NULL)
		return (IOD_ENOMEM);
	if ((at = calloc(eligible + 1 + 2 * (reach.n + 1), sizeof(*at))) ==
	    NULL) {
		free(fm);
		return (IOD_ENOMEM);
	}
	cur = at + eligible + 1;
	end = cur + reach.n + 1;
	for (j = 0, k = 0, off = 0; j < reach.n; j++, off += hi - lo) {
		reach_span(&reach, c, j, &lo, &hi);
		cur[j] = k;
		for (i = lo; i < hi && k < eligible; i++) {
			at[k] = i;
			k += fm[off + i - lo] == 0;
		}
		end[j] = k;
	}
	for (k = 0; k < eligible; k++) {
		/* The range whose next entry comes first in the list. */
		for (b = UINT32_MAX, j = 0; j < reach.n; j++)
			if (cur[j] < end[j] && (b == UINT32_MAX ||
			    c->pos[at[cur[j]]] < c->pos[at[cur[b]]]))
				b = j;
		i = at[cur[b]++];
		if ((rc = fn(c->slot[i], cscore(w, m, c, i) +
		    bonus(&q, c->slot[i]), arg)) != 0)
			break;
	}
	free(at);
	free(fm);
	return (rc);
}

/* The ROME test of the naive scan: the offer's code or family sought. */
static int
seeks(const struct ruleset *rs, const struct mcand *c, int rome,
    const uint16_t *family_of)
{
	int	i;

	for (i = 0; i < c->nrome; i++) {
		if (c->rome[i] == rome)
			return (1);
		if (rs->filters.rome_match == ROME_MATCH_FAMILY &&
		    family_of[c->rome[i]] == family_of[rome])
			return (1);
	}
	return (0);
}

int
match_pair(const struct ruleset *rs, const struct moffer *m,
    const struct mcand *c, int *filter)
{
	const struct pentry	*list;
	const struct mcand	*slots;
	const int16_t		*terr;
	struct pentry		 e;
	struct probe		 q;
	uint32_t		 n;
	size_t			 nslots;
	int			 rc;

	*filter = -1;
	if (!seeks(rs, c, m->rome, index_families())) {
		*filter = FILTER_ROME;
		return (0);
	}
	/* The rule set's territories, as the offer's own search has them. */
	if ((rc = index_candidates(rs, m->rome, &list, &n, &terr)) != 0)
		return (rc);
	probe_init(&q, rs, m, terr);
	slots = index_slots(&nslots);
	if (c < slots || c >= slots + nslots)
		return (IOD_EINVAL);
	index_pack(&e, (uint32_t)(c - slots), c, 0);
	*filter = check(&q, &e);
	return (0);
}

/*
 * What matching costs without the index: every candidate is tested and
 * scored from scratch.  The benchmark's baseline and the tests' oracle.
 */
int
match_naive(const struct ruleset *rs, const struct moffer *m,
    struct mresult *r)
{
	const struct refdata	*ref = refdata_get();
	const struct mcand	*c;
	const uint16_t		*family_of = index_families();
	struct pentry		 e;
	struct probe		 q;
	struct mhit		 h;
	int16_t			*terr;
	iod_date		 today = date_today();
	size_t			 i, n;
	int			 rc, f;

	if ((rc = result_init(r)) != 0)
		return (rc);
	if ((terr = calloc(ref->ncommunes + 1, sizeof(int16_t))) == NULL)
		return (IOD_ENOMEM);
	for (i = 0; i < ref->ncommunes; i++)
		terr[i] = (int16_t)ruleset_territory_of(rs,
		    ref->communes[i].insee);
	probe_init(&q, rs, m, terr);
	(void)index_slots(&n);
	for (i = 0; i < n; i++) {
		c = &q.cand[i];
		if (!(c->flags & MC_LIVE))
			continue;
		if (!seeks(rs, c, m->rome, family_of)) {
			r->removed[FILTER_ROME]++;
			continue;
		}
		/* Everything from scratch: the record, its base score. */
		index_pack(&e, (uint32_t)i, c, index_base_score(rs, c, today));
		if ((f = check(&q, &e)) >= 0) {
			r->removed[f]++;
			continue;
		}
		r->eligible++;
		h.slot = (uint32_t)i;
		h.score = e.base + variable(&q, &e) + bonus(&q, e.slot);
		keep(&q, r, &h);
	}
	cap_apply(&q, r);
	free(terr);
	return (0);
}
