/*
 * hello.c — the HTTP benchmark's peer: the smallest evhttp server, one
 * event loop on one thread, that answers every request with the same small
 * JSON body.  It is the ceiling of libevent's HTTP on this machine: iodd
 * serves through the same evhttp, so the ratio of the two rates, measured
 * in the same run on the same core, is what iod's own work costs.  It
 * listens on 127.0.0.1 (port 0: the kernel's choice) and prints
 * "listening on 127.0.0.1:PORT" on stderr once it accepts; SIGTERM or
 * SIGINT stops it.  It owns nothing else.  Its loop batches epoll's
 * changes (libevent's changelist) as iodd's does, so that the ratio is
 * not flattered by a setting the peer could have too.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

static const char	 body[] = "{\"hello\":\"world\"}\n";

/* Every request: 200 with the body, kept alive as the client asks. */
static void
answer(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*out = evhttp_request_get_output_buffer(req);

	(void)arg;
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evbuffer_add_reference(out, body, sizeof(body) - 1, NULL, NULL);
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void
stop(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct event_config		*cfg;
	struct event_base		*base;
	struct evhttp			*http;
	struct evhttp_bound_socket	*bs;
	struct event			*ev_term, *ev_int;
	struct sockaddr_storage		 ss;
	ev_socklen_t			 len = sizeof(ss);
	long				 port = 0;
	char				*end;

	if (argc > 2 || (argc == 2 && ((port = strtol(argv[1], &end, 10)) < 0
	    || port > 65535 || *end != '\0'))) {
		fprintf(stderr, "usage: hello [PORT]\n");
		return (2);
	}
	signal(SIGPIPE, SIG_IGN);
	if ((cfg = event_config_new()) == NULL)
		return (1);
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base == NULL || (http = evhttp_new(base)) == NULL) {
		fprintf(stderr, "hello: out of memory\n");
		return (1);
	}
	evhttp_set_gencb(http, answer, NULL);
	if ((bs = evhttp_bind_socket_with_handle(http, "127.0.0.1",
	    (unsigned short)port)) == NULL) {
		fprintf(stderr, "hello: cannot listen on 127.0.0.1:%ld\n",
		    port);
		return (1);
	}
	memset(&ss, 0, sizeof(ss));
	if (getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&ss, &len) != 0 || ss.ss_family != AF_INET) {
		fprintf(stderr, "hello: cannot read the bound port\n");
		return (1);
	}
	fprintf(stderr, "listening on 127.0.0.1:%u\n",
	    ntohs(((struct sockaddr_in *)&ss)->sin_port));
	ev_term = evsignal_new(base, SIGTERM, stop, base);
	ev_int = evsignal_new(base, SIGINT, stop, base);
	if (ev_term == NULL || ev_int == NULL || event_add(ev_term, NULL) != 0
	    || event_add(ev_int, NULL) != 0) {
		fprintf(stderr, "hello: cannot catch signals\n");
		return (1);
	}
	event_base_dispatch(base);
	event_free(ev_term);
	event_free(ev_int);
	evhttp_free(http);
	event_base_free(base);
	return (0);
}
