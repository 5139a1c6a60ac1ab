/*
 * index-load.c — the start-up's half of the index: every candidate of the
 * store put into it (index_put), each read in place from its stored bytes,
 * only the fields the index keeps (rec_decode_fields: store_open checked
 * the bytes).  What the index holds and how it is sorted is index.c's and
 * index-sort.c's; the policy state is the domain's to load after.
 */
#include <string.h>

#include "engine.h"

/* What index.c's compact() reads of a candidate: no more is decoded. */
static const char *const index_fields[] = { "id", "commune", "qpv",
    "programme", "oriented_on", "publics", "rome", "contracts",
    "max_weekly_hours", "schedule_ok", "mobility", "available_on",
    "consent", "status", NULL };

struct index_load {
	uint64_t		 want;
	struct rec_arena	 arena;
};

static int
index_load_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct index_load	*l = arg;
	struct candidate	 c;
	int			 rc;

	(void)k; (void)kl;
	memset(&c, 0, sizeof(c));
	if ((rc = rec_decode_fields(&candidate_schema, &c, v, vl, l->want,
	    &l->arena)) == 0)
		rc = index_put(&c);
	return (rc);
}

/*
 * The store's records are read in place, the fields the index needs only
 * (rec_decode_fields: store_open checked their bytes).
 */
int
index_load(struct txn *t)
{
	struct index_load	l;
	int			rc;

	memset(&l, 0, sizeof(l));
	l.want = rec_fields_mask(&candidate_schema, index_fields);
	rc = store_scan(t, DB_CANDIDATES, NULL, 0, 0, index_load_cb, &l);
	rec_arena_free(&l.arena);
	return (rc);
}
