/*
 * feed.c — private calendar URLs: a link to the follow-up calendar of one
 * chargé de mission (owner) or of one référent's candidates (referent_id),
 * read by whoever holds the random secret in its path, with no header, as
 * calendar clients poll.  The secret is shown once, on creation; the store
 * keeps only its BLAKE2b hash (in the record, and as the DB_INDEX key that
 * finds it), so a stolen data directory opens no calendar.  Revoking
 * deletes the link.  Who may create, list and revoke which link is decided
 * here; writing the feed is the daemon's (daemon/ics.c).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "domain.h"

#define FEED_SECRET_BYTES	32	/* 64 hex digits in the path */
#define FEED_HASH_BYTES		32
#define FEED_MAX		10000	/* links in all */

/* The body of POST /v1/calendars. */
struct feed_body {
	char		*owner;
	int64_t		 referent_id;
};
static const struct field feed_body_fields[] = {
	{
		.name = "owner",
		.type = FT_STR,
		.off = offsetof(struct feed_body, owner),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 64
	},
	{
		.name = "referent_id",
		.type = FT_INT,
		.off = offsetof(struct feed_body, referent_id),
		.flags = F_NULLABLE,
		.min = 1,
		.max = INT64_MAX
	},
	{ .name = NULL }
};
static const struct schema feed_body_schema = {
	.name = "calendar",
	.size = sizeof(struct feed_body),
	.fields = feed_body_fields,
	.version = 1
};

/* The hex BLAKE2b hash of a secret. */
static void
feed_hash(const char *secret, char hex[FEED_HASH_BYTES * 2 + 1])
{
	uint8_t	h[FEED_HASH_BYTES];

	crypto_generichash(h, sizeof(h), (const uint8_t *)secret,
	    strlen(secret), NULL, 0);
	sodium_bin2hex(hex, FEED_HASH_BYTES * 2 + 1, h, sizeof(h));
}

/* The link as its reader sees it: never the hash. */
static json_t *
feed_json(const struct calendar_link *l)
{
	json_t	*j = rec_to_json(&calendar_link_schema, l, VIEW_FULL);

	json_object_del(j, "hash");
	if (l->owner == NULL)
		json_object_del(j, "owner");
	if (l->referent_id == 0)
		json_object_del(j, "referent_id");
	return (j);
}

/* May the token see (and revoke) link l: an admin every one, a chargé de
 * mission those of their calendar and those they made, a référent theirs. */
static int
feed_mine(const struct token *tok, const struct calendar_link *l)
{
	switch (tok->role) {
	case ROLE_ADMIN:
		return (1);
	case ROLE_IOD:
		return (tok->subject != NULL && ((l->owner != NULL &&
		    strcmp(l->owner, tok->subject) == 0) ||
		    (l->created_by != NULL &&
		    strcmp(l->created_by, tok->subject) == 0)));
	case ROLE_REFERENT:
		return (l->referent_id != 0 &&
		    l->referent_id == tok->referent_id);
	default:
		return (0);
	}
}

/* Whose calendar the body names, and may the token make it: 0, or -1
 * with the error set. */
static int
feed_check(struct dctx *dc, const struct feed_body *b)
{
	if ((b->owner == NULL) == (b->referent_id == 0))
		return (derr_set(&dc->err, ERR_INVALID, b->owner == NULL ?
		    "owner" : "referent_id", "%s", b->owner == NULL ?
		    "owner: expected the chargé de mission (owner) or the "
		    "référent (referent_id) whose calendar it is" :
		    "referent_id: expected owner or referent_id, not both"));
	if (dc->tok->role == ROLE_REFERENT && (b->owner != NULL ||
	    (uint64_t)b->referent_id != dc->tok->referent_id))
		return (derr_set(&dc->err, ERR_FORBIDDEN, b->owner != NULL ?
		    "owner" : "referent_id", "%s: a référent makes a link "
		    "to their own calendar only (referent_id %llu)",
		    b->owner != NULL ? "owner" : "referent_id",
		    (unsigned long long)dc->tok->referent_id));
	if (dc->tok->role != ROLE_ADMIN && dc->tok->role != ROLE_IOD &&
	    dc->tok->role != ROLE_REFERENT)
		return (derr_set(&dc->err, ERR_FORBIDDEN, NULL,
		    "role %s may not make a calendar link",
		    role_names[dc->tok->role]));
	if (b->referent_id != 0 && !records_exists(dc->txn, DB_REFERENTS,
	    (uint64_t)b->referent_id))
		return (derr_set(&dc->err, ERR_INVALID, "referent_id",
		    "referent_id: no referent %lld",
		    (long long)b->referent_id));
	if (store_count(dc->txn, DB_CALENDARS) >= FEED_MAX)
		return (derr_set(&dc->err, ERR_CONFLICT, NULL,
		    "%d calendar links already: revoke some first", FEED_MAX));
	return (0);
}

int
feed_create(struct dctx *dc, json_t *body, json_t **out)
{
	struct calendar_link	 l;
	struct feed_body	 b;
	uint8_t			 raw[FEED_SECRET_BYTES], k[80], v[8];
	char			 secret[FEED_SECRET_BYTES * 2 + 1];
	char			 hex[FEED_HASH_BYTES * 2 + 1], url[96];
	json_t			*data;
	int			 rc = -1;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	memset(&l, 0, sizeof(l));
	if (body != NULL && !json_is_object(body)) {
		derr_set(&dc->err, ERR_INVALID, "body",
		    "body is not a JSON object");
		goto out;
	}
	if (derr_decode(&dc->err, &feed_body_schema, body, &b) != 0 ||
	    feed_check(dc, &b) != 0)
		goto out;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(secret, sizeof(secret), raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	feed_hash(secret, hex);
	l.id = store_next_id(dc->txn, DB_CALENDARS);
	l.owner = b.owner;
	b.owner = NULL;
	l.referent_id = (uint64_t)b.referent_id;
	if ((l.hash = strdup(hex)) == NULL ||
	    (l.created_by = strdup(dc->actor)) == NULL) {
		derr_store(&dc->err, IOD_ENOMEM);
		goto out;
	}
	l.created_at = (int64_t)time(NULL);
	store_put_rec(dc->txn, DB_CALENDARS, l.id, &calendar_link_schema, &l);
	store_put(dc->txn, DB_INDEX, k, key_idx_str(k, sizeof(k),
	    IDX_CALENDAR_HASH, hex), v, key_u64(v, l.id));
	data = json_pack("{s:I, s:s?, s:I}", "calendar_id", (json_int_t)l.id,
	    "owner", l.owner, "referent_id", (json_int_t)l.referent_id);
	event_append(dc->txn, "calendar.created", "calendar", l.id, dc->actor,
	    data);
	json_decref(data);
	if (dc->txn->rc != 0) {
		derr_store(&dc->err, dc->txn->rc);
		goto out;
	}
	*out = feed_json(&l);
	snprintf(url, sizeof(url), "/cal/%s.ics", secret);
	json_object_set_new(*out, "url", json_string(url));
	rc = 0;
out:
	sodium_memzero(secret, sizeof(secret));
	rec_clear(&feed_body_schema, &b);
	rec_clear(&calendar_link_schema, &l);
	return (rc);
}

struct feed_list_arg {
	const struct token	*tok;
	json_t			*items;
};

static int
feed_list_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct feed_list_arg	*fa = arg;
	struct calendar_link	 l;

	(void)k; (void)kl;
	memset(&l, 0, sizeof(l));
	if (rec_decode(&calendar_link_schema, &l, v, vl) == 0 &&
	    feed_mine(fa->tok, &l))
		json_array_append_new(fa->items, feed_json(&l));
	rec_clear(&calendar_link_schema, &l);
	return (0);
}

int
feed_list(struct dctx *dc, json_t **out)
{
	struct feed_list_arg	fa;

	fa.tok = dc->tok;
	fa.items = json_array();
	store_scan(dc->txn, DB_CALENDARS, NULL, 0, 0, feed_list_cb, &fa);
	if (dc->txn->rc != 0) {
		json_decref(fa.items);
		*out = NULL;
		return (derr_store(&dc->err, dc->txn->rc));
	}
	*out = json_pack("{s:I, s:o, s:n}", "total",
	    (json_int_t)json_array_size(fa.items), "items", fa.items,
	    "next_cursor");
	return (0);
}

int
feed_revoke(struct dctx *dc, uint64_t id)
{
	struct calendar_link	 l;
	uint8_t			 k[80];
	json_t			*data;
	int			 rc;

	memset(&l, 0, sizeof(l));
	if ((rc = store_get_rec(dc->txn, DB_CALENDARS, id,
	    &calendar_link_schema, &l)) != 0 || !feed_mine(dc->tok, &l)) {
		rec_clear(&calendar_link_schema, &l);
		if (rc != 0 && rc != IOD_ENOTFOUND)
			return (derr_store(&dc->err, rc));
		return (derr_set(&dc->err, ERR_NOT_FOUND, NULL,
		    "no calendar link %llu", (unsigned long long)id));
	}
	if (l.hash != NULL)
		store_del(dc->txn, DB_INDEX, k, key_idx_str(k, sizeof(k),
		    IDX_CALENDAR_HASH, l.hash));
	store_del_id(dc->txn, DB_CALENDARS, id);
	data = json_pack("{s:I, s:s?, s:I}", "calendar_id", (json_int_t)l.id,
	    "owner", l.owner, "referent_id", (json_int_t)l.referent_id);
	event_append(dc->txn, "calendar.revoked", "calendar", l.id, dc->actor,
	    data);
	json_decref(data);
	rec_clear(&calendar_link_schema, &l);
	if (dc->txn->rc != 0)
		return (derr_store(&dc->err, dc->txn->rc));
	return (0);
}

int
feed_lookup(struct txn *t, const char *secret, struct calendar_link *l)
{
	char		 hex[FEED_HASH_BYTES * 2 + 1];
	uint8_t		 k[80];
	const void	*v;
	size_t		 vl, n = strlen(secret);
	int		 rc;

	memset(l, 0, sizeof(*l));
	if (n != FEED_SECRET_BYTES * 2 || strspn(secret, "0123456789abcdef")
	    != n)
		return (IOD_ENOTFOUND);
	/* Found by the hash, never by the secret: how long the look-up
	 * takes says nothing of how much of a guess was right. */
	feed_hash(secret, hex);
	if ((rc = store_get(t, DB_INDEX, k, key_idx_str(k, sizeof(k),
	    IDX_CALENDAR_HASH, hex), &v, &vl)) != 0)
		return (rc);
	if (vl != 8)
		return (IOD_ECORRUPT);
	if ((rc = store_get_rec(t, DB_CALENDARS, key_get_u64(v),
	    &calendar_link_schema, l)) != 0 || l->hash == NULL ||
	    strlen(l->hash) != sizeof(hex) - 1 ||
	    sodium_memcmp(l->hash, hex, sizeof(hex) - 1) != 0) {
		rec_clear(&calendar_link_schema, l);
		return (rc != 0 ? rc : IOD_ENOTFOUND);
	}
	return (0);
}

void
feed_scope(const struct calendar_link *l, struct token *scope)
{
	memset(scope, 0, sizeof(*scope));
	scope->id = l->id;
	if (l->owner != NULL) {
		scope->role = ROLE_IOD;
		scope->subject = l->owner;
	} else {
		scope->role = ROLE_REFERENT;
		scope->referent_id = l->referent_id;
	}
}
