/*
 * schema-int.h — what schema.c, schema-mp.c and wire.c share and nothing
 * else includes: a record's field by its table entry, and three helpers.
 * Callers use profiles.h.
 */
#ifndef IOD_SCHEMA_INT_H
#define IOD_SCHEMA_INT_H

#include "profiles.h"

#define MAX_DEPTH	16	/* nesting accepted from the wire */

#define AT(rec, f, type)	((type *)(void *)((char *)(rec) + (f)->off))
#define CAT(rec, f, type)	((type const *)(const void *)((const char *)(rec) + (f)->off))
#define COUNT(rec, f)		((size_t *)(void *)((char *)(rec) + (f)->cnt))
#define CCOUNT(rec, f)		((const size_t *)(const void *)((const char *)(rec) + (f)->cnt))

/* vasprintf's result, or NULL without memory; caller frees. */
char	*schema_printf(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* Pack s as a msgpack str. */
void	 schema_pack_str(msgpack_packer *, const char *s);
/* A NUL-terminated copy of the msgpack str o (caller frees), or NULL. */
char	*schema_mp_strdup(const msgpack_object *o);

#endif
