/*
 * api.c — the record resources of the API (companies, offers, candidates,
 * referents) as one table: each row names its database, its schema, and
 * the few functions that make it differ — cross-record checks, index
 * upkeep, whether a record may be deleted.  The generic handlers create,
 * read, replace, delete, list and batch-ingest any of them, and append
 * each change to the event log in the same transaction.  Tokens and the
 * demo dataset are here too.  Routing, authentication and body decoding
 * happened before (http.c); the commit comes after (server.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "matcher.h"
#include "rules.h"

#define LIST_DEFAULT	50
#define LIST_MAX	1000

struct resource {
	const char		*name;		/* path segment: "companies" */
	const char		*entity;	/* event entity: "company" */
	enum store_db		 db;
	const struct schema	*schema;
	/* Cross-record checks; old is NULL on create.  0 or a status. */
	int			(*check)(struct reqctx *, void *rec,
				    const void *old);
	/* Index upkeep: rec NULL on delete, old NULL on create. */
	void			(*index)(struct txn *, const void *rec,
				    const void *old);
	/* 0 if the record may go, or a status with the error set. */
	int			(*deletable)(struct reqctx *, const void *rec);
	/* The event payload: ids that say who may see the event. */
	json_t			*(*payload)(const void *rec);
	/* Keep the matching index in step: rec NULL on delete. */
	int			(*memory)(const void *rec, uint64_t id);
};

static int	company_check(struct reqctx *, void *, const void *);
static void	company_index(struct txn *, const void *, const void *);
static int	company_deletable(struct reqctx *, const void *);
static int	offer_check(struct reqctx *, void *, const void *);
static void	offer_index(struct txn *, const void *, const void *);
static json_t	*offer_payload(const void *);
static int	candidate_check(struct reqctx *, void *, const void *);
static void	candidate_index(struct txn *, const void *, const void *);
static json_t	*candidate_payload(const void *);
static int	referent_deletable(struct reqctx *, const void *);
static int	offer_deletable(struct reqctx *, const void *);
static int	candidate_deletable(struct reqctx *, const void *);
static int	candidate_memory(const void *, uint64_t);

static const struct resource resources[] = {
	{ "companies", "company", DB_COMPANIES, &company_schema,
	    company_check, company_index, company_deletable, NULL, NULL },
	{ "offers", "offer", DB_OFFERS, &offer_schema,
	    offer_check, offer_index, offer_deletable, offer_payload, NULL },
	{ "candidates", "candidate", DB_CANDIDATES, &candidate_schema,
	    candidate_check, candidate_index, candidate_deletable,
	    candidate_payload, candidate_memory },
	{ "referents", "referent", DB_REFERENTS, &referent_schema,
	    NULL, NULL, referent_deletable, NULL, NULL },
	/* Read-only here: proposals are made by proposal.c. */
	{ "proposals", "proposal", DB_PROPOSALS, &proposal_schema,
	    NULL, NULL, NULL, NULL, NULL },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL }
};

/* Every record struct begins with its uint64_t id. */
#define REC_ID(rec)	(*(uint64_t *)(rec))

static uint64_t
rec_id(const void *rec)
{
	return (*(const uint64_t *)rec);
}

static const struct resource *
resource_of(const char *path)
{
	const struct resource	*res;
	size_t			 len;

	path += strlen("/v1/");
	len = strcspn(path, "/:");
	for (res = resources; res->name != NULL; res++)
		if (strlen(res->name) == len && strncmp(res->name, path, len) == 0)
			return (res);
	return (NULL);
}

static int64_t *
time_field(const struct schema *sc, void *rec, const char *name)
{
	const struct field	*f;

	for (f = sc->fields; f->name != NULL; f++)
		if (f->type == FT_TIME && strcmp(f->name, name) == 0)
			return ((int64_t *)(void *)((char *)rec + f->off));
	return (NULL);
}

static void
free_rec(const struct schema *sc, void *rec)
{
	rec_clear(sc, rec);
	free(rec);
}

/* Does a record with this id exist? */
static int
exists(struct txn *t, enum store_db db, uint64_t id)
{
	const void	*v;
	size_t		 len;

	return (store_get_id(t, db, id, &v, &len) == 0);
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

static int
company_check(struct reqctx *ctx, void *rec, const void *old)
{
	struct company	*c = rec;
	uint8_t		 k[32];
	const void	*v;
	size_t		 len;

	(void)old;
	if (store_get(ctx->txn, DB_INDEX, k, key_idx_str(k, sizeof(k),
	    IDX_SIRET, c->siret), &v, &len) == 0 && len == 8 &&
	    key_get_u64(v) != c->id)
		return (http_error(ctx, 409, "duplicate", "siret",
		    "siret: %s is already company %llu", c->siret,
		    (unsigned long long)key_get_u64(v)));
	return (0);
}

static void
company_index(struct txn *t, const void *rec, const void *old)
{
	const struct company	*c = rec, *o = old;
	uint8_t			 k[32], v[8];

	if (o != NULL)
		store_del(t, DB_INDEX, k, key_idx_str(k, sizeof(k), IDX_SIRET,
		    o->siret));
	if (c != NULL)
		store_put(t, DB_INDEX, k, key_idx_str(k, sizeof(k), IDX_SIRET,
		    c->siret), v, key_u64(v, c->id));
}

static int
company_deletable(struct reqctx *ctx, const void *rec)
{
	const struct company	*c = rec;

	if (any_prefixed(ctx->txn, IDX_OFFER_COMPANY, c->id))
		return (http_error(ctx, 409, "has_offers", NULL,
		    "company %llu still has offers: delete or close them first",
		    (unsigned long long)c->id));
	return (0);
}

static int
offer_check(struct reqctx *ctx, void *rec, const void *old)
{
	struct offer	*o = rec;
	const char	*rome;

	(void)old;
	if (!exists(ctx->txn, DB_COMPANIES, o->company_id))
		return (http_error(ctx, 400, "invalid", "company_id",
		    "company_id: no company %llu",
		    (unsigned long long)o->company_id));
	if (o->appellation != NULL &&
	    (rome = refdata_appellation_rome(o->appellation)) != NULL &&
	    strcmp(rome, o->rome) != 0)
		return (http_error(ctx, 400, "invalid", "appellation",
		    "appellation: %s belongs to ROME %s, not to the offer's %s",
		    o->appellation, rome, o->rome));
	if (o->ruleset != NULL && rulesets_find(o->ruleset) == NULL)
		return (http_error(ctx, 400, "invalid", "ruleset",
		    "ruleset: \"%s\" is not an active rule set", o->ruleset));
	if (o->owner == NULL && (o->owner = strdup(ctx->actor)) == NULL)
		return (http_error(ctx, 503, "no_memory", NULL, "out of memory"));
	return (0);
}

static void
offer_index(struct txn *t, const void *rec, const void *old)
{
	const struct offer	*o = rec, *p = old;
	uint8_t			 k[17];

	if (p != NULL)
		store_del(t, DB_INDEX, k, key_idx(k, IDX_OFFER_COMPANY,
		    p->company_id, p->id));
	if (o != NULL)
		store_put(t, DB_INDEX, k, key_idx(k, IDX_OFFER_COMPANY,
		    o->company_id, o->id), "", 0);
}

static int
offer_deletable(struct reqctx *ctx, const void *rec)
{
	const struct offer	*o = rec;
	uint64_t		 open;

	if ((open = hmap_get(&idx->offer_open, o->id)) != 0)
		return (http_error(ctx, 409, "has_proposal", NULL,
		    "offer %llu has open proposal %llu: withdraw it first",
		    (unsigned long long)o->id, (unsigned long long)open));
	return (0);
}

static json_t *
offer_payload(const void *rec)
{
	const struct offer	*o = rec;

	return (json_pack("{s:I, s:s?}", "company_id",
	    (json_int_t)o->company_id, "owner", o->owner));
}

static int
candidate_check(struct reqctx *ctx, void *rec, const void *old)
{
	struct candidate	*c = rec;
	char			 day[11];

	(void)old;
	if (!exists(ctx->txn, DB_REFERENTS, c->referent_id))
		return (http_error(ctx, 400, "invalid", "referent_id",
		    "referent_id: no referent %llu",
		    (unsigned long long)c->referent_id));
	if (c->birth_date > date_today()) {
		date_format(c->birth_date, day);
		return (http_error(ctx, 400, "invalid", "birth_date",
		    "birth_date: %s is in the future (expected a date of birth)",
		    day));
	}
	if (c->consent.on != 0 && c->oriented_on != 0 &&
	    c->consent.on < c->birth_date)
		return (http_error(ctx, 400, "invalid", "consent.on",
		    "consent.on: a consent cannot predate the birth date"));
	if (c->status == CAND_ERASED)
		return (http_error(ctx, 400, "invalid", "status",
		    "status: erased is set by DELETE /v1/candidates/%llu only",
		    (unsigned long long)c->id));
	if (c->qpv_code != NULL && !c->qpv)
		return (http_error(ctx, 400, "invalid", "qpv",
		    "qpv: false while qpv_code is set (expected true)"));
	return (0);
}

static void
candidate_index(struct txn *t, const void *rec, const void *old)
{
	const struct candidate	*c = rec, *o = old;
	uint8_t			 k[17];

	if (o != NULL)
		store_del(t, DB_INDEX, k, key_idx(k, IDX_CAND_REFERENT,
		    o->referent_id, o->id));
	if (c != NULL)
		store_put(t, DB_INDEX, k, key_idx(k, IDX_CAND_REFERENT,
		    c->referent_id, c->id), "", 0);
}

static int
candidate_deletable(struct reqctx *ctx, const void *rec)
{
	const struct candidate	*c = rec;
	const struct mcand	*m = index_cand(c->id);

	if (m != NULL && m->open > 0)
		return (http_error(ctx, 409, "has_proposal", NULL,
		    "candidate %llu has an open proposal: withdraw it first",
		    (unsigned long long)c->id));
	return (0);
}

static int
candidate_memory(const void *rec, uint64_t id)
{
	if (rec == NULL) {
		index_del(id);
		return (0);
	}
	return (index_put(rec));
}

static json_t *
candidate_payload(const void *rec)
{
	const struct candidate	*c = rec;

	return (json_pack("{s:I}", "referent_id", (json_int_t)c->referent_id));
}

static int
referent_deletable(struct reqctx *ctx, const void *rec)
{
	const struct referent	*r = rec;

	if (any_prefixed(ctx->txn, IDX_CAND_REFERENT, r->id))
		return (http_error(ctx, 409, "has_candidates", NULL,
		    "referent %llu still follows candidates",
		    (unsigned long long)r->id));
	return (0);
}

static void
audit_read(struct reqctx *ctx, uint64_t candidate_id, const char *action)
{
	server_audit(ctx->actor, ctx->tok.id, candidate_id, action);
}

/* Append "<entity>.<what>" for rec to the log. */
static void
log_change(struct reqctx *ctx, const struct resource *res, const char *what,
    const void *rec)
{
	char	 type[64];
	json_t	*data;

	snprintf(type, sizeof(type), "%s.%s", res->entity, what);
	data = res->payload != NULL ? res->payload(rec) : NULL;
	event_append(ctx->txn, type, res->entity, rec_id(rec), ctx->actor,
	    data);
	json_decref(data);
}

/* Decode from the body a new record.  Returns the struct or NULL with the
 * error in ctx. */
static void *
decode(struct reqctx *ctx, const struct resource *res, json_t *j)
{
	void	*rec;
	char	*field, *cause;
	int	 rc;

	if ((rec = rec_new(res->schema)) == NULL) {
		http_error(ctx, 503, "no_memory", NULL, "out of memory");
		return (NULL);
	}
	if ((rc = rec_from_json(res->schema, rec, j, &field, &cause)) != 0) {
		if (rc == IOD_ENOMEM)
			http_error(ctx, 503, "no_memory", NULL, "out of memory");
		else
			http_error(ctx, 400, "invalid", field, "%s", cause);
		free(field);
		free(cause);
		free_rec(res->schema, rec);
		return (NULL);
	}
	return (rec);
}

/* A record a token writes must stay in its scope (a referent's own
 * candidates).  0 or a status. */
static int
in_scope(struct reqctx *ctx, const struct resource *res, const void *rec)
{
	if (access_record(&ctx->tok, res->db, rec))
		return (0);
	if (res->db == DB_CANDIDATES)
		return (http_error(ctx, 403, "forbidden", "referent_id",
		    "referent_id: a referent token may only write its own "
		    "candidates (referent %llu)",
		    (unsigned long long)ctx->tok.referent_id));
	return (http_error(ctx, 403, "forbidden", NULL,
	    "outside this token's scope"));
}

/* Validate and store one new record; *id is its id.  0 or a status. */
static int
create_one(struct reqctx *ctx, const struct resource *res, json_t *j,
    uint64_t *id, json_t **out)
{
	void	*rec;
	int	 status;

	if ((rec = decode(ctx, res, j)) == NULL)
		return (ctx->status);
	if ((status = in_scope(ctx, res, rec)) != 0) {
		free_rec(res->schema, rec);
		return (status);
	}
	if (res->check != NULL && (status = res->check(ctx, rec, NULL)) != 0) {
		free_rec(res->schema, rec);
		return (status);
	}
	REC_ID(rec) = store_next_id(ctx->txn, res->db);
	*time_field(res->schema, rec, "created_at") = (int64_t)time(NULL);
	*time_field(res->schema, rec, "updated_at") = (int64_t)time(NULL);
	store_put_rec(ctx->txn, res->db, REC_ID(rec), res->schema, rec);
	if (res->index != NULL)
		res->index(ctx->txn, rec, NULL);
	log_change(ctx, res, "created", rec);
	if (ctx->txn->rc == 0 && res->memory != NULL &&
	    res->memory(rec, REC_ID(rec)) != 0)
		ctx->txn->rc = IOD_ENOMEM;
	*id = REC_ID(rec);
	if (out != NULL)
		*out = rec_to_json(res->schema, rec, VIEW_FULL);
	free_rec(res->schema, rec);
	if (ctx->txn->rc != 0)
		return (http_store_error(ctx, ctx->txn->rc));
	return (0);
}

int
api_create(struct reqctx *ctx)
{
	const struct resource	*res = resource_of(ctx->route->path);
	json_t			*out = NULL;
	uint64_t		 id;
	int			 status;

	if ((status = create_one(ctx, res, ctx->body, &id, &out)) != 0)
		return (status);
	return (http_reply(ctx, 201, out));
}

/* Load the record of the path's id; NULL with a 404 set if absent. */
static void *
load(struct reqctx *ctx, const struct resource *res)
{
	void	*rec;
	int	 rc;

	if ((rec = rec_new(res->schema)) == NULL) {
		http_error(ctx, 503, "no_memory", NULL, "out of memory");
		return (NULL);
	}
	rc = store_get_rec(ctx->txn, res->db, ctx->id, res->schema, rec);
	/* Outside the token's scope is the same answer as absent. */
	if (rc == 0 && !access_record(&ctx->tok, res->db, rec)) {
		free_rec(res->schema, rec);
		rec = NULL;
		rc = IOD_ENOTFOUND;
	}
	if (rc == 0 && res->db == DB_CANDIDATES &&
	    ((struct candidate *)rec)->status == CAND_ERASED) {
		free_rec(res->schema, rec);
		http_error(ctx, 410, "erased", "id", "candidate %llu was erased "
		    "at their request", (unsigned long long)ctx->id);
		return (NULL);
	}
	if (rc != 0) {
		free(rec);
		if (rc == IOD_ENOTFOUND)
			http_error(ctx, 404, "not_found", "id", "no %s %llu",
			    res->entity, (unsigned long long)ctx->id);
		else
			http_store_error(ctx, rc);
		return (NULL);
	}
	return (rec);
}

/*
 * A record as the token may read it.  A company reads a proposal in the
 * no-CV view, with the candidate's first name and availability and
 * nothing else of them; reading a candidate is written to the audit log.
 */
static json_t *
present(struct reqctx *ctx, const struct resource *res, const void *rec)
{
	const struct proposal	*p = rec;
	struct candidate	 c;
	json_t			*j;
	char			 day[11];

	j = rec_to_json(res->schema, rec, access_view(&ctx->tok));
	if (res->db == DB_CANDIDATES)
		audit_read(ctx, rec_id(rec), "read");
	if (res->db == DB_PROPOSALS) {
		memset(&c, 0, sizeof(c));
		if (store_get_rec(ctx->txn, DB_CANDIDATES, p->candidate_id,
		    &candidate_schema, &c) == 0 && c.status != CAND_ERASED) {
			date_format(c.available_on, day);
			json_object_set_new(j, "candidate", json_pack(
			    "{s:I, s:s?, s:s?}", "id", (json_int_t)c.id,
			    "first_name", c.first_name, "available_on",
			    c.available_on != 0 ? day : NULL));
		}
		rec_clear(&candidate_schema, &c);
	}
	return (j);
}

int
api_get(struct reqctx *ctx)
{
	const struct resource	*res = resource_of(ctx->route->path);
	void			*rec;

	if ((rec = load(ctx, res)) == NULL)
		return (ctx->status);
	http_reply(ctx, 200, present(ctx, res, rec));
	free_rec(res->schema, rec);
	return (200);
}

int
api_put(struct reqctx *ctx)
{
	const struct resource	*res = resource_of(ctx->route->path);
	void			*old, *rec = NULL;
	int64_t			 created;
	int			 status;

	if ((old = load(ctx, res)) == NULL)
		return (ctx->status);
	if ((rec = decode(ctx, res, ctx->body)) == NULL) {
		status = ctx->status;
		goto out;
	}
	REC_ID(rec) = ctx->id;
	if ((status = in_scope(ctx, res, rec)) != 0)
		goto out;
	created = *time_field(res->schema, old, "created_at");
	*time_field(res->schema, rec, "created_at") = created;
	*time_field(res->schema, rec, "updated_at") = (int64_t)time(NULL);
	if (res->check != NULL && (status = res->check(ctx, rec, old)) != 0)
		goto out;
	store_put_rec(ctx->txn, res->db, ctx->id, res->schema, rec);
	if (res->index != NULL)
		res->index(ctx->txn, rec, old);
	log_change(ctx, res, "updated", rec);
	if (ctx->txn->rc != 0) {
		status = http_store_error(ctx, ctx->txn->rc);
		goto out;
	}
	if (res->memory != NULL && res->memory(rec, ctx->id) != 0) {
		status = http_error(ctx, 503, "no_memory", NULL, "out of memory");
		goto out;
	}
	status = http_reply(ctx, 200, rec_to_json(res->schema, rec, VIEW_FULL));
out:
	free_rec(res->schema, old);
	if (rec != NULL)
		free_rec(res->schema, rec);
	return (status);
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
 * bytes, before decoding: most records and events hold none. */
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

static int
erase_notes_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	static const struct schema *const noted[] = { &proposal_schema,
	    &placement_schema, &followup_schema };
	struct erase_notes	*en = arg;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	json_t			*j = NULL, *obj;
	size_t			 i;
	int			 hit = 0;
	void			*p;

	if (kl != 8 || !erase_has_note(v, vl, en->sc == NULL ? noted :
	    &en->sc, en->sc == NULL ? 3 : 1))
		return (0);
	j = mp_bytes_to_json(v, vl);
	obj = en->sc == NULL ? json_object_get(j, "data") : j;
	if (json_integer_value(json_object_get(obj, "candidate_id")) !=
	    (json_int_t)en->id) {
		json_decref(j);
		return (0);
	}
	if (en->sc != NULL)
		hit = erase_note_fields(obj, en->sc);
	else
		for (i = 0; i < sizeof(noted) / sizeof(noted[0]); i++)
			hit |= erase_note_fields(obj, noted[i]);
	if (hit && en->n == en->cap) {
		en->cap = en->cap ? en->cap * 2 : 16;
		if ((p = reallocarray(en->puts, en->cap,
		    sizeof(*en->puts))) == NULL) {
			json_decref(j);
			return (IOD_ENOMEM);
		}
		en->puts = p;
	}
	if (hit) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		if (json_pack_mp(j, &pk) != 0) {
			msgpack_sbuffer_destroy(&sb);
			json_decref(j);
			return (IOD_ENOMEM);
		}
		memcpy(en->puts[en->n].key, k, 8);
		en->puts[en->n].len = sb.size;
		en->puts[en->n++].val = msgpack_sbuffer_release(&sb);
	}
	json_decref(j);
	return (0);
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
 * publics, orientation, exit, status); the free text about them goes too.
 * Events and indexes carry ids only.  The store is then compacted off the
 * loop (server.c), so that no freed page nor unused part of a page keeps
 * the old bytes; DB_META "scrub" keeps that due across a restart.
 */
static int
erase(struct reqctx *ctx, const struct resource *res, struct candidate *c)
{
	json_t	*data;
	uint8_t	 k[17];
	size_t	 i;

	store_del(ctx->txn, DB_INDEX, k, key_idx(k, IDX_CAND_REFERENT,
	    c->referent_id, c->id));
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
		return (http_error(ctx, 503, "no_memory", NULL,
		    "out of memory"));
	store_put_rec(ctx->txn, DB_CANDIDATES, c->id, &candidate_schema, c);
	erase_notes(ctx->txn, DB_PROPOSALS, &proposal_schema, c->id);
	erase_notes(ctx->txn, DB_PLACEMENTS, &placement_schema, c->id);
	erase_notes(ctx->txn, DB_FOLLOWUPS, &followup_schema, c->id);
	erase_notes(ctx->txn, DB_EVENTS, NULL, c->id);
	store_put(ctx->txn, DB_META, "scrub", 5, "", 0);
	data = candidate_payload(c);
	event_append(ctx->txn, "candidate.erased", "candidate", c->id,
	    ctx->actor, data);
	json_decref(data);
	if (ctx->txn->rc != 0)
		return (http_store_error(ctx, ctx->txn->rc));
	res->memory(c, c->id);
	srv->scrub = 1;
	return (http_reply(ctx, 204, NULL));
}

int
api_delete(struct reqctx *ctx)
{
	const struct resource	*res = resource_of(ctx->route->path);
	void			*old;
	int			 status;

	if ((old = load(ctx, res)) == NULL)
		return (ctx->status);
	if (res->deletable != NULL &&
	    (status = res->deletable(ctx, old)) != 0) {
		free_rec(res->schema, old);
		return (status);
	}
	if (res->db == DB_CANDIDATES) {
		status = erase(ctx, res, old);
		free_rec(res->schema, old);
		return (status);
	}
	store_del_id(ctx->txn, res->db, ctx->id);
	if (res->index != NULL)
		res->index(ctx->txn, NULL, old);
	log_change(ctx, res, "deleted", old);
	free_rec(res->schema, old);
	if (ctx->txn->rc != 0)
		return (http_store_error(ctx, ctx->txn->rc));
	if (res->memory != NULL)
		res->memory(NULL, ctx->id);
	return (http_reply(ctx, 204, NULL));
}

/* The error of refused batch item i: the one its creation set, or, for
 * an item that could not be decoded (rc), one that says why; never
 * nothing.  NULL only when out of memory. */
static json_t *
refusal(struct reqctx *ctx, size_t i, int rc, const char *cause)
{
	json_t	*err;
	char	*msg;

	if (rc == 0 && (err = json_object_get(ctx->reply, "error")) != NULL)
		err = json_incref(err);
	else {
		msg = utf8_repair(cause != NULL ? cause : "refused");
		err = json_pack("{s:s, s:n, s:s}", "code",
		    rc == IOD_ETOOBIG ? "item_too_large" :
		    rc == IOD_ENOMEM ? "no_memory" :
		    ctx->raw_msgpack ? "bad_body" : "bad_json", "field",
		    "message", msg != NULL ? msg : "refused");
		free(msg);
	}
	json_decref(ctx->reply);
	ctx->reply = NULL;
	if (err == NULL)
		return (NULL);
	return (json_pack("{s:I, s:o}", "index", (json_int_t)i, "error", err));
}

/*
 * POST /v1/{resource}:batch: the items (the dispatcher checked the body's
 * framing and counted them) are decoded and created one at a time; one
 * that is malformed, or of more values than a record has, is refused
 * undecoded.  Every item is accounted for, in created with its id or in
 * refused with its error; when that cannot be, or the store fails, the
 * whole batch fails and nothing of it is kept.
 */
int
api_batch(struct reqctx *ctx)
{
	const struct resource	*res = resource_of(ctx->route->path);
	struct wire_items	 w;
	json_t			*created, *refused, *into, *item, *e;
	char			*cause = NULL;
	uint64_t		 id;
	size_t			 i;
	int			 rc;

	if (ctx->raw == NULL || wire_items_open(&w, ctx->raw, ctx->rawlen,
	    ctx->raw_msgpack, BATCH_MAX, &cause) != 0) {
		free(cause);
		return (http_error(ctx, 400, "invalid", "body",
		    "body is not an array (expected an array of %s records)",
		    res->entity));
	}
	created = json_array();
	refused = json_array();
	for (i = 0; created != NULL && refused != NULL; i++) {
		if ((rc = wire_items_next(&w, &item, &cause)) == 0)
			break;
		e = NULL;
		into = refused;
		if (rc < 0)	/* malformed, or too big to decode */
			e = refusal(ctx, i, rc, cause);
		else if (create_one(ctx, res, item, &id, NULL) == 0) {
			e = json_pack("{s:I, s:I}", "index", (json_int_t)i,
			    "id", (json_int_t)id);
			into = created;
		} else if (ctx->txn->rc == 0)
			e = refusal(ctx, i, 0, NULL);
		json_decref(item);
		free(cause);
		cause = NULL;
		if (ctx->txn->rc != 0) {
			json_decref(e);
			break;	/* the store failed: the whole batch does */
		}
		if (json_array_append_new(into, e) != 0)
			break;
	}
	if (ctx->txn->rc == 0 && (created == NULL || refused == NULL ||
	    json_array_size(created) + json_array_size(refused) != w.n)) {
		/* Memory may hold what the store will not: rebuild it. */
		ctx->txn->rc = IOD_ENOMEM;
		json_decref(created);
		json_decref(refused);
		return (http_error(ctx, 503, "no_memory", NULL,
		    "out of memory: the batch was not imported"));
	}
	if (ctx->txn->rc != 0) {
		json_decref(created);
		json_decref(refused);
		return (http_store_error(ctx, ctx->txn->rc));
	}
	return (http_reply(ctx, 200, json_pack("{s:o, s:o}", "created",
	    created, "refused", refused)));
}

struct list_arg {
	struct reqctx		*ctx;
	const struct resource	*res;
	json_t			*items;
	json_t			*filters;	/* field -> wanted string */
	size_t			 limit;
	uint64_t		 last;
	int			 more;
	int			 rc;
};

/* Does the record's JSON field match the wanted query value? */
static int
field_matches(json_t *v, const char *want)
{
	char	 buf[32];
	json_t	*e;
	size_t	 i;

	if (v == NULL)
		return (0);
	switch (json_typeof(v)) {
	case JSON_STRING:
		return (strcmp(json_string_value(v), want) == 0);
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return (strcmp(buf, want) == 0);
	case JSON_TRUE:
		return (strcmp(want, "true") == 0);
	case JSON_FALSE:
		return (strcmp(want, "false") == 0);
	case JSON_ARRAY:
		json_array_foreach(v, i, e)
			if (field_matches(e, want))
				return (1);
		return (0);
	default:
		return (0);
	}
}

static int
list_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct list_arg	*la = arg;
	void		*rec;
	json_t		*j, *want;
	const char	*key;
	int		 ok = 1;

	(void)kl;
	if ((rec = rec_new(la->res->schema)) == NULL)
		return (la->rc = IOD_ENOMEM);
	if ((la->rc = rec_decode(la->res->schema, rec, v, vl)) != 0) {
		free_rec(la->res->schema, rec);
		return (la->rc);
	}
	if (!access_record(&la->ctx->tok, la->res->db, rec) ||
	    (la->res->db == DB_CANDIDATES &&
	    ((struct candidate *)rec)->status == CAND_ERASED)) {
		free_rec(la->res->schema, rec);
		return (0);
	}
	/* Filter on what the token may see, nothing more. */
	j = rec_to_json(la->res->schema, rec, access_view(&la->ctx->tok));
	json_object_foreach(la->filters, key, want)
		if (!field_matches(json_object_get(j, key),
		    json_string_value(want)))
			ok = 0;
	json_decref(j);
	if (ok && json_array_size(la->items) == la->limit) {
		la->more = 1;
		free_rec(la->res->schema, rec);
		return (1);
	}
	if (ok) {
		la->last = key_get_u64(k);
		json_array_append_new(la->items, present(la->ctx, la->res,
		    rec));
	}
	free_rec(la->res->schema, rec);
	return (0);
}

/* A positive decimal number, digits only: no sign, space or base. */
static int
decimal(const char *s, unsigned long long *out)
{
	char	*end;

	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	*out = strtoull(s, &end, 10);
	return (*end != '\0' || errno != 0 ? -1 : 0);
}

/*
 * GET /v1/{resource}: a page in id order.  Besides limit and cursor, a
 * parameter filters on a field of the record as the token's view shows
 * it; a field the view hides, or an object, is refused like an unknown
 * one, with the parameter's name.
 */
int
api_list(struct reqctx *ctx)
{
	const struct resource	*res = resource_of(ctx->route->path);
	const struct field	*f;
	struct evkeyval		*kv;
	struct list_arg		 la;
	uint8_t			 k[8];
	char			 buf[24];
	unsigned long long	 after = 0, n;
	int			 status;

	memset(&la, 0, sizeof(la));
	la.ctx = ctx;
	la.res = res;
	la.limit = LIST_DEFAULT;
	if ((la.filters = json_object()) == NULL)
		return (http_error(ctx, 503, "no_memory", NULL,
		    "out of memory"));
	TAILQ_FOREACH(kv, &ctx->query, next) {
		if (strcmp(kv->key, "limit") == 0) {
			if (decimal(kv->value, &n) != 0 || n < 1 ||
			    n > LIST_MAX) {
				status = http_error(ctx, 400, "invalid",
				    "limit", "limit: \"%.*s\" is not an "
				    "integer from 1 to %d",
				    (int)utf8_cut(kv->value, 20), kv->value,
				    LIST_MAX);
				goto fail;
			}
			la.limit = (size_t)n;
			continue;
		}
		if (strcmp(kv->key, "cursor") == 0) {
			if (decimal(kv->value, &after) != 0 ||
			    after == UINT64_MAX) {
				status = http_error(ctx, 400, "invalid",
				    "cursor", "cursor: \"%.*s\" is not a "
				    "cursor from a previous page",
				    (int)utf8_cut(kv->value, 30), kv->value);
				goto fail;
			}
			continue;
		}
		f = rec_field(res->schema, kv->key, access_view(&ctx->tok));
		if (f == NULL || f->type == FT_OBJ || f->type == FT_OBJV) {
			status = http_error(ctx, 400, "invalid", kv->key,
			    "%.*s: not a field of %s that lists can be "
			    "filtered on", (int)utf8_cut(kv->key, 40), kv->key,
			    res->entity);
			goto fail;
		}
		if (!utf8_valid(kv->value, strlen(kv->value))) {
			status = http_error(ctx, 400, "invalid", kv->key,
			    "%s: the value is not valid UTF-8", f->name);
			goto fail;
		}
		json_object_set_new(la.filters, f->name,
		    json_string(kv->value));
	}
	la.items = json_array();
	store_scan(ctx->txn, res->db, k, key_u64(k, after + 1), 0, list_cb,
	    &la);
	json_decref(la.filters);
	if (la.rc != 0 || ctx->txn->rc != 0) {
		json_decref(la.items);
		return (http_store_error(ctx, la.rc ? la.rc : ctx->txn->rc));
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)la.last);
	return (http_reply(ctx, 200, json_pack("{s:o, s:s?}", "items",
	    la.items, "next_cursor", la.more ? buf : NULL)));
fail:
	json_decref(la.filters);
	return (status);
}

int
api_health(struct reqctx *ctx)
{
	return (http_reply(ctx, 200, json_pack("{s:s, s:I}", "status", "ok",
	    "events", (json_int_t)event_last(ctx->txn))));
}

/* Records of db about candidate id, schema-free: what the store holds. */
struct related_arg {
	uint64_t	 id;
	int		 events;	/* match an event's subject */
	json_t		*items;
};

static int
related_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct related_arg	*ra = arg;
	json_t			*j, *who;
	int			 match;

	(void)k; (void)kl;
	if ((j = mp_bytes_to_json(v, vl)) == NULL)
		return (0);
	who = json_object_get(j, "candidate_id");
	match = json_integer_value(who) == (json_int_t)ra->id;
	if (ra->events && !match) {
		who = json_object_get(json_object_get(j, "data"),
		    "candidate_id");
		match = json_integer_value(who) == (json_int_t)ra->id ||
		    (json_is_string(json_object_get(j, "entity")) &&
		    strcmp(json_string_value(json_object_get(j, "entity")),
		    "candidate") == 0 &&
		    json_integer_value(json_object_get(j, "id")) ==
		    (json_int_t)ra->id);
	}
	if (match) {
		json_object_del(j, "v");
		json_array_append_new(ra->items, j);
	} else
		json_decref(j);
	return (0);
}

static json_t *
related(struct txn *t, enum store_db db, uint64_t id, int events)
{
	struct related_arg	ra = { id, events, json_array() };

	store_scan(t, db, NULL, 0, 0, related_cb, &ra);
	return (ra.items);
}

/* The right of access: everything held about the person. */
int
api_export(struct reqctx *ctx)
{
	const struct resource	*res = resource_of("/v1/candidates");
	void			*rec;
	json_t			*j;

	if ((rec = load(ctx, res)) == NULL)
		return (ctx->status);
	audit_read(ctx, ctx->id, "export");
	j = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
	    "candidate", rec_to_json(res->schema, rec, VIEW_FULL),
	    "proposals", related(ctx->txn, DB_PROPOSALS, ctx->id, 0),
	    "placements", related(ctx->txn, DB_PLACEMENTS, ctx->id, 0),
	    "followups", related(ctx->txn, DB_FOLLOWUPS, ctx->id, 0),
	    "events", related(ctx->txn, DB_EVENTS, ctx->id, 1),
	    "audit", related(ctx->txn, DB_AUDIT, ctx->id, 0));
	free_rec(res->schema, rec);
	return (http_reply(ctx, 200, j));
}

/*
 * A consistent, compacted copy of the live store: a data.mdb to put in an
 * empty data directory to restore.  The copy goes through a temporary
 * file, unlinked at once, that the reply reads from.
 */
int
api_backup(struct reqctx *ctx)
{
	struct evbuffer	*out;
	char		*path;
	off_t		 size;
	int		 fd;

	if (asprintf(&path, "%s/backup.XXXXXX", srv->datadir) == -1)
		return (http_error(ctx, 503, "no_memory", NULL, "out of memory"));
	fd = mkstemp(path);
	if (fd != -1)
		unlink(path);
	free(path);
	if (fd == -1 || store_backup(srv->st, fd) != 0 ||
	    (size = lseek(fd, 0, SEEK_END)) <= 0) {
		if (fd != -1)
			close(fd);
		return (http_error(ctx, 500, "backup_failed", NULL,
		    "the copy of the store failed"));
	}
	out = evbuffer_new();
	if (evbuffer_add_file(out, fd, 0, size) != 0) {	/* owns fd now */
		evbuffer_free(out);
		return (http_error(ctx, 500, "backup_failed", NULL,
		    "the copy of the store cannot be sent"));
	}
	log_info("backup of %lld bytes by %s", (long long)size, ctx->actor);
	return (http_reply_text(ctx, 200, "application/octet-stream", out));
}

/* The audit log of reads of personal data, oldest first. */
int
api_audit(struct reqctx *ctx)
{
	const char		*q;
	unsigned long long	 id;

	if ((q = http_query(ctx, "candidate_id")) == NULL)
		return (http_error(ctx, 400, "invalid", "candidate_id",
		    "candidate_id: is required"));
	if (decimal(q, &id) != 0 || id == 0)
		return (http_error(ctx, 400, "invalid", "candidate_id",
		    "candidate_id: \"%.*s\" is not an id",
		    (int)utf8_cut(q, 20), q));
	return (http_reply(ctx, 200, json_pack("{s:o}", "items",
	    related(ctx->txn, DB_AUDIT, id, 0))));
}

struct events_arg {
	struct reqctx	*ctx;
	json_t		*items;
	size_t		 limit;
	uint64_t	 last;
};

static int
events_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct events_arg	*ea = arg;
	struct event		 ev;

	(void)kl; (void)v; (void)vl;
	if (json_array_size(ea->items) == ea->limit)
		return (1);
	if (event_get(ea->ctx->txn, key_get_u64(k), &ev) != 0)
		return (0);
	ea->last = ev.seq;
	json_array_append_new(ea->items, event_to_json(&ev));
	event_clear(&ev);
	return (0);
}

/* The event log from ?after=SEQ, oldest first. */
int
api_events(struct reqctx *ctx)
{
	struct events_arg	 ea;
	const char		*q;
	char			 buf[24];
	unsigned long long	 after = 0, n = 100;
	uint8_t			 k[8];

	if ((q = http_query(ctx, "after")) != NULL &&
	    (decimal(q, &after) != 0 || after == UINT64_MAX))
		return (http_error(ctx, 400, "invalid", "after",
		    "after: \"%.*s\" is not an event sequence number",
		    (int)utf8_cut(q, 20), q));
	if ((q = http_query(ctx, "limit")) != NULL &&
	    (decimal(q, &n) != 0 || n < 1 || n > LIST_MAX))
		return (http_error(ctx, 400, "invalid", "limit",
		    "limit: \"%.*s\" is not an integer from 1 to %d",
		    (int)utf8_cut(q, 20), q, LIST_MAX));
	memset(&ea, 0, sizeof(ea));
	ea.ctx = ctx;
	ea.items = json_array();
	ea.limit = (size_t)n;
	store_scan(ctx->txn, DB_EVENTS, k, key_u64(k, after + 1), 0,
	    events_cb, &ea);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)ea.last);
	return (http_reply(ctx, 200, json_pack("{s:o, s:s?}", "items",
	    ea.items, "next_cursor", json_array_size(ea.items) == ea.limit ?
	    buf : NULL)));
}

int
api_rulesets_list(struct reqctx *ctx)
{
	struct active	*a;
	json_t		*items = json_array();

	for (a = rulesets_first(); a != NULL; a = a->next)
		json_array_append_new(items, rulesets_json(a, 0));
	return (http_reply(ctx, 200, json_pack("{s:o}", "items", items)));
}

int
api_ruleset_get(struct reqctx *ctx)
{
	struct active	*a;

	if ((a = rulesets_find(ctx->name)) == NULL)
		return (http_error(ctx, 404, "not_found", "name",
		    "no active rule set %s", ctx->name));
	return (http_reply(ctx, 200, rulesets_json(a, 1)));
}

/*
 * A new text for a rule set: compiled aside, stored as the next version
 * and swapped in whole; a bad one leaves the old one serving.
 */
int
api_ruleset_put(struct reqctx *ctx)
{
	struct ruleset	*rs = NULL;
	struct active	*a;
	char		*errors = NULL, *nl;
	uint64_t	 version;
	json_t		*lines;
	int		 rc;

	rc = ruleset_load_buffer(ctx->name, ctx->raw, ctx->rawlen,
	    srv->refdir, &rs, &errors);
	if (rc == 0 && strcmp(rs->name, ctx->name) != 0) {
		http_error(ctx, 400, "invalid_ruleset", "name", "name: the "
		    "rule set calls itself \"%s\" (expected \"%s\")", rs->name,
		    ctx->name);
		ruleset_free(rs);
		return (400);
	}
	if (rc != 0) {
		nl = errors != NULL ? strchr(errors, '\n') : NULL;
		http_error(ctx, 400, "invalid_ruleset", "body", "%.*s",
		    nl != NULL ? (int)(nl - errors) : (int)strlen(errors != NULL ?
		    errors : ""), errors != NULL ? errors : "");
		lines = json_array();
		for (nl = errors != NULL ? strtok(errors, "\n") : NULL;
		    nl != NULL; nl = strtok(NULL, "\n"))
			json_array_append_new(lines, json_string(nl));
		json_object_set_new(json_object_get(ctx->reply, "error"),
		    "errors", lines);
		free(errors);
		return (400);
	}
	if ((rc = rulesets_install(ctx->txn, rs, ctx->actor, &version)) != 0)
		return (http_store_error(ctx, rc));
	a = rulesets_find(ctx->name);
	return (http_reply(ctx, 200, rulesets_json(a, 0)));
}

int
api_token_create(struct reqctx *ctx)
{
	struct token	 tok;
	char		*field, *cause, *secret;
	json_t		*j;
	int		 rc;

	memset(&tok, 0, sizeof(tok));
	if ((rc = rec_from_json(&token_schema, &tok, ctx->body, &field,
	    &cause)) != 0) {
		http_error(ctx, 400, "invalid", field, "%s", cause);
		free(field);
		free(cause);
		rec_clear(&token_schema, &tok);
		return (400);
	}
	if (tok.role == ROLE_REFERENT &&
	    !exists(ctx->txn, DB_REFERENTS, tok.referent_id)) {
		rec_clear(&token_schema, &tok);
		return (http_error(ctx, 400, "invalid", "referent_id",
		    "referent_id: a referent token needs the id of an "
		    "existing referent"));
	}
	if (tok.role == ROLE_COMPANY &&
	    !exists(ctx->txn, DB_COMPANIES, tok.company_id)) {
		rec_clear(&token_schema, &tok);
		return (http_error(ctx, 400, "invalid", "company_id",
		    "company_id: a company token needs the id of an "
		    "existing company"));
	}
	if ((rc = auth_create(ctx->txn, &tok, NULL, &secret)) != 0) {
		rec_clear(&token_schema, &tok);
		return (http_store_error(ctx, rc));
	}
	event_append(ctx->txn, "token.created", "token", tok.id, ctx->actor,
	    NULL);
	j = rec_to_json(&token_schema, &tok, VIEW_FULL);
	json_object_set_new(j, "token", json_string(secret));
	free(secret);
	rec_clear(&token_schema, &tok);
	return (http_reply(ctx, 201, j));
}

static int
token_list_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct token	tok;

	(void)k; (void)kl;
	memset(&tok, 0, sizeof(tok));
	if (rec_decode(&token_schema, &tok, v, vl) == 0)
		json_array_append_new(arg, rec_to_json(&token_schema, &tok,
		    VIEW_FULL));
	rec_clear(&token_schema, &tok);
	return (0);
}

int
api_token_list(struct reqctx *ctx)
{
	json_t	*items = json_array();

	store_scan(ctx->txn, DB_TOKENS, NULL, 0, 0, token_list_cb, items);
	return (http_reply(ctx, 200, json_pack("{s:o, s:n}", "items", items,
	    "next_cursor")));
}

int
api_token_revoke(struct reqctx *ctx)
{
	int	rc;

	if ((rc = auth_revoke(ctx->txn, ctx->id)) == IOD_ENOTFOUND)
		return (http_error(ctx, 404, "not_found", "id", "no token %llu",
		    (unsigned long long)ctx->id));
	if (rc != 0)
		return (http_store_error(ctx, rc));
	event_append(ctx->txn, "token.revoked", "token", ctx->id, ctx->actor,
	    NULL);
	return (http_reply(ctx, 204, NULL));
}

/*
 * The demo dataset goes through create_one like any client's records, in
 * one transaction: a bad demo file leaves the store empty.
 */
int
api_load_demo(const char *dir, char **cause)
{
	static const char *const order[] = { "referents", "companies",
	    "offers", "candidates", NULL };
	const struct resource	*res;
	struct reqctx		 ctx;
	struct txn		 t;
	json_error_t		 err;
	json_t			*arr, *item, *e;
	char			*path, route[64];
	struct route		 fake;
	uint64_t		 id;
	size_t			 i;
	int			 n, rc = 0;

	*cause = NULL;
	if ((rc = store_begin(srv->st, &t, 1, NULL)) != 0)
		return (rc);
	if (store_count(&t, DB_COMPANIES) + store_count(&t, DB_CANDIDATES) > 0) {
		store_abort(&t);
		return (0);	/* not an empty store: nothing to seed */
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.txn = &t;
	snprintf(ctx.actor, sizeof(ctx.actor), "demo");
	memset(&fake, 0, sizeof(fake));
	ctx.route = &fake;
	for (n = 0; order[n] != NULL && rc == 0; n++) {
		snprintf(route, sizeof(route), "/v1/%s", order[n]);
		res = resource_of(route);
		if (asprintf(&path, "%s/%s.json", dir, order[n]) == -1)
			return (IOD_ENOMEM);
		if ((arr = json_load_file(path, 0, &err)) == NULL ||
		    !json_is_array(arr)) {
			if (asprintf(cause, "%s:%d: %s", path, err.line,
			    arr == NULL ? err.text : "not an array") == -1)
				*cause = NULL;
			rc = IOD_EINVAL;
		}
		json_array_foreach(arr, i, item) {
			if (create_one(&ctx, res, item, &id, NULL) == 0)
				continue;
			e = json_object_get(ctx.reply, "error");
			if (asprintf(cause, "%s: item %zu: %s", path, i,
			    json_string_value(json_object_get(e, "message")))
			    == -1)
				*cause = NULL;
			rc = IOD_EINVAL;
			break;
		}
		json_decref(ctx.reply);
		ctx.reply = NULL;
		json_decref(arr);
		free(path);
	}
	if (rc != 0) {
		store_abort(&t);
		return (rc);
	}
	return (store_commit(&t));
}
