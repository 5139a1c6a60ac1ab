/*
 * index-threads.c — the threads the index's start-up work is shared
 * over: how many (the online cores, at most INDEX_THREADS_MAX, unless
 * index_set_threads or IOD_INDEX_THREADS says), and running one function
 * on that many threads, the caller's among them, until each returns.
 * What the threads do, and how they share it out, is the caller's
 * (index-load.c decodes ranges of the store, index.c sorts lists).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine.h"

#define INDEX_THREADS_MAX	8

static atomic_int	forced;		/* index_set_threads's, 0: none */

struct runner {
	void		(*fn)(void *, int);
	void		 *arg;
	int		  i;
};

void
index_set_threads(int n)
{
	atomic_store(&forced, n > 0 ? n : 0);
}

int
index_threads(size_t work, size_t grain)
{
	const char	*e;
	long		 n;
	int		 f;

	if ((f = atomic_load(&forced)) > 0)
		return (f);
	if ((e = getenv("IOD_INDEX_THREADS")) != NULL &&
	    (n = strtol(e, NULL, 10)) > 0)
		return (n < 64 ? (int)n : 64);
	if ((n = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		n = 1;
	if (n > INDEX_THREADS_MAX)
		n = INDEX_THREADS_MAX;
	/* No thread for less than a grain of work. */
	if (grain > 0 && work / grain < (size_t)n)
		n = (long)(work / grain);
	return (n > 1 ? (int)n : 1);
}

static void *
runner_main(void *p)
{
	struct runner	*r = p;

	r->fn(r->arg, r->i);
	return (NULL);
}

int
index_threads_run(int n, void (*fn)(void *arg, int i), void *arg)
{
	struct runner	*r;
	pthread_t	*th;
	int		 i, started = 0;

	r = NULL;
	th = NULL;
	if (n > 1 && ((r = calloc((size_t)n, sizeof(*r))) == NULL ||
	    (th = calloc((size_t)n, sizeof(*th))) == NULL)) {
		free(r);
		r = NULL;
	}
	/* A thread that cannot start leaves its share to the others. */
	for (i = 1; r != NULL && i < n; i++) {
		r[i].fn = fn;
		r[i].arg = arg;
		r[i].i = i;
		if (pthread_create(&th[started], NULL, runner_main, &r[i]) != 0)
			break;
		started++;
	}
	fn(arg, 0);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(r);
	free(th);
	return (started + 1);
}
