/*
 * records-admin.c — the records an admin manages, as tables: API tokens
 * (a role and its scope; the secret is never stored, only its hash, as
 * the key) and webhooks (a receiver's URL, the scope it acts for, its
 * secret and its cursor into the event log), with the roles' wire names.
 * Looking tokens up is auth.c's, delivering webhooks.c's; the codecs in
 * schema.c walk these tables.
 */
#include <stddef.h>
#include <stdio.h>

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
