/*
 * hmap.c — a small map from 64-bit keys to 64-bit values, open addressing
 * with linear probing and backward-shift deletion, for the daemon's and
 * the domain's bookkeeping (connections by bufferevent, refusals by
 * company, report tallies) as well as the matching index.  Keys and
 * values are never 0: 0 is "absent" on reading and "remove" on writing.
 * It owns its two arrays and nothing they stand for.
 */
#include <stdlib.h>
#include <string.h>

#include "profiles.h"

/* A murmur3 finalizer: ids are dense, so their low bits need spreading. */
static uint64_t
hmap_mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (k);
}

uint64_t
hmap_get(const struct hmap *h, uint64_t key)
{
	size_t	i;

	if (h->cap == 0)
		return (0);
	for (i = hmap_mix(key) & (h->cap - 1); h->keys[i] != 0;
	    i = (i + 1) & (h->cap - 1))
		if (h->keys[i] == key)
			return (h->vals[i]);
	return (0);
}

int
hmap_set(struct hmap *h, uint64_t key, uint64_t val)
{
	struct hmap	 n;
	size_t		 i, j, k;

	if (val != 0 && (h->n + 1) * 2 > h->cap) {
		memset(&n, 0, sizeof(n));
		n.cap = h->cap ? h->cap * 2 : 64;
		if ((n.keys = calloc(n.cap, 8)) == NULL ||
		    (n.vals = calloc(n.cap, 8)) == NULL) {
			free(n.keys);
			return (IOD_ENOMEM);
		}
		for (i = 0; i < h->cap; i++)
			if (h->keys[i] != 0)
				hmap_set(&n, h->keys[i], h->vals[i]);
		free(h->keys);
		free(h->vals);
		*h = n;
	}
	if (h->cap == 0)
		return (0);
	for (i = hmap_mix(key) & (h->cap - 1); h->keys[i] != 0;
	    i = (i + 1) & (h->cap - 1)) {
		if (h->keys[i] != key)
			continue;
		if (val != 0) {
			h->vals[i] = val;
			return (0);
		}
		/* Remove, shifting back the entries displaced past i. */
		h->keys[i] = 0;
		h->n--;
		for (j = (i + 1) & (h->cap - 1); h->keys[j] != 0;
		    j = (j + 1) & (h->cap - 1)) {
			k = hmap_mix(h->keys[j]) & (h->cap - 1);
			if ((j > i && (k <= i || k > j)) ||
			    (j < i && (k <= i && k > j))) {
				h->keys[i] = h->keys[j];
				h->vals[i] = h->vals[j];
				h->keys[j] = 0;
				i = j;
			}
		}
		return (0);
	}
	if (val == 0)
		return (0);
	h->keys[i] = key;
	h->vals[i] = val;
	h->n++;
	return (0);
}

void
hmap_free(struct hmap *h)
{
	if (h == NULL)
		return;
	free(h->keys);
	free(h->vals);
	memset(h, 0, sizeof(*h));
}
