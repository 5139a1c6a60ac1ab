/*
 * jsonw.c — a reply's JSON tree written as compact text, byte for byte
 * what jansson's json_dumpb(JSON_COMPACT) writes (objects in insertion
 * order, "/" and non-ASCII left as they are, control bytes escaped), but
 * in one pass into one buffer: integers and strings are formatted here
 * rather than through snprintf and a callback per token, which made the
 * encoding a fifth of a small request's time.  Reals, rare in replies, go
 * through jansson's own formatting.  It owns no state; the reply's
 * headers and sending are http.c's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "daemon.h"

#define JSONW_DEPTH	2048		/* jansson's own nesting limit */
#define JSONW_BLOCK	4096		/* a reply's first buffer */
#define JSONW_POOL	64		/* such buffers kept for reuse */

/* Buffers of JSONW_BLOCK bytes the replies sent gave back: a malloc of
 * that size per reply would also make glibc consolidate its free chunks
 * each time.  The loop's thread only. */
static char	*pool[JSONW_POOL];
static size_t	 npool;

struct jbuf {
	char	*p;
	size_t	 len, cap;
	int	 failed;
};

/* Room for n more bytes, growing the buffer; 0, or -1 (failed set) out of
 * memory. */
static int
grow(struct jbuf *b, size_t n)
{
	size_t	 cap;
	char	*p;

	if (b->failed)
		return (-1);
	cap = b->cap > 0 ? b->cap : JSONW_BLOCK;
	while (cap - b->len < n)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->failed = 1;
		return (-1);
	}
	b->p = p;
	b->cap = cap;
	return (0);
}

static inline int
room(struct jbuf *b, size_t n)
{
	return (b->cap - b->len >= n ? 0 : grow(b, n));
}

static inline void
put(struct jbuf *b, const char *s, size_t n)
{
	if (room(b, n) == 0) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

static void
put_int(struct jbuf *b, json_int_t v)
{
	char		 d[24], *e = d + sizeof(d), *s = e;
	uint64_t	 u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--s = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--s = '-';
	put(b, s, (size_t)(e - s));
}

/* A string quoted and escaped as jansson escapes it, written in place
 * (room for the worst case, every byte a \u00XX, taken once). */
static void
put_str(struct jbuf *b, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)s, *end = p + n;
	char			*o;
	unsigned char		 c;

	if (n > (SIZE_MAX - 2) / 6 || room(b, n * 6 + 2) != 0) {
		b->failed = 1;
		return;
	}
	o = b->p + b->len;
	*o++ = '"';
	for (; p < end; p++) {
		if ((c = *p) >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
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
	b->len = (size_t)(o - b->p);
}

static void
put_value(struct jbuf *b, json_t *v, int depth)
{
	const char	*key;
	json_t		*x;
	size_t		 i, n;
	char		 num[64];
	int		 first = 1;

	if (depth > JSONW_DEPTH) {
		b->failed = 1;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		put(b, "{", 1);
		json_object_foreach(v, key, x) {
			if (!first)
				put(b, ",", 1);
			first = 0;
			put_str(b, key, strlen(key));
			put(b, ":", 1);
			put_value(b, x, depth + 1);
		}
		put(b, "}", 1);
		break;
	case JSON_ARRAY:
		put(b, "[", 1);
		n = json_array_size(v);
		for (i = 0; i < n; i++) {
			if (i > 0)
				put(b, ",", 1);
			put_value(b, json_array_get(v, i), depth + 1);
		}
		put(b, "]", 1);
		break;
	case JSON_STRING:
		put_str(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		put_int(b, json_integer_value(v));
		break;
	case JSON_REAL:
		n = json_dumpb(v, num, sizeof(num), JSON_ENCODE_ANY |
		    JSON_COMPACT);
		if (n == 0 || n > sizeof(num))
			b->failed = 1;
		else
			put(b, num, n);
		break;
	case JSON_TRUE:
		put(b, "true", 4);
		break;
	case JSON_FALSE:
		put(b, "false", 5);
		break;
	case JSON_NULL:
		put(b, "null", 4);
		break;
	}
}

/* The reply went out: its buffer back to the pool (arg: its size). */
static void
release(const void *data, size_t len, void *arg)
{
	(void)len;
	if ((uintptr_t)arg == JSONW_BLOCK && npool < JSONW_POOL)
		pool[npool++] = (char *)(uintptr_t)data;
	else
		free((void *)(uintptr_t)data);
}

int
jsonw_evbuffer(json_t *j, struct evbuffer *out)
{
	struct jbuf	b = { NULL, 0, 0, 0 };

	if (npool > 0) {
		b.p = pool[--npool];
		b.cap = JSONW_BLOCK;
	}
	put_value(&b, j, 0);
	put(&b, "\n", 1);
	if (b.failed || evbuffer_add_reference(out, b.p, b.len, release,
	    (void *)(uintptr_t)b.cap) != 0) {
		release(b.p, 0, (void *)(uintptr_t)b.cap);
		return (-1);
	}
	return (0);
}
