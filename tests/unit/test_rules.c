/*
 * test_rules.c — unit tests of rules/ and of the daemon's configuration
 * (matcher/daemon/conf.c): every kind of error a rule set can have, each with its
 * exact message and file:line:col, several in one run; the defaults; the
 * shipped rule sets; territory files; a failed load that leaves the rule
 * set in use untouched.  Run from the repository's root (data/, rules/,
 * tests/unit/rules/ are read from there).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules.h"
#include "conf.h"

#define FIXTURES	"tests/unit/rules"
#define HEAD		"name: t\nterritories: metropole-lyon-territories.csv\n"
#define FILTER_KEYS	"programmes, rome_match, contracts, zone, hours, " \
			"schedule, availability_days, licence"
#define TOP_KEYS	"name, description, territories, policies, filters, " \
			"weights, outcomes, followup"
#define PROGRAMMES	"plie, mission_locale, cap_emploi, france_travail, " \
			"siae, other"
#define CONTRACTS	"CDI, CDD, CTT, PMSMP, APPRENTISSAGE, " \
			"PROFESSIONNALISATION, CDDI, PEC"
#define L1132		" (Code du travail L1132-1): it cannot filter or " \
			"weight a match"

static int
setup(void **state)
{
	char	*cause;

	(void)state;
	if (refdata_load("data", &cause) != 0) {
		fprintf(stderr, "refdata: %s\n", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	refdata_free();
	return (0);
}

/* Load yaml as t.yaml with territory files from dir; the errors or NULL. */
static char *
load_errors(const char *yaml, const char *dir)
{
	struct ruleset	*rs = NULL;
	char		*errors = "unset";

	if (ruleset_load_buffer("t.yaml", yaml, strlen(yaml), dir, &rs,
	    &errors) == 0) {
		assert_non_null(rs);
		assert_null(errors);
		ruleset_free(rs);
		return (NULL);
	}
	assert_null(rs);
	assert_non_null(errors);
	return (errors);
}

static void
expect(const char *yaml, const char *dir, const char *want)
{
	char	*got = load_errors(yaml, dir);

	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
	free(got);
}

/* Each kind of mistake, alone, with its exact message. */
static const struct error_case {
	const char	*yaml;
	const char	*errors;	/* NULL: loads */
} error_cases[] = {
	/* Unknown keys, at the key. */
	{ HEAD "colour: blue\n",
	  "t.yaml:3:1: unknown key \"colour\" (expected one of: " TOP_KEYS
	  ")" },
	{ HEAD "filters:\n  foo: 1\n",
	  "t.yaml:4:3: unknown key \"foo\" in filters (expected one of: "
	  FILTER_KEYS ")" },
	{ HEAD "version: 2\n",
	  "t.yaml:3:1: unknown key \"version\" (expected one of: " TOP_KEYS
	  ")" },
	{ HEAD "followup:\n  trial_weeks: {CDI: 8, CIVIS: 2}\n",
	  "t.yaml:4:25: unknown key \"CIVIS\" in followup.trial_weeks "
	  "(expected one of: " CONTRACTS ")" },
	{ HEAD "policies:\n  no_cv: true\n  no_cv: false\n",
	  "t.yaml:5:3: duplicate key \"no_cv\" in policies (first at line 4)" },
	/* Wrong types. */
	{ HEAD "policies:\n  no_cv: yes\n",
	  "t.yaml:4:3: policies.no_cv: \"yes\" is not a boolean (expected "
	  "true or false)" },
	{ HEAD "weights:\n  publics:\n    rsa: abc\n",
	  "t.yaml:5:5: weights.publics.rsa: \"abc\" is not an integer "
	  "(expected 0..1000)" },
	{ HEAD "weights:\n  qpv: [1]\n",
	  "t.yaml:4:3: weights.qpv: a list is not an integer (expected "
	  "0..1000)" },
	{ HEAD "filters: 3\n",
	  "t.yaml:3:1: filters: \"3\" is not a map" },
	{ HEAD "outcomes:\n  durable_contracts: CDI\n",
	  "t.yaml:4:3: outcomes.durable_contracts: \"CDI\" is not a list "
	  "(expected a list of: " CONTRACTS ")" },
	{ HEAD "description: {a: b}\n",
	  "t.yaml:3:1: description: a map is not a string" },
	/* Out of range. */
	{ HEAD "policies:\n  proposal_expiry_days: 0\n",
	  "t.yaml:4:3: policies.proposal_expiry_days: \"0\" is out of range "
	  "(expected 1..365)" },
	{ HEAD "policies:\n  stalled_after_days: -3\n",
	  "t.yaml:4:3: policies.stalled_after_days: \"-3\" is out of range "
	  "(expected 1..3650)" },
	{ HEAD "policies:\n  caseload_max: 0\n",
	  "t.yaml:4:3: policies.caseload_max: \"0\" is out of range "
	  "(expected 1..10000)" },
	{ HEAD "policies:\n  max_proposals_per_company: 0\n",
	  "t.yaml:4:3: policies.max_proposals_per_company: \"0\" is out of "
	  "range (expected 1..10000 or null)" },
	{ HEAD "policies:\n  per_days: 4000\n",
	  "t.yaml:4:3: policies.per_days: \"4000\" is out of range "
	  "(expected 1..3650)" },
	{ HEAD "weights:\n  expressed_interest: -5\n",
	  "t.yaml:4:3: weights.expressed_interest: \"-5\" is out of range "
	  "(expected 0..1000)" },
	{ HEAD "filters:\n  availability_days: -1\n",
	  "t.yaml:4:3: filters.availability_days: \"-1\" is out of range "
	  "(expected 0..365 or null)" },
	{ HEAD "weights:\n  waiting_cap_months: 99999999999999999999\n",
	  "t.yaml:4:3: weights.waiting_cap_months: \"99999999999999999999\" "
	  "is not an integer (expected 0..120)" },
	/* Bad enumeration values. */
	{ HEAD "filters:\n  rome_match: fam\n",
	  "t.yaml:4:3: filters.rome_match: \"fam\" is not a valid value "
	  "(expected one of: exact, family)" },
	{ HEAD "filters:\n  programmes: [plie, pilot]\n",
	  "t.yaml:4:22: filters.programmes[1]: \"pilot\" is not a valid value "
	  "(expected one of: " PROGRAMMES ")" },
	{ HEAD "outcomes:\n  positive_exits: [job]\n",
	  "t.yaml:4:20: outcomes.positive_exits[0]: \"job\" is not a valid "
	  "value (expected one of: durable_employment, "
	  "transitional_employment, qualifying_training, work_study, "
	  "business_creation, return_to_school, other)" },
	/* Name and territories. */
	{ "territories: metropole-lyon-territories.csv\n",
	  "t.yaml:1:1: missing required key \"name\"" },
	{ "name:\nterritories: metropole-lyon-territories.csv\n",
	  "t.yaml:1:1: missing required key \"name\"" },
	{ "name: IOD_plie\nterritories: metropole-lyon-territories.csv\n",
	  "t.yaml:1:1: name: \"IOD_plie\" is not valid (expected lowercase "
	  "letters, digits and '-')" },
	{ "name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaa\nterritories: metropole-lyon-territories.csv\n",
	  "t.yaml:1:1: name: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaa...\" is 73 bytes long (expected 1..64)" },
	{ "name: t\nterritories: ../etc/passwd\n",
	  "t.yaml:2:1: territories: \"../etc/passwd\" is not valid (expected "
	  "a path without \"..\")" },
	{ "name: t\nterritories: /etc/passwd\n",
	  "t.yaml:2:1: territories: \"/etc/passwd\" is not valid (expected a "
	  "relative path)" },
	{ "name: t\n",
	  "t.yaml:1:1: missing required key \"territories\"" },
	/* YAML itself. */
	{ "name: t\n  x: [\n",
	  "t.yaml:2:4: syntax error: mapping values are not allowed in this "
	  "context" },
	{ "name: t\nterritories: [a, b\n",
	  "t.yaml:3:1: syntax error: did not find expected ',' or ']' (while "
	  "parsing a flow sequence at 2:14)" },
	{ "name: \"t\xff\"\n",
	  "t.yaml:1:9: syntax error: invalid leading UTF-8 octet" },
	{ HEAD "description: &d x\nfilters: *d\n",
	  "t.yaml:3:14: anchors and aliases are not supported\n"
	  "t.yaml:4:10: anchors and aliases are not supported" },
	{ HEAD "description: !!str x\n",
	  "t.yaml:3:14: tags are not supported" },
	{ HEAD "---\nname: u\n",
	  "t.yaml:3:1: only one YAML document is allowed" },
	{ HEAD "description: \"a\\0b\"\n",
	  "t.yaml:3:14: a string must not contain a NUL character" },
	{ HEAD "? [a]\n: b\n",
	  "t.yaml:3:3: a key must be a string" },
	{ "- name\n- t\n",
	  "t.yaml:1:1: a list is not a map" },
	{ "",
	  "t.yaml:1:1: missing required key \"name\"\n"
	  "t.yaml:1:1: missing required key \"territories\"" },
	/* Protected grounds, wherever they hide in filters and weights. */
	{ HEAD "filters:\n  sex: F\n",
	  "t.yaml:4:3: filters.sex: \"sex\" is a protected ground" L1132 },
	{ HEAD "filters:\n  nationality: [FR]\n",
	  "t.yaml:4:3: filters.nationality: \"nationality\" is a protected "
	  "ground" L1132 },
	{ HEAD "filters:\n  programmes: [plie, religion]\n",
	  "t.yaml:4:22: filters.programmes[1]: \"religion\" is a protected "
	  "ground" L1132 },
	{ HEAD "filters:\n  extra:\n    max-age: 45\n",
	  "t.yaml:5:5: filters.extra.max-age: \"max-age\" is about a protected "
	  "ground, age" L1132 "; only the publics youth and senior (positive "
	  "action) may be weighted" },
	{ HEAD "weights:\n  publics:\n    handicap: 10\n",
	  "t.yaml:5:5: weights.publics.handicap: \"handicap\" is about a "
	  "protected ground, health" L1132 "; only the public rqth (positive "
	  "action) may be weighted" },
	{ HEAD "weights:\n  lastName: 5\n  ethnic_origin: 5\n",
	  "t.yaml:4:3: weights.lastName: \"lastName\" is about a protected "
	  "ground, family name" L1132 "\n"
	  "t.yaml:5:3: weights.ethnic_origin: \"ethnic_origin\" is about a "
	  "protected ground, origin" L1132 },
	{ HEAD "weights:\n  zone: {pregnant: 0}\n",
	  "t.yaml:4:10: weights.zone.pregnant: \"pregnant\" is about a "
	  "protected ground, pregnancy" L1132 },
	{ HEAD "filters:\n  criteria:\n    candidates:\n"
	  "      - {religion: none}\n",
	  "t.yaml:6:10: filters.criteria.candidates[0].religion: "
	  "\"religion\" is a protected ground" L1132 },
	/* Positive action is allowed, and a word inside a word is no ground. */
	{ HEAD "weights:\n  publics: {rqth: 10, youth: 5, senior: 5, "
	  "single_parent: 5}\nfilters:\n  rome_match: family\n", NULL },
	/* Territory files. */
	{ "name: t\nterritories: nowhere.csv\n",
	  "t.yaml:2:1: territories: \"nowhere.csv\" not found (looked in "
	  "data)" },
	{ "name: t\nterritories: .\n",
	  "t.yaml:2:1: territories: data/.: Is a directory" },
};

static void
test_each_error(void **state)
{
	const struct error_case	*c;

	(void)state;
	for (c = error_cases; c < error_cases + sizeof(error_cases) /
	    sizeof(error_cases[0]); c++)
		expect(c->yaml, "data", c->errors);
}

static void
test_many_errors_in_one_run(void **state)
{
	struct ruleset	*rs = NULL;
	char		*errors;

	(void)state;
	assert_int_equal(ruleset_load_file(FIXTURES "/many-errors.yaml",
	    "data", &rs, &errors), IOD_EINVAL);
	assert_null(rs);
	assert_string_equal(errors,
	    FIXTURES "/many-errors.yaml:2:1: name: \"Many Errors\" is not "
	    "valid (expected lowercase letters, digits and '-')\n"
	    FIXTURES "/many-errors.yaml:6:3: policies.no_cv: \"yes\" is not a "
	    "boolean (expected true or false)\n"
	    FIXTURES "/many-errors.yaml:7:3: policies.refusal_cooldown_days: "
	    "\"-1\" is out of range (expected 0..3650)\n"
	    FIXTURES "/many-errors.yaml:8:3: unknown key \"proposal_expiry\" "
	    "in policies (expected one of: no_cv, one_candidate_per_offer, "
	    "candidate_exclusive, require_workstation_visit, require_consent, "
	    "refusal_cooldown_days, proposal_expiry_days, stalled_after_days, "
	    "caseload_max, max_proposals_per_company, per_days)\n"
	    FIXTURES "/many-errors.yaml:10:22: filters.programmes[1]: "
	    "\"pilot\" is not a valid value (expected one of: " PROGRAMMES ")\n"
	    FIXTURES "/many-errors.yaml:11:3: filters.rome_match: \"same\" is "
	    "not a valid value (expected one of: exact, family)\n"
	    FIXTURES "/many-errors.yaml:12:3: filters.gender: \"gender\" is "
	    "about a protected ground, sex" L1132 "\n"
	    FIXTURES "/many-errors.yaml:15:5: weights.publics.rsa: \"lots\" is "
	    "not an integer (expected 0..1000)\n"
	    FIXTURES "/many-errors.yaml:17:5: weights.publics.disability: "
	    "\"disability\" is about a protected ground, health" L1132 "; only "
	    "the public rqth (positive action) may be weighted\n"
	    FIXTURES "/many-errors.yaml:18:3: weights.qpv: \"5000\" is out of "
	    "range (expected 0..1000)\n"
	    FIXTURES "/many-errors.yaml:20:3: outcomes.durable_cdd_months: "
	    "\"0\" is out of range (expected 1..36)\n"
	    FIXTURES "/many-errors.yaml:24:5: duplicate key \"CDI\" in "
	    "followup.trial_weeks (first at line 23)");
	free(errors);
}

/* Past YAMLTREE_MAX_ERRORS lines, the rest are counted. */
static void
test_too_many_errors(void **state)
{
	char	*yaml, *errors, *last;
	size_t	 len = 0, i;

	(void)state;
	yaml = malloc(8192);
	len = (size_t)sprintf(yaml, HEAD "filters:\n");
	for (i = 0; i < 150; i++)
		len += (size_t)sprintf(yaml + len, "  k%zu: 1\n", i);
	errors = load_errors(yaml, "data");
	assert_non_null(last = strrchr(errors, '\n'));
	assert_string_equal(last + 1, "50 more errors not shown");
	assert_non_null(strstr(errors, "t.yaml:103:3: unknown key \"k99\""));
	assert_null(strstr(errors, "\"k100\""));
	free(errors);
	free(yaml);
}

static void
test_bounds(void **state)
{
	char	*yaml;
	size_t	 i;

	(void)state;
	/* 31 lists in the root map: 32 levels, read; one more is refused. */
	yaml = calloc(1, 256);
	strcpy(yaml, HEAD "x: ");
	for (i = 0; i < 31; i++)
		strcat(yaml, "[");
	for (i = 0; i < 31; i++)
		strcat(yaml, "]");
	strcat(yaml, "\n");
	expect(yaml, "data", "t.yaml:3:1: unknown key \"x\" (expected one of: "
	    TOP_KEYS ")");
	strcpy(yaml, HEAD "x: ");
	for (i = 0; i < 32; i++)
		strcat(yaml, "[");
	expect(yaml, "data", "t.yaml:3:35: nested deeper than 32 levels");
	free(yaml);

	yaml = malloc(YAMLTREE_MAX_BYTES + 1);
	memset(yaml, '#', YAMLTREE_MAX_BYTES);
	yaml[YAMLTREE_MAX_BYTES] = '\0';
	expect(yaml, "data", "t.yaml:1:1: missing required key \"name\"\n"
	    "t.yaml:1:1: missing required key \"territories\"");
	yaml = realloc(yaml, YAMLTREE_MAX_BYTES + 2);
	strcpy(yaml + YAMLTREE_MAX_BYTES, "#");
	expect(yaml, "data", "t.yaml:1:1: larger than 1 MiB");
	free(yaml);
}

static void
test_defaults(void **state)
{
	const char	*yaml = HEAD;
	struct ruleset	*rs = NULL;
	char		*errors;
	int		 i;

	(void)state;
	assert_int_equal(ruleset_load_buffer("t.yaml", yaml, strlen(yaml),
	    "data", &rs, &errors), 0);
	assert_null(errors);
	assert_string_equal(rs->name, "t");
	assert_null(rs->description);
	assert_string_equal(rs->source, yaml);
	assert_int_equal(rs->sourcelen, strlen(yaml));
	assert_true(rs->policies.no_cv &&
	    rs->policies.one_candidate_per_offer &&
	    rs->policies.candidate_exclusive &&
	    rs->policies.require_workstation_visit &&
	    rs->policies.require_consent);
	assert_int_equal(rs->policies.refusal_cooldown_days, 90);
	assert_int_equal(rs->policies.proposal_expiry_days, 30);
	assert_int_equal(rs->policies.stalled_after_days, 30);
	assert_int_equal(rs->policies.caseload_max, 90);
	assert_int_equal(rs->policies.max_proposals_per_company, -1);
	assert_int_equal(rs->policies.per_days, 30);
	assert_int_equal(rs->weights.expressed_interest, 0);
	assert_int_equal(rs->filters.programmes, (1u << PROGRAMME__N) - 1);
	assert_int_equal(rs->filters.rome_match, ROME_MATCH_EXACT);
	assert_true(rs->filters.contracts && rs->filters.zone &&
	    rs->filters.hours && rs->filters.schedule && rs->filters.licence);
	assert_int_equal(rs->filters.availability_days, -1);
	for (i = 0; i < PUBLIC__N; i++)
		assert_int_equal(rs->weights.publics[i], 0);
	assert_int_equal(rs->weights.qpv, 0);
	assert_int_equal(rs->weights.waiting_cap_months, 12);
	assert_int_equal(rs->outcomes.durable_contracts, 1u << CONTRACT_CDI);
	assert_int_equal(rs->outcomes.durable_cdd_months, 6);
	assert_int_equal(rs->outcomes.positive_exits,
	    (1u << EXIT_DURABLE_EMPLOYMENT) | (1u << EXIT_QUALIFYING_TRAINING));
	assert_int_equal(ruleset_trial_weeks(rs, CONTRACT_CDI), 8);
	assert_int_equal(ruleset_trial_weeks(rs, CONTRACT_CDD), 2);
	assert_int_equal(ruleset_trial_weeks(rs, CONTRACT_CTT), 1);
	assert_int_equal(ruleset_trial_weeks(rs, CONTRACT_APPRENTISSAGE), 9);
	assert_int_equal(ruleset_trial_weeks(rs, CONTRACT__N), 0);
	assert_true(rs->followup.weekly_during_trial &&
	    rs->followup.separate_parties &&
	    rs->followup.joint_review_at_horizon);
	assert_int_equal(rs->followup.monthly_until_months, 6);
	ruleset_free(rs);

	/* null is "not checked" for availability_days, "absent" elsewhere. */
	yaml = HEAD "filters:\n  availability_days: ~\n  programmes: []\n"
	    "policies:\n  no_cv:\n";
	assert_int_equal(ruleset_load_buffer("t.yaml", yaml, strlen(yaml),
	    "data", &rs, NULL), 0);
	assert_int_equal(rs->filters.availability_days, -1);
	assert_int_equal(rs->filters.programmes, (1u << PROGRAMME__N) - 1);
	assert_true(rs->policies.no_cv);
	ruleset_free(rs);
}

static void
test_shipped_rulesets(void **state)
{
	struct ruleset	*rs = NULL;
	char		*errors = NULL;

	(void)state;
	assert_int_equal(ruleset_load_file("rules/iod-plie.yaml", "data", &rs,
	    &errors), 0);
	assert_null(errors);
	assert_string_equal(rs->name, "iod-plie");
	assert_int_equal(rs->filters.programmes, 1u << PROGRAMME_PLIE);
	assert_int_equal(rs->filters.rome_match, ROME_MATCH_FAMILY);
	assert_int_equal(rs->policies.refusal_cooldown_days, 90);
	assert_true(rs->policies.no_cv && rs->policies.require_consent);
	assert_true(rs->weights.publics[PUBLIC_DELD] > 0 &&
	    rs->weights.publics[PUBLIC_RSA] > 0 && rs->weights.qpv > 0 &&
	    rs->weights.waiting_per_month > 0);
	assert_int_equal(ruleset_is_durable(rs, CONTRACT_CDI, 0), 1);
	assert_int_equal(ruleset_is_durable(rs, CONTRACT_CDD, 6), 1);
	assert_int_equal(ruleset_is_durable(rs, CONTRACT_CDD, 5), 0);
	assert_int_equal(ruleset_is_durable(rs, CONTRACT_CTT, 12), 0);
	assert_int_equal(ruleset_is_durable(rs, -1, 12), 0);
	assert_int_equal(ruleset_trial_weeks(rs, CONTRACT_CDI), 8);
	assert_true(rs->followup.weekly_during_trial &&
	    rs->followup.separate_parties &&
	    rs->followup.joint_review_at_horizon);
	assert_int_equal(rs->followup.monthly_until_months, 6);
	assert_string_equal(ruleset_territory_name(rs,
	    ruleset_territory_of(rs, "69381")), "Lyon");
	assert_string_equal(ruleset_territory_name(rs,
	    ruleset_territory_of(rs, "69282")), "Rhône Amont");
	assert_int_equal(ruleset_territory_of(rs, "69266"),
	    ruleset_territory_of(rs, "69266"));
	assert_int_not_equal(ruleset_territory_of(rs, "69266"),
	    ruleset_territory_of(rs, "69381"));
	assert_int_equal(ruleset_territory_of(rs, "75056"), -1);
	assert_null(ruleset_territory_name(rs, -1));
	assert_null(ruleset_territory_name(rs, 10));
	assert_non_null(ruleset_territory_name(rs, 9));
	ruleset_free(rs);

	assert_int_equal(ruleset_load_file("rules/mission-locale.yaml", "data",
	    &rs, &errors), 0);
	assert_string_equal(rs->name, "mission-locale");
	assert_int_equal(rs->filters.programmes,
	    1u << PROGRAMME_MISSION_LOCALE);
	assert_int_equal(ruleset_is_durable(rs, CONTRACT_APPRENTISSAGE, 12),
	    1);
	assert_true(rs->outcomes.positive_exits & (1u << EXIT_WORK_STUDY));
	ruleset_free(rs);
}

static void
test_territory_files(void **state)
{
	struct ruleset	*rs = NULL;
	char		*errors;
	const char	*yaml = "name: t\nterritories: small-territories.csv\n";

	(void)state;
	assert_int_equal(ruleset_load_file(FIXTURES "/bad-territories.yaml",
	    "data", &rs, &errors), IOD_EINVAL);
	assert_null(rs);
	assert_string_equal(errors,
	    FIXTURES "/bad-territories.csv:4:1: insee_code: \"69999\" is not "
	    "one of the reference communes\n"
	    FIXTURES "/bad-territories.csv:5:1: insee_code: \"6938\" is not an "
	    "INSEE code (expected 5 characters such as 69381)\n"
	    FIXTURES "/bad-territories.csv:6:1: territory: empty (expected the "
	    "name of the commune's territory)\n"
	    FIXTURES "/bad-territories.csv:7:1: insee_code: \"69381\" is "
	    "listed twice (first at line 3)");
	free(errors);

	assert_int_equal(ruleset_load_file(FIXTURES "/missing-territories.yaml",
	    "data", &rs, &errors), IOD_EINVAL);
	assert_string_equal(errors, FIXTURES "/missing-territories.yaml:2:1: "
	    "territories: \"nowhere.csv\" not found (looked in " FIXTURES
	    " and data)");
	free(errors);

	expect("name: t\nterritories: no-column.csv\n", FIXTURES,
	    FIXTURES "/no-column.csv:1:1: the header must name the columns "
	    "insee_code and territory");

	/* Columns in any order, quoted fields; beside the rule set first. */
	assert_int_equal(ruleset_load_buffer("t.yaml", yaml, strlen(yaml),
	    FIXTURES, &rs, &errors), 0);
	assert_string_equal(ruleset_territory_name(rs,
	    ruleset_territory_of(rs, "69029")), "East");
	assert_int_equal(ruleset_territory_of(rs, "69029"),
	    ruleset_territory_of(rs, "69266"));
	assert_string_equal(ruleset_territory_name(rs,
	    ruleset_territory_of(rs, "69381")), "Centre");
	assert_int_equal(ruleset_territory_of(rs, "69382"), -1);
	ruleset_free(rs);
}

/* A failed load leaves the rule set in use as it was. */
static void
test_bad_never_replaces_good(void **state)
{
	struct ruleset	*rs = NULL, *good;
	char		*errors;
	const char	*bad = "name: iod-plie\nterritories: "
	    "metropole-lyon-territories.csv\nfilters:\n  sex: F\n";

	(void)state;
	assert_int_equal(ruleset_load_file("rules/iod-plie.yaml", "data", &rs,
	    &errors), 0);
	good = rs;
	assert_int_equal(ruleset_load_buffer("t.yaml", bad, strlen(bad), "data",
	    &rs, &errors), IOD_EINVAL);
	assert_ptr_equal(rs, good);
	free(errors);
	assert_int_equal(ruleset_load_file(FIXTURES "/many-errors.yaml", "data",
	    &rs, NULL), IOD_EINVAL);
	assert_int_equal(ruleset_load_file(FIXTURES "/absent.yaml", "data",
	    &rs, &errors), IOD_EINVAL);
	assert_string_equal(errors, FIXTURES "/absent.yaml: No such file or "
	    "directory");
	free(errors);
	assert_ptr_equal(rs, good);
	assert_string_equal(rs->name, "iod-plie");
	assert_int_equal(rs->filters.rome_match, ROME_MATCH_FAMILY);
	assert_non_null(strstr(rs->source, "one_candidate_per_offer: true"));
	ruleset_free(rs);
	ruleset_free(NULL);
}

static void
test_quote(void **state)
{
	char	q[YAMLTREE_QUOTE_MAX];
	char	long_s[200];

	(void)state;
	assert_string_equal(yamltree_quote(q, "a\"b\\c\nd\x01"),
	    "\"a\\\"b\\\\c\\nd\\x01\"");
	/* Cut on a character boundary: 'é' is two bytes. */
	memset(long_s, 'a', sizeof(long_s));
	strcpy(long_s + 70, "éé");
	assert_string_equal(yamltree_quote(q, long_s), "\"aaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"");
	/* Never half of one. */
	long_s[69] = '\0';
	strcat(long_s, "éé");
	assert_string_equal(yamltree_quote(q, long_s), "\"aaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"");
}

static void
test_conf(void **state)
{
	struct conf	*c = NULL;
	char		*errors;

	(void)state;
	assert_int_equal(conf_load("etc/iod.yaml", &c, &errors), 0);
	assert_null(errors);
	assert_string_equal(c->listen_addr, "127.0.0.1");
	assert_int_equal(c->listen_port, 8080);
	assert_string_equal(c->refdata, "data");
	assert_int_equal(c->nrulesets, 2);
	assert_string_equal(c->rulesets[0].name, "iod-plie");
	assert_string_equal(c->rulesets[1].path, "rules/mission-locale.yaml");
	assert_string_equal(c->default_ruleset, "iod-plie");
	assert_true(c->limits.max_body_bytes >= 1024);
	assert_true(c->map_size_mb <= c->map_max_mb);
	conf_free(c);
	assert_int_equal(conf_check("etc/iod.yaml", &errors), 0);
	assert_null(errors);
	conf_free(NULL);

	c = NULL;
	assert_int_equal(conf_load(FIXTURES "/conf-bad.yaml", &c, &errors),
	    IOD_EINVAL);
	assert_null(c);
	assert_string_equal(errors,
	    FIXTURES "/conf-bad.yaml:1:1: listen: \"localhost\" is not valid "
	    "(expected ADDR:PORT with a port in 1..65535, such as "
	    "127.0.0.1:8080 or [::1]:8080)\n"
	    FIXTURES "/conf-bad.yaml:7:3: limits.max_connections: \"0\" is out "
	    "of range (expected 1..10000)\n"
	    FIXTURES "/conf-bad.yaml:8:3: unknown key \"keepalive\" in limits "
	    "(expected one of: max_body_bytes, max_buffered_bytes, "
	    "max_connections, max_streams, max_streams_per_token, "
	    "header_timeout_s, request_timeout_s, requests_per_minute)\n"
	    FIXTURES "/conf-bad.yaml:11:1: log_level: \"loud\" is not a valid "
	    "value (expected one of: debug, info, warn, error)\n"
	    FIXTURES "/conf-bad.yaml:4:3: rulesets.Youth: \"Youth\" is not a "
	    "valid rule set name (expected lowercase letters, digits and '-')\n"
	    FIXTURES "/conf-bad.yaml:10:1: map_max_mb: 64 is less than "
	    "map_size_mb (128)\n"
	    FIXTURES "/conf-bad.yaml:5:1: default_ruleset: \"nope\" is not one "
	    "of the rulesets (expected one of: iod-plie)");
	free(errors);

	assert_int_equal(conf_load(FIXTURES "/conf-misnamed.yaml", &c, &errors),
	    0);
	conf_free(c);
	assert_int_equal(conf_check(FIXTURES "/conf-misnamed.yaml", &errors),
	    IOD_EINVAL);
	assert_non_null(strstr(errors,
	    FIXTURES "/conf-misnamed.yaml:2:3: rulesets.plie: "
	    "rules/iod-plie.yaml names itself \"iod-plie\"\n"
	    FIXTURES "/conf-misnamed.yaml:3:3: rulesets.absent: "
	    FIXTURES "/absent.yaml: No such file or directory\n"
	    FIXTURES "/many-errors.yaml:2:1: name: \"Many Errors\" is not "
	    "valid"));
	free(errors);
	/* conf_check leaves the reference data as it found it. */
	assert_non_null(refdata_get());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_error),
		cmocka_unit_test(test_many_errors_in_one_run),
		cmocka_unit_test(test_too_many_errors),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_shipped_rulesets),
		cmocka_unit_test(test_territory_files),
		cmocka_unit_test(test_bad_never_replaces_good),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_conf),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
