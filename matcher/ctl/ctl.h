/*
 * ctl/ — iodctl, the command-line client of iodd.  It speaks only the
 * public HTTP API (client.c), parses its own command line (iodctl.c),
 * runs one command of a family per file (cmd-*.c: each defines its
 * cmd_entry), imports CSV files (import.c) and prints tables (table.c).
 * Validation is the daemon's; iodctl keeps no state.  It includes nothing
 * of the daemon, the domain or the engine: profiles/ and rules/ (the
 * record schemas, dates, CSV, rule sets) are all it links against.
 *
 * Exit status, for scripts: 0 when every request succeeded (2xx),
 * EXIT_HTTP (1) when the server refused (4xx) or refused an imported row,
 * EXIT_USAGE (2) on a usage error or a file that cannot be read,
 * EXIT_SERVER (3) when the server failed (5xx) or cannot be reached.
 */
#ifndef IOD_CTL_H
#define IOD_CTL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "profiles.h"

#define EXIT_HTTP		1	/* the server said no (4xx) */
#define EXIT_USAGE		2	/* bad command line */
#define EXIT_SERVER		3	/* the server failed (5xx), or is gone */

#define LIST_PAGE_ALL		1000	/* list --all: the API's largest page */

#define JSON_PRETTY	(JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)

/* Options; a command lists those it takes beyond the global ones. */
enum opt {
	OPT_URL, OPT_TOKEN, OPT_TIMEOUT, OPT_HELP,
	OPT_LIMIT, OPT_ALL, OPT_ROLE, OPT_SUBJECT, OPT_REFERENT, OPT_COMPANY,
	OPT_EXPIRES, OPT_DRY_RUN, OPT_CURSOR, OPT_WEEK, OPT_OWNER,
	OPT_FROM, OPT_TO, OPT_PROGRAMME, OPT_CSV, OPT_CHARTER, OPT_REFDATA,
	OPT_JSON, OPT_ON, OPT_BY, OPT_NOTE, OPT_AT, OPT_PLACE, OPT_CONTRACT,
	OPT_START, OPT_HOURS, OPT_MONTHS, OPT_TRIAL_WEEKS, OPT_REASON,
	OPT_OVERDUE, OPT_ASSESSMENT, OPT_ACTIVE, OPT_COMMIT, OPT_STATUS,
	OPT_LOGIN, OPT_NAME, OPT_EMAIL,
	OPT_IF_MATCH, OPT_ETAG,
	OPT__N
};
#define O(o)		(UINT64_C(1) << (o))
#define O_GLOBAL	(O(OPT_URL) | O(OPT_TOKEN) | O(OPT_TIMEOUT) | \
			 O(OPT_HELP))

/* The parsed command line; strings are borrowed from argv. */
struct args {
	uint64_t	 seen;		/* O(opt) of each option given */
	const char	*url, *token;
	uint64_t	 timeout, limit, referent, company;
	int		 all, week, csv, charter, dry_run;
	const char	*role, *subject, *expires, *cursor, *owner;
	const char	*from, *to, *programme, *refdata;
	int		 json, overdue, active, commit;
	const char	*on, *by, *note, *at, *place, *contract, *start;
	const char	*hours, *months, *trial_weeks, *reason, *assessment;
	const char	*status;
	const char	*login, *name, *email;	/* account create */
	const char	*if_match;	/* put, patch, delete */
	int		 etag;		/* get: the ETag alone */
	char		**argv;		/* positional arguments */
	int		 argc;
};

/* A connection to the daemon: one base, one keep-alive connection. */
struct client {
	struct event_base	*base;
	struct evhttp_connection *evcon;
	struct evhttp_uri	*uri;
	const char		*url;	/* as given, for messages */
	char			*prefix;	/* the URL's path, no final / */
	char			*hostport;	/* the Host header */
	const char		*token;
	unsigned		 timeout;
	const char		*if_match;	/* sent with the next request */
};

/* One reply: its status (0 when none came), body and parsed JSON. */
struct reply {
	int			 done;
	int			 code;
	int			 error;		/* enum evhttp_request_error */
	int			 has_error;
	char			*body;
	size_t			 len;
	json_t			*json;
	char			*etag;		/* the ETag header, or NULL */
};

enum client_method {
	CLIENT_GET,
	CLIENT_POST,
	CLIENT_PUT,
	CLIENT_DELETE,
	CLIENT_PATCH
};

/* A record type a command may name, with its schema for imports. */
struct resource {
	const char		*name;
	const struct schema	*schema;
};

/*
 * One command: the first word (and the second), how it is used, how many
 * positional arguments it takes and which options beyond O_GLOBAL.  exec
 * runs it with the connection open and returns the exit status.
 */
struct cmd_entry {
	const char	*name;
	const char	*sub;		/* second word, or NULL */
	const char	*usage;		/* after "iodctl " */
	int		 lower;		/* positional arguments, at least */
	int		 upper;		/* at most; -1: any */
	uint64_t	 opts;		/* options taken beyond O_GLOBAL */
	int		(*exec)(const struct cmd_entry *, struct client *,
			    struct args *);
};

/* ---- iodctl.c: main, the command table, the command line --------------- */
/* Messages on stderr, "iodctl: " first; iodctl_fatal exits EXIT_USAGE. */
void	 iodctl_warn(const char *, ...)
	     __attribute__((format(printf, 1, 2)));
void	 iodctl_fatal(const char *, ...)
	     __attribute__((noreturn, format(printf, 1, 2)));
/*
 * Say what is wrong (fmt may be NULL), then how ce is used; returns
 * EXIT_USAGE for `return (iodctl_usage(ce, ...));`.
 */
int	 iodctl_usage(const struct cmd_entry *ce, const char *fmt, ...)
	     __attribute__((format(printf, 2, 3)));
/* The resource named by an argument, or NULL after a usage message. */
const struct resource *iodctl_resource(const struct cmd_entry *,
	     const char *name);
/* An id argument (a positive integer), or 0 after a usage message. */
uint64_t iodctl_id(const struct cmd_entry *, const char *);
/* s, the value of option --opt, as a JSON string; exits if not UTF-8. */
json_t	*iodctl_text(const char *opt, const char *s);
/* The command's words, "followup done" (a static buffer). */
const char *iodctl_what(const struct cmd_entry *);

/* ---- xmalloc.c: allocations that do not fail --------------------------- */
/* Out of memory, each says so and exits EXIT_USAGE. */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
json_t	*xjson(json_t *);		/* j, or exit if it is NULL */

/* ---- client.c: the HTTP client ----------------------------------------- */
/*
 * Parse url (http://host[:port][/path], borrowed, as is token) and set up
 * one keep-alive connection, timeout seconds per request.  Returns 0, or
 * -1 with *cause (caller frees); client_close c in either case.
 */
int	 client_open(struct client *c, const char *url, const char *token,
	     unsigned timeout, char **cause);
void	 client_close(struct client *);
/*
 * Send one request and wait for its reply, with If-Match: c->if_match
 * when it is set (it is cleared).  path is below the URL's path;
 * body (len bytes, may be NULL) is sent with content type ctype.  Returns
 * 0 with *r filled (the caller client_reply_clear()s it), or -1 after
 * saying that the server cannot be reached.
 */
int	 client_request(struct client *c, enum client_method method,
	     const char *path, const char *ctype, const void *body,
	     size_t len, struct reply *r);
/* client_request without a body (GET, DELETE). */
int	 client_get(struct client *, enum client_method, const char *path,
	     struct reply *);
/* client_request with j (borrowed) as a JSON body (POST, PUT). */
int	 client_send_json(struct client *, enum client_method,
	     const char *path, json_t *j, struct reply *);
/* One request without a body, its reply printed; the exit status. */
int	 client_simple(struct client *, enum client_method,
	     const char *path);
/* Free what a reply holds; r may be filled again. */
void	 client_reply_clear(struct reply *r);
int	 client_ok(const struct reply *);	/* a 2xx status */
/* Print a reply as the user should see it; the exit status. */
int	 client_report(const struct reply *);
/* The exit status of a reply: 0 (2xx), EXIT_HTTP or EXIT_SERVER (5xx). */
int	 client_status(const struct reply *);
/*
 * Print a refusal as "iodctl: what: field: message" (what, borrowed, is
 * the command as typed: "hire"); returns client_status(r).
 */
int	 client_refused(const char *what, const struct reply *r);
/*
 * One request with body (borrowed; NULL: none) as JSON.  Returns 0 with
 * *r filled by a 2xx reply (the caller client_reply_clear()s it), or the
 * exit status after saying why, *r cleared: the refusal (client_refused)
 * or that the server cannot be reached (EXIT_SERVER).
 */
int	 client_call(struct client *c, const char *what,
	     enum client_method method, const char *path, json_t *body,
	     struct reply *r);
/* j (borrowed) as the API's JSON, indented, on stdout. */
void	 client_print_json(json_t *j);
/* Print a refusal: the API's error, or a short body on one line. */
void	 client_print_error(const struct reply *);
/* An API error object as "field: message" (caller frees). */
char	*client_error_text(json_t *err);
/* s (len bytes, or -1 for all) percent-encoded for a URI (caller frees). */
char	*client_encode(const char *s, ssize_t len);

/* ---- import.c: CSV import ---------------------------------------------- */
/*
 * Import file ("-" for stdin) into res through POST /v1/<res>:import
 * (with dry_run, nothing is written), printing each row that was not
 * created as file:line, and the counts; the exit status.
 */
int	 import_csv(struct client *c, const struct resource *res,
	     const char *file, int dry_run);

/* ---- table.c: text tables ---------------------------------------------- */
/*
 * A table of ncols columns, each as wide as its widest cell (UTF-8 code
 * points), two spaces apart.  heads is borrowed and must outlive it.
 */
struct table;
struct table *table_new(const char *const *heads, int ncols);
/* Append a row of ncols cells, which the table now owns (it frees them). */
void	 table_add(struct table *, char **cells);
/* The headings, then the rows, on stdout. */
void	 table_print(const struct table *);
void	 table_free(struct table *);

/* ---- field.c: a reply's fields, absent ones empty ---------------------- */
/* The value at a dotted path ("job.offer_title") in o, or NULL. */
json_t	*field_get(json_t *o, const char *path);
/* The string there, or "" (borrowed from o). */
const char *field_str(json_t *o, const char *path);
/* The integer there, or 0. */
json_int_t field_int(json_t *o, const char *path);
/* The integer there in decimal, or "" (caller frees). */
char	*field_num(json_t *o, const char *path);

/* ---- pages.c: every page of a list ------------------------------------- */
/*
 * Append to items the items of every page of GET path?query (query
 * without "?", may be ""), following next_cursor.  Returns 0 or the exit
 * status after saying why, what (the command) first.
 */
int	 pages_fetch(struct client *c, const char *what, const char *path,
	     const char *query, json_t *items);

/* ---- names.c: names beside ids ----------------------------------------- */
/*
 * An offer's title, a company's name, a candidate's first name (from
 * their record: a read the daemon audits), read once a run; "" when it
 * cannot be read.  Borrowed until names_free().
 */
const char *names_offer(struct client *, uint64_t id);
const char *names_company(struct client *, uint64_t id);
const char *names_candidate(struct client *, uint64_t id);
/*
 * Proposal id as GET /v1/proposals/{id} returns it (its candidate's first
 * name, its job), or NULL; borrowed until names_free().
 */
json_t	*names_proposal(struct client *, uint64_t id);
void	 names_free(void);

/* ---- cmd-accounts.c: people's accounts -------------------------------- */
extern const struct cmd_entry cmd_account_create_entry,
	    cmd_account_list_entry, cmd_account_password_entry,
	    cmd_account_delete_entry;

/* ---- cmd-records.c: get, list, create, put, patch, delete, import ------ */
extern const struct cmd_entry cmd_get_entry, cmd_list_entry,
	    cmd_create_entry, cmd_put_entry, cmd_delete_entry,
	    cmd_import_entry, cmd_patch_entry;

/* ---- cmd-followups.c: the follow-up calendar --------------------------- */
extern const struct cmd_entry cmd_followups_entry,
	    cmd_followup_done_entry, cmd_followup_missed_entry;

/* ---- cmd-match.c: visit, propose, candidates, batch -------------------- */
extern const struct cmd_entry cmd_visit_entry, cmd_propose_entry,
	    cmd_candidates_entry, cmd_batch_entry;

/* ---- cmd-proposals.c: proposals and their decisions -------------------- */
extern const struct cmd_entry cmd_proposals_entry, cmd_meeting_entry,
	    cmd_hire_entry, cmd_refuse_entry, cmd_decline_entry,
	    cmd_withdraw_entry, cmd_no_show_entry;

/* ---- cmd-placements.c: placements and their end ------------------------ */
extern const struct cmd_entry cmd_placements_entry, cmd_end_entry;

/* ---- cmd-refdata.c: communes and ROME codes searched ------------------ */
extern const struct cmd_entry cmd_communes_entry, cmd_rome_entry;

/* ---- cmd-admin.c: tokens, reports, backup, rule sets, health ----------- */
extern const struct cmd_entry cmd_token_create_entry,
	    cmd_token_list_entry, cmd_token_revoke_entry, cmd_report_entry,
	    cmd_backup_entry, cmd_rules_check_entry, cmd_rules_put_entry,
	    cmd_health_entry;

#endif
