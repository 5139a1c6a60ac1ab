/*
 * error.c — how the domain says what went wrong: an enum err_code, the
 * field, and a message naming the value and what was expected, in a
 * struct derr the caller answers with.  The daemon alone maps a code to an
 * HTTP status (daemon/errors.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

int
derr_set(struct derr *e, enum err_code code, const char *field,
    const char *fmt, ...)
{
	va_list	ap;

	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field != NULL ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	e->message[utf8_cut(e->message, strlen(e->message))] = '\0';
	e->field[utf8_cut(e->field, strlen(e->field))] = '\0';
	return (-1);
}

int
derr_decode(struct derr *e, const struct schema *sc, json_t *j, void *rec)
{
	char	*field = NULL, *cause = NULL;
	json_t	*empty = NULL;
	int	 rc;

	if (j == NULL && (j = empty = json_object()) == NULL)
		return (derr_set(e, ERR_NO_MEMORY, NULL, "out of memory"));
	rc = rec_from_json(sc, rec, j, &field, &cause);
	json_decref(empty);
	if (rc == 0)
		return (0);
	if (rc == IOD_ENOMEM || cause == NULL)
		derr_set(e, ERR_NO_MEMORY, NULL, "out of memory");
	else
		derr_set(e, ERR_INVALID, field, "%s", cause);
	free(field);
	free(cause);
	return (-1);
}

int
derr_store(struct derr *e, int rc)
{
	switch (rc) {
	case IOD_ENOTFOUND:
		return (derr_set(e, ERR_NOT_FOUND, NULL, "not found"));
	case IOD_ECONFLICT:
		return (derr_set(e, ERR_CONFLICT, NULL, "conflict"));
	case IOD_EMAPFULL:
		return (derr_set(e, ERR_STORE_FULL, NULL,
		    "the store reached its size limit"));
	case IOD_ENOSPC:
		return (derr_set(e, ERR_STORE_FULL, NULL,
		    "no room left on the store's disk"));
	case IOD_ENOMEM:
		return (derr_set(e, ERR_NO_MEMORY, NULL, "out of memory"));
	default:
		return (derr_set(e, ERR_STORE_ERROR, NULL, "%s",
		    iod_strerror(rc)));
	}
}
