/*
 * domain/ — what iod does with the records: proposals and their life
 * cycle, placements and the follow-up, reports, who may see what, tokens,
 * the rule sets in force, the audit of reads.  Errors come back as a code
 * of enum err_code with the field and a message, never an HTTP status.
 */
#ifndef IOD_DOMAIN_H
#define IOD_DOMAIN_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "profiles.h"
#include "engine.h"

struct token;

/* ---- error.c: the errors of the API, by code --------------------------
 * Every error iod answers has one of these codes; daemon/errors.c gives
 * each its string, HTTP status and meaning (the README's table, the
 * OpenAPI document and the console read that table).
 */
enum err_code {
	ERR_INVALID,
	ERR_BAD_JSON,
	ERR_BAD_BODY,
	ERR_INCOMPLETE_BODY,
	ERR_MISSING_BODY,
	ERR_UNEXPECTED_BODY,
	ERR_BAD_PATH,
	ERR_BAD_QUERY,
	ERR_BAD_HEADER,
	ERR_BAD_LENGTH,
	ERR_INVALID_RULESET,
	ERR_UNAUTHORIZED,
	ERR_FORBIDDEN,
	ERR_NOT_FOUND,
	ERR_METHOD_NOT_ALLOWED,
	ERR_CONFLICT,
	ERR_DUPLICATE,
	ERR_BAD_TRANSITION,
	ERR_HAS_CANDIDATES,
	ERR_HAS_OFFERS,
	ERR_HAS_PROPOSAL,
	ERR_OFFER_HAS_PROPOSAL,
	ERR_OFFER_NOT_OPEN,
	ERR_NO_RULESET,
	ERR_NO_WORKSTATION_VISIT,
	ERR_NOT_DUE,
	ERR_NO_OFFER,
	ERR_NOT_PAUSED,
	ERR_TOO_MANY_WEBHOOKS,
	ERR_ERASED,
	ERR_BODY_TOO_LARGE,
	ERR_BATCH_TOO_LARGE,
	ERR_ITEM_TOO_LARGE,
	ERR_UNSUPPORTED_MEDIA_TYPE,
	ERR_TOO_MANY_REQUESTS,
	ERR_TOO_MANY_STREAMS,
	ERR_HEADERS_TOO_LARGE,
	ERR_STORE_ERROR,
	ERR_READ_ERROR,
	ERR_BACKUP_FAILED,
	ERR_UNSUPPORTED_ENCODING,
	ERR_NO_MEMORY,
	ERR_STORE_BUSY,
	ERR_BUSY,
	ERR_UNAVAILABLE,
	ERR_STORE_FULL,
	ERR__N
};
struct derr {				/* an error, for the caller to answer */
	enum err_code	 code;
	char		 field[64];	/* the field or parameter, or "" */
	char		 message[256];	/* names the value and what was expected */
};
/* Set *e and return -1; the message is cut on a character boundary. */
int	 derr_set(struct derr *e, enum err_code, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Fill the zeroed record rec from j (NULL: an empty object) through its
 * schema; 0, or -1 with *e naming the first bad field.  rec stays
 * freeable with rec_clear either way. */
int	 derr_decode(struct derr *e, const struct schema *, json_t *j,
	    void *rec);
/* A project error code (IOD_E*) as an API error; returns -1. */
int	 derr_store(struct derr *e, int rc);

/* The context of a domain operation: who asks, in which txn; an operation
 * returns 0 (or a count) or -1 with err set, its results through OUT
 * parameters the caller owns. */
struct dctx {
	struct txn		*txn;	/* the (child) write txn or a read txn */
	const struct token	*tok;	/* who asks; NULL for a daemon task */
	const char		*actor;	/* for the event log */
	struct derr		 err;	/* set when an operation returns -1 */
};

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
/* The reference data's folder stored rule sets are compiled against
 * (borrowed for the daemon's life); the daemon sets it at start. */
void		 rulesets_set_refdir(const char *dir);
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

/* ---- proposal.c: proposals and their life cycle ----------------------- */
/* At start, after index_load (t a read txn, borrowed): the policy state
 * of the stored proposals (open ones, refusals) into the index. */
int	 proposal_load(struct txn *);
/* Move candidate id to status to if it is in status from (-1: any), in
 * the store, the event log and then the index. */
void	 proposal_candidate_status(struct dctx *, uint64_t candidate_id,
	    int from, int to);
/* A write task: expire the open proposals older than their rule set
 * allows; returns how many expired. */
int	 proposal_expire(struct dctx *);
/*
 * Record a new proposal of the candidate in slot for offer o (mo, its
 * prepared form) under rule set a, eligible among how many: the store
 * writes first, the index's policy state after them.  *p (OUT) is to
 * rec_clear either way.  0, or -1 with dc->err set.
 */
int	 proposal_record(struct dctx *, const struct offer *o,
	    const struct moffer *mo, const struct active *a, uint32_t slot,
	    uint32_t eligible, struct proposal *p);

struct ranked {				/* one candidate of a ranking */
	uint64_t	 candidate_id;
	char		*first_name;
	struct mparts	 parts;		/* its score, in parts */
};
struct proposal_match {			/* what matching an offer found */
	uint64_t	 offer_id;
	const char	*ruleset;	/* borrowed from the rule set in force */
	uint64_t	 ruleset_version;
	uint32_t	 eligible;
	uint32_t	 removed[FILTER__N];	/* by the first filter failed */
	int		 matched;	/* the match ran, and took took */
	struct timespec	 took;
	json_t		*proposal;	/* propose: the one recorded, or NULL */
	struct ranked	*ranked;	/* rank: best first */
	size_t		 nranked;
};
/*
 * The best candidate for offer offer_id, recorded as a proposal if there
 * is one (and the offer may have one).  *out (OUT) is to
 * proposal_match_free either way.  Returns 1 if a proposal was recorded,
 * 0 if no candidate is eligible, -1 with dc->err set.
 */
int	 proposal_propose(struct dctx *, uint64_t offer_id,
	    struct proposal_match *out);
/* The best limit candidates for offer offer_id, ranked, with their
 * scores' parts; nothing written.  *out as proposal_propose.  0 or -1. */
int	 proposal_rank(struct dctx *, uint64_t offer_id, size_t limit,
	    struct proposal_match *out);
void	 proposal_match_free(struct proposal_match *);
/*
 * Move proposal id by action (the transition's name: "meeting", "hire",
 * "refuse", "decline", "no-show", "withdraw"), with body's reason,
 * meeting or contract terms (borrowed, NULL: none).  *out (OUT, caller
 * decrefs) is the proposal after.  0, or -1 with dc->err set.
 */
int	 proposal_transition(struct dctx *, uint64_t id, const char *action,
	    json_t *body, json_t **out);

/* ---- batch.c: every open offer at once -------------------------------- */
struct batch_pair {			/* one offer and its candidate */
	uint64_t	 offer_id, candidate_id;
	uint64_t	 proposal_id;	/* 0 in a dry run */
	uint32_t	 eligible;
	int64_t		 score;
	const char	*conflict;	/* in conflicts: "offer_taken",
					   "candidate_taken", "ruleset_changed" */
};
struct batch_result {
	int		 dry_run;
	int64_t		 objective;	/* the sum of the pairs' scores */
	size_t		 offers, candidates, edges;	/* the problem's size */
	size_t		 edges_solved;	/* of edges, those the solves saw */
	uint32_t	 rounds;	/* solves until proven optimal */
	struct batch_pair *pairs;	/* offer by offer */
	size_t		 npairs;
	struct batch_pair *conflicts;	/* pairs of the answer taken while
					   it was solved: not recorded */
	size_t		 nconflicts;
	size_t		 recorded;	/* proposals written (not a dry run) */
};
struct batch_job;
/*
 * Start a batch, on the event loop: read the offers that may have a
 * proposal in dc's transaction, prepared for matching, and each slot's
 * candidate; *out (OUT) is the job, for batch_step, then batch_finish,
 * then batch_job_free.  0, or -1 with dc->err set.
 */
int	 batch_start(struct dctx *, int dry_run, int notify_fd,
	    struct batch_job **out);
/*
 * On the event loop, between other work: the edges of up to max more
 * offers from the index; once all are in, the solve starts in a thread of
 * its own, which writes one byte to notify_fd when done.  Returns 0
 * while edges remain, 1 once the solve started, -1 if the job failed
 * (batch_finish says why: out of memory, or a rule set replaced
 * meanwhile).
 */
int	 batch_step(struct batch_job *, size_t max);
/*
 * End job b on the event loop (waiting for its thread if need be): the
 * optimal assignment of candidates to the offers of the snapshot; unless
 * it is a dry run, each pair whose offer and candidate are still free is
 * recorded as a proposal in dc's write transaction, and the others are
 * reported in out->conflicts.  *out (OUT) is to batch_result_free either
 * way (out->recorded counts what was written, even on failure).  0, or
 * -1 with dc->err set.
 */
int	 batch_finish(struct dctx *, struct batch_job *b,
	    struct batch_result *out);
/* Free a job, waiting for its thread; accepts NULL. */
void	 batch_job_free(struct batch_job *);
void	 batch_result_free(struct batch_result *);

/* ---- access.c: who may see what --------------------------------------- */
int	 access_view(const struct token *);	/* VIEW_FULL or VIEW_COMPANY */
/* May the token see this record of db? 1 or 0. */
int	 access_record(const struct token *, enum store_db, const void *rec);
/* May the token be told of this event?  (Scope, and the person's consent.) */
int	 access_event(const struct token *, const struct event *);
/* The event as the token may read it (a company: the no-CV view). */
json_t	*access_event_json(const struct token *, const struct event *);

/* ---- records.c: what makes each record kind the team writes differ ----
 * The daemon's resource table (api-records.c) calls these around its
 * generic create, replace and delete; rec is the record being written,
 * old the one it replaces (NULL on create).  A check or a deletable
 * returns 0, or -1 with dc->err set; an index upkeep writes the index
 * keys of rec (NULL on delete) in place of old's.
 */
int	 records_exists(struct txn *, enum store_db, uint64_t id);	/* 1/0 */
/*
 * The one load of a record: id of db into rec (caller's, of sc's size,
 * zeroed or blanked before; cleared on error), as dc->tok may see it (any
 * record when NULL): outside its scope reads as absent ("no <noun> N"); an
 * erased candidate says so.  0 or -1.
 */
int	 records_load(struct dctx *, enum store_db, const struct schema *sc,
	    const char *noun, uint64_t id, void *rec);
int	 records_company_check(struct dctx *, void *rec, const void *old);
void	 records_company_index(struct txn *, const void *rec, const void *old);
int	 records_company_deletable(struct dctx *, const void *rec);
int	 records_offer_check(struct dctx *, void *rec, const void *old);
void	 records_offer_index(struct txn *, const void *rec, const void *old);
int	 records_offer_deletable(struct dctx *, const void *rec);
json_t	*records_offer_payload(const void *rec);	/* an event's ids */
int	 records_candidate_check(struct dctx *, void *rec, const void *old);
void	 records_candidate_index(struct txn *, const void *rec,
	    const void *old);
int	 records_candidate_deletable(struct dctx *, const void *rec);
json_t	*records_candidate_payload(const void *rec);
/* Keep the matching index in step: rec NULL on delete. */
int	 records_candidate_memory(const void *rec, uint64_t id);
int	 records_referent_check(struct dctx *, void *rec, const void *old);
void	 records_referent_index(struct txn *, const void *rec, const void *old);
int	 records_referent_deletable(struct dctx *, const void *rec);
/* The agency's own reference (external_ref), once per kind of record:
 * the id of the record of kind db that carries ref (NULL: none), 0 if
 * none; check: ERR_DUPLICATE on external_ref when another record than id
 * carries it; index: move the key from old to ref (either may be NULL). */
uint64_t records_external_find(struct txn *, enum store_db db,
	    const char *ref);
int	 records_external_check(struct dctx *, enum store_db db,
	    const char *ref, uint64_t id);
void	 records_external_index(struct txn *, enum store_db db,
	    const char *ref, const char *old, uint64_t id);
/* The right to erasure of c (loaded, caller's): wiped in place and
 * stored, the team's free text about them scrubbed, the event logged;
 * the daemon compacts the store after.  0 or -1. */
int	 records_erase(struct dctx *, struct candidate *c);

/* ---- placements and follow-up appointments: the records --------------- */

/* ---- calendar.c: the French public holidays --------------------------- */
/* The French public holiday on day d (its name), or NULL: the eleven of
 * the Code du travail (L3133-1), Easter Monday, Ascension and Whit Monday
 * included; not Alsace-Moselle's two more.  Pure; any thread. */
const char *holiday_fr(iod_date d);
iod_date easter_sunday(int year);	/* Gregorian, 1583 on */
/* d, or the first day after it that is neither a Sunday nor a holiday. */
iod_date working_day(iod_date d);
iod_date calendar_add_days(iod_date d, int n);	/* n may be negative */

/* ---- schedule.c: the follow-up plan of a placement -------------------- */
/* The dates of a placement; see schedule.c for how each is drawn. */
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

/* ---- placement.c: the hire, a placement, its early end ---------------- */
/* On hire (proposal.c's apply), body the request's (borrowed, NULL: none):
 * check the terms before anything is written, then create the placement
 * and its schedule.  0, or -1 with dc->err set. */
int	 placement_check(struct dctx *, json_t *body, const struct proposal *);
int	 placement_create(struct dctx *, json_t *body, const struct proposal *);
/* Placement id as dc->tok may see it, with its schedule: *out (caller's).
 * 0, or -1 with dc->err set (not_found when the token may not see it). */
int	 placement_get(struct dctx *, uint64_t id, json_t **out);
/* End placement id early ({on, reason}): cancels the appointments due
 * after on; *out the placement with "cancelled", the count.  0 or -1. */
int	 placement_end(struct dctx *, uint64_t id, json_t *body, json_t **out);
json_t	*placement_date_json(iod_date);	/* "YYYY-MM-DD", null for 0 */

/* ---- followup.c: an appointment's life, the reminders ----------------- */
/* A stored appointment ("no assessment" is -1): 0 or an IOD_E* code;
 * rec_clear *f either way. */
int	 followup_fetch(struct txn *, uint64_t id, struct followup *f);
int	 followup_decode(struct followup *f, const void *v, size_t vl);
int	 followup_overdue(const struct followup *, iod_date today);	/* 1/0 */
json_t	*followup_json(const struct followup *, iod_date today);
/* Names for people's eyes, cached between calls: "Amina D." and the
 * company's name; nm zeroed before the first. */
struct followup_names {
	uint64_t	 cand_id, company_id;
	char		 cand[128], company[208];
};
void	 followup_names(struct txn *, struct followup_names *nm,
	    uint64_t cand_id, uint64_t company_id);
/* Appointment id as dc->tok may see it: *out (caller's); 0 or -1. */
int	 followup_get(struct dctx *, uint64_t id, json_t **out);
/* action "done", "missed" or "cancel", with body {note, assessment, on}
 * (borrowed, NULL: none): *out the appointment after it.  0 or -1. */
int	 followup_transition(struct dctx *, uint64_t id, const char *action,
	    json_t *body, json_t **out);
struct followup_ids {			/* gathered by a scan */
	uint64_t	*v;		/* caller frees */
	size_t		 n, cap;
};
/* The planned appointments of a placement due after day after. 0 or -1. */
int	 followup_planned_after(struct dctx *, uint64_t placement_id,
	    iod_date after, struct followup_ids *ids);
/* Cancel them (the placement ended), each with its event. */
void	 followup_cancel_ids(struct dctx *, const struct followup_ids *ids,
	    int64_t now);
/* A write task: the due-tomorrow and overdue reminders, once each;
 * returns how many, or -1 with dc->err set. */
int	 placement_remind(struct dctx *);

/* ---- journal.c: the company journal ---------------------------------- */
/* A contact's company and offer exist, the offer is the company's; the
 * owner defaults to dc->actor.  A resource check: 0 or -1. */
int	 journal_contact_check(struct dctx *, void *rec, const void *old);
/* Index upkeep of a company's contacts (a resource index hook), and how
 * many contacts the company's journal holds. */
void	 journal_contact_index(struct txn *, const void *rec, const void *old);
size_t	 journal_company_contacts(struct txn *, uint64_t company_id);

/* ---- report.c, charter.c: the activity and charter reports ----------- */
struct report_params {			/* what the daemon read of the query */
	iod_date	 from, to;	/* the period, both days included */
	int		 programme;	/* enum programme; -1: all */
	const struct ruleset *rs;	/* territories; NULL: none active */
	const char	*from_text, *to_text;	/* as asked, echoed back */
	const char	*programme_text;	/* NULL: not asked */
};
/* The activity report of the period (the IOD table, follow-up and
 * retention, breakdowns): *out (caller's).  0, or -1 with dc->err set. */
int	 report_activity(struct dctx *, const struct report_params *,
	    json_t **out);
/* Each charter signatory's commitments against what was realised in the
 * period, per charter year and territory: *out {from, to, companies,
 * territories} (caller's).  0, or -1 with dc->err set (a period of more
 * than 20 years). */
int	 charter_report(struct dctx *, const struct report_params *,
	    json_t **out);
/* The charter report's CSV: its columns, and its rows (a new array of
 * arrays of scalars, caller's) for one line a company's or a territory's
 * action in a year, and the year's total of commitments. */
#define CHARTER_CSV_COLUMNS	16
extern const char *const charter_csv_columns[CHARTER_CSV_COLUMNS + 1];
json_t	*charter_csv_rows(json_t *report);
/* Helpers of both: is d in the period; a date or a string field of a
 * record read as JSON (0 or "" when absent). */
int	 report_in(const struct report_params *, iod_date d);
iod_date report_jdate(json_t *, const char *key);
const char *report_jstr(json_t *, const char *key);

/* ---- auth.c: bearer tokens, stored as hashes -------------------------- */
/* Look a presented secret up; 0 and *tok filled, or IOD_ENOTFOUND for an
 * unknown, revoked or expired token. */
int	 auth_lookup(struct txn *, const char *secret, struct token *tok);
/* Store a new token; secret NULL draws a random one.  *out_secret is the
 * secret to show once (caller frees). */
int	 auth_create(struct txn *, struct token *, const char *secret,
	    char **out_secret);
int	 auth_revoke(struct txn *, uint64_t id);
int	 auth_count(struct txn *);

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
/* Delete a slice of the entries older than the retention, oldest first,
 * in dc's write txn; returns how many.  *more (OUT) is 1 when the slice
 * was full and more may be left: the daemon runs it again, after the
 * commit. */
int	 audit_purge(struct dctx *, int *more);
void	 audit_set_retention(int days);
void	 audit_free(void);
/* The daemon's (server.c, notify.c), for the domain's timers: run fn in
 * a write txn of its own, outside any request, now (server_task: returns
 * what fn returned, or -1 if the commit failed), or after this turn's
 * commit (notify_defer: no write txn may be opened during a turn).  fn
 * gets a dctx with tok NULL and actor as given. */
int	 server_task(int (*fn)(struct dctx *), const char *actor);
void	 notify_defer(int (*fn)(struct dctx *), const char *actor);


#endif
