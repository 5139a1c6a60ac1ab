/*
 * index-policy.c — two facts about pairs that the matcher reads on every
 * search and that no candidate record holds: the days each company was
 * sent a proposal (for the rule set's cap on proposals per company and
 * period) and the candidates who expressed interest in an offer at a
 * positioning session (for the expressed_interest weight).  Both are kept
 * in step by the domain as it records proposals and interests, and filled
 * at start-up from the store; neither is written to the store from here.
 * Each is one array of pairs sorted by key, so that a count in a window or
 * the interests of one offer are two binary searches, not a scan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rules.h"

struct cday {
	uint64_t	 company_id;
	iod_date	 on;
};

static _Thread_local struct {
	struct cday	*v;
	size_t		 n, cap;
	int		 sorted;	/* 0 after an unordered load */
} cdays = { NULL, 0, 0, 1 };

static _Thread_local struct {
	struct minterest *v;
	size_t		 n, cap;
} interests;

static int
cday_cmp(const void *x, const void *y)
{
	const struct cday	*a = x, *b = y;

	if (a->company_id != b->company_id)
		return (a->company_id < b->company_id ? -1 : 1);
	return (a->on < b->on ? -1 : a->on > b->on);
}

/* The first entry of cdays not before (company_id, on). */
static size_t
cday_lower(uint64_t company_id, iod_date on)
{
	size_t	lo = 0, hi = cdays.n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cdays.v[mid].company_id < company_id ||
		    (cdays.v[mid].company_id == company_id &&
		    cdays.v[mid].on < on))
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

void
index_company_reset(void)
{
	cdays.n = 0;
	cdays.sorted = 1;
}

int
index_company_proposed(uint64_t company_id, iod_date on, int loading)
{
	struct cday	*p;
	size_t		 at;

	if (cdays.n == cdays.cap) {
		cdays.cap = cdays.cap ? cdays.cap * 2 : 256;
		if ((p = reallocarray(cdays.v, cdays.cap, sizeof(*p))) ==
		    NULL) {
			cdays.cap = cdays.n;
			return (IOD_ENOMEM);
		}
		cdays.v = p;
	}
	if (loading || !cdays.sorted) {
		cdays.v[cdays.n].company_id = company_id;
		cdays.v[cdays.n++].on = on;
		cdays.sorted = 0;
		index_undo_company(company_id, on);
		return (0);
	}
	/* Most proposals are today's: the move is short or nothing. */
	at = cday_lower(company_id, on + 1);
	memmove(&cdays.v[at + 1], &cdays.v[at],
	    (cdays.n - at) * sizeof(*cdays.v));
	cdays.v[at].company_id = company_id;
	cdays.v[at].on = on;
	cdays.n++;
	index_undo_company(company_id, on);
	return (0);
}

void
index_company_unproposed(uint64_t company_id, iod_date on)
{
	size_t	at;

	(void)index_company_count(company_id, on);	/* sorted */
	at = cday_lower(company_id, on);
	if (at < cdays.n && cdays.v[at].company_id == company_id &&
	    cdays.v[at].on == on) {
		memmove(&cdays.v[at], &cdays.v[at + 1],
		    (cdays.n - at - 1) * sizeof(*cdays.v));
		cdays.n--;
	}
}

uint32_t
index_company_count(uint64_t company_id, iod_date since)
{
	size_t	lo, hi;

	if (!cdays.sorted) {
		if (cdays.n > 1)
			qsort(cdays.v, cdays.n, sizeof(*cdays.v), cday_cmp);
		cdays.sorted = 1;
	}
	lo = cday_lower(company_id, since);
	hi = company_id == UINT64_MAX ? cdays.n :
	    cday_lower(company_id + 1, 0);
	return ((uint32_t)(hi - lo));
}

uint32_t
index_company_left(const struct ruleset *rs, uint64_t company_id,
    iod_date today)
{
	const struct ruleset_policies	*p = &rs->policies;
	uint32_t			 made;

	if (p->max_proposals_per_company <= 0)
		return (UINT32_MAX);
	made = index_company_count(company_id,
	    date_from_days(date_to_days(today) - p->per_days + 1));
	return (made >= (uint32_t)p->max_proposals_per_company ? 0 :
	    (uint32_t)p->max_proposals_per_company - made);
}

/* The first interest not before (offer_id, candidate_id). */
static size_t
interest_lower(uint64_t offer_id, uint64_t candidate_id)
{
	size_t	lo = 0, hi = interests.n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (interests.v[mid].offer_id < offer_id ||
		    (interests.v[mid].offer_id == offer_id &&
		    interests.v[mid].candidate_id < candidate_id))
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

void
index_interest_reset(void)
{
	interests.n = 0;
}

int
index_interest_set(uint64_t offer_id, uint64_t candidate_id, int on)
{
	struct minterest	*p;
	size_t			 at;
	int			 has;

	at = interest_lower(offer_id, candidate_id);
	has = at < interests.n && interests.v[at].offer_id == offer_id &&
	    interests.v[at].candidate_id == candidate_id;
	if (!on) {
		if (has) {
			memmove(&interests.v[at], &interests.v[at + 1],
			    (interests.n - at - 1) * sizeof(*interests.v));
			interests.n--;
			index_undo_interest(offer_id, candidate_id, 0);
		}
		return (0);
	}
	if (has)
		return (0);
	if (interests.n == interests.cap) {
		interests.cap = interests.cap ? interests.cap * 2 : 64;
		if ((p = reallocarray(interests.v, interests.cap,
		    sizeof(*p))) == NULL) {
			interests.cap = interests.n;
			return (IOD_ENOMEM);
		}
		interests.v = p;
	}
	memmove(&interests.v[at + 1], &interests.v[at],
	    (interests.n - at) * sizeof(*interests.v));
	interests.v[at].offer_id = offer_id;
	interests.v[at].candidate_id = candidate_id;
	interests.n++;
	index_undo_interest(offer_id, candidate_id, 1);
	return (0);
}

const struct minterest *
index_interests(uint64_t offer_id, size_t *n)
{
	size_t	lo, hi;

	lo = interest_lower(offer_id, 0);
	hi = offer_id == UINT64_MAX ? interests.n :
	    interest_lower(offer_id + 1, 0);
	*n = hi - lo;
	return (interests.v != NULL ? &interests.v[lo] : NULL);
}

int
index_interested(uint64_t offer_id, uint64_t candidate_id)
{
	size_t	at = interest_lower(offer_id, candidate_id);

	return (at < interests.n && interests.v[at].offer_id == offer_id &&
	    interests.v[at].candidate_id == candidate_id);
}

void
index_policy_free(void)
{
	free(cdays.v);
	memset(&cdays, 0, sizeof(cdays));
	cdays.sorted = 1;
	free(interests.v);
	memset(&interests, 0, sizeof(interests));
}
