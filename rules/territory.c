/*
 * territory.c — the territories a rule set reasons with: groups of communes
 * (in the Métropole de Lyon, the ten conférences territoriales des maires)
 * read from a CSV file an operator can replace, each commune checked
 * against the reference communes that profiles/ loaded.  Lookups are by
 * INSEE code, by binary search.  Finding and reading the file is the
 * caller's business (ruleset.c); splitting CSV rows is profiles' csv.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

struct member {
	char		 insee[INSEE_LEN + 1];
	int		 territory;
	int		 line;		/* in the file, for duplicates */
};

struct territories {
	struct member	*members;	/* sorted by insee */
	size_t		 nmembers;
	char		*names[TERRITORY_MAX];
	int		 nnames;
};

static int
member_cmp(const void *a, const void *b)
{
	const struct member	*ma = a, *mb = b;
	int			 c = strcmp(ma->insee, mb->insee);

	return (c != 0 ? c : ma->line - mb->line);
}

static int
member_find(const void *key, const void *m)
{
	return (strcmp(key, ((const struct member *)m)->insee));
}

/* Five characters, digits but for Corsica's 2A and 2B. */
static int
insee_valid(const char *s)
{
	return (strlen(s) == INSEE_LEN && s[0] >= '0' && s[0] <= '9' &&
	    ((s[1] >= '0' && s[1] <= '9') || s[1] == 'A' || s[1] == 'B') &&
	    strspn(s + 2, "0123456789") == INSEE_LEN - 2);
}

/* The index of territory name, added if new; -1 after an error. */
static int
territory_index(struct territories *t, const char *name, const char *file,
    int line, struct yerrors *e)
{
	char	q[YAMLTREE_QUOTE_MAX];
	int	i;

	if (*name == '\0') {
		yamltree_errorat(e, file, line, 1, "territory: empty (expected "
		    "the name of the commune's territory)");
		return (-1);
	}
	if (!utf8_valid(name, strlen(name))) {
		yamltree_errorat(e, file, line, 1, "territory: not valid "
		    "UTF-8");
		return (-1);
	}
	if (strlen(name) > TERRITORY_NAME_MAX) {
		yamltree_errorat(e, file, line, 1, "territory: %s is longer "
		    "than %d bytes", yamltree_quote(q, name),
		    TERRITORY_NAME_MAX);
		return (-1);
	}
	for (i = 0; i < t->nnames; i++)
		if (strcmp(t->names[i], name) == 0)
			return (i);
	if (t->nnames == TERRITORY_MAX) {
		yamltree_errorat(e, file, line, 1, "more than %d territories",
		    TERRITORY_MAX);
		return (-1);
	}
	if ((t->names[t->nnames] = strdup(name)) == NULL) {
		yamltree_errorat(e, file, line, 1, "out of memory");
		return (-1);
	}
	return (t->nnames++);
}

/* Check and keep one row. */
static void
row(struct territories *t, const char *file, int line, const char *insee,
    const char *name, struct yerrors *e)
{
	struct member	*m;
	char		 q[YAMLTREE_QUOTE_MAX];
	int		 i;

	if (!insee_valid(insee)) {
		yamltree_errorat(e, file, line, 1, "insee_code: %s is not an "
		    "INSEE code (expected 5 characters such as 69381)",
		    yamltree_quote(q, insee));
		return;
	}
	if (refdata_commune(insee) == NULL) {
		yamltree_errorat(e, file, line, 1, "insee_code: %s is not one "
		    "of the reference communes", yamltree_quote(q, insee));
		return;
	}
	if ((i = territory_index(t, name, file, line, e)) == -1)
		return;
	if (t->nmembers == 0 || (t->nmembers >= 64 &&
	    (t->nmembers & (t->nmembers - 1)) == 0)) {
		m = reallocarray(t->members, t->nmembers == 0 ? 64 :
		    t->nmembers * 2, sizeof(*m));
		if (m == NULL) {
			yamltree_errorat(e, file, line, 1, "out of memory");
			return;
		}
		t->members = m;
	}
	m = &t->members[t->nmembers++];
	memcpy(m->insee, insee, INSEE_LEN + 1);
	m->territory = i;
	m->line = line;
}

int
territory_parse(const char *file, char *buf, size_t len,
    struct territories **out, struct yerrors *e)
{
	struct territories	*t;
	struct csv		 c;
	FILE			*f = NULL;
	char			*cause = NULL, q[YAMLTREE_QUOTE_MAX];
	int			 before = e->count, icode, iterr, rc;
	size_t			 i, header;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		yamltree_errorat(e, file, 1, 1, "out of memory");
		return (IOD_EINVAL);
	}
	if (refdata_get() == NULL) {
		yamltree_errorat(e, file, 1, 1, "cannot check the communes: "
		    "the reference data is not loaded");
		goto done;
	}
	if (len == 0 || (f = fmemopen(buf, len, "r")) == NULL) {
		yamltree_errorat(e, file, 1, 1, "%s", len == 0 ? "empty file "
		    "(expected a header naming insee_code and territory)" :
		    "out of memory");
		goto done;
	}
	csv_init(&c, f);
	if ((rc = csv_next(&c, &cause)) != 1 ||
	    (icode = csv_column(c.fields, c.nfields, "insee_code")) == -1 ||
	    (iterr = csv_column(c.fields, c.nfields, "territory")) == -1) {
		if (rc == 1 || rc == 0)
			yamltree_errorat(e, file, rc == 1 ? (int)c.rowline : 1,
			    1, "the header must name the columns insee_code "
			    "and territory");
		goto badcsv;
	}
	header = c.nfields;
	while ((rc = csv_next(&c, &cause)) == 1) {
		if (c.nfields <= (size_t)(icode > iterr ? icode : iterr))
			yamltree_errorat(e, file, (int)c.rowline, 1,
			    "%zu fields, but the header has %zu", c.nfields,
			    header);
		else
			row(t, file, (int)c.rowline, c.fields[icode],
			    c.fields[iterr], e);
	}
	if (rc == 0 && t->nmembers == 0 && e->count == before)
		yamltree_errorat(e, file, (int)c.lineno, 1, "no communes");
badcsv:
	if (rc < 0)
		yamltree_errorat(e, file, (int)c.lineno, 1, "%s",
		    cause != NULL ? cause : "out of memory");
	csv_close(&c);
	if (t->nmembers > 1)
		qsort(t->members, t->nmembers, sizeof(*t->members), member_cmp);
	for (i = 1; i < t->nmembers; i++)
		if (strcmp(t->members[i].insee, t->members[i - 1].insee) == 0)
			yamltree_errorat(e, file, t->members[i].line, 1,
			    "insee_code: %s is listed twice (first at line %d)",
			    yamltree_quote(q, t->members[i].insee),
			    t->members[i - 1].line);

done:
	free(cause);
	if (f != NULL)
		fclose(f);
	if (e->count != before) {
		territory_free(t);
		return (IOD_EINVAL);
	}
	*out = t;
	return (0);
}

void
territory_free(struct territories *t)
{
	int	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nnames; i++)
		free(t->names[i]);
	free(t->members);
	free(t);
}

int
territory_of(const struct territories *t, const char *insee)
{
	const struct member	*m;

	if (t == NULL || (m = bsearch(insee, t->members, t->nmembers,
	    sizeof(*m), member_find)) == NULL)
		return (-1);
	return (m->territory);
}

const char *
territory_name(const struct territories *t, int i)
{
	if (t == NULL || i < 0 || i >= t->nnames)
		return (NULL);
	return (t->names[i]);
}
