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
	ERR_PRECONDITION_FAILED,
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
	ERR_BAD_CREDENTIALS,
	ERR_ACCOUNT_LOCKED,
	ERR_CSRF,
	ERR_TOO_MANY_SIGN_INS,
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

/* ---- notice.c: who is told of an event by e-mail, in what words ------ */
#define NOTICE_REFERENT	(1ULL << 63)	/* key: a referent record's address */
struct notice {				/* one mail to one address */
	uint64_t	 key;		/* account id, or NOTICE_REFERENT | id */
	uint64_t	 candidate_id;	/* whom it is about */
	char		*to;
	int		 daily;		/* into the day's digest */
	char		*subject;	/* UTF-8, one line */
	char		*line;		/* the event in one sentence */
	char		*link;		/* the candidate in the console */
};
/* The mails ev (read in t) calls for, links under console_url: *out
 * (caller frees each with notice_clear, then the array), *n of them, none
 * for a type e-mail does not tell of.  0 or IOD_ENOMEM. */
int	 notice_for_event(struct txn *, const struct event *,
	    const char *console_url, struct notice **out, size_t *n);
void	 notice_clear(struct notice *);
/* The text of a mail of items [{line, link}] and more events not told
 * line by line (caller frees), CRLF lines. */
char	*notice_body(json_t *items, json_int_t more);
/* An account's preferences as the API shows them, defaults filled in. */
json_t	*notice_prefs_json(const struct account *);
/* Set account_id's preferences from body {email?, types?, mode?}; 0 with
 * *out what notice_prefs_json shows (caller's), or -1 with dc->err. */
int	 notice_prefs_set(struct dctx *, uint64_t account_id, json_t *body,
	    json_t **out);

/* ---- job.c: the job a proposal is about ------------------------------- */
/* {offer_title, company_id, company_name, commune, commune_name, contract,
 * start_on} of offer_id read in t (caller's json; null if the offer is
 * not found).  A proposal reply carries it as "job". */
json_t	*job_json(struct txn *, uint64_t offer_id);
/* The same of offer o and its company c (both borrowed, already read; c
 * zeroed if the company is not found): as JSON (caller's), or written
 * onto w, byte for byte what the JSON's compact dump would be. */
json_t	*job_json_of(const struct offer *o, const struct company *c);
void	 job_write(struct jw *w, const struct offer *o,
	    const struct company *c);

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
/* The name of insee's territory in the default rule set (the one the
 * reports and the labels use), NULL outside its territories or without
 * one; valid until the rule sets change.  A label_territory_fn. */
const char	*rulesets_territory(const char *insee);
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
/* Every stored version of name: {name, current, items: [{version,
 * origin, activated_at}]} (caller's), NULL if none; one's text (borrowed
 * until the txn ends) and origin (caller's): 0 or IOD_ENOTFOUND; compile
 * one as the daemon does (*rs or *errors, caller's). */
json_t		*rulesets_versions(struct txn *, const char *name);
int		 rulesets_version(struct txn *, const char *name,
		    uint64_t ver, const void **text, size_t *len,
		    json_t **origin);
int		 rulesets_compile(const char *name, const void *text,
		    size_t len, struct ruleset **rs, char **errors);

/* ---- replay.c: a past proposal searched again as it was made ----------
 * Proposal id (records_load's scope, checked now) searched by match_run
 * on its day, on the records, policy state and rule-set version of its
 * moment, in a thread that writes a byte to notify_fd when done: 0 with
 * *job, or -1 with dc->err.  replay_end (on the loop; it waits for the
 * thread) frees job: 0 with *out (caller's; out may be NULL) {same,
 * original, replayed, differences: [{what, why, cause, ...}], ...}, 1 when
 * it gave up for the store's growth (try again), or -1 with *err. */
struct replay_job;
int	 replay_start(struct dctx *, uint64_t id, int notify_fd,
	    struct replay_job **job);
int	 replay_end(struct replay_job *, struct derr *err, json_t **out);

/* ---- proposal.c: proposals and their life cycle ----------------------- */
/* At start, after index_load (t a read txn, borrowed): the policy state
 * of the stored proposals (open ones, refusals, the days each company was
 * sent one) and the interests (interest_load) into the index. */
int	 proposal_load(struct txn *);

/* ---- interest.c: positionnement, candidates' interest in offers ------ */
/* Load every interest into the index (t a read txn, borrowed): 0 or an
 * IOD_E* code.  proposal_load calls it. */
int	 interest_load(struct txn *);
/*
 * Record that candidate body.candidate_id expressed interest in offer
 * offer_id on body.on (YYYY-MM-DD, not after today) at the information
 * session body.session (a label, optional); the candidate must be in
 * dc->tok's scope.  *out (OUT, caller's) is {offer_id, candidate_id, on,
 * session?, created_at, by}.  Returns 1 when recorded, 0 when it
 * replaced the same pair's, -1 with dc->err set.
 */
int	 interest_add(struct dctx *, uint64_t offer_id, json_t *body,
	    json_t **out);
/* {items: [...]} (OUT, caller's): the offer's interests, those of dc's
 * scope only (a référent's own candidates).  0 or -1. */
int	 interest_list(struct dctx *, uint64_t offer_id, json_t **out);
/* Forget candidate_id's interest in offer_id (in dc's scope): 0 or -1. */
int	 interest_delete(struct dctx *, uint64_t offer_id,
	    uint64_t candidate_id);
/* Forget every interest of candidate_id (their erasure), in t and then
 * in the index: 0 or an IOD_E* code. */
int	 interest_erase(struct txn *, uint64_t candidate_id);
/* Interests whose day is in [from, to] of the candidates keep(id, arg)
 * says 1 to (keep NULL: all), and the sessions they were expressed at
 * (distinct day and label; interests with no label make one session of
 * their day), read in t.  0 or IOD_E*. */
int	 interest_count(struct txn *, iod_date from, iod_date to,
	    int (*keep)(uint64_t candidate_id, void *arg), void *arg,
	    uint64_t *interests, uint64_t *sessions);
/* Move candidate id to status to if it is in status from (-1: any), in
 * the store, the event log and then the index. */
void	 proposal_candidate_status(struct dctx *, uint64_t candidate_id,
	    int from, int to);
/* A write task: expire the open proposals older than their rule set
 * allows; returns how many expired. */
int	 proposal_expire(struct dctx *);
/*
 * Record a new proposal of the candidate in slot for offer o (mo, its
 * prepared form) under rule set a, eligible among how many, removed
 * (borrowed, FILTER__N counts; NULL from the batch, which does not count
 * them) the candidates each filter set aside: the store writes first, the
 * index's policy state after them.  *p (OUT) is to rec_clear either way.
 * 0, or -1 with dc->err set.
 */
int	 proposal_record(struct dctx *, const struct offer *o,
	    const struct moffer *mo, const struct active *a, uint32_t slot,
	    uint32_t eligible, const uint32_t *removed, struct proposal *p);

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
	uint32_t	 company_cap;	/* eligible, but the company had all
					   the proposals its period allows */
	int		 matched;	/* the match ran, and took took */
	struct timespec	 took;
	int		 proposed;	/* propose: one was recorded, prop */
	struct proposal	 prop;
	struct offer	 offer;		/* propose: the offer and its company, */
	struct company	 company;	/* read once for the match and reply */
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

/* ---- stall.c: stalled people and référents' caseloads (event loop) -- */
struct stall {				/* a candidate's stall */
	iod_date	 since;		/* orientation, or a later proposal */
	int32_t		 days;		/* today - since */
	int		 after_days;	/* their rule set's stalled_after_days */
};
struct stall_why {			/* why the open offers went to others */
	uint32_t	 offers;	/* open offers of their ROME families */
	uint32_t	 removed[FILTER__N];	/* by the first filter failed */
	uint32_t	 ranked_below;	/* eligible, someone else ranked first */
};
struct caseload {			/* a référent's people */
	uint64_t	 referent_id;
	uint32_t	 active, proposed, placed, in_followup, stalled;
	uint32_t	 cap;		/* the default rule set's caseload_max */
	int		 over_cap;	/* active + in_followup > cap */
};
/* Forget the last proposals (proposal_load fills them again) and the
 * cached answers; stall_free at exit.  A proposal on day on: 0/ENOMEM. */
void	 stall_reset(void);
void	 stall_free(void);
int	 stall_proposed(uint64_t candidate_id, iod_date on);
/* The rule set of a programme's people: the default if it admits it,
 * else the first active one that does, else the default (NULL: none). */
const struct active *stall_ruleset(int programme);
/* 1 with *s if c (the index's, may be NULL) is stalled today, else 0. */
int	 stall_of(const struct mcand *c, iod_date today, struct stall *s);
/* Why c was set aside by the open offers of its ROME families as t sees
 * them (cached until the next event): 0 or an IOD_E* code. */
int	 stall_reasons(struct txn *t, const struct mcand *c, iod_date today,
	    struct stall_why *w);
/* {since, days, after_days, reasons: {filter: count}, ranked_below,
 * offers} for a stalled c, else NULL (new reference). */
json_t	*stall_json(struct txn *t, const struct mcand *c, iod_date today);
/* Référent referent_id's caseload into *out, every référent counted in
 * one pass cached until the next event: 0 or an IOD_E* code. */
int	 stall_caseload(struct txn *t, uint64_t referent_id, iod_date today,
	    struct caseload *out);
json_t	*stall_caseload_json(const struct caseload *);
/* A write task: each new stall (candidate.stalled) and référent newly
 * over the cap (referent.over_cap) announced once; how many, or -1. */
int	 stall_sweep(struct dctx *);
int	 stall_due(void);	/* 1 the first time it is called on a day */

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
	uint32_t	 company_cap;	/* offers left without a pair by the
					   cap on proposals per company */
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
/* Does the token see every record of db, whatever it holds?  1 or 0:
 * then access_record is 1 for each, and a count needs no record read. */
int	 access_whole(const struct token *, enum store_db);
/* The référent whose candidates (DB_REFCANDS) hold every record of
 * db the token may see, or 0 when the token's scope is not that. */
uint64_t access_referent(const struct token *, enum store_db);
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
/* An event's ids, packed as its data (event_open). */
void	 records_offer_payload(msgpack_packer *, const void *rec);
int	 records_candidate_check(struct dctx *, void *rec, const void *old);
void	 records_candidate_index(struct txn *, const void *rec,
	    const void *old);
int	 records_candidate_deletable(struct dctx *, const void *rec);
void	 records_candidate_payload(msgpack_packer *, const void *rec);
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
/* d, or the first day after it that is a working day: Monday to Friday
 * and not a holiday.  Pure; any thread. */
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

/* ---- feed.c: private calendar URLs ------------------------------------ */
/* Body {owner} or {referent_id} (borrowed): a new link the token may make
 * (admin, iod: any; a référent: their own); *out {id, owner?, referent_id?,
 * created_by, created_at, url: "/cal/SECRET.ics"}, the secret shown this
 * once.  0, or -1 with dc->err set. */
int	 feed_create(struct dctx *, json_t *body, json_t **out);
/* The links the token may see: *out {total, items, next_cursor}.  0/-1. */
int	 feed_list(struct dctx *, json_t **out);
/* Revoke (delete) link id if the token may see it.  0, or -1 (not found
 * for a link of another). */
int	 feed_revoke(struct dctx *, uint64_t id);
/* The link whose secret is secret (found by its hash): 0 with *l filled
 * (caller rec_clear()s it), or IOD_ENOTFOUND, or another store error. */
int	 feed_lookup(struct txn *, const char *secret,
	    struct calendar_link *l);
/* The scope a link reads with: an iod token of its owner or a referent
 * token of its référent (*scope borrows l's strings; not to be cleared). */
void	 feed_scope(const struct calendar_link *l, struct token *scope);

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

#include "accounts.h"

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
