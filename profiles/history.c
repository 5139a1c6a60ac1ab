/*
 * history.c — the past versions of the records matching reads (companies,
 * offers, candidates), so that a proposal can be replayed on the records
 * as they were.  Before each write or deletion of such a record,
 * DB_HISTORY keeps the bytes it replaces under (database, id, seq), seq
 * being the event sequence the write comes before (event_last + 1): empty
 * when the record did not exist, and of a candidate only what matching
 * reads, never a name nor a contact detail.  The record as it was just
 * after event s is the value of the first entry of a later seq, or the
 * stored record if none.  An erasure turns every version of the person
 * into a one-byte mark.  Replaying is the domain's (replay.c).
 */
#include <stdlib.h>
#include <string.h>

#include "profiles.h"

#define HKEY_LEN	17	/* db, id, seq */
#define ERASED_MARK	'E'	/* never the first byte of a record (an
				   array, or a map stored before) */

/* What a candidate's version keeps: what the matching index reads. */
const char *const history_candidate_fields[] = { "id", "commune", "qpv",
    "programme", "oriented_on", "publics", "rome", "contracts",
    "max_weekly_hours", "schedule_ok", "mobility", "available_on",
    "consent", "status", NULL };

static size_t
hkey(uint8_t *k, enum store_db db, uint64_t id, uint64_t seq)
{
	k[0] = (uint8_t)db;
	key_u64(k + 1, id);
	key_u64(k + 9, seq);
	return (HKEY_LEN);
}

int
history_kept(enum store_db db)
{
	return (db == DB_COMPANIES || db == DB_OFFERS || db == DB_CANDIDATES);
}

/* A candidate's stored bytes cut to what matching reads; *out (caller
 * frees). */
static int
cand_cut(const void *v, size_t vl, char **out, size_t *len)
{
	struct candidate	c;
	int			rc;

	memset(&c, 0, sizeof(c));
	rc = rec_decode_fields(&candidate_schema, &c, v, vl,
	    rec_fields_mask(&candidate_schema, history_candidate_fields), NULL);
	if (rc == 0)
		rc = rec_encode(&candidate_schema, &c, out, len);
	rec_clear(&candidate_schema, &c);
	return (rc);
}

void
history_keep(struct txn *t, enum store_db db, uint64_t id)
{
	uint8_t		 k[HKEY_LEN];
	const void	*old, *was;
	size_t		 oldlen = 0, waslen;
	char		*cut = NULL;
	int		 rc;

	if (t->rc != 0 || !history_kept(db))
		return;
	hkey(k, db, id, event_last(t) + 1);
	/* A second write before the same event: the first kept the older. */
	if (store_get(t, DB_HISTORY, k, sizeof(k), &was, &waslen) == 0)
		return;
	if ((rc = store_get_id(t, db, id, &old, &oldlen)) == IOD_ENOTFOUND) {
		old = "";
		oldlen = 0;
	} else if (rc != 0)
		return;
	if (db == DB_CANDIDATES && oldlen > 0) {
		if ((rc = cand_cut(old, oldlen, &cut, &oldlen)) != 0) {
			if (t->rc == 0)
				t->rc = rc;
			return;
		}
		old = cut;
	}
	store_put(t, DB_HISTORY, k, sizeof(k), old, oldlen);
	free(cut);
}

void
history_keep_new(struct txn *t, enum store_db db, uint64_t id)
{
	uint8_t	k[HKEY_LEN];

	if (t->rc != 0 || !history_kept(db))
		return;
	hkey(k, db, id, event_last(t) + 1);
	store_append(t, DB_HISTORY, k, sizeof(k), "", 0);
}

struct erase_arg {
	struct txn	*t;
	uint8_t		(*keys)[HKEY_LEN];
	size_t		 n, cap;
};

static int
erase_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct erase_arg	*ea = arg;
	void			*p;

	(void)v;
	if (kl != HKEY_LEN || vl == 0)
		return (0);		/* it did not exist then: nothing */
	if (ea->n == ea->cap) {
		ea->cap = ea->cap ? ea->cap * 2 : 8;
		if ((p = reallocarray(ea->keys, ea->cap, HKEY_LEN)) == NULL)
			return (IOD_ENOMEM);
		ea->keys = p;
	}
	memcpy(ea->keys[ea->n++], k, HKEY_LEN);
	return (0);
}

int
history_erase(struct txn *t, enum store_db db, uint64_t id)
{
	struct erase_arg	 ea;
	uint8_t			 k[9];
	size_t			 i;
	int			 rc;

	memset(&ea, 0, sizeof(ea));
	ea.t = t;
	k[0] = (uint8_t)db;
	key_u64(k + 1, id);
	rc = store_scan(t, DB_HISTORY, k, sizeof(k), sizeof(k), erase_cb, &ea);
	for (i = 0; rc == 0 && i < ea.n; i++)
		rc = store_put(t, DB_HISTORY, ea.keys[i], HKEY_LEN, "E", 1);
	free(ea.keys);
	if (rc != 0 && t->rc == 0)
		t->rc = rc;
	return (rc);
}

/* The state of a version's bytes. */
static int
state_of(const void *v, size_t vl)
{
	if (vl == 0)
		return (HISTORY_ABSENT);
	if (vl == 1 && *(const uint8_t *)v == ERASED_MARK)
		return (HISTORY_ERASED);
	return (HISTORY_RECORD);
}

/* Each record's first version after seq, while scanning its entries. */
struct each_arg {
	uint64_t	 seq, last;	/* last: the id last found */
	struct hmap	 at;		/* id -> index + 1 in v */
	struct hver {
		uint64_t	 id;
		const void	*v;
		size_t		 vl;
		int		 seen;
	}		*v;
	size_t		 n, cap;
	int		(*fn)(uint64_t, int, const void *, size_t, void *);
	void		*arg;
};

static int
each_hist_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct each_arg	*ea = arg;
	uint64_t	 id, seq;
	void		*p;

	if (kl != HKEY_LEN)
		return (0);
	id = key_get_u64((const uint8_t *)k + 1);
	seq = key_get_u64((const uint8_t *)k + 9);
	if (seq <= ea->seq || id == ea->last)
		return (0);
	ea->last = id;
	if (ea->n == ea->cap) {
		ea->cap = ea->cap ? ea->cap * 2 : 64;
		if ((p = reallocarray(ea->v, ea->cap, sizeof(*ea->v))) == NULL)
			return (IOD_ENOMEM);
		ea->v = p;
	}
	ea->v[ea->n] = (struct hver){ .id = id, .v = v, .vl = vl };
	ea->n++;
	return (hmap_set(&ea->at, id, ea->n));
}

static int
each_cur_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct each_arg	*ea = arg;
	struct hver	*h;
	uint64_t	 id, i;

	if (kl != 8)
		return (0);
	id = key_get_u64(k);
	if ((i = hmap_get(&ea->at, id)) == 0)
		return (ea->fn(id, HISTORY_CURRENT, v, vl, ea->arg));
	h = &ea->v[i - 1];
	h->seen = 1;
	if (state_of(h->v, h->vl) == HISTORY_ABSENT)
		return (0);
	return (ea->fn(id, state_of(h->v, h->vl), h->v, h->vl, ea->arg));
}

int
history_each(struct txn *t, enum store_db db, uint64_t seq,
    int (*fn)(uint64_t id, int state, const void *v, size_t vl, void *arg),
    void *arg)
{
	struct each_arg	 ea;
	uint8_t		 k[1] = { (uint8_t)db };
	size_t		 i;
	int		 rc;

	memset(&ea, 0, sizeof(ea));
	ea.seq = seq;
	ea.fn = fn;
	ea.arg = arg;
	rc = store_scan(t, DB_HISTORY, k, 1, 1, each_hist_cb, &ea);
	if (rc == 0)
		rc = store_scan(t, db, NULL, 0, 0, each_cur_cb, &ea);
	/* Deleted since: their last version is in the history only. */
	for (i = 0; rc == 0 && i < ea.n; i++)
		if (!ea.v[i].seen && state_of(ea.v[i].v, ea.v[i].vl) !=
		    HISTORY_ABSENT)
			rc = fn(ea.v[i].id, state_of(ea.v[i].v, ea.v[i].vl),
			    ea.v[i].v, ea.v[i].vl, arg);
	free(ea.v);
	hmap_free(&ea.at);
	return (rc);
}

int
history_at(struct txn *t, enum store_db db, uint64_t id, uint64_t seq,
    const void **v, size_t *vl)
{
	struct each_arg	 ea;
	uint8_t		 k[HKEY_LEN];
	int		 rc;

	memset(&ea, 0, sizeof(ea));
	ea.seq = seq;
	hkey(k, db, id, seq + 1);
	rc = store_scan(t, DB_HISTORY, k, sizeof(k), 9, each_hist_cb, &ea);
	if (rc == 0 && ea.n > 0) {
		*v = ea.v[0].v;
		*vl = ea.v[0].vl;
	} else if (rc == 0 && (rc = store_get_id(t, db, id, v, vl)) ==
	    IOD_ENOTFOUND) {
		*v = "";
		*vl = 0;
		rc = 0;
	}
	free(ea.v);
	hmap_free(&ea.at);
	return (rc != 0 ? rc : state_of(*v, *vl));
}
