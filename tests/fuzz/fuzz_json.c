/*
 * fuzz_json.c — a request body as a client sends it: JSON text decoded and
 * validated against every record schema, then encoded back.  Whatever the
 * bytes, nothing may crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>

#include "profiles.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct schema *const schemas[] = { &company_schema,
    &offer_schema, &candidate_schema, &referent_schema };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int	 loaded;
	json_t		*j, *out;
	json_error_t	 err;
	char		*field, *cause, *buf;
	size_t		 i, blen;
	void		*rec;

	if (!loaded) {
		if (refdata_load("data", &cause) != 0)
			abort();
		loaded = 1;
	}
	if ((j = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES,
	    &err)) == NULL)
		return (0);
	for (i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++) {
		rec = rec_new(schemas[i]);
		if (rec_from_json(schemas[i], rec, j, &field, &cause) == 0) {
			out = rec_to_json(schemas[i], rec, VIEW_COMPANY);
			json_decref(out);
			if (rec_encode(schemas[i], rec, &buf, &blen) == 0) {
				rec_clear(schemas[i], rec);
				if (rec_decode(schemas[i], rec, buf, blen) != 0)
					abort();	/* our own output */
				free(buf);
			}
		}
		free(field);
		free(cause);
		rec_clear(schemas[i], rec);
		free(rec);
	}
	json_decref(j);
	return (0);
}
