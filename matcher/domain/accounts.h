/*
 * accounts.h — who is signing in: bearer tokens, accounts and their
 * sessions, passwords hashed off the event loop, what slows guessing.
 * Included by domain.h; not on its own.
 */
#ifndef IOD_ACCOUNTS_H
#define IOD_ACCOUNTS_H

/* ---- auth.c: bearer tokens, stored as hashes -------------------------- */
/* Look a presented secret up; 0 and *tok filled, or IOD_ENOTFOUND for an
 * unknown, revoked or expired token. */
int	 auth_lookup(struct txn *, const char *secret, struct token *tok);
/* Store a new token; secret NULL draws a random one.  *out_secret is the
 * secret to show once (caller frees). */
int	 auth_create(struct txn *, struct token *, const char *secret,
	    char **out_secret);
int	 auth_revoke(struct txn *, uint64_t id);
int	 auth_count(struct txn *);

/* ---- pwhash.c: passwords' hashing, off the event loop ------------------
 * A job is filled on the loop, run by one of a few threads, and handed
 * back to the loop; its strings are its own (pwjob_clear wipes them).
 */
enum pwjob_kind {
	PWJOB_VERIFY,		/* password against hash (NULL: a dummy's);
				   new_hash if the hash's limits are old */
	PWJOB_HASH,		/* new_hash = password's */
	PWJOB_CHANGE		/* password against hash, then new_hash =
				   new_password's */
};
struct pwjob {
	enum pwjob_kind	 kind;
	char		*password, *new_password;	/* owned */
	char		*hash;		/* owned; what was checked */
	int		 match;		/* OUT: password matches hash */
	int		 failed;	/* OUT: out of memory */
	char		*new_hash;	/* OUT, owned */
	void		*arg;		/* the caller's */
	struct pwjob	*next;		/* pwhash.c's */
};
/* Fill *j (OUT; its strings copied, hash and new_password may be NULL):
 * 0, or -1 out of memory. */
int	 pwjob_set(struct pwjob *j, enum pwjob_kind kind,
	    const char *password, const char *new_password,
	    const char *hash);
/* Run j now, on the calling thread (the threads' work). */
void	 pwjob_run(struct pwjob *);
/* Wipe and free j's strings (not j). */
void	 pwjob_clear(struct pwjob *);
/* Start threads (1 to 8) that run up to queue_max jobs waiting, writing a
 * byte to notify_fd as each is done.  0, or -1 if none started. */
int	 pwhash_start(int threads, size_t queue_max, int notify_fd);
/* Queue j (borrowed until pwhash_done gives it back): 0, or -1 when the
 * queue is full or the threads stopped. */
int	 pwhash_submit(struct pwjob *);
/* A done job, or NULL: on the loop, after the byte on notify_fd. */
struct pwjob *pwhash_done(void);
/* Jobs queued or running. */
size_t	 pwhash_waiting(void);
/* Join the threads; returns the jobs not given back (linked by next),
 * run or not, for the caller to free. */
struct pwjob *pwhash_stop(void);

/* ---- signin.c: what slows down guessing, in memory --------------------
 * Failures of unknown logins, counted as a real login's are (so that a
 * lock-out says nothing of whether a login exists), and sign-in attempts
 * by client address, per minute.  Both tables are bounded.
 */
/* 1 if the unknown login (as typed) is locked, *until (OUT) its end. */
int	 signin_unknown_locked(const char *login, int64_t now,
	    int64_t *until);
/* A failure of an unknown login: locked at ACCOUNT_FAILURES_MAX. */
void	 signin_unknown_failed(const char *login, int64_t now);
/* Count an attempt from address (4 bytes of IPv4, 8 of an IPv6 /64):
 * 0, or the seconds to wait when over limit a minute (0: no limit). */
int	 signin_address_over(const void *addr, size_t len, int64_t now,
	    int limit);
void	 signin_free(void);

/* ---- accounts.c: people's accounts and their sessions ------------------
 * An account signs in with its login and password (argon2id; only the
 * hash is kept) and gets a session: a random secret for a cookie, of
 * which only the BLAKE2b hash is stored, and a CSRF secret that its writes
 * carry.  A session resolves to a struct token like a bearer token's, so
 * roles and scopes are one mechanism.
 */
#define ACCOUNT_PASSWORD_MIN	10	/* characters */
#define ACCOUNT_PASSWORD_MAX	1024	/* bytes */
#define ACCOUNT_FAILURES_MAX	5	/* consecutive failures, then... */
#define ACCOUNT_LOCK_S		(15 * 60)	/* ...locked this long */
#define SESSION_TTL_S		(8 * 3600)	/* default lifetime */
#define SESSION_SECRET_MAX	64	/* bytes of a cookie's secret */
#define SESSION_CSRF_LEN	43	/* base64url of 32 random bytes */
/* A session's lifetime in seconds (at start, from the configuration). */
void	 session_set_ttl(int64_t seconds);
int64_t	 session_ttl(void);
/* Check a new password: 0, or -1 with *e naming field. */
int	 account_password_ok(struct derr *e, const char *field,
	    const char *password);
/* Create *a (its login, role and scope, and a->password_hash, an
 * argon2id hash: pwhash.c's, or the demo's; the rest is set here): 0
 * with a->id, or -1 with dc->err set. */
int	 account_create(struct dctx *, struct account *a);
/* The account of id into *a (caller rec_clear()s): 0 or IOD_ENOTFOUND. */
int	 account_load(struct txn *, uint64_t id, struct account *a);
/* Delete an account and its sessions: 0, or -1 with dc->err set. */
int	 account_delete(struct dctx *, uint64_t id);
/* An admin sets account id's password to hash (argon2id, pwhash.c's);
 * its sessions are revoked (and a lock lifted).  0, or -1 with dc->err
 * set. */
int	 account_reset_password(struct dctx *, uint64_t id,
	    const char *hash);
/* dc->tok's account changes its own password, given the old one, as j
 * (account_change_job's, done) checked it and hashed the new one; its
 * sessions but keep (the one asking) are revoked.  0, or -1 with dc->err
 * set. */
int	 account_change_password(struct dctx *, uint64_t keep,
	    const struct pwjob *j);
/* What an admin reads of an account (never its password's hash); new
 * reference. */
json_t	*account_json(const struct account *);
/* Every account, in id order, appended to items (borrowed). */
int	 account_list(struct txn *, json_t *items);
/*
 * Sign in, once j (session_sign_in_job's) is done: on success 0 with *a
 * (caller rec_clear()s), *secret (the cookie's value, caller frees), csrf
 * (SESSION_CSRF_LEN + 1 bytes, OUT) and *expires_at.  On failure -1 with dc->err: ERR_BAD_CREDENTIALS
 * whether the login or the password was wrong, ERR_ACCOUNT_LOCKED after
 * ACCOUNT_FAILURES_MAX failures in a row; a failure is written to dc's
 * txn, which the caller commits all the same.
 */
int	 session_sign_in(struct dctx *, const char *login,
	    const struct pwjob *j, struct account *a, char **secret,
	    char *csrf, int64_t *expires_at);
/* Before a sign-in's hash is checked (on the loop): 0 with *j (OUT) a
 * PWJOB_VERIFY of password against the login's hash (none for an unknown
 * login, checked against a dummy at the same cost), or -1 with dc->err:
 * ERR_ACCOUNT_LOCKED alike for a real login and an unknown one after as
 * many failures, ERR_NO_MEMORY. */
int	 session_sign_in_job(struct dctx *, const char *login,
	    const char *password, struct pwjob *j);
/* Before a password change's hashes are made: 0 with *j (OUT) a
 * PWJOB_CHANGE against the account's hash, or -1 with dc->err set. */
int	 account_change_job(struct dctx *, const char *old_password,
	    const char *password, struct pwjob *j);
/* The session of the cookie's secret as a token (tok->account_id its
 * account's, tok->id 0; caller clears), its id and its csrf (OUT, as
 * above): 0, or IOD_ENOTFOUND if unknown, expired, unused too long
 * (session-idle.c) or its account gone or disabled.  On the loop. */
int	 session_lookup(struct txn *, const char *secret, struct token *tok,
	    uint64_t *session_id, char *csrf);
/* Revoke account_id's session session_id (0: all but keep; keep 0:
 * all).  0 or an IOD_E* code. */
int	 session_revoke(struct txn *, uint64_t account_id,
	    uint64_t session_id, uint64_t keep);
/* The key a caller's budgets (rate, streams) count under: a token's id,
 * or its account's for a session. */
uint64_t auth_budget_key(const struct token *);

/* ---- session-idle.c: sessions' last use, in memory ---------------------
 * A session unused for idle_s seconds ends.  Its last use is kept in
 * memory and written to the store (session.seen_at) at most every
 * IDLE_WRITE_S, so a restart forgets at most that much of it.
 */
#define IDLE_WRITE_S	240
/* At start, from the configuration (default 3600). */
void	 session_idle_set(int64_t idle_s);
/* A use of the session of hash h (32 bytes) now, on the loop: 0 if it
 * goes on (noted), 1 if it was unused too long since the later of
 * stored_seen (what the store says) and the use in memory. */
int	 session_idle_check(const uint8_t *h, int64_t stored_seen,
	    int64_t now);
/* A write task (every minute): store the last use of sessions whose
 * memory is IDLE_WRITE_S ahead of the store, forget ended ones; returns
 * how many were written. */
int	 session_idle_flush(struct dctx *);
void	 session_idle_free(void);

#endif /* IOD_ACCOUNTS_H */
