/*
 * store.c — the LMDB environment: opening it and its named databases once
 * (under a fault guard, after store-check.c has checked the file against
 * its meta pages, walking every database), checking the schema version,
 * transactions with a sticky error, typed keys, record get/put through the
 * schema codecs, ordered scans, growing the map before it fills.  The
 * store's identity is store-identity.c's, the damage checks
 * store-check.c's, the compaction store-compact.c's, id sequences and a
 * batch's deferred index puts store-batch.c's.  It knows nothing of
 * what the records mean; the event log is event.c's, indexes are the
 * callers'.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "store-int.h"

#define STORE_SCHEMA_VERSION	1
#define STORE_MAX_READERS	126

const char *const store_db_names[] = { "meta", "companies", "offers",
    "candidates", "referents", "proposals", "placements", "followups",
    "events", "tokens", "rulesets", "audit", "webhooks", "index",
    "contacts", "accounts", "sessions", "calendars", "history",
    "referent_candidates", NULL };

/* The one place LMDB's codes become ours. */
int
store_mdb_err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:	return (IOD_OK);
	case MDB_NOTFOUND:	return (IOD_ENOTFOUND);
	case MDB_KEYEXIST:	return (IOD_ECONFLICT);
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:	return (IOD_EMAPFULL);
	case ENOMEM:		return (IOD_ENOMEM);
	case ENOSPC:
	case EDQUOT:		return (IOD_ENOSPC);
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:	return (IOD_ECORRUPT);
	default:		return (IOD_EIO);
	}
}

/* Record the first failure of a transaction. */
int
store_sticky(struct txn *t, int mdbrc)
{
	if (mdbrc == MDB_PANIC)
		t->st->panic = 1;
	if (mdbrc != MDB_SUCCESS && t->rc == 0)
		t->rc = store_mdb_err(mdbrc);
	return (store_mdb_err(mdbrc));
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

int
store_set_cause(char **cause, const char *what, int rc)
{
	if (asprintf(cause, "%s: %s", what, mdb_strerror(rc)) == -1)
		*cause = NULL;
	return (store_mdb_err(rc));
}

/*
 * A guard for reading a store that may be damaged: while it is set, a
 * fault (a page past the end of the file, a wild pointer read from a
 * damaged page) returns to the guard's sigsetjmp instead of killing the
 * process.  Set only at open, on the one thread that opens.
 */
static sigjmp_buf		guard_jmp;
static volatile sig_atomic_t	guard_signo;
static const int		guard_signals[] = { SIGBUS, SIGSEGV, SIGFPE,
				    SIGABRT };
static struct sigaction		guard_old[4];

static volatile sig_atomic_t	guard_on;

static void
guard_catch(int signo)
{
	guard_signo = signo;
	siglongjmp(guard_jmp, 1);
}

/* LMDB's own assertions on a damaged page: an error under the guard. */
static void
guard_assert(MDB_env *env, const char *msg)
{
	(void)env;
	(void)msg;
	if (guard_on) {
		guard_signo = SIGABRT;
		siglongjmp(guard_jmp, 1);
	}
}

static void
guard_set(int on)
{
	struct sigaction	sa;
	size_t			i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = guard_catch;
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	guard_on = on;
	for (i = 0; i < 4; i++) {
		if (on)
			sigaction(guard_signals[i], &sa, &guard_old[i]);
		else
			sigaction(guard_signals[i], &guard_old[i], NULL);
	}
}

/* Keep room in the map: grow it while less than a quarter is free. */
static int
store_reserve_map(struct store *st)
{
	while (store_map_used(st) > st->map_size / 4 * 3) {
		if (st->map_size >= st->map_max)
			return (IOD_EMAPFULL);
		if (store_grow(st) != 0)
			return (IOD_EIO);
	}
	return (0);
}

/* Open the named databases, check the schema, settle the identity. */
static int
open_dbs(struct store *st, MDB_txn *txn, int marked, const char *marker,
    int *write_marker, char **cause)
{
	MDB_val		 k, v;
	uint64_t	 ver;
	uint8_t		 vbuf[8];
	size_t		 moved;
	int		 rc, i;

	for (i = 0; i < DB__N; i++)
		if ((rc = mdb_dbi_open(txn, store_db_names[i], MDB_CREATE |
		    store_dup_flags(i), &st->dbi[i])) != 0)
			return (store_set_cause(cause, store_db_names[i], rc));
	if ((rc = store_dup_upgrade(st, txn, &moved)) != 0)
		return (store_set_cause(cause, "moving the référents' "
		    "candidates", rc));
	if (moved > 0)
		log_info("store: %zu référents' candidates moved to their own "
		    "database", moved);
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
			    "this iodd reads %d", st->dir,
			    (unsigned long long)ver, STORE_SCHEMA_VERSION) == -1)
				*cause = NULL;
			return (IOD_EINVAL);
		}
	}
	if (rc == 0)
		rc = store_identity_settle(st, txn, marked, marker,
		    write_marker);
	return (rc == 0 ? 0 : store_set_cause(cause, "lmdb schema", rc));
}

/* The part of env_open that reads pages, under the guard. */
static int
env_load(struct store *st, int check, int marked, const char *marker,
    char **cause)
{
	MDB_txn	**txnp = &st->g_txn;
	int	  rc;

	if (check) {
		if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txnp)) != 0)
			return (store_damaged(cause, st->dir,
			    "%s", mdb_strerror(rc)));
		rc = store_check_walk(st, *txnp, cause);
		mdb_txn_abort(*txnp);
		*txnp = NULL;
		if (rc != 0)
			return (rc);
	}
	/* Room at open: a store restarted near its map size still writes. */
	if ((rc = store_reserve_map(st)) != 0 && rc != IOD_EMAPFULL)
		return (store_set_cause(cause, "growing the map", EIO));
	for (;;) {
		if ((rc = mdb_txn_begin(st->env, NULL, 0, txnp)) != 0)
			return (store_set_cause(cause, "lmdb begin", rc));
		if ((rc = open_dbs(st, *txnp, marked, marker, &st->g_marker,
		    cause)) == 0) {
			rc = mdb_txn_commit(*txnp);
			*txnp = NULL;
			if (rc == 0)
				return (0);
			rc = store_set_cause(cause, "lmdb commit", rc);
		}
		if (*txnp != NULL)
			mdb_txn_abort(*txnp);
		*txnp = NULL;
		/* The map is full even for this: grow it and write again. */
		if (rc != IOD_EMAPFULL || store_grow(st) != 0)
			return (rc);
		free(*cause);
		*cause = NULL;
	}
}

/*
 * Open st's environment.  check: walk every database first (at start;
 * not when reopening a copy this process just wrote).
 */
int
store_env_open(struct store *st, int check, int marked, const char *marker,
    char **cause)
{
	MDB_envinfo		 info;
	int			 rc, dead;

	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, DB__N)) != 0 ||
	    (rc = mdb_env_set_maxreaders(st->env, STORE_MAX_READERS)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, st->map_size)) != 0) {
		rc = store_set_cause(cause, "lmdb setup", rc);
		goto fail;
	}
	mdb_env_set_assert(st->env, guard_assert);
	/* NOTLS: read txns are not tied to the thread (the daemon holds a
	 * write txn and reads beside it in the one thread). */
	if ((rc = mdb_env_open(st->env, st->dir, MDB_NOTLS, 0600)) != 0) {
		if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH ||
		    rc == MDB_CORRUPTED)
			rc = store_damaged(cause, st->dir,
			    "%s", mdb_strerror(rc));
		else
			rc = store_set_cause(cause, st->dir, rc);
		goto fail;
	}
	mdb_reader_check(st->env, &dead);
	/* A map larger than asked (grown earlier) is kept. */
	if (mdb_env_info(st->env, &info) == 0 && info.me_mapsize > st->map_size)
		st->map_size = info.me_mapsize;
	if (st->map_max < st->map_size)
		st->map_max = st->map_size;
	guard_signo = 0;
	st->g_txn = NULL;
	st->g_marker = 0;
	guard_set(1);
	if (sigsetjmp(guard_jmp, 1) == 0)
		st->g_rc = env_load(st, check, marked, marker, cause);
	else {
		st->g_rc = store_damaged(cause, st->dir,
		    "%s", guard_signo == SIGBUS ?
		    "reading it raised SIGBUS (a page lies past the end of the "
		    "file or cannot be read)" : guard_signo == SIGABRT ?
		    "LMDB found a page that is not what its parent says" :
		    "reading it raised SIGSEGV (a page holds pointers that "
		    "lead nowhere)");
	}
	/* Clean up under the guard too: after a fault, LMDB's state may
	 * fault again; then what it holds is left to the exit. */
	if (sigsetjmp(guard_jmp, 1) == 0) {
		if (st->g_txn != NULL)
			mdb_txn_abort(st->g_txn);
		if (st->g_rc != 0)
			mdb_env_close(st->env);
	}
	guard_set(0);
	st->g_txn = NULL;
	if ((rc = st->g_rc) != 0) {
		st->env = NULL;
		return (rc);
	}
	if (st->g_marker && (rc = store_identity_write(st->dir, st->id,
	    cause)) != 0)
		goto fail;
	return (0);
fail:
	mdb_env_close(st->env);
	st->env = NULL;
	if (rc < 0 && rc > -100)
		return (rc);	/* already ours */
	return (rc == 0 ? IOD_EIO : store_mdb_err(rc));
}

int
store_open(struct store **out, const char *dir, size_t map_size,
    size_t map_max, char **cause)
{
	struct store	*st;
	char		 marker[STORE_ID_LEN + 1];
	int		 rc, marked;

	*cause = NULL;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		if (asprintf(cause, "%s: %s", dir, strerror(errno)) == -1)
			*cause = NULL;
		return (IOD_EIO);
	}
	if ((marked = store_identity_read(dir, marker, cause)) < 0)
		return (marked);
	if (marked && (rc = store_identity_data(dir, cause)) != 0)
		return (rc);
	if ((rc = store_check_meta(dir, cause)) != 0)
		return (rc);
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->dir = strdup(dir)) == NULL) {
		free(st);
		return (IOD_ENOMEM);
	}
	st->map_size = map_size;
	st->map_max = map_max < map_size ? map_size : map_max;
	store_readers_init(st);
	/* What a compaction cut short left: copies, a replaced file. */
	store_compact_old_drop(st, 0);
	store_compact_discard(st);
	if ((rc = store_env_open(st, 1, marked, marker, cause)) != 0) {
		store_readers_fini(st);
		free(st->dir);
		free(st);
		return (rc);
	}
	*out = st;
	return (0);
}

int
store_backup(struct store *st, int fd)
{
	int	rc;

	if ((rc = mdb_env_copyfd2(st->env, fd, MDB_CP_COMPACT)) != 0)
		return (rc == ENOSPC ? IOD_ENOSPC : IOD_EIO);
	return (store_identity_backup(fd));
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	store_compact_join(st);
	store_compact_old_drop(st, 0);
	store_compact_discard(st);
	store_readers_drain(st);
	if (st->env != NULL) {
		mdb_env_sync(st->env, 1);
		mdb_env_close(st->env);
	}
	store_readers_fini(st);
	store_batch_drop(st);
	free(st->b_keys);
	free(st->dir);
	free(st);
}

int
store_ok(struct store *st)
{
	return (st->env != NULL);
}

int
store_recover(struct store *st, char **cause)
{
	*cause = NULL;
	if (st->env != NULL && !st->panic)
		return (0);
	int	rc;

	store_compact_join(st);
	store_compact_discard(st);
	store_readers_drain(st);
	if (st->env != NULL)
		mdb_env_close(st->env);
	st->env = NULL;
	st->panic = 0;
	rc = store_env_open(st, 0, 1, st->id, cause);
	store_readers_resume(st);
	return (rc);
}

int
store_grow(struct store *st)
{
	size_t	next;
	int	rc;

	if (st->map_size >= st->map_max)
		return (IOD_EMAPFULL);
	next = st->map_size * 2;
	if (next > st->map_max)
		next = st->map_max;
	store_compact_join(st);	/* the map moves: no reader may be in it */
	store_readers_drain(st);
	rc = mdb_env_set_mapsize(st->env, next);
	store_readers_resume(st);
	if (rc != 0)
		return (IOD_EIO);
	st->map_size = next;
	return (0);
}

int
store_reserve(struct store *st)
{
	/* A reader off the loop keeps the map: grow at a later turn (its
	 * end makes one), unless a commit fills the map first. */
	if (store_readers_open(st))
		return (0);
	return (store_reserve_map(st));
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
	if (st->env == NULL) {		/* lost after a failed reopen */
		t->rc = IOD_EIO;
		return (t->rc);
	}
	if (write && parent != NULL)
		store_batch_close(parent);	/* the child sees all of it */
	rc = mdb_txn_begin(st->env, parent != NULL ? parent->t : NULL,
	    write ? 0 : MDB_RDONLY, &tx);
	if (rc == MDB_READERS_FULL) {
		int	dead;

		mdb_reader_check(st->env, &dead);
		rc = mdb_txn_begin(st->env, parent != NULL ? parent->t : NULL,
		    write ? 0 : MDB_RDONLY, &tx);
	}
	if (rc != 0) {
		if (rc == MDB_PANIC)
			st->panic = 1;
		t->rc = store_mdb_err(rc);
		return (t->rc);
	}
	t->t = tx;
	if (write)
		store_batch_drop(st);
	return (0);
}

/* Is the data directory's disk (nearly) full?  A short write is. */
static int
disk_full(struct store *st)
{
	struct statvfs	sv;

	if (statvfs(st->dir, &sv) == -1)
		return (0);
	return ((unsigned long long)sv.f_bavail * sv.f_frsize < (1 << 20));
}

int
store_commit(struct txn *t)
{
	int	rc;

	if (t->t == NULL)
		return (t->rc ? t->rc : IOD_EIO);
	if (t->write)
		store_batch_close(t);	/* what it held goes in first */
	if (t->rc != 0) {
		mdb_txn_abort(t->t);
		t->t = NULL;
		return (t->rc);
	}
	rc = mdb_txn_commit(t->t);
	t->t = NULL;	/* committed or freed by LMDB either way */
	if (rc == EIO && disk_full(t->st))
		rc = ENOSPC;	/* LMDB says EIO for a short write */
	return (store_sticky(t, rc));
}

void
store_abort(struct txn *t)
{
	if (t == NULL || t->t == NULL)
		return;
	if (t->write)
		store_batch_drop(t->st);	/* its ids are given back */
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
	return (store_sticky(t, mdb_put(t->t, t->st->dbi[db], &k, &v, 0)));
}

/* A key past every other of db (a fresh id, the next event) goes in by
 * MDB_APPEND: no search, and the full page it leaves is not split in
 * halves, so a store filled in order stays dense.  A key that is not the
 * last after all (ids restored from elsewhere) is put the ordinary way. */
int
store_append(struct txn *t, enum store_db db, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	MDB_val	k = { klen, (void *)(uintptr_t)key };
	MDB_val	v = { vlen, (void *)(uintptr_t)val };
	int	rc;

	if (!live(t))
		return (t->rc ? t->rc : IOD_EIO);
	rc = mdb_put(t->t, t->st->dbi[db], &k, &v, MDB_APPEND);
	if (rc == MDB_KEYEXIST)
		rc = mdb_put(t->t, t->st->dbi[db], &k, &v, 0);
	return (store_sticky(t, rc));
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
		return (store_sticky(t, rc));
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
	return (store_sticky(t, rc));
}

int
store_put_id(struct txn *t, enum store_db db, uint64_t id, const void *val,
    size_t vlen)
{
	uint8_t	k[8];

	return (store_put(t, db, k, key_u64(k, id), val, vlen));
}

int
store_append_id(struct txn *t, enum store_db db, uint64_t id,
    const void *val, size_t vlen)
{
	uint8_t	k[8];

	return (store_append(t, db, k, key_u64(k, id), val, vlen));
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

	if (history_kept(db))
		history_keep(t, db, id);
	return (store_del(t, db, k, key_u64(k, id)));
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
	if (history_kept(db))
		history_keep(t, db, id);	/* the version it replaces */
	rc = store_put_id(t, db, id, buf, len);
	free(buf);
	return (rc);
}

int
store_put_new_rec(struct txn *t, enum store_db db, uint64_t id,
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
	if (history_kept(db))
		history_keep_new(t, db, id);
	rc = store_append_id(t, db, id, buf, len);
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
	/* The store's own bytes, checked at open: read in place. */
	if ((rc = rec_decode_fields(sc, rec, v, len, ~0ULL, NULL)) != 0)
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
		return (store_sticky(t, rc));
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
	return (store_sticky(t, rc));
}

size_t
store_count(struct txn *t, enum store_db db)
{
	MDB_stat	s;

	if (!live(t) || mdb_stat(t->t, t->st->dbi[db], &s) != 0)
		return (0);
	return (s.ms_entries);
}
