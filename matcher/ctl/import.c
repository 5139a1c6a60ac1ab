/*
 * import.c — CSV import: the spreadsheets agencies keep, one record a row,
 * sent whole to the daemon's import (POST /v1/<resource>:import), which
 * reads them as French Excel and LibreOffice save them (';' or ',',
 * UTF-8 with or without BOM, the console's French column labels or the
 * API's field names, dd/mm/yyyy) and writes each row by the agency's
 * reference (external_ref): a file imported twice changes nothing.  Here
 * the file is read and the reply told by CSV line: every refused row with
 * its field, and with --dry-run what each row would do.  It owns no
 * command line (cmd-records.c) and no HTTP (client.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define IMPORT_MAX	(16 * 1024 * 1024)	/* the route's body limit */

/* The whole of f, at most IMPORT_MAX bytes; NULL after a message. */
static char *
import_read(FILE *f, const char *file, size_t *len)
{
	char	*buf;
	size_t	 n;

	buf = xcalloc(1, IMPORT_MAX + 1);
	n = fread(buf, 1, IMPORT_MAX + 1, f);
	if (ferror(f)) {
		iodctl_warn("%s: %s", file, strerror(errno));
		free(buf);
		return (NULL);
	}
	if (n > IMPORT_MAX) {
		iodctl_warn("%s: over %d MB, the import's limit (split the "
		    "file)", file, IMPORT_MAX / (1024 * 1024));
		free(buf);
		return (NULL);
	}
	*len = n;
	return (buf);
}

/*
 * The rows of the CSV in buf that are not blank, the header left out:
 * what the daemon must account for.  (size_t)-1 when it cannot be read,
 * which the daemon says better.
 */
static size_t
import_rows(char *buf, size_t len)
{
	struct csv	 csv;
	FILE		*f;
	char		*cause = NULL;
	size_t		 i, n = 0, bom;
	int		 rc;

	bom = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	if ((f = fmemopen(buf, len, "r")) == NULL)
		return ((size_t)-1);
	csv_init(&csv, f);
	csv.sep = csv_sniff(buf + bom, len - bom);
	rc = csv_next(&csv, &cause);	/* the header */
	while (rc == 1 && (rc = csv_next(&csv, &cause)) == 1)
		for (i = 0; i < csv.nfields; i++)
			if (csv.fields[i][strspn(csv.fields[i], " \t")] !=
			    '\0') {
				n++;
				break;
			}
	free(cause);
	csv_close(&csv);
	fclose(f);
	return (rc < 0 ? (size_t)-1 : n);
}

/* A refusal of the whole file: "file:N: ..." where the message says
 * "line N: ...". */
static void
import_refused(const char *file, const struct reply *r)
{
	const char	*msg;
	size_t		 line;
	int		 n = 0;

	msg = json_string_value(json_object_get(json_object_get(r->json,
	    "error"), "message"));
	if (msg != NULL && sscanf(msg, "line %zu: %n", &line, &n) == 1 &&
	    n > 0) {
		fprintf(stderr, "%s:%zu: %s\n", file, line, msg + n);
		return;
	}
	iodctl_warn("%s: not imported:", file);
	client_print_error(r);
}

/* Print the rows of one outcome, "file:line: what". */
static void
import_print(FILE *out, const char *file, json_t *rows, const char *what)
{
	json_t	*e;
	size_t	 i;

	json_array_foreach(rows, i, e) {
		if (json_integer_value(json_object_get(e, "id")) > 0)
			fprintf(out, "%s:%lld: %s (id %lld)\n", file,
			    (long long)json_integer_value(json_object_get(e,
			    "line")), what, (long long)json_integer_value(
			    json_object_get(e, "id")));
		else
			fprintf(out, "%s:%lld: %s\n", file, (long long)
			    json_integer_value(json_object_get(e, "line")),
			    what);
	}
}

int
import_csv(struct client *c, const struct resource *res, const char *file,
    int dry_run)
{
	struct reply	 r;
	FILE		*f;
	json_t		*created, *updated, *unchanged, *refused, *e;
	char		*buf, *path, *s;
	size_t		 len, i, rows, n;
	int		 rc;

	if (strcmp(file, "-") == 0) {
		f = stdin;
		file = "stdin";
	} else if ((f = fopen(file, "rb")) == NULL) {
		iodctl_warn("%s: %s", file, strerror(errno));
		return (EXIT_USAGE);
	}
	buf = import_read(f, file, &len);
	if (f != stdin)
		fclose(f);
	if (buf == NULL)
		return (EXIT_USAGE);
	rows = import_rows(buf, len);
	path = xasprintf("/v1/%s:import%s", res->name, dry_run ?
	    "?dry_run=true" : "");
	rc = client_request(c, CLIENT_POST, path, "text/csv", buf, len, &r);
	free(path);
	free(buf);
	if (rc != 0)
		return (EXIT_SERVER);
	if (!client_ok(&r)) {
		/* The file as a whole: its encoding, header or size. */
		import_refused(file, &r);
		rc = r.code == 400 || r.code == 413 ? EXIT_USAGE :
		    client_status(&r);
		client_reply_clear(&r);
		return (rc);
	}
	created = json_object_get(r.json, "created");
	updated = json_object_get(r.json, "updated");
	unchanged = json_object_get(r.json, "unchanged");
	refused = json_object_get(r.json, "refused");
	if (!json_is_array(created) || !json_is_array(updated) ||
	    !json_is_array(unchanged) || !json_is_array(refused)) {
		iodctl_warn("%s: a reply without \"created\", \"updated\", "
		    "\"unchanged\" and \"refused\"", file);
		client_reply_clear(&r);
		return (EXIT_HTTP);
	}
	if (dry_run) {
		import_print(stdout, file, created, "would be created");
		import_print(stdout, file, updated, "would be updated");
		import_print(stdout, file, unchanged, "unchanged");
	} else
		import_print(stdout, file, updated, "updated");
	json_array_foreach(refused, i, e) {
		s = client_error_text(json_object_get(e, "error"));
		fprintf(stderr, "%s:%lld: %s\n", file, (long long)
		    json_integer_value(json_object_get(e, "line")), s);
		free(s);
	}
	printf("%s %zu, refused %zu: created %zu, updated %zu, unchanged "
	    "%zu\n", dry_run ? "dry run, nothing written: would import" :
	    "imported", json_array_size(created) + json_array_size(updated) +
	    json_array_size(unchanged), json_array_size(refused),
	    json_array_size(created), json_array_size(updated),
	    json_array_size(unchanged));
	rc = json_array_size(refused) > 0 ? EXIT_HTTP : 0;
	n = json_array_size(created) + json_array_size(updated) +
	    json_array_size(unchanged) + json_array_size(refused);
	if (rows != (size_t)-1 && n != rows) {
		/* A row the server lost is a failure, even with no refusal. */
		iodctl_warn("%s: %zu rows sent, the server accounted for %zu",
		    file, rows, n);
		rc = EXIT_HTTP;
	}
	client_reply_clear(&r);
	return (rc);
}
