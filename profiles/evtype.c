/*
 * evtype.c — the names of the event log's types, for those who choose
 * which they hear of: a webhook's and an event stream's `types`, and the
 * types an account is told of by e-mail (mail_type_names, a set of
 * notify_prefs).  A filter is a mask over event_type_names; "entity.*"
 * stands for every type of that entity.  Which events a reader may see
 * at all is access.c's; this only narrows it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiles.h"

/* Every type the log holds, at most 64 (a filter is a uint64_t).  A
 * stored event names its type by its index here (event.c): a new type
 * goes at the end, and none moves or goes. */
const char *const event_type_names[] = {
	"company.created", "company.updated", "company.deleted",
	"offer.created", "offer.updated", "offer.deleted",
	"candidate.created", "candidate.updated", "candidate.deleted",
	"candidate.erased", "candidate.stalled",
	"referent.created", "referent.updated", "referent.deleted",
	"referent.over_cap",
	"contact.created", "contact.updated", "contact.deleted",
	"proposal.created", "proposal.meeting_scheduled", "proposal.hired",
	"proposal.refused", "proposal.declined", "proposal.no_show",
	"proposal.withdrawn", "proposal.expired",
	"placement.created", "placement.ended",
	"followup.done", "followup.missed", "followup.cancelled",
	"followup.at_risk", "followup.due_tomorrow", "followup.overdue",
	"token.created", "token.revoked",
	"webhook.created", "webhook.deleted", "webhook.resumed",
	"account.created", "account.deleted", "account.password_changed",
	"account.password_reset",
	"calendar.created", "calendar.revoked",
	"ruleset.activated",
	"interest.created", "interest.deleted",
	NULL
};
_Static_assert(sizeof(event_type_names) / sizeof(event_type_names[0]) <= 65,
    "a filter is a uint64_t: 64 types at most");

/* What a referent is told of by e-mail: their candidates' path. */
const char *const mail_type_names[] = {
	"proposal.created", "proposal.meeting_scheduled", "proposal.hired",
	"proposal.refused", "proposal.declined", "proposal.no_show",
	"followup.at_risk", "placement.ended", "candidate.stalled",
	NULL
};
_Static_assert(sizeof(mail_type_names) / sizeof(mail_type_names[0]) <= 33,
    "an account's types are a uint32_t set");

int
evtype_index(const char *type, size_t len)
{
	size_t	i;

	for (i = 0; event_type_names[i] != NULL && len > 0; i++)
		if (event_type_names[i][0] == type[0] &&
		    strlen(event_type_names[i]) == len &&
		    memcmp(event_type_names[i], type, len) == 0)
			return ((int)i);
	return (-1);
}

const char *
evtype_name(unsigned i)
{
	static const size_t	n = sizeof(event_type_names) /
				    sizeof(event_type_names[0]) - 1;

	return (i < n ? event_type_names[i] : NULL);
}

/* The mask of type, a name or "entity.*"; 0 if it names none. */
static uint64_t
evtype_bits(const char *type, size_t len)
{
	uint64_t	 mask = 0;
	size_t		 i;

	if (len >= 3 && type[len - 1] == '*' && type[len - 2] == '.') {
		for (i = 0; event_type_names[i] != NULL; i++)
			if (strncmp(event_type_names[i], type, len - 1) == 0)
				mask |= 1ULL << i;
		return (mask);
	}
	for (i = 0; event_type_names[i] != NULL; i++)
		if (strlen(event_type_names[i]) == len &&
		    strncmp(event_type_names[i], type, len) == 0)
			return (1ULL << i);
	return (0);
}

int
evtype_check(const char *type, char **cause)
{
	if (evtype_bits(type, strlen(type)) != 0)
		return (0);
	if (asprintf(cause, "\"%.64s\" is not an event type (such as "
	    "proposal.created, or proposal.* for every proposal event)",
	    type) == -1)
		*cause = NULL;
	return (-1);
}

uint64_t
evtype_mask(const char *const *types, size_t n)
{
	uint64_t	mask = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		mask |= evtype_bits(types[i], strlen(types[i]));
	return (mask);
}

int
evtype_parse(const char *list, uint64_t *mask, char **bad)
{
	const char	*p = list;
	uint64_t	 bits;
	size_t		 len;

	*mask = 0;
	*bad = NULL;
	while (*p != '\0') {
		len = strcspn(p, ",");
		if (len > 0 && (bits = evtype_bits(p, len)) == 0) {
			*bad = strndup(p, len < 64 ? len : 64);
			return (-1);
		}
		if (len > 0)
			*mask |= bits;
		p += len;
		if (*p == ',')
			p++;
	}
	return (0);
}

int
evtype_match(uint64_t mask, const char *type)
{
	return (mask == 0 || (evtype_bits(type, strlen(type)) & mask) != 0);
}
