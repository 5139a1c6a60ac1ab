/*
 * notice.c — who is told of an event by e-mail, and in what words.  A
 * référent (referent) hears of their candidates' path: a proposal made, a
 * meeting set, a hiring, a refusal, a no-show, a follow-up at risk, a
 * placement ended, a candidate stalled.  The addresses are those of the
 * referent's accounts, each with its preferences (struct notify_prefs:
 * e-mail on or off, the types, immediate or the day's digest), or, when
 * none of them has one, the referent record's own.  A mail names the
 * person by first name and initial only, with the offer's title and
 * company and a link to the console: never a public, a score, a note or
 * anything the team wrote; a person erased is told of no more.  The
 * queue is outbox.c's, the sending the daemon's (mail.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain.h"

/* Each type e-mail tells of: the subject, and the sentence around the
 * person and the job (or, for a stall, the days). */
static const struct notice_kind {
	const char	*type;
	const char	*subject;
	const char	*pre, *mid, *post;
} kinds[] = {
	{ "proposal.created", "Nouvelle proposition",
	  "", " a été proposé(e) sur une offre : ", "." },
	{ "proposal.meeting_scheduled", "Rendez-vous fixé",
	  "Un rendez-vous est fixé pour ", " : ", "." },
	{ "proposal.hired", "Embauche",
	  "", " est embauché(e) : ", "." },
	{ "proposal.refused", "Candidature non retenue",
	  "L'entreprise n'a pas retenu la candidature de ", " : ", "." },
	{ "proposal.declined", "Proposition déclinée",
	  "", " a décliné la proposition : ", "." },
	{ "proposal.no_show", "Absence au rendez-vous",
	  "", " ne s'est pas présenté(e) au rendez-vous : ", "." },
	{ "followup.at_risk", "Suivi dans l'emploi à risque",
	  "Le suivi dans l'emploi de ", " est signalé à risque : ", "." },
	{ "placement.ended", "Fin de contrat",
	  "Le contrat de ", " a pris fin : ", "." },
	{ "candidate.stalled", "Parcours sans proposition",
	  "", " n'a reçu aucune proposition depuis ", " jours." },
	{ NULL, NULL, NULL, NULL, NULL }
};

static const struct notice_kind *
kind_of(const char *type, int *bit)
{
	int	i;

	for (i = 0; kinds[i].type != NULL; i++)
		if (strcmp(kinds[i].type, type) == 0)
			break;
	if (kinds[i].type == NULL)
		return (NULL);
	for (*bit = 0; mail_type_names[*bit] != NULL; (*bit)++)
		if (strcmp(mail_type_names[*bit], type) == 0)
			break;
	return (&kinds[i]);
}

void
notice_clear(struct notice *n)
{
	free(n->to);
	free(n->subject);
	free(n->line);
	free(n->link);
	memset(n, 0, sizeof(*n));
}

/* "Amina B.": the first name and the first letter of the last name. */
static char *
short_name(const struct candidate *c)
{
	const char		*l = c->last_name;
	size_t			 n = 0;
	char			*s;

	if (c->first_name == NULL)
		return (NULL);
	if (l != NULL)
		n = utf8_initial(c->last_name);
	if (asprintf(&s, n > 0 ? "%s %.*s." : "%s", c->first_name, (int)n,
	    c->last_name) == -1)
		return (NULL);
	return (s);
}

/* « Title » chez Company, from the offer the event names. */
static char *
job_text(struct txn *t, const struct event *ev)
{
	json_t		*j, *off = json_object_get(ev->data, "offer_id");
	const char	*title, *company;
	char		*s;

	if (!json_is_integer(off) || (j = job_json(t,
	    (uint64_t)json_integer_value(off))) == NULL)
		return (strdup("une offre"));
	title = json_string_value(json_object_get(j, "offer_title"));
	company = json_string_value(json_object_get(j, "company_name"));
	if (asprintf(&s, "« %s »%s%s", title != NULL ? title : "offre",
	    company != NULL ? " chez " : "", company != NULL ? company : "")
	    == -1)
		s = NULL;
	json_decref(j);
	return (s);
}

struct recips {
	uint64_t	 referent_id;
	int		 bit;		/* in mail_type_names */
	int		 addressed;	/* an account has an address */
	struct notice	*v;
	size_t		 n;
	int		 rc;
};

static int
add(struct recips *r, uint64_t key, const char *to, int daily)
{
	struct notice	*v;

	if ((v = reallocarray(r->v, r->n + 1, sizeof(*v))) == NULL)
		return (r->rc = IOD_ENOMEM);
	r->v = v;
	v += r->n;
	memset(v, 0, sizeof(*v));
	if ((v->to = strdup(to)) == NULL)
		return (r->rc = IOD_ENOMEM);
	r->n++;
	v->key = key;
	v->daily = daily;
	return (0);
}

static int
account_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct recips		*r = arg;
	struct account		 a;
	const struct notify_prefs *p = &a.notifications;

	(void)k; (void)kl;
	memset(&a, 0, sizeof(a));
	if (rec_decode(&account_schema, &a, v, vl) == 0 &&
	    a.role == ROLE_REFERENT && a.referent_id == r->referent_id &&
	    !a.disabled && a.email != NULL) {
		r->addressed = 1;
		if (p->mode == NULL)
			add(r, a.id, a.email, 0);
		else if (p->email && (p->types == 0 ||
		    (p->types & (1u << r->bit)) != 0))
			add(r, a.id, a.email, strcmp(p->mode, "daily") == 0);
	}
	rec_clear(&account_schema, &a);
	return (r->rc);
}

int
notice_for_event(struct txn *t, const struct event *ev,
    const char *console_url, struct notice **out, size_t *nout)
{
	const struct notice_kind *kd;
	struct recips		 r;
	struct candidate	 c;
	struct referent		 ref;
	json_t			*cid;
	char			*who = NULL, *job = NULL, days[24];
	uint64_t		 id;
	size_t			 i;
	int			 bit = 0;

	*out = NULL;
	*nout = 0;
	if ((kd = kind_of(ev->type, &bit)) == NULL)
		return (0);
	cid = json_object_get(ev->data, "candidate_id");
	id = strcmp(ev->entity, "candidate") == 0 ? ev->id :
	    json_is_integer(cid) ? (uint64_t)json_integer_value(cid) : 0;
	memset(&c, 0, sizeof(c));
	if (id == 0 || store_get_rec(t, DB_CANDIDATES, id, &candidate_schema,
	    &c) != 0 || c.status == CAND_ERASED || c.referent_id == 0 ||
	    (who = short_name(&c)) == NULL) {
		rec_clear(&candidate_schema, &c);
		return (0);	/* erased, or no one to tell */
	}
	memset(&r, 0, sizeof(r));
	r.referent_id = c.referent_id;
	r.bit = bit;
	rec_clear(&candidate_schema, &c);
	store_scan(t, DB_ACCOUNTS, NULL, 0, 0, account_cb, &r);
	if (r.rc == 0 && !r.addressed) {
		memset(&ref, 0, sizeof(ref));
		if (store_get_rec(t, DB_REFERENTS, r.referent_id,
		    &referent_schema, &ref) == 0 && ref.email != NULL)
			add(&r, NOTICE_REFERENT | r.referent_id, ref.email, 0);
		rec_clear(&referent_schema, &ref);
	}
	if (strcmp(ev->type, "candidate.stalled") == 0) {
		snprintf(days, sizeof(days), "%lld", (long long)json_integer_value(
		    json_object_get(ev->data, "days")));
		job = strdup(days);
	} else
		job = job_text(t, ev);
	for (i = 0; i < r.n && r.rc == 0 && job != NULL; i++) {
		if (asprintf(&r.v[i].subject, "%s : %s", kd->subject, who) == -1)
			r.v[i].subject = NULL;
		if (asprintf(&r.v[i].line, "%s%s%s%s%s", kd->pre, who,
		    kd->mid, job, kd->post) == -1)
			r.v[i].line = NULL;
		if (asprintf(&r.v[i].link, "%s#/candidats/%llu", console_url,
		    (unsigned long long)id) == -1)
			r.v[i].link = NULL;
		r.v[i].candidate_id = id;
		if (r.v[i].subject == NULL || r.v[i].line == NULL ||
		    r.v[i].link == NULL)
			r.rc = IOD_ENOMEM;
	}
	free(who);
	if (job == NULL)
		r.rc = IOD_ENOMEM;
	free(job);
	if (r.rc != 0) {
		for (i = 0; i < r.n; i++)
			notice_clear(&r.v[i]);
		free(r.v);
		return (r.rc);
	}
	*out = r.v;
	*nout = r.n;
	return (0);
}

char *
notice_body(json_t *items, json_int_t more)
{
	json_t	*it;
	char	*s = NULL;
	size_t	 i, len = 0;
	FILE	*f;
	int	 many = json_array_size(items) > 1 || more > 0;

	if ((f = open_memstream(&s, &len)) == NULL)
		return (NULL);
	fprintf(f, "Bonjour,\r\n\r\n%s\r\n\r\n", many ?
	    "Voici ce qui s'est passé aujourd'hui pour les personnes que "
	    "vous accompagnez :" : "Du nouveau pour une personne que vous "
	    "accompagnez :");
	json_array_foreach(items, i, it)
		fprintf(f, "%s%s\r\n  %s\r\n\r\n", many ? "- " : "",
		    json_string_value(json_object_get(it, "line")),
		    json_string_value(json_object_get(it, "link")));
	if (more > 0)
		fprintf(f, "- et %lld autre%s événement%s, à lire dans la "
		    "console.\r\n\r\n", (long long)more, more > 1 ? "s" : "",
		    more > 1 ? "s" : "");
	fprintf(f, "Le détail est dans la console iod (connexion requise)."
	    "\r\n\r\n-- \r\nCe message est envoyé par iod. Vos préférences "
	    "de notification se règlent\r\ndans la console ou auprès de "
	    "l'administrateur.\r\n");
	if (fclose(f) != 0) {
		free(s);
		return (NULL);
	}
	return (s);
}

json_t *
notice_prefs_json(const struct account *a)
{
	const struct notify_prefs *p = &a->notifications;
	json_t		*types;
	size_t		 i;

	if ((types = json_array()) == NULL)
		return (NULL);
	for (i = 0; mail_type_names[i] != NULL; i++)
		if (p->mode == NULL || p->types == 0 || (p->types & (1u << i)))
			json_array_append_new(types,
			    json_string(mail_type_names[i]));
	return (json_pack("{s:b, s:o, s:s, s:b}",
	    "email", p->mode == NULL ? 1 : p->email,
	    "types", types,
	    "mode", p->mode != NULL ? p->mode : "immediate",
	    "has_address", a->email != NULL));
}

int
notice_prefs_set(struct dctx *dc, uint64_t account_id, json_t *body,
    json_t **out)
{
	struct account		 a;
	struct notify_prefs	 p;
	json_t			*j = NULL;
	size_t			 n;
	int			 rc = -1;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	if (!json_is_object(body)) {
		derr_set(&dc->err, ERR_BAD_BODY, "body", "the body must be an "
		    "object {email, types, mode}");
		goto done;
	}
	if ((j = json_deep_copy(body)) == NULL) {
		derr_set(&dc->err, ERR_NO_MEMORY, NULL, "out of memory");
		goto done;
	}
	/* Left out: e-mail on, at once. */
	if (json_object_get(j, "email") == NULL)
		json_object_set_new(j, "email", json_true());
	if (json_object_get(j, "mode") == NULL)
		json_object_set_new(j, "mode", json_string("immediate"));
	if (derr_decode(&dc->err, &notify_prefs_schema, j, &p) != 0) {
		/* The field as the account shows it. */
		n = strlen(dc->err.field);
		if (n > 0 && n + 14 < sizeof(dc->err.field)) {
			memmove(dc->err.field + 14, dc->err.field, n + 1);
			memcpy(dc->err.field, "notifications.", 14);
		}
		goto done;
	}
	if ((rc = account_load(dc->txn, account_id, &a)) != 0) {
		rec_clear(&account_schema, &a);
		rc = rc == IOD_ENOTFOUND ? derr_set(&dc->err, ERR_NOT_FOUND,
		    "id", "no account %llu", (unsigned long long)account_id) :
		    derr_store(&dc->err, rc);
		goto done;
	}
	rec_clear(&notify_prefs_schema, &a.notifications);
	a.notifications = p;
	memset(&p, 0, sizeof(p));
	a.updated_at = (int64_t)time(NULL);
	if ((rc = store_put_rec(dc->txn, DB_ACCOUNTS, a.id, &account_schema,
	    &a)) != 0)
		rc = derr_store(&dc->err, rc);
	else if ((*out = notice_prefs_json(&a)) == NULL)
		rc = derr_set(&dc->err, ERR_NO_MEMORY, NULL, "out of memory");
	rec_clear(&account_schema, &a);
done:
	rec_clear(&notify_prefs_schema, &p);
	json_decref(j);
	return (rc);
}
