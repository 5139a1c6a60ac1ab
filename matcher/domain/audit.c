/*
 * audit.c — the log of reads of a person's data: who (actor, token) read
 * which candidate, how (read, export), on which day.  Each of these is
 * recorded once a day: the read path notes an entry unless today's set
 * already holds it, and the turn's group commit writes what was noted
 * (a read transaction cannot write), keeping it for the next commit if
 * this one failed.  Entries older than the retention are purged by a task
 * in bounded slices, the daemon running the next slice while one says
 * more remain.  Entries are keyed by a sequence, oldest first; the
 * DB_META key "auditday" holds today and the first id written today, so
 * that a restart rebuilds today's set from today's entries only.  Reading
 * the log is the one list's (daemon/api-list.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "domain.h"

#define AUDIT_QUEUE_MAX		65536	/* noted, not yet committed */
#define AUDIT_PURGE_SLICE	1000	/* entries deleted per task */

struct audit {
	char		 actor[80];
	uint64_t	 token_id, candidate_id;
	char		 action[16];
	int64_t		 at;
	struct audit	*next;
};

static struct audit	*queue, **tail = &queue;	/* to write */
static struct audit	*written;	/* in the open group, uncommitted */
static size_t		 nqueued;
static unsigned long	 lost;
static struct hmap	 today_set;	/* hash of an entry -> 1 */
static iod_date		 today_day;
static uint8_t		 hkey[crypto_shorthash_KEYBYTES];
static int		 hkey_set;
static int		 retention_days = 365;

/* The set's key for an entry: a keyed hash, never 0. */
static uint64_t
entry_hash(const char *actor, uint64_t token_id, uint64_t candidate_id,
    const char *action)
{
	uint8_t		 buf[80 + 16 + 16 + 2], out[crypto_shorthash_BYTES];
	uint64_t	 h;
	size_t		 alen = strlen(actor), clen = strlen(action);

	if (!hkey_set) {
		randombytes_buf(hkey, sizeof(hkey));
		hkey_set = 1;
	}
	if (alen > 80)
		alen = 80;
	if (clen > 15)
		clen = 15;
	memcpy(buf, actor, alen);
	buf[alen] = '\0';
	memcpy(buf + alen + 1, &token_id, 8);
	memcpy(buf + alen + 9, &candidate_id, 8);
	memcpy(buf + alen + 17, action, clen);
	crypto_shorthash(out, buf, alen + 17 + clen, hkey);
	memcpy(&h, out, sizeof(h));
	return (h == 0 ? 1 : h);
}

/* A new day starts an empty set. */
static void
roll_day(void)
{
	iod_date	d = date_today();

	if (d == today_day)
		return;
	hmap_free(&today_set);
	memset(&today_set, 0, sizeof(today_set));
	today_day = d;
}

void
audit_note(const char *actor, uint64_t token_id, uint64_t candidate_id,
    const char *action)
{
	struct audit	*a;
	uint64_t	 h;

	roll_day();
	h = entry_hash(actor, token_id, candidate_id, action);
	if (hmap_get(&today_set, h) != 0)
		return;		/* already recorded today */
	if (nqueued >= AUDIT_QUEUE_MAX || (a = calloc(1, sizeof(*a))) ==
	    NULL) {
		if (lost++ % 10000 == 0)
			log_warn("audit: %lu entries lost: the store cannot "
			    "take them", lost);
		return;
	}
	if (hmap_set(&today_set, h, 1) != 0) {
		free(a);
		return;
	}
	snprintf(a->actor, sizeof(a->actor), "%s", actor);
	snprintf(a->action, sizeof(a->action), "%s", action);
	a->token_id = token_id;
	a->candidate_id = candidate_id;
	a->at = (int64_t)time(NULL);
	*tail = a;
	tail = &a->next;
	nqueued++;
}

int
audit_pending(void)
{
	return (queue != NULL);
}

/* Note in DB_META the first id written on a day: day, id, big-endian. */
static void
mark_day(struct txn *t, uint64_t id)
{
	const void	*v;
	size_t		 len;
	uint8_t		 buf[12], day[8];

	if (store_get(t, DB_META, "auditday", 8, &v, &len) == 0 &&
	    len == sizeof(buf) && (iod_date)(key_get_u64(v) >> 32) ==
	    today_day)
		return;
	key_u64(day, today_day);
	memcpy(buf, day + 4, 4);
	key_u64(buf + 4, id);
	store_put(t, DB_META, "auditday", 8, buf, sizeof(buf));
}

void
audit_flush(struct txn *t)
{
	struct audit	*a;
	json_t		*j;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	uint64_t	 id;

	roll_day();
	while ((a = queue) != NULL && t->rc == 0) {
		j = json_pack("{s:I, s:s, s:I, s:I, s:s}", "at",
		    (json_int_t)a->at, "actor", a->actor, "token_id",
		    (json_int_t)a->token_id, "candidate_id",
		    (json_int_t)a->candidate_id, "action", a->action);
		if (j == NULL)
			break;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		json_pack_mp(j, &pk);
		if ((id = store_next_id(t, DB_AUDIT)) != 0) {
			mark_day(t, id);
			store_put_id(t, DB_AUDIT, id, sb.data, sb.size);
		}
		msgpack_sbuffer_destroy(&sb);
		json_decref(j);
		queue = a->next;
		if (queue == NULL)
			tail = &queue;
		a->next = written;
		written = a;
	}
}

void
audit_done(int committed)
{
	struct audit	*a, *back = NULL;

	/* Put back what did not hold, in its order, before the rest. */
	while ((a = written) != NULL) {
		written = a->next;
		if (committed) {
			free(a);
			nqueued--;
			continue;
		}
		a->next = back;
		back = a;
	}
	if (back == NULL)
		return;
	for (a = back; a->next != NULL; a = a->next)
		;
	a->next = queue;
	if (queue == NULL)
		tail = &a->next;
	queue = back;
}

/* today_set gets each of today's entries. */
static int
audit_load_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	json_t		*j;
	const char	*actor = NULL, *action = NULL;
	json_int_t	 tok = 0, cand = 0;

	(void)k; (void)kl; (void)arg;
	if ((j = mp_bytes_to_json(v, vl)) == NULL)
		return (0);
	if (json_unpack(j, "{s:s, s:I, s:I, s:s}", "actor", &actor,
	    "token_id", &tok, "candidate_id", &cand, "action", &action) == 0)
		hmap_set(&today_set, entry_hash(actor, (uint64_t)tok,
		    (uint64_t)cand, action), 1);
	json_decref(j);
	return (0);
}

int
audit_load(struct txn *t)
{
	const void	*v;
	size_t		 len;
	uint8_t		 k[8];
	uint64_t	 first;

	roll_day();
	if (store_get(t, DB_META, "auditday", 8, &v, &len) != 0 || len != 12)
		return (0);
	if ((iod_date)(key_get_u64(v) >> 32) != today_day)
		return (0);
	first = key_get_u64((const uint8_t *)v + 4);
	key_u64(k, first);
	return (store_scan(t, DB_AUDIT, k, sizeof(k), 0, audit_load_cb, NULL));
}

void
audit_set_retention(int days)
{
	retention_days = days;
}

struct purge {
	int64_t		 cutoff;	/* unix seconds */
	uint64_t	 ids[AUDIT_PURGE_SLICE];
	size_t		 n;
};

/* Collect the oldest entries before the cutoff; stop at the first after. */
static int
purge_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct purge	*p = arg;
	json_t		*j;
	json_int_t	 at = 0;

	(void)kl;
	if ((j = mp_bytes_to_json(v, vl)) != NULL) {
		json_unpack(j, "{s:I}", "at", &at);
		json_decref(j);
	}
	if (at >= p->cutoff)
		return (1);
	p->ids[p->n++] = key_get_u64(k);
	return (p->n == AUDIT_PURGE_SLICE);
}

int
audit_purge(struct dctx *dc, int *more)
{
	struct purge	*p;
	size_t		 i;
	int		 n;

	*more = 0;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (0);
	p->cutoff = ((int64_t)date_to_days(date_today()) - retention_days) *
	    86400;
	store_scan(dc->txn, DB_AUDIT, NULL, 0, 0, purge_cb, p);
	for (i = 0; i < p->n; i++)
		store_del_id(dc->txn, DB_AUDIT, p->ids[i]);
	n = (int)p->n;
	/* A full slice: more may be left, for another turn. */
	*more = p->n == AUDIT_PURGE_SLICE && dc->txn->rc == 0;
	free(p);
	return (n);
}

void
audit_free(void)
{
	struct audit	*a;

	audit_done(0);
	while ((a = queue) != NULL) {
		queue = a->next;
		free(a);
	}
	tail = &queue;
	nqueued = 0;
	hmap_free(&today_set);
	memset(&today_set, 0, sizeof(today_set));
}
