/*
 * yamlcheck.c — the check of a positioned YAML tree against a table of
 * keys (struct ykey in rules.h): every key gets its value, converted to
 * its type and stored at its offset, or its default; every problem
 * (unknown, duplicate or missing key, wrong type, out of range, a value
 * not among the names) becomes an error at the node, and checking goes on
 * to find them all.  It does not parse YAML, hold the tree or the error
 * list (yamltree.c), nor know what any key means: the tables are the
 * callers' (ruleset.c, matcher/daemon/conf.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

#define LIST_MAX	512	/* "expected one of: ..." */
#define KEYS_MAX	32	/* keys in one schema table */

struct apply {
	struct yerrors	*e;
	char		*out;
	int		(*guard)(struct yerrors *, const struct ynode *);
};

static void	apply_map(struct apply *, const struct ynode *,
		    const struct ynode *, const struct ykey *);

/* Report a refused node, unless the guard has something better to say. */
static void __attribute__((format(printf, 4, 5)))
refuse(struct apply *a, const struct ynode *n, int withpath,
    const char *fmt, ...)
{
	va_list	ap;

	if (a->guard != NULL && a->guard(a->e, n))
		return;
	va_start(ap, fmt);
	yamltree_verror(a->e, n, withpath, fmt, ap);
	va_end(ap);
}

/* A value as a message shows it. */
static const char *
show(const struct ynode *n, char buf[YAMLTREE_QUOTE_MAX])
{
	if (n->type == YNODE_MAP)
		return ("a map");
	if (n->type == YNODE_SEQ)
		return ("a list");
	return (yamltree_quote(buf, n->value));
}

/* "a, b, c" from a names table or a key table. */
static char *
join(char buf[LIST_MAX], const char *const *names, const struct ykey *keys)
{
	const char	*s;
	size_t		 len = 0;
	int		 i;

	buf[0] = '\0';
	for (i = 0; len < LIST_MAX &&
	    (s = names != NULL ? names[i] : keys[i].key) != NULL; i++)
		len += (size_t)snprintf(buf + len, LIST_MAX - len, "%s%s",
		    i > 0 ? ", " : "", s);
	return (buf);
}

/* YAML 1.2's core booleans only: "yes" and "on" are refused, not guessed. */
static int
parse_bool(const char *s)
{
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
	    strcmp(s, "TRUE") == 0)
		return (1);
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
	    strcmp(s, "FALSE") == 0)
		return (0);
	return (-1);
}

/* A decimal integer, nothing around it; 0 or -1. */
static int
parse_int(const char *s, long long *v)
{
	char	*end;

	if ((*s < '0' || *s > '9') && *s != '-' && *s != '+')
		return (-1);
	errno = 0;
	*v = strtoll(s, &end, 10);
	return (errno != 0 || end == s || *end != '\0' ? -1 : 0);
}

/* The set of names listed in s, separated by ','. */
static uint32_t
parse_set(const char *const *names, const char *s)
{
	char		 name[64];
	uint32_t	 set = 0;
	size_t		 len;
	int		 i;

	while (s != NULL && *s != '\0') {
		len = strcspn(s, ",");
		if (len < sizeof(name)) {
			memcpy(name, s, len);
			name[len] = '\0';
			if ((i = enum_lookup(names, name)) >= 0)
				set |= 1u << i;
		}
		s += len + (s[len] == ',');
	}
	return (set);
}

/* Store k's default; defaults are ours, written as YAML text in tables. */
static void
set_default(struct apply *a, const struct ykey *k, const struct ynode *where)
{
	char	*dst = a->out + k->off;
	int	 i;

	switch (k->type) {
	case YT_BOOL:
		*(int *)dst = k->def != NULL && parse_bool(k->def) == 1;
		break;
	case YT_INT:
		*(int *)dst = k->def == NULL ? 0 :
		    strcmp(k->def, "null") == 0 ? -1 : atoi(k->def);
		break;
	case YT_STR:
		free(*(char **)dst);
		*(char **)dst = NULL;
		if (k->def != NULL && (*(char **)dst = strdup(k->def)) == NULL)
			yamltree_error(a->e, where, "out of memory");
		break;
	case YT_ENUM:
		*(int *)dst = k->def == NULL ? 0 :
		    enum_lookup(k->names, k->def);
		break;
	case YT_SET:
		*(uint32_t *)dst = parse_set(k->names, k->def);
		break;
	case YT_POINTS:
		for (i = 0; k->names[i] != NULL; i++)
			((int *)dst)[i] = k->def == NULL ? 0 : atoi(k->def);
		break;
	case YT_MAP:
		break;		/* its own keys have defaults */
	case YT_NODE:
		*(const struct ynode **)dst = NULL;
		break;
	}
}

/* An int in k's range, else an error that says the range. */
static void
conv_int(struct apply *a, const struct ykey *k, const struct ynode *n,
    int *dst)
{
	char		 q[YAMLTREE_QUOTE_MAX];
	const char	*ornull = k->flags & YK_NULLABLE ? " or null" : "";
	long long	 v;

	if (n->type != YNODE_SCALAR || parse_int(n->value, &v) == -1)
		refuse(a, n, 1, "%s is not an integer (expected %d..%d%s)",
		    show(n, q), k->min, k->max, ornull);
	else if (v < k->min || v > k->max)
		refuse(a, n, 1, "%s is out of range (expected %d..%d%s)",
		    show(n, q), k->min, k->max, ornull);
	else
		*dst = (int)v;
}

/* A YT_MAP or YT_POINTS value n (NULL if absent), under its own guard. */
static void
apply_sub(struct apply *a, const struct ykey *k, const struct ynode *where,
    const struct ynode *n)
{
	struct ykey	 points[KEYS_MAX + 1];
	char		*out = a->out;
	int		 (*guard)(struct yerrors *, const struct ynode *);
	int		 i;

	guard = a->guard;
	if (k->guard != NULL)
		a->guard = k->guard;
	if (k->type == YT_MAP)
		apply_map(a, n != NULL ? n : where, n, k->sub);
	else {
		/* Points: a map whose keys are the names, each an int. */
		memset(points, 0, sizeof(points));
		for (i = 0; i < KEYS_MAX && k->names[i] != NULL; i++) {
			points[i].key = k->names[i];
			points[i].type = YT_INT;
			points[i].min = k->min;
			points[i].max = k->max;
			points[i].def = k->def;
			points[i].off = (size_t)i * sizeof(int);
		}
		a->out += k->off;
		apply_map(a, n != NULL ? n : where, n, points);
	}
	a->out = out;
	a->guard = guard;
}

/* Store n, k's value, or say why not (keeping the default). */
static void
convert(struct apply *a, const struct ykey *k, const struct ynode *n)
{
	const struct ynode *kid;
	char		*dst = a->out + k->off, q[YAMLTREE_QUOTE_MAX];
	char		 list[LIST_MAX];
	const char	*why;
	uint32_t	 set = 0;
	size_t		 i, len;
	int		 v;

	if (k->type == YT_MAP || k->type == YT_POINTS) {
		apply_sub(a, k, n, n);
		return;
	}
	if (yamltree_isnull(n)) {
		if (k->flags & YK_NULLABLE)
			*(int *)dst = -1;
		return;
	}
	switch (k->type) {
	case YT_BOOL:
		if (n->type != YNODE_SCALAR || (v = parse_bool(n->value)) == -1)
			refuse(a, n, 1, "%s is not a boolean (expected true or "
			    "false)", show(n, q));
		else
			*(int *)dst = v;
		break;
	case YT_INT:
		conv_int(a, k, n, (int *)dst);
		break;
	case YT_STR:
		if (n->type != YNODE_SCALAR) {
			refuse(a, n, 1, "%s is not a string", show(n, q));
			break;
		}
		len = strlen(n->value);
		if (len < (size_t)k->min || len > (size_t)k->max)
			refuse(a, n, 1, "%s is %zu bytes long (expected "
			    "%d..%d)", show(n, q), len, k->min, k->max);
		else if (k->check != NULL && (why = k->check(n->value)) != NULL)
			refuse(a, n, 1, "%s is not valid (expected %s)",
			    show(n, q), why);
		else {
			free(*(char **)dst);
			if ((*(char **)dst = strdup(n->value)) == NULL)
				yamltree_error(a->e, n, "out of memory");
		}
		break;
	case YT_ENUM:
		if (n->type != YNODE_SCALAR ||
		    (v = enum_lookup(k->names, n->value)) == -1)
			refuse(a, n, 1, "%s is not a valid value (expected one "
			    "of: %s)", show(n, q), join(list, k->names, NULL));
		else
			*(int *)dst = v;
		break;
	case YT_SET:
		if (n->type != YNODE_SEQ) {
			refuse(a, n, 1, "%s is not a list (expected a list of: "
			    "%s)", show(n, q), join(list, k->names, NULL));
			break;
		}
		for (i = 0; i < n->nkids; i++) {
			kid = n->kids[i];
			if (kid->type != YNODE_SCALAR ||
			    (v = enum_lookup(k->names, kid->value)) == -1)
				refuse(a, kid, 1, "%s is not a valid value "
				    "(expected one of: %s)", show(kid, q),
				    join(list, k->names, NULL));
			else
				set |= 1u << v;
		}
		*(uint32_t *)dst = set;
		break;
	case YT_NODE:
		*(const struct ynode **)dst = n;
		break;
	case YT_MAP:
	case YT_POINTS:
		break;
	}
}

/*
 * Check map against keys: map is the value, NULL if absent; where is map,
 * or its parent when absent, to place errors.
 */
static void
apply_map(struct apply *a, const struct ynode *where, const struct ynode *map,
    const struct ykey *keys)
{
	const struct ynode	*seen[KEYS_MAX], *kid, *at;
	char			 q[YAMLTREE_QUOTE_MAX], path[YAMLTREE_PATH_MAX];
	char			 list[LIST_MAX];
	const char		*in;
	size_t			 i, j, nkeys;
	int			 checked = map != NULL;

	for (nkeys = 0; nkeys < KEYS_MAX && keys[nkeys].key != NULL; nkeys++) {
		seen[nkeys] = NULL;
		set_default(a, &keys[nkeys], where);
	}
	if (yamltree_isnull(map))
		map = NULL;
	else if (map != NULL && map->type != YNODE_MAP) {
		refuse(a, map, 1, "%s is not a map", show(map, q));
		map = NULL;
		checked = 0;
	}
	in = *yamltree_path(where, path) != '\0' ? " in " : "";
	for (i = 0; map != NULL && i < map->nkids; i++) {
		kid = map->kids[i];
		for (j = 0; j < nkeys && strcmp(keys[j].key, kid->key) != 0;
		    j++)
			;
		if (j == nkeys)
			refuse(a, kid, 0, "unknown key %s%s%s (expected one "
			    "of: %s)", yamltree_quote(q, kid->key), in, path,
			    join(list, NULL, keys));
		else if (seen[j] != NULL)
			refuse(a, kid, 0, "duplicate key %s%s%s (first at line "
			    "%d)", yamltree_quote(q, kid->key), in, path,
			    seen[j]->line);
		else {
			seen[j] = kid;
			convert(a, &keys[j], kid);
		}
	}
	for (j = 0; j < nkeys; j++) {
		if (seen[j] == NULL &&
		    (keys[j].type == YT_MAP || keys[j].type == YT_POINTS))
			apply_sub(a, &keys[j], where, NULL);
		if (!checked || !(keys[j].flags & YK_REQUIRED) ||
		    (seen[j] != NULL && !yamltree_isnull(seen[j])))
			continue;
		at = seen[j] != NULL ? seen[j] : where;
		yamltree_errorat(a->e, at->file, at->line, at->col,
		    "missing required key %s%s%s", yamltree_quote(q,
		    keys[j].key), in, path);
	}
}

void
yamlcheck_apply(struct yerrors *e, const struct ynode *map,
    const struct ykey *keys, void *out)
{
	struct apply	a = {
		.e = e,
		.out = out,
		.guard = NULL
	};

	apply_map(&a, map, map, keys);
}
