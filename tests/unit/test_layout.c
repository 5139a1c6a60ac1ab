/*
 * test_layout.c — unit tests of the stored records' positional form
 * (profiles/schema-mp.c, schema-fast.c): a record is stored as the array
 * [version, field 1, field 2, ...] whose positions docs/store-layout.txt
 * documents, with the numbers of the event log's types; the file is the
 * schemas' and the types' (and a later version only appends to an
 * earlier one's fields); a record stored by name, as records were
 * before, decodes to the same record; a record of an earlier version
 * (fewer fields) reads the later fields as unset, and one of a later
 * version (more) reads as the fields it knows; rec_stored_json gives the
 * map form's JSON for both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profiles.h"

/* The databases whose values are records, and their schemas; DB_HISTORY
 * keeps past versions of the first three. */
static const struct stored {
	const char		*db;
	const struct schema	*sc;
} stored[] = {
	{ "companies", &company_schema },
	{ "offers", &offer_schema },
	{ "candidates", &candidate_schema },
	{ "referents", &referent_schema },
	{ "proposals", &proposal_schema },
	{ "placements", &placement_schema },
	{ "followups", &followup_schema },
	{ "contacts", &journal_contact_schema },
	{ "tokens", &token_schema },
	{ "webhooks", &webhook_schema },
	{ "accounts", &account_schema },
	{ "sessions", &session_schema },
	{ "calendars", &calendar_link_schema },
};

static const char *const type_names[] = {
	[FT_ID] = "id", [FT_STR] = "string", [FT_INT] = "integer",
	[FT_BOOL] = "boolean", [FT_DATE] = "date", [FT_TIME] = "time",
	[FT_ENUM] = "name", [FT_SET] = "names", [FT_REF] = "id",
	[FT_STRV] = "strings", [FT_OBJ] = "object", [FT_OBJV] = "objects",
};

/* The section buf (blen bytes, freed) at the end of the text *out. */
static void
append(char **out, size_t *len, char *buf, size_t blen)
{
	*out = realloc(*out, *len + blen + 1);
	assert_non_null(*out);
	memcpy(*out + *len, buf, blen + 1);
	*len += blen;
	free(buf);
}

/* The layout of sc at path, then of its embedded objects, appended to
 * the growing text *out. */
static void
render(char **out, size_t *len, const char *path, const struct schema *sc)
{
	const struct field	*f;
	char			 line[256], sub[128];
	FILE			*m;
	char			*buf = NULL;
	size_t			 blen = 0;
	int			 i;

	m = open_memstream(&buf, &blen);
	assert_non_null(m);
	fprintf(m, "[%s] version %d\n", path, sc->version);
	for (i = 0, f = sc->fields; f->name != NULL; f++, i++) {
		snprintf(line, sizeof(line), "%3d %-24s %s", i + 1, f->name,
		    type_names[f->type]);
		if (f->sub != NULL)
			fprintf(m, "%s [%s.%s]\n", line, path, f->name);
		else
			fprintf(m, "%s\n", line);
	}
	fprintf(m, "\n");
	fclose(m);
	append(out, len, buf, blen);
	for (f = sc->fields; f->name != NULL; f++)
		if (f->sub != NULL) {
			snprintf(sub, sizeof(sub), "%s.%s", path, f->name);
			render(out, len, sub, f->sub);
		}
}

/* The event log's types, by the number a stored event gives its type
 * (profiles/event.c): the list only grows at its end. */
static void
render_event_types(char **out, size_t *len)
{
	FILE	*m;
	char	*buf = NULL;
	size_t	 blen = 0, i;

	m = open_memstream(&buf, &blen);
	assert_non_null(m);
	fprintf(m, "[event types] version 1\n");
	for (i = 0; event_type_names[i] != NULL; i++)
		fprintf(m, "%3zu %s\n", i, event_type_names[i]);
	fprintf(m, "\n");
	fclose(m);
	append(out, len, buf, blen);
}

static char *
slurp(const char *path)
{
	FILE	*f;
	char	*s;
	long	 n;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return (s);
}

/*
 * The sections of docs/store-layout.txt: the last section of each path
 * is the schema's layout now; an earlier section of the same path (an
 * earlier version) lists a prefix of its fields: positions are never
 * reused.
 */
static void
test_layout_file(void **state)
{
	const char	*path = getenv("IOD_LAYOUT");
	char		*want = NULL, *file, *p, *sec, *next, *hdr_end, *last;
	char		 key[160];
	size_t		 len = 0, i, klen;

	(void)state;
	for (i = 0; i < sizeof(stored) / sizeof(stored[0]); i++)
		render(&want, &len, stored[i].db, stored[i].sc);
	render_event_types(&want, &len);
	if (getenv("IOD_LAYOUT_PRINT") != NULL) {
		/* The sections as the schemas have them now. */
		fputs(want, stdout);
		free(want);
		return;
	}
	if (path == NULL)
		path = "docs/store-layout.txt";
	file = slurp(path);
	assert_non_null(file);
	/* The current layout: every path's last section, in file order. */
	for (p = want; *p != '\0'; p = next) {
		next = strstr(p, "\n\n") + 2;
		hdr_end = strstr(p, "] version");
		klen = (size_t)(hdr_end - p + 1);
		assert_true(klen < sizeof(key));
		memcpy(key, p, klen);
		key[klen] = '\0';
		/* The last section of that path in the file. */
		last = NULL;
		for (sec = strstr(file, key); sec != NULL;
		    sec = strstr(sec + 1, key))
			if (sec == file || sec[-1] == '\n')
				last = sec;
		if (last == NULL)
			fail_msg("%s: %.*s is not there; the layout now:\n%s",
			    path, (int)klen, key, want);
		if (strncmp(last, p, (size_t)(next - p)) != 0)
			fail_msg("%s: %.*s differs from the schema's; the "
			    "layout now:\n%.*s", path, (int)klen, key,
			    (int)(next - p), p);
		/* Each earlier section: a prefix of the fields. */
		for (sec = strstr(file, key); sec != NULL && sec != last;
		    sec = strstr(sec + 1, key)) {
			char	*a = strchr(sec, '\n') + 1;
			char	*b = strchr(last, '\n') + 1;
			char	*end = strstr(a, "\n\n");

			if (sec != file && sec[-1] != '\n')
				continue;
			if (strncmp(a, b, (size_t)(end - a)) != 0)
				fail_msg("%s: an earlier %.*s is not a prefix "
				    "of the last: positions must not move",
				    path, (int)klen, key);
		}
	}
	free(want);
	free(file);
}

/* ---- records in both forms ---------------------------------------------- */

static uint64_t	rng = 0x2545f4914f6cdd1dULL;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return ((uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32) % n);
}

static void
assert_same(const struct schema *sc, const void *a, const void *b)
{
	json_t	*ja, *jb;
	char	*sa, *sb;

	ja = rec_to_json(sc, a, VIEW_FULL);
	jb = rec_to_json(sc, b, VIEW_FULL);
	if (!json_equal(ja, jb)) {
		sa = json_dumps(ja, JSON_SORT_KEYS);
		sb = json_dumps(jb, JSON_SORT_KEYS);
		fail_msg("decoded differently:\n%s\n%s", sa, sb);
	}
	json_decref(ja);
	json_decref(jb);
}

/* j packed as msgpack (a map, as records were stored by name). */
static void
pack_json(json_t *j, char **buf, size_t *len)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(json_pack_mp(j, &pk), 0);
	*len = sb.size;
	*buf = msgpack_sbuffer_release(&sb);
}

/* buf decoded by rec_decode and rec_decode_fields: the same; returns the
 * record (caller rec_clears and frees). */
static void *
decode_both(const struct schema *sc, const char *buf, size_t len)
{
	void	*a = rec_new(sc), *b = rec_new(sc);

	assert_int_equal(rec_decode(sc, a, buf, len), 0);
	assert_int_equal(rec_decode_fields(sc, b, buf, len, ~0ULL, NULL), 0);
	assert_same(sc, a, b);
	rec_clear(sc, b);
	free(b);
	return (a);
}

/* A record from JSON, validated as a client's. */
static void *
from_json(const struct schema *sc, const char *text)
{
	json_error_t	 err;
	json_t		*j = json_loads(text, 0, &err);
	void		*rec = rec_new(sc);
	char		*field = NULL, *cause = NULL;

	assert_non_null(j);
	if (rec_from_json(sc, rec, j, &field, &cause) != 0)
		fail_msg("%s: %s", field, cause);
	json_decref(j);
	return (rec);
}

/*
 * The property, on one record: stored positionally (an array, version
 * first); its map form (rec_stored_json packed by name) decodes to the
 * same record and gives the same JSON; every shorter array (an earlier
 * version's fields) decodes as the map without the later keys; a longer
 * one (a later version's) decodes as the record.
 */
static void
check_forms(const struct schema *sc, const void *rec)
{
	msgpack_unpacked	 u;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	const struct field	*f;
	json_t			*js, *jm, *cut;
	char			*pos, *map, *cbuf;
	void			*a, *b, *c;
	size_t			 plen, mlen, clen, off = 0, nf, k, i;

	for (nf = 0, f = sc->fields; f->name != NULL; f++)
		nf++;
	assert_int_equal(rec_encode(sc, rec, &pos, &plen), 0);
	assert_true(((unsigned char)pos[0] & 0xf0) == 0x90 ||
	    (unsigned char)pos[0] == 0xdc);
	js = rec_stored_json(sc, pos, plen);
	assert_non_null(js);
	assert_int_equal(json_integer_value(json_object_get(js, "v")),
	    sc->version);
	pack_json(js, &map, &mlen);
	assert_true(((unsigned char)map[0] & 0xf0) == 0x80 ||
	    (unsigned char)map[0] == 0xde);
	jm = rec_stored_json(sc, map, mlen);
	assert_true(json_equal(js, jm));
	a = decode_both(sc, pos, plen);
	b = decode_both(sc, map, mlen);
	assert_same(sc, a, rec);
	assert_same(sc, a, b);
	rec_clear(sc, b);
	free(b);

	msgpack_unpacked_init(&u);
	assert_int_equal(msgpack_unpack_next(&u, pos, plen, &off),
	    MSGPACK_UNPACK_SUCCESS);
	/* Earlier versions: the first k fields. */
	for (k = 0; k <= nf; k++) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_array(&pk, k + 1);
		for (i = 0; i <= k; i++)
			msgpack_pack_object(&pk, u.data.via.array.ptr[i]);
		cut = json_deep_copy(js);
		for (f = sc->fields + k; f->name != NULL; f++)
			json_object_del(cut, f->name);
		pack_json(cut, &cbuf, &clen);
		b = decode_both(sc, sb.data, sb.size);
		c = decode_both(sc, cbuf, clen);
		assert_same(sc, b, c);
		rec_clear(sc, b);
		rec_clear(sc, c);
		free(b);
		free(c);
		free(cbuf);
		json_decref(cut);
		msgpack_sbuffer_destroy(&sb);
	}
	/* A later version: fields this daemon does not know, of every
	 * kind, after its own. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, nf + 1 + 4);
	for (i = 0; i <= nf; i++)
		msgpack_pack_object(&pk, u.data.via.array.ptr[i]);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str_with_body(&pk, "k", 1);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_double(&pk, 1.5);
	msgpack_pack_nil(&pk);
	msgpack_pack_str_with_body(&pk, "later", 5);
	msgpack_pack_int64(&pk, -5000000000LL);
	msgpack_pack_bin_with_body(&pk, "xyz", 3);
	b = decode_both(sc, sb.data, sb.size);
	assert_same(sc, a, b);
	rec_clear(sc, b);
	free(b);
	msgpack_sbuffer_destroy(&sb);
	msgpack_unpacked_destroy(&u);

	rec_clear(sc, a);
	free(a);
	json_decref(js);
	json_decref(jm);
	free(pos);
	free(map);
}

static void
test_candidates(void **state)
{
	static const char *const zones[] = { "commune", "territory",
	    "metropole" };
	char		 text[1024];
	void		*c;
	int		 i;

	(void)state;
	for (i = 0; i < 40; i++) {
		snprintf(text, sizeof(text), "{\"first_name\":\"Amina%d\","
		    "\"last_name\":\"Benali\",\"birth_date\":\"1990-0%d-12\","
		    "\"sex\":\"F\",\"commune\":\"69381\",\"qpv\":%s,"
		    "\"programme\":\"plie\",\"referent_id\":%u,"
		    "\"oriented_on\":\"2025-03-28\",\"publics\":[%s],"
		    "\"rome\":[\"K2204\"%s],\"contracts\":[\"CDI\"],"
		    "\"max_weekly_hours\":%u,\"schedule_ok\":[],"
		    "\"mobility\":{\"licence_b\":%s,\"vehicle\":false,"
		    "\"zone\":\"%s\"},\"available_on\":\"2026-10-23\","
		    "\"consent\":{\"on\":\"2025-04-05\","
		    "\"scope\":\"matching_followup\"},\"status\":\"active\"}",
		    i, 1 + i % 9, i % 2 ? "true" : "false", 1 + rnd(900),
		    i % 3 ? "\"senior\"" : "", i % 4 ? ",\"N1103\"" : "",
		    10 + rnd(30), i % 5 ? "true" : "false", zones[i % 3]);
		c = from_json(&candidate_schema, text);
		((struct candidate *)c)->id = 1 + rnd(1000000);
		check_forms(&candidate_schema, c);
		rec_clear(&candidate_schema, c);
		free(c);
	}
}

/* A company: embedded objects and arrays of them (the charter, its
 * commitments). */
static void
test_company(void **state)
{
	void	*co;

	(void)state;
	co = from_json(&company_schema, "{\"siret\":\"73282932000074\","
	    "\"name\":\"Hôtel Saône-Rive\",\"commune\":\"69381\","
	    "\"fte\":50,\"commitments\":["
	    "{\"action\":\"recruit_durable\",\"committed\":true,"
	    "\"publics_per_year\":3},"
	    "{\"action\":\"immersion\",\"committed\":false,"
	    "\"publics_per_year\":0}],"
	    "\"charter\":{\"name\":\"Charte des 1000\","
	    "\"signed_on\":\"2024-03-14\",\"status\":\"signed\"}}");
	check_forms(&company_schema, co);
	rec_clear(&company_schema, co);
	free(co);
}

/* Damage in an array: an empty array, a version that is not a number,
 * a field of the wrong kind: refused by both decoders alike. */
static void
test_damaged_arrays(void **state)
{
	static const unsigned char empty[] = { 0x90 };
	static const unsigned char strver[] = { 0x92, 0xa1, 'x', 0x01 };
	static const unsigned char badid[] = { 0x92, 0x01, 0xa1, 'x' };
	static const unsigned char badsub[] = { 0x94, 0x01, 0x05, 0xc0,
	    0x07 };
	const unsigned char	*cases[] = { empty, strver, badid, badsub };
	const size_t		 lens[] = { sizeof(empty), sizeof(strver),
	    sizeof(badid), sizeof(badsub) };
	struct candidate	 a, b;
	size_t			 i;

	(void)state;
	for (i = 0; i < 4; i++) {
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		assert_int_equal(rec_decode(&candidate_schema, &a, cases[i],
		    lens[i]), IOD_ECORRUPT);
		assert_int_equal(rec_decode_fields(&candidate_schema, &b,
		    cases[i], lens[i], ~0ULL, NULL), IOD_ECORRUPT);
		rec_clear(&candidate_schema, &a);
		rec_clear(&candidate_schema, &b);
	}
}

static int
setup(void **state)
{
	char	*cause = NULL;

	(void)state;
	if (refdata_load("data", &cause) != 0) {
		fprintf(stderr, "refdata: %s\n", cause != NULL ? cause : "?");
		return (-1);
	}
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	refdata_free();
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_file),
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_company),
		cmocka_unit_test(test_damaged_arrays),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
