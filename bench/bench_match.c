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
 * api_match_batch does and times assign_solve; times index_load on a store
 * the daemon wrote, and on a synthetic store of N candidates.  It prints
 * one JSON object of figures and writes, for bench/bench.py and the peers,
 * the best candidate of each offer, the batch's edges and its assignment.
 * It talks to no daemon and to no peer: bench/bench.py does.
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "rules.h"

/* A proposable offer: open, visited if the rule set wants it, prepared. */
struct boffer {
	uint64_t	 id;
	struct moffer	 mo;
	uint32_t	 best_slot;	/* UINT32_MAX: nobody eligible */
	int32_t		 best_score;
	uint32_t	 eligible;
	struct mresult	 served;	/* match_run's, in service state */
	struct mcand	*proposed;	/* its proposal's candidate, or NULL */
};

struct opts {
	const char	*gen;		/* the dataset directory */
	const char	*refdata;
	const char	*rules;
	const char	*store;		/* a store the daemon wrote, or NULL */
	const char	*best;		/* OUT: best candidate by offer */
	const char	*edges;		/* OUT: the batch's edges */
	const char	*assign;	/* OUT: the batch's assignment */
	const char	*tmp;		/* where the synthetic store goes */
	size_t		 batch_max;	/* rows of the batch, 0: every offer */
	size_t		 naive_max;	/* offers scanned naively, 0: all */
	uint64_t	 synth;		/* candidates of the synthetic store */
};

static struct ruleset	*rs;
static struct boffer	*offers;
static size_t		 noffers, nlines_offers;
static struct company	*companies;
static size_t		 ncompanies;

static void __attribute__((noreturn, format(printf, 1, 2)))
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

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

static double
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

/* One search per offer in service state, indexed: the timed loop. */
static json_t *
run_indexed(void)
{
	struct mresult	*r;
	uint64_t	*ns, t0, t1, start;
	size_t		 i;
	json_t		*j;

	if ((ns = calloc(noffers + 1, sizeof(*ns))) == NULL)
		die("out of memory");
	start = now_ns();
	for (i = 0; i < noffers; i++) {
		r = &offers[i].served;
		memset(r, 0, sizeof(*r));
		r->want = 1;
		t0 = now_ns();
		if (match_run(rs, &offers[i].mo, r) != 0)
			die("match_run: out of memory");
		t1 = now_ns();
		ns[i] = t1 - t0;
	}
	j = lat_json(ns, noffers, now_ns() - start);
	free(ns);
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

/* ---- the batch, built as batch.c builds it -------------------------- */

static void
fwrite_all(const void *p, size_t size, size_t n, FILE *f, const char *path)
{
	if (n > 0 && fwrite(p, size, n, f) != n)
		die("%s: write error", path);
}

/* The batch's problem as batch.c snapshots it: rows offers, columns slots. */
struct bbatch {
	uint32_t	*rowstart, *col, *keep;
	int64_t		*score;
	size_t		 nedges, cap;
	int64_t		 scale;
	const void	**list;		/* each row's list, by address */
};

static int
bbatch_edge(uint32_t slot, int32_t score, void *arg)
{
	struct bbatch	*b = arg;

	if (b->nedges == b->cap)
		die("match_each: more edges than its list holds");
	b->col[b->nedges] = slot;
	b->score[b->nedges++] = (int64_t)score * b->scale + 1;
	return (0);
}

static int
bbatch_cmp(const void *x, const void *y)
{
	uintptr_t	 a = *(const uintptr_t *)x, b = *(const uintptr_t *)y;

	return (a < b ? -1 : a > b);
}

/* Edges into room reserved per offer from its list's length, then each
 * row's keep from the offers sharing its list (batch.c's rule). */
static void
bbatch_build(struct bbatch *b, size_t nrows)
{
	const struct pentry	*list;
	const int16_t		*terr;
	uintptr_t		*by;
	uint32_t		 n;
	size_t			 i, j, k, r, cnt, kept = 0;

	memset(b, 0, sizeof(*b));
	b->scale = (int64_t)nrows + 1;
	if ((b->rowstart = calloc(nrows + 1, sizeof(*b->rowstart))) == NULL ||
	    (b->keep = calloc(nrows + 1, sizeof(*b->keep))) == NULL ||
	    (b->list = calloc(nrows + 1, sizeof(*b->list))) == NULL ||
	    (by = calloc(2 * nrows + 2, sizeof(*by))) == NULL)
		die("out of memory");
	for (i = 0; i < nrows; i++) {
		b->rowstart[i] = (uint32_t)b->nedges;
		if (index_candidates(rs, offers[i].mo.rome, &list, &n,
		    &terr) != 0)
			die("index_candidates: out of memory");
		if (b->nedges + n > b->cap) {
			b->cap = b->cap * 2 > b->nedges + n ? b->cap * 2 :
			    b->nedges + n;
			if ((b->col = reallocarray(b->col, b->cap,
			    sizeof(*b->col))) == NULL ||
			    (b->score = reallocarray(b->score, b->cap,
			    sizeof(*b->score))) == NULL)
				die("out of memory");
		}
		b->list[i] = list;
		if (match_each(rs, &offers[i].mo, bbatch_edge, b) != 0)
			die("match_each: out of memory");
	}
	b->rowstart[nrows] = (uint32_t)b->nedges;
	for (i = 0; i < nrows; i++) {
		by[2 * i] = (uintptr_t)b->list[i];
		by[2 * i + 1] = i;
	}
	qsort(by, nrows, 2 * sizeof(*by), bbatch_cmp);
	for (i = 0; i < nrows; i = j) {
		for (j = i + 1; j < nrows && by[2 * j] == by[2 * i]; j++)
			;
		cnt = j - i < 4 ? 4 : j - i > 48 ? 48 : j - i;
		for (k = i; k < j; k++) {
			r = by[2 * k + 1];
			b->keep[r] = (uint32_t)cnt;
			kept += cnt < b->rowstart[r + 1] - b->rowstart[r] ? cnt :
			    b->rowstart[r + 1] - b->rowstart[r];
		}
	}
	free(by);
	if (kept > b->nedges / 4)
		memset(b->keep, 0, nrows * sizeof(*b->keep));
}

static void
bbatch_free(struct bbatch *b)
{
	free(b->rowstart);
	free(b->col);
	free(b->keep);
	free(b->score);
	free(b->list);
}

/*
 * The edges for a peer: "IODEDGE1", then nrows, ncols, nedges, scale as
 * little-endian 64-bit integers, then the rows (uint32), the columns
 * (uint32, numbered by first use) and the weights (int64) of the edges.
 * *ncols (OUT) gets the candidates with an edge.
 */
static void
write_edges(const char *path, const struct bbatch *b, size_t nrows,
    size_t nslots, size_t *ncols)
{
	uint32_t	*u, *colof, r, e;
	int64_t		 hdr[4];
	FILE		*f = NULL;

	if ((u = calloc(b->nedges + 1, sizeof(*u))) == NULL ||
	    (colof = calloc(nslots + 1, sizeof(*colof))) == NULL)
		die("out of memory");
	*ncols = 0;
	for (e = 0; e < b->nedges; e++)
		if (colof[b->col[e]] == 0)
			colof[b->col[e]] = (uint32_t)++*ncols;
	if (path != NULL) {
		if ((f = fopen(path, "w")) == NULL)
			die("%s: %s", path, strerror(errno));
		hdr[0] = (int64_t)nrows;
		hdr[1] = (int64_t)*ncols;
		hdr[2] = (int64_t)b->nedges;
		hdr[3] = b->scale;
		fwrite_all("IODEDGE1", 1, 8, f, path);
		fwrite_all(hdr, sizeof(hdr[0]), 4, f, path);
		for (r = 0; r < nrows; r++)
			for (e = b->rowstart[r]; e < b->rowstart[r + 1]; e++)
				u[e] = r;
		fwrite_all(u, sizeof(*u), b->nedges, f, path);
		for (e = 0; e < b->nedges; e++)
			u[e] = colof[b->col[e]] - 1;
		fwrite_all(u, sizeof(*u), b->nedges, f, path);
		fwrite_all(b->score, sizeof(*b->score), b->nedges, f, path);
		if (ferror(f) || fclose(f) != 0)
			die("%s: write error", path);
	}
	free(u);
	free(colof);
}

/* Write n entries of what each entry of lists[0..nl) holds at member. */
#define WRITE_COL(f, path, lists, lens, nl, type, member) do {		\
	size_t	 li_, k_;						\
	type	 v_;							\
	for (li_ = 0; li_ < (nl); li_++)				\
		for (k_ = 0; k_ < (lens)[li_]; k_++) {			\
			v_ = (type)(lists)[li_][k_].member;		\
			fwrite_all(&v_, sizeof(v_), 1, (f), (path));	\
		}							\
} while (0)

/*
 * What iod's edge building reads, for a peer that builds the same edges
 * itself (peer_scipy.py, in numpy): "IODLIST1", a header of int64 (see
 * peer_scipy.read_lists), each list's length, the lists' columns one
 * after the other, the offers' fields, the rule set's territory of each
 * commune and each slot's busy flag.  Written only when no company ever
 * refused anyone (the cooldown filter is not exported).
 */
static void
write_lists(const char *path, const struct bbatch *b, size_t nrows,
    size_t nslots)
{
	const struct ruleset_filters	*fl = &rs->filters;
	const struct ruleset_weights	*w = &rs->weights;
	const struct refdata		*ref = refdata_get();
	const struct pentry		**lists;
	const int16_t			*terr = NULL;
	const struct moffer		*m;
	size_t				 nl = 0, i, k, *lens;
	int64_t				 hdr[20], li;
	uint32_t			 n;
	int32_t				 v32[9];
	int16_t				 t16;
	uint8_t				 busy;
	FILE				*f;

	for (i = 0; i < nrows; i++)
		if (index_refusing(offers[i].mo.company_id) != 0)
			return;
	if ((lists = calloc(nrows + 1, sizeof(*lists))) == NULL ||
	    (lens = calloc(nrows + 1, sizeof(*lens))) == NULL)
		die("out of memory");
	for (i = 0; i < nrows; i++) {
		for (k = 0; k < nl; k++)
			if ((const void *)lists[k] == b->list[i])
				break;
		if (k == nl) {
			if (index_candidates(rs, offers[i].mo.rome, &lists[nl],
			    &n, &terr) != 0)
				die("index_candidates: out of memory");
			lens[nl++] = n;
		}
	}
	if ((f = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	hdr[0] = (int64_t)nl;
	hdr[1] = (int64_t)nrows;
	hdr[2] = (int64_t)nslots;
	hdr[3] = (int64_t)ref->ncommunes;
	hdr[4] = fl->programmes;
	hdr[5] = fl->contracts;
	hdr[6] = fl->hours;
	hdr[7] = fl->schedule;
	hdr[8] = fl->availability_days;
	hdr[9] = fl->licence;
	hdr[10] = fl->zone;
	hdr[11] = w->same_commune;
	hdr[12] = w->same_territory;
	hdr[13] = w->favoured_public;
	hdr[14] = rs->policies.candidate_exclusive;
	hdr[15] = b->scale;
	hdr[16] = ZONE_COMMUNE;
	hdr[17] = ZONE_TERRITORY;
	hdr[18] = MC_ACTIVE | MC_CONSENT;
	hdr[19] = (MC_LICENCE << 8) | MC_VEHICLE;
	fwrite_all("IODLIST1", 1, 8, f, path);
	fwrite_all(hdr, sizeof(hdr[0]), 20, f, path);
	for (k = 0; k < nl; k++) {
		li = (int64_t)lens[k];
		fwrite_all(&li, sizeof(li), 1, f, path);
	}
	WRITE_COL(f, path, lists, lens, nl, uint32_t, slot);
	WRITE_COL(f, path, lists, lens, nl, int32_t, base);
	WRITE_COL(f, path, lists, lens, nl, int16_t, commune);
	WRITE_COL(f, path, lists, lens, nl, uint16_t, available);
	WRITE_COL(f, path, lists, lens, nl, uint8_t, flags);
	WRITE_COL(f, path, lists, lens, nl, uint8_t, programme);
	WRITE_COL(f, path, lists, lens, nl, uint8_t, zone);
	WRITE_COL(f, path, lists, lens, nl, uint8_t, schedule_ok);
	WRITE_COL(f, path, lists, lens, nl, uint8_t, max_hours);
	WRITE_COL(f, path, lists, lens, nl, uint8_t, contracts);
	WRITE_COL(f, path, lists, lens, nl, uint8_t, publics);
	for (i = 0; i < nrows; i++) {
		m = &offers[i].mo;
		for (k = 0; k < nl; k++)
			if ((const void *)lists[k] == b->list[i])
				break;
		v32[0] = (int32_t)k;
		v32[1] = m->commune;
		v32[2] = m->territory;
		v32[3] = m->contract;
		v32[4] = m->hours;
		v32[5] = (int32_t)m->schedule;
		v32[6] = (int32_t)m->requirements;
		v32[7] = (int32_t)m->favoured;
		v32[8] = m->start_on != 0 ? date_to_days(m->start_on) : 0;
		fwrite_all(v32, sizeof(v32[0]), 9, f, path);
	}
	for (i = 0; i < ref->ncommunes; i++) {
		t16 = terr != NULL ? terr[i] : -1;
		fwrite_all(&t16, sizeof(t16), 1, f, path);
	}
	for (i = 0; i < nslots; i++) {
		busy = (uint8_t)index_busy((uint32_t)i);
		fwrite_all(&busy, 1, 1, f, path);
	}
	if (ferror(f) || fclose(f) != 0)
		die("%s: write error", path);
	free(lists);
	free(lens);
}

/*
 * The batch end to end as POST /v1/match:batch runs it: the edges, then
 * the solve on each offer's best edges and its proof (assign_prune_solve);
 * and, to compare, assign_solve on every edge.
 */
static json_t *
run_batch(const struct opts *op)
{
	struct assign_problem		 prob;
	struct assign_prune_stats	 st;
	struct bbatch			 b;
	uint32_t			*col_of_row, e;
	uint64_t			 t0, t1, t2, t3;
	int64_t				 total, full, objective = 0;
	size_t				 nrows, nslots, ncols, i, assigned = 0;
	FILE				*f = NULL;
	int				 rc;

	nrows = op->batch_max != 0 && op->batch_max < noffers ? op->batch_max :
	    noffers;
	(void)index_slots(&nslots);
	if ((col_of_row = calloc(nrows + 1, sizeof(*col_of_row))) == NULL)
		die("out of memory");
	t0 = now_ns();
	bbatch_build(&b, nrows);
	t1 = now_ns();
	prob.nrows = (uint32_t)nrows;
	prob.ncols = (uint32_t)nslots;
	prob.rowstart = b.rowstart;
	prob.col = b.col;
	prob.score = b.score;
	if ((rc = assign_prune_solve(&prob, b.keep, col_of_row, &total,
	    &st)) != 0)
		die("assign_prune_solve: %s", iod_strerror(rc));
	t2 = now_ns();
	if ((rc = assign_solve(&prob, NULL, &full)) != 0)
		die("assign_solve: %s", iod_strerror(rc));
	t3 = now_ns();

	if (op->assign != NULL && (f = fopen(op->assign, "w")) == NULL)
		die("%s: %s", op->assign, strerror(errno));
	if (f != NULL)
		fprintf(f, "offer_id\tcandidate_id\n");
	for (i = 0; i < nrows; i++) {
		if (col_of_row[i] == ASSIGN_NONE)
			continue;
		for (e = b.rowstart[i]; e < b.rowstart[i + 1]; e++)
			if (b.col[e] == col_of_row[i])
				break;
		objective += (b.score[e] - 1) / b.scale;
		if (f != NULL)
			fprintf(f, "%" PRIu64 "\t%" PRIu64 "\n", offers[i].id,
			    index_cand_by_slot(col_of_row[i])->id);
		assigned++;
	}
	if (f != NULL && (ferror(f) || fclose(f) != 0))
		die("%s: write error", op->assign);
	write_edges(op->edges, &b, nrows, nslots, &ncols);
	if (op->edges != NULL) {
		char	 lpath[4096];

		snprintf(lpath, sizeof(lpath), "%s.lists", op->edges);
		write_lists(lpath, &b, nrows, nslots);
	}
	bbatch_free(&b);
	free(col_of_row);
	return (json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, "
	    "s:f, s:f, s:i, s:I, s:I, s:b}",
	    "rows", (json_int_t)nrows, "cols", (json_int_t)ncols,
	    "edges", (json_int_t)b.nedges, "scale", (json_int_t)b.scale,
	    "objective", (json_int_t)objective, "assigned",
	    (json_int_t)assigned, "total_scaled", (json_int_t)total,
	    "edges_s", secs(t1 - t0), "problem_s", 0.0, "solve_s",
	    secs(t2 - t1), "total_s", secs(t2 - t0), "full_solve_s",
	    secs(t3 - t2), "rounds", (int)st.rounds, "kept",
	    (json_int_t)st.kept, "added", (json_int_t)st.added,
	    "consistent", total == full &&
	    total == objective * b.scale + (int64_t)assigned));
}

/* ---- start-up: index_load ------------------------------------------------ */

/* Rebuild the index from the store in dir: {candidates, load_s, view_s}. */
static json_t *
time_index_load(const char *dir)
{
	struct store	*st;
	struct txn	 t;
	uint64_t	 t0, t1, t2;
	char		*cause = NULL;
	int		 rc;

	if ((rc = store_open(&st, dir, 64u << 20, (size_t)64 << 30, &cause))
	    != 0)
		die("%s", cause != NULL ? cause : iod_strerror(rc));
	index_free();
	if (index_init() != 0 || store_begin(st, &t, 0, NULL) != 0)
		die("index_init or store_begin failed");
	t0 = now_ns();
	/* As the daemon's start-up: the candidates, then the policy state. */
	if ((rc = index_load(&t)) != 0 || (rc = proposal_load(&t)) != 0)
		die("index_load: %s", iod_strerror(rc));
	t1 = now_ns();
	store_abort(&t);
	warm_views();
	t2 = now_ns();
	store_close(st);
	return (json_pack("{s:I, s:f, s:f}", "candidates",
	    (json_int_t)index_live(), "load_s", secs(t1 - t0), "view_s",
	    secs(t2 - t1)));
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
		{ NULL, 0, NULL, 0 }
	};
	struct opts	 op;
	uint64_t	 t0, t1, t2;
	size_t		 bad, i;
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
	warm_views();
	t2 = now_ns();
	out = json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:f}", "ruleset",
	    rs->name, "today", getenv("IOD_TODAY") != NULL ?
	    getenv("IOD_TODAY") : "(the clock)", "candidates",
	    (json_int_t)index_live(), "offers", (json_int_t)nlines_offers,
	    "proposable", (json_int_t)noffers, "load_json_s", secs(t1 - t0),
	    "view_s", secs(t2 - t1));

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
