/*
 * test_placement.c — unit tests of the follow-up schedule as pure
 * functions: Easter by the Gregorian computus against published dates,
 * the French public holidays of whole years, the move to the next working
 * day, the dates of a placement (trial end, contract end, horizon), and
 * the schedule drawn from each setting of the rule set's template.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain.h"
#include "rules.h"

/* Easter Sundays as published (the extremes 22 March and 25 April too). */
static void
test_easter(void **state)
{
	static const iod_date known[] = {
		18180322, 19430425, 20000423, 20080323, 20110424, 20190421,
		20240331, 20250420, 20260405, 20270328, 20280416, 20380425,
		20490418, 22850322,
	};
	size_t	i;
	int	y;

	(void)state;
	for (i = 0; i < sizeof(known) / sizeof(*known); i++)
		assert_int_equal(easter_sunday((int)(known[i] / 10000)),
		    known[i]);
	/* Always a Sunday, between 22 March and 25 April. */
	for (y = 1583; y < 4100; y++) {
		iod_date	e = easter_sunday(y);

		assert_int_equal(date_weekday(e), 6);
		assert_true(e % 10000 >= 322 && e % 10000 <= 425);
	}
}

/* Every public holiday of a year, and nothing else. */
static void
year_holidays(int year, const iod_date *want, size_t n)
{
	iod_date	d = (iod_date)(year * 10000 + 101);
	size_t		found = 0;

	for (; d / 10000 == (iod_date)year;
	    d = date_from_days(date_to_days(d) + 1)) {
		if (holiday_fr(d) == NULL)
			continue;
		assert_true(found < n);
		assert_int_equal(d, want[found]);
		found++;
	}
	assert_int_equal(found, n);
}

static void
test_holidays(void **state)
{
	static const iod_date y2026[] = { 20260101, 20260406, 20260501,
	    20260508, 20260514, 20260525, 20260714, 20260815, 20261101,
	    20261111, 20261225 };
	static const iod_date y2027[] = { 20270101, 20270329, 20270501,
	    20270506, 20270508, 20270517, 20270714, 20270815, 20271101,
	    20271111, 20271225 };
	/* 2008: Ascension on 1 May, both the same day. */
	static const iod_date y2008[] = { 20080101, 20080324, 20080501,
	    20080508, 20080512, 20080714, 20080815, 20081101, 20081111,
	    20081225 };

	(void)state;
	year_holidays(2026, y2026, sizeof(y2026) / sizeof(*y2026));
	year_holidays(2027, y2027, sizeof(y2027) / sizeof(*y2027));
	year_holidays(2008, y2008, sizeof(y2008) / sizeof(*y2008));
	assert_string_equal(holiday_fr(20270329), "Lundi de Pâques");
	assert_string_equal(holiday_fr(20260514), "Ascension");
	assert_string_equal(holiday_fr(20260525), "Lundi de Pentecôte");
	assert_null(holiday_fr(20260403));	/* Good Friday: Alsace only */
	assert_null(holiday_fr(20261226));	/* Saint-Étienne: Alsace only */
}

static void
test_working_day(void **state)
{
	(void)state;
	assert_int_equal(working_day(20261124), 20261124);	/* a Tuesday */
	assert_int_equal(working_day(20261127), 20261127);	/* a Friday */
	assert_int_equal(working_day(20261128), 20261130);	/* Saturday */
	assert_int_equal(working_day(20261129), 20261130);	/* Sunday */
	assert_int_equal(working_day(20261225), 20261228);	/* Noël, Fri */
	assert_int_equal(working_day(20270101), 20270104);	/* 1 Jan, Fri */
	assert_int_equal(working_day(20270327), 20270330);	/* Easter's
								   Saturday */
	assert_int_equal(working_day(20270516), 20270518);	/* Whit Sunday
								   and Monday */
	assert_int_equal(working_day(20260514), 20260515);	/* Ascension */
	assert_int_equal(working_day(20260501), 20260504);	/* 1 May, Fri */
	assert_int_equal(working_day(20260508), 20260511);	/* 8 May, Fri */
	assert_int_equal(working_day(20270714), 20270715);	/* 14 July */
	assert_int_equal(working_day(20260815), 20260817);	/* 15 Aug, Sat */
	assert_int_equal(working_day(20261101), 20261102);	/* Toussaint,
								   Sun */
	assert_int_equal(working_day(20261111), 20261112);	/* Armistice */
	assert_int_equal(working_day(20321031), 20321102);	/* Sunday, then
								   Toussaint */
	/* Ascension on Thursday 7 May and 8 May a Friday, then the weekend:
	 * four days on. */
	assert_string_equal(holiday_fr(20430507), "Ascension");
	assert_int_equal(working_day(20430507), 20430511);
}

/*
 * Every day of 1990 to 2060: the working day is Monday to Friday and no
 * holiday, the day itself when it already is one, else the first such day
 * after it (every day between is a weekend day or a holiday), at most four
 * days on.
 */
static void
test_working_day_years(void **state)
{
	iod_date	d, w, x;
	int		moved = 0, kept = 0, far = 0;

	(void)state;
	for (d = 19900101; d < 20610101; d = calendar_add_days(d, 1)) {
		w = working_day(d);
		assert_true(date_weekday(w) <= 4);
		assert_null(holiday_fr(w));
		if (date_weekday(d) <= 4 && holiday_fr(d) == NULL) {
			assert_int_equal(w, d);
			kept++;
			continue;
		}
		moved++;
		assert_true(w > d);
		assert_true(date_to_days(w) - date_to_days(d) <= 4);
		far += date_to_days(w) - date_to_days(d) == 4;
		for (x = d; x < w; x = calendar_add_days(x, 1))
			assert_true(date_weekday(x) >= 5 ||
			    holiday_fr(x) != NULL);
	}
	/* 71 years of 365.25 days, about 104 weekend days and 8 to 11
	 * holidays on weekdays a year. */
	assert_true(kept > 71 * 240 && kept < 71 * 256);
	assert_true(moved > 71 * 108 && moved < 71 * 117);
	assert_true(far >= 1);
}

static void
test_span(void **state)
{
	struct placement_span	sp;

	(void)state;
	/* CDI, 8 weeks: the trial's last day is start + 55. */
	placement_span(20261218, 8, 0, 6, &sp);
	assert_int_equal(sp.trial_end, 20270211);
	assert_int_equal(sp.contract_end, 0);
	assert_int_equal(sp.horizon, 20270618);
	/* A CDD of 4 months ends the day before start + 4 months, and the
	 * follow-up with it. */
	placement_span(20261229, 2, 4, 6, &sp);
	assert_int_equal(sp.trial_end, 20270111);
	assert_int_equal(sp.contract_end, 20270428);
	assert_int_equal(sp.horizon, 20270428);
	/* A CDD of 9 months is followed 6 months. */
	placement_span(20260131, 2, 9, 6, &sp);
	assert_int_equal(sp.contract_end, 20261030);
	assert_int_equal(sp.horizon, 20260731);
	/* No trial; a trial longer than the contract stops with it. */
	placement_span(20261201, 0, 0, 6, &sp);
	assert_int_equal(sp.trial_end, 0);
	placement_span(20261201, 9, 1, 6, &sp);
	assert_int_equal(sp.trial_end, 20261231);
	assert_int_equal(sp.horizon, 20261231);
}

static struct ruleset_followup
shipped(void)
{
	struct ruleset_followup	fu;

	memset(&fu, 0, sizeof(fu));
	fu.weekly_during_trial = 1;
	fu.separate_parties = 1;
	fu.monthly_until_months = 6;
	fu.joint_review_at_horizon = 1;
	return (fu);
}

struct want {
	iod_date	 due_on;
	int		 kind, phase, number;
};

static void
check_plan(const struct ruleset_followup *fu, iod_date start, int weeks,
    int months, const struct want *want, size_t n)
{
	struct placement_span	sp;
	struct fu_slot		out[FU_PLAN_MAX];
	size_t			i;
	int			got;

	placement_span(start, weeks, months, fu->monthly_until_months, &sp);
	got = followup_plan(fu, start, &sp, out, FU_PLAN_MAX);
	assert_int_equal(got, (int)n);
	for (i = 0; i < n; i++) {
		assert_int_equal(out[i].due_on, want[i].due_on);
		assert_int_equal(out[i].kind, want[i].kind);
		assert_int_equal(out[i].phase, want[i].phase);
		assert_int_equal(out[i].number, want[i].number);
	}
}

#define PAIR(d, p, n)	{ d, FU_EMPLOYER, p, n }, { d, FU_EMPLOYEE, p, n }

static void
test_plan_cdi(void **state)
{
	static const struct want want[] = {
		PAIR(20261228, FU_TRIAL, 1), PAIR(20270104, FU_TRIAL, 2),
		PAIR(20270108, FU_TRIAL, 3), PAIR(20270115, FU_TRIAL, 4),
		PAIR(20270122, FU_TRIAL, 5), PAIR(20270129, FU_TRIAL, 6),
		PAIR(20270205, FU_TRIAL, 7),
		PAIR(20270218, FU_MONTHLY, 2), PAIR(20270318, FU_MONTHLY, 3),
		PAIR(20270419, FU_MONTHLY, 4), PAIR(20270518, FU_MONTHLY, 5),
		{ 20270618, FU_JOINT_REVIEW, FU_HORIZON, 6 },
	};
	struct ruleset_followup	fu = shipped();

	(void)state;
	check_plan(&fu, 20261218, 8, 0, want, sizeof(want) / sizeof(*want));
}

static void
test_plan_cdd(void **state)
{
	static const struct want want[] = {
		PAIR(20270105, FU_TRIAL, 1),
		PAIR(20270129, FU_MONTHLY, 1), PAIR(20270301, FU_MONTHLY, 2),
		PAIR(20270330, FU_MONTHLY, 3),
		{ 20270428, FU_JOINT_REVIEW, FU_HORIZON, 4 },
	};
	struct ruleset_followup	fu = shipped();

	(void)state;
	check_plan(&fu, 20261229, 2, 4, want, sizeof(want) / sizeof(*want));
}

/* The other settings of the template. */
static void
test_plan_settings(void **state)
{
	static const struct want together[] = {
		{ 20261208, FU_BOTH, FU_TRIAL, 1 },
		{ 20270104, FU_BOTH, FU_MONTHLY, 1 },	/* 1 Jan, a Fri */
		{ 20270201, FU_BOTH, FU_MONTHLY, 2 },
		{ 20270301, FU_BOTH, FU_MONTHLY, 3 },
		{ 20270401, FU_BOTH, FU_HORIZON, 4 },
	};
	static const struct want monthly_only[] = {
		{ 20270104, FU_BOTH, FU_MONTHLY, 1 },	/* 1 Jan, a Fri */
		{ 20270201, FU_BOTH, FU_MONTHLY, 2 },
		{ 20270301, FU_BOTH, FU_MONTHLY, 3 },
		{ 20270401, FU_BOTH, FU_HORIZON, 4 },
	};
	static const struct want no_trial[] = {
		PAIR(20270104, FU_MONTHLY, 1),
		{ 20270201, FU_JOINT_REVIEW, FU_HORIZON, 2 },
	};
	struct ruleset_followup	fu = shipped();
	struct placement_span	sp;
	struct fu_slot		out[4];

	(void)state;
	fu.separate_parties = 0;
	fu.joint_review_at_horizon = 0;
	fu.monthly_until_months = 4;
	/* Two weeks of trial (one week boundary inside it), then monthly. */
	check_plan(&fu, 20261201, 2, 0, together,
	    sizeof(together) / sizeof(*together));
	/* Without weekly ones, monthly from the first month. */
	fu.weekly_during_trial = 0;
	check_plan(&fu, 20261201, 8, 0, monthly_only,
	    sizeof(monthly_only) / sizeof(*monthly_only));
	/* No trial at all. */
	fu = shipped();
	fu.monthly_until_months = 2;
	check_plan(&fu, 20261201, 0, 0, no_trial,
	    sizeof(no_trial) / sizeof(*no_trial));
	/* Too small a plan is refused, not overrun. */
	fu = shipped();
	placement_span(20261218, 8, 0, 6, &sp);
	assert_int_equal(followup_plan(&fu, 20261218, &sp, out, 4),
	    IOD_ETOOBIG);
}

/* Over starts in five years: dates in order, none on a weekend day or a
 * holiday, none more than four days after the date they were drawn for,
 * the weekly ones inside the trial, the last one at the horizon. */
static void
test_plan_properties(void **state)
{
	struct ruleset_followup	fu = shipped();
	struct placement_span	sp;
	struct fu_slot		out[FU_PLAN_MAX];
	iod_date		start;
	int			day, weeks, months, n, i;

	(void)state;
	for (day = 0; day < 5 * 366; day += 2)
		for (weeks = 0; weeks <= 12; weeks += 4)
			for (months = 0; months <= 9; months += 3) {
				start = date_from_days(date_to_days(20260101) +
				    day);
				placement_span(start, weeks, months, 6, &sp);
				n = followup_plan(&fu, start, &sp, out,
				    FU_PLAN_MAX);
				assert_true(n >= 1);
				for (i = 0; i < n; i++) {
					assert_true(
					    date_weekday(out[i].due_on) <= 4);
					assert_null(holiday_fr(out[i].due_on));
					assert_true(out[i].due_on > start);
					if (i > 0)
						assert_true(out[i].due_on >=
						    out[i - 1].due_on);
					if (out[i].phase == FU_TRIAL)
						assert_true(out[i].due_on <=
						    sp.trial_end);
				}
				assert_int_equal(out[n - 1].kind,
				    FU_JOINT_REVIEW);
				assert_true(date_to_days(out[n - 1].due_on) -
				    date_to_days(sp.horizon) <= 4);
			}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_easter),
		cmocka_unit_test(test_holidays),
		cmocka_unit_test(test_working_day),
		cmocka_unit_test(test_working_day_years),
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_plan_cdi),
		cmocka_unit_test(test_plan_cdd),
		cmocka_unit_test(test_plan_settings),
		cmocka_unit_test(test_plan_properties),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
