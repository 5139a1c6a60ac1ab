/*
 * wire-json.c — a JSON item of a batch body rewritten as the msgpack
 * value it stands for, so that rec_from_mp decodes it straight into its
 * record with no JSON tree.  It takes the plain road only, as
 * rec_from_mp does: a real number, an integer beyond int64 or written
 * "-0", "\u0000", a lone surrogate, a raw control byte, nesting deeper
 * than MAX_DEPTH, anything jansson would refuse, it leaves undecided for
 * the caller to parse with jansson, which also says what is wrong.  The
 * bytes of strings are copied as they are: rec_from_mp checks UTF-8
 * wherever a string is kept.  Where the items are cut is wire.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "schema-int.h"

struct jx {
	const unsigned char	*p, *end;
	unsigned char		*o;	/* room for 3 bytes an input byte */
	uint64_t		 values;	/* as wire.c counts an item's */
};

static int	value(struct jx *, int);

static void
ws(struct jx *x)
{
	while (x->p < x->end && (*x->p == ' ' || *x->p == '\n' ||
	    *x->p == '\t' || *x->p == '\r'))
		x->p++;
}

static void
put_be(unsigned char *o, uint64_t v, int n)
{
	while (n-- > 0) {
		o[n] = (unsigned char)v;
		v >>= 8;
	}
}

/* Four hex digits at p (inside the item): the code unit, or -1. */
static long
hex4(const unsigned char *p)
{
	long	u = 0;
	int	i, c;

	for (i = 0; i < 4; i++) {
		c = p[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			c = (c | 0x20) - 'a' + 10;
		else
			return (-1);
		u = u << 4 | c;
	}
	return (u);
}

/* The string whose '"' is at x->p; its head sized by the escaped length,
 * which the unescaped one never exceeds. */
static int
string(struct jx *x)
{
	const unsigned char	*s = x->p + 1, *q;
	unsigned char		*h = x->o, *b;
	size_t			 raw, n;
	long			 u, lo;
	int			 hl;

	/* Most strings have no escape: one pass, then one copy. */
	for (q = s; q < x->end && *q >= 0x20 && *q != '"' && *q != '\\'; q++)
		;
	if (q < x->end && *q == '"') {
		raw = (size_t)(q - s);
		hl = raw < 32 ? 1 : raw < 256 ? 2 : raw < 65536 ? 3 : 5;
		memcpy(h + hl, s, raw);
		b = h + hl + raw;
		s = q;
	} else {
		for (; q < x->end && *q != '"'; q++) {
			if (*q < 0x20)
				return (-1);
			if (*q == '\\' && ++q == x->end)
				return (-1);
		}
		if (q == x->end)
			return (-1);
		raw = (size_t)(q - s);
		hl = raw < 32 ? 1 : raw < 256 ? 2 : raw < 65536 ? 3 : 5;
		b = h + hl;
	}
	for (; s < q; s++) {
		if (*s != '\\') {
			*b++ = *s;
			continue;
		}
		switch (*++s) {
		case '"': case '\\': case '/': *b++ = *s; break;
		case 'b': *b++ = '\b'; break;
		case 'f': *b++ = '\f'; break;
		case 'n': *b++ = '\n'; break;
		case 'r': *b++ = '\r'; break;
		case 't': *b++ = '\t'; break;
		case 'u':
			if (q - s < 5 || (u = hex4(s + 1)) <= 0 ||
			    (u >= 0xdc00 && u <= 0xdfff))
				return (-1);
			s += 4;
			if (u >= 0xd800 && u <= 0xdbff) {
				if (q - s < 7 || s[1] != '\\' || s[2] != 'u' ||
				    (lo = hex4(s + 3)) < 0xdc00 || lo > 0xdfff)
					return (-1);
				s += 6;
				u = 0x10000 + ((u - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			if (u < 0x80)
				*b++ = (unsigned char)u;
			else if (u < 0x800) {
				*b++ = (unsigned char)(0xc0 | u >> 6);
				*b++ = (unsigned char)(0x80 | (u & 0x3f));
			} else if (u < 0x10000) {
				*b++ = (unsigned char)(0xe0 | u >> 12);
				*b++ = (unsigned char)(0x80 | (u >> 6 & 0x3f));
				*b++ = (unsigned char)(0x80 | (u & 0x3f));
			} else {
				*b++ = (unsigned char)(0xf0 | u >> 18);
				*b++ = (unsigned char)(0x80 | (u >> 12 & 0x3f));
				*b++ = (unsigned char)(0x80 | (u >> 6 & 0x3f));
				*b++ = (unsigned char)(0x80 | (u & 0x3f));
			}
			break;
		default:
			return (-1);
		}
	}
	n = (size_t)(b - (h + hl));
	if (hl == 1)
		h[0] = (unsigned char)(0xa0 | n);
	else {
		h[0] = hl == 2 ? 0xd9 : hl == 3 ? 0xda : 0xdb;
		put_be(h + 1, n, hl - 1);
	}
	x->o = b;
	x->p = q + 1;
	return (0);
}

/* An integer as jansson reads one (no fraction, no exponent: those are
 * reals, left to jansson), within int64. */
static int
number(struct jx *x)
{
	const unsigned char	*p = x->p;
	uint64_t		 v = 0, lim;
	int			 neg = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (p == x->end || *p < '0' || *p > '9')
		return (-1);
	if (*p == '0') {
		if (neg)
			return (-1);
		p++;
	} else
		for (; p < x->end && *p >= '0' && *p <= '9'; p++) {
			if (v > (lim - (uint64_t)(*p - '0')) / 10)
				return (-1);
			v = v * 10 + (uint64_t)(*p - '0');
		}
	if (p < x->end && (*p == '.' || *p == 'e' || *p == 'E' ||
	    (*p >= '0' && *p <= '9')))
		return (-1);
	x->p = p;
	if (!neg && v <= 0x7f)
		*x->o++ = (unsigned char)v;
	else if (!neg) {
		*x->o++ = 0xcf;
		put_be(x->o, v, 8);
		x->o += 8;
	} else if (v <= 32)
		*x->o++ = (unsigned char)(0x100 - v);
	else {
		*x->o++ = 0xd3;
		put_be(x->o, (uint64_t)0 - v, 8);
		x->o += 8;
	}
	return (0);
}

static int
word(struct jx *x, const char *w, size_t n, unsigned char byte)
{
	if ((size_t)(x->end - x->p) < n || memcmp(x->p, w, n) != 0)
		return (-1);
	x->p += n;
	*x->o++ = byte;
	return (0);
}

/* An object or an array: its head (16-bit count) filled in at the end. */
static int
container(struct jx *x, int depth)
{
	unsigned char	*h = x->o, close = *x->p == '{' ? '}' : ']';
	size_t		 n = 0;

	if (depth >= MAX_DEPTH)
		return (-1);
	x->o += 3;
	x->p++;
	ws(x);
	if (x->p < x->end && *x->p == close)
		x->p++;
	else
		for (;;) {
			if (close == '}') {
				if (x->p == x->end || *x->p != '"' ||
				    string(x) != 0)
					return (-1);
				ws(x);
				if (x->p == x->end || *x->p++ != ':')
					return (-1);
			}
			if (value(x, depth + 1) != 0 || ++n > 0xffff)
				return (-1);
			ws(x);
			if (x->p == x->end)
				return (-1);
			if (*x->p == ',') {
				x->p++;
				ws(x);
				continue;
			}
			if (*x->p++ != close)
				return (-1);
			break;
		}
	h[0] = close == '}' ? 0xde : 0xdc;
	put_be(h + 1, n, 2);
	/* The opening, the commas between, an object's colons. */
	x->values += 1 + (n > 0 ? n - 1 : 0) + (close == '}' ? n : 0);
	return (0);
}

static int
value(struct jx *x, int depth)
{
	ws(x);
	if (x->p == x->end)
		return (-1);
	switch (*x->p) {
	case '{':
	case '[':
		return (container(x, depth));
	case '"':
		return (string(x));
	case 't':
		return (word(x, "true", 4, 0xc3));
	case 'f':
		return (word(x, "false", 5, 0xc2));
	case 'n':
		return (word(x, "null", 4, 0xc0));
	default:
		return (number(x));
	}
}

int
wire_json_mp_next(const char *json, size_t len, char **buf, size_t *cap,
    size_t *outlen, size_t *used, uint64_t *values)
{
	struct jx	 x;
	char		*p;
	size_t		 need = len * 3 + 16;

	if (need > *cap) {
		if ((p = realloc(*buf, need)) == NULL)
			return (IOD_ENOMEM);
		*buf = p;
		*cap = need;
	}
	x.p = (const unsigned char *)json;
	x.end = x.p + len;
	x.o = (unsigned char *)*buf;
	x.values = 1;
	if (value(&x, 0) != 0)
		return (IOD_EINVAL);
	ws(&x);
	*outlen = (size_t)((char *)x.o - *buf);
	*used = (size_t)((const char *)x.p - json);
	*values = x.values;
	return (0);
}

int
wire_json_mp(const char *json, size_t len, char **buf, size_t *cap,
    size_t *outlen)
{
	uint64_t	values;
	size_t		used;
	int		rc;

	if ((rc = wire_json_mp_next(json, len, buf, cap, outlen, &used,
	    &values)) != 0)
		return (rc);
	return (used == len ? 0 : IOD_EINVAL);
}
