/*
 * assign-cap.c — the batch assignment when rows come in groups with a
 * capacity: each row (an offer) belongs to one group (its company), and a
 * group may take at most its capacity of pairs (the proposals the rule
 * set still allows the company).  As a flow that is source -> group
 * (capacity) -> row (1) -> column (1) -> sink; it is solved here as the
 * plain assignment of a problem made one step bigger, so that the exact
 * solver, its pruning and its proof (assign.c, assign-prune.c) serve as
 * they are.  A group g with m rows that have edges and capacity k < m
 * gets m - k blocker columns, each joined to every one of its rows by an
 * edge worth H, more than any edge of the problem.  A best matching uses
 * every blocker (were one unused, a row of g on a real column or on none
 * would gain at least H - score > 0 by moving to it, and with m - k
 * blockers for m rows one row is always free to move), so at most k rows
 * of g keep a real column; and since the blockers are complete to g's
 * rows, any k rows may be the ones that do.  The blockers' worth is then
 * the same H * sum(m - k) in every such matching: what is left to
 * maximise is the real score, within every capacity.  A group with
 * capacity 0 simply loses its rows' edges.  Nothing here knows what the
 * rows, columns or groups stand for, and it keeps no state.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profiles.h"
#include "engine.h"

/* The contract's checks on the groups: 0 or IOD_EINVAL. */
static int
cap_check(const struct assign_problem *p, const struct assign_groups *gr)
{
	uint32_t	r, e;

	if (p == NULL || gr == NULL || p->nrows == ASSIGN_NONE ||
	    p->ncols == ASSIGN_NONE)
		return (IOD_EINVAL);
	if (p->nrows == 0)
		return (0);
	if (p->rowstart == NULL || gr->group_of_row == NULL ||
	    (gr->ngroups > 0 && gr->cap == NULL))
		return (IOD_EINVAL);
	for (r = 0; r < p->nrows; r++)
		if (p->rowstart[r + 1] < p->rowstart[r] ||
		    gr->group_of_row[r] >= gr->ngroups)
			return (IOD_EINVAL);
	if (p->rowstart[p->nrows] > p->rowstart[0] &&
	    (p->col == NULL || p->score == NULL))
		return (IOD_EINVAL);
	/* The blockers' columns follow the real ones: none may be named. */
	for (e = p->rowstart[0]; e < p->rowstart[p->nrows]; e++)
		if (p->col[e] >= p->ncols || p->score[e] <= 0)
			return (IOD_EINVAL);
	return (0);
}

/* The bigger problem's arrays, one allocation each. */
struct cap_work {
	uint32_t	*rows;		/* per group: rows with edges */
	uint32_t	*first;		/* per group: its first blocker */
	uint32_t	*rowstart, *col, *keep;
	int64_t		*score;
};

static void
cap_work_free(struct cap_work *w)
{
	free(w->rows);
	free(w->first);
	free(w->rowstart);
	free(w->col);
	free(w->keep);
	free(w->score);
}

int
assign_cap_solve(const struct assign_problem *p,
    const struct assign_groups *gr, const uint32_t *keep,
    uint32_t *col_of_row, int64_t *total, struct assign_prune_stats *st)
{
	struct assign_problem	 q;
	struct cap_work		 w;
	uint64_t		 nblock = 0, nedges = 0, n;
	uint32_t		 r, g, e, k, base, *cor = NULL;
	int64_t			 h = 0, sum = 0;
	int			 rc;

	if ((rc = cap_check(p, gr)) != 0)
		return (rc);
	memset(&w, 0, sizeof(w));
	rc = IOD_ENOMEM;
	if ((w.rows = calloc((size_t)gr->ngroups + 1, sizeof(*w.rows))) ==
	    NULL || (w.first = calloc((size_t)gr->ngroups + 1,
	    sizeof(*w.first))) == NULL)
		goto out;
	for (r = 0; r < p->nrows; r++) {
		w.rows[gr->group_of_row[r]] += p->rowstart[r + 1] >
		    p->rowstart[r];
		for (e = p->rowstart[r]; e < p->rowstart[r + 1]; e++)
			if (p->score[e] > h)
				h = p->score[e];
	}
	/* Each group's blockers, after the real columns. */
	for (g = 0; g < gr->ngroups; g++) {
		w.first[g] = (uint32_t)(p->ncols + nblock);
		if (gr->cap[g] > 0 && w.rows[g] > gr->cap[g])
			nblock += w.rows[g] - gr->cap[g];
	}
	for (r = 0; r < p->nrows; r++) {
		g = gr->group_of_row[r];
		if (gr->cap[g] == 0)
			continue;
		nedges += p->rowstart[r + 1] - p->rowstart[r];
		if (w.rows[g] > gr->cap[g] && p->rowstart[r + 1] > p->rowstart[r])
			nedges += w.rows[g] - gr->cap[g];
	}
	if (p->ncols + nblock >= ASSIGN_NONE || nedges >= UINT32_MAX ||
	    h >= INT64_MAX) {
		rc = IOD_EINVAL;
		goto out;
	}
	h++;				/* more than any edge */
	if ((w.rowstart = calloc((size_t)p->nrows + 1,
	    sizeof(*w.rowstart))) == NULL ||
	    (w.col = calloc(nedges + 1, sizeof(*w.col))) == NULL ||
	    (w.score = calloc(nedges + 1, sizeof(*w.score))) == NULL ||
	    (w.keep = calloc((size_t)p->nrows + 1, sizeof(*w.keep))) == NULL ||
	    (cor = calloc((size_t)p->nrows + 1, sizeof(*cor))) == NULL)
		goto out;
	for (n = 0, r = 0; r < p->nrows; r++) {
		w.rowstart[r] = (uint32_t)n;
		g = gr->group_of_row[r];
		if (gr->cap[g] == 0 || p->rowstart[r + 1] == p->rowstart[r])
			continue;
		for (e = p->rowstart[r]; e < p->rowstart[r + 1]; e++) {
			w.col[n] = p->col[e];
			w.score[n++] = p->score[e];
		}
		k = w.rows[g] > gr->cap[g] ? w.rows[g] - gr->cap[g] : 0;
		for (base = w.first[g]; base < w.first[g] + k; base++) {
			w.col[n] = base;
			w.score[n++] = h;
		}
		/* The blockers come first among the best: keep them too. */
		w.keep[r] = keep == NULL || keep[r] == 0 ? 0 : keep[r] + k;
	}
	w.rowstart[p->nrows] = (uint32_t)n;
	q.nrows = p->nrows;
	q.ncols = (uint32_t)(p->ncols + nblock);
	q.rowstart = w.rowstart;
	q.col = w.col;
	q.score = w.score;
	if ((rc = assign_prune_solve(&q, w.keep, cor, NULL, st)) != 0)
		goto out;
	/* A row on a blocker is a row left out; the others score their
	 * best edge to their column (a pair may repeat). */
	for (r = 0; r < p->nrows; r++) {
		if (cor[r] >= p->ncols) {
			cor[r] = ASSIGN_NONE;
			continue;
		}
		for (e = p->rowstart[r], h = 0; e < p->rowstart[r + 1]; e++)
			if (p->col[e] == cor[r] && p->score[e] > h)
				h = p->score[e];
		sum += h;
	}
	if (col_of_row != NULL)
		memcpy(col_of_row, cor, p->nrows * sizeof(*cor));
	if (total != NULL)
		*total = sum;
	rc = 0;
out:
	free(cor);
	cap_work_free(&w);
	return (rc);
}
