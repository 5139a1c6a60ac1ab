/*
 * test_signin.c — unit tests of what guards the sign-ins: the threads that
 * hash passwords (pwhash.c: the answers, the bounded queue, an unknown
 * login checked against a dummy that never matches), the failures of
 * unknown logins and the attempts by address (signin.c), and the idle
 * time of sessions (session-idle.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "domain.h"

#define NOW	((int64_t)1800000000)	/* a minute's start */

static void
test_unknown_login_locks_like_a_real_one(void **state)
{
	int64_t	until = 0;
	int	i;

	(void)state;
	for (i = 0; i < ACCOUNT_FAILURES_MAX - 1; i++) {
		signin_unknown_failed("No.Body", NOW + i);
		assert_int_equal(signin_unknown_locked("no.body", NOW + i,
		    &until), 0);
	}
	/* Folded as logins are: the same login, whatever its case. */
	signin_unknown_failed("NO.BODY", NOW + 10);
	assert_int_equal(signin_unknown_locked("no.body", NOW + 10, &until),
	    1);
	assert_int_equal(until, NOW + 10 + ACCOUNT_LOCK_S);
	assert_int_equal(signin_unknown_locked("someone.else", NOW + 10,
	    &until), 0);
	/* The lock ends, and the count starts again. */
	assert_int_equal(signin_unknown_locked("no.body", NOW + 10 +
	    ACCOUNT_LOCK_S, &until), 0);
	signin_unknown_failed("no.body", NOW + 20 + ACCOUNT_LOCK_S);
	assert_int_equal(signin_unknown_locked("no.body", NOW + 20 +
	    ACCOUNT_LOCK_S, &until), 0);
	signin_free();
}

static void
test_unknown_logins_are_bounded(void **state)
{
	char	login[32];
	int64_t	until;
	int	i, locked = 0;

	(void)state;
	/* Many more logins than the table holds: it keeps its size, and the
	 * latest ones are still counted. */
	for (i = 0; i < 100000; i++) {
		snprintf(login, sizeof(login), "guess%d", i);
		signin_unknown_failed(login, NOW + i);
	}
	for (i = 0; i < ACCOUNT_FAILURES_MAX; i++)
		signin_unknown_failed("target", NOW + 100000 + i);
	locked = signin_unknown_locked("target", NOW + 100010, &until);
	assert_int_equal(locked, 1);
	signin_free();
}

static void
test_attempts_by_address(void **state)
{
	const uint8_t	a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 2 };
	int		i;

	(void)state;
	for (i = 0; i < 10; i++)
		assert_int_equal(signin_address_over(a, 4, NOW + i, 10), 0);
	/* The eleventh waits for the next minute. */
	assert_int_equal(signin_address_over(a, 4, NOW + 15, 10), 45);
	assert_int_equal(signin_address_over(b, 4, NOW + 15, 10), 0);
	assert_int_equal(signin_address_over(a, 4, NOW + 60, 10), 0);
	/* 0: no limit. */
	for (i = 0; i < 100; i++)
		assert_int_equal(signin_address_over(a, 4, NOW + 61, 0), 0);
	signin_free();
}

static void
test_idle_sessions_end(void **state)
{
	uint8_t	h1[32], h2[32];

	(void)state;
	memset(h1, 1, sizeof(h1));
	memset(h2, 2, sizeof(h2));
	session_idle_set(60);
	/* Used within the idle time, it goes on, from its last use. */
	assert_int_equal(session_idle_check(h1, NOW, NOW + 50), 0);
	assert_int_equal(session_idle_check(h1, NOW, NOW + 100), 0);
	assert_int_equal(session_idle_check(h1, NOW, NOW + 159), 0);
	assert_int_equal(session_idle_check(h1, NOW, NOW + 219), 1);
	/* Forgotten once ended: judged by the store's last use again. */
	assert_int_equal(session_idle_check(h1, NOW, NOW + 220), 1);
	/* A session the memory does not know (after a restart): from the
	 * store's. */
	assert_int_equal(session_idle_check(h2, NOW, NOW + 61), 1);
	assert_int_equal(session_idle_check(h2, NOW + 30, NOW + 61), 0);
	session_idle_free();
}

static int
read_byte(int fd)
{
	char	c;

	return (read(fd, &c, 1) == 1 ? 0 : -1);
}

static void
test_hashing_threads(void **state)
{
	struct pwjob	 jobs[6], *j;
	int		 p[2], i, accepted = 0, refused = 0, got = 0;
	char		 h[crypto_pwhash_STRBYTES];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pwhash_start(1, 2, p[1]), 0);
	/* One thread, two waiting at most: some of six are refused. */
	for (i = 0; i < 6; i++) {
		assert_int_equal(pwjob_set(&jobs[i], PWJOB_HASH,
		    "a long enough password", NULL, NULL), 0);
		jobs[i].arg = &jobs[i];
		if (pwhash_submit(&jobs[i]) == 0)
			accepted++;
		else {
			refused++;
			pwjob_clear(&jobs[i]);
		}
	}
	assert_in_range(accepted, 2, 3);
	assert_int_equal(accepted + refused, 6);
	while (got < accepted) {
		assert_int_equal(read_byte(p[0]), 0);
		while ((j = pwhash_done()) != NULL) {
			assert_int_equal(j->failed, 0);
			assert_non_null(j->new_hash);
			assert_int_equal(crypto_pwhash_str_verify(j->new_hash,
			    "a long enough password", 22), 0);
			pwjob_clear(j);
			got++;
		}
	}
	/* A check: right, wrong, and an unknown login's (no hash). */
	assert_int_equal(crypto_pwhash_str(h, "the password", 12,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE), 0);
	assert_int_equal(pwjob_set(&jobs[0], PWJOB_VERIFY, "the password",
	    NULL, h), 0);
	pwjob_run(&jobs[0]);
	assert_int_equal(jobs[0].match, 1);
	assert_null(jobs[0].new_hash);		/* today's limits already */
	pwjob_clear(&jobs[0]);
	assert_int_equal(pwjob_set(&jobs[0], PWJOB_VERIFY, "not it", NULL,
	    h), 0);
	pwjob_run(&jobs[0]);
	assert_int_equal(jobs[0].match, 0);
	pwjob_clear(&jobs[0]);
	assert_int_equal(pwjob_set(&jobs[0], PWJOB_VERIFY, "the password",
	    NULL, NULL), 0);
	pwjob_run(&jobs[0]);
	assert_int_equal(jobs[0].match, 0);
	assert_int_equal(jobs[0].failed, 0);
	pwjob_clear(&jobs[0]);
	/* A change: the old one checked, then the new one hashed. */
	assert_int_equal(pwjob_set(&jobs[0], PWJOB_CHANGE, "the password",
	    "the new password", h), 0);
	pwjob_run(&jobs[0]);
	assert_int_equal(jobs[0].match, 1);
	assert_int_equal(crypto_pwhash_str_verify(jobs[0].new_hash,
	    "the new password", 16), 0);
	pwjob_clear(&jobs[0]);
	assert_null(pwhash_stop());
	/* Stopped: nothing is taken any more. */
	assert_int_equal(pwjob_set(&jobs[0], PWJOB_HASH, "x", NULL, NULL), 0);
	assert_int_equal(pwhash_submit(&jobs[0]), -1);
	pwjob_clear(&jobs[0]);
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_login_locks_like_a_real_one),
		cmocka_unit_test(test_unknown_logins_are_bounded),
		cmocka_unit_test(test_attempts_by_address),
		cmocka_unit_test(test_idle_sessions_end),
		cmocka_unit_test(test_hashing_threads),
	};

	if (sodium_init() < 0)
		return (1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
