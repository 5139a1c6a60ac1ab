/*
 * routes.c — the routes table: every route of the API, one row each, with
 * the roles that may call it, the body it takes and how it runs.  The
 * dispatcher (http.c) tries its rows (routes-index.c), the OpenAPI document
 * (openapi.c) is made from it; the handlers are the api-*.c files'.
 */
#include "daemon.h"

#define KB	1024
#define MB	(1024 * 1024)
/* A batch's body: BATCH_MAX items of 1.6 KB on average, three times a
 * typical candidate or company record. */
#define BATCH_BODY	(16 * MB)

/*
 * The API, one route a row: its method and path, the handler, the roles
 * that may call it (R_PUBLIC: no token), its body limit (0: none taken)
 * and its RT_* flags.
 */
const struct route routes[] = {
	{
		.method = "GET",
		.path = "/healthz",
		.handler = api_health,
		.roles = R_PUBLIC
	},
	{
		.method = "GET",
		.path = "/v1/errors",
		.handler = api_errors,
		.roles = R_PUBLIC
	},

	/* The web console (static.c): files only, its data comes from /v1. */
	{
		.method = "GET",
		.path = "/",
		.handler = static_serve,
		.roles = R_PUBLIC
	},
	{
		.method = "GET",
		.path = "/web/{file}",
		.handler = static_serve,
		.roles = R_PUBLIC
	},
	{
		.method = "GET",
		.path = "/v1/whoami",
		.handler = api_whoami,
		.roles = R_ANY
	},
	/* The reference data, searched (api-refdata.c). */
	{
		.method = "GET",
		.path = "/v1/refdata/communes",
		.handler = api_refdata,
		.roles = R_ANY
	},
	{
		.method = "GET",
		.path = "/v1/refdata/rome",
		.handler = api_refdata,
		.roles = R_ANY
	},

	/* People's accounts and sessions (api-accounts.c). */
	{
		.method = "POST",
		.path = "/v1/session",
		.handler = api_session_create,
		.roles = R_PUBLIC,
		.max_body = 4 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "DELETE",
		.path = "/v1/session",
		.handler = api_session_delete,
		.roles = R_ANY,
		.flags = RT_WRITE
	},
	{
		.method = "POST",
		.path = "/v1/session/password",
		.handler = api_session_password,
		.roles = R_ANY,
		.max_body = 4 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "POST",
		.path = "/v1/accounts",
		.handler = api_account_create,
		.roles = R_ADMIN,
		.max_body = 4 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "GET",
		.path = "/v1/accounts",
		.handler = api_account_list,
		.roles = R_ADMIN
	},
	{
		.method = "GET",
		.path = "/v1/accounts/{id}",
		.handler = api_account_get,
		.roles = R_ADMIN
	},
	{
		.method = "DELETE",
		.path = "/v1/accounts/{id}",
		.handler = api_account_delete,
		.roles = R_ADMIN,
		.flags = RT_WRITE
	},
	{
		.method = "POST",
		.path = "/v1/accounts/{id}/password",
		.handler = api_account_password,
		.roles = R_ADMIN,
		.max_body = 4 * KB,
		.flags = RT_WRITE
	},
	/* Notification preferences and the outbox (api-mail.c). */
	{
		.method = "GET",
		.path = "/v1/accounts/{id}/notifications",
		.handler = api_notifications_get,
		.roles = R_ADMIN
	},
	{
		.method = "PUT",
		.path = "/v1/accounts/{id}/notifications",
		.handler = api_notifications_put,
		.roles = R_ADMIN,
		.max_body = 4 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "GET",
		.path = "/v1/session/notifications",
		.handler = api_notifications_get,
		.roles = R_ANY
	},
	{
		.method = "PUT",
		.path = "/v1/session/notifications",
		.handler = api_notifications_put,
		.roles = R_ANY,
		.max_body = 4 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "GET",
		.path = "/v1/outbox",
		.handler = api_outbox,
		.roles = R_ADMIN
	},

	{
		.method = "POST",
		.path = "/v1/tokens",
		.handler = api_token_create,
		.roles = R_ADMIN,
		.max_body = 4 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "GET",
		.path = "/v1/tokens",
		.handler = api_list,
		.roles = R_ADMIN
	},
	{
		.method = "DELETE",
		.path = "/v1/tokens/{id}",
		.handler = api_token_revoke,
		.roles = R_ADMIN,
		.flags = RT_WRITE
	},

	{
		.method = "POST",
		.path = "/v1/companies",
		.handler = api_create,
		.roles = R_ADMIN | R_IOD,
		.max_body = 64 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "POST",
		.path = "/v1/companies:batch",
		.handler = api_batch,
		.roles = R_ADMIN | R_IOD,
		.max_body = BATCH_BODY,
		.flags = RT_WRITE | RT_BATCH
	},
	{	/* a spreadsheet's CSV (api-import.c) */
		.method = "POST",
		.path = "/v1/companies:import",
		.handler = api_import,
		.roles = R_ADMIN | R_IOD,
		.max_body = BATCH_BODY,
		.flags = RT_WRITE | RT_RAW
	},
	{
		.method = "GET",
		.path = "/v1/companies",
		.handler = api_list,
		.roles = R_ADMIN | R_IOD
	},
	{
		.method = "GET",
		.path = "/v1/companies/{id}",
		.handler = api_get,
		.roles = R_ADMIN | R_IOD | R_COMPANY
	},
	{
		.method = "PUT",
		.path = "/v1/companies/{id}",
		.handler = api_put,
		.roles = R_ADMIN | R_IOD,
		.max_body = 64 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "PATCH",
		.path = "/v1/companies/{id}",
		.handler = api_patch,
		.roles = R_ADMIN | R_IOD,
		.max_body = 64 * KB,
		.flags = RT_WRITE | RT_MERGE
	},
	{
		.method = "DELETE",
		.path = "/v1/companies/{id}",
		.handler = api_delete,
		.roles = R_ADMIN | R_IOD,
		.flags = RT_WRITE
	},

	{
		.method = "POST",
		.path = "/v1/contacts",
		.handler = api_create,
		.roles = R_ADMIN | R_IOD,
		.max_body = 16 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "GET",
		.path = "/v1/contacts",
		.handler = api_list,
		.roles = R_ADMIN | R_IOD
	},
	{
		.method = "GET",
		.path = "/v1/contacts/{id}",
		.handler = api_get,
		.roles = R_ADMIN | R_IOD
	},
	{
		.method = "PUT",
		.path = "/v1/contacts/{id}",
		.handler = api_put,
		.roles = R_ADMIN | R_IOD,
		.max_body = 16 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "PATCH",
		.path = "/v1/contacts/{id}",
		.handler = api_patch,
		.roles = R_ADMIN | R_IOD,
		.max_body = 16 * KB,
		.flags = RT_WRITE | RT_MERGE
	},
	{
		.method = "DELETE",
		.path = "/v1/contacts/{id}",
		.handler = api_delete,
		.roles = R_ADMIN | R_IOD,
		.flags = RT_WRITE
	},

	{
		.method = "POST",
		.path = "/v1/offers",
		.handler = api_create,
		.roles = R_ADMIN | R_IOD,
		.max_body = 64 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "POST",
		.path = "/v1/offers:batch",
		.handler = api_batch,
		.roles = R_ADMIN | R_IOD,
		.max_body = BATCH_BODY,
		.flags = RT_WRITE | RT_BATCH
	},
	{	/* a spreadsheet's CSV (api-import.c) */
		.method = "POST",
		.path = "/v1/offers:import",
		.handler = api_import,
		.roles = R_ADMIN | R_IOD,
		.max_body = BATCH_BODY,
		.flags = RT_WRITE | RT_RAW
	},
	{
		.method = "GET",
		.path = "/v1/offers",
		.handler = api_list,
		.roles = R_ADMIN | R_IOD | R_COMPANY
	},
	{
		.method = "GET",
		.path = "/v1/offers/{id}",
		.handler = api_get,
		.roles = R_ADMIN | R_IOD | R_COMPANY
	},
	{
		.method = "PUT",
		.path = "/v1/offers/{id}",
		.handler = api_put,
		.roles = R_ADMIN | R_IOD,
		.max_body = 64 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "PATCH",
		.path = "/v1/offers/{id}",
		.handler = api_patch,
		.roles = R_ADMIN | R_IOD,
		.max_body = 64 * KB,
		.flags = RT_WRITE | RT_MERGE
	},
	{
		.method = "DELETE",
		.path = "/v1/offers/{id}",
		.handler = api_delete,
		.roles = R_ADMIN | R_IOD,
		.flags = RT_WRITE
	},

	{
		.method = "POST",
		.path = "/v1/candidates",
		.handler = api_create,
		.roles = R_ADMIN | R_IOD | R_REFERENT,
		.max_body = 64 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "POST",
		.path = "/v1/candidates:batch",
		.handler = api_batch,
		.roles = R_ADMIN | R_IOD | R_REFERENT,
		.max_body = BATCH_BODY,
		.flags = RT_WRITE | RT_BATCH
	},
	{	/* a spreadsheet's CSV (api-import.c) */
		.method = "POST",
		.path = "/v1/candidates:import",
		.handler = api_import,
		.roles = R_ADMIN | R_IOD | R_REFERENT,
		.max_body = BATCH_BODY,
		.flags = RT_WRITE | RT_RAW
	},
	{
		.method = "GET",
		.path = "/v1/candidates",
		.handler = api_list,
		.roles = R_ADMIN | R_IOD | R_REFERENT
	},
	{
		.method = "GET",
		.path = "/v1/candidates/{id}",
		.handler = api_get,
		.roles = R_ADMIN | R_IOD | R_REFERENT
	},
	{
		.method = "PUT",
		.path = "/v1/candidates/{id}",
		.handler = api_put,
		.roles = R_ADMIN | R_IOD | R_REFERENT,
		.max_body = 64 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "PATCH",
		.path = "/v1/candidates/{id}",
		.handler = api_patch,
		.roles = R_ADMIN | R_IOD | R_REFERENT,
		.max_body = 64 * KB,
		.flags = RT_WRITE | RT_MERGE
	},
	{
		.method = "DELETE",
		.path = "/v1/candidates/{id}",
		.handler = api_delete,
		.roles = R_ADMIN | R_IOD | R_REFERENT,
		.flags = RT_WRITE
	},

	{
		.method = "POST",
		.path = "/v1/referents",
		.handler = api_create,
		.roles = R_ADMIN | R_IOD,
		.max_body = 16 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "POST",
		.path = "/v1/referents:batch",
		.handler = api_batch,
		.roles = R_ADMIN | R_IOD,
		.max_body = 8 * MB,
		.flags = RT_WRITE | RT_BATCH
	},
	{	/* a spreadsheet's CSV (api-import.c) */
		.method = "POST",
		.path = "/v1/referents:import",
		.handler = api_import,
		.roles = R_ADMIN | R_IOD,
		.max_body = 8 * MB,
		.flags = RT_WRITE | RT_RAW
	},
	{
		.method = "GET",
		.path = "/v1/referents",
		.handler = api_list,
		.roles = R_ADMIN | R_IOD | R_REFERENT
	},
	{
		.method = "GET",
		.path = "/v1/referents/{id}",
		.handler = api_get,
		.roles = R_ADMIN | R_IOD | R_REFERENT
	},
	{
		.method = "PUT",
		.path = "/v1/referents/{id}",
		.handler = api_put,
		.roles = R_ADMIN | R_IOD,
		.max_body = 16 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "PATCH",
		.path = "/v1/referents/{id}",
		.handler = api_patch,
		.roles = R_ADMIN | R_IOD,
		.max_body = 16 * KB,
		.flags = RT_WRITE | RT_MERGE
	},
	{
		.method = "DELETE",
		.path = "/v1/referents/{id}",
		.handler = api_delete,
		.roles = R_ADMIN | R_IOD,
		.flags = RT_WRITE
	},

	{
		.method = "GET",
		.path = "/v1/events",
		.handler = api_list,
		.roles = R_ADMIN
	},
	{
		.method = "GET",
		.path = "/v1/audit",
		.handler = api_list,
		.roles = R_ADMIN
	},
	{
		.method = "GET",
		.path = "/v1/reports/activity",
		.handler = api_report_activity,
		.roles = R_ADMIN | R_IOD | R_AUDITOR
	},
	{
		.method = "GET",
		.path = "/v1/reports/charter",
		.handler = api_report_charter,
		.roles = R_ADMIN | R_IOD | R_AUDITOR
	},
	{
		.method = "GET",
		.path = "/metrics",
		.handler = api_metrics,
		.roles = R_PUBLIC
	},
	{
		.method = "GET",
		.path = "/v1/openapi.json",
		.handler = api_openapi,
		.roles = R_PUBLIC
	},
	{
		.method = "GET",
		.path = "/v1/backup",
		.handler = api_backup,
		.roles = R_ADMIN
	},
	{
		.method = "GET",
		.path = "/v1/candidates/{id}/export",
		.handler = api_export,
		.roles = R_ADMIN | R_IOD | R_REFERENT
	},

	{
		.method = "GET",
		.path = "/v1/rulesets",
		.handler = api_rulesets_list,
		.roles = R_ADMIN | R_IOD | R_AUDITOR
	},
	{
		.method = "GET",
		.path = "/v1/rulesets/{name}",
		.handler = api_ruleset_get,
		.roles = R_ADMIN | R_IOD | R_AUDITOR
	},
	{
		.method = "PUT",
		.path = "/v1/rulesets/{name}",
		.handler = api_ruleset_put,
		.roles = R_ADMIN,
		.max_body = 1 * MB,
		.flags = RT_WRITE | RT_RAW
	},
	{
		.method = "GET",
		.path = "/v1/rulesets/{name}/versions",
		.handler = api_ruleset_versions,
		.roles = R_ADMIN | R_IOD | R_AUDITOR
	},
	{
		.method = "GET",
		.path = "/v1/rulesets/{name}/versions/{id}",
		.handler = api_ruleset_version,
		.roles = R_ADMIN | R_IOD | R_AUDITOR
	},

	{
		.method = "POST",
		.path = "/v1/offers/{id}/proposal",
		.handler = api_propose,
		.roles = R_ADMIN | R_IOD,
		.flags = RT_WRITE
	},
	{
		.method = "GET",
		.path = "/v1/offers/{id}/candidates",
		.handler = api_ranked,
		.roles = R_ADMIN | R_IOD
	},
	/* Positionnement (api-interests.c): a référent for their own. */
	{
		.method = "POST",
		.path = "/v1/offers/{id}/interests",
		.handler = api_interest_add,
		.roles = R_ADMIN | R_IOD | R_REFERENT,
		.max_body = 4 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "GET",
		.path = "/v1/offers/{id}/interests",
		.handler = api_interest_list,
		.roles = R_ADMIN | R_IOD | R_REFERENT
	},
	{
		.method = "DELETE",
		.path = "/v1/offers/{id}/interests",
		.handler = api_interest_delete,
		.roles = R_ADMIN | R_IOD | R_REFERENT,
		.flags = RT_WRITE
	},
	{
		.method = "POST",
		.path = "/v1/match:batch",
		.handler = api_match_batch,
		.roles = R_ADMIN | R_IOD,
		.max_body = 4 * KB,
		.flags = RT_WRITE | RT_OPTBODY
	},

	{
		.method = "GET",
		.path = "/v1/proposals",
		.handler = api_list,
		.roles = R_ADMIN | R_IOD | R_REFERENT | R_COMPANY
	},
	{
		.method = "GET",
		.path = "/v1/proposals/{id}",
		.handler = api_get,
		.roles = R_ADMIN | R_IOD | R_REFERENT | R_COMPANY
	},
	{
		.method = "GET",
		.path = "/v1/proposals/{id}/replay",
		.handler = api_proposal_replay,
		.roles = R_ADMIN | R_IOD | R_REFERENT
	},
	{
		.method = "POST",
		.path = "/v1/proposals/{id}/meeting",
		.handler = api_proposal_transition,
		.roles = R_ADMIN | R_IOD,
		.max_body = 16 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "POST",
		.path = "/v1/proposals/{id}/hire",
		.handler = api_proposal_transition,
		.roles = R_ADMIN | R_IOD,
		.max_body = 16 * KB,
		.flags = RT_WRITE | RT_OPTBODY
	},
	{
		.method = "POST",
		.path = "/v1/proposals/{id}/refuse",
		.handler = api_proposal_transition,
		.roles = R_ADMIN | R_IOD,
		.max_body = 16 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "POST",
		.path = "/v1/proposals/{id}/decline",
		.handler = api_proposal_transition,
		.roles = R_ADMIN | R_IOD,
		.max_body = 16 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "POST",
		.path = "/v1/proposals/{id}/no-show",
		.handler = api_proposal_transition,
		.roles = R_ADMIN | R_IOD,
		.max_body = 16 * KB,
		.flags = RT_WRITE | RT_OPTBODY
	},
	{
		.method = "POST",
		.path = "/v1/proposals/{id}/withdraw",
		.handler = api_proposal_transition,
		.roles = R_ADMIN | R_IOD,
		.max_body = 16 * KB,
		.flags = RT_WRITE
	},

	{
		.method = "GET",
		.path = "/v1/placements",
		.handler = api_list,
		.roles = R_ADMIN | R_IOD | R_REFERENT
	},
	{
		.method = "GET",
		.path = "/v1/placements/{id}",
		.handler = api_placement_get,
		.roles = R_ADMIN | R_IOD | R_REFERENT
	},
	{
		.method = "POST",
		.path = "/v1/placements/{id}/end",
		.handler = api_placement_end,
		.roles = R_ADMIN | R_IOD,
		.max_body = 4 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "GET",
		.path = "/v1/followups",
		.handler = api_list,
		.roles = R_ADMIN | R_IOD | R_REFERENT
	},
	{
		.method = "GET",
		.path = "/v1/followups.ics",
		.handler = api_followup_ics,
		.roles = R_ADMIN | R_IOD
	},
	{
		.method = "POST",
		.path = "/v1/calendars",
		.handler = api_calendar_create,
		.roles = R_ADMIN | R_IOD | R_REFERENT,
		.max_body = 4 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "GET",
		.path = "/v1/calendars",
		.handler = api_calendar_list,
		.roles = R_ADMIN | R_IOD | R_REFERENT
	},
	{
		.method = "DELETE",
		.path = "/v1/calendars/{id}",
		.handler = api_calendar_revoke,
		.roles = R_ADMIN | R_IOD | R_REFERENT,
		.flags = RT_WRITE
	},
	/* A private calendar URL: the secret in the path is the credential
	 * (calendar clients send no header); no body, its own rates. */
	{
		.method = "GET",
		.path = "/cal/{name}.ics",
		.handler = api_calendar_feed,
		.roles = R_PUBLIC
	},
	{
		.method = "GET",
		.path = "/v1/followups/{id}",
		.handler = api_followup_get,
		.roles = R_ADMIN | R_IOD | R_REFERENT
	},
	{
		.method = "POST",
		.path = "/v1/followups/{id}/done",
		.handler = api_followup_transition,
		.roles = R_ADMIN | R_IOD,
		.max_body = 8 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "POST",
		.path = "/v1/followups/{id}/missed",
		.handler = api_followup_transition,
		.roles = R_ADMIN | R_IOD,
		.max_body = 8 * KB,
		.flags = RT_WRITE | RT_OPTBODY
	},
	{
		.method = "POST",
		.path = "/v1/followups/{id}/cancel",
		.handler = api_followup_transition,
		.roles = R_ADMIN | R_IOD,
		.max_body = 8 * KB,
		.flags = RT_WRITE | RT_OPTBODY
	},

	{
		.method = "GET",
		.path = "/v1/events/stream",
		.handler = api_events_stream,
		.roles = R_ANY
	},
	{
		.method = "POST",
		.path = "/v1/webhooks",
		.handler = api_webhook_create,
		.roles = R_ADMIN,
		.max_body = 8 * KB,
		.flags = RT_WRITE
	},
	{
		.method = "GET",
		.path = "/v1/webhooks",
		.handler = api_list,
		.roles = R_ADMIN
	},
	{
		.method = "GET",
		.path = "/v1/webhooks/{id}",
		.handler = api_webhook_get,
		.roles = R_ADMIN
	},
	{
		.method = "DELETE",
		.path = "/v1/webhooks/{id}",
		.handler = api_webhook_delete,
		.roles = R_ADMIN,
		.flags = RT_WRITE
	},
	{
		.method = "POST",
		.path = "/v1/webhooks/{id}/resume",
		.handler = api_webhook_resume,
		.roles = R_ADMIN,
		.max_body = 4 * KB,
		.flags = RT_WRITE | RT_OPTBODY
	},

	{ .method = NULL }
};
_Static_assert(sizeof(routes) / sizeof(routes[0]) <= ROUTES_MAX,
    "routes: more rows than ROUTES_MAX (daemon.h)");
