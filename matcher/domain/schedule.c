/*
 * schedule.c — the follow-up plan of a placement: the dates of its span
 * (trial end, contract end, horizon) and the appointments the rule set's
 * template draws from them.  Pure functions, callable from any thread: it
 * neither reads nor writes the store (placement.c writes what it plans)
 * and the holidays are calendar.c's.
 *
 * The schedule, for a contract starting on S, with a trial period of W
 * weeks (as the employer states it on hire, else the rule set's for the
 * contract type) and, for a fixed term, a duration of D months:
 *
 *   trial_end     S + 7W - 1 days: the trial's last day (none when W = 0),
 *                 and never after the contract's last day;
 *   contract_end  S + D months - 1 day: the fixed term's last day;
 *   horizon       S + M months (M: followup.monthly_until_months, 6 in the
 *                 shipped rule sets), or contract_end if that is earlier:
 *                 a fixed term is followed until its end, not beyond.
 *
 *   weekly        (weekly_during_trial) on S + 7k, k = 1, 2, ... while
 *                 S + 7k <= trial_end (and before the horizon): one at
 *                 each week boundary inside the trial, W - 1 in all, the
 *                 last a week before the trial ends, in time to act;
 *   monthly       on S + m months (the month's last day when it is
 *                 shorter), m = 1, 2, ... while before the horizon, less
 *                 those inside the trial when weekly ones cover it;
 *   horizon       the joint review with the référent
 *                 (joint_review_at_horizon), else a last monthly one.
 *
 * A weekly or monthly date holds two appointments, one with the employer
 * or manager and a separate one with the employee (separate_parties), or
 * one with both.  A date on a Saturday, a Sunday or a public holiday moves
 * to the next working day, Monday to Friday (working_day): at most four
 * days later (a holiday Friday, the weekend and a holiday Monday).  A
 * weekly date is at least six days before the trial's end, so a move never
 * leaves it.
 */
#include <stddef.h>
#include <string.h>

#include "domain.h"
#include "rules.h"

void
placement_span(iod_date start, int trial_weeks, int duration_months,
    int until_months, struct placement_span *sp)
{
	sp->contract_end = duration_months > 0 ?
	    calendar_add_days(date_add_months(start, duration_months), -1) : 0;
	sp->trial_end = trial_weeks > 0 ?
	    calendar_add_days(start, 7 * trial_weeks - 1) : 0;
	if (sp->contract_end != 0 && sp->trial_end > sp->contract_end)
		sp->trial_end = sp->contract_end;
	sp->horizon = date_add_months(start, until_months > 0 ? until_months : 1);
	if (sp->contract_end != 0 && sp->contract_end < sp->horizon)
		sp->horizon = sp->contract_end;
}

/* Add the appointments of one date: both parties apart, or together. */
static int
plan_date(const struct ruleset_followup *fu, struct fu_slot *out, size_t cap,
    size_t *n, iod_date d, int phase, int number, int joint)
{
	static const int	 apart[] = { FU_EMPLOYER, FU_EMPLOYEE };
	int			 kinds[2], nk, i;

	if (joint) {
		kinds[0] = FU_JOINT_REVIEW;
		nk = 1;
	} else if (fu->separate_parties) {
		memcpy(kinds, apart, sizeof(kinds));
		nk = 2;
	} else {
		kinds[0] = FU_BOTH;
		nk = 1;
	}
	for (i = 0; i < nk; i++) {
		if (*n == cap)
			return (IOD_ETOOBIG);
		out[*n].due_on = working_day(d);
		out[*n].kind = kinds[i];
		out[*n].phase = phase;
		out[*n].number = number;
		(*n)++;
	}
	return (0);
}

int
followup_plan(const struct ruleset_followup *fu, iod_date start,
    const struct placement_span *sp, struct fu_slot *out, size_t cap)
{
	iod_date	d;
	size_t		n = 0;
	int		k, m, weekly;

	weekly = fu->weekly_during_trial && sp->trial_end != 0;
	for (k = 1; weekly && (d = calendar_add_days(start, 7 * k)) <=
	    sp->trial_end && d < sp->horizon; k++)
		if (plan_date(fu, out, cap, &n, d, FU_TRIAL, k, 0) != 0)
			return (IOD_ETOOBIG);
	for (m = 1; m < 1200 && (d = date_add_months(start, m)) < sp->horizon;
	    m++) {
		if (weekly && d <= sp->trial_end)
			continue;
		if (plan_date(fu, out, cap, &n, d, FU_MONTHLY, m, 0) != 0)
			return (IOD_ETOOBIG);
	}
	if (plan_date(fu, out, cap, &n, sp->horizon, FU_HORIZON, m,
	    fu->joint_review_at_horizon) != 0)
		return (IOD_ETOOBIG);
	return ((int)n);
}
