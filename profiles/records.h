/*
 * records.h — the records of the matching (proposals, placements, follow-up
 * appointments), of the company journal and of the admin (tokens, webhooks):
 * their structs and schemas.  Included by profiles.h; not on its own.
 */
#ifndef IOD_RECORDS_H
#define IOD_RECORDS_H

/* ---- the matching's records (records-track.c) --------------------------
 * Proposals, placements and their follow-up appointments, and the body of
 * a hire: their structs and schemas.  What they mean is matcher/domain/'s.
 */
enum proposal_status {
	PROP_PROPOSED, PROP_MEETING, PROP_HIRED, PROP_REFUSED, PROP_DECLINED,
	PROP_NO_SHOW, PROP_WITHDRAWN, PROP_EXPIRED, PROP__N
};
extern const char *const proposal_status_names[];
struct score_part {
	char		*criterion;	/* "public:rsa", "same_territory" */
	int64_t		 points;
};
struct removal {			/* candidates a filter set aside */
	char		*filter;	/* "rome", "cooldown" (filter_names) */
	int64_t		 count;
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
	struct removal	*removed;	/* by filter, as the search counted;
					   none for the batch's */
	size_t		 nremoved;
	int		 status;	/* enum proposal_status */
	struct meeting	 meeting;
	char		*reason;
	iod_date	 proposed_on, decided_on;
	int64_t		 created_at, updated_at;
};
extern const struct schema proposal_schema;
extern const struct schema meeting_schema;	/* a proposal's meeting */

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
	iod_date	 done_on;	/* the day it took place (done) */
	iod_date	 missed_on;	/* the day it was missed; 0: none,
					   or a record of version 1 */
	int		 reminded_due;	/* bool: followup.due_tomorrow sent */
	int		 reminded_overdue;	/* bool: followup.overdue sent */
	int64_t		 created_at, updated_at;
};
extern const struct schema placement_schema, followup_schema;

/* A private calendar URL: the follow-up calendar of one chargé de mission
 * (owner) or of one référent's candidates (referent_id), read by whoever
 * holds the secret in its path; only the secret's hash is kept. */
struct calendar_link {
	uint64_t	 id;
	char		*owner;		/* a chargé de mission, or NULL */
	uint64_t	 referent_id;	/* or a référent; 0: none */
	char		*hash;		/* hex BLAKE2b of the secret */
	char		*created_by;	/* who made it */
	int64_t		 created_at;
};
extern const struct schema calendar_link_schema;

/* The body of POST /v1/proposals/{id}/hire: the contract's terms. */
struct hire_body {
	int		 contract;
	iod_date	 start_on;
	int64_t		 weekly_hours, trial_weeks, duration_months;
	char		*reason;	/* the transition's, read by proposal.c */
};

extern const struct schema hire_schema;

/* ---- the company journal (records-journal.c) ---------------------------
 * Every contact of the team with a company, dated: the prospection, the
 * presentation of the method, the negotiation of an offer, the
 * workstation visit, a recruitment meeting (mise en relation), the
 * follow-up with the employer.  The note is the team's and never shown
 * to a company.
 */
enum contact_kind { CONTACT_PROSPECTION, CONTACT_PRESENTATION,
	CONTACT_NEGOTIATION, CONTACT_WORKSTATION_VISIT, CONTACT_RECRUITMENT,
	CONTACT_EMPLOYER_FOLLOWUP, CONTACT__N };
extern const char *const contact_kind_names[];

struct journal_contact {
	uint64_t	 id;
	int		 kind;		/* enum contact_kind */
	iod_date	 on;
	uint64_t	 company_id;
	uint64_t	 offer_id;	/* 0: no offer */
	char		*owner;		/* the chargé de mission */
	char		**met;		/* who the team met at the company */
	size_t		 nmet;
	char		*note;
	int64_t		 created_at, updated_at;
};
extern const struct schema journal_contact_schema;

/* ---- the admin's records (records-admin.c) -----------------------------
 * Tokens (who may do what), webhooks (who is told of what), and the
 * accounts people sign in with and their sessions.
 */
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
	uint64_t	 account_id;	/* a session's account; 0: a bearer
					   token (not stored: set on lookup) */
};
extern const struct schema token_schema;

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
	char		**types;		/* event types heard of; none: all */
	size_t		 ntypes;
	int64_t		 created_at, updated_at;
};
extern const struct schema webhook_schema;

/* What an account is told of by e-mail; absent (mode NULL): every type
 * of mail_type_names, at once, if the account has an address. */
struct notify_prefs {
	int		 email;		/* bool: send e-mail */
	uint32_t	 types;		/* set of mail_type_names; 0: all */
	char		*mode;		/* "immediate" or "daily" */
};
extern const struct schema notify_prefs_schema;

/* A person's account: a login and a password (only its argon2id hash,
 * crypto_pwhash_str's string, is kept), the role and the record a
 * referent or a company account stands for. */
struct account {
	uint64_t	 id;
	char		*login;		/* unique: "cm-martin" */
	int		 role;		/* enum role */
	uint64_t	 referent_id;	/* scope of a referent account */
	uint64_t	 company_id;	/* scope of a company account */
	char		*name, *email;
	char		*password_hash;	/* never shown */
	int64_t		 failures;	/* consecutive failed sign-ins */
	int64_t		 locked_until;	/* unix seconds; 0: not locked */
	int		 disabled;	/* bool: may not sign in */
	struct notify_prefs notifications;
	int64_t		 created_at, updated_at;
};
extern const struct schema account_schema;

/* A signed-in session, stored under the BLAKE2b hash of its secret (the
 * cookie's value is never stored). */
struct session {
	uint64_t	 id;
	uint64_t	 account_id;
	char		*csrf;		/* the X-CSRF-Token writes carry */
	int64_t		 created_at, expires_at;
	int64_t		 seen_at;	/* last use, as last written */
};
extern const struct schema session_schema;

#endif /* IOD_RECORDS_H */
