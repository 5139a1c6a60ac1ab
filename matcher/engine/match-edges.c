/*
 * match-edges.c — the batch's edges: every eligible pair of the offers
 * given, from match_each (match.c), as the exact assignment (assign.c)
 * takes them.  Event loop's index, or a thread's own (engine.h).
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/*
 * The batch's edges, the eligible pairs of every offer given: rows are
 * the offers in the order added, columns the candidates met so far.  An
 * edge carries score * scale + 1, scale = rows + 1: the solver's largest
 * total is then the largest total score first, the most pairs second, and
 * every edge is positive even for a score of 0.
 */
int
match_edges_init(struct medges *m, size_t nrows)
{
	size_t	n;

	memset(m, 0, sizeof(*m));
	m->scale = (int64_t)nrows + 1;
	(void)index_slots(&n);
	if ((m->col_of_slot = calloc(n + 1, sizeof(uint32_t))) == NULL ||
	    (m->slot_of_col = calloc(n + 1, sizeof(uint32_t))) == NULL) {
		match_edges_free(m);
		return (IOD_ENOMEM);
	}
	return (0);
}

struct edge_arg {
	struct medges	*m;
	uint32_t	 row, n;
};

static int
edge_cb(uint32_t slot, int32_t score, void *arg)
{
	struct edge_arg		*ea = arg;
	struct medges		*m = ea->m;
	struct assign_edge	*e;

	if (m->col_of_slot[slot] == 0) {
		m->slot_of_col[m->ncols] = slot;
		m->col_of_slot[slot] = ++m->ncols;
	}
	if (m->nedges == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 4096;
		if ((e = reallocarray(m->edges, m->cap, sizeof(*e))) == NULL)
			return (IOD_ENOMEM);
		m->edges = e;
	}
	e = &m->edges[m->nedges++];
	e->row = ea->row;
	e->col = m->col_of_slot[slot] - 1;
	e->score = (int64_t)score * m->scale + 1;
	ea->n++;
	return (0);
}

int
match_edges_add(struct medges *m, const struct ruleset *rs,
    const struct moffer *mo, uint32_t row, uint32_t *eligible)
{
	struct edge_arg	ea = { m, row, 0 };
	int		rc;

	rc = match_each(rs, mo, edge_cb, &ea);
	if (eligible != NULL)
		*eligible = ea.n;
	return (rc);
}

void
match_edges_free(struct medges *m)
{
	free(m->edges);
	free(m->col_of_slot);
	free(m->slot_of_col);
	memset(m, 0, sizeof(*m));
}
