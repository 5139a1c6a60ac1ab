/*
 * interest.c — positionnement: the method presents the open offers to
 * groups of candidates at information sessions, and a candidate who says
 * an offer interests them has that interest recorded, with the day and
 * the session's label.  The rule set's expressed_interest weight then adds
 * to their score for that offer only (match.c reads the interests from
 * the index, index-policy.c, which this file keeps in step with the
 * store).  An interest is one DB_INDEX entry keyed by (offer, candidate),
 * its value a small JSON object; each change is an event of the log, so
 * that a past proposal can be replayed with the interests of its day.
 * The activity report counts the interests and the sessions of a period
 * (interest_count).  Who may record an interest is the route table's; a
 * référent only for their own candidates, through records_load's scope.
 */
#include <string.h>
#include <time.h>

#include "domain.h"

#define INTEREST_SESSION_MAX	120	/* bytes of a session's label */

/* The entry's key: tag, offer id, candidate id. */
static size_t
interest_key(uint8_t k[17], uint64_t offer_id, uint64_t candidate_id)
{
	return (key_idx(k, IDX_INTEREST, offer_id, candidate_id));
}

static int
load_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	(void)v; (void)vl; (void)arg;
	if (kl != 17)
		return (IOD_ECORRUPT);
	return (index_interest_set(key_get_u64((const uint8_t *)k + 1),
	    key_get_u64((const uint8_t *)k + 9), 1));
}

int
interest_load(struct txn *t)
{
	uint8_t	tag = IDX_INTEREST;

	index_interest_reset();
	return (store_scan(t, DB_INDEX, &tag, 1, 1, load_cb, NULL));
}

/* The entry's value (borrowed) as the API shows it (caller's json). */
static json_t *
interest_json(uint64_t offer_id, uint64_t candidate_id, const void *v,
    size_t vl)
{
	json_t	*j;

	if ((j = json_loadb(v, vl, 0, NULL)) == NULL || !json_is_object(j)) {
		json_decref(j);
		j = json_object();
	}
	json_object_set_new(j, "offer_id", json_integer((json_int_t)offer_id));
	json_object_set_new(j, "candidate_id",
	    json_integer((json_int_t)candidate_id));
	return (j);
}

/* Check body's members into *candidate_id, *on and *session (borrowed,
 * NULL if none): 0, or -1 with the error set. */
static int
interest_body(struct dctx *dc, json_t *body, uint64_t *candidate_id,
    iod_date *on, const char **session)
{
	const char	*k, *s;
	json_t		*v;
	char		 today[11];

	json_object_foreach(body, k, v)
		if (strcmp(k, "candidate_id") != 0 && strcmp(k, "on") != 0 &&
		    strcmp(k, "session") != 0)
			return (derr_set(&dc->err, ERR_INVALID, k, "%.60s: "
			    "unknown member (expected candidate_id, on, "
			    "session)", k));
	v = json_object_get(body, "candidate_id");
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return (derr_set(&dc->err, ERR_INVALID, "candidate_id",
		    "candidate_id: expected the id of a candidate, a positive "
		    "integer"));
	*candidate_id = (uint64_t)json_integer_value(v);
	v = json_object_get(body, "on");
	if (!json_is_string(v) || date_parse(json_string_value(v), on) != 0)
		return (derr_set(&dc->err, ERR_INVALID, "on", "on: expected "
		    "the day of the session, YYYY-MM-DD"));
	if (*on > date_today()) {
		date_format(date_today(), today);
		return (derr_set(&dc->err, ERR_INVALID, "on", "on: %s is "
		    "after today, %s (expected a session held)",
		    json_string_value(v), today));
	}
	*session = NULL;
	v = json_object_get(body, "session");
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_string(v) || (s = json_string_value(v))[0] == '\0' ||
	    json_string_length(v) > INTEREST_SESSION_MAX ||
	    strlen(s) != json_string_length(v) ||
	    !utf8_valid(s, json_string_length(v)))
		return (derr_set(&dc->err, ERR_INVALID, "session", "session: "
		    "expected the label of the information session, text of "
		    "1 to %d bytes", INTEREST_SESSION_MAX));
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20)
			return (derr_set(&dc->err, ERR_INVALID, "session",
			    "session: control characters are not allowed"));
	*session = json_string_value(v);
	return (0);
}

/* The offer exists (a référent may not read offers, but may name one). */
static int
interest_offer(struct dctx *dc, uint64_t offer_id)
{
	if (records_exists(dc->txn, DB_OFFERS, offer_id))
		return (0);
	return (derr_set(&dc->err, ERR_NOT_FOUND, "id", "no offer %llu",
	    (unsigned long long)offer_id));
}

/* Candidate id in dc's scope and not erased: 0 or -1. */
static int
interest_candidate(struct dctx *dc, uint64_t id)
{
	struct candidate	c;

	memset(&c, 0, sizeof(c));
	if (records_load(dc, DB_CANDIDATES, &candidate_schema, "candidate", id,
	    &c) != 0) {
		if (strcmp(dc->err.field, "id") == 0)
			snprintf(dc->err.field, sizeof(dc->err.field),
			    "candidate_id");
		return (-1);
	}
	rec_clear(&candidate_schema, &c);
	return (0);
}

int
interest_add(struct dctx *dc, uint64_t offer_id, json_t *body, json_t **out)
{
	const void	*old;
	const char	*session;
	uint64_t	 cid = 0;
	iod_date	 on = 0;
	uint8_t		 k[17];
	size_t		 oldlen;
	json_t		*v, *data;
	char		*text, day[11];
	int		 existed;

	*out = NULL;
	if (!json_is_object(body))
		return (derr_set(&dc->err, ERR_BAD_BODY, NULL, "expected an "
		    "object {candidate_id, on, session?}"));
	if (interest_offer(dc, offer_id) != 0 ||
	    interest_body(dc, body, &cid, &on, &session) != 0 ||
	    interest_candidate(dc, cid) != 0)
		return (-1);
	date_format(on, day);
	v = json_pack("{s:s, s:s?, s:I, s:s}", "on", day, "session", session,
	    "created_at", (json_int_t)time(NULL), "by", dc->actor);
	if ((text = json_dumps(v, JSON_COMPACT)) == NULL) {
		json_decref(v);
		return (derr_set(&dc->err, ERR_NO_MEMORY, NULL,
		    "out of memory"));
	}
	interest_key(k, offer_id, cid);
	existed = store_get(dc->txn, DB_INDEX, k, sizeof(k), &old,
	    &oldlen) == 0;
	store_put(dc->txn, DB_INDEX, k, sizeof(k), text, strlen(text));
	data = json_pack("{s:I, s:I, s:s, s:s?}", "offer_id",
	    (json_int_t)offer_id, "candidate_id", (json_int_t)cid, "on", day,
	    "session", session);
	event_append(dc->txn, "interest.created", "offer", offer_id,
	    dc->actor, data);
	json_decref(data);
	*out = interest_json(offer_id, cid, text, strlen(text));
	free(text);
	json_decref(v);
	if (dc->txn->rc != 0) {
		json_decref(*out);
		*out = NULL;
		return (derr_store(&dc->err, dc->txn->rc));
	}
	/* Memory after the store; a failed commit rebuilds it (server.c). */
	if (index_interest_set(offer_id, cid, 1) != 0) {
		json_decref(*out);
		*out = NULL;
		return (derr_set(&dc->err, ERR_NO_MEMORY, NULL,
		    "out of memory"));
	}
	return (existed ? 0 : 1);
}

struct list_arg {
	struct dctx	*dc;
	json_t		*items;
};

static int
list_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct list_arg		*la = arg;
	struct candidate	 c;
	uint64_t		 cid;

	if (kl != 17)
		return (IOD_ECORRUPT);
	cid = key_get_u64((const uint8_t *)k + 9);
	/* A référent sees the interests of their own candidates. */
	if (la->dc->tok != NULL && la->dc->tok->role == ROLE_REFERENT) {
		memset(&c, 0, sizeof(c));
		if (store_get_rec(la->dc->txn, DB_CANDIDATES, cid,
		    &candidate_schema, &c) != 0 ||
		    !access_record(la->dc->tok, DB_CANDIDATES, &c)) {
			rec_clear(&candidate_schema, &c);
			return (0);
		}
		rec_clear(&candidate_schema, &c);
	}
	json_array_append_new(la->items, interest_json(key_get_u64(
	    (const uint8_t *)k + 1), cid, v, vl));
	return (0);
}

int
interest_list(struct dctx *dc, uint64_t offer_id, json_t **out)
{
	struct list_arg	 la;
	uint8_t		 k[17];
	int		 rc;

	*out = NULL;
	if (interest_offer(dc, offer_id) != 0)
		return (-1);
	la.dc = dc;
	la.items = json_array();
	interest_key(k, offer_id, 0);
	if ((rc = store_scan(dc->txn, DB_INDEX, k, 9, 9, list_cb,
	    &la)) != 0) {
		json_decref(la.items);
		return (derr_store(&dc->err, rc));
	}
	*out = json_pack("{s:o}", "items", la.items);
	return (0);
}

int
interest_delete(struct dctx *dc, uint64_t offer_id, uint64_t candidate_id)
{
	const void	*v;
	uint8_t		 k[17];
	size_t		 vl;
	json_t		*data;

	if (interest_offer(dc, offer_id) != 0 ||
	    interest_candidate(dc, candidate_id) != 0)
		return (-1);
	interest_key(k, offer_id, candidate_id);
	if (store_get(dc->txn, DB_INDEX, k, sizeof(k), &v, &vl) != 0)
		return (derr_set(&dc->err, ERR_NOT_FOUND, "candidate_id",
		    "candidate %llu expressed no interest in offer %llu",
		    (unsigned long long)candidate_id,
		    (unsigned long long)offer_id));
	store_del(dc->txn, DB_INDEX, k, sizeof(k));
	data = json_pack("{s:I, s:I}", "offer_id", (json_int_t)offer_id,
	    "candidate_id", (json_int_t)candidate_id);
	event_append(dc->txn, "interest.deleted", "offer", offer_id,
	    dc->actor, data);
	json_decref(data);
	if (dc->txn->rc != 0)
		return (derr_store(&dc->err, dc->txn->rc));
	index_interest_set(offer_id, candidate_id, 0);
	return (0);
}

/* The sessions of a period: each distinct (day, label) once. */
struct count_arg {
	int		(*keep)(uint64_t, void *);
	void		*arg;
	iod_date	 from, to;
	uint64_t	 interests;
	char		**seen;
	size_t		 nseen, cap;
};

static int
count_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct count_arg	*ca = arg;
	json_t			*j;
	const char		*on, *session;
	char			*key, **p;
	iod_date		 day;
	size_t			 i;
	int			 rc = 0;

	if (kl != 17 || (ca->keep != NULL &&
	    !ca->keep(key_get_u64((const uint8_t *)k + 9), ca->arg)))
		return (0);
	if ((j = json_loadb(v, vl, 0, NULL)) == NULL)
		return (0);
	on = json_string_value(json_object_get(j, "on"));
	session = json_string_value(json_object_get(j, "session"));
	if (on == NULL || date_parse(on, &day) != 0 || day < ca->from ||
	    day > ca->to)
		goto out;
	ca->interests++;
	if (asprintf(&key, "%s %s", on, session != NULL ? session : "") < 0) {
		rc = IOD_ENOMEM;
		goto out;
	}
	for (i = 0; i < ca->nseen; i++)
		if (strcmp(ca->seen[i], key) == 0)
			break;
	if (i < ca->nseen) {
		free(key);
		goto out;
	}
	if (ca->nseen == ca->cap) {
		ca->cap = ca->cap ? ca->cap * 2 : 16;
		if ((p = reallocarray(ca->seen, ca->cap, sizeof(*p))) == NULL) {
			free(key);
			rc = IOD_ENOMEM;
			goto out;
		}
		ca->seen = p;
	}
	ca->seen[ca->nseen++] = key;
out:
	json_decref(j);
	return (rc);
}

int
interest_count(struct txn *t, iod_date from, iod_date to,
    int (*keep)(uint64_t, void *), void *arg, uint64_t *interests,
    uint64_t *sessions)
{
	struct count_arg	 ca;
	uint8_t			 tag = IDX_INTEREST;
	size_t			 i;
	int			 rc;

	memset(&ca, 0, sizeof(ca));
	ca.keep = keep;
	ca.arg = arg;
	ca.from = from;
	ca.to = to;
	rc = store_scan(t, DB_INDEX, &tag, 1, 1, count_cb, &ca);
	*interests = ca.interests;
	*sessions = ca.nseen;
	for (i = 0; i < ca.nseen; i++)
		free(ca.seen[i]);
	free(ca.seen);
	return (rc);
}

/* The offers candidate_id expressed interest in, gathered for erasure. */
struct erase_arg {
	uint64_t	 candidate_id;
	uint64_t	*offers;
	size_t		 n, cap;
};

static int
erase_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct erase_arg	*ea = arg;
	uint64_t		*p;

	(void)v; (void)vl;
	if (kl != 17 || key_get_u64((const uint8_t *)k + 9) !=
	    ea->candidate_id)
		return (0);
	if (ea->n == ea->cap) {
		ea->cap = ea->cap ? ea->cap * 2 : 8;
		if ((p = reallocarray(ea->offers, ea->cap, sizeof(*p))) == NULL)
			return (IOD_ENOMEM);
		ea->offers = p;
	}
	ea->offers[ea->n++] = key_get_u64((const uint8_t *)k + 1);
	return (0);
}

int
interest_erase(struct txn *t, uint64_t candidate_id)
{
	struct erase_arg	 ea;
	uint8_t			 tag = IDX_INTEREST, k[17];
	size_t			 i;
	int			 rc;

	memset(&ea, 0, sizeof(ea));
	ea.candidate_id = candidate_id;
	if ((rc = store_scan(t, DB_INDEX, &tag, 1, 1, erase_cb, &ea)) == 0)
		for (i = 0; i < ea.n; i++)
			store_del(t, DB_INDEX, k, interest_key(k, ea.offers[i],
			    candidate_id));
	/* Memory after the store; a failed commit rebuilds it. */
	if (rc == 0 && t->rc == 0)
		for (i = 0; i < ea.n; i++)
			index_interest_set(ea.offers[i], candidate_id, 0);
	free(ea.offers);
	return (rc != 0 ? rc : t->rc);
}
