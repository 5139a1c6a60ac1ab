/*
 * api-list.c — the one list every GET /v1/{kind} goes through: the query
 * string checked against the kind's parameters (a table) or, for the
 * records the team writes, against the record's fields as the token sees
 * them; then one page in id order from the cursor, of what the token may
 * see and the query keeps, with a next_cursor while more follows, and the
 * total of those records on every page.  Without a filter, when the
 * token sees every record of the kind, the total is the store's count of
 * the kind (less the erased candidates, which the index counts) and the
 * scan starts at the cursor and stops once the page is full.  A
 * référent's candidates are walked through the index of theirs.  Otherwise
 * the total needs every record of the kind: each is read in place, the
 * fields the scope, the filters and the search read only (rec_decode_fields
 * into one arena), and decoded whole only for the page's items (plus one
 * scan of the companies, offers or candidates that q= or territory= name,
 * list-search.c).  The
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
/* What every list of records takes, after its own filters: the search,
 * the territory, and the page. */
#define PAGE_PARAMS \
	{ .name = "q", .type = Q_STR, .off = QF(text) }, \
	{ .name = "territory", .type = Q_STR, .off = QF(territory) }, \
	{ .name = "limit", .type = Q_LIMIT, .off = QF(limit) }, \
	{ .name = "cursor", .type = Q_CURSOR, .off = QF(after), \
	    .what = "a cursor from a previous page" }, \
	{ .name = NULL }
const struct qparam list_record_params[] = {
	PAGE_PARAMS
};
/* The candidates': the records' and stalled (api-stall.c). */
const struct qparam list_candidate_params[] = {
	{ .name = "stalled", .type = Q_BOOL, .off = QF(stalled) },
	PAGE_PARAMS
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
	PAGE_PARAMS
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
	PAGE_PARAMS
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
	q->stalled = -1;
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

/* LIST_FIELDS: the filters hold on what the token may see, no more;
 * only the fields filtered on are made JSON. */
static int
fields_match(const struct list_page *pg, const void *rec)
{
	const struct field	*f;
	const char		*key;
	json_t			*v, *want;
	int			 ok = 1, view = access_view(&pg->ctx->tok);

	if (pg->q.fields == NULL)
		return (1);
	json_object_foreach(pg->q.fields, key, want) {
		if ((f = rec_field(pg->res->schema, key, view)) == NULL)
			return (0);
		v = rec_field_json(f, rec, view);
		if (!field_matches(v, json_string_value(want)))
			ok = 0;
		json_decref(v);
		if (!ok)
			break;
	}
	return (ok);
}

struct list_scan {
	struct list_page	 pg;
	json_t			*items;
	uint64_t		 last;
	size_t			 total;		/* kept, on every page */
	int			 more, rc;
	int			 counted;	/* total known beforehand */
	uint64_t		 want;		/* the fields probe reads */
	void			*probe;		/* the record read in place */
	struct rec_arena	 arena;		/* probe's strings */
};

/* What access_record reads of a record, besides a candidate's status. */
static const char *const scope_fields[] = { "id", "referent_id",
    "company_id", "status", NULL };

/* Does the query keep every record?  No filter, no search. */
static int
query_unfiltered(const struct list_query *q)
{
	return (q->fields == NULL && q->text == NULL && q->territory == NULL &&
	    q->stalled < 0 && q->placement_id == 0 && q->proposal_id == 0 &&
	    q->offer_id == 0 && q->candidate_id == 0 && q->company_id == 0 &&
	    q->referent_id == 0 && q->owner == NULL && q->status < 0 &&
	    q->kind < 0 && q->overdue < 0 && q->due_from == 0 &&
	    q->due_before == 0);
}

/*
 * The total without reading a record, when the query keeps every record
 * and the token sees them all: the kind's count, less the erased
 * candidates, which the index counts while it holds what the store does
 * (no write waits for its commit, and it holds as many candidates).
 * 1 with *total, or 0: count by the scan.
 */
static int
list_count(struct list_scan *ls, size_t *total)
{
	const struct resource	*res = ls->pg.res;
	uint64_t		 by[CAND__N];
	size_t			 n;

	if (res->row != NULL || (res->list & LIST_UNPAGED) ||
	    !query_unfiltered(&ls->pg.q) ||
	    !access_whole(&ls->pg.ctx->tok, res->db))
		return (0);
	n = store_count(ls->pg.ctx->txn, res->db);
	if (ls->pg.ctx->txn->rc != 0)
		return (0);
	if (res->db == DB_CANDIDATES) {
		if (srv->group_open || srv->rebuild || index_live() != n)
			return (0);
		memset(by, 0, sizeof(by));
		index_count_by_status(by, CAND__N);
		n -= by[CAND_ERASED];
	}
	*total = n;
	return (1);
}

/* Does the record in probe count: in the token's scope, kept by the
 * query? */
static int
record_keeps(const struct list_scan *ls, const void *rec)
{
	const struct resource	*res = ls->pg.res;

	return (access_record(&ls->pg.ctx->tok, res->db, rec) &&
	    !(res->db == DB_CANDIDATES &&
	    ((const struct candidate *)rec)->status == CAND_ERASED) &&
	    (res->match != NULL ? res->match(&ls->pg, rec) :
	    fields_match(&ls->pg, rec)) && list_search_match(&ls->pg, rec) &&
	    list_stalled_match(&ls->pg, rec));
}

/* The fields record_keeps reads: the scope's, the filters', the
 * search's; all for the kinds with a match hook. */
static uint64_t
record_fields(const struct list_page *pg)
{
	const struct schema	*sc = pg->res->schema;
	const char		*name[2] = { NULL, NULL }, *key;
	json_t			*v;
	uint64_t		 want;

	if (pg->res->match != NULL)
		return (~0ULL);
	want = rec_fields_mask(sc, scope_fields) | list_search_fields(pg);
	if (pg->q.fields != NULL)
		json_object_foreach(pg->q.fields, key, v) {
			name[0] = key;
			want |= rec_fields_mask(sc, name);
		}
	return (want);
}

/* The page is full: more follows (the scan goes on to count, unless the
 * total is known). */
static int
list_full(struct list_scan *ls)
{
	if ((ls->pg.res->list & (LIST_UNPAGED | LIST_FULL_PAGE)) ||
	    json_array_size(ls->items) < ls->pg.q.limit)
		return (0);
	ls->more = 1;
	return (1);
}

/* A record of the kind: read in place (what record_keeps reads), counted
 * if it keeps it (unless the total is known); decoded whole and its item
 * built if it is after the cursor and the page has room. */
static int
record_row(struct list_scan *ls, uint64_t id, const void *v, size_t vl,
    json_t **item)
{
	const struct resource	*res = ls->pg.res;
	struct reqctx		*ctx = ls->pg.ctx;
	void			*rec;
	int			 rc;

	memset(ls->probe, 0, res->schema->size);
	if (res->blank != NULL)
		res->blank(ls->probe);
	if ((rc = rec_decode_fields(res->schema, ls->probe, v, vl, ls->want,
	    &ls->arena)) != 0)
		return (rc);
	if (!record_keeps(ls, ls->probe))
		return (0);
	if (!ls->counted)
		ls->total++;
	if (id <= ls->pg.q.after || list_full(ls))
		return (0);
	if ((rec = rec_new(res->schema)) == NULL)
		return (IOD_ENOMEM);
	if (res->blank != NULL)
		res->blank(rec);
	if ((rc = rec_decode(res->schema, rec, v, vl)) == 0)
		*item = res->item != NULL ? res->item(&ls->pg, rec) :
		    api_present(ctx, res, rec);
	rec_clear(res->schema, rec);
	free(rec);
	return (rc);
}

/* The entry id (v, vl) of the list: 0 to go on, 1 to stop, or < 0. */
static int
list_entry(struct list_scan *ls, uint64_t id, const void *v, size_t vl)
{
	const struct resource	*res = ls->pg.res;
	json_t			*item = NULL;
	int			 rc;

	if (((res->list & LIST_FULL_PAGE) &&
	    json_array_size(ls->items) == ls->pg.q.limit) ||
	    (ls->counted && ls->more))
		return (1);
	if (res->row != NULL)
		rc = res->row(&ls->pg, id, v, vl, &item);
	else
		rc = record_row(ls, id, v, vl, &item);
	if (rc != 0)
		return (rc > 0 ? 1 : (ls->rc = rc));
	if (item == NULL)
		return (0);
	if (res->row != NULL && list_full(ls)) {
		json_decref(item);
		return (1);
	}
	ls->last = id;
	json_array_append_new(ls->items, item);
	return (0);
}

static int
list_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	(void)kl;
	return (list_entry(arg, key_get_u64(k), v, vl));
}

/* A référent's candidate, by the index of their candidates (DB_REFCANDS:
 * the référent, then each candidate's id); one gone since reads as
 * absent. */
static int
referent_cb(const void *k, size_t kl, const void *iv, size_t ivl, void *arg)
{
	struct list_scan	*ls = arg;
	uint64_t		 id;
	const void		*v;
	size_t			 vl;
	int			 rc;

	(void)k; (void)kl;
	if (ivl != 8)
		return (0);
	id = key_get_u64(iv);
	if ((rc = store_get_id(ls->pg.ctx->txn, DB_CANDIDATES, id, &v,
	    &vl)) == IOD_ENOTFOUND)
		return (0);
	if (rc != 0)
		return (ls->rc = rc);
	return (list_entry(ls, id, v, vl));
}

/* Scan the list's records: from the cursor if the total is known, else
 * all; a référent's candidates through the index of theirs. */
static void
list_walk(struct list_scan *ls)
{
	const struct resource	*res = ls->pg.res;
	struct txn		*txn = ls->pg.ctx->txn;
	uint8_t			 k[17];
	uint64_t		 ref;
	size_t			 kl;

	if (res->row == NULL && (ref = access_referent(&ls->pg.ctx->tok,
	    res->db)) != 0) {
		kl = key_u64(k, ref);
		store_scan(txn, DB_REFCANDS, k, kl, kl, referent_cb, ls);
	} else if (!ls->counted && ((res->list & LIST_UNPAGED) ||
	    res->row == NULL))
		store_scan(txn, res->db, NULL, 0, 0, list_cb, ls);
	else
		store_scan(txn, res->db, k, key_u64(k, ls->pg.q.after + 1), 0,
		    list_cb, ls);
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
	char			 buf[24];
	int			 status, full;

	memset(&ls, 0, sizeof(ls));
	ls.pg.ctx = ctx;
	ls.pg.res = res;
	ls.pg.today = date_today();
	if ((status = query_parse(ctx, res, &ls.pg.q)) != 0 ||
	    (status = list_search_prepare(&ls.pg)) != 0)
		goto out;
	if ((ls.items = json_array()) == NULL || (res->row == NULL &&
	    (ls.probe = rec_new(res->schema)) == NULL)) {
		json_decref(ls.items);
		status = http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory");
		goto out;
	}
	if (res->row == NULL)
		ls.want = record_fields(&ls.pg);
	ls.counted = list_count(&ls, &ls.total);
	list_walk(&ls);
	if (ls.rc != 0 || ctx->txn->rc != 0) {
		json_decref(ls.items);
		status = http_store_error(ctx, ls.rc ? ls.rc : ctx->txn->rc);
		goto out;
	}
	/* The log's rows are not records: its total is its length. */
	if (res->row != NULL)
		ls.total = res->db == DB_EVENTS ? store_count(ctx->txn,
		    res->db) : json_array_size(ls.items);
	if (res->list & LIST_BARE) {
		status = http_reply(ctx, 200, json_pack("{s:o, s:I}", "items",
		    ls.items, "total", (json_int_t)ls.total));
		goto out;
	}
	full = (res->list & LIST_FULL_PAGE) ?
	    json_array_size(ls.items) == ls.pg.q.limit : ls.more;
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)ls.last);
	status = http_reply(ctx, 200, json_pack("{s:o, s:s?, s:I}", "items",
	    ls.items, "next_cursor", full ? buf : NULL, "total",
	    (json_int_t)ls.total));
out:
	free(ls.probe);
	rec_arena_free(&ls.arena);
	list_search_free(&ls.pg);
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
