/*
 * fuzz_sheet.c — a spreadsheet's CSV as POST /v1/{kind}:import reads it:
 * the first byte picks the kind of record, the rest is the body.  Any
 * bytes must open or be refused with a message, and every row come out
 * as a record or a refusal that names its column, without a crash or a
 * leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sheet.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const struct schema *const kinds[] = { &company_schema,
	    &offer_schema, &candidate_schema, &referent_schema };
	struct sheet		*sh;
	struct sheet_row	 r;
	char			*cause, *copy;
	int			 rc;

	if (len < 2 || (copy = malloc(len - 1)) == NULL)
		return (0);
	memcpy(copy, data + 1, len - 1);
	if ((sh = sheet_open(kinds[data[0] % 4], copy, len - 1,
	    &cause)) == NULL) {
		if (cause == NULL)
			abort();	/* a refusal always says why */
		free(cause);
		free(copy);
		return (0);
	}
	while ((rc = sheet_next(sh, &r, &cause)) == 1) {
		if (r.record == NULL && strncmp(r.field, "column ", 7) != 0)
			abort();
		json_decref(r.record);
	}
	free(cause);
	sheet_free(sh);
	free(copy);
	return (0);
}
