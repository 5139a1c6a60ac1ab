/*
 * cmd-records.c — the commands on records: get, list (one page, or every
 * page with --all, streamed), create and put (a JSON document from a file
 * or stdin), patch (a JSON merge patch, the same way), delete, and import
 * (a CSV file, by import.c).  put, patch and delete send --if-match's
 * ETag, which get --etag prints.  Each names a
 * resource of iodctl.c's table; the daemon validates every record, these
 * commands only check their own arguments.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* GET or DELETE /v1/<resource>/<id>; get --etag prints the ETag alone. */
static int
cmd_by_id(const struct cmd_entry *ce, struct client *c, struct args *a,
    enum client_method method)
{
	const struct resource	*res;
	struct reply		 r;
	uint64_t		 id;
	char			*path;
	int			 rc;

	if ((res = iodctl_resource(ce, a->argv[0])) == NULL ||
	    (id = iodctl_id(ce, a->argv[1])) == 0)
		return (EXIT_USAGE);
	path = xasprintf("/v1/%s/%" PRIu64, res->name, id);
	if (method == CLIENT_GET && a->etag) {
		if (client_get(c, method, path, &r) != 0)
			rc = EXIT_SERVER;
		else if (!client_ok(&r))
			rc = client_report(&r);
		else if (r.etag == NULL) {
			iodctl_warn("the reply has no ETag");
			rc = EXIT_HTTP;
		} else {
			printf("%s\n", r.etag);
			rc = 0;
		}
		client_reply_clear(&r);
	} else {
		c->if_match = a->if_match;
		rc = client_simple(c, method, path);
	}
	free(path);
	return (rc);
}

static int
cmd_get_exec(const struct cmd_entry *ce, struct client *c, struct args *a)
{
	return (cmd_by_id(ce, c, a, CLIENT_GET));
}

static int
cmd_delete_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	return (cmd_by_id(ce, c, a, CLIENT_DELETE));
}

/* Read a JSON document from a file or "-" (stdin); NULL after a message. */
static json_t *
cmd_json_read(const char *path)
{
	json_error_t	 err;
	json_t		*j;

	if (strcmp(path, "-") == 0)
		j = json_loadf(stdin, 0, &err);
	else
		j = json_load_file(path, 0, &err);
	if (j == NULL) {
		if (err.line > 0)
			iodctl_warn("%s:%d:%d: %s", strcmp(path, "-") == 0 ?
			    "stdin" : path, err.line, err.column, err.text);
		else
			iodctl_warn("%s", err.text);	/* names the file */
	}
	return (j);
}

/* POST, PUT or PATCH (a merge patch) the JSON in file to path; the exit
 * status. */
static int
cmd_send_file(struct client *c, enum client_method method, const char *path,
    const char *file)
{
	struct reply	 r;
	json_t		*j;
	char		*s;
	int		 rc;

	if ((j = cmd_json_read(file)) == NULL)
		return (EXIT_USAGE);
	if (method == CLIENT_PATCH) {
		if ((s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
			iodctl_fatal("out of memory");
		rc = client_request(c, method, path,
		    "application/merge-patch+json", s, strlen(s), &r);
		free(s);
	} else
		rc = client_send_json(c, method, path, j, &r);
	json_decref(j);
	if (rc != 0)
		return (EXIT_SERVER);
	rc = client_report(&r);
	client_reply_clear(&r);
	return (rc);
}

static int
cmd_create_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	const struct resource	*res;
	char			*path;
	int			 rc;

	if ((res = iodctl_resource(ce, a->argv[0])) == NULL)
		return (EXIT_USAGE);
	path = xasprintf("/v1/%s", res->name);
	rc = cmd_send_file(c, CLIENT_POST, path, a->argv[1]);
	free(path);
	return (rc);
}

/* put and patch: the file to /v1/<resource>/<id>, with --if-match. */
static int
cmd_edit(const struct cmd_entry *ce, struct client *c, struct args *a,
    enum client_method method)
{
	const struct resource	*res;
	uint64_t		 id;
	char			*path;
	int			 rc;

	if ((res = iodctl_resource(ce, a->argv[0])) == NULL ||
	    (id = iodctl_id(ce, a->argv[1])) == 0)
		return (EXIT_USAGE);
	path = xasprintf("/v1/%s/%" PRIu64, res->name, id);
	c->if_match = a->if_match;
	rc = cmd_send_file(c, method, path, a->argv[2]);
	c->if_match = NULL;
	free(path);
	return (rc);
}

static int
cmd_put_exec(const struct cmd_entry *ce, struct client *c, struct args *a)
{
	return (cmd_edit(ce, c, a, CLIENT_PUT));
}

static int
cmd_patch_exec(const struct cmd_entry *ce, struct client *c, struct args *a)
{
	return (cmd_edit(ce, c, a, CLIENT_PATCH));
}

/* Write s with every line after the first indented by ind spaces. */
static void
cmd_print_indented(const char *s, int ind)
{
	for (; *s != '\0'; s++) {
		putchar(*s);
		if (*s == '\n')
			printf("%*s", ind, "");
	}
}

/*
 * list: one page as the server sends it; with --all, every page, printed
 * as one {"items": [...], "next_cursor": null} as the pages arrive so that
 * a large list is never held in memory.
 */
static int
cmd_list_exec(const struct cmd_entry *ce, struct client *c, struct args *a)
{
	const struct resource	*res;
	struct reply		 r;
	json_t			*items, *item, *next;
	char			*query, *q, *k, *v, *eq, *path, *cursor;
	size_t			 i, nprinted = 0;
	int			 n, rc = 0;

	if ((res = iodctl_resource(ce, a->argv[0])) == NULL)
		return (EXIT_USAGE);
	if (a->all && a->cursor != NULL)
		return (iodctl_usage(ce, "--cursor and --all exclude each "
		    "other"));
	query = xasprintf("%s", "");
	for (n = 1; n < a->argc; n++) {
		if ((eq = strchr(a->argv[n], '=')) == NULL ||
		    eq == a->argv[n]) {
			free(query);
			return (iodctl_usage(ce, "\"%s\" is not a filter "
			    "(expected field=value)", a->argv[n]));
		}
		k = client_encode(a->argv[n], eq - a->argv[n]);
		v = client_encode(eq + 1, -1);
		q = xasprintf("%s&%s=%s", query, k, v);
		free(k);
		free(v);
		free(query);
		query = q;
	}
	if (a->seen & O(OPT_LIMIT) || a->all) {
		q = xasprintf("%s&limit=%" PRIu64, query, (a->seen &
		    O(OPT_LIMIT)) ? a->limit : LIST_PAGE_ALL);
		free(query);
		query = q;
	}

	cursor = a->cursor != NULL ? xasprintf("%s", a->cursor) : NULL;
	for (;;) {
		if (cursor != NULL) {
			v = client_encode(cursor, -1);
			path = xasprintf("/v1/%s?cursor=%s%s", res->name, v,
			    query);
			free(v);
		} else if (*query != '\0')
			path = xasprintf("/v1/%s?%s", res->name, query + 1);
		else
			path = xasprintf("/v1/%s", res->name);
		rc = client_get(c, CLIENT_GET, path, &r);
		free(path);
		if (rc != 0) {
			rc = EXIT_SERVER;
			break;
		}
		if (!a->all || !client_ok(&r)) {
			rc = client_report(&r);
			client_reply_clear(&r);
			break;
		}
		items = json_object_get(r.json, "items");
		if (!json_is_array(items)) {
			iodctl_warn("the reply has no \"items\" array");
			client_reply_clear(&r);
			rc = EXIT_HTTP;
			break;
		}
		json_array_foreach(items, i, item) {
			if ((v = json_dumps(item, JSON_PRETTY)) == NULL)
				iodctl_fatal("out of memory");
			printf("%s", nprinted++ == 0 ?
			    "{\n  \"items\": [\n    " : ",\n    ");
			cmd_print_indented(v, 4);
			free(v);
		}
		next = json_object_get(r.json, "next_cursor");
		if (!json_is_string(next) || *json_string_value(next) == '\0') {
			client_reply_clear(&r);
			break;
		}
		if (cursor != NULL &&
		    strcmp(cursor, json_string_value(next)) == 0) {
			iodctl_warn("the server returned the same cursor "
			    "twice");
			client_reply_clear(&r);
			rc = EXIT_HTTP;
			break;
		}
		free(cursor);
		cursor = xasprintf("%s", json_string_value(next));
		client_reply_clear(&r);
	}
	if (a->all && (rc == 0 || nprinted > 0)) {
		if (nprinted == 0)
			printf("{\n  \"items\": [],\n");
		else
			printf("\n  ],\n");
		printf("  \"next_cursor\": null\n}\n");
	}
	free(cursor);
	free(query);
	return (rc);
}

/* import: the file to the daemon's import, which reads it (import.c). */
static int
cmd_import_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	const struct resource	*res;

	if ((res = iodctl_resource(ce, a->argv[0])) == NULL)
		return (EXIT_USAGE);
	return (import_csv(c, res, a->argv[1], a->dry_run));
}

const struct cmd_entry cmd_get_entry = {
	.name = "get",
	.usage = "get <resource> <id> [--etag]",
	.lower = 2,
	.upper = 2,
	.opts = O(OPT_ETAG),
	.exec = cmd_get_exec
};

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.usage = "list <resource> [field=value ...] [--limit N] "
	    "[--cursor C | --all]",
	.lower = 1,
	.upper = -1,
	.opts = O(OPT_LIMIT) | O(OPT_ALL) | O(OPT_CURSOR),
	.exec = cmd_list_exec
};

const struct cmd_entry cmd_create_entry = {
	.name = "create",
	.usage = "create <resource> FILE|-",
	.lower = 2,
	.upper = 2,
	.exec = cmd_create_exec
};

const struct cmd_entry cmd_put_entry = {
	.name = "put",
	.usage = "put <resource> <id> FILE|- [--if-match ETAG]",
	.lower = 3,
	.upper = 3,
	.opts = O(OPT_IF_MATCH),
	.exec = cmd_put_exec
};

const struct cmd_entry cmd_patch_entry = {
	.name = "patch",
	.usage = "patch <resource> <id> FILE|- [--if-match ETAG]",
	.lower = 3,
	.upper = 3,
	.opts = O(OPT_IF_MATCH),
	.exec = cmd_patch_exec
};

const struct cmd_entry cmd_delete_entry = {
	.name = "delete",
	.usage = "delete <resource> <id> [--if-match ETAG]",
	.lower = 2,
	.upper = 2,
	.opts = O(OPT_IF_MATCH),
	.exec = cmd_delete_exec
};

const struct cmd_entry cmd_import_entry = {
	.name = "import",
	.usage = "import <resource> FILE.csv|- [--dry-run]",
	.lower = 2,
	.upper = 2,
	.opts = O(OPT_DRY_RUN),
	.exec = cmd_import_exec
};
