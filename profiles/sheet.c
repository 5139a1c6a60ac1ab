/*
 * sheet.c — the spreadsheets agencies keep, read as records: a CSV file as
 * French Excel and LibreOffice save it (';' or ',' between cells, UTF-8
 * with or without a byte-order mark, CRLF), whose header names either the
 * JSON fields of a record's schema (nested ones with a dot:
 * mobility.zone) or the console's French labels of them (« Date de
 * naissance »).  Each row becomes the JSON object of one record, each
 * cell converted by its field's type (dd/mm/yyyy dates, oui/non, lists
 * split on | ; or ,).  A cell that does not convert stays the string it
 * is, so that the record's validation refuses it naming the field.  It
 * splits nothing itself (csv.c) and writes nothing (the daemon's import).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sheet.h"

#define SHEET_DEPTH	4		/* nesting of a dotted column */

struct sheet_col {
	const char		*label;	/* the header cell, trimmed */
	const char		*path;	/* the field it names: mobility.zone */
	const struct field	*fields[SHEET_DEPTH];	/* outermost first */
	int			 depth;	/* 0: no name, the column is ignored */
};

struct sheet {
	const struct schema	*sc;
	FILE			*f;
	struct csv		 csv;
	char			**header;
	struct sheet_col	*cols;
	size_t			 ncols;
};

/* The console's French labels of the fields (the forms of web/), by schema. */
static const struct {
	const char	*schema;	/* NULL: every schema */
	const char	*label;
	const char	*path;
} sheet_labels[] = {
	{ NULL, "Référence", "external_ref" },
	{ NULL, "Référence externe", "external_ref" },
	{ NULL, "Référence de l’agence", "external_ref" },
	{ "company", "SIRET", "siret" },
	{ "company", "Raison sociale", "name" },
	{ "company", "Nom", "name" },
	{ "company", "Entreprise", "name" },
	{ "company", "Commune (code INSEE)", "commune" },
	{ "company", "Commune", "commune" },
	{ "company", "Effectif", "fte" },
	{ "company", "Publics choisis", "favoured_publics" },
	{ "offer", "Entreprise", "company_id" },
	{ "offer", "Intitulé du poste", "title" },
	{ "offer", "Code ROME", "rome" },
	{ "offer", "Appellation ROME (facultatif)", "appellation" },
	{ "offer", "Appellation ROME", "appellation" },
	{ "offer", "Commune du poste (code INSEE)", "commune" },
	{ "offer", "Contrat", "contract" },
	{ "offer", "Durée (mois, pour un contrat à durée déterminée)",
	    "duration_months" },
	{ "offer", "Durée (mois)", "duration_months" },
	{ "offer", "Heures par semaine", "weekly_hours" },
	{ "offer", "Horaires particuliers", "schedule" },
	{ "offer", "Début", "start_on" },
	{ "offer", "Exigences", "requirements" },
	{ "offer", "Date de la visite", "workstation_visit.on" },
	{ "offer", "Ce que la visite a appris", "workstation_visit.notes" },
	{ "offer", "Statut", "status" },
	{ "candidate", "Prénom", "first_name" },
	{ "candidate", "Nom", "last_name" },
	{ "candidate", "Date de naissance", "birth_date" },
	{ "candidate", "Sexe (pour les statistiques)", "sex" },
	{ "candidate", "Sexe", "sex" },
	{ "candidate", "Commune de résidence (code INSEE)", "commune" },
	{ "candidate", "Commune de résidence", "commune" },
	{ "candidate", "Réside en quartier prioritaire (QPV)", "qpv" },
	{ "candidate", "QPV", "qpv" },
	{ "candidate", "Quartier (QPV)", "qpv_code" },
	{ "candidate", "Dispositif", "programme" },
	{ "candidate", "Référent·e", "referent_id" },
	{ "candidate", "Référent", "referent_id" },
	{ "candidate", "Orienté·e le", "oriented_on" },
	{ "candidate", "Publics", "publics" },
	{ "candidate", "Métiers recherchés (codes ROME)", "rome" },
	{ "candidate", "Métiers recherchés", "rome" },
	{ "candidate", "Contrats acceptés", "contracts" },
	{ "candidate", "Heures par semaine au plus", "max_weekly_hours" },
	{ "candidate", "Horaires possibles", "schedule_ok" },
	{ "candidate", "Permis B", "mobility.licence_b" },
	{ "candidate", "Véhicule", "mobility.vehicle" },
	{ "candidate", "Peut travailler dans", "mobility.zone" },
	{ "candidate", "Disponible le", "available_on" },
	{ "candidate", "Consentement recueilli le", "consent.on" },
	{ "candidate", "Recueilli le", "consent.on" },
	{ "candidate", "Consentement pour", "consent.scope" },
	{ "candidate", "Statut", "status" },
	{ "referent", "Nom", "name" },
	{ "referent", "Structure", "structure" },
	{ "referent", "Courriel", "email" },
	{ "referent", "E-mail", "email" },
	{ NULL, NULL, NULL }
};

/* Words a spreadsheet uses for booleans, any case. */
static const struct {
	const char	*word;
	int		 value;
} sheet_bools[] = {
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
	{ .word = "x", .value = 1 },
	{ .word = NULL, .value = 0 }
};

static char *
sheet_trim(char *s)
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

static int
sheet_cause(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Set *cause (caller frees; NULL if out of memory); returns -1. */
static int
sheet_cause(char **cause, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	va_end(ap);
	return (-1);
}

static const struct field *
sheet_field(const struct schema *sc, const char *name, size_t len)
{
	const struct field	*f;

	for (f = sc->fields; f->name != NULL; f++)
		if (strlen(f->name) == len && strncmp(f->name, name, len) == 0)
			return (f);
	return (NULL);
}

/* The field path a header cell names: itself, or the one of its label. */
static const char *
sheet_path(const struct schema *sc, const char *name)
{
	size_t	i;

	for (i = 0; sheet_labels[i].label != NULL; i++)
		if ((sheet_labels[i].schema == NULL ||
		    strcmp(sheet_labels[i].schema, sc->name) == 0) &&
		    strcasecmp(sheet_labels[i].label, name) == 0)
			return (sheet_labels[i].path);
	return (name);
}

/* Resolve a header cell to a chain of fields; -1 with *cause if it names
 * none of the schema. */
static int
sheet_column(const struct schema *sc, struct sheet_col *col, char **cause)
{
	const struct field	*f;
	const char		*s, *dot, *path;
	size_t			 len;

	col->depth = 0;
	if (*col->label == '\0')
		return (0);
	path = col->path = sheet_path(sc, col->label);
	for (s = path;; s = dot + 1) {
		dot = strchr(s, '.');
		len = dot != NULL ? (size_t)(dot - s) : strlen(s);
		if ((f = sheet_field(sc, s, len)) == NULL)
			return (sheet_cause(cause, "column \"%s\": a %s has no "
			    "field \"%.*s\" (expected a field name or the "
			    "console's label of one)", col->label, sc->name,
			    (int)len, s));
		if (f->flags & F_RO)
			return (sheet_cause(cause, "column \"%s\": set by the "
			    "server, it cannot be imported", col->label));
		if (col->depth == SHEET_DEPTH)
			return (sheet_cause(cause, "column \"%s\": nested too "
			    "deeply", col->label));
		col->fields[col->depth++] = f;
		if (dot == NULL)
			return (0);
		if (f->type != FT_OBJ)
			return (sheet_cause(cause, "column \"%s\": \"%.*s\" is "
			    "not an object", col->label, (int)(dot - path),
			    path));
		sc = f->sub;
	}
}

/* Is path a column, or (!exact) a prefix of one before a dot? */
static int
sheet_covered(const struct sheet *sh, const char *path, int exact)
{
	size_t	i, len = strlen(path);

	for (i = 0; i < sh->ncols; i++) {
		if (sh->cols[i].depth == 0)
			continue;
		if (strcmp(sh->cols[i].path, path) == 0)
			return (1);
		if (!exact && strncmp(sh->cols[i].path, path, len) == 0 &&
		    sh->cols[i].path[len] == '.')
			return (1);
	}
	return (0);
}

/* Every required field must have a column, and so must the required
 * members of every object present: otherwise every row is refused. */
static int
sheet_required(const struct sheet *sh, const struct schema *sc,
    const char *prefix, char **cause)
{
	const struct field	*f;
	char			*path;
	int			 covered, rc = 0;

	for (f = sc->fields; rc == 0 && f->name != NULL; f++) {
		if (f->flags & F_RO)
			continue;
		if (*prefix != '\0' ? asprintf(&path, "%s.%s", prefix,
		    f->name) == -1 : (path = strdup(f->name)) == NULL)
			return (sheet_cause(cause, "out of memory"));
		covered = sheet_covered(sh, path, 0);
		if ((f->flags & F_REQUIRED) && !covered)
			rc = sheet_cause(cause, "no column for the required "
			    "field \"%s\"", path);
		else if (f->type == FT_OBJ && covered &&
		    !sheet_covered(sh, path, 1))
			rc = sheet_required(sh, f->sub, path, cause);
		free(path);
	}
	return (rc);
}

/* Check the header row against the schema: 0, or -1 with *cause. */
static int
sheet_header(struct sheet *sh, char **cause)
{
	size_t	i, j, len;
	int	rc;

	if ((rc = csv_next(&sh->csv, cause)) <= 0) {
		if (rc == 0)
			return (sheet_cause(cause, "no header row"));
		return (-1);
	}
	sh->ncols = sh->csv.nfields;
	if ((sh->header = calloc(sh->ncols, sizeof(char *))) == NULL ||
	    (sh->cols = calloc(sh->ncols, sizeof(*sh->cols))) == NULL)
		return (sheet_cause(cause, "out of memory"));
	for (i = 0; i < sh->ncols; i++) {
		if ((sh->header[i] = strdup(sheet_trim(sh->csv.fields[i]))) ==
		    NULL)
			return (sheet_cause(cause, "out of memory"));
		sh->cols[i].label = sh->header[i];
		if (sheet_column(sh->sc, &sh->cols[i], cause) != 0)
			return (-1);
	}
	for (i = 0; i < sh->ncols; i++) {
		if (sh->cols[i].depth == 0)
			continue;
		for (j = i + 1; j < sh->ncols; j++)
			if (sh->cols[j].depth != 0 &&
			    strcmp(sh->cols[i].path, sh->cols[j].path) == 0)
				return (sheet_cause(cause, "columns \"%s\" and "
				    "\"%s\" both name the field \"%s\"",
				    sh->cols[i].label, sh->cols[j].label,
				    sh->cols[i].path));
	}
	/* A whole object in one cell, and one of its members in another. */
	for (i = 0; i < sh->ncols; i++) {
		if (sh->cols[i].depth != 1 ||
		    sh->cols[i].fields[0]->type != FT_OBJ)
			continue;
		len = strlen(sh->cols[i].path);
		for (j = 0; j < sh->ncols; j++)
			if (sh->cols[j].depth > 1 && strncmp(sh->cols[j].path,
			    sh->cols[i].path, len) == 0 &&
			    sh->cols[j].path[len] == '.')
				return (sheet_cause(cause, "column \"%s\" "
				    "conflicts with column \"%s\"",
				    sh->cols[j].label, sh->cols[i].label));
	}
	return (sheet_required(sh, sh->sc, "", cause));
}

struct sheet *
sheet_open(const struct schema *sc, const char *buf, size_t len,
    char **cause)
{
	struct sheet	*sh;
	const char	*nl;
	size_t		 bom, i, n, line;

	*cause = NULL;
	bom = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	if (!utf8_valid(buf + bom, len - bom)) {
		/* The first line that is not UTF-8 names the fault. */
		for (i = bom, line = 1; i < len; i += n + 1, line++) {
			nl = memchr(buf + i, '\n', len - i);
			n = nl != NULL ? (size_t)(nl - (buf + i)) : len - i;
			if (!utf8_valid(buf + i, n))
				break;
		}
		sheet_cause(cause, "line %zu: the file is not UTF-8 (it looks "
		    "saved as Windows-1252 or Latin-1): save it as \"CSV "
		    "UTF-8\" (Excel: Save as, CSV UTF-8 (délimité par des "
		    "virgules); LibreOffice: character set Unicode (UTF-8))",
		    line);
		return (NULL);
	}
	if ((sh = calloc(1, sizeof(*sh))) == NULL) {
		sheet_cause(cause, "out of memory");
		return (NULL);
	}
	sh->sc = sc;
	if ((sh->f = fmemopen((void *)(uintptr_t)buf, len, "r")) == NULL) {
		sheet_cause(cause, "%s", strerror(errno));
		free(sh);
		return (NULL);
	}
	csv_init(&sh->csv, sh->f);
	sh->csv.sep = csv_sniff(buf + bom, len - bom);
	if (sheet_header(sh, cause) != 0) {
		sheet_free(sh);
		return (NULL);
	}
	return (sh);
}

void
sheet_free(struct sheet *sh)
{
	size_t	i;

	if (sh == NULL)
		return;
	csv_close(&sh->csv);
	if (sh->f != NULL)
		fclose(sh->f);
	for (i = 0; sh->header != NULL && i < sh->ncols; i++)
		free(sh->header[i]);
	free(sh->header);
	free(sh->cols);
	free(sh);
}

/* The canonical name of s in names, ignoring case; NULL if none. */
static const char *
sheet_name(const char *const *names, const char *s)
{
	size_t	i;

	for (i = 0; names[i] != NULL; i++)
		if (strcasecmp(names[i], s) == 0)
			return (names[i]);
	return (NULL);
}

/* A list cell: items separated by '|', ';' or ',', blanks dropped. */
static json_t *
sheet_list(const struct field *f, char *s)
{
	const char	*name;
	json_t		*a;
	char		*item;

	if ((a = json_array()) == NULL)
		return (NULL);
	while ((item = strsep(&s, "|;,")) != NULL) {
		item = sheet_trim(item);
		if (*item == '\0')
			continue;
		if (f->names == NULL ||
		    (name = sheet_name(f->names, item)) == NULL)
			name = item;
		json_array_append_new(a, json_string(name));
	}
	return (a);
}

/* One non-empty, trimmed cell (modified in place) as the JSON value of
 * field f; NULL only when out of memory. */
static json_t *
sheet_cell(const struct field *f, char *s)
{
	json_error_t	 err;
	json_t		*j;
	const char	*name;
	char		*end, iso[11];
	iod_date	 day;
	long long	 n;
	int		 i;

	switch (f->type) {
	case FT_REF:
	case FT_INT:
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0' && end != s)
			return (json_integer(n));
		break;
	case FT_BOOL:
		for (i = 0; sheet_bools[i].word != NULL; i++)
			if (strcasecmp(sheet_bools[i].word, s) == 0)
				return (json_boolean(sheet_bools[i].value));
		break;
	case FT_DATE:
		/* dd/mm/yyyy, as French spreadsheets show dates. */
		if (strlen(s) == 10 && s[2] == '/' && s[5] == '/' &&
		    strspn(s, "0123456789/") == 10) {
			snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2s", s + 6,
			    s + 3, s);
			/* No such day: refused as the cell says it. */
			if (date_parse(iso, &day) == 0)
				return (json_string(iso));
		}
		break;
	case FT_ENUM:
		if ((name = sheet_name(f->names, s)) != NULL)
			return (json_string(name));
		break;
	case FT_SET:
	case FT_STRV:
		return (sheet_list(f, s));
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
	return (json_string(s));
}

/* The JSON object of the current row into *out (NULL when every cell is
 * empty); -1 out of memory. */
static int
sheet_object(const struct sheet *sh, json_t **out)
{
	const struct sheet_col	*col;
	json_t			*row = NULL, *obj, *sub, *v;
	char			*cell;
	size_t			 i;
	int			 d;

	*out = NULL;
	for (i = 0; i < sh->ncols && i < sh->csv.nfields; i++) {
		col = &sh->cols[i];
		cell = sheet_trim(sh->csv.fields[i]);
		if (col->depth == 0 || *cell == '\0')
			continue;
		if (row == NULL && (row = json_object()) == NULL)
			return (-1);
		obj = row;
		for (d = 0; d < col->depth - 1; d++) {
			sub = json_object_get(obj, col->fields[d]->name);
			if (sub == NULL) {
				if ((sub = json_object()) == NULL ||
				    json_object_set_new(obj,
				    col->fields[d]->name, sub) != 0)
					goto fail;
			}
			obj = sub;
		}
		if ((v = sheet_cell(col->fields[d], cell)) == NULL ||
		    json_object_set_new(obj, col->fields[d]->name, v) != 0)
			goto fail;
	}
	*out = row;
	return (0);
fail:
	json_decref(row);
	return (-1);
}

static int
sheet_refusal(struct sheet_row *r, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Refuse the current row for column col (from 0): 1, with r->record NULL. */
static int
sheet_refusal(struct sheet_row *r, size_t col, const char *fmt, ...)
{
	va_list	ap;

	snprintf(r->field, sizeof(r->field), "column %zu", col + 1);
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	return (1);
}

int
sheet_next(struct sheet *sh, struct sheet_row *r, char **cause)
{
	size_t	i;
	int	rc;

	memset(r, 0, sizeof(*r));
	*cause = NULL;
	for (;;) {
		if ((rc = csv_next(&sh->csv, cause)) <= 0)
			return (rc);
		r->line = sh->csv.rowline;
		for (i = 0; i < sh->csv.nfields; i++) {
			if (*sheet_trim(sh->csv.fields[i]) == '\0')
				continue;
			if (i >= sh->ncols)
				return (sheet_refusal(r, i, "a value in "
				    "column %zu, after the header's last "
				    "(%zu columns)", i + 1, sh->ncols));
			if (sh->cols[i].depth == 0)
				return (sheet_refusal(r, i, "a value in "
				    "column %zu, which has no name in the "
				    "header", i + 1));
		}
		if (sheet_object(sh, &r->record) != 0)
			return (sheet_cause(cause, "out of memory"));
		if (r->record != NULL)
			return (1);
	}
}
