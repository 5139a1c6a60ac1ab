/*
 * store-batch.c — what the many writes of one write transaction share:
 * the id sequences, read from DB_META once a transaction rather than once
 * an id (and in a batch written once, at its end), and a batch's index
 * entries (small keys and values), held while the batch runs and then put
 * in key order through one cursor, so that each leaf page of the index is
 * found once and in order instead of from the root at a random place for
 * every entry.  Which keys may wait is the caller's to say (none that the
 * batch itself reads); what they mean is the callers'.  store.c ends
 * these with its transactions.
 */
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "store-int.h"

#define LATER_MAX	29	/* key and value bytes: longer are put at once */

struct store_later {		/* 32 bytes: qsort moves them whole */
	uint8_t		k[LATER_MAX];	/* the key, then the value */
	uint8_t		len, vlen;	/* the key's bytes, the value's */
	uint8_t		db;
};

/* The sequence key of db in DB_META. */
static size_t
seq_key(uint8_t *k, enum store_db db)
{
	k[0] = 'q';
	return (1 + key_u64(k + 1, (uint64_t)db));
}

/* The id a batch gave last, held, into DB_META: 0 or t's error. */
static int
seq_write(struct txn *t)
{
	struct store	*st = t->st;
	uint8_t		 k[1 + 8], v[8];

	if (!st->q_held)
		return (t->rc);
	st->q_held = 0;
	return (store_put(t, DB_META, k, seq_key(k, st->q_db), v,
	    key_u64(v, st->q_last)));
}

uint64_t
store_next_id(struct txn *t, enum store_db db)
{
	struct store	*st = t->st;
	uint8_t		 k[1 + 8], v[8];
	const void	*cur;
	size_t		 len;
	uint64_t	 id = 1;

	if (t->t != NULL && st->q_txn == t->t && st->q_db == db)
		id = st->q_last + 1;
	else {
		if (st->q_txn == t->t && seq_write(t) != 0)
			return (0);
		if (store_get(t, DB_META, k, seq_key(k, db), &cur, &len) ==
		    0 && len == 8)
			id = key_get_u64(cur) + 1;
	}
	st->q_txn = NULL;
	st->q_held = 0;
	/* In a batch, the sequence is written once, at its end. */
	if (t->t == NULL || st->b_txn != t->t || t->rc != 0) {
		if (store_put(t, DB_META, k, seq_key(k, db), v,
		    key_u64(v, id)) != 0)
			return (0);
	} else
		st->q_held = 1;
	st->q_txn = t->t;
	st->q_db = db;
	st->q_last = id;
	return (id);
}

void
store_batch_begin(struct txn *t)
{
	if (t->st->b_txn == t->t || t->st->q_txn == t->t)
		store_batch_close(t);	/* an earlier one of t's goes in */
	store_batch_drop(t->st);
	t->st->b_txn = t->t;
}

int
store_put_later(struct txn *t, enum store_db db, const void *key,
    size_t klen, const void *val, size_t vlen)
{
	struct store		*st = t->st;
	struct store_later	*more, *e;
	size_t			 want;

	if (t->t == NULL || st->b_txn != t->t || t->rc != 0 ||
	    klen + vlen > LATER_MAX)
		return (store_put(t, db, key, klen, val, vlen));
	if (st->b_n == st->b_cap) {
		want = st->b_cap > 0 ? st->b_cap * 2 : 1024;
		if ((more = reallocarray(st->b_keys, want,
		    sizeof(*more))) == NULL)
			return (store_put(t, db, key, klen, val, vlen));
		st->b_keys = more;
		st->b_cap = want;
	}
	e = &st->b_keys[st->b_n++];
	memcpy(e->k, key, klen);
	if (vlen > 0)
		memcpy(e->k + klen, val, vlen);
	e->len = (uint8_t)klen;
	e->vlen = (uint8_t)vlen;
	e->db = (uint8_t)db;
	return (0);
}

/* LMDB's order within a database (its default, memcmp then length),
 * and of the values of one key where it keeps several. */
static int
later_cmp(const void *a, const void *b)
{
	const struct store_later	*x = a, *y = b;
	int				 c;

	if (x->db != y->db)
		return (x->db < y->db ? -1 : 1);
	if ((c = memcmp(x->k, y->k, x->len < y->len ? x->len : y->len)) != 0)
		return (c);
	if (x->len != y->len)
		return (x->len < y->len ? -1 : 1);
	if ((c = memcmp(x->k + x->len, y->k + y->len, x->vlen < y->vlen ?
	    x->vlen : y->vlen)) != 0)
		return (c);
	return (x->vlen < y->vlen ? -1 : x->vlen > y->vlen);
}

int
store_batch_end(struct txn *t)
{
	struct store		*st = t->st;
	struct store_later	*e;
	MDB_cursor		*c = NULL;
	MDB_val			 k, v;
	size_t			 i;
	int			 rc = 0, db = -1;

	if (t->t == NULL || st->b_txn != t->t) {
		store_batch_drop(st);
		return (t->rc);
	}
	st->b_txn = NULL;
	if (st->q_txn == t->t)
		seq_write(t);
	if (t->rc == 0 && st->b_n > 0) {
		qsort(st->b_keys, st->b_n, sizeof(*st->b_keys), later_cmp);
		for (i = 0; i < st->b_n && rc == 0; i++) {
			e = &st->b_keys[i];
			if (e->db != db) {
				if (c != NULL)
					mdb_cursor_close(c);
				c = NULL;
				if ((rc = mdb_cursor_open(t->t, st->dbi[e->db],
				    &c)) != 0)
					break;
				db = e->db;
			}
			k.mv_size = e->len;
			k.mv_data = e->k;
			v.mv_size = e->vlen;
			v.mv_data = e->k + e->len;
			rc = mdb_cursor_put(c, &k, &v, 0);
		}
		if (c != NULL)
			mdb_cursor_close(c);
		store_sticky(t, rc);
	}
	st->b_n = 0;
	return (t->rc);
}

void
store_batch_close(struct txn *t)
{
	if (t->st->b_txn == t->t)
		store_batch_end(t);
	else if (t->st->q_txn == t->t)
		seq_write(t);
	t->st->q_txn = NULL;	/* the ids are the parent's now, or kept */
}

void
store_batch_drop(struct store *st)
{
	st->b_txn = NULL;
	st->b_n = 0;
	st->q_txn = NULL;
	st->q_held = 0;
}
