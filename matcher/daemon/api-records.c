/*
 * api-records.c — the resource table, one row for every kind of record the
 * API reads (companies, offers, candidates, referents, proposals,
 * placements, follow-ups, the company journal's contacts, tokens,
 * webhooks, and the event and audit logs for their lists), and the generic routes of the records the team writes:
 * create, read, replace and delete, each change appended to the event log
 * in the same transaction (batch ingest is api-batch.c's).  What makes a kind differ on a
 * write is the domain's (records.c); what makes its list differ is
 * api-list.c's; routing, authentication and body decoding happened before
 * (http.c), the commit comes after (server.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"

const struct resource resources[] = {
	{
		.name = "companies",
		.entity = "company",
		.db = DB_COMPANIES,
		.schema = &company_schema,
		.check = records_company_check,
		.index = records_company_index,
		.deletable = records_company_deletable,
		.params = list_record_params,
		.list = LIST_FIELDS
	},
	{
		.name = "offers",
		.entity = "offer",
		.db = DB_OFFERS,
		.schema = &offer_schema,
		.check = records_offer_check,
		.index = records_offer_index,
		.deletable = records_offer_deletable,
		.payload = records_offer_payload,
		.params = list_record_params,
		.list = LIST_FIELDS
	},
	{
		.name = "candidates",
		.entity = "candidate",
		.db = DB_CANDIDATES,
		.schema = &candidate_schema,
		.check = records_candidate_check,
		.index = records_candidate_index,
		.deletable = records_candidate_deletable,
		.payload = records_candidate_payload,
		.memory = records_candidate_memory,
		.params = list_candidate_params,
		.list = LIST_FIELDS
	},
	{
		.name = "referents",
		.entity = "referent",
		.db = DB_REFERENTS,
		.schema = &referent_schema,
		.check = records_referent_check,
		.index = records_referent_index,
		.deletable = records_referent_deletable,
		.params = list_record_params,
		.list = LIST_FIELDS
	},
	{	/* read here; made and moved on by proposal.c */
		.name = "proposals",
		.entity = "proposal",
		.db = DB_PROPOSALS,
		.schema = &proposal_schema,
		.params = list_record_params,
		.list = LIST_FIELDS
	},
	{	/* read here; made by a hire, ended by placement.c */
		.name = "placements",
		.entity = "placement",
		.db = DB_PLACEMENTS,
		.schema = &placement_schema,
		.params = list_placement_params,
		.match = list_placement_match,
		.item = list_full_item
	},
	{
		.name = "followups",
		.entity = "followup",
		.noun = "appointment",
		.db = DB_FOLLOWUPS,
		.schema = &followup_schema,
		.blank = list_followup_blank,
		.params = list_followup_params,
		.match = list_followup_match,
		.item = list_followup_item
	},
	{	/* the company journal */
		.name = "contacts",
		.entity = "contact",
		.db = DB_CONTACTS,
		.schema = &journal_contact_schema,
		.check = journal_contact_check,
		.index = journal_contact_index,
		.params = list_record_params,
		.list = LIST_FIELDS
	},
	{
		.name = "tokens",
		.entity = "token",
		.db = DB_TOKENS,
		.schema = &token_schema,
		.list = LIST_UNPAGED | LIST_LAX,
		.item = list_full_item
	},
	{
		.name = "webhooks",
		.entity = "webhook",
		.db = DB_WEBHOOKS,
		.schema = &webhook_schema,
		.blank = list_webhook_blank,
		.list = LIST_UNPAGED | LIST_LAX,
		.item = list_webhook_item
	},
	{
		.name = "events",
		.entity = "event",
		.db = DB_EVENTS,
		.params = list_event_params,
		.list = LIST_LAX | LIST_FULL_PAGE,
		.list_default = 100,
		.row = list_event_row
	},
	{
		.name = "audit",
		.entity = "audit entry",
		.db = DB_AUDIT,
		.params = list_audit_params,
		.list = LIST_UNPAGED | LIST_LAX | LIST_BARE,
		.row = list_audit_row
	},
	{ .name = NULL }
};

/* Every record struct begins with its uint64_t id. */
#define REC_ID(rec)	(*(uint64_t *)(rec))

static uint64_t
rec_id(const void *rec)
{
	return (*(const uint64_t *)rec);
}

const struct resource *
api_resource(const char *path)
{
	const struct resource	*res;
	size_t			 len;

	if (strncmp(path, "/v1/", 4) != 0)
		return (NULL);
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

/* Append "<entity>.<what>" for rec to the log. */
static void
log_change(struct dctx *dc, const struct resource *res, const char *what,
    const void *rec)
{
	char		 type[64];
	msgpack_packer	*pk;
	size_t		 n = strlen(res->entity), w = strlen(what);

	/* Joined by hand: snprintf's format parsing, once a record. */
	if (n + 1 + w < sizeof(type)) {
		memcpy(type, res->entity, n);
		type[n] = '.';
		memcpy(type + n + 1, what, w + 1);
	} else
		snprintf(type, sizeof(type), "%s.%s", res->entity, what);
	pk = event_open(dc->txn, type, res->entity, rec_id(rec), dc->actor);
	if (res->payload != NULL)
		res->payload(pk, rec);
	else
		msgpack_pack_nil(pk);
	event_close(dc->txn);
}

/* Decode a new record from j: the struct, or NULL with dc->err set. */
static void *
decode(struct dctx *dc, const struct resource *res, json_t *j)
{
	void	*rec;

	if ((rec = rec_new(res->schema)) == NULL) {
		derr_set(&dc->err, ERR_NO_MEMORY, NULL, "out of memory");
		return (NULL);
	}
	api_stall_strip(res, j);
	if (derr_decode(&dc->err, res->schema, j, rec) != 0) {
		free_rec(res->schema, rec);
		return (NULL);
	}
	return (rec);
}

/* A record a token writes must stay in its scope (a referent's own
 * candidates); a daemon task (no token) writes anything.  0 or -1. */
static int
in_scope(struct dctx *dc, const struct resource *res, const void *rec)
{
	if (dc->tok == NULL || access_record(dc->tok, res->db, rec))
		return (0);
	if (res->db == DB_CANDIDATES)
		return (derr_set(&dc->err, ERR_FORBIDDEN, "referent_id",
		    "referent_id: a referent token may only write its own "
		    "candidates (referent %llu)",
		    (unsigned long long)dc->tok->referent_id));
	return (derr_set(&dc->err, ERR_FORBIDDEN, NULL,
	    "outside this token's scope"));
}

int
api_record_create_rec(struct dctx *dc, const struct resource *res,
    void *rec, uint64_t *id, json_t **out)
{
	if (in_scope(dc, res, rec) != 0 ||
	    (res->check != NULL && res->check(dc, rec, NULL) != 0)) {
		free_rec(res->schema, rec);
		return (-1);
	}
	REC_ID(rec) = store_next_id(dc->txn, res->db);
	*time_field(res->schema, rec, "created_at") = (int64_t)time(NULL);
	*time_field(res->schema, rec, "updated_at") = (int64_t)time(NULL);
	store_put_new_rec(dc->txn, res->db, REC_ID(rec), res->schema, rec);
	if (res->index != NULL)
		res->index(dc->txn, rec, NULL);
	log_change(dc, res, "created", rec);
	if (dc->txn->rc == 0 && res->memory != NULL &&
	    res->memory(rec, REC_ID(rec)) != 0)
		dc->txn->rc = IOD_ENOMEM;
	*id = REC_ID(rec);
	if (out != NULL)
		*out = rec_to_json(res->schema, rec, VIEW_FULL);
	free_rec(res->schema, rec);
	if (dc->txn->rc != 0)
		return (derr_store(&dc->err, dc->txn->rc));
	return (0);
}

int
api_record_create(struct dctx *dc, const struct resource *res, json_t *j,
    uint64_t *id, json_t **out)
{
	void	*rec;

	if ((rec = decode(dc, res, j)) == NULL)
		return (-1);
	return (api_record_create_rec(dc, res, rec, id, out));
}

int
api_create(struct reqctx *ctx)
{
	const struct resource	*res = api_resource(ctx->route->path);
	struct dctx		 dc;
	json_t			*out = NULL;
	uint64_t		 id;

	api_dctx(ctx, &dc);
	if (api_record_create(&dc, res, ctx->body, &id, &out) != 0)
		return (http_derr(ctx, &dc.err));
	etag_set(ctx, res, id, out);
	return (http_reply(ctx, 201, out));
}

int
api_load(struct reqctx *ctx, const struct resource *res, void *rec)
{
	struct dctx	dc;

	api_dctx(ctx, &dc);
	memset(rec, 0, res->schema->size);
	if (res->blank != NULL)
		res->blank(rec);
	if (records_load(&dc, res->db, res->schema, res->noun != NULL ?
	    res->noun : res->entity, ctx->id, rec) != 0)
		return (http_derr(ctx, &dc.err));
	return (0);
}

/* api_load into a record of its own (caller frees); NULL on error. */
static void *
load_new(struct reqctx *ctx, const struct resource *res)
{
	void	*rec;

	if ((rec = rec_new(res->schema)) == NULL) {
		http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory");
		return (NULL);
	}
	if (api_load(ctx, res, rec) != 0) {
		free(rec);
		return (NULL);
	}
	return (rec);
}

/*
 * A record as the token may read it.  A company reads a proposal in the
 * no-CV view, with the candidate's first name and availability and
 * nothing else of them; every reader reads a proposal's job (job.c);
 * reading a candidate is written to the audit log.
 */
json_t *
api_present(struct reqctx *ctx, const struct resource *res, const void *rec)
{
	const struct proposal	*p = rec;
	struct candidate	 c;
	json_t			*j;
	char			 day[11];

	j = rec_to_json(res->schema, rec, access_view(&ctx->tok));
	if (res->db == DB_CANDIDATES)
		server_audit(ctx->actor, ctx->tok.id, rec_id(rec), "read");
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
		json_object_set_new(j, "job", job_json(ctx->txn, p->offer_id));
	}
	api_stall_present(ctx, res, rec, j);
	return (j);
}

int
api_get(struct reqctx *ctx)
{
	const struct resource	*res = api_resource(ctx->route->path);
	void			*rec;
	json_t			*j;

	if ((rec = load_new(ctx, res)) == NULL)
		return (ctx->status);
	j = api_present(ctx, res, rec);
	free_rec(res->schema, rec);
	etag_set(ctx, res, ctx->id, j);
	if (etag_none_match(ctx)) {
		json_decref(j);
		return (http_reply(ctx, 304, NULL));
	}
	return (http_reply(ctx, 200, j));
}

int
api_replace(struct reqctx *ctx, const struct resource *res, void *old,
    json_t *j)
{
	struct dctx		 dc;
	void			*rec;
	json_t			*reply;
	int64_t			 created;
	int			 status;

	api_dctx(ctx, &dc);
	if ((rec = decode(&dc, res, j)) == NULL)
		return (http_derr(ctx, &dc.err));
	REC_ID(rec) = ctx->id;
	if (in_scope(&dc, res, rec) != 0) {
		status = http_derr(ctx, &dc.err);
		goto out;
	}
	created = *time_field(res->schema, old, "created_at");
	*time_field(res->schema, rec, "created_at") = created;
	*time_field(res->schema, rec, "updated_at") = (int64_t)time(NULL);
	if (res->check != NULL && res->check(&dc, rec, old) != 0) {
		status = http_derr(ctx, &dc.err);
		goto out;
	}
	store_put_rec(ctx->txn, res->db, ctx->id, res->schema, rec);
	if (res->index != NULL)
		res->index(ctx->txn, rec, old);
	log_change(&dc, res, "updated", rec);
	if (ctx->txn->rc != 0) {
		status = http_store_error(ctx, ctx->txn->rc);
		goto out;
	}
	if (res->memory != NULL && res->memory(rec, ctx->id) != 0) {
		status = http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory");
		goto out;
	}
	reply = rec_to_json(res->schema, rec, VIEW_FULL);
	api_stall_present(ctx, res, rec, reply);	/* as a GET reads it */
	etag_set(ctx, res, ctx->id, reply);
	status = http_reply(ctx, 200, reply);
out:
	free_rec(res->schema, rec);
	return (status);
}

int
api_put(struct reqctx *ctx)
{
	const struct resource	*res = api_resource(ctx->route->path);
	void			*old;
	int			 status;

	if ((old = load_new(ctx, res)) == NULL)
		return (ctx->status);
	if ((status = etag_if_match(ctx, res)) == 0)
		status = api_replace(ctx, res, old, ctx->body);
	free_rec(res->schema, old);
	return (status);
}

int
api_delete(struct reqctx *ctx)
{
	const struct resource	*res = api_resource(ctx->route->path);
	struct dctx		 dc;
	void			*old;
	int			 status;

	api_dctx(ctx, &dc);
	if ((old = load_new(ctx, res)) == NULL)
		return (ctx->status);
	if ((status = etag_if_match(ctx, res)) != 0) {
		free_rec(res->schema, old);
		return (status);
	}
	if (res->deletable != NULL && res->deletable(&dc, old) != 0) {
		free_rec(res->schema, old);
		return (http_derr(ctx, &dc.err));
	}
	if (res->db == DB_CANDIDATES) {
		if (records_erase(&dc, old) != 0)
			status = http_derr(ctx, &dc.err);
		else {
			srv->scrub = 1;
			status = http_reply(ctx, 204, NULL);
		}
		free_rec(res->schema, old);
		return (status);
	}
	store_del_id(ctx->txn, res->db, ctx->id);
	if (res->index != NULL)
		res->index(ctx->txn, NULL, old);
	log_change(&dc, res, "deleted", old);
	free_rec(res->schema, old);
	if (ctx->txn->rc != 0)
		return (http_store_error(ctx, ctx->txn->rc));
	if (res->memory != NULL)
		res->memory(NULL, ctx->id);
	return (http_reply(ctx, 204, NULL));
}

/* Lay the members of row over those of base, object into object: what
 * a row leaves out keeps its value.  0 or -1 out of memory. */
static int
overlay(json_t *base, json_t *row)
{
	const char	*k;
	json_t		*v, *cur;

	json_object_foreach(row, k, v) {
		cur = json_object_get(base, k);
		if (json_is_object(v) && json_is_object(cur)) {
			if (overlay(cur, v) != 0)
				return (-1);
		} else if (json_object_set(base, k, v) != 0)
			return (-1);
	}
	return (0);
}

int
api_record_upsert(struct dctx *dc, const struct resource *res, json_t *j,
    int dry_run, enum upsert *what, uint64_t *id)
{
	const struct schema	*sc = res->schema;
	void			*rec = NULL, *old = NULL;
	json_t			*a = NULL, *b = NULL, *m = NULL;
	int64_t			 now = (int64_t)time(NULL);
	int			 rc = -1, got;

	*id = records_external_find(dc->txn, res->db, json_string_value(
	    json_object_get(j, "external_ref")));
	if (*id != 0) {
		if ((old = rec_new(sc)) == NULL) {
			derr_set(&dc->err, ERR_NO_MEMORY, NULL,
			    "out of memory");
			goto out;
		}
		if ((got = store_get_rec(dc->txn, res->db, *id, sc, old)) != 0) {
			derr_store(&dc->err, got);
			goto out;
		}
		/* Another scope's record is neither shown nor taken over:
		 * the row is refused on its reference, the id untold. */
		if (dc->tok != NULL && !access_record(dc->tok, res->db, old)) {
			derr_set(&dc->err, ERR_DUPLICATE, "external_ref",
			    "external_ref: %s is the reference of a record "
			    "outside this token's scope",
			    json_string_value(json_object_get(j,
			    "external_ref")));
			goto out;
		}
		if ((a = rec_to_json(sc, old, VIEW_FULL)) == NULL ||
		    (m = json_deep_copy(a)) == NULL || overlay(m, j) != 0) {
			derr_set(&dc->err, ERR_NO_MEMORY, NULL,
			    "out of memory");
			goto out;
		}
	}
	if ((rec = decode(dc, res, m != NULL ? m : j)) == NULL)
		goto out;
	if (old != NULL) {
		REC_ID(rec) = *id;
		*time_field(sc, rec, "created_at") =
		    *time_field(sc, old, "created_at");
		*time_field(sc, rec, "updated_at") =
		    *time_field(sc, old, "updated_at");
	}
	if (in_scope(dc, res, rec) != 0 ||
	    (res->check != NULL && res->check(dc, rec, old) != 0))
		goto out;
	*what = old == NULL ? UPSERT_CREATED : UPSERT_UPDATED;
	if (old != NULL) {
		if ((b = rec_to_json(sc, rec, VIEW_FULL)) == NULL) {
			derr_set(&dc->err, ERR_NO_MEMORY, NULL,
			    "out of memory");
			goto out;
		}
		if (json_equal(a, b))
			*what = UPSERT_UNCHANGED;
	}
	if (dry_run || *what == UPSERT_UNCHANGED) {
		rc = 0;
		goto out;
	}
	if (old == NULL) {
		*id = REC_ID(rec) = store_next_id(dc->txn, res->db);
		*time_field(sc, rec, "created_at") = now;
	}
	*time_field(sc, rec, "updated_at") = now;
	if (old == NULL)
		store_put_new_rec(dc->txn, res->db, *id, sc, rec);
	else
		store_put_rec(dc->txn, res->db, *id, sc, rec);
	if (res->index != NULL)
		res->index(dc->txn, rec, old);
	log_change(dc, res, old == NULL ? "created" : "updated", rec);
	if (dc->txn->rc == 0 && res->memory != NULL &&
	    res->memory(rec, *id) != 0)
		dc->txn->rc = IOD_ENOMEM;
	if (dc->txn->rc != 0) {
		derr_store(&dc->err, dc->txn->rc);
		goto out;
	}
	rc = 0;
out:
	json_decref(a);
	json_decref(b);
	json_decref(m);
	if (old != NULL)
		free_rec(sc, old);
	if (rec != NULL)
		free_rec(sc, rec);
	return (rc);
}
