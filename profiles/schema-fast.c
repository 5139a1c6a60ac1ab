/*
 * schema-fast.c — a stored record read straight from its msgpack bytes
 * into its struct, with no generic msgpack tree: the values are read in
 * place (mp_head, mp_skip), each key is found as the field the store
 * writes next or else in a per-schema hash table (by its length and its
 * first and last bytes, then compared in place), each enum or set name in
 * a table of its own; a caller may ask for some fields only, and put the
 * strings in an arena instead of one allocation each.  It gives what
 * rec_decode gives (schema-mp.c, which stays the reference and the
 * checker of bytes from elsewhere); it does not run mp_check first: it is
 * for the store's own records, whose bytes store-check.c walked at open,
 * though every read stays within the buffer.  The reader and the tables
 * also serve schema-mpin.c (a client's msgpack) and schema.c (JSON keys).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "schema-int.h"

/* ---- names by length and first and last bytes --------------------------- */

#define NT_SLOTS	128	/* a power of two over twice the names */
#define NT_NAMES	(NT_SLOTS / 2)
#define NT_MAX		128	/* tables: the schemas and their name lists */

struct ntab {
	const void	*of;		/* the schema, or the names array */
	struct nslot {
		const char	*name;	/* NULL: empty */
		uint16_t	 len;
		int16_t		 value;	/* field or name index */
	} slot[NT_SLOTS];
	/* A schema's: by field, the table of its names or sub-schema. */
	const struct ntab *names[NT_NAMES], *sub[NT_NAMES];
	uint16_t	 len[NT_NAMES];	/* a schema's: its field names' */
	int		 nnames;
};

static struct ntab	 ntabs[NT_MAX];
static atomic_int	 nntabs;
static pthread_mutex_t	 ntab_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned
nt_hash(const char *p, size_t len)
{
	if (len == 0)
		return (0);
	return ((unsigned)(len * 7 + (unsigned char)p[0] * 31 +
	    (unsigned char)p[len - 1]) & (NT_SLOTS - 1));
}

/* The published table of of, NULL if none yet (n: how many are). */
static struct ntab *
nt_lookup(const void *of, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		if (ntabs[i].of == of)
			return (&ntabs[i]);
	return (NULL);
}

/* nt_get's work, the lock held: the tables of a schema's names lists and
 * sub-schemas first, then its own, each published once complete; NULL if
 * the tables are full or a list is too long for one. */
static const struct ntab *
nt_make(const void *of, const struct field *fields, const char *const *names)
{
	const struct ntab	*kid[2][NT_NAMES];
	struct ntab		*t;
	const char		*s;
	unsigned		 h;
	int			 i, n;

	n = atomic_load_explicit(&nntabs, memory_order_relaxed);
	if ((t = nt_lookup(of, n)) != NULL)
		return (t);
	memset(kid, 0, sizeof(kid));
	for (i = 0; fields != NULL && fields[i].name != NULL; i++) {
		if (i >= NT_NAMES)
			return (NULL);
		if (fields[i].names != NULL && (kid[0][i] =
		    nt_make(fields[i].names, NULL, fields[i].names)) == NULL)
			return (NULL);
		if (fields[i].sub != NULL && (kid[1][i] = nt_make(fields[i].sub,
		    fields[i].sub->fields, NULL)) == NULL)
			return (NULL);
	}
	if ((n = atomic_load_explicit(&nntabs, memory_order_relaxed)) ==
	    NT_MAX)
		return (NULL);
	t = &ntabs[n];
	memset(t, 0, sizeof(*t));
	t->of = of;
	memcpy(t->names, kid[0], sizeof(t->names));
	memcpy(t->sub, kid[1], sizeof(t->sub));
	for (i = 0; ; i++) {
		s = fields != NULL ? fields[i].name : names[i];
		if (s == NULL)
			break;
		if (i >= NT_NAMES)
			return (NULL);
		for (h = nt_hash(s, strlen(s)); t->slot[h].name != NULL;
		    h = (h + 1) & (NT_SLOTS - 1))
			;
		t->slot[h].name = s;
		t->slot[h].len = (uint16_t)strlen(s);
		t->slot[h].value = (int16_t)i;
		t->len[i] = t->slot[h].len;
	}
	t->nnames = i;
	atomic_store_explicit(&nntabs, n + 1, memory_order_release);
	return (t);
}

/* The table of a schema's field names, made on first use by whichever
 * thread comes first; NULL if the tables are full. */
static const struct ntab *
nt_get(const struct schema *sc)
{
	const struct ntab	*t;

	if ((t = nt_lookup(sc, atomic_load_explicit(&nntabs,
	    memory_order_acquire))) != NULL)
		return (t);
	pthread_mutex_lock(&ntab_lock);
	t = nt_make(sc, sc->fields, NULL);
	pthread_mutex_unlock(&ntab_lock);
	return (t);
}

/* Whether the len bytes at a and b are the same: names are short, no
 * call to memcmp. */
static inline int
same(const char *a, const char *b, size_t len)
{
	uint64_t	x, y;

	for (; len >= 8; a += 8, b += 8, len -= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return (0);
	}
	for (; len > 0; a++, b++, len--)
		if (*a != *b)
			return (0);
	return (1);
}

/* The value of name (p, len) in t, -1 if it has none. */
static int
nt_find(const struct ntab *t, const char *p, size_t len)
{
	const struct nslot	*s;
	unsigned		 h;

	for (h = nt_hash(p, len); (s = &t->slot[h])->name != NULL;
	    h = (h + 1) & (NT_SLOTS - 1)) {
		if (s->len == len && same(s->name, p, len))
			return (s->value);
	}
	return (-1);
}

int
schema_name_find(const struct schema *sc, int fi, const char *p, size_t len)
{
	const struct ntab	*t;
	const char *const	*names = sc->fields[fi].names;
	int			 k;

	if ((t = nt_get(sc)) != NULL && t->names[fi] != NULL)
		return (nt_find(t->names[fi], p, len));
	for (k = 0; names[k] != NULL; k++)
		if (strlen(names[k]) == len && memcmp(names[k], p, len) == 0)
			return (k);
	return (-1);
}

const struct field *
schema_field_find(const struct schema *sc, const char *key, size_t len)
{
	const struct ntab	*t;
	const struct field	*f;
	int			 k;

	if ((t = nt_get(sc)) != NULL)
		return ((k = nt_find(t, key, len)) >= 0 ? &sc->fields[k] : NULL);
	for (f = sc->fields; f->name != NULL; f++)
		if (strlen(f->name) == len && memcmp(f->name, key, len) == 0)
			return (f);
	return (NULL);
}

/* ---- reading values in place ------------------------------------------- */

static uint64_t
be_at(const unsigned char *p, int n)
{
	uint64_t	v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return (v);
}

int
mp_head(struct mpcur *c, struct mpval *v)
{
	const unsigned char	*p = c->p;
	unsigned		 b;
	int			 n = 0, len = 0;

	if (p >= c->end)
		return (-1);
	b = *p++;
	v->str = NULL;
	v->real = b == 0xca || b == 0xcb;
	if (b <= 0x7f) {
		v->type = MPT_POS;
		v->u = b;
	} else if (b >= 0xe0) {
		v->type = MPT_NEG;
		v->u = (uint64_t)(int64_t)(int8_t)b;
	} else if (b <= 0x8f) {
		v->type = MPT_MAP;
		v->u = b & 0x0f;
	} else if (b <= 0x9f) {
		v->type = MPT_ARRAY;
		v->u = b & 0x0f;
	} else if (b <= 0xbf) {
		v->type = MPT_STR;
		v->u = b & 0x1f;
	} else {
		switch (b) {
		case 0xc0: v->type = MPT_NIL; break;
		case 0xc2: case 0xc3: v->type = MPT_BOOL; v->u = b & 1; break;
		case 0xcc: case 0xcd: case 0xce: case 0xcf:
			n = 1 << (b - 0xcc);
			v->type = MPT_POS;
			break;
		case 0xd0: case 0xd1: case 0xd2: case 0xd3:
			n = 1 << (b - 0xd0);
			v->type = MPT_NEG;
			break;
		case 0xd9: case 0xda: case 0xdb:
			len = 1 << (b - 0xd9);
			v->type = MPT_STR;
			break;
		case 0xdc: case 0xdd:
			len = 2 << (b - 0xdc);
			v->type = MPT_ARRAY;
			break;
		case 0xde: case 0xdf:
			len = 2 << (b - 0xde);
			v->type = MPT_MAP;
			break;
		case 0xc4: case 0xc5: case 0xc6:	/* bin */
			len = 1 << (b - 0xc4);
			v->type = MPT_OTHER;
			break;
		case 0xc7: case 0xc8: case 0xc9:	/* ext */
			len = 1 << (b - 0xc7);
			v->type = MPT_OTHER;
			break;
		case 0xca: n = 4; v->type = MPT_OTHER; break;
		case 0xcb: n = 8; v->type = MPT_OTHER; break;
		case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
			n = 1 + (1 << (b - 0xd4));	/* fixext */
			v->type = MPT_OTHER;
			break;
		default:
			return (-1);
		}
		if (n > 0) {
			if (c->end - p < n)
				return (-1);
			v->u = be_at(p, n);
			if (v->type == MPT_NEG) {	/* sign-extend */
				if (n < 8 && (v->u >> (n * 8 - 1)) & 1)
					v->u |= ~0ULL << (n * 8);
				/* msgpack-c types a signed encoding by value */
				if ((int64_t)v->u >= 0)
					v->type = MPT_POS;
			}
			p += n;
		} else if (len > 0) {
			if (c->end - p < len)
				return (-1);
			v->u = be_at(p, len);
			p += len;
			if (b >= 0xc7 && b <= 0xc9)
				v->u++;			/* the ext's type */
		}
	}
	if (v->type == MPT_STR || (v->type == MPT_OTHER && len > 0)) {
		if ((uint64_t)(c->end - p) < v->u)
			return (-1);
		v->str = (const char *)p;
		p += v->u;
	}
	c->p = p;
	return (0);
}

int
mp_skip(struct mpcur *c, const struct mpval *v, int depth)
{
	struct mpval	e;
	uint64_t	i, n;

	if (v->type != MPT_ARRAY && v->type != MPT_MAP)
		return (0);
	if (depth > MAX_DEPTH)
		return (-1);
	n = v->type == MPT_MAP ? 2 * v->u : v->u;
	for (i = 0; i < n; i++)
		if (mp_head(c, &e) != 0 || mp_skip(c, &e, depth + 1) != 0)
			return (-1);
	return (0);
}

/* ---- the arena ---------------------------------------------------------- */

/* n bytes from the arena (from a block of their own once it is full),
 * or malloc'd without one. */
static void *
take(struct mpcur *c, size_t n)
{
	struct rec_arena	*a = c->arena;
	void			**b;
	void			*p;

	if (a == NULL)
		return (malloc(n ? n : 1));
	n = (n + 7) & ~(size_t)7;
	if (a->cap - a->used >= n) {
		p = a->mem + a->used;
		a->used += n;
		return (p);
	}
	if ((b = malloc(sizeof(void *) + n)) == NULL)
		return (NULL);
	*b = a->more;
	a->more = b;
	a->spilled += n;
	return (b + 1);
}

static char *
take_str(struct mpcur *c, const struct mpval *v)
{
	char	*s;

	if ((s = take(c, v->u + 1)) == NULL)
		return (NULL);
	memcpy(s, v->str, v->u);
	s[v->u] = '\0';
	return (s);
}

/* Empty the arena for the next record; what spilled over last time
 * makes it grow, so that it spills no more. */
static int
arena_reset(struct rec_arena *a)
{
	void	*b, *next;
	char	*p;
	size_t	 cap;

	for (b = a->more; b != NULL; b = next) {
		next = *(void **)b;
		free(b);
	}
	a->more = NULL;
	a->used = 0;
	if (a->spilled > 0 || a->mem == NULL) {
		cap = a->cap * 2 + a->spilled + 4096;
		if ((p = realloc(a->mem, cap)) == NULL)
			return (IOD_ENOMEM);
		a->mem = p;
		a->cap = cap;
		a->spilled = 0;
	}
	return (0);
}

void
rec_arena_free(struct rec_arena *a)
{
	void	*b, *next;

	for (b = a->more; b != NULL; b = next) {
		next = *(void **)b;
		free(b);
	}
	free(a->mem);
	memset(a, 0, sizeof(*a));
}

/* ---- the walk ----------------------------------------------------------- */

static int	map(struct mpcur *, const struct schema *, const struct ntab *,
		    void *, uint64_t, const struct mpval *, int);

/* Whether the map whose entries start at c (n of them) has a "v" lower
 * than version: then it may carry renamed enum names. */
static int
map_older(struct mpcur c, uint64_t n, int version)
{
	struct mpval	k, v;
	uint64_t	i;

	for (i = 0; i < n; i++) {
		if (mp_head(&c, &k) != 0 || mp_skip(&c, &k, 1) != 0 ||
		    mp_head(&c, &v) != 0)
			return (0);
		if (k.type == MPT_STR && k.u == 1 && k.str[0] == 'v')
			return (v.type == MPT_POS && v.u < (uint64_t)version);
		if (mp_skip(&c, &v, 1) != 0)
			return (0);
	}
	return (0);
}

/* An enum's value from the name v: in f's names, or, older, a name it
 * had before (f->renamed); -1 if none. */
static int
enum_of(const struct field *f, const struct ntab *nt, const struct mpval *v,
    int older)
{
	const char *const	*r;
	size_t			 len;
	int			 k;

	if (v->type != MPT_STR)
		return (-1);
	if ((k = nt_find(nt, v->str, v->u)) >= 0 || !older ||
	    f->renamed == NULL)
		return (k);
	for (r = f->renamed; r[0] != NULL; r += 2) {
		len = strlen(r[0]);
		if (len == v->u && memcmp(r[0], v->str, len) == 0)
			return (enum_lookup(f->names, r[1]));
	}
	return (-1);
}

static int
field(struct mpcur *c, const struct ntab *t, int fi, const struct field *f,
    void *rec, const struct mpval *v, int *older, struct mpcur at,
    uint64_t nkeys, int version, int depth)
{
	struct mpval	 e;
	uint64_t	 i;
	char		**sv, *p;
	int		 k, rc;

	if (v->type == MPT_NIL)
		return (0);
	switch (f->type) {
	case FT_ID:
	case FT_REF:
		if (v->type != MPT_POS)
			return (IOD_ECORRUPT);
		*AT(rec, f, uint64_t) = v->u;
		return (0);
	case FT_STR:
		if (v->type != MPT_STR)
			return (IOD_ECORRUPT);
		return ((*AT(rec, f, char *) = take_str(c, v)) == NULL ?
		    IOD_ENOMEM : 0);
	case FT_INT:
	case FT_TIME:
		if (v->type != MPT_POS && v->type != MPT_NEG)
			return (IOD_ECORRUPT);
		*AT(rec, f, int64_t) = (int64_t)v->u;
		return (0);
	case FT_BOOL:
		if (v->type != MPT_BOOL)
			return (IOD_ECORRUPT);
		*AT(rec, f, int) = (int)v->u;
		return (0);
	case FT_DATE:
		if (v->type != MPT_POS || v->u > 99991231)
			return (IOD_ECORRUPT);
		*AT(rec, f, iod_date) = (iod_date)v->u;
		return (0);
	case FT_ENUM:
		if ((k = enum_of(f, t->names[fi], v, 0)) < 0 &&
		    f->renamed != NULL && v->type == MPT_STR) {
			if (*older < 0)
				*older = map_older(at, nkeys, version);
			k = enum_of(f, t->names[fi], v, *older);
		}
		if (k < 0)
			return (IOD_ECORRUPT);
		*AT(rec, f, int) = k;
		return (0);
	case FT_SET:
		if (v->type != MPT_ARRAY)
			return (IOD_ECORRUPT);
		for (i = 0; i < v->u; i++) {
			if (mp_head(c, &e) != 0 || e.type != MPT_STR ||
			    (k = nt_find(t->names[fi], e.str, e.u)) < 0)
				return (IOD_ECORRUPT);
			*AT(rec, f, uint32_t) |= 1u << k;
		}
		return (0);
	case FT_STRV:
		if (v->type != MPT_ARRAY)
			return (IOD_ECORRUPT);
		if (v->u == 0)
			return (0);
		if (v->u > (uint64_t)(c->end - c->p) ||
		    (sv = take(c, v->u * sizeof(char *))) == NULL)
			return (v->u > (uint64_t)(c->end - c->p) ?
			    IOD_ECORRUPT : IOD_ENOMEM);
		memset(sv, 0, v->u * sizeof(char *));
		*AT(rec, f, char **) = sv;
		for (i = 0; i < v->u; i++) {
			if (mp_head(c, &e) != 0 || e.type != MPT_STR)
				return (IOD_ECORRUPT);
			if ((sv[i] = take_str(c, &e)) == NULL)
				return (IOD_ENOMEM);
			*COUNT(rec, f) = i + 1;
		}
		return (0);
	case FT_OBJ:
		return (map(c, f->sub, t->sub[fi], AT(rec, f, char), ~0ULL, v,
		    depth + 1));
	case FT_OBJV:
		if (v->type != MPT_ARRAY)
			return (IOD_ECORRUPT);
		if (v->u == 0)
			return (0);
		if (v->u > (uint64_t)(c->end - c->p) ||
		    (p = take(c, v->u * f->sub->size)) == NULL)
			return (v->u > (uint64_t)(c->end - c->p) ?
			    IOD_ECORRUPT : IOD_ENOMEM);
		memset(p, 0, v->u * f->sub->size);
		*AT(rec, f, char *) = p;
		for (i = 0; i < v->u; i++) {
			*COUNT(rec, f) = i + 1;
			if (mp_head(c, &e) != 0)
				return (IOD_ECORRUPT);
			if ((rc = map(c, f->sub, t->sub[fi],
			    p + i * f->sub->size, ~0ULL, &e, depth + 1)) != 0)
				return (rc);
		}
		return (0);
	}
	return (IOD_ECORRUPT);
}

/* The positional record whose array head is m ([version, field 0, ...])
 * into rec, the fields in want only; elements past the schema's fields
 * (a later version's) skipped. */
static int
array(struct mpcur *c, const struct schema *sc, const struct ntab *t,
    void *rec, uint64_t want, const struct mpval *m, int depth)
{
	struct mpval	v;
	uint64_t	i;
	int		rc, fi, older;

	if (m->u == 0 || mp_head(c, &v) != 0 || v.type != MPT_POS)
		return (IOD_ECORRUPT);
	older = v.u < (uint64_t)sc->version;
	for (i = 1; i < m->u; i++) {
		if (mp_head(c, &v) != 0)
			return (IOD_ECORRUPT);
		fi = (int)(i - 1);
		if (i - 1 >= (uint64_t)t->nnames ||
		    (fi < 64 && !((want >> fi) & 1))) {
			if (mp_skip(c, &v, depth + 1) != 0)
				return (IOD_ECORRUPT);
			continue;
		}
		if ((rc = field(c, t, fi, &sc->fields[fi], rec, &v, &older,
		    *c, 0, sc->version, depth)) != 0)
			return (rc);
	}
	return (0);
}

/* The record whose head is m into rec, the fields in want only (bit i:
 * field i; the others and unknown keys skipped): positional, or a map
 * by name as records were stored before. */
static int
map(struct mpcur *c, const struct schema *sc, const struct ntab *t, void *rec,
    uint64_t want, const struct mpval *m, int depth)
{
	const struct field	*f;
	struct mpval		 k, v;
	struct mpcur		 at;
	uint64_t		 i, seen = 0, bit;
	int			 rc, fi, next = 0, older = -1;

	if (depth > MAX_DEPTH)
		return (IOD_ECORRUPT);
	if (m->type == MPT_ARRAY)
		return (array(c, sc, t, rec, want, m, depth));
	if (m->type != MPT_MAP)
		return (IOD_ECORRUPT);
	at = *c;
	for (i = 0; i < m->u; i++) {
		if (mp_head(c, &k) != 0 || mp_skip(c, &k, depth + 1) != 0 ||
		    mp_head(c, &v) != 0)
			return (IOD_ECORRUPT);
		/* The store writes the fields in order: try the next. */
		if (k.type != MPT_STR)
			fi = -1;
		else if (next < t->nnames && t->len[next] == k.u &&
		    same(sc->fields[next].name, k.str, k.u))
			fi = next;
		else
			fi = nt_find(t, k.str, k.u);
		if (fi >= 0)
			next = fi + 1;
		if (fi < 0 || (fi < 64 && !((want >> fi) & 1))) {
			/* "v", a field of a later version, or not wanted */
			if (mp_skip(c, &v, depth + 1) != 0)
				return (IOD_ECORRUPT);
			continue;
		}
		f = &sc->fields[fi];
		/* A key twice is damage, not a newer value. */
		bit = 1ULL << (fi & 63);
		if (seen & bit)
			return (IOD_ECORRUPT);
		seen |= bit;
		if ((rc = field(c, t, fi, f, rec, &v, &older, at, m->u,
		    sc->version, depth)) != 0)
			return (rc);
	}
	return (0);
}

uint64_t
rec_fields_mask(const struct schema *sc, const char *const *names)
{
	const struct field	*f;
	uint64_t		 mask = 0;
	size_t			 i;

	for (i = 0; names[i] != NULL; i++)
		for (f = sc->fields; f->name != NULL; f++)
			if (strcmp(f->name, names[i]) == 0 &&
			    f - sc->fields < 64)
				mask |= 1ULL << (f - sc->fields);
	return (mask);
}

int
rec_decode_fields(const struct schema *sc, void *rec, const void *buf,
    size_t len, uint64_t want, struct rec_arena *arena)
{
	const struct ntab	*t;
	struct mpcur		 c;
	struct mpval		 m;
	int			 rc;

	if ((t = nt_get(sc)) == NULL)
		return (IOD_ENOMEM);
	c.p = buf;
	c.end = c.p + len;
	c.arena = arena;
	if (arena != NULL && arena_reset(arena) != 0)
		return (IOD_ENOMEM);
	if (mp_head(&c, &m) != 0)
		return (IOD_ECORRUPT);
	if ((rc = map(&c, sc, t, rec, want, &m, 0)) != 0)
		return (rc);
	return (c.p == c.end ? 0 : IOD_ECORRUPT);	/* one value, whole */
}
