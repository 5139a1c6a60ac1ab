/*
 * match-parts.c — a candidate's score for an offer in parts, in words a
 * user reads ("public:rsa", "same_territory"), whose total is match.c's
 * score.  Turning them into JSON is the daemon's.
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "rules.h"

/* Add a part of points, if any, named criterion or criterion:sub. */
static void
part(struct mparts *p, const char *criterion, const char *sub, int32_t points)
{
	struct mpart	*e;

	if (points == 0 || p->n == MPART_MAX)
		return;
	e = &p->v[p->n++];
	if (sub != NULL)
		snprintf(e->criterion, sizeof(e->criterion), "%s:%s",
		    criterion, sub);
	else
		snprintf(e->criterion, sizeof(e->criterion), "%s", criterion);
	e->points = points;
	p->total += points;
}

void
match_parts(const struct ruleset *rs, const struct moffer *m,
    const struct mcand *c, struct mparts *p)
{
	const struct ruleset_weights	*w = &rs->weights;
	const struct refdata		*ref = refdata_get();
	int				 i, terr;

	p->n = 0;
	p->total = 0;
	for (i = 0; i < PUBLIC__N; i++)
		if (c->publics & (1u << i))
			part(p, "public", public_names[i], w->publics[i]);
	if (c->flags & MC_QPV)
		part(p, "qpv", NULL, w->qpv);
	/* The waiting part is the base score less the parts above. */
	part(p, "waiting_time", NULL,
	    index_base_score(rs, c, date_today()) - p->total);
	if (c->commune >= 0 && c->commune == m->commune)
		part(p, "same_commune", NULL, w->same_commune);
	terr = c->commune >= 0 ? ruleset_territory_of(rs,
	    ref->communes[c->commune].insee) : -1;
	if (terr >= 0 && terr == m->territory)
		part(p, "same_territory", NULL, w->same_territory);
	for (i = 0; i < PUBLIC__N; i++)
		if (c->publics & m->favoured & (1u << i))
			part(p, "favoured_public", public_names[i],
			    w->favoured_public);
	if (index_interested(m->id, c->id))
		part(p, "expressed_interest", NULL, w->expressed_interest);
}
