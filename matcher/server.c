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
#include <time.h>

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

/*
 * Compile every configured rule set, then install them all in one
 * transaction: a bad file leaves every rule set in force as it was.
 */
static int
load_rulesets(struct txn *t, char **cause)
{
	struct ruleset	**rs;
	uint64_t	  ver;
	size_t		  i, n;
	int		  rc = 0;

	if (srv->conf == NULL)
		return (0);
	n = srv->conf->nrulesets;
	if ((rs = calloc(n + 1, sizeof(*rs))) == NULL)
		return (IOD_ENOMEM);
	for (i = 0; i < n && rc == 0; i++)
		rc = ruleset_load_file(srv->conf->rulesets[i].path, srv->refdir,
		    &rs[i], cause);
	for (i = 0; i < n; i++) {
		if (rc != 0) {
			ruleset_free(rs[i]);
			continue;
		}
		/* Installing takes the rule set, in success or failure. */
		if ((rc = rulesets_install(t, rs[i], &ver)) != 0)
			continue;
		log_info("rule set %s version %llu from %s", rs[i]->name,
		    (unsigned long long)ver, srv->conf->rulesets[i].path);
	}
	free(rs);
	if (rc == 0 && srv->conf->default_ruleset != NULL)
		rc = rulesets_set_default(srv->conf->default_ruleset);
	return (rc);
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

/* SIGHUP's work, run after a turn's commit (no write may be open then). */
int
server_reload(struct reqctx *ctx)
{
	char	*cause = NULL;
	int	 rc;

	if ((rc = load_rulesets(ctx->txn, &cause)) != 0) {
		log_warn("reload refused, the rule sets in force stay: %s",
		    cause != NULL ? cause : iod_strerror(rc));
		free(cause);
	}
	return (0);
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

/*
 * Reads of a person's data are audited: the read path queues an entry and
 * it is written with the turn's group commit (a read txn cannot write).
 */
struct audit {
	char		 actor[80];
	uint64_t	 token_id, candidate_id;
	char		 action[16];
	int64_t		 at;
	struct audit	*next;
};
static struct audit	*audits, **audit_tail = &audits;

void
server_audit(const char *actor, uint64_t token_id, uint64_t candidate_id,
    const char *action)
{
	struct audit	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return;		/* logged below as lost */
	snprintf(a->actor, sizeof(a->actor), "%s", actor);
	snprintf(a->action, sizeof(a->action), "%s", action);
	a->token_id = token_id;
	a->candidate_id = candidate_id;
	a->at = (int64_t)time(NULL);
	*audit_tail = a;
	audit_tail = &a->next;
}

static void
write_audits(void)
{
	struct audit	*a;
	json_t		*j;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;

	if (audits == NULL)
		return;
	if (!srv->group_open) {
		if (store_begin(srv->st, &srv->group, 1, NULL) != 0)
			return;
		srv->group_open = 1;
	}
	while ((a = audits) != NULL) {
		audits = a->next;
		j = json_pack("{s:I, s:s, s:I, s:I, s:s}", "at", (json_int_t)a->at,
		    "actor", a->actor, "token_id", (json_int_t)a->token_id,
		    "candidate_id", (json_int_t)a->candidate_id, "action",
		    a->action);
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		json_pack_mp(j, &pk);
		store_put_id(&srv->group, DB_AUDIT, store_next_id(&srv->group,
		    DB_AUDIT), sb.data, sb.size);
		msgpack_sbuffer_destroy(&sb);
		json_decref(j);
		free(a);
	}
	audit_tail = &audits;
}

/* Commit the turn's group and answer those who waited for it. */
static void
flush_group(void)
{
	struct reqctx	*ctx;
	int		 rc = 0;

	write_audits();
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
	if (srv->scrub && !srv->group_open) {
		/* An erasure: leave no freed page with the person's data. */
		srv->scrub = 0;
		if (store_compact(srv->st) != 0) {
			log_error("compacting the store after an erasure "
			    "failed: stopping");
			srv->quit = 1;
		}
	}
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
	notify_after_turn();	/* what was committed, to its readers */
}
