/*
 * journal.c — the company journal's checks across records: a contact
 * names a company that exists, an offer (when it names one) of that
 * company, and the chargé de mission who wrote it unless another is
 * named; the index of a company's contacts, which keeps a company with
 * a journal from being deleted.  The record itself is profiles' (records-journal.c); its create,
 * read, replace, delete and list are the daemon's generic ones; what the
 * activity report counts of it is report.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "domain.h"

int
journal_contact_check(struct dctx *dc, void *rec, const void *old)
{
	struct journal_contact	*c = rec;
	struct offer	 o;
	int		 rc;

	(void)old;
	if (!records_exists(dc->txn, DB_COMPANIES, c->company_id))
		return (derr_set(&dc->err, ERR_INVALID, "company_id",
		    "company_id: no company %llu",
		    (unsigned long long)c->company_id));
	if (c->offer_id != 0) {
		memset(&o, 0, sizeof(o));
		rc = store_get_rec(dc->txn, DB_OFFERS, c->offer_id,
		    &offer_schema, &o);
		if (rc == 0 && o.company_id != c->company_id)
			rc = IOD_EINVAL;
		rec_clear(&offer_schema, &o);
		if (rc == IOD_ENOTFOUND || rc == IOD_EINVAL)
			return (derr_set(&dc->err, ERR_INVALID, "offer_id",
			    "offer_id: no offer %llu of company %llu",
			    (unsigned long long)c->offer_id,
			    (unsigned long long)c->company_id));
		if (rc != 0)
			return (derr_store(&dc->err, rc));
	}
	if (c->owner == NULL && (c->owner = strdup(dc->actor)) == NULL)
		return (derr_set(&dc->err, ERR_NO_MEMORY, NULL,
		    "out of memory"));
	return (0);
}

void
journal_contact_index(struct txn *t, const void *rec, const void *old)
{
	const struct journal_contact	*c = rec, *p = old;
	uint8_t				 k[17];

	if (p != NULL)
		store_del(t, DB_INDEX, k, key_idx(k, IDX_CONTACT_COMPANY,
		    p->company_id, p->id));
	if (c != NULL)
		store_put(t, DB_INDEX, k, key_idx(k, IDX_CONTACT_COMPANY,
		    c->company_id, c->id), "", 0);
}

/* Count one contact of the company. */
static int
count_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	(void)k; (void)kl; (void)v; (void)vl;
	(*(size_t *)arg)++;
	return (0);
}

size_t
journal_company_contacts(struct txn *t, uint64_t company_id)
{
	uint8_t	k[17];
	size_t	n = 0;

	key_idx(k, IDX_CONTACT_COMPANY, company_id, 0);
	store_scan(t, DB_INDEX, k, 9, 9, count_cb, &n);
	return (n);
}
