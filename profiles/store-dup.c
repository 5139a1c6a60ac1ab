/*
 * store-dup.c — the databases that keep several values under one key
 * (LMDB's MDB_DUPSORT, values of one size: MDB_DUPFIXED): DB_REFCANDS, a
 * référent's candidates, one 8-byte id each under the référent's id.  A
 * référent's forty candidates are one node of about 350 bytes there,
 * where they were forty keys of the index spread over its pages: a batch
 * of new candidates rewrites a few hundred pages rather than the whole
 * index, and the file keeps fewer pages freed by the last commits.
 * Stores written before kept the pairs in DB_INDEX under the tag 'R'
 * (tag, référent, candidate -> ""): store_dup_upgrade moves them, once.
 */
#include <string.h>

#include <lmdb.h>

#include "store-int.h"

#define OLD_TAG		'R'	/* DB_INDEX: référent, candidate -> "" */
#define OLD_KEY_LEN	17

int
store_dup_flags(enum store_db db)
{
	return (db == DB_REFCANDS ? MDB_DUPSORT | MDB_DUPFIXED : 0);
}

int
store_del_dup(struct txn *t, enum store_db db, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	MDB_val	k = { klen, (void *)(uintptr_t)key };
	MDB_val	v = { vlen, (void *)(uintptr_t)val };
	int	rc;

	if (t->t == NULL || t->rc != 0)
		return (t->rc ? t->rc : IOD_EIO);
	if ((rc = mdb_del(t->t, t->st->dbi[db], &k, &v)) == MDB_NOTFOUND)
		return (IOD_ENOTFOUND);
	return (store_sticky(t, rc));
}

int
store_dup_upgrade(struct store *st, MDB_txn *txn, size_t *moved)
{
	MDB_cursor	*c;
	MDB_val		 k = { 1, (void *)(uintptr_t)"R" }, v, rk, cv;
	uint8_t		 buf[OLD_KEY_LEN];
	int		 rc;

	*moved = 0;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_INDEX], &c)) != 0)
		return (rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size == 0 || *(const uint8_t *)k.mv_data != OLD_TAG)
			break;
		if (k.mv_size != OLD_KEY_LEN)
			continue;	/* not one of them */
		memcpy(buf, k.mv_data, OLD_KEY_LEN);
		rk.mv_size = cv.mv_size = 8;
		rk.mv_data = buf + 1;
		cv.mv_data = buf + 9;
		if ((rc = mdb_put(txn, st->dbi[DB_REFCANDS], &rk, &cv, 0)) != 0 ||
		    (rc = mdb_cursor_del(c, 0)) != 0)
			break;
		(*moved)++;
	}
	mdb_cursor_close(c);
	return (rc == MDB_NOTFOUND ? 0 : rc);
}
