/*
 * column.c — a rule set's sorted list of candidates as columns (struct of
 * arrays) and the pass that filters them for one offer: every entry's
 * filter bits computed with no branch, so that the compiler vectorises
 * the loop, and the removals counted by the first filter failed.  The
 * filters that depend on the rule set alone are applied once, when the
 * columns are built.  The columns are split into ranges by where the
 * candidates can go: one range a territory for those whose mobility zone
 * stops at their commune or territory, one wide range for the others, each
 * in the list's order, so that an offer reads only the ranges that can
 * reach it.  Which lists exist and when they are rebuilt is index.c's; the
 * ranking and what a filter means to a user, match.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rules.h"

/* The bytes one entry takes across the columns. */
#define COL_ENTRY	(3 * sizeof(uint32_t) + 3 * sizeof(uint16_t) + 7)

static size_t
align64(size_t n)
{
	return ((n + 63) & ~(size_t)63);
}

/* Point the columns into cols->mem for cols->cap entries. */
static void
carve(struct mcols *c)
{
	char	*p = c->mem;
	size_t	 cap = c->cap;

#define TAKE(field) do {						\
	c->field = (void *)p;						\
	p += align64(cap * sizeof(*c->field));				\
} while (0)
	TAKE(slot);
	TAKE(pos);
	TAKE(base);
	TAKE(commune);
	TAKE(territory);
	TAKE(available);
	TAKE(flags);
	TAKE(zone);
	TAKE(schedule_ok);
	TAKE(max_hours);
	TAKE(contracts);
	TAKE(publics);
	TAKE(busy);
#undef TAKE
}

/* The range of a candidate who lives in commune with mobility zone. */
static inline uint32_t
range_of(const int16_t *terr, uint32_t nterr, uint8_t zone, int16_t commune)
{
	int16_t	t;

	if ((zone != ZONE_COMMUNE && zone != ZONE_TERRITORY) || commune < 0 ||
	    (t = terr[commune]) < 0 || (uint32_t)t >= nterr)
		return (nterr);
	return ((uint32_t)t);
}

uint32_t
column_range(const struct mcols *c, uint8_t zone, int16_t commune)
{
	return (range_of(c->terr, c->nranges - 1, zone, commune));
}

/* As match.c's check(), for what the offer does not change: the filter
 * e fails, or -1. */
static inline int
static_filter(const struct pentry *e, uint32_t programmes)
{
	if (!(e->flags & MC_ACTIVE))
		return (FILTER_STATUS);
	if (!(e->flags & MC_CONSENT))
		return (FILTER_CONSENT);
	if (programmes != 0 && !(programmes & (1u << e->programme)))
		return (FILTER_PROGRAMME);
	return (-1);
}

int
column_build(struct mcols *c, const struct pentry *list, uint32_t n,
    const struct ruleset *rs, const int16_t *terr, uint32_t nterr)
{
	const struct pentry	*e;
	uint32_t		 programmes = rs->filters.programmes;
	uint32_t		 i, k, r, *starts;
	int			 f;
	void			*mem;

	if (n > c->cap || c->mem == NULL) {
		/* 13 columns, each rounded up to a cache line. */
		if ((mem = aligned_alloc(64, align64(n ? n : 1) * COL_ENTRY +
		    13 * 64)) == NULL) {
			column_free(c);
			return (IOD_ENOMEM);
		}
		free(c->mem);
		c->mem = mem;
		c->cap = n ? n : 1;
		carve(c);
	}
	if (c->rstart == NULL || c->nranges != nterr + 1) {
		if ((starts = reallocarray(c->rstart, nterr + 2,
		    sizeof(*starts))) == NULL) {
			column_free(c);
			return (IOD_ENOMEM);
		}
		c->rstart = starts;
		c->nranges = nterr + 1;
	}
	memset(c->removed, 0, sizeof(c->removed));
	memset(c->rstart, 0, (nterr + 2) * sizeof(*c->rstart));
	c->terr = terr;
	c->listed = n;
	c->programmes = programmes;
	/* Each range's size, at rstart[r + 1]; then where each begins. */
	for (i = 0; i < n; i++) {
		e = &list[i];
		if ((f = static_filter(e, programmes)) >= 0) {
			c->removed[f]++;
			continue;
		}
		c->rstart[range_of(terr, nterr, e->zone, e->commune) + 1]++;
	}
	for (r = 0; r < c->nranges; r++)
		c->rstart[r + 1] += c->rstart[r];
	/* Placed in list order within each range, rstart[r] the next free
	 * entry of range r: it ends at the next range's start. */
	for (i = 0; i < n; i++) {
		e = &list[i];
		if (static_filter(e, programmes) >= 0)
			continue;
		k = c->rstart[range_of(terr, nterr, e->zone, e->commune)]++;
		c->slot[k] = e->slot;
		c->pos[k] = i;
		c->base[k] = e->base;
		c->commune[k] = e->commune;
		c->territory[k] = e->commune >= 0 ? terr[e->commune] : -1;
		c->available[k] = e->available;
		c->flags[k] = e->flags;
		c->zone[k] = e->zone;
		c->schedule_ok[k] = e->schedule_ok;
		c->max_hours[k] = e->max_hours;
		c->contracts[k] = e->contracts;
		c->publics[k] = e->publics;
		c->busy[k] = (uint8_t)index_busy(e->slot);
	}
	memmove(c->rstart + 1, c->rstart, c->nranges * sizeof(*c->rstart));
	c->rstart[0] = 0;
	c->n = c->rstart[c->nranges];
	return (0);
}

void
column_free(struct mcols *c)
{
	free(c->mem);
	free(c->rstart);
	memset(c, 0, sizeof(*c));
}

/*
 * The pass over entries [lo, hi), at most 255 of them so that a byte
 * counts each filter, fm[i - lo] their bits.  Each filter is a
 * comparison turned into a bit, so the loop has no branch; f & -f keeps
 * the first filter failed, whose bits are summed one counter a filter.
 */
static inline __attribute__((always_inline)) void
pass(const struct mcols *c, const struct mcprobe *p, uint8_t *restrict fm,
    uint32_t lo, uint32_t hi, uint32_t *cnt)
{
	const uint8_t	*busy = c->busy, *contracts = c->contracts;
	const uint8_t	*max_hours = c->max_hours, *sched = c->schedule_ok;
	const uint8_t	*flags = c->flags, *zone = c->zone;
	const uint16_t	*available = c->available;
	const int16_t	*commune = c->commune, *territory = c->territory;
	/* The offer's values in locals: fm's stores cannot change them. */
	const uint8_t	 exclusive = p->exclusive, contract = p->contract;
	const uint8_t	 contract_bit = p->contract_bit, hours = p->hours;
	const uint8_t	 hours_lim = p->hours_lim, schedule = p->schedule;
	const uint8_t	 schedule_hi = p->schedule_hi;
	const uint8_t	 schedule_mask = p->schedule_mask;
	const uint8_t	 availability = p->availability;
	const uint16_t	 available_lim = p->available_lim;
	const uint8_t	 licence = p->licence, need = p->licence_need;
	const uint8_t	 zone_on = p->zone, o_unknown = p->commune_unknown;
	const int16_t	 o_commune = p->commune, o_territory = p->territory;
	uint8_t		 n0 = 0, n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0;
	uint8_t		 n6 = 0, n7 = 0;
	uint32_t	 i;

	for (i = lo; i < hi; i++) {
		uint8_t	f, first, same, tok, zc, zt, unknown;

		/* Bytes throughout: 32 entries a vector, none widened. */
		same = commune[i] == o_commune;
		tok = (territory[i] >= 0) & (territory[i] == o_territory);
		unknown = (commune[i] < 0) | o_unknown;
		zc = zone[i] == ZONE_COMMUNE;
		zt = zone[i] == ZONE_TERRITORY;
		f = fm[i - lo] | (uint8_t)((busy[i] & exclusive) << 1);
		f |= (uint8_t)((contract & (contracts[i] != 0) &
		    ((contracts[i] & contract_bit) == 0)) << 3);
		f |= (uint8_t)((hours &
		    ((uint8_t)(max_hours[i] - 1) < hours_lim)) << 4);
		f |= (uint8_t)((schedule & (schedule_hi |
		    ((schedule_mask & (uint8_t)~sched[i]) != 0))) << 5);
		f |= (uint8_t)((availability &
		    (available[i] > available_lim)) << 6);
		f |= (uint8_t)((licence & ((flags[i] & need) != need)) << 7);
		f |= (uint8_t)(zone_on & ((zc & (same ^ 1)) |
		    (zt & (same ^ 1) & (tok ^ 1)) |
		    (((zc | zt) ^ 1) & unknown)));
		fm[i - lo] = f;
		first = f & (uint8_t)-f;
		n0 += first & 1;
		n1 += (first >> 1) & 1;
		n2 += (first >> 2) & 1;
		n3 += (first >> 3) & 1;
		n4 += (first >> 4) & 1;
		n5 += (first >> 5) & 1;
		n6 += (first >> 6) & 1;
		n7 += (first >> 7) & 1;
	}
	cnt[0] += n0;
	cnt[1] += n1;
	cnt[2] += n2;
	cnt[3] += n3;
	cnt[4] += n4;
	cnt[5] += n5;
	cnt[6] += n6;
	cnt[7] += n7;
}

/* Blocks of 224 entries (7 vectors of 32): byte counters cannot wrap.
 * Cloned for AVX2 where the CPU has it. */
__attribute__((target_clones("avx2", "default")))
uint32_t
column_filter(const struct mcols *c, uint32_t lo, uint32_t hi,
    const struct mcprobe *p, uint8_t *fm, uint32_t removed[FILTER__N])
{
	uint32_t	cnt[8] = { 0 }, at, end, k, failed = 0;

	for (at = lo; at < hi; at = end) {
		end = hi - at > 224 ? at + 224 : hi;
		pass(c, p, fm + (at - lo), at, end, cnt);
	}
	for (k = 0; k < 8; k++) {
		removed[FILTER_ZONE + k] += cnt[k];
		failed += cnt[k];
	}
	return (hi - lo - failed);
}
