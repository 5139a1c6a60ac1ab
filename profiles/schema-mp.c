/*
 * schema-mp.c — the stored form of every record: a msgpack map of its
 * fields, with a "v" schema version key, packed and unpacked by walking
 * the record's field table (unknown keys are skipped, so older daemons
 * read newer records).  JSON in and out are schema.c's; where records
 * live is store.c's.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema-int.h"

void
schema_pack_str(msgpack_packer *pk, const char *s)
{
	size_t	len = strlen(s);

	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, s, len);
}

static void	pack(const struct schema *, const void *, msgpack_packer *);

static void
pack_field(const struct field *f, const void *rec, msgpack_packer *pk)
{
	const char	*p, *s;
	size_t		 i, n;
	uint32_t	 mask;
	int		 k;

	switch (f->type) {
	case FT_ID:
	case FT_REF:
		msgpack_pack_uint64(pk, *CAT(rec, f, uint64_t));
		break;
	case FT_STR:
		if ((s = *CAT(rec, f, char *)) == NULL)
			msgpack_pack_nil(pk);
		else
			schema_pack_str(pk, s);
		break;
	case FT_INT:
	case FT_TIME:
		msgpack_pack_int64(pk, *CAT(rec, f, int64_t));
		break;
	case FT_BOOL:
		if (*CAT(rec, f, int))
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		break;
	case FT_DATE:
		msgpack_pack_uint32(pk, *CAT(rec, f, iod_date));
		break;
	case FT_ENUM:
		/* Names, not numbers: a stored record survives reordering. */
		k = *CAT(rec, f, int);
		if (k < 0)
			msgpack_pack_nil(pk);
		else
			schema_pack_str(pk, f->names[k]);
		break;
	case FT_SET:
		mask = *CAT(rec, f, uint32_t);
		for (n = 0, k = 0; f->names[k] != NULL; k++)
			n += (mask >> k) & 1;
		msgpack_pack_array(pk, n);
		for (k = 0; f->names[k] != NULL; k++)
			if (mask & (1u << k))
				schema_pack_str(pk, f->names[k]);
		break;
	case FT_STRV:
		msgpack_pack_array(pk, *CCOUNT(rec, f));
		for (i = 0; i < *CCOUNT(rec, f); i++)
			schema_pack_str(pk, (*CAT(rec, f, char **))[i]);
		break;
	case FT_OBJ:
		pack(f->sub, CAT(rec, f, char), pk);
		break;
	case FT_OBJV:
		p = *CAT(rec, f, char *);
		msgpack_pack_array(pk, *CCOUNT(rec, f));
		for (i = 0; i < *CCOUNT(rec, f); i++)
			pack(f->sub, p + i * f->sub->size, pk);
		break;
	}
}

static void
pack(const struct schema *sc, const void *rec, msgpack_packer *pk)
{
	const struct field	*f;
	size_t			 n = 1;

	for (f = sc->fields; f->name != NULL; f++)
		n++;
	msgpack_pack_map(pk, n);
	schema_pack_str(pk, "v");
	msgpack_pack_int(pk, sc->version);
	for (f = sc->fields; f->name != NULL; f++) {
		schema_pack_str(pk, f->name);
		pack_field(f, rec, pk);
	}
}

int
rec_pack(const struct schema *sc, const void *rec, msgpack_packer *pk)
{
	pack(sc, rec, pk);
	return (0);
}

char *
schema_mp_strdup(const msgpack_object *o)
{
	char	*s;

	if ((s = malloc(o->via.str.size + 1)) == NULL)
		return (NULL);
	memcpy(s, o->via.str.ptr, o->via.str.size);
	s[o->via.str.size] = '\0';
	return (s);
}

static int
mp_eq(const msgpack_object *o, const char *s)
{
	size_t	len = strlen(s);

	return (o->type == MSGPACK_OBJECT_STR && o->via.str.size == len &&
	    memcmp(o->via.str.ptr, s, len) == 0);
}

static int
mp_enum(const char *const *names, const msgpack_object *o)
{
	int	k;

	if (o->type != MSGPACK_OBJECT_STR)
		return (-1);
	for (k = 0; names[k] != NULL; k++)
		if (mp_eq(o, names[k]))
			return (k);
	return (-1);
}

static int	unpack(const struct schema *, void *, const msgpack_object *);

/* The value of the enum name o: in f's names, or, in a map an earlier
 * schema version wrote (older), in the names it had then; -1 if none. */
static int
mp_enum_field(const struct field *f, const msgpack_object *o, int older)
{
	const char *const	*r;
	int			 k;

	if ((k = mp_enum(f->names, o)) >= 0 || !older || f->renamed == NULL)
		return (k);
	for (r = f->renamed; r[0] != NULL; r += 2)
		if (mp_eq(o, r[0]))
			return (enum_lookup(f->names, r[1]));
	return (-1);
}

static int
unpack_field(const struct field *f, void *rec, const msgpack_object *o,
    int older)
{
	const msgpack_object	*e;
	uint32_t		 i;
	int			 k;

	if (o->type == MSGPACK_OBJECT_NIL)
		return (0);
	switch (f->type) {
	case FT_ID:
	case FT_REF:
		if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return (IOD_ECORRUPT);
		*AT(rec, f, uint64_t) = o->via.u64;
		return (0);
	case FT_STR:
		if (o->type != MSGPACK_OBJECT_STR)
			return (IOD_ECORRUPT);
		return ((*AT(rec, f, char *) = schema_mp_strdup(o)) == NULL ?
		    IOD_ENOMEM : 0);
	case FT_INT:
	case FT_TIME:
		if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    o->type != MSGPACK_OBJECT_NEGATIVE_INTEGER)
			return (IOD_ECORRUPT);
		*AT(rec, f, int64_t) = o->via.i64;
		return (0);
	case FT_BOOL:
		if (o->type != MSGPACK_OBJECT_BOOLEAN)
			return (IOD_ECORRUPT);
		*AT(rec, f, int) = o->via.boolean;
		return (0);
	case FT_DATE:
		if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    o->via.u64 > 99991231)
			return (IOD_ECORRUPT);
		*AT(rec, f, iod_date) = (iod_date)o->via.u64;
		return (0);
	case FT_ENUM:
		if ((k = mp_enum_field(f, o, older)) < 0)
			return (IOD_ECORRUPT);
		*AT(rec, f, int) = k;
		return (0);
	case FT_SET:
		if (o->type != MSGPACK_OBJECT_ARRAY)
			return (IOD_ECORRUPT);
		for (i = 0; i < o->via.array.size; i++) {
			if ((k = mp_enum(f->names, &o->via.array.ptr[i])) < 0)
				return (IOD_ECORRUPT);
			*AT(rec, f, uint32_t) |= 1u << k;
		}
		return (0);
	case FT_STRV:
		if (o->type != MSGPACK_OBJECT_ARRAY)
			return (IOD_ECORRUPT);
		if (o->via.array.size == 0)
			return (0);
		if ((*AT(rec, f, char **) = calloc(o->via.array.size,
		    sizeof(char *))) == NULL)
			return (IOD_ENOMEM);
		for (i = 0; i < o->via.array.size; i++) {
			e = &o->via.array.ptr[i];
			if (e->type != MSGPACK_OBJECT_STR)
				return (IOD_ECORRUPT);
			if (((*AT(rec, f, char **))[i] =
			    schema_mp_strdup(e)) == NULL)
				return (IOD_ENOMEM);
			*COUNT(rec, f) = i + 1;
		}
		return (0);
	case FT_OBJ:
		return (unpack(f->sub, AT(rec, f, char), o));
	case FT_OBJV:
		if (o->type != MSGPACK_OBJECT_ARRAY)
			return (IOD_ECORRUPT);
		if (o->via.array.size == 0)
			return (0);
		if ((*AT(rec, f, char *) = calloc(o->via.array.size,
		    f->sub->size)) == NULL)
			return (IOD_ENOMEM);
		for (i = 0; i < o->via.array.size; i++) {
			*COUNT(rec, f) = i + 1;
			if ((k = unpack(f->sub, *AT(rec, f, char *) +
			    i * f->sub->size, &o->via.array.ptr[i])) != 0)
				return (k);
		}
		return (0);
	}
	return (IOD_ECORRUPT);
}

static int
unpack(const struct schema *sc, void *rec, const msgpack_object *o)
{
	const struct field	*f;
	const msgpack_object_kv	*kv;
	uint64_t		 seen = 0, bit;
	uint32_t		 i;
	int			 rc, older = 0;

	if (o->type != MSGPACK_OBJECT_MAP)
		return (IOD_ECORRUPT);
	/* A map an earlier schema version wrote may carry renamed names. */
	for (i = 0; i < o->via.map.size; i++) {
		kv = &o->via.map.ptr[i];
		if (mp_eq(&kv->key, "v") &&
		    kv->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    kv->val.via.u64 < (uint64_t)sc->version)
			older = 1;
	}
	for (i = 0; i < o->via.map.size; i++) {
		kv = &o->via.map.ptr[i];
		for (f = sc->fields; f->name != NULL; f++)
			if (mp_eq(&kv->key, f->name))
				break;
		if (f->name == NULL)
			continue;	/* "v", or a field of a later version */
		/* A key twice is damage, not a newer value. */
		bit = 1ULL << ((f - sc->fields) & 63);
		if (seen & bit)
			return (IOD_ECORRUPT);
		seen |= bit;
		if ((rc = unpack_field(f, rec, &kv->val, older)) != 0)
			return (rc);
	}
	return (0);
}

int
rec_unpack(const struct schema *sc, void *rec, const msgpack_object *o)
{
	return (unpack(sc, rec, o));
}

int
rec_encode(const struct schema *sc, const void *rec, char **buf, size_t *len)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	pack(sc, rec, &pk);
	if (sb.data == NULL)
		return (IOD_ENOMEM);
	*buf = sb.data;
	*len = sb.size;
	return (0);
}

int
rec_decode(const struct schema *sc, void *rec, const void *buf, size_t len)
{
	msgpack_unpacked	 u;
	size_t			 off = 0;
	int			 rc;

	if (mp_check(buf, len) != 0)
		return (IOD_ECORRUPT);
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, buf, len, &off) != MSGPACK_UNPACK_SUCCESS)
		rc = IOD_ECORRUPT;
	else
		rc = unpack(sc, rec, &u.data);
	msgpack_unpacked_destroy(&u);
	return (rc);
}

