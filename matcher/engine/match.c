/*
 * match.c — who may be proposed for an offer, and how good a match each
 * is, under a rule set: the hard filters in a fixed order (each candidate
 * removed is counted against the first filter it fails, so the chargé de
 * mission sees why nobody is eligible), the score (the offer-independent
 * base kept by index.c, plus commune, territory and the company's chosen
 * publics), and the ranking with deterministic ties (score, then the
 * longest wait since orientation, then the smallest id), and the parts of
 * a score as a C array.  match_run reads a list's columns (column.c's
 * vectorised pass, then the best-first scan), match_each (the batch's
 * edges) the same pass; match_scan and match_naive test one packed entry
 * at a time with check(), the definition the columns must agree with.  It
 * reads the index only, through its verbs; recording a proposal is the
 * domain's business, and turning the parts into JSON the daemon's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rules.h"

const char *const filter_names[] = { "rome", "status", "consent",
    "programme", "exclusive", "cooldown", "contract", "hours", "schedule",
    "availability", "licence", "zone", NULL };

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

/* The cooldown bit of every entry of cols that is not busy. */
static void
cooldowns(const struct probe *q, const struct mcols *cols, int exclusive,
    uint8_t *fm)
{
	uint64_t	refused;
	uint32_t	i;

	for (i = 0; i < cols->n; i++) {
		fm[i] = 0;
		if (exclusive && cols->busy[i])
			continue;
		if ((refused = index_refused_on(q->cand[cols->slot[i]].id,
		    q->m->company_id)) != 0 &&
		    date_to_days((iod_date)refused) +
		    q->rs->policies.refusal_cooldown_days > q->today)
			fm[i] = 1u << (FILTER_COOLDOWN - FILTER_EXCLUSIVE);
	}
}

/*
 * Every entry's filter bits for the offer of q (0: eligible), in a
 * buffer the caller frees, or NULL when out of memory; removed gets the
 * removals by the offer's filters added, *eligible the entries left.
 */
static uint8_t *
cfilter(const struct probe *q, const struct mcols *c,
    uint32_t removed[FILTER__N], uint32_t *eligible)
{
	struct mcprobe	 p;
	uint8_t		*fm;

	if ((fm = malloc(c->n ? c->n : 1)) == NULL)
		return (NULL);
	cprobe_init(&p, q);
	if (q->refusals)
		cooldowns(q, c, p.exclusive, fm);
	else
		memset(fm, 0, c->n);
	*eligible = column_filter(c, &p, fm, removed);
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
	struct mhit			 h;
	uint8_t				*fm;
	uint32_t			 i, f, n, *done = NULL;
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
	if ((fm = cfilter(&q, c, r->removed, &r->eligible)) == NULL) {
		free(done);
		return (IOD_ENOMEM);
	}
	if (q.ni > 0)
		nd = interested_first(&q, r, done);
	vmax = variable_max(rs, m);
	for (i = 0; i < c->n; i++) {
		if (fm[i] != 0)
			continue;
		/* Lists are by base score: nobody further can do better. */
		if (r->ntop == r->want &&
		    c->base[i] + vmax < r->top[r->ntop - 1].score)
			break;
		if (nd > 0 && is_done(done, nd, c->slot[i]))
			continue;
		h.slot = c->slot[i];
		h.score = cscore(w, m, c, i);
		keep(&q, r, &h);
	}
	cap_apply(&q, r);
	free(done);
	free(fm);
	return (0);
}

/*
 * Every eligible entry, from the same pass as match_run, in list order:
 * their indexes gathered first with no branch (a tenth of a list is
 * eligible, in no pattern a branch could predict), then scored.
 */
int
match_each(const struct ruleset *rs, const struct moffer *m,
    int (*fn)(uint32_t, int32_t, void *), void *arg)
{
	const struct ruleset_weights	*w = &rs->weights;
	const struct mcols		*c;
	struct probe			 q;
	uint32_t			 removed[FILTER__N] = { 0 };
	uint32_t			 i, k, eligible, *at;
	uint8_t				*fm;
	int				 rc;

	if ((rc = index_columns(rs, m->rome, &c)) != 0)
		return (rc);
	probe_init(&q, rs, m, NULL);
	if ((fm = cfilter(&q, c, removed, &eligible)) == NULL)
		return (IOD_ENOMEM);
	if ((at = calloc(eligible + 1, sizeof(*at))) == NULL) {
		free(fm);
		return (IOD_ENOMEM);
	}
	for (i = 0, k = 0; i < c->n && k < eligible; i++) {
		at[k] = i;
		k += fm[i] == 0;
	}
	for (k = 0; k < eligible; k++)
		if ((rc = fn(c->slot[at[k]], cscore(w, m, c, at[k]) +
		    bonus(&q, c->slot[at[k]]), arg)) != 0)
			break;
	free(at);
	free(fm);
	return (rc);
}

/*
 * The batch's edges, the eligible pairs of every offer given: rows are
 * the offers in the order added, columns the candidates met so far.  An
 * edge carries score * scale + 1, scale = rows + 1: the solver's largest
 * total is then the largest total score first, the most pairs second, and
 * every edge is positive even for a score of 0.
 */
int
match_edges_init(struct medges *m, size_t nrows)
{
	size_t	n;

	memset(m, 0, sizeof(*m));
	m->scale = (int64_t)nrows + 1;
	(void)index_slots(&n);
	if ((m->col_of_slot = calloc(n + 1, sizeof(uint32_t))) == NULL ||
	    (m->slot_of_col = calloc(n + 1, sizeof(uint32_t))) == NULL) {
		match_edges_free(m);
		return (IOD_ENOMEM);
	}
	return (0);
}

struct edge_arg {
	struct medges	*m;
	uint32_t	 row, n;
};

static int
edge_cb(uint32_t slot, int32_t score, void *arg)
{
	struct edge_arg		*ea = arg;
	struct medges		*m = ea->m;
	struct assign_edge	*e;

	if (m->col_of_slot[slot] == 0) {
		m->slot_of_col[m->ncols] = slot;
		m->col_of_slot[slot] = ++m->ncols;
	}
	if (m->nedges == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 4096;
		if ((e = reallocarray(m->edges, m->cap, sizeof(*e))) == NULL)
			return (IOD_ENOMEM);
		m->edges = e;
	}
	e = &m->edges[m->nedges++];
	e->row = ea->row;
	e->col = m->col_of_slot[slot] - 1;
	e->score = (int64_t)score * m->scale + 1;
	ea->n++;
	return (0);
}

int
match_edges_add(struct medges *m, const struct ruleset *rs,
    const struct moffer *mo, uint32_t row, uint32_t *eligible)
{
	struct edge_arg	ea = { m, row, 0 };
	int		rc;

	rc = match_each(rs, mo, edge_cb, &ea);
	if (eligible != NULL)
		*eligible = ea.n;
	return (rc);
}

void
match_edges_free(struct medges *m)
{
	free(m->edges);
	free(m->col_of_slot);
	free(m->slot_of_col);
	memset(m, 0, sizeof(*m));
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

/* Add a part of points, if any, named criterion or criterion:sub. */
static void
part(struct mparts *p, const char *criterion, const char *sub, int32_t points)
{
	struct mpart	*e;

	if (points == 0 || p->n == MPART_MAX)
		return;
	e = &p->v[p->n++];
	if (sub != NULL)
		snprintf(e->criterion, sizeof(e->criterion), "%s:%s",
		    criterion, sub);
	else
		snprintf(e->criterion, sizeof(e->criterion), "%s", criterion);
	e->points = points;
	p->total += points;
}

void
match_parts(const struct ruleset *rs, const struct moffer *m,
    const struct mcand *c, struct mparts *p)
{
	const struct ruleset_weights	*w = &rs->weights;
	const struct refdata		*ref = refdata_get();
	int				 i, terr;

	p->n = 0;
	p->total = 0;
	for (i = 0; i < PUBLIC__N; i++)
		if (c->publics & (1u << i))
			part(p, "public", public_names[i], w->publics[i]);
	if (c->flags & MC_QPV)
		part(p, "qpv", NULL, w->qpv);
	/* The waiting part is the base score less the parts above. */
	part(p, "waiting_time", NULL,
	    index_base_score(rs, c, date_today()) - p->total);
	if (c->commune >= 0 && c->commune == m->commune)
		part(p, "same_commune", NULL, w->same_commune);
	terr = c->commune >= 0 ? ruleset_territory_of(rs,
	    ref->communes[c->commune].insee) : -1;
	if (terr >= 0 && terr == m->territory)
		part(p, "same_territory", NULL, w->same_territory);
	for (i = 0; i < PUBLIC__N; i++)
		if (c->publics & m->favoured & (1u << i))
			part(p, "favoured_public", public_names[i],
			    w->favoured_public);
	if (index_interested(m->id, c->id))
		part(p, "expressed_interest", NULL, w->expressed_interest);
}
