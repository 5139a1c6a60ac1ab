/*
 * demo.c — the demo dataset that `make run` starts with (referents,
 * companies, offers, candidates from a directory of JSON files), seeded
 * into an empty store through the same creation and checks as the API's
 * (api_record_create), and its accounts (account_create), in one
 * transaction: a bad demo file leaves the store empty.  It does not own
 * the records' rules (records.c) nor the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

/*
 * The demo's accounts (DIR/accounts.json, if there is one): each with its
 * login, role, scope, name and the argon2id hash of its demo password
 * (the README says which), so that `make run` can be signed into.
 */
static int
demo_accounts(struct dctx *dc, const char *dir, char **cause)
{
	struct account	 a;
	json_error_t	 err;
	json_t		*arr, *item, *rec, *h;
	char		*path;
	size_t		 i;
	int		 rc = 0;

	if (asprintf(&path, "%s/accounts.json", dir) == -1)
		return (IOD_ENOMEM);
	if (access(path, F_OK) != 0) {
		free(path);
		return (0);
	}
	if ((arr = json_load_file(path, 0, &err)) == NULL ||
	    !json_is_array(arr)) {
		if (asprintf(cause, "%s:%d: %s", path, err.line,
		    arr == NULL ? err.text : "not an array") == -1)
			*cause = NULL;
		rc = IOD_EINVAL;
	}
	json_array_foreach(arr, i, item) {
		memset(&a, 0, sizeof(a));
		h = json_object_get(item, "password_hash");
		rec = json_deep_copy(item);
		json_object_del(rec, "password_hash");
		if (!json_is_string(h))
			derr_set(&dc->err, ERR_INVALID, "password_hash",
			    "password_hash is required");
		else if (derr_decode(&dc->err, &account_schema, rec, &a) == 0 &&
		    (a.password_hash = strdup(json_string_value(h))) != NULL &&
		    account_create(dc, &a) == 0)
			h = NULL;	/* created */
		json_decref(rec);
		rec_clear(&account_schema, &a);
		if (h == NULL)
			continue;
		if (asprintf(cause, "%s: item %zu: %s", path, i,
		    dc->err.message) == -1)
			*cause = NULL;
		rc = IOD_EINVAL;
		break;
	}
	json_decref(arr);
	free(path);
	return (rc);
}

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
	if (rc == 0)
		rc = demo_accounts(&dc, dir, cause);
	if (rc != 0) {
		store_abort(&t);
		return (rc);
	}
	return (store_commit(&t));
}
