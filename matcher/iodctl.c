/*
 * iodctl.c — the command-line client of iodd.  It speaks only the public
 * HTTP API (libevent's evhttp client, one keep-alive connection per run):
 * it reads and writes records as JSON, manages API tokens, checks health,
 * and imports the CSV files agencies keep in spreadsheets, converting each
 * cell with the record schemas of profiles/ and sending rows in batches.
 * Commands are a table of { name, sub, usage, arguments, options, exec }.
 * Validation is the daemon's: a record or row it refuses is reported with
 * its message (and, for an import, the CSV line); iodctl checks only its
 * own command line and the shape of a CSV file.  It keeps no state.
 *
 * Exit status: 0 when every request succeeded (2xx), 1 when the server
 * answered with an error or refused an imported row, 2 on a usage error or
 * when the server cannot be reached.
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "profiles.h"
#include "rules.h"

#define IODCTL_URL		"http://127.0.0.1:8080"
#define IODCTL_TIMEOUT		60		/* seconds per request */
#define IODCTL_MAX_REPLY	(256u << 20)	/* bytes of one reply body */
#define IODCTL_MAX_HEADERS	(64u << 10)
#define LIST_PAGE_ALL		1000		/* list --all: the API's largest page */
#define IMPORT_BATCH		1000		/* rows per batch request */
#define IMPORT_BATCH_MAX	10000		/* the API's limit */
#define IMPORT_DEPTH		4		/* nesting of a dotted column */

#define EXIT_HTTP		1	/* the server said no */
#define EXIT_USAGE		2	/* bad command line, or no server */

#define JSON_PRETTY	(JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)

/* Options; a command lists those it takes beyond the global ones. */
enum opt {
	OPT_URL, OPT_TOKEN, OPT_TIMEOUT, OPT_HELP,
	OPT_LIMIT, OPT_ALL, OPT_ROLE, OPT_SUBJECT, OPT_REFERENT, OPT_COMPANY,
	OPT_EXPIRES, OPT_BATCH, OPT_CURSOR, OPT_WEEK, OPT_OWNER,
	OPT_FROM, OPT_TO, OPT_PROGRAMME, OPT_CSV, OPT_CHARTER, OPT_REFDATA
};
#define O(o)		(1u << (o))
#define O_GLOBAL	(O(OPT_URL) | O(OPT_TOKEN) | O(OPT_TIMEOUT) | O(OPT_HELP))

/* Indexed by enum opt: an option's name is longopts[opt].name. */
static const struct option longopts[] = {
	{ "url",	required_argument,	NULL, OPT_URL },
	{ "token",	required_argument,	NULL, OPT_TOKEN },
	{ "timeout",	required_argument,	NULL, OPT_TIMEOUT },
	{ "help",	no_argument,		NULL, OPT_HELP },
	{ "limit",	required_argument,	NULL, OPT_LIMIT },
	{ "all",	no_argument,		NULL, OPT_ALL },
	{ "role",	required_argument,	NULL, OPT_ROLE },
	{ "subject",	required_argument,	NULL, OPT_SUBJECT },
	{ "referent",	required_argument,	NULL, OPT_REFERENT },
	{ "company",	required_argument,	NULL, OPT_COMPANY },
	{ "expires",	required_argument,	NULL, OPT_EXPIRES },
	{ "batch",	required_argument,	NULL, OPT_BATCH },
	{ "cursor",	required_argument,	NULL, OPT_CURSOR },
	{ "week",	no_argument,		NULL, OPT_WEEK },
	{ "owner",	required_argument,	NULL, OPT_OWNER },
	{ "from",	required_argument,	NULL, OPT_FROM },
	{ "to",		required_argument,	NULL, OPT_TO },
	{ "programme",	required_argument,	NULL, OPT_PROGRAMME },
	{ "csv",	no_argument,		NULL, OPT_CSV },
	{ "charter",	no_argument,		NULL, OPT_CHARTER },
	{ "refdata",	required_argument,	NULL, OPT_REFDATA },
	{ NULL,		0,			NULL, 0 }
};

/* The parsed command line; strings are borrowed from argv. */
struct args {
	uint32_t	 seen;		/* O(opt) of each option given */
	const char	*url, *token;
	uint64_t	 timeout, limit, referent, company, batch;
	int		 all, week, csv, charter;
	const char	*role, *subject, *expires, *cursor, *owner;
	const char	*from, *to, *programme, *refdata;
	char		**argv;		/* positional arguments */
	int		 argc;
};

/* A connection to the daemon: one base, one keep-alive connection. */
struct client {
	struct event_base	*base;
	struct evhttp_connection *evcon;
	struct evhttp_uri	*uri;
	const char		*url;	/* as given, for messages */
	char			*prefix;	/* the URL's path, no trailing / */
	char			*hostport;	/* the Host header */
	const char		*token;
	unsigned		 timeout;
};

/* One reply: its status (0 when none came), body and parsed JSON. */
struct reply {
	int			 done;
	int			 code;
	int			 error;		/* enum evhttp_request_error */
	int			 has_error;
	char			*body;
	size_t			 len;
	json_t			*json;
};

/* The record types a command may name, with their schema for imports. */
static const struct resource {
	const char		*name;
	const struct schema	*schema;
} resources[] = {
	{ "companies",	&company_schema },
	{ "offers",	&offer_schema },
	{ "candidates",	&candidate_schema },
	{ "referents",	&referent_schema },
	{ NULL,		NULL }
};

/* Token roles, checked here only to fail early with the list. */
static const char *const token_roles[] = {
	"admin", "iod", "referent", "company", "auditor", NULL
};

/* Words a spreadsheet uses for booleans, any case. */
static const struct {
	const char	*word;
	int		 value;
} bool_words[] = {
	{ "true", 1 }, { "false", 0 }, { "oui", 1 }, { "non", 0 },
	{ "yes", 1 }, { "no", 0 }, { "1", 1 }, { "0", 0 },
	{ "vrai", 1 }, { "faux", 0 },
	{ NULL, 0 }
};

struct cmd_entry {
	const char	*name;
	const char	*sub;		/* second word, or NULL */
	const char	*usage;		/* after "iodctl " */
	int		 lower, upper;	/* positional arguments; -1: any */
	uint32_t	 opts;		/* options taken beyond O_GLOBAL */
	int		(*exec)(const struct cmd_entry *, struct client *,
			    struct args *);
};

static int	cmd_get(const struct cmd_entry *, struct client *,
		    struct args *);
static int	cmd_list(const struct cmd_entry *, struct client *,
		    struct args *);
static int	cmd_put(const struct cmd_entry *, struct client *,
		    struct args *);
static int	cmd_create(const struct cmd_entry *, struct client *,
		    struct args *);
static int	cmd_delete(const struct cmd_entry *, struct client *,
		    struct args *);
static int	cmd_token_create(const struct cmd_entry *, struct client *,
		    struct args *);
static int	cmd_token_list(const struct cmd_entry *, struct client *,
		    struct args *);
static int	cmd_token_revoke(const struct cmd_entry *, struct client *,
		    struct args *);
static int	cmd_import(const struct cmd_entry *, struct client *,
		    struct args *);
static int	cmd_health(const struct cmd_entry *, struct client *,
		    struct args *);
static int	cmd_followups(const struct cmd_entry *, struct client *,
		    struct args *);
static int	cmd_report(const struct cmd_entry *, struct client *,
		    struct args *);
static int	cmd_backup(const struct cmd_entry *, struct client *,
		    struct args *);
static int	cmd_rules_check(const struct cmd_entry *, struct client *,
		    struct args *);
static int	cmd_rules_put(const struct cmd_entry *, struct client *,
		    struct args *);

static const struct cmd_entry cmd_table[] = {
	{ "get", NULL, "get <resource> <id>",
	    2, 2, 0, cmd_get },
	{ "list", NULL, "list <resource> [field=value ...] [--limit N] "
	    "[--cursor C | --all]",
	    1, -1, O(OPT_LIMIT) | O(OPT_ALL) | O(OPT_CURSOR), cmd_list },
	{ "create", NULL, "create <resource> FILE|-",
	    2, 2, 0, cmd_create },
	{ "put", NULL, "put <resource> <id> FILE|-",
	    3, 3, 0, cmd_put },
	{ "delete", NULL, "delete <resource> <id>",
	    2, 2, 0, cmd_delete },
	{ "token", "create", "token create --role ROLE [--subject NAME] "
	    "[--referent ID] [--company ID] [--expires YYYY-MM-DD]",
	    0, 0, O(OPT_ROLE) | O(OPT_SUBJECT) | O(OPT_REFERENT) |
	    O(OPT_COMPANY) | O(OPT_EXPIRES), cmd_token_create },
	{ "token", "list", "token list",
	    0, 0, 0, cmd_token_list },
	{ "token", "revoke", "token revoke <id>",
	    1, 1, 0, cmd_token_revoke },
	{ "import", NULL, "import <resource> FILE.csv|- [--batch N]",
	    2, 2, O(OPT_BATCH), cmd_import },
	{ "health", NULL, "health",
	    0, 0, 0, cmd_health },
	{ "followups", NULL, "followups [--week] [--owner NAME]",
	    0, 0, O(OPT_WEEK) | O(OPT_OWNER), cmd_followups },
	{ "report", NULL, "report --from YYYY-MM-DD --to YYYY-MM-DD "
	    "[--programme P] [--charter] [--csv]",
	    0, 0, O(OPT_FROM) | O(OPT_TO) | O(OPT_PROGRAMME) | O(OPT_CSV) |
	    O(OPT_CHARTER), cmd_report },
	{ "backup", NULL, "backup FILE",
	    1, 1, 0, cmd_backup },
	{ "rules", "check", "rules check FILE... [--refdata DIR]",
	    1, -1, O(OPT_REFDATA), cmd_rules_check },
	{ "rules", "put", "rules put NAME FILE",
	    2, 2, 0, cmd_rules_put },
	{ NULL, NULL, NULL, 0, 0, 0, NULL }
};

static void __attribute__((noreturn, format(printf, 1, 2)))
fatalx(const char *fmt, ...)
{
	va_list	ap;

	fputs("iodctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

static void __attribute__((format(printf, 1, 2)))
warnx(const char *fmt, ...)
{
	va_list	ap;

	fputs("iodctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Out of memory in a command-line tool is not worth recovering from. */
static char * __attribute__((format(printf, 1, 2)))
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatalx("out of memory");
	va_end(ap);
	return (s);
}

static void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n, size)) == NULL)
		fatalx("out of memory");
	return (p);
}

static json_t *
xjson(json_t *j)
{
	if (j == NULL)
		fatalx("out of memory");
	return (j);
}

/* Strictly decimal, no sign, no spaces, in [min, max]. */
static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uintmax_t	 v;
	char		*end;

	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoumax(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

static int
usage_error(const struct cmd_entry *ce, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Say what is wrong, then how the command is used; the exit status. */
static int
usage_error(const struct cmd_entry *ce, const char *fmt, ...)
{
	va_list	ap;

	if (fmt != NULL) {
		fputs("iodctl: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "usage: iodctl %s\n", ce->usage);
	return (EXIT_USAGE);
}

static void
usage(FILE *f)
{
	const struct cmd_entry	*ce;
	const struct resource	*r;

	fprintf(f, "usage: iodctl [--url URL] [--token TOKEN] "
	    "[--timeout SECONDS] command [argument ...]\n\ncommands:\n");
	for (ce = cmd_table; ce->name != NULL; ce++)
		fprintf(f, "    %s\n", ce->usage);
	fprintf(f, "\nresources:");
	for (r = resources; r->name != NULL; r++)
		fprintf(f, " %s", r->name);
	fprintf(f, "\n\nThe URL defaults to $IOD_URL, then %s; the token "
	    "to $IOD_TOKEN.\n", IODCTL_URL);
}

/* ---- the command line ------------------------------------------------- */

/*
 * Parse options into a; with stop set, stop at the first word that is not
 * an option (the command).  Returns 0, or -1 after saying why.
 */
static int
args_parse(struct args *a, int argc, char **argv, int stop)
{
	const char	*what;
	uint64_t	*num, max;
	int		 ch;

	opterr = 0;
	optind = 0;	/* glibc: start afresh */
	while ((ch = getopt_long(argc, argv, stop ? "+:h" : ":h", longopts,
	    NULL)) != -1) {
		if (ch == 'h')
			ch = OPT_HELP;
		if (ch == '?') {
			warnx("unknown option %s", argv[optind - 1]);
			return (-1);
		}
		if (ch == ':') {
			warnx("option %s needs a value", argv[optind - 1]);
			return (-1);
		}
		a->seen |= O(ch);
		num = NULL;
		max = INT64_MAX;
		switch (ch) {
		case OPT_URL:		a->url = optarg; break;
		case OPT_TOKEN:		a->token = optarg; break;
		case OPT_ROLE:		a->role = optarg; break;
		case OPT_SUBJECT:	a->subject = optarg; break;
		case OPT_EXPIRES:	a->expires = optarg; break;
		case OPT_CURSOR:	a->cursor = optarg; break;
		case OPT_WEEK:		a->week = 1; break;
		case OPT_OWNER:		a->owner = optarg; break;
		case OPT_FROM:		a->from = optarg; break;
		case OPT_TO:		a->to = optarg; break;
		case OPT_PROGRAMME:	a->programme = optarg; break;
		case OPT_CSV:		a->csv = 1; break;
		case OPT_CHARTER:	a->charter = 1; break;
		case OPT_REFDATA:	a->refdata = optarg; break;
		case OPT_ALL:		a->all = 1; break;
		case OPT_HELP:		break;
		case OPT_TIMEOUT:	num = &a->timeout; max = 86400; break;
		case OPT_LIMIT:		num = &a->limit; break;
		case OPT_REFERENT:	num = &a->referent; break;
		case OPT_COMPANY:	num = &a->company; break;
		case OPT_BATCH:	num = &a->batch; max = IMPORT_BATCH_MAX; break;
		}
		if (num == NULL || parse_u64(optarg, 1, max, num) == 0)
			continue;
		what = longopts[ch].name;
		if (max == INT64_MAX)
			warnx("--%s: \"%s\" is not a positive integer", what,
			    optarg);
		else
			warnx("--%s: \"%s\" is not a whole number from 1 to "
			    "%" PRIu64, what, optarg, max);
		return (-1);
	}
	a->argv = argv + optind;
	a->argc = argc - optind;
	return (0);
}

/* Find the command named by the first (and second) words. */
static const struct cmd_entry *
cmd_find(int argc, char **argv, int *words)
{
	const struct cmd_entry	*ce;

	for (ce = cmd_table; ce->name != NULL; ce++) {
		if (strcmp(ce->name, argv[0]) != 0)
			continue;
		if (ce->sub == NULL) {
			*words = 1;
			return (ce);
		}
		if (argc > 1 && strcmp(ce->sub, argv[1]) == 0) {
			*words = 2;
			return (ce);
		}
	}
	return (NULL);
}

/* Say what was meant: the usages of a command's subcommands, or all. */
static void
cmd_unknown(int argc, char **argv)
{
	const struct cmd_entry	*ce;
	int			 found = 0;

	for (ce = cmd_table; ce->name != NULL; ce++) {
		if (strcmp(ce->name, argv[0]) != 0)
			continue;
		if (!found++)
			warnx("\"%s\" needs a subcommand%s%s", argv[0],
			    argc > 1 ? ", not " : "", argc > 1 ? argv[1] : "");
		fprintf(stderr, "usage: iodctl %s\n", ce->usage);
	}
	if (!found) {
		warnx("unknown command \"%s\"", argv[0]);
		usage(stderr);
	}
}

static const struct resource *
resource_find(const char *name)
{
	const struct resource	*r;

	for (r = resources; r->name != NULL; r++)
		if (strcmp(r->name, name) == 0)
			return (r);
	return (NULL);
}

/* The resource argument, or NULL after a usage message. */
static const struct resource *
resource_arg(const struct cmd_entry *ce, const char *name)
{
	const struct resource	*r;

	if ((r = resource_find(name)) != NULL)
		return (r);
	warnx("unknown resource \"%s\"", name);
	fprintf(stderr, "resources:");
	for (r = resources; r->name != NULL; r++)
		fprintf(stderr, " %s", r->name);
	fputc('\n', stderr);
	usage_error(ce, NULL);
	return (NULL);
}

/* An id argument: a positive integer; 0 after a usage message. */
static uint64_t
id_arg(const struct cmd_entry *ce, const char *s)
{
	uint64_t	id;

	if (parse_u64(s, 1, INT64_MAX, &id) != 0) {
		usage_error(ce, "\"%s\" is not an id (expected a positive "
		    "integer)", s);
		return (0);
	}
	return (id);
}

/* ---- HTTP ------------------------------------------------------------- */

static int
client_open(struct client *c, const char *url, const char *token,
    unsigned timeout, char **cause)
{
	const char	*scheme, *host, *path;
	size_t		 len;
	int		 port;

	memset(c, 0, sizeof(*c));
	c->url = url;
	c->token = token;
	c->timeout = timeout;
	if ((c->uri = evhttp_uri_parse(url)) == NULL) {
		*cause = xasprintf("\"%s\" is not a URL (expected "
		    "http://host:port)", url);
		return (-1);
	}
	scheme = evhttp_uri_get_scheme(c->uri);
	host = evhttp_uri_get_host(c->uri);
	if (scheme == NULL || strcasecmp(scheme, "http") != 0) {
		*cause = xasprintf("%s: only http:// URLs are supported",
		    url);
		return (-1);
	}
	if (host == NULL || *host == '\0') {
		*cause = xasprintf("%s: no host in the URL", url);
		return (-1);
	}
	if ((port = evhttp_uri_get_port(c->uri)) == -1)
		port = 80;
	path = evhttp_uri_get_path(c->uri);
	if (path == NULL)
		path = "";
	len = strlen(path);
	while (len > 0 && path[len - 1] == '/')
		len--;
	c->prefix = xasprintf("%.*s", (int)len, path);
	if (strchr(host, ':') != NULL)
		c->hostport = xasprintf("[%s]:%d", host, port);
	else
		c->hostport = xasprintf("%s:%d", host, port);

	if ((c->base = event_base_new()) == NULL)
		fatalx("cannot create an event base");
	c->evcon = evhttp_connection_base_new(c->base, NULL, host,
	    (unsigned short)port);
	if (c->evcon == NULL)
		fatalx("cannot create a connection to %s", url);
	evhttp_connection_set_timeout(c->evcon, (int)timeout);
	evhttp_connection_set_max_body_size(c->evcon, IODCTL_MAX_REPLY);
	evhttp_connection_set_max_headers_size(c->evcon, IODCTL_MAX_HEADERS);
	return (0);
}

static void
client_close(struct client *c)
{
	if (c->evcon != NULL)
		evhttp_connection_free(c->evcon);
	if (c->base != NULL)
		event_base_free(c->base);
	if (c->uri != NULL)
		evhttp_uri_free(c->uri);
	free(c->prefix);
	free(c->hostport);
	memset(c, 0, sizeof(*c));
}

static void
reply_clear(struct reply *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/* Called once per request, before the reply callback, when it fails. */
static void
client_error_cb(enum evhttp_request_error error, void *arg)
{
	struct reply	*r = arg;

	r->error = error;
	r->has_error = 1;
}

/* The reply (or NULL on failure): copy what we need, the request dies. */
static void
client_done_cb(struct evhttp_request *req, void *arg)
{
	struct reply		*r = arg;
	struct evbuffer		*in;
	json_error_t		 jerr;

	r->done = 1;
	if (req == NULL || (r->code = evhttp_request_get_response_code(req))
	    == 0)
		return;
	in = evhttp_request_get_input_buffer(req);
	r->len = evbuffer_get_length(in);
	r->body = xcalloc(1, r->len + 1);
	if (evbuffer_remove(in, r->body, r->len) != (ev_ssize_t)r->len)
		r->len = 0;
	r->body[r->len] = '\0';
	if (r->len > 0)
		r->json = json_loadb(r->body, r->len, JSON_DECODE_ANY, &jerr);
}

static const char *
client_error_string(const struct reply *r)
{
	/* A failed connect reports no error, and its errno is lost. */
	if (!r->has_error)
		return ("no connection");
	switch (r->error) {
	case EVREQ_HTTP_TIMEOUT:
		return ("no reply in time");
	case EVREQ_HTTP_EOF:
		return ("connection closed");
	case EVREQ_HTTP_INVALID_HEADER:
		return ("the reply is not valid HTTP");
	case EVREQ_HTTP_BUFFER_ERROR:
		return ("network error");
	case EVREQ_HTTP_REQUEST_CANCEL:
		return ("request cancelled");
	case EVREQ_HTTP_DATA_TOO_LONG:
		return ("the reply is too large");
	}
	return ("connection failed");
}

/*
 * Send one request and wait for its reply.  path is below the URL's path;
 * body (len bytes, may be NULL) is sent with content type ctype.  Returns
 * 0 with *r filled (the caller reply_clear()s it), or -1 after saying that
 * the server cannot be reached.
 */
static int
client_request(struct client *c, enum evhttp_cmd_type method,
    const char *path, const char *ctype, const void *body, size_t len,
    struct reply *r)
{
	struct evhttp_request	*req;
	struct evkeyvalq	*h;
	char			*uri, *auth;

	memset(r, 0, sizeof(*r));
	if ((req = evhttp_request_new(client_done_cb, r)) == NULL)
		fatalx("out of memory");
	evhttp_request_set_error_cb(req, client_error_cb);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", c->hostport);
	evhttp_add_header(h, "Accept", "application/json");
	evhttp_add_header(h, "User-Agent", "iodctl");
	if (c->token != NULL) {
		auth = xasprintf("Bearer %s", c->token);
		if (evhttp_add_header(h, "Authorization", auth) != 0)
			fatalx("the token contains a line break");
		free(auth);
	}
	if (body != NULL) {
		evhttp_add_header(h, "Content-Type", ctype);
		if (evbuffer_add(evhttp_request_get_output_buffer(req), body,
		    len) != 0)
			fatalx("out of memory");
	}
	uri = xasprintf("%s%s", c->prefix, path);
	if (evhttp_make_request(c->evcon, req, method, uri) != 0) {
		/* Ownership of req is unclear here; we are about to exit. */
		free(uri);
		warnx("cannot reach %s: connection failed; is iodd running?",
		    c->url);
		return (-1);
	}
	free(uri);
	while (!r->done)
		if (event_base_loop(c->base, EVLOOP_ONCE) != 0)
			break;
	if (r->code == 0) {
		warnx("cannot reach %s: %s; is iodd running?", c->url,
		    client_error_string(r));
		reply_clear(r);
		return (-1);
	}
	return (0);
}

/* GET, DELETE: no body. */
static int
client_get(struct client *c, enum evhttp_cmd_type method, const char *path,
    struct reply *r)
{
	return (client_request(c, method, path, NULL, NULL, 0, r));
}

/* POST, PUT with a JSON body (borrowed). */
static int
client_send_json(struct client *c, enum evhttp_cmd_type method,
    const char *path, json_t *j, struct reply *r)
{
	char	*s;
	int	 rc;

	if ((s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		fatalx("out of memory");
	rc = client_request(c, method, path, "application/json", s,
	    strlen(s), r);
	free(s);
	return (rc);
}

static int
reply_ok(const struct reply *r)
{
	return (r->code >= 200 && r->code <= 299);
}

/*
 * The API's error as "field: message" (caller frees): the message alone
 * when there is no field or it already starts with the field.
 */
static char *
error_text(json_t *err)
{
	const char	*field, *msg, *code;
	size_t		 flen;

	field = json_string_value(json_object_get(err, "field"));
	msg = json_string_value(json_object_get(err, "message"));
	code = json_string_value(json_object_get(err, "code"));
	if (msg == NULL)
		msg = code != NULL ? code : "refused";
	if (field == NULL || *field == '\0')
		return (xasprintf("%s", msg));
	flen = strlen(field);
	if (strncmp(msg, field, flen) == 0 && msg[flen] == ':')
		return (xasprintf("%s", msg));
	return (xasprintf("%s: %s", field, msg));
}

static void
reply_print_error(const struct reply *r)
{
	json_t	*err;
	char	*s;
	size_t	 len, i;

	err = json_object_get(r->json, "error");
	if (json_is_object(err)) {
		s = error_text(err);
		warnx("%s", s);
		free(s);
		return;
	}
	/* Not the API's shape (a proxy?): a short body, on one clean line. */
	len = r->len;
	while (len > 0 && isspace((unsigned char)r->body[len - 1]))
		len--;
	if (len == 0 || len > 500) {
		warnx("HTTP %d", r->code);
		return;
	}
	s = xasprintf("%.*s", (int)len, r->body);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
	warnx("HTTP %d: %s", r->code, s);
	free(s);
}

static void
print_json(json_t *j)
{
	if (json_dumpf(j, stdout, JSON_PRETTY) != 0)
		fatalx("cannot write the reply");
	putchar('\n');
}

/* Print a reply as the user should see it; the exit status. */
static int
reply_report(const struct reply *r)
{
	if (!reply_ok(r)) {
		reply_print_error(r);
		return (EXIT_HTTP);
	}
	if (r->json != NULL)
		print_json(r->json);
	else if (r->len > 0)
		fwrite(r->body, 1, r->len, stdout);
	return (0);
}

/* One request without a body, its reply printed; the exit status. */
static int
simple_request(struct client *c, enum evhttp_cmd_type method,
    const char *path)
{
	struct reply	r;
	int		rc;

	if (client_get(c, method, path, &r) != 0)
		return (EXIT_USAGE);
	rc = reply_report(&r);
	reply_clear(&r);
	return (rc);
}

/* ---- records ---------------------------------------------------------- */

/* GET or DELETE /v1/<resource>/<id>. */
static int
by_id(const struct cmd_entry *ce, struct client *c, struct args *a,
    enum evhttp_cmd_type method)
{
	const struct resource	*res;
	uint64_t		 id;
	char			*path;
	int			 rc;

	if ((res = resource_arg(ce, a->argv[0])) == NULL ||
	    (id = id_arg(ce, a->argv[1])) == 0)
		return (EXIT_USAGE);
	path = xasprintf("/v1/%s/%" PRIu64, res->name, id);
	rc = simple_request(c, method, path);
	free(path);
	return (rc);
}

static int
cmd_get(const struct cmd_entry *ce, struct client *c, struct args *a)
{
	return (by_id(ce, c, a, EVHTTP_REQ_GET));
}

static int
cmd_delete(const struct cmd_entry *ce, struct client *c, struct args *a)
{
	return (by_id(ce, c, a, EVHTTP_REQ_DELETE));
}

/* Read a JSON document from a file or "-" (stdin); NULL after a message. */
static json_t *
json_read(const char *path)
{
	json_error_t	 err;
	json_t		*j;

	if (strcmp(path, "-") == 0)
		j = json_loadf(stdin, 0, &err);
	else
		j = json_load_file(path, 0, &err);
	if (j == NULL) {
		if (err.line > 0)
			warnx("%s:%d:%d: %s", strcmp(path, "-") == 0 ?
			    "stdin" : path, err.line, err.column, err.text);
		else
			warnx("%s", err.text);	/* names the file */
	}
	return (j);
}

/* POST or PUT the JSON in file to path; the exit status. */
static int
send_file(struct client *c, enum evhttp_cmd_type method, const char *path,
    const char *file)
{
	struct reply	 r;
	json_t		*j;
	int		 rc;

	if ((j = json_read(file)) == NULL)
		return (EXIT_USAGE);
	rc = client_send_json(c, method, path, j, &r);
	json_decref(j);
	if (rc != 0)
		return (EXIT_USAGE);
	rc = reply_report(&r);
	reply_clear(&r);
	return (rc);
}

static int
cmd_create(const struct cmd_entry *ce, struct client *c, struct args *a)
{
	const struct resource	*res;
	char			*path;
	int			 rc;

	if ((res = resource_arg(ce, a->argv[0])) == NULL)
		return (EXIT_USAGE);
	path = xasprintf("/v1/%s", res->name);
	rc = send_file(c, EVHTTP_REQ_POST, path, a->argv[1]);
	free(path);
	return (rc);
}

static int
cmd_put(const struct cmd_entry *ce, struct client *c, struct args *a)
{
	const struct resource	*res;
	uint64_t		 id;
	char			*path;
	int			 rc;

	if ((res = resource_arg(ce, a->argv[0])) == NULL ||
	    (id = id_arg(ce, a->argv[1])) == 0)
		return (EXIT_USAGE);
	path = xasprintf("/v1/%s/%" PRIu64, res->name, id);
	rc = send_file(c, EVHTTP_REQ_PUT, path, a->argv[2]);
	free(path);
	return (rc);
}

/* Write s with every line after the first indented by ind spaces. */
static void
print_indented(const char *s, int ind)
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
cmd_list(const struct cmd_entry *ce, struct client *c, struct args *a)
{
	const struct resource	*res;
	struct reply		 r;
	json_t			*items, *item, *next;
	char			*query, *q, *k, *v, *eq, *path, *cursor;
	size_t			 i, nprinted = 0;
	int			 n, rc = 0;

	if ((res = resource_arg(ce, a->argv[0])) == NULL)
		return (EXIT_USAGE);
	if (a->all && a->cursor != NULL)
		return (usage_error(ce, "--cursor and --all exclude each "
		    "other"));
	query = xasprintf("%s", "");
	for (n = 1; n < a->argc; n++) {
		if ((eq = strchr(a->argv[n], '=')) == NULL ||
		    eq == a->argv[n]) {
			free(query);
			return (usage_error(ce, "\"%s\" is not a filter "
			    "(expected field=value)", a->argv[n]));
		}
		k = evhttp_uriencode(a->argv[n], eq - a->argv[n], 0);
		v = evhttp_uriencode(eq + 1, -1, 0);
		if (k == NULL || v == NULL)
			fatalx("out of memory");
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
			v = evhttp_uriencode(cursor, -1, 0);
			if (v == NULL)
				fatalx("out of memory");
			path = xasprintf("/v1/%s?cursor=%s%s", res->name, v,
			    query);
			free(v);
		} else if (*query != '\0')
			path = xasprintf("/v1/%s?%s", res->name, query + 1);
		else
			path = xasprintf("/v1/%s", res->name);
		rc = client_get(c, EVHTTP_REQ_GET, path, &r);
		free(path);
		if (rc != 0) {
			rc = EXIT_USAGE;
			break;
		}
		if (!a->all || !reply_ok(&r)) {
			rc = reply_report(&r);
			reply_clear(&r);
			break;
		}
		items = json_object_get(r.json, "items");
		if (!json_is_array(items)) {
			warnx("the reply has no \"items\" array");
			reply_clear(&r);
			rc = EXIT_HTTP;
			break;
		}
		json_array_foreach(items, i, item) {
			if ((v = json_dumps(item, JSON_PRETTY)) == NULL)
				fatalx("out of memory");
			printf("%s", nprinted++ == 0 ? "{\n  \"items\": [\n    " :
			    ",\n    ");
			print_indented(v, 4);
			free(v);
		}
		next = json_object_get(r.json, "next_cursor");
		if (!json_is_string(next) || *json_string_value(next) == '\0') {
			reply_clear(&r);
			break;
		}
		if (cursor != NULL &&
		    strcmp(cursor, json_string_value(next)) == 0) {
			warnx("the server returned the same cursor twice");
			reply_clear(&r);
			rc = EXIT_HTTP;
			break;
		}
		free(cursor);
		cursor = xasprintf("%s", json_string_value(next));
		reply_clear(&r);
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

/* ---- tokens ----------------------------------------------------------- */

static int
cmd_token_create(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	struct reply	 r;
	json_t		*body, *tok;
	iod_date	 d;
	int		 rc;

	if (a->role == NULL)
		return (usage_error(ce, "--role is required"));
	if (enum_lookup(token_roles, a->role) < 0)
		return (usage_error(ce, "--role: \"%s\" is not a role "
		    "(expected admin, iod, referent, company or auditor)",
		    a->role));
	if (a->expires != NULL && date_parse(a->expires, &d) != 0)
		return (usage_error(ce, "--expires: \"%s\" is not a date "
		    "(expected YYYY-MM-DD)", a->expires));

	body = xjson(json_object());
	json_object_set_new(body, "role", xjson(json_string(a->role)));
	if (a->subject != NULL && json_object_set_new(body, "subject",
	    json_string(a->subject)) != 0)
		fatalx("--subject: \"%s\" is not valid UTF-8", a->subject);
	if (a->seen & O(OPT_REFERENT))
		json_object_set_new(body, "referent_id",
		    xjson(json_integer((json_int_t)a->referent)));
	if (a->seen & O(OPT_COMPANY))
		json_object_set_new(body, "company_id",
		    xjson(json_integer((json_int_t)a->company)));
	if (a->expires != NULL)
		json_object_set_new(body, "expires_on",
		    xjson(json_string(a->expires)));
	rc = client_send_json(c, EVHTTP_REQ_POST, "/v1/tokens", body, &r);
	json_decref(body);
	if (rc != 0)
		return (EXIT_USAGE);
	if (!reply_ok(&r)) {
		reply_print_error(&r);
		reply_clear(&r);
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
		rc = reply_report(&r);
	reply_clear(&r);
	return (rc);
}

static int
cmd_token_list(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, __attribute__((unused)) struct args *a)
{
	return (simple_request(c, EVHTTP_REQ_GET, "/v1/tokens"));
}

static int
cmd_token_revoke(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	uint64_t	 id;
	char		*path;
	int		 rc;

	if ((id = id_arg(ce, a->argv[0])) == 0)
		return (EXIT_USAGE);
	path = xasprintf("/v1/tokens/%" PRIu64, id);
	rc = simple_request(c, EVHTTP_REQ_DELETE, path);
	free(path);
	return (rc);
}

/* The activity (or charter) report of a period, as JSON or CSV. */
static int
cmd_report(const struct cmd_entry *ce, struct client *c, struct args *a)
{
	char	*path, *from, *to, *prog = NULL;
	int	 rc;

	if (a->from == NULL || a->to == NULL) {
		warnx("usage: %s", ce->usage);
		return (EXIT_USAGE);
	}
	from = evhttp_encode_uri(a->from);
	to = evhttp_encode_uri(a->to);
	if (a->programme != NULL)
		prog = evhttp_encode_uri(a->programme);
	path = xasprintf("/v1/reports/%s?from=%s&to=%s%s%s%s",
	    a->charter ? "charter" : "activity", from, to,
	    prog != NULL ? "&programme=" : "", prog != NULL ? prog : "",
	    a->csv ? "&format=csv" : "");
	rc = simple_request(c, EVHTTP_REQ_GET, path);
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
cmd_backup(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, struct args *a)
{
	struct reply	 r;
	FILE		*f;
	char		*tmp;
	int		 rc = 0;

	if (client_get(c, EVHTTP_REQ_GET, "/v1/backup", &r) != 0)
		return (EXIT_USAGE);
	if (!reply_ok(&r)) {
		rc = reply_report(&r);
		reply_clear(&r);
		return (rc);
	}
	tmp = xasprintf("%s.tmp", a->argv[0]);
	if ((f = fopen(tmp, "wb")) == NULL ||
	    fwrite(r.body, 1, r.len, f) != r.len || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0 || fclose(f) != 0 ||
	    rename(tmp, a->argv[0]) != 0) {
		warnx("%s: %s", a->argv[0], strerror(errno));
		unlink(tmp);
		rc = EXIT_USAGE;
	} else
		fprintf(stderr, "iodctl: %s: %zu bytes, a data.mdb to restore "
		    "into an empty data directory\n", a->argv[0], r.len);
	free(tmp);
	reply_clear(&r);
	return (rc);
}

/*
 * Check rule-set files offline, as iodd would load them: every error with
 * its file, line and column.  The reference communes come from --refdata
 * (default data), where the territory files are looked for too.
 */
static int
cmd_rules_check(__attribute__((unused)) const struct cmd_entry *ce,
    __attribute__((unused)) struct client *c, struct args *a)
{
	struct ruleset	*rs;
	const char	*dir = a->refdata != NULL ? a->refdata : "data";
	char		*errors = NULL, *cause = NULL;
	int		 i, rc = 0;

	if (refdata_load(dir, &cause) != 0) {
		warnx("reference data: %s", cause != NULL ? cause : dir);
		free(cause);
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
	return (rc);
}

/* Activate FILE as rule set NAME: the daemon versions it, or refuses it
 * whole and says why. */
static int
cmd_rules_put(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, struct args *a)
{
	struct reply	 r;
	char		*buf, *path, *cause = NULL;
	size_t		 len;
	int		 rc;

	if ((buf = yamltree_readfile(a->argv[1], &len, &cause)) == NULL) {
		warnx("%s", cause != NULL ? cause : a->argv[1]);
		free(cause);
		return (EXIT_USAGE);
	}
	path = xasprintf("/v1/rulesets/%s", a->argv[0]);
	if (client_request(c, EVHTTP_REQ_PUT, path, "application/yaml", buf,
	    len, &r) != 0)
		rc = EXIT_USAGE;
	else {
		rc = reply_report(&r);
		reply_clear(&r);
	}
	free(path);
	free(buf);
	return (rc);
}

static int
cmd_health(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, __attribute__((unused)) struct args *a)
{
	return (simple_request(c, EVHTTP_REQ_GET, "/healthz"));
}

/* ---- the follow-up calendar -------------------------------------------
 *
 * followups: the appointments of this week (Monday to Sunday, today as
 * the daemon's IOD_TODAY would say), or every planned one, as a table.
 */

static const char *const fu_days[] = { "Mon", "Tue", "Wed", "Thu", "Fri",
    "Sat", "Sun" };

/* Columns of the table: heading, then how wide the widest cell is. */
enum fu_col { FC_DATE, FC_DAY, FC_WITH, FC_WHEN, FC_CANDIDATE, FC_COMPANY,
	FC_OWNER, FC_STATUS, FC__N };
static const char *const fu_heads[] = { "DATE", "DAY", "WITH", "PERIOD",
    "CANDIDATE", "COMPANY", "OWNER", "STATUS" };

/* Width on a terminal: UTF-8 code points. */
static size_t
text_width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return (n);
}

static const char *
jstr(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

static int
fu_order(const void *a, const void *b)
{
	json_t		*x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int		 c;
	json_int_t	 i, j;

	if ((c = strcmp(jstr(x, "due_on"), jstr(y, "due_on"))) != 0)
		return (c);
	i = json_integer_value(json_object_get(x, "id"));
	j = json_integer_value(json_object_get(y, "id"));
	return (i < j ? -1 : i > j);
}

/* The cells of one appointment (caller frees each). */
static void
fu_cells(json_t *f, char *cell[FC__N])
{
	const char	*kind = jstr(f, "kind"), *phase = jstr(f, "phase");
	json_int_t	 n = json_integer_value(json_object_get(f, "number"));
	iod_date	 d = 0;

	date_parse(jstr(f, "due_on"), &d);
	cell[FC_DATE] = xasprintf("%s", jstr(f, "due_on"));
	cell[FC_DAY] = xasprintf("%s", d != 0 ? fu_days[date_weekday(d)] : "");
	cell[FC_WITH] = xasprintf("%s", strcmp(kind, "joint_review") == 0 ?
	    "joint review" : strcmp(kind, "both") == 0 ? "both" : kind);
	if (strcmp(phase, "trial") == 0)
		cell[FC_WHEN] = xasprintf("trial week %" JSON_INTEGER_FORMAT, n);
	else if (strcmp(phase, "monthly") == 0)
		cell[FC_WHEN] = xasprintf("month %" JSON_INTEGER_FORMAT, n);
	else
		cell[FC_WHEN] = xasprintf("end, month %" JSON_INTEGER_FORMAT, n);
	cell[FC_CANDIDATE] = xasprintf("%s", jstr(f, "candidate_name"));
	cell[FC_COMPANY] = xasprintf("%s", jstr(f, "company_name"));
	cell[FC_OWNER] = xasprintf("%s", jstr(f, "owner"));
	cell[FC_STATUS] = xasprintf("%s", json_is_true(json_object_get(f,
	    "overdue")) ? "OVERDUE" : jstr(f, "status"));
}

static void
fu_row(const char *const cell[FC__N], const size_t width[FC__N])
{
	int	i;

	for (i = 0; i < FC__N; i++) {
		if (i == FC__N - 1)
			printf("%s\n", cell[i]);
		else
			printf("%s%*s", cell[i], (int)(width[i] -
			    text_width(cell[i]) + 2), "");
	}
}

static int
cmd_followups(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, struct args *a)
{
	struct reply	 r;
	json_t		*all, *items, *item, *next, **v;
	char		*query, *path, *owner = NULL, *cursor = NULL;
	char		*cell[FC__N], mon[11], sun[11], until[11];
	size_t		 width[FC__N], i, n;
	iod_date	 today = date_today(), monday;
	int		 k, rc = 0;

	monday = date_from_days(date_to_days(today) - date_weekday(today));
	date_format(monday, mon);
	date_format(date_from_days(date_to_days(monday) + 6), sun);
	date_format(date_from_days(date_to_days(monday) + 7), until);
	if (a->owner != NULL && (owner = evhttp_uriencode(a->owner, -1, 0)) ==
	    NULL)
		fatalx("out of memory");
	query = xasprintf("limit=%d%s%s%s%s%s%s", LIST_PAGE_ALL, a->week ?
	    "&due_from=" : "&status=planned", a->week ? mon : "",
	    a->week ? "&due_before=" : "", a->week ? until : "",
	    owner != NULL ? "&owner=" : "", owner != NULL ? owner : "");
	free(owner);
	all = xjson(json_array());
	for (;;) {
		path = xasprintf("/v1/followups?%s%s%s", query,
		    cursor != NULL ? "&cursor=" : "", cursor != NULL ? cursor : "");
		rc = client_get(c, EVHTTP_REQ_GET, path, &r);
		free(path);
		if (rc != 0) {
			rc = EXIT_USAGE;
			break;
		}
		if (!reply_ok(&r)) {
			rc = reply_report(&r);
			reply_clear(&r);
			break;
		}
		items = json_object_get(r.json, "items");
		json_array_foreach(items, i, item)
			if (strcmp(jstr(item, "status"), "cancelled") != 0)
				json_array_append(all, item);
		next = json_object_get(r.json, "next_cursor");
		free(cursor);
		cursor = json_is_string(next) ? xasprintf("%s",
		    json_string_value(next)) : NULL;
		reply_clear(&r);
		if (cursor == NULL)
			break;
	}
	free(cursor);
	free(query);
	if (rc != 0) {
		json_decref(all);
		return (rc);
	}

	n = json_array_size(all);
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_array_get(all, i);
	qsort(v, n, sizeof(*v), fu_order);
	if (a->week)
		printf("Week of Monday %s to Sunday %s", mon, sun);
	else
		printf("Planned appointments");
	if (a->owner != NULL)
		printf(", %s", a->owner);
	printf(": %zu appointment%s\n", n, n == 1 ? "" : "s");
	if (n > 0) {
		for (k = 0; k < FC__N; k++)
			width[k] = text_width(fu_heads[k]);
		for (i = 0; i < n; i++) {
			fu_cells(v[i], cell);
			for (k = 0; k < FC__N; k++) {
				if (text_width(cell[k]) > width[k])
					width[k] = text_width(cell[k]);
				free(cell[k]);
			}
		}
		putchar('\n');
		fu_row(fu_heads, width);
		for (i = 0; i < n; i++) {
			fu_cells(v[i], cell);
			fu_row((const char *const *)cell, width);
			for (k = 0; k < FC__N; k++)
				free(cell[k]);
		}
	}
	free(v);
	json_decref(all);
	return (0);
}

/* ---- CSV import --------------------------------------------------------
 *
 * The header names JSON fields of the schema, nested ones with a dot
 * (mobility.zone); each cell is converted by its field's type.  A cell
 * that does not convert is sent as the string it is, so that the server
 * refuses the row with its own message, naming the field.
 */

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
trim(char *s)
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
schema_field(const struct schema *sc, const char *name, size_t len)
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
		if ((f = schema_field(sc, s, len)) == NULL) {
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
		warnx("%s: %s", im->file, rc == 0 ? "no header row" :
		    cause != NULL ? cause : "unreadable");
		free(cause);
		return (-1);
	}
	im->ncols = csv->nfields;
	im->header = xcalloc(im->ncols, sizeof(char *));
	im->cols = xcalloc(im->ncols, sizeof(struct column));
	for (i = 0; i < im->ncols; i++) {
		im->header[i] = xasprintf("%s", trim(csv->fields[i]));
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
	warnx("%s:%zu: %s", im->file, csv->rowline, cause);
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
			if (*trim(csv->fields[i]) != '\0') {
				warnx("%s:%zu: %zu cells, the header has %zu",
				    im->file, csv->rowline, csv->nfields,
				    im->ncols);
				return (-1);
			}
		}
		for (i = 0; i < im->ncols && i < csv->nfields; i++) {
			if (im->cols[i].depth == 0 &&
			    *trim(csv->fields[i]) != '\0') {
				warnx("%s:%zu: a value in column %zu, which "
				    "has no name in the header", im->file,
				    csv->rowline, i + 1);
				return (-1);
			}
			if (!utf8_valid(csv->fields[i],
			    strlen(csv->fields[i]))) {
				warnx("%s:%zu: %s: not valid UTF-8 (save the "
				    "file as CSV UTF-8)", im->file,
				    csv->rowline, im->cols[i].name);
				return (-1);
			}
		}
	}
	if (rc < 0) {
		/* csv.c's message starts with "line N: ", ours with "file:N: ". */
		if (cause != NULL && sscanf(cause, "line %zu: %n", &i, &n) ==
		    1 && n > 0)
			warnx("%s:%zu: %s", im->file, i, cause + n);
		else
			warnx("%s: %s", im->file, cause != NULL ? cause :
			    "unreadable");
		free(cause);
		return (-1);
	}
	return (0);
}

/* The canonical name of s in names, ignoring case; NULL if none. */
static const char *
name_lookup(const char *const *names, const char *s)
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
cell_string(const char *s)
{
	return (xjson(json_string(s)));
}

/* A list cell: items separated by '|' or ';', blanks dropped. */
static json_t *
cell_list(const struct field *f, char *s)
{
	const char	*name;
	json_t		*a;
	char		*item;

	a = xjson(json_array());
	while ((item = strsep(&s, "|;")) != NULL) {
		item = trim(item);
		if (*item == '\0')
			continue;
		if (f->names == NULL ||
		    (name = name_lookup(f->names, item)) == NULL)
			name = item;
		json_array_append_new(a, cell_string(name));
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
		for (i = 0; bool_words[i].word != NULL; i++)
			if (strcasecmp(bool_words[i].word, s) == 0)
				return (xjson(json_boolean(bool_words[i].value)));
		break;
	case FT_DATE:
		/* DD/MM/YYYY, as French spreadsheets show dates. */
		if (strlen(s) == 10 && s[2] == '/' && s[5] == '/' &&
		    strspn(s, "0123456789/") == 10) {
			snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2s", s + 6,
			    s + 3, s);
			return (cell_string(iso));
		}
		break;
	case FT_ENUM:
		if ((name = name_lookup(f->names, s)) != NULL)
			return (cell_string(name));
		break;
	case FT_SET:
	case FT_STRV:
		return (cell_list(f, s));
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
	return (cell_string(s));
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
		cell = trim(csv->fields[i]);
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
	rc = client_send_json(c, EVHTTP_REQ_POST, path, im->batch, &r);
	free(path);
	if (rc != 0)
		return (EXIT_USAGE);
	if (!reply_ok(&r)) {
		warnx("%s: the batch of lines %zu to %zu was not imported:",
		    im->file, im->lines[0], im->lines[n - 1]);
		reply_print_error(&r);
		reply_clear(&r);
		return (EXIT_HTTP);
	}
	created = json_object_get(r.json, "created");
	refused = json_object_get(r.json, "refused");
	if (!json_is_array(created) || !json_is_array(refused)) {
		warnx("%s: the batch of lines %zu to %zu got a reply without "
		    "\"created\" and \"refused\"", im->file, im->lines[0],
		    im->lines[n - 1]);
		reply_clear(&r);
		return (EXIT_HTTP);
	}
	im->imported += json_array_size(created);
	json_array_foreach(refused, i, e) {
		im->refused++;
		index = json_integer_value(json_object_get(e, "index"));
		s = error_text(json_object_get(e, "error"));
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
		warnx("%s: the batch of lines %zu to %zu: %zu rows sent, the "
		    "server accounted for %zu", im->file, im->lines[0],
		    im->lines[n - 1], n, json_array_size(created) +
		    json_array_size(refused));
		reply_clear(&r);
		return (EXIT_HTTP);
	}
	reply_clear(&r);
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
		fatalx("cannot create a temporary file: %s", strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (fwrite(buf, 1, n, f) != n)
			fatalx("cannot write a temporary file: %s",
			    strerror(errno));
	if (ferror(stdin))
		fatalx("cannot read stdin: %s", strerror(errno));
	rewind(f);
	return (f);
}

/*
 * import: check the whole file first (header against the schema, every
 * row's shape), so that a malformed file sends nothing; then send the
 * rows in batches.  Good rows are created even when others are refused.
 */
static int
cmd_import(const struct cmd_entry *ce, struct client *c, struct args *a)
{
	struct import	 im;
	struct csv	 csv;
	FILE		*f;
	json_t		*row;
	char		*cause = NULL;
	size_t		 i;
	int		 rc = 0, next;

	memset(&im, 0, sizeof(im));
	if ((im.res = resource_arg(ce, a->argv[0])) == NULL)
		return (EXIT_USAGE);
	im.file = a->argv[1];
	im.max = (a->seen & O(OPT_BATCH)) ? a->batch : IMPORT_BATCH;
	if (strcmp(im.file, "-") == 0) {
		f = import_stdin();
		im.file = "stdin";
	} else if ((f = fopen(im.file, "r")) == NULL) {
		warnx("%s: %s", im.file, strerror(errno));
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
		fatalx("%s: changed while reading", im.file);

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
				warnx("%s: stopped: the rows from line %zu on "
				    "were not sent", im.file, csv.rowline);
			break;
		}
	}
	if (next < 0) {
		/* The file changed between the two passes. */
		warnx("%s: %s", im.file, cause != NULL ? cause : "unreadable");
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

/* ---- main ------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	const struct cmd_entry	*ce;
	struct client		 c;
	struct args		 a;
	char			*cause = NULL;
	const char		*url, *token;
	uint32_t		 bad;
	int			 words, start, rc;

	signal(SIGPIPE, SIG_IGN);
	memset(&a, 0, sizeof(a));
	if (args_parse(&a, argc, argv, 1) != 0) {
		usage(stderr);
		return (EXIT_USAGE);
	}
	if (a.argc == 0) {
		usage((a.seen & O(OPT_HELP)) ? stdout : stderr);
		return ((a.seen & O(OPT_HELP)) ? 0 : EXIT_USAGE);
	}
	if (strcmp(a.argv[0], "help") == 0) {
		usage(stdout);
		return (0);
	}
	if ((ce = cmd_find(a.argc, a.argv, &words)) == NULL) {
		cmd_unknown(a.argc, a.argv);
		return (EXIT_USAGE);
	}

	/* The command's own options; argv[start] is its last word. */
	start = (int)(a.argv - argv) + words - 1;
	if (args_parse(&a, argc - start, argv + start, 0) != 0)
		return (usage_error(ce, NULL));
	if (a.seen & O(OPT_HELP)) {
		printf("usage: iodctl %s\n", ce->usage);
		return (0);
	}
	if ((bad = a.seen & ~(O_GLOBAL | ce->opts)) != 0)
		return (usage_error(ce, "--%s does not apply to \"%s%s%s\"",
		    longopts[__builtin_ctz(bad)].name, ce->name,
		    ce->sub != NULL ? " " : "", ce->sub != NULL ? ce->sub : ""));
	if (a.argc < ce->lower || (ce->upper >= 0 && a.argc > ce->upper))
		return (usage_error(ce, a.argc < ce->lower ?
		    "missing argument" : "too many arguments"));

	if ((url = a.url) == NULL && ((url = getenv("IOD_URL")) == NULL ||
	    *url == '\0'))
		url = IODCTL_URL;
	if ((token = a.token) == NULL && ((token = getenv("IOD_TOKEN")) ==
	    NULL || *token == '\0'))
		token = NULL;
	if (client_open(&c, url, token, a.timeout != 0 ? (unsigned)a.timeout :
	    IODCTL_TIMEOUT, &cause) != 0) {
		warnx("%s", cause);
		free(cause);
		client_close(&c);
		return (EXIT_USAGE);
	}
	rc = ce->exec(ce, &c, &a);
	client_close(&c);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warnx("cannot write the output: %s", strerror(errno));
		if (rc == 0)
			rc = EXIT_USAGE;
	}
	return (rc);
}
