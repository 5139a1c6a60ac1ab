/*
 * label.c — the names a record's reader sees beside its codes: a field
 * checked against the communes carries the commune's name and its
 * territory (commune: commune_name, territory), one checked against the
 * ROME table its label (rome: rome_label; a list: rome_labels, same
 * order), an appellation its name (appellation_label).  rec_to_json adds
 * them beside the field, so every view that shows the code shows its
 * name and a view that hides the code hides the name; rec_from_json
 * accepts and ignores them, so a record read can be written back as it
 * is.  The names come from the reference data (refdata.c); which
 * territory a commune is in belongs to the rule sets, asked through the
 * function the daemon sets.
 */
#include <stdio.h>
#include <string.h>

#include "profiles.h"

static label_territory_fn	territory_of;

void
label_set_territory(label_territory_fn fn)
{
	territory_of = fn;
}

/* The key of f's label of the kind: "commune_name", "rome_labels". */
static void
key(char *buf, size_t cap, const struct field *f, const char *suffix)
{
	snprintf(buf, cap, "%s%s", f->name, suffix);
}

/* A code's name as JSON: null when the code is null or unknown. */
static json_t *
name(const char *(*lookup)(const char *), json_t *code)
{
	const char	*s;

	if (!json_is_string(code) ||
	    (s = lookup(json_string_value(code))) == NULL)
		return (json_null());
	return (json_string(s));
}

static const char *
commune_name(const char *insee)
{
	const struct commune	*c = refdata_commune(insee);

	return (c != NULL ? c->name : NULL);
}

static const char *
territory(const char *insee)
{
	return (territory_of != NULL ? territory_of(insee) : NULL);
}

void
label_add(json_t *o, const struct field *f, json_t *v)
{
	char	 keys[2][LABEL_KEY_MAX];
	json_t	*a, *e;
	size_t	 i;

	if (label_keys(f, keys) == 0)
		return;
	if (f->check == check_commune) {
		json_object_set_new(o, keys[0], name(commune_name, v));
		json_object_set_new(o, keys[1], name(territory, v));
	} else if (f->type == FT_STRV) {
		if ((a = json_array()) == NULL)
			return;
		json_array_foreach(v, i, e)
			json_array_append_new(a, name(refdata_rome_name, e));
		json_object_set_new(o, keys[0], a);
	} else
		json_object_set_new(o, keys[0], name(f->check == check_rome ?
		    refdata_rome_name : refdata_appellation_name, v));
}

const char *
label_value(const struct field *f, int k, const char *code)
{
	if (code == NULL)
		return (NULL);
	if (f->check == check_commune)
		return (k == 0 ? commune_name(code) : territory(code));
	return (f->check == check_rome ? refdata_rome_name(code) :
	    refdata_appellation_name(code));
}

int
label_keys(const struct field *f, char keys[2][LABEL_KEY_MAX])
{
	if (f->check == check_commune) {
		key(keys[0], LABEL_KEY_MAX, f, "_name");
		if (strcmp(f->name, "commune") == 0)
			snprintf(keys[1], LABEL_KEY_MAX, "territory");
		else
			key(keys[1], LABEL_KEY_MAX, f, "_territory");
		return (2);
	}
	if (f->check == check_rome || f->check == check_appellation) {
		key(keys[0], LABEL_KEY_MAX, f, f->type == FT_STRV ? "_labels" :
		    "_label");
		return (1);
	}
	return (0);
}

int
label_is(const struct schema *sc, const char *k)
{
	const struct field	*f;
	char			 keys[2][LABEL_KEY_MAX];
	int			 i, n;

	for (f = sc->fields; f->name != NULL; f++)
		for (i = 0, n = label_keys(f, keys); i < n; i++)
			if (strcmp(keys[i], k) == 0)
				return (1);
	return (0);
}
