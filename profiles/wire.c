/*
 * wire.c — generic JSON <-> msgpack trees for the wire (a request body sent
 * as msgpack, a reply asked for as msgpack), the bounds check of a msgpack
 * buffer before it is unpacked, and the items of a batch body read one at
 * a time, whether JSON or msgpack.  No record schema is involved: the
 * field-table walkers are schema.c's and schema-mp.c's.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema-int.h"

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
			    (key = schema_mp_strdup(&kv->key)) == NULL ||
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
				*cause = schema_printf("duplicate key \"%.*s\" "
				    "in a msgpack map", (int)utf8_cut(key, 40),
				    key);
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

/* The bytes json_item_end stops at: in a string (1), outside (2). */
static const unsigned char	cut_stop[256] = {
	['"'] = 3, ['\\'] = 1, ['['] = 2, ['{'] = 2, [']'] = 2, ['}'] = 2,
	[','] = 2, [':'] = 2
};

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
	const unsigned char	*p = (const unsigned char *)buf;
	size_t			 depth = 0;

	*values = 1;
	for (; off < len; off++) {
		if (!(cut_stop[p[off]] & 2))
			continue;
		switch (p[off]) {
		case '"':
			/* To the closing quote; a backslash escapes the
			 * byte after it. */
			for (off++; off < len; off++) {
				if (!(cut_stop[p[off]] & 1))
					continue;
				if (p[off] == '"')
					break;
				off++;
			}
			if (off >= len)
				return (IOD_EINVAL);
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
			if (depth == 0 && p[off] == ',') {
				*end = off;
				return (0);
			}
			(*values)++;
			break;
		}
	}
	return (IOD_EINVAL);
}

/* wire_items_open; unless check says so, a msgpack body's values are
 * not walked to its end, nor a JSON body's items counted. */
static int
items_open(struct wire_items *w, const char *buf, size_t len, int msgpack,
    size_t max, int check, char **cause)
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
		if (check && mp_check(buf, len) != 0) {
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
	else if (!check) {
		w->n = SIZE_MAX;	/* counted as they are read */
		return (0);
	} else {
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
wire_items_open(struct wire_items *w, const char *buf, size_t len,
    int msgpack, size_t max, char **cause)
{
	return (items_open(w, buf, len, msgpack, max, 1, cause));
}

int
wire_items_reopen(struct wire_items *w, const char *buf, size_t len,
    int msgpack, size_t max, char **cause)
{
	return (items_open(w, buf, len, msgpack, max, 0, cause));
}

int
wire_items_next_raw(struct wire_items *w, const char **item, size_t *len,
    char **cause)
{
	const unsigned char	*p = (const unsigned char *)w->buf, *next;
	uint64_t		 values;
	size_t			 start, end;

	*item = NULL;
	*len = 0;
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
			if (w->n == SIZE_MAX)
				w->n = w->i;	/* nothing follows */
			return (IOD_EINVAL);
		}
		w->off = end + 1;
		if (w->buf[end] != ',')
			w->n = w->i;	/* the last: the array closes */
	}
	if (values > ITEM_VALUES_MAX) {
		*cause = schema_printf("item of more than %d values (a record "
		    "has far fewer)", ITEM_VALUES_MAX);
		return (IOD_ETOOBIG);
	}
	*item = w->buf + start;
	*len = end - start;
	return (1);
}

int
wire_items_next_mp(struct wire_items *w, const char **item, size_t *len,
    char **mp, size_t *mpcap, size_t *mplen, char **cause)
{
	uint64_t	values;
	size_t		start = w->off, used, end;

	if (w->msgpack || w->i >= w->n || start >= w->len ||
	    wire_json_mp_next(w->buf + start, w->len - start, mp, mpcap, mplen,
	    &used, &values) != 0 || start + used >= w->len ||
	    (w->buf[start + used] != ',' && w->buf[start + used] != ']'))
		return (wire_items_next_raw(w, item, len, cause));
	/* Where json_item_end would have cut it, with as many values. */
	end = start + used;
	*cause = NULL;
	w->i++;
	w->off = end + 1;
	if (w->buf[end] != ',')
		w->n = w->i;
	*item = NULL;
	*len = 0;
	if (values > ITEM_VALUES_MAX) {
		*cause = schema_printf("item of more than %d values (a record "
		    "has far fewer)", ITEM_VALUES_MAX);
		return (IOD_ETOOBIG);
	}
	*item = w->buf + start;
	*len = end - start;
	return (2);
}

int
wire_item_json(const struct wire_items *w, const char *buf, size_t len,
    json_t **item, char **cause)
{
	msgpack_unpacked	 u;
	json_error_t		 err;
	size_t			 off = 0;
	int			 rc;

	*item = NULL;
	*cause = NULL;
	if (!w->msgpack) {
		*item = json_loadb(buf, len,
		    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
		if (*item == NULL) {
			*cause = schema_printf("invalid JSON at line %d, "
			    "column %d of the item: %s", err.line, err.column,
			    err.text);
			return (IOD_EINVAL);
		}
		return (1);
	}
	msgpack_unpacked_init(&u);
	rc = msgpack_unpack_next(&u, buf, len, &off);
	if (rc != MSGPACK_UNPACK_SUCCESS || off != len) {
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

int
wire_items_next(struct wire_items *w, json_t **item, char **cause)
{
	const char	*buf;
	size_t		 len;
	int		 rc;

	*item = NULL;
	if ((rc = wire_items_next_raw(w, &buf, &len, cause)) != 1)
		return (rc);
	return (wire_item_json(w, buf, len, item, cause));
}

json_t *
mp_bytes_to_json(const void *buf, size_t len)
{
	return (rec_stored_json(NULL, buf, len));
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
			schema_pack_str(pk, key);
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
