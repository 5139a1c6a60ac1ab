/*
 * test_fold.c — unit tests of profiles/fold.c (text folded for searching:
 * case, accents, ligatures and punctuation), of the word match the
 * reference data searches use, and of those searches on the shipped
 * data (refdata.c: postal codes that are other communes' INSEE codes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profiles.h"

static const char *
fold(const char *s)
{
	static char	buf[TEXT_FOLD_MAX];

	text_fold(s, buf, sizeof(buf));
	return (buf);
}

static void
test_fold_case_and_accents(void **state)
{
	(void)state;
	assert_string_equal(fold("Saône"), "saone");
	assert_string_equal(fold("SAÔNE"), "saone");
	assert_string_equal(fold("Écully"), "ecully");
	assert_string_equal(fold("Vénissieux"), "venissieux");
	assert_string_equal(fold("Naïma Belkacem"), "naima belkacem");
	assert_string_equal(fold("ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ"), "aaaceeeeiioouuuy");
	assert_string_equal(fold("àâäçéèêëîïôöùûüÿ"), "aaaceeeeiioouuuy");
	assert_string_equal(fold("Łódź Ňůž"), "lodz nuz");
}

static void
test_fold_ligatures_and_punctuation(void **state)
{
	(void)state;
	assert_string_equal(fold("Œuvre cœur"), "oeuvre coeur");
	assert_string_equal(fold("Lætitia Straße"), "laetitia strasse");
	/* Hyphens, apostrophes (typed or typographic), spaces: one space. */
	assert_string_equal(fold("Saint-Genis-les-Ollières"),
	    "saint genis les ollieres");
	assert_string_equal(fold("Marcy-l'Étoile"), "marcy l etoile");
	assert_string_equal(fold("O’Neil"), "o neil");
	assert_string_equal(fold("  Agent / Agente \xc2\xa0" "de  propreté  "),
	    "agent agente de proprete");
	assert_string_equal(fold("«Charte» – 1000"), "charte 1000");
	assert_string_equal(fold(""), "");
	assert_string_equal(fold("--"), "");
	/* Other scripts are kept as they are. */
	assert_string_equal(fold("Ωmega"), "Ωmega");
}

static void
test_fold_bounds(void **state)
{
	char	small[6];

	(void)state;
	assert_int_equal(text_fold("Saône et Rhône", small, sizeof(small)), 5);
	assert_string_equal(small, "saone");
	assert_int_equal(text_fold("abc", small, 0), 0);
	/* A malformed byte does not run past the end. */
	assert_string_equal(fold("a\xc3"), "a\xc3");
}

static void
test_words_in(void **state)
{
	(void)state;
	assert_true(text_words_in("lyon 3", "lyon 3e arrondissement"));
	assert_false(text_words_in("lyon 3", "lyon"));
	assert_true(text_words_in("proprete agent", "agent agente de proprete"));
	assert_false(text_words_in("roprete", "agent de proprete"));
	assert_true(text_words_in("", "anything"));
}

struct found {
	char	what[16][32];
	int	n;
};

static void
commune_cb(void *arg, const struct commune *c, const char *matched)
{
	struct found	*f = arg;

	if (f->n < 16)
		snprintf(f->what[f->n++], sizeof(f->what[0]), "%s %s",
		    c->insee, matched);
}

static int
has(const struct found *f, const char *what)
{
	int	i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->what[i], what) == 0)
			return (1);
	return (0);
}

static void
test_find_communes(void **state)
{
	struct found	f;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(refdata_find_communes("69003", commune_cb, &f), 3);
	assert_true(has(&f, "69383 postal_code"));	/* Lyon 3e */
	assert_true(has(&f, "69123 postal_code"));	/* Lyon */
	assert_string_equal(f.what[2], "69003 insee");	/* Albigny */
	memset(&f, 0, sizeof(f));
	assert_int_equal(refdata_find_communes("69100", commune_cb, &f), 2);
	assert_string_equal(f.what[0], "69266 postal_code");	/* Villeurbanne */
	assert_string_equal(f.what[1], "69100 insee");	/* Irigny */
	memset(&f, 0, sizeof(f));
	assert_int_equal(refdata_find_communes("Lyon 3", commune_cb, &f), 1);
	assert_string_equal(f.what[0], "69383 name");
	assert_string_equal(refdata_appellation_name("10571"),
	    "Agent / Agente de propreté de locaux");
	assert_string_equal(refdata_appellation_rome("10571"), "K2204");
	assert_string_equal(refdata_rome_name("K2204"), "Nettoyage de locaux");
}

static int
load(void **state)
{
	char	*cause = NULL;

	(void)state;
	if (refdata_load("data", &cause) != 0) {
		fprintf(stderr, "refdata: %s\n", cause ? cause : "?");
		free(cause);
		return (-1);
	}
	return (0);
}

static int
unload(void **state)
{
	(void)state;
	refdata_free();
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_case_and_accents),
		cmocka_unit_test(test_fold_ligatures_and_punctuation),
		cmocka_unit_test(test_fold_bounds),
		cmocka_unit_test(test_words_in),
		cmocka_unit_test_setup_teardown(test_find_communes, load,
		    unload),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
