/*
 * test_fastcodec.c — unit tests of the codecs that skip the generic trees
 * and of the start-up's sort: the stored records read in place
 * (rec_decode_fields, profiles/schema-fast.c) give what rec_decode gives,
 * on generated candidates, on records of an earlier schema version, with
 * unknown keys, keys out of order and damage; a client's msgpack record
 * decoded in place (rec_from_mp, profiles/schema-mpin.c) is accepted only
 * when rec_from_json accepts the same record, and decoded the same, on
 * valid, invalid and damaged records; a client's JSON record rewritten
 * as msgpack (wire_json_mp, profiles/wire-json.c) is the tree jansson
 * reads, and decided only as the slow way decides it, escapes, integer
 * limits and damaged bytes included; rec_encode writes the bytes
 * msgpack-c's packer writes; and the radix order of the sorted
 * lists (index_sort, matcher/engine/index-sort.c) is the comparator's,
 * ties and wide keys included, and index_sort_pack's entries are that
 * order's, packed.
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
#include "engine.h"

static uint64_t	rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: the same sequence on every run. */
static uint64_t
rnd64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (rng * 0x2545f4914f6cdd1dULL);
}

static uint32_t
rnd(uint32_t n)
{
	return ((uint32_t)(rnd64() >> 32) % n);
}

static char *
rnd_str(const char *prefix)
{
	char	buf[64];

	snprintf(buf, sizeof(buf), "%s%u", prefix, rnd(100000));
	return (strdup(buf));
}

/* A candidate with every field drawn, optional ones sometimes left out. */
static void
gen_candidate(struct candidate *c, uint64_t id)
{
	static const char *const rome[] = { "K2204", "N1103", "J1301",
	    "H2102", "K2201", "G1602" };
	size_t	i;

	memset(c, 0, sizeof(*c));
	c->id = id;
	c->first_name = rnd_str("Prénom");
	c->last_name = rnd_str("Nom");
	c->external_ref = rnd(3) == 0 ? NULL : rnd_str("ref-");
	c->birth_date = 19600101 + rnd(40) * 10000 + rnd(12) * 100;
	c->sex = (int)rnd(SEX__N);
	c->commune = rnd_str("69");
	c->qpv = (int)rnd(2);
	c->qpv_code = rnd(2) ? rnd_str("QP069") : NULL;
	c->programme = (int)rnd(PROGRAMME__N);
	c->referent_id = 1 + rnd(500);
	c->oriented_on = 20200101 + rnd(7) * 10000 + rnd(12) * 100 + rnd(28);
	c->publics = rnd(1u << PUBLIC__N);
	c->nrome = rnd(5);
	if (c->nrome > 0) {
		c->rome = calloc(c->nrome, sizeof(char *));
		for (i = 0; i < c->nrome; i++)
			c->rome[i] = strdup(rome[rnd(6)]);
	}
	c->contracts = rnd(1u << CONTRACT__N);
	c->max_weekly_hours = rnd(49);
	c->schedule_ok = rnd(1u << SCHEDULE__N);
	c->mobility.zone = (int)rnd(ZONE__N);
	c->mobility.licence_b = (int)rnd(2);
	c->mobility.vehicle = (int)rnd(2);
	c->available_on = rnd(3) == 0 ? 0 : 20261101 + rnd(60);
	c->consent.on = rnd(5) == 0 ? 0 : 20250301;
	c->consent.scope = (int)rnd(CONSENT__N);
	c->exit.on = rnd(4) == 0 ? 20260601 : 0;
	c->exit.kind = (int)rnd(EXIT__N);
	c->status = (int)rnd(CAND__N);
	c->created_at = (int64_t)rnd64() >> 20;
	c->updated_at = -(int64_t)rnd(1000);
}

/* Whether a and b decoded the same: compared as JSON, every field. */
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

/* Two strings, either of which may be NULL, are the same. */
static void
assert_same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* What the index reads of a candidate (index.c's compact) is the same. */
static void
assert_same_index_fields(const struct candidate *a, const struct candidate *b)
{
	size_t	i;

	assert_int_equal(a->id, b->id);
	assert_same_str(a->commune, b->commune);
	assert_int_equal(a->qpv, b->qpv);
	assert_int_equal(a->programme, b->programme);
	assert_int_equal(a->oriented_on, b->oriented_on);
	assert_int_equal(a->publics, b->publics);
	assert_int_equal(a->nrome, b->nrome);
	for (i = 0; i < a->nrome; i++)
		assert_same_str(a->rome[i], b->rome[i]);
	assert_int_equal(a->contracts, b->contracts);
	assert_int_equal(a->max_weekly_hours, b->max_weekly_hours);
	assert_int_equal(a->schedule_ok, b->schedule_ok);
	assert_int_equal(a->mobility.zone, b->mobility.zone);
	assert_int_equal(a->mobility.licence_b, b->mobility.licence_b);
	assert_int_equal(a->mobility.vehicle, b->mobility.vehicle);
	assert_int_equal(a->available_on, b->available_on);
	assert_int_equal(a->consent.on, b->consent.on);
	assert_int_equal(a->status, b->status);
}

static const char *const index_fields[] = { "id", "commune", "qpv",
    "programme", "oriented_on", "publics", "rome", "contracts",
    "max_weekly_hours", "schedule_ok", "mobility", "available_on",
    "consent", "status", NULL };

/* buf decoded by rec_decode, by rec_decode_fields whole (malloc'd) and
 * by rec_decode_fields for the index (in arena): the same, or the same
 * error.  Returns rec_decode's code. */
static int
check_candidate(const void *buf, size_t len, struct rec_arena *arena)
{
	struct candidate	ref, whole, part;
	uint64_t		want;
	int			rc, rc2, rc3;

	want = rec_fields_mask(&candidate_schema, index_fields);
	memset(&ref, 0, sizeof(ref));
	memset(&whole, 0, sizeof(whole));
	memset(&part, 0, sizeof(part));
	rc = rec_decode(&candidate_schema, &ref, buf, len);
	rc2 = rec_decode_fields(&candidate_schema, &whole, buf, len, ~0ULL,
	    NULL);
	rc3 = rec_decode_fields(&candidate_schema, &part, buf, len, want,
	    arena);
	assert_int_equal(rc2, rc);
	if (rc == 0) {
		assert_int_equal(rc3, 0);
		assert_same(&candidate_schema, &ref, &whole);
		assert_same_index_fields(&ref, &part);
		/* What was not asked for stays untouched. */
		assert_null(part.first_name);
		assert_null(part.last_name);
		assert_int_equal(part.created_at, 0);
	}
	rec_clear(&candidate_schema, &ref);
	rec_clear(&candidate_schema, &whole);
	return (rc);
}

static void
test_generated_candidates(void **state)
{
	struct rec_arena	arena;
	struct candidate	c;
	char			*buf;
	size_t			len, i;

	(void)state;
	memset(&arena, 0, sizeof(arena));
	for (i = 0; i < 3000; i++) {
		gen_candidate(&c, 1 + rnd64() % 10000000);
		assert_int_equal(rec_encode(&candidate_schema, &c, &buf, &len),
		    0);
		assert_int_equal(check_candidate(buf, len, &arena), 0);
		free(buf);
		rec_clear(&candidate_schema, &c);
	}
	rec_arena_free(&arena);
}

static void
pack_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/*
 * A candidate as another version might have written it: keys in another
 * order, "v" last, fields it did not have left out, keys of a later
 * version (of every msgpack type), a key that is not a string, nulls.
 */
static void
test_other_versions_and_unknown_keys(void **state)
{
	static const unsigned char ext[] = { 0xc7, 0x02, 0x05, 0x01, 0x02 };
	static const unsigned char fixext[] = { 0xd6, 0x01, 1, 2, 3, 4 };
	struct rec_arena	arena;
	msgpack_sbuffer		sb;
	msgpack_packer		pk;
	int			variant;

	(void)state;
	memset(&arena, 0, sizeof(arena));
	for (variant = 0; variant < 4; variant++) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 16);
		pack_str(&pk, "status");
		pack_str(&pk, "on_hold");
		pack_str(&pk, "rome");
		msgpack_pack_array(&pk, 2);
		pack_str(&pk, "K2204");
		pack_str(&pk, "N1103");
		pack_str(&pk, "later_map");		/* unknown keys */
		msgpack_pack_map(&pk, 2);
		pack_str(&pk, "a");
		msgpack_pack_array(&pk, 3);
		msgpack_pack_double(&pk, 1.5);
		msgpack_pack_float(&pk, 2.5f);
		msgpack_pack_bin(&pk, 3);
		msgpack_pack_bin_body(&pk, "xyz", 3);
		pack_str(&pk, "b");
		msgpack_pack_int64(&pk, -5000000000LL);
		msgpack_pack_uint64(&pk, 7);		/* a key not a string */
		pack_str(&pk, "ignored");
		pack_str(&pk, "later_ext");
		msgpack_sbuffer_write(&sb, (const char *)(variant & 1 ? ext :
		    fixext), variant & 1 ? sizeof(ext) : sizeof(fixext));
		pack_str(&pk, "id");
		msgpack_pack_uint64(&pk, 4000000000ULL);
		pack_str(&pk, "oriented_on");
		/* A signed encoding of a positive value reads as one. */
		if (variant & 2)
			msgpack_pack_int32(&pk, 20240115);
		else
			msgpack_pack_uint32(&pk, 20240115);
		pack_str(&pk, "publics");
		msgpack_pack_array(&pk, 2);
		pack_str(&pk, "rsa");
		pack_str(&pk, "senior");
		pack_str(&pk, "mobility");
		msgpack_pack_map(&pk, 2);
		pack_str(&pk, "zone");
		pack_str(&pk, "territory");
		pack_str(&pk, "vehicle");
		msgpack_pack_true(&pk);
		pack_str(&pk, "consent");
		msgpack_pack_nil(&pk);
		pack_str(&pk, "max_weekly_hours");
		msgpack_pack_int8(&pk, -3);
		pack_str(&pk, "commune");
		pack_str(&pk, "69381");
		pack_str(&pk, "qpv_code");
		msgpack_pack_nil(&pk);
		pack_str(&pk, "programme");
		pack_str(&pk, "siae");
		pack_str(&pk, "available_on");
		msgpack_pack_uint32(&pk, 20261201);
		pack_str(&pk, "v");
		msgpack_pack_int(&pk, 1);
		assert_int_equal(check_candidate(sb.data, sb.size, &arena), 0);
		msgpack_sbuffer_destroy(&sb);
	}
	rec_arena_free(&arena);
}

/* A company as schema version 1 wrote it: its commitments' action codes
 * are renamed on reading, by both decoders alike; written by version 2,
 * an old code is damage for both. */
static int
check_v1_company(const char *code, int v)
{
	struct company	a, b;
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	int		rc, rc2;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 4);
	pack_str(&pk, "siret");
	pack_str(&pk, "40128934500019");
	pack_str(&pk, "commitments");
	msgpack_pack_array(&pk, 2);
	msgpack_pack_map(&pk, 3);
	pack_str(&pk, "action");		/* before its map's "v" */
	pack_str(&pk, code);
	pack_str(&pk, "committed");
	msgpack_pack_true(&pk);
	pack_str(&pk, "v");
	msgpack_pack_int(&pk, v);
	msgpack_pack_map(&pk, 1);
	pack_str(&pk, "year");
	msgpack_pack_int(&pk, 2026);
	pack_str(&pk, "name");
	pack_str(&pk, "Propreté Rhône Services");
	pack_str(&pk, "v");
	msgpack_pack_int(&pk, 1);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	rc = rec_decode(&company_schema, &a, sb.data, sb.size);
	rc2 = rec_decode_fields(&company_schema, &b, sb.data, sb.size, ~0ULL,
	    NULL);
	assert_int_equal(rc2, rc);
	if (rc == 0) {
		assert_same(&company_schema, &a, &b);
		assert_int_equal(b.ncommitments, 2);
	}
	rec_clear(&company_schema, &a);
	rec_clear(&company_schema, &b);
	msgpack_sbuffer_destroy(&sb);
	return (rc);
}

static void
test_earlier_schema_version(void **state)
{
	(void)state;
	assert_int_equal(check_v1_company("recruit_without_cv", 1), 0);
	assert_int_equal(check_v1_company("company_visit", 1), 0);
	assert_int_equal(check_v1_company("recruit_without_cv", 2),
	    IOD_ECORRUPT);
	assert_int_equal(check_v1_company("dance", 1), IOD_ECORRUPT);
}

/* Every prefix of a record, and a record with a byte changed, decode as
 * rec_decode has them (an error, or the same record), reading nothing
 * outside the buffer (the sanitizers' build checks that). */
static void
test_damage(void **state)
{
	struct rec_arena	arena;
	struct candidate	c;
	char			*buf, *cut;
	size_t			len, i;
	int			k;

	(void)state;
	memset(&arena, 0, sizeof(arena));
	gen_candidate(&c, 42);
	assert_int_equal(rec_encode(&candidate_schema, &c, &buf, &len), 0);
	for (i = 0; i < len; i++) {
		cut = malloc(i + 1);
		memcpy(cut, buf, i);
		assert_int_not_equal(check_candidate(cut, i, &arena), 0);
		free(cut);
	}
	for (k = 0; k < 2000; k++) {
		cut = malloc(len);
		memcpy(cut, buf, len);
		cut[rnd((uint32_t)len)] = (char)rnd(256);
		check_candidate(cut, len, &arena);
		free(cut);
	}
	free(buf);
	rec_clear(&candidate_schema, &c);
	rec_arena_free(&arena);
}

static void
test_duplicate_key(void **state)
{
	struct rec_arena	arena;
	msgpack_sbuffer		sb;
	msgpack_packer		pk;

	(void)state;
	memset(&arena, 0, sizeof(arena));
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	pack_str(&pk, "status");
	pack_str(&pk, "active");
	pack_str(&pk, "status");
	pack_str(&pk, "placed");
	assert_int_equal(check_candidate(sb.data, sb.size, &arena),
	    IOD_ECORRUPT);
	msgpack_sbuffer_destroy(&sb);
	rec_arena_free(&arena);
}

/* ---- a client's msgpack record ----------------------------------------- */

/* A valid candidate as a client sends it: every writable field. */
static json_t *
client_candidate(void)
{
	const struct refdata	*ref = refdata_get();
	struct candidate	 c;
	json_t			*full, *j;
	const struct field	*f;
	size_t			 i;

	gen_candidate(&c, 1);
	free(c.commune);
	c.commune = strdup(ref->communes[rnd((uint32_t)ref->ncommunes)].insee);
	if (c.nrome == 0) {
		c.nrome = 1;
		c.rome = calloc(1, sizeof(char *));
	} else
		free(c.rome[0]);
	c.rome[0] = strdup(ref->rome[rnd((uint32_t)ref->nrome)]);
	for (i = 1; i < c.nrome; i++) {
		free(c.rome[i]);
		c.rome[i] = strdup(ref->rome[rnd((uint32_t)ref->nrome)]);
	}
	c.max_weekly_hours = 1 + rnd(48);
	full = rec_to_json(&candidate_schema, &c, VIEW_FULL);
	rec_clear(&candidate_schema, &c);
	/* The fields only, as a client writes them (no labels). */
	j = json_object();
	for (f = candidate_schema.fields; f->name != NULL; f++)
		if (json_object_get(full, f->name) != NULL &&
		    (rnd(8) != 0 || (f->flags & F_REQUIRED)))
			json_object_set(j, f->name, json_object_get(full,
			    f->name));
	json_decref(full);
	return (j);
}

/* j as msgpack, malloc'd into *buf. */
static void
to_mp(json_t *j, char **buf, size_t *len)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(json_pack_mp(j, &pk), 0);
	*buf = sb.data;
	*len = sb.size;
}

/*
 * The property: rec_from_mp decides (0) only records that the slow way
 * (the bytes to JSON, then rec_from_json) accepts, and decodes them the
 * same.  Returns 1 if rec_from_mp decided, 0 if it left it.
 */
static int
check_mp(const char *buf, size_t len)
{
	struct candidate	 fast, slow;
	json_t			*j;
	char			*field = NULL, *cause = NULL;
	int			 rc;

	memset(&fast, 0, sizeof(fast));
	memset(&slow, 0, sizeof(slow));
	rc = rec_from_mp(&candidate_schema, &fast, buf, len);
	if (rc == 0) {
		j = mp_bytes_to_json(buf, len);
		if (j == NULL)
			fail_msg("rec_from_mp took a record the JSON "
			    "conversion refuses");
		if (rec_from_json(&candidate_schema, &slow, j, &field,
		    &cause) != 0)
			fail_msg("rec_from_mp took a record rec_from_json "
			    "refuses: %s", cause);
		assert_same(&candidate_schema, &fast, &slow);
		json_decref(j);
	} else
		assert_int_equal(rc, IOD_EINVAL);
	free(field);
	free(cause);
	rec_clear(&candidate_schema, &fast);
	rec_clear(&candidate_schema, &slow);
	return (rc == 0);
}

/* What a client may get wrong in one field, or around it. */
static json_t *
mutation(const char *name, json_t *cur)
{
	switch (rnd(12)) {
	case 0: return (json_null());
	case 1: return (json_integer(-1));
	case 2: return (json_integer((json_int_t)rnd64() >> 1));
	case 3: return (json_real(1.5));
	case 4: return (json_string(""));
	case 5: return (json_string("2026-02-30"));
	case 6: return (json_string("K2204"));
	case 7: return (json_pack("[s, s]", "rsa", "nobody"));
	case 8: return (json_pack("{s:s}", "zone", "moon"));
	case 9: return (json_stringn("ab\0c", 4));
	case 10: return (json_pack("[]"));
	default:
		(void)name;
		return (json_deep_copy(cur));
	}
}

static void
test_client_msgpack(void **state)
{
	static const char *const odd_keys[] = { "commune_name", "rome_labels",
	    "nickname", "id", "created_at", NULL };
	const struct field	*f;
	json_t			*j, *v;
	char			*buf;
	size_t			 len, i, k;
	int			 decided = 0, left = 0;

	(void)state;
	for (i = 0; i < 4000; i++) {
		j = client_candidate();
		if (i % 2 == 1) {
			/* One field made wrong, or an odd key added, or a
			 * required one taken out. */
			k = rnd(30);
			f = &candidate_schema.fields[k % 24];
			if (k < 24)
				json_object_set_new(j, f->name, mutation(
				    f->name, json_object_get(j, f->name)));
			else if (k < 28)
				json_object_set_new(j, odd_keys[rnd(5)],
				    json_integer(7));
			else
				json_object_del(j, f->name);
		}
		to_mp(j, &buf, &len);
		if (check_mp(buf, len))
			decided++;
		else
			left++;
		/* A byte changed: never taken unless the slow way does. */
		if (i % 8 == 0) {
			buf[rnd((uint32_t)len)] = (char)rnd(256);
			check_mp(buf, len);
		}
		free(buf);
		json_decref(j);
	}
	/* The plain records take the fast way; the odd ones the slow. */
	assert_true(decided > 1500);
	assert_true(left > 500);
	/* An embedded object with only its required member is decided. */
	j = client_candidate();
	v = json_pack("{s:s}", "zone", "metropole");
	json_object_set_new(j, "mobility", v);
	to_mp(j, &buf, &len);
	assert_int_equal(check_mp(buf, len), 1);
	free(buf);
	json_decref(j);
}

/* ---- a client's JSON record, rewritten as msgpack ----------------------- */

/*
 * The property of wire_json_mp: what it rewrites, jansson reads too, as
 * the same tree; and a record rec_from_mp then decides is the record the
 * slow way (jansson as the batch reads an item, then rec_from_json)
 * decodes.  Returns 1 if the item was decided, 0 if left to jansson.
 */
static int
check_json(const char *text, size_t len)
{
	struct candidate	 fast, slow;
	json_t			*j, *any, *mp;
	json_error_t		 err;
	char			*buf = NULL, *field = NULL, *cause = NULL;
	size_t			 cap = 0, n;
	int			 rc, decided = 0;

	memset(&fast, 0, sizeof(fast));
	memset(&slow, 0, sizeof(slow));
	rc = wire_json_mp(text, len, &buf, &cap, &n);
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &err);
	if (rc == 0) {
		/* Bytes that are not UTF-8 it copies: rec_from_mp refuses
		 * them in every string it keeps or matches. */
		any = json_loadb(text, len, JSON_DECODE_ANY, &err);
		if (any == NULL && utf8_valid(text, len))
			fail_msg("wire_json_mp took what jansson refuses: "
			    "%.*s", (int)len, text);
		if (j != NULL) {
			/* (The conversion refuses an empty string: msgpack-c
			 * gives it no pointer; compared where it takes it.) */
			mp = mp_bytes_to_json(buf, n);
			if (mp == NULL ? memmem(text, len, "\"\"", 2) == NULL :
			    !json_equal(mp, j))
				fail_msg("wire_json_mp changed %.*s",
				    (int)len, text);
			json_decref(mp);
		}
		json_decref(any);
		if (rec_from_mp(&candidate_schema, &fast, buf, n) == 0) {
			decided = 1;
			if (j == NULL || rec_from_json(&candidate_schema,
			    &slow, j, &field, &cause) != 0)
				fail_msg("decided a record the slow way "
				    "refuses: %.*s", (int)len, text);
			assert_same(&candidate_schema, &fast, &slow);
		}
	} else
		assert_int_equal(rc, IOD_EINVAL);
	json_decref(j);
	free(buf);
	free(field);
	free(cause);
	rec_clear(&candidate_schema, &fast);
	rec_clear(&candidate_schema, &slow);
	return (decided);
}

static void
test_client_json(void **state)
{
	static const size_t flags[] = { JSON_COMPACT, JSON_INDENT(2),
	    JSON_COMPACT | JSON_ENSURE_ASCII, 0 };
	static const char *const odd[] = {
	    "-0", "1.0", "1e3", "01", "-", "+1", "9223372036854775808",
	    "-9223372036854775809", "\"\\u0000\"", "\"\\ud800\"",
	    "\"\\udc00x\"", "\"\\ud800\\u0041\"", "\"a\x01\"",
	    "\"\\x\"", "\"abc", "[1,]", "{\"a\":1,}", "{\"a\" 1}",
	    "tru", "nul", "[1 2]", "{} {}", "{\"a\":1,\"a\":2}",
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	    NULL };
	static const char *const plain[] = { "\"\xff\"", "{\"a\":\"\xc3\"}",
	    "9223372036854775807", "-9223372036854775808", "0", "-1", "-32",
	    "-33", "127", "128", " [ ] ", "{}", "\"\\ud83d\\ude00\\u00e9\\n\"",
	    "\"\xc3\xa9\"", "[true,false,null]", "\"\\/\\b\\f\\r\\t\"",
	    NULL };
	json_t		*j;
	char		*text, *big, *buf = NULL;
	size_t		 i, len, cap = 0, n;
	int		 decided = 0;

	(void)state;
	for (i = 0; odd[i] != NULL; i++)
		check_json(odd[i], strlen(odd[i]));
	for (i = 0; plain[i] != NULL; i++) {
		assert_int_equal(wire_json_mp(plain[i], strlen(plain[i]),
		    &buf, &cap, &n), 0);
		check_json(plain[i], strlen(plain[i]));
	}
	/* Strings of every length class, escaped and not. */
	for (len = 0; len < 70000; len = len * 2 + 1) {
		big = malloc(len * 2 + 3);
		big[0] = '"';
		for (i = 0; i < len; i++)
			big[1 + i] = (char)('a' + i % 26);
		big[1 + len] = '"';
		check_json(big, len + 2);
		for (i = 0; i < len; i++)
			memcpy(big + 1 + i * 2, "\\n", 2);
		big[1 + len * 2] = '"';
		check_json(big, len * 2 + 2);
		free(big);
	}
	for (i = 0; i < 4000; i++) {
		j = client_candidate();
		if (i % 2 == 1)
			json_object_set_new(j, candidate_schema.fields[
			    rnd(24)].name, mutation("", NULL));
		text = json_dumps(j, flags[i % 4]);
		len = strlen(text);
		decided += check_json(text, len);
		if (i % 4 == 0) {
			text[rnd((uint32_t)len)] = (char)rnd(256);
			check_json(text, len);
		}
		free(text);
		json_decref(j);
	}
	/* The plain records take the fast way. */
	assert_true(decided > 1500);
	free(buf);
}

/* ---- the stored bytes -------------------------------------------------- */

/* rec_encode's bytes are those msgpack-c's packer writes (rec_pack). */
static void
assert_encoded_as_packed(const struct candidate *c)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	char		*buf;
	size_t		 len;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(rec_pack(&candidate_schema, c, &pk), 0);
	assert_int_equal(rec_encode(&candidate_schema, c, &buf, &len), 0);
	assert_int_equal(len, sb.size);
	assert_memory_equal(buf, sb.data, len);
	free(buf);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_encode_bytes(void **state)
{
	static const int64_t ints[] = { INT64_MIN, -2147483649LL,
	    -2147483648LL, -32769, -32768, -129, -128, -33, -32, -1, 0, 127,
	    128, 255, 256, 65535, 65536, 4294967295LL, 4294967296LL,
	    INT64_MAX };
	static const size_t lens[] = { 0, 31, 32, 255, 256, 65535, 65536 };
	const struct field	*f, *fint = NULL, *fstr = NULL;
	struct candidate	 c;
	size_t			 i;
	char			*s;

	(void)state;
	for (f = candidate_schema.fields; f->name != NULL; f++) {
		if (fint == NULL && f->type == FT_INT)
			fint = f;
		if (fstr == NULL && f->type == FT_STR)
			fstr = f;
	}
	assert_non_null(fint);
	assert_non_null(fstr);
	for (i = 0; i < 2000; i++) {
		gen_candidate(&c, 1 + rnd64() % 5000000);
		assert_encoded_as_packed(&c);
		rec_clear(&candidate_schema, &c);
	}
	gen_candidate(&c, UINT64_MAX);
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		*(int64_t *)(void *)((char *)&c + fint->off) = ints[i];
		assert_encoded_as_packed(&c);
	}
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		s = malloc(lens[i] + 1);
		memset(s, 'x', lens[i]);
		s[lens[i]] = '\0';
		free(*(char **)(void *)((char *)&c + fstr->off));
		*(char **)(void *)((char *)&c + fstr->off) = s;
		assert_encoded_as_packed(&c);
	}
	rec_clear(&candidate_schema, &c);
}

/* ---- the sorted lists' order ------------------------------------------- */

static const int32_t		*cmp_base;
static const struct mcand	*cmp_cand;

/* The order the lists had before the radix sort: best base, longest
 * wait, smallest id. */
static int
cmp_slot(const void *a, const void *b)
{
	uint32_t		 x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const struct mcand	*cx = &cmp_cand[x], *cy = &cmp_cand[y];

	if (cmp_base[x] != cmp_base[y])
		return (cmp_base[x] > cmp_base[y] ? -1 : 1);
	if (cx->oriented_on != cy->oriented_on)
		return (cx->oriented_on < cy->oriented_on ? -1 : 1);
	return (cx->id < cy->id ? -1 : cx->id > cy->id);
}

/* n slots of random candidates, sorted both ways: the same order, and
 * index_sort_pack's entries are those of that order, packed.  wide: ids
 * and scores over their whole range (two passes of keys). */
static void
sort_case(size_t n, int wide)
{
	struct mcand	*cand;
	struct pentry	*p, e;
	int32_t		*base;
	uint32_t	*a, *b, *c;
	size_t		 i;

	cand = calloc(n + 1, sizeof(*cand));
	base = calloc(n + 1, sizeof(*base));
	a = calloc(n + 1, sizeof(*a));
	b = calloc(n + 1, sizeof(*b));
	c = calloc(n + 1, sizeof(*c));
	p = calloc(n + 1, sizeof(*p));
	assert_non_null(cand);
	assert_non_null(p);
	for (i = 0; i < n; i++) {
		/* Few distinct scores and days: ties on both, broken by id. */
		base[i] = wide ? (int32_t)rnd64() : (int32_t)rnd(12) * 5 - 10;
		cand[i].oriented_on = rnd(8) == 0 ? 0 :
		    (wide ? 19000101 + rnd(81000000) : 20250101 + rnd(4) * 100);
		cand[i].id = wide ? rnd64() : 1 + i * 7 % (n + 3);
		cand[i].available_on = rnd(3) == 0 ? 0 : 20261101 + rnd(28);
		cand[i].publics = rnd(256);
		cand[i].flags = (uint8_t)rnd(64);
		a[i] = b[i] = c[i] = (uint32_t)(n - 1 - i);
	}
	cmp_base = base;
	cmp_cand = cand;
	qsort(a, n, sizeof(*a), cmp_slot);
	assert_int_equal(index_sort(b, n, base, cand), 0);
	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			fail_msg("n %zu wide %d: at %zu, slot %u where the "
			    "comparator has %u", n, wide, i, b[i], a[i]);
	assert_int_equal(index_sort_pack(p, c, n, base, cand), 0);
	for (i = 0; i < n; i++) {
		index_pack(&e, a[i], &cand[a[i]], base[a[i]]);
		assert_memory_equal(&p[i], &e, sizeof(e));
	}
	free(cand);
	free(base);
	free(a);
	free(b);
	free(c);
	free(p);
}

static void
test_radix_order(void **state)
{
	static const size_t	sizes[] = { 0, 1, 2, 3, 17, 256, 1000, 70000 };
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		sort_case(sizes[i], 0);
		sort_case(sizes[i], 1);
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
		cmocka_unit_test(test_client_msgpack),
		cmocka_unit_test(test_client_json),
		cmocka_unit_test(test_encode_bytes),
		cmocka_unit_test(test_generated_candidates),
		cmocka_unit_test(test_other_versions_and_unknown_keys),
		cmocka_unit_test(test_earlier_schema_version),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_radix_order),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
