/*
 * routes-index.c — which rows of the routes table (routes.c) a request
 * path may match, so that the dispatcher (http.c) tries a handful of rows
 * instead of all of them.  The API's paths start "/v1/" and then a
 * resource's name: a row goes to the bucket of the two bytes after
 * "/v1/", and a path is tried only against the rows of its own bucket.
 * A row whose first six bytes are not all literal (a '{' among them) is
 * in every bucket; the rows outside "/v1/" share one.  Each bucket keeps
 * the table's order, so the first row that matches is the one a walk of
 * the whole table finds.  The index is built once, at the first request;
 * matching a row is still http.c's.
 */
#include <string.h>

#include "daemon.h"

#define NBUCKET		64		/* the "/v1/" buckets */
#define OTHER		NBUCKET		/* paths outside "/v1/" */
#define HEAD		6		/* "/v1/" and two bytes */

/* Room for each row in every bucket: the worst case, all rows wild. */
#define ROOM		(ROUTES_MAX * (NBUCKET + 1) + NBUCKET + 1)

static unsigned char	 slot[ROOM];		/* ROUTES_END ends a bucket */
static unsigned short	 first[NBUCKET + 1];	/* a bucket's first slot */
static int		 built;

static unsigned
bucket_of(unsigned char a, unsigned char b)
{
	return ((a * 7u + b) % NBUCKET);
}

/* The bucket of a path (or of a row's literal head): OTHER outside
 * "/v1/". */
static unsigned
path_bucket(const char *p)
{
	if (strncmp(p, "/v1/", 4) != 0 || p[4] == '\0')
		return (OTHER);
	return (bucket_of((unsigned char)p[4], (unsigned char)p[5]));
}

/* 1 if a row's path may match paths of any bucket: a '{' in its head. */
static int
wild(const char *pat)
{
	size_t	i;

	for (i = 0; i < HEAD && pat[i] != '\0'; i++)
		if (pat[i] == '{')
			return (1);
	return (0);
}

static void
build(void)
{
	size_t		 i, n = 0;
	unsigned	 b;

	for (b = 0; b <= NBUCKET; b++) {
		first[b] = (unsigned short)n;
		for (i = 0; routes[i].method != NULL; i++)
			if (wild(routes[i].path) ||
			    path_bucket(routes[i].path) == b)
				slot[n++] = (unsigned char)i;
		slot[n++] = ROUTES_END;
	}
	built = 1;
}

const unsigned char *
routes_index_for(const char *path)
{
	if (!built)
		build();
	return (&slot[first[path_bucket(path)]]);
}
