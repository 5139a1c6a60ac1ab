/*
 * static.c — the console's side of the daemon: the few static files of the
 * web console (web/: HTML, CSS, JavaScript modules, no build step) served
 * at / and /web/<file>, and GET /v1/whoami, which tells the console what
 * the token it signed in with may do.  The files hold no data and need no
 * token; everything they show comes from the API, with the token, checked
 * there.  A file's name is a strict path of [A-Za-z0-9._-] segments, none
 * starting with a dot, so nothing outside the directory can be named;
 * files are regular, bounded in size, sent with their type, no-cache and a
 * Content-Security-Policy that loads nothing from anywhere else.  Routing
 * is http.c's; this file only answers.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "daemon.h"

#define STATIC_MAX_SIZE	(1024 * 1024)	/* bytes of one file */
#define STATIC_NAME_MAX	64

/* Nothing but this origin: no inline script or style, no frame, no form
 * posted elsewhere. */
#define STATIC_CSP	"default-src 'self'; base-uri 'none'; " \
			"form-action 'self'; frame-ancestors 'none'"

static const char	*static_dir = "web";

static const struct static_type {
	const char	*ext;
	const char	*type;
} static_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".json", "application/json; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ NULL, NULL }
};

/* Set once, from iodd's flags, before the loop. */
void
static_set_dir(const char *dir)
{
	static_dir = dir;
}

/* A console file's name; see matcher.h. */
int
static_name_ok(const char *name)
{
	const char	*p;
	size_t		 len = strlen(name);

	if (len == 0 || len > STATIC_NAME_MAX)
		return (0);
	if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-/") != len)
		return (0);
	/* Every segment non-empty and not starting with a dot: no "..",
	 * no hidden file, no "//", no leading or trailing '/'. */
	for (p = name;; p++) {
		if (*p == '\0' || *p == '/' || *p == '.')
			return (0);
		p += strcspn(p, "/");
		if (*p == '\0')
			return (1);
	}
}

/* The Content-Type of a name by its extension; NULL if not served. */
static const char *
static_type_of(const char *name)
{
	const struct static_type	*t;
	const char			*dot = strrchr(name, '.');

	if (dot == NULL || strchr(dot, '/') != NULL)
		return (NULL);
	for (t = static_types; t->ext != NULL; t++)
		if (strcmp(t->ext, dot) == 0)
			return (t->type);
	return (NULL);
}

/* Read all of fd (size bytes) into out; 0 or -1. */
static int
static_read(int fd, off_t size, struct evbuffer *out)
{
	off_t	done = 0;
	int	n;

	while (done < size) {
		n = evbuffer_read(out, fd, (int)(size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		done += n;
	}
	return (0);
}

/*
 * GET / (index.html) and GET /web/{file}: the file, answered here (ctx->req
 * is NULL after, so http_send only frees ctx), or a 404 in the API's error
 * shape for anything that is not a regular file of a known type within the
 * size limit.  A matching If-None-Match gets a 304.
 */
int
static_serve(struct reqctx *ctx)
{
	struct evkeyvalq	*h;
	struct evbuffer		*out;
	struct stat		 st;
	const char		*name, *type, *inm;
	char			 path[1024], etag[64];
	int			 fd = -1, status;

	name = strcmp(ctx->route->path, "/") == 0 ? "index.html" : ctx->name;
	/* path_match checked the name; check again, it costs nothing. */
	if (!static_name_ok(name) || (type = static_type_of(name)) == NULL)
		return (http_error(ctx, ERR_NOT_FOUND, "path",
		    "no such file: %.64s", name));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", static_dir, name) >=
	    sizeof(path))
		return (http_error(ctx, ERR_NOT_FOUND, "path",
		    "no such file: %s", name));
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC))
	    == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		status = http_error(ctx, ERR_NOT_FOUND, "path",
		    "no such file: %s", name);
		goto out;
	}
	if (st.st_size > STATIC_MAX_SIZE) {
		log_warn("static file %s: %lld bytes, over the limit of %d",
		    path, (long long)st.st_size, STATIC_MAX_SIZE);
		status = http_error(ctx, ERR_NOT_FOUND, "path",
		    "no such file: %s", name);
		goto out;
	}
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"",
	    (unsigned long long)st.st_size, (unsigned long long)st.st_mtime);
	h = evhttp_request_get_output_headers(ctx->req);
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_add_header(h, "ETag", etag);
	evhttp_add_header(h, "Content-Security-Policy", STATIC_CSP);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	inm = evhttp_find_header(evhttp_request_get_input_headers(ctx->req),
	    "If-None-Match");
	if (inm != NULL && strcmp(inm, etag) == 0) {
		evhttp_send_reply(ctx->req, 304, "Not Modified", NULL);
		ctx->req = NULL;	/* answered: http_send only frees */
		status = ctx->status = 304;
		goto out;
	}
	if ((out = evbuffer_new()) == NULL) {
		status = http_error(ctx, ERR_NO_MEMORY, NULL,
		    "out of memory");
		goto out;
	}
	if (static_read(fd, st.st_size, out) != 0) {
		evbuffer_free(out);
		status = http_error(ctx, ERR_READ_ERROR, "path",
		    "cannot read %s", name);
		goto out;
	}
	evhttp_add_header(h, "Content-Type", type);
	evhttp_send_reply(ctx->req, 200, "OK", out);
	evbuffer_free(out);
	ctx->req = NULL;
	status = ctx->status = 200;
out:
	if (fd != -1)
		close(fd);
	return (status);
}

/*
 * GET /v1/whoami, for any valid token: {token_id, role, subject,
 * referent_id, company_id, expires_on, today} (the ids null outside their
 * role, today the daemon's day, IOD_TODAY in tests); for a session
 * token_id is null and account_id and csrf (what its writes carry) are
 * added.  Nothing the caller could not already read about itself.
 */
int
api_whoami(struct reqctx *ctx)
{
	const struct token	*t = &ctx->tok;
	char			 day[11];
	json_t			*j;

	j = json_pack("{s:I, s:s, s:s?}", "token_id", (json_int_t)t->id,
	    "role", role_names[t->role], "subject", t->subject);
	json_object_set_new(j, "referent_id", t->role == ROLE_REFERENT ?
	    json_integer((json_int_t)t->referent_id) : json_null());
	json_object_set_new(j, "company_id", t->role == ROLE_COMPANY ?
	    json_integer((json_int_t)t->company_id) : json_null());
	if (t->expires_on != 0) {
		date_format(t->expires_on, day);
		json_object_set_new(j, "expires_on", json_string(day));
	} else
		json_object_set_new(j, "expires_on", json_null());
	if (ctx->by_cookie) {	/* a session: its account, its CSRF */
		json_object_set_new(j, "token_id", json_null());
		json_object_set_new(j, "account_id",
		    json_integer((json_int_t)t->account_id));
		json_object_set_new(j, "csrf", json_string(ctx->csrf));
	}
	/* The console's "today": the week shown, what is overdue. */
	date_format(date_today(), day);
	json_object_set_new(j, "today", json_string(day));
	return (http_reply(ctx, 200, j));
}
