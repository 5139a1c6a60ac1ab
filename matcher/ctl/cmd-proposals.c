/*
 * cmd-proposals.c — proposals and what happens to them: the list (by
 * status), the meeting at the workstation, the hire (which makes a
 * placement and its follow-up schedule: shown after it), and the other
 * ends: refused by the company, declined by the candidate, withdrawn, or
 * the candidate did not come.  The daemon checks each transition; a
 * refusal is printed with the field it names.  Making a proposal is
 * cmd-match.c's; the placement's life is cmd-placements.c's.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"

#define PROPOSAL_PLACE	"sur le poste"	/* a meeting's place by default */

/*
 * A proposal's job in words, its offer's title and its company: as the
 * reply has them, else as the proposal read again has them, else read.
 */
static void
proposal_job(struct client *c, json_t *p, const char **title,
    const char **company)
{
	json_t	*read = NULL;

	if (*field_str(p, "job.offer_title") == '\0')
		read = names_proposal(c, (uint64_t)field_int(p, "id"));
	*title = field_str(read != NULL ? read : p, "job.offer_title");
	if (**title == '\0')
		*title = names_offer(c, (uint64_t)field_int(p, "offer_id"));
	*company = field_str(read != NULL ? read : p, "job.company_name");
	if (**company == '\0')
		*company = names_company(c, (uint64_t)field_int(p,
		    "company_id"));
}

/* A proposal's candidate: the first name the proposal shows. */
static const char *
proposal_who(struct client *c, json_t *p)
{
	const char	*s = field_str(p, "candidate.first_name");

	return (*s != '\0' ? s : field_str(names_proposal(c,
	    (uint64_t)field_int(p, "id")), "candidate.first_name"));
}

/* Columns of the list. */
enum prop_col { PC_ID, PC_STATUS, PC_CAND, PC_OFFER, PC_COMPANY, PC_SCORE,
	PC_PROPOSED, PC_MEETING, PC__N };
static const char *const prop_heads[] = { "ID", "STATUS", "CANDIDATE",
    "OFFER", "COMPANY", "SCORE", "PROPOSED", "MEETING" };

/* proposals [--status S]: every page, as a table. */
static int
cmd_proposals_exec(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, struct args *a)
{
	struct table	*t;
	json_t		*items, *p;
	const char	*title, *company;
	char		*query, *enc, *cell[PC__N];
	size_t		 i;
	int		 rc;

	if (a->status != NULL) {
		enc = client_encode(a->status, -1);
		query = xasprintf("status=%s", enc);
		free(enc);
	} else
		query = xasprintf("%s", "");
	items = xjson(json_array());
	rc = pages_fetch(c, "proposals", "/v1/proposals", query, items);
	free(query);
	if (rc == 0 && a->json)
		client_print_json(items);
	else if (rc == 0) {
		printf("%zu proposal%s%s%s\n", json_array_size(items),
		    json_array_size(items) == 1 ? "" : "s",
		    a->status != NULL ? ", " : "",
		    a->status != NULL ? a->status : "");
		t = table_new(prop_heads, PC__N);
		json_array_foreach(items, i, p) {
			proposal_job(c, p, &title, &company);
			cell[PC_ID] = field_num(p, "id");
			cell[PC_STATUS] = xasprintf("%s", field_str(p,
			    "status"));
			cell[PC_CAND] = xasprintf("%s", proposal_who(c, p));
			cell[PC_OFFER] = xasprintf("%s", title);
			cell[PC_COMPANY] = xasprintf("%s", company);
			cell[PC_SCORE] = field_num(p, "score");
			cell[PC_PROPOSED] = xasprintf("%s", field_str(p,
			    "proposed_on"));
			cell[PC_MEETING] = xasprintf("%s", field_str(p,
			    "meeting.at"));
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

/*
 * POST body (may be NULL) to /v1/proposals/ID/verb; the proposal it
 * returns, or NULL with *rc the exit status.
 */
static json_t *
proposal_post(const struct cmd_entry *ce, struct client *c,
    const char *id_arg, const char *verb, json_t *body, int *rc)
{
	struct reply	 r;
	json_t		*p;
	uint64_t	 id;
	char		*path;

	if ((id = iodctl_id(ce, id_arg)) == 0) {
		*rc = EXIT_USAGE;
		return (NULL);
	}
	path = xasprintf("/v1/proposals/%" PRIu64 "/%s", id, verb);
	*rc = client_call(c, iodctl_what(ce), CLIENT_POST, path, body, &r);
	free(path);
	if (*rc != 0)
		return (NULL);
	p = json_incref(r.json);
	client_reply_clear(&r);
	return (p);
}

/* "Proposal 3 (Binta, Agent de propreté at Propreté Rhône): " */
static void
proposal_print_head(struct client *c, json_t *p)
{
	const char	*title, *company;

	proposal_job(c, p, &title, &company);
	printf("Proposal %" JSON_INTEGER_FORMAT " (%s, %s%s%s): ",
	    field_int(p, "id"), proposal_who(c, p), title,
	    *company != '\0' ? " at " : "", company);
}

/* meeting PROPOSAL --at WHEN [--place TEXT]. */
static int
cmd_meeting_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	json_t	*body, *p;
	int	 rc;

	if (a->at == NULL)
		return (iodctl_usage(ce, "--at is required"));
	body = xjson(json_pack("{s{soso}}", "meeting", "at",
	    iodctl_text("at", a->at), "place", iodctl_text("place",
	    a->place != NULL ? a->place : PROPOSAL_PLACE)));
	p = proposal_post(ce, c, a->argv[0], "meeting", body, &rc);
	json_decref(body);
	if (p == NULL)
		return (rc);
	if (a->json)
		client_print_json(p);
	else {
		proposal_print_head(c, p);
		printf("meeting on %.10s at %s, %s\n", field_str(p,
		    "meeting.at"), strlen(field_str(p, "meeting.at")) > 11 ?
		    field_str(p, "meeting.at") + 11 : "", field_str(p,
		    "meeting.place"));
	}
	json_decref(p);
	return (0);
}

/*
 * A whole number option (--hours 35) into body[key]; 0 or, after a usage
 * message, EXIT_USAGE.  The daemon checks its range.
 */
static int
proposal_number(const struct cmd_entry *ce, json_t *body, const char *key,
    const char *opt, const char *s)
{
	char		*end;
	long long	 v;

	if (s == NULL)
		return (0);
	v = strtoll(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || v > 100000)
		return (iodctl_usage(ce, "--%s: \"%s\" is not a whole number",
		    opt, s));
	json_object_set_new(body, key, xjson(json_integer(v)));
	return (0);
}

/* The placement a hire made, in a few lines. */
static void
proposal_print_placement(struct client *c, json_t *p)
{
	struct reply	 r;
	json_t		*items, *pl;
	char		*path;

	path = xasprintf("/v1/placements?proposal_id=%" JSON_INTEGER_FORMAT,
	    field_int(p, "id"));
	if (client_call(c, "hire", CLIENT_GET, path, NULL, &r) != 0) {
		free(path);
		return;
	}
	free(path);
	items = json_object_get(r.json, "items");
	if ((pl = json_array_get(items, 0)) != NULL) {
		printf("Placement %" JSON_INTEGER_FORMAT ": %s from %s, %"
		    JSON_INTEGER_FORMAT " h a week", field_int(pl, "id"),
		    field_str(pl, "contract"), field_str(pl, "start_on"),
		    field_int(pl, "weekly_hours"));
		if (*field_str(pl, "contract_end") != '\0')
			printf(" until %s", field_str(pl, "contract_end"));
		if (*field_str(pl, "trial_end") != '\0')
			printf(", trial until %s", field_str(pl, "trial_end"));
		printf("; %" JSON_INTEGER_FORMAT " follow-up appointments "
		    "planned\n", field_int(pl, "followups"));
	}
	client_reply_clear(&r);
}

/* hire PROPOSAL --contract C --start DATE --hours N [...]. */
static int
cmd_hire_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	json_t		*body, *p;
	const char	*contract;
	size_t		 i;
	int		 rc;

	if (a->contract == NULL || a->start == NULL || a->hours == NULL)
		return (iodctl_usage(ce, "--contract, --start and --hours are "
		    "required"));
	/* The contract as the API spells it, whatever the case typed. */
	contract = a->contract;
	for (i = 0; contract_names[i] != NULL; i++)
		if (strcasecmp(contract_names[i], a->contract) == 0)
			contract = contract_names[i];
	body = xjson(json_pack("{soso}", "contract", iodctl_text("contract",
	    contract), "start_on", iodctl_text("start", a->start)));
	if (proposal_number(ce, body, "weekly_hours", "hours", a->hours) != 0 ||
	    proposal_number(ce, body, "duration_months", "months",
	    a->months) != 0 || proposal_number(ce, body, "trial_weeks",
	    "trial-weeks", a->trial_weeks) != 0) {
		json_decref(body);
		return (EXIT_USAGE);
	}
	p = proposal_post(ce, c, a->argv[0], "hire", body, &rc);
	json_decref(body);
	if (p == NULL)
		return (rc);
	if (a->json)
		client_print_json(p);
	else {
		proposal_print_head(c, p);
		printf("hired on %s\n", field_str(p, "decided_on"));
		proposal_print_placement(c, p);
	}
	json_decref(p);
	return (0);
}

/* A proposal's end in words, by its status. */
static const struct {
	const char	*status;
	const char	*words;
} proposal_ends[] = {
	{ "refused",	"refused by the company" },
	{ "declined",	"declined by the candidate" },
	{ "withdrawn",	"withdrawn" },
	{ "no_show",	"the candidate did not come" },
	{ NULL,		NULL }
};

/* refuse, decline, withdraw (--reason) and no-show: a proposal's end. */
static int
cmd_close_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	json_t		*body = NULL, *p;
	const char	*words;
	size_t		 i;
	int		 rc;

	if (ce->opts & O(OPT_REASON)) {
		if (a->reason == NULL)
			return (iodctl_usage(ce, "--reason is required"));
		body = xjson(json_pack("{so}", "reason", iodctl_text("reason",
		    a->reason)));
	}
	p = proposal_post(ce, c, a->argv[0], ce->name, body, &rc);
	json_decref(body);
	if (p == NULL)
		return (rc);
	if (a->json)
		client_print_json(p);
	else {
		words = field_str(p, "status");
		for (i = 0; proposal_ends[i].status != NULL; i++)
			if (strcmp(proposal_ends[i].status, words) == 0)
				words = proposal_ends[i].words;
		proposal_print_head(c, p);
		printf("%s on %s%s%s\n", words, field_str(p, "decided_on"),
		    a->reason != NULL ? ": " : "", a->reason != NULL ?
		    a->reason : "");
	}
	json_decref(p);
	return (0);
}

const struct cmd_entry cmd_proposals_entry = {
	.name = "proposals",
	.usage = "proposals [--status STATUS] [--json]",
	.lower = 0,
	.upper = 0,
	.opts = O(OPT_STATUS) | O(OPT_JSON),
	.exec = cmd_proposals_exec
};

const struct cmd_entry cmd_meeting_entry = {
	.name = "meeting",
	.usage = "meeting <proposal> --at YYYY-MM-DDTHH:MM "
	    "[--place TEXT (default: " PROPOSAL_PLACE ")] [--json]",
	.lower = 1,
	.upper = 1,
	.opts = O(OPT_AT) | O(OPT_PLACE) | O(OPT_JSON),
	.exec = cmd_meeting_exec
};

const struct cmd_entry cmd_hire_entry = {
	.name = "hire",
	.usage = "hire <proposal> --contract CDI|CDD|... --start YYYY-MM-DD "
	    "--hours N [--months N] [--trial-weeks N] [--json]",
	.lower = 1,
	.upper = 1,
	.opts = O(OPT_CONTRACT) | O(OPT_START) | O(OPT_HOURS) |
	    O(OPT_MONTHS) | O(OPT_TRIAL_WEEKS) | O(OPT_JSON),
	.exec = cmd_hire_exec
};

const struct cmd_entry cmd_refuse_entry = {
	.name = "refuse",
	.usage = "refuse <proposal> --reason TEXT [--json]",
	.lower = 1,
	.upper = 1,
	.opts = O(OPT_REASON) | O(OPT_JSON),
	.exec = cmd_close_exec
};

const struct cmd_entry cmd_decline_entry = {
	.name = "decline",
	.usage = "decline <proposal> --reason TEXT [--json]",
	.lower = 1,
	.upper = 1,
	.opts = O(OPT_REASON) | O(OPT_JSON),
	.exec = cmd_close_exec
};

const struct cmd_entry cmd_withdraw_entry = {
	.name = "withdraw",
	.usage = "withdraw <proposal> --reason TEXT [--json]",
	.lower = 1,
	.upper = 1,
	.opts = O(OPT_REASON) | O(OPT_JSON),
	.exec = cmd_close_exec
};

const struct cmd_entry cmd_no_show_entry = {
	.name = "no-show",
	.usage = "no-show <proposal> [--json]",
	.lower = 1,
	.upper = 1,
	.opts = O(OPT_JSON),
	.exec = cmd_close_exec
};
