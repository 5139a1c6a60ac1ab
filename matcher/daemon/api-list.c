/*
 * api-list.c — the one list every GET /v1/{kind} goes through: the query
 * string checked against the kind's parameters (a table) or, for the
 * records the team writes, against the record's fields as the token sees
 * them; then one page in id order from the cursor, of what the token may
 * see and the query keeps, with a next_cursor while more follows.  The
 * kinds differ only by their row of the resource table (api-records.c)
 * and the few hooks here: the follow-ups' filters and the names a person
 * reads, the placements' filters, the event log's and the audit log's
 * rows.  What a record is and who may see it are the domain's.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

#define LIST_DEFAULT	50
#define LIST_MAX	1000

#define QF(f)	offsetof(struct list_query, f)
const struct qparam list_record_params[] = {
	{ .name = "limit", .type = Q_LIMIT, .off = QF(limit) },
	{ .name = "cursor", .type = Q_CURSOR, .off = QF(after),
	    .what = "a cursor from a previous page" },
	{ .name = NULL }
};
const struct qparam list_followup_params[] = {
	{ .name = "owner", .type = Q_STR, .off = QF(owner) },
	{ .name = "status", .type = Q_ENUM, .off = QF(status),
	    .names = followup_status_names },
	{ .name = "kind", .type = Q_ENUM, .off = QF(kind),
	    .names = followup_kind_names },
	{ .name = "overdue", .type = Q_BOOL, .off = QF(overdue) },
	{ .name = "due_from", .type = Q_DATE, .off = QF(due_from) },
	{ .name = "due_before", .type = Q_DATE, .off = QF(due_before) },
	{ .name = "placement_id", .type = Q_ID, .off = QF(placement_id) },
	{ .name = "candidate_id", .type = Q_ID, .off = QF(candidate_id) },
	{ .name = "offer_id", .type = Q_ID, .off = QF(offer_id) },
	{ .name = "company_id", .type = Q_ID, .off = QF(company_id) },
	{ .name = "referent_id", .type = Q_ID, .off = QF(referent_id) },
	{ .name = "limit", .type = Q_LIMIT, .off = QF(limit) },
	{ .name = "cursor", .type = Q_CURSOR, .off = QF(after),
	    .what = "a cursor from a previous page" },
	{ .name = NULL }
};
const struct qparam list_placement_params[] = {
	{ .name = "owner", .type = Q_STR, .off = QF(owner) },
	{ .name = "status", .type = Q_ENUM, .off = QF(status),
	    .names = placement_status_names },
	{ .name = "candidate_id", .type = Q_ID, .off = QF(candidate_id) },
	{ .name = "proposal_id", .type = Q_ID, .off = QF(proposal_id) },
	{ .name = "offer_id", .type = Q_ID, .off = QF(offer_id) },
	{ .name = "company_id", .type = Q_ID, .off = QF(company_id) },
	{ .name = "referent_id", .type = Q_ID, .off = QF(referent_id) },
	{ .name = "limit", .type = Q_LIMIT, .off = QF(limit) },
	{ .name = "cursor", .type = Q_CURSOR, .off = QF(after),
	    .what = "a cursor from a previous page" },
	{ .name = NULL }
};
const struct qparam list_event_params[] = {
	{ .name = "after", .type = Q_CURSOR, .off = QF(after),
	    .what = "an event sequence number" },
	{ .name = "limit", .type = Q_LIMIT, .off = QF(limit) },
	{ .name = NULL }
};
const struct qparam list_audit_params[] = {
	{ .name = "candidate_id", .type = Q_ID, .off = QF(candidate_id),
	    .required = 1 },
	{ .name = NULL }
};

/* A decimal number, digits only (no sign, space or base): 0 or -1. */
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

/* One typed parameter p of value s into q; 0 or a status. */
static int
param_parse(struct reqctx *ctx, const struct qparam *p, const char *s,
    struct list_query *q)
{
	unsigned long long	 u;
	void			*at = (char *)q + p->off;
	char			*list;
	int			 k, cut = (int)utf8_cut(s, 20);

	switch (p->type) {
	case Q_ID:
	case Q_CURSOR:
		if (decimal(s, &u) != 0 || (p->type == Q_ID && u == 0) ||
		    u == UINT64_MAX)
			return (http_error(ctx, ERR_INVALID, p->name,
			    "%s: \"%.*s\" is not %s", p->name, cut, s,
			    p->type == Q_ID ? "an id" : p->what));
		*(uint64_t *)at = u;
		break;
	case Q_LIMIT:
		if (decimal(s, &u) != 0 || u < 1 || u > LIST_MAX)
			return (http_error(ctx, ERR_INVALID, p->name,
			    "%s: \"%.*s\" is not an integer from 1 to %d",
			    p->name, cut, s, LIST_MAX));
		*(size_t *)at = (size_t)u;
		break;
	case Q_STR:
		if (*s == '\0' || strlen(s) > 64)
			return (http_error(ctx, ERR_INVALID, p->name,
			    "%s: expected 1 to 64 characters", p->name));
		*(const char **)at = s;
		break;
	case Q_DATE:
		if (date_parse(s, (iod_date *)at) != 0)
			return (http_error(ctx, ERR_INVALID, p->name,
			    "%s: \"%.*s\" is not a date (expected YYYY-MM-DD)",
			    p->name, cut, s));
		break;
	case Q_BOOL:
		if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
			return (http_error(ctx, ERR_INVALID, p->name,
			    "%s: \"%.*s\" is not true or false", p->name, cut,
			    s));
		*(int *)at = strcmp(s, "true") == 0;
		break;
	case Q_ENUM:
		if ((k = enum_lookup(p->names, s)) < 0) {
			list = names_list(p->names);
			http_error(ctx, ERR_INVALID, p->name,
			    "%s: \"%.*s\" is not one of %s", p->name, cut, s,
			    list != NULL ? list : "the names");
			free(list);
			return (ctx->status);
		}
		*(int *)at = k;
		break;
	}
	return (0);
}

/* A filter on a field of the record, as the token's view shows it: a
 * field the view hides, or an object, is refused like an unknown one. */
static int
field_parse(struct reqctx *ctx, const struct resource *res, const char *key,
    const char *value, struct list_query *q)
{
	const struct field	*f;

	f = rec_field(res->schema, key, access_view(&ctx->tok));
	if (f == NULL || f->type == FT_OBJ || f->type == FT_OBJV)
		return (http_error(ctx, ERR_INVALID, key, "%.*s: not a field of "
		    "%s that lists can be filtered on", (int)utf8_cut(key, 40),
		    key, res->entity));
	if (!utf8_valid(value, strlen(value)))
		return (http_error(ctx, ERR_INVALID, key,
		    "%s: the value is not valid UTF-8", f->name));
	if (q->fields == NULL && (q->fields = json_object()) == NULL)
		return (http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory"));
	json_object_set_new(q->fields, f->name, json_string(value));
	return (0);
}

/* The query string against res's parameters into q; 0 or a status. */
static int
query_parse(struct reqctx *ctx, const struct resource *res,
    struct list_query *q)
{
	const struct qparam	*p;
	struct evkeyval		*kv;
	int			 status;

	memset(q, 0, sizeof(*q));
	q->status = q->kind = q->overdue = -1;
	q->limit = res->list_default != 0 ? res->list_default : LIST_DEFAULT;
	if (res->params == NULL)
		return (0);		/* a kind without parameters */
	TAILQ_FOREACH(kv, &ctx->query, next) {
		/* LIST_LAX: the first of a repeated parameter counts. */
		if ((res->list & LIST_LAX) &&
		    evhttp_find_header(&ctx->query, kv->key) != kv->value)
			continue;
		for (p = res->params; p->name != NULL; p++)
			if (strcmp(p->name, kv->key) == 0)
				break;
		if (p->name != NULL)
			status = param_parse(ctx, p, kv->value, q);
		else if (res->list & LIST_FIELDS)
			status = field_parse(ctx, res, kv->key, kv->value, q);
		else if (res->list & LIST_LAX)
			continue;
		else
			status = http_error(ctx, ERR_INVALID, kv->key,
			    "%.*s: not a filter of %s",
			    (int)utf8_cut(kv->key, 40), kv->key,
			    ctx->route->path);
		if (status != 0)
			return (status);
	}
	for (p = res->params; p->name != NULL; p++)
		if (p->required && *(uint64_t *)(void *)((char *)q + p->off) ==
		    0)
			return (http_error(ctx, ERR_INVALID, p->name,
			    "%s: is required", p->name));
	return (0);
}

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

/* LIST_FIELDS: the filters hold on what the token may see, no more. */
static int
fields_match(const struct list_page *pg, const void *rec)
{
	const char	*key;
	json_t		*j, *want;
	int		 ok = 1;

	if (pg->q.fields == NULL)
		return (1);
	j = rec_to_json(pg->res->schema, rec, access_view(&pg->ctx->tok));
	json_object_foreach(pg->q.fields, key, want)
		if (!field_matches(json_object_get(j, key),
		    json_string_value(want)))
			ok = 0;
	json_decref(j);
	return (ok);
}

struct list_scan {
	struct list_page	 pg;
	json_t			*items;
	uint64_t		 last;
	int			 more, rc;
};

/* The page is full: with a look-ahead, stop and say more follows. */
static int
list_full(struct list_scan *ls)
{
	if ((ls->pg.res->list & (LIST_UNPAGED | LIST_FULL_PAGE)) ||
	    json_array_size(ls->items) < ls->pg.q.limit)
		return (0);
	ls->more = 1;
	return (1);
}

/* A record of the kind: decoded, kept if the token may see it and the
 * query keeps it; its item built only once it has room. */
static int
record_row(struct list_scan *ls, const void *v, size_t vl, json_t **item)
{
	const struct resource	*res = ls->pg.res;
	struct reqctx		*ctx = ls->pg.ctx;
	void			*rec;
	int			 rc;

	if ((rec = rec_new(res->schema)) == NULL)
		return (IOD_ENOMEM);
	if (res->blank != NULL)
		res->blank(rec);
	if ((rc = rec_decode(res->schema, rec, v, vl)) != 0)
		goto out;
	if (!access_record(&ctx->tok, res->db, rec) ||
	    (res->db == DB_CANDIDATES &&
	    ((struct candidate *)rec)->status == CAND_ERASED) ||
	    !(res->match != NULL ? res->match(&ls->pg, rec) :
	    fields_match(&ls->pg, rec)))
		goto out;
	if (list_full(ls)) {
		rc = 1;
		goto out;
	}
	*item = res->item != NULL ? res->item(&ls->pg, rec) :
	    api_present(ctx, res, rec);
out:
	rec_clear(res->schema, rec);
	free(rec);
	return (rc);
}

static int
list_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct list_scan	*ls = arg;
	const struct resource	*res = ls->pg.res;
	json_t			*item = NULL;
	int			 rc;

	(void)kl;
	if ((res->list & LIST_FULL_PAGE) &&
	    json_array_size(ls->items) == ls->pg.q.limit)
		return (1);
	if (res->row != NULL)
		rc = res->row(&ls->pg, key_get_u64(k), v, vl, &item);
	else
		rc = record_row(ls, v, vl, &item);
	if (rc != 0)
		return (rc > 0 ? 1 : (ls->rc = rc));
	if (item == NULL)
		return (0);
	if (res->row != NULL && list_full(ls)) {
		json_decref(item);
		return (1);
	}
	ls->last = key_get_u64(k);
	json_array_append_new(ls->items, item);
	return (0);
}

/*
 * GET /v1/{kind}: a page in id order from the cursor (or everything, for
 * the few kinds that are not paged), of what the token may see and the
 * query keeps.
 */
int
api_list(struct reqctx *ctx)
{
	const struct resource	*res = api_resource(ctx->route->path);
	struct list_scan	 ls;
	uint8_t			 k[8];
	char			 buf[24];
	int			 status, full;

	memset(&ls, 0, sizeof(ls));
	ls.pg.ctx = ctx;
	ls.pg.res = res;
	ls.pg.today = date_today();
	if ((status = query_parse(ctx, res, &ls.pg.q)) != 0)
		goto out;
	if ((ls.items = json_array()) == NULL) {
		status = http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory");
		goto out;
	}
	if (res->list & LIST_UNPAGED)
		store_scan(ctx->txn, res->db, NULL, 0, 0, list_cb, &ls);
	else
		store_scan(ctx->txn, res->db, k, key_u64(k, ls.pg.q.after + 1),
		    0, list_cb, &ls);
	if (ls.rc != 0 || ctx->txn->rc != 0) {
		json_decref(ls.items);
		status = http_store_error(ctx, ls.rc ? ls.rc : ctx->txn->rc);
		goto out;
	}
	if (res->list & LIST_BARE) {
		status = http_reply(ctx, 200, json_pack("{s:o}", "items",
		    ls.items));
		goto out;
	}
	full = (res->list & LIST_FULL_PAGE) ?
	    json_array_size(ls.items) == ls.pg.q.limit : ls.more;
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)ls.last);
	status = http_reply(ctx, 200, json_pack("{s:o, s:s?}", "items",
	    ls.items, "next_cursor", full ? buf : NULL));
out:
	json_decref(ls.pg.q.fields);
	return (status);
}

/* ---- the kinds' hooks --------------------------------------------------- */

static int
id_ok(uint64_t want, uint64_t have)
{
	return (want == 0 || want == have);
}

static int
owner_ok(const char *want, const char *have)
{
	return (want == NULL || (have != NULL && strcmp(want, have) == 0));
}

int
list_followup_match(const struct list_page *pg, const void *rec)
{
	const struct list_query	*q = &pg->q;
	const struct followup	*f = rec;

	return (id_ok(q->placement_id, f->placement_id) &&
	    id_ok(q->candidate_id, f->candidate_id) &&
	    id_ok(q->offer_id, f->offer_id) &&
	    id_ok(q->company_id, f->company_id) &&
	    id_ok(q->referent_id, f->referent_id) &&
	    owner_ok(q->owner, f->owner) &&
	    (q->status < 0 || q->status == f->status) &&
	    (q->kind < 0 || q->kind == f->kind) &&
	    (q->overdue < 0 || q->overdue == followup_overdue(f, pg->today)) &&
	    (q->due_from == 0 || f->due_on >= q->due_from) &&
	    (q->due_before == 0 || f->due_on < q->due_before));
}

int
list_placement_match(const struct list_page *pg, const void *rec)
{
	const struct list_query	*q = &pg->q;
	const struct placement	*pl = rec;

	return (id_ok(q->candidate_id, pl->candidate_id) &&
	    id_ok(q->proposal_id, pl->proposal_id) &&
	    id_ok(q->offer_id, pl->offer_id) &&
	    id_ok(q->company_id, pl->company_id) &&
	    id_ok(q->referent_id, pl->referent_id) &&
	    owner_ok(q->owner, pl->owner) &&
	    (q->status < 0 || q->status == pl->status));
}

/* A stored follow-up: "no assessment" is -1, not the table's first. */
void
list_followup_blank(void *rec)
{
	((struct followup *)rec)->assessment = -1;
}

void
list_webhook_blank(void *rec)
{
	((struct webhook *)rec)->role = -1;
}

/* A follow-up with the names a person reads: "Amina D.", the company. */
json_t *
list_followup_item(struct list_page *pg, const void *rec)
{
	const struct followup	*f = rec;
	json_t			*j;

	followup_names(pg->ctx->txn, &pg->names, f->candidate_id,
	    f->company_id);
	j = followup_json(f, pg->today);
	json_object_set_new(j, "candidate_name",
	    json_string(pg->names.cand));
	json_object_set_new(j, "company_name",
	    json_string(pg->names.company));
	return (j);
}

json_t *
list_full_item(struct list_page *pg, const void *rec)
{
	return (rec_to_json(pg->res->schema, rec, VIEW_FULL));
}

json_t *
list_webhook_item(struct list_page *pg, const void *rec)
{
	(void)pg;
	return (api_webhook_json(rec));
}

/* An entry of the event log; one that cannot be read is left out. */
int
list_event_row(struct list_page *pg, uint64_t seq, const void *v, size_t vl,
    json_t **item)
{
	struct event	ev;

	(void)v; (void)vl;
	if (event_get(pg->ctx->txn, seq, &ev) != 0)
		return (0);
	*item = event_to_json(&ev);
	event_clear(&ev);
	return (0);
}

/* An entry of the audit log about the query's candidate. */
int
list_audit_row(struct list_page *pg, uint64_t key, const void *v, size_t vl,
    json_t **item)
{
	json_t	*j;

	(void)key;
	if ((j = mp_bytes_to_json(v, vl)) == NULL)
		return (0);
	if (json_integer_value(json_object_get(j, "candidate_id")) !=
	    (json_int_t)pg->q.candidate_id) {
		json_decref(j);
		return (0);
	}
	json_object_del(j, "v");
	*item = j;
	return (0);
}
