/*
 * iodd.c — the daemon's entry point: flags, start-up (reference data, the
 * store, the first admin token, the demo dataset), the listener, the event
 * loop with its after-turn hook, and a clean stop on SIGTERM.  What each
 * request does is http.c's and the api-*.c files'.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netdb.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <sodium.h>

#include "daemon.h"
#include "conf.h"

#define DEFAULT_LISTEN	"127.0.0.1:8080"
#define DEFAULT_DATA	"var"
#define DEFAULT_REFDATA	"data"
#define MAP_SIZE	(64ULL << 20)
#define MAP_MAX		(64ULL << 30)
#define MAX_BODY	(32 << 20)
#define MAX_BUFFERED	(64 << 20)
#define MAX_CONNS	1024
#define MAX_STREAMS	1024
#define MAX_STREAMS_TOKEN 16
#define HEADER_TIMEOUT_S 10
#define TIMEOUT_S	30
#define FD_SPARE	64	/* the store, the log, webhooks, DNS */

static void
usage(void)
{
	fprintf(stderr, "usage: iodd [-n] [--config FILE] [--data DIR] "
	    "[--listen ADDR:PORT] [--refdata DIR] [--demo DIR] "
	    "[--log-level LEVEL] [--map-size MB] [--openapi] [--errors]\n"
	    "            [--tls-cert PEM [--tls-key PEM]] [--web DIR]\n");
	exit(2);
}

static void
on_grace(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Proposals left without decision expire, checked once a minute; a
 * write task, run after the turn's commit. */
static void
on_expire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	notify_defer(proposal_expire, "expired proposals");
	if (stall_due())
		notify_defer(stall_sweep, "stalled people");
}

/* Follow-up reminders, at start and every five minutes; a write task,
 * run after the turn's commit. */
static void
on_remind(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	notify_defer(placement_remind, "reminders");
}

/* One slice of the audit purge; while a slice says more remain, the next
 * runs after the next commit. */
static int
audit_purge_task(struct dctx *dc)
{
	int	n, more;

	n = audit_purge(dc, &more);
	if (more)
		notify_defer(audit_purge_task, "audit retention");
	return (n);
}

/* Audit entries past their retention are purged, checked each hour; a
 * write task in slices, run after the turn's commit. */
static void
on_audit_purge(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	notify_defer(audit_purge_task, "audit retention");
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading the rule sets");
		notify_defer(server_reload, "reload");
		return;
	}
	log_info("signal %d: finishing what is in flight", (int)sig);
	srv->quit = 1;
}

/*
 * Raise the soft limit on descriptors towards the hard one so that every
 * connection the limits allow fits; if the hard limit is lower, lower the
 * limits to what fits and say so.
 */
static void
raise_nofile(struct conn_limits *lim)
{
	struct rlimit	rl;
	rlim_t		need, have;

	need = (rlim_t)(lim->max_connections + lim->max_streams + FD_SPARE);
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max > need ? need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur >= need)
		return;
	have = rl.rlim_cur > 2 * FD_SPARE ? rl.rlim_cur - FD_SPARE : FD_SPARE;
	log_warn("only %llu file descriptors (the hard limit): %zu "
	    "connections and %zu event streams at most",
	    (unsigned long long)rl.rlim_cur, (size_t)(have * 3 / 4),
	    (size_t)(have / 4));
	lim->max_connections = (size_t)(have * 3 / 4);
	lim->max_streams = (size_t)(have / 4);
	if (lim->max_streams_per_token > lim->max_streams)
		lim->max_streams_per_token = lim->max_streams;
}

/* On the first start of an empty store, IOD_BOOTSTRAP_TOKEN is admin. */
static int
bootstrap_token(void)
{
	struct token	 tok;
	struct txn	 t;
	const char	*env = getenv("IOD_BOOTSTRAP_TOKEN");
	char		*secret;
	int		 rc;

	if (env == NULL || *env == '\0')
		return (0);
	if (strlen(env) < 16) {
		log_error("IOD_BOOTSTRAP_TOKEN must have at least 16 characters");
		return (IOD_EINVAL);
	}
	if ((rc = store_begin(srv->st, &t, 1, NULL)) != 0)
		return (rc);
	if (auth_count(&t) > 0) {
		store_abort(&t);
		return (0);
	}
	memset(&tok, 0, sizeof(tok));
	tok.role = ROLE_ADMIN;
	tok.subject = strdup("bootstrap");
	if ((rc = auth_create(&t, &tok, env, &secret)) == 0) {
		free(secret);
		event_append(&t, "token.created", "token", tok.id, "iodd",
		    NULL);
	}
	rec_clear(&token_schema, &tok);
	if (rc != 0) {
		store_abort(&t);
		return (rc);
	}
	if ((rc = store_commit(&t)) == 0)
		log_info("created the bootstrap admin token");
	return (rc);
}

/*
 * The event loop.  epoll's changes are batched (libevent's changelist):
 * evhttp turns a connection from reading to writing and back on every
 * request, four epoll_ctl calls where the batch makes two.  That is safe
 * because iodd never dup()s nor forks a descriptor the loop watches.
 */
static struct event_base *
base_new(void)
{
	struct event_config	*cfg;
	struct event_base	*base;

	if ((cfg = event_config_new()) == NULL)
		return (NULL);
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return (base);
}

static struct evhttp_bound_socket *
listen_on(const char *spec)
{
	struct evhttp_bound_socket	*bs;
	struct sockaddr_storage		 ss;
	socklen_t			 len = sizeof(ss);
	char				*host, *colon, addr[128], serv[16];
	long				 port;

	if ((host = strdup(spec)) == NULL)
		return (NULL);
	if ((colon = strrchr(host, ':')) == NULL) {
		free(host);
		return (NULL);
	}
	*colon = '\0';
	port = strtol(colon + 1, NULL, 10);
	if (port < 0 || port > 65535) {
		free(host);
		return (NULL);
	}
	bs = evhttp_bind_socket_with_handle(srv->http, host, (uint16_t)port);
	free(host);
	if (bs == NULL)
		return (NULL);
	/* A reply goes out whole at once: without TCP_NODELAY its last
	 * segment would wait for the client's delayed ACK (40 ms) on a
	 * kept-alive connection.  Accepted sockets inherit it (Linux). */
	(void)setsockopt(evhttp_bound_socket_get_fd(bs), IPPROTO_TCP,
	    TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss,
	    &len) == 0 && getnameinfo((struct sockaddr *)&ss, len, addr,
	    sizeof(addr), serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV)
	    == 0)
		log_info("listening on %s:%s", addr, serv);
	return (bs);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "data", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "refdata", required_argument, NULL, 'r' },
		{ "demo", required_argument, NULL, 'D' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "map-size", required_argument, NULL, 'm' },
		{ "tls-cert", required_argument, NULL, 'T' },
		{ "openapi", no_argument, NULL, 'O' },
		{ "errors", no_argument, NULL, 'E' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "web", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 }
	};
	struct evhttp_bound_socket	*bs;
	struct event			*sigs[4];
	const char			*config = NULL, *demo = NULL;
	const char			*listen = DEFAULT_LISTEN;
	const char			*refdir = DEFAULT_REFDATA;
	char				*cause = NULL;
	struct timeval			 grace = { 0, 200000 };
	struct event			*grace_ev;
	size_t				 map_size = MAP_SIZE, map_max = MAP_MAX;
	const char			*tls_cert = NULL, *tls_key = NULL;
	json_t				*doc;
	struct conn_limits		 lim = {
		.max_connections = MAX_CONNS,
		.max_streams = MAX_STREAMS,
		.max_streams_per_token = MAX_STREAMS_TOKEN,
		.max_body = MAX_BODY,
		.max_buffered = MAX_BUFFERED,
		.header_timeout_s = HEADER_TIMEOUT_S,
	};
	int				 timeout_s = TIMEOUT_S;
	int				 set_listen = 0, set_data = 0;
	int				 set_refdir = 0, set_map = 0, set_level = 0;
	struct event			*expire_ev, *remind_ev, *purge_ev;
	struct timeval			 hour = { 3600, 0 };
	struct timeval			 five_minutes = { 300, 0 };
	struct timeval			 minute = { 60, 0 };
	int				 ch, check = 0, i, rc, grace_over = 0;
	static const int		 signos[] = { SIGTERM, SIGINT, SIGHUP };

	srv->datadir = DEFAULT_DATA;
	while ((ch = getopt_long(argc, argv, "nc:d:l:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			check = 1;
			break;
		case 'c':
			config = optarg;
			break;
		case 'd':
			srv->datadir = optarg;
			set_data = 1;
			break;
		case 'l':
			listen = optarg;
			set_listen = 1;
			break;
		case 'r':
			refdir = optarg;
			set_refdir = 1;
			break;
		case 'D':
			demo = optarg;
			break;
		case 'L':
			if (log_set_level(optarg) < 0)
				usage();
			set_level = 1;
			break;
		case 'T':
			tls_cert = optarg;
			break;
		case 'O':
			doc = openapi_document();
			json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_SORT_KEYS);
			putchar('\n');
			json_decref(doc);
			return (0);
		case 'E':
			err_table_markdown(stdout);	/* the README's table */
			return (0);
		case 'K':
			tls_key = optarg;
			break;
		case 'W':
			static_set_dir(optarg);	/* the console's files */
			break;
		case 'm':
			map_size = strtoull(optarg, NULL, 10) << 20;
			if (map_size == 0)
				usage();
			set_map = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (check) {
		if (config == NULL) {
			fprintf(stderr, "iodd: -n needs --config FILE\n");
			return (2);
		}
		if (conf_check(config, &cause) != 0) {
			fprintf(stderr, "%s\n", cause != NULL ? cause :
			    "out of memory");
			free(cause);
			return (1);
		}
		printf("configuration OK\n");
		return (0);
	}
	if (config != NULL) {
		if (conf_load(config, &srv->conf, &cause) != 0) {
			fprintf(stderr, "%s\n", cause != NULL ? cause :
			    "out of memory");
			free(cause);
			return (1);
		}
		/* The flags given win over the file. */
		if (!set_listen)
			listen = srv->conf->listen;
		if (!set_data)
			srv->datadir = srv->conf->data;
		if (!set_refdir)
			refdir = srv->conf->refdata;
		if (!set_map)
			map_size = (size_t)srv->conf->map_size_mb << 20;
		map_max = (size_t)srv->conf->map_max_mb << 20;
		if (!set_level)
			log_level = srv->conf->log_level;
		lim.max_connections =
		    (size_t)srv->conf->limits.max_connections;
		lim.max_streams = (size_t)srv->conf->limits.max_streams;
		lim.max_streams_per_token =
		    (size_t)srv->conf->limits.max_streams_per_token;
		lim.max_body = (size_t)srv->conf->limits.max_body_bytes;
		lim.max_buffered =
		    (size_t)srv->conf->limits.max_buffered_bytes;
		lim.header_timeout_s = srv->conf->limits.header_timeout_s;
		lim.requests_per_minute =
		    srv->conf->limits.requests_per_minute;
		timeout_s = srv->conf->limits.request_timeout_s;
		audit_set_retention(srv->conf->audit_retention_days);
		session_set_ttl((int64_t)srv->conf->session_hours * 3600);
	}
	srv->refdir = refdir;
	rulesets_set_refdir(refdir);
	label_set_territory(rulesets_territory);
	if (sodium_init() < 0) {
		log_error("libsodium cannot start");
		return (1);
	}
	if (refdata_load(refdir, &cause) != 0) {
		log_error("reference data: %s", cause);
		return (1);
	}
	signal(SIGPIPE, SIG_IGN);
	raise_nofile(&lim);
	if (store_open(&srv->st, srv->datadir, map_size, map_max, &cause) != 0) {
		log_error("store: %s", cause != NULL ? cause : "out of memory");
		return (1);
	}
	if (store_restored(srv->st))
		log_warn("store: %s/data.mdb is a restored copy (its identity "
		    "is not the one this data directory knew); it now has "
		    "the identity %s", srv->datadir, store_identity(srv->st));
	if ((rc = bootstrap_token()) != 0) {
		log_error("bootstrap token: %s", iod_strerror(rc));
		return (1);
	}
	if ((rc = server_load(&cause)) != 0) {
		log_error("start-up: %s", cause != NULL ? cause :
		    iod_strerror(rc));
		return (1);
	}
	if ((rc = server_store_resume()) != 0) {
		log_error("start-up: audit log: %s", iod_strerror(rc));
		return (1);
	}
	if (demo != NULL && (rc = api_load_demo(demo, &cause)) != 0) {
		log_error("demo dataset: %s", cause != NULL ? cause :
		    iod_strerror(rc));
		return (1);
	}
	if ((srv->base = base_new()) == NULL ||
	    (srv->http = evhttp_new(srv->base)) == NULL) {
		log_error("libevent cannot start");
		return (1);
	}
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_HEAD);
	/* conn.c reads bodies and bounds heads; evhttp gets heads only. */
	evhttp_set_max_body_size(srv->http, 0);
	evhttp_set_max_headers_size(srv->http, 2 * CONN_HEAD_MAX);
	evhttp_set_timeout(srv->http, timeout_s);
	evhttp_set_gencb(srv->http, http_dispatch, NULL);
	/* Signals first: once it says it listens, SIGTERM is a clean stop. */
	for (i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(srv->base, signos[i], on_signal, NULL);
		event_add(sigs[i], NULL);
	}
	if ((bs = listen_on(listen)) == NULL) {
		log_error("cannot listen on %s: %s", listen, strerror(errno));
		return (1);
	}
	/* A head comes within the request deadline too. */
	if (lim.header_timeout_s > timeout_s)
		lim.header_timeout_s = timeout_s;
	if (conn_init(srv->http, bs, &lim, tls_cert,
	    tls_key, &cause) != 0) {
		log_error("%s", cause != NULL ? cause : "out of memory");
		return (1);
	}
	expire_ev = event_new(srv->base, -1, EV_PERSIST, on_expire, NULL);
	event_add(expire_ev, &minute);
	/* Before the loop no transaction is open: expire at once. */
	if ((rc = server_task(proposal_expire, "iodd")) > 0)
		log_info("%d proposals expired", rc);
	(void)stall_due();
	if ((rc = server_task(stall_sweep, "iodd")) > 0)
		log_info("%d stalls and caseloads announced", rc);
	if (notify_init(srv->base) != 0) {
		log_error("notifications cannot start: out of memory");
		return (1);
	}
	if (srv->conf != NULL && mail_init(srv->base, &srv->conf->smtp) != 0) {
		log_error("mail cannot start");
		return (1);
	}
	if (api_accounts_start(srv->conf) != 0) {
		log_error("sign-ins cannot start: out of memory or threads");
		return (1);
	}
	remind_ev = event_new(srv->base, -1, EV_PERSIST, on_remind, NULL);
	event_add(remind_ev, &five_minutes);
	purge_ev = event_new(srv->base, -1, EV_PERSIST, on_audit_purge, NULL);
	event_add(purge_ev, &hour);
	on_audit_purge(-1, 0, NULL);
	on_remind(-1, 0, NULL);

	while (!srv->quit) {
		if (event_base_loop(srv->base, EVLOOP_ONCE) < 0) {
			log_error("event loop: %s", strerror(errno));
			srv->exit_status = 1;
			break;
		}
		server_after_turn();
	}

	/* Stop accepting, end the event streams, let the replies already
	 * written go out, close. */
	evhttp_del_accept_socket(srv->http, bs);
	notify_stop();
	mail_stop();
	conn_stop();
	grace_ev = evtimer_new(srv->base, on_grace, &grace_over);
	evtimer_add(grace_ev, &grace);
	while (!grace_over) {
		if (event_base_loop(srv->base, EVLOOP_ONCE) < 0)
			break;
		server_after_turn();
	}
	event_free(grace_ev);
	api_accounts_stop();
	api_replay_stop();
	server_store_stop();
	for (i = 0; i < 3; i++)
		event_free(sigs[i]);
	event_free(expire_ev);
	event_free(remind_ev);
	event_free(purge_ev);
	mail_free();
	notify_free();
	evhttp_free(srv->http);
	conn_free();
	event_base_free(srv->base);
	store_close(srv->st);
	index_free();
	stall_free();
	rulesets_free();
	conf_free(srv->conf);
	refdata_free();
	if (srv->exit_status != 0) {
		log_error("stopped after a fatal error");
		return (srv->exit_status);
	}
	log_info("stopped");
	return (0);
}
