/*
 * test_event.c — unit tests of profiles/event.c: an event packed without a
 * tree (event_open, the caller's data, event_close) is stored byte for
 * byte as event_append stores it with the same data as a jansson object,
 * for every payload the code packs that way, over integer and string
 * lengths at msgpack's encoding limits.  The stored form: its bytes for
 * every type, read back the same; the map events of stores written before
 * read as they always did; damaged bytes refused, never a crash.
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
#include "domain.h"

static char	dirs[2][64];
static struct store *st[2];	/* [0]: through jansson, [1]: without */

static int
setup(void **state)
{
	char	*cause;
	int	 i;

	(void)state;
	for (i = 0; i < 2; i++) {
		snprintf(dirs[i], sizeof(dirs[i]), "/tmp/iod-unit-XXXXXX");
		assert_non_null(mkdtemp(dirs[i]));
		assert_int_equal(store_open(&st[i], dirs[i], 64 << 20,
		    64 << 20, &cause), 0);
	}
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[256];
	int	i, rc = 0;

	(void)state;
	for (i = 0; i < 2; i++) {
		store_close(st[i]);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dirs[i]);
		rc |= system(cmd);
	}
	return (rc);
}

/* The payloads: each packs the tree-less way and builds the tree the
 * code built before, from the same values. */
struct shape {
	const char	*type, *entity;
	uint64_t	 id;
	const char	*actor;
	uint64_t	 a, b, c, d;	/* ids */
	const char	*s;		/* a string that may be NULL */
};

enum kind { K_PROPOSAL, K_OFFER, K_OFFER_STATUS, K_CANDIDATE, K_NIL };

static json_t *
tree_of(enum kind k, const struct shape *x)
{
	switch (k) {
	case K_PROPOSAL:
		return (json_pack("{s:I, s:I, s:I, s:I, s:s?}",
		    "offer_id", (json_int_t)x->a,
		    "candidate_id", (json_int_t)x->b,
		    "company_id", (json_int_t)x->c,
		    "referent_id", (json_int_t)x->d, "owner", x->s));
	case K_OFFER:
		return (json_pack("{s:I, s:s?}", "company_id",
		    (json_int_t)x->c, "owner", x->s));
	case K_OFFER_STATUS:
		return (json_pack("{s:I, s:s?, s:s}", "company_id",
		    (json_int_t)x->c, "owner", x->s, "status",
		    offer_status_names[x->a % 3]));
	case K_CANDIDATE:
		return (json_pack("{s:I}", "referent_id", (json_int_t)x->d));
	case K_NIL:
		break;
	}
	return (NULL);
}

static void
pack_of(enum kind k, const struct shape *x, msgpack_packer *pk)
{
	struct offer		o;
	struct candidate	c;

	switch (k) {
	case K_PROPOSAL:	/* proposal.c's proposal_event */
		msgpack_pack_map(pk, 5);
		event_pack_id(pk, "offer_id", x->a);
		event_pack_id(pk, "candidate_id", x->b);
		event_pack_id(pk, "company_id", x->c);
		event_pack_id(pk, "referent_id", x->d);
		event_pack_str(pk, "owner", x->s);
		break;
	case K_OFFER:
		memset(&o, 0, sizeof(o));
		o.company_id = x->c;
		o.owner = (char *)(uintptr_t)x->s;
		records_offer_payload(pk, &o);
		break;
	case K_OFFER_STATUS:	/* proposal.c's offer_status_set */
		msgpack_pack_map(pk, 3);
		event_pack_id(pk, "company_id", x->c);
		event_pack_str(pk, "owner", x->s);
		event_pack_str(pk, "status", offer_status_names[x->a % 3]);
		break;
	case K_CANDIDATE:
		memset(&c, 0, sizeof(c));
		c.referent_id = x->d;
		records_candidate_payload(pk, &c);
		break;
	case K_NIL:
		msgpack_pack_nil(pk);
		break;
	}
}

/* Append x both ways, one store each, and compare the stored bytes.  The
 * transactions end before anything is asserted: a failure must not leave
 * a writer behind for the next case. */
static void
check_same(enum kind k, const struct shape *x)
{
	struct txn	 t[2];
	struct event	 ev[2];
	const void	*v;
	char		*got[2] = { NULL, NULL };
	size_t		 len[2] = { 0, 0 };
	uint64_t	 seq[2];
	int64_t		 at[2];
	json_t		*j;
	int		 i, tries, same_at = 0;

	for (tries = 0; tries < 3 && !same_at; tries++) {
		for (i = 0; i < 2; i++) {
			free(got[i]);
			got[i] = NULL;
			if (store_begin(st[i], &t[i], 1, NULL) != 0)
				fail();
		}
		j = tree_of(k, x);
		seq[0] = event_append(&t[0], x->type, x->entity, x->id,
		    x->actor, j);
		json_decref(j);
		pack_of(k, x, event_open(&t[1], x->type, x->entity, x->id,
		    x->actor));
		seq[1] = event_close(&t[1]);
		for (i = 0; i < 2; i++) {
			at[i] = -1 - i;
			if (seq[i] != 0 && store_get_id(&t[i], DB_EVENTS,
			    seq[i], &v, &len[i]) == 0 &&
			    (got[i] = malloc(len[i] + 1)) != NULL)
				memcpy(got[i], v, len[i]);
			if (seq[i] != 0 && event_get(&t[i], seq[i],
			    &ev[i]) == 0) {
				at[i] = ev[i].at;
				event_clear(&ev[i]);
			}
			store_abort(&t[i]);	/* the next takes the same seq */
		}
		same_at = at[0] == at[1];	/* a second may turn between */
	}
	assert_true(k == K_NIL || j != NULL);
	assert_true(seq[0] != 0);
	assert_true(seq[0] == seq[1]);
	assert_true(same_at);
	assert_non_null(got[0]);
	assert_non_null(got[1]);
	assert_int_equal(len[0], len[1]);
	assert_memory_equal(got[0], got[1], len[0]);
	free(got[0]);
	free(got[1]);
}

/* Integers at each msgpack width's edges, and beyond int64 (an id is
 * unsigned; a json_t integer is not). */
static const uint64_t ids[] = {
	0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295u, 4294967296u,
	9007199254740993u, 9223372036854775807u, 9223372036854775808u,
	18446744073709551615u
};

static void
test_same_bytes_every_shape(void **state)
{
	static char	 s31[32], s32[33], s255[256], s256[257], s70k[70000];
	const char	*strs[] = { NULL, "", "cm-martin", "Agnès Lefèvre-Ørsted",
	    s31, s32, s255, s256, s70k };
	const char	*types[][2] = {
		{ "proposal.created", "proposal" },
		{ "offer.updated", "offer" },
		{ "candidate.created", "candidate" },
		{ "candidate.erased", "candidate" }
	};
	const char	*actors[] = { "token:3", NULL, "iodd", s256 };
	struct shape	 x;
	size_t		 i, n = 0, nid = sizeof(ids) / sizeof(ids[0]);
	size_t		 ns = sizeof(strs) / sizeof(strs[0]);
	enum kind	 k;

	(void)state;
	memset(s31, 'a', sizeof(s31) - 1);
	memset(s32, 'b', sizeof(s32) - 1);
	memset(s255, 'c', sizeof(s255) - 1);
	memset(s256, 'd', sizeof(s256) - 1);
	memset(s70k, 'e', sizeof(s70k) - 1);
	for (k = K_PROPOSAL; k <= K_NIL; k++)
		for (i = 0; i < nid * ns; i++) {
			memset(&x, 0, sizeof(x));
			x.type = types[i % 4][0];
			x.entity = types[i % 4][1];
			x.actor = actors[i % 4];
			x.id = ids[(i + 3) % nid];
			x.a = ids[i % nid];
			x.b = ids[(i + 1) % nid];
			x.c = ids[(i / ns) % nid];
			x.d = ids[(i + 5) % nid];
			x.s = strs[i % ns];
			check_same(k, &x);
			n++;
		}
	assert_true(n == 5 * nid * ns);
}

/* The tree-less writer leaves nothing behind for the next event: a long
 * event then a short one store the short one's bytes alone. */
static void
test_buffer_reused(void **state)
{
	static char	 big[20000];
	struct shape	 x;

	(void)state;
	memset(big, 'z', sizeof(big) - 1);
	memset(&x, 0, sizeof(x));
	x.type = "offer.updated";
	x.entity = "offer";
	x.id = 7;
	x.actor = "token:1";
	x.c = 12;
	x.s = big;
	check_same(K_OFFER, &x);
	x.s = "cm-martin";
	check_same(K_OFFER, &x);
	check_same(K_NIL, &x);
}

/* A failed transaction stores nothing and says so. */
static void
test_failed_txn(void **state)
{
	struct txn	 t;
	msgpack_packer	*pk;

	(void)state;
	assert_int_equal(store_begin(st[1], &t, 0, NULL), 0);	/* read */
	pk = event_open(&t, "offer.updated", "offer", 1, "token:1");
	assert_non_null(pk);
	msgpack_pack_nil(pk);
	assert_true(event_close(&t) == 0);
	assert_int_not_equal(t.rc, 0);
	store_abort(&t);
}

/* ---- the stored form ---------------------------------------------------- */

/* The bytes stored under seq in st[1], copied (caller frees). */
static char *
stored(uint64_t seq, size_t *len)
{
	struct txn	 t;
	const void	*v;
	char		*got = NULL;

	*len = 0;
	if (store_begin(st[1], &t, 0, NULL) != 0)
		return (NULL);
	if (store_get_id(&t, DB_EVENTS, seq, &v, len) == 0 &&
	    (got = malloc(*len)) != NULL)
		memcpy(got, v, *len);
	store_abort(&t);
	return (got);
}

/* Put bytes under seq in st[1], as a store written before would hold. */
static void
put_raw(uint64_t seq, const void *buf, size_t len)
{
	struct txn	t;
	uint8_t		k[8];

	assert_int_equal(store_begin(st[1], &t, 1, NULL), 0);
	store_put(&t, DB_EVENTS, k, key_u64(k, seq), buf, len);
	assert_int_equal(store_commit(&t), 0);
}

static int
get(uint64_t seq, struct event *ev)
{
	struct txn	t;
	int		rc;

	assert_int_equal(store_begin(st[1], &t, 0, NULL), 0);
	rc = event_get(&t, seq, ev);
	store_abort(&t);
	return (rc);
}

static uint64_t
append(const char *type, const char *entity, uint64_t id, const char *actor,
    json_t *data)
{
	struct txn	t;
	uint64_t	seq;

	assert_int_equal(store_begin(st[1], &t, 1, NULL), 0);
	seq = event_append(&t, type, entity, id, actor, data);
	assert_int_equal(store_commit(&t), 0);
	assert_true(seq != 0);
	return (seq);
}

static void
assert_str_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_true(a == b);
	else
		assert_string_equal(a, b);
}

static void
assert_event_same(const struct event *a, const struct event *b)
{
	assert_true(a->seq == b->seq);
	assert_str_same(a->type, b->type);
	assert_str_same(a->entity, b->entity);
	assert_true(a->id == b->id);
	assert_str_same(a->actor, b->actor);
	assert_true(a->at == b->at);
	if (a->data == NULL || b->data == NULL)
		assert_true(a->data == b->data);
	else
		assert_true(json_equal(a->data, b->data));
}

/* An ingested candidate's event, byte for byte: 39 bytes where the map
 * took 96. */
static void
test_candidate_created_bytes(void **state)
{
	static const unsigned char head[] = {
		0x96, 0x01, 0x06, 0xce, 0x00, 0x01, 0xf2, 0x61,
		0xa9, 'b', 'o', 'o', 't', 's', 't', 'r', 'a', 'p', 0xce
	};
	static const unsigned char tail[] = {
		0x81, 0xab, 'r', 'e', 'f', 'e', 'r', 'e', 'n', 't', '_', 'i',
		'd', 0xcd, 0x04, 0xe7
	};
	struct txn		 t;
	struct candidate	 c;
	struct event		 ev;
	unsigned char		*got;
	uint64_t		 seq;
	uint32_t		 at;
	size_t			 len;

	(void)state;
	assert_string_equal(event_type_names[6], "candidate.created");
	memset(&c, 0, sizeof(c));
	c.referent_id = 1255;
	assert_int_equal(store_begin(st[1], &t, 1, NULL), 0);
	records_candidate_payload(event_open(&t, "candidate.created",
	    "candidate", 127585, "bootstrap"), &c);
	seq = event_close(&t);
	assert_int_equal(store_commit(&t), 0);
	assert_non_null(got = (unsigned char *)stored(seq, &len));
	assert_int_equal(len, sizeof(head) + 4 + sizeof(tail));
	assert_memory_equal(got, head, sizeof(head));
	assert_memory_equal(got + sizeof(head) + 4, tail, sizeof(tail));
	assert_int_equal(get(seq, &ev), 0);
	at = (uint32_t)got[sizeof(head)] << 24 |
	    (uint32_t)got[sizeof(head) + 1] << 16 |
	    (uint32_t)got[sizeof(head) + 2] << 8 | got[sizeof(head) + 3];
	assert_true(ev.at == (int64_t)at);
	assert_true(ev.seq == seq && ev.id == 127585);
	assert_string_equal(ev.type, "candidate.created");
	assert_string_equal(ev.entity, "candidate");
	assert_string_equal(ev.actor, "bootstrap");
	assert_int_equal(json_integer_value(json_object_get(ev.data,
	    "referent_id")), 1255);
	assert_int_equal(json_object_size(ev.data), 1);
	event_clear(&ev);
	free(got);
}

/* Every type: an array of 6 naming the type by its index, the entity
 * written only where the type does not say it; read back as written.  A
 * type outside the table is written by name. */
static void
test_every_type_read_back(void **state)
{
	struct event	 ev, want;
	msgpack_unpacked u;
	char		*got, prefix[64];
	size_t		 i, len, off;
	uint64_t	 seq;
	json_t		*data;
	const char	*entity;

	(void)state;
	for (i = 0; event_type_names[i] != NULL; i++) {
		snprintf(prefix, sizeof(prefix), "%.*s",
		    (int)strcspn(event_type_names[i], "."),
		    event_type_names[i]);
		/* the interest events are about an offer */
		entity = strncmp(prefix, "interest", 8) == 0 ? "offer" : prefix;
		data = i % 3 == 0 ? NULL : json_pack("{s:I, s:s, s:[i]}",
		    "candidate_id", (json_int_t)i, "note", "Agnès", "x", -1);
		seq = append(event_type_names[i], entity, ids[i % 14],
		    i % 4 == 1 ? NULL : "token:3", data);
		assert_non_null(got = stored(seq, &len));
		msgpack_unpacked_init(&u);
		off = 0;
		assert_int_equal(msgpack_unpack_next(&u, got, len, &off),
		    MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(u.data.type, MSGPACK_OBJECT_ARRAY);
		assert_int_equal(u.data.via.array.size,
		    entity == prefix ? 6 : 7);
		assert_int_equal(u.data.via.array.ptr[0].via.u64, 1);
		assert_int_equal(u.data.via.array.ptr[1].type,
		    MSGPACK_OBJECT_POSITIVE_INTEGER);
		assert_int_equal(u.data.via.array.ptr[1].via.u64, i);
		if (entity != prefix)
			assert_int_equal(u.data.via.array.ptr[5].via.str.size,
			    5);
		msgpack_unpacked_destroy(&u);
		assert_int_equal((unsigned char)got[2], i);	/* a fixint */
		assert_int_equal(event_stored_type(got, len), i);
		free(got);
		assert_int_equal(get(seq, &ev), 0);
		want = (struct event){ seq, (char *)(uintptr_t)
		    event_type_names[i], (char *)(uintptr_t)entity,
		    ids[i % 14], i % 4 == 1 ? NULL : (char *)(uintptr_t)"token:3",
		    ev.at, data };
		assert_event_same(&ev, &want);
		event_clear(&ev);
		json_decref(data);
	}
	/* Outside the table, with no entity and no actor. */
	seq = append("custom.thing", NULL, 5, NULL, NULL);
	assert_non_null(got = stored(seq, &len));
	assert_int_equal(event_stored_type(got, len), -1);
	free(got);
	assert_int_equal(get(seq, &ev), 0);
	assert_string_equal(ev.type, "custom.thing");
	assert_null(ev.entity);
	assert_null(ev.actor);
	assert_null(ev.data);
	event_clear(&ev);
	/* An entity with a dot of its own is written out. */
	seq = append("a.b.c", "a.b", 5, "x", NULL);
	assert_int_equal(get(seq, &ev), 0);
	assert_string_equal(ev.entity, "a.b");
	event_clear(&ev);
	assert_int_equal(get(seq + 1000, &ev), IOD_ENOTFOUND);
}

static void
pack_s(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* An event as the stores written before held it: a map, in the order the
 * writer packed it. */
static void
pack_old(msgpack_packer *pk, uint64_t seq, const char *type,
    const char *entity, uint64_t id, const char *actor, int64_t at,
    json_t *data)
{
	msgpack_pack_map(pk, 7);
	pack_s(pk, "seq");
	msgpack_pack_uint64(pk, seq);
	pack_s(pk, "type");
	pack_s(pk, type);
	pack_s(pk, "entity");
	pack_s(pk, entity);
	pack_s(pk, "id");
	msgpack_pack_uint64(pk, id);
	pack_s(pk, "actor");
	if (actor != NULL)
		pack_s(pk, actor);
	else
		msgpack_pack_nil(pk);
	pack_s(pk, "at");
	msgpack_pack_int64(pk, at);
	pack_s(pk, "data");
	if (data != NULL)
		json_pack_mp(data, pk);
	else
		msgpack_pack_nil(pk);
}

/* A map event reads as the same event the array form gives, serves the
 * same JSON as its map did read schema-free, and is written back (an
 * erasure's rewrite) as the array form of that event. */
static void
test_old_map_form(void **state)
{
	static const struct {
		const char	*type, *entity, *actor;
		uint64_t	 id;
	} olds[] = {
		{ "candidate.created", "candidate", "bootstrap", 127585 },
		{ "proposal.hired", "proposal", "token:3", 7 },
		{ "interest.created", "offer", NULL, 4294967296u },
		{ "webhook.deleted", "webhook", "account:12", 0 },
	};
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	struct event	 ev, back, want;
	json_t		*data, *j, *old_j;
	char		*buf;
	size_t		 i, len;
	uint64_t	 seq;

	(void)state;
	for (i = 0; i < sizeof(olds) / sizeof(olds[0]); i++) {
		seq = 900000 + i;
		data = i == 3 ? NULL : json_pack("{s:I, s:s?}", "candidate_id",
		    (json_int_t)i, "owner", i == 1 ? NULL : "cm-martin");
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		pack_old(&pk, seq, olds[i].type, olds[i].entity, olds[i].id,
		    olds[i].actor, 1764201600 + (int64_t)i, data);
		put_raw(seq, sb.data, sb.size);
		assert_int_equal(event_stored_type(sb.data, sb.size),
		    evtype_index(olds[i].type, strlen(olds[i].type)));
		assert_true(event_stored_type(sb.data, sb.size) >= 0);
		assert_int_equal(get(seq, &ev), 0);
		want = (struct event){ seq, (char *)(uintptr_t)olds[i].type,
		    (char *)(uintptr_t)olds[i].entity, olds[i].id,
		    (char *)(uintptr_t)olds[i].actor,
		    1764201600 + (int64_t)i, data };
		assert_event_same(&ev, &want);
		/* The export read the map schema-free: the same JSON. */
		assert_non_null(old_j = mp_bytes_to_json(sb.data, sb.size));
		assert_non_null(j = event_stored_json(seq, sb.data, sb.size));
		assert_true(json_equal(j, old_j));
		json_decref(j);
		assert_non_null(j = event_to_json(&ev));
		assert_true(json_equal(j, old_j));
		json_decref(j);
		json_decref(old_j);
		/* Written back: the array form, the same event. */
		assert_int_equal(event_encode(&ev, &buf, &len), 0);
		assert_true((unsigned char)buf[0] == (i == 2 ? 0x97 : 0x96));
		assert_true(len < sb.size);
		assert_int_equal(event_decode(seq, buf, len, &back), 0);
		assert_event_same(&back, &ev);
		event_clear(&back);
		free(buf);
		event_clear(&ev);
		msgpack_sbuffer_destroy(&sb);
		json_decref(data);
	}
}

/* Bytes that are not an event are refused, the event left empty. */
static void
assert_refused(const void *buf, size_t len)
{
	struct event	ev;

	memset(&ev, 0xa5, sizeof(ev));
	assert_int_equal(event_decode(3, buf, len, &ev), IOD_ECORRUPT);
	assert_null(ev.type);
	assert_null(ev.entity);
	assert_null(ev.actor);
	assert_null(ev.data);
	assert_null(event_stored_json(3, buf, len));
	assert_true(event_stored_type(buf, len) < 64);	/* no crash */
}

static void
test_damage_refused(void **state)
{
	/* [1, 6, 5, "a", 9, {"k": 1}] and variations, one part wrong */
	static const struct {
		const char	*bytes;
		size_t		 len;
	} bad[] = {
#define B(s)	{ s, sizeof(s) - 1 }
		B("\x96\x02\x06\x05\xa1" "a" "\x09\x81\xa1k\x01"),	/* v2 */
		B("\x96\xa1" "1" "\x06\x05\xa1" "a" "\x09\xc0"),	/* v str */
		B("\x95\x01\x06\x05\xa1" "a" "\x09"),			/* 5 */
		B("\x98\x01\x06\x05\xa1" "a" "\x09\xc0\xc0\xc0"),	/* 8 */
		B("\x96\x01\x3f\x05\xa1" "a" "\x09\xc0"),	/* type 63 */
		B("\x96\x01\xcc\xc8\x05\xa1" "a" "\x09\xc0"),	/* 200 */
		B("\x96\x01\xcf\xff\xff\xff\xff\xff\xff\xff\xff\x05\xa1"
		    "a" "\x09\xc0"),				/* 2^64-1 */
		B("\x96\x01\xff\x05\xa1" "a" "\x09\xc0"),	/* type -1 */
		B("\x96\x01\xc0\x05\xa1" "a" "\x09\xc0"),	/* type nil */
		B("\x96\x01\xc3\x05\xa1" "a" "\x09\xc0"),	/* type true */
		B("\x96\x01\x06\xff\xa1" "a" "\x09\xc0"),	/* id -1 */
		B("\x96\x01\x06\xa1" "5" "\xa1" "a" "\x09\xc0"), /* id str */
		B("\x96\x01\x06\xcb\x3f\xf0\0\0\0\0\0\0\xa1" "a" "\x09\xc0"),
		B("\x96\x01\x06\x05\x07\x09\xc0"),		/* actor int */
		B("\x96\x01\x06\x05\xa1" "a" "\xa1" "9" "\xc0"), /* at str */
		B("\x96\x01\x06\x05\xa1" "a" "\xcf\xff\xff\xff\xff\xff\xff"
		    "\xff\xff\xc0"),				/* at > int64 */
		B("\x97\x01\x06\x05\xa1" "a" "\x09\x07\xc0"), /* entity int */
		B("\x96\x01\x06\x05\xa1" "a" "\x09\xc0\xc0"),	/* trailing */
		B("\xa5" "hello"),				/* a string */
		B("\x07"),					/* an integer */
		B("\x90"),					/* [] */
		B("\x80"),					/* {}: no type */
		B("\x81\xa3seq\xa1" "1"),			/* seq str */
		B("\x82\xa4type\xa1t\xa2id\xa1" "1"),		/* id str */
		B("\x82\xa4type\xa1t\xa2" "at\xc0"),		/* at nil */
		B("\x81\xa4type\x07"),				/* type int */
		B("\x82\xa4type\xa1t\x07\x07"),			/* int key */
		B("\x82\xa4type\xa1t\xa5" "actor\x90"),		/* actor [] */
#undef B
	};
	static const char good[] =
	    "\x97\x01\x2e\xcd\x01\x00\xa7token:3\xce\x69\x28\x12\x00"
	    "\xa5offer\x82\xabreferent_id\x05\xa4note\xa2\xc3\xa9";
	struct event	 ev;
	size_t		 i;

	(void)state;
	assert_int_equal(event_decode(3, good, sizeof(good) - 1, &ev), 0);
	assert_string_equal(ev.type, event_type_names[0x2e]);
	assert_string_equal(ev.entity, "offer");
	assert_true(ev.id == 256 && ev.at == 0x69281200);
	event_clear(&ev);
	/* Every cut of a good event. */
	for (i = 0; i < sizeof(good) - 1; i++)
		assert_refused(good, i);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(bad[i].bytes, bad[i].len);
	/* A payload JSON cannot hold (not UTF-8) reads as none, as the
	 * map form's always did. */
	assert_int_equal(event_decode(3, "\x96\x01\x06\x05\xa1" "a"
	    "\x09\x81\xa1k\xa1\xff", 12, &ev), 0);
	assert_null(ev.data);
	event_clear(&ev);
	assert_int_equal(event_decode(3, "\x82\xa4type\xa1t\xa4" "data"
	    "\x81\xa1k\xa1\xff", 18, &ev), 0);
	assert_null(ev.data);
	event_clear(&ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_bytes_every_shape),
		cmocka_unit_test(test_buffer_reused),
		cmocka_unit_test(test_failed_txn),
		cmocka_unit_test(test_candidate_created_bytes),
		cmocka_unit_test(test_every_type_read_back),
		cmocka_unit_test(test_old_map_form),
		cmocka_unit_test(test_damage_refused),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
