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

/* 1 if one of x's 8 bytes is escaped: below 0x20, '"' or '\\' (the
 * bytes of UTF-8 sequences, 0x80 and above, never are). */
static inline int
word_escaped(uint64_t x)
{
	const uint64_t	ones = 0x0101010101010101ULL;
	const uint64_t	high = 0x8080808080808080ULL;
	uint64_t	q = x ^ (ones * '"'), b = x ^ (ones * '\\');

	return ((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) |
	    ((b - ones) & ~b)) & high) != 0;
}

/* The escape of c, one of the escaped bytes, at o: past its end. */
static char *
put_escape(char *o, unsigned char c)
{
	static const char	 hex[] = "0123456789ABCDEF";

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
	return (o);
}

/* s quoted and escaped at o, which has room for the worst case (every
 * byte a \u00XX): past its end.  Eight bytes at a time while none needs
 * an escape; then a byte at a time up to the escape. */
static inline char *
put_str(char *o, const unsigned char *p, size_t n)
{
	const unsigned char	*end = p + n;
	uint64_t		 x;

	*o++ = '"';
	for (;;) {
		while (end - p >= 8) {
			memcpy(&x, p, 8);
			if (word_escaped(x))
				break;
			memcpy(o, &x, 8);
			o += 8;
			p += 8;
		}
		while (p < end && !escaped[*p])
			*o++ = (char)*p++;
		if (p == end)
			break;
		o = put_escape(o, *p++);
	}
	*o++ = '"';
	return (o);
}

/* Quoted and escaped as jansson escapes, written in place (room for the
 * worst case taken once). */
void
jw_strn(struct jw *w, const char *s, size_t n)
{
	if (n > (SIZE_MAX - 2) / 6 || room(w, n * 6 + 2) != 0) {
		w->failed = 1;
		return;
	}
	w->len = (size_t)(put_str(w->p + w->len, (const unsigned char *)s,
	    n) - w->p);
}

void
jw_str(struct jw *w, const char *s)
{
	if (s == NULL)
		jw_raw(w, "null", 4);
	else
		jw_strn(w, s, strlen(s));
}

/* The comma, the quoted key and the colon in one reservation.  A key
 * is most often a plain name: one scan finds its end, or its first
 * escape ('\0' is in the table: it stops the scan either way). */
void
jw_key(struct jw *w, const char *key)
{
	const unsigned char	*k = (const unsigned char *)key;
	size_t			 n;
	char			*o;

	while (!escaped[*k])
		k++;
	n = (size_t)(k - (const unsigned char *)key);
	if (*k != '\0')
		n += strlen((const char *)k);
	if (n > (SIZE_MAX - 4) / 6 || room(w, *k == '\0' ? n + 4 :
	    n * 6 + 4) != 0) {
		w->failed = 1;
		return;
	}
	o = w->p + w->len;
	if (w->len > 0 && o[-1] != '{')
		*o++ = ',';
	if (*k == '\0') {
		*o++ = '"';
		memcpy(o, key, n);
		o += n;
		*o++ = '"';
	} else
		o = put_str(o, (const unsigned char *)key, n);
	*o++ = ':';
	w->len = (size_t)(o - w->p);
}

/* A date quoted, "YYYY-MM-DD" as date_format writes it (each part
 * taken modulo its width), without snprintf. */
static void
put_date(struct jw *w, iod_date d)
{
	char		 t[12];
	unsigned	 y = (d / 10000) % 10000, m = (d / 100) % 100;
	unsigned	 dd = d % 100;

	t[0] = '"';
	t[1] = (char)('0' + y / 1000);
	t[2] = (char)('0' + y / 100 % 10);
	t[3] = (char)('0' + y / 10 % 10);
	t[4] = (char)('0' + y % 10);
	t[5] = '-';
	t[6] = (char)('0' + m / 10);
	t[7] = (char)('0' + m % 10);
	t[8] = '-';
	t[9] = (char)('0' + dd / 10);
	t[10] = (char)('0' + dd % 10);
	t[11] = '"';
	jw_raw(w, t, sizeof(t));
}

static void	 rec_members(struct jw *, const struct schema *, const void *,
		    int);

/* One field's value, as field_to_json makes it. */
static void
field(struct jw *w, const struct field *f, const void *rec, int view)
{
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
		put_date(w, *CAT(rec, f, iod_date));
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
