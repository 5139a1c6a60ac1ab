/*
 * test_routes.c — the routes' index (matcher/daemon/routes-index.c), by
 * which the dispatcher tries only some rows of the routes table: for every
 * row, a path it matches (its {id} 12, its {name} iod-plie, its {file}
 * app.js) finds that row, and every other row of the same path, among
 * the rows the index gives for that path, in the table's order; a path
 * outside "/v1/" is given no "/v1/" row, and a "/v1/" path none of
 * another resource.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "daemon.h"

/* pat with its parameters filled in, into out. */
static void
concrete(const char *pat, char *out, size_t size)
{
	static const struct {
		const char	*param, *value;
	} fill[] = {
		{ "{id}", "12" }, { "{name}", "iod-plie" },
		{ "{file}", "app.js" }
	};
	size_t	n = 0, i, k;

	while (*pat != '\0') {
		for (i = 0; i < sizeof(fill) / sizeof(fill[0]); i++)
			if (strncmp(pat, fill[i].param,
			    strlen(fill[i].param)) == 0)
				break;
		if (i < sizeof(fill) / sizeof(fill[0])) {
			k = strlen(fill[i].value);
			assert_true(n + k < size);
			memcpy(out + n, fill[i].value, k);
			n += k;
			pat += strlen(fill[i].param);
			continue;
		}
		assert_true(n + 1 < size);
		out[n++] = *pat++;
	}
	out[n] = '\0';
}

/* 1 if row i is among those the index gives for path. */
static int
given(const char *path, size_t i)
{
	const unsigned char	*ri;

	for (ri = routes_index_for(path); *ri != ROUTES_END; ri++)
		if (*ri == i)
			return (1);
	return (0);
}

static void
test_every_row(void **state)
{
	const unsigned char	*ri;
	char			 path[256];
	size_t			 i, j;
	int			 last;

	(void)state;
	for (i = 0; routes[i].method != NULL; i++) {
		concrete(routes[i].path, path, sizeof(path));
		for (j = 0; routes[j].method != NULL; j++)
			if (strcmp(routes[j].path, routes[i].path) == 0 &&
			    !given(path, j))
				fail_msg("%s %s: not given for %s",
				    routes[j].method, routes[j].path, path);
		last = -1;
		for (ri = routes_index_for(path); *ri != ROUTES_END; ri++) {
			assert_true((int)*ri > last);
			assert_non_null(routes[*ri].method);
			last = *ri;
		}
	}
}

static void
test_narrowed(void **state)
{
	const unsigned char	*ri;

	(void)state;
	for (ri = routes_index_for("/nothing/here"); *ri != ROUTES_END; ri++)
		assert_int_not_equal(strncmp(routes[*ri].path, "/v1/", 4), 0);
	for (ri = routes_index_for("/v1/offers/12/proposal");
	    *ri != ROUTES_END; ri++)
		assert_int_not_equal(strncmp(routes[*ri].path,
		    "/v1/candidates", 14), 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_every_row),
		cmocka_unit_test(test_narrowed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
