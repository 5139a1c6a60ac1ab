/*
 * fuzz_csv.c — the CSV reader behind `iodctl import` and the reference
 * tables: any bytes, read row by row to the end, must neither crash nor
 * leak, and every row's fields must lie within its buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiles.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct csv	 c;
	FILE		*f;
	char		*cause, *copy;
	size_t		 i, total = 0;
	int		 rc;

	if (len == 0 || (copy = malloc(len)) == NULL)
		return (0);
	memcpy(copy, data, len);
	if ((f = fmemopen(copy, len, "r")) == NULL) {
		free(copy);
		return (0);
	}
	csv_init(&c, f);
	while ((rc = csv_next(&c, &cause)) == 1) {
		for (i = 0; i < c.nfields; i++)
			total += strlen(c.fields[i]);
		if (c.rowline > c.lineno)
			abort();
	}
	free(cause);
	csv_close(&c);
	fclose(f);
	free(copy);
	return (total == (size_t)-1);
}
