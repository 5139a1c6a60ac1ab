/*
 * conn.c — the daemon's connections, below evhttp.  Each one's bufferevent
 * is made here (plain, or TLS with OpenSSL), and what a client sends is
 * read here first: a tap on the bufferevent's input takes every byte as it
 * arrives, and evhttp is handed one request head at a time, whole, without
 * its framing headers (Content-Length, Transfer-Encoding), so that evhttp
 * never reads a body.  A head that frames its body two ways (two lengths, a
 * length and chunked), folds a line or names a header with a space is
 * refused.  http_dispatch sees the declared framing (conn_request), checks
 * the route, the token, the role and the length, and only then asks for
 * the body (conn_body_read): it is read here, bounded by the route's limit
 * and by a total for all connections together (max_buffered), and handed
 * over whole.  A request refused before its body closes the connection
 * after the reply, the body drained meanwhile.
 *
 * Connections have two budgets: requests (max_connections) and event
 * streams (max_streams in all, max_streams_per_token).  At the limit, room
 * is made by dropping the connection that has done least: one that has not
 * completed a request, oldest first, then an idle one; a new stream may
 * take the place of one far behind.  A head must come whole within
 * header_timeout_s.  A sweep once a second enforces that and releases what
 * evhttp has let go (our reference keeps the bufferevent until then).
 * Requests per token per minute are counted here too.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "matcher.h"

#define CONN_AHEAD_MAX	(64 * 1024)	/* read ahead while a request runs */
#define CONN_LINE_MAX	1024		/* a chunk size or trailer line */
#define CONN_BEHIND	(32 * 1024)	/* a stream's unsent output: behind */
#define CONN_LINGER_S	2		/* drain a refused body, then close */
#define CONN_BACKLOG	1024		/* connections not accepted yet */

enum conn_state {
	CONN_HEAD,		/* reading a head */
	CONN_WAIT,		/* evhttp has the head; dispatch decides */
	CONN_BODY,		/* reading the body for the dispatcher */
	CONN_REQ,		/* the request runs; what follows waits */
	CONN_DISCARD		/* nothing more is read: it closes */
};

enum chunk_state { CHUNK_SIZE, CHUNK_DATA, CHUNK_END, CHUNK_TRAILER };

struct conn {
	TAILQ_ENTRY(conn)	 entry;		/* in fresh or in others */
	TAILQ_ENTRY(conn)	 ready_entry;
	struct bufferevent	*bev;
	struct evbuffer_cb_entry *tap;
	struct evbuffer		*stage;		/* read, not handed on yet */
	struct evbuffer		*body;		/* the body being read */
	enum conn_state		 state;
	int			 fresh;		/* no complete request yet */
	int			 counted;	/* in nconns or nstreams */
	int			 tapping;	/* we write the input: ignore */
	int			 evicted, streaming, ready, kick, over;
	int			 unread;	/* a body declared, not read */
	time_t			 since;		/* connected, a head's first
						   byte, or the last reply */
	time_t			 gone;		/* evhttp let go, at */
	size_t			 scan;		/* where the next line starts */
	struct conn_head	 head;
	char			 why[160];	/* head.message */
	int			 expect;	/* 100-continue asked */
	enum chunk_state	 chunk;
	uint64_t		 left;		/* of the length or chunk */
	size_t			 limit, got, reserved, trailer;
	int			 result;	/* of the body: 0 or a status */
	conn_body_cb		 cb;
	void			*cbarg;
	uint64_t		 token_id;	/* a stream's */
};
TAILQ_HEAD(conn_list, conn);

static struct {
	struct conn_list	 fresh;		/* by connection time */
	struct conn_list	 others;
	struct conn_list	 ready;
	struct hmap		 bybev;		/* bufferevent -> conn */
	struct hmap		 streams;	/* token id + 1 -> streams */
	struct hmap		 rate;		/* token id -> minute << 20 |
						   count */
	struct conn_limits	 lim;
	size_t			 nconns, nstreams, buffered;
	struct evconnlistener	*listener;
	struct event		*sweep_ev, *ready_ev, *resume_ev;
	SSL_CTX			*tls;
	time_t			 logged;	/* the last warning, at */
	int			 stopping;
} cn = {
	.fresh = TAILQ_HEAD_INITIALIZER(cn.fresh),
	.others = TAILQ_HEAD_INITIALIZER(cn.others),
	.ready = TAILQ_HEAD_INITIALIZER(cn.ready),
};

static void	reap(void);

static time_t
mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

/* Warn at most once a minute: an attack would fill the log otherwise. */
static void
warn_once(const char *what)
{
	time_t	t = mono();

	if (cn.logged != 0 && t - cn.logged < 60)
		return;
	cn.logged = t;
	log_warn("%s (%zu connections, %zu event streams)", what, cn.nconns,
	    cn.nstreams);
}

static struct conn_list *
list_of(struct conn *c)
{
	return (c->fresh ? &cn.fresh : &cn.others);
}

/* Take c out of the fresh list once it has done something. */
static void
unfresh(struct conn *c)
{
	if (!c->fresh)
		return;
	TAILQ_REMOVE(&cn.fresh, c, entry);
	c->fresh = 0;
	TAILQ_INSERT_TAIL(&cn.others, c, entry);
}

/* Take c off the budgets it was counted in. */
static void
uncount(struct conn *c)
{
	uint64_t	n;

	if (!c->counted)
		return;
	c->counted = 0;
	if (!c->streaming) {
		cn.nconns--;
		return;
	}
	cn.nstreams--;
	n = hmap_get(&cn.streams, c->token_id + 1);
	hmap_set(&cn.streams, c->token_id + 1, n > 0 ? n - 1 : 0);
}

/* Move n bytes of src to the end of dst.  Small pieces are copied, so
 * that a client sending a byte at a time costs its bytes, not a buffer
 * chain each. */
static void
move(struct evbuffer *dst, struct evbuffer *src, size_t n)
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

static void
release(struct conn *c)
{
	cn.buffered -= c->reserved;
	c->reserved = 0;
}

/* Book n bytes of the total for c's body: 0, or -1 if they do not fit. */
static int
reserve(struct conn *c, uint64_t n)
{
	if (n > cn.lim.max_buffered || cn.buffered > cn.lim.max_buffered - n)
		return (-1);
	cn.buffered += n;
	c->reserved += n;
	return (0);
}

static void
ready(struct conn *c)
{
	if (!c->ready) {
		c->ready = 1;
		TAILQ_INSERT_TAIL(&cn.ready, c, ready_entry);
	}
	event_active(cn.ready_ev, EV_TIMEOUT, 1);
}

/* 1 once evhttp has freed c's bufferevent (its callbacks are cleared). */
static int
let_go(struct conn *c)
{
	bufferevent_event_cb	eventcb;

	bufferevent_getcb(c->bev, NULL, NULL, &eventcb, NULL);
	return (eventcb == NULL);
}

/* Drop c: evhttp reads the end of the stream and lets go. */
static void
drop(struct conn *c)
{
	evutil_socket_t	s;

	if (c->evicted)
		return;
	c->evicted = 1;
	uncount(c);
	unfresh(c);
	if ((s = bufferevent_getfd(c->bev)) >= 0)
		shutdown(s, SHUT_RDWR);
}

static void
refuse_head(struct conn *c, int status, const char *code, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/* Refuse the request whose head is read: the dispatcher answers status. */
static void
refuse_head(struct conn *c, int status, const char *code, const char *fmt,
    ...)
{
	va_list	ap;

	if (c->head.status != 0)
		return;			/* the first reason stands */
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	c->head.status = status;
	c->head.code = code;
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
parse_head(struct conn *c, const char *buf, size_t len, struct evbuffer *out)
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
			refuse_head(c, 400, "bad_header", "a header line "
			    "starts with white space (line folding is not "
			    "accepted)");
			continue;
		}
		if ((colon = memchr(line, ':', n)) == NULL || colon == line) {
			refuse_head(c, 400, "bad_header", "a header line has "
			    "no name and colon");
			continue;
		}
		for (i = 0; line + i < colon && tchar((unsigned char)line[i]);
		    i++)
			;
		if (line + i < colon) {
			refuse_head(c, 400, "bad_header", "a header's name has "
			    "a character that is not allowed (a space before "
			    "the colon?)");
			continue;
		}
		v = colon + 1;
		vlen = n - (size_t)(v - line);
		if (colon - line == 14 && strncasecmp(line, "Content-Length",
		    14) == 0) {
			if (parse_length(v, vlen, &one) != 0)
				refuse_head(c, 400, "bad_length",
				    "Content-Length is not a number of bytes");
			else if (ncl > 0 && one != cl)
				refuse_head(c, 400, "bad_length", "two "
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
				refuse_head(c, 501, "unsupported_encoding",
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
		refuse_head(c, 400, "bad_header", "Transfer-Encoding is given "
		    "more than once");
	if (nte > 0 && ncl > 0)
		refuse_head(c, 400, "bad_length", "Content-Length and "
		    "Transfer-Encoding together: the body's length is "
		    "ambiguous");
	if (chunked) {
		c->head.framing = CONN_BODY_CHUNKED;
	} else if (ncl > 0 && cl > 0) {
		c->head.framing = CONN_BODY_LENGTH;
		c->head.length = cl;
	}
}

/*
 * If the stage holds a whole head, hand it to evhttp (the framing read,
 * or a refusal noted for the dispatcher): 1 if it did, else 0.  A head
 * that does not end within CONN_HEAD_MAX bytes is refused (431).
 */
static int
take_head(struct conn *c)
{
	struct evbuffer	*out, *in;
	const char	*buf, *nl;
	size_t		 len, n, start;
	int		 done = 0;

	/* Empty lines before a request line are skipped (RFC 9112 2.2). */
	while (c->scan == 0 && (len = evbuffer_get_length(c->stage)) > 0) {
		buf = (const char *)evbuffer_pullup(c->stage, len < 2 ? 1 : 2);
		if (buf[0] == '\n')
			evbuffer_drain(c->stage, 1);
		else if (len >= 2 && buf[0] == '\r' && buf[1] == '\n')
			evbuffer_drain(c->stage, 2);
		else
			break;
	}
	if ((len = evbuffer_get_length(c->stage)) == 0)
		return (0);
	n = len < CONN_HEAD_MAX ? len : CONN_HEAD_MAX;
	buf = (const char *)evbuffer_pullup(c->stage, (ev_ssize_t)n);
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
	c->head.max_body = cn.lim.max_body;
	c->expect = 0;
	if (done) {
		parse_head(c, buf, c->scan, out);
		evbuffer_drain(c->stage, c->scan);
	} else {
		/* No end in sight: answer from a request of our own. */
		evbuffer_add_printf(out, "GET / HTTP/1.1\r\n\r\n");
		refuse_head(c, 431, "headers_too_large", "the request line and "
		    "headers are over %d bytes", CONN_HEAD_MAX);
	}
	if (c->over)
		refuse_head(c, 503, "busy", "the server has %zu connections, "
		    "its limit: try again later", cn.lim.max_connections);
	c->scan = 0;
	c->state = CONN_WAIT;
	c->tapping = 1;
	in = bufferevent_get_input(c->bev);
	if (evbuffer_add_buffer(in, out) != 0) {
		/* Its end is frozen but while the bufferevent reads. */
		evbuffer_unfreeze(in, 0);
		evbuffer_add_buffer(in, out);
		evbuffer_freeze(in, 0);
	}
	c->tapping = 0;
	evbuffer_free(out);
	return (1);
}

/* The body is read (status 0) or refused: stop reading for now. */
static void
body_end(struct conn *c, int status)
{
	c->result = status;
	c->unread = status != 0;
	c->state = status == 0 ? CONN_REQ : CONN_DISCARD;
	if (status != 0)
		evbuffer_drain(c->stage, evbuffer_get_length(c->stage));
	bufferevent_disable(c->bev, EV_READ);
}

static int
body_fail(struct conn *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
body_fail(struct conn *c, int status, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	body_end(c, status);
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
stage_line(struct conn *c, size_t *len, size_t *eol)
{
	struct evbuffer_ptr	 p;
	size_t			 have = evbuffer_get_length(c->stage);
	const char		*s;

	p = evbuffer_search(c->stage, "\n", 1, NULL);
	if (p.pos < 0 || (size_t)p.pos >= CONN_LINE_MAX) {
		*len = have >= CONN_LINE_MAX || p.pos >= 0 ? CONN_LINE_MAX : 0;
		return (NULL);
	}
	s = (const char *)evbuffer_pullup(c->stage, p.pos + 1);
	*eol = (size_t)p.pos + 1;
	*len = (size_t)p.pos;
	if (*len > 0 && s[*len - 1] == '\r')
		(*len)--;
	return (s);
}

/* Move what the stage holds of the body into c->body: 1 once it is read
 * or refused (c->result), else 0. */
static int
body_take(struct conn *c)
{
	const char	*s;
	size_t		 len, eol, have;
	uint64_t	 n;

	while ((have = evbuffer_get_length(c->stage)) > 0) {
		if (c->head.framing == CONN_BODY_LENGTH || c->chunk ==
		    CHUNK_DATA) {
			n = c->left < have ? c->left : have;
			move(c->body, c->stage, (size_t)n);
			c->left -= n;
			c->got += (size_t)n;
			if (c->left > 0)
				return (0);
			if (c->head.framing == CONN_BODY_LENGTH) {
				body_end(c, 0);
				return (1);
			}
			c->chunk = CHUNK_END;
			continue;
		}
		if ((s = stage_line(c, &len, &eol)) == NULL) {
			if (len > 0)
				return (body_fail(c, 400, "a chunk size line "
				    "or trailer is over %d bytes",
				    CONN_LINE_MAX));
			return (0);
		}
		switch (c->chunk) {
		case CHUNK_SIZE:
			if (chunk_size(s, len, &n) != 0)
				return (body_fail(c, 400, "the chunked body "
				    "is malformed: a chunk size is not "
				    "hexadecimal"));
			if (n > c->limit - c->got)
				return (body_fail(c, 413, "the body is over "
				    "the limit of %zu bytes", c->limit));
			if (reserve(c, n) != 0)
				return (body_fail(c, 503, "the server holds "
				    "too many request bodies: try again "
				    "later"));
			c->left = n;
			c->chunk = n > 0 ? CHUNK_DATA : CHUNK_TRAILER;
			break;
		case CHUNK_END:
			if (len != 0)
				return (body_fail(c, 400, "the chunked body is "
				    "malformed: a chunk does not end where its "
				    "size says"));
			c->chunk = CHUNK_SIZE;
			break;
		case CHUNK_TRAILER:
			if (len == 0) {
				evbuffer_drain(c->stage, eol);
				body_end(c, 0);
				return (1);
			}
			if ((c->trailer += eol) > CONN_HEAD_MAX)
				return (body_fail(c, 431, "the chunked body's "
				    "trailer is over %d bytes", CONN_HEAD_MAX));
			break;
		case CHUNK_DATA:
			break;
		}
		evbuffer_drain(c->stage, eol);
	}
	return (0);
}

/* Say 100 Continue to a client that waits for it before its body.  Only
 * on a plain socket with nothing queued: evhttp's writing is not ours. */
static void
send_continue(struct conn *c)
{
	static const char	msg[] = "HTTP/1.1 100 Continue\r\n\r\n";
	evutil_socket_t		s;

	if (cn.tls != NULL || evbuffer_get_length(bufferevent_get_output(
	    c->bev)) > 0 || (s = bufferevent_getfd(c->bev)) < 0)
		return;
	(void)send(s, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Carry on with what the stage holds, as c's state says. */
static void
advance(struct conn *c)
{
	switch (c->state) {
	case CONN_HEAD:
		take_head(c);
		break;
	case CONN_BODY:
		if (body_take(c))
			ready(c);
		break;
	case CONN_WAIT:
	case CONN_REQ:
		/* A client sending ahead waits for the request to end. */
		if (evbuffer_get_length(c->stage) > CONN_AHEAD_MAX)
			bufferevent_disable(c->bev, EV_READ);
		break;
	case CONN_DISCARD:
		evbuffer_drain(c->stage, evbuffer_get_length(c->stage));
		break;
	}
}

/* The input's tap: every byte read comes to the stage first.  What it
 * hands on (a head) is read by evhttp once the tap returns. */
static void
tap(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*ours;

	if (info->n_added == 0 || c->tapping)
		return;
	c->tapping = 1;
	if (c->state == CONN_HEAD && !c->fresh &&
	    evbuffer_get_length(c->stage) == 0)
		c->since = mono();	/* a head starts: its deadline runs */
	if (info->orig_size == 0)
		move(c->stage, in, evbuffer_get_length(in));
	else if ((ours = evbuffer_new()) != NULL) {
		/* A head we handed on is still there: take what follows. */
		evbuffer_remove_buffer(in, ours, info->orig_size);
		move(c->stage, in, evbuffer_get_length(in));
		evbuffer_prepend_buffer(in, ours);
		evbuffer_free(ours);
	}
	c->tapping = 0;
	advance(c);
}

/* evhttp asks for each new connection's bufferevent here. */
static struct bufferevent *
conn_bevcb(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;
	struct conn		*c, *v;
	SSL			*ssl;
	int			 over = 0;

	(void)arg;
	if (cn.nconns >= cn.lim.max_connections)
		reap();
	if (cn.nconns >= cn.lim.max_connections) {
		/* Make room: the oldest that completed no request, then the
		 * one idle the longest. */
		v = TAILQ_FIRST(&cn.fresh);
		if (v == NULL)
			TAILQ_FOREACH(c, &cn.others, entry)
				if (!c->evicted && !c->streaming &&
				    c->state == CONN_HEAD &&
				    evbuffer_get_length(c->stage) == 0 &&
				    (v == NULL || c->since < v->since))
					v = c;
		if (v != NULL) {
			drop(v);
			warn_once("at max_connections: dropping the "
			    "connections that did least");
		} else {
			over = 1;
			warn_once("at max_connections: refusing new ones");
		}
	}
	if (cn.tls != NULL) {
		if ((ssl = SSL_new(cn.tls)) == NULL)
			return (NULL);
		bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	} else
		bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL || (c = calloc(1, sizeof(*c))) == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
		return (NULL);
	}
	if ((c->stage = evbuffer_new()) == NULL ||
	    (c->tap = evbuffer_add_cb(bufferevent_get_input(bev), tap, c)) ==
	    NULL || hmap_set(&cn.bybev, (uint64_t)(uintptr_t)bev,
	    (uint64_t)(uintptr_t)c) != 0) {
		if (c->stage != NULL)
			evbuffer_free(c->stage);
		free(c);
		bufferevent_free(bev);
		return (NULL);
	}
	/* evhttp's read callback runs only when there is a head for it. */
	bufferevent_setwatermark(bev, EV_READ, 1, 0);
	/* Our reference keeps the memory valid until the sweep sees that
	 * evhttp has freed it (its callbacks are then cleared). */
	bufferevent_incref(bev);
	c->bev = bev;
	c->since = mono();
	c->fresh = 1;
	c->over = over;
	c->counted = 1;
	cn.nconns++;
	TAILQ_INSERT_TAIL(&cn.fresh, c, entry);
	return (bev);
}

static struct conn *
find(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;

	if (req == NULL || (evcon = evhttp_request_get_connection(req)) ==
	    NULL || (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return (NULL);
	return ((struct conn *)(uintptr_t)hmap_get(&cn.bybev,
	    (uint64_t)(uintptr_t)bev));
}

/* The reply to a request went out: read the next one. */
static void
conn_complete(struct evhttp_request *req, void *arg)
{
	struct conn	*c = arg;

	(void)req;
	if (c->streaming) {		/* the stream ended cleanly */
		uncount(c);
		c->streaming = 0;
		c->counted = 1;
		cn.nconns++;
	}
	if (c->state != CONN_REQ)
		return;
	c->state = CONN_HEAD;
	c->since = mono();
	if (evbuffer_get_length(c->stage) > 0) {
		c->kick = 1;
		ready(c);
	}
}

void
conn_request(struct evhttp_request *req, struct conn_head *head)
{
	struct conn	*c;

	memset(head, 0, sizeof(*head));
	head->max_body = cn.lim.max_body;
	if ((c = find(req)) == NULL)
		return;
	*head = c->head;
	unfresh(c);
	if (c->state == CONN_WAIT) {
		c->state = CONN_REQ;
		c->unread = head->framing != CONN_BODY_NONE;
	}
	evhttp_request_set_on_complete_cb(req, conn_complete, c);
}

int
conn_body_read(struct evhttp_request *req, size_t limit, conn_body_cb cb,
    void *arg, struct evbuffer **body, const char **why)
{
	struct conn	*c;

	*body = NULL;
	*why = NULL;
	if ((c = find(req)) == NULL || c->state != CONN_REQ || !c->unread)
		return (400);
	if (cn.stopping) {
		*why = "the server is stopping";
		return (503);
	}
	if (limit > cn.lim.max_body)
		limit = cn.lim.max_body;
	c->why[0] = '\0';
	*why = c->why;
	if (c->head.framing == CONN_BODY_LENGTH) {
		if (c->head.length > limit) {
			snprintf(c->why, sizeof(c->why), "the body of %llu "
			    "bytes is over the limit of %zu",
			    (unsigned long long)c->head.length, limit);
			return (413);
		}
		if (reserve(c, c->head.length) != 0) {
			snprintf(c->why, sizeof(c->why), "the server holds too "
			    "many request bodies: try again later");
			return (503);
		}
		c->left = c->head.length;
	}
	if ((c->body = evbuffer_new()) == NULL) {
		release(c);
		snprintf(c->why, sizeof(c->why), "out of memory");
		return (503);
	}
	c->limit = limit;
	c->got = c->trailer = 0;
	c->chunk = CHUNK_SIZE;
	c->state = CONN_BODY;
	if (body_take(c)) {
		if (c->result != 0) {
			evbuffer_free(c->body);
			c->body = NULL;
			release(c);
			return (c->result);
		}
		*body = c->body;
		c->body = NULL;
		release(c);
		return (0);
	}
	if (c->expect && evbuffer_get_length(c->stage) == 0)
		send_continue(c);
	c->cb = cb;
	c->cbarg = arg;
	/* evhttp stopped reading for the dispatch: read for it. */
	bufferevent_enable(c->bev, EV_READ);
	return (CONN_PENDING);
}

int
conn_reply(struct evhttp_request *req)
{
	struct conn	*c;

	if ((c = find(req)) == NULL)
		return (0);
	if (!c->unread && c->head.status == 0 && c->state != CONN_DISCARD)
		return (0);
	/* The body was not read: it is drained until the connection ends. */
	c->state = CONN_DISCARD;
	evbuffer_drain(c->stage, evbuffer_get_length(c->stage));
	return (1);
}

int
conn_stream(struct evhttp_request *req, uint64_t token_id, size_t *limit)
{
	struct conn	*c, *s, *v = NULL;
	uint64_t	 n;

	*limit = cn.lim.max_streams;
	if ((c = find(req)) == NULL)
		return (CONN_STREAMS_ALL);
	n = hmap_get(&cn.streams, token_id + 1);
	if (n >= cn.lim.max_streams_per_token) {
		*limit = cn.lim.max_streams_per_token;
		c->state = CONN_DISCARD;	/* refused: it closes */
		return (CONN_STREAMS_TOKEN);
	}
	if (cn.nstreams >= cn.lim.max_streams) {
		/* The oldest stream that takes nothing in makes room. */
		TAILQ_FOREACH(s, &cn.others, entry)
			if (s->streaming && !s->evicted && evbuffer_get_length(
			    bufferevent_get_output(s->bev)) >= CONN_BEHIND &&
			    (v == NULL || s->since < v->since))
				v = s;
		if (v == NULL) {
			*limit = cn.lim.max_streams;
			c->state = CONN_DISCARD;
			warn_once("at max_streams: refusing new event streams");
			return (CONN_STREAMS_ALL);
		}
		drop(v);
		warn_once("at max_streams: dropping the streams furthest "
		    "behind");
	}
	uncount(c);
	c->streaming = 1;
	c->token_id = token_id;
	c->counted = 1;
	c->since = mono();
	c->state = CONN_DISCARD;	/* a reader sends nothing more */
	cn.nstreams++;
	hmap_set(&cn.streams, token_id + 1, n + 1);
	return (0);
}

/* Free c, once evhttp let it go and no dispatcher awaits its body. */
static void
destroy(struct conn *c)
{
	uncount(c);
	TAILQ_REMOVE(list_of(c), c, entry);
	if (c->ready)
		TAILQ_REMOVE(&cn.ready, c, ready_entry);
	hmap_set(&cn.bybev, (uint64_t)(uintptr_t)c->bev, 0);
	release(c);
	evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->tap);
	bufferevent_decref(c->bev);
	if (c->body != NULL)
		evbuffer_free(c->body);
	evbuffer_free(c->stage);
	free(c);
}

/* Release what evhttp let go, once its dispatcher knows and its refused
 * body drained a while. */
static void
reap(void)
{
	struct conn	*c, *next;
	time_t		 t = mono();
	int		 i;

	for (i = 0; i < 2; i++)
		for (c = TAILQ_FIRST(i ? &cn.others : &cn.fresh); c != NULL;
		    c = next) {
			next = TAILQ_NEXT(c, entry);
			if (!let_go(c))
				continue;
			if (c->gone == 0) {
				c->gone = t;
				uncount(c);
			}
			if (c->cb != NULL) {	/* tell the dispatcher first */
				if (c->state == CONN_BODY) {
					c->state = CONN_DISCARD;
					c->result = -1;
					snprintf(c->why, sizeof(c->why), "the "
					    "connection closed before the body "
					    "was complete");
				}
				ready(c);
				continue;
			}
			/* A body refused is drained a while, so that its
			 * sender reads the reply rather than a reset. */
			if (c->state == CONN_DISCARD && c->unread &&
			    t - c->gone < CONN_LINGER_S)
				continue;
			destroy(c);
		}
}

/* Bodies read, or failed; heads waiting for evhttp to read again. */
static void
ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evbuffer	*body;
	conn_body_cb	 cb;
	struct conn	*c;

	(void)fd; (void)what; (void)arg;
	while ((c = TAILQ_FIRST(&cn.ready)) != NULL) {
		TAILQ_REMOVE(&cn.ready, c, ready_entry);
		c->ready = 0;
		if (c->cb != NULL && c->state != CONN_BODY) {
			cb = c->cb;
			c->cb = NULL;
			body = c->body;
			c->body = NULL;
			if (c->result != 0 && body != NULL) {
				evbuffer_free(body);
				body = NULL;
			}
			release(c);
			cb(c->cbarg, body, c->result, c->why);
		}
		if (c->kick && !let_go(c)) {
			c->kick = 0;
			if (c->state == CONN_HEAD && take_head(c))
				bufferevent_trigger(c->bev, EV_READ, 0);
		}
	}
}

/* Once a second: release what evhttp let go; drop heads past their
 * deadline. */
static void
sweep(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c, *next;
	time_t		 t = mono(), limit = cn.lim.header_timeout_s;

	(void)fd; (void)what; (void)arg;
	reap();
	for (c = TAILQ_FIRST(&cn.fresh); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (t - c->since < limit)
			break;		/* by connection time */
		if (c->state == CONN_HEAD)
			drop(c);
	}
	TAILQ_FOREACH(c, &cn.others, entry)
		if (!c->evicted && c->state == CONN_HEAD &&
		    evbuffer_get_length(c->stage) > 0 && t - c->since >= limit)
			drop(c);
}

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	if (cn.listener != NULL)
		evconnlistener_enable(cn.listener);
}

/* accept() failed: out of descriptors, make room and pause a moment
 * rather than spin. */
static void
accept_error(struct evconnlistener *l, void *arg)
{
	static const struct timeval	 pause = { 0, 100000 };
	struct conn			*c;
	int				 err = EVUTIL_SOCKET_ERROR();

	(void)arg;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;
	warn_once("out of file descriptors: pausing new connections");
	if ((c = TAILQ_FIRST(&cn.fresh)) != NULL)
		drop(c);
	evconnlistener_disable(l);
	evtimer_add(cn.resume_ev, &pause);
}

int
conn_init(struct evhttp *http, struct evhttp_bound_socket *bs,
    const struct conn_limits *lim, const char *cert, const char *key,
    char **cause)
{
	static const struct timeval	second = { 1, 0 };

	*cause = NULL;
	cn.lim = *lim;
	if (cn.lim.max_connections == 0)
		cn.lim.max_connections = 1024;
	if (cn.lim.header_timeout_s <= 0)
		cn.lim.header_timeout_s = 10;
	if (cn.lim.max_body == 0)
		cn.lim.max_body = 32 << 20;
	if (cn.lim.max_buffered == 0)
		cn.lim.max_buffered = 64 << 20;
	cn.listener = evhttp_bound_socket_get_listener(bs);
	/* evhttp listens with a backlog of 128: a burst of connections
	 * would see SYNs dropped, and wait a second to retry. */
	(void)listen(evhttp_bound_socket_get_fd(bs), CONN_BACKLOG);
	if (cert != NULL) {
		if ((cn.tls = SSL_CTX_new(TLS_server_method())) == NULL ||
		    SSL_CTX_set_min_proto_version(cn.tls, TLS1_2_VERSION) !=
		    1 ||
		    SSL_CTX_use_certificate_chain_file(cn.tls, cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(cn.tls, key != NULL ? key :
		    cert, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(cn.tls) != 1) {
			if (asprintf(cause, "TLS: %s: %s", cert,
			    ERR_reason_error_string(ERR_get_error())) == -1)
				*cause = NULL;
			return (IOD_EINVAL);
		}
	}
	evhttp_set_bevcb(http, conn_bevcb, NULL);
	if (cn.listener != NULL)
		evconnlistener_set_error_cb(cn.listener, accept_error);
	cn.sweep_ev = event_new(srv->base, -1, EV_PERSIST, sweep, NULL);
	cn.ready_ev = event_new(srv->base, -1, 0, ready_cb, NULL);
	cn.resume_ev = evtimer_new(srv->base, resume_cb, NULL);
	if (cn.sweep_ev == NULL || cn.ready_ev == NULL || cn.resume_ev ==
	    NULL || event_add(cn.sweep_ev, &second) != 0)
		return (IOD_ENOMEM);
	return (0);
}

void
conn_stop(void)
{
	conn_body_cb	 cb;
	struct conn	*c;
	int		 i;

	cn.stopping = 1;
	for (i = 0; i < 2; i++)
		TAILQ_FOREACH(c, i ? &cn.others : &cn.fresh, entry) {
			if ((cb = c->cb) == NULL)
				continue;
			c->cb = NULL;
			if (c->body != NULL)
				evbuffer_free(c->body);
			c->body = NULL;
			release(c);
			c->state = CONN_DISCARD;
			c->unread = 1;
			cb(c->cbarg, NULL, 503, "the server is stopping");
		}
}

/* After evhttp_free: release what is left. */
void
conn_free(void)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&cn.fresh)) != NULL ||
	    (c = TAILQ_FIRST(&cn.others)) != NULL)
		destroy(c);
	cn.nconns = cn.nstreams = 0;
	if (cn.sweep_ev != NULL)
		event_free(cn.sweep_ev);
	if (cn.ready_ev != NULL)
		event_free(cn.ready_ev);
	if (cn.resume_ev != NULL)
		event_free(cn.resume_ev);
	cn.sweep_ev = cn.ready_ev = cn.resume_ev = NULL;
	if (cn.tls != NULL)
		SSL_CTX_free(cn.tls);
	cn.tls = NULL;
	hmap_free(&cn.bybev);
	hmap_free(&cn.streams);
	hmap_free(&cn.rate);
}

size_t
conn_count(void)
{
	return (cn.nconns + cn.nstreams);
}

/* Count a request of token id in the current minute: 0, or 1 if over. */
int
conn_over_rate(uint64_t token_id)
{
	uint64_t	minute = (uint64_t)time(NULL) / 60, v, count;

	if (cn.lim.requests_per_minute <= 0)
		return (0);
	v = hmap_get(&cn.rate, token_id + 1);
	count = (v >> 20) == (minute & 0xffffffffffULL) ? (v & 0xfffff) : 0;
	if (count >= (uint64_t)cn.lim.requests_per_minute)
		return (1);
	count++;
	hmap_set(&cn.rate, token_id + 1, (minute & 0xffffffffffULL) << 20 |
	    (count & 0xfffff));
	return (0);
}
