/*
 * records-journal.c — the company journal's record, as a table: one dated
 * contact of the team with a company (its kind, the offer it was about,
 * the chargé de mission, the people met and the team's note), with the
 * wire names of its kinds.  Whether the company and the offer exist is
 * the domain's (matcher/domain/journal.c); what the report counts of it
 * is report.c's.  Field names are the API's contract.
 */
#include <stddef.h>

#include "profiles.h"

const char *const contact_kind_names[] = { "prospection", "presentation",
    "negotiation", "workstation_visit", "recruitment", "employer_followup",
    NULL };

static const struct field contact_fields[] = {
	{
		.name = "id",
		.type = FT_ID,
		.off = offsetof(struct journal_contact, id),
		.flags = F_RO
	},
	{
		.name = "kind",
		.type = FT_ENUM,
		.off = offsetof(struct journal_contact, kind),
		.flags = F_REQUIRED,
		.names = contact_kind_names
	},
	{
		.name = "on",
		.type = FT_DATE,
		.off = offsetof(struct journal_contact, on),
		.flags = F_REQUIRED
	},
	{
		.name = "company_id",
		.type = FT_REF,
		.off = offsetof(struct journal_contact, company_id),
		.flags = F_REQUIRED
	},
	{
		.name = "offer_id",
		.type = FT_REF,
		.off = offsetof(struct journal_contact, offer_id),
		.flags = F_NULLABLE
	},
	{
		.name = "owner",
		.type = FT_STR,
		.off = offsetof(struct journal_contact, owner),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 64
	},
	{
		.name = "met",
		.type = FT_STRV,
		.off = offsetof(struct journal_contact, met),
		.cnt = offsetof(struct journal_contact, nmet),
		.min = 0,
		.max = 16
	},
	{
		.name = "note",
		.type = FT_STR,
		.off = offsetof(struct journal_contact, note),
		.flags = F_NULLABLE | F_NOTE,
		.max = 2000
	},
	{
		.name = "created_at",
		.type = FT_TIME,
		.off = offsetof(struct journal_contact, created_at),
		.flags = F_RO
	},
	{
		.name = "updated_at",
		.type = FT_TIME,
		.off = offsetof(struct journal_contact, updated_at),
		.flags = F_RO
	},
	{ .name = NULL }
};
const struct schema journal_contact_schema = {
	.name = "contact",
	.size = sizeof(struct journal_contact),
	.fields = contact_fields,
	.version = 1
};
