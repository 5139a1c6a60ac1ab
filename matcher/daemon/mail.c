/*
 * mail.c — e-mail to référents through the operator's SMTP relay.  A
 * durable cursor on the event log ("mailseq" in DB_META, like a webhook's
 * cursor) is advanced in the same transaction that queues what the new
 * events call for (notice.c says who and in what words): a mail in the
 * outbox, or a line in a recipient's day's digest that becomes one mail
 * at the configured hour (the rows are outbox.c's, which an erasure
 * purges of the person).  smtp.c's thread sends the outbox's rows one at a time and
 * hands each outcome back; the loop deletes the row sent, or keeps it
 * with its error and the next try, 1, 2, 4 ... 300 s later, all mail
 * waiting while the relay is down.  A row the relay refused with 5xx
 * MAIL_TRIES times is kept as failed (GET /v1/outbox, iod_mail_failed).
 * Nothing is lost: a row leaves the store only once the relay accepted it
 * or its person was erased (a restart between the two may send it twice).  The loop never waits on
 * the network.  The routes are api-mail.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "daemon.h"
#include "outbox.h"
#include "notify.h"
#include "conf.h"

#define MAIL_EVENTS		256	/* events looked at per turn */
#define MAIL_BACKOFF_MAX_S	300
#define MAIL_TRIES		3	/* a 5xx this often: failed */
#define MAIL_TICK_S		1

static struct {
	const struct conf_smtp	*cf;		/* NULL: no mail */
	struct event		*tick_ev;
	struct smtp_outcome	 out;		/* to store */
	int			 have_out;
	time_t			 pause_until;	/* the relay is down */
	int			 digest_check;	/* look for digests due */
	int			 scan;		/* look for a row to send */
	unsigned		 ticks;
	size_t			 pending, failed, digests;
	uint64_t		 sent_total;
} ml;

/* ---- the cursor ------------------------------------------------------ */

static uint64_t
meta_u64(struct txn *t, const char *name)
{
	const void	*v;
	size_t		 len;

	if (store_get(t, DB_META, name, strlen(name), &v, &len) == 0 &&
	    len == 8)
		return (key_get_u64(v));
	return (0);
}

static void
meta_put_u64(struct txn *t, const char *name, uint64_t x)
{
	uint8_t	v[8];

	store_put(t, DB_META, name, strlen(name), v, key_u64(v, x));
}

/* ---- the events, into the outbox and the digests ----------------------- */

static int
digest_minutes(void)
{
	const char	*s = ml.cf->digest_at;

	return (((s[0] - '0') * 10 + s[1] - '0') * 60 + (s[3] - '0') * 10 +
	    s[4] - '0');
}

static int
now_minutes(void)
{
	time_t		now = time(NULL);
	struct tm	tm;

	localtime_r(&now, &tm);
	return (tm.tm_hour * 60 + tm.tm_min);
}

/* Add n's event to its recipient's digest, due at the next digest hour. */
static void
digest_add(struct txn *t, const struct notice *n)
{
	iod_date	 due = date_today();

	if (now_minutes() >= digest_minutes())
		due = date_from_days(date_to_days(due) + 1);
	if (outbox_digest_add(t, n, due) > 0)
		ml.digests++;
}

/* Queue what the events after the cursor call for; the count looked at. */
static int
events_task(struct dctx *dc)
{
	struct notice	*v;
	struct event	 ev;
	json_t		*items;
	uint64_t	 seq, last = event_last(dc->txn);
	size_t		 i, n;
	char		 subject[320];
	int		 done = 0;

	seq = meta_u64(dc->txn, "mailseq");
	for (; seq < last && done < MAIL_EVENTS; done++) {
		seq++;
		if (event_get(dc->txn, seq, &ev) != 0)
			continue;
		if (notice_for_event(dc->txn, &ev, ml.cf->console_url, &v, &n)
		    != 0)
			dc->txn->rc = dc->txn->rc != 0 ? dc->txn->rc :
			    IOD_ENOMEM;
		for (i = 0; i < n; i++) {
			if (v[i].daily)
				digest_add(dc->txn, &v[i]);
			else {
				snprintf(subject, sizeof(subject), "iod — %s",
				    v[i].subject);
				items = json_pack("[{s:s, s:s, s:I}]", "line",
				    v[i].line, "link", v[i].link,
				    "candidate_id", (json_int_t)v[i].candidate_id);
				if (items == NULL)
					dc->txn->rc = dc->txn->rc != 0 ?
					    dc->txn->rc : IOD_ENOMEM;
				else if (outbox_queue(dc->txn, v[i].to,
				    subject, items, 0) != 0)
					ml.scan = 1;
				json_decref(items);
			}
			notice_clear(&v[i]);
		}
		free(v);
		event_clear(&ev);
	}
	meta_put_u64(dc->txn, "mailseq", seq);
	return (done);
}

struct digest_scan {
	struct txn	*t;
	uint64_t	 keys[64];
	size_t		 n;
	iod_date	 today;
	int		 hour_passed;
};

static int
digest_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct digest_scan	*d = arg;
	json_t			*row;
	iod_date		 due;

	if (kl != 9 || (row = json_loadb(v, vl, 0, NULL)) == NULL)
		return (0);
	due = (iod_date)json_integer_value(json_object_get(row, "due_on"));
	if (due < d->today || (due == d->today && d->hour_passed))
		d->keys[d->n++] = key_get_u64((const uint8_t *)k + 1);
	json_decref(row);
	return (d->n == sizeof(d->keys) / sizeof(d->keys[0]));
}

/* Turn the digests due into mails; the count. */
static int
digest_task(struct dctx *dc)
{
	struct digest_scan	 d;
	uint8_t			 k[1] = { OUTBOX_DIGEST };
	size_t			 i;

	memset(&d, 0, sizeof(d));
	d.t = dc->txn;
	d.today = date_today();
	d.hour_passed = now_minutes() >= digest_minutes();
	store_scan(dc->txn, DB_META, k, 1, 1, digest_cb, &d);
	for (i = 0; i < d.n; i++)
		if (outbox_digest_send(dc->txn, d.keys[i]) > 0)
			ml.scan = 1;
	ml.digests = ml.digests > d.n ? ml.digests - d.n : 0;
	return ((int)d.n);
}

/* ---- the loop's side --------------------------------------------------- */

static void
smtp_done(void)
{
	ml.have_out = smtp_take(&ml.out);
	notify_wake();
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	if (ml.ticks++ % 15 == 0 && ml.digests > 0)
		ml.digest_check = 1;
	if (ml.digest_check || (ml.pending > 0 && !smtp_busy() &&
	    time(NULL) >= ml.pause_until)) {
		ml.scan = 1;
		notify_wake();
	}
}

/* Store the outcome: the row sent leaves the outbox; else its error. */
static int
outcome_task(struct dctx *dc)
{
	const struct smtp_outcome *o = &ml.out;
	json_t		*row;
	uint8_t		 k[9];
	int		 attempts, shift, permanent;
	time_t		 delay;
	char		 why[sizeof(o->error) + 32];

	if ((row = outbox_get(dc->txn, OUTBOX_MAIL, o->id)) == NULL)
		return (0);	/* erased meanwhile */
	if (o->sent) {
		store_del(dc->txn, DB_META, k, outbox_key(k, OUTBOX_MAIL,
		    o->id));
		json_decref(row);
		return (1);
	}
	attempts = (int)json_integer_value(json_object_get(row, "attempts")) +
	    1;
	shift = attempts - 1 < 9 ? attempts - 1 : 9;
	delay = (time_t)1 << shift;
	if (delay > MAIL_BACKOFF_MAX_S)
		delay = MAIL_BACKOFF_MAX_S;
	permanent = o->code >= 500 && attempts >= MAIL_TRIES;
	if (o->code != 0)
		snprintf(why, sizeof(why), "%ld: %s", o->code, o->error);
	else
		snprintf(why, sizeof(why), "%s", o->error);
	json_object_set_new(row, "attempts", json_integer(attempts));
	json_object_set_new(row, "last_error", json_string(why));
	json_object_set_new(row, "next_try", json_integer(permanent ? 0 :
	    (json_int_t)(time(NULL) + delay)));
	json_object_set_new(row, "failed", json_boolean(permanent));
	outbox_put(dc->txn, OUTBOX_MAIL, o->id, row);
	json_decref(row);
	if (permanent)
		log_warn("mail %llu: refused by the relay %d times, kept as "
		    "failed: %s", (unsigned long long)o->id, attempts, why);
	else {
		log_warn("mail %llu: %s; try %d again in %llds",
		    (unsigned long long)o->id, why, attempts + 1,
		    (long long)delay);
		/* The relay is down or refuses: every mail waits. */
		ml.pause_until = time(NULL) + delay;
	}
	return (0);
}

struct pick {
	json_t		*row;		/* the first due */
	time_t		 now;
	size_t		 pending, failed;
};

static int
pick_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct pick	*p = arg;
	json_t		*row;

	(void)k;
	if (kl != 9 || (row = json_loadb(v, vl, 0, NULL)) == NULL)
		return (0);
	if (json_is_true(json_object_get(row, "failed"))) {
		p->failed++;
		json_decref(row);
		return (0);
	}
	p->pending++;
	if (p->row == NULL && json_integer_value(json_object_get(row,
	    "next_try")) <= (json_int_t)p->now)
		p->row = row;
	else
		json_decref(row);
	return (0);
}

/* Count the outbox; hand the relay the first row due, if it is free. */
static void
dispatch(void)
{
	struct pick	 p;
	struct txn	 t;
	uint8_t		 k[1] = { OUTBOX_MAIL };

	memset(&p, 0, sizeof(p));
	p.now = time(NULL);
	if (store_begin(srv->st, &t, 0, NULL) != 0)
		return;
	store_scan(&t, DB_META, k, 1, 1, pick_cb, &p);
	store_abort(&t);
	ml.pending = p.pending;
	ml.failed = p.failed;
	if (p.row != NULL && !smtp_busy() && p.now >= ml.pause_until)
		(void)smtp_submit((uint64_t)json_integer_value(
		    json_object_get(p.row, "id")), json_string_value(
		    json_object_get(p.row, "to")), json_string_value(
		    json_object_get(p.row, "subject")), json_string_value(
		    json_object_get(p.row, "body")));
	json_decref(p.row);
}

void
mail_after_turn(void)
{
	struct txn	t;
	int		more;

	if (ml.cf == NULL)
		return;
	if (ml.have_out) {
		ml.have_out = 0;
		if (server_task(outcome_task, "mail") > 0)
			ml.sent_total++;
		ml.scan = 1;
	}
	if (store_begin(srv->st, &t, 0, NULL) != 0)
		return;
	more = meta_u64(&t, "mailseq") < event_last(&t);
	store_abort(&t);
	if (more && server_task(events_task, "mail") == MAIL_EVENTS)
		notify_wake();	/* more next turn */
	if (ml.digest_check) {
		ml.digest_check = 0;
		(void)server_task(digest_task, "mail");
	}
	if (ml.scan) {
		ml.scan = 0;
		dispatch();
	}
}

static int
digest_count_cb(const void *k, size_t kl, const void *v, size_t vl,
    void *arg)
{
	(void)k; (void)v; (void)vl; (void)arg;
	if (kl == 9)
		ml.digests++;
	return (0);
}

/* Start the cursor at the log's end: mail tells of what happens next. */
static int
start_task(struct dctx *dc)
{
	uint8_t		 k[1] = { OUTBOX_DIGEST };
	const void	*v;
	size_t		 len;

	if (store_get(dc->txn, DB_META, "mailseq", 7, &v, &len) != 0)
		meta_put_u64(dc->txn, "mailseq", event_last(dc->txn));
	ml.digests = 0;
	store_scan(dc->txn, DB_META, k, 1, 1, digest_count_cb, NULL);
	return (0);
}

int
mail_init(struct event_base *base, const struct conf_smtp *cf)
{
	static const struct timeval	tick = { MAIL_TICK_S, 0 };
	int				rc;

	if (cf == NULL || cf->url == NULL)
		return (0);
	if ((rc = smtp_start(base, cf, smtp_done)) != 0)
		return (rc);
	if ((ml.tick_ev = event_new(base, -1, EV_PERSIST, tick_cb, NULL)) ==
	    NULL || event_add(ml.tick_ev, &tick) != 0)
		return (IOD_ENOMEM);
	if (server_task(start_task, "mail") < 0)
		return (IOD_EINVAL);
	ml.cf = cf;
	ml.digest_check = ml.scan = 1;
	log_info("mail through %s (STARTTLS %s), digests at %s", cf->url,
	    cf->tls == CONF_TLS_REQUIRED ? "required" : cf->tls ==
	    CONF_TLS_OPTIONAL ? "when offered" : "never", cf->digest_at);
	notify_wake();
	return (0);
}

void
mail_stop(void)
{
	if (ml.cf == NULL)
		return;
	smtp_stop();		/* a mail on the wire is cut short */
	if (!ml.have_out)
		ml.have_out = smtp_take(&ml.out);
	if (ml.have_out && ml.out.sent)	/* else: sent after the restart */
		(void)server_task(outcome_task, "mail");
	ml.have_out = 0;
	ml.cf = NULL;
}

void
mail_free(void)
{
	mail_stop();
	smtp_free();
	if (ml.tick_ev != NULL)
		event_free(ml.tick_ev);
	ml.tick_ev = NULL;
}

static int
list_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	json_t	*items = arg, *row, *next;

	(void)k;
	if (kl != 9 || (row = json_loadb(v, vl, 0, NULL)) == NULL)
		return (0);
	json_object_del(row, "body");
	json_object_del(row, "items");
	json_object_del(row, "more");
	json_object_del(row, "digest");
	next = json_object_get(row, "next_try");
	json_object_set_new(row, "state", json_string(json_is_true(
	    json_object_get(row, "failed")) ? "failed" : "pending"));
	json_object_set(row, "next_try_at", json_integer_value(next) > 0 ?
	    next : json_null());
	json_object_del(row, "next_try");
	json_object_del(row, "failed");
	json_array_append_new(items, row);
	return (json_array_size(items) >= 1000);
}

static int
dlist_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	json_t	*items = arg, *row;
	char	 day[11];

	(void)k;
	if (kl != 9 || (row = json_loadb(v, vl, 0, NULL)) == NULL)
		return (0);
	date_format((iod_date)json_integer_value(json_object_get(row,
	    "due_on")), day);
	json_array_append_new(items, json_pack("{s:O?, s:s, s:I}",
	    "to", json_object_get(row, "to"), "due_on", day, "events",
	    (json_int_t)json_array_size(json_object_get(row, "items")) +
	    json_integer_value(json_object_get(row, "more"))));
	json_decref(row);
	return (json_array_size(items) >= 1000);
}

json_t *
mail_outbox_json(struct txn *t)
{
	json_t	*items = json_array(), *digests = json_array();
	uint8_t	 k[1] = { OUTBOX_MAIL }, d[1] = { OUTBOX_DIGEST };
	size_t	 i, failed = 0;

	if (items == NULL || digests == NULL) {
		json_decref(items);
		json_decref(digests);
		return (NULL);
	}
	store_scan(t, DB_META, k, 1, 1, list_cb, items);
	store_scan(t, DB_META, d, 1, 1, dlist_cb, digests);
	for (i = 0; i < json_array_size(items); i++)
		failed += strcmp(json_string_value(json_object_get(
		    json_array_get(items, i), "state")), "failed") == 0;
	return (json_pack("{s:b, s:o, s:I, s:I, s:o}", "enabled",
	    ml.cf != NULL, "items", items, "pending",
	    (json_int_t)(json_array_size(items) - failed), "failed",
	    (json_int_t)failed, "digests", digests));
}

void
mail_metrics(struct evbuffer *out)
{
	evbuffer_add_printf(out, "# HELP iod_mail_pending Mails in the outbox "
	    "not yet accepted by the relay.\n# TYPE iod_mail_pending gauge\n"
	    "iod_mail_pending %zu\n# HELP iod_mail_failed Mails the relay "
	    "refused for good (GET /v1/outbox).\n# TYPE iod_mail_failed "
	    "gauge\niod_mail_failed %zu\n# HELP iod_mail_sent_total Mails the "
	    "relay accepted.\n# TYPE iod_mail_sent_total counter\n"
	    "iod_mail_sent_total %llu\n", ml.pending, ml.failed,
	    (unsigned long long)ml.sent_total);
}
