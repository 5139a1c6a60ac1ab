/*
 * test_assign_cap.c — the assignment with a capacity per group of rows
 * (matcher/engine/assign-cap.c, a plain assignment with blocker columns)
 * against two independent judges: an exhaustive search over every
 * matching of small random instances that keeps within the capacities,
 * and, on medium ones, a min-cost flow solved here by successive shortest
 * paths with potentials (source -> group (capacity) -> row -> column ->
 * sink); against assign_solve when no capacity binds; whatever each row
 * keeps for the first solve; plus hand-made cases where the cap changes
 * the answer, and the invalid inputs.
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
#include "engine.h"

#define BMAX	7		/* largest side of a brute-forced instance */
#define GMAX	4		/* groups at most */
#define FMAX	90		/* largest side of a flow-judged instance */
#define FGMAX	12

static uint64_t	 rng_state;

/* splitmix64: fixed seeds keep every run identical. */
static uint64_t
rng_next(void)
{
	uint64_t	 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static uint32_t
rng_below(uint32_t n)
{
	return ((uint32_t)(rng_next() % n));
}

/* A dense instance with groups: w[r * ncols + c] > 0 is an edge. */
struct inst {
	uint32_t	 nrows, ncols, ngroups;
	int64_t		 w[BMAX * BMAX * 4];
	uint32_t	 group[BMAX * 2], cap[GMAX];
	/* CSR */
	uint32_t	 rowstart[BMAX * 2 + 1], col[BMAX * BMAX * 4];
	int64_t		 score[BMAX * BMAX * 4];
	struct assign_problem	p;
	struct assign_groups	g;
};

static void
inst_csr(struct inst *t)
{
	uint32_t	r, c, n = 0;

	for (r = 0; r < t->nrows; r++) {
		t->rowstart[r] = n;
		for (c = 0; c < t->ncols; c++)
			if (t->w[r * t->ncols + c] > 0) {
				t->col[n] = c;
				t->score[n++] = t->w[r * t->ncols + c];
			}
	}
	t->rowstart[t->nrows] = n;
	t->p.nrows = t->nrows;
	t->p.ncols = t->ncols;
	t->p.rowstart = t->rowstart;
	t->p.col = t->col;
	t->p.score = t->score;
	t->g.ngroups = t->ngroups;
	t->g.group_of_row = t->group;
	t->g.cap = t->cap;
}

static void
inst_random(struct inst *t, unsigned permille, int64_t maxscore)
{
	uint32_t	k;

	memset(t, 0, sizeof(*t));
	t->nrows = rng_below(BMAX + 1);
	t->ncols = rng_below(BMAX + 1);
	t->ngroups = 1 + rng_below(GMAX);
	for (k = 0; k < t->nrows * t->ncols; k++)
		if (rng_below(1000) < permille)
			t->w[k] = 1 + (int64_t)rng_below((uint32_t)maxscore);
	for (k = 0; k < t->nrows; k++)
		t->group[k] = rng_below(t->ngroups);
	for (k = 0; k < t->ngroups; k++)
		t->cap[k] = rng_below(4);
	inst_csr(t);
}

/* The best total over every matching within the capacities. */
static void
brute(const struct inst *t, uint32_t r, unsigned used, uint32_t *taken,
    int64_t total, int64_t *best)
{
	uint32_t	c, g;
	int64_t		w;

	if (r == t->nrows) {
		if (total > *best)
			*best = total;
		return;
	}
	brute(t, r + 1, used, taken, total, best);
	g = t->group[r];
	if (taken[g] >= t->cap[g])
		return;
	for (c = 0; c < t->ncols; c++) {
		w = t->w[r * t->ncols + c];
		if (w == 0 || (used & (1u << c)))
			continue;
		taken[g]++;
		brute(t, r + 1, used | (1u << c), taken, total + w, best);
		taken[g]--;
	}
}

/* col_of_row is a matching on t's edges, within the caps, worth total. */
static void
check_answer(const struct inst *t, const uint32_t *cor, int64_t total)
{
	uint32_t	r, taken[GMAX] = { 0 };
	unsigned	used = 0;
	int64_t		sum = 0;

	for (r = 0; r < t->nrows; r++) {
		if (cor[r] == ASSIGN_NONE)
			continue;
		assert_true(cor[r] < t->ncols);
		assert_true(t->w[r * t->ncols + cor[r]] > 0);
		assert_false(used & (1u << cor[r]));
		used |= 1u << cor[r];
		sum += t->w[r * t->ncols + cor[r]];
		taken[t->group[r]]++;
	}
	for (r = 0; r < t->ngroups; r++)
		assert_true(taken[r] <= t->cap[r]);
	assert_int_equal(sum, total);
}

static const unsigned	densities[] = { 150, 400, 700, 1000 };
static const int64_t	ranges[] = { 1, 3, 20, 1000000 };

static void
test_brute_force(void **state)
{
	struct inst	 t;
	uint32_t	 cor[BMAX * 2], taken[GMAX], keep[BMAX * 2], r;
	int64_t		 total, want;
	unsigned	 n;

	(void)state;
	rng_state = 17;
	for (n = 0; n < 20000; n++) {
		inst_random(&t, densities[n % 4], ranges[(n / 4) % 4]);
		for (r = 0; r < t.nrows; r++)
			keep[r] = n % 3 == 0 ? 0 : 1 + rng_below(2);
		assert_int_equal(assign_cap_solve(&t.p, &t.g, n % 5 == 4 ?
		    NULL : keep, cor, &total, NULL), 0);
		check_answer(&t, cor, total);
		want = 0;
		memset(taken, 0, sizeof(taken));
		brute(&t, 0, 0, taken, 0, &want);
		if (total != want)
			fail_msg("instance %u (%ux%u, %u groups): %lld, brute "
			    "force %lld", n, t.nrows, t.ncols, t.ngroups,
			    (long long)total, (long long)want);
	}
}

/* With capacities that cannot bind, the answer is assign_solve's. */
static void
test_no_binding_cap(void **state)
{
	struct inst	 t;
	uint32_t	 cor[BMAX * 2], k;
	int64_t		 total, full;
	unsigned	 n;

	(void)state;
	rng_state = 29;
	for (n = 0; n < 5000; n++) {
		inst_random(&t, densities[n % 4], ranges[n % 4]);
		for (k = 0; k < t.ngroups; k++)
			t.cap[k] = BMAX;
		assert_int_equal(assign_cap_solve(&t.p, &t.g, NULL, cor, &total,
		    NULL), 0);
		check_answer(&t, cor, total);
		assert_int_equal(assign_solve(&t.p, NULL, &full), 0);
		assert_int_equal(total, full);
	}
}

/*
 * Two offers of one company capped at 1 and a third of another: the best
 * pairs without the cap (both offers of company 0, 20) are not allowed;
 * within it, company 0 keeps one pair and the other candidate goes to
 * the third offer (10 + 2, not 10 + 1).
 */
static void
test_cap_moves_pairs(void **state)
{
	struct inst	t;
	uint32_t	cor[3];
	int64_t		total;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.nrows = 3;
	t.ncols = 2;
	t.ngroups = 2;
	/* rows: offer 0 and 1 of company 0, offer 2 of company 1 */
	t.w[0 * 2 + 0] = 10; t.w[0 * 2 + 1] = 9;
	t.w[1 * 2 + 0] = 9;  t.w[1 * 2 + 1] = 10;
	t.w[2 * 2 + 0] = 1;  t.w[2 * 2 + 1] = 2;
	t.group[0] = t.group[1] = 0;
	t.group[2] = 1;
	t.cap[0] = 1;
	t.cap[1] = 1;
	inst_csr(&t);
	assert_int_equal(assign_cap_solve(&t.p, &t.g, NULL, cor, &total,
	    NULL), 0);
	assert_int_equal(total, 10 + 2);
	assert_int_equal(cor[0], 0);
	assert_int_equal(cor[1], ASSIGN_NONE);
	assert_int_equal(cor[2], 1);
	/* A capacity of 0 leaves the group out. */
	t.cap[0] = 0;
	assert_int_equal(assign_cap_solve(&t.p, &t.g, NULL, cor, &total,
	    NULL), 0);
	assert_int_equal(total, 2);
	assert_int_equal(cor[0], ASSIGN_NONE);
	assert_int_equal(cor[1], ASSIGN_NONE);
	assert_int_equal(cor[2], 1);
	/* No edge at all. */
	t.nrows = 0;
	inst_csr(&t);
	assert_int_equal(assign_cap_solve(&t.p, &t.g, NULL, NULL, &total,
	    NULL), 0);
	assert_int_equal(total, 0);
}

static void
test_invalid(void **state)
{
	struct inst	t;
	uint32_t	cor[2];

	(void)state;
	memset(&t, 0, sizeof(t));
	t.nrows = 2;
	t.ncols = 2;
	t.ngroups = 1;
	t.w[0] = 5;
	t.w[3] = 4;
	t.cap[0] = 1;
	inst_csr(&t);
	assert_int_equal(assign_cap_solve(NULL, &t.g, NULL, cor, NULL, NULL),
	    IOD_EINVAL);
	assert_int_equal(assign_cap_solve(&t.p, NULL, NULL, cor, NULL, NULL),
	    IOD_EINVAL);
	t.group[1] = 1;			/* no such group */
	assert_int_equal(assign_cap_solve(&t.p, &t.g, NULL, cor, NULL, NULL),
	    IOD_EINVAL);
	t.group[1] = 0;
	t.score[1] = 0;			/* a score must be > 0 */
	assert_int_equal(assign_cap_solve(&t.p, &t.g, NULL, cor, NULL, NULL),
	    IOD_EINVAL);
	t.score[1] = ASSIGN_SCORE_MAX;	/* beyond the bound */
	assert_int_equal(assign_cap_solve(&t.p, &t.g, NULL, cor, NULL, NULL),
	    IOD_EINVAL);
	t.score[1] = 4;
	t.col[1] = 2;			/* no such column */
	assert_int_equal(assign_cap_solve(&t.p, &t.g, NULL, cor, NULL, NULL),
	    IOD_EINVAL);
}

/* ---- the judge for medium instances: a min-cost flow ------------------ */

/* Arcs by tail, linked; arc ^ 1 is the reverse. */
struct flow {
	uint32_t	 n, narcs, *head, *next, *to, *prev;
	int32_t		*room;
	int64_t		*cost, *pi, *dist;
	uint8_t		*done;
};

static void
flow_arc(struct flow *f, uint32_t u, uint32_t v, int32_t room, int64_t cost)
{
	uint32_t	a = f->narcs;

	f->to[a] = v; f->room[a] = room; f->cost[a] = cost;
	f->next[a] = f->head[u]; f->head[u] = a;
	f->to[a + 1] = u; f->room[a + 1] = 0; f->cost[a + 1] = -cost;
	f->next[a + 1] = f->head[v]; f->head[v] = a + 1;
	f->narcs += 2;
}

/*
 * Dijkstra from node 0 on reduced costs (quadratic: the judge is meant to
 * be plain, not fast), potentials moved by min(distance, the sink's).
 * Returns the cost of the shortest path to node 1, INT64_MAX if none.
 */
static int64_t
flow_search(struct flow *f)
{
	uint32_t	u, v, a;
	int64_t		d, dt;

	for (v = 0; v < f->n; v++) {
		f->dist[v] = INT64_MAX;
		f->done[v] = 0;
	}
	f->dist[0] = 0;
	for (;;) {
		for (u = UINT32_MAX, v = 0; v < f->n; v++)
			if (!f->done[v] && f->dist[v] != INT64_MAX &&
			    (u == UINT32_MAX || f->dist[v] < f->dist[u]))
				u = v;
		if (u == UINT32_MAX)
			break;
		f->done[u] = 1;
		for (a = f->head[u]; a != UINT32_MAX; a = f->next[a]) {
			if (f->room[a] <= 0)
				continue;
			v = f->to[a];
			d = f->dist[u] + f->cost[a] + f->pi[u] - f->pi[v];
			assert_true(d >= f->dist[u]);	/* reduced cost >= 0 */
			if (d < f->dist[v]) {
				f->dist[v] = d;
				f->prev[v] = a;
			}
		}
	}
	if (!f->done[1])
		return (INT64_MAX);
	dt = f->dist[1];
	for (v = 0; v < f->n; v++)
		f->pi[v] += f->dist[v] < dt ? f->dist[v] : dt;
	return (f->pi[1] - f->pi[0]);
}

/* The largest total within the capacities, by the flow. */
static int64_t
flow_best(const struct assign_problem *p, const struct assign_groups *gr)
{
	struct flow	 f;
	uint32_t	 r, e, c, v, a, rowbase, colbase, narcs;
	int64_t		 best = 0;

	memset(&f, 0, sizeof(f));
	rowbase = 2 + gr->ngroups;
	colbase = rowbase + p->nrows;
	f.n = colbase + p->ncols;
	narcs = 2 * (gr->ngroups + p->nrows + p->ncols +
	    (p->rowstart[p->nrows] - p->rowstart[0]));
	f.head = malloc(f.n * sizeof(uint32_t));
	f.next = malloc(narcs * sizeof(uint32_t));
	f.to = malloc(narcs * sizeof(uint32_t));
	f.prev = malloc(f.n * sizeof(uint32_t));
	f.room = malloc(narcs * sizeof(int32_t));
	f.cost = malloc(narcs * sizeof(int64_t));
	f.pi = calloc(f.n, sizeof(int64_t));
	f.dist = malloc(f.n * sizeof(int64_t));
	f.done = malloc(f.n);
	memset(f.head, 0xff, f.n * sizeof(uint32_t));
	for (r = 0; r < gr->ngroups; r++)
		flow_arc(&f, 0, 2 + r, (int32_t)gr->cap[r], 0);
	for (r = 0; r < p->nrows; r++) {
		flow_arc(&f, 2 + gr->group_of_row[r], rowbase + r, 1, 0);
		for (e = p->rowstart[r]; e < p->rowstart[r + 1]; e++) {
			v = colbase + p->col[e];
			flow_arc(&f, rowbase + r, v, 1, -p->score[e]);
			if (-p->score[e] < f.pi[v])
				f.pi[v] = -p->score[e];
		}
	}
	for (c = 0; c < p->ncols; c++) {
		flow_arc(&f, colbase + c, 1, 1, 0);
		if (f.pi[colbase + c] < f.pi[1])
			f.pi[1] = f.pi[colbase + c];
	}
	while (flow_search(&f) < 0)
		for (v = 1; v != 0; v = f.to[a ^ 1]) {
			a = f.prev[v];
			f.room[a]--;
			f.room[a ^ 1]++;
			best -= f.cost[a];
		}
	free(f.head); free(f.next); free(f.to); free(f.prev); free(f.room);
	free(f.cost); free(f.pi); free(f.dist); free(f.done);
	return (best);
}

/* Medium instances: the flow's total, whatever each row keeps. */
static void
test_against_flow(void **state)
{
	struct assign_problem	 p;
	struct assign_groups	 g;
	uint32_t		*rowstart, *col, *keep, *cor, *grp, cap[FGMAX];
	uint32_t		 nrows, ncols, r, c, n, k, taken[FGMAX];
	int64_t			*score, total, want, sum;
	unsigned		 i;

	(void)state;
	rng_state = 41;
	for (i = 0; i < 300; i++) {
		nrows = 1 + rng_below(FMAX);
		ncols = 1 + rng_below(FMAX);
		g.ngroups = 1 + rng_below(FGMAX);
		rowstart = calloc(nrows + 1, sizeof(*rowstart));
		col = calloc((size_t)nrows * ncols + 1, sizeof(*col));
		score = calloc((size_t)nrows * ncols + 1, sizeof(*score));
		keep = calloc(nrows, sizeof(*keep));
		cor = calloc(nrows, sizeof(*cor));
		grp = calloc(nrows, sizeof(*grp));
		for (n = 0, r = 0; r < nrows; r++) {
			rowstart[r] = n;
			grp[r] = rng_below(g.ngroups);
			keep[r] = i % 4 == 0 ? 0 : 1 + rng_below(4);
			for (c = 0; c < ncols; c++)
				if (rng_below(1000) < densities[i % 4] / 4) {
					col[n] = c;
					score[n++] = 1 + (int64_t)rng_below(
					    (uint32_t)ranges[i % 4]) *
					    (nrows + 1);
				}
		}
		rowstart[nrows] = n;
		for (k = 0; k < g.ngroups; k++)
			cap[k] = rng_below(6);
		g.group_of_row = grp;
		g.cap = cap;
		p.nrows = nrows;
		p.ncols = ncols;
		p.rowstart = rowstart;
		p.col = col;
		p.score = score;
		assert_int_equal(assign_cap_solve(&p, &g, keep, cor, &total,
		    NULL), 0);
		want = flow_best(&p, &g);
		if (total != want)
			fail_msg("instance %u (%ux%u, %u groups): %lld, flow "
			    "%lld", i, nrows, ncols, g.ngroups,
			    (long long)total, (long long)want);
		/* The answer keeps to the caps and adds up. */
		memset(taken, 0, sizeof(taken));
		for (sum = 0, r = 0; r < nrows; r++) {
			if (cor[r] == ASSIGN_NONE)
				continue;
			assert_true(++taken[grp[r]] <= cap[grp[r]]);
			for (k = rowstart[r]; k < rowstart[r + 1]; k++)
				if (col[k] == cor[r])
					break;
			assert_true(k < rowstart[r + 1]);
			sum += score[k];
		}
		assert_int_equal(sum, total);
		free(rowstart); free(col); free(score); free(keep);
		free(cor); free(grp);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_brute_force),
		cmocka_unit_test(test_no_binding_cap),
		cmocka_unit_test(test_against_flow),
		cmocka_unit_test(test_cap_moves_pairs),
		cmocka_unit_test(test_invalid),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
