/*
 * access.c — who may see what, in one place.  The routes table says which
 * roles may call a route; here each record and each event is checked
 * against the token's scope (a referent sees the candidates they oriented,
 * a company its own offers and their proposals), and the view a reader
 * gets is chosen: a company only ever gets the no-CV view.  Handlers call
 * these before they answer; nothing else decides.
 */
#include <string.h>

#include "domain.h"

int
access_view(const struct token *tok)
{
	return (tok->role == ROLE_COMPANY ? VIEW_COMPANY : VIEW_FULL);
}

int
access_record(const struct token *tok, enum store_db db, const void *rec)
{
	switch (tok->role) {
	case ROLE_ADMIN:
	case ROLE_IOD:
		return (1);
	case ROLE_REFERENT:
		switch (db) {
		case DB_CANDIDATES:
			return (((const struct candidate *)rec)->referent_id ==
			    tok->referent_id);
		case DB_PROPOSALS:
			return (((const struct proposal *)rec)->referent_id ==
			    tok->referent_id);
		case DB_PLACEMENTS:
			return (((const struct placement *)rec)->referent_id ==
			    tok->referent_id);
		case DB_FOLLOWUPS:
			return (((const struct followup *)rec)->referent_id ==
			    tok->referent_id);
		case DB_REFERENTS:
			return (1);
		default:
			return (0);
		}
	case ROLE_COMPANY:
		switch (db) {
		case DB_COMPANIES:
			return (((const struct company *)rec)->id ==
			    tok->company_id);
		case DB_OFFERS:
			return (((const struct offer *)rec)->company_id ==
			    tok->company_id);
		case DB_PROPOSALS:
			return (((const struct proposal *)rec)->company_id ==
			    tok->company_id);
		default:
			return (0);
		}
	default:
		return (0);
	}
}

int
access_whole(const struct token *tok, enum store_db db)
{
	switch (tok->role) {
	case ROLE_ADMIN:
	case ROLE_IOD:
		return (1);
	case ROLE_REFERENT:
		return (db == DB_REFERENTS);
	default:
		return (0);
	}
}

uint64_t
access_referent(const struct token *tok, enum store_db db)
{
	return (tok->role == ROLE_REFERENT && db == DB_CANDIDATES ?
	    tok->referent_id : 0);
}

/* An id from an event's payload, 0 if absent. */
static uint64_t
payload_id(const struct event *ev, const char *key)
{
	json_t	*v = json_object_get(ev->data, key);

	return (json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0);
}

/* The candidate an event is about, 0 if none. */
static uint64_t
event_candidate(const struct event *ev)
{
	if (ev->entity != NULL && strcmp(ev->entity, "candidate") == 0)
		return (ev->id);
	return (payload_id(ev, "candidate_id"));
}

int
access_event(const struct token *tok, const struct event *ev)
{
	const struct mcand	*c;
	const char		*owner;
	uint64_t		 cid;

	if (tok->role == ROLE_ADMIN)
		return (1);
	/* A withdrawn consent stops notifications about the person. */
	if ((cid = event_candidate(ev)) != 0 &&
	    (c = index_cand(cid)) != NULL && !(c->flags & MC_CONSENT))
		return (0);
	switch (tok->role) {
	case ROLE_IOD:
		owner = json_string_value(json_object_get(ev->data, "owner"));
		return (owner != NULL && tok->subject != NULL &&
		    strcmp(owner, tok->subject) == 0);
	case ROLE_REFERENT:
		return (tok->referent_id != 0 &&
		    payload_id(ev, "referent_id") == tok->referent_id);
	case ROLE_COMPANY:
		return (tok->company_id != 0 &&
		    payload_id(ev, "company_id") == tok->company_id &&
		    ev->entity != NULL && (strcmp(ev->entity, "offer") == 0 ||
		    strcmp(ev->entity, "proposal") == 0 ||
		    strcmp(ev->entity, "placement") == 0));
	default:
		return (0);
	}
}

json_t *
access_event_json(const struct token *tok, const struct event *ev)
{
	/* What of a payload a company may read: ids, dates, the meeting. */
	static const char *const nocv[] = { "offer_id", "candidate_id",
	    "company_id", "proposal_id", "placement_id", "status", "meeting",
	    "owner", "start_on", "at", NULL };
	json_t		*j = event_to_json(ev), *data, *keep, *v;
	const char	*key;
	int		 i;

	if (tok->role != ROLE_COMPANY)
		return (j);
	if ((data = json_object_get(j, "data")) != NULL &&
	    json_is_object(data)) {
		keep = json_object();
		json_object_foreach(data, key, v)
			for (i = 0; nocv[i] != NULL; i++)
				if (strcmp(nocv[i], key) == 0)
					json_object_set(keep, key, v);
		json_object_set_new(j, "data", keep);
	}
	return (j);
}
