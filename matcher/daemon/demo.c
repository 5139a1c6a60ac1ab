/*
 * demo.c — the demo dataset that `make run` starts with (referents,
 * companies, offers, candidates from a directory of JSON files), seeded
 * into an empty store through the same creation and checks as the API's
 * (api_record_create), in one transaction: a bad demo file leaves the
 * store empty.  It does not own the records' rules (records.c) nor the
 * store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

int
api_load_demo(const char *dir, char **cause)
{
	static const char *const order[] = { "referents", "companies",
	    "offers", "candidates", NULL };
	const struct resource	*res;
	struct dctx		 dc;
	struct txn		 t;
	json_error_t		 err;
	json_t			*arr, *item;
	char			*path, route[64];
	uint64_t		 id;
	size_t			 i;
	int			 n, rc = 0;

	*cause = NULL;
	if ((rc = store_begin(srv->st, &t, 1, NULL)) != 0)
		return (rc);
	if (store_count(&t, DB_COMPANIES) + store_count(&t, DB_CANDIDATES) > 0) {
		store_abort(&t);
		return (0);	/* not an empty store: nothing to seed */
	}
	memset(&dc, 0, sizeof(dc));
	dc.txn = &t;
	dc.actor = "demo";
	for (n = 0; order[n] != NULL && rc == 0; n++) {
		snprintf(route, sizeof(route), "/v1/%s", order[n]);
		res = api_resource(route);
		if (asprintf(&path, "%s/%s.json", dir, order[n]) == -1) {
			store_abort(&t);
			return (IOD_ENOMEM);
		}
		if ((arr = json_load_file(path, 0, &err)) == NULL ||
		    !json_is_array(arr)) {
			if (asprintf(cause, "%s:%d: %s", path, err.line,
			    arr == NULL ? err.text : "not an array") == -1)
				*cause = NULL;
			rc = IOD_EINVAL;
		}
		json_array_foreach(arr, i, item) {
			if (api_record_create(&dc, res, item, &id, NULL) == 0)
				continue;
			if (asprintf(cause, "%s: item %zu: %s", path, i,
			    dc.err.message) == -1)
				*cause = NULL;
			rc = IOD_EINVAL;
			break;
		}
		json_decref(arr);
		free(path);
	}
	if (rc != 0) {
		store_abort(&t);
		return (rc);
	}
	return (store_commit(&t));
}
