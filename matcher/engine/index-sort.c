/*
 * index-sort.c — the order of a rule set's sorted lists (index.c): best
 * base score first (index_base_score: publics, QPV, months of waiting),
 * then the longest wait (the earliest orientation day), then the
 * smallest id; and the packed entry of a candidate in a list
 * (index_pack).  Each candidate of a list gets a key that packs those
 * three, offset by the list's smallest values so that only the bits that
 * vary are sorted on, and the list is sorted by least significant digit
 * first radix passes, a byte a pass, a pass skipped when every key has
 * the same byte there.  Which lists, and when, is index.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rules.h"

#define PREFETCH	16	/* entries read ahead of the one packed */

struct rkey {
	uint64_t	 key;
	uint32_t	 slot;
};

static int
bits(uint64_t range)
{
	int	b = 0;

	while (b < 64 && (range >> b) != 0)
		b++;
	return (b);
}

/* Stable sort of a (n entries) on the low nbits of key; tmp as large.
 * The result is in *a or *tmp: *a is made to point to it. */
static void
radix(struct rkey **a, struct rkey **tmp, size_t n, int nbits)
{
	uint32_t	 count[8][256];
	struct rkey	*from = *a, *to = *tmp, *t;
	size_t		 i;
	uint32_t	 sum, c;
	int		 d, nd = (nbits + 7) / 8;

	memset(count, 0, sizeof(count[0]) * (size_t)nd);
	for (i = 0; i < n; i++)
		for (d = 0; d < nd; d++)
			count[d][(from[i].key >> (8 * d)) & 0xff]++;
	for (d = 0; d < nd; d++) {
		if (count[d][(from[0].key >> (8 * d)) & 0xff] == n)
			continue;	/* every key has this byte */
		for (sum = 0, c = 0; c < 256; c++) {
			uint32_t k = count[d][c];

			count[d][c] = sum;
			sum += k;
		}
		for (i = 0; i < n; i++)
			to[count[d][(from[i].key >> (8 * d)) & 0xff]++] =
			    from[i];
		t = from;
		from = to;
		to = t;
	}
	*a = from;
	*tmp = to;
}

/* Sort the n entries of slots into mem (2n keys): the sorted keys are
 * returned, .slot each one's slot. */
static struct rkey *
order(struct rkey *mem, const uint32_t *slots, size_t n, const int32_t *base,
    const struct mcand *cand)
{
	struct rkey	*a = mem, *tmp = mem + n;
	int64_t		 minb = INT32_MAX, maxb = INT32_MIN;
	uint64_t	 mino = UINT32_MAX, maxo = 0, minid = UINT64_MAX;
	uint64_t	 maxid = 0, hi;
	size_t		 i;
	int		 ob, ib, hb;
	uint32_t	 s;

	for (i = 0; i < n; i++) {
		s = slots[i];
		if (base[s] < minb)
			minb = base[s];
		if (base[s] > maxb)
			maxb = base[s];
		if (cand[s].oriented_on < mino)
			mino = cand[s].oriented_on;
		if (cand[s].oriented_on > maxo)
			maxo = cand[s].oriented_on;
		if (cand[s].id < minid)
			minid = cand[s].id;
		if (cand[s].id > maxid)
			maxid = cand[s].id;
	}
	ob = bits(maxo - mino);
	ib = bits(maxid - minid);
	hb = bits((uint64_t)(maxb - minb)) + ob;	/* at most 64 */
	/* The base score's and the day's part: lower is better. */
#define HI(s)	((uint64_t)(maxb - base[s]) << ob | (cand[s].oriented_on - mino))
	if (hb + ib <= 64) {
		for (i = 0; i < n; i++) {
			s = slots[i];
			hi = HI(s);
			a[i].key = (ib < 64 ? hi << ib : 0) |
			    (cand[s].id - minid);
			a[i].slot = s;
		}
		radix(&a, &tmp, n, hb + ib);
	} else {
		/* Too wide for one key: by id, then (stable) by the rest. */
		for (i = 0; i < n; i++) {
			a[i].key = cand[slots[i]].id - minid;
			a[i].slot = slots[i];
		}
		radix(&a, &tmp, n, ib);
		for (i = 0; i < n; i++)
			a[i].key = HI(a[i].slot);
		radix(&a, &tmp, n, hb);
	}
#undef HI
	return (a);
}

int
index_sort(uint32_t *slots, size_t n, const int32_t *base,
    const struct mcand *cand)
{
	struct rkey	*mem, *a;
	size_t		 i;

	if (n < 2)
		return (0);
	if (n > UINT32_MAX ||
	    (mem = reallocarray(NULL, n, 2 * sizeof(*mem))) == NULL)
		return (IOD_ENOMEM);
	a = order(mem, slots, n, base, cand);
	for (i = 0; i < n; i++)
		slots[i] = a[i].slot;
	free(mem);
	return (0);
}

/*
 * Each candidate is read once, in the list's order of slots (ascending,
 * as the lists grow: in the order they lie): packed, and what its key
 * needs kept beside; the keys are made from those, sorted, and the
 * packed entries, smaller, put in their order.
 */
int
index_sort_pack(struct pentry *out, const uint32_t *slots, size_t n,
    const int32_t *base, const struct mcand *cand)
{
	const struct mcand	*c;
	struct pentry		*p = NULL;
	struct rkey		*mem = NULL, *a, *tmp;
	uint64_t		*hi = NULL;
	int64_t			 minb = INT32_MAX, maxb = INT32_MIN;
	uint64_t		 mino = UINT32_MAX, maxo = 0, minid = UINT64_MAX;
	uint64_t		 maxid = 0;
	size_t			 i, m = n ? n : 1;
	int			 ob, ib, hb, rc = IOD_ENOMEM;
	uint32_t		 s;

	if (n > UINT32_MAX ||
	    (mem = reallocarray(NULL, m, 2 * sizeof(*mem))) == NULL ||
	    (p = reallocarray(NULL, m, sizeof(*p))) == NULL ||
	    (hi = reallocarray(NULL, m, sizeof(*hi))) == NULL)
		goto out;
	a = mem;
	tmp = mem + n;
	for (i = 0; i < n; i++) {
		/* A list's slots are scattered: ask for them ahead. */
		if (i + PREFETCH < n) {
			__builtin_prefetch(&cand[slots[i + PREFETCH]]);
			__builtin_prefetch(&base[slots[i + PREFETCH]]);
		}
		s = slots[i];
		c = &cand[s];
		index_pack(&p[i], s, c, base[s]);
		if (base[s] < minb)
			minb = base[s];
		if (base[s] > maxb)
			maxb = base[s];
		if (c->oriented_on < mino)
			mino = c->oriented_on;
		if (c->oriented_on > maxo)
			maxo = c->oriented_on;
		if (c->id < minid)
			minid = c->id;
		if (c->id > maxid)
			maxid = c->id;
		a[i].key = c->id;
		a[i].slot = (uint32_t)i;
		hi[i] = c->oriented_on;
	}
	if (n > 1) {
		ob = bits(maxo - mino);
		ib = bits(maxid - minid);
		hb = bits((uint64_t)(maxb - minb)) + ob;	/* at most 64 */
		/* As order(): the base score's and the day's part. */
		for (i = 0; i < n; i++)
			hi[i] = (uint64_t)(maxb - p[i].base) << ob |
			    (hi[i] - mino);
		if (hb + ib <= 64) {
			for (i = 0; i < n; i++)
				a[i].key = (ib < 64 ? hi[i] << ib : 0) |
				    (a[i].key - minid);
			radix(&a, &tmp, n, hb + ib);
		} else {
			for (i = 0; i < n; i++)
				a[i].key -= minid;
			radix(&a, &tmp, n, ib);
			for (i = 0; i < n; i++)
				a[i].key = hi[a[i].slot];
			radix(&a, &tmp, n, hb);
		}
	}
	for (i = 0; i < n; i++)
		out[i] = p[a[i].slot];
	rc = 0;
out:
	free(hi);
	free(p);
	free(mem);
	return (rc);
}

/* Full months from a to b (0 if b is before a). */
static int
months_between(iod_date a, iod_date b)
{
	int	m;

	if (a == 0 || b <= a)
		return (0);
	m = (int)(b / 10000 - a / 10000) * 12 + (int)(b / 100 % 100) -
	    (int)(a / 100 % 100);
	if (b % 100 < a % 100)
		m--;
	return (m < 0 ? 0 : m);
}

int32_t
index_base_score(const struct ruleset *rs, const struct mcand *c,
    iod_date today)
{
	const struct ruleset_weights	*w = &rs->weights;
	int32_t				 s = 0;
	int				 i, m;

	for (i = 0; i < PUBLIC__N; i++)
		if (c->publics & (1u << i))
			s += w->publics[i];
	if (c->flags & MC_QPV)
		s += w->qpv;
	m = months_between(c->oriented_on, today);
	if (m > w->waiting_cap_months)
		m = w->waiting_cap_months;
	return (s + m * w->waiting_per_month);
}

void
index_pack(struct pentry *e, uint32_t slot, const struct mcand *c,
    int32_t base)
{
	int32_t	days;

	memset(e, 0, sizeof(*e));
	e->slot = slot;
	e->base = base;
	e->commune = c->commune;
	days = c->available_on != 0 ? date_to_days(c->available_on) : 0;
	e->available = days > 0 && days < 65536 ? (uint16_t)days : 0;
	e->flags = c->flags;
	e->programme = c->programme;
	e->zone = c->zone;
	e->schedule_ok = c->schedule_ok;
	e->max_hours = c->max_hours;
	e->contracts = (uint8_t)c->contracts;
	e->publics = (uint8_t)c->publics;
}
