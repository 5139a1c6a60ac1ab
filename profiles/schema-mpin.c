/*
 * schema-mpin.c — a record sent as msgpack (an item of a batch body)
 * decoded straight into its struct, validated as rec_from_json validates
 * the same record sent as JSON, with no msgpack tree and no JSON tree.
 * It takes the plain road only: any item it is not sure of (a key it
 * does not know, a label, a key twice, a value that fails a check, a
 * bin, ext or float, a string that is not UTF-8) it leaves undecided, for
 * the caller to convert and decode the slow way, which also says what is
 * wrong.  So its errors need no words, and an item it decides is decoded
 * exactly as the slow way would.  The JSON side is schema.c's; reading
 * msgpack in place is schema-fast.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "schema-int.h"

#define STRV_ITEM_MAX	64	/* bytes per item of a string list (schema.c) */
#define SLOW		1	/* not decided here: take the slow road */

/* A string value that rec_from_json's check_string would accept for f,
 * between min and max bytes: no control character, UTF-8; then copied
 * and given to f's check.  The copy (caller frees) or NULL: SLOW. */
static char *
text(const struct field *f, const struct mpval *v, int64_t min,
    int64_t max)
{
	char		 *s, *why = NULL;
	unsigned char	  b, high = 0;
	size_t		  i;

	if (v->type != MPT_STR || (int64_t)v->u < min || (int64_t)v->u > max)
		return (NULL);
	for (i = 0; i < v->u; i++) {
		b = (unsigned char)v->str[i];
		if (b < 0x20 && b != '\n' && b != '\t')
			return (NULL);
		high |= b;
	}
	/* ASCII is UTF-8: only a string with a high byte is walked again. */
	if ((high >= 0x80 && !utf8_valid(v->str, v->u)) ||
	    (s = malloc(v->u + 1)) == NULL)
		return (NULL);
	memcpy(s, v->str, v->u);
	s[v->u] = '\0';
	if (f->check != NULL && f->check(s, &why) != 0) {
		free(why);
		free(s);
		return (NULL);
	}
	return (s);
}

/* A value a read-only field may carry (it is ignored): one the JSON
 * conversion takes, a scalar or a UTF-8 string. */
static int
ignorable(const struct mpval *v)
{
	switch (v->type) {
	case MPT_NIL:
	case MPT_BOOL:
	case MPT_NEG:
		return (1);
	case MPT_POS:
		return (v->u <= INT64_MAX);
	case MPT_STR:
		return (utf8_valid(v->str, v->u));
	case MPT_OTHER:
		return (v->real);
	default:
		return (0);
	}
}

static int	map_in(struct mpcur *, const struct schema *, void *,
		    const struct mpval *, int);

static int
field_in(struct mpcur *c, const struct schema *sc, int fi, void *rec,
    const struct mpval *v, int depth)
{
	const struct field	*f = &sc->fields[fi];
	struct mpval		 e;
	iod_date		 d;
	uint64_t		 i;
	char			 day[11], *s;
	int			 k, rc;

	if (v->type == MPT_NIL)
		return ((f->flags & F_NULLABLE) ? 0 : SLOW);
	switch (f->type) {
	case FT_ID:
	case FT_TIME:
		return (SLOW);		/* map_in ignores them */
	case FT_REF:
		if (v->type != MPT_POS || v->u == 0 || v->u > INT64_MAX)
			return (SLOW);
		*AT(rec, f, uint64_t) = v->u;
		return (0);
	case FT_STR:
		if ((s = text(f, v, f->min, f->max)) == NULL)
			return (SLOW);
		*AT(rec, f, char *) = s;
		return (0);
	case FT_INT:
		if ((v->type != MPT_POS && v->type != MPT_NEG) ||
		    (v->type == MPT_POS && v->u > INT64_MAX) ||
		    (int64_t)v->u < f->min || (int64_t)v->u > f->max)
			return (SLOW);
		*AT(rec, f, int64_t) = (int64_t)v->u;
		return (0);
	case FT_BOOL:
		if (v->type != MPT_BOOL)
			return (SLOW);
		*AT(rec, f, int) = (int)v->u;
		return (0);
	case FT_DATE:
		if (v->type != MPT_STR || v->u != 10)
			return (SLOW);
		memcpy(day, v->str, 10);
		day[10] = '\0';
		if (date_parse(day, &d) != 0)
			return (SLOW);
		*AT(rec, f, iod_date) = d;
		return (0);
	case FT_ENUM:
		if (v->type != MPT_STR ||
		    (k = schema_name_find(sc, fi, v->str, v->u)) < 0)
			return (SLOW);	/* a former name too */
		*AT(rec, f, int) = k;
		return (0);
	case FT_SET:
		if (v->type != MPT_ARRAY)
			return (SLOW);
		*AT(rec, f, uint32_t) = 0;
		for (i = 0; i < v->u; i++) {
			if (mp_head(c, &e) != 0 || e.type != MPT_STR ||
			    (k = schema_name_find(sc, fi, e.str, e.u)) < 0)
				return (SLOW);
			*AT(rec, f, uint32_t) |= 1u << k;
		}
		return (0);
	case FT_STRV:
		if (v->type != MPT_ARRAY || (int64_t)v->u < f->min ||
		    (int64_t)v->u > f->max)
			return (SLOW);
		if (v->u == 0)
			return (0);
		if ((*AT(rec, f, char **) = calloc(v->u, sizeof(char *))) ==
		    NULL)
			return (SLOW);
		for (i = 0; i < v->u; i++) {
			if (mp_head(c, &e) != 0 ||
			    (s = text(f, &e, 1, STRV_ITEM_MAX)) == NULL)
				return (SLOW);
			(*AT(rec, f, char **))[i] = s;
			*COUNT(rec, f) = i + 1;
		}
		return (0);
	case FT_OBJ:
		return (map_in(c, f->sub, AT(rec, f, char), v, depth + 1));
	case FT_OBJV:
		if (v->type != MPT_ARRAY || (int64_t)v->u > f->max)
			return (SLOW);
		if (v->u == 0)
			return (0);
		if ((*AT(rec, f, char *) = calloc(v->u, f->sub->size)) == NULL)
			return (SLOW);
		for (i = 0; i < v->u; i++) {
			*COUNT(rec, f) = i + 1;
			if (mp_head(c, &e) != 0 || (rc = map_in(c, f->sub,
			    *AT(rec, f, char *) + i * f->sub->size, &e,
			    depth + 1)) != 0)
				return (SLOW);
		}
		return (0);
	}
	return (SLOW);
}

/* The map whose head is m into rec: every key a field, none twice,
 * every required one there (null or not), as from_json has them. */
static int
map_in(struct mpcur *c, const struct schema *sc, void *rec,
    const struct mpval *m, int depth)
{
	const struct field	*f, *next;
	struct mpval		 k, v;
	uint64_t		 i, seen = 0, bit;
	int			 fi;

	if (m->type != MPT_MAP || depth > MAX_DEPTH)
		return (SLOW);
	for (i = 0, next = sc->fields; i < m->u; i++) {
		if (mp_head(c, &k) != 0 || k.type != MPT_STR ||
		    mp_head(c, &v) != 0)
			return (SLOW);
		/* Clients mostly send the fields in their order. */
		if (next->name != NULL && strncmp(next->name, k.str,
		    k.u) == 0 && next->name[k.u] == '\0')
			f = next;
		else if ((f = schema_field_find(sc, k.str, k.u)) == NULL)
			return (SLOW);	/* a label, or unknown */
		next = f + 1;
		fi = (int)(f - sc->fields);
		if (fi >= 64 || (seen & (bit = 1ULL << fi)))
			return (SLOW);
		seen |= bit;
		/* As from_json: read-only, ignored; then null; then the
		 * server's own kinds, ignored. */
		if ((f->flags & F_RO) || (v.type != MPT_NIL &&
		    (f->type == FT_ID || f->type == FT_TIME))) {
			if (!ignorable(&v))
				return (SLOW);
			continue;
		}
		if (field_in(c, sc, fi, rec, &v, depth) != 0)
			return (SLOW);
	}
	for (f = sc->fields; f->name != NULL; f++)
		if ((f->flags & F_REQUIRED) && (f - sc->fields >= 64 ||
		    !(seen & (1ULL << (f - sc->fields)))))
			return (SLOW);
	return (0);
}

int
rec_from_mp(const struct schema *sc, void *rec, const void *buf, size_t len)
{
	struct mpcur	c;
	struct mpval	m;

	c.p = buf;
	c.end = c.p + len;
	c.arena = NULL;
	if (mp_head(&c, &m) != 0 || map_in(&c, sc, rec, &m, 0) != 0 ||
	    c.p != c.end)
		return (IOD_EINVAL);
	return (0);
}
