/*
 * tls.c — TLS for the daemon's connections, with OpenSSL through
 * libevent's bufferevent_openssl: the server's context (TLS 1.2 or later,
 * a certificate chain and its key, loaded once before the loop) and each
 * accepted connection's bufferevent.  What is read over it, and the
 * connections' budgets, are conn.c's and frame.c's.
 */
#include <stdio.h>
#include <stdlib.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "daemon.h"

static SSL_CTX	*tls;

int
tls_init(const char *cert, const char *key, char **cause)
{
	*cause = NULL;
	if ((tls = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(tls, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(tls, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(tls, key != NULL ? key : cert,
	    SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(tls) != 1) {
		if (asprintf(cause, "TLS: %s: %s", cert,
		    ERR_reason_error_string(ERR_get_error())) == -1)
			*cause = NULL;
		return (-1);
	}
	return (0);
}

int
tls_on(void)
{
	return (tls != NULL);
}

struct bufferevent *
tls_bufferevent(struct event_base *base)
{
	SSL	*ssl;

	if (tls == NULL)
		return (bufferevent_socket_new(base, -1,
		    BEV_OPT_CLOSE_ON_FREE));
	if ((ssl = SSL_new(tls)) == NULL)
		return (NULL);
	return (bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE));
}

void
tls_free(void)
{
	if (tls != NULL)
		SSL_CTX_free(tls);
	tls = NULL;
}
