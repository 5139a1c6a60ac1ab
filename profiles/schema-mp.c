/*
 * schema-mp.c — the stored form of every record: a msgpack array of its
 * schema version then its fields in the schema's order, an embedded
 * object the same way (the positions are docs/store-layout.txt's, where
 * a later version only appends), packed and unpacked by walking the
 * record's field table.  Elements past the fields a daemon knows are
 * skipped, so older daemons read newer records; a record of an earlier
 * version lacks the later fields, which read as unset.  Records written
 * before the positional form are msgpack maps of the same fields by name
 * with a "v" key, and read as before.  JSON in and out are schema.c's;
 * where records live is store.c's.
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
	msgpack_pack_array(pk, n);
	msgpack_pack_int(pk, sc->version);
	for (f = sc->fields; f->name != NULL; f++)
		pack_field(f, rec, pk);
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

/* The positional form: [version, field 0, field 1, ...]. */
static int
unpack_array(const struct schema *sc, void *rec, const msgpack_object *o)
{
	const msgpack_object	*e = o->via.array.ptr;
	const struct field	*f = sc->fields;
	uint32_t		 i, n = o->via.array.size;
	int			 rc, older;

	if (n == 0 || e[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return (IOD_ECORRUPT);
	older = e[0].via.u64 < (uint64_t)sc->version;
	for (i = 1; i < n && f->name != NULL; i++, f++)
		if ((rc = unpack_field(f, rec, &e[i], older)) != 0)
			return (rc);
	return (0);
}

static int
unpack(const struct schema *sc, void *rec, const msgpack_object *o)
{
	const struct field	*f;
	const msgpack_object_kv	*kv;
	uint64_t		 seen = 0, bit;
	uint32_t		 i;
	int			 rc, older = 0;

	if (o->type == MSGPACK_OBJECT_ARRAY)
		return (unpack_array(sc, rec, o));
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

/*
 * rec_encode's writer: the bytes msgpack-c's packer writes for the same
 * record (the smallest form of each head, as rec_pack), into one buffer
 * written in place rather than through a callback a token.
 */
struct enc {
	unsigned char	*p;
	size_t		 n, cap;
	int		 oom;
};

/* Room for need more bytes: 0, or -1 (oom set) out of memory. */
static int
enc_room(struct enc *e, size_t need)
{
	unsigned char	*q;
	size_t		 cap;

	if (e->oom)
		return (-1);
	if (e->n + need <= e->cap)
		return (0);
	for (cap = e->cap ? e->cap : 512; cap < e->n + need; cap *= 2)
		;
	if ((q = realloc(e->p, cap)) == NULL) {
		e->oom = 1;
		return (-1);
	}
	e->p = q;
	e->cap = cap;
	return (0);
}

/* A head: byte b then v on w big-endian bytes. */
static void
enc_head(struct enc *e, unsigned b, uint64_t v, int w)
{
	if (enc_room(e, 9) != 0)
		return;
	e->p[e->n++] = (unsigned char)b;
	while (w-- > 0)
		e->p[e->n++] = (unsigned char)(v >> (w * 8));
}

static void
enc_uint(struct enc *e, uint64_t v)
{
	if (v <= 0x7f)
		enc_head(e, (unsigned)v, 0, 0);
	else if (v <= 0xff)
		enc_head(e, 0xcc, v, 1);
	else if (v <= 0xffff)
		enc_head(e, 0xcd, v, 2);
	else if (v <= 0xffffffffULL)
		enc_head(e, 0xce, v, 4);
	else
		enc_head(e, 0xcf, v, 8);
}

static void
enc_int(struct enc *e, int64_t v)
{
	if (v >= 0)
		enc_uint(e, (uint64_t)v);
	else if (v >= -32)
		enc_head(e, (unsigned)(0x100 + v), 0, 0);
	else if (v >= -128)
		enc_head(e, 0xd0, (uint64_t)v, 1);
	else if (v >= -32768)
		enc_head(e, 0xd1, (uint64_t)v, 2);
	else if (v >= -2147483648LL)
		enc_head(e, 0xd2, (uint64_t)v, 4);
	else
		enc_head(e, 0xd3, (uint64_t)v, 8);
}

/* A map's or an array's head (fix is 0x80 or 0x90). */
static void
enc_count(struct enc *e, unsigned fix, size_t n)
{
	unsigned	big = fix == 0x80 ? 0xde : 0xdc;

	if (n < 16)
		enc_head(e, fix | (unsigned)n, 0, 0);
	else if (n <= 0xffff)
		enc_head(e, big, n, 2);
	else
		enc_head(e, big + 1, n, 4);
}

static void
enc_str(struct enc *e, const char *s)
{
	size_t	len = strlen(s);

	if (len < 32)
		enc_head(e, 0xa0 | (unsigned)len, 0, 0);
	else if (len <= 0xff)
		enc_head(e, 0xd9, len, 1);
	else if (len <= 0xffff)
		enc_head(e, 0xda, len, 2);
	else
		enc_head(e, 0xdb, len, 4);
	if (enc_room(e, len) != 0)
		return;
	memcpy(e->p + e->n, s, len);
	e->n += len;
}

static void	enc_rec(struct enc *, const struct schema *, const void *);

static void
enc_field(struct enc *e, const struct field *f, const void *rec)
{
	const char	*p, *s;
	size_t		 i, n;
	uint32_t	 mask;
	int		 k;

	switch (f->type) {
	case FT_ID:
	case FT_REF:
		enc_uint(e, *CAT(rec, f, uint64_t));
		break;
	case FT_STR:
		if ((s = *CAT(rec, f, char *)) == NULL)
			enc_head(e, 0xc0, 0, 0);
		else
			enc_str(e, s);
		break;
	case FT_INT:
	case FT_TIME:
		enc_int(e, *CAT(rec, f, int64_t));
		break;
	case FT_BOOL:
		enc_head(e, *CAT(rec, f, int) ? 0xc3 : 0xc2, 0, 0);
		break;
	case FT_DATE:
		enc_uint(e, *CAT(rec, f, iod_date));
		break;
	case FT_ENUM:
		k = *CAT(rec, f, int);
		if (k < 0)
			enc_head(e, 0xc0, 0, 0);
		else
			enc_str(e, f->names[k]);
		break;
	case FT_SET:
		mask = *CAT(rec, f, uint32_t);
		for (n = 0, k = 0; f->names[k] != NULL; k++)
			n += (mask >> k) & 1;
		enc_count(e, 0x90, n);
		for (k = 0; f->names[k] != NULL; k++)
			if (mask & (1u << k))
				enc_str(e, f->names[k]);
		break;
	case FT_STRV:
		enc_count(e, 0x90, *CCOUNT(rec, f));
		for (i = 0; i < *CCOUNT(rec, f); i++)
			enc_str(e, (*CAT(rec, f, char **))[i]);
		break;
	case FT_OBJ:
		enc_rec(e, f->sub, CAT(rec, f, char));
		break;
	case FT_OBJV:
		p = *CAT(rec, f, char *);
		enc_count(e, 0x90, *CCOUNT(rec, f));
		for (i = 0; i < *CCOUNT(rec, f); i++)
			enc_rec(e, f->sub, p + i * f->sub->size);
		break;
	}
}

static void
enc_rec(struct enc *e, const struct schema *sc, const void *rec)
{
	const struct field	*f;
	size_t			 n = 1;

	for (f = sc->fields; f->name != NULL; f++)
		n++;
	enc_count(e, 0x90, n);
	enc_int(e, sc->version);
	for (f = sc->fields; f->name != NULL; f++)
		enc_field(e, f, rec);
}

int
rec_encode(const struct schema *sc, const void *rec, char **buf, size_t *len)
{
	struct enc	e = { NULL, 0, 0, 0 };

	enc_rec(&e, sc, rec);
	if (e.oom || e.p == NULL) {
		free(e.p);
		return (IOD_ENOMEM);
	}
	*buf = (char *)e.p;
	*len = e.n;
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


/* The stored value o of schema sc as the JSON object its map form gives
 * ("v" then the fields by name), or without a schema as it is; NULL on
 * damage. */
static json_t *
stored_json(const struct schema *sc, const msgpack_object *o, char **cause)
{
	const msgpack_object	*e, *x;
	const struct field	*f;
	json_t			*j, *v, *a;
	uint32_t		 i, k, n;

	if (sc == NULL || o->type != MSGPACK_OBJECT_ARRAY)
		return (mp_to_json(o, cause));
	e = o->via.array.ptr;
	n = o->via.array.size;
	f = sc->fields;
	if (n == 0 || e[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    (j = json_object()) == NULL)
		return (NULL);
	json_object_set_new(j, "v", json_integer((json_int_t)e[0].via.u64));
	for (i = 1; i < n && f->name != NULL; i++, f++) {
		x = &e[i];
		if (f->type == FT_OBJ && x->type == MSGPACK_OBJECT_ARRAY)
			v = stored_json(f->sub, x, cause);
		else if (f->type == FT_OBJV && x->type == MSGPACK_OBJECT_ARRAY) {
			v = a = json_array();
			for (k = 0; a != NULL && k < x->via.array.size; k++)
				if (json_array_append_new(a, stored_json(f->sub,
				    &x->via.array.ptr[k], cause)) != 0) {
					json_decref(a);
					v = NULL;
					break;
				}
		} else
			v = mp_to_json(x, cause);
		if (v == NULL || json_object_set_new(j, f->name, v) != 0) {
			json_decref(j);
			return (NULL);
		}
	}
	return (j);
}

json_t *
rec_stored_json(const struct schema *sc, const void *buf, size_t len)
{
	msgpack_unpacked	 u;
	json_t			*j = NULL;
	char			*cause = NULL;
	size_t			 off = 0;

	if (mp_check(buf, len) != 0)
		return (NULL);
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, buf, len, &off) == MSGPACK_UNPACK_SUCCESS)
		j = stored_json(sc, &u.data, &cause);
	msgpack_unpacked_destroy(&u);
	free(cause);
	return (j);
}
