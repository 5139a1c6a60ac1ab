/*
 * notify.h — what notify.c, sse.c and webhooks.c share, and nothing else
 * includes: the pump's state (the last event handed out, a turn wanted
 * again, something to reap) and the ring of decoded events with their
 * renderings.  The event stream's and the webhooks' own state stay static
 * in their files; the public verbs are in daemon.h.
 */
#ifndef IOD_NOTIFY_H
#define IOD_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "profiles.h"


/* The pump's state, notify.c's; sse.c and webhooks.c read and flag it. */
struct notify_pump {
	struct event_base	*base;		/* NULL before notify_init */
	uint64_t		 last;		/* last seq handed out */
	int			 more;		/* someone can take more */
	int			 reap;		/* something to free after */
	int			 stopped;
};
extern struct notify_pump	notify_pump;

/* A decoded event of the ring and its SSE frame per view. */
struct notify_cached {
	uint64_t	 seq;
	struct event	 ev;
	char		*frame[2];	/* SSE frame by view */
	size_t		 len[2];
};

/* Make the loop turn again soon, so that notify_after_turn runs. */
void	 notify_wake(void);
/* Event seq, decoded once (borrowed until the ring turns); NULL if it
 * cannot be read in t. */
struct notify_cached *notify_cache_get(struct txn *t, uint64_t seq);
/* The SSE frame of c for tok (borrowed, as c); NULL without memory. */
const char *notify_cache_frame(struct notify_cached *c,
	    const struct token *tok, size_t *len);

/* ---- sse.c ------------------------------------------------------------- */
size_t	 sse_count(void);		/* streams open */
/* Hand each stream a slice of what is new, up to last, in t. */
void	 sse_pump(struct txn *t, uint64_t last);
void	 sse_heartbeat(void);		/* a comment to idle streams */
void	 sse_reap(void);		/* free the streams that ended */
void	 sse_stop(void);		/* end every stream */

/* ---- webhooks.c -------------------------------------------------------- */
int	 webhook_init(struct event_base *);	/* resolver, load */
size_t	 webhook_count(void);		/* webhooks at work */
/* Bring the hooks in step with the store if it changed; commit the
 * cursors acknowledged (all of those that moved when all is true). */
void	 webhook_sync(int all);
/* Post the next event to each idle hook, up to last, in t. */
void	 webhook_pump(struct txn *t, uint64_t last);
void	 webhook_reap(void);		/* free the hooks deleted */
void	 webhook_stop(void);		/* store the cursors, drop all */
void	 webhook_free(void);

#endif
