/*
 * bench_match.c — the in-process half of the benchmark: it loads a dataset
 * written by bench/gen into libiod's matching index (reference data, the
 * rule set compiled, every candidate through rec_from_json and index_put),
 * then records every proposable offer's best candidate (for the peers, who
 * know nothing of open proposals), puts the index in its service state (a
 * proposal opened for each offer in turn, as the daemon does), and in that
 * state times match_run (the indexed search over the columns, want 1),
 * match_scan (the same lists, one packed entry at a time) and match_naive
 * (the same rules, every candidate scanned: the baseline peer) on every
 * offer and checks that all three give the same best candidate, score,
 * eligible count and removals; closes those proposals again; builds the batch assignment's edges with match_each exactly as
 * api_match_batch does and times assign_solve; times the start-up
 * (index_load, then every sorted list) on a store the daemon wrote, and
 * on a synthetic store of N candidates, with the index's memory.  It prints
 * one JSON object of figures and writes, for bench/bench.py and the peers,
 * the best candidate of each offer, the batch's edges and its assignment.
 * It talks to no daemon and to no peer: bench/bench.py does.  At national
 * scale, --offers N searches N offers spread over the proposable ones
 * (and opens their proposals only) and --no-batch leaves the batch out.
 *
 * Ids: the n-th line of a .jsonl file is record n, as in a store loaded
 * in file order.  Exits 1 when the indexed search disagrees with
 * match_scan or match_naive (each disagreement is printed on stderr), 2
 * on a usage or load error.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "rules.h"
#include "bench_match.h"

struct ruleset		*rs;
struct boffer		*offers;
size_t			 noffers;
static size_t		 nlines_offers;
static struct company	*companies;
static size_t		 ncompanies;

void
die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "bench_match: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

double
secs(uint64_t ns)
{
	return ((double)ns / 1e9);
}

static char *
path_of(const char *dir, const char *name)
{
	char	*p;

	if (asprintf(&p, "%s/%s", dir, name) == -1)
		die("out of memory");
	return (p);
}

/*
 * Call fn for each record of DIR/NAME.jsonl, decoded with sc into rec
 * (zeroed before, cleared after), with its id: its line number.
 */
static void
each_record(const char *dir, const char *name, const struct schema *sc,
    void (*fn)(void *rec, void *arg), void *arg)
{
	char		*path = path_of(dir, name), *line = NULL, *field, *cause;
	size_t		 cap = 0;
	ssize_t		 len;
	uint64_t	 id = 0;
	json_error_t	 err;
	json_t		*j;
	void		*rec;
	FILE		*f;

	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	if ((rec = rec_new(sc)) == NULL)
		die("out of memory");
	while ((len = getline(&line, &cap, f)) != -1) {
		id++;
		if ((j = json_loadb(line, (size_t)len, 0, &err)) == NULL)
			die("%s:%" PRIu64 ": %s", path, id, err.text);
		field = cause = NULL;
		if (rec_from_json(sc, rec, j, &field, &cause) != 0)
			die("%s:%" PRIu64 ": %s", path, id,
			    cause != NULL ? cause : "invalid");
		json_decref(j);
		*(uint64_t *)rec = id;	/* every record begins with its id */
		fn(rec, arg);
		rec_clear(sc, rec);
		memset(rec, 0, sc->size);
	}
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	free(rec);
	free(line);
	free(path);
}

static void
put_company(void *rec, void *arg)
{
	struct company	*p;

	(void)arg;
	if ((p = reallocarray(companies, ncompanies + 1, sizeof(*p))) == NULL)
		die("out of memory");
	companies = p;
	companies[ncompanies++] = *(struct company *)rec;
	memset(rec, 0, sizeof(struct company));	/* ownership moved */
}

static void
put_candidate(void *rec, void *arg)
{
	(void)arg;
	if (index_put(rec) != 0)
		die("index_put: out of memory");
}

/* Keep the offers the daemon would make a proposal for (api_propose). */
static void
put_offer(void *rec, void *arg)
{
	const struct offer	*o = rec;
	const struct company	*co = NULL;
	struct boffer		*p;

	(void)arg;
	nlines_offers++;
	if (o->status != OFFER_OPEN ||
	    (o->ruleset != NULL && strcmp(o->ruleset, rs->name) != 0) ||
	    (rs->policies.require_workstation_visit &&
	    o->workstation_visit.on == 0))
		return;
	if ((p = reallocarray(offers, noffers + 1, sizeof(*p))) == NULL)
		die("out of memory");
	offers = p;
	p = &offers[noffers];
	memset(p, 0, sizeof(*p));
	if (o->company_id >= 1 && o->company_id <= ncompanies)
		co = &companies[o->company_id - 1];
	if (match_prepare(rs, o, co, &p->mo) != 0)
		return;		/* a ROME code gone from the table: a 409 */
	p->id = o->id;
	noffers++;
}

/*
 * Keep max of the proposable offers, spread over the file (every k-th):
 * at national scale, a million offers searched four times each would
 * take the benchmark hours.
 */
static void
spread_offers(size_t max)
{
	size_t	i, k, step;

	if (max >= noffers)
		return;
	step = noffers / max;
	for (i = 0, k = 0; k < max; i += step, k++)
		offers[k] = offers[i];
	noffers = max;
}

/* Build every rule-set view list now, as the first searches would. */
static void
warm_views(void)
{
	const struct pentry	*list;
	const int16_t		*terr;
	uint32_t		 n, r;

	for (r = 0; r < refdata_get()->nrome; r++)
		if (index_candidates(rs, (int)r, &list, &n, &terr) != 0)
			die("index_candidates: out of memory");
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Latencies in ns, sorted in place, as {n, wall_s, per_s, *_us}. */
static json_t *
lat_json(uint64_t *ns, size_t n, uint64_t wall)
{
	double	sum = 0;
	size_t	i, k99;

	if (n == 0)
		return (json_pack("{s:i}", "n", 0));
	qsort(ns, n, sizeof(*ns), cmp_u64);
	for (i = 0; i < n; i++)
		sum += (double)ns[i];
	k99 = (n * 99 + 99) / 100;	/* ceil(0.99 n), the nearest rank */
	return (json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f}", "n",
	    (json_int_t)n, "wall_s", secs(wall), "per_s",
	    wall > 0 ? (double)n / secs(wall) : 0.0, "mean_us", sum / n / 1e3,
	    "median_us", (n % 2 ? (double)ns[n / 2] :
	    ((double)ns[n / 2 - 1] + (double)ns[n / 2]) / 2) / 1e3,
	    "p99_us", (double)ns[k99 - 1] / 1e3, "max_us",
	    (double)ns[n - 1] / 1e3));
}

/* Every offer's best candidate with no proposal open: the peers'. */
static void
record_best(void)
{
	struct mresult	 r;
	size_t		 i;

	for (i = 0; i < noffers; i++) {
		memset(&r, 0, sizeof(r));
		r.want = 1;
		if (match_run(rs, &offers[i].mo, &r) != 0)
			die("match_run: out of memory");
		offers[i].eligible = r.eligible;
		offers[i].best_slot = r.ntop > 0 ? r.top[0].slot : UINT32_MAX;
		offers[i].best_score = r.ntop > 0 ? r.top[0].score : 0;
		match_result_free(&r);
	}
}

/*
 * The service state: each offer in turn gets a proposal for its best
 * candidate, as api_propose makes it (the candidate busy, the offer's
 * proposal recorded), so that later searches see the earlier proposals.
 * Returns how many were opened.
 */
static size_t
propose_all(void)
{
	struct mresult	 r;
	struct mcand	*c;
	size_t		 i, n = 0;

	for (i = 0; i < noffers; i++) {
		memset(&r, 0, sizeof(r));
		r.want = 1;
		if (match_run(rs, &offers[i].mo, &r) != 0)
			die("match_run: out of memory");
		if (r.ntop > 0) {
			c = index_cand_by_slot(r.top[0].slot);
			index_open(c, 1);
			if (index_offer_open_set(offers[i].id, i + 1) != 0)
				die("out of memory");
			offers[i].proposed = c;
			n++;
		}
		match_result_free(&r);
	}
	return (n);
}

/* Close the proposals of propose_all: the index as it was. */
static void
withdraw_all(void)
{
	size_t	i;

	for (i = 0; i < noffers; i++)
		if (offers[i].proposed != NULL) {
			index_open(offers[i].proposed, -1);
			(void)index_offer_open_set(offers[i].id, 0);
			offers[i].proposed = NULL;
		}
}

/* The CPU time of the calling thread, in ns: what it ran, not the time
 * the scheduler gave others meanwhile. */
static uint64_t
thread_cpu_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

/*
 * One search per offer in service state, indexed: the timed loop, its
 * wall time a search and, under "cpu", the thread's CPU time a search
 * (read outside the wall clock's reads), which a busy machine's
 * preemptions do not inflate.
 */
static json_t *
run_indexed(void)
{
	struct mresult	*r;
	uint64_t	*ns, *cpu, t0, t1, c0, c1, start, cstart;
	size_t		 i;
	json_t		*j;

	if ((ns = calloc(noffers + 1, sizeof(*ns))) == NULL ||
	    (cpu = calloc(noffers + 1, sizeof(*cpu))) == NULL)
		die("out of memory");
	start = now_ns();
	cstart = thread_cpu_ns();
	for (i = 0; i < noffers; i++) {
		r = &offers[i].served;
		memset(r, 0, sizeof(*r));
		r->want = 1;
		c0 = thread_cpu_ns();
		t0 = now_ns();
		if (match_run(rs, &offers[i].mo, r) != 0)
			die("match_run: out of memory");
		t1 = now_ns();
		c1 = thread_cpu_ns();
		ns[i] = t1 - t0;
		cpu[i] = c1 - c0;
	}
	j = lat_json(ns, noffers, now_ns() - start);
	json_object_set_new(j, "cpu", lat_json(cpu, noffers,
	    thread_cpu_ns() - cstart));
	free(ns);
	free(cpu);
	return (j);
}

/* Whether two answers differ: candidate, score, eligible, removals. */
static int
differ(const struct mresult *a, const struct mresult *b)
{
	return (a->ntop != b->ntop || (a->ntop > 0 &&
	    (a->top[0].slot != b->top[0].slot ||
	    a->top[0].score != b->top[0].score)) ||
	    a->eligible != b->eligible ||
	    memcmp(a->removed, b->removed, sizeof(a->removed)) != 0);
}

/*
 * The same offers through match_scan, the packed entries one at a time
 * (the search before the columns); disagreements added to *bad.
 */
static json_t *
run_scan(size_t *bad)
{
	struct mresult	 r;
	uint64_t	*ns, t0, t1, start;
	size_t		 i;
	json_t		*j;

	if ((ns = calloc(noffers + 1, sizeof(*ns))) == NULL)
		die("out of memory");
	start = now_ns();
	for (i = 0; i < noffers; i++) {
		memset(&r, 0, sizeof(r));
		r.want = 1;
		t0 = now_ns();
		if (match_scan(rs, &offers[i].mo, &r) != 0)
			die("match_scan: out of memory");
		t1 = now_ns();
		ns[i] = t1 - t0;
		if (differ(&r, &offers[i].served)) {
			fprintf(stderr, "MISMATCH offer %" PRIu64 ": match_run "
			    "and match_scan\n", offers[i].id);
			(*bad)++;
		}
		match_result_free(&r);
	}
	j = lat_json(ns, noffers, now_ns() - start);
	free(ns);
	return (j);
}

/* The same offers scanned naively; disagreements added to *bad. */
static json_t *
run_naive(size_t max, size_t *bad)
{
	struct mresult	 r, *w;
	struct boffer	*b;
	uint64_t	*ns, t0, t1, start, want_id, got_id;
	size_t		 i, n = max != 0 && max < noffers ? max : noffers;
	size_t		 step = n < noffers ? noffers / n : 1;
	json_t		*j;

	if ((ns = calloc(n + 1, sizeof(*ns))) == NULL)
		die("out of memory");
	start = now_ns();
	for (i = 0; i < n; i++) {
		b = &offers[i * step];
		w = &b->served;
		memset(&r, 0, sizeof(r));
		r.want = 1;
		t0 = now_ns();
		if (match_naive(rs, &b->mo, &r) != 0)
			die("match_naive: out of memory");
		t1 = now_ns();
		ns[i] = t1 - t0;
		if (differ(&r, w)) {
			want_id = r.ntop > 0 ?
			    index_cand_by_slot(r.top[0].slot)->id : 0;
			got_id = w->ntop > 0 ?
			    index_cand_by_slot(w->top[0].slot)->id : 0;
			fprintf(stderr, "MISMATCH offer %" PRIu64 ": match_run "
			    "candidate %" PRIu64 " score %d eligible %u, "
			    "match_naive candidate %" PRIu64 " score %d "
			    "eligible %u (or a removal)\n", b->id, got_id,
			    w->ntop > 0 ? w->top[0].score : 0, w->eligible,
			    want_id, r.ntop > 0 ? r.top[0].score : 0,
			    r.eligible);
			(*bad)++;
		}
		match_result_free(&r);
	}
	j = lat_json(ns, n, now_ns() - start);
	free(ns);
	for (i = 0; i < noffers; i++)
		match_result_free(&offers[i].served);
	return (j);
}

static void
write_best(const char *path)
{
	FILE	*f;
	size_t	 i;

	if ((f = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "offer_id\tcandidate_id\tscore\teligible\n");
	for (i = 0; i < noffers; i++)
		fprintf(f, "%" PRIu64 "\t%" PRIu64 "\t%d\t%u\n", offers[i].id,
		    offers[i].best_slot != UINT32_MAX ?
		    index_cand_by_slot(offers[i].best_slot)->id : 0,
		    offers[i].best_score, offers[i].eligible);
	if (ferror(f) || fclose(f) != 0)
		die("%s: write error", path);
}

/* ---- start-up: index_load ------------------------------------------------ */

/* The CPU time of this process, every thread's. */
static uint64_t
cpu_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

/* VmRSS of this process, in bytes (0 if unknown). */
static size_t
rss_bytes(void)
{
	FILE	*f;
	char	 line[256];
	size_t	 kb = 0;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return (0);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %zu kB", &kb) == 1)
			break;
	fclose(f);
	return (kb * 1024);
}

#define STARTUP_RUNS	3

/*
 * Rebuild the index from the store in dir, as the daemon's start-up does
 * (the candidates, the policy state), then sort every list of the rule
 * set (index_warm, as the first searches would), three times:
 * {candidates, threads (index_threads: at most), load_s, view_s,
 * ready_s (the median run's), cpu_s (its CPU time, every thread's),
 * ready_runs_s, heap_bytes (what the index holds: malloc's bytes in use
 * after it, less before), rss_bytes (VmRSS then, the store's pages read
 * included)}.
 */
static json_t *
time_index_load(const char *dir)
{
	struct store	*st;
	struct txn	 t;
	struct mallinfo2 m0, m1;
	uint64_t	 t0, t1, t2, c0;
	double		 load[STARTUP_RUNS], view[STARTUP_RUNS];
	double		 ready[STARTUP_RUNS], cpu[STARTUP_RUNS], x;
	char		*cause = NULL;
	size_t		 heap = 0, rss = 0;
	int		 rc, k, i, med;
	json_t		*runs;

	if ((rc = store_open(&st, dir, 64u << 20, (size_t)64 << 30, &cause))
	    != 0)
		die("%s", cause != NULL ? cause : iod_strerror(rc));
	for (k = 0; k < STARTUP_RUNS; k++) {
		index_free();
		m0 = mallinfo2();
		if (index_init() != 0 || store_begin(st, &t, 0, NULL) != 0)
			die("index_init or store_begin failed");
		c0 = cpu_ns();
		t0 = now_ns();
		/* As the daemon's start-up: the candidates, then the policy
		 * state. */
		if ((rc = index_load(&t)) != 0 || (rc = proposal_load(&t)) != 0)
			die("index_load: %s", iod_strerror(rc));
		t1 = now_ns();
		store_abort(&t);
		if (index_warm(rs) != 0)
			die("index_warm: out of memory");
		t2 = now_ns();
		cpu[k] = secs(cpu_ns() - c0);
		m1 = mallinfo2();
		heap = m1.uordblks + m1.hblkhd - m0.uordblks - m0.hblkhd;
		rss = rss_bytes();
		load[k] = secs(t1 - t0);
		view[k] = secs(t2 - t1);
		ready[k] = secs(t2 - t0);
	}
	store_close(st);
	runs = json_array();
	for (k = 0; k < STARTUP_RUNS; k++)
		json_array_append_new(runs, json_real(ready[k]));
	/* The median run: the one with as many runs faster as slower. */
	for (med = 0, k = 0; k < STARTUP_RUNS; k++) {
		for (rc = 0, i = 0; i < STARTUP_RUNS; i++)
			rc += ready[i] < ready[k];
		if (rc == STARTUP_RUNS / 2)
			med = k;
	}
	x = ready[med];
	return (json_pack("{s:I, s:i, s:f, s:f, s:f, s:f, s:o, s:I, s:I}",
	    "candidates", (json_int_t)index_live(), "threads",
	    index_threads(0, 0), "load_s", load[med], "view_s",
	    view[med], "ready_s", x, "cpu_s", cpu[med], "ready_runs_s", runs,
	    "heap_bytes", (json_int_t)heap, "rss_bytes", (json_int_t)rss));
}

struct synth {
	struct store	*st;
	struct txn	 t;
	uint64_t	 next, n, inchunk;
};

/* Store the candidate again under the next id, 10,000 per commit. */
static void
put_synth(void *rec, void *arg)
{
	struct synth		*sy = arg;
	struct candidate	*c = rec;
	int			 rc;

	if (sy->next > sy->n)
		return;
	if (sy->inchunk == 0 && store_begin(sy->st, &sy->t, 1, NULL) != 0)
		die("store_begin failed");
	c->id = sy->next++;
	store_put_rec(&sy->t, DB_CANDIDATES, c->id, &candidate_schema, c);
	if (++sy->inchunk == 10000 || sy->next > sy->n) {
		if ((rc = store_commit(&sy->t)) != 0)
			die("synthetic store: %s", iod_strerror(rc));
		sy->inchunk = 0;
	}
}

/*
 * Write n candidates (the dataset's, cycled, under new ids) into a fresh
 * store under tmp, then time index_load on it.
 */
static json_t *
time_synth(const struct opts *op)
{
	struct synth	 sy;
	struct stat	 sb;
	uint64_t	 t0, t1, prev;
	char		*dir, *cause = NULL, *p;
	size_t		 map;
	json_t		*j;
	int		 rc;

	dir = path_of(op->tmp, "synth-store.XXXXXX");
	if (mkdtemp(dir) == NULL)
		die("%s: %s", dir, strerror(errno));
	map = (size_t)op->synth * 2048 + ((size_t)64 << 20);
	memset(&sy, 0, sizeof(sy));
	if ((rc = store_open(&sy.st, dir, map, map * 2, &cause)) != 0)
		die("%s", cause != NULL ? cause : iod_strerror(rc));
	sy.next = 1;
	sy.n = op->synth;
	t0 = now_ns();
	while (sy.next <= sy.n) {
		prev = sy.next;
		each_record(op->gen, "candidates.jsonl", &candidate_schema,
		    put_synth, &sy);
		if (sy.next == prev)
			die("--synth: the dataset has no candidate to cycle");
	}
	t1 = now_ns();
	store_close(sy.st);
	p = path_of(dir, "data.mdb");
	sb.st_size = 0;
	stat(p, &sb);
	j = time_index_load(dir);
	json_object_set_new(j, "write_s", json_real(secs(t1 - t0)));
	json_object_set_new(j, "store_bytes", json_integer(sb.st_size));
	unlink(p);
	free(p);
	p = path_of(dir, "lock.mdb");
	unlink(p);
	free(p);
	p = path_of(dir, "store.id");
	unlink(p);
	free(p);
	rmdir(dir);
	free(dir);
	return (j);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: bench_match --gen DIR [--refdata DIR] "
	    "[--rules FILE] [--batch-max N]\n"
	    "           [--naive-max N] [--best FILE] [--edges FILE] "
	    "[--assign FILE]\n"
	    "           [--store DIR] [--synth N --tmp DIR]\n");
	exit(2);
}

static size_t
number(const char *s, const char *opt)
{
	unsigned long long	 v;
	char			*end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || *s == '\0' || *s == '-')
		die("%s %s: expected a number", opt, s);
	return ((size_t)v);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "gen", required_argument, NULL, 'g' },
		{ "refdata", required_argument, NULL, 'r' },
		{ "rules", required_argument, NULL, 'R' },
		{ "store", required_argument, NULL, 's' },
		{ "best", required_argument, NULL, 'b' },
		{ "edges", required_argument, NULL, 'e' },
		{ "assign", required_argument, NULL, 'a' },
		{ "batch-max", required_argument, NULL, 'B' },
		{ "naive-max", required_argument, NULL, 'N' },
		{ "synth", required_argument, NULL, 'y' },
		{ "tmp", required_argument, NULL, 't' },
		{ "offers", required_argument, NULL, 'o' },
		{ "no-batch", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts	 op;
	uint64_t	 t0, t1, t2;
	size_t		 bad, i, proposable;
	char		*cause = NULL;
	json_t		*out;
	int		 ch;

	memset(&op, 0, sizeof(op));
	op.refdata = "data";
	op.rules = "rules/iod-plie.yaml";
	op.tmp = "/tmp";
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'g': op.gen = optarg; break;
		case 'r': op.refdata = optarg; break;
		case 'R': op.rules = optarg; break;
		case 's': op.store = optarg; break;
		case 'b': op.best = optarg; break;
		case 'e': op.edges = optarg; break;
		case 'a': op.assign = optarg; break;
		case 'B': op.batch_max = number(optarg, "--batch-max"); break;
		case 'N': op.naive_max = number(optarg, "--naive-max"); break;
		case 'y': op.synth = number(optarg, "--synth"); break;
		case 't': op.tmp = optarg; break;
		case 'o': op.offers_max = number(optarg, "--offers"); break;
		case 'n': op.no_batch = 1; break;
		default: usage();
		}
	}
	if (optind != argc || op.gen == NULL)
		usage();
	if (refdata_load(op.refdata, &cause) != 0)
		die("%s", cause != NULL ? cause : "cannot load reference data");
	if (ruleset_load_file(op.rules, op.refdata, &rs, &cause) != 0)
		die("%s", cause != NULL ? cause : "cannot load the rule set");
	if (index_init() != 0)
		die("index_init: out of memory");

	t0 = now_ns();
	each_record(op.gen, "candidates.jsonl", &candidate_schema,
	    put_candidate, NULL);
	t1 = now_ns();
	each_record(op.gen, "companies.jsonl", &company_schema, put_company,
	    NULL);
	each_record(op.gen, "offers.jsonl", &offer_schema, put_offer, NULL);
	proposable = noffers;
	if (op.offers_max != 0)
		spread_offers(op.offers_max);
	warm_views();
	t2 = now_ns();
	out = json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:f}", "ruleset",
	    rs->name, "today", getenv("IOD_TODAY") != NULL ?
	    getenv("IOD_TODAY") : "(the clock)", "candidates",
	    (json_int_t)index_live(), "offers", (json_int_t)nlines_offers,
	    "proposable", (json_int_t)proposable, "load_json_s", secs(t1 - t0),
	    "view_s", secs(t2 - t1));
	json_object_set_new(out, "searched", json_integer((json_int_t)noffers));

	record_best();
	json_object_set_new(out, "proposals_open",
	    json_integer((json_int_t)propose_all()));
	json_object_set_new(out, "match", run_indexed());
	bad = 0;
	json_object_set_new(out, "scan", run_scan(&bad));
	json_object_set_new(out, "naive", run_naive(op.naive_max, &bad));
	json_object_set_new(out, "mismatches", json_integer((json_int_t)bad));
	withdraw_all();
	if (op.best != NULL)
		write_best(op.best);
	if (!op.no_batch)
		json_object_set_new(out, "batch", run_batch(&op));
	if (op.store != NULL)
		json_object_set_new(out, "index_load",
		    time_index_load(op.store));
	if (op.synth > 0)
		json_object_set_new(out, "synth", time_synth(&op));

	json_dumpf(out, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(6));
	fputc('\n', stdout);
	json_decref(out);
	for (i = 0; i < ncompanies; i++)
		rec_clear(&company_schema, &companies[i]);
	free(companies);
	free(offers);
	index_free();
	ruleset_free(rs);
	refdata_free();
	if (bad > 0) {
		fprintf(stderr, "bench_match: %zu disagreements of match_run "
		    "with match_scan or match_naive\n", bad);
		return (1);
	}
	return (0);
}
