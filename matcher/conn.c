/*
 * conn.c — the daemon's connections, as evhttp cannot bound them itself:
 * each one's bufferevent is made here (plain, or TLS with OpenSSL), counted
 * against max_connections (the listener pauses at the limit and resumes
 * below it), and given a deadline: a connection that does not deliver a
 * whole request within request_timeout_s of its start or of its previous
 * request is shut down, so a client trickling a byte a second cannot hold
 * a slot.  A streaming reply (Server-Sent Events) is exempt.  A sweep once
 * a second releases what evhttp has let go.  Requests per token per minute
 * are counted here too.
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "matcher.h"

struct conn {
	struct bufferevent	*bev;
	time_t			 since;		/* start, or the last request */
	int			 streaming;
	struct conn		*next;
};

static struct conn		*conns;
static size_t			 nconns, max_conns = 1024;
static int			 timeout_s = 30;
static struct evconnlistener	*listener;
static int			 paused;
static struct event		*sweep_ev;
static SSL_CTX			*tls;
static struct hmap		 rate;	/* token id -> minute << 20 | count */
static long			 per_minute;

/* evhttp asks for each new connection's bufferevent here. */
static struct bufferevent *
conn_bevcb(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;
	struct conn		*c;
	SSL			*ssl;

	(void)arg;
	if (tls != NULL) {
		if ((ssl = SSL_new(tls)) == NULL)
			return (NULL);
		bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	} else
		bev = bufferevent_socket_new(base, -1, 0);
	if (bev == NULL || (c = calloc(1, sizeof(*c))) == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
		return (NULL);
	}
	/* Our reference keeps the memory valid until the sweep sees that
	 * evhttp has freed it (its callbacks are then cleared). */
	bufferevent_incref(bev);
	c->bev = bev;
	c->since = time(NULL);
	c->next = conns;
	conns = c;
	if (++nconns >= max_conns && listener != NULL && !paused) {
		evconnlistener_disable(listener);
		paused = 1;
		log_warn("%zu connections: not accepting more for now", nconns);
	}
	return (bev);
}

static struct conn *
find(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	struct conn			*c;

	if ((evcon = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return (NULL);
	for (c = conns; c != NULL; c = c->next)
		if (c->bev == bev)
			return (c);
	return (NULL);
}

void
conn_request(struct evhttp_request *req)
{
	struct conn	*c;

	if ((c = find(req)) != NULL)
		c->since = time(NULL);
}

void
conn_streaming(struct evhttp_request *req)
{
	struct conn	*c;

	if ((c = find(req)) != NULL)
		c->streaming = 1;
}

static void
sweep(evutil_socket_t fd, short what, void *arg)
{
	bufferevent_event_cb	 eventcb;
	struct conn		**cp, *c;
	time_t			 now = time(NULL);
	evutil_socket_t		 s;

	(void)fd; (void)what; (void)arg;
	for (cp = &conns; (c = *cp) != NULL; ) {
		bufferevent_getcb(c->bev, NULL, NULL, &eventcb, NULL);
		if (eventcb == NULL) {
			/* evhttp freed it: drop our reference, the last. */
			*cp = c->next;
			bufferevent_decref(c->bev);
			free(c);
			nconns--;
			continue;
		}
		if (!c->streaming && now - c->since > timeout_s &&
		    (s = bufferevent_getfd(c->bev)) >= 0) {
			/* evhttp reads the end of the stream and lets go. */
			shutdown(s, SHUT_RDWR);
			c->since = now;
		}
		cp = &c->next;
	}
	if (paused && nconns < max_conns) {
		evconnlistener_enable(listener);
		paused = 0;
	}
}

int
conn_init(struct evhttp *http, struct evhttp_bound_socket *bs,
    size_t max, int timeout, long rpm, const char *cert, const char *key,
    char **cause)
{
	static const struct timeval	second = { 1, 0 };

	*cause = NULL;
	max_conns = max > 0 ? max : 1024;
	timeout_s = timeout > 0 ? timeout : 30;
	per_minute = rpm;
	listener = evhttp_bound_socket_get_listener(bs);
	if (cert != NULL) {
		if ((tls = SSL_CTX_new(TLS_server_method())) == NULL ||
		    SSL_CTX_set_min_proto_version(tls, TLS1_2_VERSION) != 1 ||
		    SSL_CTX_use_certificate_chain_file(tls, cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(tls, key != NULL ? key : cert,
		    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(tls) != 1) {
			if (asprintf(cause, "TLS: %s: %s", cert,
			    ERR_reason_error_string(ERR_get_error())) == -1)
				*cause = NULL;
			return (IOD_EINVAL);
		}
	}
	evhttp_set_bevcb(http, conn_bevcb, NULL);
	sweep_ev = event_new(srv->base, -1, EV_PERSIST, sweep, NULL);
	if (sweep_ev == NULL || event_add(sweep_ev, &second) != 0)
		return (IOD_ENOMEM);
	return (0);
}

/* After evhttp_free: release what is left. */
void
conn_free(void)
{
	struct conn	*c;

	while ((c = conns) != NULL) {
		conns = c->next;
		bufferevent_decref(c->bev);
		free(c);
	}
	nconns = 0;
	if (sweep_ev != NULL)
		event_free(sweep_ev);
	sweep_ev = NULL;
	if (tls != NULL)
		SSL_CTX_free(tls);
	tls = NULL;
	hmap_free(&rate);
}

size_t
conn_count(void)
{
	return (nconns);
}

/* Count a request of token id in the current minute: 0, or 1 if over. */
int
conn_over_rate(uint64_t token_id)
{
	uint64_t	minute = (uint64_t)time(NULL) / 60, v, count;

	if (per_minute <= 0)
		return (0);
	v = hmap_get(&rate, token_id + 1);
	count = (v >> 20) == (minute & 0xffffffffffULL) ? (v & 0xfffff) : 0;
	if (count >= (uint64_t)per_minute)
		return (1);
	count++;
	hmap_set(&rate, token_id + 1, (minute & 0xffffffffffULL) << 20 |
	    (count & 0xfffff));
	return (0);
}
