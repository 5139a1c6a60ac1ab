/*
 * bench_match.h — what the two files of bench_match share: the offers as
 * the benchmark prepares them, its options, and its small helpers.
 * bench_match.c loads the dataset and times the search and the start-up;
 * match-batch.c builds the batch's edges and times its solve.
 */
#ifndef IOD_BENCH_MATCH_H
#define IOD_BENCH_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "engine.h"

/* A proposable offer: open, visited if the rule set wants it, prepared. */
struct boffer {
	uint64_t	 id;
	struct moffer	 mo;
	uint32_t	 best_slot;	/* UINT32_MAX: nobody eligible */
	int32_t		 best_score;
	uint32_t	 eligible;
	struct mresult	 served;	/* match_run's, in service state */
	struct mcand	*proposed;	/* its proposal's candidate, or NULL */
};

struct opts {
	const char	*gen;		/* the dataset directory */
	const char	*refdata;
	const char	*rules;
	const char	*store;		/* a store the daemon wrote, or NULL */
	const char	*best;		/* OUT: best candidate by offer */
	const char	*edges;		/* OUT: the batch's edges */
	const char	*assign;	/* OUT: the batch's assignment */
	const char	*tmp;		/* where the synthetic store goes */
	size_t		 batch_max;	/* rows of the batch, 0: every offer */
	size_t		 naive_max;	/* offers scanned naively, 0: all */
	size_t		 offers_max;	/* offers kept (spread), 0: all */
	int		 no_batch;	/* leave the batch out */
	uint64_t	 synth;		/* candidates of the synthetic store */
};

extern struct ruleset	*rs;		/* the rule set of the run */
extern struct boffer	*offers;	/* the proposable offers */
extern size_t		 noffers;

void	 die(const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));
uint64_t now_ns(void);			/* CLOCK_MONOTONIC */
double	 secs(uint64_t ns);
/* The batch of every offer: its edges, solve and proof, timed; writes
 * op->edges and op->assign when set. */
json_t	*run_batch(const struct opts *op);

#endif
