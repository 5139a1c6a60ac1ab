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
 * assign_solve, and the proof of its optimality: row_dual (OUT, nrows
 * entries) and col_dual (OUT, ncols entries), both >= 0, such that every
 * edge (r, c, s) of p has row_dual[r] + col_dual[c] >= s * *scale + 1,
 * with equality on the pairs matched, and unmatched rows and columns have
 * 0.  So a pair (r, c, s) left out of p cannot improve the matching when
 * row_dual[r] + col_dual[c] >= s * *scale + 1 (its reduced cost is not
 * positive); when every pair left out passes that test, the matching is
 * optimal for p and those pairs together.  *scale (OUT) is
 * min(nrows, ncols) + 1.  Any of the outputs may be NULL (the duals only
 * together).  Returns, costs and calls as assign_solve, with 8 more bytes
 * per column for the duals.
 */
int	 assign_solve_dual(const struct assign_problem *p,
	     uint32_t *col_of_row, int64_t *total, int64_t *row_dual,
	     int64_t *col_dual, int64_t *scale);

/* assign-prune.c: the solve on each row's best edges, proven exact. */
/* What assign_prune_solve did. */
struct assign_prune_stats {
	uint32_t	 rounds;	/* solves; 1 when the first was proven */
	size_t		 kept;		/* edges of the first solve */
	size_t		 added;		/* pairs the proof added after it */
};

/*
 * assign_solve on p, faster when each row's best few edges hold the
 * answer: solve on each row's keep[r] best edges (score, then lowest
 * column; keep NULL or keep[r] 0: all of them), then test every edge left
 * out against the duals (assign_solve_dual); add those whose reduced cost
 * is positive and solve again, until none is.  The result is optimal for
 * the whole of p: its total equals assign_solve's, though among several
 * optimal matchings it may return another.  p and keep are borrowed;
 * col_of_row, total and st (OUT) may be NULL.  Returns as assign_solve
 * (IOD_EINVAL for the same inputs, the whole of p checked); also
 * IOD_ENOMEM for the pruned copy (12 bytes per edge kept, 1 per edge);
 * on error col_of_row and total may have been written.  Keeps no state:
 * any thread.
 */
int	 assign_prune_solve(const struct assign_problem *p,
	     const uint32_t *keep, uint32_t *col_of_row, int64_t *total,
	     struct assign_prune_stats *st);

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

/*
 * assign-cap.c: the assignment when rows come in groups with a capacity
 * (an offer's company and the proposals it may still be sent): row r is
 * in group group_of_row[r] < ngroups, and group g takes at most cap[g]
 * pairs.  All borrowed.
 */
struct assign_groups {
	uint32_t	 ngroups;
	const uint32_t	*group_of_row;	/* nrows entries */
	const uint32_t	*cap;		/* ngroups entries */
};
/*
 * A matching of largest total score within every group's capacity,
 * exactly: the plain assignment (assign_prune_solve, keep as there) of
 * the problem with, for each group g of m rows with edges and capacity
 * k < m, m - k blocker columns joined to each of its rows and worth more
 * than any edge; a row on a blocker is left out.  p, gr and keep are
 * borrowed; col_of_row (OUT, nrows entries), *total (OUT: the real
 * scores' sum) and st may be NULL.  Costs what assign_prune_solve costs
 * on p and (m - k) * m more edges per such group, plus a copy of the
 * edges (12 bytes each).  Returns 0; IOD_EINVAL as assign_solve (the
 * blockers' worth, the largest score + 1, within its bound), or when a
 * row's group is >= ngroups; IOD_ENOMEM.  Keeps no state: any thread.
 */
int	 assign_cap_solve(const struct assign_problem *p,
	    const struct assign_groups *gr, const uint32_t *keep,
	    uint32_t *col_of_row, int64_t *total,
	    struct assign_prune_stats *st);

/* ---- end of assign.c --------------------------------------------------- */

/* The hard filters, in the order a candidate is charged to the first it
 * fails (match.c): the zone (can the candidate reach the offer's
 * commune) right after the filters of the rule set alone, so that the
 * candidates a search does not read, out of the offer's reach, are
 * counted without being read. */
enum filter {
	FILTER_ROME, FILTER_STATUS, FILTER_CONSENT, FILTER_PROGRAMME,
	FILTER_ZONE, FILTER_EXCLUSIVE, FILTER_COOLDOWN, FILTER_CONTRACT,
	FILTER_HOURS, FILTER_SCHEDULE, FILTER_AVAILABILITY, FILTER_LICENCE,
	FILTER__N
};

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
 * index-load.c: put every candidate of the store into the index (t, a
 * read txn, borrowed), each read in place from its stored bytes, the
 * fields the index keeps only.  The records are decoded on index_threads
 * threads, each with a read txn of its own (store_reader_begin) over
 * ranges of ids, and put into the index in id order on the caller's, so
 * that the index is the one a single thread builds; no write may commit
 * meanwhile (the event loop, the one writer, is the caller).  The policy
 * state (open proposals, refusals) is the domain's to load after this
 * (proposal_load).  0 or an IOD_E* code (IOD_ECORRUPT: a record does not
 * decode).
 */
int	 index_load(struct txn *);
/* What the index keeps of candidate k (borrowed), into c (OUT): reads
 * refdata only, so any thread may call it. */
void	 index_compact(struct mcand *c, const struct candidate *k);
/* Add or replace candidate k (borrowed): 0 or IOD_ENOMEM. */
int	 index_put(const struct candidate *);
/* index_put of a candidate as index_compact made it (c borrowed; its
 * open count is not read: one replaced keeps its open proposals, a new
 * one has none): 0 or IOD_ENOMEM. */
int	 index_put_compact(const struct mcand *c);
/*
 * index-threads.c: how many threads the index's start-up work may take
 * for work items of which grain are worth a thread: the count set by
 * index_set_threads (n > 0; 0: none set) or, else, by the environment's
 * IOD_INDEX_THREADS, else the online cores (at most 8), never more than
 * work / grain, at least 1.  index_threads_run calls fn(arg, i) on n
 * threads, i 0 on the caller's, 1.. on new ones, and returns when all
 * have, with the count that ran (fewer if a thread could not start:
 * fn must share its work so that any count gets it all done).
 */
void	 index_set_threads(int n);
int	 index_threads(size_t work, size_t grain);
int	 index_threads_run(int n, void (*fn)(void *arg, int i), void *arg);
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
/* The live candidates by status, kept as they change (no scan), into
 * by_status[0..n) (added to what is there); nothing without an index. */
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

/*
 * index-policy.c: what the domain records about pairs, kept in step by it
 * (and filled at start-up): the days each company was sent a proposal,
 * and who expressed interest in which offer.  Event loop only.
 */
/* Forget every company's proposals (before they are loaded again). */
void	 index_company_reset(void);
/* A proposal was made to company on day on: 0 or IOD_ENOMEM.  loading 1
 * appends unordered (start-up), sorted on the next count. */
int	 index_company_proposed(uint64_t company_id, iod_date on,
	    int loading);
/* How many proposals were made to company on day since or later. */
uint32_t index_company_count(uint64_t company_id, iod_date since);
/* How many more proposals rs lets company be sent on day today: its
 * max_proposals_per_company less those of the last per_days days (today
 * included), 0 at or over the cap; UINT32_MAX when rs sets no cap. */
uint32_t index_company_left(const struct ruleset *, uint64_t company_id,
	    iod_date today);
/* One interest: a candidate interested in an offer. */
struct minterest {
	uint64_t	 offer_id, candidate_id;
};
/* Forget every interest (before they are loaded again). */
void	 index_interest_reset(void);
/* Record (on 1) or forget (on 0) that candidate is interested in offer:
 * 0 or IOD_ENOMEM. */
int	 index_interest_set(uint64_t offer_id, uint64_t candidate_id, int on);
/* The interests in offer, by candidate id, *n (OUT) of them: borrowed
 * until the next index_interest_set (NULL when *n is 0). */
const struct minterest *index_interests(uint64_t offer_id, size_t *n);
/* 1 if candidate is interested in offer, else 0. */
int	 index_interested(uint64_t offer_id, uint64_t candidate_id);
/* Free what index-policy.c holds (index_free calls it). */
void	 index_policy_free(void);

/* Take one proposal day of company off (a write's way back). */
void	 index_company_unproposed(uint64_t company_id, iod_date on);

/*
 * index-undo.c: the way back of the index's changes since a mark, for
 * writes whose transaction did not commit (event loop only).  Recording
 * starts with index_undo_record(1), after the index is loaded.
 */
/* Record (1) or not (0), the journal emptied either way. */
void	 index_undo_record(int on);
/* Forget the journal: what it holds committed. */
void	 index_undo_clear(void);
/* Where the journal is now, for index_undo_to. */
size_t	 index_undo_mark(void);
/* Take the index, and what was noted, back to mark: 0, or IOD_ENOMEM
 * when the journal could not keep every change (an entry failed for
 * want of memory): then only a rebuild from the store is exact. */
int	 index_undo_to(size_t mark);
/* Note a change of state kept in step with the index (borrowed data, len
 * bytes, copied): fn(copy) undoes it (0 or IOD_ENOMEM).  Nothing while
 * not recording. */
void	 index_undo_note(int (*fn)(const void *), const void *data,
	    size_t len);
/* The index's own hooks: a slot as it was (NULL: not there), an open
 * proposal counted, an offer's open proposal, a refusal, a company's
 * proposal day, an interest set or cleared. */
void	 index_undo_cand(uint32_t slot, const struct mcand *old);
void	 index_undo_open(uint32_t slot, int delta);
void	 index_undo_offer(uint64_t offer_id, uint64_t old);
void	 index_undo_refused(uint64_t candidate_id, uint64_t company_id,
	    iod_date old_on, uint64_t old_refusing);
void	 index_undo_company(uint64_t company_id, iod_date on);
void	 index_undo_interest(uint64_t offer_id, uint64_t candidate_id,
	    int on);
/* index.c's way back, for index-undo.c: slot holds c again (flags 0:
 * nobody, the last slot then given back); a refusal and the company's
 * count as they were.  0 or IOD_ENOMEM. */
int	 index_slot_restore(uint32_t slot, const struct mcand *c);
int	 index_refused_restore(uint64_t candidate_id, uint64_t company_id,
	    iod_date on, uint64_t refusing);

/*
 * The index (index.c's candidates and lists, index-policy.c's state) and
 * date_today's override are each thread's own: the event loop's is the
 * live one; another thread starts with none, may build one of its own
 * with the same verbs (index_init, index_put, index_open, ...), search it
 * with match_run, and must index_free it before it ends.
 */

/* index-sort.c: the offer-independent part of c's score under rs on day
 * today (the first key of a sorted list's order). */
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
/* index-sort.c: the packed form of a candidate for a list with this
 * base score. */
void	 index_pack(struct pentry *, uint32_t slot, const struct mcand *,
	    int32_t base);
/*
 * index-sort.c: sort the n slots (in place) in a sorted list's order,
 * best first: base[slot] highest, then cand[slot].oriented_on earliest,
 * then cand[slot].id smallest (base and cand borrowed, indexed by slot).
 * Returns 0 or IOD_ENOMEM (32 bytes an entry, freed before return).
 */
int	 index_sort(uint32_t *slots, size_t n, const int32_t *base,
	    const struct mcand *cand);
/* The same order of the n slots (borrowed), packed (index_pack) into
 * out (OUT, n entries): 0 or IOD_ENOMEM. */
int	 index_sort_pack(struct pentry *out, const uint32_t *slots, size_t n,
	    const int32_t *base, const struct mcand *cand);
/*
 * Sort now every list of rs that a search would (index_candidates), on
 * index_threads threads: what the first searches would do one list at a
 * time, at start-up.  Event loop only; 0 or IOD_ENOMEM.
 */
int	 index_warm(const struct ruleset *);
/* Drop what the index keeps for rule set rs (no longer active); safe
 * without an index. */
void	 index_forget_ruleset(const struct ruleset *);

/*
 * A sorted list as columns (struct of arrays, column.c), for the searches
 * of one offer: the candidates left after the filters that depend on the
 * rule set alone (status, consent, programme), whose removals are counted
 * in removed[], in ranges by where they can go (column_range), each range
 * in the list's order; territory is the rule set's territory of the
 * commune (-1 unknown); busy is 1 while the candidate has an open
 * proposal, kept in step by index_open.
 */
struct mcols {
	uint32_t	 n;		/* entries in the columns */
	uint32_t	 listed;	/* entries of the list, before filters */
	uint32_t	 removed[FILTER__N];	/* by the static filters */
	uint32_t	 programmes;	/* the rule set's, when built */
	uint32_t	 nranges;	/* the territories, then the wide one */
	uint32_t	*rstart;	/* range r: [rstart[r], rstart[r + 1]) */
	const int16_t	*terr;		/* borrowed: territory by commune */
	uint32_t	*slot;
	uint32_t	*pos;		/* the entry's place in the list */
	int32_t		*base;		/* offer-independent score */
	int16_t		*commune, *territory;
	uint16_t	*available;	/* days since 1970, 0: any time */
	uint8_t		*flags, *zone, *schedule_ok, *max_hours, *contracts;
	uint8_t		*publics, *busy;
	void		*mem;		/* the one allocation behind them */
	size_t		 cap;		/* entries it holds */
};
/*
 * The columns of the list index_candidates would give (same arguments):
 * *cols borrows them until the next index write (index_open changes only
 * a busy lane, in place).  Returns 0 or IOD_ENOMEM.
 */
int	 index_columns(const struct ruleset *, int rome,
	    const struct mcols **cols);

/* ---- column.c: the column lists and their branch-free filter pass ------ */
/*
 * What the pass needs of an offer, made by match_run: per filter, on (1)
 * or off (0), and the offer's values in the columns' widths.  A candidate
 * fails the offer's filters in the bits of its mask: bit k for filter
 * FILTER_ZONE + k.
 */
struct mcprobe {
	uint8_t		 exclusive;
	uint8_t		 contract, contract_bit;
	uint8_t		 hours, hours_lim;	/* fails: max_hours - 1 < lim */
	uint8_t		 schedule, schedule_hi, schedule_mask;
	uint8_t		 availability;
	uint16_t	 available_lim;		/* fails: available > lim */
	uint8_t		 licence, licence_need;	/* MC_LICENCE | MC_VEHICLE */
	uint8_t		 zone, commune_unknown;
	int16_t		 commune, territory;
};
/*
 * Fill cols (its memory reused, grown as needed) from the n packed
 * entries of a sorted list (borrowed) under rs, with terr (borrowed,
 * kept in cols) the rule set's territory by commune, in 0..nterr - 1 or
 * -1; busy from index_busy.  Returns 0 or IOD_ENOMEM (cols then empty).
 */
int	 column_build(struct mcols *cols, const struct pentry *list,
	    uint32_t n, const struct ruleset *rs, const int16_t *terr,
	    uint32_t nterr);
/*
 * The range of cols that holds a candidate of mobility zone living in
 * commune: its territory's when the zone is the commune or the territory
 * and the commune has a territory (it reaches no offer outside it), else
 * the wide range, the last (nranges - 1).
 */
uint32_t column_range(const struct mcols *cols, uint8_t zone,
	    int16_t commune);
/* Free what column_build allocated; then empty. */
void	 column_free(struct mcols *);
/*
 * One branch-free pass over entries [lo, hi) of cols: fm[i - lo] (in:
 * the cooldown bit, as bit FILTER_COOLDOWN - FILTER_ZONE, or 0; out:
 * every filter failed) and removed[f] += the entries whose first failed
 * filter is f.  Returns the number of entries that fail none.
 */
uint32_t column_filter(const struct mcols *cols, uint32_t lo, uint32_t hi,
	    const struct mcprobe *, uint8_t *fm, uint32_t removed[FILTER__N]);

/* ---- match.c: filters, scores, the best candidate ---------------------- */
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
	uint32_t	 company_cap;	/* eligible, but the company had its
					   rule set's proposals of the period */
	struct mhit	*top;			/* best first, ntop <= want */
	size_t		 ntop, want;
};
int	 match_prepare(const struct ruleset *, const struct offer *,
	    const struct company *, struct moffer *);
/*
 * Rank the eligible candidates of an offer, keeping the best r->want; a
 * candidate interested in the offer (index_interests) gets the rule
 * set's expressed_interest points.  When the offer's company was sent
 * the rule set's max_proposals_per_company in its last per_days days
 * (index_company_count), nobody is kept: the eligible are counted in
 * r->company_cap and r->eligible is 0 (match_scan and match_naive too).
 */
int	 match_run(const struct ruleset *, const struct moffer *,
	    struct mresult *);
void	 match_result_free(struct mresult *);
/* Call fn for every eligible candidate with its score, interest
 * included (the batch, which applies the company cap itself). */
int	 match_each(const struct ruleset *, const struct moffer *,
	    int (*fn)(uint32_t slot, int32_t score, void *), void *);

/* match-parts.c: one part of a score, what earned it and its points. */
#define MPART_MAX	(2 * PUBLIC__N + 5)	/* publics, favoured, 5 more */
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
 * territory, favoured publics, expressed interest (index_interested);
 * parts of 0 points are left out.  The
 * total is match_run's score for c.
 */
void	 match_parts(const struct ruleset *, const struct moffer *,
	    const struct mcand *, struct mparts *);
/* match-edges.c: the batch's edges for assign_solve (assign.c), built
 * offer by offer. */
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
/* match_run's answer from the packed entries, one candidate and one
 * branch at a time, without the columns: the columns' oracle. */
int	 match_scan(const struct ruleset *, const struct moffer *,
	    struct mresult *);
/*
 * The first hard filter candidate c (borrowed from the index: index_cand)
 * fails for offer m under rs, by the same check() as match_scan, into
 * *filter (OUT): FILTER_ROME when c seeks neither the offer's code nor,
 * if rs says family, its family; -1 when c is eligible.  Returns 0,
 * IOD_EINVAL if c is not the index's, or IOD_ENOMEM.  Event loop only.
 */
int	 match_pair(const struct ruleset *, const struct moffer *,
	    const struct mcand *c, int *filter);
/* The same matching without the index: every candidate, scored. */
int	 match_naive(const struct ruleset *, const struct moffer *,
	    struct mresult *);


#endif
