/*
 * profiles/ — the data iod keeps: every record type and its schema (the
 * team's companies, offers, candidates and referents; the matching's
 * proposals, placements and follow-ups; the admin's tokens and webhooks),
 * their validation against the shipped reference data, the schema-driven
 * JSON and msgpack codecs, the LMDB store with its indexes and event log,
 * and hmap.  What the records mean (life cycles, rights) is matcher/'s;
 * nothing here knows about HTTP or rule sets.
 *
 * Domain words stay in French where there is no honest English one:
 * siret (company registration number), rome (job code of France Travail's
 * Répertoire Opérationnel des Métiers), qpv (quartier prioritaire de la
 * politique de la ville), referent (référent de parcours), PLIE (plan local
 * pour l'insertion et l'emploi).
 */
#ifndef IOD_PROFILES_H
#define IOD_PROFILES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <msgpack.h>

/* Project error codes: 0 is success, failures are negative. */
enum iod_err {
	IOD_OK = 0,
	IOD_EINVAL = -1,	/* invalid input: a field is wrong */
	IOD_ENOTFOUND = -2,
	IOD_ECONFLICT = -3,	/* duplicate, or a transition that is refused */
	IOD_ENOMEM = -4,
	IOD_EIO = -5,		/* store failure */
	IOD_EMAPFULL = -6,	/* LMDB map full: grow and retry */
	IOD_ECORRUPT = -7,	/* a stored record does not decode */
	IOD_EFORBIDDEN = -8,
	IOD_ETOOBIG = -9,
	IOD_ENOSPC = -10,	/* no room left on the disk */
};
const char	*iod_strerror(int);

/* ---- dates (valid.c) ---------------------------------------------------
 * A date is a uint32_t yyyymmdd (20261123); 0 means "not set".
 */
typedef uint32_t iod_date;
int		 date_parse(const char *, iod_date *);	/* 0 or IOD_EINVAL */
void		 date_format(iod_date, char out[11]);
int32_t		 date_to_days(iod_date);	/* days since 1970-01-01 */
iod_date	 date_from_days(int32_t);
int		 date_weekday(iod_date);	/* 0 = Monday ... 6 = Sunday */
iod_date	 date_add_months(iod_date, int);
iod_date	 date_today(void);	/* or IOD_TODAY=YYYY-MM-DD */
/* Make date_today() answer day (0: the clock again) in the calling
 * thread only, while a replay searches as on a past day. */
void		 date_set_today(iod_date day);
int		 siret_valid(const char *);	/* 14 digits, Luhn */
int		 utf8_valid(const char *, size_t);
/* The most bytes of s, at most max, that end on a character boundary:
 * for "%.*s" instead of "%.40s", which may cut a character in two. */
size_t		 utf8_cut(const char *s, size_t max);
/* The byte length of s's first character (its initial), 0 if s is empty
 * or does not start with a valid UTF-8 character. */
size_t		 utf8_initial(const char *s);
/* A copy of s with each malformed byte replaced by U+FFFD; caller frees,
 * NULL if out of memory. */
char		*utf8_repair(const char *s);
int		 email_valid(const char *);

/* ---- fold.c: text folded for searching --------------------------------
 * s folded into out (cap bytes, NUL-terminated, cut where it is full):
 * lower case, Latin letters without accents, ligatures spelt out (œ oe),
 * each run of punctuation and spaces one space, none at either end.
 * Returns the folded length.  Pure; any thread.
 */
#define TEXT_FOLD_MAX	256	/* a buffer for a name or a label */
size_t		 text_fold(const char *s, char *out, size_t cap);
/* 1 if every word of words (folded) begins a word of text (folded), in
 * any order ("lyon 3" in "lyon 3e arrondissement"); an empty words is in
 * any text.  Pure. */
int		 text_words_in(const char *words, const char *text);

/* ---- enumerations (model.c) --------------------------------------------
 * Each enum has a NULL-terminated table of its wire names, indexed by
 * value.  Sets of an enum are uint32_t bit masks (1u << value).
 */
enum contract_type {
	CONTRACT_CDI, CONTRACT_CDD, CONTRACT_CTT, CONTRACT_PMSMP,
	CONTRACT_APPRENTISSAGE, CONTRACT_PROFESSIONNALISATION, CONTRACT_CDDI,
	CONTRACT_PEC, CONTRACT__N
};
enum schedule { SCHEDULE_EARLY, SCHEDULE_NIGHT, SCHEDULE_WEEKEND, SCHEDULE__N };
enum requirement { REQ_LICENCE_B, REQ_VEHICLE, REQ__N };
enum public_cat {
	PUBLIC_RSA, PUBLIC_DELD, PUBLIC_YOUTH, PUBLIC_SENIOR, PUBLIC_RQTH,
	PUBLIC_REFUGEE, PUBLIC_JUSTICE, PUBLIC_SINGLE_PARENT, PUBLIC__N
};
enum programme {
	PROGRAMME_PLIE, PROGRAMME_MISSION_LOCALE, PROGRAMME_CAP_EMPLOI,
	PROGRAMME_FRANCE_TRAVAIL, PROGRAMME_SIAE, PROGRAMME_OTHER, PROGRAMME__N
};
enum sex { SEX_F, SEX_M, SEX__N };
enum zone { ZONE_COMMUNE, ZONE_TERRITORY, ZONE_METROPOLE, ZONE__N };
enum consent_scope { CONSENT_MATCHING, CONSENT_MATCHING_FOLLOWUP, CONSENT__N };
enum candidate_status {
	CAND_ACTIVE, CAND_ON_HOLD, CAND_PLACED, CAND_EXITED,
	CAND_ERASED,		/* identity wiped at the person's request */
	CAND__N
};
enum offer_status { OFFER_OPEN, OFFER_DRAFT, OFFER_FILLED, OFFER_CLOSED, OFFER__N };
enum charter_status {
	CHARTER_SIGNED, CHARTER_RENEWED, CHARTER_LAPSED, CHARTER_WITHDRAWN,
	CHARTER__N
};
/* The charter's 19 actions, in the form's order and six groups
 * (action_groups[] gives each action's group, charter_group_names[] the
 * groups' codes). */
enum charter_action {
	ACTION_RECRUIT_DURABLE, ACTION_ADAPTED_TRAINING,
	ACTION_INNOVATIVE_RECRUITMENT, ACTION_JOB_FAIRS, ACTION_SEND_OFFERS,
	ACTION_ANTI_DISCRIMINATION, ACTION_INCLUSION_PARTNERSHIPS,
	ACTION_SOCIAL_CLAUSES, ACTION_SCHOOL_INTERNSHIPS_QPV, ACTION_IMMERSION,
	ACTION_ADVICE_INTERVIEWS, ACTION_MOCK_INTERVIEWS, ACTION_MENTORING,
	ACTION_JOB_DISCOVERY_EVENTS, ACTION_COMPANY_VISITS,
	ACTION_EMPLOYER_COLLECTIVE, ACTION_HR_PRACTICES,
	ACTION_CHARTER_AMBASSADOR, ACTION_LOCAL_NETWORK, ACTION__N
};
#define CHARTER_GROUPS	6

/* How a person left the programme (a candidate's exit, the positive exits
 * of a rule set's outcomes). */
enum exit_kind {
	EXIT_DURABLE_EMPLOYMENT,	/* CDI, or CDD of the rule set's months */
	EXIT_TRANSITIONAL_EMPLOYMENT,	/* other contracts, immersions */
	EXIT_QUALIFYING_TRAINING,	/* leading to a qualification */
	EXIT_WORK_STUDY,		/* alternance (work-study) */
	EXIT_BUSINESS_CREATION,
	EXIT_RETURN_TO_SCHOOL,
	EXIT_OTHER,
	EXIT__N
};

extern const char *const contract_names[];
extern const char *const schedule_names[];
extern const char *const requirement_names[];
extern const char *const public_names[];
extern const char *const programme_names[];
extern const char *const sex_names[];
extern const char *const zone_names[];
extern const char *const consent_names[];
extern const char *const candidate_status_names[];
extern const char *const offer_status_names[];
extern const char *const charter_status_names[];
extern const char *const action_names[];
/* The action codes of records written before the form's 19 actions, and
 * what each is now: {old, new, ..., NULL} (model-charter.c). */
extern const char *const action_renamed[];
extern const char *const charter_group_names[CHARTER_GROUPS + 1];
extern const int action_groups[ACTION__N];	/* index in charter_group_names */
extern const char *const exit_names[];
int		 enum_lookup(const char *const *, const char *);	/* -1 if none */
struct field;
/* enum_lookup in f's names, then in the names it had before (f->renamed):
 * the value now, or -1. */
int		 enum_lookup_renamed(const struct field *f, const char *);

/* ---- the model (model.c) ----------------------------------------------- */
#define ROME_LEN	5	/* "K2204" */
#define INSEE_LEN	5	/* "69381" */

struct contact {
	char		*name, *role, *phone, *email;
};
struct charter {
	char		*name;
	iod_date	 signed_on;
	int		 status;		/* enum charter_status, -1 unset */
	struct contact	 contact;		/* the company's charter contact */
	int		 national_network;	/* bool: in the national network */
	char		**other_charters;	/* other charters signed */
	size_t		 nother_charters;
};
struct commitment {
	int		 action;		/* enum charter_action */
	int64_t		 year;			/* charter year; 0: every year */
	int		 done_before;		/* bool */
	int		 committed;		/* bool */
	int64_t		 publics_per_year;
	int64_t		 days_per_year;
};
/* A charter action the team recorded as done (what iod sees itself, hires
 * and offers, the charter report counts from its own data). */
struct realisation {
	iod_date	 on;
	int		 action;		/* enum charter_action */
	int64_t		 publics;		/* publics reached */
	int64_t		 days;
	char		*note;			/* the team's; F_NOTE */
};
struct company {
	uint64_t	 id;
	char		*siret, *name, *commune, *external_ref;
	int64_t		 fte;
	struct charter	 charter;
	struct commitment *commitments;
	size_t		 ncommitments;
	struct realisation *realisations;
	size_t		 nrealisations;
	int64_t		 fte_metropole;		/* FTE on the Métropole */
	uint32_t	 favoured_publics;	/* set of enum public_cat */
	struct contact	 contact;
	int64_t		 created_at, updated_at;	/* unix seconds */
};

struct visit {
	iod_date	 on;
	char		*notes;
};
struct offer {
	uint64_t	 id;
	uint64_t	 company_id;
	char		*title, *rome, *appellation, *commune, *external_ref;
	int		 contract;		/* enum contract_type */
	int64_t		 duration_months;	/* 0 for open-ended */
	int64_t		 weekly_hours;
	uint32_t	 schedule;		/* set of enum schedule */
	iod_date	 start_on;
	uint32_t	 requirements;		/* set of enum requirement */
	struct visit	 workstation_visit;
	char		*ruleset, *owner;
	int		 status;		/* enum offer_status */
	int64_t		 created_at, updated_at;
};

struct mobility {
	int		 licence_b, vehicle;	/* bool */
	int		 zone;			/* enum zone */
};
struct consent {
	iod_date	 on;			/* 0: no consent recorded */
	int		 scope;			/* enum consent_scope, -1 unset */
};
struct exit_ {
	iod_date	 on;			/* 0: still followed */
	int		 kind;			/* enum exit_kind */
};
struct candidate {
	uint64_t	 id;
	char		*first_name, *last_name, *external_ref;
	iod_date	 birth_date;
	int		 sex;			/* enum sex */
	char		*commune;
	int		 qpv;			/* bool: lives in a QPV */
	char		*qpv_code;		/* which one, when known */
	int		 programme;		/* enum programme */
	uint64_t	 referent_id;
	iod_date	 oriented_on;
	uint32_t	 publics;		/* set of enum public_cat */
	char		**rome;			/* sought ROME codes */
	size_t		 nrome;
	uint32_t	 contracts;		/* set of enum contract_type */
	int64_t		 max_weekly_hours;
	uint32_t	 schedule_ok;		/* set of enum schedule */
	struct mobility	 mobility;
	iod_date	 available_on;
	struct consent	 consent;
	struct exit_	 exit;			/* when and how they left */
	int		 status;		/* enum candidate_status */
	int64_t		 created_at, updated_at;
};

struct referent {
	uint64_t	 id;
	char		*name, *structure, *email, *external_ref;
	int64_t		 created_at, updated_at;
};

/* ---- schema-driven codecs (schema.c) -----------------------------------
 * Each record type is described by a table of fields; one walker per
 * format reads and writes every type.  Field flags:
 */
enum field_type {
	FT_ID,		/* uint64_t, server-assigned */
	FT_REF,		/* uint64_t id of another record */
	FT_STR,		/* char *, UTF-8, max length in .max */
	FT_INT,		/* int64_t in [min, max] */
	FT_BOOL,	/* int */
	FT_DATE,	/* iod_date */
	FT_TIME,	/* int64_t unix seconds, server-set */
	FT_ENUM,	/* int, names in .names */
	FT_SET,		/* uint32_t mask, array of names in .names */
	FT_STRV,	/* char **, count at .cnt */
	FT_OBJ,		/* embedded struct described by .sub */
	FT_OBJV,	/* array of structs at .off, count at .cnt, by .sub */
};
#define F_REQUIRED	0x01	/* must be present on create */
#define F_RO		0x02	/* set by the server; ignored on input */
#define F_PERSONAL	0x04	/* identifies a person: erased on request */
#define F_SENSITIVE	0x08	/* social category: never shown to a company */
#define F_NULLABLE	0x10	/* may be null or absent */
#define F_NOCV		0x20	/* shown in the no-CV view despite F_PERSONAL */
#define F_CV		0x40	/* CV-like: never in the no-CV view */
#define F_NOTE		0x80	/* free text written by the team: never in
				   the no-CV view */

struct schema;
struct field {
	const char	*name;
	enum field_type	 type;
	size_t		 off;
	size_t		 cnt;		/* FT_STRV, FT_OBJV: offset of size_t count */
	int		 flags;
	int64_t		 min, max;	/* FT_INT range; FT_STR/FT_STRV max bytes */
	const char *const *names;	/* FT_ENUM, FT_SET */
	const struct schema *sub;	/* FT_OBJ, FT_OBJV */
	/* FT_ENUM: names a record of an earlier schema version (or a JSON
	 * body) may carry, and what each is now: {old, new, ..., NULL}. */
	const char *const *renamed;
	/* Extra check of a string value: 0 or IOD_EINVAL with *cause set. */
	int		(*check)(const char *, char **cause);
};
struct schema {
	const char	*name;		/* "company" */
	size_t		 size;		/* sizeof the struct */
	const struct field *fields;	/* terminated by .name == NULL */
	int		 version;	/* record schema version */
};
/* A company's charter parts (model-charter.c), company_schema's fields. */
extern const struct schema charter_schema, commitment_schema,
    realisation_schema;
extern const struct schema company_schema, offer_schema, candidate_schema,
    referent_schema;
/* A person to call at a company (the company's, the charter's). */
extern const struct schema contact_schema;

/*
 * rec_from_json: fill the zeroed struct rec from the JSON object j,
 * validating every field.  On error returns IOD_EINVAL, sets *field to the
 * dotted path of the first bad field ("mobility.zone", "rome[2]") and
 * *cause to a message naming the value and what was expected; the caller
 * frees both.  rec is left freeable with rec_clear either way.
 */
int	 rec_from_json(const struct schema *, void *rec, json_t *j,
	    char **field, char **cause);
/* Views for rec_to_json: what the reader may see. */
#define VIEW_FULL	0
#define VIEW_COMPANY	1	/* no-CV view: drops F_SENSITIVE, F_PERSONAL
				   (unless F_NOCV), F_CV and F_NOTE fields */
json_t	*rec_to_json(const struct schema *, const void *rec, int view);
/* The top-level field called name that a reader with this view sees, or
 * NULL (no such field, or one the view hides). */
const struct field *rec_field(const struct schema *, const char *name,
	    int view);
/* The value of rec's field f (rec_field's) as rec_to_json shows it,
 * without its labels (caller's json). */
json_t	*rec_field_json(const struct field *f, const void *rec, int view);
/*
 * label.c: the names beside the codes.  rec_to_json adds, after each
 * field checked against the reference data, its label(s): commune ->
 * commune_name and territory, rome -> rome_label (rome_labels for a list,
 * same order), appellation -> appellation_label; null when the code is
 * null or unknown.  rec_from_json ignores those keys (label_is).  The
 * territory of a commune comes from fn (NULL: always null), which the
 * daemon sets once at start; fn returns a name valid until the next
 * rule set swap, or NULL outside the territories.
 */
typedef const char *(*label_territory_fn)(const char *insee);
void	 label_set_territory(label_territory_fn fn);
/* Add to o the labels of f, whose JSON value v was just set in o. */
void	 label_add(json_t *o, const struct field *f, json_t *v);
/* The label keys of f into keys: how many (0: f has none). */
#define LABEL_KEY_MAX	64
int	 label_keys(const struct field *f, char keys[2][LABEL_KEY_MAX]);
/* 1 if k is a label key of one of sc's top-level fields, else 0. */
int	 label_is(const struct schema *sc, const char *k);
/* The label keys[k] of f (label_keys') shows for the code (one element
 * of a list), borrowed; NULL for a null or unknown code. */
const char *label_value(const struct field *f, int k, const char *code);
/*
 * schema-jw.c: JSON text written straight from a record or from values,
 * byte for byte what json_dumpb(JSON_COMPACT) writes of the tree
 * rec_to_json or json_pack would build (objects in their order, "/" and
 * non-ASCII as they are, control bytes escaped), without the tree.  The
 * buffer grows by realloc; a failed allocation sets failed and makes the
 * rest no-ops.  The caller owns p (free it, or hand it on).
 */
struct jw {
	char	*p;
	size_t	 len, cap;
	int	 failed;
};
void	 jw_raw(struct jw *, const char *s, size_t n);
void	 jw_int(struct jw *, int64_t v);
/* s quoted and escaped; NULL writes null. */
void	 jw_str(struct jw *, const char *s);
void	 jw_strn(struct jw *, const char *s, size_t n);
/* "key": after a comma, unless it is the first member of its object. */
void	 jw_key(struct jw *, const char *key);
/* rec as rec_to_json(sc, rec, view) shows it, labels included. */
void	 jw_rec(struct jw *, const struct schema *sc, const void *rec,
	    int view);
/* The same with its object left open, for members the caller adds
 * (jw_key) before jw_close. */
void	 jw_rec_open(struct jw *, const struct schema *sc, const void *rec,
	    int view);
#define jw_open(w)	jw_raw((w), "{", 1)
#define jw_close(w)	jw_raw((w), "}", 1)
/* Pack rec as a msgpack map with a "v" schema version key. */
int	 rec_pack(const struct schema *, const void *rec, msgpack_packer *);
/* Decode a stored record; IOD_ECORRUPT if it does not fit the schema. */
int	 rec_unpack(const struct schema *, void *rec, const msgpack_object *);
/* Encode to a malloc'd buffer (rec_pack's bytes, written without the
 * packer's callback a token) / decode from bytes. */
int	 rec_encode(const struct schema *, const void *rec, char **buf,
	    size_t *len);
int	 rec_decode(const struct schema *, void *rec, const void *buf,
	    size_t len);
void	 rec_clear(const struct schema *, void *rec);	/* frees members */

/*
 * schema-mpin.c: decode the msgpack map (buf, len), a record sent by a
 * client, into rec (from rec_new) as rec_from_json would decode the same
 * record sent as JSON, reading the bytes in place.  Returns 0 when the
 * record is decoded and valid; IOD_EINVAL when it is not sure (any
 * unusual or invalid item): then rec_clear rec and take the slow way
 * (wire_item_json and rec_from_json on a new rec), which also says what
 * is wrong.  Any thread.
 */
int	 rec_from_mp(const struct schema *, void *rec, const void *buf,
	    size_t len);

#include "schema-fast.h"

/* ---- CSV rows (csv.c) ------------------------------------------------- */
#include <stdio.h>
struct csv {
	FILE		*f;
	int		 owned;
	char		*line, *buf;
	size_t		 linecap, len, cap;
	char		**fields;	/* the current row, borrowed */
	size_t		 nfields;
	size_t		 lineno;	/* last line read */
	size_t		 rowline;	/* line the current row starts on */
	char		 sep;		/* between cells; 0 is ',' */
};
int	 csv_open(struct csv *, const char *path);
void	 csv_init(struct csv *, FILE *);	/* the caller keeps the FILE */
int	 csv_next(struct csv *, char **cause);	/* 1 row, 0 EOF, <0 error */
void	 csv_close(struct csv *);
int	 csv_column(char **header, size_t n, const char *name);
/* ';' if the first line of buf has more of them than ',' outside quotes. */
char	 csv_sniff(const char *buf, size_t len);
/*
 * One RFC 4180 cell for every CSV iod writes: s (NULL is empty) quoted
 * when it holds a comma, a quote, CR or LF, quotes doubled, and a cell
 * that a spreadsheet would run as a formula (starting with =, +, -, @,
 * tab or CR) prefixed with a ' inside quotes.  Returns a string the
 * caller frees, NULL if out of memory.
 */
char	*csv_cell(const char *s);
/* csv_cell for a file of sep-separated cells (',' or ';'): a cell that
 * holds sep is quoted too. */
char	*csv_cell_sep(const char *s, char sep);

/* ---- reference data (refdata.c) ----------------------------------------
 * The territory's communes, QPV and the ROME tables, loaded from CSV files
 * in a data directory (the project ships the Métropole de Lyon's).
 */
struct commune {
	char		 insee[INSEE_LEN + 1];
	char		*name;
	char		*postal_codes;	/* "69001 69002"; "" when unknown */
	char		*folded;	/* name, text_fold()ed */
	int64_t		 population;
};
struct refdata {
	struct commune	*communes;
	size_t		 ncommunes;
	char		**rome;		/* sorted "A1101".. */
	char		**rome_names;
	size_t		 nrome;
	char		**appellations;	/* sorted codes */
	char		**appellation_rome;
	size_t		 nappellations;
};
/* Load DIR/{communes,rome-codes,rome-appellations}.csv; 0 or error. */
int	 refdata_load(const char *dir, char **cause);
void	 refdata_free(void);
const struct refdata *refdata_get(void);
const struct commune *refdata_commune(const char *insee);
const char *refdata_rome_name(const char *rome);	/* NULL if unknown */
/* Position in the sorted tables (stable while loaded), -1 if unknown. */
int	 refdata_commune_index(const char *insee);
int	 refdata_rome_index(const char *rome);
const char *refdata_appellation_rome(const char *code);
/* The appellation's name, NULL if unknown or not in the file. */
const char *refdata_appellation_name(const char *code);
/*
 * The searches, linear scans of the loaded tables, results in the order
 * given, each passed to fn (borrowed strings, valid while loaded); they
 * return how many matched.  Communes: q of digits (up to 5) is a postal
 * code and an INSEE code, or their beginnings, every commune of either
 * given ("postal_code" first, then "insee": 69003 is Lyon 3e's postal
 * code and Albigny-sur-Saône's INSEE code); else each word of q begins a
 * word of the name, case and accents blind ("name").  ROME: a letter and
 * up to four digits is a ROME code's beginning ("rome"); digits an
 * appellation code's ("appellation"); else words of the ROME labels
 * ("label", appellation NULL), then of the appellations ("appellation").
 */
typedef void (*refdata_commune_fn)(void *arg, const struct commune *,
	    const char *matched);
typedef void (*refdata_rome_fn)(void *arg, const char *rome,
	    const char *label, const char *appellation,
	    const char *appellation_label, const char *matched);
size_t	 refdata_find_communes(const char *q, refdata_commune_fn, void *arg);
size_t	 refdata_find_rome(const char *q, refdata_rome_fn, void *arg);
int	 check_commune(const char *, char **cause);
int	 check_rome(const char *, char **cause);
int	 check_appellation(const char *, char **cause);
int	 check_siret(const char *, char **cause);
int	 check_email(const char *, char **cause);

/* ---- the store (store.c) ----------------------------------------------
 * One LMDB environment with named databases, opened once.  Keys are typed:
 * records by big-endian uint64 id, index entries by a tag byte and fixed
 * or length-prefixed fields.  A transaction carries a sticky error: once
 * an operation fails the others do nothing and commit aborts, so callers
 * write `store_begin; ops; return store_commit(&t);`.  The daemon groups
 * the writes of one event-loop turn into one durable commit, each request
 * in a child transaction (store_begin with a parent).
 */
enum store_db {
	DB_META, DB_COMPANIES, DB_OFFERS, DB_CANDIDATES, DB_REFERENTS,
	DB_PROPOSALS, DB_PLACEMENTS, DB_FOLLOWUPS, DB_EVENTS, DB_TOKENS,
	DB_RULESETS, DB_AUDIT, DB_WEBHOOKS, DB_INDEX, DB_CONTACTS,
	DB_ACCOUNTS, DB_SESSIONS, DB_CALENDARS, DB_HISTORY, DB_REFCANDS,
	DB__N
};
extern const char *const store_db_names[];
/* DB_REFCANDS: référent id -> their candidates' ids, 8-byte duplicates. */

/* Index tags, the first byte of a DB_INDEX key. */
#define IDX_SIRET		'S'	/* siret -> company id */
#define IDX_OFFER_COMPANY	'O'	/* company id, offer id -> "" */
#define IDX_CONTACT_COMPANY	'J'	/* company id, journal contact id -> "" */
#define IDX_TOKEN_ID		'T'	/* token id -> token hash */
#define IDX_CALENDAR_HASH	'C'	/* calendar link's hash -> its id */
#define IDX_LOGIN		'L'	/* account login -> account id */
#define IDX_ACCOUNT_SESSION	'W'	/* account id, session id -> its hash */
#define IDX_INTEREST		'I'	/* offer id, candidate id -> JSON {on,
					   session, created_at, by} */
#define IDX_EXTERNAL_REF	'X'	/* store_db, external_ref (the agency's
					   own, once a kind) -> id */

struct store;
struct txn {
	struct store	*st;
	void		*t;		/* MDB_txn */
	int		 rc;		/* sticky: first error */
	int		 write;
};

/*
 * Open (creating) the store in dir; map_size, map_max in bytes.  The file
 * is checked against its meta pages and every database is read once: a
 * damaged store fails with IOD_ECORRUPT and a *cause that says what is
 * wrong and how to put a backup in place.  A data directory whose marker
 * (store.id) says a store lived there never opens as a new empty store.
 */
int	 store_open(struct store **, const char *dir, size_t map_size,
	    size_t map_max, char **cause);
void	 store_close(struct store *);	/* NULL ok; no txn may be live */
/*
 * The store's identity: 32 hex digits, random, made with the store and
 * kept both in it and in the marker file store.id beside data.mdb.  A
 * data.mdb whose identity differs from the marker's, or that has one but
 * no marker beside it, is a restored copy (or a copy moved elsewhere): it
 * gets a new identity and store_restored() says 1 until the next open.
 * The string is borrowed for the life of the store.
 */
const char *store_identity(struct store *);
int	 store_restored(struct store *);
/* Grow the map geometrically up to its limit; no txn may be live.
 * Returns 0, or IOD_EMAPFULL at the limit. */
int	 store_grow(struct store *);
size_t	 store_map_size(struct store *);
size_t	 store_map_used(struct store *);

/* Begin a transaction; parent (may be NULL) makes a child write txn. */
int	 store_begin(struct store *, struct txn *, int write,
	    struct txn *parent);
/* A read txn off the loop (t OUT; it waits while the map moves): 0 or an
 * error; the map's growth and file swaps wait for store_reader_end, and
 * store_reader_stopping says 1 meanwhile: end it soon. */
int	 store_reader_begin(struct store *, struct txn *t);
int	 store_reader_stopping(struct store *);
int	 store_readers_open(struct store *);	/* 1: one is open */
void	 store_reader_end(struct txn *t);
int	 store_commit(struct txn *);	/* returns the sticky rc; ends txn */
void	 store_abort(struct txn *);	/* NULL-safe, idempotent */

/* Next id of a record type (sequences in DB_META; store-batch.c). */
uint64_t store_next_id(struct txn *, enum store_db);
/* A batch of writes in write txn t: store_put_later's small pairs are
 * held until the end, then put in key order through one cursor; with
 * no batch open, at once.  Only keys nothing reads before the end may
 * wait.  0 or t's sticky rc; a commit ends a batch, an abort drops it. */
void	 store_batch_begin(struct txn *t);
int	 store_put_later(struct txn *, enum store_db, const void *, size_t,
	    const void *, size_t);
int	 store_batch_end(struct txn *t);
/* Records: encode/decode with a schema.  get: IOD_ENOTFOUND if absent,
 * the struct is filled (caller rec_clear()s it). */
int	 store_put_rec(struct txn *, enum store_db, uint64_t id,
	    const struct schema *, const void *rec);
int	 store_get_rec(struct txn *, enum store_db, uint64_t id,
	    const struct schema *, void *rec);
/* store_put_rec of a record just given its id by store_next_id: none
 * was ever stored under it, so its history is the mark of a creation. */
int	 store_put_new_rec(struct txn *, enum store_db, uint64_t id,
	    const struct schema *, const void *rec);
/* Raw values: get borrows *val until the txn ends. */
int	 store_put(struct txn *, enum store_db, const void *key, size_t klen,
	    const void *val, size_t vlen);
int	 store_get(struct txn *, enum store_db, const void *key, size_t klen,
	    const void **val, size_t *vlen);
int	 store_del(struct txn *, enum store_db, const void *key, size_t klen);
int	 store_del_dup(struct txn *, enum store_db, const void *key,
	    size_t klen, const void *val, size_t vlen);
int	 store_put_id(struct txn *, enum store_db, uint64_t id,
	    const void *val, size_t vlen);
/* store_put of a key that sorts after every key of db, as a fresh id or
 * the next event's does; any other key is still put, only slower. */
int	 store_append(struct txn *, enum store_db, const void *key,
	    size_t klen, const void *val, size_t vlen);
int	 store_append_id(struct txn *, enum store_db, uint64_t id,
	    const void *val, size_t vlen);
int	 store_get_id(struct txn *, enum store_db, uint64_t id,
	    const void **val, size_t *vlen);
int	 store_del_id(struct txn *, enum store_db, uint64_t id);
/*
 * Visit keys >= (key, klen) in order while they start with prefix
 * (plen bytes; 0 for all).  fn returns 0 to go on, 1 to stop, <0 to fail.
 */
int	 store_scan(struct txn *, enum store_db, const void *key, size_t klen,
	    size_t plen, int (*fn)(const void *k, size_t kl, const void *v,
	    size_t vl, void *arg), void *arg);
/* Count of entries in a database. */
size_t	 store_count(struct txn *, enum store_db);
/*
 * Compaction off the caller's thread (after an erasure: the copy leaves
 * out free pages and the unused part of each page, where erased bytes
 * linger).  store_compact_start() begins copying a snapshot to
 * DIR/compact.tmp in a thread, which writes one byte to done_fd (-1: none)
 * when it is over; then store_compact_finish(), with no transaction live,
 * swaps the copy in: 0; IOD_ECONFLICT if something was committed since
 * the snapshot (start again); another error with *cause (caller frees) if
 * the copy failed (IOD_ENOSPC: no room).  After finish, !store_ok() means
 * not even the old file could be reopened: the caller must stop.
 */
int	 store_compact_start(struct store *, int done_fd);
int	 store_compact_busy(struct store *);
int	 store_compact_finish(struct store *, char **cause);
int	 store_ok(struct store *);
/* After a commit failed with MDB_PANIC, reopen the environment (no txn
 * live); 0 if it was not needed or worked, else an error with *cause. */
int	 store_recover(struct store *, char **cause);
/* Grow the map while less than a quarter of it is free (no txn live):
 * 0, or IOD_EMAPFULL when map_max stops it. */
int	 store_reserve(struct store *);
/* Write a consistent, compacted copy of the store (a data.mdb) to fd;
 * safe while the store is in use. */
int	 store_backup(struct store *, int fd);

/* Typed key builders; return the key length. */
size_t	 key_u64(uint8_t *, uint64_t);
uint64_t key_get_u64(const void *);
size_t	 key_idx(uint8_t *, int tag, uint64_t a, uint64_t b);
size_t	 key_idx_str(uint8_t *, size_t cap, int tag, const char *);

/* ---- the event log (event.c) -------------------------------------------
 * Every change appends an event with a monotonic sequence number.
 */
struct event {
	uint64_t	 seq;
	char		*type;		/* "candidate.created" */
	char		*entity;	/* "candidate" */
	uint64_t	 id;		/* the entity's id */
	char		*actor;		/* who did it: "token:3" */
	int64_t		 at;		/* unix seconds */
	json_t		*data;		/* extra payload, may be NULL */
};
/* Append; type is required, data is borrowed.  Returns the new seq, 0 on
 * error (sticky). */
uint64_t event_append(struct txn *, const char *type, const char *entity,
	    uint64_t id, const char *actor, json_t *data);
/* The same without a tree: event_open packs the event up to its data and
 * returns the packer, the caller packs exactly one value (the data: a map,
 * or nil), then event_close stores it (its seq, 0 on error).  The bytes
 * are event_append's for the same data: the keys in the caller's order, an
 * id as a json_t integer would be, a NULL string as nil. */
msgpack_packer *event_open(struct txn *, const char *type,
	    const char *entity, uint64_t id, const char *actor);
uint64_t event_close(struct txn *);
void	 event_pack_id(msgpack_packer *, const char *key, uint64_t);
void	 event_pack_str(msgpack_packer *, const char *key, const char *);
/* The event stored under seq; 0, IOD_ENOTFOUND, IOD_ECORRUPT if its bytes
 * are not an event, IOD_ENOMEM.  event_clear frees it, after an error
 * too. */
int	 event_get(struct txn *, uint64_t seq, struct event *);
/* The same from the bytes stored under seq (borrowed), either form
 * (event.c). */
int	 event_decode(uint64_t seq, const void *, size_t, struct event *);
/* The bytes ev is stored as (seq aside), *buf the caller's to free: 0,
 * IOD_EINVAL without a type, IOD_ENOMEM. */
int	 event_encode(const struct event *ev, char **buf, size_t *len);
void	 event_clear(struct event *);
json_t	*event_to_json(const struct event *);
/* event_to_json of the bytes stored under seq (borrowed), NULL if they
 * are not an event. */
json_t	*event_stored_json(uint64_t seq, const void *, size_t);
/* The type of the stored event v as its index in event_type_names,
 * without decoding the rest (a scan's filter): -1 if its type is not
 * there or v is not an event. */
int	 event_stored_type(const void *v, size_t vl);
uint64_t event_last(struct txn *);

/* ---- evtype.c: the event types, and filters over them ------------------
 * A filter is a mask over event_type_names; 0 lets every type through.
 * "entity.*" names every type of that entity.
 */
extern const char *const event_type_names[];	/* NULL-terminated */
extern const char *const mail_type_names[];	/* what e-mail tells */
/* A schema check: 0 if type is one (or "entity.*"), else -1 with *cause
 * (caller frees). */
int	 evtype_check(const char *type, char **cause);
/* The mask of n checked types. */
uint64_t evtype_mask(const char *const *types, size_t n);
/* The mask of a comma-separated list; 0, or -1 with *bad the first name
 * that is none (caller frees). */
int	 evtype_parse(const char *list, uint64_t *mask, char **bad);
/* 1 if the filter lets type through, else 0. */
int	 evtype_match(uint64_t mask, const char *type);
/* The index in event_type_names of type, len bytes, -1 if none; the
 * name at index i, NULL past the end. */
int	 evtype_index(const char *type, size_t len);
const char *evtype_name(unsigned i);

/* ---- history.c: the past versions of the records matching reads -------
 * store_put_rec and store_del_id keep the bytes a company, offer or
 * candidate write replaces (a candidate's: matching's fields only) under
 * (db, id, event_last + 1).  Event loop only, in the write's txn.
 */
#define HISTORY_ABSENT	0	/* the record did not exist then */
#define HISTORY_RECORD	1	/* its bytes then */
#define HISTORY_ERASED	2	/* the person was erased since */
#define HISTORY_CURRENT	3	/* the stored record, unchanged since */
extern const char *const history_candidate_fields[];	/* kept: NULL-ended */
int	 history_kept(enum store_db);	/* 1 for the three kinds above */
void	 history_keep(struct txn *, enum store_db, uint64_t id);
/* history_keep of an id never stored before: the creation's mark. */
void	 history_keep_new(struct txn *, enum store_db, uint64_t id);
/* Erasure: each past version of id becomes a mark (0 or IOD_E*, sticky). */
int	 history_erase(struct txn *, enum store_db, uint64_t id);
/* Record id of db just after event seq: a HISTORY_* state, *v and *vl
 * (borrowed until the txn ends) for a RECORD; or a negative IOD_E*. */
int	 history_at(struct txn *, enum store_db, uint64_t id, uint64_t seq,
	    const void **v, size_t *vl);
/* fn(id, state, bytes borrowed for the call) for every record of db that
 * existed just after seq (deleted since too): RECORD, CURRENT (not
 * written since) or ERASED; fn <0 stops.  0 or an error. */
int	 history_each(struct txn *, enum store_db, uint64_t seq,
	    int (*fn)(uint64_t id, int state, const void *v, size_t vl,
	    void *arg), void *arg);

/* ---- hmap.c: a map of uint64 to uint64 --------------------------------
 * Keys and values are never 0.  A zeroed struct hmap is an empty map.
 */
struct hmap {
	uint64_t	*keys, *vals;
	size_t		 n, cap;		/* entries; slots, a power of 2 */
};
/* The value of key, 0 if absent. */
uint64_t hmap_get(const struct hmap *, uint64_t key);
/* Set key to val, val 0 removing it; 0 or IOD_ENOMEM (map unchanged). */
int	 hmap_set(struct hmap *, uint64_t key, uint64_t val);
/* Free the arrays and leave an empty map; accepts NULL. */
void	 hmap_free(struct hmap *);

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

#endif
