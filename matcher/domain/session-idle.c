/*
 * session-idle.c — a session ends after idle_s seconds without use, as
 * well as at its expiry (accounts.c).  Writing the store at every request
 * would cost a commit per click, so the last use is kept here in memory,
 * a table by the session's hash, and written to the session's record
 * (seen_at) by a task each minute, only for sessions whose last use is
 * IDLE_WRITE_S ahead of what the store says: a restart forgets at most
 * that much of a session's use (it may then end up to five minutes
 * early), never extends one.  Ended sessions leave the table at that
 * task.  Runs on the loop only.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain.h"

#define HASH_BYTES	32

struct seen {
	uint8_t		 h[HASH_BYTES];
	int64_t		 seen;		/* last use */
	int64_t		 stored;	/* seen_at in the store, as known */
};

static struct {
	int64_t		 idle_s;
	struct seen	*v;
	size_t		 n, cap;
	struct hmap	 by_hash;	/* hash's first 8 bytes -> index + 1 */
} si = { .idle_s = 3600 };

void
session_idle_set(int64_t idle_s)
{
	if (idle_s > 0)
		si.idle_s = idle_s;
}

static uint64_t
key_of(const uint8_t *h)
{
	uint64_t	k;

	memcpy(&k, h, sizeof(k));
	return (k != 0 ? k : 1);
}

/* The index of h's entry, or -1. */
static ssize_t
find(const uint8_t *h)
{
	uint64_t	i = hmap_get(&si.by_hash, key_of(h));

	if (i == 0 || memcmp(si.v[i - 1].h, h, HASH_BYTES) != 0)
		return (-1);
	return ((ssize_t)(i - 1));
}

/* Drop entry i; the last takes its place. */
static void
forget(size_t i)
{
	(void)hmap_set(&si.by_hash, key_of(si.v[i].h), 0);
	if (i != --si.n) {
		si.v[i] = si.v[si.n];
		(void)hmap_set(&si.by_hash, key_of(si.v[i].h), i + 1);
	}
}

int
session_idle_check(const uint8_t *h, int64_t stored_seen, int64_t now)
{
	struct seen	*v;
	ssize_t		 i = find(h);
	int64_t		 last = stored_seen;

	if (i >= 0 && si.v[i].seen > last)
		last = si.v[i].seen;
	if (now - last >= si.idle_s) {
		if (i >= 0)
			forget((size_t)i);
		return (1);
	}
	if (i >= 0) {
		si.v[i].seen = now;
		return (0);
	}
	/* A hash whose first 8 bytes another has: not kept, it is only
	 * judged by the store (random secrets make this next to never). */
	if (hmap_get(&si.by_hash, key_of(h)) != 0)
		return (0);
	if (si.n == si.cap) {
		size_t	cap = si.cap ? si.cap * 2 : 64;

		if ((v = reallocarray(si.v, cap, sizeof(*v))) == NULL)
			return (0);
		si.v = v;
		si.cap = cap;
	}
	if (hmap_set(&si.by_hash, key_of(h), si.n + 1) != 0)
		return (0);
	memcpy(si.v[si.n].h, h, HASH_BYTES);
	si.v[si.n].seen = now;
	si.v[si.n].stored = stored_seen;
	si.n++;
	return (0);
}

int
session_idle_flush(struct dctx *dc)
{
	struct session	 s;
	struct seen	*e;
	const void	*v;
	char		*buf;
	size_t		 i, len;
	int64_t		 now = (int64_t)time(NULL);
	int		 written = 0, rc;

	for (i = 0; i < si.n; ) {
		e = &si.v[i];
		if (now - e->seen >= si.idle_s) {
			forget(i);	/* ended: the store's is older still */
			continue;
		}
		if (e->seen - e->stored < IDLE_WRITE_S) {
			i++;
			continue;
		}
		memset(&s, 0, sizeof(s));
		if (store_get(dc->txn, DB_SESSIONS, e->h, HASH_BYTES, &v,
		    &len) != 0 || rec_decode(&session_schema, &s, v,
		    len) != 0 || s.expires_at <= now) {
			rec_clear(&session_schema, &s);
			forget(i);	/* signed out, revoked or expired */
			continue;
		}
		s.seen_at = e->seen;
		rc = rec_encode(&session_schema, &s, &buf, &len);
		rec_clear(&session_schema, &s);
		if (rc != 0)
			return (-1);
		store_put(dc->txn, DB_SESSIONS, e->h, HASH_BYTES, buf, len);
		free(buf);
		if (dc->txn->rc != 0)
			return (-1);
		e->stored = e->seen;
		written++;
		i++;
	}
	return (written);
}

void
session_idle_free(void)
{
	hmap_free(&si.by_hash);
	free(si.v);
	memset(&si, 0, sizeof(si));
	si.idle_s = 3600;
}
