/*
 * xmalloc.c — allocations that do not fail: out of memory, a command-line
 * tool says so and exits (EXIT_USAGE) rather than recover.  It owns no
 * memory itself; what it returns the caller frees.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		iodctl_fatal("out of memory");
	va_end(ap);
	return (s);
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n, size)) == NULL)
		iodctl_fatal("out of memory");
	return (p);
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	void	*q;

	if ((q = reallocarray(p, n, size)) == NULL && n != 0 && size != 0)
		iodctl_fatal("out of memory");
	return (q);
}

json_t *
xjson(json_t *j)
{
	if (j == NULL)
		iodctl_fatal("out of memory");
	return (j);
}
