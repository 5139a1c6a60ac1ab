/*
 * etag.c — the ETags of the records the API serves, and the preconditions
 * on them: If-Match on a write (PUT, PATCH, DELETE), so that two people
 * editing one record cannot overwrite each other unknowingly, and
 * If-None-Match on a read.  A record's ETag is "STORED-REPLY": 16 bytes of
 * BLAKE2b of its stored msgpack value, in hex, which moves with every
 * write, whatever wrote it; then 8 bytes of the reply's, which also moves
 * with what iod derives beside the stored fields (labels, a stall, a
 * caseload).  If-Match compares the stored part; If-None-Match the whole.
 * A reply that is not the record as stored (a company's no-CV view, a
 * proposal with its candidate) carries the hash of the reply alone: a
 * company must not learn from an ETag that something it cannot see has
 * changed.  Which record a request is about, and the writes, are the
 * api-*.c files'.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <sodium.h>

#include "daemon.h"

#define ETAG_BYTES	16		/* the stored record's part */
#define REPLY_BYTES	8		/* the reply's part */
#define STORED_LEN	(1 + 2 * ETAG_BYTES)	/* '"' and the hex */

/* The ETag of len bytes: a quoted hex hash. */
static void
tag_of(const void *buf, size_t len, char out[ETAG_SIZE])
{
	unsigned char	h[ETAG_BYTES];

	crypto_generichash(h, sizeof(h), buf, len, NULL, 0);
	out[0] = '"';
	sodium_bin2hex(out + 1, 2 * ETAG_BYTES + 1, h, sizeof(h));
	out[STORED_LEN] = '"';
	out[STORED_LEN + 1] = '\0';
}

/* The reply's part after a stored record's tag: "STORED-REPLY". */
static void
tag_reply(char tag[ETAG_SIZE], const json_t *reply)
{
	unsigned char	 h[REPLY_BYTES];
	char		*s;

	if (reply == NULL || (s = json_dumps(reply, JSON_COMPACT |
	    JSON_SORT_KEYS | JSON_ENCODE_ANY)) == NULL)
		return;		/* the stored part alone */
	crypto_generichash(h, sizeof(h), (const unsigned char *)s, strlen(s),
	    NULL, 0);
	free(s);
	tag[STORED_LEN] = '-';
	sodium_bin2hex(tag + STORED_LEN + 1, 2 * REPLY_BYTES + 1, h,
	    sizeof(h));
	tag[STORED_LEN + 1 + 2 * REPLY_BYTES] = '"';
	tag[STORED_LEN + 2 + 2 * REPLY_BYTES] = '\0';
}

int
etag_record(struct txn *txn, enum store_db db, uint64_t id,
    char out[ETAG_SIZE])
{
	const void	*v;
	size_t		 vl;
	int		 rc;

	out[0] = '\0';
	if ((rc = store_get_id(txn, db, id, &v, &vl)) != 0)
		return (rc);
	tag_of(v, vl, out);
	return (0);
}

void
etag_set(struct reqctx *ctx, const struct resource *res, uint64_t id,
    json_t *reply)
{
	char	*s;

	ctx->etag[0] = '\0';
	/* A proposal's reply carries its candidate's name and availability
	 * too; a company's view hides parts of the record. */
	if (access_view(&ctx->tok) == VIEW_FULL && res->db != DB_PROPOSALS) {
		if (etag_record(ctx->txn, res->db, id, ctx->etag) == 0)
			tag_reply(ctx->etag, reply);
		return;
	}
	if (reply == NULL || (s = json_dumps(reply, JSON_COMPACT |
	    JSON_SORT_KEYS | JSON_ENCODE_ANY)) == NULL)
		return;		/* no ETag rather than a wrong one */
	tag_of(s, strlen(s), ctx->etag);
	free(s);
}

/*
 * 1 if the value of an If-Match or If-None-Match header names tag: "*", or
 * a list of entity tags one of which is tag (a weak one, W/"...", only if
 * weak: If-None-Match compares weakly, If-Match strongly).  With stored,
 * tag is a stored record's part ("STORED") and a listed "STORED-REPLY"
 * names it too.  A malformed list names nothing.
 */
static int
names_tag(const char *h, const char *tag, int weak, int stored)
{
	const char	*end;
	size_t		 n = strlen(tag), len;
	int		 w;

	h += strspn(h, " \t");
	if (*h == '*')
		return (h[1 + strspn(h + 1, " \t")] == '\0');
	for (;;) {
		h += strspn(h, " \t,");
		if (*h == '\0')
			return (0);
		w = strncmp(h, "W/", 2) == 0;
		if (w)
			h += 2;
		if (*h != '"' || (end = strchr(h + 1, '"')) == NULL)
			return (0);
		len = (size_t)(end + 1 - h);
		if (stored && len == n + 1 + 2 * REPLY_BYTES &&
		    h[n - 1] == '-')
			len = n;	/* "STORED- against "STORED" */
		if ((weak || !w) && len == n && strncmp(h, tag, n - 1) == 0 &&
		    (h[n - 1] == '"' || (stored && h[n - 1] == '-')))
			return (1);
		h = end + 1;
		h += strspn(h, " \t");
		if (*h != ',' && *h != '\0')
			return (0);
	}
}

static const char *
header(struct reqctx *ctx, const char *name)
{
	if (ctx->req == NULL)
		return (NULL);
	return (evhttp_find_header(evhttp_request_get_input_headers(ctx->req),
	    name));
}

int
etag_if_match(struct reqctx *ctx, const struct resource *res)
{
	const char	*h;
	char		 tag[ETAG_SIZE];
	int		 rc;

	if ((h = header(ctx, "If-Match")) == NULL)
		return (0);
	if ((rc = etag_record(ctx->txn, res->db, ctx->id, tag)) != 0)
		return (http_store_error(ctx, rc));
	if (names_tag(h, tag, 0, 1))
		return (0);
	return (http_error(ctx, ERR_PRECONDITION_FAILED, "If-Match",
	    "If-Match: %s %llu changed since %.*s was read (its ETag is now "
	    "%s): read it again, then make the change", res->entity,
	    (unsigned long long)ctx->id, (int)utf8_cut(h, 80), h, tag));
}

int
etag_none_match(struct reqctx *ctx)
{
	const char	*h;

	if (ctx->etag[0] == '\0' || (h = header(ctx, "If-None-Match")) == NULL)
		return (0);
	return (names_tag(h, ctx->etag, 1, 0));
}
