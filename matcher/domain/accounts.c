/*
 * accounts.c — people's accounts and their sessions.  An account has a
 * unique login (kept in lower case, indexed), a role and the record a
 * referent or company account stands for, and only the argon2id hash of
 * its password (libsodium's crypto_pwhash_str, interactive limits), made
 * and checked off the event loop by pwhash.c's threads: each operation
 * that needs a hash is a step that fills the job, on the loop, and one
 * that uses its answer, on the loop again.  Five failed sign-ins in a row
 * lock an account for fifteen minutes, and an unknown login as well
 * (signin.c), so that neither a failure nor a lock-out says whether the
 * login exists.  A session is a random secret for the console's cookie,
 * stored only as its BLAKE2b hash (DB_SESSIONS), with its account, its
 * expiry and the CSRF secret its writes carry; it also ends when unused
 * for a while (session-idle.c); signing out, a password reset or the
 * account's deletion revokes it.  It resolves to a struct token, so what
 * a session may do is what a token of the same role and scope may do.
 * The cookie and the CSRF check are the daemon's (http.c).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "domain.h"

#define HASH_BYTES	32
#define RANDOM_BYTES	32
#define LOGIN_MAX	64
#define LOGIN_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789._@-"

static int64_t	session_ttl_s = SESSION_TTL_S;

void
session_set_ttl(int64_t seconds)
{
	if (seconds > 0)
		session_ttl_s = seconds;
}

int64_t
session_ttl(void)
{
	return (session_ttl_s);
}

uint64_t
auth_budget_key(const struct token *tok)
{
	return (tok->account_id != 0 ? (1ULL << 63) | tok->account_id :
	    tok->id);
}

/* A random secret as 43 characters of base64url. */
static void
random_text(char out[SESSION_CSRF_LEN + 1])
{
	uint8_t	raw[RANDOM_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, SESSION_CSRF_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

static void
hash(const char *secret, uint8_t out[HASH_BYTES])
{
	crypto_generichash(out, HASH_BYTES, (const uint8_t *)secret,
	    strlen(secret), NULL, 0);
}

/* The login as it is kept: lower case; 0, or -1 if it is not one. */
static int
login_norm(const char *in, char out[LOGIN_MAX + 1])
{
	size_t	i, n = strlen(in);

	if (n == 0 || n > LOGIN_MAX)
		return (-1);
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[n] = '\0';
	return (strspn(out, LOGIN_CHARS) == n ? 0 : -1);
}

int
account_password_ok(struct derr *e, const char *field, const char *password)
{
	size_t	 chars = 0;
	const unsigned char *p;

	if (strlen(password) > ACCOUNT_PASSWORD_MAX)
		return (derr_set(e, ERR_INVALID, field, "%s: over %d bytes",
		    field, ACCOUNT_PASSWORD_MAX));
	for (p = (const unsigned char *)password; *p != '\0'; p++)
		if ((*p & 0xc0) != 0x80)
			chars++;
	if (chars < ACCOUNT_PASSWORD_MIN)
		return (derr_set(e, ERR_INVALID, field, "%s: %zu characters "
		    "is too short (expected at least %d)", field, chars,
		    ACCOUNT_PASSWORD_MIN));
	return (0);
}

/* hash (an argon2id hash) into a->password_hash; 0 or -1. */
static int
set_hash(struct dctx *dc, struct account *a, const char *hash)
{
	char	*s;

	if (hash == NULL || strncmp(hash, "$argon2id$", 10) != 0)
		return (derr_set(&dc->err, ERR_INVALID, "password_hash",
		    "password_hash: expected crypto_pwhash_str's argon2id "
		    "hash"));
	if ((s = strdup(hash)) == NULL)
		return (derr_set(&dc->err, ERR_NO_MEMORY, NULL,
		    "out of memory"));
	free(a->password_hash);
	a->password_hash = s;
	return (0);
}

static int
save(struct dctx *dc, struct account *a)
{
	int	rc;

	a->updated_at = (int64_t)time(NULL);
	if ((rc = store_put_rec(dc->txn, DB_ACCOUNTS, a->id, &account_schema,
	    a)) != 0)
		return (derr_store(&dc->err, rc));
	return (0);
}

/* The id of the account of login (normalized), or 0. */
static uint64_t
login_find(struct txn *t, const char *login)
{
	uint8_t		 k[LOGIN_MAX + 2];
	const void	*v;
	size_t		 len;

	if (store_get(t, DB_INDEX, k, key_idx_str(k, sizeof(k), IDX_LOGIN,
	    login), &v, &len) != 0 || len != 8)
		return (0);
	return (key_get_u64(v));
}

int
account_load(struct txn *t, uint64_t id, struct account *a)
{
	memset(a, 0, sizeof(*a));
	return (store_get_rec(t, DB_ACCOUNTS, id, &account_schema, a));
}

int
account_create(struct dctx *dc, struct account *a)
{
	char	 login[LOGIN_MAX + 1];
	uint8_t	 k[LOGIN_MAX + 2], v[8];
	char	*s;

	if (login_norm(a->login, login) != 0)
		return (derr_set(&dc->err, ERR_INVALID, "login", "login: "
		    "\"%.64s\" is not a login (expected 1 to %d letters, "
		    "digits or . _ @ -)", a->login, LOGIN_MAX));
	if (login_find(dc->txn, login) != 0)
		return (derr_set(&dc->err, ERR_DUPLICATE, "login", "login: "
		    "an account \"%s\" exists already", login));
	if (a->role == ROLE_REFERENT && (a->referent_id == 0 ||
	    !records_exists(dc->txn, DB_REFERENTS, a->referent_id)))
		return (derr_set(&dc->err, ERR_INVALID, "referent_id",
		    "referent_id: a referent account needs the id of an "
		    "existing referent"));
	if (a->role == ROLE_COMPANY && (a->company_id == 0 ||
	    !records_exists(dc->txn, DB_COMPANIES, a->company_id)))
		return (derr_set(&dc->err, ERR_INVALID, "company_id",
		    "company_id: a company account needs the id of an "
		    "existing company"));
	if (a->role != ROLE_REFERENT)
		a->referent_id = 0;
	if (a->role != ROLE_COMPANY)
		a->company_id = 0;
	if (a->password_hash == NULL ||
	    strncmp(a->password_hash, "$argon2id$", 10) != 0)
		return (derr_set(&dc->err, ERR_INVALID, "password_hash",
		    "password_hash: expected crypto_pwhash_str's argon2id "
		    "hash"));
	if ((s = strdup(login)) == NULL)
		return (derr_set(&dc->err, ERR_NO_MEMORY, NULL,
		    "out of memory"));
	free(a->login);
	a->login = s;
	a->id = store_next_id(dc->txn, DB_ACCOUNTS);
	a->failures = 0;
	a->locked_until = 0;
	a->created_at = (int64_t)time(NULL);
	if (save(dc, a) != 0)
		return (-1);
	store_put(dc->txn, DB_INDEX, k, key_idx_str(k, sizeof(k), IDX_LOGIN,
	    login), v, key_u64(v, a->id));
	if (dc->txn->rc != 0)
		return (derr_store(&dc->err, dc->txn->rc));
	event_append(dc->txn, "account.created", "account", a->id, dc->actor,
	    NULL);
	return (0);
}

int
account_delete(struct dctx *dc, uint64_t id)
{
	struct account	 a;
	uint8_t		 k[LOGIN_MAX + 2];
	int		 rc;

	if ((rc = account_load(dc->txn, id, &a)) != 0) {
		rec_clear(&account_schema, &a);
		if (rc == IOD_ENOTFOUND)
			return (derr_set(&dc->err, ERR_NOT_FOUND, "id",
			    "no account %llu", (unsigned long long)id));
		return (derr_store(&dc->err, rc));
	}
	if (dc->tok != NULL && dc->tok->account_id == id) {
		rec_clear(&account_schema, &a);
		return (derr_set(&dc->err, ERR_CONFLICT, "id",
		    "an account cannot delete itself"));
	}
	store_del(dc->txn, DB_INDEX, k, key_idx_str(k, sizeof(k), IDX_LOGIN,
	    a.login));
	rec_clear(&account_schema, &a);
	store_del_id(dc->txn, DB_ACCOUNTS, id);
	if ((rc = session_revoke(dc->txn, id, 0, 0)) != 0 ||
	    (rc = dc->txn->rc) != 0)
		return (derr_store(&dc->err, rc));
	event_append(dc->txn, "account.deleted", "account", id, dc->actor,
	    NULL);
	return (0);
}

int
account_reset_password(struct dctx *dc, uint64_t id, const char *hash)
{
	struct account	a;
	int		rc = -1;

	if ((rc = account_load(dc->txn, id, &a)) != 0) {
		rec_clear(&account_schema, &a);
		if (rc == IOD_ENOTFOUND)
			return (derr_set(&dc->err, ERR_NOT_FOUND, "id",
			    "no account %llu", (unsigned long long)id));
		return (derr_store(&dc->err, rc));
	}
	rc = -1;
	if (set_hash(dc, &a, hash) != 0)
		goto out;
	a.failures = 0;
	a.locked_until = 0;
	if (save(dc, &a) != 0)
		goto out;
	if ((rc = session_revoke(dc->txn, id, 0, 0)) != 0) {
		rc = derr_store(&dc->err, rc);
		goto out;
	}
	event_append(dc->txn, "account.password_reset", "account", id,
	    dc->actor, NULL);
	rc = 0;
out:
	rec_clear(&account_schema, &a);
	return (rc);
}

int
account_change_job(struct dctx *dc, const char *old_password,
    const char *password, struct pwjob *j)
{
	struct account	a;
	int		rc;

	memset(j, 0, sizeof(*j));
	if (dc->tok == NULL || dc->tok->account_id == 0)
		return (derr_set(&dc->err, ERR_INVALID, "Cookie", "only a "
		    "signed-in account has a password (this is a token)"));
	if (account_password_ok(&dc->err, "password", password) != 0)
		return (-1);
	if ((rc = account_load(dc->txn, dc->tok->account_id, &a)) != 0) {
		rec_clear(&account_schema, &a);
		return (derr_store(&dc->err, rc));
	}
	if (a.password_hash == NULL)
		rc = derr_set(&dc->err, ERR_INVALID, "old_password",
		    "old_password: it is not this account's password");
	else if (pwjob_set(j, PWJOB_CHANGE, old_password, password,
	    a.password_hash) != 0)
		rc = derr_set(&dc->err, ERR_NO_MEMORY, NULL, "out of memory");
	rec_clear(&account_schema, &a);
	return (rc);
}

int
account_change_password(struct dctx *dc, uint64_t keep,
    const struct pwjob *j)
{
	struct account	a;
	int		rc;

	if ((rc = account_load(dc->txn, dc->tok->account_id, &a)) != 0) {
		rec_clear(&account_schema, &a);
		return (derr_store(&dc->err, rc));
	}
	rc = -1;
	if (j->failed) {
		derr_set(&dc->err, ERR_NO_MEMORY, NULL, "out of memory "
		    "hashing the password");
		goto out;
	}
	if (a.password_hash == NULL || strcmp(a.password_hash, j->hash) != 0) {
		derr_set(&dc->err, ERR_CONFLICT, "old_password", "the "
		    "password was changed meanwhile: sign in again");
		goto out;
	}
	if (!j->match) {
		derr_set(&dc->err, ERR_INVALID, "old_password",
		    "old_password: it is not this account's password");
		goto out;
	}
	if (set_hash(dc, &a, j->new_hash) != 0 || save(dc, &a) != 0)
		goto out;
	if ((rc = session_revoke(dc->txn, a.id, 0, keep)) != 0) {
		rc = derr_store(&dc->err, rc);
		goto out;
	}
	event_append(dc->txn, "account.password_changed", "account", a.id,
	    dc->actor, NULL);
	rc = 0;
out:
	rec_clear(&account_schema, &a);
	return (rc);
}

json_t *
account_json(const struct account *a)
{
	json_t	*j;

	if ((j = rec_to_json(&account_schema, a, VIEW_FULL)) == NULL)
		return (NULL);
	json_object_del(j, "password_hash");
	json_object_del(j, "failures");
	json_object_set_new(j, "locked", json_boolean(a->locked_until >
	    (int64_t)time(NULL)));
	if (a->locked_until <= (int64_t)time(NULL))
		json_object_set_new(j, "locked_until", json_null());
	return (j);
}

static int
list_one(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct account	a;
	json_t		*j;
	int		rc;

	(void)k;
	(void)kl;
	memset(&a, 0, sizeof(a));
	if ((rc = rec_decode(&account_schema, &a, v, vl)) == 0 &&
	    (j = account_json(&a)) != NULL)
		json_array_append_new(arg, j);
	rec_clear(&account_schema, &a);
	return (rc);
}

int
account_list(struct txn *t, json_t *items)
{
	return (store_scan(t, DB_ACCOUNTS, NULL, 0, 0, list_one, items));
}

/* Which of an account's sessions to drop: with all, those of session_revoke
 * (only: one, or 0 for all, but keep); without, those expired by now (at
 * each sign-in, so that they do not pile up).  gone: their index keys. */
struct sweep {
	struct txn	*t;
	uint8_t		(*gone)[17];
	size_t		 n, cap;
	int64_t		 now;
	uint64_t	 only, keep;	/* session_revoke's */
	int		 all;
};

static int
session_visit(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct sweep	*x = arg;
	struct session	 s;
	const void	*sv;
	size_t		 sl;
	uint8_t		 (*g)[17];
	uint64_t	 sid;
	int		 drop;

	if (kl != 17 || vl != HASH_BYTES)
		return (0);
	sid = key_get_u64((const uint8_t *)k + 9);
	if (x->all)
		drop = (x->only == 0 || x->only == sid) && sid != x->keep;
	else {
		memset(&s, 0, sizeof(s));
		drop = store_get(x->t, DB_SESSIONS, v, vl, &sv, &sl) != 0 ||
		    rec_decode(&session_schema, &s, sv, sl) != 0 ||
		    s.expires_at <= x->now;
		rec_clear(&session_schema, &s);
	}
	if (!drop)
		return (0);
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 8;
		if ((g = reallocarray(x->gone, x->cap, sizeof(*g))) == NULL)
			return (IOD_ENOMEM);
		x->gone = g;
	}
	memcpy(x->gone[x->n], k, 17);
	x->n++;
	return (0);
}

/* Drop account_id's sessions that x's rule picks. */
static int
sessions_drop(struct txn *t, uint64_t account_id, struct sweep *x)
{
	uint8_t		 k[17], h[HASH_BYTES];
	const void	*v;
	size_t		 i, len;
	int		 rc;

	x->t = t;
	rc = store_scan(t, DB_INDEX, k, key_idx(k, IDX_ACCOUNT_SESSION,
	    account_id, 0), 9, session_visit, x);
	for (i = 0; rc == 0 && i < x->n; i++) {
		if (store_get(t, DB_INDEX, x->gone[i], 17, &v, &len) == 0 &&
		    len == HASH_BYTES) {
			memcpy(h, v, sizeof(h));
			store_del(t, DB_SESSIONS, h, sizeof(h));
		}
		store_del(t, DB_INDEX, x->gone[i], 17);
	}
	free(x->gone);
	return (rc != 0 ? rc : t->rc);
}

int
session_revoke(struct txn *t, uint64_t account_id, uint64_t session_id,
    uint64_t keep)
{
	struct sweep	x;

	memset(&x, 0, sizeof(x));
	x.all = 1;
	x.only = session_id;
	x.keep = keep;
	return (sessions_drop(t, account_id, &x));
}

/* A new session of a in dc's txn: its secret and csrf (OUT). */
static int
session_new(struct dctx *dc, const struct account *a, char **secret,
    char *csrf, int64_t *expires_at)
{
	struct session	 s;
	struct sweep	 x;
	char		 text[SESSION_CSRF_LEN + 1];
	uint8_t		 h[HASH_BYTES], k[17];
	char		*buf;
	size_t		 len;
	int		 rc;

	memset(&x, 0, sizeof(x));
	x.now = (int64_t)time(NULL);
	if ((rc = sessions_drop(dc->txn, a->id, &x)) != 0)
		return (derr_store(&dc->err, rc));
	memset(&s, 0, sizeof(s));
	random_text(text);
	random_text(csrf);
	s.id = store_next_id(dc->txn, DB_SESSIONS);
	s.account_id = a->id;
	s.csrf = csrf;
	s.created_at = x.now;
	s.seen_at = x.now;
	s.expires_at = x.now + session_ttl_s;
	hash(text, h);
	if ((rc = rec_encode(&session_schema, &s, &buf, &len)) != 0)
		return (derr_store(&dc->err, rc));
	store_put(dc->txn, DB_SESSIONS, h, sizeof(h), buf, len);
	free(buf);
	store_put(dc->txn, DB_INDEX, k, key_idx(k, IDX_ACCOUNT_SESSION,
	    a->id, s.id), h, sizeof(h));
	if (dc->txn->rc != 0)
		return (derr_store(&dc->err, dc->txn->rc));
	if ((*secret = strdup(text)) == NULL)
		return (derr_set(&dc->err, ERR_NO_MEMORY, NULL,
		    "out of memory"));
	sodium_memzero(text, sizeof(text));
	*expires_at = s.expires_at;
	return (0);
}

/* The id of the account of login as typed, or 0. */
static uint64_t
login_id(struct txn *t, const char *login)
{
	char	norm[LOGIN_MAX + 1];

	return (login_norm(login, norm) == 0 ? login_find(t, norm) : 0);
}

/* The reply of a locked login, real or unknown alike. */
static int
locked(struct dctx *dc, int64_t until, int64_t now)
{
	return (derr_set(&dc->err, ERR_ACCOUNT_LOCKED, "login",
	    "too many failed sign-ins: try again in %lld minutes",
	    (long long)(until - now + 59) / 60));
}

int
session_sign_in_job(struct dctx *dc, const char *login,
    const char *password, struct pwjob *j)
{
	struct account	 a;
	uint64_t	 id = login_id(dc->txn, login);
	int64_t		 now = (int64_t)time(NULL), until = 0;
	int		 rc;

	memset(j, 0, sizeof(*j));
	memset(&a, 0, sizeof(a));
	if (id != 0 && account_load(dc->txn, id, &a) == 0 &&
	    a.password_hash != NULL)
		until = a.locked_until;
	else {
		rec_clear(&account_schema, &a);
		(void)signin_unknown_locked(login, now, &until);
	}
	if (until > now)
		rc = locked(dc, until, now);
	else if (pwjob_set(j, PWJOB_VERIFY, password, NULL,
	    a.password_hash) != 0)
		rc = derr_set(&dc->err, ERR_NO_MEMORY, NULL, "out of memory");
	else
		rc = 0;
	rec_clear(&account_schema, &a);
	return (rc);
}

int
session_sign_in(struct dctx *dc, const char *login, const struct pwjob *j,
    struct account *a, char **secret, char *csrf, int64_t *expires_at)
{
	uint64_t	 id = login_id(dc->txn, login);
	int64_t		 now = (int64_t)time(NULL), until;

	*secret = NULL;
	memset(a, 0, sizeof(*a));
	if (j->failed)
		return (derr_set(&dc->err, ERR_NO_MEMORY, NULL,
		    "out of memory checking the password"));
	if (id == 0 || account_load(dc->txn, id, a) != 0 ||
	    a->password_hash == NULL) {
		/* Counted as a real login's failures are. */
		if (signin_unknown_locked(login, now, &until))
			return (locked(dc, until, now));
		signin_unknown_failed(login, now);
		goto bad;
	}
	if (a->locked_until > now)
		return (locked(dc, a->locked_until, now));
	/* Checked against another hash (the password changed meanwhile,
	 * or the account is new): a failure, not counted. */
	if (j->hash == NULL || strcmp(j->hash, a->password_hash) != 0)
		goto bad;
	if (!j->match) {
		if (++a->failures >= ACCOUNT_FAILURES_MAX) {
			a->failures = 0;
			a->locked_until = now + ACCOUNT_LOCK_S;
		}
		if (save(dc, a) != 0)
			return (-1);
		goto bad;
	}
	if (a->disabled)
		return (derr_set(&dc->err, ERR_FORBIDDEN, "login",
		    "this account is disabled: ask an administrator"));
	a->failures = 0;
	a->locked_until = 0;
	/* Hashed again under today's limits (pwhash.c). */
	if (j->new_hash != NULL && set_hash(dc, a, j->new_hash) != 0)
		return (-1);
	if (save(dc, a) != 0)
		return (-1);
	return (session_new(dc, a, secret, csrf, expires_at));
bad:
	return (derr_set(&dc->err, ERR_BAD_CREDENTIALS, "password",
	    "the login or the password is wrong"));
}

int
session_lookup(struct txn *t, const char *secret, struct token *tok,
    uint64_t *session_id, char *csrf)
{
	struct session	 s;
	struct account	 a;
	uint8_t		 h[HASH_BYTES];
	const void	*v;
	size_t		 len;
	int64_t		 now = (int64_t)time(NULL);
	int		 rc;

	memset(tok, 0, sizeof(*tok));
	if (strlen(secret) < 16 || strlen(secret) > SESSION_SECRET_MAX)
		return (IOD_ENOTFOUND);
	hash(secret, h);
	if ((rc = store_get(t, DB_SESSIONS, h, sizeof(h), &v, &len)) != 0)
		return (rc);
	memset(&s, 0, sizeof(s));
	if ((rc = rec_decode(&session_schema, &s, v, len)) != 0 ||
	    s.expires_at <= now || s.csrf == NULL ||
	    strlen(s.csrf) != SESSION_CSRF_LEN) {
		rec_clear(&session_schema, &s);
		return (rc != 0 ? rc : IOD_ENOTFOUND);
	}
	memcpy(csrf, s.csrf, SESSION_CSRF_LEN + 1);
	rc = account_load(t, s.account_id, &a);
	if (rc == 0 && (a.disabled || a.role < 0 || a.role >= ROLE__N))
		rc = IOD_ENOTFOUND;
	if (rc == 0 && session_idle_check(h, s.seen_at > s.created_at ?
	    s.seen_at : s.created_at, now))
		rc = IOD_ENOTFOUND;
	if (rc == 0) {
		*session_id = s.id;
		tok->account_id = a.id;
		tok->role = a.role;
		tok->referent_id = a.referent_id;
		tok->company_id = a.company_id;
		tok->subject = a.login;
		tok->created_at = s.created_at;
		a.login = NULL;
	}
	rec_clear(&account_schema, &a);
	rec_clear(&session_schema, &s);
	return (rc);
}
