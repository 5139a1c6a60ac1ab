/*
 * store-int.h — what the store's files (store.c, store-identity.c,
 * store-check.c, store-compact.c, store-reader.c, store-batch.c,
 * store-dup.c) share
 * and nothing else includes: the struct store behind profiles.h's opaque pointer, and
 * their verbs to one another.  Callers use profiles.h.
 */
#ifndef IOD_STORE_INT_H
#define IOD_STORE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <lmdb.h>

#include "profiles.h"

#define STORE_ID_LEN		32	/* hex digits of a 128-bit identity */
#define STORE_ID_FILE		"store.id"

struct store {
	MDB_env		*env;
	MDB_dbi		 dbi[DB__N];
	size_t		 map_size, map_max;
	char		*dir;
	char		 id[STORE_ID_LEN + 1];
	int		 restored;	/* this open found a restored copy */
	int		 panic;		/* LMDB said MDB_PANIC: reopen */
	/* The compaction thread and what it did. */
	pthread_t	 c_thread;
	int		 c_running, c_joined, c_fd, c_rc;
	uint64_t	 c_txnid;	/* the snapshot it copied */
	/* What the open under the fault guard holds. */
	MDB_txn		*g_txn;
	int		 g_marker;	/* write the marker after commit */
	int		 g_rc;
	/* Read txns of other threads (store_reader_begin): the map's growth
	 * and a swap of the file wait until none is open (store_readers_drain). */
	pthread_mutex_t	 r_lock;
	pthread_cond_t	 r_gone;
	int		 r_count;	/* open */
	atomic_int	 r_stop;	/* 1 while the loop waits for them */
	/* store-batch.c: the id store_next_id last gave in write txn
	 * q_txn (which only it has written since), so that a batch reads
	 * its sequence once; the keys store_put_later holds for b_txn. */
	void		*q_txn;
	enum store_db	 q_db;
	uint64_t	 q_last;
	int		 q_held;	/* q_last not yet in DB_META */
	void		*b_txn;		/* NULL: no batch open */
	struct store_later *b_keys;
	size_t		 b_n, b_cap;
};

/* store-dup.c: the LMDB flags of db (MDB_DUPSORT for those that keep
 * several values a key); the référents' candidates of a store written
 * before DB_REFCANDS moved into it (*moved: how many), an LMDB code. */
int	 store_dup_flags(enum store_db db);
int	 store_dup_upgrade(struct store *st, MDB_txn *txn, size_t *moved);

/* store-batch.c: at the end of write txn t (commit), what the batch
 * held goes in; at its abort or another txn's start, all is dropped. */
void	 store_batch_close(struct txn *t);
void	 store_batch_drop(struct store *st);

/* store.c */
int	 store_mdb_err(int mdbrc);	/* LMDB's code as ours */
/* LMDB's code mdbrc as ours, and t's first failure if it is one (and
 * the store's panic, for MDB_PANIC). */
int	 store_sticky(struct txn *t, int mdbrc);
/* *cause = "what: LMDB's message" (caller frees); returns ours. */
int	 store_set_cause(char **cause, const char *what, int mdbrc);
/* Open st's environment; check: walk every database first (at start;
 * not when reopening a copy this process just wrote). */
int	 store_env_open(struct store *st, int check, int marked,
	    const char *marker, char **cause);

/* store-reader.c: read txns off the loop.  drain waits until no other
 * thread's read txn is open and lets none begin until resume; the loop's,
 * before the map moves or the file is swapped or closed. */
void	 store_readers_init(struct store *st);
void	 store_readers_fini(struct store *st);
void	 store_readers_drain(struct store *st);
void	 store_readers_resume(struct store *st);

/* store-identity.c: the store's identity and its marker file */
int	 store_identity_new(char *id);	/* STORE_ID_LEN hex digits */
/* Read the marker file: 1 found (id filled), 0 absent, <0 error. */
int	 store_identity_read(const char *dir, char *id, char **cause);
/* Write the marker file durably (temporary file, fsync, rename). */
int	 store_identity_write(const char *dir, const char *id, char **cause);
/* A marker says a store lived here: its data file must be there. */
int	 store_identity_data(const char *dir, char **cause);
/* Settle st->id in txn (see the file); *write_marker after commit. */
int	 store_identity_settle(struct store *st, MDB_txn *txn, int marked,
	    const char *marker, int *write_marker);
/* Give a copy written to fd an identity of its own. */
int	 store_identity_backup(int fd);

/* store-check.c: the damage checks at open */
/* Say what is wrong with the store and how to restore it; IOD_ECORRUPT. */
int	 store_damaged(char **cause, const char *dir, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* data.mdb against its meta pages, before LMDB maps it. */
int	 store_check_meta(const char *dir, char **cause);
/* Read every page of every database once, in the read txn. */
int	 store_check_walk(struct store *st, MDB_txn *txn, char **cause);

/* store-compact.c: the compaction thread */
void	 store_compact_join(struct store *);	/* wait for the thread */
void	 store_compact_discard(struct store *);	/* what a copy left */
/* Remove the replaced file's second name, off the loop if beside. */
void	 store_compact_old_drop(struct store *, int beside);

#endif
