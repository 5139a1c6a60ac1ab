/*
 * ics.c — GET /v1/followups.ics: a chargé de mission's follow-up
 * appointments as an iCalendar feed (RFC 5545), from three months back:
 * content lines folded at 75 octets, TEXT values escaped, one VEVENT an
 * appointment, named by whom it is with and never by the person's
 * situation.  It writes the feed into an evbuffer; the appointments, who
 * may see each, and the names shown are the domain's (domain/followup.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "daemon.h"

#define ICS_PAST_DAYS	92	/* the feed starts three months back */

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
	struct reqctx		*ctx;
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

static int
ics_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct ics_arg	*ia = arg;
	struct followup	 f;
	char		 due[9], end[9], mod[17], *summary = NULL, *desc = NULL;
	char		*who, *company;

	(void)k; (void)kl;
	if (followup_decode(&f, v, vl) != 0 || f.due_on < ia->from ||
	    (ia->owner != NULL && (f.owner == NULL ||
	    strcmp(f.owner, ia->owner) != 0)) ||
	    !access_record(&ia->ctx->tok, DB_FOLLOWUPS, &f)) {
		rec_clear(&followup_schema, &f);
		return (0);
	}
	followup_names(ia->ctx->txn, &ia->nm, f.candidate_id, f.company_id);
	who = ics_text(ia->nm.cand);
	company = ics_text(ia->nm.company);
	if (who == NULL || company == NULL ||
	    asprintf(&summary, "%s – %s – %s", kind_summary[f.kind], who,
	    company) == -1)
		summary = NULL;
	if (asprintf(&desc, "%s %lld\\, placement %llu\\, rendez-vous %llu.",
	    f.phase == FU_TRIAL ? "Période d'essai\\, semaine" :
	    f.phase == FU_MONTHLY ? "Suivi mensuel\\, mois" : "Fin du suivi\\, mois",
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
	free(who);
	free(company);
	free(summary);
	free(desc);
	rec_clear(&followup_schema, &f);
	return (0);
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
 * GET /v1/followups.ics?owner=: a chargé de mission's appointments from
 * three months back, as text/calendar.  An iod token's own by default.
 */
int
api_followup_ics(struct reqctx *ctx)
{
	struct ics_arg		 ia;
	const char		*owner;
	char			*name = NULL;
	int			 status;

	if ((status = ics_query(ctx, &owner)) != 0)
		return (status);
	if (owner == NULL && ctx->tok.role == ROLE_IOD)
		owner = ctx->tok.subject;
	memset(&ia, 0, sizeof(ia));
	ia.ctx = ctx;
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
	name = ics_text(owner != NULL ? owner : "tous");
	ics_line(ia.b, "X-WR-CALNAME:Suivis IOD – %s", name != NULL ? name : "");
	free(name);
	store_scan(ctx->txn, DB_FOLLOWUPS, NULL, 0, 0, ics_cb, &ia);
	if (ctx->txn->rc != 0) {
		evbuffer_free(ia.b);
		return (http_store_error(ctx, ctx->txn->rc));
	}
	ics_line(ia.b, "END:VCALENDAR");
	return (http_reply_text(ctx, 200, "text/calendar; charset=utf-8",
	    ia.b));
}
