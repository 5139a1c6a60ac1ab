/*
 * ruleset.c — what a rule set may say, as tables of keys with their types,
 * ranges and defaults, and the compilation of a checked YAML tree into an
 * immutable struct ruleset.  It also refuses, wherever filters and weights
 * are written, any key or value that names a ground of discrimination the
 * law forbids.  Parsing is yamltree.c's and the generic checks are
 * yamlcheck.c's; the territory file is territory.c's; applying a rule set
 * to candidates and offers is matcher/'s.
 */
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

const char *const rome_match_names[] = { "exact", "family", NULL };

/*
 * Grounds on which the Code du travail (L1132-1) forbids treating people
 * differently, as words a key or a value may be made of (lowercase, words
 * joined by '_').  Positive action the law allows is not here: the publics
 * youth, senior, rqth and single_parent are categories that programmes
 * define, and the QPV and territory weights follow public policy on
 * places.  Where such a public is the lawful way, the message says so.
 */
#define RQTH	"only the public rqth (positive action) may be weighted"
#define AGE	"only the publics youth and senior (positive action) may be " \
		"weighted"
#define FAMILY	"only the public single_parent (positive action) may be " \
		"weighted"
static const struct ground {
	const char	*word;
	const char	*ground;
	const char	*instead;
} grounds[] = {
	{ .word = "sex", .ground = "sex" },
	{ .word = "sexe", .ground = "sex" },
	{ .word = "gender", .ground = "sex" },
	{ .word = "genre", .ground = "sex" },
	{ .word = "sexual_orientation", .ground = "sexual orientation" },
	{ .word = "origin", .ground = "origin" },
	{ .word = "origine", .ground = "origin" },
	{ .word = "ethnicity", .ground = "origin" },
	{ .word = "ethnic", .ground = "origin" },
	{ .word = "race", .ground = "origin" },
	{ .word = "nationality", .ground = "nationality" },
	{ .word = "nationalite", .ground = "nationality" },
	{ .word = "nationalité", .ground = "nationality" },
	{ .word = "citizenship", .ground = "nationality" },
	{ .word = "religion", .ground = "religion" },
	{ .word = "belief", .ground = "religion" },
	{ .word = "beliefs", .ground = "religion" },
	{ .word = "last_name", .ground = "family name" },
	{ .word = "lastname", .ground = "family name" },
	{ .word = "family_name", .ground = "family name" },
	{ .word = "surname", .ground = "family name" },
	{ .word = "nom", .ground = "family name" },
	{ .word = "first_name", .ground = "first name (a proxy for origin)" },
	{ .word = "firstname", .ground = "first name (a proxy for origin)" },
	{ .word = "prenom", .ground = "first name (a proxy for origin)" },
	{ .word = "prénom", .ground = "first name (a proxy for origin)" },
	{ .word = "health", .ground = "health", .instead = RQTH },
	{ .word = "sante", .ground = "health", .instead = RQTH },
	{ .word = "santé", .ground = "health", .instead = RQTH },
	{ .word = "disability", .ground = "health", .instead = RQTH },
	{ .word = "disabled", .ground = "health", .instead = RQTH },
	{ .word = "handicap", .ground = "health", .instead = RQTH },
	{ .word = "pregnancy", .ground = "pregnancy" },
	{ .word = "pregnant", .ground = "pregnancy" },
	{ .word = "grossesse", .ground = "pregnancy" },
	{ .word = "genetic", .ground = "genetic characteristics" },
	{ .word = "age", .ground = "age", .instead = AGE },
	{ .word = "âge", .ground = "age", .instead = AGE },
	{ .word = "birth_date", .ground = "age", .instead = AGE },
	{ .word = "birthdate", .ground = "age", .instead = AGE },
	{ .word = "date_of_birth", .ground = "age", .instead = AGE },
	{ .word = "naissance", .ground = "age", .instead = AGE },
	{ .word = "family_situation", .ground = "family situation",
	    .instead = FAMILY },
	{ .word = "marital_status", .ground = "family situation",
	    .instead = FAMILY },
	{ .word = "appearance", .ground = "physical appearance" },
	{ .word = "political", .ground = "political opinions" },
	{ .word = "union", .ground = "trade union activity" },
	{ .word = "mother_tongue", .ground = "language" },
};

/* The ground name is about: a word of the table made of whole words of
 * name, once lowercased with '-', ' ' and '.' read as '_'. */
static const struct ground *
ground_of(const char *name)
{
	const struct ground	*g;
	char			 norm[128], *p;
	size_t			 i, len = strlen(name), wlen;

	if (len >= sizeof(norm))
		return (NULL);
	for (i = 0; i <= len; i++) {
		norm[i] = name[i];
		if (norm[i] >= 'A' && norm[i] <= 'Z')
			norm[i] += 'a' - 'A';
		else if (norm[i] == '-' || norm[i] == ' ' || norm[i] == '.')
			norm[i] = '_';
	}
	for (g = grounds; g < grounds + nitems(grounds); g++) {
		wlen = strlen(g->word);
		for (p = norm; (p = strstr(p, g->word)) != NULL; p++)
			if ((p == norm || p[-1] == '_') &&
			    (p[wlen] == '\0' || p[wlen] == '_'))
				return (g);
	}
	return (NULL);
}

static void
ground_error(struct yerrors *e, const struct ynode *n, const char *name,
    const struct ground *g)
{
	char	q[YAMLTREE_QUOTE_MAX];

	yamltree_error(e, n, "%s is %s%s (Code du travail L1132-1): it cannot "
	    "filter or weight a match%s%s", yamltree_quote(q, name),
	    strcmp(name, g->ground) == 0 ? "a protected ground" :
	    "about a protected ground, ",
	    strcmp(name, g->ground) == 0 ? "" : g->ground,
	    g->instead != NULL ? "; " : "", g->instead != NULL ?
	    g->instead : "");
}

/* The guard of filters and weights: reports each protected ground that n,
 * a refused node, names in its key or anywhere under it. */
static int
protected_ground(struct yerrors *e, const struct ynode *n)
{
	const struct ground	*g;
	size_t			 i;
	int			 found = 0;

	if (n->key != NULL && (g = ground_of(n->key)) != NULL) {
		ground_error(e, n, n->key, g);
		found = 1;
	}
	if (n->type == YNODE_SCALAR && (g = ground_of(n->value)) != NULL) {
		ground_error(e, n, n->value, g);
		found = 1;
	}
	for (i = 0; i < n->nkids; i++)
		found |= protected_ground(e, n->kids[i]);
	return (found);
}

const char *
ruleset_check_name(const char *s)
{
	return (strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
	    strlen(s) ? NULL : "lowercase letters, digits and '-'");
}

/* A path under the rule set's or the data directory, nowhere else. */
static const char *
check_relpath(const char *s)
{
	const char	*p;

	if (*s == '/')
		return ("a relative path");
	for (p = s; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return ("a path without \"..\"");
	return (NULL);
}

/*
 * The language.  Defaults are the IOD method's: a rule set that says
 * nothing else proposes one candidate per offer, without CV, after a
 * workstation visit, with consent.
 */
#define RS(f)	.off = offsetof(struct ruleset, f)
#define POL(f)	RS(policies.f)
#define FIL(f)	RS(filters.f)
#define WEI(f)	RS(weights.f)
#define OUT(f)	RS(outcomes.f)
#define FOL(f)	RS(followup.f)
#define TRIAL(c) RS(followup.trial_weeks[c])

static const struct ykey policy_keys[] = {
	{ .key = "no_cv", .type = YT_BOOL, .def = "true", POL(no_cv) },
	{ .key = "one_candidate_per_offer", .type = YT_BOOL, .def = "true",
	    POL(one_candidate_per_offer) },
	{ .key = "candidate_exclusive", .type = YT_BOOL, .def = "true",
	    POL(candidate_exclusive) },
	{ .key = "require_workstation_visit", .type = YT_BOOL, .def = "true",
	    POL(require_workstation_visit) },
	{ .key = "require_consent", .type = YT_BOOL, .def = "true",
	    POL(require_consent) },
	{
		.key = "refusal_cooldown_days",
		.type = YT_INT,
		.min = 0,
		.max = 3650,
		.def = "90",
		POL(refusal_cooldown_days)
	},
	{
		.key = "proposal_expiry_days",
		.type = YT_INT,
		.min = 1,
		.max = 365,
		.def = "30",
		POL(proposal_expiry_days)
	},
	{
		.key = "stalled_after_days",
		.type = YT_INT,
		.min = 1,
		.max = 3650,
		.def = "30",
		POL(stalled_after_days)
	},
	{
		.key = "caseload_max",
		.type = YT_INT,
		.min = 1,
		.max = 10000,
		.def = "90",
		POL(caseload_max)
	},
	{
		.key = "max_proposals_per_company",
		.type = YT_INT,
		.min = 1,
		.max = 10000,
		.def = "null",
		POL(max_proposals_per_company),
		.flags = YK_NULLABLE
	},
	{
		.key = "per_days",
		.type = YT_INT,
		.min = 1,
		.max = 3650,
		.def = "30",
		POL(per_days)
	},
	{ .key = NULL }
};

static const struct ykey filter_keys[] = {
	{
		.key = "programmes",
		.type = YT_SET,
		.def = "",
		FIL(programmes),
		.names = programme_names
	},
	{
		.key = "rome_match",
		.type = YT_ENUM,
		.def = "exact",
		FIL(rome_match),
		.names = rome_match_names
	},
	{ .key = "contracts", .type = YT_BOOL, .def = "true", FIL(contracts) },
	{ .key = "zone", .type = YT_BOOL, .def = "true", FIL(zone) },
	{ .key = "hours", .type = YT_BOOL, .def = "true", FIL(hours) },
	{ .key = "schedule", .type = YT_BOOL, .def = "true", FIL(schedule) },
	{
		.key = "availability_days",
		.type = YT_INT,
		.min = 0,
		.max = 365,
		.def = "null",
		FIL(availability_days),
		.flags = YK_NULLABLE
	},
	{ .key = "licence", .type = YT_BOOL, .def = "true", FIL(licence) },
	{ .key = NULL }
};

static const struct ykey weight_keys[] = {
	{
		.key = "publics",
		.type = YT_POINTS,
		.min = 0,
		.max = 1000,
		.def = "0",
		WEI(publics),
		.names = public_names
	},
	{
		.key = "same_commune",
		.type = YT_INT,
		.min = 0,
		.max = 1000,
		.def = "0",
		WEI(same_commune)
	},
	{
		.key = "same_territory",
		.type = YT_INT,
		.min = 0,
		.max = 1000,
		.def = "0",
		WEI(same_territory)
	},
	{
		.key = "qpv",
		.type = YT_INT,
		.min = 0,
		.max = 1000,
		.def = "0",
		WEI(qpv)
	},
	{
		.key = "waiting_per_month",
		.type = YT_INT,
		.min = 0,
		.max = 1000,
		.def = "0",
		WEI(waiting_per_month)
	},
	{
		.key = "waiting_cap_months",
		.type = YT_INT,
		.min = 0,
		.max = 120,
		.def = "12",
		WEI(waiting_cap_months)
	},
	{
		.key = "favoured_public",
		.type = YT_INT,
		.min = 0,
		.max = 1000,
		.def = "0",
		WEI(favoured_public)
	},
	{
		.key = "expressed_interest",
		.type = YT_INT,
		.min = 0,
		.max = 1000,
		.def = "0",
		WEI(expressed_interest)
	},
	{ .key = NULL }
};

static const struct ykey outcome_keys[] = {
	{
		.key = "durable_contracts",
		.type = YT_SET,
		.def = "CDI",
		OUT(durable_contracts),
		.names = contract_names
	},
	{
		.key = "durable_cdd_months",
		.type = YT_INT,
		.min = 1,
		.max = 36,
		.def = "6",
		OUT(durable_cdd_months)
	},
	{
		.key = "positive_exits",
		.type = YT_SET,
		.def = "durable_employment,qualifying_training",
		OUT(positive_exits),
		.names = exit_names
	},
	{ .key = NULL }
};

/*
 * Trial periods of an employee (ouvrier, employé) by contract, the
 * employer may state another on hire: CDI 2 months (L1221-19); CDD one
 * day a week, at most 2 weeks up to 6 months and 1 month beyond
 * (L1242-10), CDDI alike; temporary work 2 to 5 days (L1251-14); an
 * apprentice's first 45 days in the company (L6222-18); professionalisation
 * and PEC contracts, CDD of 6 to 12 months, 1 month; an immersion (PMSMP)
 * lasts at most a month and is followed throughout.
 */
static const struct ykey trial_keys[] = {
	{
		.key = "CDI",
		.type = YT_INT,
		.min = 0,
		.max = 52,
		.def = "8",
		TRIAL(CONTRACT_CDI)
	},
	{
		.key = "CDD",
		.type = YT_INT,
		.min = 0,
		.max = 52,
		.def = "2",
		TRIAL(CONTRACT_CDD)
	},
	{
		.key = "CTT",
		.type = YT_INT,
		.min = 0,
		.max = 52,
		.def = "1",
		TRIAL(CONTRACT_CTT)
	},
	{
		.key = "PMSMP",
		.type = YT_INT,
		.min = 0,
		.max = 52,
		.def = "4",
		TRIAL(CONTRACT_PMSMP)
	},
	{
		.key = "APPRENTISSAGE",
		.type = YT_INT,
		.min = 0,
		.max = 52,
		.def = "9",
		TRIAL(CONTRACT_APPRENTISSAGE)
	},
	{
		.key = "PROFESSIONNALISATION",
		.type = YT_INT,
		.min = 0,
		.max = 52,
		.def = "4",
		TRIAL(CONTRACT_PROFESSIONNALISATION)
	},
	{
		.key = "CDDI",
		.type = YT_INT,
		.min = 0,
		.max = 52,
		.def = "2",
		TRIAL(CONTRACT_CDDI)
	},
	{
		.key = "PEC",
		.type = YT_INT,
		.min = 0,
		.max = 52,
		.def = "4",
		TRIAL(CONTRACT_PEC)
	},
	{ .key = NULL }
};

static const struct ykey followup_keys[] = {
	{ .key = "trial_weeks", .type = YT_MAP, .sub = trial_keys },
	{ .key = "weekly_during_trial", .type = YT_BOOL, .def = "true",
	    FOL(weekly_during_trial) },
	{ .key = "separate_parties", .type = YT_BOOL, .def = "true",
	    FOL(separate_parties) },
	{
		.key = "monthly_until_months",
		.type = YT_INT,
		.min = 1,
		.max = 24,
		.def = "6",
		FOL(monthly_until_months)
	},
	{ .key = "joint_review_at_horizon", .type = YT_BOOL, .def = "true",
	    FOL(joint_review_at_horizon) },
	{ .key = NULL }
};

static const struct ykey ruleset_keys[] = {
	{
		.key = "name",
		.type = YT_STR,
		.min = 1,
		.max = 64,
		RS(name),
		.flags = YK_REQUIRED,
		.check = ruleset_check_name
	},
	{
		.key = "description",
		.type = YT_STR,
		.min = 1,
		.max = 4096,
		RS(description)
	},
	{
		.key = "territories",
		.type = YT_STR,
		.min = 1,
		.max = 255,
		RS(territories_file),
		.flags = YK_REQUIRED,
		.check = check_relpath
	},
	{ .key = "policies", .type = YT_MAP, .sub = policy_keys },
	{ .key = "filters", .type = YT_MAP, .sub = filter_keys,
	    .guard = protected_ground },
	{ .key = "weights", .type = YT_MAP, .sub = weight_keys,
	    .guard = protected_ground },
	{ .key = "outcomes", .type = YT_MAP, .sub = outcome_keys },
	{ .key = "followup", .type = YT_MAP, .sub = followup_keys },
	{ .key = NULL }
};

/* Find the territory file in dirs (NULL-terminated), then parse it. */
static void
load_territories(struct ruleset *rs, const struct ynode *where,
    const char *const *dirs, struct yerrors *e)
{
	char	*path = NULL, *buf = NULL, *cause = NULL;
	char	 q[YAMLTREE_QUOTE_MAX];
	size_t	 i, len;
	int	 saved = ENOENT;

	for (i = 0; buf == NULL && saved == ENOENT && dirs[i] != NULL; i++) {
		free(path);
		free(cause);
		cause = NULL;
		if (asprintf(&path, "%s/%s", dirs[i], rs->territories_file) ==
		    -1) {
			path = NULL;
			saved = ENOMEM;
			break;
		}
		buf = yamltree_readfile(path, &len, &cause);
		saved = buf == NULL ? errno : 0;
	}
	if (buf != NULL)
		territory_parse(path, buf, len, &rs->territories, e);
	else if (saved != ENOENT)
		yamltree_error(e, where, "%s", cause != NULL ? cause :
		    "out of memory");
	else
		yamltree_error(e, where, "%s not found (looked in %s%s%s)",
		    yamltree_quote(q, rs->territories_file),
		    dirs[0] != NULL ? dirs[0] : "no directory",
		    dirs[0] != NULL && dirs[1] != NULL ? " and " : "",
		    dirs[0] != NULL && dirs[1] != NULL ? dirs[1] : "");
	free(path);
	free(cause);
	free(buf);
}

/* Load from buf, named file, with the directories where territory files
 * are looked for. */
static int
ruleset_load_text(const char *file, const char *buf, size_t len,
    const char *const *dirs, struct ruleset **out, char **errors)
{
	struct yerrors	 e;
	struct yamltree	*t = NULL;
	struct ruleset	*rs;
	char		*lines;

	memset(&e, 0, sizeof(e));
	if ((rs = calloc(1, sizeof(*rs))) == NULL) {
		yamltree_errorat(&e, file, 1, 1, "out of memory");
		goto done;
	}
	if ((t = yamltree_parse(file, buf, len, &e)) == NULL)
		goto done;
	yamlcheck_apply(&e, t->root, ruleset_keys, rs);
	if (rs->filters.programmes == 0)
		rs->filters.programmes = (1u << PROGRAMME__N) - 1;
	if (rs->territories_file != NULL)
		load_territories(rs, yamltree_get(t->root, "territories"), dirs,
		    &e);
	if (e.count == 0) {
		/* Checked: libyaml refuses NUL bytes, so this is all of it. */
		if ((rs->source = strndup(buf, len)) == NULL)
			yamltree_errorat(&e, file, 1, 1, "out of memory");
		rs->sourcelen = len;
	}

done:
	yamltree_free(t);
	lines = yamltree_errors(&e);
	if (lines != NULL || rs == NULL) {
		ruleset_free(rs);
		if (errors != NULL)
			*errors = lines;
		else
			free(lines);
		return (IOD_EINVAL);
	}
	if (errors != NULL)
		*errors = NULL;
	*out = rs;
	return (0);
}

int
ruleset_load_file(const char *path, const char *datadir,
    struct ruleset **out, char **errors)
{
	const char	*dirs[3] = { NULL, NULL, NULL };
	const char	*slash = strrchr(path, '/');
	char		*buf, *cause, *dir;
	size_t		 len;
	int		 rc;

	if ((buf = yamltree_readfile(path, &len, &cause)) == NULL) {
		if (errors != NULL)
			*errors = cause;
		else
			free(cause);
		return (IOD_EINVAL);
	}
	if ((dir = slash == NULL ? strdup(".") : strndup(path,
	    slash == path ? 1 : (size_t)(slash - path))) == NULL) {
		free(buf);
		if (errors != NULL)
			*errors = NULL;
		return (IOD_EINVAL);
	}
	dirs[0] = dir;
	if (datadir != NULL && strcmp(dir, datadir) != 0)
		dirs[1] = datadir;
	rc = ruleset_load_text(path, buf, len, dirs, out, errors);
	free(dir);
	free(buf);
	return (rc);
}

int
ruleset_load_buffer(const char *name, const char *buf, size_t len,
    const char *basedir, struct ruleset **out, char **errors)
{
	const char	*dirs[2] = { basedir, NULL };

	return (ruleset_load_text(name, buf, len, dirs, out, errors));
}

void
ruleset_free(struct ruleset *rs)
{
	if (rs == NULL)
		return;
	free(rs->name);
	free(rs->description);
	free(rs->territories_file);
	free(rs->source);
	territory_free(rs->territories);
	free(rs);
}

int
ruleset_territory_of(const struct ruleset *rs, const char *insee)
{
	return (territory_of(rs->territories, insee));
}

const char *
ruleset_territory_name(const struct ruleset *rs, int i)
{
	return (territory_name(rs->territories, i));
}

int
ruleset_is_durable(const struct ruleset *rs, int contract, int duration_months)
{
	if (contract < 0 || contract >= CONTRACT__N)
		return (0);
	if (rs->outcomes.durable_contracts & (1u << contract))
		return (1);
	return (contract == CONTRACT_CDD &&
	    duration_months >= rs->outcomes.durable_cdd_months);
}

int
ruleset_trial_weeks(const struct ruleset *rs, int contract)
{
	if (contract < 0 || contract >= CONTRACT__N)
		return (0);
	return (rs->followup.trial_weeks[contract]);
}
