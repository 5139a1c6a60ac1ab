/*
 * records-track.c — the records the matching makes, as tables: proposals (with
 * their score's parts and the meeting), placements, their follow-up
 * appointments, and the body of a hire, with the wire names of their
 * enumerations.  Their life cycles are the domain's (matcher/domain/);
 * the codecs in schema.c walk these tables.  Field names are the API's
 * contract.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "profiles.h"

const char *const proposal_status_names[] = { "proposed",
    "meeting_scheduled", "hired", "refused", "declined", "no_show",
    "withdrawn", "expired", NULL };
const char *const followup_kind_names[] = { "employer", "employee", "both",
    "joint_review", NULL };
const char *const followup_phase_names[] = { "trial", "monthly", "horizon",
    NULL };
const char *const followup_status_names[] = { "planned", "done", "missed",
    "cancelled", NULL };
const char *const assessment_names[] = { "fine", "at_risk", "rupture", NULL };
const char *const placement_status_names[] = { "active", "ended", NULL };
/* A meeting's time: YYYY-MM-DDTHH:MM, a real date. */
static int
check_datetime(const char *s, char **cause)
{
	iod_date	d;
	char		day[11];

	if (strlen(s) == 16 && s[10] == 'T' && isdigit((unsigned char)s[11]) &&
	    isdigit((unsigned char)s[12]) && s[13] == ':' &&
	    isdigit((unsigned char)s[14]) && isdigit((unsigned char)s[15]) &&
	    (s[11] - '0') * 10 + (s[12] - '0') < 24 &&
	    (s[14] - '0') * 10 + (s[15] - '0') < 60) {
		memcpy(day, s, 10);
		day[10] = '\0';
		if (date_parse(day, &d) == 0)
			return (0);
	}
	if (asprintf(cause, "\"%.*s\" is not a date and time (expected "
	    "YYYY-MM-DDTHH:MM)", (int)utf8_cut(s, 20), s) == -1)
		*cause = NULL;
	return (IOD_EINVAL);
}

static const struct field part_fields[] = {
	{
		.name = "criterion",
		.type = FT_STR,
		.off = offsetof(struct score_part, criterion),
		.flags = F_REQUIRED,
		.min = 1,
		.max = 64
	},
	{
		.name = "points",
		.type = FT_INT,
		.off = offsetof(struct score_part, points),
		.flags = F_REQUIRED,
		.min = -100000,
		.max = 100000
	},
	{ .name = NULL }
};
static const struct schema part_schema = {
	.name = "score_part",
	.size = sizeof(struct score_part),
	.fields = part_fields,
	.version = 1
};

static const struct field removal_fields[] = {
	{
		.name = "filter",
		.type = FT_STR,
		.off = offsetof(struct removal, filter),
		.flags = F_REQUIRED,
		.min = 1,
		.max = 48
	},
	{
		.name = "count",
		.type = FT_INT,
		.off = offsetof(struct removal, count),
		.flags = F_REQUIRED
	},
	{ .name = NULL }
};
static const struct schema removal_schema = {
	.name = "removal",
	.size = sizeof(struct removal),
	.fields = removal_fields,
	.version = 1
};

static const struct field meeting_fields[] = {
	{
		.name = "at",
		.type = FT_STR,
		.off = offsetof(struct meeting, at),
		.flags = F_REQUIRED,
		.min = 16,
		.max = 16,
		.check = check_datetime
	},
	{
		.name = "place",
		.type = FT_STR,
		.off = offsetof(struct meeting, place),
		.flags = F_REQUIRED,
		.min = 1,
		.max = 200
	},
	{ .name = NULL }
};
const struct schema meeting_schema = {
	.name = "meeting",
	.size = sizeof(struct meeting),
	.fields = meeting_fields,
	.version = 1
};

static const struct field proposal_fields[] = {
	{
		.name = "id",
		.type = FT_ID,
		.off = offsetof(struct proposal, id),
		.flags = F_RO
	},
	{
		.name = "offer_id",
		.type = FT_REF,
		.off = offsetof(struct proposal, offer_id),
		.flags = F_RO
	},
	{
		.name = "candidate_id",
		.type = FT_REF,
		.off = offsetof(struct proposal, candidate_id),
		.flags = F_RO
	},
	{
		.name = "company_id",
		.type = FT_REF,
		.off = offsetof(struct proposal, company_id),
		.flags = F_RO
	},
	{
		.name = "referent_id",
		.type = FT_REF,
		.off = offsetof(struct proposal, referent_id),
		.flags = F_RO | F_SENSITIVE
	},
	{
		.name = "owner",
		.type = FT_STR,
		.off = offsetof(struct proposal, owner),
		.flags = F_RO,
		.max = 64
	},
	{
		.name = "ruleset",
		.type = FT_STR,
		.off = offsetof(struct proposal, ruleset),
		.flags = F_RO,
		.max = 64
	},
	{
		.name = "ruleset_version",
		.type = FT_INT,
		.off = offsetof(struct proposal, ruleset_version),
		.flags = F_RO
	},
	{
		.name = "score",
		.type = FT_INT,
		.off = offsetof(struct proposal, score),
		.flags = F_RO | F_SENSITIVE
	},
	{
		.name = "score_parts",
		.type = FT_OBJV,
		.off = offsetof(struct proposal, score_parts),
		.cnt = offsetof(struct proposal, nparts),
		.flags = F_RO | F_SENSITIVE,
		.max = 64,
		.sub = &part_schema
	},
	{
		.name = "eligible",
		.type = FT_INT,
		.off = offsetof(struct proposal, eligible),
		.flags = F_RO | F_SENSITIVE
	},
	{
		.name = "removed",
		.type = FT_OBJV,
		.off = offsetof(struct proposal, removed),
		.cnt = offsetof(struct proposal, nremoved),
		.flags = F_RO | F_SENSITIVE,
		.max = 64,
		.sub = &removal_schema
	},
	{
		.name = "status",
		.type = FT_ENUM,
		.off = offsetof(struct proposal, status),
		.flags = F_RO,
		.names = proposal_status_names
	},
	{
		.name = "meeting",
		.type = FT_OBJ,
		.off = offsetof(struct proposal, meeting),
		.flags = F_NULLABLE,
		.sub = &meeting_schema
	},
	{
		.name = "reason",
		.type = FT_STR,
		.off = offsetof(struct proposal, reason),
		.flags = F_NULLABLE | F_NOTE,
		.min = 1,
		.max = 1000
	},
	{
		.name = "proposed_on",
		.type = FT_DATE,
		.off = offsetof(struct proposal, proposed_on),
		.flags = F_RO
	},
	{
		.name = "decided_on",
		.type = FT_DATE,
		.off = offsetof(struct proposal, decided_on),
		.flags = F_RO
	},
	{
		.name = "created_at",
		.type = FT_TIME,
		.off = offsetof(struct proposal, created_at),
		.flags = F_RO
	},
	{
		.name = "updated_at",
		.type = FT_TIME,
		.off = offsetof(struct proposal, updated_at),
		.flags = F_RO
	},
	{ .name = NULL }
};
const struct schema proposal_schema = {
	.name = "proposal",
	.size = sizeof(struct proposal),
	.fields = proposal_fields,
	.version = 1
};

static const struct field placement_fields[] = {
	{
		.name = "id",
		.type = FT_ID,
		.off = offsetof(struct placement, id),
		.flags = F_RO
	},
	{
		.name = "proposal_id",
		.type = FT_REF,
		.off = offsetof(struct placement, proposal_id),
		.flags = F_RO
	},
	{
		.name = "offer_id",
		.type = FT_REF,
		.off = offsetof(struct placement, offer_id),
		.flags = F_RO
	},
	{
		.name = "candidate_id",
		.type = FT_REF,
		.off = offsetof(struct placement, candidate_id),
		.flags = F_RO
	},
	{
		.name = "company_id",
		.type = FT_REF,
		.off = offsetof(struct placement, company_id),
		.flags = F_RO
	},
	{
		.name = "referent_id",
		.type = FT_REF,
		.off = offsetof(struct placement, referent_id),
		.flags = F_RO | F_SENSITIVE
	},
	{
		.name = "owner",
		.type = FT_STR,
		.off = offsetof(struct placement, owner),
		.flags = F_RO,
		.max = 64
	},
	{
		.name = "contract",
		.type = FT_ENUM,
		.off = offsetof(struct placement, contract),
		.flags = F_RO,
		.names = contract_names
	},
	{
		.name = "start_on",
		.type = FT_DATE,
		.off = offsetof(struct placement, start_on),
		.flags = F_RO
	},
	{
		.name = "weekly_hours",
		.type = FT_INT,
		.off = offsetof(struct placement, weekly_hours),
		.flags = F_RO
	},
	{
		.name = "duration_months",
		.type = FT_INT,
		.off = offsetof(struct placement, duration_months),
		.flags = F_RO
	},
	{
		.name = "trial_weeks",
		.type = FT_INT,
		.off = offsetof(struct placement, trial_weeks),
		.flags = F_RO
	},
	{
		.name = "trial_end",
		.type = FT_DATE,
		.off = offsetof(struct placement, trial_end),
		.flags = F_RO
	},
	{
		.name = "contract_end",
		.type = FT_DATE,
		.off = offsetof(struct placement, contract_end),
		.flags = F_RO
	},
	{
		.name = "horizon",
		.type = FT_DATE,
		.off = offsetof(struct placement, horizon),
		.flags = F_RO
	},
	{
		.name = "durable",
		.type = FT_BOOL,
		.off = offsetof(struct placement, durable),
		.flags = F_RO
	},
	{
		.name = "status",
		.type = FT_ENUM,
		.off = offsetof(struct placement, status),
		.flags = F_RO,
		.names = placement_status_names
	},
	{
		.name = "ended_on",
		.type = FT_DATE,
		.off = offsetof(struct placement, ended_on),
		.flags = F_RO
	},
	{
		.name = "end_reason",
		.type = FT_STR,
		.off = offsetof(struct placement, end_reason),
		.flags = F_RO | F_NOTE,
		.max = 1000
	},
	{
		.name = "ruleset",
		.type = FT_STR,
		.off = offsetof(struct placement, ruleset),
		.flags = F_RO,
		.max = 64
	},
	{
		.name = "ruleset_version",
		.type = FT_INT,
		.off = offsetof(struct placement, ruleset_version),
		.flags = F_RO
	},
	{
		.name = "followups",
		.type = FT_INT,
		.off = offsetof(struct placement, followups),
		.flags = F_RO
	},
	{
		.name = "created_at",
		.type = FT_TIME,
		.off = offsetof(struct placement, created_at),
		.flags = F_RO
	},
	{
		.name = "updated_at",
		.type = FT_TIME,
		.off = offsetof(struct placement, updated_at),
		.flags = F_RO
	},
	{ .name = NULL }
};
const struct schema placement_schema = {
	.name = "placement",
	.size = sizeof(struct placement),
	.fields = placement_fields,
	.version = 1
};

static const struct field followup_fields[] = {
	{
		.name = "id",
		.type = FT_ID,
		.off = offsetof(struct followup, id),
		.flags = F_RO
	},
	{
		.name = "placement_id",
		.type = FT_REF,
		.off = offsetof(struct followup, placement_id),
		.flags = F_RO
	},
	{
		.name = "offer_id",
		.type = FT_REF,
		.off = offsetof(struct followup, offer_id),
		.flags = F_RO
	},
	{
		.name = "candidate_id",
		.type = FT_REF,
		.off = offsetof(struct followup, candidate_id),
		.flags = F_RO
	},
	{
		.name = "company_id",
		.type = FT_REF,
		.off = offsetof(struct followup, company_id),
		.flags = F_RO
	},
	{
		.name = "referent_id",
		.type = FT_REF,
		.off = offsetof(struct followup, referent_id),
		.flags = F_RO | F_SENSITIVE
	},
	{
		.name = "owner",
		.type = FT_STR,
		.off = offsetof(struct followup, owner),
		.flags = F_RO,
		.max = 64
	},
	{
		.name = "kind",
		.type = FT_ENUM,
		.off = offsetof(struct followup, kind),
		.flags = F_RO,
		.names = followup_kind_names
	},
	{
		.name = "phase",
		.type = FT_ENUM,
		.off = offsetof(struct followup, phase),
		.flags = F_RO,
		.names = followup_phase_names
	},
	{
		.name = "number",
		.type = FT_INT,
		.off = offsetof(struct followup, number),
		.flags = F_RO
	},
	{
		.name = "due_on",
		.type = FT_DATE,
		.off = offsetof(struct followup, due_on),
		.flags = F_RO
	},
	{
		.name = "status",
		.type = FT_ENUM,
		.off = offsetof(struct followup, status),
		.flags = F_RO,
		.names = followup_status_names
	},
	{
		.name = "note",
		.type = FT_STR,
		.off = offsetof(struct followup, note),
		.flags = F_RO | F_NOTE,
		.max = 2000
	},
	{
		.name = "assessment",
		.type = FT_ENUM,
		.off = offsetof(struct followup, assessment),
		.flags = F_RO | F_SENSITIVE,
		.names = assessment_names
	},
	{
		.name = "done_on",
		.type = FT_DATE,
		.off = offsetof(struct followup, done_on),
		.flags = F_RO
	},
	{
		.name = "missed_on",
		.type = FT_DATE,
		.off = offsetof(struct followup, missed_on),
		.flags = F_RO
	},
	{
		.name = "reminded_due",
		.type = FT_BOOL,
		.off = offsetof(struct followup, reminded_due),
		.flags = F_RO
	},
	{
		.name = "reminded_overdue",
		.type = FT_BOOL,
		.off = offsetof(struct followup, reminded_overdue),
		.flags = F_RO
	},
	{
		.name = "created_at",
		.type = FT_TIME,
		.off = offsetof(struct followup, created_at),
		.flags = F_RO
	},
	{
		.name = "updated_at",
		.type = FT_TIME,
		.off = offsetof(struct followup, updated_at),
		.flags = F_RO
	},
	{ .name = NULL }
};
/* Version 2 adds missed_on; a record of version 1 reads with none. */
const struct schema followup_schema = {
	.name = "followup",
	.size = sizeof(struct followup),
	.fields = followup_fields,
	.version = 2
};

static const struct field calendar_link_fields[] = {
	{
		.name = "id",
		.type = FT_ID,
		.off = offsetof(struct calendar_link, id),
		.flags = F_RO
	},
	{
		.name = "owner",
		.type = FT_STR,
		.off = offsetof(struct calendar_link, owner),
		.flags = F_RO,
		.max = 64
	},
	{
		.name = "referent_id",
		.type = FT_REF,
		.off = offsetof(struct calendar_link, referent_id),
		.flags = F_RO
	},
	{
		.name = "hash",
		.type = FT_STR,
		.off = offsetof(struct calendar_link, hash),
		.flags = F_RO,
		.max = 64
	},
	{
		.name = "created_by",
		.type = FT_STR,
		.off = offsetof(struct calendar_link, created_by),
		.flags = F_RO,
		.max = 64
	},
	{
		.name = "created_at",
		.type = FT_TIME,
		.off = offsetof(struct calendar_link, created_at),
		.flags = F_RO
	},
	{ .name = NULL }
};
const struct schema calendar_link_schema = {
	.name = "calendar",
	.size = sizeof(struct calendar_link),
	.fields = calendar_link_fields,
	.version = 1
};

static const struct field hire_fields[] = {
	{
		.name = "contract",
		.type = FT_ENUM,
		.off = offsetof(struct hire_body, contract),
		.flags = F_NULLABLE,
		.names = contract_names
	},
	{
		.name = "start_on",
		.type = FT_DATE,
		.off = offsetof(struct hire_body, start_on),
		.flags = F_NULLABLE
	},
	{
		.name = "weekly_hours",
		.type = FT_INT,
		.off = offsetof(struct hire_body, weekly_hours),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 48
	},
	{
		.name = "trial_weeks",
		.type = FT_INT,
		.off = offsetof(struct hire_body, trial_weeks),
		.flags = F_NULLABLE,
		.min = 0,
		.max = 52
	},
	{
		.name = "duration_months",
		.type = FT_INT,
		.off = offsetof(struct hire_body, duration_months),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 60
	},
	{
		.name = "reason",
		.type = FT_STR,
		.off = offsetof(struct hire_body, reason),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 1000
	},
	{ .name = NULL }
};

const struct schema hire_schema = {
	.name = "hire",
	.size = sizeof(struct hire_body),
	.fields = hire_fields,
	.version = 1
};
