/*
 * metrics.c — what an operator watches, in the Prometheus text format:
 * requests by route and status with their latency histograms, proposals
 * and hires, match latency, and gauges read at scrape time (open offers,
 * candidates by status, the LMDB map, the event log, connections).  The
 * counters live here; everything else is asked of its owner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "daemon.h"

#define NBOUNDS		14
#define NCODES		12

static const double	bounds[NBOUNDS] = { 0.0001, 0.00025, 0.0005, 0.001,
    0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };

struct hist {
	uint64_t	 bucket[NBOUNDS + 1];	/* the last is +Inf */
	uint64_t	 count;
	double		 sum;
};

struct route_stat {
	int		 code[NCODES];
	uint64_t	 n[NCODES];
	struct hist	 latency;
};

static struct route_stat	*stats;		/* by route, then "other" */
static size_t			 nstats;
static struct hist		 match_latency;
static uint64_t			 counters[M__N];

static const char *const counter_names[] = {
	"iod_proposals_total", "iod_hires_total", NULL };
static const char *const counter_help[] = {
	"Proposals recorded.", "Proposals hired.", NULL };

static void
observe(struct hist *h, double s)
{
	int	i;

	for (i = 0; i < NBOUNDS && s > bounds[i]; i++)
		;
	h->bucket[i]++;
	h->count++;
	h->sum += s;
}

static double
since(const struct timespec *t0)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ((double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9);
}

void
metrics_request(const struct route *r, int code, const struct timespec *t0)
{
	struct route_stat	*st;
	size_t			 i, n;

	if (stats == NULL) {
		for (n = 0; routes[n].method != NULL; n++)
			;
		if ((stats = calloc(n + 1, sizeof(*stats))) == NULL)
			return;
		nstats = n + 1;
	}
	st = &stats[r != NULL ? (size_t)(r - routes) : nstats - 1];
	for (i = 0; i < NCODES; i++)
		if (st->code[i] == code || st->code[i] == 0)
			break;
	if (i < NCODES) {
		st->code[i] = code;
		st->n[i]++;
	}
	observe(&st->latency, since(t0));
}

void
metrics_match(const struct timespec *t0)
{
	observe(&match_latency, since(t0));
}

void
metrics_count(enum metric m)
{
	counters[m]++;
}

static void
hist_out(struct evbuffer *out, const char *name, const char *labels,
    const struct hist *h)
{
	uint64_t	cum = 0;
	int		i;

	for (i = 0; i < NBOUNDS; i++) {
		cum += h->bucket[i];
		evbuffer_add_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name,
		    labels, *labels ? "," : "", bounds[i],
		    (unsigned long long)cum);
	}
	cum += h->bucket[NBOUNDS];
	evbuffer_add_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name,
	    labels, *labels ? "," : "", (unsigned long long)cum);
	evbuffer_add_printf(out, "%s_sum%s%s%s %.9f\n", name, *labels ? "{" :
	    "", labels, *labels ? "}" : "", h->sum);
	evbuffer_add_printf(out, "%s_count%s%s%s %llu\n", name, *labels ?
	    "{" : "", labels, *labels ? "}" : "", (unsigned long long)h->count);
}

struct scrape {
	uint64_t	 open_offers;
	uint64_t	 by_status[CAND__N];
};

static int
offers_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct scrape	*s = arg;
	struct offer	 o;

	(void)k; (void)kl;
	memset(&o, 0, sizeof(o));
	if (rec_decode(&offer_schema, &o, v, vl) == 0 && o.status == OFFER_OPEN)
		s->open_offers++;
	rec_clear(&offer_schema, &o);
	return (0);
}

int
api_metrics(struct reqctx *ctx)
{
	struct evbuffer	*out = evbuffer_new();
	struct scrape	 s;
	char		 labels[160];
	size_t		 i, j;
	int		 k;

	memset(&s, 0, sizeof(s));
	store_scan(ctx->txn, DB_OFFERS, NULL, 0, 0, offers_cb, &s);
	evbuffer_add_printf(out, "# HELP iod_http_requests_total HTTP requests "
	    "answered, by route and status.\n"
	    "# TYPE iod_http_requests_total counter\n");
	for (i = 0; i < nstats; i++)
		for (j = 0; j < NCODES && stats[i].code[j] != 0; j++)
			evbuffer_add_printf(out, "iod_http_requests_total{"
			    "method=\"%s\",route=\"%s\",status=\"%d\"} %llu\n",
			    i < nstats - 1 ? routes[i].method : "any",
			    i < nstats - 1 ? routes[i].path : "other",
			    stats[i].code[j], (unsigned long long)stats[i].n[j]);
	evbuffer_add_printf(out, "# HELP iod_http_request_duration_seconds "
	    "Time from request to reply, commit included.\n"
	    "# TYPE iod_http_request_duration_seconds histogram\n");
	for (i = 0; i < nstats; i++) {
		if (stats[i].latency.count == 0)
			continue;
		snprintf(labels, sizeof(labels), "method=\"%s\",route=\"%s\"",
		    i < nstats - 1 ? routes[i].method : "any",
		    i < nstats - 1 ? routes[i].path : "other");
		hist_out(out, "iod_http_request_duration_seconds", labels,
		    &stats[i].latency);
	}
	evbuffer_add_printf(out, "# HELP iod_match_duration_seconds Time to "
	    "rank the candidates of one offer.\n"
	    "# TYPE iod_match_duration_seconds histogram\n");
	hist_out(out, "iod_match_duration_seconds", "", &match_latency);
	for (k = 0; counter_names[k] != NULL; k++)
		evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s counter\n"
		    "%s %llu\n", counter_names[k], counter_help[k],
		    counter_names[k], counter_names[k],
		    (unsigned long long)counters[k]);
	index_count_by_status(s.by_status, CAND__N);
	evbuffer_add_printf(out, "# HELP iod_candidates Candidates by status.\n"
	    "# TYPE iod_candidates gauge\n");
	for (k = 0; k < CAND__N; k++)
		evbuffer_add_printf(out, "iod_candidates{status=\"%s\"} %llu\n",
		    candidate_status_names[k],
		    (unsigned long long)s.by_status[k]);
	evbuffer_add_printf(out,
	    "# HELP iod_open_offers Offers open to proposals.\n"
	    "# TYPE iod_open_offers gauge\niod_open_offers %llu\n"
	    "# HELP iod_lmdb_map_size_bytes Size of the LMDB map.\n"
	    "# TYPE iod_lmdb_map_size_bytes gauge\n"
	    "iod_lmdb_map_size_bytes %zu\n"
	    "# HELP iod_lmdb_map_used_bytes Bytes of the map in use.\n"
	    "# TYPE iod_lmdb_map_used_bytes gauge\n"
	    "iod_lmdb_map_used_bytes %zu\n"
	    "# HELP iod_event_log_length Events in the durable log.\n"
	    "# TYPE iod_event_log_length gauge\niod_event_log_length %llu\n"
	    "# HELP iod_connections Open client connections.\n"
	    "# TYPE iod_connections gauge\niod_connections %zu\n",
	    (unsigned long long)s.open_offers, store_map_size(srv->st),
	    store_map_used(srv->st), (unsigned long long)event_last(ctx->txn),
	    conn_count());
	evbuffer_add_printf(out, "# HELP iod_erasure_pending 1 while an "
	    "erasure waits for the store's compaction (no room for the copy, "
	    "or copying).\n# TYPE iod_erasure_pending gauge\n"
	    "iod_erasure_pending %d\n", server_scrub_waiting());
	evbuffer_add_printf(out, "# HELP iod_index_rebuilds_total Times the "
	    "index was read again from the store after a write did not "
	    "commit.\n# TYPE iod_index_rebuilds_total counter\n"
	    "iod_index_rebuilds_total %llu\n",
	    (unsigned long long)srv->index_rebuilds);
	mail_metrics(out);
	return (http_reply_text(ctx, 200, "text/plain; version=0.0.4; "
	    "charset=utf-8", out));
}
