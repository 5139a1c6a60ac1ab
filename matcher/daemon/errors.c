/*
 * errors.c — the one table of the API's errors: for each enum err_code,
 * the code string clients see, the HTTP status, the meaning in English and
 * in French.  The dispatcher answers every error through it; `iodd
 * --errors` prints it as the README's table, GET /v1/errors serves it to
 * the console, and the OpenAPI document lists it.
 */
#include <stdio.h>
#include <string.h>

#include "daemon.h"

const struct err_entry err_table[ERR__N] = {
	[ERR_INVALID] = {
		.code = "invalid",
		.status = 400,
		.meaning = "a field's value is refused: the field and what was expected are named",
		.fr = "Valeur refusée."
	},
	[ERR_BAD_JSON] = {
		.code = "bad_json",
		.status = 400,
		.meaning = "the body is not valid JSON",
		.fr = "Requête mal formée."
	},
	[ERR_BAD_BODY] = {
		.code = "bad_body",
		.status = 400,
		.meaning = "the body is not one well-formed msgpack value, or not of the expected shape",
		.fr = "Requête mal formée."
	},
	[ERR_INCOMPLETE_BODY] = {
		.code = "incomplete_body",
		.status = 400,
		.meaning = "the connection closed before the whole body came",
		.fr = "Requête incomplète."
	},
	[ERR_MISSING_BODY] = {
		.code = "missing_body",
		.status = 400,
		.meaning = "this route needs a body",
		.fr = "Requête incomplète."
	},
	[ERR_UNEXPECTED_BODY] = {
		.code = "unexpected_body",
		.status = 400,
		.meaning = "this route takes no body",
		.fr = "Requête mal formée."
	},
	[ERR_BAD_PATH] = {
		.code = "bad_path",
		.status = 400,
		.meaning = "the path is malformed",
		.fr = "Adresse mal formée."
	},
	[ERR_BAD_QUERY] = {
		.code = "bad_query",
		.status = 400,
		.meaning = "a query parameter is malformed, unknown, or names a field the caller may not see",
		.fr = "Critère de recherche refusé."
	},
	[ERR_BAD_HEADER] = {
		.code = "bad_header",
		.status = 400,
		.meaning = "a header line is malformed (folded, a space in its name, a coding given twice)",
		.fr = "Requête mal formée."
	},
	[ERR_BAD_LENGTH] = {
		.code = "bad_length",
		.status = 400,
		.meaning = "the body's length is given twice, or with Transfer-Encoding",
		.fr = "Requête mal formée."
	},
	[ERR_INVALID_RULESET] = {
		.code = "invalid_ruleset",
		.status = 400,
		.meaning = "the rule set is refused: every error is listed with its line and column",
		.fr = "Règle refusée."
	},
	[ERR_UNAUTHORIZED] = {
		.code = "unauthorized",
		.status = 401,
		.meaning = "a bearer token is required; it is unknown, revoked or expired",
		.fr = "Jeton inconnu, révoqué ou expiré."
	},
	[ERR_FORBIDDEN] = {
		.code = "forbidden",
		.status = 403,
		.meaning = "the token's role may not do this",
		.fr = "Ce jeton ne permet pas cette action."
	},
	[ERR_NOT_FOUND] = {
		.code = "not_found",
		.status = 404,
		.meaning = "no such record or resource, or not in the caller's scope",
		.fr = "Introuvable, ou hors de votre périmètre."
	},
	[ERR_METHOD_NOT_ALLOWED] = {
		.code = "method_not_allowed",
		.status = 405,
		.meaning = "the path exists but not with this method",
		.fr = "Action impossible ici."
	},
	[ERR_CONFLICT] = {
		.code = "conflict",
		.status = 409,
		.meaning = "the change conflicts with a stored record",
		.fr = "Conflit avec une donnée enregistrée."
	},
	[ERR_DUPLICATE] = {
		.code = "duplicate",
		.status = 409,
		.meaning = "a record with this key exists already",
		.fr = "Existe déjà."
	},
	[ERR_BAD_TRANSITION] = {
		.code = "bad_transition",
		.status = 409,
		.meaning = "not possible in the record's current state",
		.fr = "Impossible dans l’état actuel."
	},
	[ERR_HAS_CANDIDATES] = {
		.code = "has_candidates",
		.status = 409,
		.meaning = "the référent still follows candidates",
		.fr = "Ce référent suit encore des personnes."
	},
	[ERR_HAS_OFFERS] = {
		.code = "has_offers",
		.status = 409,
		.meaning = "the company still has offers",
		.fr = "Cette entreprise a encore des offres."
	},
	[ERR_HAS_PROPOSAL] = {
		.code = "has_proposal",
		.status = 409,
		.meaning = "a proposal is open for this record",
		.fr = "Une proposition est en cours."
	},
	[ERR_OFFER_HAS_PROPOSAL] = {
		.code = "offer_has_proposal",
		.status = 409,
		.meaning = "the offer has an open proposal: one candidate per offer",
		.fr = "Cette offre a déjà une proposition en cours : une seule personne par offre."
	},
	[ERR_OFFER_NOT_OPEN] = {
		.code = "offer_not_open",
		.status = 409,
		.meaning = "the offer is not open",
		.fr = "Cette offre n’est pas ouverte."
	},
	[ERR_NO_RULESET] = {
		.code = "no_ruleset",
		.status = 409,
		.meaning = "the offer's rule set is not in force",
		.fr = "La règle de cette offre n’est plus en vigueur."
	},
	[ERR_NO_WORKSTATION_VISIT] = {
		.code = "no_workstation_visit",
		.status = 409,
		.meaning = "the rule set asks for a workstation visit before any proposal",
		.fr = "La règle demande une visite du poste de travail avant toute proposition."
	},
	[ERR_NOT_DUE] = {
		.code = "not_due",
		.status = 409,
		.meaning = "the appointment is not due yet",
		.fr = "Ce rendez-vous n’a pas encore eu lieu."
	},
	[ERR_NO_OFFER] = {
		.code = "no_offer",
		.status = 409,
		.meaning = "the proposal's offer is gone",
		.fr = "L’offre de cette proposition n’existe plus."
	},
	[ERR_NOT_PAUSED] = {
		.code = "not_paused",
		.status = 409,
		.meaning = "the webhook is not paused",
		.fr = "Ce webhook n’est pas suspendu."
	},
	[ERR_TOO_MANY_WEBHOOKS] = {
		.code = "too_many_webhooks",
		.status = 409,
		.meaning = "the number of webhooks is at its limit",
		.fr = "Trop de webhooks."
	},
	[ERR_ERASED] = {
		.code = "erased",
		.status = 410,
		.meaning = "the person was erased at their request",
		.fr = "Cette personne a été effacée à sa demande."
	},
	[ERR_PRECONDITION_FAILED] = {
		.code = "precondition_failed",
		.status = 412,
		.meaning = "the record changed since the ETag given in If-Match was read: read it again",
		.fr = "Cette fiche a été modifiée entre-temps par quelqu’un d’autre : rechargez-la avant de l’enregistrer."
	},
	[ERR_BODY_TOO_LARGE] = {
		.code = "body_too_large",
		.status = 413,
		.meaning = "the body is over the route's limit",
		.fr = "Envoi trop volumineux."
	},
	[ERR_BATCH_TOO_LARGE] = {
		.code = "batch_too_large",
		.status = 413,
		.meaning = "the batch has more items than the limit",
		.fr = "Lot trop grand."
	},
	[ERR_ITEM_TOO_LARGE] = {
		.code = "item_too_large",
		.status = 413,
		.meaning = "an item of a batch has more values than a record (refused in the batch's reply)",
		.fr = "Élément du lot trop volumineux."
	},
	[ERR_UNSUPPORTED_MEDIA_TYPE] = {
		.code = "unsupported_media_type",
		.status = 415,
		.meaning = "the Content-Type is neither application/json nor application/msgpack (PATCH: application/merge-patch+json or application/msgpack)",
		.fr = "Format refusé."
	},
	[ERR_TOO_MANY_REQUESTS] = {
		.code = "too_many_requests",
		.status = 429,
		.meaning = "the token made too many requests this minute (see Retry-After)",
		.fr = "Trop de requêtes : réessayez dans une minute."
	},
	[ERR_TOO_MANY_STREAMS] = {
		.code = "too_many_streams",
		.status = 429,
		.meaning = "the token holds as many event streams as it may",
		.fr = "Trop de flux ouverts."
	},
	[ERR_HEADERS_TOO_LARGE] = {
		.code = "headers_too_large",
		.status = 431,
		.meaning = "the request's head is over the limit",
		.fr = "Requête trop longue."
	},
	[ERR_STORE_ERROR] = {
		.code = "store_error",
		.status = 500,
		.meaning = "the store failed",
		.fr = "Erreur du serveur."
	},
	[ERR_READ_ERROR] = {
		.code = "read_error",
		.status = 500,
		.meaning = "a stored record could not be read",
		.fr = "Erreur du serveur."
	},
	[ERR_BACKUP_FAILED] = {
		.code = "backup_failed",
		.status = 500,
		.meaning = "the backup could not be written",
		.fr = "La sauvegarde a échoué."
	},
	[ERR_UNSUPPORTED_ENCODING] = {
		.code = "unsupported_encoding",
		.status = 501,
		.meaning = "a Transfer-Encoding other than chunked",
		.fr = "Format refusé."
	},
	[ERR_NO_MEMORY] = {
		.code = "no_memory",
		.status = 503,
		.meaning = "the server is out of memory for now",
		.fr = "Le serveur est occupé : réessayez."
	},
	[ERR_STORE_BUSY] = {
		.code = "store_busy",
		.status = 503,
		.meaning = "the store cannot be read right now",
		.fr = "Le serveur est occupé : réessayez."
	},
	[ERR_BUSY] = {
		.code = "busy",
		.status = 503,
		.meaning = "the server is at a limit (connections, streams, buffered bodies, passwords waiting to be checked); see Retry-After",
		.fr = "Le serveur est occupé : réessayez."
	},
	[ERR_UNAVAILABLE] = {
		.code = "unavailable",
		.status = 503,
		.meaning = "the service is not available for now",
		.fr = "Service indisponible."
	},
	[ERR_STORE_FULL] = {
		.code = "store_full",
		.status = 507,
		.meaning = "the store reached its size limit, or the disk is full",
		.fr = "Le stockage est plein : prévenez l’exploitant."
	},
	[ERR_BAD_CREDENTIALS] = {
		.code = "bad_credentials",
		.status = 401,
		.meaning = "the login or the password is wrong (the reply does not say which)",
		.fr = "Identifiant ou mot de passe incorrect."
	},
	[ERR_ACCOUNT_LOCKED] = {
		.code = "account_locked",
		.status = 429,
		.meaning = "too many failed sign-ins in a row: the account is locked for a while (Retry-After)",
		.fr = "Trop d’essais infructueux : le compte est bloqué quelques minutes."
	},
	[ERR_TOO_MANY_SIGN_INS] = {
		.code = "too_many_sign_ins",
		.status = 429,
		.meaning = "too many sign-ins from this client address this minute (see Retry-After)",
		.fr = "Trop de tentatives de connexion : réessayez dans une minute."
	},
	[ERR_CSRF] = {
		.code = "csrf_failed",
		.status = 403,
		.meaning = "a write signed in by the session cookie lacks the session's X-CSRF-Token",
		.fr = "La page a expiré : rechargez-la et recommencez."
	},
};

const struct err_entry *
err_entry(enum err_code code)
{
	if ((unsigned)code >= ERR__N)
		code = ERR_STORE_ERROR;
	return (&err_table[code]);
}

int
err_by_name(const char *code)
{
	int	i;

	for (i = 0; i < ERR__N; i++)
		if (strcmp(err_table[i].code, code) == 0)
			return (i);
	return (-1);
}

json_t *
err_table_json(void)
{
	json_t	*a;
	int	 i;

	if ((a = json_array()) == NULL)
		return (NULL);
	for (i = 0; i < ERR__N; i++)
		json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:s}",
		    "code", err_table[i].code, "status", err_table[i].status,
		    "meaning", err_table[i].meaning, "fr", err_table[i].fr));
	return (a);
}

void
err_table_markdown(FILE *f)
{
	int	i;

	fprintf(f, "| code | status | meaning |\n| --- | --- | --- |\n");
	for (i = 0; i < ERR__N; i++)
		fprintf(f, "| `%s` | %d | %s |\n", err_table[i].code,
		    err_table[i].status, err_table[i].meaning);
}
