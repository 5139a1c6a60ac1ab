/*
 * rulesets.c — the rule sets in force.  Several named rule sets are active
 * at once; each activation of a changed text is stored in DB_RULESETS
 * under (name, version) and the current version in DB_META, so every
 * proposal can record the name and version that made it.  A new rule set
 * is compiled aside and swapped in whole; a bad one is refused and the old
 * one goes on serving.  Compiling is rules/' business.
 */
#include <stdlib.h>
#include <string.h>

#include "matcher.h"
#include "rules.h"

static struct active	*actives;
static char		*default_name;

static size_t
meta_key(uint8_t *k, size_t cap, const char *name)
{
	return (key_idx_str(k, cap, 'r', name));
}

static size_t
version_key(uint8_t *k, size_t cap, const char *name, uint64_t version)
{
	size_t	len = key_idx_str(k, cap - 8, 'v', name);

	return (len + key_u64(k + len, version));
}

struct active *
rulesets_find(const char *name)
{
	struct active	*a;

	if (name == NULL)
		name = default_name;
	for (a = actives; a != NULL; a = a->next)
		if (strcmp(a->name, name) == 0)
			return (a);
	return (NULL);
}

struct active *
rulesets_first(void)
{
	return (actives);
}

const char *
rulesets_default(void)
{
	return (default_name);
}

int
rulesets_set_default(const char *name)
{
	free(default_name);
	return ((default_name = strdup(name)) == NULL ? IOD_ENOMEM : 0);
}

/*
 * Put the compiled rule set rs in force (rulesets_install takes it, in
 * success or failure).  If its text differs from the stored current
 * version of its name, the text is stored as the next version.  The swap
 * happens before the commit: a failed commit makes the daemon rebuild.
 */
int
rulesets_install(struct txn *t, struct ruleset *rs, uint64_t *version)
{
	struct active	*a;
	uint8_t		 k[300], v[8];
	const void	*cur, *old;
	size_t		 klen, curlen, oldlen;
	uint64_t	 ver = 0;
	json_t		*data;

	klen = meta_key(k, sizeof(k), rs->name);
	if (store_get(t, DB_META, k, klen, &cur, &curlen) == 0 && curlen == 8)
		ver = key_get_u64(cur);
	klen = version_key(k, sizeof(k), rs->name, ver);
	if (ver == 0 || store_get(t, DB_RULESETS, k, klen, &old, &oldlen) != 0 ||
	    oldlen != rs->sourcelen || memcmp(old, rs->source, oldlen) != 0) {
		ver++;
		klen = version_key(k, sizeof(k), rs->name, ver);
		store_put(t, DB_RULESETS, k, klen, rs->source, rs->sourcelen);
		klen = meta_key(k, sizeof(k), rs->name);
		store_put(t, DB_META, k, klen, v, key_u64(v, ver));
		data = json_pack("{s:s}", "name", rs->name);
		event_append(t, "ruleset.activated", "ruleset", ver, "iodd",
		    data);
		json_decref(data);
	}
	if (t->rc != 0) {
		ruleset_free(rs);
		return (t->rc);
	}
	if ((a = rulesets_find(rs->name)) == NULL) {
		if ((a = calloc(1, sizeof(*a))) == NULL ||
		    (a->name = strdup(rs->name)) == NULL) {
			free(a);
			ruleset_free(rs);
			return (IOD_ENOMEM);
		}
		a->next = actives;
		actives = a;
	} else if (a->rs != NULL) {
		index_forget_ruleset(a->rs);
		ruleset_free(a->rs);
	}
	a->rs = rs;
	a->version = ver;
	if (default_name == NULL)
		rulesets_set_default(rs->name);
	*version = ver;
	return (0);
}

json_t *
rulesets_json(const struct active *a, int with_source)
{
	const struct ruleset	*rs = a->rs;
	json_t			*j;

	j = json_pack("{s:s, s:I, s:b, s:s?, s:s?}", "name", a->name,
	    "version", (json_int_t)a->version, "default",
	    default_name != NULL && strcmp(default_name, a->name) == 0,
	    "description", rs->description, "territories",
	    rs->territories_file);
	if (with_source)
		json_object_set_new(j, "source", json_stringn(rs->source,
		    rs->sourcelen));
	return (j);
}

void
rulesets_free(void)
{
	struct active	*a;

	while ((a = actives) != NULL) {
		actives = a->next;
		ruleset_free(a->rs);
		free(a->name);
		free(a);
	}
	free(default_name);
	default_name = NULL;
}
