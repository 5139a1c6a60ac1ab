/*
 * calendar.c — the French public holidays and the days a follow-up may
 * fall on: the eleven holidays of the Code du travail (L3133-1), Easter
 * Monday, Ascension and Whit Monday drawn from Easter by the Gregorian
 * computus, and the next working day (jour ouvré: Monday to Friday, not
 * a holiday).  Pure functions of a date, callable from any thread.  It
 * does not draw a schedule (schedule.c) nor read the store.
 */
#include <stddef.h>
#include <stdint.h>

#include "domain.h"

/* Public holidays in France (Code du travail L3133-1). */
static const struct holiday {
	int		 month, day;	/* a fixed date; month 0: ... */
	int		 easter;	/* ... this many days after Easter */
	const char	*name;
} holidays[] = {
	{ .month = 1, .day = 1, .name = "Jour de l'an" },
	{ .easter = 1, .name = "Lundi de Pâques" },
	{ .month = 5, .day = 1, .name = "Fête du Travail" },
	{ .month = 5, .day = 8, .name = "Victoire 1945" },
	{ .easter = 39, .name = "Ascension" },
	{ .easter = 50, .name = "Lundi de Pentecôte" },
	{ .month = 7, .day = 14, .name = "Fête nationale" },
	{ .month = 8, .day = 15, .name = "Assomption" },
	{ .month = 11, .day = 1, .name = "Toussaint" },
	{ .month = 11, .day = 11, .name = "Armistice 1918" },
	{ .month = 12, .day = 25, .name = "Noël" },
};

iod_date
calendar_add_days(iod_date d, int n)
{
	return (date_from_days(date_to_days(d) + n));
}

iod_date
easter_sunday(int y)
{
	/* The anonymous Gregorian computus (Meeus, Jones, Butcher). */
	int	a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
	int	f = (b + 8) / 25, g = (b - f + 1) / 3;
	int	h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
	int	l = (32 + 2 * e + 2 * i - h - k) % 7;
	int	m = (a + 11 * h + 22 * l) / 451;
	int	n = h + l - 7 * m + 114;

	return ((iod_date)(y * 10000 + (n / 31) * 100 + n % 31 + 1));
}

const char *
holiday_fr(iod_date d)
{
	const struct holiday	*h;
	int			 month = (int)(d / 100 % 100), day = (int)(d % 100);
	int32_t			 easter = 0;

	for (h = holidays; h < holidays + sizeof(holidays) / sizeof(*h); h++) {
		if (h->month != 0) {
			if (h->month == month && h->day == day)
				return (h->name);
			continue;
		}
		if (easter == 0)
			easter = date_to_days(easter_sunday((int)(d / 10000)));
		if (date_to_days(d) == easter + h->easter)
			return (h->name);
	}
	return (NULL);
}

iod_date
working_day(iod_date d)
{
	while (date_weekday(d) >= 5 || holiday_fr(d) != NULL)
		d = calendar_add_days(d, 1);
	return (d);
}
