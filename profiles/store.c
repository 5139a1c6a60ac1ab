/*
 * store.c — the LMDB environment: opening it and its named databases once
 * (after checking the file against its meta pages and reading every
 * database under a fault guard), checking the schema version, the store's
 * identity, transactions with a sticky error, typed keys, record get/put
 * through the schema codecs, ordered scans, id sequences, growing the map
 * before it fills, and compacting off the caller's thread.  It knows
 * nothing of what the records mean; the event log is event.c's, indexes
 * are the callers'.
 */
#include <sys/random.h>
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

#include "profiles.h"

#define STORE_SCHEMA_VERSION	1
#define STORE_MAX_READERS	126

const char *const store_db_names[] = { "meta", "companies", "offers",
    "candidates", "referents", "proposals", "placements", "followups",
    "events", "tokens", "rulesets", "audit", "webhooks", "index", NULL };

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
};

static void	compact_join(struct store *);
static void	compact_discard(struct store *);
static void	compact_old_link(struct store *);
static void	compact_old_drop(struct store *, int);

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
	case ENOSPC:
	case EDQUOT:		return (IOD_ENOSPC);
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
	if (mdbrc == MDB_PANIC)
		t->st->panic = 1;
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

/* A fresh random identity, STORE_ID_LEN hex digits. */
static int
identity_new(char *id)
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
static int
marker_read(const char *dir, char *id, char **cause)
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
static int
marker_write(const char *dir, const char *id, char **cause)
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
static int
data_present(const char *dir, char **cause)
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
static int
identity_settle(struct store *st, MDB_txn *txn, int marked,
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
	if (identity_new(st->id) != 0)
		return (EIO);
	v.mv_data = st->id;
	v.mv_size = STORE_ID_LEN;
	*write_marker = 1;
	return (mdb_put(txn, st->dbi[DB_META], &k, &v, 0));
}

/*
 * The meta pages of data.mdb, read with pread before LMDB maps the file:
 * a file shorter than the pages its newest meta names would fault (SIGBUS)
 * on the first read of the missing part.  The layout is LMDB 0.9's: a
 * 16-byte page header, then magic, version, address, map size, the free
 * and main databases' records, last page, txn id.
 */
#define META_HDR		16	/* page header before the meta */
#define META_LEN		136	/* the meta itself */
#define META_P_META		0x08	/* page flag */
#define META_MAGIC		0xBEEFC0DEU
#define META_VERSION		1

struct meta {
	int		 valid;
	const char	*why;		/* why not valid */
	uint32_t	 psize;
	uint64_t	 last_pg, txnid, roots[2];
};

static uint32_t
get32(const uint8_t *p)
{
	uint32_t	v;

	memcpy(&v, p, sizeof(v));
	return (v);
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t	v;

	memcpy(&v, p, sizeof(v));
	return (v);
}

/* Decode one meta page read at its offset. */
static void
meta_parse(const uint8_t *pg, size_t len, struct meta *m)
{
	const uint8_t	*mm = pg + META_HDR;
	uint16_t	 flags;

	memset(m, 0, sizeof(*m));
	if (len < META_HDR + META_LEN) {
		m->why = "missing (the file ends before it)";
		return;
	}
	memcpy(&flags, pg + 10, sizeof(flags));
	if (!(flags & META_P_META) || get32(mm) != META_MAGIC) {
		m->why = "not an LMDB meta page (bad magic)";
		return;
	}
	if (get32(mm + 4) != META_VERSION) {
		m->why = "of an LMDB data version this iodd does not read";
		return;
	}
	m->psize = get32(mm + 24);		/* the free database's pad */
	m->roots[0] = get64(mm + 24 + 40);
	m->roots[1] = get64(mm + 72 + 40);
	m->last_pg = get64(mm + 120);
	m->txnid = get64(mm + 128);
	if (m->psize < 512 || m->psize > 65536 ||
	    (m->psize & (m->psize - 1)) != 0) {
		m->why = "damaged (its page size is not a power of two)";
		return;
	}
	if (m->last_pg < 1 || (m->roots[0] != UINT64_MAX &&
	    m->roots[0] > m->last_pg) || (m->roots[1] != UINT64_MAX &&
	    m->roots[1] > m->last_pg)) {
		m->why = "damaged (a root page lies past its last page)";
		return;
	}
	m->valid = 1;
}

/* Say what is wrong with the store and how to restore it; IOD_ECORRUPT. */
static int
damaged(char **cause, const char *dir, const char *fmt, ...)
{
	va_list	 ap;
	char	*what;

	free(*cause);
	*cause = NULL;
	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) == -1)
		what = NULL;
	va_end(ap);
	if (asprintf(cause, "%s/data.mdb is damaged: %s. iodd will not use "
	    "it. To restore the last backup (GET /v1/backup, iodctl backup "
	    "FILE): keep this file aside for analysis, put the backup in "
	    "place as %s/data.mdb, and start iodd again", dir,
	    what != NULL ? what : "out of memory", dir) == -1)
		*cause = NULL;
	free(what);
	return (IOD_ECORRUPT);
}

/*
 * Check data.mdb against its meta pages: both must be LMDB metas (LMDB
 * itself refuses a file with one bad meta) and the file must hold every
 * page the newest one names.  A missing or empty file is a new store.
 */
static int
meta_check(const char *dir, char **cause)
{
	struct meta	 m[2], *newest;
	struct stat	 sb;
	uint8_t		 pg[META_HDR + META_LEN];
	char		*path;
	ssize_t		 n;
	uint64_t	 need;
	long		 os_psize = sysconf(_SC_PAGESIZE);
	int		 fd, i;

	if (asprintf(&path, "%s/data.mdb", dir) == -1)
		return (IOD_ENOMEM);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return (errno == ENOENT ? 0 : damaged(cause, dir, "%s",
		    strerror(errno)));
	if (fstat(fd, &sb) == -1 || sb.st_size == 0) {
		close(fd);
		return (0);
	}
	n = pread(fd, pg, sizeof(pg), 0);
	meta_parse(pg, n < 0 ? 0 : (size_t)n, &m[0]);
	n = pread(fd, pg, sizeof(pg), m[0].valid ? m[0].psize :
	    (os_psize > 0 ? os_psize : 4096));
	meta_parse(pg, n < 0 ? 0 : (size_t)n, &m[1]);
	close(fd);
	for (i = 0; i < 2; i++)
		if (!m[i].valid)
			return (damaged(cause, dir, "its meta page %d is %s "
			    "(the file is %lld bytes)", i, m[i].why,
			    (long long)sb.st_size));
	if (m[0].psize != m[1].psize)
		return (damaged(cause, dir, "its meta pages disagree on the "
		    "page size (%u, %u)", m[0].psize, m[1].psize));
	newest = m[1].txnid > m[0].txnid ? &m[1] : &m[0];
	need = (newest->last_pg + 1) * (uint64_t)newest->psize;
	if ((uint64_t)sb.st_size < need)
		return (damaged(cause, dir, "it is %lld bytes but its newest "
		    "meta page (transaction %llu) names pages up to %llu, "
		    "%llu bytes: the file was cut short", (long long)sb.st_size,
		    (unsigned long long)newest->txnid,
		    (unsigned long long)newest->last_pg,
		    (unsigned long long)need));
	return (0);
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

/* Visit every entry of one database, checking order, count and reach. */
static int
walk_db(struct store *st, MDB_txn *txn, MDB_dbi dbi, const char *name,
    int records, size_t psize, char **cause)
{
	MDB_stat		 ms;
	MDB_cursor		*c = NULL;
	MDB_val			 k, v, prev;
	uint8_t			 pbuf[512];
	const uint8_t		*p;
	volatile uint8_t	 sink = 0;
	size_t			 n = 0, i;
	int			 rc;

	if ((rc = mdb_stat(txn, dbi, &ms)) != 0 ||
	    (rc = mdb_cursor_open(txn, dbi, &c)) != 0)
		return (damaged(cause, st->dir, "database %s: %s", name,
		    mdb_strerror(rc)));
	prev.mv_data = pbuf;
	prev.mv_size = 0;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (++n > ms.ms_entries) {
			rc = damaged(cause, st->dir, "database %s holds more "
			    "entries than it records (%zu)", name,
			    ms.ms_entries);
			break;
		}
		if (k.mv_size > sizeof(pbuf) || (n > 1 &&
		    mdb_cmp(txn, dbi, &prev, &k) >= 0)) {
			rc = damaged(cause, st->dir, "database %s: its keys "
			    "are out of order after entry %zu", name, n - 1);
			break;
		}
		memcpy(pbuf, k.mv_data, k.mv_size);
		prev.mv_size = k.mv_size;
		/* Touch each page of the value: overflow pages too. */
		p = v.mv_data;
		for (i = 0; i < v.mv_size; i += psize)
			sink ^= p[i];
		if (v.mv_size > 0)
			sink ^= p[v.mv_size - 1];
		if ((records == 1 && mp_check(v.mv_data, v.mv_size) != 0) ||
		    (records == 2 && (memchr(v.mv_data, '\0', v.mv_size) !=
		    NULL || !utf8_valid(v.mv_data, v.mv_size)))) {
			rc = damaged(cause, st->dir, "database %s: entry %zu "
			    "is not readable", name, n);
			break;
		}
	}
	mdb_cursor_close(c);
	if (rc < 0 && rc > -100)
		return (rc);
	if (rc != MDB_NOTFOUND)
		return (damaged(cause, st->dir, "database %s, entry %zu: %s",
		    name, n + 1, mdb_strerror(rc)));
	if (n != ms.ms_entries)
		return (damaged(cause, st->dir, "database %s holds %zu "
		    "entries but records %zu", name, n, ms.ms_entries));
	(void)sink;
	return (0);
}

/* The free list: each entry a count and that many page numbers. */
static int
walk_free(struct store *st, MDB_txn *txn, size_t last_pg, char **cause)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint64_t	 cnt, pg;
	size_t		 i;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, 0, &c)) != 0)
		return (damaged(cause, st->dir, "free list: %s",
		    mdb_strerror(rc)));
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size < 8 || v.mv_size % 8 != 0 ||
		    (cnt = get64(v.mv_data)) != v.mv_size / 8 - 1) {
			rc = -1;
			break;
		}
		for (i = 1; i <= cnt; i++)
			if ((pg = get64((const uint8_t *)v.mv_data + 8 * i)) <
			    2 || pg > last_pg)
				break;
		if (i <= cnt) {
			rc = -1;
			break;
		}
	}
	mdb_cursor_close(c);
	if (rc == -1)
		return (damaged(cause, st->dir, "its free list names pages "
		    "that do not exist"));
	if (rc != MDB_NOTFOUND)
		return (damaged(cause, st->dir, "free list: %s",
		    mdb_strerror(rc)));
	return (0);
}

/*
 * What a database's values are, for the walk: 1 one msgpack record each,
 * 2 UTF-8 text (rule set sources), 0 anything (meta, index, and any
 * database added later until it says).
 */
static int
db_holds_records(int db)
{
	switch (db) {
	case DB_COMPANIES: case DB_OFFERS: case DB_CANDIDATES:
	case DB_REFERENTS: case DB_PROPOSALS: case DB_PLACEMENTS:
	case DB_FOLLOWUPS: case DB_EVENTS: case DB_TOKENS: case DB_AUDIT:
	case DB_WEBHOOKS:
		return (1);
	case DB_RULESETS:
		return (2);
	default:
		return (0);
	}
}

/*
 * Read every page of every database once, in a read txn: what LMDB
 * cannot see at open (a page cut off, overwritten, zeroed) is found here
 * rather than by the first request that reaches it.
 */
static int
walk_all(struct store *st, MDB_txn *txn, char **cause)
{
	MDB_envinfo	 info;
	MDB_stat	 ms;
	MDB_dbi		 dbi;
	int		 rc, i;

	if ((rc = mdb_env_info(st->env, &info)) != 0 ||
	    (rc = mdb_env_stat(st->env, &ms)) != 0)
		return (damaged(cause, st->dir, "%s", mdb_strerror(rc)));
	if ((rc = walk_free(st, txn, info.me_last_pgno, cause)) != 0)
		return (rc);
	/* The main database: the names and roots of the others. */
	if ((rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0)
		return (damaged(cause, st->dir, "main database: %s",
		    mdb_strerror(rc)));
	if ((rc = walk_db(st, txn, dbi, "(main)", 0, ms.ms_psize, cause)) != 0)
		return (rc);
	for (i = 0; i < DB__N; i++) {
		rc = mdb_dbi_open(txn, store_db_names[i], 0, &dbi);
		if (rc == MDB_NOTFOUND)
			continue;	/* a new store */
		if (rc != 0)
			return (damaged(cause, st->dir, "database %s: %s",
			    store_db_names[i], mdb_strerror(rc)));
		if ((rc = walk_db(st, txn, dbi, store_db_names[i],
		    db_holds_records(i), ms.ms_psize, cause)) != 0)
			return (rc);
	}
	return (0);
}

/* Keep room in the map: grow it while less than a quarter is free. */
static int
reserve(struct store *st)
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
	int		 rc, i;

	for (i = 0; i < DB__N; i++)
		if ((rc = mdb_dbi_open(txn, store_db_names[i], MDB_CREATE,
		    &st->dbi[i])) != 0)
			return (set_cause(cause, store_db_names[i], rc));
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
		rc = identity_settle(st, txn, marked, marker, write_marker);
	return (rc == 0 ? 0 : set_cause(cause, "lmdb schema", rc));
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
			return (damaged(cause, st->dir, "%s", mdb_strerror(rc)));
		rc = walk_all(st, *txnp, cause);
		mdb_txn_abort(*txnp);
		*txnp = NULL;
		if (rc != 0)
			return (rc);
	}
	/* Room at open: a store restarted near its map size still writes. */
	if ((rc = reserve(st)) != 0 && rc != IOD_EMAPFULL)
		return (set_cause(cause, "growing the map", EIO));
	for (;;) {
		if ((rc = mdb_txn_begin(st->env, NULL, 0, txnp)) != 0)
			return (set_cause(cause, "lmdb begin", rc));
		if ((rc = open_dbs(st, *txnp, marked, marker, &st->g_marker,
		    cause)) == 0) {
			rc = mdb_txn_commit(*txnp);
			*txnp = NULL;
			if (rc == 0)
				return (0);
			rc = set_cause(cause, "lmdb commit", rc);
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
static int
env_open(struct store *st, int check, int marked, const char *marker,
    char **cause)
{
	MDB_envinfo		 info;
	int			 rc, dead;

	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, DB__N)) != 0 ||
	    (rc = mdb_env_set_maxreaders(st->env, STORE_MAX_READERS)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, st->map_size)) != 0) {
		rc = set_cause(cause, "lmdb setup", rc);
		goto fail;
	}
	mdb_env_set_assert(st->env, guard_assert);
	/* NOTLS: read txns are not tied to the thread (the daemon holds a
	 * write txn and reads beside it in the one thread). */
	if ((rc = mdb_env_open(st->env, st->dir, MDB_NOTLS, 0600)) != 0) {
		if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH ||
		    rc == MDB_CORRUPTED)
			rc = damaged(cause, st->dir, "%s", mdb_strerror(rc));
		else
			rc = set_cause(cause, st->dir, rc);
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
		st->g_rc = damaged(cause, st->dir, "%s", guard_signo == SIGBUS ?
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
	if (st->g_marker && (rc = marker_write(st->dir, st->id, cause)) != 0)
		goto fail;
	return (0);
fail:
	mdb_env_close(st->env);
	st->env = NULL;
	if (rc < 0 && rc > -100)
		return (rc);	/* already ours */
	return (rc == 0 ? IOD_EIO : err_to_iod(rc));
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
	if ((marked = marker_read(dir, marker, cause)) < 0)
		return (marked);
	if (marked && (rc = data_present(dir, cause)) != 0)
		return (rc);
	if ((rc = meta_check(dir, cause)) != 0)
		return (rc);
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->dir = strdup(dir)) == NULL) {
		free(st);
		return (IOD_ENOMEM);
	}
	st->map_size = map_size;
	st->map_max = map_max < map_size ? map_size : map_max;
	/* What a compaction cut short left: copies, a replaced file. */
	compact_old_drop(st, 0);
	compact_discard(st);
	if ((rc = env_open(st, 1, marked, marker, cause)) != 0) {
		free(st->dir);
		free(st);
		return (rc);
	}
	*out = st;
	return (0);
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
static int
backup_identity(int fd)
{
	MDB_env	*env = NULL;
	MDB_txn	*txn = NULL;
	MDB_dbi	 dbi;
	MDB_val	 k = { 8, (void *)(uintptr_t)"identity" }, v;
	char	 path[64], id[STORE_ID_LEN + 1];
	int	 rc;

	if (identity_new(id) != 0)
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
	return (rc == 0 ? 0 : err_to_iod(rc));
}

int
store_backup(struct store *st, int fd)
{
	int	rc;

	if ((rc = mdb_env_copyfd2(st->env, fd, MDB_CP_COMPACT)) != 0)
		return (rc == ENOSPC ? IOD_ENOSPC : IOD_EIO);
	return (backup_identity(fd));
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	compact_join(st);
	compact_old_drop(st, 0);
	compact_discard(st);
	if (st->env != NULL) {
		mdb_env_sync(st->env, 1);
		mdb_env_close(st->env);
	}
	free(st->dir);
	free(st);
}

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

static void
compact_old_drop(struct store *st, int beside)
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
static void
compact_join(struct store *st)
{
	if (!st->c_running)
		return;
	pthread_join(st->c_thread, NULL);
	st->c_running = 0;
	st->c_joined = 1;
}

/* Remove what a copy left. */
static void
compact_discard(struct store *st)
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
		return (err_to_iod(rc));
	st->c_fd = done_fd;
	st->c_rc = 0;
	st->c_txnid = 0;
	if (pthread_create(&st->c_thread, NULL, compact_thread, st) != 0) {
		compact_discard(st);
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
	compact_join(st);
	if (st->env == NULL) {
		rc = IOD_EIO;
		goto out;
	}
	if (st->c_rc != 0) {
		rc = err_to_iod(st->c_rc);
		if (asprintf(cause, "the compacted copy in %s/compact.tmp "
		    "failed: %s", st->dir, mdb_strerror(st->c_rc)) == -1)
			*cause = NULL;
		compact_discard(st);
		return (rc);
	}
	if (mdb_env_info(st->env, &info) != 0 ||
	    info.me_last_txnid != st->c_txnid) {
		compact_old_drop(st, 0);
		compact_discard(st);
		return (IOD_ECONFLICT);	/* written since: copy again */
	}
	if (asprintf(&from, "%s/compact.tmp/data.mdb", st->dir) == -1 ||
	    asprintf(&to, "%s/data.mdb", st->dir) == -1) {
		rc = IOD_ENOMEM;
		goto out;
	}
	/* The copy is complete and synced: put it in place, reopen (the
	 * old file, if the rename failed). */
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
	compact_old_drop(st, rc == 0);
	if (rc == 0)
		rc = env_open(st, 0, 1, st->id, cause);
	else {
		char	*again = NULL;

		if (env_open(st, 0, 1, st->id, &again) != 0) {
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
	compact_discard(st);
	free(from);
	free(to);
	return (rc);
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
	compact_join(st);
	compact_discard(st);
	if (st->env != NULL)
		mdb_env_close(st->env);
	st->env = NULL;
	st->panic = 0;
	return (env_open(st, 0, 1, st->id, cause));
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
	compact_join(st);	/* the map moves: no reader may be in it */
	if (mdb_env_set_mapsize(st->env, next) != 0)
		return (IOD_EIO);
	st->map_size = next;
	return (0);
}

int
store_reserve(struct store *st)
{
	return (reserve(st));
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
		t->rc = err_to_iod(rc);
		return (t->rc);
	}
	t->t = tx;
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
	if (t->rc != 0) {
		mdb_txn_abort(t->t);
		t->t = NULL;
		return (t->rc);
	}
	rc = mdb_txn_commit(t->t);
	t->t = NULL;	/* committed or freed by LMDB either way */
	if (rc == EIO && disk_full(t->st))
		rc = ENOSPC;	/* LMDB says EIO for a short write */
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
