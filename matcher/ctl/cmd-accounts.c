/*
 * cmd-accounts.c — an administrator's commands for people's accounts:
 * create one (its password read from stdin, or asked twice without echo
 * on a terminal), list them, set a password, delete one.  The daemon
 * checks everything; a password never appears on the command line nor in
 * what is printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl.h"

#define PASSWORD_MAX	1024

/* One line of stdin into buf without its end of line: 0, or -1. */
static int
read_line(char *buf, size_t size)
{
	size_t	n;

	if (fgets(buf, (int)size, stdin) == NULL)
		return (-1);
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == size - 1)
		return (-1);		/* longer than the buffer */
	buf[n] = '\0';
	return (0);
}

/* Ask on the terminal with echo off: 0, or -1. */
static int
ask(const char *prompt, char *buf, size_t size)
{
	struct termios	old, quiet;
	int		rc;

	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return (-1);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
		return (-1);
	rc = read_line(buf, size);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	return (rc);
}

/*
 * The new password: asked twice on a terminal, else the first line of
 * stdin.  Returns it (caller frees after wiping), or NULL after saying
 * why.
 */
static char *
password_read(void)
{
	char	a[PASSWORD_MAX + 2], b[PASSWORD_MAX + 2], *s = NULL;

	if (isatty(STDIN_FILENO)) {
		if (ask("New password: ", a, sizeof(a)) != 0 ||
		    ask("Again: ", b, sizeof(b)) != 0)
			iodctl_warn("no password read");
		else if (strcmp(a, b) != 0)
			iodctl_warn("the two passwords differ");
		else
			s = strdup(a);
	} else if (read_line(a, sizeof(a)) != 0)
		iodctl_warn("no password on stdin (one line, at most %d "
		    "bytes)", PASSWORD_MAX);
	else
		s = strdup(a);
	explicit_bzero(a, sizeof(a));
	explicit_bzero(b, sizeof(b));
	if (s == NULL)
		return (NULL);
	return (s);
}

/* j's "password" member (set from s), wiped and freed. */
static void
password_drop(json_t *j, char *s)
{
	json_object_del(j, "password");
	explicit_bzero(s, strlen(s));
	free(s);
}

static int
cmd_account_create_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	struct reply	 r;
	json_t		*body;
	char		*pw;
	int		 rc;

	if (a->login == NULL || a->role == NULL)
		return (iodctl_usage(ce, "--login and --role are required"));
	body = xjson(json_object());
	json_object_set_new(body, "login", iodctl_text("login", a->login));
	json_object_set_new(body, "role", iodctl_text("role", a->role));
	if (a->name != NULL)
		json_object_set_new(body, "name", iodctl_text("name",
		    a->name));
	if (a->email != NULL)
		json_object_set_new(body, "email", iodctl_text("email",
		    a->email));
	if (a->seen & O(OPT_REFERENT))
		json_object_set_new(body, "referent_id",
		    xjson(json_integer((json_int_t)a->referent)));
	if (a->seen & O(OPT_COMPANY))
		json_object_set_new(body, "company_id",
		    xjson(json_integer((json_int_t)a->company)));
	if ((pw = password_read()) == NULL) {
		json_decref(body);
		return (EXIT_USAGE);
	}
	json_object_set_new(body, "password", xjson(json_string(pw)));
	rc = client_call(c, "account create", CLIENT_POST, "/v1/accounts",
	    body, &r);
	password_drop(body, pw);
	json_decref(body);
	if (rc != 0)
		return (rc);
	printf("%" JSON_INTEGER_FORMAT "\n",
	    json_integer_value(json_object_get(r.json, "id")));
	fprintf(stderr, "account %s (role %s) created\n", a->login, a->role);
	client_reply_clear(&r);
	return (0);
}

/* A member as a table cell: a string, an integer, or "". */
static char *
cell(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	if (json_is_string(v))
		return (xasprintf("%s", json_string_value(v)));
	if (json_is_integer(v))
		return (xasprintf("%" JSON_INTEGER_FORMAT,
		    json_integer_value(v)));
	return (xasprintf("%s", ""));
}

static int
cmd_account_list_exec(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, struct args *a)
{
	static const char *const heads[] = { "ID", "LOGIN", "ROLE", "FOR",
	    "NAME", "STATE" };
	struct reply	 r;
	struct table	*t;
	json_t		*items, *it, *ref, *co;
	char		**row;
	size_t		 i;
	int		 rc;

	if ((rc = client_call(c, "account list", CLIENT_GET, "/v1/accounts",
	    NULL, &r)) != 0)
		return (rc);
	items = json_object_get(r.json, "items");
	if (a->json) {
		client_print_json(items);
		client_reply_clear(&r);
		return (0);
	}
	t = table_new(heads, 6);
	json_array_foreach(items, i, it) {
		row = xcalloc(6, sizeof(*row));
		row[0] = cell(it, "id");
		row[1] = cell(it, "login");
		row[2] = cell(it, "role");
		ref = json_object_get(it, "referent_id");
		co = json_object_get(it, "company_id");
		row[3] = json_is_integer(ref) ? xasprintf("referent %"
		    JSON_INTEGER_FORMAT, json_integer_value(ref)) :
		    json_is_integer(co) ? xasprintf("company %"
		    JSON_INTEGER_FORMAT, json_integer_value(co)) :
		    xasprintf("%s", "");
		row[4] = cell(it, "name");
		row[5] = xasprintf("%s", json_is_true(json_object_get(it,
		    "disabled")) ? "disabled" : json_is_true(
		    json_object_get(it, "locked")) ? "locked" : "active");
		table_add(t, row);
		free(row);
	}
	table_print(t);
	table_free(t);
	client_reply_clear(&r);
	return (0);
}

static int
cmd_account_password_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	struct reply	 r;
	json_t		*body;
	uint64_t	 id;
	char		*path, *pw;
	int		 rc;

	if ((id = iodctl_id(ce, a->argv[0])) == 0)
		return (EXIT_USAGE);
	if ((pw = password_read()) == NULL)
		return (EXIT_USAGE);
	body = xjson(json_object());
	json_object_set_new(body, "password", xjson(json_string(pw)));
	path = xasprintf("/v1/accounts/%" PRIu64 "/password", id);
	rc = client_call(c, "account password", CLIENT_POST, path, body, &r);
	password_drop(body, pw);
	json_decref(body);
	free(path);
	if (rc != 0)
		return (rc);
	fprintf(stderr, "password of account %" PRIu64 " set; its sessions "
	    "are signed out\n", id);
	client_reply_clear(&r);
	return (0);
}

static int
cmd_account_delete_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	struct reply	 r;
	uint64_t	 id;
	char		*path;
	int		 rc;

	if ((id = iodctl_id(ce, a->argv[0])) == 0)
		return (EXIT_USAGE);
	path = xasprintf("/v1/accounts/%" PRIu64, id);
	rc = client_call(c, "account delete", CLIENT_DELETE, path, NULL, &r);
	free(path);
	if (rc != 0)
		return (rc);
	client_reply_clear(&r);
	return (0);
}

const struct cmd_entry cmd_account_create_entry = {
	.name = "account",
	.sub = "create",
	.usage = "account create --login LOGIN --role ROLE [--referent ID | "
	    "--company ID] [--name NAME] [--email EMAIL] (password on stdin, "
	    "or asked)",
	.lower = 0,
	.upper = 0,
	.opts = O(OPT_LOGIN) | O(OPT_ROLE) | O(OPT_REFERENT) |
	    O(OPT_COMPANY) | O(OPT_NAME) | O(OPT_EMAIL),
	.exec = cmd_account_create_exec
};

const struct cmd_entry cmd_account_list_entry = {
	.name = "account",
	.sub = "list",
	.usage = "account list [--json]",
	.lower = 0,
	.upper = 0,
	.opts = O(OPT_JSON),
	.exec = cmd_account_list_exec
};

const struct cmd_entry cmd_account_password_entry = {
	.name = "account",
	.sub = "password",
	.usage = "account password ID (password on stdin, or asked)",
	.lower = 1,
	.upper = 1,
	.opts = 0,
	.exec = cmd_account_password_exec
};

const struct cmd_entry cmd_account_delete_entry = {
	.name = "account",
	.sub = "delete",
	.usage = "account delete ID",
	.lower = 1,
	.upper = 1,
	.opts = 0,
	.exec = cmd_account_delete_exec
};
