/*
 * test_index_load.c — unit tests of the index's start-up (index-load.c,
 * index_warm, index-threads.c) on a store of a few thousand generated
 * candidates (fixed seed, ids with gaps, codes repeated or unknown): the
 * index loaded on 2, 3 and 7 threads is the one loaded on a single
 * thread, slot for slot, and every sorted list index_warm makes on those
 * threads, for a rule set by ROME family and one by exact code, is the
 * one a search makes alone (index_candidates on a single thread), entry
 * for entry and column for column; a store smaller than the threads, an
 * empty one, and one with a record that does not decode (each thread
 * count stops at it, with the same candidates put before).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "rules.h"

#define NCAND		3000
#define RULES		"rules/iod-plie.yaml"

static const struct refdata	*ref;
static struct ruleset		*rs_family, *rs_exact;
static uint64_t			 rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: the same sequence on every run. */
static uint32_t
rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return ((uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32) % n);
}

/* ---- the store ---------------------------------------------------------- */

struct tstore {
	char		 dir[64];
	struct store	*st;
};

static void
tstore_open(struct tstore *s)
{
	char	*cause = NULL;

	snprintf(s->dir, sizeof(s->dir), "/tmp/test_index_load.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	if (store_open(&s->st, s->dir, 64u << 20, 1u << 30, &cause) != 0)
		fail_msg("store_open: %s", cause);
}

static void
tstore_close(struct tstore *s)
{
	char	p[128];

	store_close(s->st);
	snprintf(p, sizeof(p), "%s/data.mdb", s->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", s->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/store.id", s->dir);
	unlink(p);
	rmdir(s->dir);
}

/* A candidate drawn: real and unknown communes and codes, a code
 * sometimes twice, every status, the fields the index reads varied. */
static void
gen_candidate(struct candidate *c, uint64_t id, char **rome, char *commune)
{
	size_t	i;

	memset(c, 0, sizeof(*c));
	c->id = id;
	c->first_name = "Camille";
	c->last_name = "Martin";
	snprintf(commune, 6, "%s", rnd(20) == 0 ? "99999" :
	    ref->communes[rnd((uint32_t)ref->ncommunes)].insee);
	c->commune = commune;
	c->qpv = (int)rnd(2);
	c->programme = (int)rnd(PROGRAMME__N);
	/* Few days, so that base score and day often tie: the id decides. */
	c->oriented_on = 20250101 + rnd(3) * 100;
	c->publics = rnd(1u << PUBLIC__N);
	c->nrome = rnd(5);
	for (i = 0; i < c->nrome; i++)
		rome[i] = i > 0 && rnd(4) == 0 ? rome[i - 1] : rnd(30) == 0 ?
		    "Z9999" : ref->rome[rnd(40) * 7 % ref->nrome];
	c->rome = rome;
	c->contracts = rnd(1u << CONTRACT__N);
	c->max_weekly_hours = rnd(49);
	c->schedule_ok = rnd(1u << SCHEDULE__N);
	c->mobility.zone = (int)rnd(ZONE__N);
	c->mobility.licence_b = (int)rnd(2);
	c->mobility.vehicle = (int)rnd(2);
	c->available_on = rnd(3) == 0 ? 0 : 20261101 + rnd(28);
	c->consent.on = rnd(5) == 0 ? 0 : 20250301;
	c->status = (int)rnd(CAND__N);
}

/* n candidates, ids from first with gaps; bad: the id of a record
 * stored as bytes that do not decode (0: none). */
static void
tstore_fill(struct tstore *s, size_t n, uint64_t first, uint64_t bad)
{
	struct candidate	 c;
	struct txn		 t;
	char			*rome[4], commune[6];
	uint64_t		 id = first;
	size_t			 i;

	assert_int_equal(store_begin(s->st, &t, 1, NULL), 0);
	for (i = 0; i < n; i++) {
		gen_candidate(&c, id, rome, commune);
		assert_int_equal(store_put_rec(&t, DB_CANDIDATES, id,
		    &candidate_schema, &c), 0);
		id += 1 + (rnd(8) == 0 ? rnd(50) : 0);
	}
	if (bad != 0)
		assert_int_equal(store_put_id(&t, DB_CANDIDATES, bad,
		    "\x92\xc1\xc1", 3), 0);
	assert_int_equal(store_commit(&t), 0);
}

/* index_load on threads threads into a fresh index: its return. */
static int
load(struct tstore *s, int threads)
{
	struct txn	t;
	int		rc;

	index_free();
	assert_int_equal(index_init(), 0);
	index_set_threads(threads);
	assert_int_equal(store_begin(s->st, &t, 0, NULL), 0);
	rc = index_load(&t);
	store_abort(&t);
	return (rc);
}

/* ---- the index, kept to compare ----------------------------------------- */

struct tlist {
	struct pentry	*v;
	uint32_t	 n;
	struct mcols	 col;		/* copies of the columns */
	uint32_t	*rstart;
};

struct tindex {
	struct mcand	*cand;
	size_t		 ncand;
	uint32_t	 live;
	uint64_t	 by_status[CAND__N];
	struct tlist	*list[2];	/* by family, by exact code */
};

#define COPY(dst, src, n) do {						\
	(dst) = malloc(((n) ? (n) : 1) * sizeof(*(src)));		\
	assert_non_null(dst);						\
	if ((n) > 0)							\
		memcpy((dst), (src), (n) * sizeof(*(src)));		\
} while (0)

static void
keep_lists(struct tlist **out, const struct ruleset *rs)
{
	const struct pentry	*v;
	const struct mcols	*c;
	const int16_t		*terr;
	struct tlist		*l;
	uint32_t		 n;
	size_t			 r;

	*out = l = calloc(ref->nrome, sizeof(*l));
	assert_non_null(l);
	for (r = 0; r < ref->nrome; r++) {
		assert_int_equal(index_candidates(rs, (int)r, &v, &n, &terr),
		    0);
		COPY(l[r].v, v, n);
		l[r].n = n;
		assert_int_equal(index_columns(rs, (int)r, &c), 0);
		l[r].col = *c;
		COPY(l[r].rstart, c->rstart, c->nranges + 1);
		COPY(l[r].col.slot, c->slot, c->n);
		COPY(l[r].col.base, c->base, c->n);
		COPY(l[r].col.commune, c->commune, c->n);
		COPY(l[r].col.territory, c->territory, c->n);
		COPY(l[r].col.available, c->available, c->n);
		COPY(l[r].col.flags, c->flags, c->n);
		COPY(l[r].col.zone, c->zone, c->n);
		COPY(l[r].col.schedule_ok, c->schedule_ok, c->n);
		COPY(l[r].col.max_hours, c->max_hours, c->n);
		COPY(l[r].col.contracts, c->contracts, c->n);
		COPY(l[r].col.publics, c->publics, c->n);
		COPY(l[r].col.busy, c->busy, c->n);
	}
}

/* The index as it is now; warm: its lists sorted by index_warm first,
 * else one at a time as searches do. */
static void
keep(struct tindex *k, int warm)
{
	const struct mcand	*c;

	memset(k, 0, sizeof(*k));
	c = index_slots(&k->ncand);
	COPY(k->cand, c, k->ncand);
	k->live = index_live();
	index_count_by_status(k->by_status, CAND__N);
	if (warm) {
		assert_int_equal(index_warm(rs_family), 0);
		assert_int_equal(index_warm(rs_exact), 0);
	}
	keep_lists(&k->list[0], rs_family);
	keep_lists(&k->list[1], rs_exact);
}

static void
tindex_free(struct tindex *k)
{
	size_t	r;
	int	i;

	for (i = 0; i < 2; i++) {
		for (r = 0; r < ref->nrome; r++) {
			struct tlist *l = &k->list[i][r];

			free(l->v);
			free(l->rstart);
			free(l->col.slot);
			free(l->col.base);
			free(l->col.commune);
			free(l->col.territory);
			free(l->col.available);
			free(l->col.flags);
			free(l->col.zone);
			free(l->col.schedule_ok);
			free(l->col.max_hours);
			free(l->col.contracts);
			free(l->col.publics);
			free(l->col.busy);
		}
		free(k->list[i]);
	}
	free(k->cand);
}

static void
same_cand(const struct mcand *a, const struct mcand *b)
{
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->publics, b->publics);
	assert_int_equal(a->contracts, b->contracts);
	assert_int_equal(a->oriented_on, b->oriented_on);
	assert_int_equal(a->available_on, b->available_on);
	assert_int_equal(a->commune, b->commune);
	assert_int_equal(a->programme, b->programme);
	assert_int_equal(a->zone, b->zone);
	assert_int_equal(a->schedule_ok, b->schedule_ok);
	assert_int_equal(a->max_hours, b->max_hours);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->open, b->open);
	assert_int_equal(a->nrome, b->nrome);
	assert_memory_equal(a->rome, b->rome, sizeof(a->rome));
}

#define SAME(f) assert_memory_equal(a->col.f, b->col.f, \
	    a->col.n * sizeof(*a->col.f))

static void
same_list(const struct tlist *a, const struct tlist *b)
{
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->v, b->v, a->n * sizeof(*a->v));
	assert_int_equal(a->col.n, b->col.n);
	assert_int_equal(a->col.listed, b->col.listed);
	assert_memory_equal(a->col.removed, b->col.removed,
	    sizeof(a->col.removed));
	assert_int_equal(a->col.programmes, b->col.programmes);
	assert_int_equal(a->col.nranges, b->col.nranges);
	assert_memory_equal(a->rstart, b->rstart,
	    (a->col.nranges + 1) * sizeof(*a->rstart));
	SAME(slot);
	SAME(base);
	SAME(commune);
	SAME(territory);
	SAME(available);
	SAME(flags);
	SAME(zone);
	SAME(schedule_ok);
	SAME(max_hours);
	SAME(contracts);
	SAME(publics);
	SAME(busy);
}

static void
same_index(const struct tindex *a, const struct tindex *b)
{
	size_t	i, r;

	assert_int_equal(a->ncand, b->ncand);
	assert_int_equal(a->live, b->live);
	assert_memory_equal(a->by_status, b->by_status,
	    sizeof(a->by_status));
	for (i = 0; i < a->ncand; i++)
		same_cand(&a->cand[i], &b->cand[i]);
	for (i = 0; i < 2; i++)
		for (r = 0; r < ref->nrome; r++)
			same_list(&a->list[i][r], &b->list[i][r]);
}

/* ---- tests -------------------------------------------------------------- */

static void
test_threads_build_the_same_index(void **state)
{
	static const int threads[] = { 2, 3, 7 };
	struct tstore	 s;
	struct tindex	 one, many;
	size_t		 i, listed = 0;

	(void)state;
	tstore_open(&s);
	tstore_fill(&s, NCAND, 17, 0);
	assert_int_equal(load(&s, 1), 0);
	keep(&one, 0);
	/* The store is all there, and the lists are not empty. */
	assert_int_equal(one.live, NCAND);
	assert_int_equal(one.ncand, NCAND);
	for (i = 0; i < ref->nrome; i++)
		listed += one.list[1][i].n;
	assert_true(listed > NCAND);
	for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		assert_int_equal(load(&s, threads[i]), 0);
		keep(&many, 1);
		same_index(&one, &many);
		tindex_free(&many);
	}
	/* One thread's index_warm too. */
	assert_int_equal(load(&s, 1), 0);
	keep(&many, 1);
	same_index(&one, &many);
	tindex_free(&many);
	tindex_free(&one);
	index_free();
	index_set_threads(0);
	tstore_close(&s);
}

static void
test_more_threads_than_candidates(void **state)
{
	struct tstore	 s;
	struct tindex	 one, many;
	size_t		 n;

	(void)state;
	tstore_open(&s);
	assert_int_equal(load(&s, 7), 0);	/* empty */
	assert_int_equal(index_live(), 0);
	index_slots(&n);
	assert_int_equal(n, 0);
	assert_int_equal(index_warm(rs_family), 0);
	tstore_fill(&s, 3, 100000, 0);
	assert_int_equal(load(&s, 1), 0);
	keep(&one, 0);
	assert_int_equal(one.live, 3);
	assert_int_equal(load(&s, 7), 0);
	keep(&many, 1);
	same_index(&one, &many);
	tindex_free(&many);
	tindex_free(&one);
	index_free();
	index_set_threads(0);
	tstore_close(&s);
}

static void
test_record_that_does_not_decode(void **state)
{
	static const int threads[] = { 2, 3, 7 };
	struct tstore	 s;
	struct tindex	 one, many;
	size_t		 i;

	(void)state;
	tstore_open(&s);
	tstore_fill(&s, NCAND, 1, 5000);	/* some two fifths in */
	assert_int_equal(load(&s, 1), IOD_ECORRUPT);
	keep(&one, 0);
	assert_true(one.live > 500 && one.live < NCAND);
	for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		assert_int_equal(load(&s, threads[i]), IOD_ECORRUPT);
		keep(&many, 1);
		same_index(&one, &many);
		tindex_free(&many);
	}
	tindex_free(&one);
	index_free();
	index_set_threads(0);
	tstore_close(&s);
}

static int
setup(void **state)
{
	char	*cause = NULL;

	(void)state;
	setenv("IOD_TODAY", "2026-11-01", 1);
	if (refdata_load("data", &cause) != 0 ||
	    ruleset_load_file(RULES, "data", &rs_family, &cause) != 0 ||
	    ruleset_load_file(RULES, "data", &rs_exact, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return (-1);
	}
	ref = refdata_get();
	rs_family->filters.rome_match = ROME_MATCH_FAMILY;
	rs_exact->filters.rome_match = ROME_MATCH_EXACT;
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	index_free();
	ruleset_free(rs_family);
	ruleset_free(rs_exact);
	refdata_free();
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_build_the_same_index),
		cmocka_unit_test(test_more_threads_than_candidates),
		cmocka_unit_test(test_record_that_does_not_decode),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
