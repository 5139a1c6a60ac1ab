/*
 * hload.c — the benchmarks' HTTP load generator: it walks a list of request
 * paths, each once and in order, over N keep-alive connections (libevent's
 * HTTP client, one thread: a connection takes the next path as soon as its
 * reply is in), times each request from its sending to the end of its
 * reply, and prints one JSON object: the wall time, the rate, latency
 * percentiles and the count of each status.  It may save every reply, one
 * line "index TAB status TAB body", for the caller to check, and each
 * request's latency in ns, one a line in list order (--times).  Every request
 * may carry the same JSON body (--body).  wrk cannot do
 * this: it runs for a fixed duration, so its rate counts the idle time after
 * the list is exhausted, and it does not stop when the ids run out.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#define MAX_CONNS	1024
#define NSTATUS		600

struct conn {
	struct evhttp_connection *evcon;
};

struct slot {				/* one request */
	struct conn	*c;
	uint64_t	 start, ns;
	int		 status;
};

static struct event_base	*base;
static char			**paths;
static struct slot		*slots;
static size_t			 npaths, next, done;
static enum evhttp_cmd_type	 method = EVHTTP_REQ_GET;
static const char		*host = "127.0.0.1", *token, *reqbody;
static FILE			*save, *times;
static uint64_t			 count[NSTATUS + 1];	/* NSTATUS: other */

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "hload: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

static void	issue(struct conn *);

/* A reply (or a failure, req NULL): count it, save it, send the next. */
static void
done_cb(struct evhttp_request *req, void *arg)
{
	struct slot	*s = arg;
	struct evbuffer	*in;
	unsigned char	*body;
	size_t		 len, i;

	s->ns = now_ns() - s->start;
	s->status = req != NULL ? evhttp_request_get_response_code(req) : 0;
	count[s->status >= 0 && s->status < NSTATUS ? s->status : NSTATUS]++;
	if (save != NULL) {
		fprintf(save, "%zu\t%d\t", (size_t)(s - slots), s->status);
		if (req != NULL) {
			in = evhttp_request_get_input_buffer(req);
			len = evbuffer_get_length(in);
			body = evbuffer_pullup(in, (ssize_t)len);
			for (i = 0; i < len; i++)
				fputc(body[i] == '\n' || body[i] == '\t' ? ' ' :
				    body[i], save);
		}
		fputc('\n', save);
	}
	if (++done == npaths)
		event_base_loopexit(base, NULL);
	else
		issue(s->c);
}

/* Send the next path of the list on c, if any is left. */
static void
issue(struct conn *c)
{
	struct evhttp_request	*req;
	struct evkeyvalq	*h;
	struct slot		*s;
	char			 auth[512];

	if (next == npaths)
		return;
	s = &slots[next];
	s->c = c;
	if ((req = evhttp_request_new(done_cb, s)) == NULL)
		die("out of memory");
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", host);
	if (reqbody != NULL) {
		evhttp_add_header(h, "Content-Type", "application/json");
		evbuffer_add_reference(evhttp_request_get_output_buffer(req),
		    reqbody, strlen(reqbody), NULL, NULL);
	}
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Bearer %s", token);
		evhttp_add_header(h, "Authorization", auth);
	}
	s->start = now_ns();
	if (evhttp_make_request(c->evcon, req, method, paths[next]) != 0)
		die("cannot send %s", paths[next]);
	next++;
}

static void
read_paths(const char *file)
{
	char	*line = NULL;
	size_t	 cap = 0, len;
	ssize_t	 n;
	FILE	*f;

	if ((f = fopen(file, "r")) == NULL)
		die("%s: %s", file, strerror(errno));
	while ((n = getline(&line, &cap, f)) != -1) {
		len = (size_t)n;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if ((paths = reallocarray(paths, npaths + 1,
		    sizeof(*paths))) == NULL ||
		    (paths[npaths++] = strdup(line)) == NULL)
			die("out of memory");
	}
	free(line);
	fclose(f);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* The value of nearest rank p (0..100] in the sorted v, in µs. */
static double
rank_us(const uint64_t *v, size_t n, double p)
{
	size_t	k = (size_t)((double)n * p / 100.0 + 0.999999);

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return ((double)v[k - 1] / 1e3);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: hload --port N [--host ADDR] [--method GET|"
	    "POST] [--conns N] [--token T]\n"
	    "             [--body JSON] [--save FILE] [--times FILE] PATHFILE\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'h' },
		{ "method", required_argument, NULL, 'm' },
		{ "conns", required_argument, NULL, 'c' },
		{ "token", required_argument, NULL, 't' },
		{ "save", required_argument, NULL, 's' },
		{ "body", required_argument, NULL, 'b' },
		{ "times", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	struct conn	*conns;
	uint64_t	*ns, t0, t1;
	double		 sum = 0;
	json_t		*out, *st;
	char		 key[16], *end;
	long		 port = 0, nconns = 16;
	size_t		 i;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*end != '\0' || port < 1 || port > 65535)
				die("--port %s: expected 1 to 65535", optarg);
			break;
		case 'h':
			host = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "GET") == 0)
				method = EVHTTP_REQ_GET;
			else if (strcmp(optarg, "POST") == 0)
				method = EVHTTP_REQ_POST;
			else
				die("--method %s: expected GET or POST",
				    optarg);
			break;
		case 'c':
			nconns = strtol(optarg, &end, 10);
			if (*end != '\0' || nconns < 1 || nconns > MAX_CONNS)
				die("--conns %s: expected 1 to %d", optarg,
				    MAX_CONNS);
			break;
		case 't':
			token = optarg;
			break;
		case 's':
			if ((save = fopen(optarg, "w")) == NULL)
				die("%s: %s", optarg, strerror(errno));
			break;
		case 'b':
			reqbody = optarg;
			break;
		case 'T':
			if ((times = fopen(optarg, "w")) == NULL)
				die("%s: %s", optarg, strerror(errno));
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || port == 0)
		usage();
	read_paths(argv[optind]);
	if ((slots = calloc(npaths + 1, sizeof(*slots))) == NULL ||
	    (ns = calloc(npaths + 1, sizeof(*ns))) == NULL ||
	    (conns = calloc((size_t)nconns, sizeof(*conns))) == NULL ||
	    (base = event_base_new()) == NULL)
		die("out of memory");
	for (i = 0; i < (size_t)nconns; i++) {
		if ((conns[i].evcon = evhttp_connection_base_new(base, NULL,
		    host, (unsigned short)port)) == NULL)
			die("cannot connect to %s:%ld", host, port);
		evhttp_connection_set_timeout(conns[i].evcon, 600);
	}
	t0 = now_ns();
	for (i = 0; i < (size_t)nconns; i++)
		issue(&conns[i]);
	if (npaths > 0)
		event_base_dispatch(base);
	t1 = now_ns();

	for (i = 0; i < npaths; i++) {
		ns[i] = slots[i].ns;
		sum += (double)ns[i];
		if (times != NULL)
			fprintf(times, "%" PRIu64 "\n", ns[i]);
	}
	if (times != NULL && (ferror(times) || fclose(times) != 0))
		die("cannot write the latencies");
	qsort(ns, npaths, sizeof(*ns), cmp_u64);
	st = json_object();
	for (i = 0; i <= NSTATUS; i++)
		if (count[i] > 0) {
			if (i == NSTATUS)
				snprintf(key, sizeof(key), "other");
			else
				snprintf(key, sizeof(key), "%zu", i);
			json_object_set_new(st, key,
			    json_integer((json_int_t)count[i]));
		}
	out = json_pack("{s:I, s:i, s:f, s:f, s:o}", "n", (json_int_t)npaths,
	    "conns", (int)nconns, "wall_s", (double)(t1 - t0) / 1e9, "per_s",
	    t1 > t0 ? (double)npaths / ((double)(t1 - t0) / 1e9) : 0.0,
	    "status", st);
	if (npaths > 0) {
		json_object_set_new(out, "mean_us",
		    json_real(sum / (double)npaths / 1e3));
		json_object_set_new(out, "median_us",
		    json_real(rank_us(ns, npaths, 50)));
		json_object_set_new(out, "p90_us",
		    json_real(rank_us(ns, npaths, 90)));
		json_object_set_new(out, "p99_us",
		    json_real(rank_us(ns, npaths, 99)));
		json_object_set_new(out, "max_us",
		    json_real((double)ns[npaths - 1] / 1e3));
	}
	json_dumpf(out, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(6));
	fputc('\n', stdout);
	json_decref(out);
	if (save != NULL && (ferror(save) || fclose(save) != 0))
		die("cannot write the saved replies");
	for (i = 0; i < (size_t)nconns; i++)
		evhttp_connection_free(conns[i].evcon);
	event_base_free(base);
	for (i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	free(slots);
	free(ns);
	free(conns);
	return (count[0] > 0 || count[NSTATUS] > 0 ? 1 : 0);
}
