/*
 * test_jsonw.c — the daemon's reply writer (matcher/daemon/jsonw.c)
 * against jansson's json_dumpb(JSON_COMPACT), byte for byte: hand-made
 * values (every escape, control bytes, non-ASCII, the integer limits,
 * reals, empty and nested containers, insertion order) and random trees;
 * and the writer without a tree (profiles/schema-jw.c) against
 * rec_to_json and the dump, on records of every schema drawn field by
 * field from its table (real commune, ROME and appellation codes among
 * them, so that the labels are there), in both views, and the job of a
 * proposal against its JSON.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <jansson.h>

#include "profiles.h"
#include "daemon.h"
#include "domain.h"

/* j as jsonw writes it equals jansson's compact dump and a newline. */
static void
same(json_t *j)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 n, got;
	char		*want;

	assert_non_null(b);
	n = json_dumpb(j, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_true(n > 0);
	want = malloc(n + 1);
	assert_non_null(want);
	assert_int_equal(json_dumpb(j, want, n, JSON_COMPACT |
	    JSON_ENCODE_ANY), n);
	want[n] = '\n';
	assert_int_equal(jsonw_evbuffer(j, b), 0);
	got = evbuffer_get_length(b);
	if (got != n + 1 || memcmp(evbuffer_pullup(b, -1), want, n + 1) != 0)
		fail_msg("jsonw wrote %.*s, jansson %.*s", (int)got,
		    (const char *)evbuffer_pullup(b, -1), (int)n + 1, want);
	free(want);
	evbuffer_free(b);
	json_decref(j);
}

static void
test_scalars(void **state)
{
	(void)state;
	same(json_integer(0));
	same(json_integer(-1));
	same(json_integer(1795772094));
	same(json_integer(INT64_MAX));
	same(json_integer(INT64_MIN));
	same(json_real(0.5));
	same(json_real(-1e300));
	same(json_real(3.0));
	same(json_true());
	same(json_false());
	same(json_null());
	same(json_string(""));
}

static void
test_strings(void **state)
{
	static const char	 ctl[] = "a\0b\001\037\x7f\"\\/\b\f\n\r\t";

	(void)state;
	same(json_string("Nettoyeur / Nettoyeuse de locaux"));
	same(json_string("Caluire-et-Cuire, Bourg-en-Bresse — élève ÿ €"));
	same(json_string("\xf0\x9f\x98\x80 emoji"));
	same(json_stringn(ctl, sizeof(ctl) - 1));
	same(json_pack("{s:s}", "k\"\\\n", "v"));
}

static void
test_containers(void **state)
{
	(void)state;
	same(json_object());
	same(json_array());
	same(json_pack("{s:[]}", "a"));
	same(json_pack("{s:{}, s:[{}, []], s:n}", "z", "a", "m"));
	same(json_pack("{s:i, s:s, s:[i, i, {s:b}], s:f}", "offer_id", 12,
	    "ruleset", "iod-plie", "list", 1, -2, "x", 1, "r", 2.25));
}

static uint64_t	 rng = 0x9e3779b97f4a7c15u;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng);
}

static json_t *
random_tree(int depth)
{
	static const char *const words[] = { "a", "é", "\"q\"", "x\ty",
	    "c:\\d", "", "long text with spaces", "\x01" };
	json_t	*j;
	char	 key[16];
	int	 i, n;

	switch (next() % (depth > 4 ? 5 : 7)) {
	case 0:
		return (json_integer((json_int_t)next()));
	case 1:
		return (json_string(words[next() % 8]));
	case 2:
		return (json_real((double)(int64_t)next() / 1e6));
	case 3:
		return (next() % 2 ? json_true() : json_null());
	case 4:
		return (json_integer((json_int_t)(next() % 1000) - 500));
	case 5:
		j = json_array();
		n = (int)(next() % 5);
		for (i = 0; i < n; i++)
			json_array_append_new(j, random_tree(depth + 1));
		return (j);
	default:
		j = json_object();
		n = (int)(next() % 5);
		for (i = 0; i < n; i++) {
			snprintf(key, sizeof(key), "%s%d", words[next() % 8],
			    i);
			json_object_set_new(j, key, random_tree(depth + 1));
		}
		return (j);
	}
}

static void
test_random(void **state)
{
	int	i;

	(void)state;
	for (i = 0; i < 2000; i++)
		same(random_tree(0));
}

/* w's text equals j's compact dump; j is decref'd, w freed. */
static void
same_text(struct jw *w, json_t *j)
{
	char	*want;

	assert_non_null(j);
	assert_false(w->failed);
	want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_non_null(want);
	if (w->len != strlen(want) || memcmp(w->p, want, w->len) != 0)
		fail_msg("written %.*s\njansson %s", (int)w->len, w->p, want);
	free(want);
	free(w->p);
	json_decref(j);
}

/* A string to draw: codes the labels know, others, escapes, UTF-8. */
static char *
draw_str(void)
{
	static const char *const pool[] = { "69123", "69266", "69381",
	    "01053", "99999", "K2204", "N1103", "J1301", "10200", "10201",
	    "Z9999", "Nettoyeur / Nettoyeuse", "Caluire-et-Cuire — é ÿ €",
	    "q\"uote\\", "tab\there\n", "\x01\x1f", "", "iod-plie" };

	return (strdup(pool[next() % (sizeof(pool) / sizeof(pool[0]))]));
}

static void	 draw_rec(const struct schema *, void *, int);

/* Each field of sc in rec drawn by its type; optional parts sometimes
 * left out. */
static void
draw_rec(const struct schema *sc, void *rec, int depth)
{
	const struct field	*f;
	char			*at, *p;
	size_t			 i, n;
	int			 k;

	memset(rec, 0, sc->size);
	for (f = sc->fields; f->name != NULL; f++) {
		at = (char *)rec + f->off;
		switch (f->type) {
		case FT_ID:
		case FT_REF:
			*(uint64_t *)(void *)at = next() % 3 == 0 ? 0 :
			    next() % 100000;
			break;
		case FT_STR:
			*(char **)(void *)at = next() % 4 == 0 ? NULL :
			    draw_str();
			break;
		case FT_INT:
		case FT_TIME:
			*(int64_t *)(void *)at = (int64_t)next() %
			    2000000000;
			break;
		case FT_BOOL:
			*(int *)(void *)at = (int)(next() % 2);
			break;
		case FT_DATE:
			/* Now and then any 32 bits: each part is
			 * written modulo its width. */
			*(iod_date *)(void *)at = next() % 3 == 0 ? 0 :
			    next() % 8 == 0 ? (iod_date)next() :
			    (iod_date)(20200101 + next() % 7 * 10000 +
			    next() % 12 * 100 + next() % 28);
			break;
		case FT_ENUM:
			for (n = 0; f->names[n] != NULL; n++)
				;
			k = (int)(next() % (n + 1)) - 1;
			*(int *)(void *)at = k;
			break;
		case FT_SET:
			*(uint32_t *)(void *)at = (uint32_t)next();
			for (n = 0; f->names[n] != NULL; n++)
				;
			if (n < 32)
				*(uint32_t *)(void *)at &= (1u << n) - 1;
			break;
		case FT_STRV:
			n = next() % 4;
			*(size_t *)(void *)((char *)rec + f->cnt) = n;
			*(char ***)(void *)at = n > 0 ?
			    calloc(n, sizeof(char *)) : NULL;
			for (i = 0; i < n; i++)
				(*(char ***)(void *)at)[i] = draw_str();
			break;
		case FT_OBJ:
			if (depth < 4 && next() % 4 != 0)
				draw_rec(f->sub, at, depth + 1);
			else
				memset(at, 0, f->sub->size);
			break;
		case FT_OBJV:
			n = depth < 4 ? next() % 3 : 0;
			*(size_t *)(void *)((char *)rec + f->cnt) = n;
			p = n > 0 ? calloc(n, f->sub->size) : NULL;
			*(char **)(void *)at = p;
			for (i = 0; i < n; i++)
				draw_rec(f->sub, p + i * f->sub->size,
				    depth + 1);
			break;
		}
	}
}

static void
test_records(void **state)
{
	static const struct schema *const schemas[] = { &company_schema,
	    &offer_schema, &candidate_schema, &referent_schema,
	    &contact_schema, &charter_schema, &proposal_schema,
	    &placement_schema, &followup_schema, &calendar_link_schema };
	struct jw	 w;
	json_t		*j;
	void		*rec;
	size_t		 s;
	int		 i, view;

	(void)state;
	for (s = 0; s < sizeof(schemas) / sizeof(schemas[0]); s++) {
		rec = malloc(schemas[s]->size);
		assert_non_null(rec);
		for (i = 0; i < 300; i++) {
			draw_rec(schemas[s], rec, 0);
			for (view = VIEW_FULL; view <= VIEW_COMPANY; view++) {
				memset(&w, 0, sizeof(w));
				jw_rec(&w, schemas[s], rec, view);
				same_text(&w, rec_to_json(schemas[s], rec,
				    view));
				memset(&w, 0, sizeof(w));
				jw_rec_open(&w, schemas[s], rec, view);
				jw_key(&w, "job");
				jw_int(&w, i);
				jw_close(&w);
				j = rec_to_json(schemas[s], rec, view);
				json_object_set_new(j, "job", json_integer(i));
				same_text(&w, j);
			}
			rec_clear(schemas[s], rec);
		}
		free(rec);
	}
}

static void
test_job(void **state)
{
	struct offer	 o;
	struct company	 c;
	struct jw	 w;
	int		 i;

	(void)state;
	for (i = 0; i < 300; i++) {
		draw_rec(&offer_schema, &o, 0);
		draw_rec(&company_schema, &c, 0);
		memset(&w, 0, sizeof(w));
		job_write(&w, &o, &c);
		same_text(&w, job_json_of(&o, &c));
		rec_clear(&offer_schema, &o);
		rec_clear(&company_schema, &c);
	}
}

static void
test_writer(void **state)
{
	struct jw	w;

	(void)state;
	memset(&w, 0, sizeof(w));
	jw_open(&w);
	jw_key(&w, "a");
	jw_int(&w, INT64_MIN);
	jw_key(&w, "b");
	jw_str(&w, NULL);
	jw_key(&w, "c");
	jw_open(&w);
	jw_close(&w);
	jw_key(&w, "d\n");
	jw_strn(&w, "x\0y", 3);
	jw_close(&w);
	same_text(&w, json_pack("{s:I, s:n, s:{}, s:s%}", "a",
	    (json_int_t)INT64_MIN, "b", "c", "d\n", "x\0y", (size_t)3));
}

/*
 * Strings are scanned eight bytes at a time: every byte that needs an
 * escape (and a few that do not: DEL, '/', UTF-8), at every position of
 * strings of 0 to 40 bytes, as a value and as a key, against jansson.
 */
static void
test_escape_positions(void **state)
{
	static const unsigned char	 probe[] = { 0x00, 0x01, 0x08, 0x09,
	    0x0a, 0x0c, 0x0d, 0x1f, '"', '\\', 0x20, 0x21, 0x5b, 0x5d,
	    0x7f, '/', 0xc3 };
	char				 buf[48];
	json_t				*j;
	size_t				 len, at, k;

	(void)state;
	for (len = 0; len <= 40; len++)
		for (at = 0; at < (len > 0 ? len : 1); at++)
			for (k = 0; k < sizeof(probe); k++) {
				memset(buf, 'a' + (int)(len % 26), len);
				if (len > 0)
					buf[at] = (char)probe[k];
				if (probe[k] == 0xc3 && at + 1 < len)
					buf[at + 1] = (char)0xa9;  /* é */
				if ((j = json_stringn(buf, len)) == NULL)
					continue;	/* not UTF-8 */
				same(j);
				if (len > 0 && memchr(buf, 0, len) == NULL) {
					buf[len] = '\0';
					same(json_pack("{s:i}", buf, 1));
				}
			}
}

/* A territory for the communes of the Rhône, none elsewhere. */
static const char *
territory_of(const char *insee)
{
	return (strncmp(insee, "69", 2) == 0 ? "Lyon \"Centre\"" : NULL);
}

int
main(void)
{
	char	*cause;

	label_set_territory(territory_of);
	if (refdata_load("data", &cause) != 0) {
		fprintf(stderr, "refdata: %s\n", cause);
		return (1);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_escape_positions),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_job),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
