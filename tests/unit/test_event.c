/*
 * test_event.c — unit tests of profiles/event.c: an event packed without a
 * tree (event_open, the caller's data, event_close) is stored byte for
 * byte as event_append stores it with the same data as a jansson object,
 * for every payload the code packs that way, over integer and string
 * lengths at msgpack's encoding limits.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_bytes_every_shape),
		cmocka_unit_test(test_buffer_reused),
		cmocka_unit_test(test_failed_txn),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
