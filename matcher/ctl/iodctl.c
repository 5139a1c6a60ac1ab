/*
 * iodctl.c — main: the command table, the command line and its options,
 * usage, and the messages of the program.  It finds the command named by
 * the first words, checks its options and the number of its arguments,
 * opens the connection and runs it.  It owns no command (cmd-*.c), no
 * HTTP (client.c) and no CSV (import.c); see ctl.h for the exit status.
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define IODCTL_URL		"http://127.0.0.1:8080"
#define IODCTL_TIMEOUT		60		/* seconds per request */

/* Indexed by enum opt: an option's name is longopts[opt].name. */
static const struct option longopts[] = {
	[OPT_URL] = { .name = "url", .has_arg = required_argument,
	    .val = OPT_URL },
	[OPT_TOKEN] = { .name = "token", .has_arg = required_argument,
	    .val = OPT_TOKEN },
	[OPT_TIMEOUT] = { .name = "timeout", .has_arg = required_argument,
	    .val = OPT_TIMEOUT },
	[OPT_HELP] = { .name = "help", .has_arg = no_argument,
	    .val = OPT_HELP },
	[OPT_LIMIT] = { .name = "limit", .has_arg = required_argument,
	    .val = OPT_LIMIT },
	[OPT_ALL] = { .name = "all", .has_arg = no_argument,
	    .val = OPT_ALL },
	[OPT_ROLE] = { .name = "role", .has_arg = required_argument,
	    .val = OPT_ROLE },
	[OPT_SUBJECT] = { .name = "subject", .has_arg = required_argument,
	    .val = OPT_SUBJECT },
	[OPT_REFERENT] = { .name = "referent", .has_arg = required_argument,
	    .val = OPT_REFERENT },
	[OPT_COMPANY] = { .name = "company", .has_arg = required_argument,
	    .val = OPT_COMPANY },
	[OPT_EXPIRES] = { .name = "expires", .has_arg = required_argument,
	    .val = OPT_EXPIRES },
	[OPT_DRY_RUN] = { .name = "dry-run", .has_arg = no_argument,
	    .val = OPT_DRY_RUN },
	[OPT_CURSOR] = { .name = "cursor", .has_arg = required_argument,
	    .val = OPT_CURSOR },
	[OPT_WEEK] = { .name = "week", .has_arg = no_argument,
	    .val = OPT_WEEK },
	[OPT_OWNER] = { .name = "owner", .has_arg = required_argument,
	    .val = OPT_OWNER },
	[OPT_FROM] = { .name = "from", .has_arg = required_argument,
	    .val = OPT_FROM },
	[OPT_TO] = { .name = "to", .has_arg = required_argument,
	    .val = OPT_TO },
	[OPT_PROGRAMME] = { .name = "programme", .has_arg = required_argument,
	    .val = OPT_PROGRAMME },
	[OPT_CSV] = { .name = "csv", .has_arg = no_argument,
	    .val = OPT_CSV },
	[OPT_CHARTER] = { .name = "charter", .has_arg = no_argument,
	    .val = OPT_CHARTER },
	[OPT_REFDATA] = { .name = "refdata", .has_arg = required_argument,
	    .val = OPT_REFDATA },
	[OPT_JSON] = { .name = "json", .has_arg = no_argument,
	    .val = OPT_JSON },
	[OPT_ON] = { .name = "on", .has_arg = required_argument,
	    .val = OPT_ON },
	[OPT_BY] = { .name = "by", .has_arg = required_argument,
	    .val = OPT_BY },
	[OPT_NOTE] = { .name = "note", .has_arg = required_argument,
	    .val = OPT_NOTE },
	[OPT_AT] = { .name = "at", .has_arg = required_argument,
	    .val = OPT_AT },
	[OPT_PLACE] = { .name = "place", .has_arg = required_argument,
	    .val = OPT_PLACE },
	[OPT_CONTRACT] = { .name = "contract", .has_arg = required_argument,
	    .val = OPT_CONTRACT },
	[OPT_START] = { .name = "start", .has_arg = required_argument,
	    .val = OPT_START },
	[OPT_HOURS] = { .name = "hours", .has_arg = required_argument,
	    .val = OPT_HOURS },
	[OPT_MONTHS] = { .name = "months", .has_arg = required_argument,
	    .val = OPT_MONTHS },
	[OPT_TRIAL_WEEKS] = { .name = "trial-weeks",
	    .has_arg = required_argument, .val = OPT_TRIAL_WEEKS },
	[OPT_REASON] = { .name = "reason", .has_arg = required_argument,
	    .val = OPT_REASON },
	[OPT_OVERDUE] = { .name = "overdue", .has_arg = no_argument,
	    .val = OPT_OVERDUE },
	[OPT_ASSESSMENT] = { .name = "assessment", .has_arg = required_argument,
	    .val = OPT_ASSESSMENT },
	[OPT_ACTIVE] = { .name = "active", .has_arg = no_argument,
	    .val = OPT_ACTIVE },
	[OPT_COMMIT] = { .name = "commit", .has_arg = no_argument,
	    .val = OPT_COMMIT },
	[OPT_STATUS] = { .name = "status", .has_arg = required_argument,
	    .val = OPT_STATUS },
	[OPT_LOGIN] = { .name = "login", .has_arg = required_argument,
	    .val = OPT_LOGIN },
	[OPT_NAME] = { .name = "name", .has_arg = required_argument,
	    .val = OPT_NAME },
	[OPT_EMAIL] = { .name = "email", .has_arg = required_argument,
	    .val = OPT_EMAIL },
	[OPT_IF_MATCH] = { .name = "if-match", .has_arg = required_argument,
	    .val = OPT_IF_MATCH },
	[OPT_ETAG] = { .name = "etag", .has_arg = no_argument,
	    .val = OPT_ETAG },
	[OPT__N] = { .name = NULL }
};

/* The record types a command may name, with their schema for imports. */
static const struct resource resources[] = {
	{ .name = "companies",	.schema = &company_schema },
	{ .name = "offers",	.schema = &offer_schema },
	{ .name = "candidates",	.schema = &candidate_schema },
	{ .name = "referents",	.schema = &referent_schema },
	{ .name = NULL,		.schema = NULL }
};

/* Every command, in the order usage lists them. */
static const struct cmd_entry *const cmd_table[] = {
	&cmd_get_entry,
	&cmd_list_entry,
	&cmd_create_entry,
	&cmd_put_entry,
	&cmd_patch_entry,
	&cmd_delete_entry,
	&cmd_token_create_entry,
	&cmd_token_list_entry,
	&cmd_token_revoke_entry,
	&cmd_account_create_entry,
	&cmd_account_list_entry,
	&cmd_account_password_entry,
	&cmd_account_delete_entry,
	&cmd_import_entry,
	&cmd_health_entry,
	&cmd_followups_entry,
	&cmd_report_entry,
	&cmd_backup_entry,
	&cmd_rules_check_entry,
	&cmd_rules_put_entry,
	&cmd_visit_entry,
	&cmd_propose_entry,
	&cmd_candidates_entry,
	&cmd_batch_entry,
	&cmd_proposals_entry,
	&cmd_meeting_entry,
	&cmd_hire_entry,
	&cmd_refuse_entry,
	&cmd_decline_entry,
	&cmd_withdraw_entry,
	&cmd_no_show_entry,
	&cmd_placements_entry,
	&cmd_end_entry,
	&cmd_followup_done_entry,
	&cmd_followup_missed_entry,
	&cmd_communes_entry,
	&cmd_rome_entry,
	NULL
};

void
iodctl_fatal(const char *fmt, ...)
{
	va_list	ap;

	fputs("iodctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

void
iodctl_warn(const char *fmt, ...)
{
	va_list	ap;

	fputs("iodctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Strictly decimal, no sign, no spaces, in [min, max]. */
static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uintmax_t	 v;
	char		*end;

	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoumax(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

int
iodctl_usage(const struct cmd_entry *ce, const char *fmt, ...)
{
	va_list	ap;

	if (fmt != NULL) {
		fputs("iodctl: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "usage: iodctl %s\n", ce->usage);
	return (EXIT_USAGE);
}

static void
usage(FILE *f)
{
	const struct cmd_entry *const	*ce;
	const struct resource		*r;

	fprintf(f, "usage: iodctl [--url URL] [--token TOKEN] "
	    "[--timeout SECONDS] command [argument ...]\n\ncommands:\n");
	for (ce = cmd_table; *ce != NULL; ce++)
		fprintf(f, "    %s\n", (*ce)->usage);
	fprintf(f, "\nresources:");
	for (r = resources; r->name != NULL; r++)
		fprintf(f, " %s", r->name);
	fprintf(f, "\n\nThe URL defaults to $IOD_URL, then %s; the token "
	    "to $IOD_TOKEN.\nExit status: 0 done, 1 refused by the server "
	    "(4xx), 2 usage error, 3 server failure (5xx) or no server.\n",
	    IODCTL_URL);
}

/*
 * Parse options into a; with stop set, stop at the first word that is not
 * an option (the command).  Returns 0, or -1 after saying why.
 */
static int
args_parse(struct args *a, int argc, char **argv, int stop)
{
	const char	*what;
	uint64_t	*num, max;
	int		 ch;

	opterr = 0;
	optind = 0;	/* glibc: start afresh */
	while ((ch = getopt_long(argc, argv, stop ? "+:h" : ":h", longopts,
	    NULL)) != -1) {
		if (ch == 'h')
			ch = OPT_HELP;
		if (ch == '?') {
			iodctl_warn("unknown option %s", argv[optind - 1]);
			return (-1);
		}
		if (ch == ':') {
			iodctl_warn("option %s needs a value",
			    argv[optind - 1]);
			return (-1);
		}
		a->seen |= O(ch);
		num = NULL;
		max = INT64_MAX;
		switch (ch) {
		case OPT_URL:		a->url = optarg; break;
		case OPT_TOKEN:		a->token = optarg; break;
		case OPT_ROLE:		a->role = optarg; break;
		case OPT_SUBJECT:	a->subject = optarg; break;
		case OPT_EXPIRES:	a->expires = optarg; break;
		case OPT_CURSOR:	a->cursor = optarg; break;
		case OPT_WEEK:		a->week = 1; break;
		case OPT_OWNER:		a->owner = optarg; break;
		case OPT_FROM:		a->from = optarg; break;
		case OPT_TO:		a->to = optarg; break;
		case OPT_PROGRAMME:	a->programme = optarg; break;
		case OPT_CSV:		a->csv = 1; break;
		case OPT_CHARTER:	a->charter = 1; break;
		case OPT_REFDATA:	a->refdata = optarg; break;
		case OPT_JSON:		a->json = 1; break;
		case OPT_ON:		a->on = optarg; break;
		case OPT_BY:		a->by = optarg; break;
		case OPT_NOTE:		a->note = optarg; break;
		case OPT_AT:		a->at = optarg; break;
		case OPT_PLACE:		a->place = optarg; break;
		case OPT_CONTRACT:	a->contract = optarg; break;
		case OPT_START:		a->start = optarg; break;
		case OPT_HOURS:		a->hours = optarg; break;
		case OPT_MONTHS:	a->months = optarg; break;
		case OPT_TRIAL_WEEKS:	a->trial_weeks = optarg; break;
		case OPT_REASON:	a->reason = optarg; break;
		case OPT_OVERDUE:	a->overdue = 1; break;
		case OPT_ASSESSMENT:	a->assessment = optarg; break;
		case OPT_ACTIVE:	a->active = 1; break;
		case OPT_COMMIT:	a->commit = 1; break;
		case OPT_STATUS:	a->status = optarg; break;
		case OPT_LOGIN:		a->login = optarg; break;
		case OPT_NAME:		a->name = optarg; break;
		case OPT_EMAIL:		a->email = optarg; break;
		case OPT_IF_MATCH:	a->if_match = optarg; break;
		case OPT_ETAG:		a->etag = 1; break;
		case OPT_ALL:		a->all = 1; break;
		case OPT_DRY_RUN:	a->dry_run = 1; break;
		case OPT_HELP:		break;
		case OPT_TIMEOUT:	num = &a->timeout; max = 86400; break;
		case OPT_LIMIT:		num = &a->limit; break;
		case OPT_REFERENT:	num = &a->referent; break;
		case OPT_COMPANY:	num = &a->company; break;
		}
		if (num == NULL || parse_u64(optarg, 1, max, num) == 0)
			continue;
		what = longopts[ch].name;
		if (max == INT64_MAX)
			iodctl_warn("--%s: \"%s\" is not a positive integer",
			    what, optarg);
		else
			iodctl_warn("--%s: \"%s\" is not a whole number from 1 "
			    "to %" PRIu64, what, optarg, max);
		return (-1);
	}
	a->argv = argv + optind;
	a->argc = argc - optind;
	return (0);
}

/* Find the command named by the first (and second) words. */
static const struct cmd_entry *
cmd_find(int argc, char **argv, int *words)
{
	const struct cmd_entry *const	*ce;

	for (ce = cmd_table; *ce != NULL; ce++) {
		if (strcmp((*ce)->name, argv[0]) != 0)
			continue;
		if ((*ce)->sub == NULL) {
			*words = 1;
			return (*ce);
		}
		if (argc > 1 && strcmp((*ce)->sub, argv[1]) == 0) {
			*words = 2;
			return (*ce);
		}
	}
	return (NULL);
}

/* Say what was meant: the usages of a command's subcommands, or all. */
static void
cmd_unknown(int argc, char **argv)
{
	const struct cmd_entry *const	*ce;
	int				 found = 0;

	for (ce = cmd_table; *ce != NULL; ce++) {
		if (strcmp((*ce)->name, argv[0]) != 0)
			continue;
		if (!found++)
			iodctl_warn("\"%s\" needs a subcommand%s%s", argv[0],
			    argc > 1 ? ", not " : "", argc > 1 ? argv[1] : "");
		fprintf(stderr, "usage: iodctl %s\n", (*ce)->usage);
	}
	if (!found) {
		iodctl_warn("unknown command \"%s\"", argv[0]);
		usage(stderr);
	}
}

const struct resource *
iodctl_resource(const struct cmd_entry *ce, const char *name)
{
	const struct resource	*r;

	for (r = resources; r->name != NULL; r++)
		if (strcmp(r->name, name) == 0)
			return (r);
	iodctl_warn("unknown resource \"%s\"", name);
	fprintf(stderr, "resources:");
	for (r = resources; r->name != NULL; r++)
		fprintf(stderr, " %s", r->name);
	fputc('\n', stderr);
	iodctl_usage(ce, NULL);
	return (NULL);
}

uint64_t
iodctl_id(const struct cmd_entry *ce, const char *s)
{
	uint64_t	id;

	if (parse_u64(s, 1, INT64_MAX, &id) != 0) {
		iodctl_usage(ce, "\"%s\" is not an id (expected a positive "
		    "integer)", s);
		return (0);
	}
	return (id);
}

json_t *
iodctl_text(const char *opt, const char *s)
{
	json_t	*j;

	if ((j = json_string(s)) == NULL)
		iodctl_fatal("--%s: not valid UTF-8", opt);
	return (j);
}

const char *
iodctl_what(const struct cmd_entry *ce)
{
	static char	buf[64];

	snprintf(buf, sizeof(buf), "%s%s%s", ce->name, ce->sub != NULL ?
	    " " : "", ce->sub != NULL ? ce->sub : "");
	return (buf);
}

int
main(int argc, char **argv)
{
	const struct cmd_entry	*ce;
	struct client		 c;
	struct args		 a;
	char			*cause = NULL;
	const char		*url, *token;
	uint64_t		 bad;
	int			 words, start, rc;

	signal(SIGPIPE, SIG_IGN);
	memset(&a, 0, sizeof(a));
	if (args_parse(&a, argc, argv, 1) != 0) {
		usage(stderr);
		return (EXIT_USAGE);
	}
	if (a.argc == 0) {
		usage((a.seen & O(OPT_HELP)) ? stdout : stderr);
		return ((a.seen & O(OPT_HELP)) ? 0 : EXIT_USAGE);
	}
	if (strcmp(a.argv[0], "help") == 0) {
		usage(stdout);
		return (0);
	}
	if ((ce = cmd_find(a.argc, a.argv, &words)) == NULL) {
		cmd_unknown(a.argc, a.argv);
		return (EXIT_USAGE);
	}

	/* The command's own options; argv[start] is its last word. */
	start = (int)(a.argv - argv) + words - 1;
	if (args_parse(&a, argc - start, argv + start, 0) != 0)
		return (iodctl_usage(ce, NULL));
	if (a.seen & O(OPT_HELP)) {
		printf("usage: iodctl %s\n", ce->usage);
		return (0);
	}
	if ((bad = a.seen & ~(O_GLOBAL | ce->opts)) != 0)
		return (iodctl_usage(ce, "--%s does not apply to \"%s%s%s\"",
		    longopts[__builtin_ctzll(bad)].name, ce->name, ce->sub !=
		    NULL ? " " : "", ce->sub != NULL ? ce->sub : ""));
	if (a.argc < ce->lower || (ce->upper >= 0 && a.argc > ce->upper))
		return (iodctl_usage(ce, a.argc < ce->lower ?
		    "missing argument" : "too many arguments"));

	if ((url = a.url) == NULL && ((url = getenv("IOD_URL")) == NULL ||
	    *url == '\0'))
		url = IODCTL_URL;
	if ((token = a.token) == NULL && ((token = getenv("IOD_TOKEN")) ==
	    NULL || *token == '\0'))
		token = NULL;
	if (client_open(&c, url, token, a.timeout != 0 ? (unsigned)a.timeout :
	    IODCTL_TIMEOUT, &cause) != 0) {
		iodctl_warn("%s", cause);
		free(cause);
		client_close(&c);
		return (EXIT_USAGE);
	}
	rc = ce->exec(ce, &c, &a);
	names_free();
	client_close(&c);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		iodctl_warn("cannot write the output: %s", strerror(errno));
		if (rc == 0)
			rc = EXIT_USAGE;
	}
	return (rc);
}
