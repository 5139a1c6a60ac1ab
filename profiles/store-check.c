/*
 * store-check.c — the damage checks at open: data.mdb's meta pages read
 * with pread before LMDB maps the file (a file shorter than its newest
 * meta names would fault on the first read of the missing part), then, in
 * a read txn under store.c's fault guard, every page of every database
 * visited once: order, counts, the free list, each record's msgpack and
 * each rule set's text.  Each finding is said with how to restore the
 * last backup.  Opening, the guard itself and repairing nothing are
 * store.c's.
 */
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
int
store_damaged(char **cause, const char *dir, const char *fmt, ...)
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
int
store_check_meta(const char *dir, char **cause)
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
		return (errno == ENOENT ? 0 : store_damaged(cause, dir, "%s",
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
			return (store_damaged(cause, dir,
			    "its meta page %d is %s "
			    "(the file is %lld bytes)", i, m[i].why,
			    (long long)sb.st_size));
	if (m[0].psize != m[1].psize)
		return (store_damaged(cause, dir,
		    "its meta pages disagree on the "
		    "page size (%u, %u)", m[0].psize, m[1].psize));
	newest = m[1].txnid > m[0].txnid ? &m[1] : &m[0];
	need = (newest->last_pg + 1) * (uint64_t)newest->psize;
	if ((uint64_t)sb.st_size < need)
		return (store_damaged(cause, dir,
		    "it is %lld bytes but its newest "
		    "meta page (transaction %llu) names pages up to %llu, "
		    "%llu bytes: the file was cut short", (long long)sb.st_size,
		    (unsigned long long)newest->txnid,
		    (unsigned long long)newest->last_pg,
		    (unsigned long long)need));
	return (0);
}

/* Visit every entry of one database, checking order, count and reach. */
static int
walk_db(struct store *st, MDB_txn *txn, MDB_dbi dbi, const char *name,
    int records, size_t psize, char **cause)
{
	MDB_stat		 ms;
	MDB_cursor		*c = NULL;
	MDB_val			 k, v, prev, pv;
	uint8_t			 pbuf[512], vbuf[64];
	const uint8_t		*p;
	volatile uint8_t	 sink = 0;
	unsigned int		 flags = 0;
	size_t			 n = 0, i;
	int			 rc, cmp, dups;

	if ((rc = mdb_stat(txn, dbi, &ms)) != 0 ||
	    (rc = mdb_dbi_flags(txn, dbi, &flags)) != 0 ||
	    (rc = mdb_cursor_open(txn, dbi, &c)) != 0)
		return (store_damaged(cause, st->dir, "database %s: %s", name,
		    mdb_strerror(rc)));
	/* Where a key keeps several values, they follow it in order. */
	dups = (flags & MDB_DUPSORT) != 0;
	prev.mv_data = pbuf;
	prev.mv_size = 0;
	pv.mv_data = vbuf;
	pv.mv_size = 0;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (++n > ms.ms_entries) {
			rc = store_damaged(cause, st->dir,
			    "database %s holds more "
			    "entries than it records (%zu)", name,
			    ms.ms_entries);
			break;
		}
		cmp = n > 1 ? mdb_cmp(txn, dbi, &prev, &k) : -1;
		if (cmp == 0 && dups && v.mv_size <= sizeof(vbuf))
			cmp = mdb_dcmp(txn, dbi, &pv, &v);
		if (k.mv_size > sizeof(pbuf) || (dups &&
		    v.mv_size > sizeof(vbuf)) || cmp >= 0) {
			rc = store_damaged(cause, st->dir,
			    "database %s: its keys "
			    "are out of order after entry %zu", name, n - 1);
			break;
		}
		memcpy(pbuf, k.mv_data, k.mv_size);
		prev.mv_size = k.mv_size;
		if (dups) {
			memcpy(vbuf, v.mv_data, v.mv_size);
			pv.mv_size = v.mv_size;
		}
		/* Touch each page of the value: overflow pages too. */
		p = v.mv_data;
		for (i = 0; i < v.mv_size; i += psize)
			sink ^= p[i];
		if (v.mv_size > 0)
			sink ^= p[v.mv_size - 1];
		if ((records == 1 && mp_check(v.mv_data, v.mv_size) != 0) ||
		    (records == 2 && (memchr(v.mv_data, '\0', v.mv_size) !=
		    NULL || !utf8_valid(v.mv_data, v.mv_size)))) {
			rc = store_damaged(cause, st->dir,
			    "database %s: entry %zu "
			    "is not readable", name, n);
			break;
		}
	}
	mdb_cursor_close(c);
	if (rc < 0 && rc > -100)
		return (rc);
	if (rc != MDB_NOTFOUND)
		return (store_damaged(cause, st->dir,
		    "database %s, entry %zu: %s",
		    name, n + 1, mdb_strerror(rc)));
	if (n != ms.ms_entries)
		return (store_damaged(cause, st->dir, "database %s holds %zu "
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
		return (store_damaged(cause, st->dir, "free list: %s",
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
		return (store_damaged(cause, st->dir,
		    "its free list names pages "
		    "that do not exist"));
	if (rc != MDB_NOTFOUND)
		return (store_damaged(cause, st->dir, "free list: %s",
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
	case DB_WEBHOOKS: case DB_CONTACTS: case DB_ACCOUNTS:
	case DB_SESSIONS: case DB_CALENDARS:
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
int
store_check_walk(struct store *st, MDB_txn *txn, char **cause)
{
	MDB_envinfo	 info;
	MDB_stat	 ms;
	MDB_dbi		 dbi;
	int		 rc, i;

	if ((rc = mdb_env_info(st->env, &info)) != 0 ||
	    (rc = mdb_env_stat(st->env, &ms)) != 0)
		return (store_damaged(cause, st->dir, "%s", mdb_strerror(rc)));
	if ((rc = walk_free(st, txn, info.me_last_pgno, cause)) != 0)
		return (rc);
	/* The main database: the names and roots of the others. */
	if ((rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0)
		return (store_damaged(cause, st->dir, "main database: %s",
		    mdb_strerror(rc)));
	if ((rc = walk_db(st, txn, dbi, "(main)", 0, ms.ms_psize, cause)) != 0)
		return (rc);
	for (i = 0; i < DB__N; i++) {
		rc = mdb_dbi_open(txn, store_db_names[i], 0, &dbi);
		if (rc == MDB_NOTFOUND)
			continue;	/* a new store */
		if (rc != 0)
			return (store_damaged(cause, st->dir, "database %s: %s",
			    store_db_names[i], mdb_strerror(rc)));
		if ((rc = walk_db(st, txn, dbi, store_db_names[i],
		    db_holds_records(i), ms.ms_psize, cause)) != 0)
			return (rc);
	}
	return (0);
}

