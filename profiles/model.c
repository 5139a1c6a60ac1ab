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
const char *const action_names[] = { "recruit_durable", "recruit_without_cv",
    "send_offers", "immersion", "mentoring", "company_visit",
    "apprenticeship", "training", NULL };

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

#define FLD(st, f)	offsetof(struct st, f)
#define CNT(st, f)	offsetof(struct st, f)

/* Shared: server-set identity and times. */
#define ID_FIELD(st) \
	{ "id", FT_ID, FLD(st, id), 0, F_RO, 0, 0, NULL, NULL, NULL }
#define TIME_FIELDS(st) \
	{ "created_at", FT_TIME, FLD(st, created_at), 0, F_RO, 0, 0, NULL, NULL, NULL }, \
	{ "updated_at", FT_TIME, FLD(st, updated_at), 0, F_RO, 0, 0, NULL, NULL, NULL }
#define END_FIELD	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL }

static const struct field contact_fields[] = {
	{ "name", FT_STR, FLD(contact, name), 0, F_PERSONAL|F_NULLABLE, 0, 120, NULL, NULL, NULL },
	{ "role", FT_STR, FLD(contact, role), 0, F_NULLABLE, 0, 120, NULL, NULL, NULL },
	{ "phone", FT_STR, FLD(contact, phone), 0, F_PERSONAL|F_NULLABLE, 0, 32, NULL, NULL, NULL },
	{ "email", FT_STR, FLD(contact, email), 0, F_PERSONAL|F_NULLABLE, 0, 254, NULL, NULL, check_email },
	END_FIELD
};
static const struct schema contact_schema = { "contact", sizeof(struct contact), contact_fields, 1 };

static const struct field charter_fields[] = {
	{ "name", FT_STR, FLD(charter, name), 0, F_REQUIRED, 1, 120, NULL, NULL, NULL },
	{ "signed_on", FT_DATE, FLD(charter, signed_on), 0, F_NULLABLE, 0, 0, NULL, NULL, NULL },
	{ "status", FT_ENUM, FLD(charter, status), 0, F_REQUIRED, 0, 0, charter_status_names, NULL, NULL },
	END_FIELD
};
static const struct schema charter_schema = { "charter", sizeof(struct charter), charter_fields, 1 };

static const struct field commitment_fields[] = {
	{ "action", FT_ENUM, FLD(commitment, action), 0, F_REQUIRED, 0, 0, action_names, NULL, NULL },
	{ "done_before", FT_BOOL, FLD(commitment, done_before), 0, 0, 0, 0, NULL, NULL, NULL },
	{ "committed", FT_BOOL, FLD(commitment, committed), 0, 0, 0, 0, NULL, NULL, NULL },
	{ "publics_per_year", FT_INT, FLD(commitment, publics_per_year), 0, 0, 0, 100000, NULL, NULL, NULL },
	{ "days_per_year", FT_INT, FLD(commitment, days_per_year), 0, 0, 0, 366, NULL, NULL, NULL },
	END_FIELD
};
static const struct schema commitment_schema = { "commitment", sizeof(struct commitment), commitment_fields, 1 };

static const struct field company_fields[] = {
	ID_FIELD(company),
	{ "siret", FT_STR, FLD(company, siret), 0, F_REQUIRED, 14, 14, NULL, NULL, check_siret },
	{ "name", FT_STR, FLD(company, name), 0, F_REQUIRED, 1, 200, NULL, NULL, NULL },
	{ "commune", FT_STR, FLD(company, commune), 0, F_REQUIRED, 5, 5, NULL, NULL, check_commune },
	{ "fte", FT_INT, FLD(company, fte), 0, 0, 0, 1000000, NULL, NULL, NULL },
	{ "charter", FT_OBJ, FLD(company, charter), 0, F_NULLABLE, 0, 0, NULL, &charter_schema, NULL },
	{ "commitments", FT_OBJV, FLD(company, commitments), CNT(company, ncommitments), 0, 0, 32, NULL, &commitment_schema, NULL },
	{ "favoured_publics", FT_SET, FLD(company, favoured_publics), 0, 0, 0, 0, public_names, NULL, NULL },
	{ "contact", FT_OBJ, FLD(company, contact), 0, F_NULLABLE, 0, 0, NULL, &contact_schema, NULL },
	TIME_FIELDS(company),
	END_FIELD
};
const struct schema company_schema = { "company", sizeof(struct company), company_fields, 1 };

static const struct field visit_fields[] = {
	{ "on", FT_DATE, FLD(visit, on), 0, F_REQUIRED, 0, 0, NULL, NULL, NULL },
	{ "notes", FT_STR, FLD(visit, notes), 0, F_NULLABLE|F_NOTE, 0, 4000, NULL, NULL, NULL },
	END_FIELD
};
static const struct schema visit_schema = { "workstation_visit", sizeof(struct visit), visit_fields, 1 };

static const struct field offer_fields[] = {
	ID_FIELD(offer),
	{ "company_id", FT_REF, FLD(offer, company_id), 0, F_REQUIRED, 0, 0, NULL, NULL, NULL },
	{ "title", FT_STR, FLD(offer, title), 0, F_REQUIRED, 1, 200, NULL, NULL, NULL },
	{ "rome", FT_STR, FLD(offer, rome), 0, F_REQUIRED, 5, 5, NULL, NULL, check_rome },
	{ "appellation", FT_STR, FLD(offer, appellation), 0, F_NULLABLE, 1, 8, NULL, NULL, check_appellation },
	{ "commune", FT_STR, FLD(offer, commune), 0, F_REQUIRED, 5, 5, NULL, NULL, check_commune },
	{ "contract", FT_ENUM, FLD(offer, contract), 0, F_REQUIRED, 0, 0, contract_names, NULL, NULL },
	{ "duration_months", FT_INT, FLD(offer, duration_months), 0, 0, 0, 120, NULL, NULL, NULL },
	{ "weekly_hours", FT_INT, FLD(offer, weekly_hours), 0, F_REQUIRED, 1, 48, NULL, NULL, NULL },
	{ "schedule", FT_SET, FLD(offer, schedule), 0, 0, 0, 0, schedule_names, NULL, NULL },
	{ "start_on", FT_DATE, FLD(offer, start_on), 0, F_NULLABLE, 0, 0, NULL, NULL, NULL },
	{ "requirements", FT_SET, FLD(offer, requirements), 0, 0, 0, 0, requirement_names, NULL, NULL },
	{ "workstation_visit", FT_OBJ, FLD(offer, workstation_visit), 0, F_NULLABLE, 0, 0, NULL, &visit_schema, NULL },
	{ "ruleset", FT_STR, FLD(offer, ruleset), 0, F_NULLABLE, 1, 64, NULL, NULL, NULL },
	{ "owner", FT_STR, FLD(offer, owner), 0, F_NULLABLE, 1, 64, NULL, NULL, NULL },
	{ "status", FT_ENUM, FLD(offer, status), 0, 0, 0, 0, offer_status_names, NULL, NULL },
	TIME_FIELDS(offer),
	END_FIELD
};
const struct schema offer_schema = { "offer", sizeof(struct offer), offer_fields, 1 };

static const struct field mobility_fields[] = {
	{ "licence_b", FT_BOOL, FLD(mobility, licence_b), 0, 0, 0, 0, NULL, NULL, NULL },
	{ "vehicle", FT_BOOL, FLD(mobility, vehicle), 0, 0, 0, 0, NULL, NULL, NULL },
	{ "zone", FT_ENUM, FLD(mobility, zone), 0, F_REQUIRED, 0, 0, zone_names, NULL, NULL },
	END_FIELD
};
static const struct schema mobility_schema = { "mobility", sizeof(struct mobility), mobility_fields, 1 };

static const struct field consent_fields[] = {
	{ "on", FT_DATE, FLD(consent, on), 0, F_REQUIRED, 0, 0, NULL, NULL, NULL },
	{ "scope", FT_ENUM, FLD(consent, scope), 0, F_REQUIRED, 0, 0, consent_names, NULL, NULL },
	END_FIELD
};
static const struct schema consent_schema = { "consent", sizeof(struct consent), consent_fields, 1 };

static const struct field exit_fields[] = {
	{ "on", FT_DATE, FLD(exit_, on), 0, F_REQUIRED, 0, 0, NULL, NULL, NULL },
	{ "kind", FT_ENUM, FLD(exit_, kind), 0, F_REQUIRED, 0, 0, exit_names, NULL, NULL },
	END_FIELD
};
static const struct schema exit_schema = { "exit", sizeof(struct exit_), exit_fields, 1 };

static const struct field candidate_fields[] = {
	ID_FIELD(candidate),
	{ "first_name", FT_STR, FLD(candidate, first_name), 0, F_REQUIRED|F_PERSONAL|F_NOCV, 1, 100, NULL, NULL, NULL },
	{ "last_name", FT_STR, FLD(candidate, last_name), 0, F_REQUIRED|F_PERSONAL, 1, 100, NULL, NULL, NULL },
	{ "birth_date", FT_DATE, FLD(candidate, birth_date), 0, F_REQUIRED|F_PERSONAL, 0, 0, NULL, NULL, NULL },
	{ "sex", FT_ENUM, FLD(candidate, sex), 0, F_REQUIRED|F_SENSITIVE, 0, 0, sex_names, NULL, NULL },
	{ "commune", FT_STR, FLD(candidate, commune), 0, F_REQUIRED|F_PERSONAL, 5, 5, NULL, NULL, check_commune },
	{ "qpv", FT_BOOL, FLD(candidate, qpv), 0, F_SENSITIVE, 0, 0, NULL, NULL, NULL },
	{ "qpv_code", FT_STR, FLD(candidate, qpv_code), 0, F_NULLABLE|F_SENSITIVE, 1, 120, NULL, NULL, NULL },
	{ "programme", FT_ENUM, FLD(candidate, programme), 0, F_REQUIRED|F_SENSITIVE, 0, 0, programme_names, NULL, NULL },
	{ "referent_id", FT_REF, FLD(candidate, referent_id), 0, F_REQUIRED|F_SENSITIVE, 0, 0, NULL, NULL, NULL },
	{ "oriented_on", FT_DATE, FLD(candidate, oriented_on), 0, F_REQUIRED|F_SENSITIVE, 0, 0, NULL, NULL, NULL },
	{ "publics", FT_SET, FLD(candidate, publics), 0, F_SENSITIVE, 0, 0, public_names, NULL, NULL },
	{ "rome", FT_STRV, FLD(candidate, rome), CNT(candidate, nrome), F_REQUIRED|F_CV, 1, 16, NULL, NULL, check_rome },
	{ "contracts", FT_SET, FLD(candidate, contracts), 0, F_SENSITIVE, 0, 0, contract_names, NULL, NULL },
	{ "max_weekly_hours", FT_INT, FLD(candidate, max_weekly_hours), 0, F_SENSITIVE, 1, 48, NULL, NULL, NULL },
	{ "schedule_ok", FT_SET, FLD(candidate, schedule_ok), 0, F_SENSITIVE, 0, 0, schedule_names, NULL, NULL },
	{ "mobility", FT_OBJ, FLD(candidate, mobility), 0, F_REQUIRED|F_SENSITIVE, 0, 0, NULL, &mobility_schema, NULL },
	{ "available_on", FT_DATE, FLD(candidate, available_on), 0, F_NULLABLE|F_NOCV, 0, 0, NULL, NULL, NULL },
	{ "consent", FT_OBJ, FLD(candidate, consent), 0, F_NULLABLE|F_SENSITIVE, 0, 0, NULL, &consent_schema, NULL },
	{ "exit", FT_OBJ, FLD(candidate, exit), 0, F_NULLABLE|F_SENSITIVE, 0, 0, NULL, &exit_schema, NULL },
	{ "status", FT_ENUM, FLD(candidate, status), 0, F_SENSITIVE, 0, 0, candidate_status_names, NULL, NULL },
	TIME_FIELDS(candidate),
	END_FIELD
};
const struct schema candidate_schema = { "candidate", sizeof(struct candidate), candidate_fields, 1 };

static const struct field referent_fields[] = {
	ID_FIELD(referent),
	{ "name", FT_STR, FLD(referent, name), 0, F_REQUIRED, 1, 120, NULL, NULL, NULL },
	{ "structure", FT_STR, FLD(referent, structure), 0, F_REQUIRED, 1, 120, NULL, NULL, NULL },
	{ "email", FT_STR, FLD(referent, email), 0, F_NULLABLE, 3, 254, NULL, NULL, check_email },
	TIME_FIELDS(referent),
	END_FIELD
};
const struct schema referent_schema = { "referent", sizeof(struct referent), referent_fields, 1 };
