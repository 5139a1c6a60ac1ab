/*
 * list-search.c — the lists' q= and territory=: which records a search
 * by names keeps (case and accents blind, a substring of the names the
 * kind is known by: a candidate's or referent's name, an offer's title,
 * a company's name, and for the records about an offer, its title and
 * its company's), and which are in a territory of the default rule set
 * (the commune's, the offer's for the records about an offer, the
 * company's for a contact).  Only the fields the token's view shows are
 * searched: a company cannot find a candidate by a last name it does not
 * see.  Before the list's scan, the companies, offers and candidates that
 * match are gathered once, each a sorted array of ids (a scan in id order
 * gives them sorted), so a list costs one scan of each kind it names and
 * a binary search per record, never a lookup per record; each record is
 * read in place, the fields searched only.  The list itself is
 * api-list.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "rules.h"

#define BY_COMPANY	0x01	/* the company_id's name counts */
#define BY_OFFER	0x02	/* the offer_id's title and company count */
#define BY_CANDIDATE	0x04	/* the candidate_id's names count */

/* What q searches in each kind: the record's own string fields, joined
 * by a space ("amina diallo"), and the records it names. */
static const struct search_kind {
	enum store_db		 db;
	const char *const	 fields[3];
	int			 by;
} search_kinds[] = {
	{ DB_COMPANIES, { "name", NULL }, 0 },
	{ DB_OFFERS, { "title", NULL }, BY_COMPANY },
	{ DB_CANDIDATES, { "first_name", "last_name", NULL }, 0 },
	{ DB_REFERENTS, { "name", "structure", NULL }, 0 },
	{ DB_PROPOSALS, { NULL }, BY_OFFER | BY_CANDIDATE },
	{ DB_PLACEMENTS, { NULL }, BY_OFFER | BY_CANDIDATE },
	{ DB_FOLLOWUPS, { NULL }, BY_OFFER | BY_CANDIDATE },
	{ DB_CONTACTS, { NULL }, BY_COMPANY },
	{ .db = DB__N }
};

struct idset {
	uint64_t	*ids;		/* ascending */
	size_t		 n, cap;
};

struct list_search {
	const struct search_kind *kind;
	char		 q[TEXT_FOLD_MAX];	/* folded; "" for none */
	int		 territory;		/* -1: none asked */
	const struct ruleset *rs;
	int		 view;
	struct idset	 companies_q, offers_q, candidates_q;
	struct idset	 companies_t, offers_t;
};

/* What a pre-scan is after; each record is read in place, the fields
 * a search reads only, its strings in the arena. */
struct gather {
	struct list_search	*s;
	const struct schema	*schema;
	struct idset		*q, *t;		/* NULL: not wanted */
	int			 rc;
	uint64_t		 want;
	struct rec_arena	 arena;
	void			*rec;
};

/* The fields a search reads, of any kind: the names, the ids the
 * records name, the commune. */
static const char *const search_fields[] = { "name", "structure", "title",
    "first_name", "last_name", "company_id", "offer_id", "candidate_id",
    "commune", NULL };

static int
idset_add(struct idset *set, uint64_t id)
{
	uint64_t	*p;

	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 64;
		if ((p = reallocarray(set->ids, set->cap, sizeof(*p))) == NULL)
			return (IOD_ENOMEM);
		set->ids = p;
	}
	set->ids[set->n++] = id;
	return (0);
}

static int
id_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

static int
idset_has(const struct idset *set, uint64_t id)
{
	return (id != 0 && set->n > 0 && bsearch(&id, set->ids, set->n,
	    sizeof(id), id_cmp) != NULL);
}

/* The string field name of rec if the view shows it, else NULL. */
static const char *
str_of(const struct schema *sc, const void *rec, const char *name,
    int view)
{
	const struct field	*f = rec_field(sc, name, view);

	if (f == NULL || f->type != FT_STR)
		return (NULL);
	return (*(char *const *)(const void *)((const char *)rec + f->off));
}

/* The id field name of rec (0 if none). */
static uint64_t
id_of(const struct schema *sc, const void *rec, const char *name)
{
	const struct field	*f = rec_field(sc, name, VIEW_FULL);

	if (f == NULL || (f->type != FT_REF && f->type != FT_ID))
		return (0);
	return (*(const uint64_t *)(const void *)((const char *)rec + f->off));
}

/* 1 if q (folded) is in the fields of rec the view shows, joined. */
static int
text_has(const struct schema *sc, const void *rec,
    const char *const *fields, int view, const char *q)
{
	char		 text[2 * TEXT_FOLD_MAX], buf[TEXT_FOLD_MAX];
	const char	*s;
	size_t		 n = 0, len;

	text[0] = '\0';
	for (; *fields != NULL; fields++) {
		if ((s = str_of(sc, rec, *fields, view)) == NULL)
			continue;
		len = text_fold(s, buf, sizeof(buf));
		if (n + len + 2 > sizeof(text))
			break;
		if (n > 0)
			text[n++] = ' ';
		memcpy(text + n, buf, len + 1);
		n += len;
	}
	return (strstr(text, q) != NULL);
}

/* 1 if the commune of rec (its "commune" field) is in the territory. */
static int
in_territory(const struct list_search *s, const struct schema *sc,
    const void *rec)
{
	const char	*c = str_of(sc, rec, "commune", s->view);

	return (c != NULL && ruleset_territory_of(s->rs, c) == s->territory);
}

/* One record of a pre-scan: into the sets it belongs to. */
static int
gather_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	static const char *const company[] = { "name", NULL };
	static const char *const offer[] = { "title", NULL };
	static const char *const candidate[] = { "first_name", "last_name",
	    NULL };
	struct gather		*g = arg;
	struct list_search	*s = g->s;
	const struct schema	*sc = g->schema;
	const char *const	*fields;
	void			*rec = g->rec;
	uint64_t		 id = key_get_u64(k);
	int			 rc = 0, hit;

	(void)kl;
	memset(rec, 0, sc->size);
	if ((rc = rec_decode_fields(sc, rec, v, vl, g->want, &g->arena)) != 0)
		return (rc == IOD_ENOMEM ? (g->rc = rc) : 0);	/* unreadable:
								   in no set */
	fields = sc == &company_schema ? company : sc == &offer_schema ?
	    offer : candidate;
	if (g->q != NULL) {
		hit = text_has(sc, rec, fields, s->view, s->q);
		if (!hit && sc == &offer_schema)
			hit = idset_has(&s->companies_q, id_of(sc, rec,
			    "company_id"));
		if (hit)
			rc = idset_add(g->q, id);
	}
	if (rc == 0 && g->t != NULL && in_territory(s, sc, rec))
		rc = idset_add(g->t, id);
	return (rc != 0 ? (g->rc = rc) : 0);
}

/* Scan db into the sets q and t (either NULL); 0 or an error. */
static int
gather(struct txn *txn, struct list_search *s, enum store_db db,
    const struct schema *sc, struct idset *q, struct idset *t)
{
	struct gather	g;

	if (q == NULL && t == NULL)
		return (0);
	memset(&g, 0, sizeof(g));
	g.s = s;
	g.schema = sc;
	g.q = q;
	g.t = t;
	g.want = rec_fields_mask(sc, search_fields);
	if ((g.rec = rec_new(sc)) == NULL)
		return (IOD_ENOMEM);
	store_scan(txn, db, NULL, 0, 0, gather_cb, &g);
	if (g.rc == 0 && txn->rc != 0)
		g.rc = txn->rc;
	free(g.rec);
	rec_arena_free(&g.arena);
	return (g.rc);
}

/* The territory named name (accents and case blind) in rs; -1 if none. */
static int
territory_find(const struct ruleset *rs, const char *name)
{
	char		 a[TEXT_FOLD_MAX], b[TEXT_FOLD_MAX];
	const char	*t;
	int		 i;

	text_fold(name, a, sizeof(a));
	for (i = 0; (t = ruleset_territory_name(rs, i)) != NULL; i++) {
		text_fold(t, b, sizeof(b));
		if (strcmp(a, b) == 0)
			return (i);
	}
	return (-1);
}

int
list_search_prepare(struct list_page *pg)
{
	struct reqctx		*ctx = pg->ctx;
	const struct search_kind *k;
	struct list_search	*s;
	struct active		*a;
	int			 rc, by, has_commune;

	if (pg->q.text == NULL && pg->q.territory == NULL)
		return (0);
	for (k = search_kinds; k->db != DB__N; k++)
		if (k->db == pg->res->db)
			break;
	if (k->db == DB__N)
		return (http_error(ctx, ERR_INVALID, pg->q.text != NULL ? "q" :
		    "territory", "%s: not a filter of %s", pg->q.text != NULL ?
		    "q" : "territory", ctx->route->path));
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory"));
	pg->search = s;
	s->kind = k;
	s->view = access_view(&ctx->tok);
	s->territory = -1;
	by = k->by;
	has_commune = rec_field(pg->res->schema, "commune", s->view) != NULL;
	if (pg->q.text != NULL)
		text_fold(pg->q.text, s->q, sizeof(s->q));
	if (pg->q.territory != NULL) {
		if (!has_commune && !(by & (BY_OFFER | BY_COMPANY)))
			return (http_error(ctx, ERR_INVALID, "territory",
			    "territory: a %s has no commune to be in one",
			    pg->res->entity));
		if ((a = rulesets_find(NULL)) == NULL || (s->rs = a->rs) ==
		    NULL || (s->territory = territory_find(s->rs,
		    pg->q.territory)) < 0)
			return (http_error(ctx, ERR_INVALID, "territory",
			    "territory: \"%.*s\" is not a territory of the "
			    "rule set in force", (int)utf8_cut(pg->q.territory,
			    40), pg->q.territory));
	}
	/* The companies first: an offer matches by its company's name. */
	rc = gather(ctx->txn, s, DB_COMPANIES, &company_schema,
	    *s->q != '\0' && (by & (BY_COMPANY | BY_OFFER)) ?
	    &s->companies_q : NULL, s->territory >= 0 && !has_commune &&
	    (by & BY_COMPANY) && !(by & BY_OFFER) ? &s->companies_t : NULL);
	if (rc == 0)
		rc = gather(ctx->txn, s, DB_OFFERS, &offer_schema,
		    *s->q != '\0' && (by & BY_OFFER) ? &s->offers_q : NULL,
		    s->territory >= 0 && !has_commune && (by & BY_OFFER) ?
		    &s->offers_t : NULL);
	if (rc == 0)
		rc = gather(ctx->txn, s, DB_CANDIDATES, &candidate_schema,
		    *s->q != '\0' && (by & BY_CANDIDATE) ? &s->candidates_q :
		    NULL, NULL);
	if (rc != 0)
		return (http_store_error(ctx, rc));
	return (0);
}

uint64_t
list_search_fields(const struct list_page *pg)
{
	return (pg->search == NULL ? 0 : rec_fields_mask(pg->res->schema,
	    search_fields));
}

int
list_search_match(const struct list_page *pg, const void *rec)
{
	const struct list_search *s = pg->search;
	const struct schema	*sc = pg->res->schema;
	int			 by;

	if (s == NULL)
		return (1);
	by = s->kind->by;
	if (*s->q != '\0' &&
	    !text_has(sc, rec, s->kind->fields, s->view, s->q) &&
	    !((by & BY_COMPANY) && idset_has(&s->companies_q, id_of(sc, rec,
	    "company_id"))) &&
	    !((by & BY_OFFER) && idset_has(&s->offers_q, id_of(sc, rec,
	    "offer_id"))) &&
	    !((by & BY_CANDIDATE) && idset_has(&s->candidates_q, id_of(sc,
	    rec, "candidate_id"))))
		return (0);
	if (s->territory < 0)
		return (1);
	if (rec_field(sc, "commune", s->view) != NULL)
		return (in_territory(s, sc, rec));
	if (by & BY_OFFER)
		return (idset_has(&s->offers_t, id_of(sc, rec, "offer_id")));
	return (idset_has(&s->companies_t, id_of(sc, rec, "company_id")));
}

void
list_search_free(struct list_page *pg)
{
	struct list_search	*s = pg->search;

	if (s == NULL)
		return;
	free(s->companies_q.ids);
	free(s->offers_q.ids);
	free(s->candidates_q.ids);
	free(s->companies_t.ids);
	free(s->offers_t.ids);
	free(s);
	pg->search = NULL;
}
