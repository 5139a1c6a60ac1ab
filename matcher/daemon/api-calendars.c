/*
 * api-calendars.c — the routes of the private calendar URLs: POST
 * /v1/calendars (a new link, its secret shown once), GET /v1/calendars
 * (the links the token may see) and DELETE /v1/calendars/{id} (revoke).
 * Who may make or revoke which link is the domain's (domain/feed.c); the
 * feed itself, GET /cal/SECRET.ics, is ics.c's.
 */
#include "daemon.h"

int
api_calendar_create(struct reqctx *ctx)
{
	struct dctx	 dc;
	json_t		*out;

	api_dctx(ctx, &dc);
	if (feed_create(&dc, ctx->body, &out) != 0)
		return (http_derr(ctx, &dc.err));
	return (http_reply(ctx, 201, out));
}

int
api_calendar_list(struct reqctx *ctx)
{
	struct dctx	 dc;
	json_t		*out;

	api_dctx(ctx, &dc);
	if (feed_list(&dc, &out) != 0)
		return (http_derr(ctx, &dc.err));
	return (http_reply(ctx, 200, out));
}

int
api_calendar_revoke(struct reqctx *ctx)
{
	struct dctx	dc;

	api_dctx(ctx, &dc);
	if (feed_revoke(&dc, ctx->id) != 0)
		return (http_derr(ctx, &dc.err));
	return (http_reply(ctx, 204, NULL));
}
