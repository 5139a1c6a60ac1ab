/*
 * api-stall.c — what the replies say of stalled people and caseloads: a
 * stalled candidate carries "stalled" {since, days, after_days, reasons,
 * ranked_below, offers}, a référent "caseload" {active, proposed, placed,
 * in_followup, stalled, cap, over_cap}, both in the full view only and
 * both read-only (ignored in a body written back); and the candidates'
 * list filter stalled=true|false.  What a stall and a caseload are is the
 * domain's (stall.c); the list is api-list.c's.
 */
#include <string.h>

#include "daemon.h"

void
api_stall_present(struct reqctx *ctx, const struct resource *res,
    const void *rec, json_t *j)
{
	struct caseload	 l;
	iod_date	 today;
	json_t		*v;

	if (j == NULL || access_view(&ctx->tok) != VIEW_FULL)
		return;
	today = date_today();
	if (res->db == DB_CANDIDATES) {
		v = stall_json(ctx->txn, index_cand(
		    ((const struct candidate *)rec)->id), today);
		if (v != NULL)
			json_object_set_new(j, "stalled", v);
	} else if (res->db == DB_REFERENTS &&
	    stall_caseload(ctx->txn,
	    ((const struct referent *)rec)->id, today, &l) == 0)
		json_object_set_new(j, "caseload", stall_caseload_json(&l));
}

void
api_stall_strip(const struct resource *res, json_t *j)
{
	if (!json_is_object(j))
		return;
	if (res->db == DB_CANDIDATES)
		json_object_del(j, "stalled");
	else if (res->db == DB_REFERENTS)
		json_object_del(j, "caseload");
}

int
list_stalled_match(const struct list_page *pg, const void *rec)
{
	struct stall	s;

	if (pg->q.stalled < 0 || pg->res->db != DB_CANDIDATES)
		return (1);
	return (stall_of(index_cand(((const struct candidate *)rec)->id),
	    pg->today, &s) ==
	    pg->q.stalled);
}
