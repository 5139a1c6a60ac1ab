/*
 * yamltree.c — YAML in, a small positioned tree out, and the list of
 * errors that every reader of such files adds to.  libyaml's event API
 * does the parsing; this file bounds what it accepts (size, depth, node
 * count, no anchors, aliases or tags), remembers the line and column of
 * every value, and collects errors as "file:line:col: message" lines,
 * going on after each to report them all.  It does not check a tree
 * against a table of keys (yamlcheck.c), nor know what any key means
 * (ruleset.c, matcher/daemon/conf.c); the CSV territory files are
 * territory.c's, which reports through the same error list.
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

#define KEY_MAX_SHOWN	64	/* one key of a path in a message */

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

char *
yamltree_path(const struct ynode *n, char buf[YAMLTREE_PATH_MAX])
{
	const struct ynode	*chain[YAMLTREE_MAX_DEPTH + 2];
	size_t			 depth = 0, len = 0, i, klen;

	for (; n != NULL && n->parent != NULL && depth < YAMLTREE_MAX_DEPTH + 2;
	    n = n->parent)
		chain[depth++] = n;
	buf[0] = '\0';
	while (depth-- > 0 && len < YAMLTREE_PATH_MAX - KEY_MAX_SHOWN - 2) {
		n = chain[depth];
		if (n->key == NULL) {
			len += (size_t)snprintf(buf + len,
			    YAMLTREE_PATH_MAX - len, "[%zu]", n->index);
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

void
yamltree_verror(struct yerrors *e, const struct ynode *n, int withpath,
    const char *fmt, va_list ap)
{
	char	path[YAMLTREE_PATH_MAX];

	append(e, n->file, n->line, n->col, withpath ? yamltree_path(n, path) :
	    "", fmt, ap);
}

void
yamltree_error(struct yerrors *e, const struct ynode *n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	yamltree_verror(e, n, 1, fmt, ap);
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
