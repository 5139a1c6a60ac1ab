/*
 * charter.c — the charter report: for each company that signed a charter,
 * the commitments it declared (action, done before, committed, publics
 * and days a year) against what iod recorded in the period (offers sent,
 * hires, durable hires, immersions), and whether it did anything at all.
 * It returns a json_t tree; the query's parsing and the CSV are the
 * daemon's (daemon/api-reports.c), the activity report report.c's.
 */
#include <string.h>

#include "domain.h"
#include "rules.h"

struct charter_arg {
	const struct report_params *pp;
	struct hmap	 offers, hires, durable, immersions;	/* by company */
};

static int
charter_offer_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct charter_arg	*ca = arg;
	struct offer		 o;

	(void)k; (void)kl;
	memset(&o, 0, sizeof(o));
	if (rec_decode(&offer_schema, &o, v, vl) == 0 &&
	    (report_in(ca->pp, o.workstation_visit.on) ||
	    report_in(ca->pp, o.start_on)))
		hmap_set(&ca->offers, o.company_id,
		    hmap_get(&ca->offers, o.company_id) + 1);
	rec_clear(&offer_schema, &o);
	return (0);
}

static int
charter_placement_cb(const void *k, size_t kl, const void *v, size_t vl,
    void *arg)
{
	struct charter_arg	*ca = arg;
	json_t			*j;
	uint64_t		 co;

	(void)k; (void)kl;
	if ((j = mp_bytes_to_json(v, vl)) == NULL)
		return (0);
	co = (uint64_t)json_integer_value(json_object_get(j, "company_id"));
	if (report_in(ca->pp, report_jdate(j, "start_on"))) {
		if (strcmp(report_jstr(j, "contract"), "PMSMP") == 0)
			hmap_set(&ca->immersions, co,
			    hmap_get(&ca->immersions, co) + 1);
		else
			hmap_set(&ca->hires, co, hmap_get(&ca->hires, co) + 1);
		if (json_is_true(json_object_get(j, "durable")))
			hmap_set(&ca->durable, co,
			    hmap_get(&ca->durable, co) + 1);
	}
	json_decref(j);
	return (0);
}

struct charter_list {
	struct charter_arg	*ca;
	json_t			*items;
};

/* What iod recorded for one charter action of a company. */
static json_t *
realised(struct charter_arg *ca, int action, uint64_t co)
{
	switch (action) {
	case ACTION_RECRUIT_DURABLE:
		return (json_integer((json_int_t)hmap_get(&ca->durable, co)));
	case ACTION_RECRUIT_WITHOUT_CV:	/* every IOD hire is without CV */
		return (json_integer((json_int_t)hmap_get(&ca->hires, co)));
	case ACTION_SEND_OFFERS:
		return (json_integer((json_int_t)hmap_get(&ca->offers, co)));
	case ACTION_IMMERSION:
		return (json_integer((json_int_t)hmap_get(&ca->immersions,
		    co)));
	default:
		return (json_null());	/* not something iod records */
	}
}

static int
charter_company_cb(const void *k, size_t kl, const void *v, size_t vl,
    void *arg)
{
	struct charter_list	*cl = arg;
	struct charter_arg	*ca = cl->ca;
	struct company		 c;
	json_t			*commitments, *item;
	size_t			 i;
	uint64_t		 acted;

	(void)k; (void)kl;
	memset(&c, 0, sizeof(c));
	if (rec_decode(&company_schema, &c, v, vl) != 0 ||
	    c.charter.name == NULL) {
		rec_clear(&company_schema, &c);
		return (0);
	}
	commitments = json_array();
	for (i = 0; i < c.ncommitments; i++)
		json_array_append_new(commitments, json_pack(
		    "{s:s, s:b, s:b, s:I, s:I, s:o}",
		    "action", action_names[c.commitments[i].action],
		    "done_before", c.commitments[i].done_before,
		    "committed", c.commitments[i].committed,
		    "publics_per_year",
		    (json_int_t)c.commitments[i].publics_per_year,
		    "days_per_year", (json_int_t)c.commitments[i].days_per_year,
		    "realised", realised(ca, c.commitments[i].action, c.id)));
	acted = hmap_get(&ca->offers, c.id) + hmap_get(&ca->hires, c.id) +
	    hmap_get(&ca->immersions, c.id);
	item = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:{s:I, s:I, s:I, "
	    "s:I}, s:b}", "company_id", (json_int_t)c.id, "siret", c.siret,
	    "name", c.name, "charter", c.charter.name, "charter_status",
	    charter_status_names[c.charter.status], "commitments", commitments,
	    "recorded", "offers", (json_int_t)hmap_get(&ca->offers, c.id),
	    "hires", (json_int_t)hmap_get(&ca->hires, c.id),
	    "durable_hires", (json_int_t)hmap_get(&ca->durable, c.id),
	    "immersions", (json_int_t)hmap_get(&ca->immersions, c.id),
	    "no_action", acted == 0);
	json_array_append_new(cl->items, item);
	rec_clear(&company_schema, &c);
	return (0);
}

int
charter_report(struct dctx *dc, const struct report_params *pp, json_t **out)
{
	struct charter_arg	 ca;
	struct charter_list	 cl;

	memset(&ca, 0, sizeof(ca));
	ca.pp = pp;
	cl.ca = &ca;
	cl.items = json_array();
	store_scan(dc->txn, DB_OFFERS, NULL, 0, 0, charter_offer_cb, &ca);
	store_scan(dc->txn, DB_PLACEMENTS, NULL, 0, 0, charter_placement_cb,
	    &ca);
	store_scan(dc->txn, DB_COMPANIES, NULL, 0, 0, charter_company_cb, &cl);
	hmap_free(&ca.offers);
	hmap_free(&ca.hires);
	hmap_free(&ca.durable);
	hmap_free(&ca.immersions);
	*out = json_pack("{s:s, s:s, s:o}", "from", pp->from_text, "to",
	    pp->to_text, "companies", cl.items);
	return (0);
}
