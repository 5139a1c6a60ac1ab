/*
 * cmd-placements.c — placements, the jobs that hires made: the list (all,
 * or the active ones) with the person, the job and the contract, and an
 * early end (the appointments left are cancelled by the daemon).  The
 * hire itself is cmd-proposals.c's, the appointments cmd-followups.c's.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* Columns of the list. */
enum pl_col { LC_ID, LC_STATUS, LC_CAND, LC_OFFER, LC_COMPANY, LC_CONTRACT,
	LC_START, LC_HOURS, LC_TRIAL, LC_ENDED, LC__N };
static const char *const pl_heads[] = { "ID", "STATUS", "CANDIDATE",
    "OFFER", "COMPANY", "CONTRACT", "START", "HOURS", "TRIAL UNTIL",
    "ENDED" };

/*
 * A placement's name beside an id (key, under a proposal's names): the
 * reply's, else its proposal's, else the record's (lookup, id_key).
 */
static const char *
pl_name(struct client *c, json_t *pl, const char *key,
    const char *(*lookup)(struct client *, uint64_t), const char *id_key)
{
	const char	*s = field_str(pl, key);

	if (*s == '\0')
		s = field_str(names_proposal(c, (uint64_t)field_int(pl,
		    "proposal_id")), key);
	if (*s == '\0' && lookup != NULL)
		s = lookup(c, (uint64_t)field_int(pl, id_key));
	return (s);
}

static int
cmd_placements_exec(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, struct args *a)
{
	struct table	*t;
	json_t		*items, *pl;
	char		*cell[LC__N];
	size_t		 i;
	int		 rc;

	items = xjson(json_array());
	rc = pages_fetch(c, "placements", "/v1/placements", a->active ?
	    "status=active" : "", items);
	if (rc == 0 && a->json)
		client_print_json(items);
	else if (rc == 0) {
		printf("%zu %splacement%s\n", json_array_size(items),
		    a->active ? "active " : "", json_array_size(items) == 1 ?
		    "" : "s");
		t = table_new(pl_heads, LC__N);
		json_array_foreach(items, i, pl) {
			cell[LC_ID] = field_num(pl, "id");
			cell[LC_STATUS] = xasprintf("%s", field_str(pl,
			    "status"));
			cell[LC_CAND] = xasprintf("%s", pl_name(c, pl,
			    "candidate.first_name", NULL, NULL));
			cell[LC_OFFER] = xasprintf("%s", pl_name(c, pl,
			    "job.offer_title", names_offer, "offer_id"));
			cell[LC_COMPANY] = xasprintf("%s", pl_name(c, pl,
			    "job.company_name", names_company, "company_id"));
			cell[LC_CONTRACT] = xasprintf("%s", field_str(pl,
			    "contract"));
			cell[LC_START] = xasprintf("%s", field_str(pl,
			    "start_on"));
			cell[LC_HOURS] = field_num(pl, "weekly_hours");
			cell[LC_TRIAL] = xasprintf("%s", field_str(pl,
			    "trial_end"));
			cell[LC_ENDED] = xasprintf("%s", field_str(pl,
			    "ended_on"));
			table_add(t, cell);
		}
		if (json_array_size(items) > 0) {
			putchar('\n');
			table_print(t);
		}
		table_free(t);
	}
	json_decref(items);
	return (rc);
}

/* end PLACEMENT --on DATE --reason TEXT. */
static int
cmd_end_exec(const struct cmd_entry *ce, struct client *c, struct args *a)
{
	struct reply	 r;
	json_t		*body;
	uint64_t	 id;
	char		*path;
	int		 rc;

	if ((id = iodctl_id(ce, a->argv[0])) == 0)
		return (EXIT_USAGE);
	if (a->on == NULL || a->reason == NULL)
		return (iodctl_usage(ce, "--on and --reason are required"));
	body = xjson(json_pack("{soso}", "on", iodctl_text("on", a->on),
	    "reason", iodctl_text("reason", a->reason)));
	path = xasprintf("/v1/placements/%" PRIu64 "/end", id);
	rc = client_call(c, "end", CLIENT_POST, path, body, &r);
	free(path);
	json_decref(body);
	if (rc != 0)
		return (rc);
	if (a->json)
		client_print_json(r.json);
	else
		printf("Placement %" PRIu64 " (%s, %s): ended on %s: %s\n", id,
		    pl_name(c, r.json, "candidate.first_name", NULL, NULL),
		    pl_name(c, r.json, "job.offer_title", names_offer,
		    "offer_id"), field_str(r.json, "ended_on"),
		    field_str(r.json, "end_reason"));
	client_reply_clear(&r);
	return (0);
}

const struct cmd_entry cmd_placements_entry = {
	.name = "placements",
	.usage = "placements [--active] [--json]",
	.lower = 0,
	.upper = 0,
	.opts = O(OPT_ACTIVE) | O(OPT_JSON),
	.exec = cmd_placements_exec
};

const struct cmd_entry cmd_end_entry = {
	.name = "end",
	.usage = "end <placement> --on YYYY-MM-DD --reason TEXT [--json]",
	.lower = 1,
	.upper = 1,
	.opts = O(OPT_ON) | O(OPT_REASON) | O(OPT_JSON),
	.exec = cmd_end_exec
};
