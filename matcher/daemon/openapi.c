/*
 * openapi.c — the OpenAPI 3 document of the API, made from what the daemon
 * runs: every route of the routes table, with the roles that may call it,
 * and every record as a JSON Schema derived from the field tables that
 * validate it, and the error codes of the errors table.  It cannot drift
 * from the code; docs/openapi.json is this document as `iodd --openapi`
 * prints it, and the tests check they agree.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

static json_t	*schema_of(const struct schema *);

static json_t *
names_enum(const char *const *names)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; names[i] != NULL; i++)
		json_array_append_new(a, json_string(names[i]));
	return (a);
}

static json_t *
field_schema(const struct field *f)
{
	json_t	*j;

	switch (f->type) {
	case FT_ID:
	case FT_REF:
		j = json_pack("{s:s, s:i}", "type", "integer", "minimum", 1);
		break;
	case FT_STR:
		j = json_pack("{s:s, s:I}", "type", "string", "maxLength",
		    (json_int_t)f->max);
		if (f->min > 0)
			json_object_set_new(j, "minLength",
			    json_integer(f->min));
		break;
	case FT_INT:
		j = json_pack("{s:s}", "type", "integer");
		if (f->min != 0 || f->max != 0) {
			json_object_set_new(j, "minimum", json_integer(f->min));
			json_object_set_new(j, "maximum", json_integer(f->max));
		}
		break;
	case FT_BOOL:
		j = json_pack("{s:s}", "type", "boolean");
		break;
	case FT_DATE:
		j = json_pack("{s:s, s:s}", "type", "string", "format", "date");
		break;
	case FT_TIME:
		j = json_pack("{s:s, s:s}", "type", "integer", "description",
		    "unix seconds");
		break;
	case FT_ENUM:
		j = json_pack("{s:s, s:o}", "type", "string", "enum",
		    names_enum(f->names));
		break;
	case FT_SET:
		j = json_pack("{s:s, s:b, s:{s:s, s:o}}", "type", "array",
		    "uniqueItems", 1, "items", "type", "string", "enum",
		    names_enum(f->names));
		break;
	case FT_STRV:
		j = json_pack("{s:s, s:I, s:I, s:{s:s}}", "type", "array",
		    "minItems", (json_int_t)f->min, "maxItems",
		    (json_int_t)f->max, "items", "type", "string");
		break;
	case FT_OBJ:
		j = schema_of(f->sub);
		break;
	case FT_OBJV:
		j = json_pack("{s:s, s:I, s:o}", "type", "array", "maxItems",
		    (json_int_t)f->max, "items", schema_of(f->sub));
		break;
	default:
		j = json_object();
	}
	if (f->flags & F_RO)
		json_object_set_new(j, "readOnly", json_true());
	if (f->flags & F_NULLABLE)
		json_object_set_new(j, "nullable", json_true());
	return (j);
}

static json_t *
schema_of(const struct schema *sc)
{
	const struct field	*f;
	json_t			*props = json_object(), *req = json_array();
	json_t			*j;
	char			 keys[2][LABEL_KEY_MAX];
	int			 i, n;

	for (f = sc->fields; f->name != NULL; f++) {
		json_object_set_new(props, f->name, field_schema(f));
		/* Its names beside it (label.c): read-only. */
		for (i = 0, n = label_keys(f, keys); i < n; i++)
			json_object_set_new(props, keys[i], f->type == FT_STRV ?
			    json_pack("{s:s, s:{s:s, s:b}, s:b}", "type",
			    "array", "items", "type", "string", "nullable", 1,
			    "readOnly", 1) : json_pack("{s:s, s:b, s:b}", "type",
			    "string", "nullable", 1, "readOnly", 1));
		if (f->flags & F_REQUIRED)
			json_array_append_new(req, json_string(f->name));
	}
	j = json_pack("{s:s, s:o, s:b}", "type", "object", "properties", props,
	    "additionalProperties", 0);
	if (json_array_size(req) > 0)
		json_object_set_new(j, "required", req);
	else
		json_decref(req);
	return (j);
}

/* The record a path is about, by its first segment after /v1/ (the
 * resource table's); not a token, whose reply carries its secret too. */
static const char *
record_of(const char *path)
{
	const struct resource	*res = api_resource(path);

	if (res == NULL || res->schema == NULL || res->db == DB_TOKENS)
		return (NULL);
	return (res->entity);
}

/* The codes of the errors table (errors.c), in its order. */
static json_t *
error_codes(void)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; i < ERR__N; i++)
		json_array_append_new(a, json_string(err_table[i].code));
	return (a);
}

static json_t *
ref(const char *name)
{
	char	buf[96];

	snprintf(buf, sizeof(buf), "#/components/schemas/%s", name);
	return (json_pack("{s:s}", "$ref", buf));
}

/* A header parameter of a conditional request (etag.c). */
static json_t *
etag_param(const char *name, const char *what)
{
	return (json_pack("{s:s, s:s, s:b, s:s, s:{s:s}}", "name", name, "in",
	    "header", "required", 0, "description", what, "schema", "type",
	    "string"));
}

/* The ETag and preconditions of the routes of one record (etag.c). */
static void
etag_doc(const struct route *r, json_t *op, json_t *params)
{
	json_t	*ok;

	if (r->handler == api_put || r->handler == api_patch ||
	    r->handler == api_delete)
		json_array_append_new(params, etag_param("If-Match",
		    "the ETag (or a list of them, or *) the change was made "
		    "against: if the record's is none of them, 412 "
		    "precondition_failed and nothing changes"));
	if (r->handler == api_get) {
		json_array_append_new(params, etag_param("If-None-Match",
		    "an ETag read before: 304 with no body if it is still "
		    "the record's"));
		json_object_set_new(json_object_get(op, "responses"), "304",
		    json_pack("{s:s}", "description", "not modified"));
	}
	if (r->handler == api_get || r->handler == api_put ||
	    r->handler == api_patch || r->handler == api_create) {
		ok = json_object_get(json_object_get(op, "responses"),
		    r->handler == api_create ? "201" : "200");
		json_object_set_new(ok, "headers", json_pack("{s:{s:s, "
		    "s:{s:s}}}", "ETag", "description", "the record's ETag, "
		    "for If-Match and If-None-Match", "schema", "type",
		    "string"));
	}
}

static json_t *
operation(const struct route *r)
{
	const char	*rec = record_of(r->path);
	json_t		*op, *roles, *params, *body, *ok;
	char		 summary[160], opid[160];
	size_t		 i, n;
	int		 k;

	snprintf(summary, sizeof(summary), "%s %s", r->method, r->path);
	for (i = 0, n = 0; summary[i] != '\0' && n + 1 < sizeof(opid); i++)
		opid[n++] = isalnum((unsigned char)summary[i]) ? summary[i] : '_';
	opid[n] = '\0';
	roles = json_array();
	for (k = 0; k < ROLE__N; k++)
		if (r->roles & (1u << k))
			json_array_append_new(roles, json_string(role_names[k]));
	params = json_array();
	if (strstr(r->path, "{id}") != NULL)
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, "
		    "s:{s:s, s:i}}", "name", "id", "in", "path", "required", 1,
		    "schema", "type", "integer", "minimum", 1));
	if (strstr(r->path, "{name}") != NULL)
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, "
		    "s:{s:s, s:s}}", "name", "name", "in", "path", "required", 1,
		    "schema", "type", "string", "pattern", "^[a-z0-9-]{1,64}$"));
	ok = rec != NULL && strchr(r->path, ':') == NULL &&
	    strcmp(r->method, "DELETE") != 0 && strstr(r->path, "/{id}/") ==
	    NULL && (strstr(r->path, "{id}") != NULL ||
	    strcmp(r->method, "POST") == 0) ? ref(rec) :
	    json_pack("{s:s}", "type", "object");
	op = json_pack("{s:s, s:s, s:o, s:{s:{s:s, s:{s:{s:o}}}, "
	    "s:{s:s, s:{s:{s:{s:s}}}}}}",
	    "summary", summary, "operationId", opid, "x-roles", roles,
	    "responses",
	    strcmp(r->method, "DELETE") == 0 ? "204" :
	    strcmp(r->method, "POST") == 0 && rec != NULL &&
	    strchr(r->path, ':') == NULL && strstr(r->path, "/{id}/") == NULL ?
	    "201" : "200",
	    "description", "success", "content", "application/json",
	    "schema", ok,
	    "default", "description", "an error: {error: {code, field, "
	    "message}}", "content", "application/json", "schema", "$ref",
	    "#/components/schemas/error");
	etag_doc(r, op, params);
	if (json_array_size(params) > 0)
		json_object_set_new(op, "parameters", params);
	else
		json_decref(params);
	if (r->roles != R_PUBLIC)
		json_object_set_new(op, "security", json_pack("[{s:[]}]",
		    "bearer"));
	if (r->max_body > 0) {
		if (r->flags & RT_MERGE)
			body = json_pack("{s:{s:{s:s, s:s}}, s:{s:{s:s}}}",
			    "application/merge-patch+json", "schema", "type",
			    "object", "description", "the members to change "
			    "(RFC 7396): null removes one, an object is merged, "
			    "anything else replaces it",
			    "application/msgpack", "schema", "type", "object");
		else if (r->flags & RT_RAW)
			body = json_pack("{s:{s:{s:s}}}", strstr(r->path,
			    ":import") != NULL ? "text/csv" :
			    "application/yaml", "schema", "type", "string");
		else if (rec != NULL && strstr(r->path, ":batch") != NULL)
			body = json_pack("{s:{s:{s:s, s:i, s:o}}}",
			    "application/json", "schema", "type", "array",
			    "maxItems", 10000, "items", ref(rec));
		else if (rec != NULL && strstr(r->path, "/{id}/") == NULL &&
		    strcmp(rec, "proposal") != 0)
			body = json_pack("{s:{s:o}}", "application/json",
			    "schema", ref(rec));
		else
			body = json_pack("{s:{s:{s:s}}}", "application/json",
			    "schema", "type", "object");
		json_object_set_new(op, "requestBody", json_pack("{s:b, s:o}",
		    "required", !(r->flags & RT_OPTBODY), "content", body));
	}
	return (op);
}

json_t *
openapi_document(void)
{
	const struct resource	*res;
	const struct route	*r;
	json_t			*paths = json_object(), *item, *schemas;
	char			 method[16];
	int			 i;

	for (r = routes; r->method != NULL; r++) {
		if ((item = json_object_get(paths, r->path)) == NULL) {
			item = json_object();
			json_object_set_new(paths, r->path, item);
		}
		for (i = 0; r->method[i] != '\0' && i < 15; i++)
			method[i] = (char)tolower((unsigned char)r->method[i]);
		method[i] = '\0';
		json_object_set_new(item, method, operation(r));
	}
	schemas = json_object();
	for (res = resources; res->name != NULL; res++)
		if (res->schema != NULL)
			json_object_set_new(schemas, res->entity,
			    schema_of(res->schema));
	json_object_set_new(schemas, "error", json_pack("{s:s, s:[s], "
	    "s:{s:{s:s, s:[s,s,s], s:{s:{s:s, s:o}, s:{s:s, s:b}, "
	    "s:{s:s}}}}}",
	    "type", "object", "required", "error", "properties", "error",
	    "type", "object", "required", "code", "field", "message",
	    "properties", "code", "type", "string", "enum", error_codes(),
	    "field", "type", "string", "nullable", 1, "message", "type",
	    "string"));
	return (json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:o, "
	    "s:{s:o, s:{s:{s:s, s:s}}}}",
	    "openapi", "3.0.3",
	    "info", "title", "iod", "version", "1",
	    "description", "Candidate-offer matching for the IOD method.",
	    "servers", "url", "http://127.0.0.1:8080",
	    "paths", paths,
	    "components", "schemas", schemas, "securitySchemes", "bearer",
	    "type", "http", "scheme", "bearer"));
}

int
api_openapi(struct reqctx *ctx)
{
	return (http_reply(ctx, 200, openapi_document()));
}
