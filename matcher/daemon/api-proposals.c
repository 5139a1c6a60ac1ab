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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

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
	json_object_set_new(j, "company_cap", json_integer(m->company_cap));
	return (j);
}

/* The same, written. */
static void
proposals_removed_write(struct jw *w, const struct proposal_match *m)
{
	int	i;

	jw_open(w);
	for (i = 0; i < FILTER__N; i++) {
		jw_key(w, filter_names[i]);
		jw_int(w, m->removed[i]);
	}
	jw_key(w, "company_cap");
	jw_int(w, m->company_cap);
	jw_close(w);
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

/* The same, written. */
static void
proposals_parts_write(struct jw *w, const struct mparts *p)
{
	size_t	i;

	jw_raw(w, "[", 1);
	for (i = 0; i < p->n; i++) {
		if (i > 0)
			jw_raw(w, ",", 1);
		jw_open(w);
		jw_key(w, "criterion");
		jw_str(w, p->v[i].criterion);
		jw_key(w, "points");
		jw_int(w, p->v[i].points);
		jw_close(w);
	}
	jw_raw(w, "]", 1);
}

/*
 * The reply of a proposal: {ruleset, ruleset_version, eligible, removed,
 * proposal} where proposal is the record with its job, or null.  In
 * msgpack through the tree; in JSON written straight from the records,
 * the same bytes as the tree's dump.
 */
static int
proposals_propose_reply(struct reqctx *ctx, int status,
    const struct proposal_match *m)
{
	struct jw	 w;
	json_t		*j, *p = json_null();

	if (ctx->msgpack) {
		if (m->proposed) {
			p = rec_to_json(&proposal_schema, &m->prop, VIEW_FULL);
			json_object_set_new(p, "job", job_json_of(&m->offer,
			    &m->company));
		}
		j = json_pack("{s:s, s:I, s:i, s:o, s:o}", "ruleset",
		    m->ruleset, "ruleset_version",
		    (json_int_t)m->ruleset_version, "eligible",
		    (int)m->eligible, "removed", proposals_removed(m),
		    "proposal", p);
		return (http_reply(ctx, status, j));
	}
	jsonw_begin(&w);
	jw_open(&w);
	jw_key(&w, "ruleset");
	jw_str(&w, m->ruleset);
	jw_key(&w, "ruleset_version");
	jw_int(&w, (int64_t)m->ruleset_version);
	jw_key(&w, "eligible");
	jw_int(&w, (int)m->eligible);
	jw_key(&w, "removed");
	proposals_removed_write(&w, m);
	jw_key(&w, "proposal");
	if (m->proposed) {
		jw_rec_open(&w, &proposal_schema, &m->prop, VIEW_FULL);
		jw_key(&w, "job");
		job_write(&w, &m->offer, &m->company);
		jw_close(&w);
	} else
		jw_raw(&w, "null", 4);
	jw_close(&w);
	return (jsonw_reply(ctx, status, &w));
}

/* POST /v1/offers/{id}/proposal */
int
api_propose(struct reqctx *ctx)
{
	struct dctx		dc;
	struct proposal_match	m;
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
	status = proposals_propose_reply(ctx, rc == 1 ? 201 : 200, &m);
out:
	proposal_match_free(&m);
	return (status);
}

/* The ranked list's reply: {offer_id, ruleset, ruleset_version, eligible,
 * removed, candidates: [{rank, candidate_id, first_name, score,
 * score_parts}]}, in msgpack through the tree, in JSON written. */
static int
proposals_ranked_reply(struct reqctx *ctx, const struct proposal_match *m)
{
	const struct ranked	*e;
	struct jw		 w;
	json_t			*list;
	size_t			 i;

	if (ctx->msgpack) {
		list = json_array();
		for (i = 0; i < m->nranked; i++) {
			e = &m->ranked[i];
			json_array_append_new(list, json_pack("{s:i, s:I, "
			    "s:s?, s:i, s:o}", "rank", (int)i + 1,
			    "candidate_id", (json_int_t)e->candidate_id,
			    "first_name", e->first_name, "score",
			    e->parts.total, "score_parts",
			    proposals_parts(&e->parts)));
		}
		return (http_reply(ctx, 200, json_pack("{s:I, s:s, s:I, s:i, "
		    "s:o, s:o}", "offer_id", (json_int_t)m->offer_id,
		    "ruleset", m->ruleset, "ruleset_version",
		    (json_int_t)m->ruleset_version, "eligible",
		    (int)m->eligible, "removed", proposals_removed(m),
		    "candidates", list)));
	}
	jsonw_begin(&w);
	jw_open(&w);
	jw_key(&w, "offer_id");
	jw_int(&w, (int64_t)m->offer_id);
	jw_key(&w, "ruleset");
	jw_str(&w, m->ruleset);
	jw_key(&w, "ruleset_version");
	jw_int(&w, (int64_t)m->ruleset_version);
	jw_key(&w, "eligible");
	jw_int(&w, (int)m->eligible);
	jw_key(&w, "removed");
	proposals_removed_write(&w, m);
	jw_key(&w, "candidates");
	jw_raw(&w, "[", 1);
	for (i = 0; i < m->nranked; i++) {
		e = &m->ranked[i];
		if (i > 0)
			jw_raw(&w, ",", 1);
		jw_open(&w);
		jw_key(&w, "rank");
		jw_int(&w, (int)i + 1);
		jw_key(&w, "candidate_id");
		jw_int(&w, (int64_t)e->candidate_id);
		jw_key(&w, "first_name");
		jw_str(&w, e->first_name);
		jw_key(&w, "score");
		jw_int(&w, e->parts.total);
		jw_key(&w, "score_parts");
		proposals_parts_write(&w, &e->parts);
		jw_close(&w);
	}
	jw_raw(&w, "]", 1);
	jw_close(&w);
	return (jsonw_reply(ctx, 200, &w));
}

/* GET /v1/offers/{id}/candidates?limit= */
int
api_ranked(struct reqctx *ctx)
{
	struct dctx		 dc;
	struct proposal_match	 m;
	const char		*q;
	char			*end;
	long			 n = RANKED_DEFAULT;
	int			 status;

	if ((q = http_query(ctx, "limit")) != NULL) {
		n = strtol(q, &end, 10);
		if (*end != '\0' || n < 1 || n > RANKED_MAX)
			return (http_error(ctx, ERR_INVALID, "limit",
			    "limit: \"%.*s\" is not an integer from 1 to 100",
			    (int)utf8_cut(q, 20), q));
	}
	api_dctx(ctx, &dc);
	if (proposal_rank(&dc, ctx->id, (size_t)n, &m) != 0)
		status = http_derr(ctx, &dc.err);
	else
		status = proposals_ranked_reply(ctx, &m);
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

/*
 * The batch in progress, one at a time: the request waits in held, a copy
 * of it that owns the connection's request, while the job builds its
 * edges a slice a turn (other requests are served in between) and then
 * solves in its thread; the thread's byte on the pipe runs the request
 * again (server_write), which finds its job done and answers.
 */
static struct {
	struct batch_job		*job;
	struct reqctx			*held;
	struct batch_job		*answer;	/* done, to answer */
	uint64_t			 answer_id;	/* its request's id */
	uint64_t			 seq;		/* batches started */
	struct evhttp_connection	*evcon;
	int				 pipe[2];
	struct event			*ev;		/* the pipe's */
	struct event			*step;		/* the next slice */
} mb = { .pipe = { -1, -1 } };
/* Offers whose edges one turn builds: a few ms at metro scale. */
#define BATCH_SLICE	16
#define BATCH_HELD	"batch:held"	/* reqctx.name of the held copy */

/* The client left while its batch ran: nothing to answer. */
static void
batch_closed(struct evhttp_connection *evcon, void *arg)
{
	(void)arg;
	if (mb.held != NULL && mb.evcon == evcon) {
		mb.held->req = NULL;	/* went with the connection */
		mb.evcon = NULL;
	}
}

/* The held request is answered now, its connection no longer watched;
 * its job moves to mb.answer, for batch_answer. */
static void
batch_release(void)
{
	struct reqctx	*ctx = mb.held;

	if (mb.evcon != NULL)
		evhttp_connection_set_closecb(mb.evcon, NULL, NULL);
	mb.evcon = NULL;
	mb.held = NULL;
	if (ctx->req == NULL) {
		/* Nobody waits for it: nothing is recorded. */
		log_info("batch: the client left before the answer; "
		    "nothing recorded");
		batch_job_free(mb.job);
		mb.job = NULL;
		http_send(ctx);		/* frees it */
		return;
	}
	batch_job_free(mb.answer);
	mb.answer = mb.job;
	mb.answer_id = ctx->id;
	mb.job = NULL;
	server_write(ctx);		/* batch_answer, unless refused first */
}

/* The job's thread is done: run the held request again to answer. */
static void
batch_done_cb(evutil_socket_t fd, short what, void *arg)
{
	char	 buf[16];

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (mb.held != NULL && mb.job != NULL && !event_pending(mb.step,
	    EV_TIMEOUT, NULL))
		batch_release();
}

/* One slice of the edges per turn, so that other requests go between. */
static void
batch_step_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	 now = { 0, 0 };

	(void)fd;
	(void)what;
	(void)arg;
	if (mb.held == NULL || mb.job == NULL)
		return;
	if (mb.held->req == NULL) {
		batch_release();	/* the client left */
		return;
	}
	switch (batch_step(mb.job, BATCH_SLICE)) {
	case 0:
		evtimer_add(mb.step, &now);
		break;
	case -1:
		batch_release();	/* batch_answer says why */
		break;
	default:
		break;			/* solving: the pipe tells */
	}
}

/* A copy of ctx that takes over its request, for the answer later. */
static struct reqctx *
batch_hold(struct reqctx *ctx)
{
	struct reqctx	*h;

	/* Made at the first batch; what failed is tried again at the next. */
	if (mb.pipe[0] == -1 && pipe2(mb.pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		return (NULL);
	if (mb.ev == NULL) {
		if ((mb.ev = event_new(srv->base, mb.pipe[0],
		    EV_READ | EV_PERSIST, batch_done_cb, NULL)) == NULL)
			return (NULL);
		if (event_add(mb.ev, NULL) != 0) {
			event_free(mb.ev);
			mb.ev = NULL;
			return (NULL);
		}
	}
	if (mb.step == NULL && (mb.step = evtimer_new(srv->base,
	    batch_step_cb, NULL)) == NULL)
		return (NULL);
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	h->req = ctx->req;
	h->route = ctx->route;
	h->tok = ctx->tok;
	ctx->tok.subject = NULL;	/* h owns it now */
	memcpy(h->actor, ctx->actor, sizeof(h->actor));
	h->msgpack = ctx->msgpack;
	h->started = ctx->started;
	TAILQ_INIT(&h->query);
	snprintf(h->name, sizeof(h->name), "%s", BATCH_HELD);
	h->id = ++mb.seq;		/* which job is its answer */
	return (h);
}

/* The answer of a finished batch, in ctx's write transaction. */
static int
batch_answer(struct reqctx *ctx)
{
	struct dctx		 dc;
	struct batch_result	 r;
	const struct batch_pair	*bp;
	json_t			*list, *conflicts, *item;
	size_t			 i;
	int			 status, dry_run;

	if (mb.answer == NULL || mb.answer_id != ctx->id) {
		/* Run again after the map grew, once its job was let go. */
		http_retry_after(ctx, 1);
		return (http_error(ctx, ERR_BUSY, NULL, "the batch's answer "
		    "was dropped while the store grew; nothing was recorded: "
		    "run it again"));
	}
	api_dctx(ctx, &dc);
	status = batch_finish(&dc, mb.answer, &r);
	dry_run = r.dry_run;
	batch_job_free(mb.answer);
	mb.answer = NULL;
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
	conflicts = json_array();
	for (i = 0; i < r.nconflicts; i++) {
		bp = &r.conflicts[i];
		json_array_append_new(conflicts, json_pack("{s:I, s:I, s:s}",
		    "offer_id", (json_int_t)bp->offer_id, "candidate_id",
		    (json_int_t)bp->candidate_id, "reason", bp->conflict));
	}
	status = http_reply(ctx, 200, json_pack("{s:b, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:i, s:I, s:o, s:o}", "dry_run", dry_run, "objective",
	    (json_int_t)r.objective, "offers", (json_int_t)r.offers,
	    "candidates", (json_int_t)r.candidates, "edges",
	    (json_int_t)r.edges, "edges_solved", (json_int_t)r.edges_solved,
	    "assigned", (json_int_t)r.npairs, "rounds", (int)r.rounds,
	    "company_cap", (json_int_t)r.company_cap,
	    "assignments", list, "conflicts", conflicts));
out:
	batch_result_free(&r);
	return (status);
}

/*
 * POST /v1/match:batch {dry_run}: the snapshot now, the solve in a thread,
 * the answer (and a write batch's proposals) when it is done.
 */
int
api_match_batch(struct reqctx *ctx)
{
	struct dctx		 dc;
	struct reqctx		*held;
	struct timeval		 now = { 0, 0 };
	json_t			*dry;
	int			 dry_run = 1;

	if (strcmp(ctx->name, BATCH_HELD) == 0)
		return (batch_answer(ctx));
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
	if (mb.held != NULL) {
		http_retry_after(ctx, 1);
		return (http_error(ctx, ERR_BUSY, NULL, "a batch is running; "
		    "one runs at a time: try again when it has answered"));
	}
	/* An answer never given (its request refused before it ran). */
	batch_job_free(mb.answer);
	mb.answer = NULL;
	if ((held = batch_hold(ctx)) == NULL)
		return (http_error(ctx, ERR_NO_MEMORY, NULL,
		    "cannot start the batch: out of memory"));
	api_dctx(ctx, &dc);
	if (batch_start(&dc, dry_run, mb.pipe[1], &mb.job) != 0) {
		ctx->tok.subject = held->tok.subject;
		held->tok.subject = NULL;
		held->req = NULL;
		http_send(held);	/* frees the copy only */
		return (http_derr(ctx, &dc.err));
	}
	mb.held = held;
	mb.evcon = evhttp_request_get_connection(ctx->req);
	if (mb.evcon != NULL)
		evhttp_connection_set_closecb(mb.evcon, batch_closed, NULL);
	evtimer_add(mb.step, &now);	/* the edges, a slice a turn */
	ctx->req = NULL;	/* held answers it */
	ctx->status = 202;
	return (202);
}
