/*
 * batch.c — the batch: the optimal assignment of candidates to every open
 * offer at once.  Each open offer with no open proposal, an active rule
 * set and (where the rule set asks) a workstation visit becomes a row;
 * its eligible candidates, scored, its edges (match.c); assign.c solves
 * the assignment, and unless it is a dry run each pair is recorded as a
 * proposal (proposal.c).  The reply's JSON is the daemon's.
 */
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "rules.h"

struct batch_offer {
	struct offer	 o;
	struct moffer	 mo;
	struct active	*a;
	uint32_t	 eligible;
};

struct batch {
	struct dctx		*dc;
	struct batch_offer	*offers;
	size_t			 noffers, capoffers;
};

/* Keep each offer a proposal may be made for, prepared for matching. */
static int
batch_offer_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct batch		*b = arg;
	struct batch_offer	*bo;
	struct company		 co;
	struct active		*a;
	void			*p;

	(void)k; (void)kl;
	if (b->noffers == b->capoffers) {
		b->capoffers = b->capoffers ? b->capoffers * 2 : 256;
		if ((p = reallocarray(b->offers, b->capoffers,
		    sizeof(*b->offers))) == NULL)
			return (IOD_ENOMEM);
		b->offers = p;
	}
	bo = &b->offers[b->noffers];
	memset(bo, 0, sizeof(*bo));
	if (rec_decode(&offer_schema, &bo->o, v, vl) != 0 ||
	    bo->o.status != OFFER_OPEN ||
	    index_offer_open(bo->o.id) != 0 ||
	    (a = rulesets_find(bo->o.ruleset)) == NULL ||
	    (a->rs->policies.require_workstation_visit &&
	    bo->o.workstation_visit.on == 0)) {
		rec_clear(&offer_schema, &bo->o);
		return (0);
	}
	bo->a = a;
	memset(&co, 0, sizeof(co));
	store_get_rec(b->dc->txn, DB_COMPANIES, bo->o.company_id,
	    &company_schema, &co);
	if (match_prepare(a->rs, &bo->o, &co, &bo->mo) != 0) {
		rec_clear(&company_schema, &co);
		rec_clear(&offer_schema, &bo->o);
		return (0);
	}
	rec_clear(&company_schema, &co);
	b->noffers++;
	return (0);
}

/* One pair of the solution, offer bo and candidate slot, into out:
 * scored, and recorded as a proposal unless out is a dry run. */
static int
batch_pair(struct dctx *dc, struct batch_offer *bo, uint32_t slot,
    struct batch_result *out)
{
	struct batch_pair	*bp = &out->pairs[out->npairs];
	struct proposal		 p;
	struct mparts		 parts;

	memset(bp, 0, sizeof(*bp));
	bp->offer_id = bo->o.id;
	bp->candidate_id = index_cand_by_slot(slot)->id;
	bp->eligible = bo->eligible;
	if (!out->dry_run) {
		if (proposal_record(dc, &bo->o, &bo->mo, bo->a, slot,
		    bo->eligible, &p) != 0) {
			rec_clear(&proposal_schema, &p);
			return (-1);
		}
		bp->proposal_id = p.id;
		bp->score = p.score;
		out->recorded++;
		rec_clear(&proposal_schema, &p);
	} else {
		match_parts(bo->a->rs, &bo->mo, index_cand_by_slot(slot),
		    &parts);
		bp->score = parts.total;
	}
	out->objective += bp->score;
	out->npairs++;
	return (0);
}

int
batch_run(struct dctx *dc, int dry_run, struct batch_result *out)
{
	struct batch		 b;
	struct medges		 m;
	struct assign_problem	*prob = NULL;
	uint32_t		*col_of_row = NULL;
	int64_t			 total = 0;
	size_t			 i;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	out->dry_run = dry_run;
	memset(&b, 0, sizeof(b));
	memset(&m, 0, sizeof(m));
	b.dc = dc;
	if (store_scan(dc->txn, DB_OFFERS, NULL, 0, 0, batch_offer_cb,
	    &b) != 0) {
		derr_store(&dc->err, dc->txn->rc ? dc->txn->rc : IOD_ENOMEM);
		goto out;
	}
	if (match_edges_init(&m, b.noffers) != 0)
		goto out;
	for (i = 0; i < b.noffers; i++)
		if (match_edges_add(&m, b.offers[i].a->rs, &b.offers[i].mo,
		    (uint32_t)i, &b.offers[i].eligible) != 0)
			goto out;
	if ((col_of_row = calloc(b.noffers + 1, sizeof(uint32_t))) == NULL ||
	    assign_problem_new((uint32_t)b.noffers, m.ncols, m.edges, m.nedges,
	    &prob) != 0 || assign_solve(prob, col_of_row, &total) != 0 ||
	    (out->pairs = calloc(b.noffers + 1, sizeof(*out->pairs))) == NULL)
		goto out;
	out->offers = b.noffers;
	out->candidates = m.ncols;
	out->edges = m.nedges;
	for (i = 0; i < b.noffers; i++)
		if (col_of_row[i] != ASSIGN_NONE && batch_pair(dc,
		    &b.offers[i], m.slot_of_col[col_of_row[i]], out) != 0)
			goto out;
	rc = 0;
out:
	/* What failed without saying why was short of memory. */
	if (rc != 0 && dc->err.message[0] == '\0')
		derr_set(&dc->err, ERR_NO_MEMORY, NULL, "out of memory");
	for (i = 0; i < b.noffers; i++)
		rec_clear(&offer_schema, &b.offers[i].o);
	free(b.offers);
	match_edges_free(&m);
	free(col_of_row);
	assign_problem_free(prob);
	return (rc);
}

void
batch_result_free(struct batch_result *r)
{
	free(r->pairs);
	memset(r, 0, sizeof(*r));
}
