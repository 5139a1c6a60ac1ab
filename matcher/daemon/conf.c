/*
 * conf.c — the daemon's configuration file: a table of keys with their
 * ranges and defaults, checked by rules/' yamlcheck, plus what a table
 * cannot say: the map of rule set names to files, the listen address, and
 * the check that loads every rule set for `iodd -n`.  conf.h says what each
 * setting means; iodd applies them.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "rules.h"
#include "conf.h"

#define CONF_MAX_RULESETS	64

static const char *const log_names[] = { [LOG_DEBUG] = "debug",
    [LOG_INFO] = "info", [LOG_WARN] = "warn", [LOG_ERROR] = "error",
    [LOG_ERROR + 1] = NULL };

/* What the table fills: the configuration, and the rulesets map to read
 * after. */
struct parsed {
	struct conf	 conf;
	const struct ynode *rulesets;
};

/*
 * Split "ADDR:PORT" or "[IPV6]:PORT".  Returns 0 with *addr (caller frees;
 * not set if addr is NULL) and *port, or -1.
 */
static int
split_listen(const char *s, char **addr, int *port)
{
	const char	*colon, *end;
	size_t		 len;
	char		*p;
	long		 n;

	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':')
			return (-1);
		colon = end + 1;
		s++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return (-1);
		end = colon;
		if (memchr(s, ':', (size_t)(end - s)) != NULL)
			return (-1);
	}
	len = (size_t)(end - s);
	if (len == 0 || colon[1] < '0' || colon[1] > '9')
		return (-1);
	n = strtol(colon + 1, &p, 10);
	if (*p != '\0' || n < 1 || n > 65535)
		return (-1);
	*port = (int)n;
	if (addr != NULL && (*addr = strndup(s, len)) == NULL)
		return (-1);
	return (0);
}

static const char *
check_listen(const char *s)
{
	int	port;

	return (split_listen(s, NULL, &port) == 0 ? NULL : "ADDR:PORT with a "
	    "port in 1..65535, such as 127.0.0.1:8080 or [::1]:8080");
}

#define C(f)	.off = offsetof(struct parsed, conf.f)
#define LIM(f)	C(limits.f)

static const struct ykey limit_keys[] = {
	{
		.key = "max_body_bytes",
		.type = YT_INT,
		.min = 1024,
		.max = 256 << 20,
		.def = "33554432",
		LIM(max_body_bytes)
	},
	{
		.key = "max_buffered_bytes",
		.type = YT_INT,
		.min = 1 << 20,
		.max = 1 << 30,
		.def = "67108864",
		LIM(max_buffered_bytes)
	},
	{
		.key = "max_connections",
		.type = YT_INT,
		.min = 1,
		.max = 10000,
		.def = "1024",
		LIM(max_connections)
	},
	{
		.key = "max_streams",
		.type = YT_INT,
		.min = 1,
		.max = 10000,
		.def = "1024",
		LIM(max_streams)
	},
	{
		.key = "max_streams_per_token",
		.type = YT_INT,
		.min = 1,
		.max = 10000,
		.def = "16",
		LIM(max_streams_per_token)
	},
	{
		.key = "header_timeout_s",
		.type = YT_INT,
		.min = 1,
		.max = 3600,
		.def = "10",
		LIM(header_timeout_s)
	},
	{
		.key = "request_timeout_s",
		.type = YT_INT,
		.min = 1,
		.max = 3600,
		.def = "30",
		LIM(request_timeout_s)
	},
	/* 0: no limit. */
	{
		.key = "requests_per_minute",
		.type = YT_INT,
		.max = 1000000,
		.def = "0",
		LIM(requests_per_minute)
	},
	{ .key = NULL }
};

static const char *const tls_names[] = { [CONF_TLS_REQUIRED] = "required",
    [CONF_TLS_OPTIONAL] = "optional", [CONF_TLS_NONE] = "none",
    [CONF_TLS_NONE + 1] = NULL };

static const char *
check_smtp_url(const char *s)
{
	return (strncmp(s, "smtp://", 7) == 0 || strncmp(s, "smtps://", 8) ==
	    0 ? NULL : "smtp://HOST:PORT or smtps://HOST:PORT");
}

static const char *
check_hhmm(const char *s)
{
	return (strlen(s) == 5 && s[2] == ':' && s[0] >= '0' && s[0] <= '2' &&
	    s[1] >= '0' && s[1] <= '9' && s[3] >= '0' && s[3] <= '5' &&
	    s[4] >= '0' && s[4] <= '9' && (s[0] - '0') * 10 + s[1] - '0' < 24 ?
	    NULL : "HH:MM, such as 17:00");
}

static const struct ykey smtp_keys[] = {
	{
		.key = "url",
		.type = YT_STR,
		.min = 8,
		.max = 300,
		C(smtp.url),
		.check = check_smtp_url
	},
	{
		.key = "from",
		.type = YT_STR,
		.min = 3,
		.max = 254,
		.def = "iod@localhost",
		C(smtp.from)
	},
	{
		.key = "username",
		.type = YT_STR,
		.min = 1,
		.max = 254,
		C(smtp.username)
	},
	{
		.key = "password_file",
		.type = YT_STR,
		.min = 1,
		.max = 4096,
		C(smtp.password_file)
	},
	{
		.key = "tls",
		.type = YT_ENUM,
		.def = "optional",
		C(smtp.tls),
		.names = tls_names
	},
	{
		.key = "ca_file",
		.type = YT_STR,
		.min = 1,
		.max = 4096,
		C(smtp.ca_file)
	},
	{
		.key = "console_url",
		.type = YT_STR,
		.min = 1,
		.max = 300,
		.def = "http://127.0.0.1:8080/",
		C(smtp.console_url)
	},
	{
		.key = "digest_at",
		.type = YT_STR,
		.min = 5,
		.max = 5,
		.def = "17:00",
		C(smtp.digest_at),
		.check = check_hhmm
	},
	{
		.key = "timeout_s",
		.type = YT_INT,
		.min = 1,
		.max = 600,
		.def = "30",
		C(smtp.timeout_s)
	},
	{ .key = NULL }
};

static const struct ykey conf_keys[] = {
	{
		.key = "listen",
		.type = YT_STR,
		.min = 1,
		.max = 300,
		.def = "127.0.0.1:8080",
		C(listen),
		.check = check_listen
	},
	{
		.key = "data",
		.type = YT_STR,
		.min = 1,
		.max = 4096,
		.def = "var",
		C(data)
	},
	{
		.key = "refdata",
		.type = YT_STR,
		.min = 1,
		.max = 4096,
		.def = "data",
		C(refdata)
	},
	{
		.key = "rulesets",
		.type = YT_NODE,
		.off = offsetof(struct parsed, rulesets),
		.flags = YK_REQUIRED
	},
	{
		.key = "default_ruleset",
		.type = YT_STR,
		.min = 1,
		.max = 64,
		C(default_ruleset),
		.check = ruleset_check_name
	},
	{
		.key = "limits",
		.type = YT_MAP,
		.sub = limit_keys
	},
	{
		.key = "map_size_mb",
		.type = YT_INT,
		.min = 1,
		.max = 1 << 24,
		.def = "64",
		C(map_size_mb)
	},
	{
		.key = "map_max_mb",
		.type = YT_INT,
		.min = 1,
		.max = 1 << 24,
		.def = "65536",
		C(map_max_mb)
	},
	{
		.key = "log_level",
		.type = YT_ENUM,
		.def = "info",
		C(log_level),
		.names = log_names
	},
	{
		.key = "audit_retention_days",
		.type = YT_INT,
		.min = 1,
		.max = 36500,
		.def = "365",
		C(audit_retention_days)
	},
	{
		.key = "session_hours",
		.type = YT_INT,
		.min = 1,
		.max = 24 * 30,
		.def = "8",
		C(session_hours)
	},
	{
		.key = "session_idle_minutes",
		.type = YT_INT,
		.min = 1,
		.max = 24 * 60,
		.def = "60",
		C(session_idle_minutes)
	},
	{
		.key = "session_idle_s",
		.type = YT_INT,
		.min = 0,
		.max = 24 * 3600,
		.def = "0",
		C(session_idle_s)
	},
	{
		.key = "sign_in_threads",
		.type = YT_INT,
		.min = 1,
		.max = 8,
		.def = "2",
		C(sign_in_threads)
	},
	{
		.key = "sign_in_queue",
		.type = YT_INT,
		.min = 1,
		.max = 4096,
		.def = "32",
		C(sign_in_queue)
	},
	{
		.key = "sign_ins_per_minute",
		.type = YT_INT,
		.min = 0,
		.max = 1000000,
		.def = "10",
		C(sign_ins_per_minute)
	},
	{
		.key = "smtp",
		.type = YT_MAP,
		.sub = smtp_keys
	},
	{ .key = NULL }
};

/* Free what a struct conf points to. */
static void
conf_clear(struct conf *c)
{
	size_t	i;

	for (i = 0; i < c->nrulesets; i++) {
		free(c->rulesets[i].name);
		free(c->rulesets[i].path);
	}
	free(c->rulesets);
	free(c->listen);
	free(c->listen_addr);
	free(c->data);
	free(c->refdata);
	free(c->default_ruleset);
	free(c->smtp.url);
	free(c->smtp.from);
	free(c->smtp.username);
	free(c->smtp.password_file);
	free(c->smtp.ca_file);
	free(c->smtp.console_url);
	free(c->smtp.digest_at);
}

/* The rulesets map: names (each once) to non-empty file names. */
static void
read_rulesets(struct conf *c, const struct ynode *map, struct yerrors *e)
{
	const struct ynode	*kid;
	char			 q[YAMLTREE_QUOTE_MAX];
	const char		*why;
	size_t			 i, j;

	if (map == NULL)
		return;
	if (map->type != YNODE_MAP || map->nkids == 0 ||
	    map->nkids > CONF_MAX_RULESETS) {
		yamltree_error(e, map, "expected a map of 1 to %d rule set "
		    "names to their files", CONF_MAX_RULESETS);
		return;
	}
	if ((c->rulesets = calloc(map->nkids, sizeof(*c->rulesets))) == NULL) {
		yamltree_error(e, map, "out of memory");
		return;
	}
	for (i = 0; i < map->nkids; i++) {
		kid = map->kids[i];
		for (j = 0; j < i && strcmp(map->kids[j]->key, kid->key) != 0;
		    j++)
			;
		if ((why = ruleset_check_name(kid->key)) != NULL ||
		    *kid->key == '\0')
			yamltree_error(e, kid, "%s is not a valid rule set "
			    "name (expected %s)", yamltree_quote(q, kid->key),
			    why != NULL ? why : "a name");
		else if (j < i)
			yamltree_errorat(e, kid->file, kid->line, kid->col,
			    "duplicate key %s in rulesets (first at line %d)",
			    yamltree_quote(q, kid->key), map->kids[j]->line);
		else if (kid->type != YNODE_SCALAR || *kid->value == '\0' ||
		    yamltree_isnull(kid))
			yamltree_error(e, kid, "expected the rule set's file");
		else if ((c->rulesets[c->nrulesets].name = strdup(kid->key)) ==
		    NULL || (c->rulesets[c->nrulesets++].path =
		    strdup(kid->value)) == NULL)
			yamltree_error(e, kid, "out of memory");
	}
}

/* Checks across keys; a key refused on its own has its default here. */
static void
cross_check(struct conf *c, const struct ynode *root, struct yerrors *e)
{
	const struct ynode	*n;
	char			 q[YAMLTREE_QUOTE_MAX], names[512];
	size_t			 i, len;

	if (c->listen != NULL &&
	    split_listen(c->listen, &c->listen_addr, &c->listen_port) == -1)
		yamltree_error(e, root, "out of memory");
	if (c->map_max_mb < c->map_size_mb) {
		if ((n = yamltree_get(root, "map_max_mb")) != NULL)
			yamltree_error(e, n, "%d is less than map_size_mb (%d)",
			    c->map_max_mb, c->map_size_mb);
		else
			yamltree_error(e, yamltree_get(root, "map_size_mb"),
			    "%d is more than map_max_mb (%d)", c->map_size_mb,
			    c->map_max_mb);
	}
	if (c->limits.max_body_bytes > c->limits.max_buffered_bytes &&
	    (n = yamltree_get(root, "limits")) != NULL)
		yamltree_error(e, yamltree_get(n, "max_body_bytes") != NULL ?
		    yamltree_get(n, "max_body_bytes") : n, "max_body_bytes "
		    "(%d) is more than max_buffered_bytes (%d): such a body "
		    "could never be read", c->limits.max_body_bytes,
		    c->limits.max_buffered_bytes);
	if (c->smtp.url == NULL && (n = yamltree_get(root, "smtp")) != NULL)
		yamltree_error(e, n, "url is required (smtp://HOST:PORT "
		    "or smtps://HOST:PORT); leave smtp out for no mail");
	if (c->nrulesets == 0)
		return;
	if (c->default_ruleset == NULL) {
		if ((c->default_ruleset = strdup(c->rulesets[0].name)) == NULL)
			yamltree_error(e, root, "out of memory");
		return;
	}
	for (i = 0, len = 0; i < c->nrulesets; i++) {
		if (strcmp(c->rulesets[i].name, c->default_ruleset) == 0)
			return;
		if (len < sizeof(names))
			len += (size_t)snprintf(names + len,
			    sizeof(names) - len, "%s%s", i > 0 ? ", " : "",
			    c->rulesets[i].name);
	}
	yamltree_error(e, yamltree_get(root, "default_ruleset"), "%s is not "
	    "one of the rulesets (expected one of: %s)",
	    yamltree_quote(q, c->default_ruleset), names);
}

/* Load every rule set as iodd would, with the reference data loaded. */
static void
check_rulesets(struct conf *c, const struct ynode *root,
    const struct ynode *map, struct yerrors *e)
{
	struct ruleset		*rs;
	struct stat		 st;
	const struct ynode	*n;
	char			*cause, *lines;
	char			 q[YAMLTREE_QUOTE_MAX];
	size_t			 i;
	int			 loaded = 0;

	if (refdata_get() == NULL) {
		if (refdata_load(c->refdata, &cause) != 0) {
			if ((n = yamltree_get(root, "refdata")) == NULL)
				n = root;
			yamltree_error(e, n, "%s", cause != NULL ? cause :
			    "out of memory");
			free(cause);
			return;
		}
		loaded = 1;
	}
	for (i = 0; i < c->nrulesets; i++) {
		n = yamltree_get(map, c->rulesets[i].name);
		if (stat(c->rulesets[i].path, &st) == -1) {
			yamltree_error(e, n, "%s: %s", c->rulesets[i].path,
			    strerror(errno));
			continue;
		}
		if (ruleset_load_file(c->rulesets[i].path, c->refdata, &rs,
		    &lines) != 0) {
			yamltree_errorat(e, NULL, 0, 0, "%s", lines != NULL ?
			    lines : "out of memory");
			free(lines);
			continue;
		}
		if (strcmp(rs->name, c->rulesets[i].name) != 0)
			yamltree_error(e, n, "%s names itself %s",
			    c->rulesets[i].path, yamltree_quote(q, rs->name));
		ruleset_free(rs);
	}
	if (loaded)
		refdata_free();
}

static int
conf_load_file(const char *path, struct conf **out, char **errors, int check)
{
	struct parsed	 p;
	struct yerrors	 e;
	struct yamltree	*t = NULL;
	struct conf	*c;
	char		*buf, *cause, *lines;
	size_t		 len;

	memset(&p, 0, sizeof(p));
	memset(&e, 0, sizeof(e));
	if ((buf = yamltree_readfile(path, &len, &cause)) == NULL) {
		yamltree_errorat(&e, NULL, 0, 0, "%s", cause != NULL ? cause :
		    "out of memory");
		free(cause);
		goto done;
	}
	if ((t = yamltree_parse(path, buf, len, &e)) == NULL)
		goto done;
	yamlcheck_apply(&e, t->root, conf_keys, &p);
	read_rulesets(&p.conf, p.rulesets, &e);
	cross_check(&p.conf, t->root, &e);
	if (e.count == 0 && check)
		check_rulesets(&p.conf, t->root, p.rulesets, &e);

done:
	yamltree_free(t);
	free(buf);
	lines = yamltree_errors(&e);
	if (lines == NULL && out != NULL &&
	    (c = malloc(sizeof(*c))) != NULL) {
		*c = p.conf;
		*out = c;
		if (errors != NULL)
			*errors = NULL;
		return (0);
	}
	conf_clear(&p.conf);
	if (errors != NULL)
		*errors = lines;
	else
		free(lines);
	return (lines == NULL && out == NULL ? 0 : IOD_EINVAL);
}

int
conf_load(const char *path, struct conf **out, char **errors)
{
	return (conf_load_file(path, out, errors, 0));
}

int
conf_check(const char *path, char **errors)
{
	return (conf_load_file(path, NULL, errors, 1));
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	conf_clear(c);
	free(c);
}
