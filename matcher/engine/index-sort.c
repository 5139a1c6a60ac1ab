/*
 * index-sort.c — the order of a rule set's sorted lists (index.c): best
 * base score first, then the longest wait (the earliest orientation
 * day), then the smallest id.  Each candidate of a list gets a key that
 * packs those three, offset by the list's smallest values so that only
 * the bits that vary are sorted on, and the list is sorted by least
 * significant digit first radix passes, a byte a pass, a pass skipped
 * when every key has the same byte there.  Which lists, and when, is
 * index.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

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

int
index_sort(uint32_t *slots, size_t n, const int32_t *base,
    const struct mcand *cand)
{
	struct rkey	*mem, *a, *tmp;
	int64_t		 minb = INT32_MAX, maxb = INT32_MIN;
	uint64_t	 mino = UINT32_MAX, maxo = 0, minid = UINT64_MAX;
	uint64_t	 maxid = 0, hi;
	size_t		 i;
	int		 ob, ib, hb;
	uint32_t	 s;

	if (n < 2)
		return (0);
	if (n > UINT32_MAX ||
	    (mem = reallocarray(NULL, n, 2 * sizeof(*mem))) == NULL)
		return (IOD_ENOMEM);
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
	a = mem;
	tmp = mem + n;
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
	for (i = 0; i < n; i++)
		slots[i] = a[i].slot;
	free(mem);
	return (0);
}
