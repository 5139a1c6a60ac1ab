/*
 * schema.c — the field-table walkers of every record type, driven by the
 * tables of model.c, records-track.c and records-admin.c: JSON in (validating,
 * with errors that name the field), JSON out (with the no-CV view), and
 * freeing.  The stored form (msgpack) is schema-mp.c's; generic JSON and
 * msgpack trees for the wire, and batch bodies, are wire.c's.  What each
 * field means is the tables' business; where records live is store.c's.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema-int.h"

#define STRV_ITEM_MAX	64	/* bytes per item of a string list */

char *
schema_printf(const char *fmt, ...)
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
	*cause = schema_printf("%s: %s", path, m != NULL ? m : "invalid");
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
		t = schema_printf("%.*s...", (int)utf8_cut(s, 37), s);
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

char *
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

/* prefix.key, or key without a prefix: in buf when it fits, else
 * malloc'd (the caller frees it when it is not buf); NULL without
 * memory.  The path is made for every field decoded: no printf. */
static char *
path_join(char *buf, size_t size, const char *prefix, const char *key)
{
	size_t	 lp = strlen(prefix), lk = strlen(key), n;
	char	*p;

	n = lp + (lp > 0) + lk + 1;
	if ((p = n <= size ? buf : malloc(n)) == NULL)
		return (NULL);
	memcpy(p, prefix, lp);
	if (lp > 0)
		p[lp++] = '.';
	memcpy(p + lp, key, lk + 1);
	return (p);
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
		    (k = enum_lookup_renamed(f, json_string_value(v))) < 0) {
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
			if ((sub = schema_printf("%s[%zu]", path, i)) == NULL)
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
			if ((sub = schema_printf("%s[%zu]", path, i)) == NULL)
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
	char			*path, pbuf[128];
	int			 rc;

	if (depth > MAX_DEPTH)
		return (fail(field, cause, prefix, "nested too deeply"));
	json_object_foreach(j, key, v) {
		f = schema_field_find(sc, key, strlen(key));
		if ((path = path_join(pbuf, sizeof(pbuf), prefix, key)) == NULL)
			return (IOD_ENOMEM);
		if (f == NULL && label_is(sc, key))
			rc = 0;		/* a label, read-only */
		else if (f == NULL)
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
		if (path != pbuf)
			free(path);
		if (rc != 0)
			return (rc);
	}
	for (f = sc->fields; f->name != NULL; f++) {
		if (!(f->flags & F_REQUIRED) || json_object_get(j, f->name) != NULL)
			continue;
		path = *prefix != '\0' ? schema_printf("%s.%s", prefix,
		    f->name) : strdup(f->name);
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
int
schema_obj_present(const struct schema *sc, const void *rec)
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

int
schema_visible(const struct field *f, int view)
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
			return (schema_visible(f, view) ? f : NULL);
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
		if ((f->flags & F_NULLABLE) &&
		    !schema_obj_present(f->sub, CAT(rec, f, char)))
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
	json_t			*o, *v;

	o = json_object();
	for (f = sc->fields; f->name != NULL; f++) {
		if (!schema_visible(f, view))
			continue;
		v = field_to_json(f, rec, view);
		json_object_set_new(o, f->name, v);
		if (f->check != NULL)
			label_add(o, f, v);
	}
	return (o);
}

json_t *
rec_to_json(const struct schema *sc, const void *rec, int view)
{
	return (to_json(sc, rec, view));
}

json_t *
rec_field_json(const struct field *f, const void *rec, int view)
{
	return (field_to_json(f, rec, view));
}

static void
rec_clear_fields(const struct schema *sc, void *rec)
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
			rec_clear_fields(f->sub, AT(rec, f, char));
			break;
		case FT_OBJV:
			p = *AT(rec, f, char *);
			for (i = 0; i < *COUNT(rec, f); i++)
				rec_clear_fields(f->sub, p + i * f->sub->size);
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
		rec_clear_fields(sc, rec);
}

void *
rec_new(const struct schema *sc)
{
	return (calloc(1, sc->size));
}

