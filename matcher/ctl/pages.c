/*
 * pages.c — every page of a list: GET path?query&limit=1000, then each
 * next_cursor in turn, the items gathered in one array.  A list the
 * daemon pages never stops at its first page here.  The printing is the
 * commands'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int
pages_fetch(struct client *c, const char *what, const char *path,
    const char *query, json_t *items)
{
	struct reply	 r;
	json_t		*page, *next;
	char		*uri, *cursor = NULL, *enc;
	int		 rc = 0;

	for (;;) {
		enc = cursor != NULL ? client_encode(cursor, -1) : NULL;
		uri = xasprintf("%s?limit=%d%s%s%s%s", path, LIST_PAGE_ALL,
		    *query != '\0' ? "&" : "", query, enc != NULL ?
		    "&cursor=" : "", enc != NULL ? enc : "");
		free(enc);
		rc = client_call(c, what, CLIENT_GET, uri, NULL, &r);
		free(uri);
		if (rc != 0)
			break;
		page = json_object_get(r.json, "items");
		if (!json_is_array(page)) {
			iodctl_warn("%s: the reply has no \"items\" array",
			    what);
			client_reply_clear(&r);
			rc = EXIT_SERVER;
			break;
		}
		json_array_extend(items, page);
		next = json_object_get(r.json, "next_cursor");
		if (!json_is_string(next) || *json_string_value(next) ==
		    '\0') {
			client_reply_clear(&r);
			break;
		}
		if (cursor != NULL && strcmp(cursor, json_string_value(next))
		    == 0) {
			iodctl_warn("%s: the server returned the same cursor "
			    "twice", what);
			client_reply_clear(&r);
			rc = EXIT_SERVER;
			break;
		}
		free(cursor);
		cursor = xasprintf("%s", json_string_value(next));
		client_reply_clear(&r);
	}
	free(cursor);
	return (rc);
}
