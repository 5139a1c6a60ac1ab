/*
 * schema.c — the codecs of every record type, driven by the field tables of
 * model.c: JSON in (validating, with errors that name the field), JSON out
 * (with the no-CV view), msgpack out and in (the stored form), and freeing.
 * It also converts between JSON and msgpack trees for the wire, and reads
 * a batch body one item at a time.  What each field means is model.c's
 * business; where records live is store.c's.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiles.h"

#define MAX_DEPTH	16	/* nesting accepted from the wire */
#define STRV_ITEM_MAX	64	/* bytes per item of a string list */

#define AT(rec, f, type)	((type *)(void *)((char *)(rec) + (f)->off))
#define CAT(rec, f, type)	((type const *)(const void *)((const char *)(rec) + (f)->off))
#define COUNT(rec, f)		((size_t *)(void *)((char *)(rec) + (f)->cnt))
#define CCOUNT(rec, f)		((const size_t *)(const void *)((const char *)(rec) + (f)->cnt))

static char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	return (s);
}

/* Set the error path and message once: the first error wins. */
static int
fail(char **field, char **cause, const char *path, const char *fmt, ...)
{
	va_list	 ap;
	char	*m;

	if (*cause != NULL)
		return (IOD_EINVAL);
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) == -1)
		m = NULL;
	va_end(ap);
	*field = strdup(path);
	*cause = xasprintf("%s: %s", path, m != NULL ? m : "invalid");
	free(m);
	return (IOD_EINVAL);
}

/* Render a JSON value briefly for an error message. */
static char *
brief(json_t *v)
{
	char	*s, *t;

	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	if (s != NULL && strlen(s) > 40) {
		t = xasprintf("%.*s...", (int)utf8_cut(s, 37), s);
		free(s);
		s = t;
	}
	return (s);
}

static const char *
type_word(const struct field *f)
{
	switch (f->type) {
	case FT_ID:
	case FT_REF:	return ("a positive integer id");
	case FT_STR:	return ("a string");
	case FT_INT:	return ("an integer");
	case FT_BOOL:	return ("true or false");
	case FT_DATE:	return ("a date YYYY-MM-DD");
	case FT_TIME:	return ("a time");
	case FT_ENUM:	return ("one of the listed names");
	case FT_SET:
	case FT_STRV:	return ("an array of strings");
	case FT_OBJ:	return ("an object");
	case FT_OBJV:	return ("an array of objects");
	}
	return ("a value");
}

/* "a, b or c" from a names table. */
static char *
names_list(const char *const *names)
{
	size_t	 len = 1, i;
	char	*s;

	for (i = 0; names[i] != NULL; i++)
		len += strlen(names[i]) + 4;
	if ((s = malloc(len)) == NULL)
		return (NULL);
	*s = '\0';
	for (i = 0; names[i] != NULL; i++) {
		if (i > 0)
			strcat(s, names[i + 1] == NULL ? " or " : ", ");
		strcat(s, names[i]);
	}
	return (s);
}

static int
check_string(const struct field *f, const char *s, size_t len, int64_t min,
    int64_t max, const char *path, char **field, char **cause)
{
	char	*why = NULL;
	size_t	 i;
	int	 rc;

	if ((int64_t)len < min || (int64_t)len > max) {
		if (min == max)
			return (fail(field, cause, path,
			    "\"%.*s\" has %zu bytes (expected exactly %" PRId64
			    ")", (int)utf8_cut(s, 40), s, len, max));
		return (fail(field, cause, path,
		    "\"%.*s\" has %zu bytes (expected %" PRId64 " to %" PRId64
		    ")", (int)utf8_cut(s, 40), s, len, min, max));
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
			return (fail(field, cause, path,
			    "control character at byte %zu (expected text)", i));
	}
	if (!utf8_valid(s, len))
		return (fail(field, cause, path, "is not valid UTF-8"));
	if (f->check != NULL && (rc = f->check(s, &why)) != 0) {
		fail(field, cause, path, "%s", why != NULL ? why : "invalid");
		free(why);
		return (rc);
	}
	return (0);
}

static int	from_json(const struct schema *, void *, json_t *, const char *,
		    int, char **, char **);

static int
set_from_json(const struct field *f, uint32_t *mask, json_t *v,
    const char *path, char **field, char **cause)
{
	json_t	*e;
	size_t	 i;
	int	 n;
	char	*list, *b;

	if (!json_is_array(v)) {
		b = brief(v);
		fail(field, cause, path, "%s is not an array of names", b);
		free(b);
		return (IOD_EINVAL);
	}
	*mask = 0;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e) ||
		    (n = enum_lookup(f->names, json_string_value(e))) < 0) {
			b = brief(e);
			list = names_list(f->names);
			fail(field, cause, path, "[%zu] %s is not one of %s",
			    i, b, list);
			free(list);
			free(b);
			return (IOD_EINVAL);
		}
		*mask |= 1u << n;
	}
	return (0);
}

static int
field_from_json(const struct field *f, void *rec, json_t *v, const char *path,
    int depth, char **field, char **cause)
{
	const char	*s;
	char		*b, *list, *sub;
	json_t		*e;
	json_int_t	 n;
	size_t		 i, cnt;
	iod_date	 d;
	int		 k, rc;

	switch (f->type) {
	case FT_ID:
	case FT_TIME:
		return (0);
	case FT_REF:
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			goto badtype;
		*AT(rec, f, uint64_t) = (uint64_t)json_integer_value(v);
		return (0);
	case FT_STR:
		if (!json_is_string(v))
			goto badtype;
		s = json_string_value(v);
		if ((rc = check_string(f, s, json_string_length(v), f->min,
		    f->max, path, field, cause)) != 0)
			return (rc);
		if (strlen(s) != json_string_length(v))
			return (fail(field, cause, path, "contains a NUL byte"));
		if ((*AT(rec, f, char *) = strdup(s)) == NULL)
			return (IOD_ENOMEM);
		return (0);
	case FT_INT:
		if (!json_is_integer(v))
			goto badtype;
		n = json_integer_value(v);
		if (n < f->min || n > f->max)
			return (fail(field, cause, path,
			    "%" JSON_INTEGER_FORMAT " is out of range (expected %"
			    PRId64 " to %" PRId64 ")", n, f->min, f->max));
		*AT(rec, f, int64_t) = n;
		return (0);
	case FT_BOOL:
		if (!json_is_boolean(v))
			goto badtype;
		*AT(rec, f, int) = json_is_true(v);
		return (0);
	case FT_DATE:
		if (!json_is_string(v))
			goto badtype;
		if (date_parse(json_string_value(v), &d) != 0)
			return (fail(field, cause, path,
			    "\"%.*s\" is not a date (expected YYYY-MM-DD)",
			    (int)utf8_cut(json_string_value(v), 40),
			    json_string_value(v)));
		*AT(rec, f, iod_date) = d;
		return (0);
	case FT_ENUM:
		if (!json_is_string(v) ||
		    (k = enum_lookup(f->names, json_string_value(v))) < 0) {
			b = brief(v);
			list = names_list(f->names);
			fail(field, cause, path, "%s is not one of %s", b, list);
			free(list);
			free(b);
			return (IOD_EINVAL);
		}
		*AT(rec, f, int) = k;
		return (0);
	case FT_SET:
		return (set_from_json(f, AT(rec, f, uint32_t), v, path, field,
		    cause));
	case FT_STRV:
		if (!json_is_array(v))
			goto badtype;
		cnt = json_array_size(v);
		if ((int64_t)cnt < f->min || (int64_t)cnt > f->max)
			return (fail(field, cause, path, "has %zu items "
			    "(expected %" PRId64 " to %" PRId64 ")", cnt,
			    f->min, f->max));
		if (cnt == 0)
			return (0);
		if ((*AT(rec, f, char **) = calloc(cnt, sizeof(char *))) == NULL)
			return (IOD_ENOMEM);
		json_array_foreach(v, i, e) {
			if ((sub = xasprintf("%s[%zu]", path, i)) == NULL)
				return (IOD_ENOMEM);
			if (!json_is_string(e)) {
				b = brief(e);
				rc = fail(field, cause, sub,
				    "%s is not a string", b);
				free(b);
			} else
				rc = check_string(f, json_string_value(e),
				    json_string_length(e), 1, STRV_ITEM_MAX,
				    sub, field, cause);
			free(sub);
			if (rc != 0)
				return (rc);
			(*AT(rec, f, char **))[i] = strdup(json_string_value(e));
			if ((*AT(rec, f, char **))[i] == NULL)
				return (IOD_ENOMEM);
			*COUNT(rec, f) = i + 1;
		}
		return (0);
	case FT_OBJ:
		if (!json_is_object(v))
			goto badtype;
		return (from_json(f->sub, AT(rec, f, void), v, path, depth + 1,
		    field, cause));
	case FT_OBJV:
		if (!json_is_array(v))
			goto badtype;
		cnt = json_array_size(v);
		if ((int64_t)cnt > f->max)
			return (fail(field, cause, path, "has %zu items "
			    "(expected at most %" PRId64 ")", cnt, f->max));
		if (cnt == 0)
			return (0);
		if ((*AT(rec, f, char *) = calloc(cnt, f->sub->size)) == NULL)
			return (IOD_ENOMEM);
		json_array_foreach(v, i, e) {
			if ((sub = xasprintf("%s[%zu]", path, i)) == NULL)
				return (IOD_ENOMEM);
			*COUNT(rec, f) = i + 1;
			if (!json_is_object(e))
				rc = fail(field, cause, sub, "is not an object");
			else
				rc = from_json(f->sub, *AT(rec, f, char *) +
				    i * f->sub->size, e, sub, depth + 1, field,
				    cause);
			free(sub);
			if (rc != 0)
				return (rc);
		}
		return (0);
	}
badtype:
	b = brief(v);
	fail(field, cause, path, "%s is not %s", b, type_word(f));
	free(b);
	return (IOD_EINVAL);
}

static int
from_json(const struct schema *sc, void *rec, json_t *j, const char *prefix,
    int depth, char **field, char **cause)
{
	const struct field	*f;
	const char		*key;
	json_t			*v;
	char			*path;
	int			 rc;

	if (depth > MAX_DEPTH)
		return (fail(field, cause, prefix, "nested too deeply"));
	json_object_foreach(j, key, v) {
		for (f = sc->fields; f->name != NULL; f++)
			if (strcmp(f->name, key) == 0)
				break;
		path = *prefix != '\0' ? xasprintf("%s.%s", prefix, key) :
		    strdup(key);
		if (path == NULL)
			return (IOD_ENOMEM);
		if (f->name == NULL)
			rc = fail(field, cause, path, "unknown field in %s",
			    sc->name);
		else if (f->flags & F_RO)
			rc = 0;
		else if (json_is_null(v))
			rc = (f->flags & F_NULLABLE) ? 0 : fail(field, cause,
			    path, "must not be null (expected %s)",
			    type_word(f));
		else
			rc = field_from_json(f, rec, v, path, depth, field,
			    cause);
		free(path);
		if (rc != 0)
			return (rc);
	}
	for (f = sc->fields; f->name != NULL; f++) {
		if (!(f->flags & F_REQUIRED) || json_object_get(j, f->name) != NULL)
			continue;
		path = *prefix != '\0' ? xasprintf("%s.%s", prefix, f->name) :
		    strdup(f->name);
		if (path == NULL)
			return (IOD_ENOMEM);
		rc = fail(field, cause, path, "is required (expected %s)",
		    type_word(f));
		free(path);
		return (rc);
	}
	return (0);
}

int
rec_from_json(const struct schema *sc, void *rec, json_t *j, char **field,
    char **cause)
{
	*field = *cause = NULL;
	if (!json_is_object(j))
		return (fail(field, cause, "body", "is not a JSON object "
		    "(expected a %s)", sc->name));
	return (from_json(sc, rec, j, "", 0, field, cause));
}

/* An optional embedded object is present when any member is set. */
static int
obj_present(const struct schema *sc, const void *rec)
{
	const struct field	*f;

	for (f = sc->fields; f->name != NULL; f++) {
		switch (f->type) {
		case FT_STR:
			if (*CAT(rec, f, char *) != NULL)
				return (1);
			break;
		case FT_DATE:
			if (*CAT(rec, f, iod_date) != 0)
				return (1);
			break;
		default:
			break;
		}
	}
	return (0);
}

static int
visible(const struct field *f, int view)
{
	if (view != VIEW_COMPANY)
		return (1);
	if (f->flags & (F_SENSITIVE | F_CV | F_NOTE))
		return (0);
	return (!(f->flags & F_PERSONAL) || (f->flags & F_NOCV));
}

const struct field *
rec_field(const struct schema *sc, const char *name, int view)
{
	const struct field	*f;

	for (f = sc->fields; f->name != NULL; f++)
		if (strcmp(f->name, name) == 0)
			return (visible(f, view) ? f : NULL);
	return (NULL);
}

static json_t	*to_json(const struct schema *, const void *, int);

static json_t *
set_to_json(const char *const *names, uint32_t mask)
{
	json_t	*a;
	int	 i;

	a = json_array();
	for (i = 0; names[i] != NULL; i++)
		if (mask & (1u << i))
			json_array_append_new(a, json_string(names[i]));
	return (a);
}

static json_t *
field_to_json(const struct field *f, const void *rec, int view)
{
	char		 buf[11];
	json_t		*a;
	size_t		 i;
	const char	*p;
	int		 k;

	switch (f->type) {
	case FT_ID:
	case FT_REF:
		if (*CAT(rec, f, uint64_t) == 0)
			return (json_null());
		return (json_integer((json_int_t)*CAT(rec, f, uint64_t)));
	case FT_STR:
		if (*CAT(rec, f, char *) == NULL)
			return (json_null());
		return (json_string(*CAT(rec, f, char *)));
	case FT_INT:
	case FT_TIME:
		return (json_integer(*CAT(rec, f, int64_t)));
	case FT_BOOL:
		return (json_boolean(*CAT(rec, f, int)));
	case FT_DATE:
		if (*CAT(rec, f, iod_date) == 0)
			return (json_null());
		date_format(*CAT(rec, f, iod_date), buf);
		return (json_string(buf));
	case FT_ENUM:
		k = *CAT(rec, f, int);
		if (k < 0)
			return (json_null());
		return (json_string(f->names[k]));
	case FT_SET:
		return (set_to_json(f->names, *CAT(rec, f, uint32_t)));
	case FT_STRV:
		a = json_array();
		for (i = 0; i < *CCOUNT(rec, f); i++)
			json_array_append_new(a,
			    json_string((*CAT(rec, f, char **))[i]));
		return (a);
	case FT_OBJ:
		if ((f->flags & F_NULLABLE) && !obj_present(f->sub, CAT(rec, f, char)))
			return (json_null());
		return (to_json(f->sub, CAT(rec, f, char), view));
	case FT_OBJV:
		a = json_array();
		p = *CAT(rec, f, char *);
		for (i = 0; i < *CCOUNT(rec, f); i++)
			json_array_append_new(a, to_json(f->sub,
			    p + i * f->sub->size, view));
		return (a);
	}
	return (json_null());
}

static json_t *
to_json(const struct schema *sc, const void *rec, int view)
{
	const struct field	*f;
	json_t			*o;

	o = json_object();
	for (f = sc->fields; f->name != NULL; f++)
		if (visible(f, view))
			json_object_set_new(o, f->name, field_to_json(f, rec,
			    view));
	return (o);
}

json_t *
rec_to_json(const struct schema *sc, const void *rec, int view)
{
	return (to_json(sc, rec, view));
}

static void
pack_str(msgpack_packer *pk, const char *s)
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
			pack_str(pk, s);
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
			pack_str(pk, f->names[k]);
		break;
	case FT_SET:
		mask = *CAT(rec, f, uint32_t);
		for (n = 0, k = 0; f->names[k] != NULL; k++)
			n += (mask >> k) & 1;
		msgpack_pack_array(pk, n);
		for (k = 0; f->names[k] != NULL; k++)
			if (mask & (1u << k))
				pack_str(pk, f->names[k]);
		break;
	case FT_STRV:
		msgpack_pack_array(pk, *CCOUNT(rec, f));
		for (i = 0; i < *CCOUNT(rec, f); i++)
			pack_str(pk, (*CAT(rec, f, char **))[i]);
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
	pack_str(pk, "v");
	msgpack_pack_int(pk, sc->version);
	for (f = sc->fields; f->name != NULL; f++) {
		pack_str(pk, f->name);
		pack_field(f, rec, pk);
	}
}

int
rec_pack(const struct schema *sc, const void *rec, msgpack_packer *pk)
{
	pack(sc, rec, pk);
	return (0);
}

static char *
mp_strdup(const msgpack_object *o)
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

static int
unpack_field(const struct field *f, void *rec, const msgpack_object *o)
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
		return ((*AT(rec, f, char *) = mp_strdup(o)) == NULL ?
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
		if ((k = mp_enum(f->names, o)) < 0)
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
			if (((*AT(rec, f, char **))[i] = mp_strdup(e)) == NULL)
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
	int			 rc;

	if (o->type != MSGPACK_OBJECT_MAP)
		return (IOD_ECORRUPT);
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
		if ((rc = unpack_field(f, rec, &kv->val)) != 0)
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

static void
clear(const struct schema *sc, void *rec)
{
	const struct field	*f;
	size_t			 i;
	char			*p;

	for (f = sc->fields; f->name != NULL; f++) {
		switch (f->type) {
		case FT_STR:
			free(*AT(rec, f, char *));
			break;
		case FT_STRV:
			for (i = 0; i < *COUNT(rec, f); i++)
				free((*AT(rec, f, char **))[i]);
			free(*AT(rec, f, char **));
			break;
		case FT_OBJ:
			clear(f->sub, AT(rec, f, char));
			break;
		case FT_OBJV:
			p = *AT(rec, f, char *);
			for (i = 0; i < *COUNT(rec, f); i++)
				clear(f->sub, p + i * f->sub->size);
			free(p);
			break;
		default:
			break;
		}
	}
	memset(rec, 0, sc->size);
}

void
rec_clear(const struct schema *sc, void *rec)
{
	if (rec != NULL)
		clear(sc, rec);
}

void *
rec_new(const struct schema *sc)
{
	return (calloc(1, sc->size));
}

static json_t *
mp_json(const msgpack_object *o, int depth, char **cause)
{
	const msgpack_object_kv	*kv;
	json_t			*j, *v;
	char			*key = NULL;
	uint32_t		 i;

	if (depth > MAX_DEPTH) {
		*cause = strdup("msgpack body nested too deeply");
		return (NULL);
	}
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return (json_null());
	case MSGPACK_OBJECT_BOOLEAN:
		return (json_boolean(o->via.boolean));
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (o->via.u64 > INT64_MAX) {
			*cause = strdup("msgpack integer out of range");
			return (NULL);
		}
		return (json_integer((json_int_t)o->via.u64));
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return (json_integer(o->via.i64));
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return (json_real(o->via.f64));
	case MSGPACK_OBJECT_STR:
		if ((j = json_stringn(o->via.str.ptr, o->via.str.size)) == NULL)
			*cause = strdup("msgpack string is not valid UTF-8");
		return (j);
	case MSGPACK_OBJECT_ARRAY:
		j = json_array();
		for (i = 0; i < o->via.array.size; i++) {
			if ((v = mp_json(&o->via.array.ptr[i], depth + 1,
			    cause)) == NULL) {
				json_decref(j);
				return (NULL);
			}
			json_array_append_new(j, v);
		}
		return (j);
	case MSGPACK_OBJECT_MAP:
		j = json_object();
		for (i = 0; i < o->via.map.size; i++) {
			kv = &o->via.map.ptr[i];
			key = NULL;
			if (kv->key.type != MSGPACK_OBJECT_STR ||
			    (key = mp_strdup(&kv->key)) == NULL ||
			    !utf8_valid(key, kv->key.via.str.size) ||
			    strlen(key) != kv->key.via.str.size) {
				free(key);
				*cause = strdup("msgpack map key is not a "
				    "UTF-8 string");
				json_decref(j);
				return (NULL);
			}
			/* JSON bodies refuse a key twice: so does msgpack. */
			if (json_object_get(j, key) != NULL) {
				*cause = xasprintf("duplicate key \"%.*s\" in a "
				    "msgpack map", (int)utf8_cut(key, 40), key);
				free(key);
				json_decref(j);
				return (NULL);
			}
			if ((v = mp_json(&kv->val, depth + 1, cause)) == NULL) {
				free(key);
				json_decref(j);
				return (NULL);
			}
			json_object_set_new(j, key, v);
			free(key);
		}
		return (j);
	default:
		*cause = strdup("msgpack bin and ext values are not accepted");
		return (NULL);
	}
}

static uint64_t
be(const unsigned char *p, int n)
{
	uint64_t	v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return (v);
}

/*
 * msgpack-c allocates a declared array or map before reading it: five bytes
 * can ask for gigabytes.  Walk the bytes of one value first: every length
 * must fit in what is left, every element needs at least one byte.  *next
 * gets where the value ends, *values how many values it holds (keys, and
 * itself, included).
 */
static int
mp_walk(const unsigned char *p, const unsigned char *end,
    const unsigned char **next, uint64_t *values)
{
	uint64_t	 pending = 1, n;
	unsigned	 c;
	int		 hdr;

	*values = 0;
	while (pending > 0) {
		if (p >= end)
			return (IOD_EINVAL);
		pending--;
		(*values)++;
		c = *p;
		n = 0;
		hdr = 1;
		if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
			;
		else if (c >= 0x80 && c <= 0x8f)
			pending += 2 * (uint64_t)(c & 0x0f);
		else if (c >= 0x90 && c <= 0x9f)
			pending += c & 0x0f;
		else if (c >= 0xa0 && c <= 0xbf)
			n = c & 0x1f;
		else {
			switch (c) {
			case 0xc4: case 0xd9: hdr = 2; break;
			case 0xc5: case 0xda: hdr = 3; break;
			case 0xc6: case 0xdb: hdr = 5; break;
			case 0xc7: hdr = 3; break;
			case 0xc8: hdr = 4; break;
			case 0xc9: hdr = 6; break;
			case 0xca: case 0xce: case 0xd2: hdr = 5; break;
			case 0xcb: case 0xcf: case 0xd3: hdr = 9; break;
			case 0xcc: case 0xd0: hdr = 2; break;
			case 0xcd: case 0xd1: hdr = 3; break;
			case 0xd4: hdr = 3; break;
			case 0xd5: hdr = 4; break;
			case 0xd6: hdr = 6; break;
			case 0xd7: hdr = 10; break;
			case 0xd8: hdr = 18; break;
			case 0xdc: case 0xde: hdr = 3; break;
			case 0xdd: case 0xdf: hdr = 5; break;
			default: return (IOD_EINVAL);	/* 0xc1 */
			}
			if ((size_t)(end - p) < (size_t)hdr)
				return (IOD_EINVAL);
			switch (c) {
			case 0xc4: case 0xd9: n = p[1]; break;
			case 0xc5: case 0xda: n = be(p + 1, 2); break;
			case 0xc6: case 0xdb: n = be(p + 1, 4); break;
			case 0xc7: n = p[1]; break;
			case 0xc8: n = be(p + 1, 2); break;
			case 0xc9: n = be(p + 1, 4); break;
			case 0xdc: pending += be(p + 1, 2); break;
			case 0xdd: pending += be(p + 1, 4); break;
			case 0xde: pending += 2 * be(p + 1, 2); break;
			case 0xdf: pending += 2 * be(p + 1, 4); break;
			}
		}
		if ((size_t)(end - p) < hdr + n)
			return (IOD_EINVAL);
		p += hdr + n;
		if (pending > (uint64_t)(end - p))
			return (IOD_EINVAL);
	}
	*next = p;
	return (0);
}

/* Check that buf holds exactly one value whose lengths all fit in it. */
int
mp_check(const void *buf, size_t len)
{
	const unsigned char	*p = buf, *next;
	uint64_t		 values;

	if (mp_walk(p, p + len, &next, &values) != 0)
		return (IOD_EINVAL);
	return (next == p + len ? 0 : IOD_EINVAL);
}

/* ---- the items of a batch body ------------------------------------------ */

static size_t
json_space(const char *buf, size_t len, size_t off)
{
	while (off < len && (buf[off] == ' ' || buf[off] == '\t' ||
	    buf[off] == '\n' || buf[off] == '\r'))
		off++;
	return (off);
}

/*
 * Find the end of the JSON array item at off: the first ',' or closing
 * bracket outside strings and nested brackets.  The bracket pairs and the
 * item's grammar are jansson's to check; this only cuts, and counts the
 * item's values (separators and openings) on the way.  *end gets the
 * offset of that ',' or ']'; IOD_EINVAL if the body ends first.
 */
static int
json_item_end(const char *buf, size_t len, size_t off, size_t *end,
    uint64_t *values)
{
	size_t	depth = 0;
	int	instr = 0;
	char	ch;

	*values = 1;
	for (; off < len; off++) {
		ch = buf[off];
		if (instr) {
			if (ch == '\\')
				off++;
			else if (ch == '"')
				instr = 0;
			continue;
		}
		switch (ch) {
		case '"':
			instr = 1;
			break;
		case '[':
		case '{':
			depth++;
			(*values)++;
			break;
		case ']':
		case '}':
			if (depth == 0) {
				*end = off;
				return (0);
			}
			depth--;
			break;
		case ',':
		case ':':
			if (depth == 0 && ch == ',') {
				*end = off;
				return (0);
			}
			(*values)++;
			break;
		}
	}
	return (IOD_EINVAL);
}

int
wire_items_open(struct wire_items *w, const char *buf, size_t len,
    int msgpack, size_t max, char **cause)
{
	const unsigned char	*p = (const unsigned char *)buf;
	uint64_t		 values;
	size_t			 off, end;

	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->len = len;
	w->msgpack = msgpack;
	*cause = NULL;
	if (msgpack) {
		if (len >= 1 && p[0] >= 0x90 && p[0] <= 0x9f) {
			w->n = p[0] & 0x0f;
			w->off = 1;
		} else if (len >= 3 && p[0] == 0xdc) {
			w->n = be(p + 1, 2);
			w->off = 3;
		} else if (len >= 5 && p[0] == 0xdd) {
			w->n = be(p + 1, 4);
			w->off = 5;
		} else {
			*cause = strdup("body is not an array");
			return (IOD_EINVAL);
		}
		if (w->n > max)
			return (IOD_ETOOBIG);
		if (mp_check(buf, len) != 0) {
			*cause = strdup("body is not one complete msgpack value");
			return (IOD_EINVAL);
		}
		return (0);
	}
	off = json_space(buf, len, 0);
	if (off == len || buf[off] != '[') {
		*cause = strdup("body is not an array");
		return (IOD_EINVAL);
	}
	w->off = off + 1;
	off = json_space(buf, len, off + 1);
	if (off < len && buf[off] == ']')
		end = off;
	else {
		/* Count: a ',' or the closing ']' after each item. */
		for (;;) {
			if (json_item_end(buf, len, off, &end, &values) != 0) {
				*cause = strdup("invalid JSON: the array is "
				    "not closed");
				return (IOD_EINVAL);
			}
			w->n++;
			if (buf[end] != ',')
				break;
			off = end + 1;
		}
		if (w->n > max)
			return (IOD_ETOOBIG);
	}
	if (buf[end] != ']' || json_space(buf, len, end + 1) != len) {
		*cause = strdup("invalid JSON: the array is not closed, or "
		    "something follows it");
		return (IOD_EINVAL);
	}
	return (0);
}

int
wire_items_next(struct wire_items *w, json_t **item, char **cause)
{
	const unsigned char	*p = (const unsigned char *)w->buf, *next;
	msgpack_unpacked	 u;
	json_error_t		 err;
	uint64_t		 values;
	size_t			 start, end, off = 0;
	int			 rc;

	*item = NULL;
	*cause = NULL;
	if (w->i >= w->n)
		return (0);
	w->i++;
	start = w->off;
	if (w->msgpack) {
		if (mp_walk(p + start, p + w->len, &next, &values) != 0) {
			*cause = strdup("not one complete msgpack value");
			w->off = w->len;
			return (IOD_EINVAL);
		}
		end = w->off = (size_t)(next - p);
	} else {
		if (json_item_end(w->buf, w->len, start, &end, &values) != 0) {
			*cause = strdup("invalid JSON: the array is not closed");
			w->off = w->len;
			return (IOD_EINVAL);
		}
		w->off = end + 1;
	}
	if (values > ITEM_VALUES_MAX) {
		*cause = xasprintf("item of more than %d values (a record "
		    "has far fewer)", ITEM_VALUES_MAX);
		return (IOD_ETOOBIG);
	}
	if (!w->msgpack) {
		*item = json_loadb(w->buf + start, end - start,
		    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
		if (*item == NULL) {
			*cause = xasprintf("invalid JSON at line %d, column %d "
			    "of the item: %s", err.line, err.column, err.text);
			return (IOD_EINVAL);
		}
		return (1);
	}
	msgpack_unpacked_init(&u);
	rc = msgpack_unpack_next(&u, w->buf + start, end - start, &off);
	if (rc != MSGPACK_UNPACK_SUCCESS || off != end - start) {
		msgpack_unpacked_destroy(&u);
		*cause = strdup(rc == MSGPACK_UNPACK_NOMEM_ERROR ?
		    "out of memory" : "not one complete msgpack value");
		return (rc == MSGPACK_UNPACK_NOMEM_ERROR ? IOD_ENOMEM :
		    IOD_EINVAL);
	}
	*item = mp_to_json(&u.data, cause);
	msgpack_unpacked_destroy(&u);
	return (*item != NULL ? 1 : IOD_EINVAL);
}

json_t *
mp_bytes_to_json(const void *buf, size_t len)
{
	msgpack_unpacked	 u;
	json_t			*j = NULL;
	char			*cause = NULL;
	size_t			 off = 0;

	if (mp_check(buf, len) != 0)
		return (NULL);
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, buf, len, &off) == MSGPACK_UNPACK_SUCCESS)
		j = mp_to_json(&u.data, &cause);
	msgpack_unpacked_destroy(&u);
	free(cause);
	return (j);
}

json_t *
mp_to_json(const msgpack_object *o, char **cause)
{
	*cause = NULL;
	return (mp_json(o, 0, cause));
}

int
json_pack_mp(json_t *j, msgpack_packer *pk)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		msgpack_pack_map(pk, json_object_size(j));
		json_object_foreach(j, key, v) {
			pack_str(pk, key);
			json_pack_mp(v, pk);
		}
		break;
	case JSON_ARRAY:
		msgpack_pack_array(pk, json_array_size(j));
		json_array_foreach(j, i, v)
			json_pack_mp(v, pk);
		break;
	case JSON_STRING:
		msgpack_pack_str(pk, json_string_length(j));
		msgpack_pack_str_body(pk, json_string_value(j),
		    json_string_length(j));
		break;
	case JSON_INTEGER:
		msgpack_pack_int64(pk, json_integer_value(j));
		break;
	case JSON_REAL:
		msgpack_pack_double(pk, json_real_value(j));
		break;
	case JSON_TRUE:
		msgpack_pack_true(pk);
		break;
	case JSON_FALSE:
		msgpack_pack_false(pk);
		break;
	case JSON_NULL:
		msgpack_pack_nil(pk);
		break;
	}
	return (0);
}
