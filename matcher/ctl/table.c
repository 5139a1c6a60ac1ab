/*
 * table.c — the table printer: columns as wide as their widest cell,
 * counted in UTF-8 code points as a terminal shows them, two spaces
 * apart, the last column unpadded.  It holds the cells until printed, and
 * knows nothing of what they say: the commands make them (cmd-*.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

struct table {
	const char *const	*heads;		/* borrowed */
	int			 ncols;
	size_t			*width;		/* of each column */
	char			**cells;	/* nrows * ncols, owned */
	size_t			 nrows;
	size_t			 cap;		/* rows allocated */
};

/* Width on a terminal: UTF-8 code points. */
static size_t
table_width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return (n);
}

struct table *
table_new(const char *const *heads, int ncols)
{
	struct table	*t;
	int		 i;

	t = xcalloc(1, sizeof(*t));
	t->heads = heads;
	t->ncols = ncols;
	t->width = xcalloc(ncols, sizeof(*t->width));
	for (i = 0; i < ncols; i++)
		t->width[i] = table_width(heads[i]);
	return (t);
}

void
table_add(struct table *t, char **cells)
{
	size_t	w;
	int	i;

	if (t->nrows == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		t->cells = xreallocarray(t->cells, t->cap * t->ncols,
		    sizeof(*t->cells));
	}
	for (i = 0; i < t->ncols; i++) {
		t->cells[t->nrows * t->ncols + i] = cells[i];
		if ((w = table_width(cells[i])) > t->width[i])
			t->width[i] = w;
	}
	t->nrows++;
}

/* One row: every cell but the last padded to its column's width. */
static void
table_row(const struct table *t, const char *const *cells)
{
	int	i;

	for (i = 0; i < t->ncols; i++) {
		if (i == t->ncols - 1)
			printf("%s\n", cells[i]);
		else
			printf("%s%*s", cells[i], (int)(t->width[i] -
			    table_width(cells[i]) + 2), "");
	}
}

void
table_print(const struct table *t)
{
	size_t	r;

	table_row(t, t->heads);
	for (r = 0; r < t->nrows; r++)
		table_row(t, (const char *const *)&t->cells[r * t->ncols]);
}

void
table_free(struct table *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t);
}
