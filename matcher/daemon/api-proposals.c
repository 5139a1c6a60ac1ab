/*
 * api-proposals.c — the proposals' resources of the API: propose the best
 * candidate for an offer, rank an offer's candidates, move a proposal
 * through its life cycle, and the batch of every open offer.  Each handler
 * reads the path, the query and the body, calls the domain (proposal.c,
 * batch.c) with the request's dctx, and answers: the reply's JSON, the
 * score's parts and the filters' counts included, is built here, and the
 * metrics are counted here.  Routing and decoding happened before
 * (http.c); the commit comes after (server.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"

#define RANKED_DEFAULT	10
#define RANKED_MAX	100

/* The match's latency: it took took, just now. */
static void
proposals_match_took(const struct timespec *took)
{
	struct timespec	t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	t0.tv_sec -= took->tv_sec;
	if ((t0.tv_nsec -= took->tv_nsec) < 0) {
		t0.tv_nsec += 1000000000L;
		t0.tv_sec--;
	}
	metrics_match(&t0);
}

/* How many candidates each filter removed, by the filter's name. */
static json_t *
proposals_removed(const struct proposal_match *m)
{
	json_t	*j = json_object();
	int	 i;

	for (i = 0; i < FILTER__N; i++)
		json_object_set_new(j, filter_names[i],
		    json_integer(m->removed[i]));
	return (j);
}

/* The parts of a score as [{criterion, points}]. */
static json_t *
proposals_parts(const struct mparts *p)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < p->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:i}", "criterion",
		    p->v[i].criterion, "points", p->v[i].points));
	return (a);
}

/* POST /v1/offers/{id}/proposal */
int
api_propose(struct reqctx *ctx)
{
	struct dctx		dc;
	struct proposal_match	m;
	json_t			*j;
	int			 rc, status;

	api_dctx(ctx, &dc);
	rc = proposal_propose(&dc, ctx->id, &m);
	if (m.matched)
		proposals_match_took(&m.took);
	if (rc < 0) {
		status = http_derr(ctx, &dc.err);
		goto out;
	}
	if (rc == 1)
		metrics_count(M_PROPOSALS);
	j = json_pack("{s:s, s:I, s:i, s:o}", "ruleset", m.ruleset,
	    "ruleset_version", (json_int_t)m.ruleset_version, "eligible",
	    (int)m.eligible, "removed", proposals_removed(&m));
	json_object_set(j, "proposal", m.proposal != NULL ? m.proposal :
	    json_null());
	status = http_reply(ctx, rc == 1 ? 201 : 200, j);
out:
	proposal_match_free(&m);
	return (status);
}

/* GET /v1/offers/{id}/candidates?limit= */
int
api_ranked(struct reqctx *ctx)
{
	struct dctx		 dc;
	struct proposal_match	 m;
	const struct ranked	*e;
	const char		*q;
	json_t			*list;
	char			*end;
	long			 n = RANKED_DEFAULT;
	size_t			 i;
	int			 status;

	if ((q = http_query(ctx, "limit")) != NULL) {
		n = strtol(q, &end, 10);
		if (*end != '\0' || n < 1 || n > RANKED_MAX)
			return (http_error(ctx, ERR_INVALID, "limit",
			    "limit: \"%.*s\" is not an integer from 1 to 100",
			    (int)utf8_cut(q, 20), q));
	}
	api_dctx(ctx, &dc);
	if (proposal_rank(&dc, ctx->id, (size_t)n, &m) != 0) {
		status = http_derr(ctx, &dc.err);
		goto out;
	}
	list = json_array();
	for (i = 0; i < m.nranked; i++) {
		e = &m.ranked[i];
		json_array_append_new(list, json_pack("{s:i, s:I, s:s?, s:i, "
		    "s:o}", "rank", (int)i + 1, "candidate_id",
		    (json_int_t)e->candidate_id, "first_name", e->first_name,
		    "score", e->parts.total, "score_parts",
		    proposals_parts(&e->parts)));
	}
	status = http_reply(ctx, 200, json_pack("{s:I, s:s, s:I, s:i, s:o, "
	    "s:o}", "offer_id", (json_int_t)m.offer_id, "ruleset", m.ruleset,
	    "ruleset_version", (json_int_t)m.ruleset_version, "eligible",
	    (int)m.eligible, "removed", proposals_removed(&m), "candidates",
	    list));
out:
	proposal_match_free(&m);
	return (status);
}

/* POST /v1/proposals/{id}/{meeting,hire,refuse,decline,no-show,withdraw} */
int
api_proposal_transition(struct reqctx *ctx)
{
	struct dctx	 dc;
	const char	*action = strrchr(ctx->route->path, '/') + 1;
	json_t		*out;

	api_dctx(ctx, &dc);
	if (proposal_transition(&dc, ctx->id, action, ctx->body, &out) != 0)
		return (http_derr(ctx, &dc.err));
	if (strcmp(action, "hire") == 0)
		metrics_count(M_HIRES);
	return (http_reply(ctx, 200, out));
}

/* POST /v1/match:batch {dry_run} */
int
api_match_batch(struct reqctx *ctx)
{
	struct dctx		 dc;
	struct batch_result	 r;
	const struct batch_pair	*bp;
	json_t			*list, *dry, *item;
	size_t			 i;
	int			 status, dry_run = 1;

	if (ctx->body != NULL) {
		if (!json_is_object(ctx->body))
			return (http_error(ctx, ERR_INVALID, "body",
			    "body is not a JSON object"));
		dry = json_object_get(ctx->body, "dry_run");
		if (dry != NULL && !json_is_boolean(dry))
			return (http_error(ctx, ERR_INVALID, "dry_run",
			    "dry_run: expected true or false"));
		dry_run = dry == NULL || json_is_true(dry);
	}
	api_dctx(ctx, &dc);
	status = batch_run(&dc, dry_run, &r);
	for (i = 0; i < r.recorded; i++)
		metrics_count(M_PROPOSALS);
	if (status != 0) {
		status = http_derr(ctx, &dc.err);
		goto out;
	}
	list = json_array();
	for (i = 0; i < r.npairs; i++) {
		bp = &r.pairs[i];
		item = json_pack("{s:I, s:I, s:i}", "offer_id",
		    (json_int_t)bp->offer_id, "candidate_id",
		    (json_int_t)bp->candidate_id, "eligible", (int)bp->eligible);
		if (!dry_run)
			json_object_set_new(item, "proposal_id",
			    json_integer((json_int_t)bp->proposal_id));
		json_object_set_new(item, "score", json_integer(bp->score));
		json_array_append_new(list, item);
	}
	status = http_reply(ctx, 200, json_pack("{s:b, s:I, s:I, s:I, s:I, "
	    "s:I, s:o}", "dry_run", dry_run, "objective",
	    (json_int_t)r.objective, "offers", (json_int_t)r.offers,
	    "candidates", (json_int_t)r.candidates, "edges",
	    (json_int_t)r.edges, "assigned", (json_int_t)r.npairs,
	    "assignments", list));
out:
	batch_result_free(&r);
	return (status);
}
