/*
 * rules/ — the rule-set language.  A rule set is a YAML file: policies,
 * hard filters, score weights in integer points, what counts as a durable
 * job or a positive exit, the follow-up template, and the territories
 * (groups of communes) it reasons with.  It is read with libyaml into a
 * tree that remembers where every value came from, checked completely
 * against tables of keys, and compiled into an immutable struct ruleset.
 * Nothing here matches anyone or stores anything: matcher/ applies rule
 * sets and versions them, profiles/ holds the data and the reference
 * communes that territory files are checked against.
 */
#ifndef IOD_RULES_H
#define IOD_RULES_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "profiles.h"

/* ---- yamltree.c: YAML into a positioned tree; the error list ----------
 * Bounded: at most YAMLTREE_MAX_BYTES of input, YAMLTREE_MAX_DEPTH levels
 * of nesting and YAMLTREE_MAX_NODES nodes; anchors, aliases and tags are
 * refused, and so is more than one document.  Errors are collected, never
 * printed: each is one line "file:line:col: message", 1-based, and every
 * run goes on after an error to report all it can.
 */
#define YAMLTREE_MAX_BYTES	(1024 * 1024)
#define YAMLTREE_MAX_DEPTH	32
#define YAMLTREE_MAX_NODES	65536
#define YAMLTREE_MAX_ERRORS	100	/* lines kept; the rest are counted */

enum ynode_type { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

struct ynode {
	enum ynode_type	 type;
	const char	*file;		/* borrowed from the tree */
	int		 line, col;	/* member: of its key; else of itself */
	const struct ynode *parent;	/* NULL for the root */
	char		*key;		/* map member: its key, else NULL */
	size_t		 index;		/* sequence item: its index */
	char		*value;		/* scalar: its text, never NULL */
	int		 plain;		/* scalar: was not quoted */
	struct ynode	**kids;		/* map members or sequence items */
	size_t		 nkids;
};

struct yamltree {
	char		*file;
	struct ynode	*root;		/* an empty document is a null scalar */
};

/* Errors of one run; start zeroed, end with yamltree_errors. */
struct yerrors {
	char		*buf;		/* kept lines, joined by '\n' */
	size_t		 len;
	int		 count;		/* every error, kept or not */
};

/*
 * Read a whole regular file of at most YAMLTREE_MAX_BYTES.  Returns a
 * NUL-terminated buffer the caller frees and its length in *len, or NULL
 * with errno set (EFBIG: too large, EINVAL: not a regular file) and *cause
 * a message naming path (caller frees).  Never blocks on a FIFO.
 */
char	*yamltree_readfile(const char *path, size_t *len, char **cause);

/*
 * Parse buf (len bytes, borrowed) named file in messages.  Returns the tree
 * (caller frees with yamltree_free), or NULL after a fatal error (syntax,
 * size, depth, node count), which is added to e.  Refused anchors, aliases
 * and tags are added to e without stopping.
 */
struct yamltree	*yamltree_parse(const char *file, const char *buf, size_t len,
	    struct yerrors *e);
void	 yamltree_free(struct yamltree *);	/* accepts NULL */

/* The member key of map, or NULL (map may be NULL or not a map). */
const struct ynode *yamltree_get(const struct ynode *map, const char *key);
/* 1 if n is a plain null scalar: empty, ~ or null. */
int	 yamltree_isnull(const struct ynode *n);

/*
 * Add an error at node n: "file:line:col: path: message", where path is
 * n's dotted path from the root ("weights.publics.rsa", "programmes[1]"),
 * left out for the root.
 */
void	 yamltree_error(struct yerrors *, const struct ynode *n,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* yamltree_error with a va_list; withpath 0 leaves n's path out. */
void	 yamltree_verror(struct yerrors *, const struct ynode *n, int withpath,
	    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
/* Add an error at a position; with file NULL, fmt's text is added as is. */
void	 yamltree_errorat(struct yerrors *, const char *file, int line,
	    int col, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* Hand over the collected lines (caller frees; NULL if none), reset e. */
char	*yamltree_errors(struct yerrors *);
/*
 * Write n's dotted path from the root into buf ("" for the root), control
 * characters shown as '?', cut to fit.  Returns buf.
 */
#define YAMLTREE_PATH_MAX	256
char	*yamltree_path(const struct ynode *n, char buf[YAMLTREE_PATH_MAX]);
/*
 * Write s into buf for a message: double-quoted, control characters
 * escaped, cut after about 60 bytes (never inside a UTF-8 sequence).
 * Returns buf.
 */
#define YAMLTREE_QUOTE_MAX	80
char	*yamltree_quote(char buf[YAMLTREE_QUOTE_MAX], const char *s);

/* ---- yamlcheck.c: a tree checked against a table of keys --------------
 * Schema tables: a map is checked against an array of struct ykey ending
 * with .key NULL, and each value is stored at .off from the output base.
 *
 *	type		YAML			stored as
 *	YT_BOOL		true | false		int
 *	YT_INT		integer in min..max	int (null: -1 with YK_NULLABLE)
 *	YT_STR		scalar, min..max bytes	char *, the caller frees
 *	YT_ENUM		one of .names		int, its index
 *	YT_SET		list of .names		uint32_t, 1u << index
 *	YT_POINTS	map .names -> min..max	int[], by index
 *	YT_MAP		map checked by .sub	(its keys store themselves)
 *	YT_NODE		anything		const struct ynode *, borrowed
 *
 * .def is the default as YAML text ("true", "90", "exact", "null"); a
 * YT_SET default lists names separated by ',', a YT_POINTS default is the
 * points of every name.  A null value counts as absent.  .check vets a
 * string (NULL if fine, else what was expected).  .guard, set on a YT_MAP,
 * is called on every node under it that is refused (unknown key, wrong
 * type or value) before the generic message: it returns 1 if it reported
 * a better one itself.
 */
enum ykey_type {
	YT_BOOL, YT_INT, YT_STR, YT_ENUM, YT_SET, YT_POINTS, YT_MAP, YT_NODE
};
#define YK_REQUIRED	0x01	/* missing or null is an error */
#define YK_NULLABLE	0x02	/* YT_INT: null stores -1 */

struct ykey {
	const char	*key;
	enum ykey_type	 type;
	int		 min, max;
	const char	*def;
	size_t		 off;
	int		 flags;
	const char *const *names;		/* YT_ENUM, YT_SET, YT_POINTS */
	const struct ykey *sub;			/* YT_MAP */
	const char	*(*check)(const char *);	/* YT_STR */
	int		(*guard)(struct yerrors *, const struct ynode *);
};

/*
 * Check map (a tree's root) against keys and fill out, which must be
 * zeroed: every key gets its value or its default, every problem an error
 * in e (unknown, duplicate or missing key, wrong type, out of range).
 * Strings are copies the caller frees; YT_NODE values point into the tree.
 */
void	 yamlcheck_apply(struct yerrors *e, const struct ynode *map,
	    const struct ykey *keys, void *out);

/* ---- territory.c: which territory each commune belongs to --------------
 * A territory file is a CSV with a header naming at least the columns
 * insee_code and territory (name is for the reader); '#' starts a comment
 * line.  Every commune must be one of the reference communes (profiles'
 * refdata, which must be loaded) and appear once.
 */
#define TERRITORY_MAX		256
#define TERRITORY_NAME_MAX	80	/* bytes */

struct territories;

/*
 * Parse the territory file buf (len bytes, borrowed and only read, though
 * fmemopen wants it writable), named file in the errors it adds to e.
 * Returns 0 with *out set (caller frees), or IOD_EINVAL with *out
 * untouched.
 */
int	 territory_parse(const char *file, char *buf, size_t len,
	    struct territories **out, struct yerrors *e);
void	 territory_free(struct territories *);	/* accepts NULL */
/* Territory index of a commune's INSEE code, -1 if not in the file. */
int	 territory_of(const struct territories *, const char *insee);
/* Name of territory i, NULL if out of range. */
const char *territory_name(const struct territories *, int i);

/* ---- ruleset.c: a compiled rule set ------------------------------------
 * Immutable once loaded: the daemon builds a new one aside and swaps the
 * pointer whole, so a bad rule set never replaces a good one.  All points
 * and thresholds are integers.
 */
enum rome_match {
	ROME_MATCH_EXACT,	/* the candidate seeks the offer's ROME code */
	ROME_MATCH_FAMILY,	/* or one of its family: same 3 first chars */
	ROME_MATCH__N
};
extern const char *const rome_match_names[];	/* "exact", "family" */

/* Exits a report may count as positive (outcomes.positive_exits) are the
 * kinds of a candidate's exit: enum exit_kind in profiles.h. */

/* Booleans are ints, 0 or 1. */
struct ruleset_policies {
	int	 no_cv;			/* a company never sees a CV */
	int	 one_candidate_per_offer; /* one open proposal per offer */
	int	 candidate_exclusive;	/* one open proposal per candidate */
	int	 require_workstation_visit; /* before any proposal */
	int	 require_consent;	/* before any matching */
	int	 refusal_cooldown_days;	/* a company that refused someone is
					   not offered them for N days */
	int	 proposal_expiry_days;	/* undecided that long: expired */
	int	 stalled_after_days;	/* oriented, no proposal that long:
					   stalled */
	int	 caseload_max;		/* people one full-time référent
					   follows, at most */
	int	 max_proposals_per_company; /* in per_days days, made to one
					   company whatever their outcome;
					   -1: no cap */
	int	 per_days;		/* the cap's period, in days */
};

/* Hard filters: what a candidate must pass to be eligible at all. */
struct ruleset_filters {
	uint32_t programmes;		/* set of enum programme admitted */
	int	 rome_match;		/* enum rome_match */
	int	 contracts;		/* accepts the offer's contract type */
	int	 zone;			/* mobility zone reaches the commune */
	int	 hours;			/* weekly hours <= max_weekly_hours */
	int	 schedule;		/* offer's constraints in schedule_ok */
	int	 availability_days;	/* available_on <= start_on + N days;
					   -1: not checked */
	int	 licence;		/* licence_b required: held */
};

/* Points added to a candidate's score. */
struct ruleset_weights {
	int	 publics[PUBLIC__N];	/* per public category held */
	int	 same_commune;		/* lives in the offer's commune */
	int	 same_territory;	/* lives in the offer's territory */
	int	 qpv;			/* lives in a QPV */
	int	 waiting_per_month;	/* per full month since oriented_on */
	int	 waiting_cap_months;	/* months counted at most */
	int	 favoured_public;	/* per public the company favours */
	int	 expressed_interest;	/* the candidate expressed interest in
					   this offer (positioning session) */
};

struct ruleset_outcomes {
	uint32_t durable_contracts;	/* set of enum contract_type */
	int	 durable_cdd_months;	/* a CDD this long is durable too */
	uint32_t positive_exits;	/* set of enum exit_kind */
};

/* The follow-up calendar created on a hire. */
struct ruleset_followup {
	int	 trial_weeks[CONTRACT__N]; /* default trial period */
	int	 weekly_during_trial;	/* interviews every week of it */
	int	 separate_parties;	/* employer and employee apart */
	int	 monthly_until_months;	/* then monthly up to this horizon */
	int	 joint_review_at_horizon; /* with the referent, at the end */
};

struct ruleset {
	char		*name;		/* [a-z0-9-]+ */
	char		*description;	/* NULL if none */
	char		*territories_file; /* as written in the rule set */
	char		*source;	/* the YAML text, NUL-terminated */
	size_t		 sourcelen;
	struct ruleset_policies policies;
	struct ruleset_filters	filters;
	struct ruleset_weights	weights;
	struct ruleset_outcomes outcomes;
	struct ruleset_followup followup;
	struct territories *territories;
};

/*
 * Load, check and compile the rule set in the file path.  The territory
 * file it names is looked for beside it, then in datadir (may be NULL).
 * Returns 0 with *out set (caller frees with ruleset_free), or IOD_EINVAL
 * with *out untouched and *errors every error, one "file:line:col:
 * message" per line (caller frees; NULL if out of memory; errors may be
 * NULL).  The reference communes must be loaded (refdata_load) and must
 * not change meanwhile.
 */
int	 ruleset_load_file(const char *path, const char *datadir,
	    struct ruleset **out, char **errors);
/*
 * The same from buf (len bytes, borrowed, need not be NUL-terminated),
 * named name in messages, its territory file looked for in basedir.
 */
int	 ruleset_load_buffer(const char *name, const char *buf, size_t len,
	    const char *basedir, struct ruleset **out, char **errors);
void	 ruleset_free(struct ruleset *);	/* accepts NULL */
/* NULL if s is a valid rule set name, [a-z0-9-]+, else what is expected. */
const char *ruleset_check_name(const char *s);

/* Territory index of a commune, -1 if not in the rule set's territories. */
int	 ruleset_territory_of(const struct ruleset *, const char *insee);
/* Name of territory i, NULL if out of range. */
const char *ruleset_territory_name(const struct ruleset *, int i);
/* 1 if a contract of this type and duration (months, 0 open-ended) is
 * durable employment, else 0. */
int	 ruleset_is_durable(const struct ruleset *, int contract,
	    int duration_months);
/* Default trial period in weeks of a contract type, 0 if out of range. */
int	 ruleset_trial_weeks(const struct ruleset *, int contract);

#endif
