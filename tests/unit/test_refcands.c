/*
 * test_refcands.c — unit tests of the référents' candidates' database
 * (DB_REFCANDS, profiles/store-dup.c), on real LMDB files: each référent's
 * candidates in id order under the référent's key, put at once or held
 * to a batch's end (store_put_later), taken one at a time; a store
 * written before, which kept them in the index under 'R', has them moved
 * at its next open, the index's other entries left as they were, and the
 * open's walk of every database accepts the values of one key in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profiles.h"

static char	tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/iod-refcands-XXXXXX");
	return (mkdtemp(tmpdir) == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return (system(cmd));
}

struct got {
	uint64_t	ids[64];
	size_t		n;
};

static int
got_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct got	*g = arg;

	(void)k;
	assert_int_equal(kl, 8);
	assert_int_equal(vl, 8);
	assert_true(g->n < 64);
	g->ids[g->n++] = key_get_u64(v);
	return (0);
}

/* The candidates of référent ref, in the order the store gives them. */
static struct got
candidates_of(struct store *st, uint64_t ref)
{
	struct txn	t;
	struct got	g;
	uint8_t		k[8];

	memset(&g, 0, sizeof(g));
	assert_int_equal(store_begin(st, &t, 0, NULL), 0);
	assert_int_equal(store_scan(&t, DB_REFCANDS, k, key_u64(k, ref), 8,
	    got_cb, &g), 0);
	store_abort(&t);
	return (g);
}

static void
pair(uint8_t *k, uint8_t *v, uint64_t ref, uint64_t id)
{
	key_u64(k, ref);
	key_u64(v, id);
}

static void
test_put_later_and_del(void **state)
{
	struct store	*st;
	struct txn	 t;
	struct got	 g;
	uint8_t		 k[8], v[8];
	char		*cause = NULL;
	uint64_t	 id;

	(void)state;
	assert_int_equal(store_open(&st, tmpdir, 1 << 20, 8 << 20, &cause), 0);
	assert_int_equal(store_begin(st, &t, 1, NULL), 0);
	/* A batch: held, then put in order at its end. */
	store_batch_begin(&t);
	for (id = 40; id > 0; id--) {
		pair(k, v, id % 3, id);
		assert_int_equal(store_put_later(&t, DB_REFCANDS, k, 8, v, 8),
		    0);
	}
	assert_int_equal(store_batch_end(&t), 0);
	/* Outside a batch: at once. */
	pair(k, v, 7, 1000);
	assert_int_equal(store_put_later(&t, DB_REFCANDS, k, 8, v, 8), 0);
	pair(k, v, 1, 4);
	assert_int_equal(store_del_dup(&t, DB_REFCANDS, k, 8, v, 8), 0);
	assert_int_equal(store_del_dup(&t, DB_REFCANDS, k, 8, v, 8),
	    IOD_ENOTFOUND);
	assert_int_equal(store_commit(&t), 0);
	g = candidates_of(st, 1);
	assert_int_equal(g.n, 13);		/* 1, 7, 10, ..., 40 less 4 */
	assert_int_equal(g.ids[0], 1);
	assert_int_equal(g.ids[1], 7);
	assert_int_equal(g.ids[12], 40);
	assert_int_equal(candidates_of(st, 0).n, 13);
	assert_int_equal(candidates_of(st, 2).n, 13);
	g = candidates_of(st, 7);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ids[0], 1000);
	assert_int_equal(candidates_of(st, 8).n, 0);
	store_close(st);
	/* Reopened: the walk of every database takes them as they are. */
	assert_int_equal(store_open(&st, tmpdir, 1 << 20, 8 << 20, &cause), 0);
	assert_int_equal(candidates_of(st, 1).n, 13);
	store_close(st);
}

static int
index_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	size_t	*n = arg;

	(void)k; (void)kl; (void)v; (void)vl;
	(*n)++;
	return (0);
}

/* A store as it was written before: the pairs in DB_INDEX under 'R'. */
static void
test_upgrade(void **state)
{
	struct store	*st;
	struct txn	 t;
	struct got	 g;
	uint8_t		 k[17];
	char		*cause = NULL;
	size_t		 n = 0;
	uint64_t	 id;

	(void)state;
	assert_int_equal(store_open(&st, tmpdir, 1 << 20, 8 << 20, &cause), 0);
	assert_int_equal(store_begin(st, &t, 1, NULL), 0);
	for (id = 1; id <= 30; id++) {
		k[0] = 'R';
		key_u64(k + 1, 100 + id % 2);
		key_u64(k + 9, 500 + id);
		assert_int_equal(store_put(&t, DB_INDEX, k, 17, "", 0), 0);
	}
	/* Entries of other tags on either side stay. */
	assert_int_equal(store_put(&t, DB_INDEX, "O12345678", 9, "", 0), 0);
	assert_int_equal(store_put(&t, DB_INDEX, "S73282932000074", 15, "\x01",
	    1), 0);
	assert_int_equal(store_put(&t, DB_INDEX, "R-short", 7, "", 0), 0);
	assert_int_equal(store_commit(&t), 0);
	store_close(st);

	assert_int_equal(store_open(&st, tmpdir, 1 << 20, 8 << 20, &cause), 0);
	g = candidates_of(st, 101);
	assert_int_equal(g.n, 15);
	assert_int_equal(g.ids[0], 501);
	assert_int_equal(g.ids[14], 529);
	g = candidates_of(st, 100);
	assert_int_equal(g.n, 15);
	assert_int_equal(g.ids[14], 530);
	assert_int_equal(store_begin(st, &t, 0, NULL), 0);
	k[0] = 'R';
	assert_int_equal(store_scan(&t, DB_INDEX, k, 1, 1, index_cb, &n), 0);
	assert_int_equal(n, 1);		/* "R-short", not one of them */
	store_abort(&t);
	assert_int_equal(store_begin(st, &t, 0, NULL), 0);
	n = 0;
	assert_int_equal(store_scan(&t, DB_INDEX, "O", 1, 1, index_cb, &n), 0);
	assert_int_equal(store_scan(&t, DB_INDEX, "S", 1, 1, index_cb, &n), 0);
	assert_int_equal(n, 2);
	store_abort(&t);
	store_close(st);
	/* Once: a second open moves nothing and loses nothing. */
	assert_int_equal(store_open(&st, tmpdir, 1 << 20, 8 << 20, &cause), 0);
	assert_int_equal(candidates_of(st, 101).n, 15);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_later_and_del, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
