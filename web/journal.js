// journal.js — a company's journal: every contact of the team with it, dated
// (prospection, presentation of the method, negotiation of an offer,
// workstation visit, recruitment meeting, follow-up with the employer), with
// who met whom and the team's note, and the form that writes one
// (POST /v1/contacts).  The note is the team's: the API never shows it to a
// company, and companies do not open this page.  section() is the part a
// company page shows; page() is it on its own (#/entreprises/3/journal).

import { get, post, onSubmit } from './api.js';
import * as fr from './fr.js';
import { h, field, select, table, title, text, num } from './ui.js';
import { getAll } from './records.js';

export const KINDS = {
  prospection: 'prospection', presentation: 'présentation de la méthode',
  negotiation: 'négociation d’une offre', workstation_visit: 'visite de poste',
  recruitment: 'rencontre de recrutement (mise en relation)',
  employer_followup: 'suivi avec l’employeur',
};

// The journal of company co (a record) and the form to add to it; offers:
// the company's offers, for the form's choice.
export async function section(ctx, co, offers = []) {
  const list = h('div', { 'aria-live': 'polite' });
  const titles = Object.fromEntries(offers.map((o) => [o.id, `${o.title} (n° ${o.id})`]));
  async function load() {
    const items = await getAll('/v1/contacts', { company_id: co.id });
    const rows = [...items].sort((a, b) => (a.on < b.on ? 1 : a.on > b.on ? -1 : b.id - a.id));
    list.replaceChildren(table(`Contacts avec ${co.name}`, [
      { label: 'Date', cell: (c) => fr.date(c.on) },
      { label: 'Nature', cell: (c) => fr.label(KINDS, c.kind) },
      { label: 'Offre', cell: (c) => (c.offer_id ? h('a', { href: `#/offres/${c.offer_id}` }, titles[c.offer_id] ?? `n° ${c.offer_id}`) : '—') },
      { label: 'Chargé·e de mission', cell: (c) => c.owner ?? '—' },
      { label: 'Personnes rencontrées', cell: (c) => (c.met ?? []).join(', ') || '—' },
      { label: 'Note de l’équipe', cell: (c) => c.note ?? '' },
    ], rows, 'Aucun contact enregistré avec cette entreprise.', { hideCaption: true }));
  }
  const form = h('form', { class: 'form-grid', 'aria-label': 'Nouveau contact' },
    select('Nature du contact', 'kind', KINDS, { required: true }),
    field('Date', 'on', { type: 'date', required: true, value: ctx.today }),
    select('Offre concernée', 'offer_id', Object.fromEntries(offers.map((o) => [o.id, titles[o.id]])), { empty: 'aucune' }),
    field('Chargé·e de mission', 'owner', { maxlength: 64 }, 'Vous, si vide.'),
    field('Personnes rencontrées', 'met', {}, 'Noms séparés par des virgules.'),
    field('Note de l’équipe', 'note', { tag: 'textarea', maxlength: 2000, rows: 2 }, 'Jamais montrée à l’entreprise.'),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit' }, 'Enregistrer le contact')));
  onSubmit(form, async (fd) => {
    const met = (text(fd, 'met') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    await post('/v1/contacts', {
      kind: text(fd, 'kind'), on: text(fd, 'on'), company_id: co.id, offer_id: num(fd, 'offer_id'),
      owner: text(fd, 'owner'), met: met.length ? met : undefined, note: text(fd, 'note'),
    });
    form.reset();
    form.elements.on.value = ctx.today;
    ctx.announce('Contact enregistré.');
    await load();
  });
  await load();
  return h('section', { class: 'card', 'aria-labelledby': 'j-title' },
    h('h2', { id: 'j-title' }, 'Journal de l’entreprise'),
    list,
    h('details', {}, h('summary', {}, 'Noter un contact'), form));
}

export async function page(ctx, id) {
  const co = await get(`/v1/companies/${encodeURIComponent(id)}`);
  const offers = await getAll('/v1/offers', { company_id: co.id });
  ctx.show(...title(co.name, `SIRET ${co.siret} · les contacts de l’équipe avec l’entreprise`),
    await section(ctx, co, offers));
}
