/*
 * index-load.c — the start-up's half of the index: every candidate of the
 * store put into it, each read in place from its stored bytes, only the
 * fields the index keeps (rec_decode_fields: store_open checked the
 * bytes), and what the index keeps of a candidate (index_compact).  The
 * records are decoded on index_threads threads (index-threads.c), the
 * ids cut into ranges that each thread takes in turn with a read txn of
 * its own, and put into the index on the caller's thread range after
 * range, in id order: the index a single thread builds, slot for slot.
 * What the index holds and how it is sorted is index.c's and
 * index-sort.c's; the policy state is the domain's to load after.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define LOAD_GRAIN	8192	/* records worth a thread; a range's size */
#define LOAD_RANGES_MAX	4096

/* What compact() reads of a candidate: no more is decoded. */
static const char *const index_fields[] = { "id", "commune", "qpv",
    "programme", "oriented_on", "publics", "rome", "contracts",
    "max_weekly_hours", "schedule_ok", "mobility", "available_on",
    "consent", "status", NULL };

/*
 * refdata's index of a ROME code or a commune, by the code's bytes: a
 * thread's cache, for one load, in front of refdata's binary searches
 * (the same few hundred codes come back in every record).
 */
#define CODES_BITS	11
struct codes {
	uint64_t	 key[1 << CODES_BITS];	/* 0: empty */
	int32_t		 val[1 << CODES_BITS];
};

/* One thread's: the records decoded one after another into one arena. */
struct decoder {
	uint64_t		 want;
	struct rec_arena	 arena;
	struct codes		 rome, commune;
};

/* A range of keys, from its first to the next range's, decoded. */
struct range {
	unsigned char	 from[8];	/* big-endian id; range 0: the first */
	struct mcand	*c;		/* its candidates, in key order */
	size_t		 n, cap;
	int		 rc;
	int		 done;		/* under load.lock */
};

struct load {
	struct txn	*t;		/* the caller's, borrowed */
	uint64_t	 want;
	struct range	*r;
	size_t		 nr;
	atomic_size_t	 next;		/* the next range to take */
	atomic_int	 stop;		/* a range failed: take no more */
	pthread_mutex_t	 lock;
	pthread_cond_t	 decoded;	/* a range is done */
	struct spare {			/* under lock: arrays put, for reuse */
		struct mcand	*c;
		size_t		 cap;
	}		*spare;
	size_t		 nspare;
	int		 rc;		/* the caller's */
};

/* One range being decoded by one thread. */
struct scan {
	struct decoder		*d;	/* the thread's */
	struct range		*r;
	const unsigned char	*to;	/* the next range's first key, or NULL */
};

/* The index of s by lookup (refdata's), through cache if not NULL. */
static int
code_index(struct codes *cache, const char *s, int (*lookup)(const char *))
{
	uint64_t	k = 0;
	size_t		len, h;

	if (cache == NULL || s == NULL || (len = strlen(s)) == 0 || len > 7)
		return (lookup(s));
	memcpy(&k, s, len);
	k |= (uint64_t)len << 56;
	h = (size_t)((k * 0x9e3779b97f4a7c15ULL) >> (64 - CODES_BITS));
	if (cache->key[h] != k) {
		cache->key[h] = k;
		cache->val[h] = lookup(s);
	}
	return (cache->val[h]);
}

/* index_compact's work, refdata's lookups through d's caches (d may be
 * NULL). */
static void
compact(struct mcand *c, const struct candidate *k, struct decoder *d)
{
	size_t	i;
	int	r, j;

	memset(c, 0, sizeof(*c));
	c->id = k->id;
	c->publics = k->publics;
	c->contracts = k->contracts;
	c->oriented_on = k->oriented_on;
	c->available_on = k->available_on;
	c->commune = (int16_t)code_index(d != NULL ? &d->commune : NULL,
	    k->commune, refdata_commune_index);
	c->programme = (uint8_t)k->programme;
	c->zone = (uint8_t)k->mobility.zone;
	c->schedule_ok = (uint8_t)k->schedule_ok;
	c->max_hours = (uint8_t)k->max_weekly_hours;
	c->flags = MC_LIVE;
	c->status = (uint8_t)k->status;
	if (k->status == CAND_ACTIVE)
		c->flags |= MC_ACTIVE;
	if (k->consent.on != 0)
		c->flags |= MC_CONSENT;
	if (k->qpv)
		c->flags |= MC_QPV;
	if (k->mobility.licence_b)
		c->flags |= MC_LICENCE;
	if (k->mobility.vehicle)
		c->flags |= MC_VEHICLE;
	/* A code sought twice is kept once: the record may repeat it, and
	 * a slot twice in a posting list would be counted, and ranked,
	 * twice. */
	for (i = 0; i < k->nrome && c->nrome < 16; i++) {
		if ((r = code_index(d != NULL ? &d->rome : NULL, k->rome[i],
		    refdata_rome_index)) < 0)
			continue;
		for (j = 0; j < c->nrome && c->rome[j] != r; j++)
			;
		if (j == c->nrome)
			c->rome[c->nrome++] = (uint16_t)r;
	}
}

void
index_compact(struct mcand *c, const struct candidate *k)
{
	compact(c, k, NULL);
}

/* Decode one stored candidate into c (OUT). */
static int
decode(struct decoder *d, struct mcand *c, const void *v, size_t vl)
{
	struct candidate	k;
	int			rc;

	memset(&k, 0, sizeof(k));
	if ((rc = rec_decode_fields(&candidate_schema, &k, v, vl, d->want,
	    &d->arena)) != 0)
		return (rc);
	compact(c, &k, d);
	return (0);
}

/* A single thread's load: each record put as it is decoded. */
static int
put_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct mcand	c;
	int		rc;

	(void)k; (void)kl;
	if ((rc = decode(arg, &c, v, vl)) != 0)
		return (rc);
	return (index_put_compact(&c));
}

/* LMDB's order of keys: bytes, then the shorter first. */
static int
key_before(const void *k, size_t kl, const unsigned char *to)
{
	int	c = memcmp(k, to, kl < 8 ? kl : 8);

	return (c < 0 || (c == 0 && kl < 8));
}

static int
scan_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct scan		*s = arg;
	struct range		*r = s->r;
	struct mcand		*p;
	size_t			 cap;
	int			 rc;

	if (s->to != NULL && !key_before(k, kl, s->to))
		return (1);
	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : LOAD_GRAIN;
		if ((p = reallocarray(r->c, cap, sizeof(*p))) == NULL)
			return (IOD_ENOMEM);
		r->c = p;
		r->cap = cap;
	}
	if ((rc = decode(s->d, &r->c[r->n], v, vl)) != 0)
		return (rc);
	r->n++;
	return (0);
}

/* Decode range i with t (the thread's) and say so. */
static void
decode_range(struct load *l, struct txn *t, struct decoder *d, size_t i)
{
	struct scan	s;
	struct range	*r = &l->r[i];
	int		 rc;

	s.d = d;
	s.r = r;
	s.to = i + 1 < l->nr ? l->r[i + 1].from : NULL;
	/* The array of a range already put: its pages are there, and
	 * likely in the cache. */
	pthread_mutex_lock(&l->lock);
	if (l->nspare > 0) {
		l->nspare--;
		r->c = l->spare[l->nspare].c;
		r->cap = l->spare[l->nspare].cap;
	}
	pthread_mutex_unlock(&l->lock);
	rc = store_scan(t, DB_CANDIDATES, r->from, i > 0 ? 8 : 0, 0, scan_cb,
	    &s);
	if (rc != 0)
		atomic_store(&l->stop, 1);
	pthread_mutex_lock(&l->lock);
	r->rc = rc;
	r->done = 1;
	pthread_cond_broadcast(&l->decoded);
	pthread_mutex_unlock(&l->lock);
}

/* The next range to decode: 1 and *i, or 0 when none is left. */
static int
take(struct load *l, size_t *i)
{
	if (atomic_load(&l->stop))
		return (0);
	*i = atomic_fetch_add(&l->next, 1);
	return (*i < l->nr);
}

/*
 * Each thread decodes the ranges it takes; the caller's (i 0) also puts
 * every range into the index, in order, as soon as it is decoded, and
 * decodes while the next one is not.  A range failed: the ranges before
 * it and what it decoded are put, as a single thread would have.
 */
static void
load_run(void *arg, int i)
{
	struct load		*l = arg;
	struct decoder		 d;
	struct range		*r;
	struct txn		 t;
	size_t			 k, put, j;
	int			 done;

	memset(&d, 0, sizeof(d));
	d.want = l->want;
	if (i != 0) {
		/* One that cannot begin leaves its share to the others. */
		if (store_reader_begin(l->t->st, &t) == 0) {
			while (take(l, &k))
				decode_range(l, &t, &d, k);
			store_reader_end(&t);
		}
		rec_arena_free(&d.arena);
		return;
	}
	for (put = 0; put < l->nr; ) {
		r = &l->r[put];
		pthread_mutex_lock(&l->lock);
		done = r->done;
		pthread_mutex_unlock(&l->lock);
		if (!done && take(l, &k)) {
			decode_range(l, l->t, &d, k);
			continue;
		}
		pthread_mutex_lock(&l->lock);
		while (!r->done)
			pthread_cond_wait(&l->decoded, &l->lock);
		pthread_mutex_unlock(&l->lock);
		for (j = 0; j < r->n && l->rc == 0; j++)
			l->rc = index_put_compact(&r->c[j]);
		if (l->rc == 0)
			l->rc = r->rc;
		pthread_mutex_lock(&l->lock);
		l->spare[l->nspare].c = r->c;
		l->spare[l->nspare++].cap = r->cap;
		pthread_mutex_unlock(&l->lock);
		r->c = NULL;
		if (l->rc != 0) {
			atomic_store(&l->stop, 1);
			break;
		}
		put++;
	}
	rec_arena_free(&d.arena);
}

/* The first key at or after a search's. */
struct first {
	unsigned char	 key[8];
	int		 found;		/* 1, or -1: not an id's 8 bytes */
};

static int
first_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct first	*f = arg;

	(void)v; (void)vl;
	f->found = kl == 8 ? 1 : -1;
	if (kl == 8)
		memcpy(f->key, k, 8);
	return (1);
}

/* The first id stored at id or after: 1 and *at, 0 if none, 2 if the
 * key there is not an id, or an IOD_E* code. */
static int
id_at(struct txn *t, uint64_t id, uint64_t *at)
{
	struct first	f;
	unsigned char	key[8];
	int		i, rc;

	for (i = 0; i < 8; i++)
		key[i] = (unsigned char)(id >> (56 - 8 * i));
	memset(&f, 0, sizeof(f));
	if ((rc = store_scan(t, DB_CANDIDATES, key, 8, 0, first_cb, &f)) != 0)
		return (rc);
	if (f.found != 1)
		return (f.found == 0 ? 0 : 2);
	for (*at = 0, i = 0; i < 8; i++)
		*at = *at << 8 | f.key[i];
	return (1);
}

/*
 * Cut the store's ids into ranges of about LOAD_GRAIN candidates, at
 * least 4 a thread so that one slowed down holds the others back little,
 * evenly between the first id and the last (found by halves): 0, with
 * l->nr 0 if the keys are not all ids, or an IOD_E* code.
 */
static int
ranges(struct load *l, size_t n, int nth)
{
	uint64_t	first, lo, hi, mid, at, step, x;
	size_t		want;
	int		i, rc;

	if ((rc = id_at(l->t, 0, &first)) != 1)
		return (rc < 0 ? rc : 0);
	for (lo = first, hi = UINT64_MAX; lo < hi; ) {
		mid = lo + (hi - lo - 1) / 2 + 1;	/* lo < mid <= hi */
		if ((rc = id_at(l->t, mid, &at)) < 0)
			return (rc);
		if (rc == 2)
			return (0);
		if (rc == 1)
			lo = at;
		else
			hi = mid - 1;
	}
	want = n / LOAD_GRAIN;
	if (want < (size_t)nth * 4)
		want = (size_t)nth * 4;
	if (want > LOAD_RANGES_MAX)
		want = LOAD_RANGES_MAX;
	if ((l->r = calloc(want, sizeof(*l->r))) == NULL)
		return (IOD_ENOMEM);
	step = (lo - first) / want + 1;
	for (l->nr = 1, x = first; l->nr < want && lo - x >= step; l->nr++) {
		x += step;
		for (i = 0; i < 8; i++)
			l->r[l->nr].from[i] = (unsigned char)(x >> (56 - 8 * i));
	}
	return (0);
}

int
index_load(struct txn *t)
{
	struct decoder		 one;
	struct load		 l;
	size_t			 n, i;
	int			 nth, rc;

	memset(&l, 0, sizeof(l));
	l.t = t;
	l.want = rec_fields_mask(&candidate_schema, index_fields);
	n = store_count(t, DB_CANDIDATES);
	if ((nth = index_threads(n, LOAD_GRAIN)) > 1 &&
	    (rc = ranges(&l, n, nth)) != 0)
		return (rc);
	if (l.nr < 2) {
		/* One thread: each record put as it is decoded. */
		free(l.r);
		memset(&one, 0, sizeof(one));
		one.want = l.want;
		rc = store_scan(t, DB_CANDIDATES, NULL, 0, 0, put_cb, &one);
		rec_arena_free(&one.arena);
		return (rc);
	}
	if ((l.spare = calloc(l.nr, sizeof(*l.spare))) == NULL) {
		free(l.r);
		return (IOD_ENOMEM);
	}
	atomic_init(&l.next, 0);
	atomic_init(&l.stop, 0);
	pthread_mutex_init(&l.lock, NULL);
	pthread_cond_init(&l.decoded, NULL);
	index_threads_run(nth, load_run, &l);
	for (i = 0; i < l.nr; i++)
		free(l.r[i].c);
	for (i = 0; i < l.nspare; i++)
		free(l.spare[i].c);
	free(l.spare);
	pthread_cond_destroy(&l.decoded);
	pthread_mutex_destroy(&l.lock);
	free(l.r);
	return (l.rc);
}
