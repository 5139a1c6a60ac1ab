/*
 * daemon/ — iodd: the event loop and its turn (group commit), connections
 * and their limits, the HTTP router and the routes table, one api-*.c per
 * resource family, the event stream and webhooks, the console's files,
 * metrics and the OpenAPI document.  The only layer that speaks HTTP.
 */
#ifndef IOD_DAEMON_H
#define IOD_DAEMON_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "profiles.h"
#include "engine.h"
#include "domain.h"

struct reqctx;
struct token;
struct route;
struct bufferevent;
struct evbuffer;

/* ---- errors.c: the table of the API's errors --------------------------- */
struct err_entry {
	const char	*code;		/* "bad_transition" */
	int		 status;	/* HTTP */
	const char	*meaning;	/* English, for the README and OpenAPI */
	const char	*fr;		/* French, for the console */
};
extern const struct err_entry err_table[ERR__N];
const struct err_entry *err_entry(enum err_code);
int	 err_by_name(const char *code);	/* enum err_code, or -1 */
json_t	*err_table_json(void);		/* [{code, status, meaning, fr}] */
void	 err_table_markdown(FILE *);	/* the README's table */

/* ---- conn.c: connections, their budgets, bodies read, the rate ------- */
struct conn_limits {
	size_t		 max_connections;	/* of requests, open at once */
	size_t		 max_streams;		/* event streams, in all */
	size_t		 max_streams_per_token;
	size_t		 max_body;		/* of one request */
	size_t		 max_buffered;		/* bodies of all requests */
	int		 header_timeout_s;	/* to send a whole head */
	long		 requests_per_minute;	/* per token; 0: no limit */
};
#define CONN_HEAD_MAX	(16 * 1024)	/* a request line and its headers */
/* After binding: count and bound connections; cert NULL for plain HTTP. */
int	 conn_init(struct evhttp *, struct evhttp_bound_socket *,
	    const struct conn_limits *, const char *cert, const char *key,
	    char **cause);
/* Before evhttp_free: bodies still awaited are refused (503). */
void	 conn_stop(void);
void	 conn_free(void);
/* What a request's head declared, as conn.c read it before evhttp. */
#define CONN_BODY_NONE		0
#define CONN_BODY_LENGTH	1
#define CONN_BODY_CHUNKED	2
struct conn_head {
	int		 framing;	/* CONN_BODY_* */
	uint64_t	 length;	/* CONN_BODY_LENGTH: Content-Length */
	size_t		 max_body;	/* the configured cap of any body */
	int		 refused;	/* not 0: refuse the request so... */
	enum err_code	 error;		/* ...with this error... */
	const char	*message;	/* ...and this (until the reply) */
};
/* A request's head arrived (http_dispatch, first): *head (OUT). */
void	 conn_request(struct evhttp_request *, struct conn_head *);
/*
 * Read the body the head declared, up to limit bytes.  Returns 0 with
 * *body (caller frees) when it was all there already; CONN_PENDING when
 * cb(arg, body, 0, NULL) will be called with it (caller frees body) from
 * the loop, or cb(arg, NULL, status or -1 if the connection closed, why);
 * else an HTTP status (400, 413, 503) with *why.  Call it only when a
 * body was declared.
 */
#define CONN_PENDING	1
typedef void (*conn_body_cb)(void *arg, struct evbuffer *body, int status,
	    const char *why);
int	 conn_body_read(struct evhttp_request *, size_t limit, conn_body_cb,
	    void *arg, struct evbuffer **body, const char **why);
/* Before a reply is sent: 1 if the connection must close after it (its
 * body was not read, or its head was refused). */
int	 conn_reply(struct evhttp_request *);
/* The request becomes an event stream of token_id: 0, or over the limit
 * per token (CONN_STREAMS_TOKEN) or in all (CONN_STREAMS_ALL), *limit set. */
#define CONN_STREAMS_TOKEN	1
#define CONN_STREAMS_ALL	2
int	 conn_stream(struct evhttp_request *, uint64_t token_id,
	    size_t *limit);
size_t	 conn_count(void);		/* connections held */
int	 conn_over_rate(uint64_t token_id);	/* 1 if over the limit */

/* ---- frame.c: a request's framing, read off the wire ------------------ */
enum frame_chunk {
	FRAME_CHUNK_SIZE, FRAME_CHUNK_DATA, FRAME_CHUNK_END, FRAME_CHUNK_TRAILER
};
struct frame {				/* what is read of one request */
	struct conn_head	 head;
	char			 why[160];	/* head.message, a body's */
	int			 expect;	/* 100-continue asked */
	size_t			 scan;		/* where the next line starts */
	enum frame_chunk	 chunk;
	uint64_t		 left;		/* of the length or chunk */
	size_t			 limit, got;	/* of the body */
	size_t			 trailer;	/* bytes of the trailer */
};
/* Move n bytes of src to the end of dst, small pieces copied. */
void	 frame_move(struct evbuffer *dst, struct evbuffer *src, size_t n);
/* Refuse the request whose head is read (the first reason stands): the
 * dispatcher answers err with the message, kept in f->why. */
void	 frame_refuse(struct frame *f, enum err_code err, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/* If stage holds a whole head (after empty lines, skipped), or more than
 * CONN_HEAD_MAX bytes without one: reset f->head, read it (or refuse it)
 * and drain it, put in *out (caller frees) what evhttp is to read, and
 * return 1; else 0, f->scan says how far it looked. */
int	 frame_head(struct frame *f, struct evbuffer *stage, size_t max_body,
	    struct evbuffer **out);
/* Move what stage holds of the body (f->left, f->limit, f->chunk set for
 * its start) into body, booking each chunk by reserve(arg, n) (0, or -1
 * if it does not fit).  Returns 0 while more is needed, or 1 with *status
 * 0 (read) or the refusal's (400, 413, 431, 503; f->why says why). */
int	 frame_body(struct frame *f, struct evbuffer *stage,
	    struct evbuffer *body, int (*reserve)(void *, uint64_t),
	    void *arg, int *status);
/* Say 100 Continue before a body, on a plain socket with nothing queued
 * (tls: not 0 if it is a TLS one, which is left alone). */
void	 frame_continue(struct bufferevent *, int tls);

/* ---- tls.c: TLS for the daemon's connections -------------------------- */
/* Load cert (PEM chain) and key (NULL: in cert): 0, or -1 with *cause
 * (caller frees).  Before the loop. */
int	 tls_init(const char *cert, const char *key, char **cause);
int	 tls_on(void);		/* 1 once tls_init succeeded */
/* A new connection's bufferevent: TLS (accepting) if on, else plain. */
struct bufferevent *tls_bufferevent(struct event_base *);
void	 tls_free(void);

/* ---- metrics.c: counters and histograms for /metrics ------------------ */
enum metric { M_PROPOSALS, M_HIRES, M__N };
void	 metrics_request(const struct route *, int status,
	    const struct timespec *start);
void	 metrics_match(const struct timespec *start);
void	 metrics_count(enum metric);

/* ---- notify.c: the pump of the event log after each turn ------------- */
/* Start the pump and the webhooks; after server_load. */
int	 notify_init(struct event_base *);
/* After each turn's commit: run deferred tasks (notify_defer, domain.h),
 * store webhook cursors, push new events to streams and webhooks, free
 * what closed. */
void	 notify_after_turn(void);
void	 notify_stop(void);	/* end every stream; before evhttp_free */
void	 notify_free(void);

/* ---- sse.c: the event stream ------------------------------------------ */
int	 api_events_stream(struct reqctx *);	/* GET /v1/events/stream */

/* ---- webhooks.c: the webhooks at work --------------------------------- */
#define WEBHOOK_MAX	256		/* webhooks, in all */
/* In start-up's write txn, before anything else writes: note the store's
 * identity from the next event on (delivery ids name it), and pause every
 * webhook of a restored store. */
int	 webhook_settle(struct txn *);
/* The token of id into *tok (caller clears) if it is still valid: 0, or
 * IOD_ENOTFOUND. */
int	 webhook_token(struct txn *, uint64_t id, struct token *tok);
/* DB_WEBHOOKS changed in this turn: bring the hooks in step after it. */
void	 webhook_changed(void);
/* Add what the hook at work says of webhook id (its live cursor,
 * failures, last status and error, next try) to j. */
void	 webhook_status(uint64_t id, json_t *j);

/* ---- api-webhooks.c: the webhooks' resource --------------------------- */
int	 api_webhook_create(struct reqctx *);
/* What an admin reads of a webhook: never its secret. */
json_t	*api_webhook_json(const struct webhook *);
int	 api_webhook_get(struct reqctx *);
int	 api_webhook_delete(struct reqctx *);
int	 api_webhook_resume(struct reqctx *);

/* ---- api-accounts.c: accounts and sessions ----------------------------- */
int	 api_session_create(struct reqctx *);	/* POST /v1/session */
int	 api_session_delete(struct reqctx *);	/* DELETE /v1/session */
int	 api_session_password(struct reqctx *);	/* POST /v1/session/password */
int	 api_account_create(struct reqctx *);
int	 api_account_list(struct reqctx *);
int	 api_account_get(struct reqctx *);
int	 api_account_delete(struct reqctx *);
int	 api_account_password(struct reqctx *);	/* an admin's reset */
/* api-mail.c */
int	 api_outbox(struct reqctx *);			/* GET /v1/outbox */
int	 api_notifications_get(struct reqctx *);	/* an account's */
int	 api_notifications_put(struct reqctx *);	/* ...or one's own */
struct conf;
/* Before the loop: the threads that hash passwords, the sessions' last
 * use written each minute, from c (NULL: the defaults).  0, or -1 out of
 * memory or threads. */
int	 api_accounts_start(const struct conf *c);
/* After the loop: join the threads, answer what still waits (503). */
void	 api_accounts_stop(void);

/* ---- static.c: the web console's files, and who the token is ---------- */
/* Serve the console's files from dir (default "web", relative to the
 * daemon's cwd); dir is borrowed for the daemon's life.  Before the loop. */
void	 static_set_dir(const char *dir);
/* 1 if name may name a console file: 1 to 64 bytes of [A-Za-z0-9._-]
 * segments joined by '/', none empty nor starting with a dot; else 0.
 * http.c's {file} path segment uses it.  Pure. */
int	 static_name_ok(const char *name);
int	 static_serve(struct reqctx *);	/* GET /, GET /web/{file} */
int	 api_whoami(struct reqctx *);	/* GET /v1/whoami */

/* ---- http.c: the dispatcher and replies; routes.c: the routes table --- */
struct route;
struct conf;
#define ETAG_SIZE	52	/* an ETag: "32 hex-16 hex", NUL */
struct reqctx {
	struct evhttp_request	*req;		/* NULL: the handler answered */
	const struct route	*route;
	struct token		 tok;		/* who asks */
	char			 actor[80];	/* for the event log */
	json_t			*body;		/* decoded JSON or msgpack body */
	const char		*raw;		/* raw body (YAML, batch routes) */
	size_t			 rawlen;
	int			 raw_msgpack;	/* RT_BATCH: raw is msgpack */
	struct evkeyvalq	 query;
	uint64_t		 id;		/* the {id} of the path */
	char			 name[65];	/* the {name} of the path */
	struct txn		*txn;		/* child write txn or read txn */
	int			 msgpack;	/* reply in msgpack */
	int			 status;
	json_t			*reply;
	struct evbuffer		*text;		/* a body other than JSON, or NULL */
	const char		*ctype;		/* its Content-Type */
	struct timespec		 started;	/* for the latency metrics */
	char			 etag[ETAG_SIZE];	/* of a 2xx or 304
						   reply, or "" (etag.c) */
	int			 by_cookie;	/* tok is a session's... */
	uint64_t		 session_id;	/* ...this one */
	char			 csrf[SESSION_CSRF_LEN + 1]; /* its CSRF */
	int			 keep_writes;	/* commit even with an error
						   reply (a failed sign-in) */
	TAILQ_ENTRY(reqctx)	 entry;
};
typedef int (*handler_fn)(struct reqctx *);
#define RT_WRITE	0x01	/* runs in the turn's group transaction */
#define RT_RAW		0x02	/* body is passed raw (YAML), not decoded */
#define RT_OPTBODY	0x04	/* the body may be left out */
#define RT_BATCH	0x08	/* an array of up to BATCH_MAX items, checked
				   whole, decoded one at a time (wire_items) */
#define RT_MERGE	0x10	/* a merge patch: application/merge-patch+json
				   or application/msgpack, not plain JSON */
#define BATCH_MAX	10000	/* items in one :batch body */
struct route {
	const char	*method;	/* "GET" */
	const char	*path;		/* "/v1/companies/{id}" */
	handler_fn	 handler;
	unsigned	 roles;		/* R_* mask; R_PUBLIC for none */
	size_t		 max_body;	/* 0: takes no body */
	int		 flags;		/* RT_* */
};
extern const struct route routes[];	/* routes.c; ends with a NULL method */
#define ROUTES_MAX	200	/* rows of routes[], its NULL row included */
/* routes-index.c: the indexes in routes[] of the rows whose path may
 * match path (a decoded request path), in table order, ending with
 * ROUTES_END; http.c's path_match decides.  Borrowed, static. */
#define ROUTES_END	0xff
const unsigned char	*routes_index_for(const char *path);
void	 http_dispatch(struct evhttp_request *, void *);
/* http-date.c: the Date header's value now, remade once a second
 * (static; the loop's thread). */
const char	*http_date(void);
/* Set an error reply {"error":{code,field,message}}, its status from
 * the errors table; returns that status. */
int	 http_error(struct reqctx *, enum err_code, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Add Retry-After: seconds to an error reply (429, 503). */
void	 http_retry_after(struct reqctx *, int seconds);
int	 http_reply(struct reqctx *, int status, json_t *);	/* steals */
/* Reply with a text body (CSV, the metrics); steals the buffer. */
int	 http_reply_text(struct reqctx *, int status, const char *ctype,
	    struct evbuffer *);
const char *http_query(struct reqctx *, const char *);
/* Send what ctx holds and free ctx. */
void	 http_send(struct reqctx *);
/* Answer a domain error through the errors table; returns the status. */
int	 http_derr(struct reqctx *, const struct derr *);
/* Map a project error to an HTTP reply. */
int	 http_store_error(struct reqctx *, int rc);
/* Fill *dc (OUT) for a domain operation of ctx's request: its txn, its
 * token (borrowed from ctx), its actor; err zeroed. */
void	 api_dctx(struct reqctx *, struct dctx *);

/* ---- jsonw.c: a reply's JSON as text ------------------------------------ */
/* Append j (borrowed) to out as json_dumpb(JSON_COMPACT) writes it, and a
 * newline: 0, or -1 out of memory (out unchanged).  The loop's thread. */
int	 jsonw_evbuffer(json_t *j, struct evbuffer *out);
/* Start *w (OUT) for a reply written without a tree (profiles' jw_*). */
void	 jsonw_begin(struct jw *w);
/* w's text and a newline as ctx's JSON reply with status; w's buffer is
 * taken either way.  Returns the status (an error's without memory). */
int	 jsonw_reply(struct reqctx *, int status, struct jw *w);

/* ---- server.c: the daemon's state and its turn ------------------------- */
TAILQ_HEAD(reqctx_list, reqctx);
struct server {
	struct event_base	*base;
	struct evhttp		*http;
	struct store		*st;
	const char		*datadir;
	const char		*refdir;	/* reference data, territories */
	struct conf		*conf;		/* NULL without --config */
	/* The turn's group commit: one write txn, replies held until it. */
	struct txn		 group;
	int			 group_open;
	struct reqctx_list	 pending, retry;
	int			 quit;
	int			 rebuild;	/* memory may be ahead */
	uint64_t		 index_rebuilds; /* index read again */
	int			 scrub;		/* compact after an erasure */
	int			 exit_status;	/* non-zero after a fatal error */
};
extern struct server	*srv;
/* Run ctx's handler in a child of the turn's write transaction. */
void	 server_write(struct reqctx *);
/* After each loop turn: commit, reply, retry what hit a full map. */
void	 server_after_turn(void);
/* Load the configured rule sets and the index from the store. */
int	 server_load(char **cause);
/* SIGHUP: compile the configured rule set files again and swap them in
 * (a task for server_task, after a turn's commit). */
int	 server_reload(struct dctx *);
/* Queue an audit entry: a person read a candidate's data. */
void	 server_audit(const char *actor, uint64_t token_id,
	    uint64_t candidate_id, const char *action);
/* At start, after server_load: today's audit entries, and an erasure
 * whose compaction did not happen yet. */
int	 server_store_resume(void);
/* 1 while an erasure waits for its compaction (no room, or running). */
int	 server_scrub_waiting(void);
/* At the end, before store_close: writes held, audits not written. */
void	 server_store_stop(void);

/* ---- mail.c: e-mail through the operator's relay ---------------------
 * Loop thread only, but for the worker mail.c starts. */
struct conf_smtp;
/* Start mail as cf says (NULL, or no url: none): the cursor, the worker
 * thread.  0, or an IOD_E* code (logged). */
int	 mail_init(struct event_base *, const struct conf_smtp *cf);
/* After each turn's commit: queue what the new events call for, store
 * the last outcome, hand the worker the next mail due. */
void	 mail_after_turn(void);
void	 mail_stop(void);	/* end the worker (a mail on the wire cut) */
void	 mail_free(void);
/* ---- smtp.c: one mail at a time to the relay, in a thread ------------ */
struct smtp_outcome {
	uint64_t	 id;		/* the outbox row's */
	int		 sent;		/* the relay accepted it */
	long		 code;		/* the relay's last reply, 0: none */
	char		 error[300];
};
/* Start the thread; done() runs on the loop when a mail's outcome is
 * ready.  0, or an IOD_E* code. */
int	 smtp_start(struct event_base *, const struct conf_smtp *,
	    void (*done)(void));
int	 smtp_busy(void);	/* 1 while a mail is out (or no thread) */
/* Hand the thread a mail (strings copied); 0, or -1 if busy or out of
 * memory. */
int	 smtp_submit(uint64_t id, const char *to, const char *subject,
	    const char *body);
/* The outcome of the mail handed over: 1 with *o, once; 0 if not yet. */
int	 smtp_take(struct smtp_outcome *o);
void	 smtp_stop(void);	/* end the thread, a mail on the wire cut */
void	 smtp_free(void);
/* GET /v1/outbox's reply: the mails waiting or failed, the digests. */
json_t	*mail_outbox_json(struct txn *);
/* iod_mail_pending, iod_mail_failed, iod_mail_sent_total. */
void	 mail_metrics(struct evbuffer *);

/* ---- api-records.c: the resource table, the records' routes -----------
 * One row per kind of record the API reads: its path segment, its
 * database and schema, and the hooks where a kind differs: the domain's
 * checks, index upkeep and deletion rules (records.c) on writes, and its
 * list's query parameters and items (api-list.c).
 */
struct list_query;
struct list_page;
struct qparam;
struct resource {
	const char		*name;		/* path segment: "companies" */
	const char		*entity;	/* event entity: "company" */
	const char		*noun;		/* "no appointment 3"; NULL: entity */
	enum store_db		 db;
	const struct schema	*schema;
	/* A record before it is decoded (follow-ups: no assessment). */
	void			(*blank)(void *rec);
	/* Cross-record checks; old is NULL on create.  0 or -1. */
	int			(*check)(struct dctx *, void *rec,
				    const void *old);
	/* Index upkeep: rec NULL on delete, old NULL on create. */
	void			(*index)(struct txn *, const void *rec,
				    const void *old);
	/* 0 if the record may go, or -1 with the error set. */
	int			(*deletable)(struct dctx *, const void *rec);
	/* The event payload: ids that say who may see the event, packed
	 * as one msgpack map (event_open). */
	void			(*payload)(msgpack_packer *, const void *rec);
	/* Keep the matching index in step: rec NULL on delete. */
	int			(*memory)(const void *rec, uint64_t id);
	/* Its list: the query parameters (NULL: limit, cursor and the
	 * record's fields as the token sees them), LIST_* flags... */
	const struct qparam	*params;
	int			 list;
#define LIST_FIELDS	0x01	/* filter on the record's fields */
#define LIST_UNPAGED	0x02	/* everything at once, the query ignored */
#define LIST_LAX	0x04	/* unknown or repeated parameters ignored */
#define LIST_FULL_PAGE	0x08	/* a next_cursor whenever the page is full */
#define LIST_BARE	0x10	/* no next_cursor in the reply */
	size_t			 list_default;	/* limit; 0: 50 */
	/* ...which records the query keeps (NULL: all), its items (NULL:
	 * api_present), or rows that are no records (events, audit). */
	int			(*match)(const struct list_page *,
				    const void *rec);
	json_t			*(*item)(struct list_page *, const void *rec);
	int			(*row)(struct list_page *, uint64_t key,
				    const void *v, size_t vl, json_t **item);
};
extern const struct resource resources[];	/* ends with a NULL name */
/* The row of the path's first segment after /v1/; NULL if none. */
const struct resource *api_resource(const char *path);
/*
 * The one load: the record of id (the path's) into rec (caller's, of
 * res->schema's size; cleared on error).  Outside the token's scope reads
 * as absent; an erased candidate says so.  0, or the error's status.
 */
int	 api_load(struct reqctx *, const struct resource *, void *rec);
/* A record as the token may read it (a company: the no-CV view; a
 * candidate read is audited). */
json_t	*api_present(struct reqctx *, const struct resource *,
	    const void *rec);
/* Create one record from j (borrowed) in dc's txn: *id, and *out (caller
 * frees; NULL: not wanted).  0 or -1 with dc->err set. */
int	 api_record_create(struct dctx *, const struct resource *, json_t *j,
	    uint64_t *id, json_t **out);
/* api_record_create of rec, decoded already (from rec_new), which it
 * frees either way. */
int	 api_record_create_rec(struct dctx *, const struct resource *,
	    void *rec, uint64_t *id, json_t **out);
/*
 * Write one record from j (borrowed) in dc's txn, keyed by the agency's
 * reference: a record of res's kind with j's external_ref gets the
 * fields j has (what j leaves out keeps its value) unless it already holds
 * them; without one, or with a reference none carries, one is created.  With dry_run nothing is
 * written.  0 with *what and *id (0 for a dry-run creation), or -1 with
 * dc->err set.
 */
enum upsert { UPSERT_CREATED, UPSERT_UPDATED, UPSERT_UNCHANGED };
int	 api_record_upsert(struct dctx *, const struct resource *, json_t *j,
	    int dry_run, enum upsert *what, uint64_t *id);
int	 api_create(struct reqctx *);
int	 api_get(struct reqctx *);
int	 api_put(struct reqctx *);
int	 api_delete(struct reqctx *);
int	 api_batch(struct reqctx *);		/* api-batch.c */
/*
 * Replace old (the path's record, loaded by api_load; borrowed) with the
 * record j (borrowed) describes, as PUT does: decoded and checked as on a
 * create, id and created_at kept, the index and the event log told; the
 * reply is the record with its ETag.  Returns the status.  In a write.
 */
int	 api_replace(struct reqctx *, const struct resource *, void *old,
	    json_t *j);
/* api-patch.c: PATCH /v1/{kind}/{id}, a JSON Merge Patch (RFC 7396) */
int	 api_patch(struct reqctx *);

/* ---- etag.c: the records' ETags; If-Match and If-None-Match ------------
 * A record's ETag, for a reader who sees it whole, is a BLAKE2b hash of
 * its stored bytes, a dash, and a hash of the reply: what iod derives
 * beside the stored fields (labels, a person's stall, a référent's
 * caseload) moves the second part, so If-None-Match never keeps a stale
 * reply.  A reply that shows less (a company's no-CV view) or more (a
 * proposal with its candidate) carries the hash of that reply alone, so
 * that it never moves for what the reader cannot see.  If-Match compares
 * the first part with the stored record's: a write is refused when the
 * record changed, not when a derived field did (only the team writes).
 */
/* The ETag of record id of db, as stored in txn, into out: 0, or the
 * store's error (IOD_ENOTFOUND). */
int	 etag_record(struct txn *, enum store_db, uint64_t id,
	    char out[ETAG_SIZE]);
/* Set ctx->etag for a reply (borrowed) that carries record id of res. */
void	 etag_set(struct reqctx *, const struct resource *, uint64_t id,
	    json_t *reply);
/* The request's If-Match against the path's record (which exists): 0 if
 * absent or matched, else the status of the error reply set (412). */
int	 etag_if_match(struct reqctx *, const struct resource *);
/* 1 if the request's If-None-Match names ctx->etag (or is "*"), else 0. */
int	 etag_none_match(struct reqctx *);
/* api-import.c: POST /v1/{kind}:import, a spreadsheet's CSV */
int	 api_import(struct reqctx *);

/* ---- api-list.c: the one list of every kind ----------------------------
 * GET /v1/{kind}: a page in id order from a cursor, filtered by the query
 * string (the kind's parameters) and by what the token may see.
 */
enum qtype { Q_ID, Q_STR, Q_DATE, Q_BOOL, Q_ENUM, Q_LIMIT, Q_CURSOR };
struct qparam {
	const char		*name;
	enum qtype		 type;
	size_t			 off;		/* in struct list_query */
	const char *const	*names;		/* Q_ENUM */
	const char		*what;		/* Q_CURSOR: what it is */
	int			 required;
};
struct list_query {
	uint64_t	 placement_id, proposal_id, offer_id, candidate_id,
			 company_id, referent_id;
	const char	*owner;		/* borrowed from the query string */
	const char	*text;		/* q: names searched (list-search.c) */
	const char	*territory;	/* in the default rule set's */
	iod_date	 due_from, due_before;
	int		 status, kind, overdue;	/* -1: any */
	int		 stalled;		/* -1: any (candidates) */
	size_t		 limit;
	uint64_t	 after;		/* the cursor */
	json_t		*fields;	/* LIST_FIELDS: field -> wanted */
};
struct list_page {
	struct reqctx		*ctx;
	const struct resource	*res;
	struct list_query	 q;
	iod_date		 today;
	struct followup_names	 names;		/* cached */
	struct list_search	*search;	/* q, territory; NULL: none */
};
extern const struct qparam list_candidate_params[];
extern const struct qparam list_record_params[], list_placement_params[],
	    list_followup_params[], list_event_params[], list_audit_params[];
int	 list_placement_match(const struct list_page *, const void *);
int	 list_followup_match(const struct list_page *, const void *);
json_t	*list_followup_item(struct list_page *, const void *);
json_t	*list_full_item(struct list_page *, const void *);
json_t	*list_webhook_item(struct list_page *, const void *);
int	 list_event_row(struct list_page *, uint64_t, const void *, size_t,
	    json_t **);
int	 list_audit_row(struct list_page *, uint64_t, const void *, size_t,
	    json_t **);
void	 list_followup_blank(void *);
void	 list_webhook_blank(void *);
int	 api_list(struct reqctx *);
/* list-search.c: q= and territory= of a list.  Prepare what pg's query
 * asks (0, or a status with the error reply set; list_search_free in
 * both cases), then which records it keeps (1 or 0; 1 without q and
 * territory). */
struct list_search;
int	 list_search_prepare(struct list_page *);
/* The mask (rec_fields_mask) of the fields list_search_match reads of a
 * record of pg's kind; 0 without q and territory. */
uint64_t list_search_fields(const struct list_page *);
int	 list_search_match(const struct list_page *, const void *rec);
void	 list_search_free(struct list_page *);

/* ---- api-stall.c: stalled people and caseloads in the replies --------- */
/* Add "stalled" to a stalled candidate's j, "caseload" to a référent's
 * (full view only); rec is res's record, j its reply. */
void	 api_stall_present(struct reqctx *, const struct resource *res,
	    const void *rec, json_t *j);
/* Drop those read-only keys from a body about to be decoded as res. */
void	 api_stall_strip(const struct resource *res, json_t *j);
/* The candidates' list: stalled=true|false keeps whom (1 or 0). */
int	 list_stalled_match(const struct list_page *, const void *rec);

/* ---- api-refdata.c: the reference data searched ----------------------- */
/* GET /v1/refdata/communes?q=&limit=, GET /v1/refdata/rome?q=&limit= */
int	 api_refdata(struct reqctx *);

/* ---- api-admin.c: health, tokens, the logs, backup, export, errors ---- */
int	 api_health(struct reqctx *);
int	 api_errors(struct reqctx *);		/* GET /v1/errors */
int	 api_export(struct reqctx *);
int	 api_backup(struct reqctx *);
int	 api_token_create(struct reqctx *);
int	 api_token_revoke(struct reqctx *);

int	 api_metrics(struct reqctx *);
int	 api_openapi(struct reqctx *);
/* openapi.c: the OpenAPI 3 document of the routes and records. */
json_t	*openapi_document(void);

/* ---- api-rulesets.c: the rule sets in force, a new text for one ------ */
int	 api_rulesets_list(struct reqctx *);
int	 api_ruleset_get(struct reqctx *);
int	 api_ruleset_put(struct reqctx *);
int	 api_ruleset_versions(struct reqctx *);	/* GET .../versions */
int	 api_ruleset_version(struct reqctx *);	/* GET .../versions/{id} */
/* GET /v1/proposals/{id}/replay (api-replay.c): replay.c's answer, from
 * its thread; api_replay_stop at the end answers one still running. */
int	 api_proposal_replay(struct reqctx *);
void	 api_replay_stop(void);

/* ---- api-proposals.c: propose, rank, transitions, the batch ---------- */
int	 api_propose(struct reqctx *);
int	 api_ranked(struct reqctx *);
int	 api_proposal_transition(struct reqctx *);
int	 api_match_batch(struct reqctx *);

/* ---- api-interests.c: positionnement, interests in an offer ---------- */
int	 api_interest_add(struct reqctx *);
int	 api_interest_list(struct reqctx *);
int	 api_interest_delete(struct reqctx *);

/* ---- api-placements.c: a placement, its end, an appointment's life --- */
int	 api_placement_get(struct reqctx *);
int	 api_placement_end(struct reqctx *);
int	 api_followup_get(struct reqctx *);
int	 api_followup_transition(struct reqctx *);
/* ---- ics.c: the iCalendar feeds (a token's, a private URL's) --------- */
int	 api_followup_ics(struct reqctx *);
int	 api_calendar_feed(struct reqctx *);	/* GET /cal/{name}.ics */

/* ---- api-calendars.c: POST, GET /v1/calendars, DELETE /v1/calendars/{id} */
int	 api_calendar_create(struct reqctx *);
int	 api_calendar_list(struct reqctx *);
int	 api_calendar_revoke(struct reqctx *);

/* ---- api-reports.c: the activity and charter reports, JSON or CSV ---- */
int	 api_report_activity(struct reqctx *);
int	 api_report_charter(struct reqctx *);

/* ---- demo.c ------------------------------------------------------------ */
/* Load a demo dataset (DIR/{referents,companies,offers,candidates}.json)
 * into an empty store, through the same validation as the API. */
int	 api_load_demo(const char *dir, char **cause);


#endif
