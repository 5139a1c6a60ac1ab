/*
 * schema-jw.c — JSON text written without a tree: a record straight from
 * its schema's field table, as rec_to_json and json_dumpb(JSON_COMPACT)
 * together would write it (labels included), and the scalars a reply of
 * fixed shape is made of.  The replies that carry one record or a ranked
 * list are written through it, and so is every reply tree (the daemon's
 * jsonw.c).  It owns no state; where the text goes is the caller's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema-int.h"

#define JW_BLOCK	4096		/* a buffer's first size */

/* Room for n more bytes, growing the buffer; 0, or -1 (failed set) out of
 * memory. */
static int
grow(struct jw *w, size_t n)
{
	size_t	 cap;
	char	*p;

	if (w->failed)
		return (-1);
	cap = w->cap > 0 ? w->cap : JW_BLOCK;
	while (cap - w->len < n) {
		if (cap > SIZE_MAX / 2) {
			w->failed = 1;
			return (-1);
		}
		cap *= 2;
	}
	if ((p = realloc(w->p, cap)) == NULL) {
		w->failed = 1;
		return (-1);
	}
	w->p = p;
	w->cap = cap;
	return (0);
}

static inline int
room(struct jw *w, size_t n)
{
	return (w->cap - w->len >= n ? 0 : grow(w, n));
}

void
jw_raw(struct jw *w, const char *s, size_t n)
{
	if (room(w, n) == 0) {
		memcpy(w->p + w->len, s, n);
		w->len += n;
	}
}

void
jw_int(struct jw *w, int64_t v)
{
	char		 d[24], *e = d + sizeof(d), *s = e;
	uint64_t	 u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--s = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--s = '-';
	jw_raw(w, s, (size_t)(e - s));
}

/* The bytes jansson escapes: control bytes, '"' and '\\'. */
static const unsigned char	escaped[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1,
	[0x05] = 1, [0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1,
	[0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1,
	[0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1,
	[0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1,
	[0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
	[0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1
};

/* Quoted and escaped as jansson escapes, written in place (room for the
 * worst case, every byte a \u00XX, taken once); the runs between escapes
 * copied whole. */
void
jw_strn(struct jw *w, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)s, *end = p + n;
	const unsigned char	*q;
	char			*o;
	unsigned char		 c;

	if (n > (SIZE_MAX - 2) / 6 || room(w, n * 6 + 2) != 0) {
		w->failed = 1;
		return;
	}
	o = w->p + w->len;
	*o++ = '"';
	for (;;) {
		for (q = p; q < end && !escaped[*q]; q++)
			;
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		if ((p = q) == end)
			break;
		c = *p++;
		*o++ = '\\';
		switch (c) {
		case '"':  *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 0xf];
			o += 5;
			break;
		}
	}
	*o++ = '"';
	w->len = (size_t)(o - w->p);
}

void
jw_str(struct jw *w, const char *s)
{
	if (s == NULL)
		jw_raw(w, "null", 4);
	else
		jw_strn(w, s, strlen(s));
}

void
jw_key(struct jw *w, const char *key)
{
	if (w->len > 0 && w->p[w->len - 1] != '{')
		jw_raw(w, ",", 1);
	jw_str(w, key);
	jw_raw(w, ":", 1);
}

static void	 rec_members(struct jw *, const struct schema *, const void *,
		    int);

/* One field's value, as field_to_json makes it. */
static void
field(struct jw *w, const struct field *f, const void *rec, int view)
{
	char		 day[11];
	const char	*p;
	size_t		 i;
	uint32_t	 mask;
	int		 k, n;

	switch (f->type) {
	case FT_ID:
	case FT_REF:
		if (*CAT(rec, f, uint64_t) == 0)
			jw_raw(w, "null", 4);
		else
			jw_int(w, (int64_t)*CAT(rec, f, uint64_t));
		break;
	case FT_STR:
		jw_str(w, *CAT(rec, f, char *));
		break;
	case FT_INT:
	case FT_TIME:
		jw_int(w, *CAT(rec, f, int64_t));
		break;
	case FT_BOOL:
		if (*CAT(rec, f, int))
			jw_raw(w, "true", 4);
		else
			jw_raw(w, "false", 5);
		break;
	case FT_DATE:
		if (*CAT(rec, f, iod_date) == 0) {
			jw_raw(w, "null", 4);
			break;
		}
		date_format(*CAT(rec, f, iod_date), day);
		jw_str(w, day);
		break;
	case FT_ENUM:
		k = *CAT(rec, f, int);
		jw_str(w, k < 0 ? NULL : f->names[k]);
		break;
	case FT_SET:
		mask = *CAT(rec, f, uint32_t);
		jw_raw(w, "[", 1);
		for (k = 0, n = 0; f->names[k] != NULL; k++)
			if (mask & (1u << k)) {
				if (n++ > 0)
					jw_raw(w, ",", 1);
				jw_str(w, f->names[k]);
			}
		jw_raw(w, "]", 1);
		break;
	case FT_STRV:
		jw_raw(w, "[", 1);
		for (i = 0; i < *CCOUNT(rec, f); i++) {
			if (i > 0)
				jw_raw(w, ",", 1);
			jw_str(w, (*CAT(rec, f, char **))[i]);
		}
		jw_raw(w, "]", 1);
		break;
	case FT_OBJ:
		if ((f->flags & F_NULLABLE) &&
		    !schema_obj_present(f->sub, CAT(rec, f, char)))
			jw_raw(w, "null", 4);
		else
			rec_members(w, f->sub, CAT(rec, f, char), view);
		break;
	case FT_OBJV:
		p = *CAT(rec, f, char *);
		jw_raw(w, "[", 1);
		for (i = 0; i < *CCOUNT(rec, f); i++) {
			if (i > 0)
				jw_raw(w, ",", 1);
			rec_members(w, f->sub, p + i * f->sub->size, view);
		}
		jw_raw(w, "]", 1);
		break;
	}
}

/* f's labels after it, as label_add sets them. */
static void
labels(struct jw *w, const struct field *f, const void *rec)
{
	char	 keys[2][LABEL_KEY_MAX];
	char	*const *v;
	size_t	 i;
	int	 k, n;

	if ((n = label_keys(f, keys)) == 0)
		return;
	if (f->type == FT_STRV && f->check != check_commune) {
		v = *CAT(rec, f, char **);
		jw_key(w, keys[0]);
		jw_raw(w, "[", 1);
		for (i = 0; i < *CCOUNT(rec, f); i++) {
			if (i > 0)
				jw_raw(w, ",", 1);
			jw_str(w, label_value(f, 0, v[i]));
		}
		jw_raw(w, "]", 1);
		return;
	}
	for (k = 0; k < n; k++) {
		jw_key(w, keys[k]);
		jw_str(w, f->type == FT_STR ? label_value(f, k,
		    *CAT(rec, f, char *)) : NULL);
	}
}

void
jw_rec_open(struct jw *w, const struct schema *sc, const void *rec,
    int view)
{
	const struct field	*f;

	jw_raw(w, "{", 1);
	for (f = sc->fields; f->name != NULL; f++) {
		if (!schema_visible(f, view))
			continue;
		jw_key(w, f->name);
		field(w, f, rec, view);
		if (f->check != NULL)
			labels(w, f, rec);
	}
}

/* A record whole, its object closed. */
static void
rec_members(struct jw *w, const struct schema *sc, const void *rec,
    int view)
{
	jw_rec_open(w, sc, rec, view);
	jw_raw(w, "}", 1);
}

void
jw_rec(struct jw *w, const struct schema *sc, const void *rec, int view)
{
	rec_members(w, sc, rec, view);
}
