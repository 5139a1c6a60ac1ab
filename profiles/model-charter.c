/*
 * model-charter.c — a company's charter as tables: the Charte des 1000's
 * 19 actions in the form's six groups, the charter (name, status, the
 * company's charter contact, the national network, other charters), the
 * commitments (the form's four columns per action and charter year) and
 * the realisations the team records.  The codes of records written
 * before the form's 19 actions are renamed on reading (action_renamed).
 * The company record itself is model.c's; the report is the domain's.
 */
#include <stddef.h>

#include "profiles.h"

const char *const action_names[] = {
	"recruit_durable", "adapted_training", "innovative_recruitment",
	"job_fairs", "send_offers", "anti_discrimination",
	"inclusion_partnerships", "social_clauses",
	"school_internships_qpv", "immersion",
	"advice_interviews", "mock_interviews", "mentoring",
	"job_discovery_events", "company_visits",
	"employer_collective", "hr_practices", "charter_ambassador",
	"local_network",
	NULL
};

const char *const charter_group_names[CHARTER_GROUPS + 1] = {
	"recruit_inclusively",		/* former et recruter inclusif */
	"develop_inclusion",		/* agir pour le développement de
					   l'inclusion */
	"host",				/* accueillir au sein de l'entreprise */
	"advise_and_share",		/* conseiller et partager */
	"promote_jobs",			/* valoriser vos métiers */
	"contribute_to_network",	/* contribuer au réseau */
	NULL
};

const int action_groups[ACTION__N] = {
	[ACTION_RECRUIT_DURABLE] = 0,
	[ACTION_ADAPTED_TRAINING] = 0,
	[ACTION_INNOVATIVE_RECRUITMENT] = 0,
	[ACTION_JOB_FAIRS] = 0,
	[ACTION_SEND_OFFERS] = 0,
	[ACTION_ANTI_DISCRIMINATION] = 0,
	[ACTION_INCLUSION_PARTNERSHIPS] = 1,
	[ACTION_SOCIAL_CLAUSES] = 1,
	[ACTION_SCHOOL_INTERNSHIPS_QPV] = 2,
	[ACTION_IMMERSION] = 2,
	[ACTION_ADVICE_INTERVIEWS] = 3,
	[ACTION_MOCK_INTERVIEWS] = 3,
	[ACTION_MENTORING] = 3,
	[ACTION_JOB_DISCOVERY_EVENTS] = 4,
	[ACTION_COMPANY_VISITS] = 4,
	[ACTION_EMPLOYER_COLLECTIVE] = 5,
	[ACTION_HR_PRACTICES] = 5,
	[ACTION_CHARTER_AMBASSADOR] = 5,
	[ACTION_LOCAL_NETWORK] = 5
};

/* recruit_durable, send_offers, immersion and mentoring kept their names;
 * apprenticeship has no line of its own on the form: it is training. */
const char *const action_renamed[] = {
	"recruit_without_cv", "innovative_recruitment",
	"company_visit", "company_visits",
	"training", "adapted_training",
	"apprenticeship", "adapted_training",
	NULL
};

static const struct field charter_fields[] = {
	{
		.name = "name",
		.type = FT_STR,
		.off = offsetof(struct charter, name),
		.flags = F_REQUIRED,
		.min = 1,
		.max = 120
	},
	{
		.name = "signed_on",
		.type = FT_DATE,
		.off = offsetof(struct charter, signed_on),
		.flags = F_NULLABLE
	},
	{
		.name = "status",
		.type = FT_ENUM,
		.off = offsetof(struct charter, status),
		.flags = F_REQUIRED,
		.names = charter_status_names
	},
	{
		.name = "contact",
		.type = FT_OBJ,
		.off = offsetof(struct charter, contact),
		.flags = F_NULLABLE,
		.sub = &contact_schema
	},
	{
		.name = "national_network",
		.type = FT_BOOL,
		.off = offsetof(struct charter, national_network)
	},
	{
		.name = "other_charters",
		.type = FT_STRV,
		.off = offsetof(struct charter, other_charters),
		.cnt = offsetof(struct charter, nother_charters),
		.max = 200
	},
	{ .name = NULL }
};
const struct schema charter_schema = {
	.name = "charter",
	.size = sizeof(struct charter),
	.fields = charter_fields,
	.version = 2
};

static const struct field commitment_fields[] = {
	{
		.name = "action",
		.type = FT_ENUM,
		.off = offsetof(struct commitment, action),
		.flags = F_REQUIRED,
		.names = action_names,
		.renamed = action_renamed
	},
	{
		.name = "year",
		.type = FT_INT,
		.off = offsetof(struct commitment, year),
		.max = 9999
	},
	{
		.name = "done_before",
		.type = FT_BOOL,
		.off = offsetof(struct commitment, done_before)
	},
	{
		.name = "committed",
		.type = FT_BOOL,
		.off = offsetof(struct commitment, committed)
	},
	{
		.name = "publics_per_year",
		.type = FT_INT,
		.off = offsetof(struct commitment, publics_per_year),
		.max = 100000
	},
	{
		.name = "days_per_year",
		.type = FT_INT,
		.off = offsetof(struct commitment, days_per_year),
		.max = 366
	},
	{ .name = NULL }
};
const struct schema commitment_schema = {
	.name = "commitment",
	.size = sizeof(struct commitment),
	.fields = commitment_fields,
	.version = 2		/* 2: the form's 19 actions, the year */
};

static const struct field realisation_fields[] = {
	{
		.name = "on",
		.type = FT_DATE,
		.off = offsetof(struct realisation, on),
		.flags = F_REQUIRED
	},
	{
		.name = "action",
		.type = FT_ENUM,
		.off = offsetof(struct realisation, action),
		.flags = F_REQUIRED,
		.names = action_names
	},
	{
		.name = "publics",
		.type = FT_INT,
		.off = offsetof(struct realisation, publics),
		.max = 100000
	},
	{
		.name = "days",
		.type = FT_INT,
		.off = offsetof(struct realisation, days),
		.max = 366
	},
	{
		.name = "note",
		.type = FT_STR,
		.off = offsetof(struct realisation, note),
		.flags = F_NULLABLE | F_NOTE,
		.max = 4000
	},
	{ .name = NULL }
};
const struct schema realisation_schema = {
	.name = "realisation",
	.size = sizeof(struct realisation),
	.fields = realisation_fields,
	.version = 1
};
