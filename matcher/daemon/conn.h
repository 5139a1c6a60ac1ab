/*
 * conn.h — what conn.c and conn-read.c share, and nothing else includes:
 * a connection's state and the table of them all, with its lists, maps
 * and budgets.  conn.c makes and releases connections and keeps their
 * budgets; conn-read.c reads their requests.  The public verbs are in
 * daemon.h.
 */
#ifndef IOD_CONN_H
#define IOD_CONN_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "daemon.h"

enum conn_state {
	CONN_HEAD,		/* reading a head */
	CONN_WAIT,		/* evhttp has the head; dispatch decides */
	CONN_BODY,		/* reading the body for the dispatcher */
	CONN_REQ,		/* the request runs; what follows waits */
	CONN_DISCARD		/* nothing more is read: it closes */
};

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
	struct frame		 fr;		/* its head and body, read */
	size_t			 reserved;	/* of the total, for its body */
	int			 result;	/* of the body: 0 or a status */
	conn_body_cb		 cb;
	void			*cbarg;
	uint64_t		 token_id;	/* a stream's */
};
TAILQ_HEAD(conn_list, conn);

struct conn_all {
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
	time_t			 logged;	/* the last warning, at */
	int			 stopping;
};

/* The connections and their budgets, conn.c's; conn-read.c reads and
 * counts in them. */
extern struct conn_all	conn_all;

/* conn.c */
time_t	 conn_mono(void);		/* seconds, monotonic */
void	 conn_unfresh(struct conn *);	/* it completed a request */
void	 conn_uncount(struct conn *);	/* off its budget */
void	 conn_release(struct conn *);	/* its share of max_buffered */
int	 conn_reserve(struct conn *, uint64_t);	/* 0, or -1: no room */
void	 conn_ready(struct conn *);	/* seen to on the next turn */
struct conn *conn_find(struct evhttp_request *);	/* or NULL */

/* conn-read.c */
int	 conn_take_head(struct conn *);	/* 1 if a head went to evhttp */
void	 conn_tap(struct evbuffer *, const struct evbuffer_cb_info *,
	    void *);

#endif /* IOD_CONN_H */
