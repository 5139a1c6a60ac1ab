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

/* 1 if an optional embedded object (F_NULLABLE FT_OBJ) has a member set. */
int	 schema_obj_present(const struct schema *sc, const void *rec);
/* 1 if the reader of view may see field f, else 0. */
int	 schema_visible(const struct field *f, int view);

/* ---- schema-fast.c: msgpack read in place, names by hash ------------- */
/* The top-level field of sc called (key, len); NULL if none. */
const struct field *schema_field_find(const struct schema *sc,
	    const char *key, size_t len);
/* The index of the name (p, len) in the names of sc's field fi, -1. */
int	 schema_name_find(const struct schema *sc, int fi, const char *p,
	    size_t len);

enum mpt { MPT_NIL, MPT_BOOL, MPT_POS, MPT_NEG, MPT_STR, MPT_ARRAY, MPT_MAP,
    MPT_OTHER };
struct mpval {			/* one value's head, as msgpack-c types it */
	enum mpt	 type;		/* a signed encoding of n >= 0: MPT_POS */
	uint64_t	 u;		/* integer, bool, or the count or length */
	const char	*str;		/* MPT_STR (and bin, ext): its bytes */
	int		 real;		/* MPT_OTHER: a float */
};
struct mpcur {			/* where a read is, within the buffer */
	const unsigned char	*p, *end;
	struct rec_arena	*arena;	/* NULL: strings malloc'd */
};
/* Read the head of the next value into v (a string's bytes too): 0, or
 * -1 past the end or on an unknown type byte. */
int	 mp_head(struct mpcur *, struct mpval *v);
/* Skip the elements of the value whose head is v, if any: 0 or -1. */
int	 mp_skip(struct mpcur *, const struct mpval *v, int depth);

#endif
