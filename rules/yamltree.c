/*
 * yamltree.c — YAML in, a small positioned tree out, and the checker that
 * holds such a tree against a table of keys.  libyaml's event API does the
 * parsing; this file bounds what it accepts (size, depth, node count, no
 * anchors, aliases or tags), remembers the line and column of every value,
 * and collects errors as "file:line:col: message" lines, going on after
 * each to report them all.  What the keys mean belongs to the callers
 * (ruleset.c, matcher/conf.c); the CSV territory files to territory.c.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "rules.h"

#define PATH_MAX_SHOWN	256	/* a dotted path in a message */
#define KEY_MAX_SHOWN	64	/* one key of that path */
#define LIST_MAX	512	/* "expected one of: ..." */
#define KEYS_MAX	32	/* keys in one schema table */

char *
yamltree_readfile(const char *path, size_t *len, char **cause)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd, saved;

	*cause = NULL;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		goto fail;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto fail;
	}
	if (st.st_size > YAMLTREE_MAX_BYTES) {
		errno = EFBIG;
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (got < (size_t)st.st_size) {
		if ((n = read(fd, buf + got, (size_t)st.st_size - got)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return (buf);

fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	free(buf);
	if (asprintf(cause, "%s: %s", path, saved == EFBIG ?
	    "larger than 1 MiB" : saved == EINVAL ? "not a regular file" :
	    strerror(saved)) == -1)
		*cause = NULL;
	errno = saved;
	return (NULL);
}

/* ---- errors ------------------------------------------------------------ */

/* Length of the longest prefix of s within max bytes that does not split
 * a UTF-8 sequence. */
static size_t
cut(const char *s, size_t max)
{
	size_t	len = strlen(s);

	if (len <= max)
		return (len);
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return (max);
}

char *
yamltree_quote(char buf[YAMLTREE_QUOTE_MAX], const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			*p = buf;
	size_t			 mark = 1;	/* where a character starts */

	*p++ = '"';
	for (; *u != '\0'; u++) {
		if ((*u & 0xc0) != 0x80)
			mark = (size_t)(p - buf);
		if (p - buf > YAMLTREE_QUOTE_MAX - 10) {
			p = buf + mark;
			memcpy(p, "...", 3);
			p += 3;
			break;
		}
		if (*u == '"' || *u == '\\') {
			*p++ = '\\';
			*p++ = (char)*u;
		} else if (*u == '\n') {
			memcpy(p, "\\n", 2);
			p += 2;
		} else if (*u < 0x20 || *u == 0x7f)
			p += snprintf(p, 5, "\\x%02x", *u);
		else
			*p++ = (char)*u;
	}
	*p++ = '"';
	*p = '\0';
	return (buf);
}

/* n's dotted path from the root, control characters shown as '?'. */
static char *
path_of(const struct ynode *n, char buf[PATH_MAX_SHOWN])
{
	const struct ynode	*chain[YAMLTREE_MAX_DEPTH + 2];
	size_t			 depth = 0, len = 0, i, klen;

	for (; n != NULL && n->parent != NULL && depth < YAMLTREE_MAX_DEPTH + 2;
	    n = n->parent)
		chain[depth++] = n;
	buf[0] = '\0';
	while (depth-- > 0 && len < PATH_MAX_SHOWN - KEY_MAX_SHOWN - 2) {
		n = chain[depth];
		if (n->key == NULL) {
			len += (size_t)snprintf(buf + len, PATH_MAX_SHOWN - len,
			    "[%zu]", n->index);
			continue;
		}
		if (len > 0)
			buf[len++] = '.';
		klen = cut(n->key, KEY_MAX_SHOWN);
		for (i = 0; i < klen; i++)
			buf[len++] = (unsigned char)n->key[i] < 0x20 ||
			    n->key[i] == 0x7f ? '?' : n->key[i];
		buf[len] = '\0';
	}
	return (buf);
}

static void __attribute__((format(printf, 6, 0)))
append(struct yerrors *e, const char *file, int line, int col,
    const char *path, const char *fmt, va_list ap)
{
	char	*msg, *text, *p;
	size_t	 len;
	int	 n;

	if (++e->count > YAMLTREE_MAX_ERRORS || vasprintf(&msg, fmt, ap) == -1)
		return;
	if (file == NULL)
		text = msg;
	else {
		n = asprintf(&text, "%s:%d:%d: %s%s%s", file, line, col, path,
		    *path != '\0' ? ": " : "", msg);
		free(msg);
		if (n == -1)
			return;
	}
	len = strlen(text);
	if ((p = realloc(e->buf, e->len + len + 2)) != NULL) {
		if (e->len > 0)
			p[e->len++] = '\n';
		memcpy(p + e->len, text, len + 1);
		e->buf = p;
		e->len += len;
	}
	free(text);
}

void
yamltree_errorat(struct yerrors *e, const char *file, int line, int col,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	append(e, file, line, col, "", fmt, ap);
	va_end(ap);
}

/* An error at n, after its path or not. */
static void __attribute__((format(printf, 4, 0)))
verror(struct yerrors *e, const struct ynode *n, int withpath,
    const char *fmt, va_list ap)
{
	char	path[PATH_MAX_SHOWN];

	append(e, n->file, n->line, n->col, withpath ? path_of(n, path) : "",
	    fmt, ap);
}

void
yamltree_error(struct yerrors *e, const struct ynode *n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	verror(e, n, 1, fmt, ap);
	va_end(ap);
}

char *
yamltree_errors(struct yerrors *e)
{
	char	*p;
	int	 more = e->count - YAMLTREE_MAX_ERRORS;

	if (more > 0) {
		e->count = 0;
		yamltree_errorat(e, NULL, 0, 0, "%d more errors not shown",
		    more);
	}
	p = e->buf;
	memset(e, 0, sizeof(*e));
	return (p);
}

/* ---- the tree ---------------------------------------------------------- */

struct frame {
	struct ynode	*n;
	char		*key;		/* map: a key waiting for its value */
	int		 kline, kcol;
};

struct parser {
	struct yerrors	*e;
	struct yamltree	*t;
	struct frame	 stack[YAMLTREE_MAX_DEPTH];
	int		 depth;
	size_t		 nodes;
};

/* Recursion is bounded by YAMLTREE_MAX_DEPTH. */
static void
node_free(struct ynode *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->key);
	free(n->value);
	free(n);
}

void
yamltree_free(struct yamltree *t)
{
	if (t == NULL)
		return;
	node_free(t->root);
	free(t->file);
	free(t);
}

/* An error at a libyaml mark, which counts from 0. */
static void
mark_error(struct parser *ps, const yaml_mark_t *m, const char *msg)
{
	yamltree_errorat(ps->e, ps->t->file, (int)m->line + 1,
	    (int)m->column + 1, "%s", msg);
}

/* Counted against YAMLTREE_MAX_NODES: the tree's size is bounded too. */
static struct ynode *
node_new(struct parser *ps, enum ynode_type type, const yaml_mark_t *m)
{
	struct ynode	*n;

	if (++ps->nodes > YAMLTREE_MAX_NODES) {
		mark_error(ps, m, "more than 65536 values");
		return (NULL);
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		mark_error(ps, m, "out of memory");
		return (NULL);
	}
	n->type = type;
	n->file = ps->t->file;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	return (n);
}

/*
 * Place n, just created, under the open collection: a scalar where a map
 * expects a key becomes that key and is freed.  Returns 0, or -1 on a fatal
 * error (n is freed).
 */
static int
attach(struct parser *ps, struct ynode *n)
{
	struct frame	*f;
	struct ynode	*parent, **kids;
	size_t		 cap;

	if (ps->depth == 0) {
		ps->t->root = n;
		return (0);
	}
	f = &ps->stack[ps->depth - 1];
	parent = f->n;
	if (parent->type == YNODE_MAP && f->key == NULL) {
		if (n->type != YNODE_SCALAR) {
			yamltree_errorat(ps->e, n->file, n->line, n->col,
			    "a key must be a string");
			node_free(n);
			return (-1);
		}
		f->key = n->value;
		f->kline = n->line;
		f->kcol = n->col;
		n->value = NULL;
		node_free(n);
		return (0);
	}
	/* Grow at 0, 4, 8, 16...: capacity is never stored. */
	if (parent->nkids == 0 || (parent->nkids >= 4 &&
	    (parent->nkids & (parent->nkids - 1)) == 0)) {
		cap = parent->nkids == 0 ? 4 : parent->nkids * 2;
		if ((kids = reallocarray(parent->kids, cap,
		    sizeof(*kids))) == NULL) {
			yamltree_errorat(ps->e, n->file, n->line, n->col,
			    "out of memory");
			node_free(n);
			return (-1);
		}
		parent->kids = kids;
	}
	if (parent->type == YNODE_MAP) {
		n->key = f->key;
		n->line = f->kline;
		n->col = f->kcol;
		f->key = NULL;
	} else
		n->index = parent->nkids;
	n->parent = parent;
	parent->kids[parent->nkids++] = n;
	return (0);
}

/* Anchors, aliases and tags would let a small file describe a big tree or
 * change a value's type: refused, reported, and otherwise ignored. */
static void
refuse_extras(struct parser *ps, const yaml_event_t *ev,
    const yaml_char_t *anchor, const yaml_char_t *tag)
{
	if (anchor != NULL)
		mark_error(ps, &ev->start_mark,
		    "anchors and aliases are not supported");
	if (tag != NULL)
		mark_error(ps, &ev->start_mark, "tags are not supported");
}

/* A scalar; plain (unquoted) is what tells null from "null". */
static struct ynode *
scalar_new(struct parser *ps, const yaml_mark_t *m, const char *v, size_t len,
    int plain)
{
	struct ynode	*n;

	if ((n = node_new(ps, YNODE_SCALAR, m)) == NULL)
		return (NULL);
	if ((n->value = strndup(v, len)) == NULL) {
		mark_error(ps, m, "out of memory");
		node_free(n);
		return (NULL);
	}
	n->plain = plain;
	return (n);
}

/* Build from one event.  Returns 0 to go on, 1 at the end, -1 if fatal. */
static int
event(struct parser *ps, const yaml_event_t *ev, int *docs)
{
	struct ynode	*n;
	enum ynode_type	 type;
	const char	*s;
	size_t		 len;

	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return (1);
	case YAML_DOCUMENT_START_EVENT:
		if ((*docs)++ == 0)
			return (0);
		mark_error(ps, &ev->start_mark,
		    "only one YAML document is allowed");
		return (-1);
	case YAML_ALIAS_EVENT:
		/* Reported, then read as null so that checking goes on. */
		mark_error(ps, &ev->start_mark,
		    "anchors and aliases are not supported");
		if ((n = scalar_new(ps, &ev->start_mark, "", 0, 1)) == NULL)
			return (-1);
		return (attach(ps, n));
	case YAML_SCALAR_EVENT:
		refuse_extras(ps, ev, ev->data.scalar.anchor,
		    ev->data.scalar.tag);
		s = (const char *)ev->data.scalar.value;
		len = ev->data.scalar.length;
		if (memchr(s, '\0', len) != NULL)
			mark_error(ps, &ev->start_mark,
			    "a string must not contain a NUL character");
		if ((n = scalar_new(ps, &ev->start_mark, s, len,
		    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)) == NULL)
			return (-1);
		return (attach(ps, n));
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (ev->type == YAML_SEQUENCE_START_EVENT) {
			type = YNODE_SEQ;
			refuse_extras(ps, ev, ev->data.sequence_start.anchor,
			    ev->data.sequence_start.tag);
		} else {
			type = YNODE_MAP;
			refuse_extras(ps, ev, ev->data.mapping_start.anchor,
			    ev->data.mapping_start.tag);
		}
		if (ps->depth == YAMLTREE_MAX_DEPTH) {
			mark_error(ps, &ev->start_mark,
			    "nested deeper than 32 levels");
			return (-1);
		}
		if ((n = node_new(ps, type, &ev->start_mark)) == NULL ||
		    attach(ps, n) == -1)
			return (-1);
		ps->stack[ps->depth++].n = n;
		return (0);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		ps->depth--;
		return (0);
	default:
		return (0);
	}
}

/* libyaml's error, at the offending character. */
static void
syntax_error(struct parser *ps, const yaml_parser_t *p, const char *buf,
    size_t len)
{
	yaml_mark_t	m = p->problem_mark;
	size_t		i;

	if (p->error == YAML_MEMORY_ERROR) {
		yamltree_errorat(ps->e, ps->t->file, 1, 1, "out of memory");
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		/* The reader gives a byte offset only. */
		m.line = 0;
		m.column = 0;
		for (i = 0; i < p->problem_offset && i < len; i++) {
			if (buf[i] == '\n') {
				m.line++;
				m.column = 0;
			} else if (((unsigned char)buf[i] & 0xc0) != 0x80)
				m.column++;
		}
	}
	if (p->context != NULL)
		yamltree_errorat(ps->e, ps->t->file, (int)m.line + 1,
		    (int)m.column + 1, "syntax error: %s (%s at %zu:%zu)",
		    p->problem, p->context, p->context_mark.line + 1,
		    p->context_mark.column + 1);
	else
		yamltree_errorat(ps->e, ps->t->file, (int)m.line + 1,
		    (int)m.column + 1, "syntax error: %s", p->problem != NULL ?
		    p->problem : "unknown");
}

struct yamltree *
yamltree_parse(const char *file, const char *buf, size_t len,
    struct yerrors *e)
{
	struct parser	 ps;
	yaml_parser_t	 p;
	yaml_event_t	 ev;
	yaml_mark_t	 start;
	int		 rc = 0, docs = 0;

	memset(&ps, 0, sizeof(ps));
	ps.e = e;
	if ((ps.t = calloc(1, sizeof(*ps.t))) == NULL ||
	    (ps.t->file = strdup(file)) == NULL) {
		yamltree_errorat(e, file, 1, 1, "out of memory");
		goto fail;
	}
	if (len > YAMLTREE_MAX_BYTES) {
		yamltree_errorat(e, file, 1, 1, "larger than 1 MiB");
		goto fail;
	}
	if (!yaml_parser_initialize(&p)) {
		yamltree_errorat(e, file, 1, 1, "out of memory");
		goto fail;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (rc == 0) {
		if (!yaml_parser_parse(&p, &ev)) {
			syntax_error(&ps, &p, buf, len);
			rc = -1;
			break;
		}
		rc = event(&ps, &ev, &docs);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rc == -1)
		goto fail;
	if (ps.t->root == NULL) {
		/* An empty file is one null value at 1:1. */
		memset(&start, 0, sizeof(start));
		if ((ps.t->root = scalar_new(&ps, &start, "", 0, 1)) == NULL)
			goto fail;
	}
	return (ps.t);

fail:
	while (ps.depth > 0)
		free(ps.stack[--ps.depth].key);
	yamltree_free(ps.t);
	return (NULL);
}

const struct ynode *
yamltree_get(const struct ynode *map, const char *key)
{
	size_t	i;

	if (map == NULL || map->type != YNODE_MAP)
		return (NULL);
	for (i = 0; i < map->nkids; i++)
		if (strcmp(map->kids[i]->key, key) == 0)
			return (map->kids[i]);
	return (NULL);
}

int
yamltree_isnull(const struct ynode *n)
{
	return (n != NULL && n->type == YNODE_SCALAR && n->plain &&
	    (n->value[0] == '\0' || strcmp(n->value, "~") == 0 ||
	    strcmp(n->value, "null") == 0 || strcmp(n->value, "Null") == 0 ||
	    strcmp(n->value, "NULL") == 0));
}

/* ---- checking against a table ------------------------------------------ */

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
	verror(a->e, n, withpath, fmt, ap);
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
	char			 q[YAMLTREE_QUOTE_MAX], path[PATH_MAX_SHOWN];
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
	in = *path_of(where, path) != '\0' ? " in " : "";
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
yamltree_apply(struct yerrors *e, const struct ynode *map,
    const struct ykey *keys, void *out)
{
	struct apply	a = { e, out, NULL };

	apply_map(&a, map, map, keys);
}
