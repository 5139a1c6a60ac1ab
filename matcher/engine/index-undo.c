/*
 * index-undo.c — the journal that takes the in-memory index back to what
 * it was before writes that did not commit.  The index is written as the
 * store is, before the store's transaction commits; when that transaction
 * is aborted (a full map, a failed commit, a request that failed), the
 * journal replays, newest first, the way back of each change made since
 * a mark: a candidate's slot as it was, an open proposal counted again
 * or not, a refusal, an offer's open proposal, a company's proposal day,
 * an interest, and what the domain notes of its own (index_undo_note).
 * It records only while recording is on (the daemon's event loop, once
 * the index is loaded); a load or another thread's index records
 * nothing.  It owns no index state: index.c and index-policy.c do.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

struct undo_entry {
	int		(*fn)(const void *);
	size_t		  off;		/* its data in buf */
};

static _Thread_local struct {
	int			 on;
	int			 lost;	/* an entry could not be kept */
	struct undo_entry	*v;
	size_t			 n, cap;
	unsigned char		*buf;
	size_t			 len, bufcap;
} j;

struct undo_cand {
	uint32_t	 slot;
	struct mcand	 c;		/* flags 0: the slot was not there */
};
struct undo_pair {
	uint64_t	 a, b, c, d;
};

void
index_undo_record(int on)
{
	j.on = on;
	index_undo_clear();
}

void
index_undo_clear(void)
{
	j.n = j.len = 0;
	j.lost = 0;
	if (j.cap > 4096) {	/* a large turn's journal is not kept */
		free(j.v);
		free(j.buf);
		j.v = NULL;
		j.buf = NULL;
		j.cap = j.bufcap = 0;
	}
}

size_t
index_undo_mark(void)
{
	return (j.n);
}

void
index_undo_note(int (*fn)(const void *), const void *data, size_t len)
{
	struct undo_entry	*e;
	unsigned char		*b;
	size_t			 cap, step;

	if (!j.on || j.lost)
		return;
	if (j.n == j.cap) {
		cap = j.cap ? j.cap * 2 : 64;
		if ((e = reallocarray(j.v, cap, sizeof(*e))) == NULL) {
			j.lost = 1;
			return;
		}
		j.v = e;
		j.cap = cap;
	}
	step = (len + 7) & ~(size_t)7;	/* each entry's data aligned */
	if (j.len + step > j.bufcap) {
		for (cap = j.bufcap ? j.bufcap : 1024; cap < j.len + step;)
			cap *= 2;
		if ((b = realloc(j.buf, cap)) == NULL) {
			j.lost = 1;
			return;
		}
		j.buf = b;
		j.bufcap = cap;
	}
	if (len > 0)
		memcpy(j.buf + j.len, data, len);
	j.v[j.n].fn = fn;
	j.v[j.n++].off = j.len;
	j.len += step;
}

int
index_undo_to(size_t mark)
{
	int	rc = 0, on = j.on;

	if (j.lost)
		return (IOD_ENOMEM);
	j.on = 0;		/* the way back records nothing */
	while (j.n > mark) {
		j.n--;
		if (j.v[j.n].fn(j.buf + j.v[j.n].off) != 0)
			rc = IOD_ENOMEM;
		j.len = j.v[j.n].off;
	}
	j.on = on;
	if (rc != 0)
		j.lost = 1;
	return (rc);
}

static int
undo_cand(const void *p)
{
	const struct undo_cand	*u = p;

	return (index_slot_restore(u->slot, &u->c));
}

void
index_undo_cand(uint32_t slot, const struct mcand *old)
{
	struct undo_cand	u;

	if (!j.on)
		return;
	memset(&u, 0, sizeof(u));
	u.slot = slot;
	if (old != NULL)
		u.c = *old;
	index_undo_note(undo_cand, &u, sizeof(u));
}

static int
undo_open(const void *p)
{
	const struct undo_pair	*u = p;

	index_open(index_cand_by_slot((uint32_t)u->a), -(int)(int64_t)u->b);
	return (0);
}

void
index_undo_open(uint32_t slot, int delta)
{
	struct undo_pair	u = { slot, (uint64_t)(int64_t)delta, 0, 0 };

	if (j.on)
		index_undo_note(undo_open, &u, sizeof(u));
}

static int
undo_offer(const void *p)
{
	const struct undo_pair	*u = p;

	return (index_offer_open_set(u->a, u->b));
}

void
index_undo_offer(uint64_t offer_id, uint64_t old)
{
	struct undo_pair	u = { offer_id, old, 0, 0 };

	if (j.on)
		index_undo_note(undo_offer, &u, sizeof(u));
}

static int
undo_refused(const void *p)
{
	const struct undo_pair	*u = p;

	return (index_refused_restore(u->a, u->b, (iod_date)u->c, u->d));
}

void
index_undo_refused(uint64_t candidate_id, uint64_t company_id,
    iod_date old_on, uint64_t old_refusing)
{
	struct undo_pair	u = { candidate_id, company_id, old_on,
				    old_refusing };

	if (j.on)
		index_undo_note(undo_refused, &u, sizeof(u));
}

static int
undo_company(const void *p)
{
	const struct undo_pair	*u = p;

	index_company_unproposed(u->a, (iod_date)u->b);
	return (0);
}

void
index_undo_company(uint64_t company_id, iod_date on)
{
	struct undo_pair	u = { company_id, on, 0, 0 };

	if (j.on)
		index_undo_note(undo_company, &u, sizeof(u));
}

static int
undo_interest(const void *p)
{
	const struct undo_pair	*u = p;

	return (index_interest_set(u->a, u->b, !u->c));
}

void
index_undo_interest(uint64_t offer_id, uint64_t candidate_id, int on)
{
	struct undo_pair	u = { offer_id, candidate_id, (uint64_t)on, 0 };

	if (j.on)
		index_undo_note(undo_interest, &u, sizeof(u));
}
