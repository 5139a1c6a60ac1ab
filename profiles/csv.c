/*
 * csv.c — an RFC 4180 reader for the files agencies keep in spreadsheets
 * and for the reference tables: quoted fields with doubled quotes and line
 * breaks inside quotes, CRLF or LF, a UTF-8 byte-order mark, and lines that
 * start with '#' as comments; ',' or ';' between cells (csv_sniff tells
 * which a spreadsheet wrote).  It only splits rows into fields; what the
 * columns mean is the caller's business.  It also writes the cells of
 * every CSV iod produces (csv_cell), quoted and safe to open in a
 * spreadsheet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiles.h"

#define CSV_MAX_FIELDS	256
#define CSV_MAX_ROW	(1024 * 1024)

int
csv_open(struct csv *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	if ((c->f = fopen(path, "r")) == NULL)
		return (IOD_EIO);
	c->owned = 1;
	return (0);
}

void
csv_init(struct csv *c, FILE *f)
{
	memset(c, 0, sizeof(*c));
	c->f = f;
}

void
csv_close(struct csv *c)
{
	if (c->owned && c->f != NULL)
		fclose(c->f);
	free(c->buf);
	free(c->fields);
	free(c->line);
	memset(c, 0, sizeof(*c));
}

static int
put(struct csv *c, char ch)
{
	char	*p;

	if (c->len + 1 >= c->cap) {
		if (c->cap >= CSV_MAX_ROW)
			return (IOD_ETOOBIG);
		c->cap = c->cap ? c->cap * 2 : 256;
		if ((p = realloc(c->buf, c->cap)) == NULL)
			return (IOD_ENOMEM);
		c->buf = p;
	}
	c->buf[c->len++] = ch;
	return (0);
}

/*
 * Read the next row.  Returns 1 with c->fields[0 .. c->nfields) pointing
 * into a buffer that lives until the next call, 0 at end of file, or a
 * negative error with *cause set (caller frees).  c->lineno is the line
 * the row starts on.
 */
int
csv_next(struct csv *c, char **cause)
{
	ssize_t		 n;
	size_t		 i, nf, starts[CSV_MAX_FIELDS];
	int		 quoted, first, rc;
	char		 ch;

	*cause = NULL;
	for (;;) {
		if ((n = getline(&c->line, &c->linecap, c->f)) == -1)
			return (0);
		c->lineno++;
		i = 0;
		if (c->lineno == 1 && n >= 3 &&
		    memcmp(c->line, "\xef\xbb\xbf", 3) == 0)
			i = 3;
		if (i < (size_t)n && c->line[i] != '#' &&
		    c->line[i] != '\n' && c->line[i] != '\r')
			break;
	}
	c->rowline = c->lineno;
	c->len = 0;
	nf = 0;
	starts[nf++] = 0;
	quoted = 0;
	first = 1;	/* at the first character of a field */
	for (;;) {
		if (i >= (size_t)n) {
			if (!quoted)
				break;
			/* A quoted field goes on to the next line. */
			if ((n = getline(&c->line, &c->linecap, c->f)) == -1) {
				if (asprintf(cause, "line %zu: unterminated "
				    "quoted field", c->rowline) == -1)
					*cause = NULL;
				return (IOD_EINVAL);
			}
			c->lineno++;
			i = 0;
			continue;
		}
		ch = c->line[i++];
		/* A NUL would end the field where a C string ends. */
		if (ch == '\0') {
			if (asprintf(cause, "line %zu: column %zu: a NUL byte "
			    "(expected text)", c->lineno, nf) == -1)
				*cause = NULL;
			return (IOD_EINVAL);
		}
		if (quoted) {
			if (ch == '"') {
				if (i < (size_t)n && c->line[i] == '"') {
					i++;
					if ((rc = put(c, '"')) != 0)
						goto toobig;
				} else
					quoted = 0;
				continue;
			}
			if ((rc = put(c, ch)) != 0)
				goto toobig;
			continue;
		}
		if (ch == '"' && first) {
			quoted = 1;
			first = 0;
			continue;
		}
		if (ch == '\r' || ch == '\n')
			continue;
		if (ch == (c->sep != 0 ? c->sep : ',')) {
			if ((rc = put(c, '\0')) != 0)
				goto toobig;
			if (nf == CSV_MAX_FIELDS) {
				if (asprintf(cause, "line %zu: more than %d "
				    "fields", c->rowline, CSV_MAX_FIELDS) == -1)
					*cause = NULL;
				return (IOD_ETOOBIG);
			}
			starts[nf++] = c->len;
			first = 1;
			continue;
		}
		first = 0;
		if ((rc = put(c, ch)) != 0)
			goto toobig;
	}
	if ((rc = put(c, '\0')) != 0)
		goto toobig;
	free(c->fields);
	if ((c->fields = calloc(nf, sizeof(char *))) == NULL)
		return (IOD_ENOMEM);
	for (i = 0; i < nf; i++)
		c->fields[i] = c->buf + starts[i];
	c->nfields = nf;
	return (1);

toobig:
	if (asprintf(cause, "line %zu: row too long", c->rowline) == -1)
		*cause = NULL;
	return (rc);
}

char
csv_sniff(const char *buf, size_t len)
{
	size_t	i, semi = 0, comma = 0;
	int	quoted = 0;

	for (i = 0; i < len && (quoted || (buf[i] != '\n' &&
	    buf[i] != '\r')); i++) {
		if (buf[i] == '"')
			quoted = !quoted;
		else if (!quoted && buf[i] == ';')
			semi++;
		else if (!quoted && buf[i] == ',')
			comma++;
	}
	return (semi > comma ? ';' : ',');
}

/* Index of the column named name in the header row, or -1. */
int
csv_column(char **header, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(header[i], name) == 0)
			return ((int)i);
	return (-1);
}

/* Would a spreadsheet read a cell starting with c as a formula? */
static int
csv_formula(char c)
{
	return (c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' ||
	    c == '\r');
}

char *
csv_cell(const char *s)
{
	return (csv_cell_sep(s, ','));
}

char *
csv_cell_sep(const char *s, char sep)
{
	char		 special[] = { sep, '"', '\r', '\n', '\0' };
	const char	*p;
	char		*out, *o;
	size_t		 len;
	int		 quote, formula;

	if (s == NULL)
		s = "";
	len = strlen(s);
	formula = csv_formula(*s);
	quote = formula || strpbrk(s, special) != NULL;
	if ((out = malloc(len * 2 + 4)) == NULL)
		return (NULL);
	o = out;
	if (quote)
		*o++ = '"';
	if (formula)
		*o++ = '\'';
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			*o++ = '"';
		*o++ = *p;
	}
	if (quote)
		*o++ = '"';
	*o = '\0';
	return (out);
}
