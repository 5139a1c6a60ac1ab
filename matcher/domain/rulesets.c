/*
 * rulesets.c — the rule sets in force.  Several named rule sets are active
 * at once; each activation of a changed text is stored in DB_RULESETS
 * under (name, version), with where it came from (a file, or the API: who
 * and when), and the current version in DB_META, so every proposal can
 * record the name and version that made it.
 *
 * The store is the source of truth: at start, the versions in force are
 * its current ones.  A configured file is activated (at start or on
 * SIGHUP) only when its text changed since it was last activated from
 * that file, whose hash DB_META keeps; so a version put through the API
 * stays in force until the file itself changes, and a file that then
 * replaces it says so in the log.  A new rule set is compiled aside and
 * swapped in whole; a bad one is refused and the old one goes on serving.
 * Compiling is rules/' business.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "domain.h"
#include "rules.h"

#define HASH_LEN	crypto_generichash_BYTES	/* 32 */
#define WORDS_LEN	512	/* where a version came from, in a log line */

static struct active	*actives;
static char		*default_name;
static const char	*refdir;	/* reference data, for compiling */

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

/* Where version came from, in DB_RULESETS beside its text. */
static size_t
origin_key(uint8_t *k, size_t cap, const char *name, uint64_t version)
{
	size_t	len = key_idx_str(k, cap - 8, 'o', name);

	return (len + key_u64(k + len, version));
}

/* The file last activated: its text's hash and the version it gave. */
static size_t
file_key(uint8_t *k, size_t cap, const char *name)
{
	return (key_idx_str(k, cap, 'f', name));
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

void
rulesets_set_refdir(const char *dir)
{
	refdir = dir;
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

const char *
rulesets_territory(const char *insee)
{
	struct active	*a = rulesets_find(NULL);

	if (a == NULL || a->rs == NULL)
		return (NULL);
	return (ruleset_territory_name(a->rs, ruleset_territory_of(a->rs,
	    insee)));
}

int
rulesets_set_default(const char *name)
{
	free(default_name);
	return ((default_name = strdup(name)) == NULL ? IOD_ENOMEM : 0);
}

/* The current version of name in the store, 0 if none; its text. */
static uint64_t
current(struct txn *t, const char *name, const void **text, size_t *len)
{
	uint8_t		 k[300];
	const void	*v;
	size_t		 klen, vlen;
	uint64_t	 ver;

	*text = NULL;
	*len = 0;
	klen = meta_key(k, sizeof(k), name);
	if (store_get(t, DB_META, k, klen, &v, &vlen) != 0 || vlen != 8)
		return (0);
	ver = key_get_u64(v);
	klen = version_key(k, sizeof(k), name, ver);
	if (store_get(t, DB_RULESETS, k, klen, text, len) != 0)
		*text = NULL;
	return (ver);
}

/* Where version of name came from; NULL if not recorded (caller decrefs). */
static json_t *
origin_get(struct txn *t, const char *name, uint64_t version)
{
	uint8_t		 k[300];
	const void	*v;
	size_t		 klen, vlen;

	klen = origin_key(k, sizeof(k), name, version);
	if (store_get(t, DB_RULESETS, k, klen, &v, &vlen) != 0)
		return (NULL);
	return (json_loadb(v, vlen, JSON_REJECT_DUPLICATES, NULL));
}

static int
origin_is(const json_t *origin, const char *from)
{
	const char	*s = json_string_value(json_object_get(origin, "from"));

	return (s != NULL && strcmp(s, from) == 0);
}

/* How a log line names where a version came from. */
static void
origin_words(const json_t *origin, char *buf, size_t size)
{
	const char	*who = json_string_value(json_object_get(origin,
			    "actor"));
	const char	*path = json_string_value(json_object_get(origin,
			    "path"));
	time_t		 at = (time_t)json_integer_value(json_object_get(origin,
			    "at"));
	struct tm	 tm;
	char		 when[32] = "";

	if (at != 0 && gmtime_r(&at, &tm) != NULL)
		strftime(when, sizeof(when), " at %Y-%m-%dT%H:%M:%SZ", &tm);
	if (origin_is(origin, "api"))
		snprintf(buf, size, "activated through the API by %s%s",
		    who != NULL ? who : "?", when);
	else if (origin_is(origin, "file"))
		snprintf(buf, size, "activated from %s%s", path != NULL ? path :
		    "a file", when);
	else
		snprintf(buf, size, "of unrecorded origin");
}

/* Put rs in force as version ver (takes rs and origin, in success or
 * failure). */
static int
active_put(struct ruleset *rs, uint64_t ver, json_t *origin)
{
	struct active	*a;

	if ((a = rulesets_find(rs->name)) == NULL) {
		if ((a = calloc(1, sizeof(*a))) == NULL ||
		    (a->name = strdup(rs->name)) == NULL) {
			free(a);
			ruleset_free(rs);
			json_decref(origin);
			return (IOD_ENOMEM);
		}
		a->next = actives;
		actives = a;
	} else if (a->rs != NULL) {
		index_forget_ruleset(a->rs);
		ruleset_free(a->rs);
	}
	json_decref(a->origin);
	a->rs = rs;
	a->version = ver;
	a->origin = origin;
	if (default_name == NULL)
		return (rulesets_set_default(rs->name));
	return (0);
}

/*
 * Store rs's text as the next version of its name if it differs from the
 * current one, with origin (borrowed).  *ver is the version rs is then,
 * *prev the one it replaces (equal to *ver if the text was the same).
 */
static void
store_version(struct txn *t, const struct ruleset *rs, json_t *origin,
    const char *actor, uint64_t *ver, uint64_t *prev)
{
	uint8_t		 k[300], v[8];
	const void	*old;
	size_t		 klen, oldlen;
	json_t		*data;
	char		*o;

	*prev = *ver = current(t, rs->name, &old, &oldlen);
	if (*ver != 0 && old != NULL && oldlen == rs->sourcelen &&
	    memcmp(old, rs->source, oldlen) == 0)
		return;
	(*ver)++;
	klen = version_key(k, sizeof(k), rs->name, *ver);
	store_put(t, DB_RULESETS, k, klen, rs->source, rs->sourcelen);
	if ((o = json_dumps(origin, JSON_COMPACT)) != NULL) {
		klen = origin_key(k, sizeof(k), rs->name, *ver);
		store_put(t, DB_RULESETS, k, klen, o, strlen(o));
		free(o);
	}
	klen = meta_key(k, sizeof(k), rs->name);
	store_put(t, DB_META, k, klen, v, key_u64(v, *ver));
	data = json_pack("{s:s}", "name", rs->name);
	event_append(t, "ruleset.activated", "ruleset", *ver, actor, data);
	json_decref(data);
}

/*
 * Put the compiled rule set rs in force, as sent through the API by actor
 * (rulesets_install takes rs, in success or failure).  If its text
 * differs from the stored current version of its name, the text is stored
 * as the next version.  The swap happens before the commit: a failed
 * commit makes the daemon rebuild.
 */
int
rulesets_install(struct txn *t, struct ruleset *rs, const char *actor,
    uint64_t *version)
{
	json_t		*origin;
	uint64_t	 prev;

	origin = json_pack("{s:s, s:s, s:I}", "from", "api", "actor", actor,
	    "at", (json_int_t)time(NULL));
	store_version(t, rs, origin, actor, version, &prev);
	if (t->rc != 0) {
		json_decref(origin);
		ruleset_free(rs);
		return (t->rc);
	}
	if (*version == prev) {		/* the same text: where it came from */
		json_decref(origin);
		origin = origin_get(t, rs->name, *version);
	}
	return (active_put(rs, *version, origin));
}

/*
 * The version in force is the store's current one, which the file did not
 * give (the API did): compile its stored text as the API did, and put it
 * in force.  0, or an error with *why set (caller frees).
 */
static int
keep_stored(struct txn *t, const char *name, uint64_t ver, const void *text,
    size_t len, char **why)
{
	struct ruleset	*rs = NULL;
	char		*errors = NULL, *nl;
	int		 rc;

	*why = NULL;
	if (text == NULL) {
		*why = strdup("its text is missing from the store");
		return (IOD_ECORRUPT);
	}
	if ((rc = ruleset_load_buffer(name, text, len, refdir, &rs,
	    &errors)) != 0) {
		if (errors != NULL && (nl = strchr(errors, '\n')) != NULL)
			*nl = '\0';
		*why = errors;
		return (rc);
	}
	free(errors);
	return (active_put(rs, ver, origin_get(t, name, ver)));
}

/* Say that version cur of name stays in force, the file being unchanged. */
static void
say_kept(const char *name, const char *path, uint64_t cur, uint64_t fver)
{
	struct active	*a = rulesets_find(name);
	char		 words[WORDS_LEN];

	if (a == NULL || cur == fver)
		return;
	origin_words(a->origin, words, sizeof(words));
	log_info("rule set %s: version %llu, %s, stays in force: %s is "
	    "unchanged since it gave version %llu", name,
	    (unsigned long long)cur, words, path, (unsigned long long)fver);
}

/*
 * The rule set rs (taken, in success or failure) compiled from the
 * configured file path: put in force if the file's text changed since it
 * was last activated from that file; else the version in force stays (at
 * start, the store's current one).  A version that did not come from a
 * file and is replaced is named in a warning.  *version is the version in
 * force after.
 */
int
rulesets_activate_file(struct txn *t, struct ruleset *rs, const char *path,
    uint64_t *version)
{
	struct active	*a = rulesets_find(rs->name);
	uint8_t		 k[300], v[HASH_LEN + 8], hash[HASH_LEN];
	const void	*fv, *text = NULL;
	size_t		 klen, fvlen, len = 0;
	uint64_t	 cur, fver = 0, prev;
	json_t		*origin, *was;
	char		 name[80], words[WORDS_LEN], *why = NULL;
	int		 rc, same = 0;

	snprintf(name, sizeof(name), "%s", rs->name);
	crypto_generichash(hash, sizeof(hash), (const uint8_t *)rs->source,
	    rs->sourcelen, NULL, 0);
	klen = file_key(k, sizeof(k), name);
	if (store_get(t, DB_META, k, klen, &fv, &fvlen) == 0 &&
	    fvlen == sizeof(v) && memcmp(fv, hash, HASH_LEN) == 0) {
		same = 1;
		fver = key_get_u64((const uint8_t *)fv + HASH_LEN);
	}
	cur = a != NULL ? a->version : current(t, name, &text, &len);
	if (same && cur != 0) {
		/* The file is as it was when it gave version fver. */
		*version = cur;
		if (a != NULL) {		/* SIGHUP: nothing to swap */
			ruleset_free(rs);
			say_kept(name, path, cur, fver);
			return (0);
		}
		if (cur == fver || (text != NULL && len == rs->sourcelen &&
		    memcmp(text, rs->source, len) == 0))
			return (active_put(rs, cur, origin_get(t, name, cur)));
		if ((rc = keep_stored(t, name, cur, text, len, &why)) == 0) {
			ruleset_free(rs);
			say_kept(name, path, cur, fver);
			return (0);
		}
		if (rc == IOD_ENOMEM) {
			free(why);
			ruleset_free(rs);
			return (rc);
		}
		log_warn("rule set %s: version %llu cannot be compiled any "
		    "more (%s): %s is activated instead", name,
		    (unsigned long long)cur, why != NULL ? why :
		    iod_strerror(rc), path);
		free(why);
	}
	was = a != NULL ? json_incref(a->origin) : cur != 0 ?
	    origin_get(t, name, cur) : NULL;
	origin = json_pack("{s:s, s:s, s:I}", "from", "file", "path", path,
	    "at", (json_int_t)time(NULL));
	store_version(t, rs, origin, "iodd", version, &prev);
	memcpy(v, hash, HASH_LEN);
	key_u64(v + HASH_LEN, *version);
	store_put(t, DB_META, k, klen, v, sizeof(v));
	if (t->rc != 0) {
		json_decref(was);
		json_decref(origin);
		ruleset_free(rs);
		return (t->rc);
	}
	if (*version != prev && prev != 0 && !origin_is(was, "file")) {
		origin_words(was, words, sizeof(words));
		log_warn("rule set %s: %s changed: its text, version %llu, "
		    "replaces version %llu, %s", name, path,
		    (unsigned long long)*version, (unsigned long long)prev,
		    words);
	} else
		log_info("rule set %s version %llu from %s", name,
		    (unsigned long long)*version, path);
	json_decref(was);
	if (*version == prev) {		/* the same text: where it came from */
		json_decref(origin);
		origin = origin_get(t, name, *version);
	}
	return (active_put(rs, *version, origin));
}

/* Put in force the store's current version of a rule set no configured
 * file gave (one made through the API). */
static int
restore_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct txn	*t = arg;
	const void	*text;
	size_t		 len;
	uint64_t	 ver;
	char		 name[256], *why = NULL;
	int		 rc;

	(void)v;
	if (kl < 2 || (size_t)((const uint8_t *)k)[1] != kl - 2 || vl != 8)
		return (0);
	memcpy(name, (const char *)k + 2, kl - 2);
	name[kl - 2] = '\0';
	if (rulesets_find(name) != NULL)
		return (0);
	ver = current(t, name, &text, &len);
	if ((rc = keep_stored(t, name, ver, text, len, &why)) == 0)
		log_info("rule set %s version %llu from the store", name,
		    (unsigned long long)ver);
	else if (rc == IOD_ENOMEM) {
		free(why);
		return (rc);
	} else
		log_warn("rule set %s: version %llu cannot be compiled any "
		    "more (%s): not in force", name, (unsigned long long)ver,
		    why != NULL ? why : iod_strerror(rc));
	free(why);
	return (0);
}

/*
 * At start, after the configured files: put in force the current version
 * of every other rule set the store holds (made through the API).
 */
int
rulesets_restore(struct txn *t)
{
	uint8_t	k[1] = { 'r' };

	return (store_scan(t, DB_META, k, 1, 1, restore_cb, t));
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
	/* Where the version in force came from: {from: file, path, at} or
	 * {from: api, actor, at}; null for one stored before this was kept. */
	json_object_set_new(j, "origin", a->origin != NULL ?
	    json_deep_copy(a->origin) : json_null());
	if (with_source)
		json_object_set_new(j, "source", json_stringn(rs->source,
		    rs->sourcelen));
	return (j);
}

int
rulesets_version(struct txn *t, const char *name, uint64_t ver,
    const void **text, size_t *len, json_t **origin)
{
	uint8_t	 k[300];
	size_t	 klen;
	int	 rc;

	klen = version_key(k, sizeof(k), name, ver);
	if ((rc = store_get(t, DB_RULESETS, k, klen, text, len)) != 0)
		return (rc);
	if ((*origin = origin_get(t, name, ver)) == NULL)
		*origin = json_null();
	return (0);
}

/* One stored version of a name, into the list. */
struct versions_arg {
	struct txn	*t;
	const char	*name;
	json_t		*items;
};

static int
versions_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct versions_arg	*va = arg;
	json_t			*origin, *at;
	uint64_t		 ver;

	(void)v; (void)vl;
	if (kl < 8)
		return (0);
	ver = key_get_u64((const uint8_t *)k + kl - 8);
	if ((origin = origin_get(va->t, va->name, ver)) == NULL)
		origin = json_null();
	at = json_object_get(origin, "at");
	json_array_append_new(va->items, json_pack("{s:I, s:o, s:O}",
	    "version", (json_int_t)ver, "origin", origin, "activated_at",
	    at != NULL ? at : json_null()));
	return (0);
}

json_t *
rulesets_versions(struct txn *t, const char *name)
{
	struct versions_arg	 va = { t, name, json_array() };
	struct active		*a = rulesets_find(name);
	uint8_t			 k[300];
	size_t			 klen;

	klen = key_idx_str(k, sizeof(k) - 8, 'v', name);
	if (store_scan(t, DB_RULESETS, k, klen, klen, versions_cb, &va) != 0 ||
	    json_array_size(va.items) == 0) {
		json_decref(va.items);
		return (NULL);
	}
	return (json_pack("{s:s, s:o, s:o}", "name", name, "current",
	    a != NULL ? json_integer((json_int_t)a->version) : json_null(),
	    "items", va.items));
}

int
rulesets_compile(const char *name, const void *text, size_t len,
    struct ruleset **rs, char **errors)
{
	return (ruleset_load_buffer(name, text, len, refdir, rs, errors));
}

void
rulesets_free(void)
{
	struct active	*a;

	while ((a = actives) != NULL) {
		actives = a->next;
		ruleset_free(a->rs);
		json_decref(a->origin);
		free(a->name);
		free(a);
	}
	free(default_name);
	default_name = NULL;
}
