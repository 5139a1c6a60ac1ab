/*
 * batch.c — the batch: the optimal assignment of candidates to every open
 * offer at once.  Each open offer with no open proposal, an active rule
 * set and (where the rule set asks) a workstation visit becomes a row;
 * its eligible candidates, scored, its edges (match.c).  It runs in steps
 * so that the event loop keeps serving meanwhile: batch_start, on the
 * loop, reads the offers and each slot's candidate; batch_step, on the
 * loop a slice at a time, builds the edges into room reserved per offer,
 * then starts a thread that solves the assignment on each offer's best
 * edges and proves it exact (assign_prune_solve); batch_finish, on the
 * loop again once told, checks that each offer and candidate of the
 * answer is still free and records the pairs as proposals (proposal.c)
 * unless it is a dry run.  The rule set's cap on proposals per company
 * holds in a batch too: a company may be sent at most what its period
 * still allows (the least its offers' rule sets allow).  Offers of a
 * company with nothing left keep no edges; when some company has more
 * offers with edges than it may still be sent, the exact assignment is
 * the one with a capacity per company (assign_cap_solve: the same pruned
 * and proven solve, on a problem with blocker columns).  The reply's JSON
 * and the waiting are the daemon's.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain.h"
#include "rules.h"

/*
 * How many of its best edges an offer keeps for the first solve: as many
 * as offers share its list (then only offers of other lists, sharing
 * some candidates, can push it further down), within bounds that keep
 * the first solve small; the proof adds what the optimum needs beyond.
 */
#define BATCH_KEEP_MIN	4
#define BATCH_KEEP_MAX	48
#define BATCH_PRUNE_WORTH 4	/* prune when keeping under 1/4 of the edges */

struct batch_offer {
	struct offer	 o;
	struct moffer	 mo;
	struct active	*a;
	uint64_t	 version;	/* of the rule set, at the snapshot */
	const void	*list;		/* its candidates' list, by address */
	uint32_t	 eligible;
	uint32_t	 group;		/* its company's, in the job's groups */
};

struct batch_job {
	int			 dry_run;
	struct dctx		*dc;		/* during batch_start only */
	struct batch_offer	*offers;
	size_t			 noffers, capoffers;

	/* The snapshot the thread reads: rows are offers, columns slots. */
	uint32_t		*rowstart, *col, *keep;
	int64_t			*score;
	size_t			 nedges, capedges;
	uint32_t		 ncols;
	uint64_t		*id_of_slot;
	int64_t			 scale;		/* edge = score * scale + 1 */

	/* The companies: each offer's group, what each may still be sent. */
	struct hmap		 group_of;	/* company id -> group + 1 */
	uint32_t		*gcap, *group_of_row;
	uint32_t		 ngroups, capgroups;
	uint32_t		 capped;	/* offers left out by the cap */
	int			 binding;	/* a group has more rows with
						   edges than its capacity */

	/* The thread's answer. */
	uint32_t		*col_of_row;
	int64_t			 total;
	struct assign_prune_stats st;
	int			 rc;
	pthread_t		 thread;
	int			 running;	/* started, not joined */
	int			 solved;	/* started or done */
	size_t			 built;		/* rows whose edges are in */
	int			 failed;	/* then err says why */
	struct derr		 err;
	int			 notify_fd;
};

/* Put offer bo in its company's group, whose capacity is the least its
 * offers' rule sets still allow: 0 or IOD_ENOMEM. */
static int
batch_group(struct batch_job *b, struct batch_offer *bo)
{
	uint64_t	 g = hmap_get(&b->group_of, bo->o.company_id);
	uint32_t	 left;
	void		*p;

	left = index_company_left(bo->a->rs, bo->o.company_id, date_today());
	if (g == 0) {
		if (b->ngroups == b->capgroups) {
			b->capgroups = b->capgroups ? b->capgroups * 2 : 64;
			if ((p = reallocarray(b->gcap, b->capgroups,
			    sizeof(*b->gcap))) == NULL)
				return (IOD_ENOMEM);
			b->gcap = p;
		}
		b->gcap[b->ngroups] = UINT32_MAX;
		if (hmap_set(&b->group_of, bo->o.company_id,
		    (uint64_t)b->ngroups + 1) != 0)
			return (IOD_ENOMEM);
		g = ++b->ngroups;
	}
	bo->group = (uint32_t)g - 1;
	if (left < b->gcap[bo->group])
		b->gcap[bo->group] = left;
	return (0);
}

/* Keep each offer a proposal may be made for, prepared for matching. */
static int
batch_offer_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct batch_job	*b = arg;
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
	bo->version = a->version;
	if (batch_group(b, bo) != 0) {
		rec_clear(&offer_schema, &bo->o);
		return (IOD_ENOMEM);
	}
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

/* Room for n more edges, in one step per offer, never per edge. */
static int
batch_reserve(struct batch_job *b, size_t n)
{
	size_t	 cap;
	void	*p;

	if (b->nedges + n <= b->capedges)
		return (0);
	cap = b->capedges * 2 > b->nedges + n ? b->capedges * 2 :
	    b->nedges + n;
	if (cap > UINT32_MAX)
		return (IOD_ENOMEM);
	if ((p = reallocarray(b->col, cap, sizeof(*b->col))) == NULL)
		return (IOD_ENOMEM);
	b->col = p;
	if ((p = reallocarray(b->score, cap, sizeof(*b->score))) == NULL)
		return (IOD_ENOMEM);
	b->score = p;
	b->capedges = cap;
	return (0);
}

/* One eligible pair into the room reserved for the row (batch_edges). */
static int
batch_edge_cb(uint32_t slot, int32_t score, void *arg)
{
	struct batch_job	*b = arg;

	if (slot >= b->ncols)
		return (0);		/* put in the index after the snapshot */
	if (b->nedges == b->capedges && batch_reserve(b, 1) != 0)
		return (IOD_ENOMEM);
	b->col[b->nedges] = slot;
	b->score[b->nedges++] = (int64_t)score * b->scale + 1;
	return (0);
}

/* Order offers by their list's address, to count those sharing it. */
static int
batch_cmp_list(const void *x, const void *y)
{
	const struct batch_offer *const *a = x, *const *b = y;
	uintptr_t	 la = (uintptr_t)(*a)->list, lb = (uintptr_t)(*b)->list;

	return (la < lb ? -1 : la > lb);
}

/* Each row's keep: the offers sharing its list, within bounds. */
static int
batch_keep(struct batch_job *b)
{
	struct batch_offer	**by;
	size_t			 i, j, k, n, kept = 0;

	if ((by = calloc(b->noffers + 1, sizeof(*by))) == NULL)
		return (IOD_ENOMEM);
	for (i = 0; i < b->noffers; i++)
		by[i] = &b->offers[i];
	qsort(by, b->noffers, sizeof(*by), batch_cmp_list);
	for (i = 0; i < b->noffers; i = j) {
		for (j = i + 1; j < b->noffers && by[j]->list == by[i]->list;
		    j++)
			;
		n = j - i < BATCH_KEEP_MIN ? BATCH_KEEP_MIN :
		    j - i > BATCH_KEEP_MAX ? BATCH_KEEP_MAX : j - i;
		for (k = i; k < j; k++) {
			b->keep[by[k] - b->offers] = (uint32_t)n;
			kept += n < by[k]->eligible ? n : by[k]->eligible;
		}
	}
	free(by);
	/* A pruning that keeps much costs more in solves than it saves:
	 * then solve every edge at once. */
	if (kept > b->nedges / BATCH_PRUNE_WORTH)
		memset(b->keep, 0, b->noffers * sizeof(*b->keep));
	return (0);
}

/* Room for the rows and each slot's candidate, at the snapshot. */
static int
batch_alloc(struct batch_job *b)
{
	const struct mcand	*slots;
	size_t			 i, nslots;

	slots = index_slots(&nslots);
	if (nslots >= UINT32_MAX || b->noffers >= UINT32_MAX)
		return (IOD_ENOMEM);
	b->ncols = (uint32_t)nslots;
	b->scale = (int64_t)b->noffers + 1;
	if ((b->rowstart = calloc(b->noffers + 1, sizeof(uint32_t))) ==
	    NULL || (b->keep = calloc(b->noffers + 1, sizeof(uint32_t))) ==
	    NULL || (b->col_of_row = calloc(b->noffers + 1,
	    sizeof(uint32_t))) == NULL || (b->id_of_slot = calloc(nslots + 1,
	    sizeof(uint64_t))) == NULL)
		return (IOD_ENOMEM);
	for (i = 0; i < nslots; i++)
		b->id_of_slot[i] = slots[i].id;
	return (0);
}

/*
 * The edges of up to max more offers, from the index as it is now.  An
 * offer whose rule set was replaced since the snapshot ends the job (its
 * pointer is stale); a candidate put in the index since has a slot past
 * the snapshot's and is left out (batch_edge_cb).
 */
static int
batch_edges(struct batch_job *b, size_t max)
{
	const struct pentry	*list;
	const int16_t		*terr;
	struct batch_offer	*bo;
	struct active		*a;
	uint32_t		 n;
	size_t			 end;
	int			 rc;

	end = b->built + max < b->noffers ? b->built + max : b->noffers;
	for (; b->built < end; b->built++) {
		bo = &b->offers[b->built];
		if ((a = rulesets_find(bo->o.ruleset)) != bo->a ||
		    a->version != bo->version)
			return (derr_set(&b->err, ERR_BUSY, NULL, "rule set %s "
			    "changed while the batch was prepared: run it "
			    "again", bo->o.ruleset));
		b->rowstart[b->built] = (uint32_t)b->nedges;
		if ((rc = index_candidates(bo->a->rs, bo->mo.rome, &list, &n,
		    &terr)) != 0 || (rc = batch_reserve(b, n)) != 0 ||
		    (rc = match_each(bo->a->rs, &bo->mo, batch_edge_cb,
		    b)) != 0)
			return (derr_set(&b->err, ERR_NO_MEMORY, NULL,
			    "out of memory"));
		bo->list = list;
		bo->eligible = (uint32_t)(b->nedges - b->rowstart[b->built]);
		/* Its company may be sent no more: no edge, counted. */
		if (bo->eligible > 0 && b->gcap[bo->group] == 0) {
			b->nedges = b->rowstart[b->built];
			b->capped++;
		}
	}
	b->rowstart[b->noffers] = (uint32_t)b->nedges;
	return (0);
}

/* Each row's group, and whether a group has more rows with edges than
 * it may be sent (then the solve is the flow's): 0 or IOD_ENOMEM. */
static int
batch_groups(struct batch_job *b)
{
	uint32_t	*rows;
	size_t		 i;

	if ((b->group_of_row = calloc(b->noffers + 1, sizeof(uint32_t))) ==
	    NULL || (rows = calloc(b->ngroups + 1, sizeof(uint32_t))) == NULL)
		return (IOD_ENOMEM);
	for (i = 0; i < b->noffers; i++) {
		b->group_of_row[i] = b->offers[i].group;
		if (b->rowstart[i + 1] > b->rowstart[i] &&
		    ++rows[b->offers[i].group] > b->gcap[b->offers[i].group])
			b->binding = 1;
	}
	free(rows);
	return (0);
}

/* The thread: solve, prove, and tell the loop. */
static void *
batch_solve(void *arg)
{
	struct batch_job	*b = arg;
	struct assign_problem	 p;
	struct assign_groups	 g;
	ssize_t			 n;

	p.nrows = (uint32_t)b->noffers;
	p.ncols = b->ncols;
	p.rowstart = b->rowstart;
	p.col = b->col;
	p.score = b->score;
	if (b->binding) {
		g.ngroups = b->ngroups;
		g.group_of_row = b->group_of_row;
		g.cap = b->gcap;
		b->rc = assign_cap_solve(&p, &g, b->keep, b->col_of_row,
		    &b->total, &b->st);
	} else
		b->rc = assign_prune_solve(&p, b->keep, b->col_of_row,
		    &b->total, &b->st);
	n = write(b->notify_fd, "b", 1);
	(void)n;		/* a full pipe has said it already */
	return (NULL);
}

void
batch_job_free(struct batch_job *b)
{
	size_t	i;

	if (b == NULL)
		return;
	if (b->running)
		pthread_join(b->thread, NULL);
	for (i = 0; i < b->noffers; i++)
		rec_clear(&offer_schema, &b->offers[i].o);
	free(b->offers);
	free(b->rowstart);
	free(b->col);
	free(b->keep);
	free(b->score);
	free(b->id_of_slot);
	free(b->col_of_row);
	free(b->gcap);
	free(b->group_of_row);
	hmap_free(&b->group_of);
	free(b);
}

int
batch_start(struct dctx *dc, int dry_run, int notify_fd,
    struct batch_job **out)
{
	struct batch_job	*b;
	int			 rc = IOD_ENOMEM;

	*out = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		goto out;
	b->dry_run = dry_run;
	b->dc = dc;
	b->notify_fd = notify_fd;
	if ((rc = store_scan(dc->txn, DB_OFFERS, NULL, 0, 0, batch_offer_cb,
	    b)) != 0) {
		derr_store(&dc->err, dc->txn->rc ? dc->txn->rc : IOD_ENOMEM);
		goto out;
	}
	b->dc = NULL;
	if ((rc = batch_alloc(b)) != 0)
		goto out;
	*out = b;
	b = NULL;
out:
	if (rc != 0 && dc->err.message[0] == '\0')
		derr_set(&dc->err, ERR_NO_MEMORY, NULL, "out of memory");
	batch_job_free(b);
	return (rc != 0 ? -1 : 0);
}

int
batch_step(struct batch_job *b, size_t max)
{
	if (b->failed)
		return (-1);
	if (b->running || b->solved)
		return (1);
	if (batch_edges(b, max) != 0) {
		b->failed = 1;
		return (-1);
	}
	if (b->built < b->noffers)
		return (0);
	if (batch_keep(b) != 0 || batch_groups(b) != 0) {
		derr_set(&b->err, ERR_NO_MEMORY, NULL, "out of memory");
		b->failed = 1;
		return (-1);
	}
	if (pthread_create(&b->thread, NULL, batch_solve, b) != 0) {
		derr_set(&b->err, ERR_NO_MEMORY, NULL, "cannot start the "
		    "batch's thread");
		b->failed = 1;
		return (-1);
	} else
		b->running = 1;
	b->solved = 1;
	return (1);
}

/*
 * Whether offer bo and the candidate in slot are still free to pair:
 * NULL if so, else why not.  The offer is read again in dc's transaction.
 */
static const char *
batch_taken(struct dctx *dc, const struct batch_job *b,
    struct batch_offer *bo, uint32_t slot)
{
	struct offer	 now;
	struct mcand	*c;
	struct active	*a;
	const char	*why = NULL;

	memset(&now, 0, sizeof(now));
	if (store_get_rec(dc->txn, DB_OFFERS, bo->o.id, &offer_schema,
	    &now) != 0 || now.status != OFFER_OPEN ||
	    index_offer_open(bo->o.id) != 0)
		why = "offer_taken";
	else if ((a = rulesets_find(bo->o.ruleset)) == NULL ||
	    a != bo->a || a->version != bo->version)
		why = "ruleset_changed";
	else if ((c = index_cand(b->id_of_slot[slot])) == NULL ||
	    index_cand_by_slot(slot) != c || !(c->flags & MC_LIVE) ||
	    (a->rs->policies.candidate_exclusive && index_busy(slot)))
		why = "candidate_taken";
	else if (index_company_left(a->rs, bo->o.company_id,
	    date_today()) == 0)
		why = "company_cap";
	rec_clear(&offer_schema, &now);
	return (why);
}

/* One pair of the solution, offer bo and candidate slot, into out:
 * scored, and recorded as a proposal unless out is a dry run. */
static int
batch_pair(struct dctx *dc, const struct batch_job *b,
    struct batch_offer *bo, uint32_t slot, struct batch_result *out)
{
	struct batch_pair	*bp;
	struct proposal		 p;
	struct mparts		 parts;
	const char		*why = NULL;

	if (!out->dry_run && (why = batch_taken(dc, b, bo, slot)) != NULL)
		bp = &out->conflicts[out->nconflicts++];
	else
		bp = &out->pairs[out->npairs];
	memset(bp, 0, sizeof(*bp));
	bp->offer_id = bo->o.id;
	bp->candidate_id = b->id_of_slot[slot];
	bp->eligible = bo->eligible;
	bp->conflict = why;
	if (why != NULL)
		return (0);
	if (!out->dry_run) {
		if (proposal_record(dc, &bo->o, &bo->mo, bo->a, slot,
		    bo->eligible, NULL, &p) != 0) {
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

/* How many candidates have an edge: *n (OUT).  0 or IOD_ENOMEM. */
static int
batch_columns(const struct batch_job *b, size_t *n)
{
	uint8_t	*seen;
	size_t	 i;

	if ((seen = calloc(b->ncols + (size_t)1, 1)) == NULL)
		return (IOD_ENOMEM);
	for (*n = 0, i = 0; i < b->nedges; i++) {
		*n += !seen[b->col[i]];
		seen[b->col[i]] = 1;
	}
	free(seen);
	return (0);
}

/*
 * The offers the cap left without a pair, *n (OUT): those of a company
 * with nothing left, and those with edges but no pair whose company got
 * all it may be sent.  0 or IOD_ENOMEM.
 */
static int
batch_capped(const struct batch_job *b, uint32_t *n)
{
	uint32_t	*got;
	size_t		 i;

	*n = b->capped;
	if (!b->binding)
		return (0);
	if ((got = calloc(b->ngroups + 1, sizeof(*got))) == NULL)
		return (IOD_ENOMEM);
	for (i = 0; i < b->noffers; i++)
		got[b->group_of_row[i]] += b->col_of_row[i] != ASSIGN_NONE;
	for (i = 0; i < b->noffers; i++)
		*n += b->col_of_row[i] == ASSIGN_NONE &&
		    b->rowstart[i + 1] > b->rowstart[i] &&
		    got[b->group_of_row[i]] >= b->gcap[b->group_of_row[i]];
	free(got);
	return (0);
}

int
batch_finish(struct dctx *dc, struct batch_job *b, struct batch_result *out)
{
	size_t	 i;
	int	 rc = -1;

	memset(out, 0, sizeof(*out));
	out->dry_run = b->dry_run;
	if (b->failed || !b->solved) {
		if (b->err.message[0] == '\0')
			derr_set(&b->err, ERR_NO_MEMORY, NULL, "out of memory");
		dc->err = b->err;
		goto out;
	}
	if (b->running) {
		pthread_join(b->thread, NULL);
		b->running = 0;
	}
	if (b->rc != 0) {
		derr_set(&dc->err, ERR_NO_MEMORY, NULL, "the batch's "
		    "assignment failed: %s", iod_strerror(b->rc));
		goto out;
	}
	if ((out->pairs = calloc(b->noffers + 1, sizeof(*out->pairs))) ==
	    NULL || (out->conflicts = calloc(b->noffers + 1,
	    sizeof(*out->conflicts))) == NULL)
		goto out;
	out->offers = b->noffers;
	out->edges = b->nedges;
	out->edges_solved = b->st.kept + b->st.added;
	out->rounds = b->st.rounds;
	if (batch_columns(b, &out->candidates) != 0)
		goto out;
	if (batch_capped(b, &out->company_cap) != 0)
		goto out;
	for (i = 0; i < b->noffers; i++)
		if (b->col_of_row[i] != ASSIGN_NONE && batch_pair(dc, b,
		    &b->offers[i], b->col_of_row[i], out) != 0)
			goto out;
	rc = 0;
out:
	/* What failed without saying why was short of memory. */
	if (rc != 0 && dc->err.message[0] == '\0')
		derr_set(&dc->err, ERR_NO_MEMORY, NULL, "out of memory");
	return (rc);
}

void
batch_result_free(struct batch_result *r)
{
	free(r->pairs);
	free(r->conflicts);
	memset(r, 0, sizeof(*r));
}
