/*
 * store-identity.c — the store's identity: 128 random bits in DB_META and
 * the same in a marker file beside data.mdb (store.id), written durably.
 * A store whose identity differs from its marker's is a restored copy and
 * gets a new one, so that two copies never speak with one voice; a marker
 * without its data file stops the start rather than begin an empty store
 * over a lost one; a backup gets an identity of its own.  Opening the
 * environment is store.c's.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "store-int.h"

/* A fresh random identity, STORE_ID_LEN hex digits. */
int
store_identity_new(char *id)
{
	uint8_t	b[STORE_ID_LEN / 2];
	size_t	i;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return (IOD_EIO);
	for (i = 0; i < sizeof(b); i++)
		snprintf(id + 2 * i, 3, "%02x", b[i]);
	return (0);
}

/* Read the marker file: 1 found (id filled), 0 absent, <0 error. */
int
store_identity_read(const char *dir, char *id, char **cause)
{
	char	*path, buf[STORE_ID_LEN + 2];
	ssize_t	 n;
	int	 fd;

	if (asprintf(&path, "%s/%s", dir, STORE_ID_FILE) == -1)
		return (IOD_ENOMEM);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		n = errno;
		if (n != ENOENT && asprintf(cause, "%s: %s", path,
		    strerror(errno)) == -1)
			*cause = NULL;
		free(path);
		return (n == ENOENT ? 0 : IOD_EIO);
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	free(path);
	/* A short or garbled marker still says a store existed here. */
	memset(id, 0, STORE_ID_LEN + 1);
	if (n >= STORE_ID_LEN)
		memcpy(id, buf, STORE_ID_LEN);
	return (1);
}

/* Write the marker file durably (temporary file, fsync, rename). */
int
store_identity_write(const char *dir, const char *id, char **cause)
{
	char	*tmp = NULL, *path = NULL, line[STORE_ID_LEN + 2];
	int	 fd = -1, rc = IOD_EIO;

	if (asprintf(&tmp, "%s/%s.tmp", dir, STORE_ID_FILE) == -1 ||
	    asprintf(&path, "%s/%s", dir, STORE_ID_FILE) == -1) {
		rc = IOD_ENOMEM;
		goto out;
	}
	snprintf(line, sizeof(line), "%s\n", id);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 ||
	    write(fd, line, strlen(line)) != (ssize_t)strlen(line) ||
	    fsync(fd) == -1 || close(fd) == -1) {
		if (asprintf(cause, "%s: %s", tmp, strerror(errno)) == -1)
			*cause = NULL;
		if (fd != -1)
			close(fd);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) == -1) {
		if (asprintf(cause, "%s: %s", path, strerror(errno)) == -1)
			*cause = NULL;
		unlink(tmp);
		goto out;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(fd);
		close(fd);
	}
	rc = 0;
out:
	free(tmp);
	free(path);
	return (rc);
}

/*
 * A marker says a store lived here: its data file must be there and not
 * empty, never silently replaced by a new empty store.
 */
int
store_identity_data(const char *dir, char **cause)
{
	struct stat	 sb;
	const char	*what;
	char		*path;
	int		 rc = 0, found;

	if (asprintf(&path, "%s/data.mdb", dir) == -1)
		return (IOD_ENOMEM);
	found = stat(path, &sb) == 0;
	if (!found || sb.st_size == 0) {
		what = found ? "empty file" : strerror(errno);
		if (asprintf(cause, "%s: %s, but %s/%s says a store was "
		    "created here; iodd will not start an empty store over "
		    "it. Restore a backup (GET /v1/backup, iodctl backup FILE) "
		    "by putting it in place as %s, or, to start a new empty "
		    "store on purpose, remove %s/%s", path, what, dir,
		    STORE_ID_FILE, path, dir, STORE_ID_FILE) == -1)
			*cause = NULL;
		rc = IOD_ECORRUPT;
	}
	free(path);
	return (rc);
}

/*
 * Settle the store's identity in txn: a new store gets one; a store whose
 * identity differs from the marker's, or that has one but no marker, is a
 * restored copy (or one moved elsewhere) and gets a new one, so that two
 * copies never speak with one voice.  A store written before identities
 * existed gets one quietly.  The marker is written after the caller
 * commits.
 */
int
store_identity_settle(struct store *st, MDB_txn *txn, int marked,
    const char *marker, int *write_marker)
{
	MDB_val	k = { 8, (void *)(uintptr_t)"identity" }, v;
	int	rc;

	*write_marker = 0;
	rc = mdb_get(txn, st->dbi[DB_META], &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return (rc);
	if (rc == 0 && v.mv_size == STORE_ID_LEN) {
		memcpy(st->id, v.mv_data, STORE_ID_LEN);
		st->id[STORE_ID_LEN] = '\0';
		if (marked && strcmp(st->id, marker) == 0)
			return (0);
		st->restored = 1;
	}
	if (store_identity_new(st->id) != 0)
		return (EIO);
	v.mv_data = st->id;
	v.mv_size = STORE_ID_LEN;
	*write_marker = 1;
	return (mdb_put(txn, st->dbi[DB_META], &k, &v, 0));
}


const char *
store_identity(struct store *st)
{
	return (st->id);
}

int
store_restored(struct store *st)
{
	return (st->restored);
}


/*
 * Give a copy written to fd an identity of its own: put back in place of
 * the live data.mdb (or anywhere else), it is then seen as restored.
 */
int
store_identity_backup(int fd)
{
	MDB_env	*env = NULL;
	MDB_txn	*txn = NULL;
	MDB_dbi	 dbi;
	MDB_val	 k = { 8, (void *)(uintptr_t)"identity" }, v;
	char	 path[64], id[STORE_ID_LEN + 1];
	int	 rc;

	if (store_identity_new(id) != 0)
		return (IOD_EIO);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	v.mv_data = id;
	v.mv_size = STORE_ID_LEN;
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, DB__N)) != 0 ||
	    (rc = mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, store_db_names[DB_META], 0, &dbi)) != 0 ||
	    (rc = mdb_put(txn, dbi, &k, &v, 0)) != 0)
		goto out;
	rc = mdb_txn_commit(txn);
	txn = NULL;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	return (rc == 0 ? 0 : store_mdb_err(rc));
}

