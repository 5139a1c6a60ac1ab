/*
 * api-placements.c — the routes of a placement and of its follow-up
 * appointments: GET /v1/placements/{id} (with its schedule), POST
 * /v1/placements/{id}/end, GET /v1/followups/{id} and POST
 * /v1/followups/{id}/{done,missed,cancel}.  Each reads the path and the
 * body, calls the domain (domain/placement.c, domain/followup.c) and
 * answers; the rules are the domain's.  Lists are api-list.c's, the
 * iCalendar feed ics.c's.
 */
#include <string.h>

#include "daemon.h"

int
api_placement_get(struct reqctx *ctx)
{
	struct dctx	 dc;
	json_t		*out;

	api_dctx(ctx, &dc);
	if (placement_get(&dc, ctx->id, &out) != 0)
		return (http_derr(ctx, &dc.err));
	return (http_reply(ctx, 200, out));
}

int
api_placement_end(struct reqctx *ctx)
{
	struct dctx	 dc;
	json_t		*out;

	api_dctx(ctx, &dc);
	if (placement_end(&dc, ctx->id, ctx->body, &out) != 0)
		return (http_derr(ctx, &dc.err));
	return (http_reply(ctx, 200, out));
}

int
api_followup_get(struct reqctx *ctx)
{
	struct dctx	 dc;
	json_t		*out;

	api_dctx(ctx, &dc);
	if (followup_get(&dc, ctx->id, &out) != 0)
		return (http_derr(ctx, &dc.err));
	return (http_reply(ctx, 200, out));
}

/* POST /v1/followups/{id}/<action>: the action is the path's last
 * segment. */
int
api_followup_transition(struct reqctx *ctx)
{
	struct dctx	 dc;
	json_t		*out;

	api_dctx(ctx, &dc);
	if (followup_transition(&dc, ctx->id, strrchr(ctx->route->path, '/') +
	    1, ctx->body, &out) != 0)
		return (http_derr(ctx, &dc.err));
	return (http_reply(ctx, 200, out));
}
