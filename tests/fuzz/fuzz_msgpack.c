/*
 * fuzz_msgpack.c — msgpack bytes as a stored record or a request body:
 * decoded as every record type, by rec_decode, by rec_decode_fields and
 * read by name (rec_stored_json): what a damaged store would hand us,
 * positional or by name; and converted to JSON (what a client sends with
 * application/msgpack).
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
	msgpack_unpacked	 u;
	size_t			 i, off = 0;
	char			*cause;
	json_t			*j;
	void			*rec;

	for (i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++) {
		rec = rec_new(schemas[i]);
		rec_decode(schemas[i], rec, data, len);
		rec_clear(schemas[i], rec);
		free(rec);
		rec = rec_new(schemas[i]);
		rec_decode_fields(schemas[i], rec, data, len, ~0ULL, NULL);
		rec_clear(schemas[i], rec);
		free(rec);
		json_decref(rec_stored_json(schemas[i], data, len));
	}
	if (mp_check(data, len) != 0)
		return (0);
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, (const char *)data, len, &off) ==
	    MSGPACK_UNPACK_SUCCESS) {
		j = mp_to_json(&u.data, &cause);
		free(cause);
		json_decref(j);
	}
	msgpack_unpacked_destroy(&u);
	return (0);
}
