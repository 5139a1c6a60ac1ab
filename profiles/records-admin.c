/*
 * records-admin.c — the records an admin manages, as tables: API tokens
 * (a role and its scope; the secret is never stored, only its hash, as
 * the key) and webhooks (a receiver's URL, the scope it acts for, its
 * secret and its cursor into the event log), people's accounts (a login,
 * a role, only the password's hash) and their sessions (keyed by the
 * hash of their secret), with the roles' wire names.  Looking tokens up
 * is auth.c's, accounts and sessions accounts.c's, delivering
 * webhooks.c's; the codecs in schema.c walk these tables.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "profiles.h"

const char *const role_names[] = { "admin", "iod", "referent", "company",
    "auditor", NULL };
static const struct field token_fields[] = {
	{
		.name = "id",
		.type = FT_ID,
		.off = offsetof(struct token, id),
		.flags = F_RO
	},
	{
		.name = "role",
		.type = FT_ENUM,
		.off = offsetof(struct token, role),
		.flags = F_REQUIRED,
		.names = role_names
	},
	{
		.name = "subject",
		.type = FT_STR,
		.off = offsetof(struct token, subject),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 64
	},
	{
		.name = "referent_id",
		.type = FT_REF,
		.off = offsetof(struct token, referent_id),
		.flags = F_NULLABLE
	},
	{
		.name = "company_id",
		.type = FT_REF,
		.off = offsetof(struct token, company_id),
		.flags = F_NULLABLE
	},
	{
		.name = "expires_on",
		.type = FT_DATE,
		.off = offsetof(struct token, expires_on),
		.flags = F_NULLABLE
	},
	{
		.name = "revoked",
		.type = FT_BOOL,
		.off = offsetof(struct token, revoked),
		.flags = F_RO
	},
	{
		.name = "created_at",
		.type = FT_TIME,
		.off = offsetof(struct token, created_at),
		.flags = F_RO
	},
	{ .name = NULL }
};
const struct schema token_schema = {
	.name = "token",
	.size = sizeof(struct token),
	.fields = token_fields,
	.version = 1
};

static const struct field webhook_fields[] = {
	{
		.name = "id",
		.type = FT_ID,
		.off = offsetof(struct webhook, id),
		.flags = F_RO
	},
	{
		.name = "url",
		.type = FT_STR,
		.off = offsetof(struct webhook, url),
		.flags = F_REQUIRED,
		.min = 1,
		.max = 2000,
	},
	{
		.name = "token_id",
		.type = FT_REF,
		.off = offsetof(struct webhook, token_id),
		.flags = F_NULLABLE
	},
	{
		.name = "role",
		.type = FT_ENUM,
		.off = offsetof(struct webhook, role),
		.flags = F_NULLABLE,
		.names = role_names
	},
	{
		.name = "subject",
		.type = FT_STR,
		.off = offsetof(struct webhook, subject),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 64
	},
	{
		.name = "referent_id",
		.type = FT_REF,
		.off = offsetof(struct webhook, referent_id),
		.flags = F_NULLABLE
	},
	{
		.name = "company_id",
		.type = FT_REF,
		.off = offsetof(struct webhook, company_id),
		.flags = F_NULLABLE
	},
	{
		.name = "secret",
		.type = FT_STR,
		.off = offsetof(struct webhook, secret),
		.flags = F_REQUIRED,
		.min = 16,
		.max = 256
	},
	{
		.name = "cursor",
		.type = FT_INT,
		.off = offsetof(struct webhook, cursor),
		.flags = F_RO
	},
	{
		.name = "paused",
		.type = FT_BOOL,
		.off = offsetof(struct webhook, paused),
		.flags = F_RO
	},
	{
		.name = "paused_reason",
		.type = FT_STR,
		.off = offsetof(struct webhook, paused_reason),
		.flags = F_RO | F_NULLABLE,
		.max = 300
	},
	{
		.name = "types",
		.type = FT_STRV,
		.off = offsetof(struct webhook, types),
		.cnt = offsetof(struct webhook, ntypes),
		.max = 64,
		.check = evtype_check
	},
	{
		.name = "created_at",
		.type = FT_TIME,
		.off = offsetof(struct webhook, created_at),
		.flags = F_RO
	},
	{
		.name = "updated_at",
		.type = FT_TIME,
		.off = offsetof(struct webhook, updated_at),
		.flags = F_RO
	},
	{ .name = NULL }
};
const struct schema webhook_schema = {
	.name = "webhook",
	.size = sizeof(struct webhook),
	.fields = webhook_fields,
	.version = 1
};

static int
check_mode(const char *s, char **cause)
{
	if (strcmp(s, "immediate") == 0 || strcmp(s, "daily") == 0)
		return (0);
	if (asprintf(cause, "\"%.32s\" is not a mode (expected immediate "
	    "or daily)", s) == -1)
		*cause = NULL;
	return (-1);
}

static const struct field notify_prefs_fields[] = {
	{
		.name = "email",
		.type = FT_BOOL,
		.off = offsetof(struct notify_prefs, email)
	},
	{
		.name = "types",
		.type = FT_SET,
		.off = offsetof(struct notify_prefs, types),
		.names = mail_type_names
	},
	{
		.name = "mode",
		.type = FT_STR,
		.off = offsetof(struct notify_prefs, mode),
		.flags = F_REQUIRED,
		.max = 16,
		.check = check_mode
	},
	{ .name = NULL }
};

const struct schema notify_prefs_schema = {
	.name = "notifications",
	.size = sizeof(struct notify_prefs),
	.fields = notify_prefs_fields,
	.version = 1
};

static const struct field account_fields[] = {
	{
		.name = "id",
		.type = FT_ID,
		.off = offsetof(struct account, id),
		.flags = F_RO
	},
	{
		.name = "login",
		.type = FT_STR,
		.off = offsetof(struct account, login),
		.flags = F_REQUIRED,
		.min = 1,
		.max = 64
	},
	{
		.name = "role",
		.type = FT_ENUM,
		.off = offsetof(struct account, role),
		.flags = F_REQUIRED,
		.names = role_names
	},
	{
		.name = "referent_id",
		.type = FT_REF,
		.off = offsetof(struct account, referent_id),
		.flags = F_NULLABLE
	},
	{
		.name = "company_id",
		.type = FT_REF,
		.off = offsetof(struct account, company_id),
		.flags = F_NULLABLE
	},
	{
		.name = "name",
		.type = FT_STR,
		.off = offsetof(struct account, name),
		.flags = F_NULLABLE,
		.min = 1,
		.max = 200
	},
	{
		.name = "email",
		.type = FT_STR,
		.off = offsetof(struct account, email),
		.flags = F_NULLABLE,
		.max = 254,
		.check = check_email
	},
	{
		.name = "password_hash",
		.type = FT_STR,
		.off = offsetof(struct account, password_hash),
		.flags = F_RO | F_NULLABLE,
		.max = 512
	},
	{
		.name = "failures",
		.type = FT_INT,
		.off = offsetof(struct account, failures),
		.flags = F_RO
	},
	{
		.name = "locked_until",
		.type = FT_TIME,
		.off = offsetof(struct account, locked_until),
		.flags = F_RO | F_NULLABLE
	},
	{
		.name = "disabled",
		.type = FT_BOOL,
		.off = offsetof(struct account, disabled),
		.flags = F_NULLABLE
	},
	{
		.name = "notifications",
		.type = FT_OBJ,
		.off = offsetof(struct account, notifications),
		.flags = F_NULLABLE,
		.sub = &notify_prefs_schema
	},
	{
		.name = "created_at",
		.type = FT_TIME,
		.off = offsetof(struct account, created_at),
		.flags = F_RO
	},
	{
		.name = "updated_at",
		.type = FT_TIME,
		.off = offsetof(struct account, updated_at),
		.flags = F_RO
	},
	{ .name = NULL }
};
const struct schema account_schema = {
	.name = "account",
	.size = sizeof(struct account),
	.fields = account_fields,
	.version = 1
};

static const struct field session_fields[] = {
	{
		.name = "id",
		.type = FT_ID,
		.off = offsetof(struct session, id),
		.flags = F_RO
	},
	{
		.name = "account_id",
		.type = FT_REF,
		.off = offsetof(struct session, account_id),
		.flags = F_RO
	},
	{
		.name = "csrf",
		.type = FT_STR,
		.off = offsetof(struct session, csrf),
		.flags = F_RO,
		.max = 128
	},
	{
		.name = "created_at",
		.type = FT_TIME,
		.off = offsetof(struct session, created_at),
		.flags = F_RO
	},
	{
		.name = "expires_at",
		.type = FT_TIME,
		.off = offsetof(struct session, expires_at),
		.flags = F_RO
	},
	{
		.name = "seen_at",
		.type = FT_TIME,
		.off = offsetof(struct session, seen_at),
		.flags = F_RO
	},
	{ .name = NULL }
};
const struct schema session_schema = {
	.name = "session",
	.size = sizeof(struct session),
	.fields = session_fields,
	.version = 1
};
