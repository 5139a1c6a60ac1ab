/*
 * fuzz_rules.c — a rule set as an operator or an admin client hands it
 * over: YAML bytes loaded, checked and compiled, territory files looked
 * for in data/.  Whatever the bytes, nothing may crash, leak or read out
 * of bounds, and a load either gives a rule set and no errors, or errors
 * and no rule set.
 */
#include <stdint.h>
#include <stdlib.h>

#include "rules.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int	 loaded;
	struct ruleset	*rs = NULL;
	char		*cause, *errors = NULL;

	if (!loaded) {
		if (refdata_load("data", &cause) != 0)
			abort();
		loaded = 1;
	}
	if (ruleset_load_buffer("fuzz.yaml", (const char *)data, len, "data",
	    &rs, &errors) == 0) {
		if (rs == NULL || errors != NULL ||
		    ruleset_territory_name(rs, ruleset_territory_of(rs,
		    "69381")) == NULL)
			abort();
		ruleset_free(rs);
	} else if (rs != NULL || errors == NULL)
		abort();
	free(errors);
	return (0);
}
