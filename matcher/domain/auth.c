/*
 * auth.c — bearer tokens.  A token is a random secret shown once; the store
 * keeps only its BLAKE2b hash as the key of DB_TOKENS, with the token's
 * role, scope, expiry and revocation beside it, so a stolen data directory
 * gives no usable token.  Which route a role may use is the routes table's
 * business (http.c).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "domain.h"

#define SECRET_BYTES	32
#define HASH_BYTES	32
#define SECRET_PREFIX	"iod_"

static void
hash(const char *secret, uint8_t out[HASH_BYTES])
{
	crypto_generichash(out, HASH_BYTES, (const uint8_t *)secret,
	    strlen(secret), NULL, 0);
}

int
auth_lookup(struct txn *t, const char *secret, struct token *tok)
{
	uint8_t		 h[HASH_BYTES];
	const void	*v;
	size_t		 len;
	int		 rc;

	memset(tok, 0, sizeof(*tok));
	if (strlen(secret) < 16 || strlen(secret) > 256)
		return (IOD_ENOTFOUND);
	hash(secret, h);
	if ((rc = store_get(t, DB_TOKENS, h, sizeof(h), &v, &len)) != 0)
		return (rc);
	/* The store's own bytes, checked at open: read in place. */
	if ((rc = rec_decode_fields(&token_schema, tok, v, len, ~0ULL,
	    NULL)) != 0) {
		rec_clear(&token_schema, tok);
		return (rc);
	}
	if (tok->revoked || (tok->expires_on != 0 &&
	    tok->expires_on < date_today()) || tok->role < 0 ||
	    tok->role >= ROLE__N) {
		rec_clear(&token_schema, tok);
		return (IOD_ENOTFOUND);
	}
	return (0);
}

int
auth_create(struct txn *t, struct token *tok, const char *secret,
    char **out_secret)
{
	uint8_t	 raw[SECRET_BYTES], h[HASH_BYTES], k[17];
	char	 b64[sodium_base64_ENCODED_LEN(SECRET_BYTES,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	char	*s;
	char	*buf;
	size_t	 len;
	int	 rc;

	*out_secret = NULL;
	if (secret == NULL) {
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		if (asprintf(&s, SECRET_PREFIX "%s", b64) == -1)
			return (IOD_ENOMEM);
		sodium_memzero(raw, sizeof(raw));
	} else if ((s = strdup(secret)) == NULL)
		return (IOD_ENOMEM);
	hash(s, h);
	tok->id = store_next_id(t, DB_TOKENS);
	tok->created_at = (int64_t)time(NULL);
	tok->revoked = 0;
	if ((rc = rec_encode(&token_schema, tok, &buf, &len)) != 0) {
		free(s);
		return (rc);
	}
	store_put(t, DB_TOKENS, h, sizeof(h), buf, len);
	free(buf);
	store_put(t, DB_INDEX, k, key_idx(k, IDX_TOKEN_ID, tok->id, 0), h,
	    sizeof(h));
	if (t->rc != 0) {
		free(s);
		return (t->rc);
	}
	*out_secret = s;
	return (0);
}

int
auth_revoke(struct txn *t, uint64_t id)
{
	struct token	 tok;
	uint8_t		 k[17], h[HASH_BYTES];
	const void	*v;
	char		*buf;
	size_t		 len;
	int		 rc;

	if ((rc = store_get(t, DB_INDEX, k, key_idx(k, IDX_TOKEN_ID, id, 0),
	    &v, &len)) != 0 || len != HASH_BYTES)
		return (rc != 0 ? rc : IOD_ECORRUPT);
	memcpy(h, v, sizeof(h));
	if ((rc = store_get(t, DB_TOKENS, h, sizeof(h), &v, &len)) != 0)
		return (rc);
	memset(&tok, 0, sizeof(tok));
	if ((rc = rec_decode(&token_schema, &tok, v, len)) != 0)
		goto out;
	tok.revoked = 1;
	if ((rc = rec_encode(&token_schema, &tok, &buf, &len)) != 0)
		goto out;
	rc = store_put(t, DB_TOKENS, h, sizeof(h), buf, len);
	free(buf);
out:
	rec_clear(&token_schema, &tok);
	return (rc);
}

int
auth_count(struct txn *t)
{
	return ((int)store_count(t, DB_TOKENS));
}
