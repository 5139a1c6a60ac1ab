/*
 * field.c — reading a reply's fields for the tables: a string, a number or
 * a nested value by its dotted path ("job.offer_title"), absent or null
 * read as "" or 0, so that a field a role does not see, or a daemon that
 * does not send it yet, leaves a cell empty rather than failing.  It
 * changes nothing and owns nothing it returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

json_t *
field_get(json_t *o, const char *path)
{
	const char	*dot;
	char		 key[64];
	size_t		 len;

	while (o != NULL && (dot = strchr(path, '.')) != NULL) {
		len = (size_t)(dot - path);
		if (len >= sizeof(key))
			return (NULL);
		memcpy(key, path, len);
		key[len] = '\0';
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return (o != NULL ? json_object_get(o, path) : NULL);
}

const char *
field_str(json_t *o, const char *path)
{
	const char	*s = json_string_value(field_get(o, path));

	return (s != NULL ? s : "");
}

json_int_t
field_int(json_t *o, const char *path)
{
	return (json_integer_value(field_get(o, path)));
}

char *
field_num(json_t *o, const char *path)
{
	json_t	*v = field_get(o, path);

	if (!json_is_integer(v))
		return (xasprintf("%s", ""));
	return (xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v)));
}
