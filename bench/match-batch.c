/*
 * match-batch.c — bench_match's batch: every proposable offer's eligible
 * candidates as edges, built with match_each exactly as batch.c builds
 * them, the pruned solve and its proof timed against assign_solve on all
 * the edges, and the edges, lists and assignment written for the peers
 * (bench/peer_scipy.py).  The dataset and the offers are bench_match.c's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "rules.h"
#include "bench_match.h"

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
json_t *
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

