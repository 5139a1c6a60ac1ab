/*
 * conn-read.c — a connection's requests read, below evhttp.  A tap on each
 * connection's input (conn.c makes it) takes every byte into a stage, from
 * which frame.c reads a request's head, handed to evhttp whole without its
 * framing headers: evhttp never reads a body.  http_dispatch sees the
 * framing (conn_request), checks the route, token, role and length, and
 * only then asks for the body (conn_body_read), read here within the
 * route's limit and a total for all connections (max_buffered).  A request
 * refused before its body closes the connection after the reply, the body
 * drained meanwhile.  The budgets, eviction and the release of connections
 * are conn.c's.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "daemon.h"
#include "conn.h"

#define CONN_AHEAD_MAX	(64 * 1024)	/* read ahead while a request runs */

/*
 * If the stage holds a whole head, hand it to evhttp (the framing read,
 * or a refusal noted for the dispatcher): 1 if it did, else 0.  A head
 * that does not end within CONN_HEAD_MAX bytes is refused (431).
 */
int
conn_take_head(struct conn *c)
{
	struct evbuffer	*out, *in;

	if (!frame_head(&c->fr, c->stage, conn_all.lim.max_body, &out))
		return (0);
	if (c->over)
		frame_refuse(&c->fr, ERR_BUSY, "the server has %zu "
		    "connections, "
		    "its limit: try again later", conn_all.lim.max_connections);
	c->fr.scan = 0;
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

/* frame_body's booking of the total for c's body. */
static int
body_reserve(void *arg, uint64_t n)
{
	return (conn_reserve(arg, n));
}

/* Move what the stage holds of the body into c->body: 1 once it is read
 * or refused (c->result), else 0. */
static int
body_take(struct conn *c)
{
	int	status;

	if (!frame_body(&c->fr, c->stage, c->body, body_reserve, c, &status))
		return (0);
	body_end(c, status);
	return (1);
}

/* Carry on with what the stage holds, as c's state says. */
static void
advance(struct conn *c)
{
	switch (c->state) {
	case CONN_HEAD:
		conn_take_head(c);
		break;
	case CONN_BODY:
		if (body_take(c))
			conn_ready(c);
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
void
conn_tap(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*ours;

	if (info->n_added == 0 || c->tapping)
		return;
	c->tapping = 1;
	if (c->state == CONN_HEAD && !c->fresh &&
	    evbuffer_get_length(c->stage) == 0)
		c->since = conn_mono();	/* a head starts: its deadline runs */
	if (info->orig_size == 0)
		frame_move(c->stage, in, evbuffer_get_length(in));
	else if ((ours = evbuffer_new()) != NULL) {
		/* A head we handed on is still there: take what follows. */
		evbuffer_remove_buffer(in, ours, info->orig_size);
		frame_move(c->stage, in, evbuffer_get_length(in));
		evbuffer_prepend_buffer(in, ours);
		evbuffer_free(ours);
	}
	c->tapping = 0;
	advance(c);
}

/* The reply to a request went out: read the next one. */
static void
conn_complete(struct evhttp_request *req, void *arg)
{
	struct conn	*c = arg;

	(void)req;
	if (c->streaming) {		/* the stream ended cleanly */
		conn_uncount(c);
		c->streaming = 0;
		c->counted = 1;
		conn_all.nconns++;
	}
	if (c->state != CONN_REQ)
		return;
	c->state = CONN_HEAD;
	c->since = conn_mono();
	if (evbuffer_get_length(c->stage) > 0) {
		c->kick = 1;
		conn_ready(c);
	}
}

void
conn_request(struct evhttp_request *req, struct conn_head *head)
{
	struct conn	*c;

	memset(head, 0, sizeof(*head));
	head->max_body = conn_all.lim.max_body;
	if ((c = conn_find(req)) == NULL)
		return;
	*head = c->fr.head;
	conn_unfresh(c);
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
	if ((c = conn_find(req)) == NULL || c->state != CONN_REQ || !c->unread)
		return (400);
	if (conn_all.stopping) {
		*why = "the server is stopping";
		return (503);
	}
	if (limit > conn_all.lim.max_body)
		limit = conn_all.lim.max_body;
	c->fr.why[0] = '\0';
	*why = c->fr.why;
	if (c->fr.head.framing == CONN_BODY_LENGTH) {
		if (c->fr.head.length > limit) {
			snprintf(c->fr.why, sizeof(c->fr.why), "the body of %llu "
			    "bytes is over the limit of %zu",
			    (unsigned long long)c->fr.head.length, limit);
			return (413);
		}
		if (conn_reserve(c, c->fr.head.length) != 0) {
			snprintf(c->fr.why, sizeof(c->fr.why), "the server holds too "
			    "many request bodies: try again later");
			return (503);
		}
		c->fr.left = c->fr.head.length;
	}
	if ((c->body = evbuffer_new()) == NULL) {
		conn_release(c);
		snprintf(c->fr.why, sizeof(c->fr.why), "out of memory");
		return (503);
	}
	c->fr.limit = limit;
	c->fr.got = c->fr.trailer = 0;
	c->fr.chunk = FRAME_CHUNK_SIZE;
	c->state = CONN_BODY;
	if (body_take(c)) {
		if (c->result != 0) {
			evbuffer_free(c->body);
			c->body = NULL;
			conn_release(c);
			return (c->result);
		}
		*body = c->body;
		c->body = NULL;
		conn_release(c);
		return (0);
	}
	if (c->fr.expect && evbuffer_get_length(c->stage) == 0)
		frame_continue(c->bev, tls_on());
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

	if ((c = conn_find(req)) == NULL)
		return (0);
	if (!c->unread && !c->fr.head.refused && c->state != CONN_DISCARD)
		return (0);
	/* The body was not read: it is drained until the connection ends. */
	c->state = CONN_DISCARD;
	evbuffer_drain(c->stage, evbuffer_get_length(c->stage));
	return (1);
}

