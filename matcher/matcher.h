/*
 * matcher/ — the engine and the daemon: eligibility and scoring, one
 * proposal, the batch assignment, the proposals' life cycle, the HTTP API
 * (libevent) and the command-line client.  Depends on rules/ and profiles/.
 */
#ifndef IOD_MATCHER_H
#define IOD_MATCHER_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "profiles.h"

struct reqctx;
struct token;
struct route;

/* ---- assign.c: exactly optimal one-to-one assignment ------------------- */
/*
 * Rows are offers, columns are candidates, an edge is an eligible pair with
 * its score (> 0, integer points).  A matching gives each row at most one
 * column and each column at most one row; rows may stay unmatched.
 */
#define ASSIGN_NONE		UINT32_MAX	/* "unmatched" in col_of_row */
#define ASSIGN_SCORE_MAX	(INT64_MAX / 4)	/* see assign_solve */

struct assign_edge {
	uint32_t	 row;
	uint32_t	 col;
	int64_t		 score;
};

/*
 * The input in CSR form: row r's edges are col[k], score[k] for k in
 * [rowstart[r], rowstart[r + 1]).  rowstart has nrows + 1 entries and never
 * decreases; its base need not be 0.  Within a row the order of edges does
 * not matter and a column may repeat (the largest score counts).  All
 * pointers are borrowed: assign_solve only reads them.
 */
struct assign_problem {
	uint32_t	 nrows;
	uint32_t	 ncols;
	const uint32_t	*rowstart;
	const uint32_t	*col;
	const int64_t	*score;
};

/*
 * Find a matching of largest total score, exactly (successive shortest
 * augmenting paths with potentials, integer arithmetic only).
 *
 * p is borrowed.  col_of_row (OUT, caller-allocated, nrows entries) gets
 * each row's column or ASSIGN_NONE; *total (OUT) gets the sum of the
 * matched scores.  Both may be NULL when not wanted.
 *
 * Ties: among the matchings of largest total it returns one with the most
 * pairs; what tie remains is broken deterministically, the result being a
 * function of the set of (row, col, score) edges alone, not of their order
 * within a row (a one-row problem takes its best column of lowest index).
 *
 * Cost, on one core: 0.3 to 0.5 s for 5,000 rows, 100,000 columns and 10
 * million edges, up to 1.3 s when the rows favour the same columns; 1 to
 * 5 s for 10,000 rows and 20 million edges.  The worst case is
 * O(nrows * nedges), approached when about as many rows as columns all
 * rank the columns alike (2,000 x 2,100 complete: 8 to 26 s).  When fewer
 * columns have edges than there are rows, it solves the transposed
 * problem, the cheap way then.  It blocks: keep big batches off the
 * event loop.
 *
 * Returns 0; IOD_EINVAL (-1) if p is NULL or malformed (nrows or ncols
 * equal to UINT32_MAX, rowstart decreasing, a col >= ncols, a score <= 0)
 * or if a score times min(nrows, ncols) + 1 exceeds ASSIGN_SCORE_MAX
 * (10,000 rows leave 2.3e14 to a score) or the sum over rows of each
 * row's largest score exceeds INT64_MAX: no value can overflow then;
 * IOD_ENOMEM (-4) if its work space cannot be allocated (about 36 bytes
 * per column, 8 per row and 4 per edge, and 12 more per edge when
 * transposing; freed before return).  On error the outputs are untouched.
 * Keeps no state: may be called from any thread, concurrently on distinct
 * outputs.
 */
int	 assign_solve(const struct assign_problem *p, uint32_t *col_of_row,
	     int64_t *total);

/*
 * Build a problem in CSR form from an edge list in any order (borrowed):
 * edges are grouped by row, keep their list order within a row, and a
 * repeated (row, col) pair is merged into its first place with the largest
 * score; O(nedges + nrows + ncols) time.  Since assign_solve depends only
 * on the set of edges, its result does not depend on the list's order.
 *
 * *out (OUT) is one allocation that the caller frees with
 * assign_problem_free.  Returns 0; IOD_EINVAL if out is NULL, nrows or
 * ncols equals UINT32_MAX, nedges exceeds UINT32_MAX, or an edge has row >=
 * nrows, col >= ncols or score <= 0; IOD_ENOMEM.  *out is NULL on error.
 */
int	 assign_problem_new(uint32_t nrows, uint32_t ncols,
	     const struct assign_edge *edges, size_t nedges,
	     struct assign_problem **out);
/* Free a problem from assign_problem_new; accepts NULL. */
void	 assign_problem_free(struct assign_problem *);

/* ---- end of assign.c --------------------------------------------------- */

/* ---- index.c: the in-memory matching index ----------------------------- */
struct ruleset;
struct candidate;

/* A candidate as matching sees it: 64 bytes, no names. */
struct mcand {
	uint64_t	 id;
	uint32_t	 publics;	/* set of enum public_cat */
	uint32_t	 contracts;	/* set of enum contract_type; 0: any */
	iod_date	 oriented_on, available_on;
	int16_t		 commune;	/* refdata index, -1 unknown */
	uint8_t		 programme, zone, schedule_ok, max_hours, flags, nrome;
	uint8_t		 status;	/* enum candidate_status */
	uint16_t	 open;		/* open proposals */
	uint16_t	 rome[16];	/* refdata indexes of the codes sought */
};
#define MC_LIVE		0x01
#define MC_ACTIVE	0x02	/* status active */
#define MC_CONSENT	0x04
#define MC_QPV		0x08
#define MC_LICENCE	0x10
#define MC_VEHICLE	0x20

struct hmap {			/* uint64 -> uint64, keys and values != 0 */
	uint64_t	*keys, *vals;
	size_t		 n, cap;
};
uint64_t hmap_get(const struct hmap *, uint64_t);
int	 hmap_set(struct hmap *, uint64_t, uint64_t);	/* 0 val removes */
void	 hmap_free(struct hmap *);

struct plist {			/* slots of candidates, unordered */
	uint32_t	*v;
	size_t		 n, cap;
};
/*
 * A candidate as one rule set's sorted list holds them: what the filters
 * and the offer-dependent score read, packed in list order so that a
 * search reads memory in sequence.  What changes without a candidate
 * write (open proposals, refusals) stays outside, in the index.
 */
struct pentry {
	uint32_t	 slot;
	int32_t		 base;		/* offer-independent score */
	int16_t		 commune;	/* refdata index, -1 unknown */
	uint16_t	 available;	/* days since 1970 / 1, 0: any time */
	uint8_t		 flags;		/* MC_* */
	uint8_t		 programme, zone, schedule_ok, max_hours;
	uint8_t		 contracts;	/* set of enum contract_type; 0: any */
	uint8_t		 publics;	/* set of enum public_cat */
	uint8_t		 pad;
};
struct sorted {			/* a plist sorted for one rule set */
	struct pentry	*v;
	size_t		 n, cap;
	int		 dirty;
};
struct view {			/* one rule set's order of the lists */
	const struct ruleset *rs;
	iod_date	 day;		/* the day base scores were made for */
	int32_t		*base;		/* offer-independent score by slot */
	size_t		 nbase;
	int		 stale;
	int16_t		*territory;	/* by refdata commune index */
	struct sorted	*rome, *family;
	struct view	*next;
};
struct index {
	struct mcand	*cand;		/* by slot */
	size_t		 ncand, capcand;
	uint32_t	*slot_of;	/* candidate id -> slot + 1 */
	uint64_t	 nslot_of;
	uint32_t	 live;		/* candidates in the index */
	uint32_t	 nrome, nfamily;
	uint16_t	*family_of;	/* rome index -> family */
	struct plist	*by_rome, *by_family;
	struct hmap	 offer_open;	/* offer id -> open proposal id */
	struct hmap	 refused;	/* candidate << 32 | company -> date */
	struct hmap	 refusing;	/* company -> refusals ever recorded */
	uint64_t	*busy;		/* bit by slot: has an open proposal */
	size_t		 nbusy;		/* words */
	struct view	*views;
};
extern struct index	*idx;
int	 index_init(void);	/* after refdata_load */
void	 index_free(void);
int	 index_load(struct txn *);	/* candidates and proposals */
int	 index_put(const struct candidate *);
void	 index_del(uint64_t id);
struct mcand *index_cand(uint64_t id);
int32_t	 index_base_score(const struct ruleset *, const struct mcand *,
	    iod_date today);
int	 index_candidates(const struct ruleset *, int rome,
	    const struct pentry **list, uint32_t *n, const int16_t **territory);
/* The packed form of a candidate for a list with this base score. */
void	 index_pack(struct pentry *, uint32_t slot, const struct mcand *,
	    int32_t base);
/* A proposal opened (+1) or closed (-1) for the candidate. */
void	 index_open(struct mcand *, int delta);
/* A company refused the candidate on that day. */
int	 index_refused(uint64_t candidate_id, uint64_t company_id, iod_date);
int	 index_busy(uint32_t slot);
void	 index_forget_ruleset(const struct ruleset *);

/* ---- match.c: filters, scores, the best candidate ---------------------- */
enum filter {
	FILTER_ROME, FILTER_STATUS, FILTER_CONSENT, FILTER_PROGRAMME,
	FILTER_EXCLUSIVE, FILTER_COOLDOWN, FILTER_CONTRACT, FILTER_HOURS,
	FILTER_SCHEDULE, FILTER_AVAILABILITY, FILTER_LICENCE, FILTER_ZONE,
	FILTER__N
};
extern const char *const filter_names[];
struct offer;
struct company;
struct moffer {			/* an offer as matching sees it */
	uint64_t	 id, company_id;
	int		 rome, commune, territory, contract, hours;
	uint32_t	 schedule, requirements, favoured;
	iod_date	 start_on;
};
struct mhit {
	uint32_t	 slot;
	int32_t		 score;
};
struct mresult {
	uint32_t	 eligible;
	uint32_t	 removed[FILTER__N];	/* by the first filter failed */
	struct mhit	*top;			/* best first, ntop <= want */
	size_t		 ntop, want;
};
int	 match_prepare(const struct ruleset *, const struct offer *,
	    const struct company *, struct moffer *);
/* Rank the eligible candidates of an offer, keeping the best r->want. */
int	 match_run(const struct ruleset *, const struct moffer *,
	    struct mresult *);
void	 match_result_free(struct mresult *);
/* Call fn for every eligible candidate with its score (the batch). */
int	 match_each(const struct ruleset *, const struct moffer *,
	    int (*fn)(uint32_t slot, int32_t score, void *), void *);
/* The score of c for the offer, and its parts as [{criterion, points}]. */
json_t	*match_parts(const struct ruleset *, const struct moffer *,
	    const struct mcand *, int32_t *total);
/* The batch's edges for assign_solve (assign.c), built offer by offer. */
struct medges {
	struct assign_edge *edges;
	size_t		 nedges, cap;
	uint32_t	*col_of_slot;	/* slot -> column + 1 */
	uint32_t	*slot_of_col;
	uint32_t	 ncols;
	int64_t		 scale;		/* edge = score * scale + 1 */
};
int	 match_edges_init(struct medges *, size_t nrows);
/* Add offer mo's eligible candidates as row; *eligible gets their count. */
int	 match_edges_add(struct medges *, const struct ruleset *,
	    const struct moffer *, uint32_t row, uint32_t *eligible);
void	 match_edges_free(struct medges *);	/* then zeroed */
/* The same matching without the index: every candidate, scored. */
int	 match_naive(const struct ruleset *, const struct moffer *,
	    struct mresult *);

/* ---- rulesets.c: the rule sets in force ------------------------------- */
struct active {
	char		*name;
	uint64_t	 version;	/* stored activation number */
	struct ruleset	*rs;
	json_t		*origin;	/* {from: file|api, path|actor, at} */
	struct active	*next;
};
struct active	*rulesets_find(const char *name);	/* NULL: default */
struct active	*rulesets_first(void);
const char	*rulesets_default(void);
int		 rulesets_set_default(const char *);
/* Through the API, by actor; from a configured file (activated only if
 * its text changed since its last activation); at start, the others. */
int		 rulesets_install(struct txn *, struct ruleset *,
		    const char *actor, uint64_t *);
int		 rulesets_activate_file(struct txn *, struct ruleset *,
		    const char *path, uint64_t *);
int		 rulesets_restore(struct txn *);
json_t		*rulesets_json(const struct active *, int with_source);
void		 rulesets_free(void);

/* ---- proposal.c: proposals, their life cycle, the batch ---------------- */
enum proposal_status {
	PROP_PROPOSED, PROP_MEETING, PROP_HIRED, PROP_REFUSED, PROP_DECLINED,
	PROP_NO_SHOW, PROP_WITHDRAWN, PROP_EXPIRED, PROP__N
};
extern const char *const proposal_status_names[];
struct score_part {
	char		*criterion;	/* "public:rsa", "same_territory" */
	int64_t		 points;
};
struct meeting {			/* the mise en relation */
	char		*at;		/* YYYY-MM-DDTHH:MM */
	char		*place;
};
struct proposal {
	uint64_t	 id, offer_id, candidate_id, company_id, referent_id;
	char		*owner;		/* the offer's chargé de mission */
	char		*ruleset;
	int64_t		 ruleset_version;
	int64_t		 score;
	struct score_part *score_parts;
	size_t		 nparts;
	int64_t		 eligible;
	int		 status;	/* enum proposal_status */
	struct meeting	 meeting;
	char		*reason;
	iod_date	 proposed_on, decided_on;
	int64_t		 created_at, updated_at;
};
extern const struct schema proposal_schema;
int	 proposal_load(struct txn *);	/* policy state into the index */
void	 proposal_candidate_status(struct reqctx *, uint64_t candidate_id,
	    int from, int to);		/* from -1: any status */
int	 proposal_expire(struct reqctx *);	/* returns how many expired */
int	 api_propose(struct reqctx *);
int	 api_ranked(struct reqctx *);
int	 api_proposal_transition(struct reqctx *);
int	 api_match_batch(struct reqctx *);

/* ---- conn.c: connections, request heads and bodies, limits, TLS ------ */
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
	int		 status;	/* not 0: refuse the request so... */
	const char	*code;		/* ...with this error code... */
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

/* ---- metrics.c: counters and histograms for /metrics ------------------ */
enum metric { M_PROPOSALS, M_HIRES, M__N };
void	 metrics_request(const struct route *, int status,
	    const struct timespec *start);
void	 metrics_match(const struct timespec *start);
void	 metrics_count(enum metric);

/* ---- access.c: who may see what --------------------------------------- */
int	 access_view(const struct token *);	/* VIEW_FULL or VIEW_COMPANY */
/* May the token see this record of db? 1 or 0. */
int	 access_record(const struct token *, enum store_db, const void *rec);
/* May the token be told of this event?  (Scope, and the person's consent.) */
int	 access_event(const struct token *, const struct event *);
/* The event as the token may read it (a company: the no-CV view). */
json_t	*access_event_json(const struct token *, const struct event *);

/* ---- placement.c: placements, the follow-up schedule, holidays --------- */
enum followup_kind { FU_EMPLOYER, FU_EMPLOYEE, FU_BOTH, FU_JOINT_REVIEW,
	FU_KIND__N };
enum followup_phase { FU_TRIAL, FU_MONTHLY, FU_HORIZON, FU_PHASE__N };
enum followup_status { FU_PLANNED, FU_DONE, FU_MISSED, FU_CANCELLED,
	FU_STATUS__N };
enum assessment { ASSESS_FINE, ASSESS_AT_RISK, ASSESS_RUPTURE, ASSESS__N };
enum placement_status { PLACEMENT_ACTIVE, PLACEMENT_ENDED, PLACEMENT__N };
extern const char *const followup_kind_names[];
extern const char *const followup_phase_names[];
extern const char *const followup_status_names[];
extern const char *const assessment_names[];
extern const char *const placement_status_names[];

struct placement {			/* what a hire created */
	uint64_t	 id, proposal_id, offer_id, candidate_id, company_id,
			 referent_id;
	char		*owner;		/* the offer's chargé de mission */
	int		 contract;	/* enum contract_type */
	iod_date	 start_on;
	int64_t		 weekly_hours;
	int64_t		 duration_months;	/* 0: open-ended */
	int64_t		 trial_weeks;
	iod_date	 trial_end;	/* last day of the trial, 0: none */
	iod_date	 contract_end;	/* last day of a fixed term, 0: none */
	iod_date	 horizon;	/* end of the follow-up */
	int		 durable;	/* bool: ruleset_is_durable */
	int		 status;	/* enum placement_status */
	iod_date	 ended_on;
	char		*end_reason;
	char		*ruleset;
	int64_t		 ruleset_version;
	int64_t		 followups;	/* appointments planned on hire */
	int64_t		 created_at, updated_at;
};
struct followup {			/* one follow-up appointment */
	uint64_t	 id, placement_id, offer_id, candidate_id, company_id,
			 referent_id;
	char		*owner;
	int		 kind;		/* enum followup_kind */
	int		 phase;		/* enum followup_phase */
	int64_t		 number;	/* week or month of the phase */
	iod_date	 due_on;
	int		 status;	/* enum followup_status */
	char		*note;
	int		 assessment;	/* enum assessment, -1 none */
	iod_date	 done_on;
	int		 reminded_due;	/* bool: followup.due_tomorrow sent */
	int		 reminded_overdue;	/* bool: followup.overdue sent */
	int64_t		 created_at, updated_at;
};
extern const struct schema placement_schema, followup_schema;

/* The French public holiday on day d (its name), or NULL: the eleven of
 * the Code du travail (L3133-1), Easter Monday, Ascension and Whit Monday
 * included; not Alsace-Moselle's two more.  Pure; any thread. */
const char *holiday_fr(iod_date d);
iod_date easter_sunday(int year);	/* Gregorian, 1583 on */
/* d, or the first day after it that is neither a Sunday nor a holiday. */
iod_date working_day(iod_date d);

/* The dates of a placement; see placement.c for how each is drawn. */
struct placement_span {
	iod_date	 trial_end, contract_end, horizon;
};
void	 placement_span(iod_date start, int trial_weeks, int duration_months,
	    int until_months, struct placement_span *out);
struct fu_slot {			/* one appointment of a plan */
	iod_date	 due_on;
	int		 kind, phase, number;
};
#define FU_PLAN_MAX	512
struct ruleset_followup;
/*
 * Draw the follow-up schedule of a placement starting on start, with the
 * span sp, under the rule set's template fu (borrowed): fills out (cap
 * slots, caller's) in date order.  Returns the count, or IOD_ETOOBIG if cap
 * is too small.  Pure; any thread.
 */
int	 followup_plan(const struct ruleset_followup *fu, iod_date start,
	    const struct placement_span *sp, struct fu_slot *out, size_t cap);

/* On hire (proposal.c's apply): check the body's terms before anything is
 * written, then create the placement and its schedule.  0 or a status. */
int	 placement_check(struct reqctx *, const struct proposal *);
int	 placement_create(struct reqctx *, const struct proposal *);
/* A write task: the due-tomorrow and overdue reminders, once each. */
int	 placement_remind(struct reqctx *);
int	 api_placement_get(struct reqctx *);
int	 api_placement_list(struct reqctx *);
int	 api_placement_end(struct reqctx *);
int	 api_followup_get(struct reqctx *);
int	 api_followup_list(struct reqctx *);
int	 api_followup_transition(struct reqctx *);
int	 api_followup_ics(struct reqctx *);

/* ---- notify.c: the event stream (SSE) and webhooks -------------------- */
struct webhook {
	uint64_t	 id;
	char		*url;		/* http://host:port/path */
	uint64_t	 token_id;	/* the token it acts for, or 0 */
	int		 role;		/* enum role: the scope it acts for */
	char		*subject;	/* an iod scope: the chargé de mission */
	uint64_t	 referent_id, company_id;
	char		*secret;	/* HMAC-SHA256 key; never shown */
	int64_t		 cursor;	/* last event seq delivered (or skipped) */
	int		 paused;	/* bool: held until an admin resumes */
	char		*paused_reason;
	int64_t		 created_at, updated_at;
};
extern const struct schema webhook_schema;
/* In start-up's write txn, before anything else writes: note the store's
 * identity from the next event on (delivery ids name it), and pause every
 * webhook of a restored store. */
int	 notify_settle(struct txn *);
/* Load the webhooks, start the timers; after server_load. */
int	 notify_init(struct event_base *);
/* After each turn's commit: run deferred tasks, store webhook cursors,
 * push new events to subscribers, free closed streams. */
void	 notify_after_turn(void);
/* Run fn as a write task after this turn's commit (timers use it: no
 * write transaction may be open in the turn). */
void	 notify_defer(int (*fn)(struct reqctx *), const char *actor);
void	 notify_stop(void);	/* end every stream; before evhttp_free */
void	 notify_free(void);
int	 api_events_stream(struct reqctx *);
int	 api_webhook_create(struct reqctx *);
int	 api_webhook_list(struct reqctx *);
int	 api_webhook_get(struct reqctx *);
int	 api_webhook_delete(struct reqctx *);
int	 api_webhook_resume(struct reqctx *);

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

/* ---- log.c: logfmt lines on stderr ------------------------------------ */
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
extern int log_level;
int	 log_set_level(const char *);	/* "debug".."error"; -1 if unknown */
void	 log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...)	log_msg(LOG_ERROR, __VA_ARGS__)

/* ---- auth.c: bearer tokens, stored as hashes -------------------------- */
enum role { ROLE_ADMIN, ROLE_IOD, ROLE_REFERENT, ROLE_COMPANY, ROLE_AUDITOR,
	ROLE__N };
#define R_ADMIN		(1u << ROLE_ADMIN)
#define R_IOD		(1u << ROLE_IOD)
#define R_REFERENT	(1u << ROLE_REFERENT)
#define R_COMPANY	(1u << ROLE_COMPANY)
#define R_AUDITOR	(1u << ROLE_AUDITOR)
#define R_ANY		(R_ADMIN | R_IOD | R_REFERENT | R_COMPANY | R_AUDITOR)
#define R_PUBLIC	0u	/* no token needed */
extern const char *const role_names[];

struct token {
	uint64_t	 id;
	int		 role;		/* enum role */
	char		*subject;	/* who holds it: "cm-martin" */
	uint64_t	 referent_id;	/* scope of a referent token */
	uint64_t	 company_id;	/* scope of a company token */
	iod_date	 expires_on;	/* 0: never */
	int		 revoked;
	int64_t		 created_at;
};
extern const struct schema token_schema;
/* Look a presented secret up; 0 and *tok filled, or IOD_ENOTFOUND for an
 * unknown, revoked or expired token. */
int	 auth_lookup(struct txn *, const char *secret, struct token *tok);
/* Store a new token; secret NULL draws a random one.  *out_secret is the
 * secret to show once (caller frees). */
int	 auth_create(struct txn *, struct token *, const char *secret,
	    char **out_secret);
int	 auth_revoke(struct txn *, uint64_t id);
int	 auth_count(struct txn *);

/* ---- http.c: the dispatcher, the routes table, replies ----------------- */
struct route;
struct conf;
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
	TAILQ_ENTRY(reqctx)	 entry;
};
typedef int (*handler_fn)(struct reqctx *);
#define RT_WRITE	0x01	/* runs in the turn's group transaction */
#define RT_RAW		0x02	/* body is passed raw (YAML), not decoded */
#define RT_OPTBODY	0x04	/* the body may be left out */
#define RT_BATCH	0x08	/* an array of up to BATCH_MAX items, checked
				   whole, decoded one at a time (wire_items) */
#define BATCH_MAX	10000	/* items in one :batch body */
struct route {
	const char	*method;	/* "GET" */
	const char	*path;		/* "/v1/companies/{id}" */
	handler_fn	 handler;
	unsigned	 roles;		/* R_* mask; R_PUBLIC for none */
	size_t		 max_body;
	int		 flags;		/* RT_* */
};
extern const struct route routes[];
void	 http_dispatch(struct evhttp_request *, void *);
/* Set an error reply {"error":{code,field,message}}; returns status. */
int	 http_error(struct reqctx *, int status, const char *code,
	    const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* Add Retry-After: seconds to an error reply (429, 503). */
void	 http_retry_after(struct reqctx *, int seconds);
int	 http_reply(struct reqctx *, int status, json_t *);	/* steals */
/* Reply with a text body (CSV, the metrics); steals the buffer. */
int	 http_reply_text(struct reqctx *, int status, const char *ctype,
	    struct evbuffer *);
const char *http_query(struct reqctx *, const char *);
/* Send what ctx holds and free ctx. */
void	 http_send(struct reqctx *);
/* Map a project error to an HTTP reply. */
int	 http_store_error(struct reqctx *, int rc);

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
int	 server_reload(struct reqctx *);
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

/* ---- audit.c: the log of reads of a person's data ----------------------
 * Each (actor, token, candidate, action) once a day; kept for the
 * configured retention.
 */
void	 audit_note(const char *actor, uint64_t token_id,
	    uint64_t candidate_id, const char *action);
int	 audit_pending(void);	/* 1 if notes wait to be written */
/* Write the notes in the turn's group txn; after its commit,
 * audit_done(1) if it held, audit_done(0) to keep them for the next. */
void	 audit_flush(struct txn *);
void	 audit_done(int committed);
/* At start, in a read txn: today's entries, so none is written twice. */
int	 audit_load(struct txn *);
/* A task for server_task: delete a slice of the entries older than the
 * retention, oldest first; defers itself again while there are more. */
int	 audit_purge(struct reqctx *);
void	 audit_set_retention(int days);
void	 audit_free(void);
/* Run fn as a write of its own, outside any request (timers). */
int	 server_task(int (*fn)(struct reqctx *), const char *actor);

/* ---- api.c: the records' resources ------------------------------------- */
int	 api_create(struct reqctx *);
int	 api_get(struct reqctx *);
int	 api_put(struct reqctx *);
int	 api_delete(struct reqctx *);
int	 api_list(struct reqctx *);
int	 api_batch(struct reqctx *);
int	 api_health(struct reqctx *);
int	 api_rulesets_list(struct reqctx *);
int	 api_events(struct reqctx *);
int	 api_audit(struct reqctx *);
int	 api_report_activity(struct reqctx *);
int	 api_report_charter(struct reqctx *);
int	 api_metrics(struct reqctx *);
int	 api_openapi(struct reqctx *);
int	 api_backup(struct reqctx *);
/* openapi.c: the OpenAPI 3 document of the routes and records. */
json_t	*openapi_document(void);
int	 api_export(struct reqctx *);
int	 api_ruleset_get(struct reqctx *);
int	 api_ruleset_put(struct reqctx *);
int	 api_token_create(struct reqctx *);
int	 api_token_list(struct reqctx *);
int	 api_token_revoke(struct reqctx *);
/* Load a demo dataset (DIR/{referents,companies,offers,candidates}.json)
 * into an empty store, through the same validation as the API. */
int	 api_load_demo(const char *dir, char **cause);

#endif
