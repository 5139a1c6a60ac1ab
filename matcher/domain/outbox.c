/*
 * outbox.c — the mail queue in the store, in DB_META: the outbox's rows
 * ('M' + id: {id, to, subject, body, items, more, digest, created_at,
 * attempts, next_try, last_error, failed}) and each recipient's day's
 * digest ('G' + key: {to, due_on, items, more}).  Every item is one event
 * told in one line, {line, link, candidate_id}: a row says whom it is
 * about, so that the erasure of a person (records_erase) takes every line
 * that names them out of the queue, in its own transaction; a mail left
 * with no line leaves the outbox.  A digest keeps OUTBOX_DIGEST_MAX lines
 * at most and counts the others (« et N autres événements »).  When and
 * how the rows are sent is the daemon's (mail.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain.h"
#include "outbox.h"

size_t
outbox_key(uint8_t k[9], int tag, uint64_t id)
{
	k[0] = (uint8_t)tag;
	return (1 + key_u64(k + 1, id));
}

json_t *
outbox_get(struct txn *t, int tag, uint64_t id)
{
	const void	*v;
	uint8_t		 k[9];
	size_t		 len;

	if (store_get(t, DB_META, k, outbox_key(k, tag, id), &v, &len) != 0)
		return (NULL);
	return (json_loadb(v, len, 0, NULL));
}

void
outbox_put(struct txn *t, int tag, uint64_t id, json_t *row)
{
	uint8_t	 k[9];
	char	*s;

	if ((s = json_dumps(row, JSON_COMPACT)) == NULL) {
		t->rc = t->rc != 0 ? t->rc : IOD_ENOMEM;
		return;
	}
	store_put(t, DB_META, k, outbox_key(k, tag, id), s, strlen(s));
	free(s);
}

static void
outbox_del(struct txn *t, int tag, uint64_t id)
{
	uint8_t	 k[9];

	store_del(t, DB_META, k, outbox_key(k, tag, id));
}

static uint64_t
next_id(struct txn *t)
{
	const void	*v;
	size_t		 len;
	uint64_t	 id = 0;
	uint8_t		 b[8];

	if (store_get(t, DB_META, "mailnext", 8, &v, &len) == 0 && len == 8)
		id = key_get_u64(v);
	id++;
	store_put(t, DB_META, "mailnext", 8, b, key_u64(b, id));
	return (id);
}

/* A mail's subject and body from its items and the lines left out. */
static int
compose(json_t *row, const char *subject)
{
	json_t		*items = json_object_get(row, "items");
	json_int_t	 more = json_integer_value(json_object_get(row, "more"));
	size_t		 n = json_array_size(items) + (size_t)more;
	char		*body, digest[128];

	if (subject == NULL) {
		snprintf(digest, sizeof(digest), "iod — Résumé du jour : %zu "
		    "événement%s", n, n > 1 ? "s" : "");
		subject = digest;
	}
	if ((body = notice_body(items, more)) == NULL)
		return (IOD_ENOMEM);
	if (json_object_set_new(row, "subject", json_string(subject)) != 0 ||
	    json_object_set_new(row, "body", json_string(body)) != 0) {
		free(body);
		return (IOD_ENOMEM);
	}
	free(body);
	return (0);
}

uint64_t
outbox_queue(struct txn *t, const char *to, const char *subject,
    json_t *items, json_int_t more)
{
	uint64_t	 id;
	json_t		*row;

	if (t->rc != 0)
		return (0);
	id = next_id(t);
	row = json_pack("{s:I, s:s, s:O, s:I, s:b, s:I, s:i, s:I, s:n, s:b}",
	    "id", (json_int_t)id, "to", to, "items", items, "more", more,
	    "digest", subject == NULL, "created_at", (json_int_t)time(NULL),
	    "attempts", 0, "next_try", (json_int_t)0, "last_error", "failed",
	    0);
	if (row == NULL || compose(row, subject) != 0) {
		json_decref(row);
		t->rc = IOD_ENOMEM;
		return (0);
	}
	outbox_put(t, OUTBOX_MAIL, id, row);
	json_decref(row);
	return (t->rc == 0 ? id : 0);
}

int
outbox_digest_add(struct txn *t, const struct notice *n, iod_date due)
{
	json_t	*row, *items;
	int	 fresh = 0;

	if ((row = outbox_get(t, OUTBOX_DIGEST, n->key)) == NULL) {
		row = json_pack("{s:s, s:i, s:[], s:i}", "to", n->to, "due_on",
		    (int)due, "items", "more", 0);
		fresh = 1;
	}
	items = row != NULL ? json_object_get(row, "items") : NULL;
	if (items == NULL)
		goto nomem;
	if (json_array_size(items) >= OUTBOX_DIGEST_MAX) {
		if (json_object_set_new(row, "more", json_integer(
		    json_integer_value(json_object_get(row, "more")) + 1)) != 0)
			goto nomem;
	} else if (json_array_append_new(items, json_pack("{s:s, s:s, s:I}",
	    "line", n->line, "link", n->link, "candidate_id",
	    (json_int_t)n->candidate_id)) != 0)
		goto nomem;
	outbox_put(t, OUTBOX_DIGEST, n->key, row);
	json_decref(row);
	return (fresh);
nomem:
	t->rc = t->rc != 0 ? t->rc : IOD_ENOMEM;
	json_decref(row);
	return (0);
}

int
outbox_digest_send(struct txn *t, uint64_t key)
{
	json_t	*row;

	if ((row = outbox_get(t, OUTBOX_DIGEST, key)) == NULL)
		return (0);
	outbox_queue(t, json_string_value(json_object_get(row, "to")), NULL,
	    json_object_get(row, "items"), json_integer_value(
	    json_object_get(row, "more")));
	json_decref(row);
	outbox_del(t, OUTBOX_DIGEST, key);
	return (1);
}

/* ---- erasure ----------------------------------------------------------- */

struct about {
	uint64_t	 candidate_id;
	uint64_t	*ids;		/* the rows that name them */
	size_t		 n, cap;
	int		 rc;
};

/* Whether an item is about the candidate; one queued before items said
 * so is known by its link (…#/candidats/ID). */
static int
item_about(json_t *it, uint64_t candidate_id)
{
	json_t		*cid = json_object_get(it, "candidate_id");
	const char	*link;
	char		 tail[40];
	size_t		 n, len;

	if (cid != NULL)
		return ((uint64_t)json_integer_value(cid) == candidate_id);
	link = json_string_value(json_object_get(it, "link"));
	n = (size_t)snprintf(tail, sizeof(tail), "/candidats/%llu",
	    (unsigned long long)candidate_id);
	return (link != NULL && (len = strlen(link)) >= n &&
	    strcmp(link + len - n, tail) == 0);
}

/* Whether a row has a line about the candidate (a row without items:
 * by the link in its body). */
static int
row_about(json_t *row, uint64_t candidate_id)
{
	json_t		*it, *items = json_object_get(row, "items");
	const char	*body;
	char		 tail[40];
	size_t		 i;

	if (items == NULL) {
		body = json_string_value(json_object_get(row, "body"));
		snprintf(tail, sizeof(tail), "/candidats/%llu\r\n",
		    (unsigned long long)candidate_id);
		return (body != NULL && strstr(body, tail) != NULL);
	}
	json_array_foreach(items, i, it)
		if (item_about(it, candidate_id))
			return (1);
	return (0);
}

static int
about_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct about	*a = arg;
	json_t		*row;
	uint64_t	*ids;
	int		 hit;

	if (kl != 9 || (row = json_loadb(v, vl, 0, NULL)) == NULL)
		return (0);
	hit = row_about(row, a->candidate_id);
	json_decref(row);
	if (!hit)
		return (0);
	if (a->n == a->cap) {
		a->cap = a->cap > 0 ? 2 * a->cap : 16;
		if ((ids = reallocarray(a->ids, a->cap, sizeof(*ids))) ==
		    NULL) {
			a->rc = IOD_ENOMEM;
			return (-1);
		}
		a->ids = ids;
	}
	a->ids[a->n++] = key_get_u64((const uint8_t *)k + 1);
	return (0);
}

/* Take the candidate's lines out of the rows of tag; a row left with
 * nothing to tell goes. */
static int
erase_tag(struct txn *t, int tag, uint64_t candidate_id)
{
	struct about	 a;
	json_t		*row, *items;
	uint8_t		 k[1] = { (uint8_t)tag };
	size_t		 i, j;

	memset(&a, 0, sizeof(a));
	a.candidate_id = candidate_id;
	store_scan(t, DB_META, k, 1, 1, about_cb, &a);
	for (i = 0; i < a.n && a.rc == 0; i++) {
		if ((row = outbox_get(t, tag, a.ids[i])) == NULL)
			continue;
		items = json_object_get(row, "items");
		for (j = json_array_size(items); j-- > 0; )
			if (item_about(json_array_get(items, j), candidate_id))
				json_array_remove(items, j);
		/* A mail of one event, or of theirs only, goes; a digest
		 * of others' too is told again without them. */
		if (json_array_size(items) == 0 && json_integer_value(
		    json_object_get(row, "more")) == 0)
			outbox_del(t, tag, a.ids[i]);
		else if (tag == OUTBOX_MAIL && !json_is_true(
		    json_object_get(row, "digest")))
			outbox_del(t, tag, a.ids[i]);
		else if (tag == OUTBOX_MAIL && compose(row, NULL) != 0)
			a.rc = IOD_ENOMEM;
		else
			outbox_put(t, tag, a.ids[i], row);
		json_decref(row);
	}
	free(a.ids);
	if (a.rc != 0 && t->rc == 0)
		t->rc = a.rc;
	return (a.rc);
}

int
outbox_erase(struct txn *t, uint64_t candidate_id)
{
	if (erase_tag(t, OUTBOX_MAIL, candidate_id) == 0)
		(void)erase_tag(t, OUTBOX_DIGEST, candidate_id);
	return (t->rc);
}
