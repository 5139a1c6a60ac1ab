/*
 * test_assign.c — the batch assignment (matcher/engine/assign.c) against
 * independent judges: an exhaustive search over every matching of small
 * instances, a Bellman-Ford search for an improving cycle (the optimality
 * certificate of min-cost flow, with "more pairs" as the second goal) on
 * medium ones, the transposed problem, hand-made edge cases, the bounds,
 * invalid inputs, determinism (edge order, repeats, the builder) and a
 * recorded hash of how ties are broken.
 *
 * With ASSIGN_DUMP_DIR set, test_scipy_dump also writes a dozen instances
 * of a few hundred rows and columns with assign_solve's answers as
 * inst_NN.txt in that directory, for tests/unit/test_assign_scipy.py to
 * check against scipy.optimize.linear_sum_assignment:
 *
 *	d=$(mktemp -d) && ASSIGN_DUMP_DIR=$d build/tests/test_assign &&
 *	    /usr/bin/python3 tests/unit/test_assign_scipy.py $d
 *
 * Instance file: "nrows ncols nedges total", then nedges lines "row col
 * score" (CSR order, no repeated pair), then nrows lines with each row's
 * column or -1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profiles.h"
#include "daemon.h"

#define BMAX	7		/* largest side of a brute-forced instance */

static uint64_t	 rng_state;

static void
rng_seed(uint64_t seed)
{
	rng_state = seed;
}

/* splitmix64: fixed seeds keep every run identical. */
static uint64_t
rng_next(void)
{
	uint64_t	 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/* Uniform in [lo, hi]. */
static int64_t
rng_range(int64_t lo, int64_t hi)
{
	return (lo + (int64_t)(rng_next() % (uint64_t)(hi - lo + 1)));
}

/* A dense instance: w[r * ncols + c] > 0 is an edge, 0 is ineligible. */
struct dense {
	uint32_t	 nrows, ncols;
	int64_t		*w;
};

static void
dense_random(struct dense *d, uint32_t nrows, uint32_t ncols,
    unsigned permille, int64_t maxscore)
{
	size_t	 k;

	d->nrows = nrows;
	d->ncols = ncols;
	d->w = calloc((size_t)nrows * ncols + 1, sizeof *d->w);
	assert_non_null(d->w);
	for (k = 0; k < (size_t)nrows * ncols; k++)
		if (rng_next() % 1000 < permille)
			d->w[k] = rng_range(1, maxscore);
}

/* Random sizes too, drawn in a fixed order (not as arguments: unspecified). */
static void
dense_random_sized(struct dense *d, uint32_t rlo, uint32_t rhi, uint32_t clo,
    uint32_t chi, unsigned permille, int64_t maxscore)
{
	uint32_t	 nrows, ncols;

	nrows = (uint32_t)rng_range(rlo, rhi);
	ncols = (uint32_t)rng_range(clo, chi);
	dense_random(d, nrows, ncols, permille, maxscore);
}

/*
 * CSR of a dense instance with each row's edges in random order, and, when
 * dups is set, extra copies of some edges with lower scores (which the
 * contract says must not matter).  Arrays are calloc'ed; rowstart begins at
 * base, so the first base entries of col and score are never read.
 */
struct csr {
	struct assign_problem	 p;
	uint32_t		*rowstart, *col;
	int64_t			*score;
};

static void
csr_from_dense(struct csr *m, const struct dense *d, int dups, uint32_t base)
{
	size_t		 cap = 2 * (size_t)d->nrows * d->ncols + base + 1;
	uint32_t	 r, c, n = base, k, t, i;
	int64_t		 ts;

	m->rowstart = calloc(d->nrows + 1, sizeof *m->rowstart);
	m->col = calloc(cap, sizeof *m->col);
	m->score = calloc(cap, sizeof *m->score);
	assert_non_null(m->rowstart);
	assert_non_null(m->col);
	assert_non_null(m->score);
	for (r = 0; r < d->nrows; r++) {
		m->rowstart[r] = n;
		for (c = 0; c < d->ncols; c++) {
			if (d->w[(size_t)r * d->ncols + c] == 0)
				continue;
			m->col[n] = c;
			m->score[n++] = d->w[(size_t)r * d->ncols + c];
			if (dups && rng_next() % 4 == 0) {
				m->col[n] = c;
				m->score[n] = rng_range(1,
				    d->w[(size_t)r * d->ncols + c]);
				n++;
			}
		}
		for (k = n; k > m->rowstart[r] + 1; k--) {
			i = m->rowstart[r] + (uint32_t)(rng_next() %
			    (k - m->rowstart[r]));
			t = m->col[k - 1];
			m->col[k - 1] = m->col[i];
			m->col[i] = t;
			ts = m->score[k - 1];
			m->score[k - 1] = m->score[i];
			m->score[i] = ts;
		}
	}
	m->rowstart[d->nrows] = n;
	m->p.nrows = d->nrows;
	m->p.ncols = d->ncols;
	m->p.rowstart = m->rowstart;
	m->p.col = m->col;
	m->p.score = m->score;
}

static void
csr_free(struct csr *m)
{
	free(m->rowstart);
	free(m->col);
	free(m->score);
}

/*
 * The best (total, number of pairs), in that order, over every matching:
 * each row in turn stays unmatched or takes a free eligible column.
 */
struct best {
	int64_t		 total;
	uint32_t	 npairs;
};

static void
brute(const struct dense *d, uint32_t r, unsigned used, int64_t total,
    uint32_t npairs, struct best *best)
{
	int64_t		 w;
	uint32_t	 c;

	if (r == d->nrows) {
		if (total > best->total ||
		    (total == best->total && npairs > best->npairs)) {
			best->total = total;
			best->npairs = npairs;
		}
		return;
	}
	brute(d, r + 1, used, total, npairs, best);
	for (c = 0; c < d->ncols; c++) {
		w = d->w[(size_t)r * d->ncols + c];
		if (w == 0 || (used & (1u << c)))
			continue;
		brute(d, r + 1, used | (1u << c), total + w, npairs + 1, best);
	}
}

/* Assert col_of_row is a matching on edges of d that adds up to total. */
static void
check_matching(const struct dense *d, const uint32_t *col_of_row,
    int64_t total)
{
	uint8_t		*used;
	int64_t		 sum = 0;
	uint32_t	 r, c;

	used = calloc(d->ncols + 1, 1);
	assert_non_null(used);
	for (r = 0; r < d->nrows; r++) {
		c = col_of_row[r];
		if (c == ASSIGN_NONE)
			continue;
		assert_true(c < d->ncols);
		assert_true(d->w[(size_t)r * d->ncols + c] > 0);
		assert_int_equal(used[c], 0);
		used[c] = 1;
		sum += d->w[(size_t)r * d->ncols + c];
	}
	assert_int_equal(sum, total);
	free(used);
}

/*
 * 1 if no negative cycle exists in the residual network of the min-cost
 * flow that models the matching (rows, columns, a sink t; a row reaches t
 * directly when unmatched), costs being (-score, -1) per pair compared
 * lexicographically: that is, if no matching has a larger total, or the
 * same total with more pairs.
 */
struct cost {
	int64_t		 w;
	int64_t		 n;
};

static int
cost_less(struct cost a, struct cost b)
{
	return (a.w < b.w || (a.w == b.w && a.n < b.n));
}

static int
certify(const struct dense *d, const uint32_t *col_of_row)
{
	struct arc { uint32_t from, to; struct cost cost; } *arcs;
	size_t		 narcs = 0, cap, k;
	uint32_t	 nv = d->nrows + d->ncols + 1, t = nv - 1, r, c, pass;
	uint8_t		*matched;
	struct cost	*dist, nd;
	int64_t		 w;
	int		 changed = 1;

	cap = (size_t)d->nrows * d->ncols + d->nrows + d->ncols + 1;
	arcs = calloc(cap, sizeof *arcs);
	dist = calloc(nv, sizeof *dist);
	matched = calloc(d->ncols + 1, 1);
	assert_non_null(arcs);
	assert_non_null(dist);
	assert_non_null(matched);
	for (r = 0; r < d->nrows; r++) {
		for (c = 0; c < d->ncols; c++) {
			if ((w = d->w[(size_t)r * d->ncols + c]) == 0)
				continue;
			if (col_of_row[r] == c)
				arcs[narcs++] = (struct arc){ d->nrows + c, r,
				    { w, 1 } };
			else
				arcs[narcs++] = (struct arc){ r, d->nrows + c,
				    { -w, -1 } };
		}
		if (col_of_row[r] == ASSIGN_NONE)
			arcs[narcs++] = (struct arc){ t, r, { 0, 0 } };
		else {
			arcs[narcs++] = (struct arc){ r, t, { 0, 0 } };
			matched[col_of_row[r]] = 1;
		}
	}
	for (c = 0; c < d->ncols; c++) {
		if (matched[c])
			arcs[narcs++] = (struct arc){ t, d->nrows + c,
			    { 0, 0 } };
		else
			arcs[narcs++] = (struct arc){ d->nrows + c, t,
			    { 0, 0 } };
	}
	for (pass = 0; pass < nv && changed; pass++) {
		changed = 0;
		for (k = 0; k < narcs; k++) {
			nd.w = dist[arcs[k].from].w + arcs[k].cost.w;
			nd.n = dist[arcs[k].from].n + arcs[k].cost.n;
			if (cost_less(nd, dist[arcs[k].to])) {
				dist[arcs[k].to] = nd;
				changed = 1;
			}
		}
	}
	free(arcs);
	free(dist);
	free(matched);
	return (!changed);
}

/* The transposed instance: the optimum total must be the same. */
static void
dense_transpose(struct dense *out, const struct dense *d)
{
	uint32_t	 r, c;

	out->nrows = d->ncols;
	out->ncols = d->nrows;
	out->w = calloc((size_t)d->nrows * d->ncols + 1, sizeof *out->w);
	assert_non_null(out->w);
	for (r = 0; r < d->nrows; r++)
		for (c = 0; c < d->ncols; c++)
			out->w[(size_t)c * d->nrows + r] =
			    d->w[(size_t)r * d->ncols + c];
}

/* Score ranges: ties everywhere, a few values, wide, near the bound. */
static const int64_t score_ranges[] = {
	1, 3, 10, 1000, 1000000000000LL, ASSIGN_SCORE_MAX / (BMAX + 1)
};
static const unsigned densities[] = { 0, 150, 400, 700, 1000 };

#define NELEM(a)	(sizeof (a) / sizeof (a)[0])

static void
test_brute_force(void **state)
{
	struct dense	 d;
	struct csr	 m;
	struct best	 want;
	uint32_t	 col_of_row[BMAX], npairs, r;
	int64_t		 total, maxscore;
	unsigned	 n, permille;

	(void)state;
	rng_seed(1);
	for (n = 0; n < 6000; n++) {
		permille = densities[n % NELEM(densities)];
		maxscore = score_ranges[(n / NELEM(densities)) %
		    NELEM(score_ranges)];
		dense_random_sized(&d, 0, BMAX, 0, BMAX, permille, maxscore);
		csr_from_dense(&m, &d, n % 2, (uint32_t)(n % 3));
		memset(col_of_row, 0xa5, sizeof col_of_row);
		total = -1;
		assert_int_equal(assign_solve(&m.p, col_of_row, &total), 0);
		check_matching(&d, col_of_row, total);
		want.total = -1;
		want.npairs = 0;
		brute(&d, 0, 0, 0, 0, &want);
		for (npairs = 0, r = 0; r < d.nrows; r++)
			npairs += col_of_row[r] != ASSIGN_NONE;
		if (total != want.total || npairs != want.npairs)
			fail_msg("instance %u (%ux%u): total %lld with %u "
			    "pairs, brute force %lld with %u", n, d.nrows,
			    d.ncols, (long long)total, npairs,
			    (long long)want.total, want.npairs);
		csr_free(&m);
		free(d.w);
	}
}

/* Greedy (take the best pair first) is wrong here; the optimum is 9 + 9. */
static void
test_not_greedy(void **state)
{
	int64_t			 w[] = { 10, 9, 9, 0 };
	struct dense		 d = { 2, 2, w };
	struct csr		 m;
	uint32_t		 col_of_row[2];
	int64_t			 total;

	(void)state;
	rng_seed(2);
	csr_from_dense(&m, &d, 0, 0);
	assert_int_equal(assign_solve(&m.p, col_of_row, &total), 0);
	assert_int_equal(total, 18);
	assert_int_equal(col_of_row[0], 1);
	assert_int_equal(col_of_row[1], 0);
	csr_free(&m);
}

/* Medium instances: optimality certificate, transposition, validity. */
static void
test_certificate(void **state)
{
	struct dense	 d, dt;
	struct csr	 m, mt;
	uint32_t	*col_of_row, *col_of_col;
	int64_t		 total, totalt;
	unsigned	 n;

	(void)state;
	rng_seed(3);
	for (n = 0; n < 300; n++) {
		if (n < 290)
			dense_random_sized(&d, 1, 60, 1, 60,
			    densities[n % NELEM(densities)],
			    score_ranges[n % 5]);
		else
			dense_random_sized(&d, 200, 300, 200, 400, 30, 1000);
		dense_transpose(&dt, &d);
		csr_from_dense(&m, &d, n % 2, 0);
		csr_from_dense(&mt, &dt, 0, 0);
		col_of_row = calloc(d.nrows + 1, sizeof *col_of_row);
		col_of_col = calloc(d.ncols + 1, sizeof *col_of_col);
		assert_int_equal(assign_solve(&m.p, col_of_row, &total), 0);
		assert_int_equal(assign_solve(&mt.p, col_of_col, &totalt), 0);
		check_matching(&d, col_of_row, total);
		check_matching(&dt, col_of_col, totalt);
		assert_int_equal(total, totalt);
		if (!certify(&d, col_of_row))
			fail_msg("instance %u (%ux%u): an improving cycle "
			    "exists", n, d.nrows, d.ncols);
		free(col_of_row);
		free(col_of_col);
		csr_free(&m);
		csr_free(&mt);
		free(d.w);
		free(dt.w);
	}
}

/* The certificate must also reject: worse totals, fewer pairs. */
static void
test_certify_rejects(void **state)
{
	int64_t			 w[] = { 10, 9, 9, 0 };
	struct dense		 d = { 2, 2, w };
	uint32_t		 greedy[] = { 0, ASSIGN_NONE };
	uint32_t		 best[] = { 1, 0 };
	int64_t			 w2[] = { 5, 0, 8, 3 };
	struct dense		 d2 = { 2, 2, w2 };
	uint32_t		 fewer[] = { ASSIGN_NONE, 0 };
	uint32_t		 more[] = { 0, 1 };

	(void)state;
	assert_false(certify(&d, greedy));
	assert_true(certify(&d, best));
	assert_false(certify(&d2, fewer));
	assert_true(certify(&d2, more));
}

static void
test_empty(void **state)
{
	struct assign_problem	 p = { 0, 0, NULL, NULL, NULL };
	uint32_t		 rowstart[4] = { 0, 0, 0, 0 };
	uint32_t		 col_of_row[3] = { 7, 7, 7 };
	int64_t			 total = -1;

	(void)state;
	assert_int_equal(assign_solve(&p, NULL, &total), 0);
	assert_int_equal(total, 0);

	/* Rows and columns, but no edge: everyone stays unmatched. */
	p.nrows = 3;
	p.ncols = 5;
	p.rowstart = rowstart;
	total = -1;
	assert_int_equal(assign_solve(&p, col_of_row, &total), 0);
	assert_int_equal(total, 0);
	assert_int_equal(col_of_row[0], ASSIGN_NONE);
	assert_int_equal(col_of_row[1], ASSIGN_NONE);
	assert_int_equal(col_of_row[2], ASSIGN_NONE);

	/* Rows and no column at all. */
	p.ncols = 0;
	assert_int_equal(assign_solve(&p, col_of_row, NULL), 0);
	assert_int_equal(col_of_row[1], ASSIGN_NONE);
}

/* One row takes its best column; among equals the lowest index. */
static void
test_one_row(void **state)
{
	uint32_t		 rowstart[] = { 0, 5 };
	uint32_t		 col[] = { 9, 4, 7, 2, 8 };
	int64_t			 score[] = { 5, 7, 7, 3, 7 };
	struct assign_problem	 p = { 1, 10, rowstart, col, score };
	uint32_t		 col_of_row[1];
	int64_t			 total;

	(void)state;
	assert_int_equal(assign_solve(&p, col_of_row, &total), 0);
	assert_int_equal(total, 7);
	assert_int_equal(col_of_row[0], 4);
}

/* Ten rows want two columns: the two best pairs that fit win. */
static void
test_more_rows_than_columns(void **state)
{
	int64_t		 w[10 * 2];
	struct dense	 d = { 10, 2, w };
	struct csr	 m;
	uint32_t	 col_of_row[10], r, nmatched = 0;
	int64_t		 total;

	(void)state;
	rng_seed(4);
	for (r = 0; r < 10; r++) {
		w[2 * r] = 10 + r;		/* row 9 is best on col 0 */
		w[2 * r + 1] = 30 - r;		/* row 0 is best on col 1 */
	}
	csr_from_dense(&m, &d, 0, 0);
	assert_int_equal(assign_solve(&m.p, col_of_row, &total), 0);
	check_matching(&d, col_of_row, total);
	assert_int_equal(total, 19 + 30);
	assert_int_equal(col_of_row[9], 0);
	assert_int_equal(col_of_row[0], 1);
	for (r = 0; r < 10; r++)
		nmatched += col_of_row[r] != ASSIGN_NONE;
	assert_int_equal(nmatched, 2);
	csr_free(&m);
}

/* All scores equal: any maximum-cardinality matching; the total says so. */
static void
test_equal_scores(void **state)
{
	int64_t		 w[6 * 4];
	struct dense	 d = { 6, 4, w };
	struct csr	 m;
	uint32_t	 col_of_row[6];
	int64_t		 total;
	unsigned	 k;

	(void)state;
	rng_seed(5);
	for (k = 0; k < NELEM(w); k++)
		w[k] = 42;
	csr_from_dense(&m, &d, 1, 0);
	assert_int_equal(assign_solve(&m.p, col_of_row, &total), 0);
	check_matching(&d, col_of_row, total);
	assert_int_equal(total, 4 * 42);
	csr_free(&m);
}

/*
 * Row 1 alone on col 0 (8) ties with row 0 on col 0 and row 1 on col 1
 * (5 + 3): at equal total, the contract wants the most pairs.
 */
static void
test_tie_prefers_matching(void **state)
{
	uint32_t		 rowstart[] = { 0, 1, 3 };
	uint32_t		 col[] = { 0, 0, 1 };
	int64_t			 score[] = { 5, 8, 3 };
	struct assign_problem	 p = { 2, 2, rowstart, col, score };
	uint32_t		 col_of_row[2];
	int64_t			 total;

	(void)state;
	assert_int_equal(assign_solve(&p, col_of_row, &total), 0);
	assert_int_equal(total, 8);
	assert_int_equal(col_of_row[0], 0);
	assert_int_equal(col_of_row[1], 1);
}

/* Repeated pairs count with their best score. */
static void
test_duplicate_edges(void **state)
{
	uint32_t		 rowstart[] = { 0, 3, 4 };
	uint32_t		 col[] = { 1, 1, 0, 1 };
	int64_t			 score[] = { 2, 50, 10, 20 };
	struct assign_problem	 p = { 2, 2, rowstart, col, score };
	uint32_t		 col_of_row[2];
	int64_t			 total;

	(void)state;
	assert_int_equal(assign_solve(&p, col_of_row, &total), 0);
	assert_int_equal(total, 50);
	assert_int_equal(col_of_row[0], 1);
	assert_int_equal(col_of_row[1], ASSIGN_NONE);
}

/*
 * Scores at the documented bound are exact; one more is refused.  Here
 * min(nrows, ncols) + 1 = 3, and row 0 alone on column 0 ties with both
 * rows matched: the two pairs win.
 */
static void
test_score_bound(void **state)
{
	const int64_t		 bound = ASSIGN_SCORE_MAX / 3;
	uint32_t		 rowstart[] = { 0, 2, 3 };
	uint32_t		 col[] = { 0, 1, 0 };
	int64_t			 score[] = { bound, bound - 1, 1 };
	struct assign_problem	 p = { 2, 2, rowstart, col, score };
	uint32_t		 col_of_row[2] = { 3, 3 };
	int64_t			 total = -1;

	(void)state;
	assert_int_equal(assign_solve(&p, col_of_row, &total), 0);
	assert_int_equal(total, bound);
	assert_int_equal(col_of_row[0], 1);
	assert_int_equal(col_of_row[1], 0);
	score[0] = bound + 1;
	total = -1;
	col_of_row[0] = col_of_row[1] = 3;
	assert_int_equal(assign_solve(&p, col_of_row, &total), IOD_EINVAL);
	assert_int_equal(total, -1);
	assert_int_equal(col_of_row[0], 3);
	assert_int_equal(col_of_row[1], 3);
}

/*
 * The sum of the row maxima must fit: eight rows at the score bound of a
 * one-column problem (INT64_MAX / 8) do, a ninth does not.
 */
static void
test_sum_bound(void **state)
{
	uint32_t		 rowstart[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	uint32_t		 col[9] = { 0 };
	int64_t			 score[9];
	struct assign_problem	 p = { 8, 1, rowstart, col, score };
	uint32_t		 col_of_row[9];
	int64_t			 total;
	unsigned		 k;

	(void)state;
	for (k = 0; k < 9; k++)
		score[k] = ASSIGN_SCORE_MAX / 2;
	assert_int_equal(assign_solve(&p, col_of_row, &total), 0);
	assert_int_equal(total, ASSIGN_SCORE_MAX / 2);
	assert_int_equal(col_of_row[0], 0);
	p.nrows = 9;
	assert_int_equal(assign_solve(&p, col_of_row, &total), IOD_EINVAL);
}

/*
 * More rows than columns with edges makes assign_solve transpose; the
 * bound holds in either orientation.  Row 0 scores the bound everywhere.
 */
static void
test_bound_transposed(void **state)
{
	const int64_t		 bound = ASSIGN_SCORE_MAX / 9;
	uint32_t		 rowstart[10], col[72], r, c;
	int64_t			 score[72], w[72];
	struct dense		 d = { 9, 8, w };
	struct assign_problem	 p = { 9, 8, rowstart, col, score };
	uint32_t		 col_of_row[9], npairs = 0;
	int64_t			 total;

	(void)state;
	for (r = 0; r < 9; r++) {
		rowstart[r] = r * 8;
		for (c = 0; c < 8; c++) {
			col[r * 8 + c] = c;
			score[r * 8 + c] = w[r * 8 + c] = r == 0 ? bound : 1;
		}
	}
	rowstart[9] = 72;
	assert_int_equal(assign_solve(&p, col_of_row, &total), 0);
	check_matching(&d, col_of_row, total);
	assert_int_equal(total, bound + 7);
	for (r = 0; r < 9; r++)
		npairs += col_of_row[r] != ASSIGN_NONE;
	assert_int_equal(npairs, 8);
	assert_int_not_equal(col_of_row[0], ASSIGN_NONE);
}

/* Malformed problems are refused and the outputs left alone. */
static void
test_invalid(void **state)
{
	uint32_t		 rowstart[] = { 0, 2, 3 };
	uint32_t		 bad_rowstart[] = { 0, 2, 1 };
	uint32_t		 col[] = { 0, 1, 1 };
	uint32_t		 bad_col[] = { 0, 2, 1 };
	int64_t			 score[] = { 1, 2, 3 };
	int64_t			 zero[] = { 1, 0, 3 };
	int64_t			 negative[] = { 1, 2, -3 };
	const struct {
		const char		*what;
		struct assign_problem	 p;
	} cases[] = {
		{ "nrows UINT32_MAX", { UINT32_MAX, 2, rowstart, col, score } },
		{ "ncols UINT32_MAX", { 2, UINT32_MAX, rowstart, col, score } },
		{ "rowstart NULL", { 2, 2, NULL, col, score } },
		{ "col NULL", { 2, 2, rowstart, NULL, score } },
		{ "score NULL", { 2, 2, rowstart, col, NULL } },
		{ "rowstart decreasing", { 2, 2, bad_rowstart, col, score } },
		{ "col >= ncols", { 2, 2, rowstart, bad_col, score } },
		{ "score 0", { 2, 2, rowstart, col, zero } },
		{ "score < 0", { 2, 2, rowstart, col, negative } },
	};
	uint32_t		 col_of_row[2];
	int64_t			 total;
	unsigned		 k;

	(void)state;
	assert_int_equal(assign_solve(NULL, col_of_row, &total), IOD_EINVAL);
	for (k = 0; k < NELEM(cases); k++) {
		col_of_row[0] = col_of_row[1] = 77;
		total = 77;
		if (assign_solve(&cases[k].p, col_of_row, &total) != IOD_EINVAL)
			fail_msg("%s: accepted", cases[k].what);
		assert_int_equal(col_of_row[0], 77);
		assert_int_equal(col_of_row[1], 77);
		assert_int_equal(total, 77);
	}
}

/* The builder groups by row in list order, merges repeats, checks edges. */
static void
test_problem_new(void **state)
{
	struct assign_edge	 edges[] = {
		{ 2, 3, 5 }, { 0, 1, 4 }, { 2, 0, 1 }, { 0, 1, 9 },
		{ 2, 3, 2 }, { 0, 0, 7 },
	};
	struct assign_edge	 bad;
	struct assign_problem	*p = NULL, junk;
	uint32_t		 rowstart[] = { 0, 2, 2, 4 };
	uint32_t		 col[] = { 1, 0, 3, 0 };
	int64_t			 score[] = { 9, 7, 5, 1 };
	unsigned		 k;

	(void)state;
	assert_int_equal(assign_problem_new(3, 4, edges, NELEM(edges), &p), 0);
	assert_non_null(p);
	assert_int_equal(p->nrows, 3);
	assert_int_equal(p->ncols, 4);
	for (k = 0; k < NELEM(rowstart); k++)
		assert_int_equal(p->rowstart[k], rowstart[k]);
	for (k = 0; k < NELEM(col); k++) {
		assert_int_equal(p->col[k], col[k]);
		assert_int_equal(p->score[k], score[k]);
	}
	assign_problem_free(p);
	assign_problem_free(NULL);

	/* No edges at all, and no rows at all. */
	assert_int_equal(assign_problem_new(2, 0, NULL, 0, &p), 0);
	assert_int_equal(p->rowstart[0], 0);
	assert_int_equal(p->rowstart[2], 0);
	assign_problem_free(p);
	assert_int_equal(assign_problem_new(0, 0, NULL, 0, &p), 0);
	assign_problem_free(p);

	assert_int_equal(assign_problem_new(3, 4, edges, 1, NULL), IOD_EINVAL);
	p = &junk;			/* must come back NULL */
	assert_int_equal(assign_problem_new(3, 4, NULL, 1, &p), IOD_EINVAL);
	assert_null(p);
	bad = (struct assign_edge){ 3, 0, 1 };
	assert_int_equal(assign_problem_new(3, 4, &bad, 1, &p), IOD_EINVAL);
	bad = (struct assign_edge){ 0, 4, 1 };
	assert_int_equal(assign_problem_new(3, 4, &bad, 1, &p), IOD_EINVAL);
	bad = (struct assign_edge){ 0, 0, 0 };
	assert_int_equal(assign_problem_new(3, 4, &bad, 1, &p), IOD_EINVAL);
	assert_int_equal(assign_problem_new(UINT32_MAX, 4, NULL, 0, &p),
	    IOD_EINVAL);
	assert_null(p);
}

/*
 * Same edges, same answer: solving twice, with each row's edges in another
 * order, with lower-scored repeats, or built by assign_problem_new from a
 * shuffled list, gives the same columns, on instances full of ties.
 */
static void
test_determinism(void **state)
{
	struct dense		 d;
	struct csr		 m1, m2;
	struct assign_edge	*edges, t;
	struct assign_problem	*p;
	uint32_t		 a[80], b[80], r, c;
	size_t			 n, k, i;
	int64_t			 ta, tb;
	unsigned		 inst;

	(void)state;
	rng_seed(6);
	for (inst = 0; inst < 40; inst++) {
		dense_random(&d, 80, (uint32_t)rng_range(20, 120),
		    inst % 2 ? 300 : 900, inst % 4 < 2 ? 2 : 20);
		csr_from_dense(&m1, &d, 0, 0);
		csr_from_dense(&m2, &d, 1, 5);
		assert_int_equal(assign_solve(&m1.p, a, &ta), 0);
		assert_int_equal(assign_solve(&m1.p, b, &tb), 0);
		assert_memory_equal(a, b, sizeof a);
		assert_int_equal(ta, tb);
		assert_int_equal(assign_solve(&m2.p, b, &tb), 0);
		assert_memory_equal(a, b, sizeof a);
		assert_int_equal(ta, tb);

		edges = calloc((size_t)d.nrows * d.ncols + 1, sizeof *edges);
		assert_non_null(edges);
		for (n = 0, r = 0; r < d.nrows; r++)
			for (c = 0; c < d.ncols; c++)
				if (d.w[(size_t)r * d.ncols + c] > 0)
					edges[n++] = (struct assign_edge){ r, c,
					    d.w[(size_t)r * d.ncols + c] };
		for (k = n; k > 1; k--) {
			i = rng_next() % k;
			t = edges[k - 1]; edges[k - 1] = edges[i]; edges[i] = t;
		}
		assert_int_equal(assign_problem_new(d.nrows, d.ncols, edges, n,
		    &p), 0);
		assert_int_equal(assign_solve(p, b, &tb), 0);
		assert_memory_equal(a, b, sizeof a);
		assert_int_equal(ta, tb);
		assign_problem_free(p);
		free(edges);
		csr_free(&m1);
		csr_free(&m2);
		free(d.w);
	}
}

/*
 * Ties are broken the same way from one version to the next, or a batch
 * run again after an upgrade would propose other pairs: the answers to
 * tie-heavy instances of every shape hash to a recorded value.  A change
 * that breaks ties otherwise on purpose must record the new value.
 */
#define GOLDEN_HASH	0x85fcb47d0f626c70ULL

static void
test_golden(void **state)
{
	struct dense	 d;
	struct csr	 m;
	uint32_t	 col_of_row[60], r;
	uint64_t	 hash = 0xcbf29ce484222325ULL;	/* FNV-1a */
	int64_t		 total;
	unsigned	 n;

	(void)state;
	rng_seed(9);
	for (n = 0; n < 200; n++) {
		dense_random_sized(&d, 1, 60, 1, 60, densities[1 + n % 4],
		    n % 2 ? 2 : 5);
		csr_from_dense(&m, &d, 1, 0);
		assert_int_equal(assign_solve(&m.p, col_of_row, &total), 0);
		for (r = 0; r < d.nrows; r++) {
			hash ^= col_of_row[r];
			hash *= 0x100000001b3ULL;
		}
		csr_free(&m);
		free(d.w);
	}
	if (hash != GOLDEN_HASH)
		fail_msg("tie-breaking changed: hash %#llx, recorded %#llx",
		    (unsigned long long)hash, (unsigned long long)GOLDEN_HASH);
}

/*
 * A larger sparse instance in the shape of real batches (more columns than
 * rows, popular columns shared by many rows): a valid matching whose total
 * equals that of the transposed problem.
 */
static void
test_large_sparse(void **state)
{
	const uint32_t		 nrows = 1500, ncols = 15000, per = 150;
	struct assign_edge	*edges, *te;
	struct assign_problem	*p, *pt;
	uint32_t		*col_of_row, *col_of_col, r, c, k;
	uint8_t			*used;
	int64_t			 total, totalt, sum = 0;

	(void)state;
	rng_seed(7);
	edges = calloc((size_t)nrows * per, sizeof *edges);
	te = calloc((size_t)nrows * per, sizeof *te);
	col_of_row = calloc(nrows, sizeof *col_of_row);
	col_of_col = calloc(ncols, sizeof *col_of_col);
	used = calloc(ncols, 1);
	assert_non_null(edges);
	assert_non_null(te);
	assert_non_null(col_of_row);
	assert_non_null(col_of_col);
	assert_non_null(used);
	for (r = 0; r < nrows; r++) {
		for (k = 0; k < per; k++) {
			/* Half the edges go to the 1,000 popular columns. */
			c = (uint32_t)(k % 2 ? rng_range(0, 999) :
			    rng_range(0, ncols - 1));
			edges[(size_t)r * per + k] = (struct assign_edge){ r, c,
			    1000 - c / 20 + rng_range(0, 200) };
			te[(size_t)r * per + k] = (struct assign_edge){ c, r,
			    edges[(size_t)r * per + k].score };
		}
	}
	assert_int_equal(assign_problem_new(nrows, ncols, edges,
	    (size_t)nrows * per, &p), 0);
	assert_int_equal(assign_problem_new(ncols, nrows, te,
	    (size_t)nrows * per, &pt), 0);
	assert_int_equal(assign_solve(p, col_of_row, &total), 0);
	assert_int_equal(assign_solve(pt, col_of_col, &totalt), 0);
	assert_int_equal(total, totalt);
	for (r = 0; r < nrows; r++) {
		if ((c = col_of_row[r]) == ASSIGN_NONE)
			continue;
		assert_int_equal(used[c], 0);
		used[c] = 1;
		for (k = p->rowstart[r]; k < p->rowstart[r + 1]; k++)
			if (p->col[k] == c)
				break;
		assert_true(k < p->rowstart[r + 1]);
		sum += p->score[k];
	}
	assert_int_equal(sum, total);
	assign_problem_free(p);
	assign_problem_free(pt);
	free(edges);
	free(te);
	free(col_of_row);
	free(col_of_col);
	free(used);
}

/* Write instances and answers for tests/unit/test_assign_scipy.py. */
static void
test_scipy_dump(void **state)
{
	static const struct {
		uint32_t	 nrows, ncols;
		unsigned	 permille;
		int64_t		 maxscore;
	} shapes[] = {
		{ 200, 300, 50, 1000 },
		{ 300, 200, 100, 3 },
		{ 400, 400, 20, 1000000 },
		{ 250, 500, 300, 50 },
		{ 500, 250, 10, 1000000000 },
		{ 300, 300, 1000, 100 },
		{ 350, 150, 200, 5 },
		{ 100, 1000, 50, 100000 },
		{ 450, 450, 5, 10 },
		{ 1, 400, 500, 7 },
		{ 400, 1, 500, 7 },
		{ 300, 600, 150, 1 },
	};
	const char	*dir = getenv("ASSIGN_DUMP_DIR");
	char		 path[4096];
	struct dense	 d;
	struct csr	 m;
	struct assign_edge *edges;
	struct assign_problem *p;
	uint32_t	*col_of_row, r, c, k;
	size_t		 n;
	int64_t		 total;
	FILE		*f;
	unsigned	 i;

	(void)state;
	if (dir == NULL || *dir == '\0')
		skip();
	rng_seed(8);
	for (i = 0; i < NELEM(shapes); i++) {
		dense_random(&d, shapes[i].nrows, shapes[i].ncols,
		    shapes[i].permille, shapes[i].maxscore);
		csr_from_dense(&m, &d, 1, 0);
		edges = calloc(m.rowstart[d.nrows] + 1, sizeof *edges);
		assert_non_null(edges);
		for (n = 0, r = 0; r < d.nrows; r++)
			for (k = m.rowstart[r]; k < m.rowstart[r + 1]; k++)
				edges[n++] = (struct assign_edge){ r, m.col[k],
				    m.score[k] };
		assert_int_equal(assign_problem_new(d.nrows, d.ncols, edges, n,
		    &p), 0);
		col_of_row = calloc(d.nrows, sizeof *col_of_row);
		assert_non_null(col_of_row);
		assert_int_equal(assign_solve(p, col_of_row, &total), 0);

		snprintf(path, sizeof path, "%s/inst_%02u.txt", dir, i);
		if ((f = fopen(path, "w")) == NULL)
			fail_msg("%s: cannot create", path);
		fprintf(f, "%u %u %u %lld\n", p->nrows, p->ncols,
		    p->rowstart[p->nrows], (long long)total);
		for (r = 0; r < p->nrows; r++)
			for (k = p->rowstart[r]; k < p->rowstart[r + 1]; k++)
				fprintf(f, "%u %u %lld\n", r, p->col[k],
				    (long long)p->score[k]);
		for (r = 0; r < p->nrows; r++) {
			c = col_of_row[r];
			fprintf(f, "%lld\n", c == ASSIGN_NONE ? -1LL :
			    (long long)c);
		}
		assert_int_equal(fclose(f), 0);

		assign_problem_free(p);
		free(col_of_row);
		free(edges);
		csr_free(&m);
		free(d.w);
	}
}

/*
 * The duals of assign_solve_dual are a certificate: nonnegative, every
 * edge covered (U + V >= score * scale + 1), matched pairs tight, the
 * unmatched at 0; in both orientations (wide and tall instances).
 */
static void
test_duals(void **state)
{
	struct dense	 d;
	struct csr	 m;
	uint32_t	*cor, r, c;
	int64_t		*du, *dv, total, total2, scale, w;
	uint8_t		*used;
	unsigned	 n;

	(void)state;
	rng_seed(21);
	for (n = 0; n < 400; n++) {
		dense_random_sized(&d, 1, 50, 1, 50,
		    densities[n % NELEM(densities)], score_ranges[n % 5]);
		csr_from_dense(&m, &d, n % 2, 0);
		cor = calloc(d.nrows + 1, sizeof *cor);
		du = calloc(d.nrows + 1, sizeof *du);
		dv = calloc(d.ncols + 1, sizeof *dv);
		used = calloc(d.ncols + 1, 1);
		assert_int_equal(assign_solve_dual(&m.p, cor, &total, du, dv,
		    &scale), 0);
		assert_int_equal(assign_solve(&m.p, NULL, &total2), 0);
		assert_int_equal(total, total2);
		assert_int_equal(scale, (d.nrows < d.ncols ? d.nrows :
		    d.ncols) + 1);
		for (r = 0; r < d.nrows; r++) {
			assert_true(du[r] >= 0);
			if (cor[r] == ASSIGN_NONE)
				assert_int_equal(du[r], 0);
			else
				used[cor[r]] = 1;
			for (c = 0; c < d.ncols; c++) {
				w = d.w[(size_t)r * d.ncols + c];
				if (w == 0)
					continue;
				assert_true(du[r] + dv[c] >= w * scale + 1);
				if (cor[r] == c)
					assert_int_equal(du[r] + dv[c],
					    w * scale + 1);
			}
		}
		for (c = 0; c < d.ncols; c++) {
			assert_true(dv[c] >= 0);
			if (!used[c])
				assert_int_equal(dv[c], 0);
		}
		free(cor);
		free(du);
		free(dv);
		free(used);
		csr_free(&m);
		free(d.w);
	}
}

/*
 * A pruning that cuts the optimum off: with one edge a row, both rows keep
 * column 0 and the pruned solve finds 10; the proof must reject it, bring
 * in row 0's second edge and reach 9 + 10.
 */
static void
test_prune_rejects(void **state)
{
	int64_t				 w[] = { 10, 9, 10, 0 };
	struct dense			 d = { 2, 2, w };
	struct csr			 m;
	struct assign_prune_stats	 st;
	uint32_t			 cor[2], keep[2] = { 1, 1 };
	int64_t				 du[2], dv[2], total, scale;

	(void)state;
	rng_seed(22);
	csr_from_dense(&m, &d, 0, 0);

	/* The pruned problem alone: its optimum is not the whole one's,
	 * and its duals leave row 0's second edge a positive reduced cost. */
	m.rowstart[0] = 0;
	m.col[0] = 0;
	m.score[0] = 10;
	m.rowstart[1] = 1;
	m.col[1] = 0;
	m.score[1] = 10;
	m.rowstart[2] = 2;
	assert_int_equal(assign_solve_dual(&m.p, cor, &total, du, dv,
	    &scale), 0);
	assert_int_equal(total, 10);
	assert_true(du[0] + dv[1] < 9 * scale + 1);
	csr_free(&m);

	csr_from_dense(&m, &d, 0, 0);
	assert_int_equal(assign_prune_solve(&m.p, keep, cor, &total, &st), 0);
	assert_int_equal(total, 19);
	assert_int_equal(cor[0], 1);
	assert_int_equal(cor[1], 0);
	assert_int_equal(st.kept, 2);
	assert_true(st.rounds >= 2);
	assert_true(st.added >= 1);
	check_matching(&d, cor, total);
	csr_free(&m);
}

/*
 * Pruned and proven equals the full solve, whatever the pruning: one edge
 * a row, a few, all; against brute force on small instances and
 * assign_solve on larger ones.
 */
static void
test_prune_equals_full(void **state)
{
	struct dense			 d;
	struct csr			 m;
	struct assign_prune_stats	 st;
	struct best			 want;
	uint32_t			*cor, *keep, r;
	int64_t				 total, full;
	unsigned			 n;

	(void)state;
	rng_seed(23);
	for (n = 0; n < 3000; n++) {
		if (n < 2500)
			dense_random_sized(&d, 0, BMAX, 0, BMAX,
			    densities[n % NELEM(densities)],
			    score_ranges[(n / NELEM(densities)) %
			    NELEM(score_ranges)]);
		else
			dense_random_sized(&d, 20, 120, 20, 160,
			    densities[n % NELEM(densities)],
			    score_ranges[n % 4]);
		csr_from_dense(&m, &d, n % 2, (uint32_t)(n % 3));
		cor = calloc(d.nrows + 1, sizeof *cor);
		keep = calloc(d.nrows + 1, sizeof *keep);
		for (r = 0; r < d.nrows; r++)
			keep[r] = (uint32_t)(n % 4 == 3 ? 0 :
			    rng_range(1, 1 + n % 4));
		assert_int_equal(assign_prune_solve(&m.p, n % 7 == 6 ? NULL :
		    keep, cor, &total, &st), 0);
		check_matching(&d, cor, total);
		assert_int_equal(assign_solve(&m.p, NULL, &full), 0);
		if (total != full)
			fail_msg("instance %u (%ux%u): pruned %lld, full %lld",
			    n, d.nrows, d.ncols, (long long)total,
			    (long long)full);
		if (d.nrows <= BMAX && d.ncols <= BMAX) {
			want.total = -1;
			want.npairs = 0;
			brute(&d, 0, 0, 0, 0, &want);
			assert_int_equal(total, want.total);
		}
		assert_true(st.rounds >= 1);
		free(cor);
		free(keep);
		csr_free(&m);
		free(d.w);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_brute_force),
		cmocka_unit_test(test_not_greedy),
		cmocka_unit_test(test_certificate),
		cmocka_unit_test(test_certify_rejects),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_one_row),
		cmocka_unit_test(test_more_rows_than_columns),
		cmocka_unit_test(test_equal_scores),
		cmocka_unit_test(test_tie_prefers_matching),
		cmocka_unit_test(test_duplicate_edges),
		cmocka_unit_test(test_score_bound),
		cmocka_unit_test(test_sum_bound),
		cmocka_unit_test(test_bound_transposed),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_problem_new),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_large_sparse),
		cmocka_unit_test(test_scipy_dump),
		cmocka_unit_test(test_duals),
		cmocka_unit_test(test_prune_rejects),
		cmocka_unit_test(test_prune_equals_full),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
