/*
 * fold.c — text folded for searching: lower case, without accents, each
 * run of punctuation and spaces one space, so that "saone", "SAÔNE" and
 * "Saône" are one word, "saint genis" finds "Saint-Genis-Laval" and
 * "o'neil" finds "O’Neil".  Latin letters (ASCII, Latin-1, Latin
 * Extended-A) lose their accents; any other character is kept as it is.
 * Where the folded text is searched (names, refdata) is the callers'.
 */
#include <string.h>

#include "profiles.h"

/* U+00C0..U+00FF, then U+0100..U+017F: the base letter, or '*' for a
 * ligature spelt out in ligature(), or ' ' for a sign (× ÷). */
static const char latin1[] =
	"aaaaaa*ceeeeiiii"	/* C0..CF: C6 Æ is a ligature */
	"dnooooo ouuuuy**"	/* D0..DF: D7 ×, DE Þ, DF ß */
	"aaaaaa*ceeeeiiii"	/* E0..EF */
	"dnooooo ouuuuy*y";	/* F0..FF: F7 ÷, FE þ */
static const char latin_a[] =
	"aaaaaa" "cccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh"
	"iiiiiiiiii" "**" "jj" "kkk" "llllllllll" "nnnnnnnnn" "oooooo" "**"
	"rrrrrr" "ssssssss" "tttttt" "uuuuuuuuuuuu" "ww" "yyy" "zzzzzz" "s";

/* What a ligature folds to: Æ æ Ĳ ĳ Œ œ ß Þ þ. */
static const char *
ligature(unsigned cp)
{
	switch (cp) {
	case 0xC6: case 0xE6:
		return ("ae");
	case 0x132: case 0x133:
		return ("ij");
	case 0x152: case 0x153:
		return ("oe");
	case 0xDF:
		return ("ss");
	case 0xDE: case 0xFE:
		return ("th");
	}
	return (NULL);
}

/* Append s to out (cap bytes, room for the NUL kept), as far as it fits. */
static void
put(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
	if (*n + len >= cap)
		return;
	memcpy(out + *n, s, len);
	*n += len;
}

size_t
text_fold(const char *s, char *out, size_t cap)
{
	const unsigned char	*p = (const unsigned char *)s;
	const char		*lig;
	char			 c;
	size_t			 n = 0, len;
	unsigned		 cp;
	int			 space = 1;	/* no space at the start */

	if (cap == 0)
		return (0);
	while (*p != '\0') {
		c = 0;
		lig = NULL;
		len = 1;
		if (*p < 0x80) {
			c = (char)*p;
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			else if (!(c >= 'a' && c <= 'z') &&
			    !(c >= '0' && c <= '9'))
				c = ' ';
		} else if ((*p & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
			cp = ((unsigned)(*p & 0x1F) << 6) | (p[1] & 0x3F);
			len = 2;
			if (cp < 0xC0)
				c = ' ';	/* NBSP, « », ° and the like */
			else if ((lig = ligature(cp)) != NULL)
				;
			else if (cp < 0x100)
				c = latin1[cp - 0xC0];
			else if (cp < 0x180)
				c = latin_a[cp - 0x100];
		} else if (*p == 0xE2 && (p[1] == 0x80 || p[1] == 0x81) &&
		    (p[2] & 0xC0) == 0x80) {
			c = ' ';		/* ’ – — … and other punctuation */
			len = 3;
		} else {
			/* Another character: kept whole, bytes as they are. */
			while (p[len] != '\0' && (p[len] & 0xC0) == 0x80)
				len++;
		}
		if (c == ' ') {
			if (!space)
				put(out, cap, &n, " ", 1);
			space = 1;
		} else if (lig != NULL) {
			put(out, cap, &n, lig, 2);
			space = 0;
		} else if (c != 0) {
			put(out, cap, &n, &c, 1);
			space = 0;
		} else {
			put(out, cap, &n, (const char *)p, len);
			space = 0;
		}
		p += len;
	}
	if (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return (n);
}

int
text_words_in(const char *words, const char *text)
{
	const char	*w, *t;
	size_t		 len;

	for (w = words; *w != '\0'; w += len + (w[len] == ' ')) {
		len = strcspn(w, " ");
		for (t = text; *t != '\0'; t += strcspn(t, " "),
		    t += *t == ' ')
			if (strncmp(t, w, len) == 0)
				break;
		if (*t == '\0')
			return (0);
	}
	return (1);
}
