/*
 * model.c — the record types as tables: the wire names of every
 * enumeration and the field table of each record (company, offer,
 * candidate, referent).  The codecs in schema.c walk these tables; nothing
 * here encodes or decodes by itself.  Field names are the API's contract.
 */
#include <stddef.h>
#include <string.h>

#include "profiles.h"

const char *const contract_names[] = { "CDI", "CDD", "CTT", "PMSMP",
    "APPRENTISSAGE", "PROFESSIONNALISATION", "CDDI", "PEC", NULL };
const char *const schedule_names[] = { "early", "night", "weekend", NULL };
const char *const requirement_names[] = { "licence_b", "vehicle", NULL };
const char *const public_names[] = { "rsa", "deld", "youth", "senior",
    "rqth", "refugee", "justice", "single_parent", NULL };
const char *const programme_names[] = { "plie", "mission_locale",
    "cap_emploi", "france_travail", "siae", "other", NULL };
const char *const sex_names[] = { "F", "M", NULL };
const char *const zone_names[] = { "commune", "territory", "metropole", NULL };
const char *const consent_names[] = { "matching", "matching_followup", NULL };
const char *const candidate_status_names[] = { "active", "on_hold", "placed",
    "exited", "erased", NULL };
const char *const offer_status_names[] = { "open", "draft", "filled",
    "closed", NULL };
const char *const charter_status_names[] = { "signed", "renewed", "lapsed",
    "withdrawn", NULL };

const char *const exit_names[] = { "durable_employment",
    "transitional_employment", "qualifying_training", "work_study",
    "business_creation", "return_to_school", "other", NULL };

int
enum_lookup(const char *const *names, const char *s)
{
	int	i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return (i);
	return (-1);
}

int
enum_lookup_renamed(const struct field *f, const char *s)
{
	const char *const	*r;
	int			 k;

	if ((k = enum_lookup(f->names, s)) >= 0 || f->renamed == NULL)
		return (k);
	for (r = f->renamed; r[0] != NULL; r += 2)
		if (strcmp(r[0], s) == 0)
			return (enum_lookup(f->names, r[1]));
	return (-1);
}

static const struct field contact_fields[] = {
	{
		.name = "name",
		.type = FT_STR,
		.off = offsetof(struct contact, name),
		.flags = F_PERSONAL | F_NULLABLE,
		.max = 120
	},
	{
		.name = "role",
		.type = FT_STR,
		.off = offsetof(struct contact, role),
		.flags = F_NULLABLE,
		.max = 120
	},
	{
		.name = "phone",
		.type = FT_STR,
		.off = offsetof(struct contact, phone),
		.flags = F_PERSONAL | F_NULLABLE,
		.max = 32
	},
	{
		.name = "email",
		.type = FT_STR,
		.off = offsetof(struct contact, email),
		.flags = F_PERSONAL | F_NULLABLE,
		.max = 254,
		.check = check_email
	},
	{ .name = NULL }
};
const struct schema contact_schema = {
	.name = "contact",
	.size = sizeof(struct contact),
	.fields = contact_fields,
	.version = 1
};

static const struct field company_fields[] = {
	{
		.name = "id",
		.type = FT_ID,
		.off = offsetof(struct company, id),
		.flags = F_RO
	},
	{
		.name = "external_ref",
		.type = FT_STR,
		.off = offsetof(struct company, external_ref),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 64
	},
	{
		.name = "siret",
		.type = FT_STR,
		.off = offsetof(struct company, siret),
		.flags = F_REQUIRED,
		.min = 14,
		.max = 14,
		.check = check_siret
	},
	{
		.name = "name",
		.type = FT_STR,
		.off = offsetof(struct company, name),
		.flags = F_REQUIRED,
		.min = 1,
		.max = 200
	},
	{
		.name = "commune",
		.type = FT_STR,
		.off = offsetof(struct company, commune),
		.flags = F_REQUIRED,
		.min = 5,
		.max = 5,
		.check = check_commune
	},
	{
		.name = "fte",
		.type = FT_INT,
		.off = offsetof(struct company, fte),
		.max = 1000000
	},
	{
		.name = "charter",
		.type = FT_OBJ,
		.off = offsetof(struct company, charter),
		.flags = F_NULLABLE,
		.sub = &charter_schema
	},
	{
		.name = "fte_metropole",
		.type = FT_INT,
		.off = offsetof(struct company, fte_metropole),
		.max = 1000000
	},
	{
		.name = "commitments",
		.type = FT_OBJV,
		.off = offsetof(struct company, commitments),
		.cnt = offsetof(struct company, ncommitments),
		.max = 19 * 10,		/* the 19 actions, ten charter years */
		.sub = &commitment_schema
	},
	{
		.name = "realisations",
		.type = FT_OBJV,
		.off = offsetof(struct company, realisations),
		.cnt = offsetof(struct company, nrealisations),
		.max = 2000,
		.sub = &realisation_schema
	},
	{
		.name = "favoured_publics",
		.type = FT_SET,
		.off = offsetof(struct company, favoured_publics),
		.names = public_names
	},
	{
		.name = "contact",
		.type = FT_OBJ,
		.off = offsetof(struct company, contact),
		.flags = F_NULLABLE,
		.sub = &contact_schema
	},
	{
		.name = "created_at",
		.type = FT_TIME,
		.off = offsetof(struct company, created_at),
		.flags = F_RO
	},
	{
		.name = "updated_at",
		.type = FT_TIME,
		.off = offsetof(struct company, updated_at),
		.flags = F_RO
	},
	{ .name = NULL }
};
const struct schema company_schema = {
	.name = "company",
	.size = sizeof(struct company),
	.fields = company_fields,
	.version = 2		/* 2: the charter form's 19 actions */
};

static const struct field visit_fields[] = {
	{
		.name = "on",
		.type = FT_DATE,
		.off = offsetof(struct visit, on),
		.flags = F_REQUIRED
	},
	{
		.name = "notes",
		.type = FT_STR,
		.off = offsetof(struct visit, notes),
		.flags = F_NULLABLE | F_NOTE,
		.max = 4000
	},
	{ .name = NULL }
};
static const struct schema visit_schema = {
	.name = "workstation_visit",
	.size = sizeof(struct visit),
	.fields = visit_fields,
	.version = 1
};

static const struct field offer_fields[] = {
	{
		.name = "id",
		.type = FT_ID,
		.off = offsetof(struct offer, id),
		.flags = F_RO
	},
	{
		.name = "external_ref",
		.type = FT_STR,
		.off = offsetof(struct offer, external_ref),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 64
	},
	{
		.name = "company_id",
		.type = FT_REF,
		.off = offsetof(struct offer, company_id),
		.flags = F_REQUIRED
	},
	{
		.name = "title",
		.type = FT_STR,
		.off = offsetof(struct offer, title),
		.flags = F_REQUIRED,
		.min = 1,
		.max = 200
	},
	{
		.name = "rome",
		.type = FT_STR,
		.off = offsetof(struct offer, rome),
		.flags = F_REQUIRED,
		.min = 5,
		.max = 5,
		.check = check_rome
	},
	{
		.name = "appellation",
		.type = FT_STR,
		.off = offsetof(struct offer, appellation),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 8,
		.check = check_appellation
	},
	{
		.name = "commune",
		.type = FT_STR,
		.off = offsetof(struct offer, commune),
		.flags = F_REQUIRED,
		.min = 5,
		.max = 5,
		.check = check_commune
	},
	{
		.name = "contract",
		.type = FT_ENUM,
		.off = offsetof(struct offer, contract),
		.flags = F_REQUIRED,
		.names = contract_names
	},
	{
		.name = "duration_months",
		.type = FT_INT,
		.off = offsetof(struct offer, duration_months),
		.max = 120
	},
	{
		.name = "weekly_hours",
		.type = FT_INT,
		.off = offsetof(struct offer, weekly_hours),
		.flags = F_REQUIRED,
		.min = 1,
		.max = 48
	},
	{
		.name = "schedule",
		.type = FT_SET,
		.off = offsetof(struct offer, schedule),
		.names = schedule_names
	},
	{
		.name = "start_on",
		.type = FT_DATE,
		.off = offsetof(struct offer, start_on),
		.flags = F_NULLABLE
	},
	{
		.name = "requirements",
		.type = FT_SET,
		.off = offsetof(struct offer, requirements),
		.names = requirement_names
	},
	{
		.name = "workstation_visit",
		.type = FT_OBJ,
		.off = offsetof(struct offer, workstation_visit),
		.flags = F_NULLABLE,
		.sub = &visit_schema
	},
	{
		.name = "ruleset",
		.type = FT_STR,
		.off = offsetof(struct offer, ruleset),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 64
	},
	{
		.name = "owner",
		.type = FT_STR,
		.off = offsetof(struct offer, owner),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 64
	},
	{
		.name = "status",
		.type = FT_ENUM,
		.off = offsetof(struct offer, status),
		.names = offer_status_names
	},
	{
		.name = "created_at",
		.type = FT_TIME,
		.off = offsetof(struct offer, created_at),
		.flags = F_RO
	},
	{
		.name = "updated_at",
		.type = FT_TIME,
		.off = offsetof(struct offer, updated_at),
		.flags = F_RO
	},
	{ .name = NULL }
};
const struct schema offer_schema = {
	.name = "offer",
	.size = sizeof(struct offer),
	.fields = offer_fields,
	.version = 1
};

static const struct field mobility_fields[] = {
	{
		.name = "licence_b",
		.type = FT_BOOL,
		.off = offsetof(struct mobility, licence_b)
	},
	{
		.name = "vehicle",
		.type = FT_BOOL,
		.off = offsetof(struct mobility, vehicle)
	},
	{
		.name = "zone",
		.type = FT_ENUM,
		.off = offsetof(struct mobility, zone),
		.flags = F_REQUIRED,
		.names = zone_names
	},
	{ .name = NULL }
};
static const struct schema mobility_schema = {
	.name = "mobility",
	.size = sizeof(struct mobility),
	.fields = mobility_fields,
	.version = 1
};

static const struct field consent_fields[] = {
	{
		.name = "on",
		.type = FT_DATE,
		.off = offsetof(struct consent, on),
		.flags = F_REQUIRED
	},
	{
		.name = "scope",
		.type = FT_ENUM,
		.off = offsetof(struct consent, scope),
		.flags = F_REQUIRED,
		.names = consent_names
	},
	{ .name = NULL }
};
static const struct schema consent_schema = {
	.name = "consent",
	.size = sizeof(struct consent),
	.fields = consent_fields,
	.version = 1
};

static const struct field exit_fields[] = {
	{
		.name = "on",
		.type = FT_DATE,
		.off = offsetof(struct exit_, on),
		.flags = F_REQUIRED
	},
	{
		.name = "kind",
		.type = FT_ENUM,
		.off = offsetof(struct exit_, kind),
		.flags = F_REQUIRED,
		.names = exit_names
	},
	{ .name = NULL }
};
static const struct schema exit_schema = {
	.name = "exit",
	.size = sizeof(struct exit_),
	.fields = exit_fields,
	.version = 1
};

static const struct field candidate_fields[] = {
	{
		.name = "id",
		.type = FT_ID,
		.off = offsetof(struct candidate, id),
		.flags = F_RO
	},
	{
		.name = "external_ref",
		.type = FT_STR,
		.off = offsetof(struct candidate, external_ref),
		.flags = F_NULLABLE | F_PERSONAL,
		.min = 1,
		.max = 64
	},
	{
		.name = "first_name",
		.type = FT_STR,
		.off = offsetof(struct candidate, first_name),
		.flags = F_REQUIRED | F_PERSONAL | F_NOCV,
		.min = 1,
		.max = 100
	},
	{
		.name = "last_name",
		.type = FT_STR,
		.off = offsetof(struct candidate, last_name),
		.flags = F_REQUIRED | F_PERSONAL,
		.min = 1,
		.max = 100
	},
	{
		.name = "birth_date",
		.type = FT_DATE,
		.off = offsetof(struct candidate, birth_date),
		.flags = F_REQUIRED | F_PERSONAL
	},
	{
		.name = "sex",
		.type = FT_ENUM,
		.off = offsetof(struct candidate, sex),
		.flags = F_REQUIRED | F_SENSITIVE,
		.names = sex_names
	},
	{
		.name = "commune",
		.type = FT_STR,
		.off = offsetof(struct candidate, commune),
		.flags = F_REQUIRED | F_PERSONAL,
		.min = 5,
		.max = 5,
		.check = check_commune
	},
	{
		.name = "qpv",
		.type = FT_BOOL,
		.off = offsetof(struct candidate, qpv),
		.flags = F_SENSITIVE
	},
	{
		.name = "qpv_code",
		.type = FT_STR,
		.off = offsetof(struct candidate, qpv_code),
		.flags = F_NULLABLE | F_SENSITIVE,
		.min = 1,
		.max = 120
	},
	{
		.name = "programme",
		.type = FT_ENUM,
		.off = offsetof(struct candidate, programme),
		.flags = F_REQUIRED | F_SENSITIVE,
		.names = programme_names
	},
	{
		.name = "referent_id",
		.type = FT_REF,
		.off = offsetof(struct candidate, referent_id),
		.flags = F_REQUIRED | F_SENSITIVE
	},
	{
		.name = "oriented_on",
		.type = FT_DATE,
		.off = offsetof(struct candidate, oriented_on),
		.flags = F_REQUIRED | F_SENSITIVE
	},
	{
		.name = "publics",
		.type = FT_SET,
		.off = offsetof(struct candidate, publics),
		.flags = F_SENSITIVE,
		.names = public_names
	},
	{
		.name = "rome",
		.type = FT_STRV,
		.off = offsetof(struct candidate, rome),
		.cnt = offsetof(struct candidate, nrome),
		.flags = F_REQUIRED | F_CV,
		.min = 1,
		.max = 16,
		.check = check_rome
	},
	{
		.name = "contracts",
		.type = FT_SET,
		.off = offsetof(struct candidate, contracts),
		.flags = F_SENSITIVE,
		.names = contract_names
	},
	{
		.name = "max_weekly_hours",
		.type = FT_INT,
		.off = offsetof(struct candidate, max_weekly_hours),
		.flags = F_SENSITIVE,
		.min = 1,
		.max = 48
	},
	{
		.name = "schedule_ok",
		.type = FT_SET,
		.off = offsetof(struct candidate, schedule_ok),
		.flags = F_SENSITIVE,
		.names = schedule_names
	},
	{
		.name = "mobility",
		.type = FT_OBJ,
		.off = offsetof(struct candidate, mobility),
		.flags = F_REQUIRED | F_SENSITIVE,
		.sub = &mobility_schema
	},
	{
		.name = "available_on",
		.type = FT_DATE,
		.off = offsetof(struct candidate, available_on),
		.flags = F_NULLABLE | F_NOCV
	},
	{
		.name = "consent",
		.type = FT_OBJ,
		.off = offsetof(struct candidate, consent),
		.flags = F_NULLABLE | F_SENSITIVE,
		.sub = &consent_schema
	},
	{
		.name = "exit",
		.type = FT_OBJ,
		.off = offsetof(struct candidate, exit),
		.flags = F_NULLABLE | F_SENSITIVE,
		.sub = &exit_schema
	},
	{
		.name = "status",
		.type = FT_ENUM,
		.off = offsetof(struct candidate, status),
		.flags = F_SENSITIVE,
		.names = candidate_status_names
	},
	{
		.name = "created_at",
		.type = FT_TIME,
		.off = offsetof(struct candidate, created_at),
		.flags = F_RO
	},
	{
		.name = "updated_at",
		.type = FT_TIME,
		.off = offsetof(struct candidate, updated_at),
		.flags = F_RO
	},
	{ .name = NULL }
};
const struct schema candidate_schema = {
	.name = "candidate",
	.size = sizeof(struct candidate),
	.fields = candidate_fields,
	.version = 1
};

static const struct field referent_fields[] = {
	{
		.name = "id",
		.type = FT_ID,
		.off = offsetof(struct referent, id),
		.flags = F_RO
	},
	{
		.name = "external_ref",
		.type = FT_STR,
		.off = offsetof(struct referent, external_ref),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 64
	},
	{
		.name = "name",
		.type = FT_STR,
		.off = offsetof(struct referent, name),
		.flags = F_REQUIRED,
		.min = 1,
		.max = 120
	},
	{
		.name = "structure",
		.type = FT_STR,
		.off = offsetof(struct referent, structure),
		.flags = F_REQUIRED,
		.min = 1,
		.max = 120
	},
	{
		.name = "email",
		.type = FT_STR,
		.off = offsetof(struct referent, email),
		.flags = F_NULLABLE,
		.min = 3,
		.max = 254,
		.check = check_email
	},
	{
		.name = "created_at",
		.type = FT_TIME,
		.off = offsetof(struct referent, created_at),
		.flags = F_RO
	},
	{
		.name = "updated_at",
		.type = FT_TIME,
		.off = offsetof(struct referent, updated_at),
		.flags = F_RO
	},
	{ .name = NULL }
};
const struct schema referent_schema = {
	.name = "referent",
	.size = sizeof(struct referent),
	.fields = referent_fields,
	.version = 1
};
