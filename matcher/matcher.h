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

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "profiles.h"

/* ---- assign.c: exactly optimal one-to-one assignment ------------------- */
/*
 * Rows are offers, columns are candidates, an edge is an eligible pair with
 * its score (> 0, integer points).  A matching gives each row at most one
 * column and each column at most one row; rows may stay unmatched.
 */
#define ASSIGN_NONE		UINT32_MAX	/* "unmatched" in col_of_row */
#define ASSIGN_SCORE_SUM_MAX	(INT64_MAX / 8)	/* bound on sum of row maxima */

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
 * Returns 0; IOD_EINVAL (-1) if p is NULL or malformed (nrows or ncols
 * equal to UINT32_MAX, rowstart decreasing, a col >= ncols, a score <= 0)
 * or if the sum over rows of each row's largest score exceeds
 * ASSIGN_SCORE_SUM_MAX (so that no intermediate value can overflow);
 * IOD_ENOMEM (-4) if its work space (32 bytes per column, 8 per row, freed
 * before return) cannot be allocated.  On error the outputs are untouched.
 * Keeps no state: may be called from any thread, concurrently on distinct
 * outputs.
 */
int	 assign_solve(const struct assign_problem *p, uint32_t *col_of_row,
	     int64_t *total);

/*
 * Build a problem in CSR form from an unsorted edge list (borrowed): edges
 * are grouped by row, sorted by column within a row, and repeated (row,
 * col) pairs are merged keeping the largest score, in O(nedges + nrows +
 * ncols) time.  Since assign_solve depends only on the set of edges, the
 * result does not depend on the order of the list.
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
struct reqctx {
	struct evhttp_request	*req;
	const struct route	*route;
	struct token		 tok;		/* who asks */
	char			 actor[80];	/* for the event log */
	json_t			*body;		/* decoded JSON or msgpack body */
	const char		*raw;		/* raw body (YAML routes) */
	size_t			 rawlen;
	struct evkeyvalq	 query;
	uint64_t		 id;		/* the {id} of the path */
	struct txn		*txn;		/* child write txn or read txn */
	int			 msgpack;	/* reply in msgpack */
	int			 status;
	json_t			*reply;
	struct evkeyvalq	*headers;	/* extra reply headers, may be NULL */
	TAILQ_ENTRY(reqctx)	 entry;
};
typedef int (*handler_fn)(struct reqctx *);
#define RT_WRITE	0x01	/* runs in the turn's group transaction */
#define RT_RAW		0x02	/* body is passed raw (YAML), not decoded */
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
int	 http_reply(struct reqctx *, int status, json_t *);	/* steals */
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
	/* The turn's group commit: one write txn, replies held until it. */
	struct txn		 group;
	int			 group_open;
	struct reqctx_list	 pending, retry;
	int			 quit;
	size_t			 max_body;
};
extern struct server	*srv;
/* Run ctx's handler in a child of the turn's write transaction. */
void	 server_write(struct reqctx *);
/* After each loop turn: commit, reply, retry what hit a full map. */
void	 server_after_turn(void);

/* ---- api.c: the records' resources ------------------------------------- */
int	 api_create(struct reqctx *);
int	 api_get(struct reqctx *);
int	 api_put(struct reqctx *);
int	 api_delete(struct reqctx *);
int	 api_list(struct reqctx *);
int	 api_batch(struct reqctx *);
int	 api_health(struct reqctx *);
int	 api_token_create(struct reqctx *);
int	 api_token_list(struct reqctx *);
int	 api_token_revoke(struct reqctx *);
/* Load a demo dataset (DIR/{referents,companies,offers,candidates}.json)
 * into an empty store, through the same validation as the API. */
int	 api_load_demo(const char *dir, char **cause);

#endif
