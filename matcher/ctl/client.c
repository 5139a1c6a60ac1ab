/*
 * client.c — the HTTP client of iodctl: libevent's evhttp client over one
 * keep-alive connection, one request at a time, each waited for; the
 * Authorization header from the token; a reply copied whole (bounded) and
 * parsed as JSON; and the printing of a reply or of the API's error.  It
 * is the only file of ctl/ that includes libevent.  It knows no command,
 * no resource and no path of the API beyond what its callers pass.
 */
#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "ctl.h"

#define CLIENT_MAX_REPLY	(256u << 20)	/* bytes of one reply body */
#define CLIENT_MAX_HEADERS	(64u << 10)

static const enum evhttp_cmd_type client_methods[] = {
	[CLIENT_GET] = EVHTTP_REQ_GET,
	[CLIENT_POST] = EVHTTP_REQ_POST,
	[CLIENT_PUT] = EVHTTP_REQ_PUT,
	[CLIENT_DELETE] = EVHTTP_REQ_DELETE,
	[CLIENT_PATCH] = EVHTTP_REQ_PATCH
};

int
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
		iodctl_fatal("cannot create an event base");
	c->evcon = evhttp_connection_base_new(c->base, NULL, host,
	    (unsigned short)port);
	if (c->evcon == NULL)
		iodctl_fatal("cannot create a connection to %s", url);
	evhttp_connection_set_timeout(c->evcon, (int)timeout);
	evhttp_connection_set_max_body_size(c->evcon, CLIENT_MAX_REPLY);
	evhttp_connection_set_max_headers_size(c->evcon, CLIENT_MAX_HEADERS);
	return (0);
}

void
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

void
client_reply_clear(struct reply *r)
{
	free(r->body);
	json_decref(r->json);
	free(r->etag);
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
	const char		*etag;

	r->done = 1;
	if (req == NULL || (r->code = evhttp_request_get_response_code(req))
	    == 0)
		return;
	etag = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "ETag");
	if (etag != NULL)
		r->etag = xasprintf("%s", etag);
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

int
client_request(struct client *c, enum client_method method,
    const char *path, const char *ctype, const void *body, size_t len,
    struct reply *r)
{
	struct evhttp_request	*req;
	struct evkeyvalq	*h;
	char			*uri, *auth, *clen;

	memset(r, 0, sizeof(*r));
	if ((req = evhttp_request_new(client_done_cb, r)) == NULL)
		iodctl_fatal("out of memory");
	evhttp_request_set_error_cb(req, client_error_cb);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", c->hostport);
	evhttp_add_header(h, "Accept", "application/json");
	evhttp_add_header(h, "User-Agent", "iodctl");
	if (c->token != NULL) {
		auth = xasprintf("Bearer %s", c->token);
		if (evhttp_add_header(h, "Authorization", auth) != 0)
			iodctl_fatal("the token contains a line break");
		free(auth);
	}
	if (c->if_match != NULL &&
	    evhttp_add_header(h, "If-Match", c->if_match) != 0)
		iodctl_fatal("the ETag contains a line break");
	c->if_match = NULL;
	if (body != NULL) {
		evhttp_add_header(h, "Content-Type", ctype);
		/* evhttp says the length of a POST's and a PUT's only. */
		clen = xasprintf("%zu", len);
		evhttp_add_header(h, "Content-Length", clen);
		free(clen);
		if (evbuffer_add(evhttp_request_get_output_buffer(req), body,
		    len) != 0)
			iodctl_fatal("out of memory");
	}
	uri = xasprintf("%s%s", c->prefix, path);
	if (evhttp_make_request(c->evcon, req, client_methods[method],
	    uri) != 0) {
		/* Ownership of req is unclear here; we are about to exit. */
		free(uri);
		iodctl_warn("cannot reach %s: connection failed; is iodd "
		    "running?", c->url);
		return (-1);
	}
	free(uri);
	while (!r->done)
		if (event_base_loop(c->base, EVLOOP_ONCE) != 0)
			break;
	if (r->code == 0) {
		iodctl_warn("cannot reach %s: %s; is iodd running?", c->url,
		    client_error_string(r));
		client_reply_clear(r);
		return (-1);
	}
	return (0);
}

int
client_get(struct client *c, enum client_method method, const char *path,
    struct reply *r)
{
	return (client_request(c, method, path, NULL, NULL, 0, r));
}

int
client_send_json(struct client *c, enum client_method method,
    const char *path, json_t *j, struct reply *r)
{
	char	*s;
	int	 rc;

	if ((s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		iodctl_fatal("out of memory");
	rc = client_request(c, method, path, "application/json", s,
	    strlen(s), r);
	free(s);
	return (rc);
}

int
client_ok(const struct reply *r)
{
	return (r->code >= 200 && r->code <= 299);
}

/*
 * The message alone when there is no field or it starts with the field
 * (or a part of it: "meeting.place: …" under "meeting").
 */
char *
client_error_text(json_t *err)
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
	if (strncmp(msg, field, flen) == 0 && (msg[flen] == ':' ||
	    msg[flen] == '.' || msg[flen] == '['))
		return (xasprintf("%s", msg));
	return (xasprintf("%s: %s", field, msg));
}

void
client_print_error(const struct reply *r)
{
	json_t	*err;
	char	*s;
	size_t	 len, i;

	err = json_object_get(r->json, "error");
	if (json_is_object(err)) {
		s = client_error_text(err);
		iodctl_warn("%s", s);
		free(s);
		return;
	}
	/* Not the API's shape (a proxy?): a short body, on one clean line. */
	len = r->len;
	while (len > 0 && isspace((unsigned char)r->body[len - 1]))
		len--;
	if (len == 0 || len > 500) {
		iodctl_warn("HTTP %d", r->code);
		return;
	}
	s = xasprintf("%.*s", (int)len, r->body);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
	iodctl_warn("HTTP %d: %s", r->code, s);
	free(s);
}

int
client_status(const struct reply *r)
{
	if (client_ok(r))
		return (0);
	return (r->code >= 500 ? EXIT_SERVER : EXIT_HTTP);
}

int
client_refused(const char *what, const struct reply *r)
{
	json_t	*err;
	char	*s;

	err = json_object_get(r->json, "error");
	if (!json_is_object(err)) {
		client_print_error(r);
		return (client_status(r));
	}
	s = client_error_text(err);
	iodctl_warn("%s: %s", what, s);
	free(s);
	return (client_status(r));
}

int
client_call(struct client *c, const char *what, enum client_method method,
    const char *path, json_t *body, struct reply *r)
{
	int	rc;

	if (body != NULL)
		rc = client_send_json(c, method, path, body, r);
	else
		rc = client_get(c, method, path, r);
	if (rc != 0)
		return (EXIT_SERVER);
	if (client_ok(r))
		return (0);
	rc = client_refused(what, r);
	client_reply_clear(r);
	return (rc);
}

void
client_print_json(json_t *j)
{
	if (json_dumpf(j, stdout, JSON_PRETTY) != 0)
		iodctl_fatal("cannot write the reply");
	putchar('\n');
}

int
client_report(const struct reply *r)
{
	if (!client_ok(r)) {
		client_print_error(r);
		return (client_status(r));
	}
	if (r->json != NULL)
		client_print_json(r->json);
	else if (r->len > 0)
		fwrite(r->body, 1, r->len, stdout);
	return (0);
}

int
client_simple(struct client *c, enum client_method method,
    const char *path)
{
	struct reply	r;
	int		rc;

	if (client_get(c, method, path, &r) != 0)
		return (EXIT_SERVER);
	rc = client_report(&r);
	client_reply_clear(&r);
	return (rc);
}

char *
client_encode(const char *s, ssize_t len)
{
	char	*e;

	if ((e = evhttp_uriencode(s, len, 0)) == NULL)
		iodctl_fatal("out of memory");
	return (e);
}
