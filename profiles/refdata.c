/*
 * refdata.c — the reference tables every record is checked against: the
 * territory's communes (INSEE codes, names, populations) and France
 * Travail's ROME codes and appellations.  They are loaded once at start-up
 * from CSV files an operator can replace, kept sorted, and looked up by
 * binary search.  Territories (groups of communes) belong to rule sets.
 */
#include <stdlib.h>
#include <string.h>

#include "profiles.h"

static struct refdata	 ref;
static int		 loaded;

static char	**find(char **, size_t, const char *);

static int
cmp_commune(const void *a, const void *b)
{
	return (strcmp(((const struct commune *)a)->insee,
	    ((const struct commune *)b)->insee));
}

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Read a CSV file whose header has the named columns; call row() on each. */
static int
load_csv(const char *dir, const char *file, const char *const *cols,
    int (*row)(char **, char **), char **cause)
{
	struct csv	 c;
	char		*path, *why = NULL, *v[4];
	int		 idx[4], rc, n, i;

	if (asprintf(&path, "%s/%s", dir, file) == -1)
		return (IOD_ENOMEM);
	if (csv_open(&c, path) != 0) {
		if (asprintf(cause, "%s: cannot open", path) == -1)
			*cause = NULL;
		free(path);
		return (IOD_EIO);
	}
	rc = IOD_EINVAL;
	if (csv_next(&c, &why) != 1)
		goto bad;
	for (n = 0; cols[n] != NULL; n++)
		if ((idx[n] = csv_column(c.fields, c.nfields, cols[n])) < 0)
			goto bad;
	while ((rc = csv_next(&c, &why)) == 1) {
		for (i = 0; i < n; i++) {
			if ((size_t)idx[i] >= c.nfields)
				goto bad;
			v[i] = c.fields[idx[i]];
		}
		if ((rc = row(v, &why)) != 0)
			goto bad;
	}
	if (rc == 0) {
		csv_close(&c);
		free(path);
		return (0);
	}
bad:
	if (asprintf(cause, "%s:%zu: %s", path, c.rowline, why != NULL ? why :
	    "missing column or bad row") == -1)
		*cause = NULL;
	free(why);
	csv_close(&c);
	free(path);
	return (rc < 0 ? rc : IOD_EINVAL);
}

static int
grow(void **p, size_t n, size_t size)
{
	void	*q;

	if ((n & (n - 1)) != 0 && n != 0)
		return (0);
	if ((q = realloc(*p, (n ? n * 2 : 64) * size)) == NULL)
		return (IOD_ENOMEM);
	*p = q;
	return (0);
}

static int
commune_row(char **v, char **why)
{
	struct commune	*c;

	if (strlen(v[0]) != INSEE_LEN) {
		*why = strdup("insee_code is not 5 characters");
		return (IOD_EINVAL);
	}
	if (grow((void **)&ref.communes, ref.ncommunes, sizeof(*c)) != 0)
		return (IOD_ENOMEM);
	c = &ref.communes[ref.ncommunes++];
	memcpy(c->insee, v[0], INSEE_LEN + 1);
	c->population = strtoll(v[2], NULL, 10);
	return ((c->name = strdup(v[1])) == NULL ? IOD_ENOMEM : 0);
}

static int
rome_row(char **v, char **why)
{
	if (strlen(v[0]) != ROME_LEN) {
		*why = strdup("rome_code is not 5 characters");
		return (IOD_EINVAL);
	}
	if (grow((void **)&ref.rome, ref.nrome, sizeof(char *)) != 0)
		return (IOD_ENOMEM);
	/* One allocation: "K2204\0Name" */
	if ((ref.rome[ref.nrome] = malloc(ROME_LEN + 2 + strlen(v[1]))) == NULL)
		return (IOD_ENOMEM);
	memcpy(ref.rome[ref.nrome], v[0], ROME_LEN + 1);
	strcpy(ref.rome[ref.nrome] + ROME_LEN + 1, v[1]);
	ref.nrome++;
	return (0);
}

static int
appellation_row(char **v, char **why)
{
	size_t	len = strlen(v[0]);

	if (len == 0 || len > 8 || strlen(v[1]) != ROME_LEN) {
		*why = strdup("bad appellation_code or rome_code");
		return (IOD_EINVAL);
	}
	if (grow((void **)&ref.appellations, ref.nappellations,
	    sizeof(char *)) != 0)
		return (IOD_ENOMEM);
	/* "12345\0K2204" */
	if ((ref.appellations[ref.nappellations] = malloc(len + 2 + ROME_LEN))
	    == NULL)
		return (IOD_ENOMEM);
	memcpy(ref.appellations[ref.nappellations], v[0], len + 1);
	memcpy(ref.appellations[ref.nappellations] + len + 1, v[1],
	    ROME_LEN + 1);
	ref.nappellations++;
	return (0);
}

int
refdata_load(const char *dir, char **cause)
{
	static const char *const ccols[] = { "insee_code", "name",
	    "population", NULL };
	static const char *const rcols[] = { "rome_code", "name", NULL };
	static const char *const acols[] = { "appellation_code", "rome_code",
	    NULL };
	int	rc;

	*cause = NULL;
	refdata_free();
	if ((rc = load_csv(dir, "communes.csv", ccols, commune_row,
	    cause)) != 0 ||
	    (rc = load_csv(dir, "rome-codes.csv", rcols, rome_row,
	    cause)) != 0 ||
	    (rc = load_csv(dir, "rome-appellations.csv", acols,
	    appellation_row, cause)) != 0) {
		refdata_free();
		return (rc);
	}
	qsort(ref.communes, ref.ncommunes, sizeof(*ref.communes), cmp_commune);
	qsort(ref.rome, ref.nrome, sizeof(char *), cmp_str);
	qsort(ref.appellations, ref.nappellations, sizeof(char *), cmp_str);
	loaded = 1;
	return (0);
}

void
refdata_free(void)
{
	size_t	i;

	for (i = 0; i < ref.ncommunes; i++)
		free(ref.communes[i].name);
	for (i = 0; i < ref.nrome; i++)
		free(ref.rome[i]);
	for (i = 0; i < ref.nappellations; i++)
		free(ref.appellations[i]);
	free(ref.communes);
	free(ref.rome);
	free(ref.appellations);
	memset(&ref, 0, sizeof(ref));
	loaded = 0;
}

const struct refdata *
refdata_get(void)
{
	return (loaded ? &ref : NULL);
}

const struct commune *
refdata_commune(const char *insee)
{
	struct commune	key;

	if (strlen(insee) != INSEE_LEN)
		return (NULL);
	memcpy(key.insee, insee, INSEE_LEN + 1);
	return (bsearch(&key, ref.communes, ref.ncommunes, sizeof(key),
	    cmp_commune));
}

int
refdata_commune_index(const char *insee)
{
	const struct commune	*c = refdata_commune(insee);

	return (c != NULL ? (int)(c - ref.communes) : -1);
}

int
refdata_rome_index(const char *rome)
{
	char	**p;

	if ((p = find(ref.rome, ref.nrome, rome)) == NULL)
		return (-1);
	return ((int)(p - ref.rome));
}

static char **
find(char **table, size_t n, const char *code)
{
	return (bsearch(&code, table, n, sizeof(char *), cmp_str));
}

const char *
refdata_rome_name(const char *rome)
{
	char	**p;

	if ((p = find(ref.rome, ref.nrome, rome)) == NULL)
		return (NULL);
	return (*p + ROME_LEN + 1);
}

const char *
refdata_appellation_rome(const char *code)
{
	char	**p;

	if ((p = find(ref.appellations, ref.nappellations, code)) == NULL)
		return (NULL);
	return (*p + strlen(*p) + 1);
}

/* The check_* functions are the field tables' validators. */
int
check_commune(const char *s, char **cause)
{
	if (refdata_commune(s) != NULL)
		return (0);
	if (asprintf(cause, "\"%.16s\" is not the INSEE code of a commune of "
	    "the territory (expected e.g. 69381 for Lyon 1er)", s) == -1)
		*cause = NULL;
	return (IOD_EINVAL);
}

int
check_rome(const char *s, char **cause)
{
	if (refdata_rome_name(s) != NULL)
		return (0);
	if (asprintf(cause, "\"%.16s\" is not a ROME code (expected a letter "
	    "and 4 digits from the ROME table, e.g. K2204)", s) == -1)
		*cause = NULL;
	return (IOD_EINVAL);
}

int
check_appellation(const char *s, char **cause)
{
	if (refdata_appellation_rome(s) != NULL)
		return (0);
	if (asprintf(cause, "\"%.16s\" is not a ROME appellation code", s) == -1)
		*cause = NULL;
	return (IOD_EINVAL);
}

int
check_siret(const char *s, char **cause)
{
	if (siret_valid(s))
		return (0);
	if (asprintf(cause, "\"%.20s\" is not a valid SIRET (expected 14 "
	    "digits with a valid Luhn checksum)", s) == -1)
		*cause = NULL;
	return (IOD_EINVAL);
}

int
check_email(const char *s, char **cause)
{
	if (email_valid(s))
		return (0);
	if (asprintf(cause, "\"%.40s\" is not an e-mail address", s) == -1)
		*cause = NULL;
	return (IOD_EINVAL);
}
