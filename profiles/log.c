/*
 * log.c — the daemon's log: one logfmt line per message on stderr,
 * `ts=2026-11-24T01:02:03Z level=info msg="..."`, filtered by level.  What
 * may be logged is the callers' business: never a person's social
 * categories, RQTH or justice status, nor a token.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "profiles.h"

int	log_level = LOG_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error",
    NULL };

int
log_set_level(const char *s)
{
	int	l = enum_lookup(level_names, s);

	if (l >= 0)
		log_level = l;
	return (l);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char		 msg[1024], ts[32];
	struct tm	 tm;
	time_t		 now;
	va_list		 ap;
	size_t		 i;

	if ((int)level < log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A message is one line and one quoted value. */
	for (i = 0; msg[i] != '\0'; i++)
		if (msg[i] == '"' || msg[i] == '\n' || msg[i] == '\\')
			msg[i] = msg[i] == '"' ? '\'' : ' ';
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "ts=%s level=%s msg=\"%s\"\n", ts, level_names[level],
	    msg);
}
