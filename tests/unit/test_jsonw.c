/*
 * test_jsonw.c — the daemon's reply writer (matcher/daemon/jsonw.c)
 * against jansson's json_dumpb(JSON_COMPACT), byte for byte: hand-made
 * values (every escape, control bytes, non-ASCII, the integer limits,
 * reals, empty and nested containers, insertion order) and random trees.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <jansson.h>

#include "profiles.h"
#include "daemon.h"

/* j as jsonw writes it equals jansson's compact dump and a newline. */
static void
same(json_t *j)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 n, got;
	char		*want;

	assert_non_null(b);
	n = json_dumpb(j, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_true(n > 0);
	want = malloc(n + 1);
	assert_non_null(want);
	assert_int_equal(json_dumpb(j, want, n, JSON_COMPACT |
	    JSON_ENCODE_ANY), n);
	want[n] = '\n';
	assert_int_equal(jsonw_evbuffer(j, b), 0);
	got = evbuffer_get_length(b);
	if (got != n + 1 || memcmp(evbuffer_pullup(b, -1), want, n + 1) != 0)
		fail_msg("jsonw wrote %.*s, jansson %.*s", (int)got,
		    (const char *)evbuffer_pullup(b, -1), (int)n + 1, want);
	free(want);
	evbuffer_free(b);
	json_decref(j);
}

static void
test_scalars(void **state)
{
	(void)state;
	same(json_integer(0));
	same(json_integer(-1));
	same(json_integer(1795772094));
	same(json_integer(INT64_MAX));
	same(json_integer(INT64_MIN));
	same(json_real(0.5));
	same(json_real(-1e300));
	same(json_real(3.0));
	same(json_true());
	same(json_false());
	same(json_null());
	same(json_string(""));
}

static void
test_strings(void **state)
{
	static const char	 ctl[] = "a\0b\001\037\x7f\"\\/\b\f\n\r\t";

	(void)state;
	same(json_string("Nettoyeur / Nettoyeuse de locaux"));
	same(json_string("Caluire-et-Cuire, Bourg-en-Bresse — élève ÿ €"));
	same(json_string("\xf0\x9f\x98\x80 emoji"));
	same(json_stringn(ctl, sizeof(ctl) - 1));
	same(json_pack("{s:s}", "k\"\\\n", "v"));
}

static void
test_containers(void **state)
{
	(void)state;
	same(json_object());
	same(json_array());
	same(json_pack("{s:[]}", "a"));
	same(json_pack("{s:{}, s:[{}, []], s:n}", "z", "a", "m"));
	same(json_pack("{s:i, s:s, s:[i, i, {s:b}], s:f}", "offer_id", 12,
	    "ruleset", "iod-plie", "list", 1, -2, "x", 1, "r", 2.25));
}

static uint64_t	 rng = 0x9e3779b97f4a7c15u;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng);
}

static json_t *
random_tree(int depth)
{
	static const char *const words[] = { "a", "é", "\"q\"", "x\ty",
	    "c:\\d", "", "long text with spaces", "\x01" };
	json_t	*j;
	char	 key[16];
	int	 i, n;

	switch (next() % (depth > 4 ? 5 : 7)) {
	case 0:
		return (json_integer((json_int_t)next()));
	case 1:
		return (json_string(words[next() % 8]));
	case 2:
		return (json_real((double)(int64_t)next() / 1e6));
	case 3:
		return (next() % 2 ? json_true() : json_null());
	case 4:
		return (json_integer((json_int_t)(next() % 1000) - 500));
	case 5:
		j = json_array();
		n = (int)(next() % 5);
		for (i = 0; i < n; i++)
			json_array_append_new(j, random_tree(depth + 1));
		return (j);
	default:
		j = json_object();
		n = (int)(next() % 5);
		for (i = 0; i < n; i++) {
			snprintf(key, sizeof(key), "%s%d", words[next() % 8],
			    i);
			json_object_set_new(j, key, random_tree(depth + 1));
		}
		return (j);
	}
}

static void
test_random(void **state)
{
	int	i;

	(void)state;
	for (i = 0; i < 2000; i++)
		same(random_tree(0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_random),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
