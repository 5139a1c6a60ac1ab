/*
 * cmd-match.c — the commands that match offers and people: visit (the
 * workstation visit an offer needs before any proposal, and the company
 * journal's line for it), propose (the one best candidate, and why, or
 * why nobody), candidates (the ranked list, recording nothing) and batch
 * (every open offer at once, a dry run unless --commit).  The daemon
 * decides and scores; these print what it says in words.  What follows a
 * proposal is cmd-proposals.c's.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* A score's parts and a search's removals, in words. */
static const struct {
	const char	*key;
	const char	*words;
} match_words[] = {
	{ "public:rsa",		"receives the RSA" },
	{ "public:deld",	"long-term jobseeker (DELD)" },
	{ "public:youth",	"young person" },
	{ "public:senior",	"senior" },
	{ "public:rqth",	"recognised disabled worker (RQTH)" },
	{ "public:refugee",	"refugee" },
	{ "public:justice",	"under the justice system's care" },
	{ "public:single_parent", "single parent" },
	{ "qpv",		"lives in a priority neighbourhood (QPV)" },
	{ "waiting_time",	"time waited since orientation" },
	{ "same_commune",	"lives in the offer's commune" },
	{ "same_territory",	"lives in the offer's territory" },
	{ "favoured_public",	"a public the company favours" },
	{ "expressed_interest",	"said this offer interests them" },
	{ NULL,			NULL }
}, removal_words[] = {
	{ "rome",		"another trade (ROME)" },
	{ "status",		"not available now" },
	{ "consent",		"no consent recorded" },
	{ "programme",		"another programme" },
	{ "exclusive",		"in another open proposal" },
	{ "cooldown",		"refused by this company lately" },
	{ "contract",		"does not want this contract" },
	{ "hours",		"too many hours a week" },
	{ "schedule",		"the schedule does not suit" },
	{ "availability",	"not available by the start" },
	{ "licence",		"no driving licence" },
	{ "zone",		"outside their mobility zone" },
	{ "company_cap",	"the company had its proposals of the period" },
	{ NULL,			NULL }
};

/* The words of a score part: "favoured_public:deld" keeps its public. */
static char *
match_part_words(const char *criterion)
{
	const char	*colon;
	size_t		 i, len;

	for (i = 0; match_words[i].key != NULL; i++)
		if (strcmp(match_words[i].key, criterion) == 0)
			return (xasprintf("%s", match_words[i].words));
	if ((colon = strchr(criterion, ':')) != NULL) {
		len = (size_t)(colon - criterion);
		for (i = 0; match_words[i].key != NULL; i++)
			if (strlen(match_words[i].key) == len &&
			    strncmp(match_words[i].key, criterion, len) == 0)
				return (xasprintf("%s: %s",
				    match_words[i].words, colon + 1));
	}
	return (xasprintf("%s", criterion));
}

/* Each part of a score on a line of its own: "  +30  receives the RSA". */
static void
match_print_parts(json_t *parts)
{
	json_t	*p;
	char	*w;
	size_t	 i;

	json_array_foreach(parts, i, p) {
		w = match_part_words(field_str(p, "criterion"));
		printf("  %+5" JSON_INTEGER_FORMAT "  %s\n",
		    field_int(p, "points"), w);
		free(w);
	}
}

/* The removals that removed someone, in words, on one line. */
static void
match_print_removed(json_t *removed)
{
	const char	*key, *words;
	json_t		*v;
	size_t		 i;
	int		 n = 0;

	printf("Removed:");
	json_object_foreach(removed, key, v) {
		if (json_integer_value(v) <= 0)
			continue;
		words = key;
		for (i = 0; removal_words[i].key != NULL; i++)
			if (strcmp(removal_words[i].key, key) == 0)
				words = removal_words[i].words;
		printf("%s %s %" JSON_INTEGER_FORMAT, n++ > 0 ? "," : "",
		    words, json_integer_value(v));
	}
	printf("%s\n", n == 0 ? " nobody" : "");
}

/*
 * visit OFFER --on DATE: the offer read, its workstation_visit set and the
 * offer put back under If-Match, so that an edit made meanwhile is not
 * overwritten; with --by, the company journal's contact for it too.
 */
static int
cmd_visit_exec(const struct cmd_entry *ce, struct client *c, struct args *a)
{
	struct reply	 r;
	json_t		*offer, *visit, *contact;
	uint64_t	 id;
	iod_date	 d;
	char		*path, *etag;
	int		 rc;

	if ((id = iodctl_id(ce, a->argv[0])) == 0)
		return (EXIT_USAGE);
	if (a->on == NULL)
		return (iodctl_usage(ce, "--on is required"));
	if (date_parse(a->on, &d) != 0)
		return (iodctl_usage(ce, "--on: \"%s\" is not a date "
		    "(expected YYYY-MM-DD)", a->on));
	path = xasprintf("/v1/offers/%" PRIu64, id);
	if ((rc = client_call(c, "visit", CLIENT_GET, path, NULL, &r)) != 0) {
		free(path);
		return (rc);
	}
	offer = json_incref(r.json);
	etag = r.etag;
	r.etag = NULL;
	client_reply_clear(&r);
	visit = xjson(json_pack("{ss}", "on", a->on));
	if (a->note != NULL)
		json_object_set_new(visit, "notes", iodctl_text("note",
		    a->note));
	json_object_set_new(offer, "workstation_visit", visit);
	c->if_match = etag;
	rc = client_call(c, "visit", CLIENT_PUT, path, offer, &r);
	c->if_match = NULL;
	free(etag);
	free(path);
	json_decref(offer);
	if (rc != 0)
		return (rc);
	offer = json_incref(r.json);
	client_reply_clear(&r);
	if (a->by != NULL) {
		contact = xjson(json_pack("{sssssIsIso}", "kind",
		    "workstation_visit", "on", a->on, "company_id",
		    field_int(offer, "company_id"), "offer_id", (json_int_t)id,
		    "owner", iodctl_text("by", a->by)));
		if (a->note != NULL)
			json_object_set_new(contact, "note",
			    iodctl_text("note", a->note));
		rc = client_call(c, "visit: journal", CLIENT_POST,
		    "/v1/contacts", contact, &r);
		json_decref(contact);
		if (rc != 0) {
			iodctl_warn("visit: the visit is recorded on offer %"
			    PRIu64 ", not in the company journal", id);
			json_decref(offer);
			return (rc);
		}
		client_reply_clear(&r);
	}
	if (a->json)
		client_print_json(offer);
	else
		printf("Offer %" PRIu64 " (%s, %s): workstation visit on %s%s%s"
		    "\n", id, field_str(offer, "title"), names_company(c,
		    (uint64_t)field_int(offer, "company_id")), a->on,
		    a->by != NULL ? " by " : "", a->by != NULL ? a->by : "");
	json_decref(offer);
	return (0);
}

/* propose OFFER: one proposal recorded for the best, or nobody and why. */
static int
cmd_propose_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	struct reply	 r;
	json_t		*p;
	uint64_t	 id;
	char		*path;
	int		 rc;

	if ((id = iodctl_id(ce, a->argv[0])) == 0)
		return (EXIT_USAGE);
	path = xasprintf("/v1/offers/%" PRIu64 "/proposal", id);
	rc = client_call(c, "propose", CLIENT_POST, path, NULL, &r);
	free(path);
	if (rc != 0)
		return (rc);
	if (a->json) {
		client_print_json(r.json);
		client_reply_clear(&r);
		return (0);
	}
	p = json_object_get(r.json, "proposal");
	printf("Offer %" PRIu64 " (%s), rule set %s version %"
	    JSON_INTEGER_FORMAT ": ", id, names_offer(c, id),
	    field_str(r.json, "ruleset"), field_int(r.json,
	    "ruleset_version"));
	if (!json_is_object(p))
		printf("nobody eligible\n");
	else {
		printf("%" JSON_INTEGER_FORMAT " eligible\n",
		    field_int(r.json, "eligible"));
		printf("Proposal %" JSON_INTEGER_FORMAT ": %s (candidate %"
		    JSON_INTEGER_FORMAT "), score %" JSON_INTEGER_FORMAT "\n",
		    field_int(p, "id"), field_str(names_proposal(c,
		    (uint64_t)field_int(p, "id")), "candidate.first_name"),
		    field_int(p, "candidate_id"), field_int(p, "score"));
		match_print_parts(json_object_get(p, "score_parts"));
	}
	match_print_removed(json_object_get(r.json, "removed"));
	client_reply_clear(&r);
	return (0);
}

/* Columns of the ranked list. */
enum cand_col { CC_RANK, CC_ID, CC_NAME, CC_SCORE, CC_PARTS, CC__N };
static const char *const cand_heads[] = { "RANK", "ID", "CANDIDATE",
    "SCORE", "PARTS" };

/* candidates OFFER: the ranked list, as a proposal would rank it. */
static int
cmd_candidates_exec(const struct cmd_entry *ce, struct client *c,
    struct args *a)
{
	struct reply	 r;
	struct table	*t;
	json_t		*items, *item, *part;
	uint64_t	 id;
	char		*path, *cell[CC__N], *s, *w;
	size_t		 i, j;
	int		 rc;

	if ((id = iodctl_id(ce, a->argv[0])) == 0)
		return (EXIT_USAGE);
	path = xasprintf("/v1/offers/%" PRIu64 "/candidates?limit=%" PRIu64,
	    id, (a->seen & O(OPT_LIMIT)) ? a->limit : 20);
	rc = client_call(c, "candidates", CLIENT_GET, path, NULL, &r);
	free(path);
	if (rc != 0)
		return (rc);
	if (a->json) {
		client_print_json(r.json);
		client_reply_clear(&r);
		return (0);
	}
	items = json_object_get(r.json, "candidates");
	printf("Offer %" PRIu64 " (%s), rule set %s version %"
	    JSON_INTEGER_FORMAT ": %" JSON_INTEGER_FORMAT " eligible, %zu "
	    "shown\n", id, names_offer(c, id), field_str(r.json, "ruleset"),
	    field_int(r.json, "ruleset_version"), field_int(r.json,
	    "eligible"), json_array_size(items));
	if (json_array_size(items) > 0) {
		t = table_new(cand_heads, CC__N);
		json_array_foreach(items, i, item) {
			cell[CC_RANK] = field_num(item, "rank");
			cell[CC_ID] = field_num(item, "candidate_id");
			cell[CC_NAME] = xasprintf("%s", field_str(item,
			    "first_name"));
			cell[CC_SCORE] = field_num(item, "score");
			cell[CC_PARTS] = xasprintf("%s", "");
			json_array_foreach(json_object_get(item,
			    "score_parts"), j, part) {
				w = match_part_words(field_str(part,
				    "criterion"));
				s = xasprintf("%s%s%s %+" JSON_INTEGER_FORMAT,
				    cell[CC_PARTS], j > 0 ? ", " : "", w,
				    field_int(part, "points"));
				free(w);
				free(cell[CC_PARTS]);
				cell[CC_PARTS] = s;
			}
			table_add(t, cell);
		}
		putchar('\n');
		table_print(t);
		table_free(t);
		putchar('\n');
	}
	match_print_removed(json_object_get(r.json, "removed"));
	client_reply_clear(&r);
	return (0);
}

/* Columns of a batch's pairs and of its conflicts. */
enum batch_col { BC_OFFER, BC_TITLE, BC_CAND, BC_NAME, BC_SCORE,
	BC_PROPOSAL, BC__N };
static const char *const batch_heads[] = { "OFFER", "TITLE", "CANDIDATE",
    "NAME", "SCORE", "PROPOSAL" };
static const char *const conflict_heads[] = { "OFFER", "TITLE",
    "CANDIDATE", "NAME", "REASON" };

/*
 * The cells of one pair (or conflict: the reason in the fifth column).  A
 * recorded pair's candidate is named by their proposal.
 */
static void
batch_cells(struct client *c, json_t *pair, char **cell, int conflict)
{
	uint64_t	o = (uint64_t)field_int(pair, "offer_id");
	uint64_t	k = (uint64_t)field_int(pair, "candidate_id");
	uint64_t	p = (uint64_t)field_int(pair, "proposal_id");

	cell[BC_OFFER] = field_num(pair, "offer_id");
	cell[BC_TITLE] = xasprintf("%s", names_offer(c, o));
	cell[BC_CAND] = field_num(pair, "candidate_id");
	cell[BC_NAME] = xasprintf("%s", p != 0 ? field_str(names_proposal(c,
	    p), "candidate.first_name") : names_candidate(c, k));
	if (conflict) {
		cell[BC_SCORE] = xasprintf("%s", field_str(pair, "reason"));
		return;
	}
	cell[BC_SCORE] = field_num(pair, "score");
	cell[BC_PROPOSAL] = field_num(pair, "proposal_id");
}

/* batch [--commit]: every open offer at once, solved exactly. */
static int
cmd_batch_exec(__attribute__((unused)) const struct cmd_entry *ce,
    struct client *c, struct args *a)
{
	struct reply	 r;
	struct table	*t;
	json_t		*body, *pairs, *conflicts, *pair;
	char		*cell[BC__N];
	size_t		 i;
	int		 rc;

	body = xjson(json_pack("{sb}", "dry_run", !a->commit));
	rc = client_call(c, "batch", CLIENT_POST, "/v1/match:batch", body,
	    &r);
	json_decref(body);
	if (rc != 0)
		return (rc);
	if (a->json) {
		client_print_json(r.json);
		client_reply_clear(&r);
		return (0);
	}
	pairs = json_object_get(r.json, "assignments");
	conflicts = json_object_get(r.json, "conflicts");
	printf("%s: %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
	    " offers awaiting a candidate assigned, objective %"
	    JSON_INTEGER_FORMAT " (%" JSON_INTEGER_FORMAT " candidates, %"
	    JSON_INTEGER_FORMAT " possible pairs)\n", a->commit ? "Recorded" :
	    "Dry run, nothing recorded",
	    field_int(r.json, "assigned"), field_int(r.json, "offers"),
	    field_int(r.json, "objective"), field_int(r.json, "candidates"),
	    field_int(r.json, "edges"));
	if (json_array_size(pairs) > 0) {
		t = table_new(batch_heads, a->commit ? BC__N : BC__N - 1);
		json_array_foreach(pairs, i, pair) {
			batch_cells(c, pair, cell, 0);
			if (!a->commit)
				free(cell[BC_PROPOSAL]);
			table_add(t, cell);
		}
		putchar('\n');
		table_print(t);
		table_free(t);
	}
	if (json_array_size(conflicts) > 0) {
		printf("\nNot recorded, taken while it was solved: %zu\n\n",
		    json_array_size(conflicts));
		t = table_new(conflict_heads, BC__N - 1);
		json_array_foreach(conflicts, i, pair) {
			batch_cells(c, pair, cell, 1);
			table_add(t, cell);
		}
		table_print(t);
		table_free(t);
	}
	client_reply_clear(&r);
	return (0);
}

const struct cmd_entry cmd_visit_entry = {
	.name = "visit",
	.usage = "visit <offer> --on YYYY-MM-DD [--by OWNER] [--note TEXT] "
	    "[--json]",
	.lower = 1,
	.upper = 1,
	.opts = O(OPT_ON) | O(OPT_BY) | O(OPT_NOTE) | O(OPT_JSON),
	.exec = cmd_visit_exec
};

const struct cmd_entry cmd_propose_entry = {
	.name = "propose",
	.usage = "propose <offer> [--json]",
	.lower = 1,
	.upper = 1,
	.opts = O(OPT_JSON),
	.exec = cmd_propose_exec
};

const struct cmd_entry cmd_candidates_entry = {
	.name = "candidates",
	.usage = "candidates <offer> [--limit N] [--json]",
	.lower = 1,
	.upper = 1,
	.opts = O(OPT_LIMIT) | O(OPT_JSON),
	.exec = cmd_candidates_exec
};

const struct cmd_entry cmd_batch_entry = {
	.name = "batch",
	.usage = "batch [--commit] [--json]",
	.lower = 0,
	.upper = 0,
	.opts = O(OPT_COMMIT) | O(OPT_JSON),
	.exec = cmd_batch_exec
};
