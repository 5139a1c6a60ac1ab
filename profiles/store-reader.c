/*
 * store-reader.c — read transactions of other threads than the event
 * loop's (a replay's): counted, so that the loop can wait for them to end
 * before the map moves (store_grow) or the file is swapped or closed (an
 * open reader would keep the old map), and told meanwhile to end soon
 * (store_reader_stopping); one that begins meanwhile waits for the loop
 * to be done.  The loop's own transactions are store.c's; LMDB's read
 * txns are not tied to a thread here (MDB_NOTLS).
 */
#include <pthread.h>
#include <string.h>

#include "store-int.h"

void
store_readers_init(struct store *st)
{
	pthread_mutex_init(&st->r_lock, NULL);
	pthread_cond_init(&st->r_gone, NULL);
}

void
store_readers_fini(struct store *st)
{
	pthread_mutex_destroy(&st->r_lock);
	pthread_cond_destroy(&st->r_gone);
}

int
store_reader_begin(struct store *st, struct txn *t)
{
	int	rc;

	memset(t, 0, sizeof(*t));
	pthread_mutex_lock(&st->r_lock);
	while (atomic_load(&st->r_stop))	/* the map moves: a moment */
		pthread_cond_wait(&st->r_gone, &st->r_lock);
	st->r_count++;
	pthread_mutex_unlock(&st->r_lock);
	if ((rc = store_begin(st, t, 0, NULL)) != 0) {
		store_reader_end(t);
		return (rc);
	}
	return (0);
}

int
store_reader_stopping(struct store *st)
{
	return (atomic_load(&st->r_stop));
}

int
store_readers_open(struct store *st)
{
	int	n;

	pthread_mutex_lock(&st->r_lock);
	n = st->r_count;
	pthread_mutex_unlock(&st->r_lock);
	return (n > 0);
}

void
store_reader_end(struct txn *t)
{
	struct store	*st = t->st;

	store_abort(t);
	pthread_mutex_lock(&st->r_lock);
	if (--st->r_count == 0)
		pthread_cond_broadcast(&st->r_gone);
	pthread_mutex_unlock(&st->r_lock);
}

void
store_readers_drain(struct store *st)
{
	pthread_mutex_lock(&st->r_lock);
	atomic_store(&st->r_stop, 1);
	while (st->r_count > 0)
		pthread_cond_wait(&st->r_gone, &st->r_lock);
	pthread_mutex_unlock(&st->r_lock);
}

void
store_readers_resume(struct store *st)
{
	pthread_mutex_lock(&st->r_lock);
	atomic_store(&st->r_stop, 0);
	pthread_cond_broadcast(&st->r_gone);
	pthread_mutex_unlock(&st->r_lock);
}
