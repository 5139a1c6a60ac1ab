/*
 * jsonw.c — a reply's JSON tree written as compact text, byte for byte
 * what jansson's json_dumpb(JSON_COMPACT) writes (objects in insertion
 * order, "/" and non-ASCII left as they are, control bytes escaped), but
 * in one pass into one buffer: integers and strings are formatted by the
 * profiles' writer (schema-jw.c) rather than through snprintf and a
 * callback per token, which made the encoding a fifth of a small
 * request's time.  Reals, rare in replies, go through jansson's own
 * formatting.  A reply of fixed shape written with that writer, without
 * a tree, goes out through the same buffers (jsonw_begin, jsonw_reply).
 * It owns no state but its pool of buffers; the reply's headers and
 * sending are http.c's.
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

static void
put_value(struct jw *b, json_t *v, int depth)
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
		jw_raw(b, "{", 1);
		json_object_foreach(v, key, x) {
			if (!first)
				jw_raw(b, ",", 1);
			first = 0;
			jw_strn(b, key, strlen(key));
			jw_raw(b, ":", 1);
			put_value(b, x, depth + 1);
		}
		jw_raw(b, "}", 1);
		break;
	case JSON_ARRAY:
		jw_raw(b, "[", 1);
		n = json_array_size(v);
		for (i = 0; i < n; i++) {
			if (i > 0)
				jw_raw(b, ",", 1);
			put_value(b, json_array_get(v, i), depth + 1);
		}
		jw_raw(b, "]", 1);
		break;
	case JSON_STRING:
		jw_strn(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		jw_int(b, json_integer_value(v));
		break;
	case JSON_REAL:
		n = json_dumpb(v, num, sizeof(num), JSON_ENCODE_ANY |
		    JSON_COMPACT);
		if (n == 0 || n > sizeof(num))
			b->failed = 1;
		else
			jw_raw(b, num, n);
		break;
	case JSON_TRUE:
		jw_raw(b, "true", 4);
		break;
	case JSON_FALSE:
		jw_raw(b, "false", 5);
		break;
	case JSON_NULL:
		jw_raw(b, "null", 4);
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

void
jsonw_begin(struct jw *w)
{
	memset(w, 0, sizeof(*w));
	if (npool > 0) {
		w->p = pool[--npool];
		w->cap = JSONW_BLOCK;
	}
}

/* w's text and a newline onto out; w's buffer is taken either way. */
static int
end(struct jw *w, struct evbuffer *out)
{
	jw_raw(w, "\n", 1);
	if (w->failed || evbuffer_add_reference(out, w->p, w->len, release,
	    (void *)(uintptr_t)w->cap) != 0) {
		release(w->p, 0, (void *)(uintptr_t)w->cap);
		w->p = NULL;
		return (-1);
	}
	w->p = NULL;
	return (0);
}

int
jsonw_evbuffer(json_t *j, struct evbuffer *out)
{
	struct jw	w;

	jsonw_begin(&w);
	put_value(&w, j, 0);
	return (end(&w, out));
}

int
jsonw_reply(struct reqctx *ctx, int status, struct jw *w)
{
	struct evbuffer	*out;

	if ((out = evbuffer_new()) == NULL || end(w, out) != 0) {
		if (out != NULL)
			evbuffer_free(out);
		else
			release(w->p, 0, (void *)(uintptr_t)w->cap);
		w->p = NULL;
		return (http_error(ctx, ERR_NO_MEMORY, NULL,
		    "out of memory"));
	}
	return (http_reply_text(ctx, status,
	    "application/json; charset=utf-8", out));
}
