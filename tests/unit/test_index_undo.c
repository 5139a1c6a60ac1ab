/*
 * test_index_undo.c — unit tests of the index's journal (index-undo.c):
 * after a round of writes of every kind (candidates put, updated and
 * deleted, proposals opened and closed, refusals, offers' open proposals,
 * interests, companies' proposal days), with searches in between that
 * build the lists and their busy lanes, index_undo_to gives back an index
 * that answers every offer exactly as before the round and as an index
 * built afresh from the same state; a mark in the middle takes back only
 * what came after it; nothing is journaled while recording is off.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "rules.h"

#define TODAY		20261101
#define RULES		"rules/iod-plie.yaml"
#define NCAND		3000
#define NOFFERS		60
#define ROME_POOL	12
#define WANT		25

static const struct refdata	*ref;
static struct ruleset		*rs;
static uint64_t			 rng;
static size_t			 rome0;

struct tcand {
	struct candidate c;
	char		 commune[INSEE_LEN + 1];
	char		*rome[4];
};

/* What the index answers: every offer's eligible count, removals, cap
 * and ranked ids with their scores; and the policy state read back. */
struct answer {
	uint32_t	 eligible[NOFFERS], cap[NOFFERS], ntop[NOFFERS];
	uint32_t	 removed[NOFFERS][FILTER__N];
	uint64_t	 top[NOFFERS][WANT];
	int32_t		 score[NOFFERS][WANT];
	uint64_t	 offer_open[NOFFERS], interests[NOFFERS];
	uint64_t	 by_status[CAND__N];
	iod_date	 refused[64];
	uint32_t	 live, company[41];
	size_t		 slots;
};

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return ((uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32) % n);
}

static iod_date
day_from_today(int delta)
{
	return (date_from_days(date_to_days(TODAY) + delta));
}

static int
setup(void **state)
{
	char	*cause = NULL, *errors = NULL;
	int	 k;

	(void)state;
	setenv("IOD_TODAY", "2026-11-01", 1);
	if (refdata_load("data", &cause) != 0) {
		fprintf(stderr, "refdata: %s\n", cause);
		free(cause);
		return (-1);
	}
	ref = refdata_get();
	if (ruleset_load_file(RULES, "data", &rs, &errors) != 0) {
		fprintf(stderr, "%s\n", errors);
		free(errors);
		return (-1);
	}
	/* Interests and the company cap weigh in every answer. */
	rs->weights.expressed_interest = 300;
	rs->policies.max_proposals_per_company = 4;
	rs->policies.per_days = 30;
	k = refdata_rome_index("K2201");
	rome0 = k >= 0 && (size_t)k + ROME_POOL <= ref->nrome ? (size_t)k :
	    ref->nrome / 2;
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	index_undo_record(0);
	index_free();
	ruleset_free(rs);
	refdata_free();
	return (0);
}

static void
gen_candidate(struct tcand *t, uint64_t id)
{
	struct candidate	*c = &t->c;
	size_t			 i;

	memset(t, 0, sizeof(*t));
	c->id = id;
	c->status = rnd(10) < 8 ? CAND_ACTIVE : (int)rnd(CAND__N);
	c->consent.on = rnd(10) < 9 ? 20260101 : 0;
	c->programme = rnd(10) < 8 ? PROGRAMME_PLIE : (int)rnd(PROGRAMME__N);
	c->publics = rnd(1u << PUBLIC__N) & rnd(1u << PUBLIC__N);
	c->qpv = rnd(4) == 0;
	c->oriented_on = day_from_today(-(int)rnd(1200));
	c->available_on = rnd(3) == 0 ? 0 : day_from_today((int)rnd(180) - 60);
	c->contracts = rnd(3) == 0 ? 0 : rnd(1u << CONTRACT__N);
	c->max_weekly_hours = rnd(3) == 0 ? 0 : 15 + rnd(25);
	c->schedule_ok = rnd(1u << SCHEDULE__N);
	c->mobility.zone = (int)rnd(ZONE__N);
	c->mobility.licence_b = (int)rnd(2);
	c->mobility.vehicle = (int)rnd(2);
	snprintf(t->commune, sizeof(t->commune), "%s",
	    ref->communes[rnd((uint32_t)ref->ncommunes)].insee);
	c->commune = t->commune;
	c->nrome = 1 + rnd(3);
	for (i = 0; i < c->nrome; i++)
		t->rome[i] = ref->rome[rome0 + rnd(ROME_POOL)];
	c->rome = t->rome;
}

static void
put(uint64_t id)
{
	struct tcand	t;

	gen_candidate(&t, id);
	assert_int_equal(index_put(&t.c), 0);
}

static struct moffer
gen_offer(uint64_t id)
{
	struct offer	o;
	struct company	co;
	struct moffer	m;
	char		commune[INSEE_LEN + 1];

	memset(&o, 0, sizeof(o));
	memset(&co, 0, sizeof(co));
	o.id = id;
	o.company_id = co.id = 1 + rnd(40);
	o.rome = ref->rome[rome0 + rnd(ROME_POOL)];
	snprintf(commune, sizeof(commune), "%s",
	    ref->communes[rnd((uint32_t)ref->ncommunes)].insee);
	o.commune = commune;
	o.contract = (int)rnd(CONTRACT__N);
	o.weekly_hours = 10 + rnd(30);
	o.schedule = rnd(1u << SCHEDULE__N) & rnd(1u << SCHEDULE__N);
	o.requirements = rnd(1u << REQ__N);
	o.start_on = day_from_today((int)rnd(90) - 20);
	co.favoured_publics = rnd(1u << PUBLIC__N) & rnd(1u << PUBLIC__N);
	assert_int_equal(match_prepare(rs, &o, &co, &m), 0);
	return (m);
}

static void
answer(struct answer *a)
{
	struct moffer	mo;
	struct mresult	r;
	uint64_t	save = rng;
	size_t		i, k;

	memset(a, 0, sizeof(*a));
	rng = 7;
	for (i = 0; i < NOFFERS; i++) {
		mo = gen_offer(i + 1);
		memset(&r, 0, sizeof(r));
		r.want = WANT;
		assert_int_equal(match_run(rs, &mo, &r), 0);
		a->eligible[i] = r.eligible;
		a->cap[i] = r.company_cap;
		a->ntop[i] = (uint32_t)r.ntop;
		memcpy(a->removed[i], r.removed, sizeof(r.removed));
		for (k = 0; k < r.ntop; k++) {
			a->top[i][k] = index_cand_by_slot(r.top[k].slot)->id;
			a->score[i][k] = r.top[k].score;
		}
		match_result_free(&r);
		a->offer_open[i] = index_offer_open(i + 1);
		index_interests(i + 1, &k);
		a->interests[i] = k;
	}
	for (i = 0; i < 64; i++)
		a->refused[i] = index_refused_on(1 + i, 1 + i % 40);
	for (i = 1; i <= 40; i++)
		a->company[i] = index_company_count(i, day_from_today(-29));
	index_count_by_status(a->by_status, CAND__N);
	a->live = index_live();
	index_slots(&a->slots);
	rng = save;
}

/* The state before any round: candidates, proposals, refusals, ... */
static void
build(void)
{
	struct mcand	*m;
	uint64_t	 id;
	size_t		 i;

	assert_int_equal(index_init(), 0);
	rng = 42;
	for (id = 1; id <= NCAND; id++)
		put(id);
	for (i = 0; i < NCAND / 8; i++) {
		if ((m = index_cand(1 + rnd(NCAND))) != NULL)
			index_open(m, 1);
		assert_int_equal(index_refused(1 + rnd(64), 1 + rnd(40),
		    day_from_today(-(int)rnd(200))), 0);
		assert_int_equal(index_interest_set(1 + rnd(NOFFERS),
		    1 + rnd(NCAND), 1), 0);
		if (i % 8 == 0)
			assert_int_equal(index_company_proposed(1 + rnd(40),
			    day_from_today(-(int)rnd(45)), 0), 0);
	}
	for (i = 1; i <= NOFFERS; i += 3)
		assert_int_equal(index_offer_open_set(i, 1000 + i), 0);
}

/* n writes of every kind, with searches between them. */
static void
round_of(size_t n, uint64_t seed)
{
	struct answer	*mid = malloc(sizeof(*mid));
	struct mcand	*m;
	uint64_t	 id;
	size_t		 i;

	assert_non_null(mid);
	rng = seed;
	for (i = 0; i < n; i++) {
		id = 1 + rnd(NCAND + 200);
		switch (rnd(8)) {
		case 0:
			index_del(id);
			break;
		case 1:
			if ((m = index_cand(id)) != NULL)
				index_open(m, rnd(3) == 0 ? -1 : 1);
			break;
		case 2:
			assert_int_equal(index_refused(1 + rnd(64),
			    1 + rnd(40), day_from_today(-(int)rnd(10))), 0);
			break;
		case 3:
			assert_int_equal(index_offer_open_set(1 +
			    rnd(NOFFERS), rnd(2) ? 5000 + i : 0), 0);
			break;
		case 4:
			assert_int_equal(index_interest_set(1 + rnd(NOFFERS),
			    1 + rnd(NCAND), (int)rnd(2)), 0);
			break;
		case 5:		/* rarer: the cap must not stop every offer */
			if (rnd(8) != 0)
				break;
			assert_int_equal(index_company_proposed(1 + rnd(40),
			    day_from_today(-(int)rnd(3)), 0), 0);
			break;
		default:
			put(id);
			break;
		}
		if (i % 97 == 0)
			answer(mid);	/* lists built, busy lanes in step */
	}
	free(mid);
}

static void
test_round_taken_back(void **state)
{
	struct answer	*before, *after, *fresh;
	size_t		 mark, i, n;

	(void)state;
	before = malloc(sizeof(*before));
	after = malloc(sizeof(*after));
	fresh = malloc(sizeof(*fresh));
	assert_true(before != NULL && after != NULL && fresh != NULL);
	build();
	answer(before);
	for (i = 0, n = 0; i < NOFFERS; i++)
		n += before->ntop[i];
	assert_true(n > NOFFERS);	/* answers worth comparing */
	index_undo_record(1);
	mark = index_undo_mark();
	round_of(1500, 43);
	answer(after);
	/* The round must change the answers for the test to mean much. */
	assert_memory_not_equal(before, after, sizeof(*before));
	assert_int_equal(index_undo_to(mark), 0);
	answer(after);
	assert_memory_equal(before, after, sizeof(*before));
	assert_int_equal(index_undo_mark(), mark);

	/* A mark in the middle: only what came after it goes. */
	round_of(400, 44);
	answer(before);
	mark = index_undo_mark();
	round_of(400, 45);
	assert_int_equal(index_undo_to(mark), 0);
	answer(after);
	assert_memory_equal(before, after, sizeof(*before));

	/* Committed: forgotten; the index holds the first round of 400. */
	index_undo_clear();
	assert_int_equal(index_undo_mark(), 0);
	index_undo_record(0);
	round_of(50, 46);	/* not recording: nothing journaled */
	assert_int_equal(index_undo_mark(), 0);
	index_free();

	/* As fresh: the same state built again, no journal at all. */
	build();
	round_of(400, 44);
	answer(fresh);
	assert_memory_equal(before, fresh, sizeof(*before));
	/* And the same taken back from after a round, journaled. */
	index_undo_record(1);
	round_of(1500, 47);
	assert_int_equal(index_undo_to(0), 0);
	answer(after);
	assert_memory_equal(fresh, after, sizeof(*fresh));
	index_undo_record(0);
	index_free();
	free(before);
	free(after);
	free(fresh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_taken_back),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
