/*
 * names.c — the names a table shows beside an id when the reply does not
 * carry them: an offer's title, a company's name, and a candidate's first
 * name as their proposal shows it.  Each record is read once a run
 * through the public API (GET /v1/...) and kept until names_free(); one
 * that cannot be read (out of the token's scope, erased) reads as empty,
 * and the id still says which record it is.  A candidate is named from a
 * proposal when there is one (the first name only, and no read of the
 * person's record to audit); names_candidate reads the record itself.
 * It knows no command.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* One record read, by kind and id; rec is NULL when it could not be. */
struct name {
	const char	*kind;		/* "offers", … (static) */
	uint64_t	 id;
	json_t		*rec;
};

static struct name	*names;
static size_t		 names_n, names_cap;

/* Record id of kind, read at most once a run; NULL if it cannot be. */
static json_t *
names_get(struct client *c, const char *kind, uint64_t id)
{
	struct reply	 r;
	char		*path;
	size_t		 i;

	if (id == 0)
		return (NULL);
	for (i = 0; i < names_n; i++)
		if (names[i].kind == kind && names[i].id == id)
			return (names[i].rec);
	if (names_n == names_cap) {
		names_cap = names_cap == 0 ? 16 : names_cap * 2;
		names = xreallocarray(names, names_cap, sizeof(*names));
	}
	names[names_n].kind = kind;
	names[names_n].id = id;
	names[names_n].rec = NULL;
	path = xasprintf("/v1/%s/%" PRIu64, kind, id);
	if (client_get(c, CLIENT_GET, path, &r) == 0 && client_ok(&r))
		names[names_n].rec = json_incref(r.json);
	free(path);
	client_reply_clear(&r);
	return (names[names_n++].rec);
}

const char *
names_offer(struct client *c, uint64_t id)
{
	return (field_str(names_get(c, "offers", id), "title"));
}

const char *
names_company(struct client *c, uint64_t id)
{
	return (field_str(names_get(c, "companies", id), "name"));
}

const char *
names_candidate(struct client *c, uint64_t id)
{
	return (field_str(names_get(c, "candidates", id), "first_name"));
}

json_t *
names_proposal(struct client *c, uint64_t id)
{
	return (names_get(c, "proposals", id));
}

void
names_free(void)
{
	size_t	i;

	for (i = 0; i < names_n; i++)
		json_decref(names[i].rec);
	free(names);
	names = NULL;
	names_n = names_cap = 0;
}
