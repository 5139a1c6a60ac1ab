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

/* The summary's values, NULL where the offer has none. */
struct job {
	const char	*commune_name, *contract, *start_on;
	char		 day[11];
};

static void
job_values(struct job *jb, const struct offer *o)
{
	const struct commune	*cm;

	cm = o->commune != NULL ? refdata_commune(o->commune) : NULL;
	jb->commune_name = cm != NULL ? cm->name : NULL;
	jb->contract = o->contract >= 0 && o->contract < CONTRACT__N ?
	    contract_names[o->contract] : NULL;
	date_format(o->start_on, jb->day);
	jb->start_on = o->start_on != 0 ? jb->day : NULL;
}

json_t *
job_json_of(const struct offer *o, const struct company *c)
{
	struct job	 jb;
	json_t		*j;

	job_values(&jb, o);
	j = json_pack("{s:s?, s:I, s:s?, s:s?, s:s?, s:s?, s:s?}",
	    "offer_title", o->title, "company_id", (json_int_t)o->company_id,
	    "company_name", c->name, "commune", o->commune, "commune_name",
	    jb.commune_name, "contract", jb.contract, "start_on", jb.start_on);
	return (j != NULL ? j : json_null());
}

void
job_write(struct jw *w, const struct offer *o, const struct company *c)
{
	struct job	jb;

	job_values(&jb, o);
	jw_open(w);
	jw_key(w, "offer_title");
	jw_str(w, o->title);
	jw_key(w, "company_id");
	jw_int(w, (int64_t)o->company_id);
	jw_key(w, "company_name");
	jw_str(w, c->name);
	jw_key(w, "commune");
	jw_str(w, o->commune);
	jw_key(w, "commune_name");
	jw_str(w, jb.commune_name);
	jw_key(w, "contract");
	jw_str(w, jb.contract);
	jw_key(w, "start_on");
	jw_str(w, jb.start_on);
	jw_close(w);
}

json_t *
job_json(struct txn *t, uint64_t offer_id)
{
	struct offer	 o;
	struct company	 c;
	json_t		*j = NULL;

	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	if (store_get_rec(t, DB_OFFERS, offer_id, &offer_schema, &o) != 0)
		goto out;
	if (store_get_rec(t, DB_COMPANIES, o.company_id, &company_schema,
	    &c) != 0)
		rec_clear(&company_schema, &c);
	j = job_json_of(&o, &c);
out:
	rec_clear(&offer_schema, &o);
	rec_clear(&company_schema, &c);
	return (j != NULL ? j : json_null());
}
