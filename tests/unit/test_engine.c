/*
 * test_engine.c — unit tests of the matching engine alone (index.c and
 * match.c over profiles/ and rules/, no store, no daemon): the index
 * follows every put, update and delete of a candidate in its lists; each
 * hard filter removes exactly the candidate that fails it, counted against
 * that filter, and lets it through when the rule set turns it off, and
 * match_pair charges each pair alone to the same filter; a candidate out
 * of the offer's reach counts under zone whatever else they fail, whether
 * the search reads their range of the list (by territory) or not; the
 * score and its parts by hand; the best-first scan's early stop keeps the
 * exact answer at its boundary; and, on a few thousand generated
 * candidates in every territory with every zone and many offers (fixed
 * seed), the indexed search (the columns' pass over their ranges) agrees
 * with match_naive and with the packed entries' scalar scan (match_scan)
 * on the eligible count, every filter's removals and the ranked list,
 * before and after a round of updates, and while proposals open and close
 * between searches.
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

/* ---- fixtures ------------------------------------------------------------ */

static const struct refdata	*ref;

static int
setup(void **state)
{
	char	*cause = NULL;

	(void)state;
	setenv("IOD_TODAY", "2026-11-01", 1);
	if (refdata_load("data", &cause) != 0) {
		fprintf(stderr, "refdata: %s\n", cause);
		free(cause);
		return (-1);
	}
	ref = refdata_get();
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	refdata_free();
	return (0);
}

/* Each test starts from an empty index. */
static int
index_up(void **state)
{
	(void)state;
	return (index_init());
}

static int
index_down(void **state)
{
	(void)state;
	index_free();
	return (0);
}

static struct ruleset *
rules_load(void)
{
	struct ruleset	*rs = NULL;
	char		*errors = NULL;

	if (ruleset_load_file(RULES, "data", &rs, &errors) != 0) {
		fprintf(stderr, "%s\n", errors);
		free(errors);
	}
	assert_non_null(rs);
	return (rs);
}

static void
rules_free(struct ruleset *rs)
{
	index_forget_ruleset(rs);
	ruleset_free(rs);
}

/* A candidate record with its strings in place (index_put copies). */
struct tcand {
	struct candidate c;
	char		 commune[INSEE_LEN + 1];
	char		*rome[4];
};

/* One who passes every filter of iod-plie for offer_of below. */
static void
tcand_init(struct tcand *t, uint64_t id, const char *rome,
    const char *commune)
{
	memset(t, 0, sizeof(*t));
	t->c.id = id;
	t->c.status = CAND_ACTIVE;
	t->c.consent.on = 20260101;
	t->c.programme = PROGRAMME_PLIE;
	t->c.oriented_on = TODAY;
	t->c.schedule_ok = (1u << SCHEDULE__N) - 1;
	t->c.mobility.zone = ZONE_METROPOLE;
	t->c.mobility.licence_b = t->c.mobility.vehicle = 1;
	snprintf(t->commune, sizeof(t->commune), "%s", commune);
	t->c.commune = t->commune;
	t->rome[0] = ref->rome[refdata_rome_index(rome)];
	t->c.rome = t->rome;
	t->c.nrome = 1;
}

static void
put(const struct tcand *t)
{
	assert_int_equal(index_put(&t->c), 0);
}

static struct moffer
offer_of(const struct ruleset *rs, uint64_t id, const char *rome,
    const char *commune, uint32_t favoured)
{
	struct offer	o;
	struct company	co;
	struct moffer	m;
	char		insee[INSEE_LEN + 1];

	memset(&o, 0, sizeof(o));
	memset(&co, 0, sizeof(co));
	o.id = id;
	o.company_id = co.id = 7;
	o.rome = ref->rome[refdata_rome_index(rome)];
	snprintf(insee, sizeof(insee), "%s", commune);
	o.commune = insee;
	o.contract = CONTRACT_CDI;
	o.weekly_hours = 35;
	o.schedule = 1u << SCHEDULE_EARLY;
	o.requirements = 1u << REQ_LICENCE_B | 1u << REQ_VEHICLE;
	o.start_on = 20261115;
	co.favoured_publics = favoured;
	assert_int_equal(match_prepare(rs, &o, &co, &m), 0);
	return (m);
}

/* Two ROME codes of one family and one of another. */
static void
three_romes(const char **a, const char **b, const char **c)
{
	size_t	i;

	for (i = 1; i < ref->nrome; i++)
		if (strncmp(ref->rome[i], ref->rome[i - 1], 3) == 0)
			break;
	assert_true(i < ref->nrome);
	*a = ref->rome[i - 1];
	*b = ref->rome[i];
	*c = strncmp(ref->rome[0], *a, 3) != 0 ? ref->rome[0] :
	    ref->rome[ref->nrome - 1];
	assert_true(strncmp(*c, *a, 3) != 0);
}

/* Two communes of one territory and one of another, under rs. */
static void
three_communes(const struct ruleset *rs, const char **a, const char **b,
    const char **c)
{
	size_t	i, j;
	int	t;

	*a = *b = *c = NULL;
	for (i = 0; i < ref->ncommunes && *b == NULL; i++) {
		if ((t = ruleset_territory_of(rs, ref->communes[i].insee)) < 0)
			continue;
		for (j = i + 1; j < ref->ncommunes; j++)
			if (ruleset_territory_of(rs, ref->communes[j].insee) ==
			    t) {
				*a = ref->communes[i].insee;
				*b = ref->communes[j].insee;
				break;
			}
	}
	assert_non_null(*b);
	t = ruleset_territory_of(rs, *a);
	for (i = 0; i < ref->ncommunes; i++)
		if (ruleset_territory_of(rs, ref->communes[i].insee) >= 0 &&
		    ruleset_territory_of(rs, ref->communes[i].insee) != t) {
			*c = ref->communes[i].insee;
			break;
		}
	assert_non_null(*c);
}

/* The ids of rs's list for rome, in list order, into ids; their count. */
static uint32_t
list_ids(const struct ruleset *rs, const char *rome, uint64_t *ids,
    uint32_t max)
{
	const struct pentry	*list;
	const int16_t		*terr;
	uint32_t		 n, i;

	assert_int_equal(index_candidates(rs, refdata_rome_index(rome), &list,
	    &n, &terr), 0);
	assert_true(n <= max);
	for (i = 0; i < n; i++)
		ids[i] = index_cand_by_slot(list[i].slot)->id;
	return (n);
}

/* ---- the index follows the writes ---------------------------------------- */

static void
test_index_updates(void **state)
{
	struct ruleset		*exact, *family;
	struct tcand		 a, b, c;
	struct mcand		*m;
	const char		*r1, *r2, *r3;
	uint64_t		 ids[8], by_status[CAND__N];
	size_t			 nslots;
	uint32_t		 slot;

	(void)state;
	exact = rules_load();
	exact->filters.rome_match = ROME_MATCH_EXACT;
	family = rules_load();
	assert_int_equal(family->filters.rome_match, ROME_MATCH_FAMILY);
	three_romes(&r1, &r2, &r3);

	assert_int_equal(index_live(), 0);
	assert_null(index_cand(1));
	tcand_init(&a, 1, r1, "69381");
	tcand_init(&b, 2, r2, "69381");
	put(&a);
	put(&b);
	assert_int_equal(index_live(), 2);
	assert_int_equal(list_ids(exact, r1, ids, 8), 1);
	assert_int_equal(ids[0], 1);
	assert_int_equal(list_ids(exact, r2, ids, 8), 1);
	assert_int_equal(ids[0], 2);
	assert_int_equal(list_ids(family, r1, ids, 8), 2);
	assert_int_equal(list_ids(exact, r3, ids, 8), 0);
	/* A code sought twice is listed once. */
	b.rome[1] = b.rome[0];
	b.c.nrome = 2;
	put(&b);
	assert_int_equal(index_cand(2)->nrome, 1);
	assert_int_equal(list_ids(exact, r2, ids, 8), 1);

	/* A better base score comes first: RSA earns 30 under iod-plie. */
	tcand_init(&c, 3, r1, "69381");
	c.c.publics = 1u << PUBLIC_RSA;
	put(&c);
	assert_int_equal(list_ids(exact, r1, ids, 8), 2);
	assert_int_equal(ids[0], 3);
	assert_int_equal(ids[1], 1);
	assert_int_equal(list_ids(family, r2, ids, 8), 3);
	assert_int_equal(ids[0], 3);
	/* At equal base, the longest wait first, then the smallest id. */
	assert_int_equal(ids[1], 1);
	assert_int_equal(ids[2], 2);

	/* An update moves the candidate between lists and keeps its slot
	 * and its open proposals. */
	m = index_cand(1);
	assert_non_null(m);
	slot = (uint32_t)(m - index_cand_by_slot(0));
	index_open(m, 1);
	assert_int_equal(index_busy(slot), 1);
	a.rome[0] = ref->rome[refdata_rome_index(r3)];
	put(&a);
	assert_int_equal(index_live(), 3);
	m = index_cand(1);
	assert_ptr_equal(m, index_cand_by_slot(slot));
	assert_int_equal(m->rome[0], refdata_rome_index(r3));
	assert_int_equal(m->open, 1);
	assert_int_equal(index_busy(slot), 1);
	assert_int_equal(list_ids(exact, r1, ids, 8), 1);
	assert_int_equal(ids[0], 3);
	assert_int_equal(list_ids(exact, r3, ids, 8), 1);
	assert_int_equal(ids[0], 1);
	assert_int_equal(list_ids(family, r2, ids, 8), 2);
	index_open(m, -1);
	assert_int_equal(index_busy(slot), 0);
	index_open(m, -1);		/* never below 0 */
	assert_int_equal(m->open, 0);

	/* A new score changes the order. */
	a.rome[0] = ref->rome[refdata_rome_index(r1)];
	a.c.publics = 1u << PUBLIC_RSA | 1u << PUBLIC_DELD;
	put(&a);
	assert_int_equal(list_ids(exact, r1, ids, 8), 2);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 3);

	/* A delete takes it out of every list; its slot stays, dead. */
	index_del(2);
	index_del(2);
	index_del(999999);
	assert_int_equal(index_live(), 2);
	assert_null(index_cand(2));
	assert_int_equal(list_ids(family, r2, ids, 8), 2);
	assert_int_equal(list_ids(exact, r2, ids, 8), 0);
	(void)index_slots(&nslots);
	assert_int_equal(nslots, 3);
	put(&b);
	assert_int_equal(index_live(), 3);
	(void)index_slots(&nslots);
	assert_int_equal(nslots, 4);
	assert_int_equal(list_ids(exact, r2, ids, 8), 1);
	assert_int_equal(ids[0], 2);

	memset(by_status, 0, sizeof(by_status));
	b.c.status = CAND_ON_HOLD;
	put(&b);
	index_count_by_status(by_status, CAND__N);
	assert_int_equal(by_status[CAND_ACTIVE], 2);
	assert_int_equal(by_status[CAND_ON_HOLD], 1);

	/* The offers' open proposals. */
	assert_int_equal(index_offer_open(5), 0);
	assert_int_equal(index_offer_open_set(5, 9), 0);
	assert_int_equal(index_offer_open(5), 9);
	assert_int_equal(index_offer_open_set(5, 0), 0);
	assert_int_equal(index_offer_open(5), 0);

	/* Refusals: the latest day counts, per company. */
	assert_int_equal(index_refusing(7), 0);
	assert_int_equal(index_refused(1, 7, 20260901), 0);
	assert_int_equal(index_refused(1, 7, 20260801), 0);
	assert_int_equal(index_refused_on(1, 7), 20260901);
	assert_int_equal(index_refused_on(1, 8), 0);
	assert_int_equal(index_refusing(7), 1);

	rules_free(exact);
	rules_free(family);
}

/* ---- each filter ------------------------------------------------------- */

enum { F_OK = 1, F_COOLED = 20, F_NEIGHBOUR = 21, F_OTHER_CO = 22 };

static void
test_filters(void **state)
{
	struct ruleset	*rs;
	struct tcand	 t;
	struct moffer	 mo;
	struct mresult	 r, n;
	const char	*r1, *r2, *r3, *c1, *c2, *c3;
	int		 f, got;

	(void)state;
	rs = rules_load();
	three_romes(&r1, &r2, &r3);
	three_communes(rs, &c1, &c2, &c3);
	mo = offer_of(rs, 1, r1, c1, 0);

	/* Candidate 100 + f fails filter f alone. */
	for (f = 0; f < FILTER__N; f++) {
		tcand_init(&t, 100 + (uint64_t)f, r2, c1);
		switch (f) {
		case FILTER_ROME:
			t.rome[0] = ref->rome[refdata_rome_index(r3)];
			break;
		case FILTER_STATUS:
			t.c.status = CAND_PLACED;
			break;
		case FILTER_CONSENT:
			t.c.consent.on = 0;
			break;
		case FILTER_PROGRAMME:
			t.c.programme = PROGRAMME_MISSION_LOCALE;
			break;
		case FILTER_CONTRACT:
			t.c.contracts = 1u << CONTRACT_CDD;
			break;
		case FILTER_HOURS:
			t.c.max_weekly_hours = 20;
			break;
		case FILTER_SCHEDULE:
			t.c.schedule_ok = 1u << SCHEDULE_NIGHT;
			break;
		case FILTER_AVAILABILITY:
			t.c.available_on = 20261216;	/* start + 31 */
			break;
		case FILTER_LICENCE:
			t.c.mobility.vehicle = 0;
			break;
		case FILTER_ZONE:
			t.c.mobility.zone = ZONE_TERRITORY;
			snprintf(t.commune, sizeof(t.commune), "%s", c3);
			break;
		}
		put(&t);
		if (f == FILTER_EXCLUSIVE)
			index_open(index_cand(t.c.id), 1);
		if (f == FILTER_COOLDOWN)
			index_refused(t.c.id, mo.company_id, 20261022);
	}
	/* Eligible: one at the edge of each test. */
	tcand_init(&t, F_OK, r1, c1);
	t.c.contracts = 1u << CONTRACT_CDI;
	t.c.max_weekly_hours = 35;
	t.c.available_on = 20261215;		/* start + 30 */
	put(&t);
	tcand_init(&t, F_COOLED, r1, c1);	/* refused 91 days ago */
	put(&t);
	index_refused(F_COOLED, mo.company_id, 20260802);
	tcand_init(&t, F_NEIGHBOUR, r1, c2);	/* same territory */
	t.c.mobility.zone = ZONE_TERRITORY;
	put(&t);
	tcand_init(&t, F_OTHER_CO, r1, c1);	/* refused by another */
	put(&t);
	index_refused(F_OTHER_CO, mo.company_id + 1, 20261031);

	memset(&r, 0, sizeof(r));
	memset(&n, 0, sizeof(n));
	r.want = n.want = 10;
	assert_int_equal(match_run(rs, &mo, &r), 0);
	assert_int_equal(match_naive(rs, &mo, &n), 0);
	assert_int_equal(r.eligible, 4);
	assert_int_equal(r.ntop, 4);
	for (f = 0; f < FILTER__N; f++) {
		assert_int_equal(r.removed[f], 1);
		assert_int_equal(n.removed[f], 1);
	}
	assert_int_equal(n.eligible, 4);
	match_result_free(&r);
	match_result_free(&n);

	/* One pair at a time, the same filter charged (match_pair). */
	for (f = 0; f < FILTER__N; f++) {
		assert_int_equal(match_pair(rs, &mo,
		    index_cand(100 + (uint64_t)f), &got), 0);
		assert_int_equal(got, f);
	}
	for (f = 0; f < 4; f++) {
		assert_int_equal(match_pair(rs, &mo, index_cand(f == 0 ?
		    F_OK : f == 1 ? F_COOLED : f == 2 ? F_NEIGHBOUR :
		    F_OTHER_CO), &got), 0);
		assert_int_equal(got, -1);
	}

	/* Each filter the rule set turns off lets its candidate through. */
	rs->filters.contracts = 0;
	rs->filters.hours = 0;
	rs->filters.schedule = 0;
	rs->filters.availability_days = -1;
	rs->filters.licence = 0;
	rs->filters.zone = 0;
	rs->filters.programmes = 0;
	rs->policies.candidate_exclusive = 0;
	rs->policies.refusal_cooldown_days = 0;
	memset(&r, 0, sizeof(r));
	r.want = 20;
	assert_int_equal(match_run(rs, &mo, &r), 0);
	assert_int_equal(r.eligible, 4 + FILTER__N - 3);
	for (f = 0; f < FILTER__N; f++)
		assert_int_equal(r.removed[f], f == FILTER_ROME ||
		    f == FILTER_STATUS || f == FILTER_CONSENT);
	match_result_free(&r);
	for (f = 0; f < FILTER__N; f++) {
		assert_int_equal(match_pair(rs, &mo,
		    index_cand(100 + (uint64_t)f), &got), 0);
		assert_int_equal(got, f == FILTER_ROME || f == FILTER_STATUS ||
		    f == FILTER_CONSENT ? f : -1);
	}
	rules_free(rs);
}

/* ---- the score ------------------------------------------------------------ */

static void
test_scoring(void **state)
{
	static const struct mpart want[] = {
		{ "public:rsa", 30 }, { "public:deld", 30 }, { "qpv", 20 },
		{ "waiting_time", 30 }, { "same_commune", 10 },
		{ "same_territory", 5 }, { "favoured_public:rsa", 15 },
	};
	struct ruleset	*rs;
	struct tcand	 t;
	struct moffer	 mo;
	struct mresult	 r;
	struct mparts	 p;
	const char	*r1, *r2, *r3, *c1, *c2, *c3;
	size_t		 i;

	(void)state;
	rs = rules_load();
	three_romes(&r1, &r2, &r3);
	three_communes(rs, &c1, &c2, &c3);
	mo = offer_of(rs, 1, r1, c1, 1u << PUBLIC_RSA | 1u << PUBLIC_SENIOR);

	tcand_init(&t, 1, r1, c1);
	t.c.publics = 1u << PUBLIC_RSA | 1u << PUBLIC_DELD;
	t.c.qpv = 1;
	t.c.oriented_on = 20250801;		/* 15 full months */
	put(&t);
	match_parts(rs, &mo, index_cand(1), &p);
	assert_int_equal(p.n, sizeof(want) / sizeof(*want));
	for (i = 0; i < p.n; i++) {
		assert_string_equal(p.v[i].criterion, want[i].criterion);
		assert_int_equal(p.v[i].points, want[i].points);
	}
	assert_int_equal(p.total, 140);

	/* Waiting is capped at 24 months; no part of 0 points is listed. */
	tcand_init(&t, 2, r1, c3);
	t.c.oriented_on = 20200101;
	t.c.mobility.zone = ZONE_METROPOLE;
	put(&t);
	match_parts(rs, &mo, index_cand(2), &p);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.v[0].criterion, "waiting_time");
	assert_int_equal(p.total, 48);
	tcand_init(&t, 3, r1, c2);		/* same territory only */
	put(&t);
	match_parts(rs, &mo, index_cand(3), &p);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.v[0].criterion, "same_territory");
	assert_int_equal(p.total, 5);

	/* The ranking's scores are the parts' totals. */
	memset(&r, 0, sizeof(r));
	r.want = 3;
	assert_int_equal(match_run(rs, &mo, &r), 0);
	assert_int_equal(r.ntop, 3);
	assert_int_equal(index_cand_by_slot(r.top[0].slot)->id, 1);
	assert_int_equal(r.top[0].score, 140);
	assert_int_equal(index_cand_by_slot(r.top[1].slot)->id, 2);
	assert_int_equal(r.top[1].score, 48);
	assert_int_equal(index_cand_by_slot(r.top[2].slot)->id, 3);
	assert_int_equal(r.top[2].score, 5);
	match_result_free(&r);
	rules_free(rs);
}

/* ---- the early stop ------------------------------------------------------- */

/*
 * The scan goes by base score and stops scoring once base + the most the
 * offer can add falls below the worst kept score; it goes on counting.
 */
static void
test_early_stop(void **state)
{
	struct ruleset	*rs;
	struct tcand	 t;
	struct moffer	 mo;
	struct mresult	 r, n;
	const char	*r1, *r2, *r3, *c1, *c2, *c3;
	uint64_t	 id;

	(void)state;
	rs = rules_load();
	rs->weights.waiting_per_month = 0;	/* the base is the publics */
	rs->weights.publics[PUBLIC_RSA] = 30;
	rs->weights.publics[PUBLIC_SENIOR] = 15;
	rs->weights.publics[PUBLIC_RQTH] = 14;
	rs->weights.same_commune = 10;
	rs->weights.same_territory = 5;
	three_romes(&r1, &r2, &r3);
	three_communes(rs, &c1, &c2, &c3);
	mo = offer_of(rs, 1, r1, c1, 0);	/* at most 15 to add */

	/* First in the list: 30 + 0. */
	tcand_init(&t, 1, r1, c3);
	t.c.publics = 1u << PUBLIC_RSA;
	t.c.oriented_on = 20260601;
	put(&t);
	/* Base 15 + 15 = 30 too, waiting longer: must still be scored, and
	 * wins the tie. */
	tcand_init(&t, 2, r1, c1);
	t.c.publics = 1u << PUBLIC_SENIOR;
	t.c.oriented_on = 20260101;
	put(&t);
	/* Base 14 + 15 < 30 for the rest: not scored, but counted. */
	for (id = 3; id < 50; id++) {
		tcand_init(&t, id, r1, c1);
		t.c.publics = 1u << PUBLIC_RQTH;
		t.c.status = id % 7 == 0 ? CAND_ON_HOLD : CAND_ACTIVE;
		put(&t);
	}
	memset(&r, 0, sizeof(r));
	memset(&n, 0, sizeof(n));
	r.want = n.want = 1;
	assert_int_equal(match_run(rs, &mo, &r), 0);
	assert_int_equal(match_naive(rs, &mo, &n), 0);
	assert_int_equal(r.ntop, 1);
	assert_int_equal(index_cand_by_slot(r.top[0].slot)->id, 2);
	assert_int_equal(r.top[0].score, 30);
	assert_int_equal(r.eligible, 2 + 47 - 7);	/* 7, 14, .. 49 on hold */
	assert_int_equal(r.removed[FILTER_STATUS], 7);
	assert_int_equal(n.eligible, r.eligible);
	assert_int_equal(n.top[0].slot, r.top[0].slot);
	match_result_free(&r);
	match_result_free(&n);

	/* Wanting two: the second is the 30 without the tie. */
	r.want = 2;
	assert_int_equal(match_run(rs, &mo, &r), 0);
	assert_int_equal(r.ntop, 2);
	assert_int_equal(index_cand_by_slot(r.top[1].slot)->id, 1);
	match_result_free(&r);
	/* Wanting more than there are: everyone eligible, best first. */
	r.want = 100;
	assert_int_equal(match_run(rs, &mo, &r), 0);
	assert_int_equal(r.ntop, r.eligible);
	assert_int_equal(r.top[2].score, 29);
	assert_int_equal(index_cand_by_slot(r.top[2].slot)->id, 3);
	match_result_free(&r);
	rules_free(rs);
}

/* ---- a pair's interest and the company's cap ------------------------ */

static void	each_agrees(const struct ruleset *, const struct moffer *);
static iod_date	day_from_today(int);

/*
 * An interest's points go to one pair only, past the early stop's bound:
 * the interested candidate, far down the list, is scored and wins, with
 * the part "expressed_interest"; the batch's scores carry it too.  Then
 * the company's cap: at max_proposals_per_company in the period, nobody
 * is kept and the eligible are counted under company_cap, until the
 * proposals leave the period.
 */
static void
test_interest_and_cap(void **state)
{
	struct ruleset	*rs;
	struct tcand	 t;
	struct moffer	 mo;
	struct mresult	 r, n, s;
	struct mparts	 p;
	const char	*r1, *r2, *r3, *c1, *c2, *c3;
	uint64_t	 id;
	uint32_t	 eligible;

	(void)state;
	rs = rules_load();
	rs->weights.waiting_per_month = 0;
	rs->weights.publics[PUBLIC_RSA] = 30;
	rs->weights.publics[PUBLIC_RQTH] = 14;
	rs->weights.same_commune = 10;
	rs->weights.same_territory = 5;
	rs->weights.expressed_interest = 20;
	three_romes(&r1, &r2, &r3);
	three_communes(rs, &c1, &c2, &c3);
	mo = offer_of(rs, 1, r1, c1, 0);
	tcand_init(&t, 1, r1, c3);		/* 30 */
	t.c.publics = 1u << PUBLIC_RSA;
	put(&t);
	for (id = 2; id < 50; id++) {		/* 14 + 15 */
		tcand_init(&t, id, r1, c1);
		t.c.publics = 1u << PUBLIC_RQTH;
		put(&t);
	}
	/* 48 is far down the list (ties go to the smallest id); 49 is
	 * interested in another offer only, 3 has no ROME of the offer. */
	assert_int_equal(index_interest_set(1, 48, 1), 0);
	assert_int_equal(index_interest_set(2, 49, 1), 0);
	tcand_init(&t, 3, r3, c1);
	put(&t);
	assert_int_equal(index_interest_set(1, 3, 1), 0);
	assert_int_equal(index_interest_set(1, 999, 1), 0);	/* unknown */
	memset(&r, 0, sizeof(r));
	memset(&n, 0, sizeof(n));
	memset(&s, 0, sizeof(s));
	r.want = n.want = s.want = 1;
	assert_int_equal(match_run(rs, &mo, &r), 0);
	assert_int_equal(match_naive(rs, &mo, &n), 0);
	assert_int_equal(match_scan(rs, &mo, &s), 0);
	assert_int_equal(r.ntop, 1);
	assert_int_equal(index_cand_by_slot(r.top[0].slot)->id, 48);
	assert_int_equal(r.top[0].score, 14 + 10 + 5 + 20);
	assert_int_equal(n.top[0].slot, r.top[0].slot);
	assert_int_equal(s.top[0].slot, r.top[0].slot);
	assert_int_equal(r.eligible, 48);
	assert_int_equal(n.eligible, 48);
	assert_int_equal(r.removed[FILTER_ROME], 1);
	eligible = r.eligible;
	match_result_free(&r);
	match_result_free(&n);
	match_result_free(&s);
	match_parts(rs, &mo, index_cand(48), &p);
	assert_int_equal(p.total, 49);
	assert_string_equal(p.v[p.n - 1].criterion, "expressed_interest");
	assert_int_equal(p.v[p.n - 1].points, 20);
	match_parts(rs, &mo, index_cand(49), &p);
	assert_int_equal(p.total, 29);
	each_agrees(rs, &mo);
	/* Withdrawn: 1 wins again (30 to 29). */
	assert_int_equal(index_interest_set(1, 48, 0), 0);
	r.want = 1;
	assert_int_equal(match_run(rs, &mo, &r), 0);
	assert_int_equal(index_cand_by_slot(r.top[0].slot)->id, 1);
	match_result_free(&r);

	/* Two proposals to company 7 in the last 30 days, cap 2. */
	rs->policies.max_proposals_per_company = 2;
	rs->policies.per_days = 30;
	assert_int_equal(index_company_proposed(7, day_from_today(-29), 0), 0);
	assert_int_equal(index_company_proposed(8, TODAY, 0), 0);
	assert_int_equal(index_company_left(rs, 7, TODAY), 1);
	r.want = 1;
	assert_int_equal(match_run(rs, &mo, &r), 0);
	assert_int_equal(r.ntop, 1);
	assert_int_equal(r.company_cap, 0);
	match_result_free(&r);
	assert_int_equal(index_company_proposed(7, TODAY, 0), 0);
	assert_int_equal(index_company_left(rs, 7, TODAY), 0);
	assert_int_equal(match_run(rs, &mo, &r), 0);
	assert_int_equal(match_naive(rs, &mo, &n), 0);
	assert_int_equal(r.ntop, 0);
	assert_int_equal(r.eligible, 0);
	assert_int_equal(r.company_cap, eligible);
	assert_int_equal(n.ntop, 0);
	assert_int_equal(n.company_cap, eligible);
	match_result_free(&r);
	match_result_free(&n);
	/* A day later the first leaves the period. */
	assert_int_equal(index_company_left(rs, 7, day_from_today(1)), 1);
	/* Loaded out of order, counted the same. */
	index_company_reset();
	assert_int_equal(index_company_proposed(7, TODAY, 1), 0);
	assert_int_equal(index_company_proposed(8, TODAY, 1), 0);
	assert_int_equal(index_company_proposed(7, day_from_today(-29), 1), 0);
	assert_int_equal(index_company_count(7, day_from_today(-29)), 2);
	assert_int_equal(index_company_count(7, TODAY), 1);
	assert_int_equal(index_company_count(8, 0), 1);
	assert_int_equal(index_company_count(9, 0), 0);
	rules_free(rs);
}

/*
 * The zone is charged before the offer's other filters: a candidate out
 * of the offer's reach counts under zone whatever else it fails, both
 * in a range the search reads (the offer's territory, another commune)
 * and in one it does not (another territory); within reach, the same
 * failures count under their own filters.  Proposals opened and closed
 * keep every count.
 */
static void
test_zone_first(void **state)
{
	struct ruleset	*rs;
	struct tcand	 t;
	struct moffer	 mo;
	struct mresult	 r, n;
	const struct mcols *cols;
	const char	*r1, *r2, *r3, *c1, *c2, *c3, *commune;
	uint64_t	 id;
	int		 k, zone, got;

	(void)state;
	rs = rules_load();
	three_romes(&r1, &r2, &r3);
	three_communes(rs, &c1, &c2, &c3);
	mo = offer_of(rs, 1, r1, c1, 0);
	/* For each place (the offer's commune, its territory, another
	 * territory) and zone: one who fails nothing else, one busy, one
	 * refused, one for another contract. */
	for (id = 1, k = 0; k < 3; k++)
		for (zone = 0; zone < ZONE__N; zone++, id += 4) {
			commune = k == 0 ? c1 : k == 1 ? c2 : c3;
			tcand_init(&t, id, r1, commune);
			t.c.mobility.zone = zone;
			put(&t);
			tcand_init(&t, id + 1, r2, commune);
			t.c.mobility.zone = zone;
			put(&t);
			index_open(index_cand(id + 1), 1);
			tcand_init(&t, id + 2, r1, commune);
			t.c.mobility.zone = zone;
			put(&t);
			assert_int_equal(index_refused(id + 2, mo.company_id,
			    20261031), 0);
			tcand_init(&t, id + 3, r2, commune);
			t.c.mobility.zone = zone;
			t.c.contracts = 1u << CONTRACT_CDD;
			put(&t);
		}
	memset(&r, 0, sizeof(r));
	memset(&n, 0, sizeof(n));
	r.want = n.want = 40;
	assert_int_equal(match_run(rs, &mo, &r), 0);
	assert_int_equal(match_naive(rs, &mo, &n), 0);
	/* In reach: commune zone in c1; territory zone in c1, c2; metropole
	 * anywhere: 6 places of 4 each. */
	assert_int_equal(r.eligible, 6);
	assert_int_equal(r.removed[FILTER_ZONE], 3 * 4);
	assert_int_equal(r.removed[FILTER_EXCLUSIVE], 6);
	assert_int_equal(r.removed[FILTER_COOLDOWN], 6);
	assert_int_equal(r.removed[FILTER_CONTRACT], 6);
	assert_int_equal(n.eligible, r.eligible);
	assert_memory_equal(n.removed, r.removed, sizeof(r.removed));
	assert_int_equal(r.ntop, 6);
	for (k = 0; k < 6; k++)
		assert_int_equal(r.top[k].slot, n.top[k].slot);
	/* One pair at a time: the busy one of another territory, zone. */
	assert_int_equal(match_pair(rs, &mo, index_cand(2 * 12 + 1 + 1),
	    &got), 0);
	assert_int_equal(got, FILTER_ZONE);
	assert_int_equal(match_pair(rs, &mo, index_cand(1 + 1), &got), 0);
	assert_int_equal(got, FILTER_EXCLUSIVE);
	match_result_free(&r);
	match_result_free(&n);

	/* The list is in ranges: this territory's, the other's, the wide
	 * one, each holding its candidates. */
	assert_int_equal(index_columns(rs, refdata_rome_index(r1), &cols), 0);
	assert_int_equal(cols->n, 3 * ZONE__N * 4);
	assert_int_equal(cols->rstart[cols->nranges], cols->n);
	assert_int_equal(column_range(cols, ZONE_METROPOLE, 0),
	    cols->nranges - 1);
	k = (int)column_range(cols, ZONE_COMMUNE,
	    (int16_t)refdata_commune_index(c3));
	assert_true(k >= 0 && (uint32_t)k < cols->nranges - 1);
	assert_int_equal(cols->rstart[k + 1] - cols->rstart[k], 2 * 4);
	assert_int_equal(cols->rstart[cols->nranges] -
	    cols->rstart[cols->nranges - 1], 3 * 4);

	/* Proposals closed and opened in place: the counts follow. */
	for (id = 1; id <= 3 * ZONE__N * 4; id += 4) {
		index_open(index_cand(id + 1), -1);
		index_open(index_cand(id), 1);
	}
	memset(&r, 0, sizeof(r));
	memset(&n, 0, sizeof(n));
	r.want = n.want = 40;
	assert_int_equal(match_run(rs, &mo, &r), 0);
	assert_int_equal(match_naive(rs, &mo, &n), 0);
	assert_int_equal(r.eligible, 6);
	assert_int_equal(r.removed[FILTER_ZONE], 3 * 4);
	assert_int_equal(r.removed[FILTER_EXCLUSIVE], 6);
	assert_memory_equal(n.removed, r.removed, sizeof(r.removed));
	for (k = 0; k < 6; k++) {
		assert_int_equal(r.top[k].slot, n.top[k].slot);
		assert_int_equal(index_cand_by_slot(r.top[k].slot)->id % 4, 2);
	}
	match_result_free(&r);
	match_result_free(&n);
	rules_free(rs);
}

/* ---- against match_naive on generated data ---------------------------- */

#define NCAND		3000
#define NOFFERS		400
#define ROME_POOL	40	/* consecutive codes: a few families */

static uint64_t	rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: the same sequence on every run. */
static uint32_t
rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return ((uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32) % n);
}

static size_t	rome0;

static iod_date
day_from_today(int delta)
{
	return (date_from_days(date_to_days(TODAY) + delta));
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
	c->oriented_on = rnd(20) == 0 ? 0 : day_from_today(-(int)rnd(1200));
	c->available_on = rnd(3) == 0 ? 0 : day_from_today((int)rnd(180) - 60);
	c->contracts = rnd(3) == 0 ? 0 : rnd(1u << CONTRACT__N);
	c->max_weekly_hours = rnd(3) == 0 ? 0 : 15 + rnd(25);
	c->schedule_ok = rnd(1u << SCHEDULE__N);
	c->mobility.zone = (int)rnd(ZONE__N);
	c->mobility.licence_b = (int)rnd(2);
	c->mobility.vehicle = (int)rnd(2);
	snprintf(t->commune, sizeof(t->commune), "%s", rnd(20) == 0 ?
	    "99999" : ref->communes[rnd((uint32_t)ref->ncommunes)].insee);
	c->commune = t->commune;
	c->nrome = 1 + rnd(3);		/* a code may repeat */
	for (i = 0; i < c->nrome; i++)
		t->rome[i] = ref->rome[rome0 + rnd(ROME_POOL)];
	c->rome = t->rome;
}

static struct moffer
gen_offer(const struct ruleset *rs, uint64_t id)
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
	snprintf(commune, sizeof(commune), "%s", rnd(30) == 0 ? "99999" :
	    ref->communes[rnd((uint32_t)ref->ncommunes)].insee);
	o.commune = commune;
	o.contract = (int)rnd(CONTRACT__N);
	o.weekly_hours = 10 + rnd(30);
	o.schedule = rnd(1u << SCHEDULE__N) & rnd(1u << SCHEDULE__N);
	o.requirements = rnd(1u << REQ__N);
	o.start_on = rnd(10) == 0 ? 0 : day_from_today((int)rnd(90) - 20);
	co.favoured_publics = rnd(1u << PUBLIC__N) & rnd(1u << PUBLIC__N);
	assert_int_equal(match_prepare(rs, &o, &co, &m), 0);
	return (m);
}

struct each_arg {
	const struct ruleset	*rs;
	const struct moffer	*mo;
	int32_t			*score;	/* by slot, from the naive scan */
	uint8_t			*seen;	/* by slot */
	uint32_t		 n;
	const struct mcand	*prev;	/* the last one given */
};

/* match_each gives each slot once, eligible for the naive scan, with the
 * naive scan's score, which is the parts' total, in the list's order
 * (base score, longest wait, smallest id) across its ranges. */
static int
each_cb(uint32_t slot, int32_t score, void *arg)
{
	struct each_arg		*ea = arg;
	struct mparts		 p;
	const struct mcand	*c = index_cand_by_slot(slot), *b = ea->prev;
	int32_t			 bb, bc;

	if (b != NULL) {
		bb = index_base_score(ea->rs, b, date_today());
		bc = index_base_score(ea->rs, c, date_today());
		assert_true(bb > bc || (bb == bc &&
		    (b->oriented_on < c->oriented_on ||
		    (b->oriented_on == c->oriented_on && b->id < c->id))));
	}
	ea->prev = c;
	assert_int_equal(ea->seen[slot], 1);
	ea->seen[slot] = 2;
	assert_int_equal(score, ea->score[slot]);
	match_parts(ea->rs, ea->mo, index_cand_by_slot(slot), &p);
	assert_int_equal(score, p.total);
	ea->n++;
	return (0);
}

/* match_each's edges are the naive scan's eligible set with its scores. */
static void
each_agrees(const struct ruleset *rs, const struct moffer *mo)
{
	struct mresult	 n;
	struct each_arg	 ea = { rs, mo, NULL, NULL, 0, NULL };
	size_t		 nslots, i;

	(void)index_slots(&nslots);
	memset(&n, 0, sizeof(n));
	n.want = nslots;
	assert_int_equal(match_naive(rs, mo, &n), 0);
	assert_int_equal(n.ntop, n.eligible);
	/* The batch applies the company cap itself: nothing to compare. */
	if (n.company_cap > 0) {
		assert_int_equal(n.ntop, 0);
		match_result_free(&n);
		return;
	}
	ea.score = calloc(nslots + 1, sizeof(int32_t));
	ea.seen = calloc(nslots + 1, 1);
	assert_non_null(ea.score);
	assert_non_null(ea.seen);
	for (i = 0; i < n.ntop; i++) {
		ea.score[n.top[i].slot] = n.top[i].score;
		ea.seen[n.top[i].slot] = 1;
	}
	assert_int_equal(match_each(rs, mo, each_cb, &ea), 0);
	assert_int_equal(ea.n, n.eligible);
	free(ea.score);
	free(ea.seen);
	match_result_free(&n);
}

/* Two answers are the same: eligible, each removal, the ranked list. */
static void
same_result(const struct mresult *r, const struct mresult *n)
{
	size_t	i;
	int	f;

	assert_int_equal(r->eligible, n->eligible);
	assert_int_equal(r->company_cap, n->company_cap);
	for (f = 0; f < FILTER__N; f++)
		assert_int_equal(r->removed[f], n->removed[f]);
	assert_int_equal(r->ntop, n->ntop);
	for (i = 0; i < r->ntop; i++) {
		assert_int_equal(r->top[i].slot, n->top[i].slot);
		assert_int_equal(r->top[i].score, n->top[i].score);
	}
}

/* The indexed search, the scalar scan and the naive scan agree on mo. */
static void
agree(const struct ruleset *rs, const struct moffer *mo, size_t want,
    int deep)
{
	struct mresult	r, n, s;
	struct mparts	p;

	memset(&r, 0, sizeof(r));
	memset(&n, 0, sizeof(n));
	memset(&s, 0, sizeof(s));
	r.want = n.want = s.want = want;
	assert_int_equal(match_run(rs, mo, &r), 0);
	assert_int_equal(match_naive(rs, mo, &n), 0);
	assert_int_equal(match_scan(rs, mo, &s), 0);
	same_result(&r, &n);
	same_result(&r, &s);
	if (r.ntop > 0) {
		match_parts(rs, mo, index_cand_by_slot(r.top[0].slot), &p);
		assert_int_equal(p.total, r.top[0].score);
	}
	if (deep)
		each_agrees(rs, mo);
	match_result_free(&r);
	match_result_free(&n);
	match_result_free(&s);
}

/* Every offer under every rule set; how many had someone eligible. */
static size_t
agree_all(struct ruleset **rs, size_t nrs, uint64_t seed)
{
	struct moffer	mo;
	struct mresult	r;
	size_t		i, k, found = 0;

	rng = seed;
	for (i = 0; i < NOFFERS; i++)
		for (k = 0; k < nrs; k++) {
			mo = gen_offer(rs[k], i + 1);
			agree(rs[k], &mo, 1, 0);
			agree(rs[k], &mo, 1 + i % 12, 1);
			memset(&r, 0, sizeof(r));
			r.want = 1;
			assert_int_equal(match_run(rs[k], &mo, &r), 0);
			found += r.ntop > 0;
			match_result_free(&r);
		}
	return (found);
}

/*
 * Offers searched one after the other, each proposing its best candidate
 * as the daemon does (the exclusive rule sets then skip it), one in three
 * closing an earlier proposal, every search checked.
 */
static void
proposals_round(struct ruleset **rs, size_t nrs, uint64_t seed)
{
	struct moffer	 mo;
	struct mresult	 r;
	struct mcand	*opened[NOFFERS], *m;
	size_t		 i, k, nopen = 0, busy = 0;

	rng = seed;
	for (i = 0; i < NOFFERS; i++) {
		k = i % nrs;
		mo = gen_offer(rs[k], i + 1);
		memset(&r, 0, sizeof(r));
		r.want = 3;
		assert_int_equal(match_run(rs[k], &mo, &r), 0);
		if (r.ntop > 0 && !index_busy(r.top[0].slot)) {
			m = index_cand_by_slot(r.top[0].slot);
			index_open(m, 1);
			assert_true(index_busy(r.top[0].slot));
			opened[nopen++] = m;
		}
		match_result_free(&r);
		if (i % 3 == 2 && nopen > 0) {
			m = opened[rnd((uint32_t)nopen)];
			index_open(m, -1);
		}
		agree(rs[k], &mo, 1 + i % 5, 0);
		agree(rs[(k + 1) % nrs], &mo, 1, 0);
	}
	for (i = 0; i < nopen; i++)
		busy += index_busy((uint32_t)(opened[i] - index_cand_by_slot(0)));
	/* The round must have left proposals open to mean something. */
	assert_true(busy > NOFFERS / 8);
	agree_all(rs, nrs, 10);
}

static void
test_against_naive(void **state)
{
	struct ruleset	*rs[3];
	struct tcand	 t;
	struct mcand	*m;
	uint64_t	 id;
	size_t		 i, found;
	int		 k;

	(void)state;
	/* Building and services: families of several codes. */
	k = refdata_rome_index("K2201");
	rome0 = k >= 0 && (size_t)k + ROME_POOL <= ref->nrome ? (size_t)k :
	    ref->nrome / 2;
	/* iod-plie as shipped; exact codes with no optional filter; other
	 * weights, the offer-dependent ones heavy. */
	rs[0] = rules_load();
	rs[1] = rules_load();
	rs[1]->filters = (struct ruleset_filters){
		.programmes = 0,
		.rome_match = ROME_MATCH_EXACT,
		.availability_days = -1,
	};
	rs[1]->policies.candidate_exclusive = 0;
	rs[1]->policies.refusal_cooldown_days = 0;
	rs[2] = rules_load();
	rs[2]->filters.availability_days = 0;
	rs[2]->weights.favoured_public = 25;
	rs[2]->weights.same_commune = 40;
	rs[2]->weights.same_territory = 30;
	rs[2]->weights.waiting_per_month = 3;
	rs[2]->weights.waiting_cap_months = 36;
	/* Interests worth more than anything else, and a cap that some
	 * companies have reached. */
	rs[2]->weights.expressed_interest = 300;
	rs[1]->policies.max_proposals_per_company = 3;
	rs[1]->policies.per_days = 30;

	rng = 42;
	for (id = 1; id <= NCAND; id++) {
		gen_candidate(&t, id);
		put(&t);
	}
	/* Open proposals and refusals, old and recent. */
	for (i = 0; i < NCAND / 8; i++) {
		if ((m = index_cand(1 + rnd(NCAND))) != NULL)
			index_open(m, 1);
		assert_int_equal(index_refused(1 + rnd(NCAND), 1 + rnd(40),
		    day_from_today(-(int)rnd(200))), 0);
	}
	for (i = 1; i <= NOFFERS; i++)
		for (k = (int)rnd(5); k > 0; k--)
			assert_int_equal(index_interest_set(i,
			    1 + rnd(NCAND + 300), 1), 0);
	for (i = 1; i <= 40; i++)
		for (k = (int)rnd(6); k > 0; k--)
			assert_int_equal(index_company_proposed(i,
			    day_from_today(-(int)rnd(45)), 1), 0);
	assert_int_equal(index_live(), NCAND);
	found = agree_all(rs, 3, 7);
	/* The data must make the comparison mean something. */
	assert_true(found > NOFFERS);

	/* A round of writes: updates, deletes, newcomers, closed
	 * proposals; the lists follow. */
	rng = 43;
	for (i = 0; i < 600; i++) {
		id = 1 + rnd(NCAND + 300);
		switch (rnd(4)) {
		case 0:
			index_del(id);
			break;
		case 1:
			if ((m = index_cand(id)) != NULL)
				index_open(m, -1);
			break;
		default:
			gen_candidate(&t, id);
			put(&t);
			break;
		}
	}
	assert_true(index_live() > NCAND - 300);
	agree_all(rs, 3, 8);

	/* In service: the lists are built; each offer's best is proposed
	 * (its busy lane set in place), some proposals close, and every
	 * search in between agrees. */
	proposals_round(rs, 3, 9);

	for (i = 0; i < 3; i++)
		rules_free(rs[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_index_updates, index_up,
		    index_down),
		cmocka_unit_test_setup_teardown(test_filters, index_up,
		    index_down),
		cmocka_unit_test_setup_teardown(test_scoring, index_up,
		    index_down),
		cmocka_unit_test_setup_teardown(test_interest_and_cap, index_up,
		    index_down),
		cmocka_unit_test_setup_teardown(test_early_stop, index_up,
		    index_down),
		cmocka_unit_test_setup_teardown(test_zone_first, index_up,
		    index_down),
		cmocka_unit_test_setup_teardown(test_against_naive, index_up,
		    index_down),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
