/*
 * import.c — CSV import: the CSV files agencies keep in spreadsheets, one
 * record a row, sent to the daemon in batches.  The header names JSON
 * fields of the resource's schema, nested ones with a dot (mobility.zone);
 * each cell is converted by its field's type (DD/MM/YYYY dates, oui/non,
 * lists split on | or ;).  A cell that does not convert is sent as the
 * string it is, so that the server refuses the row with its own message,
 * naming the field, reported here by its CSV line.  The file is checked
 * whole before anything is sent.  It reads CSV through profiles/ (csv_*)
 * and owns no command line (cmd-records.c) and no HTTP (client.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"

#define IMPORT_DEPTH		4		/* nesting of a dotted column */

/* Words a spreadsheet uses for booleans, any case. */
static const struct {
	const char	*word;
	int		 value;
} import_bools[] = {
	{ .word = "true", .value = 1 },
	{ .word = "false", .value = 0 },
	{ .word = "oui", .value = 1 },
	{ .word = "non", .value = 0 },
	{ .word = "yes", .value = 1 },
	{ .word = "no", .value = 0 },
	{ .word = "1", .value = 1 },
	{ .word = "0", .value = 0 },
	{ .word = "vrai", .value = 1 },
	{ .word = "faux", .value = 0 },
	{ .word = NULL, .value = 0 }
};

struct column {
	const char		*name;	/* borrowed from the header copy */
	const struct field	*path[IMPORT_DEPTH];	/* outermost first */
	int			 depth;	/* 0: no name, the column is ignored */
};

struct import {
	const char		*file;	/* for messages */
	const struct resource	*res;
	char			**header;	/* copies of the header cells */
	struct column		*cols;
	size_t			 ncols;
	json_t			*batch;
	size_t			*lines;	/* CSV line of each row of batch */
	size_t			 max;	/* rows per batch */
	size_t			 imported, refused;
};

static char *
import_trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*e = '\0';
	return (s);
}

static const struct field *
import_field(const struct schema *sc, const char *name, size_t len)
{
	const struct field	*f;

	for (f = sc->fields; f->name != NULL; f++)
		if (strlen(f->name) == len && strncmp(f->name, name, len) == 0)
			return (f);
	return (NULL);
}

/* Resolve a header cell to a chain of fields; -1 with *cause if it is not
 * one of the schema. */
static int
import_column(const struct schema *sc, struct column *col, char **cause)
{
	const struct field	*f;
	const char		*s, *dot;
	size_t			 len;

	col->depth = 0;
	if (*col->name == '\0')
		return (0);
	for (s = col->name;; s = dot + 1) {
		dot = strchr(s, '.');
		len = dot != NULL ? (size_t)(dot - s) : strlen(s);
		if ((f = import_field(sc, s, len)) == NULL) {
			*cause = xasprintf("column \"%s\": %s has no field "
			    "\"%.*s\"", col->name, sc->name, (int)len, s);
			return (-1);
		}
		if (f->flags & F_RO) {
			*cause = xasprintf("column \"%s\": set by the server, "
			    "it cannot be imported", col->name);
			return (-1);
		}
		if (col->depth == IMPORT_DEPTH) {
			*cause = xasprintf("column \"%s\": nested too deeply",
			    col->name);
			return (-1);
		}
		col->path[col->depth++] = f;
		if (dot == NULL)
			return (0);
		if (f->type != FT_OBJ) {
			*cause = xasprintf("column \"%s\": \"%.*s\" is not an "
			    "object", col->name, (int)(dot - col->name),
			    col->name);
			return (-1);
		}
		sc = f->sub;
	}
}

/* Is path (len bytes) a column, or a prefix of one before a dot? */
static int
import_covered(const struct import *im, const char *path, int exact)
{
	size_t	i, len = strlen(path);

	for (i = 0; i < im->ncols; i++) {
		if (strcmp(im->cols[i].name, path) == 0)
			return (1);
		if (!exact && strncmp(im->cols[i].name, path, len) == 0 &&
		    im->cols[i].name[len] == '.')
			return (1);
	}
	return (0);
}

/*
 * Every required field must have a column, and so must the required
 * members of every object present (mobility.zone): otherwise the server
 * would refuse every row.  -1 with *cause.
 */
static int
import_required(const struct import *im, const struct schema *sc,
    const char *prefix, char **cause)
{
	const struct field	*f;
	char			*path;
	int			 covered, rc = 0;

	for (f = sc->fields; rc == 0 && f->name != NULL; f++) {
		if (f->flags & F_RO)
			continue;
		path = *prefix != '\0' ? xasprintf("%s.%s", prefix, f->name) :
		    xasprintf("%s", f->name);
		covered = import_covered(im, path, 0);
		if ((f->flags & F_REQUIRED) && !covered) {
			*cause = xasprintf("no column for the required field "
			    "\"%s\"", path);
			rc = -1;
		} else if (f->type == FT_OBJ && covered &&
		    !import_covered(im, path, 1))
			rc = import_required(im, f->sub, path, cause);
		free(path);
	}
	return (rc);
}

/* Read the header row and check it against the schema; -1 after a message. */
static int
import_header(struct import *im, struct csv *csv)
{
	const struct schema	*sc = im->res->schema;
	char			*cause = NULL;
	size_t			 i, j, len;
	int			 rc;

	if ((rc = csv_next(csv, &cause)) <= 0) {
		iodctl_warn("%s: %s", im->file, rc == 0 ? "no header row" :
		    cause != NULL ? cause : "unreadable");
		free(cause);
		return (-1);
	}
	im->ncols = csv->nfields;
	im->header = xcalloc(im->ncols, sizeof(char *));
	im->cols = xcalloc(im->ncols, sizeof(struct column));
	for (i = 0; i < im->ncols; i++) {
		im->header[i] = xasprintf("%s", import_trim(csv->fields[i]));
		im->cols[i].name = im->header[i];
		if (import_column(sc, &im->cols[i], &cause) != 0)
			goto fail;
	}
	for (i = 0; i < im->ncols; i++) {
		if (im->cols[i].depth == 0)
			continue;
		len = strlen(im->cols[i].name);
		for (j = 0; j < im->ncols; j++) {
			if (j == i || im->cols[j].depth == 0)
				continue;
			if (strcmp(im->cols[i].name, im->cols[j].name) == 0) {
				cause = xasprintf("column \"%s\" appears "
				    "twice", im->cols[i].name);
				goto fail;
			}
			if (strncmp(im->cols[i].name, im->cols[j].name,
			    len) == 0 && im->cols[j].name[len] == '.') {
				cause = xasprintf("column \"%s\" conflicts "
				    "with column \"%s\"", im->cols[j].name,
				    im->cols[i].name);
				goto fail;
			}
		}
	}
	if (import_required(im, sc, "", &cause) != 0)
		goto fail;
	return (0);

fail:
	iodctl_warn("%s:%zu: %s", im->file, csv->rowline, cause);
	free(cause);
	return (-1);
}

/*
 * Check the rows' shape before anything is sent: no more cells than the
 * header (fewer are empty), nothing in a column without a name, every
 * cell UTF-8.  Returns 0, or -1 after a message.
 */
static int
import_scan(struct import *im, struct csv *csv)
{
	char	*cause = NULL;
	size_t	 i;
	int	 rc, n = 0;

	while ((rc = csv_next(csv, &cause)) == 1) {
		for (i = im->ncols; i < csv->nfields; i++) {
			if (*import_trim(csv->fields[i]) != '\0') {
				iodctl_warn("%s:%zu: %zu cells, the header "
				    "has %zu", im->file, csv->rowline,
				    csv->nfields, im->ncols);
				return (-1);
			}
		}
		for (i = 0; i < im->ncols && i < csv->nfields; i++) {
			if (im->cols[i].depth == 0 &&
			    *import_trim(csv->fields[i]) != '\0') {
				iodctl_warn("%s:%zu: a value in column %zu, "
				    "which has no name in the header",
				    im->file, csv->rowline, i + 1);
				return (-1);
			}
			if (!utf8_valid(csv->fields[i],
			    strlen(csv->fields[i]))) {
				iodctl_warn("%s:%zu: %s: not valid UTF-8 "
				    "(save the file as CSV UTF-8)", im->file,
				    csv->rowline, im->cols[i].name);
				return (-1);
			}
		}
	}
	if (rc < 0) {
		/* csv.c's message starts "line N: ", ours "file:N: ". */
		if (cause != NULL && sscanf(cause, "line %zu: %n", &i, &n) ==
		    1 && n > 0)
			iodctl_warn("%s:%zu: %s", im->file, i, cause + n);
		else
			iodctl_warn("%s: %s", im->file, cause != NULL ? cause :
			    "unreadable");
		free(cause);
		return (-1);
	}
	return (0);
}

/* The canonical name of s in names, ignoring case; NULL if none. */
static const char *
import_name(const char *const *names, const char *s)
{
	size_t	i;

	for (i = 0; names[i] != NULL; i++)
		if (strcasecmp(names[i], s) == 0)
			return (names[i]);
	return (NULL);
}

/* A string, which the server may refuse with its own message; the scan
 * has checked that every cell is UTF-8. */
static json_t *
import_string(const char *s)
{
	return (xjson(json_string(s)));
}

/* A list cell: items separated by '|' or ';', blanks dropped. */
static json_t *
import_list(const struct field *f, char *s)
{
	const char	*name;
	json_t		*a;
	char		*item;

	a = xjson(json_array());
	while ((item = strsep(&s, "|;")) != NULL) {
		item = import_trim(item);
		if (*item == '\0')
			continue;
		if (f->names == NULL ||
		    (name = import_name(f->names, item)) == NULL)
			name = item;
		json_array_append_new(a, import_string(name));
	}
	return (a);
}

/*
 * Convert one non-empty, trimmed cell (modified in place) to the JSON
 * value of field f.
 */
static json_t *
import_cell(const struct field *f, char *s)
{
	json_error_t	 err;
	json_t		*j;
	const char	*name;
	char		*end, iso[11];
	long long	 n;
	int		 i;

	switch (f->type) {
	case FT_REF:
	case FT_INT:
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0' && end != s)
			return (xjson(json_integer(n)));
		break;
	case FT_BOOL:
		for (i = 0; import_bools[i].word != NULL; i++)
			if (strcasecmp(import_bools[i].word, s) == 0)
				return (xjson(json_boolean(
				    import_bools[i].value)));
		break;
	case FT_DATE:
		/* DD/MM/YYYY, as French spreadsheets show dates. */
		if (strlen(s) == 10 && s[2] == '/' && s[5] == '/' &&
		    strspn(s, "0123456789/") == 10) {
			snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2s", s + 6,
			    s + 3, s);
			return (import_string(iso));
		}
		break;
	case FT_ENUM:
		if ((name = import_name(f->names, s)) != NULL)
			return (import_string(name));
		break;
	case FT_SET:
	case FT_STRV:
		return (import_list(f, s));
	case FT_OBJ:
	case FT_OBJV:
		/* A whole object or list of objects as JSON in one cell. */
		if ((j = json_loads(s, 0, &err)) != NULL)
			return (j);
		break;
	case FT_ID:
	case FT_TIME:
	case FT_STR:
		break;
	}
	return (import_string(s));
}

/* The JSON object of one row, or NULL when every cell is empty. */
static json_t *
import_row(const struct import *im, struct csv *csv)
{
	const struct column	*col;
	json_t			*row, *obj, *sub;
	char			*cell;
	size_t			 i;
	int			 d;

	row = NULL;
	for (i = 0; i < im->ncols && i < csv->nfields; i++) {
		col = &im->cols[i];
		cell = import_trim(csv->fields[i]);
		if (col->depth == 0 || *cell == '\0')
			continue;
		if (row == NULL)
			row = xjson(json_object());
		obj = row;
		for (d = 0; d < col->depth - 1; d++) {
			sub = json_object_get(obj, col->path[d]->name);
			if (sub == NULL) {
				sub = xjson(json_object());
				json_object_set_new(obj, col->path[d]->name,
				    sub);
			}
			obj = sub;
		}
		json_object_set_new(obj, col->path[d]->name,
		    import_cell(col->path[d], cell));
	}
	return (row);
}

/*
 * Send the rows of the batch and report each refused one by its CSV line.
 * Returns 0, or the exit status when the batch as a whole failed.
 */
static int
import_flush(struct import *im, struct client *c)
{
	struct reply	 r;
	json_t		*created, *refused, *e;
	json_int_t	 index;
	size_t		 i, n;
	char		*path, *s;
	int		 rc;

	if ((n = json_array_size(im->batch)) == 0)
		return (0);
	path = xasprintf("/v1/%s:batch", im->res->name);
	rc = client_send_json(c, CLIENT_POST, path, im->batch, &r);
	free(path);
	if (rc != 0)
		return (EXIT_USAGE);
	if (!client_ok(&r)) {
		iodctl_warn("%s: the batch of lines %zu to %zu was not "
		    "imported:", im->file, im->lines[0], im->lines[n - 1]);
		client_print_error(&r);
		client_reply_clear(&r);
		return (EXIT_HTTP);
	}
	created = json_object_get(r.json, "created");
	refused = json_object_get(r.json, "refused");
	if (!json_is_array(created) || !json_is_array(refused)) {
		iodctl_warn("%s: the batch of lines %zu to %zu got a reply "
		    "without \"created\" and \"refused\"", im->file,
		    im->lines[0], im->lines[n - 1]);
		client_reply_clear(&r);
		return (EXIT_HTTP);
	}
	im->imported += json_array_size(created);
	json_array_foreach(refused, i, e) {
		im->refused++;
		index = json_integer_value(json_object_get(e, "index"));
		s = client_error_text(json_object_get(e, "error"));
		if (index >= 0 && (size_t)index < n)
			fprintf(stderr, "%s:%zu: %s\n", im->file,
			    im->lines[index], s);
		else
			fprintf(stderr, "%s: a row of lines %zu to %zu: %s\n",
			    im->file, im->lines[0], im->lines[n - 1], s);
		free(s);
	}
	/* A row the server lost is a failure, even with no refusal. */
	if (json_array_size(created) + json_array_size(refused) != n) {
		iodctl_warn("%s: the batch of lines %zu to %zu: %zu rows "
		    "sent, the server accounted for %zu", im->file,
		    im->lines[0], im->lines[n - 1], n,
		    json_array_size(created) + json_array_size(refused));
		client_reply_clear(&r);
		return (EXIT_HTTP);
	}
	client_reply_clear(&r);
	json_array_clear(im->batch);
	return (0);
}

/* Copy stdin to a temporary file, which the two passes need. */
static FILE *
import_stdin(void)
{
	FILE	*f;
	char	 buf[65536];
	size_t	 n;

	if ((f = tmpfile()) == NULL)
		iodctl_fatal("cannot create a temporary file: %s",
		    strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (fwrite(buf, 1, n, f) != n)
			iodctl_fatal("cannot write a temporary file: %s",
			    strerror(errno));
	if (ferror(stdin))
		iodctl_fatal("cannot read stdin: %s", strerror(errno));
	rewind(f);
	return (f);
}

/*
 * Check the whole file first (header against the schema, every row's
 * shape), so that a malformed file sends nothing; then send the rows in
 * batches.  Good rows are created even when others are refused.
 */
int
import_csv(struct client *c, const struct resource *res, const char *file,
    size_t max)
{
	struct import	 im;
	struct csv	 csv;
	FILE		*f;
	json_t		*row;
	char		*cause = NULL;
	size_t		 i;
	int		 rc = 0, next;

	memset(&im, 0, sizeof(im));
	im.res = res;
	im.file = file;
	im.max = max;
	if (strcmp(im.file, "-") == 0) {
		f = import_stdin();
		im.file = "stdin";
	} else if ((f = fopen(im.file, "r")) == NULL) {
		iodctl_warn("%s: %s", im.file, strerror(errno));
		return (EXIT_USAGE);
	}

	csv_init(&csv, f);
	if (import_header(&im, &csv) != 0 ||
	    import_scan(&im, &csv) != 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	csv_close(&csv);
	rewind(f);
	csv_init(&csv, f);
	if (csv_next(&csv, &cause) != 1)	/* the header, checked above */
		iodctl_fatal("%s: changed while reading", im.file);

	im.batch = xjson(json_array());
	im.lines = xcalloc(im.max, sizeof(size_t));
	while ((next = csv_next(&csv, &cause)) == 1) {
		if ((row = import_row(&im, &csv)) == NULL)
			continue;	/* a blank row */
		im.lines[json_array_size(im.batch)] = csv.rowline;
		json_array_append_new(im.batch, row);
		if (json_array_size(im.batch) < im.max)
			continue;
		if ((rc = import_flush(&im, c)) != 0) {
			if (csv_next(&csv, &cause) == 1)
				iodctl_warn("%s: stopped: the rows from line "
				    "%zu on were not sent", im.file,
				    csv.rowline);
			break;
		}
	}
	if (next < 0) {
		/* The file changed between the two passes. */
		iodctl_warn("%s: %s", im.file, cause != NULL ? cause :
		    "unreadable");
		rc = EXIT_USAGE;
	}
	free(cause);
	if (rc == 0)
		rc = import_flush(&im, c);
	printf("imported %zu, refused %zu\n", im.imported, im.refused);
	if (rc == 0 && im.refused > 0)
		rc = EXIT_HTTP;

out:
	csv_close(&csv);
	fclose(f);
	json_decref(im.batch);
	free(im.lines);
	for (i = 0; i < im.ncols; i++)
		free(im.header[i]);
	free(im.header);
	free(im.cols);
	return (rc);
}
