/*
 * refdata.c — the reference tables every record is checked against: the
 * territory's communes (INSEE codes, names, populations) and France
 * Travail's ROME codes and appellations.  They are loaded once at start-up
 * from CSV files an operator can replace, kept sorted, and looked up by
 * binary search, or searched by name, postal code and words (folded:
 * case and accents do not count) by a linear scan of tables of a few
 * hundred communes and some ten thousand appellations, their folded
 * names made at load.  Territories (groups of communes) belong to rule
 * sets.
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

/* Read a CSV file whose header has the named columns (a name that starts
 * with '?' may be missing: its cells read as empty); call row() on each. */
static int
load_csv(const char *dir, const char *file, const char *const *cols,
    int (*row)(char **, char **), char **cause)
{
	struct csv	 c;
	static char	 none[1];		/* a missing optional cell */
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
		if ((idx[n] = csv_column(c.fields, c.nfields, cols[n] +
		    (cols[n][0] == '?'))) < 0 && cols[n][0] != '?')
			goto bad;
	while ((rc = csv_next(&c, &why)) == 1) {
		for (i = 0; i < n; i++) {
			if (idx[i] < 0) {
				v[i] = none;
				continue;
			}
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

/* A copy of s folded for searching; NULL if out of memory. */
static char *
folded(const char *s)
{
	char	buf[TEXT_FOLD_MAX];

	text_fold(s, buf, sizeof(buf));
	return (strdup(buf));
}

/* One allocation of the strings a, b, c and c folded, each ended by a
 * NUL: what the ROME and appellation tables hold. */
static char *
pack(const char *a, const char *b, const char *c)
{
	char	 buf[TEXT_FOLD_MAX], *p;
	size_t	 la = strlen(a) + 1, lb = strlen(b) + 1, lc = strlen(c) + 1,
		 lf;

	lf = text_fold(c, buf, sizeof(buf)) + 1;
	if ((p = malloc(la + lb + lc + lf)) == NULL)
		return (NULL);
	memcpy(p, a, la);
	memcpy(p + la, b, lb);
	memcpy(p + la + lb, c, lc);
	memcpy(p + la + lb + lc, buf, lf);
	return (p);
}

/* The n-th NUL-ended string of a packed entry. */
static const char *
part(const char *p, int n)
{
	while (n-- > 0)
		p += strlen(p) + 1;
	return (p);
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
	memset(c, 0, sizeof(*c));
	memcpy(c->insee, v[0], INSEE_LEN + 1);
	c->population = strtoll(v[2], NULL, 10);
	if ((c->name = strdup(v[1])) == NULL ||
	    (c->postal_codes = strdup(v[3])) == NULL ||
	    (c->folded = folded(v[1])) == NULL)
		return (IOD_ENOMEM);
	return (0);
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
	/* One allocation: "K2204\0\0Name\0name" */
	if ((ref.rome[ref.nrome] = pack(v[0], "", v[1])) == NULL)
		return (IOD_ENOMEM);
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
	/* "12345\0K2204\0Name\0name" */
	if ((ref.appellations[ref.nappellations] = pack(v[0], v[1], v[2]))
	    == NULL)
		return (IOD_ENOMEM);
	ref.nappellations++;
	return (0);
}

int
refdata_load(const char *dir, char **cause)
{
	static const char *const ccols[] = { "insee_code", "name",
	    "population", "?postal_codes", NULL };
	static const char *const rcols[] = { "rome_code", "name", NULL };
	static const char *const acols[] = { "appellation_code", "rome_code",
	    "?name", NULL };
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

	for (i = 0; i < ref.ncommunes; i++) {
		free(ref.communes[i].name);
		free(ref.communes[i].postal_codes);
		free(ref.communes[i].folded);
	}
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
	return (part(*p, 2));
}

const char *
refdata_appellation_rome(const char *code)
{
	char	**p;

	if ((p = find(ref.appellations, ref.nappellations, code)) == NULL)
		return (NULL);
	return (part(*p, 1));
}

const char *
refdata_appellation_name(const char *code)
{
	char	**p;

	if ((p = find(ref.appellations, ref.nappellations, code)) == NULL ||
	    *part(*p, 2) == '\0')
		return (NULL);
	return (part(*p, 2));
}

/* ---- searches -------------------------------------------------------- */

/* 1 if one of the space-separated codes of list is code, or begins with
 * it when prefix is set. */
static int
code_in(const char *list, const char *code, size_t len, int prefix)
{
	size_t	n;

	for (; *list != '\0'; list += n) {
		list += strspn(list, " ,;|");
		n = strcspn(list, " ,;|");
		if (n >= len && (prefix || n == len) &&
		    strncmp(list, code, len) == 0)
			return (1);
	}
	return (0);
}

/* 1 if s is only digits, at least one. */
static int
all_digits(const char *s)
{
	return (*s != '\0' && strspn(s, "0123456789") == strlen(s));
}

size_t
refdata_find_communes(const char *q, refdata_commune_fn fn, void *arg)
{
	char	 w[TEXT_FOLD_MAX];
	size_t	 i, n = 0, len;

	len = text_fold(q, w, sizeof(w));
	if (all_digits(w) && len <= INSEE_LEN) {
		/* A postal code first: what people type; then INSEE codes,
		 * which may be another commune's postal code (69003). */
		for (i = 0; i < ref.ncommunes; i++)
			if (code_in(ref.communes[i].postal_codes, w, len,
			    len < INSEE_LEN) && ++n)
				fn(arg, &ref.communes[i], "postal_code");
		for (i = 0; i < ref.ncommunes; i++)
			if (strncmp(ref.communes[i].insee, w, len) == 0 &&
			    ++n)
				fn(arg, &ref.communes[i], "insee");
		return (n);
	}
	for (i = 0; i < ref.ncommunes; i++)
		if (text_words_in(w, ref.communes[i].folded) && ++n)
			fn(arg, &ref.communes[i], "name");
	return (n);
}

/* A ROME code's beginning: a letter and up to four digits, folded. */
static int
rome_prefix(const char *w)
{
	size_t	len = strlen(w);

	return (len >= 1 && len <= ROME_LEN && w[0] >= 'a' && w[0] <= 'z' &&
	    strspn(w + 1, "0123456789") == len - 1);
}

size_t
refdata_find_rome(const char *q, refdata_rome_fn fn, void *arg)
{
	char		 w[TEXT_FOLD_MAX], code[ROME_LEN + 1];
	const char	*a;
	size_t		 i, n = 0, len;

	len = text_fold(q, w, sizeof(w));
	if (rome_prefix(w)) {
		memcpy(code, w, len + 1);
		code[0] = (char)(code[0] - 'a' + 'A');
		for (i = 0; i < ref.nrome; i++)
			if (strncmp(ref.rome[i], code, len) == 0 && ++n)
				fn(arg, ref.rome[i], part(ref.rome[i], 2),
				    NULL, NULL, "rome");
		return (n);
	}
	if (all_digits(w)) {
		for (i = 0; i < ref.nappellations; i++) {
			a = ref.appellations[i];
			if (strncmp(a, w, len) == 0 && ++n)
				fn(arg, part(a, 1), refdata_rome_name(
				    part(a, 1)), a, part(a, 2), "appellation");
		}
		return (n);
	}
	for (i = 0; i < ref.nrome; i++)
		if (text_words_in(w, part(ref.rome[i], 3)) && ++n)
			fn(arg, ref.rome[i], part(ref.rome[i], 2), NULL, NULL,
			    "label");
	for (i = 0; i < ref.nappellations; i++) {
		a = ref.appellations[i];
		if (*part(a, 3) != '\0' && text_words_in(w, part(a, 3)) &&
		    ++n)
			fn(arg, part(a, 1), refdata_rome_name(part(a, 1)), a,
			    part(a, 2), "appellation");
	}
	return (n);
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
