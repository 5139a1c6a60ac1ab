/*
 * test_profiles.c — unit tests of profiles/: dates, SIRET, UTF-8, the CSV
 * reader, the record codecs (JSON in and out, the no-CV view, msgpack
 * round trips) and the LMDB store (records, scans, the sticky error, a
 * child transaction that fills the map while its parent survives).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "profiles.h"
#include "sheet.h"

static void
test_dates(void **state)
{
	iod_date	d;
	char		buf[11];
	int32_t		n;

	(void)state;
	assert_int_equal(date_parse("2026-11-24", &d), 0);
	assert_int_equal(d, 20261124);
	date_format(d, buf);
	assert_string_equal(buf, "2026-11-24");
	assert_int_equal(date_weekday(d), 1);			/* a Tuesday */
	assert_int_equal(date_parse("2024-02-29", &d), 0);	/* leap */
	assert_int_not_equal(date_parse("2023-02-29", &d), 0);
	assert_int_not_equal(date_parse("2026-13-01", &d), 0);
	assert_int_not_equal(date_parse("2026-1-01", &d), 0);
	assert_int_not_equal(date_parse("2026-01-01T00", &d), 0);
	assert_int_not_equal(date_parse("1899-12-31", &d), 0);
	assert_int_equal(date_to_days(19700101), 0);
	assert_int_equal(date_from_days(0), 19700101);
	for (n = -30000; n < 90000; n += 7)
		assert_int_equal(date_to_days(date_from_days(n)), n);
	assert_int_equal(date_add_months(20260131, 1), 20260228);
	assert_int_equal(date_add_months(20261130, 3), 20270228);
	assert_int_equal(date_add_months(20240229, 12), 20250228);
	assert_int_equal(date_add_months(20261124, 6), 20270524);
}

static void
test_siret_utf8_email(void **state)
{
	(void)state;
	assert_true(siret_valid("40128934500019"));
	assert_false(siret_valid("40128934500018"));	/* checksum */
	assert_false(siret_valid("4012893450001"));	/* length */
	assert_false(siret_valid("4012893450001a"));
	assert_true(siret_valid("35600000000010"));	/* La Poste rule */
	assert_true(utf8_valid("Vénissieux", strlen("Vénissieux")));
	assert_false(utf8_valid("\xc0\xaf", 2));	/* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	assert_false(utf8_valid("\xe2\x82", 2));	/* truncated */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	assert_true(email_valid("n.benali@allies.example"));
	assert_false(email_valid("n.benali@example"));
	assert_false(email_valid("a b@c.fr"));
}

static void
test_csv(void **state)
{
	const char	*text = "\xef\xbb\xbf# a comment\nname,notes,n\n"
	    "\"Lyon, 1er\",\"dit \"\"bonjour\"\"\",1\n"
	    "Bron,\"deux\nlignes\",2\r\n\nlast,,\n";
	struct csv	 c;
	FILE		*f;
	char		*cause;

	(void)state;
	f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	csv_init(&c, f);
	assert_int_equal(csv_next(&c, &cause), 1);
	assert_int_equal(c.nfields, 3);
	assert_string_equal(c.fields[0], "name");
	assert_int_equal(c.rowline, 2);
	assert_int_equal(csv_next(&c, &cause), 1);
	assert_string_equal(c.fields[0], "Lyon, 1er");
	assert_string_equal(c.fields[1], "dit \"bonjour\"");
	assert_int_equal(csv_next(&c, &cause), 1);
	assert_string_equal(c.fields[1], "deux\nlignes");
	assert_string_equal(c.fields[2], "2");
	assert_int_equal(c.rowline, 4);
	assert_int_equal(csv_next(&c, &cause), 1);
	assert_int_equal(c.rowline, 7);
	assert_int_equal(c.nfields, 3);
	assert_string_equal(c.fields[2], "");
	assert_int_equal(csv_next(&c, &cause), 0);
	csv_close(&c);
	fclose(f);
}

static void
test_csv_sniff_and_sheet(void **state)
{
	/* French Excel: BOM, ';', CRLF, labels, a ';' inside quotes. */
	const char	*fr = "\xef\xbb\xbfR\xc3\xa9" "f\xc3\xa9rence;Nom;"
	    "Structure\r\nR1;\"Martin; Claire\";PLIE\r\n;;\r\n"
	    "R2;Benali;ML;en trop\r\n";
	const char	*cp1252 = "name,structure\nA,B\nPr\xe9nom,C\n";
	struct sheet	*sh;
	struct sheet_row r;
	char		*cause;

	(void)state;
	assert_int_equal(csv_sniff("a;b;c\r\n1,5;2;3", 16), ';');
	assert_int_equal(csv_sniff("a,b,\"c;d;e\"\n", 12), ',');
	assert_int_equal(csv_sniff("\"x;y\"", 5), ',');
	assert_int_equal(csv_sniff("", 0), ',');

	sh = sheet_open(&referent_schema, fr, strlen(fr), &cause);
	assert_non_null(sh);
	assert_int_equal(sheet_next(sh, &r, &cause), 1);
	assert_int_equal(r.line, 2);
	assert_string_equal(json_string_value(json_object_get(r.record,
	    "external_ref")), "R1");
	assert_string_equal(json_string_value(json_object_get(r.record,
	    "name")), "Martin; Claire");
	json_decref(r.record);
	/* The blank line 3 is skipped; line 4 has a value under no column. */
	assert_int_equal(sheet_next(sh, &r, &cause), 1);
	assert_int_equal(r.line, 4);
	assert_null(r.record);
	assert_string_equal(r.field, "column 4");
	assert_int_equal(sheet_next(sh, &r, &cause), 0);
	sheet_free(sh);

	assert_null(sheet_open(&referent_schema, cp1252, strlen(cp1252),
	    &cause));
	assert_non_null(strstr(cause, "line 3:"));
	assert_non_null(strstr(cause, "CSV UTF-8"));
	free(cause);
	assert_null(sheet_open(&referent_schema, "Nom;Pointure\n", 13,
	    &cause));
	assert_non_null(strstr(cause, "Pointure"));
	free(cause);
	/* A required field without a column. */
	assert_null(sheet_open(&referent_schema, "Nom\nA\n", 6, &cause));
	assert_non_null(strstr(cause, "structure"));
	free(cause);
}

static void
test_utf8_cuts_and_initials(void **state)
{
	char	*s;

	(void)state;
	/* A cut never splits a character: "aé" at 2 bytes is "a". */
	assert_int_equal(utf8_cut("a\xc3\xa9" "b", 2), 1);
	assert_int_equal(utf8_cut("a\xc3\xa9" "b", 3), 3);
	assert_int_equal(utf8_cut("abc", 40), 3);
	assert_int_equal(utf8_initial("\xc3\x96lmez"), 2);	/* Ö */
	assert_int_equal(utf8_initial("Martin"), 1);
	assert_int_equal(utf8_initial("\xe2\x82"), 0);
	assert_int_equal(utf8_initial(""), 0);
	s = utf8_repair("a\xc3\"\xff");
	assert_string_equal(s, "a\xef\xbf\xbd\"\xef\xbf\xbd");
	free(s);
}

static void
test_csv_cells_and_nul(void **state)
{
	static const char *const cases[][2] = {
		{ "plain", "plain" },
		{ "Dupont \"et\" Fils, SA", "\"Dupont \"\"et\"\" Fils, SA\"" },
		{ "deux\nlignes", "\"deux\nlignes\"" },
		{ "=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"" },
		{ "+33", "\"'+33\"" }, { "-1", "\"'-1\"" },
		{ "@SUM(A1)", "\"'@SUM(A1)\"" }, { "\tx", "\"'\tx\"" },
		{ "\rx", "\"'\rx\"" }, { "", "" },
	};
	const char	*text = "a,b\nx,y\0z\n";
	struct csv	 c;
	FILE		*f;
	char		*cause, *cell;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cell = csv_cell(cases[i][0]);
		assert_string_equal(cell, cases[i][1]);
		free(cell);
	}
	/* With ';' between cells: a ';' is quoted, a ',' is not. */
	cell = csv_cell_sep("Logistique; Rhône, SAS", ';');
	assert_string_equal(cell, "\"Logistique; Rhône, SAS\"");
	free(cell);
	cell = csv_cell_sep("63 %, arrondi", ';');
	assert_string_equal(cell, "63 %, arrondi");
	free(cell);
	cell = csv_cell_sep("=1;2", ';');
	assert_string_equal(cell, "\"'=1;2\"");
	free(cell);
	f = fmemopen((void *)(uintptr_t)text, 10, "r");
	csv_init(&c, f);
	assert_int_equal(csv_next(&c, &cause), 1);
	assert_int_equal(csv_next(&c, &cause), IOD_EINVAL);
	assert_string_equal(cause, "line 2: column 2: a NUL byte (expected "
	    "text)");
	free(cause);
	csv_close(&c);
	fclose(f);
}

static void
test_wire_items(void **state)
{
	static const char	 dup[] = "\x82\xa1" "a\x01\xa1" "a\x02";
	static const char	 two[] = "\x92\x81\xa1" "a\x01\xc4\x01x";
	const char		*json = " [ {\"a\": \"],\"} , [1,[2]] ,{x} ] ";
	struct wire_items	 w;
	msgpack_unpacked	 u;
	json_t			*item;
	char			*cause;
	size_t			 off = 0;

	(void)state;
	/* A msgpack map with a key twice is refused, naming the key. */
	msgpack_unpacked_init(&u);
	assert_int_equal(msgpack_unpack_next(&u, dup, sizeof(dup) - 1, &off),
	    MSGPACK_UNPACK_SUCCESS);
	assert_null(mp_to_json(&u.data, &cause));
	assert_non_null(strstr(cause, "\"a\""));
	free(cause);
	msgpack_unpacked_destroy(&u);
	/* JSON items are cut outside strings; a bad one, alone, fails. */
	assert_int_equal(wire_items_open(&w, json, strlen(json), 0, 10,
	    &cause), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(wire_items_next(&w, &item, &cause), 1);
	assert_string_equal(json_string_value(json_object_get(item, "a")),
	    "],");
	json_decref(item);
	assert_int_equal(wire_items_next(&w, &item, &cause), 1);
	assert_int_equal(json_array_size(item), 2);
	json_decref(item);
	assert_int_equal(wire_items_next(&w, &item, &cause), IOD_EINVAL);
	free(cause);
	assert_int_equal(wire_items_next(&w, &item, &cause), 0);
	assert_int_equal(wire_items_open(&w, json, strlen(json), 0, 2,
	    &cause), IOD_ETOOBIG);
	assert_int_equal(w.n, 3);
	assert_int_equal(wire_items_open(&w, "[1,2", 4, 0, 10, &cause),
	    IOD_EINVAL);
	free(cause);
	assert_int_equal(wire_items_open(&w, "{}", 2, 0, 10, &cause),
	    IOD_EINVAL);
	free(cause);
	/* msgpack: the count from the header, each item on its own. */
	assert_int_equal(wire_items_open(&w, two, sizeof(two) - 1, 1, 10,
	    &cause), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(wire_items_next(&w, &item, &cause), 1);
	assert_int_equal(json_integer_value(json_object_get(item, "a")), 1);
	json_decref(item);
	assert_int_equal(wire_items_next(&w, &item, &cause), IOD_EINVAL);
	free(cause);
	assert_int_equal(wire_items_next(&w, &item, &cause), 0);
	assert_int_equal(wire_items_open(&w, two, sizeof(two) - 1, 1, 1,
	    &cause), IOD_ETOOBIG);
}

/* A random JSON value of depth at most d into b: what a batch item may
 * hold, separators and escapes inside strings, reals jansson alone takes. */
static void
gen_json(char *b, size_t *n, size_t cap, unsigned *seed, int d)
{
	static const char *const words[] = { "\"a,b\"", "\"]:[\"",
	    "\"q\\\"x\\\\\"", "\"caf\\u00e9\"", "\"\\ud83d\\ude00\"", "12",
	    "-7", "0.5", "true", "false", "null", "\"\"", "1e3" };
	int	 k, i, obj;

	k = (int)(rand_r(seed) % 16);
	if (*n + 64 > cap) {		/* full: the value still closes */
		b[(*n)++] = '0';
		return;
	}
	if (d == 0 || k < 9) {
		*n += (size_t)snprintf(b + *n, cap - *n, "%s", words[k % 13]);
		return;
	}
	obj = k % 2;
	*n += (size_t)snprintf(b + *n, cap - *n, obj ? "{ " : "[\n");
	for (i = (int)(rand_r(seed) % 40); i > 0 && *n + 64 < cap; i--) {
		if (obj)
			*n += (size_t)snprintf(b + *n, cap - *n, "\"k%d\" :",
			    i);
		gen_json(b, n, cap, seed, d - 1);
		if (i > 1)
			*n += (size_t)snprintf(b + *n, cap - *n, " ,");
	}
	*n += (size_t)snprintf(b + *n, cap - *n, obj ? "}" : " ]");
}

/* wire_items_next_mp cuts a JSON body where wire_items_next_raw does,
 * refuses the same items as too big, and rewrites as wire_json_mp does. */
static void
test_wire_items_one_pass(void **state)
{
	struct wire_items	 a, b;
	const char		*ra, *rb;
	char			*body, *ca, *cb, *ma = NULL, *mb = NULL;
	size_t			 n, la, lb, capa = 0, capb = 0, lma, lmb, items;
	unsigned		 seed = 14;
	int			 round, i, rc_a, rc_b, big = 0, fast = 0;

	(void)state;
	body = malloc(1 << 20);
	assert_non_null(body);
	for (round = 0; round < 200; round++) {
		/* First an item at the limit of values or just past it: an
		 * object of 511 or 512 members (2m + 1), an array of 1,023 or
		 * 1,024 (k + 1). */
		n = (size_t)snprintf(body, 1 << 20, " [%c", round % 4 < 2 ?
		    '{' : '[');
		for (i = 0; round % 4 < 2 && i < 511 + round % 2; i++)
			n += (size_t)snprintf(body + n, (1 << 20) - n,
			    "%s\"m%d\":%d", i > 0 ? "," : "", i, i);
		for (i = 0; round % 4 >= 2 && i < 1023 + round % 2; i++)
			n += (size_t)snprintf(body + n, (1 << 20) - n, "%s%d",
			    i > 0 ? "," : "", i);
		n += (size_t)snprintf(body + n, (1 << 20) - n, "%c,",
		    round % 4 < 2 ? '}' : ']');
		for (items = 0; items < (size_t)(1 + round % 30) &&
		    n < (1 << 19); items++) {
			if (items > 0)
				n += (size_t)snprintf(body + n, (1 << 20) - n,
				    ",\t");
			gen_json(body, &n, (1 << 20) - 4096, &seed,
			    1 + round % 5);
		}
		n += (size_t)snprintf(body + n, (1 << 20) - n, "\r\n] ");
		assert_int_equal(wire_items_open(&a, body, n, 0, 10000, &ca), 0);
		assert_int_equal(wire_items_reopen(&b, body, n, 0, 10000, &cb),
		    0);
		for (;;) {
			rc_a = wire_items_next_raw(&a, &ra, &la, &ca);
			rc_b = wire_items_next_mp(&b, &rb, &lb, &mb, &capb,
			    &lmb, &cb);
			assert_int_equal(rc_a == 2 ? 1 : rc_a,
			    rc_b == 2 ? 1 : rc_b);
			free(ca);
			free(cb);
			if (rc_a == 0)
				break;
			big += rc_a == IOD_ETOOBIG;
			if (rc_a < 0)
				continue;
			assert_int_equal(la, lb);
			assert_memory_equal(ra, rb, la);
			if (rc_b == 2) {
				fast++;
				assert_int_equal(wire_json_mp(ra, la, &ma, &capa,
				    &lma), 0);
				assert_int_equal(lma, lmb);
				assert_memory_equal(ma, mb, lma);
			} else
				assert_int_not_equal(wire_json_mp(ra, la, &ma,
				    &capa, &lma), 0);
		}
		assert_int_equal(a.n, b.n);
	}
	/* Both roads were taken, and the limit on values was reached. */
	assert_true(fast > 100);
	assert_true(big > 0);
	free(ma);
	free(mb);
	free(body);
}

static json_t *
demo_candidate(void)
{
	json_error_t	 err;
	json_t		*a, *c;

	a = json_load_file("demo/candidates.json", 0, &err);
	assert_non_null(a);
	c = json_incref(json_array_get(a, 0));
	json_decref(a);
	return (c);
}

static void
test_codec_round_trip(void **state)
{
	struct candidate	 c, d;
	json_t			*in, *out, *back;
	char			*field, *cause, *buf;
	size_t			 len;
	const char		*key;
	json_t			*v;

	(void)state;
	in = demo_candidate();
	memset(&c, 0, sizeof(c));
	assert_int_equal(rec_from_json(&candidate_schema, &c, in, &field,
	    &cause), 0);
	assert_string_equal(c.first_name, "Amina");
	assert_int_equal(c.birth_date, 19880412);
	assert_true(c.publics & (1u << PUBLIC_RSA));
	assert_int_equal(c.nrome, 2);
	assert_int_equal(c.mobility.zone, ZONE_TERRITORY);
	assert_int_equal(rec_encode(&candidate_schema, &c, &buf, &len), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(rec_decode(&candidate_schema, &d, buf, len), 0);
	out = rec_to_json(&candidate_schema, &c, VIEW_FULL);
	back = rec_to_json(&candidate_schema, &d, VIEW_FULL);
	assert_true(json_equal(out, back));
	json_object_foreach(in, key, v)
		assert_true(json_equal(v, json_object_get(back, key)));
	free(buf);
	json_decref(out);
	json_decref(back);
	json_decref(in);
	rec_clear(&candidate_schema, &c);
	rec_clear(&candidate_schema, &d);
}

/* A msgpack str, as the stored records write one. */
static void
schema_pack_str_test(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* A company as schema version 1 wrote it, its commitment with code and
 * inner version v; rec_decode's result, *out filled. */
static int
decode_v1_company(const char *code, int v, struct company *out)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	int		rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 5);
	schema_pack_str_test(&pk, "v");
	msgpack_pack_int(&pk, 1);
	schema_pack_str_test(&pk, "siret");
	schema_pack_str_test(&pk, "40128934500019");
	schema_pack_str_test(&pk, "name");
	schema_pack_str_test(&pk, "Propreté Rhône Services");
	schema_pack_str_test(&pk, "commune");
	schema_pack_str_test(&pk, "69388");
	schema_pack_str_test(&pk, "commitments");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 3);
	schema_pack_str_test(&pk, "v");
	msgpack_pack_int(&pk, v);
	schema_pack_str_test(&pk, "action");
	schema_pack_str_test(&pk, code);
	schema_pack_str_test(&pk, "committed");
	msgpack_pack_true(&pk);
	memset(out, 0, sizeof(*out));
	rc = rec_decode(&company_schema, out, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return (rc);
}

static void
test_charter_codes_of_version_1(void **state)
{
	static const char *const old[][2] = {
		{ "recruit_without_cv", "innovative_recruitment" },
		{ "company_visit", "company_visits" },
		{ "training", "adapted_training" },
		{ "apprenticeship", "adapted_training" },
		{ "mentoring", "mentoring" },
	};
	struct company	c;
	size_t		i;

	(void)state;
	assert_int_equal(company_schema.version, 2);
	for (i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		assert_int_equal(decode_v1_company(old[i][0], 1, &c), 0);
		assert_int_equal(c.ncommitments, 1);
		assert_string_equal(action_names[c.commitments[0].action],
		    old[i][1]);
		assert_true(c.commitments[0].committed);
		rec_clear(&company_schema, &c);
	}
	/* Written by this version, an earlier code is damage. */
	assert_int_equal(decode_v1_company("recruit_without_cv", 2, &c),
	    IOD_ECORRUPT);
	rec_clear(&company_schema, &c);
	assert_int_equal(decode_v1_company("dance", 1, &c), IOD_ECORRUPT);
	rec_clear(&company_schema, &c);
}

static void
test_no_cv_view(void **state)
{
	static const char *const shown[] = { "id", "first_name",
	    "available_on", "created_at", "updated_at", NULL };
	struct candidate	 c;
	json_t			*in, *out, *v;
	const char		*key;
	char			*field, *cause;
	int			 i, ok;

	(void)state;
	in = demo_candidate();
	memset(&c, 0, sizeof(c));
	assert_int_equal(rec_from_json(&candidate_schema, &c, in, &field,
	    &cause), 0);
	out = rec_to_json(&candidate_schema, &c, VIEW_COMPANY);
	json_object_foreach(out, key, v) {
		for (ok = 0, i = 0; shown[i] != NULL; i++)
			ok |= strcmp(shown[i], key) == 0;
		if (!ok)
			fail_msg("the no-CV view shows \"%s\"", key);
	}
	assert_string_equal(json_string_value(json_object_get(out,
	    "first_name")), "Amina");
	json_decref(out);
	json_decref(in);
	rec_clear(&candidate_schema, &c);
}

static void
test_errors_name_the_field(void **state)
{
	struct candidate	 c;
	json_t			*in;
	char			*field, *cause;

	(void)state;
	in = demo_candidate();
	json_object_set_new(json_object_get(in, "mobility"), "zone",
	    json_string("planet"));
	memset(&c, 0, sizeof(c));
	assert_int_equal(rec_from_json(&candidate_schema, &c, in, &field,
	    &cause), IOD_EINVAL);
	assert_string_equal(field, "mobility.zone");
	assert_string_equal(cause, "mobility.zone: \"planet\" is not one of "
	    "commune, territory or metropole");
	free(field);
	free(cause);
	rec_clear(&candidate_schema, &c);
	json_decref(in);
}

static char	tmpdir[64];

static int
store_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/iod-unit-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return (0);
}

static int
store_teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return (system(cmd));
}

static int
count_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	uint64_t	*last = arg;

	(void)kl; (void)v; (void)vl;
	assert_true(key_get_u64(k) > last[0]);	/* in order */
	last[0] = key_get_u64(k);
	last[1]++;
	return (0);
}

static void
test_store(void **state)
{
	struct store	*st;
	struct txn	 t, child;
	struct referent	 r, got;
	char		*cause, big[4096];
	uint64_t	 id, last[2] = { 0, 0 };
	int		 i, rc;

	(void)state;
	assert_int_equal(store_open(&st, tmpdir, 1 << 20, 1 << 20, &cause), 0);
	assert_int_equal(store_begin(st, &t, 1, NULL), 0);
	memset(&r, 0, sizeof(r));
	r.name = "Julien Perrin";
	r.structure = "Mission Locale de Lyon";
	for (i = 0; i < 300; i++) {
		id = store_next_id(&t, DB_REFERENTS);
		assert_int_equal(id, (uint64_t)i + 1);
		r.id = id;
		assert_int_equal(store_put_rec(&t, DB_REFERENTS, id,
		    &referent_schema, &r), 0);
	}
	assert_int_equal(store_commit(&t), 0);

	assert_int_equal(store_begin(st, &t, 0, NULL), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_get_rec(&t, DB_REFERENTS, 42, &referent_schema,
	    &got), 0);
	assert_string_equal(got.structure, "Mission Locale de Lyon");
	assert_int_equal(got.id, 42);
	rec_clear(&referent_schema, &got);
	assert_int_equal(store_get_rec(&t, DB_REFERENTS, 301, &referent_schema,
	    &got), IOD_ENOTFOUND);
	assert_int_equal(store_scan(&t, DB_REFERENTS, NULL, 0, 0, count_cb,
	    last), 0);
	assert_int_equal(last[1], 300);
	/* A write in a read txn fails and the failure sticks. */
	assert_int_not_equal(store_put_id(&t, DB_REFERENTS, 1, "x", 1), 0);
	assert_int_not_equal(t.rc, 0);
	assert_int_not_equal(store_commit(&t), 0);

	/* A child that fills the 1 MiB map fails alone; the parent commits. */
	memset(big, 'x', sizeof(big));
	assert_int_equal(store_begin(st, &t, 1, NULL), 0);
	assert_int_equal(store_put_id(&t, DB_META, 999999, "kept", 4), 0);
	assert_int_equal(store_begin(st, &child, 1, &t), 0);
	for (i = 0, rc = 0; i < 1000 && rc == 0; i++)
		rc = store_put_id(&child, DB_AUDIT, (uint64_t)i, big,
		    sizeof(big));
	assert_int_equal(rc, IOD_EMAPFULL);
	assert_int_equal(store_commit(&child), IOD_EMAPFULL);
	assert_int_equal(t.rc, 0);
	assert_int_equal(store_commit(&t), 0);
	assert_int_equal(store_grow(st), IOD_EMAPFULL);	/* at its limit */
	store_close(st);

	/* Reopened with room to grow, the parent's write is there. */
	assert_int_equal(store_open(&st, tmpdir, 1 << 20, 8 << 20, &cause), 0);
	assert_int_equal(store_grow(st), 0);
	assert_int_equal(store_map_size(st), 2 << 20);
	assert_int_equal(store_begin(st, &t, 0, NULL), 0);
	assert_int_equal(store_count(&t, DB_REFERENTS), 300);
	assert_int_equal(store_count(&t, DB_AUDIT), 0);
	store_abort(&t);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_siret_utf8_email),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_sniff_and_sheet),
		cmocka_unit_test(test_utf8_cuts_and_initials),
		cmocka_unit_test(test_csv_cells_and_nul),
		cmocka_unit_test(test_wire_items),
		cmocka_unit_test(test_wire_items_one_pass),
		cmocka_unit_test(test_codec_round_trip),
		cmocka_unit_test(test_no_cv_view),
		cmocka_unit_test(test_charter_codes_of_version_1),
		cmocka_unit_test(test_errors_name_the_field),
		cmocka_unit_test_setup_teardown(test_store, store_setup,
		    store_teardown),
	};
	char	*cause;

	if (refdata_load("data", &cause) != 0) {
		fprintf(stderr, "refdata: %s\n", cause);
		return (1);
	}
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
