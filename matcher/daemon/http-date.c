/*
 * http-date.c — the value of every reply's Date header (RFC 9110 5.6.7,
 * IMF-fixdate, as evhttp writes it), formatted once a second rather than
 * for each reply.  http.c adds it to the replies it sends; evhttp adds
 * its own to any other.
 */
#include <stdio.h>
#include <time.h>

#include "daemon.h"

const char *
http_date(void)
{
	static const char	 days[7][4] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char	 months[12][4] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static char		 buf[64];
	static time_t		 at = (time_t)-1;
	time_t			 now = time(NULL);
	struct tm		 tm;

	if (now != at && gmtime_r(&now, &tm) != NULL) {
		snprintf(buf, sizeof(buf), "%s, %02d %s %4d %02d:%02d:%02d GMT",
		    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		    1900 + tm.tm_year, tm.tm_hour, tm.tm_min, tm.tm_sec);
		at = now;
	}
	return (buf);
}
