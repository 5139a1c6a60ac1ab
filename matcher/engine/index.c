/*
 * index.c — the in-memory matching index, built from the store at start-up
 * and kept in step with every write, so that matching never scans LMDB.
 * It holds a compact copy of each candidate (what the filters and weights
 * read), posting lists of candidates by sought ROME code and ROME family,
 * the policy state (open proposals per candidate and per offer, refusals
 * by company) and, per rule set, each candidate's offer-independent score
 * ("base": publics, QPV, waiting time) with the posting lists sorted by it,
 * so a search can stop once nobody left can beat the best found, each
 * sorted list also as columns (column.c) whose lane of open proposals
 * index_open keeps in step, and a bitmap of the candidates with an open
 * proposal covering every slot, so no search reads a candidate's record
 * for it.  A list is sorted when a search first needs it, or all of a
 * rule set's at once by index_warm, shared out over index_threads
 * threads (index-threads.c).  Its state is static here, behind the verbs
 * of engine.h, and each thread's own (engine.h; index_warm's threads
 * borrow the caller's).  What a proposal is and how it changes is
 * the domain's (which tells the index through index_open,
 * index_offer_open_set and index_refused, and loads that state at
 * start-up); the scoring is match.c's.  It writes nothing to the store.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rules.h"

#define GROW(p, n, cap) do {						\
	if ((n) >= (cap)) {						\
		size_t	 c_ = (cap) ? (size_t)(cap) * 2 : 16;		\
		void	*q_ = reallocarray((p), c_, sizeof(*(p)));	\
		if (q_ == NULL)						\
			return (IOD_ENOMEM);				\
		(p) = q_;						\
		(cap) = c_;						\
	}								\
} while (0)

struct plist {			/* slots of candidates, unordered */
	uint32_t	*v;
	size_t		 n, cap;
};
struct sorted {			/* a plist sorted for one rule set */
	struct pentry	*v;
	size_t		 n, cap;
	int		 dirty;
	struct mcols	 col;		/* the same, as columns */
};
struct view {			/* one rule set's order of the lists */
	const struct ruleset *rs;
	iod_date	 day;		/* the day base scores were made for */
	int32_t		*base;		/* offer-independent score by slot */
	size_t		 nbase;
	int		 stale;
	int16_t		*territory;	/* by refdata commune index */
	uint32_t	 nterr;		/* territories: 1 + the largest */
	struct sorted	*rome, *family;
	struct view	*next;
};
struct index {
	struct mcand	*cand;		/* by slot */
	size_t		 ncand, capcand;
	uint32_t	*slot_of;	/* candidate id -> slot + 1 */
	uint64_t	 nslot_of;
	uint32_t	 live;		/* candidates in the index */
	uint32_t	 by_status[CAND__N];	/* the live ones, by status */
	uint32_t	 nrome, nfamily;
	uint16_t	*family_of;	/* rome index -> family */
	struct plist	*by_rome, *by_family;
	struct hmap	 offer_open;	/* offer id -> open proposal id */
	struct hmap	 refused;	/* candidate << 32 | company -> date */
	struct hmap	 refusing;	/* company -> refusals ever recorded */
	uint64_t	*busy;		/* bit by slot: has an open proposal */
	size_t		 nbusy;		/* words, covering every slot */
	struct view	*views;
};

/* Each thread its own: the event loop's is the live index; a replay's
 * thread builds and searches one of its own with the same verbs. */
static _Thread_local struct index	*idx;

/* ---- posting lists ------------------------------------------------------ */

static int
plist_add(struct plist *l, uint32_t slot)
{
	GROW(l->v, l->n, l->cap);
	l->v[l->n++] = slot;
	return (0);
}

static void
plist_del(struct plist *l, uint32_t slot)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == slot) {
			l->v[i] = l->v[--l->n];
			return;
		}
}

/* The distinct families of a candidate's ROME codes (at most 16). */
static int
families(const struct mcand *c, uint16_t *fam)
{
	int	i, j, n = 0;

	for (i = 0; i < c->nrome; i++) {
		for (j = 0; j < n; j++)
			if (fam[j] == idx->family_of[c->rome[i]])
				break;
		if (j == n)
			fam[n++] = idx->family_of[c->rome[i]];
	}
	return (n);
}

static void	view_touch(struct view *, uint32_t slot, const struct mcand *);

/* Take slot out of, or put it into, the lists its codes name. */
static int
link_slot(uint32_t slot, int add)
{
	struct mcand	*c = &idx->cand[slot];
	struct view	*v;
	uint16_t	 fam[16];
	int		 i, n, rc = 0;

	n = families(c, fam);
	for (i = 0; i < c->nrome; i++) {
		if (add)
			rc |= plist_add(&idx->by_rome[c->rome[i]], slot);
		else
			plist_del(&idx->by_rome[c->rome[i]], slot);
	}
	for (i = 0; i < n; i++) {
		if (add)
			rc |= plist_add(&idx->by_family[fam[i]], slot);
		else
			plist_del(&idx->by_family[fam[i]], slot);
	}
	for (v = idx->views; v != NULL; v = v->next)
		view_touch(v, slot, c);
	if (c->status < CAND__N)
		idx->by_status[c->status] += add ? 1 : -1;
	return (rc);
}

/* ---- building ----------------------------------------------------------- */

int
index_init(void)
{
	const struct refdata	*ref = refdata_get();
	size_t			 i;

	if ((idx = calloc(1, sizeof(*idx))) == NULL)
		return (IOD_ENOMEM);
	idx->nrome = (uint32_t)ref->nrome;
	if ((idx->by_rome = calloc(ref->nrome, sizeof(struct plist))) == NULL ||
	    (idx->family_of = calloc(ref->nrome, sizeof(uint16_t))) == NULL ||
	    (idx->by_family = calloc(ref->nrome, sizeof(struct plist))) == NULL)
		return (IOD_ENOMEM);
	/* The table is sorted: a family is a run of one 3-character prefix. */
	for (i = 0; i < ref->nrome; i++) {
		if (i > 0 && strncmp(ref->rome[i], ref->rome[i - 1], 3) != 0)
			idx->nfamily++;
		idx->family_of[i] = (uint16_t)idx->nfamily;
	}
	idx->nfamily++;
	return (0);
}

static void
view_free(struct view *v)
{
	uint32_t	i;

	for (i = 0; i < idx->nrome; i++) {
		free(v->rome[i].v);
		column_free(&v->rome[i].col);
	}
	for (i = 0; i < idx->nfamily; i++) {
		free(v->family[i].v);
		column_free(&v->family[i].col);
	}
	free(v->rome);
	free(v->family);
	free(v->base);
	free(v->territory);
	free(v);
}

void
index_free(void)
{
	struct view	*v;
	uint32_t	 i;

	index_policy_free();
	if (idx == NULL)
		return;
	while ((v = idx->views) != NULL) {
		idx->views = v->next;
		view_free(v);
	}
	for (i = 0; i < idx->nrome; i++)
		free(idx->by_rome[i].v);
	for (i = 0; i < idx->nfamily; i++)
		free(idx->by_family[i].v);
	free(idx->by_rome);
	free(idx->by_family);
	free(idx->family_of);
	free(idx->cand);
	free(idx->slot_of);
	hmap_free(&idx->offer_open);
	hmap_free(&idx->refused);
	hmap_free(&idx->refusing);
	free(idx->busy);
	free(idx);
	idx = NULL;
}

int
index_put(const struct candidate *k)
{
	struct mcand	 c;

	index_compact(&c, k);
	return (index_put_compact(&c));
}

int
index_put_compact(const struct mcand *cp)
{
	struct mcand	 c = *cp;
	uint32_t	 slot;
	uint64_t	 i, n;

	if (c.id >= idx->nslot_of) {
		n = idx->nslot_of ? idx->nslot_of : 1024;
		while (n <= c.id)
			n *= 2;
		uint32_t *p = reallocarray(idx->slot_of, n, sizeof(uint32_t));
		if (p == NULL)
			return (IOD_ENOMEM);
		for (i = idx->nslot_of; i < n; i++)
			p[i] = 0;
		idx->slot_of = p;
		idx->nslot_of = n;
	}
	if ((slot = idx->slot_of[c.id]) != 0) {
		slot--;
		c.open = idx->cand[slot].open;
		index_undo_cand(slot, &idx->cand[slot]);
		link_slot(slot, 0);
		idx->cand[slot] = c;
		return (link_slot(slot, 1));
	}
	GROW(idx->cand, idx->ncand, idx->capcand);
	/* The busy bitmap covers every slot, so no search reads c->open. */
	if (idx->capcand > idx->nbusy * 64) {
		n = (idx->capcand + 63) / 64;
		uint64_t *b = reallocarray(idx->busy, n, sizeof(*b));
		if (b == NULL)
			return (IOD_ENOMEM);
		memset(b + idx->nbusy, 0, (n - idx->nbusy) * sizeof(*b));
		idx->busy = b;
		idx->nbusy = n;
	}
	slot = idx->ncand++;
	index_undo_cand(slot, NULL);
	c.open = 0;		/* index_open counts them */
	idx->cand[slot] = c;
	idx->slot_of[c.id] = slot + 1;
	idx->live++;
	return (link_slot(slot, 1));
}

void
index_del(uint64_t id)
{
	uint32_t	slot;

	if (id >= idx->nslot_of || (slot = idx->slot_of[id]) == 0)
		return;
	slot--;
	index_undo_cand(slot, &idx->cand[slot]);
	link_slot(slot, 0);
	idx->cand[slot].flags = 0;	/* the slot stays, dead */
	idx->cand[slot].nrome = 0;
	idx->slot_of[id] = 0;
	idx->live--;
}

int
index_slot_restore(uint32_t slot, const struct mcand *c)
{
	struct mcand	*o = &idx->cand[slot];

	if (o->flags & MC_LIVE) {
		link_slot(slot, 0);
		idx->slot_of[o->id] = 0;
		idx->live--;
	}
	*o = *c;
	if (!(c->flags & MC_LIVE)) {
		if (slot + 1 == idx->ncand && c->id == 0)
			idx->ncand--;	/* made by the write undone */
		return (0);
	}
	idx->slot_of[c->id] = slot + 1;
	idx->live++;
	return (link_slot(slot, 1));
}

struct mcand *
index_cand(uint64_t id)
{
	uint32_t	slot;

	if (idx == NULL || id >= idx->nslot_of ||
	    (slot = idx->slot_of[id]) == 0)
		return (NULL);
	return (&idx->cand[slot - 1]);
}

struct mcand *
index_cand_by_slot(uint32_t slot)
{
	return (&idx->cand[slot]);
}

const struct mcand *
index_slots(size_t *n)
{
	*n = idx->ncand;
	return (idx->cand);
}

uint32_t
index_live(void)
{
	return (idx != NULL ? idx->live : 0);
}

void
index_count_by_status(uint64_t *by_status, size_t n)
{
	size_t	i;

	for (i = 0; idx != NULL && i < n && i < CAND__N; i++)
		by_status[i] += idx->by_status[i];
}

const uint16_t *
index_families(void)
{
	return (idx->family_of);
}

/* ---- per rule set views ------------------------------------------------- */

static void
view_touch(struct view *v, uint32_t slot, const struct mcand *c)
{
	uint16_t	fam[16];
	int		i, n;

	if (slot < v->nbase)
		v->base[slot] = index_base_score(v->rs, c, v->day);
	else
		v->stale = 1;	/* grows at the next use */
	for (i = 0; i < c->nrome; i++)
		v->rome[c->rome[i]].dirty = 1;
	n = families(c, fam);
	for (i = 0; i < n; i++)
		v->family[fam[i]].dirty = 1;
}

/* The view of rule set rs, made or refreshed for today. */
static struct view *
view_get(const struct ruleset *rs)
{
	const struct refdata	*ref = refdata_get();
	struct view		*v;
	iod_date		 today = date_today();
	size_t			 i;

	for (v = idx->views; v != NULL; v = v->next)
		if (v->rs == rs)
			break;
	if (v == NULL) {
		if ((v = calloc(1, sizeof(*v))) == NULL ||
		    (v->rome = calloc(idx->nrome, sizeof(struct sorted))) == NULL ||
		    (v->family = calloc(idx->nfamily, sizeof(struct sorted)))
		    == NULL) {
			if (v != NULL)
				free(v->rome);
			free(v);
			return (NULL);
		}
		if ((v->territory = calloc(ref->ncommunes + 1,
		    sizeof(int16_t))) == NULL) {
			free(v->rome);
			free(v->family);
			free(v);
			return (NULL);
		}
		for (i = 0; i < ref->ncommunes; i++) {
			v->territory[i] = (int16_t)ruleset_territory_of(rs,
			    ref->communes[i].insee);
			if (v->territory[i] >= (int16_t)v->nterr)
				v->nterr = (uint32_t)v->territory[i] + 1;
		}
		v->rs = rs;
		v->stale = 1;
		v->next = idx->views;
		idx->views = v;
	}
	if (v->day != today || v->stale || v->nbase < idx->ncand) {
		int32_t *b = reallocarray(v->base, idx->ncand ? idx->ncand : 1,
		    sizeof(int32_t));
		if (b == NULL)
			return (NULL);
		v->base = b;
		v->nbase = idx->ncand;
		v->day = today;
		v->stale = 0;
		for (i = 0; i < idx->ncand; i++)
			v->base[i] = index_base_score(rs, &idx->cand[i], today);
		for (i = 0; i < idx->nrome; i++)
			v->rome[i].dirty = 1;
		for (i = 0; i < idx->nfamily; i++)
			v->family[i].dirty = 1;
	}
	return (v);
}

/* Drop the views of rule sets that are no longer active. */
void
index_forget_ruleset(const struct ruleset *rs)
{
	struct view	**vp, *v;

	if (idx == NULL)
		return;
	for (vp = &idx->views; (v = *vp) != NULL; vp = &v->next)
		if (v->rs == rs) {
			*vp = v->next;
			view_free(v);
			return;
		}
}

static int
sorted_refresh(struct view *v, struct sorted *s, const struct plist *l)
{
	struct pentry	*p;

	if (!s->dirty && s->n == l->n)
		return (0);
	if (l->n > s->cap) {
		if ((p = reallocarray(s->v, l->n, sizeof(*p))) == NULL)
			return (IOD_ENOMEM);
		s->v = p;
		s->cap = l->n;
	}
	/* Best first: base score, then the longest wait, the smallest id. */
	if (index_sort_pack(s->v, l->v, l->n, v->base, idx->cand) != 0)
		return (IOD_ENOMEM);
	s->n = l->n;
	if (column_build(&s->col, s->v, (uint32_t)s->n, v->rs,
	    v->territory, v->nterr) != 0) {
		s->dirty = 1;
		return (IOD_ENOMEM);
	}
	s->dirty = 0;
	return (0);
}

/*
 * The position of slot in the columns of a clean list (each range sorted
 * by base score, longest wait, smallest id: a strict order, so a binary
 * search of its range finds it), -1 if the static filters left it out.
 */
static int64_t
column_pos(const struct mcols *col, uint32_t slot, int32_t base)
{
	const struct mcand	*c = &idx->cand[slot], *x;
	uint32_t		 r = column_range(col, c->zone, c->commune);
	size_t			 lo = col->rstart[r], hi = col->rstart[r + 1];
	size_t			 mid;
	int			 before;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		x = &idx->cand[col->slot[mid]];
		if (col->base[mid] != base)
			before = col->base[mid] > base;
		else if (x->oriented_on != c->oriented_on)
			before = x->oriented_on < c->oriented_on;
		else
			before = x->id < c->id;
		if (col->slot[mid] == slot)
			return ((int64_t)mid);
		if (before)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (-1);
}

/* Set slot's busy lane in the clean lists of every view that hold it; a
 * dirty list reads the bitmap when it is rebuilt. */
static void
busy_lanes(uint32_t slot, uint8_t on)
{
	const struct mcand	*c = &idx->cand[slot];
	struct view		*v;
	struct sorted		*s;
	uint16_t		 fam[16];
	int64_t			 pos;
	int			 i, j, n;

	n = families(c, fam);
	for (v = idx->views; v != NULL; v = v->next) {
		if (slot >= v->nbase)
			continue;	/* newer than the view: lists dirty */
		for (i = 0; i < c->nrome + n; i++) {
			if (i < c->nrome) {
				j = c->rome[i];
				s = &v->rome[j];
				if (s->n != idx->by_rome[j].n)
					continue;
			} else {
				j = fam[i - c->nrome];
				s = &v->family[j];
				if (s->n != idx->by_family[j].n)
					continue;
			}
			if (s->dirty || s->col.n == 0)
				continue;
			if ((pos = column_pos(&s->col, slot, v->base[slot])) >= 0)
				s->col.busy[pos] = on;
		}
	}
}

void
index_open(struct mcand *c, int delta)
{
	uint32_t	slot = (uint32_t)(c - idx->cand);
	int		was = c->open > 0;

	if (delta < 0 && c->open == 0)
		return;
	index_undo_open(slot, delta);
	c->open = (uint16_t)(c->open + delta);
	if (c->open > 0)
		idx->busy[slot / 64] |= 1ULL << (slot % 64);
	else
		idx->busy[slot / 64] &= ~(1ULL << (slot % 64));
	if (was != (c->open > 0))
		busy_lanes(slot, c->open > 0);
}

int
index_busy(uint32_t slot)
{
	return ((idx->busy[slot / 64] >> (slot % 64)) & 1);
}

int
index_refused(uint64_t candidate, uint64_t company, iod_date on)
{
	uint64_t	key = candidate << 32 | company;

	if (on <= hmap_get(&idx->refused, key))
		return (0);
	index_undo_refused(candidate, company, (iod_date)hmap_get(&idx->refused,
	    key), hmap_get(&idx->refusing, company));
	if (hmap_set(&idx->refused, key, on) != 0)
		return (IOD_ENOMEM);
	return (hmap_set(&idx->refusing, company,
	    hmap_get(&idx->refusing, company) + 1));
}

int
index_refused_restore(uint64_t candidate, uint64_t company, iod_date on,
    uint64_t refusing)
{
	if (hmap_set(&idx->refused, candidate << 32 | company, on) != 0)
		return (IOD_ENOMEM);
	return (hmap_set(&idx->refusing, company, refusing));
}

iod_date
index_refused_on(uint64_t candidate, uint64_t company)
{
	return ((iod_date)hmap_get(&idx->refused, candidate << 32 | company));
}

uint64_t
index_refusing(uint64_t company)
{
	return (hmap_get(&idx->refusing, company));
}

uint64_t
index_offer_open(uint64_t offer_id)
{
	return (hmap_get(&idx->offer_open, offer_id));
}

int
index_offer_open_set(uint64_t offer_id, uint64_t proposal_id)
{
	index_undo_offer(offer_id, hmap_get(&idx->offer_open, offer_id));
	return (hmap_set(&idx->offer_open, offer_id, proposal_id));
}

/* The sorted list of rs for rome, refreshed if a write dirtied it. */
static struct sorted *
sorted_get(const struct ruleset *rs, int rome, struct view **vp, int *rc)
{
	struct view	*v;
	struct sorted	*s;
	const struct plist *l;

	*rc = IOD_ENOMEM;
	if ((v = view_get(rs)) == NULL)
		return (NULL);
	if (rs->filters.rome_match == ROME_MATCH_FAMILY) {
		s = &v->family[idx->family_of[rome]];
		l = &idx->by_family[idx->family_of[rome]];
	} else {
		s = &v->rome[rome];
		l = &idx->by_rome[rome];
	}
	/* The columns hold the programme filter applied: follow the rule
	 * set's if it changed. */
	if (s->col.programmes != rs->filters.programmes)
		s->dirty = 1;
	if ((*rc = sorted_refresh(v, s, l)) != 0)
		return (NULL);
	*vp = v;
	return (s);
}

/* index_warm's lists, taken one at a time by its threads, the longest
 * first so that no thread is left alone with a long one at the end. */
struct warm {
	struct index	*idx;		/* the caller's */
	struct view	*v;
	struct warm_list {
		struct sorted		*s;
		const struct plist	*l;
	}		*list;
	size_t		 n;
	atomic_size_t	 next;
	atomic_int	 rc;
};

static int
warm_cmp(const void *a, const void *b)
{
	size_t	x = ((const struct warm_list *)a)->l->n;
	size_t	y = ((const struct warm_list *)b)->l->n;

	return (x > y ? -1 : x < y);
}

/* The index is the caller's, which waits: read only here, but for the
 * lists taken, each by one thread. */
static void
warm_run(void *arg, int i)
{
	struct warm	*w = arg;
	size_t		 k;
	int		 rc;

	(void)i;
	idx = w->idx;
	while ((k = atomic_fetch_add(&w->next, 1)) < w->n)
		if ((rc = sorted_refresh(w->v, w->list[k].s, w->list[k].l))
		    != 0)
			atomic_store(&w->rc, rc);
}

int
index_warm(const struct ruleset *rs)
{
	struct warm	 w;
	struct sorted	*s;
	size_t		 i, n, total = 0;
	int		 fam = rs->filters.rome_match == ROME_MATCH_FAMILY;

	memset(&w, 0, sizeof(w));
	if ((w.v = view_get(rs)) == NULL)
		return (IOD_ENOMEM);
	n = fam ? idx->nfamily : idx->nrome;
	if ((w.list = calloc(n ? n : 1, sizeof(*w.list))) == NULL)
		return (IOD_ENOMEM);
	for (i = 0; i < n; i++) {
		s = fam ? &w.v->family[i] : &w.v->rome[i];
		if (s->col.programmes != rs->filters.programmes)
			s->dirty = 1;	/* as sorted_get */
		w.list[w.n].s = s;
		w.list[w.n].l = fam ? &idx->by_family[i] : &idx->by_rome[i];
		if (!s->dirty && s->n == w.list[w.n].l->n)
			continue;
		total += w.list[w.n++].l->n;
	}
	qsort(w.list, w.n, sizeof(*w.list), warm_cmp);
	w.idx = idx;
	atomic_init(&w.next, 0);
	atomic_init(&w.rc, 0);
	index_threads_run(index_threads(total, 1 << 16), warm_run, &w);
	free(w.list);
	return (atomic_load(&w.rc));
}

/* The sorted list is refreshed here, on use, when a write dirtied it. */
int
index_candidates(const struct ruleset *rs, int rome,
    const struct pentry **list, uint32_t *n, const int16_t **territory)
{
	struct view	*v;
	struct sorted	*s;
	int		 rc;

	if ((s = sorted_get(rs, rome, &v, &rc)) == NULL)
		return (rc);
	*list = s->v;
	*n = (uint32_t)s->n;
	*territory = v->territory;
	return (0);
}

int
index_columns(const struct ruleset *rs, int rome, const struct mcols **cols)
{
	struct view	*v;
	struct sorted	*s;
	int		 rc;

	if ((s = sorted_get(rs, rome, &v, &rc)) == NULL)
		return (rc);
	*cols = &s->col;
	return (0);
}
