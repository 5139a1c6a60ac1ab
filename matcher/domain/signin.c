/*
 * signin.c — what slows down guessing passwords, kept in memory: the
 * failures of logins that have no account, counted as a real account's
 * are (accounts.c: five in a row lock it for ACCOUNT_LOCK_S), so that a
 * lock-out answers the same whether the login exists or not; and the
 * sign-in attempts of each client address, a minute at a time.  Both
 * tables are bounded: the unknown logins in a fixed set of buckets (the
 * oldest of a bucket gives way), the addresses by a cap per minute.
 * Keys are SipHash of the login folded to lower case, or of the address,
 * under a key drawn at start.  Nothing here is stored: a restart forgets
 * it.  Which address asks is the daemon's.
 */
#include <ctype.h>
#include <string.h>

#include <sodium.h>

#include "domain.h"

#define UNKNOWN_BUCKETS	1024
#define UNKNOWN_WAYS	4
#define ADDRESSES_MAX	65536	/* counted in one minute */

struct unknown {
	uint64_t	 key;		/* 0: free */
	int64_t		 last;		/* last failure */
	int64_t		 locked_until;
	int		 failures;	/* in a row, since the last lock */
};

static struct {
	uint8_t		 key[crypto_shorthash_KEYBYTES];
	int		 keyed;
	struct unknown	 unknown[UNKNOWN_BUCKETS][UNKNOWN_WAYS];
	struct hmap	 addresses;	/* key -> attempts this minute */
	int64_t		 minute;
} si;

static uint64_t
key_of(const void *p, size_t len)
{
	uint8_t		out[crypto_shorthash_BYTES];
	uint64_t	k;

	if (!si.keyed) {
		randombytes_buf(si.key, sizeof(si.key));
		si.keyed = 1;
	}
	crypto_shorthash(out, p, len, si.key);
	memcpy(&k, out, sizeof(k));
	return (k != 0 ? k : 1);
}

/* The key of a login as typed, folded as accounts.c folds it. */
static uint64_t
login_key(const char *login)
{
	char	folded[ACCOUNT_PASSWORD_MAX + 1];
	size_t	i, n = strlen(login);

	if (n > ACCOUNT_PASSWORD_MAX)
		n = ACCOUNT_PASSWORD_MAX;
	for (i = 0; i < n; i++)
		folded[i] = (char)tolower((unsigned char)login[i]);
	return (key_of(folded, n));
}

/* The entry of key, or NULL; with make, the bucket's free or oldest. */
static struct unknown *
unknown_find(uint64_t key, int make)
{
	struct unknown	*b = si.unknown[key % UNKNOWN_BUCKETS], *old = b;
	int		 i;

	for (i = 0; i < UNKNOWN_WAYS; i++)
		if (b[i].key == key)
			return (&b[i]);
	if (!make)
		return (NULL);
	for (i = 0; i < UNKNOWN_WAYS; i++)
		if (b[i].key == 0 || b[i].last < old->last)
			old = &b[i];
	memset(old, 0, sizeof(*old));
	old->key = key;
	return (old);
}

int
signin_unknown_locked(const char *login, int64_t now, int64_t *until)
{
	struct unknown	*u = unknown_find(login_key(login), 0);

	if (u == NULL || u->locked_until <= now)
		return (0);
	*until = u->locked_until;
	return (1);
}

void
signin_unknown_failed(const char *login, int64_t now)
{
	struct unknown	*u = unknown_find(login_key(login), 1);

	u->last = now;
	if (++u->failures >= ACCOUNT_FAILURES_MAX) {
		u->failures = 0;
		u->locked_until = now + ACCOUNT_LOCK_S;
	}
}

int
signin_address_over(const void *addr, size_t len, int64_t now, int limit)
{
	uint64_t	key, n;

	if (limit <= 0)
		return (0);
	if (now / 60 != si.minute) {
		hmap_free(&si.addresses);	/* a new minute */
		si.minute = now / 60;
	}
	key = key_of(addr, len);
	n = hmap_get(&si.addresses, key);
	if (n >= (uint64_t)limit)
		return ((int)(60 - now % 60));
	/* Past the cap, a new address goes uncounted this minute: the
	 * queue of pwhash.c still bounds the work. */
	if (n > 0 || si.addresses.n < ADDRESSES_MAX)
		(void)hmap_set(&si.addresses, key, n + 1);
	return (0);
}

void
signin_free(void)
{
	hmap_free(&si.addresses);
	memset(si.unknown, 0, sizeof(si.unknown));
}
