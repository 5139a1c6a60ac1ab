/*
 * records.c — what makes the four kinds of records the team writes
 * (companies, offers, candidates, referents) differ from one another: the
 * checks across records on each write (a SIRET once, an offer's company
 * and ROME, a candidate's referent and dates), the index keys kept beside
 * them (the agency's external_ref once per kind among them), whether a
 * record may be deleted, the ids an event carries, and the
 * right to erasure with its scrub of the team's free text; and the one
 * load of a record as a token may see it.  The generic
 * create, read, replace and delete of any record are the daemon's
 * (api-records.c), which calls these through its resource table; nothing
 * here speaks HTTP: an error comes back in dc->err.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>

#include "domain.h"
#include "outbox.h"
#include "rules.h"

int
records_exists(struct txn *t, enum store_db db, uint64_t id)
{
	const void	*v;
	size_t		 len;

	return (store_get_id(t, db, id, &v, &len) == 0);
}

int
records_load(struct dctx *dc, enum store_db db, const struct schema *sc,
    const char *noun, uint64_t id, void *rec)
{
	int	rc;

	rc = store_get_rec(dc->txn, db, id, sc, rec);
	/* Outside the token's scope is the same answer as absent. */
	if (rc == 0 && dc->tok != NULL && !access_record(dc->tok, db, rec))
		rc = IOD_ENOTFOUND;
	if (rc == 0 && db == DB_CANDIDATES &&
	    ((struct candidate *)rec)->status == CAND_ERASED) {
		rec_clear(sc, rec);
		return (derr_set(&dc->err, ERR_ERASED, "id", "candidate %llu "
		    "was erased at their request", (unsigned long long)id));
	}
	if (rc == 0)
		return (0);
	rec_clear(sc, rec);
	if (rc == IOD_ENOTFOUND)
		return (derr_set(&dc->err, ERR_NOT_FOUND, "id", "no %s %llu",
		    noun, (unsigned long long)id));
	return (derr_store(&dc->err, rc));
}

static int
any_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	(void)k; (void)kl; (void)v; (void)vl;
	*(int *)arg = 1;
	return (1);
}

/* Has the index any key starting with (tag, a)? */
static int
any_prefixed(struct txn *t, int tag, uint64_t a)
{
	uint8_t	k[17];
	int	found = 0;

	key_idx(k, tag, a, 0);
	store_scan(t, DB_INDEX, k, 9, 9, any_cb, &found);
	return (found);
}

/* The index key of (db, ref): tag, db, length-prefixed ref. */
static size_t
external_key(uint8_t *k, size_t cap, enum store_db db, const char *ref)
{
	k[0] = IDX_EXTERNAL_REF;
	return (1 + key_idx_str(k + 1, cap - 1, (int)db, ref));
}

uint64_t
records_external_find(struct txn *t, enum store_db db, const char *ref)
{
	uint8_t		 k[80];
	const void	*v;
	size_t		 len;

	if (ref == NULL || store_get(t, DB_INDEX, k, external_key(k,
	    sizeof(k), db, ref), &v, &len) != 0 || len != 8)
		return (0);
	return (key_get_u64(v));
}

int
records_external_check(struct dctx *dc, enum store_db db, const char *ref,
    uint64_t id)
{
	uint64_t	other;

	if ((other = records_external_find(dc->txn, db, ref)) == 0 ||
	    other == id)
		return (0);
	/* A candidate's id is not told: it may be another referent's. */
	if (db == DB_CANDIDATES)
		return (derr_set(&dc->err, ERR_DUPLICATE, "external_ref",
		    "external_ref: %s is already the reference of another "
		    "candidate", ref));
	return (derr_set(&dc->err, ERR_DUPLICATE, "external_ref",
	    "external_ref: %s is already the reference of %s %llu", ref,
	    db == DB_COMPANIES ? "company" : db == DB_OFFERS ? "offer" :
	    "referent", (unsigned long long)other));
}

void
records_external_index(struct txn *t, enum store_db db, const char *ref,
    const char *old, uint64_t id)
{
	uint8_t	k[80], v[8];

	if (old != NULL)
		store_del(t, DB_INDEX, k, external_key(k, sizeof(k), db, old));
	if (ref != NULL)
		store_put(t, DB_INDEX, k, external_key(k, sizeof(k), db, ref),
		    v, key_u64(v, id));
}

/* The charter's parts of a company: one commitment per action and
 * charter year, realisations not dated after today.  0 or -1. */
static int
records_charter_check(struct dctx *dc, const struct company *c)
{
	const struct commitment	*a, *b;
	char			 path[48], d[11];
	size_t			 i, j;

	for (i = 0; i < c->ncommitments; i++)
		for (a = &c->commitments[i], j = 0; j < i; j++) {
			b = &c->commitments[j];
			if (a->action != b->action || a->year != b->year)
				continue;
			snprintf(path, sizeof(path), "commitments[%zu].action", i);
			return (derr_set(&dc->err, ERR_INVALID, path,
			    "%s: %s is committed twice for year %lld (expected "
			    "one commitment per action and charter year)", path,
			    action_names[a->action], (long long)a->year));
		}
	for (i = 0; i < c->nrealisations; i++)
		if (c->realisations[i].on > date_today()) {
			snprintf(path, sizeof(path), "realisations[%zu].on", i);
			date_format(c->realisations[i].on, d);
			return (derr_set(&dc->err, ERR_INVALID, path, "%s: %s is "
			    "after today (expected a realisation done)", path,
			    d));
		}
	return (0);
}

int
records_company_check(struct dctx *dc, void *rec, const void *old)
{
	struct company	*c = rec;
	uint8_t		 k[32];
	const void	*v;
	size_t		 len;

	(void)old;
	if (records_charter_check(dc, c) != 0)
		return (-1);
	if (records_external_check(dc, DB_COMPANIES, c->external_ref,
	    c->id) != 0)
		return (-1);
	if (store_get(dc->txn, DB_INDEX, k, key_idx_str(k, sizeof(k),
	    IDX_SIRET, c->siret), &v, &len) == 0 && len == 8 &&
	    key_get_u64(v) != c->id)
		return (derr_set(&dc->err, ERR_DUPLICATE, "siret",
		    "siret: %s is already company %llu", c->siret,
		    (unsigned long long)key_get_u64(v)));
	return (0);
}

void
records_company_index(struct txn *t, const void *rec, const void *old)
{
	const struct company	*c = rec, *o = old;
	uint8_t			 k[32], v[8];

	if (o != NULL)
		store_del(t, DB_INDEX, k, key_idx_str(k, sizeof(k), IDX_SIRET,
		    o->siret));
	if (c != NULL)
		store_put(t, DB_INDEX, k, key_idx_str(k, sizeof(k), IDX_SIRET,
		    c->siret), v, key_u64(v, c->id));
	records_external_index(t, DB_COMPANIES, c != NULL ? c->external_ref :
	    NULL, o != NULL ? o->external_ref : NULL, c != NULL ? c->id : 0);
}

int
records_company_deletable(struct dctx *dc, const void *rec)
{
	const struct company	*c = rec;
	size_t			 n;

	if (any_prefixed(dc->txn, IDX_OFFER_COMPANY, c->id))
		return (derr_set(&dc->err, ERR_HAS_OFFERS, NULL,
		    "company %llu still has offers: delete or close them first",
		    (unsigned long long)c->id));
	if ((n = journal_company_contacts(dc->txn, c->id)) > 0)
		return (derr_set(&dc->err, ERR_CONFLICT, NULL,
		    "company %llu has %zu contacts in its journal: delete them "
		    "first", (unsigned long long)c->id, n));
	return (0);
}

int
records_offer_check(struct dctx *dc, void *rec, const void *old)
{
	struct offer	*o = rec;
	const char	*rome;

	(void)old;
	if (records_external_check(dc, DB_OFFERS, o->external_ref, o->id) != 0)
		return (-1);
	if (!records_exists(dc->txn, DB_COMPANIES, o->company_id))
		return (derr_set(&dc->err, ERR_INVALID, "company_id",
		    "company_id: no company %llu",
		    (unsigned long long)o->company_id));
	if (o->appellation != NULL &&
	    (rome = refdata_appellation_rome(o->appellation)) != NULL &&
	    strcmp(rome, o->rome) != 0)
		return (derr_set(&dc->err, ERR_INVALID, "appellation",
		    "appellation: %s belongs to ROME %s, not to the offer's %s",
		    o->appellation, rome, o->rome));
	if (o->ruleset != NULL && rulesets_find(o->ruleset) == NULL)
		return (derr_set(&dc->err, ERR_INVALID, "ruleset",
		    "ruleset: \"%s\" is not an active rule set", o->ruleset));
	if (o->owner == NULL && (o->owner = strdup(dc->actor)) == NULL)
		return (derr_set(&dc->err, ERR_NO_MEMORY, NULL,
		    "out of memory"));
	return (0);
}

void
records_offer_index(struct txn *t, const void *rec, const void *old)
{
	const struct offer	*o = rec, *p = old;
	uint8_t			 k[17];

	if (p != NULL)
		store_del(t, DB_INDEX, k, key_idx(k, IDX_OFFER_COMPANY,
		    p->company_id, p->id));
	if (o != NULL)
		store_put(t, DB_INDEX, k, key_idx(k, IDX_OFFER_COMPANY,
		    o->company_id, o->id), "", 0);
	records_external_index(t, DB_OFFERS, o != NULL ? o->external_ref :
	    NULL, p != NULL ? p->external_ref : NULL, o != NULL ? o->id : 0);
}

int
records_offer_deletable(struct dctx *dc, const void *rec)
{
	const struct offer	*o = rec;
	uint64_t		 open;

	if ((open = index_offer_open(o->id)) != 0)
		return (derr_set(&dc->err, ERR_HAS_PROPOSAL, NULL,
		    "offer %llu has open proposal %llu: withdraw it first",
		    (unsigned long long)o->id, (unsigned long long)open));
	return (0);
}

void
records_offer_payload(msgpack_packer *pk, const void *rec)
{
	const struct offer	*o = rec;

	msgpack_pack_map(pk, 2);
	event_pack_id(pk, "company_id", o->company_id);
	event_pack_str(pk, "owner", o->owner);
}

int
records_candidate_check(struct dctx *dc, void *rec, const void *old)
{
	struct candidate	*c = rec;
	char			 day[11];

	(void)old;
	if (records_external_check(dc, DB_CANDIDATES, c->external_ref,
	    c->id) != 0)
		return (-1);
	if (!records_exists(dc->txn, DB_REFERENTS, c->referent_id))
		return (derr_set(&dc->err, ERR_INVALID, "referent_id",
		    "referent_id: no referent %llu",
		    (unsigned long long)c->referent_id));
	if (c->birth_date > date_today()) {
		date_format(c->birth_date, day);
		return (derr_set(&dc->err, ERR_INVALID, "birth_date",
		    "birth_date: %s is in the future (expected a date of birth)",
		    day));
	}
	if (c->consent.on != 0 && c->oriented_on != 0 &&
	    c->consent.on < c->birth_date)
		return (derr_set(&dc->err, ERR_INVALID, "consent.on",
		    "consent.on: a consent cannot predate the birth date"));
	if (c->status == CAND_ERASED)
		return (derr_set(&dc->err, ERR_INVALID, "status",
		    "status: erased is set by DELETE /v1/candidates/%llu only",
		    (unsigned long long)c->id));
	if (c->qpv_code != NULL && !c->qpv)
		return (derr_set(&dc->err, ERR_INVALID, "qpv",
		    "qpv: false while qpv_code is set (expected true)"));
	return (0);
}

void
records_candidate_index(struct txn *t, const void *rec, const void *old)
{
	const struct candidate	*c = rec, *o = old;
	uint8_t			 k[8], v[8];

	if (o != NULL)
		store_del_dup(t, DB_REFCANDS, k, key_u64(k, o->referent_id), v,
		    key_u64(v, o->id));
	if (c != NULL)		/* nothing of a batch reads it: it may wait */
		store_put_later(t, DB_REFCANDS, k, key_u64(k, c->referent_id),
		    v, key_u64(v, c->id));
	records_external_index(t, DB_CANDIDATES, c != NULL ? c->external_ref :
	    NULL, o != NULL ? o->external_ref : NULL, c != NULL ? c->id : 0);
}

int
records_candidate_deletable(struct dctx *dc, const void *rec)
{
	const struct candidate	*c = rec;
	const struct mcand	*m = index_cand(c->id);

	if (m != NULL && m->open > 0)
		return (derr_set(&dc->err, ERR_HAS_PROPOSAL, NULL,
		    "candidate %llu has an open proposal: withdraw it first",
		    (unsigned long long)c->id));
	return (0);
}

int
records_candidate_memory(const void *rec, uint64_t id)
{
	if (rec == NULL) {
		index_del(id);
		return (0);
	}
	return (index_put(rec));
}

void
records_candidate_payload(msgpack_packer *pk, const void *rec)
{
	const struct candidate	*c = rec;

	msgpack_pack_map(pk, 1);
	event_pack_id(pk, "referent_id", c->referent_id);
}

int
records_referent_check(struct dctx *dc, void *rec, const void *old)
{
	struct referent	*r = rec;

	(void)old;
	return (records_external_check(dc, DB_REFERENTS, r->external_ref,
	    r->id));
}

void
records_referent_index(struct txn *t, const void *rec, const void *old)
{
	const struct referent	*r = rec, *o = old;

	records_external_index(t, DB_REFERENTS, r != NULL ? r->external_ref :
	    NULL, o != NULL ? o->external_ref : NULL, r != NULL ? r->id : 0);
}

int
records_referent_deletable(struct dctx *dc, const void *rec)
{
	const struct referent	*r = rec;
	const void		*v;
	uint8_t			 k[8];
	size_t			 vl;

	if (store_get(dc->txn, DB_REFCANDS, k, key_u64(k, r->id), &v,
	    &vl) == 0)
		return (derr_set(&dc->err, ERR_HAS_CANDIDATES, NULL,
		    "referent %llu still follows candidates",
		    (unsigned long long)r->id));
	return (0);
}

/*
 * Free text written by the team about an erased person (the F_NOTE fields
 * of their proposals, placements and follow-ups, and the same keys in the
 * data of their events) is removed; the records stay for the counts.
 */
struct erase_notes {
	const struct schema	*sc;		/* NULL: the event log */
	uint64_t		 id;		/* the candidate */
	size_t			 n, cap;
	struct erase_put {
		uint8_t		 key[8];
		char		*val;
		size_t		 len;
	}			*puts;
};

/* Remove from j the F_NOTE fields of sc; 1 if one was there. */
static int
erase_note_fields(json_t *j, const struct schema *sc)
{
	const struct field	*f;
	int			 hit = 0;

	for (f = sc->fields; f->name != NULL; f++)
		if ((f->flags & F_NOTE) && json_object_get(j, f->name) != NULL) {
			json_object_del(j, f->name);
			hit = 1;
		}
	return (hit);
}

/* Might v hold one of the F_NOTE fields of scs?  A cheap test on the
 * bytes of an event, before decoding: most events hold none. */
static int
erase_has_note(const void *v, size_t vl, const struct schema *const *scs,
    size_t n)
{
	const struct field	*f;
	size_t			 i;

	for (i = 0; i < n; i++)
		for (f = scs[i]->fields; f->name != NULL; f++)
			if ((f->flags & F_NOTE) && memmem(v, vl, f->name,
			    strlen(f->name)) != NULL)
				return (1);
	return (0);
}

/* Keep the put of (k, val) for after the scan. */
static int
erase_keep(struct erase_notes *en, const void *k, char *val, size_t len)
{
	void	*p;

	if (en->n == en->cap) {
		en->cap = en->cap ? en->cap * 2 : 16;
		if ((p = reallocarray(en->puts, en->cap,
		    sizeof(*en->puts))) == NULL) {
			free(val);
			return (IOD_ENOMEM);
		}
		en->puts = p;
	}
	memcpy(en->puts[en->n].key, k, 8);
	en->puts[en->n].len = len;
	en->puts[en->n++].val = val;
	return (0);
}

/* A record of en->sc: its F_NOTE strings cleared if it is the
 * candidate's. */
static int
erase_notes_rec(struct erase_notes *en, const void *k, const void *v,
    size_t vl)
{
	const struct schema	*sc = en->sc;
	const struct field	*f, *who = NULL;
	void			*rec;
	char			*buf, **s;
	size_t			 len;
	int			 rc = 0, hit = 0;

	for (f = sc->fields; f->name != NULL; f++)
		if (strcmp(f->name, "candidate_id") == 0)
			who = f;
	if (who == NULL || (rec = rec_new(sc)) == NULL)
		return (who == NULL ? 0 : IOD_ENOMEM);
	if (rec_decode_fields(sc, rec, v, vl, 1ULL << (who - sc->fields),
	    NULL) != 0 || *(uint64_t *)((char *)rec + who->off) != en->id) {
		rec_clear(sc, rec);
		free(rec);
		return (0);
	}
	rec_clear(sc, rec);
	free(rec);
	if ((rec = rec_new(sc)) == NULL)
		return (IOD_ENOMEM);
	if (rec_decode(sc, rec, v, vl) == 0) {
		for (f = sc->fields; f->name != NULL; f++) {
			s = (char **)((char *)rec + f->off);
			if ((f->flags & F_NOTE) && f->type == FT_STR &&
			    *s != NULL) {
				free(*s);
				*s = NULL;
				hit = 1;
			}
		}
		if (hit && (rc = rec_encode(sc, rec, &buf, &len)) == 0)
			rc = erase_keep(en, k, buf, len);
	}
	rec_clear(sc, rec);
	free(rec);
	return (rc);
}

static int
erase_notes_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	static const struct schema *const noted[] = { &proposal_schema,
	    &placement_schema, &followup_schema };
	struct erase_notes	*en = arg;
	struct event		 ev;
	char			*buf;
	size_t			 i, len;
	int			 hit = 0, rc = 0;

	if (kl != 8)
		return (0);
	if (en->sc != NULL)
		return (erase_notes_rec(en, k, v, vl));
	if (!erase_has_note(v, vl, noted, 3) ||
	    event_decode(key_get_u64(k), v, vl, &ev) != 0)
		return (0);
	if (json_integer_value(json_object_get(ev.data, "candidate_id")) ==
	    (json_int_t)en->id)
		for (i = 0; i < sizeof(noted) / sizeof(noted[0]); i++)
			hit |= erase_note_fields(ev.data, noted[i]);
	if (hit && (rc = event_encode(&ev, &buf, &len)) == 0)
		rc = erase_keep(en, k, buf, len);
	event_clear(&ev);
	return (rc);
}

/* Clear the free text about candidate id from db (schema sc, NULL for
 * the event log). */
static void
erase_notes(struct txn *t, enum store_db db, const struct schema *sc,
    uint64_t id)
{
	struct erase_notes	en;
	size_t			i;
	int			rc;

	memset(&en, 0, sizeof(en));
	en.sc = sc;
	en.id = id;
	rc = store_scan(t, db, NULL, 0, 0, erase_notes_cb, &en);
	for (i = 0; i < en.n; i++) {
		if (rc == 0)
			store_put(t, db, en.puts[i].key, 8, en.puts[i].val,
			    en.puts[i].len);
		free(en.puts[i].val);
	}
	free(en.puts);
	if (rc != 0 && t->rc == 0)
		t->rc = rc;
}

/*
 * The right to erasure: the person's identity, personal fields, commune,
 * référent and what only matching needs are wiped from the record, which
 * stays, anonymous, with what the reports count (sex, programme, QPV,
 * publics, orientation, exit, status); the free text about them goes too,
 * and so does the mail queued that names them (outbox.c).  Events and
 * indexes carry ids only; the past versions of the record
 * (history.c) become a mark that says only that it existed.  The store
 * is then compacted off the loop (the daemon's), so that no freed page
 * nor unused part of a page keeps the old bytes; DB_META "scrub" keeps
 * that due across a restart.
 */
int
records_erase(struct dctx *dc, struct candidate *c)
{
	uint8_t	 k[8], v[8];
	size_t	 i;

	store_del_dup(dc->txn, DB_REFCANDS, k, key_u64(k, c->referent_id), v,
	    key_u64(v, c->id));
	records_external_index(dc->txn, DB_CANDIDATES, NULL, c->external_ref,
	    c->id);
	free(c->external_ref);
	c->external_ref = NULL;
	free(c->first_name);
	free(c->last_name);
	free(c->qpv_code);
	free(c->commune);
	c->first_name = c->last_name = c->qpv_code = NULL;
	c->commune = strdup("");	/* required, and known nowhere */
	c->birth_date = 0;
	c->referent_id = 0;
	for (i = 0; i < c->nrome; i++)
		free(c->rome[i]);
	free(c->rome);
	c->rome = NULL;
	c->nrome = 0;
	c->contracts = c->schedule_ok = 0;
	c->max_weekly_hours = 0;
	memset(&c->mobility, 0, sizeof(c->mobility));
	c->available_on = 0;
	memset(&c->consent, 0, sizeof(c->consent));
	c->status = CAND_ERASED;
	c->updated_at = (int64_t)time(NULL);
	if (c->commune == NULL)
		return (derr_set(&dc->err, ERR_NO_MEMORY, NULL,
		    "out of memory"));
	store_put_rec(dc->txn, DB_CANDIDATES, c->id, &candidate_schema, c);
	history_erase(dc->txn, DB_CANDIDATES, c->id);
	erase_notes(dc->txn, DB_PROPOSALS, &proposal_schema, c->id);
	erase_notes(dc->txn, DB_PLACEMENTS, &placement_schema, c->id);
	erase_notes(dc->txn, DB_FOLLOWUPS, &followup_schema, c->id);
	erase_notes(dc->txn, DB_EVENTS, NULL, c->id);
	interest_erase(dc->txn, c->id);
	outbox_erase(dc->txn, c->id);	/* the mail that names them */
	store_put(dc->txn, DB_META, "scrub", 5, "", 0);
	records_candidate_payload(event_open(dc->txn, "candidate.erased",
	    "candidate", c->id, dc->actor), c);
	event_close(dc->txn);
	if (dc->txn->rc != 0)
		return (derr_store(&dc->err, dc->txn->rc));
	records_candidate_memory(c, c->id);
	return (0);
}
