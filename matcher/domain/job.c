/*
 * job.c — the job a proposal is about, as a person reads it beside the
 * proposal: the offer's title, contract, start and commune (with its
 * name), and the company's name, so that a référent sees the job without
 * opening the offer.  Nothing of it is hidden from a company: it is the
 * company's own offer.  Reading the records is the store's; where the
 * summary is shown is the callers' (the proposal replies).
 */
#include <string.h>

#include "domain.h"

json_t *
job_json(struct txn *t, uint64_t offer_id)
{
	struct offer	 o;
	struct company	 c;
	const struct commune *cm;
	json_t		*j = NULL;
	char		 day[11];

	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	if (store_get_rec(t, DB_OFFERS, offer_id, &offer_schema, &o) != 0)
		goto out;
	if (store_get_rec(t, DB_COMPANIES, o.company_id, &company_schema,
	    &c) != 0)
		rec_clear(&company_schema, &c);
	cm = o.commune != NULL ? refdata_commune(o.commune) : NULL;
	date_format(o.start_on, day);
	j = json_pack("{s:s?, s:I, s:s?, s:s?, s:s?, s:s?, s:s?}",
	    "offer_title", o.title, "company_id", (json_int_t)o.company_id,
	    "company_name", c.name, "commune", o.commune, "commune_name",
	    cm != NULL ? cm->name : NULL, "contract", o.contract >= 0 &&
	    o.contract < CONTRACT__N ? contract_names[o.contract] : NULL,
	    "start_on", o.start_on != 0 ? day : NULL);
out:
	rec_clear(&offer_schema, &o);
	rec_clear(&company_schema, &c);
	return (j != NULL ? j : json_null());
}
