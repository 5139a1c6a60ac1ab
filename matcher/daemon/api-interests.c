/*
 * api-interests.c — positionnement over HTTP: POST, GET and DELETE
 * /v1/offers/{id}/interests, a candidate's interest in an offer expressed
 * at an information session.  What an interest is and who may record it
 * is the domain's (interest.c); the roles are the route table's.
 */
#include <stdlib.h>

#include "daemon.h"

/* POST /v1/offers/{id}/interests {candidate_id, on, session?} */
int
api_interest_add(struct reqctx *ctx)
{
	struct dctx	 dc;
	json_t		*j;
	int		 rc;

	api_dctx(ctx, &dc);
	if ((rc = interest_add(&dc, ctx->id, ctx->body, &j)) < 0)
		return (http_derr(ctx, &dc.err));
	return (http_reply(ctx, rc == 1 ? 201 : 200, j));
}

/* GET /v1/offers/{id}/interests */
int
api_interest_list(struct reqctx *ctx)
{
	struct dctx	 dc;
	json_t		*j;

	api_dctx(ctx, &dc);
	if (interest_list(&dc, ctx->id, &j) != 0)
		return (http_derr(ctx, &dc.err));
	return (http_reply(ctx, 200, j));
}

/* DELETE /v1/offers/{id}/interests?candidate_id=N */
int
api_interest_delete(struct reqctx *ctx)
{
	struct dctx	 dc;
	const char	*q;
	char		*end;
	unsigned long long id;

	if ((q = http_query(ctx, "candidate_id")) == NULL || *q < '1' ||
	    *q > '9' || (id = strtoull(q, &end, 10)) == 0 || *end != '\0')
		return (http_error(ctx, ERR_BAD_QUERY, "candidate_id",
		    "candidate_id: expected the id of the candidate whose "
		    "interest is withdrawn, a positive integer"));
	api_dctx(ctx, &dc);
	if (interest_delete(&dc, ctx->id, id) != 0)
		return (http_derr(ctx, &dc.err));
	return (http_reply(ctx, 204, NULL));
}
