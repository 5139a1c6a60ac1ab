/*
 * assign-prune.c — the batch assignment on each row's best edges, proven
 * exact.  An offer rarely ends with a candidate far down its own ranking:
 * only as many offers as share its candidates can take its better ones.
 * So the assignment is solved (assign.c) on each row's few best edges,
 * and the duals of that solve are a certificate: every edge left out
 * whose reduced cost is not positive cannot improve the matching.  Edges
 * that fail the test are added and the problem solved again, until the
 * certificate covers every edge.  It does not choose how many edges a row
 * keeps (the caller knows how contested its rows are) and keeps no state.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profiles.h"
#include "engine.h"

/* Edge x ranks below edge y in its row: lower score, then higher column. */
static inline int
prune_worse(const struct assign_problem *p, uint32_t x, uint32_t y)
{
	if (p->score[x] != p->score[y])
		return (p->score[x] < p->score[y]);
	return (p->col[x] > p->col[y]);
}

/* Restore the heap (root: the worst edge kept) of h[0..n) below i. */
static void
prune_down(const struct assign_problem *p, uint32_t *h, uint32_t n,
    uint32_t i)
{
	uint32_t	 e = h[i], c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && prune_worse(p, h[c + 1], h[c]))
			c++;
		if (!prune_worse(p, h[c], e))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = e;
}

/* Mark in[] row r's best kr of its n > kr edges, with heap h (kr). */
static void
prune_select(const struct assign_problem *p, uint32_t r, uint32_t kr,
    uint32_t *h, uint8_t *in)
{
	uint32_t	 first = p->rowstart[r], n, i, base = p->rowstart[0];

	n = p->rowstart[r + 1] - first;
	for (i = 0; i < kr; i++)
		h[i] = first + i;
	for (i = kr / 2; i > 0; i--)
		prune_down(p, h, kr, i - 1);
	for (i = kr; i < n; i++) {
		if (prune_worse(p, first + i, h[0]))
			continue;
		h[0] = first + i;
		prune_down(p, h, kr, 0);
	}
	for (i = 0; i < kr; i++)
		in[h[i] - base] = 1;
}

/* The contract of assign_solve, checked on the whole problem (the
 * solves see only part of it). */
static int
prune_check(const struct assign_problem *p)
{
	uint32_t	 r, e;
	int64_t		 bound;

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
	bound = ASSIGN_SCORE_MAX /
	    ((int64_t)(p->nrows < p->ncols ? p->nrows : p->ncols) + 1);
	for (e = p->rowstart[0]; e < p->rowstart[p->nrows]; e++)
		if (p->col[e] >= p->ncols || p->score[e] <= 0 ||
		    p->score[e] > bound)
			return (IOD_EINVAL);
	return (0);
}

/* Room for n edges in *col and *score (capacity *cap): 0 or IOD_ENOMEM. */
static int
prune_room(uint32_t **col, int64_t **score, size_t *cap, size_t n)
{
	void	*q;
	size_t	 c;

	if (n <= *cap)
		return (0);
	c = n + n / 2 + 64;
	if ((q = reallocarray(*col, c, sizeof **col)) == NULL)
		return (IOD_ENOMEM);
	*col = q;
	if ((q = reallocarray(*score, c, sizeof **score)) == NULL)
		return (IOD_ENOMEM);
	*score = q;
	*cap = c;
	return (0);
}

/* The next problem's arrays become the current ones, and back. */
static void
prune_swap(uint32_t **col, uint32_t **col2, int64_t **score,
    int64_t **score2, size_t *cap, size_t *cap2)
{
	uint32_t	*c = *col;
	int64_t		*s = *score;
	size_t		 n = *cap;

	*col = *col2;
	*col2 = c;
	*score = *score2;
	*score2 = s;
	*cap = *cap2;
	*cap2 = n;
}

int
assign_prune_solve(const struct assign_problem *p, const uint32_t *keep,
    uint32_t *col_of_row, int64_t *total, struct assign_prune_stats *st)
{
	struct assign_prune_stats s;
	struct assign_problem	 sub;
	uint8_t			*in = NULL;
	uint32_t		*rowstart = NULL, *col = NULL, *h = NULL;
	uint32_t		*col2 = NULL, *acol = NULL, *arow = NULL;
	uint32_t		 r, e, n, kr, maxk = 0, base;
	int64_t			*score = NULL, *score2 = NULL, *ascore = NULL;
	int64_t			*du = NULL, *dv = NULL, k;
	size_t			 nedges, nin, cap = 0, cap2 = 0, acap = 0;
	size_t			 added;
	int			 rc;

	memset(&s, 0, sizeof s);
	if ((rc = prune_check(p)) != 0)
		return (rc);
	if (p->nrows == 0 || p->rowstart[p->nrows] == p->rowstart[0]) {
		s.rounds = 1;
		rc = assign_solve(p, col_of_row, total);
		goto out;
	}
	base = p->rowstart[0];
	nedges = p->rowstart[p->nrows] - base;
	rc = IOD_ENOMEM;
	if ((in = calloc(nedges, 1)) == NULL ||
	    (rowstart = calloc(p->nrows + (size_t)1, sizeof *rowstart)) ==
	    NULL || (arow = calloc(p->nrows + (size_t)1, sizeof *arow)) ==
	    NULL || (du = calloc(p->nrows, sizeof *du)) == NULL ||
	    (dv = calloc(p->ncols + (size_t)1, sizeof *dv)) == NULL)
		goto out;
	for (r = 0; r < p->nrows; r++) {
		n = p->rowstart[r + 1] - p->rowstart[r];
		if (keep != NULL && keep[r] != 0 && keep[r] < n &&
		    keep[r] > maxk)
			maxk = keep[r];
	}
	if (maxk > 0 && (h = calloc(maxk, sizeof *h)) == NULL)
		goto out;
	for (r = 0; r < p->nrows; r++) {
		n = p->rowstart[r + 1] - p->rowstart[r];
		kr = keep != NULL && keep[r] != 0 && keep[r] < n ? keep[r] : n;
		if (kr < n)
			prune_select(p, r, kr, h, in);
		else
			memset(in + (p->rowstart[r] - base), 1, n);
	}

	/* The first problem: each row's edges kept. */
	for (nin = 0, e = 0; e < nedges; e++)
		nin += in[e];
	if ((rc = prune_room(&col, &score, &cap, nin)) != 0)
		goto out;
	for (nin = 0, r = 0; r < p->nrows; r++) {
		rowstart[r] = (uint32_t)nin;
		for (e = p->rowstart[r]; e < p->rowstart[r + 1]; e++) {
			if (!in[e - base])
				continue;
			col[nin] = p->col[e];
			score[nin++] = p->score[e];
		}
	}
	rowstart[p->nrows] = (uint32_t)nin;
	s.kept = nin;

	for (;;) {
		sub.nrows = p->nrows;
		sub.ncols = p->ncols;
		sub.rowstart = rowstart;
		sub.col = col;
		sub.score = score;
		if ((rc = assign_solve_dual(&sub, col_of_row, total, du, dv,
		    &k)) != 0)
			goto out;
		s.rounds++;

		/* The certificate: no edge left out may have a positive
		 * reduced cost; those that do come in, row by row. */
		for (added = 0, r = 0; r < p->nrows; r++) {
			arow[r] = (uint32_t)added;
			for (e = p->rowstart[r]; e < p->rowstart[r + 1]; e++) {
				if (in[e - base] || du[r] + dv[p->col[e]] >=
				    p->score[e] * k + 1)
					continue;
				in[e - base] = 1;
				if ((rc = prune_room(&acol, &ascore, &acap,
				    added + 1)) != 0)
					goto out;
				acol[added] = p->col[e];
				ascore[added++] = p->score[e];
			}
		}
		arow[p->nrows] = (uint32_t)added;
		if (added == 0)
			break;
		s.added += added;

		/* The next problem: each row's edges, then those added. */
		nin = rowstart[p->nrows] + added;
		if ((rc = prune_room(&col2, &score2, &cap2, nin)) != 0)
			goto out;
		for (nin = 0, r = 0; r < p->nrows; r++) {
			n = rowstart[r + 1] - rowstart[r];
			memcpy(col2 + nin, col + rowstart[r], n * sizeof *col);
			memcpy(score2 + nin, score + rowstart[r],
			    n * sizeof *score);
			rowstart[r] = (uint32_t)nin;
			nin += n;
			n = arow[r + 1] - arow[r];
			memcpy(col2 + nin, acol + arow[r], n * sizeof *col);
			memcpy(score2 + nin, ascore + arow[r],
			    n * sizeof *score);
			nin += n;
		}
		rowstart[p->nrows] = (uint32_t)nin;
		prune_swap(&col, &col2, &score, &score2, &cap, &cap2);
	}
	rc = 0;
out:
	if (rc == 0 && st != NULL)
		*st = s;
	free(in);
	free(rowstart);
	free(col);
	free(score);
	free(h);
	free(du);
	free(dv);
	free(arow);
	free(acol);
	free(ascore);
	free(col2);
	free(score2);
	return (rc);
}
