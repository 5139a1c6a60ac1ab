/*
 * store-compact.c — the erasure's compaction, off the event loop: a thread
 * writes a compacted copy of a read snapshot (no free pages, no unused
 * page ends where erased bytes may linger), and the loop swaps it in with
 * store_compact_finish only if nothing was committed since; the replaced
 * file is unlinked beside the loop.  When to compact is the daemon's;
 * reopening the environment is store.c's.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "store-int.h"

static void	compact_old_link(struct store *);

/*
 * Compaction off the event loop.  A thread takes a read snapshot and
 * writes a compacted copy of it to DIR/compact.tmp/data.mdb (the copy
 * leaves out free pages and the unused part of each page, where erased
 * bytes may linger); the loop swaps it in only if nothing was committed
 * since the snapshot.  The map must not be remapped while the thread
 * reads it: store_grow waits for the thread first.
 */
static void *
compact_thread(void *arg)
{
	struct store	*st = arg;
	MDB_txn		*snap = NULL;
	char		*path = NULL;
	int		 fd = -1, rc;

	if (asprintf(&path, "%s/compact.tmp/data.mdb", st->dir) == -1) {
		rc = ENOMEM;
		goto out;
	}
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		rc = errno;
		goto out;
	}
	/* Hold a snapshot around the copy: the copy's is the same or
	 * later, and the same if nothing was committed meanwhile. */
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &snap)) != 0)
		goto out;
	st->c_txnid = mdb_txn_id(snap);
	if ((rc = mdb_env_copyfd2(st->env, fd, MDB_CP_COMPACT)) == 0 &&
	    fdatasync(fd) == -1)
		rc = errno;
	mdb_txn_abort(snap);
	/* A second name for the live file: the swap's rename then frees
	 * nothing on the loop; old_unlink() frees it beside. */
	if (rc == 0)
		compact_old_link(st);
out:
	if (fd != -1 && close(fd) == -1 && rc == 0)
		rc = errno;
	if (rc != 0 && path != NULL)
		unlink(path);
	free(path);
	st->c_rc = rc;
	if (st->c_fd != -1 && write(st->c_fd, "c", 1) != 1)
		st->c_fd = -1;	/* the loop polls store_compact_busy() */
	return (NULL);
}

/* DIR/compact.old, the replaced file's second name. */
static char *
old_path(const char *dir)
{
	char	*p;

	return (asprintf(&p, "%s/compact.old", dir) == -1 ? NULL : p);
}

static void
compact_old_link(struct store *st)
{
	char	*from, *old;

	if ((old = old_path(st->dir)) == NULL)
		return;
	if (asprintf(&from, "%s/data.mdb", st->dir) != -1) {
		unlink(old);
		if (link(from, old) == -1)
			unlink(old);
		free(from);
	}
	free(old);
}

/* Remove the replaced file's second name (and so the file) off the loop:
 * freeing a large file's blocks takes a while. */
static void *
old_unlink(void *arg)
{
	char	*old = arg;

	unlink(old);
	free(old);
	return (NULL);
}

void
store_compact_old_drop(struct store *st, int beside)
{
	pthread_t	 t;
	char		*old;

	if ((old = old_path(st->dir)) == NULL)
		return;
	if (beside && pthread_create(&t, NULL, old_unlink, old) == 0) {
		pthread_detach(t);
		return;
	}
	old_unlink(old);
}

/* Wait for the copy thread, if one runs. */
void
store_compact_join(struct store *st)
{
	if (!st->c_running)
		return;
	pthread_join(st->c_thread, NULL);
	st->c_running = 0;
	st->c_joined = 1;
}

/* Remove what a copy left. */
void
store_compact_discard(struct store *st)
{
	char	*tmp, *path;

	st->c_joined = 0;
	if (asprintf(&tmp, "%s/compact.tmp", st->dir) == -1)
		return;
	if (asprintf(&path, "%s/data.mdb", tmp) != -1) {
		unlink(path);
		free(path);
	}
	rmdir(tmp);
	free(tmp);
}

int
store_compact_start(struct store *st, int done_fd)
{
	char	*tmp;
	int	 rc;

	if (st->c_running || st->c_joined)
		return (IOD_ECONFLICT);
	if (asprintf(&tmp, "%s/compact.tmp", st->dir) == -1)
		return (IOD_ENOMEM);
	rc = mkdir(tmp, 0700) == -1 && errno != EEXIST ? errno : 0;
	free(tmp);
	if (rc != 0)
		return (store_mdb_err(rc));
	st->c_fd = done_fd;
	st->c_rc = 0;
	st->c_txnid = 0;
	if (pthread_create(&st->c_thread, NULL, compact_thread, st) != 0) {
		store_compact_discard(st);
		return (IOD_ENOMEM);
	}
	st->c_running = 1;
	return (0);
}

int
store_compact_busy(struct store *st)
{
	return (st->c_running);
}

int
store_compact_finish(struct store *st, char **cause)
{
	MDB_envinfo	 info;
	char		*from = NULL, *to = NULL;
	int		 rc, fd;

	*cause = NULL;
	if (!st->c_running && !st->c_joined)
		return (IOD_ENOTFOUND);
	store_compact_join(st);
	if (st->env == NULL) {
		rc = IOD_EIO;
		goto out;
	}
	if (st->c_rc != 0) {
		rc = store_mdb_err(st->c_rc);
		if (asprintf(cause, "the compacted copy in %s/compact.tmp "
		    "failed: %s", st->dir, mdb_strerror(st->c_rc)) == -1)
			*cause = NULL;
		store_compact_discard(st);
		return (rc);
	}
	if (mdb_env_info(st->env, &info) != 0 ||
	    info.me_last_txnid != st->c_txnid) {
		store_compact_old_drop(st, 0);
		store_compact_discard(st);
		return (IOD_ECONFLICT);	/* written since: copy again */
	}
	if (asprintf(&from, "%s/compact.tmp/data.mdb", st->dir) == -1 ||
	    asprintf(&to, "%s/data.mdb", st->dir) == -1) {
		rc = IOD_ENOMEM;
		goto out;
	}
	/* The copy is complete and synced: put it in place, reopen (the
	 * old file, if the rename failed), no other thread reading. */
	store_readers_drain(st);
	mdb_env_close(st->env);
	st->env = NULL;
	if (rename(from, to) == -1) {
		rc = IOD_EIO;
		if (asprintf(cause, "%s: %s", to, strerror(errno)) == -1)
			*cause = NULL;
	} else {
		rc = 0;
		if ((fd = open(st->dir, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) != -1) {
			fsync(fd);
			close(fd);
		}
	}
	store_compact_old_drop(st, rc == 0);
	if (rc == 0)
		rc = store_env_open(st, 0, 1, st->id, cause);
	else {
		char	*again = NULL;

		if (store_env_open(st, 0, 1, st->id, &again) != 0) {
			free(*cause);
			*cause = again;
			rc = IOD_EIO;
		} else {
			free(again);
			rc = IOD_ECONFLICT;	/* nothing changed: retry */
		}
	}
	/* st->env is NULL only when even the old file cannot be opened:
	 * the caller must stop. */
out:
	store_readers_resume(st);
	store_compact_discard(st);
	free(from);
	free(to);
	return (rc);
}

