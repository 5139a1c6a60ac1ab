/*
 * assign.c — the batch assignment: given offers (rows), candidates
 * (columns) and the scored pairs found eligible, choose the one-to-one
 * matching of largest total score, exactly.  It does not decide which
 * pairs are eligible nor what they score (the scoring code does), does not
 * know what rows and columns stand for, and keeps no state between calls.
 *
 * Method: successive shortest augmenting paths (Jonker-Volgenant style) on
 * the sparse graph, as a min-cost problem where a pair costs
 * -(score * K + 1), K = min(nrows, ncols) + 1: one integer that ranks
 * matchings by total score, then by number of pairs, so that a tie between
 * matching one more row and not never arises.  Each row r also owns a
 * private dummy column d_r of cost 0 ("r stays unmatched"), so every row
 * is matched in the augmented problem and the optimum is of largest
 * weight, not of largest cardinality.  Rows are inserted one at a time;
 * inserting row r runs Dijkstra from r on reduced costs
 * c(i,j) - u(i) - v(j) >= 0 with a binary heap, stops as soon as the
 * nearest free column (a real one, or the dummy of a row it reached) is
 * settled, moves the potentials of the settled columns so reduced costs
 * stay >= 0 and matched edges stay at 0, and flips the path.
 *
 * Facts that keep this small and fast:
 * - A matched column stays matched, and a row left on its dummy is never
 *   reached again (its dummy is its only way in), so free columns and all
 *   dummies keep potential 0: dummies need no storage, and the dummy of a
 *   reached row i is a sink at distance dist(col(i)) - u(i).
 * - u(i) = c(i, col(i)) - v(col(i)) is not stored; it is derived from the
 *   matched edge, which keeps matched edges tight by construction.
 * - u(i) <= 0 (the dummy edge is feasible) and v(j) is in [-M, 0] for the
 *   largest |cost| M, so u(i) is in [-M, 0], every distance the search
 *   keeps in [-M, 0] and every intermediate sum in [-2M, 2M]: bounding
 *   M by ASSIGN_SCORE_MAX rules out overflow, in either orientation.
 * - The nearest sink known so far (the root's dummy is at 0) bounds the
 *   search: a farther column is never pushed, and since v <= 0 a row is
 *   scanned best score first and left as soon as its scores are too small
 *   (assign_scan), which keeps contested rows, scanned again and again
 *   when many rows want the same columns, cheap.
 * - Plateaus of equal distances, frequent with integer points, are not
 *   wandered: at equal distance the heap takes a free column first, and a
 *   dummy as near as the heap's top ends the search.
 * - Many rows competing for fewer columns make every insertion cross the
 *   same plateau; the transposed problem, whose rows find free columns at
 *   once, is solved instead (assign_transpose).
 * Each inserted row touches only the columns it reaches: the work arrays
 * are reused across rows and "this row's" entries are told apart by a
 * stamp, never cleared.  The hot per-column state is 32 bytes, half a
 * cache line.  Remaining ties go by (distance, free first, column index)
 * in the heap and to the first dummy found, never to the order of edges
 * in a row, so the result depends only on the set of edges.
 * The final potentials are the optimum's certificate: assign_solve_dual
 * hands them out (as duals of the symmetric problem) for a caller that
 * solved part of its edges to prove the rest cannot improve the answer
 * (assign-prune.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profiles.h"
#include "engine.h"

#define ASSIGN_SETTLED	UINT32_MAX	/* assign_col.pos once popped */

struct assign_col {
	int64_t		 dist;	/* reduced distance from the root row */
	int64_t		 v;	/* potential, in [-M, 0] */
	uint32_t	 stamp;	/* row insertion (r + 1) that set dist, pos */
	uint32_t	 pos;	/* heap index or ASSIGN_SETTLED */
	uint32_t	 pedge;	/* edge by which dist was reached */
	uint32_t	 row;	/* matched row or ASSIGN_NONE */
};

struct assign_work {
	const struct assign_problem	*p;
	struct assign_col		*cols;
	uint32_t			*medge;	/* per row: matched edge */
	uint32_t			*heap;
	uint32_t			 nheap;
	uint32_t			*settled;
	uint32_t			 nsettled;
	uint32_t			*order;	/* per edge: see assign_scan */
	uint32_t			*nheaped; /* per row: heap part */
	int64_t				 best;	/* nearest sink known: */
	uint64_t			 btie;	/* its rank, see assign_tie */
	int64_t				 k;	/* score scale */
};

/*
 * The rank of a sink or column among those at the same distance, in the
 * order the search settles them: a dummy ends the search at once, then
 * free columns (one ends it too, instead of the search wandering a
 * plateau of equal distances), then matched ones, each by index, so that
 * ties never depend on the order of edges.  A column ranked after the
 * nearest sink known can never matter, nor can what lies beyond it: the
 * search would stop before settling it.
 */
#define ASSIGN_TIE_DUMMY	0
static inline uint64_t
assign_tie(const struct assign_col *c, uint32_t j)
{
	return ((c->row == ASSIGN_NONE ? 1 : (uint64_t)1 << 32) + j);
}

/* Heap order: distance, then rank. */
static inline int
assign_less(const struct assign_col *cols, uint32_t a, uint32_t b)
{
	if (cols[a].dist != cols[b].dist)
		return (cols[a].dist < cols[b].dist);
	return (assign_tie(&cols[a], a) < assign_tie(&cols[b], b));
}

/* Move heap entry k towards the root until its parent is not larger. */
static void
assign_heap_up(struct assign_work *w, uint32_t k)
{
	struct assign_col	*cols = w->cols;
	uint32_t		 j = w->heap[k], parent;

	while (k > 0) {
		parent = (k - 1) / 2;
		if (!assign_less(cols, j, w->heap[parent]))
			break;
		w->heap[k] = w->heap[parent];
		cols[w->heap[k]].pos = k;
		k = parent;
	}
	w->heap[k] = j;
	cols[j].pos = k;
}

/* Take the smallest column off the heap. */
static uint32_t
assign_heap_pop(struct assign_work *w)
{
	struct assign_col	*cols = w->cols;
	uint32_t		 top = w->heap[0], j, k = 0, child, n;

	n = --w->nheap;
	if (n > 0) {
		j = w->heap[n];
		for (;;) {
			child = 2 * k + 1;
			if (child >= n)
				break;
			if (child + 1 < n && assign_less(cols,
			    w->heap[child + 1], w->heap[child]))
				child++;
			if (!assign_less(cols, w->heap[child], j))
				break;
			w->heap[k] = w->heap[child];
			cols[w->heap[k]].pos = k;
			k = child;
		}
		w->heap[k] = j;
		cols[j].pos = k;
	}
	cols[top].pos = ASSIGN_SETTLED;
	return (top);
}

/* The row owning edge e: the path walk needs it, the hot loop does not. */
static uint32_t
assign_row_of_edge(const struct assign_problem *p, uint32_t e)
{
	uint32_t	 lo = 0, hi = p->nrows - 1, mid;

	/* Largest r with rowstart[r] <= e; empty rows share the next start. */
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (p->rowstart[mid] <= e)
			lo = mid;
		else
			hi = mid - 1;
	}
	return (lo);
}

/* Edge x before y in a row's order: best score, then lowest column. */
static inline int
assign_before(const struct assign_problem *p, uint32_t x, uint32_t y)
{
	if (p->score[x] != p->score[y])
		return (p->score[x] > p->score[y]);
	return (p->col[x] < p->col[y]);
}

/* Restore the heap (first: assign_before) of edges a[0..n) below k. */
static void
assign_order_down(const struct assign_problem *p, uint32_t *a, uint32_t n,
    uint32_t k)
{
	uint32_t	 e = a[k], child;

	for (;;) {
		child = 2 * k + 1;
		if (child >= n)
			break;
		if (child + 1 < n && assign_before(p, a[child + 1], a[child]))
			child++;
		if (!assign_before(p, a[child], e))
			break;
		a[k] = a[child];
		k = child;
	}
	a[k] = e;
}

/*
 * Relax row i's edges at base h (its distance minus u(i)), best score
 * first, and stop once an edge cannot beat the nearest sink known: v <= 0
 * makes h + cost a lower bound on the distance of every later edge, and
 * at equal score later edges have higher columns, so lower ranks.
 * Usually only the first few edges of a row are needed, so each row's
 * order[] is sorted lazily, as an in-place heapsort: a max-heap in front
 * (nheaped[i] entries, built on the row's first scan) and the edges taken
 * so far behind it, best last.
 */
static void
assign_scan(struct assign_work *w, uint32_t i, int64_t h, uint32_t stamp)
{
	const struct assign_problem	*p = w->p;
	const int64_t			*score = p->score;
	struct assign_col		*c;
	uint32_t			*a, n, k, e, j, top;
	int64_t				 nd, cost;
	uint64_t			 tie;

	a = w->order + (p->rowstart[i] - p->rowstart[0]);
	n = p->rowstart[i + 1] - p->rowstart[i];
	if (w->nheaped[i] == ASSIGN_NONE) {
		for (k = 0; k < n; k++)
			a[k] = p->rowstart[i] + k;
		for (k = n / 2; k > 0; k--)
			assign_order_down(p, a, n, k - 1);
		w->nheaped[i] = n;
	}
	for (k = n; k > 0; k--) {
		if (k - 1 < w->nheaped[i]) {
			/* Take the heap's best into the sorted tail. */
			top = a[0];
			a[0] = a[k - 1];
			a[k - 1] = top;
			w->nheaped[i] = k - 1;
			assign_order_down(p, a, k - 1, 0);
		}
		e = a[k - 1];
		j = p->col[e];
		cost = -(score[e] * w->k + 1);
		if (h + cost > w->best || (h + cost == w->best &&
		    1 + (uint64_t)j > w->btie))
			break;
		c = &w->cols[j];
		nd = h + cost - c->v;
		tie = assign_tie(c, j);
		if (nd > w->best || (nd == w->best && tie > w->btie))
			continue;
		if (c->row == ASSIGN_NONE) {
			w->best = nd;		/* a real sink at nd */
			w->btie = tie;
		}
		if (c->stamp != stamp) {
			c->stamp = stamp;
			c->dist = nd;
			c->pedge = e;
			w->heap[w->nheap] = j;
			assign_heap_up(w, w->nheap++);
		} else if (c->pos != ASSIGN_SETTLED && nd < c->dist) {
			c->dist = nd;
			c->pedge = e;
			assign_heap_up(w, c->pos);
		}
	}
}

/*
 * Insert row r: Dijkstra from r until the nearest sink is settled, then
 * update the potentials of the settled columns and flip the path.
 */
static void
assign_insert(struct assign_work *w, uint32_t r)
{
	const struct assign_problem	*p = w->p;
	struct assign_col		*cols = w->cols, *c;
	uint32_t			 stamp = r + 1, i = r, j, e, next;
	uint32_t			 sink = ASSIGN_NONE, srow = r, k;
	int64_t				 h = 0, best = 0, minval;

	/* best: nearest dummy; w->best: nearest sink, dummy or free column. */
	w->nheap = 0;
	w->nsettled = 0;
	w->best = 0;
	w->btie = ASSIGN_TIE_DUMMY;
	for (;;) {
		assign_scan(w, i, h, stamp);

		/* Settle the nearest column, unless a dummy is nearer. */
		if (w->nheap == 0 || cols[w->heap[0]].dist >= best) {
			minval = best;
			break;
		}
		j = assign_heap_pop(w);
		w->settled[w->nsettled++] = j;
		if (cols[j].row == ASSIGN_NONE) {
			sink = j;
			minval = cols[j].dist;
			break;
		}
		i = cols[j].row;
		h = cols[j].dist + cols[j].v + p->score[w->medge[i]] * w->k + 1;
		if (h < best) {
			best = h;
			srow = i;
			if (h <= w->best) {
				w->best = h;
				w->btie = ASSIGN_TIE_DUMMY;
			}
		}
	}

	/* Settled columns move by their slack to the sink; others stay. */
	for (k = 0; k < w->nsettled; k++) {
		c = &cols[w->settled[k]];
		c->v -= minval - c->dist;
	}

	/* Flip the path: each column goes to the row that reached it. */
	if (sink == ASSIGN_NONE) {
		if (srow == r)
			return;		/* r stays unmatched */
		j = p->col[w->medge[srow]];
		w->medge[srow] = ASSIGN_NONE;
	} else
		j = sink;
	for (;;) {
		e = cols[j].pedge;
		i = (e >= p->rowstart[r] && e < p->rowstart[r + 1]) ? r :
		    assign_row_of_edge(p, e);
		next = (i == r) ? ASSIGN_NONE : p->col[w->medge[i]];
		cols[j].row = i;
		w->medge[i] = e;
		if (i == r)
			break;
		j = next;
	}
}

/* K: pairs cost -(score * K + 1), fewer than K pairs only break ties. */
static int64_t
assign_scale(const struct assign_problem *p)
{
	return ((int64_t)(p->nrows < p->ncols ? p->nrows : p->ncols) + 1);
}

/* Check the contract of assign_solve; a wrong input is a caller's bug. */
static int
assign_check(const struct assign_problem *p)
{
	uint32_t	 r, e;
	int64_t		 sum = 0, max, bound;

	if (p == NULL || p->nrows == ASSIGN_NONE || p->ncols == ASSIGN_NONE)
		return (IOD_EINVAL);
	if (p->nrows == 0)
		return (0);
	if (p->rowstart == NULL)
		return (IOD_EINVAL);
	for (r = 0; r < p->nrows; r++)
		if (p->rowstart[r + 1] < p->rowstart[r])
			return (IOD_EINVAL);
	if (p->rowstart[p->nrows] > p->rowstart[0] &&
	    (p->col == NULL || p->score == NULL))
		return (IOD_EINVAL);
	bound = ASSIGN_SCORE_MAX / assign_scale(p);
	for (r = 0; r < p->nrows; r++) {
		max = 0;
		for (e = p->rowstart[r]; e < p->rowstart[r + 1]; e++) {
			if (p->col[e] >= p->ncols || p->score[e] <= 0 ||
			    p->score[e] > bound)
				return (IOD_EINVAL);
			if (p->score[e] > max)
				max = p->score[e];
		}
		if (max > INT64_MAX - sum)
			return (IOD_EINVAL);
		sum += max;
	}
	return (0);
}

/*
 * Solve a checked problem with pair costs -(score * k + 1): medge (OUT,
 * nrows entries) gets each row's matched edge or ASSIGN_NONE, v (OUT,
 * ncols entries, or NULL) the columns' final potentials.
 */
static int
assign_run(const struct assign_problem *p, int64_t k, uint32_t *medge,
    int64_t *v)
{
	struct assign_work	 w;
	uint32_t		 r, j, nsettled;
	int			 rc = IOD_ENOMEM;

	memset(&w, 0, sizeof w);
	/* One more than the matched columns: all a search can settle. */
	nsettled = (p->nrows < p->ncols ? p->nrows : p->ncols) + 1;
	w.p = p;
	w.k = k;
	w.medge = medge;
	w.cols = calloc(p->ncols + (size_t)1, sizeof *w.cols);
	w.heap = calloc(p->ncols + (size_t)1, sizeof *w.heap);
	w.settled = calloc(nsettled, sizeof *w.settled);
	w.nheaped = calloc(p->nrows + (size_t)1, sizeof *w.nheaped);
	w.order = malloc(((size_t)p->rowstart[p->nrows] - p->rowstart[0] + 1) *
	    sizeof *w.order);
	if (w.cols == NULL || w.heap == NULL || w.settled == NULL ||
	    w.nheaped == NULL || w.order == NULL)
		goto out;
	for (j = 0; j < p->ncols; j++)
		w.cols[j].row = ASSIGN_NONE;
	for (r = 0; r < p->nrows; r++)
		medge[r] = w.nheaped[r] = ASSIGN_NONE;
	for (r = 0; r < p->nrows; r++)
		assign_insert(&w, r);
	if (v != NULL)
		for (j = 0; j < p->ncols; j++)
			v[j] = w.cols[j].v;
	rc = 0;
out:
	free(w.cols);
	free(w.heap);
	free(w.settled);
	free(w.nheaped);
	free(w.order);
	return (rc);
}

/*
 * A problem in one block: the header, score (8-aligned), rowstart
 * (zeroed), col; the arrays come back writable.  NULL if out of memory.
 */
static struct assign_problem *
assign_alloc(uint32_t nrows, uint32_t ncols, size_t nedges,
    uint32_t **rowstart, uint32_t **col, int64_t **score)
{
	struct assign_problem	*p;
	size_t			 head = (sizeof *p + 7) & ~(size_t)7;

#if SIZE_MAX < UINT64_MAX
	if (16 * (uint64_t)nedges + 4 * (uint64_t)nrows + 64 > SIZE_MAX)
		return (NULL);
#endif
	p = calloc(1, head + nedges * sizeof **score +
	    (nrows + (size_t)1) * sizeof **rowstart + nedges * sizeof **col);
	if (p == NULL)
		return (NULL);
	*score = (int64_t *)(void *)((char *)p + head);
	*rowstart = (uint32_t *)(void *)(*score + nedges);
	*col = *rowstart + nrows + 1;
	p->nrows = nrows;
	p->ncols = ncols;
	p->score = *score;
	p->rowstart = *rowstart;
	p->col = *col;
	return (p);
}

/*
 * The transposed problem, when inserting its rows is the cheaper way:
 * when fewer columns have an edge than there are rows, many rows compete
 * for few columns, and rows that value the columns alike make plateaus
 * the search must cross at every insertion; inserting the columns
 * instead finds free rows at once.  *tp (OUT, caller frees) is NULL when
 * not worth it.
 */
static int
assign_transpose(const struct assign_problem *p,
    struct assign_problem **tp)
{
	struct assign_problem	*t = NULL;
	uint32_t		*rowstart, *col, *count, r, e, c, base, active;
	int64_t			*score;
	size_t			 nedges;
	int			 rc = 0;

	*tp = NULL;
	base = p->rowstart[0];
	nedges = p->rowstart[p->nrows] - base;
	if ((count = calloc(p->ncols + (size_t)1, sizeof *count)) == NULL)
		return (IOD_ENOMEM);
	for (e = base; e < p->rowstart[p->nrows]; e++)
		count[p->col[e]]++;
	for (active = 0, c = 0; c < p->ncols; c++)
		active += count[c] != 0;
	if (active >= p->nrows)
		goto out;

	if ((t = assign_alloc(p->ncols, p->nrows, nedges, &rowstart, &col,
	    &score)) == NULL) {
		rc = IOD_ENOMEM;
		goto out;
	}
	/* A stable counting sort of the edges by column. */
	for (c = 0; c < p->ncols; c++)
		rowstart[c + 1] = rowstart[c] + count[c];
	for (r = 0; r < p->nrows; r++) {
		for (e = p->rowstart[r]; e < p->rowstart[r + 1]; e++) {
			c = p->col[e];
			col[rowstart[c]] = r;
			score[rowstart[c]++] = p->score[e];
		}
	}
	memmove(rowstart + 1, rowstart, p->ncols * sizeof *rowstart);
	rowstart[0] = 0;

	*tp = t;
out:
	free(count);
	return (rc);
}

int
assign_solve(const struct assign_problem *p, uint32_t *col_of_row,
    int64_t *total)
{
	return (assign_solve_dual(p, col_of_row, total, NULL, NULL, NULL));
}

/*
 * The duals of the symmetric problem from the potentials of the one
 * solved (q, medge, v): with U = -u and V = -v, where u of a matched row
 * is its pair's cost minus its column's potential and u of a row left on
 * its dummy is 0, every edge has U + V >= score * k + 1 (reduced costs
 * >= 0), matched ones with equality.
 */
static void
assign_duals(const struct assign_problem *q, const uint32_t *medge,
    const int64_t *v, int64_t k, int64_t *du, int64_t *dv)
{
	uint32_t	 r, j, e;

	for (j = 0; j < q->ncols; j++)
		dv[j] = -v[j];
	for (r = 0; r < q->nrows; r++) {
		e = medge[r];
		du[r] = e == ASSIGN_NONE ? 0 :
		    q->score[e] * k + 1 + v[q->col[e]];
	}
}

int
assign_solve_dual(const struct assign_problem *p, uint32_t *col_of_row,
    int64_t *total, int64_t *row_dual, int64_t *col_dual, int64_t *scale)
{
	struct assign_problem	*t = NULL;
	const struct assign_problem *q;
	uint32_t		*medge = NULL, r, e;
	int64_t			 k, sum = 0, *v = NULL;
	int			 rc, duals;

	if ((rc = assign_check(p)) != 0)
		return (rc);
	duals = row_dual != NULL && col_dual != NULL;
	k = assign_scale(p);
	if (scale != NULL)
		*scale = k;
	if (p->nrows == 0) {
		if (total != NULL)
			*total = 0;
		if (duals)
			memset(col_dual, 0, p->ncols * sizeof *col_dual);
		return (0);
	}
	if ((rc = assign_transpose(p, &t)) != 0)
		return (rc);
	q = t != NULL ? t : p;
	rc = IOD_ENOMEM;
	if ((medge = calloc(q->nrows + (size_t)1, sizeof *medge)) == NULL ||
	    (duals && (v = calloc(q->ncols + (size_t)1, sizeof *v)) == NULL))
		goto out;
	if ((rc = assign_run(q, k, medge, v)) != 0)
		goto out;

	/* Back to the caller's orientation. */
	if (col_of_row != NULL) {
		for (r = 0; r < p->nrows; r++)
			col_of_row[r] = ASSIGN_NONE;
	}
	for (r = 0; r < q->nrows; r++) {
		if ((e = medge[r]) == ASSIGN_NONE)
			continue;
		if (col_of_row != NULL && t == NULL)
			col_of_row[r] = q->col[e];
		else if (col_of_row != NULL)
			col_of_row[q->col[e]] = r;
		sum += q->score[e];
	}
	if (duals && t == NULL)
		assign_duals(q, medge, v, k, row_dual, col_dual);
	else if (duals)
		assign_duals(q, medge, v, k, col_dual, row_dual);
	if (total != NULL)
		*total = sum;
out:
	free(medge);
	free(v);
	free(t);
	return (rc);
}

int
assign_problem_new(uint32_t nrows, uint32_t ncols,
    const struct assign_edge *edges, size_t nedges,
    struct assign_problem **out)
{
	struct assign_problem	*p = NULL;
	uint32_t		*rowstart, *col, *seen = NULL, *at = NULL;
	int64_t			*score;
	size_t			 k;
	uint32_t		 r, e, n, begin, end, c;
	int			 rc = IOD_EINVAL;

	if (out == NULL)
		return (IOD_EINVAL);
	*out = NULL;
	if (nrows == ASSIGN_NONE || ncols == ASSIGN_NONE ||
	    nedges > UINT32_MAX || (nedges > 0 && edges == NULL))
		return (IOD_EINVAL);
	for (k = 0; k < nedges; k++) {
		if (edges[k].row >= nrows || edges[k].col >= ncols ||
		    edges[k].score <= 0)
			return (IOD_EINVAL);
	}

	rc = IOD_ENOMEM;
	if ((p = assign_alloc(nrows, ncols, nedges, &rowstart, &col,
	    &score)) == NULL)
		goto out;
	if ((seen = calloc(ncols + (size_t)1, sizeof *seen)) == NULL ||
	    (at = calloc(ncols + (size_t)1, sizeof *at)) == NULL)
		goto out;

	/* A stable counting sort by row. */
	for (k = 0; k < nedges; k++)
		rowstart[edges[k].row + 1]++;
	for (r = 0; r < nrows; r++)
		rowstart[r + 1] += rowstart[r];
	for (k = 0; k < nedges; k++) {
		e = rowstart[edges[k].row]++;
		col[e] = edges[k].col;
		score[e] = edges[k].score;
	}
	memmove(rowstart + 1, rowstart, nrows * sizeof *rowstart);
	rowstart[0] = 0;

	/* Merge repeated pairs: seen[c] is 1 + the last row that had c. */
	for (n = 0, r = 0; r < nrows; r++) {
		begin = rowstart[r];
		end = rowstart[r + 1];
		rowstart[r] = n;
		for (e = begin; e < end; e++) {
			c = col[e];
			if (seen[c] == r + 1) {
				if (score[e] > score[at[c]])
					score[at[c]] = score[e];
				continue;
			}
			seen[c] = r + 1;
			at[c] = n;
			col[n] = c;
			score[n++] = score[e];
		}
	}
	rowstart[nrows] = n;
	*out = p;
	p = NULL;
	rc = 0;
out:
	free(seen);
	free(at);
	free(p);
	return (rc);
}

void
assign_problem_free(struct assign_problem *p)
{
	free(p);
}
