/*
 * store.c — the LMDB environment: opening it and its named databases once,
 * checking the schema version, transactions with a sticky error, typed
 * keys, record get/put through the schema codecs, ordered scans, id
 * sequences, and growing the map when it fills.  It knows nothing of what
 * the records mean; the event log is event.c's, indexes are the callers'.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "profiles.h"

#define STORE_SCHEMA_VERSION	1
#define STORE_MAX_READERS	126

const char *const store_db_names[] = { "meta", "companies", "offers",
    "candidates", "referents", "proposals", "placements", "followups",
    "events", "tokens", "rulesets", "audit", "webhooks", "index", NULL };

struct store {
	MDB_env		*env;
	MDB_dbi		 dbi[DB__N];
	size_t		 map_size, map_max;
	char		*dir;
};

/* The one place LMDB's codes become ours. */
static int
err_to_iod(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:	return (IOD_OK);
	case MDB_NOTFOUND:	return (IOD_ENOTFOUND);
	case MDB_KEYEXIST:	return (IOD_ECONFLICT);
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:	return (IOD_EMAPFULL);
	case ENOMEM:		return (IOD_ENOMEM);
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:	return (IOD_ECORRUPT);
	default:		return (IOD_EIO);
	}
}

/* Record the first failure of a transaction. */
static int
sticky(struct txn *t, int mdbrc)
{
	if (mdbrc != MDB_SUCCESS && t->rc == 0)
		t->rc = err_to_iod(mdbrc);
	return (err_to_iod(mdbrc));
}

size_t
key_u64(uint8_t *k, uint64_t v)
{
	int	i;

	for (i = 7; i >= 0; i--) {
		k[i] = v & 0xff;
		v >>= 8;
	}
	return (8);
}

uint64_t
key_get_u64(const void *p)
{
	const uint8_t	*k = p;
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | k[i];
	return (v);
}

size_t
key_idx(uint8_t *k, int tag, uint64_t a, uint64_t b)
{
	k[0] = (uint8_t)tag;
	key_u64(k + 1, a);
	key_u64(k + 9, b);
	return (17);
}

/* tag, 1-byte length, bytes; truncated to the buffer. */
size_t
key_idx_str(uint8_t *k, size_t cap, int tag, const char *s)
{
	size_t	len = strlen(s);

	if (len > 255)
		len = 255;
	if (len > cap - 2)
		len = cap - 2;
	k[0] = (uint8_t)tag;
	k[1] = (uint8_t)len;
	memcpy(k + 2, s, len);
	return (len + 2);
}

static int
set_cause(char **cause, const char *what, int rc)
{
	if (asprintf(cause, "%s: %s", what, mdb_strerror(rc)) == -1)
		*cause = NULL;
	return (err_to_iod(rc));
}

int
store_open(struct store **out, const char *dir, size_t map_size,
    size_t map_max, char **cause)
{
	struct store	*st;
	MDB_txn		*txn = NULL;
	MDB_val		 k, v;
	MDB_envinfo	 info;
	uint64_t	 ver;
	uint8_t		 vbuf[8];
	int		 rc, i, dead;

	*cause = NULL;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		if (asprintf(cause, "%s: %s", dir, strerror(errno)) == -1)
			*cause = NULL;
		return (IOD_EIO);
	}
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->dir = strdup(dir)) == NULL) {
		free(st);
		return (IOD_ENOMEM);
	}
	st->map_size = map_size;
	st->map_max = map_max < map_size ? map_size : map_max;
	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, DB__N)) != 0 ||
	    (rc = mdb_env_set_maxreaders(st->env, STORE_MAX_READERS)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, map_size)) != 0) {
		set_cause(cause, "lmdb setup", rc);
		goto fail;
	}
	/* NOTLS: read txns are not tied to the thread (the daemon holds a
	 * write txn and reads beside it in the one thread). */
	if ((rc = mdb_env_open(st->env, dir, MDB_NOTLS, 0600)) != 0) {
		set_cause(cause, dir, rc);
		goto fail;
	}
	mdb_reader_check(st->env, &dead);
	/* A map larger than asked (grown earlier) is kept. */
	if (mdb_env_info(st->env, &info) == 0 && info.me_mapsize > st->map_size)
		st->map_size = info.me_mapsize;
	if (st->map_max < st->map_size)
		st->map_max = st->map_size;
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0) {
		set_cause(cause, "lmdb begin", rc);
		goto fail;
	}
	for (i = 0; i < DB__N; i++) {
		if ((rc = mdb_dbi_open(txn, store_db_names[i], MDB_CREATE,
		    &st->dbi[i])) != 0) {
			set_cause(cause, store_db_names[i], rc);
			goto fail;
		}
	}
	k.mv_data = "schema";
	k.mv_size = 6;
	rc = mdb_get(txn, st->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND) {
		v.mv_data = vbuf;
		v.mv_size = key_u64(vbuf, STORE_SCHEMA_VERSION);
		rc = mdb_put(txn, st->dbi[DB_META], &k, &v, 0);
	} else if (rc == 0) {
		ver = v.mv_size == 8 ? key_get_u64(v.mv_data) : 0;
		if (ver != STORE_SCHEMA_VERSION) {
			if (asprintf(cause, "%s: store schema version %llu, "
			    "this iodd reads %d", dir, (unsigned long long)ver,
			    STORE_SCHEMA_VERSION) == -1)
				*cause = NULL;
			rc = MDB_INVALID;
			goto fail;
		}
	}
	if (rc != 0 || (rc = mdb_txn_commit(txn)) != 0) {
		txn = NULL;
		set_cause(cause, "lmdb schema", rc);
		goto fail;
	}
	*out = st;
	return (0);

fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(st->env);
	free(st->dir);
	free(st);
	return (rc == 0 ? IOD_EIO : err_to_iod(rc));
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	mdb_env_sync(st->env, 1);
	mdb_env_close(st->env);
	free(st->dir);
	free(st);
}

int
store_backup(struct store *st, int fd)
{
	return (mdb_env_copyfd2(st->env, fd, MDB_CP_COMPACT) == 0 ? 0 :
	    IOD_EIO);
}

int
store_compact(struct store *st)
{
	struct store	*again;
	char		*tmp = NULL, *from = NULL, *to = NULL, *cause = NULL;
	int		 rc = IOD_ENOMEM, moved;

	if (asprintf(&tmp, "%s/compact.tmp", st->dir) == -1 ||
	    asprintf(&from, "%s/data.mdb", tmp) == -1 ||
	    asprintf(&to, "%s/data.mdb", st->dir) == -1)
		goto out;
	unlink(from);
	rmdir(tmp);
	rc = IOD_EIO;
	if (mkdir(tmp, 0700) == -1 ||
	    mdb_env_copy2(st->env, tmp, MDB_CP_COMPACT) != 0)
		goto out;
	/* The copy is complete and synced: put it in place, reopen (the
	 * old file, if the rename failed). */
	mdb_env_close(st->env);
	st->env = NULL;
	moved = rename(from, to) == 0;
	if ((rc = store_open(&again, st->dir, st->map_size, st->map_max,
	    &cause)) != 0)
		goto out;	/* the caller must stop: no environment */
	free(again->dir);
	again->dir = st->dir;
	*st = *again;
	free(again);
	rc = moved ? 0 : IOD_EIO;
out:
	if (from != NULL)
		unlink(from);
	if (tmp != NULL)
		rmdir(tmp);
	free(tmp);
	free(from);
	free(to);
	free(cause);
	return (rc);
}

int
store_grow(struct store *st)
{
	size_t	next;

	if (st->map_size >= st->map_max)
		return (IOD_EMAPFULL);
	next = st->map_size * 2;
	if (next > st->map_max)
		next = st->map_max;
	if (mdb_env_set_mapsize(st->env, next) != 0)
		return (IOD_EIO);
	st->map_size = next;
	return (0);
}

size_t
store_map_size(struct store *st)
{
	return (st->map_size);
}

size_t
store_map_used(struct store *st)
{
	MDB_envinfo	info;
	MDB_stat	stat;

	if (mdb_env_info(st->env, &info) != 0 || mdb_env_stat(st->env, &stat))
		return (0);
	return ((info.me_last_pgno + 1) * (size_t)stat.ms_psize);
}

int
store_begin(struct store *st, struct txn *t, int write, struct txn *parent)
{
	MDB_txn	*tx;
	int	 rc;

	memset(t, 0, sizeof(*t));
	t->st = st;
	t->write = write;
	rc = mdb_txn_begin(st->env, parent != NULL ? parent->t : NULL,
	    write ? 0 : MDB_RDONLY, &tx);
	if (rc == MDB_READERS_FULL) {
		int	dead;

		mdb_reader_check(st->env, &dead);
		rc = mdb_txn_begin(st->env, parent != NULL ? parent->t : NULL,
		    write ? 0 : MDB_RDONLY, &tx);
	}
	if (rc != 0) {
		t->rc = err_to_iod(rc);
		return (t->rc);
	}
	t->t = tx;
	return (0);
}

int
store_commit(struct txn *t)
{
	int	rc;

	if (t->t == NULL)
		return (t->rc ? t->rc : IOD_EIO);
	if (t->rc != 0) {
		mdb_txn_abort(t->t);
		t->t = NULL;
		return (t->rc);
	}
	rc = mdb_txn_commit(t->t);
	t->t = NULL;	/* committed or freed by LMDB either way */
	return (sticky(t, rc));
}

void
store_abort(struct txn *t)
{
	if (t == NULL || t->t == NULL)
		return;
	mdb_txn_abort(t->t);
	t->t = NULL;
}

static int
live(struct txn *t)
{
	return (t->t != NULL && t->rc == 0);
}

int
store_put(struct txn *t, enum store_db db, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	MDB_val	k = { klen, (void *)(uintptr_t)key };
	MDB_val	v = { vlen, (void *)(uintptr_t)val };

	if (!live(t))
		return (t->rc ? t->rc : IOD_EIO);
	return (sticky(t, mdb_put(t->t, t->st->dbi[db], &k, &v, 0)));
}

int
store_get(struct txn *t, enum store_db db, const void *key, size_t klen,
    const void **val, size_t *vlen)
{
	MDB_val	k = { klen, (void *)(uintptr_t)key }, v;
	int	rc;

	if (!live(t))
		return (t->rc ? t->rc : IOD_EIO);
	rc = mdb_get(t->t, t->st->dbi[db], &k, &v);
	if (rc == MDB_NOTFOUND)
		return (IOD_ENOTFOUND);	/* not an error of the txn */
	if (rc != 0)
		return (sticky(t, rc));
	*val = v.mv_data;
	*vlen = v.mv_size;
	return (0);
}

int
store_del(struct txn *t, enum store_db db, const void *key, size_t klen)
{
	MDB_val	k = { klen, (void *)(uintptr_t)key };
	int	rc;

	if (!live(t))
		return (t->rc ? t->rc : IOD_EIO);
	rc = mdb_del(t->t, t->st->dbi[db], &k, NULL);
	if (rc == MDB_NOTFOUND)
		return (IOD_ENOTFOUND);
	return (sticky(t, rc));
}

int
store_put_id(struct txn *t, enum store_db db, uint64_t id, const void *val,
    size_t vlen)
{
	uint8_t	k[8];

	return (store_put(t, db, k, key_u64(k, id), val, vlen));
}

int
store_get_id(struct txn *t, enum store_db db, uint64_t id, const void **val,
    size_t *vlen)
{
	uint8_t	k[8];

	return (store_get(t, db, k, key_u64(k, id), val, vlen));
}

int
store_del_id(struct txn *t, enum store_db db, uint64_t id)
{
	uint8_t	k[8];

	return (store_del(t, db, k, key_u64(k, id)));
}

uint64_t
store_next_id(struct txn *t, enum store_db db)
{
	uint8_t		 k[1 + 8], v[8];
	const void	*cur;
	size_t		 len;
	uint64_t	 id = 1;

	k[0] = 'q';
	key_u64(k + 1, (uint64_t)db);
	if (store_get(t, DB_META, k, sizeof(k), &cur, &len) == 0 && len == 8)
		id = key_get_u64(cur) + 1;
	if (store_put(t, DB_META, k, sizeof(k), v, key_u64(v, id)) != 0)
		return (0);
	return (id);
}

int
store_put_rec(struct txn *t, enum store_db db, uint64_t id,
    const struct schema *sc, const void *rec)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	if ((rc = rec_encode(sc, rec, &buf, &len)) != 0) {
		if (t->rc == 0)
			t->rc = rc;
		return (rc);
	}
	rc = store_put_id(t, db, id, buf, len);
	free(buf);
	return (rc);
}

int
store_get_rec(struct txn *t, enum store_db db, uint64_t id,
    const struct schema *sc, void *rec)
{
	const void	*v;
	size_t		 len;
	int		 rc;

	if ((rc = store_get_id(t, db, id, &v, &len)) != 0)
		return (rc);
	if ((rc = rec_decode(sc, rec, v, len)) != 0)
		rec_clear(sc, rec);
	return (rc);
}

int
store_scan(struct txn *t, enum store_db db, const void *key, size_t klen,
    size_t plen, int (*fn)(const void *, size_t, const void *, size_t, void *),
    void *arg)
{
	MDB_cursor	*c;
	MDB_val		 k = { klen, (void *)(uintptr_t)key }, v;
	int		 rc, op;

	if (!live(t))
		return (t->rc ? t->rc : IOD_EIO);
	if ((rc = mdb_cursor_open(t->t, t->st->dbi[db], &c)) != 0)
		return (sticky(t, rc));
	op = klen > 0 ? MDB_SET_RANGE : MDB_FIRST;
	for (rc = mdb_cursor_get(c, &k, &v, op); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (plen > 0 && (k.mv_size < plen ||
		    memcmp(k.mv_data, key, plen) != 0))
			break;
		if ((rc = fn(k.mv_data, k.mv_size, v.mv_data, v.mv_size,
		    arg)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND || rc == 1 || rc == 0)
		return (0);
	if (rc < 0 && rc > -100)
		return (rc);	/* the callback's own error */
	return (sticky(t, rc));
}

size_t
store_count(struct txn *t, enum store_db db)
{
	MDB_stat	s;

	if (!live(t) || mdb_stat(t->t, t->st->dbi[db], &s) != 0)
		return (0);
	return (s.ms_entries);
}
