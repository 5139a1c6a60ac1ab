/*
 * api-replay.c — GET /v1/proposals/{id}/replay off the event loop.  The
 * replay rebuilds a proposal's moment into an index of its own and
 * searches it: hundreds of milliseconds at metro scale, so replay.c runs
 * it in a thread, one at a time (another request meanwhile: 503 busy,
 * with Retry-After), while the request waits in a held copy that owns the
 * connection's request; the thread's byte on the pipe answers it from the
 * loop.  Which proposals one may replay is replay.c's (records_load's
 * scope), checked before the thread starts.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

#include "daemon.h"

static struct {
	struct replay_job		*job;		/* running */
	struct reqctx			*held;		/* its request */
	struct evhttp_connection	*evcon;		/* watched meanwhile */
	int				 pipe[2];
	struct event			*ev;		/* the pipe's */
} rp = { .pipe = { -1, -1 } };

/* The client left while its replay ran: nothing to answer. */
static void
replay_closed(struct evhttp_connection *evcon, void *arg)
{
	(void)arg;
	if (rp.held != NULL && rp.evcon == evcon) {
		rp.held->req = NULL;	/* went with the connection */
		rp.evcon = NULL;
	}
}

/* The running replay's answer to its held request (503 when it gave up
 * or the server stops). */
static void
replay_answer(int stopping)
{
	struct reqctx	*h = rp.held;
	struct derr	 err;
	json_t		*j = NULL;
	int		 rc;

	memset(&err, 0, sizeof(err));
	rc = replay_end(rp.job, &err, &j);
	rp.job = NULL;
	rp.held = NULL;
	if (rp.evcon != NULL)
		evhttp_connection_set_closecb(rp.evcon, NULL, NULL);
	rp.evcon = NULL;
	if (h->req == NULL)
		json_decref(j);
	else if (stopping) {
		json_decref(j);
		http_error(h, ERR_UNAVAILABLE, NULL, "the server is stopping: "
		    "try again");
		http_retry_after(h, 5);
	} else if (rc == 0)
		http_reply(h, 200, j);
	else if (rc == 1) {
		http_retry_after(h, 1);
		http_error(h, ERR_BUSY, NULL, "the replay was interrupted "
		    "while the store grew: try again");
	} else
		http_derr(h, &err);
	http_send(h);		/* frees it */
}

/* The thread is done: answer its request. */
static void
replay_done_cb(evutil_socket_t fd, short what, void *arg)
{
	char	buf[16];

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (rp.job != NULL)
		replay_answer(0);
}

/* A copy of ctx that takes over its request, for the answer later; NULL
 * for want of memory or of the pipe. */
static struct reqctx *
replay_hold(struct reqctx *ctx)
{
	struct reqctx	*h;

	/* Made at the first replay; what failed is tried again at the next. */
	if (rp.pipe[0] == -1 && pipe2(rp.pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		return (NULL);
	if (rp.ev == NULL) {
		if ((rp.ev = event_new(srv->base, rp.pipe[0],
		    EV_READ | EV_PERSIST, replay_done_cb, NULL)) == NULL)
			return (NULL);
		if (event_add(rp.ev, NULL) != 0) {
			event_free(rp.ev);
			rp.ev = NULL;
			return (NULL);
		}
	}
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	h->req = ctx->req;
	h->route = ctx->route;
	h->tok = ctx->tok;
	ctx->tok.subject = NULL;	/* h owns it now */
	memcpy(h->actor, ctx->actor, sizeof(h->actor));
	h->msgpack = ctx->msgpack;
	h->started = ctx->started;
	h->by_cookie = ctx->by_cookie;
	h->session_id = ctx->session_id;
	h->id = ctx->id;
	TAILQ_INIT(&h->query);
	return (h);
}

/*
 * GET /v1/proposals/{id}/replay: admin and iod, and the référent of the
 * proposal's candidate (records_load's scope); a person who was not
 * chosen asks through the IOD team, the answer naming the chosen
 * person's criteria.
 */
int
api_proposal_replay(struct reqctx *ctx)
{
	struct dctx	 dc;
	struct reqctx	*h;

	if (rp.job != NULL) {
		http_retry_after(ctx, 1);
		return (http_error(ctx, ERR_BUSY, NULL, "a replay is running; "
		    "one runs at a time: try again when it has answered"));
	}
	if ((h = replay_hold(ctx)) == NULL)
		return (http_error(ctx, ERR_NO_MEMORY, NULL,
		    "cannot start the replay: out of memory"));
	api_dctx(ctx, &dc);
	if (replay_start(&dc, ctx->id, rp.pipe[1], &rp.job) != 0) {
		ctx->tok.subject = h->tok.subject;
		h->tok.subject = NULL;
		h->req = NULL;
		http_send(h);	/* frees the copy only */
		return (http_derr(ctx, &dc.err));
	}
	rp.held = h;
	if ((rp.evcon = evhttp_request_get_connection(ctx->req)) != NULL)
		evhttp_connection_set_closecb(rp.evcon, replay_closed, NULL);
	ctx->req = NULL;	/* h answers it */
	ctx->status = 202;
	return (202);
}

void
api_replay_stop(void)
{
	if (rp.job != NULL)
		replay_answer(1);
	if (rp.ev != NULL)
		event_free(rp.ev);
	rp.ev = NULL;
	if (rp.pipe[0] != -1) {
		close(rp.pipe[0]);
		close(rp.pipe[1]);
	}
	rp.pipe[0] = rp.pipe[1] = -1;
}
