/*
 * server.c — the daemon's state and the end of each event-loop turn.
 * Writes of all the requests of one turn share one LMDB transaction and
 * one fsync (group commit): each request runs in a child transaction of
 * the turn's, its reply is held, and after the turn server_after_turn()
 * commits once and only then sends the replies.  A request that fills the
 * map is retried alone after the map has grown.  Routing and decoding are
 * http.c's; the handlers are api.c's.
 */
#include <stdlib.h>

#include "matcher.h"

static struct server	 server = {
	.pending = TAILQ_HEAD_INITIALIZER(server.pending),
	.retry = TAILQ_HEAD_INITIALIZER(server.retry),
};
struct server		*srv = &server;

void
server_write(struct reqctx *ctx)
{
	struct txn	child;
	int		status, rc;

	if (!srv->group_open) {
		if ((rc = store_begin(srv->st, &srv->group, 1, NULL)) != 0) {
			http_store_error(ctx, rc);
			http_send(ctx);
			return;
		}
		srv->group_open = 1;
	}
	if ((rc = store_begin(srv->st, &child, 1, &srv->group)) != 0) {
		http_store_error(ctx, rc);
		http_send(ctx);
		return;
	}
	ctx->txn = &child;
	status = ctx->route->handler(ctx);
	ctx->txn = NULL;
	if (child.rc == IOD_EMAPFULL) {
		/* Nothing of it is kept: run it again once the map grew. */
		store_abort(&child);
		json_decref(ctx->reply);
		ctx->reply = NULL;
		TAILQ_INSERT_TAIL(&srv->retry, ctx, entry);
		return;
	}
	if (status >= 400 || child.rc != 0) {
		store_abort(&child);
		if (status < 400)
			http_store_error(ctx, child.rc);
		http_send(ctx);		/* an error needs no commit */
		return;
	}
	if ((rc = store_commit(&child)) != 0) {
		http_store_error(ctx, rc);
		http_send(ctx);
		return;
	}
	TAILQ_INSERT_TAIL(&srv->pending, ctx, entry);
}

/*
 * A group commit failed: what the handlers put in memory may not be in the
 * store, so memory is rebuilt from the store.
 */
static void
server_store_failed(int rc)
{
	log_warn("group commit failed: %s", iod_strerror(rc));
}

/* Commit the turn's group and answer those who waited for it. */
static void
flush_group(void)
{
	struct reqctx	*ctx;
	int		 rc = 0;

	if (srv->group_open) {
		rc = store_commit(&srv->group);
		srv->group_open = 0;
	}
	while ((ctx = TAILQ_FIRST(&srv->pending)) != NULL) {
		TAILQ_REMOVE(&srv->pending, ctx, entry);
		if (rc != 0)
			http_store_error(ctx, rc);
		http_send(ctx);
	}
	if (rc != 0)
		server_store_failed(rc);
}

void
server_after_turn(void)
{
	struct reqctx_list	 again;
	struct reqctx		*ctx;
	int			 rc;

	flush_group();
	while (!TAILQ_EMPTY(&srv->retry)) {
		TAILQ_INIT(&again);
		TAILQ_CONCAT(&again, &srv->retry, entry);
		rc = store_grow(srv->st);
		while ((ctx = TAILQ_FIRST(&again)) != NULL) {
			TAILQ_REMOVE(&again, ctx, entry);
			if (rc != 0) {
				http_store_error(ctx, IOD_EMAPFULL);
				http_send(ctx);
			} else
				server_write(ctx);
		}
		flush_group();
	}
}
