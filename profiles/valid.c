/*
 * valid.c — checks of single values that need no reference table: ISO 8601
 * calendar dates and their arithmetic, SIRET numbers (Luhn), UTF-8 (and
 * cutting text only between characters), e-mail addresses, and the
 * project's error strings.  A webhook's URL is the daemon's to check, with
 * the parser of the client that posts to it.  The tables
 * (communes, ROME) are refdata.c's.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "profiles.h"

const char *
iod_strerror(int rc)
{
	switch (rc) {
	case IOD_OK:		return ("success");
	case IOD_EINVAL:	return ("invalid input");
	case IOD_ENOTFOUND:	return ("not found");
	case IOD_ECONFLICT:	return ("conflict");
	case IOD_ENOMEM:	return ("out of memory");
	case IOD_EIO:		return ("store failure");
	case IOD_EMAPFULL:	return ("store map full");
	case IOD_ECORRUPT:	return ("stored record does not decode");
	case IOD_EFORBIDDEN:	return ("forbidden");
	case IOD_ETOOBIG:	return ("too big");
	case IOD_ENOSPC:	return ("no room left on the disk");
	}
	return ("unknown error");
}

static int
leap(int y)
{
	return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
}

static int
month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return (m == 2 && leap(y) ? 29 : days[m - 1]);
}

/* Accepts exactly YYYY-MM-DD, years 1900 to 2199. */
int
date_parse(const char *s, iod_date *out)
{
	int	y, m, d, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return (IOD_EINVAL);
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return (IOD_EINVAL);
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 ||
	    d > month_days(y, m))
		return (IOD_EINVAL);
	*out = (iod_date)(y * 10000 + m * 100 + d);
	return (0);
}

void
date_format(iod_date d, char out[11])
{
	snprintf(out, 11, "%04u-%02u-%02u", (d / 10000) % 10000,
	    (d / 100) % 100, d % 100);
}

/* Howard Hinnant's days_from_civil. */
int32_t
date_to_days(iod_date d)
{
	int		 y = (int)(d / 10000), m = (int)(d / 100 % 100);
	int		 dd = (int)(d % 100), era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

iod_date
date_from_days(int32_t z)
{
	int	era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	return ((iod_date)(y * 10000 + m * 100 + d));
}

int
date_weekday(iod_date d)
{
	/* 1970-01-01 was a Thursday (3 with Monday = 0). */
	int32_t	n = date_to_days(d);

	return ((int)(((n % 7) + 7 + 3) % 7));
}

/* Same day of month, clamped to the month's last day. */
iod_date
date_add_months(iod_date d, int months)
{
	int	y = (int)(d / 10000), m = (int)(d / 100 % 100), dd = (int)(d % 100);
	int	t = y * 12 + (m - 1) + months;

	y = t / 12;
	m = t % 12 + 1;
	if (dd > month_days(y, m))
		dd = month_days(y, m);
	return ((iod_date)(y * 10000 + m * 100 + dd));
}

/* date_set_today's day, 0: none; each thread's own (a replay's thread
 * searches on a past day while the loop serves today). */
static _Thread_local iod_date	today_fixed;

void
date_set_today(iod_date day)
{
	today_fixed = day;
}

iod_date
date_today(void)
{
	time_t		 now = time(NULL);
	struct tm	 tm;
	const char	*fixed = getenv("IOD_TODAY");
	iod_date	 d;

	if (today_fixed != 0)
		return (today_fixed);
	/* Tests and benchmarks replay a fixed day. */
	if (fixed != NULL && date_parse(fixed, &d) == 0)
		return (d);
	localtime_r(&now, &tm);
	return ((iod_date)((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	    tm.tm_mday));
}

/*
 * A SIRET is 14 digits whose Luhn sum is a multiple of 10, with La Poste's
 * establishments (SIREN 356000000) summing their digits plainly instead.
 */
int
siret_valid(const char *s)
{
	int	i, sum = 0, d;

	if (strlen(s) != 14)
		return (0);
	for (i = 0; i < 14; i++)
		if (!isdigit((unsigned char)s[i]))
			return (0);
	if (strncmp(s, "356000000", 9) == 0) {
		for (i = 0; i < 14; i++)
			sum += s[i] - '0';
		return (sum % 5 == 0);
	}
	for (i = 0; i < 14; i++) {
		d = s[13 - i] - '0';
		if (i % 2 == 1 && (d *= 2) > 9)
			d -= 9;
		sum += d;
	}
	return (sum % 10 == 0);
}

/*
 * The length of the strict UTF-8 sequence at s (len bytes left): 1 to 4,
 * or 0 if it is malformed, cut short, overlong, a surrogate or above
 * U+10FFFF.
 */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	size_t		n, k;
	uint32_t	c;

	if (len == 0)
		return (0);
	c = s[0];
	if (c < 0x80)
		return (1);
	if ((c & 0xe0) == 0xc0) {
		n = 1;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3;
		c &= 0x07;
	} else
		return (0);
	for (k = 1; k <= n; k++) {
		if (k >= len || (s[k] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (s[k] & 0x3f);
	}
	if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) ||
	    (n == 3 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return (0);
	return (n + 1);
}

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
int
utf8_valid(const char *p, size_t len)
{
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 i = 0, n;

	while (i < len) {
		if ((n = utf8_seq(s + i, len - i)) == 0)
			return (0);
		i += n;
	}
	return (1);
}

size_t
utf8_cut(const char *p, size_t max)
{
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 i = 0, n, len = strlen(p);

	while (i < len) {
		if ((n = utf8_seq(s + i, len - i)) == 0)
			n = 1;
		if (i + n > max)
			break;
		i += n;
	}
	return (i);
}

size_t
utf8_initial(const char *p)
{
	return (utf8_seq((const unsigned char *)p, strlen(p)));
}

char *
utf8_repair(const char *p)
{
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 i = 0, n, len = strlen(p);
	char			*out, *o;

	if ((out = malloc(len * 3 + 1)) == NULL)
		return (NULL);
	for (o = out; i < len; i += n) {
		if ((n = utf8_seq(s + i, len - i)) == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			n = 1;
			continue;
		}
		memcpy(o, s + i, n);
		o += n;
	}
	*o = '\0';
	return (out);
}

/* One '@', something on each side, a dot in the domain, no spaces. */
int
email_valid(const char *s)
{
	const char	*at = strchr(s, '@');

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    strchr(at + 1, '.') == NULL || at[1] == '.' ||
	    s[strlen(s) - 1] == '.')
		return (0);
	for (; *s != '\0'; s++)
		if (isspace((unsigned char)*s))
			return (0);
	return (1);
}

