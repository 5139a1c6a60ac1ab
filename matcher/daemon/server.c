/*
 * server.c — the daemon's state and the end of each event-loop turn.
 * Writes of all the requests of one turn share one LMDB transaction and
 * one fsync (group commit): each request runs in a child transaction of
 * the turn's, its reply is held, and after the turn server_after_turn()
 * commits once and only then sends the replies.  A request that fills the
 * map is retried alone after the map has grown; a commit that fills it
 * runs the turn again in the grown map.  What a write that did not commit
 * put in memory is taken back by the index's journal (index-undo.c), a
 * request's at its abort, a turn's at its failed commit.  A full disk refuses writes (507)
 * and serves reads.  After an erasure, the store is compacted off the
 * loop.  Routing and decoding are http.c's; the handlers the api-*.c files'.
 */
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "daemon.h"
#include "conf.h"
#include "rules.h"

static struct server	 server = {
	.pending = TAILQ_HEAD_INITIALIZER(server.pending),
	.retry = TAILQ_HEAD_INITIALIZER(server.retry),
};
struct server		*srv = &server;

static int	nospace_wait(void);
static int	scrub_holding(void);
static void	scrub_hold(struct reqctx *);

/* The turn's requests or audits need a larger map before they run again. */
static int	need_grow;

static void	rebuild_memory(void);

/* What a write that did not commit put in memory, taken back (the
 * index's journal, index-undo.c); if the journal could not keep it all,
 * memory is rebuilt from the store after the turn. */
static void
memory_back(size_t mark)
{
	if (index_undo_to(mark) != 0)
		srv->rebuild = 1;
}

void
server_write(struct reqctx *ctx)
{
	struct txn	child;
	size_t		mark;
	int		status, rc;

	if (scrub_holding()) {
		scrub_hold(ctx);	/* after the compaction's swap */
		return;
	}
	if (nospace_wait()) {
		http_store_error(ctx, IOD_ENOSPC);
		http_send(ctx);
		return;
	}
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
	mark = index_undo_mark();
	status = ctx->route->handler(ctx);
	ctx->txn = NULL;
	if (child.rc == IOD_EMAPFULL) {
		/* Nothing of it is kept: run it again once the map grew. */
		store_abort(&child);
		memory_back(mark);
		need_grow = 1;
		json_decref(ctx->reply);
		ctx->reply = NULL;
		TAILQ_INSERT_TAIL(&srv->retry, ctx, entry);
		return;
	}
	if ((status >= 400 && !ctx->keep_writes) || child.rc != 0) {
		store_abort(&child);
		memory_back(mark);	/* memory was ahead of the store */
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

/* A fatal error: stop, and say so in the exit status. */
static void
server_fatal(void)
{
	srv->quit = 1;
	srv->exit_status = 1;
}

/* Memory back to what the store holds, read again: the whole index (a
 * journal that could not keep a change, a commit that failed after a
 * request's). */
static void
rebuild_memory(void)
{
	struct txn	t;

	srv->index_rebuilds++;
	index_undo_record(0);
	index_free();
	if (index_init() != 0 || store_begin(srv->st, &t, 0, NULL) != 0) {
		log_error("cannot rebuild the index: stopping");
		server_fatal();
		return;
	}
	if (index_load(&t) != 0 || proposal_load(&t) != 0) {
		log_error("cannot rebuild the index: stopping");
		server_fatal();
	}
	store_abort(&t);
	index_undo_record(1);
}

/*
 * A group commit failed: what the handlers put in memory is not in the
 * store, so memory goes back by the index's journal (after reopening the
 * store, if LMDB said it cannot go on), or is rebuilt from the store if
 * the journal cannot take it back (rc 0: a request's write failed and its
 * way back was lost).
 */
static void
server_store_failed(int rc)
{
	char	*cause = NULL;

	if (rc != 0)
		log_warn("group commit failed: %s", iod_strerror(rc));
	if (store_recover(srv->st, &cause) != 0) {
		log_error("store: cannot reopen it after a failed commit: %s: "
		    "stopping", cause != NULL ? cause : "out of memory");
		free(cause);
		server_fatal();
		return;
	}
	if (rc != 0 && index_undo_to(0) == 0) {
		log_info("index: the turn's changes taken back");
		return;
	}
	log_warn("rebuilding the index from the store");
	rebuild_memory();
}

/*
 * Compile every configured rule set, then activate in one transaction
 * those whose file changed since its last activation: a bad file leaves
 * every rule set in force as it was.  At start, the versions in force
 * are the store's (rulesets.c says why).
 */
static int
load_rulesets(struct txn *t, int start, char **cause)
{
	struct ruleset	**rs;
	uint64_t	  ver;
	size_t		  i, n;
	int		  rc = 0;

	if (srv->conf == NULL)
		return (start ? rulesets_restore(t) : 0);
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
		/* Activating takes the rule set, in success or failure. */
		rc = rulesets_activate_file(t, rs[i],
		    srv->conf->rulesets[i].path, &ver);
	}
	free(rs);
	if (rc == 0 && start)
		rc = rulesets_restore(t);
	if (rc == 0 && srv->conf->default_ruleset != NULL)
		rc = rulesets_set_default(srv->conf->default_ruleset);
	return (rc);
}

int
server_load(char **cause)
{
	struct active	*a;
	struct txn	 t;
	int		 rc;

	*cause = NULL;
	if ((rc = index_init()) != 0)
		return (rc);
	if ((rc = store_begin(srv->st, &t, 1, NULL)) != 0)
		return (rc);
	if ((rc = webhook_settle(&t)) != 0 ||
	    (rc = load_rulesets(&t, 1, cause)) != 0) {
		store_abort(&t);
		return (rc);
	}
	if ((rc = store_commit(&t)) != 0)
		return (rc);
	if ((rc = store_begin(srv->st, &t, 0, NULL)) != 0)
		return (rc);
	if ((rc = index_load(&t)) == 0)
		rc = proposal_load(&t);
	store_abort(&t);
	/* Every list of every rule set in force sorted now, on every core,
	 * rather than by the first search that needs it. */
	for (a = rulesets_first(); rc == 0 && a != NULL; a = a->next)
		rc = index_warm(a->rs);
	if (rc == 0)
		log_info("index: %u candidates", index_live());
	index_undo_record(rc == 0);
	return (rc);
}

/* SIGHUP's work, run after a turn's commit (no write may be open then). */
int
server_reload(struct dctx *dc)
{
	char	*cause = NULL;
	int	 rc;

	if ((rc = load_rulesets(dc->txn, 0, &cause)) != 0) {
		log_warn("reload refused, the rule sets in force stay: %s",
		    cause != NULL ? cause : iod_strerror(rc));
		free(cause);
	}
	return (0);
}

int
server_task(int (*fn)(struct dctx *), const char *actor)
{
	struct dctx	dc;
	struct txn	t;
	size_t		mark;
	int		n, rc;

	for (;;) {
		if (store_begin(srv->st, &t, 1, NULL) != 0)
			return (-1);
		mark = index_undo_mark();
		memset(&dc, 0, sizeof(dc));
		dc.txn = &t;
		dc.tok = NULL;		/* the daemon's own task */
		dc.actor = actor;
		if ((n = fn(&dc)) < 0 && dc.err.message[0] != '\0')
			log_warn("%s: %s", actor, dc.err.message);
		if ((rc = store_commit(&t)) != IOD_EMAPFULL ||
		    store_grow(srv->st) != 0)
			break;
		/* Memory back, and the task runs again in the grown map. */
		log_info("store: a task filled the map; grown to %zu MB, it "
		    "runs again", store_map_size(srv->st) >> 20);
		if (index_undo_to(mark) != 0)
			rebuild_memory();
	}
	if (rc != 0) {
		server_store_failed(rc);
		return (-1);
	}
	index_undo_clear();
	return (n);
}

/* Reads of a person's data are audited (audit.c). */
void
server_audit(const char *actor, uint64_t token_id, uint64_t candidate_id,
    const char *action)
{
	audit_note(actor, token_id, candidate_id, action);
}

/*
 * A full disk: after a commit failed for want of room, writes are answered
 * 507 at once for a second, then tried again; reads go on.  Nothing is
 * acknowledged before its commit, so nothing acknowledged is lost.
 */
static struct timespec	nospace_until;

static void
nospace_note(void)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (nospace_until.tv_sec == 0)
		log_warn("store: no room left on the disk of %s: writes are "
		    "refused (507) until there is, reads go on", srv->datadir);
	nospace_until = now;
	nospace_until.tv_sec += 1;
}

static int
nospace_wait(void)
{
	struct timespec	now;

	if (nospace_until.tv_sec == 0)
		return (0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec < nospace_until.tv_sec ||
	    (now.tv_sec == nospace_until.tv_sec &&
	    now.tv_nsec < nospace_until.tv_nsec));
}

/* A request held or retried runs again from the start. */
static void
reset_reply(struct reqctx *ctx)
{
	json_decref(ctx->reply);
	ctx->reply = NULL;
	if (ctx->text != NULL)
		evbuffer_free(ctx->text);
	ctx->text = NULL;
	ctx->ctype = NULL;
	ctx->status = 0;
}

/* Commit the turn's group and answer those who waited for it. */
static void
flush_group(void)
{
	struct reqctx	*ctx;
	int		 rc = 0, had_writes;

	had_writes = !TAILQ_EMPTY(&srv->pending);
	if (audit_pending() && !scrub_holding() && !nospace_wait()) {
		if (!srv->group_open && store_begin(srv->st, &srv->group, 1,
		    NULL) == 0)
			srv->group_open = 1;
		if (srv->group_open)
			audit_flush(&srv->group);
	}
	if (srv->group_open) {
		rc = store_commit(&srv->group);
		srv->group_open = 0;
	}
	audit_done(rc == 0);
	if (rc == IOD_EMAPFULL && store_grow(srv->st) == 0) {
		/* The turn did not fit in the map (its audits, the free list
		 * saved at commit): memory back to the store, and the turn's
		 * requests run again, first, in the grown map. */
		log_info("store: the turn's commit filled the map; grown to "
		    "%zu MB, the turn runs again", store_map_size(srv->st) >> 20);
		if (srv->rebuild || index_undo_to(0) != 0)
			rebuild_memory();
		srv->rebuild = 0;
		while ((ctx = TAILQ_LAST(&srv->pending, reqctx_list)) != NULL) {
			TAILQ_REMOVE(&srv->pending, ctx, entry);
			reset_reply(ctx);
			TAILQ_INSERT_HEAD(&srv->retry, ctx, entry);
		}
		return;
	}
	if (rc == IOD_ENOSPC)
		nospace_note();
	else if (rc == 0 && had_writes)
		nospace_until.tv_sec = 0;
	while ((ctx = TAILQ_FIRST(&srv->pending)) != NULL) {
		TAILQ_REMOVE(&srv->pending, ctx, entry);
		if (rc != 0) {
			reset_reply(ctx);
			http_store_error(ctx, rc);
		}
		http_send(ctx);
	}
	if ((rc != 0 && (had_writes || srv->rebuild)) ||
	    (srv->rebuild && TAILQ_EMPTY(&srv->retry))) {
		srv->rebuild = 0;
		server_store_failed(rc);
	} else if (rc != 0 && rc != IOD_ENOSPC)
		log_warn("group commit failed: %s", iod_strerror(rc));
	index_undo_clear();	/* committed, taken back or rebuilt */
	/* Room for the next turn: grow before the map is nearly full. */
	if (rc == 0 && TAILQ_EMPTY(&srv->retry) && !store_compact_busy(srv->st))
		store_reserve(srv->st);
}

/*
 * Compaction after an erasure, off the loop: a thread copies a snapshot
 * of the store, compacted, beside it (store.c); the loop swaps the copy in
 * if nothing was written since the snapshot, else copies again, holding
 * writes back for that copy after two overtaken ones.  Without room for
 * the copy, the erasure waits, logged and counted in /metrics, and is
 * tried again as soon as there is room.  The store's DB_META key "scrub"
 * keeps the need across a restart.
 */
static struct {
	int			 running;	/* a copy thread runs */
	int			 done;		/* it said it ended */
	int			 overtaken;	/* copies written over, in a row */
	int			 hold;		/* writes wait for this copy */
	int			 waiting;	/* an erasure is not complete */
	int			 told;		/* its wait was logged */
	int			 backoff;	/* s before copying again */
	struct timespec		 next_try;	/* after a failed copy */
	int			 pipe[2];
	struct event		*done_ev, *retry_ev;
	struct timespec		 started;
	struct timespec		 ended;		/* when it said so */
	struct reqctx_list	 held;
} scrub = { .pipe = { -1, -1 }, .held = TAILQ_HEAD_INITIALIZER(scrub.held) };

static int
scrub_holding(void)
{
	return (scrub.hold && scrub.running);
}

static void
scrub_hold(struct reqctx *ctx)
{
	TAILQ_INSERT_TAIL(&scrub.held, ctx, entry);
}

int
server_scrub_waiting(void)
{
	return (scrub.waiting);
}

static void
scrub_done_cb(evutil_socket_t fd, short what, void *arg)
{
	char	buf[16];

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	scrub.done = 1;
	clock_gettime(CLOCK_MONOTONIC, &scrub.ended);
}

/* The swap waits for a reader off the loop (a replay) to end, a second at
 * most; then the reader is told to give up (store_compact_finish). */
static int
scrub_swap_now(void)
{
	struct timespec	now;

	if (!store_readers_open(srv->st))
		return (1);
	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((now.tv_sec - scrub.ended.tv_sec) * 1000 +
	    (now.tv_nsec - scrub.ended.tv_nsec) / 1000000 >= 1000);
}

static void
scrub_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;	/* the turn's end looks again */
}

/* Bytes free for the data directory's copy, or -1 if unknown. */
static long long
disk_free(void)
{
	struct statvfs	sv;

	if (statvfs(srv->datadir, &sv) == -1)
		return (-1);
	return ((long long)sv.f_bavail * (long long)sv.f_frsize);
}

static void
scrub_wait(const char *why, int failed)
{
	struct timeval	wait = { 1, 0 };

	/* A copy that failed is tried again 1, 2, 4 ... 60 s later; a
	 * copy that had no room, as soon as there is. */
	if (failed) {
		scrub.backoff = scrub.backoff == 0 ? 1 : scrub.backoff * 2;
		if (scrub.backoff > 60)
			scrub.backoff = 60;
		clock_gettime(CLOCK_MONOTONIC, &scrub.next_try);
		scrub.next_try.tv_sec += scrub.backoff;
		wait.tv_sec = scrub.backoff;
	}
	scrub.waiting = 1;
	if (!scrub.told)
		log_warn("erasure not complete: %s; the erased data stays in "
		    "%s/data.mdb until the store is compacted, tried again "
		    "each second", why, srv->datadir);
	scrub.told = 1;
	if (scrub.retry_ev != NULL)
		evtimer_add(scrub.retry_ev, &wait);
}

/* Start a copy if an erasure waits for one and there is room. */
static void
scrub_start(void)
{
	struct timespec	 now;
	long long	 free_b, need;
	char		 why[160];
	int		 rc;

	if (scrub.running || (!srv->scrub && !scrub.waiting) ||
	    srv->base == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < scrub.next_try.tv_sec || (now.tv_sec ==
	    scrub.next_try.tv_sec && now.tv_nsec < scrub.next_try.tv_nsec))
		return;
	if (scrub.pipe[0] == -1) {
		if (pipe2(scrub.pipe, O_CLOEXEC | O_NONBLOCK) == -1 ||
		    (scrub.done_ev = event_new(srv->base, scrub.pipe[0],
		    EV_READ | EV_PERSIST, scrub_done_cb, NULL)) == NULL ||
		    (scrub.retry_ev = evtimer_new(srv->base, scrub_retry_cb,
		    NULL)) == NULL) {
			log_error("erasure: cannot start compacting: %s: "
			    "stopping", strerror(errno));
			server_fatal();
			return;
		}
		event_add(scrub.done_ev, NULL);
	}
	srv->scrub = 0;
	need = (long long)store_map_used(srv->st);
	need += need / 8 + (1 << 20);
	if ((free_b = disk_free()) >= 0 && free_b < need) {
		snprintf(why, sizeof(why), "no room for the compacted copy in "
		    "%s (%lld MB needed, %lld MB free)", srv->datadir,
		    need >> 20, free_b >> 20);
		scrub_wait(why, 0);
		return;
	}
	if ((rc = store_compact_start(srv->st, scrub.pipe[1])) != 0) {
		snprintf(why, sizeof(why), "cannot start the compacted copy: "
		    "%s", iod_strerror(rc));
		scrub_wait(why, 1);
		return;
	}
	scrub.running = 1;
	scrub.waiting = 1;
	scrub.hold = scrub.overtaken >= 2;
	clock_gettime(CLOCK_MONOTONIC, &scrub.started);
}

/* Run the writes held back during the copy. */
static void
scrub_release(void)
{
	struct reqctx	*ctx;

	while ((ctx = TAILQ_FIRST(&scrub.held)) != NULL) {
		TAILQ_REMOVE(&scrub.held, ctx, entry);
		server_write(ctx);
	}
	flush_group();
}

/* The copy ended: swap it in, or say why not. */
static void
scrub_finish(void)
{
	struct timespec	 t0, t1;
	struct txn	 t;
	char		*cause = NULL;
	int		 rc;

	scrub.done = 0;
	if (!scrub.running)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = store_compact_finish(srv->st, &cause);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	scrub.running = 0;
	if (!store_ok(srv->st)) {
		log_error("erasure: the store cannot be reopened after its "
		    "compaction: %s: stopping", cause != NULL ? cause :
		    iod_strerror(rc));
		free(cause);
		server_fatal();
		return;
	}
	if (rc == IOD_ECONFLICT) {
		scrub.overtaken++;	/* written since its snapshot */
		srv->scrub = 1;
	} else if (rc != 0) {
		scrub_wait(cause != NULL ? cause : iod_strerror(rc), 1);
	} else {
		log_info("erasure complete: store compacted (copy %lld ms off "
		    "the loop, swap %lld ms)",
		    (long long)((t0.tv_sec - scrub.started.tv_sec) * 1000 +
		    (t0.tv_nsec - scrub.started.tv_nsec) / 1000000),
		    (long long)((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000));
		scrub.overtaken = 0;
		scrub.waiting = 0;
		scrub.told = 0;
		scrub.backoff = 0;
		if (!srv->scrub && store_begin(srv->st, &t, 1, NULL) == 0) {
			store_del(&t, DB_META, "scrub", 5);
			store_commit(&t);
		}
	}
	free(cause);
	scrub.hold = 0;
	scrub_release();
}

/*
 * Requests that came in while the turn ran join its commit: a look at the
 * sockets without waiting, again while each look adds writes, at most
 * TURN_LOOKS times.  Without it, clients that each wait for their reply
 * split into waves, each wave committing (and syncing) on its own.
 */
#define TURN_LOOKS	4

static void
turn_gather(void)
{
	struct reqctx	*last;
	int		 i;

	for (i = 0; i < TURN_LOOKS && srv->group_open && !srv->quit; i++) {
		last = TAILQ_LAST(&srv->pending, reqctx_list);
		if (event_base_loop(srv->base, EVLOOP_NONBLOCK) < 0 ||
		    TAILQ_LAST(&srv->pending, reqctx_list) == last)
			break;
	}
}

void
server_after_turn(void)
{
	struct reqctx_list	 again;
	struct reqctx		*ctx;
	int			 rc;

	turn_gather();
	flush_group();
	if (scrub.done && scrub_swap_now())
		scrub_finish();		/* no write txn is open */
	if (srv->quit && !TAILQ_EMPTY(&scrub.held)) {
		scrub.hold = 0;		/* stopping: no copy will be swapped */
		scrub_release();
	}
	while (!TAILQ_EMPTY(&srv->retry)) {
		TAILQ_INIT(&again);
		TAILQ_CONCAT(&again, &srv->retry, entry);
		rc = need_grow ? store_grow(srv->st) : 0;
		need_grow = 0;
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
	if (!srv->quit && !srv->group_open)
		scrub_start();	/* after the turn's tasks have written */
}

int
server_store_resume(void)
{
	struct txn	 t;
	const void	*v;
	size_t		 len;
	int		 rc;

	if ((rc = store_begin(srv->st, &t, 0, NULL)) != 0)
		return (rc);
	if (store_get(&t, DB_META, "scrub", 5, &v, &len) == 0) {
		log_info("erasure: the store was not compacted since the last "
		    "erasure; compacting");
		srv->scrub = 1;
	}
	rc = audit_load(&t);
	store_abort(&t);
	return (rc);
}

void
server_store_stop(void)
{
	struct reqctx	*ctx;

	/* Writes held for a copy that will not be swapped in. */
	scrub.hold = 0;
	while ((ctx = TAILQ_FIRST(&scrub.held)) != NULL) {
		TAILQ_REMOVE(&scrub.held, ctx, entry);
		server_write(ctx);
	}
	flush_group();
	if (scrub.done_ev != NULL)
		event_free(scrub.done_ev);
	if (scrub.retry_ev != NULL)
		event_free(scrub.retry_ev);
	scrub.done_ev = scrub.retry_ev = NULL;
	audit_free();
}
