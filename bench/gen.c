/*
 * gen.c — the benchmarks' dataset generator: referents, companies, offers
 * and candidates at the scales iod works at (a small test set, the 2017
 * Lyon IOD year, the Lyon PLIE, the Métropole's job seekers, France), drawn
 * so that their shares follow the Lyon PLIE and IOD field reports, and
 * written as the API's create bodies (JSON lines; msgpack arrays of 1,000
 * for the :batch endpoints) and as CSV for PostgreSQL's COPY (with a
 * schema.sql of the same columns).  The same seed gives byte-identical
 * files.  Records are filled as profiles/ structs and serialised by its
 * codecs, so the field names are the API's; --check feeds every record
 * back through the API's validation and both wire formats.  Records are
 * streamed one at a time.  It neither talks to the daemon nor loads a
 * store: the benchmark scripts do.
 *
 * Names, e-mail domains (.example) and phone numbers (ARCEP's range for
 * fiction, 04 65 71) are made up; communes, QPV and ROME codes are the
 * real reference data of data/.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack/fbuffer.h>

#include "profiles.h"

#define REF_DATE	20261101	/* the dataset's "today" */
#define BATCH		1000		/* records per msgpack array */
#define MAX_QPV		16		/* QPV districts per commune */

/* ---- tables -------------------------------------------------------------
 * Shares are per mille unless said otherwise.
 */
/* Records of each resource, in the order they are created. */
enum { R_REFERENTS, R_COMPANIES, R_OFFERS, R_CANDIDATES, R__N };
static const struct scale {
	const char	*name;
	uint64_t	 n[R__N];
	int		 owners;	/* chargés de mission IOD */
	int		 ml;		/* share of Mission Locale youth */
} scales[] = {
	{ "tiny",	{ 2, 8, 10, 20 },			3,	200 },
	{ "iod",	{ 3, 131, 200, 137 },			3,	0 },
	{ "plie",	{ 61, 874, 3000, 2423 },		5,	0 },
	{ "metro",	{ 3190, 3000, 10000, 127585 },		12,	100 },
	{ "national",	{ 150000, 200000, 1000000, 6000000 },	12,	100 },
};

/* A weighted choice: a name or a value, and its weight. */
struct wv {
	const char	*s;
	int		 v, w;
};

/* ROME codes the field reports name, then common insertion jobs; every
 * other code of the table gets TAIL_W.  Weights for what candidates seek
 * and what offers ask differ, as they do; licence: offers requiring it. */
static const struct rome_w {
	const char	*code;
	int		 cand, offer, licence;
} rome_weights[] = {
	{ "K2204", 300, 340, 150 },	/* cleaning */
	{ "K1302", 160, 120, 400 },	/* care of adults */
	{ "K1304", 130, 90, 400 },	/* domestic services */
	{ "J1501", 110, 90, 100 },	/* care assistants */
	{ "D1507", 120, 110, 50 },	/* shelf stocking */
	{ "D1106", 90, 70, 50 },	/* food retail */
	{ "G1603", 110, 120, 50 },	/* catering */
	{ "G1602", 80, 100, 50 },	/* kitchen staff */
	{ "N1103", 140, 170, 150 },	/* warehouse, order picking */
	{ "N1105", 110, 120, 150 },	/* handling */
	{ "F1703", 70, 100, 300 },	/* masonry */
	{ "F1704", 60, 90, 300 },	/* building site preparation */
	{ "K2503", 90, 80, 200 },	/* security */
	{ "A1203", 70, 70, 500 },	/* green spaces */
	{ "D1505", 25, 25, 50 },
	{ "G1501", 25, 25, 50 },
	{ "G1803", 25, 25, 50 },
	{ "N4105", 25, 25, 1000 },
	{ "K1303", 25, 25, 150 },
	{ "H3302", 25, 25, 100 },
	{ "N1101", 25, 25, 300 },
	{ "K2201", 25, 25, 50 },
	{ "I1203", 25, 25, 300 },
	{ "G1605", 25, 25, 50 },
	{ "K1305", 25, 25, 300 },
	{ "F1702", 25, 25, 300 },
};
#define TAIL_W		1
#define TAIL_LICENCE	80

/* Appellations that are not entry jobs: used only when nothing else is. */
static const char *const senior_titles[] = { "Chef", "Responsable",
    "Directeur", "Directrice", "Ingénieur", "Cadre", "Manager", "Gérant",
    "Senior", NULL };

static const struct structure {
	const char	*name, *domain;
	int		 ml, w;
} structures[] = {
	{ "ALLIES PLIE de Lyon", "allies-plie.example", 0, 50 },
	{ "Maison Métropolitaine d'Insertion pour l'Emploi", "mmie.example",
	    0, 20 },
	{ "PLIE Uni-Est", "plie-uniest.example", 0, 15 },
	{ "PLIE du Sud-Ouest Lyonnais", "plie-sol.example", 0, 15 },
	{ "Mission Locale de Lyon", "mission-locale-lyon.example", 1, 45 },
	{ "Mission Locale de Villeurbanne", "ml-villeurbanne.example", 1, 15 },
	{ "Mission Locale Rhône Sud-Est", "ml-rhonesudest.example", 1, 15 },
	{ "Mission Locale Plateau Nord Val de Saône", "ml-pnvs.example", 1,
	    10 },
	{ "Mission Locale de Vaulx-en-Velin", "ml-vaulx.example", 1, 10 },
	{ "Mission Locale des Monts d'Or et des Monts du Lyonnais",
	    "ml-mdl.example", 1, 5 },
};
#define NSTRUCTURES	(sizeof(structures) / sizeof(structures[0]))

/* First names by sex, born before 1988 or after: [sex][young]. */
static const char *const first_names[SEX__N][2][32] = {
	{ { "Fatima", "Nadia", "Samira", "Karima", "Aïcha", "Sonia",
	    "Sandrine", "Nathalie", "Isabelle", "Céline", "Stéphanie", "Sylvie",
	    "Valérie", "Marie", "Khadija", "Djamila", "Malika", "Christelle",
	    "Hélène", "Monique", "Brigitte", "Josiane", "Maria", "Ana",
	    "Fatoumata", NULL },
	  { "Inès", "Océane", "Manon", "Chloé", "Léa", "Camille", "Sarah",
	    "Laura", "Julie", "Yasmina", "Amina", "Mariama", "Aminata", "Awa",
	    "Elif", "Zeynep", "Sabrina", "Émilie", "Leïla", "Naïma", "Lina",
	    "Maëlys", "Kenza", "Imane", NULL } },
	{ { "Mohamed", "Ahmed", "Karim", "Rachid", "Nordine", "Farid",
	    "Abdoulaye", "Jean", "Pierre", "Philippe", "Christophe", "Stéphane",
	    "Frédéric", "David", "Patrick", "Thierry", "Pascal", "Manuel",
	    "José", "Mehmet", "Mustafa", "Serge", "Didier", "Éric", "Bruno",
	    NULL },
	  { "Mehdi", "Sofiane", "Yacine", "Bilal", "Kevin", "Dylan", "Jordan",
	    "Anthony", "Alexandre", "Lucas", "Hugo", "Théo", "Mamadou",
	    "Moussa", "Ibrahima", "Thomas", "Nicolas", "Julien", "Rayan",
	    "Adam", "Enzo", "Ilyes", NULL } },
};
static const char *const last_names[] = { "Martin", "Bernard", "Dubois",
    "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand",
    "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
    "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Rousseau",
    "Blanc", "Guérin", "Muller", "Henry", "Rossi", "Ferreira", "Da Silva",
    "Pereira", "Dos Santos", "Benali", "Benmohamed", "Bouzid", "Haddad",
    "Mansouri", "Belkacem", "Cherif", "Meziane", "Amrani", "Saïdi",
    "Hamidi", "Diallo", "Traoré", "Diop", "Ndiaye", "Koné", "Camara", "Sow",
    "Cissé", "Yilmaz", "Kaya", "Demir", "Nguyen", "Tran", "Chevalier",
    "Perrin", "Chauvin", "Brun", "Fontaine", "Gauthier", "Masson",
    "Marchand", "Duval", "Boyer", "Faure", "Rey", "Giraud", "Mathieu",
    "Clément", "Gaillard", "Barbier", "Arnaud", NULL };
static const char *const owners[] = { "cm-martin", "cm-bernard",
    "cm-dubois", "cm-thomas", "cm-robert", "cm-richard", "cm-petit",
    "cm-durand", "cm-leroy", "cm-moreau", "cm-simon", "cm-laurent", NULL };

/* Company name stems by ROME prefix; the first match wins. */
static const struct stems {
	const char	*prefix;
	const char	*s[5];
} stems[] = {
	{ "K22", { "Propreté", "Nettoyage", "Net Services", "Hygiène Services",
	    NULL } },
	{ "K13", { "Aide à Domicile", "Domicile Services",
	    "Services à la Personne", "Présence Domicile", NULL } },
	{ "K25", { "Sécurité", "Surveillance", "Gardiennage", NULL } },
	{ "J15", { "Résidence", "EHPAD", "Clinique", "Centre de Soins",
	    NULL } },
	{ "D1", { "Supermarché", "Marché", "Épicerie", "Primeurs", NULL } },
	{ "G15", { "Hôtel", "Résidence Hôtelière", NULL } },
	{ "G1", { "Restaurant", "Brasserie", "Traiteur", "Bistrot", NULL } },
	{ "N4", { "Transports", "Livraisons", "Express", NULL } },
	{ "N1", { "Logistique", "Entrepôts", "Transports", "Plateforme",
	    NULL } },
	{ "F1", { "Bâtiment", "Construction", "BTP", "Travaux", NULL } },
	{ "A12", { "Paysages", "Jardins", "Espaces Verts", NULL } },
	{ "H", { "Conditionnement", "Emballages", "Industries", NULL } },
	{ "I12", { "Maintenance", "Multi-Services", NULL } },
	{ "", { "Groupe", "Services", "Ateliers", "Solutions", NULL } },
};
static const char *const places[] = { "Confluence", "Part-Dieu", "Gerland",
    "Croix-Rousse", "Fourvière", "Bellecour", "Monplaisir", "Vaise",
    "Brotteaux", "Terreaux", "Guillotière", "Saxe", "Rhône", "Saône",
    "Lyonnais", "Grand Lyon", "Est Lyonnais", "Mont d'Or", "Rhône-Alpes",
    "Perrache", "Jean Macé", "Tête d'Or", "Carré de Soie", "Villeurbanne",
    "Vénissieux", "Saint-Priest", NULL };
static const struct wv forms[] = { { "", 0, 450 }, { "SAS", 0, 250 },
    { "SARL", 0, 180 }, { "SA", 0, 50 }, { "& Fils", 0, 30 },
    { "et Associés", 0, 40 } };
static const char *const roles[SEX__N][8] = {
	{ "Responsable des ressources humaines", "Gérante",
	    "Directrice d'agence", "Chargée de recrutement",
	    "Responsable de site", "Cheffe d'équipe", NULL },
	{ "Responsable des ressources humaines", "Gérant",
	    "Directeur d'exploitation", "Chargé de recrutement",
	    "Responsable de site", "Chef d'équipe", NULL },
};
static const char *const notes[] = {
    "Poste vu avec le chef d'équipe ; port de charges modéré.",
    "Travail en binôme les deux premières semaines.",
    "Horaires décalés 6h-13h, accès en transports en commun.",
    "Tenue fournie ; formation sécurité le premier jour.",
    "Tutrice désignée ; entretien sur le poste prévu.",
    "Poste debout, cadence soutenue en fin de semaine.",
    "Accès TCL, tramway à proximité.",
    "Manager ouvert au recrutement sans CV.",
    "Plusieurs sites dans la journée, temps de trajet payé.",
    "Accueil par la responsable de site, visite des vestiaires.", NULL };
#define CHARTER_NAME	"Charte des 1000 – Les entreprises s'engagent"

/* Offers: contract mix, duration range in months. */
static const struct contract_w {
	int	 contract, w, dmin, dmax;
} contract_weights[] = {
	{ CONTRACT_CDI, 350, 0, 0 },
	{ CONTRACT_CDD, 350, 1, 12 },
	{ CONTRACT_CTT, 150, 1, 3 },
	{ CONTRACT_PMSMP, 100, 1, 1 },
	{ CONTRACT_APPRENTISSAGE, 10, 12, 36 },
	{ CONTRACT_PROFESSIONNALISATION, 10, 6, 24 },
	{ CONTRACT_CDDI, 20, 4, 24 },
	{ CONTRACT_PEC, 10, 6, 12 },
};
/* Candidates: contracts accepted, drawn without replacement. */
static const struct wv accepted[] = { { NULL, CONTRACT_CDI, 300 },
    { NULL, CONTRACT_CDD, 280 }, { NULL, CONTRACT_CTT, 140 },
    { NULL, CONTRACT_PMSMP, 100 }, { NULL, CONTRACT_CDDI, 80 },
    { NULL, CONTRACT_PEC, 50 }, { NULL, CONTRACT_PROFESSIONNALISATION, 30 },
    { NULL, CONTRACT_APPRENTISSAGE, 20 } };
static const struct wv offer_hours[] = { { NULL, 20, 100 }, { NULL, 22, 50 },
    { NULL, 24, 120 }, { NULL, 25, 50 }, { NULL, 26, 50 }, { NULL, 28, 80 },
    { NULL, 30, 150 }, { NULL, 35, 400 } };
static const struct wv max_hours[] = { { NULL, 24, 150 }, { NULL, 26, 50 },
    { NULL, 28, 60 }, { NULL, 30, 150 }, { NULL, 32, 60 }, { NULL, 35, 430 },
    { NULL, 37, 30 }, { NULL, 39, 70 } };
static const struct wv zones[] = { { NULL, ZONE_COMMUNE, 250 },
    { NULL, ZONE_TERRITORY, 450 }, { NULL, ZONE_METROPOLE, 300 } };
static const struct wv actions[] = { { NULL, ACTION_RECRUIT_DURABLE, 250 },
    { NULL, ACTION_INNOVATIVE_RECRUITMENT, 150 },
    { NULL, ACTION_SEND_OFFERS, 200 },
    { NULL, ACTION_IMMERSION, 150 }, { NULL, ACTION_MENTORING, 60 },
    { NULL, ACTION_COMPANY_VISITS, 100 }, { NULL, ACTION_JOB_FAIRS, 50 },
    { NULL, ACTION_ADAPTED_TRAINING, 40 } };
static const struct wv favoured[] = { { NULL, PUBLIC_DELD, 300 },
    { NULL, PUBLIC_RSA, 200 }, { NULL, PUBLIC_YOUTH, 200 },
    { NULL, PUBLIC_SENIOR, 100 }, { NULL, PUBLIC_RQTH, 120 },
    { NULL, PUBLIC_REFUGEE, 40 }, { NULL, PUBLIC_SINGLE_PARENT, 40 } };
static const struct wv nrome_w[] = { { NULL, 1, 350 }, { NULL, 2, 400 },
    { NULL, 3, 250 } };
static const struct wv fte_classes[] = { { NULL, 1, 350 }, { NULL, 10, 350 },
    { NULL, 50, 220 }, { NULL, 250, 80 } };

/* Candidates: the Lyon PLIE's shares (youth and senior follow age). */
#define P_FEMALE	550
#define P_QPV		320
#define P_PLIE_YOUTH	60
#define P_PLIE_SENIOR	200
#define P_DELD		460
#define P_RSA_ADULT	441	/* 42% overall: young adults only as parents */
#define P_RQTH		40
#define P_REFUGEE	30
#define P_LICENCE_F	220
#define P_LICENCE_M	450
#define P_VEHICLE	750	/* of licence holders */
#define P_SCHEDULE_OK	400
#define P_CONSENT	950
/* Offers and companies. */
#define P_OFFER_SCHED	200
#define P_VISIT		850
#define P_CHARTER	800
#define P_FAVOURED	300
#define P_CONTACT	700

/* ---- state --------------------------------------------------------------- */
struct rng {
	uint64_t	 s[4];
};

struct gcommune {
	char		 insee[INSEE_LEN + 1];
	char		 parent_insee[INSEE_LEN + 1];
	char		*name, *norm;
	int64_t		 population;
	int		 parent;	/* has arrondissements: not drawn */
	char		*qpv[MAX_QPV];
	int		 nqpv;
};

/* Cumulative weights for a draw by binary search. */
struct wtab {
	uint64_t	*cum;
	size_t		 n;
};

struct appel {
	char		*code, *name;
	size_t		 rome;		/* index in refdata's table */
	int		 senior;
};

struct stats {
	uint64_t	 n, qpv, ml, consent, licence[SEX__N], sex[SEX__N];
	uint64_t	 vehicle, pub[PUBLIC__N], plie, plie_pub[PUBLIC__N];
	uint64_t	 zone[ZONE__N], nrome[4], extra, same_family, contracts;
	uint64_t	 sched_ok;
	uint64_t	 offers, contract[CONTRACT__N], cdd_months, osched;
	uint64_t	 visit, olicence;
	uint64_t	 companies, charter, commitments, favoured, contact;
	uint64_t	 fte;
	uint64_t	*rome_cand, *rome_offer;
};

struct gen {
	const struct scale	*sc;
	uint64_t		 seed;
	uint64_t		 nplie_ref;	/* 1..this: PLIE ones */
	const struct refdata	*ref;
	struct gcommune		*communes;
	size_t			 ncommunes;
	struct wtab		 w_commune, w_qpv_commune;
	struct wtab		 w_rome_cand, w_rome_offer;
	int			*rome_licence;
	struct appel		*appels;
	size_t			 nappels;
	size_t			*appel_first, *appel_nice, *appel_n;
	uint16_t		*co_rome;	/* per company: primary ROME */
	uint8_t			*co_commune;	/* per company: commune */
	int			 check, dostats;
	struct stats		 st;
	msgpack_sbuffer		 sb;		/* --check's msgpack trip */
};

/* ---- helpers ------------------------------------------------------------- */
static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	ap;

	fputs("gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		die("out of memory");
	return (p);
}

static char * __attribute__((format(printf, 1, 2)))
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		die("out of memory");
	va_end(ap);
	return (s);
}

static void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size)) == NULL)
		die("out of memory");
	return (p);
}

/* splitmix64 seeds xoshiro256**: one independent stream per resource. */
static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static void
rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t	x = seed * 0x2545f4914f6cdd1dULL + stream;
	int		i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return ((x << k) | (x >> (64 - k)));
}

static uint64_t
rng_next(struct rng *r)
{
	uint64_t	*s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return (out);
}

/* Uniform in [0, n); the modulo bias is below 2^-40 for our n. */
static uint64_t
below(struct rng *r, uint64_t n)
{
	return (n == 0 ? 0 : rng_next(r) % n);
}

static int64_t
range(struct rng *r, int64_t lo, int64_t hi)
{
	return (lo + (int64_t)below(r, (uint64_t)(hi - lo + 1)));
}

static int
chance(struct rng *r, int permille)
{
	return (below(r, 1000) < (uint64_t)permille);
}

static const char *
pick(struct rng *r, const char *const *list)
{
	size_t	n;

	for (n = 0; list[n] != NULL; n++)
		;
	return (list[below(r, n)]);
}

/* Index into a struct wv table, by weight; skip entries whose bit is in
 * taken (for draws without replacement). */
static size_t
pick_wv(struct rng *r, const struct wv *t, size_t n, uint32_t taken)
{
	uint64_t	total = 0, x;
	size_t		i;

	for (i = 0; i < n; i++)
		if (!(taken & (1u << i)))
			total += (uint64_t)t[i].w;
	x = below(r, total);
	for (i = 0; i < n; i++) {
		if (taken & (1u << i))
			continue;
		if (x < (uint64_t)t[i].w)
			return (i);
		x -= (uint64_t)t[i].w;
	}
	return (n - 1);
}
#define PICK_WV(r, t) \
	((t)[pick_wv((r), (t), sizeof(t) / sizeof((t)[0]), 0)].v)

static void
wtab_build(struct wtab *t, const uint64_t *w, size_t n)
{
	size_t	i;

	t->cum = xcalloc(n, sizeof(uint64_t));
	t->n = n;
	for (i = 0; i < n; i++)
		t->cum[i] = (i > 0 ? t->cum[i - 1] : 0) + w[i];
	if (n == 0 || t->cum[n - 1] == 0)
		die("nothing to draw from (all weights zero)");
}

static size_t
wtab_pick(struct rng *r, const struct wtab *t)
{
	uint64_t	x = below(r, t->cum[t->n - 1]);
	size_t		lo = 0, hi = t->n - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (t->cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (lo);
}

/* Fold UTF-8 Latin-1 letters to ASCII lower case, keep [a-z0-9], map runs
 * of anything else to sep (or drop it when sep is 0): for e-mails and for
 * matching the QPV file's municipality names to communes. */
static char *
fold(const char *s, int sep)
{
	static const char latin[] =	/* U+00C0 .. U+00FF */
	    "aaaaaaaceeeeiiiidnooooo-ouuuuyts"
	    "aaaaaaaceeeeiiiidnooooo-ouuuuyty";
	const unsigned char	*p = (const unsigned char *)s;
	char			*out, *o;
	int			 c, gap = 0;

	o = out = xcalloc(strlen(s) + 1, 1);
	for (; *p != '\0'; p++) {
		c = *p;
		if (c == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf)
			c = latin[*++p - 0x80];
		else if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (gap && sep != 0 && o != out)
				*o++ = (char)sep;
			*o++ = (char)c;
			gap = 0;
		} else if (c < 0x80 || (c & 0xc0) == 0xc0)
			gap = 1;
	}
	return (out);
}

static int32_t
days(iod_date d)
{
	return (date_to_days(d));
}

static iod_date
years_before(iod_date d, int y)
{
	return (date_add_months(d, -12 * y));
}

static int
age_at(iod_date birth, iod_date at)
{
	int	y = (int)(at / 10000) - (int)(birth / 10000);

	return (at % 10000 < birth % 10000 ? y - 1 : y);
}

static iod_date
date_between(struct rng *r, int32_t lo, int32_t hi)
{
	return (date_from_days((int32_t)range(r, lo, hi)));
}

/* ---- reference data ------------------------------------------------------ */
static struct csv *
csv_begin(const char *dir, const char *file, const char *const *cols,
    int *idx)
{
	struct csv	*c = xcalloc(1, sizeof(*c));
	char		*path = xasprintf("%s/%s", dir, file), *why;
	int		 i;

	if (csv_open(c, path) != 0)
		die("%s: %s", path, strerror(errno));
	if (csv_next(c, &why) != 1)
		die("%s: no header", path);
	for (i = 0; cols[i] != NULL; i++)
		if ((idx[i] = csv_column(c->fields, c->nfields, cols[i])) < 0)
			die("%s: no column %s", path, cols[i]);
	free(path);
	return (c);
}

/* The next row: 1, or 0 at the end; a bad file is fatal. */
static int
csv_more(struct csv *c)
{
	char	*why;
	int	 rc;

	if ((rc = csv_next(c, &why)) < 0)
		die("%s", why != NULL ? why : "bad CSV row");
	return (rc);
}

static char *
csv_get(struct csv *c, int idx)
{
	if ((size_t)idx >= c->nfields)
		die("line %zu: missing column", c->rowline);
	return (c->fields[idx]);
}

/* The QPV file names municipalities loosely ("Lyon 3", "Saint Genis Laval",
 * "Pierre Bénite"): exact match of the folded names, else the commune name
 * starting with it (not followed by a digit: "lyon3" is "lyon3e…" but
 * "lyon" is no arrondissement), else containing it. */
static int
muni_match(const char *commune, const char *muni)
{
	size_t	n = strlen(muni);

	if (strcmp(commune, muni) == 0)
		return (3);
	if (strncmp(commune, muni, n) == 0 &&
	    !(commune[n] >= '0' && commune[n] <= '9'))
		return (2);
	return (strstr(commune, muni) != NULL ? 1 : 0);
}

static void
load_qpv(struct gen *g, const char *dir)
{
	static const char *const cols[] = { "municipality", "district", "kind",
	    NULL };
	struct csv	*c;
	struct gcommune	*gc;
	char		*munis, *m, *next, *norm;
	int		 idx[3], best, k;
	size_t		 i;

	c = csv_begin(dir, "qpv.csv", cols, idx);
	while (csv_more(c)) {
		if (strcmp(csv_get(c, idx[2]), "QPV") != 0)
			continue;	/* QVA: monitored, not priority */
		munis = xstrdup(csv_get(c, idx[0]));
		for (m = munis; m != NULL; m = next) {
			if ((next = strchr(m, '/')) != NULL)
				*next++ = '\0';
			norm = fold(m, 0);
			best = 0;
			for (i = 0; i < g->ncommunes; i++)
				if (!g->communes[i].parent &&
				    (k = muni_match(g->communes[i].norm,
				    norm)) > best)
					best = k;
			if (best == 0)
				fprintf(stderr, "gen: qpv.csv:%zu: no commune "
				    "named %s\n", c->rowline, m);
			for (i = 0; best > 0 && i < g->ncommunes; i++) {
				gc = &g->communes[i];
				if (gc->parent ||
				    muni_match(gc->norm, norm) != best)
					continue;
				if (gc->nqpv == MAX_QPV)
					die("qpv.csv: too many QPV in %s",
					    gc->name);
				gc->qpv[gc->nqpv++] =
				    xstrdup(csv_get(c, idx[1]));
			}
			free(norm);
		}
		free(munis);
	}
	csv_close(c);
	free(c);
}

static void
load_communes(struct gen *g, const char *dir)
{
	static const char *const cols[] = { "insee_code", "name",
	    "parent_insee", "population", NULL };
	struct csv	*c;
	struct gcommune	*gc;
	uint64_t	*w, *wq;
	int		 idx[4];
	size_t		 i, j, cap = 0;

	c = csv_begin(dir, "communes.csv", cols, idx);
	while (csv_more(c)) {
		if (g->ncommunes == cap) {
			cap = cap ? cap * 2 : 64;
			if ((g->communes = realloc(g->communes,
			    cap * sizeof(*gc))) == NULL)
				die("out of memory");
		}
		gc = &g->communes[g->ncommunes++];
		memset(gc, 0, sizeof(*gc));
		snprintf(gc->insee, sizeof(gc->insee), "%s",
		    csv_get(c, idx[0]));
		gc->name = xstrdup(csv_get(c, idx[1]));
		gc->norm = fold(gc->name, 0);
		gc->population = strtoll(csv_get(c, idx[3]), NULL, 10);
		snprintf(gc->parent_insee, sizeof(gc->parent_insee), "%s",
		    csv_get(c, idx[2]));
	}
	csv_close(c);
	free(c);
	if (g->ncommunes > 255)
		die("communes.csv: more than 255 communes");
	/* A commune with arrondissements (Lyon, 69123) is not drawn. */
	for (i = 0; i < g->ncommunes; i++)
		for (j = 0; j < g->ncommunes; j++)
			if (strcmp(g->communes[j].parent_insee,
			    g->communes[i].insee) == 0)
				g->communes[i].parent = 1;
	load_qpv(g, dir);
	w = xcalloc(g->ncommunes, sizeof(*w));
	wq = xcalloc(g->ncommunes, sizeof(*wq));
	for (i = 0; i < g->ncommunes; i++) {
		gc = &g->communes[i];
		if (gc->parent || gc->population <= 0)
			continue;
		if (refdata_commune(gc->insee) == NULL)
			die("communes.csv: %s not in the reference data",
			    gc->insee);
		w[i] = (uint64_t)gc->population;
		wq[i] = gc->nqpv > 0 ? (uint64_t)gc->population : 0;
	}
	wtab_build(&g->w_commune, w, g->ncommunes);
	wtab_build(&g->w_qpv_commune, wq, g->ncommunes);
	free(w);
	free(wq);
}

static int
cmp_appel(const void *a, const void *b)
{
	const struct appel	*x = a, *y = b;

	if (x->rome != y->rome)
		return (x->rome < y->rome ? -1 : 1);
	if (x->senior != y->senior)
		return (x->senior - y->senior);
	return (strcmp(x->code, y->code));
}

static size_t
rome_index(const struct gen *g, const char *code)
{
	size_t	lo = 0, hi = g->ref->nrome, mid;
	int	c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(g->ref->rome[mid], code)) == 0)
			return (mid);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (SIZE_MAX);
}

static void
load_rome(struct gen *g, const char *dir)
{
	static const char *const cols[] = { "appellation_code", "name",
	    "rome_code", NULL };
	struct csv	*c;
	struct appel	*a;
	uint64_t	*wc, *wo;
	int		 idx[3], k;
	size_t		 i, n = g->ref->nrome, cap = 0;

	wc = xcalloc(n, sizeof(*wc));
	wo = xcalloc(n, sizeof(*wo));
	g->rome_licence = xcalloc(n, sizeof(int));
	for (i = 0; i < n; i++) {
		wc[i] = wo[i] = TAIL_W;
		g->rome_licence[i] = TAIL_LICENCE;
	}
	for (k = 0; k < (int)(sizeof(rome_weights) / sizeof(rome_weights[0]));
	    k++) {
		if ((i = rome_index(g, rome_weights[k].code)) == SIZE_MAX)
			die("ROME %s is not in rome-codes.csv",
			    rome_weights[k].code);
		wc[i] = (uint64_t)rome_weights[k].cand;
		wo[i] = (uint64_t)rome_weights[k].offer;
		g->rome_licence[i] = rome_weights[k].licence;
	}
	wtab_build(&g->w_rome_cand, wc, n);
	wtab_build(&g->w_rome_offer, wo, n);
	free(wc);
	free(wo);

	c = csv_begin(dir, "rome-appellations.csv", cols, idx);
	while (csv_more(c)) {
		if ((i = rome_index(g, csv_get(c, idx[2]))) == SIZE_MAX)
			continue;
		if (refdata_appellation_rome(csv_get(c, idx[0])) == NULL ||
		    strlen(csv_get(c, idx[1])) > 200)
			continue;
		if (g->nappels == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((g->appels = realloc(g->appels,
			    cap * sizeof(*a))) == NULL)
				die("out of memory");
		}
		a = &g->appels[g->nappels++];
		a->code = xstrdup(csv_get(c, idx[0]));
		a->name = xstrdup(csv_get(c, idx[1]));
		a->rome = i;
		a->senior = 0;
		for (k = 0; senior_titles[k] != NULL; k++)
			if (strncmp(a->name, senior_titles[k],
			    strlen(senior_titles[k])) == 0)
				a->senior = 1;
	}
	csv_close(c);
	free(c);
	qsort(g->appels, g->nappels, sizeof(*g->appels), cmp_appel);
	g->appel_first = xcalloc(n, sizeof(size_t));
	g->appel_nice = xcalloc(n, sizeof(size_t));
	g->appel_n = xcalloc(n, sizeof(size_t));
	for (i = g->nappels; i-- > 0;) {
		a = &g->appels[i];
		g->appel_first[a->rome] = i;
		g->appel_n[a->rome]++;
		if (!a->senior)
			g->appel_nice[a->rome]++;
	}
}

/* ---- records ------------------------------------------------------------- */
/* A first name of that sex, of that generation (-1: either) most often. */
static const char *
person(struct rng *r, int sex, int young)
{
	if (young < 0 || chance(r, 200))
		young = (int)below(r, 2);
	return (pick(r, first_names[sex][young]));
}

static const struct structure *
structure_pick(struct rng *r, int ml)
{
	uint64_t	total = 0, x;
	size_t		i;

	for (i = 0; i < NSTRUCTURES; i++)
		if (structures[i].ml == ml)
			total += (uint64_t)structures[i].w;
	x = below(r, total);
	for (i = 0; i < NSTRUCTURES; i++) {
		if (structures[i].ml != ml)
			continue;
		if (x < (uint64_t)structures[i].w)
			break;
		x -= (uint64_t)structures[i].w;
	}
	return (&structures[i < NSTRUCTURES ? i : 0]);
}

/* "prenom.nom@domain", ASCII. */
static char *
email(const char *first, const char *last, const char *domain, int initial)
{
	char	*f = fold(first, '-'), *l = fold(last, '-'), *e;

	if (initial && *f != '\0')
		f[1] = '\0';
	e = xasprintf("%s.%s@%s", f, l, domain);
	free(f);
	free(l);
	return (e);
}

static void
gen_referent(struct gen *g, struct rng *r, uint64_t id, void *rec)
{
	struct referent		*rf = rec;
	const struct structure	*s;
	const char		*first, *last;

	s = structure_pick(r, id > g->nplie_ref);
	first = person(r, chance(r, 700) ? SEX_F : SEX_M, -1);
	last = pick(r, last_names);
	rf->name = xasprintf("%s %s", first, last);
	rf->structure = xstrdup(s->name);
	rf->email = email(first, last, s->domain, 0);
}

/* Luhn sum of the n digits of s, doubling every second from the right. */
static int
luhn(const char *s, size_t n)
{
	size_t	i;
	int	d, sum = 0;

	for (i = 0; i < n; i++) {
		d = s[n - 1 - i] - '0';
		if (i % 2 == 1 && (d *= 2) > 9)
			d -= 9;
		sum += d;
	}
	return (sum);
}

/* 8 digits of SIREN from a bijection of the index, its Luhn digit, a NIC
 * and the SIRET's check digit: valid and unique by construction (a SIREN
 * that comes out as La Poste's gets La Poste's rule, as siret_valid does). */
static char *
siret_make(struct gen *g, struct rng *r, uint64_t id)
{
	char		 s[15];
	uint64_t	 x = ((id - 1) * 7654321 + 30000000 +
			    (g->seed % 1000) * 10007) % 100000000;
	int		 d;

	snprintf(s, sizeof(s), "%08" PRIu64 "0%04d0", x,
	    (int)(chance(r, 800) ? 1 + below(r, 9) : 10 + below(r, 90)));
	for (d = 0; d < 10; d++) {
		s[8] = (char)('0' + d);
		if (luhn(s, 9) % 10 == 0)
			break;
	}
	for (d = 0; d < 10; d++) {
		s[13] = (char)('0' + d);
		if (siret_valid(s))
			return (xstrdup(s));
	}
	die("cannot make a SIRET for company %" PRIu64, id);
}

static void
gen_company(struct gen *g, struct rng *r, uint64_t id, void *rec)
{
	struct company		*co = rec;
	const struct stems	*st;
	const char		*rome, *stem, *name, *first, *last;
	char			*base, *domain, *slug;
	struct commitment	*cm;
	uint32_t		 taken = 0;
	size_t			 k, n, form;
	int			 cls, p, sex;

	k = wtab_pick(r, &g->w_rome_offer);
	g->co_rome[id - 1] = (uint16_t)k;
	rome = g->ref->rome[k];
	for (st = stems; strncmp(rome, st->prefix, strlen(st->prefix)) != 0;
	    st++)
		;
	stem = pick(r, st->s);
	name = pick(r, last_names);
	p = (int)below(r, 100);
	if (p < 45)
		base = xasprintf("%s %s", stem, pick(r, places));
	else if (p < 80)
		base = xasprintf("%s %s", stem, name);
	else
		base = xasprintf("%s %s", name, stem);
	form = pick_wv(r, forms, sizeof(forms) / sizeof(forms[0]), 0);
	co->name = *forms[form].s == '\0' ? xstrdup(base) :
	    xasprintf("%s %s", base, forms[form].s);
	co->siret = siret_make(g, r, id);
	k = wtab_pick(r, &g->w_commune);
	g->co_commune[id - 1] = (uint8_t)k;
	co->commune = xstrdup(g->communes[k].insee);
	cls = PICK_WV(r, fte_classes);
	co->fte = range(r, cls, cls == 1 ? 9 : cls == 250 ? 2000 : cls * 5 - 1);
	if (chance(r, P_CHARTER)) {
		co->charter.name = xstrdup(CHARTER_NAME);
		co->charter.signed_on = date_between(r, days(20160601),
		    days(20260930));
		co->charter.status = CHARTER_SIGNED;
		n = (size_t)range(r, 1, 4);
		co->commitments = xcalloc(n, sizeof(*cm));
		co->ncommitments = n;
		for (cm = co->commitments; cm < co->commitments + n; cm++) {
			k = pick_wv(r, actions, sizeof(actions) /
			    sizeof(actions[0]), taken);
			taken |= 1u << k;
			cm->action = actions[k].v;
			cm->done_before = chance(r, 400);
			cm->committed = chance(r, 900);
			cm->publics_per_year = range(r, 1,
			    co->fte / 10 > 20 ? 20 : co->fte / 10 + 1);
			if (cm->action == ACTION_MENTORING ||
			    cm->action == ACTION_COMPANY_VISITS ||
			    cm->action == ACTION_ADAPTED_TRAINING ||
			    cm->action == ACTION_IMMERSION)
				cm->days_per_year = range(r, 1, 20);
		}
	}
	if (chance(r, P_FAVOURED)) {
		n = (size_t)range(r, 1, 2);
		for (taken = 0; n-- > 0;) {
			k = pick_wv(r, favoured, sizeof(favoured) /
			    sizeof(favoured[0]), taken);
			taken |= 1u << k;
			co->favoured_publics |= 1u << favoured[k].v;
		}
	}
	if (chance(r, P_CONTACT)) {
		sex = chance(r, 550) ? SEX_F : SEX_M;
		first = person(r, sex, -1);
		last = pick(r, last_names);
		co->contact.name = xasprintf("%s %s", first, last);
		co->contact.role = xstrdup(pick(r, roles[sex]));
		co->contact.phone = xasprintf("04 65 71 %02d %02d",
		    (int)below(r, 100), (int)below(r, 100));
		slug = fold(base, '-');
		if (strlen(slug) > 40)
			slug[40] = '\0';	/* fold() made it ASCII */
		if ((n = strlen(slug)) > 0 && slug[n - 1] == '-')
			slug[n - 1] = '\0';
		domain = xasprintf("%s.example", slug);
		co->contact.email = email(first, last, domain, 1);
		free(domain);
		free(slug);
	}
	free(base);
}

/* Another code of k's family (same first 3 characters), or k if none. */
static size_t
rome_sibling(struct gen *g, struct rng *r, size_t k)
{
	size_t	lo = k, hi = k + 1;

	while (lo > 0 && strncmp(g->ref->rome[lo - 1], g->ref->rome[k], 3) == 0)
		lo--;
	while (hi < g->ref->nrome &&
	    strncmp(g->ref->rome[hi], g->ref->rome[k], 3) == 0)
		hi++;
	if (hi - lo < 2)
		return (k);
	k = lo + (k - lo + 1 + below(r, hi - lo - 1)) % (hi - lo);
	return (k);
}

static void
title_pick(struct gen *g, struct rng *r, size_t k, struct offer *o)
{
	const struct appel	*a;
	size_t			 n;

	if (g->appel_n[k] == 0) {
		o->title = xstrdup(refdata_rome_name(g->ref->rome[k]));
		return;
	}
	n = g->appel_nice[k] > 0 ? g->appel_nice[k] : g->appel_n[k];
	a = &g->appels[g->appel_first[k] + below(r, n)];
	o->title = xstrdup(a->name);
	o->appellation = xstrdup(a->code);
}

static uint32_t
schedule_pick(struct rng *r)
{
	uint32_t	s = 0;

	while (s == 0) {
		if (chance(r, 500))
			s |= 1u << SCHEDULE_EARLY;
		if (chance(r, 300))
			s |= 1u << SCHEDULE_NIGHT;
		if (chance(r, 550))
			s |= 1u << SCHEDULE_WEEKEND;
	}
	return (s);
}

static void
gen_offer(struct gen *g, struct rng *r, uint64_t id, void *rec)
{
	struct offer		*o = rec;
	const struct contract_w	*cw;
	size_t			 c, k;
	int			 p;
	uint64_t		 cw_total = 0, x;

	(void)id;
	c = below(r, g->sc->n[R_COMPANIES]);
	o->company_id = c + 1;
	k = g->co_rome[c];
	if ((p = (int)below(r, 100)) >= 90)
		k = wtab_pick(r, &g->w_rome_offer);
	else if (p >= 75)
		k = rome_sibling(g, r, k);
	o->rome = xstrdup(g->ref->rome[k]);
	title_pick(g, r, k, o);
	o->commune = xstrdup(g->communes[chance(r, 850) ? g->co_commune[c] :
	    wtab_pick(r, &g->w_commune)].insee);
	for (cw = contract_weights; cw < contract_weights +
	    sizeof(contract_weights) / sizeof(*cw); cw++)
		cw_total += (uint64_t)cw->w;
	for (x = below(r, cw_total), cw = contract_weights;
	    x >= (uint64_t)cw->w; cw++)
		x -= (uint64_t)cw->w;
	o->contract = cw->contract;
	o->duration_months = range(r, cw->dmin, cw->dmax);
	o->weekly_hours = PICK_WV(r, offer_hours);
	if (chance(r, P_OFFER_SCHED))
		o->schedule = schedule_pick(r);
	o->start_on = date_between(r, days(REF_DATE), days(20270331));
	if (chance(r, g->rome_licence[k])) {
		o->requirements = 1u << REQ_LICENCE_B;
		if (chance(r, 400))
			o->requirements |= 1u << REQ_VEHICLE;
	}
	if (chance(r, P_VISIT)) {
		o->workstation_visit.on = date_between(r, days(REF_DATE) - 89,
		    days(REF_DATE));
		if (chance(r, 600))
			o->workstation_visit.notes = xstrdup(pick(r, notes));
	}
	o->ruleset = xstrdup("iod-plie");
	o->owner = xstrdup(owners[below(r, (uint64_t)g->sc->owners)]);
	o->status = OFFER_OPEN;
}

static void
gen_candidate(struct gen *g, struct rng *r, uint64_t id, void *rec)
{
	struct candidate	*c = rec;
	struct gcommune		*gc;
	int32_t			 od, ref = days(REF_DATE), lo, hi;
	size_t			 k, n, i, j;
	uint32_t		 taken = 0;
	int			 ml, f, cls, nc;

	(void)id;
	ml = g->sc->ml > 0 && chance(r, g->sc->ml);
	f = chance(r, P_FEMALE);
	c->sex = f ? SEX_F : SEX_M;
	c->programme = ml ? PROGRAMME_MISSION_LOCALE : PROGRAMME_PLIE;
	c->referent_id = ml ? g->nplie_ref + 1 +
	    below(r, g->sc->n[R_REFERENTS] - g->nplie_ref) :
	    1 + below(r, g->nplie_ref);
	od = (int32_t)range(r, days(years_before(REF_DATE, 3)), ref - 1);
	c->oriented_on = date_from_days(od);

	/* Age class first, then a birth date that keeps it both at the
	 * orientation and at REF_DATE. */
	cls = ml ? PUBLIC_YOUTH : (int)below(r, 1000);
	if (!ml)
		cls = cls < P_PLIE_YOUTH ? PUBLIC_YOUTH : cls < P_PLIE_YOUTH +
		    P_PLIE_SENIOR ? PUBLIC_SENIOR : -1;
	if (cls == PUBLIC_YOUTH) {
		lo = days(years_before(REF_DATE, 26)) + 1;
		hi = days(years_before(c->oriented_on, ml ? 16 : 18));
	} else if (cls == PUBLIC_SENIOR) {
		lo = days(years_before(c->oriented_on, 65)) + 1;
		hi = days(years_before(c->oriented_on, 50));
	} else {
		lo = days(years_before(REF_DATE, 50)) + 1;
		hi = days(years_before(c->oriented_on, 26));
	}
	c->birth_date = date_between(r, lo, hi);
	c->first_name = xstrdup(person(r, c->sex, c->birth_date >= 19880101));
	c->last_name = xstrdup(pick(r, last_names));
	if (cls >= 0)
		c->publics |= 1u << cls;

	if (chance(r, f ? 140 : 30))
		c->publics |= 1u << PUBLIC_SINGLE_PARENT;
	if (ml) {
		if (chance(r, 150))
			c->publics |= 1u << PUBLIC_DELD;
	} else if (chance(r, P_DELD))
		c->publics |= 1u << PUBLIC_DELD;
	if (cls == PUBLIC_YOUTH ? (c->publics &
	    (1u << PUBLIC_SINGLE_PARENT)) != 0 : chance(r, P_RSA_ADULT))
		c->publics |= 1u << PUBLIC_RSA;
	if (chance(r, P_RQTH))
		c->publics |= 1u << PUBLIC_RQTH;
	if (chance(r, P_REFUGEE))
		c->publics |= 1u << PUBLIC_REFUGEE;
	if (chance(r, f ? 8 : 35))
		c->publics |= 1u << PUBLIC_JUSTICE;

	c->qpv = chance(r, P_QPV);
	gc = &g->communes[wtab_pick(r, c->qpv ? &g->w_qpv_commune :
	    &g->w_commune)];
	c->commune = xstrdup(gc->insee);
	if (c->qpv)
		c->qpv_code = xstrdup(gc->qpv[below(r, (uint64_t)gc->nqpv)]);

	n = (size_t)PICK_WV(r, nrome_w);
	c->rome = xcalloc(n, sizeof(char *));
	k = wtab_pick(r, &g->w_rome_cand);
	c->rome[c->nrome++] = xstrdup(g->ref->rome[k]);
	for (i = 1; i < n; i++) {
		for (j = 0; j < 8; j++) {
			k = chance(r, 650) ? rome_sibling(g, r, k) :
			    wtab_pick(r, &g->w_rome_cand);
			for (nc = 0; nc < (int)c->nrome; nc++)
				if (strcmp(c->rome[nc], g->ref->rome[k]) == 0)
					break;
			if (nc == (int)c->nrome)
				break;
		}
		if (j == 8)
			break;
		c->rome[c->nrome++] = xstrdup(g->ref->rome[k]);
	}

	nc = (int)range(r, 2, 5);
	while (nc-- > 0) {
		k = pick_wv(r, accepted, sizeof(accepted) / sizeof(accepted[0]),
		    taken);
		taken |= 1u << k;
		c->contracts |= 1u << accepted[k].v;
	}
	c->max_weekly_hours = PICK_WV(r, max_hours);
	if (chance(r, P_SCHEDULE_OK))
		c->schedule_ok = schedule_pick(r);
	c->mobility.licence_b = chance(r, f ? P_LICENCE_F : P_LICENCE_M);
	c->mobility.vehicle = c->mobility.licence_b && chance(r, P_VEHICLE);
	c->mobility.zone = PICK_WV(r, zones);
	c->available_on = date_from_days((int32_t)range(r, ref - 45, ref + 90));
	if (c->available_on < c->oriented_on)
		c->available_on = c->oriented_on;
	if (chance(r, P_CONSENT)) {
		od += (int32_t)below(r, 22);
		c->consent.on = date_from_days(od > ref ? ref : od);
		c->consent.scope = CONSENT_MATCHING_FOLLOWUP;
	}
	c->status = CAND_ACTIVE;
}

/* ---- checks and statistics ----------------------------------------------- */
/* The commune drawn, never one that has arrondissements (Lyon, 69123,
 * which the reference data accepts but DESIGN.md says to split). */
static const struct gcommune *
commune_check(const struct gen *g, const char *insee, const char *what,
    uint64_t id)
{
	size_t	k;

	for (k = 0; k < g->ncommunes; k++)
		if (strcmp(g->communes[k].insee, insee) == 0 &&
		    !g->communes[k].parent)
			return (&g->communes[k]);
	die("%s %" PRIu64 ": commune %s is not one to draw", what, id, insee);
}

static void
check_company(struct gen *g, const void *rec, uint64_t id)
{
	commune_check(g, ((const struct company *)rec)->commune, "company", id);
}

static void
check_offer(struct gen *g, const void *rec, uint64_t id)
{
	const struct offer	*o = rec;

	commune_check(g, o->commune, "offer", id);
	if (o->company_id < 1 || o->company_id > g->sc->n[R_COMPANIES])
		die("offer %" PRIu64 ": company_id %" PRIu64 " out of range",
		    id, o->company_id);
}

/* Publics that follow from the birth date hold at orientation and at
 * REF_DATE; a QPV is one of the commune's; consent follows orientation. */
static void
check_candidate(struct gen *g, const void *rec, uint64_t id)
{
	const struct candidate	*c = rec;
	const struct gcommune	*gc;
	int			 ao = age_at(c->birth_date, c->oriented_on);
	int			 ar = age_at(c->birth_date, REF_DATE), i, ok;

	if (c->referent_id < 1 || c->referent_id > g->sc->n[R_REFERENTS] ||
	    (c->referent_id > g->nplie_ref) !=
	    (c->programme == PROGRAMME_MISSION_LOCALE))
		die("candidate %" PRIu64 ": referent_id %" PRIu64 " out of "
		    "range or of another programme", id, c->referent_id);
	if (c->publics & (1u << PUBLIC_YOUTH))
		ok = ao < 26 && ar < 26 && ao >= 16;
	else if (c->publics & (1u << PUBLIC_SENIOR))
		ok = ao >= 50 && ao < 65;
	else
		ok = ao >= 26 && ar < 50;
	if (!ok)
		die("candidate %" PRIu64 ": publics do not match the age (%d "
		    "at orientation, %d at %d)", id, ao, ar, REF_DATE);
	gc = commune_check(g, c->commune, "candidate", id);
	ok = (c->qpv_code != NULL) == c->qpv;
	for (i = 0; ok && c->qpv && i < gc->nqpv; i++)
		if (strcmp(gc->qpv[i], c->qpv_code) == 0)
			break;
	if (!ok || (c->qpv && i == gc->nqpv))
		die("candidate %" PRIu64 ": qpv_code is not a QPV of %s", id,
		    c->commune);
	if (c->consent.on != 0 && c->consent.on < c->oriented_on)
		die("candidate %" PRIu64 ": consent before orientation", id);
}

static void
stat_company(struct gen *g, const void *rec)
{
	const struct company	*co = rec;

	g->st.companies++;
	g->st.charter += co->charter.name != NULL;
	g->st.commitments += co->ncommitments;
	g->st.favoured += co->favoured_publics != 0;
	g->st.contact += co->contact.name != NULL;
	g->st.fte += (uint64_t)co->fte;
}

static void
stat_offer(struct gen *g, const void *rec)
{
	const struct offer	*o = rec;

	g->st.offers++;
	g->st.contract[o->contract]++;
	if (o->contract == CONTRACT_CDD)
		g->st.cdd_months += (uint64_t)o->duration_months;
	g->st.osched += o->schedule != 0;
	g->st.visit += o->workstation_visit.on != 0;
	g->st.olicence += (o->requirements & (1u << REQ_LICENCE_B)) != 0;
	g->st.rome_offer[rome_index(g, o->rome)]++;
}

static void
stat_candidate(struct gen *g, const void *rec)
{
	const struct candidate	*c = rec;
	struct stats		*st = &g->st;
	size_t			 i;
	int			 k, plie = c->programme == PROGRAMME_PLIE;

	st->n++;
	st->sex[c->sex]++;
	st->qpv += c->qpv;
	st->ml += c->programme == PROGRAMME_MISSION_LOCALE;
	st->plie += plie;
	st->consent += c->consent.on != 0;
	st->licence[c->sex] += c->mobility.licence_b;
	st->vehicle += c->mobility.vehicle;
	st->zone[c->mobility.zone]++;
	for (k = 0; k < PUBLIC__N; k++) {
		st->pub[k] += (c->publics >> k) & 1;
		if (plie)
			st->plie_pub[k] += (c->publics >> k) & 1;
	}
	st->nrome[c->nrome]++;
	for (i = 0; i < c->nrome; i++)
		st->rome_cand[rome_index(g, c->rome[i])]++;
	for (i = 1; i < c->nrome; i++) {
		st->extra++;
		st->same_family += strncmp(c->rome[i], c->rome[0], 3) == 0;
	}
	for (k = 0; k < CONTRACT__N; k++)
		st->contracts += (c->contracts >> k) & 1;
	st->sched_ok += c->schedule_ok != 0;
}

#define PCT(a, b)	((b) > 0 ? 100.0 * (double)(a) / (double)(b) : 0.0)

/* The n most frequent ROME codes of a count table. */
static void
print_top(const struct gen *g, const uint64_t *count, uint64_t total, int n)
{
	size_t		i, best;
	uint64_t	prev = UINT64_MAX, c;
	size_t		prev_i = SIZE_MAX;

	for (; n > 0; n--) {
		best = SIZE_MAX;
		for (i = 0; i < g->ref->nrome; i++) {
			c = count[i];
			if (c > prev || (c == prev && i <= prev_i))
				continue;	/* already printed */
			if (best == SIZE_MAX || c > count[best])
				best = i;
		}
		if (best == SIZE_MAX || count[best] == 0)
			break;
		printf(" %s %.1f%%", g->ref->rome[best],
		    PCT(count[best], total));
		prev = count[best];
		prev_i = best;
	}
	printf("\n");
}

static void
stats_print(const struct gen *g)
{
	const struct stats	*st = &g->st;
	uint64_t		 sought = 0, other;
	size_t			 i;
	int			 k;

	printf("candidates %" PRIu64 ": F %.1f%%  M %.1f%%  qpv %.1f%%  "
	    "plie %.1f%%  mission_locale %.1f%%  consent %.1f%%\n", st->n,
	    PCT(st->sex[SEX_F], st->n), PCT(st->sex[SEX_M], st->n),
	    PCT(st->qpv, st->n), PCT(st->plie, st->n), PCT(st->ml, st->n),
	    PCT(st->consent, st->n));
	printf("  publics of plie:");
	for (k = 0; k < PUBLIC__N; k++)
		printf(" %s %.1f%%", public_names[k],
		    PCT(st->plie_pub[k], st->plie));
	printf("\n  publics of all: ");
	for (k = 0; k < PUBLIC__N; k++)
		printf(" %s %.1f%%", public_names[k], PCT(st->pub[k], st->n));
	printf("\n  licence_b F %.1f%%  M %.1f%%  vehicle %.1f%% of holders  "
	    "zone commune %.1f%%  territory %.1f%%  metropole %.1f%%\n",
	    PCT(st->licence[SEX_F], st->sex[SEX_F]),
	    PCT(st->licence[SEX_M], st->sex[SEX_M]),
	    PCT(st->vehicle, st->licence[SEX_F] + st->licence[SEX_M]),
	    PCT(st->zone[ZONE_COMMUNE], st->n),
	    PCT(st->zone[ZONE_TERRITORY], st->n),
	    PCT(st->zone[ZONE_METROPOLE], st->n));
	printf("  rome codes 1: %.1f%%  2: %.1f%%  3: %.1f%%  (extra codes of "
	    "the first's family %.1f%%)  contracts accepted %.2f  "
	    "schedule_ok %.1f%%\n", PCT(st->nrome[1], st->n),
	    PCT(st->nrome[2], st->n), PCT(st->nrome[3], st->n),
	    PCT(st->same_family, st->extra),
	    st->n > 0 ? (double)st->contracts / (double)st->n : 0.0,
	    PCT(st->sched_ok, st->n));
	for (i = 0; i < g->ref->nrome; i++)
		sought += st->rome_cand[i];
	printf("  sought:");
	print_top(g, st->rome_cand, sought, 10);
	other = st->offers;
	printf("offers %" PRIu64 ":", st->offers);
	for (k = 0; k < CONTRACT__N; k++) {
		if (k > CONTRACT_PMSMP) {
			printf(" others %.1f%%", PCT(other, st->offers));
			break;
		}
		printf(" %s %.1f%%", contract_names[k],
		    PCT(st->contract[k], st->offers));
		other -= st->contract[k];
	}
	printf("  (CDD %.1f months)  schedule %.1f%%  visit %.1f%%  "
	    "licence %.1f%%\n  asked:", st->contract[CONTRACT_CDD] > 0 ?
	    (double)st->cdd_months / (double)st->contract[CONTRACT_CDD] : 0.0,
	    PCT(st->osched, st->offers), PCT(st->visit, st->offers),
	    PCT(st->olicence, st->offers));
	print_top(g, st->rome_offer, st->offers, 10);
	printf("companies %" PRIu64 ": charter %.1f%%  commitments %.2f per "
	    "signatory  favoured_publics %.1f%%  contact %.1f%%  mean fte "
	    "%.1f\n", st->companies, PCT(st->charter, st->companies),
	    st->charter > 0 ? (double)st->commitments / (double)st->charter :
	    0.0, PCT(st->favoured, st->companies),
	    PCT(st->contact, st->companies), st->companies > 0 ?
	    (double)st->fte / (double)st->companies : 0.0);
}

/* ---- output -------------------------------------------------------------- */
/* A CSV column for PostgreSQL: its name, the path of its value in the
 * create body ("" for the 1-based id) and its SQL type; text[] columns are
 * array literals, jsonb ones compact JSON. */
struct column {
	const char	*name, *path, *type;
};
static const struct column referent_cols[] = {
	{ "id", "", "bigint PRIMARY KEY" }, { "name", "name", "text" },
	{ "structure", "structure", "text" }, { "email", "email", "text" },
	{ NULL, NULL, NULL } };
static const struct column company_cols[] = {
	{ "id", "", "bigint PRIMARY KEY" }, { "siret", "siret", "text" },
	{ "name", "name", "text" }, { "commune", "commune", "text" },
	{ "fte", "fte", "integer" },
	{ "charter_name", "charter.name", "text" },
	{ "charter_signed_on", "charter.signed_on", "date" },
	{ "charter_status", "charter.status", "text" },
	{ "commitments", "commitments", "jsonb" },
	{ "favoured_publics", "favoured_publics", "text[]" },
	{ "contact_name", "contact.name", "text" },
	{ "contact_role", "contact.role", "text" },
	{ "contact_phone", "contact.phone", "text" },
	{ "contact_email", "contact.email", "text" },
	{ NULL, NULL, NULL } };
static const struct column offer_cols[] = {
	{ "id", "", "bigint PRIMARY KEY" },
	{ "company_id", "company_id", "bigint" }, { "title", "title", "text" },
	{ "rome", "rome", "text" }, { "appellation", "appellation", "text" },
	{ "commune", "commune", "text" }, { "contract", "contract", "text" },
	{ "duration_months", "duration_months", "integer" },
	{ "weekly_hours", "weekly_hours", "integer" },
	{ "schedule", "schedule", "text[]" },
	{ "start_on", "start_on", "date" },
	{ "requirements", "requirements", "text[]" },
	{ "visit_on", "workstation_visit.on", "date" },
	{ "visit_notes", "workstation_visit.notes", "text" },
	{ "ruleset", "ruleset", "text" }, { "owner", "owner", "text" },
	{ "status", "status", "text" },
	{ NULL, NULL, NULL } };
static const struct column candidate_cols[] = {
	{ "id", "", "bigint PRIMARY KEY" },
	{ "first_name", "first_name", "text" },
	{ "last_name", "last_name", "text" },
	{ "birth_date", "birth_date", "date" }, { "sex", "sex", "text" },
	{ "commune", "commune", "text" }, { "qpv", "qpv", "boolean" },
	{ "qpv_code", "qpv_code", "text" },
	{ "programme", "programme", "text" },
	{ "referent_id", "referent_id", "bigint" },
	{ "oriented_on", "oriented_on", "date" },
	{ "publics", "publics", "text[]" }, { "rome", "rome", "text[]" },
	{ "contracts", "contracts", "text[]" },
	{ "max_weekly_hours", "max_weekly_hours", "integer" },
	{ "schedule_ok", "schedule_ok", "text[]" },
	{ "licence_b", "mobility.licence_b", "boolean" },
	{ "vehicle", "mobility.vehicle", "boolean" },
	{ "zone", "mobility.zone", "text" },
	{ "available_on", "available_on", "date" },
	{ "consent_on", "consent.on", "date" },
	{ "consent_scope", "consent.scope", "text" },
	{ "status", "status", "text" },
	{ NULL, NULL, NULL } };

static const struct resource {
	const char		*name;	/* file and table name */
	const struct schema	*schema;
	const struct column	*cols;
	void			(*gen)(struct gen *, struct rng *, uint64_t,
				    void *);
	void			(*check)(struct gen *, const void *, uint64_t);
	void			(*stat)(struct gen *, const void *);
} resources[R__N] = {
	{ "referents", &referent_schema, referent_cols, gen_referent, NULL,
	    NULL },
	{ "companies", &company_schema, company_cols, gen_company,
	    check_company, stat_company },
	{ "offers", &offer_schema, offer_cols, gen_offer, check_offer,
	    stat_offer },
	{ "candidates", &candidate_schema, candidate_cols, gen_candidate,
	    check_candidate, stat_candidate },
};

enum { FMT_JSONL, FMT_MSGPACK, FMT_CSV, FMT__N };
static const char *const format_names[] = { "jsonl", "msgpack", "csv", NULL };

struct out {
	FILE		*f[FMT__N];
	char		*path[FMT__N], *buf[FMT__N];
	msgpack_packer	 pk;
};

/* The create body: what rec_to_json shows, less what the server sets and
 * the nulls (absent and null mean the same to the API). */
static void
drop_nulls(json_t *j)
{
	const char	*key;
	json_t		*v;
	void		*tmp;
	size_t		 i;

	if (json_is_object(j)) {
		json_object_foreach_safe(j, tmp, key, v) {
			if (json_is_null(v))
				json_object_del(j, key);
			else
				drop_nulls(v);
		}
	} else if (json_is_array(j))
		json_array_foreach(j, i, v)
			drop_nulls(v);
}

/* Less the names beside the codes too (label.c): the server's, read-only. */
static void
drop_labels(const struct schema *sc, json_t *j)
{
	const struct field	*f;
	char			 keys[2][LABEL_KEY_MAX];
	int			 i, n;

	for (f = sc->fields; f->name != NULL; f++)
		for (i = 0, n = label_keys(f, keys); i < n; i++)
			json_object_del(j, keys[i]);
}

static json_t *
body_new(const struct schema *sc, const void *rec)
{
	json_t	*j;

	if ((j = rec_to_json(sc, rec, VIEW_FULL)) == NULL)
		die("out of memory");
	json_object_del(j, "id");
	json_object_del(j, "created_at");
	json_object_del(j, "updated_at");
	drop_labels(sc, j);
	drop_nulls(j);
	return (j);
}

/* One CSV field, quoted when it must be (an empty string is "" so that
 * COPY tells it from NULL). */
static void
csv_text(FILE *f, const char *s)
{
	if (*s != '\0' && strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A PostgreSQL array literal of the strings of a: {K2204,"a b"}. */
static void
csv_array(FILE *f, json_t *a)
{
	char		 buf[2048];
	const char	*s;
	json_t		*e;
	size_t		 i, n = 0;
	int		 q;

	buf[n++] = '{';
	json_array_foreach(a, i, e) {
		if ((s = json_string_value(e)) == NULL)
			die("array of non-strings in a text[] column");
		q = *s == '\0' || strpbrk(s, "{}\\\", \t\n") != NULL ||
		    strcasecmp(s, "NULL") == 0;
		if (n + 2 * strlen(s) + 4 >= sizeof(buf))
			die("array too long for a CSV cell");
		if (i > 0)
			buf[n++] = ',';
		if (q)
			buf[n++] = '"';
		for (; *s != '\0'; s++) {
			if (q && (*s == '"' || *s == '\\'))
				buf[n++] = '\\';
			buf[n++] = *s;
		}
		if (q)
			buf[n++] = '"';
	}
	buf[n++] = '}';
	buf[n] = '\0';
	csv_text(f, buf);
}

static void
csv_row(FILE *f, const struct column *cols, json_t *j, uint64_t id)
{
	const struct column	*c;
	const char		*dot;
	char			 key[64], *s;
	json_t			*v;

	for (c = cols; c->name != NULL; c++) {
		if (c != cols)
			fputc(',', f);
		if (*c->path == '\0') {
			fprintf(f, "%" PRIu64, id);
			continue;
		}
		if ((dot = strchr(c->path, '.')) == NULL)
			v = json_object_get(j, c->path);
		else {
			snprintf(key, sizeof(key), "%.*s",
			    (int)(dot - c->path), c->path);
			v = json_object_get(json_object_get(j, key), dot + 1);
		}
		if (v == NULL || json_is_null(v))
			continue;			/* NULL */
		if (strcmp(c->type, "jsonb") == 0) {
			if ((s = json_dumps(v, JSON_COMPACT)) == NULL)
				die("out of memory");
			csv_text(f, s);
			free(s);
		} else if (json_is_array(v))
			csv_array(f, v);
		else if (json_is_string(v))
			csv_text(f, json_string_value(v));
		else if (json_is_integer(v))
			fprintf(f, "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
		else
			fputs(json_is_true(v) ? "true" : "false", f);
	}
	fputc('\n', f);
}

/* --check: the body passes the API's validation, decodes to the same body,
 * survives msgpack, and keeps the dataset's own invariants. */
static void
check_body(struct gen *g, const struct resource *res, json_t *j, uint64_t id)
{
	msgpack_packer		 pk;
	msgpack_unpacked	 u;
	json_t			*back;
	void			*rec;
	char			*field = NULL, *cause = NULL;
	size_t			 off = 0;

	if ((rec = rec_new(res->schema)) == NULL)
		die("out of memory");
	if (rec_from_json(res->schema, rec, j, &field, &cause) != 0)
		die("%s %" PRIu64 " (%s.jsonl line %" PRIu64 "): %s",
		    res->schema->name, id, res->name, id,
		    cause != NULL ? cause : "invalid");
	back = rec_to_json(res->schema, rec, VIEW_FULL);
	json_object_del(back, "id");
	json_object_del(back, "created_at");
	json_object_del(back, "updated_at");
	drop_labels(res->schema, back);
	drop_nulls(back);
	if (!json_equal(back, j))
		die("%s %" PRIu64 ": the API does not read back what was "
		    "written", res->schema->name, id);
	json_decref(back);

	msgpack_sbuffer_clear(&g->sb);
	msgpack_packer_init(&pk, &g->sb, msgpack_sbuffer_write);
	json_pack_mp(j, &pk);
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, g->sb.data, g->sb.size, &off) !=
	    MSGPACK_UNPACK_SUCCESS || (back = mp_to_json(&u.data, &cause)) ==
	    NULL || !json_equal(back, j))
		die("%s %" PRIu64 ": msgpack does not round-trip",
		    res->schema->name, id);
	json_decref(back);
	msgpack_unpacked_destroy(&u);

	if (res->check != NULL)
		res->check(g, rec, id);
	rec_clear(res->schema, rec);
	free(rec);
}

static void
out_open(struct out *o, const char *dir, const char *name, int formats,
    const struct column *cols)
{
	static const char *const ext[] = { "jsonl", "msgpack", "csv" };
	const struct column	*c;
	int			 k;

	memset(o, 0, sizeof(*o));
	for (k = 0; dir != NULL && k < FMT__N; k++) {
		if (!(formats & (1 << k)))
			continue;
		o->path[k] = xasprintf("%s/%s.%s", dir, name, ext[k]);
		if ((o->f[k] = fopen(o->path[k], "w")) == NULL)
			die("%s: %s", o->path[k], strerror(errno));
		o->buf[k] = xcalloc(1, 1 << 20);
		setvbuf(o->f[k], o->buf[k], _IOFBF, 1 << 20);
	}
	if (o->f[FMT_MSGPACK] != NULL)
		msgpack_packer_init(&o->pk, o->f[FMT_MSGPACK],
		    msgpack_fbuffer_write);
	if (o->f[FMT_CSV] != NULL) {
		for (c = cols; c->name != NULL; c++)
			fprintf(o->f[FMT_CSV], "%s%s", c == cols ? "" : ",",
			    c->name);
		fputc('\n', o->f[FMT_CSV]);
	}
}

/* Close the files; return their total size. */
static uint64_t
out_close(struct out *o)
{
	uint64_t	size = 0;
	int		k;

	for (k = 0; k < FMT__N; k++) {
		if (o->f[k] == NULL)
			continue;
		size += (uint64_t)ftello(o->f[k]);
		if (ferror(o->f[k]) || fclose(o->f[k]) != 0)
			die("%s: write error", o->path[k]);
		free(o->path[k]);
		free(o->buf[k]);
	}
	return (size);
}

static void
emit(struct gen *g, const struct resource *res, struct out *o,
    const void *rec, uint64_t id, uint64_t n)
{
	json_t	*j = body_new(res->schema, rec);

	if (o->f[FMT_JSONL] != NULL) {
		json_dumpf(j, o->f[FMT_JSONL], JSON_COMPACT);
		fputc('\n', o->f[FMT_JSONL]);
	}
	if (o->f[FMT_MSGPACK] != NULL) {
		if ((id - 1) % BATCH == 0)
			msgpack_pack_array(&o->pk, n - id + 1 < BATCH ?
			    (size_t)(n - id + 1) : BATCH);
		json_pack_mp(j, &o->pk);
	}
	if (o->f[FMT_CSV] != NULL)
		csv_row(o->f[FMT_CSV], res->cols, j, id);
	if (g->check)
		check_body(g, res, j, id);
	json_decref(j);
}

/* schema.sql: the tables the CSV files COPY into. */
static void
write_schema(const char *dir)
{
	const struct resource	*res;
	const struct column	*c;
	char			*path = xasprintf("%s/schema.sql", dir);
	FILE			*f;

	if ((f = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "-- Written by bench/gen: the tables of its CSV files.\n"
	    "-- \\copy <table> FROM '<table>.csv' WITH (FORMAT csv, HEADER)\n");
	for (res = resources; res < resources + R__N; res++) {
		fprintf(f, "\nCREATE TABLE %s (\n", res->name);
		for (c = res->cols; c->name != NULL; c++)
			fprintf(f, "\t%s %s%s\n", c->name, c->type,
			    c[1].name != NULL ? "," : "");
		fprintf(f, ");\n");
	}
	if (ferror(f) || fclose(f) != 0)
		die("%s: write error", path);
	free(path);
}

static void
mkdirs(const char *path)
{
	char	*p = xstrdup(path), *s;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			die("%s: %s", p, strerror(errno));
		*s = '/';
	}
	if (mkdir(p, 0755) == -1 && errno != EEXIST)
		die("%s: %s", p, strerror(errno));
	free(p);
}

/* Free what main() loaded, so that LeakSanitizer sees no leak. */
static void
gen_free(struct gen *g)
{
	size_t	i;
	int	k;

	for (i = 0; i < g->ncommunes; i++) {
		free(g->communes[i].name);
		free(g->communes[i].norm);
		for (k = 0; k < g->communes[i].nqpv; k++)
			free(g->communes[i].qpv[k]);
	}
	for (i = 0; i < g->nappels; i++) {
		free(g->appels[i].code);
		free(g->appels[i].name);
	}
	free(g->communes);
	free(g->appels);
	free(g->w_commune.cum);
	free(g->w_qpv_commune.cum);
	free(g->w_rome_cand.cum);
	free(g->w_rome_offer.cum);
	free(g->rome_licence);
	free(g->appel_first);
	free(g->appel_nice);
	free(g->appel_n);
	free(g->co_rome);
	free(g->co_commune);
	free(g->st.rome_cand);
	free(g->st.rome_offer);
	msgpack_sbuffer_destroy(&g->sb);
	refdata_free();
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: gen --scale tiny|iod|plie|metro|national "
	    "[--seed N] [--out DIR]\n"
	    "           [--format jsonl,msgpack,csv] [--data DIR] [--check] "
	    "[--stats]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "scale", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "data", required_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'c' },
		{ "stats", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct resource	*res;
	struct gen		 g;
	struct out		 o;
	struct rng		 r;
	struct timespec		 t0, t1;
	const char		*scale = NULL, *out = NULL, *data = "data";
	char			*cause, *list, *tok, *end, fmts[32] = "";
	void			*rec;
	uint64_t		 id, n, size = 0, nml;
	int			 ch, k, formats = 0;

	memset(&g, 0, sizeof(g));
	g.seed = 1;
	while ((ch = getopt_long(argc, argv, "s:S:o:f:d:cth", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			scale = optarg;
			break;
		case 'S':
			errno = 0;
			g.seed = strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || *optarg == '\0')
				die("--seed %s: expected a number", optarg);
			break;
		case 'o':
			out = optarg;
			break;
		case 'f':
			list = xstrdup(optarg);
			for (tok = strtok(list, ","); tok != NULL;
			    tok = strtok(NULL, ",")) {
				if ((k = enum_lookup(format_names, tok)) < 0)
					die("--format %s: expected jsonl, "
					    "msgpack or csv", tok);
				formats |= 1 << k;
			}
			free(list);
			break;
		case 'd':
			data = optarg;
			break;
		case 'c':
			g.check = 1;
			break;
		case 't':
			g.dostats = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || scale == NULL ||
	    (out == NULL && !g.check && !g.dostats))
		usage();
	for (k = 0; k < (int)(sizeof(scales) / sizeof(scales[0])); k++)
		if (strcmp(scales[k].name, scale) == 0)
			g.sc = &scales[k];
	if (g.sc == NULL)
		die("--scale %s: expected tiny, iod, plie, metro or national",
		    scale);
	if (formats == 0)
		formats = (1 << FMT__N) - 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (refdata_load(data, &cause) != 0)
		die("%s", cause != NULL ? cause : "cannot load reference data");
	g.ref = refdata_get();
	load_communes(&g, data);
	load_rome(&g, data);
	nml = (g.sc->n[R_REFERENTS] * (uint64_t)g.sc->ml + 500) / 1000;
	if (g.sc->ml > 0 && nml == 0)
		nml = 1;
	g.nplie_ref = g.sc->n[R_REFERENTS] - nml;
	g.co_rome = xcalloc(g.sc->n[R_COMPANIES], sizeof(*g.co_rome));
	g.co_commune = xcalloc(g.sc->n[R_COMPANIES], sizeof(*g.co_commune));
	g.st.rome_cand = xcalloc(g.ref->nrome, sizeof(uint64_t));
	g.st.rome_offer = xcalloc(g.ref->nrome, sizeof(uint64_t));
	msgpack_sbuffer_init(&g.sb);
	if (out != NULL)
		mkdirs(out);

	for (res = resources; res < resources + R__N; res++) {
		n = g.sc->n[res - resources];
		rng_seed(&r, g.seed, (uint64_t)(res - resources) + 1);
		out_open(&o, out, res->name, formats, res->cols);
		if ((rec = rec_new(res->schema)) == NULL)
			die("out of memory");
		for (id = 1; id <= n; id++) {
			res->gen(&g, &r, id, rec);
			if (res->stat != NULL)
				res->stat(&g, rec);
			emit(&g, res, &o, rec, id, n);
			rec_clear(res->schema, rec);
		}
		free(rec);
		size += out_close(&o);
	}
	if (out != NULL && (formats & (1 << FMT_CSV)))
		write_schema(out);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	for (k = 0; k < FMT__N; k++)
		if (formats & (1 << k))
			snprintf(fmts + strlen(fmts), sizeof(fmts) -
			    strlen(fmts), "%s%s", *fmts ? "," : "",
			    format_names[k]);
	printf("gen: %s seed %" PRIu64 ": %" PRIu64 " referents, %" PRIu64
	    " companies, %" PRIu64 " offers, %" PRIu64 " candidates in %.2f s",
	    g.sc->name, g.seed, g.sc->n[R_REFERENTS], g.sc->n[R_COMPANIES],
	    g.sc->n[R_OFFERS], g.sc->n[R_CANDIDATES],
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (out != NULL)
		printf("; %s/ %s, %.1f MB", out, fmts, (double)size / 1e6);
	printf("%s\n", g.check ? "; checked" : "");
	if (g.dostats)
		stats_print(&g);
	gen_free(&g);
	return (0);
}
