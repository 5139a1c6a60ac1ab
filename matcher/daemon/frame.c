/*
 * frame.c — a request's framing, read off the wire before evhttp sees it:
 * the head (request line and headers, up to CONN_HEAD_MAX bytes), handed
 * on without its framing headers (Content-Length, Transfer-Encoding), and
 * the body, by its length or chunked, bounded by a limit and by a budget
 * the caller books.  A head that frames its body two ways (two lengths, a
 * length and chunked), folds a line or names a header with a space is
 * refused, as is a chunked body that is malformed.  Pure parsing on
 * evbuffers: the connections, their states and budgets are conn.c's.
 */
#include <sys/socket.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "daemon.h"

#define FRAME_LINE_MAX	1024		/* a chunk size or trailer line */

/* Move n bytes of src to the end of dst.  Small pieces are copied, so
 * that a client sending a byte at a time costs its bytes, not a buffer
 * chain each. */
void
frame_move(struct evbuffer *dst, struct evbuffer *src, size_t n)
{
	char	buf[4096];
	int	k;

	if (n >= sizeof(buf)) {
		evbuffer_remove_buffer(src, dst, n);
		return;
	}
	if ((k = evbuffer_remove(src, buf, n)) > 0)
		evbuffer_add(dst, buf, (size_t)k);
}

void
frame_refuse(struct frame *c, enum err_code err, const char *fmt, ...)
{
	va_list	ap;

	if (c->head.refused)
		return;			/* the first reason stands */
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	c->head.refused = 1;
	c->head.error = err;
	c->head.message = c->why;
}

/* RFC 9110 token characters, those of a header's name. */
static int
tchar(unsigned char ch)
{
	return (ch > 0x20 && ch < 0x7f && strchr("\"(),/:;<=>?@[\\]{}", ch) ==
	    NULL);
}

/* Content-Length: digits, or a list of the same digits (RFC 9112 6.3). */
static int
parse_length(const char *v, size_t len, uint64_t *out)
{
	uint64_t	n, first = 0;
	size_t		i = 0, digits;
	int		seen = 0;

	for (;;) {
		while (i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		for (n = 0, digits = 0; i < len && v[i] >= '0' && v[i] <= '9';
		    i++, digits++) {
			if (n > (UINT64_MAX - 9) / 10)
				return (-1);
			n = n * 10 + (uint64_t)(v[i] - '0');
		}
		if (digits == 0 || (seen && n != first))
			return (-1);
		first = n;
		seen = 1;
		while (i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (i == len)
			break;
		if (v[i++] != ',')
			return (-1);
	}
	*out = first;
	return (0);
}

/*
 * Read the head buf (len bytes, up to and with its empty line): write into
 * out what evhttp gets (the request line and the headers, less the framing
 * ones, each ending in CRLF), set c->head, or refuse it.
 */
static void
frame_parse_head(struct frame *c, const char *buf, size_t len,
    struct evbuffer *out)
{
	const char	*line = buf, *end = buf + len, *nl, *colon, *v;
	size_t		 n, vlen, i;
	uint64_t	 cl = 0, one;
	int		 ncl = 0, nte = 0, chunked = 0;

	nl = memchr(line, '\n', (size_t)(end - line));
	n = (size_t)(nl - line);
	if (n > 0 && line[n - 1] == '\r')
		n--;
	evbuffer_add(out, line, n);
	evbuffer_add(out, "\r\n", 2);
	for (line = nl + 1; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		n = (size_t)(nl - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if (*line == ' ' || *line == '\t') {
			frame_refuse(c, ERR_BAD_HEADER, "a header line "
			    "starts with white space (line folding is not "
			    "accepted)");
			continue;
		}
		if ((colon = memchr(line, ':', n)) == NULL || colon == line) {
			frame_refuse(c, ERR_BAD_HEADER, "a header line has "
			    "no name and colon");
			continue;
		}
		for (i = 0; line + i < colon && tchar((unsigned char)line[i]);
		    i++)
			;
		if (line + i < colon) {
			frame_refuse(c, ERR_BAD_HEADER, "a header's name has "
			    "a character that is not allowed (a space before "
			    "the colon?)");
			continue;
		}
		v = colon + 1;
		vlen = n - (size_t)(v - line);
		if (colon - line == 14 && strncasecmp(line, "Content-Length",
		    14) == 0) {
			if (parse_length(v, vlen, &one) != 0)
				frame_refuse(c, ERR_BAD_LENGTH,
				    "Content-Length is not a number of bytes");
			else if (ncl > 0 && one != cl)
				frame_refuse(c, ERR_BAD_LENGTH, "two "
				    "Content-Length headers with different "
				    "values (%llu and %llu)",
				    (unsigned long long)cl,
				    (unsigned long long)one);
			else
				cl = one;
			ncl++;
			continue;
		}
		if (colon - line == 17 && strncasecmp(line,
		    "Transfer-Encoding", 17) == 0) {
			while (vlen > 0 && (*v == ' ' || *v == '\t'))
				v++, vlen--;
			while (vlen > 0 && (v[vlen - 1] == ' ' ||
			    v[vlen - 1] == '\t'))
				vlen--;
			if (vlen == 7 && strncasecmp(v, "chunked", 7) == 0)
				chunked = 1;
			else
				frame_refuse(c, ERR_UNSUPPORTED_ENCODING,
				    "Transfer-Encoding: only chunked is "
				    "accepted");
			nte++;
			continue;
		}
		if (colon - line == 6 && strncasecmp(line, "Expect", 6) == 0) {
			while (vlen > 0 && (*v == ' ' || *v == '\t'))
				v++, vlen--;
			if (vlen >= 12 && strncasecmp(v, "100-continue",
			    12) == 0)
				c->expect = 1;
			continue;
		}
		evbuffer_add(out, line, n);
		evbuffer_add(out, "\r\n", 2);
	}
	evbuffer_add(out, "\r\n", 2);
	if (nte > 1)
		frame_refuse(c, ERR_BAD_HEADER, "Transfer-Encoding is given "
		    "more than once");
	if (nte > 0 && ncl > 0)
		frame_refuse(c, ERR_BAD_LENGTH, "Content-Length and "
		    "Transfer-Encoding together: the body's length is "
		    "ambiguous");
	if (chunked) {
		c->head.framing = CONN_BODY_CHUNKED;
	} else if (ncl > 0 && cl > 0) {
		c->head.framing = CONN_BODY_LENGTH;
		c->head.length = cl;
	}
}

int
frame_head(struct frame *c, struct evbuffer *stage, size_t max_body,
    struct evbuffer **outp)
{
	struct evbuffer	*out;
	const char	*buf, *nl;
	size_t		 len, n, start;
	int		 done = 0;

	*outp = NULL;

	/* Empty lines before a request line are skipped (RFC 9112 2.2). */
	while (c->scan == 0 && (len = evbuffer_get_length(stage)) > 0) {
		buf = (const char *)evbuffer_pullup(stage, len < 2 ? 1 : 2);
		if (buf[0] == '\n')
			evbuffer_drain(stage, 1);
		else if (len >= 2 && buf[0] == '\r' && buf[1] == '\n')
			evbuffer_drain(stage, 2);
		else
			break;
	}
	if ((len = evbuffer_get_length(stage)) == 0)
		return (0);
	n = len < CONN_HEAD_MAX ? len : CONN_HEAD_MAX;
	buf = (const char *)evbuffer_pullup(stage, (ev_ssize_t)n);
	while (c->scan < n && (nl = memchr(buf + c->scan, '\n',
	    n - c->scan)) != NULL) {
		start = c->scan;
		c->scan = (size_t)(nl - buf) + 1;
		if (start > 0 && (nl == buf + start ||
		    (nl == buf + start + 1 && buf[start] == '\r'))) {
			done = 1;
			break;
		}
	}
	if (!done && len < CONN_HEAD_MAX)
		return (0);
	if ((out = evbuffer_new()) == NULL)
		return (0);
	memset(&c->head, 0, sizeof(c->head));
	c->head.max_body = max_body;
	c->expect = 0;
	if (done) {
		frame_parse_head(c, buf, c->scan, out);
		evbuffer_drain(stage, c->scan);
	} else {
		/* No end in sight: answer from a request of our own. */
		evbuffer_add_printf(out, "GET / HTTP/1.1\r\n\r\n");
		frame_refuse(c, ERR_HEADERS_TOO_LARGE, "the request line and "
		    "headers are over %d bytes", CONN_HEAD_MAX);
	}
	*outp = out;
	return (1);
}

static int
body_fail(struct frame *c, int *status, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The body is refused with code: why says it.  Returns 1 (done). */
static int
body_fail(struct frame *c, int *status, int code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	*status = code;
	return (1);
}

/* A chunk's size line: hex digits, then extensions we ignore. */
static int
chunk_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t	n = 0;
	size_t		i;
	int		d;

	for (i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')
			d = (s[i] | 0x20) - 'a' + 10;
		else
			break;
		if (i == 16)
			return (-1);
		n = n << 4 | (uint64_t)d;
	}
	if (i == 0)
		return (-1);
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < len && s[i] != ';')
		return (-1);
	*out = n;
	return (0);
}

/* One line of the stage, without its end; NULL until it is whole. */
static const char *
stage_line(struct evbuffer *stage, size_t *len, size_t *eol)
{
	struct evbuffer_ptr	 p;
	size_t			 have = evbuffer_get_length(stage);
	const char		*s;

	p = evbuffer_search(stage, "\n", 1, NULL);
	if (p.pos < 0 || (size_t)p.pos >= FRAME_LINE_MAX) {
		*len = have >= FRAME_LINE_MAX || p.pos >= 0 ? FRAME_LINE_MAX :
		    0;
		return (NULL);
	}
	s = (const char *)evbuffer_pullup(stage, p.pos + 1);
	*eol = (size_t)p.pos + 1;
	*len = (size_t)p.pos;
	if (*len > 0 && s[*len - 1] == '\r')
		(*len)--;
	return (s);
}

int
frame_body(struct frame *c, struct evbuffer *stage, struct evbuffer *body,
    int (*reserve)(void *, uint64_t), void *arg, int *status)
{
	const char	*s;
	size_t		 len, eol, have;
	uint64_t	 n;

	while ((have = evbuffer_get_length(stage)) > 0) {
		if (c->head.framing == CONN_BODY_LENGTH || c->chunk ==
		    FRAME_CHUNK_DATA) {
			n = c->left < have ? c->left : have;
			frame_move(body, stage, (size_t)n);
			c->left -= n;
			c->got += (size_t)n;
			if (c->left > 0)
				return (0);
			if (c->head.framing == CONN_BODY_LENGTH) {
				*status = 0;
				return (1);
			}
			c->chunk = FRAME_CHUNK_END;
			continue;
		}
		if ((s = stage_line(stage, &len, &eol)) == NULL) {
			if (len > 0)
				return (body_fail(c, status, 400,
				    "a chunk size line "
				    "or trailer is over %d bytes",
				    FRAME_LINE_MAX));
			return (0);
		}
		switch (c->chunk) {
		case FRAME_CHUNK_SIZE:
			if (chunk_size(s, len, &n) != 0)
				return (body_fail(c, status, 400,
				    "the chunked body "
				    "is malformed: a chunk size is not "
				    "hexadecimal"));
			if (n > c->limit - c->got)
				return (body_fail(c, status, 413,
				    "the body is over "
				    "the limit of %zu bytes", c->limit));
			if (reserve(arg, n) != 0)
				return (body_fail(c, status, 503,
				    "the server holds "
				    "too many request bodies: try again "
				    "later"));
			c->left = n;
			c->chunk = n > 0 ? FRAME_CHUNK_DATA :
			    FRAME_CHUNK_TRAILER;
			break;
		case FRAME_CHUNK_END:
			if (len != 0)
				return (body_fail(c, status, 400,
				    "the chunked body is "
				    "malformed: a chunk does not end where its "
				    "size says"));
			c->chunk = FRAME_CHUNK_SIZE;
			break;
		case FRAME_CHUNK_TRAILER:
			if (len == 0) {
				evbuffer_drain(stage, eol);
				*status = 0;
				return (1);
			}
			if ((c->trailer += eol) > CONN_HEAD_MAX)
				return (body_fail(c, status, 431,
				    "the chunked body's "
				    "trailer is over %d bytes", CONN_HEAD_MAX));
			break;
		case FRAME_CHUNK_DATA:
			break;
		}
		evbuffer_drain(stage, eol);
	}
	return (0);
}

/* Say 100 Continue to a client that waits for it before its body.  Only
 * on a plain socket with nothing queued: evhttp's writing is not ours. */
void
frame_continue(struct bufferevent *bev, int tls)
{
	static const char	msg[] = "HTTP/1.1 100 Continue\r\n\r\n";
	evutil_socket_t		s;

	if (tls || evbuffer_get_length(bufferevent_get_output(bev)) > 0 ||
	    (s = bufferevent_getfd(bev)) < 0)
		return;
	(void)send(s, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}
