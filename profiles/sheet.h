/*
 * sheet.h — spreadsheets read as records (sheet.c), for the daemon's
 * import: a CSV body (';' or ',', UTF-8 with or without BOM) whose header
 * names a schema's fields or the console's French labels of them.
 */
#ifndef SHEET_H
#define SHEET_H

#include "profiles.h"

/*
 * sheet_open: the CSV in buf (len bytes, borrowed until sheet_free) as
 * rows of sc; NULL with *cause (caller frees; "line N: ..." where a line
 * is at fault) when it is not UTF-8 (saying how to save it so) or its
 * header names what is neither a field of sc nor the console's label of
 * one.  sheet_next: 1 with r->record (the caller's) for the next row that
 * is not blank, or r->record NULL and r->field, r->message for a row
 * refused here (a value under no column); 0 at the end; <0 with *cause.
 */
struct sheet;
struct sheet_row {
	size_t		 line;		/* where the row starts in the file */
	json_t		*record;
	char		 field[32], message[160];
};
struct sheet *sheet_open(const struct schema *sc, const char *buf,
	    size_t len, char **cause);
int	 sheet_next(struct sheet *, struct sheet_row *r, char **cause);
void	 sheet_free(struct sheet *);	/* NULL ok */

#endif
