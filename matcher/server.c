/*
 * server.c — the daemon's state and the end of each event-loop turn.
 * Writes of all the requests of one turn share one LMDB transaction and
 * one fsync (group commit): each request runs in a child transaction of
 * the turn's, its reply is held, and after the turn server_after_turn()
 * commits once and only then sends the replies.  A request that fills the
 * map is retried alone after the map has grown.  Routing and decoding are
 * http.c's; the handlers are api.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matcher.h"
#include "conf.h"
#include "rules.h"

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
		srv->rebuild = 1;
		json_decref(ctx->reply);
		ctx->reply = NULL;
		TAILQ_INSERT_TAIL(&srv->retry, ctx, entry);
		return;
	}
	if (status >= 400 || child.rc != 0) {
		store_abort(&child);
		if (child.rc != 0)	/* memory may be ahead of the store */
			srv->rebuild = 1;
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
	struct txn	t;

	if (rc != 0)
		log_warn("group commit failed: %s", iod_strerror(rc));
	log_warn("rebuilding the index from the store");
	index_free();
	if (index_init() != 0 || store_begin(srv->st, &t, 0, NULL) != 0) {
		log_error("cannot rebuild the index: stopping");
		srv->quit = 1;
		return;
	}
	if (index_load(&t) != 0) {
		log_error("cannot rebuild the index: stopping");
		srv->quit = 1;
	}
	store_abort(&t);
}

/* Compile and install every configured rule set, in one transaction. */
static int
load_rulesets(struct txn *t, char **cause)
{
	struct ruleset	*rs;
	uint64_t	 ver;
	size_t		 i;
	int		 rc;

	if (srv->conf == NULL)
		return (0);
	for (i = 0; i < srv->conf->nrulesets; i++) {
		if ((rc = ruleset_load_file(srv->conf->rulesets[i].path,
		    srv->refdir, &rs, cause)) != 0)
			return (rc);
		if ((rc = rulesets_install(t, rs, &ver)) != 0)
			return (rc);
		log_info("rule set %s version %llu from %s", rs->name,
		    (unsigned long long)ver, srv->conf->rulesets[i].path);
	}
	if (srv->conf->default_ruleset != NULL)
		return (rulesets_set_default(srv->conf->default_ruleset));
	return (0);
}

int
server_load(char **cause)
{
	struct txn	t;
	int		rc;

	*cause = NULL;
	if ((rc = index_init()) != 0)
		return (rc);
	if ((rc = store_begin(srv->st, &t, 1, NULL)) != 0)
		return (rc);
	if ((rc = load_rulesets(&t, cause)) != 0) {
		store_abort(&t);
		return (rc);
	}
	if ((rc = store_commit(&t)) != 0)
		return (rc);
	if ((rc = store_begin(srv->st, &t, 0, NULL)) != 0)
		return (rc);
	rc = index_load(&t);
	store_abort(&t);
	if (rc == 0)
		log_info("index: %u candidates", idx->live);
	return (rc);
}

void
server_reload(void)
{
	struct txn	 t;
	char		*cause = NULL;
	int		 rc;

	if ((rc = store_begin(srv->st, &t, 1, NULL)) != 0)
		return;
	if ((rc = load_rulesets(&t, &cause)) != 0) {
		store_abort(&t);
		log_warn("reload refused, the rule sets in force stay: %s",
		    cause != NULL ? cause : iod_strerror(rc));
		free(cause);
		return;
	}
	if ((rc = store_commit(&t)) != 0)
		server_store_failed(rc);
}

int
server_task(int (*fn)(struct reqctx *), const char *actor)
{
	struct reqctx	ctx;
	struct txn	t;
	int		n, rc;

	memset(&ctx, 0, sizeof(ctx));
	snprintf(ctx.actor, sizeof(ctx.actor), "%s", actor);
	if (store_begin(srv->st, &t, 1, NULL) != 0)
		return (-1);
	ctx.txn = &t;
	n = fn(&ctx);
	json_decref(ctx.reply);
	if ((rc = store_commit(&t)) != 0) {
		server_store_failed(rc);
		return (-1);
	}
	return (n);
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
	if (rc != 0 || (srv->rebuild && TAILQ_EMPTY(&srv->retry))) {
		srv->rebuild = 0;
		server_store_failed(rc);
	}
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
