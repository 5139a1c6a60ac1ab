// positioning.js — positionnement: the method presents the open offers to
// a group of people at an information session, and each person says which
// offers interest them.  The page holds the session: its label and day,
// the offers presented, the people present, then a grid where each
// interest is recorded as it is said (POST /v1/offers/{id}/interests) or
// withdrawn (DELETE ?candidate_id=).  The rule set's expressed_interest
// weight adds to that person's score for that offer only (« intérêt
// exprimé +20 » in a proposal's why).  A chargé de mission holds sessions
// for everyone; a référent for their own people (the API's scope).  An
// offer's page lists the interests expressed in it (interestsSection).

import { get, post, del, qs, onSubmit, showError, clearErrors, ApiError } from './api.js';
import * as fr from './fr.js';
import { h, field, table, title, all, text } from './ui.js';
import { complete } from './complete.js';

const personName = (c) => `${c.first_name} ${c.last_name}`;
const offerText = (o) => `${o.title} — ${fr.commune(o)}${o.start_on ? ', début le ' + fr.date(o.start_on) : ''}`;

// The session's grid: a row per person present, a column per offer
// presented, a box ticked where the person said the offer interests them.
async function grid(ctx, offers, people, on, session) {
  const had = new Map(await Promise.all(offers.map(async (o) => {
    const r = await get(`/v1/offers/${o.id}/interests`);
    return [o.id, new Set(r.items.map((i) => i.candidate_id))];
  })));
  const form = h('form', { class: 'card interests', 'aria-label': 'Intérêts exprimés pendant la séance' },
    h('h2', {}, session), h('p', {}, `${fr.dayYear(on)} : cochez chaque offre qui intéresse une personne ; c’est enregistré aussitôt.`));
  const cols = [
    { label: 'Personne', cell: (c) => personName(c) },
    ...offers.map((o) => ({
      label: o.title,
      cell: (c) => {
        const box = h('input', { type: 'checkbox', checked: had.get(o.id).has(c.id), 'aria-label': `${personName(c)} intéressé·e par « ${o.title} »` });
        box.addEventListener('change', async () => {
          clearErrors(form);
          try {
            if (box.checked) {
              await post(`/v1/offers/${o.id}/interests`, { candidate_id: c.id, on, session });
              ctx.announce(`Intérêt de ${personName(c)} pour « ${o.title} » enregistré.`);
            } else {
              await del(`/v1/offers/${o.id}/interests${qs({ candidate_id: c.id })}`);
              ctx.announce(`Intérêt de ${personName(c)} pour « ${o.title} » retiré.`);
            }
          } catch (e) {
            box.checked = !box.checked;
            showError(form, e instanceof ApiError ? e : { field: null, message: String(e) });
          }
        });
        return box;
      },
    })),
  ];
  form.append(table('Intérêts par personne et par offre', cols, people), h('div', { class: 'form-foot' }));
  return form;
}

export async function page(ctx) {
  const offers = new Map();
  const people = new Map();
  const form = h('form', { class: 'card form-grid', 'aria-label': 'Préparer la séance' },
    field('Séance', 'session', { required: true, maxlength: 120, value: `Réunion d’information du ${fr.date(ctx.today)}` }),
    field('Date de la séance', 'on', { type: 'date', required: true, value: ctx.today, max: ctx.today }),
    complete({
      label: 'Offres présentées', names: ['offer_id'], multiple: true,
      hint: 'Un mot de l’intitulé ; les offres ouvertes.',
      search: async (q) => (await get('/v1/offers' + qs({ q, status: 'open', limit: 30 }))).items,
      show: offerText, chosen: (o) => o.title, values: (o) => ({ offer_id: o.id }),
      onPick: (o) => offers.set(String(o.id), o),
    }),
    complete({
      label: 'Personnes présentes', names: ['candidate_id'], multiple: true,
      hint: 'Un nom ou un prénom.',
      search: async (q) => (await get('/v1/candidates' + qs({ q, status: 'active', limit: 30 }))).items,
      show: (c) => `${personName(c)} — ${fr.commune(c)}`, chosen: personName, values: (c) => ({ candidate_id: c.id }),
      onPick: (c) => people.set(String(c.id), c),
    }),
    h('div', { class: 'form-foot wide' }, h('button', { type: 'submit', class: 'primary' }, 'Ouvrir la grille de la séance')));
  const out = h('div', { 'aria-live': 'polite' });
  onSubmit(form, async (fd) => {
    const os = [...new Set(all(fd, 'offer_id'))].map((id) => offers.get(id)).filter(Boolean);
    const ps = [...new Set(all(fd, 'candidate_id'))].map((id) => people.get(id)).filter(Boolean);
    if (!os.length || !ps.length) {
      showError(form, { field: os.length ? 'candidate_id_q' : 'offer_id_q', message: 'Choisissez au moins une offre et une personne.' });
      return;
    }
    out.replaceChildren(await grid(ctx, os, ps, text(fd, 'on'), text(fd, 'session')));
  });
  ctx.show(...title('Positionnement',
    'Une réunion d’information : les offres ouvertes présentées à un groupe, et l’intérêt que chacun exprime. Une offre choisie compte dans le score de la personne pour cette offre.'),
  form, out);
}

// An offer's interests: who said it interests them, when, at which session.
export async function interestsSection(ctx, o) {
  const r = await get(`/v1/offers/${o.id}/interests`);
  const names = new Map(await Promise.all(r.items.map(async (i) => [i.candidate_id,
    await get(`/v1/candidates/${i.candidate_id}`).then(personName).catch(() => `personne n° ${i.candidate_id}`)])));
  return h('section', { class: 'card', 'aria-labelledby': 'o-interests' },
    h('h2', { id: 'o-interests' }, 'Intérêts exprimés (positionnement)'),
    table('Intérêts exprimés', [
      { label: 'Personne', cell: (i) => h('a', { href: `#/candidats/${i.candidate_id}` }, names.get(i.candidate_id)) },
      { label: 'Le', cell: (i) => fr.date(i.on) },
      { label: 'Séance', cell: (i) => i.session ?? '—' },
    ], r.items, 'Personne n’a encore dit que cette offre l’intéresse.', { hideCaption: true }),
    h('p', {}, h('a', { href: '#/positionnement' }, 'Tenir une séance de positionnement')));
}
