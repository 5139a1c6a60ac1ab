/*
 * ics.c — the one iCalendar writer (RFC 5545): GET /v1/followups.ics (a
 * token's feed) and GET /cal/SECRET.ics (a private calendar URL, no
 * header: what calendar clients send).  A feed holds, from three months
 * back, the follow-up appointments (all-day events: they have a day, not
 * an hour) and the meetings at the workstation (at their hour, in
 * Europe/Paris, with its VTIMEZONE), each with a stable UID and
 * STATUS:CANCELLED once cancelled, so that clients drop it.  Content lines
 * are folded at 75 octets, TEXT values escaped; an event is named by whom
 * it is with (a first name and an initial) and the company, never by the
 * person's situation nor by the team's notes.  Who may see each record,
 * the names and the links are the domain's (access.c, followup.c, feed.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "daemon.h"

#define ICS_PAST_DAYS	92	/* the feed starts three months back */
/* The rate keys of the calendar URLs, apart from every token id. */
#define ICS_LINK_RATE		(1ULL << 62)	/* | the link's id */
#define ICS_UNKNOWN_RATE	((1ULL << 62) - 1)	/* all misses */

/* Write one content line, folded at 75 octets and never inside a UTF-8
 * sequence, ended by CRLF. */
static void
ics_line(struct evbuffer *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
ics_line(struct evbuffer *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	size_t	 len, pos = 0, width = 75, cut;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		return;
	len = strlen(s);
	while (len - pos > width) {
		cut = pos + width;
		while (cut > pos + 1 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		evbuffer_add(b, s + pos, cut - pos);
		evbuffer_add(b, "\r\n ", 3);
		pos = cut;
		width = 74;		/* the space counts */
	}
	evbuffer_add(b, s + pos, len - pos);
	evbuffer_add(b, "\r\n", 2);
	free(s);
}

/* A TEXT value: backslash, semicolon, comma and newline escaped, other
 * control characters dropped.  Caller frees. */
static char *
ics_text(const char *s)
{
	char	*out, *o;

	if ((out = malloc(strlen(s) * 2 + 1)) == NULL)
		return (NULL);
	for (o = out; *s != '\0'; s++) {
		if (*s == '\\' || *s == ';' || *s == ',') {
			*o++ = '\\';
			*o++ = *s;
		} else if (*s == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			*o++ = *s;
	}
	*o = '\0';
	return (out);
}

static void
ics_date(char out[9], iod_date d)
{
	snprintf(out, 9, "%08u", (unsigned)d);
}

static void
ics_time(char out[17], int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

struct ics_arg {
	struct txn		*txn;
	const struct token	*scope;	/* whose view */
	const char		*owner;	/* NULL: every owner */
	struct evbuffer		*b;
	struct followup_names	 nm;
	iod_date		 from;
	char			 stamp[17];
	size_t			 n;
};

/* What each appointment is called: by whom it is with, never about the
 * person's situation (no social category, no assessment). */
static const char *const kind_summary[] = {
	"Suivi employeur", "Suivi salarié", "Suivi employeur et salarié",
	"Bilan avec le référent"
};

/* "Kind – First I. – Company", escaped; caller frees; NULL: no memory. */
static char *
ics_summary(struct ics_arg *ia, const char *what, uint64_t cand_id,
    uint64_t company_id)
{
	char	*who, *company, *s = NULL;

	followup_names(ia->txn, &ia->nm, cand_id, company_id);
	who = ics_text(ia->nm.cand);
	company = ics_text(ia->nm.company);
	if (who == NULL || company == NULL ||
	    asprintf(&s, "%s – %s – %s", what, who, company) == -1)
		s = NULL;
	free(who);
	free(company);
	return (s);
}

static int
ics_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct ics_arg	*ia = arg;
	struct followup	 f;
	char		 due[9], end[9], mod[17], *summary, *desc = NULL;

	(void)k; (void)kl;
	if (followup_decode(&f, v, vl) != 0 || f.due_on < ia->from ||
	    (ia->owner != NULL && (f.owner == NULL ||
	    strcmp(f.owner, ia->owner) != 0)) ||
	    !access_record(ia->scope, DB_FOLLOWUPS, &f)) {
		rec_clear(&followup_schema, &f);
		return (0);
	}
	summary = ics_summary(ia, kind_summary[f.kind], f.candidate_id,
	    f.company_id);
	if (asprintf(&desc, "%s %lld\\, placement %llu\\, rendez-vous %llu.",
	    f.phase == FU_TRIAL ? "Période d'essai\\, semaine" :
	    f.phase == FU_MONTHLY ? "Suivi mensuel\\, mois" :
	    "Fin du suivi\\, mois",
	    (long long)f.number, (unsigned long long)f.placement_id,
	    (unsigned long long)f.id) == -1)
		desc = NULL;
	ics_date(due, f.due_on);
	ics_date(end, calendar_add_days(f.due_on, 1));
	ics_time(mod, f.updated_at);
	ics_line(ia->b, "BEGIN:VEVENT");
	ics_line(ia->b, "UID:followup-%llu@iod", (unsigned long long)f.id);
	ics_line(ia->b, "DTSTAMP:%s", ia->stamp);
	ics_line(ia->b, "LAST-MODIFIED:%s", mod);
	ics_line(ia->b, "DTSTART;VALUE=DATE:%s", due);
	ics_line(ia->b, "DTEND;VALUE=DATE:%s", end);
	ics_line(ia->b, "SUMMARY:%s", summary != NULL ? summary : "Suivi IOD");
	if (desc != NULL)
		ics_line(ia->b, "DESCRIPTION:%s", desc);
	ics_line(ia->b, "CATEGORIES:IOD");
	ics_line(ia->b, "TRANSP:TRANSPARENT");
	ics_line(ia->b, "STATUS:%s", f.status == FU_CANCELLED ? "CANCELLED" :
	    "CONFIRMED");
	ics_line(ia->b, "END:VEVENT");
	ia->n++;
	free(summary);
	free(desc);
	rec_clear(&followup_schema, &f);
	return (0);
}

/* A meeting's "YYYY-MM-DDTHH:MM" as a local DATE-TIME, and an hour later:
 * 0, or -1 if it is not one. */
static int
ics_local(const char *at, char start[24], char end[24])
{
	iod_date	d;
	char		day[11];
	int		h, m;

	if (at == NULL || strlen(at) != 16 || at[10] != 'T' ||
	    sscanf(at + 11, "%2d:%2d", &h, &m) != 2 || h < 0 || h > 23 ||
	    m < 0 || m > 59)
		return (-1);
	memcpy(day, at, 10);
	day[10] = '\0';
	if (date_parse(day, &d) != 0)
		return (-1);
	snprintf(start, 24, "%08uT%02d%02d00", (unsigned)d, h, m);
	if (h == 23)
		d = calendar_add_days(d, 1);
	snprintf(end, 24, "%08uT%02d%02d00", (unsigned)d, (h + 1) % 24, m);
	return (0);
}

/* A meeting at the workstation, at its hour in Europe/Paris; cancelled
 * when the proposal ended without it (declined, withdrawn, expired). */
static int
ics_meeting_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct ics_arg	*ia = arg;
	struct proposal	 p;
	char		 start[24], end[24], mod[17], day[11];
	char		*summary = NULL, *place = NULL;
	iod_date	 on;
	int		 gone;

	(void)k; (void)kl;
	memset(&p, 0, sizeof(p));
	if (rec_decode(&proposal_schema, &p, v, vl) != 0 ||
	    ics_local(p.meeting.at, start, end) != 0 ||
	    (snprintf(day, sizeof(day), "%.10s", p.meeting.at),
	    date_parse(day, &on)) != 0 || on < ia->from ||
	    (ia->owner != NULL && (p.owner == NULL ||
	    strcmp(p.owner, ia->owner) != 0)) ||
	    !access_record(ia->scope, DB_PROPOSALS, &p)) {
		rec_clear(&proposal_schema, &p);
		return (0);
	}
	gone = p.status == PROP_DECLINED || p.status == PROP_WITHDRAWN ||
	    p.status == PROP_EXPIRED;
	summary = ics_summary(ia, "Rencontre au poste", p.candidate_id,
	    p.company_id);
	place = p.meeting.place != NULL ? ics_text(p.meeting.place) : NULL;
	ics_time(mod, p.updated_at);
	ics_line(ia->b, "BEGIN:VEVENT");
	ics_line(ia->b, "UID:meeting-%llu@iod", (unsigned long long)p.id);
	ics_line(ia->b, "DTSTAMP:%s", ia->stamp);
	ics_line(ia->b, "LAST-MODIFIED:%s", mod);
	ics_line(ia->b, "DTSTART;TZID=Europe/Paris:%s", start);
	ics_line(ia->b, "DTEND;TZID=Europe/Paris:%s", end);
	ics_line(ia->b, "SUMMARY:%s", summary != NULL ? summary :
	    "Rencontre au poste");
	if (place != NULL)
		ics_line(ia->b, "LOCATION:%s", place);
	ics_line(ia->b, "DESCRIPTION:Mise en relation n° %llu.",
	    (unsigned long long)p.id);
	ics_line(ia->b, "CATEGORIES:IOD");
	ics_line(ia->b, "STATUS:%s", gone ? "CANCELLED" : "CONFIRMED");
	ics_line(ia->b, "END:VEVENT");
	ia->n++;
	free(summary);
	free(place);
	rec_clear(&proposal_schema, &p);
	return (0);
}

/* Europe/Paris since 1996: CET, CEST from the last Sunday of March at
 * 02:00 to the last Sunday of October at 03:00. */
static void
ics_vtimezone(struct evbuffer *b)
{
	ics_line(b, "BEGIN:VTIMEZONE");
	ics_line(b, "TZID:Europe/Paris");
	ics_line(b, "BEGIN:DAYLIGHT");
	ics_line(b, "TZOFFSETFROM:+0100");
	ics_line(b, "TZOFFSETTO:+0200");
	ics_line(b, "TZNAME:CEST");
	ics_line(b, "DTSTART:19960331T020000");
	ics_line(b, "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU");
	ics_line(b, "END:DAYLIGHT");
	ics_line(b, "BEGIN:STANDARD");
	ics_line(b, "TZOFFSETFROM:+0200");
	ics_line(b, "TZOFFSETTO:+0100");
	ics_line(b, "TZNAME:CET");
	ics_line(b, "DTSTART:19961027T030000");
	ics_line(b, "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU");
	ics_line(b, "END:STANDARD");
	ics_line(b, "END:VTIMEZONE");
}

/*
 * Reply with the feed of scope (borrowed) in txn: owner's (NULL: every
 * owner the scope sees), named name.
 */
static int
ics_reply(struct reqctx *ctx, struct txn *txn, const struct token *scope,
    const char *owner, const char *name)
{
	struct ics_arg	 ia;
	char		*calname;

	memset(&ia, 0, sizeof(ia));
	ia.txn = txn;
	ia.scope = scope;
	ia.owner = owner;
	ia.from = calendar_add_days(date_today(), -ICS_PAST_DAYS);
	ics_time(ia.stamp, (int64_t)time(NULL));
	if ((ia.b = evbuffer_new()) == NULL)
		return (http_error(ctx, ERR_NO_MEMORY, NULL, "out of memory"));
	ics_line(ia.b, "BEGIN:VCALENDAR");
	ics_line(ia.b, "VERSION:2.0");
	ics_line(ia.b, "PRODID:-//iod//Suivis IOD//FR");
	ics_line(ia.b, "CALSCALE:GREGORIAN");
	ics_line(ia.b, "METHOD:PUBLISH");
	calname = ics_text(name);
	ics_line(ia.b, "X-WR-CALNAME:Suivis IOD – %s", calname != NULL ?
	    calname : "");
	free(calname);
	ics_line(ia.b, "X-WR-TIMEZONE:Europe/Paris");
	ics_line(ia.b, "REFRESH-INTERVAL;VALUE=DURATION:PT1H");
	ics_line(ia.b, "X-PUBLISHED-TTL:PT1H");
	ics_vtimezone(ia.b);
	store_scan(txn, DB_PROPOSALS, NULL, 0, 0, ics_meeting_cb, &ia);
	store_scan(txn, DB_FOLLOWUPS, NULL, 0, 0, ics_cb, &ia);
	if (txn->rc != 0) {
		evbuffer_free(ia.b);
		return (http_store_error(ctx, txn->rc));
	}
	ics_line(ia.b, "END:VCALENDAR");
	return (http_reply_text(ctx, 200, "text/calendar; charset=utf-8",
	    ia.b));
}

/* The query: owner= alone, as the lists check their filters. */
static int
ics_query(struct reqctx *ctx, const char **owner)
{
	struct evkeyval	*kv;

	*owner = NULL;
	TAILQ_FOREACH(kv, &ctx->query, next) {
		if (strcmp(kv->key, "owner") != 0)
			return (http_error(ctx, ERR_INVALID, kv->key,
			    "%.*s: not a filter of %s",
			    (int)utf8_cut(kv->key, 40), kv->key,
			    ctx->route->path));
		if (*kv->value == '\0' || strlen(kv->value) > 64)
			return (http_error(ctx, ERR_INVALID, "owner",
			    "owner: expected 1 to 64 characters"));
		*owner = kv->value;
	}
	return (0);
}

/*
 * GET /v1/followups.ics?owner=: a chargé de mission's appointments and
 * meetings from three months back, as text/calendar.  An iod token's own
 * by default.
 */
int
api_followup_ics(struct reqctx *ctx)
{
	const char	*owner;
	int		 status;

	if ((status = ics_query(ctx, &owner)) != 0)
		return (status);
	if (owner == NULL && ctx->tok.role == ROLE_IOD)
		owner = ctx->tok.subject;
	return (ics_reply(ctx, ctx->txn, &ctx->tok, owner, owner != NULL ?
	    owner : "tous"));
}

/*
 * GET /cal/SECRET.ics: the feed of a private calendar URL, no header
 * needed.  An unknown or revoked secret is a 404 like any unknown path;
 * the look-ups of unknown secrets share one rate (guessing is slow, and
 * a guesser never slows a known link down), each known link has its own.
 */
int
api_calendar_feed(struct reqctx *ctx)
{
	struct calendar_link	 l;
	struct token		 scope;
	char			 name[80];
	int			 rc, status;

	if (TAILQ_FIRST(&ctx->query) != NULL)
		return (http_error(ctx, ERR_INVALID, TAILQ_FIRST(&ctx->query)->
		    key, "a calendar URL takes no query"));
	if ((rc = feed_lookup(ctx->txn, ctx->name, &l)) != 0) {
		if (rc != IOD_ENOTFOUND)
			return (http_store_error(ctx, rc));
		if (conn_over_rate(ICS_UNKNOWN_RATE)) {
			http_error(ctx, ERR_TOO_MANY_REQUESTS, NULL,
			    "too many requests for unknown calendars this "
			    "minute");
			http_retry_after(ctx, 60 - (int)(time(NULL) % 60));
			return (429);
		}
		return (http_error(ctx, ERR_NOT_FOUND, NULL,
		    "no such calendar"));
	}
	if (conn_over_rate(ICS_LINK_RATE | l.id)) {
		rec_clear(&calendar_link_schema, &l);
		http_error(ctx, ERR_TOO_MANY_REQUESTS, NULL,
		    "this calendar was read too often this minute");
		http_retry_after(ctx, 60 - (int)(time(NULL) % 60));
		return (429);
	}
	feed_scope(&l, &scope);
	if (l.owner != NULL)
		snprintf(name, sizeof(name), "%s", l.owner);
	else
		snprintf(name, sizeof(name), "référent %llu",
		    (unsigned long long)l.referent_id);
	status = ics_reply(ctx, ctx->txn, &scope, l.owner, name);
	rec_clear(&calendar_link_schema, &l);
	return (status);
}
