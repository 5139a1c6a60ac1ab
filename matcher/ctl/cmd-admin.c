/*
 * cmd-admin.c — the commands of an administrator: API tokens (create,
 * list, revoke), the activity and charter reports, a backup of the live
 * store, rule sets (checked offline as iodd would load them, or put to
 * the daemon as a new version) and health.  Records are cmd-records.c's,
 * the follow-up calendar cmd-followups.c's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "rules.h"

/* Token roles, checked here only to fail early with the list. */
static const char *const cmd_token_roles[] = {
	"admin", "iod", "referent", "company", "auditor", NULL
};

static int
cmd_token_create_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	struct reply	 r;
	json_t		*body, *tok;
	iod_date	 d;
	int		 rc;

	if (a->role == NULL)
		return (iodctl_usage(ce, "--role is required"));
	if (enum_lookup(cmd_token_roles, a->role) < 0)
		return (iodctl_usage(ce, "--role: \"%s\" is not a role "
		    "(expected admin, iod, referent, company or auditor)",
		    a->role));
	if (a->expires != NULL && date_parse(a->expires, &d) != 0)
		return (iodctl_usage(ce, "--expires: \"%s\" is not a date "
		    "(expected YYYY-MM-DD)", a->expires));

	body = xjson(json_object());
	json_object_set_new(body, "role", xjson(json_string(a->role)));
	if (a->subject != NULL && json_object_set_new(body, "subject",
	    json_string(a->subject)) != 0)
		iodctl_fatal("--subject: \"%s\" is not valid UTF-8",
		    a->subject);
	if (a->seen & O(OPT_REFERENT))
		json_object_set_new(body, "referent_id",
		    xjson(json_integer((json_int_t)a->referent)));
	if (a->seen & O(OPT_COMPANY))
		json_object_set_new(body, "company_id",
		    xjson(json_integer((json_int_t)a->company)));
	if (a->expires != NULL)
		json_object_set_new(body, "expires_on",
		    xjson(json_string(a->expires)));
	rc = client_send_json(c, CLIENT_POST, "/v1/tokens", body, &r);
	json_decref(body);
	if (rc != 0)
		return (EXIT_SERVER);
	if (!client_ok(&r)) {
		client_print_error(&r);
		client_reply_clear(&r);
		return (EXIT_HTTP);
	}
	/* The secret alone on stdout, for TOKEN=$(iodctl token create ...). */
	tok = json_object_get(r.json, "token");
	if (json_is_string(tok)) {
		printf("%s\n", json_string_value(tok));
		fprintf(stderr, "token %" JSON_INTEGER_FORMAT " (role %s): "
		    "the secret is shown only once; keep it safe\n",
		    json_integer_value(json_object_get(r.json, "id")),
		    a->role);
	} else
		rc = client_report(&r);
	client_reply_clear(&r);
	return (rc);
}

static int
cmd_token_list_exec(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, __attribute__((unused)) struct args *a)
{
	return (client_simple(c, CLIENT_GET, "/v1/tokens"));
}

static int
cmd_token_revoke_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	uint64_t	 id;
	char		*path;
	int		 rc;

	if ((id = iodctl_id(ce, a->argv[0])) == 0)
		return (EXIT_USAGE);
	path = xasprintf("/v1/tokens/%" PRIu64, id);
	rc = client_simple(c, CLIENT_DELETE, path);
	free(path);
	return (rc);
}

/* The activity (or charter) report of a period, as JSON or CSV. */
static int
cmd_report_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	char	*path, *from, *to, *prog = NULL;
	int	 rc;

	if (a->from == NULL || a->to == NULL) {
		iodctl_warn("usage: %s", ce->usage);
		return (EXIT_USAGE);
	}
	from = client_encode(a->from, -1);
	to = client_encode(a->to, -1);
	if (a->programme != NULL)
		prog = client_encode(a->programme, -1);
	path = xasprintf("/v1/reports/%s?from=%s&to=%s%s%s%s",
	    a->charter ? "charter" : "activity", from, to,
	    prog != NULL ? "&programme=" : "", prog != NULL ? prog : "",
	    a->csv ? "&format=csv" : "");
	rc = client_simple(c, CLIENT_GET, path);
	free(path);
	free(from);
	free(to);
	free(prog);
	return (rc);
}

/*
 * A consistent, compacted copy of the live store, written to FILE through
 * a temporary file renamed at the end: FILE is whole or absent.
 */
static int
cmd_backup_exec(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, struct args *a)
{
	struct reply	 r;
	FILE		*f;
	char		*tmp;
	int		 rc = 0;

	if (client_get(c, CLIENT_GET, "/v1/backup", &r) != 0)
		return (EXIT_SERVER);
	if (!client_ok(&r)) {
		rc = client_report(&r);
		client_reply_clear(&r);
		return (rc);
	}
	tmp = xasprintf("%s.tmp", a->argv[0]);
	if ((f = fopen(tmp, "wb")) == NULL ||
	    fwrite(r.body, 1, r.len, f) != r.len || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0 || fclose(f) != 0 ||
	    rename(tmp, a->argv[0]) != 0) {
		iodctl_warn("%s: %s", a->argv[0], strerror(errno));
		unlink(tmp);
		rc = EXIT_USAGE;
	} else
		fprintf(stderr, "iodctl: %s: %zu bytes, a data.mdb to restore "
		    "into an empty data directory\n", a->argv[0], r.len);
	free(tmp);
	client_reply_clear(&r);
	return (rc);
}

/* Whether dir holds the reference data (its communes). */
static int
cmd_refdata_found(const char *dir)
{
	char	*path = xasprintf("%s/communes.csv", dir);
	int	 ok = access(path, R_OK) == 0;

	free(path);
	return (ok);
}

/* Where the reference data is installed, relative to iodctl itself. */
static const char *const cmd_refdata_beside[] = {
	"../share/iod/data",	/* PREFIX/bin/iodctl */
	"../data",		/* build/iodctl in the source tree */
	"../../data",		/* build/NAME/iodctl */
	NULL
};

/*
 * The reference data's directory (caller frees): --refdata, else
 * $IOD_REFDATA, else the data installed with iodctl (found from
 * /proc/self/exe), else ./data; NULL after saying where it looked.
 */
static char *
cmd_refdata_dir(const char *given)
{
	const char	*env = getenv("IOD_REFDATA");
	char		 exe[4096], *slash, *dir, *tried;
	ssize_t		 len;
	int		 i;

	if (given != NULL)
		return (xasprintf("%s", given));
	if (env != NULL && *env != '\0')
		return (xasprintf("%s", env));
	tried = xasprintf("%s", "");
	if ((len = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[len] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		for (i = 0; cmd_refdata_beside[i] != NULL; i++) {
			dir = xasprintf("%s/%s", exe, cmd_refdata_beside[i]);
			if (cmd_refdata_found(dir)) {
				free(tried);
				return (dir);
			}
			slash = xasprintf("%s%s, ", tried, dir);
			free(tried);
			tried = slash;
			free(dir);
		}
	}
	if (cmd_refdata_found("data")) {
		free(tried);
		return (xasprintf("%s", "data"));
	}
	iodctl_warn("rules check: no reference data in %s./data; give "
	    "--refdata DIR or set IOD_REFDATA", tried);
	free(tried);
	return (NULL);
}

/*
 * Check rule-set files offline, as iodd would load them: every error with
 * its file, line and column.  The reference communes come from the
 * reference data (cmd_refdata_dir), where the territory files are looked
 * for too.
 */
static int
cmd_rules_check_exec(__attribute__((unused)) const struct cmd_entry *ce,
    __attribute__((unused)) struct client *c, struct args *a)
{
	struct ruleset	*rs;
	char		*dir, *errors = NULL, *cause = NULL;
	int		 i, rc = 0;

	if ((dir = cmd_refdata_dir(a->refdata)) == NULL)
		return (EXIT_USAGE);
	if (refdata_load(dir, &cause) != 0) {
		iodctl_warn("reference data: %s", cause != NULL ? cause : dir);
		free(cause);
		free(dir);
		return (EXIT_USAGE);
	}
	for (i = 0; i < a->argc; i++) {
		if (ruleset_load_file(a->argv[i], dir, &rs, &errors) != 0) {
			fprintf(stderr, "%s\n", errors != NULL ? errors :
			    "out of memory");
			free(errors);
			errors = NULL;
			rc = EXIT_HTTP;
			continue;
		}
		printf("%s: rule set %s OK\n", a->argv[i], rs->name);
		ruleset_free(rs);
	}
	refdata_free();
	free(dir);
	return (rc);
}

/*
 * Print each of the errors of a refused rule set as FILE:line:col:
 * message (the daemon names the text NAME); 0 if the reply has none.
 */
static int
cmd_rules_errors(const char *name, const char *file, const struct reply *r)
{
	json_t		*errors, *e;
	const char	*s;
	size_t		 i, len = strlen(name);

	errors = json_object_get(json_object_get(r->json, "error"), "errors");
	if (json_array_size(errors) == 0)
		return (0);
	json_array_foreach(errors, i, e) {
		if ((s = json_string_value(e)) == NULL)
			continue;
		if (strncmp(s, name, len) == 0 && s[len] == ':')
			fprintf(stderr, "%s%s\n", file, s + len);
		else
			fprintf(stderr, "%s: %s\n", file, s);
	}
	return (1);
}

/*
 * Activate FILE as rule set NAME: the daemon versions it, or refuses it
 * whole and says why, every error with its line and column.
 */
static int
cmd_rules_put_exec(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, struct args *a)
{
	struct reply	 r;
	char		*buf, *path, *cause = NULL;
	size_t		 len;
	int		 rc;

	if ((buf = yamltree_readfile(a->argv[1], &len, &cause)) == NULL) {
		iodctl_warn("%s", cause != NULL ? cause : a->argv[1]);
		free(cause);
		return (EXIT_USAGE);
	}
	path = xasprintf("/v1/rulesets/%s", a->argv[0]);
	if (client_request(c, CLIENT_PUT, path, "application/yaml", buf,
	    len, &r) != 0)
		rc = EXIT_SERVER;
	else {
		if (client_ok(&r) || !cmd_rules_errors(a->argv[0], a->argv[1],
		    &r))
			rc = client_report(&r);
		else
			rc = client_status(&r);
		client_reply_clear(&r);
	}
	free(path);
	free(buf);
	return (rc);
}

static int
cmd_health_exec(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, __attribute__((unused)) struct args *a)
{
	return (client_simple(c, CLIENT_GET, "/healthz"));
}

const struct cmd_entry cmd_token_create_entry = {
	.name = "token",
	.sub = "create",
	.usage = "token create --role ROLE [--subject NAME] "
	    "[--referent ID] [--company ID] [--expires YYYY-MM-DD]",
	.lower = 0,
	.upper = 0,
	.opts = O(OPT_ROLE) | O(OPT_SUBJECT) | O(OPT_REFERENT) |
	    O(OPT_COMPANY) | O(OPT_EXPIRES),
	.exec = cmd_token_create_exec
};

const struct cmd_entry cmd_token_list_entry = {
	.name = "token",
	.sub = "list",
	.usage = "token list",
	.lower = 0,
	.upper = 0,
	.exec = cmd_token_list_exec
};

const struct cmd_entry cmd_token_revoke_entry = {
	.name = "token",
	.sub = "revoke",
	.usage = "token revoke <id>",
	.lower = 1,
	.upper = 1,
	.exec = cmd_token_revoke_exec
};

const struct cmd_entry cmd_health_entry = {
	.name = "health",
	.usage = "health",
	.lower = 0,
	.upper = 0,
	.exec = cmd_health_exec
};

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = "report --from YYYY-MM-DD --to YYYY-MM-DD "
	    "[--programme P] [--charter] [--csv]",
	.lower = 0,
	.upper = 0,
	.opts = O(OPT_FROM) | O(OPT_TO) | O(OPT_PROGRAMME) | O(OPT_CSV) |
	    O(OPT_CHARTER),
	.exec = cmd_report_exec
};

const struct cmd_entry cmd_backup_entry = {
	.name = "backup",
	.usage = "backup FILE",
	.lower = 1,
	.upper = 1,
	.exec = cmd_backup_exec
};

const struct cmd_entry cmd_rules_check_entry = {
	.name = "rules",
	.sub = "check",
	.usage = "rules check FILE... [--refdata DIR]",
	.lower = 1,
	.upper = -1,
	.opts = O(OPT_REFDATA),
	.exec = cmd_rules_check_exec
};

const struct cmd_entry cmd_rules_put_entry = {
	.name = "rules",
	.sub = "put",
	.usage = "rules put NAME FILE",
	.lower = 2,
	.upper = 2,
	.exec = cmd_rules_put_exec
};
