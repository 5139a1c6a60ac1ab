/*
 * test_evtype.c — unit tests of profiles/evtype.c: the event types a
 * webhook, a stream or an account chooses, by name or "entity.*", and
 * what a filter lets through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profiles.h"

static void
test_parse_names_and_wildcards(void **state)
{
	uint64_t	 mask;
	char		*bad;

	(void)state;
	assert_int_equal(evtype_parse("proposal.created,offer.*", &mask,
	    &bad), 0);
	assert_null(bad);
	assert_true(evtype_match(mask, "proposal.created"));
	assert_true(evtype_match(mask, "offer.created"));
	assert_true(evtype_match(mask, "offer.updated"));
	assert_false(evtype_match(mask, "proposal.hired"));
	assert_false(evtype_match(mask, "candidate.created"));
	/* A type the table does not know passes only an empty filter. */
	assert_false(evtype_match(mask, "other.thing"));
	assert_true(evtype_match(0, "other.thing"));
	/* Empty: every type. */
	assert_int_equal(evtype_parse("", &mask, &bad), 0);
	assert_true(mask == 0);
	assert_int_equal(evtype_parse("proposal.*,", &mask, &bad), 0);
	assert_true(evtype_match(mask, "proposal.no_show"));
}

static void
test_unknown_names_are_refused(void **state)
{
	uint64_t	 mask;
	char		*bad, *cause = NULL;

	(void)state;
	assert_int_equal(evtype_parse("proposal.created,bogus", &mask, &bad),
	    -1);
	assert_string_equal(bad, "bogus");
	free(bad);
	assert_int_equal(evtype_parse("nothing.*", &mask, &bad), -1);
	assert_string_equal(bad, "nothing.*");
	free(bad);
	assert_int_equal(evtype_parse("proposal.created2", &mask, &bad), -1);
	free(bad);
	assert_int_equal(evtype_check("proposal.create", &cause), -1);
	assert_non_null(strstr(cause, "\"proposal.create\""));
	free(cause);
	assert_int_equal(evtype_check("followup.*", &cause), 0);
}

static void
test_mail_types_are_event_types(void **state)
{
	const char *const	*t;
	char			*cause = NULL;

	(void)state;
	for (t = mail_type_names; *t != NULL; t++)
		assert_int_equal(evtype_check(*t, &cause), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_names_and_wildcards),
		cmocka_unit_test(test_unknown_names_are_refused),
		cmocka_unit_test(test_mail_types_are_event_types),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
