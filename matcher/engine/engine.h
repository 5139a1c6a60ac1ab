/*
 * engine/ — the matching engine: the in-memory index of candidates, the
 * filters and scores that pick the best candidate for an offer, and the
 * exactly optimal assignment for a batch.  Pure C over profiles/ and
 * rules/: no libevent, no jansson, no store writes.
 */
#ifndef IOD_ENGINE_H
#define IOD_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "profiles.h"

/* ---- assign.c: exactly optimal one-to-one assignment ------------------- */
/*
 * Rows are offers, columns are candidates, an edge is an eligible pair with
 * its score (> 0, integer points).  A matching gives each row at most one
 * column and each column at most one row; rows may stay unmatched.
 */
#define ASSIGN_NONE		UINT32_MAX	/* "unmatched" in col_of_row */
#define ASSIGN_SCORE_MAX	(INT64_MAX / 4)	/* see assign_solve */

struct assign_edge {
	uint32_t	 row;
	uint32_t	 col;
	int64_t		 score;
};

/*
 * The input in CSR form: row r's edges are col[k], score[k] for k in
 * [rowstart[r], rowstart[r + 1]).  rowstart has nrows + 1 entries and never
 * decreases; its base need not be 0.  Within a row the order of edges does
 * not matter and a column may repeat (the largest score counts).  All
 * pointers are borrowed: assign_solve only reads them.
 */
struct assign_problem {
	uint32_t	 nrows;
	uint32_t	 ncols;
	const uint32_t	*rowstart;
	const uint32_t	*col;
	const int64_t	*score;
};

/*
 * Find a matching of largest total score, exactly (successive shortest
 * augmenting paths with potentials, integer arithmetic only).
 *
 * p is borrowed.  col_of_row (OUT, caller-allocated, nrows entries) gets
 * each row's column or ASSIGN_NONE; *total (OUT) gets the sum of the
 * matched scores.  Both may be NULL when not wanted.
 *
 * Ties: among the matchings of largest total it returns one with the most
 * pairs; what tie remains is broken deterministically, the result being a
 * function of the set of (row, col, score) edges alone, not of their order
 * within a row (a one-row problem takes its best column of lowest index).
 *
 * Cost, on one core: 0.3 to 0.5 s for 5,000 rows, 100,000 columns and 10
 * million edges, up to 1.3 s when the rows favour the same columns; 1 to
 * 5 s for 10,000 rows and 20 million edges.  The worst case is
 * O(nrows * nedges), approached when about as many rows as columns all
 * rank the columns alike (2,000 x 2,100 complete: 8 to 26 s).  When fewer
 * columns have edges than there are rows, it solves the transposed
 * problem, the cheap way then.  It blocks: keep big batches off the
 * event loop.
 *
 * Returns 0; IOD_EINVAL (-1) if p is NULL or malformed (nrows or ncols
 * equal to UINT32_MAX, rowstart decreasing, a col >= ncols, a score <= 0)
 * or if a score times min(nrows, ncols) + 1 exceeds ASSIGN_SCORE_MAX
 * (10,000 rows leave 2.3e14 to a score) or the sum over rows of each
 * row's largest score exceeds INT64_MAX: no value can overflow then;
 * IOD_ENOMEM (-4) if its work space cannot be allocated (about 36 bytes
 * per column, 8 per row and 4 per edge, and 12 more per edge when
 * transposing; freed before return).  On error the outputs are untouched.
 * Keeps no state: may be called from any thread, concurrently on distinct
 * outputs.
 */
int	 assign_solve(const struct assign_problem *p, uint32_t *col_of_row,
	     int64_t *total);

/*
 * Build a problem in CSR form from an edge list in any order (borrowed):
 * edges are grouped by row, keep their list order within a row, and a
 * repeated (row, col) pair is merged into its first place with the largest
 * score; O(nedges + nrows + ncols) time.  Since assign_solve depends only
 * on the set of edges, its result does not depend on the list's order.
 *
 * *out (OUT) is one allocation that the caller frees with
 * assign_problem_free.  Returns 0; IOD_EINVAL if out is NULL, nrows or
 * ncols equals UINT32_MAX, nedges exceeds UINT32_MAX, or an edge has row >=
 * nrows, col >= ncols or score <= 0; IOD_ENOMEM.  *out is NULL on error.
 */
int	 assign_problem_new(uint32_t nrows, uint32_t ncols,
	     const struct assign_edge *edges, size_t nedges,
	     struct assign_problem **out);
/* Free a problem from assign_problem_new; accepts NULL. */
void	 assign_problem_free(struct assign_problem *);

/* ---- end of assign.c --------------------------------------------------- */

/* ---- index.c: the in-memory matching index -----------------------------
 * Its state is private to index.c; these verbs are the way in.  Call them
 * from the event loop's thread only, between index_init and index_free.
 * A candidate lives in a slot, a small integer that never changes while
 * the candidate is in the index (a deleted candidate's slot stays, dead).
 */
struct ruleset;
struct candidate;

/* A candidate as matching sees it: 64 bytes, no names. */
struct mcand {
	uint64_t	 id;
	uint32_t	 publics;	/* set of enum public_cat */
	uint32_t	 contracts;	/* set of enum contract_type; 0: any */
	iod_date	 oriented_on, available_on;
	int16_t		 commune;	/* refdata index, -1 unknown */
	uint8_t		 programme, zone, schedule_ok, max_hours, flags, nrome;
	uint8_t		 status;	/* enum candidate_status */
	uint16_t	 open;		/* open proposals */
	uint16_t	 rome[16];	/* refdata indexes of the codes sought */
};
#define MC_LIVE		0x01
#define MC_ACTIVE	0x02	/* status active */
#define MC_CONSENT	0x04
#define MC_QPV		0x08
#define MC_LICENCE	0x10
#define MC_VEHICLE	0x20

/*
 * A candidate as one rule set's sorted list holds them: what the filters
 * and the offer-dependent score read, packed in list order so that a
 * search reads memory in sequence.  What changes without a candidate
 * write (open proposals, refusals) stays outside, in the index.
 */
struct pentry {
	uint32_t	 slot;
	int32_t		 base;		/* offer-independent score */
	int16_t		 commune;	/* refdata index, -1 unknown */
	uint16_t	 available;	/* days since 1970 / 1, 0: any time */
	uint8_t		 flags;		/* MC_* */
	uint8_t		 programme, zone, schedule_ok, max_hours;
	uint8_t		 contracts;	/* set of enum contract_type; 0: any */
	uint8_t		 publics;	/* set of enum public_cat */
	uint8_t		 pad;
};

/* Make the empty index, after refdata_load: 0 or IOD_ENOMEM. */
int	 index_init(void);
/* Free the index and everything it holds; safe without index_init. */
void	 index_free(void);
/*
 * Put every candidate of the store into the index (t, a read txn,
 * borrowed).  The policy state (open proposals, refusals) is the
 * domain's to load after this (proposal_load).  0 or an IOD_E* code.
 */
int	 index_load(struct txn *);
/* Add or replace candidate k (borrowed): 0 or IOD_ENOMEM. */
int	 index_put(const struct candidate *);
/* Take candidate id out of the index; nothing if it is not in. */
void	 index_del(uint64_t id);
/* Candidate id, NULL if it is not in the index (or there is no index).
 * The pointer is valid until the next index_put. */
struct mcand *index_cand(uint64_t id);
/* The candidate in slot (< index_slots), live or dead; as index_cand. */
struct mcand *index_cand_by_slot(uint32_t slot);
/* The candidates by slot, dead ones included (flags without MC_LIVE),
 * *n (OUT) of them: borrowed, valid until the next index_put. */
const struct mcand *index_slots(size_t *n);
/* How many candidates the index holds (live ones); 0 without an index. */
uint32_t index_live(void);
/* Count the live candidates by status into by_status[0..n) (added to
 * what is there); nothing without an index. */
void	 index_count_by_status(uint64_t *by_status, size_t n);
/* The ROME family (3-character prefix) of each refdata ROME index:
 * borrowed, refdata's nrome entries, valid until index_free. */
const uint16_t *index_families(void);

/* The offer's open proposal, 0 if none. */
uint64_t index_offer_open(uint64_t offer_id);
/* Record offer_id's open proposal, 0 for none: 0 or IOD_ENOMEM. */
int	 index_offer_open_set(uint64_t offer_id, uint64_t proposal_id);
/* A proposal opened (+1) or closed (-1) for c (from index_cand). */
void	 index_open(struct mcand *c, int delta);
/* Whether the candidate in slot has an open proposal: 0 or 1. */
int	 index_busy(uint32_t slot);
/* A company refused the candidate on that day: 0 or IOD_ENOMEM. */
int	 index_refused(uint64_t candidate_id, uint64_t company_id, iod_date);
/* The last day company refused the candidate, 0 if never. */
iod_date index_refused_on(uint64_t candidate_id, uint64_t company_id);
/* How many refusals company ever recorded (0: none to look up). */
uint64_t index_refusing(uint64_t company_id);

/* The offer-independent part of c's score under rs on day today. */
int32_t	 index_base_score(const struct ruleset *, const struct mcand *,
	    iod_date today);
/*
 * The candidates seeking ROME index rome (or its family, as rs says),
 * best base score first, packed: *list borrows an array valid until the
 * next index write, *territory (borrowed) the rule set's territory of
 * each refdata commune.  Returns 0 or IOD_ENOMEM.
 */
int	 index_candidates(const struct ruleset *, int rome,
	    const struct pentry **list, uint32_t *n, const int16_t **territory);
/* The packed form of a candidate for a list with this base score. */
void	 index_pack(struct pentry *, uint32_t slot, const struct mcand *,
	    int32_t base);
/* Drop what the index keeps for rule set rs (no longer active); safe
 * without an index. */
void	 index_forget_ruleset(const struct ruleset *);

/* ---- match.c: filters, scores, the best candidate ---------------------- */
enum filter {
	FILTER_ROME, FILTER_STATUS, FILTER_CONSENT, FILTER_PROGRAMME,
	FILTER_EXCLUSIVE, FILTER_COOLDOWN, FILTER_CONTRACT, FILTER_HOURS,
	FILTER_SCHEDULE, FILTER_AVAILABILITY, FILTER_LICENCE, FILTER_ZONE,
	FILTER__N
};
extern const char *const filter_names[];
struct offer;
struct company;
struct moffer {			/* an offer as matching sees it */
	uint64_t	 id, company_id;
	int		 rome, commune, territory, contract, hours;
	uint32_t	 schedule, requirements, favoured;
	iod_date	 start_on;
};
struct mhit {
	uint32_t	 slot;
	int32_t		 score;
};
struct mresult {
	uint32_t	 eligible;
	uint32_t	 removed[FILTER__N];	/* by the first filter failed */
	struct mhit	*top;			/* best first, ntop <= want */
	size_t		 ntop, want;
};
int	 match_prepare(const struct ruleset *, const struct offer *,
	    const struct company *, struct moffer *);
/* Rank the eligible candidates of an offer, keeping the best r->want. */
int	 match_run(const struct ruleset *, const struct moffer *,
	    struct mresult *);
void	 match_result_free(struct mresult *);
/* Call fn for every eligible candidate with its score (the batch). */
int	 match_each(const struct ruleset *, const struct moffer *,
	    int (*fn)(uint32_t slot, int32_t score, void *), void *);

/* One part of a score: what earned it and how many points. */
#define MPART_MAX	(2 * PUBLIC__N + 4)	/* publics, favoured, 4 more */
struct mpart {
	char		 criterion[48];	/* "public:rsa", "same_territory" */
	int32_t		 points;	/* never 0 */
};
struct mparts {
	struct mpart	 v[MPART_MAX];
	size_t		 n;
	int32_t		 total;		/* the sum of the points: the score */
};
/*
 * The score of c for offer m under rs, in parts (OUT, caller's storage),
 * in a fixed order: publics, QPV, waiting time, same commune, same
 * territory, favoured publics; parts of 0 points are left out.  The
 * total is match_run's score for c.
 */
void	 match_parts(const struct ruleset *, const struct moffer *,
	    const struct mcand *, struct mparts *);
/* The batch's edges for assign_solve (assign.c), built offer by offer. */
struct medges {
	struct assign_edge *edges;
	size_t		 nedges, cap;
	uint32_t	*col_of_slot;	/* slot -> column + 1 */
	uint32_t	*slot_of_col;
	uint32_t	 ncols;
	int64_t		 scale;		/* edge = score * scale + 1 */
};
int	 match_edges_init(struct medges *, size_t nrows);
/* Add offer mo's eligible candidates as row; *eligible gets their count. */
int	 match_edges_add(struct medges *, const struct ruleset *,
	    const struct moffer *, uint32_t row, uint32_t *eligible);
void	 match_edges_free(struct medges *);	/* then zeroed */
/* The same matching without the index: every candidate, scored. */
int	 match_naive(const struct ruleset *, const struct moffer *,
	    struct mresult *);


#endif
