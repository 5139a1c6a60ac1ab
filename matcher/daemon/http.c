/*
 * http.c — the single dispatcher every request goes through: as soon as
 * its head is in, it finds the route in the routes table, checks the
 * declared body size, the bearer token or session cookie (and a cookie's
 * CSRF token on writes), its rate and role and the content
 * type; only then has conn.c read the body, decodes JSON or msgpack into
 * one tree, and calls the handler; it also writes every reply, in JSON or
 * in msgpack as the client's Accept header asks.  The routes are
 * routes.c's table, the handlers the api-*.c files', the group commit of
 * writes server.c's, connections conn.c's.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <msgpack.h>
#include <sodium.h>

#include "daemon.h"

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:	return ("GET");
	case EVHTTP_REQ_POST:	return ("POST");
	case EVHTTP_REQ_PUT:	return ("PUT");
	case EVHTTP_REQ_DELETE:	return ("DELETE");
	case EVHTTP_REQ_HEAD:	return ("HEAD");
	case EVHTTP_REQ_PATCH:	return ("PATCH");
	default:		return ("OTHER");
	}
}

/* Match path against a pattern; {id} takes a positive integer, {name}
 * a rule set name of [a-z0-9-], {file} (last) the rest of the path when
 * static_name_ok says it may name a file. */
static int
path_match(const char *pat, const char *path, uint64_t *id, char *name)
{
	const char		*p;
	unsigned long long	 v;
	char			*end;
	size_t			 len;

	while (*pat != '\0') {
		if (*pat == '{' && strncmp(pat, "{id}", 4) == 0) {
			if (!isdigit((unsigned char)*path))
				return (0);
			v = strtoull(path, &end, 10);
			if (v == 0 || end - path > 19)
				return (0);
			*id = v;
			path = end;
			pat += 4;
			continue;
		}
		if (*pat == '{' && strncmp(pat, "{name}", 6) == 0) {
			len = strspn(path, "abcdefghijklmnopqrstuvwxyz0123456789-");
			if (len == 0 || len > 64)
				return (0);
			memcpy(name, path, len);
			name[len] = '\0';
			path += len;
			pat += 6;
			continue;
		}
		if (*pat == '{' && strcmp(pat, "{file}") == 0) {
			if (!static_name_ok(path))
				return (0);
			memcpy(name, path, strlen(path) + 1);	/* <= 64 */
			return (1);
		}
		/* The literal part, a byte at a time: most patterns differ
		 * from the path within a few bytes. */
		for (p = pat; *p != '\0' && *p != '{'; p++, path++)
			if (*p != *path)
				return (0);
		if (p == pat) {
			if (*p != *path)	/* a '{' that names nothing */
				return (0);
			p++;
			path++;
		}
		pat = p;
	}
	return (*path == '\0');
}

int
http_reply(struct reqctx *ctx, int status, json_t *j)
{
	json_decref(ctx->reply);
	ctx->reply = j;
	ctx->status = status;
	return (status);
}

int
http_reply_text(struct reqctx *ctx, int status, const char *ctype,
    struct evbuffer *text)
{
	json_decref(ctx->reply);
	ctx->reply = NULL;
	if (ctx->text != NULL)
		evbuffer_free(ctx->text);
	ctx->text = text;
	ctx->ctype = ctype;
	ctx->status = status;
	return (status);
}

/*
 * The message and the field may carry what a client sent (a query
 * parameter's name, a value cut short): each is made valid UTF-8 first,
 * as JSON needs, so that no error ever goes out empty.
 */
int
http_error(struct reqctx *ctx, enum err_code err, const char *field,
    const char *fmt, ...)
{
	const struct err_entry	*e = err_entry(err);
	const char		*code = e->code;
	va_list			 ap;
	char			*msg, *good, *name = NULL;
	int			 status = e->status;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	good = utf8_repair(msg != NULL ? msg : code);
	if (field != NULL)
		name = utf8_repair(field);
	http_reply(ctx, status, json_pack("{s:{s:s, s:s?, s:s}}", "error",
	    "code", code, "field", field != NULL && name != NULL ? name :
	    field != NULL ? "?" : NULL, "message", good != NULL ? good :
	    code));
	free(name);
	free(good);
	free(msg);
	return (status);
}

int
http_store_error(struct reqctx *ctx, int rc)
{
	struct derr	e;

	derr_store(&e, rc);
	return (http_derr(ctx, &e));
}

int
http_derr(struct reqctx *ctx, const struct derr *e)
{
	return (http_error(ctx, e->code, e->field[0] != '\0' ? e->field : NULL,
	    "%s", e->message));
}

void
api_dctx(struct reqctx *ctx, struct dctx *dc)
{
	memset(dc, 0, sizeof *dc);
	dc->txn = ctx->txn;
	dc->tok = &ctx->tok;
	dc->actor = ctx->actor;
}

const char *
http_query(struct reqctx *ctx, const char *key)
{
	return (evhttp_find_header(&ctx->query, key));
}

static int
wants_msgpack(const char *h)
{
	return (h != NULL && strstr(h, "application/msgpack") != NULL);
}

/* The packer's bytes, into a growing buffer added to the reply once. */
static int
msgpack_write(void *data, const char *buf, size_t len)
{
	return (msgpack_sbuffer_write(data, buf, len));
}

static void
sbuffer_release(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)(uintptr_t)data);
}

void
http_send(struct reqctx *ctx)
{
	struct evbuffer		*out;
	struct evkeyvalq	*h;
	msgpack_packer		 pk;
	msgpack_sbuffer		 sb;
	const char		*reason;

	if (ctx->req == NULL)	/* the handler answered: a stream */
		goto done;
	out = evhttp_request_get_output_buffer(ctx->req);
	h = evhttp_request_get_output_headers(ctx->req);
	if (ctx->text != NULL) {
		evbuffer_add_buffer(out, ctx->text);
		evhttp_add_header(h, "Content-Type", ctx->ctype);
	} else if (ctx->reply != NULL && ctx->status != 204) {
		if (ctx->msgpack) {
			msgpack_sbuffer_init(&sb);
			msgpack_packer_init(&pk, &sb, msgpack_write);
			json_pack_mp(ctx->reply, &pk);
			if (sb.size == 0 || evbuffer_add_reference(out, sb.data,
			    sb.size, sbuffer_release, NULL) != 0)
				msgpack_sbuffer_destroy(&sb);
			evhttp_add_header(h, "Content-Type",
			    "application/msgpack");
		} else {
			if (jsonw_evbuffer(ctx->reply, out) != 0)
				log_warn("a reply could not be written: out of "
				    "memory");
			evhttp_add_header(h, "Content-Type",
			    "application/json; charset=utf-8");
		}
	}
	switch (ctx->status) {
	case 200: reason = "OK"; break;
	case 201: reason = "Created"; break;
	case 204: reason = "No Content"; break;
	case 304: reason = "Not Modified"; break;
	case 400: reason = "Bad Request"; break;
	case 401: reason = "Unauthorized"; break;
	case 403: reason = "Forbidden"; break;
	case 404: reason = "Not Found"; break;
	case 405: reason = "Method Not Allowed"; break;
	case 408: reason = "Request Timeout"; break;
	case 409: reason = "Conflict"; break;
	case 412: reason = "Precondition Failed"; break;
	case 413: reason = "Payload Too Large"; break;
	case 415: reason = "Unsupported Media Type"; break;
	case 429: reason = "Too Many Requests"; break;
	case 431: reason = "Request Header Fields Too Large"; break;
	case 501: reason = "Not Implemented"; break;
	case 503: reason = "Service Unavailable"; break;
	case 507: reason = "Insufficient Storage"; break;
	default: reason = ctx->status < 400 ? "OK" : "Error"; break;
	}
	if (ctx->status == 401)
		evhttp_add_header(h, "WWW-Authenticate", "Bearer realm=\"iod\"");
	if (ctx->etag[0] != '\0' && (ctx->status < 300 || ctx->status == 304))
		evhttp_add_header(h, "ETag", ctx->etag);
	if (ctx->status == 415 && ctx->route != NULL &&
	    (ctx->route->flags & RT_MERGE))
		evhttp_add_header(h, "Accept-Patch",
		    "application/merge-patch+json, application/msgpack");
	/* A body left unread ends the connection: it is not a request. */
	if (conn_reply(ctx->req))
		evhttp_add_header(h, "Connection", "close");
	evhttp_add_header(h, "Date", http_date());
	evhttp_send_reply(ctx->req, ctx->status, reason, NULL);
done:
	metrics_request(ctx->route, ctx->status, &ctx->started);
	if (ctx->text != NULL)
		evbuffer_free(ctx->text);
	json_decref(ctx->reply);
	json_decref(ctx->body);
	evhttp_clear_headers(&ctx->query);
	free(ctx->tok.subject);
	free((void *)(uintptr_t)ctx->raw);
	free(ctx);
}

/* The body's format by its Content-Type: 1 msgpack, 0 JSON (also when
 * none is given), -1 neither.  Parameters may follow the type ("; charset=
 * utf-8"), nothing else: application/jsonx is not JSON.  A merge patch
 * route (RT_MERGE) takes application/merge-patch+json for its JSON, and
 * only with its type said: plain JSON would be a whole record. */
static int
body_format(const struct route *r, const char *ctype)
{
	size_t	n;

	if (ctype == NULL)
		return (r->flags & RT_MERGE ? -1 : 0);
	n = strcspn(ctype, "; \t");
	if (n == 19 && strncasecmp(ctype, "application/msgpack", n) == 0)
		return (1);
	if (r->flags & RT_MERGE)
		return (n == 28 && strncasecmp(ctype,
		    "application/merge-patch+json", n) == 0 ? 0 : -1);
	if (n == 16 && strncasecmp(ctype, "application/json", n) == 0)
		return (0);
	return (-1);
}

/* The media types a route's body may have, for a 415's message. */
static const char *
body_types(const struct route *r)
{
	return (r->flags & RT_MERGE ?
	    "application/merge-patch+json or application/msgpack" :
	    "application/json or application/msgpack");
}

/*
 * A batch body: its framing is checked here and its items counted before
 * any is decoded; the handler gets the bytes (ctx->raw) and decodes them
 * one item at a time (wire_items_next), refusing a malformed item as it
 * refuses an invalid one.  So a batch costs its bytes and one item's
 * tree, never a tree of the whole body.
 */
static int
decode_batch(struct reqctx *ctx, int msgpack, const char *buf, size_t len)
{
	struct wire_items	 w;
	char			*cause = NULL;
	int			 rc;

	rc = wire_items_open(&w, buf, len, msgpack, BATCH_MAX, &cause);
	if (rc == IOD_ETOOBIG)
		return (http_error(ctx, ERR_BATCH_TOO_LARGE, "items",
		    "items: %zu is over the limit of %d per batch (send them "
		    "in several batches)", w.n, BATCH_MAX));
	if (rc != 0) {
		http_error(ctx, msgpack ? ERR_BAD_BODY : ERR_BAD_JSON, "body",
		    "%s (expected an array of records)", cause != NULL ?
		    cause : "body is not an array");
		free(cause);
		return (400);
	}
	if ((ctx->raw = malloc(len + 1)) == NULL)
		return (http_error(ctx, ERR_NO_MEMORY, NULL,
		    "out of memory"));
	memcpy((char *)(uintptr_t)ctx->raw, buf, len);
	((char *)(uintptr_t)ctx->raw)[len] = '\0';
	ctx->rawlen = len;
	ctx->raw_msgpack = msgpack;
	return (0);
}

/* Decode the body by its Content-Type into ctx->body (a batch: see
 * decode_batch). */
static int
decode_body(struct reqctx *ctx, const char *ctype, const char *buf,
    size_t len)
{
	msgpack_unpacked	 u;
	json_error_t		 err;
	char			*cause = NULL;
	size_t			 off = 0;
	int			 rc, format;

	if ((format = body_format(ctx->route, ctype)) < 0) {
		if (ctype == NULL)
			return (http_error(ctx, ERR_UNSUPPORTED_MEDIA_TYPE,
			    "Content-Type", "Content-Type: none was given "
			    "(expected %s)", body_types(ctx->route)));
		return (http_error(ctx, ERR_UNSUPPORTED_MEDIA_TYPE,
		    "Content-Type", "\"%.*s\" is not accepted (expected %s)",
		    (int)utf8_cut(ctype, 60), ctype, body_types(ctx->route)));
	}
	if (ctx->route->flags & RT_BATCH)
		return (decode_batch(ctx, format, buf, len));
	if (format == 1) {
		if (mp_check(buf, len) != 0)
			return (http_error(ctx, ERR_BAD_BODY, "body",
			    "body is not one complete msgpack value"));
		msgpack_unpacked_init(&u);
		rc = msgpack_unpack_next(&u, buf, len, &off);
		if (rc != MSGPACK_UNPACK_SUCCESS || off != len) {
			msgpack_unpacked_destroy(&u);
			return (http_error(ctx, ERR_BAD_BODY, "body",
			    "body is not one complete msgpack value"));
		}
		ctx->body = mp_to_json(&u.data, &cause);
		msgpack_unpacked_destroy(&u);
		if (ctx->body == NULL) {
			http_error(ctx, ERR_BAD_BODY, "body", "%s",
			    cause != NULL ? cause : "bad msgpack");
			free(cause);
			return (400);
		}
		return (0);
	}
	ctx->body = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (ctx->body == NULL)
		return (http_error(ctx, ERR_BAD_JSON, "body",
		    "invalid JSON at line %d, column %d: %s", err.line,
		    err.column, err.text));
	return (0);
}

/* The value of the session cookie in a Cookie header (into out, of
 * SESSION_SECRET_MAX + 1 bytes): 1 found, 0 not. */
static int
session_cookie(const char *h, char *out)
{
	const char	*p = h, *v;
	size_t		 n;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t;");
		if (strncmp(p, "iod_session=", 12) == 0) {
			v = p + 12;
			n = strcspn(v, "; \t");
			if (n == 0 || n > SESSION_SECRET_MAX)
				return (0);
			memcpy(out, v, n);
			out[n] = '\0';
			return (1);
		}
		p = strchr(p, ';');
	}
	return (0);
}

/*
 * Who asks: the bearer token, or without an Authorization header the
 * session cookie (ctx->by_cookie, its CSRF secret in ctx->csrf).  Fills
 * ctx->tok and ctx->actor.  With keep, the read transaction of the lookup
 * stays open there on success (the caller aborts it), for a read request
 * that runs at once: one snapshot, one transaction.
 */
static int
authenticate(struct reqctx *ctx, struct txn *keep)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(ctx->req);
	struct txn		 own, *tp = keep != NULL ? keep : &own;
	const char		*h, *c;
	char			 secret[SESSION_SECRET_MAX + 1];
	size_t			 len;
	int			 rc;

	h = evhttp_find_header(in, "Authorization");
	c = evhttp_find_header(in, "Cookie");
	if (h == NULL && c != NULL && session_cookie(c, secret))
		ctx->by_cookie = 1;
	else if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return (http_error(ctx, ERR_UNAUTHORIZED, "Authorization",
		    "a bearer token or a session is required (sign in)"));
	if (store_begin(srv->st, tp, 0, NULL) != 0)
		return (http_error(ctx, ERR_STORE_BUSY, NULL,
		    "the store cannot be read right now"));
	if (ctx->by_cookie) {
		rc = session_lookup(tp, secret, &ctx->tok, &ctx->session_id,
		    ctx->csrf);
		sodium_memzero(secret, sizeof(secret));
	} else
		rc = auth_lookup(tp, h + 7, &ctx->tok);
	if (keep == NULL || rc != 0)
		store_abort(tp);
	if (rc != 0 && ctx->by_cookie)
		return (http_error(ctx, ERR_UNAUTHORIZED, "Cookie",
		    "the session is unknown, signed out or expired (sign in "
		    "again)"));
	if (rc != 0)
		return (http_error(ctx, ERR_UNAUTHORIZED, "Authorization",
		    "the token is unknown, revoked or expired"));
	if (ctx->tok.subject != NULL && *ctx->tok.subject != '\0') {
		len = strnlen(ctx->tok.subject, sizeof(ctx->actor) - 1);
		memcpy(ctx->actor, ctx->tok.subject, len);
		ctx->actor[len] = '\0';
	} else
		snprintf(ctx->actor, sizeof(ctx->actor), "token:%llu",
		    (unsigned long long)ctx->tok.id);
	return (0);
}

/* A write signed in by the cookie carries the session's X-CSRF-Token;
 * 0, or the status of the refusal. */
static int
csrf_check(struct reqctx *ctx, const char *method)
{
	const char	*h;

	if (!ctx->by_cookie || strcmp(method, "GET") == 0 ||
	    strcmp(method, "HEAD") == 0)
		return (0);
	h = evhttp_find_header(evhttp_request_get_input_headers(ctx->req),
	    "X-CSRF-Token");
	if (h != NULL && strlen(h) == SESSION_CSRF_LEN &&
	    sodium_memcmp(h, ctx->csrf, SESSION_CSRF_LEN) == 0)
		return (0);
	return (http_error(ctx, ERR_CSRF, "X-CSRF-Token", "%s", h == NULL ?
	    "a write signed in by the session cookie needs the X-CSRF-Token "
	    "header (the csrf of POST /v1/session or GET /v1/whoami)" :
	    "X-CSRF-Token is not this session's"));
}

/* A read request in the read transaction t (open; aborted here). */
static void
run_read_in(struct reqctx *ctx, struct txn *t)
{
	ctx->txn = t;
	ctx->route->handler(ctx);
	ctx->txn = NULL;
	store_abort(t);
}

static void
run_read(struct reqctx *ctx)
{
	struct txn	t;

	if (store_begin(srv->st, &t, 0, NULL) != 0) {
		http_error(ctx, ERR_STORE_BUSY, NULL,
		    "the store cannot be read right now");
		return;
	}
	run_read_in(ctx, &t);
}

void
http_retry_after(struct reqctx *ctx, int seconds)
{
	char	buf[16];

	if (ctx->req == NULL)
		return;
	snprintf(buf, sizeof(buf), "%d", seconds > 0 ? seconds : 1);
	evhttp_add_header(evhttp_request_get_output_headers(ctx->req),
	    "Retry-After", buf);
}

/* Run the request, its body decoded: in the turn's write transaction, or
 * now in a read one. */
static void
run(struct reqctx *ctx)
{
	if (ctx->route->flags & RT_WRITE) {
		server_write(ctx);	/* replies after the group commit */
		return;
	}
	run_read(ctx);
	http_send(ctx);
}

/* The body could not be read (status from conn_body_read): say why. */
static void
body_refused(struct reqctx *ctx, int status, const char *why)
{
	const struct route	*r = ctx->route;

	if (why == NULL || *why == '\0')
		why = "the body cannot be read";
	switch (status) {
	case 413:
		http_error(ctx, ERR_BODY_TOO_LARGE, "body", "%s for %s %s",
		    why, r->method, r->path);
		break;
	case 431:
		http_error(ctx, ERR_HEADERS_TOO_LARGE, "body", "%s", why);
		break;
	case 503:
		http_error(ctx, ERR_BUSY, NULL, "%s", why);
		http_retry_after(ctx, 1);
		break;
	default:
		http_error(ctx, status < 0 ? ERR_INCOMPLETE_BODY : ERR_BAD_BODY,
		    "body", "%s", why);
		break;
	}
}

/* The body is read (caller's, freed here): hand it over, raw or decoded,
 * and run the request. */
static void
body_ready(struct reqctx *ctx, struct evbuffer *body)
{
	const struct route	*r = ctx->route;
	const char		*ctype;
	size_t			 len = body != NULL ? evbuffer_get_length(body) : 0;
	int			 rc = 0;

	ctype = evhttp_find_header(evhttp_request_get_input_headers(ctx->req),
	    "Content-Type");
	if (r->flags & RT_RAW) {
		if ((ctx->raw = malloc(len + 1)) == NULL)
			rc = http_error(ctx, ERR_NO_MEMORY, NULL,
			    "out of memory");
		else {
			if (len > 0)
				evbuffer_remove(body, (char *)(uintptr_t)ctx->raw,
				    len);
			((char *)(uintptr_t)ctx->raw)[len] = '\0';
			ctx->rawlen = len;
		}
	} else if (len == 0 && !(r->flags & RT_OPTBODY))
		rc = http_error(ctx, ERR_MISSING_BODY, "body",
		    "%s %s needs a body", r->method, r->path);
	else if (len > 0)
		rc = decode_body(ctx, ctype, (const char *)evbuffer_pullup(body,
		    (ev_ssize_t)len), len);
	if (body != NULL)
		evbuffer_free(body);
	if (rc != 0) {
		http_send(ctx);
		return;
	}
	run(ctx);
}

/* conn.c read the body of a request parked in http_dispatch. */
static void
body_read(void *arg, struct evbuffer *body, int status, const char *why)
{
	struct reqctx	*ctx = arg;

	if (status != 0) {
		body_refused(ctx, status, why);
		http_send(ctx);
		return;
	}
	body_ready(ctx, body);
}

/*
 * Every request comes here once its head is read, before its body: the
 * route, the declared length, the token, the rate, the role and the
 * content type are checked first, and a request refused is answered
 * without reading its body (the connection then closes).  Only then is
 * the body read (conn.c), and the request parked until it is whole.
 */
void
http_dispatch(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri	*uri;
	const struct route	*r;
	const unsigned char	*ri;
	struct conn_head	 head;
	struct reqctx		*ctx;
	struct evbuffer		*body = NULL;
	struct txn		 rt;		/* a read's, from authenticate */
	const char		*path, *dpath, *method, *q, *why;
	char			*decoded = NULL;
	size_t			 len, limit;
	int			 path_found = 0, rc, keep, rt_open = 0;

	(void)arg;
	conn_request(req, &head);
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		evhttp_send_error(req, 503, "out of memory");
		return;
	}
	ctx->req = req;
	clock_gettime(CLOCK_MONOTONIC, &ctx->started);
	TAILQ_INIT(&ctx->query);
	ctx->msgpack = wants_msgpack(evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Accept"));
	if (head.refused) {
		http_error(ctx, head.error, NULL, "%s",
		    head.message);
		if (head.error == ERR_BUSY)
			http_retry_after(ctx, 1);
		goto reply;
	}
	method = method_name(evhttp_request_get_command(req));
	uri = evhttp_request_get_evhttp_uri(req);
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	/* A %00 would cut the decoded path short: refuse it.  A path with
	 * no '%' is its own decoding. */
	if (path != NULL && strchr(path, '%') == NULL)
		dpath = path;
	else if (path == NULL ||
	    (decoded = evhttp_uridecode(path, 0, &len)) == NULL ||
	    strlen(decoded) != len) {
		http_error(ctx, ERR_BAD_PATH, NULL, "malformed path");
		goto reply;
	} else
		dpath = decoded;
	if ((q = evhttp_uri_get_query(uri)) != NULL &&
	    evhttp_parse_query_str(q, &ctx->query) != 0) {
		http_error(ctx, ERR_BAD_QUERY, NULL, "malformed query string");
		goto reply;
	}
	for (ri = routes_index_for(dpath); *ri != ROUTES_END; ri++) {
		r = &routes[*ri];
		if (!path_match(r->path, dpath, &ctx->id, ctx->name))
			continue;
		path_found = 1;
		if (strcmp(r->method, method) == 0)
			break;
	}
	if (*ri == ROUTES_END) {
		if (path_found)
			http_error(ctx, ERR_METHOD_NOT_ALLOWED, NULL,
			    "%s is not allowed on %s", method, dpath);
		else
			http_error(ctx, ERR_NOT_FOUND, NULL,
			    "no such resource: %s", dpath);
		goto reply;
	}
	ctx->route = r;
	/* The declared body, before anything else is looked up. */
	limit = r->max_body < head.max_body ? r->max_body : head.max_body;
	if (head.framing != CONN_BODY_NONE && r->max_body == 0) {
		http_error(ctx, ERR_UNEXPECTED_BODY, "body",
		    "%s %s takes no body", method, r->path);
		goto reply;
	}
	if (head.framing == CONN_BODY_LENGTH && head.length > limit) {
		http_error(ctx, ERR_BODY_TOO_LARGE, "body",
		    "body of %llu bytes is over the limit of %zu for %s %s",
		    (unsigned long long)head.length, limit, method, r->path);
		goto reply;
	}
	if (r->roles != R_PUBLIC) {
		/* A read with no body runs right after: it keeps the
		 * lookup's transaction. */
		keep = head.framing == CONN_BODY_NONE && r->max_body == 0 &&
		    !(r->flags & RT_WRITE);
		if (authenticate(ctx, keep ? &rt : NULL) != 0)
			goto reply;
		rt_open = keep;
		if (conn_over_rate(auth_budget_key(&ctx->tok))) {
			http_error(ctx, ERR_TOO_MANY_REQUESTS, NULL,
			    "this token made too many requests this minute");
			http_retry_after(ctx, 60 - (int)(time(NULL) % 60));
			goto reply;
		}
		if (!(r->roles & (1u << ctx->tok.role))) {
			http_error(ctx, ERR_FORBIDDEN, NULL,
			    "role %s may not %s %s", role_names[ctx->tok.role],
			    method, r->path);
			goto reply;
		}
		if (csrf_check(ctx, method) != 0)
			goto reply;
	}
	free(decoded);
	decoded = NULL;
	if (head.framing == CONN_BODY_NONE) {
		if (r->max_body > 0) {
			body_ready(ctx, NULL);
			return;
		}
		if (rt_open) {
			run_read_in(ctx, &rt);
			http_send(ctx);
			return;
		}
		run(ctx);
		return;
	}
	if (!(r->flags & RT_RAW) && body_format(r, evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Content-Type")) < 0) {
		decode_body(ctx, evhttp_find_header(
		    evhttp_request_get_input_headers(req), "Content-Type"),
		    "", 0);		/* says 415, naming the type */
		goto reply;
	}
	rc = conn_body_read(req, limit, body_read, ctx, &body, &why);
	if (rc == CONN_PENDING)
		return;		/* body_read carries on */
	if (rc != 0) {
		body_refused(ctx, rc, why);
		goto reply;
	}
	body_ready(ctx, body);
	return;
reply:
	if (rt_open)
		store_abort(&rt);
	free(decoded);
	http_send(ctx);
}
